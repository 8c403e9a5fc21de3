"""Runs page: history of draft and eval runs; open any run's drafts, or compare an eval run."""

from __future__ import annotations

import streamlit as st

from pmstudio.store.queries import list_drafts, list_runs
from pmstudio.ui import escape_md

st.title("Runs")

runs = list_runs()
if runs.empty:
    st.info("No runs yet. Draft something on the Draft page, or run `make draft` / `make eval`.")
    st.stop()

kind = st.segmented_control("Kind", ["all", "draft", "eval"], default="all", key="runs_kind")
shown = runs if kind in (None, "all") else runs[runs["kind"] == kind]
shown = shown.assign(seconds=(shown["finished_at"] - shown["started_at"]).dt.total_seconds())
st.dataframe(
    shown[
        [
            "run_id",
            "kind",
            "status",
            "started_at",
            "seconds",
            "models",
            "prompt_sets",
            "prompt_hashes",
            "code_version",
            "drafts",
            "cost_usd",
            "input_tokens",
        ]
    ],
    width="stretch",
    hide_index=True,
    column_config={
        "run_id": st.column_config.TextColumn("run", width="small"),
        "started_at": st.column_config.DatetimeColumn("started", format="YYYY-MM-DD HH:mm"),
        "seconds": st.column_config.NumberColumn("time (s)", format="%.1f"),
        "prompt_hashes": st.column_config.TextColumn("prompt hash"),
        "code_version": st.column_config.TextColumn("code"),
        "cost_usd": st.column_config.NumberColumn("cost", format="$%.4f"),
        "input_tokens": st.column_config.NumberColumn("input tokens", format="%d"),
    },
)
if shown.empty:
    st.stop()
labels = {
    r.run_id: f"{r.started_at:%Y-%m-%d %H:%M} · {r.kind} · {r.drafts} draft(s) · {r.run_id}"
    for r in shown.itertuples()
}
run_id = st.selectbox("Open run", list(labels), format_func=lambda r: labels[r], key="runs_pick")
if str(shown.loc[shown["run_id"] == run_id, "kind"].iloc[0]) == "eval" and st.button(
    "Compare this run", key="runs_compare"
):
    st.session_state["compare_runs"] = [run_id]
    st.switch_page("views/compare.py")
drafts = list_drafts(run_id=run_id, limit=500)
st.caption(escape_md(f"{len(drafts)} draft(s) in run {run_id}"))
if not drafts.empty:
    st.dataframe(
        drafts[
            [
                "draft_id",
                "case_id",
                "bundle_id",
                "model",
                "prompt_set",
                "status",
                "latency_ms",
                "cost_usd",
                "input_tokens",
                "output_tokens",
            ]
        ],
        width="stretch",
        hide_index=True,
        column_config={"cost_usd": st.column_config.NumberColumn("cost", format="$%.4f")},
    )
    names = {
        r.draft_id: f"{r.case_id or r.bundle_id} · {r.model} · {r.prompt_set} · {r.draft_id}"
        for r in drafts.itertuples()
    }
    draft_id = st.selectbox("Draft", list(names), format_func=lambda d: names[d], key="runs_draft")
    if st.button("Open in the Draft page", key="runs_open"):
        st.query_params["draft"] = draft_id
        st.session_state["draft_id"] = draft_id
        st.switch_page("views/draft.py")
