"""Screenshots of the dashboard pages for the README (docs/draft.png, docs/compare.png, docs/runs.png).

From a real run: an offline eval of the golden set (two prompt sets) and an offline draft of the example
bundle through the Draft page, in a temporary database, in headless Debian Chromium.
Run: `.venv/bin/python tests/screenshots.py [--out docs]` (not a test; pytest does not collect it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="pmstudio-shots-"))
    db = tmp / "pmstudio.duckdb"
    env = {
        **os.environ,
        "PMSTUDIO_DB": str(db),
        "DEEPEVAL_TELEMETRY_OPT_OUT": "YES",
        "DEEPEVAL_DISABLE_DOTENV": "1",
    }
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        env.pop(key, None)
    os.environ.update(
        {k: env[k] for k in ("PMSTUDIO_DB", "DEEPEVAL_TELEMETRY_OPT_OUT", "DEEPEVAL_DISABLE_DOTENV")}
    )

    from pmstudio.evals.runner import EvalSettings, Runner
    from pmstudio.golden import load_dataset

    cases = load_dataset(ROOT / "datasets" / "golden")
    asyncio.run(Runner(cases, EvalSettings(prompt_sets=["default", "seed-single-shot"]), db=db).run())

    port = _port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard" / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        env=env,
        cwd=tmp,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(url)
            page.get_by_text("Draft a post-mortem").wait_for(timeout=30_000)
            example = ROOT / "datasets" / "examples" / "docsrs-disk-full"
            page.locator("input[type=file]").set_input_files(
                [str(f) for f in sorted(example.iterdir()) if f.name != "bundle.yaml"]
            )
            page.get_by_label("Timezone of bare times").fill("Europe/Berlin")
            page.get_by_label("Incident title (optional)").fill(
                "docs.rs outage after the build server's disk filled up"
            )
            page.get_by_role("button", name="Draft", exact=True).click()
            page.get_by_role("tab", name="Timeline").wait_for(timeout=120_000)
            page.reload()  # the draft is in the URL and the database: a reload reopens it, form folded
            page.get_by_role("tab", name="Timeline").wait_for(timeout=60_000)
            page.get_by_role("tab", name="Timeline").click()
            page.locator("summary", has_text="evidence").locator("visible=true").nth(1).click()
            time.sleep(1.5)
            page.screenshot(path=str(args.out / "draft.png"))

            page.goto(url + "/compare")
            page.get_by_role("heading", name="Leaderboard").wait_for(timeout=60_000)
            page.get_by_role("heading", name="Drill into a case").wait_for(timeout=60_000)
            time.sleep(2)
            page.screenshot(path=str(args.out / "compare.png"))

            page.goto(url + "/runs")
            page.get_by_text("draft(s) in run").wait_for(timeout=60_000)
            time.sleep(1.5)
            page.screenshot(path=str(args.out / "runs.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"screenshots in {args.out} (database {db})")


if __name__ == "__main__":
    main()
