"""Orchestrator: concurrent waves of section agents, grounding, the revision loop, failures, reuse."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import pytest
from pydantic_ai import ModelResponse, ToolCallPart
from pydantic_ai.messages import ModelMessage, ModelRequest, UserPromptPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from pmstudio import orchestrator
from pmstudio.agents.answer import answer_args
from pmstudio.agents.messages import parse_prompt
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.schema import SECTION_NAMES, Bundle, Finding, PostMortem
from pmstudio.testing.factories import minimal_section, sample_bundle


def _prompt_text(messages: list[ModelMessage]) -> str:
    parts: list[str] = []
    for m in messages:
        if isinstance(m, ModelRequest):
            for p in m.parts:
                if isinstance(p, UserPromptPart):
                    content = p.content if isinstance(p.content, list) else [p.content]
                    parts += [c for c in content if isinstance(c, str)]
    return "\n".join(parts)


def _answer(info: AgentInfo, payload: dict[str, Any]) -> ModelResponse:
    return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, json.dumps(payload))])


class Scripted:
    """A FunctionModel body: minimal valid sections, with per-section delay and hooks; counts concurrency."""

    def __init__(self, bundle: Bundle, delay: float = 0.0, hold_until: int = 0) -> None:
        self.bundle = bundle
        self.delay = delay
        # hold_until=N: every call waits (up to a generous bound) until N calls are in flight at once, so a
        # count of concurrency does not depend on how fast a loaded machine starts the wave's agents
        self.hold_until = hold_until
        self._all_in = asyncio.Event()
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls: list[str] = []
        self.overrides: dict[str, Any] = {}

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        text = _prompt_text(messages)
        parsed = parse_prompt(text)
        section = "critic" if "# DRAFT AND LINT FINDINGS" in text else parsed.section
        self.calls.append(section)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.hold_until and self.in_flight >= self.hold_until:
            self._all_in.set()
        try:
            if self.hold_until and not self._all_in.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._all_in.wait(), timeout=20)
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        hook = self.overrides.get(section)
        if callable(hook):
            return _answer(info, answer_args(section, hook(parsed, messages)))
        if section == "critic":
            return _answer(info, answer_args(section, {"findings": []}))
        return _answer(info, answer_args(section, minimal_section(section, self.bundle)))


@pytest.fixture(autouse=True)
def _no_lints(monkeypatch: pytest.MonkeyPatch) -> None:
    """The orchestrator's own behaviour is tested with a stub review; lints have their own tests."""
    monkeypatch.setattr(orchestrator, "review", lambda pm, bundle: [])


def test_sections_run_concurrently_in_waves() -> None:
    bundle = sample_bundle()
    body = Scripted(bundle, hold_until=5)
    record = asyncio.run(draft_postmortem(bundle, model=FunctionModel(body), settings=DraftSettings(max_revisions=0)))
    assert record.status == "ok", record.error
    assert sorted(body.calls) == sorted([*SECTION_NAMES, "critic"])
    # wave 1 has five independent sections: all five were in flight at once (counted, not timed:
    # wall-clock bounds belong in `make bench`, where the concurrent/sequential ratio is measured)
    assert body.max_in_flight == 5
    assert isinstance(record.postmortem, PostMortem)
    assert record.postmortem.failed_sections == []


def test_record_has_prompts_hashes_and_usage() -> None:
    bundle = sample_bundle()
    record = asyncio.run(draft_postmortem(bundle, model=FunctionModel(Scripted(bundle))))
    agents = {p.agent for p in record.prompts}
    assert {"timeline", "summary", "critic"} <= agents
    assert all(len(p.sha256) == 64 for p in record.prompts)
    assert record.usage.requests == len(record.sections)
    assert all(s.prompt_hash for s in record.sections)


def test_ungrounded_time_is_retried_then_dropped() -> None:
    bundle = sample_bundle()
    body = Scripted(bundle)
    seen_retry: list[bool] = []

    def bad_timeline(parsed: Any, messages: list[ModelMessage]) -> dict[str, Any]:
        # pydantic-ai sends an output validator's ModelRetry back as the output tool's return (or a retry part)
        retry = any(
            "grounding problems" in str(getattr(p, "content", ""))
            for m in messages
            if isinstance(m, ModelRequest)
            for p in m.parts
            if not isinstance(p, UserPromptPart)
        )
        seen_retry.append(retry)
        out = minimal_section("timeline", bundle)
        out["entries"].append(
            {"at": "2024-05-01T03:33:00+00:00", "phase": "investigation", "text": "Invented.", "evidence": ["nope:1"]}
        )
        return out

    body.overrides["timeline"] = bad_timeline
    record = asyncio.run(draft_postmortem(bundle, model=FunctionModel(body), settings=DraftSettings(max_revisions=0)))
    assert record.postmortem is not None and record.postmortem.timeline is not None
    times = {e.at.strftime("%H:%M") for e in record.postmortem.timeline.entries}
    assert "03:33" not in times
    assert seen_retry[0] is False and any(seen_retry[1:]), "the problems went back to the model as a retry"
    tl = [s for s in record.sections if s.section == "timeline"][0]
    assert any("03:33" in d for d in tl.dropped)


def test_failed_section_does_not_sink_others_and_reuse_redrafts_only_it() -> None:
    bundle = sample_bundle()
    body = Scripted(bundle)

    def boom(parsed: Any, messages: list[ModelMessage]) -> dict[str, Any]:
        raise RuntimeError("provider exploded")

    body.overrides["impact"] = boom
    record = asyncio.run(draft_postmortem(bundle, model=FunctionModel(body), settings=DraftSettings(max_revisions=0)))
    assert record.status == "partial"
    assert record.postmortem is not None
    assert record.postmortem.failed_sections == ["impact"]
    assert record.postmortem.timeline is not None and record.postmortem.summary is not None
    assert "provider exploded" in (record.error or "")

    fixed = Scripted(bundle)
    again = asyncio.run(
        draft_postmortem(bundle, model=FunctionModel(fixed), settings=DraftSettings(max_revisions=0), reuse=record)
    )
    assert [c for c in fixed.calls if c != "critic"] == ["impact"]
    assert again.status == "ok" and again.postmortem is not None and again.postmortem.impact is not None


def _blame_review(pm: PostMortem, bundle: Bundle) -> list[Finding]:
    if pm.summary and "Sam" in pm.summary.summary:
        span = pm.summary.summary
        return [Finding(rule="B1-person-as-cause", severity="high", section="summary", span=span, message="blame")]
    return []


def test_revision_loop_converges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orchestrator, "review", _blame_review)
    bundle = sample_bundle()
    body = Scripted(bundle)
    feedback_seen: list[int] = []

    def summary(parsed: Any, messages: list[ModelMessage]) -> dict[str, Any]:
        feedback_seen.append(len(parsed.feedback))
        out = minimal_section("summary", bundle)
        if not parsed.feedback:
            out["summary"] = "Sam broke checkout with a bad deploy."
        return out

    body.overrides["summary"] = summary
    record = asyncio.run(draft_postmortem(bundle, model=FunctionModel(body)))
    assert feedback_seen == [0, 1]
    assert body.calls.count("critic") == 2  # the critic agent reviews the draft and the revision
    assert record.critic.rounds == 1
    assert record.critic.findings == []
    assert [f.fixed for f in record.critic.history] == [True]
    assert record.postmortem is not None and record.postmortem.summary is not None
    assert "Sam" not in record.postmortem.summary.summary


def test_revision_loop_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orchestrator, "review", _blame_review)
    bundle = sample_bundle()
    body = Scripted(bundle)

    def stubborn(parsed: Any, messages: list[ModelMessage]) -> dict[str, Any]:
        out = minimal_section("summary", bundle)
        out["summary"] = f"Sam broke checkout with a bad deploy (take {len(parsed.feedback) + body.calls.count('summary')})."
        return out

    body.overrides["summary"] = stubborn
    record = asyncio.run(draft_postmortem(bundle, model=FunctionModel(body), settings=DraftSettings(max_revisions=3)))
    assert body.calls.count("summary") == 4  # first draft + 3 revisions, then it stops
    assert record.critic.rounds == 3
    assert len(record.critic.findings) == 1 and record.critic.findings[0].severity == "high"
    assert sorted(f.round for f in record.critic.history) == [0, 1, 2, 3]  # blame found in every round


def test_single_shot_prompt_set_makes_one_call() -> None:
    bundle = sample_bundle()
    body = Scripted(bundle)
    record = asyncio.run(
        draft_postmortem(bundle, model=FunctionModel(body), prompt_set="seed-single-shot", settings=DraftSettings(max_revisions=0))
    )
    assert [c for c in body.calls if c != "critic"] == ["all"]
    assert record.status == "ok" and record.postmortem is not None
    assert all(record.postmortem.section(n) is not None for n in SECTION_NAMES)
    assert [p.agent for p in record.prompts if p.agent == "single_shot"] == ["single_shot"]


def test_single_shot_with_one_section_always_empty_keeps_the_others() -> None:
    """A single-shot answer whose lessons stay empty through every retry: lessons fail on their own (with the
    reason), the six drafted sections are kept; an answer with every section empty still fails as a whole."""
    bundle = sample_bundle()
    body = Scripted(bundle)

    def one_empty(parsed: Any, messages: list[ModelMessage]) -> dict[str, Any]:
        out = {n: minimal_section(n, bundle) for n in SECTION_NAMES}
        out["lessons"] = {k: [] for k in out["lessons"]}
        return out

    body.overrides["all"] = one_empty
    record = asyncio.run(
        draft_postmortem(bundle, model=FunctionModel(body), prompt_set="seed-single-shot", settings=DraftSettings(max_revisions=0))
    )
    assert [c for c in body.calls if c != "critic"] == ["all"] * 3  # the first answer and two retries
    assert record.status == "partial" and record.postmortem is not None
    assert record.postmortem.failed_sections == ["lessons"]
    assert "empty" in (record.error or "")
    assert all(record.postmortem.section(n) is not None for n in SECTION_NAMES if n != "lessons")

    every = Scripted(bundle)
    every.overrides["all"] = lambda parsed, messages: {n: {} for n in SECTION_NAMES}
    failed = asyncio.run(
        draft_postmortem(bundle, model=FunctionModel(every), prompt_set="seed-single-shot", settings=DraftSettings(max_revisions=0))
    )
    assert failed.postmortem is None or sorted(failed.postmortem.failed_sections) == sorted(SECTION_NAMES)


def test_deadline_marks_unfinished_sections_failed() -> None:
    bundle = sample_bundle()
    body = Scripted(bundle, delay=5)
    record = asyncio.run(
        draft_postmortem(bundle, model=FunctionModel(body), settings=DraftSettings(max_revisions=0, deadline_s=0.3))
    )
    assert record.postmortem is not None
    assert set(record.postmortem.failed_sections) == set(SECTION_NAMES)
    assert record.status == "failed"
    assert "deadline" in (record.error or "")


def test_revision_loop_stops_when_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model that returns the very same section again cannot fix anything in a further round."""
    monkeypatch.setattr(orchestrator, "review", _blame_review)
    bundle = sample_bundle()
    body = Scripted(bundle)

    def same(parsed: Any, messages: list[ModelMessage]) -> dict[str, Any]:
        out = minimal_section("summary", bundle)
        out["summary"] = "Sam broke checkout with a bad deploy."
        return out

    body.overrides["summary"] = same
    record = asyncio.run(draft_postmortem(bundle, model=FunctionModel(body), settings=DraftSettings(max_revisions=3)))
    assert body.calls.count("summary") == 2
    assert record.critic.rounds == 1
    assert [f.severity for f in record.critic.findings] == ["high"]
    assert [f.fixed for f in record.critic.history] == [False, False]
