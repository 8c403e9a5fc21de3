"""One path for every surface: draft -> render -> record is one library call (pmstudio.publish) that the CLI,
the dashboard and the eval runner all use, and every SQL statement lives in pmstudio.store."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from pmstudio import publish
from pmstudio.ingest import load_bundle
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.store.queries import get_draft, list_drafts

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "docsrs-disk-full"
SQL = re.compile(r"\.execute\(|\b(?:SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE|ALTER TABLE)\b")


def test_every_sql_statement_lives_in_the_store() -> None:
    outside = []
    for base in (ROOT / "src" / "pmstudio", ROOT / "dashboard"):
        for path in base.rglob("*.py"):
            if "store" in path.relative_to(base).parts[:1]:
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if SQL.search(line):
                    outside.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert outside == []


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = publish.publish_draft

    def spy(record: Any, bundle: Any, **kw: Any) -> str:
        seen.append(kw.get("command", "eval" if kw.get("con") is not None else "draft"))
        return real(record, bundle, **kw)

    monkeypatch.setattr(publish, "publish_draft", spy)
    import pmstudio.evals.runner as runner

    monkeypatch.setattr(runner, "publish_draft", spy)
    return seen


def test_cli_dashboard_and_runner_record_through_one_call(calls: list[str]) -> None:
    from streamlit.testing.v1 import AppTest
    from typer.testing import CliRunner

    from pmstudio.cli import app
    from pmstudio.evals.runner import EvalSettings, Runner
    from pmstudio.golden import load_dataset

    assert CliRunner().invoke(app, ["draft", str(EXAMPLE), "--quiet", "--max-revisions", "0"]).exit_code == 0
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120).run()
    at.text_area(key="draft_paste").input((EXAMPLE / "ops-channel.txt").read_text())
    at.button(key="draft_go").click().run()
    assert not at.exception
    cases = [c for c in load_dataset(ROOT / "datasets" / "golden") if c.id.startswith("docsrs")]
    asyncio.run(Runner(cases, EvalSettings(max_revisions=0)).run())
    assert calls == ["draft", "dashboard", "eval"]
    assert len(list_drafts()) == 3


def test_the_stored_markdown_is_the_rendered_draft() -> None:
    bundle, _ = load_bundle(EXAMPLE)
    record = asyncio.run(draft_postmortem(bundle, settings=DraftSettings(max_revisions=0)))
    md = publish.publish_draft(record, bundle, command="test")
    view = get_draft(record.draft_id)
    assert view is not None and view.markdown == md == publish.rendered(record, bundle)
    assert publish.publish_draft(record, bundle, store=False) == md
