"""The Compare page's leaderboard as a table that reads at a glance: one row per (metric, variant) with
headed columns (mean, 95 % CI, pass rate in %), gate metrics marked, gate failures flagged and the best
variant per metric flagged; and the word-level diff of two variants' section text."""

from __future__ import annotations

import difflib
import re

import pandas as pd

from pmstudio.evals.compare import Comparison
from pmstudio.evals.report import Thresholds, load_thresholds
from pmstudio.resources import card_dir
from pmstudio.ui.escape import escape_md

COLUMNS = ["Metric", "Variant", "Gate", "Mean", "95% CI", "Pass rate", "n", "best", "failing"]


def default_thresholds() -> Thresholds:
    """The gates of `make eval` (evals/thresholds.yaml); none when the file is missing or bad."""
    try:
        return load_thresholds(card_dir("evals") / "thresholds.yaml")
    except Exception:  # the page still works without gates
        return Thresholds()


def leaderboard_frame(cmp: Comparison, thresholds: Thresholds) -> pd.DataFrame:
    """Rows (metric, variant) with Mean, 95% CI as text, Pass rate in %, a gate mark, and `best` / `failing`."""
    rows = []
    for s in cmp.summaries:
        gate = thresholds.metrics.get(s.metric)
        gated = gate is not None and gate.gates(s.calibrated)
        failing = False
        if gated and gate is not None and not (s.n == 0 and s.n_na > 0):
            failing = bool(
                (gate.min_mean is not None and (s.mean is None or s.mean < gate.min_mean))
                or (gate.min_pass_rate is not None and (s.pass_rate is None or s.pass_rate < gate.min_pass_rate))
            )
        rows.append({
            "Metric": s.metric,
            "Variant": s.variant,
            "Gate": "gate" if gated else ("uncalibrated" if gate is not None else ""),
            "Mean": s.mean,
            "95% CI": "-" if s.ci_low is None or s.ci_high is None else f"[{s.ci_low:.2f}, {s.ci_high:.2f}]",
            "Pass rate": None if s.pass_rate is None else round(100 * s.pass_rate, 1),
            "n": s.n,
            "failing": failing,
        })
    df = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "best"])
    if df.empty:
        return df.assign(best=pd.Series(dtype=bool))
    top = df.groupby("Metric")["Mean"].transform("max")
    several = df.groupby("Metric")["Variant"].transform("count") > 1
    distinct = df.groupby("Metric")["Mean"].transform(lambda m: m.nunique(dropna=True) > 1)
    df["best"] = several & distinct & df["Mean"].notna() & (df["Mean"] == top)
    return df[COLUMNS].sort_values(["Metric", "Variant"]).reset_index(drop=True)


def styled(df: pd.DataFrame) -> object:
    """Failing gate cells red, the best variant of a metric green and bold (the flag columns hidden)."""
    def paint(row: pd.Series) -> list[str]:
        out = []
        for col in df.columns:
            css = ""
            if row["failing"] and col in ("Mean", "Pass rate"):
                css = "background-color: #f8d7da; color: #842029"
            elif row["best"] and col in ("Variant", "Mean"):
                css = "background-color: #d1e7dd; font-weight: bold"
            out.append(css)
        return out

    return (
        df.style.apply(paint, axis=1)
        .format({"Mean": "{:.3f}", "Pass rate": "{:.0f} %"}, na_rep="-")
        .hide(["best", "failing"], axis="columns")
        .hide(axis="index")
    )


_WORD = re.compile(r"\S+|\s+")


def word_diff(a: str, b: str) -> str:
    """Markdown of `b` against `a` word by word: removed words struck out in red, added words in green
    (every word escaped, so incident text stays text)."""
    wa, wb = _WORD.findall(a), _WORD.findall(b)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape_md("".join(wa[i1:i2])).replace("  \n", "\n"))
            continue
        gone = "".join(wa[i1:i2]).strip()
        new = "".join(wb[j1:j2]).strip()
        if gone:
            out.append(f" :red-background[~~{escape_md(gone)}~~] ")
        if new:
            out.append(f" :green-background[{escape_md(new)}] ")
    return "".join(out).replace("\n", "  \n")
