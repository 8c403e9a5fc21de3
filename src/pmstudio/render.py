"""Render a `PostMortem` to Markdown in the seed template's exact structure, or to JSON.

Times are UTC and labelled; the date is shown on every time when the incident spans days. Evidence
ids are cited as `(evidence: material:line, ...)`. Material text in the appendices is quoted verbatim.
"""

from __future__ import annotations

from collections.abc import Iterable

from pmstudio.schema import (
    NOT_STATED,
    ActionItem,
    Bundle,
    Claim,
    CriticReport,
    Finding,
    PostMortem,
    TimelineEntry,
)

HORIZONS = (
    ("immediate", "Immediate (This Week)"),
    ("short_term", "Short-term (1-4 weeks)"),
    ("long_term", "Long-term (1-6 months)"),
)
TIMELINE_GROUPS = (
    ("Detection", ("impact_start", "detection")),
    ("Investigation", ("investigation",)),
    ("Resolution", ("mitigation", "resolution")),
    ("Communication", ("communication",)),
)
PHASE_LABEL = {"impact_start": "Impact began: ", "mitigation": "Mitigation: "}


def cite(ids: Iterable[str]) -> str:
    ids = list(dict.fromkeys(ids))
    return f" (evidence: {', '.join(ids)})" if ids else ""


def claim(c: Claim | None) -> str:
    if c is None or not c.text.strip():
        return NOT_STATED
    return c.text.strip() + cite(c.evidence)


def _bullets(items: list[Claim], empty: str = NOT_STATED) -> list[str]:
    return [f"- {claim(c)}" for c in items] if items else [f"- {empty}"]


def _failed(name: str) -> list[str]:
    return [f"_This section could not be drafted ({name} failed); see the review notes._", ""]


def _time(entry: TimelineEntry, with_date: bool) -> str:
    return entry.at.strftime("%Y-%m-%d %H:%M UTC" if with_date else "%H:%M UTC")


def _timeline(pm: PostMortem) -> list[str]:
    out = ["## Timeline", ""]
    if pm.timeline is None:
        return out + _failed("timeline")
    entries = sorted(pm.timeline.entries, key=lambda e: e.at)
    with_date = len({e.at.date() for e in entries}) > 1
    if not entries:
        out += ["_No timestamped events could be established from the materials._", ""]
    for heading, phases in TIMELINE_GROUPS:
        out += [f"### {heading}"]
        group = [e for e in entries if e.phase in phases]
        if not group:
            out.append(f"_{NOT_STATED}_")
        for i, e in enumerate(group):
            sep = "  " if i < len(group) - 1 else ""
            out.append(f"**{_time(e, with_date)}** - {PHASE_LABEL.get(e.phase, '')}{e.text.strip()}{cite(e.evidence)}{sep}")
        out.append("")
    return out


def _action(item: ActionItem) -> list[str]:
    due = item.due or (f"{item.priority} priority" if item.priority else NOT_STATED)
    links = f" Addresses {', '.join(item.factor_ids)}." if item.factor_ids else ""
    return [
        f"- [ ] **{item.title.strip()}** - Owner: {item.owner.strip() or NOT_STATED} - Due: {due}",
        f"  - *Impact:* {item.impact.strip() or NOT_STATED} ({item.kind}).{links}{cite(item.evidence)}",
    ]


def _quote_evidence(ids: list[str], bundle: Bundle | None) -> list[str]:
    if not ids:
        return [NOT_STATED]
    if bundle is None:
        return [f"- {i}" for i in ids]
    by_id = bundle.evidence_by_id()
    lines = ["```text"]
    for i in ids:
        e = by_id.get(i)
        if e is None:
            continue
        at = e.at.strftime("%Y-%m-%d %H:%M:%S UTC") if e.at else "(no time)"
        who = f" {e.actor}:" if e.actor else ""
        repeat = f" (x{e.count})" if e.count > 1 else ""
        lines.append(f"[{i}] {at}{who} {e.text}{repeat}".replace("```", "'''"))
    return lines + ["```"]


def review_notes(report: CriticReport | None, pm: PostMortem) -> list[str]:
    findings: list[Finding] = list(report.findings) if report else []
    if not findings and not pm.failed_sections and not pm.notes:
        return []
    out = ["## Review Notes", ""]
    if report is not None:
        out.append(
            f"_Critic: {report.critic}; {report.rounds} revision round(s); "
            f"{report.count('high')} high, {report.count('medium')} medium, {report.count('low')} low unresolved._"
        )
        out.append("")
    for note in pm.notes:
        out.append(f"- {note}")
    for name in pm.failed_sections:
        out.append(f"- Section `{name}` failed to draft and needs a human.")
    for f in findings:
        fix = f" Suggested: {f.suggestion}" if f.suggestion else ""
        out.append(f"- **{f.severity}** `{f.rule}` in {f.section}: \"{f.span}\" - {f.message}{fix}")
    return out + [""]


def render_markdown(pm: PostMortem, *, bundle: Bundle | None = None, critic: CriticReport | None = None) -> str:
    h = pm.header
    sev = h.severity.capitalize() if h.severity else NOT_STATED
    out = [
        f"# Post-Mortem: {h.title}",
        "",
        f"**Date:** {h.date}  ",
        f"**Incident ID:** {h.incident_id}  ",
        f"**Severity:** {sev}  ",
        f"**Duration:** {h.duration}  ",
        f"**Author:** {h.author}  ",
        f"**Reviewers:** {h.reviewers}",
        "",
        "## Executive Summary",
        "",
    ]
    if pm.summary is None:
        out += _failed("summary")
    else:
        out += [pm.summary.summary.strip() + cite(pm.summary.evidence), ""]

    out += ["## Impact Assessment", ""]
    if pm.impact is None:
        out += _failed("impact")
    else:
        im = pm.impact
        out += [
            "### User Impact",
            f"- **Users Affected:** {claim(im.users_affected)}",
            f"- **Duration of Impact:** {claim(im.duration_of_impact)}",
            f"- **Geographic Scope:** {claim(im.geographic_scope)}",
            f"- **Functional Impact:** {claim(im.functional_impact)}",
            "",
            "### Business Impact",
            f"- **Revenue Impact:** {claim(im.revenue_impact)}",
            f"- **SLA/SLO Impact:** {claim(im.sla_impact)}",
            f"- **Customer Communications:** {claim(im.customer_communications)}",
            f"- **Reputation Impact:** {claim(im.reputation_impact)}",
            "",
        ]

    out += _timeline(pm)

    out += ["## Root Cause Analysis", ""]
    if pm.root_cause is None:
        out += _failed("root cause")
    else:
        rc = pm.root_cause
        out += ["### Primary Root Cause", claim(rc.primary_root_cause), "", f"**Trigger:** {claim(rc.trigger)}", ""]
        out += ["### Contributing Factors"]
        if not rc.contributing_factors:
            out.append(NOT_STATED)
        for i, f in enumerate(rc.contributing_factors, 1):
            out.append(f"{i}. **{f.title.strip()} ({f.id}):** {f.description.strip()}{cite(f.evidence)}")
        out.append("")
    if pm.lessons is None:
        out += ["### What Went Well", "", *_failed("lessons")]
    else:
        out += ["### What Went Well", *_bullets(pm.lessons.went_well), ""]
        out += ["### What Didn't Go Well", *_bullets(pm.lessons.went_poorly), ""]
        out += ["## Lessons Learned", ""]
        out += ["### Technical Lessons", *_bullets(pm.lessons.technical), ""]
        out += ["### Process Lessons", *_bullets(pm.lessons.process), ""]
        out += ["### Monitoring & Alerting Lessons", *_bullets(pm.lessons.monitoring), ""]

    out += ["## Action Items", ""]
    if pm.actions is None:
        out += _failed("actions")
    else:
        for horizon, heading in HORIZONS:
            items = [a for a in pm.actions.action_items if a.horizon == horizon]
            out.append(f"### {heading}")
            if not items:
                out.append(f"_{NOT_STATED}_")
            for item in items:
                out += _action(item)
            out.append("")
        pv = pm.actions.prevention
        out += ["## Prevention Strategies", ""]
        out += ["### Technical Preventions", *_bullets(pv.technical), ""]
        out += ["### Process Preventions", *_bullets(pv.process), ""]
        out += ["### Monitoring Improvements", *_bullets(pv.monitoring), ""]

    out += ["## Supporting Information", ""]
    sp = pm.supporting
    if sp is None:
        out += _failed("supporting")
    else:
        out += ["### Relevant Metrics", *_bullets(sp.relevant_metrics), ""]
        out += ["### External Factors", *_bullets(sp.external_factors), ""]
        out += ["### References", *_bullets(sp.references), ""]
        out += ["## Appendices", ""]
        out += ["### A. Detailed Logs", *_quote_evidence(sp.detailed_logs, bundle), ""]
        out += ["### B. Communication Records", *_quote_evidence(sp.communication_records, bundle), ""]
        out += ["### C. Technical Details", *_bullets(sp.technical_details), ""]

    out += review_notes(critic, pm)
    return "\n".join(out).rstrip() + "\n"


def render_json(pm: PostMortem) -> str:
    return pm.model_dump_json(indent=2) + "\n"
