"""Reviewers' judgements: the one write API for finding outcomes, section ratings and pairwise preferences.

Every surface (the dashboard's Accept/Dismiss, rating and preference widgets, `pmstudio label`, the
starter label set) builds one of the pydantic models below and calls `record` (or `record_many` for a
batch). Each call is one transaction: every item is validated against the stored drafts first (unknown
draft, section or finding, rating outside 1-5 → `FeedbackError` with a one-line message, nothing
written). Rows are append-only with a fresh ULID, so two writers (two browser tabs, a tab and a
terminal) never overwrite each other; readers take the latest row per key (`latest_*`).

A label refers to what it judged: the draft id plus a stable key (case id, variant = `model | prompt
set`, section) that survives re-drafting, the sha256 of the judged text (`content_sha`), the draft's
prompt hash, and the metric and judge versions scored on that draft (from `scores`, unless given).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd
from pydantic import BaseModel, Field, ValidationError, field_validator
from ulid import ULID

from pmstudio.schema import SECTION_TYPES, PostMortem
from pmstudio.store.db import first_row, insert_rows
from pmstudio.store.transaction import write

OVERALL = "overall"  # a rating or preference about the whole draft
RATING_MIN, RATING_MAX = 1, 5
Source = Literal["dashboard", "cli", "starter", "test"]


class FeedbackError(ValueError):
    """A label that cannot be stored (one-line message; nothing was written)."""


def default_reviewer() -> str:
    """The login name (free text; any surface may override it)."""
    for key in ("PMSTUDIO_REVIEWER",):
        if os.environ.get(key):
            return os.environ[key]
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "reviewer"


def _now() -> datetime:
    return datetime.now(UTC)


def finding_id(rule: str, section: str, span: str) -> str:
    """A finding's id inside its draft: stable across re-runs of the same lints on the same text."""
    return "f_" + hashlib.sha256(f"{rule}\x1f{section}\x1f{span}".encode()).hexdigest()[:16]


def content_sha(pm: PostMortem | None, section: str) -> str | None:
    """sha256 (16 hex) of the section's JSON (or the whole draft's for `overall`)."""
    if pm is None:
        return None
    if section == OVERALL:
        payload = pm.model_dump_json()
    else:
        part = pm.section(section) if hasattr(pm, section) else None
        payload = part.model_dump_json() if part is not None else ""
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


class _Label(BaseModel):
    reviewer: str = Field(default_factory=default_reviewer)
    created_at: datetime = Field(default_factory=_now)
    source: Source = "dashboard"
    metric_versions: dict[str, str] | None = Field(
        default=None, description="metric id → version the label refers to (default: those scored on the draft)"
    )
    judge_versions: dict[str, str] | None = Field(default=None, description="judge metric id → model@version")

    @field_validator("reviewer")
    @classmethod
    def _reviewer(cls, v: str) -> str:
        v = " ".join(v.split())
        return v or default_reviewer()


class FindingOutcome(_Label):
    """Accept or dismiss one critic finding of a stored draft."""

    kind: Literal["finding"] = "finding"
    draft_id: str
    rule: str
    section: str
    span: str = ""
    outcome: Literal["accept", "dismiss"]
    reason: str = ""

    @property
    def finding_id(self) -> str:
        return finding_id(self.rule, self.section, self.span)


class SectionRating(_Label):
    """A 1-5 rating of one section of a stored draft (or `overall`), with a one-line reason."""

    kind: Literal["rating"] = "rating"
    draft_id: str
    section: str
    rating: int
    reason: str = ""


class Preference(_Label):
    """Which of two stored drafts of the same case is better (A, B or tie), with a reason."""

    kind: Literal["preference"] = "preference"
    draft_a: str
    draft_b: str
    preference: Literal["A", "B", "tie"]
    reason: str = ""
    section: str | None = Field(default=None, description="None: the whole draft")


Label = FindingOutcome | SectionRating | Preference


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Draft(BaseModel):
    draft_id: str
    case_id: str | None
    variant: str
    prompt_hash: str | None
    postmortem: PostMortem | None
    sections: set[str]
    findings: set[tuple[str, str, str]]
    metric_versions: dict[str, str]
    judge_versions: dict[str, str]


def _load_draft(con: duckdb.DuckDBPyConnection, draft_id: str, cache: dict[str, _Draft]) -> _Draft:
    if draft_id in cache:
        return cache[draft_id]
    row = first_row(con.execute(
        "SELECT case_id, model, prompt_set, prompt_set_hash, postmortem, critic FROM drafts WHERE draft_id = ?",
        [draft_id],
    ))
    if row is None:
        raise FeedbackError(f"unknown draft {draft_id!r}")
    pm = None
    if row[4]:
        try:
            pm = PostMortem.model_validate_json(row[4])
        except ValidationError:
            pm = None
    findings = {
        (r[0], r[1] or "", r[2] or "")
        for r in con.execute("SELECT rule, section, span FROM findings WHERE draft_id = ?", [draft_id]).fetchall()
    }
    if row[5]:
        try:
            critic = json.loads(row[5])
            for f in [*critic.get("findings", []), *critic.get("history", [])]:
                findings.add((str(f.get("rule", "")), str(f.get("section", "")), str(f.get("span", ""))))
        except (json.JSONDecodeError, AttributeError):
            pass
    sections = {r[0] for r in con.execute("SELECT DISTINCT section FROM sections WHERE draft_id = ?", [draft_id]).fetchall()}
    sections |= set(SECTION_TYPES) | {OVERALL}
    metric_versions: dict[str, str] = {}
    judge_versions: dict[str, str] = {}
    for metric, version, judge in con.execute(
        "SELECT metric, any_value(metric_version), any_value(judge_model) FROM scores WHERE draft_id = ? GROUP BY metric",
        [draft_id],
    ).fetchall():
        if judge:
            judge_versions[metric] = f"{judge}@{version}"
        else:
            metric_versions[metric] = str(version)
    d = _Draft(
        draft_id=draft_id, case_id=row[0], variant=f"{row[1]} | {row[2]}", prompt_hash=row[3] or None,
        postmortem=pm, sections=sections, findings=findings, metric_versions=metric_versions,
        judge_versions=judge_versions,
    )
    cache[draft_id] = d
    return d


def _section_text(pm: PostMortem | None, section: str) -> str:
    if pm is None or section not in SECTION_TYPES:
        return ""
    part = pm.section(section)
    return part.model_dump_json() if part is not None else ""


def _common(item: _Label, d: _Draft) -> dict[str, Any]:
    return {
        "reviewer": item.reviewer,
        "created_at": item.created_at,
        "source": item.source,
        "metric_versions": json.dumps(item.metric_versions if item.metric_versions is not None else d.metric_versions),
        "judge_versions": json.dumps(item.judge_versions if item.judge_versions is not None else d.judge_versions),
        "code_version": _code_version(),
    }


def _code_version() -> str:
    from pmstudio.orchestrator import code_version

    return code_version()


def _row(con: duckdb.DuckDBPyConnection, item: Label, cache: dict[str, _Draft]) -> tuple[str, dict[str, Any]]:
    label_id = str(ULID())
    if isinstance(item, FindingOutcome):
        d = _load_draft(con, item.draft_id, cache)
        key = (item.rule, item.section, item.span)
        if key not in d.findings and item.section not in d.sections:  # a stored finding is known as stored
            raise FeedbackError(f"draft {item.draft_id}: unknown section {item.section!r}")
        # a stored finding, or one the lints raised after an edit (its span is in the section's current text)
        if key not in d.findings and not (item.span and item.span in _section_text(d.postmortem, item.section)):
            raise FeedbackError(
                f"draft {item.draft_id}: unknown finding {item.rule} in {item.section} ({item.span[:40]!r})"
            )
        return "feedback_findings", {
            "label_id": label_id, "draft_id": d.draft_id, "case_id": d.case_id, "variant": d.variant,
            "section": item.section, "finding_id": item.finding_id, "rule": item.rule, "span": item.span,
            "outcome": item.outcome, "reason": _one_line(item.reason), **_common(item, d),
            "content_sha": content_sha(d.postmortem, item.section), "prompt_hash": d.prompt_hash,
        }
    if isinstance(item, SectionRating):
        if not RATING_MIN <= item.rating <= RATING_MAX:
            raise FeedbackError(f"rating {item.rating} is outside {RATING_MIN}-{RATING_MAX}")
        d = _load_draft(con, item.draft_id, cache)
        if item.section not in d.sections:
            raise FeedbackError(f"draft {item.draft_id}: unknown section {item.section!r}")
        return "feedback_ratings", {
            "label_id": label_id, "draft_id": d.draft_id, "case_id": d.case_id, "variant": d.variant,
            "section": item.section, "rating": item.rating, "reason": _one_line(item.reason), **_common(item, d),
            "content_sha": content_sha(d.postmortem, item.section), "prompt_hash": d.prompt_hash,
        }
    a = _load_draft(con, item.draft_a, cache)
    b = _load_draft(con, item.draft_b, cache)
    if item.draft_a == item.draft_b:
        raise FeedbackError(f"a preference needs two different drafts (got {item.draft_a} twice)")
    if a.case_id != b.case_id:
        raise FeedbackError(f"drafts {item.draft_a} and {item.draft_b} are of different cases ({a.case_id} vs {b.case_id})")
    section = item.section or OVERALL
    if section not in a.sections:
        raise FeedbackError(f"unknown section {section!r}")
    return "feedback_preferences", {
        "label_id": label_id, "case_id": a.case_id, "draft_a": a.draft_id, "draft_b": b.draft_id,
        "variant_a": a.variant, "variant_b": b.variant, "section": item.section, "preference": item.preference,
        "reason": _one_line(item.reason), **_common(item, a),
        "content_sha_a": content_sha(a.postmortem, section), "content_sha_b": content_sha(b.postmortem, section),
        "prompt_hash_a": a.prompt_hash, "prompt_hash_b": b.prompt_hash,
    }


def record_many(items: Sequence[Label], *, path: str | Path | None = None) -> list[str]:
    """Validate and store every item in one transaction (all or nothing); return their label ids."""
    if not items:
        return []
    def body(con: duckdb.DuckDBPyConnection) -> list[str]:
        cache: dict[str, _Draft] = {}
        rows: dict[str, list[dict[str, Any]]] = {}
        ids = []
        for item in items:
            table, row = _row(con, item, cache)
            rows.setdefault(table, []).append(row)
            ids.append(row["label_id"])
        for table, batch in rows.items():
            insert_rows(con, table, batch)
        return ids

    return write(path, body)


def record(item: Label, *, path: str | Path | None = None) -> str:
    """Validate and store one label; return its id. Raises `FeedbackError` (nothing written) on bad input."""
    return record_many([item], path=path)[0]


# --------------------------------------------------------------------------- reads


def _frame(path: str | Path | None, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    from pmstudio.store.queries import frame

    return frame(path, sql, params, need="m003_cal_feedback")


def latest_findings(path: str | Path | None = None, draft_id: str | None = None) -> pd.DataFrame:
    """The latest outcome per (draft, finding, reviewer)."""
    where = "WHERE draft_id = ?" if draft_id else ""
    return _frame(
        path,
        f"""
        SELECT * EXCLUDE (rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY draft_id, finding_id, reviewer ORDER BY created_at DESC, label_id DESC) AS rn
            FROM feedback_findings {where}) WHERE rn = 1 ORDER BY created_at
        """,
        [draft_id] if draft_id else [],
    )


def latest_ratings(path: str | Path | None = None, draft_id: str | None = None) -> pd.DataFrame:
    """The latest rating per (draft, section, reviewer)."""
    where = "WHERE draft_id = ?" if draft_id else ""
    return _frame(
        path,
        f"""
        SELECT * EXCLUDE (rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY draft_id, section, reviewer ORDER BY created_at DESC, label_id DESC) AS rn
            FROM feedback_ratings {where}) WHERE rn = 1 ORDER BY created_at
        """,
        [draft_id] if draft_id else [],
    )


def latest_preferences(path: str | Path | None = None) -> pd.DataFrame:
    """The latest preference per (draft pair, section, reviewer)."""
    return _frame(
        path,
        """
        SELECT * EXCLUDE (rn) FROM (
            SELECT *, row_number() OVER (
                PARTITION BY draft_a, draft_b, coalesce(section, ''), reviewer ORDER BY created_at DESC, label_id DESC) AS rn
            FROM feedback_preferences) WHERE rn = 1 ORDER BY created_at
        """,
    )


def label_counts(path: str | Path | None = None) -> dict[str, int]:
    """Rows per kind (every row, superseded ones included)."""
    out = {}
    for kind, table in (("finding", "feedback_findings"), ("rating", "feedback_ratings"), ("preference", "feedback_preferences")):
        df = _frame(path, f"SELECT count(*) AS n FROM {table}")
        out[kind] = int(df["n"].iloc[0]) if not df.empty else 0
    return out


def labels_fingerprint(path: str | Path | None = None) -> str:
    """Changes whenever a label is added (rows per kind and the latest label id)."""
    parts = []
    for table in ("feedback_findings", "feedback_ratings", "feedback_preferences"):
        df = _frame(path, f"SELECT count(*) AS n, max(label_id) AS last FROM {table}")
        parts.append("0" if df.empty else f"{int(df['n'].iloc[0])}:{df['last'].iloc[0]}")
    return "|".join(parts)
