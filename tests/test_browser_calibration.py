"""Reviewer feedback in headless Debian Chromium: dismiss a finding and rate a section on the Draft page, prefer a
draft in Compare; each lands in DuckDB and on the Calibration page (tests/test_browser.py's server and browser)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from .test_browser import ROOT, _page, server  # noqa: F401,TID252

pytestmark = pytest.mark.browser


def _seed(srv: dict[str, Any]) -> str:
    """An offline eval run of one case under two prompt sets; one finding injected into the first draft."""
    db = str(srv["db"])
    code = (
        "import asyncio; from pmstudio.golden import load_dataset; from pmstudio.evals.runner import EvalSettings, Runner; "
        "cases=[c for c in load_dataset('datasets/golden') if c.id.startswith('docsrs')]; "
        f"asyncio.run(Runner(cases, EvalSettings(prompt_sets=['default','seed-single-shot'], max_revisions=0, "
        f"metrics=['timeline_recall']), db={db!r}).run())"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=srv["env"], check=True, timeout=300)
    from pmstudio.store.db import connect
    from pmstudio.store.queries import get_draft

    with connect(srv["db"], read_only=True) as con:
        draft_id = con.execute("SELECT draft_id FROM drafts WHERE prompt_set = 'default' LIMIT 1").fetchall()[0][0]
    view = get_draft(draft_id, srv["db"])
    assert view is not None and view.postmortem is not None and view.postmortem.summary is not None
    span = view.postmortem.summary.summary.split()[0]
    finding = {"rule": "B7-x", "severity": "medium", "section": "summary", "span": span, "message": "browser test"}
    with connect(srv["db"]) as con:
        con.execute("UPDATE drafts SET critic = ? WHERE draft_id = ?",
                    [json.dumps({"findings": [finding], "history": [finding], "rounds": 1, "critic": "lints"}), draft_id])
    return str(draft_id)


def _visible(locator: Any) -> Any:
    return locator.filter(visible=True).first


def test_feedback_round_trips_into_duckdb_and_onto_the_calibration_page(server: dict[str, Any], browser: Any) -> None:  # noqa: F811
    from pmstudio.store.feedback import latest_findings, latest_preferences, latest_ratings

    draft_id = _seed(server)
    page = _page(browser, set())
    page.goto(f"{server['url']}/?draft={draft_id}")
    page.get_by_role("tab", name=re.compile("Executive Summary")).wait_for(timeout=60_000)
    # finding: Dismiss with a reason
    _visible(page.get_by_role("button", name="Dismiss")).click()
    _visible(page.get_by_label("Reason (optional)")).fill("fine as written")
    _visible(page.get_by_role("button", name="Dismiss finding")).click()
    page.get_by_text("Dismissed B7-x").wait_for(timeout=30_000)
    # rating: the visible tab's section (Executive Summary), 4/5
    rating = _visible(page.locator('[data-testid="stRadio"]').filter(has_text="Rating (1 = wrong"))
    rating.get_by_text("4", exact=True).click()
    _visible(page.get_by_label("Reason (one line)")).fill("clear, duration right")
    _visible(page.get_by_role("button", name="Save rating")).click()
    page.get_by_text("Saved: summary rated 4.").wait_for(timeout=30_000)
    # preference: Compare's drill-down
    page.goto(server["url"] + "/compare")
    page.get_by_text("Which draft is better?").wait_for(timeout=60_000)
    _visible(page.locator('[data-testid="stRadio"]').filter(has_text="Preference")).get_by_text("B better").click()
    _visible(page.get_by_label("Reason (one line)")).fill("tighter timeline")
    _visible(page.get_by_role("button", name="Save preference")).click()
    page.get_by_text("Saved: B better.").wait_for(timeout=30_000)

    assert latest_findings(server["db"])[["rule", "outcome", "reason"]].values.tolist() == [["B7-x", "dismiss", "fine as written"]]
    assert latest_ratings(server["db"])[["section", "rating", "reason"]].values.tolist() == [["summary", 4, "clear, duration right"]]
    assert latest_preferences(server["db"])[["preference", "reason"]].values.tolist() == [["B", "tighter timeline"]]

    page.goto(server["url"] + "/calibration")
    page.get_by_role("heading", name="Latest labels").wait_for(timeout=60_000)
    page.get_by_text("1 finding · 1 rating · 1 preference").wait_for(timeout=30_000)
    page.get_by_text("No calibration yet").wait_for(timeout=30_000)
