"""The team store: a DuckLake (catalog in PostgreSQL, data as Parquet files in a shared directory).

Chosen with `--db`, `PMSTUDIO_DB` or the team config (`store = "..."` under `[tool.pmstudio]`) as

    ducklake:postgres:dbname=pmstudio host=db.internal port=5432 user=me data_path=/shared/pmstudio-lake

i.e. DuckDB's own `ducklake:postgres:` form with a libpq connection string, plus `data_path=` for the
Parquet directory (passwords come from PGPASSWORD / ~/.pgpass, never from the string). Every reader
and writer of `pmstudio.store` works unchanged on it: `connect()` opens an in-memory DuckDB, loads the
ducklake and postgres extensions from their PyPI packages (DuckDB cannot download extensions here),
attaches the lake and makes it the default catalog. DuckLake has no primary keys or indexes, so the
migrations' DDL is applied without them (`portable_ddl`); uniqueness comes from the writers (ULID ids,
one transaction per run/cell, content-addressed rows inserted only when absent).

The extension packages are built for one DuckDB version each (`extensions/v<version>/`), which is why
the project pins DuckDB to the newest version they are published for (see README, "Team store").
"""

from __future__ import annotations

import re
import shlex
import threading
import uuid
from importlib import resources
from pathlib import Path

import duckdb
from pydantic import BaseModel

PREFIX = "ducklake:"
ALIAS = "lake"
_EXTENSIONS = (("duckdb_extension_postgres_scanner", "postgres_scanner"), ("duckdb_extension_ducklake", "ducklake"))
_ALLOWED_KEYS = {"dbname", "host", "port", "user", "sslmode", "connect_timeout", "application_name", "data_path"}


class StoreConfigError(Exception):
    """A malformed or unusable store address (one line, exit 2; nothing written)."""


class LakeTarget(BaseModel):
    conninfo: str  # libpq key=value string without data_path
    data_path: Path
    label: str  # what messages show: the address as given (it never holds a password)

    def attach_sql(self, read_only: bool) -> str:
        opts = f"DATA_PATH '{_sql_str(str(self.data_path))}/'" + (", READ_ONLY" if read_only else "")
        return f"ATTACH '{_sql_str(PREFIX + 'postgres:' + self.conninfo)}' AS {ALIAS} ({opts})"


def _sql_str(text: str) -> str:
    return text.replace("'", "''")


def is_lake_address(value: object) -> bool:
    return isinstance(value, LakeTarget) or (isinstance(value, str | Path) and str(value).startswith(PREFIX))


def parse_lake(value: str) -> LakeTarget:
    """`ducklake:postgres:k=v ... data_path=DIR` -> LakeTarget, or a one-line StoreConfigError."""
    raw = str(value).strip()
    text = re.sub(r"(password=)\S+", r"\1***", raw)  # what messages show: never a password
    rest = raw[len(PREFIX):]
    if not rest.startswith("postgres:"):
        raise StoreConfigError(f"{text}: expected ducklake:postgres:<key=value ...> data_path=DIR")
    try:
        tokens = shlex.split(rest[len("postgres:"):])
    except ValueError as exc:
        raise StoreConfigError(f"{text}: malformed connection string ({exc})") from None
    pairs: dict[str, str] = {}
    for tok in tokens:
        key, sep, val = tok.partition("=")
        if not sep or not re.fullmatch(r"[a-z_]+", key) or not val:
            raise StoreConfigError(f"{text}: expected key=value, got {tok!r}")
        if key == "password":
            raise StoreConfigError(f"{text}: no password in the address; use PGPASSWORD or ~/.pgpass")
        if key not in _ALLOWED_KEYS:
            raise StoreConfigError(f"{text}: unknown key {key!r} (have: {', '.join(sorted(_ALLOWED_KEYS))})")
        pairs[key] = val
    if "dbname" not in pairs:
        raise StoreConfigError(f"{text}: dbname= is required")
    data = pairs.pop("data_path", None)
    if not data:
        raise StoreConfigError(f"{text}: data_path=DIR is required (where the Parquet files go)")
    if "port" in pairs and not pairs["port"].isdigit():
        raise StoreConfigError(f"{text}: port must be a number")
    conninfo = " ".join(f"{k}={v}" for k, v in pairs.items())
    return LakeTarget(conninfo=conninfo, data_path=Path(data).expanduser(), label=text)


def _extension_file(package: str, name: str) -> str:
    try:
        base = resources.files(package)
    except ModuleNotFoundError:
        raise StoreConfigError(
            f"the team store needs the {package.replace('_', '-')} package (pip install 'pmstudio[team]')"
        ) from None
    path = base / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        raise StoreConfigError(f"{package}: no {name} extension built for DuckDB {duckdb.__version__}")
    return str(path)


def check_writable(target: LakeTarget) -> None:
    """The data folder (or, when it does not exist yet, its nearest existing parent) takes a new file;
    else StoreConfigError. Nothing is left behind: the probe file is removed, no folder is made."""
    d = target.data_path
    existing = d
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(20, "not a directory")
        probe = existing / f".pmstudio-write-probe-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StoreConfigError(f"{target.label}: cannot write to data_path {d} ({exc.strerror or exc})") from None


_OPEN: dict[tuple[str, bool], duckdb.DuckDBPyConnection] = {}
_OPEN_LOCK = threading.Lock()


def open_lake(target: LakeTarget, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose default catalog is the lake. Loading the extensions and attaching the catalog
    happens once per process and address; each call gets its own cursor (close it when done)."""
    key = (target.label, read_only)
    with _OPEN_LOCK:
        base = _OPEN.get(key)
        if base is None:
            base = _OPEN[key] = _attach(target, read_only=read_only)
    cur = base.cursor()
    cur.execute(f"USE {ALIAS}")
    return cur


def _attach(target: LakeTarget, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    if not read_only:
        check_writable(target)
    con = duckdb.connect(config={"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"})
    try:
        for package, name in _EXTENSIONS:
            con.execute(f"LOAD '{_sql_str(_extension_file(package, name))}'")
        con.execute(target.attach_sql(read_only))
        con.execute(f"USE {ALIAS}")
        if not read_only:
            target.data_path.mkdir(parents=True, exist_ok=True)
    except duckdb.Error as exc:
        con.close()
        first = (str(exc).strip().splitlines() or [""])[0]
        if "connection" in first.lower() or "could not" in first.lower() or "server" in first.lower():
            raise StoreConfigError(f"{target.label}: catalog unreachable ({_short(first)})") from None
        raise StoreConfigError(f"{target.label}: cannot open the lake ({_short(first)})") from None
    return con


def _short(message: str) -> str:
    message = re.sub(r"\s+", " ", message)
    return message if len(message) <= 200 else message[:197] + "..."


def is_lake_connection(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return bool(row) and row[0][0] == "ducklake"


_PK_COLUMN = re.compile(r"\s+PRIMARY\s+KEY\b(?!\s*\()", re.I)
_PK_TABLE = re.compile(r",\s*PRIMARY\s+KEY\s*\([^)]*\)", re.I)
_UNIQUE_COLUMN = re.compile(r"\s+UNIQUE\b(?!\s*\()", re.I)
_UNIQUE_TABLE = re.compile(r",\s*UNIQUE\s*\([^)]*\)", re.I)
_INDEX = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\b[^;]*;?", re.I)


def _strip_checks(sql: str) -> str:
    """Remove `CHECK (...)` clauses (balanced parentheses)."""
    out, i = [], 0
    for m in re.finditer(r"\s+CHECK\s*\(", sql, re.I):
        if m.start() < i:
            continue
        depth, j = 1, m.end()
        while j < len(sql) and depth:
            depth += {"(": 1, ")": -1}.get(sql[j], 0)
            j += 1
        out.append(sql[i:m.start()])
        i = j
    out.append(sql[i:])
    return "".join(out)


def portable_ddl(sql: str) -> str:
    """The migrations' DDL as DuckLake takes it: no PRIMARY KEY / UNIQUE / CHECK constraints, no indexes
    (the writers keep those rules: ULID ids, validated values, insert-when-absent)."""
    for pattern in (_INDEX, _PK_TABLE, _UNIQUE_TABLE, _PK_COLUMN, _UNIQUE_COLUMN):
        sql = pattern.sub("", sql)
    return _strip_checks(sql)


class PortableConnection:
    """A connection wrapper for migrations on a lake: DDL goes through `portable_ddl`."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def execute(self, query: str, parameters: object = None) -> duckdb.DuckDBPyConnection:
        sql = portable_ddl(query) if re.match(r"\s*(CREATE|ALTER)\b", query, re.I) else query
        return self._con.execute(sql, parameters) if parameters is not None else self._con.execute(sql)

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


CONTENT_KEYS = {"bundles": "bundle_key", "prompt_versions": "sha256", "judge_outputs": "score_key"}
"""Content-addressed tables: every machine may insert the same row. Without unique keys, two machines
inserting the same new row at the same moment both succeed; `heal_duplicates` keeps the first copy."""


def heal_duplicates(con: duckdb.DuckDBPyConnection) -> int:
    """Delete later copies of content-addressed rows, inside the caller's transaction (`db.write` runs it
    after each write's commit: the later of two racing writers always sees both copies; a heal that
    conflicts with another writer is retried like any write). One query looks for copies first (each
    statement on a lake costs catalog round trips); a store without these tables yet has nothing to heal."""
    probe = " UNION ALL ".join(
        f"SELECT '{table}' FROM (SELECT 1 FROM \"{table}\" GROUP BY \"{key}\" HAVING count(*) > 1 LIMIT 1)"
        for table, key in CONTENT_KEYS.items()
    )
    try:
        tables = [r[0] for r in con.execute(probe).fetchall()]
    except duckdb.CatalogException:
        return 0
    removed = 0
    for table in tables:
        key = CONTENT_KEYS[table]
        sql = (f'DELETE FROM "{table}" WHERE rowid IN (SELECT rowid FROM (SELECT rowid, row_number() OVER '
               f'(PARTITION BY "{key}" ORDER BY rowid) AS rn FROM "{table}") WHERE rn > 1)')
        removed += int(con.execute(sql).fetchall()[0][0])
    return removed
