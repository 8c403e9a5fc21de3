"""The deterministic metric base: a deepeval `BaseMetric` whose score comes from a pure function.

A subclass sets the class constants (`metric_id`, `metric_version`, `rubric`, `title`, `gate`,
`default_threshold`) and implements `compute(ctx) -> Outcome`. `measure`/`a_measure` fill `score`
(0..1, or None when the metric does not apply to the case), `reason` (names what failed),
`success` and `details`. A metric that does not apply counts as passed. No I/O, no DB.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import Any, ClassVar

from deepeval.metrics import BaseMetric
from deepeval.test_case import LLMTestCase
from pydantic import BaseModel, Field

from pmstudio.evals.metrics.context import EvalContext, context_of


class Outcome(BaseModel):
    score: float | None = Field(description="0..1; None when the metric does not apply")
    reason: str
    passed: bool | None = Field(default=None, description="overrides score >= threshold when set")
    details: dict[str, Any] = Field(default_factory=dict)


def listed(items: list[str], limit: int = 3) -> str:
    """`a; b; c (+2 more)` for reasons."""
    head = "; ".join(items[:limit])
    return head + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def clip(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


class EvalMetric(BaseMetric):
    """Base of every deterministic metric (see the module docstring)."""

    metric_id: ClassVar[str]
    metric_version: ClassVar[str] = "1"
    rubric_ref: ClassVar[str] = ""
    title: ClassVar[str]
    definition: ClassVar[str] = ""
    gate: ClassVar[bool] = False
    judge: ClassVar[bool] = False
    default_threshold: ClassVar[float] = 1.0
    backend_id: ClassVar[str] = "deterministic"

    threshold: float

    def __init__(self, threshold: float | None = None) -> None:
        self.threshold = self.default_threshold if threshold is None else threshold
        self.score: float | None = None
        self.reason: str | None = None
        self.success: bool | None = None
        self.error: str | None = None
        self.details: dict[str, Any] = {}
        self.evaluation_model = "deterministic"
        self.strict_mode = False
        self.async_mode = True
        self.verbose_mode = False
        self.include_reason = True
        self.skipped = False
        self.evaluation_cost = 0.0
        self._passed: bool | None = None

    @classmethod
    def build(cls, judge: str | None = None) -> EvalMetric:
        """An instance for the runner (deterministic metrics ignore the judge)."""
        del judge
        return cls()

    @property
    def backend(self) -> str:
        return self.backend_id

    @property
    def __name__(self) -> str:  # type: ignore[override]
        return self.title

    @abstractmethod
    def compute(self, ctx: EvalContext) -> Outcome: ...

    def measure(self, test_case: LLMTestCase, *args: Any, **kwargs: Any) -> float:
        self.error = None
        try:
            out = self.compute(context_of(test_case))
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            self.score, self.reason, self.success = None, None, False
            raise
        self.score = None if out.score is None else min(1.0, max(0.0, float(out.score)))
        self.reason = out.reason
        self.details = out.details
        self.skipped = out.score is None
        self._passed = out.passed
        self.success = self.is_successful()
        return math.nan if self.score is None else self.score

    async def a_measure(self, test_case: LLMTestCase, *args: Any, **kwargs: Any) -> float:
        return self.measure(test_case)

    def is_successful(self) -> bool:
        if self.error is not None:
            self.success = False
        elif self.skipped:
            self.success = True
        elif self._passed is not None:
            self.success = self._passed
        else:
            self.success = self.score is not None and self.score >= self.threshold - 1e-9
        return bool(self.success)
