"""B1, a person presented as the cause: an actor linked to a causal or failure verb.

The link is only a possessive noun phrase or a few filler words ("Sam's config change broke", "the
on-call engineer accidentally ran"), a relative clause ("the developer who wrote the cache
introduced the leak"), or a "by" phrase ("caused by Sam"); neutral verbs ("Dana rolled back the
deploy") never match, and an omission with its reason given ("did not notice the page because it
was routed to e-mail") passes.
"""

from __future__ import annotations

import re

from pmstudio.lints.actors import Actors
from pmstudio.lints.clauses import Hit, after_words, is_adverb, lead, np_start
from pmstudio.lints.lexicon import Lexicon, load_lexicon, words
from pmstudio.lints.matchers import Matchers
from pmstudio.lints.rewrite import by_rewrite, capitalise, participle, passive, replace_possessive

_PAST_IRREGULAR = frozenset(
    "found saw said knew thought made ran took went got gave told led kept held brought built sent spent left felt "
    "meant met paid put read set shut stood understood won wrote began became came did had was were is are has "
    "shows says suggests indicates confirms reveals showed noted noticed restored fixed confirmed".split()
)


def _np_word(word: str, mt: Matchers) -> bool:
    w = word.lower()
    if w in mt.change_nouns or re.fullmatch(r"[\d:.]+", w):
        return True
    if w in mt.breakers or w in _PAST_IRREGULAR or w in {"who", "which", "that", "to"}:
        return w == "to"
    if w.endswith(("ed", "ing")) and not w.startswith("un"):
        return False
    return True


def _relative_word(word: str, mt: Matchers) -> bool:
    return word.lower() not in mt.breakers or word.lower() == "that"


_OMISSION = re.compile(
    r"\s*(?:did\s+not|didn['’]t|did\s+never|never|does\s+not|doesn['’]t|had\s+not|hadn['’]t)\b", re.I
)
_EXPLAINED = re.compile(r"\b(?:because|since|as|due to|given that|so|until|while|when)\b", re.I)


def _subject(sent: str, start: int) -> bool:
    """The actor opens its clause (only determiners or a time stamp before it)."""
    before = re.split(r"[,;:(]|\s[-–—]\s|\b(?:and|but|so|because|when|while|after|before|then)\b", sent[:start])[-1]
    words_before = [w for w in re.findall(r"[\w'’]+", before) if not re.fullmatch(r"[\d:.]+|utc|the|a|an|our|their|at|on", w, re.I)]
    return not words_before


def _explained_omission(matched: str, rest: str) -> bool:
    return bool(_OMISSION.match(matched)) and bool(_EXPLAINED.search(rest))


def _filler_word(word: str, mt: Matchers) -> bool:
    return word.lower() in mt.filler or is_adverb(word)


_BY_MISTAKE = re.compile(r"\b(?:by\s+(?:mistake|accident)|in\s+error|mistakenly|accidentally|inadvertently)\b", re.I)
_ASIDE = re.compile(
    r"(?:\s+(?:who|that)\s+[^,;:.!?]{1,80}?)?\s*,\s*(?:[\w-]+ly|however|again|once\s+more|of\s+course|it\s+seems|apparently)\s*,"
)


def _self_blame(sent: str, start: int, lex: Lexicon) -> Hit | None:
    """B10: "I messed up the MX records" -- medium, with a system-centred rewrite."""
    b10 = lex.data.B10
    m = re.compile(rf"I\s+(?:\w+ly\s+|then\s+|just\s+)?(?P<v>{words(b10.verbs)})\b", re.I).match(sent, start)
    if not m:
        return None
    rest = re.split(r"[,;:.!?]|\s(?:and|but|so|because|when|while)\s", sent[m.end() :])[0].strip()
    suggestion = b10.suggestion
    inf = re.match(r"to\s+(?P<v>[\w-]+)\s+(?P<obj>.+)$", rest)
    done = passive(inf.group("obj"), participle(inf.group("v"))) if inf else None
    if done is None and rest.lower().startswith(("the ", "a ", "an ", "our ", "this ", "that ")):
        obj = capitalise(rest)
        plural = obj.split()[-1].lower().endswith("s") and not obj.lower().startswith(("a ", "an ", "this ", "that "))
        done = f"{obj} {'were' if plural else 'was'} set up incorrectly"
    if done:
        suggestion = f'Describe what happened to the system: "{done}", then what made that easy to get wrong.'
    return Hit("B10", start, m.end(), b10.severity, b10.message, suggestion)


_ALL_OF_THEM = ("everyone", "everybody", "anyone", "anybody")
_RECIPIENT = re.compile(rf"\b(?:to|for|from|with)\s+(?:(?:{'|'.join(_ALL_OF_THEM)})\s+)?$", re.I)
"""A preposition right before "everyone" (or before "everyone" and the "who" after it): the people a text is for
or served ("refunds to everyone who missed a slot"), not a cause."""


_OBJECT_OF = re.compile(r"\b[a-z]+ed\s+(?:the\s+|our\s+|their\s+|a\s+|an\s+)?$", re.I)
"""A verb done to the actor just before it ("flagged the team", "suspended our"): the actor is its object."""


def _adverb_only(vp: str, lex: Lexicon) -> bool:
    """Whether a matched verb phrase is only a blame adverb ("wrongly"), which then tells how the act was done to
    whoever precedes it, not what they did."""
    return bool(re.fullmatch(rf"\s*{words(lex.data.B1.blame_adverbs)}(?:\s+[\w-]+)?", vp, re.I))


def b1_hits(sent: str, actors: Actors, mt: Matchers, lex: Lexicon) -> list[Hit]:
    b1 = lex.data.B1
    hits: list[Hit] = [
        Hit("B1", m.start(), m.end(), b1.severity, b1.message, b1.suggestion)
        for p in mt.b1_patterns
        for m in p.finditer(sent)
    ]
    for a in actors.find(sent):
        if a.strength == "collective":
            continue
        if (a.text.lower() in _ALL_OF_THEM or a.text.lower() == "who") and _RECIPIENT.search(sent[: a.start]):
            continue  # "refunds to everyone who missed a slot": the people the text is for, not a cause
        if a.text == "I":
            own = _self_blame(sent, a.start, lex)
            if own is not None:
                hits.append(own)
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
            steps, allowed, limit = after_words(sent, pos, 6), _np_word, 6
        else:
            aside = _ASIDE.match(sent, pos) if a.strength == "strong" else None
            if aside:
                pos = aside.end()  # "the user who cut the release, crucially, forgot ..."
            steps = after_words(sent, pos, 7)
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
        if m is not None and end is not None and _explained_omission(m.group(0), sent[end:]):
            continue  # "did not notice the alert because it was grouped": the why is given
        if m is not None and _OBJECT_OF.search(sent[: a.start]) and _adverb_only(m.group(0), lex):
            continue  # "their billing system flagged the team wrongly": done to the actor, who is no cause
        if end is not None:
            hits.append(
                Hit(
                    "B1",
                    np_start(sent, a.start, actors, mt),
                    end,
                    b1.severity,
                    b1.message,
                    _b1_suggestion(sent, a.start, a.end, bool(poss)),
                )
            )
            continue
        if a.strength != "strong":
            continue
        if _subject(sent, a.start):
            clause = re.split(r"[,;:.!?]|\s(?:and|but|so|because|when|while|after|before)\s", sent[a.end :])[0]
            bm = _BY_MISTAKE.search(clause)
            if bm and len(clause[: bm.start()].split()) <= 10:
                end = a.end + bm.end()
                hits.append(Hit("B1", np_start(sent, a.start, actors, mt), end, b1.severity, b1.message, lex_suggestion()))
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
                    f'"{capitalise(by_rewrite(sent.strip(), by_end - lead(sent), a.end - lead(sent)))}"'
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
    nxt = after_words(sent, end, 1)
    if not nxt or nxt[0].start != end + 1:
        return False
    word = nxt[0].word.lower()
    return word not in _AFTER_BY_ACTOR and not word.endswith("ing")


def _b1_suggestion(sent: str, start: int, end: int, possessive: bool) -> str:
    offset = lead(sent)
    if possessive:
        return (
            f'Make the change the subject: "{replace_possessive(sent.strip(), start - offset, end - offset)}"'
        )
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
