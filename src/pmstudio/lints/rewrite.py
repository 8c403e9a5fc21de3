"""Concrete rewrites for blame findings: turn a person-centred clause into a system-centred one.

These are suggestions for the author (and feedback for the revising agent), not automatic edits:
"Sam's deploy broke checkout" -> "The deploy broke checkout"; "Sam forgot to renew the certificate"
-> "The certificate was not renewed"; "caused by Sam's change" -> "caused by a change".
"""

from __future__ import annotations

import re

_IRREGULAR = {
    "be": "been", "begin": "begun", "break": "broken", "bring": "brought", "build": "built", "buy": "bought",
    "catch": "caught", "choose": "chosen", "come": "come", "cut": "cut", "do": "done", "draw": "drawn",
    "drive": "driven", "find": "found", "forget": "forgotten", "get": "got", "give": "given", "go": "gone",
    "have": "had", "hear": "heard", "hold": "held", "keep": "kept", "know": "known", "lead": "led",
    "leave": "left", "let": "let", "lose": "lost", "make": "made", "mean": "meant", "meet": "met",
    "pay": "paid", "put": "put", "read": "read", "rerun": "rerun", "run": "run", "say": "said", "see": "seen",
    "seek": "sought", "send": "sent", "set": "set", "show": "shown", "shut": "shut", "spend": "spent",
    "spot": "spotted", "stop": "stopped", "take": "taken", "teach": "taught", "tell": "told",
    "think": "thought", "understand": "understood", "write": "written", "ship": "shipped", "drop": "dropped",
    "plan": "planned", "commit": "committed", "skip": "skipped", "ack": "acknowledged", "tag": "tagged",
}  # fmt: skip
_PARTICIPLES = frozenset(_IRREGULAR.values()) | {
    "been", "had", "done", "known", "seen", "taken", "caught", "thought", "told", "found", "run", "read",
    "gone", "given", "written", "shown", "chosen", "sent", "kept", "left", "made", "put", "set", "built",
    "brought", "led", "held", "heard", "let", "got", "gotten", "understood", "forgotten", "begun", "drawn",
}  # fmt: skip
_DETERMINERS = (
    "the ",
    "a ",
    "an ",
    "this ",
    "that ",
    "these ",
    "those ",
    "its ",
    "their ",
    "our ",
    "all ",
    "every ",
)


def participle(verb: str) -> str:
    """The past participle of a base-form verb (regular rules plus the common irregular ones)."""
    v = verb.lower()
    if v in _IRREGULAR:
        return _IRREGULAR[v]
    if v.endswith("e"):
        return v + "d"
    if re.search(r"[^aeiou]y$", v):
        return v[:-1] + "ied"
    return v + "ed"


def is_participle(word: str) -> bool:
    w = word.lower()
    return w in _PARTICIPLES or (len(w) > 3 and w.endswith("ed"))


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


_PREPOSITION = re.compile(r"\s(?:in|before|during|after|on|at|for|by|until|when|while|from|within)\s")


def passive(obj: str, pp: str) -> str | None:
    """ "<obj> was not <pp>" when `obj` starts like a noun phrase, else None."""
    obj = obj.strip().rstrip(".,;:")
    if not obj:
        return None
    cut = _PREPOSITION.search(obj)
    head, tail = (obj[: cut.start()], obj[cut.start() :]) if cut else (obj, "")
    if head.lower() in ("this", "that", "it"):
        return f"{capitalise(head)} was not {pp}{tail}"
    if not obj.lower().startswith(_DETERMINERS):
        return None
    last = head.split()[-1].lower()
    plural = (
        last.endswith("s")
        and not last.endswith(("ss", "is", "us"))
        and head.split()[0].lower() not in ("a", "an", "this", "that")
    )
    return f"{capitalise(head)} {'were' if plural else 'was'} not {pp}{tail}"


def replace_possessive(sentence: str, actor_start: int, actor_end: int) -> str:
    """`sentence` with "<actor>'s" replaced by "the" ("Sam's deploy broke X" -> "The deploy broke X")."""
    after = sentence[actor_end:]
    m = re.match(r"['’]s?\s*", after)
    rest = after[m.end() :] if m else after
    before = sentence[:actor_start]
    prefix = before.rstrip()
    if prefix.lower().endswith(("the", "a", "an")):
        before = prefix[: prefix.rfind(" ") + 1] if " " in prefix else ""
    word = "the" if before.strip() else "The"
    return f"{before}{word} {rest}".strip()


def by_rewrite(sentence: str, by_end: int, actor_end: int) -> str:
    """ "caused by Sam's change" -> "caused by a change"; "due to the on-call engineer" -> "due to <mechanism>"."""
    after = sentence[actor_end:]
    m = re.match(r"['’]s?\s+", after)
    if m:
        return f"{sentence[:by_end]} a {after[m.end() :]}".strip()
    return f"{sentence[:by_end]} <the change or condition that did this>{after}".strip()


def drop_span(sentence: str, start: int, end: int) -> str:
    """`sentence` without [start:end], with spacing and capitalisation tidied."""
    out = sentence[:start] + sentence[end:]
    out = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s{2,}", " ", out)).strip()
    out = re.sub(r"^[,;:]\s*", "", out)
    return capitalise(out)
