"""Blame lints (lexicon classes B1-B8) over segments, with the false-alarm guards of §2.4.

B1 links an actor to a causal or failure verb only through a possessive noun phrase or a few filler
words ("Sam's config change broke", "the on-call engineer accidentally ran"), or through a "by"
phrase ("caused by Sam"); neutral verbs ("Dana rolled back the deploy") never match. B3 flags a
counterfactual only when the subject right before it is a person, role or "we"/"they" ("the job
failed to start" passes); "should" without "have" is never a counterfactual. Pattern classes
(B2, B4-B8) run on text whose code spans, quotes and citations are blanked (`segments.mask`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pmstudio.lints.actors import Actors
from pmstudio.lints.lexicon import Lexicon, load_lexicon, words
from pmstudio.lints.rewrite import (
    by_rewrite,
    capitalise,
    drop_span,
    is_participle,
    participle,
    passive,
    replace_possessive,
)
from pmstudio.lints.segments import Segment, mask, sentences
from pmstudio.schema import Finding, FindingSeverity

NARRATIVE_HIGH = ("timeline", "summary", "impact", "root_cause", "header")
_PRIORITY = {"B1": 0, "B2": 1, "B3": 2, "B4": 3, "B5": 4, "B7": 5, "B6": 6, "B8": 7}
_WORD = re.compile(r"[\w@][\w'’@-]*")
_PUNCT_GAP = re.compile(r"[,;:()\[\]—–\"“”]|\s-\s")
_PAST_IRREGULAR = frozenset(
    "found saw said knew thought made ran took went got gave told led kept held brought built sent spent left felt "
    "meant met paid put read set shut stood understood won wrote began became came did had was were is are has "
    "shows says suggests indicates confirms reveals showed noted noticed restored fixed confirmed".split()
)
_NOT_ADVERB = frozenset(
    {"only", "early", "family", "supply", "assembly", "reply", "apply", "rely", "july", "italy", "fly"}
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
_DETERMINER = frozenset({"the", "a", "an", "our", "their", "this", "that", "his", "her", "its"})
_COORD = frozenset({"and", "but", "or", "then"})


@dataclass(frozen=True)
class Hit:
    cls: str
    start: int
    end: int
    severity: FindingSeverity
    message: str
    suggestion: str


@dataclass(frozen=True)
class _Tok:
    start: int
    end: int
    word: str


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]


def _is_adverb(word: str) -> bool:
    w = word.lower()
    return len(w) > 4 and w.endswith("ly") and w not in _NOT_ADVERB


class _Matchers:
    """Regexes built from the lexicon, once per lint run."""

    def __init__(self, lex: Lexicon) -> None:
        b1, b3 = lex.data.B1, lex.data.B3
        omission = rf"(?:did\s+not|didn['’]t|did\s+never|never|does\s+not|doesn['’]t|had\s+not|hadn['’]t)\s+(?:even\s+)?{words(b1.omission_verbs)}"
        objects = rf"{words(b1.object_verbs)}\s+(?:(?!(?:for|to|of|with|from)\s)[\w'’-]+\s+){{0,2}}?{words(b1.failure_objects)}"
        change = rf"{words(b1.change_verbs)}\s+(?:[\w'’-]+\s+){{0,2}}?{words(b1.bad_objects)}(?:\s+[\w-]+)?"
        adverb = rf"{words(b1.blame_adverbs)}(?:\s+[\w-]+)?"
        without = rf"{words(b1.change_verbs)}\s+(?:[\w#'’-]+\s+){{0,4}}?without\s+(?:any\s+|a\s+|proper\s+|first\s+)?{words(b1.without)}\w*"
        end = r"(?![\w-])"
        self.strong_vp = re.compile(
            rf"\s*(?:{words(b1.cause_verbs)}|{objects}|{change}|{without}|{omission}|{adverb}){end}", re.I
        )
        self.b1_patterns = [re.compile(p, re.I) for p in b1.patterns]
        person_only = [
            v for v in b1.cause_verbs if re.match(r"(forg|ignor|neglect|overlook|mistyp|misread|fat)", v)
        ]
        self.weak_vp = re.compile(rf"\s*(?:{words(person_only)}|{omission}|{adverb}){end}", re.I)
        self.change_nouns = {w.lower() for w in b1.change_nouns}
        self.filler = {w.lower() for w in b1.filler}
        self.possessive_blame = re.compile(rf"\s*{words(b1.possessive_blame)}{end}", re.I)
        det = r"(?:(?:the|a|an|our|their|his|her|one\s+of\s+(?:the|our))\s+)?"
        self.by_before = re.compile(rf"\b(?P<by>{words(b1.by_phrases)})\s+{det}(?:[\w-]+\s+){{0,2}}?$", re.I)
        self.bad_by_before = re.compile(
            rf"\b{words(b1.bad_objects)}\s+(?:[\w-]+\s+){{0,3}}?(?P<by>(?:pushed|deployed|shipped|merged|made|written|"
            rf"run|applied|committed|released|entered|typed)\s+by)\s+{det}$",
            re.I,
        )
        modals = words(b3.modals)
        self.modal = re.compile(
            rf"\b(?P<modal>{modals})(?:\s+to)?(?:n['’]t|\s+not|\s+never)?\s+(?:\w+ly\s+)?have\s+(?:\w+ly\s+)?"
            rf"(?P<been>been\s+)?(?:\w+ly\s+)?(?P<pp>[\w-]+)",
            re.I,
        )
        self.failed = re.compile(r"\b(?P<kind>fail(?:ed|s|ing)?|failure)\s+to\s+(?P<inf>[\w-]+)", re.I)
        self.if_only = re.compile(r"\bif\s+only\b", re.I)
        self.passive_people = {w.lower() for w in b3.passive_people}
        self.person_inf = {w.lower() for w in b3.person_infinitives}
        self.skip = {w.lower() for w in b3.skip}
        self.breakers = {w.lower() for w in b3.breakers}


def _after_words(text: str, pos: int, limit: int) -> list[_Tok]:
    """Up to `limit` word tokens after `pos`, stopping at clause punctuation."""
    out: list[_Tok] = []
    last = pos
    for tok in _tokens(text[pos:]):
        tok = _Tok(tok.start + pos, tok.end + pos, tok.word)
        if _PUNCT_GAP.search(text[last : tok.start]):
            break
        out.append(tok)
        last = tok.end
        if len(out) >= limit:
            break
    return out


def _np_word(word: str, mt: _Matchers) -> bool:
    w = word.lower()
    if w in mt.change_nouns or re.fullmatch(r"[\d:.]+", w):
        return True
    if w in mt.breakers or w in _PAST_IRREGULAR or w in {"who", "which", "that", "to"}:
        return w == "to"
    if w.endswith(("ed", "ing")) and not w.startswith("un"):
        return False
    return True


def _relative_word(word: str, mt: _Matchers) -> bool:
    return word.lower() not in mt.breakers or word.lower() == "that"


def _filler_word(word: str, mt: _Matchers) -> bool:
    return word.lower() in mt.filler or _is_adverb(word)


def _b1(sent: str, actors: Actors, mt: _Matchers, lex: Lexicon) -> list[Hit]:
    b1 = lex.data.B1
    hits: list[Hit] = [
        Hit("B1", m.start(), m.end(), b1.severity, b1.message, b1.suggestion)
        for p in mt.b1_patterns
        for m in p.finditer(sent)
    ]
    for a in actors.find(sent):
        if a.strength == "collective":
            continue
        vp = mt.strong_vp if a.strength == "strong" else mt.weak_vp
        pos = a.end
        poss = re.match(r"['’]s?(?=\s)", sent[pos:])
        if poss and a.strength == "strong":
            pos += poss.end()
            m = mt.possessive_blame.match(sent, pos)
            if m:
                hits.append(Hit("B1", a.start, m.end(), b1.severity, b1.message, b1.suggestion))
                continue
            steps, allowed, limit = _after_words(sent, pos, 6), _np_word, 6
        else:
            steps = _after_words(sent, pos, 7)
            if steps and steps[0].word.lower() in ("who", "that") and a.strength == "strong":
                allowed, limit = _relative_word, 7  # "the developer who wrote the cache introduced ..."
            else:
                allowed, limit = _filler_word, 3
        end = None
        m = None if poss else vp.match(sent, pos)
        if m:
            end = m.end()
        else:
            for tok in steps[:limit]:
                if not allowed(tok.word, mt):
                    break
                m = vp.match(sent, tok.end)
                if m:
                    end = m.end()
                    break
        if end is not None:
            hits.append(
                Hit(
                    "B1",
                    _np_start(sent, a.start, actors, mt),
                    end,
                    b1.severity,
                    b1.message,
                    _b1_suggestion(sent, a.start, a.end, bool(poss)),
                )
            )
            continue
        if a.strength != "strong":
            continue
        if _compound(sent, a.end):
            continue  # "because of engineer error": the actor word modifies a noun
        prefix = sent[max(0, a.start - 80) : a.start]
        for pattern in (mt.by_before, mt.bad_by_before):
            pm = pattern.search(prefix)
            if pm:
                start = a.start - len(prefix) + pm.start()
                if (
                    re.match(r"(?:mistake|error|oversight|lapse|slip)", pm.group("by"), re.I)
                    and a.text not in actors.names
                ):
                    b2 = lex.cls("B2")
                    suggestion = lex.patterns["B2"][0].suggestion
                    hits.append(Hit("B2", start, a.end, b2.severity or "high", b2.message, suggestion))
                    break
                by_end = a.start - len(prefix) + pm.end("by")
                suggestion = (
                    f'"{capitalise(by_rewrite(sent.strip(), by_end - _lead(sent), a.end - _lead(sent)))}"'
                )
                hits.append(
                    Hit(
                        "B1",
                        start,
                        a.end,
                        b1.severity,
                        b1.message,
                        f"Name the mechanism, not the person: {suggestion}",
                    )
                )
                break
    return hits


_AFTER_BY_ACTOR = frozenset(
    "who that which and or on in at during while when with for to was were had has did not because after before "
    "as by from".split()
)


def _compound(sent: str, end: int) -> bool:
    """True when the word after an actor makes it a modifier ("engineer error", "team workflow")."""
    if re.match(r"['’]s?\b", sent[end:]):
        return False
    nxt = _after_words(sent, end, 1)
    if not nxt or nxt[0].start != end + 1:
        return False
    word = nxt[0].word.lower()
    return word not in _AFTER_BY_ACTOR and not word.endswith("ing")


def _np_start(sent: str, start: int, actors: Actors, mt: _Matchers) -> int:
    """Widen a role word's span to its noun phrase ("engineer" -> "The on-call engineer")."""
    first = _tokens(sent[start:])
    if not first or first[0].word in actors.names or actors.strength(first[0].word) != "strong":
        return start
    begin = start
    for tok in reversed(_tokens(sent[:start])[-3:]):
        w = tok.word.lower()
        if (
            _PUNCT_GAP.search(sent[tok.end : begin])
            or w in mt.breakers
            or w.endswith(("ed", "ing"))
            or tok.word in actors.names
        ):
            break
        begin = tok.start
        if w in _DETERMINER:
            break
    return begin


def _lead(sent: str) -> int:
    return len(sent) - len(sent.lstrip())


def _b1_suggestion(sent: str, start: int, end: int, possessive: bool) -> str:
    lead = _lead(sent)
    if possessive:
        return f'Make the change the subject: "{replace_possessive(sent.strip(), start - lead, end - lead)}"'
    rest = re.split(r"[,;:]|\s(?:and|but|so|because)\s", sent[end:])[0].strip().rstrip(".;!?")
    m = re.match(r"(?:\w+ly\s+)?(?:forgot|neglected|failed)\s+to\s+(?P<v>[\w-]+)\s+(?P<obj>.+)$", rest, re.I)
    if m:
        done = passive(m.group("obj"), participle(m.group("v")))
        if done:
            return f'Describe the omission without the person: "{done}", then what made it easy to miss.'
    m = re.match(r"(?:\w+ly\s+)?(?:did\s+not|didn['’]t|never)\s+(?P<v>[\w-]+)\s+(?P<obj>.+)$", rest, re.I)
    if m:
        done = passive(m.group("obj"), participle(m.group("v")))
        if done:
            return f'Describe the omission without the person: "{done}", then what made it easy to miss.'
    return lex_suggestion()


def lex_suggestion() -> str:
    return load_lexicon().data.B1.suggestion


def _head(sent: str, start: int, mt: _Matchers) -> tuple[str, _Tok | None]:
    """The subject word right before `start`: ("word", tok), ("break", tok-or-None) or ("start", None)."""
    toks = _tokens(sent[:start])
    nxt = start
    for tok in reversed(toks):
        if _PUNCT_GAP.search(sent[tok.end : nxt]):
            return "break", None
        w = tok.word.lower()
        if w in mt.breakers:
            return "break", tok
        if w in mt.skip or _is_adverb(w):
            nxt = tok.start
            continue
        return "word", tok
    return "start", None


def _first_subject(sent: str) -> _Tok | None:
    for tok in _tokens(sent):
        if tok.word.lower() not in _DETERMINER:
            return tok
    return None


def _b3(sent: str, seg: Segment, actors: Actors, mt: _Matchers, lex: Lexicon) -> list[Hit]:
    b3 = lex.data.B3
    sev: FindingSeverity = (
        b3.severity_narrative
        if seg.kind == "narrative" and seg.section in NARRATIVE_HIGH
        else b3.severity_other
    )
    hits: list[Hit] = []

    def subject(start: int, person_verb: bool, allow_start: bool) -> int | None:
        kind, tok = _head(sent, start, mt)
        if kind == "start":
            return start if allow_start else None
        if kind == "break":
            if tok is None or tok.word.lower() not in _COORD:
                return None
            tok = _first_subject(sent[: tok.start])
            if tok is None:
                return None
        assert tok is not None
        if tok.word.lower() == "who":
            return tok.start
        strength = actors.strength(tok.word)
        if strength in ("strong", "collective") or (strength == "ambiguous" and person_verb):
            return tok.start
        return None

    for m in mt.modal.finditer(sent):
        pp = m.group("pp")
        if not is_participle(pp) and not m.group("been"):
            continue
        passive_person = bool(m.group("been")) and pp.lower() in mt.passive_people
        start = subject(m.start(), True, True)
        if start is None and not passive_person:
            continue
        span_start = m.start() if start is None else _np_start(sent, start, actors, mt)
        hits.append(
            Hit("B3", span_start, m.end(), sev, b3.message, _b3_suggestion(sent, m.end(), pp, b3.suggestion))
        )
    for m in mt.failed.finditer(sent):
        inf = m.group("inf").lower()
        person_verb = inf in mt.person_inf
        if m.group("kind").lower() == "failure":
            before = sent[: m.start()].rstrip()
            tok = _tokens(before)[-1] if _tokens(before) else None
            possessed = tok is not None and re.search(r"['’]s?$", tok.word) is not None
            if possessed and tok is not None and actors.strength(tok.word) is None:
                continue
            if not possessed and not person_verb:
                continue
            start = tok.start if possessed and tok is not None else m.start()
        else:
            found = subject(m.start(), person_verb, False)
            if found is None:
                continue
            start = found
        hits.append(
            Hit(
                "B3",
                _np_start(sent, start, actors, mt),
                m.end(),
                sev,
                b3.message,
                _b3_suggestion(sent, m.end(), participle(inf), b3.suggestion),
            )
        )
    for m in mt.if_only.finditer(sent):
        hits.append(Hit("B3", m.start(), m.end(), sev, b3.message, b3.suggestion))
    det = r"(?:(?:the|a|an|our|their|his|her)\s+)?(?:[\w-]+\s+){0,2}?"
    for a in actors.find(sent):
        before, after = sent[: a.start], sent[a.end :]
        if_m = re.search(rf"\bif\s+{det}$", before, re.I)
        had_m = re.search(rf"(?:^|[,;])\s*(?P<had>had)\s+{det}$", before, re.I)
        pm = re.match(r"\s+had\s+(?:\w+ly\s+)?([\w-]+)", after) if if_m else None
        if if_m and pm and is_participle(pm.group(1)):
            hits.append(Hit("B3", if_m.start(), a.end + pm.end(), sev, b3.message, b3.suggestion))
            continue
        pm = re.match(r"\s+(?:\w+ly\s+)?([\w-]+)", after) if had_m else None
        if had_m and pm and is_participle(pm.group(1)):
            hits.append(Hit("B3", had_m.start("had"), a.end + pm.end(), sev, b3.message, b3.suggestion))
    return hits


def _b3_suggestion(sent: str, end: int, pp: str, default: str) -> str:
    rest = re.split(r"[,;.!?]|\s(?:and|but|so|because)\s", sent[end:])[0].strip()
    done = passive(rest, pp.lower()) if rest else None
    if done:
        return f'"{done}"; then say what made that reasonable at the time.'
    return default


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


def _patterns(sent: str, seg: Segment, cls: str, lex: Lexicon, sev: FindingSeverity) -> list[Hit]:
    spec = lex.cls(cls)
    cues = (
        re.compile(rf"(?<![\w-]){words(spec.negation_cues)}(?![\w-])|n['’]t\b", re.I)
        if spec.negation_cues
        else None
    )
    hits = []
    for p in lex.patterns[cls]:
        for m in p.regex.finditer(sent):
            if _guarded(p.guard, sent, m, cues):
                continue
            text = sent.strip()
            lead = _lead(sent)
            suggestion = p.suggestion.replace("{span}", m.group(0))
            if cls in ("B5", "B6"):
                suggestion = f'"{drop_span(text, m.start() - lead, m.end() - lead)}"'
            hits.append(Hit(cls, m.start(), m.end(), sev, spec.message, suggestion))
    return hits


def blame_hits(seg: Segment, actors: Actors, lex: Lexicon, *, severity: str | None = None) -> list[Hit]:
    """Blame hits in one segment (offsets into `seg.text`), deduplicated by overlap and priority."""
    if seg.kind in ("quote", "owner", "other") or not seg.text.strip():
        return []
    mt = _matchers(lex)
    masked = mask(seg.text)
    out: list[Hit] = []
    for s, e in sentences(masked):
        sent = masked[s:e]
        found: list[Hit] = []
        found += _b1(sent, actors, mt, lex)
        found += _patterns(sent, seg, "B2", lex, "high" if seg.kind != "action" else "medium")
        if seg.kind != "heading":
            found += _b3(sent, seg, actors, mt, lex)
            b4 = lex.cls("B4")
            b4_sev = (b4.severity_action if seg.kind == "action" else b4.severity_other) or "medium"
            found += _patterns(sent, seg, "B4", lex, b4_sev)
            found += _patterns(sent, seg, "B6", lex, lex.cls("B6").severity or "low")
            found += _patterns(sent, seg, "B8", lex, lex.cls("B8").severity or "low")
            if severity in ("medium", "low") and seg.kind == "narrative":
                found += _patterns(sent, seg, "B7", lex, lex.cls("B7").severity or "medium")
        found += _patterns(sent, seg, "B5", lex, lex.cls("B5").severity or "medium")
        out += [Hit(h.cls, h.start + s, h.end + s, h.severity, h.message, h.suggestion) for h in found]
    return _dedupe(out)


def _dedupe(hits: list[Hit]) -> list[Hit]:
    kept: list[Hit] = []
    for h in sorted(hits, key=lambda h: (_PRIORITY.get(h.cls, 9), h.start, -(h.end - h.start))):
        if any(h.start < k.end and k.start < h.end for k in kept):
            continue
        kept.append(h)
    return sorted(kept, key=lambda h: h.start)


_CACHE: dict[int, _Matchers] = {}


def _matchers(lex: Lexicon) -> _Matchers:
    key = id(lex)
    if key not in _CACHE:
        _CACHE[key] = _Matchers(lex)
    return _CACHE[key]


def rule_id(lex: Lexicon, cls: str) -> str:
    if cls == "B1":
        return lex.data.B1.rule
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
                )
            )
    return findings
