"""Reviewer feedback in the dashboard with AppTest: a dismissed finding, a section rating and a pairwise
preference go into DuckDB through store.feedback and show on the Calibration page; calibration figures render."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from pmstudio.schema import Finding
from pmstudio.store.feedback import latest_findings, latest_preferences, latest_ratings
from pmstudio.store.queries import get_draft

from .test_dashboard_draft import ROOT, _app, _seed_draft, keyed  # noqa: TID252


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One offline eval run of one golden case under two prompt sets (two drafts to compare)."""
    from pmstudio.evals.runner import EvalSettings, Runner
    from pmstudio.golden import load_dataset

    db = tmp_path_factory.mktemp("calib") / "seeded.duckdb"
    cases = [c for c in load_dataset(ROOT / "datasets" / "golden") if c.id.startswith("docsrs")]
    settings = EvalSettings(prompt_sets=["default", "seed-single-shot"], max_revisions=0, metrics=["timeline_recall"])
    asyncio.run(Runner(cases, settings, db=db).run())
    return db


@pytest.fixture
def db(seeded: Path) -> Path:
    path = Path(os.environ["PMSTUDIO_DB"])
    shutil.copy(seeded, path)
    return path


def _submit(at: Any, form_key: str) -> None:
    buttons = [b for b in at.button if form_key in (b.id or "") or form_key in (b.key or "")]
    assert len(buttons) == 1, (form_key, [(b.key, b.id) for b in at.button if "fb_" in (b.id or b.key or "")])
    buttons[0].click().run()


def test_calibration_page_on_an_empty_database() -> None:
    at = _app().run()
    at.switch_page("views/calibration.py").run()
    assert not at.exception
    assert any("No calibration yet" in i.value for i in at.info)


def test_each_kind_of_feedback_round_trips_onto_the_calibration_page(db: Path) -> None:
    view = get_draft(_seed_draft())
    assert view is not None and view.postmortem is not None and view.postmortem.summary is not None
    span = view.postmortem.summary.summary.split()[0]
    draft_id = _seed_draft([Finding(rule="B7-x", severity="medium", section="summary", span=span, message="t")])
    at = _app()
    at.query_params["draft"] = draft_id
    at.run()
    assert not at.exception
    # finding: Dismiss with a reason
    from pmstudio.store.feedback import finding_id

    fid = finding_id("B7-x", "summary", span)
    keyed(at.text_input, f"draft_dismiss_reason_{draft_id}_{fid}").input("fine as written")
    keyed(at.button, f"draft_dismiss_{draft_id}_{fid}").click().run()
    assert not at.exception
    # rating: the Timeline section, 4/5 with a reason
    at.radio(key=f"fb_rate_value_{draft_id}_timeline").set_value(4)
    at.text_input(key=f"fb_rate_reason_{draft_id}_timeline").input("right order, one noisy entry")
    _submit(at, f"fb_rate_{draft_id}_timeline")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("timeline rated 4" in s.value for s in at.success)
    found = latest_findings(db)
    assert found[["draft_id", "rule", "outcome", "reason"]].values.tolist() == [[draft_id, "B7-x", "dismiss", "fine as written"]]
    rated = latest_ratings(db)
    assert rated[["draft_id", "section", "rating", "reason"]].values.tolist() == [
        [draft_id, "timeline", 4, "right order, one noisy entry"]
    ]
    # a rating without a choice is refused with a message, nothing written
    _submit(at, f"fb_rate_{draft_id}_summary")
    assert any("Pick a rating" in e.value for e in at.error) and len(latest_ratings(db)) == 1

    # preference: Compare's drill-down, A vs B of one case
    at.switch_page("views/compare.py").run()
    assert not at.exception
    prefs = [r for r in at.radio if (r.key or "").startswith("fb_pref_value_")]
    assert len(prefs) == 1
    key = prefs[0].key.removeprefix("fb_pref_value_")
    prefs[0].set_value("B better")
    at.text_input(key=f"fb_pref_reason_{key}").input("tighter timeline")
    _submit(at, f"fb_pref_{key}")
    assert not at.exception
    pref = latest_preferences(db)
    assert pref[["preference", "reason", "case_id"]].values.tolist() == [["B", "tighter timeline", "docsrs-2019-10-21-disk-full"]]

    # all three on the Calibration page
    at.switch_page("views/calibration.py").run()
    assert not at.exception
    labels = at.dataframe[-1].value
    assert set(labels["kind"]) == {"finding", "rating", "preference"}
    assert {"dismiss B7-x", "4/5", "B better"} <= set(labels["label"])
    assert "tighter timeline" in set(labels["reason"])


def test_calibration_figures_render_with_ci_chart(db: Path) -> None:
    from pmstudio.evals.calibration import Agreement, CalibrationReport
    from pmstudio.store.calibration import record_calibration

    rows = [
        Agreement(kind="metric", name="timeline_recall", statistic="spearman", value=0.9, lo=0.8, hi=0.95, n=50,
                  calibrated=True),
        Agreement(kind="metric", name="timeline_recall", statistic="kappa", value=0.55, lo=0.3, hi=0.7, n=50, calibrated=True),
        Agreement(kind="metric", name="factor_precision", statistic="spearman", value=-0.04, lo=-0.3, hi=0.2, n=50),
        Agreement(kind="judge", name="j1_root_cause", statistic="spearman", value=0.5, lo=0.3, hi=0.7, n=50, stand_in=True,
                  note="STAND-IN"),
        Agreement(kind="rule", name="B6-condescending", statistic="precision", value=0.27, lo=0.14, hi=0.46, n=26,
                  note="7 accepted / 19 dismissed"),
        Agreement(kind="threshold", name="TAU_FACTOR (factor matching)", statistic="threshold", value=0.4, current=0.2,
                  n=50, note="cv"),
    ]
    record_calibration(CalibrationReport(labels={"rating": 50}, rows=rows), path=db)
    at = _app().run()
    at.switch_page("views/calibration.py").run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 1  # agreement per metric with CI bars
    table = at.dataframe[0].value
    status = dict(zip(table["metric"], table["status"], strict=True))
    assert status == {"timeline_recall": "calibrated", "factor_precision": "uncalibrated",
                      "j1_root_cause (judge)": "stand-in (not a judge score)"}
    assert at.dataframe[1].value["rule"].tolist() == ["B6-condescending"]
    assert at.dataframe[2].value[["in use", "fitted"]].values.tolist() == [[0.2, 0.4]]
    at.radio(key="calib_stat").set_value("kappa").run()
    assert not at.exception
