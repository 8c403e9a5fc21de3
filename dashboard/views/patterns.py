"""Patterns page: what keeps coming back across incidents (cross-incident memory, pmstudio.memory).

Recurring contributing-factor classes over time and action items open vs done per incident, as Altair charts.
Reads the memory tables read-only; "Index new drafts" adds stored drafts that are not in the memory yet.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pmstudio.memory import class_label, sync_index
from pmstudio.store.memory import count_unindexed, patterns
from pmstudio.ui import escape_md

st.title("Patterns")
st.caption("Factors that recur across incidents, and whether their follow-up work gets done.")

waiting = count_unindexed()
if waiting != 0:
    c1, c2 = st.columns([4, 1])
    c1.info(f"{waiting if waiting > 0 else 'Some'} stored draft(s) are not in the cross-incident memory yet.")
    if c2.button("Index new drafts", key="patterns_index"):
        with st.spinner("Indexing…"):
            added = sync_index()
        st.toast(f"Indexed {added} incident(s)")
        st.rerun()

classes, actions = patterns()
if classes.empty and actions.empty:
    st.info("No incidents in the memory yet. Draft a few (`pmstudio draft ...`), then index them here.")
    st.stop()

incidents = pd.concat([classes[["incident_id"]], actions[["incident_id"]]]).drop_duplicates()
open_n = int((actions["status"] == "open").sum()) if not actions.empty else 0
done_n = int((actions["status"] == "done").sum()) if not actions.empty else 0
m1, m2, m3 = st.columns(3)
m1.metric("Incidents", len(incidents))
m2.metric("Action items open", open_n)
m3.metric("Action items done", done_n)

st.subheader("Recurring factors over time")
if classes.empty:
    st.caption("No contributing factors recognised yet.")
else:
    classes = classes.assign(factor=[class_label(c) for c in classes["class"]])
    counts = classes.groupby("factor")["incident_id"].nunique().sort_values(ascending=False)
    recurring = counts[counts >= 2]
    shown = classes[classes["factor"].isin(recurring.index if not recurring.empty else counts.index[:8])]
    chart = (
        alt.Chart(shown)
        .mark_circle(size=160, opacity=0.8)
        .encode(
            x=alt.X("started_at:T", title="incident start"),
            y=alt.Y("factor:N", title=None, sort=list(counts.index)),
            color=alt.Color("factor:N", legend=None),
            tooltip=[alt.Tooltip("incident_id:N", title="incident"), alt.Tooltip("title:N"), alt.Tooltip("started_at:T")],
        )
        .properties(height=max(160, 28 * shown["factor"].nunique()))
    )
    st.altair_chart(chart, width="stretch")
    table = pd.DataFrame({"factor": counts.index, "incidents": counts.values,
                          "ids": [", ".join(sorted(classes[classes["factor"] == f]["incident_id"].unique())[:6]) for f in counts.index]})  # fmt: skip
    st.dataframe(table[table["incidents"] >= 2] if not recurring.empty else table, hide_index=True, width="stretch")

st.subheader("Action items: open vs done")
if actions.empty:
    st.caption("No action items yet.")
else:
    per = actions.groupby(["incident_id", "status"]).size().reset_index(name="items")
    bars = (
        alt.Chart(per)
        .mark_bar()
        .encode(
            x=alt.X("items:Q", title="action items"),
            y=alt.Y("incident_id:N", title=None),
            color=alt.Color("status:N", scale=alt.Scale(domain=["open", "done"], range=["#d62728", "#2ca02c"])),
            tooltip=["incident_id:N", "status:N", "items:Q"],
        )
        .properties(height=max(160, 22 * per["incident_id"].nunique()))
    )
    st.altair_chart(bars, width="stretch")
    still_open = actions[actions["status"] == "open"]
    if not still_open.empty:
        with st.expander(f"{len(still_open)} open action item(s)"):
            for r in still_open.itertuples():
                st.markdown(f"- {escape_md(r.incident_id)}: {escape_md(r.text)}")
