"""Postmortem Studio dashboard: `make dashboard` (or `streamlit run dashboard/app.py`).

Binds to 127.0.0.1 with usage stats off (dashboard/.streamlit/config.toml and the Makefile). Pages live in
dashboard/views/ and stay thin: all logic is in the `pmstudio` package. Every page reads through
`pmstudio.store.queries` (short read-only connections that retry while a writer holds the file); if the
file stays locked past the retry budget, the page shows a notice instead of an error.
"""

from __future__ import annotations

import logging

import streamlit as st

from pmstudio.store import StoreBusyError
from pmstudio.store.db import default_db_path
from pmstudio.ui import escape_md

st.set_page_config(page_title="Postmortem Studio", page_icon="📝", layout="wide")
st.set_option("client.showErrorDetails", "none")  # however it is started: no traceback or file path for users

pages = [
    st.Page("views/draft.py", title="Draft", icon="✍️", default=True),
    st.Page("views/compare.py", title="Compare", icon="⚖️"),
    st.Page("views/runs.py", title="Runs", icon="🗂️"),
    st.Page("views/calibration.py", title="Calibration", icon="🎯"),
    st.Page("views/audiences.py", title="Audiences", icon="📣"),
    st.Page("views/patterns.py", title="Patterns", icon="🔁"),
]
with st.sidebar:
    st.caption(f"Database: `{default_db_path()}`")
try:
    st.navigation(pages).run()
except StoreBusyError:  # a writer (e.g. `make eval`) held the file past the retry budget: say so, don't crash
    st.warning("The database is busy: another process is writing to it. Wait a moment and reload the page.")
except Exception:  # never a traceback in front of a user (client.showErrorDetails is "none" too)
    logging.getLogger("pmstudio.dashboard").exception("page failed")
    draft = st.query_params.get("draft")
    st.error(
        "This page could not be shown"
        + (f" for draft {escape_md(draft)}" if draft else "")
        + ". The details are in the dashboard's log; other drafts and pages still work."
    )
