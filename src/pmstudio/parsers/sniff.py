"""Infer a material's kind from its file name and content."""

from __future__ import annotations

import json
import re
from itertools import islice
from pathlib import PurePosixPath
from typing import Any

from pmstudio.parsers.common import BundleError, first_char, is_decoration, iter_lines
from pmstudio.schema import MaterialKind
from pmstudio.timeparse import find_stamp

# Extensions of free text that default to notes when nothing more specific is recognised.
TEXT_SUFFIXES = {"", ".txt", ".text", ".md", ".markdown", ".rst", ".org", ".adoc", ".out", ".err"}
_CHAT_LINE = re.compile(
    r"^\W*(?:\[[^\]]{3,25}\]|\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp][Mm])?)\s*(?:<[^<>\s]+>|[@\w][\w .'’@-]{0,40}?:\s)"
)
_ALERT_WORDS = re.compile(r"\b(?:FIRING|RESOLVED|TRIGGERED|ALERT(?:ING)?|OK|WARN(?:ING)?|CRIT(?:ICAL)?)\b")
_SAMPLE = 200


def _json_kind(data: Any) -> MaterialKind | None:
    if isinstance(data, dict):
        if "log_entries" in data:
            return "pagerduty"
        if "alerts" in data or isinstance(data.get("data"), dict) and "alerts" in data["data"]:
            return "alerts"
        if isinstance(data.get("messages"), list):
            return "slack_export"
        return None
    if isinstance(data, list) and data:
        first = next((x for x in data if isinstance(x, dict)), None)
        if first is None:
            return None
        if "ts" in first and ("text" in first or "type" in first):
            return "slack_export"
        if "created_at" in first and "type" in first:
            return "pagerduty"
        if "startsAt" in first or "labels" in first:
            return "alerts"
    return None


def _line_kind(content: str) -> MaterialKind | None:
    lines = [line for _, line in islice(iter_lines(content), 2000) if not is_decoration(line)][:_SAMPLE]
    if not lines:
        return None
    n = len(lines)
    chat = sum(1 for line in lines if _CHAT_LINE.match(line))
    stamped = [line for line in lines if find_stamp(line) is not None]
    jsonl = sum(1 for line in lines if line.lstrip().startswith("{") and line.rstrip().endswith("}"))
    alert = sum(1 for line in stamped if _ALERT_WORDS.search(line))
    if jsonl / n >= 0.6:
        return "log"
    if chat / n >= 0.4:
        return "chat"
    if len(stamped) / n >= 0.6:
        return "alerts" if alert / max(len(stamped), 1) >= 0.6 else "log"
    return None


def infer_kind(name: str, content: str) -> MaterialKind:
    """The kind of material ``name`` with ``content``; BundleError naming the file when unknown."""
    path = PurePosixPath(name.lower())
    suffix = path.suffix
    stem = path.name
    first = first_char(content)
    if suffix in (".jsonl", ".ndjson"):
        return "log"
    if suffix == ".json" or (first in ("{", "[") and suffix in TEXT_SUFFIXES | {".log"}):
        try:
            data = json.loads(content)
        except (ValueError, RecursionError) as exc:
            if suffix == ".json":
                line = getattr(exc, "lineno", None)
                where = f" at line {line}" if line else ""
                raise BundleError(name, f"malformed JSON{where}: {getattr(exc, 'msg', exc)}") from None
        else:
            kind = _json_kind(data)
            if kind is not None:
                return kind
            if suffix == ".json":
                raise BundleError(
                    name, "unknown material kind: JSON without `log_entries`, `alerts` or Slack messages"
                )
    if any(word in stem for word in ("ticket", "status", "jira", "statuspage")):
        return "ticket"
    if "alert" in stem:
        return "alerts"
    if suffix == ".log" or any(word in stem for word in ("syslog", "journal")):
        return "log"
    if suffix in (".md", ".markdown"):
        return "notes"
    if any(word in stem for word in ("chat", "irc", "channel", "transcript", "slack")):
        return "chat"
    sniffed = _line_kind(content)
    if sniffed is not None:
        return sniffed
    if suffix in TEXT_SUFFIXES:
        return "notes"
    raise BundleError(name, f"unknown material kind (file type {suffix!r}; name it in bundle.yaml `kinds:`)")
