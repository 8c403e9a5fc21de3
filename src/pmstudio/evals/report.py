"""Rich tables for a `Comparison`, and the threshold gate that lets CI fail on a quality drop."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from pmstudio.evals.compare import Comparison


def _fmt(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def print_comparison(cmp: Comparison, console: Console | None = None) -> None:
    console = console or Console(width=max(Console().width, 160))
    table = Table(title=f"metrics by {', '.join(cmp.by)} (mean [95% CI] / gate pass rate)", show_lines=False)
    table.add_column("metric", style="bold")
    for v in cmp.variants:
        table.add_column(v, overflow="fold")
    by_key = {(s.variant, s.metric): s for s in cmp.summaries}
    for metric in sorted({s.metric for s in cmp.summaries}):
        gate = any(s.gate for s in cmp.summaries if s.metric == metric)
        uncalibrated = any(s.calibrated is False for s in cmp.summaries if s.metric == metric)
        cells = []
        for v in cmp.variants:
            s = by_key.get((v, metric))
            if s is not None and s.mean is None and s.n_na:
                cells.append("N/A")
                continue
            if s is None or s.mean is None:
                cells.append("-")
                continue
            rate = f" / {s.pass_rate:.0%}" if s.pass_rate is not None else ""
            na = f" ({s.n_na} N/A)" if s.n_na else ""
            cells.append(f"{s.mean:.3f} [{_fmt(s.ci_low, 2)}, {_fmt(s.ci_high, 2)}]{rate}{na}")
        table.add_row(metric + (" (gate)" if gate else "") + (" (uncalibrated)" if uncalibrated else ""), *cells)
    console.print(table)
    for variant, n in cmp.fallback_cells.items():
        console.print(f"{variant}: {n} cell(s) with offline-fallback sections, scored as missing (not the model's "
                      "output)", highlight=False, markup=False)
    if not cmp.diffs:
        return
    diff = Table(title=f"paired differences vs baseline {cmp.baseline} (same cases)")
    for col in ("metric", "variant", "pairs", "mean diff [95% CI]", "Wilcoxon p", "regressed", "improved"):
        diff.add_column(col)
    for d in cmp.diffs:
        style = "red" if d.ci_high is not None and d.ci_high < 0 else ("green" if d.ci_low is not None and d.ci_low > 0 else "")
        diff.add_row(
            d.metric, d.variant, str(d.n_pairs),
            f"{_fmt(d.mean_diff)} [{_fmt(d.ci_low)}, {_fmt(d.ci_high)}]", _fmt(d.p_value),
            ", ".join(d.regressed_cases[:4]) + (" ..." if len(d.regressed_cases) > 4 else ""),
            str(len(d.improved_cases)), style=style,
        )
    console.print(diff)


class Gate(BaseModel):
    min_mean: float | None = None
    min_pass_rate: float | None = None
    invariant: bool = Field(
        default=False,
        description="a safety invariant (no secret, no blame, every time and number grounded, ...): a rule "
        "check proven on seeded defects, not a quality judgement, so it gates whether or not reviewers' "
        "labels calibrate it (a score that never varies cannot reach a Spearman or kappa bar)",
    )

    def gates(self, calibrated: bool | None) -> bool:
        """Whether this gate applies to a metric with this calibration status (None: not consulted)."""
        return self.invariant or calibrated is not False


class Thresholds(BaseModel):
    metrics: dict[str, Gate] = Field(default_factory=dict)


def load_thresholds(path: Path) -> Thresholds:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ValueError(f"{path}: thresholds file not found") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: malformed YAML ({exc.__class__.__name__})") from None
    try:
        return Thresholds.model_validate(data)
    except Exception as exc:
        raise ValueError(f"{path}: invalid thresholds ({str(exc).splitlines()[0]})") from None


def gate_failures(cmp: Comparison, thresholds: Thresholds) -> list[str]:
    """Every (variant, metric) below its threshold, as readable lines (empty = all gates hold).

    A metric marked uncalibrated in `cmp` (compare(..., calibrated=...)) does not gate; a metric with only
    N/A scores for a variant neither passes nor fails there."""
    out = []
    for s in cmp.summaries:
        gate = thresholds.metrics.get(s.metric)
        if gate is None or not gate.gates(s.calibrated) or (s.n == 0 and s.n_na > 0):
            continue
        if gate.min_mean is not None and (s.mean is None or s.mean < gate.min_mean):
            out.append(f"{s.variant}: {s.metric} mean {_fmt(s.mean)} < {gate.min_mean}")
        if gate.min_pass_rate is not None and (s.pass_rate is None or s.pass_rate < gate.min_pass_rate):
            out.append(f"{s.variant}: {s.metric} pass rate {_fmt(s.pass_rate)} < {gate.min_pass_rate}")
    return out


def ungated(cmp: Comparison, thresholds: Thresholds) -> list[str]:
    """Metrics in the gate file that do not gate this run because they are uncalibrated (reported only)."""
    return sorted({
        s.metric for s in cmp.summaries
        if (gate := thresholds.metrics.get(s.metric)) is not None and not gate.gates(s.calibrated)
    })


def calibration_notice(db: str | Path | None = None) -> tuple[dict[str, bool], str]:
    """Which metrics are calibrated (latest `pmstudio calibrate` in `db`), and a notice when none ran yet."""
    from pmstudio.store.calibration import calibrated_metrics

    calibrated = calibrated_metrics(db)
    notice = "" if calibrated else (
        "no calibration in the database yet: every metric is uncalibrated and nothing gates "
        "(run `make calibrate` or `pmstudio calibrate`)"
    )
    return calibrated, notice
