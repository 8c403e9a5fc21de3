"""Run every lint over a draft (`PostMortem`) or a hand-written Markdown post-mortem.

People are the names given (bundle or golden `people`) plus evidence actors that look like people;
for Markdown without a people list, names are harvested from the document itself (owners, author,
reviewers, chat speakers in quoted material), and role words always count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pmstudio.lints.actors import people_from_evidence
from pmstudio.lints.blame import lint_blame
from pmstudio.lints.bodies import read_bodies
from pmstudio.lints.completeness import lint_completeness
from pmstudio.lints.grounding import lint_grounding
from pmstudio.lints.injection import lint_injection_evidence, lint_injection_markdown, lint_injection_segments
from pmstudio.lints.lexicon import load_lexicon
from pmstudio.lints.outline import outline_from_postmortem
from pmstudio.lints.segments import Segment, segments_from_postmortem
from pmstudio.mdparse import segments_from_markdown
from pmstudio.parsers.speakers import STAMPED_SPEAKER
from pmstudio.schema import Evidence, Finding, PostMortem
from pmstudio.templates import Template, best_fit

_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
_PERSON = re.compile(r"^@?[A-Z][a-z]{1,20}(?: [A-Z][a-z]{1,20})?$")


def unique_findings(findings: Iterable[Finding]) -> list[Finding]:
    """The first of each finding with the same rule, section and span (one finding id: `store.feedback.finding_id`)."""
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in findings:
        key = (f.rule, f.section, f.span)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _people(people: Iterable[str] | None, evidence: list[Evidence] | None) -> set[str]:
    names = {p for p in (people or []) if p and p.strip()}
    if evidence:
        names |= people_from_evidence(evidence)
    return names


def _joined(evidence: list[Evidence] | None) -> str:
    return "\n".join(e.text for e in evidence) if evidence else ""


def harvest_people(segments: list[Segment]) -> set[str]:
    """Person-like names a Markdown post-mortem itself mentions in owner fields and quoted chat."""
    lex = load_lexicon()
    roles = {w.lower() for w in lex.data.actors.roles}
    names: set[str] = set()
    for seg in segments:
        if seg.kind == "owner":
            for part in re.split(r",|;|\band\b|/|&", seg.text):
                part = re.sub(r"\(.*?\)", "", part).strip()
                if _PERSON.match(part) and not {w.lower() for w in part.split()} & roles:
                    names.add(part)
        elif seg.kind == "quote":
            m = STAMPED_SPEAKER.match(seg.text)
            if m and m.group("name").lower() not in roles:
                names.add(m.group("name"))
    return names


def lint_postmortem(
    pm: PostMortem, *, people: list[str], evidence: list[Evidence] | None = None
) -> list[Finding]:
    """Blame, completeness and (with evidence) grounding findings for a drafted post-mortem."""
    segments = segments_from_postmortem(pm)
    outline = outline_from_postmortem(pm, segments)
    found = lint_blame(segments, people=_people(people, evidence), severity=outline.severity)
    timed = None if evidence is None else any(e.at is not None for e in evidence)
    found += lint_completeness(outline, segments, timed_evidence=timed, evidence_text=_joined(evidence))
    found += lint_injection_segments(segments)
    if evidence is not None:
        found += lint_grounding(outline, segments, evidence)
        found += lint_injection_evidence(evidence)
    return sort_findings(unique_findings(found))


def lint_markdown(
    md: str,
    *,
    people: list[str] | None = None,
    evidence: list[Evidence] | None = None,
    template: Template | Literal["auto"] | None = "auto",
    declared: bool = False,
) -> list[Finding]:
    """The same lints over a Markdown post-mortem, its completeness judged against `template`.

    `template="auto"` judges against the best-fitting built-in (`templates.best_fit`), or none.
    `declared` says the team declared that template (config, `--template`): its required sections
    missing are then high; otherwise (a best-fit guess) at most medium. No template: no C1 at all.
    """
    if template == "auto":
        fitted = best_fit(md)
        template = fitted.template if fitted is not None else None
    segments, doc = segments_from_markdown(md, template)
    doc = read_bodies(md, doc)
    names = _people(people, evidence) if people else _people(harvest_people(segments), evidence)
    found = lint_blame(segments, people=names, severity=doc.severity)
    timed = None if evidence is None else any(e.at is not None for e in evidence)
    found += lint_completeness(
        doc,
        segments,
        timed_evidence=timed,
        evidence_text=_joined(evidence),
        template=template,
        declared=declared,
        judge_sections=template is not None,
    )
    found = [f for f in found if not _reference_link(f, md)]
    found += lint_injection_markdown(md, segments)
    if evidence is not None:
        found += lint_grounding(doc, segments, evidence)
        found += lint_injection_evidence(evidence)
    return sort_findings(unique_findings(found))


_LINK_DEFINITION = re.compile(r"^ {0,3}\[(?P<label>[^\]]+)\]:\s*\S", re.M)


def _reference_link(f: Finding, md: str) -> bool:
    """A Markdown reference link (`[Five Whys]` with a `[Five Whys]: url` definition, or `[text][ref]`)
    is not a template placeholder."""
    if not f.rule.startswith("C2") or not (f.span.startswith("[") and f.span.endswith("]")):
        return False
    label = f.span[1:-1].strip().lower()
    defined = {m.group("label").strip().lower() for m in _LINK_DEFINITION.finditer(md)}
    return label in defined or re.search(re.escape(f.span) + r"\[[^\]]*\]", md) is not None


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (_SEVERITY_ORDER[f.severity], f.rule))
