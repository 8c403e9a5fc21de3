"""Section agents: one pydantic-ai `Agent` per post-mortem section, plus the single-shot agent.

Agents are module-level and created without a model (the model is chosen per run, so tests can use
`agent.override(model=...)`). Every section agent has the same output type, `SectionAnswer` (one
schema covering every section, each optional), and the same system text, so all agents of a draft
send an identical prefix (output tool, system, evidence) that a provider caches once; the section's
own instructions come from the prompt set in the task after the evidence (see `messages`). An
output validator takes the agent's own section out of the answer (the others are ignored) and
checks grounding: cited evidence ids must exist and timeline times must be evidence times. Problems
are sent back as a retry; on the last attempt the bad items are dropped and reported instead. The
single-shot agent answers a `FullDraft` with its own prompt as the system text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from pydantic import BaseModel, create_model
from pydantic_ai import Agent, ModelRetry, RunContext

from pmstudio.agents.answer import DraftAnswer, SectionAnswer, answer_type
from pmstudio.schema import (
    SECTION_TYPES,
    ActionsSection,
    Claim,
    ImpactSection,
    LessonsSection,
    RootCauseSection,
    SummarySection,
    SupportingSection,
    TimelineSection,
)

OUTPUT_RETRIES = 2
_LABEL_FIELDS = frozenset({"severity", "phase", "horizon", "kind", "priority", "id", "evidence", "factor_ids",
                           "detailed_logs", "communication_records", "title"})
"""Fields that label content rather than state it: a section with only these filled says nothing."""


class FullDraft(BaseModel):
    """The single-shot agent's answer: every section in one call."""

    summary: SummarySection
    impact: ImpactSection
    timeline: TimelineSection
    root_cause: RootCauseSection
    lessons: LessonsSection
    actions: ActionsSection
    supporting: SupportingSection


@dataclass
class SectionDeps:
    """What a section agent's run knows: its instructions and the evidence it may cite."""

    section: str
    instructions: str
    evidence_ids: frozenset[str]
    evidence_times: tuple[datetime, ...]
    dropped: list[str] = field(default_factory=list)
    require_content: bool = True  # an empty answer fails (the offline drafter may honestly find nothing)
    empty_sections: list[str] = field(default_factory=list)  # a single-shot's sections still empty at the end

    def grounded_time(self, at: datetime) -> datetime | None:
        """The evidence time `at` stands for, or None: it must name the same minute as the source does
        (seconds the source shows may differ within that minute; the evidence's own time is kept)."""
        minute = at.replace(second=0, microsecond=0)
        same = [t for t in self.evidence_times if t.replace(second=0, microsecond=0) == minute]
        return min(same, key=lambda t: abs(t - at)) if same else None

    def time_grounded(self, at: datetime) -> bool:
        return self.grounded_time(at) is not None

    @property
    def span_minutes(self) -> float | None:
        """Minutes from the earliest to the latest evidence time (None without times)."""
        if not self.evidence_times:
            return None
        return (max(self.evidence_times) - min(self.evidence_times)) / timedelta(minutes=1)


# --------------------------------------------------------------------------- grounding checks


def _clean_ids(ids: list[str], deps: SectionDeps, where: str, problems: list[str]) -> list[str]:
    kept = [i for i in ids if i in deps.evidence_ids]
    for bad in (i for i in ids if i not in deps.evidence_ids):
        problems.append(f"{where}: evidence id {bad!r} does not exist")
    return kept


def _clean_claims(value: Any, deps: SectionDeps, where: str, problems: list[str]) -> None:
    """Walk a section model and strip unknown evidence ids from every Claim-like object in place."""
    if isinstance(value, Claim):
        value.evidence = _clean_ids(value.evidence, deps, where, problems)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name)
            if name == "evidence" and isinstance(item, list):
                setattr(value, name, _clean_ids(item, deps, where, problems))
            else:
                _clean_claims(item, deps, f"{where}.{name}", problems)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _clean_claims(item, deps, f"{where}[{i}]", problems)


def _check_timeline(tl: TimelineSection, deps: SectionDeps, problems: list[str]) -> None:
    kept = []
    for i, entry in enumerate(tl.entries):
        if not entry.text.strip():
            problems.append(f"timeline.entries[{i}]: empty text")
            continue
        at = deps.grounded_time(entry.at)
        if at is None:
            problems.append(f"timeline.entries[{i}]: time {entry.at:%Y-%m-%dT%H:%M:%SZ} appears in no evidence item")
            continue
        entry.at = at
        kept.append(entry)
    tl.entries = kept
    for name in ("started_at", "detected_at", "mitigated_at", "resolved_at"):
        value = getattr(tl, name)
        if value is None:
            continue
        at = deps.grounded_time(value)
        if at is None:
            problems.append(f"timeline.{name}: time {value:%Y-%m-%dT%H:%M:%SZ} appears in no evidence item")
        setattr(tl, name, at)


def _check_impact(im: ImpactSection, deps: SectionDeps, problems: list[str]) -> None:
    """Numbers bounded by the evidence: a duration is not negative and no longer than the evidence spans."""
    minutes = im.duration_minutes
    if minutes is None:
        return
    span = deps.span_minutes
    if minutes < 0 or (span is not None and minutes > span + 1) or (span is None and minutes > 0):
        bound = f"the evidence spans {span:.0f} min" if span is not None else "the evidence has no times"
        problems.append(f"impact.duration_minutes: {minutes} is not possible ({bound})")
        im.duration_minutes = None


def _says_something(value: Any, name: str = "") -> bool:
    """Whether a section answer holds any content beyond labels, ids and nulls."""
    if name in _LABEL_FIELDS:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, datetime):
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    if isinstance(value, BaseModel):
        return any(_says_something(getattr(value, f), f) for f in type(value).model_fields)
    if isinstance(value, list):
        return any(_says_something(v) for v in value)
    return False


def empty_answer(section: str, output: BaseModel, deps: SectionDeps) -> bool:
    """An empty or all-null answer: nothing but labels and nulls (a timeline may be empty without times)."""
    if isinstance(output, FullDraft):
        return any(empty_answer(n, getattr(output, n), deps) for n in type(output).model_fields)
    if isinstance(output, TimelineSection) and not deps.evidence_times:
        return False
    return not _says_something(output)


def _empty_parts(output: FullDraft, deps: SectionDeps) -> list[str]:
    return [n for n in type(output).model_fields if empty_answer(n, getattr(output, n), deps)]


def check_output(section: str, output: BaseModel, deps: SectionDeps) -> list[str]:
    """Ground `output` in place (drop what is not grounded) and return the problems found."""
    problems: list[str] = []
    if isinstance(output, FullDraft):
        for name in type(output).model_fields:
            problems += check_output(name, getattr(output, name), deps)
        return problems
    if isinstance(output, TimelineSection):
        _check_timeline(output, deps, problems)
    if isinstance(output, ImpactSection):
        _check_impact(output, deps, problems)
    if isinstance(output, SummarySection) and not output.summary.strip():
        problems.append("summary: empty executive summary")
    _clean_claims(output, deps, section, problems)
    return problems


async def _validate(ctx: RunContext[SectionDeps], output: Any) -> Any:
    problems = check_output(ctx.deps.section, output, ctx.deps)
    if ctx.deps.require_content and empty_answer(ctx.deps.section, output, ctx.deps):
        empty = _empty_parts(output, ctx.deps) if isinstance(output, FullDraft) else []
        if ctx.last_attempt and 0 < len(empty) < len(type(output).model_fields):
            # a single-shot draft with some sections filled: keep those; each empty one fails on its own
            ctx.deps.empty_sections[:] = empty
        else:  # never a drafted section, not even on the last attempt: the run fails as a validation failure
            raise ModelRetry("The answer is empty: fill the section from the evidence.")
    if problems and not ctx.last_attempt:
        # the model may do better with the problems as feedback; the output object was already
        # cleaned in place, but the retry replaces it with a fresh answer
        raise ModelRetry("Fix these grounding problems:\n- " + "\n- ".join(problems[:30]))
    ctx.deps.dropped.extend(problems)
    return output


async def _validate_section(ctx: RunContext[SectionDeps], output: Any) -> Any:
    """A section agent's answer: its own section out of the shared `SectionAnswer`, then `_validate`."""
    part = getattr(output, ctx.deps.section, None) if isinstance(output, DraftAnswer) else output
    if part is None:  # never a drafted section, not even on the last attempt
        raise ModelRetry(f"The answer has no `{ctx.deps.section}`: fill that section (the task names it) from "
                         "the evidence and leave the other sections out.")
    return await _validate(ctx, part)


def _make_agent(name: str, output_type: Any) -> Agent[SectionDeps, Any]:
    agent: Agent[SectionDeps, Any] = Agent(
        output_type=output_type,
        deps_type=SectionDeps,
        name=name,
        retries=OUTPUT_RETRIES,
    )

    @agent.instructions
    def _instructions(ctx: RunContext[SectionDeps]) -> str:
        return ctx.deps.instructions

    agent.output_validator(_validate if name == "single_shot" else _validate_section)
    return agent


timeline_agent = _make_agent("timeline", SectionAnswer)
impact_agent = _make_agent("impact", SectionAnswer)
root_cause_agent = _make_agent("root_cause", SectionAnswer)
actions_agent = _make_agent("actions", SectionAnswer)
lessons_agent = _make_agent("lessons", SectionAnswer)
supporting_agent = _make_agent("supporting", SectionAnswer)
summary_agent = _make_agent("summary", SectionAnswer)
single_shot_agent = _make_agent("single_shot", FullDraft)

SECTION_AGENTS: dict[str, Agent[SectionDeps, Any]] = {
    "timeline": timeline_agent,
    "impact": impact_agent,
    "root_cause": root_cause_agent,
    "lessons": lessons_agent,
    "supporting": supporting_agent,
    "actions": actions_agent,
    "summary": summary_agent,
}

OUTPUT_TYPES: dict[str, type[BaseModel]] = {  # what each agent's run returns (a section's own model)
    "timeline": TimelineSection,
    "impact": ImpactSection,
    "root_cause": RootCauseSection,
    "lessons": LessonsSection,
    "supporting": SupportingSection,
    "actions": ActionsSection,
    "summary": SummarySection,
    "single_shot": FullDraft,
}
_MODE_AGENTS: dict[tuple[str, str, bool], Agent[SectionDeps, Any]] = {}


def agent_for(name: str, mode: str = "tool", review: bool = True) -> Agent[SectionDeps, Any]:
    """The agent for a section (or `single_shot`) in a structured-output mode: tool, native or prompted;
    `review=False` for a draft whose critic agent does not run (its output type leaves the review part out).

    pydantic-ai does not allow a run-level output type next to output validators, so each mode other
    than tool calls, and each output type, gets its own agent (built once) with the same instructions and
    validator.
    """
    review = review or name == "single_shot"
    if mode == "tool" and review:
        return single_shot_agent if name == "single_shot" else SECTION_AGENTS[name]
    if (name, mode, review) not in _MODE_AGENTS:
        from pydantic_ai import NativeOutput, PromptedOutput

        output: Any = FullDraft if name == "single_shot" else answer_type(review)
        if mode != "tool":
            output = (NativeOutput if mode == "native" else PromptedOutput)(output)
        _MODE_AGENTS[(name, mode, review)] = _make_agent(name, output)
    return _MODE_AGENTS[(name, mode, review)]


# Drafting order: the first wave runs concurrently; a section of a later wave gets earlier sections as
# context (CONTEXT_OF) and starts as soon as those are done.
WAVES: tuple[tuple[str, ...], ...] = (
    ("timeline", "impact", "root_cause", "lessons", "supporting"),
    ("actions", "summary"),
)
CONTEXT_OF: dict[str, tuple[str, ...]] = {
    "actions": ("root_cause",),  # its contributing factors, which action items link to
    "summary": ("timeline", "impact", "root_cause"),  # what happened, the impact and its duration, the cause
}

_SUMMARY_NEEDS: dict[str, frozenset[str]] = {
    # what happened, the impact with its magnitude and duration, the cause, what restored service: the
    # milestones and the entries at them, not every entry, the severity rationale, communications or factors
    "timeline": frozenset(TimelineSection.model_fields),
    "impact": frozenset(ImpactSection.model_fields) - {"severity_rationale", "customer_communications", "reputation_impact"},
    "root_cause": frozenset({"trigger", "primary_root_cause"}),
}
DIGESTS: dict[tuple[str, str], frozenset[str]] = {("summary", name): need for name, need in _SUMMARY_NEEDS.items()}
"""(section, context section) -> the fields of the context section it is given, where it needs less than the
whole section; a timeline given as a digest keeps only the entries at its milestones."""


@cache
def digest_type(section: str, name: str) -> type[BaseModel]:
    """The model of what `section` is given of `name` as context: the section's own model, or its digest's
    (the digested fields only; the offline drafter validates the context against it)."""
    kind = SECTION_TYPES[name]
    need = DIGESTS.get((section, name))
    if need is None or need >= set(kind.model_fields):
        return kind
    fields: dict[str, Any] = {n: (f.annotation, f) for n, f in kind.model_fields.items() if n in need}
    return create_model(f"{kind.__name__}For{section.title().replace('_', '')}", **fields)


def _digest(section: str, name: str, value: BaseModel) -> dict[str, Any]:
    need = DIGESTS.get((section, name))
    if need is not None and isinstance(value, TimelineSection):
        times = {t for t in (value.started_at, value.detected_at, value.mitigated_at, value.resolved_at) if t}
        value = value.model_copy(update={"entries": [e for e in value.entries if e.at in times]})
    # defaults left out (empty evidence lists, null times, false flags): the model fills them in again
    return value.model_dump(mode="json", exclude_defaults=True, include=set(need) if need is not None else None)


def context_of(section: str, outputs: Mapping[str, BaseModel]) -> dict[str, Any]:
    """The CONTEXT of `section`'s task: the sections it follows (CONTEXT_OF) that are drafted, as JSON,
    each digested to what `section` needs (DIGESTS)."""
    return {name: _digest(section, name, outputs[name]) for name in CONTEXT_OF.get(section, ()) if name in outputs}
