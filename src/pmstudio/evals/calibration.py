"""Calibration: how far the lints, metrics and judges agree with reviewers' labels (rubric §4.4).

- Per lint rule: precision = accepted / (accepted + dismissed) findings, with a Wilson interval.
- Per metric and judge, on the drafts reviewers rated: Spearman between its score and the rating of the
  section it scores (`ui.sections.METRIC_SECTIONS`; whole-draft metrics against the `overall` rating);
  Cohen's κ between its pass/fail and the reviewers' pass/fail (rating >= `PASS_RATING`); accuracy on
  pairwise preferences (which draft scores higher, or equal for a tie). Bootstrap 95 % intervals.
- Similarity thresholds (`TAU_*` of the metrics) re-fitted on the labels with k-fold cross-validation:
  the value that maximises Spearman with the section's ratings on the training folds, scored on the held
  out fold; the fitted value is shown beside the one in use.
- A metric or judge is *calibrated* when κ >= 0.6 or Spearman >= 0.6 on >= 30 labels (`meets_bar`); only
  calibrated metrics gate `make eval` and the leaderboard (`pmstudio.evals.report`).

Statistics come from scipy (Spearman, binomial Wilson interval, bootstrap) and scikit-learn (Cohen's κ,
k-fold splits). Labels never come from a metric: they are reviewers' judgements (store.feedback).
Offline (no judge model) J1-J4 get a deterministic *stand-in* that is labelled as such and never counts
as a judge's calibration.
"""

from __future__ import annotations

import asyncio
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import KFold
from ulid import ULID

BAR_KAPPA = 0.6
BAR_SPEARMAN = 0.6
BAR_N = 30
PASS_RATING = 4  # a reviewer's pass: the section needs at most minor edits (evals/rubrics/labeling.md)
N_BOOT = 1000
OVERALL = "overall"

# J1-J4 offline: a deterministic metric stands in (reported as a stand-in, never as the judge's score)
STAND_INS: dict[str, str] = {
    "j1_root_cause": "root_cause_similarity",
    "j2_actionability": "action_item_hygiene",
    "j3_blamelessness": "blameless",
    "j4_faithfulness": "numeric_grounding",
}


class Agreement(BaseModel):
    kind: Literal["rule", "metric", "judge", "threshold"]
    name: str
    version: str = ""
    statistic: Literal["precision", "spearman", "kappa", "pairwise_accuracy", "threshold"]
    value: float | None
    lo: float | None = None
    hi: float | None = None
    n: int
    current: float | None = None
    calibrated: bool = False
    stand_in: bool = False
    note: str = ""


class CalibrationReport(BaseModel):
    calib_id: str = Field(default_factory=lambda: str(ULID()))
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    labels: dict[str, int] = Field(default_factory=dict)
    judge: str | None = None
    rows: list[Agreement] = Field(default_factory=list)

    def calibrated(self) -> dict[str, bool]:
        """metric/judge id → meets the bar (stand-ins never do)."""
        out: dict[str, bool] = {}
        for r in self.rows:
            if r.kind in ("metric", "judge") and not r.stand_in:
                out[r.name] = out.get(r.name, False) or r.calibrated
        return out


# --------------------------------------------------------------------------- statistics


def _nan(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def wilson(k: int, n: int) -> tuple[float | None, float | None, float | None]:
    """Proportion k/n with its 95 % Wilson score interval (scipy)."""
    if n == 0:
        return None, None, None
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return k / n, float(ci.low), float(ci.high)


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    return _nan(stats.spearmanr(x, y).statistic)


def kappa(a: Sequence[bool | int | str], b: Sequence[bool | int | str]) -> float | None:
    """Cohen's κ (scikit-learn); None when both raters give one single class to every item."""
    if len(a) == 0 or (len(set(a)) == 1 and len(set(b)) == 1):
        return None  # undefined: chance agreement is 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _nan(cohen_kappa_score(list(a), list(b)))


def _spearman_axis(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman along `axis` (ranks by scipy.stats.rankdata, then scipy.stats.pearsonr): bootstrap-vectorised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(stats.pearsonr(stats.rankdata(x, axis=axis), stats.rankdata(y, axis=axis), axis=axis).statistic)


def _kappa_axis(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """Cohen's κ of two binary raters along `axis` (the bootstrap's vectorised form of `kappa`, which is
    scikit-learn's; tests check they agree)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    po = (a == b).mean(axis=axis)
    pa, pb = a.mean(axis=axis), b.mean(axis=axis)
    pe = pa * pb + (1 - pa) * (1 - pb)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pe < 1, (po - pe) / (1 - pe), np.nan)


_VECTOR_STATS: dict[str, Callable[..., np.ndarray]] = {"spearman": _spearman_axis, "kappa": _kappa_axis}


def bootstrap_ci(statistic: str, x: Sequence[Any], y: Sequence[Any], seed: int = 0) -> tuple[float | None, float | None]:
    """Paired percentile bootstrap 95 % interval (scipy.stats.bootstrap) of `spearman` or `kappa`."""
    if len(x) < 3:
        return None, None
    fn = _VECTOR_STATS[statistic]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.bootstrap(
            (np.asarray(x, dtype=float), np.asarray(y, dtype=float)), fn, paired=True, vectorized=True,
            n_resamples=N_BOOT, method="percentile", random_state=np.random.default_rng(seed),
        )
    low, high = _nan(float(res.confidence_interval.low)), _nan(float(res.confidence_interval.high))
    if low is None or high is None:  # some resamples were constant (undefined statistic): use the defined ones
        dist = np.asarray(res.bootstrap_distribution, dtype=float)
        if np.isfinite(dist).mean() >= 0.9:
            low, high = (float(v) for v in np.nanpercentile(dist, [2.5, 97.5]))
    return low, high


def meets_bar(kappa_value: float | None, spearman_value: float | None, n: int) -> bool:
    """The calibration bar: κ >= 0.6 or Spearman >= 0.6, on >= 30 labels."""
    if n < BAR_N:
        return False
    return (kappa_value is not None and kappa_value >= BAR_KAPPA) or (
        spearman_value is not None and spearman_value >= BAR_SPEARMAN
    )


# --------------------------------------------------------------------------- rules


def rule_precision(findings: pd.DataFrame) -> list[Agreement]:
    """Per rule: share of accepted findings among the labelled ones (latest per finding and reviewer)."""
    if findings.empty:
        return []
    out = []
    for rule, g in findings.groupby("rule"):
        k, n = int((g["outcome"] == "accept").sum()), len(g)
        p, lo, hi = wilson(k, n)
        out.append(Agreement(kind="rule", name=str(rule), statistic="precision", value=p, lo=lo, hi=hi, n=n,
                             note=f"{k} accepted / {n - k} dismissed"))
    return out


# --------------------------------------------------------------------------- scoring the labelled drafts


def metric_section(metric: str) -> str:
    from pmstudio.ui.sections import WHOLE_DRAFT
    from pmstudio.ui.sections import metric_section as section_of

    s = section_of(metric)
    return OVERALL if s == WHOLE_DRAFT else s


class _Scored(BaseModel):
    draft_id: str
    metric: str
    version: str
    score: float | None
    passed: bool | None
    threshold: float


def _metric_classes(judge: str | None) -> list[Any]:
    from pmstudio.evals.metrics import DETERMINISTIC, METRICS

    classes: list[Any] = list(DETERMINISTIC)
    if judge:
        classes += [METRICS[j] for j in STAND_INS]
    return classes


async def _score_one(test_case: Any, classes: list[Any], judge: str | None) -> list[tuple[Any, Any]]:
    out = []
    for cls in classes:
        inst = cls.build(judge=judge)
        try:
            await inst.a_measure(test_case)
        except Exception:  # a metric that cannot score this draft: skip it (reported as fewer labels)
            continue
        out.append((cls, inst))
    return out


def test_cases(draft_ids: Sequence[str], db: str | Path | None, cases: dict[str, Any]) -> dict[str, Any]:
    """The deepeval test case of each stored draft of a golden case (drafts of other bundles are left out)."""
    from pmstudio.evals.metrics import make_test_case
    from pmstudio.store.queries import draft_cases, get_draft

    ids = list(dict.fromkeys(draft_ids))
    case_map = draft_cases(ids, db)
    out: dict[str, Any] = {}
    for did in ids:
        case = cases.get(case_map.get(did) or "")
        view = get_draft(did, db) if case is not None else None
        if view is None or view.postmortem is None or view.bundle is None or case is None:
            continue
        out[did] = make_test_case(view.postmortem, case, view.bundle)
    return out


def score_drafts(tcs: dict[str, Any], *, judge: str | None = None, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Every deterministic metric (and J1-J4 with a judge model) on each test case."""
    from pmstudio.evals.metrics import METRICS

    classes = [METRICS[m] for m in metrics] if metrics else _metric_classes(judge)
    rows: list[dict[str, Any]] = []
    for did, tc in tcs.items():
        for cls, inst in asyncio.run(_score_one(tc, classes, judge)):
            score = None if inst.score is None or (isinstance(inst.score, float) and math.isnan(inst.score)) else float(inst.score)
            rows.append(_Scored(draft_id=did, metric=cls.metric_id, version=str(cls.metric_version), score=score,
                                passed=None if score is None else bool(inst.is_successful()),
                                threshold=float(inst.threshold)).model_dump())
    return pd.DataFrame(rows, columns=list(_Scored.model_fields))


# --------------------------------------------------------------------------- agreement


def _consensus_ratings(ratings: pd.DataFrame) -> pd.DataFrame:
    """One rating per (draft, section): the median over reviewers."""
    if ratings.empty:
        return pd.DataFrame(columns=["draft_id", "section", "rating"])
    return ratings.groupby(["draft_id", "section"], as_index=False)["rating"].median()


def _consensus_prefs(prefs: pd.DataFrame) -> pd.DataFrame:
    if prefs.empty:
        return pd.DataFrame(columns=["draft_a", "draft_b", "section", "preference"])
    p = prefs.assign(section=prefs["section"].fillna(OVERALL))
    return p.groupby(["draft_a", "draft_b", "section"], as_index=False)["preference"].agg(lambda s: s.mode().iloc[0])


def metric_agreement(
    scores: pd.DataFrame, ratings: pd.DataFrame, prefs: pd.DataFrame, *, kind: str = "metric",
    stand_in_of: dict[str, str] | None = None,
) -> list[Agreement]:
    """Spearman, κ and pairwise accuracy of each metric in `scores` against the consensus labels."""
    rated = _consensus_ratings(ratings)
    pref = _consensus_prefs(prefs)
    out: list[Agreement] = []
    if scores.empty:
        return out
    for metric, g in scores.groupby("metric"):
        metric = str(metric)
        section = metric_section(metric)
        version = str(g["version"].iloc[0])
        stand_in = stand_in_of is not None and metric in stand_in_of
        name = metric
        tag = f"STAND-IN: deterministic {stand_in_of[metric]}, not a judge score; " if stand_in and stand_in_of else ""
        note = f"{tag}vs {section} ratings"
        m = g.merge(rated[rated["section"] == section], on="draft_id")
        m = m[m["score"].notna()]
        x, y = m["score"].astype(float).tolist(), m["rating"].astype(float).tolist()
        rho = spearman(x, y)
        rlo, rhi = bootstrap_ci("spearman", x, y) if rho is not None else (None, None)
        mp = [bool(v) for v in m["passed"]]
        hp = [r >= PASS_RATING for r in y]
        k = kappa(mp, hp)
        klo, khi = bootstrap_ci("kappa", mp, hp) if k is not None and len(mp) >= 3 else (None, None)
        n = len(m)
        ok = meets_bar(k, rho, n) and not stand_in
        na = int(g["score"].isna().sum())
        extra = f"; {na} N/A drafts left out" if na else ""
        kk: Literal["metric", "judge"] = "judge" if (kind == "judge" or metric in STAND_INS) else "metric"
        out.append(Agreement(kind=kk, name=name, version=version, statistic="spearman", value=rho, lo=rlo, hi=rhi,
                             n=n, calibrated=ok, stand_in=stand_in, note=note + extra))
        out.append(Agreement(kind=kk, name=name, version=version, statistic="kappa", value=k, lo=klo, hi=khi, n=n,
                             calibrated=ok, stand_in=stand_in,
                             note=f"{tag}pass = score >= threshold vs rating >= {PASS_RATING}" + extra))
        # pairwise: a preference on this metric's section (or on the whole draft for whole-draft metrics)
        sc = dict(zip(g["draft_id"], g["score"], strict=False))
        hits, total = 0, 0
        for p in pref[pref["section"] == section].itertuples():
            a, b = sc.get(p.draft_a), sc.get(p.draft_b)
            if a is None or b is None or (isinstance(a, float) and math.isnan(a)) or (isinstance(b, float) and math.isnan(b)):
                continue
            predicted = "tie" if abs(a - b) < 1e-9 else ("A" if a > b else "B")
            hits += predicted == p.preference
            total += 1
        acc, lo, hi = wilson(hits, total)
        out.append(Agreement(kind=kk, name=name, version=version, statistic="pairwise_accuracy", value=acc, lo=lo,
                             hi=hi, n=total, calibrated=ok, stand_in=stand_in,
                             note=f"{tag}{hits}/{total} preferences on {section}"))
    return out


# --------------------------------------------------------------------------- thresholds


class ThresholdSpec(BaseModel):
    name: str
    module: str
    attr: str
    metric: str
    grid: list[float]


THRESHOLDS: list[ThresholdSpec] = [
    ThresholdSpec(name="TAU_FACTOR (factor matching)", module="pmstudio.evals.metrics.causes", attr="TAU_FACTOR",
                  metric="factor_recall", grid=[0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4]),
    ThresholdSpec(name="TAU_EVENT (key-event matching)", module="pmstudio.evals.metrics.timeline", attr="TAU_EVENT",
                  metric="timeline_recall", grid=[0.0, 0.05, 0.1, 0.15, 0.2, 0.3]),
    ThresholdSpec(name="TAU_ACTION (action-item matching)", module="pmstudio.evals.metrics.actions", attr="TAU_ACTION",
                  metric="action_item_coverage", grid=[0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4]),
]


@contextmanager
def _patched(module: str, attr: str, value: float) -> Iterator[None]:
    """Set a similarity constant for one scoring pass (metrics read it at call time)."""
    import importlib

    mod = importlib.import_module(module)
    old = getattr(mod, attr)
    setattr(mod, attr, value)
    try:
        yield
    finally:
        setattr(mod, attr, old)


def _cv_pick(values: dict[float, np.ndarray], y: np.ndarray, k: int = 5) -> tuple[float, float | None]:
    """Grid value maximising Spearman on each training split; the mean held-out Spearman of those picks."""
    def best(idx: np.ndarray) -> float:
        scored = [(spearman(v[idx].tolist(), y[idx].tolist()) or -2.0, -abs(t - 0.2), t) for t, v in values.items()]
        return max(scored)[2]

    held = []
    for train, test in KFold(n_splits=min(k, len(y)), shuffle=True, random_state=0).split(y):
        t = best(train)
        r = spearman(values[t][test].tolist(), y[test].tolist())
        if r is not None:
            held.append(r)
    return best(np.arange(len(y))), (float(np.mean(held)) if held else None)


def refit_score_cut(scores: pd.DataFrame, ratings: pd.DataFrame, metric: str) -> Agreement | None:
    """The score cut that maximises κ with reviewers' pass/fail (k-fold CV), beside the threshold in use."""
    rated = _consensus_ratings(ratings)
    m = scores[(scores["metric"] == metric) & scores["score"].notna()].merge(
        rated[rated["section"] == metric_section(metric)], on="draft_id")
    if len(m) < 10:
        return None
    x = m["score"].to_numpy(float)
    y = (m["rating"].to_numpy(float) >= PASS_RATING)
    cuts = sorted(set(np.round(x, 3).tolist()) | {float(m["threshold"].iloc[0])})

    def pick(idx: np.ndarray) -> float:
        return max(cuts, key=lambda c: (kappa((x[idx] >= c - 1e-9).tolist(), y[idx].tolist()) or -1.0, -c))

    held = []
    for train, test in KFold(n_splits=5, shuffle=True, random_state=0).split(x):
        c = pick(train)
        kv = kappa((x[test] >= c - 1e-9).tolist(), y[test].tolist())
        if kv is not None:
            held.append(kv)
    fitted = pick(np.arange(len(x)))
    return Agreement(kind="threshold", name=f"{metric} pass cut", statistic="threshold", value=fitted, n=len(x),
                     current=float(m["threshold"].iloc[0]),
                     note=f"max κ vs reviewers' pass; 5-fold held-out κ {np.mean(held):.2f}" if held else "")


def refit_similarity(tcs: dict[str, Any], ratings: pd.DataFrame, spec: ThresholdSpec) -> Agreement | None:
    """Re-score `spec.metric` at each grid value; pick by cross-validated Spearman with the section ratings."""
    import importlib

    rated = _consensus_ratings(ratings)
    rated = rated[rated["section"] == metric_section(spec.metric)]
    subset = {d: tc for d, tc in tcs.items() if d in set(rated["draft_id"])}
    if len(subset) < 10:
        return None
    current = float(getattr(importlib.import_module(spec.module), spec.attr))
    per: dict[float, pd.Series] = {}
    for t in sorted({*spec.grid, current}):
        with _patched(spec.module, spec.attr, t):
            s = score_drafts(subset, metrics=[spec.metric])
        per[t] = s.set_index("draft_id")["score"].astype(float)
    common = set(subset)
    for series in per.values():
        common &= set(series.dropna().index)
    keep = sorted(common)
    if len(keep) < 10:
        return None
    y = rated.set_index("draft_id").loc[keep, "rating"].to_numpy(float)
    values = {t: series.loc[keep].to_numpy(float) for t, series in per.items()}
    fitted, held = _cv_pick(values, y)
    rho_now = spearman(values[current].tolist(), y.tolist())
    rho_fit = spearman(values[fitted].tolist(), y.tolist())
    return Agreement(
        kind="threshold", name=spec.name, statistic="threshold", value=fitted, n=len(keep), current=current,
        note=(f"{spec.metric} vs ratings: Spearman {_fmt2(rho_fit)} at fitted, {_fmt2(rho_now)} at current; "
              f"5-fold held-out {_fmt2(held)}"),
    )


def _fmt2(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


# --------------------------------------------------------------------------- the whole calibration


def calibrate(
    db: str | Path | None = None, *, judge: str | None = None, cases: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> CalibrationReport:
    """Every agreement figure from the labels in `db` (latest per key); nothing is stored here."""
    from pmstudio.store.feedback import label_counts, latest_findings, latest_preferences, latest_ratings

    say = progress or (lambda _m: None)
    if cases is None:
        from pmstudio.evals.runner import default_dataset
        from pmstudio.golden import load_dataset

        cases = {c.id: c for c in load_dataset(default_dataset(), validate=False)}
    findings, ratings, prefs = latest_findings(db), latest_ratings(db), latest_preferences(db)
    report = CalibrationReport(labels=label_counts(db), judge=judge)
    report.rows += rule_precision(findings)
    draft_ids = list(dict.fromkeys([
        *ratings.get("draft_id", pd.Series(dtype=str)).tolist(),
        *prefs.get("draft_a", pd.Series(dtype=str)).tolist(),
        *prefs.get("draft_b", pd.Series(dtype=str)).tolist(),
    ]))
    say(f"scoring {len(draft_ids)} labelled drafts")
    real_judge = judge if judge and judge != "offline" else None
    tcs = test_cases(draft_ids, db, cases)
    scores = score_drafts(tcs, judge=real_judge)
    report.rows += metric_agreement(scores[~scores["metric"].isin(STAND_INS)], ratings, prefs)
    if real_judge:
        report.rows += metric_agreement(scores[scores["metric"].isin(STAND_INS)], ratings, prefs, kind="judge")
    else:  # stand-ins: the deterministic proxies' figures under the judge's id, flagged
        stand = []
        for j, proxy in STAND_INS.items():
            s = scores[scores["metric"] == proxy].assign(metric=j, version="stand-in")
            stand.append(s)
        if stand:
            report.rows += metric_agreement(pd.concat(stand), ratings, prefs, kind="judge", stand_in_of=STAND_INS)
    say("re-fitting thresholds")
    for metric in ("root_cause_similarity", "timeline_recall", "factor_recall", "action_item_coverage", "key_milestones"):
        row = refit_score_cut(scores, ratings, metric)
        if row is not None:
            report.rows.append(row)
    for spec in THRESHOLDS:
        row = refit_similarity(tcs, ratings, spec)
        if row is not None:
            report.rows.append(row)
    return report


def fingerprint(db: str | Path | None, judge: str | None) -> str:
    """What a calibration depends on: the labels, every metric's version and the judge."""
    import hashlib
    import json

    from pmstudio.evals.metrics import METRICS
    from pmstudio.store.feedback import labels_fingerprint

    versions = sorted((m, str(getattr(cls, "metric_version", ""))) for m, cls in METRICS.items())
    payload = json.dumps([labels_fingerprint(db), versions, judge or "", BAR_KAPPA, BAR_SPEARMAN, BAR_N, PASS_RATING])
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def report_from_rows(df: pd.DataFrame) -> CalibrationReport:
    """A stored calibration (store.calibration.latest_calibration) as a report again."""
    import json

    if df.empty:
        return CalibrationReport()
    fields = list(Agreement.model_fields)
    rows = [Agreement.model_validate({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()})
            for r in df[fields].to_dict("records")]
    labels = json.loads(df["labels"].iloc[0]) if isinstance(df["labels"].iloc[0], str) else {}
    return CalibrationReport(calib_id=str(df["calib_id"].iloc[0]), created_at=df["created_at"].iloc[0], labels=labels,
                             rows=rows)
