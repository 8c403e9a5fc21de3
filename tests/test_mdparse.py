"""Markdown post-mortems in the seed format -> segments and outline, and `lint_markdown` on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pmstudio.lints import lint_markdown
from pmstudio.lints.run import harvest_people
from pmstudio.mdparse import segments_from_markdown
from pmstudio.render import render_markdown
from pmstudio.schema import Evidence, PostMortem
from pmstudio.templates import seed_template

DATA = Path(__file__).parent / "data" / "lints"
SEED = Path("/work/shared/seed")


def _fixture(name: str) -> tuple[PostMortem, list[Evidence], list[str]]:
    raw = json.loads((DATA / f"{name}.json").read_text())
    return (
        PostMortem.model_validate(raw["postmortem"]),
        [Evidence.model_validate(e) for e in raw["evidence"]],
        raw["people"],
    )


def test_rendered_draft_round_trips_into_the_outline() -> None:
    pm, evidence, people = _fixture("authz-memory-leak-2023-11-03")
    segs, doc = segments_from_markdown(render_markdown(pm), seed_template())
    assert doc.title == pm.header.title
    assert doc.present == [s.key for s in seed_template().sections]
    assert doc.empty == []
    assert pm.timeline is not None and len(doc.entries) == len(pm.timeline.entries)
    assert {e.clock for e in doc.entries} == {e.at.hour * 60 + e.at.minute for e in pm.timeline.entries}
    phases = {e.phase for e in doc.entries}
    assert {"detection", "mitigation", "resolution", "communication"} <= phases
    assert pm.actions is not None
    assert [a.title for a in doc.actions] == [
        a.title
        for h in ("immediate", "short_term", "long_term")
        for a in pm.actions.action_items
        if a.horizon == h
    ]
    by_title = {a.title: a for a in doc.actions}
    for item in pm.actions.action_items:
        parsed = by_title[item.title]
        assert parsed.owner == item.owner
        assert parsed.factor_ids == item.factor_ids
        assert parsed.kind == item.kind
        assert (parsed.priority or None) == item.priority
    assert [f.id for f in doc.factors] == ["CF1", "CF2", "CF3"]
    assert doc.duration_text == pm.header.duration
    assert {c.id for c in doc.citations} <= {e.id for e in evidence}
    assert not lint_markdown(render_markdown(pm), people=people, evidence=evidence)
    kinds = {s.kind for s in segs}
    assert {"narrative", "action", "owner", "heading", "other"} <= kinds


def test_two_day_timeline_keeps_dates() -> None:
    pm, evidence, people = _fixture("docs-disk-full-2019-10-21")
    _segs, doc = segments_from_markdown(render_markdown(pm))
    assert doc.entries[0].at is not None and doc.entries[0].at.date().isoformat() == "2019-10-20"
    assert doc.entries[-1].at is not None and doc.entries[-1].at.date().isoformat() == "2019-10-21"
    assert not lint_markdown(render_markdown(pm), people=people, evidence=evidence)


def test_handwritten_blameless_postmortem_is_clean() -> None:
    md = (DATA / "handwritten-good.md").read_text()
    segs, doc = segments_from_markdown(md)
    assert doc.header["author"] == "Lena Novak" and doc.severity == "high"
    assert doc.entries[0].time_text == "2019-10-21 01:38 UTC" and doc.entries[0].phase == "detection"
    assert [e.group for e in doc.entries][-2:] == ["Communication", "Communication"]
    assert doc.actions[1].owner == "Tom Berg" and doc.actions[1].priority == "P1"
    assert doc.actions[0].due == "2019-10-25" and doc.actions[0].kind == "prevent"
    assert len(doc.prevention) == 3
    quotes = [s for s in segs if s.kind == "quote"]
    assert any("human error" in s.text for s in quotes), "the appendix chat must be kept as quoted material"
    assert lint_markdown(md) == []


def test_handwritten_blameful_postmortem_is_flagged() -> None:
    found = lint_markdown((DATA / "handwritten-blameful.md").read_text())
    rules = {(f.rule, f.section) for f in found}
    assert ("B1-person-as-cause", "summary") in rules
    assert ("B1-person-as-cause", "root_cause") in rules
    assert ("B2-human-error", "root_cause") in rules
    assert ("B3-counterfactual", "timeline") in rules
    assert ("B4-behaviour-remediation", "actions") in rules
    assert ("C8-action-owner", "actions") in rules
    b1 = next(f for f in found if f.rule == "B1-person-as-cause" and f.section == "summary")
    assert b1.span == "Tom's upload script broke" and b1.severity == "high"
    assert "The upload script broke the build server" in b1.suggestion
    b3 = next(f for f in found if f.rule == "B3-counterfactual")
    assert b3.severity == "high"
    assert not any("appendix" == f.section for f in found)


def test_people_harvested_from_the_document_make_names_count() -> None:
    md = (
        (DATA / "handwritten-good.md")
        .read_text()
        .replace(
            "A staging directory on the build server grew",
            "Priya's cleanup script broke the build server; a staging directory grew",
        )
    )
    found = lint_markdown(md)
    assert [f.span for f in found if f.rule == "B1-person-as-cause"] == ["Priya's cleanup script broke"]
    # a personal name is a person with or without a people list (--people is only a hint) ...
    assert [f.span for f in lint_markdown(md, people=["Someone Else"]) if f.rule == "B1-person-as-cause"] == [
        "Priya's cleanup script broke"
    ]
    # ... but a possessive change noun + "broke" stays blame only for people: a system's name is not one
    other = md.replace("Priya's cleanup script broke", "Kestrel's cleanup script broke")
    assert not [f for f in lint_markdown(other, people=["Someone Else"]) if f.rule == "B1-person-as-cause"]


def test_speakers_of_quoted_chat_lines_are_harvested_role_words_are_not() -> None:
    md = "# Post-Mortem: X\n\n## Appendix\n\n> 09:41 Zoe: no acks since 6am\n> [09:42] @kim: same here\n> 09:43 engineer: still down\n"
    segments, _ = segments_from_markdown(md, None)
    assert harvest_people(segments) == {"Zoe", "kim"}


def test_blockquotes_code_and_review_notes_are_not_narrative() -> None:
    md = """# Post-Mortem: X

## Executive Summary

The deploy at 02:00 UTC broke checkout for 20 minutes.

> sam: this was human error, dana should have checked
```
dana forgot to renew the cert
```

## Review Notes

- **high** `B1-person-as-cause` in summary: "Sam's deploy broke" - A person is presented as the cause.
"""
    segs, _doc = segments_from_markdown(md)
    assert [s.kind for s in segs if "human error" in s.text or "forgot" in s.text] == ["quote", "quote"]
    blame = [f for f in lint_markdown(md, people=["Sam", "Dana"]) if f.rule.startswith("B")]
    assert blame == []


def test_missing_sections_and_template_residue() -> None:
    md = "# Post-Mortem: [Incident Title]\n\n**Date:** [YYYY-MM-DD]  \n**Author:** [Name]\n\n## Timeline\n\n**[HH:MM]** - [How the issue was first detected]\n"
    found = lint_markdown(md, template=seed_template(), declared=True)
    missing = {f.span for f in found if f.rule == "C1-missing-section"}
    assert {"Executive Summary", "Impact Assessment", "Root Cause Analysis", "Action Items"} <= missing
    residue = {f.span for f in found if f.rule == "C2-template-residue"}
    assert {"[Incident Title]", "[YYYY-MM-DD]", "[Name]", "[How the issue was first detected]"} <= residue


@pytest.mark.skipif(not SEED.exists(), reason="seed template not present")
def test_seed_template_itself_is_all_residue() -> None:
    text = next(SEED.glob("*.txt")).read_text()
    template = text[text.index("# Post-Mortem:") : text.index("# INPUT")]
    found = lint_markdown(template)
    assert sum(f.rule == "C2-template-residue" for f in found) >= 40
    assert not [f for f in found if f.rule == "C1-missing-section" and "missing" in f.message]


def test_odd_input_does_not_raise() -> None:
    for md in (
        "",
        "just one line of text",
        "## Timeline\n\n| 01:38 | alert fired |\n| 01:50 | resolved |\n",
        "```\nunclosed",
    ):
        segs, doc = segments_from_markdown(md)
        assert isinstance(segs, list)
        lint_markdown(md)
    _segs, doc = segments_from_markdown(
        "## Timeline\n\n| 01:38 | alert fired |\n| 01:50 | service restored |\n"
    )
    assert [e.clock for e in doc.entries] == [98, 110] and doc.entries[1].phase == "resolution"


def test_out_of_order_and_duration_mismatch_in_markdown() -> None:
    md = (DATA / "handwritten-good.md").read_text()
    md = md.replace("**Duration:** 37 min (01:38 to 02:15 UTC)", "**Duration:** 52 min (01:38 to 02:15 UTC)")
    md = md.replace("**2019-10-21 02:09 UTC** - docs-web", "**2019-10-21 01:30 UTC** - docs-web")
    rules = {f.rule for f in lint_markdown(md)}
    assert {"C5-duration-mismatch", "C4-timeline-order"} <= rules


def test_check_command_exits_nonzero_on_high_findings(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pmstudio.cli import app

    runner = CliRunner()
    bad = tmp_path / "bad.md"
    bad.write_text((DATA / "handwritten-blameful.md").read_text())
    good = tmp_path / "good.md"
    good.write_text((DATA / "handwritten-good.md").read_text())
    result = runner.invoke(app, ["check", str(bad)])
    assert result.exit_code == 1, result.output
    assert "B1-person-as-cause" in result.output
    assert runner.invoke(app, ["check", str(good)]).exit_code == 0


def test_timeline_line_formats() -> None:
    md = """## Timeline

**01:38** - alert fired
**2019-10-21 01:39 UTC** - on-call engineer paged
- 14:32 investigation started
- Oct 21, 01:45 UTC - Investigating
- 2:32 PM PDT: rolled back
| 01:50 | service restored |
- [2019-10-21 02:00] resolved
Note: the dashboard lagged by a minute.
3 engineers joined the call.
"""
    _segs, doc = segments_from_markdown(md)
    got = [(e.time_text, e.clock, e.phase) for e in doc.entries]
    assert got == [
        ("01:38", 98, "detection"),
        ("2019-10-21 01:39 UTC", 99, "detection"),
        ("14:32", 872, None),
        ("Oct 21, 01:45 UTC", 105, None),
        ("2:32 PM PDT", 21 * 60 + 32, "mitigation"),  # 14:32 PDT = 21:32 UTC
        ("01:50", 110, "resolution"),
        ("2019-10-21 02:00", 120, "resolution"),
    ]
    assert doc.entries[1].at is not None and doc.entries[1].at.isoformat() == "2019-10-21T01:39:00+00:00"


def test_action_item_table() -> None:
    md = """## Action Items

| Action Item | Type | Owner | Bug |
|---|---|---|---|
| Update playbook with instructions for responding to cascading failure | mitigate | jennifer | n/a **DONE** |
| Use flux capacitor to balance load between clusters (P2) | prevent | martym | Bug 5554823 |
| Schedule cascading failure test during next DiRT | process | | Bug 5554824 |
"""
    segs, doc = segments_from_markdown(md)
    assert [(a.owner, a.kind, a.priority) for a in doc.actions] == [
        ("jennifer", "mitigate", ""),
        ("martym", "prevent", "P2"),
        ("", None, ""),
    ]
    assert [s.text for s in segs if s.kind == "owner"] == ["jennifer", "martym"]
    rules = [(f.rule, f.span) for f in lint_markdown(md)]
    assert ("C8-action-owner", "Schedule cascading failure test during next DiRT") in rules
