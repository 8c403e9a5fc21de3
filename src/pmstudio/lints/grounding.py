"""Grounding lints (G1-G3): every time and number in the draft comes from the evidence.

G1 a timeline entry's time must match one of the evidence items it cites (±60 s, or a time written
in that item's text); uncited entries, milestones and times written in narrative text must match
some evidence item. G2 a number in narrative text must appear in the evidence, or be derivable: a
duration between two evidence times (±1 min), a percentage of two numbers of one evidence item, an
approximate ("about 1,200") within 10%. G3 every cited evidence id exists.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left
from datetime import datetime, timedelta

from pmstudio.lints.outline import Outline
from pmstudio.lints.quantities import blank, evidence_numbers, find_durations, find_numbers, find_times
from pmstudio.lints.segments import Segment, mask
from pmstudio.schema import Evidence, Finding, FindingSeverity

TOLERANCE = timedelta(seconds=60)
MILESTONE_PHASES = {
    "started_at": ("impact_start",),
    "detected_at": ("detection",),
    "mitigated_at": ("mitigation", "resolution"),
    "resolved_at": ("resolution",),
}
"""The entries a milestone summarises: when the timeline has some, the milestone must match one of them ..."""
NEIGHBOUR_PHASES = {
    "started_at": ("detection",),
    "detected_at": ("impact_start",),
    "mitigated_at": (),
    "resolved_at": ("mitigation",),
}
"""... or an entry of the neighbouring phase, when two milestones are one moment (an alert that fired as the impact
began detects it; one fix that brings everything back mitigates and resolves)."""
GROUNDED_SECTIONS = ("summary", "impact", "timeline", "root_cause", "lessons", "supporting")


class EvidenceIndex:
    """Times, clock values and numbers of a bundle's evidence, for fast grounding checks."""

    def __init__(self, evidence: list[Evidence]) -> None:
        self.by_id = {e.id: e for e in evidence}
        points: list[datetime] = []
        self.text_clocks: set[int] = set()
        self.numbers: list[float] = []
        self.ratios: list[float] = []
        self.text = "\n".join(e.text for e in evidence)
        self.years: set[int] = set()
        for e in evidence:
            for t in (e.at, e.last_at):
                if t is not None:
                    points.append(t)
                    self.years.add(t.year)
            for ref in find_times(e.text, e.at):
                self.text_clocks.add(ref.clock)
                if ref.at is not None:
                    points.append(ref.at)
                elif e.at is not None:
                    points.append(
                        e.at.replace(hour=ref.clock // 60, minute=ref.clock % 60, second=0, microsecond=0)
                    )
            values = evidence_numbers(e.text)
            if e.count > 1:
                values.append(float(e.count))
            self.numbers += values
            self.ratios += [100 * a / b for a in values for b in values if b > 0 and 0 < a <= b]
        self.points = sorted(set(points))
        self.day = self.points[len(self.points) // 2].date() if self.points else None
        """The evidence's middle day, the day an undated time in a regional zone ("14:02 ET") is read on."""
        self.clocks = {p.hour * 60 + p.minute for p in self.points}
        self.minutes = sorted({p.timestamp() / 60 for p in self.points})
        self.number_set = set(self.numbers)

    # ------------------------------------------------------------------ times

    def nearest(self, at: datetime) -> datetime | None:
        if not self.points:
            return None
        i = bisect_left(self.points, at)
        near = [p for p in self.points[max(0, i - 1) : i + 1]]
        return min(near, key=lambda p: abs(p - at))

    def time_ok(self, at: datetime | None, clock: int | None) -> bool:
        if at is not None:
            near = self.nearest(at)
            if near is not None and abs(near - at) <= TOLERANCE:
                return True
            clock = at.hour * 60 + at.minute
        if clock is None:
            return True
        return any(
            (clock + d) % 1440 in self.clocks or (clock + d) % 1440 in self.text_clocks for d in (-1, 0, 1)
        )

    def cited_time_ok(self, at: datetime | None, ids: list[str], clock: int | None = None) -> bool | None:
        """Whether `at` (or a bare `clock`) matches one of the cited items (None when no cited item has a time)."""
        items = [self.by_id[i] for i in ids if i in self.by_id]
        times = [t for e in items for t in (e.at, e.last_at) if t is not None]
        clocks = {ref.clock for e in items for ref in find_times(e.text, e.at or self.day)}
        if not times and not clocks:
            return None
        if at is not None:
            if any(abs(t - at) <= TOLERANCE for t in times):
                return True
            clock = at.hour * 60 + at.minute
        if clock is None:
            return None
        clocks |= {t.hour * 60 + t.minute for t in times}
        return any((clock + d) % 1440 in clocks for d in (-1, 0, 1))

    # ------------------------------------------------------------------ numbers

    def duration_ok(self, minutes: float, unit_minutes: float, first: float, *, approximate: bool = False) -> bool:
        tol = 1.0 if unit_minutes <= 1 else unit_minutes / 2
        if approximate:  # "about 40 hours" for 40 h 34 min: a labelled approximation, within 10%
            tol = max(tol, 0.1 * minutes)
        if first in self.number_set:
            return True
        pts = self.minutes
        for a in pts:  # is there a later point b with b - a within [minutes - tol, minutes + tol]?
            i = bisect_left(pts, a + minutes - tol)
            if i < len(pts) and pts[i] <= a + minutes + tol:
                return True
        return False

    def number_ok(self, value: float, text: str, *, percent: bool, approximate: bool) -> bool:
        if value in (0.0, 1.0) or value in self.number_set:
            return True
        frac = re.match(r"\d*", text.split(".")[1]) if "." in text else None
        decimals = len(frac.group(0)) if frac else 0
        if any(round(n, decimals) == value for n in self.numbers):
            return True
        if approximate and any(n > 0 and abs(n - value) <= 0.1 * max(n, value) for n in self.numbers):
            return True
        if percent:
            tol = 0.5 if decimals == 0 else 0.05
            if any(abs(r - value) <= tol or abs(100 - r - value) <= tol for r in self.ratios):
                return True
            if any(abs(100 - n - value) <= tol for n in self.numbers):
                return True
        if value.is_integer() and int(value) in self.years:
            return True
        return False


def _f(rule: str, sev: FindingSeverity, section: str, span: str, message: str, suggestion: str) -> Finding:
    return Finding(
        rule=rule, severity=sev, section=section, span=span, message=message, suggestion=suggestion
    )


def _near_text(index: EvidenceIndex, at: datetime) -> str:
    near = index.nearest(at)
    return f" Nearest evidence time: {near:%Y-%m-%d %H:%M:%S} UTC." if near else ""


def _entry_findings(outline: Outline, index: EvidenceIndex) -> list[Finding]:
    out: list[Finding] = []
    for e in outline.entries:
        if e.at is None and e.clock is None:
            continue
        if e.evidence:
            cited = index.cited_time_ok(e.at, e.evidence, e.clock)
            if cited is True:
                continue
            if cited is False:
                sev: FindingSeverity = "high" if not index.time_ok(e.at, e.clock) else "medium"
                near = _near_text(index, e.at) if e.at is not None else ""
                out.append(_f("G1-ungrounded-time", sev, "timeline", e.time_text,
                              f"Entry time {e.time_text} does not match its cited evidence ({', '.join(e.evidence)}).",
                              "Use the time of the cited item." + near))  # fmt: skip
                continue
        if not index.time_ok(e.at, e.clock):
            near = _near_text(index, e.at) if e.at else ""
            out.append(_f("G1-ungrounded-time", "high", "timeline", e.time_text,
                          f"Entry time {e.time_text} appears nowhere in the evidence.", "Use a time from the evidence." + near))  # fmt: skip
    for m in outline.milestones:
        phases = MILESTONE_PHASES[m.name]
        same = [e for e in outline.entries if e.phase in phases and e.at is not None]
        beside = [e for e in outline.entries if e.phase in NEIGHBOUR_PHASES[m.name] and e.at is not None]
        if same and all(abs(e.at - m.at) > TOLERANCE for e in [*same, *beside] if e.at is not None):
            out.append(_f("G1-ungrounded-time", "high", "timeline", f"{m.name}={m.at:%Y-%m-%d %H:%M}",
                          f"Milestone {m.name} ({m.at:%H:%M} UTC) matches no {'/'.join(phases)} entry of the timeline.",
                          "Set it to the time of the entry it summarises: "
                          + ", ".join(f"{e.at:%H:%M}" for e in same if e.at is not None) + " UTC."))  # fmt: skip
            continue
        if not index.time_ok(m.at, None):
            out.append(_f("G1-ungrounded-time", "high", "timeline", f"{m.name}={m.at:%Y-%m-%d %H:%M}",
                          f"Milestone {m.name} ({m.at:%Y-%m-%d %H:%M} UTC) appears nowhere in the evidence.",
                          "Set it to the time of the evidence item it rests on." + _near_text(index, m.at)))  # fmt: skip
    return out


def _text_findings(segments: list[Segment], index: EvidenceIndex) -> list[Finding]:
    out: list[Finding] = []
    for seg in segments:
        if seg.kind != "narrative" or seg.section not in GROUNDED_SECTIONS:
            continue
        text = mask(seg.text)
        times = find_times(text, index.day, beside=True)
        for t in times:
            # a time with a date written beside it is grounded on that date too ("Nov 04, 2019 - 16:33 PST")
            if not index.time_ok(t.at, t.clock) and not (t.beside is not None and index.time_ok(t.beside, None)):
                out.append(_f("G1-ungrounded-time", "high", seg.section, t.text,
                              f"Time {t.text} appears nowhere in the evidence.", "Use the time the evidence gives, or remove it."))  # fmt: skip
        durations = find_durations(text)
        for d in durations:
            if not index.duration_ok(d.minutes, d.unit, d.first, approximate=d.approximate):
                span = seg.text[d.start : d.end]
                out.append(_f("G2-ungrounded-number", "high" if seg.section == "impact" else "medium", seg.section,
                              span, f"Duration {span} is neither in the evidence nor between two evidence times (±1 min).",
                              "Compute it from two evidence times, or remove it."))  # fmt: skip
        rest = blank(text, [(d.start, d.end) for d in durations] + [(t.start, t.end) for t in times])
        for n in find_numbers(rest):
            if not index.number_ok(n.value, n.text, percent=n.percent, approximate=n.approximate):
                out.append(_f("G2-ungrounded-number", "high" if seg.section == "impact" else "medium", seg.section,
                              seg.text[n.start : n.end].strip(), f"Number {n.text} does not appear in the evidence and is not derivable from it.",
                              "Cite the evidence it comes from, or remove it; label estimates as estimates."))  # fmt: skip
    return out


def _citation_findings(outline: Outline, index: EvidenceIndex) -> list[Finding]:
    out = []
    ids = list(index.by_id)
    seen: set[tuple[str, str]] = set()
    for c in outline.citations:
        if c.id in index.by_id or (c.section, c.id) in seen:
            continue
        seen.add((c.section, c.id))
        close = difflib.get_close_matches(c.id, ids, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        out.append(_f("G3-unknown-evidence-id", "medium", c.section, c.id,
                      f"Cited evidence id {c.id} ({c.field}) does not exist.", "Cite an existing evidence id." + hint))  # fmt: skip
    return out


def lint_grounding(outline: Outline, segments: list[Segment], evidence: list[Evidence]) -> list[Finding]:
    """G1-G3 findings of a draft against its evidence."""
    index = EvidenceIndex(evidence)
    return (
        _entry_findings(outline, index) + _text_findings(segments, index) + _citation_findings(outline, index)
    )
