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


@critic_agent.instructions
def _instructions(ctx: RunContext[CriticDeps]) -> str:
    return ctx.deps.instructions
