"""`write`: the one path every store write takes (a DuckDB file or the team's lake).

A write is a body run in one transaction after the pending migrations; a conflict with another writer
(see `pmstudio.store.db`, `is_conflict`) reruns the whole body on a fresh snapshot under the one retry
policy (`db.retry_conflicts`), so bodies only read and write through `con` (no other side effects).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

from pmstudio.store.db import StoreConflictError, connect, resolve_target, retry_conflicts
from pmstudio.store.lake import LakeTarget, heal_duplicates
from pmstudio.store.migrations import migrate as apply_migrations

T = TypeVar("T")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException:  # a failed COMMIT (a DuckLake conflict) already ended the transaction
        pass


def write(path: str | Path | LakeTarget | None, body: Callable[[duckdb.DuckDBPyConnection], T], *,
          migrate: bool = True) -> T:
    """Apply pending migrations (with `migrate`), then run `body(con)` in one transaction: everything it
    writes lands, or nothing does. A conflict with another writer reruns the whole body (see module doc);
    on the lake, later copies of content-addressed rows are then removed (`lake.heal_duplicates`, its own
    transaction). Returns what `body` returns."""
    target = resolve_target(path)

    def attempt() -> T:
        with connect(target) as con:
            if migrate:
                apply_migrations(con)
            con.execute("BEGIN TRANSACTION")
            try:
                result = body(con)
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
            return result

    result = retry_conflicts(attempt)
    if isinstance(target, LakeTarget):
        def heal() -> None:
            with connect(target) as con:
                con.execute("BEGIN TRANSACTION")
                try:
                    heal_duplicates(con)
                    con.execute("COMMIT")
                except BaseException:
                    _rollback(con)
                    raise

        try:
            retry_conflicts(heal, what=f"{target.label}: removing duplicate shared rows")
        except StoreConflictError:
            pass  # each conflicting writer heals after its own commit; the last of them sees every copy
    return result
