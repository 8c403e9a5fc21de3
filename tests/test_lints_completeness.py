"""Completeness lints (C1-C11) on drafts and outlines."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from pmstudio.lints import lint_postmortem
from pmstudio.lints.completeness import has_magnitude, residue_findings
from pmstudio.lints.segments import Segment
from pmstudio.schema import NOT_STATED, Evidence, Finding, PostMortem

DATA = Path(__file__).parent / "data" / "lints"


def load(name: str = "checkout-pool-2024-05-01") -> tuple[PostMortem, list[Evidence], list[str]]:
    raw = json.loads((DATA / f"{name}.json").read_text())
    return (
        PostMortem.model_validate(raw["postmortem"]),
        [Evidence.model_validate(e) for e in raw["evidence"]],
        raw["people"],
    )


def run(pm: PostMortem, evidence: list[Evidence] | None = None) -> list[Finding]:
    return lint_postmortem(pm, people=[], evidence=evidence)


def only(found: list[Finding], prefix: str) -> list[Finding]:
    return [f for f in found if f.rule.startswith(prefix)]


def test_good_draft_is_complete() -> None:
    pm, evidence, _people = load()
    assert [f for f in run(pm, evidence) if f.rule.startswith("C")] == []


@pytest.mark.parametrize(
    ("section", "severity"),
    [("summary", "high"), ("impact", "high"), ("timeline", "high"), ("root_cause", "high"), ("actions", "high"),
     ("lessons", "medium"), ("supporting", "low")],
)  # fmt: skip
def test_missing_section(section: str, severity: str) -> None:
    pm, _e, _p = load()
    setattr(pm, section, None)
    c1 = only(run(pm), "C1")
    assert [(f.section, f.severity) for f in c1] == [(section, severity)]
    assert "missing" in c1[0].message


def test_section_without_real_content() -> None:
    pm, _e, _p = load()
    assert pm.lessons is not None
    for name in ("went_well", "went_poorly", "technical", "process", "monitoring"):
        for claim in getattr(pm.lessons, name):
            claim.text = NOT_STATED
    c1 = only(run(pm), "C1")
    assert [(f.section, f.severity) for f in c1] == [("lessons", "low")]
    assert "no real content" in c1[0].message


def test_empty_timeline_is_fine_when_materials_have_no_times() -> None:
    pm, evidence, _p = load()
    assert pm.timeline is not None
    pm.timeline.entries = []
    pm.timeline.started_at = pm.timeline.detected_at = pm.timeline.mitigated_at = pm.timeline.resolved_at = (
        None
    )
    untimed = [e.model_copy(update={"at": None}) for e in evidence]
    found = run(pm, untimed)
    assert only(found, "C1") == [] and only(found, "C3") == []
    found = run(pm, evidence)
    assert {f.rule for f in found} >= {"C1-missing-section", "C3-timeline-milestones"}


@pytest.mark.parametrize(
    ("text", "residue"),
    [
        ("Owner: [Name]", "[Name]"),
        ("Impact: TBD", "TBD"),
        ("Detected at XX:XX", "XX:XX"),
        ("Service <service name> failed", "<service name>"),
        ("Hello {{ team }}", "{{ team }}"),
        ("TODO: describe", "TODO"),
        ("[How the issue was first detected]", "[How the issue was first detected]"),
        ("See (insert link here)", "insert link here"),
        ("Root cause: ______", "______"),
    ],
)
def test_template_residue(text: str, residue: str) -> None:
    found = residue_findings([Segment(section="summary", field="f", text=text, kind="narrative")])
    assert [f.span for f in found] == [residue]
    assert found[0].severity == "high"


@pytest.mark.parametrize(
    "text",
    [
        "The reporter's address REDACTED_EMAIL_1 was removed before drafting.",
        "pagerbot posted [TRIGGERED] checkout-api error rate > 5%.",
        "See the [runbook](https://wiki.example.org/runbook) and the [dashboard][1].",
        "Line one<br>line two, <details>more</details>.",
        "The INSERT statements into orders were retried.",
        "Mail <oncall@example.org> or open <https://status.example.org>.",
        "The cache is a Map<String> keyed by user id; latency stayed <200ms.",
        'The chat said "who pushed this??" and `{{template}}` was literal.',
    ],
)
def test_not_residue(text: str) -> None:
    assert residue_findings([Segment(section="summary", field="f", text=text, kind="narrative")]) == []


def test_residue_quoted_from_the_materials_is_not_flagged() -> None:
    seg = Segment(
        section="timeline", field="f", text="The leaked value <leaked token> was revoked.", kind="narrative"
    )
    assert residue_findings([seg], evidence_text="") != []
    assert residue_findings([seg], evidence_text="chat: revoke <leaked token> now") == []


def test_timeline_needs_detection_and_resolution() -> None:
    pm, _e, _p = load()
    assert pm.timeline is not None
    pm.timeline.entries = [e for e in pm.timeline.entries if e.phase != "detection"]
    pm.timeline.detected_at = None
    assert [f.span for f in only(run(pm), "C3")] == ["Detection"]
    pm, _e, _p = load()
    assert pm.timeline is not None
    pm.timeline.entries = [e for e in pm.timeline.entries if e.phase not in ("mitigation", "resolution")]
    pm.timeline.mitigated_at = pm.timeline.resolved_at = None
    assert [f.span for f in only(run(pm), "C3")] == ["Resolution"]


def test_chronology() -> None:
    pm, _e, _p = load()
    assert (
        pm.timeline is not None and pm.timeline.resolved_at is not None and pm.timeline.started_at is not None
    )
    pm.timeline.started_at = pm.timeline.resolved_at + timedelta(minutes=5)
    assert any(f.severity == "high" and "started_at" in f.span for f in only(run(pm), "C4"))
    pm, _e, _p = load()
    assert pm.timeline is not None and pm.timeline.resolved_at is not None
    detection = next(e for e in pm.timeline.entries if e.phase == "detection")
    detection.at = pm.timeline.resolved_at + timedelta(minutes=30)
    c4 = only(run(pm), "C4")
    assert len(c4) == 1 and c4[0].severity == "medium" and "detection" in c4[0].message


def test_duration_must_match_the_timeline() -> None:
    pm, _e, _p = load()
    assert pm.impact is not None
    pm.impact.duration_minutes = 25
    assert [f.section for f in only(run(pm), "C5")] == ["impact"]
    pm.impact.duration_minutes = 21  # within one minute
    assert only(run(pm), "C5") == []
    pm.header.duration = "35 min (2024-05-01 02:00 to 02:35 UTC)"
    assert len(only(run(pm), "C5")) == 1
    pm, _e, _p = load()
    assert pm.impact is not None
    pm.impact.duration_of_impact.text = "About 2 hours."
    assert [f.span for f in only(run(pm), "C5")] == ["2 hours"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("About 1,900 checkout attempts failed.", True),
        ("The error rate peaked at 38%.", True),
        ("All users in the EU region saw errors.", True),
        ("3 of 12 regions were affected.", True),
        ("Refunds cost $4,000.", True),
        ("Checkout was slow for a while.", False),
        ("Some customers saw errors.", False),
        ("It lasted 20 minutes.", False),
    ],
)
def test_magnitude(text: str, expected: bool) -> None:
    assert has_magnitude(text) is expected


def test_impact_without_magnitude_and_few_factors() -> None:
    pm, _e, _p = load()
    assert pm.impact is not None and pm.root_cause is not None
    pm.impact.users_affected.text = "Some customers."
    pm.impact.functional_impact.text = "Checkout was slow."
    pm.impact.geographic_scope.text = "Europe."
    pm.impact.severity_rationale = "Checkout was degraded."
    pm.root_cause.contributing_factors = pm.root_cause.contributing_factors[:1]
    assert pm.actions is not None
    for a in pm.actions.action_items:
        a.factor_ids = ["CF1"]
    found = run(pm)
    assert {f.rule for f in found} == {"C6-impact-magnitude", "C7-few-factors"}


def test_action_item_hygiene() -> None:
    pm, _e, _p = load()
    assert pm.actions is not None
    a0, a1, a2, a3 = pm.actions.action_items
    a0.owner = "Unassigned"
    a1.due, a1.priority = None, None
    a2.factor_ids = []
    a3.factor_ids = ["CF9"]
    found = run(pm)
    assert [(f.rule, f.span) for f in only(found, "C8")] == [("C8-action-owner", a0.title)]
    assert [(f.rule, f.span) for f in only(found, "C9")] == [("C9-action-due", a1.title)]
    c10 = only(found, "C10")
    assert [f.span for f in c10] == [a2.title, a3.title]
    assert "CF9" in c10[1].message


def test_prevention_required() -> None:
    pm, _e, _p = load()
    assert pm.actions is not None
    pm.actions.prevention.technical = pm.actions.prevention.process = pm.actions.prevention.monitoring = []
    assert only(run(pm), "C11") == [], "prevent-kind action items count as prevention"
    for a in pm.actions.action_items:
        a.kind = "detect"
    c11 = only(run(pm), "C11")
    assert len(c11) == 1 and c11[0].section == "actions"
