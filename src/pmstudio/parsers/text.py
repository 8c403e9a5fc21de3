"""Parsers for human-written line materials: chat transcripts, notes and tickets / status pages.

Chat: ``HH:MM[:SS] name: text``, ``[YYYY-MM-DD HH:MM] name: text``, IRC ``[14:02] <name> text`` and
Slack copy-paste headers (``Dana Smith  2:32 PM`` followed by the message lines); a line without a
time continues the previous message. Notes and tickets: a line that starts with or contains a time
gets it; a line holding only a time (``Posted Oct 21, 2018 - 23:02 UTC``) dates the lines it heads
or, status-page style, the lines it closes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from pmstudio.parsers.clock import Clock
from pmstudio.parsers.common import STATUS_POST, clean_text, is_decoration, iter_lines
from pmstudio.parsers.speakers import CHAT_NAME, CHAT_SPEAKER, DISCORD_WEBHOOK, SPEAKER
from pmstudio.schema import Evidence, Material
from pmstudio.timeparse import (
    LEADING_DAY,
    Stamp,
    find_date_beside,
    find_date_in_clause,
    find_date_marker,
    find_date_opening,
    find_dates,
    find_day_label,
    find_heading_weekday,
    find_month_day_beside,
    find_monthday_beside,
    find_stamp,
    find_stamps,
    find_weekday_beside,
    find_weekday_led_stamp,
    onset_clocks,
    wall_to_utc,
)

_NAME_FIRST = re.compile(
    rf"^\s*(?:<?(?P<name>{CHAT_NAME})>?\s*[\[(](?=\d)|(?P<slack>[@\w][\w.'’@-]*|[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){{1,3}})\s+(?=\d))"
)
_FILLER = {"posted", "updated", "update", "at", "on", "date", "time", "timestamp", "last", "edited", "created",
           "ago", "day", "days", "hour", "hours", "minute", "minutes", "min", "mins", "sent"}  # fmt: skip


def _starts_line(line: str, stamp: Stamp) -> bool:
    return not any(c.isalnum() for c in line[: stamp.start])


def _evidence(
    material: Material,
    line: int,
    at: datetime | None,
    actor: str | None,
    text: str,
    *,
    written: str | None = None,
    date_only: bool = False,
) -> Evidence:
    return Evidence(
        id=f"{material.name}:{line}",
        material=material.name,
        kind=material.kind,
        line=line,
        at=at,
        actor=actor,
        text=text,
        time_text=written if at is not None else None,
        date_only=date_only and at is not None,
    )


_DATE_LABEL = re.compile(r"^\s*[#*_>\s]*(?:incident\s+|chat\s+|log\s+)?(?:date|day)\s*[:=\-–]\s*", re.I)
_CLIENT_DAY = re.compile(r"^\s*-{2,3}\s*(?:day changed|log (?:opened|closed))\s+", re.I)
"""An IRC client's line where a new day starts ("--- Day changed Wed Nov 13 2013", "--- Log opened Mon Nov 04
16:40:01 2013", as irssi writes them): its date; the clock time of a log's opening is no message's."""


def _date_marker(line: str) -> Stamp | None:
    """A line holding only a date (``2021-08-17``, ``--- 1 March 2019 ---``, ``Date: 2021-08-17``, an IRC client's
    ``--- Day changed Wed Nov 13 2013``)."""
    label = _DATE_LABEL.match(line) or _CLIENT_DAY.match(line)
    if label is not None:
        rest = line[label.end() :]
        if label.re is _CLIENT_DAY:
            rest = re.sub(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*", "", rest)
        line = " " * label.end() + rest
    marker = find_date_marker(line)
    if marker is not None and not any(c.isalnum() for c in line[marker.end :]):
        return marker
    return None


# --------------------------------------------------------------------------- chat


def _split_actor(rest: str) -> tuple[str | None, str]:
    m = CHAT_SPEAKER.match(rest)
    if not m:
        return None, rest
    name = m.group("nick") or m.group("me") or m.group("name") or m.group("tab") or m.group("tag")
    if m.group("disc") == DISCORD_WEBHOOK:
        name += DISCORD_WEBHOOK  # a webhook posting as "Grafana": a bot, never a person
    return name.strip().lstrip("@") or None, m.group("text")


def _name_first(line: str) -> tuple[Stamp | None, str | None, str]:
    """``name [14:02]: text``, or a Slack copy-paste header ``Dana Smith  2:32 PM`` (time ends the line)."""
    head = _NAME_FIRST.match(line)
    if head is None:
        return None, None, ""
    stamp = find_stamp(line[head.end() :])
    if stamp is None:
        return None, None, ""
    rest = line[head.end() + stamp.end :]
    if head.group("slack") is not None:
        if any(c.isalnum() for c in rest):
            return None, None, ""
        return stamp, head.group("slack").strip().lstrip("@"), ""
    return stamp, head.group("name").strip().lstrip("@"), rest.lstrip(" \t])>:").strip()


def parse_chat(material: Material, clock: Clock) -> list[Evidence]:
    """One item per message line; untimed lines continue the previous message (its time and speaker)."""
    out: list[Evidence] = []
    at: datetime | None = None
    written: str | None = None
    actor: str | None = None
    actors: set[str] = set()
    for number, line in iter_lines(material.content):
        if is_decoration(line):
            continue
        marker = _date_marker(line)
        if marker is not None:
            clock.mark_date(marker)
            continue
        if (weekday := find_heading_weekday(line)) is not None:
            # "# #inc-compute (Monday, copied without dates)": the lines below are that Monday's, the one nearest the
            # day the materials are on so far
            clock.mark_weekday(weekday)
        stamp = find_stamp(line)
        if stamp is None and (led := find_weekday_led_stamp(line)) is not None:
            # "Thursday 20:00 ingrid: provider says ...": a message told with its weekday, on that day
            clock.mark_weekday(led[0])
            stamp = led[1]
        speaker: str | None = None
        text = ""
        if stamp is not None:
            rest = line[stamp.end :].lstrip(" \t])>").lstrip("-–—|").strip()
            speaker, text = _split_actor(rest)
            written = line[stamp.start : stamp.end].strip() or None
        else:
            stamp, speaker, text = _name_first(line)
            written = None
        if stamp is not None:
            at = clock.resolve(stamp)
            actor = speaker
            if speaker:
                actors.add(speaker)
        else:  # no time: a continuation of the previous message (or "name: text" of a known name)
            name, rest = _split_actor(line.strip())
            if name is not None and name in actors:
                actor, text = name, rest
            else:
                text = line
        text = clean_text(text)
        if text:
            out.append(_evidence(material, number, at, actor, text, written=written))
    return out


# --------------------------------------------------------------------------- notes & tickets


@dataclass
class _Entry:
    kind: str  # "item" | "marker" | "blank" | "heading" | "mail" (an e-mail's time header, spent on its message)
    line: int
    end: int = 0  # the last line of a list item wrapped over several lines
    at: datetime | None = None
    text: str = ""
    timed: bool = False
    written: str | None = None
    date_only: bool = False
    inline: bool = False  # timed only by a time inside the sentence ("archives written before 13:07 UTC are safe")
    hang: int = 0  # the column its text starts at after a leading time ("01:07  Pingdom pages ...": 7), else 0
    listed: bool = False  # a list item or a line indented under one (a time-only list item heads only those)


_POST_TAG = re.compile(r"^(?P<indent>\s*)\[(?P<kind>[A-Za-z][A-Za-z -]{1,24}?)(?:,\s*(?P<when>[^\[\]]{3,40}))?\]\s+(?=\S)")
"""A bracketed tag opening a line: a kind, then maybe a comma and when ("[status]", "[press, 18 March 2021 - 16:30 CET]")."""
_POST_KINDS = frozenset({"status", "update", "statement", "press", "plan", "post", "notice", "announcement", "advisory",
                         "tweet", "blog", "news", "bulletin"})  # fmt: skip


def _post_tag(line: str) -> str | None:
    """The line without the source tag of a copied post that opens it: "[press, 18 March 2021 - 16:30 CET] SBG1: ..."
    -> "18 March 2021 - 16:30 CET: SBG1: ..." (the tag's day and time date the post), "[status] Major incident ..." ->
    "Major incident ...". A tag is a kind of post ("status", "statement", "press", ...) or any word with a day or a
    time after its comma; the kind is no part of what the post says. None when the line opens with none ("[x] done",
    "[ERROR] disk full", "[14:02] <ana> ...")."""
    m = _POST_TAG.match(line)
    if m is None:
        return None
    when = m["when"]
    if when is not None and not (find_stamp(when, anywhere="any") or find_dates(when) or find_day_label(f"{when}: x")):
        return None
    if when is None and m["kind"].lower().strip() not in _POST_KINDS:
        return None
    rest = line[m.end() :]
    return f"{m['indent']}{when.strip()}: {rest}" if when else f"{m['indent']}{rest}"


_RANGE_END = re.compile(r"^(?:to|till|until|through|[-–—])\s*\d{1,2}(?::\d{2}(?:\s*[ap]m)?|\s*[ap]m)\b", re.I)
"""The rest of a line that opened with a time range ("16:04 to 16:31 ..."): its end, not the start of a sentence."""


def _time_only(rest: str) -> bool:
    words = re.findall(r"[A-Za-z0-9]+", rest)
    return all(w.lower() in _FILLER or w.isdigit() for w in words)


LIST_MARK = r"(?:[-*+•]|\d{1,2}[.)])"
"""The marker that opens a list item: a bullet ("-", "*", "+", "•") or a number ("1.", "2)")."""
_LIST_ITEM = re.compile(rf"^\s*{LIST_MARK}\s+\S")
_CONTINUATION = re.compile(rf"^(?: {{2,}}|\t)(?!\s|{LIST_MARK}\s|#|\|)\S")
"""An indented line that goes on with the item above it (not a nested list item, a heading or a table row)."""


_WRAPPED = re.compile(r"^[a-z(]")
"""The rest of a hard-wrapped sentence opens in lower case ("out more than half a day later, when ...")."""
_WRAP_WIDTH = 50
"""A line broken by a hard wrap is long; short lines without a full stop are terse notes, one thing each."""


_HEADING_WORDS = 4
"""A list's heading is a few words ("follow-ups", "what made it worse")."""


def _wrapped(prev: str, line: str, posted: bool = False) -> bool:
    """`line` carries on the sentence `prev` broke off: `prev` is long and ends mid-sentence; `line` opens in lower
    case (in any case after a comma, an open bracket or a word no sentence ends with: "... (Support agent interface,
    Messaging," + "Chat, Talk)", "... because they depend on" + "  Storage over HTTPS.") and not with a speaker or a
    label ("bob: looks better", "status: resolved"), and holds no time of its own (then it is an event of its own).
    A line indented deeper is a block under a title, unless `prev` is `posted` (its time or a status post's state
    label opens it: "Investigating - ...") and the line opens in lower case or `prev` stops on such a word (a status
    post's wrapped rest: "12:44 PM PST  We are investigating ... Customers may see" + "  failures ...")."""
    head, rest = prev.strip(), line.lstrip()
    stops_open = bool(_OPEN_END.search(head))
    open_ = head[-1] == "," or head.count("(") > head.count(")") or stops_open  # any case goes on
    deeper = len(line) - len(rest) > len(prev) - len(prev.lstrip())
    return (len(head) >= _WRAP_WIDTH and head[-1] not in ".!?:;" and bool(open_ or _WRAPPED.match(rest))
            and (not deeper or (posted and (stops_open or bool(_WRAPPED.match(rest))))) and not SPEAKER.match(rest)
            and (find_stamp(line, anywhere="any") is None or _posted_footer(line) is not None))  # fmt: skip


_POSTED_FOOTER = re.compile(r"\bposted\b(?:\s+on)?\s*[:,-]?\s*(?=\S)(?P<when>[^.!?]{4,48})$", re.I)
"""A status post's stamp at the end of its wrapped rest ("... generate" + "  a new token. Posted Jul 12, 2018 - 18:42
UTC"): the time of the post, not an event of its own."""


_STAMP_FOOTER = re.compile(
    r"(?:^|(?<=[.!?])\s+)\(?(?P<when>(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},\s+\d{4}(?:\s+-|,)\s+"
    r"\d{1,2}:\d{2}(?:\s*[AP]M)?(?:\s+[A-Z]{2,5})?)\)?$"
)
"""A status page's own stamp closing a post's wrapped rest, without the word "Posted" ("... replay affected events.
Jul 10, 2026 - 18:44 UTC", "... student code. Sep 09, 2021, 04:16 PM UTC"), bare or in brackets ("... still degraded.
(Dec 15, 2022 - 16:34 UTC)"): the time of the post."""


_WORDS = re.compile(r"[A-Za-z]+")
_POST_WORDS = 4
"""A post says something of its own when it has this many words before its stamp."""


def _posted_footer(line: str) -> tuple[Stamp, str, int] | None:
    """The time a line's trailing "Posted <time>" footer (or a status page's bare stamp after the post's last
    sentence) gives, as written, and where the footer starts, when that is the line's only time."""
    m = _POSTED_FOOTER.search(line.rstrip()) or _STAMP_FOOTER.search(line.rstrip())
    if m is None or len(find_stamps(line)) > 1:
        return None
    stamp = find_stamp(m["when"], anywhere="any")
    return None if stamp is None else (stamp, m["when"][stamp.start : stamp.end].strip(), m.start())


_FIELD_HEAD = re.compile(r"^\s*[A-Za-z][\w /&()-]{1,30}:\s+\S")
"""A labelled field with its value on the line ("CAUSE: Java version on the servers was u45, ...", "Impact: ...")."""


def _continues(
    entries: list[_Entry], number: int, line: str, in_list: bool, prev: str, following: str | None = None, tagged_at: int = -1
) -> bool:
    """Whether `line` is the wrapped rest of the list item or sentence right above it, so "- a bug lets one event
    deschedule clusters in different" + "  physical locations too." is one statement, never two halves. A list
    item's rest is indented with no list mark of its own (Markdown); a paragraph's rest opens in lower case after a
    line that ends mid-sentence ("... but operations only found" + "out more than half a day later ..."). Neither
    has a time at its start. A copied post whose source tag opened line `tagged_at` goes on in its indented rest."""
    if not (entries and entries[-1].kind == "item" and (entries[-1].end or entries[-1].line) == number - 1):
        return False
    if _hangs(entries[-1], line):
        return True
    if entries[-1].line == tagged_at and line[:1].isspace() and not _LIST_ITEM.match(line) and _post_tag(line) is None:
        return True  # a tagged post's indented rest, whatever its case and the times its sentences tell
    if not in_list:
        # a short line at the margin that a list follows heads that list ("follow-ups" over "1. alerting on lag"),
        # whatever ends above it
        heads = (following is not None and bool(_LIST_ITEM.match(following)) and not line[:1].isspace()
                 and len(line.split()) <= _HEADING_WORDS)  # fmt: skip
        # a post (its time or its state label opens it) or a labelled field ("CAUSE: ... to stop the" + "  Buildinfo
        # service.") goes on in a deeper-indented rest
        posted = entries[-1].timed or bool(STATUS_POST.match(prev) or _FIELD_HEAD.match(prev))
        if (not entries[-1].timed and STATUS_POST.match(prev) and _posted_footer(line) is not None
                and not STATUS_POST.match(line.lstrip())):  # fmt: skip
            # an undated status post goes on to the line that closes with its own stamp, whatever its case and stops
            # ("Investigating - ... Many users cannot reach" + "Fastmail. Aug 1, 2018 - 12:39 AM PDT"; "... (status
            # code 503)." + "The cf command line tool is not affected. Posted May 8, 2017 - 15:22 EDT")
            return True
        return not heads and _wrapped(prev, line, posted)  # it already holds no time anywhere
    if not _CONTINUATION.match(line):
        return False
    stamp = find_stamp(line)
    # the item above stops on a word no sentence ends with ("the rollback only happened at" + "  20:15 because ..."):
    # the time that opens the wrapped rest belongs to its sentence
    return stamp is None or not _starts_line(line, stamp) or bool(_OPEN_END.search(prev))


_OPEN_END = re.compile(
    r"\b(?:at|to|from|until|till|by|on|since|before|after|around|about|and|or|the|an?|of|in|than|between|past|"
    r"approximately|roughly|~)\s*$",
    re.I,
)
"""A line that ends on a word no sentence ends with: the next line finishes its sentence."""

_HANG_MIN = 4
"""A hanging indent is deeper than a paragraph's stray indent: it lines up under the text after a time."""


def _hangs(entry: _Entry, line: str) -> bool:
    """`line` is indented exactly to where the text of the timed note above starts, a hanging indent ("01:00  backup
    script starts ... For reasons" + "       we still cannot explain it hangs ..."): the note goes on there, in any
    case and after any stop, unless the line holds a time at its start or opens a list."""
    rest = line.lstrip(" ")
    if not entry.hang or len(line) - len(rest) != entry.hang or not rest or _LIST_ITEM.match(rest):
        return False
    stamp = find_stamp(line)
    return stamp is None or not _starts_line(line, stamp)


def _with_next(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str, str | None]]:
    """(number, line, the line after it or None at the end), still one line at a time."""
    last: tuple[int, str] | None = None
    for current in lines:
        if last is not None:
            yield last[0], last[1], current[1]
        last = current
    if last is not None:
        yield last[0], last[1], None


_REMARK = re.compile(r"\([^()]*\)")
"""A remark in brackets after a day heading ("(no times kept)", "(all times UTC)"): no event of its own."""
UNKNOWN_CLOCK = re.compile(r"\s*(?<![\w:?])(?:\?{1,2}|[xX]{2}|-{2}|[hH]{2}):(?:\?{2}|[xX]{2}|-{2}|[mM]{2})(?![\w:?])\s*")
"""A clock left blank ("27 Mar ??:?? vendor ships a fix", "xx:xx", "--:--"): the writer did not know the time, so the
line tells its day only ("27 Mar: vendor ships a fix"); the blank is no part of what it says."""


def _blank_clock(m: re.Match[str]) -> str:
    before = m.string[: m.start()]
    return ": " if before[-1:].isalnum() else " " if before else ""  # the match takes the spaces on either side
_PLANNED_DAY = re.compile(
    r"\b(?:publish(?:ed|ing|es)?|due|planned|scheduled|deadline|target|until|review(?:ed)?\s+on|post(?:ed|s)?\s+on)\s*[:(]?\s*$",
    re.I,
)
"""Words before a heading's day that make it the day of a later step ("notes for the announcement (publish
2025-04-02)"), not the day the notes tell of."""
_RUN_REACH = timedelta(days=7)
"""How long a run told on one line ("ran Mon ..., finished Wed ...") may last for the notes to follow its end."""


def _collect(material: Material, clock: Clock) -> list[_Entry]:
    entries: list[_Entry] = []
    in_list = False  # the last content line was a list item (or its wrapped rest)
    prev = ""
    tagged_at = -1  # the line a copied post's source tag opened
    for number, line, following in _with_next(iter_lines(material.content)):
        if is_decoration(line):
            entries.append(_Entry("blank", number))
            in_list = False
            continue
        if _continues(entries, number, line, in_list, prev, following, tagged_at):
            last = entries[-1]
            joint = prev.rstrip()[-1:] if prev.rstrip()[-1:] in (",", ";", ":") else ""  # clean_text took it off
            footer = _posted_footer(line)
            at = clock.resolve(footer[0]) if footer is not None else None
            rest = line[: footer[2]] if footer is not None and at is not None else line
            last.text = f"{last.text}{joint} {clean_text(rest)}".strip()
            last.end, prev = number, line
            if footer is not None and at is not None:
                # the post's own stamp closes its wrapped rest: it dates the post (and is no part of its text), not a
                # time its text mentions
                last.at, last.written, last.timed, last.inline, last.date_only = at, footer[1], True, False, False
                clock.mark_post(at)
            continue
        untagged = _post_tag(line)
        if untagged is not None:
            line, tagged_at = untagged, number
        line = UNKNOWN_CLOCK.sub(_blank_clock, line)
        prev = line
        in_list = bool(_LIST_ITEM.match(line))
        heading = line.lstrip().startswith("#")
        stamp = find_stamp(line)
        if stamp is None:
            marker = find_date_marker(line) or find_day_label(line)
            if marker is not None:  # "2024-02-28 UTC (day only): ...", "1 Feb: ...": the day, at its midnight
                before = clock.checkpoint()
                midnight = clock.mark_date(marker)
                rest = line[marker.end :]
                # a day without a time is that calendar day (its UTC midnight marks it), in any zone
                day = datetime.combine(clock.day, time(), tzinfo=UTC) if midnight is not None and clock.day else None
                written = line[marker.start : marker.end].strip()
                if not any(c.isalnum() for c in _REMARK.sub("", rest)):
                    # "# Monday 5 August 2024 (no times kept)" over untimed notes: the day they tell of
                    entries.append(
                        _Entry("marker", number, at=day, text=clean_text(line), written=written, date_only=True,
                               listed=_listed(line))
                    )  # fmt: skip
                    continue
                inner = find_stamp(rest, anywhere="any")
                at = clock.resolve(inner) if inner is not None else day
                if inner is None:
                    clock.back_if_earlier(before)  # "- 2023-09-21: ZONEMD appears" in notes dated 2023-10-04
                text = clean_text(
                    rest[inner.end :] if inner is not None and _starts_line(rest, inner) else rest
                )
                if inner is not None:
                    written = f"{written} {rest[inner.start : inner.end].strip()}"
                entries.append(
                    _Entry("item", number, at=at, text=text, timed=at is not None, written=written, date_only=inner is None)
                )
                continue
            stamp = find_stamp(line, anywhere="any")
        if stamp is None:
            if heading and not any(e.timed for e in entries):
                # "# relay outage 2024-11-05 - scratch notes": a heading naming one day, before any time, dates them
                dates = find_dates(line)
                if len({d.value.date() for d in dates}) == 1 and not _PLANNED_DAY.search(line[: dates[0].start]):
                    clock.mark_date(dates[0])
            text = clean_text(line)
            if heading and text:  # a Markdown heading keeps its mark: a reader (and a model) can tell it from a list item
                stripped = line.lstrip()
                text = f"{stripped[: len(stripped) - len(stripped.lstrip('#'))]} {text}"
            entries.append(_Entry("heading" if heading else "item", number, text=text, listed=_listed(line)))
            continue
        monthday: int | None = None
        clause_day: Stamp | None = None
        post: tuple[date, datetime] | None = None
        if not stamp.has_date:
            # "## Cutover plan (2019-12-05, from 03:30)": the day written beside the time dates it and the ones after
            beside = find_date_beside(line, stamp) or find_date_opening(line, stamp) or find_month_day_beside(line, stamp)
            weekday = find_weekday_beside(line, stamp) if beside is None else None
            if beside is not None:
                clock.mark_date(beside)
            elif weekday is not None:
                clock.mark_weekday(weekday)
            else:
                monthday = find_monthday_beside(line, stamp)  # "09:30 on the 24th": that time only
                if monthday is None and not _starts_line(line, stamp):
                    # "(since the 3:28 PM PST config upload on 2019-01-22)": a date a few words on, that time only
                    clause_day = find_date_in_clause(line, stamp)
                    post = _closing_post(line, stamp, clock) if clause_day is None else None
        if post is not None:
            # "up to date as of 15:23 PST ... - Jan 11, 2016 15:40 PST": on the post's day, and no later than the post
            at = clock.resolve_on_date(stamp, post[0])
            if at is not None and at > post[1]:
                at = clock.resolve_on_date(stamp, post[0] - timedelta(days=1))
        elif clause_day is not None:
            at = clock.resolve_on_date(stamp, clause_day.value.date())
        else:
            at = clock.resolve(stamp) if monthday is None else clock.resolve_on_monthday(stamp, monthday)
        # "timer ran Mon 2025-06-23 00:00, finished Wed 2025-06-25 20:17": a line telling a run over days ends at its
        # last date, so the bare times below it follow that one (not a date a timed line only mentions: "10:02 cert
        # expires 2024-06-30 00:00" leaves the notes on their day)
        later = [
            s for s in find_stamps(line)
            if s.full and s.start >= stamp.end and timedelta(0) < s.value - stamp.value <= _RUN_REACH
        ] if stamp.full and not _starts_line(line, stamp) else []  # fmt: skip
        if at is not None and later:
            end = clock.resolve(later[-1])
            if end is None or end < at:
                clock.observe(at)
        written = line[stamp.start : stamp.end].strip()
        if _time_only(line[: stamp.start] + " " + line[stamp.end :]):
            entries.append(_Entry("marker", number, at=at, text=clean_text(line), written=written, listed=_listed(line)))
            continue
        starts = _starts_line(line, stamp)
        # "05:35 UTC on 4 Feb: that instance stopped ...": the day told after the time goes with it
        text = clean_text(LEADING_DAY.sub("", line[stamp.end :], count=1)) if starts else clean_text(line)
        footer = None if starts else _posted_footer(line)
        if footer is not None and len(_WORDS.findall(line[: footer[2]])) >= _POST_WORDS:
            # a status post's own stamp after its last sentence ("Update - ... still affected. Aug 1, 2018 - 1:58 AM
            # PDT") dates the post (it is no time the post mentions) and is no part of what it says; a post that is
            # only its label ("Postmortem - Posted Jun 08, 2018 - 20:49 UTC") says just that
            text = clean_text(line[: footer[2]])
        else:
            footer = None
        if stamp.has_date and (footer is not None or STATUS_POST.match(line)):
            clock.mark_post(at)  # the post's own stamp: what it tells is no later
        if starts and _RANGE_END.match(line[stamp.end :].lstrip()):  # "16:04 to 16:31 API returned 500": the window
            text = clean_text(line[stamp.start :])
        hang = len(line) - len(line[stamp.end :].lstrip(" ")) if starts and "\t" not in line else 0
        entries.append(_Entry("item", number, at=at, text=text, timed=at is not None, written=written,
                              inline=not starts and footer is None,
                              listed=_listed(line),
                              hang=hang if hang >= _HANG_MIN else 0))
    return entries


def _closing_post(line: str, stamp: Stamp, clock: Clock) -> tuple[date, datetime] | None:
    """The post's own dated time closing a line after a bare time in its text ("Resolved - Data is up to date as of
    15:23 PST and all features are available again. - Jan 11, 2016 15:40 PST"): (its day, its UTC time), the day
    the bare time is on and the time it is no later than."""
    stamps = [s for s in find_stamps(line) if s.start >= stamp.end]
    if not stamps or any(c.isalnum() for c in line[stamps[-1].end :]):
        return None
    last = stamps[-1]
    day = last if last.full else find_date_beside(line, last)
    if day is None or not day.has_year:
        return None
    posted = clock.resolve_on_date(last, day.value.date())
    return (day.value.date(), posted) if posted is not None else None


def _assign_markers(entries: list[_Entry], *, footer_default: bool) -> None:
    """Give a time-only line's time to the lines it heads (or, footer style, closes)."""
    solid = [e for e in entries if e.kind not in ("blank", "mail")]
    if not any(e.kind == "marker" for e in solid):
        return
    first, last = solid[0].kind == "marker", solid[-1].kind == "marker"
    footer = footer_default if first == last else last
    used: set[int] = set()
    if footer:
        pending: list[_Entry] = []
        for e in entries:
            # a status post is stamped by its "Posted ..." footer, not by a time its text mentions
            if e.kind in ("item", "heading") and (not e.timed or e.inline):
                pending.append(e)
            elif e.kind == "item" or (e.kind == "marker" and e.date_only):
                pending = []  # a day heading dates no post above it
            elif e.kind == "marker":
                for p in pending:
                    p.at, p.written, p.timed = e.at, e.written, True
                if pending:
                    used.add(id(e))
                pending = []
        _keep_unused(entries, used)
        return
    current: _Entry | None = None
    content = False
    for e in entries:
        if e.kind == "marker":
            current, content = e, False
        elif e.kind == "heading":
            current = None
        elif e.kind == "blank":
            if content:
                current = None
        elif current is not None and current.listed and not e.listed:
            current = None  # "- 15 Nov 15:30-18:00" in a list of windows: the paragraph after the list is no part of it
        elif not e.timed and current is not None:
            e.at, e.written, e.date_only = current.at, current.written, current.date_only
            used.add(id(current))
            content = True
    _keep_unused(entries, used)


def _listed(line: str) -> bool:
    """A list item ("- 14:05", "2. restarted") or a line indented under one."""
    return bool(_LIST_ITEM.match(line)) or line[:1] in (" ", "\t")


def _keep_unused(entries: list[_Entry], used: set[int]) -> None:
    for e in entries:
        if e.kind == "marker" and id(e) not in used:
            # a time nobody took: keep the line itself as the timed item; a day heading nobody took only set the day
            e.kind = "blank" if e.date_only else "item"


_BYLINE = re.compile(
    r"^[^\w@]*(?:(?:posted|opened|comment(?:ed)?|repl(?:y|ied)|reopened|closed|edited|answered|filed)\s+(?:by|from)\s+"
    r"@?[\w.-]+(?:\s+[\w.-]+)?|repl(?:y|ied)|comment|answer|@[\w.-]+)"
    r"(?:\s+\([^)]{1,40}\))?[\s,:;(\-–—]*(?:on|at)?\s*\W*$",
    re.I,
)
"""A byline with a time and nothing else ("Opened by marek, 2019-03-26T09:50:00Z", "Comment by maria, ...", a
forum's "Posted 2/22/2013 12:58 PM by a customer", "Reply by another customer, 1:12 PM", "Reply 1:40 PM", a web
view's "[2018-07-12T11:26:40Z] @lena (member)"): the header of the text below it, as an issue tracker or a forum
prints it."""


def _assign_bylines(entries: list[_Entry]) -> None:
    """Give a byline's time to the lines below it that no time opens, up to the next timed line or heading (the text
    of that comment), so a footer rule never stamps them with the next comment's time; a time the comment mentions
    ("npm revoked all tokens issued before 12:30") is no time it was written at."""
    current: _Entry | None = None
    for e in entries:
        if e.kind in ("heading", "marker"):
            current = None
        elif e.kind == "item":
            byline = e.timed and bool(_BYLINE.match(e.text.replace(e.written, " ") if e.written else e.text))
            if byline or (e.timed and not (e.inline and current is not None)):
                current = e if byline else None
            elif current is not None:
                e.at, e.written, e.timed, e.inline = current.at, current.written, True, False


_MAIL_DATE = re.compile(r"^\W*(?:date|sent)\s*:", re.I)
"""An e-mail's own time header ("Date: Tue, 5 Apr 2022 09:46:12 +0200", Outlook's "Sent: Sunday, ... 6:38 AM")."""
_MAIL_FROM_DATE = re.compile(r"^\W*from\s*:\s*\S+\s+(?:date|sent)\s*:", re.I)
"""A mail's sender and time headers copied onto one line ("From: ops@example.org   Date: Wed, 28 May 2025 17:26:40
+0200"): the mail's own time header, as `_MAIL_DATE`."""
_MAIL_FROM = re.compile(r"^\W*from\s*:", re.I)
"""The header line that opens the next message of a thread copied from a mail client."""


def _in_sender_zone(header: _Entry, sender: tzinfo, line: _Entry, tz: tzinfo) -> None:
    """A clock time in a mail's text without a zone of its own ("unreachable since about 8:40 my time", in a mail sent
    "09:20:05 -0700") is the sender's wall clock: the offset of the mail's 'Date:' header (`sender`), not the
    material's zone."""
    if header.at is None or line.at is None or not line.inline or line.date_only or not line.written:
        return
    own = find_stamp(line.written, anywhere="any")
    if own is None or own.zone is not None:
        return
    wall = line.at.astimezone(tz)
    if wall.date() != header.at.astimezone(tz).date():
        return  # a time on another day than the mail's is read as the material reads it
    day = header.at.astimezone(sender).date()
    at = wall_to_utc(day, wall.time(), sender)
    if at > header.at and any(word in ("since", "starting") for word, _, _ in onset_clocks(line.text)):
        # "since about 23:25" in a mail sent at 00:05 told an onset before it was sent: the sender's day before
        at = wall_to_utc(day - timedelta(days=1), wall.time(), sender)
    line.at = at


def _assign_mail_headers(entries: list[_Entry], tz: tzinfo) -> None:
    """An e-mail's 'Date:' or 'Sent:' header times its own message: the header lines above it back to a blank line
    ("From:", "To:") and the text below it up to the next message's 'From:' line, so a thread's message is never
    stamped with the next one's time as a footer rule would."""
    for i, e in enumerate(entries):
        if not (
            (e.kind == "marker" and _MAIL_DATE.match(e.text)) or (e.kind == "item" and e.timed and _MAIL_FROM_DATE.match(e.text))
        ):
            continue
        e.kind, e.timed = "mail", True  # spent: the header line itself is no item, as a footer marker that stamped is none
        sent = find_stamp(e.written or "", anywhere="any")  # its zone is the sender's clock, read once per mail
        above = []
        for f in reversed(entries[:i]):
            if f.kind != "item" or f.timed:
                break
            above.append(f)
        below = []
        for f in entries[i + 1 :]:
            if f.kind in ("marker", "heading") or (f.kind == "item" and _MAIL_FROM.match(f.text)):
                break
            if f.kind == "item" and not f.timed:  # a line with its own time keeps it ("retirement at 16:00 GMT")
                below.append(f)
            elif f.kind == "item" and sent is not None and sent.zone is not None:
                _in_sender_zone(e, sent.zone, f, tz)
        for f in (*above, *below):
            f.at, f.written, f.date_only, f.timed = e.at, e.written, e.date_only, True


STRAY_DAYS = timedelta(days=7)
"""How far a list entry's date must lie from its neighbours' shared day to be a slip of the pen."""


def _mend_stray_days(entries: list[_Entry]) -> None:
    """A timeline whose entries all fall on one day but one, dated weeks off with its clock between its neighbours'
    ("July 1st, 16:45", "June 1st, 16:57", "July 1st, 17:00"): a slip in the date, so the entry takes its neighbours'
    day (the other sources then agree with it)."""
    timed = [e for e in entries if e.kind == "item" and e.timed and e.at is not None and not e.date_only and not e.inline]
    for before, e, after in zip(timed, timed[1:], timed[2:], strict=False):
        assert before.at is not None and e.at is not None and after.at is not None
        if before.at.date() != after.at.date() or abs(e.at - before.at) < STRAY_DAYS:
            continue
        moved = datetime.combine(before.at.date(), e.at.time(), tzinfo=e.at.tzinfo)
        if before.at <= moved <= after.at:
            e.at = moved


def parse_prose(material: Material, clock: Clock) -> list[Evidence]:
    """Notes and tickets: one item per content line, timed when the line (or its time-only header or
    footer line, or an issue tracker's byline above it) carries a time; a date-only line start (``2024-02-28: ...``)
    dates it at midnight."""
    entries = _collect(material, clock)
    _assign_bylines(entries)
    _assign_mail_headers(entries, clock.tz)
    _assign_markers(entries, footer_default=material.kind == "ticket")
    _mend_stray_days(entries)
    return [
        _evidence(material, e.line, e.at, None, e.text, written=e.written, date_only=e.date_only)
        for e in entries
        if e.kind in ("item", "heading") and e.text
    ]
