"""Compare's library side: run labels and the default run."""

from __future__ import annotations

from datetime import UTC, datetime

from pmstudio.evals.compare import default_runs, run_options


def test_run_labels_mark_unfinished_runs_and_the_default_skips_them() -> None:
    t = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    runs = [
        {"run_id": "new", "status": "running", "started_at": t, "finished_at": None, "cases": 0, "models": None,
         "prompt_sets": float("nan")},
        {"run_id": "old", "status": "ok", "started_at": t, "finished_at": t, "cases": 25, "models": "offline",
         "prompt_sets": "default"},
    ]
    opts = run_options(runs)
    assert [o.running for o in opts] == [True, False]
    assert opts[0].label == "running · 2026-12-02 14:00 · no cells yet"
    assert opts[1].label == "2026-12-02 14:00 · 25 cases · offline · default"
    assert default_runs(opts) == ["old"]
    assert default_runs(opts[:1]) == []
