"""The team store on DuckLake (catalog in PostgreSQL, Parquet in a folder): two eval processes with their own
local caches write one lake at once while the dashboard's queries read it; bad addresses are one line, exit 2,
nothing written; runs move between stores as Parquet.

PostgreSQL: `$PMSTUDIO_TEST_PG` (a libpq string such as `host=127.0.0.1 port=5432 user=postgres`, which
.ci/run exports after starting Debian's server), else a throw-away cluster started here with initdb/pg_ctl
(as the `postgres` user when running as root). Without PostgreSQL the tests skip, unless
PMSTUDIO_REQUIRE_POSTGRES=1 (CI), where they fail.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pmstudio.store import queries
from pmstudio.store.lake import parse_lake

ROOT = Path(__file__).resolve().parents[1]
CASES = ["docsrs-2019-10-21-disk-full", "fastly-2021-06-08-global-outage", "gitlab-2017-01-31-database-deletion"]


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return hits[-1] if hits else None


def _unavailable(reason: str) -> None:
    if os.environ.get("PMSTUDIO_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL required but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    """A libpq string of a running PostgreSQL server (without dbname)."""
    pytest.importorskip("duckdb_extension_ducklake")
    given = os.environ.get("PMSTUDIO_TEST_PG")
    if given:
        yield given
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        _unavailable("PostgreSQL (initdb, pg_ctl) is not installed")
    assert initdb and pg_ctl
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root without a postgres user")
        run_as = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="pmstudio-pg-"))  # outside pytest's root-only tmp: the server user reads it
    base.chmod(0o777)
    data = base / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run([*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"], check=True,
                   capture_output=True, timeout=120)
    subprocess.run([*run_as, pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-o",
                    f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start"], check=True,
                   capture_output=True, timeout=120)
    try:
        yield f"host=127.0.0.1 port={port} user=postgres"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def _lake(pg: str, tmp_path: Path) -> str:
    """A fresh database on the server and a fresh data folder: a `ducklake:` address."""
    name = f"lake_{uuid.uuid4().hex[:10]}"
    con = duckdb.connect()
    from pmstudio.store.lake import _extension_file

    con.execute(f"LOAD '{_extension_file('duckdb_extension_postgres_scanner', 'postgres_scanner')}'")
    con.execute(f"ATTACH '{pg} dbname=postgres' AS pg (TYPE postgres)")
    con.execute(f"CALL postgres_execute('pg', 'CREATE DATABASE {name}', use_transaction=false)")
    con.close()
    return f"ducklake:postgres:dbname={name} {pg} data_path={tmp_path / 'lake-data'}"


def _env(home: Path, store: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMSTUDIO_")}
    env.update({"PMSTUDIO_HOME": str(home), "DEEPEVAL_CACHE_FOLDER": str(home / "deepeval"), "COLUMNS": "200"})
    if store:
        env["PMSTUDIO_DB"] = store
    return env


def _pmstudio(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pmstudio", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=900)


_WRITER = """
import json, sys, time
from pathlib import Path
from pmstudio.store.db import conflicts_retried, resolve_target
from pmstudio.store.transaction import write

target, who, n, shared, go = resolve_target(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], Path(sys.argv[5])
while not go.exists():
    time.sleep(0.01)
for i in range(n):
    def body(con, i=i):
        # read-modify-write of one shared row (a lost update shows in the tally), a row of its own, and a
        # content-addressed row every writer inserts when absent (duplicates are healed after the commit)
        tally = json.loads(con.execute("SELECT settings FROM runs WHERE run_id = ?", [shared]).fetchall()[0][0])
        tally[who] = tally.get(who, 0) + 1
        con.execute("UPDATE runs SET settings = ? WHERE run_id = ?", [json.dumps(tally), shared])
        con.execute("INSERT INTO runs VALUES (?, 'stress', 'ok', now(), now(), ?, '{}', '', '')", [f"{who}-{i}", who])
        con.execute("INSERT INTO bundles (bundle_key, bundle_id) SELECT ?, ? "
                    "WHERE NOT EXISTS (SELECT 1 FROM bundles WHERE bundle_key = ?)", [f"k{i}", who, f"k{i}"])
    write(target, body, migrate=False)
print(conflicts_retried())
"""


@pytest.mark.slow
def test_concurrent_writers_retry_conflicts_without_lost_or_duplicated_rows(pg: str, tmp_path: Path) -> None:
    """Three processes hammer one lake with transactions that conflict (one shared row updated by all):
    every conflicting transaction is rerun by store.db.write, none is lost or applied twice."""
    from pmstudio.store.db import resolve_target
    from pmstudio.store.lake import open_lake
    from pmstudio.store.transaction import write

    store = _lake(pg, tmp_path)
    target = resolve_target(store)
    write(target, lambda con: con.execute(
        "INSERT INTO runs VALUES ('tally', 'stress', 'running', now(), NULL, 'stress', '{}', '', '')"))
    go, n, writers = tmp_path / "go", 10, ("a", "b", "c")
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, store, who, str(n), "tally", str(go)], env=_env(tmp_path / who),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for who in writers]
    time.sleep(1.0)  # every writer attached and waiting: they start together
    go.touch()
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [e for _, e in outs]
    retried = sum(int(o.strip().splitlines()[-1]) for o, _ in outs)
    assert retried > 0, "no transaction conflicted: the test did not exercise the retry"
    con = open_lake(target, read_only=True)
    try:
        tally = json.loads(con.execute("SELECT settings FROM runs WHERE run_id = 'tally'").fetchall()[0][0])
        assert tally == {who: n for who in writers}  # no update lost, none applied twice
        own = con.execute("SELECT settings_who, count(*) FROM (SELECT command AS settings_who FROM runs "
                          "WHERE run_id <> 'tally') GROUP BY 1 ORDER BY 1").fetchall()
        assert own == [(who, n) for who in writers]
        assert con.execute("SELECT count(*), count(DISTINCT run_id) FROM runs").fetchall()[0] == (3 * n + 1, 3 * n + 1)
        assert con.execute("SELECT count(*), count(DISTINCT bundle_key) FROM bundles").fetchall()[0] == (n, n)
    finally:
        con.close()


@pytest.mark.slow
def test_two_eval_machines_write_one_lake_while_the_dashboard_reads(pg: str, tmp_path: Path) -> None:
    store = _lake(pg, tmp_path)
    init = _pmstudio("store", "init", "--db", store, env=_env(tmp_path / "lead"))
    assert init.returncode == 0, init.stderr
    procs = []
    for machine, prompts in (("a", "default"), ("b", "seed-single-shot")):
        env = _env(tmp_path / f"machine-{machine}", store)  # each machine: its own home, caches and deepeval folder
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "pmstudio", "eval", "--cases", ",".join(CASES), "--prompts", prompts, "--quiet"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    target = parse_lake(store)
    reads, seen = 0, dict[str, int]()
    cell_key = ["run_id", "case_id", "model", "prompt_set", "repeat_idx"]
    try:
        while any(p.poll() is None for p in procs):  # the dashboard's queries, polling the lake meanwhile
            runs = queries.eval_runs(target)
            ids = list(runs["run_id"]) if not runs.empty else []
            if ids:
                queries.leaderboard(ids, target)
                costs = queries.cell_costs(ids, target)
                # every read sees whole cells, each once, and never fewer than an earlier read saw
                assert not costs.duplicated(cell_key).any(), costs
                for run_id, n in costs.groupby("run_id").size().items():
                    assert n >= seen.get(str(run_id), 0), (run_id, n, seen)
                    seen[str(run_id)] = int(n)
            queries.list_runs(target)
            reads += 1
            time.sleep(0.2)
    finally:
        errs = [p.communicate(timeout=900)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    assert reads >= 3

    from pmstudio.store.lake import open_lake

    con = open_lake(target, read_only=True)
    runs = con.execute("SELECT run_id, status FROM runs WHERE kind = 'eval'").fetchall()
    assert len(runs) == 2 and {s for _, s in runs} == {"ok"}
    cells = con.execute("SELECT run_id, count(*), count(DISTINCT (case_id, model, prompt_set, repeat_idx)) FROM eval_cells GROUP BY 1").fetchall()
    assert sorted(n for _, n, _ in cells) == [len(CASES), len(CASES)] and all(n == d for _, n, d in cells)
    scores = con.execute(
        "SELECT count(*), count(DISTINCT (run_id, case_id, model, prompt_set, repeat_idx, metric)) FROM scores").fetchall()[0]
    per_cell = con.execute("SELECT DISTINCT count(*) FROM scores GROUP BY run_id, case_id, prompt_set").fetchall()
    assert scores[0] == scores[1] and len(per_cell) == 1 and scores[0] == 2 * len(CASES) * per_cell[0][0]
    drafts = con.execute("SELECT count(*), count(DISTINCT draft_id) FROM drafts").fetchall()[0]
    assert drafts == (2 * len(CASES), 2 * len(CASES))
    for table, key in (("prompt_versions", "sha256"), ("bundles", "bundle_key")):  # shared content: one copy each
        dups = con.execute(f"SELECT count(*) - count(DISTINCT {key}) FROM {table}").fetchall()[0][0]
        assert dups == 0, table
    con.close()

    listed = _pmstudio("runs", "list", "--json", env=_env(tmp_path / "viewer", store))
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 2, listed.stderr


def test_bad_store_addresses_are_one_line_exit_2_and_write_nothing(pg: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    example = ROOT / "datasets" / "examples" / "docsrs-disk-full"
    out = tmp_path / "pm.md"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    bad = {
        "malformed": ("ducklake:postgres:host=127.0.0.1 data_path=/tmp/x", "dbname= is required"),
        "kind": ("ducklake:mysql:dbname=x data_path=/tmp/x", "expected ducklake:postgres:"),
        "token": ("ducklake:postgres:dbname=x port data_path=/tmp/x", "expected key=value"),
        "no data": ("ducklake:postgres:dbname=x host=127.0.0.1", "data_path=DIR is required"),
        "password": ("ducklake:postgres:dbname=x password=hunter2 data_path=/tmp/x", "no password"),
        "unreachable": (f"ducklake:postgres:dbname=x host=127.0.0.1 port={closed_port} user=postgres "
                        f"data_path={tmp_path / 'unused'}", "catalog unreachable"),
    }
    for name, (store, problem) in bad.items():
        proc = _pmstudio("draft", str(example), "--db", store, "--out", str(out), "--quiet", env=_env(home))
        assert proc.returncode == 2, (name, proc.stderr)
        assert proc.stderr.count("\n") == 1 and problem in proc.stderr and "Traceback" not in proc.stderr, (name, proc.stderr)
        assert "hunter2" not in proc.stderr
        assert not out.exists()
    assert not (tmp_path / "unused").exists()

    # a lake folder this user may not write: a read-only folder, or (root may write anywhere) /sys, where
    # the kernel refuses even root
    store = _lake(pg, tmp_path)
    if os.geteuid() == 0:
        denied = Path("/sys/fs/pmstudio-lake-test")
    else:
        (tmp_path / "locked").mkdir()
        (tmp_path / "locked").chmod(0o555)
        denied = tmp_path / "locked" / "lake"
    ro_store = store.rsplit("data_path=", 1)[0] + f"data_path={denied}"
    proc = _pmstudio("eval", "--cases", CASES[0], "--prompts", "default", "--db", ro_store, "--quiet", env=_env(home))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "cannot write to data_path" in proc.stderr, proc.stderr
    assert not denied.exists()
    from pmstudio.store.lake import StoreConfigError, open_lake

    with pytest.raises(StoreConfigError, match="does not exist"):  # not even the lake's catalog was created
        open_lake(parse_lake(store), read_only=True)


@pytest.mark.slow
def test_export_import_moves_runs_between_a_file_and_the_lake(pg: str, tmp_path: Path) -> None:
    local = tmp_path / "local.duckdb"
    env = _env(tmp_path / "home")
    example = ROOT / "datasets" / "examples" / "docsrs-disk-full"
    assert _pmstudio("draft", str(example), "--db", str(local), "--quiet", env=env).returncode == 0
    ev = _pmstudio("eval", "--cases", CASES[0], "--prompts", "default", "--db", str(local), "--quiet", env=env)
    assert ev.returncode == 0, ev.stderr
    folder = tmp_path / "export"
    exp = _pmstudio("store", "export", "--parquet", str(folder), "--db", str(local), env=env)
    assert exp.returncode == 0, exp.stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"]["runs"] == 2 and manifest["tables"]["scores"] > 10
    store = _lake(pg, tmp_path)
    for attempt in range(2):  # importing twice adds nothing the second time
        imp = _pmstudio("store", "import", str(folder), "--db", store, env=env)
        assert imp.returncode == 0, imp.stderr
        assert ("nothing new" in imp.stderr) == (attempt == 1), imp.stderr
    a = json.loads(_pmstudio("runs", "export", "--db", str(local), env=env).stdout)
    b = json.loads(_pmstudio("runs", "export", "--db", store, env=env).stdout)
    strip = lambda runs: sorted(json.dumps(r, sort_keys=True, default=str) for r in runs)  # noqa: E731
    assert strip(a) == strip(b)
    again = _pmstudio("store", "export", "--parquet", str(folder), "--db", str(local), env=env)
    assert again.returncode == 2 and "not empty" in again.stderr
    bad = _pmstudio("store", "import", str(tmp_path), "--db", store, env=env)
    assert bad.returncode == 2 and "manifest.json" in bad.stderr


@pytest.mark.slow
def test_memory_index_lives_on_the_lake(pg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cross-incident memory reads and writes the team store like every other table: drafts stored in
    the lake are counted, indexed and found by `similar` (by address and through PMSTUDIO_DB)."""
    from pmstudio.memory import query_of_postmortem, similar_to, sync_index
    from pmstudio.schema import PostMortem
    from pmstudio.store.memory import count_unindexed, patterns

    store = _lake(pg, tmp_path)
    example = ROOT / "datasets" / "examples" / "docsrs-disk-full"
    proc = _pmstudio("draft", str(example), "--db", store, "--no-memory", "--quiet", env=_env(tmp_path / "home"))
    assert proc.returncode == 0, proc.stderr
    assert count_unindexed(store) == 1
    assert sync_index(store) == 1
    assert count_unindexed(store) == 0
    classes, _ = patterns(store)
    assert not classes.empty
    from pmstudio.store.lake import open_lake

    con = open_lake(parse_lake(store), read_only=True)
    try:
        pm_json, incident = con.execute("SELECT postmortem, bundle_id FROM drafts").fetchall()[0]
    finally:
        con.close()
    query = query_of_postmortem(PostMortem.model_validate_json(pm_json), incident_id="a-new-incident")
    assert [r.incident_id for r in similar_to(query, db=store)] == [incident]
    monkeypatch.setenv("PMSTUDIO_DB", store)  # the dashboard's way: no address passed, the store from the env
    assert [r.incident_id for r in similar_to(query)] == [incident]
    assert count_unindexed() == 0
