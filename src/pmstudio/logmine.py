"""Condense repeated log lines: one evidence item per mined template that repeats.

Uses drain3's TemplateMiner in memory (no persistence, no config file, quiet). Items stream through
once; per template only the first item, a counter, the last time and (while the template is still
rare) up to ``min_count - 1`` individual items are kept, so memory grows with the number of distinct
templates and of the items that stay individual, never with the raw lines of a repeated template.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig

from pmstudio.schema import Evidence

MIN_REPEAT = 3
MAX_CLUSTERS = 50_000
VALUES_OPEN = "(values: "
VALUES_NOTE = re.compile(rf"\s*{re.escape(VALUES_OPEN)}[^)]*\)?\s*$")
"""The note of the values a condensed line's numbers took, at its end ("… 120 seconds. (values: nfsd 1422, 1425)"):
the reader's figures, not the message."""
MAX_VALUES = 6  # distinct values kept per varying number (plus the last one)

logging.getLogger("drain3").setLevel(logging.WARNING)

_B = r"((?<=[^A-Za-z0-9])|^)"
_E = r"((?=[^A-Za-z0-9])|$)"
_MASKS: tuple[tuple[str, str], ...] = (
    (r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", "UUID"),
    (rf"{_B}\d{{1,3}}\.\d{{1,3}}\.\d{{1,3}}\.\d{{1,3}}(:\d+)?{_E}", "IP"),
    (rf"{_B}(0x[a-fA-F0-9]+|(?=[a-fA-F0-9]*\d)[a-fA-F0-9]{{6,}}){_E}", "HEX"),
    (rf"{_B}[-+]?\d+(\.\d+)?(ms|s|m|h|%|[KMGT]i?B)?{_E}", "NUM"),
)


_NUMBER = re.compile(
    r"(?<![\w./#:-])(?:(?P<key>(?:[A-Za-z_]|\d+[A-Za-z])[\w.-]{0,30})[=:])?"
    r"(?P<val>[-+]?\d+(?:\.\d+)?(?P<unit>ms|s|m|h|%|[KMGT]i?B|k)?)(?![\w.:/-])"
)
"""A measurement: "latency=3012ms", "5xx=9211" (a key may open with digits: status classes), "dns_qps=41k"."""


def _numbers(text: str) -> list[tuple[str, str]]:
    """Measurements in a line: ``key=12``, ``key: 12``, ``3012ms``, ``7.5%`` (not bare ids)."""
    return [
        (m.group("key") or "", m.group("val"))
        for m in _NUMBER.finditer(text)
        if m.group("key") or m.group("unit")
    ]


@dataclass
class _Values:
    """The distinct values (bounded) a number of a repeated line took, in order of appearance."""

    key: str
    seen: list[str]
    last: str
    overflow: bool = False

    def add(self, value: str) -> None:
        self.last = value
        if value not in self.seen:
            if len(self.seen) < MAX_VALUES:
                self.seen.append(value)
            else:
                self.overflow = True

    def describe(self) -> str | None:
        if len(self.seen) < 2:
            return None
        shown = list(self.seen)
        if self.overflow:
            shown += ["…"] + ([self.last] if self.last not in shown else [])
        return f"{self.key} {', '.join(shown)}" if self.key else ", ".join(shown)


def _miner(max_clusters: int) -> TemplateMiner:
    config = TemplateMinerConfig()
    config.profiling_enabled = False
    config.drain_max_clusters = max_clusters
    config.masking_instructions = [MaskingInstruction(pattern, name) for pattern, name in _MASKS]
    return TemplateMiner(persistence_handler=None, config=config)


@dataclass
class _Group:
    first: Evidence
    template: str
    count: int = 1
    last_at: datetime | None = None
    pending: list[Evidence] = field(default_factory=list)
    values: list[_Values] = field(default_factory=list)

    def track(self, text: str) -> None:
        numbers = _numbers(text)
        if not self.values and self.count == 1:
            self.values = [_Values(key, [value], value) for key, value in numbers]
        elif len(numbers) == len(self.values):
            for slot, (_, value) in zip(self.values, numbers, strict=True):
                slot.add(value)

    def summary(self) -> str:
        parts = [d for d in (v.describe() for v in self.values) if d]
        return f" {VALUES_OPEN}{'; '.join(parts)})" if parts else ""


_MASKED = tuple((re.compile(pattern), f"<{name}>") for pattern, name in _MASKS)


def masked(text: str) -> str:
    """The line with its numbers, addresses and ids masked as the miner masks them: what stays is its words."""
    for pattern, name in _MASKED:
        text = pattern.sub(name, text)
    return text


def condense(
    items: Iterable[Evidence], *, min_count: int = MIN_REPEAT, max_clusters: int = MAX_CLUSTERS, words: bool = False
) -> list[Evidence]:
    """Items whose template occurs ``min_count`` times or more become ONE item (the first
    occurrence's id and text, ``count``, ``at`` = first, ``last_at`` = last, ``template``);
    the others stay as they are. When numbers in the repeated lines vary (counts, latencies), the
    text gets a bounded summary of the values, e.g. ``(values: count 0, 48, 1100, …, 6902)``, so
    the figures are not lost. The result is in line order.

    With ``words``, lines are one template only when every word is the same and just their numbers differ: alert
    lines, where "[DOWN] robotoff.example.net" and "[DOWN] world.example.net" are two alerts, each with its time."""
    miner = _miner(max_clusters)
    groups: dict[int | str, _Group] = {}
    loose: list[Evidence] = []
    for item in items:
        text = " ".join(item.text.split())
        if not text:
            loose.append(item)
            continue
        key: int | str
        if words:
            key = template = masked(text)
        else:
            result = miner.add_log_message(text)
            key, template = int(result["cluster_id"]), str(result["template_mined"])
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(first=item, template=template, last_at=item.at, pending=[item])
            group.track(text)
            continue
        group.count += 1
        group.track(text)
        group.template = template
        if item.at is not None:
            group.last_at = item.at
        if group.count < min_count:
            group.pending.append(item)
        else:
            group.pending.clear()
    out = loose
    for group in groups.values():
        if group.count >= min_count:
            out.append(
                group.first.model_copy(
                    update={
                        "text": group.first.text + group.summary(),
                        "count": group.count,
                        "last_at": group.last_at,
                        "template": group.template,
                    }
                )
            )
        else:
            out.extend(group.pending)
    out.sort(key=lambda e: e.line)
    return out
