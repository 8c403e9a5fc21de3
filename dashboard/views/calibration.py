"""Calibration page: how far lints, metrics and judges agree with reviewers' labels, and the labels themselves."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pmstudio.ui.calibration import (
    agreement_frame,
    label_frame,
    rule_frame,
    run_calibration,
    stored_calibration,
    threshold_frame,
)
from pmstudio.ui.escape import escape_md

st.title("Calibration")
st.caption(
    "Agreement of each metric and judge with reviewers' section ratings (Spearman), pass/fail (Cohen's κ) and "
    "pairwise preferences, with 95% intervals. A metric gates `make eval` and the leaderboard only when it is "
    "calibrated: κ ≥ 0.6 or Spearman ≥ 0.6 on ≥ 30 labels. Rubric: `evals/rubrics/labeling.md`."
)

calib = stored_calibration()
if st.button("Re-run calibration", help="loads the starter label set once, then scores every labelled draft"):
    with st.spinner("Calibrating on the labels…"):
        message = run_calibration()
    st.success(escape_md(message))
    calib = stored_calibration()

if calib.empty:
    st.info("No calibration yet. Run `make calibrate` (or the button above) to compute it from the labels.")
else:
    when = pd.to_datetime(calib["created_at"].iloc[0])
    st.caption(escape_md(f"Calibration of {when:%Y-%m-%d %H:%M} UTC · labels: {calib['labels'].iloc[0]}"))
    agree = agreement_frame(calib)
    st.subheader("Agreement per metric and judge")
    stat = st.radio("Statistic", ["spearman", "kappa", "pairwise_accuracy"], horizontal=True, key="calib_stat")
    part = agree[(agree["statistic"] == stat) & agree["value"].notna()]
    if part.empty:
        st.caption("No figures for this statistic.")
    else:
        base = alt.Chart(part)
        domain = [-1, 1] if stat != "pairwise_accuracy" else [0, 1]
        bars = base.mark_rule().encode(x=alt.X("lo:Q", scale=alt.Scale(domain=domain), title=stat), x2="hi:Q",
                                       y=alt.Y("metric:N", sort="-x"), color="status:N")
        points = base.mark_point(filled=True, size=60).encode(
            x="value:Q", y=alt.Y("metric:N", sort="-x"), color=alt.Color("status:N"),
            tooltip=["metric", "status", "n", "value", "lo", "hi", "note"],
        )
        chart = bars + points
        if stat != "pairwise_accuracy":  # the calibration bar
            chart = chart + alt.Chart(pd.DataFrame({"bar": [0.6]})).mark_rule(strokeDash=[4, 4]).encode(x="bar:Q")
        st.altair_chart(chart, width="stretch")
    st.dataframe(
        agree.pivot_table(index=["metric", "status", "n"], columns="statistic", values="shown", aggfunc="first")
        .reset_index(),
        width="stretch", hide_index=True,
    )
    rules = rule_frame(calib)
    if not rules.empty:
        st.subheader("Lint rules: precision from accepted / dismissed findings")
        st.dataframe(rules, width="stretch", hide_index=True)
    th = threshold_frame(calib)
    if not th.empty:
        st.subheader("Thresholds re-fitted on the labels (5-fold cross-validation)")
        st.dataframe(th, width="stretch", hide_index=True)

st.subheader("Latest labels")
labels = label_frame(limit=200)
if labels.empty:
    st.caption("No labels yet: rate sections on the Draft page, prefer a draft in Compare, or run `pmstudio label`.")
else:
    counts = labels["kind"].value_counts()
    st.caption(" · ".join(f"{counts.get(k, 0)} {k}{'s' if counts.get(k, 0) != 1 else ''}"
                          for k in ("finding", "rating", "preference")) + " (latest per reviewer, newest first)")
    st.dataframe(labels, width="stretch", hide_index=True)
