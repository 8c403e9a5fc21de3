"""The findings contract: where a finding points, what an edit may write, and how stored findings are read.

- `section` is one of the template's sections (`schema.FindingSection`, validated by the model);
- `span` must occur in that section's text (`span_problem` says why not, in words);
- `replacement` is the only text an edit or a revision writes (it replaces the span; "" deletes it);
  `advice` is for the reader. Lint advice that names an exact drop-in (`Use "degradation"`, `Drop the
  word`) becomes a replacement here, once (`with_replacements`); every other advice stays advice.
- stored findings that do not fit (older rows, a model's free text) are read as plain notes
  (`report_from_json`), so no page fails on a stored row.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from pmstudio.schema import CriticReport, Finding, PostMortem

# fields that hold codes, ids or times, never prose: no span is looked for, and nothing is replaced, in them
CODE_KEYS = frozenset(
    {"evidence", "id", "factor_ids", "at", "phase", "kind", "horizon", "severity", "priority",
     "detailed_logs", "communication_records", "started_at", "detected_at", "mitigated_at", "resolved_at"}
)  # fmt: skip

_DROP = re.compile(r"^(?:drop|remove|delete)\b(?: the word)?(?::|\b)", re.I)
_USE = re.compile(r"^(?:use|say|write|prefer|replace (?:it |this |the word )?with)\s+[\"“]([^\"”]{1,40})[\"”]", re.I)
_QUOTED_ALL = re.compile(r"^[\"“](?P<q>.+)[\"”]$", re.S)


def span_pattern(span: str, ignore_case: bool = False) -> re.Pattern[str]:
    """The span as a whole token: a "15" flagged in a section is not the "15" inside "2024-04-15", "1500" or "15.5",
    nor is "Dave" the start of "Davenport"."""
    head = r"(?<![\w.,:/-])" if span[:1].isdigit() else r"(?<!\w)" if span[:1].isalnum() else ""
    tail = r"(?![\w%]|[.,:/-]\d)" if span[-1:].isdigit() else r"(?!\w)" if span[-1:].isalnum() else ""
    return re.compile(head + re.escape(span) + tail, re.I if ignore_case else 0)


def replace_in(value: Any, span: str, new: str) -> tuple[Any, int]:
    """`value` (a section's JSON) with `span` replaced by `new` in its prose fields (where it stands as a whole token),
    and the count replaced."""
    if isinstance(value, str):
        out, n = span_pattern(span).subn(lambda _m: new, value) if span in value else (value, 0)
        if n and not new:  # a deletion: no doubled spaces or space before punctuation left behind
            out = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r" {2,}", " ", out)).strip()
        return out, n
    if isinstance(value, list):
        out_list, n = [], 0
        for item in value:
            v, k = replace_in(item, span, new)
            out_list.append(v)
            n += k
        return out_list, n
    if isinstance(value, dict):
        res, n = {}, 0
        for key, item in value.items():
            if key in CODE_KEYS:
                res[key] = item
                continue
            v, k = replace_in(item, span, new)
            res[key] = v
            n += k
        return res, n
    return value, 0


def section_data(pm: PostMortem, section: str) -> dict[str, Any] | None:
    """The JSON of one section of `pm` (the header too), or None when the draft has no such section."""
    if section == "header":
        return pm.header.model_dump(mode="json")
    if section not in type(pm).model_fields or section in ("failed_sections", "notes"):
        return None
    value = getattr(pm, section, None)
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else None


def span_problem(pm: PostMortem, f: Finding) -> str | None:
    """Why `f` does not point at text of `pm` (in words), or None when its span is in its section."""
    data = section_data(pm, f.section)
    if data is None:
        return f"{f.rule}: section {f.section!r} is not in this draft"
    if not f.span.strip():
        return f"{f.rule}: the span is empty; copy the offending text exactly from section {f.section!r}"
    if replace_in(data, f.span, f.span)[1] == 0:
        return f"{f.rule}: the span {f.span[:80]!r} does not occur in section {f.section!r}; copy it exactly"
    return None


def lint_replacement(f: Finding) -> str | None:
    """The exact drop-in a lint's advice names (`Drop the word`, `Use "X"`), else None (advice only)."""
    text = f.advice.strip()
    if not text:
        return None
    if _DROP.match(text):
        return ""
    m = _USE.match(text)
    if m and not any(c.isdigit() for c in m.group(1)):
        return m.group(1).strip()
    q = _QUOTED_ALL.match(text)
    if q and f.span and f.span.lower() not in q.group("q").lower():
        return ""  # the sentence quoted back without the span: the edit is to delete the span
    return None


def with_replacements(findings: list[Finding]) -> list[Finding]:
    """Lint findings with the replacement their advice names (findings that carry one are kept as they are)."""
    out = []
    for f in findings:
        if f.replacement is None and f.source == "lint":
            repl = lint_replacement(f)
            if repl is not None:
                f = f.model_copy(update={"replacement": repl})
        out.append(f)
    return out


def note_for(raw: Any) -> str:
    """A stored finding that does not fit the contract, as one line of plain text."""
    if not isinstance(raw, dict):
        return f"unreadable stored finding: {str(raw)[:200]}"
    parts = [str(raw.get(k)) for k in ("rule", "section") if raw.get(k)]
    text = " · ".join(parts) or "finding"
    if raw.get("message"):
        text += f": {raw['message']}"
    if raw.get("span"):
        text += f" (“{str(raw['span'])[:120]}”)"
    advice = raw.get("advice") or raw.get("suggestion")
    if advice:
        text += f" Advice: {advice}"
    return text[:600]


def _fit(items: Any, notes: list[str]) -> list[Finding]:
    kept: list[Finding] = []
    for raw in items if isinstance(items, list) else []:
        try:
            kept.append(Finding.model_validate(raw))
        except ValidationError:
            note = note_for(raw)
            if note not in notes:
                notes.append(note)
    return kept


def report_from_json(text: str | None) -> CriticReport:
    """A stored critic report; findings that do not fit the contract become `notes` (never an error)."""
    if not text:
        return CriticReport()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return CriticReport(notes=["the stored critic report is not valid JSON"])
    if not isinstance(data, dict):
        return CriticReport(notes=["the stored critic report is not an object"])
    notes = [str(n) for n in data.get("notes") or [] if n]
    findings = _fit(data.get("findings"), notes)
    history = _fit(data.get("history"), [])
    rounds = data.get("rounds") if isinstance(data.get("rounds"), int) else 0
    critic = str(data.get("critic") or "lints")
    not_run = data.get("not_run") if isinstance(data.get("not_run"), str) else None  # e.g. deadline
    return CriticReport(findings=findings, history=history, rounds=rounds, critic=critic, notes=notes, not_run=not_run)


def split_by_span(pm: PostMortem, findings: list[Finding]) -> tuple[list[Finding], list[str]]:
    """Findings whose span is in `pm`, and the rest as notes (a model's finding that points nowhere)."""
    kept, notes = [], []
    for f in findings:
        problem = span_problem(pm, f)
        if problem is None:
            kept.append(f)
        else:
            notes.append(f"{note_for(f.model_dump())} — not shown inline: {problem}")
    return kept, notes
