"""Audiences page: one stored draft as the internal post-mortem, the executive brief and the public version,
side by side, with the public-safety lint's verdict. Text is shown as code (never rendered as HTML or links)."""

from __future__ import annotations

import streamlit as st

from pmstudio.audience import AUDIENCES, public_findings, render_audience
from pmstudio.store.queries import get_draft, list_drafts
from pmstudio.ui import escape_md

st.title("Audiences")
st.caption("One evidence base, three readers: the team, executives, customers.")

drafts = list_drafts(limit=200)
drafts = drafts[drafts["status"] != "failed"] if not drafts.empty else drafts
if drafts.empty:
    st.info("No drafts yet. Draft something on the Draft page, or run `make draft`.")
    st.stop()

ids = list(drafts["draft_id"])
labels = {r.draft_id: f"{r.bundle_id} · {r.model} · {str(r.started_at)[:16]}" for r in drafts.itertuples()}
wanted = st.query_params.get("draft")
pick = st.selectbox("Draft", ids, index=ids.index(wanted) if wanted in ids else 0,
                    format_func=lambda i: labels.get(i, i), key="aud_draft")  # fmt: skip
view = get_draft(pick)
if view is None or view.postmortem is None:
    st.warning("This draft has no post-mortem to show.")
    st.stop()

columns = st.columns(len(AUDIENCES))
for col, audience in zip(columns, AUDIENCES, strict=True):
    text = render_audience(view.postmortem, audience, bundle=view.bundle, critic=view.critic)
    with col:
        st.subheader(audience.capitalize())
        if audience == "public":
            leaks = public_findings(text, view.bundle)
            if leaks:
                st.error("Public-safety lint failed: " + escape_md("; ".join(f"{f.rule}: {f.span}" for f in leaks)))
            else:
                st.success("Public-safety lint: no internal identifiers", icon="✅")
        elif audience == "executive":
            st.caption(f"{len(text.split())} words (one page)")
        else:
            st.caption(f"{len(text.split())} words")
        st.code(text, language="markdown", wrap_lines=True)
        st.download_button(f"Download {audience}", text, file_name=f"{view.bundle.id if view.bundle else pick}-{audience}.md",
                           mime="text/markdown", key=f"aud_dl_{audience}")  # fmt: skip
