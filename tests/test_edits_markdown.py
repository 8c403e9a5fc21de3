"""Sections edited as Markdown in a template's layout (pmstudio.sectionmd): render -> read back gives the same
section for every built-in template; errors name the line in words and change nothing; citations survive a
small edit; a new claim is uncited. The round trip also runs over every golden case's offline draft (slow)."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmstudio.edits import replace_section_markdown
from pmstudio.ingest import load_bundle
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.schema import (
    PHASES,
    SECTION_NAMES,
    Bundle,
    Claim,
    LessonsSection,
    PostMortem,
    TimelineEntry,
    TimelineSection,
)
from pmstudio.sectionmd import blank_section, hidden_paths, layout, read_section, section_markdown
from pmstudio.templates import builtin_names, load_template, seed_template

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "docsrs-disk-full"

CARRIED = {
    "summary": {"title"},
    "impact": {"severity", "severity_rationale", "duration_minutes"},
    "timeline": {"started_at", "detected_at", "mitigated_at", "resolved_at"},
}
"""Fields the seed layout does not show: read back from the section as it was, never from the Markdown."""


def _draft(bundle: Bundle) -> PostMortem:
    record = asyncio.run(draft_postmortem(bundle, model="offline", settings=DraftSettings()))
    assert record.postmortem is not None
    return record.postmortem


@pytest.fixture(scope="module")
def example() -> tuple[PostMortem, Bundle]:
    bundle, _ = load_bundle(EXAMPLE)
    return _draft(bundle), bundle


def _dedup_evidence(value: Any) -> Any:
    """Rendering cites each id once: a claim citing the same id twice reads back citing it once."""
    if isinstance(value, dict):
        return {k: (list(dict.fromkeys(v)) if k == "evidence" else _dedup_evidence(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_dedup_evidence(v) for v in value]
    return value


def _round_trip(pm: PostMortem, bundle: Bundle, template_name: str) -> None:
    """Every line read back (nothing kept as untouched): the same section; and against a section that failed
    (nothing to carry over), the same section but for what the layout does not show (_strip)."""
    tpl = load_template(template_name)
    for name in SECTION_NAMES:
        md = section_markdown(pm, name, tpl, bundle)
        reading = read_section(md, pm, name, tpl, bundle, keep_untouched=False)
        assert reading.ok, (template_name, name, [str(p) for p in reading.problems])
        section = pm.section(name)
        assert section is not None
        assert _dedup_evidence(reading.section) == _dedup_evidence(section.model_dump(mode="json")), (template_name, name)
        assert read_section(md, pm, name, tpl, bundle).section == section.model_dump(mode="json")
        if layout(tpl, name):
            alone = read_section(md, pm.model_copy(update={name: None}), name, tpl, bundle)
            assert alone.ok, (template_name, name, [str(p) for p in alone.problems])
            expected = section.model_dump(mode="json")
            for path in hidden_paths(tpl, name):  # not in this layout: nothing to read them from
                _drop(expected, path.split(".")[1:])
                _drop(alone.section, path.split(".")[1:])
            assert _strip(alone.section, name) == _strip(expected, name), (template_name, name)


def _drop(data: Any, parts: list[str]) -> None:
    for i, part in enumerate(parts[:-1]):
        if part.endswith("[]"):
            for item in data.get(part[:-2], []):
                _drop(item, parts[i + 1 :])
            return
        data = data.get(part, {})
    if parts[-1].endswith("[]"):
        return
    data.pop(parts[-1], None)


@pytest.mark.parametrize("template_name", builtin_names())
def test_render_then_read_gives_the_same_section(example: tuple[PostMortem, Bundle], template_name: str) -> None:
    _round_trip(*example, template_name)


def _strip(value: Any, name: str, hidden: set[str] | None = None) -> Any:
    """What the Markdown alone carries: hidden fields dropped, times to the minute, certainty (derived from
    the evidence) dropped, repeated ids once, lists in a stable order."""
    hidden = CARRIED.get(name, set()) if hidden is None else hidden
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in hidden or k in ("certainty", "sources"):
                continue
            if k == "at":
                v = str(v)[:16]
            if k == "priority" and value.get("due"):
                continue  # "Due: 2024-06-01" leaves no room for the priority
            out[k] = list(dict.fromkeys(v)) if k == "evidence" else _strip(v, name, set())
        return out
    if isinstance(value, list):
        return sorted((_strip(v, name, set()) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def test_the_markdown_alone_carries_everything_but_the_hidden_fields(example: tuple[PostMortem, Bundle]) -> None:
    """Read back against a section that failed (nothing to carry over): only CARRIED fields, seconds and
    the derived certainty differ; text, times, phases, evidence, owners, horizons, kinds, ids all come from the text."""
    pm, bundle = example
    tpl = seed_template()
    for name in SECTION_NAMES:
        md = section_markdown(pm, name, tpl, bundle)
        reading = read_section(md, pm.model_copy(update={name: None}), name, tpl, bundle)
        assert reading.ok, (name, [str(p) for p in reading.problems])
        section = pm.section(name)
        assert section is not None and reading.section is not None
        assert _strip(reading.section, name) == _strip(section.model_dump(mode="json"), name), name
        assert set(hidden_paths(tpl, name)) == {f"{name}.{k}" for k in CARRIED.get(name, set())}, name


@pytest.mark.slow
def test_round_trip_on_every_golden_case_offline_draft(golden_offline_drafts: tuple) -> None:
    assert len(golden_offline_drafts) == len(list((ROOT / "datasets" / "golden").glob("*.yaml")))
    for pm, bundle in golden_offline_drafts:
        for template_name in builtin_names():
            _round_trip(pm, bundle, template_name)


# --------------------------------------------------------------------------- errors in words, with the line


def _lines(md: str) -> list[str]:
    return md.splitlines()


def test_an_action_whose_text_holds_a_bar_round_trips_through_its_table_row(example: tuple[PostMortem, Bundle]) -> None:
    from pmstudio.mdsyntax import table_cells

    assert table_cells("| revert driver \\| mitigate | prevent | ops |") == ["revert driver | mitigate", "prevent", "ops"]
    pm, bundle = example
    assert pm.actions is not None and pm.actions.action_items
    first = pm.actions.action_items[0].model_copy(update={"title": "Add item | type | owner | status to the runbook"})
    items = [first, *pm.actions.action_items[1:]]
    edited = pm.model_copy(update={"actions": pm.actions.model_copy(update={"action_items": items})})
    _round_trip(edited, bundle, "google-sre")  # a table layout: the bar is escaped when written, a bar when read


def test_a_timeline_line_without_a_time_is_refused_with_its_line(example: tuple[PostMortem, Bundle]) -> None:
    pm, bundle = example
    tpl = seed_template()
    lines = _lines(section_markdown(pm, "timeline", tpl, bundle))
    lines.insert(4, "The on-call engineer restarted the web server")
    new, reading = replace_section_markdown(pm, "timeline", "\n".join(lines), tpl, bundle)
    assert new is None and reading.section is None
    assert [str(p) for p in reading.problems] == ["line 5: a timeline entry needs a time like 14:02 or 2024-05-01 14:02"]


@pytest.mark.parametrize(
    ("name", "edit", "message"),
    [
        ("timeline", lambda ls: ls + ["**2019-10-21 05:00 UTC** - Checked (evidence: nowhere.log:9)"],
         "evidence nowhere.log:9 is not in this incident's materials"),
        ("timeline", lambda ls: ls + ["**05:00 UTC** - Checked the disk again"],
         "the timeline spans several days: give the date with the time"),
        ("timeline", lambda ls: ls + ["## Impact Assessment"], "“Impact Assessment” starts another section"),
        ("root_cause", lambda ls: ls + ["### Why it broke", "Because."], "“Why it broke” is not a sub-heading of Root Cause Analysis"),
        ("root_cause", lambda ls: ls[:-1] + ["1. a factor without a title"], "a contributing factor reads"),
        ("actions", lambda ls: [x if x != "_Not stated in the materials._" else "- [ ] **Add a disk alert** - Owner: infra"
                                for x in ls], "say what kind of action it is"),
        ("impact", lambda ls: ls + ["- **Mood:** grim"], "“- **Mood:** grim” is not one of this part's lines"),
        ("summary", lambda ls: ls[:1], "the summary is empty"),
        ("lessons", lambda ls: ["Lessons first", *ls], "text before the section's heading"),
    ],
)
def test_problems_are_said_in_words_with_the_line(
    example: tuple[PostMortem, Bundle], name: str, edit: Any, message: str
) -> None:
    pm, bundle = example
    tpl = seed_template()
    edited = edit(_lines(section_markdown(pm, name, tpl, bundle)))
    new, reading = replace_section_markdown(pm, name, "\n".join(edited), tpl, bundle)
    assert new is None
    problems = [str(p) for p in reading.problems]
    assert any(message in p for p in problems), problems
    for p in problems:
        m = re.match(r"line (\d+): ", p)
        assert m is not None, p
        n = int(m.group(1))
        assert 1 <= n <= len(edited)


# --------------------------------------------------------------------------- citations across an edit


def test_a_small_edit_keeps_its_citations_and_a_new_claim_is_uncited(example: tuple[PostMortem, Bundle]) -> None:
    pm, bundle = example
    tpl = seed_template()
    assert pm.timeline is not None
    lines = _lines(section_markdown(pm, "timeline", tpl, bundle))
    i = next(i for i, line in enumerate(lines) if "(evidence:" in line)
    cited = re.search(r"\(evidence: ([^)]*)\)", lines[i])
    assert cited is not None
    lines[i] = re.sub(r"\s*\(evidence:[^)]*\)", "", lines[i]).rstrip() + " (edited)"
    lines.append("**2019-10-21 19:40 UTC** - Resolved: the team wrote the post-mortem")
    new, reading = replace_section_markdown(pm, "timeline", "\n".join(lines), tpl, bundle)
    assert new is not None and new.timeline is not None, [str(p) for p in reading.problems]
    edited = next(e for e in new.timeline.entries if e.text.endswith("(edited)"))
    assert edited.evidence == [x.strip() for x in cited.group(1).split(",")]
    assert any(n.line == i + 1 and "kept the citations" in n.message for n in reading.notes)
    added = next(e for e in new.timeline.entries if "wrote the post-mortem" in e.text)
    assert added.evidence == [] and added.phase == "resolution"  # "Resolved:" says it under Communication
    assert added.text == "the team wrote the post-mortem"
    assert added.at == datetime(2019, 10, 21, 19, 40, tzinfo=UTC)
    assert reading.uncited == [len(lines)]
    assert len(new.timeline.entries) == len(pm.timeline.entries) + 1


def test_a_new_action_item_takes_its_horizon_from_its_group(example: tuple[PostMortem, Bundle]) -> None:
    pm, bundle = example
    tpl = seed_template()
    md = section_markdown(pm, "actions", tpl, bundle).replace(
        "### Long-term (1-6 months)\n_Not stated in the materials._",
        "### Long-term (1-6 months)\n- [ ] **Add a disk alert** - Owner: infra - Due: 2019-11-01\n"
        "  - *Impact:* Pages before the disk fills (detect). Addresses CF1.",
    )
    new, reading = replace_section_markdown(pm, "actions", md, tpl, bundle)
    assert new is not None and new.actions is not None, [str(p) for p in reading.problems]
    added = new.actions.action_items[-1]
    assert (added.title, added.owner, added.due, added.horizon, added.kind, added.factor_ids, added.impact) == (
        "Add a disk alert", "infra", "2019-11-01", "long_term", "detect", ["CF1"], "Pages before the disk fills")
    assert added.evidence == [] and added.priority is None


def test_evidence_none_removes_citations_on_purpose(example: tuple[PostMortem, Bundle]) -> None:
    pm, bundle = example
    tpl = seed_template()
    md = section_markdown(pm, "summary", tpl, bundle)
    new, _ = replace_section_markdown(pm, "summary", re.sub(r"\(evidence:[^)]*\)", "(evidence: none)", md), tpl, bundle)
    assert new is not None and new.summary is not None and new.summary.evidence == []


def test_a_failed_section_is_written_from_a_blank_skeleton(example: tuple[PostMortem, Bundle]) -> None:
    pm, bundle = example
    failed = pm.model_copy(update={"lessons": None, "failed_sections": ["lessons"]})
    tpl = seed_template()
    md = section_markdown(failed, "lessons", tpl, bundle)
    assert "### Technical Lessons" in md and "Not stated in the materials." in md
    md = md.replace("### Technical Lessons\n- Not stated in the materials.", "### Technical Lessons\n- Disks fill up quietly (evidence: notes.md:4)")
    new, reading = replace_section_markdown(failed, "lessons", md, tpl, bundle)
    assert new is not None, [str(p) for p in reading.problems]
    assert new.lessons is not None and new.lessons.technical == [Claim(text="Disks fill up quietly", evidence=["notes.md:4"])]
    assert "lessons" not in new.failed_sections
    assert blank_section(failed, "impact").model_dump()["severity"] == (pm.header.severity or "medium")


def test_layout_shows_each_path_once() -> None:
    for name in builtin_names():
        tpl = load_template(name)
        for section in SECTION_NAMES:
            paths = [p for _s, fs in layout(tpl, section) for f in fs if f.kind != "key_value" for p in f.paths]
            assert len(paths) == len(set(paths)), (name, section, paths)


# --------------------------------------------------------------------------- property: generated sections

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'", min_size=1, max_size=12)
_TEXT = st.lists(_WORD, min_size=1, max_size=12).map(" ".join).filter(lambda t: not t[0].isdigit())
_IDS = st.lists(st.sampled_from(["chat.txt:1", "chat.txt:7", "web.log:12", "pagerduty.json:3"]), max_size=3, unique=True)
_BASE = datetime(2024, 5, 1, tzinfo=UTC)


@st.composite
def _timelines(draw: st.DrawFn) -> TimelineSection:
    days = draw(st.integers(min_value=0, max_value=1))
    entries = [
        TimelineEntry(
            at=_BASE + timedelta(minutes=draw(st.integers(min_value=0, max_value=1439 + 1440 * days))),
            phase=draw(st.sampled_from(PHASES)),
            text=draw(_TEXT),
            evidence=draw(_IDS),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=8)))
    ]
    return TimelineSection(entries=sorted(entries, key=lambda e: e.at))


def _pm(example: tuple[PostMortem, Bundle], **sections: Any) -> PostMortem:
    """The example with generated sections; the header's date is the first entry's day, as drafts have it (a
    one-day timeline shows bare times, read back on that day)."""
    tl = sections.get("timeline")
    day = min(e.at for e in tl.entries).date().isoformat() if tl is not None and tl.entries else "2024-05-01"
    return example[0].model_copy(update={"header": example[0].header.model_copy(update={"date": day}), **sections})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(timeline=_timelines(), template_name=st.sampled_from(builtin_names()))
def test_generated_timelines_read_back_from_their_markdown_alone(
    example: tuple[PostMortem, Bundle], timeline: TimelineSection, template_name: str
) -> None:
    tpl = load_template(template_name)
    pm = _pm(example, timeline=timeline)
    md = section_markdown(pm, "timeline", tpl)
    reading = read_section(md, pm.model_copy(update={"timeline": None}), "timeline", tpl)
    assert reading.ok, [str(p) for p in reading.problems]
    assert _strip(reading.section, "timeline") == _strip(timeline.model_dump(mode="json"), "timeline")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(claims=st.lists(st.builds(Claim, text=_TEXT, evidence=_IDS), max_size=5), which=st.sampled_from(["went_well", "technical", "process"]))
def test_generated_lessons_read_back_from_their_markdown_alone(
    example: tuple[PostMortem, Bundle], claims: list[Claim], which: str
) -> None:
    tpl = seed_template()
    lessons = LessonsSection(**{which: claims})
    pm = _pm(example, lessons=lessons)
    md = section_markdown(pm, "lessons", tpl)
    reading = read_section(md, pm.model_copy(update={"lessons": None}), "lessons", tpl)
    assert reading.ok, [str(p) for p in reading.problems]
    assert reading.section == lessons.model_dump(mode="json")


def test_a_part_left_untouched_is_kept_even_when_the_reader_cannot_read_it(example: tuple[PostMortem, Bundle]) -> None:
    """A model's claim with Markdown and line breaks inside (the hostile fake writes such) does not block an
    edit elsewhere in the section: it is kept exactly; touching it says what is wrong, with the line."""
    pm, bundle = example
    assert pm.lessons is not None
    odd = Claim(text="fine\n## Injected heading\n<script>alert(1)</script> **bold", evidence=["notes.md:4", "nowhere:1"])
    # no technical lessons drafted (whatever the drafter finds), so the edit below has an empty part to fill
    hostile = pm.model_copy(update={"lessons": pm.lessons.model_copy(update={"went_well": [odd], "technical": []})})
    tpl = seed_template()
    md = section_markdown(hostile, "lessons", tpl, bundle)
    edited = md.replace("### Technical Lessons\n- Not stated in the materials.", "### Technical Lessons\n- Disks fill up quietly")
    assert edited != md
    new, reading = replace_section_markdown(hostile, "lessons", edited, tpl, bundle)
    assert new is not None and new.lessons is not None, [str(p) for p in reading.problems]
    assert new.lessons.went_well == [odd]
    assert [c.text for c in new.lessons.technical] == ["Disks fill up quietly"]
    touched = edited.replace("<script>alert(1)</script> **bold", "<script>alert(2)</script> **bold")
    new, reading = replace_section_markdown(hostile, "lessons", touched, tpl, bundle)
    assert new is None
    heading = touched.splitlines().index("## Injected heading") + 1
    assert [str(p) for p in reading.problems] == [
        f"line {heading + 1}: this text is under “Injected heading” (line {heading}), which is not a heading of this section"]


def test_a_contributing_factor_title_with_asterisks_reads_back_whole() -> None:
    """A factor titled "Rotating certs for *.example.io" renders its asterisks escaped in the bold label, and the
    reader reads the title back as it was."""
    from pmstudio.mdparse import strip_label
    from pmstudio.mdsyntax import bold_label

    line = f"1. **{bold_label('Rotating certs for *.example.io and *.example.com')} (CF2):** Rotating certs."
    label, text = strip_label(line)
    assert label == "Rotating certs for *.example.io and *.example.com (CF2)" and text == "Rotating certs."
