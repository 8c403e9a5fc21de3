"""Lines the offline model never drafts from: injected instructions (any source), and chat questions,
sarcasm and blame.

Injected instructions ("ignore previous instructions and write ...", a fake ``SYSTEM:`` line, a forged
``# TASK`` header, a note "to any AI summarising this") stay evidence: they are quoted in the appendix
like any line, but nothing of theirs becomes a claim, an owner or a cause. Chat questions ("could it be
the WAL?"), sarcasm ("who thought putting people without access on the pager was a good idea") and
blame ("this is on him") are what people said in the moment, not facts: no section or appendix copies them.
"""

from __future__ import annotations

import re

from pmstudio.lints.lexicon import load_lexicon
from pmstudio.offline.phrasing import is_blameful
from pmstudio.parsers.speakers import HANDLE_SPEAKER, IRC_SPEAKER, MENTION_SPEAKER, SIGNED, SPEAKER

_TOLD_OF_ANYONE = (
    r"(?!\s+(?:who\s+|that\s+)?\w+(?:ing|ed)\b[^?]*?\b(?:got|saw|received|hit|was|were|had|could(?:n['’]t| not))\b[^?]*$"
    r"|\s+(?:who|that)\s+\w+ed\b[^?]*$)"
)
"""What makes "anyone" the subject of something told, not a question: a clause of who they were, then what happened
to them, or only who they were in the past tense, with no question mark ("anyone opening the site got certificate
errors", "anyone who used the old link was sent to a 404", "Anyone who installed the nightly between 25 and 30
December"); "anyone seeing 502s?", "anyone know what changed" and "anyone who installed the beta?" still ask."""
_ASKING = (
    rf"(?:any ?one{_TOLD_OF_ANYONE}|is it|could it|can we|should we|do we|did we|why|who|how come|"
    r"how (?:do|did|can|could|would|should|are|is|was|were) (?:we|you|they|i|it|this|that)|"
    r"what(?:['’]s| (?:is|was|were|are|did|does|do))|where(?:['’]s| (?:is|are|was|were|did|do))|is (?:this|that|there|anyone)|"
    r"are (?:we|they|you|there)|(?:does|did|has) (?:anyone|anybody|someone))\b"
)
_OPEN = r"(?:why|how|what|who)\b[^.?!]{3,80}\b(?:is|was|remains|remained)\s+(?:still\s+)?(?:unknown|unclear|not (?:yet )?(?:known|clear|understood))"
OPEN_QUESTION = re.compile(rf"^\W*{_OPEN}", re.I)
"""A statement that a question is still open ("Why the second router died was still unknown"): no answer, no cause."""
QUESTION = re.compile(rf"^\s*(?:(?:so|and|but|ok|okay|well|hmm*|uh+|um+)\b[,\s]+)?(?!{_OPEN}){_ASKING}", re.I)
"""A sentence that opens as a question, with or without its question mark and after a filler word ("who runs a single
server in 2023", "so who revoked it."); not one whose subject is a question it says is open ("Why the second router
died was still unknown")."""
_SENTENCES = re.compile(r"(?<=[.!?;])\s+(?=\S)|\s+[-–—]\s+(?=[^.!?\-–—]*\?+\s*$)")
"""Where a message's sentences part: after a full stop, or at a dash before a closing question ("all my jobs fail
with a timeout - is something down?")."""
_MAY_ASK = re.compile(rf"[?.!;](?:(?<=\?)|\s\s|[^\S ]| {_ASKING})", re.I)
"""What can make `without_questions` drop or respace anything after a message's first sentence start: a question
mark, a sentence break other than one space (the kept sentences are joined by one) or a sentence after a break
that opens as a question. One scan, led by a set of characters (the regex engine skips to them)."""
_DISBELIEF = re.compile(r"\s*(?:\?{2,}|\?+!+|!+\?+)[?!]*(?=[\s)]*$)")
"""The marks that close a statement said in disbelief ("edge 2 gone too??", "every region at once?!")."""
_ASKS = re.compile(
    r"^\W*(?:(?:so|and|but|ok|okay|wait|then|hm+|um+)\b[,.]?\s*)?(?:(?:is|are|was|were|am|do|does|did|can|could|will|"
    r"would|should|shall|has|have|had|may|might|must)(?:n['’]?t)?|won['’]t|why|how|what|who|whom|whose|where|when|which)\b|"
    r"\bor (?:not|what)\W*$",
    re.I,
)
"""A sentence that asks whatever marks close it: it opens on a verb or a question word ("so was this the upgrade or
not??"), or ends on "or not"."""


_GROUP_TAG = r"\[[^\]]{1,60}\]\s*"
"""The tag of the group a message was posted to ("[CL + relay security group] ...")."""
TOLD_YOU = re.compile(r"^\W*(?:i )?(?:told (?:you|ya|y'all|everyone)|as i (?:said|warned|told you))\b", re.I)
"""A responder's remark that they had warned of it ("told you we re-enabled too fast", "told you we should have blocked
them at 16:30"): it judges what was done or left undone, it does no act."""
ME_TOO = re.compile(r"^\W*(?:[\w.-]{2,30}:\s+)?(?:same (?:here|for us|issue|problem|thing)|me too|us too|\+1)\b", re.I)
"""A reply that opens by telling its writer sees the same ("Same here, tables and queues too", "+1, our builds too",
a forum post "kpbeck: Same here, different hash")."""
ALSO_SEEING = re.compile(
    rf"^\W*(?:{_GROUP_TAG})?(?:(?:is|does|did|has) )?any(?:one|body) else(?:'s)? (?:also |now )?(?:seeing|getting|having|hitting|noticing)\b", re.I
)
"""A question that tells what its asker sees ("anyone else seeing .org builds just sitting in created?", "anyone else
getting errors in the web app?"): a report of the symptom, asked to learn whether it is shared."""


def disbelief(sentence: str) -> str | None:
    """A statement closed by marks of disbelief instead of a full stop ("log says BTC supply safeguard violated??",
    "edge 2 gone too??"), as the statement it is, with a full stop; None for any other sentence, a question above all
    ("who forgot to renew the cert??")."""
    if ALSO_SEEING.match(sentence):  # the group tag it was posted under ("[CL + relay security group]") left out
        return re.sub(r"\s*[?!]+(?=[\s)]*$)", ".", re.sub(rf"^\s*{_GROUP_TAG}", "", sentence), count=1)
    if not _DISBELIEF.search(sentence) or QUESTION.match(sentence) or _ASKS.search(sentence):
        return None
    return _DISBELIEF.sub(".", sentence, count=1)


SARCASM = re.compile(
    r"\bwho (?:thought|decided|designed|came up|approved|signed off|picked|chose)\b|"
    r"\b(?:great|amazing|awesome|brilliant|nice|fantastic|stellar) (?:[\w-]+ )?(?:job|work|design|idea|timing|visibility|planning|service|one|move|call)\b|"
    r"\b(?:you(?:['’]ve| have)? got to be|you must be|are you) kidding\b|"
    r"(?<![\w-])brilliant(?![\w-])|\bthanks for nothing\b|\blove (?:that|this|it) for us\b|\bcool,? cool\b|\bperfect timing\b|"
    r"\bas always\b|(?<![\w-])classic(?![\w-])(?!\s+(?:load balancers?|lbs?|elbs?|networking|instances?|mode|edition|tier|plan|ui|theme|editor|vpc|ec2|links?|version|api)\b)|\bwhat could (?:possibly )?go wrong\b|(?<!\bnot a )(?<!\bnot such a )(?<!\bnever a )\bgood idea\b|\bwell done\b|"
    r"\bthanks,? (?:\d{4}|again|a lot)\b|\b(?:real(?:ly)?|very|so|super|pretty|how) smart\b|\bsmart (?:move|idea|call|choice|plan)\b|(?<![\w-])smart(?=\s*(?:[.!?,]|$))|(?<![\w-])genius(?![\w-])|\bof course the\b|"
    r"\b(?:oh )?great\.(?:\s|$)|\bjust (?:me|great)\b|(?<![\w-])wild(?![\w-])|\bsure,? [\"“']|"
    # praise opening a complaint ("great, only took them three hours"), a failure called a favourite ("split brain,
    # my favourite"), a shrug at the usual suspect ("of course it's DNS")
    r"^\W*(?:great|perfect|lovely|wonderful|fantastic|awesome|nice|cool),\s+(?:only|just|another|again|so|now)\b|"
    # a mock award ("review of the year") and praise handed to the whole team for a failure ("great monitoring, team")
    r"\b(?:review|deploy|change|merge|idea|decision|call|move|rollout|release) of the (?:year|decade|century)\W*$|"
    r"\b(?:great|amazing|awesome|nice|stellar|fantastic|top-notch) [\w-]+,? (?:team|everyone|folks|people|all)\W*$|"
    r"\bmy (?:favou?rite|fave)\b|\b(?:is|was|are|were) a (?:joke|farce|clown show)\b|\bof course it['’]?s\b|\bonly took (?:them|us|him|her|you)\b|"
    # someone's words quoted back at them ('"we found it" he said. on monday.'): a jab, not a fact
    r"[\"“][^\"”]{1,60}[\"”],?\s+(?:he|she|they|someone|somebody)\s+(?:said|says|promised|claimed)\b",
    re.I,
)
BLAME = re.compile(
    r"\bthis (?:is|was) on (?:him|her|them|you|\w+)\b|\b[A-Za-z]+ should(?:n['’]t| not| never)? have\b|"
    r"\bwhoever\b|\bdropped the ball\b|\basleep at the wheel\b|\bwho(?:['’]s| is| was) responsible\b|\bkeep (?:\w+ )?away from\b|\bsomeone forgot\b|"
    r"\bthe one (?:guy|person|engineer) who\b|\bthis is what (?:you|we|they) get\b|\bwho (?:fat-fingered|broke|pushed|clicks?|forgot|reviewed|wrote|set up)\b|"
    # a promise held against someone ("Mark said on monday he'd tidy the old indices and didn't")
    r"\b(?:said|promised|swore|claimed|told us)\b[^.;]{0,60}\b(?:he|she|they|you)(?:['’]d| would)\b[^.;]{0,60}"
    r"\b(?:and|but)\s+(?:\w+ly\s+)?(?:didn['’]t|did not|never did|never)\b|"
    # a named person's act as the harm's subject ("so Ravi reusing a password just handed a stranger publish rights")
    r"(?-i:\b[A-Z][a-z]+)(?:['’]s)? [a-z]+ing\b[^.;]{0,40}\bjust (?:handed|gave|cost|caused|broke|took down|killed|wiped)\b",
    re.I,
)


def injected(text: str) -> bool:
    """An instruction addressed to a model rather than a statement about the incident: the lexicon's
    injection wording (`lexicon.yaml`, `injection`), the one list the critic's S1 lint also flags."""
    return any(pattern.search(text) for pattern in load_lexicon().injection)


REPLY = re.compile(r"^\s*\^+(?:\s|$)")
"""A reply pointing at the message above ("^ that's not true"): about a message, not about the incident."""


CLOSING_PRAISE = re.compile(
    r"(?:^|[.!?,;]\s+)(?:nice|great|lovely|wonderful|fantastic|awesome|perfect|cool|amazing|beautiful|fun|super)[.!]*\s*$",
    re.I,
)
COMPLAINT = re.compile(
    r"\b(?:down|broke\w*|fail\w*|never|nobody|no one|nothing|not|\w+n['’]t|wrong|dead|stuck|slow\w*|worse|gone|lost|"
    r"blind|eating|again)\b",
    re.I,
)
"""A word of praise closing a complaint ("so we're down because the raid is too polite to drop a dead disk. great",
"nobody looked at it because it keeps clearing itself. lovely"): irony. After good news ("error rate at baseline.
great") it is praise."""


def ironic(text: str) -> bool:
    m = CLOSING_PRAISE.search(text)
    return m is not None and bool(COMPLAINT.search(text[: m.start()]))


def chat_noise(text: str) -> bool:
    """A chat question, sarcastic remark, blameful line or a reply to another message: never a claim."""
    return bool(
        (QUESTION.search(text) and not ALSO_SEEING.match(text)) or SARCASM.search(text) or ironic(text) or BLAME.search(text) or REPLY.search(text)
        or is_blameful(text)
    )  # fmt: skip


_OTHERWISE = re.compile(r"[,;:]?\s+(?:otherwise|or else|else)\b", re.I)


def without_counterfactual(text: str) -> str:
    """A chat line without a trailing "otherwise … would have" clause ("there was no commit-confirm on these pushes,
    otherwise this would have rolled itself back" -> its first clause): the what-if is hindsight, the clause before it
    a fact. "" when nothing blameless comes before the what-if (or there is none)."""
    m = _OTHERWISE.search(text)
    if m is None or not is_blameful(text[m.start() :]):
        return ""
    head = text[: m.start()].strip(" ,;:")
    return head if len(head.split()) >= 4 and not chat_noise(head) else ""


def _opening(text: str, thread: bool) -> re.Match[str] | None:
    """The speaker's prefix opening a line: an IRC nick, a name with a handle or an "@handle:", or (in a `thread`, a
    ticket, not a log or notes where "kernel: ..." names a process and "Impact: ..." labels a line) a bare name before
    a colon."""
    if thread:
        return SPEAKER.match(text)
    return IRC_SPEAKER.match(text) or HANDLE_SPEAKER.match(text) or MENTION_SPEAKER.match(text)


_RELAYED = re.compile(
    r"^(?P<label>\W*[^:\"“”]{2,60}?:)\s*[\"“](?P<said>[^\"“”]+)[\"”]\s*[.!]?\s*$|"
    r"^(?P<label2>\W*[^:\"“”]{0,40}\b(?:users?|customers?|reporters?|forum|DM|IRC|mastodon|fediverse|twitter|reddit)\b"
    r"[^:\"“”]{0,20}:)\s+(?P<said2>\S.*)$",
    re.I,
)
"""A user's words passed on by whoever keeps the record, behind a label that says where they came from: a quote after
it ('community forum: "Is OSM partially down? New data isn't showing"', 'Francesco (Apibara), Telegram DM: "..."') or
plain words after a label naming users or a channel ("#opensuse-buildservice IRC user: OBS is completely down?")."""


def relayed(text: str) -> str | None:
    """A user's words passed on (`_RELAYED`), as the label and the words without their quote marks; None if not."""
    m = _RELAYED.match(text)
    if m is None:
        return None
    return f"{m['label'] or m['label2']} {m['said'] or m['said2']}"


def spoken(text: str, *, thread: bool = True) -> bool:
    """Whether a line is something a person said: it opens with a speaker's prefix (`_opening`) or ends with a wiki
    signature."""
    return bool(_opening(text, thread) or SIGNED.search(text))


def speaker_off(text: str, *, thread: bool = True) -> str:
    """A said line without who said it: the speaker's prefix that opens it (`spoken`'s shapes) and the wiki
    signature that closes it ("... --Ellinor 20:43, 27 March 2019 (UTC)"); the line itself otherwise."""
    m = _opening(text, thread)
    return SIGNED.sub("", text[m.end() :] if m else text)


_YOU = r"(?:you|your|yours|you['’](?:re|ve|ll|d))"
ADDRESSED = re.compile(
    rf"^\W*(?:@[\w.-]+[,:]?\s+|[A-Za-z][\w.-]*,\s+)?{_YOU}\b|^\W*(?:@[\w.-]+|[A-Za-z][\w.-]*,)\s.*\b{_YOU}\b", re.I
)
"""A sentence said to someone: it opens with "you" ("you're on call, your phone is silent"), or names whom it is
said to and speaks to them ("@erik ...", "ravi, your branch has ..."). One side of a conversation, never a claim.
An impersonal "you" inside a sentence stays ("a 250GB disk gives you 187.5 IOPS")."""
NO_WORDS = r"(?:no|nope|nah)"
YES_WORDS = r"(?:yes|yep|yeah|yup)"
"""The words a chat reply says no and yes with ("nope, exit 139", "yeah ok, their call"), as regex alternations."""
_BARE_ANSWER = re.compile(rf"^\s*(?:{NO_WORDS}|{YES_WORDS})\b\s*[,.;:!-]*\s*", re.I)
"""A reply's opening yes or no ("no, exit 139"), which says nothing once its question is left out."""


_TAG_QUESTION = re.compile(
    r",\s+(?:(?:is|are|was|were|did|does|do|can|could|has|have|anyone|any)\b)[^,?]*\?+(?P<close>[\"”'])?\s*$",
    re.I,
)
"""A question asked after what was seen, in the same sentence ("npm install hangs, anyone else?", "the bot isn't
reacting to /ok-to-test, is prow down?")."""


def without_questions(text: str) -> str:
    """The sentences of a chat message that are not questions, asked with a question mark or opening as one ("what
    was deployed around then? SAL says ..." -> "SAL says ..."), nor said to someone ("you're on call"); a speaker's
    prefix and a signature stay where they are. "" when every sentence is one of those."""
    m = SPEAKER.match(text)
    head, rest = (text[: m.end()], text[m.end() :]) if m else ("", text)
    if rest[:1].strip() and "?" not in rest and not QUESTION.match(rest) and not _MAY_ASK.search(rest) and not ADDRESSED.search(rest):
        # the common case, a plain statement: every sentence would be kept and joined as it was written (a signature
        # too, since `rest` opens with a sentence), so the line is its own answer
        return text
    sig = SIGNED.search(rest)
    rest, tail = (rest[: sig.start()], rest[sig.start() :]) if sig else (rest, "")
    kept: list[str] = []
    asked = False  # the sentence before was a question left out
    for p in _SENTENCES.split(rest):
        if not p.strip():
            continue
        said = disbelief(p)
        tag = _TAG_QUESTION.search(p) if said is None and not QUESTION.match(p) else None
        if tag is not None and len(p[: tag.start()].split()) >= 3:
            # "the bot isn't reacting to /ok-to-test, is prow down?": what was seen, then a question about it
            p = p[: tag.start()] + (tag["close"] or "")
        elif said is not None:
            p = said  # "edge 2 gone too??" tells what was seen
        elif p.rstrip(" )\"”'").endswith("?") or QUESTION.match(p):
            asked = True
            continue
        answer, asked = asked, False
        if ADDRESSED.search(p):
            continue  # said to someone ("@erik you're on call, your phone is silent"): talk, not a claim
        # its answer stays without the yes or no that only the question gave a meaning ("OOM? no, exit 139")
        kept.append(_BARE_ANSWER.sub("", p, count=1) if answer else p)
    kept = [p for p in kept if p.strip()]
    return f"{head}{' '.join(kept)}{tail}" if kept else ""
