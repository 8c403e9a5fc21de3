"""An installable tool: card folders ship as package data, user data in the platform directory, no import
loops; a slow test builds the wheel and runs it from a fresh virtual environment outside the checkout."""

from __future__ import annotations

import ast
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from pmstudio import resources

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
CASE = "docsrs-2019-10-21-disk-full"


def test_checkout_reads_its_own_card_folders_and_keeps_var(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resources.checkout_root() == ROOT
    for folder in resources.CARD_FOLDERS:
        assert resources.card_dir(folder) == ROOT / folder
    assert resources.prompts_dir() == ROOT / "agents"
    assert resources.dashboard_app() == ROOT / "dashboard" / "app.py"
    monkeypatch.delenv("PMSTUDIO_DB", raising=False)
    monkeypatch.delenv("PMSTUDIO_HOME", raising=False)
    assert resources.default_db() == ROOT / "var" / "pmstudio.duckdb"


def test_home_and_db_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PMSTUDIO_DB", raising=False)
    monkeypatch.setenv("PMSTUDIO_HOME", str(tmp_path / "home"))
    assert resources.default_db() == tmp_path / "home" / "pmstudio.duckdb"
    monkeypatch.setenv("PMSTUDIO_DB", str(tmp_path / "x.duckdb"))
    assert resources.default_db() == tmp_path / "x.duckdb"


def test_installed_layout_prefers_package_data_and_platform_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An installed package (no checkout around it) reads `_data/` and keeps user data in platformdirs."""
    pkg = tmp_path / "site-packages" / "pmstudio"
    for folder in resources.CARD_FOLDERS:
        (pkg / "_data" / folder).mkdir(parents=True)
    monkeypatch.setattr(resources, "package_dir", lambda: pkg)
    monkeypatch.setattr(resources, "checkout_root", lambda: None)
    monkeypatch.delenv("PMSTUDIO_DB", raising=False)
    monkeypatch.delenv("PMSTUDIO_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resources.card_dir("agents") == pkg / "_data" / "agents"
    assert resources.check_dataset_dir() == pkg / "_data" / "datasets" / "check"
    assert resources.default_db() == tmp_path / "xdg" / "pmstudio" / "pmstudio.duckdb"
    shutil.rmtree(pkg / "_data" / "evals")
    with pytest.raises(resources.ResourceError, match="packaged data folder missing"):
        resources.card_dir("evals")


def test_wheel_maps_every_card_folder_into_the_package() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    mapping = conf["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert mapping == {f: f"pmstudio/_data/{f}" for f in (*resources.CARD_FOLDERS, "dashboard")}


def test_no_file_relative_lookups_outside_resources() -> None:
    offenders = [
        str(p.relative_to(ROOT)) for p in (SRC / "pmstudio").rglob("*.py")
        if "parents[" in p.read_text(encoding="utf-8") or "__file__" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def _import_graph() -> dict[str, set[str]]:
    """pmstudio module -> pmstudio modules it imports anywhere (function-level too; not TYPE_CHECKING)."""
    files = {}
    for f in (SRC / "pmstudio").rglob("*.py"):
        name = ".".join(f.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
        files[name] = f

    def owner(name: str) -> str:
        while name not in files and "." in name:
            name = name.rsplit(".", 1)[0]
        return name

    graph: dict[str, set[str]] = {}
    for name, f in files.items():
        tree = ast.parse(f.read_text(encoding="utf-8"))
        hidden = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                  for n in ast.walk(node)}
        deps: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("pmstudio"):
                mod = str(node.module)
                deps |= {owner(f"{mod}.{a.name}") if f"{mod}.{a.name}" in files else owner(mod) for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {owner(a.name) for a in node.names if a.name.startswith("pmstudio")}
        graph[name] = deps - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_loops() -> None:
    """No module imports (even inside a function) a module that imports it back; and no loop runs through a
    package's __init__ from outside the package (the old lints <-> mdparse loop)."""
    graph = _import_graph()
    assert _cycles(graph) == []
    with_init = {k: set(v) for k, v in graph.items()}
    for name in graph:  # importing a submodule runs its package's __init__ first
        parts = name.split(".")
        with_init[name] |= {".".join(parts[:i]) for i in range(2, len(parts)) if ".".join(parts[:i]) in graph}
    for comp in _cycles(with_init):
        packages = {".".join(m.split(".")[:2]) for m in comp} | {".".join(m.split(".")[:3]) for m in comp if m.count(".") >= 2}
        tops = {".".join(m.split(".")[:2]) for m in comp}
        assert len(tops) == 1, f"import loop across packages: {comp} ({packages})"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _uv() -> str:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed (it is in the dev extras)")
    return uv


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_runs_from_anywhere(tmp_path: Path) -> None:
    """Build the wheel, install it with its dependencies into a new venv (no system site-packages, nothing
    from the checkout; uv's download cache keeps it fast), then from a temp dir run draft, check, eval on one
    golden case, runs list and the dashboard's health check."""
    uv = _uv()
    dist, venv, work = tmp_path / "dist", tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    build = subprocess.run([uv, "build", "--wheel", "--out-dir", str(dist), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(dist.glob("pmstudio-*.whl"))
    base_python = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([uv, "venv", "-q", "--python", base_python, str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    inst = subprocess.run([uv, "pip", "install", "-q", "--python", str(py), str(wheel)], capture_output=True, text=True, timeout=900)
    assert inst.returncode == 0, inst.stderr[-2000:]
    cfg = (venv / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in cfg
    exe = venv / "bin" / "pmstudio"
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMSTUDIO_", "PYTHON", "VIRTUAL_ENV"))}
    env.update({"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"), "PATH": f"{venv / 'bin'}:/usr/bin:/bin"})

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(exe), *args], cwd=work, env=env, capture_output=True, text=True, timeout=timeout)

    where = subprocess.run([str(py), "-c", "import pmstudio, pmstudio.resources as r; print(pmstudio.__file__, r.checkout_root())"],
                           cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert str(venv) in where.stdout and where.stdout.split()[-1] == "None", where.stdout + where.stderr
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("pmstudio "), version.stderr

    bundle = subprocess.run([str(py), "-c", "import pmstudio.resources as r; print(r.example_bundle())"], cwd=work,
                            env=env, capture_output=True, text=True, timeout=60).stdout.strip()
    draft = run("draft", bundle, "--out", "pm.md", "--quiet")
    assert draft.returncode == 0, draft.stderr
    assert (work / "pm.md").read_text().startswith("# Post-Mortem:")
    check = run("check", "pm.md")
    assert check.returncode in (0, 1) and "check:" in check.stdout, check.stderr
    check_eval = run("eval-check", "--splits", "test")  # the packaged labelled corpus, not ./datasets/check
    assert check_eval.returncode == 0 and "test" in check_eval.stdout, check_eval.stderr
    ev = run("eval", "--cases", CASE, "--prompts", "default", "--quiet", "--json", "cmp.json")
    assert ev.returncode == 0, ev.stderr
    assert json.loads((work / "cmp.json").read_text())
    runs = run("runs", "list", "--json")
    assert runs.returncode == 0, runs.stderr
    assert sorted(r["kind"] for r in json.loads(runs.stdout)) == ["check-eval", "draft", "eval"]
    store = home / ".local" / "share" / "pmstudio" / "pmstudio.duckdb"
    assert store.is_file()  # user data in the platform data directory, not beside the code
    assert not (venv / "lib" / "var").exists() and not (work / "var").exists()

    port = _free_port()
    dash = subprocess.Popen([str(exe), "dashboard", "--port", str(port)], cwd=work, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        body, deadline = "", time.monotonic() + 90
        while time.monotonic() < deadline and dash.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                    body = resp.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert body.strip() == "ok", dash.stderr.read() if dash.poll() is not None else "no health answer"
        with pytest.raises(OSError):  # bound to 127.0.0.1 only
            other = [a for a in socket.gethostbyname_ex(socket.gethostname())[2] if not a.startswith("127.")]
            if not other:
                raise OSError("no non-loopback address to probe")
            socket.create_connection((other[0], port), timeout=2).close()
    finally:
        dash.terminate()
        try:
            dash.wait(timeout=20)
        except subprocess.TimeoutExpired:
            dash.kill()
            dash.wait()
    with pytest.raises(OSError):  # the server itself got the signal: no orphaned child still serves the port
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_team_prompts_and_store_are_found_like_the_template_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A team repository's `.pmstudio.toml` (or [tool.pmstudio]) names its prompt library and its store."""
    from pmstudio.prompts import available_sets, load_prompt_set, project_dir
    from pmstudio.store.db import resolve_target
    from pmstudio.store.lake import LakeTarget

    repo = tmp_path / "team-repo"
    (repo / "prompts").mkdir(parents=True)
    (repo / "prompts" / "prompt-sets.yaml").write_text("team-terse:\n  description: ours\n  agents:\n    single_shot: seed\n")
    (repo / ".pmstudio.toml").write_text('prompts = "prompts"\nstore = "var/team.duckdb"\n')
    (repo / "incidents" / "2026").mkdir(parents=True)
    monkeypatch.chdir(repo / "incidents" / "2026")  # found from a subfolder, like ruff's settings
    monkeypatch.delenv("PMSTUDIO_PROMPTS_DIR", raising=False)
    monkeypatch.delenv("PMSTUDIO_DB", raising=False)
    assert project_dir() == (repo / "prompts").resolve()
    assert {"default", "seed-single-shot", "team-terse"} <= set(available_sets())  # beside the built-ins
    assert load_prompt_set("team-terse").single_shot
    assert resolve_target() == (repo / "var" / "team.duckdb").resolve()
    (repo / ".pmstudio.toml").write_text('store = "ducklake:postgres:dbname=team host=db.internal data_path=/srv/lake"\n')
    lake = resolve_target()
    assert isinstance(lake, LakeTarget) and lake.data_path == Path("/srv/lake") and "dbname=team" in lake.conninfo
    monkeypatch.setenv("PMSTUDIO_DB", str(tmp_path / "mine.duckdb"))  # the environment wins over the team file
    assert resolve_target() == tmp_path / "mine.duckdb"
    monkeypatch.chdir(tmp_path)
    assert project_dir() is None and "team-terse" not in available_sets()
