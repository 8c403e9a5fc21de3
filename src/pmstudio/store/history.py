"""Run history for `pmstudio runs list | show | export`: the stored drafts and eval runs, filtered.

Read-only and short-lived like every reader (`queries.frame`): a missing or unmigrated store reads as empty.
An id on the command line is a run id or a draft id, whole or by its last characters (as `runs list` shows
them: ULIDs start with their timestamp, so runs started together share a prefix) or first characters.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from pmstudio.store.queries import frame

RUN_STATUSES = ("running", "ok", "partial", "failed", "interrupted")


class RunFilter(BaseModel):
    """Filters of `runs list` / `runs export` (all optional, combined with AND)."""

    model: str | None = None
    prompt_set: str | None = None
    status: str | None = None
    kind: str | None = Field(default=None, pattern="^(draft|eval)$")
    since: date | None = None
    until: date | None = None
    limit: int = Field(default=50, ge=1, le=100_000)


class RunRow(BaseModel):
    run_id: str
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    code_version: str | None
    models: str
    prompt_sets: str
    drafts: int
    cases: int
    cost_usd: float
    input_tokens: int
    output_tokens: int
    title: str | None = None


class DraftRow(BaseModel):
    draft_id: str
    run_id: str
    bundle_id: str
    case_id: str | None
    model: str
    prompt_set: str
    status: str
    error: str | None
    latency_ms: float | None
    cost_usd: float | None
    findings: int


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    """pandas NaN/NaT -> None, numpy scalars -> Python."""
    out: dict[str, Any] = {}
    for k, v in record.items():
        if v is None or (isinstance(v, float) and v != v):
            out[k] = None
        elif hasattr(v, "to_pydatetime"):
            out[k] = None if str(v) == "NaT" else v.to_pydatetime()
        elif hasattr(v, "item"):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def list_runs(flt: RunFilter, db: str | Path | None = None) -> list[RunRow]:
    where: list[str] = ["TRUE"]
    params: list[Any] = []
    if flt.status:
        where.append("r.status = ?")
        params.append(flt.status)
    if flt.kind:
        where.append("r.kind = ?")
        params.append(flt.kind)
    if flt.since:
        where.append("r.started_at >= ?")
        params.append(datetime.combine(flt.since, datetime.min.time()))
    if flt.until:  # inclusive day
        where.append("r.started_at < ?")
        params.append(datetime.combine(flt.until + timedelta(days=1), datetime.min.time()))
    having = []
    if flt.model:
        having.append("bool_or(d.model = ?)")
        params.append(flt.model)
    if flt.prompt_set:
        having.append("bool_or(d.prompt_set = ?)")
        params.append(flt.prompt_set)
    df = frame(
        db,
        f"""
        SELECT r.run_id, r.kind, r.status, r.started_at, r.finished_at, r.code_version,
               coalesce(string_agg(DISTINCT d.model, ', ' ORDER BY d.model), '') AS models,
               coalesce(string_agg(DISTINCT d.prompt_set, ', ' ORDER BY d.prompt_set), '') AS prompt_sets,
               count(d.draft_id) AS drafts, count(DISTINCT coalesce(d.case_id, d.bundle_id)) AS cases,
               coalesce(sum(d.cost_usd), 0) AS cost_usd, coalesce(sum(d.input_tokens), 0) AS input_tokens,
               coalesce(sum(d.output_tokens), 0) AS output_tokens,
               CASE WHEN r.kind = 'draft' THEN any_value(json_extract_string(d.postmortem, '$.header.title')) END AS title
        FROM runs r LEFT JOIN drafts d ON d.run_id = r.run_id
        WHERE {' AND '.join(where)}
        GROUP BY r.run_id, r.kind, r.status, r.started_at, r.finished_at, r.code_version
        {('HAVING ' + ' AND '.join(having)) if having else ''}
        ORDER BY r.started_at DESC, r.run_id DESC LIMIT ?
        """,
        [*params, flt.limit],
    )
    return [RunRow.model_validate(_clean(r)) for r in df.to_dict("records")]


class AmbiguousId(LookupError):
    pass


def resolve_id(ident: str, db: str | Path | None = None) -> tuple[str, str]:
    """('run', run_id) or ('draft', draft_id) for a whole id or a unique suffix; LookupError otherwise."""
    ident = ident.strip()
    if len(ident) < 4:
        raise LookupError(f"{ident!r}: give at least 4 characters of a run or draft id")
    df = frame(
        db,
        """
        SELECT 'run' AS kind, run_id AS id FROM runs
        WHERE run_id = ? OR ends_with(run_id, upper(?)) OR starts_with(run_id, upper(?))
        UNION ALL
        SELECT 'draft', draft_id FROM drafts
        WHERE draft_id = ? OR ends_with(draft_id, upper(?)) OR starts_with(draft_id, upper(?))
        """,
        [ident] * 6,
    )
    hits = [(str(r.kind), str(r.id)) for r in df.itertuples()]
    exact = [h for h in hits if h[1] == ident]
    if exact:
        return exact[0]
    if not hits:
        raise LookupError(f"{ident!r}: no run or draft with this id")
    if len(hits) > 1:
        raise AmbiguousId(f"{ident!r}: matches {len(hits)} ids ({', '.join(h[1] for h in hits[:3])}...); give more characters")
    return hits[0]


def run_drafts(run_id: str, db: str | Path | None = None) -> list[DraftRow]:
    df = frame(
        db,
        """
        SELECT d.draft_id, d.run_id, d.bundle_id, d.case_id, d.model, d.prompt_set, d.status, d.error, d.latency_ms,
               d.cost_usd, (SELECT count(*) FROM findings f WHERE f.draft_id = d.draft_id AND f.final) AS findings
        FROM drafts d WHERE d.run_id = ? ORDER BY d.case_id, d.model, d.prompt_set, d.repeat_idx
        """,
        [run_id],
    )
    return [DraftRow.model_validate(_clean(r)) for r in df.to_dict("records")]


def get_run(run_id: str, db: str | Path | None = None) -> RunRow | None:
    rows = [r for r in list_runs(RunFilter(limit=100_000), db) if r.run_id == run_id]
    return rows[0] if rows else None


def export_runs(run_ids: list[str], db: str | Path | None = None) -> list[dict[str, Any]]:
    """Every stored row of the runs as JSON-able dicts: run, drafts (with post-mortem and final findings),
    eval cells and scores."""
    out = []
    for run_id in run_ids:
        run = frame(db, "SELECT * FROM runs WHERE run_id = ?", [run_id]).to_dict("records")
        if not run:
            continue
        record = _clean(run[0])
        record["settings"] = json.loads(record["settings"]) if record.get("settings") else {}
        drafts = [_clean(d) for d in frame(db, "SELECT * FROM drafts WHERE run_id = ? ORDER BY draft_id", [run_id]).to_dict("records")]
        for d in drafts:
            for col in ("postmortem", "critic", "settings"):
                if d.get(col):
                    d[col] = json.loads(d[col])
            d["findings"] = [
                _clean(f) for f in frame(
                    db, "SELECT * FROM findings WHERE draft_id = ? AND final ORDER BY severity, rule", [d["draft_id"]]
                ).to_dict("records")
            ]
        record["drafts"] = drafts
        record["cells"] = [_clean(c) for c in frame(
            db, "SELECT * FROM eval_cells WHERE run_id = ? ORDER BY case_id, model, prompt_set, repeat_idx", [run_id],
            need="m002_create_evals").to_dict("records")]
        record["scores"] = [_clean(s) for s in frame(
            db, "SELECT * FROM scores WHERE run_id = ? ORDER BY case_id, model, prompt_set, repeat_idx, metric", [run_id],
            need="m002_create_evals").to_dict("records")]
        out.append(record)
    return out
