"""DuckDB connections: short-lived, with retry while another process holds the file's lock.

DuckDB allows one writer process or many readers, never both. Writers open, write one transaction
and close; readers open `read_only=True` and retry with backoff on a lock conflict. Nothing caches a
connection across calls.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pmstudio.resources import default_db
from pmstudio.store.lake import (
    LakeTarget,
    StoreConfigError,
    heal_duplicates,
    is_lake_address,
    open_lake,
    parse_lake,
)

LOCK_RETRY_SECONDS = 30.0


class StoreBusyError(Exception):
    """The database stayed locked by another process for longer than the retry budget."""


def default_db_path() -> Path:
    """`$PMSTUDIO_DB`, else `pmstudio.duckdb` in the user data directory (see pmstudio.resources)."""
    return default_db()


Target = Path | LakeTarget


def resolve_target(path: str | Path | LakeTarget | None = None) -> Target:
    """Where the store is: `path` (--db), else `$PMSTUDIO_DB`, else the team config's `store = "..."`,
    else the local DuckDB file. A `ducklake:postgres:...` address is the team store (pmstudio.store.lake)."""
    if isinstance(path, LakeTarget):
        return path
    raw = str(path) if path is not None else os.environ.get("PMSTUDIO_DB")
    if not raw:
        from pmstudio.config import ConfigError, discover

        try:
            raw = discover().store()
        except ConfigError as exc:
            raise StoreConfigError(str(exc)) from None
    if raw and is_lake_address(raw):
        return parse_lake(raw)
    return Path(raw).expanduser() if raw else default_db()


def target_exists(target: Target) -> bool:
    return True if isinstance(target, LakeTarget) else target.exists()


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    # "Unique file handle conflict": DuckDB 1.5 when two threads of one process open the same file at once
    return "lock" in text.lower() or "different configuration" in text or "file handle conflict" in text


@contextmanager
def connect(
    path: str | Path | LakeTarget | None = None, *, read_only: bool = False, retry_s: float = LOCK_RETRY_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the store (`resolve_target(path)`): a DuckDB file, retrying while it is locked, or the lake."""
    target = resolve_target(path)
    if isinstance(target, LakeTarget):
        lake = open_lake(target, read_only=read_only)
        try:
            yield lake
            if not read_only:
                heal_duplicates(lake)
        finally:
            lake.close()
        return
    db = target
    if not read_only:
        db.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + retry_s
    delay = 0.01
    while True:
        try:
            con = duckdb.connect(str(db), read_only=read_only)
            break
        except (duckdb.IOException, duckdb.ConnectionException, duckdb.BinderException) as exc:
            if not _is_lock_error(exc) or time.monotonic() > deadline:
                if _is_lock_error(exc):
                    raise StoreBusyError(f"{db}: database is busy (locked by another process)") from None
                raise
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.25)
    try:
        yield con
    finally:
        con.close()


def first_row(cursor: duckdb.DuckDBPyConnection) -> Any:
    """The first row of a query's result, or None, reading the result to its end.

    DuckDB 2 refuses new statements on a connection while a result is only partly fetched, so
    `fetchone()` on a multi-row (or not yet exhausted) result is a trap; this is not.
    """
    rows = cursor.fetchall()
    return rows[0] if rows else None


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk-insert dict rows through an Arrow table (never row-by-row executemany)."""
    if not rows:
        return
    columns = list(rows[0].keys())
    arrow = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
    con.register("_rows", arrow)
    try:
        cols = ", ".join(f'"{c}"' for c in columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows")
    finally:
        con.unregister("_rows")
