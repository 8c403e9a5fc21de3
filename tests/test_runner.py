"""Eval runner: the grid's rows, content-hash caching of drafts and scores, and per-case isolation.

Uses two small fictional golden cases (tests/data/reliability/golden), the offline model and the two
shipped prompt sets, so a grid is 4 cells and runs in about a second.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from pmstudio.golden import GoldenCase, load_dataset
from pmstudio.store import connect

pytest.importorskip("pmstudio.evals.metrics", reason="the runner scores with pmstudio.evals.metrics")

from pmstudio.evals import runner as runner_mod  # noqa: E402
from pmstudio.evals.metrics import selected_metrics  # noqa: E402
from pmstudio.evals.runner import CellResult, EvalSettings, Runner  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "reliability"
GOLDEN = DATA / "golden"
PROMPT_SETS = ["default", "seed-single-shot"]
CellKey = tuple[str, str, str, int]


def cases() -> list[GoldenCase]:
    return load_dataset(GOLDEN)


def n_metrics(settings: EvalSettings) -> int:
    return len(selected_metrics(settings.metrics, judge=settings.judge))


def run_grid(db: Path, settings: EvalSettings, run_id: str | None = None,
             golden: list[GoldenCase] | None = None) -> tuple[str, dict[CellKey, CellResult]]:
    """Run (or resume) the grid; return the run id and each cell's result by key."""
    results: dict[CellKey, CellResult] = {}

    def progress(rid: str, result: CellResult) -> None:
        assert result.cell.key() not in results, f"cell reported twice: {result.cell.key()}"
        results[result.cell.key()] = result

    runner = Runner(golden or cases(), settings, db=db, on_progress=progress)
    rid = asyncio.run(runner.run(run_id))
    return rid, results


def cell_rows(db: Path, run_id: str) -> dict[CellKey, dict[str, Any]]:
    with connect(db, read_only=True) as con:
        cur = con.execute(
            "SELECT case_id, model, prompt_set, repeat_idx, draft_id, draft_cached, status, error "
            "FROM eval_cells WHERE run_id = ?",
            [run_id],
        )
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    return {(r["case_id"], r["model"], r["prompt_set"], r["repeat_idx"]): r for r in rows}


def score_rows(db: Path, run_id: str) -> list[dict[str, Any]]:
    with connect(db, read_only=True) as con:
        cur = con.execute(
            "SELECT case_id, model, prompt_set, repeat_idx, metric, metric_version, score, cached, error, score_key "
            "FROM scores WHERE run_id = ? ORDER BY case_id, model, prompt_set, repeat_idx, metric",
            [run_id],
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def count(db: Path, sql: str, params: list[Any] | None = None) -> int:
    with connect(db, read_only=True) as con:
        rows = con.execute(sql, params or []).fetchall()
    return int(rows[0][0])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "runner.duckdb"


@pytest.fixture
def settings() -> EvalSettings:
    return EvalSettings(models=["offline"], prompt_sets=PROMPT_SETS)


def test_grid_writes_cells_scores_and_drafts(db: Path, settings: EvalSettings) -> None:
    rid, results = run_grid(db, settings)
    keys = {(c.id, "offline", p, 0) for c in cases() for p in PROMPT_SETS}
    assert set(results) == keys
    assert all(r.status == "ok" and not r.draft_cached and r.scores_new == n_metrics(settings) for r in results.values())
    cells = cell_rows(db, rid)
    assert set(cells) == keys
    assert all(c["status"] == "ok" and c["draft_id"] and not c["draft_cached"] for c in cells.values())
    scores = score_rows(db, rid)
    assert len(scores) == len(keys) * n_metrics(settings)
    assert all(not s["cached"] for s in scores)
    assert sum(1 for s in scores if s["score"] is not None and s["error"] is None) >= len(keys)
    # every cell's draft is stored, with its sections and prompts
    assert count(db, "SELECT count(*) FROM drafts WHERE run_id = ?", [rid]) == len(keys)
    assert count(db, "SELECT count(DISTINCT draft_id) FROM drafts WHERE draft_id IN "
                     "(SELECT draft_id FROM eval_cells WHERE run_id = ?)", [rid]) == len(keys)
    assert count(db, "SELECT count(DISTINCT draft_id) FROM sections") == len(keys)
    assert count(db, "SELECT count(*) FROM runs WHERE run_id = ? AND status = 'ok' AND finished_at IS NOT NULL",
                 [rid]) == 1


def test_second_run_serves_every_draft_and_score_from_cache(db: Path, settings: EvalSettings) -> None:
    first, _ = run_grid(db, settings)
    second, results = run_grid(db, settings)
    assert second != first
    m = n_metrics(settings)
    assert all(r.draft_cached and r.scores_cached == m and r.scores_new == 0 for r in results.values())
    cells_1, cells_2 = cell_rows(db, first), cell_rows(db, second)
    assert set(cells_1) == set(cells_2)
    assert all(cells_2[k]["draft_cached"] and cells_2[k]["draft_id"] == cells_1[k]["draft_id"] for k in cells_1)
    assert count(db, "SELECT count(*) FROM drafts") == len(cells_1)  # no new draft rows
    s1, s2 = score_rows(db, first), score_rows(db, second)
    assert len(s2) == len(s1) and all(s["cached"] for s in s2)
    strip = [{k: v for k, v in s.items() if k != "cached"} for s in s1]
    assert strip == [{k: v for k, v in s.items() if k != "cached"} for s in s2]


def test_changed_prompt_redrafts_only_that_variant(
    db: Path, settings: EvalSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root: Path
) -> None:
    first, _ = run_grid(db, settings)
    prompts = tmp_path / "agents"
    shutil.copytree(root / "agents", prompts)
    seed = prompts / "single_shot" / "seed.md"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nKeep every sentence short.\n", encoding="utf-8")
    monkeypatch.setenv("PMSTUDIO_PROMPTS_DIR", str(prompts))
    second, results = run_grid(db, settings)
    for key, r in results.items():
        assert r.status == "ok"
        assert r.draft_cached == (key[2] == "default"), key
    cells_1, cells_2 = cell_rows(db, first), cell_rows(db, second)
    for key, row in cells_2.items():
        same = row["draft_id"] == cells_1[key]["draft_id"]
        assert same == (key[2] == "default"), key
    assert count(db, "SELECT count(*) FROM drafts") == len(cells_1) + len(cases())
    # the new drafts record the edited prompt's hash
    with connect(db, read_only=True) as con:
        hashes = {r[0] for r in con.execute(
            "SELECT DISTINCT prompt_set_hash FROM drafts WHERE prompt_set = 'seed-single-shot'").fetchall()}
    assert len(hashes) == 2


def test_metric_version_bump_rescores_only_that_metric(
    db: Path, settings: EvalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = run_grid(db, settings)
    bumped: Any = selected_metrics(None)[0]
    monkeypatch.setattr(bumped, "metric_version", str(bumped.metric_version) + "-bumped")
    second, results = run_grid(db, settings)
    m = n_metrics(settings)
    assert all(r.draft_cached and r.scores_new == 1 and r.scores_cached == m - 1 for r in results.values())
    scores = score_rows(db, second)
    fresh = [s for s in scores if not s["cached"]]
    assert {s["metric"] for s in fresh} == {bumped.metric_id}
    assert len(fresh) == len(results)
    assert all(s["metric_version"].endswith("-bumped") for s in fresh)
    old = {(s["case_id"], s["prompt_set"], s["metric"]): s["score_key"] for s in score_rows(db, first)}
    for s in scores:
        same_key = old[(s["case_id"], s["prompt_set"], s["metric"])] == s["score_key"]
        assert same_key == (s["metric"] != bumped.metric_id)


def test_a_failing_case_is_isolated(db: Path, settings: EvalSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = cases()[0].id
    real = runner_mod.draft_postmortem

    async def flaky(bundle: Any, **kwargs: Any) -> Any:
        if bundle.id == broken:
            raise RuntimeError("drafter exploded\nsecond line of the traceback")
        return await real(bundle, **kwargs)

    monkeypatch.setattr(runner_mod, "draft_postmortem", flaky)
    rid, results = run_grid(db, settings)
    cells = cell_rows(db, rid)
    assert len(cells) == len(results) == 2 * len(PROMPT_SETS)
    for key, row in cells.items():
        if key[0] == broken:
            assert row["status"] == "error" and row["draft_id"] is None
            assert row["error"] == "RuntimeError: drafter exploded"  # one line
        else:
            assert row["status"] == "ok" and row["error"] is None
    per_case = {k[0]: 0 for k in cells}
    for s in score_rows(db, rid):
        per_case[s["case_id"]] += 1
    assert per_case[broken] == 0
    assert all(n == len(PROMPT_SETS) * n_metrics(settings) for c, n in per_case.items() if c != broken)
    assert count(db, "SELECT count(*) FROM runs WHERE run_id = ? AND status = 'partial'", [rid]) == 1


def test_a_failing_metric_is_recorded_not_fatal(db: Path, settings: EvalSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    victim: Any = selected_metrics(None)[1]

    async def boom(self: Any, test_case: Any, *args: Any, **kwargs: Any) -> float:
        raise ValueError("metric blew up")

    monkeypatch.setattr(victim, "a_measure", boom)
    rid, results = run_grid(db, settings)
    assert all(r.status == "ok" for r in results.values())
    scores = score_rows(db, rid)
    bad = [s for s in scores if s["metric"] == victim.metric_id]
    assert len(bad) == len(results)
    assert all(s["score"] is None and s["error"] == "ValueError: metric blew up" for s in bad)
    assert all(s["error"] is None for s in scores if s["metric"] != victim.metric_id)
    # an errored score is never served from cache: the next run measures it again
    monkeypatch.undo()
    _, again = run_grid(db, settings)
    assert all(r.scores_new == 1 and r.draft_cached for r in again.values())


def test_resume_skips_done_cells(db: Path, settings: EvalSettings) -> None:
    """Cells already in eval_cells for the run are not run again; the missing ones are."""
    rid, _ = run_grid(db, settings)
    with connect(db) as con:
        con.execute("DELETE FROM scores WHERE run_id = ? AND prompt_set = 'default'", [rid])
        con.execute("DELETE FROM eval_cells WHERE run_id = ? AND prompt_set = 'default'", [rid])
        con.execute("UPDATE runs SET finished_at = NULL, status = 'running' WHERE run_id = ?", [rid])
    assert runner_mod.last_run(db, unfinished=True) == rid
    same, results = run_grid(db, settings, run_id=rid)
    assert same == rid
    assert {k[2] for k in results} == {"default"} and len(results) == len(cases())
    assert len(cell_rows(db, rid)) == 2 * len(PROMPT_SETS)
    assert len(score_rows(db, rid)) == 2 * len(PROMPT_SETS) * n_metrics(settings)
    assert runner_mod.last_run(db, unfinished=True) is None
    assert runner_mod.run_settings(rid, db) == settings


def test_resume_retries_error_cells_and_counts_every_cell(
    db: Path, settings: EvalSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cells lost to an error are retried on resume; one still failing keeps the run 'partial', no duplicates."""
    broken = cases()[0].id
    real = runner_mod.draft_postmortem
    down = {"provider": True}

    async def flaky(bundle: Any, **kwargs: Any) -> Any:
        if bundle.id == broken and down["provider"]:
            raise RuntimeError("provider down")
        return await real(bundle, **kwargs)

    monkeypatch.setattr(runner_mod, "draft_postmortem", flaky)
    rid, _ = run_grid(db, settings)
    with connect(db) as con:  # as if killed before the other case's cells were written
        con.execute("DELETE FROM scores WHERE run_id = ? AND case_id <> ?", [rid, broken])
        con.execute("DELETE FROM eval_cells WHERE run_id = ? AND case_id <> ?", [rid, broken])
        con.execute("UPDATE runs SET finished_at = NULL, status = 'running' WHERE run_id = ?", [rid])
    # resume while the provider is still down: the error cells are retried and fail again, once each
    _, results = run_grid(db, settings, run_id=rid)
    assert sorted(r.status for r in results.values()) == ["error"] * len(PROMPT_SETS) + ["ok"] * len(PROMPT_SETS)
    assert count(db, "SELECT count(*) FROM eval_cells WHERE run_id = ? AND status = 'error'", [rid]) == len(PROMPT_SETS)
    assert count(db, "SELECT count(*) FROM runs WHERE run_id = ? AND status = 'partial'", [rid]) == 1
    # resume once the provider is back: only the error cells are drafted, and the run is complete
    down["provider"] = False
    _, results = run_grid(db, settings, run_id=rid)
    assert {k[0] for k in results} == {broken} and all(r.status == "ok" for r in results.values())
    assert count(db, "SELECT count(*) FROM eval_cells WHERE run_id = ?", [rid]) == 2 * len(PROMPT_SETS)
    assert count(db, "SELECT count(*) FROM eval_cells WHERE run_id = ? AND status = 'error'", [rid]) == 0
    assert count(db, "SELECT count(*) FROM runs WHERE run_id = ? AND status = 'ok'", [rid]) == 1
