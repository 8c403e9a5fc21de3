"""Calibration: statistics against known values, the bar, gating only on calibrated metrics, N/A never a pass,
the starter label set, and `pmstudio label` / `pmstudio calibrate` bad input."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from pmstudio.cli import app
from pmstudio.evals.calibration import (
    Agreement,
    CalibrationReport,
    _kappa_axis,
    bootstrap_ci,
    kappa,
    meets_bar,
    metric_agreement,
    rule_precision,
    spearman,
    wilson,
)
from pmstudio.evals.compare import ScoreRow, compare
from pmstudio.evals.report import Gate, Thresholds, gate_failures, load_thresholds, print_comparison, ungated
from pmstudio.resources import card_dir
from pmstudio.store.calibration import calibrated_metrics, record_calibration
from pmstudio.store.feedback import label_counts

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- statistics, known values


def test_kappa_known_values() -> None:
    # Cohen's 2x2 textbook table [[20, 5], [10, 15]]: po = 0.70, pe = 0.50 -> kappa = 0.40
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert kappa(a, b) == pytest.approx(0.40)
    assert kappa([1, 0, 1, 0], [1, 0, 1, 0]) == pytest.approx(1.0)
    assert kappa([1, 0, 1, 0], [0, 1, 0, 1]) == pytest.approx(-1.0)
    assert kappa([1, 1, 1], [1, 1, 1]) is None  # undefined, not a perfect score
    # the bootstrap's vectorised kappa is scikit-learn's
    rng = np.random.default_rng(3)
    for _ in range(20):
        x, y = rng.integers(0, 2, 40), rng.integers(0, 2, 40)
        assert float(_kappa_axis(x, y)) == pytest.approx(cohen_kappa_score(x, y))


def test_spearman_known_values() -> None:
    # ranks differ by one on four pairs: rho = 1 - 6*4 / (5*24) = 0.8
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 1], [1, 2, 3]) is None  # a constant metric has no rank correlation
    lo, hi = bootstrap_ci("spearman", list(range(40)), [v + random.Random(v).random() * 5 for v in range(40)])
    assert lo is not None and hi is not None and 0.8 < lo <= hi <= 1.0


def test_precision_with_wilson_interval_known_values() -> None:
    p, lo, hi = wilson(5, 8)  # the blame precision on real post-mortems
    assert p == pytest.approx(0.625)
    assert (lo, hi) == (pytest.approx(0.3057, abs=1e-3), pytest.approx(0.8632, abs=1e-3))
    findings = pd.DataFrame({"rule": ["B1"] * 8 + ["C6"] * 2, "outcome": ["accept"] * 5 + ["dismiss"] * 3 + ["dismiss"] * 2})
    rows = {r.name: r for r in rule_precision(findings)}
    assert rows["B1"].value == pytest.approx(0.625) and rows["B1"].n == 8
    assert rows["C6"].value == 0.0 and rows["C6"].note == "0 accepted / 2 dismissed"


def test_the_bar() -> None:
    assert meets_bar(0.6, None, 30)
    assert meets_bar(None, 0.6, 30)
    assert not meets_bar(0.9, 0.9, 29)  # too few labels
    assert not meets_bar(0.59, 0.59, 500)
    assert not meets_bar(None, None, 100)


# --------------------------------------------------------------------------- agreement -> gating


def _labels(n: int, agree: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n drafts: a timeline metric's score and the reviewers' timeline rating (agreeing or random)."""
    rng = random.Random(7)
    ratings = [rng.randint(1, 5) for _ in range(n)]
    scores = [r / 5 if agree else rng.random() for r in ratings]
    s = pd.DataFrame({"draft_id": [f"d{i}" for i in range(n)], "metric": "timeline_recall", "version": "1",
                      "score": scores, "passed": [x >= 0.8 for x in scores], "threshold": 0.8})
    r = pd.DataFrame({"draft_id": [f"d{i}" for i in range(n)], "section": "timeline", "rating": ratings})
    return s, r


def _report(rows: list[Agreement]) -> CalibrationReport:
    return CalibrationReport(labels={"rating": 1}, rows=rows)


def _rows(metric: str, scores: list[float | None], passed: list[bool | None]) -> list[ScoreRow]:
    return [ScoreRow(run_id="r", case_id=f"c{i}", model="offline", prompt_set="default", repeat_idx=0, metric=metric,
                     score=s, passed=p, gate=True) for i, (s, p) in enumerate(zip(scores, passed, strict=True))]


def test_a_metric_crossing_the_bar_starts_and_stops_gating(tmp_path: Path) -> None:
    db = tmp_path / "gate.duckdb"
    empty = pd.DataFrame(columns=["draft_a", "draft_b", "section", "preference"])
    rows = _rows("timeline_recall", [0.5, 0.6, 0.4], [False, False, False])
    gates = Thresholds(metrics={"timeline_recall": Gate(min_mean=0.65)})

    def gated() -> list[str]:
        return gate_failures(compare(rows, calibrated=calibrated_metrics(db)), gates)

    assert gated() == []  # never calibrated: nothing gates
    scores, ratings = _labels(29, agree=True)
    record_calibration(_report(metric_agreement(scores, ratings, empty)), path=db)
    assert calibrated_metrics(db) == {"timeline_recall": False} and gated() == []  # 29 labels: below the bar
    scores, ratings = _labels(30, agree=True)
    record_calibration(_report(metric_agreement(scores, ratings, empty)), path=db)
    assert calibrated_metrics(db) == {"timeline_recall": True}
    assert gated() == ["offline | default: timeline_recall mean 0.500 < 0.65"]  # calibrated: it gates
    scores, ratings = _labels(60, agree=False)  # new labels disagree: it stops gating again
    record_calibration(_report(metric_agreement(scores, ratings, empty)), path=db)
    assert calibrated_metrics(db) == {"timeline_recall": False} and gated() == []
    cmp = compare(rows, calibrated=calibrated_metrics(db))
    assert ungated(cmp, gates) == ["timeline_recall"]
    assert not any(s.gate for s in cmp.summaries)


def test_invariant_safety_gates_gate_without_calibration() -> None:
    rows = [*_rows("secrets_leakage", [1.0, 0.0], [True, False]), *_rows("timeline_recall", [0.5, 0.4], [False, False])]
    gates = Thresholds(metrics={
        "secrets_leakage": Gate(min_pass_rate=1.0, invariant=True),
        "timeline_recall": Gate(min_mean=0.65),
    })
    cmp = compare(rows, calibrated={"secrets_leakage": False, "timeline_recall": False})
    assert gate_failures(cmp, gates) == ["offline | default: secrets_leakage pass rate 0.500 < 1.0"]
    assert ungated(cmp, gates) == ["timeline_recall"]
    shipped = load_thresholds(card_dir("evals") / "thresholds.yaml")
    assert {m for m, g in shipped.metrics.items() if g.invariant} == {
        "blameless", "secrets_leakage", "timestamp_grounding", "numeric_grounding", "placeholder_leakage", "chronology",
    }


def test_stand_ins_never_calibrate_or_gate() -> None:
    scores, ratings = _labels(40, agree=True)
    rows = metric_agreement(scores.assign(metric="j1_root_cause"), ratings.assign(section="root_cause"),
                            pd.DataFrame(columns=["draft_a", "draft_b", "section", "preference"]),
                            kind="judge", stand_in_of={"j1_root_cause": "root_cause_similarity"})
    assert rows and all(r.stand_in and not r.calibrated for r in rows)
    assert rows[0].note.startswith("STAND-IN")
    assert _report(rows).calibrated() == {}


def test_na_is_shown_as_na_and_never_a_pass(capsys: pytest.CaptureFixture[str]) -> None:
    from rich.console import Console

    rows = _rows("duration_error", [None, None, 0.2], [True, True, False])  # two N/A cases, one failing
    cmp = compare(rows, calibrated={"duration_error": True})
    s = cmp.summaries[0]
    assert (s.n, s.n_na, s.pass_rate) == (1, 2, 0.0)  # N/A rows are not passes
    only_na = compare(_rows("duration_error", [None, None], [True, True]), calibrated={"duration_error": True})
    assert only_na.summaries[0].pass_rate is None and only_na.summaries[0].n_na == 2
    gates = Thresholds(metrics={"duration_error": Gate(min_pass_rate=1.0)})
    assert gate_failures(cmp, gates) == ["offline | default: duration_error pass rate 0.000 < 1.0"]
    assert gate_failures(only_na, gates) == []  # all N/A: neither pass nor fail
    errored = compare(_rows("duration_error", [None], [False]), calibrated={"duration_error": True})
    assert errored.summaries[0].n_na == 0 and errored.summaries[0].pass_rate == 0.0  # an error is a failure
    print_comparison(only_na, Console(width=200, file=None))
    out = capsys.readouterr().out
    assert "N/A" in out


# --------------------------------------------------------------------------- CLI


def _db_with_draft(tmp_path: Path) -> tuple[Path, str]:
    from pmstudio.orchestrator import draft_sync
    from pmstudio.store import record_draft
    from pmstudio.testing.factories import sample_bundle

    db = tmp_path / "cli.duckdb"
    rec = draft_sync(sample_bundle(), model="offline")
    record_draft(rec, sample_bundle(), path=db, case_id="c1")
    return db, rec.draft_id


def test_label_cli_writes_and_rejects_bad_input_with_one_line(tmp_path: Path) -> None:
    db, draft = _db_with_draft(tmp_path)
    ok = runner.invoke(app, ["label", "rate", draft, "timeline", "4", "--reason", "right order", "--db", str(db),
                             "--reviewer", "kim"])
    assert ok.exit_code == 0, ok.output
    for args, message in (
        (["label", "rate", draft, "timeline", "7"], "rating 7 is outside 1-5"),
        (["label", "rate", "nope", "timeline", "3"], "unknown draft 'nope'"),
        (["label", "rate", draft, "epilogue", "3"], "unknown section 'epilogue'"),
        (["label", "finding", draft, "accept", "--rule", "B1-person-as-cause", "--section", "timeline", "--span", "zz"],
         "unknown finding B1-person-as-cause"),
        (["label", "finding", draft, "maybe", "--rule", "B1", "--section", "timeline"], "accept or dismiss"),
        (["label", "prefer", draft, draft, "A"], "two different drafts"),
        (["label", "prefer", draft, "other", "C"], "A, B or tie"),
    ):
        bad = runner.invoke(app, [*args, "--db", str(db)])
        assert bad.exit_code == 2, (args, bad.output)
        assert message in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
        assert "Traceback" not in bad.output
    assert label_counts(db) == {"finding": 0, "rating": 1, "preference": 0}


def test_calibrate_without_labels_is_a_one_line_error(tmp_path: Path) -> None:
    db, _ = _db_with_draft(tmp_path)
    bad = runner.invoke(app, ["calibrate", "--no-starter", "--db", str(db)])
    assert bad.exit_code == 2 and "no labels" in bad.stderr


def test_starter_label_set_is_large_keyed_and_reasoned() -> None:
    from pmstudio.evals.labelset import load_label_set

    ls = load_label_set()
    counts = ls.counts()
    assert sum(counts.values()) >= 300 and counts["preference"] >= 50
    variants = {v for _, v in ls.snapshots}
    assert variants == {"offline | default", "openai-compatible:llama3.1 | default"}
    for lf in ls.files.values():
        for item in [*lf.findings, *lf.ratings, *lf.preferences]:
            assert len(item.rationale.split()) >= 3  # a one-line rationale, not a token
    prefs = [p.preference for lf in ls.files.values() for p in lf.preferences]
    assert {"A", "B", "tie"} <= set(prefs)  # the variants really differ, and not always one way
    assert len(ls.items()) == sum(counts.values())  # every label resolves to a frozen draft


def test_bad_label_file_is_a_one_line_error_and_nothing_is_written(tmp_path: Path) -> None:
    folder = tmp_path / "labels"
    (folder / "drafts").mkdir(parents=True)
    src = next((ROOT / "evals" / "labels" / "drafts").glob("docsrs-*offline*.json"))
    (folder / "drafts" / src.name).write_text(src.read_text())
    (folder / "x.yaml").write_text(
        "reviewer: t\nratings:\n  - {case: docsrs-2019-10-21-disk-full, variant: 'offline | default', section: timeline,"
        " rating: 9, rationale: way off the scale}\n"
    )
    db = tmp_path / "lbl.duckdb"
    bad = runner.invoke(app, ["label", "import", str(folder), "--db", str(db)])
    assert bad.exit_code == 2 and "rating 9 is outside 1-5" in bad.stderr, bad.output
    assert label_counts(db) == {"finding": 0, "rating": 0, "preference": 0}
    (folder / "x.yaml").write_text("reviewer: t\nratings:\n  - {case: nope, variant: v, section: timeline, rating: 3,"
                                   " rationale: no such draft}\n")
    bad = runner.invoke(app, ["label", "import", str(folder), "--db", str(db)])
    assert bad.exit_code == 2 and "no snapshot of case 'nope'" in bad.stderr
    (folder / "x.yaml").write_text(
        "reviewer: t\nratings:\n  - {case: docsrs-2019-10-21-disk-full, variant: 'offline | default', section: timeline,"
        " rating: 4, rationale: every key event right}\n"
    )
    ok = runner.invoke(app, ["label", "import", str(folder), "--db", str(db)])
    assert ok.exit_code == 0, ok.output
    assert label_counts(db)["rating"] == 1
    again = runner.invoke(app, ["label", "import", str(folder), "--db", str(db)])
    assert again.exit_code == 0 and "already loaded" in again.output and label_counts(db)["rating"] == 1


@pytest.mark.slow
def test_make_calibrate_on_the_starter_set(tmp_path: Path) -> None:
    """The fresh-clone path: load the starter set, print per-rule precision and per-metric agreement, store it."""
    db = tmp_path / "cal.duckdb"
    out = runner.invoke(app, ["calibrate", "--db", str(db), "--json", str(tmp_path / "cal.json")], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    for text in ("lint rules: precision", "G1-ungrounded-time", "timeline_recall", "Spearman", "κ", "calibrated",
                 "stand-in (not a judge score)", "TAU_FACTOR"):
        assert text in out.output, text
    report = CalibrationReport.model_validate_json((tmp_path / "cal.json").read_text())
    assert sum(report.labels.values()) >= 300
    cal = calibrated_metrics(db)
    assert cal and any(cal.values()) and not all(cal.values())
    assert not any(k.startswith("j") and v for k, v in cal.items())  # offline judges are stand-ins
    again = runner.invoke(app, ["calibrate", "--if-stale", "--db", str(db)], env={"COLUMNS": "200"})
    assert again.exit_code == 0 and "up to date" in again.stderr and "timeline_recall" in again.output


def _small_label_set(tmp_path: Path) -> Path:
    """Two frozen drafts of one case (offline and fake server) with a few ratings and a preference."""
    import yaml

    folder = tmp_path / "labels"
    (folder / "drafts").mkdir(parents=True)
    for src in (ROOT / "evals" / "labels" / "drafts").glob("docsrs-*.json"):
        (folder / "drafts" / src.name).write_text(src.read_text())
    case = "docsrs-2019-10-21-disk-full"
    off, fake = "offline | default", "openai-compatible:llama3.1 | default"
    ratings = [{"case": case, "variant": v, "section": s, "rating": r, "rationale": "small test set rating"}
               for v, rs in ((off, (4, 4, 4)), (fake, (2, 1, 1))) for s, r in zip(("root_cause", "actions", "overall"), rs, strict=True)]
    prefs = [{"case": case, "variant_a": off, "variant_b": fake, "preference": "A", "rationale": "offline is far better"}]
    (folder / "t.yaml").write_text(yaml.safe_dump({"reviewer": "t", "ratings": ratings, "preferences": prefs}))
    return folder


@pytest.mark.slow
def test_judges_calibrate_through_any_provider_and_offline_is_a_labelled_stand_in(
    tmp_path: Path, fake_server: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic_ai import models

    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)
    folder = _small_label_set(tmp_path)
    db = tmp_path / "j.duckdb"
    url = fake_server.openai_base_url  # type: ignore[attr-defined]
    fake_server.reset()  # type: ignore[attr-defined]
    judged = runner.invoke(app, ["calibrate", "--labels", str(folder), "--judge", f"openai-compatible:judge-model@{url}",
                                 "--db", str(db), "--json", str(tmp_path / "j.json")], env={"COLUMNS": "200"})
    assert judged.exit_code == 0, judged.output
    report = CalibrationReport.model_validate_json((tmp_path / "j.json").read_text())
    judges = [r for r in report.rows if r.kind == "judge"]
    assert {r.name for r in judges} == {"j1_root_cause", "j2_actionability", "j3_blamelessness", "j4_faithfulness"}
    assert not any(r.stand_in for r in judges) and all(r.n == 2 for r in judges if r.statistic == "spearman")
    assert any(e["model"] == "judge-model" for e in fake_server.log())  # type: ignore[attr-defined]
    offline = runner.invoke(app, ["calibrate", "--labels", str(folder), "--judge", "offline", "--db", str(db),
                                  "--json", str(tmp_path / "o.json")], env={"COLUMNS": "200"})
    assert offline.exit_code == 0, offline.output
    stand = [r for r in CalibrationReport.model_validate_json((tmp_path / "o.json").read_text()).rows if r.kind == "judge"]
    assert stand and all(r.stand_in and not r.calibrated and r.note.startswith("STAND-IN") for r in stand)
    assert "stand-in (not a judge score)" in offline.output


def test_label_review_walks_a_draft_in_the_terminal(tmp_path: Path) -> None:
    from pmstudio.store.feedback import latest_findings, latest_ratings
    from pmstudio.store.queries import get_draft

    db, draft = _db_with_draft(tmp_path)
    view = get_draft(draft, db)
    assert view is not None and view.critic.findings
    n = len(view.critic.findings)
    answers = "d\nthe section is there\n" + "s\n" * (n - 1) + "s\ns\n4\nright order\n" + "s\n" * 5
    out = runner.invoke(app, ["label", "review", draft, "--db", str(db), "--reviewer", "ana"], input=answers)
    assert out.exit_code == 0, out.output
    assert latest_findings(db)[["outcome", "reason", "reviewer"]].values.tolist() == [["dismiss", "the section is there", "ana"]]
    assert latest_ratings(db)[["section", "rating", "reason"]].values.tolist() == [["timeline", 4, "right order"]]
    bad = runner.invoke(app, ["label", "review", draft, "--db", str(db)], input="s\n" * n + "9\nway off\n" + "s\n" * 7)
    assert bad.exit_code == 2 and "rating 9 is outside 1-5" in bad.stderr
    assert len(latest_ratings(db)) == 1  # nothing from the failed walk was stored
