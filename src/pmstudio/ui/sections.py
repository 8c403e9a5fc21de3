"""Post-mortem sections as the dashboard shows them: titles, rendered Markdown split per schema section,
and which eval metrics score which section (for the Compare page's section-aligned drill-down).

All of it is read off the seed template (`pmstudio.templates`): a tab per schema section, titled by the
template sections that show it; a rendered heading belongs to the schema section of its template
section, or of its field when the field shows another section's content (`What Went Well` under
`Root Cause Analysis` is lessons).
"""

from __future__ import annotations

import re

from pmstudio.schema import SECTION_NAMES
from pmstudio.templates import OTHER, Template, norm_heading, seed_template


def _titles(tpl: Template) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for s in tpl.sections:
        out.setdefault(s.schema_name, []).append(s.heading)
    order = [s.schema_name for s in tpl.sections]
    names = sorted(set(SECTION_NAMES) & set(out), key=order.index)
    return {n: " and ".join(out[n]) for n in names}


SECTION_TITLES: dict[str, str] = _titles(seed_template())
"""Schema section -> tab title, in the seed template's order."""

# metric id -> the section it scores; metrics over the whole draft map to "whole draft"
WHOLE_DRAFT = "whole draft"
METRIC_SECTIONS: dict[str, str] = {m: s.schema_name for s in seed_template().sections for m in s.metrics}


def metric_section(metric: str) -> str:
    """The schema section a metric scores, or WHOLE_DRAFT."""
    return METRIC_SECTIONS.get(metric, WHOLE_DRAFT)


_HEADING = re.compile(r"^(#{2,6})\s+(.+?)\s*$")


def schema_sections(md: str, template: Template | None = None) -> dict[str, str]:
    """Rendered Markdown grouped by schema section (header, summary, ..., supporting, other, review), in order."""
    tpl = template or seed_template()
    out: dict[str, list[str]] = {}
    key, section = "header", None
    for line in md.splitlines():
        m = _HEADING.match(line)
        if m:
            level, text = len(m.group(1)), m.group(2)
            found = tpl.match(text)
            if found is not None and level == found.level:
                section, key = found, found.schema_name
            elif section is not None and level > section.level:
                field = section.field_for(text)
                key = field.root if field is not None else key
            elif level == 2:
                section = None
                key = "review" if norm_heading(text) == "review notes" else OTHER  # incl. OTHER_NOTES
        out.setdefault(key, []).append(line)
    order = ["header", *SECTION_TITLES, OTHER, "review"]
    return {k: "\n".join(out[k]).strip() + "\n" for k in order if k in out}
