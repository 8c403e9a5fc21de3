"""Dev and test split side by side: each metric's mean on the dev set (datasets/golden), the frozen
test set (datasets/golden-test) and the relative gap, so a heuristic tuned to the dev cases shows.
Beside the test mean: how many test cases it averages and its 95 % bootstrap interval (from `compare`), so a
gap on a small split can be told from sampling noise: when the dev mean lies inside the test's interval,
the split is too small to call the gap real. An interval of a single point (every test case scored the same)
is shown but not judged.

``python -m pmstudio.evals.splits DEV.json TEST.json`` prints the table from two comparisons written by
``pmstudio eval --json`` (``make eval`` does this). A metric is *held* when its test mean is within
`HOLD_GAP` (10 %) of its dev mean.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from pmstudio.evals.compare import Comparison

HOLD_GAP = 0.10
"""Largest relative gap |test - dev| / dev for a metric to count as holding on unseen incidents."""


class SplitRow(BaseModel):
    variant: str
    metric: str
    dev: float | None
    test: float | None
    dev_n: int = 0
    test_n: int = 0
    test_ci: tuple[float, float] | None = None

    @property
    def dev_in_ci(self) -> bool | None:
        """Whether the dev mean lies inside the test mean's 95 % interval (None: no interval, or one of a single
        point — every test case scored the same, and a percentile bootstrap then tells nothing of the spread)."""
        if self.dev is None or self.test_ci is None or self.test_ci[1] - self.test_ci[0] < 1e-9:
            return None
        return self.test_ci[0] - 1e-9 <= self.dev <= self.test_ci[1] + 1e-9

    @property
    def gap(self) -> float | None:
        if self.dev is None or self.test is None:
            return None
        if self.dev == 0:
            return 0.0 if self.test == 0 else None
        return (self.test - self.dev) / abs(self.dev)

    @property
    def held(self) -> bool | None:
        gap = self.gap
        return None if gap is None else abs(gap) <= HOLD_GAP + 1e-9


def split_rows(dev: Comparison, test: Comparison) -> list[SplitRow]:
    """One row per metric of each variant both comparisons ran."""
    d = {(s.variant, s.metric): s for s in dev.summaries}
    t = {(s.variant, s.metric): s for s in test.summaries}
    variants = {v for v, _ in d} & {v for v, _ in t}
    keys = sorted(k for k in set(d) | set(t) if k[0] in variants)
    rows = []
    for key in keys:
        ds, ts = d.get(key), t.get(key)
        ci = None
        if ts is not None and ts.mean is not None and ts.ci_low is not None and ts.ci_high is not None:
            ci = (ts.ci_low, ts.ci_high)
        rows.append(
            SplitRow(
                variant=key[0], metric=key[1], dev=ds.mean if ds else None, test=ts.mean if ts else None,
                dev_n=ds.n if ds else 0, test_n=ts.n if ts else 0, test_ci=ci,
            )  # fmt: skip
        )
    return rows


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def print_splits(rows: list[SplitRow], console: Console | None = None) -> None:
    console = console or Console(width=max(Console().width, 100))
    for variant in sorted({r.variant for r in rows}):
        table = Table(title=f"dev (datasets/golden) vs test (datasets/golden-test): {variant}")
        for col in ("metric", "dev", "n", "test", "n", "test 95% CI", "gap", f"within {HOLD_GAP:.0%}", "dev in CI"):
            table.add_column(col, justify="left" if col == "metric" else "right")
        mine = [r for r in rows if r.variant == variant]
        for r in mine:
            gap = r.gap
            held = r.held
            mark = "-" if held is None else ("yes" if held else "NO")
            inside = r.dev_in_ci
            ci = "-" if r.test_ci is None else f"{r.test_ci[0]:.2f}-{r.test_ci[1]:.2f}"
            table.add_row(
                r.metric, _fmt(r.dev), str(r.dev_n), _fmt(r.test), str(r.test_n), ci,
                "-" if gap is None else f"{gap:+.0%}", mark, "-" if inside is None else ("yes" if inside else "no"),
                style="" if held in (None, True) else "red",
            )  # fmt: skip
        console.print(table)
        judged = [r for r in mine if r.held is not None]
        console.print(f"{sum(bool(r.held) for r in judged)}/{len(judged)} metrics within {HOLD_GAP:.0%} of dev")
        missed = [r for r in judged if not r.held]
        if missed:
            noise = sum(r.dev_in_ci is True for r in missed)
            outside = sum(r.dev_in_ci is False for r in missed)
            unjudged = len(missed) - noise - outside
            console.print(
                f"of the {len(missed)} outside {HOLD_GAP:.0%}: {noise} within the test split's sampling noise "
                f"(the dev mean inside the test's 95% interval), {outside} beyond it"
                + (f", {unjudged} not judged (a single-point interval)" if unjudged else "")
            )


def _load(path: str) -> Comparison:
    try:
        return Comparison.model_validate_json(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SystemExit(f"{path}: cannot read ({exc.strerror or exc})") from None
    except ValidationError:
        raise SystemExit(f"{path}: not a comparison written by `pmstudio eval --json`") from None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m pmstudio.evals.splits DEV.json TEST.json", file=sys.stderr)
        return 2
    print_splits(split_rows(_load(args[0]), _load(args[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
