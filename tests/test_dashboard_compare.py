"""Compare page with Streamlit's AppTest over a seeded offline eval run (2 golden cases x 2 prompt sets)."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pmstudio.schema import CriticReport, Finding, PostMortem

from .test_dashboard_draft import ROOT, _app, unescape  # noqa: TID252

CASES = ("docsrs", "pivotal")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One offline eval run, made once per module; each test gets its own copy of the file."""
    from pmstudio.evals.runner import EvalSettings, Runner
    from pmstudio.golden import load_dataset

    db = tmp_path_factory.mktemp("compare") / "seeded.duckdb"
    cases = [c for c in load_dataset(ROOT / "datasets" / "golden") if c.id.startswith(CASES)]
    settings = EvalSettings(prompt_sets=["default", "seed-single-shot"], max_revisions=0)
    asyncio.run(Runner(cases, settings, db=db).run())
    return db


@pytest.fixture
def db(seeded: Path) -> Path:
    path = Path(os.environ["PMSTUDIO_DB"])
    shutil.copy(seeded, path)
    return path


def test_compare_page_with_a_seeded_eval_run(db: Path) -> None:
    from pmstudio.evals.calibration import Agreement, CalibrationReport
    from pmstudio.store.calibration import record_calibration

    # only calibrated metrics gate (issue 14): key_milestones meets the bar, section_completeness does not;
    # chronology is a safety invariant (thresholds.yaml) and gates while uncalibrated
    record_calibration(CalibrationReport(rows=[
        Agreement(kind="metric", name="key_milestones", statistic="spearman", value=0.7, n=50, calibrated=True),
        Agreement(kind="metric", name="section_completeness", statistic="spearman", value=0.5, n=50),
        Agreement(kind="metric", name="chronology", statistic="spearman", value=0.5, n=50),
    ]), path=db)
    at = _app().run()
    at.switch_page("views/compare.py").run()
    assert not at.exception
    assert [s.value for s in at.subheader][:2] == ["Leaderboard", "Metric by variant (mean with 95% CI)"]
    board = at.dataframe[0].value
    assert list(board.columns)[:7] == ["Metric", "Variant", "Gate", "Mean", "95% CI", "Pass rate", "n"]
    assert set(board["Variant"]) == {"offline | default", "offline | seed-single-shot"}
    assert "key_milestones" in set(board["Metric"])
    assert (board["Pass rate"].dropna() > 1).any()  # a percentage, not 0.8167
    gate = dict(zip(board["Metric"], board["Gate"], strict=False))
    assert gate["key_milestones"] == "gate" and gate["section_completeness"] == "uncalibrated"
    assert gate["chronology"] == "gate"
    assert len(at.get("vega_lite_chart")) == 1  # metric-by-variant with CI bars; cost/latency vs quality once opened
    at.session_state["compare_cost_open"] = True
    at.run()
    assert len(at.get("vega_lite_chart")) == 2
    # drill-down: two variants of one case side by side, section-aligned, with their per-section scores
    assert at.selectbox(key="compare_case").value.startswith(CASES)
    assert at.selectbox(key="compare_a").value != at.selectbox(key="compare_b").value
    labels = [e.label for e in at.expander]
    for title in ("Executive Summary", "Timeline", "Root Cause Analysis", "Action Items and Prevention"):
        assert any(label.startswith(title) for label in labels), (title, labels)
    assert not at.error  # the offline prompt sets score alike: nothing regressed
    # identical drafts: no "Header · differs", every section collapsed
    assert not [e.label for e in at.expander if "differs" in e.label and not e.label.startswith("Rendered")]
    # filtering by a failure class keeps the page working
    at.selectbox(key="compare_class").select("certificate_expiry").run()
    assert not at.exception


def test_regressions_and_findings_are_highlighted(db: Path) -> None:
    case = "docsrs-2019-10-21-disk-full"
    finding = Finding(rule="B1-person-as-cause", severity="high", section="root_cause", span="x", message="blames a person")
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE scores SET score = score - 0.5 WHERE prompt_set = 'seed-single-shot' AND case_id = ? "
                    "AND metric = 'key_milestones'", [case])
        con.execute("UPDATE drafts SET critic = ? WHERE draft_id IN (SELECT draft_id FROM eval_cells WHERE case_id = ? "
                    "AND prompt_set = 'seed-single-shot')", [CriticReport(findings=[finding]).model_dump_json(), case])
    at = _app().run()
    at.switch_page("views/compare.py").run()
    at.selectbox(key="compare_case").select(case).run()
    assert not at.exception
    errors = [unescape(e.value) for e in at.error]
    assert any("Regressed cases" in e for e in errors), errors  # paired diffs against the baseline
    links = [m.value for m in at.markdown if "&case=" in m.value]
    assert any(f"case={case}" in link and unescape(link).startswith(f"- [{case}](?runs=") for link in links), links
    assert any("B scores lower than A" in e and "key_milestones" in e for e in errors), errors
    timeline = next(e for e in at.expander if e.label.startswith("Timeline"))
    assert "B regressed" in timeline.label
    root = next(e for e in at.expander if e.label.startswith("Root Cause Analysis"))
    assert "B regressed" not in root.label
    assert any("B1-person-as-cause" in unescape(w.value) and "blames a person" in w.value for w in at.warning)


def test_runs_page_opens_an_eval_run_in_compare(db: Path) -> None:
    at = _app().run()
    at.switch_page("views/runs.py").run()
    rid = at.selectbox(key="runs_pick").value
    at.button(key="runs_compare").click().run()
    assert not at.exception
    assert at.multiselect(key="compare_runs").value == [rid]
    assert [s.value for s in at.subheader][0] == "Leaderboard"


def test_choices_live_in_the_url_and_running_runs_are_never_the_default(db: Path) -> None:
    from pmstudio.store.writes import start_run

    running = start_run("eval", command="eval", path=db)  # an eval that has not finished yet
    at = _app().run()
    at.switch_page("views/compare.py").run()
    assert not at.exception
    chosen = at.multiselect(key="compare_runs").value
    assert chosen and running not in chosen  # never picked by default
    assert any(o.startswith("running · ") for o in at.multiselect(key="compare_runs").options)
    case = at.selectbox(key="compare_case").options[-1]
    at.selectbox(key="compare_case").select(case).run()
    assert at.query_params["case"] == case and at.query_params["runs"] == ",".join(chosen)
    # a new session opened on that URL (a shared link, or after a page switch) restores the choices
    again = _app()
    for key in ("runs", "case", "class"):
        again.query_params[key] = at.query_params[key]
    again.run()
    again.switch_page("views/compare.py").run()
    assert again.selectbox(key="compare_case").value == case
    assert again.multiselect(key="compare_runs").value == chosen


def test_the_failure_class_filter_reaches_the_drill_down(db: Path) -> None:
    at = _app().run()
    at.switch_page("views/compare.py").run()
    at.selectbox(key="compare_class").select("certificate_expiry").run()
    assert not at.exception
    cases = at.selectbox(key="compare_case").options if at.selectbox else []
    assert all(not c.startswith("docsrs") for c in cases), cases


def test_word_diff_marks_changed_words_and_escapes_them() -> None:
    from pmstudio.ui.leaderboard import word_diff

    out = word_diff("The disk filled up at www.x.com", "The disk was <b>full</b> at www.x.com")
    assert "~~filled~~" in out and ":green-background[was" in out and "<b>" not in out
    assert word_diff("same text", "same text") == "same text"


def test_a_running_run_reads_running_not_nan(db: Path) -> None:
    from pmstudio.store.writes import start_run

    running = start_run("eval", command="eval", path=db)  # no cells yet: no models, no prompt sets
    at = _app().run()
    at.switch_page("views/compare.py").run()
    label = at.multiselect(key="compare_runs").format_func(running)
    assert label.startswith("running · ") and "nan" not in label and "no cells yet" in label, label


def test_choices_survive_a_page_switch_that_drops_the_query_string(db: Path) -> None:
    case = "pivotal-pws-2017-03-31-ssl-certificate-expiry"
    at = _app().run()
    at.switch_page("views/compare.py").run()
    at.selectbox(key="compare_class").select("certificate_expiry").run()
    assert at.selectbox(key="compare_case").options == [case]  # the filter reaches the drill-down's cases
    at.selectbox(key="compare_b").select(at.selectbox(key="compare_a").value).run()
    b = at.selectbox(key="compare_b").value
    at.switch_page("views/runs.py").run()
    at.query_params.clear()  # what a browser does on a page switch
    at.switch_page("views/compare.py").run()
    assert not at.exception
    assert at.selectbox(key="compare_class").value == "certificate_expiry"
    assert at.selectbox(key="compare_case").value == case
    assert at.selectbox(key="compare_b").value == b
    assert at.query_params["case"] == case  # and the URL carries them again


def test_the_page_follows_database_changes(db: Path) -> None:
    from pmstudio.store.writes import finish_run, start_run

    at = _app().run()
    at.switch_page("views/compare.py").run()
    before = len(at.multiselect(key="compare_runs").options)
    rid = start_run("eval", command="eval", path=db)
    finish_run(rid, "ok", path=db)
    at.run()
    assert len(at.multiselect(key="compare_runs").options) == before + 1  # cached queries see the change


def test_the_drill_down_diff_escapes_incident_text(db: Path) -> None:
    case = "docsrs-2019-10-21-disk-full"
    with duckdb.connect(str(db)) as con:
        row = con.execute(
            "SELECT d.draft_id, d.postmortem FROM drafts d JOIN eval_cells c ON c.draft_id = d.draft_id "
            "WHERE c.case_id = ? AND c.prompt_set = 'seed-single-shot'", [case]
        ).fetchone()
        assert row is not None
        pm = PostMortem.model_validate_json(row[1])
        assert pm.summary is not None
        pm.summary.summary += " See <script>alert(1)</script> and https://evil.example/x now."
        con.execute("UPDATE drafts SET postmortem = ? WHERE draft_id = ?", [pm.model_dump_json(), row[0]])
    at = _app().run()
    at.switch_page("views/compare.py").run()
    at.selectbox(key="compare_case").select(case).run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert any(lbl.startswith("Executive Summary · differs") for lbl in labels), labels
    assert any(lbl.startswith("Header · identical") for lbl in labels), labels
    diff = next(m.value for m in at.markdown if ":green-background[" in m.value)
    assert "script" in diff and "<script>" not in diff  # escaped, never HTML
    assert "`https://evil.example/x" in diff  # a link-like word shows as code, never as a link


def test_the_leaderboard_counts_offline_fallbacks_per_variant(db: Path) -> None:
    """Issue 12: Compare shows how many cells of each variant an offline fallback stood in for."""
    with duckdb.connect(str(db)) as con:
        cell = con.execute("SELECT case_id FROM eval_cells WHERE prompt_set = 'default' ORDER BY case_id LIMIT 1").fetchall()
        con.execute("UPDATE eval_cells SET status = 'fallback' WHERE prompt_set = 'default' AND case_id = ?", [cell[0][0]])
    at = _app().run()
    at.switch_page("views/compare.py").run()
    assert not at.exception
    line = next(unescape(c.value) for c in at.caption if unescape(c.value).startswith("Offline fallbacks"))
    assert line.endswith("offline | default: 1 · offline | seed-single-shot: 0"), line
