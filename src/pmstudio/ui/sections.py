"""Post-mortem sections as the dashboard shows them: titles, rendered Markdown split per schema section,
and which eval metrics score which section (for the Compare page's section-aligned drill-down)."""

from __future__ import annotations

SECTION_TITLES: dict[str, str] = {
    "summary": "Executive Summary",
    "impact": "Impact Assessment",
    "timeline": "Timeline",
    "root_cause": "Root Cause Analysis",
    "lessons": "What Went Well / Lessons Learned",
    "actions": "Action Items and Prevention",
    "supporting": "Supporting Information",
}

# rendered `## ` headings (render.render_markdown) -> schema section; `### What Went Well` opens lessons
_HEADINGS = {
    "Header": "header",
    "Executive Summary": "summary",
    "Impact Assessment": "impact",
    "Timeline": "timeline",
    "Root Cause Analysis": "root_cause",
    "Lessons Learned": "lessons",
    "Action Items": "actions",
    "Prevention Strategies": "actions",
    "Supporting Information": "supporting",
    "Appendices": "supporting",
    "Review Notes": "review",
}

# metric id -> the section it scores; metrics over the whole draft map to "whole draft"
WHOLE_DRAFT = "whole draft"
METRIC_SECTIONS: dict[str, str] = {
    "impact_quantified": "impact",
    "duration_error": "impact",
    "severity_match": "impact",
    "key_milestones": "timeline",
    "timeline_recall": "timeline",
    "timeline_precision": "timeline",
    "timeline_f1": "timeline",
    "chronology": "timeline",
    "timestamp_grounding": "timeline",
    "factor_recall": "root_cause",
    "factor_precision": "root_cause",
    "root_cause_similarity": "root_cause",
    "j1_root_cause": "root_cause",
    "action_item_hygiene": "actions",
    "action_item_gate": "actions",
    "action_item_coverage": "actions",
    "j2_actionability": "actions",
}


def metric_section(metric: str) -> str:
    """The schema section a metric scores, or WHOLE_DRAFT."""
    return METRIC_SECTIONS.get(metric, WHOLE_DRAFT)


def schema_sections(md: str) -> dict[str, str]:
    """Rendered Markdown grouped by schema section (header, summary, ..., supporting, review), in order."""
    from pmstudio.evals.compare import split_sections  # scipy: only the Compare page pays for it

    out: dict[str, list[str]] = {}
    for heading, lines in split_sections(md).items():
        key = _HEADINGS.get(heading, "supporting")
        if key == "root_cause":
            cut = next(
                (i for i, line in enumerate(lines) if line.startswith("### What Went Well")), len(lines)
            )
            out.setdefault(key, []).extend(lines[:cut])
            if cut < len(lines):
                out.setdefault("lessons", []).extend(lines[cut:])
            continue
        out.setdefault(key, []).extend(lines)
    order = ["header", *SECTION_TITLES, "review"]
    return {k: "\n".join(out[k]).strip() + "\n" for k in order if k in out}
