"""Draft one section (or all of them, for the single-shot prompt set) from a parsed prompt.

The output is a JSON-ready dict that validates against the section's schema model; revision
feedback is applied on top of the previous draft when the task carries one (so earlier fixes
stay fixed), else on a fresh draft.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from pmstudio.agents.messages import ParsedPrompt
from pmstudio.agents.sections import digest_type
from pmstudio.offline.actions import draft_actions
from pmstudio.offline.analysis import Analysis, analysis_for
from pmstudio.offline.causes import draft_root_cause
from pmstudio.offline.feedback import CODE_KEYS, ID_LISTS, apply_findings
from pmstudio.offline.impact import draft_impact, impact_severity
from pmstudio.offline.lessons import draft_lessons
from pmstudio.offline.phrasing import code_start
from pmstudio.offline.summary import draft_summary
from pmstudio.offline.supporting import draft_supporting
from pmstudio.offline.timeline import draft_timeline
from pmstudio.schema import SECTION_NAMES, SECTION_TYPES, Finding

ALL = "all"


class OfflineDraftError(ValueError):
    """The prompt asks for something the offline model cannot draft (one line)."""


def _context_dict(context: dict[str, Any], name: str, kind: type[BaseModel]) -> dict[str, Any] | None:
    value = context.get(name)
    if not isinstance(value, dict):
        return None
    try:
        return kind.model_validate(value).model_dump(mode="json")
    except ValidationError:
        return None


def _section(a: Analysis, name: str, context: dict[str, Any]) -> dict[str, Any]:
    if name == "actions":
        root = _context_dict(context, "root_cause", digest_type(name, "root_cause")) or draft_root_cause(a)
        return draft_actions(a, root)
    if name == "summary":  # given a digest of each (agents.sections.DIGESTS)
        ctx = {k: v for k in ("timeline", "impact", "root_cause") if (v := _context_dict(context, k, digest_type(name, k)))}
        return draft_summary(a, ctx)
    builders: dict[str, Callable[[Analysis], dict[str, Any]]] = {
        "timeline": draft_timeline,
        "impact": draft_impact,
        "root_cause": draft_root_cause,
        "lessons": draft_lessons,
        "supporting": draft_supporting,
    }
    return builders[name](a)


def _validated(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return SECTION_TYPES[name].model_validate(data).model_dump(mode="json")


def _all_sections(a: Analysis, context: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("timeline", "impact", "root_cause", "lessons", "supporting"):
        out[name] = _section(a, name, context)
    out["actions"] = _section(a, "actions", {"root_cause": out["root_cause"], "timeline": out["timeline"]})
    out["summary"] = _section(a, "summary", out)
    return out


def _revise(name: str, data: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    if name != ALL:
        return apply_findings(data, findings)
    for f in findings:
        targets = [f.section] if f.section in data else list(data)
        for t in targets:
            data[t] = apply_findings(data[t], [f])
    return data


def draft_section(parsed: ParsedPrompt) -> dict[str, Any]:
    """The section the task names, drafted from the evidence (JSON-ready, schema-valid)."""
    name = parsed.section.strip()
    if name != ALL and name not in SECTION_TYPES:
        raise OfflineDraftError(f"offline model: unknown section {name!r} in the task (expected one of "
                                f"{', '.join((*SECTION_NAMES, ALL))})")
    a = analysis_for(parsed.evidence, incident_id=parsed.incident_id, title=parsed.title)
    previous = _context_dict(parsed.context, "previous_draft", SECTION_TYPES[name]) if name != ALL else None
    if parsed.feedback and previous is not None:
        data = previous
    else:
        data = _all_sections(a, parsed.context) if name == ALL else _section(a, name, parsed.context)
    if parsed.feedback:
        data = _revise(name, data, parsed.feedback)
    level = impact_severity(a)[0] if name != ALL else data["impact"]["severity"]
    if level in ("medium", "low"):
        # "outage" overstates a partial degradation
        data = _reword(data, OUTAGE, "disruption")
    data = _capitalised(data)
    if name == ALL:
        return {k: _validated(k, v) for k, v in data.items()}
    return _validated(name, data)


_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([\"“‘(]*)([a-z])(?=[a-z'’.-]*[a-z](?:\s|$|[,;]))")
"""A sentence's first letter, after any opening quote or bracket ('"no data", "O2 down"', "(time stamp lost)")."""
_PROSE_KEYS = frozenset({"text", "summary", "title", "description", "impact", "severity_rationale"})


def _capitalised(value: Any, key: str = "") -> Any:
    """Every sentence of the prose fields starts with a capital letter (ids, owners, codes untouched)."""
    if isinstance(value, str):
        if key not in _PROSE_KEYS:
            return value
        # a sentence opening with code, a name or a host keeps its case ("db-primary postgres[2211]: ERROR ...")
        return _SENTENCE_START.sub(
            lambda m: m.group(0) if code_start(value[m.start(3) :]) else m.group(1) + m.group(2) + m.group(3).upper(), value
        )
    if isinstance(value, list):
        return value if key in ID_LISTS else [_capitalised(v, key) for v in value]
    if isinstance(value, dict):
        return {k: _capitalised(v, k) for k, v in value.items()}
    return value


OUTAGE = re.compile(r"\b(?:complete |total |full |major )?outage(s?)\b", re.I)


def _reword(value: Any, pattern: re.Pattern[str], word: str, key: str = "") -> Any:
    if isinstance(value, str):
        return value if key in CODE_KEYS else pattern.sub(lambda m: word + m.group(1), value)
    if isinstance(value, list):
        return value if key in ID_LISTS else [_reword(v, pattern, word, key) for v in value]
    if isinstance(value, dict):
        return {k: _reword(v, pattern, word, k) for k, v in value.items()}
    return value
