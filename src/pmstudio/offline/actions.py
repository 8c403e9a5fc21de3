"""Action items and prevention strategies from the follow-ups responders named.

Sources: lines under a notes heading about actions ("Follow-ups", "Actions", "Next", "Takeaways")
and messages with follow-up phrasing ("follow-ups:", "we need to", "we should", "from now on",
"I want", "X must ..."). Lists are split into items, lead-ins are stripped and each item is made
verb-first. Owners are teams named in the materials, or the team owning the most-mentioned
service; never a person. Each item links to the contributing factor it is closest to, and every
factor left without an item gets an investigation item.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, utils

from pmstudio.mdsyntax import table_cells
from pmstudio.offline.analysis import Analysis
from pmstudio.offline.causes import category
from pmstudio.offline.classify import FOLLOWUP
from pmstudio.offline.items import ACTIONS, LABEL_NOTE, Item
from pmstudio.offline.people import SPEAKER_ROLES
from pmstudio.offline.phrasing import is_blameful, lowered, sentence, split_sentences, third_person
from pmstudio.parsers.text import LIST_MARK
from pmstudio.verbs import ALSO_NOUNS, IMPERATIVE_VERBS

MAX_ITEMS = 12
MIN_ITEMS = 3  # below this, factors without an item get a preventive item
DUPLICATE = 78.0

_LEAD = re.compile(
    rf"^(?:(?:proposed )?(?:follow[- ]?ups?(?: to \w+:| for later:| {LABEL_NOTE}:)?|{ACTIONS}|todo|to-do|to do(?=:)|next steps?|next|AI|plan|"
    r"takeaways?|generally|also|plus|and|so|ok|yes|thanks|postmortem tomorrow|the rest)\s*[:.,-]?\s+)+",
    re.I,
)
_LIST_LEAD = re.compile(
    rf"^(?:(?:proposed )?(?:follow[- ]?ups?|{ACTIONS}|commitments?|takeaways?|generally|to[- ]?dos?|plan|next steps?)(?:\s+(?:to \w+|for later|proposed|planned))?\s*:|"
    r"i want\b)",
    re.I,
)
_PLAN_LIST = re.compile(rf"^(?:the )?(?:plan|{ACTIONS}|follow[- ]?ups|next steps|to[- ]?dos?)\s*:\s*\S[^;]*;", re.I)
"""A plan told as a list ("plan: a third-party red team assessment; ephemeral runners; more segmentation", "Actions:
rotate keys; delete CI logs after 48 hours; scan execution logs for leaked secrets")."""
_NUMBERED = re.compile(rf"^{LIST_MARK}\s+")
_PRIORITY = re.compile(r"^(?P<p>HIGH|MEDIUM|MED|LOW|P[0-3])\s*[:\-]\s*", re.I)
_SPEAKER = re.compile(rf"^(?:{'|'.join(map(re.escape, SPEAKER_ROLES))})\s*:\s*", re.I)
# commitments in written updates and notes ("we will add ...", "commitments to independent reviews", "ticket
# OPS-412 to add ..."): follow-ups there, though in live chat "we'll restart it" is the response itself
_COMMITMENT = re.compile(
    r"\bcommit(?:ted|ments?) to\b|\bwe(?:['’]ll| will| are going to|['’]re going to)\s+(?!(?:be|continue|keep|provide|"
    r"post|share|send|update|monitor|let|notify|follow up|reach out|look|investigate|work|restart|roll|retry)\b)",
    re.I,
)
_TICKETED = re.compile(r"\b(?:ticket|issue|bug|jira)\s+#?[A-Z][A-Z0-9]*-?\d+\s+(?:to|for)\s+", re.I)
_CUES = (
    (re.compile(r"^.*?\bcommit(?:ted|ments?) to\s+", re.I), ""),
    (re.compile(r"^.*?" + _TICKETED.pattern, re.I), ""),
    (re.compile(r"^.*?\bwe (?:really )?need to\s+", re.I), ""),
    (re.compile(r"^.*?\bwe (?:really )?need (?=an?\b|more\b|monitoring\b)", re.I), "add "),
    (re.compile(r"^.*?\bwe should\s+", re.I), ""),
    (re.compile(r"^.*?\blet['’]s\s+", re.I), ""),
    (re.compile(r"^.*?\bfrom now on,? we\s+", re.I), ""),
    (re.compile(r"^.*?\bgoing forward,? we\s+", re.I), ""),
    (re.compile(r"^.*?\bi want to know\s+", re.I), "find out "),
    (re.compile(r"^.*?\bi want to\s+", re.I), ""),
    (re.compile(r"^.*?\bi want\s+", re.I), "add "),
    (re.compile(r"^(?:will|going to) (?:try to )?", re.I), ""),
    (re.compile(r"^.*?\b(?:it|this|that|we|they|everyone|everybody)\s+needs? to\s+", re.I), ""),
    (re.compile(r"^.*?\bi['’]ll take (?:the )?[\w -]{1,30}:\s*", re.I), ""),
    (re.compile(r"^.*?\b(?:i['’]ll|i will|we['’]ll|we will|i['’]m going to|we['’]re going to|going to)\s+", re.I), ""),
    (re.compile(r"^(?:keep|continue) (?=investigating|monitoring)", re.I), "keep "),
)
_ACTED_ON = (
    r"(?:a|an|the|any|some|all|every|each|no|more|its|their|our|your|this|that|these|those|it|them|up|down|out|off|"
    r"back|over|away|\d+)\b"
)
"""What follows a verb that is as often a noun when it is the verb: what it acts on, or its particle ("log the
queries", "lock down", "scale up"), not the rest of a noun phrase ("log retention", "release notes")."""
HORIZON_LEAD = re.compile(r"^(?:(?:in the )?(?:longer|long|medium|mid|short|near)[- ]term|eventually|later on)\b[:,]?\s*", re.I)
"""A follow-up opening with when it is due ("longer term a traffic management system"), not with what to do."""
_HEDGE = re.compile(r"^(?:maybe|perhaps|possibly|potentially)\s+(?P<rest>\S.*)$", re.I)
# two-word verbs that open a follow-up as they stand ("load test the provisioning service")
_COMPOUND = re.compile(
    r"^(?:load|stress|smoke|chaos|fuzz|canary|dry|game)[- ](?:test|run|day)s?\b|^(?:roll|fail|phase|scale|set|clean|speed|"
    r"wind|spin|shut|lock|break|split|carve|move|pull|follow|look|check|reach|sign|opt)\s+(?:out|over|in|up|down|"
    r"off|into|at|apart|on|back)\b(?!\s+(?:is|are|was|were|has|had)\b)",
    re.I,
)
# the same words as a noun: plural ("chaos tests of ...", "game days for ...") or followed by what they exercise
_TEST_NOUN = re.compile(
    r"^(?:load|stress|smoke|chaos|fuzz|canary|dry|game)[- ](?:tests|runs|days)\b|"
    r"^(?:load|stress|smoke|chaos|fuzz|canary|dry|game)[- ](?:test|run|day)\s+(?:of|for)\b",
    re.I,
)
# "subscribers asked to renew", "customers notified by email": something done to people, told, not a thing to add
_DONE_TO = re.compile(r"^(?:\w+\s+){0,2}\w+s\s+(?:were\s+|are\s+|got\s+)?\w+ed\b", re.I)
_NEXT_NARRATED = re.compile(
    r"\b(?:before|after|until|for|to|at|on|with|into)\s+(?:the|a|our|each)\s+next\s+steps?\b|"
    r"\bnext\s+steps?\s+(?:in|of)\s+(?:the|our|this|that|a)\s+[\w-]+",  # "next step in the procedure purges ...": the work
    re.I,
)
_PAIRED = re.compile(r"^(?P<first>[a-z]+)\s+and\s+(?P<second>[a-z]+)\b", re.I)
_NOT_VERB = re.compile(r"(?:s|ed|ing|ly|tion|ment|ness|ity)$|^(?:the|a|an|more|less|new|old|all|no|our|their)$", re.I)
_RELATIVE = re.compile(r"^(?P<head>[^,;:()]+?)\s+(?:that|which|so that|so|when|where|to)\s+\S", re.I)
# a pronoun or a definite head names something that exists ("the cache that failed was old"), not a thing to add
_PRONOUN = re.compile(
    r"^(?:we|i|you|they|he|she|it|this|that|these|those|there|the|its|their|someone|somebody|nobody|everyone)\b", re.I
)
_REDO = re.compile(r"^re(?:-(?P<verb>[a-z]{3,})|(?P<long>[a-z]{6,}))$")  # re-enable, reintroduce; not return
_GERUND = {"backfilling": "backfill", "updating": "update", "removing": "remove", "rotating": "rotate",
           "automating": "automate", "validating": "validate", "improving": "improve", "writing": "write",
           "making": "make", "using": "use", "monitoring": "monitor", "testing": "test", "reviewing": "review",
           "adding": "add", "fixing": "fix", "checking": "check", "documenting": "document"}  # fmt: skip
_TOLD_WORDS = r"knew|was|were|is|are|had|has|did|said|went|got|made|took|broke|thought|because|if"
"""Words that make a phrase a statement of what happened, not a thing to do or add."""
_FINITE = re.compile(rf"\b(?:{_TOLD_WORDS}|used|where|when|why|how|who)\b", re.I)
_HUMAN_FIX = re.compile(
    r"\b(?:be more careful|(?:re-?)?train\w*|remind\w*|pay (?:more )?attention|double[- ]check\w*|try harder|"
    r"be (?:more )?vigilant|learn\w* (?:not )?to)\b|"
    # people made to do better ("Make storage folks watch the disk alerts more closely"): a behaviour fix
    r"^make\s+(?:\w+\s+)?(?:folks|people|engineers|staff|humans|operators|everyone|everybody)\b",
    re.I,
)
_VAGUE = re.compile(
    r"^\w+ (?:it|this|that|them|things?)(?: \w+)?$|\b(?:until then|for now|right now|later|(?:it|this|that|them|these|those) first|for this)$|"
    r"\bfollow-?ups?$",
    re.I,
)
_QUESTION = re.compile(r"^(?:can|could|should|is|are|do|does|did|was|were|will|would|why|how|what|where|which)\b", re.I)
_CLAUSE = re.compile(r"\b(?:uses|is|are|has|have|gets|goes|can|cannot|needs|reads|works|stays)\b", re.I)
_TEAM = re.compile(
    r"\b((?:the )?(?:[A-Za-z][\w.-]*\s){0,3}(?:team|sre|on-call|oncall|dbas?|security|infrastructure|infra|platform|"
    r"support|ops|operations|engineering)(?:\s+team)?)\b",
    re.I,
)
_SERVICE = re.compile(r"\b([a-z][a-z0-9]*(?:[-.][a-z0-9]+)+)\b")
_DATE = re.compile(r"\b(?:by|due|before|until|on)\s+(\d{4}-\d{2}-\d{2})\b", re.I)
_IMMEDIATE = re.compile(r"\b(?:now|today|tonight|this week|immediately|asap|urgent\w*|right away|high|p0|p1)\b", re.I)
_LONG = re.compile(
    r"\b(?:review \w+|across|migrat\w*|re-?architect\w*|long[- ]term|roadmap|quarter|strategy|fully|self-hosting|"
    r"replace|sustainable|all (?:\w+ ){0,2}(?:modules|services|jobs|endpoints|urls|repos\w*)|independent)\b",
    re.I,
)
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("detect", re.compile(r"\b(monitor\w*|alert\w*|uptime|dashboard|observab\w*|watch\w*|detect\w*|metrics?|tracker|doomsday|notif\w*)\b", re.I)),
    ("investigate", re.compile(r"\b(investigat\w*|find out|find where|reproduc\w*|root cause|understand|spike|figure out|whether|research)\b|\?$", re.I)),
    ("mitigate", re.compile(r"\b(kill switch\w*|roll ?back|break-glass|runbook|recover\w*|failover|auto-block|circuit breaker|faster)\b", re.I)),
    ("repair", re.compile(r"\b(fix|rebuild|restore|re-insert|revoke|purge|remove|delete|rotate|clean up)\b", re.I)),
)
_PROCESS = re.compile(
    r"\b(review|runbook|process|rules?|checklist|documentation|docs|confirmation|communicat\w*|approval|smoke test plan|"
    r"written|procedures?|playbooks?|polic(?:y|ies)|on-?call|rota|rotation|escalation|training|two-person|sign-?off)\b",
    re.I,
)
_IMPACT = {
    "prevent": "Reduces the risk of the same failure happening again",
    "detect": "Shortens the time to detect a similar failure",
    "mitigate": "Shortens the time to mitigate a similar failure",
    "repair": "Removes damage or exposure left by this incident",
    "investigate": "Closes an open question about why this happened",
}
_PRIORITY_OF = {"high": "P1", "medium": "P2", "med": "P2", "low": "P3"}


@dataclass
class Proposal:
    item: Item
    title: str
    priority: str | None


def _split_top(text: str, seps: str) -> list[str]:
    """Split on the separator characters in `seps` outside brackets and quotes."""
    parts: list[str] = []
    buf: list[str] = []
    depth, quote = 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"“":
            quote = "\"" if ch == "\"" else "”"
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch in seps and depth == 0:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return [p.strip() for p in parts if p.strip()]


def _base(word: str) -> str:
    w = word.lower()
    return _GERUND.get(w, w)


# A follow-up worded as a state or a question ("ensure", "review", "can we ...?") is a direction, not an action:
# guides to action items ask for the action that gets there ("add", "require", "audit", "decide"), with what
# is done and to which thing named. The rewrites below keep the responders' words and only name the action.
_ASK_US = re.compile(r"^(?:can|could|should|shall)\s+we\s+(?P<rest>.+)$", re.I)
_ASK_BE = re.compile(r"^(?P<modal>can|could|should|will|would)\s+(?P<subj>[^,;:?]{2,60}?)\s+(?P<rest>be\s+.+)$", re.I)
_BACK_AFTER = re.compile(r"^(?P<thing>[\w' -]{2,40}?)\s+back\s+(?P<cond>(?:only\s+)?(?:after|once|when|until)\s+.+)$", re.I)
_RULE_ON_ALL = re.compile(r"^(?:nobody|no one|everyone|everybody)\s+\w+s\b", re.I)
_NEEDS = re.compile(r"^(?P<subj>(?:every|all|each)\b[^,;:]{2,60}?)\s+needs?\s+(?P<obj>(?:an?|the|its|their)\b.+)$", re.I)
_DIRECTIONS = ("revisit", "review", "improve", "enhance", "rethink")
"""Verbs that name a direction, not an action: a title opening with one says where to go, not what to do."""
_GOAL = re.compile(
    rf"^(?:{'|'.join(_DIRECTIONS)})\s+(?P<obj>[^:;,]{{3,60}}?)(?:\s*:\s*|\s+so(?: that)?\s+)"
    r"(?P<goal>(?:[\w'-]+\s+){1,6}?(?:must|should|needs? to|has to|have to|can|cannot|can't|does|do|doesn't|don't|"
    r"will|won't|is|are|stays?|gets?)\b.+)$",
    re.I,
)
_ABLE = re.compile(r"\b(?:must|should|needs? to|has to|have to|will) be able to\b", re.I)
_MODAL = re.compile(r"\b(?:must|should|needs? to|has to|have to)\b(?! not)", re.I)
_SCOPE_REVIEW = re.compile(r"^review\s+(?P<obj>.+\b(?:all|every|each|across)\b.+)$", re.I)


def _as_action(title: str) -> str:
    """A verb-first title whose head names a direction ("revisit the rotation: everyone on it must ...", "review
    X across all services") as the action it asks for ("Change the rotation so everyone on it can ...", "Audit X
    across all services"); any other title as it is."""
    m = _GOAL.match(title)
    if m:
        goal = _MODAL.sub("will", _ABLE.sub("can", m.group("goal")))
        return f"Change {m.group('obj')} so {goal}"
    m = _SCOPE_REVIEW.match(title)
    if m:  # a review of a named set of things is an audit of each: a finding per item
        return f"Audit {m.group('obj')}"
    return title


def verb_first(phrase: str) -> str:
    """The phrase as a verb-first action ("rollout must auto-block" -> "Make rollout auto-block"); "" when it
    cannot be phrased as one without guessing."""
    out = _verb_first(phrase)
    return _as_action(out) if out else out


_TAKES_TIME = re.compile(
    r"^takes?\s+(?:a\s+(?:while|bit|moment)|(?:some\s+|more\s+)?time|long(?:er)?|ages|forever|"
    r"(?:a few|several|many|\d+)\s+(?:seconds|minutes|hours|days|weeks))\b",
    re.I,
)


def _opens_with_verb(p: str, first: str) -> bool:
    """The phrase opens with a listed verb; one that is as often a noun only before what it acts on."""
    return first in IMPERATIVE_VERBS and (first not in ALSO_NOUNS or re.match(rf"^\S+\s+{_ACTED_ON}", p, re.I) is not None)


_TEAM_TO = re.compile(
    r"^(?:the\s+)?(?:[\w-]+\s+){0,2}(?:team|group|squad|crew|engineers?|on-?call|owners?)\s+to\s+(?=[a-z])", re.I
)
"""A follow-up that names who does it before the work ("Operations team to research ways to improve failover")."""
_MADE_MORE = re.compile(r"^(?P<subj>[^,;:]{3,60}?)\s+(?:was |were |is |are |been )?made\s+(?P<rest>(?:more|less)\s+\S.*)$", re.I)
"""A follow-up reported as done by what it made of a thing ("automated alerting made more robust, so we are told
within seconds"): the action is to make it so."""
_WITH_PARTNER = re.compile(r"^with\s+(?P<who>[^:;,.]{2,60}?)\s*:\s*(?P<rest>[a-z].*)$", re.I)
"""A follow-up that names whom it is done with before the work ("with Linux Foundation / CD Foundation: scrutinise
infrastructure not directly managed by the project"): the work, then with whom."""
_STANDING = {"always", "never", "regularly", "routinely", "continuously", "automatically", "periodically"}
"""Adverbs that make an action a standing rule ("always run multi-master", "regularly compact each master")."""


_PARTICIPLE_ADJECTIVES = frozenset(
    "automated dedicated distributed improved enhanced increased reduced extended advanced detailed centralized "
    "centralised isolated managed scheduled structured updated unified expanded enforced staged versioned tested".split()
)
"""Past participles that usually stand as adjectives before a noun ("automated smoke tests", "enforced staged
rollouts"): a thing to add, not work reported done, unless an object follows ("automated the failover")."""
_ACTION_OBJECT_LEAD = frozenset("a an the all every our their its this that these those some each".split())


def _done_verb(word: str) -> str | None:
    """The base of a regular past-tense action verb ("audited" -> "audit", "notified" -> "notify", "stopped" ->
    "stop"), when it is one the actions know and no noun as often; else None."""
    return _base_verb(word, unless=ALSO_NOUNS) if word.endswith("ed") and len(word) >= 5 else None


def _verb_first(phrase: str) -> str:
    p = phrase.strip().rstrip(".;,")
    p = re.sub(r"^(?:to|and|also|then|plus)\s+", "", p, flags=re.I)
    p = HORIZON_LEAD.sub("", p)  # "longer term a traffic management system ...": when, not what
    p = _TEAM_TO.sub("", p)  # "Operations team to research ways to ...": who will do it, then what
    made = _MADE_MORE.match(p)
    if made and _subject(made["subj"]):  # "automated alerting made more robust": the change, told as done
        return f"Make {lowered(made['subj'])} {made['rest']}"
    partner = _WITH_PARTNER.match(p)
    if partner and (work := _verb_first(partner["rest"])):
        return f"{work} with {partner['who']}"
    if not p:
        return ""
    if _TAKES_TIME.match(p):  # "(will) take a while but should be usable": how long the work in hand lasts
        return ""
    hedge = _HEDGE.match(p)
    if hedge and (action := _verb_first(hedge.group("rest"))) and not _HEDGE.match(hedge.group("rest")):
        # "maybe publish more of the rationale": not decided yet, so the action is the decision
        return f"Decide whether to {action[0].lower()}{action[1:]}" if action.split()[0].lower() in IMPERATIVE_VERBS else ""
    p = re.sub(r"^rate[- ]limit\b", "Rate-limit", p, flags=re.I)
    sure = _MAKE_SURE.match(p)
    if sure and (action := _sure(sure.group("rest"))):
        return action
    first = p.split()[0].lower().rstrip(",;:")  # "review, update and test the runbooks"
    # (not "tested, current restore procedure": a participle in a list of adjectives before its noun)
    if (base := _done_verb(first)) is not None and len(p.split()) > 1 and not p.split()[0].endswith(",") and (
        first not in _PARTICIPLE_ADJECTIVES or p.split()[1].lower() in _ACTION_OBJECT_LEAD
    ):
        # "audited where and how the key was accessible": work reported done, told as the action it was
        return f"{base.capitalize()}{p[len(first):]}"
    words = p.split()
    if first in _STANDING and len(words) > 2 and _opens_with_verb(" ".join(words[1:]), words[1].lower()):
        return f"{p[0].upper()}{p[1:]}"  # "always run multi-master": a standing rule, verb-first after its adverb
    redo = _REDO.match(first)
    if _TEST_NOUN.match(p):  # "chaos tests of all data center functions": tests to run, not a verb
        return f"Run {p[0].lower()}{p[1:]}"
    if _opens_with_verb(p, first) or _COMPOUND.match(p) or (redo is not None and (redo.group("verb") or redo.group("long")) in IMPERATIVE_VERBS):
        p = re.sub(r"^(audit|review|test|check|inventory|rehearsal)\s+of\s+", r"\1 ", p, flags=re.I)  # "audit of X": "audit X"
        return p[0].upper() + p[1:]
    paired = _PAIRED.match(p)  # "log and verify the credential ...": a verb joined to a known one
    if paired and paired.group("second").lower() in IMPERATIVE_VERBS and not _NOT_VERB.search(paired.group("first")):
        return p[0].upper() + p[1:]
    if _UNLISTED_VERB.match(p):  # "Spool events to local disk ...", "Send Kafka metrics into ...": a verb already
        return p
    if first == "let":  # "let the control plane re-form quorum ...": "Allow the control plane to re-form quorum ..."
        return _let(p)
    able = re.match(r"^(?:we\s+(?:need|want)\s+to\s+)?be able to\s+(?P<rest>.+)$", p, re.I)
    if able:
        return f"Make it possible to {able.group('rest')}"
    back = _BACK_AFTER.match(p)
    if back:  # "streaming back only after a new implementation is tested": reintroduced on a condition
        return f"Reintroduce {back.group('thing')} {back.group('cond')}"
    if _QUESTION.match(p):
        p = p.rstrip("?").rstrip()
        us, be = _ASK_US.match(p), _ASK_BE.match(p)
        if us:  # "can we run the job continuously?": a decision the team makes
            return f"Decide whether to {us.group('rest')}"
        if be:  # "can audit logs be searched without an admin?": a fact to establish
            return f"Find out whether {be.group('subj')} {be.group('modal').lower()} {be.group('rest')}"
        lead = "Find out " if re.match(r"^(?:why|how|what|where|which)\b", p, re.I) else "Investigate: "
        return lead + p
    m = re.match(r"^(?P<subj>.+?)\s+(?P<modal>must not|must|should|needs? to|has to|have to)\s+(?P<rest>.+)$", p, flags=re.I)
    if m and _SPEAKER_PRONOUN.fullmatch(m.group("subj")):
        return ""  # "it should only touch the local router": what "it" is, the phrase does not say
    if m and _subject(m.group("subj")):
        rest = m.group("rest")
        if m.group("modal").lower() == "must not":
            # "change X so it does not ..." names the thing to change; "ensure X does not ..." names none
            pronoun = "they" if _plural(m.group("subj")) else "it"
            return f"Change {m.group('subj')} so {pronoun} {'do' if pronoun == 'they' else 'does'} not {rest}"
        if re.match(r"^(?:be|have|get)\b", rest, re.I):
            return f"Ensure {m.group('subj')} can {rest}" if rest.lower().startswith("be able") else ""
        return f"Make {lowered(m.group('subj'))} {rest}"
    m = re.match(r"^(?P<subj>.+?)\s+needs?\s+(?P<ger>\w+ing)\b\s*(?P<rest>.*)$", p, flags=re.I)
    if m and _subject(m.group("subj")):
        return f"{_base(m.group('ger')).capitalize()} {m.group('subj')} {m.group('rest')}".strip()
    m = re.match(r"^(?P<noun>[\w' -]{2,40}):\s+(?P<rest>.+)$", p)
    if m and not _FINITE.search(m.group("noun")):
        return f"Add {m.group('noun')}: {m.group('rest')}"
    needs = _NEEDS.match(p)
    if needs:  # "every deployed resource needs a scaling plan": a rule to require
        return f"Require {needs.group('subj')[0].lower()}{needs.group('subj')[1:]} to have {needs.group('obj')}"
    if re.match(r"^(?:nobody|no one|every\w*|all)\b", p, re.I) and (_CLAUSE.search(p) or _RULE_ON_ALL.match(p)):
        return f"Enforce that {p[0].lower()}{p[1:]}"  # a rule on everyone or no one: enforced, not hoped for
    rel = None if _DONE_TO.match(p) else _RELATIVE.match(p)  # "replica lag monitoring so traffic can be routed ...": a thing to add, then its purpose
    if rel and _subject(rel.group("head")) and not _PRONOUN.match(rel.group("head")):
        return f"Add {p}"
    if state := _sure(p, clause=False):  # "cluster software rejects such requests": the state asked for, as under "make sure"
        return state
    if _CLAUSE.search(p) or _FINITE.search(p) or _DONE_TO.match(p):
        return ""
    return f"Add {lowered(p)}"


_UNLISTED_VERB = re.compile(
    r"^(?P<verb>[A-Z][a-z]{2,}(?<!s)(?<!ed)(?<!ing)(?<!ion)(?<!ment)(?<!ness)(?<!ity)(?<!er)(?<!or)(?<!ly)(?<!al))\s+"
    r"(?:(?:the|a|an|our|all)\s+)?(?P<object>[a-z]{3,}s|[A-Z][\w-]*)\b[\w\s,-]{0,40}?\s(?:to|into|onto)\s+"
    r"(?!(?:be|make|keep|avoid|prevent|protect|stop|reduce|catch|detect|allow|let|help|ensure)\b)\w"
)
"""A follow-up that starts with a verb no word list knows: a plain word in its base form, then what it acts on (the,
a plural, a name) and where it goes ("Spool events to local disk", "Send Kafka and ZooKeeper metrics into our own
telemetry"). Not a noun phrase with a purpose ("Rate limits to protect the API": the "to" starts a verb)."""


# "make sure X handles ...", "ensure alerts are routed to ...": a state wished for. The action that gets there is
# named from the responders' own words: the thing is changed so it does what they wrote, or the step they wrote
# as done ("routed") is the verb. Anything else stays as written (vague, but nothing is made up).
_MAKE_SURE = re.compile(r"^(?:make sure|ensure|be sure)\s+(?:that\s+)?(?P<rest>\S.+)$", re.I)
_SURE_DONE = re.compile(r"^(?P<subj>.+?)\s+(?:is|are|gets?)\s+(?P<done>[a-z]+ed)\b(?P<tail>.*)$", re.I)
_SURE_MODAL = re.compile(
    r"^(?P<subj>.+?)\s+(?P<modal>can't|cannot|can not|won't|will not|does not|doesn't|do not|don't|never|can|will|must|should)\s+"
    r"(?P<rest>.+)$",
    re.I,
)
_SURE_DOES = re.compile(r"^(?P<subj>.+?)\s+(?P<verb>[a-z]+?)(?P<suffix>es|s)\b(?P<tail>.*)$", re.I)
_SURE_ALL_HAVE = re.compile(r"^(?P<subj>(?:every|all|each)\b[^,;:]{2,60}?)\s+(?:has|have)\s+(?P<obj>(?:an?|the|its|their)\b.+)$", re.I)
_PRONOUN_OBJECT = re.compile(r"^\s*(?:(?:it|this|that|them|these|those)\b|(?:fine|ok|okay|well)?\s*$)", re.I)
_ONLY_DETERMINERS = re.compile(r"^(?:(?:a|an|the|all|every|each|any|some|our|its|their|this|that|these|those)\s*)+$", re.I)


def _sure(rest: str, *, clause: bool = True) -> str:
    """The action behind "make sure <rest>", or "" when the wording names none. Without "make sure" (`clause`
    False) the phrase may be a noun phrase ("quarterly failover drills for the API tier"), so a verb followed by a
    preposition is read as a plural noun."""
    we = re.match(r"^we\s+(?P<verb>[a-z]+)\b(?P<tail>.*)$", rest, re.I)
    if we:  # "make sure we page the owning team": the step itself
        verb = we.group("verb").lower()
        return f"{verb.capitalize()}{we.group('tail')}" if verb in IMPERATIVE_VERBS and verb not in _DIRECTIONS else ""

    def named(subj: str) -> bool:
        return _subject(subj) and not _ONLY_DETERMINERS.match(subj) and not _SPEAKER_PRONOUN.match(subj)

    every = _SURE_ALL_HAVE.match(rest)
    if every:  # "make sure every service has an owner": a rule to require
        return f"Require {lowered(every.group('subj'))} to have {every.group('obj')}"
    found: list[tuple[int, str]] = []  # (subject length, action): the clause's own subject is the shortest one
    done = _SURE_DONE.match(rest)
    if done and named(done.group("subj")) and (verb := _base_verb(done.group("done"))):
        # "ensure alerts are routed to the owner" -> "Route alerts to the owner"
        found.append((len(done.group("subj")), f"{verb.capitalize()} {lowered(done.group('subj'))}{done.group('tail')}"))
    modal = _SURE_MODAL.match(rest)
    if modal and named(modal.group("subj")):
        subj, word, tail = modal.group("subj"), modal.group("modal").lower(), modal.group("rest")
        pronoun = "they" if _plural(subj) else "it"
        if word in ("can", "will", "must", "should"):
            if not re.match(r"^(?:be|have|get)\b", tail, re.I):
                found.append((len(subj), f"Make {lowered(subj)} {tail}"))
        elif word == "never":
            found.append((len(subj), f"Change {lowered(subj)} so {pronoun} never {tail}"))
        else:
            tail = re.sub(r"^not\s+", "", tail, flags=re.I)
            found.append((len(subj), f"Change {lowered(subj)} so {pronoun} {'do' if pronoun == 'they' else 'does'} not {tail}"))
    does = _SURE_DOES.match(rest)
    if does and named(does.group("subj")) and not _PRONOUN_OBJECT.match(does.group("tail")) and (
        clause
        # (nor before a bracket: "networking alerts (CPU, connection resets)" lists what the alerts watch)
        or not re.match(r"\s*(?:$|,|\(|(?:for|on|in|of|to|at|with|from|per|across|between|into|over|under|by|and|or|as|than)\b)", does.group("tail"), re.I)
    ):
        base = does.group("verb").lower()
        # without "make sure", a verb that is as often a noun reads as a plural ("index on the orders table")
        verbs = IMPERATIVE_VERBS if clause else IMPERATIVE_VERBS - ALSO_NOUNS
        if base in verbs or base + "e" in verbs or (does.group("suffix") == "s" and base + "s" in verbs):
            pronoun = "they" if _plural(does.group("subj")) else "it"
            verb = does.group("verb") + does.group("suffix")
            found.append((len(does.group("subj")), f"Change {lowered(does.group('subj'))} so {pronoun} {verb}{does.group('tail')}"))
    return min(found)[1] if found else ""


def _let(p: str) -> str:
    words = p.split()
    if len(words) < 4 or words[0].lower() != "let" or not _DETERMINER.match(words[1]):
        return ""
    for i in range(3, min(len(words), 9)):  # the verb after "let <someone>": a known one, or one done again
        w = words[i].lower().strip(",;:")
        if w in IMPERATIVE_VERBS or _REDO.match(w) or re.match(r"^re-[a-z]{3,}$", w):
            return f"Allow {' '.join(words[1:i])} to {' '.join(words[i:])}"
    return ""


def _plural(subject: str) -> bool:
    head = subject.split()[-1].lower()
    return head.endswith("s") and not head.endswith(("ss", "us", "is", "ics"))


def _subject(words: str) -> bool:
    """A short noun phrase that can be the object of "make" / "ensure"."""
    return len(words.split()) <= 8 and not _FINITE.search(words) and not _CLAUSE.search(words) and ":" not in words


_AND_VERB = re.compile(
    rf"\s+and\s+(?=(?:{'|'.join(sorted((IMPERATIVE_VERBS - ALSO_NOUNS) | {'train', 'teach', 'remind'}, key=len, reverse=True))})\b|"
    rf"(?:{'|'.join(sorted(ALSO_NOUNS, key=len, reverse=True))})\s+{_ACTED_ON})"
)
"""A bare "and" before a verb: "pin the AMI and alert on NodeNotReady" is two items, "quicker and sturdier rollback"
and "timeouts in the auth library and monitoring" one each."""
_LISTED_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _phrases(a: Analysis, item: Item, text: str | None = None) -> list[tuple[str, str | None]]:
    text = a.say(item) if text is None else text
    if not text:
        return []
    out: list[tuple[str, str | None]] = []
    under_heading = item.heading_tag == "actions"
    # "Follow-ups: a; b; c.": the list runs to the end of its sentence, so it is not cut at its semicolons
    parts = [text] if under_heading else _LISTED_SENTENCES.split(text) if _LIST_LEAD.match(text) else split_sentences(text)
    committed = _committed(item)
    for i, part in enumerate(parts):
        listed = i == 0 and bool(_LIST_LEAD.match(text))
        if not under_heading and not listed and not FOLLOWUP.search(part) and not re.search(r"\b(?:must|should)\b", part) and not (
            committed and (_COMMITMENT.search(part) or _TICKETED.search(part))
        ):
            continue
        if re.search(r"\bshould we\b|\?\s*$", part) and not under_heading:
            continue
        if not under_heading and _NEXT_NARRATED.search(part) and not FOLLOWUP.search(_NEXT_NARRATED.sub(" ", part)):
            continue  # "waiting for the stagger window before the next step" narrates the work, it plans nothing
        part = _NUMBERED.sub("", _SPEAKER.sub("", part.strip()))  # "1. monitoring on temp file usage": the item
        priority = None
        is_list = bool(_LIST_LEAD.match(part))
        part = _LEAD.sub("", part)
        m = _PRIORITY.match(part)
        if m:
            priority = _PRIORITY_OF.get(m.group("p").lower(), m.group("p").upper())
            part = part[m.end() :]
        for pattern, repl in _CUES:
            new = pattern.sub(repl, part, count=1)
            if new != part:
                part = new
                is_list = is_list or repl == "add "
                break
        # "plug the leak (done) + deploy the fix (done)": notes join two items with "+" as with ";"
        pieces = [q for p in _split_top(part, ";+") for q in re.split(r",\s+and\s+(?=(?:the|a|an|all|every)\b|\w+ (?:must|should)\b)", p)]
        if is_list:
            pieces = [q for p in pieces for q in _listed_items(p, cut=len(pieces) > 1)]
        for piece in _rejoined(pieces):
            piece = re.sub(r"^(?:add\s+)?(?:and|also|plus)\s+", "", piece.strip(), flags=re.I)
            piece = third_person(piece, a.role(item))
            if len(piece.split()) < 2 and not under_heading:
                continue
            out.append((piece, priority))
    return out


def _listed_items(piece: str, *, cut: bool) -> list[str]:
    """The items one piece of a follow-up list holds. "a, b, and c" lists three; a bare "and" joins two items only
    when a verb follows it. In a list already `cut` at its semicolons, a comma lists items only where a serial comma
    shows it ("a, b, and c"); elsewhere it stays inside its item, and so does the "and" that ends its series ("alerts
    on network packets, CPU and open files; log rotation ...")."""
    if not cut or re.search(r",\s+and\s", piece):
        return _split_top(_AND_VERB.sub(", ", re.sub(r",\s+and\s+(?=[a-z])", ", ", piece)), ",")
    return [piece] if "," in piece else _AND_VERB.split(piece)


# a piece that only goes on with the one before it: what that one includes ("stronger review of deployments,
# including external audits"), or the same things acted on again by pronoun ("remove dependencies on the core
# data centers; move them to the distributed network")
_GOES_ON = re.compile(r"^(?:including|incl\.?|such as|e\.g\.|especially|notably|in particular)\b", re.I)
_SAME_THINGS = re.compile(r"^[a-z]+\s+(?:them|it|these|those)\b", re.I)


def _rejoined(pieces: list[str]) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        piece = piece.strip()
        if out and _GOES_ON.match(piece):
            out[-1] = f"{out[-1]}, {piece}"
        elif out and _SAME_THINGS.match(piece) and piece.split()[0].lower() in IMPERATIVE_VERBS:
            out[-1] = f"{out[-1]} and {piece[0].lower()}{piece[1:]}"
        else:
            out.append(piece)
    return out


def _committed(item: Item) -> bool:
    """A written commitment (not live chat) or a follow-up filed as a ticket."""
    return bool(_TICKETED.search(item.body) or (item.source != "chat" and _COMMITMENT.search(item.body)))


def _continued(a: Analysis, item: Item) -> tuple[str, list[Item]]:
    """An inline follow-up list ("Follow-ups: a; b; c ...") hard-wrapped over the next lines of the same notes, as one
    text, with the lines it took in: it runs on while the next untimed line starts in lower case and the text so far
    has not ended its sentence."""
    text = a.say(item)
    taken: list[Item] = []
    if item.source != "notes" or not _LIST_LEAD.match(text) or ";" not in text:
        return text, taken
    for nxt in a.items[item.order + 1 :]:
        body = a.say(nxt)
        if (
            re.search(r"[.!?]\s*$", text) or nxt.material != item.material or nxt.line != item.line + len(taken) + 1
            or nxt.at is not None or nxt.is_heading or not body or not body[0].islower()
        ):
            break
        text, taken = f"{text} {body}", [*taken, nxt]
    return text, taken


_TITLE_COLUMN = re.compile(
    r"^(?:action(?: items?)?|actions|items?|tasks?|titles?|what|follow[- ]?ups?|descriptions?|remediations?|todo)$", re.I
)
"""The column of a follow-up table that names the work ("| item | type | owner | status |")."""
_COLUMN_NAME = re.compile(r"^[A-Za-z][\w /-]{0,20}$")


_ROW_NUMBER = re.compile(r"#?\d{1,3}[.)]?")


def _table_titles(a: Analysis) -> dict[str, str]:
    """Item id -> the cell naming the work, for each row of a Markdown table of follow-ups ("| revert docker storage
    driver to vfs | mitigate | olivier | DONE |" -> "revert docker storage driver to vfs"); its header row maps to ""
    (it names columns, no work)."""
    out: dict[str, str] = {}
    column: int | None = None
    last: tuple[str, int] | None = None
    for item in a.items:
        cells = table_cells(a.say(item)) if item.heading_tag == "actions" and "|" in item.text else []
        if len(cells) < 2:
            last = None
            continue
        if last is None or last[0] != item.material or item.line > last[1] + 2:  # a new table: is this its header?
            named = [i for i, c in enumerate(cells) if _TITLE_COLUMN.match(c)]
            if named and all(_COLUMN_NAME.match(c) for c in cells):
                column, out[item.id] = named[0], ""
                last = (item.material, item.line)
                continue
            # no header: the first cell that is not a row number ("| 1 | always run multi-master |")
            column = next((i for i, c in enumerate(cells) if not _ROW_NUMBER.fullmatch(c.strip())), 0)
        last = (item.material, item.line)
        if column is not None and column < len(cells):
            out[item.id] = cells[column]
    return out


def proposals(a: Analysis) -> list[Proposal]:
    found: list[Proposal] = []
    joined: set[str] = set()  # lines read as the wrapped tail of a follow-up list above them
    rows = _table_titles(a)
    for item in a.items:
        if item.is_heading or item.is_title or item.is_meta or item.source in ("log", "alert", "pager") or item.id in joined:
            continue
        committed = _committed(item)
        if item.source == "status" and not committed:
            continue
        # "plan: red team assessment; ephemeral runners" in the responders' notes lists the work still to come
        planned = item.source == "notes" and bool(_PLAN_LIST.match(a.say(item)))
        if item.heading_tag != "actions" and not a.sig(item).followup and not committed and not planned:
            continue
        text, taken = _continued(a, item) if item.id not in rows else (rows[item.id], [])
        if not text:
            continue  # a table's header row
        joined.update(t.id for t in taken)
        for phrase, priority in _phrases(a, item, text):
            title = sentence(verb_first(phrase)).rstrip(".")
            if len(title.split()) < 4 or is_blameful(title) or _VAGUE.search(title) or _HUMAN_FIX.search(title):
                continue
            cand = Proposal(item=item, title=title, priority=priority)
            dup = next((p for p in found if fuzz.token_set_ratio(p.title, title, processor=utils.default_process) >= DUPLICATE), None)
            if dup is None:
                found.append(cand)
            elif priority and not dup.priority:
                found[found.index(dup)] = cand
    return found[:MAX_ITEMS]


_TEAM_WORD = re.compile(r"\b((?:[A-Za-z][\w.-]*\s){1,2})team\b")
_TEAM_STOP = {
    "us", "through", "the", "of", "to", "plus", "your", "our", "their", "my", "other", "from", "and", "for", "with",
    "by", "a", "an", "on", "in", "at", "independent", "whole", "same", "this", "that", "every", "each", "any",
    "small", "very", "entire", "whose", "which", "responder", "engineer", "user", "customer", "reporter",
    "hi", "hey", "hello", "thanks", "dear", "ping", "cc",
}  # fmt: skip
_SERVICEISH = re.compile(r"(?:\.[a-z]{2,}$|-(?:service|app|api|server|platform|proxy|web|worker|cluster|gateway|db)\b)")
_URL = re.compile(r"https?://\S+")
_PREFIXED_WORD = re.compile(r"^(?:in|on|at|by|per|non|pre|post|re|co|self|cross|multi|out|up|off|under|over)-")
"""A word built with a prefix ("in-app", "self-service", "on-web"): an ordinary word, not a service's name."""
_FILEISH = re.compile(
    r"\.(?:txt|md|json|log|yaml|yml|py|pyc|out|sh|crate|tar|gz|zip)$|^v?\d|\d+\.\d+|^[^.]+\.[^.]+\.[^.]+|-\d+$"
)
"""A file, a version, a fully qualified host name ("dynamodb.us-east-1.amazonaws.com": an endpoint, three or
more labels; "docs.rs" still names a service) or a ticket's key ("wc-web-412"): none names the team that owns the
follow-ups."""


# "team pods", "team members": "team" as a modifier of another noun names no team
_TEAM_NOUN = re.compile(r"\s*(?:pods?|members?|mates?|lead|leads|channel|chat|room|calendar|offsite|workloads?|namespaces?)\b", re.I)


def _team_names(text: str) -> list[str]:
    out = []
    for m in _TEAM_WORD.finditer(text):
        if _TEAM_NOUN.match(text, m.end()) or text[max(m.start() - 1, 0) : m.start()] in ("'", "’"):
            continue  # "team pods"; "the datacenter's HVAC team": another organisation's team
        words = m.group(1).split()
        ends = [i for i, w in enumerate(words) if w[-1] in ".!?:;,"]
        words = words[ends[-1] + 1 :] if ends else words  # "... so they can catch up. API team is on it": "API team"
        while words and words[0].lower() in _TEAM_STOP:
            words = words[1:]
        if words and all(w.lower() not in _TEAM_STOP for w in words):
            out.append(" ".join(words) + " team")
    return out


# a team named where the work is handed out: "owner: storage team", "the storage team will add ...", "assigned to
# the storage team"; a team only mentioned ("pinged the fraud team", "cloudwatch team here, we're erroring too",
# "their HVAC team is on the way") is someone the responders talked to, not the owner of the follow-ups
_OWNED = re.compile(
    r"\b(?:owners?|owned by|owning|assigned to|assignee|handed (?:over )?to|over to|responsible)\b|"
    r"\bteam\s+(?:will|to|owns|is on (?:it|this)|are on (?:it|this)|takes|is taking|are taking|is fixing|are fixing|picks up)\b",
    re.I,
)


def _owner_line(a: Analysis, item: Item, text: str) -> bool:
    """A line whose team names can own the follow-ups: a follow-up itself, or a line handing out work."""
    return item.heading_tag == "actions" or a.sig(item).followup or _committed(item) or bool(_OWNED.search(text))


def owner_for(a: Analysis) -> str:
    """A team the materials give work to, else the team owning the service the incident is about."""
    teams: Counter[str] = Counter()
    services: Counter[str] = Counter()
    for item in a.items:
        if item.source in ("log", "alert"):
            continue
        text = a.say(item)
        if not text:
            continue
        for name in _team_names(text) if _owner_line(a, item, text) else []:
            teams[name] += 1
        plain = _URL.sub(" ", text.lower())
        for m in _SERVICE.finditer(plain):
            token = m.group(1)
            if plain[m.end() : m.end() + 1] == "(":
                continue  # "step.fetch()": a function called in code, not a service
            if _SERVICEISH.search(token) and not _FILEISH.search(token) and not _PREFIXED_WORD.match(token):
                services[token] += 1
    if teams:
        return max(teams.items(), key=lambda nc: (nc[1], nc[0]))[0]
    title = (a.title or "").lower()
    in_title = [t for t in services if re.search(rf"(?<![\w.-]){re.escape(t)}(?![\w-]|\.\w)", title)]
    if in_title:
        return f"{max(in_title, key=lambda t: (services[t], t))} owning team"
    if services:
        top, count = max(services.items(), key=lambda sc: (sc[1], sc[0]))
        if count >= 2:
            return f"{top} owning team"
    return "On-call team"


def _plain(text: str) -> bool:
    """No digits: safe to repeat next to evidence that may not hold the same numbers."""
    return bool(text) and not any(c.isdigit() for c in text)


def _kind(title: str) -> str:
    for kind, pattern in _KINDS:
        if pattern.search(title):
            return kind
    return "prevent"


def _link(title: str, factors: list[dict[str, Any]]) -> list[str]:
    best, best_score = None, 0.0
    cat = category(title)
    for f in factors:
        text = f"{f.get('title', '')} {f.get('description', '')}"
        score = fuzz.token_set_ratio(title, text, processor=utils.default_process) * 0.5
        score += fuzz.partial_ratio(title.lower(), str(f.get("description", "")).lower()) * 0.3
        if cat and cat == category(text):
            score += 25.0
        if score > best_score:
            best, best_score = f, score
    # every follow-up of this incident addresses one of its factors: link the closest one
    return [str(best["id"])] if best is not None else ([str(factors[0]["id"])] if factors else [])


# A factor that names a missing safeguard ("there was no canary to stop it early", "No alerts on NodeNotReady",
# "customers had no control over when content arrives") says what to add: post-mortems list exactly that as the
# remediation ("Add a canary stage", "Give customers control over ..."). Only the thing the factor names is used.
_NO = re.compile(r"(?:^|[;:]\s*|(?:\b(?:there (?:was|is|were|are)|(?:we|they) (?:had|have)|(?P<subj>[\w/-]+(?:['’]s)?(?:\s[\w/-]+(?:['’]s)?){0,3}?) "
                 r"(?:had|has|have)))\s+)no\s+(?P<thing>[a-z](?:[^,;:.()]|\.(?=\S)){2,90})", re.I)
_EXIST = re.compile(r"\s+(?:existed|exists?)(?=\s+(?:for|on|in|of|to|at)\b)", re.I)
_THING_END = re.compile(
    r"\s+(?:at all|existed|exists?|whatsoever|anywhere|so|because|but|and then|which|while|,|that (?:was|is|were|are))\b.*$", re.I
)
_PEOPLE = re.compile(r"^(?:the\s+)?(?:on-?call\s+)?(?:customers?|users?|operators?|tenants?|clients?|responders?|on-?call|engineers?|teams?)$", re.I)
_MASS = re.compile(
    r"(?:s|ing|tion|ment|ness|ity|age|ance|ence|ware)$|^(?:control|access|data|traffic|headroom|insight|oversight|"
    r"backoff|redundancy|capacity|coverage|staging|expiry|expiration)$",
    re.I,
)
_DETERMINER = re.compile(r"^(?:a|an|the|any|some|one|two|\d+|more|further|enough|its|their|our)\b", re.I)
_TOLD = re.compile(rf"\b(?:{_TOLD_WORDS})\b", re.I)  # "no control over when ... arrives" may name a time
_CLAUSE_VERB = re.compile(r"^\S+(?:\s+\S+){0,2}?\s+(?!(?:to|for|on|of|in|over|at|with)\b)\w{2,}ed\b", re.I)
_TOLD_OF = re.compile(r"^(?P<np>(?:the|a|an|our|this)\s+[\w-]+(?:\s+[\w-]+)?)\s+(?:went|was|were|is|are|got|ran|reached|shipped|hit)\b", re.I)
_SPEAKER_PRONOUN = re.compile(r"^(?:we|i|you|they|he|she|it|this|that|someone|nobody|everyone)\b", re.I)
_ENDS_ON_PRONOUN = re.compile(r"\b(?:it|this|that|them|these|those)$", re.I)
_PREP = re.compile(r"\s(?:to|for|on|of|in|over|at|with|against|from|when|before|after|between)\s", re.I)


_WHO = re.compile(r"(?P<np>\bthe\s+[\w-]+(?:\s+[\w-]+)?)\)?,?\s+who\s+(?:had|has|have)\s+no\s+$", re.I)


def _with_article(thing: str) -> str:
    if _DETERMINER.match(thing):
        return thing
    m = _PREP.search(thing)
    head = (thing[: m.start()] if m else thing).split()[-1]
    if _MASS.search(head) or "/" in head:
        return thing
    return ("an " if thing[0].lower() in "aeiou" else "a ") + thing


def _stems(text: str) -> set[str]:
    return {w.rstrip("s")[:5] for w in re.findall(r"[a-z][a-z0-9]+", text.lower()) if len(w) > 2 and w not in _STOP}


_STOP = {"add", "the", "and", "for", "with", "from", "into", "onto", "give", "this", "that", "all", "any", "our", "their"}


def _same_thing(remedy_title: str, title: str) -> bool:
    """An item asks for at least half of what the remedy adds (content words, compared on their first letters)."""
    want = _stems(remedy_title)
    return bool(want) and len(want & _stems(title)) * 2 >= len(want)


# "the exception was not handled", "node logs not collected centrally": a step left undone names the action
_UNDONE = re.compile(
    r"(?:^|,\s+|;\s+)(?P<np>(?:(?:the|a|an|its|their|our)\s+)?[\w-]+(?:\s+[\w/-]+){0,3}?)\s+(?:(?:was|were|is|are|got)\s+)?"
    r"(?:not|never)\s+(?P<done>[a-z]+ed)\b(?P<rest>[^,;.]{0,60})",
    re.I,
)


def _base_verb(participle: str, *, unless: Collection[str] = _DIRECTIONS) -> str | None:
    """The verb of a regular past participle ("handled" -> "handle", "pinned" -> "pin"), when it is a known action
    (and not one of `unless`: by default the directions, "improved" tells no action)."""
    w = participle.lower()
    for cand in (w[:-1], w[:-2], w[:-3], w[:-3] + "y"):
        if cand in IMPERATIVE_VERBS and cand not in unless:
            return cand
    return None


def _undone(part: str) -> str:
    m = _UNDONE.search(part)
    verb = _base_verb(m.group("done")) if m else None
    if m is None or verb is None or _SPEAKER_PRONOUN.match(m.group("np")) or _TOLD.search(m.group("rest")):
        return ""
    if _ENDS_ON_PRONOUN.search(m.group("rest").rstrip()):
        return ""  # "downloads were never added to that": to what, this factor does not say
    np = m.group("np")
    return f"{verb.capitalize()} {np[0].lower()}{np[1:]}{m.group('rest').rstrip()}"


# "nothing alerted on the age of the copy", "nothing monitored replica lag": the watch that was missing, by its object
_NOTHING = re.compile(
    r"\bnothing\s+(?P<verb>alerted|paged|monitored|checked|watched|tracked|flagged)\s+(?:on\s+|for\s+|about\s+)?"
    r"(?P<obj>[a-z][^,;:.()]{2,80})",
    re.I,
)
_WATCH = {"alerted": "Add an alert on", "paged": "Page on", "monitored": "Monitor", "checked": "Check",
          "watched": "Watch", "tracked": "Track", "flagged": "Flag"}  # fmt: skip


def _unwatched(part: str) -> str:
    m = _NOTHING.search(part)
    if m is None:
        return ""
    obj = _THING_END.sub("", m.group("obj").strip()).strip(" -")
    if not 1 <= len(obj.split()) <= 10 or _ENDS_ON_PRONOUN.search(obj) or _TOLD.search(obj):
        return ""
    return f"{_WATCH[m.group('verb').lower()]} {obj}"


# "our automatic failover did not detect the partial failure", "the rollout could not roll back the hosts": the
# thing the system was there to do and did not, by the responders' own verb and object
_UNABLE = re.compile(
    r"(?:^|,\s+|;\s+)(?P<np>(?:(?:the|a|an|its|their|our)\s+)?[\w-]+(?:\s+[\w/-]+){0,3}?)\s+"
    r"(?:did not|didn['’]t|could not|couldn['’]t|cannot|can['’]t|was unable to|were unable to|failed to|was not able to|"
    r"were not able to)\s+(?P<verb>[a-z]+)\b(?P<rest>[^,;.]{0,60})",
    re.I,
)
_CONSEQUENCE = re.compile(r"^(?:so|thus|therefore|hence|which|leaving)\b", re.I)
_OUR = re.compile(r"^(?:our|their)\s+", re.I)


def _unable(part: str) -> str:
    m = _UNABLE.search(part)
    if m is None:
        return ""
    np, verb, rest = m.group("np"), m.group("verb").lower(), _THING_END.sub("", m.group("rest")).rstrip()
    if verb not in IMPERATIVE_VERBS or verb in _DIRECTIONS or _SPEAKER_PRONOUN.match(np) or _PEOPLE.match(_OUR.sub("", np)):
        return ""  # "we could not reach them", "the on-call engineer could not log in": people, not a system
    if not rest or _ENDS_ON_PRONOUN.search(rest) or _TOLD.search(rest):
        return ""  # "the check did not catch it": what, this sentence does not say
    return f"Make {lowered(_OUR.sub('the ', np))} {verb}{rest}"


def remedy(description: str) -> str:
    """The safeguard a factor names as missing, the step it names as undone or the job a system it names did not do,
    as a verb-first action; "" when it names none."""
    for part in split_sentences(description) or [description]:
        m = _NO.search(part)
        if m is None:
            if undone := _undone(part) or _unwatched(part) or _unable(part):
                return undone
            continue
        if _CONSEQUENCE.match(m.group("subj") or ""):
            continue  # "..., so the endpoint had no members": an effect of the failure, not a missing safeguard
        thing = _EXIST.sub("", m.group("thing").strip())  # "no alert rules exist for disk usage"
        thing = _THING_END.sub("", thing).strip(" -")
        words = thing.split()
        if not 1 <= len(words) <= 10 or _ENDS_ON_PRONOUN.search(thing) or _TOLD.search(thing) or _CLAUSE_VERB.search(thing):
            continue  # "no alert fired for any of this": no names the subject of a clause, not a missing thing
        told = _TOLD_OF.match(part)  # "the content went to the whole fleet, there was no canary to stop it early"
        if told and re.search(r"\bit\b", thing):
            thing = re.sub(r"\bit\b", told.group("np").lower(), thing, count=1)
        subj = (m.group("subj") or "").strip()
        who = _WHO.search(part[: m.start("thing")]) if subj.lower() == "who" else None
        if who:  # "the page went to the backup (the on-call engineer), who had no access": that person had none
            return f"Give {who.group('np')} {thing}"
        words = subj.split()
        if words and words[-1].lower() in ("but", "and", "yet", "so"):  # "customers could pin versions but had no
            subj = part.split()[0]  # control ...": the sentence's subject had none
        if subj and _PEOPLE.match(subj):
            return f"Give {subj[0].lower()}{subj[1:]} {thing}"
        text = _with_article(thing)
        if subj and not _SPEAKER_PRONOUN.match(subj) and not _PREP.search(f" {thing} "):
            text += f" to {subj[0].lower()}{subj[1:]}"
        return f"Add {text}"
    return ""


_HANGING = re.compile(r"(?:\b(?:because|so|and|but|or|since|as|while|when|that)|\.\.\.|…)\W*$", re.I)
"""A sentence that breaks off before its point ("We got zero alerts because...")."""


def _gist(description: str, limit: int = 16) -> str:
    """The factor's first sentence, cut at a clause boundary when it is long (never mid-phrase at a word count)."""
    sentences = [x.strip() for x in split_sentences(description) if x.strip()] or [description]
    # a sentence left hanging ("We got zero alerts because...") says nothing alone: the one that finishes it does
    first = next((x for x in sentences if not _HANGING.search(x)), sentences[0]).rstrip(".")
    words = first.split()
    if len(words) <= limit:
        return first
    clause = re.split(r"[;,:]\s+|\s+(?:so|because|which|and then|but|while)\s+", first, maxsplit=1)[0].split()
    return " ".join(clause if 3 <= len(clause) <= limit else words[:limit])


_DIRECTION_HEAD = re.compile(rf"^(?:{'|'.join(_DIRECTIONS)}|make sure|ensure|look into|investigate)\b", re.I)


def _more_specific(title: str, remedies: list[tuple[dict[str, Any], str]]) -> tuple[dict[str, Any], str] | None:
    """For a follow-up worded as a direction ("Improve monitoring of the root zone pipeline"), the factor whose
    missing safeguard is the same kind of action on the same thing ("Add an alert on the age of the root zone
    copy"), with that safeguard; None when the title names an action already or no factor matches it."""
    if not _DIRECTION_HEAD.match(title) or any(c.isdigit() for c in title):
        return None
    kind, words = _kind(title), _stems(re.sub(r"^\S+\s+(?:sure\s+|into\s+)?", "", title))
    # the same kind of action, or one on everything the direction names ("improve the failover automation": the
    # automatic failover that did not detect the failure, though detecting is another kind than failing over)
    best = max(
        ((len(words & _stems(r)), f, r) for f, r in remedies if _kind(r) == kind or words <= _stems(r)),
        key=lambda t: t[0],
        default=None,
    )
    return (best[1], best[2]) if best is not None and best[0] >= 2 else None


_ADDED_HEAD = re.compile(r"^(?P<verb>Add|Change|Require)\s+(?P<head>[A-Z][a-z]+)(?P<rest>(?:[\s/-].*)?)$")


def _caser(a: Analysis) -> Callable[[str], str]:
    """A title whose phrase after "Add" kept its list item's capital ("Add One node autoscaling group per AZ") with
    that word lower-cased when the written materials (not chat) have it in lower case and never capitalise it inside
    a sentence (so "Add Prometheus exporter ...", "Change Kafka so ..." keep their names)."""
    lower: set[str] = set()
    named: set[str] = set()
    for item in a.items:
        for w in re.findall(r"(?<=[a-z0-9,;:)]\s)[A-Z][a-z]+|\b[a-z]+\b", item.text):
            if w[0].isupper():
                named.add(w)
            elif item.source != "chat":  # chat is typed in lower case, names included ("bedrock upgrade")
                lower.add(w)

    def cased(title: str) -> str:
        m = _ADDED_HEAD.match(title)
        if m is None or m.group("head") in named or m.group("head").lower() not in lower:
            return title
        return f"{m.group('verb')} {m.group('head').lower()}{m.group('rest')}"

    return cased


def draft_actions(a: Analysis, root_cause: dict[str, Any]) -> dict[str, Any]:
    """An ActionsSection as a dict, linked to `root_cause`'s contributing factors."""
    factors = [f for f in root_cause.get("contributing_factors", []) if isinstance(f, dict) and f.get("id")]
    titles = {str(f["id"]): str(f.get("title", "")) for f in factors}
    owner = owner_for(a)
    cased = _caser(a)
    items: list[dict[str, Any]] = []
    remedies = [(f, r) for f in factors if (r := remedy(str(f.get("description") or "")))]
    for p in proposals(a):
        specific = _more_specific(p.title, remedies)
        if specific is not None:  # the materials say elsewhere what this direction comes down to: that is the item
            p = Proposal(item=p.item, title=specific[1], priority=p.priority)
        kind = _kind(p.title)
        text = f"{p.title} {p.item.body}"
        horizon = "immediate" if _IMMEDIATE.search(text) or p.priority in ("P0", "P1") else (
            "long_term" if _LONG.search(p.title) else "short_term"
        )
        priority = p.priority or {"immediate": "P1", "short_term": "P2", "long_term": "P3"}[horizon]
        due = _DATE.search(p.item.body)
        links = [str(specific[0]["id"])] if specific is not None else _link(p.title, factors)
        impact = _IMPACT[kind] + (f" (addresses: {titles[links[0]]})." if links and _plain(titles[links[0]]) else ".")
        items.append({
            "title": cased(p.title),
            "owner": owner,
            "due": due.group(1) if due else None,
            "priority": priority,
            "horizon": horizon,
            "kind": kind,
            "impact": impact,
            "factor_ids": links,
            "evidence": [p.item.id],
        })
    covered = {fid for it in items for fid in it["factor_ids"]}
    for f in factors:  # a factor no follow-up addresses that names a missing safeguard: adding it is the action
        fid, title = str(f["id"]), remedy(str(f.get("description") or ""))
        if not title or len(items) >= MAX_ITEMS or any(_same_thing(title, it["title"]) for it in items):
            continue  # a follow-up already asks for it (links are only the closest factor, so check the words)
        covered.add(fid)
        kind = _kind(title)
        items.append({
            "title": title,
            "owner": owner,
            "due": None,
            "priority": "P2",
            "horizon": "short_term",
            "kind": kind,
            "impact": _IMPACT[kind] + (f" (addresses: {titles[fid]})." if _plain(titles[fid]) else "."),
            "factor_ids": [fid],
            "evidence": [e for e in f.get("evidence", []) if isinstance(e, str)][:3],
        })
    # below MIN_ITEMS, factors no item addresses yet get one (the first factors may be addressed already)
    open_ = [f for f in factors if str(f["id"]) not in covered and category(str(f.get("description") or ""))]
    wanted = open_[: max(0, MIN_ITEMS - len(items))]
    if not any(it["kind"] == "prevent" for it in items):
        # a post-mortem keeps the failure from happening again: when no follow-up does, the clearest factor gets one
        clear = [f for f in factors if category(str(f.get("description") or ""))]
        clear.sort(key=lambda f: str(f["id"]) in covered)  # a factor no item addresses yet first
        prevent_for = clear[:1]
    else:
        prevent_for = []
    for f in wanted + [f for f in prevent_for if f not in wanted]:
        fid = str(f["id"])
        if fid in covered and f not in prevent_for:
            continue
        description = str(f.get("description") or "")
        if category(description) is None:
            continue
        covered.add(fid)
        what = _gist(description)
        items.append({
            "title": f"Add a safeguard so this cannot recur: {what[0].lower()}{what[1:]}",
            "owner": owner,
            "due": None,
            "priority": "P2",
            "horizon": "short_term",
            "kind": "prevent",
            "impact": _IMPACT["prevent"] + (f" (addresses: {titles[fid]})." if _plain(titles[fid]) else "."),
            "factor_ids": [fid],
            "evidence": [e for e in f.get("evidence", []) if isinstance(e, str)][:3],
        })
    prevention: dict[str, list[dict[str, Any]]] = {"technical": [], "process": [], "monitoring": []}
    for it in items:
        if it["kind"] in ("investigate", "repair"):
            continue  # prevention is what keeps it from happening again, not follow-up work on this one
        bucket = "monitoring" if it["kind"] == "detect" else ("process" if _PROCESS.search(it["title"]) else "technical")
        prevention[bucket].append({"text": it["title"] + ".", "evidence": it["evidence"]})
    return {"action_items": items, "prevention": prevention}
