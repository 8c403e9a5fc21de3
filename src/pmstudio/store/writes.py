"""Write drafts and runs: each call is one short transaction (all rows or none)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from ulid import ULID

from pmstudio.prompts import prompt_body
from pmstudio.schema import Bundle, DraftRecord, Usage
from pmstudio.store.db import first_row, insert_rows
from pmstudio.store.transaction import write


def _now() -> datetime:
    return datetime.now(UTC)


def open_db(path: str | Path | None = None) -> None:
    """Create the database file and apply pending migrations."""
    write(path, lambda con: None)


def bundle_key(bundle: Bundle) -> str:
    payload = json.dumps([m.model_dump() for m in bundle.materials], sort_keys=True)
    return hashlib.sha256(f"{bundle.timezone}\n{payload}".encode()).hexdigest()


def _usage_cols(u: Usage) -> dict[str, Any]:
    return {
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "cache_read_tokens": u.cache_read_tokens,
        "cache_write_tokens": u.cache_write_tokens,
        "requests": u.requests,
        "cost_usd": u.cost_usd,
    }


def start_run(
    kind: str, *, command: str = "", settings: dict[str, Any] | None = None, path: str | Path | None = None,
    code_version: str = "", run_id: str | None = None,
) -> str:
    run_id = run_id or str(ULID())
    row = [run_id, kind, _now(), command, json.dumps(settings or {}, default=str), code_version, duckdb.__version__]
    write(path, lambda con: con.execute("INSERT INTO runs VALUES (?, ?, 'running', ?, NULL, ?, ?, ?, ?)", row))
    return run_id


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted(*, path: str | Path | None = None) -> list[str]:
    """Runs left `running` by a process that is gone (killed, crashed) become `interrupted`; their ids.

    A run records its process (`settings.pid` on `settings.host`); a run of another host, or one without a
    process id, is left alone. `--resume` still finds an interrupted run (it has no `finished_at`)."""
    import socket

    host = socket.gethostname()

    def body(con: duckdb.DuckDBPyConnection) -> list[str]:
        gone = []
        rows = con.execute("SELECT run_id, settings FROM runs WHERE status = 'running' AND finished_at IS NULL").fetchall()
        for run_id, raw in rows:
            try:
                settings = json.loads(raw or "{}")
            except json.JSONDecodeError:
                continue
            pid = settings.get("pid")
            if isinstance(pid, int) and settings.get("host") == host and not _alive(pid):
                gone.append(str(run_id))
        for run_id in gone:
            con.execute("UPDATE runs SET status = 'interrupted' WHERE run_id = ? AND status = 'running'", [run_id])
        return gone

    return write(path, body)


def reopen_run(run_id: str, *, path: str | Path | None = None) -> None:
    """A resumed run is `running` again, owned by this process."""
    import os
    import socket

    def body(con: duckdb.DuckDBPyConnection) -> None:
        row = first_row(con.execute("SELECT settings FROM runs WHERE run_id = ?", [run_id]))
        settings = json.loads(row[0] or "{}") if row else {}
        settings.update(pid=os.getpid(), host=socket.gethostname())
        con.execute("UPDATE runs SET status = 'running', settings = ? WHERE run_id = ?", [json.dumps(settings), run_id])

    write(path, body, migrate=False)


def finish_run(run_id: str, status: str, *, path: str | Path | None = None) -> None:
    now = _now()
    write(path, lambda con: con.execute("UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?", [status, now, run_id]),
          migrate=False)


def draft_rows(
    con: duckdb.DuckDBPyConnection,
    record: DraftRecord,
    bundle: Bundle,
    *,
    run_id: str,
    markdown: str | None,
    case_id: str | None,
    cache_key: str | None,
    repeat_idx: int,
) -> None:
    key = bundle_key(bundle)
    con.execute(  # content-addressed: insert only when absent (no ON CONFLICT: the team store has no keys)
        "INSERT INTO bundles SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM bundles WHERE bundle_key = ?)",
        [
            key,
            bundle.id,
            bundle.title,
            bundle.timezone,
            bundle.redacted,
            json.dumps([m.model_dump() for m in bundle.materials]),
            json.dumps([e.model_dump(mode="json") for e in bundle.evidence]),
            _now(),
            key,
        ],
    )
    for ref in record.prompts:
        exists = first_row(con.execute("SELECT 1 FROM prompt_versions WHERE sha256 = ?", [ref.sha256]))
        if exists:
            continue
        body = prompt_body(ref)  # built-in or the team's project library; None when edited since
        con.execute(
            "INSERT INTO prompt_versions SELECT ?, ?, ?, ?, ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM prompt_versions WHERE sha256 = ?)",
            [ref.sha256, ref.agent, ref.variant, ref.path, body, _now(), ref.sha256],
        )
    pm = record.postmortem
    insert_rows(
        con,
        "drafts",
        [
            {
                "draft_id": record.draft_id,
                "run_id": run_id,
                "bundle_key": key,
                "bundle_id": record.bundle_id,
                "case_id": case_id,
                "model": record.model,
                "prompt_set": record.prompt_set,
                "prompt_set_hash": str(record.settings.get("prompt_set_hash", "")),
                "repeat_idx": repeat_idx,
                "cache_key": cache_key,
                "status": record.status,
                "error": record.error,
                "postmortem": pm.model_dump_json() if pm else None,
                "markdown": markdown,
                "critic": record.critic.model_dump_json(),
                "settings": json.dumps(record.settings, default=str),
                **_usage_cols(record.usage),
                "latency_ms": record.latency_ms,
                "started_at": record.started_at,
                "finished_at": record.finished_at,
                "code_version": record.code_version,
            }
        ],
    )
    insert_rows(
        con,
        "draft_prompts",
        [{"draft_id": record.draft_id, "agent": p.agent, "variant": p.variant, "sha256": p.sha256} for p in record.prompts],
    )
    insert_rows(
        con,
        "sections",
        [
            {
                "draft_id": record.draft_id,
                "section": s.section,
                "agent": s.agent,
                "round": s.round,
                "status": s.status,
                "output": json.dumps(s.output) if s.output is not None else None,
                "error": s.error,
                "dropped": json.dumps(s.dropped),
                "prompt_variant": s.prompt_variant,
                "prompt_hash": s.prompt_hash,
                **_usage_cols(s.usage),
                "latency_ms": s.latency_ms,
            }
            for s in record.sections
        ],
    )
    final = {(f.rule, f.section, f.span) for f in record.critic.findings}
    rows = []
    for f in record.critic.history:
        rows.append(
            {
                "draft_id": record.draft_id,
                "round": f.round,
                "final": (f.rule, f.section, f.span) in final and not f.fixed,
                "fixed": f.fixed,
                "rule": f.rule,
                "severity": f.severity,
                "section": f.section,
                "span": f.span,
                "message": f.message,
                "suggestion": f.advice,
                "replacement": f.replacement,
                "source": f.source,
            }
        )
    insert_rows(con, "findings", rows)


def record_draft(
    record: DraftRecord,
    bundle: Bundle,
    *,
    run_id: str | None = None,
    markdown: str | None = None,
    path: str | Path | None = None,
    case_id: str | None = None,
    cache_key: str | None = None,
    repeat_idx: int = 0,
    command: str = "draft",
) -> str:
    """Store one draft (its run too, when `run_id` is None) in a single transaction; return the run id."""
    own_run = run_id is None
    run = run_id or str(ULID())

    def body(con: duckdb.DuckDBPyConnection) -> None:
        if own_run:
            con.execute(
                "INSERT INTO runs VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?)",
                [
                    run,
                    record.status,
                    record.started_at,
                    record.finished_at,
                    command,
                    json.dumps({"model": record.model, "prompt_set": record.prompt_set, **record.settings}, default=str),
                    record.code_version,
                    duckdb.__version__,
                ],
            )
        draft_rows(
            con, record, bundle, run_id=run, markdown=markdown, case_id=case_id, cache_key=cache_key,
            repeat_idx=repeat_idx,
        )

    write(path, body)
    return run


def update_draft_markdown(draft_id: str, markdown: str, postmortem_json: str | None = None, *, path: str | Path | None = None) -> None:
    """Autosave an edited draft (dashboard edits, applied rewrites)."""
    from pmstudio.store.memory import forget_draft

    def body(con: duckdb.DuckDBPyConnection) -> None:
        forget_draft(con, draft_id)  # the memory re-indexes the edited draft (e.g. an action ticked done)
        if postmortem_json is None:
            con.execute("UPDATE drafts SET markdown = ? WHERE draft_id = ?", [markdown, draft_id])
        else:
            con.execute(
                "UPDATE drafts SET markdown = ?, postmortem = ? WHERE draft_id = ?", [markdown, postmortem_json, draft_id]
            )

    write(path, body)


def delete_run(run_id: str, *, path: str | Path | None = None) -> None:
    """Forget a run row (a run that failed before any of its drafts was kept)."""
    write(path, lambda con: con.execute("DELETE FROM runs WHERE run_id = ?", [run_id]), migrate=False)
