"""Reviewer feedback widgets for the dashboard pages: a 1-5 section rating and a pairwise preference.

Each is one self-contained function a page calls with the stored draft ids; it writes through
`pmstudio.store.feedback.record` (the one write API) and shows a one-line error on bad input. Widget keys
include the draft ids, so two drafts (or two tabs) never share state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import streamlit as st

from pmstudio.schema import Finding
from pmstudio.store import StoreBusyError
from pmstudio.store.feedback import (
    RATING_MAX,
    RATING_MIN,
    FeedbackError,
    FindingOutcome,
    Label,
    Preference,
    SectionRating,
    default_reviewer,
    latest_preferences,
    latest_ratings,
    record,
)
from pmstudio.ui.escape import escape_md

REVIEWER_KEY = "feedback_reviewer"
PREFERENCES = {"A better": "A", "B better": "B", "Tie": "tie"}


def reviewer() -> str:
    """The reviewer name for this browser session (free text, default the login name)."""
    if REVIEWER_KEY not in st.session_state:
        st.session_state[REVIEWER_KEY] = default_reviewer()
    return str(st.session_state[REVIEWER_KEY]).strip() or default_reviewer()


def reviewer_input() -> None:
    """A sidebar field to change the reviewer name (pages may call it once)."""
    reviewer()
    st.sidebar.text_input("Reviewer", key=REVIEWER_KEY, help="stored with every label you give")


def _save(item: Label, db: str | Path | None) -> bool:
    try:
        record(item, path=db)
    except FeedbackError as exc:
        st.error(escape_md(str(exc)))
        return False
    except StoreBusyError:
        st.warning("The database is busy: another process is writing to it. Try again in a moment.")
        return False
    return True


def section_rating(draft_id: str, section: str, *, db: str | Path | None = None) -> None:
    """Rate one section of a stored draft 1-5 with a one-line reason."""
    with st.form(key=f"fb_rate_{draft_id}_{section}", clear_on_submit=True, border=True):
        st.markdown("**Rate this section**")
        c1, c2 = st.columns([1, 3])
        rating = c1.radio(
            "Rating (1 = wrong, 5 = publishable)", list(range(RATING_MIN, RATING_MAX + 1)), index=None,
            horizontal=True, key=f"fb_rate_value_{draft_id}_{section}",
        )
        reason = c2.text_input("Reason (one line)", key=f"fb_rate_reason_{draft_id}_{section}")
        if st.form_submit_button("Save rating"):
            if rating is None:
                st.error("Pick a rating from 1 to 5 first.")
            elif _save(SectionRating(draft_id=draft_id, section=section, rating=int(rating), reason=reason,
                                     reviewer=reviewer()), db):
                st.success(f"Saved: {section} rated {rating}.")
    done = latest_ratings(db, draft_id=draft_id)
    if not done.empty:
        mine = done[done["section"] == section]
        for r in mine.itertuples():
            st.caption(escape_md(f"{r.reviewer}: {r.rating}/5 — {r.reason}"))


def pairwise_preference(
    draft_a: str, draft_b: str, label_a: str = "A", label_b: str = "B", *, db: str | Path | None = None
) -> None:
    """Which of two stored drafts of one case is better (A, B or tie), with a reason."""
    with st.form(key=f"fb_pref_{draft_a}_{draft_b}", clear_on_submit=True, border=True):
        st.markdown(escape_md(f"**Which draft is better?** A = {label_a} · B = {label_b}"))
        c1, c2 = st.columns([1, 3])
        choice = c1.radio("Preference", list(PREFERENCES), index=None, key=f"fb_pref_value_{draft_a}_{draft_b}")
        reason = c2.text_input("Reason (one line)", key=f"fb_pref_reason_{draft_a}_{draft_b}")
        if st.form_submit_button("Save preference"):
            if choice is None:
                st.error("Pick A better, B better or Tie first.")
            elif _save(Preference(draft_a=draft_a, draft_b=draft_b, preference=PREFERENCES[choice], reason=reason,
                                  reviewer=reviewer()), db):
                st.success(f"Saved: {choice}.")
    prefs = latest_preferences(db)
    if not prefs.empty:
        mine = prefs[(prefs["draft_a"] == draft_a) & (prefs["draft_b"] == draft_b)]
        for r in mine.itertuples():
            st.caption(escape_md(f"{r.reviewer}: {r.preference} — {r.reason}"))


def finding_outcome(
    draft_id: str, finding: Finding, outcome: Literal["accept", "dismiss"], reason: str = "", *, db: str | Path | None = None
) -> bool:
    """Store a reviewer's accept/dismiss of one finding (the Draft page's Apply/Dismiss call this)."""
    return _save(FindingOutcome(draft_id=draft_id, rule=finding.rule, section=finding.section, span=finding.span,
                                outcome=outcome, reason=reason, reviewer=reviewer()), db)
