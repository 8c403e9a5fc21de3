"""Store: migrations, one-transaction draft writes (all rows or none), short connections."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pmstudio import orchestrator
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.schema import DraftRecord
from pmstudio.store import connect, migrate, record_draft
from pmstudio.store import writes as store_writes
from pmstudio.store.migrations import MIGRATIONS, applied, pending
from pmstudio.testing.factories import sample_bundle

from .test_orchestrator import Scripted  # noqa: TID252


def _record(monkeypatch: pytest.MonkeyPatch) -> DraftRecord:
    from pydantic_ai.models.function import FunctionModel

    monkeypatch.setattr(orchestrator, "review", lambda pm, bundle: [])
    bundle = sample_bundle()
    return asyncio.run(draft_postmortem(bundle, model=FunctionModel(Scripted(bundle)), settings=DraftSettings(max_revisions=0)))


def _counts(db: Path) -> dict[str, int]:
    with connect(db, read_only=True) as con:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            for t in ("runs", "drafts", "sections", "draft_prompts", "findings", "bundles", "prompt_versions")
        }


def test_migrate_blank_db_then_noop(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    with connect(db) as con:
        assert migrate(con) == [name for name, _ in MIGRATIONS]
        assert migrate(con) == []
        assert applied(con) == sorted(name for name, _ in MIGRATIONS)
        assert pending(con) == []
        cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name='drafts'").fetchall()}
    assert {"draft_id", "run_id", "model", "prompt_set", "prompt_set_hash", "postmortem", "input_tokens", "cost_usd", "latency_ms"} <= cols


def test_record_draft_writes_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "x.duckdb"
    record = _record(monkeypatch)
    run_id = record_draft(record, sample_bundle(), markdown="# md", path=db)
    counts = _counts(db)
    assert counts["runs"] == 1 and counts["drafts"] == 1 and counts["bundles"] == 1
    assert counts["sections"] == len(record.sections)
    assert counts["draft_prompts"] == len(record.prompts)
    assert counts["prompt_versions"] == len({p.sha256 for p in record.prompts})
    with connect(db, read_only=True) as con:
        row = con.execute("SELECT run_id, model, status, markdown FROM drafts").fetchone()
    assert row == (run_id, record.model, "ok", "# md")


def test_record_draft_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "x.duckdb"
    record = _record(monkeypatch)
    real = store_writes.insert_rows

    def failing(con, table, rows):  # type: ignore[no-untyped-def]
        if table == "sections":
            raise RuntimeError("disk full")
        return real(con, table, rows)

    monkeypatch.setattr(store_writes, "insert_rows", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        record_draft(record, sample_bundle(), path=db)
    assert all(n == 0 for n in _counts(db).values())


def test_readers_wait_for_a_short_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only connection opened while no writer holds the file succeeds; rows are visible."""
    db = tmp_path / "x.duckdb"
    record = _record(monkeypatch)
    record_draft(record, sample_bundle(), path=db)
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM drafts").fetchone() == (1,)


def test_a_store_another_process_is_creating_is_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB creates the file before it writes its headers, so a second process opening a new store at
    that moment finds an empty file ("not a valid DuckDB database file"; two `pmstudio eval` on one new
    file met this in CI). `connect` waits for the headers; an empty file nobody fills, or a file that is
    not a store, is still one StoreConfigError, the latter at once."""
    import duckdb

    from pmstudio.store import db as store_db
    from pmstudio.store.lake import StoreConfigError

    db = tmp_path / "new.duckdb"
    db.touch()
    ready = tmp_path / "ready.duckdb"
    duckdb.connect(str(ready)).execute("CREATE TABLE t AS SELECT 42 AS x").close()
    # The other process finishes the file during connect's second wait. Driven by connect's own sleeps,
    # not a timer thread: on a loaded CI machine a 0.3 s timer once fired after the 2 s grace had passed.
    waits: list[float] = []

    def other_process_writes(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            ready.replace(db)

    monkeypatch.setattr(store_db.time, "sleep", other_process_writes)
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT x FROM t").fetchall() == [(42,)]
    assert len(waits) == 2
    monkeypatch.undo()

    monkeypatch.setattr(store_db, "CREATE_GRACE_SECONDS", 0.2)
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    with pytest.raises(StoreConfigError, match="empty.duckdb: cannot open the store .*not a valid DuckDB"):
        with connect(empty):
            pass
    sleeps: list[float] = []
    monkeypatch.setattr(store_db.time, "sleep", sleeps.append)
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n")
    with pytest.raises(StoreConfigError, match="notes.duckdb: cannot open the store .*not a valid DuckDB"):
        with connect(text):
            pass
    assert sleeps == [] and text.read_text() == "not a database\n"


@pytest.mark.slow
def test_a_db_path_that_cannot_be_a_store_is_one_line_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    """--db naming a folder, a file that is not a DuckDB database, or a place no file can be made: one line
    naming the path, exit 2, the file untouched, no --out written."""
    import os
    import subprocess
    import sys

    not_db = tmp_path / "notes.txt"
    not_db.write_text("not a database\n")
    if os.geteuid() == 0:
        nowhere = Path("/proc/pmstudio-test/x.duckdb")  # root may write anywhere but /proc
    else:
        (tmp_path / "ro").mkdir(mode=0o555)
        nowhere = tmp_path / "ro" / "sub" / "x.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMSTUDIO_")}
    env["PMSTUDIO_HOME"] = str(tmp_path / "home")
    example = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "docsrs-disk-full"
    out = tmp_path / "pm.md"
    for db, problem in ((tmp_path, "Is a directory"), (not_db, "not a valid DuckDB"), (nowhere, "cannot create")):
        for argv in (["draft", str(example), "--db", str(db), "--out", str(out), "--quiet"], ["runs", "list", "--db", str(db)]):
            if db == nowhere and argv[0] == "runs":
                continue  # reading a store that does not exist lists nothing
            if db == tmp_path and argv[0] == "draft":
                continue  # in-process in test_cli (checked before any drafting): one real process per shape is enough
            proc = subprocess.run([sys.executable, "-m", "pmstudio", *argv], env=env, capture_output=True, text=True,
                                  timeout=300)
            assert proc.returncode == 2, (argv, proc.stderr)
            assert proc.stderr.count("\n") == 1 and str(db) in proc.stderr and problem in proc.stderr, proc.stderr
            assert "Traceback" not in proc.stderr
            assert not out.exists()
    assert not_db.read_text() == "not a database\n"


def test_write_reruns_a_conflicting_transaction_and_gives_up_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """store.transaction.write: a body whose commit conflicts is rolled back and run again (its first run's
    rows are gone); a body that keeps conflicting ends as StoreConflictError, nothing written; other
    errors are not retried."""
    import duckdb
    from tenacity import wait_none

    from pmstudio.store import db as store_db
    from pmstudio.store.transaction import write

    monkeypatch.setattr(store_db, "wait_random_exponential", lambda **_: wait_none())  # no sleeping in the test
    path = tmp_path / "w.duckdb"
    conflict = duckdb.TransactionException(
        "TransactionContext Error: Failed to commit: Failed to commit DuckLake transaction.\nTransaction conflict - "
        "attempting to insert into table with index \"6\" - but another transaction has deleted inlined data from it")
    assert store_db.is_conflict(conflict)
    assert not store_db.is_conflict(duckdb.TransactionException("Failed to commit DuckLake transaction.\nIO Error: lost"))
    assert not store_db.is_conflict(duckdb.CatalogException("Table with name nope does not exist"))
    runs = []

    def body(con: duckdb.DuckDBPyConnection) -> int:
        runs.append(1)
        con.execute("INSERT INTO runs VALUES (?, 'draft', 'ok', now(), now(), 'x', '{}', '', '')", [f"r{len(runs)}"])
        if len(runs) < 3:
            raise conflict  # as a failed COMMIT would, after the body's rows were written
        return len(runs)

    before = store_db.conflicts_retried()
    assert write(path, body) == 3 and store_db.conflicts_retried() - before == 2
    with connect(path, read_only=True) as con:
        assert con.execute("SELECT run_id FROM runs").fetchall() == [("r3",)]  # the first two runs rolled back

    def always(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("INSERT INTO runs VALUES ('never', 'draft', 'ok', now(), now(), 'x', '{}', '', '')")
        raise conflict

    with pytest.raises(store_db.StoreConflictError, match="after 12 attempts, nothing written") as info:
        write(path, always)
    assert "\n" not in str(info.value)
    calls = []

    def broken(con: duckdb.DuckDBPyConnection) -> None:
        calls.append(1)
        raise ValueError("not a conflict")

    with pytest.raises(ValueError):
        write(path, broken)
    assert calls == [1]
    with connect(path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchall() == [(1,)]
