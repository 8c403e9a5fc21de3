"""Resolve stamps to aware UTC datetimes with a material's date context.

A :class:`Clock` lives for one material. It knows the bundle zone, the bundle's reference (the span
of its main cluster of fully dated items, or just a date) and what the material said so far: dated
lines reset the date; in chronological materials (chat, logs) a bare time more than 6 hours before
the previous one moves to the next day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from pmstudio.timeparse import Stamp


def _closest_year(month_day: datetime, anchor: datetime) -> datetime | None:
    options: list[datetime] = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            options.append(month_day.replace(year=year))
        except ValueError:  # Feb 29 outside leap years
            continue
    naive_anchor = anchor.replace(tzinfo=None)
    return min(options, key=lambda d: abs(d - naive_anchor)) if options else None


def _shift(day: date, days: int) -> date | None:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None


class Clock:
    """Resolves the stamps of one material to aware datetimes.

    The reference is ``ref_span`` (first and last moment of the bundle's main cluster of fully dated
    items) or just ``ref_date``. ``carry`` (chronological materials: chat, logs): the first bare time
    takes the date that puts it in (or nearest) the reference span, and a bare time earlier than the
    previous time by more than 6 hours moves to the next day (``first_day_shift`` moves that first date by whole
    days, for a material that runs past midnight: see ``parsers.parse``). Otherwise (notes, tickets) a bare time
    takes the date nearest the previous time of the material, or the reference. Dated lines reset the
    date.
    """

    def __init__(
        self,
        tz: tzinfo,
        *,
        ref_date: date | None = None,
        ref_span: tuple[datetime, datetime] | None = None,
        carry: bool = True,
        now: datetime | None = None,
        first_day_shift: int = 0,
        afternoon: bool = False,
    ) -> None:
        self.tz = tz
        self.first_day_shift = first_day_shift
        self.afternoon = afternoon  # a bare "4:31" without AM/PM is 16:31 (see `parsers.parse`)
        self.rolled = False  # a bare time moved to the next day (the material runs past midnight)
        self.ref_span = ref_span
        self.ref_date = ref_date or (ref_span[0].astimezone(tz).date() if ref_span else None)
        self.carry = carry
        self.now = now or datetime.now(tz)
        self.day: date | None = None  # date context from the material itself
        self.prev: datetime | None = None  # last resolved time (wall clock in self.tz)
        self.posted: datetime | None = None  # the stamp of the status post being read (`mark_post`)

    def resolve(self, stamp: Stamp) -> datetime | None:
        """The aware UTC datetime of ``stamp`` (None when a bare time has no date to go with)."""
        try:
            at = self._resolve(stamp)
        except (ValueError, OverflowError):
            return None
        return self.observe(at) if at is not None else None

    def observe(self, at: datetime) -> datetime | None:
        """Record an already resolved (aware) time as the latest one; returns it in UTC (None when
        it cannot be represented)."""
        try:
            local = at.astimezone(self.tz)
            utc = at.astimezone(UTC)
        except (ValueError, OverflowError):
            return None
        self.day, self.prev = local.date(), local
        return utc

    def mark_date(self, stamp: Stamp) -> datetime | None:
        """A date without a time: following bare times are on that date (a date without its year is in the year nearest
        the material's date so far). Returns its midnight (in the stated zone or the bundle zone) in UTC."""
        day = stamp.value
        if not stamp.has_year:  # "1 Feb:": the year nearest the material's date so far (or the reference)
            base = self._base()
            anchor = datetime.combine(base, time(12)) if base is not None else self.now.replace(tzinfo=None)
            day = _closest_year(stamp.value, anchor) or stamp.value
        self.day = day.date()
        self.prev = None
        try:
            return datetime.combine(self.day, time(), tzinfo=stamp.zone or self.tz).astimezone(UTC)
        except (ValueError, OverflowError):
            return None

    def mark_post(self, at: datetime | None) -> None:
        """``at`` is a status post's own stamp ("Postmortem - Nov 14, 2019 - 15:08 UTC", "... Posted Sep 26, 2024 -
        09:00 UTC"): the bare times the post tells after it are no later than it (see `_recounted`)."""
        self.posted = at

    def checkpoint(self) -> tuple[date | None, datetime | None]:
        """The material's date context so far (its day and last time), to return to with `back_if_earlier`."""
        return self.day, self.prev

    def back_if_earlier(self, checkpoint: tuple[date | None, datetime | None]) -> None:
        """Return to `checkpoint` when the date marked since it is earlier than its day: an event told on an earlier
        day ("- 2023-09-21: ZONEMD appears" in notes dated 2023-10-04, a latent cause told first) is no new day for
        the bare times after it, which stay on the material's day."""
        day, prev = checkpoint
        if day is not None and self.day is not None and self.day < day:
            self.day, self.prev = day, prev

    def _base(self) -> date | None:
        """The material's date so far, else the reference date."""
        return self.prev.date() if self.prev is not None else self.day or self.ref_date

    def mark_weekday(self, weekday: int) -> None:
        """A weekday written beside a bare time ("21:33 Wed"): that time is on the date with this weekday nearest the
        material's date so far (or the reference), within three days either side."""
        base = self._base()
        if base is None:
            return
        shift = (weekday - base.weekday() + 3) % 7 - 3
        day = _shift(base, shift)
        if day is not None:
            self.day, self.prev = day, None

    def resolve_on_monthday(self, stamp: Stamp, day: int) -> datetime | None:
        """`stamp` (a bare time) on the date with this day of the month ("09:30 on the 24th") nearest the material's
        date so far (or the reference), in its month or the one before or after; the material's own date is left as
        it was, since such a day dates its own time only ("until 04:25 UTC on the 4th")."""
        base = self._base()
        if base is None:
            return self.resolve(stamp)
        options = []
        for months in (-1, 0, 1):
            year, month = divmod(base.year * 12 + base.month - 1 + months, 12)
            try:
                options.append(date(year, month + 1, day))
            except ValueError:
                continue
        if not options:
            return self.resolve(stamp)
        return self.resolve_on_date(stamp, min(options, key=lambda d: abs(d - base)))

    def resolve_on_date(self, stamp: Stamp, day: date) -> datetime | None:
        """`stamp` (a bare time) on `day` ("the 3:28 PM config upload on 2019-01-22", "09:30 on the 24th"); the
        material's own date is left as it was, since that date dates this time only."""
        kept = (self.day, self.prev)
        self.day, self.prev = day, None
        try:
            return self.resolve(stamp)
        finally:
            self.day, self.prev = kept

    def _resolve(self, stamp: Stamp) -> datetime | None:
        tz = stamp.zone or self.tz
        if stamp.has_year:
            return stamp.value.replace(tzinfo=tz)
        if stamp.has_date:  # month and day, no year (syslog, status pages)
            anchor = self.prev or (self.ref_span[0] if self.ref_span else None)
            if anchor is None and self.ref_date is not None:
                anchor = datetime.combine(self.ref_date, time(12), tzinfo=self.tz)
            if anchor is None:
                now = self.now.replace(tzinfo=None)
                value = _closest_year(stamp.value, self.now)
                if value is not None and value > now + timedelta(days=1):
                    value = _closest_year(stamp.value, self.now - timedelta(days=366))
                return value.replace(tzinfo=tz) if value else None
            value = _closest_year(stamp.value, anchor)
            return value.replace(tzinfo=tz) if value else None
        clock = stamp.value.time()
        if self.afternoon and stamp.single_digit_hour and 1 <= clock.hour <= 11:
            clock = clock.replace(hour=clock.hour + 12)
        return self._bare(clock, tz, explicit=stamp.zone is not None)

    def _bare(self, clock: time, tz: tzinfo, *, explicit: bool) -> datetime | None:
        if self.day is not None and (self.carry or self.prev is None):
            at = datetime.combine(self.day, clock, tzinfo=tz)
            if self.carry and self.prev is not None:
                prev = self.prev.astimezone(tz)
                if at < prev - timedelta(hours=6):
                    at += timedelta(days=1)
                    self.rolled = True
                elif explicit and at > prev + timedelta(hours=18):
                    at -= timedelta(days=1)
            return at
        if not self.carry and self.prev is not None:
            return self._recounted(_near(clock, tz, self.prev, self.prev), clock, tz)
        if self.ref_span is not None:
            near = _near(clock, tz, *self.ref_span)
            return near + timedelta(days=self.first_day_shift) if near is not None else None
        return datetime.combine(self.ref_date, clock, tzinfo=tz) if self.ref_date else None

    def _recounted(self, at: datetime | None, clock: time, tz: tzinfo) -> datetime | None:
        """A bare time a status post tells that would fall after the post's own stamp: a post recounts what happened
        before it was written, so a write-up posted days after the incident ("Postmortem - Nov 14, 2019 - 15:08 UTC"
        over "From approximately 22:40 UTC to 23:10 UTC ...") tells times of the incident's days, the reference span,
        not of its publishing day."""
        if at is None or self.posted is None or self.ref_span is None or at <= self.posted or self.ref_span[1] >= self.posted:
            return at
        told = _near(clock, tz, *self.ref_span)
        return told if told is not None and told <= self.posted else at


def _near(clock: time, tz: tzinfo, start: datetime, end: datetime) -> datetime | None:
    """``clock`` on the day (around ``start``) that puts it inside [start, end], or nearest to it;
    for a single moment, within 12 hours before or 18 hours after it."""
    base = start.astimezone(tz).date()
    options: list[tuple[timedelta, datetime]] = []
    for shift in (-1, 0, 1):
        day = _shift(base, shift)
        if day is None:
            continue
        at = datetime.combine(day, clock, tzinfo=tz)
        if start <= at <= end:
            distance = timedelta(0)
        elif at < start:
            distance = (start - at) * 1.5  # prefer later: materials mostly follow their anchor
        else:
            distance = at - end
        options.append((distance, at))
    return min(options, key=lambda o: (o[0], o[1]))[1] if options else None
