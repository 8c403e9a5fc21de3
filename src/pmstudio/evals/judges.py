"""LLM-judge metrics J1-J4: deepeval `GEval` with explicit evaluation steps from versioned rubric files.

Rubrics are data: ``evals/rubrics/<id>.md``, a YAML front matter (id, rubric, name, version,
threshold, strict_mode, params, view) and a numbered "Evaluation steps" list. A judge metric's
`metric_version` is the rubric's version plus a hash of the file, so editing a rubric re-scores.

The judge model is any model string `pmstudio.models.build_model` accepts (not `offline`), wrapped
as a deepeval custom LLM (`PydanticAIJudge`): deepeval's prompt goes to a pydantic-ai agent whose
output type is the schema deepeval asks for. Judge metrics only run when a judge is configured
(`selected_metrics(..., judge=MODEL)`). The test case each judge sees is built from the draft:
`causes` (trigger, root cause, factors), `actions` (factors and action items) or `draft` (Markdown).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import yaml
from deepeval.metrics import GEval
from deepeval.models import DeepEvalBaseLLM
from deepeval.test_case import LLMTestCase, SingleTurnParams
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pmstudio import resources

if TYPE_CHECKING:
    from pydantic_ai.models import Model

    from pmstudio.evals.metrics.context import EvalContext

View = Literal["causes", "actions", "draft"]
_FRONT = re.compile(r"\A---\n(?P<front>.*?)\n---\n(?P<body>.*)\Z", re.S)
_STEP = re.compile(r"^\s*\d+[.)]\s+(?P<text>.+)$")


class RubricError(ValueError):
    """A rubric file that cannot be used; the message is one line naming the file."""


class Rubric(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    rubric: str
    name: str
    version: int = Field(ge=1)
    threshold: float = Field(ge=0, le=1)
    strict_mode: bool = False
    params: list[Literal["input", "actual_output", "expected_output"]]
    view: View
    steps: list[str] = Field(min_length=1)
    sha256: str = ""

    @property
    def metric_version(self) -> str:
        return f"{self.version}+{self.sha256[:10]}"


def rubrics_dir() -> Path:
    return resources.rubrics_dir()


def parse_rubric(text: str, source: str) -> Rubric:
    m = _FRONT.match(text.replace("\r\n", "\n"))
    if not m:
        raise RubricError(f"{source}: missing the YAML front matter between --- lines")
    try:
        front = yaml.safe_load(m.group("front")) or {}
    except yaml.YAMLError as exc:
        raise RubricError(f"{source}: invalid front matter ({str(exc).splitlines()[0]})") from None
    if not isinstance(front, dict):
        raise RubricError(f"{source}: the front matter must be a mapping")
    body = m.group("body")
    section = re.split(r"^##\s+Evaluation steps\s*$", body, maxsplit=1, flags=re.M | re.I)
    if len(section) < 2:
        raise RubricError(f"{source}: no '## Evaluation steps' section")
    steps: list[str] = []
    for line in section[1].split("\n## ")[0].splitlines():
        step = _STEP.match(line)
        if step:
            steps.append(step.group("text").strip())
        elif line.strip() and steps:
            steps[-1] += " " + line.strip()
    try:
        return Rubric(**front, steps=steps, sha256=hashlib.sha256(text.encode()).hexdigest())
    except (ValidationError, TypeError) as exc:
        first = exc.errors()[0] if isinstance(exc, ValidationError) else {"loc": (), "msg": str(exc)}
        where = ".".join(str(p) for p in first["loc"]) or "rubric"
        raise RubricError(f"{source}: {where}: {first['msg']}") from None


@lru_cache(maxsize=16)
def load_rubric(file: str, folder: str | None = None) -> Rubric:
    path = Path(folder) if folder else rubrics_dir()
    p = path / file
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise RubricError(f"{p}: cannot read rubric ({exc.strerror or exc})") from None
    return parse_rubric(text, str(p))


# --------------------------------------------------------------------------- the judge model


class PydanticAIJudge(DeepEvalBaseLLM):
    """A deepeval custom LLM that answers through a pydantic-ai model (`build_model(ref)`)."""

    def __init__(self, ref: str, model: Model | None = None) -> None:
        if ref.strip() == "offline" and model is None:
            raise ValueError("offline: the offline model cannot judge; use a provider model string for --judge")
        self.ref = ref
        self._injected = model
        self.requests = 0
        self.input_tokens = 0
        self.output_tokens = 0
        super().__init__(ref)

    def load_model(self, *args: Any, **kwargs: Any) -> Any:
        if self._injected is not None:
            return self._injected
        from pmstudio.models import build_model

        return build_model(self.ref)

    def get_model_name(self, *args: Any, **kwargs: Any) -> str:
        return self.ref

    def _agent(self, schema: type[BaseModel] | None) -> Any:
        from pydantic_ai import Agent

        from pmstudio.probe import wrap_output

        output: Any = str if schema is None else (schema if self._injected is not None else wrap_output(self.ref, schema))
        model: Any = self.model
        return Agent(model, output_type=output, retries={"output": 2})

    def _settings(self) -> Any:
        if self._injected is not None:
            return {"temperature": 0.0}
        from pmstudio.models import model_settings

        return {**model_settings(self.ref, timeout_s=120), "temperature": 0.0}

    def _count(self, result: Any) -> Any:
        usage = result.usage
        self.requests += usage.requests
        self.input_tokens += usage.input_tokens or 0
        self.output_tokens += usage.output_tokens or 0
        return result.output

    def generate(self, prompt: str, schema: type[BaseModel] | None = None, **kwargs: Any) -> Any:
        return self._count(self._agent(schema).run_sync(prompt, model_settings=self._settings()))

    async def a_generate(self, prompt: str, schema: type[BaseModel] | None = None, **kwargs: Any) -> Any:
        return self._count(await self._agent(schema).run(prompt, model_settings=self._settings()))


# --------------------------------------------------------------------------- judge metrics


def _view_text(ctx: EvalContext, view: View) -> str:
    pm = ctx.pm
    if view == "draft":
        return ctx.markdown
    rc = pm.root_cause
    factors = [f"- {f.id}: {f.title}. {f.description}" for f in (rc.contributing_factors if rc else [])]
    if view == "causes":
        trigger = rc.trigger.text if rc else "(none)"
        cause = rc.primary_root_cause.text if rc else "(none)"
        return "\n".join([f"Trigger: {trigger}", f"Primary root cause: {cause}", "Contributing factors:", *factors])
    items = pm.actions.action_items if pm.actions is not None else []
    lines = ["Contributing factors:", *factors, "Action items:"]
    for a in items:
        when = a.due or a.priority or "no due date or priority"
        lines.append(f"- {a.title} (owner: {a.owner or 'none'}; {when}; {a.kind}; addresses {', '.join(a.factor_ids) or 'no factor'})")
    return "\n".join(lines)


class JudgeMetric(GEval):
    """A GEval judge configured from a rubric file; measures the slice of the draft its rubric names."""

    metric_id: ClassVar[str]  # type: ignore[misc]
    rubric_file: ClassVar[str]
    metric_version: ClassVar[str] = "?"
    rubric_ref: ClassVar[str] = ""
    title: ClassVar[str] = ""
    definition: ClassVar[str] = ""
    default_threshold: ClassVar[float] = 0.5
    gate: ClassVar[bool] = False
    judge: ClassVar[bool] = True

    def __init__(self, model: DeepEvalBaseLLM, spec: Rubric | None = None) -> None:
        spec = spec or load_rubric(self.rubric_file)
        super().__init__(
            name=spec.name,
            evaluation_params=[SingleTurnParams(p) for p in spec.params],
            evaluation_steps=list(spec.steps),
            model=model,
            threshold=spec.threshold,
            strict_mode=spec.strict_mode,
            async_mode=True,
            verbose_mode=False,
            _include_g_eval_suffix=False,
        )
        self.spec = spec

    @classmethod
    def build(cls, judge: str | None = None) -> JudgeMetric:
        if not judge:
            raise ValueError(f"{cls.metric_id}: needs a judge model (--judge MODEL)")
        return cls(PydanticAIJudge(judge))

    @property
    def backend(self) -> str:
        return f"geval:{self.evaluation_model}"

    def judge_case(self, test_case: LLMTestCase) -> LLMTestCase:
        from pmstudio.evals.metrics.context import context_of

        ctx = context_of(test_case)
        return LLMTestCase(
            input=test_case.input,
            actual_output=_view_text(ctx, self.spec.view),
            expected_output=test_case.expected_output,
            name=test_case.name,
        )

    def _clamped(self) -> float:
        """A judge answering outside the 0-10 scale is clipped into 0..1."""
        self.score = min(1.0, max(0.0, float(self.score if self.score is not None else 0.0)))
        self.success = self.is_successful()
        return self.score

    def measure(self, test_case: LLMTestCase, *args: Any, **kwargs: Any) -> float:
        kwargs.setdefault("_show_indicator", False)
        super().measure(self.judge_case(test_case), *args, **kwargs)
        return self._clamped()

    async def a_measure(self, test_case: LLMTestCase, *args: Any, **kwargs: Any) -> float:
        kwargs.setdefault("_show_indicator", False)
        await super().a_measure(self.judge_case(test_case), *args, **kwargs)
        return self._clamped()


def _rubric_version(file: str) -> str:
    try:
        return load_rubric(file).metric_version
    except RubricError:
        return "missing"


class RootCauseJudge(JudgeMetric):
    """J1 (evals/rubrics/j1-root-cause.md)."""

    metric_id = "j1_root_cause"  # type: ignore[misc]
    rubric_file = "j1-root-cause.md"
    metric_version = _rubric_version(rubric_file)
    rubric_ref = "J1"
    title = "Root-cause correctness (judge)"
    definition = "GEval: trigger and factors match the golden ones, no unsupported causal claim, no blame as cause."
    default_threshold = 0.7


class ActionabilityJudge(JudgeMetric):
    """J2 (evals/rubrics/j2-actionability.md)."""

    metric_id = "j2_actionability"  # type: ignore[misc]
    rubric_file = "j2-actionability.md"
    metric_version = _rubric_version(rubric_file)
    rubric_ref = "J2"
    title = "Actionability (judge)"
    definition = "GEval: items verb-first, scoped, verifiable, owned, dated, linked to factors; prevention present."
    default_threshold = 0.7


class BlamelessnessJudge(JudgeMetric):
    """J3 (evals/rubrics/j3-blamelessness.md), binary."""

    metric_id = "j3_blamelessness"  # type: ignore[misc]
    rubric_file = "j3-blamelessness.md"
    metric_version = _rubric_version(rubric_file)
    rubric_ref = "J3"
    title = "Blamelessness (judge)"
    definition = "GEval strict: no person as cause, no human error, no counterfactuals about people, no judgmental tone."
    default_threshold = 1.0


class FaithfulnessJudge(JudgeMetric):
    """J4 (evals/rubrics/j4-faithfulness.md)."""

    metric_id = "j4_faithfulness"  # type: ignore[misc]
    rubric_file = "j4-faithfulness.md"
    metric_version = _rubric_version(rubric_file)
    rubric_ref = "J4"
    title = "Faithfulness (judge)"
    definition = "GEval: share of factual claims (times, numbers, events, causal links) supported by the bundle."
    default_threshold = 0.95


JUDGE_METRICS: tuple[type[JudgeMetric], ...] = (RootCauseJudge, ActionabilityJudge, BlamelessnessJudge, FaithfulnessJudge)
