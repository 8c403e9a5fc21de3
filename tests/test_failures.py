"""Failures visible and honest, answers checked for sense, and the offline fallback.

Against the fake server: each failure class (deadline, timeout, validation, server error) gives exit 3 and
one reason line per section on stderr, the same reason under the section's heading, in the Review Notes and
in the stored section rows; all ten seed headings stay; the critic's verdict says when it did not run.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pydantic_ai import models as pai_models
from typer.testing import CliRunner

from pmstudio.agents.answer import answer_args
from pmstudio.agents.messages import parse_prompt
from pmstudio.agents.sections import SectionDeps, check_output, empty_answer
from pmstudio.assemble import assemble_postmortem
from pmstudio.cli import app
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.schema import (
    SECTION_NAMES,
    Claim,
    ImpactSection,
    PostMortem,
    SummarySection,
    TimelineEntry,
    TimelineSection,
)
from pmstudio.testing import FakeProviderServer
from pmstudio.testing.factories import T0, sample_bundle

SEED_HEADINGS = ("# Post-Mortem: ", "## Executive Summary", "## Impact Assessment", "## Timeline",
                 "## Root Cause Analysis", "## Lessons Learned", "## Action Items", "## Prevention Strategies",
                 "## Supporting Information", "## Appendices")
runner = CliRunner()


@pytest.fixture
def srv(fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> FakeProviderServer:
    fake_server.reset()
    fake_server.configure(latency_s=0.0, strict=False)
    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    monkeypatch.setenv("PMSTUDIO_MAX_CONCURRENCY_OPENAI_COMPATIBLE", "8")
    return fake_server


def headings_in_order(markdown: str) -> None:
    at = -1
    for heading in SEED_HEADINGS:
        found = markdown.find("\n" + heading) if not heading.startswith("# ") else markdown.find(heading)
        assert found > at, f"{heading!r} missing or out of order"
        at = found


def section_text(markdown: str, heading: str) -> str:
    body = markdown.split("\n" + heading + "\n", 1)[1]
    return body.split("\n## ", 1)[0]


@pytest.mark.slow
def test_every_failure_class_exits_3_with_its_reason(srv: FakeProviderServer, tmp_path: Path) -> None:
    srv.add_fault("malformed", count=50, contains="section: impact")                 # validation
    srv.add_fault("500", count=50, contains="section: root_cause", retry_after=0)    # server error
    srv.add_fault("hang", count=50, hang_s=60, contains="section: supporting")       # timeout (per request)
    db, out = tmp_path / "pm.duckdb", tmp_path / "pm.md"
    model = f"openai-compatible:m@{srv.openai_base_url}?output=tool"
    result = runner.invoke(app, ["draft", "-", "-m", model, "--timeout", "0.4", "--no-fallback",
                                 "--max-revisions", "0", "--out", str(out), "--db", str(db)],
                           input="\n".join(f"2024-05-01 02:{m:02d} dana: step {m}" for m in range(0, 40, 5)))
    assert result.exit_code == 3, result.output
    lines = {ln.split()[1]: ln for ln in result.stderr.splitlines() if ln.startswith("section ")}
    assert lines["impact"].startswith("section impact failed: validation: ")
    assert lines["root_cause"].startswith("section root_cause failed: server error: ModelServerError")
    assert lines["supporting"].startswith("section supporting failed: timeout: ")
    assert set(lines) == {"impact", "root_cause", "supporting"}

    md = out.read_text()
    headings_in_order(md)
    assert "impact failed: validation: " in section_text(md, "## Impact Assessment")
    assert "root_cause failed: server error: " in section_text(md, "## Root Cause Analysis")
    assert "supporting failed: timeout: " in section_text(md, "## Supporting Information")
    assert "supporting failed: timeout: " in section_text(md, "## Appendices")
    assert "Section `supporting` failed to draft and needs a human. Reason: timeout: " in section_text(
        md, "## Review Notes")
    with duckdb.connect(str(db), read_only=True) as con:
        rows = dict(con.execute("SELECT section, error FROM sections WHERE status = 'failed'").fetchall())
    assert rows["impact"].startswith("validation: ") and rows["root_cause"].startswith("server error: ")
    assert rows["supporting"].startswith("timeout: ")


def test_deadline_reason_and_an_honest_critic_verdict(srv: FakeProviderServer) -> None:
    from pmstudio.critic import verdict
    from pmstudio.render import render_markdown

    srv.add_fault("hang", count=50, hang_s=60, contains="section: lessons")
    model = f"openai-compatible:m@{srv.openai_base_url}?output=tool"
    record = asyncio.run(draft_postmortem(sample_bundle(), model=model,
                                          settings=DraftSettings(max_revisions=0, deadline_s=1.5, timeout_s=30)))
    pm = record.postmortem
    assert pm is not None and record.status == "partial"
    # actions and summary are not given lessons as context: they do not wait for it, and finish
    assert {f.section: f.reason for f in pm.failures} == {"lessons": "deadline"}
    assert record.critic.not_run == "deadline" and record.critic.critic == "lints+agent"
    assert record.critic.findings  # the lints ran over what stands (e.g. the missing sections)
    assert verdict(record.critic.findings, 0, record.critic.not_run).startswith("critic: not run (deadline); lints: ")
    md = render_markdown(pm, critic=record.critic)
    headings_in_order(md)
    assert "lessons failed: deadline: draft deadline of 1.5 s passed" in section_text(md, "## Lessons Learned")
    assert "agent not run: deadline" in section_text(md, "## Review Notes")


def test_fallback_is_marked_everywhere(srv: FakeProviderServer, tmp_path: Path) -> None:
    srv.add_fault("malformed", count=50, contains="section: impact")
    model = f"openai-compatible:m@{srv.openai_base_url}?output=tool"
    out, db = tmp_path / "pm.json", tmp_path / "pm.duckdb"
    result = runner.invoke(app, ["draft", "-", "-m", model, "--max-revisions", "0", "--format", "json",
                                 "--out", str(out), "--db", str(db)],
                           input="2024-05-01 02:00 dana: checkout 5xx\n2024-05-01 02:20 sam: rolled back, fixed\n")
    assert result.exit_code == 3, result.output
    assert "section impact failed: validation: " in result.stderr and "(offline fallback)" in result.stderr
    assert "; output mode tool; " in result.stderr  # the closing note names the mode used
    pm = PostMortem.model_validate_json(out.read_text())
    assert pm.impact is not None and pm.failed_sections == [] and pm.fallback_sections == ["impact"]
    assert pm.failures[0].reason == "validation" and pm.failures[0].fallback
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT agent, status, error FROM sections WHERE section = 'impact' ORDER BY status").fetchall()
        md = con.execute("SELECT markdown FROM drafts").fetchone()[0]  # type: ignore[index]
    assert [r[:2] for r in rows] == [("impact", "failed"), ("offline-fallback", "fallback")]
    assert rows[1][2].startswith("validation: ")
    assert "_(offline fallback: validation)_" in section_text(md, "## Impact Assessment")


def test_library_default_has_no_fallback_and_rerun_redrafts_fallbacks(srv: FakeProviderServer) -> None:
    srv.add_fault("malformed", count=50, contains="section: lessons")
    model = f"openai-compatible:m@{srv.openai_base_url}?output=tool"
    plain = asyncio.run(draft_postmortem(sample_bundle(), model=model, settings=DraftSettings(max_revisions=0)))
    assert plain.status == "partial" and plain.postmortem and plain.postmortem.failed_sections == ["lessons"]
    srv.reset()
    srv.add_fault("malformed", count=50, contains="section: lessons")
    fb = asyncio.run(draft_postmortem(sample_bundle(), model=model,
                                      settings=DraftSettings(max_revisions=0, fallback=True)))
    assert fb.status == "partial" and fb.postmortem and fb.postmortem.fallback_sections == ["lessons"]
    srv.reset()
    again = asyncio.run(draft_postmortem(sample_bundle(), model=model, settings=DraftSettings(max_revisions=0),
                                         reuse=fb))
    assert again.status == "ok" and any("section: lessons" in json.dumps(e["body"]) for e in srv.log())


def test_empty_answers_fail_as_validation(srv: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolCallPart, UserPromptPart
    from pydantic_ai.models.function import AgentInfo, FunctionModel

    def empty(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        tool = info.output_tools[0]
        first = messages[0]
        assert isinstance(first, ModelRequest)
        section = parse_prompt("\n".join(str(p.content) for p in first.parts if isinstance(p, UserPromptPart))).section
        args: dict[str, Any] = {}
        if section == "impact":
            claim = {"text": "", "evidence": []}
            args = {"severity": "low", **{k: claim for k in ImpactSection.model_fields if k not in (
                "severity", "severity_rationale", "duration_minutes")}}
        if section == "summary":
            args = {"title": "Summary Section", "summary": "  "}
        return ModelResponse(parts=[ToolCallPart(tool.name, answer_args(section, args))])

    record = asyncio.run(draft_postmortem(sample_bundle(), model=FunctionModel(empty),
                                          settings=DraftSettings(max_revisions=0, use_critic_agent=False)))
    assert record.status == "failed" and record.postmortem is not None
    assert {f.reason for f in record.postmortem.failures} == {"validation"}
    assert len(record.postmortem.failed_sections) == len(SECTION_NAMES)


def deps() -> SectionDeps:
    b = sample_bundle()
    times = tuple(e.at for e in b.evidence if e.at is not None)
    return SectionDeps(section="x", instructions="", evidence_ids=frozenset(e.id for e in b.evidence),
                       evidence_times=times)


def test_times_must_name_an_evidence_minute() -> None:
    d = deps()  # evidence at 02:00, 02:03, 02:05, 02:12, 02:20, 02:30 (no seconds in the source)
    tl = TimelineSection(entries=[
        TimelineEntry(at=T0 + timedelta(minutes=3, seconds=34), phase="detection", text="paged", evidence=["chat.txt:2"]),
        TimelineEntry(at=T0 + timedelta(minutes=4, seconds=10), phase="investigation", text="x", evidence=["chat.txt:3"]),
    ], started_at=T0 + timedelta(minutes=11, seconds=50))
    problems = check_output("timeline", tl, d)
    assert [e.at for e in tl.entries] == [T0 + timedelta(minutes=3)]  # same minute: the source's time is kept
    assert tl.started_at is None  # 02:11:50 is within 60 s of 02:12 but names another minute
    assert len(problems) == 2 and all("appears in no evidence item" in p for p in problems)


def test_duration_is_bounded_by_the_evidence_span() -> None:
    claim = Claim(text="x", evidence=["chat.txt:1"])
    fields = {k: claim for k in ImpactSection.model_fields if k not in ("severity", "severity_rationale", "duration_minutes")}
    for minutes, kept in ((30, 30), (32, None), (738110795174, None), (-5, None)):
        im = ImpactSection(severity="high", duration_minutes=minutes, **fields)  # evidence spans 30 min
        problems = check_output("impact", im, deps())
        assert im.duration_minutes == kept and bool(problems) == (kept is None)


def test_empty_answer_rules() -> None:
    d = deps()
    assert empty_answer("summary", SummarySection(title="A title", summary=" "), d)
    assert not empty_answer("summary", SummarySection(title="", summary="It broke."), d)
    assert empty_answer("timeline", TimelineSection(), d)
    no_times = SectionDeps(section="timeline", instructions="", evidence_ids=frozenset(), evidence_times=())
    assert not empty_answer("timeline", TimelineSection(), no_times)  # nothing to put on a timeline


def test_title_and_date_never_come_from_an_agent_free_field() -> None:
    b = sample_bundle()
    later = b.model_copy(update={"evidence": [e.model_copy(update={"at": e.at - timedelta(days=3)}) if i == 0 else e
                                              for i, e in enumerate(b.evidence)]})
    pm = assemble_postmortem(later, {"summary": SummarySection(title="Summary Section", summary="s")},
                             model="m", prompt_set="p")
    assert pm.header.title == b.title
    assert pm.header.date == "Not stated in the materials."  # not the earliest evidence's date (3 days before)
    tl = TimelineSection(started_at=datetime(2024, 5, 1, 2, 0, tzinfo=UTC))
    assert assemble_postmortem(later, {"timeline": tl}, model="m", prompt_set="p").header.date == "2024-05-01"
