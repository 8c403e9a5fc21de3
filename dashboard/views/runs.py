"""Runs page: history of draft and eval runs; open any run's drafts."""

from __future__ import annotations

import streamlit as st

from pmstudio.store.queries import list_drafts, list_runs

st.title("Runs")

runs = list_runs()
if runs.empty:
    st.info("No runs yet. Draft something on the Draft page, or run `make draft` / `make eval`.")
    st.stop()

kind = st.segmented_control("Kind", ["all", "draft", "eval"], default="all", key="runs_kind")
shown = runs if kind in (None, "all") else runs[runs["kind"] == kind]
st.dataframe(
    shown[
        [
            "run_id",
            "kind",
            "status",
            "started_at",
            "finished_at",
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
)
run_id = st.selectbox("Open run", list(shown["run_id"]), key="runs_pick")
drafts = list_drafts(run_id=run_id, limit=500)
st.caption(f"{len(drafts)} draft(s) in run {run_id}")
if not drafts.empty:
    st.dataframe(drafts, width="stretch", hide_index=True)
    draft_id = st.selectbox("Draft", list(drafts["draft_id"]), key="runs_draft")
    if st.button("Open in the Draft page", key="runs_open"):
        st.query_params["draft"] = draft_id
        st.session_state["draft_id"] = draft_id
        st.switch_page("views/draft.py")
