"""DuckDB connections: short-lived, with retry while another process holds the file's lock; and the one
retry policy for write conflicts (`retry_conflicts`), which `pmstudio.store.transaction.write` applies to
every store write.

DuckDB allows one writer process or many readers, never both. Writers open, write one transaction
and close; readers open `read_only=True` and retry with backoff on a lock conflict. Nothing caches a
connection across calls.

On the team store (a DuckLake) many machines write at once. DuckLake retries a commit whose snapshot
id another machine took, but a commit that touches what another machine changed since this transaction
began (an insert into a table whose inlined rows another machine deleted, two updates of one table, two
machines creating one table) fails with `duckdb.TransactionException` ("Failed to commit DuckLake
transaction. Transaction conflict - ..."). `transaction.write` runs a transaction body and, on such a conflict,
rolls back, waits a bounded, jittered, growing time and runs the whole body again on a fresh snapshot;
bodies therefore only read and write through `con` (no other side effects).
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from pmstudio.resources import default_db
from pmstudio.store.lake import (
    LakeTarget,
    StoreConfigError,
    is_lake_address,
    open_lake,
    parse_lake,
)

LOCK_RETRY_SECONDS = 30.0
CONFLICT_ATTEMPTS = 12
"""A write transaction runs at most this often; waits between runs are uniform in [0, min(4 s, 0.05 s x 2^n)]
("full jitter", so two machines that conflicted do not retry in step): at most ~20 s in all."""

T = TypeVar("T")


class StoreBusyError(Exception):
    """The database stayed locked by another process for longer than the retry budget."""


class StoreConflictError(StoreBusyError):
    """A write transaction kept conflicting with other writers for `CONFLICT_ATTEMPTS` runs (nothing written)."""


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


DUCKDB_HEADER_BYTES = 3 * 4096
"""A DuckDB file starts with a main header and two database headers of 4 KiB each (checksum, then b"DUCK")."""
CREATE_GRACE_SECONDS = 2.0
"""How long a file that looks half-created (`_being_created`) is waited for before it counts as not a store."""


def _being_created(db: Path) -> bool:
    """Another process has just created this file and not yet written its headers: DuckDB makes the file
    before it takes the lock and writes it, so for a moment a second process sees an empty (or partly
    written) file and calls it "not a valid DuckDB database file". A text file or any other content is not
    this, so it still fails at once."""
    try:
        with db.open("rb") as fh:
            head = fh.read(DUCKDB_HEADER_BYTES)
    except OSError:
        return False
    return len(head) < DUCKDB_HEADER_BYTES and (not head.strip(b"\0") or head[8:12] == b"DUCK")


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
        finally:
            lake.close()
        return
    db = target
    if not read_only:
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreConfigError(f"{db}: cannot create the store's folder ({exc.strerror or exc})") from None
    started = time.monotonic()
    deadline = started + retry_s
    delay = 0.01
    while True:
        try:
            con = duckdb.connect(str(db), read_only=read_only)
            break
        except (duckdb.IOException, duckdb.ConnectionException, duckdb.BinderException) as exc:
            now = time.monotonic()
            locked = _is_lock_error(exc)
            wait = (locked and now <= deadline) or (
                _being_created(db) and now < min(deadline, started + CREATE_GRACE_SECONDS))
            if not wait:
                if locked:
                    raise StoreBusyError(f"{db}: database is busy (locked by another process)") from None
                # not a store: a folder, another kind of file, a place that cannot hold one
                first = re.sub(r"^IO Error: ", "", (str(exc).strip().splitlines() or [""])[0])
                raise StoreConfigError(f"{db}: cannot open the store ({first[:200]})") from None
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


def is_conflict(exc: BaseException) -> bool:
    """A transaction that lost a race with another writer: running it again on a fresh snapshot can succeed.
    DuckLake: "Failed to commit DuckLake transaction ... Transaction conflict - ...", or "... Exceeded the
    maximum retry count" of its own snapshot-id retries; DuckDB: "Catalog write-write conflict", "Conflict on
    tuple deletion"."""
    if not isinstance(exc, duckdb.TransactionException):
        return False
    text = str(exc).lower()
    # not every failed DuckLake commit: one that lost its catalog connection may have landed, and rerunning
    # it could write its rows twice
    return "conflict" in text or "exceeded the maximum retry count" in text


_RETRIED = [0]


def _count_retry(state: object) -> None:
    _RETRIED[0] += 1


def conflicts_retried() -> int:
    """How many transactions this process has rerun after a conflict (tests and `PMSTUDIO_DEBUG` read it)."""
    return _RETRIED[0]


def retry_conflicts(action: Callable[[], T], *, what: str = "store write") -> T:
    """Run `action` (one whole transaction) until it does not conflict, at most `CONFLICT_ATTEMPTS` times;
    the one retry policy of every write (`write`, the lake's migrations)."""
    retrying = Retrying(
        retry=retry_if_exception(is_conflict),
        wait=wait_random_exponential(multiplier=0.05, max=4.0),
        stop=stop_after_attempt(CONFLICT_ATTEMPTS),
        before_sleep=_count_retry,
    )
    try:
        return retrying(action)
    except RetryError as exc:
        first = (str(exc.last_attempt.exception()).strip().splitlines() or [""])[-1]
        raise StoreConflictError(
            f"{what}: still conflicting with other writers after {CONFLICT_ATTEMPTS} attempts, nothing written "
            f"({first[:160]})"
        ) from None
