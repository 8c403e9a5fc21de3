"""Edits to a drafted post-mortem: apply a critic's suggested rewrite, replace one section, and the
critic findings that still hold after edits.

Edits return a new, validated `PostMortem`; nothing here touches storage.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from pmstudio.critic import review
from pmstudio.schema import SECTION_TYPES, Bundle, CriticReport, Finding, PostMortem


class EditError(Exception):
    """An edit could not be applied (one-line message)."""


def _replace_in(value: Any, span: str, new: str) -> tuple[Any, int]:
    if isinstance(value, str):
        return (value.replace(span, new), value.count(span)) if span in value else (value, 0)
    if isinstance(value, list):
        out, n = [], 0
        for item in value:
            v, k = _replace_in(item, span, new)
            out.append(v)
            n += k
        return out, n
    if isinstance(value, dict):
        res, n = {}, 0
        for key, item in value.items():
            if key in (
                "evidence",
                "id",
                "factor_ids",
                "at",
                "phase",
                "kind",
                "horizon",
                "severity",
                "priority",
            ):
                res[key] = item
                continue
            v, k = _replace_in(item, span, new)
            res[key] = v
            n += k
        return res, n
    return value, 0


def apply_suggestion(pm: PostMortem, finding: Finding) -> PostMortem:
    """Replace the finding's span by its suggested rewrite inside the finding's section."""
    if not finding.suggestion.strip():
        raise EditError(f"{finding.rule}: no suggested rewrite to apply")
    section = pm.section(finding.section)
    if section is None:
        raise EditError(f"{finding.rule}: section {finding.section!r} is not in this draft")
    data, count = _replace_in(section.model_dump(mode="json"), finding.span, finding.suggestion.strip())
    if count == 0:
        raise EditError(f"{finding.rule}: the text {finding.span[:60]!r} is no longer in {finding.section}")
    return replace_section(pm, finding.section, data)


def replace_section(pm: PostMortem, name: str, data: dict[str, Any] | str) -> PostMortem:
    """A copy of `pm` with section `name` replaced by `data` (a dict or JSON text), validated."""
    kind = SECTION_TYPES.get(name)
    if kind is None:
        raise EditError(f"unknown section {name!r}")
    try:
        payload = json.loads(data) if isinstance(data, str) else data
        section = kind.model_validate(payload)
    except (json.JSONDecodeError, ValidationError) as exc:
        raise EditError(f"{name}: {str(exc).splitlines()[0]}") from None
    failed = [s for s in pm.failed_sections if s != name]
    return pm.model_copy(update={name: section, "failed_sections": failed})


def _still_there(pm: PostMortem, finding: Finding) -> bool:
    section = pm.section(finding.section)
    if section is None or not finding.span:
        return True
    return _replace_in(section.model_dump(mode="json"), finding.span, finding.span)[1] > 0


def current_findings(pm: PostMortem, bundle: Bundle | None, stored: CriticReport) -> CriticReport:
    """The critic report for `pm` as it is now, after edits: the stored findings whose span is still in
    their section (an applied rewrite or a hand edit resolves them), plus lint findings the edits introduced.
    History, rounds and the critic label are kept."""
    kept = [f for f in stored.findings if _still_there(pm, f)]
    if bundle is not None:
        seen = {(f.rule, f.section, f.span) for f in kept}
        kept += [f for f in review(pm, bundle) if (f.rule, f.section, f.span) not in seen]
    return stored.model_copy(update={"findings": kept})
