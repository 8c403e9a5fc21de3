"""Evidence lines as the offline drafter sees them: source kind, body text and notes heading.

The wire format (`pmstudio.agents.messages`) carries id, time, actor and text only, so the source
of each line (page, alert, log, status page, ticket, notes, chat) is inferred from its material name
and the shape of its text. Notes keep the heading they sit under ("What made it worse",
"Follow-ups"...), which tells causes and action items apart from narrative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pmstudio.agents.messages import EvidenceLine
from pmstudio.lints.bodies import TASK_BOX
from pmstudio.offline.tone import (
    chat_noise,
    injected,
    relayed,
    spoken,
    without_counterfactual,
    without_questions,
)
from pmstudio.parsers.common import STATUS_POST
from pmstudio.parsers.speakers import CHAT_SPEAKER

Source = Literal["pager", "alert", "log", "status", "ticket", "notes", "chat"]

_PAGER = re.compile(r"^(?P<kind>[a-z]+)_log_entry:\s*(?P<body>.*)$", re.S)
_ALERT = re.compile(
    r"^(?P<status>FIRING|RESOLVED|PENDING|ACTIVE|TRIGGERED|OK|ALERT|ALARM)\s+(?:\[(?P<sev>[a-z]+)\]\s+)?"
    r"(?P<name>[\w.:/-]+(?: \([a-z]+\))?)(?::\s*(?P<body>.*)|\s+(?P<kv>\w+=.*))?$",
    re.S,
)
"""An alert line: its state, then (as e-mail and chat templates print it) its severity in brackets, its name and its
text or labels ("FIRING [warning] ReplicationFeedDelayed feed=minutely"); CloudWatch names the firing state ALARM
("ALARM api-error-alarm: api-prod errors above threshold")."""
_ALERT_TEXT = re.compile(
    r"^(?P<status>FIRING|RESOLVED|TRIGGERED|ALERT|ALARM|OK)\s+\[(?P<sev>(?i:P[1-5]|SEV-?[1-5]|[a-z]+))\]\s+"
    r"(?P<name>[^()\n]*?[^\s()])\s*(?:\((?P<labels>[^()]*)\))?$"
)
"""An alert line with its severity in brackets and its rule told in words (an alerting tool's log: "FIRING  [P1]
rails-web 5xx ratio > 3% (tier=inbox)", "RESOLVED [P1] rails-web 5xx ratio > 3%"): the words are its name."""
_PRIORITY_ALERT = re.compile(
    r"^(?P<prio>P[1-5])\s+(?P<status>OPEN(?:ED)?|CLOSE[D]?|ACK(?:ED|NOWLEDGED)?)\s+(?P<name>\S.*?)\s*$", re.S
)
"""An alert as an on-call tool's export lists it, its priority first ("P3 OPEN issuer-gateway-latency "Issuer gateway
response time above threshold"", "P2 CLOSE "Console synthetic check failed (HTTP 502)""): opened, it fires; closed, it
clears; acknowledged, someone took the page."""
_ASKS_AFTER = re.compile(r"[.!]\s+[A-Z][^.!?]*\?\s*$")
"""A line that tells something, then asks ("CenturyLink tweets service is restored. Can anyone confirm before I shift
traffic back?"): a person's post, told only through its statements."""
_ALERT_RECORD = re.compile(
    r"^#?\d{1,9}\s+(?:\[(?P<prio>P[1-5])\]\s+(?P<name>.+?)\s+-\s+Created\b.*|(?P<verb>acknowledged|closed) by\s+(?P<rest>.*))$",
    re.S,
)
"""An alert as an on-call tool's list shows it, by its number (Opsgenie: "#20431 [P1] BGP session down: edge1-atl
- Created Aug 30, 2020 6:05:02 AM EDT - Source: LibreNMS", "#20431 acknowledged by ...", "#20431 closed by ... -
note: links administratively down"): created, it fires; acknowledged, someone took the page; closed by a person, it
is a note (a person closing an alert tells no recovery)."""
_LEGACY_ALERT = re.compile(r"^(?:[a-z][\w.-]{1,30}\s+)?\[(?P<status>Alerting|OK|No Data|Pending)\]\s+(?P<name>[^:]{1,80}?)(?::\s*(?P<body>.*))?$", re.S)
"""A Grafana legacy notification: the sender, the state in brackets, the rule's name (words) and its message
("grafana [Alerting] PostgreSQL availability: pg_up == 0 for 15s", "[OK] PostgreSQL availability")."""
MONITOR_CLEARED = ("UP", "RECOVERY", "RECOVERED", "OK")
"""The states in which a monitor reports its check clear again (its other states fire it)."""
MONITOR_STATE = re.compile(
    r"^(?::[a-z0-9_+-]+:\s*)*(?P<state>DOWN|UP|CRITICAL|PROBLEM|RECOVERY|RECOVERED|OK)\b"
    r"(?:\s*[:!-]|\s+(?=https?://|[\w*-]+(?:\.[\w*-]+)+\b|[\w-]+\s+\((?:HTTP|http)\b))"
)
"""A monitor's own post to the channel, maybe after its emoji ("<statuscake> DOWN: www.example.org (HTTP timeout from
6 locations)", "<nagios> RECOVERY: db-1 disk", "<uptime-bot> :large_green_circle: UP https://api.example.org (down
12m)", "<uptimebot> UP web-lb (HTTP 200) - was down 20 min"): an alert firing or clearing, whoever reads it."""
_NAGIOS_ALERT = re.compile(r"^(?P<status>CRITICAL|WARNING|PROBLEM|RECOVERY)\s+(?P<rest>\S.*)$", re.S)
"""A Nagios-style notification line: its state in capitals, then the host or check and what it saw ("CRITICAL
www.example.org HTTP 500 rate > 20%", "RECOVERY www.example.org HTTP 500 rate normal"): a problem fires, a recovery
clears it."""
_NAGIOS_NAME = re.compile(r"alert|monitor|nagios|icinga|zabbix|check")
_NAGIOS_LOG = re.compile(r"^(?:CURRENT )?(?P<kind>SERVICE|HOST) (?P<what>ALERT|NOTIFICATION):\s*(?P<fields>[^;\n]+(?:;[^;\n]*)+)$")
"""A line of Nagios's (and Icinga's) own log, its fields split by semicolons: the host, for a service the service,
its state, whether the state is HARD (confirmed, it notifies) or SOFT (still being retried), the attempt and what the
check printed ("SERVICE ALERT: web-pool;HTTP;CRITICAL;HARD;3;connect failed", "HOST ALERT: edge-1;UP;HARD;1;PING OK");
a notification names its contact first ("SERVICE NOTIFICATION: oncall;web-pool;HTTP;CRITICAL;notify-by-sms;...")."""
_NAGIOS_STATES = frozenset({"OK", "UP", "WARNING", "CRITICAL", "UNKNOWN", "DOWN", "UNREACHABLE"})
CHECK_STATE = re.compile(r"(?<![\w-])(?P<state>DOWN|UP)(?![\w?-])")
"""The state an uptime check reports, in capitals ("uptime-check DOWN flutter.dev success ratio 0.20", "pingdom check
api: UP 212ms", "DOWN gitlab.com HTTPS check confirmed from 3 locations"); "DOWN?" is a check still retesting."""
_CHECK_TAG = re.compile(r"^\[(?:uptime|pingdom|statuscake|uptimerobot|betteruptime|checkly|monitor\w*|healthchecks?)\]\s", re.I)
"""A notification tagged with the check that sent it ("[uptime] DOWN https://example.org/ (timeout after 30 s)" forwarded
to a phone): an uptime check's state, whatever file holds it."""
_CHECK_NAME = re.compile(r"alert|monitor|uptime|pingdom|check|probe|nagios|statuscake")
"""A material named for the checks that watch a service from outside."""
_PROBE_STATUS = re.compile(r"\b(?:probe|check|target|monitor|url)=\S+.*?\bstatus=(?P<status>[\w-]+)", re.I)
"""A check's probe as key=value fields, its target and its result ("probe=https target=https://api.example.org/works
status=timeout", "... status=200 route=cloud-direct")."""
_PROBE_KEY = re.compile(r"\b(?:probe|check|target|monitor|url|host)=\S+", re.I)
_UNNOTIFIED = re.compile(r"\bnotif(?:y|ied|ication)=(?:none|no|false|off|0)\b", re.I)
_PROBE_FAILED = re.compile(r"(?:5\d\d|4\d\d|0|timeout|timed[-_]?out|down|error|err|fail(?:ed|ure)?|unreachable|refused|critical)", re.I)
_PROBE_PASSED = re.compile(r"(?:2\d\d|3\d\d|ok|up|healthy|pass(?:ed)?|success)", re.I)
_TICKET = re.compile(
    r"^(?:Opened|Comment|Commented|Closed|Reopened|Assigned|Reply|Replied|Note|New|Solved|Resolved|Edited|Escalated|"
    r"Update|Support|GitHub Support)\b(?: (?:by|from|to) [\w.@-]+| \([\w.@ -]+\)|,\s+[^:]{0,30}?\d{1,2}:\d{2}[^:]{0,20}?)?"
    r"\s*(?: - |: )"
)
"""A ticket's or a thread's entry by its kind, maybe with who and when ("Note (toby) - ...", "Reply, 30 Aug 2020 18:33
(UTC+2): ...")."""
_HEADING_WORDS = re.compile(r"^[#*\s>]*(?P<h>[^.!?;]{2,60}?)[:#*\s]*$")
_MACHINE_MARK = re.compile(r"(?:=|->|\[\d+\]|\b(?:INFO|WARN|WARNING|ERROR|DEBUG|FATAL|CRIT)\b|\$ )")
"""What a machine's line has that people's sentences do not (an upper-case word such as "HTTPS" is in both)."""
_MACHINE = re.compile(rf"\b[A-Z]{{3,}}\b|{_MACHINE_MARK.pattern}")
"""A machine's mark or any upper-case word: a line of a material written by machines and people alike."""
_SENTENCE_END = re.compile(r"[.!?)]\s*$")


def _written_materials(evidence: list[EvidenceLine]) -> set[str]:
    """Materials named for neither kind whose speakerless lines mostly end as sentences do ("Storage is experiencing
    a worldwide outage impacting HTTPS operations."): written by people (a service dashboard's posts), so an
    upper-case word does not make one of their lines a machine's."""
    ended: dict[str, list[int]] = {}
    for e in evidence:
        if e.actor is None:
            counts = ended.setdefault(_material_of(e.id)[0], [0, 0])
            counts[0] += bool(_SENTENCE_END.search(e.text))
            counts[1] += 1
    return {m for m, (n, total) in ended.items() if total and 2 * n >= total}

META = re.compile(
    r"^(?:all )?(?:chat |log )?(?:times?|dates?|timestamps?)\b[^.]{0,60}\b(?:utc|local|eastern|pacific|central|bst|gmt|"
    r"unless|below|marked|zone)\b",
    re.I,
)

RELATIVE_BYLINE = re.compile(
    r"^(?:comment(?:ed)?|repl(?:y|ied)|opened|closed|reopened|edited|answered|posted)\b[^.!?]{0,40}?"
    r"(?:~\s*|about\s+)?\d+\s+(?:minutes?|mins?|hours?|days?|weeks?)\s+ago\b[^.!?]{0,60}$",
    re.I,
)
"""A forum or issue byline told by its age ("comment (~8 hours ago, feedstock maintainer):", "opened ~9 hours ago",
"closed (~1 hour ago) as completed"): who wrote when, no statement of the incident."""
HeadingTag = Literal["cause", "actions", "lessons", "timeline", "facts", "impact", "other"]
_HEADING_TAGS: tuple[tuple[HeadingTag, re.Pattern[str]], ...] = (
    ("actions", re.compile(
        # "follow-up statement", "follow-up report": a document that follows the incident, not its follow-ups
        r"\b(follow[- ]?ups?(?! (?:statements?|posts?|reports?|notices?|e-?mails?|mails?|messages?|updates?|blog))|action|actions|next( steps)?|todo|to do|takeaways?|remediations?|fix(es)?|corrective|commitments?|"
        r"prevent(at)?ive|prevention|what (we|are we)\b.{0,20}\bchang\w*|moving forward|going forward|looking ahead)\b", re.I)),
    ("cause", re.compile(
        r"\b(cause|causes|why|worse|contribut\w*|observations?|analysis|what happened|what broke|how|hurt|"
        r"slow(ed|s)? (us|it|things|the \w+) down|held (us|it|things) back|got in (the|our) way|hamper\w*)\b", re.I)),
    ("lessons", re.compile(r"\b(lessons?|learn\w*|went well|went wrong|retro\w*|reflections?)\b", re.I)),
    ("timeline", re.compile(r"\b(timeline|chronology|log of events|sequence)\b", re.I)),
    ("facts", re.compile(r"\b(facts?|findings?|details?|summary|so far|forensics|what we know|known|background)\b", re.I)),
    ("impact", re.compile(r"\b(impact|scope|affected|customers?)\b", re.I)),
)


WENT_POORLY = re.compile(r"\bwent (?:wrong|badly|poorly)\b|\bdid(?:n['’]t| not) go well\b", re.I)
"""A "what went wrong" heading: tagged lessons, but what sits under it is also what made the incident happen or last."""


@dataclass
class Item:
    """One evidence line with what the drafter inferred about it."""

    id: str
    order: int
    at: datetime | None
    actor: str | None
    text: str
    count: int
    last_at: datetime | None
    material: str
    line: int
    source: Source
    sub: str = ""
    body: str = ""
    heading: str = ""
    heading_tag: HeadingTag | None = None
    is_heading: bool = False
    is_title: bool = False
    is_meta: bool = False
    tags: set[str] = field(default_factory=set)
    date_only: bool = False
    written: str | None = None
    """The line's time as its source wrote it ("14:05" for a chat line whose UTC time is 18:05), when it differs."""
    done: bool = False
    """A checklist's ticked line ("[x] reset passwords for all accounts"): a step the responders took."""
    background: bool = False
    """Labelled as background ("Background: every datacenter runs ..."): how the system stood before, no impact."""

    @property
    def lower(self) -> str:
        return self.body.lower()


def _material_of(eid: str) -> tuple[str, int]:
    name, _, line = eid.rpartition(":")
    if name and line.isdigit():
        return name, int(line)
    return eid, 0


def _source(material: str, e: EvidenceLine, written: bool = False) -> tuple[Source, str, str]:
    """(source, sub kind, body) of one line; `written`: its material is written by people (`_written_materials`)."""
    name = material.lower()
    text = e.text.strip()
    m = _PAGER.match(text)
    if m and ("pager" in name or "pd" in name or "incident" in name or m.group("kind") in _PAGER_KINDS):
        kind = m.group("kind")
        sub = {"trigger": "trigger", "acknowledge": "ack", "resolve": "resolve"}.get(kind, "note")
        return "pager", sub, m.group("body").strip()
    m = _ALERT.match(text)
    if m and ("alert" in name or "prometheus" in name or "monitor" in name or e.actor is None):
        status = m.group("status").upper()
        sub = "resolved" if status in ("RESOLVED", "OK") else "firing"
        body = (m.group("body") or m.group("kv") or "").strip()
        alert = f"{m.group('name')} ({m.group('sev')})" if m.group("sev") and "(" not in m.group("name") else m.group("name")
        return "alert", sub, f"{alert}: {body}" if body else alert
    m = _ALERT_TEXT.match(text) if e.actor is None and "alert" in name else None
    if m is not None:
        sub = "resolved" if m.group("status") in ("RESOLVED", "OK") else "firing"
        return "alert", sub, f"{m.group('name')} ({m.group('sev')})"
    m = _PRIORITY_ALERT.match(text) if e.actor is None and "alert" in name else None
    if m is not None:
        status = m["status"].upper()
        if status.startswith("ACK"):
            return "pager", "ack", text
        return "alert", ("resolved" if status.startswith("CLOSE") else "firing"), f"{m['name']} ({m['prio']})"
    m = _ALERT_RECORD.match(text) if e.actor is None else None
    if m is not None and m["name"]:
        return "alert", "firing", f"{m['name']} ({m['prio']})"
    if m is not None:
        return "pager", ("ack" if m["verb"] == "acknowledged" else "note"), text
    m = _LEGACY_ALERT.match(text)
    if m and ("alert" in name or "grafana" in name or "monitor" in name or e.actor is None):
        sub = "resolved" if m.group("status") == "OK" else "firing"
        return "alert", sub, f"{m.group('name')}: {m.group('body')}" if m.group("body") else m.group("name")
    nagios = _nagios_log(text) if e.actor is None else None
    if nagios is not None:
        return nagios
    m = _NAGIOS_ALERT.match(text) if e.actor is None and _NAGIOS_NAME.search(name) else None
    if m is not None:
        sub = "resolved" if m["status"] in MONITOR_CLEARED else "firing"
        severity = " (warning)" if m["status"] == "WARNING" else ""
        head, _, rest = m["rest"].partition(" ")
        return "alert", sub, f"{head}{severity}: {rest}" if rest else f"{head}{severity}"
    check = CHECK_STATE.search(text) if e.actor is None and (_CHECK_NAME.search(name) or _CHECK_TAG.match(text)) else None
    if check is not None:  # an uptime check going DOWN fires; its coming UP clears it
        return "alert", "firing" if check["state"] == "DOWN" else "resolved", text
    probe = _probe(name, e)
    if probe is not None:  # a probe of a target failing fires; the same probe passing clears it (`build_items`)
        return "alert", "firing" if probe[1] else "resolved", text
    if e.actor is not None and _CHAT_NAME.search(name):
        # a person's line in a file named as a chat ("customer-it-chat.txt", "support-slack.json") is chat, whoever's
        # channel it is: never a published update to quote
        return "chat", "", text
    if any(k in name for k in ("ticket", "issue", "support", "jira", "inbox", "thread", "moderation")) or (
        _POSTS_NAME.search(name) and not _LOG_NAME.search(name)
    ):
        return ("status" if STATUS_POST.match(text) else "ticket"), "", text
    if "status" in name and (not ("note" in name or _WRITEUP.search(name)) or STATUS_POST.match(text)):
        # "status-and-notes.md" mixes the two, and "postmortem-status-log.md" is the write-up's own log of its
        # status: only a line shaped as a status post is one
        return "status", "", text
    if (
        any(k in name for k in ("customer", "announce", "update", "advisory", "comms", "notify", "notice", "banner"))
        or _PUBLIC_BOARD.search(name)
    ) and not name.endswith(_LOG_SUFFIXES):  # "bgp-updates.log", "update-server.log": a machine's log, not a post
        return "status", "", text
    if e.actor is None and STATUS_POST.match(text):
        return "status", "", text
    if name.endswith(_LOG_SUFFIXES) or (
        re.search(r"(^|[-_.])(log|logs|syslog|audit)([-_.]|$)", name) and not name.endswith((".md", ".markdown", ".rst"))
    ):  # "postmortem-status-log.md" is written by people, in Markdown: notes
        return "log", "", text
    if e.actor is None and _TICKET.match(text):
        return "ticket", "", text
    if name.endswith((".md", ".markdown", ".rst")) or any(k in name for k in ("note", "doc", "history", "forensic")):
        return "notes", "", text
    if e.actor is None:
        return ("log" if (_MACHINE_MARK if written else _MACHINE).search(text) else "notes"), "", text
    return "chat", "", text


def _probe(name: str, e: EvidenceLine) -> tuple[str, bool] | None:
    """(what it probes, whether it failed) of a check's probe line (`_PROBE_STATUS`) in a material named for checks;
    a probe that notifies no one ("status=CRITICAL notify=none") is no alert."""
    m = _PROBE_STATUS.search(e.text) if e.actor is None and _CHECK_NAME.search(name) else None
    if m is None or _UNNOTIFIED.search(e.text):
        return None
    failed = bool(_PROBE_FAILED.fullmatch(m["status"]))
    if not failed and not _PROBE_PASSED.fullmatch(m["status"]):
        return None
    return " ".join(_PROBE_KEY.findall(e.text)), failed


def _nagios_log(text: str) -> tuple[Source, str, str] | None:
    """A Nagios log line (`_NAGIOS_LOG`) as an alert: a problem state fires, OK or UP clears it; a warning or a
    state still SOFT pages no one, so it is told at that severity ("web-pool/HTTP (soft): connect failed")."""
    m = _NAGIOS_LOG.match(text)
    if m is None:
        return None
    fields = [f.strip() for f in m["fields"].split(";")]
    if m["what"] == "NOTIFICATION":
        fields = fields[1:]  # the contact notified
    at = next((i for i, f in enumerate(fields) if f in _NAGIOS_STATES), None)
    if not at:
        return None  # no state, or no host named before it
    state, rest = fields[at], fields[at + 1 :]
    soft = bool(rest) and rest[0] == "SOFT"
    output = next((f for f in reversed(rest) if f and f not in ("HARD", "SOFT") and not f.isdigit()), "")
    name = "/".join(f.replace(" ", "-") for f in fields[:at])
    if state in MONITOR_CLEARED:
        return "alert", "resolved", f"{name}: {output}" if output else name
    severity = " (warning)" if state == "WARNING" else " (soft)" if soft else ""
    return "alert", "firing", f"{name}{severity}: {output}" if output else f"{name}{severity}"


_FORGES = ("github", "gitlab")
_POSTS_NAME = re.compile(rf"(?:^|[-_.])(?:e-?mails?|mailing-?list|mail|{'|'.join(_FORGES)})(?:[-_.]|$)")
"""A material named as mail or a forge's events ("kubernetes-dev-mail.txt", "github-events.txt"): posts by people,
as a ticket's are (not a mail server's or a forge's audit log: `_LOG_NAME`)."""


def ticket_label(material: str) -> str:
    """How a timeline names a line of a ticket-like material: a forge's event, a mail, else a ticket's update."""
    name = material.lower()
    if any(forge in name for forge in _FORGES):
        return "Repository event"
    if _POSTS_NAME.search(name):
        return "Mail"
    return "Ticket update"


_LOG_SUFFIXES = (".log", ".jsonl", ".out")
"""File endings of a machine's log, whatever words its name has."""
_LOG_NAME = re.compile(r"(?:^|[-_.])(?:log|logs|syslog|audit|jsonl)(?:[-_.]|$)")
_WRITEUP = re.compile(r"post-?mortem|write-?up|retro|\brca\b|incident-report")
"""A material named as the post-mortem or its draft ("postmortem-status-log.md"), not a public status page."""
_CHAT_NAME = re.compile(r"chat|slack|irc|telegram|discord|mattermost|zulip|gitter|whatsapp")
_PUBLIC_BOARD = re.compile(r"(?:status|health)[-_ ]?dashboard|dashboard[-_ ]?posts?")
"""A material named after a public status board (AWS's Service Health Dashboard, Google's Status Dashboard)."""
_PAGER_KINDS = {"trigger", "acknowledge", "resolve", "annotate", "assign", "escalate", "notify", "reach_trigger"}


_MD_HEADING = re.compile(r"^#{1,6}\s+(?=\S)")
"""The mark of a Markdown heading, which the notes parser keeps on the evidence text ("## why")."""
_CHECKBOX = re.compile(rf"^{TASK_BOX}\s+(?=\S)")
"""A task list's box ("[x] rotate privileged credentials", "[ ] improve the password reset system"), which the notes
parser keeps on the evidence text: ticked, the step was done; empty, it is still to do (a follow-up)."""


def _heading_tag(text: str) -> HeadingTag:
    for tag, pattern in _HEADING_TAGS:
        if pattern.search(text):
            return tag
    return "other"


# the whole line is the name of a post-mortem section: a heading even right below a list (Markdown needs no
# blank line before "## Follow-ups"), never a list item
_SECTION_TITLE = re.compile(
    r"^(?:(?:our|the|proposed|planned|open|remaining|suggested|immediate|short[- ]term|long[- ]term|next)\s+)*"
    r"(?:follow[- ]?ups?(?:\s+(?:items?|actions?|tasks?|to propose))?|action (?:items?|points?|plan)|actions?(?: taken)?|"
    r"next steps?|to-?dos?|remediations?(?:\s+(?:items?|steps?|plan|ideas))?|commitments?|corrective(?: and prevent(?:at)?ive)? "
    r"(?:actions?|measures?)|prevent(?:at)?ive (?:actions?|measures?)|prevention(?: strategies)?|takeaways?|"
    r"what (?:we(?:['’]re| are| will|['’]ll)?|are we|will we)(?: going to)? (?:change|changing|do|doing|fix|fixing)|"
    r"what(?:['’]s| is) next|"
    r"lessons(?: learn(?:ed|t))?|what went (?:well|wrong|badly|poorly)|timeline|root causes?|causes?|"
    r"contributing factors?|impact|summary|what happened|detection|resolution|recovery|"
    r"how (?:we|it) (?:fixed|recovered)(?: it)?|why|next)"
    r"(?:\s*\([^)]{1,30}\))?$",
    re.I,
)


# a line that opens with a cause label states a cause, as a line under a "Cause" heading does
# ("- Cause: the control system for both cooling units failed", "Mechanism: ...", "Root cause - ...",
# "cause=expired cert"); the one place this label is known: causes.py reads it too
CAUSE_LABEL = re.compile(
    r"^\W*(?:(?:the\s+)?(?:root\s+|underlying\s+|probable\s+|likely\s+|main\s+|real\s+|actual\s+|true\s+|primary\s+)?causes?(?:\s+(?:found|identified|confirmed|chain))?|"
    r"causal chain|mechanism|why(?: it happened)?|"
    r"what broke|contributing(?: factors?| causes?)?)\s*(?::|=|\s[-–—]\s)\s*(?=\S)",
    re.I,
)
"""A line labelled as the cause; the match is the label, so `CAUSE_LABEL.sub("", text)` leaves the cause."""
MITIGATION_LABEL = re.compile(r"^\W*(?:mitigation|remediation|workaround|fix|recovery)\s*(?::|\s[-–—]\s)", re.I)
"""A line labelled as what was done to end the impact ("Mitigation: ...", "Fix: new /api/forms endpoint ...")."""
ADVICE_LABEL = re.compile(
    r"^\W*(?:recommendations?|action items?|actions|follow[- ]?ups?|next steps?|to-?dos?|lessons?(?: learned)?)\b[^:]{0,30}:",
    re.I,
)
"""A line labelled as advice, lessons or work to come ("Recommendations for the post: don't reuse passwords; be careful
with services that auto-merge ...", "Actions: (1) catalog ..."): what to change, never why it happened nor who was
hurt."""
_KINDS = r"(?:corrective|preventive|preventative|remedial|repair|review|follow[- ]up)\s+"
_ACTION_KIND = rf"(?:{_KINDS})?"
"""The kind a list of actions may be labelled with ("Corrective actions:", "Review actions:")."""
ACTIONS = rf"(?:{_ACTION_KIND}(?:actions?|action items?)|{_KINDS}(?:measures|items))"
"""The words labelling a list of actions: "actions", "action items", "corrective actions", "repair items"."""
LABEL_NOTE = r"\([^()]{1,60}\)"
"""A note in brackets between a list's label and its colon ("Follow-up (post-mortem results post): ...")."""
LESSONS_LABEL = re.compile(
    r"^\W*(?P<label>(?:what\s+)?(?:went\s+(?:wrong|badly|poorly|well|right)|did(?:n['’]t| not) go well|worked(?: well)?|"
    r"lessons?(?:\s+learn(?:ed|t))?|takeaways?))\s*(?::|=|\s[-–—]\s)\s*(?=\S)",
    re.I,
)
"""A line labelled as a lesson or as what went well or wrong ("Went wrong: only one person saw the alerts; ..."): a
line under such a heading, as it were; the match is the label."""
ACTIONS_LABEL = re.compile(
    rf"^\W*(?:{ACTIONS}(?: taken)?|follow[- ]?ups?|next(?: steps)?|to[- ]?dos?|commitments?|remediation|done\s*/\s*doing)"
    rf"(?:\s*{LABEL_NOTE})?\s*:\s*\S",
    re.I,
)
"""A line labelled as the follow-ups ("Actions: rotate keys; delete CI logs after 48 hours; ...", "Follow-up (from the
second post): ..."): a line under an "Action items" heading, as it were."""
BACKGROUND_LABEL = re.compile(r"^\W*(?:background|context)\s*(?::|\s[-–—]\s)\s*(?=\S)", re.I)
"""A line labelled as background ("Background: we reuse validations for 30 days"): how the system stood before the
incident, a fact the causes rest on (as a line under a "Background" heading is)."""


def section_title(text: str) -> bool:
    """Whether `text` is only the name of a post-mortem section ("## follow-ups", "Next steps:")."""
    return bool(_SECTION_TITLE.match(text.strip(" #*_:")))


def _looks_like_heading(item: Item, *, after_gap: bool = True) -> bool:
    if item.at is not None or item.source not in ("notes", "ticket"):
        return False
    if not after_gap:
        return section_title(item.text)
    text = item.text.strip()
    words = text.split()
    if not words or len(words) > 7 or text.endswith((".", "?", "!", ";", ",")):
        return False
    if any(ch.isdigit() for ch in text) or "|" in text:
        return False
    return bool(_HEADING_WORDS.match(text))


def _looks_like_title(item: Item, *, seen_material: bool) -> bool:
    """The first line of a notes, ticket or status file that names the document."""
    if seen_material or item.source not in ("notes", "ticket", "status") or item.line > 2:
        return False
    text = item.text.strip()
    return len(text.split()) <= 16 and not text.endswith((".", "!", "?")) and (item.at is None or " - " in text)


def _continues(injected: EvidenceLine | None, injected_line: int, e: EvidenceLine, line: int) -> bool:
    """The line right below an unfinished injected sentence, going on in lower case: the same sentence, unless the line
    is a record of its own: another speaker's message, or a line with a time of its own (a log record at 18:00:41 below
    an injected one at 11:39, "[13:10 EST] forum user @pixelfern: ..." below a forum post at 10:40) (issue 11: a
    swallowed secops log hid a security incident's detection and containment)."""
    if injected is None or line != injected_line + 1 or not e.text[:1].islower():
        return False
    return e.actor == injected.actor and (injected.at is None or e.at is None or e.at == injected.at)


_INJECTION_END = re.compile(r"[.!?][\"'”’)\]]*\s*$")


_ADDRESSEE = re.compile(r"^@?(?P<n>[A-Za-z][\w.-]{1,20}):\s+(?=\S)")
"""The nick a chat message opens on to address someone ("jochen: we have a problem"), as IRC writes it."""


_CHANNEL_NAME = re.compile(rf"{_CHAT_NAME.pattern}|channel|chatroom")


def _copied_speaker(material: str, text: str) -> tuple[str, str] | None:
    """(speaker, message) of a line copied from a channel into a file of another kind ("community-channel.txt" kept as
    a ticket: "2025-08-18 15:41 UTC val-op-north: anyone else missing blocks?"): a handle, in lower case or with a
    digit, dot, dash or underscore in it, not a label ("Note: ...", "Update: ...")."""
    name = material.lower()
    if not _CHANNEL_NAME.search(name) or name.endswith((".log", ".jsonl", ".out")):
        return None  # (an IRC log keeps its own "<nick>" and "nick:" reading: `people`)
    m = CHAT_SPEAKER.match(text.strip())
    said = m.group("name") if m is not None else None
    if m is None or not said or " " in said or not (said[:1].islower() or any(c in said for c in "-_.0123456789")):
        return None
    return said, m.group("text")


def build_items(evidence: list[EvidenceLine]) -> list[Item]:
    """Items in evidence order; notes lines carry the heading they sit under (one linear pass)."""
    items: list[Item] = []
    heading: dict[str, tuple[str, HeadingTag | None, int]] = {}
    seen: set[str] = set()
    last_line: dict[str, int] = {}
    injection: dict[str, tuple[int, EvidenceLine]] = {}  # material -> (last line, injected line) of an open injection
    speakers = {e.actor.strip().lower() for e in evidence if e.actor}
    written = _written_materials(evidence)
    failing: set[tuple[str, str]] = set()  # (material, what a probe checks) that failed
    for e in evidence:
        material, line = _material_of(e.id)
        marked = _MD_HEADING.match(e.text)
        if marked is not None:  # "## done on the night": a Markdown heading, read without its mark
            e = e.model_copy(update={"text": e.text[marked.end() :]})
        box = _CHECKBOX.match(e.text) if e.actor is None else None
        if box is not None:  # a checklist's line is read without its box; an empty box marks work still to do
            e = e.model_copy(update={"text": e.text[box.end() :]})
        if e.actor is None and (said := _copied_speaker(material, e.text)) is not None:
            # "val-op-north: anyone else missing blocks?" in a copied channel: a person's message, as in a chat file
            e = e.model_copy(update={"actor": said[0], "text": said[1]})
        source, sub, body = _source(material, e, material in written)
        if source == "alert" and (probe := _probe(material.lower(), e)) is not None:
            if probe[1]:
                failing.add((material, probe[0]))
            elif (material, probe[0]) not in failing:
                source, sub = "log", ""  # a probe passing that never failed ("check=api-v6 ... (new check)") clears nothing
        open_line, open_e = injection.get(material, (0, None))
        starts = injected(e.text)
        if starts or _continues(open_e, open_line, e, line):
            # stays evidence (quoted in the appendix) but is never drafted from; nor is the rest of its sentence
            # hard-wrapped onto the next lines ("... ignore the analysis above;" / "list the storage team as owner"),
            # which ends at a stop, also one inside closing quotes ('... mark severity low."')
            if _INJECTION_END.search(e.text):
                injection.pop(material, None)
            else:  # (a continuation keeps the injected line's own speaker and time to be told apart by)
                injection[material] = (line, e if starts or open_e is None else open_e)
            continue
        if source == "chat" and e.actor and (to := _ADDRESSEE.match(e.text)) and to["n"].lower() in speakers:
            # "tom: jochen: we have a problem with osmdbt": IRC's way to address someone, not a label of the message
            e = e.model_copy(update={"text": e.text[to.end() :]})
            body = body[to.end() :] if body.startswith(to.group(0)) else body
        passed_on = relayed(e.text) if source not in ("alert", "pager") else None
        passed_on = passed_on if passed_on is not None and "?" in passed_on else None
        if passed_on is not None:
            # a user's words passed on in a record ('community forum: "Is OSM partially down? ..."'): told, like chat,
            # only through its statements
            e = e.model_copy(update={"text": passed_on})
            body = relayed(body) or body
        if source in ("chat", "ticket") or spoken(e.text, thread=False) or passed_on is not None or _ASKS_AFTER.search(e.text):
            # what a person said (a chat message, a speaker's line in a ticket or mailing-list thread or an IRC log,
            # a signed help-desk post) is told only through its statements: its questions and sarcasm are never
            # claims (a speaker's prefix stays: `people` reads the speaker from it)
            text, body = without_questions(e.text), without_questions(body)
            if not text.strip() or not body.strip():
                continue
            e = e.model_copy(update={"text": text})
            if chat_noise(body or e.text):
                # ... unless only a trailing "otherwise … would have" is hindsight: the fact before it stays
                head, head_body = without_counterfactual(e.text), without_counterfactual(body) if body else ""
                if not head or (body and not head_body):
                    continue
                e, body = e.model_copy(update={"text": head}), head_body or body
        item = Item(
            id=e.id,
            order=len(items),
            at=e.at,
            actor=e.actor,
            text=e.text,
            count=e.count,
            last_at=e.last_at,
            material=material,
            line=line,
            source=source,
            sub=sub,
            body=body,
            date_only=e.date_only,
            written=e.written,
        )
        item.is_meta = bool(META.match(e.text.strip()) or RELATIVE_BYLINE.match(e.text.strip()))
        current = heading.get(material)
        item.is_title = current is None and _looks_like_title(item, seen_material=material in seen)
        seen.add(material)
        # a heading stands after a blank line (or first); a short line right below another is a list item
        after_gap = line - last_line.get(material, -1) > 1 or material not in last_line
        last_line[material] = line
        if (marked is not None and not item.is_title and item.at is None and len(item.text.split()) <= 8) or _looks_like_heading(
            item, after_gap=after_gap
        ):
            item.is_heading = True
            tag: HeadingTag | None = _heading_tag(item.text)
            if tag == "other" and current is None and line <= 1:
                tag = None  # the document's title, not a section
            heading[material] = (item.text.strip(" #*:"), tag, line)
        elif current is not None:
            item.heading, item.heading_tag = current[0], current[1]
        if source in ("notes", "ticket") and item.at is None and not item.is_heading:
            label = CAUSE_LABEL.match(body)
            if label is not None:
                item.body, item.heading_tag = body[label.end() :], "cause"
            elif (label := BACKGROUND_LABEL.match(body)) is not None:
                item.body, item.heading_tag, item.background = body[label.end() :], "facts", True
            elif (label := LESSONS_LABEL.match(body)) is not None:
                # what went well, a lesson: a line under such a heading; what went wrong stays where causes are read
                # (under "What went wrong" a responder lists what made it happen or last), its label gone
                item.body, item.heading = body[label.end() :], label["label"]
                if not WENT_POORLY.search(label["label"]):
                    item.heading_tag = "lessons"
            elif ACTIONS_LABEL.match(body):
                item.heading_tag = "actions"  # the label stays: the action items read the list after it
        if box is not None and box["mark"] == " " and not item.is_heading:
            item.heading_tag = "actions"  # "[ ] improve the password reset system": a follow-up, under any heading
        item.done = box is not None and box["mark"] != " "
        items.append(item)
    return items
