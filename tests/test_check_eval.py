"""The check corpus (datasets/check) and `pmstudio eval-check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from pmstudio.cli import app
from pmstudio.evals.checkset import evaluate_split, load_split
from pmstudio.store.check_evals import check_eval_scores

CORPUS = Path(__file__).resolve().parents[1] / "datasets" / "check"


def test_corpus_labels_point_at_real_text() -> None:
    docs = {split: load_split(CORPUS / split) for split in ("dev", "test")}
    assert len(docs["dev"]) >= 26 and len(docs["test"]) >= 13
    every = docs["dev"] + docs["test"]
    assert len(every) >= 40
    assert sum(not d.labels.blameless for d in every) >= 10
    for d in every:
        lines = d.text.splitlines()
        for s in d.labels.spans:
            assert s.text in lines[s.line - 1], f"{d.name}:{s.line} {s.text!r}"
        blame_high = any(s.label in ("blame", "counterfactual") and s.severity == "high" for s in d.labels.spans)
        assert d.labels.blameless == (not blame_high), d.name


def test_eval_check_prints_both_splits_and_stores_them(tmp_path: Path) -> None:
    db = tmp_path / "e.duckdb"
    res = CliRunner().invoke(app, ["eval-check", "--dataset", str(CORPUS), "--db", str(db)])
    assert res.exit_code == 0, res.output
    head = res.output.splitlines()[0]
    assert "dev" in head and "test" in head
    for key in ("blame", "counterfactual", "timeline_entry", "action_item", "blameless_pass", "blameful_fail"):
        assert key in res.output
    df = check_eval_scores(path=db)
    assert set(df["split"]) == {"dev", "test"}
    row = df[(df.metric == "exit") & (df.key == "blameful_fail") & (df.split == "dev")].iloc[0]
    assert row.total >= 8


def test_eval_check_defaults_to_the_packaged_corpus_from_any_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pmstudio.resources import check_dataset_dir

    assert check_dataset_dir().resolve() == CORPUS.resolve()  # a checkout: its own datasets/check
    elsewhere = tmp_path / "incident-repo"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # no datasets/ here
    db = tmp_path / "e.duckdb"
    res = CliRunner().invoke(app, ["eval-check", "--splits", "test", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert set(check_eval_scores(path=db)["split"]) == {"test"}
    assert list(elsewhere.iterdir()) == []


def test_a_missing_split_is_a_one_line_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["eval-check", "--dataset", str(tmp_path), "--db", str(tmp_path / "x.duckdb")])
    assert res.exit_code == 2
    assert "no such split folder" in res.output


def test_split_result_counts_documents() -> None:
    r = evaluate_split(CORPUS / "test")
    assert r.documents == len(load_split(CORPUS / "test"))
    assert r.blameful_fail.total + r.blameless_pass.total + r.residue_fail.total == r.documents
