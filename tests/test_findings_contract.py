"""The findings contract: a finding's section is one of the template's sections, its span occurs in that
section, and only `replacement` (never `advice`) is written into a draft. Checked at the critic agent's
boundary (retry, then drop and record) and when stored findings are read back (misfits become notes)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from pydantic_ai.messages import ModelMessage, RetryPromptPart, ToolReturnPart
from pydantic_ai.models.function import FunctionModel

from pmstudio import orchestrator
from pmstudio.edits import current_findings
from pmstudio.findings import report_from_json, with_replacements
from pmstudio.ingest import load_bundle
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.render import render_markdown
from pmstudio.schema import CriticReport, Finding
from pmstudio.store import record_draft
from pmstudio.store.db import connect
from pmstudio.store.queries import draft_findings, get_draft
from pmstudio.testing.factories import sample_bundle

from .test_orchestrator import Scripted  # noqa: TID252

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "docsrs-disk-full"


def test_section_is_an_enum_not_free_text() -> None:
    with pytest.raises(ValidationError, match="section"):
        Finding(rule="R", severity="low", section="x", span="a", message="m")  # type: ignore[arg-type]
    schema = Finding.model_json_schema()
    assert "enum" in schema["properties"]["section"]
    assert {"advice", "replacement"} <= set(schema["properties"])


def _critic_body(findings: list[dict[str, Any]], seen: list[list[str]]):  # type: ignore[no-untyped-def]
    def hook(parsed: Any, messages: list[ModelMessage]) -> dict[str, Any]:
        seen.append([str(p.content) for m in messages for p in getattr(m, "parts", [])
                     if isinstance(p, RetryPromptPart | ToolReturnPart)])
        return {"findings": findings}

    return hook


def test_critic_findings_pointing_nowhere_are_retried_then_dropped_and_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orchestrator, "review", lambda pm, bundle: [])
    bundle = sample_bundle()
    body = Scripted(bundle)
    seen: list[list[str]] = []
    good = {"rule": "A1", "severity": "low", "section": "summary", "span": "a rollback", "message": "m",
            "advice": "Say which rollback.", "replacement": "the rollback"}
    bad = {"rule": "A2", "severity": "high", "section": "root_cause", "span": "nowhere in the draft", "message": "m"}
    body.overrides["critic"] = _critic_body([good, bad], seen)
    record = asyncio.run(draft_postmortem(bundle, model=FunctionModel(body), settings=DraftSettings(max_revisions=0)))
    assert record.status == "ok"
    assert [f.rule for f in record.critic.findings] == ["A1"]
    assert record.critic.findings[0].source == "agent" and record.critic.findings[0].replacement == "the rollback"
    assert len(seen) == 3  # the first answer and two retries
    assert "A2: the span 'nowhere in the draft' does not occur in section 'root_cause'" in seen[1][0]
    critic = next(s for s in record.sections if s.section == "critic")
    assert critic.status == "done" and any("A2" in d for d in critic.dropped)


def test_a_finding_the_critic_reports_twice_is_kept_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # one id (rule, section, span) is one finding: the dashboard keys its Apply/Accept buttons on it
    monkeypatch.setattr(orchestrator, "review", lambda pm, bundle: [])
    bundle = sample_bundle()
    body = Scripted(bundle)
    twice = {"rule": "A1", "severity": "low", "section": "summary", "span": "a rollback", "message": "m",
             "replacement": "the rollback"}
    body.overrides["critic"] = _critic_body([twice, {**twice, "message": "said again"}], [])
    record = asyncio.run(draft_postmortem(bundle, model=FunctionModel(body), settings=DraftSettings(max_revisions=0)))
    assert [(f.rule, f.message) for f in record.critic.findings] == [("A1", "m")]


def test_critic_free_text_section_fails_only_the_critic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(orchestrator, "review", lambda pm, bundle: [])
    bundle = sample_bundle()
    body = Scripted(bundle)
    body.overrides["critic"] = _critic_body(
        [{"rule": "A1", "severity": "low", "section": "x", "span": "a rollback", "message": "m"}], []
    )
    record = asyncio.run(draft_postmortem(bundle, model=FunctionModel(body), settings=DraftSettings(max_revisions=0)))
    assert record.status == "ok" and record.critic.findings == []
    critic = next(s for s in record.sections if s.section == "critic")
    assert critic.status == "failed" and critic.error


def test_revision_never_writes_advice_into_the_draft() -> None:
    """Issue 12: the revision loop wrote advice into text ("p99 latency > Compute it from two evidence times...")."""
    from .test_offline import BLAMEFUL, draft  # noqa: TID252

    first = draft(BLAMEFUL, "actions")
    title = first["action_items"][0]["title"]
    advice = ["Compute it from two evidence times, or remove it", "Link it to the factor it addresses (add factor ids)."]
    feedback = [
        Finding(rule="G2-ungrounded-number", severity="high", section="actions", span=title, message="m", advice=advice[0]),
        Finding(rule="C10-action-factor-link", severity="medium", section="actions", span=title, message="m",
                suggestion=advice[1]),
    ]
    revised = json.dumps(draft(BLAMEFUL, "actions", context={"previous_draft": first}, feedback=feedback))
    assert advice[0] not in revised and advice[1].rstrip(".") not in revised


def test_lint_replacements_are_only_exact_drop_ins() -> None:
    def one(advice: str, span: str = "simply") -> str | None:
        f = Finding(rule="R", severity="low", section="summary", span=span, message="m", advice=advice)
        return with_replacements([f])[0].replacement

    assert one('Drop the word: "simply" adds judgment, not information.') == ""
    assert one('Use "degradation" or "partial unavailability" and say what still worked.', "outage") == "degradation"
    assert one("Compute it from two evidence times, or remove it.") is None
    assert one("Link it to the factor it addresses (add factor ids).") is None
    assert one('Replace with a system safeguard, e.g. "Add a confirmation step"') is None


def _stored_with(findings_json: list[dict[str, Any]]) -> str:
    bundle, _ = load_bundle(EXAMPLE)
    record = asyncio.run(draft_postmortem(bundle, settings=DraftSettings(max_revisions=0)))
    assert record.postmortem is not None
    record_draft(record, bundle, markdown=render_markdown(record.postmortem, bundle=bundle))
    report = {"findings": findings_json, "history": findings_json, "rounds": 1, "critic": "lints+agent"}
    with connect() as con:
        con.execute("UPDATE drafts SET critic = ? WHERE draft_id = ?", [json.dumps(report), record.draft_id])
    return record.draft_id


def test_stored_rows_that_do_not_fit_are_notes_and_nothing_crashes() -> None:
    """Issue 12: 'PostMortem' object has no attribute 'x' from edits.current_findings -> _still_there."""
    old = {"rule": "agent-1", "severity": "high", "section": "x", "span": "y", "message": "free-text section",
           "suggestion": "Rewrite it.", "source": "agent"}
    junk = {"rule": "agent-2", "severity": "urgent", "section": "summary", "span": "z", "message": "bad severity"}
    fine = {"rule": "agent-3", "severity": "low", "section": "summary", "span": "", "message": "ok",
            "suggestion": "older advice"}
    draft_id = _stored_with([old, junk, fine, "not an object"])  # type: ignore[list-item]
    view = get_draft(draft_id)
    assert view is not None and view.postmortem is not None
    assert [f.rule for f in view.critic.findings] == ["agent-3"]
    assert view.critic.findings[0].advice == "older advice"
    assert len(view.critic.notes) == 3 and "agent-1 · x: free-text section" in view.critic.notes[0]
    now = current_findings(view.postmortem, view.bundle, view.critic)
    assert "agent-3" in [f.rule for f in now.findings] and now.notes == view.critic.notes
    assert draft_findings(draft_id).columns.tolist()[-3:] == ["advice", "replacement", "source"]


def test_report_from_json_never_raises() -> None:
    for text in (None, "", "{", "[]", '{"findings": 3}', '{"findings": [{"rule": 1}]}', '{"rounds": "x"}'):
        assert isinstance(report_from_json(text), CriticReport)


def test_a_stored_report_keeps_why_the_critic_did_not_run() -> None:
    """Read back from the store (runs show, the dashboard), a draft cut by its deadline still says the critic
    agent did not run (the real llama-cpp-python run read back 'not run: -')."""
    stored = CriticReport(critic="lints+agent", not_run="deadline").model_dump_json()
    assert report_from_json(stored).not_run == "deadline"
    assert report_from_json('{"not_run": 5}').not_run is None


def test_finding_sections_are_the_schema_sections_every_template_maps_onto(tmp_path: Path) -> None:
    """FindingSection is derived from SectionName (not a second list): the header, every schema section, the
    appendix and the public version; every built-in template's sections map onto it, and a team template
    cannot name a section outside it."""
    from typing import get_args

    from pmstudio.schema import SECTION_NAMES, FindingSection, SectionName
    from pmstudio.templates import TemplateError, builtin_templates, load_template

    assert get_args(FindingSection) == ("header", *get_args(SectionName), "appendix", "public")
    assert SECTION_NAMES == get_args(SectionName)
    for tpl in builtin_templates():
        assert {s.schema_name for s in tpl.sections} <= set(get_args(FindingSection)), tpl.name
    team = tmp_path / "team.yaml"
    team.write_text("name: team\nsource: us\nsections:\n  - {key: x, heading: X, schema: postmortem_mood, "
                    "fields: [{kind: prose, path: summary}]}\n")
    with pytest.raises(TemplateError, match="unknown schema type 'postmortem_mood'"):
        load_template(team)
    with pytest.raises(ValidationError):
        Finding(rule="B1", severity="high", section="postmortem_mood", span="x", message="m")  # type: ignore[arg-type]


def test_an_edit_replaces_the_span_only_where_it_stands_as_a_whole_token() -> None:
    """Replacing a flagged "15" keeps the "15" of a date, of 1500 and of 15.5%; a span found only inside a longer
    token does not point at the text."""
    from pmstudio.findings import replace_in

    data = {"text": "On 2024-04-15 about 1500 requests failed (15.5%) and 15 merchants wrote in.", "evidence": ["E1"]}
    out, n = replace_in(data, "15", "about 15")
    assert n == 1
    assert out["text"] == "On 2024-04-15 about 1500 requests failed (15.5%) and about 15 merchants wrote in."
    assert replace_in({"text": "The Davenport cluster restarted."}, "Dave", "the engineer")[1] == 0
