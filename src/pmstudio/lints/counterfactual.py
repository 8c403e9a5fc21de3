"""B3, counterfactuals about people ("should have", "could have", "failed to", "if only", "had X done",
"could have been avoided by ...").

Flagged only when the subject right before the counterfactual is a person, role or "we"/"they"
("the job failed to start" passes), or for a passive that implies a person's omission ("should have
been reviewed"); "should" without "have" is never a counterfactual, and "could not have ... without their help" is
credit, not one. High in the narrative of the timeline, summary, impact and root cause; medium
elsewhere (lessons, action items). Avoidability ("could have been avoided by sending to a test
segment first") judges a choice in hindsight and is high anywhere but in action items.
"""

from __future__ import annotations

import re

from pmstudio.lints.actors import Actors
from pmstudio.lints.clauses import COORD, Hit, first_subject, head, np_start, tokens
from pmstudio.lints.lexicon import Lexicon
from pmstudio.lints.matchers import Matchers
from pmstudio.lints.rewrite import is_participle, participle, passive
from pmstudio.lints.segments import Segment
from pmstudio.schema import FindingSeverity

NARRATIVE_HIGH = ("timeline", "summary", "impact", "root_cause", "header")
# "The outage could have been avoided by deploying ...": hindsight about a choice, whoever made it.
_AVOIDABLE = re.compile(
    r"\b(?:could|would|might)\s+(?:\w+ly\s+)?have\s+been\s+(?:\w+ly\s+)?(?:avoided|prevented|averted|stopped|caught)"
    r"\s+(?:by|if|had|with)\b[^,;.!?]*",
    re.I,
)
# "We couldn't have done it without their help": credit for what did happen, not a counterfactual.
_CREDIT = re.compile(r"\bwithout\b", re.I)


def b3_hits(sent: str, seg: Segment, actors: Actors, mt: Matchers, lex: Lexicon) -> list[Hit]:
    b3 = lex.data.B3
    sev: FindingSeverity = (
        b3.severity_narrative
        if seg.kind == "narrative" and seg.section in NARRATIVE_HIGH
        else b3.severity_other
    )
    hits: list[Hit] = []

    def subject(start: int, person_verb: bool, allow_start: bool) -> int | None:
        kind, tok = head(sent, start, mt)
        if kind == "start":
            return start if allow_start else None
        if kind == "break":
            if tok is None or tok.word.lower() not in COORD:
                return None
            tok = first_subject(sent[: tok.start])
            if tok is None:
                return None
        assert tok is not None
        if tok.word.lower() == "who":
            return tok.start
        strength = actors.strength(tok.word)
        if strength in ("strong", "collective") or (strength == "ambiguous" and person_verb):
            return tok.start
        return None

    for m in _AVOIDABLE.finditer(sent):
        sev_avoid: FindingSeverity = "medium" if seg.kind == "action" else b3.severity_narrative
        hits.append(Hit("B3", m.start(), m.end(), sev_avoid, b3.message, b3.suggestion))
    for m in mt.modal.finditer(sent):
        pp = m.group("pp")
        if _CREDIT.search(sent, m.end()):
            continue
        if not is_participle(pp) and not m.group("been"):
            continue
        passive_person = bool(m.group("been")) and pp.lower() in mt.passive_people
        start = subject(m.start(), True, True)
        if start is None and not passive_person:
            continue
        span_start = m.start() if start is None else np_start(sent, start, actors, mt)
        hits.append(
            Hit("B3", span_start, m.end(), sev, b3.message, _b3_suggestion(sent, m.end(), pp, b3.suggestion))
        )
    for m in mt.failed.finditer(sent):
        inf = m.group("inf").lower()
        person_verb = inf in mt.person_inf
        if m.group("kind").lower() == "failure":
            before = sent[: m.start()].rstrip()
            tok = tokens(before)[-1] if tokens(before) else None
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
                np_start(sent, start, actors, mt),
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
