"""Evals with slow and flaky models: deadlines and caps per draft, progress per cell, no partial draft
served from cache, interrupted runs marked, and a golden loader that validates only the selected cases."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic_ai import models as pai_models
from typer.testing import CliRunner

from pmstudio.cli import app
from pmstudio.evals.runner import CellResult, EvalSettings, Runner, last_run
from pmstudio.golden import GoldenCaseError, load_dataset
from pmstudio.store import connect
from pmstudio.store.writes import mark_interrupted, start_run
from pmstudio.testing import FakeProviderServer

GOLDEN = Path(__file__).resolve().parent / "data" / "reliability" / "golden"
TLS = "orbit-2024-03-12-expired-tls-certificate"
runner = CliRunner()


@pytest.mark.slow
def test_two_cases_with_a_20s_model_finish_by_the_deadline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    db = tmp_path / "eval.duckdb"
    with FakeProviderServer(latency_s=20.0) as slow:  # every answer takes 20 s
        result = runner.invoke(app, ["eval", "--dataset", str(GOLDEN), "--models",
                                     f"openai-compatible:slow@{slow.openai_base_url}?output=tool", "--prompts", "default",
                                     "--deadline", "3", "--timeout", "60", "--max-tokens", "800", "--db", str(db)])
        bodies = [e["body"] for e in slow.log()]
    assert result.exit_code == 0, result.output
    started_lines = [ln for ln in result.stderr.splitlines() if ln.startswith("cell started: ")]
    done_lines = [ln for ln in result.stderr.splitlines() if re.match(r"cell \d/2 failed: ", ln)]
    assert len(started_lines) == 2 and len(done_lines) == 2, result.stderr
    # each cell (draft + scores) ended before a single model answer could have arrived: the deadline held
    elapsed = [float(m.group(1)) for ln in done_lines if (m := re.search(r" in (\d+\.\d) s$", ln))]
    assert len(elapsed) == 2 and all(3 <= t < 20 for t in elapsed), done_lines
    assert bodies and all(b["max_tokens"] == 800 for b in bodies)
    with connect(db, read_only=True) as con:
        cells = con.execute("SELECT case_id, status, error FROM eval_cells ORDER BY case_id").fetchall()
        drafts = con.execute("SELECT status FROM drafts").fetchall()
    assert [c[1] for c in cells] == ["failed", "failed"] and all("deadline of 3 s" in (c[2] or "") for c in cells)
    assert drafts == [("failed",), ("failed",)]


def test_a_partial_draft_is_never_served_from_cache(fake_server: FakeProviderServer, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    fake_server.reset()
    fake_server.add_fault("malformed", count=100, contains="section: lessons")
    model = f"openai-compatible:m@{fake_server.openai_base_url}?output=tool"
    settings = EvalSettings(models=[model], max_revisions=0, metrics=["section_completeness"])
    cases = load_dataset(GOLDEN, only=[TLS])
    db = tmp_path / "eval.duckdb"
    def run() -> list[tuple[str, bool]]:
        results: list[CellResult] = []
        asyncio.run(Runner(cases, settings, db=db, on_progress=lambda rid, res: results.append(res)).run())
        return [(x.status, x.draft_cached) for x in results]

    assert run() == run() == [("partial", False)]  # drafted again: a partial draft is never reused
    fake_server.reset()  # the fault is gone: the next run drafts again, and that ok draft is then reused
    assert run() == [("ok", False)]
    assert run() == [("ok", True)]


def test_a_killed_run_is_marked_interrupted_on_the_next_start(tmp_path: Path) -> None:
    db = tmp_path / "runs.duckdb"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    host = socket.gethostname()
    killed = start_run("eval", settings={"pid": dead_pid, "host": host}, path=db)
    alive = start_run("eval", settings={"pid": __import__("os").getpid(), "host": host}, path=db)
    elsewhere = start_run("eval", settings={"pid": dead_pid, "host": host + "-other"}, path=db)
    assert mark_interrupted(path=db) == [killed]
    with connect(db, read_only=True) as con:
        status = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
    assert status == {killed: "interrupted", alive: "running", elsewhere: "running"}
    assert last_run(db, unfinished=True) in (killed, alive, elsewhere)  # --resume still finds unfinished runs


def test_only_the_selected_cases_are_validated_and_null_times_are_accepted(tmp_path: Path) -> None:
    good = (GOLDEN / f"{TLS}.yaml").read_text()
    # a fact whose time the source does not give
    good = good.replace("    - at: 2024-03-12T09:06:00Z\n      what: Expired edge certificate identified",
                        "    - at: null\n      what: Expired edge certificate identified")
    assert "at: null" in good
    (tmp_path / f"{TLS}.yaml").write_text(good)
    broken = good.replace(TLS, "orbit-broken").replace("2024-03-12T09:00:30Z\n      what: Checkout synthetic",
                                                       "2024-03-14T03:00:30Z\n      what: Checkout synthetic")
    (tmp_path / "orbit-broken.yaml").write_text(broken)
    with pytest.raises(GoldenCaseError, match="orbit-broken"):
        load_dataset(tmp_path)
    (case,) = load_dataset(tmp_path, only=[TLS])
    assert any(k.at is None for k in case.expected.key_events)
    with pytest.raises(GoldenCaseError, match="no case with id nope"):
        load_dataset(tmp_path, only=["nope"])
    res = runner.invoke(app, ["eval", "--dataset", str(tmp_path), "--cases", TLS, "--metrics", "timeline_recall",
                              "--db", str(tmp_path / "e.duckdb"), "--quiet"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(("args", "needle"), [
    (["--max-tokens", "0"], "--max-tokens"),
    (["--deadline", "-1"], "--deadline"),
    (["--concurrency", "openai-compatible=zero"], "--concurrency"),
])
def test_bad_eval_knobs_are_one_line_errors(args: list[str], needle: str, tmp_path: Path) -> None:
    res = runner.invoke(app, ["eval", "--dataset", str(GOLDEN), "--db", str(tmp_path / "e.duckdb"), *args])
    assert res.exit_code == 2 and needle in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_fallback_in_evals_is_counted_apart_never_as_the_model_output(fake_server: FakeProviderServer, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from pmstudio.evals.compare import compare, load_scores

    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    fake_server.reset()
    fake_server.add_fault("malformed", count=100, contains="section: lessons")
    model = f"openai-compatible:m@{fake_server.openai_base_url}?output=tool"
    cases = load_dataset(GOLDEN, only=[TLS])
    db = tmp_path / "eval.duckdb"
    scores = {}
    for fallback in (False, True):
        settings = EvalSettings(models=[model], max_revisions=0, metrics=["section_completeness"], fallback=fallback)
        results: list[CellResult] = []
        run_id = asyncio.run(Runner(cases, settings, db=db, on_progress=lambda rid, res, out=results: out.append(res)).run())
        assert [r.status for r in results] == ["fallback" if fallback else "partial"]
        cmp = compare(load_scores([run_id], db))
        assert cmp.fallback_cells == ({cmp.variants[0]: 1} if fallback else {})
        scores[fallback] = [s.mean for s in cmp.summaries]
    assert scores[True] == scores[False]  # the offline lessons section is scored as missing, like no section


def test_a_resumed_run_keeps_its_cases(tmp_path: Path) -> None:
    db = tmp_path / "eval.duckdb"
    base = ["eval", "--dataset", str(GOLDEN), "--metrics", "section_completeness", "--db", str(db)]
    first = runner.invoke(app, [*base, "--cases", TLS, "--quiet"])
    assert first.exit_code == 0, first.output
    run_id = last_run(db)
    assert run_id is not None
    again = runner.invoke(app, [*base, "--run-id", run_id])
    assert again.exit_code == 0, again.output
    assert f"eval run {run_id}: 1 cells" in " ".join(again.stderr.split())  # not the folder's two cases
