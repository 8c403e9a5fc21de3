"""Edits to a drafted post-mortem: apply a finding's replacement text, replace one section (as JSON or as
its Markdown in a template's layout), and the critic findings that still hold after edits.

Edits return a new, validated `PostMortem`; nothing here touches storage.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from pmstudio.critic import review
from pmstudio.findings import replace_in, section_data, span_problem
from pmstudio.schema import SECTION_TYPES, Bundle, CriticReport, Finding, Header, PostMortem
from pmstudio.sectionmd import SectionReading, read_section
from pmstudio.templates import Template


class EditError(Exception):
    """An edit could not be applied (one-line message)."""


def apply_replacement(pm: PostMortem, finding: Finding) -> PostMortem:
    """Replace the finding's span by its `replacement` inside the finding's section (advice is never applied)."""
    if finding.replacement is None:
        raise EditError(f"{finding.rule}: this finding has no replacement text; dismiss it or edit the section")
    problem = span_problem(pm, finding)
    if problem is not None:
        raise EditError(problem)
    data = section_data(pm, finding.section)
    assert data is not None  # span_problem checked it
    new, _ = replace_in(data, finding.span, finding.replacement.strip())
    if finding.section == "header":
        try:
            header = Header.model_validate(new)
        except ValidationError as exc:
            raise EditError(f"header: {str(exc).splitlines()[0]}") from None
        return pm.model_copy(update={"header": header})
    return replace_section(pm, finding.section, new)


apply_suggestion = apply_replacement  # the name before replacement and advice were separated


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
    failures = [f for f in pm.failures if f.section != name]  # a human's section is no longer a failure
    return pm.model_copy(update={name: section, "failed_sections": failed, "failures": failures})


def replace_section_markdown(
    pm: PostMortem, name: str, md: str, template: Template, bundle: Bundle | None = None
) -> tuple[PostMortem | None, SectionReading]:
    """`pm` with section `name` read back from its edited Markdown (`pmstudio.sectionmd`), and the reading;
    None (nothing changed) when the Markdown has problems, which the reading lists with their lines."""
    reading = read_section(md, pm, name, template, bundle)
    if not reading.ok or reading.section is None:
        return None, reading
    return replace_section(pm, name, reading.section), reading


def _still_there(pm: PostMortem, finding: Finding) -> bool:
    data = section_data(pm, finding.section)
    if data is None or not finding.span:
        return True
    return replace_in(data, finding.span, finding.span)[1] > 0


def current_findings(pm: PostMortem, bundle: Bundle | None, stored: CriticReport) -> CriticReport:
    """The critic report for `pm` as it is now, after edits: the stored findings whose span is still in
    their section (an applied rewrite or a hand edit resolves them), plus lint findings the edits introduced.
    History, rounds and the critic label are kept."""
    kept = [f for f in stored.findings if _still_there(pm, f)]
    if bundle is not None:
        seen = {(f.rule, f.section, f.span) for f in kept}
        kept += [f for f in review(pm, bundle) if (f.rule, f.section, f.span) not in seen]
    return stored.model_copy(update={"findings": kept})
