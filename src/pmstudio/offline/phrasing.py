"""Blameless rewording of evidence text: strip chat noise, drop blameful clauses, soften minimisers.

Everything the offline model writes passes through `blameless()`: clauses that blame or
second-guess people ("who pushed this??", "should have caught it", "my fault", "human error") are
dropped whole; minimising words ("just", "simply", "obviously") are removed; "failed to" becomes
"did not". Nothing is added, so every number left in a sentence is one the evidence holds.
"""

from __future__ import annotations

import re
from functools import cache

from pmstudio.lints.lexicon import load_lexicon, words

# clauses that blame, second-guess or judge people: dropped whole. The human-error and judgmental words are the
# lexicon's (`_lexicon_blame`); these are the drafter's own: chat's "who pushed this", hindsight ("should have", "if
# only", "if someone had patched them"; not "Who: anyone who installed the build", a label and a relative clause
# about the people hit), a change owned and told as the cause ("our last deploy broke the asset pipeline"), any
# "mistake", "blame", "fault", "shame" or "embarrass..." (wider than the critic, which must not flag a
# finished post-mortem's "the mistake in the config"), and a chat speaker owning or denying a part
_BLAME = re.compile(
    r"(?<!\banyone )(?<!\beveryone )(?<!\bsomeone )(?<!\busers )(?<!\bpeople )(?<!\bcustomers )(?<!\bthose )"
    r"\bwho(?:ever)?\b(?!\s*:)[^.?!;]*\b(?:push\w*|merg\w*|self-merg\w*|approv\w*|ship\w*|broke|forgot|did (?:this|that|it)|"
    r"wrote|let|decid\w*|deploy\w*|build\w*|builds|run|ran|chang\w*|touch\w*|review\w*)\b|\bwhoever\b|"
    r"\bshould(?:n['’]t| not| never)?\s+(?:\w+\s+)?have\b|\bcould(?:n['’]t)?\s+have\b|\bwould(?:n['’]t)?\s+have\b|"
    r"\bshould never\b|\bif only\b|\bforg[oe]t\w*\b|\b(?:my|his|her|their|your|our|whose)\s+fault\b|(?<!-)\bfault\b(?!-\w)(?! (?:injection|tolerance|tolerant|isolation|domains?|detection|handling)|\s+in\s+(?:how|the|a|an|its|our|their)\b)|"
    r"\bmistakes?\b|\bmistakenly\b|\bby mistake\b|\bin error\b(?!\s+(?:rates?|codes?|messages?|logs?|states?|status|budgets?)\b)|"
    r"\bblam\w*|\breally\s*\?|"
    r"\bnot what we asked\b|\bon the [\w-]+ team\b|\bthat was me\b|\bme,? apparently\b|"
    r"\bmy bad\b|\bnobody (?:ever )?(?:tests?|checks?|bothered)\b|\bnot (?:my|our) problem\b|"
    r"\bdidn['’]t check\b|\bwithout looking\b|\bwithout (?:telling|asking|warning|informing|checking with) (?:anyone|anybody|us|the team)\b|\b(?:who|why) (?:is|was|would) [^.?!]*\?|(?<!\bwas )(?<!\bwere )(?<!\bbeen )(?<!\bis )(?<!\bare )\bnever (?:load )?tested\b|"
    r"\bpure\b|\bentirely (?:my|his|her|their)\b|\bembarrass\w*|\bshame\w*|"
    r"\b(?:\w+['’]s|our|my|your|his|her|their) (?:\w+ ){0,2}?(?:push|change|commit|deploy|pr|script|config|code)\b[^.;]{0,30}"
    r"\b(?:broke|caused|took down|killed)\b|"
    r"\bif (?:someone|somebody|anyone|he|she|they|you|we) had (?:\w+ly )?\w+(?:ed|en|wn)\b",
    re.I,
)
_LEXICON_BLAME = ("B2", "B5")
"""The critic's classes whose words blame or judge whatever the sentence: human error (B2), judgmental words (B5)."""


@cache
def _lexicon_blame() -> re.Pattern[str]:
    """The critic's human-error and judgmental patterns (`lexicon.yaml` B2 and B5, but for those marked `drafter:
    false`) as one regex, without the critic's guards: a clause in the evidence that has one is dropped, so the drafter
    never writes what the critic would flag ("the on-call engineer lied", "a careless push")."""
    lex = load_lexicon()
    return re.compile(
        "|".join(f"(?:{p.regex.pattern})" for cls in _LEXICON_BLAME for p in lex.patterns[cls] if p.drafter), re.I
    )


# a person or role next to a causal / failure verb (after names were replaced by roles)
_PERSON_OR_ROLE = (
    r"\b(?:a responder|the on-call engineer|the incident commander|an engineer|a user|a customer|the reporter|"
    r"\bi\b|\bhe\b|\bshe\b|\bthey\b|\byou\b|someone|somebody)(?:['’]s)?\s+"
)
_ACTOR_CAUSE = re.compile(
    _PERSON_OR_ROLE + r"(?:[^\s,;.!?]+\s+){0,8}?"
    r"(?:broke|caused|triggered|forgot|missed|ignored|neglected|(?:didn['’]t|did not)(?=\s+[a-z])(?!\s+recogni[sz]e\b)|failed|messed|screwed)\b",
    re.I,
)
"""A person told as the cause ("someone broke the build", "the on-call engineer did not page"); not recognising
something seen ("a process a responder did not recognise") is an observation, no deed left undone."""


def unjudged(text: str) -> str:
    """`text` without a blame adverb after a person or role: "during which they inadvertently black-holed all inbound
    traffic" -> "during which they black-holed all inbound traffic" (what happened stays; the judgement goes)."""
    return _actor_adverb().sub(lambda m: m.group("who") + m.group("mid"), text)


@cache
def _actor_adverb() -> re.Pattern[str]:
    """A person told acting by mistake ("they inadvertently black-holed all inbound traffic"): the critic's B1 blame
    adverbs (`lexicon.yaml`) after a person or role, which the critic flags whoever "they" were."""
    adverbs = words(load_lexicon().data.B1.blame_adverbs)
    return re.compile(rf"(?P<who>{_PERSON_OR_ROLE})(?P<mid>(?:[^\s,;.!?]+\s+){{0,3}}?){adverbs}\b\s*", re.I)


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
# "(day only): …" left by a date-only line; an aside question "(the 2021 disk failure?)"; a "Why it hurt: …" label
_DATE_MARK = re.compile(r"^\((?:day|date)\b[^)]{0,40}\)\s*:?\s*", re.I)
_ASIDE = re.compile(r"\s*\([^()]{0,80}\?\)|^(?:how|what)\b[^:?.]{0,40}:\s+", re.I)
_WHY_LABEL = re.compile(r"^why\s+(?P<what>[^:?.]{3,40}):\s+(?P<because>\S.*)$", re.I)  # "Why it spread: no quota"
_HEADS_WHAT_FOLLOWS = re.compile(r"(?<=[.;!])\s+(?:why|how|what)\b[^.:?!]{2,40}:?\s*$", re.I)
"""A closing label that heads the list below the line ("Cause: an SSD filer failed. Why it hurt so much:", its colon
maybe taken off with the line's end): no sentence of the line's own."""
_SHORTCODE = re.compile(r"(?<![\w/]):[a-z_+-][a-z0-9_+-]*:(?![\w/])")
_LEAD = re.compile(
    r"^(?:(?:ok(?:ay)?|k|hm+|hmm+|uh+|um+|oh(?: no)?|wow|whoa|woah|yep|yeah|nope|hey|ah|welp|fwiw|fyi|btw|tbf|tbh|imo|"
    r"alright|so|and|also|anyway)\b[,.!:]*\s+|"
    r"(?:yes|no|right|well|later|stop|not now|focus|thanks|thx|cool|nice|great|done|confirmed)[,.!:]\s+|"
    r"(?:here|morning|back)[.!]\s+)+",
    re.I,
)
_TAIL = re.compile(
    r"[.,;]?\s*\b(?:great|awesome|fantastic|perfect|classic|lovely|fun|cool|sigh)\s*[.!]*\s*$", re.I
)
_CHAT_TAIL = re.compile(r"[.,;]\s*(?:looking(?: into it)?|on it|checking|investigating|digging in)\s*[.!]*$", re.I)
"""A chat message's closing "looking" / "on it": the speaker's status, not part of what they report."""
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
    (re.compile(r"\bI (think|guess|know|believe|suspect|mean|see|want|need|feel)\b"), "{role} \\1s"),
    (re.compile(r"\bI\b(?![/&]\w)"), "{role}"),
)
_LATER_I = (
    (re.compile(r"\bI['’]m\b|\bI am\b"), "they are"),
    (re.compile(r"\bI['’]ll\b"), "they will"),
    (re.compile(r"\bI['’]ve\b"), "they have"),
    (re.compile(r"\bI['’]d\b"), "they would"),
    (re.compile(r"\bI was\b"), "they were"),
    (re.compile(r"\bI\b(?![/&]\w)"), "they"),
)
_MODALS = frozenset({"can", "could", "will", "would", "shall", "should", "may", "might", "must", "need", "dare"})
"""Words after "I" that take no -s ("I can", "I must")."""
_ANY_I = re.compile(r"(?<![/&])\bI\b(?![/&]\w)")
"""The speaker's "I" (not the letter of "I/O" or "R&I")."""
_MY_ME = ((re.compile(r"\bmy\b", re.I), "their"), (re.compile(r"\bme\b", re.I), "them"))
_YOUR = re.compile(r"\byour\b", re.I)


def strip_noise(text: str, *, chat: bool = False) -> str:
    """Chat noise out: emojis, `lol`, `+1`, leading fillers ("ok,", "hm,"), runs of ?!, sarcastic tails."""
    text = _NOISE.sub(" ", text)
    if chat:
        text = _CHAT_TAIL.sub("", _SHORTCODE.sub(" ", text))
    text = _PUNCT_RUN.sub(r"\1", text)
    text = _SPACE.sub(" ", text).strip()
    for _ in range(3):
        stripped = _LEAD.sub("", text).strip()
        if stripped == text:
            break
        text = stripped
    text = _TAIL.sub("", text).strip()
    text = _ASIDE.sub("", _DATE_MARK.sub("", text)).strip()
    text = _WHY_LABEL.sub(lambda m: f"{m.group('what')[:1].upper()}{m.group('what')[1:]} because {m.group('because')}", text)
    text = _HEADS_WHAT_FOLLOWS.sub("", text)
    return text.strip(" ,;:-/–—")


def is_blameful(text: str) -> bool:
    return bool(
        _BLAME.search(text) or _lexicon_blame().search(text) or _ACTOR_CAUSE.search(text) or _actor_adverb().search(text)
    )


_SAFEGUARD_IF = re.compile(
    r"\b(?P<noun>(?:protection|safeguard|check|guard(?:rail)?|limit|alert|alarm|test|canary|validation|control|"
    r"mechanism|monitor|lock|circuit[- ]breaker|kill[- ]switch|rule|filter|gate|step|review)s?) (?:that|which) would "
    r"(?:have )?(?P<verb>[a-z]+)\b",
    re.I,
)
_SAFEGUARD_VERB = {
    "stopped": "stop", "prevented": "prevent", "caught": "catch", "blocked": "block", "detected": "detect",
    "limited": "limit", "alerted": "alert", "flagged": "flag", "rejected": "reject", "warned": "warn", "paged": "page",
    "noticed": "notice", "kept": "keep", "held": "hold", "throttled": "throttle", "capped": "cap",
    "contained": "contain", "isolated": "isolate", "halted": "halt", "paused": "pause", "denied": "deny",
    "refused": "refuse", "spotted": "spot", "found": "find", "protected": "protect", "reduced": "reduce",
}  # fmt: skip


def safeguard_told(part: str) -> str:
    """A missing safeguard told without hindsight: "a protection that would have stopped the change did not exist"
    -> "a protection to stop the change did not exist" (the what-if names the safeguard's job, not anyone's fault)."""

    def plain(m: re.Match[str]) -> str:
        verb = _SAFEGUARD_VERB.get(m["verb"].lower())
        return f"{m['noun']} to {verb}" if verb else m.group(0)

    return _SAFEGUARD_IF.sub(plain, part)


def blameless(text: str, *, strict: bool = True) -> str:
    """`text` without minimisers; "" when it blames anyone (strict) or nothing blameless is left.

    Strict mode drops the whole text when any clause blames: the rest of a blameful message is
    usually about the same person ("who pushed this?? it needed a review").
    """
    text = unjudged(safeguard_told(text))
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
        verb = re.match(rf"{re.escape(role)} ([a-z]+)\b", tail)
        if verb is not None and verb.group(1) in _BASES and verb.group(1) not in _MODALS:
            # "every node I look at" -> "every node a responder looks at", not "a responder look at"
            tail = f"{role} {_third(verb.group(1))}{tail[verb.end() :]}"
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


_OPENERS = "\"'“‘(["
"""Marks a sentence may open with before its first word (a quote, a bracket)."""


_TAG = re.compile(r"\[[^\]\s][^\]]{0,58}\]\s+")
"""A label in square brackets that opens a line ("[doppler-api production] Spike: 312 errors", "[ext] Re: ...")."""


def sentence(text: str, *, capitalise: bool = True) -> str:
    """Capitalised, ending with one full stop (keeps a final ? or !)."""
    text = _SPACE.sub(" ", text).strip(" ,;:-")
    if not text:
        return ""
    lead = len(text) - len(text.lstrip(_OPENERS))  # '"first-time contributors" approval ...': the word inside
    tag = _TAG.match(text)
    if tag is not None:  # "[doppler-api production] Spike: ...": a mail's or a tool's label, kept as written
        lead = tag.end()
    if capitalise and not code_start(text[lead:]):
        text = text[:lead] + text[lead : lead + 1].upper() + text[lead + 1 :]
    if text[-1] not in ".!?":
        text += "."
    return text


_BARE_NUMBER_END = re.compile(r"\s+[~≈]?\d+(?:[.,]\d+)?$")
"""A number ending a cut ("... Please reply by 26"): the words after it told what it counts."""


def shorten(text: str, limit: int = 220) -> str:
    """At most `limit` characters, cut at a word boundary (no number is split). A number the cut would part from the
    word after it ("reply by 26 | February", "down for 3 | hours") goes too: alone it tells nothing, and no evidence
    holds it bare."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
        if text[len(cut) :].lstrip()[:1].isalpha():
            cut = _BARE_NUMBER_END.sub("", cut)
    return cut.rstrip(" ,;:-") + " ..."


def clean(text: str, *, chat: bool = False) -> str:
    """Noise stripped and blameless (no capitalisation; "" when nothing is left)."""
    return blameless(strip_noise(text, chat=chat))


_DISCOVERY = re.compile(
    r"^(?:(?:we |i )?found (?:it|the culprit|the cause|the problem|the issue)|(?:the )?culprit(?= ?:)|turns out|it turns out|so|ok|"
    r"here(?: for the page)?|joining|on it)\s*[:,.-]?\s+",
    re.I,
)


def reworded(text: str) -> str:
    """A cause told as a fact, not as the moment someone found it ("Found the culprit: X" -> "X")."""
    out = _DISCOVERY.sub("", text).strip()
    return upper_first(out) if out else text


def upper_first(text: str) -> str:
    """`text` with a capital first letter, unless it starts with code or a host name ("zookeeper-2",
    "ingest-1a-07": a token with a digit is a name and keeps its case)."""
    return text if not text or code_start(text) else text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- past tense, sentence starts
# Notes and chat are written in the present ("builds start failing", "page goes to the backup"); a
# post-mortem tells what happened. Auxiliaries and copulas are shifted wherever they stand; a lexical
# verb only where it follows a short subject at a clause start, so plural nouns ("5xx errors spike")
# keep their form. The verbs are the ones incident notes and headlines use; irregular pasts listed.
_IRREGULAR = {
    "begin": "began", "break": "broke", "bring": "brought", "build": "built", "catch": "caught", "come": "came",
    "cut": "cut", "die": "died", "fall": "fell", "find": "found", "get": "got", "give": "gave", "go": "went",
    "grow": "grew", "hang": "hung", "hit": "hit", "hold": "held", "keep": "kept", "know": "knew", "lead": "led",
    "leave": "left", "let": "let", "lose": "lost", "make": "made", "mean": "meant", "put": "put", "read": "read",
    "rise": "rose", "run": "ran", "say": "said", "see": "saw", "send": "sent", "set": "set", "shut": "shut",
    "spread": "spread", "shrink": "shrank", "spin": "spun", "shed": "shed", "take": "took", "tell": "told", "think": "thought", "throw": "threw", "withdraw": "withdrew",
    "write": "wrote", "wake": "woke", "become": "became", "spend": "spent", "split": "split", "stick": "stuck",
    "feel": "felt", "freeze": "froze", "blow": "blew", "feed": "fed", "swing": "swung", "sit": "sat",
}  # fmt: skip
_REGULAR = (
    "accept acknowledge affect agree alert answer appear assume believe block cascade cause change climb close collapse contain continue crash degrade delete "
    "depend deploy destroy disable disagree drop emit evict flush kill lag purge scale throttle wipe suspend migrate "
    "rebalance declare post mark apply check call confirm expect handle rely seem trust investigate monitor watch drain verify test prepare provision "
    "upgrade downgrade patch fix publish announce notify exceed exhaust expire fail fill fire flap flood happen deschedule tip "
    "include land leak load lock look miss move need notice open overheat overload overwhelm page partition pick point pull push "
    "queue reach reboot recover refuse reject remain remove replace report require reset resolve respond restart "
    "restore retry return revert roll rotate saturate serve show slow spike stall start stay stop succeed "
    "switch time trigger trip try turn update use wait work print expose replay resume reroute redeploy reindex resync "
    "mishandle misroute misreport jump surge soar plunge triple ship"
).split()
_DOUBLE = {"drop", "stop", "flap", "plan", "ship", "skip", "slip", "trip", "tip", "step", "log", "clog", "jam", "spam", "scan"}
_STATE = {"down", "unavailable", "unreachable", "offline", "unresponsive", "broken", "degraded"}
_DOWN_VERBS = frozenset(
    "shut shuts take takes took taken bring brings brought put puts turn turns spin spins spun power powers tear tears "
    "tore torn wind winds scale scales step steps".split()
)
"""Verbs whose particle "down" can stand after their object ("shut the store down", "bring the old cluster down")."""
_TO_STATE = {"became", "becomes", "become", "stayed", "stays", "remained", "remains", "got", "gets", "seemed", "seems",
             "went", "goes", "came", "comes", "fell", "falls", "left", "leaves", "kept", "keeps"}  # fmt: skip
"""Verbs already telling the state ("became unavailable", "went down"): no copula goes in before the state word."""
_AUX = (
    # a purpose after "so (that)" ("purging the delayed alerts so they don't replay"): it would not, it was meant not to
    (re.compile(r"\b(so(?: that)? (?:it|they|we|users|customers|the [\w-]+s?) )(?:don['’]t|doesn['’]t|do not|does not)\b", re.I), r"\1would not"),
    (re.compile(r"\bisn['’]t\b", re.I), "was not"), (re.compile(r"\baren['’]t\b", re.I), "were not"),
    (re.compile(r"\b(?:don['’]t|doesn['’]t|do not|does not)\b", re.I), "did not"),
    (re.compile(r"\b(?:can['’]?t|cannot|can not)\b", re.I), "could not"), (re.compile(r"\bwon['’]t\b", re.I), "would not"),
    (re.compile(r"\b(?:hasn['’]t|haven['’]t)\b", re.I), "had not"),
    (re.compile(r"\b(it|that|this|there|what)['’]s\b", re.I), r"\1 was"),
    (re.compile(r"(?<!\bthat )(?<!\bwhat )\bis\b"), "was"), (re.compile(r"\bare\b"), "were"), (re.compile(r"\bam\b"), "was"),
    (re.compile(r"(?<!\bwould )(?<!\bcould )(?<!\bshould )(?<!\bmight )(?<!\bmust )(?<!\bwill )(?<!\bmay )(?<!\bto )\b(?:has|have)\b"), "had"),
    (re.compile(r"\bcan\b"), "could"), (re.compile(r"\bwill\b"), "would"),
)  # fmt: skip
_PRONOUN = {"they", "we", "you", "i", "people", "users", "customers"}
_CLAUSE_START = re.compile(r"(?:^|[.;:!?]\s+|,\s+|\s+-\s+|\s+(?:->|=>|→)\s+|\b(?:and|but|so|after|when|because|while|until|once|since|where|as|then|who|which)\s+)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\S+")
_SUBJECT_MAX = 7
_FINITE_WORDS = {"is", "are", "was", "were", "has", "have", "had", "did", "does", "do", "went", "be", "been", "could",
                 "would", "should", "will", "can", "may", "might", "must"}  # fmt: skip
_PARTICLE_NEXT = {"to", "by", "from", "in", "into", "on", "at", "during", "with", "up", "down", "out", "off", "for"}
_ASPECT = {"stop", "start", "keep", "begin", "continue", "finish", "resume"}
_PREPOSITION = {"after", "before", "during", "with", "from", "as", "when", "because", "due", "since", "until", "while"}
_FUNCTION = {"the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by", "not", "no"}
DETERMINERS = frozenset({"the", "a", "an", "its", "their", "our", "this", "that", "each", "every"})
"""Words that open a noun phrase ("an undeployed update", "the user sync"): what follows them is a thing."""
_COUNT_WORD = re.compile(r"^(?:\d+|[a-hj-z]|two|three|four|five|ten|many|several|few)$")
"""A count before a noun ("N times", "3 retries", "several builds")."""
_OPENS_NOUN = {"through", "in", "on", "at", "into", "over", "under", "for", "about", "across", "during", "after", "before"}
"""Prepositions whose object is a noun phrase ("through the object listing", "during the nightly indexing")."""
_NOT_GERUND = frozenset("during nothing something anything everything morning evening ceiling string spring warning".split())
"""Words ending in -ing that are no verb ("paused during the nightly indexing" has no progressive)."""
_QUANTIFIER = {"every", "each", "whole", "entire", "same", "next", "last", "any", "another"}
"""A word after which a base form is a noun ("every time", "the whole time", "the next run", "another update")."""
_LINKING = {"feel", "seem", "look", "sound", "appear", "stay", "remain", "become", "get"}
"""Verbs whose complement may be a word that is also a verb ("feels slow", "stays open"): the linking verb is told."""


_IRREGULAR_PREFIXES = ("re", "over", "under", "out", "up", "mis", "with", "fore")
"""Prefixes that keep an irregular verb irregular ("reset", "rebuild", "rerun", "overrun", "upset")."""


def _past(base: str) -> str:
    if base in _IRREGULAR:
        return _IRREGULAR[base]
    prefix = next((p for p in _IRREGULAR_PREFIXES if base.startswith(p) and base[len(p) :] in _IRREGULAR), "")
    if prefix:
        return prefix + _IRREGULAR[base[len(prefix) :]]
    if base.endswith("e"):
        return base + "d"
    if base.endswith("y") and base[-2:-1] not in "aeiou":
        return base[:-1] + "ied"
    if base in _DOUBLE:
        return base + base[-1] + "ed"
    return base + "ed"


def _third(base: str) -> str:
    if base.endswith(("s", "sh", "ch", "x", "z", "o")):
        return base + "es"
    if base.endswith("y") and base[-2:-1] not in "aeiou":
        return base[:-1] + "ies"
    return base + "s"


_BASES = set(_IRREGULAR) | set(_REGULAR)
_PAST_ONLY = set(_IRREGULAR.values()) - _BASES
"""Irregular past forms that are no base form ("said", "took"; not "cut" or "read"): the clause's verb is told."""
_S_FORMS = {_third(b): b for b in _BASES}


def _plural(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) and word.isalpha()


def _shift_clause(words: list[str], reach: int = _SUBJECT_MAX, *, joined: bool = False, particle: bool = False) -> list[str] | None:
    """The clause's words with its verb in the past (None when no verb follows a short subject)."""
    cores = [w.strip(".,;:!?()[]\"'“”").lower() for w in words]
    if joined and cores and cores[0] in _S_FORMS and (len(cores) < 2 or cores[1] not in _FINITE_WORDS):
        return [_match_case(words[0], _past(_S_FORMS[cores[0]])), *words[1:]]
    if joined and cores and cores[0] in _BASES and (len(cores) < 2 or cores[1] not in _FINITE_WORDS | {"to"}):
        return [_match_case(words[0], _past(cores[0])), *words[1:]]  # "hosts retry 5 times and then drop the batch"
    for n, low in enumerate(cores[: reach + 1]):
        if n and low in _PREPOSITION:
            return None
        if n == 0 or not low.isalpha() or words[n - 1][-1:] in ",;:":
            if low in _FINITE_WORDS or (n == 0 and low in _PAST_ONLY):
                return None  # "found two task leaks": a clause that opens with its verb in the past is told
            continue
        prev, nxt = cores[n - 1], cores[n + 1] if n + 1 < len(cores) else ""
        opened = " ".join(words[:n])
        if opened.count("(") > opened.count(")"):
            continue  # "admissions (via account lead)": a word inside a parenthetical is not the clause's verb
        if low == "times" and (nxt[:1].isdigit() or ((prev in _TIMED_NOUNS or prev in DETERMINERS or prev == "all") and nxt != "out")):
            # "block times 12s again", "response times 900ms", "queue times back to normal": a measure; "all times in
            # here are PST": the clock times, a noun
            continue
        if low.endswith("s") and cores[0].endswith("ing") and any(c in DETERMINERS for c in cores[1:n]) and (
            not any(cores[n + 1 :]) or nxt in _CONNECTIVE
        ):
            continue  # "purging the delayed zabbix alerts (so ...)": an opening participle's object ends the clause
        tail = words[n][len(words[n].rstrip(".,;:!?)")) :]
        plural = any(_plural(w) or w in _PRONOUN or w in ("and", "plus") for w in cores[:n])
        nxt2 = cores[n + 2] if n + 2 < len(cores) else ""
        if low in ("taken", "brought", "torn") and (nxt in _STATE or nxt in ("back", "online")) and prev not in _FINITE_WORDS | _FUNCTION | _TO_STATE:
            # "GitLab.com taken down", "affected server taken offline", "db brought back online": was taken down
            return [*words[:n], "were" if plural else "was", *words[n:]]
        # "builds failing" / "builds re-queued" are a subject; "stops resolving" / "splits unpatched nodes" a verb
        # "probe pages woke me": a past-only verb next makes the s-word a noun (not after a pronoun: "it looks hung")
        past_next = nxt in _PAST_ONLY and prev not in _PRONOUN | {"it", "he", "she", "this", "that", "there"}
        noun_next = nxt in _FINITE_WORDS or past_next or nxt.endswith("ing") and _S_FORMS.get(low) not in _ASPECT or nxt.endswith("ed") and (
            not nxt2.isalpha() or nxt2 in _PARTICLE_NEXT | _FUNCTION or words[n + 1][-1:] in ",;:."
        )
        # "on the failing builds", "checked it N times", "every time": a noun
        # "accepted writes", "lost some writes": an s-word right after a verb in the past is its object, a noun
        after_noun_marker = (
            prev in _FUNCTION or prev.endswith("ing") or prev in _QUANTIFIER or bool(_COUNT_WORD.match(prev))
            or prev in _PAST_ONLY or bool(_PARTICIPLE.match(prev))
        )  # fmt: skip
        linking = _S_FORMS.get(low) in _LINKING and not after_noun_marker and not noun_next
        if linking or low in _S_FORMS and nxt not in _BASES and nxt not in ("and", "or", "of") and not noun_next and not after_noun_marker:
            return [*words[:n], _match_case(words[n], _past(_S_FORMS[low])) + tail, *words[n + 1 :]]
        if low == "close" and nxt == "to":
            continue  # "close to 100 DNS servers were dead", "hosts close to the edge": "near", no verb
        # "an undeployed update", "the new release": a word after an article and one modifier is a noun
        modified = n >= 2 and cores[n - 2] in DETERMINERS and not _plural(prev)
        if low in _BASES and plural and prev not in _FUNCTION and prev not in _QUANTIFIER and not modified:
            return [*words[:n], _match_case(words[n], _past(low)) + tail, *words[n + 1 :]]
        # "shutting some nodes down", "shut the store down": after an opening participle or a verb that takes it as its
        # particle, "down" is a particle, not a state
        # "with fritz down, requests did not move": a state after "with" or "without" is no clause of its own
        if low in _STATE and not prev.endswith(("ing", "ed")) and prev not in _FINITE_WORDS | _FUNCTION | _BASES | _TO_STATE and not (
            low == "down" and (particle or cores[0].endswith("ing") or any(c in _DOWN_VERBS for c in cores[:n]))
        ) and cores[0] not in ("with", "without"):
            verb = "were" if _plural(prev) else "was"
            return [*words[:n], verb, *words[n:]]
        if low in _FINITE_WORDS or low in _PAST_ONLY or low.endswith("ed") and prev not in _FUNCTION and nxt not in _PARTICLE_NEXT:
            return None
    return None


def _match_case(src: str, word: str) -> str:
    return word[0].upper() + word[1:] if src[:1].isupper() else word


_CONNECTIVE = {"then", "so", "and", "but"}


_QUOTE = re.compile(r"[\"“][^\"”]{1,200}[\"”]")
"""Words in quotes: what someone said or a screen showed, kept as written."""


_TIMED_NOUNS = frozenset(
    "queue response load wait build block page query boot run request job processing pickup render checkout".split()
)
"""Nouns whose "times" is a measure ("queue times back to normal"), not the verb of "times out"."""


def past_tense(text: str, reach: int = _SUBJECT_MAX) -> str:
    """`text` told in the past: auxiliaries shifted everywhere, a lexical verb after a short clause subject
    (at most `reach` words); words in quotes stay as written ('forum already had "is it dead??" posts')."""
    quotes: list[str] = []

    def keep(m: re.Match[str]) -> str:
        quotes.append(m.group(0))
        return f"QUOTE{len(quotes) - 1}Q"

    told = _past_tense(_QUOTE.sub(keep, text), reach)
    return re.sub(r"QUOTE(\d+)Q", lambda m: quotes[int(m.group(1))], told) if quotes else told


def _past_tense(text: str, reach: int) -> str:
    for pattern, repl in _AUX:
        text = pattern.sub(repl, text)
    out: list[str] = []
    last = 0
    before = False  # the previous clause had its verb shifted ("X started and slows Y": "slows" is a verb)
    starts = [m.end() for m in _CLAUSE_START.finditer(text)]
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        if start < last or start >= end:
            continue
        chunk = text[start:end]
        if chunk.strip().lower() in _CONNECTIVE:
            out.append(text[last:start] + chunk)  # "and then": the next clause continues this one
            last = end
            continue
        words = chunk.split(" ")
        joined = before and bool(re.search(r"\b(?:and|or|then)\s+$", text[max(0, start - 5) : start]))
        # "takes the API and Dashboard down": after "and", "down" is still the particle of the verb before it
        particle = joined and any(w in _DOWN_VERBS for w in re.findall(r"[a-z]+", text[: start].lower().rsplit(",", 1)[-1]))
        shifted = _shift_clause(words, reach, joined=joined, particle=particle)
        before = shifted is not None
        out.append(text[last:start])
        out.append(" ".join(shifted) if shifted is not None else chunk)
        last = end
    out.append(text[last:])
    return "".join(out)


_SENT_BREAK = re.compile(r"(?<=[.!?])(\s+)([a-z])")
_QUOTED_AFTER = re.compile(r"(?<=\w)\.\s+([\"“][a-z][^\"”]{0,200}[\"”]\.?)(?=\s|$)")
"""A quoted message after a sentence, on its own ('could not log in. "too many failed login attempts".'): it is what
the sentence showed, so it follows it after a colon (its own words keep their case)."""
_ABBREV_END = re.compile(r"(?:\b(?:e\.g|i\.e|vs|etc|approx|ca|cf|incl)\.|\b[a-z]\.)$", re.I)
"""What ends no sentence: an abbreviation ("e.g.", "approx.") or a letter's stop ("a.m.", "U.S.")."""
_CODE_WORD = re.compile(r"[a-z][\w-]*[._/=:@$#\[\]()+][\w.]|[a-z]+[A-Z]|[a-z][a-z-]*\d")
"""A first word written as code or a name ("docs.rs", "iOS", "api-1", "v7418", a CI job "iojs+release"): never
capitalised."""
_SYSLOG_HEAD = re.compile(r"^[a-z][\w.-]*\s+(?:[\w./-]+\[\d+\]|kernel):")
"""A syslog line's host and process ("db-primary postgres[2211]:", "relay-ap kernel:"): the host name keeps its case."""


def code_start(text: str) -> bool:
    """`text` opens with code, a name or a host ("docs.rs", "api-1", "change_journal", "db-primary postgres[2211]:"),
    whose case a sentence start must not change."""
    text = text.lstrip()
    return bool(_CODE_WORD.match(text.split(" ", 1)[0]) or _SYSLOG_HEAD.match(text))


def capitalise_sentences(text: str) -> str:
    """Every sentence starts with a capital (not after "e.g." and not when it starts with code: docs.rs, iOS)."""

    def up(m: re.Match[str]) -> str:
        before = text[: m.start()]  # up to the stop (the match opens on the space after it)
        if _ABBREV_END.search(before) or code_start(text[m.start(2) :]):
            return m.group(0)
        return m.group(1) + m.group(2).upper()

    text = _QUOTED_AFTER.sub(r": \1", text)
    text = _SENT_BREAK.sub(up, text)
    tag = _TAG.match(text.lstrip())
    if tag is not None:  # "[doppler-api production] Spike: ...": the label stays as written, the words after it open
        at = len(text) - len(text.lstrip()) + tag.end()
        rest = text[at:]
        if rest[:1].islower() and not code_start(rest):
            text = text[:at] + rest[0].upper() + rest[1:]
        return text
    first = text.lstrip().lstrip(_OPENERS)[:1]
    if first.islower() and not code_start(text.lstrip().lstrip(_OPENERS)):
        i = text.index(first)
        text = text[:i] + first.upper() + text[i + 1 :]
    return text


_HEADLINE_REACH = 11
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_PARTICIPLE = re.compile(r"^[a-z]{3,}ed$")


def as_clause(text: str) -> str | None:
    """A headline or note fragment as a past-tense clause ("X fails after Y expires" -> "X failed after Y
    expired"; "X removed during Y" -> "X was removed during Y"); None when it has no verb (a noun phrase)."""
    shifted = past_tense(text, reach=_HEADLINE_REACH)
    if shifted != text:
        return shifted
    words = text.split(" ")
    first = re.split(r"[,;:]", text, maxsplit=1)[0].split(" ")
    for n, word in enumerate(first[1 : _HEADLINE_REACH + 1], start=1):
        low = word.lower()
        if low in _PREPOSITION:
            return None
        if low in _FINITE_WORDS or low in _IRREGULAR.values() and (low not in _IRREGULAR or _plural(words[n - 1].lower())):
            return text
        after = first[n + 1].lower().strip(",.;") if n + 1 < len(first) else ""
        passive = not after or after in _PARTICLE_NEXT | _PREPOSITION | {"without", "by", "as", "and"} or first[n][-1:] in ",.;"
        if _PARTICIPLE.match(low) and words[n - 1].lower() not in _FUNCTION | set(_S_FORMS) | _PRONOUN | {"he", "she", "it"} and passive:
            verb = "were" if _plural(words[n - 1].lower()) else "was"
            return " ".join([*words[:n], verb, *words[n:]])
    return None


_OBJECT_START = frozenset("the a an its their his her our every all each both some many most several".split())
"""Words that open a verb's object ("overload the cluster", "cuts LootLocker off"'s name aside)."""


def _late_verb(text: str) -> str | None:
    """A headline whose verb follows a long subject with a phrase of its own ("A config push with a bad address hangs
    the API fleet", "Incomplete statistics after an upgrade overload the cluster"), its verb put in the past; None when
    no word after the first clause break of the subject reads as its verb. A present form that opens an object (a
    determiner, a name, a number) or an "-s" form after a noun is the verb."""
    words = re.split(r"[;]", text, maxsplit=1)[0].split(" ")
    for n in range(2, min(len(words) - 1, 2 * _HEADLINE_REACH)):
        low, prev = words[n].lower(), words[n - 1].lower().strip("(),")
        nxt = words[n + 1].strip("(),'’\"")
        if not low.isalpha() or not prev[:1].isalnum() or prev in _FUNCTION | _PREPOSITION | _QUANTIFIER | _FINITE_WORDS:
            continue
        # an "-ing" word after a determiner or a participle names a thing ("Automated scaling floods the devices")
        nominal = n >= 2 and (words[n - 2].lower() in _OBJECT_START or bool(_PARTICIPLE.match(words[n - 2].lower())))
        gerund = prev.endswith("ing") and prev not in _NOT_GERUND and not nominal
        if words[n - 1][-1:] in ",:" or prev.endswith("'s") or gerund or _COUNT_WORD.match(words[n - 1].lower()):
            continue
        opens_object = nxt.lower() in _OBJECT_START or nxt[:1].isupper() or bool(_COUNT_WORD.match(nxt.lower()))
        if (_PARTICIPLE.match(low) or low in _PAST_ONLY) and opens_object:
            return text  # "1.1.1.1 resolver returned SERVFAIL after ...": already told in the past
        plain_object = (nxt.replace("-", "").isalpha() and nxt.lower() not in _FUNCTION | _PREPOSITION and _plural(prev) is False
                        and n >= 3)  # fmt: skip
        if low in _S_FORMS and (opens_object or nxt.lower() in _PARTICLE_NEXT or plain_object):
            # "GC Notify deployment tool prints keys and tokens ...": an "-s" form after a singular noun, before its object
            base = _S_FORMS[low]
        elif low in _BASES and opens_object and _plural(words[n - 1].lower()) is False and n >= 3:
            base = low  # "... upgrade overload the cluster": a base form before its object
        else:
            continue
        rest = " ".join(words[n + 1 :]) + text[len(" ".join(words)) :]
        return " ".join([*text.split(" ")[:n], _match_case(words[n], _past(base))]) + (" " + rest if rest else "")
    return None


_HEADLINE_LEAD = re.compile(r"\s(?:after|before|during|with|from|as|in|on|at|for|of)\s")
"""Where a headline's lead ends ("An outage of the billing export | after a disk filled"): its verb, if any, is before."""


def headline_sentence(title: str) -> str:
    """A title told as a past-tense sentence; a noun-phrase title becomes "There was a … ." (an article the title
    opens with is its own: "A flapping router ..." -> "There was a flapping router ...")."""
    text = _TRAILING_NOTE.sub("", title).strip().rstrip(".") or title.strip()
    head, semi, tail = text.partition("; ")
    told = as_clause(head) or _late_verb(head)
    clause = f"{told}; {past_tense(tail, reach=_HEADLINE_REACH)}" if told and semi else told or as_clause(text)
    if clause is None and has_verb(_HEADLINE_LEAD.split(text, maxsplit=1)[0]):
        clause = text  # already told in the past ("that instance stopped accepting writes"): no "There were ..."
    if clause is None:
        head = text.split(" ", 1)[0]
        if head[:1].isupper() and head[1:].islower():
            text = head.lower() + text[len(head) :]
        if head.lower() in ("a", "an"):
            return sentence(f"There was {head.lower()}{text[len(head) :]}")
        lead = _HEADLINE_LEAD.split(text, maxsplit=1)[0]
        last = lead.split(" ")[-1].lower().rstrip(",")
        if text[:1].isdigit() or last.endswith("s") and not last.endswith("ss"):
            return sentence(f"There {'were' if last.endswith('s') else 'was'} {text}")
        return sentence(f"There was {'an' if text[:1].lower() in 'aeio' else 'a'} {text}")
    return sentence(capitalise_sentences(clause))


# --------------------------------------------------------------------------- chat told as facts
_HEDGE = re.compile(
    r"\b(?:would|could|might|may)\b(?! not\b)(?!n['’]t)|\b(?:should|probably|maybe|perhaps|possibly|i think|i guess|"
    r"looks like|feels like|seems|guess|wonder|not sure|no idea|let['’]s|lets|we need to|need to|gonna|will|"
    r"going to (?:be|have|need|try|look|do|take|check|see|get|want))\b",
    re.I,
)
_CLAUSE_CUT = re.compile(r",?\s+but\s+|;\s+|,\s+and\s+(?=(?:they|he|she|we|i|it|nobody|no one)\b)|\s+-\s+", re.I)
# a pronoun with no antecedent once reported ("it IS the cert", "this smells like …", "the one fixed in 1.10.8")
_BARE_PRONOUN = re.compile(
    r"^(?:(?:it|this|that|they|these|those|he|she)(?:['’]s)?(?:$|\s+(?:is|was|are|were|has|had|did|does|do|could|would|"
    r"will|can|might|must|should|\w+ed|\w+s|not|never|also|just|all)\b)|the one\b|it\b)",
    re.I,
)
_CULPRIT = re.compile(r"\bthe (?:culprit|smoking gun)\b", re.I)
_CLOCK_CUT = re.compile(r"(?<!\bi\.e)(?<!\be\.g)[.;,]\s+\d{1,2}:\d{2}\b.*$")


def first_clause(text: str) -> str:
    """The first sentence up to its first independent clause break (", but …", "; …")."""
    parts = split_sentences(text)
    head = parts[0] if parts else text
    cut = _CLAUSE_CUT.split(head, maxsplit=1)[0]
    return cut if len(cut.split()) >= 3 else head


def _tell(role: str, part: str, *, deed: bool) -> tuple[str, str] | None:
    """One sentence of a chat message as ("full", sentence) or (kind, predicate after the role); None to leave out."""
    head = _REPORT_LEAD.sub("", _CULPRIT.sub("the cause", first_clause(part))).strip().rstrip(" .,:;")
    if _PAGED_FIRST.match(head):
        return "act", f"was {head}"  # "paged for the SLO burn": the speaker was paged, they paged no one
    if len(head.split()) == 2 and _PARTICIPLE.match(head.split()[1].lower()):
        head = as_clause(head) or head  # "directory removed" -> "directory was removed"
    if len(head.split()) < 3 or _HEDGE.search(head) or _BARE_PRONOUN.match(head) or _GOING.match(head):
        return None  # "do it", "30%", "could be the sensors", "it did this before": nothing to tell as a fact
    if _DIRECTIVE.match(head):
        return None  # "keep going on the copies", "please hold deploys": a direction to the team, no fact
    head = _BLAMED_US.sub(r"\1 the outage", head)  # "down because of us": our outage, no team to blame
    head = _OUR_TOOL.sub(r"the team's \g<thing>", head)  # "the code analysis we have didn't catch it": the team's tool
    head = past_tense(_WE.sub(lambda m: _WE_AS[m.group(0).lower()], head))
    label = role[0].upper() + role[1:]
    if head.lower().startswith(role):
        return "full", label + head[len(role) :]
    words = head.split(" ")
    first = (words[1] if len(words) > 1 and words[0].lower().endswith("ly") else words[0]).lower()  # "gracefully shut"
    acted = deed or re.fullmatch(r"[a-z][a-z-]*ed", first) or first in _IRREGULAR.values()
    if acted and not _LATER_FINITE.search(re.split(r"[,;:]", head, maxsplit=1)[0]):
        return "act", lowered(head)  # "restarted the web server"; not "updated index … was replicated"
    m = _LABELLED.match(head)
    if m:  # "HVAC team estimate: about 1 hour to repair", "plan: start nodes one by one", "rebalancing: 1% back"
        name, rest = m.group("label"), m.group("rest")
        low = name.lower()
        if low.endswith("ing"):
            return "act", f"began {low}: {rest}"
        if low in ("plan", "proposal", "idea", "suggestion", "next step", "next steps", "options"):
            return "act", f"proposed a {'plan' if low == 'plan' else 'next step'}: {rest}"
        if "status" in low:
            lead = rest.split(" ", 1)[0].lower()
            if re.fullmatch(r"[a-z]+ed", lead) or lead in _IRREGULAR.values():
                return "act", rest  # "status page: posted an incident" -> "posted an incident"
            return "act", f"posted a status update: {rest}"
        article = "" if re.match(r"(?:the|a|an|our|their|its)\s", low) else "the "  # "the team had reports: ..."
        return "act", f"reported {article}{lowered(name)}: {rest}"
    base = _gerund_base(first) if first.endswith("ing") and len(first) > 4 else None
    if base:  # "starting the failover", "suspending migrations" (an -ing word of no known verb is no act)
        rest = head.split(" ", 1)[1] if " " in head else ""
        # in progress, not done: "rolling back to v2.4.0" -> "began rolling back to v2.4.0"
        return "act", f"started {rest}" if base == "start" else f"began {first} {rest}"
    if not has_verb(head):
        head = _progressive(head)  # "backends dropping like flies" -> "backends were dropping like flies"
    if has_verb(head):
        return "that", lowered(head)
    if head.split(" ", 1)[0].lower() in _ADVERBS and head.split(" ")[1].lower().endswith("ing"):
        return None  # "still seeing timeouts here": no subject to report
    return "act", f"reported {lowered(head)}"  # an observation: "instability on v7418"


_DIRECTIVE = re.compile(r"^(?:keep|please|go ahead|don['’]t|do not|make sure|hold off)\b", re.I)
"""A direction given to the team in chat ("keep going on the copies", "please hold deploys")."""
_PAGED_FIRST = re.compile(r"^(?:paged|pinged|woken|called|alerted|notified)\s+(?:for|by|about|at|on|via|with|over)\b", re.I)
_REPORT_LEAD = re.compile(r"^(?:(?:it )?turns out|here for the page|joining|on it|fyi|update)\s*[:,.-]?\s+", re.I)
_LATER_FINITE = re.compile(r"\s(?:is|are|was|were|has|have|had)\s")
_GOING = re.compile(r"^going (?:to|back)\b", re.I)
_LABELLED = re.compile(r"^(?P<label>[A-Za-z][\w/-]*(?: (?![\w-]*ing\b)[\w/-]+){0,3}):\s+(?P<rest>\S.*)$")
_ADVERBS = ("now", "still", "finally", "already", "again", "also")
_WE = re.compile(r"\b(?:we['’]re|we['’]ve|we|(?-i:us)(?![-\w])|our)\b", re.I)
"""The team speaking ("we", "our", "us"; not the country "US" nor a region "us-east-1")."""
_BLAMED_US = re.compile(r"\b(because of|due to|thanks to|caused by) (?-i:us)(?![-\w])", re.I)
"""Others telling the team's outage hurt them ("their bus info is down because of us"): the outage, not the team, is
what they name."""
_OUR_TOOL = re.compile(
    r"\b(?:the|our) (?P<thing>(?:[\w-]+ ){0,4}?[\w-]+) we (?:have|had|use|used|run|ran)\b"
    r"(?= (?:didn['’]t|did not|doesn['’]t|does not|never|only|is|was|has|had|can|could|would|will|won['’]t)\b)",
    re.I,
)
"""A thing the team has, named by a relative clause ("the automated code analysis we have didn't catch it"): the
team's thing ("the team's automated code analysis didn't catch it"), never "the team had didn't"."""
_WE_AS = {"we": "the team", "us": "the team", "our": "the team's", "we're": "the team is", "we’re": "the team is",
          "we've": "the team has", "we’ve": "the team has"}  # fmt: skip


def _told(text: str) -> str:
    """The composed sentence, or "" when it would read as blame (the drafter's own blame rules)."""
    return "" if is_blameful(text) else sentence(text)


def lowered(text: str) -> str:
    """The first word lowered when it is a common word or a gerund ("Loading the file ..."); a name or product keeps
    its capital ("Doomsday")."""
    head = text.split(" ", 1)[0]
    gerund = head.isalpha() and head[1:].islower() and head.endswith("ing") and len(head) > 5
    return text[:1].lower() + text[1:] if head.lower() in _COMMON_START or gerund else text


_COMMON_START = frozenset(
    "the a an this that these those there it its our their his her my your some all any each every no one two "
    "after at by to when then once during before since until while in on for with from they we he she i you "
    "three several many most both users customers people nobody someone everyone about approximately roughly nearly "
    "around almost over under some half because nothing although though if "
    # adjectives that open a thing to add or change ("Dedicated Consul clusters", "Longer fail-static period")
    "more fewer less new separate dedicated automatic automated periodic regular additional extra independent external "
    "internal clear clearer longer shorter faster slower stricter smaller bigger larger better closer tighter wider "
    "earlier higher lower".split()
)
"""Common words that may open a sentence or a phrase: lower-cased when the phrase moves inside a sentence, while a
name or product keeps its capital. The one list for every first-word lower-caser (`lowered`)."""


def _gerund_base(word: str) -> str | None:
    stem = word[:-3]
    for base in (stem, stem + "e", stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else ""):
        if base in _BASES:
            return base
    return None


_CATENATIVE = frozenset(
    "keep keeps kept stop stops stopped start starts started continue continues continued finish finishes finished "
    "avoid avoids avoided quit quits begin begins began resume resumes resumed".split()
)
"""Verbs an -ing form follows as their object ("keep going", "stopped sending"): no subject and missing "was"."""


def _progressive(text: str) -> str:
    """A subject and an -ing verb without its auxiliary get "was"/"were" ("nodes getting unstable")."""
    words = text.split(" ")
    for n, word in enumerate(words[1:8], start=1):
        low, prev = word.lower(), words[n - 1].lower().strip(",")
        if words[n - 1][-1:] in ",;:":
            break
        adverb = prev in _ADVERBS
        last = n == len(words) - 1 or word[-1:] in ",;:."
        if last and n >= 3 and words[n - 2].lower() in ("the", "a", "an") and words[n - 3].lower() in _OPENS_NOUN:
            break  # "through the object listing": a compound noun that ends the clause, no subject and verb
        if prev in _CATENATIVE:
            break  # "keep going on the copies": the -ing form is the object of a verb, no subject before it
        if low.endswith("ing") and len(low) > 4 and low not in _NOT_GERUND and prev.isalpha() and prev not in _FUNCTION and (n > 1 or not adverb):
            subject = words[n - 2].lower() if adverb else prev
            at = n - 1 if adverb else n
            return " ".join([*words[:at], "were" if _plural(subject) else "was", *words[at:]])
        if words[n - 1][-1:] in ",;:":
            break
    return text


def has_verb(text: str) -> bool:
    """A finite verb after the first word (an auxiliary, a past form, or a present form past_tense shifts)."""
    if past_tense(text) != text:
        return True
    words = [w.strip(".,;:!?()\"'").lower() for w in text.split()]
    for n, low in enumerate(words[1:], start=1):
        if low in _FINITE_WORDS or low in _IRREGULAR.values() or low.endswith("n't"):
            return True
        if _PARTICIPLE.match(low) and words[n - 1] not in _FUNCTION and not text.split()[n - 1].endswith(","):
            return True
    return False


def note_entry(text: str) -> str:
    """A responder's note as a timeline entry: the first event only (a later "03:52 …" is its own), in the past."""
    text = _CLOCK_CUT.sub("", text).strip()
    return sentence(capitalise_sentences(past_tense(text)))
