"""Edits: a finding's replacement replaces exactly the span in its section (advice never does); section edits are validated."""

from __future__ import annotations

import asyncio

import pytest
from pydantic_ai.models.function import FunctionModel

from pmstudio import orchestrator
from pmstudio.edits import EditError, apply_replacement, replace_section
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.schema import Finding, PostMortem
from pmstudio.testing.factories import sample_bundle

from .test_orchestrator import Scripted  # noqa: TID252


@pytest.fixture
def pm(monkeypatch: pytest.MonkeyPatch) -> PostMortem:
    monkeypatch.setattr(orchestrator, "review", lambda pm, bundle: [])
    bundle = sample_bundle()
    record = asyncio.run(draft_postmortem(bundle, model=FunctionModel(Scripted(bundle)), settings=DraftSettings(max_revisions=0)))
    assert record.postmortem is not None
    return record.postmortem


def test_apply_replacement_rewrites_only_the_span(pm: PostMortem) -> None:
    assert pm.summary is not None
    f = Finding(rule="B6-condescending", severity="low", section="summary", span="a rollback", message="m",
                replacement="the rollback", advice="Say which rollback.")
    out = apply_replacement(pm, f)
    assert out.summary is not None and "the rollback restored" in out.summary.summary
    assert out.summary.evidence == pm.summary.evidence
    assert out.timeline == pm.timeline


def test_apply_replacement_errors(pm: PostMortem) -> None:
    with pytest.raises(EditError, match="no replacement text"):
        apply_replacement(pm, Finding(rule="X", severity="low", section="summary", span="a", message="m"))
    with pytest.raises(EditError, match="does not occur in section 'summary'"):
        apply_replacement(pm, Finding(rule="X", severity="low", section="summary", span="zzz", message="m", replacement="y"))


def test_advice_is_never_written_into_the_document(pm: PostMortem) -> None:
    """Issue 12: Apply wrote the critic's advice ("Link it to the factor it addresses (add factor ids).") as a title."""
    assert pm.actions is not None
    title = pm.actions.action_items[0].title
    advice = "Link it to the factor it addresses (add factor ids)."
    f = Finding(rule="C10-action-factor-link", severity="medium", section="actions", span=title, message="m",
                suggestion=advice)  # a stored row from before the contract: its text is advice
    assert f.advice == advice and f.replacement is None
    with pytest.raises(EditError, match="no replacement text"):
        apply_replacement(pm, f)


def test_a_replacement_may_delete_the_span(pm: PostMortem) -> None:
    assert pm.summary is not None
    f = Finding(rule="B6", severity="low", section="summary", span="a rollback", message="m", replacement="")
    out = apply_replacement(pm, f)
    assert out.summary is not None and "a rollback" not in out.summary.summary and "  " not in out.summary.summary


def test_heading_findings_are_not_applied_as_text(pm: PostMortem) -> None:
    """Issue 12: Apply on a heading finding said "the text 'Root Cause Analysis' is no longer in root_cause"."""
    f = Finding(rule="C7-few-factors", severity="medium", section="root_cause", span="Contributing Factors",
                message="m", advice="Add a second contributing factor.")
    from pmstudio.findings import with_replacements

    assert with_replacements([f])[0].replacement is None  # advice stays advice: the page offers Dismiss and Edit



def test_replace_section_validates(pm: PostMortem) -> None:
    out = replace_section(pm, "summary", '{"title": "New", "summary": "Edited by hand.", "evidence": []}')
    assert out.summary is not None and out.summary.summary == "Edited by hand."
    with pytest.raises(EditError, match="summary"):
        replace_section(pm, "summary", '{"title": 3}')
    with pytest.raises(EditError, match="summary"):
        replace_section(pm, "summary", "{not json")


def test_current_findings_drop_what_an_edit_resolved(pm: PostMortem) -> None:
    from pmstudio.edits import current_findings
    from pmstudio.schema import CriticReport

    assert pm.summary is not None
    f = Finding(rule="B6-condescending", severity="low", section="summary", span="a rollback", message="m", replacement="the rollback")
    other = Finding(rule="X", severity="medium", section="timeline", span="not in the draft anywhere", message="m")
    gone = Finding(rule="Y", severity="high", section="impact", span="", message="no span: kept")
    stored = CriticReport(findings=[f, other, gone], history=[f], rounds=2, critic="lints")
    now = current_findings(pm, None, stored)
    assert [x.rule for x in now.findings] == ["B6-condescending", "Y"]  # a span no longer present is resolved
    after = current_findings(apply_replacement(pm, f), None, stored)
    assert [x.rule for x in after.findings] == ["Y"]
    assert after.history == [f] and after.rounds == 2


def test_current_findings_add_lint_findings_an_edit_introduced(pm: PostMortem) -> None:
    from pmstudio.edits import current_findings
    from pmstudio.schema import CriticReport
    from pmstudio.testing.factories import sample_bundle

    assert pm.summary is not None
    blamed = replace_section(pm, "summary", {**pm.summary.model_dump(mode="json"),
                                             "summary": "The outage happened because the on-call engineer was careless."})
    now = current_findings(blamed, sample_bundle(), CriticReport())
    assert any(x.section == "summary" and x.rule.startswith("B") for x in now.findings), now.findings
