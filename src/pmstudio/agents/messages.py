"""The wire format of what section agents are sent: one shared prefix, then the agent's own task.

Every section agent of a draft sends the same prefix: the same output tool (one schema covering every
section, `sections.SectionAnswer`), the same system text (`SECTION_SYSTEM`) and the same evidence
block, so a provider's prefix cache serves all of them after the first. Everything that differs
between agents comes after the evidence, in the task: the section's name, its instructions (the
prompt file), optional context (other sections, as compact JSON) and critic feedback (findings, as
JSON). The offline model parses the same text back, so it sees exactly what a cloud model sees.

`user_prompt()` is the one place that decides how the two reach the wire: one string, evidence first
(every OpenAI-compatible server reads a string, and prefix caches still hit because the evidence leads),
or — only where the provider documents content blocks and cache breakpoints (Anthropic) — a list
`[evidence, CachePoint, task]`. llama-cpp-python's chat formats drop list content silently, and Jinja
chat templates fail on it (`can only concatenate str (not "list") to str`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from pydantic_ai import CachePoint

from pmstudio.schema import Bundle, Evidence, Finding, PostMortem

EVIDENCE_HEADER = "# EVIDENCE"
TASK_HEADER = "# TASK"
INSTRUCTIONS_HEADER = "# INSTRUCTIONS"
CONTEXT_HEADER = "# CONTEXT"
FEEDBACK_HEADER = "# FEEDBACK"
REVIEW_HEADER = "# DRAFT AND LINT FINDINGS"

_LINE = re.compile(
    r"^\[(?P<id>[^\]]+)\] (?P<at>\S+) (?P<actor>\S+)(?: \(x(?P<count>\d+) until (?P<last>\S+)\))?"
    r"(?: \{written: (?P<written>[^{}]*)\})? \| (?P<text>.*)$"
)


def _actor_token(actor: str | None) -> str:
    return re.sub(r"\s+", "_", actor.strip()) if actor and actor.strip() else "-"


def evidence_line(e: Evidence) -> str:
    """``[id] <UTC time, or a date for a date-only item> <actor>[ (xN until T)][ {written: <time as written>}] | text``"""
    at = (e.at.strftime("%Y-%m-%d") if e.date_only else e.at.strftime("%Y-%m-%dT%H:%M:%SZ")) if e.at else "-"
    repeat = ""
    if e.count > 1:
        last = e.last_at.strftime("%Y-%m-%dT%H:%M:%SZ") if e.last_at else "-"
        repeat = f" (x{e.count} until {last})"
    written = ""
    if e.time_text and e.at and not e.date_only:
        shown = " ".join(e.time_text.split()).replace("{", "(").replace("}", ")")
        if shown and shown != at:
            written = f" {{written: {shown}}}"
    text = " ".join(e.text.split())
    return f"[{e.id}] {at} {_actor_token(e.actor)}{repeat}{written} | {text}"


def render_evidence(bundle: Bundle) -> str:
    """The shared, cacheable prefix: every evidence item, one per line, in material order."""
    head = (
        f"{EVIDENCE_HEADER} (incident {bundle.id}; bare times were read in {bundle.timezone} unless the "
        "source says otherwise; all times below are UTC, with the time as written in braces; a bare date "
        "means the source gives no time; cite items by the id in brackets)\n"
    )
    if bundle.title:
        head += f"title: {bundle.title}\n"
    return head + "\n".join(evidence_line(e) for e in bundle.evidence) + "\n"


SECTION_SYSTEM = (
    "You draft one section of a blameless incident post-mortem, or review a draft of one, from the evidence "
    "in the user message. The task after the evidence names the part to answer (a section, or `critic` for "
    "a review) and gives its instructions, and may add other sections as context, reviewer feedback or the "
    "draft to review. Answer in the output format: fill only the part the task names and leave the others out."
)
"""The system text every agent of a multi-agent draft shares (its own instructions come in the task)."""


_LINE_BREAKS = {c: f"\\u{c:04x}" for c in (0x85, 0x2028, 0x2029)}
"""Characters str.splitlines() breaks at that JSON leaves raw (it escapes the control characters itself)."""


def _compact(value: Any) -> str:
    # one line of JSON; text as written (an escaped "…" costs a model several tokens), except the characters
    # that would split the line for str.splitlines() (escaped, which JSON reads back as the same text)
    return json.dumps(value, default=str, sort_keys=True, separators=(",", ":"), ensure_ascii=False).translate(_LINE_BREAKS)


def render_task(
    section: str,
    *,
    instructions: str | None = None,
    context: dict[str, Any] | None = None,
    feedback: list[Finding] | None = None,
) -> str:
    """The part of a section agent's message after the shared evidence: what differs between agents."""
    parts = [f"{TASK_HEADER}\nsection: {section}\n"]
    if instructions and instructions.strip():
        parts.append(f"{INSTRUCTIONS_HEADER}\n{instructions.strip()}\n")
    if context:
        parts.append(f"{CONTEXT_HEADER} (JSON)\n{_compact(context)}\n")
    if feedback:
        body = _compact([f.model_dump(exclude_none=True) for f in feedback])
        parts.append(f"{FEEDBACK_HEADER} (critic findings to fix in this revision, JSON)\n{body}\n")
    return "\n".join(parts)


def render_review_task(instructions: str, draft: PostMortem, lint: list[Finding]) -> str:
    """The critic agent's task: its instructions, then the draft and the lint findings as one line of JSON
    (default values left out: the text the critic quotes spans from is all there)."""
    body = _compact({"draft": draft.model_dump(mode="json", exclude_defaults=True),
                     "lint_findings": [f.model_dump(mode="json", exclude_defaults=True) for f in lint]})
    return render_task("critic", instructions=instructions) + f"\n{REVIEW_HEADER} (JSON)\n{body}"


def user_prompt(evidence: str, task: str, *, content_blocks: bool = False) -> str | list[Any]:
    """What a section agent is sent as its user message: evidence first, then the task.

    `content_blocks=True` (providers that document content arrays and cache points: Anthropic) gives
    `[evidence, CachePoint(), task]`; otherwise one string, so a server sees the whole evidence.
    """
    if content_blocks:
        return [evidence, CachePoint(), task]
    return evidence.rstrip("\n") + "\n\n" + task


class EvidenceLine(BaseModel):
    id: str
    at: datetime | None
    actor: str | None
    text: str
    count: int = 1
    last_at: datetime | None = None
    written: str | None = None
    date_only: bool = False


class ParsedPrompt(BaseModel):
    """What a model was asked, parsed back from the message text."""

    evidence: list[EvidenceLine] = Field(default_factory=list)
    incident_id: str = ""
    title: str | None = None
    section: str = ""
    context: dict[str, Any] = Field(default_factory=dict)
    feedback: list[Finding] = Field(default_factory=list)


def _dt(value: str) -> datetime | None:
    if value == "-":
        return None
    if len(value) == 10:  # a date-only item: its midnight, UTC
        return datetime.fromisoformat(value + "T00:00:00+00:00")
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_prompt(text: str) -> ParsedPrompt:
    """Parse an evidence block and/or task (any order, possibly concatenated) back into data."""
    out = ParsedPrompt()
    block = ""
    for raw in text.splitlines():
        if raw.startswith(EVIDENCE_HEADER):
            block = "evidence"
            m = re.search(r"incident (\S+?);", raw)
            out.incident_id = m.group(1) if m else ""
            continue
        if raw.startswith(TASK_HEADER):
            block = "task"
            continue
        if raw.startswith(INSTRUCTIONS_HEADER):
            block = "instructions"  # the prompt file's text: for the model, nothing to parse
            continue
        if raw.startswith(CONTEXT_HEADER):
            block = "context"
            continue
        if raw.startswith(FEEDBACK_HEADER):
            block = "feedback"
            continue
        if block == "evidence":
            if raw.startswith("title: ") and not out.evidence:
                out.title = raw[len("title: ") :]
                continue
            m = _LINE.match(raw)
            if m:
                actor = m.group("actor")
                out.evidence.append(
                    EvidenceLine(
                        id=m.group("id"),
                        at=_dt(m.group("at")),
                        actor=None if actor == "-" else actor.replace("_", " "),
                        text=m.group("text"),
                        count=int(m.group("count") or 1),
                        last_at=_dt(m.group("last")) if m.group("last") else None,
                        written=m.group("written"),
                        date_only=len(m.group("at")) == 10,
                    )
                )
        elif block == "task" and raw.startswith("section: "):
            out.section = raw[len("section: ") :].strip()
        elif block == "context" and raw.strip():
            out.context = json.loads(raw)
        elif block == "feedback" and raw.strip():
            out.feedback = [Finding.model_validate(f) for f in json.loads(raw)]
    return out
