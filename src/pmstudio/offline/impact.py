"""The Impact section: severity, duration and the impact claims, each with the numbers the materials state.

Claims are statements lifted (blamelessly) from the evidence that talks about users, scope,
functions, money, SLAs, communications and reputation. Where nothing in the materials speaks to
a field, it says so: `Not stated in the materials.` Severity is estimated from scope words
("global", "all users", "every request"), exposure words (leaks, corruption), small stated user
counts and the duration.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pmstudio.lints.completeness import MAGNITUDE_UNITS, has_magnitude
from pmstudio.lints.quantities import find_numbers
from pmstudio.logmine import VALUES_NOTE
from pmstudio.offline.analysis import Analysis
from pmstudio.offline.classify import BACK_UP, COORDINATION, DOWN_NOT_FAILING, HYPOTHESIS
from pmstudio.offline.items import ADVICE_LABEL, MITIGATION_LABEL, Item
from pmstudio.offline.people import is_bot_post
from pmstudio.offline.phrasing import (
    blameless,
    capitalise_sentences,
    has_verb,
    past_tense,
    split_sentences,
    upper_first,
)
from pmstudio.offline.tone import ALSO_SEEING
from pmstudio.parsers.common import STATUS_LABEL
from pmstudio.schema import NOT_STATED

NO_TIMES = "The materials contain no timestamps, so the duration of impact cannot be established."

_NUMBER = re.compile(r"\d")
_PLACEHOLDER = re.compile(r"\bREDACTED_[A-Z_]+\d*\b")
_USERS = re.compile(
    r"\b(?:users?|customers?|developers?|people|hosts?|machines?|sensors?|accounts?|orgs?|organi[sz]ations?|rooms?|"
    r"requests?|downloads?|visitors?|sites?|tenants?|members?|clients?|devices?|servers?|repos\w*|logins?)\b",
    re.I,
)
_PEOPLE = re.compile(
    r"\b(?:users?|customers?|developers?|people|accounts?|orgs?|organi[sz]ations?|visitors?|tenants?|members?|"
    r"clients?|maintainers?|authors?|players?|subscribers?|merchants?|publishers?)\b",
    re.I,
)
_HELD_UP = r"paused|pause in|halted|delayed|delays"
"""Work held up ("pause in processing", "orders halted", "delays in build processing"), as a regex alternation: a harm,
for the impact words (`_AFFECT`) and the hurt words (`_HURT`) alike."""
_AFFECT = re.compile(
    r"\b(?:affected|impact\w*|failed|fail\w*|could not|cannot|can['’]?t|unable|broken|errors?|down|outage|"
    rf"exposed|leaked|lost|dropped|rejected|crash\w*|not resolving|{_HELD_UP}|every|all)\b",
    re.I,
)
# a count or share of something affected: "3.7M failed requests", "about 8-14 developers", "every download"
_MAGNITUDE = re.compile(
    r"(?:\d[\d,.]*\s*(?:[kmb]|%|percent)?\s+(?:[\w-]+\s+){0,3}?|\b(?:all|every|no)\s+(?:\w+\s+){0,2}?)"
    r"(?:users?|customers?|requests?|accounts?|errors?|orders?|hosts?|servers?|sites?|builds?|downloads?|packages?|"
    r"pages?|devices?|machines?|nodes?|regions?|organi[sz]ations?|orgs?|members?|visitors?|records?|rows?|crates?|"
    r"developers?|logins?|queries|quer(?:y|ies)|groups?|rooms?|repos?|repositories|people|tenants?|clusters?|payloads?|"
    r"sensors?|instances?|services?|endpoints?|jobs?|events?|files?)\b",
    re.I,
)
_GEO = re.compile(
    r"\b(?:regions?|global(?:ly)?|worldwide|apac|emea|amer|europe|eu-\w+|us-(?:east|west)\w*|[a-z]{2}-[a-z]+-\d[a-z]?|asia|"
    r"(?:east|west|north|south|central)-\d[a-z]?|countr(?:y|ies)|continents?|data ?cent(?:er|re)s?|availability zones?|locations?|multiple locations|"
    r"in the (?:us|uk|eu))\b",
    re.I,
)
"""Places: regions, zones, data centers, countries, "globally" (not a site code or "other servers")."""
_MONEY = re.compile(r"(?:\$(?![A-Za-z_{(])|€|£|\b(?:usd|eur|gbp|revenue|refunds?|credits?|billing|sales|cost(?:s|ing)?)\b)", re.I)
"""Money words and signs; "$" before a name, "{" or "(" is a shell variable ("the first 1,000 files in $HOME")."""
_COMPENSATION = re.compile(
    r"\b(?:revenue|refund(?:s|ed)?|credit(?:s|ed)\b|compensat\w*|reimburs\w*)\b|[$€£]\s?\d", re.I
)
"""Money paid back or lost ("Revenue: SLA credits expected", "every account credited with 50%", "$40k refunded"):
a statement for the revenue or SLA field, never who was affected or what broke ("credit card" is no credit)."""
_SLA = re.compile(
    r"\b(?:sla|slo|slos|error budget|uptime target|availability target|"
    r"(?<!data )(?<!security )(?<!party )breach\w*(?! (?:of|in) (?:\w+ )?(?:data|security|trust)))\b",
    re.I,
)
"""An SLA or SLO and its breach, not a security breach ("found the password in a third-party breach")."""
_SLO_MONITOR = re.compile(r"\b(?:sla|slo)s?\s+(?:burn\s+)?(?:alerts?|alarms?|dashboards?|monitors?|evaluations?|checks?)\b", re.I)
"""An alert or dashboard named after an SLO ("SLO burn alerts did not evaluate"): monitoring, not the SLA's impact."""
_REPUTATION = re.compile(
    r"\b(?:social media|twitter|(?:on|via|across|from) mastodon(?![-_./\w])|reddit|hacker news|(?:the|in|to|by) press|press (?:coverage|releases?|reports?|"
    r"articles?|inquir\w+|enquir\w+|picked)|news|media|reputation|publicly|public "
    r"(?:rooms|repo\w*|post)|(?:customer|user|public|partner|brand)s?['’]? (?:trust|confidence)|"
    r"(?:lost|losing|lose|erod\w*|damag\w*|hurt) (?:\w+ ){0,3}(?:trust|confidence))\b",
    re.I,
)
"""Words of standing with the public ("mastodon" only as the network people post on, not the software a host
runs: "the mastodon-web machines"); "trust" only as people's trust ("customer trust", "lost their trust"), not a
system's ("the apps did not trust the key")."""
_NOT_STANDING = re.compile(
    r"\bpublicly (?:unique|routable|reachable|accessible|available|visible|resolvable|addressable)\b|"
    r"\b(?:(?:have|has|had)(?:n['’]t| not)|never|did(?:n['’]t| not)) (?:\w+ )?(?:said|posted|announced|told|shared)\b|"
    r"\b(?:i|we)(?:['’]ll| will| am going to| are going to|['’]m going to|['’]re going to) (?:\w+ )?"
    r"(?:post|tweet|announce|share|put out|write)\b|"
    r"^\W*(?:(?:we|i|they)\s+)?(?:(?:have|has|just|also)\s+)?(?:tweeted|posted|announced|published|shared)\b|"
    r"\b(?:status|updates?|notices?|announcements?)\s+(?:was\s+|were\s+)?(?:shared|posted|published|tweeted)\s+(?:on|to)\b",
    re.I,
)
"""A reputation word that tells no standing with the public: a technical "publicly" ("router-ids had to be publicly
unique"), nothing said yet ("we haven't said anything publicly"), a post still to come ("I'll post on mastodon that
diffs aren't updating"), or the team's own post ("tweeted that build and docs are down", "status shared on Twitter
and Reddit"): that is a communication, not what others think of them."""
_CRITICAL = re.compile(
    r"\b(?:global(?:ly)?|worldwide|widespread|entire (?:fleet|network|region|site|service|platform)|whole (?:fleet|network|site|sensor)|all (?:users|customers|regions|"
    r"services|traffic|systems|sites)|every (?:request|customer|user|region|host|site)|complete outage|total outage|"
    r"bsod|blue ?screen\w*|boot loop|core (?:proxy|cdn|traffic)|data (?:loss|lost)|irrecoverabl\w*|site[- ]wide|"
    r"whole site|entire (?:site|service|platform)|nationwide|countrywide|country-wide|across the (?:whole |entire )?country|"
    r"every product|all (?:of )?(?:our|its|the) products|(?:data|everything)\b[\w: ]{0,30}\b(?:is|are|was|were) (?:gone|lost)|"
    r"(?:full|hard) outage|nothing (?:is |was )?(?:serving|working|loading|reachable|up)|"
    r"(?:deleted|lost|wiped|erased|destroyed) (?:all |the )?(?:production|customer|user)s? (?:data|database)|"
    r"(?:production|customer|user)s? (?:data|database) (?:was |were |got |has been |have been )?(?:deleted|lost|wiped|erased|destroyed)|"
    r"going red|status (?:is |set to )?red|major outage|(?:hours?|days?) (?:of )?degraded|degraded for (?:hours|days))\b",
    re.I,
)
_HIGH = re.compile(
    r"\b(?:all|every|everything|outage|down|unavailable|leaked|exposed|breach\w*|corrupt\w*|data loss|deleted|"
    r"secrets?|credentials?|tokens?|5xx|404s?|millions?|fail(?:s|ed|ing)?|broken|errors|crash\w*|"
    r"\d+(?:\.\d+)?[MK]\b)",
    re.I,
)
_MEDIUM = re.compile(
    r"\b(?:some|degraded|partial\w*|intermittent\w*|slow\w*|latency|subset|few|minor|for some|remain operational|"
    r"(?:services|backend) (?:are |is )?(?:running|up|fine)|kept running|not affected|unaffected|workaround|"
    r"no (?:\w+ ){0,3}(?:loss of service|customer impact|user impact))\b",
    re.I,
)
_ACTION_REPORT = re.compile(
    r"^\s*(?:(?:gracefully )?shut down|scaled|re-?queued|re-?ran|re-?started|restarted|rolled back|reverted|re-?deployed|deleted|removed|wiped|"
    r"cleared|purged|rebuilt|restored|re-?enabled|disabled|bumped|moved|migrated|patched|fixed|applied|"
    r"posted|kicked off|triggered a)\b",
    re.I,
)
_FORECAST = re.compile(r"\b(?:will|won['’]t|going to|gonna)\b", re.I)
"""A responder's forecast in chat ("customers will have the same problem"): what may happen, not an impact told."""
_MOST_FAILED = re.compile(
    r"\b(?:(?:[5-9]\d|100)(?:\.\d+)?\s?%|half|most|all) of (?:the |our |all )?(?:[\w-]+ ){0,2}?(?:requests|traffic|queries|"
    r"calls|writes|reads|operations|transactions|connections|logins)\b[^.;]{0,50}?\b(?:fail\w*|errors?|lost|dropped|rejected|"
    r"unavailable|unreachable|timed out|could not)\b",
    re.I,
)
"""Half or more of the service's requests failing ("roughly 50% of requests to App Engine applications failed",
"about half of requests to apps are failing"): an outage of the service as a whole, as critical as "global"."""
_MANY_SERVICES = re.compile(
    r"\b(?:multiple|several|many|numerous)\s+(?:[\w-]+\s+){0,3}?(?:services|apis|products|applications)\b[^.;]{0,40}?,?\s+"
    r"including\s+[^,.;]{2,40},\s*[^,.;]{2,40}?,?\s+(?:and|or)\s+\w",
    re.I,
)
"""The provider's own statement that several of its products failed at once, named one by one ("impact to multiple
AWS APIs in US-EAST-1, including EC2, Route 53 and Connect", "several Microsoft 365 services, including Teams,
Outlook and SharePoint Online"): an outage across the platform, as critical as "every product"."""
_MONEY_MILLIONS = re.compile(
    r"[$€£]\s?\d[\d,.]*\s*(?:million|billion|mn|bn|m|b)\b|\b\d[\d,.]*\s*(?:million|billion|mn|bn|m|b)\s*"
    r"(?:usd|dollars|eur|euros?|gbp|pounds)\b|\b(?:usd|eur|gbp)\s?\d[\d,.]*\s*(?:million|billion|mn|bn|m|b)\b",
    re.I,
)
_MONEY_GONE = re.compile(r"\b(?:lost|loss(?:es)?|frozen|froze|stolen|drained|wiped out|written off)\b", re.I)
"""Money in the millions lost, frozen or stolen ("513,774 ETH frozen, well over 150 million USD", "a $440 million
loss"): critical on its own, as the common SEV-1 definition names a significant financial loss beside an outage."""


def _money_lost(text: str) -> bool:
    """`text` tells money in the millions lost, frozen or stolen."""
    return bool(_MONEY_MILLIONS.search(text) and _MONEY_GONE.search(text))


_REGION_CODE = re.compile(
    r"\b(?:us|eu|ap|asia|europe|northamerica|southamerica|australia|me|sa|ca|af)-"
    r"(?:(?:north|south)(?:east|west)?|east|west|central)-?\d\b",
    re.I,
)
"""A cloud region as providers name it ("us-east1", "eu-west-1", "northamerica-northeast1")."""
SEVERAL_REGIONS = 3
"""Impact told in this many distinct regions at once is a multi-region outage, as critical as "every region"."""
_LARGE = re.compile(r"\b(?:\d[\d,.]*\s*(?:million|billion)|millions|billions)\b", re.I)
"""A count in the millions ("about 3 million certificates affected"): at least high, as a handful of users is low."""
_PEOPLE_MILLIONS = re.compile(
    r"(?:\b\d[\d,.]*\+?\s*(?:million|billion|mn|bn)|\bmillions|\bbillions)\s+(?:of\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:people|users|customers|subscribers|members|players|households|businesses|merchants)\b",
    re.I,
)
"""People hurt in the millions ("more than 10 million people ... were without service", "millions of people had
problems"): an outage for a large share of a major service's users, which the common SEV-1 definition names. A
count of things ("3 million certificates", "millions of state groups") is no such share: it stays at least high."""
_SMALL = re.compile(r"~?\b\d{1,2}(?:\s*-\s*\d{1,2})?\s+(?:developers|users|customers|people|accounts|logins)\b", re.I)


def _millions_hurt(text: str) -> bool:
    """`text` tells people in the millions hurt (not back, not fine)."""
    return bool(_PEOPLE_MILLIONS.search(text) and _HURT.search(text) and not _FINE.search(text))


def _broad(text: str) -> bool:
    """`text` tells an impact as broad as a critical scope word: money in the millions lost, several named products
    failing at once, people in the millions hurt."""
    return _money_lost(text) or bool(_MANY_SERVICES.search(text)) or _millions_hurt(text)


_HURT = re.compile(
    r"\b(?:affected|fail\w*|could not|cannot|can['’]?t|unable|broken|errors?|down(?! (?:to|by)\b)|outage|exposed|leaked|lost|"
    rf"crash\w*|not resolving|5\d\d|5xx|404s?|dropped|throwing|timeouts?|timed out|{_HELD_UP}|takes? \d+|slow\w*|stuck|"
    r"unavailable|unreachable|inaccessible|false positives?|f[ae]ll(?:s)? over|die[ds]?|dying|dead|bluescreen\w*|"
    r"bsod|panic\w*|oom\w*)\b",
    re.I,
)
_ISSUES = re.compile(
    r"\b(?:issues?|problems?|affect\w*|impair\w*|unstable|degraded|unreachable|disrupt\w*|diverg\w*|disagree\w*|"
    r"minority (?:fork|chain)|split brain)\b",
    re.I,
)
_IMPACTED = re.compile(f"{_AFFECT.pattern}|{_ISSUES.pattern}", re.I)
"""A statement of what was hurt: failure words or the issues words ("follow a minority fork", "disagree")."""
_FINE = re.compile(
    r"\b(?:fine|ready|healthy|green|no impact|no (?:\w+ )?errors?|no (?:slow|failed|failing|stuck|broken|dropped|timed[- ]out) \w+|"
    r"unaffected|not affected|processed|theory|normal(?:ly)? again)\b", re.I
)
"""A sentence telling nothing hurt there ("web tier fine", "no errors", "3% cpu, no slow queries")."""


_VERSION_RANGE = re.compile(r"\bv?\d+(?:\.\d+)+\s*(?:\+|and (?:up|above|later|newer)|or (?:later|newer|above))", re.I)
_STATUS_CODE = re.compile(rf"\b[45]\d\ds?\b(?!\s*(?:[\w-]+\s+){{0,2}}?(?:{MAGNITUDE_UNITS})\b)", re.I)
"""An HTTP status ("everything is 404 for them", "make their page 404"): a kind of error, not a count ("500 users"
and "404 errors" stay counts)."""


def quantity(text: str) -> bool:
    """`text` states a quantity: a number that is no time, date, version or part of a name ("vault-meta-1",
    "us-east-1a", "Kafka 0.10.2.1", "7.11 and up" hold digits but count nothing)."""
    return bool(find_numbers(_STATUS_CODE.sub(" ", _VERSION_RANGE.sub(" ", _PLACEHOLDER.sub("", text)))))


_NO_VALUE = re.compile(
    r"^(?:[\w /&-]{1,30}:\s*)?(?:not (?:yet )?(?:assessed|known|measured|estimated|determined|quantified|applicable|"
    r"stated|clear)|unknown|unclear|n/?a|none|tbd|tbc|to be (?:determined|confirmed|assessed)|-+)\W*$",
    re.I,
)
"""A line that says the value is not known ("Revenue: not assessed", "SLA impact: TBD"): it fills no field."""


_RESPONDER_LIMIT = re.compile(
    r"\b(?:i|we|a responder|the on-call engineer|the incident commander|an engineer|the team|responders)\s+(?:\w+\s+){0,2}?"
    r"(?:could not|cannot|can['’]?t|couldn['’]?t|was unable|were unable|did not|didn['’]?t)\b",
    re.I,
)
"""A responder's own limit ("a responder could not even choose which AZ lost a node"): the response, not the impact."""


_ROLE_ACT = re.compile(
    r"\b(?:a responder|the on-call engineer|the incident commander|an engineer|the team)\s+(?:then\s+)?"
    r"(?:[a-z]+ed|ran|put|set|shut|took|made|began|sent|cut)\b"
)
"""A responder's act told by role ("so a responder scaled the cluster down by 1 node"): a step taken, not a count
of what was hurt."""


_AUDIENCE = re.compile(
    r"\b(?:channel|room|call|thread|chat|meeting|bridge)\b[^.;]{0,15}?\b\d+\s+(?:people|members|participants|users)\b|"
    r"\b\d+\s+(?:people|members|participants)\s+(?:in|on)\s+(?:the |this |that |a )?(?:channel|room|call|thread|chat|"
    r"meeting|bridge|it)\b",
    re.I,
)
"""Who reads a channel or joins a call ("a channel with 80 people in it"): an audience, not people affected."""


def _any(text: str) -> bool:
    """A statement that is no responder's act and no all-clear ("roll-over finished, all nodes Ready"); with a
    `told`, `_statements` also leaves out findings, steps taken and recoveries."""
    return not _ROLE_ACT.search(text) and not _FINE.search(text)


def _hurts(text: str) -> bool:
    """A sentence tells what failed or was hurt (not a decision, an action, a finding about the cause or what a
    responder could not do)."""
    return any(
        (_HURT.search(p) or _ISSUES.search(p)) and not _FINE.search(p) and not _RESPONDER_LIMIT.search(p)
        for p in split_sentences(text)
    )


def _quantified(text: str) -> bool:
    """A sentence states a count or share of what was hurt ("85% of the fleet throwing 503s")."""
    return any(has_magnitude(p) and _HURT.search(p) and not _FINE.search(p) for p in split_sentences(text))


def _scoped(text: str) -> bool:
    """A sentence tells where the impact was: a place beside a failure ("issues in one Availability Zone")."""
    return any(_GEO.search(p) and (_HURT.search(p) or _ISSUES.search(p)) for p in split_sentences(text))


_CREW_LABEL = re.compile(
    r"^\W*(?:authors?|written by|editors?|reviewers?|owners?|(?:incident )?(?:coordinators?|commanders?|leads?)|"
    r"responders?|people paged|on-?call|participants?|attendees?)\s*:",
    re.I,
)
"""A line labelled with the people who wrote the document or answered the incident ("Authors: Ana, Bo", "Incident
coordinators: ...")."""
_FILED_BY = re.compile(
    r"^\W*(?:ticket|case)\s*#?\s*[\w-]*\d[\w-]*\b[^.!?\"“]{0,60}?\b(?:opened|created|filed|raised|logged|submitted)\b"
    r"[^\"“]*\bby\b|^\W*(?:reporter|requester|reported by|submitted by|opened by|raised by)\s*:",
    re.I,
)
"""A ticket's header telling who filed it ("Ticket 22081 - opened 12 Aug 2022 06:58 EST by office manager, Riverside
Dental (relayed by account rep Kim)", "Reporter: player \"kite_runner_ph\""): a byline, not who was hurt."""


def _statements(
    a: Analysis,
    pattern: re.Pattern[str],
    *,
    limit: int,
    need_number: bool = False,
    told: Callable[[str], bool] | None = None,
    user_impact: bool = False,
    screened: bool = True,
) -> list[Item]:
    """Statements matching `pattern`, best first; with `told`, only statements of impact for which it holds (no
    mitigation, finding or recovery: "scaled down by 2 nodes" counts nodes, it does not tell who was hurt; without
    `screened`, `told` alone judges a line that mixes a failure with the next step: "forkmon fell over with all the
    connected nodes, restarting it")."""
    scored: list[tuple[float, int, Item]] = []
    for item in a.items:
        if item.is_heading or item.is_title or item.is_meta or item.background or item.done or item.source in ("log", "alert"):
            continue  # (a ticked step, "[x] reset passwords for all accounts", is what was done, not who was hurt)
        if item.source == "pager" and item.sub != "note":
            continue  # a responder's note on the page is a statement; the page itself is a machine line
        if not pattern.search(item.body) or _NO_VALUE.match(item.body.strip()):
            continue
        if _CREW_LABEL.match(item.body) or _FILED_BY.match(item.body):
            continue  # "Authors: ...", "Incident coordinators: ...; Responders: 4": who wrote it or answered, not who was hurt
        if any(MITIGATION_LABEL.match(t) or ADVICE_LABEL.match(t) for t in (item.body, f"{item.heading}:")):
            continue  # "Fix: ... error handling and user feedback", "Lessons: ... find out before users do" (or under
            # such a heading): what was done, learnt or is to do, not who was hurt
        if item.source == "chat" and (_ACTION_REPORT.match(item.body) or _FORECAST.search(item.body)):
            continue  # "re-queued every failed crate": a responder's action, not an impact statement (nor a forecast)
        sig = a.sig(item)
        if sig.followup or sig.resolved or sig.mit_done or HYPOTHESIS.search(item.body):
            continue
        if user_impact and not _user_impact(a, item):
            continue
        text = a.statement(item)
        if not text:
            continue
        has_number = quantity(text)
        if need_number and not has_number:
            continue
        if told is not None and (
            screened and (sig.mitigation or sig.finding or sig.recovery_weak or item.heading_tag == "cause")
            or _ACTION_REPORT.match(item.body) or not told(text)
        ):  # fmt: skip
            continue
        score = 2.0 * has_number + 1.0 * bool(_AFFECT.search(text)) + 1.0 * (item.source in ("notes", "status"))
        score += 2.0 * bool(_MAGNITUDE.search(text))
        score += 0.5 * bool(item.heading_tag in ("impact", "facts"))
        scored.append((score, item.order, item))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [t[2] for t in scored[:limit]]


_BACK_AT = re.compile(r"^\W*(?:(?:the )?(?:site|service|api|everything|all) (?:is |was )?)?back (?:at|up|online|to normal)\b", re.I)
"""A line opening with the recovery ("Back at 02:06 after delete + restart"): when it ended, not what it cost."""


_NOTICED_LAG = re.compile(
    r"\b(?:before|until|till) (?:anyone|anybody|someone|somebody|we|they|nobody|the team|on-?call) (?:\w+ )?"
    r"(?:noticed|saw|spotted|realised|realized|caught|knew)\b",
    re.I,
)
"""How long the failure went unseen ("~30 min before anyone noticed", "hours until we noticed")."""


def _user_impact(a: Analysis, item: Item) -> bool:
    """Whether an item may fill a user-impact field (users affected, functional impact): not money paid back or
    lost (the revenue and SLA fields' evidence), not a recovery ("... back online", "every instance is up",
    "all systems verified operational" tell the scope of the recovery, not of the impact)."""
    sig = a.sig(item)
    if sig.resolved or sig.recovery_full or sig.recovery_weak or BACK_UP.search(item.body) or _BACK_AT.match(item.body):
        return False
    if _NOTICED_LAG.search(item.body):
        return False  # "cache layers -> ~30 min before anyone noticed": how late it was seen, not who was hurt
    return not _COMPENSATION.search(item.body)


_STATUS_LABEL = re.compile(rf"^{STATUS_LABEL}", re.I)
_FIELD_LABEL = re.compile(
    r"^(?:(?:user|customer|business|functional)\s+)?(?:impact|scope|users affected|who was affected|who)\s*:\s*", re.I
)
_WHO_LABEL = re.compile(
    r"^\W*(?:who|who (?:was|is|were) (?:affected|hit|impacted)|affected (?:users|customers)|(?:users|customers) (?:affected|impacted))\s*:\s*\S",
    re.I,
)
"""A line labelled with who was hurt ("Who: anyone who installed ...", "Customers affected: all"): the users field
(not "Affected: dashboard, API", which lists what broke)."""
"""A notes line's own label ("Impact: 18:26 to 19:58 most APIs answered with HTTP 500"): the field says it already."""
_FRAME_ONLY = re.compile(
    r"^(?:we are|we['’]re|we have been|we)\s+(?:(?:still|currently|actively)\s+)?(?:investigating|looking into (?:it|this|the issue)|"
    r"working on (?:it|a fix)|monitoring|watching)\b[^.]{0,40}\.?$|^a fix is (?:under ?way|being (?:worked on|deployed))\.?$|"
    r"^(?:the )?next update (?:in|at|within|by)\b[^.]{0,40}\.?$|^(?:more|further) updates? (?:to follow|soon|will follow)\.?$",
    re.I,
)
"""A status post's sentence that tells only what the team is doing or when it posts next ("We are investigating.",
"We are looking into it.", "Next update in 30 minutes.", "More updates to follow."): no fact about the impact."""
_FRAGMENT_END = re.compile(r"\b(?:a|an|the|of|to|for|with|and|or|in|on|at|by|from|that|were|was|is|are)\.$", re.I)
"""A sentence cut where a line wrapped ("... were not sized for a."): no sentence a claim can tell."""
_REPORTING = re.compile(
    rf"^(?:{STATUS_LABEL})?"
    r"(?:we(?:['’]re| are| have been)? (?:currently |still )?(?:investigating|aware of|looking into|seeing|see|"
    r"observing|monitoring|experiencing|working to (?:address|resolve|fix|mitigate))\s+(?:(?:reports?|an issue) (?:of|that|with)\s+)?)",
    re.I,
)
"""The frame of a status post ("Investigating - We are aware of DNS issues affecting …"): the claim is the fact."""


def _fact(text: str) -> str:
    """A statement told as the fact, without a status post's label and first-person frame ("Investigating - All
    instances are unavailable. We are investigating." is "All instances are unavailable."), nor a sentence cut
    where its line wrapped, nor a question asked beside it."""
    out = _REPORTING.sub("", text, count=1)
    if out == text or len(out.split()) < 3:
        out = text
    elif re.match(r"(?:an?|some)\s", out, re.I) and not has_verb(split_sentences(out)[0]):
        out = f"There was {out}"  # "We are investigating an issue affecting Storage in all regions": there was one
    label = _FIELD_LABEL.sub("", _STATUS_LABEL.sub("", out, count=1), count=1)
    if len(label.split()) >= 3:
        out = label
    # a question asked beside the fact ("anyone else seeing flyd complain about consul? getting a wall of handshake
    # failures") states nothing: the fact is what follows it
    # only the last sentence can be one cut where its line wrapped (its stop was added): a stop the writer put before
    # another sentence ends a whole one ("support had 23 tickets, one with a key pasted in. deleting it")
    parts = split_sentences(out)
    kept = [
        p for n, p in enumerate(parts, 1)
        if not _FRAME_ONLY.match(p.strip()) and not (n == len(parts) and _FRAGMENT_END.search(p.strip()))
        and not p.strip().endswith("?") and not ALSO_SEEING.match(p)
    ]  # fmt: skip
    if kept:
        out = " ".join(kept)
    return upper_first(out)


_OPENS_FIRST_PERSON = re.compile(r"^\W*(?:I(?=\s)|I['’](?:m|ve|d|ll)\b|[Ww]e\b|[Ww]e['’](?:re|ve|d|ll)\b|[Yy]ou\b)")
"""A sentence in its writer's voice ("We apologise to all customers affected", "We would also email an announcement",
"I installed the nightly with pip"): what the writer did or felt, not a fact of the impact a field can tell."""


def _third_person(text: str) -> str:
    """`text`, or nothing when it opens in the writer's own voice (`_OPENS_FIRST_PERSON`): the rest of such a
    statement ("We apologise to all customers affected by this outage. A detailed post mortem would follow") is
    more of that voice."""
    return "" if _OPENS_FIRST_PERSON.match(text.strip()) else text


def _claim(a: Analysis, items: list[Item]) -> dict[str, Any]:
    """The statements as one claim, told in the past ("Builds start failing" in notes is "Builds started failing");
    a statement in the writer's own voice fills no field."""
    facts = [(i, fact) for i in items if (fact := _third_person(_fact(a.statement(i))))]
    if not facts:
        return {"text": NOT_STATED, "evidence": []}
    told = [capitalise_sentences(past_tense(fact)) for _, fact in facts]
    return {"text": " ".join(told), "evidence": [i.id for i, _ in facts]}


def span_minutes(start: datetime, end: datetime) -> int:
    """Whole minutes between two evidence times, rounded the one way every section states a duration (so the
    summary's "17 hours and 8 minutes" and the impact's 1028 minutes never disagree over a half minute)."""
    return round((end - start).total_seconds() / 60)


def duration_minutes(a: Analysis) -> int | None:
    m = a.milestones
    if m.started and m.resolved and (m.started.date_only or m.resolved.date_only):
        return None  # a day without a time cannot end a duration
    if m.started and m.resolved and m.started.at and m.resolved.at and m.resolved.at >= m.started.at:
        return span_minutes(m.started.at, m.resolved.at)
    return None


def _hhmm(item: Item, with_date: bool) -> str:
    assert item.at is not None
    if item.date_only:
        return item.at.strftime("%Y-%m-%d") + ", time not stated"
    return item.at.strftime("%Y-%m-%d %H:%M UTC" if with_date else "%H:%M UTC")


def duration_claim(a: Analysis) -> dict[str, Any]:
    if not a.has_timestamps:
        return {"text": NO_TIMES, "evidence": []}
    m = a.milestones
    minutes = duration_minutes(a)
    if minutes is not None and m.started and m.resolved and m.started.at and m.resolved.at:
        span_days = m.started.at.date() != m.resolved.at.date()
        text = (
            f"About {minutes} minutes, from the first sign of impact at {_hhmm(m.started, True)} "
            f"to resolution at {_hhmm(m.resolved, span_days)}."
        )
        return {"text": text, "evidence": [m.started.id, m.resolved.id]}
    if m.started and m.started.at and m.started.date_only and m.resolved and m.resolved.at and not m.resolved.date_only:
        # a start told by its day only: the end is known, the length is not
        told, ids = [f"Impact began on {_hhmm(m.started, True)}"], [m.started.id]
        if m.mitigated and m.mitigated.at and m.mitigated is not m.resolved:
            told.append(f"it was mitigated at {_hhmm(m.mitigated, True)}")
            ids.append(m.mitigated.id)
        told.append(f"it was resolved at {_hhmm(m.resolved, True)}")
        ids.append(m.resolved.id)
        return {"text": "; ".join(told) + ". Without a start time its length is not stated.", "evidence": ids}
    first = m.started if m.started and m.started.at else m.detected
    if (
        m.resolved and m.resolved.at and m.resolved.date_only and first is not None
        and (least := _at_least(first, m.resolved, by_clock=not first.date_only))
    ):  # fmt: skip
        # an end told by its day only ("Monday: services reachable again"): it lasted at least until that day began
        since = "the first sign of impact" if first is m.started else "detection"
        lead = f"About {least}" if first.date_only else f"At least {least}"
        end = "mitigation and resolution" if m.mitigated is m.resolved else "resolution"
        text = f"{lead}, from {since} {_when(first)} to {end} {_when(m.resolved)}."
        return {"text": text, "evidence": [first.id, m.resolved.id]}
    if m.mitigated and m.mitigated.at and first is not None and (least := _at_least(first, m.mitigated)):
        # without a resolution the span to mitigation is a lower bound on how long impact lasted
        since = "the first sign of impact" if first is m.started else "detection"
        lead = f"About {least} or more" if first.date_only or m.mitigated.date_only else f"At least {least}"
        text = (
            f"{lead}, from {since} {_when(first)} to mitigation {_when(m.mitigated)}; "
            "the end of impact is not stated in the materials."
        )
        return {"text": text, "evidence": [first.id, m.mitigated.id]}
    parts, ids = [], []
    if m.started and m.started.at:
        parts.append(f"Impact began at {_hhmm(m.started, True)}")
        ids.append(m.started.id)
    if m.mitigated and m.mitigated.at:
        parts.append(f"it was mitigated at {_hhmm(m.mitigated, True)}")
        ids.append(m.mitigated.id)
    if not parts:
        return {"text": NOT_STATED, "evidence": []}
    return {"text": "; ".join(parts) + ". The end of impact is not stated in the materials.", "evidence": ids}


def _when(item: Item) -> str:
    assert item.at is not None
    return f"on {item.at:%Y-%m-%d} (time not stated)" if item.date_only else f"at {_hhmm(item, True)}"


def _at_least(first: Item, last: Item, *, by_clock: bool = False) -> str:
    """The span from `first` to `last` ("78 minutes", "5 hours"; "10 days" by the calendar when an end has only a
    date, unless `by_clock`: then to that day's start; "" when none)."""
    if first.at is None or last.at is None or last.at <= first.at:
        return ""
    if (first.date_only or last.date_only) and not by_clock:
        days = (last.at.date() - first.at.date()).days
        return f"{days} day{'s' * (days != 1)}" if days >= 1 else ""
    minutes = (last.at - first.at).total_seconds() / 60
    if minutes < 1:
        return ""
    if minutes < 120:
        return f"{round(minutes)} minutes"
    if minutes < 72 * 60:
        return f"{round(minutes / 60)} hours"
    return f"{int(minutes // 1440)} days"  # a lower bound: 5 days 17 hours is at least 5 days, not 6


_INTERNAL_COMMS = re.compile(rf"\b(?:{COORDINATION}|(?:their|[\w-]+['’]s) status ?page)\b", re.I)
"""The responders' own coordination ("declaring an incident, I'll lead") or a look at a provider's status page ("their
status page has a minor incident"): no word to customers."""


def _communications(a: Analysis) -> dict[str, Any]:
    # a notice's recap of the whole incident ("Timeline: 12:48 PM UTC configuration deployed ... 3:30 PM UTC issue
    # discovered ...") tells the incident, not an update given during it
    posts = [(it, s) for it, s in a.timed if it.source == "status" and not s.summary]
    posts = posts or [
        (it, s) for it, s in a.timed
        if s.phase == "communication" and not s.hypothesis and not _INTERNAL_COMMS.search(it.body)
    ]  # fmt: skip
    if not posts:
        return {"text": NOT_STATED, "evidence": []}
    chosen = posts[:4] if len(posts) <= 4 else posts[:2] + posts[-2:]
    multi_day = len({it.at.date() for it, _ in chosen if it.at}) > 1
    parts = []
    for it, _ in chosen:
        words = a.say(it, narrative=True).split()
        if not words:
            continue
        # each sentence of the update starts with a capital ("that goes in the write-up. a process thing" -> "That goes
        # in the write-up. A process thing")
        parts.append(f"{_hhmm(it, multi_day)}: {capitalise_sentences(' '.join(words[:18]))}{' ...' if len(words) > 18 else ''}")
    if not parts:
        return {"text": NOT_STATED, "evidence": []}
    text = "Updates in the materials - " + "; ".join(parts)
    if not text.endswith((".", "!", "?")):  # "... after-effects." or a cut "... that ..." ends the sentence already
        text += "."
    return {"text": text, "evidence": [it.id for it, _ in chosen]}


def _distinct(pattern: re.Pattern[str], text: str) -> list[str]:
    """Distinct matches, one per word family ("fail", "failed", "failing" count once)."""
    seen: dict[str, str] = {}
    for m in pattern.finditer(text):
        word = m.group(0).lower()
        seen.setdefault(re.sub(r"(?:ing|ed|es|s)$", "", word) if len(word) > 4 else word, word)
    return sorted(seen.values())


_DECLARED = re.compile(r"\bsev(?:erity)?[ -]?(?:level )?(?P<n>[0-5])\b(?![.\d])", re.I)
"""A severity the responders declared ("declaring an internal incident, SEV1"; "raised to sev-2")."""
_SEV_LEVEL = {0: "critical", 1: "critical", 2: "high", 3: "medium", 4: "low", 5: "low"}
"""The common SEV scale: SEV-1 critical (outage, data loss), SEV-2 major, SEV-3 minor, SEV-4/5 low."""


_DECLARED_WORD = re.compile(
    r"\bsev(?:erity)?\s+(?:(?:is\s+)?(?:now\s+)?(?:raised|bumped|upgraded|escalated|increased|set|lowered|downgraded|changed)\s+)?"
    r"to\s+(?P<w>critical|major|high|medium|moderate|minor|low)\b",
    re.I,
)
"""A severity the responders set by its name ("bumping severity to Critical", "Severity raised to Critical while we
monitor"): the level the incident was given, not a ticket's own priority label."""
_WORD_LEVEL = {"critical": 1, "major": 2, "high": 2, "medium": 3, "moderate": 3, "minor": 3, "low": 4}


def declared_severity(a: Analysis) -> str | None:
    """The most severe level the responders declared in their own words (chat, notes, page notes, tickets; an
    alert's `severity=critical` label grades the alert, not the incident, and so does the level a bot posts with an
    alarm in chat: "[ALARM] … error rate over threshold (sev2 page)")."""
    best: int | None = None
    for item in a.items:
        if item.source in ("log", "alert") or (item.source == "pager" and item.sub != "note"):
            continue
        if is_bot_post(item):
            continue
        sig = a.sig(item)
        if sig.hypothesis or sig.followup:
            continue
        m = _DECLARED.search(item.body)
        if m is not None and (best is None or int(m["n"]) < best):
            best = int(m["n"])
        w = _DECLARED_WORD.search(item.body)
        if w is not None and (best is None or _WORD_LEVEL[w["w"].lower()] < best):
            best = _WORD_LEVEL[w["w"].lower()]
    return None if best is None else _SEV_LEVEL[best]


def severity(a: Analysis, texts: list[str]) -> tuple[str, str]:
    """(severity, rationale): the level the responders declared, else estimated from scope words in the impact
    statements, the title and the duration."""
    declared = declared_severity(a)
    if declared is not None:
        # told without the level's number: a rationale cites no evidence, so a number in it would be ungrounded
        return declared, f"The responders declared the incident's severity themselves ({declared} on the common SEV scale)."
    # "scaled down by 2 nodes", "lag coming down": no outage (the words classify reads the same way)
    blob = DOWN_NOT_FAILING.sub(" ", " ".join([a.title or "", *texts]))
    critical = _distinct(_CRITICAL, blob)
    if _MOST_FAILED.search(blob):
        critical.append("most requests failing")
    if _MANY_SERVICES.search(blob):
        critical.append("several named products failing")
    if any(_millions_hurt(t) for t in texts):
        critical.append("millions of people affected")
    if any(len({r.lower() for r in _REGION_CODE.findall(t)}) >= SEVERAL_REGIONS for t in texts):
        critical.append("several regions")
    high = _distinct(_HIGH, blob)
    medium = _distinct(_MEDIUM, blob)
    small = bool(_SMALL.search(blob))
    minutes = duration_minutes(a)
    score = 3.0 * len(critical) + 1.0 * min(len(high), 5) - 1.5 * len(medium) - 4.0 * small
    if minutes is not None:
        score += 1.0 * (minutes >= 60) + 1.0 * (minutes >= 4 * 60)
    money = [t for t in texts if _money_lost(t)]
    if money:
        critical.append("money lost in the millions")
    if len(critical) >= 2 or score >= 8 or money:
        level = "critical"
    elif score >= 3 or any(_LARGE.search(t) and _HURT.search(t) for t in texts):
        level = "high"
    elif (small and not critical) or score < -3:
        level = "low"
    else:
        level = "medium"
    words = [w for w in critical + high + medium if not _NUMBER.search(w)][:6]
    reason = f"Estimated {level} from the scope the materials describe"
    if words:
        reason += " (" + ", ".join(f"'{w}'" for w in words) + ")"
    if small:
        reason += ", with a small stated number of affected users"
    if minutes is not None:
        reason += f" and an impact of about {minutes} minutes"
    return level, reason + "."


_STATUS_HEDGE = re.compile(r"\b(?:for\s+)?some\b|\ba\s+subset\s+of\b", re.I)
"""A public status post's customary hedge ("connectivity issues affecting some EC2 instances", "a subset of
customers may have issues"): status pages word every impact so, from a single zone to a global outage, so the
hedge tells nothing about how narrow the impact was (a responder's "some users" in chat or notes still does)."""


def _unhedged(item: Item, text: str) -> str:
    """`text` without a status post's customary hedge (other sources keep theirs)."""
    return _STATUS_HEDGE.sub(" ", text) if item.source == "status" else text


def _impact_texts(a: Analysis, claims: list[Item]) -> list[str]:
    """What the severity estimate reads: impact claims, early reports of impact, the first public post; never a
    recovery ("all systems verified operational", "all customers back online" tell the scope of the recovery)."""

    def recovery(item: Item) -> bool:
        sig = a.sig(item)
        return sig.resolved or bool(sig.recovery_full) or sig.recovery_weak

    seen = {i.id: i for i in claims if not recovery(i)}
    early = [
        it
        for it, s in a.timed
        if s.phase in ("impact_start", "detection") and it.source not in ("log", "alert", "pager") and not s.hypothesis
    ][:6]
    for it in early:
        seen.setdefault(it.id, it)
    texts = [_unhedged(i, a.statement(i)) for i in seen.values()]
    posts = [it for it, s in a.timed if it.source == "status" and not s.resolved and not s.mit_done][:3]
    texts += [_unhedged(it, a.say(it)) for it in posts]
    # scope words as strong as "global" or "data loss" count wherever responders state them
    for item in a.items:
        sig = a.sig(item)
        if item.source in ("log", "alert") or sig.followup or sig.phase == "mitigation":
            continue
        if recovery(item):
            continue
        if _CRITICAL.search(item.body) and (said := a.say(item)):
            # a hedge after the words does not take them back ("we deleted production data and might have to
            # restore from backup"); one before them does ("maybe the data is gone")
            told = [m.group(0) for m in _CRITICAL.finditer(said) if not HYPOTHESIS.search(said[: m.end()])]
            if told:
                texts.append(" ".join(told))
        # money lost, several named products failing and people hurt in the millions count wherever responders
        # state them, as scope words as strong do
        if _broad(item.body) and not sig.hypothesis and (said := a.say(item)):
            texts.append(said)
    return [t for t in texts if t]


def _claim_items(a: Analysis) -> tuple[list[Item], list[Item], list[Item]]:
    """(users affected, functional impact, geographic scope) statements."""
    quantified = _statements(a, _AFFECT, limit=2, told=_quantified, user_impact=True)
    # a number, not a digit in a name ("vault-meta-1 failed"); never from a finding, a step taken or a recovery
    # ("the rebuild tool tripped over ... the old account id", "decided to rebuild all server state")
    counted = _statements(a, _USERS, limit=2, need_number=True, user_impact=True, told=_any)
    # "all"/"every"/"N nodes" tell the scope of the impact only beside a failure ("cluster scaled from 7 to 10 nodes")
    scoped = [
        i for i in _statements(a, _MAGNITUDE, limit=1, user_impact=True, told=lambda t: _any(t) and _hurts(t))
        if i not in counted
    ]
    # without a count or share, only a statement about the people affected fills the field (a "build server"
    # is not who was affected): otherwise it abstains (issue 11)
    # a line the notes label with who was hurt ("- Who: anyone who installed the nightly on Linux via pip ...") says it
    labelled = [i for i in _statements(a, _WHO_LABEL, limit=1, user_impact=True) if _WHO_LABEL.match(i.body)]
    users = labelled or quantified or (scoped + counted)[:2] or _statements(a, _PEOPLE, limit=1, user_impact=True, told=_any)
    users = [i for i in users if not _AUDIENCE.search(i.body)]  # "a channel with 80 people in it": no one hurt
    m = a.milestones
    # an untimed line under a heading of its own ("## Problem": "Cannot add AZs to an existing cluster") tells a
    # condition; what broke is timed, or written under an impact, facts or timeline heading
    affect = [
        i for i in _statements(a, _IMPACTED, limit=4, user_impact=True, told=_hurts, screened=False)
        if i.at is not None or i.heading_tag in (None, "impact", "facts", "timeline")
    ][:1]
    reported = [i for i in (m.detected, m.started) if i is not None and i.source not in ("log", "alert", "pager")]
    # a milestone's line tells the impact only when it states what failed ("paged for the SLO burn", "offsets
    # are ahead of what kafka acked, resetting them" tell the response, not what users lost)
    reported = [
        i for i in reported if a.statement(i) and not HYPOTHESIS.search(i.body) and i not in affect and _user_impact(a, i)
        and (_HURT.search(i.body) or _ISSUES.search(i.body)) and not a.sig(i).page
    ]
    functional = (affect + reported)[:2]
    return users, functional, _statements(a, _GEO, limit=1, told=_scoped)


_LEVEL = re.compile(r"\b(?:ERROR|ERR|FATAL|CRIT(?:ICAL)?|WARN(?:ING)?|EMERG|ALERT|INFO|NOTICE)\b:?\s*")


def log_magnitude(a: Analysis, start: datetime | None, end: datetime | None) -> tuple[str, list[str]]:
    """The most repeated failure in the logs within the impact window, labelled by its message: ('The logs
    recorded 16 such failures (rustdoc failed: …) from … to … UTC', ids); ('', []) when no failure repeats."""
    best = None
    for item in a.items:
        if item.source != "log" or item.count < 2 or not a.sig(item).failure or item.at is None:
            continue
        if start and end and not (start <= item.at <= end):
            continue
        if best is None or item.count > best.count:
            best = item
    if best is None:
        return "", []
    m = _LEVEL.search(best.body)
    message = best.body[m.end() :] if m else best.body
    message = re.sub(r"^(?:\S+=\S+\s*)+(?:[\d.]+)?:\s*", "", message).strip()
    # the label is the message's own words: not the note of values a condensed line carries, nor a sentence's stop
    message = VALUES_NOTE.sub("", message).rstrip(" .")
    message = a.people.anonymise(message)  # a name in a log line is told by role, as everywhere else
    # worded as all prose is ("Failed to allocate" is "did not allocate"): a label for the failures, not a quote
    message = blameless(message, strict=False) or message
    last = getattr(best, "last_at", None)
    span = ""
    if isinstance(last, datetime):
        first_at, last_at = f"{best.at:%Y-%m-%d %H:%M}", f"{last:%Y-%m-%d %H:%M}"
        # "3 such failures at 21:30", not "from 21:30 to 21:30"
        span = f" at {first_at} UTC" if first_at == last_at else f" from {first_at} to {last_at} UTC"
    label = failure_label(message)
    return f"The logs recorded {best.count} such failures{f' ({label})' if label else ''}{span}", [best.id]


_SYSLOG_HEAD = re.compile(r"^[\w.-]+\s+[\w./-]+\[\d+\]:\s*")
"""A syslog line's host and process ("ops-bastion dnswatch[4121]: "): where the line came from, not what failed."""
_LABEL_LIMIT = 90
_LABEL_MIN = 30


def _balanced(text: str) -> bool:
    return text.count("(") == text.count(")") and text.count('"') % 2 == 0 and text.count("`") % 2 == 0


def failure_label(message: str) -> str:
    """A repeated log message as the label of the failures it counts: without the syslog host and process, cut at a
    clause break when it is long ("bot_management: thread 'fl2-worker-59' panicked: called `Result::unwrap()` ..." ->
    "bot_management: thread 'fl2-worker-59' panicked"); "" when no whole part fits or a bracket or quote is left open
    (a label is never cut mid-word into "... (memory limit ...")."""
    text = _SYSLOG_HEAD.sub("", message).strip()
    if len(text) <= _LABEL_LIMIT:
        return text if _balanced(text) else ""
    head = text[:_LABEL_LIMIT]
    for sep in (" (", ": ", "; ", ", ", " -> "):
        cut = head.rfind(sep)
        if cut >= _LABEL_MIN and _balanced(text[:cut]):
            return text[:cut].rstrip(" ,;:")
    return ""


def _functional_claim(a: Analysis, items: list[Item]) -> dict[str, Any]:
    """The functional impact; a statement without a magnitude gets the count of failures the logs recorded in
    the impact window ("The logs recorded 16 such failures (rustdoc failed: …)"), citing the counted line."""
    claim = _claim(a, items)
    if not claim["evidence"] or has_magnitude(claim["text"]):
        return claim
    m = a.milestones
    start = m.started.at if m.started is not None else None
    end = m.resolved.at if m.resolved is not None else None
    magnitude, ids = log_magnitude(a, start, end)
    if not magnitude:
        return claim
    return {"text": f"{claim['text'].rstrip()} {magnitude}.", "evidence": [*claim["evidence"], *ids]}


def _scope_statements(a: Analysis) -> list[Item]:
    """The statements of a count or an extent that the severity reads beside the claims shown ("every ...", "all
    ...", "N hosts ..."): the estimate weighs the scope the materials describe, not only the sentences a field
    may show (a field leaves out a count beside no failure; the scope word in it still tells how wide it was).
    Not the claims' own reads, which screen out findings, steps and all-clears: "so millions of rooms. other servers
    are fine" fills no field, yet its count still tells how wide the impact was."""
    return _statements(a, _MAGNITUDE, limit=1, user_impact=True) + _statements(
        a, _USERS, limit=2, need_number=True, user_impact=True
    )


def _claims_severity(a: Analysis, claims: tuple[list[Item], list[Item], list[Item]]) -> tuple[str, str]:
    """The severity estimate and its rationale from the claims' statements and the scope statements beside them."""
    users, functional, geo = claims
    return severity(a, _impact_texts(a, [*users, *functional, *geo, *_scope_statements(a)]))


def impact_severity(a: Analysis) -> tuple[str, str]:
    """The severity estimate and its rationale (the same every section sees)."""
    return _claims_severity(a, _claim_items(a))


def draft_impact(a: Analysis) -> dict[str, Any]:
    """An ImpactSection as a dict."""
    claims = _claim_items(a)
    users, functional_items, geo = claims
    money = _statements(a, _MONEY, limit=1)
    # "paged for the ingest latency SLO burn" tells how it was detected, not what the SLA lost
    sla = [
        i for i in _statements(a, _SLA, limit=3)
        if _SLA.search(_SLO_MONITOR.sub(" ", i.body)) and not (i.source == "chat" and a.sig(i).page)
    ][:1]
    reputation = [i for i in _statements(a, _REPUTATION, limit=3) if not _NOT_STANDING.search(i.body)][:1]
    level, rationale = _claims_severity(a, claims)
    return {
        "severity": level,
        "severity_rationale": rationale,
        "duration_minutes": duration_minutes(a),
        "users_affected": _claim(a, users),
        "duration_of_impact": duration_claim(a),
        "geographic_scope": _claim(a, geo),
        "functional_impact": _functional_claim(a, functional_items),
        "revenue_impact": _claim(a, money),
        "sla_impact": _claim(a, sla),
        "customer_communications": _communications(a),
        "reputation_impact": _claim(a, reputation),
    }
