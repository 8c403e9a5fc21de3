"""Phase classification of evidence by keyword and pattern scoring over text, source and actor.

Each item gets `Signals`: flags for what it shows (a page, a change reaching production, a failure,
a mitigation done or in progress, recovery, resolution, a communication, a causal statement, a
follow-up) and one phase, decided by a fixed precedence over those flags. The timeline builder
later adjusts phases by time (an error line after detection is investigation, not impact start).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pmstudio.lints.quantities import find_times
from pmstudio.offline.items import MONITOR_CLEARED, MONITOR_STATE, Item
from pmstudio.offline.people import is_bot_post
from pmstudio.offline.tone import ALSO_SEEING, ME_TOO, TOLD_YOU
from pmstudio.parsers.structured import INFO_SEVERITIES, QUIET_SEVERITIES
from pmstudio.redact import URL
from pmstudio.schema import Phase


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


CHANGE = _rx(
    r"\b(?:deploy(?:ed)?|rolled out|rolling out|roll(?:ing)? out to|rollout (?:started|to)|promot(?:ed|e)|publish(?:ed)?|"
    r"releas(?:ed)|pushed|push(?:ed|ing)? (?:a|the|my|our) |merged|shipped|went (?:out )?to prod\w*|flipped|"
    r"upgraded|migrated|changed (?:the )?\w+|updated|applied [\w -]*change|change (?:is )?rolling|"
    r"access-control change|config(?:uration)? (?:change|push)|started \(scheduled\)|new certificate)\b"
)
NOT_CHANGE = _rx(
    r"\b(?:roll(?:ed|ing)?[ -]?back|rollback|revert\w*|unpublish\w*|status page|smoke test|fix|"
    r"(?:deploy(?:ment)?|change|code|release) freeze|deploy (?:tokens?|keys?|user|credentials?|password))\b|"
    r"\bdeploy env(?:ironment)?(?: var(?:iable)?s?)?:?\s+[A-Z][A-Z0-9_]+=|"
    r"\b(?:no|not|nothing|none|never|without)\b[^.;]{0,12}\b(?:deploy\w*|releas\w*|shipped|pushed|changes?|changed)\b|"
    r"\b(?:thing|what|anything|something)s? (?:that )?(?:has |had |have )?changed\b|"
    r"\bnot it\W*$|"
    r"\b(?:deploy(?:ment)?s?|builds?|releases?|pipelines?)\s+(?:(?:has|have|had|is|are|was|were|been|still|all)\s+)*"
    r"(?:waiting|stuck|queued|pending|hanging|hung|blocked)\b"
)
"""A line that is no change reaching production: a rollback, a fix, a freeze on changes, a change denied ("no deploy
in the window", "nothing deployed today that I can see", "we have not changed anything"), a change ruled out ("deploy
diff is frontend only, not it"), a question of what changed ("only thing that changed today is the crawler block"
looks back at a change told elsewhere), or a deploy held up ("our production deploy has been waiting since 03:20"):
the symptom, nothing reached production; nor does a deploy's printout of its environment ("deploy env:
SENTRY_DSN=…")."""
LATE_CHANGE = _rx(
    r"\b(?:scal(?:ed|ing) (?:[\w-]+ ){0,3}(?:from \d+ to \d+|up \d+|out \d+)|enabl(?:ed|ing) (?!again\b)[\w-]+ [\w-]+|"
    r"turned on|change (?:is |now )?(?:out|on|live) |launch template [\w-]+ updated|image=\S+|"
    r"maintenance(?: [\w-]+){0,2} (?:started|starts|kicked off|began|begins)|"
    r"(?:started|starting|began|kicked off) (?:the |a |our )?(?:planned |scheduled |routine )?maintenance)"
)
"""Changes a trigger may be (scaling a cluster from 7 to 10 nodes, enabling a feature) that the timeline does
not count as a change reaching production."""
CLOCKED_WORDS = r"(?:has |had |have )?expired|notafter|leap second|power (?:loss|failure|outage|cut)|overheat\w*|heat ?wave"
"""A condition of the clock or the building that comes due by itself: an expiry, a leap second, a power cut, heat."""
TRIGGER_CONDITION = _rx(
    rf"\b(?:{CLOCKED_WORDS}|cooling|hvac|"
    r"(?:disk|partition|volume)s? (?:is |was |were )?(?:full|at 100 ?%)|(?:/|disk|partition) (?:is )?at 100 ?%|"
    r"100 ?% (?:full|disk|used)|no space left|out of (?:disk|memory|space|ip)|not enough free ip\w*|"
    r"(?:ate|eats|eating|filled|fills|filling|used up|uses up|consumed|consumes|exhausted|exhausts)(?: up)? (?:all )?(?:of )?"
    r"(?:the |its |our )?(?:remaining |available |free )?(?:disk|storage|space)(?! (?:quota )?(?:alert|alarm|check)s?\b)|"
    r"(?:traffic|requests?|load|quer(?:y|ies)|volume) (?:spike|surge|jump)\w*|surg(?:e|ed|ing)|"
    r"(?:\d+(?:\.\d+)?|ten|twenty)x (?:the )?(?:normal|usual|baseline|traffic|increase|more))\b"
)
"""A condition that sets an incident off without a change: an expiry, heat, a full disk, a surge of traffic."""
DISASTER = (
    r"(?:fire|blaze) (?:breaks|broke|broken|started|starts|began|begins|spread\w*)|(?:caught|on) fire|"
    r"(?:fire|blaze|smoke|flood\w*) (?:in|from) (?:the |one |a )(?:[\w-]+ ){0,2}?(?:rooms?|buildings?|halls?|"
    r"data ?cent(?:er|re)s?|dcs?|facility|site|racks?)|(?:getting|got|being|been|is|are|was|were) flooded|"
    r"power (?:cut|loss|lost|outage|failure)|(?:lost|losing|loses) (?:all )?(?:mains )?power"
)
"""A physical failure of a site: a fire, smoke or a flood in a building, the power cut or lost ("fire breaks out in
a room of SBG2", "power cut to the entire campus"), or one flooded with traffic ("nameservers getting flooded"); not an
alert that fires ("alerts fire on disk usage") nor a protocol's flooding ("flooding purge")."""
NOT_WORKING = (
    r"(?<!\bwho )(?<!\bwho was )(?<!\bwho is )(?<!\bif )(?<!\bif it['’]s )(?:not|(?:is|are|was|were)n['’]t) "
    r"(?:working|loading|responding|opening|booting|connecting)(?! (?:on|an?|the|today|tonight|here|out|it|from home)\b)|"
    r"(?<!\bif it )(?:(?:does|do|did|wo)n['’]t|(?:does|do|did|will) not) (?:load|work|open|boot|connect)"
    r"(?! (?:on|an?|the|out|it|test\w*)\b)"
)
"""A thing told not working ("MAP not loading either", "checkout isn't working", "page won't load", "stack member 1 not
responding"): users failing; not a person off work ("monitoring mailed a person who was not working") nor an act not
taken ("not opening an incident for a 30 min blip")."""
RANSOMED = (
    r"ransom[ _-]?notes?\w*|(?:files?|shares?|servers?|data|disks?|drives?|systems?|documents?|databases?|backups?)\b"
    r"(?: [\w-]+){0,3}? (?:are|were|got|been|is|was|being) (?:all |now )?encrypted(?! (?:at rest|in transit|with|using)\b)|"
    r"encrypted by (?:the )?(?:attackers?|ransomware|malware|intruders?)"
)
"""Ransomware at work ("there's a ransom note on one of the IT systems", "no, files are encrypted", an EDR's
"alert=ransom_note_created"): the files people need are locked away; not data kept encrypted at rest."""
LOCK_WAIT = r"(?:still )?waiting for \w*lock|lock wait timeout(?: exceeded)?|deadlock detected|blocked (?:on|by) (?:a |the )?lock"
"""A database session stuck behind a lock ("process 90211 still waiting for AccessShareLock on relation 16502", "Lock
wait timeout exceeded", "deadlock detected"): the queries that serve users are blocked."""
EXHAUSTED = (
    r"(?:is |was |ran |run |running |are |were )?out of (?:disk|space|memory|storage|inodes)|no space left|"
    r"(?:disk|volume|partition)s? (?:is |are |was |were )?(?:full|at 100 ?%)|(?:takes? |taking |accepts? |accepting )?no new connections"
)
"""A resource run out ("RDS console: out of space", "disk full", "bastion: no new connections"): writes and
connections fail."""
METRIC_DROP = (
    r"(?:uptime|availability|success (?:rate|ratio)|apdex|(?:instances|pods|hosts|nodes) (?:ready|healthy)|"
    r"healthy (?:hosts|instances|nodes|pods))\b[^.;]{0,25}?\b(?:drops?|dropped|dropping|fell|falls|falling|"
    r"plummet\w*|crater\w*|tank(?:s|ed|ing))\b(?! back\b)"
)
"""A measure of service health falling ("SaaS uptime metric drops significantly", "success rate dropped to 40%"):
users are failing."""
VOLUME_LOW = (
    r"(?:calls?|traffic|requests?|orders?|logins?|sign-?ins?|transactions?|messages?|payments?|checkouts?|"
    r"registrations?)(?: (?:volumes?|rates?|counts?))?\b[^.;?]{0,40}?\b(?:way|far|well|much|significantly|sharply) "
    r"(?:below|under|lower than)\b"
)
"""Work arriving far below its usual level ("call volume on the Calgary graphs is way below a normal wednesday"): users
are failing to get through."""
GONE_RED = (
    r"(?:(?:is|are|went|goes|going|turned|turns|been|all|both|everything|health)\s+(?:\w+\s+)?red|"
    r"(?:health|state|status)\s*[:=]?\s*(?:\w+\s+){0,4}?(?-i:RED)|\d+ (?:clusters?|checks?|services?|nodes?) (?-i:RED))"
    r"(?!\s+(?:herring|team)\b)"
)
"""A system told red ("api is red again", "everything is red", "customer-facing cluster health RED on 37 clusters"):
failing, as a dashboard or a cluster's health shows it; not a red herring nor a red team."""
FAIL_STRONG = _rx(
    r"\b(?:errors?|exceptions?|fail(?:s|ed|ing|ures?)?|broken|down|outage|unavailable|unreachable|time[sd]? ?outs?|timing out|"
    r"session drops?|(?<!\bnot )(?<!n['’]t )(?<!never )(?<!\bun)(?<!=)stalled(?! (?:on|for|by) (?:the )?(?:review|approval|legal|budget|decision))|"
    r"crash\w*|(?<!\bno need to )(?<!\bdon['’]t )(?<!\bstop )(?<!\bpeople )(?<!\busers )(?<!\bcustomers )(?<!\beveryone )panic\w*|"
    r"(?<!\bno )(?<!\bany )(?<!\bwithout )(?<!\b0% )packet loss(?! (?:of )?0(?:\.0+)?%| (?:\w+ ){0,2}(?:disappeared|gone|cleared|stopped|ended))|"
    r"oomkill\w*|oom|bsod|bluescreen\w*|boot loop|5\d\d|5xx|404s?|servfail|nxdomain|refused|"
    r"(?:repository|repo|page|object|bucket|project|organi[sz]ation|account|invite|invitation) (?:\w+ )?not found|"
    r"expired|expiry|invalid (?:execution )?payload|(?:head|blocks?|payloads?|chain|state) (?:is|was|are|were) invalid|bad blocks?|"
    r"leak(?:ed|s)?|exposed|(?<!\bno )(?<!\bnot )compromised|(?:access|persistence) gained|gained (?:access|persistence)|"
    r"unauthori[sz]ed access|corrupt\w*|can['’]?t|cannot|unable|not resolving|doesn['’]?t resolve|"
    r"stopped (?:working|resolving|responding|syncing)|(?:is|are|was|were)(?:n['’]t| not) (?:being )?(?:saved|stored|"
    r"delivered|processed|accepted|loading|updating)\b|(?:is|are|was|were|got) stuck(?=\s*(?:[.,;!:)]|$))|(?:nodes?|servers?|services?|chain|network|process(?:es)?|daemons?|"
    r"workers?|replication|pipelines?|sync|jobs?|builds?|queues?) (?:(?:has|have|had|just|all) )?stopped(?! \w+ing)|"
    r"(?<!5xx )(?<!errors )(?<!error )(?<!latency )(?<!load )(?<!cpu )(?<!lag )(?<!queue )(?<!backlog )(?<!traffic )(?<!count )(?<!counts )(?<!rate )(?<!usage )"
    r"(?<!level )(?<!volume )(?<!temperature )(?<!memory )(?<!price )"
    r"just dropped(?: off| out)?(?=\s*(?:[.,;:!?)]|$|too\b|again\b|and\b|as well\b|completely\b))|(?:output|throughput|capacity|frequency) (?:is |was )?"
    r"(?:collaps\w*|falling hard)|"
    r"(?:blocks?|candidates?|transactions?|txs?|payloads?|requests?) (?:[\w.-]+ )?rejected\b|rejected:? (?:as )?invalid|"
    r"(?:logs?|consoles?|inbox(?:es)?|dashboards?|feeds?|timelines?|walls?)\b(?: \w+){0,3}? (?:is |are |were |was )?(?:full of|flooded with|spammed with)|"
    r"no new blocks?\b(?! yet)|no (?:new )?(?:ledgers?|blocks?) (?:clos|produc|finali[sz])\w*|"
    r"(?:network|chain|ledger|cluster|consensus|production|processing|mainnet|testnet)s? (?:\w+ )?halt(?:s|ed)\b|"
    r"(?:ledger close|block production|consensus|ledger closing) (?:has |have |just )?stopped\b|"
    r"(?:withdrawals?|deposits?|payments?|transfers?|payouts?) (?:have been |has been |are |were |is |was )?(?:stuck|pending) "
    r"(?:since|for)\b|"
    r"nothing (?:gets|is|was|got) (?:accepted|processed|delivered)|"
    r"(?:is|are|was|were|been|got) (?:\w+ )?(?:halted|stalled)|stuck (?:on|at) (?:the same |block |height )?[\w.-]+|bounced|isn['’]t private|in clear text|\w*crash\w*|unstable|instability|"
    r"freez\w*|hangs|hanging|hung|unresponsive|not answering|half[- ]dead|(?:is|are|was|were)(?:n['’]t| not) (?:reacting|responding)|"
    r"do(?:es)?(?:n['’]t| not) (?:react|respond)|blocked for more than|lockup|flat-?lin(?:ed|ing|es)|"
    r"(?:never|no\b[^.;]{1,30}\bever) (?:\w+ )?(?:arrived|came through|showed up)|"
    r"(?:did not|didn['’]t|has not|hasn['’]t|have not|haven['’]t) (?:\w+ )?(?:arrived?|come through|show(?:n|ed)? up)|"
    rf"{NOT_WORKING}|{RANSOMED}|{DISASTER}|{LOCK_WAIT}|{EXHAUSTED}|{METRIC_DROP}|{VOLUME_LOW}|(?:gone|dead|dark) again|(?:hours?|days?) (?:stale|behind)|stale (?:for|by) (?:hours|days)|"
    rf"{GONE_RED})\b"
)
CHRONIC = _rx(
    r"\b(?:(?:same as|like|as) (?:all|last) week|all week|(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time this week|"
    r"(?:has|have|had) been (?:\w+ ){0,2}?(?:all week|for (?:the )?(?:past |last )?(?:several |few |many )?(?:days|weeks)))\b"
)
"""A trouble told as one that has gone on for days ("tickets about packet loss on agg-14, same as all week", "that box
has been flaky all week", "third time this week"): a standing condition before the incident, not its symptom."""
FAIL_WEAK = _rx(
    r"\b(?:missing|deleted|degraded|slow\w*|crawl(?:s|ing)?|latency|spike|anomal\w*|way up|climb\w*|weird|elevated|throttl\w*|stale|"
    r"(?:ingest(?:ion)?|replication|consumer|processing|queue) lag|"
    r"overheat\w*|temperatures?|taking forever)\b"
)
CLOSING_IT = _rx(r"\b(?:clos(?:e|es|ing|ed)|end(?:s|ing|ed)?) (?:the |this |our )?(?:outage|incident)\b")
"""The record of the outage closed ("new cert live, monitor green. closing the outage"): no failure told."""
HELD_OFF = _rx(
    r"\b(?:the )?(?:attackers?|intruders?|spammers?|abusers?|bad actors?)\b[^.;]{0,12}?\b(?:can['’]?t|cannot|can no longer|"
    r"is unable to|are unable to|no longer)\b"
)
"""The attacker stopped ("attacker can't do anything more"): their failure is the containment, not the users'."""
POWER_CARRIED = _rx(
    r"\b(?:on (?:ups|battery|batteries|backup power|generators?)\b|on_battery=1|(?:backup |ups )?batter(?:y|ies) "
    r"(?:online|carr(?:y|ies|ied|ying))\b|running on (?:ups|batter(?:y|ies)|generators?)\b|"
    r"generators? (?:carr(?:y|ies|ied|ying)|took|picked up)(?: the)? load\b)"
)
"""A backup carrying the load ("backup batteries online", "on battery", "generators carried the load"): nobody is hurt
yet, so the power loss and the talk of it until the backup gives out (`BACKUP_GONE`) are the trigger, not symptoms
(issue 11: impact starts at the first symptom)."""
POWER_TALK = _rx(r"\b(?:power|utility|grid|blackout|dark|mains|electric\w*)\b")
"""Talk of the power supply ("utility power is out", "whole block dark", "the power company's outage map")."""
BACKUP_HANDBACK = _rx(
    r"\b(?:off (?:the )?(?:generators?|batter(?:y|ies)|ups|backup power)|retransfer(?:red)?|back (?:on|to) (?:the )?"
    r"(?:utility|mains|grid)(?: power)?)\b"
)
"""The load handed back from a backup that carried it ("utility power restored, moving us off the generator",
"UTILITY RESTORED, retransfer complete"): the service ran on the backup, so this is neither a recovery nor an act on
the impact."""
BACKUP_GONE = _rx(
    r"\bbatter(?:y|ies)\b[^.;]{0,20}?\b(?:low|depleted|exhausted|dead|drained|ran out|gone)\b|\bbattery_(?:low|exhausted)\b|"
    r"\bshut(?:ting)? ?down\b|\bgenerators?\b[^.;]{0,20}?\b(?:fail(?:s|ed)?|did(?: not|n['’]t) start|tripped|stopped)\b|"
    r"\bload_dropped\b"
)
"""The backup giving out ("batteries low", "servers starting their shutdown", "the generator did not start"): from here
a power loss hurts."""
LOCKED_OUT = _rx(
    r"\b(?:i|we)\s+(?:was|were|got|have been|had been|['’]ve been|just got)\s+(?:\w+\s+)?(?:removed|kicked(?: out)?|"
    r"locked out|banned|demoted)\s+(?:from|of)\b|"
    r"(?<!rogue )(?<!bad )(?<!fake )\b(?:devs|developers|members|maintainers|admins|owners|collaborators|committers|staff|everyone|"
    r"employees|colleagues|engineers|(?:a lot|lots|many|most|all|some|half) of us)\s+"
    r"(?:were\s+|got\s+|being\s+|are\s+being\s+|are\s+getting\s+|['’]re\s+being\s+)?(?:removed|kicked(?: out)?|locked out|banned|demoted)\b"
)
"""Responders put out of their own place ("I was removed from the org on github", "we got locked out of the
account", "control of an org admin account; devs removed", "a lot of us are being removed right now"): what an attacker or a fault did to them, a failure they
report, never their own act of mitigation."""
DOWN_NOT_FAILING = _rx(
    r"\b(?:writ(?:e|es|ing|ten)|wrote|not(?:e|ed|es|ing)|jot\w*|narrow\w*|track\w*|scal(?:e|ed|es|ing)(?: (?:the |our )?[\w-]+)?|"
    r"trend\w*|coming|comes|came|back|lag|latency|breathing|calm\w*|slow\w*|way|lock(?:s|ed|ing)?)\s+down\b"
)
"""'down' that is no outage: writing it down, scaling down (or scaling the cluster down), latency coming down, lag down
to ~22 blocks, a bucket locked down (closed to others: a containment, `MIT_ACTION`)."""
TAKEN_DOWN = _rx(
    r"(?:^\W*|[.;!]\s+|\b(?:we|i|let['’]?s|to|will|gonna|going to)\s+)(?:tak(?:e|ing)|took|bring(?:ing)?|brought|"
    r"put(?:ting)?|shut(?:ting)?)\s+(?:[\w-]+\s+){1,3}?down\b"
)
"""A thing the responders take down on purpose ("take zone b down for ten minutes and watch", "we brought the old
cluster down"): an act, not an outage ("the config push took the site down" stays one)."""
STEADY = _rx(
    r"\bno (?:change|increase|rise|uptick|spike|jump|movement|bump|degradation|impact)s? (?:in|on|to) (?:the )?"
    r"(?:[\w-]+ ){0,3}?(?:error|failure|timeout|5xx)(?:s| rates?)?\b"
)
"""A failure metric that did not move ("graphs flat, no change in KV error rate so far"): a watch, not a failure."""
NOT_FAILING = _rx(r"\b(?:not|never|(?:is|are|was|were)n['’]t)\s+(?:broken|down|failing|erroring|crashing)\b")
"""A failure word denied ("not broken for everyone", "the API isn't down"): no failure told."""
NO_FAILURES = _rx(r"\bno (?:new |more |further )?(?:errors|exceptions|failures|crashes|timeouts|5xx|500s|panics)\b")
"""Failures told absent ("no exceptions in the last 5 minutes"): no failure told, a recovery."""
FAILURES_STOPPED = _rx(
    r"(?<!\bnew )\b(?:errors?|exceptions|failures|crashes|timeouts|5xx|50[0-4]s|panics)\s+(?:(?:have|has|are|is|now|all|finally)\s+)*"
    r"(?:stopped|gone|ceased|disappeared|vanished)\b(?!\s+(?:up|through|into|out|down)\b)"
)
"""Failures told ended ("S3 errors stopped at 10:40 UTC", "errors gone as of 19:19"): no failure told, a recovery; not
"new crashes stopped" (what crashed stays down)."""
AMENITY = _rx(
    r"\b(?:(?:coffee|espresso) (?:machines?|makers?|pots?)|kettles?|vending machines?|microwaves?|dishwashers?|"
    r"water coolers?|office fridge)\b[^.;,!?]*"
)
"""An office amenity out of order ("coffee machine is broken again, so morale is great", "coffee machine on 3rd floor is
dead again fyi"): banter beside the incident, no failure of the service (up to the clause's end)."""
UNKNOWN_YET = _rx(
    r"\b(?:can['’]?t|cannot|couldn['’]?t|could not|unable to)\s+(?:yet\s+|really\s+|fully\s+)?(?:prove|tell|say|assert|"
    r"confirm|rule out|be sure|know|verify|determine|establish|guarantee|promise|predict|estimate|commit to)\b"
)
"""What the responders cannot know yet ("we can't prove they weren't", "cannot assert otherwise") or a provider cannot
promise ("they can't guarantee NVMe"): a limit of what is known or assured, not a failure of the service."""
EXPLICIT_START = _rx(
    r"\b(?:first (?:[\d,.]+\s+)?(?:\"[^\"]{1,60}\"\s+|'[^']{1,60}'\s+)?(?:errors?|failures?|alerts?|crash\w*|5xx|"
    r"timeouts?|panics?)|began (?:failing|to fail|erroring|returning)|start(?:ed|s)? (?:failing|to fail|erroring|"
    r"returning|crashing)|from then on|(?:impact|outage|downtime|disruption) (?:began|begins|started|starts|start)|errors? start)\b|"
    r"^\W*(?:(?:incident|impact|outage|problem) )?(?:starts?|began|begins|onset)(?: time| date)?\s*(?:[\w ,]{0,14}?\d{1,2}[:.]\d{2}\s*(?:[a-z]{2,4}\s*)?)?[:-]\s"
)
"""Words that mark the impact's first moment ("first errors", "began failing", "impact started"), and a notes' label
naming it ("start 15 Dec 03:53: upstream router failure", "Onset - ...", "incident starts: tasks delayed", a template's
"Start Time: 19 Oct 2025, 14:30 CEST")."""
ERROR_COUNTS = r"(?:errors?|error rate|failures?|failure rate|5xx|5\d\ds)"
AT_ZERO = r"(?:is |are |at |back to |now |down to |dropped to )*zero\b"
"""Errors told at zero ("error rate back to zero", "5xx at zero"), as two regexes: what was counted, then its level.
`ZERO` reads them as no failure, `RECOVERY_FULL` as the service back."""
ZERO = _rx(
    r"\b(?:count|errors?|failures?|failed|5xx)\s*[=:]\s*0(?![\d.])|(?:^|(?<=[\s(]))0 (?:errors?|failures?|failed)\b|"
    r"\b" + ERROR_COUNTS + r"\s+" + AT_ZERO
)
PAGED = _rx(
    r"\bpaged\b|\bpage (?:fired|went out)|\[(?:triggered|alert|alarm|page|crit|critical)\]|\balerts? (?:fired|went off|triggered)\b|"
    r"\bfiring\b|\b(?:opsgenie|pagerduty|pager|victorops|splunk on-?call|alertmanager|pingdom|statuscake|uptimerobot|"
    r"better ?uptime|datadog|grafana|nagios|icinga|zabbix|sentry|my phone|the phone) (?:just )?(?:fired|went off|paged|alerted|"
    r"triggered|is going off|started (?:firing|paging))\b"
)
"""A page or an alert that fired. "firing" anywhere is one, so also a relayed "[FIRING:1] ..." tag (whose state and
name `milestones.RELAYED` reads)."""
NOTIFIED = _rx(
    r"\b(?:sms|text message|voice call|phone call|call|push(?: notification)?|page|e-?mail)\s+(?:sent|placed|delivered|"
    r"dispatched|made)\b"
)
"""A monitor's own record that it reached someone ("probe ... cycle FAILED (connect timeout) -> sms sent", "voice call
placed, answered"): on a failing check, a page."""
UNPAGED = _rx(
    r"\b(?:no|never|nothing|none of (?:the|our))\b[^.;]{0,25}\b(?:alert\w*|pages?|paged|fired)\b|"
    r"\b(?:alerts?|pages?|monitoring)\b[^.;]{0,25}\b(?:did ?n[o'’]t|never|failed to)\s+(?:fire|trigger|go off|page)"
)
"""A page that did not happen ("no alert fired for any of this", "the disk alert never fired"): a gap, not a detection."""
ACK = _rx(r"(?:^|[.,;:!]\s*)(?:ack|acked|ack'd|acking|acknowledged)\b|\backnowledged by\b|\backed\b")
PATRONS = r"clients?|merchants?|hotels?|guests?|stores?|shops?|sellers?|subscribers?|members?|players?"
"""Names a business gives its users ("several hotels say the card form spins forever"), as a regex alternation."""
DETECT = _rx(
    r"\b(?:(?<!incident )(?<!outage )(?<!rca )(?<!status )report(?:s|ed|ing)?(?! (?:up|healthy|green|ok|online|back)\b)|(?<!n['’]t )(?<!not )(?<!never )heard(?! (?:back|nothing|from))|noticed|notices(?! (?:\w+ ){0,3}(?:was|were|is|are|had|has|never|not)\b)|spotted|discovered|became aware|learn(?:ed|t) of|(?:edr|ids|siem|antivirus|anti-virus|defender|scanner|monitoring|alerting|nagios|datadog|sentry)(?: (?:is|was|has|just))? flagg(?:ed|ing)\b(?! (?:for (?:the )?follow|as (?:unsafe|heavy|spam))\b)|anyone else|complain\w*|(?:users?|customers?|tenants?|" + PATRONS + r")\b[^.;?]{0,20}?\b(?:says?|saying|tells?|telling)|"
    r"(?:DM['’]?e?d|messaged|pinged|emailed|e-mailed|wrote to|called) (?:me|us)\b|"
    r"customers? (?:say|saying|tell|report)|something(?:['’]s| is) (?:wrong|off|broken)|leak (?:found|discovered|spotted)|(?:found|discovered|spotted) (?:\w+ ){0,3}"
    r"(?:leak|token|secret|credential|password|key)s?|ack(?:ed)?)\b"
)
"""A person's word that they found the problem ("noticed", "spotted", "learned of the breach", notes' present tense
"notices the error mail" but not "notices capacity was never added", a finding), a monitor's finding relayed ("EDR
flagging mass file renames", "alerting flagged replication on one DB"; not "flagged as spam" or a person "flagging it
for the follow-up"), a report (not an incident report, the write-up), a complaint, an acknowledgement."""
EXPOSURE = _rx(r"\b(?:token|secret|credential|password|private key|api key)s?\b")
FIRST_PERSON_SYMPTOM = _rx(
    r"\b(?:for me|for us|for our|i['’]?m seeing|we['’]?re seeing|seeing|anyone else|our own|users|customers|people|"
    r"can['’]?t|cannot|broken)\b"
)
CONTAINED = (
    r"(?:problem|issue|incident|leak|impact|damage|outage|exposure|spread) (?:is |was |now |has been |been )*contained|"
    r"(?:it|attack|fire|blaze|situation|incident|outage|problem|issue)(?:['’]s| is| was| now| has been| been)+ under control"
)
"""The responders' word that the harm stopped spreading ("immediate problem contained", "it's under control": not
"could not bring it under control"), as a regex alternation: a mitigation done (MIT_ACTION), and their own declaration
of it (milestones.DECLARED)."""
SERVICE_STARTED = r"(?:service|server|daemon|process) (?:was |is |has been )?(?:re)?started\b(?! (?:to|\w+ing)\b)"
"""A service brought up again ("Buildinfo service started"), not one that "started failing"."""
UPDATE_DONE = r"(?:update|fix|correction) (?:is )?(?:done|complete[d]?|finished)(?=\s*(?:[.,;!]|$))"
"""A correction told finished ("update done."), not how it is made ("the update is done through terraform")."""
CORRECTED = (
    rf"{UPDATE_DONE}|"
    r"(?:with|to) the (?:correct|right) (?:[\w-]+ )?(?:records?|values?|settings?|config\w*|nameservers?)"
)
"""A correction made ("starting to update all .uk domains with the correct NS records", "update done")."""
_HELD = r"(?:org|organi[sz]ation|accounts?|repos?|repositor(?:y|ies)|projects?|users?|tokens?|keys?|credentials?)"
FROZEN = (
    rf"(?:froze|frozen|freez(?:e|ing)) (?:the |their |its |our |that |this )?(?:[\w-]+ ){{0,2}}?{_HELD}\b|"
    rf"\b{_HELD} (?:is |was |were |are |has been |have been |now )+frozen\b"
)
"""An organisation, account or key frozen ("GitHub staff froze the organization", "the account is frozen"): the
attacker held off, a containment (`MIT_ACTION`); a system that freezes ("the UI froze") is a failure."""
UNFROZEN = r"(?:un-?freez(?:e|es|ing)|unfroze[n]?|re-?activat(?:e|ed|es|ing)|un-?suspend(?:ed|s|ing)?)\b"
"""What a freeze or a suspension did undone ("bulk unfreeze complete", "re-activating applications that were wrongly
disabled"): the act that gives users back what the failure took (`MIT_ACTION`)."""
RENEWED = (
    r"renewed (?:the |a |its |our )?(?:[\w.-]+ )?(?:certificates?|certs?)|"
    r"(?:certificates?|certs?) (?:was |were |is |are |has been |have been |got )?renewed"
)
"""A certificate renewed, by hand or by a restart that made it renew ("the certificate is renewed", "renewed the TLS
cert"): the fix of an expired certificate, never its cause ("is supposed to renew by itself" renews nothing)."""
_GUARDS = r"(?:firewall|nftables|nft|iptables|ufw|waf|ruleset|security group|acl|allow ?list|ip restriction)s?"
GUARD_DONE = (
    rf"{_GUARDS}\b[\w. -]{{0,25}}?\b(?:enabled|loaded|applied|back on|back up|active again|restored)\b|"
    rf"(?:enabled|loaded|turned on) (?:the )?(?:\w+ )?{_GUARDS}\b"
)
"""A guard put back ("nft ruleset loaded", "nftables.service enabled", "enabled the firewall"): the exposure it let
through is closed, a mitigation done."""
_GUARD_BACK = _rx(GUARD_DONE)
GUARD_ON = rf"{GUARD_DONE}|(?:enabling|loading|turning on) (?:the )?(?:\w+ )?{_GUARDS}\b"
"""A guard being put back, or put back (GUARD_DONE): a mitigating action."""
SEALED = _rx(
    r"\b(?:times? out|timing out|refused|unreachable|closed|blocked|filtered|no answer)\s+(?:again\s+)?from\s+(?:the\s+)?"
    r"(?:outside|internet|public(?: internet)?|external hosts?)\b"
)
"""A port that stops answering from outside once its guard is back ("nft ruleset loaded. 6379 times out from outside
again"): an exposure closed, the state the responders wanted, not a failure. Without a guard put back in the same
line ("checkout times out from outside") it is a failure."""
HARD_RESET = (
    r"(?:hit|did|pressed|triggered|issued|sent|ran) (?:the |a )?(?:hard(?:ware)?|power) reset|"
    r"(?:hard(?:ware)?|power) reset (?:(?:of|on) )?(?:the )?(?:server|host|box|machine|node|db\w*)"
)
"""A machine reset by hand ("hit the hardware reset"): an act done on the failing box."""
MIT_ACTION = _rx(
    r"\b(?:roll(?:ed|ing|s)?[ -]?back|rollback|revert\w*|unpublish\w*|yank(?:ed|ing)|fail(?:ed|ing)?[ -]?over|restarted\b(?! repeatedly)|"
    rf"restart(?:ing|s) (?:the|them|all|it|services|one by one)|^\W*(?:now )?restarting (?!(?:again|constantly|repeatedly|every|in|on|itself|by)\b)[\w.-]+|{RENEWED}|forc\w* [\w ]*restart|reboot\w*|redeploy\w*|deployed (?:a |the )?fix|"
    r"hotfix\w*|disabl\w*|turn(?:ed|ing)? off|(?<!something )(?<!what )(?<!kernel )(?<!killer )kill(?:ed|ing)? (?:it|the)|global kill|kill ?switch|drain\w*|"
    r"(?:shut(?:ting)?|took|taking|pull(?:ed|ing)?) \w+ out of (?:the )?\w+|scal(?:ed|ing) (?:up|out|control)|"
    r"bypass\w*|revok\w*|revoc\w*|rotat(?:ed|ing) (?:the|all)|destroy\w*|deleted|purg\w*|removed|stopp(?:ed|ing) (?:the|new|it)|"
    r"(?<!anything )(?<!everything )(?<!whatever )recreat(?:ed|ing)|lock(?:ed|ing) down|"
    r"\b(?:hot)?fix(?:es)?\b(?! (?:is |was )?(?:ready|staged|approved|pending|planned|coming))(?:\s+[^\s;?]+?){0,6}?\s+"
    r"(?<!will be )(?<!to be )(?<!should be )(?:deployed|applied|shipped|rolled out|is live|went live)\b|"
    rf"{FROZEN}|{UNFROZEN}|"
    r"(?:generation|propagation) [\w ]*(?:stopped|disabled)|workaround|mitigat\w*|appl(?:ied|ying)|fixed|patch(?:ed|ing)|"
    r"restor\w*|re-?enabl\w*|(?<!\bnot )enabled again|switch(?:ed|ing) to|(?:global|full|rolling|gradual|fleet-?wide) restarts?|inserted|replac\w*|image set to|cert (?:staged)|valid cert|"
    r"known-good|last known good|previous (?:version|release|image|content)|prior (?:proxy )?version|promoted \w+ to org owner|"
    r"rebuil\w*|re-?insert\w*|repair\w*|(?:block(?:ed|ing) (?:the )?|block (?:the|that|this|those|these|all) )(?:ip|ips|user|account|traffic|requests|spammer\w*)|"
    r"(?:ip|ips|user|account|spammers?)\b[\w ]{0,20}\bblocked|blocklist|(?:block|deny) rule (?:is )?(?:now )?(?:live|in place|active)|(?:web server|server|service|proxy|fleet|pods?|process) "
    rf"restart|{SERVICE_STARTED}|{CORRECTED}|outage mitigated|impact mitigated|traffic engineering|(?-i:TE) (?:change|policy|actions?)|"
    r"rate[- ]limit(?:ing|s)? (?:on|for|of) (?:the |that |this |one )?(?:[\w'’-]+ ){0,2}?(?:customer|account|tenant|client)s?|"
    rf"{CONTAINED}|releas(?:ed|ing) (?:\w+ ){{0,2}}with the fix|(?:shipped|released|published) (?:a |the )?(?:fix|patch)|"
    r"scale-?ups?\b[^.;]{0,30}\b(?:live|done|complete[d]?|in place)|"
    rf"{HARD_RESET}|"
    rf"{GUARD_ON})\b"
)
"""Mitigating actions, also those told without a mitigation verb: traffic engineering ("new TE policy on the edge")
and a rate limit put on the customer that causes the load. Killing a process is one when a responder does it, not
when the failure does ("something killed it", "the OOM killer killed the worker")."""
ACT_DONE = _rx(
    r"\b(?:restart|reboot|failover|redeploy|rebuild|reset|resize)s? (?:is |was |now |all )*(?:done|complete[d]?|finished|succeeded)\b"
)
"""A responder telling the act finished by its noun ("restart done, CLI populating", "failover complete"): the act done;
a host's own log line ("INFO restart complete") tells one host of a rolling restart, not the act."""
MIT_DONE = _rx(
    r"\b(?:rolled back|reverted|rollback (?:completed?|done|finished)|revert (?:released|completed?|done)|failed over|unpublished|yanked|"
    rf"restarted|restarts (?:the|them|all|it)|rolls back|{RENEWED}|rebooted|redeployed|deployed|disabled|turned off|killed|drained|scaled|bypassed|revoked|rotated|"
    r"destroyed|deleted|purged|removed|stopped|applied|fixed|patched|restored|re-?enabled|enabled again|switched|inserted|replaced|"
    rf"recreated|locked down|{FROZEN}|rolled out|"
    r"is live|now live|and live|went live|rule (?:is )?(?:now )?(?:live|in place|active)|done|completed?|finished|in place|implemented|image set to|confirmed dead|back to ours|serving a valid|rebuilt|"
    rf"repaired|mitigated|contained|under control|blocked|blocklist add|executed|activated|{SERVICE_STARTED}|{UPDATE_DONE}|"
    rf"{GUARD_DONE}|{HARD_RESET}|(?:all|every) (?:[\w-]+ ){{0,3}}now (?:bypass|route|point|go|run|use|serve|resolve)s?)\b"
)
"""An action done ("rolled back", "failed over", "fix deployed"), or told as the state it left everywhere ("all impacted
domains now bypass the CDN layer")."""
MIT_PROGRESS = _rx(
    r"\b(?:rolling back|reverting|preparing|going through|requested|applying|getting|working on|in progress|trying|"
    r"waiting (?:for|on)|"
    r"attempt\w*|about to|starting|proposal|propos\w*|can we|should we|let['’]s|focus|roll back now|will|need to|"
    r"to (?:put|get|apply|roll out|deploy|ship|land|have) (?:in )?(?:an? |the |some )?(?:[\w-]+ )?(?:mitigation|fix|workaround|patch)|"
    r"(?:re)?(?:deploy|rollout|roll-out|upgrade|restart|rebuild|failover|migration)s? (?:is |are |still )?running|"
    r"(?:fix|patch|hotfix|change|revert|rollback|pr)(?:es|s)?\b[^.;]{0,30}\b(?:ready|staged|approved))\b|\?\s*$|"
    r"^\W*(?P<done_n>\d+) (?:of|out of) (?!(?P=done_n)\b)\d+ \w+|"
    r"(?<![\d.])[1-9]\d?(?:\.\d+)?\s?%\s+(?:\w+\s+)?(?:restored|recovered|done|complete|migrated|rebuilt|replayed)\b|"
    r"\b(?:restored|recovered|migrated|rebuilt|replayed)\s+(?:about\s+|~)?[1-9]\d?(?:\.\d+)?\s?%"
)
"""An action under way or only prepared ("rolling back", "config change ready for the login services, reviewed"), or
a share of it done ("5 of 8 domains bypassed", "9% restored")."""
STILL_BROKEN = _rx(
    r"\b(?:our|the) [\w-]+(?: [\w-]+)? (?:is |are )?still (?:failing|down|broken|erroring|unreachable|unavailable|"
    r"not (?:working|reachable|loading|responding))\b|"
    r"\bbut\b[^.;]{0,60}?\b(?:is|are|keeps?|still) (?:still )?(?:flapping|failing|erroring|timing out|broken|unreachable)\b"
)
"""The service told still broken in the line that tells something back ("back online: RBX8 incident marked resolved,
our proxy still failing", "we're back online, but rebuilding the wavelengths is flapping"): no recovery of the
service."""
NOT_RECOVERING = _rx(
    r"\b(?:not|never|isn['’]t|aren['’]t|doesn['’]t|don['’]t|didn['’]t|won['’]t|still not) (?:recover(?:ing|s)?|"
    r"coming back|come back)\b"
)
"""A recovery told not to hold ("API servers come up, get flooded, die, come up again. not recovering"): what came
back went down again, so nothing recovered."""
MIT_NEGATIVE = _rx(
    r"\b(?:(?:rollback|revert\w*|attempt|fix|restart|deploy\w*|revocation|revoke|mitigation|it|that|this)\b[^.;]{0,60}"
    r"\bfail(?:ed|ing|s|ure)?\b|fail(?:ed|ing|s)? (?:too|again)|(?:rollback|revert|deploy\w*|pipeline|fix|attempt)[^.]{0,40}"
    r"\bblocked(?!\s+(?:entries|ips?|addresses|ranges|hosts|users|accounts|clients|requests|domains)\b)|forbidden|denied|"
    r"didn['’]t work|not working|no luck|(?:rolled back|reverted|restarted|redeployed|changed|touched) nothing\b|nothing changed\b|(?:rollback|revert\w*|restart\w*|failover|it|that) did nothing\b|"
    r"nothing (?:was |got )?(?:rolled back|reverted)\b|same thing|same (?:error|result|failure)s?\b|(?:again|twice),? same\b|back to (?:erroring|failing|crashing)|(?:erroring|failing|crashing|fell over|"
    r"falls? over|falling over|died) again|still (?:fail(?:s|ing)?|broken|red|"
    r"recogni[sz]ed|down|erroring|intermittent|flapping)|aren['’]t helping|isn['’]t helping|won['’]t fix|"
    r"no (?:change|effect|difference|improvement)|made no difference|did(?:n['’]t| not) (?:help|change)|"
    r"(?:won['’]t|will not|wouldn['’]t|didn['’]t|did not|never|doesn['’]t|does not) (?:come up|came up|start|boot)|"
    r"had nothing to do with|(?:failures|errors|error rates?) (?:are |is |stay\w* |remain\w* )?(?:flat|unchanged)|"
    r"(?:spikes|errors|timeouts|failures|5xx|500s|502s|503s|429s|crashes|drops|symptoms|issues|problems) (?:still )?(?:continue|persist)|"
    r"(?:^|[.;,]\s*)so (?:it['’]?s )?not (?:that|it|this)\b|"
    r"not (?:calling (?:it|this) |yet |really |quite )?(?:fixed|resolved|mitigated|done))\b"
)
"""An action that failed or made no difference ("rollback is done. no change at all. failures are flat", "back on
64-core servers, no improvement"): an attempt, not the mitigation."""
_DIED = r"(?:exit(?:ed)?(?: with)?(?: code| status)? \d+|di(?:es|ed) again|seg(?:mentation )?fault\w*|sig(?:segv|kill|abrt)|oom\w*|crash\w*(?! (?:fix|patch|report))|panic\w*|core dump\w*)"
CRASHED = _rx(
    rf"\b(?:restart(?:ed|s)|reboot(?:ed|s))\b[^;]{{0,30}}?\b{_DIED}|\b{_DIED}[^.;]{{0,20}}?\b(?:and |then )?(?:was |got )?(?:restarted|rebooted)\b|"
    r"\b(?:restart(?:ed|s)|reboot(?:ed|s)) (?:itself|by itself|on its own|unexpectedly|twice|three times|\d+ times|repeatedly|"
    r"again and again|in the night|overnight)\b"
)
"""A restart that tells a crash, not an act ("cloud db pod restarted. exit 139. segfault", "OOMKilled and restarted",
"util01 rebooted twice in the night, memory errors in the kernel log")."""
ERROR_LEVEL = _rx(
    r"(?-i:(?<![\w-])(?:ERROR|ERR|CRIT|CRITICAL|FATAL|EMERG|PANIC)(?![\w-]))|\b[\w-]+-fs error\b|\bI/O error\b|"
    r"\b(?:level|severity|lvl)=\"?(?:error|err|crit|critical|fatal|emerg|panic)\b"
)
"""A machine line written at an error level ("CRITICAL vm8 RAID md1 rebuild stalled", "EXT4-fs error ... deleted inode
referenced", logfmt's "level=error"): it tells a failure, whatever act its words name."""
ADMIN_ACT = _rx(r"\b(?:due to|by|on) (?:an? |the )?(?:administrator|admin|operator)(?: command| request)?\b")
"""An act an administrator did, logged at an error level ("FATAL: terminating connection due to administrator
command", PostgreSQL's word for a backend an operator ended): the act, not a failure."""
ROUTINE_UPDATE = _rx(
    r"\b(?:software|config(?:uration)?|firmware|os|system|gateway|package|kernel) (?:update|upgrade|release|push)s? "
    r"(?:\w+ )?(?:applied|installed|deployed|rolled out|completed|done)\b"
)
"""A routine update shipped ("gw-all INFO software update applied: gateway config r15.07-gw", "firmware upgrade done"):
a change reaching production, not a mitigation, unless FIX_WORD names it one."""
FIX_WORD = _rx(r"\b(?:fix\w*|patch\w*|hotfix\w*|revert\w*|roll(?:ed|ing)?[ -]?back|rollback|restor\w*|workaround|mitigat\w*|previous|old|known[- ]good|last[- ]good)\b")
"""A word that makes an update a fix ("hotfix applied", "update applied: previous config restored")."""
NO_ACT = _rx(
    r"\b(?:nothing|nobody|no one|none of them) (?:was |got |has been |had been )?(?:rebooted|restarted|redeployed|"
    r"touched|rolled back|reverted)\b|"
    r"\bstill (?:disabled|frozen|suspended|blocked|locked|deleted|removed)\b"
)
"""An act ruled out ("power's fine, nothing rebooted"), or a state that goes on ("some apps still disabled"): no
mitigation done."""
MISHAP = _rx(
    r"\b(?:mistyp\w*|typo(?:ed)?|by mistake|mistakenly|accidentally|inadvertently|fat[- ]?finger\w*|"
    r"(?:against|on|to) the wrong (?:host|server|cluster|database|db|region|list|environment|target|node)s?|"
    r"(?:killed|knocked (?:out|over)|broke) (?:the |our |all of )?(?:whole |entire )?(?:site|website|service|api|app|"
    r"everything|prod|production|platform)(?: again)?)\b"
)
"""An act done by mistake ("I was rebooting the batch of new nodes. mistyped the server list", "run against the wrong
cluster") or one told as what broke the service ("adding capacity killed the site"): what set the incident off or
made it worse, not what mitigated it, whatever verb it holds."""
USER_POST = _rx(r"^\W*(?:an? |the )?(?:first )?(?:users?|customers?|community) (?:comments?|reports?|complaints?|posts?|questions?|replies|reply)\b")
"""A record of what a user wrote ("user comment on a PR - Jan 23, 4:49 AM: 'is prow down?'"): their report of the
impact, as a ticket or an issue tracker keeps it."""
USERS_REPORT = _rx(
    rf"\b(?:users?|customers?|tenants?|people|teams|{PATRONS})\b[^.;]{{0,20}}?\b(?:reports?|reported|reporting|saying|says?|said|"
    r"complain\w*|tell(?:ing|s)?|told)\b"
)
"""What users tell of their side ("user reports prod pods deleted together", "users in #ask saying their pods all got
deleted"): a report of the impact, not a responder's act, whatever verb it holds."""
DONE_TO_MINE = _rx(
    r"\bmy (?:[\w-]+ ){1,4}?(?:just |all |have |has |were |was )*(?:got|been|gotten) (?:\w+ )?"
    r"(?:disabled|removed|deleted|blocked|suspended|banned|uninstalled|wiped|reset|locked|revoked)\b"
)
"""A user telling what befell their own things ("all my add-ons just got disabled"): the impact, not an act."""
SINCE_ACT = _rx(
    r"\bsince (?:the |our |that |this )?(?:[\w-]+ )?(?:revert|rollback|roll-?back|fix|hotfix|restart|redeploy|deploy(?:ment)?|"
    r"failover|patch|change)(?: (?:finished|completed|went out|landed|was (?:done|deployed|applied|finished)))?\b"
)
"""An act named as the moment a state dates from ("no more TemplateSyntaxError since the revert finished"): told before,
not done at this line."""
HOW_IT_WORKS = _rx(r"\b(?:happens|happen|kicks in|is triggered|gets triggered|occurs) (?:only )?(?:when|whenever|if|every time)\b")
"""A line telling how the system works ("recreation from backup happens when a machine can't come back on its host. we
destroy and restore from S3"): the mechanism, in the present, neither a failure seen nor an act done at the line's
moment."""
PAST_STATE = _rx(r"\balready\b|\bpreviously\b|^(?:confirm\w*|verified|looks good)\b")
_BACK_AS_STATE = r"(?!\s*(?:to|on|off|in|at|from|down|up|when|then|and forth|with|where)\b)"
"""After "back": the word ends the phrase ("site back."), not a move or a time ("back to", "back up", "back when")."""
PART_BACK = rf"^\W*[\w.-]*\d[\w.-]*(?:['’]s| is)? (?:now )?(?:back|operational again)\b{_BACK_AS_STATE}"
"""A named part told back, the whole line about it ("power16 is back", "m17 back. that's all five", "web2 operational
again."): one stage of a staged recovery."""
SUCCESS_HIGH = (
    r"\b(?:success|availability)(?: rate| ratio)?\s*(?:is |now |back |up |to |at |above |over |of |[=:]\s*)*[~>≥]?\s*"
    r"(?:99(?:\.\d+)?|100(?:\.0+)?)\s?%(?!\s*(?:target|slo|sla|goal|objective)\b)|"
    r"\b(?:http )?(?:200|2xx)s? (?:rate|ratio|share)\s*(?:is |now |back |at |[=:]\s*)*(?:99(?:\.\d+)?|100(?:\.0+)?)\s?%"
)
"""A success or availability measure told at 99 % or more ("pairing success 99.6%", "login success rate 99.8% (5m)",
"availability back to 99.9%", "HTTP 200 rate=100%"), as a regex alternation: the service working again, said as a number. A falling one
("success rate dropped from 99.9% to 40%") or a target ("availability 99.9% SLO") is not it."""
ALL_HEALTHY = (
    r"(?<![\w/.-])(?P<all_n>[1-9]\d*)\s*(?:/|of|out of)\s*(?P=all_n)(?![\d/])\s+(?:[\w-]+\s+){0,3}?"
    r"(?:healthy|up|ready|synced|in ?service|online|reachable|passing)\b"
)
"""All of a pool in service ("cluster healthy, 3/3 synced", "lb pool 12/12 backends healthy", "41/41 Ready"), as a
regex alternation: the service whole again; `NONE_HEALTHY` is its opposite."""
CAUGHT_UP = (
    r"(?<!\bnot )(?<!n['’]t )(?<!\bonce )(?<!\buntil )(?<!\bwhen )(?<!\bif )(?<!\bbefore )(?<!\bmostly )(?<!\bpartly )"
    r"(?<!\bpartially )(?<!\bnearly )(?<!\balmost )(?<!\bfirst )\b(?:(?:has|have|is|are|now|all|fully|completely|finally) )*"
    r"caught up\b(?!\s*\?)(?! (?:in|for|on)\b)(?! with (?!(?:the )?(?:head|tip|primary|leader|master|sequencer|live|upstream)\b))"
)
"""Delayed work told done ("all agents caught up", "replication has caught up", "data caught up, issue resolved"), as a
regex alternation: the end of a delay's impact; not while it is still to come ("hasn't caught up", and on a condition:
`PENDING_CATCH_UP`), nor for a part ("mostly caught up", "first shard caught up"), nor a talk ("caught up with the vendor")."""
PENDING_CATCH_UP = _rx(r"\b(?:once|when|until|after|if|before|unless|wait(?:ing)? for)\b[^.;]{0,40}?\bcaught up\b")
"""Delayed work to catch up on a condition ("once the replicas have caught up we switch back"): not caught up yet."""
RECOVERY_FULL = _rx(
    r"\b(?:work(?:s|ing)? again|back to normal|(?:flowing|functioning|operating|running) normally|back online|"
    r"(?:back )?in normal operation|"
    r"fully (?:restored|recovered|resolved|operational)|(?<!to )(?<!until )(?<!before )full recovery|"
    r"(?<!to )(?<!towards )(?<!toward )(?<!until )(?<!before )(?<!awaiting )(?:full|complete) (?:service )?restoration|recovered|restored|(?<!\bwe )(?<!\bneed to )(?<!\bneeds to )(?<!\btry to )(?<!\btrying to )(?<!\bhave to )(?<!\bhas to )(?<!\bwant to )(?<!\bcan )(?<!\bwill )(?<!\bwould )(?<!\bmust )(?<!\bshould )(?<!\bcould )(?<!\bmay )(?<!\bmight )recover(?! (?:it|them|this|that|the|from|our|its|their)\b)|"
    r"no (?:new |more )?(?:(?:start|login|write|read|request|connection|query|build|job|run|api|dns|payment) )?"
    r"(?:errors|exceptions|failures|restarts|crashes|(?:packet )?drops|packet loss|timeouts|5xx|5\d\ds)|"
    + ERROR_COUNTS + " " + AT_ZERO + r"|(?:error|404|5xx) rates? (?:back|dropping|dropped|normal)|"
    r"(?<!x )(?<!above )(?<!over )(?<!times )(?<!% of )(?<!vs )(?<!vs\. )(?<!versus )(?<!compared to )(?<!\()baseline(?!\s*[=:]\s*\d)(?!(?<=, baseline)\s*[~<>]?\d)(?!(?-i:\s+[A-Z]))|resolves again|\bvalidat(?:e|es|ing)\b(?: [\w-]+){0,3}? again\b|back (?:under|below) [~<]?\d+(?:\.\d+)?(?:\s?[a-zµ]+)?|"
    r"(?:resolv(?:e|es|ing)|answer(?:s|ing)?|load(?:s|ing)?|work(?:s|ing)?) (?:correctly|properly|fine|normally) again|"
    r"(?<!\bnot )(?<!n't )\b(?:join(?:s|ed)?|schedul(?:e|es|ed)|connect(?:s|ed)?|register(?:s|ed)?) (?:fine|normally|cleanly)\b|load for me again|confirmed working|works now|still fine|serving (?:again|normally)|"
    r"back online|working normally|(?<!\bnot )\b[a-z]+ing normally (?:now|again)|"
    r"(?<!\bnot )(?<!\bonce )(?<!\bif )(?<!\bwhen )(?<!\buntil )\b(?:is|are|now|finally|(?:has|have) been)\s+(?:now\s+|fully\s+)?stable\b"
    r"(?!\s*\?)(?!\s+(?:for now|under|enough|but)\b)|(?<!\bnot )(?<!n't )\b(?:working|running) (?:reliably|stably)\b|"
    r"\b(?:the )?last (?:[\w-]+ ){0,2}?(?:services?|nodes?|hosts?|servers?|sites?|regions?|customers?|users?|tenants?|accounts?|"
    r"instances?|shards?|pods?|workloads?|ones|stragglers?) (?:(?:are|is|now|finally|all) )*(?:back|restored|recovered)\b|"
    r"(?<!\bonce )(?<!\buntil )(?<!\bwhen )(?<!\bif )\b(?:delays?|errors?|timeouts?|latency|lag|problems|issues|packet loss|congestion)\s+"
    r"(?:(?:has|have|is|are|now|all|fully|finally)\s+)*cleared(?:\s+up)?\b|"
    r"(?:5xx|5\d\ds|errors|error rate|404s?|latency)\s+(?:\w+\s+)?(?:dropping|dropped|"
    r"coming down|recovering)|reachable[\w ]{0,20} again|outage mitigated|(?:outage|incident|hijack(?:ing)?|attack|ddos|disruption) (?:is |was |now |finally )*over\b(?!\s*\?)|(?<!\bnot )\bgreen again\b(?!\s*\?)(?! (?:here|for (?:me|us|some|them))\b)|back to (?:expected|normal) levels|"
    r"availability recovered|"
    rf"(?<!\bnot )\b(?:all|every) (?:[\w-]+ ){{0,3}}?(?:locations?|regions?|services?|systems?|sites?) (?:(?:are|is|now|fully) )*"
    rf"(?:restored|recovered|back\b{_BACK_AS_STATE})|"
    r"(?:all |every )(?:systems?|services?) (?:\w+ ){0,2}operational|"
    r"(?<!\bnot )\b(?:all|every) (?:(?:affected|the|our|[A-Z0-9]{2,}s?|[a-z]+s) ){1,3}(?:(?:are|is|now|back|fully|tentatively) )*operational\b|"
    r"confirmed operational|operational status (?:is )?confirmed|"
    r"^\W*(?:(?!(?:not|no|never)\b)[\w&/-]+ ){0,4}?[\w-]+s (?:are |now |back |all )*operational(?=\s*(?:[.,;!]|$))|"
    r"(?:elb|alb|lb|load balancer|targets?|backends?|health ?checks?)(?: (?:is|are|now|back|all|reports?))* (?:healthy|passing))\b|"
    rf"{PART_BACK}|"
    r"(?<!\bnot )(?<!n['’]t )\b(?:available|up|online|reachable|accessible|healthy|operational|stable|finali[sz](?:ed|ing)|(?<!high )(?<!heavy )(?<!higher )(?<!peak )(?<!the )(?<!cpu )(?<!server )(?<!system )loads?|loading|succeed(?:s|ing)?|"
    r"(?:flowing|producing|processing|consuming|syncing|moving|accepting|taking|answering|responding|closing|finali[sz]ing|"
    r"connecting|joining|registering|authenticating|streaming|delivering)(?: \w+)?) again\b|"
    r"\b(?:cluster|partition|split|ring|mesh|quorum) (?:has |is |now )*(?:healed|whole again)\b|"
    r"\b(?:200s?|2xx|200 ok|http 200)\b(?: \w+)?(?: again| everywhere| across the board)\b|"
    r"\b(?:edits|changes|uploads|saves|posts|mails?|e-?mails|messages|builds|deploys|pages) (?:are |now |all )*"
    r"(?:saving|uploading|sending|delivering|publishing|building|going (?:out|through)|landing) again\b|"
    r"(?<!\bno )\b(?:traffic|packets|requests|mail|e-?mails?|payments|transactions|txs|orders|messages|jobs|events|data) "
    r"(?:is |are |now |back )*flowing\b"
    r"(?! (?:to|into|through|via|over) (?:the )?(?:wrong|bad|broken|old|dead)\b)|"
    r"\bconfirm(?:s|ed)? (?:(?:that|the|their|our|all|its|it['’]s|[\w-]+) ){0,3}?(?:reachable|working|loading|accessible|resolving)\b|"

    r"\b(?:targets?|hosts?|backends?|instances?|nodes?) (?:are |now |all )?healthy in (?:all|both|every)\b|"
    r"\bmaintenance(?: mode)? (?:(?:is |was |now )*(?:off|over|ended|lifted|disabled)|turned off)\b|\bout of maintenance\b|"
    r"\b(?:server|host|box|machine|it) (?:now )?(?:pings|answers pings|is pinging) again\b|"
    r"(?:\b(?:we['’]re|we are|it['’]s|it is|check)|\bcame|\bcoming) back up\b"
    r"(?! (?:the|a|an|our|your|all|to|on|with|\w+ing)\b)|"
    r"\b(?:site|website|service|app|apps|api|everything|platform|[\w-]+\.(?:com|org|net|io)) (?:is |are |['’]s )?(?:now |all )?"
    r"back up\b(?! (?:the|a|an|our|your|all|to|on|with|\w+ing)\b)|^\W*back up(?: again)?\s*(?:[.!]|$)|"
    r"\b(?:processing|ingest(?:ion)?|sending|sends|deliver(?:y|ies)|writes|jobs|syncing|payments|operations?|"
    r"trading|departures|flights|landings|arrivals|finali[sz]ation|production|publish(?:ing)?|builds|deploys|transfers|uploads|"
    r"withdrawals|deposits|shipments|traffic) (?:has |have |is |are |was |were )?(?:now |fully |all )?(?:resumed|resuming)\b|"
    r"\b(?:ground stop|(?:trading |market )?halts?|suspension|stop order)s? (?:has been |have been |was |were |is |are |now )*"
    r"(?:lifted|cancell?ed)\b|"
    r"\ball (?:the )?restrictions(?: on [\w -]{1,40}?)? (?:have been |has been |were |are |now )*(?:lifted|removed)\b|"
    r"\b(?:can|could|cannot|can['’]t) no longer reproduce\b|\bno longer reproducible\b|\bstopped reproducing\b|"
    rf"{FAILURES_STOPPED.pattern}|"
    r"\b[\w-]+s (?:are |now |all )*gone from the (?:[\w-]+ )?(?:logs?|graphs?|dashboards?)\b|"
    rf"\b(?:site|website|service|api|app|portal|homepage|everything)(?:['’]s| is)? (?:now |all |fully )?back\b{_BACK_AS_STATE}|"
    rf"\b(?:sites|websites|services|apps) are (?:now |all |fully )?back\b{_BACK_AS_STATE}|"
    r"\b(?:sites?|websites?|services?|apis?|apps?|everything) (?:is |are )?(?:up|available|reachable) (?:now|again)\b|"
    r"\b(?:everything|all (?:sites|websites|services|apps)) (?:is |are )?(?:now )?fully (?:up|available|reachable)\b|"
    r"(?:^|[,.;:]\s+)(?:logins?|log-?ins?|sign-?ins?) (?:now )?(?:work(?:s|ing)?|succeed(?:s|ing)?)\b"
    r"(?!.*\b(?:only|but|except|still|for (?:me|some)|from|in)\b)|"
    r"\b(?:all |every )?(?:replication|checks?|probes?|health ?checks?|monitors?|synthetics?|everything) "
    r"(?:is |are |now |back |all )*(?:green|healthy|passing)\b|"
    r"\bcontrol (?:of (?:the )?(?:[\w.-]+ ){1,4})?(?:is |was |now )+back\b(?! to\b)|\b(?:regain(?:ed|s)?|got back|took back|"
    r"taken back) (?:full )?control\b|"
    r"\b(?:all|every) (?:[\w-]+ ){0,2}?(?:instances?|hosts?|servers?|nodes?|regions?|sites?|services?|endpoints?|clusters?|"
    r"customers?|users?|tenants?|orgs?|organi[sz]ations?) (?:are |is |now |back )*(?:reachable|accessible)\b|"
    rf"{SUCCESS_HIGH}|{ALL_HEALTHY}|{CAUGHT_UP}"
)
BACKLOG_DONE = _rx(r"\bbacklog (?:is |was |has been )?(?:now |fully |completely |all )?(?:processed|cleared|drained|caught up)\b")
"""The work queued during the outage done ("backlog fully processed"): the end of a delay's impact, unless the
service was already declared resolved while it was still being worked off."""
STAND_IN = (
    r"\b(?:basic|outdated|stale|old|static|read-only|degraded|limited|reduced|fallback)\s+(?:static\s+)?(?:site|website|version|"
    r"copy|backup|content|mode|functionality|pages?)\b"
)
"""A stand-in put up for the service ("DNS changed to the old backup", "basic site", "read-only mode"), as a regex
alternation: a partial recovery (`RECOVERY_PARTIAL`), until the service itself is switched back
(milestones.SWITCHED_BACK)."""
NONE_HEALTHY = _rx(
    r"(?<![\w/.-])(?:0|zero|none)\s*(?:/|of|out of)\s*(?:the\s+)?\d+(?![\d/])\s+(?:[\w-]+\s+){0,3}?"
    r"(?:healthy|up|ready|available|passing|in ?service|online|reachable)\b"
)
"""None of a pool in service ("lb-01 health web.archive.org 0/12 backends healthy", "0 of 36 apicdn targets healthy",
"0/18 nodes available"): nothing back, whatever the state word says (not an interface's "et-0/0/50 link up")."""
CHECKED_FINE = _rx(
    r"\b(?:is|are|looks?|seems?)\s+(?:healthy|up|fine|green|normal|ok)\b(?!\s+(?:again|now)\b)[^.;?!]*[.;,]\s*"
    r"(?:(?:still |now |so )?(?:checking|looking|digging|investigating)\b)"
)
"""A part found fine on the way to the cause ("load balancer is healthy, pods are up. checking their status"): what
was ruled out, not the service back."""
RECOVERY_PARTIAL = _rx(
    r"\b(?:impact reduced|reduced|partial\w*|some|a few|test with|still (?:fail|some)|several|half|canar(?:y|ies)|"
    r"first (?:clusters|nodes|ones|hosts)|some of)\b|"
    r"(?<![\d.])[1-9]\d?(?:\.\d+)?\s?% of (?:[\w-]+ ){0,2}?(?:traffic|requests|capacity|users|customers|hosts|nodes|"
    r"servers|instances|apps|applications|domains|sites|accounts)\b|"
    r"(?<![\d.])[1-9]\d?(?:\.\d+)?\s?%\s+(?:\w+\s+)?(?:restored|recovered|back)\b|\b(?:restored|recovered)\s+(?:about\s+|~)?[1-9]\d?(?:\.\d+)?\s?%|"
    rf"{STAND_IN}"
)
"""A recovery of only part ("some jobs are coming back", "25% of traffic restored": a share below 100%), or a stand-in
for the service ("DNS changed to the old backup. basic site loads again", "back in read-only mode"): a workaround that
eases the impact, not its end."""
RECOVERY_WEAK = _rx(
    r"\b(?:work(?:s|ing)? again|back to normal|back online|recovered|restored|functioning normally|works now|"
    r"confirmed working|serving (?:again|normally)|reachable[\w ]{0,20} again|(?<!\bnot )fine now)\b"
)
"""A recovery told in passing ("restarted nginx, certs fine now"): the end when nothing firmer tells one."""
NO_RECOVERY = _rx(
    r"\b(?:cannot|can['’]?t|can not|could(?:n['’]t| not)|won['’]t|will not|(?:is|are|was|were)(?:n['’]t| not)|not|never|"
    r"unable to|(?:still )?(?:to|must|should|would|will|may|might|needs? to) be|(?:is|are|was|were) yet to be)\s+"
    r"(?:be\s+|been\s+|fully\s+|yet\s+)*(?:\w+\s+(?:or|and|nor)\s+)?(?:restored|recovered|recover(?:ing)?|resolved)\b|"
    r"\b(?:is|are|was|were)(?:n['’]t| not) (?:\w+ )?(?:coming|getting|going) back(?: up| online)?\b|"
    r"\b(?:won['’]t|never|did(?:n['’]t| not)|has(?:n['’]t| not)|have(?:n['’]t| not)) (?:\w+ )?(?:come|came|get|got|go|gone) back(?: up| online)?\b"
)
"""A recovery word that is negated or only possible ("backups cannot be created or restored", "data could not be
recovered", "the service must be restored", "cluster is not coming back online"): no recovery happened. Cut out before the recovery words are read."""
PLANNED_RECOVERY = _rx(
    r"\b(?:plan|proposal|next steps?)\s*:[^.;]*|\b(?:plan|plans|planning|intend|propose|proposing|aim|hope) to [^.;]*|"
    r"\b(?:should|ought to) (?:now )?(?:work|load|resolve|function|respond)\w* (?:\w+ )?again\b"
)
"""A recovery still to come ("Plan: bring Wynton back online and keep the filesystem offline", "we plan to bring the
cluster back tomorrow"), or one only expected, as a reply to a customer tells it ("Logins should work again. Please
retry"): nothing is seen back yet. Cut out before the recovery words are read."""
RESTORED_THING = _rx(
    r"\b(?:config\w*|settings?|files?|backups?|snapshots?|secrets?|keys?|certs?|certificates?|tables?|records?|roles?|"
    r"permissions?|policy|policies|grants?|routes?|entries|accounts?|prefix(?:es)?|rules?|mappings?)\s+"
    r"(?:(?:was|were|is|are|got|been|has been|have been)\s+)?restored\b|\brestor\w*\s+(?:\w+\s+){0,3}?from\s+(?:the\s+|a\s+)?"
    r"(?:backups?|snapshots?)\b"
)
"""A thing put back ("configuration restored from backup", "DNS records restored"): an act of mitigation, not the
service's recovery. Cut out before the recovery words are read."""
RESTORED_ONE = _rx(
    r"\b(?:the|a|an|our|its|their|this|that|against|onto|into|using|via)\s+(?:newly\s+|freshly\s+|old\s+|new\s+)?"
    r"(?:restored|recovered|repaired|rebuilt|fixed)\s+(?=[a-z])"
)
"""A thing named by what was done to it ("pointing services at the restored replica", "a rebuilt node", "bringing up
the api against restored db"): a word naming it, no statement that anything was restored or done. Cut out before the
done and recovery words are read."""
AVERTED = _rx(r"\bno (?:\w+ ){1,2}this time\b")
"""A recurrence that did no harm ("second wave, caught by the filter, no packet loss this time", "batched sync done. no
spike this time"): the fix holding, not the service coming back."""
RECURRED = _rx(
    r"\b(?:(?:the )?same (?:errors?|failures?|problem|issue|symptoms?|thing)|back to (?:erroring|failing|crashing)|"
    r"(?:fail\w*|erroring|errors?|crash\w*|down|broke\w*|5xx|timeouts?|timing out|gone|lost|dead|dark|offline|"
    r"unreachable|interrupted|dropped|fell over)\s+(?:\w+\s+)?again|relaps\w*|"
    r"(?:creeping|climbing|going|spiking|rising|ticking|shooting|crept|climbed|went|spiked|rose) (?:back )?up again|"
    r"climbing again)\b"
)
"""The failure back after an action or a recovery ("secondary now getting the same errors", "api failing again",
"IPv4 gone again", "connectivity is interrupted again", "kv write latency creeping up again")."""
BOOTING = _rx(r"\b(?:power[- ]?cycl\w*|reboot\w*|hard[- ]reset\w*)\b[^.;]{0,30}\bcoming back(?: up)?\b")
"""A machine booting after its reset ("server down, power cycled, coming back up"): the box comes back, not yet the
service it serves. Cut out before the recovery words are read."""
BACK_UP = _rx(
    r"\b(?:instances?|nodes?|hosts?|servers?|services?|sites?|systems?|machines?|customers?|users?|clusters?)\s+"
    r"(?:(?:is|are|was|were|now|all|fully|mostly)\s+)*(?:up|back)\b(?!\s+(?:by|\d))"
)
"""What is running again ("every instance is up", "90% of instances up", "about half the customer instances are
back"): a recovery told as a state, which the recovery words above miss ("errors are up by 40%" is no recovery).
The impact claims read it; the timeline's phases do not."""
COMPLETION = _rx(
    r"\b(?:done|completed?|finished|drained|all (?:\w+ ){0,3}(?:rebuilt|built|restored|removed|repaired|restarted|"
    r"processed|deleted)|"
    r"that['’]s everything|that was the last|last bit)\b"
)
RESOLVED = _rx(
    r"\b(?:(?<!not )(?<!n't )resolved|(?<!not )(?<!n't )resolving(?=\s*(?:[.,;!:]|$|now\b|the incident\b|it\b|this\b))|(?<!monitoring was )(?<!monitoring is )(?<!monitors were )(?<!dashboards were )all clear|clos(?:ing|ed) (?:the )?incident|incident (?:is )?(?:closed|over|resolved)|"
    r"(?:functioning|operating) normally|fully (?:resolved|restored|recovered)|full resolution|(?<!mystery )(?<!puzzle )(?<!riddle )(?<!question )solved|(?<!not )(?<!n['’]t be )calling it(?!\s*:)|"
    r"call(?:ing|ed|s)? (?:the (?:[\w-]+ ){0,3}?(?:part|incident|outage|impact|event)) over|"
    r"everything (?:is )?(?:functioning|working|back)|declar\w* (?:the )?(?:incident )?resolved|repaired|last bit|"
    r"resolution (?:is )?confirmed|confirmed (?:resolved|fixed)|(?<!not )incident (?:is |was |now )?clear(?:ed)?|"
    r"closed by|we['’]re (?:all )?done(?=\s*[.!]*\s*$))\b"
)
ROUTE_ANNOUNCEMENT = (
    r"(?<!flowspec )(?<!route )(?<!routes )(?<!prefix )(?<!bgp )(?<!routing )(?<!withdrew )(?<!withdrawn )"
    r"(?<!removed the )(?<!withdrew the )(?<!pulled the )(?<!dropped the )announc\w*"
    r"(?!\s+(?:of\s+)?(?:the\s+|our\s+|its\s+|their\s+|a\s+)?(?:routes?|prefix\w*|paths?|bgp|ip|as\d|\d))"
    r"(?!\s+(?:was\s+|is\s+|has been\s+)?(?:removed|withdrawn|pulled|dropped)\b)"
)
"""Telling others ("announced on the status page", "announcement to customers"), as a regex: not a route announced in
BGP ("a flowspec announcement", "announcing our prefixes", "provider removed the announcement", "announcement removed
on CR.LHR1"), which is the network's own act."""
STATUS_PAGE = _rx(rf"\b(?:status ?page|statuspage|customers|{ROUTE_ANNOUNCEMENT}|notif\w*)\b")
CONDITIONAL = _rx(
    r"\b(?:once|when|until|after|if|before|unless)\b[^.]{0,40}\b(?:resolv|fix|recover|clos)|"
    r"\b(?:should|ought to) (?:now )?be (?:fully )?(?:resolved|fixed|recovered)\b"
)
"""A resolution told on a condition ("once the backfill finishes we can close") or only expected ("the issue should now
be resolved"): not told as done."""
COORDINATION = (
    r"declar\w* (?:an? |the )?(?:\w+ )?incident|incident (?:call|channel|bridge|declared|doc)|"
    r"open(?:ing|ed)? (?:the|an) incident|call (?:started|opened)"
)
"""The responders' own coordination ("declaring an incident, I'll lead", "incident call started"), as a regex
alternation: a communication among them, no word to customers."""
COMM = _rx(
    r"\b(?:status ?page|statuspage|status dashboard|(?:service )?health dashboard|posted (?:an? )?(?:update|incident|notice)|(?:update|notice)s?(?: for [\w ]{1,12}?)? posted|post(?:ing|ed)? the all[- ]clear|(?-i:[Pp]ost) (?:in|on|to) |notif(?:y|ied|ication)|"
    rf"{ROUTE_ANNOUNCEMENT}|customers? (?:were )?(?:told|informed|notified)|told (?:community|customers|users)|tech alert|"
    r"(?:public|customer|external) (?:update|comms|communication|notice)|heads up|"
    rf"{COORDINATION}|"
    r"support is drafting|email(?:ed)? customers|write-?up|post-?mortem published|reply sent|replied to|"
    r"thanked the reporter|publish\w* (?:a|the) "
    r"(?:post|report|rca)|(?:investigating|identified|monitoring|resolved|maintenance) (?:post(?:ed)?|post is up|post up|is posted)"
    r"(?=\s*(?:[.,;:!]|$))|status\s*(?:->|→|=>|(?:set|moved|changed|updated) to)\s*(?:investigating|identified|monitoring|resolved))\b"
)
PASSED_ON = _rx(r"^subject:\s|\btweet(?:s|ed)?\b")
"""A mail's subject line ("Subject: prow.k8s.io did not respond to GitHub events this morning (fixed)") or a tweet
passed on ("CenturyLink tweets service is restored"): telling others, whatever its words say was done."""
STAFF_REPLY = _rx(
    r"^\W*(?:agent |staff |support )?(?:reply|replied|response|support)\b[^\n]{0,50}?\([\w .'-]{1,30}\)\s*:|"
    r"^\W*(?:agent|staff|support) (?:reply|replied|response)\b(?:[^:\n]|(?<=\d):(?=\d)){0,50}:\s"
)
"""A staff reply in a customer's ticket ("reply 2012-01-08 09:12 -0500 (rhea): resolution restored for your zones",
"support (kevin): platform recovered", "Support reply 15:10 -0700: jobs restored"): telling the customer, hours after
the responders saw it, not the moment."""
INVEST = _rx(
    r"\b(?:look(?:ing|ed)? (?:at|into)|looking|checking|check(?:ed)?|investigat\w*|hypothes\w*|could (?:this|it) be|maybe|"
    r"might be|probably|suspect\w*|found|identified|points? (?:at|to)|turn(?:s|ed) out|root cause|caus(?:e|ed|ing)|"
    r"because|confirm(?:ed|s)?|seems?|looks like|dig|curl|openssl|traceroute|logs? (?:show|say)|crash dumps?|"
    r"narrowed|reproduc\w*|the bug|bug|audit logs?|reviewing|review(?:ed)?|compar\w*|which|what shipped|any deploys|"
    r"is it us|coincidence|not related|noise|red herring|doesn['’]t fit|restore of|forensics|exporting)\b"
)
FINDING = _rx(
    r"\b(?:found (?:it|the)|identified|the culprit|root cause|turn(?:s|ed) out|it IS|that['’]s (?:it|the)|"
    r"confirmed|points? (?:at|to)|narrowed)\b"
)
QUOTED = _rx(r"[\"“][^\"”]{1,80}[\"”]")
"""Words in quotes: an error message or a name as seen ("request limit exceeded", "… has been disabled"): what it
said, not what was done or why."""
FOUND_IT = _rx(r"^\W*(?:found it|there it is|bingo|got it)\W")
"""A line that opens by announcing a finding: what follows is the cause found, not a step taken."""
NAMES_CAUSE = _rx(r"\b(?:culprit|root cause)\b")
UNDER_WAY = _rx(
    r"^(?:(?:ok|okay|now|so|and|we['’]re|we are|i['’]m|i am|currently|still)[,:]?\s+)?[a-z][a-z-]*ing\b(?!\s+(?:is|was|are|were)\b)|"
    r"[,;]\s+(?:(?:now|currently)\s+)?(?:installing|deploying|applying|uploading|pushing|rolling)\b[^.;]{0,60}\bnow\s*$"
)
"""A line opening with a present participle ("shutting ATL out", "re-enabling the gateway now"), or ending on one
with "now" ("renewed cert issued, installing on the load balancer now"), tells an action under way, not done."""
PLAN_LABEL = _rx(r"^\W*(?:the |our )?(?:plan|next steps?|proposal|idea|options?)\s*[:-]\s")
"""A line labelled as a plan ("plan: kill the blocked writers on update_tags first"): acts still to do."""
_AT_SEVERITY = r"^[\w.:/-]+ \((?:{})\)"
"""An alert's name with the severity the parsers put after it ("DiskTempHigh (warning): ...")."""
INFO_ALERT = _rx(_AT_SEVERITY.format("|".join(sorted(INFO_SEVERITIES))))
"""An alert sent at an informational severity: it tells something worth knowing, no failure."""
QUIET_ALERT = _rx(_AT_SEVERITY.format("|".join(sorted(QUIET_SEVERITIES | {"soft"}))))
"""An alert that pages no one: a quiet severity, or a Nagios state still SOFT (being retried; `items._nagios_log`)."""
NARRATED_CAUSE = _rx(
    r"\b(?:made (?:the|it|them|every)|which (?:is )?why|that['’]s why|is why|caused|because|but we (?:deployed|pushed|"
    r"applied|shipped)|brought back|the culprit)\b|"
    r"\b(?:update|upgrade|patch|script|cron ?job|rollout|installer|autoscaler|unattended-upgrades?)s? (?:had |has )?"
    r"(?:restarted|rebooted|reverted|deleted|removed|killed|stopped|disabled|wiped|dropped) (?:it|them|the|our|every|all)\b"
)
ISSUE_IS = r"the (?:issue|problem) (?:is|was)(?! (?:now |fully |finally )?(?:resolved|fixed|mitigated|over|gone|closed)\b)"
"""Naming what the issue was ("the issue was a stale cache"), not that it is over ("the problem is now resolved")."""
ARROW_CHAIN = r"[A-Za-z][^.;>→]*?\s(?:->|→)\s[A-Za-z][^.;>→]*?\s(?:->|→)\s[A-Za-z]"
"""Two arrows between words in one sentence ("role deleted -> every holder needs an update -> bot retried"): a chain
of cause and effect, unlike one arrow between values ("disk 8000 -> 12000", "old cert -> valid one")."""
CAUSAL = _rx(
    r"\b(?:because|caused by|root cause|due to|the reason|turn(?:s|ed) out|was triggered by|triggered by|led to|"
    r"leads to|resulted in|as a result|so after|which meant|the bug|bug:|"
    rf"{ISSUE_IS}|"
    r"assum\w*|depends? on|dependenc\w*|without|never (?:had|knew|tested|exercised|added|backfilled|covered|checked|"
    r"validated|load tested|been)|nothing (?:was|is) (?:watching|monitoring|checking)|"
    r"(?:nobody|no one) (?:had|has|ran|set up|added) (?:a |an |any )?(?:check|alert|alarm|monitor\w*|test)s? (?:on|for)\b|"
    r"no (?:canary|monitoring|alert|check|test|uptime|review|"
    r"validation|runbook|stagger|history|control)|not (?:backfilled|tested|covered|validated|monitored|checked|"
    r"ignored|excluded|in \.gitignore)|only (?:discovers|covered|stress|deletes|org owners|works|keeps|goes)|"
    r"doesn['’]?t (?:exclude|cover|check|filter)|did not|didn['’]?t|missing|lack\w*|exceeds?|limit|leak|corrupt\w*|"
    r"latent|silent\w*|wrong|hardcod\w*|stash\w*|duplicate|twice|fail(?:s|ed)? closed|in clear text|binary|minimal|"
    r"leak\w*|exceed\w*|exhaust\w*|found it|the culprit|no load shedding|overload\w*|never (?:checks|checked|ran|"
    r"runs|fired|alerted|noticed)|invisible|so nobody|absent from|not in (?:our|the) \w+|"
    r"points? at the wrong|so after|->|→|went to the whole|at once|all at once|same template|trusted|depending on|"
    r"on/off pattern|was the gradual|no control|only (?:appear|happen|show)\w*|fails? closed|failing closed|"
    r"prevent(?:ed|ing|s) (?:[\w-]+ ){1,3}?from (?:establishing|starting|connecting|loading|booting|serving|running)|"
    r"origin:|not (?:marked|labell?ed|flagged|tagged) as|never reached|stopped (?:warning|alerting|notifying|paging|flagging)|"
    r",\s+so (?:it|they|nothing|nobody|no one) (?:was|were|never|did not|didn['’]t|got))\b|" + ARROW_CHAIN
)
"""Causal wording, or a chain of arrows between words ("role deleted -> every holder needs an update -> the bot
retried")."""
GATED = (
    r"(?:sits?|sat|is|was|are|were|lives?|lived|locked) behind (?:the |our |a |an )?(?:[\w-]+ ){0,2}"
    r"(?:sign-?in|log-?in|sso|single sign-on|auth\w*|vpn|identity provider|idp)"
)
"""A tool reachable only through a sign-in ("the health dashboard sits behind Azure AD sign-in"): when that sign-in is
what failed, the tool failed with it."""
STATED_MECHANISM = _rx(
    r"\b(?:depend(?:s|ed|ent)? on|reli(?:es|ed) on|rel(?:y|ying) on|reliance on|single point of failure|went blind|"
    r"(?:had|has|have|there(?:['’]s| (?:was|were|is|are))) no (?!(?:impact|idea|errors?|problems?|issues?|luck|time|choice|"
    r"other|one|reply|response|answer|news|change|need|sign|way of knowing)\b)[\w-]+|no way to|(?:said|posted|told \w+) nothing|"
    r"there (?:isn['’]t|wasn['’]t|weren['’]t|is not|was not|were not) (?:a|an|any) [\w-]+|"
    r"no (?:guard\w*|safeguard\w*|protection|circuit[- ]breaker|kill[- ]switch|safety net|backstop|upper bound|cap)\b|"
    r"nothing (?:that (?:would |could )?|would (?:have )?|could (?:have )?)?(?:stops|prevents|blocks|limits|catches|checks|"
    r"alerts|warns|guards|keeps|caps|enforces|flags|tracks|notices|watches|monitors|stop|prevent|block|limit|catch|check|"
    r"alert|warn|guard|keep|cap|enforce|flag|track|notice|watch|monitor)\b|"
    r"nothing to (?:stop|prevent|block|limit|catch|guard|cap|warn)\b|"
    r"(?:configured|set(?: up)?|designed|built|wired) to (?:stop|exit|shut down|fail|drop|delete|restart|reboot|reject|"
    r"crash|wipe|deschedule|withdraw|purge|expire)\b|"
    r"(?:no|not|never) (?:[\w-]+ ){0,2}configured|left (?:at|on) (?:the |its |their )?defaults?|"
    r"dormant|(?:lay|sat|sitting|lain) (?:unused|idle|untouched)|"
    r"had(?:n['’]t| not) (?:run|fired|been (?:run|used|exercised|triggered|touched)) (?:in|for|since)|"
    r"grace period|fail(?:s|ed|ing)?[- ]static|(?:propagation|caching|cache|ttl) (?:delay|window)|"
    r"(?:masked|hid|hidden|hides|concealed) (?:the|it|its|this|that|how|any)|"
    r"(?:monitor\w*|metrics|telemetry|alert\w*|dashboards?|tool(?:s|ing)?|status (?:page|site|tooling)|debug\w*|backups?|"
    r"logging|pag(?:er|ing)|failover|standby|dns|auth\w*|control plane)\b[^.;]{0,60}\b(?:(?:on|in|over|behind|through|"
    r"ride|rides|rode|share|shares|shared) "
    r"the same (?:[\w-]+ ){0,2}(?:network|backbone|cluster|hosts?|region|infrastructure|platform|hardware|account|"
    r"data ?cent(?:er|re)|zone|provider|machines?|servers?|database)|(?:call|calls|called|use|uses|used|share|shares|"
    r"shared|hit|hits) the same \w+ (?:library|service|api|endpoint|database|queue|dependency))|"
    r"(?<=[\w)\"'] )(?<!\bwe )(?<!\bi )(?<!\bthey )(?<!\bhe )(?<!\bshe )(?<!\bwho )"
    r"(?:ignor(?:es|ed)|overrid(?:es|den)|overrode) (?:it|them|the|its|their|this|that|a|an)\b|takes? precedence|"
    r"\b(?:loss|failure|outage|bug|crash|update|upgrade|migration|script|job|cleanup|surge|spike) (?:corrupted|wiped|"
    r"overwrote|truncated|filled|exhausted|saturated)\b|"
    r"compet(?:ed|es|ing) (?:for|over|with)|easy to miss|hard to (?:spot|see|notice|detect|test)|"
    r"never (?:been )?(?:re)?(?:visit|review|audit|test|exercis|rotat|renew|updat|upgrad|patch|clean|prun|document|"
    r"monitor|alert|verif|validat|configur|enforc|rehears|practi[cs]|drill|deploy|initiali[sz])\w*|"
    r"(?:but|yet) (?:was |were )?(?:not|never) (?:yet )?(?:deployed|redeployed|shipped|released|rolled out|applied)|"
    r"left ?over (?:from|in)|leftovers? (?:from|of)|(?:a )?remainder of|remnants? of|vestigial|dead code|"
    r"(?:that|this|which) explains\b|"
    r"(?:does|do|did)(?:n['’]t| not) (?:let|allow|support|permit)\b|"
    r"(?:cannot|can['’]t|could not|couldn['’]t) (?:be )?(?:add|change|resiz|extend|mov|undo|undone)\w* (?:[\w-]+ ){0,4}"
    r"(?:to|on|in|from) (?:an? |the )?(?:existing|running|live)|"
    r"(?:gave|gives|give|left|leaves|leave|opened|opens) (?:\w+ ){0,2}(?:a|an) (?:window|opening|gap)\b|"
    r"(?:reported|returned|showed|said|claimed) (?:\w+ ){0,2}(?:success\w*|ok|green|healthy|passed)\b[^.]{0,60}"
    r"\b(?:but|while|yet|though|kept|still|lied|not|never)\b|"
    r"never (?:posted|told|updated|communicated|said)|(?<!filing )(?<!filed )(?<!file )(?<!opened )(?<!reported )a (?:latent )?bug(?! report)|contention|race condition|deadlock|"
    r"off-by-one|overflow(?:ed|s)?|r[au]n out of|"
    r"(?:can['’]?t|cannot|could not|couldn['’]t) (?:see|detect|catch|handle|bootstrap|cope with|keep up|scale|tolerate)|"
    r"nothing (?:alerted|alerts|fired|caught|checked|watched|monitored|prevented|stopped|blocked|paged|warned|flagged|"
    r"tracked|tested|covered|limited|enforced)|"
    r"(?:is|was|are|were)(?:n['’]t| not) (?:handled|caught|collected|configured|monitored|alerted|tracked|pinned|"
    r"validated|checked|reviewed|documented|enforced|enabled|rate[- ]limited|monotonic|idempotent|atomic|bounded|unique|"
    r"redundant|replicated|encrypted|backed up|notified|included|rotated|renewed|versioned|isolated|staged|retried|"
    r"cleaned|cleaned up|removed|expired|deduplicated|sanitised|sanitized|escaped|locked|synchroni[sz]ed|capped)|"
    r"un(?:handled|caught|bounded|validated|checked|pinned|limited|capped|versioned|encrypted|tracked)|"
    # latent conditions told with no causal word: a part that lived in one place only ("Kafka ran only in PDX-04"),
    # a drill that left the worst case out ("never the whole facility"), a procedure never done before ("a cold
    # start had never been done", "first time we've ever restored it"), a tool behind the sign-in that failed, a
    # cache that kept stale state for hours, a backup that gave out before its rating, a provider's silent change
    r"(?:ran|runs?|running|lived|lives|living|hosted|located|stored|kept|existed|exists?|deployed|held) only "
    r"(?:in|on|at|from|inside) |"
    r"never (?:the )?(?:whole|entire|full|complete)\b|"
    r"(?:had|has|have) never (?:been )?(?:done|tried|attempted|performed|needed|happened)|"
    r"first time (?:we(?:['’]ve| have| had|['’]d)|anyone (?:has|had)) (?:ever )?(?:done|tried|needed|had to|[\w-]+ed)|"
    + GATED + r"|"
    r"cach(?:e|es|ed|ing) (?:[\w-]+ ){0,4}for (?:hours|days|weeks|up to|\d+\s*(?:h|hours?|min\w*|days?))|"
    r"(?:rated|designed|sized|specified|meant|supposed) (?:for|to last|to run for) [^.;]{0,40}\b(?:fail\w*|lasted|"
    r"gave out|ran out|died|depleted)|"
    r"(?:were|was)(?:n['’]t| not) (?:told|informed|notified|warned)|without (?:any )?(?:notice|warning|telling)|"
    r"none of (?:our|the) (?:[\w-]+ ){0,2}(?:monitor\w*|observability|alerts?|alarms?|dashboards?|tools?|metrics|"
    r"telemetry|checks?)\b[^.;]{0,20}\b(?:saw|see|noticed|caught|showed|detected|flagged|fired)|"
    # ... capacity too small for
    # what came ("left too few healthy routers", "too small to absorb the restart"), a step only a person could do
    # ("it needed a manual step on their side"), a condition building for hours ("load has been creeping up since
    # 4am"), a failure that spreads by itself (a cascade)
    r"(?:left|leaves|leaving|with|had|has|have) (?:too few|too little|not enough|insufficient)\b|"
    r"too (?:small|few|little) to (?:absorb|handle|cope|carry|serve|take|hold)|"
    r"fewer [\w-]+ (?:[\w-]+ )?than (?:needed|required|necessary)|"
    r"(?:needed|needs|need|required|requires|require|depended on|relied on) (?:a |an )?(?:manual|human|by-hand) "
    r"(?:step|change|action|intervention|process|execution|operation)|"
    r"(?:has|had|have) been (?:creeping|rising|growing|climbing|increasing|building|leaking)(?: up)? (?:since|for)|"
    r"cascad(?:e|es|ed|ing)|"
    # code or a path left unused for months, then reached for the first time
    r"(?:had been|has been|have been|was|were|sat|lay|been) (?:sitting |lying )?(?:unused|idle|untouched|dormant|"
    r"disabled|inactive) (?:for|since)|"
    r"(?:reached|exercised|triggered|used|run|hit|called|executed|activated) for the first time|"
    # a safeguard that was not there ("a protection for this config type did not exist", "no lock was in place")
    r"(?:did(?:n['’]t| not)|does(?:n['’]t| not)) (?:yet )?exist|(?:was|were|is|are)(?:n['’]t| not) (?:yet )?in place)\b"
)
"""A mechanism stated as a plain fact, with no causal word: a dependency ("telemetry relied on Consul"), a missing
safeguard ("the endpoint had no rate limit", "nothing alerted on the NS records"), a property that did not hold
("the clock was not monotonic", "the exception isn't handled"), a latent condition ("ClickHouse ran only in
PDX-04", "drills never took out the whole site", "the status page sits behind our SSO")."""
HYPOTHESIS = _rx(
    r"\b(?:maybe|might|could (?:this|it) be|probably|perhaps|i think|guess|wonder|hypothes\w*|whether|"
    r"must have (?!to\b)|must be (?:the|a|an|it|that|this|some)\b|(?:my|i['’]d|i) bet|(?<!\byou )(?<![\w'’])bet (?:it|that|this)(?:['’]s| was| is)|my (?:money|hunch|theory) (?:is|was|'s)|hunch)|\?|"
    r"\b(?:doesn['’]t fit|not related|coincidence|noise|red herring|not a real)\b"
)
FOLLOWUP = _rx(
    r"\b(?:action items?|follow[- ]?ups?|recommendations?|todo|to-do|note to self|we need (?:to|a|an|monitoring)|we should|let['’]s (?:add|make|get|"
    r"write|fix)|open(?:ing)? tickets|i['’]ll (?:open|find out|add|write|fix|look into|check|take)|AI:|next steps?|"
    r"going forward,? (?:we|all|every)|from now on,? (?:we|all|every)|i want \w+|proposed|"
    r"takeaways?|we must|needs? backfilling|needs? a runbook|need a runbook|will try to|"
    r"should (?:stop|start|only|use|add|move|be|get|have an?)\b|"
    r"going to (?:watch|add|fix|write|review)|keep (?:investigating|monitoring))\b"
)


PAGING_SYSTEM = _rx(
    r"^\W*(?:pagerduty|opsgenie|victorops|splunk on-?call|xmatters|grafana on-?call|incident\.io|firehydrant|rootly|"
    r"alertmanager)\b"
)
"""A paging service as the author of an incident log entry (PagerDuty's agent "PagerDuty")."""


def paging_note(item: Item) -> bool:
    """A paging log's own note on its routing ("Notified karin via push notification", "Escalation to SMS/phone
    skipped: ... disabled for account"): it tells who was reached, not what was done to the service or told to
    customers."""
    return item.source == "pager" and item.sub == "note" and bool(PAGING_SYSTEM.match(item.actor or ""))


RECORD_CLOSED = _rx(
    r"\b(?:pull request|PR|merge request|MR|issue|ticket|fork|branch)s?\s+(?:#?\d+\s+)?(?:was\s+|got\s+)?closed\b"
)
"""A pull request, issue or ticket closed ("pull request closed by brwjbowkevj"): a record's end, not the incident's."""


@dataclass
class Signals:
    """What one evidence item shows, and its phase (None for chatter)."""

    phase: Phase | None
    score: float
    change: bool = False
    failure: bool = False
    failure_weak: bool = False
    explicit_start: bool = False
    page: bool = False
    pager_trigger: bool = False
    ack: bool = False
    detect: bool = False
    symptom_report: bool = False
    mitigation: bool = False
    mit_done: bool = False
    mit_progress: bool = False
    mit_negative: bool = False
    recovery_full: int = 0
    recovery_partial: int = 0
    recovery_weak: bool = False
    resolved: bool = False
    comm: bool = False
    invest: bool = False
    causal: int = 0
    hypothesis: bool = False
    followup: bool = False
    finding: bool = False
    summary: bool = False


def _count(pattern: re.Pattern[str], text: str, cap: int = 4) -> int:
    n = 0
    for _ in pattern.finditer(text):
        n += 1
        if n >= cap:
            break
    return n


LATER_SPAN = _rx(
    r"\b(?:it |that )?took (?:us |them )?(?:about |around |roughly |nearly |almost |over |more than |~\s?)?"
    r"(?:an?|one|two|three|four|several|\d+(?:\.\d+)?) (?:hours?|minutes?|mins?|days?) (?:to|before|until)\b|"
    r"\b(?:an?|one|two|three|four|several|\d+) (?:hours?|minutes?|mins?|days?) later\b"
)
"""A span told after the line's moment ("It took about an hour to find that ...", "twenty minutes later"): what
follows happened later than the line's time."""


OUTAGE_LENGTH = _rx(
    r"\b(?:outage|impact|incident|downtime|disruption)\s+(?:length|duration)\b|\b(?:at most|at least|about|probably) "
    r"\d+(?:[-–]\d+)? (?:hours?|minutes?|days?) (?:since|after|from|going by)\b"
)
"""How long it all lasted, told from a moment ("Outage length unknown: at most 16 hours (since the 3:28 PM config
upload)"): the line looks back over the incident; its time is where the span starts, not the line's moment."""


ELAPSED = _rx(r"(?:~\s?|\b(?:about|around|roughly) )?\b\d+\s?(?:min(?:ute)?s?|h(?:ours?|rs?)?)\s+in\b(?!\s+(?:the|a|an|our|its)\b)")
"""A moment told by the time since the start ("~70 min in: github froze the org"): a moment of its own, beside the
clock the line is dated by."""


RECAP_LABEL = _rx(r"^\W*(?:recap|summary|tl;?dr|catch(?:ing)?[ -]?up|for (?:anyone|those|folks|people) (?:just )?joining)\b")
"""A line its writer labels a recap for those arriving late ("recap for anyone joining: we got paged saturday, ..."):
it tells what happened before, not what happens at its own time."""


def _recap(text: str) -> bool:
    """Two or more moments in one line (clocks that differ by other than whole hours: "16:55 GMT, i.e.
    12:55 Eastern" is one moment written twice), or a moment and a span after it ("At 11:33 we saw 500s climbing.
    It took about an hour to find ... We fixed ...") or before it ("~70 min in: github froze the org; 04:26 UTC
    control regained")."""
    if RECAP_LABEL.match(text):
        return True
    clocks = {t.clock % 60 for t in find_times(text)}
    return len(clocks) >= 2 or (
        len(clocks) == 1 and bool(LATER_SPAN.search(text) or OUTAGE_LENGTH.search(text) or ELAPSED.search(text))
    )


def monitor_post(item: Item) -> re.Match[str] | None:
    """A monitor bot's own post in the channel and its state (`items.MONITOR_STATE`), else None."""
    return MONITOR_STATE.match(item.body) if is_bot_post(item) else None


def classify(item: Item) -> Signals:
    """Signals and phase of one item (pure function of the item)."""
    t = item.body
    src, sub = item.source, item.sub
    zero = bool(ZERO.search(t))
    s = Signals(phase=None, score=0.0)
    s.change = bool(CHANGE.search(URL.sub(" ", t))) and not NOT_CHANGE.search(t)  # "https://deploy:…@api…" is an address
    told = STEADY.sub(" ", t)  # "no change in KV error rate so far" tells no failure
    told = NOT_FAILING.sub(" ", told)  # "not broken for everyone, other burns go through" denies it
    told = NO_FAILURES.sub(" ", told)  # "no exceptions in the last 5 minutes" tells none
    told = FAILURES_STOPPED.sub(" ", told)  # "errors gone as of 19:19" tells them over
    told = UNKNOWN_YET.sub(" ", told)  # "no indication creds were taken, but we can't prove it" tells no failure
    told = AMENITY.sub(" ", told)  # "coffee machine is broken again": the office's, not the service's
    if _GUARD_BACK.search(t):
        told = SEALED.sub(" ", told)  # "ruleset loaded. 6379 times out from outside again": the exposure closed
    if "down" in t.lower():
        told = DOWN_NOT_FAILING.sub(" ", TAKEN_DOWN.sub(" ", told))
    told = HELD_OFF.sub(" ", told)  # "attacker can't do anything more": the containment, no failure
    told = CLOSING_IT.sub(" ", told)  # "monitor green. closing the outage": the record closed, no failure told
    locked_out = bool(LOCKED_OUT.search(t))
    how_it_works = bool(HOW_IT_WORKS.search(t))
    posted = monitor_post(item)
    cleared = posted is not None and posted["state"] in MONITOR_CLEARED
    if cleared:
        told = ""  # "<uptimebot> UP web-lb (HTTP 200) - was down 20 min": the check clear again, its downtime told
    if src == "alert" and INFO_ALERT.search(t):
        told = ""  # "HostDown (info): node exporter unreachable (maintenance silence expired)": a notice, no symptom
    # a log line at an error level tells a failure whatever its words ("CRIT risk-engine rule=HOTWALLET_OUTFLOW
    # value=7000", "FATAL: sorry, too many clients already"), unless it logs an administrator's act
    logged_error = src == "log" and bool(ERROR_LEVEL.search(t)) and not ADMIN_ACT.search(t)
    # "packet loss on agg-14, same as all week": a standing trouble, a condition before the incident, not its symptom
    chronic = src not in ("log", "alert") and bool(CHRONIC.search(t))
    s.failure = (bool(FAIL_STRONG.search(told)) or locked_out or logged_error) and not zero and not how_it_works and not chronic
    s.failure_weak = (bool(FAIL_WEAK.search(t)) or chronic) and not zero
    s.explicit_start = bool(EXPLICIT_START.search(t)) and not zero
    s.pager_trigger = src == "pager" and sub == "trigger"
    s.page = s.pager_trigger or (src == "alert" and sub == "firing" and not QUIET_ALERT.search(t)) or (
        src in ("chat", "ticket") and bool(PAGED.search(t)) and not UNPAGED.search(t)
    ) or (src in ("log", "alert") and s.failure and bool(NOTIFIED.search(t)))
    machine = src in ("log", "alert")
    s.ack = (src == "pager" and sub == "ack") or (src == "chat" and bool(ACK.search(t)))
    s.detect = s.ack or (not machine and bool(DETECT.search(t)))
    # "anyone else seeing a weird missed block rate?" tells what its asker sees
    s.symptom_report = src in ("chat", "ticket") and (
        (s.failure and bool(FIRST_PERSON_SYMPTOM.search(t)))
        or ((bool(ALSO_SEEING.match(t)) or (src == "ticket" and bool(USER_POST.match(t)))) and (s.failure or s.failure_weak))
    )
    # a quoted message in a person's line ("users see '… has been disabled'") is no act; a log's msg="…" is the event
    # "no more errors since the revert finished" dates the recovery by an act done before: no act in this line
    acted = t if src in ("log", "alert") else SINCE_ACT.sub(" ", QUOTED.sub(" ", t))
    s.mitigation = (
        bool(MIT_ACTION.search(acted) or (not machine and ACT_DONE.search(acted)))
        and not CRASHED.search(t)
        and not USERS_REPORT.search(t)
        and not DONE_TO_MINE.search(t)
    )
    if paging_note(item):
        s.mitigation = False  # "Escalation to SMS/phone skipped: ... disabled for account" tells paging, no act
    if s.mitigation and NO_ACT.search(t):
        s.mitigation = False  # "power's fine, nothing rebooted. calling NYI": an act ruled out, none done
    if s.mitigation and TOLD_YOU.match(t):
        s.mitigation = False  # "told you we re-enabled too fast": a remark on an act done before, no act now
    if s.mitigation and ME_TOO.match(t):
        s.mitigation = False  # "Same here, different hash from the published one. Deleted it.": a user's report, their own act
    if s.mitigation and locked_out:
        s.mitigation = False  # "I was removed from the org": done to the responders, not by them
    if s.mitigation and how_it_works:
        s.mitigation = False  # "recreation happens when ... we destroy and restore": how it works, nothing done
    if s.mitigation and machine and s.failure and ERROR_LEVEL.search(t):
        s.mitigation = False  # "EXT4-fs error (device dm-4): deleted inode referenced": a failure logged, no act
    if s.mitigation and ROUTINE_UPDATE.search(t) and not FIX_WORD.search(t):
        s.mitigation = False  # "software update applied: gateway config r15.07": a change shipped, not a fix
    if s.mitigation and MISHAP.search(t):
        s.mitigation = False  # "I was rebooting the new nodes, mistyped the list": the act that set it off
    not_back = bool(NOT_RECOVERING.search(t))  # "come up again. not recovering": no act done, nothing back
    s.mit_negative = s.mitigation and bool(MIT_NEGATIVE.search(t) or PAST_STATE.search(t) or not_back)
    s.mit_done = s.mitigation and bool(MIT_DONE.search(RESTORED_ONE.sub(" ", t))) and not s.mit_negative
    s.mit_progress = s.mitigation and bool(MIT_PROGRESS.search(t) or (not machine and UNDER_WAY.search(t)))
    if s.mitigation and PLAN_LABEL.match(t):
        s.mit_done, s.mit_progress = False, True  # "plan: kill the blocked writers first, then ...": not done yet
    said = NO_RECOVERY.sub(" ", t)  # "backups cannot be created or restored" tells no recovery
    said = PLANNED_RECOVERY.sub(" ", said)  # "Plan: bring Wynton back online" tells none yet
    said = RESTORED_THING.sub(" ", said)  # "configuration restored from backup" is the act, not the service back
    said = RESTORED_ONE.sub(" ", said)  # "the restored replica" names it: nothing is said to be back
    said = BOOTING.sub(" ", said)  # "power cycled, coming back up": the box booting, not the service back
    said = NONE_HEALTHY.sub(" ", said)  # "0/12 backends healthy": none back
    if CHECKED_FINE.search(t):
        said = ""  # "load balancer is healthy, pods are up. checking their status": ruled out, nothing back
    if RECURRED.search(t) or AVERTED.search(t):
        # "IPv4 gone again. IPv6 still fine": the failure is back, what stayed up recovers nothing; "no packet loss this
        # time": a later wave averted, nothing came back
        said = ""
    if src == "alert" and sub == "firing":
        said = ""  # an alert that fires tells a problem, whatever its summary says ("FIRING LatencyHigh: p99 back under 0.5s")
    if BACKUP_HANDBACK.search(t):
        said = ""  # "utility power restored, moving us off the generator": the service ran on the generator
        s.mitigation = s.mit_done = s.mit_progress = False
    s.recovery_full = 0 if not_back else max(0, _count(RECOVERY_FULL, said) - _count(PENDING_CATCH_UP, said)) or int(cleared)
    s.recovery_partial = _count(RECOVERY_PARTIAL, said)
    still_broken = bool(STILL_BROKEN.search(t))
    if still_broken:
        # "site back up, the api is still down": a part back, not the service ("back online: RBX8 marked resolved,
        # our proxy still failing")
        s.recovery_partial, s.recovery_full = max(s.recovery_partial, min(s.recovery_full, 1)), 0
    s.recovery_weak = bool(RECOVERY_WEAK.search(said)) and not still_broken
    conditional = bool(CONDITIONAL.search(t)) or t.rstrip().endswith("?")
    s.resolved = (src == "pager" and sub == "resolve") or (
        src != "alert" and bool(RESOLVED.search(t)) and not conditional and not RECORD_CLOSED.search(t)
        and not still_broken  # "their incident marked resolved, our gateway still failing": not ours
    )
    # machine lines (logs, alerts) are facts: they do not communicate, speculate or plan follow-ups
    staff_reply = src == "ticket" and bool(STAFF_REPLY.match(t))
    s.comm = (
        src == "status" or staff_reply or (not machine and bool(COMM.search(t) or PASSED_ON.search(t)) and not paging_note(item))
    )
    s.invest = not machine and bool(INVEST.search(t))
    s.causal = 0 if machine else _count(CAUSAL, t)
    # a user's post asking "is prow down?" tells what they see, not a responder's guess
    # a question in quotes ('forum already has "is it dead??" posts') is what others asked, not the speaker's guess
    s.hypothesis = not machine and bool(HYPOTHESIS.search(QUOTED.sub(" ", t))) and not (
        src == "ticket" and bool(USER_POST.match(t))
    )
    s.followup = not machine and (bool(FOLLOWUP.search(t)) or item.heading_tag == "actions")
    # "found it: the takedown disabled the gateway" narrates a cause, it does not do a mitigation
    s.finding = not machine and bool(FINDING.search(t) or NARRATED_CAUSE.search(t) or FOUND_IT.search(t))
    # a line that tells several moments at once ("22:01 alerts; 22:20 revert; 22:54 restored") is a recap,
    # not the moment it is dated at
    s.summary = not machine and _recap(t)
    s.phase = _phase(item, s, staff_reply)
    s.score = _score(item, s)
    return s


def _phase(item: Item, s: Signals, staff_reply: bool = False) -> Phase | None:
    src, sub = item.source, item.sub
    if item.is_heading or item.is_title or item.is_meta or (item.heading_tag in ("actions", "lessons") and item.at is None):
        return None
    if s.followup and src in ("chat", "notes", "ticket") and not (s.resolved or s.mit_done or s.comm):
        return None
    if src == "pager":
        if sub == "trigger" or sub == "ack":
            return "detection"
        if sub == "resolve":
            return "resolution"
    if src == "status":
        return "communication"
    if src == "alert":
        return "detection" if sub == "firing" else "resolution"
    if s.comm and (
        s.resolved or not s.mit_done or STATUS_PAGE.search(item.body) or PASSED_ON.search(item.body)
        or staff_reply
    ):
        return "communication"
    if s.resolved:
        return "resolution"
    if s.page or s.ack:
        return "detection"
    # "culprit: the staging folder ... there is purge code, never configured" names a cause, not an action
    if s.mitigation and not (NAMES_CAUSE.search(item.body) and not s.mit_done):
        return "mitigation"
    if s.recovery_weak or (s.recovery_full and not s.recovery_partial):
        return "resolution"
    if s.detect or s.symptom_report:
        return "detection"
    if s.explicit_start or s.failure or s.change:
        return "impact_start"
    if s.invest or s.failure_weak or s.causal:
        return "investigation"
    return None


_SOURCE_WEIGHT = {"pager": 1.5, "alert": 1.0, "log": 1.0, "status": 1.0, "ticket": 0.5, "chat": 0.0, "notes": 0.5}


def _score(item: Item, s: Signals) -> float:
    """How informative the item is for a timeline (higher is better)."""
    if s.phase is None:
        return 0.0
    score = _SOURCE_WEIGHT.get(item.source, 0.0)
    score += 3.0 * s.pager_trigger + 2.0 * s.page + 1.5 * s.ack + 1.0 * s.detect + 1.0 * s.symptom_report
    score += 2.0 * s.explicit_start + 1.0 * s.failure + 1.0 * s.change
    score += 1.5 * s.mitigation + 1.5 * s.mit_done + 0.5 * s.mit_negative
    score += 2.0 * s.resolved + 0.5 * s.recovery_full + 1.0 * s.recovery_weak
    score += 1.5 * s.comm + 0.5 * s.invest + 0.5 * min(s.causal, 3)
    if s.phase == "investigation" and FINDING.search(item.body):
        score += 2.0  # a turning point of the investigation
    words = len(item.body.split())
    if words < 4:
        score -= 1.5
    elif words > 45:
        score -= 0.5
    if s.hypothesis and s.phase == "investigation":
        score -= 0.5 if s.causal else 1.5
    elif s.hypothesis and s.phase == "mitigation" and not s.mit_done:
        score -= 1.5  # a mitigation proposed ("maybe a rate limit on them would help") is not one taken
    if item.count > 1:
        score += 0.5
    if item.source == "alert" and item.sub == "resolved":
        score -= 1.5
    return score
