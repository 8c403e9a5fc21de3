"""The hostile-but-valid fake model: schema-valid answers that stress everything after the schema, through
the agents (FunctionModel), the fake server, the CLI draft and an eval grid. Nothing may raise; each
problem ends as a dropped-and-recorded item, a finding or a note."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pmstudio.agents.sections import OUTPUT_TYPES
from pmstudio.findings import span_problem
from pmstudio.ingest import load_bundle
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.render import render_json, render_markdown
from pmstudio.schema import Finding
from pmstudio.testing.hostile import EDGE_TIMES, HOSTILE_TEXTS, hostile_answer_for_schema, hostile_model

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "docsrs-disk-full"


@pytest.mark.parametrize("name", sorted(OUTPUT_TYPES))
def test_hostile_answers_satisfy_the_schema(name: str) -> None:
    model = OUTPUT_TYPES[name]
    seen = ""
    for seed in range(8):
        value = hostile_answer_for_schema(model.model_json_schema(), [], random.Random(seed))
        model.model_validate(value)  # valid, however hostile
        seen += json.dumps(value, ensure_ascii=False)
    assert any(t[:20] in seen for t in HOSTILE_TEXTS)
    if "date-time" in json.dumps(model.model_json_schema()):
        assert any(t in seen for t in EDGE_TIMES)


def test_hostile_findings_satisfy_the_schema() -> None:
    from pmstudio.agents.critic import CriticFindings

    draft = {"summary": {"title": "t", "summary": "The disk filled up.", "evidence": []}}
    texts = ["# DRAFT AND LINT FINDINGS (JSON)\n" + json.dumps({"draft": draft, "lint_findings": []})]
    for seed in range(6):
        CriticFindings.model_validate(
            hostile_answer_for_schema(CriticFindings.model_json_schema(), texts, random.Random(seed))
        )


@pytest.fixture(scope="module")
def hostile_record():  # type: ignore[no-untyped-def]
    bundle, _ = load_bundle(EXAMPLE)
    return bundle, asyncio.run(draft_postmortem(bundle, model=hostile_model(), settings=DraftSettings(max_revisions=1)))


def test_a_hostile_draft_completes_and_every_problem_is_recorded(hostile_record) -> None:  # type: ignore[no-untyped-def]
    bundle, record = hostile_record
    assert record.postmortem is not None
    dropped = [d for s in record.sections for d in s.dropped]
    assert any("does not exist" in d or "evidence" in d for d in dropped), dropped[:5]
    known = {e.id for e in bundle.evidence}
    pm = record.postmortem
    if "nope:999" in pm.model_dump_json():  # an id list the section validator does not clean (supporting logs)
        assert any(f.rule.startswith("G3") and f.span == "nope:999" for f in record.critic.findings), (
            "a nonexistent evidence id that survives must be shown as a finding"
        )
    cited = [i for e in (pm.timeline.entries if pm.timeline else []) for i in e.evidence]
    assert set(cited) <= known  # nonexistent evidence ids never survive into the draft
    agent = [f for f in record.critic.findings if f.source == "agent"]
    assert all(span_problem(pm, f) is None for f in agent)  # the contract held at the critic's boundary
    assert any(d for s in record.sections if s.section == "critic" for d in s.dropped)
    md = render_markdown(pm, bundle=bundle, critic=record.critic)
    assert "## Timeline" in md and render_json(pm)


def test_hostile_draft_through_the_cli_and_the_fake_server(
    model_strings: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic_ai import models

    from pmstudio.cli import app
    from pmstudio.store.queries import get_draft, list_drafts

    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)
    result = CliRunner().invoke(app, ["draft", str(EXAMPLE), "--model", model_strings["hostile fake"], "--quiet",
                                      "--max-revisions", "1", "--findings", str(tmp_path / "f.json")])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "## Timeline" in result.output
    for f in json.loads((tmp_path / "f.json").read_text()):
        Finding.model_validate(f)
    view = get_draft(str(list_drafts()["draft_id"][0]))
    assert view is not None and view.postmortem is not None
    assert view.postmortem.failed_sections == [], view.error  # hostile answers are repaired, not failures


def test_hostile_eval_grid_finishes(model_runs: dict[str, Path]) -> None:
    import duckdb

    with duckdb.connect(str(model_runs["hostile fake"]), read_only=True) as con:
        cells = con.execute("SELECT status, error FROM eval_cells").fetchall()
        scores = con.execute("SELECT count(*) FROM scores").fetchone()
    # every cell drafted; a section may fail only as a validation failure (a hostile answer left empty through
    # every retry), never as an error of the grid: schema-valid answers are repaired or failed with a reason
    assert len(cells) == 2 and all(status in ("ok", "partial") for status, _ in cells), cells
    for status, error in cells:
        if status == "partial":
            parts = [p.split(": ", 2) for p in (error or "").split("; ")]
            assert parts and all(len(p) > 2 and p[1] == "validation" for p in parts), error
    assert scores is not None and scores[0] > 0
