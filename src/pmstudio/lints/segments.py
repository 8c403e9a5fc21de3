"""Segments: the pieces of text a post-mortem is linted in, each with its section, field and kind.

A segment's kind decides which lints apply: `narrative` gets every blame rule, `action` gets the
behaviour-remediation rule and a softer counterfactual rule ("should" is fine there), `owner` and
`other` are only checked for template residue, `quote` (appendix material, `>` blocks, code) and
`heading` are not narrative. `mask()` blanks literal material inside narrative (code spans, "quoted
text", evidence citations, URLs, redaction placeholders) so spans keep their offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel

from pmstudio.schema import IMPACT_CLAIMS, NOT_STATED, Claim, PostMortem

SegmentKind = Literal["narrative", "action", "owner", "quote", "heading", "other"]


class Segment(BaseModel):
    """One piece of linted text."""

    section: str  # one of schema.SECTION_NAMES, or "header" / "appendix"
    field: str  # e.g. "entries[3].text", "action_items[0].title", "line 42" (Markdown)
    text: str
    kind: SegmentKind


_CODE = re.compile(r"`[^`\n]*`")
_QUOTED = re.compile(r"\"[^\"\n]{1,400}\"|“[^”\n]{1,400}”")
_CITE = re.compile(r"\((?:evidence|source|sources|see)\s*:[^)]*\)", re.I)
_URL = re.compile(r"\b(?:https?://|www\.)\S+")
_REDACTED = re.compile(r"\bREDACTED_[A-Z]+_\d+\b")


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def mask(text: str) -> str:
    """`text` with literal material blanked out (same length, so offsets still point into `text`)."""
    for pattern in (_CODE, _CITE, _URL, _QUOTED, _REDACTED):
        text = pattern.sub(_blank, text)
    return text


_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bvs)(?<!\betc)[.!?;]+(?=\s|$)|\n+")


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text` (split at . ! ? ; and newlines)."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if text[start : m.end()].strip():
            yield start, m.end()
        start = m.end()
    if text[start:].strip():
        yield start, len(text)


def is_empty(text: str) -> bool:
    """True when `text` holds no real content (blank, or only the not-stated marker)."""
    t = text.strip().strip("_*").strip()
    return not t or t == NOT_STATED or t.startswith("This section could not be drafted")


def _claim(out: list[Segment], section: str, field: str, claim: Claim | None, kind: SegmentKind) -> None:
    if claim is not None and claim.text.strip():
        out.append(Segment(section=section, field=f"{field}.text", text=claim.text, kind=kind))


def _claims(out: list[Segment], section: str, field: str, claims: list[Claim], kind: SegmentKind) -> None:
    for i, c in enumerate(claims):
        _claim(out, section, f"{field}[{i}]", c, kind)


def segments_from_postmortem(pm: PostMortem) -> list[Segment]:
    """Every text field of `pm` as a segment, in reading order."""
    out: list[Segment] = []
    h = pm.header
    if pm.summary is None or pm.summary.title.strip() != h.title.strip():
        out.append(Segment(section="header", field="title", text=h.title, kind="narrative"))
    for name in ("date", "incident_id", "duration"):
        out.append(Segment(section="header", field=name, text=str(getattr(h, name)), kind="other"))
    out.append(Segment(section="header", field="author", text=h.author, kind="owner"))
    out.append(Segment(section="header", field="reviewers", text=h.reviewers, kind="owner"))
    if pm.summary is not None:
        out.append(Segment(section="summary", field="title", text=pm.summary.title, kind="narrative"))
        out.append(Segment(section="summary", field="summary", text=pm.summary.summary, kind="narrative"))
    if pm.impact is not None:
        im = pm.impact
        out.append(
            Segment(
                section="impact", field="severity_rationale", text=im.severity_rationale, kind="narrative"
            )
        )
        for name in IMPACT_CLAIMS:
            _claim(out, "impact", name, getattr(im, name), "narrative")
    if pm.timeline is not None:
        for i, e in enumerate(pm.timeline.entries):
            out.append(Segment(section="timeline", field=f"entries[{i}].text", text=e.text, kind="narrative"))
    if pm.root_cause is not None:
        rc = pm.root_cause
        _claim(out, "root_cause", "trigger", rc.trigger, "narrative")
        _claim(out, "root_cause", "primary_root_cause", rc.primary_root_cause, "narrative")
        for i, f in enumerate(rc.contributing_factors):
            out.append(
                Segment(
                    section="root_cause",
                    field=f"contributing_factors[{i}].title",
                    text=f.title,
                    kind="narrative",
                )
            )
            out.append(
                Segment(
                    section="root_cause",
                    field=f"contributing_factors[{i}].description",
                    text=f.description,
                    kind="narrative",
                )
            )
    if pm.lessons is not None:
        for name in ("went_well", "went_poorly", "technical", "process", "monitoring"):
            _claims(out, "lessons", name, getattr(pm.lessons, name), "narrative")
    if pm.actions is not None:
        for i, a in enumerate(pm.actions.action_items):
            out.append(
                Segment(section="actions", field=f"action_items[{i}].title", text=a.title, kind="action")
            )
            out.append(
                Segment(section="actions", field=f"action_items[{i}].owner", text=a.owner, kind="owner")
            )
            if a.due:
                out.append(
                    Segment(section="actions", field=f"action_items[{i}].due", text=a.due, kind="other")
                )
            out.append(
                Segment(section="actions", field=f"action_items[{i}].impact", text=a.impact, kind="action")
            )
        pv = pm.actions.prevention
        for name in ("technical", "process", "monitoring"):
            _claims(out, "actions", f"prevention.{name}", getattr(pv, name), "action")
    if pm.supporting is not None:
        sp = pm.supporting
        for name in ("relevant_metrics", "external_factors", "technical_details"):
            _claims(out, "supporting", name, getattr(sp, name), "narrative")
        _claims(out, "supporting", "references", sp.references, "other")
    return [s for s in out if s.text.strip()]
