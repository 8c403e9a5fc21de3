"""Render a `PostMortem` to Markdown in a template's layout (default: the seed template), or to JSON.

The layout is data (`pmstudio.templates`): this module loops over the template's sections and fields
and knows only how each field kind is written. Every heading of the template is always rendered; a
section that failed to draft says so under its own heading. Drafted content the template has no
place for goes to a final "Other notes" section. Times are UTC and labelled; the date is shown on
every time when the incident spans days. Evidence ids are cited as `(evidence: material:line, ...)`.
Material text in the appendices is quoted verbatim.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pmstudio.certainty import mark
from pmstudio.mdsyntax import bold_label
from pmstudio.offline.people import name_masker
from pmstudio.schema import (
    NOT_STATED,
    PHASES,
    ActionItem,
    Bundle,
    Claim,
    ContributingFactor,
    CriticReport,
    Finding,
    PostMortem,
    SummarySection,
    TimelineEntry,
    TimelineSection,
)
from pmstudio.templates import (
    OTHER_NOTES,
    Group,
    Item,
    Template,
    TemplateField,
    TemplateSection,
    get_value,
    load_template,
    path_root,
    seed_template,
    value_type,
)

PHASE_LABEL = {"impact_start": "Impact began: ", "mitigation": "Mitigation: "}
"""Entry prefixes under a grouped timeline (the group heading names the other phases)."""
FLAT_PHASE_LABEL = {
    "impact_start": "Impact began: ",
    "detection": "Detected: ",
    "investigation": "Investigation: ",
    "mitigation": "Mitigation: ",
    "resolution": "Resolved: ",
    "communication": "Communication: ",
}
"""Entry prefixes in a timeline without phase groups, so a reader still knows each entry's phase."""
NO_ENTRIES = "_No timestamped events could be established from the materials._"


def cite(ids: Iterable[str]) -> str:
    ids = list(dict.fromkeys(ids))
    return f" (evidence: {', '.join(ids)})" if ids else ""


def claim(c: Claim | None) -> str:
    if c is None or not c.text.strip():
        return NOT_STATED
    return c.text.strip() + mark(c.certainty, c.sources) + cite(c.evidence)


def _bullets(items: list[Claim], empty: str = NOT_STATED) -> list[str]:
    return [f"- {claim(c)}" for c in items] if items else [f"- {empty}"]


def failure_reason(pm: PostMortem, name: str) -> str:
    """Why a section failed to draft (`reason: detail` from `pm.failures`), else ""."""
    failure = pm.failure(name)
    return f"{failure.reason}: {failure.detail}" if failure and failure.detail else (failure.reason if failure else "")


def fallback_line(pm: PostMortem, name: str) -> list[str]:
    """The marker on a section the offline drafter wrote because the model's call failed."""
    failure = pm.failure(name)
    return [f"_(offline fallback: {failure.reason})_", ""] if failure and failure.fallback else []


def failed_line(pm: PostMortem, name: str) -> str:
    reason = failure_reason(pm, name)
    why = f"{name} failed: {reason}" if reason else f"{name} failed"
    return f"_This section could not be drafted ({why}); see the review notes._"


def _time(entry: TimelineEntry, with_date: bool) -> str:
    if entry.date_only:
        return entry.at.strftime("%Y-%m-%d") + ", time not stated"
    return entry.at.strftime("%Y-%m-%d %H:%M UTC" if with_date else "%H:%M UTC")


def _entry_lines(entries: list[TimelineEntry], with_date: bool, labels: dict[str, str]) -> list[str]:
    out = []
    for i, e in enumerate(entries):
        sep = "  " if i < len(entries) - 1 else ""
        out.append(f"**{_time(e, with_date)}** - {labels.get(e.phase, '')}{e.text.strip()}{cite(e.evidence)}{sep}")
    return out


def _timeline(tl: TimelineSection, field: TemplateField, level: int) -> list[str]:
    entries = sorted(tl.entries, key=lambda e: e.at)
    with_date = len({e.at.date() for e in entries}) > 1
    if field.phases:
        entries = [e for e in entries if e.phase in field.phases]
    out: list[str] = []
    if not entries:
        out += [NO_ENTRIES, ""]
        if not field.groups:
            return out
    if not field.groups:
        return [*_entry_lines(entries, with_date, FLAT_PHASE_LABEL), ""]
    for g in field.groups:
        out.append(f"{'#' * level} {g.heading}")
        group = [e for e in entries if e.phase in g.phases]
        if not group:
            out.append(f"_{NOT_STATED}_")
        out += _entry_lines(group, with_date, PHASE_LABEL)
        out.append("")
    return out


def _action(item: ActionItem) -> list[str]:
    due = item.due or (f"{item.priority} priority" if item.priority else NOT_STATED)
    links = f" Addresses {', '.join(item.factor_ids)}." if item.factor_ids else ""
    return [
        f"- [ ] **{item.title.strip()}** - Owner: {item.owner.strip() or NOT_STATED} - Due: {due}",
        f"  - *Impact:* {item.impact.strip() or NOT_STATED} ({item.kind}).{links}{cite(item.evidence)}",
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip() or NOT_STATED


def _action_table(items: list[ActionItem]) -> list[str]:
    out = ["| Action Item | Type | Owner | Due | Addresses |", "| --- | --- | --- | --- | --- |"]
    for a in items:
        due = a.due or a.priority or NOT_STATED
        out.append(
            f"| {_cell(a.title)}{cite(a.evidence)} | {a.kind} | {_cell(a.owner)} | {_cell(due)} | {', '.join(a.factor_ids) or '-'} |"
        )
    return out


def _actions(items: list[ActionItem], field: TemplateField, level: int) -> list[str]:
    if not field.groups:
        chosen = items
        if not chosen:
            return [f"_{NOT_STATED}_", ""]
        body = _action_table(chosen) if field.style == "table" else [x for a in chosen for x in _action(a)]
        return [*body, ""]
    out: list[str] = []
    for g in field.groups:
        group = [a for a in items if a.horizon in g.horizons]
        out.append(f"{'#' * level} {g.heading}")
        if not group:
            out.append(f"_{NOT_STATED}_")
        out += _action_table(group) if (field.style == "table" and group) else [x for a in group for x in _action(a)]
        out.append("")
    return out


def _quote_evidence(ids: list[str], bundle: Bundle | None) -> list[str]:
    if not ids:
        return [NOT_STATED]
    if bundle is None:
        return [f"- {i}" for i in ids]
    by_id = bundle.evidence_by_id()
    mask = name_masker(bundle.people)  # an excerpt keeps its machine text, never a person's name
    lines = ["```text"]
    for i in ids:
        e = by_id.get(i)
        if e is None:
            continue
        if e.at is None:
            at = "(no time)"
        else:
            at = e.at.strftime("%Y-%m-%d") + " (time not stated)" if e.date_only else e.at.strftime("%Y-%m-%d %H:%M:%S UTC")
        who = f" {mask(e.actor)}:" if e.actor else ""
        repeat = f" (x{e.count})" if e.count > 1 else ""
        lines.append(f"[{i}] {at}{who} {mask(e.text)}{repeat}".replace("```", "'''"))
    return lines + ["```"]


def _prose(value: Any) -> str:
    if isinstance(value, SummarySection):
        return value.summary.strip() + cite(value.evidence)
    if isinstance(value, Claim):
        return claim(value)
    return str(value).strip() if value not in (None, "") else NOT_STATED


def _list(value: list[Any], field: TemplateField, bundle: Bundle | None) -> list[str]:
    vt = value_type(str(field.path))
    if vt == "factors":
        if not value:
            return [NOT_STATED]
        return [f"{i}. **{bold_label(f.title.strip())} ({f.id}):** {f.description.strip()}{mark(f.certainty, f.sources)}{cite(f.evidence)}"
                for i, f in enumerate(value, 1)]
    if vt == "evidence_ids":
        return _quote_evidence(value, bundle)
    return _bullets(value)


def _item_value(pm: PostMortem, item: Item) -> str:
    value = get_value(pm, item.path)
    if isinstance(value, Claim):
        return claim(value)
    if value is None or not str(value).strip():
        return NOT_STATED
    return str(value).capitalize() if item.format == "capitalize" else str(value)


def _field(
    pm: PostMortem, section: TemplateSection, field: TemplateField, bundle: Bundle | None, failed_roots: set[str]
) -> list[str]:
    """The lines of one field: its sub-heading (if labelled) and its body."""
    sub = "#" * (section.level + 1)
    root = field.root
    if root in failed_roots:
        if root == section.schema_name and not field.label:
            return []  # said once under the section heading
        note = f"_Not drafted ({root} failed)._" if root == section.schema_name else failed_line(pm, root)
        if not field.label:
            return [note, ""]
        return [f"{sub} {field.label}", note, ""] if field.style != "inline" else [f"**{field.label}:** {note}", ""]
    if field.kind == "timeline":
        tl = get_value(pm, str(field.path))
        body = _timeline(tl, field, section.level + 1)
        return ([f"{sub} {field.label}", *body] if field.label else body)
    if field.kind == "action_items":
        body = _actions(list(get_value(pm, str(field.path)) or []), field, section.level + 1)
        return [f"{sub} {field.label}", *body] if field.label else body
    if field.kind == "key_value":
        body = [f"- **{i.label}:** {_item_value(pm, i)}" for i in field.items]
    elif field.kind == "prose":
        text = _prose(get_value(pm, str(field.path)))
        if field.style == "inline":
            return [f"**{field.label}:** {text}", ""]
        body = [text]
    else:
        body = _list(list(get_value(pm, str(field.path)) or []), field, bundle)
    if field.label:
        return [f"{sub} {field.label}", *body, ""]
    return [*body, ""]


def _section(pm: PostMortem, section: TemplateSection, bundle: Bundle | None, failed_roots: set[str]) -> list[str]:
    out = [f"{'#' * section.level} {section.heading}", ""]
    if section.schema_name in failed_roots:
        out += [failed_line(pm, section.schema_name), ""]
    elif section.schema_name:
        out += fallback_line(pm, section.schema_name)
    for field in section.fields:
        out += _field(pm, section, field, bundle, failed_roots)
    return out


def section_lines(
    pm: PostMortem, section: TemplateSection, fields: list[TemplateField], bundle: Bundle | None = None
) -> list[str]:
    """One template section's heading and `fields`, written as in the whole document (for editing one
    section on its own; no failure or fallback markers)."""
    out = [f"{'#' * section.level} {section.heading}", ""]
    for field in fields:
        out += _field(pm, section, field, bundle, set())
    return out


def _failed_roots(pm: PostMortem) -> set[str]:
    roots = {name for name in pm.failed_sections}
    for name in PostMortem.model_fields:
        if name not in ("header", "failed_sections", "notes", "failures") and getattr(pm, name) is None:
            roots.add(name)
    return roots


def header_lines(pm: PostMortem, template: Template) -> list[str]:
    out = [f"# {template.header.title.format(title=pm.header.title)}", ""]
    items = template.header.items
    for i, item in enumerate(items):
        sep = "  " if i < len(items) - 1 else ""
        out.append(f"**{item.label}:** {_item_value(pm, item)}{sep}")
    return out + [""] if items else out


def review_notes(report: CriticReport | None, pm: PostMortem) -> list[str]:
    findings: list[Finding] = list(report.findings) if report else []
    if not findings and not pm.failures and not pm.failed_sections and not pm.notes:
        return []
    out = ["## Review Notes", ""]
    if report is not None:
        ran = f"{report.critic} (agent not run: {report.not_run})" if report.not_run else report.critic
        out.append(
            f"_Critic: {ran}; {report.rounds} revision round(s); "
            f"{report.count('high')} high, {report.count('medium')} medium, {report.count('low')} low unresolved._"
        )
        out.append("")
    for note in pm.notes:
        out.append(f"- {note}")
    for name in pm.failed_sections:
        reason = failure_reason(pm, name)
        out.append(f"- Section `{name}` failed to draft and needs a human." + (f" Reason: {reason}" if reason else ""))
    for failure in pm.failures:
        if failure.fallback:
            out.append(f"- Section `{failure.section}` is the offline drafter's (offline fallback: {failure.reason}); "
                       f"the model's call failed: {failure.detail}")
    for f in findings:
        fix = f" Suggested: {f.suggestion}" if f.suggestion else ""
        out.append(f"- **{f.severity}** `{f.rule}` in {f.section}: \"{f.span}\" - {f.message}{fix}")
    return out + [""]


# --------------------------------------------------------------------------- other notes


def _has_text(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, Claim):
        return bool(value.text.strip()) and value.text.strip() != NOT_STATED
    if isinstance(value, list):
        return any(_has_text(v) for v in value)
    if isinstance(value, ContributingFactor | ActionItem):
        return True
    return bool(str(value).strip())


def _covered_subset(template: Template, kind: str, path: str) -> tuple[set[str], bool]:
    """(phases or horizons covered, everything covered) by the template's fields of `path`."""
    covered: set[str] = set()
    for _s, f in template.fields():
        if f.kind == kind and f.path == path:
            if kind == "timeline" and not f.phases and not f.groups:
                return set(PHASES), True
            if kind == "timeline":
                covered |= set(f.phases) or {p for g in f.groups for p in g.phases}
            else:
                if not f.groups:
                    return set(), True
                covered |= {h for g in f.groups for h in g.horizons}
    return covered, False


def other_notes(pm: PostMortem, template: Template, bundle: Bundle | None = None) -> list[str]:
    """Drafted content `template` has no place for, under the seed template's labels (never dropped)."""
    seed = seed_template()
    shown = template.paths()
    out: list[str] = []
    header = [i for i in seed.header.items if i.path not in shown and get_value(pm, i.path) is not None]
    if header:
        out += ["### Incident details", *[f"- **{i.label}:** {_item_value(pm, i)}" for i in header], ""]
    for section, field in seed.fields():
        if path_root(field.paths[0]) in _failed_roots(pm):
            continue
        label = field.label or section.heading
        if field.kind == "key_value":
            items = [i for i in field.items if i.path not in shown and _has_text(get_value(pm, i.path))]
            if items:
                out += [f"### {label}", *[f"- **{i.label}:** {_item_value(pm, i)}" for i in items], ""]
        elif field.kind == "timeline":
            tl = get_value(pm, str(field.path))
            covered, everything = _covered_subset(template, "timeline", str(field.path))
            rest = [] if everything else [e for e in tl.entries if e.phase not in covered]
            if rest:
                flat = field.model_copy(update={"groups": [], "phases": sorted({e.phase for e in rest}, key=PHASES.index)})
                out += [f"### {label}", *_timeline(tl, flat, 4)]
        elif field.kind == "action_items":
            covered, everything = _covered_subset(template, "action_items", str(field.path))
            rest_items = [] if everything else [a for a in get_value(pm, str(field.path)) if a.horizon not in covered]
            if rest_items:
                out += [f"### {label}", *[x for a in rest_items for x in _action(a)], ""]
        elif str(field.path) not in shown and _has_text(get_value(pm, str(field.path))):
            solo = field.model_copy(update={"label": label, "style": "block" if field.style == "inline" else field.style})
            out += _field(pm, section.model_copy(update={"level": 2, "fields": [solo]}), solo, bundle, set())
    return [f"## {OTHER_NOTES}", "", *out] if out else []


def render_markdown(
    pm: PostMortem,
    *,
    bundle: Bundle | None = None,
    critic: CriticReport | None = None,
    template: Template | str | None = None,
) -> str:
    """The post-mortem in `template`'s layout (default: the seed template)."""
    tpl = template if isinstance(template, Template) else load_template(template)
    failed = _failed_roots(pm)
    out = header_lines(pm, tpl)
    for section in tpl.sections:
        out += _section(pm, section, bundle, failed)
    out += other_notes(pm, tpl, bundle)
    out += review_notes(critic, pm)
    return "\n".join(out).rstrip() + "\n"


def render_json(pm: PostMortem) -> str:
    return pm.model_dump_json(indent=2) + "\n"


__all__ = ["Group", "cite", "claim", "render_json", "render_markdown", "review_notes", "section_lines"]
