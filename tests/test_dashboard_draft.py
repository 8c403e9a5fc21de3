"""Dashboard pages with Streamlit's AppTest: drafting offline end to end, rewrites, edits, errors, empty state."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pmstudio.ingest import load_bundle
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.render import render_markdown
from pmstudio.schema import Finding
from pmstudio.store import record_draft
from pmstudio.store.queries import get_draft, list_drafts

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")
EXAMPLE = ROOT / "datasets" / "examples" / "docsrs-disk-full"


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=120)


def _seed_draft(findings: list[Finding] | None = None) -> str:
    bundle, _ = load_bundle(EXAMPLE)
    record = asyncio.run(draft_postmortem(bundle, settings=DraftSettings(max_revisions=0)))
    assert record.postmortem is not None
    if findings is not None:
        record.critic.findings = findings
        record.critic.history = findings
    record_draft(record, bundle, markdown=render_markdown(record.postmortem, bundle=bundle))
    return record.draft_id


@pytest.mark.parametrize("page", ["views/draft.py", "views/compare.py", "views/runs.py"])
def test_every_page_renders_on_an_empty_database(page: str) -> None:
    at = _app().run()
    if page != "views/draft.py":
        at.switch_page(page).run()
    assert not at.exception
    assert at.info, "an empty database explains what to do"
    assert list_drafts().empty


def test_draft_pasted_text_offline_end_to_end() -> None:
    at = _app().run()
    at.text_area(key="draft_paste").input((EXAMPLE / "ops-channel.txt").read_text())
    at.text_input(key="draft_tz").input("Europe/Berlin")
    at.button(key="draft_go").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    drafts = list_drafts()
    assert len(drafts) == 1
    assert at.query_params["draft"] == drafts["draft_id"][0]
    assert len(at.tabs) == 8  # seven sections + Markdown
    code = "\n".join(c.value for c in at.code)
    for heading in ("## Executive Summary", "## Timeline", "## Root Cause Analysis", "## Action Items"):
        assert heading in code
    # evidence links: each timeline entry has an expander with its source line
    assert any(e.label.startswith("evidence: pasted.txt:") for e in at.expander)


def test_upload_golden_yaml_and_slack_json() -> None:
    at = _app().run()
    golden = ROOT / "datasets" / "golden" / "github-2023-11-03-authz-memory-leak.yaml"
    at.file_uploader(key="draft_upload").upload(golden.name, golden.read_bytes()).run()
    at.button(key="draft_go").click().run()
    assert not at.exception and not at.error
    view = get_draft(str(list_drafts()["draft_id"][0]))
    assert view is not None and view.bundle is not None
    assert view.bundle.id == "github-2023-11-03-authz-memory-leak"
    assert {m.kind for m in view.bundle.materials} >= {"slack_export", "pagerduty"}


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [("dump.bin", bytes(range(256)), "not UTF-8"), ("empty.txt", b"  ", "empty"), ("bad.yaml", b"materials: [", "malformed YAML")],
)
def test_bad_upload_gives_a_clear_error(name: str, content: bytes, needle: str) -> None:
    at = _app().run()
    at.file_uploader(key="draft_upload").upload(name, content).run()
    at.button(key="draft_go").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and name in errors[0] and needle in errors[0], errors
    assert list_drafts().empty


def test_unconfigured_model_is_refused_before_work() -> None:
    at = _app().run()
    at.text_area(key="draft_paste").input("10:00 ana: api is down")
    at.text_input(key="draft_model_custom").input("anthropic:claude-sonnet-4-6")
    at.button(key="draft_go").click().run()
    assert any("ANTHROPIC_API_KEY" in e.value for e in at.error)
    assert list_drafts().empty


def test_apply_suggested_rewrite_in_one_click() -> None:
    draft_id = _seed_draft()
    view = get_draft(draft_id)
    assert view is not None and view.postmortem is not None and view.postmortem.summary is not None
    words = view.postmortem.summary.summary.split()
    span = " ".join(words[:3])
    finding = Finding(rule="B6-condescending", severity="low", section="summary", span=span, message="test",
                      suggestion="REWRITTEN BY TEST")
    draft_id = _seed_draft([finding])
    at = _app()
    at.query_params["draft"] = draft_id
    at.run()
    assert not at.exception
    at.button(key="draft_apply_summary_0").click().run()
    assert not at.exception
    after = get_draft(draft_id)
    assert after is not None and after.postmortem is not None and after.postmortem.summary is not None
    assert after.postmortem.summary.summary.startswith("REWRITTEN BY TEST")
    assert "REWRITTEN BY TEST" in (after.markdown or "")


def test_edit_a_section_is_validated_and_autosaved() -> None:
    draft_id = _seed_draft()
    at = _app()
    at.query_params["draft"] = draft_id
    at.run()
    at.text_area(key="draft_edit_summary").input(json.dumps({"title": "Edited", "summary": "Edited by a person.", "evidence": []}))
    at.button(key="draft_save_summary").click().run()
    assert not at.exception
    view = get_draft(draft_id)
    assert view is not None and view.postmortem is not None and view.postmortem.summary is not None
    assert view.postmortem.summary.summary == "Edited by a person."
    # a reload (new session) shows the saved edit
    again = _app()
    again.query_params["draft"] = draft_id
    again.run()
    assert any("Edited by a person." in c.value for c in again.code)
    # invalid JSON is refused with an error and nothing changes
    again.text_area(key="draft_edit_summary").input('{"title": 1}')
    again.button(key="draft_save_summary").click().run()
    assert any("summary" in e.value for e in again.error)
    view2 = get_draft(draft_id)
    assert view2 is not None and view2.postmortem is not None and view2.postmortem.summary is not None
    assert view2.postmortem.summary.summary == "Edited by a person."


def test_material_text_is_never_rendered_as_html_or_links() -> None:
    at = _app().run()
    chat = "10:00 eve: see <img src=x onerror=alert(1)> and ![x](http://198.51.100.7/p.png) [click](http://x)\n10:05 eve: resolved"
    at.text_area(key="draft_paste").input(chat)
    at.button(key="draft_go").click().run()
    assert not at.exception
    for md in at.markdown:
        assert "<img" not in md.value and "](http" not in md.value
    assert not at.get("html")


def test_runs_page_lists_draft_runs_and_opens_one() -> None:
    draft_id = _seed_draft()
    at = _app().run()
    at.switch_page("views/runs.py").run()
    assert not at.exception
    assert at.dataframe
    at.button(key="runs_open").click().run()
    assert not at.exception
    assert at.session_state["draft_id"] == draft_id
    assert at.query_params["draft"] == draft_id  # the Draft page put the open draft back in the URL
    assert len(at.tabs) == 8


def test_compare_page_with_a_seeded_eval_run() -> None:
    from pmstudio.evals.runner import EvalSettings, Runner
    from pmstudio.golden import load_dataset

    cases = [c for c in load_dataset(ROOT / "datasets" / "golden") if c.id.startswith(("docsrs", "pivotal"))]
    asyncio.run(Runner(cases, EvalSettings(prompt_sets=["default", "seed-single-shot"], max_revisions=0)).run())
    at = _app().run()
    at.switch_page("views/compare.py").run()
    assert not at.exception
    assert [s.value for s in at.subheader][:2] == ["Leaderboard", "Metric by variant (mean with 95% CI)"]
    board = at.dataframe[0].value
    assert list(board.columns) == ["offline | default", "offline | seed-single-shot"]
    assert "key_milestones" in board.index
    # drill-down: two variants of one case side by side, with their per-metric scores
    assert at.selectbox(key="compare_case").value.startswith(("docsrs", "pivotal"))
    assert at.selectbox(key="compare_a").value != at.selectbox(key="compare_b").value
    assert any(e.label.startswith("Timeline") for e in at.expander)
    # filtering by a failure class keeps the page working
    at.selectbox(key="compare_class").select("certificate_expiry").run()
    assert not at.exception
