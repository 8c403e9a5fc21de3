"""Segments: the pieces of text a post-mortem is linted in, each with its section, field and kind.

A segment's kind decides which lints apply: `narrative` gets every blame rule, `action` gets the
behaviour-remediation rule and a softer counterfactual rule ("should" is fine there), `owner` and
`other` are only checked for template residue, `quote` (appendix material, `>` blocks, code) and
`heading` are not narrative. `mask()` blanks literal material inside narrative (code spans, "quoted
text", evidence citations, URLs, redaction placeholders) so spans keep their offsets.

`segments_from_postmortem` loops over the seed template's fields (the full layout, `pmstudio.templates`)
and then over any text field of the schema the layout does not show, so nothing drafted goes unlinted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel

from pmstudio.schema import (
    NOT_STATED,
    SECTION_TYPES,
    ActionItem,
    Claim,
    ContributingFactor,
    PostMortem,
    SummarySection,
)
from pmstudio.templates import TemplateField, get_value, path_root, seed_template, value_type

SegmentKind = Literal["narrative", "action", "owner", "quote", "heading", "other"]

OWNER_PATHS = frozenset({"header.author", "header.reviewers"})
"""Header items that name people (read as owners, not narrative)."""


class Segment(BaseModel):
    """One piece of linted text."""

    section: str  # one of schema.SECTION_NAMES, or "header" / "appendix" / templates.OTHER
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


def relative(path: str) -> str:
    """A schema path without its section (`prevention.technical` of `actions.prevention.technical`)."""
    return path.split(".", 1)[1] if "." in path else ""


def _kind(field: TemplateField) -> SegmentKind:
    role = field.role
    if role == "prevention":
        return "action"
    if role == "references":
        return "other"
    return "narrative"


def field_segments(pm: PostMortem, field: TemplateField) -> list[Segment]:
    """The segments of one template field of `pm` (none when its section failed to draft)."""
    out: list[Segment] = []
    for path in field.paths:
        root, rel = path_root(path), relative(path)
        value: Any = get_value(pm, path)
        if value is None or (root != "header" and pm.section(root) is None):
            continue
        if field.kind == "timeline":
            for i, e in enumerate(value.entries):
                out.append(Segment(section=root, field=f"entries[{i}].text", text=e.text, kind="narrative"))
        elif field.kind == "action_items":
            for i, a in enumerate(value):
                assert isinstance(a, ActionItem)
                f = f"{rel}[{i}]"
                out.append(Segment(section=root, field=f"{f}.title", text=a.title, kind="action"))
                out.append(Segment(section=root, field=f"{f}.owner", text=a.owner, kind="owner"))
                if a.due:
                    out.append(Segment(section=root, field=f"{f}.due", text=a.due, kind="other"))
                out.append(Segment(section=root, field=f"{f}.impact", text=a.impact, kind="action"))
        elif isinstance(value, SummarySection):
            out.append(Segment(section=root, field="summary", text=value.summary, kind="narrative"))
        elif isinstance(value, Claim):
            out.append(Segment(section=root, field=f"{rel}.text", text=value.text, kind=_kind(field)))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ContributingFactor):
                    for attr in ("title", "description"):
                        out.append(Segment(section=root, field=f"{rel}[{i}].{attr}", text=getattr(item, attr), kind="narrative"))
                elif isinstance(item, Claim):
                    out.append(Segment(section=root, field=f"{rel}[{i}].text", text=item.text, kind=_kind(field)))
        elif root == "header":
            kind: SegmentKind = "owner" if path in OWNER_PATHS else "other"
            out.append(Segment(section="header", field=rel, text=str(value), kind=kind))
    return [s for s in out if s.text.strip()]


def unshown_text_paths() -> list[str]:
    """Text fields of the schema's sections that the seed layout does not show (linted all the same)."""
    shown = seed_template().paths()
    shown |= {f"{p}.summary" for p in shown if value_type(p) == "summary"}
    return [
        f"{name}.{attr}"
        for name, model in SECTION_TYPES.items()
        for attr, info in model.model_fields.items()
        if info.annotation is str and f"{name}.{attr}" not in shown
    ]


def segments_from_postmortem(pm: PostMortem) -> list[Segment]:
    """Every text field of `pm` as a segment, in the seed layout's reading order."""
    tpl = seed_template()
    out: list[Segment] = []
    h = pm.header
    if pm.summary is None or pm.summary.title.strip() != h.title.strip():
        out.append(Segment(section="header", field="title", text=h.title, kind="narrative"))
    for item in tpl.header.items:
        if get_value(pm, item.path) is not None and path_root(item.path) == "header":
            out += field_segments(pm, TemplateField(kind="key_value", items=[item]))
    extra = unshown_text_paths()
    for section, field in tpl.fields():
        for path in list(extra):
            if path_root(path) == section.schema_name and pm.section(path_root(path)):
                extra.remove(path)
                text = get_value(pm, path)
                if text and str(text).strip():
                    out.append(Segment(section=path_root(path), field=relative(path), text=str(text), kind="narrative"))
        out += field_segments(pm, field)
    return [s for s in out if s.text.strip()]
