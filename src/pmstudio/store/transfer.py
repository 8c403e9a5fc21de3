"""Move runs between stores (a local DuckDB file, the team's DuckLake) as Parquet files.

Export writes one `<table>.parquet` per table and a `manifest.json` (applied migrations, row counts)
into a new folder, written under a temporary name and renamed when complete. Import adds, in one
transaction, the runs the target does not have yet: rows of run-scoped tables (a `run_id` column, or a
`draft_id` of such a run) for new runs only; rows of other tables (content-addressed prompts and bundles,
reviewers' labels, ...) when no identical row is there. Importing the same folder twice adds nothing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import duckdb
from pydantic import BaseModel, ValidationError

from pmstudio.store.db import Target, connect, target_exists
from pmstudio.store.migrations import applied
from pmstudio.store.transaction import write

MANIFEST = "manifest.json"
FORMAT = "pmstudio-store-export/1"


class TransferError(Exception):
    """One line naming the folder or table and the problem."""


class Manifest(BaseModel):
    format: str = FORMAT
    migrations: list[str]
    tables: dict[str, int]


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = 'main' AND table_type = 'BASE TABLE' AND table_name <> '_migrations' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
        "AND table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_parquet(target: Target, folder: Path) -> Manifest:
    if folder.exists() and any(folder.iterdir()):
        raise TransferError(f"{folder}: folder exists and is not empty")
    if not target_exists(target):
        raise TransferError(f"{target}: no store here")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        with connect(target, read_only=True) as con:
            tables = {}
            for t in _tables(con):
                con.execute(f'COPY (SELECT * FROM "{t}") TO {_lit(tmp / f"{t}.parquet")} (FORMAT parquet)')
                tables[t] = int(con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0])
            manifest = Manifest(migrations=applied(con), tables=tables)
        (tmp / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
        if folder.exists():
            folder.rmdir()
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _read_manifest(folder: Path) -> Manifest:
    try:
        return Manifest.model_validate(json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise TransferError(f"{folder}: no {MANIFEST} (not a `pmstudio store export` folder)") from None
    except (json.JSONDecodeError, ValidationError) as exc:
        raise TransferError(f"{folder / MANIFEST}: malformed ({exc.__class__.__name__})") from None


def import_parquet(target: Target, folder: Path) -> dict[str, int]:
    manifest = _read_manifest(folder)
    if manifest.format != FORMAT:
        raise TransferError(f"{folder}: unknown export format {manifest.format!r}")
    for t in manifest.tables:
        if not (folder / f"{t}.parquet").is_file():
            raise TransferError(f"{folder}: {t}.parquet missing")

    def body(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        added: dict[str, int] = {}
        unknown = sorted(set(manifest.migrations) - set(applied(con)))
        if unknown:
            raise TransferError(f"{folder}: exported by a newer pmstudio (migrations {', '.join(unknown)} unknown here)")
        here = set(_tables(con))
        src = {t: f"read_parquet({_lit(folder / f'{t}.parquet')})" for t in manifest.tables if t in here}
        con.execute(f"CREATE TEMP TABLE _new_runs AS SELECT run_id FROM {src['runs']} "
                    "WHERE run_id NOT IN (SELECT run_id FROM runs)" if "runs" in src else
                    "CREATE TEMP TABLE _new_runs (run_id VARCHAR)")
        drafts = src.get("drafts")
        con.execute(f"CREATE TEMP TABLE _new_drafts AS SELECT draft_id FROM {drafts} "
                    "WHERE run_id IN (SELECT run_id FROM _new_runs)" if drafts else
                    "CREATE TEMP TABLE _new_drafts (draft_id VARCHAR)")
        for t, rel in src.items():
            cols = _columns(con, t)
            theirs = set(con.execute(f"SELECT * FROM {rel} LIMIT 0").fetchdf().columns)
            extra = theirs - set(cols)
            if extra:
                raise TransferError(f"{folder / (t + '.parquet')}: columns unknown here: {', '.join(sorted(extra))}")
            keep = [c for c in cols if c in theirs]
            sel = ", ".join(f'"{c}"' for c in keep)
            if "run_id" in keep:
                where = "WHERE run_id IN (SELECT run_id FROM _new_runs)"
                rows = f"SELECT {sel} FROM {rel} {where}"
            elif "draft_id" in keep and t not in ("prompt_versions", "bundles"):
                where = "WHERE draft_id IN (SELECT draft_id FROM _new_drafts)"
                rows = f"SELECT {sel} FROM {rel} {where}"
            else:
                rows = f'SELECT {sel} FROM {rel} EXCEPT SELECT {sel} FROM "{t}"'
            before = int(con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0])
            con.execute(f'INSERT INTO "{t}" ({sel}) {rows}')
            added[t] = int(con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]) - before
        con.execute("DROP TABLE _new_runs")
        con.execute("DROP TABLE _new_drafts")
        return added

    added = write(target, body)
    return added
