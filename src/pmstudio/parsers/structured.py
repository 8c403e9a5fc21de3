"""Parsers for JSON materials: Slack channel exports, PagerDuty log entries, Alertmanager alerts.

One evidence item per entry, id ``<material>:<1-based entry index>``. Entries that are not objects,
or carry no text, are skipped (their index stays unused); a time that does not parse gives
``at=None`` rather than an error. A document of the wrong shape is a :class:`BundleError`.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, tzinfo
from typing import Any

from pmstudio.parsers.common import BundleError
from pmstudio.schema import Evidence, Material
from pmstudio.timeparse import parse_timestamp

_SKIP_SUBTYPES = {"channel_join", "channel_leave", "group_join", "group_leave", "channel_purpose"}
_SLACK_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def load_json(material: Material) -> Any:
    """The decoded JSON of ``material``; BundleError with the parser's line when malformed."""
    try:
        return json.loads(material.content)
    except json.JSONDecodeError as exc:
        raise BundleError(
            material.name, f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise BundleError(material.name, f"malformed JSON: {exc}") from None


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _item(material: Material, index: int, at: datetime | None, actor: str | None, text: str) -> Evidence:
    return Evidence(
        id=f"{material.name}:{index}",
        material=material.name,
        kind=material.kind,
        line=index,
        at=at,
        actor=actor or None,
        text=text,
    )


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entries(material: Material, data: Any, key: str, what: str) -> list[Any]:
    if isinstance(data, dict):
        data = data.get(key, _get(data, "data", key))
    if not isinstance(data, list):
        raise BundleError(material.name, f"expected {what}")
    return data


# --------------------------------------------------------------------------- slack


def _slack_text(text: str) -> str:
    def link(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith(("@", "#")):
            return f"{target[0]}{label}" if label else target
        if target.startswith("!"):
            return f"@{label or target[1:].split('^')[0]}"
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_SLACK_LINK.sub(link, text)).strip()


def _slack_names(messages: list[Any]) -> dict[str, str]:
    """user id -> name, from profiles and from ``<@U123|name>`` mentions."""
    names: dict[str, str] = {}
    for msg in messages:
        if not isinstance(msg, dict):
            continue
        for m in _SLACK_LINK.finditer(_str(msg.get("text"))):
            if m.group(1).startswith("@") and m.group(2):
                names.setdefault(m.group(1)[1:], m.group(2).strip())
    for msg in messages:
        if isinstance(msg, dict) and _str(msg.get("user")):
            name = _str(_get(msg, "user_profile", "real_name")) or _str(
                _get(msg, "user_profile", "display_name")
            )
            if name:
                names[_str(msg.get("user"))] = name
    return names


def parse_slack(material: Material, tz: tzinfo) -> list[Evidence]:
    messages = _entries(material, load_json(material), "messages", "a list of Slack messages")
    names = _slack_names(messages)
    out: list[Evidence] = []
    for index, msg in enumerate(messages, 1):
        if not isinstance(msg, dict) or msg.get("subtype") in _SKIP_SUBTYPES:
            continue
        text = _str(msg.get("text"))
        if not text and isinstance(msg.get("attachments"), list):
            text = " ".join(
                _str(a.get("fallback")) or _str(a.get("text"))
                for a in msg["attachments"]
                if isinstance(a, dict)
            )
        text = _slack_text(text)
        if not text:
            continue
        actor = (
            _str(_get(msg, "user_profile", "real_name"))
            or _str(_get(msg, "user_profile", "display_name"))
            or _str(msg.get("user_name"))
            or _str(msg.get("username"))
            or names.get(_str(msg.get("user")), "")
            or _str(msg.get("user"))
        )
        out.append(_item(material, index, parse_timestamp(msg.get("ts"), tz), actor, text))
    return out


# --------------------------------------------------------------------------- pagerduty


def parse_pagerduty(material: Material, tz: tzinfo) -> list[Evidence]:
    entries = _entries(material, load_json(material), "log_entries", "a `log_entries` list")
    out: list[Evidence] = []
    for index, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            continue
        kind = _str(entry.get("type"))
        summary = (
            _str(entry.get("summary"))
            or _str(_get(entry, "channel", "summary"))
            or _str(_get(entry, "channel", "details"))
        )
        text = f"{kind}: {summary}" if kind and summary else kind or summary
        if not text:
            continue
        actor = _str(_get(entry, "agent", "summary")) or _str(_get(entry, "agent", "name"))
        out.append(_item(material, index, parse_timestamp(entry.get("created_at"), tz), actor, text))
    return out


# --------------------------------------------------------------------------- alerts


INFO_SEVERITIES = frozenset({"info", "informational", "none", "notice"})
"""Alert severities that only inform: something worth knowing, no failure."""
QUIET_SEVERITIES = INFO_SEVERITIES | {"warning", "warn", "low"}
"""Alert severities that notify without paging anyone (Alertmanager's usual `severity` label values)."""


def parse_alerts_json(material: Material, tz: tzinfo) -> list[Evidence]:
    alerts = _entries(material, load_json(material), "alerts", "an `alerts` list")
    out: list[Evidence] = []
    for index, alert in enumerate(alerts, 1):
        if not isinstance(alert, dict):
            continue
        status = (_str(alert.get("status")) or _str(_get(alert, "status", "state")) or "firing").upper()
        if status == "ACTIVE":
            status = "FIRING"
        name = _str(_get(alert, "labels", "alertname")) or _str(alert.get("name")) or "alert"
        summary = (
            _str(_get(alert, "annotations", "summary"))
            or _str(_get(alert, "annotations", "description"))
            or _str(_get(alert, "annotations", "message"))
        )
        severity = (_str(_get(alert, "labels", "severity")) or "").lower()
        if severity in QUIET_SEVERITIES:
            name += f" ({severity})"  # a warning notifies, it does not page: the offline drafter reads it so
        text = f"{status} {name}: {summary}" if summary else f"{status} {name}"
        started = parse_timestamp(alert.get("startsAt"), tz)
        at = started
        if status == "RESOLVED":
            ended = parse_timestamp(alert.get("endsAt"), tz)
            if ended is not None:
                at = ended
                if started is not None:
                    # a resolved alert also fired: Alertmanager sends one notification with both times, so the
                    # firing is its own item at `startsAt` (id `<material>:<n>/firing`; the resolved one keeps `:<n>`)
                    firing = _item(material, index, started, None, f"FIRING {name}: {summary}" if summary else f"FIRING {name}")
                    out.append(firing.model_copy(update={"id": f"{firing.id}/firing"}))
                    text += f" (firing since {_iso(started)})"
        out.append(_item(material, index, at, None, text))
    return out
