"""Time per source: the zone of each material's zone-less times, and the cross-source check.

A material's zone-less times (``14:02``, syslog ``Jul 20 14:43:41``, ISO without an offset) are read
in, by precedence:

1. the zone the caller names for it (CLI ``--source-timezone NAME=ZONE``, the dashboard);
2. the bundle's ``materials[].timezone`` or a folder manifest's ``timezones:`` entry;
3. a declaration in the material itself: "all times UTC", "times in PDT", a ``Timezone:`` line,
   "(times in BST)" in a heading, "all times are US/Pacific", "times as shown in a US/Pacific browser" (in its
   first lines or any heading);
4. the one zone its lines' own times name, when two or more name one and none names another (a status page's
   "Nov 20, 2025 12:10 UTC" updates: its bare "outage 12:10 to 16:06" is UTC too);
5. the default of its kind: server and system logs are written in UTC; everything else (chat,
   notes, tickets, alert lines) in the bundle's zone.

Times that carry their own offset or zone are always read as written. After parsing,
:func:`cross_check` compares sources: when the same event (an alert and a "got paged" message, a
log's DOWN and an alert) is placed a whole number of hours apart, it is reported, and when shifting
one source by that many hours makes it agree with every other source it overlaps, and its zone was
only a default, that reading is used and the reading says so. Two items whose times each carry a
fixing zone ("Opened: Jul 25, 2017 5:02 AM PDT" and "Jul 25, 2017 7:00 AM PT") are never such a
pair: both are read as written, so no zone re-read could move them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import islice

import numpy as np

from pmstudio.parsers.common import iter_lines
from pmstudio.schema import Bundle, Evidence, Finding, Material, SourceTime
from pmstudio.timeparse import LOGCAT, REGIONAL_ZONES, SEASON_BLIND, TZ_ABBREVIATIONS, find_stamps, zone

UTC_KINDS = frozenset({"log"})
"""Kinds whose zone-less times default to UTC (servers and syslog log in UTC)."""
HEAD_LINES = 15
"""A declaration counts in this many first non-blank lines (or in any heading)."""
ZONE_SOURCES_EXPLICIT = ("override", "bundle", "declared", "given")

_REGION_WORDS = {"eastern": "ET", "pacific": "PT", "central": "CT", "mountain": "MT"}
"""North American zones said in words ("all times Eastern", "Timezone: Pacific Time"): the season-free zone."""
_ZONE_WORD = (
    r"(?P<z>(?:Eastern|Pacific|Central|Mountain)(?:\s+(?:Standard\s+|Daylight\s+)?Time)?|[A-Z]{2,5}|"
    r"[A-Z][A-Za-z_]+/[A-Za-z_]+(?:/[A-Za-z_]+)?|UTC[+-]\d{1,2}(?::?\d{2})?|Z)"
)
_DECLARATIONS = (
    re.compile(r"^\s*[#>*_\-\s]*(?:time ?zone|tz)\s*[:=]\s*" + _ZONE_WORD + r"\b", re.I),
    re.compile(
        r"(?i:\b(?:all\s+)?(?:the\s+)?(?:times?|timestamps?|clocks?)(?:\s+(?:as\s+)?(?:below|here|above|shown|listed|"
        r"displayed|written))?\s+(?:are\s+|is\s+)?(?:in\s+(?:an?\s+|the\s+)?|as\s+)?)" + _ZONE_WORD + r"(?![\w/])"
    ),
    re.compile(r"(?i:\ball\s+)" + _ZONE_WORD + r"(?i:\s+time)?\s*(?:[.)]|$)"),
    re.compile(r"^\s*#.*\(\s*" + _ZONE_WORD + r"\s*\)\s*$"),  # a heading ending in its zone: "## Timeline (UTC)"
    # a label ending in its zone: "Windows (UTC):", "- Timeline (times in UTC):", "- timeline (UTC): 13:30 ingest ...",
    # also after a sentence in a wrapped paragraph ("... no data loss. Timeline (UTC): 10:07 a configuration change")
    re.compile(r"(?:^\s*|[.;!?]\s+)[-*>]?\s*[A-Za-z][\w ]{0,40}\(\s*(?i:times? in\s+)?" + _ZONE_WORD + r"\s*\)\s*:"),
    # a plain-text title of a few words ending in its zone, with nothing after it ("Timeline (UTC)" over the times)
    re.compile(r"^\s*[A-Za-z][\w-]*(?: [\w-]+){0,3}\s+\(\s*(?i:times? in\s+)?" + _ZONE_WORD + r"\s*\)$"),
    # ... or with only the day after it ("Timeline (UTC), 4 Feb 2026"), no clock time
    re.compile(
        r"^\s*[A-Za-z][\w-]*(?: [\w-]+){0,3}\s+\(\s*(?i:times? in\s+)?" + _ZONE_WORD
        + r"\s*\)\s*[,;:–—-]\s*(?!.*\d{1,2}:\d{2})[\w ,./-]{4,40}$"
    ),
)
_TITLE_DECLARATION = re.compile(r"^(?!.*\d{1,2}:\d{2}).*\w[\"')]?\s*[,;–—]\s*(?i:times?\s+(?:in\s+)?)?" + _ZONE_WORD + r"\s*$")
_TITLE_BRACKETED = re.compile(r"^(?!.*\d{1,2}:\d{2}).*\w\s*\(\s*(?i:(?:all\s+)?times?\s+(?:in\s+)?)?" + _ZONE_WORD + r"\s*\)\s*$")
"""A first line, a title with no clock time, that ends in its zone after a comma ('monitor "Login p95 > 3s"
evaluations, UTC', "Pager log; times PDT") or in brackets ("Redis host provider, support case 771204 (UTC)")."""
_NOT_ZONES = frozenset({"AM", "PM", "ALL", "ARE", "THE", "IN", "AS", "UNLESS", "FOR", "OUR"})


@dataclass(frozen=True)
class ZoneChoice:
    """The zone of one material's zone-less times and where it came from."""

    tz: tzinfo
    name: str
    source: str  # override | bundle | declared | written | kind | given | default
    reason: str
    literal: tuple[tzinfo, str] | None = None
    """For a declared standard-time abbreviation read as its region ("times PST" as Pacific time): the abbreviation's
    own fixed offset (UTC-8, named "PST"), the other reading the cross-source check may prefer."""

    @property
    def explicit(self) -> bool:
        return self.source in ZONE_SOURCES_EXPLICIT


def zone_from_word(word: str) -> tuple[tzinfo, str] | None:
    """An IANA name, a zone abbreviation (fixed offset: "PDT" is UTC-7; "PST", "EST" and "CST" as their region), a
    season-free North American zone ("ET", "Pacific Time": the region's IANA zone) or ``UTC+2``; None if not one."""
    w = word.strip()
    w = _REGION_WORDS.get(w.split()[0].lower(), w) if w else w
    w = SEASON_BLIND.get(w.upper(), w)
    if w in REGIONAL_ZONES:
        return zone(REGIONAL_ZONES[w]), REGIONAL_ZONES[w]
    if w.upper() in ("Z", "UTC", "GMT"):
        return UTC, "UTC"
    if w.upper() in TZ_ABBREVIATIONS:
        seconds = TZ_ABBREVIATIONS[w.upper()]
        return timezone(timedelta(seconds=seconds), w.upper()), w.upper()
    m = re.fullmatch(r"UTC([+-])(\d{1,2})(?::?(\d{2}))?", w, re.I)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0)) * sign
        return timezone(delta), offset_name(delta)
    if "/" in w:
        try:
            return zone(w), w
        except ValueError:
            return None
    return None


def offset_name(delta: timedelta) -> str:
    total = int(delta.total_seconds() // 60)
    sign = "+" if total >= 0 else "-"
    return f"UTC{sign}{abs(total) // 60:02d}:{abs(total) % 60:02d}"


def declared_zone(material: Material) -> tuple[tzinfo, str, str, str] | None:
    """A zone the material declares for its times: (tz, name, the declaring text, the zone word as written)."""
    if material.kind in ("slack_export", "pagerduty"):
        return None
    seen = 0
    for _, line in iter_lines(material.content):
        stripped = line.strip()
        if not stripped:
            continue
        seen += 1
        heading = stripped.startswith("#") or (stripped.endswith(")") and (stripped.startswith("(") or len(stripped.split()) <= 5))
        if seen > HEAD_LINES and not heading:
            if seen > 400:
                break
            continue
        if material.kind == "chat" and not heading and seen > 1:
            continue  # chat lines are messages; only a header line declares
        for pattern in (*_DECLARATIONS, _TITLE_DECLARATION, _TITLE_BRACKETED) if seen == 1 else _DECLARATIONS:
            for m in pattern.finditer(stripped):
                word = m.group("z")
                if word.upper() in _NOT_ZONES:
                    continue
                found = zone_from_word(word)
                if found is not None:
                    return found[0], found[1], stripped[:80], word.strip().upper()
    return None


WRITTEN_MIN = 2
"""How many times a material must write with their zone, all the same, before its bare times are read in it."""


def written_zone(material: Material) -> tuple[tzinfo, str] | None:
    """The one zone every line's first time names where it names one, when at least `WRITTEN_MIN` lines do and
    others write bare times (a status page's "Nov 20, 2025 12:10 UTC" updates, then "Affected: ... major outage 12:10
    to 16:06"): (tz, name), else None. A time quoted later in a line ("14:33 ana: scale-down at 12:56 UTC") is not
    the line's own. Scanned over the material's first `CHECK_ITEMS` lines."""
    if material.kind in ("slack_export", "pagerduty"):
        return None
    keys: set[str] = set()
    first: tzinfo | None = None
    zoned = bare = 0
    for _, line in islice(iter_lines(material.content), CHECK_ITEMS):
        for stamp in find_stamps(line)[:1]:  # a line's own time, not one it quotes ("scale-down at 12:56 UTC")
            if stamp.zone is None:
                bare += 1
                continue
            offset = stamp.zone.utcoffset(stamp.value)
            keys.add(getattr(stamp.zone, "key", None) or str(offset))
            first = first or stamp.zone
            zoned += 1
            if len(keys) > 1:
                return None
    if first is None or zoned < WRITTEN_MIN or not bare:
        return None
    offset = first.utcoffset(datetime(2000, 1, 1))
    if getattr(first, "key", None):
        return first, str(first.key)  # type: ignore[attr-defined]
    if offset == timedelta(0):
        return UTC, "UTC"
    assert offset is not None
    return timezone(offset), offset_name(offset)


def _device_log(material: Material) -> bool:
    """Whether ``material`` is a phone's log (Android logcat, `timeparse.LOGCAT`): written in the device's local time,
    the bundle's zone, not a server's UTC."""
    lines = list(islice((line.strip() for _, line in iter_lines(material.content) if line.strip()), 20))
    return bool(lines) and sum(bool(LOGCAT.match(line)) for line in lines) * 2 > len(lines)


def choose_zone(
    material: Material,
    *,
    bundle_tz: tzinfo,
    bundle_tz_name: str,
    override: str | None = None,
    given: bool = False,
) -> ZoneChoice:
    """The zone of ``material``'s zone-less times (see the module docstring). Zone names were checked
    by the caller. ``given``: the bundle zone was given by the user (``--timezone``), so it is trusted."""
    if override:
        return ZoneChoice(zone(override), override, "override", f"set for this source ({override})")
    if material.timezone:
        return ZoneChoice(
            zone(material.timezone), material.timezone, "bundle", "set for this source in the bundle"
        )
    declared = declared_zone(material)
    if declared is not None:
        tz, name, text, word = declared
        literal = None
        if word in SEASON_BLIND:  # "times PST": Pacific time, or, where the other sources say so, UTC-8 itself
            literal = (timezone(timedelta(seconds=TZ_ABBREVIATIONS[word]), word), word)
        return ZoneChoice(tz, name, "declared", f'the material says so ("{text}")', literal)
    written = written_zone(material)
    if written is not None:
        tz, name = written
        return ZoneChoice(tz, name, "written", "the times in it that name a zone all name this one")
    if material.kind in UTC_KINDS and not _device_log(material):
        return ZoneChoice(UTC, "UTC", "kind", "server and system logs are written in UTC")
    if given:
        return ZoneChoice(bundle_tz, bundle_tz_name, "given", "the timezone given for the bundle")
    return ZoneChoice(bundle_tz, bundle_tz_name, "default", "the bundle's timezone")


def reading(material: Material, choice: ZoneChoice, shifted: int = 0, why: str = "") -> SourceTime:
    reason = choice.reason if not shifted else f"{choice.reason}; {why}"
    return SourceTime(material=material.name, zone=choice.name, reason=reason, shifted_hours=shifted)


# --------------------------------------------------------------------------- cross-source check

CHECK_ITEMS = 400
"""Timed items per material that take part in the cross-source check (keeps it cheap on huge logs)."""
MAX_SHIFT_HOURS = 14
MIN_PAIRS = 2
SMALL_SOURCE = 6
"""A source with this few timed items may shift on one strong match (two shared words) and none aligned."""
"""A shift needs this many distinct items on both sides, and more than twice the same-time matches."""
_SLACK = timedelta(minutes=2)
_STOP = frozenset(
    "the and for with from that this have been were was are our not but all any its into out now just "
    "still back again then than they them there what when will also after before about over down".split()
)
_EVENT_WORDS = re.compile(
    r"\b(?:paged?|page|triggered|firing|fired|alert\w*|down|up|resolved|recovered|restored|restart\w*|"
    r"deploy\w*|rolled|rollback|revert\w*|failover|errors?|5\d\d|timeouts?|outage|acknowledged|ack)\b",
    re.I,
)


_FINDING = re.compile(
    r"\b(?:root cause|rca|(?:initial |first |preliminary )?analysis|turn(?:s|ed) out|caused by|"
    r"(?:the )?(?:main |real |underlying )?(?:issue|problem|cause) (?:is|was)\b)",
    re.I,
)
"""An analysis ("Initial root cause analysis: the main issue is an expired certificate"): it names what was found,
so it is no report of the event at the moment it happened, whatever words it shares with one."""


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9][a-z0-9_.-]{2,}", text.lower()) if w not in _STOP)


def _same_event(a: Evidence, b: Evidence, wa: frozenset[str], wb: frozenset[str]) -> bool:
    """Two items that may report the same event: a shared specific word (a host, a service, an error
    word of four letters or more), or a shared event word and any other shared word."""
    shared = wa & wb
    if any(len(w) >= 3 or any(c.isdigit() for c in w) for w in shared):
        return True
    ea = {w.lower() for w in _EVENT_WORDS.findall(a.text)}
    eb = {w.lower() for w in _EVENT_WORDS.findall(b.text)}
    return bool(ea & eb) and len(shared) >= 1


_SEASON_BLIND_WORD = re.compile(r"\b(?:" + "|".join(SEASON_BLIND) + r")\b")


def _zoned(e: Evidence) -> bool:
    """Whether the item's time is written with a zone or offset that fixes it ("Jul 25, 2017 5:02 AM PDT", "+0100"):
    not a standard-time abbreviation people write all year ("4:02am PST"), which may be re-read at its literal offset
    (`_literal_rereads` in ingest)."""
    if not e.time_text or _SEASON_BLIND_WORD.search(e.time_text):
        return False
    stamps = find_stamps(e.time_text)
    return bool(stamps) and stamps[0].zone is not None


def _strong(wa: frozenset[str], wb: frozenset[str]) -> bool:
    """A strong match of two items: they share two words or more (the event's words, not just a host name)."""
    return len(wa & wb) >= 2


@dataclass(frozen=True)
class Conflict:
    material: str
    hours: int  # the material's times are this many hours later than the other sources'
    others: tuple[str, ...]
    examples: tuple[tuple[str, str], ...]  # (this item id, other item id)


def cross_check(evidence: Sequence[Evidence]) -> list[Conflict]:
    """Materials whose items sit a whole number of hours from the same events in other sources more
    often than at the same time (at least two such pairs)."""
    by_material: dict[str, list[Evidence]] = defaultdict(list)
    for e in evidence:
        if (
            e.at is not None
            and not e.date_only
            and len(by_material[e.material]) < CHECK_ITEMS
            and not _FINDING.search(e.text)
        ):
            by_material[e.material].append(e)
    if len(by_material) < 2:
        return []
    words = {e.id: _words(e.text) for items in by_material.values() for e in items}
    zoned = {e.id: _zoned(e) for items in by_material.values() for e in items}
    names = sorted(by_material)
    stamps = {m: np.array([e.at.timestamp() for e in by_material[m]]) for m in names}  # type: ignore[union-attr]
    own: dict[tuple[str, int], set[str]] = defaultdict(set)
    theirs: dict[tuple[str, int], set[str]] = defaultdict(set)
    partners: dict[tuple[str, int], set[str]] = defaultdict(set)
    examples: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
    aligned: Counter[str] = Counter()  # strong matches (`_strong`) at the same time, per material
    slack = _SLACK.total_seconds()
    for i, ma in enumerate(names):
        for mb in names[i + 1 :]:
            diff = stamps[ma][:, None] - stamps[mb][None, :]
            hours = np.rint(diff / 3600.0)
            close = (np.abs(diff - hours * 3600.0) <= slack) & (np.abs(hours) <= MAX_SHIFT_HOURS)
            for ia, ib in zip(*np.nonzero(close), strict=True):
                a, b = by_material[ma][ia], by_material[mb][ib]
                if not _same_event(a, b, words[a.id], words[b.id]) or (zoned[a.id] and zoned[b.id]):
                    continue  # two times each written with its zone are read as written: no zone to re-read
                k = int(hours[ia, ib])
                own[(ma, k)].add(a.id)
                theirs[(ma, k)].add(b.id)
                own[(mb, -k)].add(b.id)
                theirs[(mb, -k)].add(a.id)
                if not k and _strong(words[a.id], words[b.id]):
                    aligned[ma] += 1
                    aligned[mb] += 1
                if k:
                    partners[(ma, k)].add(mb)
                    partners[(mb, -k)].add(ma)
                    examples[(ma, k)].append((a.id, b.id))
                    examples[(mb, -k)].append((b.id, a.id))
    strong: Counter[tuple[str, int]] = Counter()
    for (m, k), pairs in examples.items():
        strong[(m, k)] = sum(_strong(words[a], words[b]) for a, b in pairs)
    # distinct items on both sides, so one busy line matching several others counts once
    counts: dict[str, Counter[int]] = {m: Counter() for m in names}
    for (m, k), ids in own.items():
        counts[m][k] = min(len(ids), len(theirs[(m, k)]))
    out: list[Conflict] = []
    for m in names:
        shifted = [(n, k) for k, n in counts[m].items() if k != 0]
        if not shifted:
            continue
        n, k = max(shifted)
        same = counts[m].get(0, 0)
        small = len(by_material[m]) <= SMALL_SOURCE and strong[(m, k)] >= 1 and same == 0
        # the same time matched only by a shared name ("ns1" in a log's host and in a note) weighs less than a
        # shifted match that shares the event's words ("all records in uh-iaas.no removed" an hour apart)
        outweighed = strong[(m, k)] >= 1 and aligned[m] == 0 and n > same
        # pairs that each share one word only ("every", "nodes") fall at some whole-hour offset by chance: with no
        # pair sharing the event's words, it takes more of them
        enough = n >= MIN_PAIRS + 1 if not strong[(m, k)] else n >= MIN_PAIRS
        if (enough or small) and (n >= 2 * same + 1 or outweighed):
            out.append(Conflict(m, k, tuple(sorted(partners[(m, k)])), tuple(examples[(m, k)][:3])))
    return out


def offset_at(tz: tzinfo, at: datetime) -> timedelta:
    """The UTC offset of `tz` at the instant `at`."""
    return at.astimezone(tz).utcoffset() or timedelta(0)


def shifted_zone(choice: ZoneChoice, hours: int, when: datetime) -> ZoneChoice:
    """The reading of a material whose times came out ``hours`` late: its zone moved by that much."""
    offset = offset_at(choice.tz, when) + timedelta(hours=hours)
    tz = timezone(offset)
    name = offset_name(offset)
    return ZoneChoice(tz, name, choice.source, choice.reason)


def describe(conflict: Conflict, *, resolved: bool) -> str:
    others = ", ".join(conflict.others)
    direction = "later" if conflict.hours > 0 else "earlier"
    text = (
        f"Times in {conflict.material} put the same events {abs(conflict.hours)} hour(s) {direction} than "
        f"{others}"
    )
    if conflict.examples:
        text += f" (e.g. {conflict.examples[0][0]} vs {conflict.examples[0][1]})"
    if resolved:
        return (
            text
            + f"; its times were re-read {abs(conflict.hours)} hour(s) {'earlier' if conflict.hours > 0 else 'later'}, the reading that agrees with every other source."
        )
    return text + "; check the zone of its times."


def overrides_for(materials: Sequence[Material], overrides: Mapping[str, str] | None) -> dict[str, str]:
    """``overrides`` checked against the material names (KeyError naming the first unknown one)."""
    if not overrides:
        return {}
    names = {m.name for m in materials}
    for name in overrides:
        if name not in names:
            raise KeyError(name)
    return dict(overrides)


def time_conflict_findings(bundle: Bundle) -> list[Finding]:
    """The cross-source check's results as critic findings (low: a reviewer checks them; no redraft fixes them)."""
    return [
        Finding(
            rule="T1-source-time-conflict",
            severity="low",
            section="timeline",
            span=note.split(";")[0][:120],
            message=note,
            suggestion="Confirm the time zone of that source (bundle materials[].timezone or --source-timezone NAME=ZONE).",
        )
        for note in bundle.time_conflicts
    ]


def parse_source_zones(specs: Sequence[str]) -> dict[str, str]:
    """``NAME=ZONE`` specs (CLI ``--source-timezone``, the dashboard's field) as a mapping; ValueError
    (one line) for a spec without both parts. Zones and names are checked when the bundle is built."""
    out: dict[str, str] = {}
    for spec in specs:
        if not spec.strip():
            continue
        name, sep, zone_name = spec.partition("=")
        if not sep or not name.strip() or not zone_name.strip():
            raise ValueError(f"--source-timezone: expected NAME=ZONE, got {spec.strip()!r}")
        out[name.strip()] = zone_name.strip()
    return out
