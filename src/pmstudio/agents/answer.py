"""The one output type every agent of a multi-agent draft answers in, so they all send the same tool.

Providers cache a prompt's prefix (tool definitions, then the system text, then the messages). When each
agent had its own output schema, its tool definition came first and no agent could reuse another's cached
evidence. `SectionAnswer` covers every section and the critic's review, each optional: an agent fills the
part its task names, and its output validator takes that part out and ignores the rest.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from pmstudio.schema import (
    ActionsSection,
    Finding,
    ImpactSection,
    LessonsSection,
    RootCauseSection,
    SummarySection,
    SupportingSection,
    TimelineSection,
)


class CriticFindings(BaseModel):
    findings: list[Finding] = Field(default_factory=list)


class SectionAnswer(BaseModel):
    """One part of a post-mortem draft: fill only the part the task names (a section, or `critic` for a
    review of the draft) and leave the others out."""

    timeline: TimelineSection | None = None
    impact: ImpactSection | None = None
    root_cause: RootCauseSection | None = None
    lessons: LessonsSection | None = None
    supporting: SupportingSection | None = None
    actions: ActionsSection | None = None
    summary: SummarySection | None = None
    critic: CriticFindings | None = None


def answer_args(part: str, output: dict[str, Any]) -> dict[str, Any]:
    """The output tool's arguments for `part`'s answer `output` (a FullDraft for `all` is as is)."""
    return output if part in ("all", "single_shot") else {part: output}
