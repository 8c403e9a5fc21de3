"""Root cause, trigger and contributing factors from the causal statements in the evidence.

Candidates are statements with causal wording ("because", "caused by", "root cause", "due to",
"turned out", "without", "no canary", "depends on"...) or that sit under a notes heading about
causes ("What made it worse", "Observations", "Why"). Hypotheses and dead ends ("could this be",
"not related", "coincidence") score low. The best statement is the primary root cause; the next
distinct ones are contributing factors, each titled by the mechanism it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rapidfuzz import fuzz, utils

from pmstudio.lints.quantities import find_times
from pmstudio.offline.analysis import Analysis
from pmstudio.offline.classify import (
    ARROW_CHAIN,
    CAUSAL,
    CLOCKED_WORDS,
    FAIL_STRONG,
    FOLLOWUP,
    FOUND_IT,
    GATED,
    HYPOTHESIS,
    ISSUE_IS,
    LATE_CHANGE,
    MIT_ACTION,
    MIT_DONE,
    NOT_CHANGE,
    PAGED,
    QUOTED,
    RESOLVED,
    ROUTE_ANNOUNCEMENT,
    STATED_MECHANISM,
    TRIGGER_CONDITION,
    UNDER_WAY,
    UNPAGED,
    USERS_REPORT,
)
from pmstudio.offline.items import ADVICE_LABEL, CAUSE_LABEL, MITIGATION_LABEL, WENT_POORLY, Item
from pmstudio.offline.phrasing import (
    capitalise_sentences,
    has_verb,
    is_blameful,
    past_tense,
    sentence,
    shorten,
    split_sentences,
    upper_first,
)
from pmstudio.offline.phrasing import reworded as _reworded
from pmstudio.offline.tone import ME_TOO, OPEN_QUESTION, YES_WORDS
from pmstudio.parsers.common import STATUS_LABEL
from pmstudio.parsers.text import LIST_MARK
from pmstudio.schema import NOT_STATED

MAX_FACTORS = 5
MIN_FACTORS = 2
DUPLICATE = 72.0

_HEDGED_CAUSE = r"(?:likely|probable|probably the|suspected|most likely) (?:culprit|cause|root cause)"
"""A cause the responders (or a vendor who reproduced the failure) name as the likely one ("mongodb folks reproduced
it. likely culprit: that undocumented knob ..."): the best cause the materials give, told as a hypothesis."""
_HEDGED = re.compile(rf"\b{_HEDGED_CAUSE}\b", re.I)
_ROOT = re.compile(
    rf"\b(?:root cause|because|caused by|due to|the reason|turn(?:s|ed) out|the bug|bug:|{ISSUE_IS}|"
    rf"so after|which meant|points? (?:at|to) the wrong|it IS the|found it|the culprit|{_HEDGED_CAUSE})\b",
    re.I,
)
_MECHANISM = re.compile(
    r"\b(?:query|index|config\w*|limit|memory|leak\w*|certificate|cert|dependenc\w*|depends|validator|template|"
    r"cache\w*|dns|nameservers?|token|permission\w*|file|rollout|canary|test\w*|monitor\w*|alert\w*|uptime|"
    r"schema|database|replica\w*|backup|script|pipeline|deploy\w*|tooling|exception|heap|disk|quota|timeout|"
    r"retr(?:y|ies)|load|traffic|prefix|path|separator|gitignore|pre-commit|registry|image|vault)\b",
    re.I,
)
_DEAD_END = re.compile(
    r"\b(?:doesn['’]t fit|not related|coincidence|noise|red herring|not a real|isn['’]t it|was clean|"
    r"did(?:n['’]t| not) help|no improvement|made no difference|(?:phase|research|step|investigation) (?:is )?"
    r"(?:done|complete|completed|finished|over))\b",
    re.I,
)
_TRAILING = {
    "the", "a", "an", "of", "to", "for", "and", "or", "in", "on", "by", "with", "at", "as", "is", "was", "were",
    "from", "that", "this", "into", "their", "its", "it", "be", "are", "has", "had", "but", "so", "not",
    "could", "can", "cannot", "would", "should", "will", "did", "does", "do", "may", "might", "must",
}  # fmt: skip
_EXPLICIT_ROOT = re.compile(r"\b(?:root cause|the cause (?:is|was)|caused by)\b", re.I)
_IMPACT_ONLY = re.compile(r"\b(?:not affected|were affected|unaffected|users? affected)\b", re.I)
_SPLIT = re.compile(r"[,;:.]\s+|\s+(?:so|because|which|and then|but)\s+")

_DETECTION_GAP = "Gap in monitoring and detection"
_COMM_GAP = re.compile(
    r"\b(said nothing|(?:no|never|not|nothing) (?:\w+ )?(?:communicat\w*|updates?|posted|told|informed|notified)|"
    r"communicat\w*)\b",
    re.I,
)
"""Users left uninformed ("we said nothing to users", "never posted an update"): a gap in the response."""
_CATEGORIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Data integrity",
        re.compile(
            r"\b(corrupt\w*|index(?! (?:push|commit|update)\w*)|replica\w*|"
            r"(?<!as the )(?<!as a )backups?(?!\s+(?:contact|on-?call|person|engineer|responder|rota)\b)(?!\s*\())\b",  # not a person on call
            re.I,
        ),
    ),
    (
        "Rollout without a safety net",
        re.compile(
            r"\b(canary|stagger\w*|whole fleet|at once|gradual|rollout|propagat\w*|auto-block)\b", re.I
        ),
    ),
    (
        # data nobody removes fills a disk: "never cleaned up", "purge code ... never configured for this one"
        "Missing cleanup",
        re.compile(r"\b(never (?:cleaned|purged|deleted|rotated|pruned)|purge (?:code|job|script)|clean-?up (?:job|code|script))\b", re.I),
    ),
    # a "staging folder/area/bucket" is a place files wait in, not a pre-production environment
    (
        "Gap in pre-production testing",
        re.compile(r"\b(test\w*|staging(?!\s+(?:folder|dir\w*|area|bucket|table|path|files?)\b)|smoke|load test\w*|stress)\b", re.I),
    ),
    (
        _DETECTION_GAP,
        re.compile(
            r"\b(monitor\w*|alert\w*|uptime|(?:metrics?|grafana|monitoring|ops|health|datadog|kibana) dashboards?|"
            r"dashboards? (?:showed|did not|didn['’]t|never|stayed green)|observab\w*|watch\w*|tracker|doomsday|discovers?)\b",
            re.I,
        ),
    ),
    ("Hidden dependency", re.compile(r"\b(depends? on|dependenc\w*|circular)\b", re.I)),
    (
        "Unvalidated input or assumption",
        re.compile(r"\b(validat\w*|assum\w*|user input|filter\w*|without checking)\b", re.I),
    ),
    (
        "Credential handling",
        re.compile(r"\b(token|secret|credential|password|(?:1password|password|shared|secrets?) vaults?|pat)\b", re.I),
    ),
    ("Access and permissions", re.compile(r"\b(owner|permission\w*|access|admin|break-glass)\b", re.I)),
    ("Documentation gap", re.compile(r"\b(docs?|documentation|runbook)\b", re.I)),
    # a heap or an OOM killer is memory running out, not data going bad
    ("Resource limit", re.compile(r"\b(memory|heap|oom(?:[- ]?kill\w*)?|limit|capacity|exceeds?|resources?|quota|disk)\b", re.I)),
    ("Gap in communication with users", _COMM_GAP),
    ("Third-party dependency", re.compile(r"\b(provider|vendor|upstream|third[- ]party|external)\b", re.I)),
    ("Limited forensic data", re.compile(r"\b(retention|history|days of|no record)\b", re.I)),
    (
        "Review and process gap",
        re.compile(r"\b(review\w*|approv\w*|manual\w*|process|checklist|rules?)\b", re.I),
    ),
)


@dataclass
class Statement:
    item: Item
    text: str
    score: float


_FOUND_CULPRIT = re.compile(
    r"\bfound (?:a|an|the) [\w\s()/-]{1,60}? (?:preventing|causing|blocking|breaking|that (?:caused|prevented|broke|blocked))\b",
    re.I,
)
"""A mechanism found ("CenturyLink found a flowspec announcement preventing BGP from establishing"): the cause."""
_SHALLOW = re.compile(
    r"\b(?:caused by|due to|because of) (?:an?|the) (?:[\w-]+ )?(?:outage|issue|problem|incident|disruption|failure)s? "
    r"(?:at|with|in|on|of|affecting)\b",
    re.I,
)
"""A cause that names only a failure somewhere ("connectivity problems caused by an outage at an upstream carrier", "due
to an issue with our provider"): where it broke, not how."""


def _score(a: Analysis, item: Item, text: str) -> float:
    sig = a.sig(item)
    causal: float = min(len(CAUSAL.findall(text)), 3)
    if STATED_MECHANISM.search(text):
        causal += 0.5 if causal else 1.0  # a mechanism stated as a fact is a causal word (half of one beside others)
    score = 2.0 * causal + 2.0 * bool(_PROLONGED.search(text))
    bare = _FOUND.sub(" ", text)  # "moving to root cause: flame graphs" names no cause
    labelled = _root_labelled(item) and not _EXPLICIT_ROOT.search(bare)
    if _ROOT.search(bare) or labelled:
        score += 3.0
    elif FOUND_IT.search(item.body):
        score += 5.0  # "Found it. <the cause>": the finding, told without its exclamation

    if _EXPLICIT_ROOT.search(bare) or labelled:
        score += 4.0  # (a "Root cause:" label is stripped from the text)
    if item.heading_tag == "cause" or CAUSE_LABEL.match(item.body):
        score += 3.0
    elif item.heading_tag == "facts":
        score += 1.5
    if item.source == "notes":
        score += 1.0
    score += min(0.5 * len(_MECHANISM.findall(text)), 2.0)
    if _IMPACT_ONLY.search(text):
        score -= 2.0
    if _FOUND_CULPRIT.search(text):
        score += 3.0  # "found a flowspec announcement preventing BGP from establishing": the mechanism, found
    if _SHALLOW.search(text):
        score -= 4.0  # "caused by an outage at an upstream carrier": where, not what; a mechanism found later wins
    if (sig.symptom_report or sig.phase == "detection" or sig.mit_done or sig.resolved) and not (
        _PROLONGED.search(text) or STATED_MECHANISM.search(text) or _CHAIN.search(text)
    ):
        score -= 3.0  # ("nobody noticed" is no detection; "pg_amcheck can't see this corruption" names a gap)
    words = len(text.split())
    if words < 6:
        score -= 2.0
    if words > 60:
        score -= 1.0
    if sig.comm and item.source not in ("status", "ticket") and not (_ROOT.search(text) or _DEPENDED.search(text) or _GATED.search(text)):
        score -= 3.0  # (a status page that sits behind the failed sign-in is a latent dependency, not a post)
    return score


def _in_cause(item: Item) -> bool:
    """A line that sits where causes are written: under a cause or facts heading, under "What went wrong", or
    labelled as the cause."""
    return (
        item.heading_tag in ("cause", "facts")
        or bool(CAUSE_LABEL.match(item.body))
        or (item.heading_tag == "lessons" and bool(WENT_POORLY.search(item.heading)))
    )


def causal_text(a: Analysis, item: Item) -> str:
    """The item's sentences that state a cause: no follow-ups, hypotheses or mitigation reports."""
    keep = causal_parts(a, item)
    return sentence(shorten(" ".join(keep), 320)) if keep else ""


PARAGRAPH = 2
PARAGRAPH_WORDS = 16
"""A written account (notes, a ticket, a status post) of at least PARAGRAPH_WORDS words with PARAGRAPH causal
sentences in one line is a paragraph: each cause in it is a statement of its own (a status post-mortem often tells
trigger, root cause and latent conditions in one update)."""
_STATEMENT_WORDS = 6


def _went_poorly(item: Item) -> bool:
    """A line labelled as what went wrong ("Went badly: no metrics in the run-up; alerting ... missing"): the label is
    out of its body (items.LESSONS_LABEL) and is its heading."""
    return item.heading_tag is None and bool(item.heading) and bool(WENT_POORLY.search(item.heading))


def _paragraph_statements(a: Analysis, item: Item, parts: list[str]) -> list[str]:
    """The statements of one paragraph: each sentence that states a cause opens one, the sentences after it that
    only elaborate go with it (and those before the first cause go with the first)."""
    groups: list[list[str]] = []
    lead: list[str] = []
    listed = _went_poorly(item)  # "Went wrong: a; b; c": each part is a point of its own
    for part in parts:
        if (listed or _causal(part) or _ROOT.search(part)) and (len(part.split()) >= _STATEMENT_WORDS or not groups):
            groups.append([*lead, part])
            lead = []
        elif groups:
            groups[-1].append(part)
        else:
            lead.append(part)
    return [sentence(shorten(" ".join(g), 320)) for g in groups]


def causal_parts(a: Analysis, item: Item) -> list[str]:
    """The sentences of `causal_text`, in order ([] when the item states no cause)."""
    text = a.say(item, narrative=True)
    if not text:
        return []
    in_cause = _in_cause(item)
    text = CAUSE_LABEL.sub("", _STATUS_LEAD.sub("", _LIST_MARK.sub("", text)))
    keep = []
    labelled = bool(CAUSE_LABEL.match(item.body)) or _root_labelled(item)
    causal = in_cause or labelled
    parts = split_sentences(text)
    # "Preliminary incident report posted. Preliminary root cause: two chiller failures ...": the cause is what the
    # label heads, not the sentences before it
    first_label = _label_after_preamble(parts)
    if first_label is not None:
        parts = [_ROOT_LABEL.sub("", parts[first_label]).strip(), *parts[first_label + 1 :]]
        labelled = causal = True
    for part in parts:
        part = _INTERJECTION.sub("", part)
        if _PLAN.match(part) or _CHOICES.search(part) or _ORDER.match(part) or _PENDING.search(part):
            continue  # "Root cause is X. Plan: restore Y": the plan after the cause is what to do, not why (so are
            # options weighed, an order given, a fix still being prepared)
        if _REVIEW_TALK.match(part) or _PROGRESS.match(part) or _NOT_KNOWN_YET.search(part) or _PLEA.search(part) or (
            (_HARMLESS.search(part) or _ANSWER.match(part)) and not _ROOT.search(part)
        ):
            continue  # talk about the review, the search for the cause, or what was not harmed: no cause
        if RESOLVED.search(part) and not (_causal(part) or _ROOT.search(part)):
            continue  # "Closing the incident": the end of it, not why it happened
        if _REPAIRED.search(part) and not _ROOT.search(part):
            continue  # "missing orders recreated", "a release with the fix": the repair, not the cause
        speculated = (HYPOTHESIS.search(part) or _SPECULATION.search(part)) and not _HEDGED.search(part)
        if FOLLOWUP.search(part) or (speculated and not in_cause) or _DEAD_END.search(part) or _FOUND.search(part):
            continue
        if MIT_ACTION.search(part) and MIT_DONE.search(part) and not (
            labelled or CAUSAL.search(part) or STATED_MECHANISM.search(part)
        ):
            continue  # ("drills removed two sites, never the whole facility" states a gap, not a fix; so does a line
            # labelled as the cause: "root cause: the cleanup removed a retained key")
        if UNDER_WAY.match(part) and (_NOW.search(part) or (MIT_ACTION.search(part) and len(part.split()) <= 6)) and not _causal(part):
            continue  # an action under way ("halting the automation now", "reverting") is no cause
        if UNDER_WAY.match(part) and not (has_verb(part) or _causal(part) or _ROOT.search(part)):
            continue  # a responder's activity told without a verb that states anything ("working out the order by
            # hand", "suspending migrations and shutting some nodes down")
        if _REMEDY_LEAD.match(part) and not (_ROOT.search(part) or _PROLONGED.search(part) or _WORSE.search(part)):
            continue  # a fix told as an act ("Raising the boot server's worker limit to 64") is no cause
        if _HIT_COUNT.match(part):
            continue  # how much was hit is the impact
        if (_SYMPTOM.search(part) or _SCOPE.match(part)) and not (
            _ROOT.search(part) or STATED_MECHANISM.search(part) or _MECHANISM.search(part)
        ):
            continue  # what users saw ("User impact from 11:47", "API was down too") is the impact, not a cause
        if _AFFECTED.search(part) and not _ROOT.search(part):
            continue  # who saw what ("customers may have seen errors in apps that depend on Azure AD") is the impact
        causal = causal or _causal(QUOTED.sub(" ", part)) or bool(_HEDGED.search(part))  # (an error message quoted is what was seen, not why)
        if _EXCLAIM.match(part) or _SPAN_LEAD.match(part) or _reaction(part):
            continue  # "Found it.", "About 25 minutes to fix", "That was not supposed to happen": no mechanism
        part = _unblamed(part)  # a clause that blames once told ("and I don't know X" -> "and they did not know X")
        if part:
            keep.append(part)
    if not keep or not causal:
        return []
    return keep


_SYMPTOM = re.compile(
    r"\b(?:(?:user|customer|end-user|client)[- ]facing|(?:user|customer|end-user) impact|impact (?:from|began|started|"
    r"window|lasted)|(?:report(?:s|ed|ing)?|see(?:s|ing)?|saw) (?:\w+ )?impact|packet loss|error rates?|(?:errors?|5xx|latency|timeouts?) (?:climb\w*|spik\w*|rose|rising|up)|"
    r"(?:was|were|is|are|went) (?:\w+ )?(?:down|unavailable|unreachable|degraded)(?: too| as well)?|unavailable|unreachable)\b",
    re.I,
)
"""A sentence that tells what users saw (impact from a time, packet loss, error rates, a service down)."""
_AFFECTED = re.compile(
    r"\b(?:customers?|users?|clients?|subscribers?|tenants?|people)\b (?:[\w-]+ ){0,3}?(?:may|might|would|could)? ?"
    r"(?:have )?(?:seen|saw|see|experienced|experience|encountered|encounter|received|hit|were unable|was unable|"
    r"could not|couldn['’]t|cannot|can['’]?t|lost access|had (?:errors|issues|trouble|problems|failures))\b",
    re.I,
)
"""A sentence that tells who was hit and what they saw ("customers may have seen errors performing sign-ins for apps
that depend on Azure AD"): the impact's scope, even when a clause in it names a dependency."""
_IMPACT_LABEL = re.compile(
    r"^\W*(?:(?:user|customer|business|external) )?(?:impact|scope|results?|effects?|symptoms?|consequences?|damage)\s*[:=-]\s|"
    r"^\W*per (?:product|service|region|customer|team)\s*:",
    re.I,
)
"""A line labelled as the impact ("Impact: ten minutes in which tasks did not load", "Per product: KV failed; …",
"Result: 500 errors on API requests, because ..."): what was hit, however it words it, and whatever "because" it
holds."""
_HIT_COUNT = re.compile(
    r"^\W*(?:~|about |around |roughly |nearly |almost |over |some )?\d[\d,.]*\s*(?:%|k|m)?\s+(?:[\w-]+\s+){0,3}?"
    r"(?:(?:were|was) )?(?:affected|impacted|hit)\b",
    re.I,
)
"""A count of what was hit ("~15,000 add-ons affected", "40% of tenants impacted"): the impact's size, not a cause."""
_REMEDY_LEAD = re.compile(
    r"^\W*(?:(?:we|they|a responder|the team)\s+(?:are\s+|were\s+)?)?(?:rais|increas|bump|doubl|add|lower|reduc|"
    r"upgrad|restart|reboot|scal|switch|mov|migrat|enabl|disabl|roll|revert|pin|set|apply|applied|deploy|"
    r"rais|extend|widen|shorten|patch|replac)(?:ing|ed|e|s)?\b(?=[^.]{0,80}\b(?:to|from|up|down|back|limit|"
    r"timeout|cap|size|pool|workers?|threads?|replicas?|nodes?|memory|version)\b)",
    re.I,
)
"""A sentence that opens with a remedy done or under way ("Raising the worker limit to 64", "bumped the pool size"):
the fix, not what broke."""
_WORSE = re.compile(r"\b(?:worse|worsen\w*|made|caused|led to|meant|did not help|didn['’]t help)\b", re.I)
_SCOPE = re.compile(r"^\W*(?:it|this|that)(?:['’]s| is| was) (?:all|every|only|just|both) ", re.I)
"""A sentence that tells how far the impact reached ("It's all 19 sites at once", "it was only EU customers")."""
_NOW = re.compile(r"\b(?:now|right away|in progress|as we speak)\b", re.I)
_STATUS_LEAD = re.compile(
    rf"^\W*{STATUS_LABEL}(?:(?:summary|preliminary|final)\s+)?(?:root cause analysis\s*:\s*)?",
    re.I,
)
"""The stage label of a status update ("Investigating - ", "Postmortem - Summary root cause analysis: ")."""
_INTERJECTION = re.compile(r"^\W*(?:hm+|oh|ugh|wow|huh|ok(?:ay)?|so|well|right|yeah|yep)\s*[,.!:]\s+", re.I)
"""A chat interjection opening a sentence ("Hm, ", "ok so")."""


def spoken_free(text: str) -> str:
    """A statement without what only speech carries: interjections, remarks on what was just said, exclamations
    (the whole text when nothing else is left)."""
    parts = [_INTERJECTION.sub("", p) for p in split_sentences(text)]
    kept = [p for p in parts if not (_EXCLAIM.match(p) or _reaction(p))]
    return sentence(" ".join(kept)) if kept else text


_ROOT_LABEL = re.compile(
    r"^\W*(?:[\w-]+\s*[-–—:]\s*)?(?:(?:summary|preliminary|initial|updated|final|probable|likely|underlying)\s+)?"
    r"(?:root cause(?:\s+(?:analysis|found|identified|confirmed))?|rca)\s*[:=]",
    re.I,
)
"""A line labelled as the root cause ("root cause: …", "Postmortem - Summary root cause analysis: …", "Initial root
cause analysis: …", "RCA: …")."""


def _root_labelled(item: Item) -> bool:
    """The line is labelled as the root cause, whether the label is still on its body or was read off into its
    heading tag (an untimed notes line "Root cause: ..." has its label taken off; a timed one keeps it)."""
    return (
        bool(_ROOT_LABEL.match(item.body))
        or (item.heading_tag == "cause" and bool(_ROOT_LABEL.match(item.text)))
        or _label_after_preamble(split_sentences(item.body)) is not None  # "Report posted. Root cause: ..."
    )


_CAUSE_WORD = re.compile(r"\bcaus", re.I)


def _label_after_preamble(parts: list[str]) -> int | None:
    """The index of the sentence labelled as the root cause after sentences that state no cause ("Preliminary
    incident report posted. Preliminary root cause: two chiller failures ..." -> 1); None when the first sentence is
    labelled, none is, or one before it tells a cause of its own ("Direct cause = expired certs; root cause = ...")."""
    for i, part in enumerate(parts):
        if _ROOT_LABEL.match(part):
            return i or None
        if CAUSE_LABEL.match(part) or _ROOT.search(part) or _causal(part) or _CAUSE_WORD.search(part):
            return None
    return None


_CLAUSE_SEP = re.compile(r"(,?\s+(?:and|but)\s+|,\s+)")


def _unblamed(part: str) -> str:
    """`part` without the clauses that blame someone once told in the past ("" when every clause does)."""
    if not is_blameful(past_tense(part)):
        return part
    pieces = _CLAUSE_SEP.split(part)
    kept: list[str] = []
    for i in range(0, len(pieces), 2):
        clause = pieces[i]
        if clause.strip() and not is_blameful(past_tense(clause)):
            kept += [pieces[i - 1], clause] if kept and i else [clause]
    return "".join(kept).strip(" ,")


_EXCLAIM = re.compile(
    r"^\W*(?:found it|got it|there it is|bingo|aha|nice|ok(?:ay)?|yes|yep|right|oh|hm+|wow|ugh|damn|of course|"
    r"this one|that one|that['’]s it|this is it)\W*$",
    re.I,
)
"""A sentence that is only an exclamation ("Found it.")."""
_SPAN_LEAD = re.compile(
    r"^\W*(?:(?:total|downtime|outage|sum|in total)\s*[:=]\s*)?(?:(?:about|around|roughly|approximately|nearly|almost|"
    r"over|under|just|~)\s*)?\d+(?:\.\d+)?\s*(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|days?|weeks?)\b",
    re.I,
)
"""A sentence that opens with a span of time tells how long ("About 25 minutes to fix", a tally's "Total: 38 hours, all
due to external factors"), not why."""
_REACTION_LEAD = re.compile(r"^\W*(?:that|this)(?: (?:part|one|bit))?(?:['’]s| is| was)\b", re.I)
_REACTION_WORDS = 9


def _reaction(part: str) -> bool:
    """A short remark about what was just said ("That was not supposed to happen", "That was us, not them"): its
    subject is a bare pronoun and it names no mechanism."""
    return bool(_REACTION_LEAD.match(part)) and len(part.split()) <= _REACTION_WORDS and not _MECHANISM.search(part)


_FOUND = re.compile(
    r"\broot cause (?:was |is |has been )?(?:found|identified|confirmed|analysis)\b(?!\s*:)|"
    r"\b(?:verify|find|finding|confirm|look(?:ing)? for|hunt(?:ing)? for|(?:moving|move|moved|on|turning|turn|turned|"
    r"shifting|shift|shifted)(?: \w+){0,3} to|(?:stay\w*|wait\w*|stick\w*)(?: \w+){0,3} for) (?:the )?root cause\b",
    re.I,
)
"""A mention of the root cause being looked for or found, with no cause after it."""
_PROLONGED = re.compile(
    r"\b(?:(?:more|worse|longer|slower) than (?:expected|planned|estimated|the \w+)|surprise|not supposed to|"
    r"damaged by|slow to recover|(?:down|on) the wrong (?:path|track|trail)|threw us off|misled|"
    r"confus\w* (?:the|our) (?:diagnosis|investigation)|(?:rising|rose|failing|failed|broke|down|climbing) again|"
    r"(?<!\bup )(?<!\bback )(?<!\bworking )(?<!\bfine )(?<!\bhealthy )(?<!\bnormal )again after|"
    r"(?:nobody|no one|no-one) (?:noticed|was watching|watched|saw)|went unnoticed|unnoticed|"
    r"(?:hard|difficult|slow|tricky) to (?:see|spot|detect|notice|find|diagnose|debug|pin down|track down)|"
    r"(?:made|making|makes|make) (?:it|things|this|that|them|the \w+) worse|worsen\w*|exacerbat\w*|"
    r"(?:takes|took|take|taking) (?:\w+ ){0,2}(?:hours|days|a long time|(?:most|all|much) of (?:a|the) (?:day|night|week))|too optimistic|underestimat\w*|"
    r"(?:repair|recovery|restore|rebuild|catch-up|failback|resync\w*)s? (?:is|was|were|are) (?:\w+ )?slow)\b",
    re.I,
)
"""What made an incident worse or longer ("errors than expected with multi-AZ", "temperatures rising again",
"nobody noticed a red build for days")."""
_TELLING = re.compile(
    rf"\b(?:blog ?post|status ?page|health dashboard|{ROUTE_ANNOUNCEMENT}|tweet|press release|customer (?:notice|email))\b",
    re.I,
)
"""Telling users about the incident: a snag there is part of the response, not what broke."""
_DEPENDED = re.compile(r"\b(?:depend(?:s|ed|ent)? on|reli(?:es|ed) on|rel(?:y|ying) on)\b", re.I)
"""A tool for telling users that depended on what failed ("the status page tool depended on Cognito") is a latent
dependency, not only a late post."""
_GATED = re.compile(GATED, re.I)
_SILENCE = re.compile(r"\b(?:no|nothing|never|not)\b", re.I)
_PLAN = re.compile(
    r"^\W*(?:next(?: up| steps?)?|todo|to do|plans?|later|tomorrow|theory|hypothesis|guess|idea|follow[- ]?ups?|"
    r"action items?|options?|alternatives?|choices?)\s*:",
    re.I,
)
"""A line that opens with a plan ("Next: figure out which certs …", "Follow-ups: alarms on …", "Options: (1) …") or a
guess ("Theory: reconnect storm") tells what to do or try, not why it happened."""
_CHOICES = re.compile(
    r"\(1\)[^()]{1,200}\(2\)|"
    r"\bwould be (?:faster|quicker|better|safer|simpler|easier|cheaper) than\b",
    re.I,
)
"""Options weighed ("Options: (1) rate limit the customer, (2) move the traffic", "a full restart would be faster than
waiting"): what could be done, not why it happened."""
_ORDER = re.compile(
    r"^\W*(?:please\s+)?(?:freeze|turn (?:off|on)|stop|pause|halt|keep|hold|disable|enable|revert|roll back|restart|"
    r"shut (?:down|off))\s+(?:the|all|every|that|this|those|these|it|our|new)\b",
    re.I,
)
"""An order given in the moment ("Freeze the rollout now", "Keep the rate limit on while we watch"): what to do."""
_PENDING = re.compile(
    r"\b(?:(?:is|was|are|were) being (?:prepared|written|drafted|reviewed|tested|built)|"
    r"waiting (?:for|on) (?:a |an |the )?(?:second pair of eyes|review\w*|approv\w*|sign-?off))\b",
    re.I,
)
"""A fix still being made or waiting ("the revert was being prepared", "the rate limit waits for a second pair of eyes"):
the response under way, not a cause."""
_PLEA = re.compile(
    r"\b(?:(?:please|pls|plz) (?:help|advise)|(?:can|could) (?:someone|somebody|anyone|anybody) (?:help|look|explain|tell)|"
    r"(?:someone|somebody|anyone|anybody) who knows\b|does (?:anyone|anybody) know|help me\b)",
    re.I,
)
"""A call for help ("someone who knows systemd please help me raise the limit properly, the docs are confusing"): a
request, not why anything happened."""
_REVIEW_TALK = re.compile(
    r"^\W*(?:let['’]s\s+|we(?:['’]ll| will| can| should)\s+)?(?:keep|save|leave|park|hold)\s+(?:it|that|this|those)\s+"
    r"(?:to|for|until|till)\s+(?:the\s+)?(?:review|retro\w*|post-?mortem|write-?up|what happened|later)\b",
    re.I,
)
"""Talk about the review itself ("Let's keep it to what happened", "save that for the retro"): how to discuss the
incident, not what caused it."""
_PROGRESS = re.compile(
    r"^\W*(?:(?:we|they|the team|a responder)\s+)?(?:narrowed (?:it )?(?:down )?to|pivot(?:ing|ed) to|"
    r"(?:immediate|root|likely|probable) cause (?:was |is )?(?:found|identified|confirmed)|hours on the phone|"
    r"(?:still )?(?:chas(?:ed|ing)|hunting)\b|still (?:fighting|wrestling|battling)\b|(?:they|we) (?:first )?thought it was\b|for (?:a couple of|a few|several|two|three|\d+) hours (?:the team|we|they) "
    r"(?:chased|looked|dug|searched|hunted))",
    re.I,
)
"""A step of the search for the cause ("Narrowed to two candidates", "pivoting to the database internals", "for a couple
of hours the team chased the API errors"): progress of the investigation, not a cause."""
_NOT_KNOWN_YET = re.compile(r"\b(?:still|yet)\s+(?:do not|don['’]t|did not|didn['’]t)\s+know\b", re.I)
"""Where the search stood ("14 hours in and we still don't know the cause"): progress, not a cause."""
_SPECULATION = re.compile(
    r"\b(?:may|might|could|would) have (?!no\b|not\b|been (?:no|none)\b)[\w-]+|^\W*if (?:that|this|it)(?:['’]s| was| were| is) (?:real|true|"
    r"the case)\b|\b(?:would|could) (?:cascade|make (?:it|things|this) worse|be worse)\b",
    re.I,
)
"""What may have been or could happen ("their call may have made it worse", "if that was real you could loop it", "a
wide restart could cascade"): a guess at a cause, as HYPOTHESIS words are, not one found."""
_ANSWER = re.compile(rf"^\W*{YES_WORDS}\b(?:[\s,]+(?:ok(?:ay)?|sure|so))?[\s,]+", re.I)
"""A sentence that opens by answering someone ("yes same exception family", "yeah ok, their call ..."): a reply whose
subject is in the question, not a cause told (one that names it with "because" stays)."""
_REPAIRED = re.compile(
    r"\b(?:recreated|reconciled|backfilled|replayed|re-?imported|re-?sent|resent)\b|"
    r"\b(?:released|shipped|deployed|rolled out|published)\b[^.;]{0,60}\bwith the fix\b|"
    r"\btemporary (?:[\w-]+ ){0,2}(?:rules?|limits?|fix(?:es)?|workarounds?|blocks?|patch(?:es)?|measures?)\b",
    re.I,
)
"""A repair told as done ("missing events and orders recreated", "in-flight transactions reconciled", "66.0.4 released
with the fix", "temporary rate limit rule on the API"): what was done about it, not why it happened."""
_SOCIAL = re.compile(r"^\W*(?:sorry|apolog\w*|thanks|thank you|my bad|np|no worries)\b", re.I)


def _causal(text: str) -> bool:
    """Whether a text states a cause: causal wording, a mechanism stated as a plain fact, or what made it worse."""
    return bool(CAUSAL.search(text) or STATED_MECHANISM.search(text) or _PROLONGED.search(text) or _HEDGED.search(text))


def told(text: str, item: Item | None = None) -> str:
    """A cause told as a fact in the past, as the timeline and summary tell it ("It holds almost the entire disk"
    -> "It held …"); numbers and times stay as written, and a machine line (log, alert, page) is quoted as is."""
    text = _reworded(text)
    if item is not None and item.source in ("log", "alert", "pager"):
        return text
    return capitalise_sentences(past_tense(text))


_CUSTOMER_VOICE = re.compile(
    r"\b(?:customer|user|client|subscriber)s?(?:['’]s?)? (?:comment|reply|replied|report(?:ed|s)?|wrote|writes|feedback|"
    r"complaint|complained|message)\b",
    re.I,
)
"""A line in a ticket or status thread labelled as a customer's words ("Customer comment - Teams was down … because
it needs a login"): what they saw and how they explain it, not the responders' finding."""


_INVESTIGATING = re.compile(r"^\W*investigating\s*[-–—:]", re.I)
"""A status post under the state "Investigating": the cause is not known yet."""
_DENIED = re.compile(
    r"\b(?:didn['’]t|did not|doesn['’]t|does not)\s+(?:cause|write|introduce|trigger)\b|"
    r"\b(?:wasn['’]t|was not|isn['’]t|is not)\s+(?:the\s+)?(?:cause|culprit|trigger)\b",
    re.I,
)
"""A cause denied ("the upgrade didn't write the bug", "DNS was not the culprit"): what it was not."""


_CUSTOMERS_OWN = re.compile(r"(?:customer|user)s?[-_ ]?(?:e-?mails?|mails?|tickets?|repl(?:y|ies)|escalations?)", re.I)
"""A material of a customer's own words, by its name ("customer-email.txt", "user-ticket-48213.txt"): what they saw
and how they explain it, not the responders' finding."""
_PERSON_CAUSE = re.compile(r"\b(?:because of|due to|thanks to|caused by) (?-i:us|you|them|me)\b(?!['’-])", re.I)
"""A cause that is only a pronoun ("down because of us"): others telling whose outage hurt them, no mechanism."""


def _not_a_cause(a: Analysis, item: Item, body: str) -> bool:
    """An apology, a plan or guess, a report of a symptom, a customer's comment, or a symptom stated with no
    mechanism is no cause."""
    if (item.source == "chat" and _SOCIAL.search(item.body)) or _PLAN.match(item.body):
        return True
    if item.source in ("ticket", "status") and (_CUSTOMER_VOICE.search(item.body[:80]) or _CUSTOMERS_OWN.search(item.material)):
        return True
    if MITIGATION_LABEL.match(item.body) and not _ROOT.search(body):
        return True  # "Mitigation: traffic was shifted to the secondary component, which let ...": what was done
    if ADVICE_LABEL.match(item.body):
        return True
    if item.source == "status" and _INVESTIGATING.match(item.body) and not _ROOT.search(body):
        return True  # "Investigating - we are experiencing delays ...": what is seen while the cause is still sought
    if ME_TOO.match(item.body):
        return True  # "Same here, tables and queues too. our whole app is down because we only use https": a reply
        # telling the same symptom, and why the replier's own service went down with it
    if _IMPACT_LABEL.match(item.body) or _HIT_COUNT.match(item.body):
        return True  # (what was hit and how much, even under a "what broke" heading)
    if (m := USERS_REPORT.search(item.body)) is not None and len(item.body[: m.start()].split()) <= 2 and not _ROOT.search(body):
        return True  # "users in #ask saying their prod pods all got deleted": what users saw, not why
    if OPEN_QUESTION.match(item.body) or _DENIED.search(item.body):
        return True  # "why the second router died was still unknown", "the upgrade didn't write the bug"
    if _PERSON_CAUSE.search(body):
        return True  # "TfL says their bus arrival info is down because of us": whom it hit, no mechanism
    if item.heading_tag == "cause" or CAUSE_LABEL.match(item.body):
        return False
    sig = a.sig(item)
    if (
        item.source in ("ticket", "status")
        and (sig.failure or sig.symptom_report or sig.detect)
        and not (_ROOT.search(body) or STATED_MECHANISM.search(body))
    ):
        return True  # a report of what failed names a cause only with "because", "caused by" ... or a mechanism told
        # as a fact (a status post-mortem: "the maintenance automation had no check that kept it to one location")
    return sig.phase in ("impact_start", "detection") and not _causal(body)


def _told_moment(a: Analysis, item: Item, body: str) -> bool:
    """A dated moment of the story with no causal wording, even under a "what happened" heading: a page that went out
    ("01:53 the burn alert paged on-call") or a recovery ("03:15 migration out of the zone finished, error rate back
    to normal") tells how the incident went, not why."""
    if item.at is None or CAUSE_LABEL.match(item.body) or _causal(body):
        return False
    sig = a.sig(item)
    paged = bool(PAGED.search(body)) and not UNPAGED.search(body)
    recovered = sig.resolved or sig.recovery_weak or (sig.recovery_full and not sig.recovery_partial)
    return paged or recovered or sig.phase in ("resolution", "mitigation", None)


def candidates(a: Analysis) -> list[Statement]:
    """Causal statements, best first (ties by evidence order, so output is deterministic)."""
    out: list[Statement] = []
    for item in a.items:
        if (
            item.is_heading
            or item.is_title
            or item.is_meta
            or item.source in ("log", "alert")
            or item.heading_tag == "actions"
            or (item.heading_tag == "lessons" and not WENT_POORLY.search(item.heading))
        ):
            continue  # (under "What went wrong" a responder lists what made it happen or last: those stay)
        in_cause = _in_cause(item)
        body = _FOUND.sub(" ", item.body)  # "root cause was found the same day" tells when, not what
        if not (in_cause or _causal(body)) or _not_a_cause(a, item, body) or _told_moment(a, item, body):
            continue
        if item.heading_tag == "impact" and not _ROOT.search(body):
            continue  # under "Impact", "response times were elevated; some alerts did not evaluate" is what it hit
        parts = causal_parts(a, item)
        if not parts:
            continue
        listed = _went_poorly(item)
        causal_count = sum(1 for p in parts if listed or _causal(p) or _ROOT.search(p))
        paragraph = causal_count >= PARAGRAPH and sum(len(p.split()) for p in parts) >= PARAGRAPH_WORDS
        if item.source in ("notes", "ticket", "status") and paragraph:
            texts = _paragraph_statements(a, item, parts)
        else:
            texts = [sentence(shorten(" ".join(parts), 320))]
        for text in texts:
            score = _score(a, item, text)
            if score > 1.0:
                out.append(Statement(item=item, text=text, score=score))
    return sorted(out, key=lambda s: (-s.score, s.item.order))


def _response_snags(a: Analysis) -> list[Statement]:
    """Mitigation attempts that did not work, as statements (they lengthened the impact)."""
    out = []
    for item, sig in a.timed:
        if sig.mitigation and sig.mit_negative and not sig.hypothesis and item.source not in ("log", "alert"):
            text = a.statement(item)
            if text and len(text.split()) >= 5:
                out.append(Statement(item=item, text=text, score=0.0))
    return out


_GAP = re.compile(
    r"\b(?:not (?:built|designed|sized|documented|alerted|paged|tested|covered|staged|monitored)|no (?:staged|written|"
    r"automated)|undocumented|untested|unmonitored|stale|outdated|out of date|never)\b",
    re.I,
)


def _noted_gaps(a: Analysis) -> list[Statement]:
    """Untimed lines of responders' notes that name a gap in a mechanism, in evidence order (score 0)."""
    out = []
    for item in a.items:
        if item.source != "notes" or item.is_heading or item.is_title or item.is_meta or item.at is not None:
            continue
        if item.heading_tag in ("actions", "lessons", "timeline", "impact"):
            continue
        if not (_GAP.search(item.body) and _MECHANISM.search(item.body)) or HYPOTHESIS.search(item.body):
            continue
        text = a.statement(item)
        if text and len(text.split()) >= 5:
            out.append(Statement(item=item, text=text, score=0.0))
    return out


def _distinct(chosen: list[Statement], cand: Statement) -> bool:
    return all(
        fuzz.token_set_ratio(cand.text, s.text, processor=utils.default_process) < DUPLICATE for s in chosen
    )


_AUDIENCE = re.compile(
    r"\b(?:users?|customers?|clients?|the public|public(?:ly)?|community|everyone|anyone|status ?page|we said|"
    r"said nothing|told nobody|nothing (?:was )?posted|never posted)\b",
    re.I,
)
"""Who a communication gap left uninformed is users (or nobody named): a partner not notified is no user."""


def category(text: str) -> str | None:
    """The mechanism a statement names, read without what it says went well ("no data was lost or corrupted" is no
    data integrity problem, "alerting caught it right away" no gap in detection)."""
    text = _HARMLESS.sub(" ", text)
    for name, pattern in _CATEGORIES:
        if pattern.search(text) and (pattern is not _COMM_GAP or _AUDIENCE.search(text)):
            return name
    return None


_LIST_MARK = re.compile(rf"^\s*(?:#+|{LIST_MARK})\s+")
_PRONOUN_LEAD = re.compile(r"^(?:it|that|this|they|we|there)\b", re.I)


def short_title(text: str, words: int = 9) -> str:
    """The first clause that names something (not a list mark, not a pronoun-led fragment), at most `words` long."""
    clauses = [c for c in _SPLIT.split(_LIST_MARK.sub("", text.strip())) if c.strip()]
    if not clauses:
        return ""
    first = next(
        (c for c in clauses if len(c.split()) >= 3 and not (_PRONOUN_LEAD.match(c.strip()) and len(c.split()) <= 5)),
        clauses[0],
    )
    tokens = first.split()
    if len(tokens) > words:
        tokens = tokens[:words]
        while tokens and tokens[-1].lower() in _TRAILING:
            tokens.pop()
    title = " ".join(tokens).strip(" ,;:.-")
    return upper_first(title)


TRIGGER_WINDOW = timedelta(hours=6)
"""A change this long before the first symptom is the trigger when nothing changed closer to it."""
LATENT_WINDOW = timedelta(hours=48)
"""A change (scaling a cluster, enabling a feature) up to two days before the first symptom can be the trigger."""
CLOCKED_REACH = timedelta(hours=1)
"""How long before a first symptom that names a condition of the clock or the building (an expiry, a leap second, a
power cut, heat) a change may be and still be its trigger: such a condition comes due by itself, so a change hours
earlier (docs pushed at 18:40 before a certificate expired at 23:27) is no trigger of it."""
CLOCKED = re.compile(rf"\b(?:{CLOCKED_WORDS}|expir(?:y|ing)|leap (?:day|year)|lost power|cooling (?:failure|fault|loss))\b", re.I)
"""The conditions `CLOCKED_REACH` is about."""
CONDITION_BEFORE = timedelta(minutes=30)
"""How long before the first symptom a stated condition may be (a spam wave hours before is not what set it off)."""
CONDITION_AFTER = timedelta(hours=3)
"""How long after the first symptom a statement of the triggering condition may be written."""


_HARMLESS = re.compile(
    r"\b(?:still (?:clean|fine|good|healthy)|no impact|all good|looks (?:fine|good|clean)|clean again|ran clean|"
    r"no (?:[\w-]+ ){0,2}?(?:data )?(?:was |were )?(?:permanently )?(?:lost|loss|corrupt\w*)"
    r"(?: (?:or|and|nor) (?:lost|loss|corrupt\w*|damaged|deleted))?|nothing (?:was )?lost|"
    r"(?:(?:[\w-]+ ){0,2}(?:alert\w*|monitor\w*|probes?|checks?|canar(?:y|ies)) )?"
    r"(?:caught|flagged|detected|spotted) (?:it|this|the (?:[\w-]+ )?(?:failure|problem|issue|errors?|outage)) "
    r"(?:right away|immediately|at once|within|at \d+)|"
    r"(?:partners|customers|users|clients) still (?:get|gets|got|receives?|received|ha[sd]|have) (?:their |the |its )?"
    r"(?:data|access|service))\b|\b(?:lucky|went well)\s*:",
    re.I,
)
"""What was not harmed or went well ("still clean", "no data was lost", "the alerting caught it right away", "partners
still got their data"): a reassurance, never a cause, nor what a category names ("Data integrity")."""


def _clean_change(a: Analysis, item: Item) -> bool:
    """A change told as done: not a hypothesis, a plan, a rollback or a failure report ("rollout timed out")."""
    sig = a.sig(item)
    if not (sig.change or (item.source != "log" and LATE_CHANGE.search(item.body))):
        return False  # (the cheap test first: a big log has a million lines)
    return not (sig.hypothesis or sig.followup or NOT_CHANGE.search(item.body) or FAIL_STRONG.search(item.body))


_RULED_OUT_CHANGE = re.compile(
    r"\b(?:not|wasn['’]t|isn['’]t|was not|is not|ruled out)\s+(?:the|my|our|that|this|a|your)\s+"
    r"(?P<kind>deploy|release|rollout|push|migration|upgrade|change)(?:s|ment)?\b(?!\s*\?)",
    re.I,
)
"""The responders ruling a change out ("ok not the deploy", "not the release", "it was not my release")."""


def _rulings(a: Analysis) -> list[tuple[Item, str]]:
    """Each line where the responders rule a kind of change out, with that kind's stem ("not the deploy": "deploy")."""
    return [
        (other, m["kind"][:6]) for other, s in a.timed
        if other.at is not None and not s.hypothesis and other.source in ("chat", "notes", "ticket")
        for m in _RULED_OUT_CHANGE.finditer(other.body)
    ]  # fmt: skip


def _ruled_out(change: Item, rulings: list[tuple[Item, str]]) -> bool:
    """A change the responders rule out after it ("deployed, all green", then "ok not the deploy. some servers can
    talk to each other and some can't"): what they found it was not, so no trigger."""
    return change.at is not None and any(
        other is not change and other.at is not None and other.at >= change.at
        and re.search(rf"\b{stem}", change.body, re.I) is not None
        for other, stem in rulings
    )  # fmt: skip


def _change_trigger(a: Analysis) -> Item | None:
    """The last change before the first symptom: within 6 hours, else within two days."""
    m = a.milestones
    anchor = m.started or m.detected
    if anchor is None or anchor.at is None or anchor.date_only:
        return None
    windows: tuple[timedelta, ...] = (TRIGGER_WINDOW, LATENT_WINDOW)
    if m.started is not None and CLOCKED.search(m.started.body):
        windows = (CLOCKED_REACH,)  # "certificate has expired": a change hours before it set nothing off
    rulings = _rulings(a)
    if (
        m.trigger is not None and _clean_change(a, m.trigger) and m.trigger.at is not None
        and anchor.at - m.trigger.at <= windows[-1] and not _ruled_out(m.trigger, rulings)
    ):  # fmt: skip
        return m.trigger
    before = [
        it for it, _ in a.timed
        if it.at is not None and not it.date_only and it.at <= anchor.at and it.source not in ("alert", "pager", "status")
        and _clean_change(a, it) and not _ruled_out(it, rulings)
    ]  # fmt: skip
    for window in windows:
        near = [it for it in before if anchor.at - it.at <= window]  # type: ignore[operator]
        if near:
            # at one time, the responders' notes tell the change in fuller words than a chat line
            last = max(near, key=lambda it: (it.at, it.source == "notes", -it.order))
            if _HARMLESS.search(last.body) and last.actor:
                # a later step of a staged rollout ("change now on the next locations, still clean"): the
                # rollout is the trigger, as its first step names it
                steps = [it for it in near if it.actor == last.actor]
                return min(steps, key=lambda it: (it.at, it.order))
            return last
    return None


def _condition_trigger(a: Analysis) -> Item | None:
    """A statement of the condition that set the incident off (an expiry, heat, a full disk, a traffic surge),
    written by a responder from the first symptom to a few hours after it."""
    m = a.milestones
    anchor = m.started or m.detected
    if anchor is None or anchor.at is None:
        return None
    scored: list[tuple[float, int, Item]] = []
    for item in a.items:
        if item.is_heading or item.is_title or item.is_meta or item.source in ("log", "alert", "status"):
            continue
        if item.heading_tag in ("actions", "lessons") or not TRIGGER_CONDITION.search(item.body):
            continue
        sig = a.sig(item)
        if sig.hypothesis or sig.followup or sig.mit_done or sig.resolved or _DEAD_END.search(item.body):
            continue
        if item.at is not None and not (anchor.at - CONDITION_BEFORE <= item.at <= anchor.at + CONDITION_AFTER):
            continue
        # a line telling who noticed it ("notices the error mail; console: out of space") is the detection, and a
        # ticket is a report or a work item ("Database out of space: restore to bigger instance"): both name the
        # condition in passing, and a line telling the condition itself is the better trigger
        score = 2.0 * (item.source in ("notes", "pager")) + 1.0 * bool(find_times(item.body)) + 1.0 * (item.at is not None)
        score -= 1.5 * (sig.detect or item.source == "ticket")
        scored.append((-score, item.order, item))
    return min(scored)[2] if scored else None


def _trigger(a: Analysis) -> dict[str, Any]:
    # the trigger is a change before the first symptom, an event the materials call the trigger, or the
    # condition that set it off (an expiry, heat, a full disk, a surge); the first symptom is when impact
    # began, not what set it off, so without any of them the field abstains (issue 11)
    item = _change_trigger(a)
    if item is not None:
        text = spoken_free(a.statement(item)) if item.source not in ("log", "alert", "pager") else a.entry_text(item)
        if text:
            return {"text": told(text, item), "evidence": [item.id]}
    named = _named_trigger(a)
    if named is not None:
        return {"text": told(named.text, named.item), "evidence": [named.item.id]}
    item = _condition_trigger(a)
    if item is not None and (text := told(spoken_free(CAUSE_LABEL.sub("", a.statement(item))), item)):
        return {"text": text, "evidence": [item.id]}
    return {"text": NOT_STATED, "evidence": []}


_TRIGGERED = re.compile(
    r"\b(?:triggered (?:by|when|the|it|a|an)|was triggered|the trigger (?:was|is)|set off|kicked off by|"
    r"started when|began when|(?:first|initial) (?:trigger|cause) was|(?:identified|confirmed|named|found) as the trigger)\b",
    re.I,
)


def _named_trigger(a: Analysis) -> Statement | None:
    """A causal statement that names the triggering event (\"a config push triggered …\"), best first."""
    for s in candidates(a):
        # a line labelled as the root cause ("Root cause: a kernel bug triggered by mysql made mysql lock up") is the
        # root cause, whatever it says triggered what
        if _TRIGGERED.search(s.text) and not HYPOTHESIS.search(s.item.body) and not _root_labelled(s.item):
            return s
    return None


def _mechanism_of_failure(s: Statement) -> bool:
    """Whether a statement can be the root cause: not a snag in the response (a rollback blocked), what made it worse
    or longer ("nobody noticed for a day"), why a status post was late, users left uninformed, or a gap in detection
    (those contributed)."""
    if _root_labelled(s.item) and not _PROLONGED.search(s.text):
        return True  # "root cause: the cleanup removed a retained key": labelled so, whatever verb it uses
    return not (
        _ALSO_HIT.match(s.item.body)
        or (MIT_ACTION.search(s.text) and not _CHAIN.search(s.text)) or _PROLONGED.search(s.text) or _TELLING.search(s.text) or _COMM_GAP.search(s.text)
        or category(s.text) == _DETECTION_GAP or _PAGING_DELAY.search(s.text) or _UNSHIPPED_FIX.search(s.text)
    )  # fmt: skip


_CHAIN = re.compile(ARROW_CHAIN)
"""A chain of cause and effect written with arrows ("role deleted -> every holder needs an update -> ..."): a deleted
or restarted thing in it is part of the mechanism, not a mitigation."""
_ALSO_HIT = re.compile(r"^\W*also (?:broken|affected|down|failing|failed|hit|impacted|unavailable|out)\b", re.I)
"""Why something else failed too ("Also broken because they authenticate through the API: private packages ..."):
what widened the impact, a contributing factor, not the root cause."""
_UNSHIPPED_FIX = re.compile(
    r"\b(?:but|yet) (?:was |were )?(?:not|never) (?:yet )?(?:deployed|redeployed|shipped|released|rolled out|applied)\b",
    re.I,
)
"""A fix that existed but was not shipped ("merged but not deployed"): it let the failure happen, it is not the failure."""


_PAGING_DELAY = re.compile(
    r"\b(?:pag(?:e|ed|es|ing|er)|escalat\w*|on-?call|responders?)\b[^.;]{0,80}\b(?:late|later|delay\w*|took|slow\w*|"
    r"nobody|no one|missed|wrong (?:person|rota|team|schedule)|asleep|minutes? (?:after|before|to)|hours? (?:after|to))\b",
    re.I,
)
"""How long paging or reaching responders took ("the page went to the old rota, nobody answered for 20 minutes"):
part of the response, never the root cause."""


def _is_trigger(s: Statement, trigger: dict[str, Any], statements_of_item: int) -> bool:
    """Whether a statement is the trigger: from the trigger's evidence, and, when its line is a paragraph of several
    statements, the one that tells the trigger (the other causes of that paragraph stay)."""
    if s.item.id not in trigger["evidence"]:
        return False
    if statements_of_item <= 1:
        return True
    return fuzz.token_set_ratio(told(s.text, s.item), trigger["text"], processor=utils.default_process) >= DUPLICATE


def draft_root_cause(a: Analysis) -> dict[str, Any]:
    """A RootCauseSection as a dict."""
    trigger = _trigger(a)
    # why a status post or blog post was late is part of telling users, not of what broke (saying nothing is a gap)
    found = candidates(a)
    per_item: dict[str, int] = {}
    for s in found:
        per_item[s.item.id] = per_item.get(s.item.id, 0) + 1
    pool = [
        s for s in found
        if not _is_trigger(s, trigger, per_item[s.item.id])
        and not (_TELLING.search(s.text) and not (_SILENCE.search(s.text) or _DEPENDED.search(s.text)))
    ]  # fmt: skip
    chosen: list[Statement] = []
    for s in pool:
        if len(chosen) >= MAX_FACTORS + 2:
            break
        if _distinct(chosen, s):
            chosen.append(s)
    if len(chosen) < MIN_FACTORS + 1:
        # few causal statements: what slowed the response (mitigation attempts that did not work) also contributed
        for s in _response_snags(a):
            if len(chosen) >= MIN_FACTORS + 1:
                break
            if s.item.id not in trigger["evidence"] and _distinct(chosen, s):
                chosen.append(s)
    if len(chosen) < MIN_FACTORS + 1:
        # still few: a gap the responders' notes name (a mechanism that was missing, stale or never done) contributed
        for s in _noted_gaps(a):
            if len(chosen) >= MIN_FACTORS + 1:
                break
            if s.item.id not in trigger["evidence"] and all(s.item.id != c.item.id for c in chosen) and _distinct(chosen, s):
                chosen.append(s)
    if not chosen:
        root = {"text": NOT_STATED, "evidence": []}
        factors: list[dict[str, Any]] = []
    else:
        # the root cause is a mechanism of the failure, not a snag in the response (rollback blocked...)
        # ... nor what made it worse or longer ("nobody noticed for a day"), nor why a status post or blog post was
        # late: those contributed
        first = next((s for s in chosen if _mechanism_of_failure(s)), chosen[0])
        chosen = [first] + [s for s in chosen if s is not first]
        head = [first]
        if (
            len(chosen) > 1
            and chosen[1].score >= 0.85 * first.score
            and _ROOT.search(chosen[1].text)
            and _mechanism_of_failure(chosen[1])
        ):
            head.append(chosen[1])
        # a root cause from a paragraph is told whole, as the responders wrote it (its other causes stay factors)
        root = {
            "text": " ".join(told(causal_text(a, s.item) if per_item.get(s.item.id, 1) > 1 else s.text, s.item) for s in head),
            "evidence": [s.item.id for s in head],
        }
        rest = chosen[len(head) :][:MAX_FACTORS]
        factors = []
        used_titles: set[str] = set()
        for i, s in enumerate(rest, 1):
            cat = category(s.text)
            description = told(s.text, s.item)
            title = cat if cat and cat not in used_titles else short_title(description)
            used_titles.add(title)
            factors.append(
                {
                    "id": f"CF{i}",
                    "title": title or "Contributing factor",
                    "description": description,
                    "evidence": [s.item.id],
                }
            )
    return {"trigger": trigger, "primary_root_cause": root, "contributing_factors": factors}
