"""The checkable outline of a post-mortem: sections present, timeline, factors, action items, citations.

Completeness and grounding lints read an `Outline`, so the same checks run on a structured
`PostMortem` (`outline_from_postmortem`) and on a hand-written Markdown file (`pmstudio.mdparse`
builds a `MarkdownDoc`, which is an `Outline`). `present` and `empty` hold the keys of a template's
sections (`pmstudio.templates`); `roles` the schema sections whose content was found, which decide
the content rules (a timeline needs detection, action items need owners...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from pmstudio.lints.segments import Segment, field_segments, is_empty, relative, segments_from_postmortem
from pmstudio.schema import ActionItem, Claim, ContributingFactor, PostMortem, SummarySection, TimelineSection
from pmstudio.templates import Template, get_value, path_root, seed_template


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
    done: bool = Field(default=False, description="marked done ([x], Done, struck through)")
    tracker: str = Field(default="", description="tracker reference (URL, #123, ABC-123) that holds owner and date")


class Citation(BaseModel):
    section: str
    field: str
    id: str


class Milestone(BaseModel):
    name: str
    at: datetime


class Outline(BaseModel):
    present: list[str] = Field(default_factory=list, description="template sections found (keys)")
    empty: list[str] = Field(default_factory=list, description="template sections found without real content")
    roles: list[str] = Field(default_factory=list, description="schema sections whose content was found")
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


def _cites(out: list[Citation], root: str, rel: str, value: Any) -> None:
    if isinstance(value, SummarySection):
        out += [Citation(section=root, field="evidence", id=i) for i in value.evidence]
    elif isinstance(value, Claim):
        out += [Citation(section=root, field=rel, id=i) for i in value.evidence]
    elif isinstance(value, TimelineSection):
        for n, e in enumerate(value.entries):
            out += [Citation(section=root, field=f"entries[{n}]", id=x) for x in e.evidence]
    elif isinstance(value, list):
        for n, item in enumerate(value):
            if isinstance(item, str):
                out.append(Citation(section=root, field=rel, id=item))
            elif isinstance(item, Claim):
                out += [Citation(section=root, field=rel, id=x) for x in item.evidence]
            elif isinstance(item, ContributingFactor | ActionItem):
                out += [Citation(section=root, field=f"{rel}[{n}]", id=x) for x in item.evidence]


def outline_from_postmortem(
    pm: PostMortem, segments: list[Segment] | None = None, template: Template | None = None
) -> Outline:
    """The outline of a drafted post-mortem, its sections judged against `template` (default: seed)."""
    segments = segments if segments is not None else segments_from_postmortem(pm)
    tpl = template or seed_template()
    present = [s.key for s in tpl.sections if pm.section(s.schema_name) is not None]
    empty = []
    for s in tpl.sections:
        if s.key in present:
            texts = [g.text for f in s.fields for g in field_segments(pm, f) if g.kind in ("narrative", "action")]
            if not texts or all(is_empty(t) for t in texts):
                empty.append(s.key)
    roles = [name for name in PostMortem.model_fields if isinstance(getattr(pm, name), BaseModel) and name != "header"]
    out = Outline(present=present, empty=empty, roles=roles, duration_text=pm.header.duration)
    out.severity = pm.header.severity
    cites: list[Citation] = []
    for _section, field in seed_template().fields():
        for path in field.paths:
            root, rel = path_root(path), relative(path)
            value = get_value(pm, path)
            if value is None or pm.section(root) is None:
                continue
            _cites(cites, root, rel, value)
            if field.kind == "timeline":
                for i, e in enumerate(value.entries):
                    out.entries.append(
                        OutlineEntry(field=f"entries[{i}]", time_text=e.at.strftime("%Y-%m-%d %H:%M UTC"), at=e.at,
                                     clock=e.at.hour * 60 + e.at.minute, phase=e.phase, text=e.text, evidence=list(e.evidence))
                    )  # fmt: skip
            elif field.kind == "action_items":
                for i, a in enumerate(value):
                    out.actions.append(
                        OutlineAction(field=f"{rel}[{i}]", title=a.title, owner=a.owner, due=a.due or "",
                                      priority=a.priority or "", kind=a.kind, impact=a.impact, factor_ids=list(a.factor_ids))
                    )  # fmt: skip
            elif field.role == "factors":
                out.factors += [
                    OutlineFactor(field=f"{rel}[{i}]", id=f.id, title=f.title, text=f.description) for i, f in enumerate(value)
                ]
            elif field.role == "prevention":
                out.prevention += [c.text for c in value if not is_empty(c.text)]
    if pm.impact is not None:
        im = pm.impact
        out.severity = im.severity
        out.impact_minutes = im.duration_minutes
        out.impact_duration_text = im.duration_of_impact.text
        claims = [im.users_affected, im.functional_impact, im.revenue_impact, im.sla_impact, im.geographic_scope]
        out.impact_text = " ".join([im.severity_rationale, *(c.text for c in claims)])
    if pm.timeline is not None:
        tl = pm.timeline
        for name in ("started_at", "detected_at", "mitigated_at", "resolved_at"):
            value = getattr(tl, name)
            if value is not None:
                out.milestones.append(Milestone(name=name, at=value))
    out.citations = cites
    return out
