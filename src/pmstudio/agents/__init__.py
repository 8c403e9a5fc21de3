"""Section agents, the single-shot agent and the critic agent (prompts live in top-level agents/)."""

from pmstudio.agents.critic import CriticDeps, CriticFindings, critic_agent, critic_agent_for
from pmstudio.agents.sections import (
    CONTEXT_OF,
    SECTION_AGENTS,
    WAVES,
    FullDraft,
    SectionDeps,
    agent_for,
    check_output,
    context_of,
    single_shot_agent,
)

__all__ = [
    "CONTEXT_OF",
    "SECTION_AGENTS",
    "WAVES",
    "CriticDeps",
    "CriticFindings",
    "FullDraft",
    "SectionDeps",
    "check_output",
    "context_of",
    "agent_for",
    "critic_agent",
    "critic_agent_for",
    "single_shot_agent",
]
