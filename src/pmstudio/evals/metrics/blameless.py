"""Blameless language (D12): the critic's blame lints (B1-B8) over the draft.

People are the golden `people`, the bundle's people and person-like evidence actors. Findings are
counted by severity: high (person as cause, "human error", counterfactuals about people in the
narrative, behaviour remediation) must be 0; medium must stay within 1 per 1,000 words (at least 1
allowed); low (minimising words) is reported. Score 1.0 when both hold, else
1 / (1 + high + medium over the allowance).
"""

from __future__ import annotations

import re

from pmstudio.evals.metrics.base import EvalMetric, Outcome, clip, listed
from pmstudio.evals.metrics.context import EvalContext
from pmstudio.lints.blame import lint_blame
from pmstudio.lints.lexicon import load_lexicon


class Blameless(EvalMetric):
    metric_id = "blameless"
    rubric_ref = "D12"
    title = "Blameless language"
    definition = (
        "Critic blame lints (B1-B8): 0 high-severity findings and at most 1 medium per 1,000 words (min 1); "
        "score 1/(1 + high + excess medium)."
    )
    gate = True
    default_threshold = 1.0

    @property
    def backend(self) -> str:
        return f"lexicon-v{load_lexicon().data.version}"

    def compute(self, ctx: EvalContext) -> Outcome:
        segments = [s for s in ctx.segments if s.kind in ("narrative", "action", "owner", "other")]
        findings = lint_blame(segments, people=ctx.all_people, severity=ctx.outline.severity)
        words = sum(len(re.findall(r"\w+", s.text)) for s in segments if s.kind in ("narrative", "action"))
        high = [f for f in findings if f.severity == "high"]
        medium = [f for f in findings if f.severity == "medium"]
        low = [f for f in findings if f.severity == "low"]
        allowance = max(1.0, words / 1000)
        excess = max(0.0, len(medium) - allowance)
        passed = not high and excess == 0
        score = 1.0 if passed else 1.0 / (1 + len(high) + excess)
        shown = [f"{f.rule.split('-')[0]} {f.section}: {clip(f.span, 40)!r}" for f in [*high, *medium]]
        reason = f"{len(high)} high, {len(medium)} medium, {len(low)} low blame finding(s) in {words} words"
        if shown:
            reason += f": {listed(shown, 4)}"
        details = {"high": len(high), "medium": len(medium), "low": len(low), "words": words,
                   "findings": [f.model_dump() for f in findings]}  # fmt: skip
        return Outcome(score=score, reason=reason, passed=passed, details=details)
