"""The Executive Summary: a title and three to five composed sentences (what happened, impact with a
magnitude, duration, primary cause, what was done).

Built from the other sections when the task carries them as context (so the summary agrees with
them), else from the offline drafts of those sections. Every sentence reuses a cited claim, or
states milestone times and the computed duration, citing the milestone evidence.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pmstudio.offline.analysis import Analysis
from pmstudio.offline.causes import draft_root_cause
from pmstudio.offline.impact import draft_impact
from pmstudio.offline.phrasing import blameless, sentence, shorten, split_sentences
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


def _ids_at(timeline: dict[str, Any], at: datetime | None, *, timed: bool = False) -> list[str]:
    """The evidence of the entry at ``at`` (with ``timed``, only an entry that states a time of day)."""
    if at is None:
        return []
    for entry in timeline.get("entries", []):
        if _dt(entry.get("at")) == at and not (timed and entry.get("date_only")):
            return [e for e in entry.get("evidence", []) if isinstance(e, str)][:1]
    return []


def _first(text: str) -> str:
    """The first sentence of a claim (a summary sentence carries one fact)."""
    parts = split_sentences(text)
    return parts[0].rstrip(".") if parts else text


def _entry_text(timeline: dict[str, Any], at: datetime | None) -> tuple[str, list[str]] | None:
    if at is None:
        return None
    for entry in timeline.get("entries", []):
        if _dt(entry.get("at")) == at and entry.get("text"):
            text = re.sub(r"^(?:Mitigation|Impact began|Resolved|Recovered)\s*:\s*", "", str(entry["text"]))
            return text, [e for e in entry.get("evidence", []) if isinstance(e, str)][:1]
    return None


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


_NOUN_START = re.compile(r"^(?:the|a|an|its|their|our|this|that|one|two|\w+s?'s?)\s", re.I)
_FINITE = re.compile(r"\b(?:is|was|were|are|had|has|have|did|does|could|would|caused|made|ran|went|filled|broke)\b", re.I)


def _cause_sentence(cause: str) -> str:
    """'The primary cause was the staging folder …' for a noun phrase, '… was that the regex backtracked' for a clause."""
    text = cause.rstrip(".")
    if _NOUN_START.match(text) and not _FINITE.search(text):
        return f"The primary cause was {text[0].lower()}{text[1:]}"
    return f"The primary cause was that {text[0].lower() if text[:2] != text[:2].upper() else text[0]}{text[1:]}"


_ROLE_START = re.compile(r"^(?:a|an|the) (?:responder|on-call engineer|engineer|operator|team|maintainer|admin\w*)\b", re.I)


def _done_sentence(done: str) -> str:
    """What was done, told as an act: 'To restore service, a responder restarted the web server.'"""
    text = done.rstrip(".")
    if _ROLE_START.match(text):
        return f"To restore service, {text[0].lower()}{text[1:]}"
    return f"To restore service: {text[0].lower() if text[:2] != text[:2].upper() else text[0]}{text[1:]}"


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

    # 3-5 composed sentences: what happened, impact with a magnitude, duration, cause, what was done
    title = _title(a, impact, root)
    start, end = _dt(timeline.get("started_at")), _dt(timeline.get("resolved_at"))
    when = f" on {start:%Y-%m-%d}" if start and _ids_at(timeline, start) else ""
    happened, happened_ids = title, []
    numbers = re.findall(r"\d+", title)
    holders = {n: next((i.id for i in a.items if re.search(rf"(?<![\d.]){n}(?![\d.]\d)", i.text)), None) for n in numbers}
    grounded = list(dict.fromkeys(v for v in holders.values() if v))
    if numbers and not all(holders.values()):
        # a given title's numbers are not evidence: say what happened from a cited claim
        for claim in (root.get("trigger"), impact.get("functional_impact")):
            if _claim_text(claim):
                happened, happened_ids = _first(_claim_text(claim)), _claim_ids(claim)
                break
        else:
            happened = ""
    elif numbers:
        happened_ids = grounded
    if happened:
        parts.append(sentence(f"The incident{when.replace(' on ', ' of ')}: {shorten(happened.rstrip('.'), PART_LIMIT)}"))
        ids += happened_ids + (_ids_at(timeline, start) if when else [])
    users, functional = impact.get("users_affected"), impact.get("functional_impact")
    candidates = [(_claim_text(c), c) for c in (users, functional, impact.get("sla_impact"))]
    counted = next(((t, c) for t, c in candidates if t and any(ch.isdigit() for ch in _first(t))), None)
    what, source = counted or next(((t, c) for t, c in candidates if t), ("", None))
    if what:
        parts.append(sentence("Impact: " + shorten(_first(what), PART_LIMIT)))
        ids += _claim_ids(source)
    bounds = (_ids_at(timeline, start, timed=True), _ids_at(timeline, end, timed=True)) if start and end else ([], [])
    if start and end and end >= start and all(bounds):
        # the duration is stated only when both of its times are cited, and it is computed from them
        minutes = int((end - start).total_seconds() / 60 + 0.5)  # half-minutes round up
        fmt_end = "%H:%M" if start.date() == end.date() else "%Y-%m-%d %H:%M"
        parts.append(
            f"The impact lasted about {minutes} minutes, from {start:%Y-%m-%d %H:%M} to {end.strftime(fmt_end)} UTC."
        )
        ids += bounds[0] + bounds[1]
    elif not timeline.get("entries"):
        parts.append("The materials contain no timestamps, so the timeline and duration could not be established.")
    cause = _claim_text(root.get("primary_root_cause"))
    trigger = _claim_text(root.get("trigger"))
    if cause:
        parts.append(sentence(_cause_sentence(shorten(_first(cause), PART_LIMIT))))
        ids += _claim_ids(root.get("primary_root_cause"))
    elif trigger:
        parts.append(sentence("Trigger: " + shorten(_first(trigger), PART_LIMIT)))
        ids += _claim_ids(root.get("trigger"))
    done = _entry_text(timeline, _dt(timeline.get("mitigated_at")))
    if done:
        parts.append(sentence(_done_sentence(shorten(_first(done[0]), PART_LIMIT))))
        ids += done[1]
    if not parts:
        parts.append(NOT_STATED)
    return {
        "title": _title(a, impact, root),
        "summary": " ".join(parts),
        "evidence": list(dict.fromkeys(ids)),
    }
