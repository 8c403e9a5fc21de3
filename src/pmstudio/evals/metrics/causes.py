"""Causes family: contributing-factor recall and precision (D13), root-cause similarity (D14).

D13 recall: golden contributing factors matched one-to-one (Hungarian) by a draft factor (title and
description) with similarity >= `TAU_FACTOR`; one-to-one, so one catch-all factor covers one golden
factor and a single-cause story cannot score high. Precision: draft factors similar (>= `TAU_FACTOR`)
to some golden factor, the golden trigger or the golden root cause. The count of draft factors is
reported (the rubric wants >= 2).

D14: similarity of the draft's trigger + primary root cause to the golden trigger + root cause.

Similarities use the offline backend of `pmstudio.evals.similarity` with IDF from the evidence; the
backend id is recorded with each score. Thresholds were set on the offline drafts of the golden set
(no human labels yet: re-calibrate on labelled pairs, rubric §4.1).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from pmstudio.evals.metrics.base import EvalMetric, Outcome, clip, listed
from pmstudio.evals.metrics.context import EvalContext
from pmstudio.evals.similarity import get_backend, similarity_backend_id

TAU_FACTOR = 0.2
"""Minimum similarity for a draft factor to count as a golden factor (tfidf-cosine-v1)."""
TAU_ROOT_CAUSE = 0.2
"""Root-cause similarity threshold (tfidf-cosine-v1)."""


def one_to_one(sim: np.ndarray, tau: float) -> list[tuple[int, int, float]]:
    """Maximum-similarity one-to-one pairs (row, col, sim) with sim >= tau."""
    if sim.size == 0:
        return []
    allowed = sim >= tau
    if not allowed.any():
        return []
    rows, cols = linear_sum_assignment(np.where(allowed, 1.0 - sim, 10.0))
    return [(int(r), int(c), float(sim[r, c])) for r, c in zip(rows, cols, strict=True) if allowed[r, c]]


def _draft_factors(ctx: EvalContext) -> list[str]:
    rc = ctx.pm.root_cause
    if rc is None:
        return []
    return [f"{f.title}. {f.description}".strip(". ") for f in rc.contributing_factors if (f.title + f.description).strip()]


class _SimilarityMetric(EvalMetric):
    metric_version = f"1/{similarity_backend_id()}"
    backend_id = similarity_backend_id()


class FactorRecall(_SimilarityMetric):
    metric_id = "factor_recall"
    rubric_ref = "D13"
    title = "Contributing-factor recall"
    definition = f"Golden contributing factors matched one-to-one by a draft factor (similarity >= {TAU_FACTOR})."
    default_threshold = 0.7

    def compute(self, ctx: EvalContext) -> Outcome:
        golden = ctx.case.expected.contributing_factors
        if not golden:
            return Outcome(score=None, reason="not applicable: no golden contributing factors")
        draft = _draft_factors(ctx)
        sim = get_backend(None, ctx.evidence_texts).matrix(golden, draft) if draft else np.zeros((len(golden), 0))
        pairs = one_to_one(sim, TAU_FACTOR)
        hit = {g for g, _, _ in pairs}
        missed = [clip(golden[i], 50) for i in range(len(golden)) if i not in hit]
        score = len(pairs) / len(golden)
        reason = f"{len(pairs)}/{len(golden)} golden factors covered by {len(draft)} draft factor(s)"
        if missed:
            reason += f"; missed: {listed(missed)}"
        if len(draft) < 2:
            reason += "; fewer than 2 draft factors"
        best = sim.max(axis=1).round(3).tolist() if draft else [0.0] * len(golden)
        return Outcome(score=score, reason=reason, details={"pairs": pairs, "best": best, "n_draft": len(draft)})


class FactorPrecision(_SimilarityMetric):
    metric_id = "factor_precision"
    rubric_ref = "D13"
    title = "Contributing-factor precision"
    definition = (
        f"Draft factors similar (>= {TAU_FACTOR}) to a golden contributing factor, the golden trigger or the golden root cause."
    )
    default_threshold = 0.5

    def compute(self, ctx: EvalContext) -> Outcome:
        ex = ctx.case.expected
        pool = [*ex.contributing_factors, *(t for t in (ex.trigger, ex.root_cause) if t)]
        if not pool:
            return Outcome(score=None, reason="not applicable: no golden causes")
        draft = _draft_factors(ctx)
        if not draft:
            return Outcome(score=0.0, reason="the draft lists no contributing factors")
        sim = get_backend(None, ctx.evidence_texts).matrix(draft, pool)
        best = sim.max(axis=1)
        unsupported = [clip(draft[i], 50) for i in range(len(draft)) if best[i] < TAU_FACTOR]
        score = float((best >= TAU_FACTOR).mean())
        reason = f"{len(draft) - len(unsupported)}/{len(draft)} draft factors match a golden cause"
        if unsupported:
            reason += f"; unmatched: {listed(unsupported)}"
        return Outcome(score=score, reason=reason, details={"best": best.round(3).tolist()})


class RootCauseSimilarity(_SimilarityMetric):
    metric_id = "root_cause_similarity"
    rubric_ref = "D14"
    title = "Root-cause similarity"
    definition = f"Similarity of the draft trigger + primary root cause to the golden trigger + root cause (pass >= {TAU_ROOT_CAUSE})."
    default_threshold = TAU_ROOT_CAUSE

    def compute(self, ctx: EvalContext) -> Outcome:
        ex = ctx.case.expected
        golden = " ".join(t for t in (ex.trigger, ex.root_cause) if t)
        if not golden:
            return Outcome(score=None, reason="not applicable: golden trigger and root cause not stated")
        rc = ctx.pm.root_cause
        draft = " ".join(t for t in ((rc.trigger.text, rc.primary_root_cause.text) if rc else ()) if t.strip())
        if not draft:
            return Outcome(score=0.0, reason="the draft states no trigger or root cause")
        score = float(get_backend(None, ctx.evidence_texts).matrix([draft], [golden])[0, 0])
        verdict = "close to" if score >= self.threshold else "far from"
        return Outcome(score=score, reason=f"root cause {verdict} the golden one (similarity {score:.2f}): {clip(draft, 70)!r}")
