"""Assemble section outputs into a `PostMortem` with its header (title, date, severity, duration)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel

from pmstudio.certainty import assess_root_cause
from pmstudio.schema import (
    NOT_STATED,
    ActionsSection,
    Bundle,
    Claim,
    Header,
    ImpactSection,
    LessonsSection,
    PostMortem,
    RootCauseSection,
    SectionFailure,
    SummarySection,
    SupportingSection,
    TimelineSection,
)


def format_minutes(minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if mins or not parts:
        parts.append(f"{mins} min")
    return " ".join(parts)


def duration_text(timeline: TimelineSection | None, impact: ImpactSection | None) -> str:
    if (
        timeline
        and timeline.started_at
        and timeline.resolved_at
        and timeline.resolved_at >= timeline.started_at
    ):
        minutes = round((timeline.resolved_at - timeline.started_at).total_seconds() / 60)
        same_day = timeline.started_at.date() == timeline.resolved_at.date()
        fmt_end = "%H:%M" if same_day else "%Y-%m-%d %H:%M"
        return (
            f"{format_minutes(minutes)} ({timeline.started_at:%Y-%m-%d %H:%M} to "
            f"{timeline.resolved_at.strftime(fmt_end)} UTC)"
        )
    if impact and impact.duration_minutes is not None:
        return format_minutes(impact.duration_minutes)
    return NOT_STATED


def incident_date(timeline: TimelineSection | None, bundle: Bundle) -> str:
    """The UTC date impact started (else detection, else the first timeline entry), all grounded in evidence
    times. Never the earliest evidence time as such: materials often begin days before the incident."""
    candidates: list[datetime | None] = []
    if timeline:
        candidates += [timeline.started_at, timeline.detected_at]
        candidates += [min((e.at for e in timeline.entries), default=None)]
    first = next((c for c in candidates if c is not None), None)
    return first.strftime("%Y-%m-%d") if first else NOT_STATED


def time_reading_claims(bundle: Bundle) -> list[Claim]:
    """One sentence per material: the zone its zone-less times were read in and why (any model)."""
    out: list[Claim] = []
    for r in bundle.time_readings:
        ids = [e.id for e in bundle.evidence if e.material == r.material and e.at is not None][:1]
        if not ids:
            continue
        base = r.reason.split(";")[0].rstrip(".")
        if r.zoned:
            text = f"Times in {r.material} state their own zone or UTC offset and were read as written."
        elif r.shifted_hours:  # no digits: the claim must stay numerically grounded
            text = (
                f"Times in {r.material} without a zone were moved by whole hours to agree with every other "
                f"source that reports the same events (first read from {base})."
            )
        elif any(c.isdigit() for c in r.zone):  # "UTC-07:00" would read as a time: the claim names no offset
            text = f"Times in {r.material} without a zone were read at the UTC offset its other times state: {base}."
        else:
            text = f"Times in {r.material} without a zone were read as {r.zone}: {base}."
        out.append(Claim(text=text[0].upper() + text[1:], evidence=ids))
    return out


def assemble_postmortem(
    bundle: Bundle,
    outputs: Mapping[str, BaseModel],
    *,
    failures: Sequence[SectionFailure] = (),
    model: str,
    prompt_set: str,
) -> PostMortem:
    """The post-mortem from section outputs. The title comes from the bundle (never an agent's free field);
    `failures` gives why each missing (or offline-fallback) section failed."""
    def get(name: str, kind: type[BaseModel]) -> BaseModel | None:
        value = outputs.get(name)
        return value if isinstance(value, kind) else None

    timeline = get("timeline", TimelineSection)
    impact = get("impact", ImpactSection)
    summary = get("summary", SummarySection)
    assert timeline is None or isinstance(timeline, TimelineSection)
    assert impact is None or isinstance(impact, ImpactSection)
    assert summary is None or isinstance(summary, SummarySection)
    title = bundle.title or bundle.id
    notes = []
    if not bundle.has_timestamps:
        notes.append(
            "The materials contain no timestamps, so the timeline and durations could not be established."
        )
    notes += [f"Source times disagree: {c}" for c in bundle.time_conflicts]
    if bundle.redacted and bundle.redaction_count:
        notes.append(
            f"{bundle.redaction_count} secret(s) or personal detail(s) were redacted before drafting."
        )
    header = Header(
        title=title,
        date=incident_date(timeline, bundle),
        incident_id=bundle.id,
        severity=impact.severity if impact else None,
        duration=duration_text(timeline, impact),
        author=f"Postmortem Studio draft ({model}, prompts {prompt_set})",
        reviewers="Pending human review",
    )
    supporting = get("supporting", SupportingSection)
    if isinstance(supporting, SupportingSection) and bundle.time_readings:
        known = {c.text for c in supporting.technical_details}
        extra = [c for c in time_reading_claims(bundle) if c.text not in known]
        supporting = supporting.model_copy(
            update={"technical_details": [*supporting.technical_details, *extra]}
        )
    return PostMortem(
        header=header,
        summary=summary,
        impact=impact,
        timeline=timeline,
        root_cause=assess_root_cause(get("root_cause", RootCauseSection), bundle),  # type: ignore[arg-type]
        lessons=get("lessons", LessonsSection),  # type: ignore[arg-type]
        actions=get("actions", ActionsSection),  # type: ignore[arg-type]
        supporting=supporting,  # type: ignore[arg-type]
        failed_sections=[f.section for f in failures if outputs.get(f.section) is None],
        failures=list(failures),
        notes=notes,
    )
