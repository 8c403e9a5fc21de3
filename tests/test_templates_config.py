"""A team's own template and settings (pyproject.toml / .pmstudio.toml, found like ruff finds its own),
`draft --template`, `check --template`, per-rule select/ignore/severity, and every bad input as exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pmstudio.cli import app
from pmstudio.config import CheckSettings, ConfigError, apply_rules, discover, find_config, load_config
from pmstudio.schema import Finding

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "docsrs-disk-full"
# The team-template round trip drafts a golden case whose offline draft is complete in content (the example's
# offline draft now has one contributing factor, so C7 rightly fires there under every template, seed included)
COMPLETE_CASE = ROOT / "datasets" / "golden" / "fastly-2021-06-08-global-outage.yaml"
runner = CliRunner()

# A team's own layout: its own headings and labels, the same drafted content.
TEAM_TEMPLATE = {
    "name": "acme",
    "source": "ACME reliability team",
    "header": {"title": "Incident review: {title}", "items": [{"label": "When", "path": "header.date"}]},
    "sections": [
        {"key": "tldr", "heading": "TL;DR", "required": True, "schema": "summary", "fields": [{"kind": "prose", "path": "summary"}]},
        {"key": "blast", "heading": "Blast radius", "required": True, "schema": "impact", "lints": ["C6"],
         "fields": [{"kind": "key_value", "items": [{"label": "Who was affected", "path": "impact.users_affected"},
                                                   {"label": "For how long", "path": "impact.duration_of_impact"}]}]},
        {"key": "story", "heading": "What happened when", "required": True, "schema": "timeline", "lints": ["C3", "C4"],
         "fields": [{"kind": "timeline", "path": "timeline"}]},
        {"key": "why", "heading": "Why it happened", "required": True, "schema": "root_cause", "lints": ["C7"],
         "fields": [{"kind": "prose", "path": "root_cause.primary_root_cause"},
                    {"label": "Things that made it worse", "kind": "list", "path": "root_cause.contributing_factors"}]},
        {"key": "todo", "heading": "What we will change", "required": True, "schema": "actions",
         "lints": ["C8", "C9", "C10", "C11"], "fields": [{"kind": "action_items", "path": "actions.action_items"}]},
    ],
}  # fmt: skip


def _team(tmp_path: Path, template: dict | None = None, extra: str = "") -> Path:  # type: ignore[type-arg]
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "acme.yaml").write_text(
        yaml.safe_dump(template or TEAM_TEMPLATE, sort_keys=False)
    )
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "acme-postmortems"\n\n[tool.pmstudio]\ntemplate = "templates/acme.yaml"\n{extra}'
    )
    return tmp_path


def _draft_and_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    work = tmp_path / "reviews" / "2024"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)  # the config is two directories up
    out = work / "review.md"
    drafted = runner.invoke(app, ["draft", str(COMPLETE_CASE), "-q", "--no-store", "--out", str(out)])
    assert drafted.exit_code == 0, drafted.output
    checked = runner.invoke(app, ["check", str(out), "--format", "json"])
    assert checked.exit_code == 0, checked.output
    return out.read_text(), checked.stdout + "\n" + checked.stderr


def test_custom_template_from_team_config_drafts_and_checks_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _team(tmp_path)
    md, report = _draft_and_check(tmp_path, monkeypatch)
    assert md.startswith("# Incident review: ") and "**When:** 2021-06-08" in md
    headings = re.findall(r"^## (.+)$", md, re.M)
    assert headings[:5] == [
        "TL;DR",
        "Blast radius",
        "What happened when",
        "Why it happened",
        "What we will change",
    ]
    assert "## Other notes" in md and "### Technical Lessons" in md  # drafted content without a place
    stdout, stderr = report.split("\n", 1) if report.startswith("[]") else report.rsplit("\n]\n", 1)
    assert f"template acme (declared in {tmp_path / 'pyproject.toml'})" in " ".join(stderr.split())
    found = [
        Finding.model_validate(f) for f in json.loads(stdout if stdout.startswith("[]") else stdout + "\n]")
    ]
    assert [f for f in found if f.rule.startswith("C")] == []


def test_renaming_a_field_is_one_yaml_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    renamed = yaml.safe_load(yaml.safe_dump(TEAM_TEMPLATE))
    renamed["sections"][3]["fields"][1]["label"] = "Contributing conditions"  # the one edit
    _team(tmp_path, renamed)
    md, report = _draft_and_check(tmp_path, monkeypatch)
    assert "### Contributing conditions\n" in md and "Things that made it worse" not in md
    assert '"C7-few-factors"' not in report and '"C1-missing-section"' not in report


def test_discovery_like_ruff(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) is None or not str(find_config(deep)).startswith(str(tmp_path))
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no [tool.pmstudio]: skipped
    assert discover(deep).path is None or not str(discover(deep).path).startswith(str(tmp_path))
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.pmstudio]\ntemplate = "minimal"\n')
    assert find_config(deep) == tmp_path / "a" / "pyproject.toml"
    (deep / ".pmstudio.toml").write_text('template = "pagerduty"\n[check]\nignore = ["C9"]\n')
    config = discover(deep)
    assert config.path == deep / ".pmstudio.toml" and config.settings.check.ignore == ["C9"]
    assert config.template() is not None and config.template().name == "pagerduty"  # type: ignore[union-attr]
    assert config.template("google-sre").name == "google-sre"  # type: ignore[union-attr]  # the flag wins


def _f(rule: str, severity: str = "medium") -> Finding:
    return Finding(rule=rule, severity=severity, section="summary", span="s", message="m")  # type: ignore[arg-type]


def test_select_ignore_and_severity_per_rule() -> None:
    found = [
        _f("B1-person-as-cause", "high"),
        _f("C1-missing-section", "high"),
        _f("C10-action-factor-link"),
        _f("C9-action-due"),
    ]
    rules = lambda fs: [f.rule for f in fs]  # noqa: E731
    assert rules(apply_rules(found, CheckSettings(ignore=["C1"]))) == [
        "B1-person-as-cause",
        "C10-action-factor-link",
        "C9-action-due",
    ]
    assert rules(apply_rules(found, CheckSettings(select=["C"], ignore=["C9"]))) == [
        "C1-missing-section",
        "C10-action-factor-link",
    ]
    assert rules(apply_rules(found, CheckSettings(ignore=["C"], select=["B", "C9-action-due"]))) == [
        "B1-person-as-cause",
        "C9-action-due",
    ]
    lowered = apply_rules(found, CheckSettings(severity={"C1": "low", "B": "medium"}))
    assert [f.severity for f in lowered] == ["medium", "low", "medium", "medium"]


def test_check_config_changes_the_exit_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = tmp_path / "pm.md"
    doc.write_text(
        "# Outage\n\n## Summary\n\nSam broke the deploy.\n\n## Timeline\n\n- 10:00 UTC alert fired\n- 10:30 UTC resolved\n"
    )
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["check", str(doc), "--people", "Sam"]).exit_code == 1
    (tmp_path / ".pmstudio.toml").write_text('[check]\nseverity = { "B1" = "medium" }\n')
    assert runner.invoke(app, ["check", str(doc), "--people", "Sam"]).exit_code == 0
    (tmp_path / ".pmstudio.toml").write_text('template = "minimal"\n')
    result = runner.invoke(app, ["check", str(doc), "--people", "Sam"])
    assert result.exit_code == 1 and 'Section "Action Items" is missing' in " ".join(
        result.output.split()
    )  # declared: high


BAD_CONFIGS = [
    ("pyproject.toml", "[tool.pmstudio\ntemplate = 1\n", "not valid TOML"),
    ("pyproject.toml", '[tool.pmstudio]\ntempalte = "seed"\n', "tool.pmstudio.tempalte: unknown setting"),
    (".pmstudio.toml", '[check]\nseverity = { "C1" = "fatal" }\n', "check.severity.C1: Input should be"),
    (".pmstudio.toml", '[check]\nselect = ["blame please"]\n', "is not a rule selector"),
    (".pmstudio.toml", 'template = "nope"\n', "template: nope: unknown template"),
    (".pmstudio.toml", 'template = "missing.yaml"\n', "missing.yaml: template file not found"),
]


@pytest.mark.parametrize(("name", "text", "needle"), BAD_CONFIGS, ids=[b[2][:24] for b in BAD_CONFIGS])
@pytest.mark.parametrize("command", ["draft", "check"])
def test_malformed_config_is_exit_2_naming_the_file(
    name: str, text: str, needle: str, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.md"
    doc = tmp_path / "pm.md"
    doc.write_text("# x\n\n## Summary\n\nok\n")
    args = ["draft", str(EXAMPLE), "-q", "--out", str(out)] if command == "draft" else ["check", str(doc)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    line = " ".join(result.output.split())
    assert "error:" in line and name in line and needle in line, line
    assert not out.exists() and not (tmp_path / "pmstudio.duckdb").exists()
    with pytest.raises(ConfigError):
        found = discover(tmp_path)
        found.template()


def test_bad_template_flag_is_exit_2_and_nothing_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    raw = yaml.safe_load(yaml.safe_dump(TEAM_TEMPLATE))
    raw["sections"][1]["heading"] = "TL;DR"
    bad.write_text(yaml.safe_dump(raw))
    out = tmp_path / "out.md"
    for flag, needle in ((str(bad), "duplicate heading 'TL;DR'"), ("nope", "nope: unknown template"),
                         (str(tmp_path / "none.yaml"), "template file not found")):  # fmt: skip
        result = runner.invoke(app, ["draft", str(EXAMPLE), "-q", "--template", flag, "--out", str(out)])
        assert result.exit_code == 2 and needle in " ".join(result.output.split()), result.output
        assert not out.exists() and not (tmp_path / "pmstudio.duckdb").exists()
        checked = runner.invoke(app, ["check", str(EXAMPLE / "notes.md"), "--template", flag])
        assert checked.exit_code == 2 and needle in " ".join(checked.output.split()), checked.output


def test_templates_command_lists_name_sections_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["templates"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("seed", "google-sre", "pagerduty", "atlassian", "minimal"):
        assert name in result.output
    assert "Executive Summary*" in result.output and "Site Reliability Engineering" in result.output
    assert load_config  # the loader is public for other commands
