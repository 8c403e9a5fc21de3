"""Output for people and scripts: tables fit 80 columns without cells cut below 8 characters, `--json` on
every listing, NO_COLOR, one-line errors; `pmstudio runs list | show | export` over stored drafts and evals."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pmstudio.cli import app
from pmstudio.tables import MIN_CELL, Column, fit_columns

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "docsrs-disk-full"
CASE = "docsrs-2019-10-21-disk-full"
runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def table_cells(text: str) -> list[list[str]]:
    """The cell texts of every body line of a rich table (between the │ borders)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("│") and line.endswith("│"):
            rows.append(line[1:-1].split("│"))
    return rows


def assert_fits(text: str, values: list[list[str]], width: int = 80) -> None:
    """Every line fits `width`; every column is at least min(8, longest value) wide inside its padding."""
    assert all(len(line) <= width for line in text.splitlines()), text
    header = next(line for line in text.splitlines() if line.startswith("┃"))
    headers = [h.strip() for h in header[1:-1].split("┃")]
    cells = table_cells(text)
    assert cells, text
    col_widths = [len(c) - 2 for c in cells[0]]  # one space of padding each side
    assert len(col_widths) == len(headers)
    for i, w in enumerate(col_widths):
        longest = max((len(v[i]) for v in values if i < len(v)), default=1)
        assert w >= min(MIN_CELL, longest), f"column {headers[i]!r} cut to {w} characters:\n{text}"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One draft run and one eval run (one golden case), shared by the module's tests."""
    db = tmp_path_factory.mktemp("runs") / "runs.duckdb"
    env = {**os.environ, "PMSTUDIO_DB": str(db)}
    r = runner.invoke(app, ["draft", str(EXAMPLE), "--db", str(db), "--quiet"], env=env)
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["eval", "--cases", CASE, "--prompts", "default", "--db", str(db), "--quiet"], env=env)
    assert r.exit_code == 0, r.output
    return db


def test_models_at_80_columns_keeps_every_cell_readable() -> None:
    result = runner.invoke(app, ["models"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    rows = json.loads(runner.invoke(app, ["models", "--json"], env={"COLUMNS": "80"}).stdout)
    header = next(line for line in result.stdout.splitlines() if line.startswith("┃"))
    shown = [h.strip() for h in header[1:-1].split("┃")]
    assert {"kind", "ready", "note"} <= set(shown)
    key = {"kind": "kind", "ready": "configured", "note": "note", "key variable": "key_env", "conc.": "max_concurrency",
           "base URL": "base_url", "example": "example"}
    from pmstudio.tables import cell_text

    values = [[cell_text(r[key[h]]) for h in shown] for r in rows]
    assert_fits(result.stdout, values)
    assert "hidden at 80 columns" in result.stdout  # what was dropped is named
    assert len(rows) == 4 and {"kind", "configured", "key_env", "base_url", "max_concurrency"} <= set(rows[0])


def test_runs_list_at_80_columns(store: Path) -> None:
    result = runner.invoke(app, ["runs", "list", "--db", str(store)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    runs = json.loads(runner.invoke(app, ["runs", "list", "--db", str(store), "--json"]).stdout)
    assert [r["kind"] for r in runs] == ["eval", "draft"]
    values = [[r["run_id"][-10:], "2026-01-01 00:00", r["kind"], r["status"], r["models"], r["prompt_sets"]] for r in runs]
    assert_fits(result.stdout, values)
    for r in runs:
        assert r["run_id"][-10:] in result.stdout


def test_fit_never_squeezes_below_min_cell_and_falls_back_to_blocks() -> None:
    rows = [{"a": "x" * 30, "b": "y" * 30, "c": "z" * 30}]
    cols = [Column(key="a"), Column(key="b"), Column(key="c", priority=1)]
    kept, widths = fit_columns(rows, cols, 30) or ([], [])
    assert [c.key for c in kept] == ["a", "b"] and min(widths) >= MIN_CELL
    assert fit_columns(rows, cols, 15) is None  # two essential columns cannot fit: vertical layout
    result = runner.invoke(app, ["models"], env={"COLUMNS": "24"})
    assert result.exit_code == 0 and "│" not in result.stdout and "openai-compatible" in result.stdout
    assert all(len(line) <= 24 for line in result.stdout.splitlines())


def test_json_on_every_listing(store: Path) -> None:
    for argv in (["prompts", "--json"], ["models", "--json"], ["runs", "list", "--json", "--db", str(store)]):
        result = runner.invoke(app, argv)
        assert result.exit_code == 0, (argv, result.output)
        data = json.loads(result.stdout)
        assert isinstance(data, list) and data, argv


def test_runs_filters(store: Path) -> None:
    def ids(*args: str) -> list[str]:
        result = runner.invoke(app, ["runs", "list", "--json", "--db", str(store), *args])
        assert result.exit_code == 0, result.output
        return [r["kind"] for r in json.loads(result.stdout)]

    assert ids("--kind", "draft") == ["draft"]
    assert ids("--model", "offline", "--prompts", "default") == ["eval", "draft"]
    assert ids("--model", "openai:gpt-5.2") == []
    assert ids("--status", "ok") == ["eval", "draft"] and ids("--status", "failed") == []
    assert ids("--since", "2000-01-01", "--until", "2999-12-31") == ["eval", "draft"]
    assert ids("--until", "2000-01-01") == []
    bad = runner.invoke(app, ["runs", "list", "--since", "yesterday", "--db", str(store)])
    assert bad.exit_code == 2 and bad.output.count("\n") == 1 and "YYYY-MM-DD" in bad.output


def test_runs_show_prints_the_postmortem_and_findings(store: Path) -> None:
    runs = json.loads(runner.invoke(app, ["runs", "list", "--json", "--db", str(store)]).stdout)
    draft_run = next(r for r in runs if r["kind"] == "draft")
    result = runner.invoke(app, ["runs", "show", draft_run["run_id"][-10:], "--db", str(store)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Post-Mortem:") and "## Timeline" in result.stdout
    assert "findings (" in result.stdout
    shown = json.loads(runner.invoke(app, ["runs", "show", draft_run["run_id"], "--json", "--db", str(store)]).stdout)
    assert shown["drafts"][0]["markdown"].startswith("# Post-Mortem:")
    eval_run = next(r for r in runs if r["kind"] == "eval")
    result = runner.invoke(app, ["runs", "show", eval_run["run_id"], "--db", str(store)], env={"COLUMNS": "80"})
    assert result.exit_code == 0 and CASE[:20] in result.stdout
    missing = runner.invoke(app, ["runs", "show", "ZZZZZZZZ", "--db", str(store)])
    assert missing.exit_code == 2 and "no run or draft" in missing.output


def test_runs_export_has_drafts_findings_cells_and_scores(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    result = runner.invoke(app, ["runs", "export", "--db", str(store), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert {r["kind"] for r in data} == {"draft", "eval"}
    ev = next(r for r in data if r["kind"] == "eval")
    assert len(ev["cells"]) == 1 and len(ev["scores"]) >= 10 and ev["drafts"][0]["postmortem"]["header"]
    assert all("findings" in d for r in data for d in r["drafts"])


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pmstudio", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_missing_prompt_file_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    proc = _cli("prompts", env={"PMSTUDIO_PROMPTS_DIR": str(tmp_path / "none")})
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "prompt-set file not found" in proc.stderr
    assert "Traceback" not in proc.stderr and "╭" not in proc.stderr


def test_no_color_is_respected(tmp_path: Path) -> None:
    env = {"NO_COLOR": "1", "FORCE_COLOR": "", "TERM": "xterm-256color", "PMSTUDIO_PROMPTS_DIR": str(tmp_path)}
    proc = _cli("prompts", env=env)
    assert proc.returncode == 2 and not ANSI.search(proc.stderr)
    colored = _cli("prompts", env={**env, "NO_COLOR": "", "FORCE_COLOR": "1"})
    assert ANSI.search(colored.stderr)  # the same error is coloured when colour is allowed


def test_version() -> None:
    from pmstudio import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith(f"pmstudio {__version__}")


def test_writing_to_dev_null_leaves_the_device_alone(tmp_path: Path) -> None:
    """`--out /dev/null` must not rename a temp file over the device node (it did: /dev/null became a file)."""
    from pmstudio.cliio import write_atomic

    fifo = tmp_path / "fifo-like"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    write_atomic(fifo, "through the pipe\n")
    assert reader.communicate(timeout=10)[0] == "through the pipe\n"
    assert fifo.exists() and not fifo.is_file()  # still a FIFO, not replaced by a regular file
    write_atomic(Path(os.devnull), "discarded\n")
    assert not Path(os.devnull).is_file()
