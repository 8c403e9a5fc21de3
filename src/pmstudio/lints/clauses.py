"""Clause helpers shared by the person-as-cause (B1) and counterfactual (B3) lints.

Words are tokens with offsets; a clause ends at punctuation or a conjunction. `head()` finds the
subject word right before a verb phrase; `np_start()` widens a role word to its noun phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pmstudio.lints.actors import Actors
from pmstudio.lints.matchers import Matchers
from pmstudio.schema import FindingSeverity

WORD = re.compile(r"[\w@][\w'’@-]*")
PUNCT_GAP = re.compile(r"[,;:()\[\]—–\"“”]|\s-\s")
NOT_ADVERB = frozenset(
    {"only", "early", "family", "supply", "assembly", "reply", "apply", "rely", "july", "italy", "fly"}
)
DETERMINER = frozenset({"the", "a", "an", "our", "their", "this", "that", "his", "her", "its"})
COORD = frozenset({"and", "but", "or", "then"})


@dataclass(frozen=True)
class Hit:
    cls: str
    start: int
    end: int
    severity: FindingSeverity
    message: str
    suggestion: str
    replacement: str | None = None  # a drop-in rewrite of the span, when the rule has one


@dataclass(frozen=True)
class Tok:
    start: int
    end: int
    word: str


def tokens(text: str) -> list[Tok]:
    return [Tok(m.start(), m.end(), m.group(0)) for m in WORD.finditer(text)]


def is_adverb(word: str) -> bool:
    w = word.lower()
    return len(w) > 4 and w.endswith("ly") and w not in NOT_ADVERB


def after_words(text: str, pos: int, limit: int) -> list[Tok]:
    """Up to `limit` word tokens after `pos`, stopping at clause punctuation."""
    out: list[Tok] = []
    last = pos
    for tok in tokens(text[pos:]):
        tok = Tok(tok.start + pos, tok.end + pos, tok.word)
        if PUNCT_GAP.search(text[last : tok.start]):
            break
        out.append(tok)
        last = tok.end
        if len(out) >= limit:
            break
    return out


def np_start(sent: str, start: int, actors: Actors, mt: Matchers) -> int:
    """Widen a role word's span to its noun phrase ("engineer" -> "The on-call engineer")."""
    first = tokens(sent[start:])
    if not first or first[0].word in actors.names or actors.strength(first[0].word) != "strong":
        return start
    begin = start
    for tok in reversed(tokens(sent[:start])[-3:]):
        w = tok.word.lower()
        if (
            PUNCT_GAP.search(sent[tok.end : begin])
            or w in mt.breakers
            or w.endswith(("ed", "ing"))
            or tok.word in actors.names
        ):
            break
        begin = tok.start
        if w in DETERMINER:
            break
    return begin


def lead(sent: str) -> int:
    return len(sent) - len(sent.lstrip())


def head(sent: str, start: int, mt: Matchers) -> tuple[str, Tok | None]:
    """The subject word right before `start`: ("word", tok), ("break", tok-or-None) or ("start", None)."""
    toks = tokens(sent[:start])
    nxt = start
    for tok in reversed(toks):
        if PUNCT_GAP.search(sent[tok.end : nxt]):
            return "break", None
        w = tok.word.lower()
        if w in mt.breakers:
            return "break", tok
        if w in mt.skip or is_adverb(w):
            nxt = tok.start
            continue
        return "word", tok
    return "start", None


def first_subject(sent: str) -> Tok | None:
    for tok in tokens(sent):
        if tok.word.lower() not in DETERMINER:
            return tok
    return None
