"""Provider faults from the fake server during an eval grid: transient ones are retried and recovered,
persistent ones end as an accurate per-section failure of the affected cells only; no cell is lost.

The grid uses OpenAI-compatible model strings (no key) pointing at the in-process fake server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai import models as pai_models

from pmstudio.store import connect
from pmstudio.testing import FakeProviderServer

pytest.importorskip("pmstudio.evals.metrics", reason="the runner scores with pmstudio.evals.metrics")

from pmstudio.evals.metrics import selected_metrics  # noqa: E402
from pmstudio.evals.runner import CellResult, EvalSettings, Runner  # noqa: E402
from pmstudio.golden import load_dataset  # noqa: E402

GOLDEN = Path(__file__).resolve().parent / "data" / "reliability" / "golden"
PROMPT_SETS = ["default", "seed-single-shot"]


@pytest.fixture
def srv(fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProviderServer]:
    fake_server.reset()
    fake_server.configure(latency_s=0.0, seed=9, min_cache_tokens=0)
    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    yield fake_server
    fake_server.reset()  # ends any request still hanging, drops leftover faults
    fake_server.configure(latency_s=0.0, seed=7, min_cache_tokens=0)  # the session defaults


def compat(srv: FakeProviderServer, name: str) -> str:
    return f"openai-compatible:{name}@{srv.openai_base_url}?output=tool"


def run(db: Path, settings: EvalSettings) -> tuple[str, list[CellResult]]:
    results: list[CellResult] = []
    runner = Runner(load_dataset(GOLDEN), settings, db=db, on_progress=lambda rid, r: results.append(r))
    return asyncio.run(runner.run()), results


def rows(db: Path, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    with connect(db, read_only=True) as con:
        cur = con.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def body_key(entry: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in entry["body"].items() if k not in ("stream", "stream_options")}, sort_keys=True)


def test_transient_faults_are_retried_and_every_cell_recovers(srv: FakeProviderServer, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "faults.duckdb"
    # two requests in flight, so the six one-shot faults spread over several requests (one at a time, the
    # first request would meet 429, 500, 529 and the hang in a row: more than the SDK's 3 retries)
    monkeypatch.setenv("PMSTUDIO_MAX_CONCURRENCY_OPENAI_COMPATIBLE", "2")
    kinds = ["429", "500", "529", "hang", "malformed", "truncate"]
    for kind in kinds:
        srv.add_fault(kind, count=1, retry_after=1, hang_s=8)
    settings = EvalSettings(models=[compat(srv, "fake-llm")], prompt_sets=PROMPT_SETS, timeout_s=3)
    rid, results = run(db, settings)
    assert len(results) == 4
    assert all(r.status == "ok" and r.error is None for r in results), [(r.cell, r.error) for r in results]
    log = srv.log()
    fired = {e["fault"]: e for e in log if e["fault"]}
    assert sorted(fired) == sorted(kinds), "every injected fault hit a request"
    # the SDK retried the very same request after each transport-level fault, and it was answered
    for kind in ("429", "500", "529", "hang", "truncate"):
        entry = fired[kind]
        retries = [e for e in log if e["n"] > entry["n"] and body_key(e) == body_key(entry) and e["status"] == 200]
        assert retries, f"no successful retry after the {kind} fault"
        if kind in ("429", "529"):
            assert retries[0]["t"] - entry["t"] >= 1.0, f"retry-after not honoured on {kind}"
    # malformed tool arguments: the agent asked the model again with a retry prompt, then got valid output
    bad = fired["malformed"]
    later = [e for e in log if e["n"] > bad["n"] and e["body"]["messages"][:2] == bad["body"]["messages"][:2]]
    assert later and any(e["status"] == 200 and len(e["body"]["messages"]) > len(bad["body"]["messages"]) for e in later)
    m = len(selected_metrics(None))
    assert rows(db, "SELECT count(*) AS n FROM scores WHERE run_id = ? AND error IS NULL", [rid]) == [{"n": 4 * m}]
    failed = rows(db, "SELECT section, error FROM sections WHERE status = 'failed'", [])
    assert failed == []


@pytest.mark.slow  # a persistent hang meets its timeout on every retry: about half a minute
def test_persistent_faults_fail_only_their_sections(srv: FakeProviderServer, tmp_path: Path) -> None:
    db = tmp_path / "faults.duckdb"
    good, bad = compat(srv, "fake-a"), compat(srv, "fake-b")
    # scoped to model fake-b and one section each; counts far above the retries any client makes
    srv.add_fault("500", count=100, model="fake-b", contains="section: impact")
    srv.add_fault("malformed", count=100, model="fake-b", contains="section: lessons")
    srv.add_fault("hang", count=100, model="fake-b", contains="section: supporting", hang_s=4)
    settings = EvalSettings(models=[good, bad], prompt_sets=PROMPT_SETS, timeout_s=1.5, max_revisions=1)
    rid, results = run(db, settings)
    cells = rows(db, "SELECT case_id, model, prompt_set, repeat_idx, status, error, draft_id FROM eval_cells "
                     "WHERE run_id = ? ORDER BY ALL", [rid])
    assert len(cells) == len(results) == 2 * 2 * 2, "no cell lost"
    hit = [c for c in cells if c["model"] == bad and c["prompt_set"] == "default"]
    assert len(hit) == 2
    for c in cells:
        if c in hit:
            assert c["status"] == "partial" and c["draft_id"], c
            # the cell's error names each failed section and what failed it, in one line
            assert "\n" not in c["error"]
            parts = dict(p.split(": ", 1) for p in c["error"].split("; "))
            assert set(parts) == {"impact", "lessons", "supporting"}, c["error"]
            assert "500" in parts["impact"]
            assert "retries" in parts["lessons"].lower() or "UnexpectedModelBehavior" in parts["lessons"]
            assert "timeout" in parts["supporting"].lower() or "timed out" in parts["supporting"].lower()
        else:
            assert c["status"] == "ok" and c["error"] is None, c
    # the stored draft records the same failures, section by section, and still has every other section
    for c in hit:
        draft = rows(db, "SELECT status, postmortem FROM drafts WHERE draft_id = ?", [c["draft_id"]])[0]
        pm = json.loads(draft["postmortem"])
        assert draft["status"] == "partial"
        assert sorted(pm["failed_sections"]) == ["impact", "lessons", "supporting"]
        assert all(pm[s] is not None for s in ("summary", "timeline", "root_cause", "actions"))
        failed = rows(db, "SELECT section, error FROM sections WHERE draft_id = ? AND status = 'failed'", [c["draft_id"]])
        assert sorted(f["section"] for f in failed) == ["impact", "lessons", "supporting"]
    # faults never touched the other model: every request to fake-a was answered
    assert all(e["status"] == 200 for e in srv.log() if e["model"] == "fake-a")
    m = len(selected_metrics(None))
    assert rows(db, "SELECT count(*) AS n FROM scores WHERE run_id = ?", [rid]) == [{"n": len(cells) * m}]
    assert rows(db, "SELECT status FROM runs WHERE run_id = ?", [rid]) == [{"status": "ok"}]
