"""Calibration results: store one `pmstudio calibrate` run, read the latest, and say which metrics gate.

A metric or judge gates only when the latest calibration marks it calibrated (κ or Spearman >= 0.6 on
>= 30 labels, `pmstudio.evals.calibration.meets_bar`); no calibration at all means nothing is calibrated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pmstudio.store.db import insert_rows
from pmstudio.store.queries import frame
from pmstudio.store.transaction import write


def record_calibration(report: Any, *, path: str | Path | None = None, settings: dict[str, Any] | None = None) -> str:
    """Store a `CalibrationReport` (run row + one row per figure) in one transaction; return its id."""
    from pmstudio.orchestrator import code_version

    version = code_version()

    def body(con: Any) -> None:
        con.execute(
            "INSERT INTO calibration_runs VALUES (?, ?, ?, ?, ?)",
            [report.calib_id, report.created_at, json.dumps(report.labels),
             json.dumps({"judge": report.judge, **(settings or {})}), version],
        )
        insert_rows(con, "calibration_results", [{"calib_id": report.calib_id, **r.model_dump()} for r in report.rows])

    write(path, body)
    return str(report.calib_id)


def latest_calibration(path: str | Path | None = None) -> pd.DataFrame:
    """The rows of the most recent calibration run (empty when none)."""
    return frame(
        path,
        """
        SELECT r.*, c.created_at, c.labels FROM calibration_results r
        JOIN (SELECT calib_id, created_at, labels FROM calibration_runs ORDER BY created_at DESC LIMIT 1) c
          ON c.calib_id = r.calib_id
        ORDER BY r.kind, r.name, r.statistic
        """,
        need="m003_cal_feedback",
    )


def calibrated_metrics(path: str | Path | None = None) -> dict[str, bool]:
    """metric/judge id → calibrated in the latest calibration (stand-ins never are)."""
    df = latest_calibration(path)
    if df.empty:
        return {}
    df = df[df["kind"].isin(["metric", "judge"]) & ~df["stand_in"]]
    return {str(k): bool(v) for k, v in df.groupby("name")["calibrated"].any().items()}


def latest_settings(path: str | Path | None = None) -> dict[str, Any]:
    """The settings of the most recent calibration run ({} when none)."""
    df = frame(path, "SELECT settings FROM calibration_runs ORDER BY created_at DESC LIMIT 1", need="m003_cal_feedback")
    if df.empty or not df["settings"].iloc[0]:
        return {}
    value = json.loads(df["settings"].iloc[0])
    return value if isinstance(value, dict) else {}
