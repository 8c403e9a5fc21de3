"""Material parsers: one material in, its evidence items out (times in UTC).

``parse`` dispatches on the material kind. ``reference_span`` is the cheap first pass over a bundle:
the span of its main cluster of fully dated items, which dates bare clock times.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo

from pmstudio.logmine import condense
from pmstudio.parsers.clock import Clock
from pmstudio.parsers.common import BundleError, first_char, is_decoration, iter_lines
from pmstudio.parsers.log import json_record, parse_log
from pmstudio.parsers.sniff import infer_kind
from pmstudio.parsers.structured import parse_alerts_json, parse_pagerduty, parse_slack
from pmstudio.parsers.text import parse_chat, parse_prose
from pmstudio.schema import Evidence, Material
from pmstudio.timeparse import find_stamp, named_day

__all__ = ["BundleError", "dated_minutes", "infer_kind", "parse", "reference_span"]

_ANYWHERE = {"chat": "none", "log": "dated", "alerts": "dated", "notes": "any", "ticket": "any"}
CLUSTER_GAP = timedelta(hours=12)


def _is_json(material: Material) -> bool:
    return material.kind in ("slack_export", "pagerduty") or (
        material.kind == "alerts" and first_char(material.content) in ("{", "[")
    )


def parse(
    material: Material,
    *,
    tz: tzinfo,
    ref_date: date | None = None,
    ref_span: tuple[datetime, datetime] | None = None,
    now: datetime | None = None,
) -> list[Evidence]:
    """Evidence items of ``material`` (see the kind parsers for the formats)."""
    if material.kind == "slack_export":
        return parse_slack(material, tz)
    if material.kind == "pagerduty":
        return parse_pagerduty(material, tz)
    if _is_json(material):
        return condense(parse_alerts_json(material, tz))
    carry = material.kind in ("chat", "log", "alerts")
    clock = Clock(tz, ref_date=ref_date, ref_span=ref_span, carry=carry, now=now)
    named = named_day(material.name) if material.kind in ("chat", "log") else None
    if named is not None:  # "eng-chat-2025-10-31.txt": its bare times are on the day its name states
        clock.mark_date(named)
    if not carry:
        evidence = parse_prose(material, clock)
        if ref_span is None or not _SINGLE_DIGIT_HOUR.search(material.content) or _outside(evidence, ref_span) < AFTERNOON_GAP:
            return evidence  # no "4:31" to read otherwise, or already beside the bundle: no second reading
        # notes kept in a 12-hour clock without AM/PM ("4:31 single node, mgmt API issues", "5:12-5:35 outage") beside
        # a bundle whose dated items all lie in the afternoon: read as afternoon times when that puts them beside it
        later = parse_prose(material, Clock(tz, ref_date=ref_date, ref_span=ref_span, carry=carry, now=now, afternoon=True))
        return later if _outside(later, ref_span) * 2 <= _outside(evidence, ref_span) else evidence
    run = parse_chat if material.kind == "chat" else parse_log
    evidence = run(material, clock)
    if not clock.rolled or ref_span is None or named is not None:
        return evidence
    # a dateless chat (or log) that runs past midnight took the day that puts its FIRST line nearest the bundle's
    # dated span; the day that puts the whole of it nearest is the right one ("17:42 flags flipped ... 08:51
    # morning, SLO burned all night ... 11:35 recovered", beside logs of the next day)
    options = [(_outside(evidence, ref_span), 0, evidence)]
    for shift in (-1, 1):
        shifted = run(material, Clock(tz, ref_date=ref_date, ref_span=ref_span, carry=carry, now=now, first_day_shift=shift))
        options.append((_outside(shifted, ref_span), abs(shift), shifted))
    return min(options, key=lambda o: (o[0], o[1]))[2]


_SINGLE_DIGIT_HOUR = re.compile(r"(?<![\d:])[1-9]:\d{2}")
"""A clock with a one-digit hour somewhere in a material (a superset of `Stamp.single_digit_hour`'s)."""
AFTERNOON_GAP = timedelta(hours=6)
"""How far a prose material's items must lie outside the bundle's dated span, summed, before its bare single-digit
hours are tried as afternoon times."""


def _outside(evidence: list[Evidence], span: tuple[datetime, datetime]) -> timedelta:
    """How far the items lie outside ``span``, summed (what places a material beside the bundle's dated items)."""
    start, end = span
    return sum((max(start - e.at, e.at - end, timedelta(0)) for e in evidence if e.at is not None), timedelta(0))


def dated_minutes(material: Material, tz: tzinfo) -> Counter[int]:
    """How many fully dated (year, month, day, time) items fall in each UTC minute (epoch minutes)."""
    counts: Counter[int] = Counter()
    if _is_json(material):
        counts.update(int(e.at.timestamp() // 60) for e in parse(material, tz=tz) if e.at is not None)
        return counts
    anywhere = _ANYWHERE.get(material.kind, "any")
    for _, line in iter_lines(material.content):
        if is_decoration(line):
            continue
        at: datetime | None = None
        if material.kind == "log" and line.lstrip().startswith("{"):
            record = json_record(line, tz)
            at = record[0] if record else None
        if at is None:
            stamp = find_stamp(line, anywhere=anywhere)
            if stamp is None or not stamp.full:
                continue
            try:
                at = stamp.value.replace(tzinfo=stamp.zone or tz).astimezone(UTC)
            except (ValueError, OverflowError):
                continue
        counts[int(at.timestamp() // 60)] += 1
    return counts


def reference_span(dated: Mapping[str, Counter[int]]) -> tuple[datetime, datetime] | None:
    """First and last moment of the bundle's main cluster of fully dated items, from each material's
    `dated_minutes` (`dated`, by material name; counted once by the caller, which needs them again).

    Dated items are grouped into clusters separated by gaps over 12 hours; each material has one
    vote, shared over its items, so a long log cannot outvote the rest. The cluster with the most
    votes wins (ties: the earliest). With one cluster this starts at the earliest dated item; a
    background item weeks before the incident (an old deploy, a cron run) does not move it.
    """
    votes: defaultdict[int, float] = defaultdict(float)
    for counts in dated.values():
        total = sum(counts.values())
        for minute, n in counts.items():
            votes[minute] += n / total
    if not votes:
        return None
    gap = int(CLUSTER_GAP.total_seconds() // 60)
    clusters: list[tuple[float, int, int]] = []  # (weight, first minute, last minute)
    minutes = sorted(votes)
    first = last = minutes[0]
    weight = 0.0
    for minute in minutes:
        if minute - last > gap:
            clusters.append((weight, first, last))
            first, weight = minute, 0.0
        weight += votes[minute]
        last = minute
    clusters.append((weight, first, last))
    _, start, end = max(clusters, key=lambda c: (round(c[0], 6), -c[1]))
    return datetime.fromtimestamp(start * 60, UTC), datetime.fromtimestamp(end * 60 + 59, UTC)
