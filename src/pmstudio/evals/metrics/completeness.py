"""Completeness family: section completeness (D1) and placeholder leakage (D2).

D1 checks the rubric's minimum content: a summary sentence stating the duration and the impact, an
impact section with content, a timeline with >= 3 entries (when the materials have times at all), a
trigger or root cause, >= 2 contributing factors, >= 1 action item, and a "went well" lesson.
D2 counts template residue (`[TBD]`, `{{...}}`, `TODO`, `XX:XX`, `??`, "lorem ipsum", ...) with the
critic's lexicon, ignoring quoted material and text the materials themselves contain.
"""

from __future__ import annotations

from pmstudio.evals.metrics.base import EvalMetric, Outcome, clip, listed
from pmstudio.evals.metrics.context import EvalContext
from pmstudio.lints.completeness import has_magnitude, residue_findings
from pmstudio.lints.quantities import find_durations, find_times
from pmstudio.lints.segments import is_empty, sentences

_IMPACT_WORDS = (
    "unavailable", "down", "outage", "error", "fail", "degrad", "slow", "latenc", "lost", "could not", "unable",
    "impact", "affected", "disrupt", "broken", "exposed", "leak",
)  # fmt: skip


def _says_duration(text: str) -> bool:
    return bool(find_durations(text)) or len(find_times(text)) >= 2


def _says_impact(text: str) -> bool:
    low = text.lower()
    return has_magnitude(text) or any(w in low for w in _IMPACT_WORDS)


class SectionCompleteness(EvalMetric):
    metric_id = "section_completeness"
    rubric_ref = "D1"
    title = "Section completeness"
    definition = (
        "Share of required parts present with minimum content: summary sentence with duration and impact; impact "
        "content; timeline >= 3 entries (when the materials have times); trigger or root cause; >= 2 contributing "
        "factors; >= 1 action item; a 'went well' lesson."
    )
    gate = True
    default_threshold = 1.0

    def compute(self, ctx: EvalContext) -> Outcome:
        pm = ctx.pm
        checks: dict[str, bool] = {}
        summary = pm.summary.summary if pm.summary is not None else ""
        checks["summary has a sentence"] = not is_empty(summary) and any(True for _ in sentences(summary))
        checks["summary states the duration"] = _says_duration(summary)
        checks["summary states the impact"] = _says_impact(summary)
        impact_texts = [] if pm.impact is None else [
            pm.impact.users_affected.text, pm.impact.functional_impact.text, pm.impact.duration_of_impact.text,
            pm.impact.revenue_impact.text, pm.impact.sla_impact.text, pm.impact.geographic_scope.text,
        ]  # fmt: skip
        checks["impact has content"] = any(not is_empty(t) for t in impact_texts)
        timed = any(e.at is not None for e in ctx.evidence)
        if timed:
            checks["timeline has >= 3 entries"] = len(ctx.entries) >= 3
        rc = pm.root_cause
        checks["trigger or root cause stated"] = rc is not None and not (
            is_empty(rc.trigger.text) and is_empty(rc.primary_root_cause.text)
        )
        factors = [f for f in (rc.contributing_factors if rc else []) if not is_empty(f.description or f.title)]
        checks[">= 2 contributing factors"] = len(factors) >= 2
        items = pm.actions.action_items if pm.actions is not None else []
        checks[">= 1 action item"] = len(items) >= 1
        went_well = pm.lessons.went_well if pm.lessons is not None else []
        checks["a 'went well' lesson"] = any(not is_empty(c.text) for c in went_well)
        failed = [name for name, ok in checks.items() if not ok]
        if pm.failed_sections:
            failed.insert(0, f"failed sections: {', '.join(pm.failed_sections)}")
        score = sum(checks.values()) / len(checks)
        reason = f"{sum(checks.values())}/{len(checks)} parts complete" + (f"; missing: {listed(failed, 8)}" if failed else "")
        return Outcome(score=score, reason=reason, details={"checks": checks})


class PlaceholderLeakage(EvalMetric):
    metric_id = "placeholder_leakage"
    rubric_ref = "D2"
    title = "Placeholder leakage"
    definition = (
        "Template residue left in the draft ([TBD], [Name], <...>, {{...}}, TODO, XX:XX, ??, lorem ipsum, 'insert "
        "... here'); score 1/(1+count), pass only at 0."
    )
    gate = True
    default_threshold = 1.0

    def compute(self, ctx: EvalContext) -> Outcome:
        evidence_text = "\n".join(ctx.evidence_texts)
        found = residue_findings(ctx.segments, evidence_text=evidence_text)
        if not found:
            return Outcome(score=1.0, reason="no template residue")
        spans = [f"{f.section}: {clip(f.span, 30)!r}" for f in found]
        return Outcome(
            score=1.0 / (1 + len(found)),
            reason=f"{len(found)} placeholder(s): {listed(spans, 5)}",
            details={"count": len(found), "spans": spans},
        )
