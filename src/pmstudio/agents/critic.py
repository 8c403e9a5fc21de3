"""The critic agent: reviews a whole draft (and the lint findings) for blame and gaps lints cannot see."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field
from pydantic_ai import Agent, RunContext

from pmstudio.schema import Finding


class CriticFindings(BaseModel):
    findings: list[Finding] = Field(default_factory=list)


@dataclass
class CriticDeps:
    instructions: str


critic_agent: Agent[CriticDeps, CriticFindings] = Agent(
    output_type=CriticFindings,
    deps_type=CriticDeps,
    name="critic",
    retries=2,
)


def _instructions(ctx: RunContext[CriticDeps]) -> str:
    return ctx.deps.instructions


critic_agent.instructions(_instructions)
_MODE_AGENTS: dict[str, Agent[CriticDeps, CriticFindings]] = {}


def critic_agent_for(mode: str = "tool") -> Agent[CriticDeps, CriticFindings]:
    """The critic agent for a structured-output mode (tool, native or prompted)."""
    if mode == "tool":
        return critic_agent
    if mode not in _MODE_AGENTS:
        from pydantic_ai import NativeOutput, PromptedOutput

        wrapper = NativeOutput if mode == "native" else PromptedOutput
        agent: Agent[CriticDeps, CriticFindings] = Agent(
            output_type=wrapper(CriticFindings), deps_type=CriticDeps, name="critic", retries=2
        )
        agent.instructions(_instructions)
        _MODE_AGENTS[mode] = agent
    return _MODE_AGENTS[mode]
