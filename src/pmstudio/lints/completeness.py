"""Completeness lints (C1-C11) over an `Outline` and its segments (metrics-rubrics D1, D2, D8-D10).

Judged against a template (`pmstudio.templates`): C1 every section of that template present with real
content, at the section's declared severity when the template is declared (config, `--template`, the
drafting template) and at most medium when it was only guessed (best fit); no template, no C1. Content
rules (C3-C11) run where the template lists them and the document has that content. C1 details: C2 no template residue; C3 timeline has detection
and mitigation/resolution; C4 chronology; C5 stated duration agrees with the timeline (±1 min); C6
impact has a magnitude; C7 at least two contributing factors; C8-C10 each action item has an owner,
a due date or priority, and a link to an existing factor; C11 at least one prevention item.
"""

from __future__ import annotations

import re
from datetime import timedelta

from pmstudio.lints.lexicon import Lexicon, load_lexicon
from pmstudio.lints.outline import Outline
from pmstudio.lints.quantities import find_durations, find_numbers, find_times
from pmstudio.lints.segments import Segment, is_empty, mask
from pmstudio.schema import NOT_STATED, Finding, FindingSeverity
from pmstudio.templates import Template, cap, seed_template

NO_OWNER = re.compile(
    r"^(?:|-+|—|–|\?+|n/?a|none|nobody|no one|tbd|tbc|todo|unassigned|unknown|owner|anyone|someone|\[[^\]]*\]|<[^>]*>|"
    r"\{\{[^}]*\}\}|not stated\b.*|_+)$",
    re.I,
)
NO_DUE = re.compile(
    r"^(?:|-+|—|\?+|n/?a|none|tbd|tbc|todo|unknown|\[[^\]]*\]|<[^>]*>|not stated\b.*|_+)$", re.I
)
MAGNITUDE_UNITS = (
    r"users?|customers?|requests?|accounts?|errors?|orders?|tickets?|transactions?|calls?|quer(?:y|ies)|messages?|jobs?|"
    r"hosts?|servers?|pods?|repos?|repositories|sites?|builds?|downloads?|packages?|pages?|sessions?|payments?|devices?|"
    r"machines?|instances?|nodes?|regions?|tenants?|organi[sz]ations?|orgs?|members?|visitors?|e-?mails?|records?|rows?|"
    r"events?|files?|crates?|workflows?|deployments?|clusters?|endpoints?|services?|apps?|applications?|certificates?|"
    r"domains?|zones?|logins?|checkouts?|purchases?|subscribers?|projects?|workers?|vms?|containers?|databases?|shards?|"
    r"bytes|[kmgt]b|dollars?|usd|eur|responses?|uploads?|publish(?:es)?|releases?|sign-?ins?|people|merchants?|stores?|"
    r"websites?|domains?|computers?|endpoints?|clients?|consumers?|partners?|vendors?|apis?|tokens?|keys?|secrets?|"
    r"versions?|artifacts?|images?|notifications?|webhooks?|pushes|commits?|failures?"
)
_MAGNITUDE = re.compile(
    rf"\b(?:all|every|no|none of the|both)\s+(?:\w+\s+){{0,2}}(?:{MAGNITUDE_UNITS})\b|[$€£]\s?\d",
    re.I,
)
_UNIT_NEAR = re.compile(rf"^\s*(?:[\w-]+\s+){{0,3}}?(?:{MAGNITUDE_UNITS})\b", re.I)


def _f(
    rule: str, sev: FindingSeverity, section: str, span: str, message: str, suggestion: str = ""
) -> Finding:
    return Finding(
        rule=rule, severity=sev, section=section, span=span, message=message, suggestion=suggestion
    )


def residue_findings(
    segments: list[Segment], lex: Lexicon | None = None, evidence_text: str = ""
) -> list[Finding]:
    """C2: template placeholders in any non-quoted text (not when the materials say the same)."""
    lex = lex or load_lexicon()
    r = lex.data.residue
    out = []
    for seg in segments:
        if seg.kind == "quote":
            continue
        seen: set[tuple[int, int]] = set()
        text = mask(seg.text)
        for pattern in lex.residue:
            for m in pattern.finditer(text):
                span = seg.text[m.start() : m.end()]
                if any(m.start() < e and s < m.end() for s, e in seen) or (
                    evidence_text and span in evidence_text
                ):
                    continue
                seen.add((m.start(), m.end()))
                out.append(
                    _f(
                        r.rule,
                        r.severity,
                        seg.section,
                        span,
                        r.message,
                        f'Replace "{span}" with the real value, or write "{NOT_STATED}".',
                    )
                )
    return out


def has_magnitude(text: str) -> bool:
    if _MAGNITUDE.search(text):
        return True
    for n in find_numbers(text):
        if n.percent or n.value >= 1 and _UNIT_NEAR.match(text[n.end :]):
            return True
    return False


def _minutes_between(outline: Outline) -> float | None:
    ms = {m.name: m.at for m in outline.milestones}
    start, end = ms.get("started_at"), ms.get("resolved_at")
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 60


def _pair_minutes(outline: Outline) -> list[float]:
    """Differences between every ordered pair of timeline times (clock-only times wrap at midnight)."""
    clocks = [e.clock for e in outline.entries if e.clock is not None]
    fulls = [e.at for e in outline.entries if e.at is not None] + [m.at for m in outline.milestones]
    out = [(b - a).total_seconds() / 60 for a in fulls for b in fulls if b >= a]
    out += [float((b - a) % 1440) for a in clocks for b in clocks]
    return out


def _duration_findings(outline: Outline) -> list[Finding]:
    out: list[Finding] = []
    expected = _minutes_between(outline)
    stated = find_durations(outline.duration_text)
    if expected is not None:
        for d in stated[:1]:
            minutes = d.minutes
            if abs(minutes - expected) > 1:
                out.append(_f("C5-duration-mismatch", "medium", "timeline", outline.duration_text,
                              f"Header duration is {minutes:g} min but the timeline's start of impact to resolution is {expected:.0f} min.",
                              f"Use {expected:.0f} min, or correct the start/resolution times."))  # fmt: skip
        if outline.impact_minutes is not None and abs(outline.impact_minutes - expected) > 1:
            out.append(_f("C5-duration-mismatch", "medium", "impact", f"duration_minutes={outline.impact_minutes}",
                          f"Impact duration is {outline.impact_minutes} min but the timeline gives {expected:.0f} min.",
                          f"Set the impact duration to {expected:.0f} min."))  # fmt: skip
        claimed = find_durations(outline.impact_duration_text)
        if claimed and all(abs(d.minutes - expected) > max(1, d.unit / 2) for d in claimed):
            out.append(_f("C5-duration-mismatch", "medium", "impact", outline.impact_duration_text[claimed[0].start : claimed[0].end],
                          f"Duration of impact says {claimed[0].minutes:g} min but the timeline gives {expected:.0f} min.",
                          f"Use {expected:.0f} min."))  # fmt: skip
        return out
    if not stated or outline.structured:
        return out
    minutes = stated[0].minutes
    times = find_times(outline.duration_text)
    if len(times) >= 2:
        t0, t1 = times[0], times[1]
        if t0.at is not None and t1.at is not None:
            span = round((t1.at - t0.at).total_seconds() / 60)
        elif t0.at is not None and re.search(r"\d{4}-\d{2}-\d{2}", outline.duration_text[t0.end : t1.start]):
            span = -1  # the end carries a date the clock pattern did not read
        else:
            span = (t1.clock - t0.clock) % 1440
        if span < 0:
            return out
        if abs(span - minutes) > 1:
            out.append(_f("C5-duration-mismatch", "medium", "header", outline.duration_text,
                          f"Duration {minutes:g} min does not match its own range {times[0].text} to {times[1].text} ({span} min).",
                          f"Use {span} min."))  # fmt: skip
        return out
    pairs = _pair_minutes(outline)
    if pairs and all(abs(p - minutes) > 1 for p in pairs):
        out.append(_f("C5-duration-mismatch", "medium", "header", outline.duration_text,
                      f"Duration {minutes:g} min matches no pair of times in the timeline.",
                      "State the duration from the start of impact to resolution as the timeline gives it."))  # fmt: skip
    return out


def _timeline_findings(outline: Outline, timed_evidence: bool | None) -> list[Finding]:
    out: list[Finding] = []
    if "timeline" not in outline.roles or timed_evidence is False:
        return out
    phases = {e.phase for e in outline.entries if e.phase}
    names = {m.name for m in outline.milestones}
    if "detection" not in phases and "detected_at" not in names:
        out.append(_f("C3-timeline-milestones", "high", "timeline", "Detection",
                      "The timeline has no detection entry (when and how the problem was noticed).",
                      "Add the first alert, page or report with its time."))  # fmt: skip
    if not phases & {"mitigation", "resolution"} and not names & {"mitigated_at", "resolved_at"}:
        out.append(_f("C3-timeline-milestones", "high", "timeline", "Resolution",
                      "The timeline has no mitigation or resolution entry.",
                      "Add when impact was mitigated and when the incident was resolved."))  # fmt: skip
    ms = {m.name: m.at for m in outline.milestones}
    resolved = ms.get("resolved_at")
    for a, b in (
        ("started_at", "resolved_at"),
        ("detected_at", "resolved_at"),
        ("mitigated_at", "resolved_at"),
        ("started_at", "mitigated_at"),
    ):
        if a in ms and b in ms and ms[a] > ms[b] + timedelta(minutes=1):
            out.append(_f("C4-timeline-order", "high", "timeline", f"{a}={ms[a]:%H:%M}",
                          f"{a} ({ms[a]:%Y-%m-%d %H:%M}) is after {b} ({ms[b]:%Y-%m-%d %H:%M}).",
                          "Check both times against the evidence."))  # fmt: skip
    if resolved is not None:
        for e in outline.entries:
            if (
                e.at is not None
                and e.phase in ("impact_start", "detection", "mitigation")
                and e.at > resolved + timedelta(minutes=1)
            ):
                out.append(_f("C4-timeline-order", "medium", "timeline", f"{e.time_text} - {e.text[:60]}",
                              f"A {e.phase} entry is after the resolution time ({resolved:%H:%M}).",
                              "Correct the time or the phase of this entry."))  # fmt: skip
    if not outline.structured:
        groups: dict[str, list[int]] = {}
        for e in outline.entries:
            if e.clock is not None:
                groups.setdefault(e.group, []).append(
                    e.clock if e.at is None else int(e.at.timestamp() // 60)
                )
        for group, values in groups.items():
            for prev, cur in zip(values, values[1:], strict=False):
                if cur < prev and not (prev - cur > 12 * 60 and prev < 1440):
                    out.append(_f("C4-timeline-order", "medium", "timeline", group,
                                  f"Entries under \"{group}\" are not in chronological order.",
                                  "Sort the entries by time."))  # fmt: skip
                    break
    return out


def _action_findings(outline: Outline) -> list[Finding]:
    out: list[Finding] = []
    known = {f.id for f in outline.factors if f.id}
    unlinked = 0
    for a in outline.actions:
        label = a.title.strip() or a.field
        if a.done or a.tracker:
            continue  # done, or tracked where the owner and date live
        if NO_OWNER.match(a.owner.strip()):
            out.append(_f("C8-action-owner", "high", "actions", label,
                          "Action item has no owner.", "Name the owning team or role (a person only if the materials name one)."))  # fmt: skip
        if NO_DUE.match(a.due.strip()) and not a.priority.strip():
            out.append(_f("C9-action-due", "medium", "actions", label,
                          "Action item has neither a due date nor a priority.", "Add a priority (P0-P3) or a due date."))  # fmt: skip
        if "root_cause" not in outline.roles:
            continue  # factor links cannot be checked; the missing section is reported once (C1)
        if outline.factor_ids_used:
            missing = [i for i in a.factor_ids if i not in known]
            if not a.factor_ids:
                out.append(_f("C10-action-factor-link", "medium", "actions", label,
                              "Action item is not linked to a contributing factor.",
                              f"Link it to the factor it addresses ({', '.join(sorted(known)) or 'add factor ids'})."))  # fmt: skip
            elif missing:
                out.append(_f("C10-action-factor-link", "medium", "actions", label,
                              f"Action item links to unknown factor(s) {', '.join(missing)}.",
                              f"Use one of {', '.join(sorted(known)) or 'the factor ids'}."))  # fmt: skip
        else:
            unlinked += 1
    if unlinked and outline.factors:
        out.append(_f("C10-action-factor-link", "low", "actions", "Action Items",
                      "Action items are not linked to contributing factors (factors have no ids).",
                      "Number the factors (CF1, CF2, ...) and say which factor each item addresses."))  # fmt: skip
    if (
        "actions" in outline.roles
        and not outline.prevention
        and not any(a.kind == "prevent" for a in outline.actions)
    ):
        out.append(_f("C11-no-prevention", "medium", "actions", "Prevention Strategies",
                      "No prevention item: nothing keeps this class of incident from recurring.",
                      "Add at least one preventive action (a guard rail, validation or design change)."))  # fmt: skip
    return out


def _enabled(rule: str, lints: set[str] | None) -> bool:
    """Whether a content rule applies: the template lists it (by id or code), or there is no template."""
    if lints is None:
        return True
    code = rule.split("-", 1)[0]
    return rule in lints or code in lints


def section_findings(outline: Outline, template: Template, *, declared: bool, timed_evidence: bool | None) -> list[Finding]:
    """C1: the template's sections missing or without real content."""
    out: list[Finding] = []
    reported: set[str] = set()
    for s in template.sections:
        sev = s.missing_severity if declared else cap(s.missing_severity, "medium")
        if sev is None or sev == "ignore":
            continue
        if s.key not in outline.present:
            if outline.structured and s.schema_name in reported:
                continue  # a failed schema section is reported once, under its first heading
            reported.add(s.schema_name)
            out.append(_f("C1-missing-section", sev, s.schema_name, s.heading,
                          f"Section \"{s.heading}\" is missing.", f"Add the \"{s.heading}\" section."))  # fmt: skip
        elif s.key in outline.empty and not (s.schema_name == "timeline" and timed_evidence is False):
            if outline.structured and s.schema_name in reported:
                continue
            reported.add(s.schema_name)
            low: FindingSeverity = "medium" if sev == "high" else "low"
            out.append(_f("C1-missing-section", low, s.schema_name, s.heading,
                          f"Section \"{s.heading}\" has no real content.", "Fill it from the materials, or say why it cannot be."))  # fmt: skip
    return out


def lint_completeness(
    outline: Outline,
    segments: list[Segment],
    *,
    timed_evidence: bool | None = None,
    evidence_text: str = "",
    lex: Lexicon | None = None,
    template: Template | None = None,
    declared: bool = True,
    judge_sections: bool = True,
) -> list[Finding]:
    """C1-C11 findings. `timed_evidence` False means the materials had no timestamps (timeline checks
    skipped); `evidence_text` (all evidence texts) keeps quoted material from counting as residue.
    `template` is the one judged against (default seed when `judge_sections`; with
    `judge_sections=False` and no template, no C1 and every content rule)."""
    tpl = template or (seed_template() if judge_sections else None)
    lints = tpl.lint_ids() if tpl is not None else None
    out: list[Finding] = []
    if tpl is not None:
        out += section_findings(outline, tpl, declared=declared, timed_evidence=timed_evidence)
    out += residue_findings(segments, lex, evidence_text)
    out += _timeline_findings(outline, timed_evidence)
    out += _duration_findings(outline)
    if (
        "impact" in outline.roles
        and not is_empty(outline.impact_text.replace(NOT_STATED, ""))
        and not has_magnitude(outline.impact_text)
    ):
        out.append(_f("C6-impact-magnitude", "medium", "impact", outline.impact_text.strip()[:80] or "Impact",
                      "Impact has no magnitude (a count or percentage of affected users, requests, orders...).",
                      "Add how many were affected, labelled as an estimate if it is one."))  # fmt: skip
    if "root_cause" in outline.roles and len(outline.factors) < 2:
        out.append(_f("C7-few-factors", "medium", "root_cause", "Contributing Factors",
                      f"{len(outline.factors)} contributing factor(s); incidents have several.",
                      "Add the conditions that let the trigger cause impact (detection gaps, missing guards, design)."))  # fmt: skip
    out += _action_findings(outline)
    return [f for f in out if f.rule in ("C1-missing-section", "C2-template-residue") or _enabled(f.rule, lints)]
