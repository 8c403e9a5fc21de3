"""CLI end to end (offline model): drafts, every bad-input error, nothing half-written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pmstudio.cli import app
from pmstudio.schema import PostMortem

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "examples" / "docsrs-disk-full"
runner = CliRunner()

CHAT = "\n".join(
    [
        "[2024-03-02 09:58] maya: checkout latency is climbing",
        "10:01 pagerbot: [TRIGGERED] checkout p99 latency > 2s",
        "10:04 maya: ack, looking",
        "10:09 omar: db pool exhausted on checkout-db-2",
        "10:15 maya: rolled back release 812",
        "10:22 omar: latency back to normal, resolved",
        "10:30 maya: status page updated: resolved",
    ]
)


def _rows(db: Path) -> int:
    if not db.exists():
        return 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("runs", "drafts") if t in tables)  # type: ignore[index]
    finally:
        con.close()


def test_draft_example_markdown_and_stored(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    result = runner.invoke(app, ["draft", str(EXAMPLE), "--db", str(db), "--quiet"])
    assert result.exit_code == 0, result.output
    md = result.stdout
    for heading in (
        "# Post-Mortem:",
        "## Executive Summary",
        "## Impact Assessment",
        "## Timeline",
        "### Detection",
        "## Root Cause Analysis",
        "### Contributing Factors",
        "### What Went Well",
        "## Lessons Learned",
        "## Action Items",
        "## Prevention Strategies",
        "## Supporting Information",
        "## Appendices",
    ):
        assert heading in md, heading
    assert _rows(db) == 2  # one run, one draft


def test_draft_json_validates_and_stdin_works(tmp_path: Path) -> None:
    out = tmp_path / "pm.json"
    result = runner.invoke(app, ["draft", "-", "--format", "json", "--out", str(out), "--no-store", "--quiet"], input=CHAT)
    assert result.exit_code == 0, result.output
    pm = PostMortem.model_validate_json(out.read_text())
    assert pm.timeline is not None and pm.timeline.entries
    assert all(e.at.tzinfo is not None for e in pm.timeline.entries)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.txt", b"", "empty"),
        ("blob.log", bytes(range(256)) * 4, "UTF-8"),
        ("bad.json", b'{"log_entries": [', "JSON"),
        ("bad.yaml", b"id: x\nmaterials: [\n  - {name: a", "YAML"),
        ("mystery.yaml", b"id: x\ntimezone: UTC\nmaterials:\n  - name: a.txt\n    kind: telepathy\n    content: hi\n", "kind"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    src = tmp_path / name
    src.write_bytes(content)
    out = tmp_path / "out.md"
    db = tmp_path / "x.duckdb"
    result = runner.invoke(app, ["draft", str(src), "--out", str(out), "--db", str(db)])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert name in message and problem.lower() in message.lower(), message
    assert not out.exists()
    assert list(tmp_path.glob(".out.md*")) == []
    assert _rows(db) == 0


def test_file_over_size_limit(tmp_path: Path) -> None:
    src = tmp_path / "huge.log"
    src.write_text("2024-01-01T00:00:00Z x\n" * 100)
    result = runner.invoke(app, ["draft", str(src), "--max-bytes", "100", "--no-store"])
    assert result.exit_code == 2
    assert "huge.log" in result.stderr and "100" in result.stderr


def test_missing_path_and_bad_model(tmp_path: Path) -> None:
    result = runner.invoke(app, ["draft", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "nope.yaml" in result.stderr
    result = runner.invoke(app, ["draft", str(EXAMPLE), "--model", "anthropic:claude-sonnet-4-6"])
    assert result.exit_code == 2 and "ANTHROPIC_API_KEY" in result.stderr
    assert "sk-" not in result.stderr


def test_no_timestamps_gives_a_draft_that_says_so(tmp_path: Path) -> None:
    src = tmp_path / "notes.md"
    src.write_text("# Notes\n\nThe cache cluster ran out of memory and the site was slow.\nWe restarted it.\n")
    result = runner.invoke(app, ["draft", str(src), "--no-store"])
    assert result.exit_code == 0, result.output
    assert "no timestamps" in result.stdout.lower()


def test_prompts_and_models_commands() -> None:
    result = runner.invoke(app, ["prompts"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "seed-single-shot" in result.stdout
    os.environ.pop("OPENAI_API_KEY", None)
    result = runner.invoke(app, ["models"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "openai-compatible" in result.stdout


def test_check_flags_blame_and_passes_clean(tmp_path: Path) -> None:
    good = ROOT / "datasets" / "examples" / "docsrs-disk-full"
    result = runner.invoke(app, ["draft", str(good), "--no-store", "--quiet"])
    md = tmp_path / "pm.md"
    md.write_text(result.stdout)
    ok = runner.invoke(app, ["check", str(md)])
    assert ok.exit_code == 0, ok.stdout
    bad = tmp_path / "bad.md"
    bad.write_text(result.stdout.replace("## Executive Summary\n\n", "## Executive Summary\n\nThe outage was caused by human error. ", 1))
    flagged = runner.invoke(app, ["check", str(bad)])
    assert flagged.exit_code == 1
    assert "human error" in flagged.stdout.lower()
    assert json.loads(runner.invoke(app, ["check", str(bad), "--format", "json"]).stdout)


def test_eval_rejects_unknown_metric_and_bad_thresholds_before_work(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    result = runner.invoke(app, ["eval", "--metrics", "nope", "--db", str(db)])
    assert result.exit_code == 2 and "unknown metric 'nope'" in result.stderr
    bad = tmp_path / "t.yaml"
    bad.write_text("metrics: [")
    result = runner.invoke(app, ["eval", "--thresholds", str(bad), "--db", str(db)])
    assert result.exit_code == 2 and "t.yaml" in result.stderr
    assert _rows(db) == 0


def test_eval_small_grid_then_cached_and_gated(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    args = ["eval", "--cases", "docsrs-2019-10-21-disk-full,pivotal-pws-2017-03-31-ssl-certificate-expiry",
            "--prompts", "default,seed-single-shot", "--db", str(db), "--quiet"]
    first = runner.invoke(app, [*args, "--json", str(tmp_path / "cmp.json")], env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "4 cells, 0 drafts from cache, 0 errors" in first.stderr
    cmp = json.loads((tmp_path / "cmp.json").read_text())
    assert {s["variant"] for s in cmp["summaries"]} == {"offline | default", "offline | seed-single-shot"}
    second = runner.invoke(app, args)
    assert second.exit_code == 0 and "4 cells, 4 drafts from cache" in second.stderr
    strict = tmp_path / "strict.yaml"
    strict.write_text("metrics:\n  factor_recall: {min_mean: 0.99}\n")
    ungated = runner.invoke(app, [*args, "--thresholds", str(strict)])  # no calibration yet: reported, not gating
    assert ungated.exit_code == 0 and "not gating: factor_recall" in ungated.stderr
    from pmstudio.evals.calibration import Agreement, CalibrationReport
    from pmstudio.store.calibration import record_calibration

    record_calibration(CalibrationReport(rows=[Agreement(kind="metric", name="factor_recall", statistic="kappa", value=0.7,
                                                         n=40, calibrated=True)]), path=db)
    gated = runner.invoke(app, [*args, "--thresholds", str(strict)])
    assert gated.exit_code == 1 and "gate failed" in gated.stderr and "factor_recall" in gated.stderr


def test_draft_through_a_provider_with_timeout_and_max_tokens(fake_server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The per-section output cap and request timeout reach the wire through the real OpenAI SDK."""
    from pydantic_ai import models

    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)
    fake_server.reset()
    model = f"openai-compatible:local-small@{fake_server.openai_base_url}"
    result = runner.invoke(
        app, ["draft", str(EXAMPLE), "--model", model, "--max-tokens", "321", "--timeout", "30", "--no-store", "--quiet"]
    )
    bodies = [e["body"] for e in fake_server.log() if e["path"].endswith("/chat/completions")]
    drafting = [b for b in bodies if "# EVIDENCE" in json.dumps(b)]  # the rest probed the server (?output=auto)
    assert len(bodies) > len(drafting) > 0
    assert all(b["max_tokens"] == 321 and "max_completion_tokens" not in b for b in drafting)
    assert all(b["response_format"]["type"] == "json_schema" for b in drafting)  # auto chose native here
    # the server honours the cap: the longer sections are cut, fail validation and fall back (exit 3)
    cut = [line for line in result.stderr.splitlines() if line.startswith("section ")]
    assert result.exit_code == 3 and cut, result.output
    assert all("failed: validation: " in line and line.endswith("(offline fallback)") for line in cut)


def test_draft_and_eval_check_the_store_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A --db that is not a DuckDB file, a folder, or a place no store can be made fails in one line naming it,
    exit 2, before any drafting (a paid model's work is never lost at the end); a store that does not exist yet
    in a writable place is not made by the check, and a store another process holds is no reason to fail."""
    import pmstudio.orchestrator as orchestrator

    calls: list[object] = []

    async def no_draft(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise AssertionError("drafted before the store was checked")

    monkeypatch.setattr(orchestrator, "draft_postmortem", no_draft)
    not_db = tmp_path / "notes.duckdb"
    not_db.write_text("not a database\n")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    example = str(Path(__file__).resolve().parents[1] / "datasets" / "examples" / "docsrs-disk-full")
    for db, problem in ((not_db, "not a valid DuckDB"), (tmp_path, "Is a directory"), (blocker / "sub" / "x.duckdb", "cannot create")):
        for argv in (["draft", example, "-q"], ["eval", "--models", "offline", "-q"], ["eval-check"]):
            result = runner.invoke(app, [*argv, "--db", str(db)])
            assert result.exit_code == 2, (argv, result.output)
            assert str(db) in result.output and problem in result.output, result.output
    assert calls == []
    assert not_db.read_text() == "not a database\n"

    from pmstudio.storecli import preflight

    fresh = tmp_path / "new" / "deeper" / "x.duckdb"
    preflight(fresh)  # creatable: passes, and makes nothing
    assert not (tmp_path / "new").exists()
    held = tmp_path / "held.duckdb"
    with duckdb.connect(str(held)) as con:  # held for writing by this process's other connection
        con.execute("CREATE TABLE t (a INT)")
        preflight(held)
