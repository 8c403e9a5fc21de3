"""Compare variants (model x prompt set, or whole runs) with paired statistics over the same cases.

Per metric: mean with a 95% bootstrap CI, gate pass rate, and against a baseline the paired mean
difference (bootstrap CI) with a Wilcoxon signed-rank p-value, plus the cases that regressed.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field
from scipy import stats

from pmstudio.render import render_markdown
from pmstudio.schema import PostMortem
from pmstudio.store.evals import score_rows

CONFIDENCE = 0.95
RESAMPLES = 2000
REGRESSION_EPS = 0.05


class ScoreRow(BaseModel):
    run_id: str
    case_id: str
    model: str
    prompt_set: str
    repeat_idx: int
    metric: str
    score: float | None
    passed: bool | None
    gate: bool | None
    failure_class: str | None = None
    cell_status: str | None = Field(default=None, description="the eval cell's status: ok, partial, fallback ...")


class MetricSummary(BaseModel):
    variant: str
    metric: str
    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    pass_rate: float | None = Field(description="share passed among applicable scores (N/A is neither pass nor fail)")
    gate: bool = Field(description="gates: a gate metric and, when calibration was consulted, calibrated")
    n_na: int = Field(default=0, description="scores that do not apply to the case (N/A)")
    calibrated: bool | None = Field(default=None, description="meets the calibration bar; None: not consulted")


class PairedDiff(BaseModel):
    baseline: str
    variant: str
    metric: str
    n_pairs: int
    mean_diff: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    regressed_cases: list[str]
    improved_cases: list[str]


class Comparison(BaseModel):
    runs: list[str]
    by: list[str]
    variants: list[str]
    baseline: str | None
    summaries: list[MetricSummary]
    diffs: list[PairedDiff]
    fallback_cells: dict[str, int] = Field(
        default_factory=dict, description="per variant: cells with offline-fallback sections (scored as missing)")


def load_scores(run_ids: Sequence[str], db: str | Path | None = None) -> list[ScoreRow]:
    """Scores of the runs, read through a short read-only connection (a missing database reads as empty)."""
    df = score_rows(run_ids, db)
    records = df.astype(object).where(df.notna(), None).to_dict("records") if not df.empty else []
    return [ScoreRow.model_validate(r) for r in records]


def variant_label(row: ScoreRow, by: Sequence[str], multi_run: bool) -> str:
    parts = []
    if multi_run:
        parts.append(row.run_id[-8:])
    if "model" in by:
        parts.append(row.model)
    if "prompt" in by:
        parts.append(row.prompt_set)
    return " | ".join(parts) or "all"


def bootstrap_ci(values: np.ndarray, seed: int = 0) -> tuple[float | None, float | None]:
    if len(values) == 0:
        return None, None
    if len(values) == 1 or np.all(values == values[0]):
        return float(values[0]), float(values[0])
    res = stats.bootstrap(
        (values,), np.mean, confidence_level=CONFIDENCE, n_resamples=RESAMPLES, method="percentile",
        random_state=np.random.default_rng(seed),
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def _per_case(rows: list[ScoreRow]) -> dict[str, float]:
    """Mean score per case (averaging repeats)."""
    acc: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r.score is not None:
            acc[r.case_id].append(r.score)
    return {k: float(np.mean(v)) for k, v in acc.items()}


def paired_diff(base: dict[str, float], other: dict[str, float], metric: str, bname: str, oname: str) -> PairedDiff:
    cases = sorted(set(base) & set(other))
    diffs = np.array([other[c] - base[c] for c in cases], dtype=float)
    if len(diffs) == 0:
        return PairedDiff(baseline=bname, variant=oname, metric=metric, n_pairs=0, mean_diff=None, ci_low=None,
                          ci_high=None, p_value=None, regressed_cases=[], improved_cases=[])
    low, high = bootstrap_ci(diffs, seed=1)
    if np.all(diffs == 0):
        p: float | None = 1.0
    else:
        try:
            p = float(stats.wilcoxon(diffs, zero_method="zsplit").pvalue)
        except ValueError:
            p = None
    return PairedDiff(
        baseline=bname,
        variant=oname,
        metric=metric,
        n_pairs=len(cases),
        mean_diff=float(diffs.mean()),
        ci_low=low,
        ci_high=high,
        p_value=p,
        regressed_cases=[c for c, d in zip(cases, diffs, strict=True) if d < -REGRESSION_EPS],
        improved_cases=[c for c, d in zip(cases, diffs, strict=True) if d > REGRESSION_EPS],
    )


def is_na(row: ScoreRow) -> bool:
    """A score that does not apply to the case: no score and not a failure (errors store passed=False)."""
    return row.score is None and row.passed is not False


def compare(
    rows: list[ScoreRow], *, by: Sequence[str] = ("model", "prompt"), baseline: str | None = None,
    failure_class: str | None = None, calibrated: Mapping[str, bool] | None = None,
) -> Comparison:
    """Per variant and metric: mean with bootstrap CI and pass rate; paired differences against `baseline`.

    N/A scores (no score, no error: the metric does not apply to the case) count neither as passes nor
    as failures. With `calibrated` (metric id → meets the calibration bar), a gate metric gates only
    when calibrated; the others are reported with `calibrated=False`."""
    if failure_class:
        rows = [r for r in rows if r.failure_class == failure_class]
    runs = sorted({r.run_id for r in rows})
    multi = len(runs) > 1
    groups: dict[tuple[str, str], list[ScoreRow]] = defaultdict(list)
    gates: dict[str, bool] = {}
    for r in rows:
        groups[(variant_label(r, by, multi), r.metric)].append(r)
        gates[r.metric] = gates.get(r.metric, False) or bool(r.gate)
    variants = sorted({v for v, _ in groups})
    metrics = sorted({m for _, m in groups})
    fallback_cells: dict[str, set[tuple[str, str, str, str, int]]] = defaultdict(set)
    for r in rows:
        if r.cell_status == "fallback":
            fallback_cells[variant_label(r, by, multi)].add((r.run_id, r.case_id, r.model, r.prompt_set, r.repeat_idx))
    summaries = []
    for v in variants:
        for m in metrics:
            g = groups.get((v, m), [])
            values = np.array([r.score for r in g if r.score is not None], dtype=float)
            low, high = bootstrap_ci(values)
            na = [r for r in g if is_na(r)]
            passed = [r.passed for r in g if r.passed is not None and not is_na(r)]
            cal = None if calibrated is None else bool(calibrated.get(m, False))
            summaries.append(
                MetricSummary(
                    variant=v, metric=m, n=len(values), mean=float(values.mean()) if len(values) else None,
                    ci_low=low, ci_high=high, pass_rate=(sum(passed) / len(passed)) if passed else None,
                    gate=gates[m] and cal is not False, n_na=len(na), calibrated=cal,
                )
            )
    base = baseline if baseline in variants else (variants[0] if variants else None)
    diffs = []
    if base is not None:
        for v in variants:
            if v == base:
                continue
            for m in metrics:
                diffs.append(paired_diff(_per_case(groups.get((base, m), [])), _per_case(groups.get((v, m), [])), m, base, v))
    return Comparison(runs=runs, by=list(by), variants=variants, baseline=base, summaries=summaries, diffs=diffs,
                      fallback_cells={v: len(c) for v, c in sorted(fallback_cells.items())})


def split_sections(md: str) -> dict[str, list[str]]:
    """Lines of a rendered post-mortem grouped by top-level (`## `) section; the title block is `Header`."""
    out: dict[str, list[str]] = {}
    current = "Header"
    for line in md.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
        out.setdefault(current, []).append(line)
    return out


def section_diff(a: PostMortem, b: PostMortem) -> dict[str, str]:
    """Unified diff per top-level Markdown section of two drafts of the same case."""
    sa, sb = split_sections(render_markdown(a)), split_sections(render_markdown(b))
    result = {}
    for name in list(dict.fromkeys([*sa, *sb])):
        diff = difflib.unified_diff(sa.get(name, []), sb.get(name, []), "A", "B", lineterm="", n=1)
        text = "\n".join(diff)
        if text:
            result[name] = text
    return result


# --------------------------------------------------------------------------- what the Compare page shows


class RunOption(BaseModel):
    """One eval run as the Compare page offers it; an unfinished run is labelled `running`."""

    run_id: str
    label: str
    running: bool


def run_options(runs: Sequence[dict[str, object]]) -> list[RunOption]:
    """Eval runs (rows of `store.queries.eval_runs`, newest first) with readable labels; a run without
    `finished_at` (an eval still going, or killed) is `running`, and a run with no cells says so (no nan)."""

    def text(v: object) -> str:
        return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)

    out = []
    for r in runs:
        running = r.get("finished_at") is None or text(r.get("finished_at")) in ("", "NaT") or r.get("status") == "running"
        started = r.get("started_at")
        when = started.strftime("%Y-%m-%d %H:%M") if hasattr(started, "strftime") else text(started)[:16]
        cases = int(r.get("cases") or 0)  # type: ignore[call-overload]
        status = text(r.get("status"))
        parts = ["running"] if running else ([status] if status and status != "ok" else [])
        parts.append(when)
        parts.append(f"{cases} case{'s' if cases != 1 else ''}" if cases else "no cells yet")
        parts += [p for p in (text(r.get("models")), text(r.get("prompt_sets"))) if p]
        out.append(RunOption(run_id=str(r["run_id"]), label=" · ".join(parts), running=running))
    return out


def default_runs(options: Sequence[RunOption]) -> list[str]:
    """The newest finished run (never an unfinished one); none when every run is still running."""
    return next(([o.run_id] for o in options if not o.running), [])
