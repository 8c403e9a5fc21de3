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


def _with_ci(variant: str, rows: dict[str, tuple[float, int, float, float]]) -> Comparison:
    summaries = [
        MetricSummary(variant=variant, metric=m, n=n, mean=v, ci_low=lo, ci_high=hi, pass_rate=None, gate=False)
        for m, (v, n, lo, hi) in rows.items()
    ]
    return Comparison(runs=["r"], by=["model", "prompt"], variants=[variant], baseline=variant, summaries=summaries, diffs=[])


def test_split_rows_tell_noise_from_a_real_gap() -> None:
    v = "offline | default"
    dev = _with_ci(v, {"wide": (0.9, 40, 0.8, 0.97), "narrow": (0.9, 40, 0.8, 0.97), "flat": (0.88, 40, 0.8, 0.95)})
    test = _with_ci(v, {"wide": (0.7, 8, 0.45, 1.0), "narrow": (0.6, 12, 0.5, 0.7), "flat": (1.0, 11, 1.0, 1.0)})
    rows = {r.metric: r for r in split_rows(dev, test)}
    assert rows["wide"].held is False and rows["wide"].dev_in_ci is True  # a 12-case split cannot call this gap
    assert rows["narrow"].held is False and rows["narrow"].dev_in_ci is False
    assert rows["flat"].dev_in_ci is None  # every test case scored the same: the interval says nothing
    assert (rows["wide"].dev_n, rows["wide"].test_n, rows["wide"].test_ci) == (40, 8, (0.45, 1.0))
    from rich.console import Console

    from pmstudio.evals.splits import print_splits

    console = Console(width=250, record=True)
    print_splits(list(rows.values()), console)
    out = console.export_text()
    assert "0.45-1.00" in out and "0/3 metrics within 10% of dev" in out
    assert "of the 3 outside 10%: 1 within the test split's sampling noise" in out
    assert "1 beyond it, 1 not judged (a single-point interval)" in out
