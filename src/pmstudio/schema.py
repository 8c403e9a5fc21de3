"""Pydantic contracts between the stages: materials -> evidence -> section drafts -> post-mortem.

Every stage takes and returns these models; nothing else crosses a stage boundary. Times are
timezone-aware UTC datetimes. Claims that come from the materials carry the ids of the evidence
items they rest on (``material:line``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, get_args

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

MaterialKind = Literal["chat", "slack_export", "pagerduty", "log", "alerts", "notes", "ticket"]
MATERIAL_KINDS: tuple[MaterialKind, ...] = (
    "chat",
    "slack_export",
    "pagerduty",
    "log",
    "alerts",
    "notes",
    "ticket",
)
Phase = Literal["impact_start", "detection", "investigation", "mitigation", "resolution", "communication"]
PHASES: tuple[Phase, ...] = (
    "impact_start",
    "detection",
    "investigation",
    "mitigation",
    "resolution",
    "communication",
)
Severity = Literal["critical", "high", "medium", "low"]
Horizon = Literal["immediate", "short_term", "long_term"]
ActionKind = Literal["prevent", "mitigate", "detect", "repair", "investigate"]
FindingSeverity = Literal["high", "medium", "low"]

NOT_STATED = "Not stated in the materials."


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a timezone")
    return value.astimezone(UTC)


# --------------------------------------------------------------------------- materials & evidence


class Material(BaseModel):
    """One raw input as the responders had it (a chat log, a PagerDuty export, a log file...)."""

    name: str
    kind: MaterialKind
    content: str
    timezone: str | None = Field(default=None, description="IANA zone of this material's bare times, when set")


class Evidence(BaseModel):
    """One citable item of evidence: a line (or a condensed group of log lines) of a material."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="stable id `material:line` (1-based line of the first occurrence)")
    material: str
    kind: MaterialKind
    line: int
    at: datetime | None = Field(default=None, description="UTC time of the item, when it has one")
    actor: str | None = None
    text: str
    count: int = Field(default=1, description="number of raw lines condensed into this item")
    last_at: datetime | None = Field(default=None, description="last occurrence, for condensed items")
    template: str | None = Field(default=None, description="mined log template, for condensed items")
    time_text: str | None = Field(default=None, description="the time as written in the material (before reading)")
    date_only: bool = Field(default=False, description="the material gives a day, not a time (`at` is its midnight)")

    @field_validator("at", "last_at")
    @classmethod
    def _to_utc(cls, v: datetime | None) -> datetime | None:
        return _utc(v)


class SourceTime(BaseModel):
    """How one material's times were read: the zone of its zone-less times and why."""

    material: str
    zone: str = Field(description="IANA name or fixed offset (UTC-04:00) used for its zone-less times")
    reason: str = Field(description="where the zone came from, in words")
    shifted_hours: int = Field(default=0, description="hours moved by the cross-source check (0: none)")
    zoned: bool = Field(default=False, description="every time in it states its own zone or offset (read as written)")


class Bundle(BaseModel):
    """An incident's materials and the evidence parsed from them."""

    id: str
    title: str | None = None
    source: str | None = None
    timezone: str = "UTC"
    materials: list[Material]
    evidence: list[Evidence]
    people: list[str] = Field(default_factory=list, description="every actor name seen in the materials")
    redacted: bool = False
    redaction_count: int = 0
    source_path: str | None = None
    time_readings: list[SourceTime] = Field(default_factory=list, description="how each material's times were read")
    time_conflicts: list[str] = Field(
        default_factory=list, description="cross-source whole-hour disagreements found while reading times"
    )

    def evidence_by_id(self) -> dict[str, Evidence]:
        return {e.id: e for e in self.evidence}

    def timed(self) -> list[Evidence]:
        return sorted((e for e in self.evidence if e.at is not None), key=lambda e: (e.at, e.id))  # type: ignore[arg-type,return-value]

    @property
    def has_timestamps(self) -> bool:
        return any(e.at is not None for e in self.evidence)


# --------------------------------------------------------------------------- sections


Certainty = Literal["confirmed", "likely", "hypothesis"]
CERTAINTIES: tuple[Certainty, ...] = ("confirmed", "likely", "hypothesis")


class Claim(BaseModel):
    """A statement in the draft and the evidence it rests on (empty when it is not from evidence)."""

    text: str
    evidence: list[str] = Field(default_factory=list)
    # set from the evidence by pmstudio.certainty (never asked of a model: not in the JSON schema, and not
    # serialised while unset, so claims without it read and write exactly as before)
    certainty: SkipJsonSchema[Certainty | None] = Field(default=None, exclude_if=lambda v: v is None)
    sources: SkipJsonSchema[int | None] = Field(default=None, exclude_if=lambda v: v is None)


class TimelineEntry(BaseModel):
    at: datetime = Field(description="UTC timestamp copied from a cited evidence item")
    phase: Phase
    text: str
    evidence: list[str] = Field(default_factory=list)
    date_only: bool = Field(default=False, description="the materials give the day, not the time (`at` is its midnight)")

    @field_validator("at")
    @classmethod
    def _to_utc(cls, v: datetime) -> datetime | None:
        return _utc(v)


class TimelineSection(BaseModel):
    """Timeline grouped by phase in rendering; milestones summarise the key times."""

    entries: list[TimelineEntry] = Field(default_factory=list)
    started_at: datetime | None = Field(default=None, description="start of impact")
    detected_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None

    @field_validator("started_at", "detected_at", "mitigated_at", "resolved_at")
    @classmethod
    def _to_utc(cls, v: datetime | None) -> datetime | None:
        return _utc(v)


class ImpactSection(BaseModel):
    severity: Severity
    severity_rationale: str = ""
    duration_minutes: int | None = Field(default=None, description="start of impact to resolution")
    users_affected: Claim
    duration_of_impact: Claim
    geographic_scope: Claim
    functional_impact: Claim
    revenue_impact: Claim
    sla_impact: Claim
    customer_communications: Claim
    reputation_impact: Claim


IMPACT_CLAIMS: tuple[str, ...] = tuple(n for n, f in ImpactSection.model_fields.items() if f.annotation is Claim)
"""The Claim fields of the impact section, in template order (users affected ... reputation impact)."""


class ContributingFactor(BaseModel):
    id: str = Field(description="short stable id such as CF1, referenced by action items")
    title: str
    description: str
    evidence: list[str] = Field(default_factory=list)
    certainty: SkipJsonSchema[Certainty | None] = Field(default=None, exclude_if=lambda v: v is None)  # pmstudio.certainty
    sources: SkipJsonSchema[int | None] = Field(default=None, exclude_if=lambda v: v is None)


class RootCauseSection(BaseModel):
    trigger: Claim
    primary_root_cause: Claim
    contributing_factors: list[ContributingFactor] = Field(default_factory=list)


class ActionItem(BaseModel):
    title: str = Field(description="verb-first, specific, verifiable")
    owner: str = Field(description="team or role (or a named owner from the materials)")
    due: str | None = Field(default=None, description="ISO date, when one is known")
    priority: Literal["P0", "P1", "P2", "P3"] | None = None
    horizon: Horizon
    kind: ActionKind
    impact: str = Field(description="risk reduction or improvement expected")
    factor_ids: list[str] = Field(default_factory=list, description="contributing factors this addresses")
    evidence: list[str] = Field(default_factory=list)


class PreventionStrategies(BaseModel):
    technical: list[Claim] = Field(default_factory=list)
    process: list[Claim] = Field(default_factory=list)
    monitoring: list[Claim] = Field(default_factory=list)


class ActionsSection(BaseModel):
    action_items: list[ActionItem] = Field(default_factory=list)
    prevention: PreventionStrategies = Field(default_factory=PreventionStrategies)


class LessonsSection(BaseModel):
    went_well: list[Claim] = Field(default_factory=list)
    went_poorly: list[Claim] = Field(default_factory=list)
    technical: list[Claim] = Field(default_factory=list)
    process: list[Claim] = Field(default_factory=list)
    monitoring: list[Claim] = Field(default_factory=list)


class SupportingSection(BaseModel):
    relevant_metrics: list[Claim] = Field(default_factory=list)
    external_factors: list[Claim] = Field(default_factory=list)
    references: list[Claim] = Field(default_factory=list)
    detailed_logs: list[str] = Field(default_factory=list, description="evidence ids of log excerpts")
    communication_records: list[str] = Field(default_factory=list, description="evidence ids")
    technical_details: list[Claim] = Field(default_factory=list)


class SummarySection(BaseModel):
    title: str = Field(description="short incident title")
    summary: str = Field(description="2-3 sentences: what happened, the impact, the primary cause")
    evidence: list[str] = Field(default_factory=list)


SectionName = Literal["timeline", "impact", "root_cause", "actions", "lessons", "supporting", "summary"]
SECTION_NAMES: tuple[SectionName, ...] = get_args(SectionName)
SECTION_TYPES: dict[str, type[BaseModel]] = {
    "timeline": TimelineSection,
    "impact": ImpactSection,
    "root_cause": RootCauseSection,
    "actions": ActionsSection,
    "lessons": LessonsSection,
    "supporting": SupportingSection,
    "summary": SummarySection,
}


FailureReason = Literal["deadline", "timeout", "validation", "server error"]
"""Why a section's model call failed: the draft's deadline passed, a request timed out, the answer was
invalid (bad JSON, schema, empty or nonsensical), or the server refused or broke (HTTP error, connection)."""


class SectionFailure(BaseModel):
    """A section the model did not draft: why, and whether the offline drafter's section stands in for it."""

    section: str
    reason: FailureReason
    detail: str = Field(default="", description="one line: the error, never a key")
    fallback: bool = Field(default=False, description="the offline drafter's section is shown instead")

    def line(self) -> str:
        what = f"{self.reason}: {self.detail}" if self.detail else self.reason
        return f"{what} (offline fallback)" if self.fallback else what


class Header(BaseModel):
    title: str
    date: str = Field(description="YYYY-MM-DD (UTC) of the start of the incident")
    incident_id: str
    severity: Severity | None = None
    duration: str
    author: str
    reviewers: str


class PostMortem(BaseModel):
    """The whole post-mortem in the seed template's structure."""

    header: Header
    summary: SummarySection | None = None
    impact: ImpactSection | None = None
    timeline: TimelineSection | None = None
    root_cause: RootCauseSection | None = None
    lessons: LessonsSection | None = None
    actions: ActionsSection | None = None
    supporting: SupportingSection | None = None
    failed_sections: list[str] = Field(default_factory=list, description="sections that failed to draft (None above)")
    notes: list[str] = Field(default_factory=list, description="plain notes for the reader, e.g. no timestamps")
    failures: list[SectionFailure] = Field(
        default_factory=list, description="why each failed or fallback section failed (failed_sections + fallbacks)"
    )

    def section(self, name: str) -> BaseModel | None:
        """A drafted section by name; None for a failed section or a name that is not a section."""
        if name not in SECTION_TYPES:
            return None
        value = getattr(self, name, None)
        return value if isinstance(value, BaseModel) else None

    def failure(self, name: str) -> SectionFailure | None:
        return next((f for f in self.failures if f.section == name), None)

    @property
    def fallback_sections(self) -> list[str]:
        """Sections shown from the offline drafter because the model's call failed (never the model's output)."""
        return [f.section for f in self.failures if f.fallback]


# --------------------------------------------------------------------------- critic


FindingSection = Literal["header", SectionName, "appendix", "public"]
"""Where a finding can point: the template's sections (the header, the seven drafted sections, the
appendix of a hand-written document) or the public audience version as a whole. Free text is rejected.
Derived from `SectionName`, the one list every template's `schema:` is validated against (a team's
template can only map its sections onto these), so a new schema section reaches findings by itself."""


class Finding(BaseModel):
    """One critic finding (from a deterministic lint or the critic agent).

    `replacement` is the only text an edit or a revision may write into the document (it replaces
    `span`; an empty string deletes it). `advice` is for the reader and is never written into the draft.
    A finding without a replacement can only be dismissed or edited by hand.
    """

    model_config = ConfigDict(populate_by_name=True)

    rule: str = Field(description="rule id, e.g. B1-person-as-cause")
    severity: FindingSeverity
    section: FindingSection = Field(description="the template section whose text contains the span")
    span: str = Field(description="the offending text, copied exactly from that section")
    message: str
    advice: str = Field(
        default="",
        validation_alias=AliasChoices("advice", "suggestion"),
        description="advice for the author in words; never written into the document",
    )
    replacement: str | None = Field(
        default=None,
        description="text that replaces the span exactly (empty string deletes it); null when there is no drop-in fix",
    )
    source: Literal["lint", "agent"] = "lint"
    round: int = Field(default=0, description="critic round that raised it (0 = first check)")
    fixed: bool = Field(default=False, description="gone after the revision that followed")

    @property
    def suggestion(self) -> str:
        """The advice (the field's name before replacement and advice were separated)."""
        return self.advice


class CriticReport(BaseModel):
    findings: list[Finding] = Field(default_factory=list, description="unresolved findings of the last check")
    history: list[Finding] = Field(default_factory=list, description="every round's findings, with fixed flags")
    rounds: int = 0
    critic: str = Field(default="lints", description="what played the critic: lints, or lints+agent")
    notes: list[str] = Field(default_factory=list, description="stored findings that do not fit the contract, as text")
    not_run: str | None = Field(default=None, description="why the critic agent did not run (e.g. deadline)")

    def count(self, severity: FindingSeverity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


# --------------------------------------------------------------------------- run records


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    requests: int = 0
    cost_usd: float | None = None

    def __add__(self, other: Usage) -> Usage:
        cost = None
        if self.cost_usd is not None or other.cost_usd is not None:
            cost = (self.cost_usd or 0.0) + (other.cost_usd or 0.0)
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            requests=self.requests + other.requests,
            cost_usd=cost,
        )


SectionStatus = Literal["queued", "drafting", "revising", "done", "failed"]


class SectionRecord(BaseModel):
    """What one section agent produced in one round."""

    section: str
    agent: str
    round: int = 0
    status: Literal["done", "failed", "fallback"] = Field(
        description="fallback: the offline drafter's section after the model's call failed")
    output: dict[str, object] | None = None
    error: str | None = None
    reason: FailureReason | None = Field(default=None, description="why it failed (also for fallback)")
    usage: Usage = Field(default_factory=Usage)
    latency_ms: float = 0.0
    prompt_variant: str = ""
    prompt_hash: str = ""
    dropped: list[str] = Field(default_factory=list, description="invalid items dropped after validation")


class PromptRef(BaseModel):
    agent: str
    variant: str
    path: str
    sha256: str


class DraftRecord(BaseModel):
    """Everything one draft produced; the edges (CLI, dashboard, eval runner) decide what to store."""

    draft_id: str
    bundle_id: str
    model: str
    prompt_set: str
    prompts: list[PromptRef]
    settings: dict[str, object] = Field(default_factory=dict)
    started_at: datetime
    finished_at: datetime
    postmortem: PostMortem | None
    sections: list[SectionRecord]
    critic: CriticReport = Field(default_factory=CriticReport)
    usage: Usage = Field(default_factory=Usage)
    status: Literal["ok", "partial", "failed"] = "ok"
    error: str | None = None
    code_version: str = ""

    @property
    def latency_ms(self) -> float:
        return (self.finished_at - self.started_at).total_seconds() * 1000.0
