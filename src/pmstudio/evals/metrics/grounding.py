"""Grounding family: timestamp grounding (D3) and numeric grounding (D4).

D3: every time the draft states (timeline entries, the four milestones, times written in the header
duration and in narrative text) must equal a time in the evidence, ±60 s, after normalising zones
to UTC. Evidence times are the items' own times (and the span of condensed log items) plus times
written inside evidence text, read in the case's timezone unless they name a zone. A time written
without a date matches on the clock (±1 min): the UTC or local clock of an evidence time, or a clock
written in the evidence (drafts that quote material keep its local times).

D4: every number in the narrative (summary, impact, timeline, root cause, lessons, supporting; the
header duration) must appear in the evidence or be derivable from it, with the critic's rules: a
duration between two evidence times (±1 min), a percentage of two evidence numbers (±0.5 pt), an
approximate number within 10%. Pass needs >= 0.98 grounded and none ungrounded in the impact section.
"""

from __future__ import annotations

from datetime import datetime

from pmstudio.evals.metrics.base import EvalMetric, Outcome, listed
from pmstudio.evals.metrics.context import EvalContext
from pmstudio.evals.metrics.times import TimeIndex
from pmstudio.lints.grounding import GROUNDED_SECTIONS
from pmstudio.lints.quantities import blank, find_durations, find_numbers, find_times
from pmstudio.lints.segments import mask


def time_index(ctx: EvalContext) -> TimeIndex:
    return ctx.time_index


def _narrative(ctx: EvalContext) -> list[tuple[str, str, str]]:
    """(section, field, masked text) of narrative segments plus the header duration."""
    out = [("header", "duration", mask(ctx.pm.header.duration))]
    out += [(s.section, s.field, mask(s.text)) for s in ctx.segments if s.kind == "narrative" and s.section in GROUNDED_SECTIONS]
    return out


class TimestampGrounding(EvalMetric):
    metric_id = "timestamp_grounding"
    rubric_ref = "D3"
    title = "Timestamp grounding"
    definition = (
        "Share of times in the draft (timeline entries, milestones, times in text) equal to an evidence time "
        "±60 s after normalising zones; pass only with no hallucinated time."
    )
    gate = True
    default_threshold = 1.0

    def compute(self, ctx: EvalContext) -> Outcome:
        idx = time_index(ctx)
        if not idx.points and not idx.clocks:
            return Outcome(score=None, reason="not applicable: the materials have no times")
        total, bad = 0, []
        tl = ctx.pm.timeline
        stamped: list[tuple[str, datetime]] = [(f"entry {i + 1}", e.at) for i, e in enumerate(ctx.entries)]
        if tl is not None:
            stamped += [(n, v) for n in ("started_at", "detected_at", "mitigated_at", "resolved_at") if (v := getattr(tl, n)) is not None]
        for label, at in stamped:
            total += 1
            if not idx.at_ok(at):
                near = idx.nearest(at)
                hint = f", nearest evidence {near:%H:%M:%S}" if near else ""
                bad.append(f"{label} {at:%Y-%m-%d %H:%M:%S}{hint}")
        for section, _field, text in _narrative(ctx):
            for t in find_times(text, idx.day, beside=True):
                total += 1
                ok = idx.at_ok(t.at) if t.at is not None else idx.clock_ok(t.clock)
                # a time with a date written beside it is grounded on that date too ("Nov 04, 2019 - 16:33 PST")
                ok = ok or (t.beside is not None and idx.at_ok(t.beside))
                if not ok:
                    bad.append(f"{section}: {t.text!r}")
        if total == 0:
            return Outcome(score=None, reason="not applicable: the draft states no times")
        score = (total - len(bad)) / total
        reason = f"{total - len(bad)}/{total} times grounded" + (f"; not in the evidence: {listed(bad, 4)}" if bad else "")
        return Outcome(score=score, reason=reason, details={"total": total, "ungrounded": bad})


class NumericGrounding(EvalMetric):
    metric_id = "numeric_grounding"
    rubric_ref = "D4"
    title = "Numeric grounding"
    definition = (
        "Share of numbers in the narrative that appear in the evidence or are derivable (durations between "
        "evidence times, percentages of evidence counts, labelled approximations within 10%); pass at >= 0.98 "
        "and no ungrounded number in the impact section."
    )
    gate = True
    default_threshold = 0.98

    def compute(self, ctx: EvalContext) -> Outcome:
        index = ctx.evidence_index
        total, bad, impact_bad = 0, [], 0
        for section, _field, text in _narrative(ctx):
            times = find_times(text)
            durations = find_durations(text)
            for d in durations:
                total += 1
                if not index.duration_ok(d.minutes, d.unit, d.first, approximate=d.approximate):
                    bad.append(f"{section}: {text[d.start : d.end].strip()!r}")
                    impact_bad += section == "impact"
            rest = blank(text, [(d.start, d.end) for d in durations] + [(t.start, t.end) for t in times])
            for n in find_numbers(rest):
                total += 1
                if not index.number_ok(n.value, n.text, percent=n.percent, approximate=n.approximate):
                    bad.append(f"{section}: {n.text!r}")
                    impact_bad += section == "impact"
        if total == 0:
            return Outcome(score=1.0, reason="no numbers to ground")
        score = (total - len(bad)) / total
        passed = score >= self.threshold - 1e-9 and impact_bad == 0
        reason = f"{total - len(bad)}/{total} numbers grounded" + (
            f"; not in the evidence: {listed(bad, 4)}" if bad else ""
        )
        if impact_bad:
            reason += f"; {impact_bad} ungrounded in impact"
        return Outcome(score=score, reason=reason, passed=passed, details={"total": total, "ungrounded": bad})
