"""`pmstudio check` formats (text, json, sarif, github) and its exit policy on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pmstudio.cli import app

runner = CliRunner()
CORPUS = Path(__file__).resolve().parents[1] / "datasets" / "check" / "dev"
BLAMEFUL = CORPUS / "d16-bold-times-region.md"
BLAMELESS = CORPUS / "d02-wiki-namespace-config.md"


def test_blameless_passes_blameful_fails_with_lines() -> None:
    ok = runner.invoke(app, ["check", str(BLAMELESS)])
    assert ok.exit_code == 0, ok.stdout
    bad = runner.invoke(app, ["check", str(BLAMEFUL), str(BLAMELESS)])
    assert bad.exit_code == 1
    assert f"{BLAMEFUL}:21:" in bad.stdout and "B9-rhetorical-blame" in bad.stdout
    assert bad.stdout.strip().splitlines()[-1].endswith("in 2 files; 1 failing")


def test_json_rows_carry_file_line_and_fails() -> None:
    res = runner.invoke(app, ["check", str(BLAMEFUL), "--format", "json"])
    rows = json.loads(res.stdout)
    b9 = next(r for r in rows if r["rule"].startswith("B9"))
    assert b9["path"] == str(BLAMEFUL) and b9["line"] == 21 and b9["fails"] is True
    assert all(not r["fails"] for r in rows if r["rule"].startswith("C1"))


def test_sarif_2_1_0() -> None:
    res = runner.invoke(app, ["check", str(BLAMEFUL), "--format", "sarif"])
    assert res.exit_code == 1
    sarif = json.loads(res.stdout)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    run = sarif["runs"][0]
    ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    for result in run["results"]:
        assert result["ruleId"] in ids
        assert result["level"] in ("error", "warning", "note")
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == str(BLAMEFUL)
    errors = [r for r in run["results"] if r["level"] == "error"]
    assert {r["ruleId"] for r in errors} == {"B3-counterfactual", "B9-rhetorical-blame"}


def test_github_annotations() -> None:
    res = runner.invoke(app, ["check", str(BLAMEFUL), "--format", "github"])
    lines = res.stdout.splitlines()
    assert any(line.startswith(f"::error file={BLAMEFUL},line=21,col=") for line in lines)
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert all("\n" not in line for line in lines)


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["check", str(BLAMELESS), "--format", "xml"])
    assert res.exit_code == 2 and "unknown format" in res.output
    empty = tmp_path / "e.md"
    empty.write_text("  \n")
    res = runner.invoke(app, ["check", str(empty)])
    assert res.exit_code == 2 and "file is empty" in res.output
    res = runner.invoke(app, ["check", str(tmp_path / "missing.md")])
    assert res.exit_code == 2 and "cannot read" in res.output
