"""Revisions: apply critic findings and validation problems to a drafted section (a JSON-like dict).

A finding names a span. Where it carries a replacement (the findings contract) the span is replaced; otherwise a short span is removed and a long one
takes its sentence with it. A text left empty drops its list item, or becomes "Not stated in the
materials." for a required claim. Validation problems (unknown evidence ids, ungrounded times,
schema errors at a path) drop exactly the items they name.
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz

from pmstudio.findings import lint_replacement, span_pattern
from pmstudio.offline.phrasing import blameless, split_sentences
from pmstudio.schema import NOT_STATED, Finding

# string fields that hold codes or ids, never prose
CODE_KEYS = {"id", "at", "phase", "kind", "horizon", "priority", "severity", "due", "started_at", "detected_at",
              "mitigated_at", "resolved_at"}  # fmt: skip
ID_LISTS = {"evidence", "factor_ids", "detailed_logs", "communication_records"}
# the prose field of each kind of list item: empty -> the item goes
_MAIN_TEXT = ("text", "title", "description", "summary")
_PROBLEM = re.compile(r"^\s*-?\s*(?P<path>[\w.\[\]]+):\s*(?P<msg>.+)$")
_BAD_ID = re.compile(r"evidence id '(?P<id>[^']+)' does not exist")
_PATH_PART = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]")
_DROP = object()


def replacement(f: Finding) -> str | None:
    """The finding's replacement text (the contract's; advice is never written into the draft)."""
    return f.replacement if f.replacement is not None else lint_replacement(f)


def _remove_span(text: str, span: str, repl: str | None) -> str:
    pattern = span_pattern(span, ignore_case=True)
    if not pattern.search(text):
        return text  # the span is only part of a longer token here ("15" in "2024-04-15")
    if repl is not None:
        out = pattern.sub(lambda _m: repl, text)
    elif len(span.split()) <= 4:
        out = pattern.sub("", text)
    else:
        sentences = split_sentences(text)
        kept = [s for s in sentences if not pattern.search(s)]
        out = " ".join(kept) if len(kept) < len(sentences) else pattern.sub("", text)
    out = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s{2,}", " ", out)).strip(" ,;:-")
    return blameless(out, strict=False) if out else ""


def _fuzzy_hit(text: str, span: str) -> bool:
    return len(span) >= 12 and fuzz.partial_ratio(span.lower(), text.lower()) >= 92


def _rewrite_text(value: str, span: str, repl: str | None) -> str:
    if span.lower() in value.lower():
        return _remove_span(value, span, repl)
    if _fuzzy_hit(value, span):
        kept = " ".join(s for s in split_sentences(value) if not _fuzzy_hit(s, span))
        return blameless(kept, strict=False)
    return value


def _rewrite(value: Any, span: str, repl: str | None, key: str = "", in_list: bool = False) -> Any:
    """`value` with the span rewritten everywhere; `_DROP` for a list item that lost its main text."""
    if isinstance(value, str):
        return value if key in CODE_KEYS else _rewrite_text(value, span, repl)
    if isinstance(value, list):
        if key in ID_LISTS:
            return value
        out = []
        for item in value:
            new = _rewrite(item, span, repl, key, in_list=True)
            if new is _DROP or (isinstance(item, str) and not new):
                continue
            out.append(new)
        return out
    if isinstance(value, dict):
        new = {k: _rewrite(v, span, repl, k) for k, v in value.items()}
        lost = [k for k in _MAIN_TEXT if isinstance(value.get(k), str) and value[k] and not new.get(k)]
        if lost and in_list:
            return _DROP
        for k in lost:
            new[k] = "Incident" if k == "title" else NOT_STATED
            if k == "text" and "evidence" in new:
                new["evidence"] = []
        for k in ("impact", "owner"):
            if isinstance(value.get(k), str) and value[k] and not new.get(k):
                new[k] = NOT_STATED if k == "impact" else "On-call team"
        return new
    return value


def rewritable(f: Finding) -> bool:
    """Findings about wording (blame, grounding, template residue) are fixed by rewriting the span;
    completeness findings (a missing magnitude, too few factors, an unlinked item) are not: removing
    their span would only take content away, so the offline model leaves them to a human reviewer."""
    rule = f.rule.upper()
    if rule.startswith(("B", "G")) or rule.startswith("C2-") or rule == "C2":
        return True
    return not re.match(r"^C\d", rule)


def apply_findings(data: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    """Rewrite or drop the spans the findings flag, in one section's dict."""
    out = data
    for f in findings:
        span = f.span.strip()
        if not span or not rewritable(f):
            continue
        rewritten = _rewrite(out, span, replacement(f))
        if isinstance(rewritten, dict):
            out = rewritten
    return out


def _strip_ids(value: Any, bad: set[str], key: str = "") -> Any:
    if isinstance(value, list):
        if key in ID_LISTS:
            return [v for v in value if v not in bad]
        return [_strip_ids(v, bad) for v in value]
    if isinstance(value, dict):
        return {k: _strip_ids(v, bad, k) for k, v in value.items()}
    return value


def _drop_path(data: Any, parts: list[str | int]) -> None:
    if not parts:
        return
    *head, last = parts
    node = data
    for p in head:
        if isinstance(node, dict) and isinstance(p, str) and p in node:
            node = node[p]
        elif isinstance(node, list) and isinstance(p, int) and 0 <= p < len(node):
            node = node[p]
        else:
            return
    if isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        node.pop(last)
    elif isinstance(node, dict) and isinstance(last, str) and last in node:
        current = node[last]
        if isinstance(current, str) and last.endswith("_at"):
            node[last] = None
        elif isinstance(current, dict) and "text" in current:
            node[last] = {"text": NOT_STATED, "evidence": []}
        elif isinstance(current, str) and last in ("summary", "text"):
            node[last] = NOT_STATED


def _parts(path: str) -> list[str | int]:
    out: list[str | int] = []
    for name, index in _PATH_PART.findall(path):
        out.append(int(index) if index else name)
    return out


def apply_problems(data: dict[str, Any], section: str, problems: list[str], errors: list[dict[str, Any]]) -> dict[str, Any]:
    """Drop what the validator or the schema complained about (ids, ungrounded times, bad items)."""
    bad_ids = {m.group("id") for p in problems for m in _BAD_ID.finditer(p)}
    data = _strip_ids(data, bad_ids)
    drops: list[list[str | int]] = []
    for p in problems:
        m = _PROBLEM.match(p)
        if m is None or _BAD_ID.search(m.group("msg")):
            continue
        parts = _parts(m.group("path"))
        if section != "all" and parts and parts[0] == section:
            parts = parts[1:]
        drops.append(parts)
    for err in errors:
        loc = [x for x in err.get("loc", ()) if isinstance(x, (str, int))]
        if section != "all" and loc and loc[0] == section:  # an error in the shared answer type's part
            loc = loc[1:]
        if loc:
            drops.append(list(loc[:-1]) if len(loc) > 1 and isinstance(loc[-2], int) else list(loc))
    # deepest and highest indices first so earlier drops do not shift later paths
    for parts in sorted(drops, key=lambda p: [str(x).zfill(6) if isinstance(x, int) else x for x in p], reverse=True):
        _drop_path(data, parts)
    return data
