"""SQL of the cross-incident memory (pmstudio.memory): index writes, the similarity query, pattern reads.

Scoring runs inside DuckDB in one statement: a tf-idf cosine over the stored term weights (idf computed at
query time over the indexed incidents) plus an idf-weighted cosine over factor classes, so a query touches
only the postings of its terms and the classes of the incidents sharing one. The postings table holds only
64-bit keys and a weight (`key`: a hash of the draft id and of the term), so the join and the grouping run
on integers; the term text a reader sees ("shared terms") comes from the query's own terms.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from pydantic import BaseModel, Field

from pmstudio.store.db import connect, first_row, insert_rows, resolve_target, target_exists
from pmstudio.store.migrations import applied, migrate
from pmstudio.store.transaction import write

NEED = "similar_m001_memory_keys"
MAX_QUERY_TERMS = 400
"""A query keeps at most its 400 heaviest terms (tf-idf), a bound on the scan for very long documents."""


def key(text: str) -> int:
    """A stable signed 64-bit key of a term or a draft id (blake2b; independent of the DuckDB version)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def forget_draft(con: duckdb.DuckDBPyConnection, draft_id: str) -> None:
    """Drop a draft from the index (it is re-indexed on the next sync); a no-op before the migration."""
    if NEED not in applied(con):
        return
    con.execute("DELETE FROM memory_terms WHERE doc_key = ?", [key(draft_id)])
    for table in ("memory_classes", "memory_facts", "memory_docs"):
        con.execute(f"DELETE FROM {table} WHERE draft_id = ?", [draft_id])


def _forget_incident(con: duckdb.DuckDBPyConnection, incident_id: str) -> None:
    ids = [r[0] for r in con.execute("SELECT draft_id FROM memory_docs WHERE incident_id = ?", [incident_id]).fetchall()]
    for d in ids:
        forget_draft(con, d)


def _refresh_df(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM memory_df")
    con.execute("INSERT INTO memory_df SELECT term_key, count(*) FROM memory_terms GROUP BY term_key")
    con.execute("DELETE FROM memory_cdf")
    con.execute("INSERT INTO memory_cdf SELECT class, count(*) FROM memory_classes GROUP BY class")


def unindexed_drafts(db: str | Path | None = None) -> list[tuple[str, str, str, str | None]]:
    """(draft id, incident id, postmortem JSON, markdown) of each incident's latest draft not yet indexed."""
    with connect(db) as con:
        migrate(con)
        return [tuple(r) for r in con.execute(  # type: ignore[misc]
            """
            SELECT draft_id, bundle_id, postmortem, markdown FROM (
                SELECT draft_id, bundle_id, postmortem, markdown,
                       row_number() OVER (PARTITION BY bundle_id ORDER BY finished_at DESC, draft_id DESC) AS rn
                FROM drafts WHERE postmortem IS NOT NULL AND status <> 'failed')
            WHERE rn = 1 AND draft_id NOT IN (SELECT draft_id FROM memory_docs)
            ORDER BY draft_id
            """
        ).fetchall()]


def count_unindexed(db: str | Path | None = None) -> int:
    target = resolve_target(db)
    if not target_exists(target):
        return 0
    with connect(target, read_only=True) as con:
        if NEED not in applied(con):
            return -1
        row = first_row(con.execute(
            """
            SELECT count(*) FROM (SELECT draft_id, row_number() OVER (PARTITION BY bundle_id
                   ORDER BY finished_at DESC, draft_id DESC) AS rn FROM drafts
                   WHERE postmortem IS NOT NULL AND status <> 'failed')
            WHERE rn = 1 AND draft_id NOT IN (SELECT draft_id FROM memory_docs)
            """
        ))
    return int(row[0]) if row else 0


def write_index(docs: Sequence[dict[str, Any]], db: str | Path | None = None) -> None:
    """Store indexed incidents in one transaction, replacing each incident's older entry."""
    if not docs:
        return

    def body(con: duckdb.DuckDBPyConnection) -> None:
        for d in docs:
            _forget_incident(con, d["incident_id"])
        now = datetime.now(UTC)
        keys = {d["draft_id"]: key(d["draft_id"]) for d in docs}
        insert_rows(con, "memory_docs", [{"draft_id": d["draft_id"], "doc_key": keys[d["draft_id"]], "incident_id": d["incident_id"],
                                          "title": d["title"], "started_at": d["started_at"], "norm": d["norm"], "indexed_at": now}
                                         for d in docs])  # fmt: skip
        insert_rows(con, "memory_terms", [{"doc_key": keys[d["draft_id"]], "term_key": key(t), "w": w}
                                          for d in docs for t, w in d["terms"].items()])  # fmt: skip
        insert_rows(con, "memory_classes", [{"doc_key": keys[d["draft_id"]], "draft_id": d["draft_id"], "class": c, "in_factor": f}
                                            for d in docs for c, f in d["classes"].items()])  # fmt: skip
        insert_rows(con, "memory_facts", [{"draft_id": d["draft_id"], "kind": f["kind"], "ref": f.get("ref"), "text": f["text"],
                                           "status": f.get("status"), "classes": json.dumps(f.get("classes", []))}
                                          for d in docs for f in d["facts"]])  # fmt: skip
        _refresh_df(con)

    write(db, body)


def _read(db: str | Path | None) -> Any:
    """A read-only connection to the store (a DuckDB file or the team's lake), or None when there is none yet."""
    target = resolve_target(db)
    return connect(target, read_only=True) if target_exists(target) else None


class MemoryHit(BaseModel):
    """One ranked past incident of `similar_docs`, with what it shares with the query."""

    draft_id: str
    incident_id: str
    title: str = ""
    started_at: datetime | None = None
    score: float
    term_score: float
    class_score: float
    shared_terms: list[str] = Field(default_factory=list, description="the query's terms it holds, heaviest first")
    shared_classes: list[str] = Field(default_factory=list)
    factors: list[str] = Field(default_factory=list, description="its contributing factors' texts")


_RANK = """
WITH n AS (SELECT count(*)::DOUBLE AS n FROM memory_docs),
q AS (SELECT unnest(?::BIGINT[]) AS term_key, unnest(?::DOUBLE[]) AS qw),
qv AS (SELECT q.term_key, q.qw * ln(1 + n.n / df.df) AS qw, ln(1 + n.n / df.df) AS idf
       FROM q JOIN memory_df df USING (term_key), n ORDER BY qw DESC LIMIT ?),
qn AS (SELECT coalesce(sqrt(sum(qw * qw)), 1) AS qn FROM qv),
ts AS (SELECT t.doc_key, sum(t.w * qv.idf * qv.qw) AS dot FROM memory_terms t JOIN qv USING (term_key)
       GROUP BY t.doc_key),
cdf AS (SELECT class, ln(1 + n.n / df) AS idf FROM memory_cdf, n),
qc AS (SELECT q.class, q.cw * cdf.idf AS x FROM (SELECT unnest(?::VARCHAR[]) AS class, unnest(?::DOUBLE[]) AS cw) q
       JOIN cdf USING (class)),
qcn AS (SELECT coalesce(sqrt(sum(x * x)), 1) AS qcn FROM qc),
cs AS (SELECT c.doc_key,
              sum(CASE WHEN c.in_factor THEN 1 ELSE ? END * cdf.idf * coalesce(qc.x, 0)) AS cdot,
              sqrt(sum(power(CASE WHEN c.in_factor THEN 1 ELSE ? END * cdf.idf, 2))) AS cnorm
       FROM memory_classes c JOIN cdf USING (class) LEFT JOIN qc USING (class) GROUP BY c.doc_key HAVING cdot > 0),
scored AS (
    SELECT d.doc_key, coalesce(ts.dot, 0) / (d.norm * (SELECT qn FROM qn)) AS term_score,
           coalesce(cs.cdot / (cs.cnorm * (SELECT qcn FROM qcn)), 0) AS class_score
    FROM memory_docs d LEFT JOIN ts USING (doc_key) LEFT JOIN cs USING (doc_key)
    WHERE (ts.doc_key IS NOT NULL OR cs.doc_key IS NOT NULL) AND d.incident_id IS DISTINCT FROM ?)
SELECT doc_key, term_score + ? * class_score AS score, term_score, class_score FROM scored
ORDER BY score DESC, doc_key LIMIT ?
"""
"""The ranking: only integer keys and scores (the top rows' texts are read afterwards, by key)."""


def similar_docs(terms: dict[str, float], classes: dict[str, float], *, exclude: str | None, limit: int,
                 class_weight: float, other_class_weight: float, explain: bool = True,
                 db: str | Path | None = None) -> list[MemoryHit]:  # fmt: skip
    """Top incidents by tf-idf cosine over terms plus `class_weight` x the idf-weighted cosine over factor
    classes (`classes`: class -> its weight in the query; a stored class seen only outside the contributing
    factors and the cause weighs `other_class_weight`), in one read-only connection. With `explain`, each
    hit carries its shared terms and classes and its contributing factors (read for the top `limit` only).
    """
    ctx = _read(db)
    if ctx is None:
        return []
    by_key = {key(t): t for t in terms}
    qw = {key(t): float(v) for t, v in terms.items()}
    with ctx as con:
        try:
            ranked = con.execute(
                _RANK,
                [list(qw), list(qw.values()), MAX_QUERY_TERMS, list(classes), [float(v) for v in classes.values()],
                 other_class_weight, other_class_weight, exclude, class_weight, limit],
            ).fetchall()  # fmt: skip
        except (duckdb.CatalogException, duckdb.BinderException):  # memory tables missing or of an older shape
            return []
        if not ranked:
            return []
        keys = [r[0] for r in ranked]
        docs = {r[0]: r[1:] for r in con.execute(
            "SELECT doc_key, draft_id, incident_id, title, started_at FROM memory_docs WHERE doc_key IN (SELECT unnest(?::BIGINT[]))",
            [keys]).fetchall()}  # fmt: skip
        shared_t: dict[int, list[tuple[float, str]]] = {k: [] for k in keys}
        shared_c: dict[int, list[str]] = {k: [] for k in keys}
        factors: dict[str, list[str]] = {}
        if explain:
            for doc, term, w in con.execute(
                "SELECT doc_key, term_key, w FROM memory_terms WHERE doc_key IN (SELECT unnest(?::BIGINT[]))", [keys]
            ).fetchall():
                if term in by_key:
                    shared_t[doc].append((w * qw[term], by_key[term]))
            for doc, cls in con.execute(
                "SELECT doc_key, class FROM memory_classes WHERE doc_key IN (SELECT unnest(?::BIGINT[])) ORDER BY class", [keys]
            ).fetchall():
                if cls in classes:
                    shared_c[doc].append(cls)
            for draft_id, text in con.execute(
                "SELECT draft_id, text FROM memory_facts WHERE draft_id IN (SELECT unnest(?::VARCHAR[])) AND kind = 'factor'",
                [[docs[k][0] for k in keys if k in docs]],
            ).fetchall():
                factors.setdefault(draft_id, []).append(text)
    out = []
    for doc, score, term_score, class_score in ranked:
        if doc not in docs:  # pragma: no cover - a key of the ranking always has its row
            continue
        draft_id, incident_id, title, started_at = docs[doc]
        out.append(MemoryHit(draft_id=draft_id, incident_id=incident_id, title=title or "", started_at=started_at,
                             score=score, term_score=term_score, class_score=class_score,
                             shared_terms=[t for _, t in sorted(shared_t[doc], key=lambda x: -x[0])[:5]],
                             shared_classes=shared_c[doc], factors=factors.get(draft_id, [])))  # fmt: skip
    return out


def _frame(db: str | Path | None, sql: str, params: list[object]) -> pd.DataFrame:
    """One read query over the memory tables; empty when the store or its memory tables do not exist yet."""
    ctx = _read(db)
    if ctx is None:
        return pd.DataFrame()
    with ctx as con:
        if NEED not in applied(con):
            return pd.DataFrame()
        return con.execute(sql, params).df()


def facts_of(draft_ids: Sequence[str], db: str | Path | None = None, kind: str | None = None) -> pd.DataFrame:
    where = "AND f.kind = ?" if kind else ""
    return _frame(
        db,
        f"""SELECT f.draft_id, d.incident_id, d.started_at, f.kind, f.ref, f.text, f.status, f.classes
            FROM memory_facts f JOIN memory_docs d USING (draft_id)
            WHERE f.draft_id IN (SELECT unnest(?)) {where} ORDER BY f.draft_id""",
        [list(draft_ids), *([kind] if kind else [])],
    )


def class_history(classes: Sequence[str], db: str | Path | None = None) -> pd.DataFrame:
    """Every indexed incident that has one of `classes` in a contributing factor, with its start."""
    return _frame(
        db,
        """SELECT c.class, d.incident_id, d.draft_id, d.started_at FROM memory_classes c JOIN memory_docs d USING (draft_id)
           WHERE c.in_factor AND c.class IN (SELECT unnest(?)) ORDER BY d.started_at""",
        [list(classes)],
    )


def open_actions(db: str | Path | None = None, exclude: str | None = None) -> pd.DataFrame:
    return _frame(
        db,
        """SELECT d.incident_id, d.draft_id, f.ref, f.text FROM memory_facts f JOIN memory_docs d USING (draft_id)
           WHERE f.kind = 'action' AND f.status = 'open' AND d.incident_id IS DISTINCT FROM ?""",
        [exclude],
    )


def patterns(db: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(factor classes per incident with its month, action items per incident with status) for the Patterns page."""
    ctx = _read(db)
    if ctx is None:
        return pd.DataFrame(), pd.DataFrame()
    with ctx as con:
        if NEED not in applied(con):
            return pd.DataFrame(), pd.DataFrame()
        classes = con.execute(
            """SELECT c.class, d.incident_id, d.title, d.started_at, date_trunc('month', d.started_at) AS month
               FROM memory_classes c JOIN memory_docs d USING (draft_id) WHERE c.in_factor ORDER BY d.started_at"""
        ).df()
        actions = con.execute(
            """SELECT d.incident_id, d.started_at, f.text, f.status FROM memory_facts f JOIN memory_docs d USING (draft_id)
               WHERE f.kind = 'action' ORDER BY d.started_at"""
        ).df()
    return classes, actions
