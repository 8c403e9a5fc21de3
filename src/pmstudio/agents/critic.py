"""The critic agent: reviews a whole draft (and the lint findings) for blame and gaps lints cannot see.

It answers in the section agents' shared output type (`answer.SectionAnswer`, its `critic` part), with the
same system text, so its request starts with the draft's cached prefix. Its findings pass the findings
contract at this boundary, like section outputs: a finding whose span is not in its section goes back to
the model as a retry, and on the last attempt it is dropped and recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic_ai import Agent, ModelRetry, RunContext

from pmstudio.agents.answer import CriticFindings, ReviewAnswer, SectionAnswer
from pmstudio.findings import span_problem
from pmstudio.schema import PostMortem

__all__ = ["CriticDeps", "CriticFindings", "check_findings", "critic_agent", "critic_agent_for"]


@dataclass
class CriticDeps:
    instructions: str
    postmortem: PostMortem | None = None
    dropped: list[str] = field(default_factory=list)


def check_findings(output: CriticFindings, deps: CriticDeps) -> list[str]:
    """Problems with the critic's findings (a span not in its section, a section not drafted); the
    findings with problems are removed from `output` in place."""
    if deps.postmortem is None:
        return []
    problems: list[str] = []
    kept = []
    for f in output.findings:
        problem = span_problem(deps.postmortem, f)
        if problem is None:
            kept.append(f)
        else:
            problems.append(problem)
    output.findings = kept
    return problems


async def _validate(ctx: RunContext[CriticDeps], answer: Any) -> CriticFindings:
    output = answer.critic if isinstance(answer, SectionAnswer) else answer
    if isinstance(output, ReviewAnswer):
        output = output.critic_findings()
    if not isinstance(output, CriticFindings):  # never a review, not even on the last attempt
        raise ModelRetry("The answer has no `critic`: fill that part (the task names it) with your findings "
                         "(an empty list when there are none) and leave the sections out.")
    problems = check_findings(output, ctx.deps)
    if problems and not ctx.last_attempt:
        raise ModelRetry("Fix these findings (copy each span exactly from its section):\n- " + "\n- ".join(problems[:30]))
    ctx.deps.dropped.extend(problems)
    return output


critic_agent: Agent[CriticDeps, Any] = Agent(
    output_type=SectionAnswer,
    deps_type=CriticDeps,
    name="critic",
    retries=2,
)


def _instructions(ctx: RunContext[CriticDeps]) -> str:
    return ctx.deps.instructions


critic_agent.instructions(_instructions)
critic_agent.output_validator(_validate)
_MODE_AGENTS: dict[str, Agent[CriticDeps, Any]] = {}


def critic_agent_for(mode: str = "tool") -> Agent[CriticDeps, Any]:
    """The critic agent for a structured-output mode (tool, native or prompted); its run returns CriticFindings."""
    if mode == "tool":
        return critic_agent
    if mode not in _MODE_AGENTS:
        from pydantic_ai import NativeOutput, PromptedOutput

        wrapper = NativeOutput if mode == "native" else PromptedOutput
        agent: Agent[CriticDeps, Any] = Agent(
            output_type=wrapper(SectionAnswer), deps_type=CriticDeps, name="critic", retries=2
        )
        agent.instructions(_instructions)
        agent.output_validator(_validate)
        _MODE_AGENTS[mode] = agent
    return _MODE_AGENTS[mode]
