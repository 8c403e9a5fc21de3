"""What a metric scores: a draft, its golden case and the bundle's evidence, as one `EvalContext`.

`make_test_case` packs them into a deepeval `LLMTestCase`: ``input`` is the evidence as text (what a
judge reads as the incident bundle), ``actual_output`` the rendered Markdown draft,
``expected_output`` the golden facts as text, and ``metadata`` the structured draft, case and
evidence as JSON-able dicts. `context_of` turns a test case back into an `EvalContext` (parsed once
per test case; derived views such as lint segments and the evidence index are computed lazily).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from deepeval.test_case import LLMTestCase

from pmstudio.evals.metrics.times import TimeIndex
from pmstudio.golden import GoldenCase, KeyEvent
from pmstudio.lints.actors import people_from_evidence
from pmstudio.lints.grounding import EvidenceIndex
from pmstudio.lints.outline import Outline, outline_from_postmortem
from pmstudio.lints.segments import Segment, segments_from_postmortem
from pmstudio.render import render_markdown
from pmstudio.schema import Bundle, Evidence, PostMortem, TimelineEntry
from pmstudio.timeparse import zone

MATCH_TOLERANCE = timedelta(minutes=2)
"""Draft time vs golden time (milestones, key events): ±2 min, or the same day for date-only facts."""
_CACHE: OrderedDict[str, EvalContext] = OrderedDict()
_CACHE_SIZE = 32


@dataclass
class EvalContext:
    pm: PostMortem
    case: GoldenCase
    evidence: list[Evidence]
    people: list[str] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def tz(self) -> ZoneInfo:
        return zone(self.case.timezone)

    @cached_property
    def segments(self) -> list[Segment]:
        return segments_from_postmortem(self.pm)

    @cached_property
    def outline(self) -> Outline:
        return outline_from_postmortem(self.pm, self.segments)

    @cached_property
    def evidence_index(self) -> EvidenceIndex:
        return EvidenceIndex(self.evidence)

    @cached_property
    def time_index(self) -> TimeIndex:
        return TimeIndex(self.evidence, self.tz)

    @cached_property
    def markdown(self) -> str:
        return render_markdown(self.pm)

    @cached_property
    def all_people(self) -> set[str]:
        """Golden `people` plus the bundle's people and person-like evidence actors."""
        return {p for p in [*self.case.expected.people, *self.people] if p.strip()} | people_from_evidence(
            self.evidence
        )

    @property
    def entries(self) -> list[TimelineEntry]:
        return list(self.pm.timeline.entries) if self.pm.timeline is not None else []

    @cached_property
    def evidence_texts(self) -> list[str]:
        return [e.text for e in self.evidence]

    def same_time(self, draft: datetime | None, expected: datetime, *, date_only: bool = False) -> bool:
        """Whether a draft time matches a golden time (±2 min; same UTC or local day when date-only)."""
        if draft is None:
            return False
        if date_only:
            day = expected.date()
            return draft.date() == day or draft.astimezone(self.tz).date() == day
        return abs(draft - expected) <= MATCH_TOLERANCE

    def key_event_time_ok(self, draft: datetime, event: KeyEvent) -> bool:
        if event.at is None:  # the source gives no time for it: any entry time will do, the text must match
            return True
        return self.same_time(draft, event.at, date_only=event.date_only)


def _evidence_text(bundle: Bundle) -> str:
    lines = []
    for e in bundle.evidence:
        at = e.at.strftime("%Y-%m-%d %H:%M:%S UTC") if e.at else "(no time)"
        who = f" {e.actor}:" if e.actor else ""
        repeat = f" (x{e.count})" if e.count > 1 else ""
        lines.append(f"[{e.id}] {at}{who} {e.text}{repeat}")
    return "\n".join(lines)


def expected_text(case: GoldenCase) -> str:
    """The golden facts as plain text (what a judge reads as the expected output)."""
    ex = case.expected

    def fmt(value: datetime | None) -> str:
        return f"{value:%Y-%m-%d %H:%M} UTC" if value else "not stated"

    lines = [
        f"Severity: {ex.severity or 'not stated'}",
        f"Impact started: {fmt(ex.started_at)}; detected: {fmt(ex.detected_at)}; "
        f"mitigated: {fmt(ex.mitigated_at)}; resolved: {fmt(ex.resolved_at)}",
        f"Duration: {ex.duration_minutes} minutes" if ex.duration_minutes is not None else "Duration: not stated",
        f"Impact: {ex.impact or 'not stated'}",
        f"Trigger: {ex.trigger or 'not stated'}",
        f"Root cause: {ex.root_cause or 'not stated'}",
        "Contributing factors:",
        *[f"- {f}" for f in ex.contributing_factors],
        "Key events:",
        *[f"- {f'{k.at:%Y-%m-%d %H:%M} UTC' if k.at else '(time not given)'} [{k.phase}] {k.what}"
          for k in ex.key_events],
    ]
    if ex.action_items:
        lines += ["Action items:", *[f"- {a}" for a in ex.action_items]]
    return "\n".join(lines)


def _key(test_case: LLMTestCase) -> str:
    return str(test_case._identifier or id(test_case))


def _remember(key: str, ctx: EvalContext) -> None:
    _CACHE[key] = ctx
    _CACHE.move_to_end(key)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


def make_test_case(pm: PostMortem, case: GoldenCase, bundle: Bundle) -> LLMTestCase:
    """The deepeval test case every metric (deterministic or judge) measures."""
    metadata: dict[str, Any] = {
        "postmortem": pm.model_dump(mode="json"),
        "case": case.model_dump(mode="json"),
        "evidence": [e.model_dump(mode="json") for e in bundle.evidence],
        "people": list(bundle.people),
    }
    tc = LLMTestCase(
        input=_evidence_text(bundle),
        actual_output=render_markdown(pm),
        expected_output=expected_text(case),
        metadata=metadata,
        name=case.id,
    )
    _remember(_key(tc), EvalContext(pm=pm, case=case, evidence=list(bundle.evidence), people=list(bundle.people)))
    return tc


def context_of(test_case: LLMTestCase) -> EvalContext:
    """The `EvalContext` of a test case built by `make_test_case` (or any with the same metadata)."""
    key = _key(test_case)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    meta = test_case.metadata or {}
    missing = [k for k in ("postmortem", "case", "evidence") if k not in meta]
    if missing:
        raise ValueError(f"test case {test_case.name or '?'}: metadata lacks {', '.join(missing)} (use make_test_case)")
    ctx = EvalContext(
        pm=PostMortem.model_validate(meta["postmortem"]),
        case=GoldenCase.model_validate(meta["case"]),
        evidence=[Evidence.model_validate(e) for e in meta["evidence"]],
        people=list(meta.get("people") or []),
    )
    _remember(key, ctx)
    return ctx
