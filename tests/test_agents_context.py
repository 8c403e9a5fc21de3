"""What a section agent is given of the sections it follows (agents.sections.context_of): the summary a
digest, every other the whole section; the offline drafter reads a digest like the whole section."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pmstudio.agents.messages import parse_prompt, render_evidence, render_task
from pmstudio.agents.sections import CONTEXT_OF, context_of, digest_type
from pmstudio.ingest import load_bundle
from pmstudio.offline.draft import draft_section
from pmstudio.schema import SECTION_TYPES, ImpactSection, RootCauseSection, TimelineSection

EXAMPLE = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "docsrs-disk-full"


def _drafted() -> tuple[Any, dict[str, Any]]:
    """The example bundle and its offline sections (models), as the orchestrator holds them."""
    b, _ = load_bundle(EXAMPLE)
    evidence = render_evidence(b)
    outputs = {}
    for name in ("timeline", "impact", "root_cause"):
        data = draft_section(parse_prompt(evidence + render_task(name)))
        outputs[name] = SECTION_TYPES[name].model_validate(data)
    return b, outputs


def test_the_summary_is_given_a_digest_and_actions_the_whole_root_cause() -> None:
    _, outputs = _drafted()
    tl = outputs["timeline"]
    assert isinstance(tl, TimelineSection) and tl.started_at and tl.resolved_at
    extra = tl.entries[0].model_copy(update={"at": datetime(2000, 1, 1, tzinfo=UTC), "text": "not a milestone"})
    outputs["timeline"] = tl.model_copy(update={"entries": [*tl.entries, extra]})
    root = outputs["root_cause"]
    assert isinstance(root, RootCauseSection) and root.contributing_factors

    summary = context_of("summary", outputs)
    assert set(summary) == set(CONTEXT_OF["summary"])
    milestones = {t for t in (tl.started_at, tl.detected_at, tl.mitigated_at, tl.resolved_at) if t}
    kept = [e["text"] for e in summary["timeline"]["entries"]]
    assert kept == [e.text for e in tl.entries if e.at in milestones] and "not a milestone" not in kept
    assert summary["timeline"]["started_at"] and summary["timeline"]["resolved_at"]
    assert set(summary["root_cause"]) == {"trigger", "primary_root_cause"}
    assert "users_affected" in summary["impact"] and "severity" in summary["impact"]
    assert not {"severity_rationale", "customer_communications", "reputation_impact"} & set(summary["impact"])
    for name, value in summary.items():  # each digest is valid for its own model
        digest_type("summary", name).model_validate(value)

    actions = context_of("actions", outputs)
    assert set(actions) == {"root_cause"}
    assert RootCauseSection.model_validate(actions["root_cause"]) == root  # the whole section: defaults fill in
    assert context_of("timeline", outputs) == {}
    assert digest_type("actions", "root_cause") is RootCauseSection
    assert digest_type("summary", "impact") is not ImpactSection


def test_the_offline_summary_is_the_same_from_the_digest_as_from_the_whole_sections() -> None:
    b, outputs = _drafted()
    whole = {n: v.model_dump(mode="json") for n, v in outputs.items()}
    evidence = render_evidence(b)
    from_whole = draft_section(parse_prompt(evidence + render_task("summary", context=whole)))
    from_digest = draft_section(parse_prompt(evidence + render_task("summary", context=context_of("summary", outputs))))
    assert from_digest == from_whole
    assert from_digest["summary"].strip()


def test_context_json_is_one_line_with_text_as_written() -> None:
    """Text keeps its characters ('…' is one token, its escape several), except those str.splitlines()
    would break the line at; the offline model parses it back to the same data."""
    value = {"impact": {"text": "p99 up … 3×, café\u2028next\x85line\u2029end\x0b\x1c\x0c\r\nlast"}}
    task = render_task("summary", context=value)
    line = next(x for x in task.splitlines() if x.startswith("{"))
    assert "…" in line and "×" in line and "é" in line and "\\u2028" in line and "\\u0085" in line
    assert parse_prompt(task).context == value


def test_the_critic_task_carries_the_draft_without_defaults_on_one_line() -> None:
    from pmstudio.agents.messages import REVIEW_HEADER, render_review_task
    from pmstudio.critic import review
    from pmstudio.orchestrator import DraftSettings, draft_sync
    from pmstudio.testing.hostile import draft_in

    b, _ = load_bundle(EXAMPLE)
    pm = draft_sync(b, settings=DraftSettings(max_revisions=0)).postmortem
    assert pm is not None
    lint = review(pm, b)
    task = render_review_task("Review the draft.", pm, lint)
    head, _, body = task.partition(f"{REVIEW_HEADER} (JSON)\n")
    assert head.startswith("# TASK\nsection: critic\n") and "Review the draft." in head
    assert len(body.splitlines()) == 1 and "null" not in body
    draft = draft_in([task])
    assert draft is not None and type(pm).model_validate(draft) == pm  # defaults fill in again
