"""The four milestones (impact start, detection, mitigation, resolution) and the trigger, from signals.

Each milestone is an evidence item, so its time is that item's `at`: never computed or rounded.

- detection: the first page (PagerDuty trigger or a "paged" message; not "no alert fired"); else the first alert
  firing, also one a bot relays to chat with its tag ("[CRIT] ip-core: 60+ routers unreachable"; a warning-severity
  alert, "[WARN] …", notifies, it does not page); else the first acknowledgement, report or told
  symptom of a problem; else the first human symptom report or responders' note of a report. A day without a time
  detects only when no timed line does.
- impact start: the start of an impact window the responders state ("slow publishing lasted 20:13-21:00", "went
  unnoticed from 2019-07-25 to 2020-02-29"), when a line is dated there; else the first failure before detection.
  Machine evidence (logs, alerts) is trusted as
  is, apart from a log line written at a routine level (INFO, DEBUG); when the first failure is a human report, a change shortly before it (a deploy, a push, a
  published update) is taken as the start instead. When the detecting alert names a precursor rather than
  a symptom ("traffic-router load above paging threshold"), the first symptom after it (within a day). Without
  failures, the last change before detection; without one either, a detection that is itself a symptom ("vault
  latency alarm paged me").
- detection is never before the impact start: when the start comes after the detecting alert (responders already
  on the precursor when users were hit), the detection is the start (datasets/README.md, "Milestone convention").
- trigger: a change before impact (never the first symptom itself).
- mitigation: the responders' own "incident mitigated"; else the action a later line credits with the recovery
  ("rollback resolved it": its first completed instance, else when it got under way); else the first completed,
  successful mitigation with its own full recovery signal (unless an action under way brought the service back
  before it: that return, the first stage of a staged recovery); else one followed by recovery within a quarter of
  an hour (a step done while the action goes on, "restarted, ramp-up in progress", or a partial recovery, "25% of
  traffic restored", is neither); else, for an action under way that nothing completed before full recovery within
  the hour, that recovery: the service coming back, not the action's start (unless the action starts right after a
  completed action nothing says failed: then it is that action's recovery, "rollback done" then "starting server
  restarts"); else the first completed one (when it halts the service, "issuance halted", the later act that
  re-enables it; when a step done within a quarter of an hour brings the first part back, "first group restarted
  and taking traffic", that step: the cause removed and the first stage back); else, when no
  action is named, the first recovery. An action only named (not done, not under way before recovery) or only
  attempted in vain leaves it empty: a wrong time costs more than an empty one. So do an obligation ("it all
  has to be rebuilt") and, with nothing completed, a step done while the work goes on ("first two sites done,
  starting the third") that nothing recovers after within the hour; unless the service is later told coming back
  ("capacity coming back, routes re-established in the first location"): that first stage is the mitigation.
  A found cause ("found it: the takedown disabled …") and an action under way are not mitigations.
  The main impact over ("nearly all devices are back", "API back for most customers") before whatever those rules
  pick, or when they pick nothing, is the mitigation, unless the responders' own "incident mitigated" came first;
  their "fully mitigated" tells all impact over (the resolution).
- resolution: see `find_resolved`.

A recap line telling several moments ("22:01 alerts; 22:20 revert; 22:54 restored") is no milestone.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from pmstudio.lints.quantities import APPROX, find_durations, find_times
from pmstudio.offline.classify import (
    BACKLOG_DONE,
    BACKUP_GONE,
    BOOTING,
    COMPLETION,
    CONTAINED,
    ERROR_LEVEL,
    EXPOSURE,
    FAIL_STRONG,
    FAIL_WEAK,
    MIT_PROGRESS,
    NO_RECOVERY,
    PART_BACK,
    POWER_CARRIED,
    POWER_TALK,
    QUIET_ALERT,
    RECOVERY_FULL,
    RECURRED,
    STAND_IN,
    UNDER_WAY,
    USERS_REPORT,
    Signals,
)
from pmstudio.offline.items import CAUSE_LABEL, CHECK_STATE, Item
from pmstudio.offline.people import is_bot_speaker
from pmstudio.timeparse import (
    RANGE_GAP,
    Range,
    Stamp,
    find_dated_range,
    find_named_days,
    find_ranges,
    find_stamp,
    find_stamps,
    hour_of_day,
    onset_clocks,
    wall_to_utc,
    weekday_number,
)

HUMAN_LAG = timedelta(minutes=60)
FAILURE_WINDOW = timedelta(hours=24)
CHANGE_WINDOW = timedelta(hours=6)
RECOVERY_WINDOW = timedelta(minutes=15)
SETTLE_WINDOW = timedelta(minutes=60)


@dataclass
class Milestones:
    started: Item | None = None
    detected: Item | None = None
    mitigated: Item | None = None
    resolved: Item | None = None
    trigger: Item | None = None
    precursor: Item | None = None
    """The page or alert the responders were already on when the impact started (the detection moves to the start)."""
    paged: Item | None = None
    """The page that came minutes after a responder saw the problem (`_noticed_before`): not the detection, yet
    the alerting did page them."""
    earlier: Item | None = None
    """The first failure of an earlier occurrence the responders call the same one (`_this_occurrence`): the timeline
    tells that occurrence as what led up to this incident."""


Timed = Sequence[tuple[Item, Signals]]


def _at(pair: tuple[Item, Signals]) -> datetime:
    assert pair[0].at is not None
    return pair[0].at


def minute_of(at: datetime) -> datetime:
    """`at` cut to its minute (a chat line is dated to the minute)."""
    return at.replace(second=0, microsecond=0)


def _earliest(pairs: list[tuple[Item, Signals]]) -> Item | None:
    return min(pairs, key=lambda p: (_at(p), p[0].order))[0] if pairs else None


def _latest(pairs: list[tuple[Item, Signals]]) -> Item | None:
    return max(pairs, key=lambda p: (_at(p), -p[0].order))[0] if pairs else None


def find_detected(timed: Timed) -> tuple[Item | None, Item | None]:
    """The detection (see the module's doc), and the page after it when a responder saw the problem first; a day
    without a time ("2021-08-17 (day only): report arrives") is the detection only when no timed line detects
    anything: a date is not a moment (issue 11)."""
    clocked = [p for p in timed if not p[0].date_only]
    found = _detected(clocked)
    if found[0] is None or found[0].at is None:
        return _detected(timed)
    # a report dated by its day alone ("reported by admissions" on 9 September) on a day before every timed line that
    # detects anything came first, whatever its hour
    # (a day before anything the record tells is of something else: "(day only): bounty report arrives" ten days ahead)
    first = found[0].at.astimezone(line_zone(found[0])).date()
    since = min((_at(p).date() for p in clocked), default=first)
    days = _detected([p for p in timed if p[0].date_only and since <= _at(p).date() < first])
    return days if days[0] is not None else found


UNNOTICED = re.compile(
    r"\b(?:nobody|no one|no-one|none of us|never|not|without anyone)\b[^.;]{0,20}\b(?:notic\w*|report\w*|spott\w*|"
    r"saw|seen|discover\w*)\b|\bunnoticed\b",
    re.I,
)
"""A detection that did not happen ("builds started failing at 00:55. Nobody noticed for a day")."""


NOTICE_WINDOW = timedelta(minutes=10)


def _noticed_before(timed: Timed, page: Item | None) -> tuple[Item | None, Item | None]:
    """A responder who saw the symptom in the minutes before the first page ("uh. api error rate", "availability just
    fell off a cliff" three minutes before "[FIRING] api-availability"): the responders knew first, so that is the
    detection (datasets/README.md, "Milestone convention": whichever came first). Returns (detection, the page
    after it when a responder saw it first, else None)."""
    if page is None or page.at is None:
        return page, None
    seen = [
        p for p in timed
        if timedelta(0) < page.at - _at(p) <= NOTICE_WINDOW and p[0].source == "chat" and p[1].failure and not p[1].page
        and not (p[1].hypothesis or p[1].comm or p[1].followup or p[1].mitigation or p[1].summary)
        and not (p[0].actor and is_bot_speaker(p[0].actor))  # "<statuscake> DOWN: ..." in the channel: no responder
    ]  # fmt: skip
    first = _earliest(seen)
    return (first, page) if first is not None else (page, None)


ANNOUNCED_REACH = timedelta(hours=2)
"""How long before a public "Investigating" post a responder's own report of the symptom counts as its detection."""


def _problem_posts(timed: Timed) -> list[tuple[Item, Signals]]:
    """Public posts about the problem ("Investigating: events are delayed"), not about its end."""
    return [
        p for p in timed
        if p[0].source == "status" and p[1].comm and not p[0].date_only
        and not (p[1].recovery_full or p[1].resolved or p[1].hypothesis)
    ]  # fmt: skip


def _announced_before(timed: Timed, page: Item) -> Item | None:
    """A public post about the problem well before the first page ("Nov 11 16:44 - Investigating: events are delayed"
    three days before "[US] MSK broker disk > 80%" pages): the incident was known before that page, which is a later,
    secondary alarm. The detection is then the first responder's report of the symptom in the hours before the post,
    else the post itself."""
    assert page.at is not None
    post = _earliest([p for p in _problem_posts(timed) if _at(p) < page.at - NOTICE_WINDOW])
    if post is None or post.at is None:
        return None
    seen = [
        p for p in timed
        if timedelta(0) <= post.at - _at(p) <= ANNOUNCED_REACH and p[0].source in ("chat", "ticket")
        and (p[1].failure or p[1].failure_weak or p[1].symptom_report) and not _onset_told(p[0])
        and not (p[1].hypothesis or p[1].comm or p[1].followup or p[1].mitigation or p[1].summary)
    ]  # fmt: skip
    return _earliest(seen) or post


def _alarmed(timed: Timed, alarm: Item | None) -> tuple[Item | None, Item | None]:
    """The detection when `alarm` (the first page, else the first alert) is the first alarm: a public post well before
    it, else a responder who saw the symptom just before it, else the alarm itself (see `find_detected`)."""
    if alarm is not None and alarm.at is not None and (announced := _announced_before(timed, alarm)) is not None:
        return announced, None
    return _noticed_before(timed, alarm)


def _first_of_its_name(timed: Timed, alert: Item | None) -> Item | None:
    """The first firing of the paging `alert`'s own name at any severity ("FIRING [warning] ReplicationFeedDelayed"
    e-mailed four hours before its "[critical]" paged): the warning reached the responders first."""
    if alert is None or alert.at is None or (state := alert_state(alert)) is None:
        return alert
    name = state[0].split(" (")[0]
    earlier = [
        p for p in timed
        if p[0].source == "alert" and _at(p) < alert.at and (s := alert_state(p[0])) is not None and s[1]
        and s[0].split(" (")[0] == name
    ]  # fmt: skip
    return _earliest(earlier) or alert


def _human_failures(timed: Timed) -> list[tuple[Item, Signals]]:
    """People telling of the failure: a report of the symptom, or a failure told in chat, a ticket or a status post,
    not guessed at and not its end ("error rate back at baseline")."""
    return [
        p
        for p in timed
        if (p[1].symptom_report or (p[1].failure and p[0].source in ("chat", "ticket", "status") and not p[1].hypothesis))
        and not p[1].recovery_full > p[1].recovery_partial
    ]


REPORT_LATE = timedelta(minutes=60)
"""How long after a responder told the failure a first report comes for that report to be no detection."""
TOLD_AFTER = timedelta(minutes=1)
"""How long after the recovery it brought an act may be told (the report of it arriving after the service is back)."""
CORROBORATED = timedelta(minutes=5)
"""How close a person's telling of the failure stands to the notes' record of a report for the two to be one event."""


def _noted_reports(timed: Timed) -> list[tuple[Item, Signals]]:
    """The responders' notes telling of a report ("13:09 a user reports the split in the channel, we start looking"):
    they record the detection even when the report names no failure word."""
    return [
        p for p in timed
        if p[0].source == "notes" and p[1].detect and not p[1].hypothesis and not p[1].comm and not UNNOTICED.search(p[0].body)
        and not _tells_another_day(p[0])  # "Last good submission: July 22. Reported on September 9": not on the 22nd
    ]  # fmt: skip


def _relayed(p: tuple[Item, Signals]) -> bool:
    """A responder passing on what a user told ("user in #help says their db has someone else's tables"): a report of
    the impact in the user's words, which need hold no failure word."""
    m = USERS_REPORT.search(p[0].body)
    return p[0].source == "chat" and m is not None and not _NONE_TOLD.search(p[0].body[: m.start()]) and not (
        p[1].recovery_full or p[1].recovery_weak or p[1].resolved or p[1].hypothesis)  # a question is a hypothesis


_NONE_TOLD = re.compile(r"\b(?:no|not|zero|without|never|any|nobody|none of the)\s+(?:\w+\s+)?$", re.I)
"""A report denied or asked for ("no user reports at all in #ask", "any customers saying so?"): nobody told anything."""


MISROUTED = re.compile(
    r"\b(?:alerts?|pages?|notifications?|alarms?)\b[^.;]{0,30}?\b(?:route[sd]?|routing|go(?:es)?|went|sent|delivered|pointed)"
    r"\s+to\s+(?:an?\s+|the\s+|our\s+)?(?:old|retired|wrong|former|unmonitored|dead|defunct|decommissioned|nobody|no one)\b",
    re.I,
)
"""The alerting told to have reached nobody ("the probe alerts still route to the old on-call address"): its alerts
detected nothing; the responders learnt of it another way."""


def _onset_told(item: Item) -> bool:
    """Whether a mail or ticket line is dated by the onset it tells ("Our shop was unreachable for a few minutes right
    after 20:00", sent at 20:27): that is when the impact began, not when the report reached the responders."""
    if item.source != "ticket" or item.at is None:
        return False
    own = item.at.astimezone(line_zone(item))
    clocks = {(own.hour, own.minute)} | {(s.value.hour, s.value.minute) for s in find_stamps(item.written or "")[:1]}
    return any((h, m) in clocks for _, h, m in onset_clocks(item.body))


EPISODE_GAP = timedelta(days=7)
"""How long the materials stay silent after an alarm that cleared for that alarm to be an earlier episode."""


def _earlier_episode(timed: Timed, alarm: tuple[Item, Signals]) -> bool:
    """An alarm that fired and cleared with nothing else told for more than a week after ("SOA RRSIG validity below 3
    days" firing and resolved in September, the outage told in November): an earlier episode, not this detection."""
    state = alert_state(alarm[0])
    if state is None:
        return False
    after = [p for p in timed if _at(p) > _at(alarm) and not p[0].date_only]
    cleared = [p for p in after if (s := alert_state(p[0])) is not None and s[0] == state[0] and not s[1]]
    if not cleared:
        return False
    rest = [p for p in after if _at(p) > _at(cleared[0])]
    return bool(rest) and _at(rest[0]) - _at(cleared[0]) > EPISODE_GAP


def _detected(timed: Timed) -> tuple[Item | None, Item | None]:
    misrouted = any(MISROUTED.search(p[0].body) and not p[1].hypothesis for p in timed)
    pages = [p for p in timed if p[1].pager_trigger or (p[0].source == "chat" and p[1].page and "paged" in p[0].lower)]
    if pages and not misrouted:
        return _alarmed(timed, _earliest(pages))
    alerts = [p for p in timed if p[1].page and not p[1].hypothesis and not _earlier_episode(timed, p)]
    if alerts and not misrouted:
        return _alarmed(timed, _first_of_its_name(timed, _earliest(alerts)))
    reports = [
        p
        for p in timed
        if p[1].detect
        and (p[1].ack or p[1].failure or EXPOSURE.search(p[0].body) or _relayed(p))
        and p[0].source != "log"
        and not p[1].comm
        and not _onset_told(p[0])
    ]
    # people telling of the symptom ("customers say they can't reach their orgs") detect it as much as a report does
    said = [p for p in timed if p[1].symptom_report and not p[1].hypothesis and not p[1].comm and not _onset_told(p[0])]
    if reports:
        # so does the responders' notes' record of the first report ("issue reported on IRC by maldridge"), which
        # names no failure word, before a later report of what was found ("support reports the server hung in POST"),
        # when the channel shows that report then (a person telling the failure within minutes of it)
        told = _human_failures(timed)
        seen = [p for p in _noted_reports(timed) if any(abs(_at(p) - _at(q)) <= CORROBORATED for q in told)]
        first = min(reports + said + seen, key=lambda p: (_at(p), p[0].order))
        # a responder who told the failure in the channel long before the first report ("site is down hard. web and
        # api" on Friday, "users still reporting camera uploads stuck" on Sunday) noticed it first
        noticed = _earliest([
            p for p in told
            if p[0].source == "chat" and p[1].failure and _at(first) - _at(p) > REPORT_LATE
            and not (p[1].comm or p[1].followup or p[1].summary or p[1].mitigation)
        ])  # fmt: skip
        if noticed is not None:
            return noticed, None
        if first[1].ack and not first[1].failure:
            # an acknowledgement answers what someone told before it ("ack, looking now" hours after "our node
            # stopped at 3078794"): that telling is the detection
            before = [p for p in told if _at(p) < _at(first)]
            if before:
                return _earliest(before), None
        # a public post about the problem before any responder's report ("Investigating - ... increased latency" at
        # 07:00, "seeing p95 on the login endpoint around 9s" at 07:06): they knew by then (datasets/README.md: the
        # first status post counts when nothing earlier is dated)
        post = _earliest([
            p for p in _problem_posts(timed) if timedelta(0) < minute_of(_at(first)) - minute_of(_at(p)) <= ANNOUNCED_REACH
        ])  # fmt: skip
        return (post or first[0]), None
    tickets = [p for p in timed if p[1].detect and p[0].source == "ticket" and not p[1].hypothesis and not _onset_told(p[0])]
    if tickets:
        return _earliest(tickets), None
    # a public post tells the failure to the world, not how the responders learnt of it: it detects only when no
    # person's own telling does (datasets/README.md: the first status post counts only when nothing earlier is dated;
    # an announcement's "At about 20:20 UTC today ..." is dated by the moment it names, not when it went out)
    human = _human_failures(timed)
    own = [p for p in human if p[0].source != "status" and not _onset_told(p[0])]
    found = _earliest((own or human) + _noted_reports(timed))
    if found is None:
        # nothing else tells it: the first public post about the problem (datasets/README.md, "Milestone convention":
        # "the first status post counts only when nothing earlier is dated")
        found = _earliest(_problem_posts(timed))
    return found, None


_WINDOW_WORDS = re.compile(
    r"\b(?:impact\w*|lasted|outage|downtime|window|exposure|unnoticed|undetected|exposed|leaked|"
    r"(?:seen|shown|served|visible) (?:\w+ )?(?:to|by) (?:other|another|the wrong))\b",
    re.I,
)
"""Words that make a window of clock times an impact ("outage 14:02-14:40", "between 11:50 and 13:20 pages ... may have
been seen by other users": an exposure)."""
DAY_WINDOW = re.compile(
    rf"(?<![\d-])(?P<a>\d{{4}}-\d{{2}}-\d{{2}}){RANGE_GAP}(?P<b>\d{{4}}-\d{{2}}-\d{{2}})(?![\d-])", re.I
)
"""A window of days as written: "from 2019-07-25 to 2020-02-29", "exposure window 2023-03-03 to 2024-06-21"."""
_DATA_WINDOW = re.compile(r"\b(?:data|changes?|writes?|written|made|created|commits?)\b", re.I)
"""A span of data ("DB changes made between 17:20 and 23:25 were lost") is what was lost, not when impact was."""
DATA_REACH = 40
"""How far before a window its data noun stands ("changes made between 17:20 and 23:25"): a data word elsewhere in
the line ("... unavailable from 11:44 until 17:57; customers could not change their configurations") names no span."""


def _minutes(stamp: Stamp) -> int:
    return stamp.value.hour * 60 + stamp.value.minute


def line_zone(item: Item) -> tzinfo:
    """The zone the line's own time was written in: the zone it names, else the fixed offset between its time as
    written and its UTC time ("14:05" for 18:05 UTC: UTC-4), else UTC (the line was written as read)."""
    written = find_stamp(item.written or "", anywhere="any")
    if written is None or item.at is None:
        return UTC
    if written.zone is not None:
        return written.zone
    utc = item.at.astimezone(UTC)
    minutes = (_minutes(written) - (utc.hour * 60 + utc.minute) + 720) % 1440 - 720
    return timezone(timedelta(minutes=minutes))


def stated_start(item: Item) -> datetime | None:
    """The start of an impact window a responder states ("slow publishing lasted 20:13-21:00 (47 minutes)", "so
    secure connections failed from 12:00 to 13:40 GMT, 100 minutes", "impact 18:42 to 19:20"), in UTC. The window's
    clocks are wall clocks on the line's own calendar date in the window's zone (a zone after its end applies to
    its start too), else in the zone the line's time was written in; a regional zone ("PT") takes its offset on
    that date and clock (timeparse.wall_to_utc). A window over midnight told after it began the day before; a
    window still to come is a plan: None."""
    if item.at is None or item.date_only:
        return None
    dated = _dated_window(item)
    if dated is not None:  # "impact window: 2025-11-11 16:02 to 2025-11-14 15:02": each side says its day
        return dated[0] if dated[0] <= item.at else None
    windows = find_ranges(item.body)
    if not windows:
        return _lasted_from(item)
    # a line may state several windows ("Impact windows: execution 16:45-17:45; scheduling 16:10-18:15"): the
    # impact began with the earliest
    # ... but a window restated in brackets in another zone ("from 5:48 a.m. to 8:00 a.m. PT (6:48 a.m. to 11 a.m.
    # ET)") is the same window told again: the first one told is read, however the two disagree
    windows = [w for i, w in enumerate(windows) if not (i and _in_brackets(item.body, w.first.start))]
    starts = [t for w in windows if _impact_window(item, w.first.start) and (t := _window_start(item, w)) is not None]
    return min(starts) if starts else None


def _in_brackets(text: str, at: int) -> bool:
    """Whether position `at` of `text` lies inside round brackets."""
    return text.count("(", 0, at) > text.count(")", 0, at)


def _window_start(item: Item, window: Range) -> datetime | None:
    assert item.at is not None
    zone = window.zone or line_zone(item)
    day = item.at.astimezone(zone).date()
    first, last = window.first.value.time(), window.last.value.time()
    start = wall_to_utc(day, first, zone)
    if start <= item.at:
        return start
    # a window over midnight told after it ("19:00 to 00:55" at 01:10) began the day before; one still to come
    # ("maintenance 22:00-23:00 tonight, some downtime") is a plan, not an impact
    if last < first and wall_to_utc(day, last, zone) <= item.at:
        return wall_to_utc(day - timedelta(days=1), first, zone)
    return None


_SPAN = rf"(?:(?:{APPROX}) |~\s?)?(?:an?|one|two|three|\d+(?:\.\d+)?)\s?(?:hours?|hrs?|minutes?|mins?)"
LASTED_FROM = re.compile(
    rf"\bfor {_SPAN} (?:from|since|starting(?: at)?) (?P<a>\d{{1,2}}:\d{{2}})(?![\d:])|"
    rf"\b(?:from|since|starting(?: at)?) (?P<b>\d{{1,2}}:\d{{2}})(?![\d:])\s*(?:\w+ )?for {_SPAN}\b|"
    rf"(?<![\w.]){_SPAN} of (?:impact|outage|downtime|disruption|degradation)\b[^.;]{{0,30}}?"
    rf"\b(?:from|since|starting(?: at)?) (?P<c>\d{{1,2}}:\d{{2}})(?![\d:])|"
    rf"\b(?:caught|catch(?:es)?|saw|sees?|show(?:s|ed)?|recorded|visible)\b[^.;]{{0,30}}\bfrom (?P<d>\d{{1,2}}:\d{{2}}) "
    rf"on(?:wards?)?(?=\s*[.,;)]|\s*$)",
    re.I,
)
"""An impact told by its length and its start ("failed to resolve for roughly one hour from 11:45", "down from 14:02
for 40 minutes", "~10.5 hours of impact (slow from 05:00 UTC, ...)"), or by what monitoring saw from a time on
("monitoring did catch it, from 12:48 on": the problem the line is about, seen from then)."""


def _lasted_from(item: Item) -> datetime | None:
    """The start of an impact a line tells by its length and its start (`LASTED_FROM`), on the line's own date in the
    zone its time was written in; None when there is none or it is still to come."""
    m = LASTED_FROM.search(item.body)
    if m is None or item.at is None or not (m["d"] or _impact_window(item, m.start())):
        return None
    hh, mm = (int(x) for x in (m["a"] or m["b"] or m["c"] or m["d"]).split(":"))
    if hh > 23 or mm > 59:
        return None
    zone = line_zone(item)
    start = wall_to_utc(item.at.astimezone(zone).date(), time(hh, mm), zone)
    return start if start <= item.at else None


def _dated_window(item: Item) -> tuple[datetime, datetime] | None:
    """The (start, end) in UTC of an impact window a line states with both days written ("impact window: 2025-11-11
    16:02 to 2025-11-14 15:02 degraded ingestion"), each side read in its own zone, else the line's."""
    dated = find_dated_range(item.body)
    if dated is None or not _impact_window(item, dated.first.start):
        return None
    zone = line_zone(item)
    return (
        dated.first.value.replace(tzinfo=dated.first.zone or zone).astimezone(UTC),
        dated.last.value.replace(tzinfo=dated.last.zone or zone).astimezone(UTC),
    )


_PLANNED_WINDOW = re.compile(
    r"^\W*(?:(?:maintenance|change|work|planned|scheduled)\s+)?window\s*[:=-]|\b(?:planned|scheduled) (?:maintenance|work)\b|"
    r"\bmaintenance window\b",
    re.I,
)
"""A window of planned work ("Window: 2023-11-08 01:00 - 01:30 SGT" in a maintenance notice, "scheduled maintenance
02:00-04:00"): when work was to happen, not when anything was hurt."""


def _impact_window(item: Item, start: int) -> bool:
    """The line tells of impact over the window written at `start` (not of data written in it, not of actions, not
    of planned work)."""
    text = item.body
    if item.source in ("log", "alert") or _DATA_WINDOW.search(text[max(0, start - DATA_REACH) : start]):
        return False
    if _PLANNED_WINDOW.search(text):
        return False
    return bool(find_durations(text) or _WINDOW_WORDS.search(text) or FAIL_STRONG.search(text) or FAIL_WEAK.search(text))


def stated_start_day(item: Item) -> date | None:
    """The first day of an impact window of days a line states ("went unnoticed from 2019-07-25 to 2020-02-29",
    "exposure window 2023-03-03 to 2024-06-21"); the line needs no time of its own."""
    m = DAY_WINDOW.search(item.body)
    if m is None or not _impact_window(item, m.start()):
        return None
    try:
        first, last = date.fromisoformat(m["a"]), date.fromisoformat(m["b"])
    except ValueError:
        return None
    return first if first <= last else None


def _stated(timed: Timed, told: Timed, limit: datetime) -> Item | None:
    """The first line at the start of an impact window the responders state, when it is no later than `limit`."""
    times: list[datetime] = []
    for item, sig in told:
        if sig.hypothesis or sig.followup:
            continue
        at = stated_start(item)
        day = stated_start_day(item) if at is None else None
        if day is not None and day <= limit.date():
            # the window's first day: a line of that day that tells what went wrong or changed, else the first
            on_day = [p for p in timed if _at(p).date() == day]
            told_of = [p for p in on_day if (p[1].failure or p[1].failure_weak or p[1].explicit_start or p[1].change) and not p[1].hypothesis]
            if on_day:
                return _earliest(told_of) or _earliest(on_day)
        if at is None or at > limit:
            continue
        times = times or [_at(p) for p in timed]  # time-sorted, as `timed` is
        lo, hi = bisect_left(times, at), bisect_left(times, at + timedelta(minutes=1))
        there = [p for p in timed[lo:hi] if not p[0].date_only]
        # the line that tells what went wrong at that minute (a machine line first, as for any start), else the first
        hurt = [p for p in there if (p[1].failure or p[1].failure_weak or p[1].explicit_start or p[1].change) and not p[1].hypothesis]
        machine = [p for p in hurt if p[0].source in ("log", "alert", "pager")]
        if there:
            return _earliest(machine) or _earliest(hurt) or _earliest(there)
        if item.at == at and not item.date_only:
            # nothing else is dated at that minute: the statement itself, dated at the start it tells ("Impact 16:27
            # to 20:18: customers ..."), is the line that starts the impact
            return item
    return None


ROUTINE_LEVEL = re.compile(r"(?<![\w-])(?:INFO|DEBUG|TRACE|NOTICE)(?![\w-])|^I(?=\s+[\w./-]+(?:\[\d+\])?:\s)")
"""A log level that is no failure, as programs write it: a line logged at INFO ("INFO qps=41200 servfail=0.1%", klog's
"I descheduler: received SIGTERM, shutting down") tells of normal work, so it does not start the impact whatever words
it holds."""


def _routine_log(item: Item) -> bool:
    """A log line written at a routine level (`ROUTINE_LEVEL`): no symptom."""
    return item.source == "log" and bool(ROUTINE_LEVEL.search(item.body))


def _began_before_the_record(timed: Timed, told: Timed, limit: datetime) -> bool:
    """A window of days the responders state began on a day before every timed line ("exposed to all maintainers
    from on or about 2025-02-10 through 2025-04-01", with the first line on 1 April): the impact began on a day
    no line tells of, so no clock time is its start."""
    first = min((_at(p) for p in timed), default=None)  # a date-only line of that day dates it (`_stated`)
    if first is None:
        return False
    for item, sig in told:
        if sig.hypothesis or sig.followup:
            continue
        day = stated_start_day(item)
        if day is not None and day < first.date() and day <= limit.date():
            return True
    return False


FINE = re.compile(r"\b(?:looks?|looking|seems?|all|still) (?:ok|okay|fine|good|healthy|normal|green)\b", re.I)
"""A responder's check that came back clean ("buttons back, looks ok", "api still fine after the update", "SEA done. all
green on the dashboards")."""


def _fine_after(timed: Timed, change: tuple[Item, Signals], failure: Item) -> bool:
    """A responder checked after the change and found it fine before the first failure was told ("buttons updated"
    ... "buttons back, looks ok" ... "requests did NOT fail over"): the change did not hurt anyone yet, so the
    impact starts with the failure, not with the change."""
    assert failure.at is not None
    return any(
        _at(change) < _at(p) < failure.at and p[0].source == "chat" and FINE.search(p[0].body)
        and not (p[1].failure or p[1].hypothesis)
        for p in timed
    )  # fmt: skip


LAST_GOOD = re.compile(r"\blast (?:good|successful|working|healthy|clean|ok) (?!(?:copy|config\w*|version|state|build|image)\b)", re.I)
"""The last time a thing was seen working ("Last good submission: July 22", "last successful server log line"), not
a kept copy ("kept its last good copy")."""


def find_started(timed: Timed, detected: Item | None, told: Timed = ()) -> Item | None:
    """Impact start (see the module's doc). `told` are all timed lines, recaps too: the responders' own statement
    of the impact window ("slow publishing lasted 20:13-21:00") names its start before any other rule."""
    if detected is None or detected.at is None:
        return None
    limit = detected.at
    if _began_before_the_record(timed, told, limit):
        return None
    stated = _stated(timed, told, limit)
    if stated is not None:
        return stated
    # a line dated by its day only ("2021-08-26 (28 hours) - power shutdown failed" in a yearly summary) on the day of
    # the detection tells no time in it: the timed lines of that day say when it began
    before = [p for p in timed if _at(p) <= limit and not (p[0].date_only and _at(p).date() == limit.date())]
    # "the new library was deployed; every wallet created from then on depends on it" is a change (the trigger, or a
    # latent condition months before), not the start of impact (issue 11): a start marker counts on a failure
    explicit = [p for p in before if p[1].explicit_start and not p[1].hypothesis and not (p[1].change and not p[1].failure)]
    failures = [
        p
        for p in before
        if p[1].failure
        and not p[1].hypothesis
        and not p[1].mitigation
        and p[0].source != "status"
        and not _routine_log(p[0])
        and limit - _at(p) <= FAILURE_WINDOW
    ]
    # a finding about a change ("found it. the writes just stop, right around when the flags flipped") tells it later
    changes = [p for p in before if p[1].change and not p[1].hypothesis and not p[1].finding and limit - _at(p) <= CHANGE_WINDOW]
    machine = [p for p in failures if p[0].source in ("log", "alert", "pager")]
    first_failure = _earliest(machine) or _earliest(failures)
    first_explicit = _earliest(explicit)
    # a person telling a failure may tell it late, so a change within the hour before is the start; a machine's line
    # or a responders' dated note ("20:10 increased error rates on main DB cluster") records the moment itself
    # (a bot's post in the channel, "PAGE production-error-rate above threshold", is a machine's record too)
    if (
        first_failure is not None and first_failure.source not in ("log", "alert", "pager", "notes") and first_failure.at
        and not (first_failure.actor and is_bot_speaker(first_failure.actor))
    ):  # fmt: skip
        recent = [
            p for p in changes
            if timedelta(0) <= first_failure.at - _at(p) <= HUMAN_LAG and not _fine_after(timed, p, first_failure)
        ]  # fmt: skip
        change = _latest(recent)
        if change is not None and (first_explicit is None or first_explicit.at is None or change.at <= first_explicit.at):  # type: ignore[operator]
            return change
    candidates = [i for i in (first_failure, first_explicit) if i is not None]
    if candidates:
        return min(candidates, key=lambda i: (i.at, i.order))
    sig = next((p[1] for p in timed if p[0] is detected), None)
    if (
        sig is not None
        and (detected.source in ("alert", "pager") or sig.page)
        and not sig.failure_weak
        and not FAIL_STRONG.search(detected.body)
    ):
        # an alert on a cause ("cooling control fault", "router load above paging threshold") can fire before anyone
        # is hurt: impact starts at the first symptom after it, even hours later, and the condition it names is a
        # precursor, not the start (find_milestones then moves the detection to that start)
        later = [
            p for p in timed
            if timedelta(0) < _at(p) - limit <= FAILURE_WINDOW and p[1].failure and not p[1].hypothesis
            and not p[1].mitigation and p[0].source != "status"
            and not _routine_log(p[0])
            # a symptom seen, not a recovery ("error rates falling") or a cause told later ("Cause: the chillers failed")
            and not (p[1].recovery_full or p[1].recovery_partial or p[1].recovery_weak or p[1].causal or p[1].finding)
            and not (p[0].heading_tag == "cause" or CAUSE_LABEL.match(p[0].body))
        ]  # fmt: skip
        if later:
            return _earliest(later)
    change = _latest(changes)
    if change is not None:
        return change
    # nothing failed and nothing changed before it: the last time it was seen working ("Last good submission: July 22,
    # 12:30 PM", weeks before the report) is when the impact began
    last_good = _latest([p for p in before if LAST_GOOD.search(p[0].body) and not (p[1].hypothesis or p[1].followup)])
    if last_good is not None:
        return last_good
    # nothing failed before it and no change led up to it: a detection that is itself a symptom ("vault latency
    # alarm paged me") is the first sign of the impact
    return detected if sig is not None and (sig.failure or sig.failure_weak) and not sig.hypothesis else None


def find_trigger(timed: Timed, started: Item | None, detected: Item | None) -> Item | None:
    """The change that set the incident off: the last change before impact began (or before detection)."""
    anchor = started or detected
    if anchor is None or anchor.at is None:
        return None
    # an alert tells a state, never a change ("OrchestratorLatencyP99: p99 event publish latency elevated" holds the
    # word "publish", and its clearing is no deploy)
    changes = [
        p for p in timed
        if p[1].change and not p[1].hypothesis and p[0].source != "alert" and _at(p) <= anchor.at
        and anchor.at - _at(p) <= CHANGE_WINDOW
    ]  # fmt: skip
    single = [p for p in changes if p[0].count == 1] or changes
    machine = [p for p in single if p[0].source in ("log", "pager")]
    return _latest(machine) or _latest(single)


DECLARED = re.compile(
    r"(?:^|\b(?:incident|outage|impact|issue|problem|everything|now|fully|been|is|was)\s+)mitigated\b(?!\s+(?:by|when|once|if)\b)|"
    rf"\b{CONTAINED}\b(?!\s+(?:by|when|once|if|within|in)\b)",
    re.I,
)
"""A responder's statement that the incident is mitigated (not "partially mitigated", not "mitigated by …") or its
harm contained ("immediate problem contained")."""


ACTION_KINDS: dict[str, re.Pattern[str]] = {
    kind: re.compile(rf"\b(?:{words})\b", re.I)
    for kind, words in {
        "rollback": r"roll(?:ed|ing|s)?[ -]?back|rollback|roll(?:ed|ing)? (?:[\w-]+ ){1,2}back|revert\w*|"
        r"previous (?:version|release|image|build|ami|config\w*)|known-good|last known good",
        "restart": r"restart\w*|reboot\w*",
        "failover": r"fail(?:ed|ing|s)?[ -]?over",
        "fix": r"(?:hot)?fix(?:es)?|patch(?:ed|es)?",
        "disable": r"disabl\w*|kill ?switch|turn(?:ed|ing)? off",
        "scale": r"scal(?:e|ed|ing) (?:up|out)|(?:added|adding) (?:more )?capacity",
        "block": r"block(?:ed|ing)?|blocklist\w*",
    }.items()
}
"""Kinds of mitigating action, each as the words responders use for it ("rolling nodes back", "the revert")."""
CREDIT_VERB = re.compile(
    r"\b(?:resolved|fixed|restored|cleared|solved|did (?:it|the trick)|worked|brought [\w ]{0,20}back|"
    r"confirmed to (?:fix|resolve|work))\b",
    re.I,
)
SINCE = re.compile(r"\b(?:since|after) (?:the |our |a |that |this )?(?:[\w-]+ ){0,3}?$", re.I)
RELIEF = re.compile(r"\bno (?:more|new|further) [\w-]+|\b(?:are|is|now) gone\b", re.I)
PLAN = re.compile(
    r"\b(?:decision|decided|decide|plan(?:s|ned|ning)?|propos\w*|should|let['’]s|can we|will|going to|need to|about to|want to|"
    r"ha(?:s|ve) to be|must be)\b|\?",
    re.I,
)
"""A mitigation decided or planned, not yet under way ("decision: roll back the AMI")."""


def _credited_kind(pair: tuple[Item, Signals]) -> str | None:
    """The kind of action a line credits with the recovery: "rollback resolved it", "the restart fixed it",
    "no more timeouts since the node roll back"."""
    item, s = pair
    if s.hypothesis or s.followup or s.mit_negative or s.recovery_partial > s.recovery_full or PLAN.search(item.body):
        return None
    if item.source in ("alert", "log") or s.phase == "communication" or _tells_another_day(item):
        return None  # "the reboot fixed it on the 4th": credited on another day, not this time
    text = item.body
    relief = s.recovery_full > 0 or s.recovery_weak or s.resolved or bool(RELIEF.search(text))
    for kind, rx in ACTION_KINDS.items():
        for m in rx.finditer(text):
            if CREDIT_VERB.search(text[m.end() : m.end() + 50].split(".")[0]):
                return kind
            if relief and SINCE.search(text[max(0, m.start() - 40) : m.start()]):
                return kind
    return None


def _credited(timed: Timed, after: datetime | None) -> Item | None:
    """The action a later line credits with the recovery: its first completed instance after detection, else
    the moment it got under way ("pipeline is rolling nodes back …" before "rollback resolved it")."""
    credits = [(p, k) for p in timed if (after is None or _at(p) >= after) and (k := _credited_kind(p))]
    if not credits:
        return None
    credit, kind = min(credits, key=lambda c: (_at(c[0]), c[0][0].order))
    rx = ACTION_KINDS[kind]
    taken = [
        p for p in timed
        if (after is None or _at(p) >= after) and _at(p) <= _at(credit) and rx.search(p[0].body)
        and p[1].mitigation and not (p[1].mit_negative or p[1].hypothesis or p[1].followup or p[1].finding)
        and p[0].source not in ("alert", "status") and p[1].phase != "communication" and not PLAN.search(p[0].body)
    ]  # fmt: skip
    done = [p for p in taken if p[1].mit_done and not p[1].mit_progress and not p[1].recovery_partial]
    return _earliest(done) or _earliest(taken)


_THEIR_CHANGE = re.compile(
    r"\b(?:they|the attackers?|attackers?|the vendor|the provider|upstream)\s+(?:\w+\s+)?(?:changed|updated|pushed|"
    r"deployed|shipped|rolled out|switched)\b",
    re.I,
)
"""A change another party made ("they changed the pattern", "the vendor pushed a new config"): never the responders'
fix shipped."""


def _shipped(pair: tuple[Item, Signals]) -> bool:
    """A change reaching production that is done, not planned, guessed at or under way ("fix deployed to prod",
    "pushed index version 20151021 to clusters=all"; not "deploying the fix now")."""
    item, s = pair
    if not s.change or s.mitigation or s.hypothesis or s.followup or s.comm or s.causal or s.finding:
        return False
    if item.source in ("alert", "status"):
        return False
    text = item.body
    if item.source == "log" and s.failure and ERROR_LEVEL.search(text):
        return False  # 'api level=error msg="checkpoint save failed"': an error logged, no change shipped
    if _THEIR_CHANGE.search(text):
        return False  # "they changed the pattern, it's slipping past the new filters": another party's move, no fix
    if _tells_another_moment(item):
        return False  # "the build I picked at 15:29 is a staging script": the change is told, not shipped now
    return not (PLAN.search(text) or MIT_PROGRESS.search(text) or (item.source != "log" and UNDER_WAY.search(text)))


ANOTHER_MOMENT = timedelta(minutes=10)
TOO = re.compile(r"\b(?:too|as well)\W*$", re.I)
"""A line that ends by adding itself to what came before ("support console working again too")."""
_PART_BACK = re.compile(PART_BACK, re.I)


SINCE_THEN = re.compile(
    r"\b(?:no|zero|nothing)\b[^.;]{0,30}\bsince (?:then|(?:the |our |that |this )?(?:fix|roll-?back|revert|restart|"
    r"reroute|failover|patch|change|deploy\w*)\b)|"
    r"\b(?:no|zero|nothing)\b[^.;]{0,30}\b(?:in|for|over|during) the (?:last|past) (?:\d+|few|several|ten|five) "
    r"(?:min\w*|hours?)\b|"
    r"\b(?:back to normal|normal|stable|fine|ok|healthy|recovered|back online|online again)\s+since\s+\d{1,2}:\d{2}",
    re.I,
)
"""A recovery told after a watch, by the event it dates from ("no recurrence since the fix, marking fully resolved"),
by the watch ("no exceptions in the last 5 minutes") or by the time it began ("approval rates back to normal since 11:45"):
the moment is earlier than the line's."""


_OTHER_DAY = re.compile(
    r"\b(?:(?:on|as|since|from) the (?P<d>\d{1,2})(?:st|nd|rd|th)\b|last (?:week|month)|last night(?!['’]s)|yesterday|the other day|"
    r"(?:earlier )?this (?:morning|afternoon)|earlier today)",
    re.I,
)
"""A day or a part of it named apart from the line's own ("fixed the symptoms on the 4th", "same thing as the 16th",
"fixed last week", "fresh peers fixed it this morning" told in the evening)."""
_ON_WEEKDAY = re.compile(r"\b(?:on|last|since|from) (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.I)
"""A weekday named as when something happened ("we patched sbc-2 on sunday", "since last Friday"): another day when it
is not the line's own weekday."""


def _tells_another_day(item: Item) -> bool:
    """The line names a day apart from its own ("the reboot fixed it on the 4th" on the 13th, "fixed last week", "Last
    good submission: July 22, 12:30 PM. Reported by our partner on September 9" dated 22 July)."""
    if item.at is None:
        return False
    day = _OTHER_DAY.search(item.body)
    if day is not None and (not day["d"] or int(day["d"]) != item.at.day):
        return True
    own = item.at.astimezone(line_zone(item))
    if any(weekday_number(m[1]) != own.weekday() for m in _ON_WEEKDAY.finditer(item.body)):
        return True
    return any((month, mday) != (own.month, own.day) for month, mday in find_named_days(item.body))


def _tells_another_moment(item: Item) -> bool:
    """The line names a time of day apart from its own ("the build I picked at 15:29" in a line at 20:06), or another
    day ("the reboot fixed it on the 4th", "fixed last week"): what it tells happened (or will happen) then, not as
    it is written."""
    if item.at is None or item.source == "log":
        return False
    if _tells_another_day(item):
        return True
    own = find_times(item.written) if item.written else []
    utc = item.at.astimezone(UTC)
    mine = own[0].clock if own else utc.hour * 60 + utc.minute
    # a time naming its zone ("last bogus answer seen at 12:15 UTC" in a line written 13:15 CET) is read in UTC
    clocks = ((t.clock, utc.hour * 60 + utc.minute if t.zoned else mine) for t in find_times(item.body) if not t.at)
    return any(min(abs(c - m), 1440 - abs(c - m)) > ANOTHER_MOMENT.total_seconds() / 60 for c, m in clocks)


STARTED = re.compile(r"\b(?:initiated|started|kicked off|began|begun|under ?way|in progress)\b", re.I)


SENTENCE = re.compile(r"(?<=[.;!])\s+")


def _opens_under_way(item: Item) -> bool:
    """A sentence after the first opens with the action under way ("still slow. failing over the db now")."""
    return item.source not in ("log", "alert") and any(UNDER_WAY.search(part) for part in SENTENCE.split(item.body)[1:])


def _under_way_then_recovered(timed: Timed, ok: list[tuple[Item, Signals]]) -> Item | None:
    """An action reported under way ("failing over to the standby now", "rollback initiated") that nothing
    completed after and the service fully recovered within the hour (told, or its paging alert cleared): the
    mitigation is that recovery (the service coming back), not the action's start."""
    ends = [
        p for p in timed
        if (p[1].recovery_full > p[1].recovery_partial or (p[1].resolved and p[1].phase != "communication")
            or _alert_cleared(p[0]))
        and not (p[1].hypothesis or p[1].mit_negative or p[1].followup or RELAPSE.search(p[0].body))
        and p[0].source != "status"
    ]  # fmt: skip
    end_at = [_at(p) for p in ends]  # `timed` is in time order, so are its subsets
    done_at = [_at(p) for p in ok if p[1].mit_done and not p[1].mit_progress]
    firm_at = [_at(p) for p in ok if p[1].mit_done and not (p[1].mit_progress or p[1].recovery_partial or p[1].hypothesis)]
    # still failing after an action ("still slow. failing over the db now"): that action did not help
    failing_at = [
        _at(p) for p in timed
        if (p[1].failure or p[1].mit_negative) and not (p[1].recovery_partial or p[1].hypothesis)
    ]  # fmt: skip
    for p in ok:
        item, s = p
        if s.mit_done and not s.mit_progress or s.hypothesis or s.finding or PLAN.search(item.body):
            continue
        k = bisect_right(firm_at, _at(p))
        if k and _at(p) - firm_at[k - 1] <= RECOVERY_WINDOW:
            f = bisect_left(failing_at, firm_at[k - 1])
            if f == len(failing_at) or failing_at[f] > _at(p):
                # the next step right after a completed action that nothing says failed ("rollback done" then
                # "starting server restarts") is part of the recovery that action began, not the mitigation
                continue
        if not (s.mit_progress or STARTED.search(item.body) or _opens_under_way(item)):
            continue
        i = bisect_right(end_at, _at(p))
        if i == len(end_at) or end_at[i] - _at(p) > SETTLE_WINDOW:
            continue
        j = bisect_right(done_at, _at(p))
        if j == len(done_at) or done_at[j] > end_at[i]:  # nothing completed between the action and the recovery
            return _logged_done(timed, item, ends[i][0]) or ends[i][0]
    return None


_BUILD = re.compile(r"(?=[\w.-]*\d)(?=[\w.-]*[A-Za-z])[\w][\w.-]{5,}[\w]")
"""A build, image or version name ("v20190125-2aca69d", "api-2.14.3"): letters and digits, six characters or more."""


def _logged_done(timed: Timed, action: Item, end: Item) -> Item | None:
    """A deploy log showing a build a responder's action named rolled out ("rolling back to v20190125-2aca69d", then
    "deployment/plank image ...:v20190125-2aca69d rolled out") after the action under way and before the recovery
    told after it: the action completed then (the mitigation is the completion of the rollback, datasets/README.md
    "Milestone convention")."""
    assert action.at is not None and end.at is not None
    named = [
        (_at(p), set(_BUILD.findall(p[0].body))) for p in timed
        if action.at <= _at(p) < end.at and p[1].mitigation and p[0].source in ("chat", "notes", "ticket")
    ]  # fmt: skip
    return _earliest([
        p for p in timed
        if action.at <= _at(p) < end.at and p[0].source == "log" and _shipped(p)
        and any(t <= _at(p) and any(n in p[0].body for n in names) for t, names in named)
    ])  # fmt: skip


def _first_stage(done: list[tuple[Item, Signals]], action: Item) -> Item:
    """A staged recovery: an action done with nothing recovering after it ("new capacity removed from the fleet"),
    when a step done within a quarter of an hour brings the first part back ("first group of servers restarted
    and taking traffic"), is mitigated at that first stage (the cause removed and the first stage back)."""
    assert action.at is not None
    staged = [
        p for p in done
        if timedelta(0) < _at(p) - action.at <= RECOVERY_WINDOW and p[1].recovery_partial
        and not (p[1].hypothesis or p[1].mit_negative or p[1].followup)
    ]  # fmt: skip
    return _earliest(staged) or action


PAUSED = re.compile(r"\b(?:disabled|halted|paused|suspended|turned off|taken offline)\b", re.I)
RESUMED = re.compile(r"\b(?:re-?enabled|resumed|turned back on)\b", re.I)


PLACES = (
    r"(?:locations?|regions?|sites?|pops?|data ?cent(?:er|re)s?|dcs?|zones?|azs?|availability zones?|clusters?|colos?|"
    r"countries|markets|edges?)"
)
ALL_PLACES = re.compile(
    rf"\b(?:all|every)\s+(?:\d+\s+)?(?:[\w-]+\s+){{0,2}}?{PLACES}\b|\b(?:everywhere|globally|worldwide|fleet-?wide)\b", re.I
)
"""A mitigation or recovery told for every place at once ("all 19 sites", "streaming disabled everywhere")."""
WHOLE = re.compile(rf"{ALL_PLACES.pattern}|\b(?:global|all|every|entire|whole)\b", re.I)
"""A mitigation that already covers the whole ("global kill of the rule engine", "restarted all gateways")."""
WIDEN_WINDOW = timedelta(hours=3)


MOSTLY = r"(?:the )?(?:vast majority|majority|most|nearly all|almost all)"
MOSTLY_BACK = re.compile(
    rf"\b{MOSTLY}\b[^.;]{{0,40}}?\b(?:back|recovered|restored|operational|serving|ok|okay|fine|healthy)\b|"
    rf"\b(?:back|recovered|restored|serving)\b[^.;]{{0,30}}?\bfor {MOSTLY}\b|"
    r"\b(?:acute|main|worst|major|bulk)(?: part| phase| impact| of (?:it|the impact|the outage))? (?:is |was |now )*(?:over|done|behind us)\b",
    re.I,
)
"""The main impact over, a remainder left ("nearly all devices are back", "dashboard and API back for most
customers", "the vast majority of affected volumes have recovered", "acute part over", "worst of it is over")."""


def _main_impact_over(timed: Timed, after: datetime | None) -> Item | None:
    """The first line telling most of what was hit is back (datasets/README.md, "Milestone convention": when the
    main impact ended and a remainder lasted longer, the mitigation is the end of the main impact)."""
    told = [
        p for p in timed
        if (after is None or _at(p) >= after) and MOSTLY_BACK.search(p[0].body) and p[0].source not in ("alert", "log")
        and not (p[1].hypothesis or (p[1].failure and not p[1].recovery_full) or p[1].mit_negative or p[1].followup
                 or p[1].recovery_partial)
        and not PLAN.search(p[0].body)
    ]  # fmt: skip
    return _earliest(told)


def find_mitigated(timed: Timed, after: datetime | None) -> Item | None:
    """The mitigation (see the module's docstring): the rules' pick (`_widened`), or the main impact over when it
    comes first; the responders' own "incident mitigated" (not "fully mitigated": all impact over) wins."""
    first = _widened(timed, after)
    if first is not None and DECLARED.search(first.body) and not FULLY_MITIGATED.search(first.body):
        return first  # the responders' own "incident mitigated" wins
    main = _main_impact_over(timed, after)
    if main is None and first is not None and FULLY_MITIGATED.search(first.body):
        # "incident fully mitigated" tells all impact over (the resolution): the mitigation is what came before it
        # ("config push discovery-mode=dns" with logins climbing back after it), else that line
        before = _widened(timed, after, told_over=True)
        return before if before is not None and before.at is not None and first.at is not None and before.at < first.at else first
    if main is None or (first is not None and first.at is not None and main.at is not None and first.at <= main.at):
        return first
    return main


def _widened(timed: Timed, after: datetime | None, told_over: bool = False) -> Item | None:
    """The first mitigation; one done in one place (a host, a region) when a later line within three hours tells it
    done or recovered in every place ("all regions restored") is that later line."""
    first = _first_mitigation(timed, after, told_over)
    if first is None or first.at is None or WHOLE.search(first.body) or DECLARED.search(first.body):
        return first
    if any(p[0] is first and _onset(p) for p in timed):
        return first  # the recovery told as it begins is the first stage of a staged recovery, not a place's share
    wider = [
        p for p in timed
        if timedelta(0) < _at(p) - first.at <= WIDEN_WINDOW and ALL_PLACES.search(p[0].body)
        and ((p[1].mitigation and p[1].mit_done) or p[1].recovery_full > p[1].recovery_partial)
        and not (p[1].hypothesis or p[1].mit_negative or p[1].followup or p[1].recovery_partial or PLAN.search(p[0].body))
        and p[0].source not in ("alert", "status") and p[1].phase != "communication"
    ]  # fmt: skip
    return _earliest(wider) or first


ACT_STEM = re.compile(
    r"\b(?:revert|roll(?:ed|ing)? ?back|restart|reboot|fail(?:ed|ing)? ?over|disabl|enabl|scal(?:ed|ing)|redeploy|flush)", re.I
)
"""The act a line tells, by its stem ("reverted change CHG-7731", "dns change reverted")."""


def _told_failed(act: tuple[Item, Signals], pool: Timed) -> bool:
    """A machine's record of an act ("dnsctl: reverted change CHG-7731") that a person tells in the same minutes to
    have failed ("dns change reverted. still red"): an attempt, as the person's telling is."""
    if act[0].source != "log" or (m := ACT_STEM.search(act[0].body)) is None:
        return False
    stem = m.group(0).lower()[:5]
    return any(
        p[0].source in ("chat", "notes", "ticket") and p[1].mit_negative and abs(_at(p) - _at(act)) <= CORROBORATED
        and (n := ACT_STEM.search(p[0].body)) is not None and n.group(0).lower()[:5] == stem
        for p in pool
    )


def _first_mitigation(timed: Timed, after: datetime | None, told_over: bool = False) -> Item | None:
    """The first mitigation; with `told_over`, the responders' "fully mitigated" is left to the resolution."""
    pool = [
        p for p in timed
        if p[1].mitigation and not p[1].finding and (after is None or _at(p) >= after) and not _tells_another_day(p[0])
    ]  # fmt: skip
    # "my bet: they fixed a bad cloud definition" guesses at a fix nobody here made
    ok = [
        p for p in pool
        if not (p[1].mit_negative or (p[1].hypothesis and not p[1].recovery_full)) and p[0].source not in ("alert", "status")
        and p[1].phase != "communication" and not _told_failed(p, pool)
    ]  # fmt: skip
    done = [p for p in ok if p[1].mit_done]
    # the responders' own word: "incident mitigated, all pops healthy" is the mitigation, whatever came before it
    declared = [
        p for p in done
        if DECLARED.search(p[0].body) and not p[1].recovery_partial and not p[1].mit_progress and not p[1].hypothesis
        and not (told_over and FULLY_MITIGATED.search(p[0].body))
    ]  # fmt: skip
    if declared:
        return _earliest(declared)
    # "rollback resolved it": the action the responders credit with the recovery, done (or under way) before it
    credited = _credited(timed, after)
    if credited is not None:
        return credited
    # a fix shipped as a change ("v2.4.1 deployed to production") after detection acts as a mitigation
    shipped = [p for p in timed if (after is None or _at(p) >= after) and _shipped(p)]
    # a mitigation reported together with full recovery ("served again after the restart") is complete
    own = [
        p for p in ok + shipped
        if p[1].recovery_full > p[1].recovery_partial and (p[1].mit_done or not p[1].mit_progress)
    ]  # fmt: skip
    if own:
        told = _earliest(own)
        assert told is not None
        assert told.at is not None
        # an action under way and the service coming back after it, before that told recovery ("starting the hard
        # reboot" then "first regions coming back" hours before "network largely restored"): the first stage back
        back = _under_way_then_recovered(timed, [p for p in ok if _at(p) < told.at])
        if back is not None and back.at is not None and back.at < told.at:
            return back
        return _onset_before(timed, done + shipped, told) or told
    recoveries = sorted(
        (_at(p), p[0].order)
        for p in timed
        if (p[1].recovery_full > p[1].recovery_partial or (p[1].recovery_weak and not p[1].recovery_partial))
        and not p[1].mit_negative
        and not p[1].hypothesis
    )

    # a person telling the failure goes on ("site still 502 though") after an action: the recovery after that line
    # came from what was done next, not from the action
    still_failing = [_at(p) for p in timed if _still_failing(p)]

    def recovered_soon(item: Item) -> bool:
        assert item.at is not None
        # an act a person tells just after the recovery it brought ("it pings!", then "support: they replaced the
        # hardware and moved our disks over") was done before it; a machine's line is dated by the act itself
        lag = TOLD_AFTER if item.source in ("chat", "ticket", "notes") else timedelta(0)
        i = bisect_left(recoveries, (item.at - lag, -1))
        while i < len(recoveries) and recoveries[i][0] - item.at <= RECOVERY_WINDOW:
            if recoveries[i][1] != item.order:
                k = bisect_right(still_failing, item.at)
                return k == len(still_failing) or still_failing[k] >= recoveries[i][0]
            i += 1
        return False

    # a fix shipped once the service was plainly back, with no failure told since ("queue times back to normal", then
    # hours later "fix for the report scheduler deployed"), is the permanent fix, not the mitigation
    shipped = _before_back(timed, shipped, after)
    done = _before_back(timed, done, after)
    # a step done while the action goes on ("all routers restarted, ramp-up in progress") is not its completion,
    # nor is a partial recovery ("25% of traffic restored")
    # nor is working off the backlog once the service is back ("backlog processing re-enabled"): the resolution's stage
    followed = [
        p for p in done + shipped
        if recovered_soon(p[0]) and not (p[1].mit_progress or p[1].recovery_partial or BACKLOG.search(p[0].body))
    ]  # fmt: skip
    if followed:
        return _earliest(followed)
    under_way = _under_way_then_recovered(timed, ok)
    if under_way is not None:
        return under_way
    firm = [p for p in done if not (p[1].recovery_partial or p[1].mit_progress or PLAN.search(p[0].body))]
    # without a completed action, a step done while the work goes on ("first two sites done, starting the third")
    # is the mitigation only when the service starts coming back within the hour: otherwise no time is stated
    # (or, done, its own line tells a share back: "update done. about 70% of affected domains resolve correctly again")
    unfinished = [
        p for p in done
        if p not in firm and (_soon_back(timed, p[0]) or (p[1].recovery_partial and p[1].recovery_full and not p[1].mit_progress))
    ]  # fmt: skip
    first = _earliest(firm) or _earliest(unfinished)
    if first is not None and first.at is not None and PAUSED.search(first.body):
        # "issuance halted" with nothing recovering after it is containment: the mitigation is bringing the
        # service back with the fix ("fix deployed, issuance re-enabled")
        resumed = [p for p in done if _at(p) > first.at and RESUMED.search(p[0].body) and not p[1].mit_progress]
        return _earliest(resumed) or first
    if first is not None:
        return _first_stage(done, first)
    if any(not p[1].mit_progress for p in ok):
        # an action named but not done ("it all has to be rebuilt"): the service told coming back later ("capacity
        # coming back, routes re-established in the first location") is the first stage of a staged recovery; with
        # none ("estimate: about 1 hour to repair the failed units") no time of mitigation is stated, so none is
        # filled (a wrong time costs more than an empty one)
        # ... and the first part told back after it ("web16 is back" in a rebuild from backups) is that first stage
        # ... or, told before any onset, the service plainly back ("we're back up", "producing blocks again") with a
        # later recovery or resolution ending it (the last telling alone is the end: the act's time is not stated)
        later = [p for p in timed if after is None or _at(p) >= after]
        last_end = max((_at(p) for p in later if _recovered(p) or (p[1].resolved and p[1].phase != "communication")), default=None)
        # "backlog of metrics flowing in again": the queue worked off, not the service back
        plain = [
            p for p in later
            if last_end is not None and _at(p) < last_end and _plainly_back(p)
            and not (BACKLOG.search(p[0].body) and WORKING_OFF.search(p[0].body))
        ]  # fmt: skip
        return _earliest([p for p in later if _onset(p)] + plain) or _earliest(
            [p for p in later if _recovered(p) and _PART_BACK.search(p[0].body)]
        )
    recovered = [
        p
        for p in timed
        if (after is None or _at(p) >= after)
        and (p[1].recovery_full > p[1].recovery_partial or p[1].recovery_weak or (p[1].resolved and p[1].phase != "communication")
             or _onset(p))
        and not p[1].hypothesis
    ]
    # nothing was done (it recovered on its own), or only attempts that failed or were still under way: the
    # first recovery or the first sign of one ("first block produced on the correct chain"), else nothing (a failed
    # attempt or a status post is no mitigation)
    return _earliest(recovered)


NOT_PLAINLY = re.compile(
    r"\b(?:slowly|gradually|partially|dropping|falling|coming down|recovering|slower|faster)\b|"
    r"\b(?:says?|said|claims?|report(?:s|ed)?)\b",
    re.I,
)
"""A recovery told as a trend ("write latency slowly dropping"), a comparison ("one of them recovered much slower") or
at second hand ("vendor says they've recovered"): no moment the service was back."""


def _plainly_back(pair: tuple[Item, Signals]) -> bool:
    """The service told back, plainly and at first hand, by a person, the pager or a log ("web installed, we're back
    up", "CPU-Critical resolved")."""
    if not _recovered(pair) or pair[0].source == "alert":
        return False
    # "disconnects stopped. issuer says resolved. tx success back to normal": one sentence tells it at second hand,
    # another plainly
    return not NOT_PLAINLY.search(pair[0].body) or any(
        RECOVERY_FULL.search(c) and not NOT_PLAINLY.search(c) for c in SENTENCE.split(pair[0].body)
    )


def _before_back(timed: Timed, acts: list[tuple[Item, Signals]], after: datetime | None) -> list[tuple[Item, Signals]]:
    """The acts not done after the service was plainly back (`_plainly_back`) with no failure told in between."""
    if after is None:
        return acts  # nothing detected: no line is yet a recovery from anything ("market open, RLP orders flowing")
    first = min((_at(p) for p in timed if _at(p) >= after and _plainly_back(p) and not p[1].mitigation), default=None)
    if first is None:
        return acts
    broke = sorted(_at(p) for p in timed if p[1].failure and not (p[1].hypothesis or p[1].recovery_full or p[1].recovery_partial))

    def worked_after(at: datetime) -> bool:
        if minute_of(first) >= minute_of(at):
            return False  # an act in the same minute brought it back
        return bisect_right(broke, at) == bisect_right(broke, first)  # no failure told in (first, at]

    return [p for p in acts if not worked_after(_at(p))]


BACKLOG = re.compile(r"\bbacklog\b", re.I)
WORKING_OFF = re.compile(r"\b(?:catching up|flowing in|draining|being (?:processed|replayed)|working (?:off|through))\b", re.I)
"""A backlog told being worked off ("backlog of metrics flowing in again"), not done ("backlog gone")."""
STILL = re.compile(r"\bstill\b|\b(?:dropped|dropping|down|failing|failed|died|gone|broke|broken|out|erroring|503s?|502s?|500s?)\s+(?:too|as well)\b", re.I)
"""The failure going on ("site still 502 though") or spreading to what was left ("secondary just dropped too")."""


WORSE = re.compile(r"\bmade (?:it|things|this|everything|matters|the \w+) (?:\w+ )?worse\b", re.I)
"""An act told to have deepened the outage ("the patch made it worse", "rollback made it WORSE")."""


def _still_failing(pair: tuple[Item, Signals]) -> bool:
    """A responder telling the failure goes on ("site still 502 though", "still down"), spreads to what the action
    moved it to ("failover kicked in" then "secondary just dropped too") or got worse with the act ("the patch made it
    worse")."""
    item, s = pair
    if item.source in ("log", "alert", "status") or s.hypothesis or s.followup or s.recovery_partial:
        return False
    return (s.failure and bool(STILL.search(item.body))) or bool(WORSE.search(item.body))


def _failing_after(pairs: Timed, at: datetime) -> datetime | None:
    """The last moment after `at` a responder tells the failure going on (`_still_failing`), else None."""
    return max((_at(p) for p in pairs if _at(p) > at and _still_failing(p)), default=None)


ONSET = re.compile(
    r"\b(?:coming back|came back|re-?established|returning to normal|regain\w*|seeing (?:signs of )?recovery|"
    r"recovery (?:begins|began|starts|started)|(?:gradual|partial|progressive) (?:service )?recovery(?: (?:is |was )?confirmed)?|"
    r"(?:requests|queries|calls|jobs|pages|builds) (?:are |were )?(?:starting|beginning) to (?:complete|succeed|load|go through)|(?:begin|began|begins|start(?:ed|s|ing)?) to (?:cope|handle the load|catch up)|"
    r"(?:began|begun|beginning|start(?:ed|s|ing)?) (?:to )?(?:recover\w*|return\w* to normal|come back|improve)|"
    r"first (?:[\w-]+ ){0,2}?(?:produced|proposed|mined|finali[sz]ed|processed|delivered|served) (?:again|on the "
    r"(?:correct|right|canonical|valid|good) (?:chain|fork|cluster|network))|"
    r"(?:pods?|nodes?|hosts?|servers?|instances?|workers?|replicas?|containers?) (?:are |now )*(?:coming up|staying up))\b",
    re.I,
)
"""A recovery told as it begins ("capacity coming back, routes re-established", "systems began to recover", "first
block produced on the correct chain", "pods coming up and staying up")."""
RELAPSE = re.compile(r"\bbut\b(?!\s+(?:delayed|slow(?:ly)?|lagging|behind|with (?:a )?(?:delay|backlog|lag)))|\bstill\b|\?|\b(?:dropp|fail|erroring|crash|broke|fell|down)\w*\s+(?:\w+\s+)?again\b", re.I)
"""A recovery that did not hold ("came back but never got a good shard map", "came back and then dropped again??"); one
still slow ("emails delivered again, but delayed") is a recovery begun."""


def _onset(pair: tuple[Item, Signals]) -> bool:
    """A responder's or provider's line telling the recovery begin (not a share of it, a relapse, a guess or a machine
    booting)."""
    item, s = pair
    if s.mit_negative or s.hypothesis or s.followup or s.recovery_partial or item.source in ("alert", "log"):
        return False
    return (
        bool(ONSET.search(item.body)) and not RELAPSE.search(item.body) and not BOOTING.search(item.body)
        and not NO_RECOVERY.search(item.body)  # "cluster is not coming back online"
    )


def _onset_before(timed: Timed, acts: list[tuple[Item, Signals]], told: Item) -> Item | None:
    """A full restoration told as the mitigation ("payment services restored in every region") when the service
    had begun coming back more than a quarter of an hour before it, after the last act done or fix shipped ("all
    hosts patched, letting traffic back in" then "systems beginning to recover"; "besu 25.2.1 released" then "first
    block produced on the correct chain"): the mitigation is that onset. `acts` are the acts done and fixes shipped."""
    assert told.at is not None
    done = [_at(p) for p in acts if _at(p) < told.at and p[0] is not told]
    if not done:
        return None
    floor = minute_of(max(done))  # a chat line is dated to the minute: one in the act's minute is not before it
    return _earliest([p for p in timed if _at(p) >= floor and told.at - _at(p) > RECOVERY_WINDOW and _onset(p)])


def _soon_back(timed: Timed, item: Item) -> bool:
    """Whether the service starts coming back within the hour after `item` (a recovery told, a page cleared)."""
    assert item.at is not None
    end = item.at + SETTLE_WINDOW
    return any(
        item.at < _at(p) <= end
        and (_recovered(p) or (p[1].recovery_weak and not (p[1].comm or p[1].hypothesis or p[0].source == "status")))
        for p in timed
    )


MITIGATED = re.compile(r"\bmitigat", re.I)
FULLY_MITIGATED = re.compile(r"\b(?:fully|completely|all (?:issues|impact) (?:fully )?)\s*mitigated\b", re.I)
"""The responders' own word that all impact has ended ("we are fully mitigated", "all issues fully mitigated")."""
ADMINISTRATIVE = re.compile(
    r"\b(?:(?:clos(?:e|ing|ed)|resolving) (?:the |this |our )?incident|"
    r"mark(?:s|ed|ing)? (?:the |this |our )?incident (?:as )?(?:resolved|closed)|"
    r"(?:status ?page|incident) (?:\w+ ){0,2}?(?:set|moved|marked|changed|updated) (?:to|as) resolved|"
    r"mark(?:s|ed|ing)? (?:it |this |that |everything )?(?:as )?(?:fully )?(?:resolved|closed)|"
    r"post(?:s|ed|ing)? (?:the )?(?:resolved|resolution)|"
    r"post-?mortem|write-?up|owners?)\b",
    re.I,
)
"""The paperwork of ending an incident ("closing the incident", "resolving the incident. thanks all", "marking the
incident resolved", "status page set to resolved", "posting resolved"): an act on the record after the service came back, not the
moment it did."""


RESOURCE_ALERT = re.compile(r"cpu|memory|\bmem\b|disk|saturat|iops|heap|threads?\b|connections?\b|load\b", re.I)
"""An alert on a resource under strain (CPU, memory, disk, connections), not on what users see (errors, latency)."""


def _resource_clear(item: Item) -> bool:
    state = alert_state(item)
    return state is not None and not state[1] and bool(RESOURCE_ALERT.search(state[0]))


def _alert_cleared(item: Item) -> bool:
    """A paging alert cleared (not a warning's)."""
    return item.source == "alert" and item.sub == "resolved" and not QUIET_ALERT.search(item.body)


def _recovered(pair: tuple[Item, Signals]) -> bool:
    """The service is back: a paging alert cleared, the page resolved, or a plain statement of full recovery."""
    item, s = pair
    if item.source == "alert":
        return _alert_cleared(item)
    if item.source == "pager":
        return item.sub == "resolve"
    relayed = RELAYED.match(item.body)
    if relayed is not None:
        return relayed.group("status").upper() == "RESOLVED"  # a bot's relay of an alert clearing is one
    if item.source == "status" or s.comm or s.hypothesis or s.mit_negative or s.mit_progress or s.followup:
        return False
    return s.recovery_full > s.recovery_partial


REMAINDER = re.compile(
    r"\b(?:still|remain(?:s|ing)?|continue(?:s)? to be) (?:affected|impacted|failing|down|broken|unavailable|degraded|erroring|"
    r"late|lagging|behind|catching up)\b",
    re.I,
)
"""A part told still hit beside what came back ("Monitoring: app.example.io fixed; admin pages still affected",
"cluster healthy again, replication still late")."""


def _remainder_fixed(timed: Timed, pool: Timed, talk: Timed, recovered: Item | None) -> Item | None:
    """The end of a remainder: when, within the hour about the recovery, a line tells a part still affected, the
    impact ends with the last fix done or recovery told after that line (within `WIDEN_WINDOW`: "manual fix for admin
    deployed" 40 minutes after "app fixed; admin pages still affected", "replication green, all probes healthy" after
    "cluster healthy again, replication still late"), not at the first part's recovery (datasets/README.md, "Milestone
    convention": the last service back). None when nothing tells a remainder or nothing ended it."""
    if recovered is None or recovered.at is None:
        return None
    told = [
        _at(p) for p in pool
        if REMAINDER.search(p[0].body) and abs(_at(p) - recovered.at) <= SETTLE_WINDOW and not p[1].hypothesis
    ]  # fmt: skip
    if not told:
        return None
    since = max([*told, recovered.at])
    fixed = [
        p for p in talk
        if timedelta(0) < _at(p) - since <= WIDEN_WINDOW
        and ((p[1].mitigation and p[1].mit_done) or p[1].recovery_full > p[1].recovery_partial)
        and not (p[1].mit_negative or p[1].mit_progress or p[1].hypothesis or p[1].followup)
        and p[0].source not in ("log", "alert")
    ]  # fmt: skip
    if not fixed:
        # the responders' own telling of the announcement that the rest is back ("announced: mainnet recovered, RPC, P2P
        # and validator all back" after "p2p and validators still behind"), when nothing else tells it
        fixed = [
            p for p in pool
            if timedelta(0) < _at(p) - since <= WIDEN_WINDOW and p[1].phase == "communication" and p[0].source == "chat"
            and p[1].recovery_full > p[1].recovery_partial and not (p[1].mit_negative or p[1].mit_progress)
        ]  # fmt: skip
    return _latest(fixed)


SWITCHED_BACK = re.compile(
    r"\b(?:points?|pointed|pointing|switch(?:ed)?|moved|routed|cut over|failed) (?:\w+ ){0,2}?back\b|\b(?:dns|record|traffic)s? "
    r"(?:\w+ )?(?:reverted|restored)\b",
    re.I,
)
"""The users put back on the service itself ("DNS reverted, wire.com points back at the recent version")."""
_STAND_IN = re.compile(STAND_IN, re.I)


def _switched_back(timed: Timed, talk: Timed, recovered: Item) -> list[tuple[Item, Signals]]:
    """After a stand-in served the users (`STAND_IN`: "DNS changed to the old backup. basic site loads again"), the
    impact ends when they are switched back to the service, within the hour after it was told back ("provider:
    recent version reliably available again", then "DNS reverted, wire.com points back at the recent version")."""
    assert recovered.at is not None
    if not any(_STAND_IN.search(p[0].body) and _at(p) < recovered.at for p in timed):
        return []
    return [
        p for p in talk
        if timedelta(0) < _at(p) - recovered.at <= SETTLE_WINDOW and p[1].mitigation and p[1].mit_done
        and SWITCHED_BACK.search(p[0].body) and not (p[1].mit_negative or p[1].hypothesis)
    ]  # fmt: skip


_CONFIRMS = re.compile(r"\bconfirm(?:s|ed|ing)?\b", re.I)
_THEY_CONFIRM = re.compile(
    r"\b(?:customers?|users?|clients?|partners?|merchants?|tenants?|they)\s+(?:(?:are|have|now|also)\s+)*confirm(?:s|ed|ing)?\b",
    re.I,
)
"""Users told confirming a recovery in a responder's line ("customers confirming the console loads again")."""


def _confirmed_later(item: Item) -> bool:
    """A customer's or a ticket's confirmation of a recovery ("#88177 partner confirms maps load again"), or users told
    confirming it in a responder's line: it tells of the service back, after the responders saw it."""
    return (item.source in ("ticket", "status") and bool(_CONFIRMS.search(item.body))) or bool(_THEY_CONFIRM.search(item.body))


PAGE_CLOSE_LAG = timedelta(minutes=10)
WATCHING = re.compile(r"\b(?:watching|monitoring|keep(?:ing)? an eye|(?:let(?:'s)?|will) (?:see|wait))\b", re.I)
"""A recovery told with a watch begun ("error rates back near baseline, watching"): the responders' end is after it."""


def _page_closed_after(pair: tuple[Item, Signals], backs: Timed) -> bool:
    """A page resolved by hand minutes after a responder told the service plainly back ("targets healthy, API
    answering, signup works", then "Resolved after LB controller restart"), or an alert clearing minutes after a
    responder told the recovery ("disconnects stopped ... tx success back to normal", then "P3 CLOSE ..."): closing
    the page, not the end it tells; after a recovery told with a watch begun ("back near baseline, watching") the
    page's resolve ends the watch."""
    if pair[0].source not in ("pager", "alert"):
        return False
    return any(
        q[0].source == "chat" and timedelta(0) < _at(pair) - _at(q) <= PAGE_CLOSE_LAG and _plainly_back(q)
        and not WATCHING.search(q[0].body)
        for q in backs
    )


def find_resolved(timed: Timed, after: datetime | None) -> Item | None:
    """The last full recovery (a paging alert cleared, the page resolved, "back to normal"), or the clean-up
    that finished after it; a status-page "resolved" or "closing the incident" later on is a communication. When
    the responders call that recovery a mitigation, the resolution statement within the hour after it. Without
    any recovery: the last firm resolution statement, else the last recovery, completed clean-up or resolution told
    by the responders, and only when there is none of those the status page's "resolved" or the closing of the
    record ("status page set to resolved", "marking the incident resolved")."""
    pool = [p for p in timed if (after is None or _at(p) >= after) and not p[1].followup and not p[1].hypothesis]
    talk = [p for p in pool if p[1].phase != "communication"]
    firm = [p for p in talk if p[1].resolved]
    weak = [p for p in talk if p[1].recovery_weak and not p[1].mit_negative]
    completed = [
        p for p in talk if p[1].mit_done and COMPLETION.search(p[0].body) and not p[1].mit_negative and not p[1].mit_progress
    ]
    # "no errors since 15:21. moving to resolved" tells the recovery after the fact: the moment it names is the one
    backs = [p for p in talk if _recovered(p) and not _tells_another_moment(p[0]) and not SINCE_THEN.search(p[0].body)]
    # "support console working again too" a few minutes after "payment services restored … in every region": a
    # straggler told as an addition does not move the end (datasets/README.md, "Milestone convention")
    # so is a resource alert clearing after the alerts on what users saw cleared ("RESOLVED db_cpu_saturation" three
    # minutes after "RESOLVED api_5xx_ratio"): the strain outlived the impact
    seen = [q for q in backs if not _resource_clear(q[0])]
    recovered = _latest([
        p for p in backs
        if not (TOO.search(p[0].body) and any(timedelta(0) < _at(p) - _at(q) <= SETTLE_WINDOW for q in backs))
        and not (_confirmed_later(p[0]) and after is not None and timedelta(0) < _at(p) - after <= SETTLE_WINDOW)
        and not (_resource_clear(p[0]) and any(timedelta(0) < _at(p) - _at(q) <= SETTLE_WINDOW for q in seen))
        and not _page_closed_after(p, backs)
    ])  # fmt: skip
    # "packet loss gone. we are fully mitigated": the responders' word that all impact has ended
    whole = [
        p for p in talk if FULLY_MITIGATED.search(p[0].body) and p[1].mit_done and not (p[1].mit_progress or p[1].hypothesis)
    ]  # fmt: skip
    # "backlog fully processed": where the impact was the delay, the end, unless a public "Resolved" came before it
    # (the backlog then was a remainder worked off after the service was back)
    told_done = [p for p in talk if BACKLOG_DONE.search(p[0].body) and not p[1].mit_negative]
    if told_done:  # the first of its last telling ("backlog fully processed", then "closing out")
        done = max(_at(p) for p in told_done)
        drained = _earliest([p for p in told_done if done - _at(p) <= SETTLE_WINDOW])
        assert drained is not None and drained.at is not None
        if (recovered is None or recovered.at is None or drained.at > recovered.at) and not any(
            p[0].source == "status" and p[1].resolved and _at(p) < drained.at - SETTLE_WINDOW for p in timed
        ):
            return drained
    remainder = _remainder_fixed(timed, pool, talk, recovered)
    if remainder is not None:
        return remainder
    if recovered is not None and recovered.at is not None:
        # the failure told going on after that recovery ("DSL still timing out on lots of sites", "worse again for
        # some") and the responders' own end after it ("BGP stable, external routing normal. we're done"): that end
        going_on = _failing_after(talk, recovered.at)
        ends = [
            p for p in firm
            if going_on is not None and _at(p) > going_on and not ADMINISTRATIVE.search(p[0].body)
            and not _tells_another_moment(p[0])
        ]  # fmt: skip
        if ends:
            return _earliest(ends)
    if recovered is not None and recovered.at is not None:
        # "incident mitigated, all pops healthy": a recovery its own responders call a mitigation is not the end
        called = [p for p in talk if abs(_at(p) - recovered.at) <= timedelta(minutes=1) and MITIGATED.search(p[0].body)]
        if not called:
            # the last clean-up finished after the service came back ("rebuilds done", "that's everything"), or
            # the responders' own "all clear, resolved" after a short watch (not the paperwork of closing it)
            declared = [
                p for p in firm
                if timedelta(0) <= _at(p) - recovered.at <= SETTLE_WINDOW and not ADMINISTRATIVE.search(p[0].body)
                and not _tells_another_moment(p[0]) and not _page_closed_after(p, backs)
            ]  # fmt: skip
            later = [p for p in [*completed, *whole, *_switched_back(timed, talk, recovered)] if _at(p) >= recovered.at]
            return _latest([*later, *declared, *[p for p in talk if p[0] is recovered]])
        # … the resolution is then the statement that follows within the hour
        after_it = [p for p in pool if p[1].resolved and timedelta(0) < _at(p) - recovered.at <= SETTLE_WINDOW]
        return _earliest(after_it) or recovered
    # with nothing after it but a public post, the impact ended there: the later "fully restored" on the status
    # page tells customers
    if whole and not firm:
        return _latest(whole)
    last_firm = _latest(firm)
    if last_firm is not None and last_firm.at is not None:
        settle = [p for p in weak if timedelta(0) <= _at(p) - last_firm.at <= SETTLE_WINDOW]
        return _latest([*firm, *settle, *[p for p in completed if _at(p) >= last_firm.at]])
    # a public post telling everyone restored ("Update April 18: all customers impacted have been restored") is one too
    announced = [p for p in pool if p[1].resolved or (p[0].source == "status" and p[1].recovery_full > p[1].recovery_partial)]
    # the closing or the status page's "resolved" is the end only when nothing else tells one (datasets/README.md,
    # "Milestone convention": "Use the closing only when the source gives no end of impact")
    told = [p for p in announced if p[0].source != "status" and not ADMINISTRATIVE.search(p[0].body)]
    return _latest([*weak, *completed, *told]) or _latest(announced)


RELAYED = re.compile(r"^\[(?P<status>FIRING|RESOLVED)(?::\d+)?\]\s*(?P<name>.+?)(?:\s*\([^)]*\))?\s*$", re.I)
"""An alert a bot relays to chat with its state ("[FIRING] origin-5xx-rate > 2% (edge)", "[RESOLVED] origin-5xx-rate > 2%")."""
_PAGE_STATE = re.compile(r"^(?:triggered|resolved|acknowledged)\s*:\s*", re.I)


def alert_state(item: Item) -> tuple[str, bool] | None:
    """(the alert's name, firing?) of a line telling an alert fire or clear (an alert, a page triggered or resolved, a
    bot's relay in chat), else None."""
    if item.source == "alert" and item.sub in ("firing", "resolved"):
        return _check_name(item.body) or item.body.split(":", 1)[0].strip().lower(), item.sub == "firing"
    if item.source == "pager" and item.sub in ("trigger", "resolve"):
        return _PAGE_STATE.sub("", item.body).strip().lower(), item.sub == "trigger"
    m = RELAYED.match(item.body)
    return (m.group("name").strip().lower(), m.group("status").upper() == "FIRING") if m else None


def _check_name(body: str) -> str | None:
    """The name of an uptime check telling its state (`CHECK_STATE`), the same whether it went DOWN or came UP: what
    names it before a colon ("pingdom check api: DOWN (DNS lookup failed)"), else the tool before the state and the
    target after it ("uptime-check DOWN flutter.dev ...", "[DOWN] robotoff.example.net ..."). None when the state word
    sits inside an alert's own text ("NodeDown: node-7 DOWN for 5m" is named "nodedown")."""
    check = CHECK_STATE.search(body)
    if check is None:
        return None
    head = body[: check.start()].strip(" [")
    if head.endswith(":"):
        return head[:-1].strip().lower()
    if len(head.split()) > 1:
        return None
    target = re.match(r"[\s\])]*([^\s:]*)", body[check.end() :])
    return f"{head} {target[1] if target else ''}".strip(" []:").lower()


def _past_flaps(timed: Timed, picked: Item | None) -> Item | None:
    """An alert clearing that fires again later flapped: it was no mitigation ("[RESOLVED] origin-5xx-rate" then
    "[FIRING] origin-5xx-rate" a quarter of an hour on). The mitigation is then the one after its last return, else
    that alert's clearing after it (datasets/README.md, "Milestone convention": a recovery that relapses is a key
    event, not the mitigation)."""
    state = alert_state(picked) if picked is not None else None
    if picked is None or picked.at is None or state is None or state[1]:
        return picked
    name = state[0]
    again = [p for p in timed if _at(p) > picked.at and alert_state(p[0]) == (name, True)]
    if not again:
        return picked
    last = _at(again[-1])
    cleared = [p for p in timed if _at(p) > last and alert_state(p[0]) == (name, False)]
    return find_mitigated(timed, last) or _earliest(cleared) or picked


def _relapse(pair: tuple[Item, Signals]) -> bool:
    """A responder's line telling the failure back ("secondary now getting the same errors", "short burst of failures
    again"): not a guess, a post, a follow-up or a recap."""
    item, s = pair
    return (
        s.failure and bool(RECURRED.search(item.body)) and not (s.hypothesis or s.comm or s.followup or s.summary)
        and item.source != "status"
    )  # fmt: skip


def _past_relapse(timed: Timed, picked: Item | None) -> Item | None:
    """A mitigation the failure came back after within the hour ("failed over to the secondary", then "secondary now
    getting the same errors") did not remove the cause: the mitigation is the one after that relapse, else the pick
    (datasets/README.md, "Milestone convention": a recovery that relapses is a key event, not the mitigation)."""
    if picked is None or picked.at is None:
        return picked
    back = [p for p in timed if timedelta(0) < _at(p) - picked.at <= SETTLE_WINDOW and _relapse(p)]
    if not back:
        return picked
    return find_mitigated(timed, _at(back[-1])) or picked


def _resolved_past_relapse(timed: Timed, picked: Item | None) -> Item | None:
    """An end the failure came back after ("RESOLVED search_api_error_ratio", then "recurrence. short burst of
    failures again") did not end the incident: the end is the resolution told after the last relapse, else the pick
    (datasets/README.md, "Milestone convention": a recovery that relapses is a key event)."""
    if picked is None or picked.at is None:
        return picked
    back = [p for p in timed if _at(p) > picked.at and _relapse(p) and not _tells_another_day(p[0])]
    if not back:
        return picked
    return find_resolved(timed, _at(back[-1])) or picked


STATED_REPAIR = re.compile(
    r"\b(?<!fully )(?<!completely )(?:repaired|mitigated|(?:service|services|access) (?:was |were )?(?:partially )?restored)"
    r"(?: at)?\s*:?\s*(?P<t>\d{1,2}:\d{2})(?!\d|:\d)(?:\s?(?P<ampm>[ap])\.?m\b\.?)?(?P<z>\s*(?:UTC|GMT|Z)\b)?",
    re.I,
)
"""The responders' own record of when it was repaired ("First detected 16:03. Declared 16:05. Repaired 16:30.",
"repaired 13:59: annotations added by hand"), or of its first stage back ("Service partially restored 4:23 PM,
fully restored 5:48 PM": datasets/README.md, "Milestone convention", staged recovery): the mitigation, as an
incident log states it."""
STATED_END = re.compile(
    r"\b(?:(?:customer |user |residual |all )?impact|disruption|outage|(?:fully|completely) mitigated)"
    r"(?: (?:ended|ends|over|(?:lasted |lasting |ran |running )?(?:until|till)))?(?: at)?\s*:?\s*(?P<t>\d{1,2}:\d{2})(?!\d|:\d)(?P<z>\s*(?:UTC|GMT|Z)\b)?",
    re.I,
)
"""The responders' own record of when the impact ended ("customer impact ends 20:43", "Everything fully mitigated
12:43", "site began exhibiting elevated latency; outage until 14:08 PDT, 93 minutes")."""
LABELLED_END = re.compile(
    r"\b(?:outage|impact|incident|disruption|downtime)\s+(?:end|ends|ended|over)\b(?=\W*$|[.;,]\s+(?:(?:about|~|after|lasted|"
    r"lasting|total)\s*)?\d)|^\W*\[(?:recovery|outage|impact|incident|disruption|downtime)\s+(?:complete[d]?|ends?|ended|over)\]",
    re.I,
)
"""A responder's note that labels its own moment as the end ("08:10 fixed boskos deployed ... OUTAGE END", "fix takes
effect. OUTAGE END. 15 hours 40 minutes.", a timeline's "[Recovery Complete] the error is gone")."""
_ENDED_WORDS = re.compile(r"\b(?:ended|ends|over|until|till|fully mitigated|completely mitigated)\b", re.I)


def _stated_moment(timed: Timed, told: Timed, pattern: re.Pattern[str], after: datetime | None) -> Item | None:
    """The line dated at a moment a responder's note or ticket states by its label (`STATED_REPAIR`, `STATED_END`):
    read on the note's own date in the zone its time was written in, after `after` and no later than the note; the
    line at that minute that tells a recovery or an act, else the first at that minute; None when nothing is dated
    then (a stated time with no line of its own moves no milestone)."""
    times = [_at(p) for p in timed]
    for item, sig in told:
        if item.at is None or item.date_only or item.source not in ("notes", "ticket", "chat") or sig.hypothesis:
            continue
        for m in pattern.finditer(item.body):
            if pattern is STATED_END and not _ENDED_WORDS.search(m.group(0)):
                continue
            zone = UTC if m["z"] else line_zone(item)
            hh, mm = (int(x) for x in m["t"].split(":"))
            if hh > 23 or mm > 59:
                continue
            hh = hour_of_day(hh, m.groupdict().get("ampm"))
            day = item.at.astimezone(zone).date()
            at = wall_to_utc(day, time(hh, mm), zone)
            if at > item.at + timedelta(hours=12):
                at -= timedelta(days=1)  # told after midnight of the day it names
            if after is not None and at < minute_of(after):
                continue
            pick = _line_at(timed, times, at)
            if pick is not None:
                return pick
    return None


RESOLVED_AS_OF = re.compile(
    r"\b(?:resolved|fixed|recovered|fully restored|(?:errors?|failures|timeouts|5xx|50[0-4]s) (?:\w+ )?(?:gone|stopped|cleared))\b"
    r"[^.;]{0,60}?\bas of\s+"
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?",
    re.I,
)
"""A status post or note that dates the end itself ("Resolved for all affected users as of Wednesday, 2022-07-20 9:20
PM US/Pacific", "fixed as of 14:32 UTC", "errors gone as of 19:19 UTC"): the time after "as of" is when it resolved,
not when the post went out."""


AS_OF_LEAD = re.compile(r"(?:^|[.;:]\s+|\(\s*)as of\s+", re.I)
"""A sentence that opens with the moment it tells of ("As of 11:17 UTC on July 16 access from outside is blocked.")."""
AS_OF_STATE = re.compile(
    r"^[^.;]{0,80}?\b(?:(?:is|are|was|were|has been|have been)\s+(?:again\s+|now\s+|fully\s+)?"
    r"(?:blocked|closed|restored|resolved|fixed|recovered|back|available|operational)|back to normal)\b",
    re.I,
)
"""What such a sentence says after its time: a state that ends the impact ("access from outside is blocked")."""


SINCE_BACK = re.compile(
    r"\b(?:(?:working|fine|normal|calm|stable|healthy|green|quiet|serving (?:traffic|requests|pages|users)(?: normally)?)"
    r"(?: again)?(?: everywhere| for everyone)?|"
    r"no (?:more |new |further )?(?:[\w-]+ )?(?:errors?|crash(?:es)?|drops|failures|timeouts|5xx|5\d\ds|panics|restarts|"
    r"complaints|missed [\w-]+|duplicate [\w-]+))\s+since\s+",
    re.I,
)
"""A state that ends the impact told with the moment it began ("everything is working since 09:27 UTC", "calm
everywhere since 14:35", "site serving traffic again since 21:00 UTC", "no more duplicate charges since 10:00 BST", "stable since 19:19 UTC"): the time after
"since" is when it ended, not when the line was written. A failure told so ("no logs since 13:45", "been up since
16:15" of an error rate) is not one."""


RESOLVED_AT = re.compile(r"(?<![\"“'‘])\b(?:recovered|resolved|fixed|restored) at\s+", re.I)
"""A telling that dates the end at a moment ("The API recovered at 10:39 PDT"); not one in quotes ("so this was
"fixed" at 8:31 and we're still draining")."""


BACK_LATER = re.compile(r"\b(?:shortly|soon|minutes?|hours?|right) after\b|\blater\b", re.I)
"""A further recovery told after the one dated ("all servers came back online shortly after")."""


def _as_of_stamps(body: str, at_too: bool = False) -> list[Stamp]:
    """The stamps a line dates the end by: after "resolved ... as of" (`RESOLVED_AS_OF`), after a state ending the
    impact "since" a time (`SINCE_BACK`), or opening an "As of <time>" sentence that tells a state ending the
    impact."""
    found = []
    for pattern in (RESOLVED_AS_OF, SINCE_BACK, AS_OF_LEAD, *((RESOLVED_AT,) if at_too else ())):
        for m in pattern.finditer(body):
            stamps = find_stamps(body[m.end() :])
            if not stamps or stamps[0].start != 0:
                continue
            if pattern is AS_OF_LEAD and not AS_OF_STATE.search(body[m.end() + stamps[0].end :]):
                continue
            found.append(stamps[0])
    return found


def _resolved_as_of(timed: Timed, told: Timed, after: datetime | None) -> Item | None:
    """The line dated at the moment a post or note dates the end "as of" (`_as_of_stamps`): the stamp read in the zone
    it names, else the line's own; on its own date, else the line's; no later than the line and after `after`. None
    when no line is dated then."""
    times = [_at(p) for p in timed]
    for item, sig in told:
        if item.at is None or item.date_only or sig.hypothesis or sig.followup:
            continue
        # "recovered at 10:39 PDT" dates the end only in a line that tells no failure going on ("it's down again.
        # whoever called it fixed at 5:15 ...")
        # ... nor one telling the rest back later ("restored at 04:13; all servers came back online shortly after")
        at_too = not (sig.failure or sig.recovery_partial or STILL.search(item.body) or BACK_LATER.search(item.body))
        for stamp in _as_of_stamps(item.body, at_too):
            zone = stamp.zone or line_zone(item)
            day = stamp.value.date() if stamp.full else item.at.astimezone(zone).date()
            at = wall_to_utc(day, stamp.value.time(), zone)
            if not stamp.full and at > item.at + timedelta(hours=12):
                at -= timedelta(days=1)  # told after midnight of the day it names
            if at > item.at + timedelta(minutes=1) or (after is not None and at < minute_of(after)):
                continue
            if _failing_after(timed, at) is not None:
                continue  # "eu-central-1 recovered at 17:04 UTC", then "us-east still down": one part's end
            pick = _line_at(timed, times, at)
            if pick is None and item.at - at <= TOLD_AFTER:
                pick = item  # no other line at that minute: the telling a minute after it stands for it
            if pick is not None:
                return pick
    return None


def _line_at(timed: Timed, times: list[datetime], at: datetime) -> Item | None:
    """The line dated at the minute `at` that tells a recovery or an act, else the first line at that minute."""
    lo, hi = bisect_left(times, at), bisect_left(times, at + timedelta(minutes=1))
    there = [p for p in timed[lo:hi] if not p[0].date_only and not p[1].hypothesis]
    told_of = [
        p for p in there if p[1].recovery_full or p[1].recovery_weak or p[1].resolved or p[1].mit_done or _recovered(p)
    ]  # fmt: skip
    return _earliest(told_of) or _earliest(there)


def _stated_window_end(timed: Timed, told: Timed, after: datetime | None) -> Item | None:
    """The line dated at the end of a dated impact window a responder states ("impact window: 2025-11-11 16:02 to
    2025-11-14 15:02 degraded ingestion"), when one is dated there."""
    times = [_at(p) for p in timed]
    for item, sig in told:
        if item.at is None or item.date_only or sig.hypothesis or sig.followup:
            continue
        dated = _dated_window(item)
        if dated is None:
            continue
        end = dated[1]
        if after is not None and end < minute_of(after):
            continue
        pick = _line_at(timed, times, end)
        if pick is not None:
            return pick
    return None


RECURRENCE_GAP = timedelta(hours=6)
"""A failure back this long after a full recovery is a second outage window, not a relapse (`SETTLE_WINDOW`)."""


def _this_occurrence(timed: Timed) -> tuple[Timed, Item | None]:
    """The lines of this occurrence of the failure, and the first failure of the earlier one: when a responder tells
    it as the same failure as on an earlier day ("it's the same thing as the 16th", "same symptoms now" after "the
    reboot fixed it on the 4th"), the earlier occurrence, over and recovered hours before, is a precursor of this
    incident, not its start."""
    for p in timed:
        if p[1].hypothesis or not RECURRED.search(p[0].body) or not _tells_another_day(p[0]):
            continue
        backs = [q for q in timed if _at(q) <= _at(p) - RECURRENCE_GAP and _recovered(q)]
        if backs:
            cutoff = _at(backs[-1])
            before = [q for q in timed if _at(q) <= cutoff and (q[1].failure or q[1].page) and not q[1].hypothesis]
            return [q for q in timed if _at(q) > cutoff], _earliest(before)
    return timed, None


def _first_window_end(timed: Timed, after: datetime | None, picked: Item | None) -> Item | None:
    """The service fully back, then the failure back hours later ("registry answering normally again" on the 13th,
    "registry down again" on the 15th) before the picked mitigation: the impact came in windows, and the mitigation
    is the end of the first (datasets/README.md, "Milestone convention": a relapse within the hour is no mitigation;
    a second window a day later is the incident's remainder)."""
    if picked is None or picked.at is None:
        return picked
    backs = [
        p for p in timed
        if (after is None or _at(p) >= after) and _at(p) < picked.at and _recovered(p) and p[0].source not in ("alert", "log")
        and not _tells_another_day(p[0])
    ]  # fmt: skip
    for back in backs:
        again = [p for p in timed if _at(back) < _at(p) <= picked.at and p[1].failure and not p[1].hypothesis]
        if again and _at(again[0]) - _at(back) >= RECURRENCE_GAP:
            return back[0]
    return picked


CLOSING = re.compile(
    r"^\W*(?:the )?(?:incident|bridge|ticket|case|call)\s+(?:(?:is|was|now)\s+)*(?:closed|ended)\b|"
    r"\bclos(?:ed|ing|e)\s+(?:out\s+)?(?:the\s+)?(?:incident|bridge|ticket|call)\b",
    re.I,
)
"""The incident's administrative closing ("incident closed", "closing the bridge"), not the end of the impact."""


def _before_closing(timed: Timed, mitigated: Item | None, resolved: Item | None) -> Item | None:
    """The end of impact when the resolution found is the incident's closing ("11:02 incident closed" after "10:32
    responses back to normal"): the last full recovery told between the mitigation and the closing
    (datasets/README.md, "Milestone convention": resolved_at "is not the incident's closing")."""
    if resolved is None or resolved.at is None or mitigated is None or mitigated.at is None:
        return resolved
    if not CLOSING.search(resolved.body) or any(p[0] is resolved and p[1].recovery_full for p in timed):
        return resolved  # "all services restored for all customers. closing the incident" tells the end too
    backs = [
        p for p in timed
        if mitigated.at <= _at(p) < resolved.at and p[0] is not resolved and _recovered(p)
        and p[1].recovery_full > p[1].recovery_partial
    ]  # fmt: skip
    return _latest(backs) or resolved


def _carried_by_backup(timed: Timed) -> Timed:
    """The pairs with no failure told of the power supply while a backup carries the load ("utility power fails, backup
    batteries online", then "whole neighbourhood per the power company outage map"): nobody is hurt until the backup
    gives out ("batteries low. servers starting their shutdown"), so those lines are the trigger, not the start."""
    out: list[tuple[Item, Signals]] = []
    state = "mains"  # mains -> carried -> gone
    for item, sig in timed:
        body = item.body
        if state == "mains" and POWER_CARRIED.search(body) and not sig.hypothesis:
            state = "carried"
        if state == "carried" and BACKUP_GONE.search(body):
            state = "gone"
        if state == "carried" and sig.failure and POWER_TALK.search(body):
            sig = replace(sig, failure=False)
        out.append((item, sig))
    return out


def find_milestones(timed: Timed, untimed: Timed = ()) -> Milestones:
    """All milestones over time-sorted (item, signals) pairs (a date-only item can be one; durations
    are then not computed from it). `untimed` lines can still state a window of days ("went unnoticed from
    2019-07-25 to 2020-02-29")."""
    m = Milestones()
    told = [*timed, *untimed]
    timed, m.earlier = _this_occurrence([p for p in _carried_by_backup(timed) if not p[1].summary])  # a recap line is no moment
    m.detected, m.paged = find_detected(timed)
    m.started = find_started(timed, m.detected, told)
    if m.detected and m.started and m.detected.at and m.started.at and minute_of(m.detected.at) < minute_of(m.started.at):
        # detection is never before the impact: responders already on the precursor detect it as it starts (a
        # chat line is dated to the minute, so a log line seconds later in that minute is no later)
        m.precursor, m.detected = m.detected, m.started
        m.paged = None  # the page told of the precursor, not of this detection
    m.trigger = find_trigger(timed, m.started, m.detected)
    floor = m.detected or m.started
    m.mitigated = _past_relapse(timed, _past_flaps(timed, find_mitigated(timed, floor.at if floor else None)))
    # the time the responders' own record gives ("Repaired 16:30", "customer impact ends 20:43") wins
    m.mitigated = _stated_moment(timed, told, STATED_REPAIR, floor.at if floor else None) or m.mitigated
    m.mitigated = _first_window_end(timed, floor.at if floor else None, m.mitigated)
    after = (m.mitigated or m.detected or m.started)
    # a chat line is dated to the minute: "block applied. latency back to normal" in the minute of the log line that
    # applied the block is no earlier than it
    since = minute_of(after.at) if after and after.at else None
    m.resolved = _stated_moment(timed, told, STATED_END, since) or find_resolved(timed, since)
    m.resolved = _resolved_past_relapse(timed, _before_closing(timed, m.mitigated, m.resolved))
    # a post that dates the end itself ("Resolved ... as of 2022-07-20 9:20 PM US/Pacific") is the record of it
    m.resolved = _resolved_as_of(timed, told, after.at if after else None) or m.resolved
    # a note that labels its own moment the end ("... OUTAGE END") is the responders' record of it
    labelled = [
        p for p in told
        if p[0].at is not None and not p[0].date_only and p[0].source in ("notes", "ticket") and not p[1].hypothesis
        and LABELLED_END.search(p[0].body) and (floor is None or floor.at is None or _at(p) >= minute_of(floor.at))
    ]  # fmt: skip
    end = _latest(labelled)
    remainder = _remainder_told_later(timed, end) if end is not None else None
    if end is not None and remainder is not None:
        # "outage ends; 15:00 access to all data recovered": the main impact ended there, the remainder at 15:00
        m.mitigated, m.resolved = end, remainder
    elif end is not None and end.at is not None:
        m.resolved = end
        if m.mitigated is not None and m.mitigated.at is not None and end.at < minute_of(m.mitigated.at):
            m.mitigated = end  # nothing mitigates after the end the responders recorded
    # the end of the impact window the responders state: the main impact over, before a remainder that ended later
    # (datasets/README.md, "Milestone convention": "the main impact ended and a remainder lasted longer")
    window_end = _stated_window_end(timed, told, floor.at if floor else None)
    if window_end is not None and window_end.at is not None:
        if m.resolved is not None and m.resolved.at is not None and minute_of(window_end.at) < minute_of(m.resolved.at):
            m.mitigated = window_end
        elif m.resolved is None:
            m.resolved = window_end
    # the impact window the start was read from ("collect-2: no check-ins 09:55-10:15 UTC") ends the impact at its end,
    # the moment the responders gave, when a line is dated then (the start and the end of one statement)
    told_end = _start_window_end(timed, m.started)
    if told_end is not None and told_end.at is not None and (m.detected is None or m.detected.at is None or m.detected.at <= told_end.at):
        # (not when it ended before anyone detected it: the record then has no moment the responders ended it)
        if m.resolved is not None and m.resolved.at is not None and told_end.at < minute_of(m.resolved.at) and (
            BACKLOG_DONE.search(m.resolved.body)
        ):
            # "files did not process between 12am and 6:33am", then "backlog caught up" at 7:35: the window ends the
            # main impact (the mitigation), the backlog worked off after it ends the incident
            m.mitigated = told_end
        else:
            if m.resolved is None or m.resolved.at is None or told_end.at < minute_of(m.resolved.at):
                m.resolved = told_end
            if m.mitigated is None or m.mitigated.at is None or minute_of(m.mitigated.at) > told_end.at:
                m.mitigated = told_end
    if m.resolved is None and m.mitigated is not None and _CLOSED_BY_FIX.search(m.mitigated.body):
        m.resolved = m.mitigated  # "Resolution: Fixed in 1.12.0": the fix that closed it ended it (nothing later told)
    return m


def _remainder_told_later(timed: Timed, end: Item) -> Item | None:
    """A recovery at a later time of day that the end's own line names ("outage ends; 15:00 access to all data
    recovered"), told by a line dated then, within a day: the remainder's end."""
    if end.at is None:
        return None
    zone = line_zone(end)
    mine = end.at.astimezone(zone)
    clocks = {t.clock for t in find_times(end.body) if not t.at and t.clock != mine.hour * 60 + mine.minute}
    later = []
    for p in timed:
        if not timedelta(0) < _at(p) - end.at <= timedelta(hours=24) or p[1].hypothesis or p[0].date_only:
            continue
        local = _at(p).astimezone(zone)
        if local.hour * 60 + local.minute in clocks and (_recovered(p) or p[1].recovery_full > p[1].recovery_partial):
            later.append(p)
    return _earliest(later)


def _start_window_end(timed: Timed, started: Item | None) -> Item | None:
    """The line dated at the end of the clock window a line states, when that line's window gave the start."""
    if started is None or started.at is None or started.date_only:
        return None
    for w in find_ranges(started.body):
        if _window_start(started, w) != started.at or not _impact_window(started, w.first.start):
            continue
        zone = w.zone or line_zone(started)
        end = wall_to_utc(started.at.astimezone(zone).date(), w.last.value.time(), zone)
        end = end if end > started.at else end + timedelta(days=1)
        return _line_at(timed, [_at(p) for p in timed], end)
    return None


_CLOSED_BY_FIX = re.compile(r"^\W*(?:resolution|resolved|status)\s*[:=-]\s*(?:fixed|resolved|done)\b", re.I)
"""A record closed as fixed ("Resolution: Fixed in 1.12.0 (2024-02-07 16:24 UTC)")."""
