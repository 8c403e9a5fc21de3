"""The evidence's times as an index (D3's ground truth): points in UTC (±60 s), condensed ranges, and
clock-only times. Its own module so the metric context can build it without importing any metric."""

from __future__ import annotations

from bisect import bisect_left
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pmstudio.lints.quantities import find_times
from pmstudio.schema import Evidence
from pmstudio.timeparse import wall_to_utc

TIME_TOLERANCE = timedelta(seconds=60)


def _local(day: date, minutes: int, second: int, tz: ZoneInfo) -> datetime:
    return wall_to_utc(day, time(minutes // 60, minutes % 60, second), tz)


class TimeIndex:
    """Evidence times in UTC: points (±60 s), condensed ranges, and clock-only times."""

    def __init__(self, evidence: list[Evidence], tz: ZoneInfo) -> None:
        points: set[datetime] = set()
        self.ranges: list[tuple[datetime, datetime]] = []
        self.clock_only: set[int] = set()
        written: set[int] = set()
        dated = sorted(e.at for e in evidence if e.at is not None)
        ref_day = dated[len(dated) // 2].astimezone(tz).date() if dated else date(2000, 1, 1)
        self.day = ref_day
        """The evidence's middle day, the day an undated time in a regional zone ("14:02 ET") is read on."""
        for e in evidence:
            for t in (e.at, e.last_at):
                if t is not None:
                    points.add(t)
            if e.at is not None and e.last_at is not None and e.count > 1:
                self.ranges.append((e.at, e.last_at))
            for ref in find_times(e.text, e.at or ref_day):
                written.add(ref.clock)
                zoned, second = ref.zoned, ref.second
                if ref.at is not None:
                    if zoned:
                        points.add(ref.at)
                    else:
                        points.add(_local(ref.at.date(), ref.clock, second, tz))
                    continue
                if e.at is None:
                    utc = _local(ref_day, ref.clock, 0, tz) if not zoned else None
                    self.clock_only.add(ref.clock if zoned or utc is None else utc.hour * 60 + utc.minute)
                    continue
                base = e.at if zoned else e.at.astimezone(tz)
                cands = []
                for shift in (-1, 0, 1):
                    day = base.date() + timedelta(days=shift)
                    if zoned:
                        cands.append(datetime(day.year, day.month, day.day, ref.clock // 60, ref.clock % 60, second, tzinfo=e.at.tzinfo))
                    else:
                        cands.append(_local(day, ref.clock, second, tz))
                best = min(cands, key=lambda c: abs(c - e.at))  # type: ignore[operator]
                if abs(best - e.at) <= timedelta(hours=12):
                    points.add(best)
        self.points = sorted(points)
        local = {p.astimezone(tz) for p in self.points}
        # a time written without a date may be UTC (the draft convention) or copied as written
        self.clocks = {p.hour * 60 + p.minute for p in self.points} | {t.hour * 60 + t.minute for t in local}
        self.clocks |= self.clock_only | written

    def at_ok(self, at: datetime) -> bool:
        i = bisect_left(self.points, at - TIME_TOLERANCE)
        if i < len(self.points) and self.points[i] <= at + TIME_TOLERANCE:
            return True
        return any(a - TIME_TOLERANCE <= at <= b + TIME_TOLERANCE for a, b in self.ranges)

    def clock_ok(self, clock: int) -> bool:
        return any((clock + d) % 1440 in self.clocks for d in (-1, 0, 1))

    def nearest(self, at: datetime) -> datetime | None:
        if not self.points:
            return None
        i = bisect_left(self.points, at)
        return min(self.points[max(0, i - 1) : i + 1], key=lambda p: abs(p - at))


__all__ = ["TIME_TOLERANCE", "TimeIndex"]
