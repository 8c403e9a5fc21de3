"""Frames for the dashboard's Calibration page (the page stays thin): stored figures and recent labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pmstudio.store.calibration import latest_calibration
from pmstudio.store.feedback import latest_findings, latest_preferences, latest_ratings


def stored_calibration(db: str | Path | None = None) -> pd.DataFrame:
    return latest_calibration(db)


def _ci(r: pd.Series) -> str:
    if pd.isna(r["value"]):
        return "-"
    if pd.isna(r["lo"]) or pd.isna(r["hi"]):
        return f"{r['value']:.2f}"
    return f"{r['value']:.2f} [{r['lo']:.2f}, {r['hi']:.2f}]"


def _status(r: pd.Series) -> str:
    if r["stand_in"]:
        return "stand-in (not a judge score)"
    return "calibrated" if r["calibrated"] else "uncalibrated"


def agreement_frame(calib: pd.DataFrame) -> pd.DataFrame:
    """One row per (metric or judge, statistic) with value, interval, n, status and a shown text."""
    df = calib[calib["kind"].isin(["metric", "judge"])].copy()
    if df.empty:
        return pd.DataFrame(columns=["metric", "statistic", "value", "lo", "hi", "n", "status", "shown", "note"])
    df["metric"] = df["name"] + df["kind"].map({"judge": " (judge)", "metric": ""})
    df["status"] = df.apply(_status, axis=1)
    df["shown"] = df.apply(_ci, axis=1)
    return df[["metric", "statistic", "value", "lo", "hi", "n", "status", "shown", "note"]].reset_index(drop=True)


def rule_frame(calib: pd.DataFrame) -> pd.DataFrame:
    df = calib[calib["kind"] == "rule"].copy()
    if df.empty:
        return df
    df["precision [95% Wilson]"] = df.apply(_ci, axis=1)
    return df.rename(columns={"name": "rule", "note": "accepted / dismissed"})[
        ["rule", "n", "precision [95% Wilson]", "accepted / dismissed"]
    ]


def threshold_frame(calib: pd.DataFrame) -> pd.DataFrame:
    df = calib[calib["kind"] == "threshold"].copy()
    if df.empty:
        return df
    return df.rename(columns={"name": "threshold", "current": "in use", "value": "fitted", "note": "evidence"})[
        ["threshold", "n", "in use", "fitted", "evidence"]
    ]


def label_frame(db: str | Path | None = None, limit: int = 200) -> pd.DataFrame:
    """The latest labels of every kind, newest first, in one table."""
    parts = []
    f = latest_findings(db)
    if not f.empty:
        parts.append(pd.DataFrame({
            "time": f["created_at"], "kind": "finding", "reviewer": f["reviewer"], "case": f["case_id"],
            "variant": f["variant"], "section": f["section"], "label": f["outcome"] + " " + f["rule"], "reason": f["reason"],
            "source": f["source"],
        }))
    r = latest_ratings(db)
    if not r.empty:
        parts.append(pd.DataFrame({
            "time": r["created_at"], "kind": "rating", "reviewer": r["reviewer"], "case": r["case_id"],
            "variant": r["variant"], "section": r["section"], "label": r["rating"].astype(str) + "/5", "reason": r["reason"],
            "source": r["source"],
        }))
    p = latest_preferences(db)
    if not p.empty:
        parts.append(pd.DataFrame({
            "time": p["created_at"], "kind": "preference", "reviewer": p["reviewer"], "case": p["case_id"],
            "variant": p["variant_a"] + " vs " + p["variant_b"], "section": p["section"].fillna("overall"),
            "label": p["preference"].map({"A": "A better", "B": "B better", "tie": "tie"}), "reason": p["reason"],
            "source": p["source"],
        }))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True).sort_values("time", ascending=False)
    return out.head(limit).reset_index(drop=True)


def run_calibration(db: str | Path | None = None) -> str:
    """Load the starter set (once), calibrate, store; a one-line summary for the page."""
    from pmstudio.evals.calibration import calibrate, fingerprint
    from pmstudio.evals.labelset import LabelSetError, load_starter
    from pmstudio.store.calibration import record_calibration
    from pmstudio.store.feedback import FeedbackError

    try:
        load_starter(db)
    except (LabelSetError, FeedbackError) as exc:
        return f"starter label set not loaded: {exc}"
    report = calibrate(db)
    if sum(report.labels.values()) == 0:
        return "no labels yet: nothing to calibrate"
    record_calibration(report, path=db, settings={"fingerprint": fingerprint(db, None)})
    calibrated = sorted(k for k, v in report.calibrated().items() if v)
    return f"calibrated on {sum(report.labels.values())} labels; {len(calibrated)} metrics meet the bar"
