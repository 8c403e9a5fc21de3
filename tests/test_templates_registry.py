"""Templates as data: the registry, validation of bad declarations, the seed layout unchanged, failures shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pmstudio.lints.segments import segments_from_postmortem
from pmstudio.mdparse import segments_from_markdown
from pmstudio.render import render_markdown
from pmstudio.schema import Bundle, Evidence, PostMortem
from pmstudio.templates import (
    DEFAULT_TEMPLATE,
    TemplateError,
    builtin_names,
    load_template,
    norm_heading,
    parse_template,
    seed_template,
)

DATA = Path(__file__).parent / "data"
FIXTURES = sorted((DATA / "lints").glob("*.json"))


def _fixture(path: Path) -> tuple[PostMortem, Bundle]:
    raw = json.loads(path.read_text())
    evidence = [Evidence.model_validate(e) for e in raw["evidence"]]
    return PostMortem.model_validate(raw["postmortem"]), Bundle(id=path.stem, materials=[], evidence=evidence)


def test_registry_lists_builtins_default_first() -> None:
    names = builtin_names()
    assert names[0] == DEFAULT_TEMPLATE == "seed"
    for name in names:
        t = load_template(name)
        assert t.name == name and t.source and t.sections
    assert load_template(None) is load_template("seed")


def test_seed_template_is_the_seed_prompt_layout() -> None:
    t = seed_template()
    assert [s.heading for s in t.sections] == [
        "Executive Summary", "Impact Assessment", "Timeline", "Root Cause Analysis", "Lessons Learned",
        "Action Items", "Prevention Strategies", "Supporting Information", "Appendices",
    ]  # fmt: skip
    assert [s.key for s in t.sections if s.required] == [
        "summary",
        "impact",
        "timeline",
        "root_cause",
        "actions",
    ]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_seed_output_is_byte_identical_to_the_pre_template_renderer(fixture: Path) -> None:
    """tests/data/templates/seed-baseline/*.md were written by the hand-walking renderer before the refactor."""
    pm, bundle = _fixture(fixture)
    expected = (DATA / "templates" / "seed-baseline" / f"{fixture.stem}.md").read_text()
    assert render_markdown(pm, bundle=bundle) == expected
    assert render_markdown(pm, bundle=bundle, template="seed") == expected


def test_every_heading_is_rendered_and_a_failed_section_says_so_with_its_reason() -> None:
    pm, bundle = _fixture(FIXTURES[0])
    failed = pm.model_copy(
        update={"lessons": None, "actions": None, "failed_sections": ["lessons", "actions"]}
    )
    md = render_markdown(failed, bundle=bundle)
    for section in seed_template().sections:
        assert f"## {section.heading}\n" in md
        for field in section.fields:
            if field.label and field.style != "inline":
                assert f"### {field.label}\n" in md, field.label
    assert (
        "## Action Items\n\n_This section could not be drafted (actions failed); see the review notes._" in md
    )
    assert (
        "### What Went Well\n_This section could not be drafted (lessons failed); see the review notes._"
        in md
    )
    assert "## Prevention Strategies\n\n_This section could not be drafted (actions failed)" in md

    from pmstudio.schema import SectionFailure

    reasoned = failed.model_copy(update={"failures": [
        SectionFailure(section="actions", reason="timeout", detail="timed out after 120 s")]})
    md2 = render_markdown(reasoned, bundle=bundle)
    assert "(actions failed: timeout: timed out after 120 s)" in md2
    assert "Section `actions` failed to draft and needs a human. Reason: timeout: timed out after 120 s" in md2


def test_segments_and_reader_follow_the_template() -> None:
    pm, _bundle = _fixture(FIXTURES[0])
    segs = segments_from_postmortem(pm)
    assert {s.section for s in segs} >= {
        "header",
        "summary",
        "impact",
        "timeline",
        "root_cause",
        "lessons",
        "actions",
    }
    assert any(s.field == "severity_rationale" for s in segs), "text the layout does not show is linted too"
    _segs, doc = segments_from_markdown(render_markdown(pm), seed_template())
    assert doc.present == [s.key for s in seed_template().sections] and doc.empty == []


@pytest.mark.parametrize(
    ("heading", "norm"),
    [("1. Timeline (times in BST)", "timeline"), ("2.3 Root Causes:", "root causes"), ("**How'd We Do?**", "how'd we do"),
     ("A. Detailed Logs", "detailed logs"), ("Monitoring & Alerting Lessons", "monitoring and alerting lessons"),
     ("Timeline - all times UTC", "timeline"), ("IMPACT", "impact")],
)  # fmt: skip
def test_headings_match_tolerantly(heading: str, norm: str) -> None:
    assert norm_heading(heading) == norm


BAD = [
    (
        "duplicate heading",
        lambda t: t["sections"][1].update(heading="Executive Summary"),
        "duplicate heading 'Executive Summary'",
    ),
    ("alias clash", lambda t: t["sections"][2]["aliases"].append("summary"), "duplicate heading 'summary'"),
    ("unknown kind", lambda t: t["sections"][0]["fields"][0].update(kind="essay"), "kind: Input should be"),
    (
        "unknown schema type",
        lambda t: t["sections"][0].update(schema="incident"),
        "unknown schema type 'incident'",
    ),
    (
        "unknown path",
        lambda t: t["sections"][0]["fields"][0].update(path="summary.tldr"),
        "unknown schema path 'summary.tldr'",
    ),
    (
        "kind mismatch",
        lambda t: t["sections"][2]["fields"][0].update(kind="prose"),
        "a prose field cannot show 'timeline'",
    ),
    (
        "unknown key",
        lambda t: t["sections"][0].update(colour="red"),
        "colour: Extra inputs are not permitted",
    ),
    ("no sections", lambda t: t.update(sections=[]), "a template needs at least one section"),
    ("reserved heading", lambda t: t["sections"][0].update(heading="Other Notes"), "reserved"),
    ("bad lint id", lambda t: t["sections"][0].update(lints=["timeline please"]), "unknown lint id"),
]


@pytest.mark.parametrize(("case", "mutate", "needle"), BAD, ids=[b[0] for b in BAD])
def test_invalid_template_is_a_one_line_error_naming_the_file(
    case: str, mutate, needle: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(
        (Path(__file__).parents[1] / "src" / "pmstudio" / "data" / "templates" / "seed.yaml").read_text()
    )
    mutate(raw)
    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(TemplateError) as info:
        load_template(str(path))
    message = str(info.value)
    assert message.startswith(f"{path}: ") and needle in message and "\n" not in message, message


def test_unreadable_and_unknown_templates(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"nope: unknown template \(built-ins: seed"):
        load_template("nope")
    with pytest.raises(TemplateError, match="template file not found"):
        load_template(str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsections: [\n")
    with pytest.raises(TemplateError, match=r"bad.yaml: not valid YAML \(line"):
        load_template(str(bad))
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(TemplateError, match="cannot read template"):
        load_template(str(binary))
    with pytest.raises(TemplateError, match="a template is a YAML mapping"):
        parse_template("- just\n- a list\n", "list.yaml")
