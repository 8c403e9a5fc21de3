"""kill -9 of `pmstudio eval` at random points, then `--resume`: the final rows equal a clean run's.

The grid (2 fictional cases x {offline, openai-compatible fake server} x {default, seed-single-shot})
runs in a subprocess against the in-process fake provider server. A watcher thread SIGKILLs it once
the server has answered a random number of requests (plus a random delay of up to 0.3 s), so kills
land mid-draft, mid-score and mid-write. After each kill every stored cell must be complete (its
scores all there, its draft stored, no orphan drafts); after the last `--resume` the run's rows equal
those of an uninterrupted run, exactly: no loss, no duplicates.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai import models as pai_models

from pmstudio.store import connect
from pmstudio.store.writes import mark_interrupted
from pmstudio.testing import FakeProviderServer

pytest.importorskip("pmstudio.evals.metrics", reason="the runner scores with pmstudio.evals.metrics")

from pmstudio.evals.metrics import selected_metrics  # noqa: E402
from pmstudio.evals.runner import EvalSettings, Runner, last_run  # noqa: E402
from pmstudio.golden import load_dataset  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "data" / "reliability" / "golden"
PROMPTS = "default,seed-single-shot"
# (seed, kills before the final resume): 4 kill points over 3 independent databases
PLANS = [(11, 1), (23, 1), (37, 2)]


def eval_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "pmstudio.cli", "eval", "--dataset", str(GOLDEN), "--quiet", *args]


def snapshot(db: Path, run_id: str) -> dict[str, Any]:
    """Everything a run's rows say, without ids and times, in a comparable form."""
    with connect(db, read_only=True) as con:
        cells = con.execute(
            "SELECT case_id, model, prompt_set, repeat_idx, status, error, draft_cached FROM eval_cells "
            "WHERE run_id = ? ORDER BY ALL",
            [run_id],
        ).fetchall()
        scores = con.execute(
            "SELECT case_id, model, prompt_set, repeat_idx, metric, metric_version, score, passed, error, score_key, "
            "cached FROM scores WHERE run_id = ? ORDER BY ALL",
            [run_id],
        ).fetchall()
        sections = con.execute(
            "SELECT d.case_id, d.model, d.prompt_set, s.section, s.round, s.status FROM sections s "
            "JOIN drafts d USING (draft_id) WHERE d.run_id = ? ORDER BY ALL",
            [run_id],
        ).fetchall()
        drafts = con.execute(
            "SELECT case_id, model, prompt_set, repeat_idx, status, postmortem FROM drafts WHERE run_id = ? ORDER BY ALL",
            [run_id],
        ).fetchall()
        run = con.execute("SELECT status, finished_at IS NOT NULL FROM runs WHERE run_id = ?", [run_id]).fetchall()
    return {"cells": cells, "scores": scores, "sections": sections, "drafts": drafts, "run": run}


def assert_complete_or_absent(db: Path, run_id: str, n_metrics: int) -> int:
    """After a kill: every stored cell has all its scores and its draft; no draft without its cell."""
    with connect(db, read_only=True) as con:
        per_cell = con.execute(
            "SELECT c.case_id, c.model, c.prompt_set, count(s.metric) FROM eval_cells c LEFT JOIN scores s "
            "ON s.run_id = c.run_id AND s.case_id = c.case_id AND s.model = c.model AND s.prompt_set = c.prompt_set "
            "AND s.repeat_idx = c.repeat_idx WHERE c.run_id = ? GROUP BY ALL",
            [run_id],
        ).fetchall()
        orphan_scores = con.execute(
            "SELECT count(*) FROM scores s ANTI JOIN eval_cells c ON s.run_id = c.run_id AND s.case_id = c.case_id "
            "AND s.model = c.model AND s.prompt_set = c.prompt_set AND s.repeat_idx = c.repeat_idx WHERE s.run_id = ?",
            [run_id],
        ).fetchall()[0][0]
        orphan_drafts = con.execute(
            "SELECT count(*) FROM drafts d WHERE d.run_id = ? AND d.draft_id NOT IN "
            "(SELECT draft_id FROM eval_cells WHERE run_id = ? AND draft_id IS NOT NULL)",
            [run_id, run_id],
        ).fetchall()[0][0]
        missing_drafts = con.execute(
            "SELECT count(*) FROM eval_cells c WHERE c.run_id = ? AND c.draft_id IS NOT NULL AND c.draft_id NOT IN "
            "(SELECT draft_id FROM drafts)",
            [run_id],
        ).fetchall()[0][0]
    assert all(n == n_metrics for *_, n in per_cell), per_cell
    assert orphan_scores == 0 and orphan_drafts == 0 and missing_drafts == 0
    return len(per_cell)


def kill_after(proc: subprocess.Popen[bytes], srv: FakeProviderServer, requests: int, jitter_s: float) -> threading.Thread:
    """SIGKILL `proc` once the server has seen `requests` requests, `jitter_s` later."""

    def watch() -> None:
        while proc.poll() is None and srv.stats()["requests"] < requests:
            time.sleep(0.005)
        time.sleep(jitter_s)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    return t


@pytest.fixture
def srv(fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProviderServer]:
    fake_server.reset()
    fake_server.configure(latency_s=0.02, seed=5, min_cache_tokens=0)
    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    yield fake_server
    fake_server.reset()  # ends any request still hanging, drops leftover faults
    fake_server.configure(latency_s=0.0, seed=7, min_cache_tokens=0)  # the session defaults


@pytest.mark.slow
@pytest.mark.timeout(900)  # 12 eval subprocesses; under load it passed 300 s
def test_kill9_then_resume_equals_a_clean_run(srv: FakeProviderServer, tmp_path: Path) -> None:
    compat = f"openai-compatible:fake-llm@{srv.openai_base_url}?output=tool"
    models = f"offline,{compat}"
    settings = EvalSettings(models=["offline", compat], prompt_sets=PROMPTS.split(","))
    n_metrics = len(selected_metrics(settings.metrics, judge=settings.judge))

    clean_db = tmp_path / "clean.duckdb"
    clean_id = asyncio.run(Runner(load_dataset(GOLDEN), settings, db=clean_db).run())
    clean = snapshot(clean_db, clean_id)
    total_cells = len(clean["cells"])
    total_requests = srv.stats()["requests"]
    assert total_cells == 8 and clean["run"] == [("ok", True)]
    assert len(clean["scores"]) == total_cells * n_metrics and total_requests > 10

    figures: list[str] = []
    for seed, kills in PLANS:
        rng = random.Random(seed)
        db = tmp_path / f"killed-{seed}.duckdb"
        env = {**os.environ, "PMSTUDIO_DB": str(db)}
        argv = eval_argv("--models", models, "--prompts", PROMPTS)
        run_id: str | None = None
        for k in range(kills):
            srv.reset()
            at = rng.randint(1, max(1, total_requests * (2 if k == 0 else 1) // 3))
            jitter = rng.uniform(0.0, 0.3)
            proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            watcher = kill_after(proc, srv, at, jitter)
            _, err = proc.communicate(timeout=300)
            watcher.join(timeout=5)
            if proc.returncode == 0:  # finished before the kill point: nothing left to resume
                figures.append(f"seed {seed} kill {k + 1}: run finished before request {at}")
                break
            assert proc.returncode == -signal.SIGKILL, err.decode()[-2000:]
            run_id = run_id or last_run(db, unfinished=True)
            assert run_id is not None, "the killed run left no unfinished run row"
            assert mark_interrupted(path=db) == [run_id]  # the next start marks it: its process is gone
            with connect(db, read_only=True) as con:
                assert con.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchall() == [("interrupted",)]
            done = assert_complete_or_absent(db, run_id, n_metrics)
            figures.append(f"seed {seed} kill {k + 1}: after request {at} + {jitter:.2f} s, {done}/{total_cells} cells stored")
            argv = eval_argv("--resume", "--run-id", run_id)
        else:
            srv.reset()
            res = subprocess.run(argv, env=env, capture_output=True, timeout=180)
            assert res.returncode == 0, res.stderr.decode()[-2000:]
        run_id = run_id or last_run(db)
        assert run_id is not None
        got = snapshot(db, run_id)
        for part in ("cells", "scores", "sections", "drafts", "run"):
            assert got[part] == clean[part], f"seed {seed}: {part} differ from the clean run"
        with connect(db, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM runs").fetchall()[0][0] == 1
    print("\n".join(["", *figures, f"compared {len(clean['cells'])} cells, {len(clean['scores'])} scores, "
                     f"{len(clean['sections'])} section records per database"]))
