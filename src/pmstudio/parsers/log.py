"""Parser for machine line materials: application/system logs and alert lines.

A line's time is the timestamp it starts with (ISO 8601, syslog, epoch, bracketed, bare clock) or a
dated timestamp inside it (Apache ``[21/Oct/2018:13:55:36 -0700]``, logfmt ``time=...``); JSON-lines
records take it from ``time``/``ts``/``timestamp``/``@timestamp`` (MongoDB's ``"t": {"$date": ...}`` too). Lines without a time (stack
traces, wrapped messages) take the time of the line before. Lines stream from the content, and
repeated templates are condensed by :mod:`pmstudio.logmine`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

from pmstudio.logmine import condense
from pmstudio.parsers.clock import Clock
from pmstudio.parsers.common import clean_text, is_decoration, iter_lines
from pmstudio.schema import Evidence, Material
from pmstudio.timeparse import find_stamp, parse_timestamp

_TIME_KEYS = (
    "@timestamp",
    "timestamp",
    "time",
    "ts",
    "t",
    "datetime",
    "date",
    "eventTime",
    "created_at",
    "startsAt",
)
_TEXT_KEYS = ("msg", "message", "log", "event", "text", "summary")
_LEVEL_KEYS = ("level", "severity", "lvl", "levelname", "log.level")


def json_record(line: str, tz: tzinfo) -> tuple[datetime | None, str] | None:
    """(time, text) of a JSON-lines log record, or None when the line is not one."""
    stripped = line.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return None
    try:
        record: Any = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    at = next((parse_timestamp(_extended(record[k]), tz) for k in _TIME_KEYS if k in record), None)
    level = next((str(record[k]).upper() for k in _LEVEL_KEYS if isinstance(record.get(k), str)), "")
    if not level and isinstance(record.get("s"), str) and "t" in record:  # MongoDB's structured log
        level = _MONGO_SEVERITY.get(record["s"], "")
    message = next((str(record[k]) for k in _TEXT_KEYS if isinstance(record.get(k), str | int | float)), "")
    used = {*_TIME_KEYS, *_TEXT_KEYS, *_LEVEL_KEYS, "s"}
    flat = [(k, v) for k, v in record.items() if k not in used and isinstance(v, str | int | float | bool)]
    for k, v in record.items():  # one level of nesting: MongoDB's "attr", a logger's "context"
        if k not in used and isinstance(v, dict):
            flat += [(kk, vv) for kk, vv in v.items() if isinstance(vv, str | int | float | bool)]
    extras = " ".join(f"{k}={v}" for k, v in flat)
    return at, " ".join(" ".join(part.split()) for part in (level, message, extras) if part.strip())


_MONGO_SEVERITY = {"F": "FATAL", "E": "ERROR", "W": "WARNING", "I": "INFO"}
"""MongoDB's structured log writes its severity as one letter ("s": "F"); "D1".."D5" are debug levels."""


def _extended(value: Any) -> Any:
    """A time written as MongoDB Extended JSON ({"$date": "2021-02-01T19:22:14.310+00:00"}) as its plain value."""
    return value.get("$date", value) if isinstance(value, dict) else value


def _lines(material: Material, clock: Clock) -> Iterator[Evidence]:
    at: datetime | None = None
    written: str | None = None
    for number, line in iter_lines(material.content):
        if is_decoration(line):
            continue
        record = json_record(line, clock.tz)
        if record is not None:
            stamped, text = record
            if stamped is not None:
                at = clock.observe(stamped)
                written = None
        else:
            stamp = find_stamp(line, anywhere="dated")
            if stamp is not None:
                at = clock.resolve(stamp)
                written = line[stamp.start : stamp.end].strip()
                starts = not any(c.isalnum() for c in line[: stamp.start])
                text = clean_text(line[stamp.end :]) if starts else line.strip()
            else:
                text = line.strip()
        if text:
            yield Evidence(
                id=f"{material.name}:{number}",
                material=material.name,
                kind=material.kind,
                line=number,
                at=at,
                text=text,
                time_text=written if at is not None else None,
            )


def parse_log(material: Material, clock: Clock, *, condensed: bool = True) -> list[Evidence]:
    """Evidence of a log or alert-lines material, repeated templates condensed."""
    items = _lines(material, clock)
    if not condensed:
        return list(items)
    return condense(items, words=material.kind == "alerts")  # an alert for another target is another alert
