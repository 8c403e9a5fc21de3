"""Eval metrics: deepeval `BaseMetric`s over a draft, its golden case and the bundle's evidence.

`METRICS` maps metric ids to classes; each class has `metric_id`, `metric_version` (bumped when its
code, threshold or similarity backend changes, so cached scores are recomputed), `rubric` (the id in
`metrics-rubrics.md` §4), `gate`, `judge` and `build(judge=...)`. Deterministic metrics run offline;
judge metrics (J1-J4, `pmstudio.evals.judges`) run only when a judge model is configured.
`make_test_case` builds the test case every metric measures; `evals/README.md` lists them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from deepeval.metrics import BaseMetric

from pmstudio.evals.judges import JUDGE_METRICS, JudgeMetric
from pmstudio.evals.metrics.actions import ActionItemCoverage, ActionItemGate, ActionItemHygiene
from pmstudio.evals.metrics.base import EvalMetric, Outcome
from pmstudio.evals.metrics.blameless import Blameless
from pmstudio.evals.metrics.causes import FactorPrecision, FactorRecall, RootCauseSimilarity
from pmstudio.evals.metrics.completeness import PlaceholderLeakage, SectionCompleteness
from pmstudio.evals.metrics.context import EvalContext, context_of, make_test_case
from pmstudio.evals.metrics.fields import PER_FIELD, FieldPrecision
from pmstudio.evals.metrics.grounding import NumericGrounding, TimestampGrounding
from pmstudio.evals.metrics.impact import DurationError, ImpactQuantified, SeverityMatch
from pmstudio.evals.metrics.secrets import SecretsLeakage
from pmstudio.evals.metrics.timeline import (
    Chronology,
    KeyMilestones,
    TimelineF1,
    TimelinePrecision,
    TimelineRecall,
)

DETERMINISTIC: tuple[type[EvalMetric], ...] = (
    SectionCompleteness,
    PlaceholderLeakage,
    TimestampGrounding,
    NumericGrounding,
    KeyMilestones,
    TimelineRecall,
    TimelinePrecision,
    TimelineF1,
    Chronology,
    ImpactQuantified,
    DurationError,
    SeverityMatch,
    FactorRecall,
    FactorPrecision,
    RootCauseSimilarity,
    ActionItemHygiene,
    ActionItemGate,
    ActionItemCoverage,
    Blameless,
    SecretsLeakage,
    FieldPrecision,
    *PER_FIELD,
)
_ALL: tuple[type[EvalMetric] | type[JudgeMetric], ...] = (*DETERMINISTIC, *JUDGE_METRICS)
METRICS: dict[str, type[BaseMetric]] = {m.metric_id: m for m in _ALL}

__all__ = [
    "DETERMINISTIC",
    "METRICS",
    "EvalContext",
    "EvalMetric",
    "Outcome",
    "context_of",
    "make_test_case",
    "metric_ids",
    "selected_metrics",
]


def metric_ids(*, judge: bool | None = None) -> list[str]:
    """Every metric id (only judge ones with judge=True, only deterministic ones with judge=False)."""
    return [k for k, m in METRICS.items() if judge is None or bool(getattr(m, "judge", False)) == judge]


def selected_metrics(names: Sequence[str] | None = None, *, judge: str | None = None) -> list[type[BaseMetric]]:
    """The metric classes to run: `names` (default: all) in registry order. Judge metrics need a judge
    model and are left out without one; an unknown id raises ValueError naming the known ones."""
    wanted = list(METRICS) if not names else list(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric {unknown[0]!r} (known: {', '.join(METRICS)})")
    chosen = [METRICS[n] for n in METRICS if n in wanted]
    return [m for m in chosen if judge or not getattr(m, "judge", False)]
