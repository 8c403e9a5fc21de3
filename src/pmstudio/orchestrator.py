"""Draft a post-mortem: section agents concurrently (a section given others as context starts once they
are done), then the critic's bounded revision loop.

`draft_postmortem()` returns a `DraftRecord`; it never writes anything. The edges (CLI, dashboard,
eval runner) decide what to store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from pydantic_ai import Agent
from pydantic_ai.models import Model
from ulid import ULID

from pmstudio import __version__
from pmstudio.agents import (
    CONTEXT_OF,
    SECTION_AGENTS,
    WAVES,
    CriticDeps,
    FullDraft,
    SectionDeps,
    agent_for,
    context_of,
    critic_agent_for,
)
from pmstudio.agents.messages import (
    SECTION_SYSTEM,
    render_evidence,
    render_review_task,
    render_task,
    user_prompt,
)
from pmstudio.assemble import assemble_postmortem
from pmstudio.critic import review
from pmstudio.lints.run import unique_findings
from pmstudio.parsers.zones import time_conflict_findings
from pmstudio.prompts import PromptSet, load_prompt_set
from pmstudio.resources import checkout_root
from pmstudio.schema import (
    SECTION_NAMES,
    Bundle,
    CriticReport,
    DraftRecord,
    FailureReason,
    Finding,
    PostMortem,
    SectionFailure,
    SectionRecord,
    Usage,
)

StatusCallback = Callable[[str, str], None]
SINGLE_SHOT = "all"


class DraftSettings(BaseModel):
    """Knobs of one draft; recorded with the run."""

    max_revisions: int = Field(default=2, ge=0, le=10)
    deadline_s: float | None = Field(default=None, description="wall-clock limit for the whole draft")
    timeout_s: float = Field(default=120.0, description="per model request")
    max_tokens: int | None = Field(default=None, description="per section call")
    use_critic_agent: bool = True
    sequential: bool = Field(default=False, description="run section agents one at a time (benchmark baseline)")
    prompt_cache: bool = Field(default=True, description="mark the shared evidence prefix as cacheable")
    warm_cache: bool = Field(default=True, description="where the provider bills cache writes (Anthropic), send the "
                             "first section of a draft alone until its answer starts, so the others read its cached prefix")
    fallback: bool = Field(default=False, description="a section whose model call fails gets the offline drafter's "
                           "section, marked as a fallback (the CLI and dashboard turn this on)")


def _now() -> datetime:
    return datetime.now(UTC)


def failure_reason(exc: BaseException) -> FailureReason:
    """Classify a failed section call: timeout, validation (bad, cut-off or empty answers) or server error."""
    from pydantic_ai.exceptions import (
        ModelRequestTimeout,
        ModelTimeoutError,
        UnexpectedModelBehavior,
    )

    if isinstance(exc, ModelTimeoutError | ModelRequestTimeout | TimeoutError):
        return "timeout"
    if isinstance(exc, UnexpectedModelBehavior | ValidationError | ValueError):
        return "validation"
    return "server error"


def _usage_of(result_usage: Any, model_ref: str) -> Usage:
    """Usage with estimated cost for model strings; plain token counts for custom model objects."""
    if not model_ref.startswith("custom:"):
        from pmstudio.cost import usage_from_run

        return usage_from_run(result_usage, model_ref)
    return Usage(
        input_tokens=result_usage.input_tokens or 0,
        output_tokens=result_usage.output_tokens or 0,
        cache_read_tokens=result_usage.cache_read_tokens or 0,
        cache_write_tokens=result_usage.cache_write_tokens or 0,
        requests=result_usage.requests or 0,
    )


class _Resolved(BaseModel):
    model_config = {"arbitrary_types_allowed": True}
    ref: str
    model: Any
    settings: Any = None
    offline: bool = False
    output_mode: str = "tool"
    content_blocks: bool = False

    def describe(self, exc: BaseException) -> str:
        if self.ref.startswith("custom:"):
            return f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        from pmstudio.models import describe_error

        return describe_error(exc, self.ref)


def resolve_model(model: str | Model, settings: DraftSettings) -> _Resolved:
    """Turn a model string into a pydantic-ai model and its settings (a Model instance passes through)."""
    if not isinstance(model, str):
        name = getattr(model, "model_name", type(model).__name__)
        return _Resolved(ref=f"custom:{name}", model=model, offline=False)
    from pmstudio.models import build_model, content_blocks, model_settings, parse_model_ref
    from pmstudio.probe import output_mode

    ref = parse_model_ref(model)
    built = build_model(ref)
    ms = None
    if ref.kind != "offline":
        ms = model_settings(ref, timeout_s=settings.timeout_s, max_tokens=settings.max_tokens)
        if not settings.prompt_cache:
            ms = {k: v for k, v in ms.items() if "cache" not in k}  # type: ignore[assignment]
    return _Resolved(ref=model, model=built, settings=ms, offline=ref.kind == "offline", output_mode=output_mode(ref),
                     content_blocks=content_blocks(ref))


class _Drafter:
    """Runs section agents for one draft and keeps their records."""

    def __init__(
        self,
        bundle: Bundle,
        resolved: _Resolved,
        prompts: PromptSet,
        settings: DraftSettings,
        on_status: StatusCallback | None,
    ) -> None:
        self.bundle = bundle
        self.resolved = resolved
        self.prompts = prompts
        self.settings = settings
        self.on_status = on_status or (lambda section, status: None)
        self.evidence_text = render_evidence(bundle)
        # the system text every agent of a multi-agent draft shares: the set's `shared` prompt, else the
        # built-in one (sets that name none keep the text they were released with)
        shared = prompts.files.get("shared")
        self.system = shared.instructions if shared is not None else SECTION_SYSTEM
        # the shared output tool carries the critic's review part only when a critic agent will answer in it
        self.review = settings.use_critic_agent and "critic" in prompts.files and not prompts.single_shot
        self.evidence_ids = frozenset(e.id for e in bundle.evidence)
        times: list[datetime] = []
        for e in bundle.evidence:
            times += [t for t in (e.at, e.last_at) if t is not None]
        self.evidence_times = tuple(times)
        self.records: list[SectionRecord] = []
        self.outputs: dict[str, BaseModel] = {}
        self.errors: dict[str, SectionFailure] = {}
        self.critic_not_run: str | None = None
        self.warmed = False  # the shared prefix was sent once before a fan-out
        self.fallback_lock = asyncio.Lock()

    def prompt(self, task: str) -> str | list[Any]:
        """Evidence first (identical for every agent, so providers can cache it), then the task."""
        blocks = self.resolved.content_blocks and self.settings.prompt_cache
        return user_prompt(self.evidence_text, task, content_blocks=blocks)

    def _agent_for(self, section: str) -> tuple[str, Agent[SectionDeps, Any]]:
        name = "single_shot" if section == SINGLE_SHOT else section
        return name, agent_for(name, self.resolved.output_mode, review=self.review)

    async def run_section(self, section: str, round_no: int, feedback: list[Finding] | None = None,
                          answering: asyncio.Event | None = None) -> None:
        """Draft (or revise) one section; `answering` is set once the model's answer starts (or the call ends)."""
        try:
            await self._run_section(section, round_no, feedback, answering)
        finally:
            if answering is not None:
                answering.set()

    async def _run_section(self, section: str, round_no: int, feedback: list[Finding] | None,
                           answering: asyncio.Event | None) -> None:
        agent_name, agent = self._agent_for(section)
        pfile = self.prompts.files.get(agent_name)
        self.on_status(section, "revising" if feedback else "drafting")
        context = context_of(section, self.outputs)
        if feedback and section != SINGLE_SHOT and section in self.outputs:
            context["previous_draft"] = self.outputs[section].model_dump(mode="json", exclude_defaults=True)
        own = pfile.instructions if pfile else ""
        # section agents share one system text (a cacheable prefix); their own prompt comes in the task
        shared = section != SINGLE_SHOT
        task = render_task(section, instructions=own if shared else None, context=context or None, feedback=feedback)
        deps = SectionDeps(
            section=section,
            instructions=self.system if shared else own,
            evidence_ids=self.evidence_ids,
            evidence_times=self.evidence_times,
            require_content=not self.resolved.offline,
        )
        started = time.perf_counter()
        record = SectionRecord(
            section=section,
            agent=agent_name,
            round=round_no,
            status="failed",
            prompt_variant=pfile.variant if pfile else "",
            prompt_hash=pfile.sha256 if pfile else "",
        )
        try:
            if pfile is None:
                raise KeyError(f"prompt set {self.prompts.name!r} has no prompt for {agent_name!r}")
            handler = None
            if answering is not None:
                signal = answering

                async def handler(_: Any, events: Any) -> None:  # streams the call: its first event is enough
                    async for _event in events:
                        signal.set()
                        return

            result = await agent.run(
                self.prompt(task),
                model=self.resolved.model,
                deps=deps,
                model_settings=self.resolved.settings,
                event_stream_handler=handler,
            )
        except Exception as exc:  # one failing section never sinks the others
            reason, detail = failure_reason(exc), self.resolved.describe(exc)
            record.reason, record.error = reason, f"{reason}: {detail}"
            record.latency_ms = (time.perf_counter() - started) * 1000
            self.records.append(record)
            if section == SINGLE_SHOT:
                for name in SECTION_NAMES:
                    self.errors.setdefault(name, SectionFailure(section=name, reason=reason, detail=detail))
            elif section not in self.outputs:  # a failed revision keeps the section's earlier draft
                self.errors[section] = SectionFailure(section=section, reason=reason, detail=detail)
            self.on_status(section, "failed")
            return
        output = result.output
        record.status = "done"
        record.output = output.model_dump(mode="json")
        record.usage = _usage_of(result.usage, self.resolved.ref)
        record.latency_ms = (time.perf_counter() - started) * 1000
        record.dropped = list(deps.dropped)
        self.records.append(record)
        self.errors.pop(section, None)
        if isinstance(output, FullDraft):
            for name in SECTION_NAMES:
                if name in deps.empty_sections:  # left empty after the retries: failed, the rest is kept
                    self.errors[name] = SectionFailure(section=name, reason="validation",
                                                       detail="the answer for this section was empty after the retries")
                else:
                    self.outputs[name] = getattr(output, name)
        else:
            self.outputs[section] = output
        self.on_status(section, "done")

    async def fall_back(self) -> None:
        """Give every failed section the offline drafter's section, marked as a fallback (never the model's)."""
        if not self.settings.fallback or self.resolved.offline:
            return
        async with self.fallback_lock:  # sections waiting on context call this concurrently
            await self._fall_back()

    async def _fall_back(self) -> None:
        from pmstudio.offline import offline_model

        model = offline_model()
        for section in [s for s in SECTION_NAMES if s in self.errors and not self.errors[s].fallback]:
            failure = self.errors[section]
            context = context_of(section, self.outputs)
            deps = SectionDeps(section=section, instructions="", evidence_ids=self.evidence_ids,
                               evidence_times=self.evidence_times, require_content=False)
            started = time.perf_counter()
            try:
                result = await agent_for(section, review=self.review).run(
                    user_prompt(self.evidence_text, render_task(section, context=context or None)),
                    model=model, deps=deps)
            except Exception:  # the offline drafter could not help either: the section stays failed
                continue
            self.outputs[section] = result.output
            self.errors[section] = failure.model_copy(update={"fallback": True})
            self.records.append(SectionRecord(
                section=section, agent="offline-fallback", status="fallback", output=result.output.model_dump(mode="json"),
                error=f"{failure.reason}: {failure.detail}", reason=failure.reason,
                latency_ms=(time.perf_counter() - started) * 1000, dropped=list(deps.dropped)))
            self.on_status(section, "fallback")

    async def run_many(self, sections: Sequence[str], round_no: int, feedback: dict[str, list[Finding]],
                       after: dict[str, tuple[str, ...]] | None = None) -> None:
        """Run `sections` concurrently; one listed in `after` starts once the sections it is given as context
        are done (a failed one first gets the offline drafter's section when fallback is on)."""
        for s in sections:
            self.on_status(s, "queued")
        waits = {s: tuple(d for d in (after or {}).get(s, ()) if d in sections) for s in sections}
        if self.settings.sequential:  # in the given order, which lists a section after its context
            for s in sections:
                if waits[s]:
                    await self.fall_back()
                await self.run_section(s, round_no, feedback.get(s))
            return
        finished = {s: asyncio.Event() for s in sections}
        first = self._warm_section([s for s in sections if not waits[s]], waits)
        answering = asyncio.Event() if first else None
        if first:
            self.warmed = True

        async def one(s: str) -> None:
            try:
                if waits[s]:
                    for d in waits[s]:
                        await finished[d].wait()
                    await self.fall_back()
                elif answering is not None and s != first:
                    # a provider makes a cache entry readable once the answer that wrote it starts: the
                    # first section goes alone until then, so the others read the shared prefix it wrote
                    await answering.wait()
                await self.run_section(s, round_no, feedback.get(s), answering if s == first else None)
            finally:
                finished[s].set()

        await asyncio.gather(*(one(s) for s in sections))

    def _warm_section(self, free: Sequence[str], waits: dict[str, tuple[str, ...]]) -> str | None:
        """The section sent alone first, before the draft's first fan-out, where the provider bills cache
        writes (Anthropic): the one most other sections are given as context (it heads the longest chain)."""
        if not (self.settings.warm_cache and self.settings.prompt_cache and self.resolved.content_blocks
                and not self.warmed and len(free) > 1):
            return None
        return max(free, key=lambda s: sum(s in w for w in waits.values()))

    async def initial(self, reuse: dict[str, BaseModel]) -> None:
        self.outputs.update(reuse)
        if self.prompts.single_shot:
            if not reuse:
                await self.run_many([SINGLE_SHOT], 0, {})
            await self.fall_back()
            return
        for s in SECTION_NAMES:
            if s in self.outputs:
                self.on_status(s, "done")
        todo = [s for wave in WAVES for s in wave if s not in self.outputs]
        if todo:
            await self.run_many(todo, 0, {}, after=CONTEXT_OF)
        await self.fall_back()

    def assemble(self) -> PostMortem:
        return assemble_postmortem(
            self.bundle,
            self.outputs,
            failures=[self.errors[s] for s in SECTION_NAMES if s in self.errors],
            model=self.resolved.ref,
            prompt_set=self.prompts.name,
        )

    async def critic_agent_findings(self, pm: PostMortem, lint: list[Finding]) -> list[Finding]:
        pfile = self.prompts.files.get("critic")
        if self.resolved.offline or not self.settings.use_critic_agent or pfile is None:
            return []
        if len(self.errors) == len(SECTION_NAMES):
            self.critic_not_run = "no section was drafted by the model"
            return []
        started = time.perf_counter()
        record = SectionRecord(
            section="critic", agent="critic", status="failed", prompt_variant=pfile.variant, prompt_hash=pfile.sha256
        )
        # the section agents' prefix and system text; the critic's own prompt comes in the task
        deps = CriticDeps(instructions=self.system, postmortem=pm)
        task = render_review_task(pfile.instructions, pm, lint)
        try:
            result = await critic_agent_for(self.resolved.output_mode).run(
                self.prompt(task),
                model=self.resolved.model,
                deps=deps,
                model_settings=self.resolved.settings,
            )
        except Exception as exc:
            reason = failure_reason(exc)
            record.reason, record.error = reason, f"{reason}: {self.resolved.describe(exc)}"
            record.latency_ms = (time.perf_counter() - started) * 1000
            record.dropped = list(deps.dropped)
            self.records.append(record)
            self.critic_not_run = f"failed: {reason}"
            return []
        record.dropped = list(deps.dropped)
        record.status = "done"
        record.output = result.output.model_dump(mode="json")
        record.usage = _usage_of(result.usage, self.resolved.ref)
        record.latency_ms = (time.perf_counter() - started) * 1000
        self.records.append(record)
        known = {(f.rule, f.span) for f in lint}
        return [
            f.model_copy(update={"source": "agent", "round": 0, "fixed": False})
            for f in result.output.findings
            if (f.rule, f.span) not in known
        ]

    async def check(self, pm: PostMortem, round_no: int) -> list[Finding]:
        lint = review(pm, self.bundle) + time_conflict_findings(self.bundle)
        agent = await self.critic_agent_findings(pm, lint)
        # a model may report one finding twice: one id, one finding (the dashboard keys its buttons on it)
        return [f.model_copy(update={"round": round_no}) for f in unique_findings(lint + agent)]

    def target(self, finding: Finding) -> str | None:
        """The agent (section or single shot) that must redraft for `finding`."""
        if self.prompts.single_shot:
            return SINGLE_SHOT
        if finding.section in SECTION_AGENTS and finding.section not in self.errors:
            return finding.section
        return None

    async def revise(self) -> tuple[PostMortem, CriticReport]:
        pm = self.assemble()
        history: list[Finding] = []
        findings = await self.check(pm, 0)
        rounds = 0
        while rounds < self.settings.max_revisions:
            todo: dict[str, list[Finding]] = {}
            for f in findings:
                tgt = self.target(f)
                if f.severity in ("high", "medium") and tgt is not None:
                    todo.setdefault(tgt, []).append(f)
            if not todo:
                break
            rounds += 1
            before = {name: out.model_dump(mode="json") for name, out in self.outputs.items()}
            await self.run_many(sorted(todo), rounds, todo)
            changed = any(self.outputs[name].model_dump(mode="json") != before.get(name) for name in self.outputs)
            pm = self.assemble()
            if not changed:
                # the agents returned the same sections: another round would not change anything either
                history += [f.model_copy(update={"fixed": False}) for f in findings]
                findings = [f.model_copy(update={"round": rounds}) for f in findings]
                break
            new = await self.check(pm, rounds)
            still = {(f.rule, f.section, f.span) for f in new}
            history += [f.model_copy(update={"fixed": (f.rule, f.section, f.span) not in still}) for f in findings]
            findings = new
        history += findings
        critic = "lints" if (self.resolved.offline or not self.settings.use_critic_agent) else "lints+agent"
        return pm, CriticReport(findings=findings, history=history, rounds=rounds, critic=critic,
                                not_run=self.critic_not_run)

    def after_deadline(self, message: str) -> tuple[PostMortem, CriticReport]:
        """What stands when the deadline passed: unfinished sections fail with reason `deadline`, the lints
        still run over the draft, and the critic agent's verdict says it did not run."""
        for s in SECTION_NAMES:
            if s not in self.outputs:
                self.errors.setdefault(s, SectionFailure(section=s, reason="deadline", detail=message))
                self.on_status(s, "failed")
        pm = self.assemble()
        lint = review(pm, self.bundle)
        critic = "lints" if (self.resolved.offline or not self.settings.use_critic_agent) else "lints+agent"
        return pm, CriticReport(findings=lint, history=lint, critic=critic, not_run="deadline")


async def draft_postmortem(
    bundle: Bundle,
    *,
    model: str | Model = "offline",
    prompt_set: str | PromptSet = "default",
    settings: DraftSettings | None = None,
    on_status: StatusCallback | None = None,
    reuse: DraftRecord | None = None,
) -> DraftRecord:
    """Draft `bundle` into a post-mortem. With `reuse`, only its failed sections are drafted again."""
    settings = settings or DraftSettings()
    prompts = prompt_set if isinstance(prompt_set, PromptSet) else load_prompt_set(prompt_set)
    resolved = resolve_model(model, settings)
    started = _now()
    drafter = _Drafter(bundle, resolved, prompts, settings, on_status)
    reused: dict[str, BaseModel] = {}
    if reuse is not None and reuse.postmortem is not None:
        redo = set(reuse.postmortem.failed_sections) | set(reuse.postmortem.fallback_sections)
        for name in SECTION_NAMES:
            section = reuse.postmortem.section(name)
            if section is not None and name not in redo:
                reused[name] = section

    async def work() -> tuple[PostMortem, CriticReport]:
        await drafter.initial(reused)
        return await drafter.revise()

    error: str | None = None
    try:
        if settings.deadline_s is not None:
            pm, report = await asyncio.wait_for(work(), timeout=settings.deadline_s)
        else:
            pm, report = await work()
    except TimeoutError:
        error = f"draft deadline of {settings.deadline_s:g} s passed"
        for s in SECTION_NAMES:
            if s not in drafter.outputs:
                drafter.errors.setdefault(s, SectionFailure(section=s, reason="deadline", detail=error))
        await drafter.fall_back()  # offline and fast: not bound by the deadline
        pm, report = drafter.after_deadline(error)
    usage = Usage()
    for rec in drafter.records:
        usage = usage + rec.usage
    failed = len(pm.failures)
    status = "ok" if not failed else ("failed" if len(pm.failed_sections) == len(SECTION_NAMES) else "partial")
    return DraftRecord(
        draft_id=str(ULID()),
        bundle_id=bundle.id,
        model=resolved.ref,
        prompt_set=prompts.name,
        prompts=prompts.refs(),
        settings={**settings.model_dump(), "redacted": bundle.redacted, "prompt_set_hash": prompts.hash(),
                  "output_mode": resolved.output_mode},
        started_at=started,
        finished_at=_now(),
        postmortem=pm,
        sections=drafter.records,
        critic=report,
        usage=usage,
        status=status,
        error=error or ("; ".join(f"{k}: {v.line()}" for k, v in sorted(drafter.errors.items())) or None),
        code_version=code_version(),
    )


def draft_sync(bundle: Bundle, **kwargs: Any) -> DraftRecord:
    return asyncio.run(draft_postmortem(bundle, **kwargs))


@lru_cache(maxsize=1)
def code_version() -> str:
    """Package version plus the git commit when running from a checkout."""
    import subprocess

    root = checkout_root()
    if root is None:
        return __version__
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except OSError:
        sha = ""
    return f"{__version__}+{sha}" if sha else __version__
