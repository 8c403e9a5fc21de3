"""Write and read `make eval-check` scores (table `check_eval_scores`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pmstudio.store.db import connect, insert_rows
from pmstudio.store.transaction import write
from pmstudio.store.writes import finish_run, start_run


def record_check_eval(
    rows: list[dict[str, Any]], *, settings: dict[str, Any], path: str | Path | None = None, code_version: str = ""
) -> str:
    """Store one eval-check run (a `runs` row of kind `check-eval` plus its score rows); returns its id."""
    run_id = start_run("check-eval", command="pmstudio eval-check", settings=settings, path=path, code_version=code_version)
    now = datetime.now(UTC)
    write(path, lambda con: insert_rows(con, "check_eval_scores", [{**r, "run_id": run_id, "created_at": now} for r in rows]))
    finish_run(run_id, "ok", path=path)
    return run_id


def check_eval_scores(run_id: str | None = None, path: str | Path | None = None) -> pd.DataFrame:
    """Scores of one eval-check run (default: the latest)."""
    with connect(path, read_only=True) as con:
        if run_id is None:
            row = con.execute(
                "SELECT run_id FROM runs WHERE kind = 'check-eval' ORDER BY started_at DESC LIMIT 1"
            ).fetchall()
            if not row:
                return pd.DataFrame()
            run_id = row[0][0]
        return con.execute(
            "SELECT split, metric, key, value, hit, total FROM check_eval_scores WHERE run_id = ? ORDER BY metric, key, split",
            [run_id],
        ).df()
