"""The eval runner's statements: draft and score caches, one cell's rows, run status and settings.

Every SQL statement of the runner lives here (the runner decides what to draft and score; this module
decides how that is read and written). Functions taking `con` run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pmstudio.store.db import connect, first_row, insert_rows
from pmstudio.store.migrations import migrate

SCORE_COLUMNS = ("score_key", "score", "threshold", "passed", "gate", "reason", "backend", "error")
_DRAFT_HIT = "status = 'ok' AND postmortem IS NOT NULL"
"""A cached draft is served only when every section drafted: never a partial or failed draft (a section that
timed out would otherwise stay failed for good)."""


def cached_draft(con: duckdb.DuckDBPyConnection, cache_key: str) -> tuple[str, str] | None:
    """(draft id, post-mortem JSON) of the newest usable draft stored under `cache_key`."""
    row = first_row(con.execute(
        f"SELECT draft_id, postmortem FROM drafts WHERE cache_key = ? AND {_DRAFT_HIT} ORDER BY finished_at DESC LIMIT 1",
        [cache_key],
    ))
    return (str(row[0]), str(row[1])) if row is not None else None


def cached_drafts(con: duckdb.DuckDBPyConnection, cache_keys: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Per cache key, (draft id, post-mortem JSON) of its newest usable draft."""
    rows = con.execute(
        f"SELECT cache_key, draft_id, postmortem FROM drafts WHERE cache_key IN (SELECT unnest(?)) AND {_DRAFT_HIT} "
        "ORDER BY finished_at DESC",
        [list(set(cache_keys))],
    ).fetchall()
    out: dict[str, tuple[str, str]] = {}
    for key, draft_id, pm_json in rows:
        out.setdefault(str(key), (str(draft_id), str(pm_json)))
    return out


def cached_scores(con: duckdb.DuckDBPyConnection, score_keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per score key, one stored score row without an error."""
    if not score_keys:
        return {}
    rows = con.execute(
        f"SELECT DISTINCT ON (score_key) {', '.join(SCORE_COLUMNS)} "
        "FROM scores WHERE score_key IN (SELECT unnest(?)) AND error IS NULL",
        [list(score_keys)],
    ).fetchall()
    return {r[0]: dict(zip(SCORE_COLUMNS, r, strict=True)) for r in rows}


def write_cell(
    con: duckdb.DuckDBPyConnection, cell: dict[str, Any], scores: Sequence[dict[str, Any]], row: dict[str, Any]
) -> None:
    """One cell's scores and eval_cells row (`cell` = run_id, case_id, model, prompt_set, repeat_idx); a resumed
    run's earlier error row for the cell is replaced."""
    con.execute(
        "DELETE FROM eval_cells WHERE run_id = ? AND case_id = ? AND model = ? AND prompt_set = ? "
        "AND repeat_idx = ? AND status = 'error'",
        [cell["run_id"], cell["case_id"], cell["model"], cell["prompt_set"], cell["repeat_idx"]],
    )
    insert_rows(con, "scores", [{**cell, **sc} for sc in scores])
    insert_rows(con, "eval_cells", [{**cell, **row}])


def done_cells(run_id: str, path: str | Path | None = None) -> set[tuple[str, str, str, int]]:
    """(case, model, prompt set, repeat) of the run's cells that did not end in an error."""
    with connect(path) as con:
        migrate(con)
        rows = con.execute(
            "SELECT case_id, model, prompt_set, repeat_idx FROM eval_cells WHERE run_id = ? AND status <> 'error'",
            [run_id],
        ).fetchall()
    return {(str(a), str(b), str(c), int(d)) for a, b, c, d in rows}


def failed_cells(run_id: str, path: str | Path | None = None) -> int:
    """How many of the run's cells ended neither ok nor partial."""
    with connect(path) as con:
        row = first_row(con.execute(
            "SELECT count(*) FROM eval_cells WHERE run_id = ? AND status NOT IN ('ok', 'partial', 'fallback')", [run_id]
        ))
    return int(row[0]) if row is not None and row[0] else 0


def last_run_id(kind: str = "eval", *, unfinished: bool = False, path: str | Path | None = None) -> str | None:
    """The newest run of `kind` (only unfinished ones with `unfinished`)."""
    with connect(path) as con:
        migrate(con)
        where = "kind = ?" + (" AND finished_at IS NULL" if unfinished else "")
        row = first_row(con.execute(f"SELECT run_id FROM runs WHERE {where} ORDER BY started_at DESC LIMIT 1", [kind]))
    return str(row[0]) if row else None


def run_settings_json(run_id: str, path: str | Path | None = None) -> str | None:
    """The settings JSON an eval run was started with, or None for no such eval run."""
    with connect(path) as con:
        migrate(con)
        row = first_row(con.execute("SELECT settings FROM runs WHERE run_id = ? AND kind = 'eval'", [run_id]))
    return str(row[0]) if row is not None else None


def score_rows(run_ids: Sequence[str], db: str | Path | None = None) -> pd.DataFrame:
    """Every score of the runs with its cell's failure class (Compare's input)."""
    from pmstudio.store.queries import frame

    return frame(
        db,
        """
        SELECT s.run_id, s.case_id, s.model, s.prompt_set, s.repeat_idx, s.metric, s.score, s.passed, s.gate,
               c.failure_class, c.status AS cell_status
        FROM scores s LEFT JOIN eval_cells c
          ON c.run_id = s.run_id AND c.case_id = s.case_id AND c.model = s.model
         AND c.prompt_set = s.prompt_set AND c.repeat_idx = s.repeat_idx
        WHERE s.run_id IN (SELECT unnest(?))
        ORDER BY 1, 2, 3, 4, 5, 6
        """,
        [list(run_ids)],
        need="m002_create_evals",
    )


def table_counts(path: str | Path | None = None) -> list[tuple[str, int]]:
    """(table, rows) for every table of the store."""
    with connect(path, read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = 'main' ORDER BY 1"
        ).fetchall()]
        out = []
        for table in tables:
            row = first_row(con.execute(f'SELECT count(*) FROM "{table}"'))
            out.append((str(table), int(row[0]) if row else 0))
    return out
