"""The Executive Summary: a title and two or three sentences (impact, duration, primary cause, fix).

Built from the other sections when the task carries them as context (so the summary agrees with
them), else from the offline drafts of those sections. Every sentence reuses a cited claim, or
states milestone times and the computed duration, citing the milestone evidence.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pmstudio.offline.analysis import Analysis
from pmstudio.offline.causes import draft_root_cause
from pmstudio.offline.impact import draft_impact
from pmstudio.offline.phrasing import blameless, sentence, shorten
from pmstudio.offline.timeline import draft_timeline
from pmstudio.schema import NOT_STATED

PART_LIMIT = 200


def _dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _ids_at(timeline: dict[str, Any], at: datetime | None) -> list[str]:
    if at is None:
        return []
    for entry in timeline.get("entries", []):
        if _dt(entry.get("at")) == at:
            return [e for e in entry.get("evidence", []) if isinstance(e, str)][:1]
    return []


def _claim_text(claim: Any) -> str:
    if isinstance(claim, dict):
        text = str(claim.get("text", "")).strip()
        return "" if not text or text == NOT_STATED else text
    return ""


def _claim_ids(claim: Any) -> list[str]:
    if isinstance(claim, dict):
        return [e for e in claim.get("evidence", []) if isinstance(e, str)]
    return []


def _title(a: Analysis, impact: dict[str, Any], root: dict[str, Any]) -> str:
    if a.title and a.title.strip():
        title = blameless(a.people.anonymise(a.title.strip()), strict=False)
        if title:
            return title
    for text in (_claim_text(impact.get("functional_impact")), _claim_text(root.get("trigger"))):
        if text:
            words = text.rstrip(".").split()
            return " ".join(words[:12])
    return f"Incident {a.incident_id}" if a.incident_id else "Incident"


def draft_summary(a: Analysis, context: dict[str, Any]) -> dict[str, Any]:
    """A SummarySection as a dict (title + 2-3 sentences, with the evidence they rest on)."""
    timeline = context.get("timeline") if isinstance(context.get("timeline"), dict) else None
    impact = context.get("impact") if isinstance(context.get("impact"), dict) else None
    root = context.get("root_cause") if isinstance(context.get("root_cause"), dict) else None
    timeline = timeline or draft_timeline(a)
    impact = impact or draft_impact(a)
    root = root or draft_root_cause(a)
    parts: list[str] = []
    ids: list[str] = []

    users, functional = impact.get("users_affected"), impact.get("functional_impact")
    counted = _claim_text(users) if any(c.isdigit() for c in _claim_text(users)) else ""
    what, source = (counted, users) if counted else (_claim_text(functional) or _claim_text(users), functional)
    if what:
        parts.append(sentence("Impact: " + shorten(what, PART_LIMIT)))
        ids += _claim_ids(source) or _claim_ids(users)
    start, end = _dt(timeline.get("started_at")), _dt(timeline.get("resolved_at"))
    bounds = (_ids_at(timeline, start), _ids_at(timeline, end)) if start and end else ([], [])
    if start and end and end >= start and all(bounds):
        # the duration is stated only when both of its times are cited, and it is computed from them
        minutes = int((end - start).total_seconds() / 60 + 0.5)  # half-minutes round up
        fmt_end = "%H:%M" if start.date() == end.date() else "%Y-%m-%d %H:%M"
        parts.append(f"It lasted about {minutes} minutes, from {start:%Y-%m-%d %H:%M} to {end.strftime(fmt_end)} UTC.")
        ids += bounds[0] + bounds[1]
    elif not timeline.get("entries"):
        parts.append("The materials contain no timestamps, so the timeline and duration could not be established.")
    cause = _claim_text(root.get("primary_root_cause"))
    if cause:
        parts.append(sentence("Primary cause: " + shorten(cause, PART_LIMIT)))
        ids += _claim_ids(root.get("primary_root_cause"))
    else:
        trigger = _claim_text(root.get("trigger"))
        if trigger:
            parts.append(sentence(shorten(trigger, PART_LIMIT)))
            ids += _claim_ids(root.get("trigger"))
    if not parts:
        parts.append(NOT_STATED)
    return {
        "title": _title(a, impact, root),
        "summary": " ".join(parts),
        "evidence": list(dict.fromkeys(ids)),
    }
