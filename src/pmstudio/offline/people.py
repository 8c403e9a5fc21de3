"""People in the materials and the roles the draft calls them by (never their names).

Names come from chat actors and from the shapes names take in tickets and logs ("Opened by X",
"Note (X)", "X's team", "X, can you...", "x$ curl"). Each person gets a role label: the incident
commander, the on-call engineer, a user, the reporter, or a responder. `anonymise()` replaces every
name in a text by its role, so no draft sentence can name a person.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from pmstudio.offline.items import Item
from pmstudio.offline.phrasing import DETERMINERS
from pmstudio.parsers.speakers import (
    COMMENT_HEADER,
    IRC_SPEAKER,
    NAMED_SPEAKER,
    QUOTED_USER,
    USER_HANDLE,
    WIKI_SIGNATURE,
)

_NAME_UP = "[A-Z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.isupper()) + "]"
_NAME_LOW = "[a-z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.islower()) + "]"
_NAME = _NAME_UP + _NAME_LOW + "{2,20}"
"""A capitalised name, its letters Latin with accents too ("Jón", "Łukasz", "Zoë")."""

_BOT_WORDS = (
    r"bot\b|bot$|alert|monitor|system|grafana|pagerduty|prometheus|check|deployer|jenkins|actions|\bci\b|cron|"
    r"nagios|datadog|sentry|opsgenie|automation|synthetic|watch|probe|kubelet|service|daemon|github|status|uptime|"
    r"pingdom|icinga|zabbix|heartbeat|^-$"
)
_BOT = re.compile(rf"({_BOT_WORDS}|[0-9_/])", re.I)
_BOT_HANDLE = re.compile(_BOT_WORDS, re.I)
"""A handle a person-only shape names ("--Kestrel1", "<ivo_c>", "user (dev_ops_pete)") may hold digits and
underscores; only the words of a bot's name tell a bot there."""
_COMMON = {
    "will", "mark", "may", "june", "april", "august", "rose", "bill", "pat", "sue", "art", "joy", "hope",
    "faith", "grace", "summer", "dawn", "sky", "rich", "guy", "max", "ray", "don", "jack", "frank", "chase",
    "page", "lane", "ops", "dev", "admin", "root", "user", "team", "support", "oncall", "on-call", "ic",
}  # fmt: skip
_TAKES_PERSON = r"\b(?:with|by|from|ping|pinged|ask|asked|thanks|thx|cc|told|tell|paged|called|call)\s+"
"""Words after which a lower-case name that is also a word ("mark", "will") is the person."""
_STOP = {
    "the", "a", "an", "our", "their", "his", "her", "my", "your", "its", "this", "that", "these", "those",
    "hand", "default", "design", "email", "phone", "now", "then", "far", "accident", "mistake", "them",
    "us", "me", "him", "you", "it", "all", "everyone", "someone", "nobody", "sent", "support", "github",
}  # fmt: skip

_ORG_NOUN = (
    r"(?-i:College|University|Institute|School|Academy|Inc|Ltd|LLC|GmbH|Corp(?:oration)?|Company|Labs?|Foundation|Bank|"
    r"Group|Hospital|Council|Library|Agency|Ministry|Department)"
)
"""A word that makes the capitalised name before it an organisation ("reported by Wilmington College admissions")."""
_TICKET_BY = re.compile(
    r"^(?P<verb>Opened|Comment(?:ed)?|Closed|Reopened|Resolved|Solved|Acknowledged|Reply|Replied|Edited|Posted|"
    rf"Report(?:ed)?)\s+(?:(?:on\s+)?\d[\d:/. -]{{3,20}}(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+[A-Z]{{2,5}})?\s+)?(?:by|from)\s+"
    rf"@?(?P<n>[A-Za-z][\w.-]{{1,30}})(?![\w.-])(?!\s+{_ORG_NOUN}\b)",
    re.I,
)
_FROM_HANDLE = re.compile(
    r"(?:^|[\s\]])from\s+@?(?P<n>[a-z][a-z0-9_-]*\.[a-z][a-z0-9_-]+)(?<!\.com)(?<!\.org)(?<!\.net)(?<!\.io)(?<!\.dev)"
    r"(?<!\.edu)(?<!\.gov)(?=[\s:(,]|$)"
)
"""A help-desk post from a user's handle ("[HD-40211] 2017-02-20 06:02 +0100 from r.devries (Leiden): our VMs ..."): a
person (not a domain: "from example.org")."""
_ASSIGNED = re.compile(r"^Assigned(?:\s+to)?\s*[-–:]\s*@?(?P<n>[A-Za-z][\w.-]{1,30})\s*$", re.I)
_NOTE_BY = re.compile(
    r"^(?:(?:agent|support|staff|internal|engineer|operator)\s+)?(?:Note|Update|Comment|Reply|Response|Answer)\s*"
    r"\((?P<n>[A-Za-z][\w.-]{1,30})(?:,[^()]{1,30})?\)",
    re.I,
)
"""Who wrote a ticket's note or reply, in brackets after its label ("Note (kim): ...", "Agent note (Lena): relayed to
#incident", "Reply (Lee, 10:12): Service was restored at 09:52")."""
_PAREN_BY = re.compile(r"\((?:[\w -]{2,30}),\s*(?P<n>" + _NAME + r")\)")
_PAREN_ROLE = re.compile(
    r"\((?:agent|support agent|support|operator|engineer|technician|tech|staff|rep|on-?call)\s+(?P<n>" + _NAME + r")\)"
)
"""Who wrote a ticket's update, by role and name in brackets ("Update 22:24 MSK (agent Irina): API is back")."""
_ROLE_PAREN = re.compile(
    r"\b(?:support(?: agent)?|agent|moderator|operator|staff|rep|on-?call)\s+\((?P<n>" + _NAME + r")\)"
)
"""Who relayed or wrote a line, by role with the name in brackets after it ("relayed from the forum by support (Ana):",
"moderator (Femke): escalated")."""
_THINKS = re.compile(
    r"(?:^|[.!?;]\s+|:\s+)(?P<n>" + _NAME + r")\s+(?:thinks|thought|believes|believed|reckons|reckoned|suspects|"
    r"suspected|knew|knows|remembers|remembered|guesses|guessed)\b"
)
"""A person told by what they think or know ("John thinks the nameservers may be wrong"): a company says or confirms,
a person thinks."""
_LEFT_TEAM = re.compile(
    r"(?:^|[\s(\-*])(?P<n>" + _NAME + r")\s+\((?:who\s+)?(?:left|had left|joined|on leave|former|ex-)\b"
)
"""A person told by their place in the team ("John (left the team three days ago) helped")."""
_CAP_SPEAKER = re.compile(_NAME)
_RESEARCH = re.compile(r"\b(?:research|researcher|reporter|from [A-Z]\w+)\s*\((?P<n>[a-z][a-z]{2,20})\)")
_BY_CAP = re.compile(
    r"\b(?:requested|approved|acknowledged|resolved|triggered|opened|closed|merged|reported|escalated|assigned|"
    r"started|initiated|created|written|owned|run|performed|PR|pull request|patch|fix|commit)\s+by\s+@?(?P<n>" + _NAME + r")\b"
    r"(?!\s+(?:customers?|users?|clients?|partners?|tenants?|merchants?|developers?|engineers?|staff|support|teams?|"
    rf"employees?|members?|admins?|operators?|researchers?|accounts?|{_ORG_NOUN})\b)"
)
"""A name after "reported by", "fixed by" ...; not a name that only says whose people they are ("reported by Vercel
customers": a company)."""
_FROM_ORG = re.compile(
    r"(?<![\w@])(?P<n>" + _NAME + r")\s+(?:from|at|of)\s+(?:the\s+)?[A-Z][\w.&-]+(?:\s+[A-Z][\w.&-]+)?\s*,?\s+"
    r"(?:just\s+|also\s+)?(?:DM['’]?e?d|messaged|pinged|e-?mailed|called|reported|says|said|wrote|asked|told|"
    r"reached out|flagged|noticed)\b"
)
"""Someone outside the team named with their organisation as they tell of the problem ("Francesco from Apibara just
DMed me on Telegram"): a person, whose name a draft never shows."""
_CUSTOMER_NAMED = re.compile(
    r"\b(?:customer|client|caller|subscriber|member|patient)\s+(?P<n>" + _NAME + r")\b"
    r"(?=\s+(?:from|at|of|called|rang|phoned|e-?mailed|wrote|says|said|reported|asked|complained)\b)"
)
"""A customer named as they tell of the problem ("our customer Lisa from the dental group called"): a person outside
the team, whose name a draft never shows."""
_PROPOSER = re.compile(
    r"(?:^(?:[-*•]\s+)?|(?<=[.;:]\s))(?P<n>" + _NAME + r")(?:\s+(?:and|&|\+)\s+(?P<m>" + _NAME + r"))?\s+"
    r"(?:suggest(?:s|ed)?|propose[sd]?|recommend(?:s|ed)?|volunteer(?:s|ed)?|offer(?:s|ed)?\s+to|agree[sd]?|"
    r"decide[sd]?|realise[sd]?|realize[sd]?|start(?:s|ed)? (?:digging|looking|investigating|on)|"
    r"beg[ia]n (?:digging|looking|investigating))\b"
)
"""Teammates named in notes as they put a step forward or take it up ("Vince and Christian suggest asking OVH for an
additional IP", "Priya proposed a rollback", "Puneet + Maksim start digging"): people, whose names a draft never
shows."""
_NAME_LIST = r"(?:@?[A-Za-z][\w.-]{1,20}, )+@?[A-Za-z][\w.-]{1,20},? and @?[A-Za-z][\w.-]{1,20}"
_LISTED = re.compile(
    rf"\b(?:thanks|thank you|kudos|shout-?outs?|credit)(?: (?:to|go(?:es)? to))?,? (?P<thanked>{_NAME_LIST})\b|"
    rf"(?:^|[,:;]\s*|\b(?:responder|say)s?,?\s+)(?P<helpers>{_NAME_LIST}) (?:in|from|on) #[\w-]+"
)
"""Helpers credited in a list ("Thanks to Ganneff, Solver, Hydroxide and weasel in #spi", "Ganneff, Solver and weasel
in #spi were on it"): people, whose names a draft never shows."""
_HELPED = re.compile(
    r"(?-i:(?P<helpers>" + _NAME + r"(?:(?:,\s*|,?\s+(?:and|&)\s+)" + _NAME + r")+))\s+(?:helped|assisted|pitched in|"
    r"jumped in|chipped in|were on it)\b"
)
"""Two or more teammates credited by name as they helped ("Mastodon developers contacted (Renaud, Claire, Eugen
helped)", Vivaldi 2023): people, whose names a draft never shows."""
_LIST_SPLIT = re.compile(r",? and |,? & |, ")
_NOT_NAMES = frozenset({"all", "everyone", "everybody", "the", "team", "us", "you", "them", "others"})
_CREDITED = re.compile(
    r"\b(?:found|fixed|identified|confirmed|traced|spotted|reproduced|written|shipped)\s*\((?P<n>" + _NAME + r")\)|"
    r"\((?P<m>" + _NAME + r"),\s*(?:done|wip|in progress|todo|owner|lead|pending|ongoing)\)"
)
"""A teammate credited in brackets in notes ("root cause found (Maksim)", "SDK fork patch (Maksim, done)"): a
person."""
_ACCOUNT = re.compile(
    r"\b(?:(?:user|account|contributor|attacker)\s+(?!(?:flags|settings|details|data|info|level|levels|pages?|ids?|names?|"
    r"owners?|teams?|managers?|holders?|balances?|status|types?|numbers?|access|permissions|lockouts?|creation|features|"
    r"limits|plans?|usage|emails?|customi[sz]ations|profiles?|records?|sessions?|tokens?|keys?|breached|compromised|hacked|"
    r"hijacked|taken|stolen|locked|unlocked|disabled|enabled|suspended|banned|blocked|deleted|removed|created|reset|"
    r"restored|recovered|flagged|affected|used|exposed|leaked)\b)"
    r"@?(?P<a>[a-z][\w-]{2,30})(?=\s*[,;(]|\s+(?:opened|pushed|created|forked|"
    r"submitted|ran|deleted|closed)\b)|"
    r"(?:(?:opened|closed|pushed|authored|submitted|forked|created) by|^author:)\s+@?(?P<b>[a-z][\w-]{2,30})(?=\s*(?:[,;(]|$))|"
    r"(?:user|member|customer)\s+@?(?P<c>[a-z][\w-]*[\d_][\w-]*):\s)",
    re.I,
)
"""An outside account named by its handle in a record ("user brwjbowkevj, PR against posthog", "pull request closed
by brwjbowkevj", "Author: brwjbowkevj", a forum copy's "user dnsfan77: Quad9 as my only resolver ..." when the handle
holds a digit or an underscore): a person, whose handle a draft never shows ("account flags, system caching" names
what accounts have, no handle; "customer success: ..." labels a team; "admin account breached (password login)" tells
what happened to it, no handle)."""
_DETERMINED = re.compile(rf"\b(?:{'|'.join(sorted(DETERMINERS | {'any', 'no'}))})\s+(?:[a-z]+\s+)?$", re.I)
"""The words before "user X" that make it a compound noun ("a big user diff", "the user sync"), no account."""
_GROUP = re.compile(r"(?<![\w.])@?([A-Za-z][\w-]{1,30})\s+(?:role|group|usergroup|team)\b")
_AFTER_ARTICLE = re.compile(r"\b(?:the|a|an|this|that)\s+([a-z][\w-]{2,30})\b", re.I)
_POSSESSIVE = re.compile(
    r"\b(?P<n>" + _NAME + r")['’]s\s+(?:own\s+)?(?:[\"“'][\w-]+[\"”']\s+)?(?:(?:old|new|hardcoded|hard-coded|personal|"
    r"local|test|temp|temporary|manual|quick|last|latest|late-night|friday)\s+){0,2}(?:team|push|change|pr|commit|deploy|deployment|"
    r"token|personal|fault|laptop|account|mistake|code|branch|script|config|query|job|work|session|machine|key|rotation|"
    r"upgrade|migration|rollout|release|fix|patch|ticket|rule|cleanup|cred|credential|password)s?\b"
)
"""A person named as the owner of a change or a secret ("Dave's old hardcoded keys", "Ana's late-night push")."""
_DEED_OF = re.compile(
    r"\b(?:the|that|this|a|an)\s+(?:[\w-]+\s+){0,3}?(?:change|push|commit|deploy|migration|pr|patch|config|script|"
    r"query|merge|release|rollout)\s+(?P<n>" + _NAME + r")\s+(?:pushed|merged|deployed|made|wrote|shipped|ran|"
    r"applied|approved|rolled out)\b"
)
"""A person named as the one who made a change ("the scaling change Tom pushed to save money")."""
_VOCATIVE = re.compile(
    r"(?:^|[.!?]\s+)(?P<n>" + _NAME + r"),\s+(?:can|could|please|pls|check|take|look|your|you|grab|go|ping|do|"
    r"would|run|get|keep|stop)\b"
)
_MENTION = re.compile(r"(?<![\w.])@(?P<n>[A-Za-z][\w-]{1,30})(?![\w.@/])")
_WHOSE_ANSWER = re.compile(r"(?:^|[.!?]\s+)(?P<n>" + _NAME + r")['’]s[.!]\s+(?:he|she|they)\b")
"""A chat answer naming whose it was and going on about that person ("Ravi's. he says he has no 2FA on npm"):
a person, whose name a draft never shows."""
_SHELL = re.compile(r"(?<![\w$])(?P<n>[a-z][\w.-]{1,20})\$\s")
_KEYVAL = re.compile(r"\b(?P<k>actor|user|member|target|assignee|author|requester|login|owner)=(?P<v>[a-z][a-z.-]{1,20})(?![\w.-])")
"""A person named as a field's value ("actor=tomas"), the whole value ("target=hydra-cli-9", an account handle with
its number, is no person's name cut short)."""
_SYSTEM_ACCOUNTS = {"root", "admin", "system", "service", "deploy", "ci", "bot", "nobody", "postgres", "www", "app"}

_IC = re.compile(r"\b(?:i'?m|i am)\s+(?:the\s+)?(?:ic|incident commander|incident lead|incident manager)\b", re.I)
_IC_NAMED = re.compile(r"\b(?P<n>[A-Za-z][\w.-]{1,30}) is (?:the )?(?:IC|incident commander)\b")
_ONCALL = re.compile(r"^(?:ack|acked|acking|ack'd|acknowledged|paged|got paged|i'?m on[- ]?call)\b", re.I)
_COMMUNITY = re.compile(r"(community|customer|public|forum|users?-)", re.I)

IC = "the incident commander"
ONCALL = "the on-call engineer"
RESPONDER = "a responder"
USER = "a user"
CUSTOMER = "a customer"
REPORTER = "the reporter"
SPEAKER_ROLES = (IC, ONCALL, RESPONDER, USER, CUSTOMER, REPORTER)
"""The roles a person's name is told by (`People.role`): what stands before a speaker's colon once names are out."""
ROLE_WORDS = (*SPEAKER_ROLES, "an engineer", "the owning team")


def is_bot(name: str, *, handle: bool = False) -> bool:
    """A bot's name; `handle=True` for a name in a person-only shape (digits and underscores are a person's too)."""
    return bool((_BOT_HANDLE if handle else _BOT).search(name)) or name.strip() == ""


_HOST = re.compile(r"[A-Za-z]{1,5}[-_.]?\d{1,3}|[\w.-]*[-_.]\d{1,3}|.*/.*")
"""A machine's name ("web01", "db-2", "prod-web-01", "ci/runner"): a short word and a number, or a number after a
separator."""


_CAMEL = re.compile(r"[a-z][A-Z]")


def is_bot_speaker(name: str) -> bool:
    """Whether the speaker of a chat line is a bot: a bot's words in the name, or a machine's name. A chat handle
    with digits or underscores ("Mr0grog", "satoshifan77", "user_kw") is a person's: people type in chat; so is one
    in camel case ("GethN7"), which no machine is named."""
    return is_bot(name, handle=True) or (bool(_HOST.fullmatch(name.strip())) and not _CAMEL.search(name))


def is_bot_post(item: Item) -> bool:
    """Whether a chat line was posted by a bot (`is_bot_speaker`): a monitor's or relay's words, no responder's."""
    return item.source == "chat" and item.actor is not None and item.actor != "" and is_bot_speaker(item.actor)


@dataclass
class People:
    """Known names (lower case) and their role labels."""

    roles: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None
    _pattern_cs: re.Pattern[str] | None = None
    _pattern_ctx: re.Pattern[str] | None = None

    @property
    def names(self) -> list[str]:
        return sorted(self.roles)

    def role(self, name: str | None) -> str:
        if not name:
            return RESPONDER
        return self.roles.get(name.lower(), RESPONDER)

    def add(self, name: str, role: str = RESPONDER, *, handle: bool = False) -> None:
        """Record `name` with `role`; `handle=True` for a shape only a person takes (digits and underscores kept)."""
        key = name.strip().lstrip("@").lower()
        if len(key) < 2 or key in _STOP or is_bot(key, handle=handle):
            return
        current = self.roles.get(key)
        if current is None or (current in (RESPONDER, USER, REPORTER, CUSTOMER) and role in (IC, ONCALL)):
            self.roles[key] = role
        elif current == ONCALL and role == IC:
            self.roles[key] = role
        self._pattern = self._pattern_cs = self._pattern_ctx = None

    def _compile(self) -> None:
        loose = [n for n in self.roles if n not in _COMMON]
        strict = [n for n in self.roles if n in _COMMON]
        def alt(names: Iterable[str], cap: bool) -> str:
            parts = [re.escape(n.capitalize() if cap else n) for n in sorted(names, key=len, reverse=True)]
            return "|".join(parts) or r"(?!x)x"
        tail = r"(?P<poss>['’]s)?(?![\w@$-])"
        # a name right after a dash that joins it to a word ("re-mark") is part of that word; after a signature's
        # dashes ("--Kestrel1") it is the name
        head = r"(?<![\w@$/.])(?<!\w-)"
        self._pattern = re.compile(rf"{head}@?(?P<n>{alt(loose, False)}){_SURNAME}{tail}", re.I)
        self._pattern_cs = re.compile(rf"{head}@?(?P<n>{alt(strict, True)}){_SURNAME}{tail}")
        # chat writes names in lower case: a name that is also a word ("mark", "will") is the name after a word
        # that takes a person ("with mark", "ping will") and not before one that makes it a verb ("mark as")
        self._pattern_ctx = re.compile(
            rf"(?P<pre>{_TAKES_PERSON})(?P<n>{alt(strict, False)}){tail}(?!\s*\d|\s+(?:as|the|a|an|it|this|that|them)\b)"
        )

    def anonymise(self, text: str) -> str:
        """`text` with every known name replaced by its role (shell prompts and key=values too)."""
        if not self.roles:
            return _KEYVAL.sub(_keyval_sub(self), text)
        if self._pattern is None or self._pattern_cs is None or self._pattern_ctx is None:
            self._compile()
        assert self._pattern is not None and self._pattern_cs is not None and self._pattern_ctx is not None
        text = _SHELL.sub(lambda m: "$ " if m.group("n").lower() in self.roles else m.group(0), text)
        text = _KEYVAL.sub(_keyval_sub(self), text)
        # "https://jake:REDACTED_PASSWORD_1@console.example": a person's name as an address's user is told as "user"
        text = _URL_USER.sub(lambda m: "user" if m.group("n").lower() in self.roles else m.group(0), text)
        text = _QUOTED_ACCOUNT.sub(lambda m: _account_sub(self, m), text)

        def sub(m: re.Match[str]) -> str:
            role = self.roles.get(m.group("n").lower(), RESPONDER)
            sur = m.groupdict().get("sur") or ""
            if sur and (not m.group("n")[:1].isupper() or sur.strip().lower() in _NOT_SURNAME):
                return role + sur + ("'s" if m.group("poss") else "")  # "Simon Monday", "mark Kubernetes": no surname
            return role + ("'s" if m.group("poss") else "")

        text = self._pattern.sub(sub, text)
        text = self._pattern_ctx.sub(lambda m: m.group("pre") + sub(m), text)
        text = self._pattern_cs.sub(sub, text)
        # "user dnsfan77: ..." told as "a user: ...", not "user a user: ..."
        text = _ROLE_BEFORE_USER.sub("", text)
        # "Vince and Christian suggest ...", "Thanks to Ganneff, Solver, Hydroxide and weasel": people with one role are
        # told as a number, not "a responder and a responder"
        return _ROLE_PAIR.sub(_counted_roles, text)


_ROLE_BEFORE_USER = re.compile(rf"\b(?:user|member|customer|account)\s+(?={re.escape(USER)}\b)", re.I)
"""The word that named an account before its handle, once the handle is told as "a user" ("user a user: ...")."""
_URL_USER = re.compile(r"(?<=://)(?P<n>[A-Za-z][\w.-]{1,30})(?=:[^@\s/]*@)")
"""The user of an address with credentials ("https://jake:…@console.example"), which may be a person's name."""
_QUOTED_ACCOUNT = re.compile(r"\b(?P<k>user|account|login|username)\s+(?P<q>['\"`])(?P<v>[A-Za-z][\w.-]{1,40})(?P=q)", re.I)
"""An account quoted in a machine's line ("UI_CMDLINE_READ_LINE: user 'oob-ines' command ..."), which may be built
from a person's name ("oob-ines", "ines_admin")."""


def _account_sub(people: People, m: re.Match[str]) -> str:
    """The quoted account as "[responder]" when one of its parts is a known person's name."""
    parts = re.split(r"[-_.]", m.group("v").lower())
    if any(p in people.roles for p in parts if p not in _SYSTEM_ACCOUNTS):
        return f"{m.group('k')} {m.group('q')}[responder]{m.group('q')}"
    return m.group(0)


_ROLE_PAIR = re.compile(r"\b(?P<a>[Aa]) (?P<r>responder|user|customer)(?:(?:,? (?:and|&) |, )an? (?P=r)\b)+")
_COUNT_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _counted_roles(m: re.Match[str]) -> str:
    n = m.group(0).count(m.group("r"))
    word = _COUNT_WORDS[n - 2] if n - 2 < len(_COUNT_WORDS) else str(n)
    return f"{word[:1].upper() + word[1:] if m.group('a') == 'A' else word} {m.group('r')}s"


_SURNAME = r"(?P<sur>(?-i:[ ]" + _NAME_UP + _NAME_LOW + r"{2,}(?:-" + _NAME_UP + _NAME_LOW + r"{2,})?))?"
"""A capitalised word right after a known first name ("Alex Simmons reports ..."): the person's surname, replaced
with the name, unless it is a word that follows names (`_NOT_SURNAME`)."""
_NOT_SURNAME = frozenset(
    {"the", "and", "but", "then", "when", "said", "says", "told", "asked", "also", "from", "with", "for", "utc"}
    | {name.lower() for name in (*calendar.day_name, *calendar.month_name) if name}
)


def _keyval_sub(people: People) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        value = m.group("v")
        if value in _SYSTEM_ACCOUNTS or "." in value:
            return m.group(0)
        if value in people.roles or m.group("k") in ("actor", "member", "target", "assignee", "author", "requester"):
            return f"{m.group('k')}=[responder]"
        return m.group(0)

    return sub


_LOWER_WORD = re.compile(r"\b[a-z]{3,21}\b")


def words_in_lower_case(texts: Iterable[str]) -> frozenset[str]:
    """Words the materials write in lower case somewhere: a name written so is a word, not a handle ("dev agents" beside
    a responder called Dev)."""
    return frozenset(w for text in texts for w in _LOWER_WORD.findall(text))


def find_people(items: list[Item], unheard: Iterable[str] = ()) -> People:
    """Everyone named in the materials, with a role each (one pass over the items). `unheard` are the speakers of
    lines no item tells (a sarcastic remark left out): still people, so a reply naming them ("sam, not helpful")
    never shows the name."""
    people = People()
    staff: set[str] = {a.strip().lower() for a in unheard if a.strip() and not is_bot_speaker(a.strip())}

    @cache
    def lower_words() -> frozenset[str]:
        return words_in_lower_case(it.text for it in items)

    @cache
    def nouns() -> frozenset[str]:
        """Words the materials write after an article ("the diff", "a sync"): things, never an account's handle."""
        return frozenset(w.lower() for it in items for w in _AFTER_ARTICLE.findall(it.text))

    @cache
    def groups() -> frozenset[str]:
        """Names the materials call a role or a group ("@Developers role", "the oncall-db group"): no person."""
        return frozenset(w.lower() for it in items for w in _GROUP.findall(it.text))

    community: set[str] = set()
    for it in items:
        actor = (it.actor or "").strip()
        if it.source == "chat" and actor and not is_bot_speaker(actor) and not _COMMUNITY.search(it.material):
            staff.add(actor.lower())
    for key in sorted(staff):
        people.add(key, handle=True)
    for name in _speakers(items, lower_words):
        people.add(name)
    for it in items:
        actor = (it.actor or "").strip()
        if actor and not (is_bot_speaker(actor) if it.source == "chat" else is_bot(actor)):
            key = actor.lower()
            if it.source == "pager" and it.sub == "ack":
                people.add(actor, ONCALL, handle=True)
            if it.source == "chat":
                (community if _COMMUNITY.search(it.material) else staff).add(key)
                if _IC.search(it.body):
                    people.add(actor, IC, handle=True)
                elif _ONCALL.match(it.body):
                    people.add(actor, ONCALL, handle=True)
        m = _IC_NAMED.search(it.body)
        if m and not is_bot(m.group("n")):
            people.add(m.group("n"), IC)
        if it.source in ("ticket", "status", "notes") or it.actor is None:
            m = _TICKET_BY.match(it.body)
            if m:
                verb = m.group("verb").lower()
                # a ticket's or forum's handle ("Posted 2024-02-10 15:47 PST by mireille_gm: ...") keeps its underscores
                people.add(m.group("n"), USER if verb.startswith(("opened", "comment")) else REPORTER, handle=True)
            for m in _FROM_HANDLE.finditer(it.body):
                people.add(m.group("n"), USER, handle=True)
            for pattern in (_ASSIGNED, _NOTE_BY):
                m = pattern.match(it.body)
                if m:
                    people.add(m.group("n"))
            for m in _RESEARCH.finditer(it.body):
                people.add(m.group("n"), REPORTER)
            for m in _ACCOUNT.finditer(it.body):
                if m.group("a") and (m.group("a").lower() in nouns() or _DETERMINED.search(it.body, 0, m.start())):
                    continue  # "the sync", "a big user diff, ...": a thing, not an account's handle
                people.add(m.group("a") or m.group("b") or m.group("c"), USER, handle=True)
            if m := COMMENT_HEADER.match(it.body):
                people.add(m.group("n"), handle=True)
            for m in QUOTED_USER.finditer(it.body):
                people.add(m.group("n"), USER, handle=True)
            for m in USER_HANDLE.finditer(it.body):
                if m.group("n")[:1].isupper() and m.group("n").lower() in lower_words():
                    continue  # "Customer (Canada)": a place ("canada too" in the chat), not a handle
                people.add(m.group("n"), USER, handle=True)
        if it.actor is None and it.source != "alert":
            m = IRC_SPEAKER.match(it.body)
            if m and m.group("nick"):  # an IRC line kept in a log: "<ivo_c> hi, ..."
                people.add(m.group("nick"), handle=True)
        for m in WIKI_SIGNATURE.finditer(it.body):
            people.add(m.group("n"), USER, handle=True)
        patterns = (
            (_PAREN_BY, _PAREN_ROLE, _ROLE_PAREN, _BY_CAP, _FROM_ORG, _POSSESSIVE, _DEED_OF, _THINKS, _LEFT_TEAM, _VOCATIVE, _MENTION,
             _WHOSE_ANSWER)
            if it.source == "chat"
            else (_PAREN_BY, _PAREN_ROLE, _ROLE_PAREN, _BY_CAP, _FROM_ORG, _THINKS, _LEFT_TEAM)
        )
        for pattern in patterns:
            for m in pattern.finditer(it.body):
                if pattern is _FROM_ORG and m.group("n").lower() in lower_words():
                    continue  # "Networking from AWS said ...", "Engineers at Acme told us": a word the materials use
                if pattern is _MENTION and m.group("n").lower() in groups():
                    continue  # "we deleted @Developers": a Discord role, not a person
                people.add(m.group("n"))
        for m in _CUSTOMER_NAMED.finditer(it.body):
            people.add(m.group("n"), CUSTOMER)
        for m in _LISTED.finditer(it.body):
            for name in _LIST_SPLIT.split(m.group("thanked") or m.group("helpers") or ""):
                if name.strip().lstrip("@").lower() not in _NOT_NAMES:
                    people.add(name.strip().lstrip("@"), handle=True)
        for m in _HELPED.finditer(it.body):
            for name in _LIST_SPLIT.split(m.group("helpers")):
                if name.lower() not in lower_words():
                    people.add(name)  # "Networking and Storage helped": teams the materials write in lower case too
        for m in (*_PROPOSER.finditer(it.body), *_CREDITED.finditer(it.body)):
            for name in (m.group("n"), m.group("m")):
                if name and name.lower() not in lower_words():
                    people.add(name)  # "Support suggested ..." is a team ("support" is written in lower case)
        for m in _SHELL.finditer(it.body):
            if m.group("n").lower() in staff:
                people.add(m.group("n"))
    for key in sorted(community - staff):
        people.roles[key] = CUSTOMER
    for key in sorted(staff | community):
        people.add(key, handle=True)
    people._pattern = None
    return people


def _speakers(items: list[Item], lower_words: Callable[[], frozenset[str]]) -> set[str]:
    """Speakers of lines without an actor ("2023-07-13 Colin: credits applied ..." in a mailing-list or ticket
    export): a capitalised word that opens two or more timed lines of one material as "Name: ...", date-only ones
    included, and is never written in lower case in the materials (so a label such as "Impact:" is not one)."""
    counts: dict[tuple[str, str], int] = {}
    for it in items:
        if it.actor is not None or it.at is None or it.source in ("alert", "pager"):
            continue
        m = NAMED_SPEAKER.match(it.body)
        name = m.group("name") if m else None
        if name and _CAP_SPEAKER.fullmatch(name):
            counts[(it.material, name)] = counts.get((it.material, name), 0) + 1
    candidates = {name for (_, name), n in counts.items() if n >= 2}
    if not candidates:
        return set()
    words = lower_words()
    return {name for name in candidates if name.lower() not in words}


PERSON_MARK = "[responder]"


def name_masker(names: Iterable[str]) -> Callable[[str], str]:
    """A function that replaces each of `names` (and `name$ ` shell prompts) in a quoted line by `[responder]`.

    For verbatim excerpts (the appendices), where no role can be told: the line keeps its machine text."""
    keys = sorted({n.strip().lstrip("@") for n in names if len(n.strip()) > 2 and not is_bot_speaker(n)}, key=len, reverse=True)
    if not keys:
        return lambda text: text
    pattern = re.compile(r"(?<![\w@/.-])@?(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w-])", re.I)
    return lambda text: pattern.sub(PERSON_MARK, text)
