"""Draft -> render -> record in one call, for every surface (CLI, dashboard, eval runner).

Every model's output reaches storage the same way: the Markdown is rendered from the post-mortem and its
critic report, and the draft, its sections, findings and Markdown are written in one transaction (the
caller's, when it passes `con`: the eval runner writes a cell's rows together).

With `memory` (the CLI's and the dashboard's default; `--no-memory` turns it off) a stored draft goes through
the cross-incident memory on the way: it gets related past incidents, recurring factors and repeated open
actions (`pmstudio.memory.enrich`) before it is rendered, and it is indexed right after it is stored, so the
next draft and the Patterns page see it. Eval runs (`con`) never use the memory: a score must not depend on
what else the store holds.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pmstudio.render import render_markdown
from pmstudio.schema import Bundle, DraftRecord
from pmstudio.store.writes import draft_rows, record_draft
from pmstudio.templates import Template


def rendered(record: DraftRecord, bundle: Bundle | None, template: Template | str | None = None) -> str:
    """The Markdown of a draft in `template`'s layout, with its critic's review notes ("" when drafting
    produced no post-mortem)."""
    if record.postmortem is None:
        return ""
    return render_markdown(record.postmortem, bundle=bundle, critic=record.critic, template=template)


def publish_draft(
    record: DraftRecord,
    bundle: Bundle,
    *,
    store: bool = True,
    path: str | Path | None = None,
    command: str = "draft",
    template: Template | str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    run_id: str | None = None,
    case_id: str | None = None,
    cache_key: str | None = None,
    repeat_idx: int = 0,
    memory: bool = True,
) -> str:
    """Render `record` and (with `store`) record it; return the Markdown.

    With `con` (and the run's `run_id`), the rows are written inside the caller's open transaction.
    With `memory` (and `store`, without `con`), `record.postmortem` becomes the enriched copy before it is
    rendered and stored, and the stored draft is indexed in the memory.
    """
    remember = memory and store and con is None and record.postmortem is not None
    if remember:
        from pmstudio.memory import enrich

        assert record.postmortem is not None
        record.postmortem = enrich(record.postmortem, incident_id=bundle.id, db=path)
    markdown = rendered(record, bundle, template)
    if not store or record.postmortem is None:
        return markdown
    if con is not None:
        assert run_id is not None, "a caller's transaction writes into the caller's run"
        draft_rows(con, record, bundle, run_id=run_id, markdown=markdown, case_id=case_id, cache_key=cache_key,
                   repeat_idx=repeat_idx)
    else:
        record_draft(record, bundle, run_id=run_id, markdown=markdown, path=path, case_id=case_id,
                     cache_key=cache_key, repeat_idx=repeat_idx, command=command)
    if remember:
        from pmstudio.memory import index_draft

        index_draft(record.draft_id, bundle.id, record.postmortem, markdown, db=path)
    return markdown
