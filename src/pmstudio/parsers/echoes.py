"""The day of a dateless chat or log, read off the dated lines it echoes.

A chat with bare times ("14:40 pulled the pump to local and stopped it") takes the day that puts its first line in
the bundle's main cluster of dated items (`reference_span`). When the incident spans days, that cluster can be the
wrong day: the control room's chat of the first day beside a radio log and a ticket of the second. The dated
lines of the other materials often fall in the very minutes the chat tells ("FL_PUMP2_MODE,LOCAL_STOP" at 19:40:31Z,
the lab result at 20:00Z, the pumps stopped at 20:13Z): the whole-day shift under which many more of the chat's
minutes meet a dated minute is the chat's day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from pmstudio.schema import Evidence, Material
from pmstudio.timeparse import named_day, writes_a_day

SHIFTS = (-1, 1)
"""Whole days a dateless material may move: one day either side of the day it took."""
MIN_ECHOES = 3
"""Minutes of the material that must meet a dated minute elsewhere under the shift (one or two meet by chance)."""


def _minute(at: datetime) -> int:
    return int(at.timestamp() // 60)


def _moved(at: datetime | None, days: int, tz: tzinfo) -> datetime | None:
    """`at` the same wall-clock time `days` later in `tz` (a day across a change of offset is not 24 hours)."""
    if at is None:
        return None
    local = at.astimezone(tz)
    return (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=tz).astimezone(UTC)


def _echoes(items: Sequence[Evidence], days: int, tz: tzinfo, dated: set[int]) -> int:
    """How many of the items' minutes, moved `days`, fall within a minute of a dated minute of another material."""
    minutes = {_minute(m) for e in items if not e.date_only and (m := _moved(e.at, days, tz)) is not None}
    return sum(any(x + d in dated for d in (-1, 0, 1)) for x in minutes)


def align_dateless(
    materials: Sequence[Material],
    parsed: Mapping[str, list[Evidence]],
    zones: Mapping[str, tzinfo],
    counted: Mapping[str, Counter[int]],
) -> dict[str, list[Evidence]]:
    """`parsed` with each dateless chat or log moved by the whole days under which its minutes echo at least
    `MIN_ECHOES` dated minutes of the other materials, and more than twice as many as where it stands. `counted`: the
    materials' `dated_minutes` in their `zones`."""
    out = dict(parsed)
    for m in materials:
        items = parsed[m.name]
        if (
            m.kind not in ("chat", "log") or counted[m.name] or writes_a_day(m.content) or named_day(m.name) is not None
            or not any(e.at for e in items)
        ):  # fmt: skip
            continue  # a material that writes a day of its own ("Jul 20 14:43:41", "Date: 2024-03-05", "chat-2025-10-31.txt") keeps it
        others = set().union(*(counted[o.name] for o in materials if o.name != m.name))
        if not others:
            continue
        tz = zones[m.name]
        echoes = {days: _echoes(items, days, tz, others) for days in (0, *SHIFTS)}
        best = max(SHIFTS, key=lambda days: echoes[days])
        if echoes[best] >= MIN_ECHOES and echoes[best] > 2 * echoes[0]:
            out[m.name] = [
                e.model_copy(update={"at": _moved(e.at, best, tz), "last_at": _moved(e.last_at, best, tz)}) for e in items
            ]
    return out
