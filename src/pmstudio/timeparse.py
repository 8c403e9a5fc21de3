"""Find time expressions in incident materials.

Regular expressions only *locate* a time expression in a line; python-dateutil (or the stdlib ISO
parser, on the fast path) interprets it, and zoneinfo supplies bundle time zones. A located time is a
:class:`Stamp`: the wall-clock value plus what the text actually said (a date? a year? a zone?).
:class:`pmstudio.parsers.clock.Clock` turns stamps into aware datetimes with the bundle's context.
Formats: ISO 8601 (with or without zone), ``[YYYY-MM-DD HH:MM]``, ``YYYY-MM-DD, HH:MM``, ``YYYY.MM.DD HH:MM``, bare ``HH:MM[:SS]`` and ``2:32 PM``,
syslog ``Mon DD HH:MM:SS``, epoch seconds/milliseconds, ``Oct 21, 01:45 UTC`` and ``8 Nov 13:30 AEDT`` status-page style,
RFC 2822, Apache ``21/Oct/2018:13:55:36 -0700``, Jira ``21/Oct/18 1:45 AM``, US ``3/1/2019 2:02 PM``, European
``15.02.2023 11:15`` (day first, when surely so),
and zone abbreviations or offsets next to any of them (``14:02 PDT``, ``+02:00``); dot clocks (``20.13-21.00``,
``at 20.13 CET``) where their context makes them times (see ``_dot_clocks``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as du_parser
from dateutil import tz as du_tz

# Common zone abbreviations (dateutil needs them spelled out; ambiguous ones use the usual reading).
_HOUR = 3600
TZ_ABBREVIATIONS: dict[str, int] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
    "WEST": 1 * _HOUR, "BST": 1 * _HOUR, "CET": 1 * _HOUR, "CEST": 2 * _HOUR, "EET": 2 * _HOUR,
    "EEST": 3 * _HOUR, "MSK": 3 * _HOUR, "IST": 5 * _HOUR + 1800, "SGT": 8 * _HOUR, "HKT": 8 * _HOUR,
    "AWST": 8 * _HOUR, "JST": 9 * _HOUR, "KST": 9 * _HOUR, "ACST": 9 * _HOUR + 1800,
    "AEST": 10 * _HOUR, "AEDT": 11 * _HOUR, "NZST": 12 * _HOUR, "NZDT": 13 * _HOUR,
    "HST": -10 * _HOUR, "AKST": -9 * _HOUR, "AKDT": -8 * _HOUR, "PST": -8 * _HOUR, "PDT": -7 * _HOUR,
    "MST": -7 * _HOUR, "MDT": -6 * _HOUR, "CST": -6 * _HOUR, "CDT": -5 * _HOUR, "EST": -5 * _HOUR,
    "EDT": -4 * _HOUR,
}  # fmt: skip

REGIONAL_ZONES: dict[str, str] = {
    "ET": "America/New_York", "PT": "America/Los_Angeles", "CT": "America/Chicago", "MT": "America/Denver",
    "UK": "Europe/London",
}  # fmt: skip
"""Zone names without a season ("10:44 AM ET", "all times Eastern", "13:35 UK time"): the region's IANA zone, so
the offset follows the date (EST in winter, EDT in summer; GMT or BST) instead of one fixed offset."""
ONSET_CLOCK = re.compile(
    r"\b(?P<word>since|starting|after|from)\s+(?:(?:a little|just|shortly|right|not long)\s+(?:after|before)\s+)?"
    r"(?:about\s+|around\s+|approx\w*\s+|~\s*)?(?P<h>\d{1,2})"
    r"(?:[:.h](?P<m>\d{2})\b(?:\s?(?P<ap>[ap])\.?m\b\.?)?|\s?(?P<hap>[ap])\.?m\b\.?)",
    re.I,
)
"""An onset told by its clock ("errors since about 23:25 local time", "unreachable right after 20:00", "since a little
after 8am our time"): a time already past when the line was written ("since" and "starting" surely; "after" and
"from" also open a window to come). Read through `onset_clocks`."""


def hour_of_day(hour: int, ampm: str | None) -> int:
    """`hour` on the 24-hour clock, given the AM/PM written after it ("12am" is 0, "8:40 pm" 20); an hour over 12, or
    one with no AM/PM, is already on it."""
    if ampm and hour <= 12:
        return hour % 12 + (12 if ampm[0].lower() == "p" else 0)
    return hour


def onset_clocks(text: str) -> list[tuple[str, int, int]]:
    """Every onset `text` tells by its clock (`ONSET_CLOCK`): (word, hour on the 24-hour clock, minute)."""
    out = []
    for m in ONSET_CLOCK.finditer(text):
        hour, ampm = int(m["h"]), m["ap"] or m["hap"]
        if ampm and hour > 12:
            continue
        out.append((m["word"].lower(), hour_of_day(hour, ampm), int(m["m"] or 0)))
    return out
SEASON_BLIND: dict[str, str] = {"PST": "PT", "EST": "ET", "CST": "CT"}
"""Standard-time abbreviations people write all year for their region's clock ("all times PST" over a July timeline,
as a Pacific team's notes are headed): read as the region's zone, so a summer date gets daylight time. MST is left
fixed, since Arizona keeps it all year."""
_TZINFOS: dict[str, int | tzinfo] = {
    **TZ_ABBREVIATIONS,
    **{k: ZoneInfo(v) for k, v in REGIONAL_ZONES.items()},
    **{k: ZoneInfo(REGIONAL_ZONES[v]) for k, v in SEASON_BLIND.items()},
}

_ABBR = "|".join(sorted((k for k in TZ_ABBREVIATIONS if k != "Z"), key=len, reverse=True))
_REGIONAL = "|".join(REGIONAL_ZONES)
_IANA = r"(?-i:(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Canada|Europe|Indian|Pacific|US)/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?)(?![\w/])"
"""An IANA zone name written after a clock ("9:20 PM US/Pacific", "14:05 Europe/Berlin"): status pages and exports
write it so; it is read with zoneinfo (dateutil cannot), so the offset follows the date."""
_ZONE = rf"(?:{_IANA}|(?:UTC|GMT)[+-]\d{{1,2}}(?::?\d{{2}})?(?!\d|:\d)|Z(?![A-Za-z])|[+-]\d{{2}}(?::?\d{{2}})?(?!\d|:\d)|(?:{_ABBR})(?![A-Za-z])|(?-i:{_REGIONAL})(?![A-Za-z]))"
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?"
_AMPM = r"(?:\s?(?P<ampm>[AaPp]\.?[Mm]\.?)(?![A-Za-z]))"
_ZONE_WRITTEN = rf"\s?(?P<zopen>\()?(?P<zone>{_ZONE})(?(zopen)\))"
"""A zone written after a time, bare or in brackets ("18:33 (UTC+2)", "2 PM EDT")."""
_TAIL = rf"{_AMPM}?(?:{_ZONE_WRITTEN})?"
"""After a clock: AM/PM, then its zone (`_ZONE_WRITTEN`)."""
_GMT_OFFSET = re.compile(r"^(?:UTC|GMT)(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")


def _named_zone(zone: str | None) -> tzinfo | None:
    """The IANA zone a stamp names ("US/Pacific"), None for any other zone or an unknown name."""
    if not zone or "/" not in zone:
        return None
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _zone_text(zone: str | None) -> str:
    """A written zone as the parsers read it: "UTC+2" as "+02:00" (dateutil reads "UTC+2" the POSIX way, as
    two hours *behind* UTC, the opposite of what a person means); an IANA name is left to `_named_zone`."""
    if zone and "/" in zone:
        return ""
    m = _GMT_OFFSET.match(zone or "")
    if m is None:
        return zone or ""
    return f"{m['sign']}{int(m['h']):02d}:{m['m'] or '00'}"
_EDGE = r"(?<![\w:.])"

_ISO = re.compile(
    rf"{_EDGE}(?P<date>\d{{4}}-\d{{2}}-\d{{2}}|\d{{4}}/\d{{2}}/\d{{2}}|\d{{4}}\.\d{{2}}\.\d{{2}})(?:T|,?\s+at\s+|,?\s+|,|_)(?P<clock>{_CLOCK})(?!\d|:\d)"
    rf"{_TAIL}"
)


def _iso_date(date: str) -> str:
    """A year-first date with ISO's separators ("2019/10/21", "2023.02.15" -> "2019-10-21", "2023-02-15")."""
    return date.replace("/", "-").replace(".", "-")


_EPOCH = re.compile(r"(?<![\w.:-])(?P<epoch>1\d{9}(?:\.\d{1,6})?|1\d{12})(?![\w:-]|\.\d)")
_MONTH_DAY = re.compile(
    rf"(?<![\w:])(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?(?P<mon>{_MONTH})\s+(?P<day>\d{{1,2}})(?!\d)(?:st|nd|rd|th)?,?"
    rf"(?:\s+(?P<year>\d{{4}}))?,?\s*(?:(?:at|@|-|–|—)\s*)?(?P<clock>{_CLOCK}|\d{{1,2}}(?=\s?[AaPp]\.?[Mm]))(?!\d|:\d){_TAIL}(?!\w)"
)
"""A month and day with a clock ("Jun 22 14:05 PDT", "June 22nd, 2023 at 10:00") or a bare hour with am/pm ("June 22nd
10am"): a time on a day other than the line's own."""
_DAY_MONTH = re.compile(
    rf"(?<![\w:])(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?(?P<day>\d{{1,2}})(?:(?:st|nd|rd|th)(?= ))?[ /-](?P<mon>{_MONTH})(?:[ /-](?P<year>\d{{4}}|\d{{2}}(?=[: ])))?"
    rf"(?:[: ]|,\s*|\s+at\s+)(?P<clock>{_CLOCK})(?!\d|:\d){_TAIL}(?!\w)"
)
_NUMERIC = re.compile(  # US-style 3/1/2019 2:02 PM or 07-30-2023 2:42 am (Teams, Excel exports, hand-kept notes);
    # dateutil reads the month first and swaps an impossible month
    rf"(?<![\w:./-])(?P<date>\d{{1,2}}(?P<sep>[/-])\d{{1,2}}(?P=sep)\d{{4}}),?\s+(?:at\s+)?(?P<clock>{_CLOCK})(?!\d|:\d)"
    rf"{_TAIL}(?!\w)"
)
_DOTTED = re.compile(
    rf"(?<![\w:./-])(?P<day>\d{{1,2}})\.(?P<mon>\d{{1,2}})\.(?P<year>\d{{4}})(?!\.?\d),?\s+(?:(?:at|um|kl\.?|à)\s+)?"
    rf"(?P<clock>{_CLOCK})(?!\d|:\d){_TAIL}(?!\w)"
)
"""A day-first date with dots, as much of Europe writes it, and a clock ("15.02.2023 11:15 CET", "23.02.2023 11:08",
"12.03.2026 um 21:41"): always the day, then the month."""


def _day_first(day: str, month: str) -> bool:
    """Whether a dotted date reads surely day first: a day past 12, or both written with two digits as European dates
    are ("15.02.2023", "08.04.2026"). "8.12.2022" may be an American's 12 August (written 8/12/2022 elsewhere in the
    same material), so it is not read."""
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return False
    return int(day) > 12 or (len(day) == 2 and len(month) == 2)


_HHMM_ZONE = rf"\s?(?:UTC|GMT|Z|{_ABBR})(?![A-Za-z])"
_HHMM_DIGITS = r"(?:[01]\d|2[0-3])[0-5]\d"
_HHMM_ZONED = rf"{_HHMM_DIGITS}(?={_HHMM_ZONE})"
"""Four digits of a clock with its zone after it ("1830 UTC"): the only four-digit range end (`_RANGE_TAIL`)."""
_HHMM = rf"{_HHMM_DIGITS}(?={_HHMM_ZONE}|\s*(?:-|–|—|to|until|and)\s*{_HHMM_ZONED})"
"""A clock written as four digits, the way network operators and status posts write UTC ("1830 UTC", "around 0400
GMT", "between 1934 and 1938 BST"): read only with a zone after it, or as the start of a range whose end has one; a
number after a date or a clock ("Sep 16 00:00:00 2024 GMT", "28 April 2020 UTC") is its year (`_hhmm_clock`)."""
_BARE = re.compile(rf"{_EDGE}(?P<clock>{_CLOCK}|{_HHMM})(?!\d|:\d)(?!\s?(?:hours?|h)\b){_TAIL}(?!\w)")
"""A clock written bare; "4:23 hours" and "~3:20h" are lengths of time, not clocks ("14:30 hrs" is a clock)."""
_YEAR_BEFORE = re.compile(rf"(?:\d|\b{_MONTH}),?\s*$")


def _hhmm_clock(m: re.Match[str]) -> str | None:
    """The clock of a bare match as "HH:MM": a four-digit one gets its colon; None when the four digits follow a date
    or a clock and so are a year."""
    clock = m["clock"]
    if ":" in clock:
        return clock
    if _YEAR_BEFORE.search(m.string, 0, m.start()):
        return None
    return f"{clock[:2]}:{clock[2:]}"


_HOUR_AMPM = re.compile(
    r"(?<![\w:.])(?P<clock>\d{1,2})\s?(?P<ampm>[ap]\.?m\.?|[AP]M)(?![\w])"
    rf"(?:{_ZONE_WRITTEN}(?!\w))?"
)
_DATE_ONLY = re.compile(
    rf"(?:(?P<date>\d{{4}}-\d{{2}}-\d{{2}}|\d{{4}}\.\d{{2}}\.\d{{2}}(?![.\w-]))(?![\dT]|:\d)|(?P<mon>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon2>{_MONTH})\s+(?P<year2>\d{{4}})"
    rf"|(?P<day3>\d{{1,2}})\.(?P<mon3>\d{{1,2}})\.(?P<year3>\d{{4}})(?!\.?\d))(?!\d|:\d)(?:\s?(?P<zone>{_ZONE}))?"
)
_LEAD = re.compile(r"^[\s\[(<|>*_#~`•·+-]*(?:\d{1,3}[.)]\s+)?[\s\[(<|*_]*")
_WEEKDAY_WORD = r"Mon(?:day)?|Tue(?:s(?:day)?)?|Wed(?:nesday)?|Thu(?:r(?:s(?:day)?)?)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?"
"""A weekday as written in full or short ("Monday", "Tue", "Thurs")."""
_DAY_LEAD = re.compile(
    r"^[\s\[(<|>*_#~`•·+=-]*(?:\d{1,3}[.)]\s+)?[\s\[(<|*_]*"
    rf"(?:(?:{_WEEKDAY_WORD})\.?,?\s+(?=\d|[A-Z][a-z]{{2}}))?"
)
"""The lead of a day line: `_LEAD`, also a rule of equals signs and the weekday ("=== 2025-11-24 ===", "-- Monday 24
February 2025 --")."""


@dataclass(frozen=True, slots=True)
class Stamp:
    """A time expression found in a line: where it is and what it said."""

    start: int
    end: int
    value: datetime  # wall-clock fields; date fields are placeholders unless has_date
    zone: tzinfo | None  # explicit zone of the expression
    has_date: bool = False
    has_year: bool = False
    date_only: bool = False
    single_digit_hour: bool = False  # a bare "4:31" with no AM/PM: the morning or the afternoon, as its context tells

    @property
    def full(self) -> bool:
        """A fully dated stamp (year, month, day and time)."""
        return self.has_year and not self.date_only


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown timezone {name!r}") from exc


def wall_to_utc(day: date, clock: time, zone: tzinfo) -> datetime:
    """The wall-clock time ``clock`` on the calendar date ``day`` in ``zone``, as an aware UTC datetime.

    The offset is the zone's on that wall date and time (zoneinfo: "10:44 PT" is PDT in July, PST in January; on a
    change day, a clock before the change has the old offset and one after it the new). The two readings a DST
    change makes possible are settled the same way every time (``fold=0``): a clock that happens twice (01:30 in
    the hour put back) is its first occurrence, still on summer time; a clock that never happens (02:30 in the hour
    put forward) is read with the offset before the change, as a clock not yet put forward shows it, so it lands as
    long after the change as it is written after the change's start. A fixed offset ("+02:00", "CEST") has no
    such day."""
    return datetime.combine(day, clock.replace(tzinfo=None, fold=0), tzinfo=zone).astimezone(UTC)


_DEFAULT = datetime(2000, 1, 1)  # leap year, so "Feb 29" parses before the real year is chosen


@lru_cache(maxsize=8192)
def _parse(text: str) -> datetime | None:
    """The datetime dateutil reads from `text`, None when it reads none or a zone no clock has ("-2400": a day off)."""
    try:
        value = du_parser.parse(text, default=_DEFAULT, tzinfos=_TZINFOS)
        value.utcoffset()  # an offset of a whole day or more is read but cannot be used
    except (ValueError, OverflowError, TypeError):
        return None
    return value


def _split_zone(value: datetime) -> tuple[datetime, tzinfo | None]:
    tz = value.tzinfo
    if tz is not None and not isinstance(tz, ZoneInfo) and (tz == du_tz.UTC or value.utcoffset() == timedelta(0)):
        tz = UTC  # a region's zone ("UK": GMT in winter, BST in summer) stays the region's
    return value.replace(tzinfo=None), tz


def _stamp(m: re.Match[str], base: int, text: str, *, has_date: bool, has_year: bool) -> Stamp | None:
    value = _parse(text)
    if value is None:
        return None
    naive, tz = _split_zone(value)
    return Stamp(base + m.start(), base + m.end(), naive, tz, has_date=has_date, has_year=has_year)


# A time range ("10:44-11:18 EDT", "21:12 to 21:39 UTC", "between 17:20 and 23:25"): the zone written after the
# range's end is the start's too, and "-11:18" right after a clock is the range's end, not a UTC offset; "-07:00"
# after a space ("10:44 -07:00") is the clock's offset.
_DASHES = "-|–|—"
RANGE_GAP = rf"\s*(?:->|→|{_DASHES}|to|until|till|through|and)\s*(?:(?:about|around|roughly|approximately|approx\.|circa|ca\.)\s+|~\s?)?"
"""What joins the two ends of a range as written ("-", "to", "until", "and" after "between", an arrow in notes
shorthand: "outage 16:58 -> 18:46"), with an end told roughly ("11:30 to roughly 12:05")."""
_RANGE_TAIL = re.compile(rf"{RANGE_GAP}(?P<clock>{_CLOCK}|{_HHMM_ZONED})(?!\d|:\d){_AMPM}?\s?(?P<zone>{_ZONE})(?!\w)", re.I)
_OFFSET = re.compile(r"(?P<sign>[+-])(?P<hh>\d{2})(?P<colon>:?)(?P<mm>\d{2})?")


def _range_end(m: re.Match[str]) -> bool:
    """True when the numeric "zone" of match ``m`` (a stamp or a range tail) is really the end of a range. A UTC
    offset is at most 14 hours and 0, 15, 30 or 45 minutes. "-HH:MM" glued to a clock without seconds, not after
    ISO's "T" ("10:44-11:18", "07:08-12:43", "10:00am-11:00am"), is how people write a range (spaced on both sides,
    "10:44 - 11:18", it is no zone at all); an offset is written after a space ("10:44 -07:00"), as "-0700", or
    after seconds ("10:44:00-07:00")."""
    zone_txt = m["zone"]
    off = _OFFSET.fullmatch(zone_txt) if zone_txt else None
    if off is None:
        return False
    hours, minutes = int(off["hh"]), int(off["mm"] or 0)
    if hours > 14 or minutes not in (0, 15, 30, 45):
        return True
    at = m.start("clock")
    after_t = at > 0 and m.string[at - 1] == "T"
    glued = not m.string[m.start("zone") - 1].isspace()
    return off["sign"] == "-" and bool(off["colon"]) and m["clock"].count(":") == 1 and not after_t and glued


def _from_match(kind: str, m: re.Match[str], base: int) -> Stamp | None:
    found = _from_match_raw(kind, m, base)
    if found is None or kind == "epoch":
        return found
    named = _named_zone(m.groupdict().get("zone"))
    if named is not None:
        return replace(found, zone=named)
    if found.zone is not None:
        return found
    tail = _RANGE_TAIL.match(m.string, found.end - base)
    if tail is None or _range_end(tail):
        return found
    zoned = _parse(f"00:00 {_zone_text(tail['zone'])}")
    zone = _named_zone(tail["zone"]) or (_split_zone(zoned)[1] if zoned is not None else None)
    return replace(found, zone=zone) if zone is not None else found


def _drop_zone(m: re.Match[str], base: int, kind: str) -> Stamp | None:
    """The stamp read without its numeric "zone", which was the end of a range."""
    cut = m.start("zone")
    while cut > 0 and m.string[cut - 1].isspace():
        cut -= 1
    pattern = next(p for k, p in _PATTERNS if k == kind)
    shorter = pattern.match(m.string[: cut], m.start())
    if shorter is None or shorter.end() != cut or shorter.group("zone"):
        return None
    return _from_match_raw(kind, shorter, base)


def _from_match_raw(kind: str, m: re.Match[str], base: int) -> Stamp | None:
    g = m.groupdict()
    if g.get("zone") and g.get("clock") and _range_end(m):
        return _drop_zone(m, base, kind)
    if kind == "iso":
        # a 12-hour clock after a date ("2023-09-07 10:44 PM EDT", status pages): PM is twelve hours on; an
        # "AM"/"PM" after a 24-hour clock ("14:02 PM") says nothing and is left out
        ampm = g.get("ampm") or ""
        if ampm and not 1 <= int(g["clock"].split(":")[0]) <= 12:
            ampm = ""
        day = _iso_date(g["date"])
        raw = f"{day}T{g['clock'].replace(',', '.')}{_zone_text(g['zone'])}"
        try:
            value = (
                datetime.fromisoformat(raw.replace("Z", "+00:00")) if g["zone"] in (None, "Z") and not ampm else None
            )
        except ValueError:
            value = None
        if value is not None:
            naive, tz = _split_zone(value)
            return Stamp(base + m.start(), base + m.end(), naive, tz, has_date=True, has_year=True)
        text = f"{day} {g['clock'].replace(',', '.')} {ampm} {_zone_text(g['zone'])}"
        return _stamp(m, base, " ".join(text.split()), has_date=True, has_year=True)
    if kind == "epoch":
        number = float(g["epoch"])
        seconds = number / 1000.0 if len(g["epoch"].split(".")[0]) == 13 else number
        value = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
        return Stamp(base + m.start(), base + m.end(), value, UTC, has_date=True, has_year=True)
    ampm = g.get("ampm") or ""
    zone_txt = _zone_text(g.get("zone"))
    if kind == "numeric":
        text = f"{g['date']} {g['clock']} {ampm} {zone_txt}"
        return _stamp(m, base, " ".join(text.split()), has_date=True, has_year=True)
    if kind == "dotted":
        if not _day_first(g["day"], g["mon"]):
            return None
        text = f"{g['year']}-{int(g['mon']):02d}-{int(g['day']):02d} {g['clock']} {ampm} {zone_txt}"
        return _stamp(m, base, " ".join(text.split()), has_date=True, has_year=True)
    if kind == "logcat":
        text = f"{calendar.month_abbr[int(g['mm'])]} {int(g['dd'])} {g['clock']}"
        return _stamp(m, base, text, has_date=True, has_year=False)
    if kind in ("month_day", "day_month"):
        year = g.get("year")
        if year is not None and len(year) == 2:
            year = f"20{year}"
        text = f"{g['mon'].rstrip('.')} {g['day']} {year or ''} {g['clock']} {ampm} {zone_txt}"
        return _stamp(m, base, " ".join(text.split()), has_date=True, has_year=year is not None)
    bare = _hhmm_clock(m) if kind == "bare" else None
    if kind == "bare" and bare is None:
        return None
    clock = bare if bare is not None else f"{g['clock']}:00"
    hour = int(clock.split(":")[0])
    if (ampm and not 1 <= hour <= 12) or hour > 23:
        return None
    stamp = _stamp(m, base, f"{clock} {ampm} {zone_txt}".strip(), has_date=False, has_year=False)
    if stamp is not None and kind == "bare" and not ampm and re.fullmatch(r"[1-9]:\d{2}(?::\d{2})?", clock):
        return replace(stamp, single_digit_hour=True)
    return stamp


LOGCAT = re.compile(
    r"(?P<mm>0[1-9]|1[0-2])-(?P<dd>0[1-9]|[12]\d|3[01])\s+(?P<clock>\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)"
    r"(?=\s+\d+\s+\d+\s+[VDIWEFA]\s)"
)
"""Android's logcat line ("01-26 20:50:46.286 19517 20357 D Retrofit: ..."): the month and day, the clock, then the
process, the thread and the level letter that make the shape unmistakable; no year, no zone (the device's clock)."""
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("logcat", LOGCAT),
    ("iso", _ISO),
    ("day_month", _DAY_MONTH),
    ("numeric", _NUMERIC),
    ("dotted", _DOTTED),
    ("month_day", _MONTH_DAY),
    ("epoch", _EPOCH),
    ("bare", _BARE),
)


def find_stamp(line: str, *, anywhere: str = "none") -> Stamp | None:
    """The time expression at the start of ``line`` (after bullets and brackets). ``anywhere``:
    "none" looks only there; "dated" then looks for a dated time anywhere in the line (logs);
    "any" for any time anywhere (notes, tickets)."""
    line = _dot_clocks(line)
    lead = _LEAD.match(line)
    base = lead.end() if lead else 0
    head = line[base:]
    for kind, pattern in _PATTERNS:
        m = pattern.match(head)
        if m:
            found = _from_match(kind, m, base)
            if found is not None:
                return found
    if anywhere == "none":
        return None
    best: Stamp | None = None
    for kind, pattern in _PATTERNS + (("hour", _HOUR_AMPM),):
        if kind == "epoch" or (anywhere == "dated" and kind in ("bare", "hour")):
            continue  # a 10-digit number inside text is too often an id
        for m in pattern.finditer(line):
            found = _from_match(kind, m, 0)
            if found is not None:
                if best is None or found.start < best.start:
                    best = found
                break
    return best


def find_stamps(line: str) -> list[Stamp]:
    """Every clock time in ``line``, in order: dated the ISO way ("2019-10-21 01:38", "2019-10-21T01:38Z",
    "2019-10-21, 01:38") or bare ("01:38 UTC", "7:12 PM PDT", "14:02 ET", "10:44 -07:00"). A range ("10:44-11:18 ET")
    is two stamps, each with the zone written after its end; other date forms beside a clock are not read (the clock
    is, bare)."""
    line = _dot_clocks(line)
    out: list[Stamp] = []
    pos = 0
    while True:
        found = [(m, kind) for kind, pattern in (("iso", _ISO), ("bare", _BARE)) if (m := pattern.search(line, pos))]
        if not found:
            return out
        m, kind = min(found, key=lambda f: f[0].start())  # an ISO date starts before its clock
        stamp = _from_match(kind, m, 0)
        if stamp is not None:
            out.append(stamp)
        pos = stamp.end if stamp is not None else m.end()


@dataclass(frozen=True, slots=True)
class Range:
    """A range of two clock times as written ("10:44-11:18 EDT", "12:00 to 13:40 GMT", "4:06 pm – 4:38 pm")."""

    first: Stamp
    last: Stamp

    @property
    def zone(self) -> tzinfo | None:
        """The range's zone: written once, after its end or after each side."""
        return self.first.zone or self.last.zone


_RANGE_SEP = re.compile(RANGE_GAP, re.I)


# Dot clocks ("20.13-21.00", "at 20.13 CET", "9.30am"), as European post-mortems write them. A number with two
# decimals is far more often a quantity ("99.95 %", "1.21 billion", "ratio 0.85") or a version ("7.11 and up",
# "1.20"), so a dot clock is read only where its context says it is a time: a zone or AM/PM after it, "at" before
# it (with a two-digit hour), or a dash range of two of them (one with a two-digit hour; joined by a word, "20.13 to
# 21.00", only with a zone after the end); never with a unit or an amount after it.
_DOT_CLOCK = re.compile(r"(?<![\w.,:/#$€£+])(?P<hh>\d{1,2})\.(?P<mm>\d{2})(?=(?:\s?[AaPp]\.?[Mm]\.?)?(?![\w%]|[.,]\d))")
_MEASURE = re.compile(
    r"\s?(?:[%€$£]|(?:percent|per\s?cent|[mµun]s|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|x|[kKMGT]i?B|USD|EUR|GBP)\b)"
)
"""A unit or an amount after a number: "12.50 ms", "20.13 %", "13.20 EUR" is a quantity, not a clock."""
_AT_BEFORE = re.compile(r"\b[Aa]t\s+\Z")
_DASH = re.compile(rf"\s*(?:{_DASHES})\s*")


def _dot_clocks(line: str) -> str:
    """``line`` with the dot of every dot clock its context makes a time turned into a colon (same length, so
    positions hold), for the colon readers to read; every other dot is left alone."""
    if "." not in line:
        return line
    found = [m for m in _DOT_CLOCK.finditer(line) if int(m["hh"]) <= 23 and int(m["mm"]) <= 59]
    if not found:
        return line
    chars = list(line)

    def colon(m: re.Match[str]) -> str:
        return line[: m.start()] + f"{m['hh']}:{m['mm']}" + line[m.end() :]

    def zoned(m: re.Match[str]) -> bool:  # a named zone or AM/PM right after it
        b = _BARE.match(colon(m), m.start())
        return b is not None and (bool(b["ampm"]) or (bool(b["zone"]) and not _OFFSET.fullmatch(b["zone"])))

    def measured(m: re.Match[str]) -> bool:
        return _MEASURE.match(line, m.end()) is not None

    confirmed: set[int] = set()
    by_start = {m.start(): i for i, m in enumerate(found)}
    for i, m in enumerate(found):
        if zoned(m) or (_AT_BEFORE.search(line, 0, m.start()) and len(m["hh"]) == 2 and not measured(m)):
            confirmed.add(i)
        gap = _RANGE_SEP.match(line, m.end())
        j = by_start.get(gap.end()) if gap is not None else None
        if gap is None or j is None:
            continue
        end = found[j]
        two_digit = len(m["hh"]) == 2 or len(end["hh"]) == 2
        if (_DASH.fullmatch(gap[0]) and two_digit and not measured(end) and m[0] != end[0]) or zoned(end):
            confirmed |= {i, j}
    for i in confirmed:
        chars[found[i].start() + len(found[i]["hh"])] = ":"
    return "".join(chars)


def _range_side(line: str, pos: int) -> Stamp | None:
    """The clock a range's end starts with at `pos`: a bare clock, else an hour with AM/PM ("to 6:33am", "- 1 AM")."""
    for kind, pattern in (("bare", _BARE), ("hour", _HOUR_AMPM)):
        m = pattern.match(line, pos)
        if m:
            return _from_match(kind, m, 0)
    return None


def find_ranges(line: str) -> list[Range]:
    """Every range of two clock times in ``line``, in order (dates beside them are not read): "function execution
    16:45-17:45; run scheduling 16:10-18:15" holds two."""
    line = _dot_clocks(line)
    out: list[Range] = []
    sides = sorted(
        [(m, "bare") for m in _BARE.finditer(line)] + [(m, "hour") for m in _HOUR_AMPM.finditer(line)],
        key=lambda f: f[0].start(),
    )  # a side may be an hour with AM/PM ("between 12am and 6:33am", "10 PM - 1 AM")
    for m, kind in sides:
        if out and m.start() < out[-1].last.end:
            continue  # the end of the range just found
        first = _from_match(kind, m, 0)
        gap = _RANGE_SEP.match(line, first.end) if first is not None else None
        last = _range_side(line, gap.end()) if gap is not None else None
        if first is not None and last is not None:
            out.append(Range(first, last))
    return out


def find_range(line: str) -> Range | None:
    """The first range of two clock times in ``line`` (dates beside them are not read)."""
    ranges = find_ranges(line)
    return ranges[0] if ranges else None


def find_dated_range(line: str) -> Range | None:
    """The first range of two fully dated times in ``line`` ("2025-11-11 16:02 to 2025-11-14 15:02")."""
    stamps = [s for s in find_stamps(line) if s.full]
    for first, last in zip(stamps, stamps[1:], strict=False):
        gap = _RANGE_SEP.match(line, first.end)
        if gap is not None and gap.end() == last.start and last.value >= first.value:
            return Range(first, last)
    return None


def find_date_marker(line: str) -> Stamp | None:
    """A date without a time at the start of a line (``## 2019-03-01``, ``Jul 09, 2024 UTC - ...``,
    ``--- 1 March 2019 ---``)."""
    lead = _DAY_LEAD.match(line)
    base = lead.end() if lead else 0
    m = _DATE_ONLY.match(line, base)
    if not m:
        return None
    if m.group("date"):
        text = _iso_date(m.group("date"))
    elif m.group("mon"):
        text = f"{m.group('mon').rstrip('.')} {m.group('day')} {m.group('year')}"
    elif m.group("day3"):  # day first, as dotted dates are written ("15.02.2023")
        if not _day_first(m.group("day3"), m.group("mon3")):
            return None
        text = f"{m.group('year3')}-{int(m.group('mon3')):02d}-{int(m.group('day3')):02d}"
    else:
        text = f"{m.group('mon2').rstrip('.')} {m.group('day2')} {m.group('year2')}"
    parsed = _parse(text)
    if parsed is None:
        return None
    tz: tzinfo | None = None
    if m.group("zone"):  # dateutil reads a zone only next to a time
        zoned = _parse(f"00:00 {_zone_text(m.group('zone'))}")
        tz = _split_zone(zoned)[1] if zoned is not None else None
    return Stamp(
        m.start(), m.end(), parsed.replace(tzinfo=None), tz, has_date=True, has_year=True, date_only=True
    )


_DAY_LABEL = re.compile(
    rf"(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH})|(?P<mon2>{_MONTH})\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?)"
    r"\s*(?:[:–—]|,(?!\s*\d))\s+(?=\S)"
)


_WRITES_A_DAY = re.compile(
    rf"(?<![\w-])(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|\d{{1,2}}\.\d{{1,2}}\.\d{{4}}(?!\.?\d)|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?![a-z])|"
    rf"{_MONTH}\s+\d{{1,2}}(?!\d)|(?-i:{_WEEKDAY_WORD})(?![a-z]))",
    re.I,
)


_DAY_IN_NAME = re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d{2})(?P<sep>[-_.]?)(?P<m>0[1-9]|1[0-2])(?P=sep)(?P<d>0[1-9]|[12]\d|3[01])(?![\d])")


def named_day(name: str) -> Stamp | None:
    """The day a material's file name states ("eng-chat-2025-10-31.txt", "irc-chef-20160516.log", "slack-ops_2017_01_23"),
    as a date marker: a chat or log exported one file a day dates its bare times by its name. None when the name
    states no day, or more than one."""
    found = list(_DAY_IN_NAME.finditer(name))
    if len(found) != 1:
        return None
    m = found[0]
    return find_date_marker(f"{m['y']}-{m['m']}-{m['d']}")


def writes_a_day(text: str) -> bool:
    """Whether `text` writes a day anywhere: an ISO or slash date, a day with its month's name ("Jul 20", "3 Feb"), or a
    weekday ("Thu"). A material with none dates its times only by where the bundle puts them."""
    return bool(_WRITES_A_DAY.search(text))


def find_day_label(line: str) -> Stamp | None:
    """A day without its year labelling a note's line ("- 1 Feb: same crash, 19:22 -> 20:14", "Nov 15: down again"):
    the day, its year left to the material's date so far (`has_year=False`)."""
    lead = _DAY_LEAD.match(line)
    m = _DAY_LABEL.match(line, lead.end() if lead else 0)
    if not m:
        return None
    return _day_without_year(m, m.start() + len(m.group(0).rstrip()) - 1)  # up to the label's colon or dash


def _day_without_year(m: re.Match[str], end: int) -> Stamp | None:
    """The day a match of a day and its month's name tells (groups `day`/`mon`, else `day2`/`mon2`), from the match's
    start to `end`, its year left to the material's date so far (`has_year=False`)."""
    day, mon = (m["day"], m["mon"]) if m["day"] else (m["day2"], m["mon2"])
    parsed = _parse(f"{mon.rstrip('.')} {day} 2000")
    if parsed is None:
        return None
    return Stamp(m.start(), end, parsed.replace(tzinfo=None), None, has_date=True, has_year=False, date_only=True)


LEADING_DAY = re.compile(
    rf"^\s*(?P<open>\()?(?:on\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?)(?:,?\s+\d{{4}})?"
    rf"(?(open)\))\s*[:,–—-]\s+",
    re.I,
)
"""The day a line's time is told on, right after it and set off like a label ("05:35 UTC on 4 Feb: that instance
stopped ...", "~8:15 PM (23 May): all web servers ..."): part of the time, not of what the line tells."""
_NEXT_TO = re.compile(
    r"[\s,;(\[–—~≈-]*(?:(?:on|from|at|since|starting|until|by|about|around|approx\.?|approximately|ca\.)\s+)?[\s(\[~≈]*", re.I
)


_WORD_EDGE = re.compile(r"[\w:/.-]")


def find_dates(line: str) -> list[Stamp]:
    """Every date with its year written anywhere in ``line`` without a time (``# relay outage 2024-11-05 - notes``)."""
    out: list[Stamp] = []
    for m in _DATE_ONLY.finditer(line):
        if m.start() > 0 and _WORD_EDGE.match(line[m.start() - 1]):
            continue
        found = find_date_marker(" " * m.start() + line[m.start() :])
        if found is not None:
            out.append(found)
    return out


def _beside(pattern: re.Pattern[str], line: str, stamp: Stamp) -> Iterator[re.Match[str]]:
    """The matches of `pattern` in `line` joined to `stamp` by at most a comma, a bracket, a tilde or one small word
    (`_NEXT_TO`), on either side of it."""
    for m in pattern.finditer(line):
        if m.end() <= stamp.start:
            gap = line[m.end() : stamp.start]
        elif m.start() >= stamp.end:
            gap = line[stamp.end : m.start()]
        else:
            continue
        if _NEXT_TO.fullmatch(gap):
            yield m


def find_date_beside(line: str, stamp: Stamp) -> Stamp | None:
    """A date written beside a bare time, joined by at most a comma, a bracket or one small word
    (``(2019-12-05, from 03:30)``, ``00:00 on 2017-01-01``): the day of that time."""
    for m in _beside(_DATE_ONLY, line, stamp):
        day = find_date_marker(line[m.start() :])
        if day is not None:
            return day
    return None


_DAY_NO_YEAR = re.compile(
    rf"(?<![\w:/.-])(?:(?P<mon>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
    rf"(?P<mon2>{_MONTH}))(?![\w:]|\.\d|,?\s+\d{{4}})"
)


def find_month_day_beside(line: str, stamp: Stamp) -> Stamp | None:
    """A day with its month's name but no year written beside a bare time, joined by at most a bracket, a tilde or one
    small word ("Tue Mar 10 ~23:50", "~8:15 PM (23 May)", "around 23:50 on March 10th"): the day of that time, its
    year left to the material's date so far (`has_year=False`)."""
    for m in _beside(_DAY_NO_YEAR, line, stamp):
        day = _day_without_year(m, m.end())
        if day is not None:
            return day
    return None


DATE_CLAUSE_REACH = 40
"""How far after a time a date in the same clause still dates it ("the 3:28 PM PST config upload on 2019-01-22")."""


def find_date_in_clause(line: str, stamp: Stamp) -> Stamp | None:
    """A date with its year written after a bare time in the same clause, a few words on ("(since the 3:28 PM PST
    config upload on 2019-01-22)"): the day of that time."""
    m = _DATE_ONLY.search(line, stamp.end)
    if m is None:
        return None
    gap = line[stamp.end : m.start()]
    if len(gap) > DATE_CLAUSE_REACH or re.search(r"[.;!?()]|\b(?:and|but|then)\b", gap):
        return None
    return find_date_marker(line[m.start() :])


_OPENING_ON = re.compile(rf"(?:^|[.!?]\s+)[^\w]*On\s+(?:(?:{_WEEKDAY_WORD}),?\s+)?(?:the\s+)?\Z")
"""A sentence that opens on its day ("On 25 September 2024 ...", "... later. On Tuesday, March 14, 2023, ...")."""


def find_date_opening(line: str, stamp: Stamp) -> Stamp | None:
    """The day a sentence opens with, "On <date with its year>", when a bare time follows in that sentence ("On 25
    September 2024 delivery was affected between 10:07 and 12:19 UTC"): the day of that time and of the bare times
    told after it (a write-up published days later tells its incident's day once, then its times)."""
    for m in _DATE_ONLY.finditer(line, 0, stamp.start):
        if not _OPENING_ON.search(line[: m.start()]) or re.search(r"[.;!?]", line[m.end() : stamp.start]):
            continue
        return find_date_marker(line[m.start() :])
    return None


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday_number(name: str) -> int:
    """The weekday a word names, in full or short ("Sunday", "sun"): 0 for Monday to 6 for Sunday."""
    return _WEEKDAYS.index(name[:3].lower())


def _weekday(m: re.Match[str]) -> int:
    """The weekday a match's `wd` group names, in full or short: 0 for Monday to 6 for Sunday."""
    return weekday_number(m.group("wd"))


_WEEKDAY = rf"(?P<wd>{_WEEKDAY_WORD})"
_WEEKDAY_BEFORE = re.compile(rf"(?<![\w-]){_WEEKDAY}\.?,?\s+(?:at\s+)?\Z", re.I)
_WEEKDAY_AFTER = re.compile(rf"\A,?\s*(?:on\s+)?{_WEEKDAY}(?![\w-])", re.I)


_MONTHDAY_AFTER = re.compile(r"\A,?\s*(?:UTC\s+|GMT\s+)?on the (?P<d>[1-9]|[12]\d|3[01])(?:st|nd|rd|th)(?![\w-])", re.I)
_MONTHDAY_BEFORE = re.compile(r"(?<![\w-])(?:on )?the (?P<d>[1-9]|[12]\d|3[01])(?:st|nd|rd|th),?\s+(?:at\s+)?\Z", re.I)


_NAMED_DAY = re.compile(
    rf"\bon\s+(?:(?:{_WEEKDAY_WORD}),?\s+)?(?:the\s+)?(?:(?P<mon>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
    rf"(?P<mon2>{_MONTH}))(?![\w:]|\.\d)"
)
_MONTH_NUMBER = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def find_named_days(line: str) -> list[tuple[int, int]]:
    """Every day named as when something happened, with its month's name ("Reported by our partner on September 9",
    "fixed on Tuesday, 10 Sept"), not a span's bound ("saved since December 20", "by February 17"): (month, day)
    pairs, in the order written."""
    out: list[tuple[int, int]] = []
    for m in _NAMED_DAY.finditer(line):
        mon, day = (m["mon"], m["day"]) if m["mon"] else (m["mon2"], m["day2"])
        if 1 <= int(day) <= 31:
            out.append((_MONTH_NUMBER[mon[:3].lower()], int(day)))
    return out


def find_monthday_beside(line: str, stamp: Stamp) -> int | None:
    """The day of the month written as an ordinal right beside a bare time ("09:30 on the 24th", "until 04:25 UTC on
    the 4th", "on the 16th at 09:25"): that day (1-31), or None."""
    m = _MONTHDAY_AFTER.match(line[stamp.end :]) or _MONTHDAY_BEFORE.search(line[: stamp.start])
    return int(m.group("d")) if m else None


_HEADING_WEEKDAY = re.compile(r"^\s*#[^\n]*?\b(?P<wd>(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b", re.I)


def find_heading_weekday(line: str) -> int | None:
    """The weekday a Markdown heading names in full, with no date beside it ("# #inc-use1 (Monday, copied without
    dates)"): 0 for Monday to 6 for Sunday, or None."""
    m = _HEADING_WEEKDAY.match(line)
    if m is None or find_dates(line):
        return None
    return _weekday(m)


_WEEKDAY_LEAD = re.compile(rf"^\s*(?P<wd>{_WEEKDAY_WORD})\.?,?\s+(?=\d)")


def find_weekday_led_stamp(line: str) -> tuple[int, Stamp] | None:
    """A line opening with a weekday and then a time ("Thursday 20:00 ingrid: provider says ..."): the weekday (0 for
    Monday to 6 for Sunday) and the time's stamp where it stands in the line, or None."""
    m = _WEEKDAY_LEAD.match(line)
    if m is None:
        return None
    stamp = find_stamp(line[m.end() :])
    if stamp is None or stamp.has_date or stamp.start != 0:
        return None
    return _weekday(m), replace(stamp, start=stamp.start + m.end(), end=stamp.end + m.end())


def find_weekday_beside(line: str, stamp: Stamp) -> int | None:
    """The weekday written right beside a bare time ("21:31:56 Wed", "from 21:33 on Wednesday", "Sat 14:02"):
    0 for Monday to 6 for Sunday, or None."""
    m = _WEEKDAY_AFTER.match(line[stamp.end :]) or _WEEKDAY_BEFORE.search(line[: stamp.start])
    return _weekday(m) if m else None


def parse_timestamp(value: object, tz: tzinfo) -> datetime | None:
    """A structured timestamp (JSON field): ISO 8601 text, or epoch seconds/milliseconds (number or
    numeric string). Zone-less text is read in ``tz``. None when it is not a usable time."""
    try:
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            text = value.strip()
            if not text or text.startswith("0001-01-01"):
                return None
            try:
                number = float(text)
            except ValueError:
                stamp = find_stamp(text)
                if stamp is None or not stamp.full:
                    return None
                return wall_to_utc(stamp.value.date(), stamp.value.time(), stamp.zone or tz)
        else:
            return None
        if number != number or number <= 0:  # NaN or not a plausible epoch
            return None
        if number > 1e11:
            number /= 1000.0
        return datetime.fromtimestamp(number, UTC)
    except (ValueError, OverflowError, OSError):
        return None
