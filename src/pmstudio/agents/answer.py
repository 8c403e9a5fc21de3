"""The one output type every agent of a multi-agent draft answers in, so they all send the same tool.

Providers cache a prompt's prefix (tool definitions, then the system text, then the messages). When each
agent had its own output schema, its tool definition came first and no agent could reuse another's cached
evidence. `SectionAnswer` covers every section and the critic's review, each optional: an agent fills the
part its task names, and its output validator takes that part out and ignores the rest. A draft whose
critic agent does not run sends `DraftAnswer`, the same without the review part.

The tool's schema is in every agent's prefix, so it asks only what a model fills: the review part is a
list of `FindingAnswer` (a `Finding` without the fields the orchestrator sets: source, round, fixed).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from pmstudio.schema import (
    ActionsSection,
    Finding,
    FindingSection,
    FindingSeverity,
    ImpactSection,
    LessonsSection,
    RootCauseSection,
    SummarySection,
    SupportingSection,
    TimelineSection,
)


class CriticFindings(BaseModel):
    """What a critic agent's run returns."""

    findings: list[Finding] = Field(default_factory=list)


class FindingAnswer(BaseModel):
    """A finding as the critic agent answers it (what a model fills of a `Finding`)."""

    rule: str = Field(description="a lint rule id, or J-<short-name>")
    severity: FindingSeverity
    section: FindingSection
    span: str = Field(description="the offending text, copied exactly from that section")
    message: str
    advice: str = Field(default="", description="for the author; never written into the document")
    replacement: str | None = Field(default=None, description="replaces the span exactly ('' deletes it); null "
                                    "when there is no drop-in fix")

    def finding(self) -> Finding:
        return Finding.model_validate({**self.model_dump(), "source": "agent"})


class ReviewAnswer(BaseModel):
    findings: list[FindingAnswer] = Field(default_factory=list)

    def critic_findings(self) -> CriticFindings:
        return CriticFindings(findings=[f.finding() for f in self.findings])


# A part is optional by having a default: the schema says `{"$ref": …, "default": null}` rather than also
# `anyOf` a null type (a model leaves the other parts out; a null it sends anyway still validates).
class DraftAnswer(BaseModel):
    """One part of a post-mortem draft: fill only the part the task names."""

    timeline: TimelineSection | SkipJsonSchema[None] = None
    impact: ImpactSection | SkipJsonSchema[None] = None
    root_cause: RootCauseSection | SkipJsonSchema[None] = None
    lessons: LessonsSection | SkipJsonSchema[None] = None
    supporting: SupportingSection | SkipJsonSchema[None] = None
    actions: ActionsSection | SkipJsonSchema[None] = None
    summary: SummarySection | SkipJsonSchema[None] = None


class SectionAnswer(DraftAnswer):
    """One part of a post-mortem draft: fill only the part the task names."""

    critic: ReviewAnswer | SkipJsonSchema[None] = None


def answer_type(review: bool) -> type[DraftAnswer]:
    """The shared output type of a draft's agents: with the review part only when a critic agent will
    answer in it (a draft without one does not send that schema with every section)."""
    return SectionAnswer if review else DraftAnswer


def answer_args(part: str, output: dict[str, Any]) -> dict[str, Any]:
    """The output tool's arguments for `part`'s answer `output` (a FullDraft for `all` is as is)."""
    return output if part in ("all", "single_shot") else {part: output}
