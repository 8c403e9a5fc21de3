"""Blameless rewording of evidence text: strip chat noise, drop blameful clauses, soften minimisers.

Everything the offline model writes passes through `blameless()`: clauses that blame or
second-guess people ("who pushed this??", "should have caught it", "my fault", "human error") are
dropped whole; minimising words ("just", "simply", "obviously") are removed; "failed to" becomes
"did not". Nothing is added, so every number left in a sentence is one the evidence holds.
"""

from __future__ import annotations

import re

# clauses that blame, second-guess or judge people: dropped whole
_BLAME = re.compile(
    r"\bwho(?:ever)?\b[^.?!;]*\b(?:push\w*|merg\w*|self-merg\w*|approv\w*|ship\w*|broke|forgot|did (?:this|that|it)|"
    r"wrote|let|decid\w*|deploy\w*|build\w*|builds|run|ran|chang\w*|touch\w*|review\w*)\b|\bwhoever\b|"
    r"\bshould(?:n['’]t| not| never)?\s+(?:\w+\s+)?have\b|\bcould(?:n['’]t)?\s+have\b|\bwould(?:n['’]t)?\s+have\b|"
    r"\bshould never\b|\bif only\b|\bforg[oe]t\w*\b|\bfault\b|\blaz(?:y|iness)\b|\bcareless\w*|\bsloppy\b|"
    r"\bstupid\b|\bridiculous\b|\bincompeten\w*|\bnegligen\w*|\bfat[- ]finger\w*|"
    r"\b(?:human|operator|user|pilot|engineer|developer|people) error\b|\bmistakes?\b|\bmistakenly\b|\bblam\w*|"
    r"\bcan['’]?t believe\b|\bunbelievabl\w*|\bepic fail\b|\bwtf\b|\bfacepalm\b|\breally\s*\?|"
    r"\bnot what we asked\b|\bon the [\w-]+ team\b|\bthat was me\b|\bme,? apparently\b|"
    r"\bmy bad\b|\bnobody (?:ever )?(?:tests?|checks?|bothered)\b|\bno excuse\b|\bnot (?:my|our) problem\b|"
    r"\bdidn['’]t check\b|\bwithout looking\b|\b(?:who|why) (?:is|was|would) [^.?!]*\?|\bnever (?:load )?tested\b|"
    r"\bpure\b|\bentirely (?:my|his|her|their)\b|\bidiot\w*|\bdumb\b|\bmoron\w*|\bembarrass\w*|\bshame\w*|"
    r"\b\w+['’]s (?:push|change|commit|deploy|pr|script|config|code)\b[^.;]{0,30}\b(?:broke|caused|took down|killed)\b",
    re.I,
)
# a person or role next to a causal / failure verb (after names were replaced by roles)
_ACTOR_CAUSE = re.compile(
    r"\b(?:a responder|the on-call engineer|the incident commander|an engineer|a user|a customer|the reporter|"
    r"\bi\b|\bhe\b|\bshe\b|\bthey\b|\byou\b|someone|somebody)(?:['’]s)?\s+(?:[^\s,;.!?]+\s+){0,8}?"
    r"(?:broke|caused|triggered|forgot|missed|ignored|neglected|didn['’]t|did not|failed|messed|screwed)\b",
    re.I,
)
_MINIMISE = re.compile(
    r"(?<![\w-])(?:just|simply|obviously|clearly|basically|of course|easily|everyone knows|straightforward(?:ly)?|"
    r"literally|totally|honestly|actually)(?![\w-])\s*,?",
    re.I,
)
_FAILED_TO = re.compile(r"\bfail(?:ed|s)? to\b", re.I)
_NOISE = re.compile(
    r"(?<![\w+])(?:lol|lmao|rofl|haha+|omg|smh|ugh+|yikes|welp|sigh|oof|meh|argh+)(?![\w])[.!,]*|"
    r"(?<![\w])\+1(?![\w])|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200d]+",
    re.I,
)
_SHORTCODE = re.compile(r"(?<![\w/]):[a-z_+-][a-z0-9_+-]*:(?![\w/])")
_LEAD = re.compile(
    r"^(?:(?:ok(?:ay)?|k|hm+|hmm+|uh+|um+|oh(?: no)?|wow|yep|yeah|nope|hey|ah|welp|fwiw|fyi|btw|tbf|tbh|imo|"
    r"alright|so|and|also|anyway)\b[,.!:]*\s+|"
    r"(?:yes|no|right|well|later|stop|not now|focus|thanks|thx|cool|nice|great|done|confirmed)[,.!:]\s+)+",
    re.I,
)
_TAIL = re.compile(
    r"[.,;]?\s*\b(?:great|awesome|fantastic|perfect|classic|lovely|fun|cool|sigh)\s*[.!]*\s*$", re.I
)
_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=\S)")
_PUNCT_RUN = re.compile(r"([!?])[!?]+")
_SPACE = re.compile(r"\s+")
# the first "I" becomes the role (with the verb agreeing), later ones "they"
_FIRST_I = (
    (re.compile(r"\bI['’]m\b|\bI am\b"), "{role} is"),
    (re.compile(r"\bI['’]ll\b"), "{role} will"),
    (re.compile(r"\bI['’]ve\b|\bI have\b"), "{role} has"),
    (re.compile(r"\bI['’]d\b"), "{role} would"),
    (re.compile(r"\bI don['’]t\b|\bI do not\b"), "{role} does not"),
    (re.compile(r"\bI do\b"), "{role} does"),
    (re.compile(r"\bI\b"), "{role}"),
)
_LATER_I = (
    (re.compile(r"\bI['’]m\b|\bI am\b"), "they are"),
    (re.compile(r"\bI['’]ll\b"), "they will"),
    (re.compile(r"\bI['’]ve\b"), "they have"),
    (re.compile(r"\bI['’]d\b"), "they would"),
    (re.compile(r"\bI was\b"), "they were"),
    (re.compile(r"\bI\b"), "they"),
)
_ANY_I = re.compile(r"\bI\b")
_MY_ME = ((re.compile(r"\bmy\b", re.I), "their"), (re.compile(r"\bme\b", re.I), "them"))
_YOUR = re.compile(r"\byour\b", re.I)


def strip_noise(text: str, *, chat: bool = False) -> str:
    """Chat noise out: emojis, `lol`, `+1`, leading fillers ("ok,", "hm,"), runs of ?!, sarcastic tails."""
    text = _NOISE.sub(" ", text)
    if chat:
        text = _SHORTCODE.sub(" ", text)
    text = _PUNCT_RUN.sub(r"\1", text)
    text = _SPACE.sub(" ", text).strip()
    for _ in range(3):
        stripped = _LEAD.sub("", text).strip()
        if stripped == text:
            break
        text = stripped
    text = _TAIL.sub("", text).strip()
    return text.strip(" ,;:-/–—")


def is_blameful(text: str) -> bool:
    return bool(_BLAME.search(text) or _ACTOR_CAUSE.search(text))


def blameless(text: str, *, strict: bool = True) -> str:
    """`text` without minimisers; "" when it blames anyone (strict) or nothing blameless is left.

    Strict mode drops the whole text when any clause blames: the rest of a blameful message is
    usually about the same person ("who pushed this?? it needed a review").
    """
    clauses = _SPLIT.split(text)
    if strict and any(is_blameful(c) for c in clauses):
        return ""
    kept: list[str] = []
    for clause in clauses:
        if not clause.strip() or is_blameful(clause):
            continue
        clause = _MINIMISE.sub("", clause)
        clause = _FAILED_TO.sub("did not", clause)
        clause = _SPACE.sub(" ", clause).strip()
        clause = re.sub(r"\s+([,.;:!?])(?=\s|$)", r"\1", clause)
        if any(c.isalnum() for c in clause):
            kept.append(clause)
    return " ".join(kept).strip(" ,;:-")


def split_sentences(text: str) -> list[str]:
    return [p for p in _SPLIT.split(text) if any(c.isalnum() for c in p)]


def third_person(text: str, role: str) -> str:
    """First-person chat ("I rolled back", "my checkout") told by role ("a responder rolled back")."""
    m = _ANY_I.search(text)
    if m is not None:
        head, tail = text[: m.start()], text[m.start() :]
        for pattern, template in _FIRST_I:
            if pattern.match(tail):
                tail = pattern.sub(template.format(role=role), tail, count=1)
                break
        for pattern, repl in _LATER_I:
            tail = pattern.sub(repl, tail)
        text = head + tail
    for pattern, repl in _MY_ME:
        text = pattern.sub(repl, text)
    return text


def drop_vocative(text: str, names: list[str]) -> str:
    """`Sam, can you ...` -> `can you ...`; "your branch" after an address becomes "the branch"."""
    for name in names:
        m = re.match(rf"^@?{re.escape(name)}\s*,\s+", text, flags=re.I)
        if m:
            return _YOUR.sub("the", text[m.end() :])
    return text


def sentence(text: str, *, capitalise: bool = True) -> str:
    """Capitalised, ending with one full stop (keeps a final ? or !)."""
    text = _SPACE.sub(" ", text).strip(" ,;:-")
    if not text:
        return ""
    if capitalise:
        text = text[0].upper() + text[1:]
    if text[-1] not in ".!?":
        text += "."
    return text


def shorten(text: str, limit: int = 220) -> str:
    """At most `limit` characters, cut at a word boundary (no number is split)."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + " ..."


def clean(text: str, *, chat: bool = False) -> str:
    """Noise stripped and blameless (no capitalisation; "" when nothing is left)."""
    return blameless(strip_noise(text, chat=chat))


_DISCOVERY = re.compile(
    r"^(?:(?:we |i )?found (?:it|the culprit|the cause|the problem|the issue)|turns out|it turns out|so|ok|"
    r"here(?: for the page)?|joining|on it)\s*[:,.-]?\s+",
    re.I,
)


def reworded(text: str) -> str:
    """A cause told as a fact, not as the moment someone found it ("Found the culprit: X" -> "X")."""
    out = _DISCOVERY.sub("", text).strip()
    return out[:1].upper() + out[1:] if out else text
