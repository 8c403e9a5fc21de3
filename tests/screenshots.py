"""Screenshots of the dashboard pages for the README (docs/draft.png, docs/compare.png, docs/runs.png), full page.

From a real run, in a temporary database, in headless Debian Chromium:
- an eval of 8 golden cases with two variants that really differ (the offline drafter and a model behind the
  fake provider server); Compare opens the case with the largest regression of B against A;
- an offline draft of the example bundle through the Draft page, with one finding accepted and one dismissed.
Run: `make screenshots` (`.venv/bin/python tests/screenshots.py [--out docs]`; pytest does not collect it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def full_page(page: object, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main block, so the viewport grows to fit it."""
    height = page.evaluate(  # type: ignore[attr-defined]
        "Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stMainBlockContainer]')]"
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": 1400, "height": int(height) + 80})  # type: ignore[attr-defined]
    time.sleep(1.5)
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 1400, "height": 1100})  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pmstudio-shots-"))
    db = tmp / "pmstudio.duckdb"
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        os.environ.pop(key, None)
    os.environ.update({"PMSTUDIO_DB": str(db), "DEEPEVAL_TELEMETRY_OPT_OUT": "YES", "DEEPEVAL_DISABLE_DOTENV": "1"})

    from pmstudio.evals.compare import compare, load_scores
    from pmstudio.evals.runner import EvalSettings, Runner
    from pmstudio.golden import load_dataset
    from pmstudio.testing.dashboard_server import CHROMIUM, CHROMIUM_FLAGS, serve
    from pmstudio.testing.fake_server import FakeProviderServer

    cases = load_dataset(ROOT / "datasets" / "golden")[:8]
    with FakeProviderServer(seed=7) as srv:
        model = f"openai-compatible:llama3.1@{srv.openai_base_url}"
        settings = EvalSettings(models=["offline", model], prompt_sets=["default"], max_revisions=1)
        run_id = asyncio.run(Runner(cases, settings, db=db).run())
    cmp = compare(load_scores([run_id]), by=("model", "prompt"), baseline="offline | default")
    worst = max(cmp.diffs, key=lambda d: len(d.regressed_cases))
    case = worst.regressed_cases[0] if worst.regressed_cases else cases[0].id

    proc, url, log = serve(db, tmp)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(url)
            page.get_by_text("Draft a post-mortem").wait_for(timeout=30_000)
            example = ROOT / "datasets" / "examples" / "docsrs-disk-full"
            page.locator("input[type=file]").set_input_files([str(f) for f in sorted(example.iterdir())])
            page.get_by_role("button", name="Draft", exact=True).click()
            page.get_by_role("tab", name="Timeline").wait_for(timeout=120_000)
            page.reload()  # the draft is in the URL and the database: a reload reopens it, form folded
            page.get_by_role("tab", name="Timeline").wait_for(timeout=60_000)
            tab = next(t for t in page.get_by_role("tab").all() if "(" in (t.inner_text() or ""))
            tab.click()  # a section with findings
            page.get_by_role("button", name="Accept").locator("visible=true").first.click()
            time.sleep(2)
            page.get_by_role("button", name="Dismiss").locator("visible=true").first.click()
            page.get_by_label("Reason (optional)").locator("visible=true").first.fill("reads fine in context")
            page.get_by_role("button", name="Dismiss finding").locator("visible=true").first.click()
            page.get_by_text("Dismissed").first.wait_for(timeout=30_000)
            time.sleep(1.5)
            full_page(page, args.out / "draft.png")

            page.goto(f"{url}/compare?runs={run_id}&case={case}&a=offline | default&b={model} | default")
            page.get_by_role("heading", name="Drill into a case").wait_for(timeout=60_000)
            page.get_by_text("sections differ between A and B").wait_for(timeout=60_000)
            page.get_by_text("One dot per draft").click()  # the cost chart is drawn once opened
            page.locator("[data-testid='stVegaLiteChart']").nth(1).wait_for(timeout=60_000)
            time.sleep(2)
            full_page(page, args.out / "compare.png")

            page.goto(url + "/runs")
            page.get_by_text("draft(s) in run").wait_for(timeout=60_000)
            time.sleep(1.5)
            full_page(page, args.out / "runs.png")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    print(f"screenshots in {args.out} (database {db}; compare: case {case})")


if __name__ == "__main__":
    main()
