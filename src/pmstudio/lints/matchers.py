"""Regular expressions of the B1 and B3 lints, built from the lexicon once per lexicon."""

from __future__ import annotations

import re

from pmstudio.lints.lexicon import Lexicon, words


class Matchers:
    """Regexes built from the lexicon, once per lint run."""

    def __init__(self, lex: Lexicon) -> None:
        b1, b3 = lex.data.B1, lex.data.B3
        omission = rf"(?:did\s+not|didn['’]t|did\s+never|never|does\s+not|doesn['’]t|had\s+not|hadn['’]t)\s+(?:even\s+)?{words(b1.omission_verbs)}"
        objects = rf"{words(b1.object_verbs)}\s+(?:(?!(?:for|to|of|with|from)\s)[\w'’-]+\s+){{0,2}}?{words(b1.failure_objects)}"
        change = rf"{words(b1.change_verbs)}(?!\s+back\b)\s+(?:[\w'’-]+\s+){{0,2}}?{words(b1.bad_objects)}(?:\s+[\w-]+)?"
        if b1.undo_verbs and b1.mistaken_objects:  # "deleted the wrong table" blames; "removed the bad config" is the fix
            change += rf"|{words(b1.undo_verbs)}\s+(?:[\w'’-]+\s+){{0,2}}?{words(b1.mistaken_objects)}(?:\s+[\w-]+)?"
        adverb = rf"{words(b1.blame_adverbs)}(?:\s+[\w-]+)?"
        without = rf"{words([*b1.change_verbs, *b1.undo_verbs])}\s+(?:[\w#'’-]+\s+){{0,4}}?without\s+(?:any\s+|a\s+|proper\s+|first\s+)?{words(b1.without)}\w*"
        end = r"(?![\w-])"
        self.strong_vp = re.compile(
            rf"\s*(?:{words(b1.cause_verbs)}|{objects}|{change}|{without}|{omission}|{adverb}){end}", re.I
        )
        self.b1_patterns = [re.compile(p, re.I) for p in b1.patterns]
        person_only = [
            v for v in b1.cause_verbs if re.match(r"(forg|ignor|neglect|overlook|mistyp|misread|misunderst|misjudg|fat|did)", v)
        ]
        self.weak_vp = re.compile(rf"\s*(?:{words(person_only)}|{omission}|{adverb}){end}", re.I)
        self.change_nouns = {w.lower() for w in b1.change_nouns}
        self.filler = {w.lower() for w in b1.filler}
        self.possessive_blame = re.compile(
            rf"\s*{words(b1.possessive_blame)}{end}(?!\s+{words(b1.possessive_measures)}{end})", re.I
        )
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


_CACHE: dict[int, Matchers] = {}


def matchers(lex: Lexicon) -> Matchers:
    key = id(lex)
    if key not in _CACHE:
        _CACHE[key] = Matchers(lex)
    return _CACHE[key]
