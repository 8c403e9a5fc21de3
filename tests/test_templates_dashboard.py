"""The Draft page offers the template: the Markdown tab and download follow the choice."""

from __future__ import annotations

import asyncio
from pathlib import Path

from streamlit.testing.v1 import AppTest

from pmstudio.ingest import load_bundle
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.render import render_markdown
from pmstudio.store import record_draft

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "docsrs-disk-full"


def test_draft_page_renders_the_chosen_template() -> None:
    bundle, _ = load_bundle(EXAMPLE)
    record = asyncio.run(draft_postmortem(bundle, settings=DraftSettings(max_revisions=0)))
    assert record.postmortem is not None
    record_draft(record, bundle, markdown=render_markdown(record.postmortem, bundle=bundle))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
    at.query_params["draft"] = record.draft_id
    at.run()
    assert not at.exception
    choice = at.selectbox(key="draft_template")
    assert choice.value == "seed" and {"pagerduty", "google-sre", "atlassian", "minimal"} <= set(
        choice.options
    )
    code = "\n".join(c.value for c in at.code)
    assert "## Executive Summary" in code and "## Overview" not in code
    choice.select("pagerduty").run()
    assert not at.exception
    code = "\n".join(c.value for c in at.code)
    assert "## Overview" in code and "## How'd We Do?" in code and "## Other notes" in code
    assert "## Executive Summary" not in code
