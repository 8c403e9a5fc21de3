"""LLM-judge metrics (J1-J4): rubric files, GEval through a pydantic-ai judge (FunctionModel and the
fake provider server; no key), and judges staying off when no judge model is configured."""

from __future__ import annotations

import asyncio
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from deepeval.test_case import LLMTestCase
from pydantic_ai import ModelMessage, ModelResponse, TextPart, ToolCallPart, models
from pydantic_ai.models.function import AgentInfo, FunctionModel

from pmstudio.evals.judges import (
    JUDGE_METRICS,
    BlamelessnessJudge,
    FaithfulnessJudge,
    JudgeMetric,
    PydanticAIJudge,
    RootCauseJudge,
    RubricError,
    load_rubric,
    parse_rubric,
    rubrics_dir,
)
from pmstudio.evals.metrics import make_test_case, metric_ids, selected_metrics
from pmstudio.golden import load_case
from pmstudio.ingest import bundle_from_materials
from pmstudio.schema import PostMortem

DATA = Path(__file__).resolve().parent / "data" / "metrics"


@lru_cache(maxsize=1)
def _test_case_parts() -> tuple[Any, Any, PostMortem]:
    case = load_case(DATA / "checkout-2024-03-05-cache-ttl.yaml")
    bundle, _ = bundle_from_materials(list(case.materials), id=case.id, timezone=case.timezone)
    pm = PostMortem.model_validate_json((DATA / "good-draft.json").read_text(encoding="utf-8"))
    return case, bundle, pm


def a_test_case() -> LLMTestCase:
    case, bundle, pm = _test_case_parts()
    return make_test_case(pm, case, bundle)


class Recorder:
    """A FunctionModel judge that answers every schema with a fixed score and records the prompts."""

    def __init__(self, score: float, reason: str = "checked every step") -> None:
        self.score, self.reason, self.prompts = score, reason, []  # type: list[str]

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.prompts.append(str(messages[-1].parts[-1].content))  # type: ignore[union-attr]
        payload = json.dumps({"reason": self.reason, "score": self.score})
        if info.output_tools:
            return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, payload)])
        return ModelResponse(parts=[TextPart(payload)])


def judge(recorder: Recorder) -> PydanticAIJudge:
    return PydanticAIJudge("function:judge", model=FunctionModel(recorder))


def test_rubric_files_parse_with_steps() -> None:
    # judge rubrics are j<N>-*.md; evals/rubrics/ also holds the reviewers' labelling rubric (labeling.md)
    files = sorted(p.name for p in rubrics_dir().glob("j[0-9]*.md"))
    assert files == sorted(m.rubric_file for m in JUDGE_METRICS)
    assert (rubrics_dir() / "labeling.md").is_file()
    for cls in JUDGE_METRICS:
        spec = load_rubric(cls.rubric_file)
        assert spec.id == cls.metric_id and spec.rubric == cls.rubric_ref
        assert len(spec.steps) >= 4 and all(len(s) > 20 for s in spec.steps)
        assert spec.threshold == cls.default_threshold
        assert cls.metric_version == spec.metric_version and "+" in spec.metric_version


def test_rubric_edits_change_the_version_and_bad_rubrics_are_one_line_errors() -> None:
    text = (rubrics_dir() / "j2-actionability.md").read_text(encoding="utf-8")
    a = parse_rubric(text, "j2.md")
    b = parse_rubric(text.replace("narrowly scoped", "tightly scoped"), "j2.md")
    assert a.version == b.version and a.metric_version != b.metric_version
    with pytest.raises(RubricError, match=r"^x\.md: missing the YAML front matter"):
        parse_rubric("# no front matter\n", "x.md")
    with pytest.raises(RubricError, match=r"^y\.md: no '## Evaluation steps' section"):
        parse_rubric(text.split("## Evaluation steps")[0], "y.md")
    with pytest.raises(RubricError, match=r"^z\.md: threshold"):
        parse_rubric(text.replace("threshold: 0.7", "threshold: 7"), "z.md")


def test_geval_judge_returns_the_rubric_score() -> None:
    rec = Recorder(score=7)
    metric = RootCauseJudge(judge(rec))
    score = asyncio.run(metric.a_measure(a_test_case()))
    assert score == pytest.approx(0.7) and metric.score == pytest.approx(0.7)
    assert metric.is_successful() and metric.reason == "checked every step"
    assert len(rec.prompts) == 1  # explicit steps: no step-generation call
    prompt = rec.prompts[0]
    assert "Penalise a single-cause story" in prompt  # the rubric's own steps
    assert "Trigger: A configuration push set the checkout-api cache TTL to 0." in prompt  # the causes view
    assert "Key events:" in prompt  # expected output: the golden facts
    assert "[deploy.log:1]" in prompt  # input: the evidence
    low = RootCauseJudge(judge(Recorder(score=3)))
    asyncio.run(low.a_measure(a_test_case()))
    assert low.score == pytest.approx(0.3) and not low.is_successful()


def test_strict_blamelessness_judge_is_binary() -> None:
    ok = BlamelessnessJudge(judge(Recorder(score=1)))
    asyncio.run(ok.a_measure(a_test_case()))
    assert ok.score == 1 and ok.is_successful()
    wild = RootCauseJudge(judge(Recorder(score=42)))
    assert asyncio.run(wild.a_measure(a_test_case())) == 1.0
    bad = BlamelessnessJudge(judge(Recorder(score=0, reason="Sam is named as the cause")))
    asyncio.run(bad.a_measure(a_test_case()))
    assert bad.score == 0 and not bad.is_successful() and "Sam" in (bad.reason or "")


def test_judges_are_off_without_a_judge_model() -> None:
    assert not [m for m in selected_metrics(None) if getattr(m, "judge", False)]
    with_judge = [m.metric_id for m in selected_metrics(None, judge="anthropic:claude-sonnet-4-6")]  # type: ignore[attr-defined]
    assert set(metric_ids(judge=True)) <= set(with_judge)
    with pytest.raises(ValueError, match="needs a judge model"):
        RootCauseJudge.build(None)
    with pytest.raises(ValueError, match="offline model cannot judge"):
        PydanticAIJudge("offline")


def test_build_uses_the_model_string(monkeypatch: pytest.MonkeyPatch) -> None:
    from pmstudio.models import ModelConfigError

    with pytest.raises(ModelConfigError, match="ANTHROPIC_API_KEY"):
        RootCauseJudge.build("anthropic:claude-sonnet-4-6")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    metric = RootCauseJudge.build("anthropic:claude-sonnet-4-6")
    assert isinstance(metric, JudgeMetric) and metric.backend == "geval:anthropic:claude-sonnet-4-6"


def test_judge_through_the_fake_provider_server(fake_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)
    fake_server.reset()
    metric = FaithfulnessJudge.build(f"openai-compatible:judge-model@{fake_server.openai_base_url}?output=tool")
    score = asyncio.run(metric.a_measure(a_test_case()))
    assert isinstance(score, float) and 0.0 <= score <= 1.0 and metric.score == score and isinstance(metric.reason, str)
    log = fake_server.log()
    assert log and all(r["model"] == "judge-model" for r in log)
    body = json.dumps(log[-1]["body"])
    assert "Ignore the evidence citations in parentheses" in body  # J4's rubric steps reached the provider
    judge_llm = metric.model
    assert isinstance(judge_llm, PydanticAIJudge) and judge_llm.requests >= 1 and judge_llm.input_tokens > 0
