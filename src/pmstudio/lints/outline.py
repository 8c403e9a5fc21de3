"""The checkable outline of a post-mortem: parts present, timeline, factors, action items, citations.

Completeness and grounding lints read an `Outline`, so the same checks run on a structured
`PostMortem` (`outline_from_postmortem`) and on a hand-written Markdown file (`pmstudio.mdparse`
builds a `MarkdownDoc`, which is an `Outline`). Parts are the template's H2 sections, named after
the schema's sections, with `prevention` separate (the template gives it its own heading).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from pmstudio.lints.segments import Segment, is_empty, segments_from_postmortem
from pmstudio.schema import PostMortem

PARTS: tuple[str, ...] = (
    "summary",
    "impact",
    "timeline",
    "root_cause",
    "lessons",
    "actions",
    "prevention",
    "supporting",
)


def part_section(part: str) -> str:
    """The schema section a part's findings belong to (prevention is drafted by the actions agent)."""
    return "actions" if part == "prevention" else part


class OutlineEntry(BaseModel):
    field: str
    time_text: str
    at: datetime | None = Field(default=None, description="UTC; None when only a clock time is known")
    clock: int | None = Field(default=None, description="minutes after midnight UTC")
    phase: str | None = None
    group: str = ""
    text: str = ""
    evidence: list[str] = Field(default_factory=list)


class OutlineFactor(BaseModel):
    field: str
    id: str | None = None
    title: str = ""
    text: str = ""


class OutlineAction(BaseModel):
    field: str
    title: str = ""
    owner: str = ""
    due: str = ""
    priority: str = ""
    kind: str | None = None
    impact: str = ""
    factor_ids: list[str] = Field(default_factory=list)


class Citation(BaseModel):
    section: str
    field: str
    id: str


class Milestone(BaseModel):
    name: str
    at: datetime


class Outline(BaseModel):
    present: list[str] = Field(default_factory=list, description="parts found")
    empty: list[str] = Field(default_factory=list, description="parts found without real content")
    severity: str | None = None
    duration_text: str = ""
    impact_minutes: int | None = None
    impact_duration_text: str = ""
    milestones: list[Milestone] = Field(default_factory=list)
    entries: list[OutlineEntry] = Field(default_factory=list)
    impact_text: str = ""
    factors: list[OutlineFactor] = Field(default_factory=list)
    factor_ids_used: bool = True
    actions: list[OutlineAction] = Field(default_factory=list)
    prevention: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    structured: bool = Field(default=True, description="built from a PostMortem (exact phases and ids)")


def _empty_parts(segments: list[Segment], present: list[str]) -> list[str]:
    out = []
    for part in present:
        if part == "prevention":
            continue
        texts = [s.text for s in segments if s.section == part and s.kind in ("narrative", "action")]
        if not texts or all(is_empty(t) for t in texts):
            out.append(part)
    return out


def outline_from_postmortem(pm: PostMortem, segments: list[Segment] | None = None) -> Outline:
    segments = segments if segments is not None else segments_from_postmortem(pm)
    present = [p for p in PARTS if p != "prevention" and pm.section(p) is not None]
    if pm.actions is not None:
        present.insert(present.index("actions") + 1, "prevention")
    out = Outline(present=present, empty=_empty_parts(segments, present), duration_text=pm.header.duration)
    out.severity = pm.header.severity
    cites: list[Citation] = []
    if pm.summary is not None:
        cites += [Citation(section="summary", field="evidence", id=i) for i in pm.summary.evidence]
    if pm.impact is not None:
        im = pm.impact
        out.severity = im.severity
        out.impact_minutes = im.duration_minutes
        out.impact_duration_text = im.duration_of_impact.text
        claims = [
            im.users_affected,
            im.functional_impact,
            im.revenue_impact,
            im.sla_impact,
            im.geographic_scope,
        ]
        out.impact_text = " ".join([im.severity_rationale, *(c.text for c in claims)])
        for name in ("users_affected", "duration_of_impact", "geographic_scope", "functional_impact", "revenue_impact",
                     "sla_impact", "customer_communications", "reputation_impact"):  # fmt: skip
            cites += [Citation(section="impact", field=name, id=i) for i in getattr(im, name).evidence]
    if pm.timeline is not None:
        tl = pm.timeline
        for name in ("started_at", "detected_at", "mitigated_at", "resolved_at"):
            value = getattr(tl, name)
            if value is not None:
                out.milestones.append(Milestone(name=name, at=value))
        for i, e in enumerate(tl.entries):
            out.entries.append(
                OutlineEntry(
                    field=f"entries[{i}]",
                    time_text=e.at.strftime("%Y-%m-%d %H:%M UTC"),
                    at=e.at,
                    clock=e.at.hour * 60 + e.at.minute,
                    phase=e.phase,
                    text=e.text,
                    evidence=list(e.evidence),
                )
            )
            cites += [Citation(section="timeline", field=f"entries[{i}]", id=x) for x in e.evidence]
    if pm.root_cause is not None:
        rc = pm.root_cause
        cites += [Citation(section="root_cause", field="trigger", id=i) for i in rc.trigger.evidence]
        cites += [
            Citation(section="root_cause", field="primary_root_cause", id=i)
            for i in rc.primary_root_cause.evidence
        ]
        for i, f in enumerate(rc.contributing_factors):
            out.factors.append(
                OutlineFactor(field=f"contributing_factors[{i}]", id=f.id, title=f.title, text=f.description)
            )
            cites += [
                Citation(section="root_cause", field=f"contributing_factors[{i}]", id=x) for x in f.evidence
            ]
    if pm.lessons is not None:
        for name in ("went_well", "went_poorly", "technical", "process", "monitoring"):
            for c in getattr(pm.lessons, name):
                cites += [Citation(section="lessons", field=name, id=x) for x in c.evidence]
    if pm.actions is not None:
        for i, a in enumerate(pm.actions.action_items):
            out.actions.append(
                OutlineAction(
                    field=f"action_items[{i}]",
                    title=a.title,
                    owner=a.owner,
                    due=a.due or "",
                    priority=a.priority or "",
                    kind=a.kind,
                    impact=a.impact,
                    factor_ids=list(a.factor_ids),
                )
            )
            cites += [Citation(section="actions", field=f"action_items[{i}]", id=x) for x in a.evidence]
        pv = pm.actions.prevention
        for name in ("technical", "process", "monitoring"):
            for c in getattr(pv, name):
                if not is_empty(c.text):
                    out.prevention.append(c.text)
                cites += [Citation(section="actions", field=f"prevention.{name}", id=x) for x in c.evidence]
    if pm.supporting is not None:
        sp = pm.supporting
        for name in ("relevant_metrics", "external_factors", "references", "technical_details"):
            for c in getattr(sp, name):
                cites += [Citation(section="supporting", field=name, id=x) for x in c.evidence]
        cites += [Citation(section="supporting", field="detailed_logs", id=x) for x in sp.detailed_logs]
        cites += [
            Citation(section="supporting", field="communication_records", id=x)
            for x in sp.communication_records
        ]
    out.citations = cites
    return out
