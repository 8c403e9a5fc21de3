"""One end-to-end test per dashboard page in headless Debian Chromium, driven by Playwright.

Never `playwright install`: Chromium comes from Debian (`apt-get install chromium`, done by .ci/run).
Without it these tests skip with the reason, except in CI (PMSTUDIO_REQUIRE_BROWSER=1), where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pmstudio.testing.dashboard_server import serve

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def server(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("browser")
    db = tmp / "pmstudio.duckdb"
    proc, url, log = serve(db, tmp)
    env = {**os.environ, "PMSTUDIO_DB": str(db), "DEEPEVAL_TELEMETRY_OPT_OUT": "YES", "DEEPEVAL_DISABLE_DOTENV": "1"}
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        env.pop(key, None)
    try:
        yield {"url": url, "db": db, "env": env, "log": tmp / "streamlit.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _page(browser: Any, hosts: set[str]) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    return page


def _wait_or_report(page: Any, locator: Any, server: dict[str, Any], timeout_ms: int = 180_000) -> None:
    """Wait for `locator`; when the page shows an error first, or the wait runs out, fail with what the page says
    and the end of the server's log (a slow machine is not a reason to fail, but an error on the page is)."""
    alerts = page.locator("[data-testid='stAlertContentError'], [data-testid='stException']")
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        if locator.count() and locator.first.is_visible():
            return
        if alerts.count():
            break
        page.wait_for_timeout(250)
    shown = " | ".join(alerts.all_inner_texts())[:1500]
    log = Path(server["log"]).read_text(errors="replace")[-1500:]
    pytest.fail(f"page showed: {shown or '(no alert)'}; server log: {log}")


def test_draft_page_drafts_the_example_offline(server: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    hosts: set[str] = set()
    page = _page(browser, hosts)
    page.goto(server["url"])
    page.get_by_text("Draft a post-mortem").wait_for(timeout=30_000)
    example = ROOT / "datasets" / "examples" / "docsrs-disk-full"
    files = [p for p in sorted(example.iterdir()) if p.name != "bundle.yaml"]
    page.locator("input[type=file]").set_input_files([str(p) for p in files])
    from playwright.sync_api import expect

    # the upload is a request of its own: clicking Draft before every file is up drafts from fewer files (or none)
    for f in files:
        page.locator("[data-testid='stFileChipName']", has_text=f.name).wait_for(timeout=60_000)
    expect(page.locator("[data-testid='stFileChipIconSpinner']")).to_have_count(0, timeout=60_000)
    page.get_by_label("Timezone of bare times").fill("Europe/Berlin")
    page.get_by_label("Timezone of bare times").press("Tab")  # committed before the click
    page.get_by_role("button", name="Draft", exact=True).click()
    _wait_or_report(page, page.get_by_role("tab", name="Timeline"), server)
    # st.tabs reaches the page as one message per tab: the first tab can be on screen before the last one arrives
    for tab in ("Executive Summary", "Impact Assessment", "Root Cause Analysis", "Action Items and Prevention"):
        expect(page.get_by_role("tab", name=tab)).not_to_have_count(0, timeout=60_000)
    page.get_by_role("tab", name="Timeline").click()
    page.get_by_text("UTC").first.wait_for(timeout=10_000)
    assert "draft=" in page.url
    page.screenshot(path=str(tmp_path / "draft.png"), full_page=True)
    assert hosts == {server["url"].split("/")[2]}, f"the page talked to other hosts: {hosts}"


def test_runs_page_lists_the_draft_run(server: dict[str, Any], browser: Any) -> None:
    page = _page(browser, set())
    page.goto(server["url"] + "/runs")
    page.get_by_role("heading", name="Runs").wait_for(timeout=30_000)
    page.get_by_text("draft(s) in run").wait_for(timeout=90_000)


def test_compare_page_shows_a_seeded_eval(server: dict[str, Any], browser: Any) -> None:
    db = str(server["db"])
    code = (
        "import asyncio; from pmstudio.golden import load_dataset; from pmstudio.evals.runner import EvalSettings, Runner; "
        "cases=[c for c in load_dataset('datasets/golden') if c.id.startswith(('docsrs','pivotal'))]; "
        f"asyncio.run(Runner(cases, EvalSettings(prompt_sets=['default','seed-single-shot'], max_revisions=0), db={db!r}).run())"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=server["env"], check=True, timeout=300)
    page = _page(browser, set())
    page.goto(server["url"] + "/compare")
    page.get_by_role("heading", name="Leaderboard").wait_for(timeout=60_000)
    page.get_by_text("Metric by variant").wait_for(timeout=30_000)
    page.get_by_role("heading", name="Drill into a case").wait_for(timeout=30_000)


def _seed_golden(server: dict[str, Any], *cases: str, memory: bool = True) -> None:
    """Store offline drafts of golden cases in the dashboard's database (another process, like a CLI user)."""
    for case in cases:
        subprocess.run(
            [sys.executable, "-m", "pmstudio.cli", "draft", str(ROOT / "datasets" / "golden" / f"{case}.yaml"), "-q",
             "--db", str(server["db"]), "-o", os.devnull, "--memory" if memory else "--no-memory"],
            cwd=ROOT, env=server["env"], check=True, timeout=300,
        )  # fmt: skip


def test_audiences_page_shows_three_versions_side_by_side(server: dict[str, Any], browser: Any) -> None:
    _seed_golden(server, "gitlab-2017-01-31-database-deletion")
    hosts: set[str] = set()
    page = _page(browser, hosts)
    page.goto(server["url"] + "/audiences")
    page.get_by_role("heading", name="Audiences").wait_for(timeout=90_000)
    for name in ("Internal", "Executive", "Public"):
        page.get_by_role("heading", name=name, exact=True).wait_for(timeout=90_000)
    page.get_by_text("Public-safety lint: no internal identifiers").wait_for(timeout=90_000)
    from playwright.sync_api import expect

    codes = page.locator("[data-testid='stCode']")
    codes.nth(2).wait_for(timeout=90_000)
    assert codes.count() == 3
    public = codes.nth(2).inner_text()
    assert "What happened" in public and "What we are changing" in public
    assert "db1" not in public and "db2" not in public  # the gitlab case's hosts stay internal
    assert "Decisions asked for" in codes.nth(1).inner_text()
    expect(page.locator("[data-testid='stDownloadButton']")).to_have_count(3, timeout=60_000)  # drawn after the code
    assert hosts == {server["url"].split("/")[2]}, f"the page talked to other hosts: {hosts}"


def test_patterns_page_charts_recurring_factors(server: dict[str, Any], browser: Any) -> None:
    # --no-memory: these drafts (the last one at least) are not in the memory yet, so the page must offer to
    # index them; every earlier test's drafts are unindexed too unless a CLI draft's enrichment indexed them
    _seed_golden(server, "docsrs-2019-10-21-disk-full", "dfds-2019-11-30-eks-ip-starvation", memory=False)
    hosts: set[str] = set()
    page = _page(browser, hosts)
    page.goto(server["url"] + "/patterns")
    page.get_by_role("heading", name="Patterns").wait_for(timeout=90_000)
    index = page.get_by_role("button", name="Index new drafts")
    index.wait_for(timeout=90_000)
    index.click()
    recurring = page.get_by_role("heading", name="Recurring factors over time")
    recurring.wait_for(timeout=90_000)
    page.get_by_role("heading", name="Action items: open vs done").wait_for(timeout=90_000)
    from playwright.sync_api import expect

    # exactly two charts once the rerun after the click has settled (a stale element of the run before can stand
    # beside the new ones for a moment)
    expect(page.locator("[data-testid='stVegaLiteChart']")).to_have_count(2, timeout=90_000)
    page.get_by_text("no alert on the failing signal").first.wait_for(state="attached", timeout=90_000)  # in both

    expect(page.get_by_role("button", name="Index new drafts")).to_have_count(0, timeout=90_000)  # all indexed
    assert hosts == {server["url"].split("/")[2]}, f"the page talked to other hosts: {hosts}"
