"""Postmortem Studio dashboard: `make dashboard` (or `streamlit run dashboard/app.py`).

Binds to 127.0.0.1 with usage stats off (dashboard/.streamlit/config.toml and the Makefile). Pages live in
dashboard/views/ and stay thin: all logic is in the `pmstudio` package.
"""

from __future__ import annotations

import streamlit as st

from pmstudio.store.db import default_db_path

st.set_page_config(page_title="Postmortem Studio", page_icon="📝", layout="wide")

pages = [
    st.Page("views/draft.py", title="Draft", icon="✍️", default=True),
    st.Page("views/compare.py", title="Compare", icon="⚖️"),
    st.Page("views/runs.py", title="Runs", icon="🗂️"),
]
with st.sidebar:
    st.caption(f"Database: `{default_db_path()}`")
st.navigation(pages).run()
