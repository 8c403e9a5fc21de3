"""The dashboard and an eval writer on one DuckDB file at the same time.

An offline eval (`Runner`, in a subprocess) writes while this process runs every read the dashboard's
pages make, renders the Runs and Compare pages with AppTest, and autosaves a draft as the Draft page does.
No lock error may reach the caller, and no write may be lost: the eval's row counts equal those of a
clean run of the same grid on its own file, and the dashboard's own draft is stored complete.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pmstudio.evals.compare import load_scores
from pmstudio.ingest import load_bundle
from pmstudio.orchestrator import DraftSettings, draft_sync
from pmstudio.render import render_markdown
from pmstudio.store import connect, record_draft, update_draft_markdown
from pmstudio.store import queries as q

from .test_dashboard_draft import EXAMPLE, ROOT, _app  # noqa: TID252

CASES = ("docsrs", "pivotal")
REPEATS = 2
RUNNER = (
    "import asyncio, sys\n"
    "from pmstudio.golden import load_dataset\n"
    "from pmstudio.evals.runner import EvalSettings, Runner\n"
    f"cases = [c for c in load_dataset({str(ROOT / 'datasets' / 'golden')!r}) if c.id.startswith({CASES!r})]\n"
    f"settings = EvalSettings(prompt_sets=['default', 'seed-single-shot'], repeats={REPEATS}, max_revisions=0)\n"
    "print(asyncio.run(Runner(cases, settings, db=sys.argv[1]).run()))\n"
)
TABLES = ("runs", "eval_cells", "scores", "drafts", "sections", "findings", "bundles")


def _eval(db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", RUNNER, str(db)], cwd=ROOT, env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _counts(db: Path) -> dict[str, int]:
    with connect(db, read_only=True) as con:
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in TABLES}


@pytest.mark.slow
def test_dashboard_reads_and_autosaves_while_an_eval_writes(tmp_path: Path) -> None:
    clean_db = tmp_path / "clean.duckdb"
    clean = _eval(clean_db)
    _, err = clean.communicate(timeout=300)
    assert clean.returncode == 0, err[-2000:]
    expected = _counts(clean_db)
    assert expected["eval_cells"] == len(CASES) * 2 * REPEATS and expected["scores"] > expected["eval_cells"]

    db = Path(os.environ["PMSTUDIO_DB"])  # the file the dashboard pages read (conftest: tmp)
    bundle, _ = load_bundle(EXAMPLE)
    mine = draft_sync(bundle, settings=DraftSettings(max_revisions=0))
    assert mine.postmortem is not None
    errors: list[str] = []
    partial_views = 0
    reads = 0

    def read(fn: Callable[..., Any], *args: Any) -> Any:
        nonlocal reads
        try:
            result = fn(*args)
        except Exception as exc:  # collected and reported by the assertion below
            errors.append(f"{getattr(fn, '__name__', fn)}: {type(exc).__name__}: {exc}")
            return None
        reads += 1
        return result

    writer = _eval(db)
    saved = False
    pages = 0
    while writer.poll() is None:
        runs = read(q.eval_runs)
        if runs is not None and len(runs):
            rid = str(runs.iloc[0]["run_id"])
            partial_views += int(runs.iloc[0]["cells"]) < expected["eval_cells"]
            read(q.list_runs)
            read(q.leaderboard, [rid])
            read(load_scores, [rid])
            cells = read(q.cell_costs, [rid])
            if cells is not None and len(cells):
                case = str(cells.iloc[0]["case_id"])
                read(q.case_scores, [rid], case)
                read(q.case_variants, [rid], case)
                drafts = read(q.list_drafts, None, 50, rid)
                if drafts is not None and len(drafts):
                    read(q.get_draft, str(drafts.iloc[0]["draft_id"]))
        if not saved and runs is not None and len(runs):  # the Draft page's autosave, mid-eval
            try:
                record_draft(mine, bundle, markdown=render_markdown(mine.postmortem, bundle=bundle), command="dashboard")
                update_draft_markdown(mine.draft_id, "# edited while an eval wrote\n", mine.postmortem.model_dump_json())
                saved = True
            except Exception as exc:
                errors.append(f"autosave: {type(exc).__name__}: {exc}")
        if pages < 2 and runs is not None and len(runs):  # whole pages, as a user clicking around would see them
            for page in ("views/runs.py", "views/compare.py"):
                at = _app().run()
                at.switch_page(page).run()
                if at.exception:
                    errors.append(f"{page}: {at.exception[0].message}")
                if at.warning and any("busy" in w.value for w in at.warning):
                    errors.append(f"{page}: busy notice during a normal eval")
            pages += 1
        time.sleep(0.05)
    _, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err[-2000:]
    assert not errors, errors[:3]
    assert saved and pages >= 1 and reads > 10
    assert partial_views > 0, "the reads never overlapped the eval's writes"

    got = _counts(db)  # the eval's rows plus the dashboard's own draft, subtracted below
    with connect(db, read_only=True) as con:
        dash = dict(con.execute("SELECT 'drafts', count(*) FROM drafts WHERE draft_id = ?", [mine.draft_id]).fetchall())
        dash_sections = con.execute("SELECT count(*) FROM sections WHERE draft_id = ?", [mine.draft_id]).fetchall()[0][0]
        dash_findings = con.execute("SELECT count(*) FROM findings WHERE draft_id = ?", [mine.draft_id]).fetchall()[0][0]
        dash_bundles = con.execute("SELECT count(*) FROM bundles WHERE bundle_id = ?", [bundle.id]).fetchall()[0][0]
        md = con.execute("SELECT markdown FROM drafts WHERE draft_id = ?", [mine.draft_id]).fetchall()[0][0]
    assert dash == {"drafts": 1} and md == "# edited while an eval wrote\n"
    eval_only = {
        "runs": got["runs"] - 1,
        "eval_cells": got["eval_cells"],
        "scores": got["scores"],
        "drafts": got["drafts"] - 1,
        "sections": got["sections"] - dash_sections,
        "findings": got["findings"] - dash_findings,
        "bundles": got["bundles"] - dash_bundles,
    }
    assert eval_only == expected, (eval_only, expected)
    print(f"\n{reads} reads and {pages} page renders during the eval; eval rows {expected}")
