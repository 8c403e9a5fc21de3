"""Dev and test split side by side: each metric's mean on the dev set (datasets/golden), the frozen
test set (datasets/golden-test) and the relative gap, so a heuristic tuned to the dev cases shows.

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
    d = {(s.variant, s.metric): s.mean for s in dev.summaries}
    t = {(s.variant, s.metric): s.mean for s in test.summaries}
    variants = {v for v, _ in d} & {v for v, _ in t}
    keys = sorted(k for k in set(d) | set(t) if k[0] in variants)
    return [SplitRow(variant=v, metric=m, dev=d.get((v, m)), test=t.get((v, m))) for v, m in keys]


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def print_splits(rows: list[SplitRow], console: Console | None = None) -> None:
    console = console or Console(width=max(Console().width, 100))
    for variant in sorted({r.variant for r in rows}):
        table = Table(title=f"dev (datasets/golden) vs test (datasets/golden-test): {variant}")
        for col in ("metric", "dev", "test", "gap", f"within {HOLD_GAP:.0%}"):
            table.add_column(col, justify="left" if col == "metric" else "right")
        mine = [r for r in rows if r.variant == variant]
        for r in mine:
            gap = r.gap
            held = r.held
            mark = "-" if held is None else ("yes" if held else "NO")
            table.add_row(
                r.metric, _fmt(r.dev), _fmt(r.test), "-" if gap is None else f"{gap:+.0%}", mark,
                style="" if held in (None, True) else "red",
            )  # fmt: skip
        console.print(table)
        judged = [r for r in mine if r.held is not None]
        console.print(f"{sum(bool(r.held) for r in judged)}/{len(judged)} metrics within {HOLD_GAP:.0%} of dev")


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
