"""Every dashboard page in headless Chromium on every model path's drafts: offline, the fake server and the
hostile fake (one eval run each, conftest.model_runs). Opening and reloading a URL with a draft id, Compare
and Runs: no traceback, no exception box, no link made from incident text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pmstudio.testing.dashboard_server import serve

from .conftest import MODEL_PATHS  # noqa: TID252

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module", params=MODEL_PATHS)
def site(request: pytest.FixtureRequest, model_runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("browser-models")
    db = tmp / "pmstudio.duckdb"
    shutil.copy(model_runs[request.param], db)
    with duckdb.connect(str(db), read_only=True) as con:
        drafts = [r[0] for r in con.execute("SELECT draft_id FROM drafts ORDER BY draft_id").fetchall()]
    proc, url, log = serve(db, tmp)
    try:
        yield {"url": url, "drafts": drafts, "path": request.param, "db": db}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# A Vega chart's plot area in its rendered SVG: the root view's frame (its background path), the span of the x
# axis's grid lines (the scale's range) and the horizontal extent of the data marks.
PLOT_AREA = """chart => {
  const box = e => e.getBoundingClientRect();
  const frame = box(chart.querySelector("svg .mark-group.role-frame.root > g > path.background"));
  const grid = Array.from(chart.querySelectorAll("svg .role-axis-grid line")).map(box).filter(b => b.width < 1);
  const xs = grid.map(b => b.x);
  const marks = Array.from(chart.querySelectorAll("svg .role-mark path, svg .role-mark line")).map(box);
  return {left: frame.x, frame: frame.width, grid: xs.length ? Math.max(...xs) - Math.min(...xs) : 0,
          marks: [Math.min(...marks.map(b => b.x)), Math.max(...marks.map(b => b.x + b.width))]};
}"""


def _clean(page: Any) -> None:
    body = page.locator("section.main, [data-testid='stMain']").first.inner_text(timeout=30_000)
    assert "Traceback" not in body and 'File "/' not in body, body[:500]
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stMain'] a[href^='mailto:'], [data-testid='stMain'] a[href^='javascript:']").count() == 0
    assert page.locator("[data-testid='stMain'] script, [data-testid='stMain'] img[src='x']").count() == 0


def test_draft_url_opens_and_reloads(site: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    for draft_id in site["drafts"]:
        page.goto(f"{site['url']}/?draft={draft_id}")
        page.get_by_role("tab", name="Timeline").wait_for(timeout=60_000)
        _clean(page)
        page.reload()
        page.get_by_role("tab", name="Timeline").wait_for(timeout=60_000)
        assert f"draft={draft_id}" in page.url
        _clean(page)
    page.close()


def test_compare_and_runs(site: dict[str, Any], browser: Any) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone: the charts must still have room
    page.goto(site["url"] + "/compare")
    page.get_by_role("heading", name="Leaderboard").wait_for(timeout=60_000)
    page.get_by_role("heading", name="Drill into a case").wait_for(timeout=60_000)
    _clean(page)
    # the CI chart (the page's first): its PLOT AREA, not only the chart box, keeps a usable width on a phone
    ci = page.locator("[data-testid='stVegaLiteChart']").first
    ci.locator("svg .role-axis-grid").first.wait_for(state="attached", timeout=30_000)
    plot = ci.evaluate(PLOT_AREA)
    assert plot["frame"] >= 200 and plot["grid"] >= 200, plot  # of a 390 px viewport
    assert plot["marks"][0] >= plot["left"] - 8 and plot["marks"][1] <= plot["left"] + plot["frame"] + 8, plot
    page.goto(site["url"] + "/runs")
    page.get_by_role("heading", name="Runs").wait_for(timeout=30_000)
    _clean(page)
    page.close()


def _visible(locator: Any) -> Any:
    return locator.filter(visible=True).first


def test_markdown_edit_of_a_section(site: dict[str, Any], browser: Any) -> None:
    """Issue 12 item 3 in the browser on every model path: a timeline line without a time shows the problem
    with its line and saves nothing; the summary edited as Markdown is saved with a confirmation and shown
    after a reload."""
    from playwright.sync_api import expect

    from pmstudio.store.queries import get_draft

    draft_id = site["drafts"][0]
    before = get_draft(draft_id, site["db"])
    assert before is not None and before.postmortem is not None
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{site['url']}/?draft={draft_id}")
    page.get_by_role("tab", name="Timeline").wait_for(timeout=60_000)
    # the hostile fake may leave a section empty through every retry (it then failed, with its reason): edit
    # the sections this draft has
    assert before.postmortem.timeline is not None or before.postmortem.summary is not None
    if before.postmortem.timeline is not None:
        page.get_by_role("tab", name="Timeline").click()
        _visible(page.get_by_text("Edit this section", exact=True)).click()
        area = _visible(page.get_by_label("Markdown", exact=True))
        # under load the editor can show before Streamlit fills it: wait for its text, then read it
        expect(area).to_have_value(re.compile(r"^## Timeline\n"), timeout=60_000)
        lines = area.input_value().splitlines()
        assert lines[0] == "## Timeline"
        lines.insert(1, "no time on this line")
        area.fill("\n".join(lines))
        area.press("Control+Enter")
        page.get_by_text("line 2: a timeline entry needs a time like 14:02 or 2024-05-01 14:02").first.wait_for(
            timeout=60_000)
        _visible(page.get_by_role("button", name="Save section")).click()
        page.get_by_text("Not saved: 1 problem(s) in the text; nothing was changed.").wait_for(timeout=60_000)
        _clean(page)
        after = get_draft(draft_id, site["db"])
        assert after is not None and after.postmortem is not None
        assert after.postmortem.timeline == before.postmortem.timeline
    if before.postmortem.summary is None:
        page.close()
        return
    page.get_by_role("tab", name="Executive Summary").click()
    _visible(page.get_by_text("Edit this section", exact=True)).click()
    area = _visible(page.get_by_label("Markdown", exact=True))
    expect(area).to_have_value(re.compile(r"^## Executive Summary\n"), timeout=60_000)
    area.fill(area.input_value().rstrip("\n") + "\n\nA reviewer added this sentence in the browser.\n")
    area.press("Control+Enter")
    page.get_by_text("Preview (not saved yet)").first.wait_for(timeout=60_000)
    _visible(page.get_by_role("button", name="Save section")).click()
    page.get_by_text("Saved Executive Summary. The draft is stored.").first.wait_for(timeout=60_000)
    _clean(page)
    saved = get_draft(draft_id, site["db"])
    assert saved is not None and saved.postmortem is not None and saved.postmortem.summary is not None
    assert saved.postmortem.summary.summary.endswith("A reviewer added this sentence in the browser.")
    page.reload()
    page.get_by_text("A reviewer added this sentence in the browser.").first.wait_for(timeout=60_000)
    _clean(page)
    page.close()
