"""One DuckDB file, several processes: the dashboard's reads during an eval, and two evals at once.

DuckDB lets one process write or several read, never both (store/db.py); every connection is
short-lived and `connect` retries with backoff while another process holds the file. So readers
polling during an eval must never see an exception, and two `pmstudio eval` processes on one file
must both finish with every row of each run and no duplicates.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai import models as pai_models

from pmstudio.store import connect
from pmstudio.store import queries as q
from pmstudio.testing import FakeProviderServer

pytest.importorskip("pmstudio.evals.metrics", reason="the runner scores with pmstudio.evals.metrics")

from pmstudio.evals.compare import load_scores  # noqa: E402
from pmstudio.evals.metrics import selected_metrics  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "data" / "reliability" / "golden"
N_CASES = 2
PROMPTS = "default,seed-single-shot"
POLL_S = 0.05  # a dashboard polls every second or so; this is 20x that


def eval_proc(db: Path, *args: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "pmstudio.cli", "eval", "--dataset", str(GOLDEN), "--prompts", PROMPTS, "--quiet",
            *args]
    return subprocess.Popen(argv, env={**os.environ, "PMSTUDIO_DB": str(db)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def n_metrics() -> int:
    return len(selected_metrics(None))


def table(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connect(db, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture
def srv(fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProviderServer]:
    fake_server.reset()
    fake_server.configure(latency_s=0.03, seed=3, min_cache_tokens=0)
    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    yield fake_server
    fake_server.reset()  # ends any request still hanging, drops leftover faults
    fake_server.configure(latency_s=0.0, seed=7, min_cache_tokens=0)  # the session defaults


@pytest.mark.slow
def test_dashboard_reads_during_an_eval(tmp_path: Path) -> None:
    db = tmp_path / "shared.duckdb"
    repeats = 3
    total = N_CASES * 2 * repeats
    m = n_metrics()
    proc = eval_proc(db, "--models", "offline", "--repeats", str(repeats))
    reads = 0
    seen_cells: list[int] = []
    errors: list[str] = []

    def read(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        nonlocal reads
        try:
            out = fn(*args, **kwargs)
        except Exception as exc:  # the assertion below reports them
            errors.append(f"{fn.__name__}: {type(exc).__name__}: {exc}")
            return None
        reads += 1
        return out

    while proc.poll() is None:
        runs = read(q.eval_runs, db)
        if runs is not None and len(runs):
            rid = str(runs.iloc[0]["run_id"])
            cells = read(q.cell_costs, [rid], db)
            read(q.leaderboard, [rid], db)
            read(q.list_runs, db)
            drafts = read(q.list_drafts, db, run_id=rid)
            if drafts is not None and len(drafts):
                did = str(drafts.iloc[0]["draft_id"])
                view = read(q.get_draft, did, db)
                assert view is None or view.postmortem is not None
                read(q.draft_findings, did, db)
            read(load_scores, [rid], db)
            if cells is not None:
                seen_cells.append(len(cells))
                # a cell a reader sees is complete: all its scores are already there
                for case_id in sorted(set(cells["case_id"])):
                    scores = read(q.case_scores, [rid], case_id, db)
                    if scores is None:
                        continue
                    per = scores.groupby(["model", "prompt_set", "repeat_idx"]).size().to_dict()
                    for row in cells[cells["case_id"] == case_id].itertuples():
                        assert per.get((row.model, row.prompt_set, row.repeat_idx)) == m, (case_id, row)
                    read(q.case_drafts, [rid], case_id, db)
        time.sleep(POLL_S)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert not errors, errors[:3]
    assert seen_cells == sorted(seen_cells), "a reader saw the cell count go down"
    assert reads > 20
    runs = q.eval_runs(db)
    assert len(runs) == 1 and int(runs.iloc[0]["cells"]) == total
    rid = str(runs.iloc[0]["run_id"])
    assert table(db, "SELECT count(*), count(DISTINCT (case_id, model, prompt_set, repeat_idx, metric)) FROM scores "
                     "WHERE run_id = ?", [rid]) == [(total * m, total * m)]
    assert table(db, "SELECT status, finished_at IS NOT NULL FROM runs WHERE run_id = ?", [rid]) == [("ok", True)]
    print(f"\n{reads} dashboard reads during the eval; cell counts seen: {sorted(set(seen_cells))}")


@pytest.mark.slow
def test_two_evals_at_once_on_one_db(srv: FakeProviderServer, tmp_path: Path) -> None:
    db = tmp_path / "shared.duckdb"
    models = f"offline,openai-compatible:fake-llm@{srv.openai_base_url}?output=tool"
    procs = [eval_proc(db, "--models", models) for _ in range(2)]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err.decode()[-2000:]
    runs = table(db, "SELECT run_id, status, finished_at IS NOT NULL FROM runs WHERE kind = 'eval' ORDER BY run_id")
    assert len(runs) == 2 and all(r[1:] == ("ok", True) for r in runs)
    total = N_CASES * 2 * 2
    m = n_metrics()
    keys: list[set[tuple[Any, ...]]] = []
    for rid, *_ in runs:
        cells = table(db, "SELECT case_id, model, prompt_set, repeat_idx, status, draft_id FROM eval_cells "
                          "WHERE run_id = ?", [rid])
        assert len(cells) == total and all(c[4] == "ok" and c[5] for c in cells)
        keys.append({c[:4] for c in cells})
        assert table(db, "SELECT count(*), count(DISTINCT (case_id, model, prompt_set, repeat_idx, metric)) "
                         "FROM scores WHERE run_id = ?", [rid]) == [(total * m, total * m)]
        # every cell points at a stored draft of its own case and variant
        assert table(db, "SELECT count(*) FROM eval_cells c JOIN drafts d USING (draft_id) WHERE c.run_id = ? "
                         "AND d.case_id = c.case_id AND d.model = c.model AND d.prompt_set = c.prompt_set",
                     [rid]) == [(total,)]
    assert keys[0] == keys[1]
    # no draft without a cell: a cell either drafted (its draft row) or reused the other run's draft
    assert table(db, "SELECT count(*) FROM drafts WHERE draft_id NOT IN (SELECT draft_id FROM eval_cells "
                     "WHERE draft_id IS NOT NULL)") == [(0,)]
    spans = table(db, "SELECT run_id, min(finished_at), max(finished_at) FROM eval_cells GROUP BY run_id ORDER BY run_id")
    overlap = spans[0][1] <= spans[1][2] and spans[1][1] <= spans[0][2]
    cached = table(db, "SELECT count(*) FROM eval_cells WHERE draft_cached")[0][0]
    print(f"\ntwo evals on one file: {2 * total} cells, {cached} drafts shared through the cache, "
          f"cell writes {'interleaved' if overlap else 'did not overlap'}")
