"""Times, durations and numbers as they appear in post-mortem prose.

`find_times` locates clock times ("01:38", "01:38 UTC", "2019-10-21 01:38", "2:32 PM PDT", "14:02 ET") with
timeparse's one stamp reader and converts explicit zones to UTC (bare times in a draft are UTC by convention). `find_durations`
reads "38 min", "1 h 5 min", "2 hours and 10 minutes". `find_numbers` returns the other numbers
(counts, percentages, amounts) with time and date expressions, identifiers and versions left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from pmstudio.timeparse import find_date_beside, find_stamps, wall_to_utc

_MONTH = r"(?:(?i:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*|May)\.?"
"""A month name, in any case ("april 15" in a sentence built from a title) but "May", which lower-case is a verb."""
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DAY_TO = rf"{_DAY}(?:[-–]|\s+(?:to|and|until|through|till)\s+)"
"""The first day of a span and its joint: a dash with no space ("3-5") or a word ("25 to 30"); a spaced dash is a
separator ("Case 2 - 12 Jan 2026")."""
DATE = re.compile(  # a span of days ("25 to 30 December 2022", "March 3-5") is one date: its first day is no count
    rf"\b{_DAY_TO}{_DAY}\s+{_MONTH}(?:,?\s+\d{{4}})?\b|\b{_MONTH}\s+{_DAY_TO}{_DAY}(?:,?\s+\d{{4}})?\b|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{4}/\d{2}/\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|"
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b|"
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+\d{{4}})?\b"
)
_UNIT_MIN = {"d": 1440.0, "h": 60.0, "m": 1.0, "s": 1 / 60}
DURATION = re.compile(
    r"(?<![\w.:])(?<!\d,)(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s+(?:more|extra|further|additional|full|whole|straight))?\s?(?P<unit>(?i:days?|hrs?|hours?|mins?|minutes?|secs?|seconds?)|d|h|m|s)(?![\w])"
)
_JOIN = re.compile(r"^(?:\s*,\s*|\s+and\s+|\s+)$")
VERSION = re.compile(r"(?<![\w.])v?\d+(?:\.\d+){2,}(?:[-+][\w.]+)?(?![\w.])")
APPROX = r"about|approximately|approx\.?|around|roughly|nearly|almost"
"""The words that make a number approximate ("about 40", "roughly an hour"), as a regex alternation."""
NUMBER = re.compile(
    rf"(?<![\w.,:/#-])(?P<hedge>(?:{APPROX}|over|under|more than|"
    r"less than|fewer than|up to|some|~|≈)\s?)?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?P<suffix>\s?%|\s?percent\b|[kKM](?![\w])|x(?![\w]))?(?![\w:/]|[.,]\d)",
    re.I,
)
_HTTP_CONTEXT = re.compile(
    r"(?:http|status|code|returned|returning|serving|with)\s*$|^\s*(?:errors?|responses?|s\b|status)", re.I
)


@dataclass(frozen=True)
class TimeRef:
    start: int
    end: int
    text: str
    clock: int  # minutes after midnight, UTC
    at: datetime | None  # full UTC datetime when the text carries a date
    zoned: bool = False  # the text names its zone ("UTC", "PDT", "ET", "+02:00"); else the clock is as written
    second: int = 0  # the seconds as written
    beside: datetime | None = None  # UTC instant read on a date written beside an undated time ("Nov 04, 2019 - 16:33")


@dataclass(frozen=True)
class NumberRef:
    start: int
    end: int
    text: str
    value: float
    percent: bool
    approximate: bool


_NO_DAY = date(2000, 1, 1)
"""The day a regional zone ("ET") is read on when neither the text nor the caller gives one: its standard offset."""


def find_times(text: str, on: date | datetime | None = None, *, beside: bool = False) -> list[TimeRef]:
    """Clock times in ``text`` with their UTC clock (timeparse.wall_to_utc). A regional zone's offset follows the
    date ("14:02 ET" is EDT in July, EST in January): the date written with the time, else ``on``, else standard
    time. ``on`` is a calendar day, or an aware instant (the evidence line's) whose wall date in the time's own zone
    is the day: a line at 07:30 UTC on the day clocks go forward in California says "23:20 PT" of the evening
    before, on PST. With ``beside`` (a draft's text), an undated time also gets its reading on a date written beside
    it (``TimeRef.beside``); the evidence side, read line by line, does without it."""
    out = []
    for stamp in find_stamps(text):
        wall = stamp.value.time().replace(microsecond=0)
        zone = stamp.zone or UTC  # a bare time in a draft is UTC by convention
        near = find_date_beside(text, stamp) if beside and not stamp.has_date else None
        # "Postmortem - Nov 04, 2019 - 16:33 PST": the date written beside the time is a second reading of its day
        on_date = wall_to_utc(near.value.date(), wall, zone) if near is not None else None
        if stamp.has_date:
            day = stamp.value.date()
        elif isinstance(on, datetime):
            day = on.astimezone(zone).date()
        else:
            day = on or _NO_DAY
        utc = wall_to_utc(day, wall, zone)
        at = utc if stamp.has_date else None
        clock = utc.hour * 60 + utc.minute
        out.append(
            TimeRef(
                stamp.start, stamp.end, text[stamp.start : stamp.end], clock, at, stamp.zone is not None, wall.second,
                on_date,
            )
        )
    return out


@dataclass(frozen=True)
class DurationRef:
    start: int
    end: int
    minutes: float
    unit: float  # minutes of the smallest unit written (1 for "38 min", 60 for "2 hours")
    first: float  # the first number as written ("2" in "2 hours")
    approximate: bool = False  # labelled so ("about 40 hours", "~2 h")


_HEDGED = re.compile(rf"(?:\b(?:{APPROX})|~)\s*$", re.I)
"""A hedge right before a duration ("for about 40 hours", "~2 h"): the duration is an approximation."""


def find_durations(text: str) -> list[DurationRef]:
    """Duration expressions; "1 h 5 min" and "2 hours and 10 minutes" are one each (units must descend)."""
    out: list[DurationRef] = []
    last_end, last_size = -1, 0.0
    for m in DURATION.finditer(text):
        size = _UNIT_MIN[m.group("unit")[0].lower()]
        number = float(m.group("n").replace(",", ""))  # "40,000 hours": thousands written with commas
        value = number * size
        if out and last_end >= 0 and size < last_size and _JOIN.match(text[last_end : m.start()]):
            prev = out[-1]
            out[-1] = DurationRef(prev.start, m.end(), prev.minutes + value, min(prev.unit, size), prev.first, prev.approximate)
        else:
            hedged = bool(_HEDGED.search(text[max(0, m.start() - 20) : m.start()]))
            out.append(DurationRef(m.start(), m.end(), value, size, number, hedged))
        last_end, last_size = m.end(), size
    return out


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def _without_times(text: str) -> str:
    """`text` with its times, dates and versions blanked (same length): what is left of it are quantities."""
    spans = [(t.start, t.end) for t in find_times(text)]
    spans += [(m.start(), m.end()) for m in DATE.finditer(text)]
    spans += [(m.start(), m.end()) for m in VERSION.finditer(text)]
    return blank(text, spans)


def find_numbers(text: str) -> list[NumberRef]:
    """Numbers that claim a quantity; times, dates, versions and identifiers are skipped."""
    clean = _without_times(text)
    out = []
    for m in NUMBER.finditer(clean):
        raw = m.group("num").replace(",", "")
        value = float(f"{raw}.{m.group('frac')}" if m.group("frac") else raw)
        suffix = (m.group("suffix") or "").strip().lower()
        if suffix == "k":
            value *= 1000
        elif suffix == "m":
            value *= 1_000_000
        if (
            100 <= value <= 599
            and value.is_integer()
            and (
                _HTTP_CONTEXT.search(clean[max(0, m.start() - 12) : m.start()])
                or _HTTP_CONTEXT.match(clean[m.end() : m.end() + 12])
            )
        ):
            continue  # an HTTP status code, not a quantity
        out.append(
            NumberRef(
                start=m.start("num"),
                end=m.end(),
                text=text[m.start("num") : m.end()].strip(),
                value=value,
                percent=suffix in ("%", "percent"),
                approximate=bool(m.group("hedge")) or suffix in ("k", "m"),
            )
        )
    return out


def evidence_numbers(text: str) -> list[float]:
    """Every number in an evidence text (times and dates excluded), for grounding; a range's end too ("probably 4-5
    hours": 4 and 5), and a duration's number ("ingestion lag 7h+": 7)."""
    values = [n.value for n in find_numbers(text)] + range_ends(text)
    return values + [d.first for d in find_durations(text) if d.first not in values]


_RANGE = re.compile(r"(?<![\w.,:/#-])(?P<a>\d+(?:\.\d+)?)\s?[-–]\s?(?P<b>\d+(?:\.\d+)?)(?![\d:/.-]|[.,]\d)")


def range_ends(text: str) -> list[float]:
    """The ends of the ranges in `text` ("4-5 hours", "2–3 %"), times, dates and versions excluded: each end is a
    number the text states."""
    return [float(m["b"]) for m in _RANGE.finditer(_without_times(text)) if float(m["a"]) < float(m["b"])]
