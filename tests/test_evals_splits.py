"""Dev vs test side by side (`make eval`), field precision, and the draft cache's engine hash."""

from __future__ import annotations

from pathlib import Path

from pmstudio.evals.compare import Comparison, MetricSummary
from pmstudio.evals.runner import engine_files
from pmstudio.evals.splits import main, split_rows


def _cmp(variant: str, means: dict[str, float | None]) -> Comparison:
    summaries = [
        MetricSummary(variant=variant, metric=m, n=3, mean=v, ci_low=None, ci_high=None, pass_rate=None, gate=False)
        for m, v in means.items()
    ]
    return Comparison(runs=["r"], by=["model", "prompt"], variants=[variant], baseline=variant, summaries=summaries, diffs=[])


def test_split_rows_gap_and_hold() -> None:
    dev = _cmp("offline | default", {"a": 0.8, "b": 0.5, "c": 0.0})
    test = _cmp("offline | default", {"a": 0.75, "b": 0.3, "c": 0.0})
    rows = {r.metric: r for r in split_rows(dev, test)}
    assert rows["a"].held and abs((rows["a"].gap or 0) + 0.0625) < 1e-9
    assert rows["b"].held is False
    assert rows["c"].held is True  # 0 vs 0 holds


def test_split_rows_only_shared_variants() -> None:
    rows = split_rows(_cmp("offline | default", {"a": 1.0}), _cmp("offline | other", {"a": 1.0}))
    assert rows == []


def test_splits_cli_bad_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("{}", encoding="utf-8")
    try:
        main([str(bad), str(bad)])
    except SystemExit as exc:
        assert "not a comparison" in str(exc) and "\n" not in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected SystemExit")
    assert main(["one"]) == 2


def test_engine_hash_covers_the_whole_package() -> None:
    names = {f.as_posix().split("/pmstudio/", 1)[1] for f in engine_files()}
    for rel in ("schema.py", "critic.py", "models.py", "prompts.py", "offline/draft.py", "ingest.py", "data/lexicon.yaml"):
        assert rel in names, rel
    assert not any("__pycache__" in n for n in names)
