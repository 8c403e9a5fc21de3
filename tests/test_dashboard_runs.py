"""Runs page with Streamlit's AppTest: draft runs listed, a run's draft opens in the Draft page."""

from __future__ import annotations

from .test_dashboard_draft import _app, _seed_draft  # noqa: TID252


def test_runs_page_lists_draft_runs_and_opens_one() -> None:
    draft_id = _seed_draft()
    at = _app().run()
    at.switch_page("views/runs.py").run()
    assert not at.exception
    runs = at.dataframe[0].value
    assert list(runs["kind"]) == ["draft"] and list(runs["drafts"]) == [1]
    for column in ("models", "prompt_hashes", "code_version", "cost_usd", "status"):
        assert column in runs.columns
    at.button(key="runs_open").click().run()
    assert not at.exception
    assert at.session_state["draft_id"] == draft_id
    assert at.query_params["draft"] == draft_id  # the Draft page put the open draft back in the URL
    assert len(at.tabs) == 8


def test_runs_page_filters_by_kind() -> None:
    _seed_draft()
    at = _app().run()
    at.switch_page("views/runs.py").run()
    at.segmented_control(key="runs_kind").set_value("eval").run()
    assert not at.exception
    assert at.dataframe[0].value.empty
