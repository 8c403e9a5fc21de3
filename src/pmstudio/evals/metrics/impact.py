"""Impact family: impact quantified (D9), duration error, severity match.

D9: the impact section states a duration (the `duration_minutes` field or a duration in its text)
and at least one magnitude (a count or percentage of affected users, requests, orders...).

Duration error: |draft duration - golden `duration_minutes`| in minutes, where the draft duration is
the impact's `duration_minutes`, else resolution - start of its timeline, else the first duration in
the header. Tolerance = max(5 min, 10% of the golden duration); score = max(0, 1 - error / (2 *
tolerance)), so an error within the tolerance scores >= 0.5 (the threshold).

Severity match: 1.0 exact, 0.5 one level off (critical/high/medium/low), else 0; pass only on exact.
"""

from __future__ import annotations

from pmstudio.evals.metrics.base import EvalMetric, Outcome
from pmstudio.evals.metrics.context import EvalContext
from pmstudio.evals.metrics.timeline import draft_milestone
from pmstudio.lints.completeness import has_magnitude
from pmstudio.lints.quantities import find_durations

SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


class ImpactQuantified(EvalMetric):
    metric_id = "impact_quantified"
    rubric_ref = "D9"
    title = "Impact quantified"
    definition = "Impact section states a duration and at least one magnitude (count or % affected); 0.5 per part."
    gate = True
    default_threshold = 1.0

    def compute(self, ctx: EvalContext) -> Outcome:
        im = ctx.pm.impact
        if im is None:
            return Outcome(score=0.0, reason="no impact section")
        texts = [
            im.users_affected.text, im.functional_impact.text, im.revenue_impact.text, im.sla_impact.text,
            im.geographic_scope.text, im.severity_rationale,
        ]  # fmt: skip
        duration = im.duration_minutes is not None or bool(find_durations(im.duration_of_impact.text))
        magnitude = any(has_magnitude(t) for t in texts if t)
        missing = [name for name, ok in (("a duration", duration), ("a magnitude (count or %)", magnitude)) if not ok]
        score = (duration + magnitude) / 2
        reason = "impact states a duration and a magnitude" if not missing else f"impact lacks {' and '.join(missing)}"
        return Outcome(score=score, reason=reason, details={"duration": duration, "magnitude": magnitude})


def draft_duration(ctx: EvalContext) -> tuple[float | None, str]:
    """The draft's impact duration in minutes and where it came from."""
    pm = ctx.pm
    if pm.impact is not None and pm.impact.duration_minutes is not None:
        return float(pm.impact.duration_minutes), "impact.duration_minutes"
    start, end = draft_milestone(ctx, "started_at"), draft_milestone(ctx, "resolved_at")
    if start is not None and end is not None and end >= start:
        return (end - start).total_seconds() / 60, "timeline start to resolution"
    found = find_durations(pm.header.duration)
    if found:
        return found[0].minutes, "header duration"
    return None, ""


class DurationError(EvalMetric):
    metric_id = "duration_error"
    rubric_ref = "issue 4"
    title = "Duration error"
    definition = (
        "|draft - golden duration| in minutes; tolerance max(5, 10% of golden); score max(0, 1 - err/(2*tol)), "
        "pass when err <= tol."
    )
    default_threshold = 0.5

    def compute(self, ctx: EvalContext) -> Outcome:
        ex = ctx.case.expected
        want: float | None = float(ex.duration_minutes) if ex.duration_minutes is not None else None
        if want is None and ex.started_at is not None and ex.resolved_at is not None:
            want = (ex.resolved_at - ex.started_at).total_seconds() / 60
        if want is None:
            return Outcome(score=None, reason="not applicable: golden duration not stated")
        got, source = draft_duration(ctx)
        if got is None:
            return Outcome(score=0.0, reason=f"draft states no duration (expected {want:.0f} min)", details={"expected": want})
        err = abs(got - want)
        tol = max(5.0, 0.1 * want)
        score = max(0.0, 1.0 - err / (2 * tol))
        reason = f"draft {got:.0f} min ({source}) vs expected {want:.0f} min: error {err:.0f} min (tolerance {tol:.0f})"
        return Outcome(score=score, reason=reason, details={"error_minutes": err, "expected": want, "draft": got})


class SeverityMatch(EvalMetric):
    metric_id = "severity_match"
    rubric_ref = "issue 4"
    title = "Severity match"
    definition = "1.0 when the draft's severity equals the golden one, 0.5 when one level off, else 0; pass on exact."
    default_threshold = 1.0

    def compute(self, ctx: EvalContext) -> Outcome:
        want = ctx.case.expected.severity
        if want is None:
            return Outcome(score=None, reason="not applicable: golden severity not stated")
        got = ctx.pm.impact.severity if ctx.pm.impact is not None else ctx.pm.header.severity
        if got is None:
            return Outcome(score=0.0, reason=f"draft states no severity (expected {want})")
        gap = abs(SEVERITY_RANK[got] - SEVERITY_RANK[want])
        score = max(0.0, 1.0 - gap / 2)
        reason = f"severity {got}" + (" matches" if gap == 0 else f", expected {want}")
        return Outcome(score=score, reason=reason, details={"draft": got, "expected": want})
