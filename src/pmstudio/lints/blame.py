"""Blame lints (lexicon classes B1-B10) over segments, with the false-alarm guards of §2.4.

B1 (person as cause) and B10 (self-blame, "I messed up") live in `cause`, B3 (counterfactuals) in
`counterfactual`; the pattern classes (B2 human error incl. agentless "an error was made", B4
behaviour remediation, B5 judgmental, B6 condescending, B7 "outage" inflation, B8 distancing, B9
rhetorical blame) are lexicon regexes with guards (negation, temporal "just", literal
"clearly"). Everything runs on text whose code spans, quotes and citations are blanked
(`segments.mask`); overlapping hits keep the most specific class.
"""

from __future__ import annotations

import re

from pmstudio.lints.actors import Actors
from pmstudio.lints.cause import b1_hits
from pmstudio.lints.clauses import Hit, lead
from pmstudio.lints.counterfactual import b3_hits
from pmstudio.lints.lexicon import Lexicon, load_lexicon, words
from pmstudio.lints.matchers import matchers
from pmstudio.lints.rewrite import drop_span
from pmstudio.lints.segments import Segment, mask, sentences
from pmstudio.schema import Finding, FindingSeverity

_PRIORITY = {"B9": 0, "B1": 1, "B10": 1, "B2": 2, "B3": 3, "B4": 4, "B5": 5, "B7": 6, "B6": 7, "B8": 8}
_QUESTION = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:was|is|were|did|does|do|has|have|had|could|can|would|will|should)\b[^?]*\?\s*$", re.I
)
_JUST_OK = re.compile(
    r"\s*(?:before|after|prior|under|over|below|above|as|in|enough|a|an|the|one|two|three|four|five|six|seven|eight|"
    r"nine|ten|once|twice|now|then|ahead|past|shy|short|about|around|minutes?|seconds?|hours?|within|when|like|"
    r"this|that|those|these|for|to|\d)\b",
    re.I,
)
_LITERAL_OK = re.compile(
    r"\s*(?:\w+ed|\w+en|visible|readable|legible|distinguishable|separate|defined|marked|written)\b", re.I
)


def _guarded(guard: str | None, sent: str, m: re.Match[str], cues: re.Pattern[str] | None) -> bool:
    if guard == "negation" and cues is not None:
        clause = re.split(r"[,;:]", sent[: m.start()])[-1]
        tail = " ".join(clause.split()[-8:])
        return bool(cues.search(tail))
    if guard == "temporal":
        return bool(_JUST_OK.match(sent, m.end()))
    if guard == "literal":
        return bool(_LITERAL_OK.match(sent, m.end()))
    return False


_CUES: dict[tuple[int, str], re.Pattern[str] | None] = {}


def _cues(lex: Lexicon, cls: str) -> re.Pattern[str] | None:
    """The class's negation cues as one regex, built once per lexicon."""
    key = (id(lex), cls)
    if key not in _CUES:
        spec = lex.cls(cls)
        _CUES[key] = (
            re.compile(rf"(?<![\w-]){words(spec.negation_cues)}(?![\w-])|n['’]t\b", re.I)
            if spec.negation_cues
            else None
        )
    return _CUES[key]


_ANY: dict[tuple[int, str], re.Pattern[str]] = {}


def _any(lex: Lexicon, cls: str) -> re.Pattern[str]:
    """All of a class's patterns as one regex: a sentence that matches none is skipped at once."""
    key = (id(lex), cls)
    if key not in _ANY:
        _ANY[key] = re.compile("|".join(f"(?:{p.regex.pattern})" for p in lex.patterns[cls]), re.I)
    return _ANY[key]


def _patterns(sent: str, seg: Segment, cls: str, lex: Lexicon, sev: FindingSeverity) -> list[Hit]:
    if not _any(lex, cls).search(sent):
        return []
    spec = lex.cls(cls)
    cues = _cues(lex, cls)
    hits = []
    for p in lex.patterns[cls]:
        for m in p.regex.finditer(sent):
            if _guarded(p.guard, sent, m, cues):
                continue
            text = sent.strip()
            offset = lead(sent)
            suggestion = p.suggestion.replace("{span}", m.group(0))
            if cls in ("B5", "B6"):
                suggestion = f'"{drop_span(text, m.start() - offset, m.end() - offset)}"'
            repl = _rhetorical_rewrite(m.group(0)) if cls == "B9" else None
            hits.append(Hit(cls, m.start(), m.end(), sev, spec.message, suggestion, repl))
    return hits


_WHO_THOUGHT = re.compile(
    r"^who\s+(?:\w+\s+)?(?:thought|decided|figured|agreed|signed\s+off\s+on|came\s+up\s+with)\s+(?:that\s+)?"
    r"(?P<x>.+?)\s+(?:was|is|would\s+be|were)\s+(?:a\s+)?\w+\s+(?:idea|plan|move|call)\s*\??$",
    re.I,
)


def _rhetorical_rewrite(span: str) -> str:
    """A neutral statement for a rhetorical question ("Who thought X was a good idea?" -> "X looked
    reasonable at the time."); a verdict ("this is on him") is simply dropped."""
    m = _WHO_THOUGHT.match(span.strip())
    if m:
        x = m.group("x").strip()
        return f"{x[:1].upper()}{x[1:]} looked reasonable at the time" + ("." if span.rstrip().endswith("?") else "")
    return ""


def blame_hits(seg: Segment, actors: Actors, lex: Lexicon, *, severity: str | None = None) -> list[Hit]:
    """Blame hits in one segment (offsets into `seg.text`), deduplicated by overlap and priority."""
    if seg.kind in ("quote", "owner", "other") or not seg.text.strip():
        return []
    mt = matchers(lex)
    masked = mask(seg.text)
    out: list[Hit] = []
    for s, e in sentences(masked):
        sent = masked[s:e]
        found: list[Hit] = []
        found += b1_hits(sent, actors, mt, lex)
        if not _QUESTION.match(sent):  # "Was it caused by human error?" asks, it does not blame
            found += _patterns(sent, seg, "B2", lex, "high" if seg.kind != "action" else "medium")
        found += _patterns(sent, seg, "B9", lex, lex.cls("B9").severity or "high")
        if seg.kind != "heading":
            found += b3_hits(sent, seg, actors, mt, lex)
            b4 = lex.cls("B4")
            b4_sev = (b4.severity_action if seg.kind == "action" else b4.severity_other) or "medium"
            found += _patterns(sent, seg, "B4", lex, b4_sev)
            found += _patterns(sent, seg, "B6", lex, lex.cls("B6").severity or "low")
            found += _patterns(sent, seg, "B8", lex, lex.cls("B8").severity or "low")
            if severity in ("medium", "low") and seg.kind == "narrative":
                found += _patterns(sent, seg, "B7", lex, lex.cls("B7").severity or "medium")
        found += _patterns(sent, seg, "B5", lex, lex.cls("B5").severity or "medium")
        out += [Hit(h.cls, h.start + s, h.end + s, h.severity, h.message, h.suggestion, h.replacement) for h in found]
    return _dedupe(out)


def _dedupe(hits: list[Hit]) -> list[Hit]:
    kept: list[Hit] = []
    for h in sorted(hits, key=lambda h: (_PRIORITY.get(h.cls, 9), h.start, -(h.end - h.start))):
        if any(h.start < k.end and k.start < h.end for k in kept):
            continue
        kept.append(h)
    return sorted(kept, key=lambda h: h.start)


def rule_id(lex: Lexicon, cls: str) -> str:
    if cls == "B1":
        return lex.data.B1.rule
    if cls == "B10":
        return lex.data.B10.rule
    if cls == "B3":
        return lex.data.B3.rule
    return lex.cls(cls).rule


def lint_blame(
    segments: list[Segment],
    *,
    people: list[str] | set[str],
    severity: str | None = None,
    lex: Lexicon | None = None,
) -> list[Finding]:
    """B1-B8 findings over `segments`; `severity` is the incident's (for B7 "outage" inflation)."""
    lex = lex or load_lexicon()
    actors = Actors(lex, people)
    findings = []
    for seg in segments:
        for h in blame_hits(seg, actors, lex, severity=severity):
            span = seg.text[h.start : h.end].strip()
            findings.append(
                Finding(
                    rule=rule_id(lex, h.cls),
                    severity=h.severity,
                    section=seg.section,
                    span=span,
                    message=h.message,
                    suggestion=h.suggestion,
                    replacement=h.replacement,
                )
            )
    return findings
