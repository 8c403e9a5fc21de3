"""SQL of the cross-incident memory (pmstudio.memory): index writes, the similarity query, pattern reads.

Scoring runs inside DuckDB: a tf-idf cosine over the stored term weights (idf computed at query time over
the indexed incidents) plus the same over factor classes, so a query touches only the rows of its terms.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pmstudio.store.db import connect, first_row, insert_rows, resolve_target, target_exists
from pmstudio.store.migrations import applied, migrate
from pmstudio.store.transaction import write

NEED = "fol_m002_memory"
MAX_QUERY_TERMS = 400
"""A query keeps at most its 400 heaviest terms (tf-idf), a bound on the scan for very long documents."""


def forget_draft(con: duckdb.DuckDBPyConnection, draft_id: str) -> None:
    """Drop a draft from the index (it is re-indexed on the next sync); a no-op before the migration."""
    if NEED not in applied(con):
        return
    for table in ("memory_terms", "memory_classes", "memory_facts", "memory_docs"):
        con.execute(f"DELETE FROM {table} WHERE draft_id = ?", [draft_id])


def _forget_incident(con: duckdb.DuckDBPyConnection, incident_id: str) -> None:
    ids = [r[0] for r in con.execute("SELECT draft_id FROM memory_docs WHERE incident_id = ?", [incident_id]).fetchall()]
    for d in ids:
        forget_draft(con, d)


def _refresh_df(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM memory_df")
    con.execute("INSERT INTO memory_df SELECT term, count(*) FROM memory_terms GROUP BY term")
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
        insert_rows(con, "memory_docs", [{"draft_id": d["draft_id"], "incident_id": d["incident_id"], "title": d["title"],
                                          "started_at": d["started_at"], "norm": d["norm"], "indexed_at": now}
                                         for d in docs])  # fmt: skip
        insert_rows(con, "memory_terms", [{"draft_id": d["draft_id"], "term": t, "w": w} for d in docs for t, w in d["terms"].items()])
        insert_rows(con, "memory_classes", [{"draft_id": d["draft_id"], "class": c, "in_factor": f}
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


def similar_docs(terms: dict[str, float], classes: Sequence[str], *, exclude: str | None, limit: int,
                 class_weight: float, db: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Top incidents by tf-idf cosine over terms plus class overlap, in one read-only connection.

    Returns (ranked: draft_id, incident_id, title, started_at, score, term_score, class_score, shared_terms,
    shared_classes; their contributing factors: draft_id, text). Shared terms and classes are computed for
    the top `limit` only.
    """
    ctx = _read(db)
    if ctx is None:
        return pd.DataFrame(), pd.DataFrame()
    q = pd.DataFrame({"term": list(terms), "qw": list(terms.values())})
    qc = pd.DataFrame({"class": list(classes)})
    with ctx as con:
        con.register("q_terms", q)
        con.register("q_classes", qc)
        try:
            ranked = con.execute(
                """
                WITH n AS (SELECT count(*)::DOUBLE AS n FROM memory_docs),
                qv AS (SELECT q.term, q.qw * ln(1 + n.n / df.df) AS qw, ln(1 + n.n / df.df) AS idf
                       FROM q_terms q JOIN memory_df df USING (term), n ORDER BY qw DESC LIMIT ?),
                qn AS (SELECT coalesce(sqrt(sum(qw * qw)), 1) AS qn FROM qv),
                ts AS (SELECT t.draft_id, sum(t.w * qv.idf * qv.qw) AS dot FROM memory_terms t JOIN qv USING (term)
                       GROUP BY t.draft_id),
                cdf AS (SELECT class, ln(1 + (SELECT n FROM n) / df) AS idf FROM memory_cdf),
                cs AS (SELECT c.draft_id, sum(cdf.idf) AS cdot FROM memory_classes c JOIN q_classes USING (class)
                       JOIN cdf USING (class) GROUP BY c.draft_id),
                dk AS (SELECT draft_id, count(*) AS k FROM memory_classes WHERE draft_id IN (SELECT draft_id FROM cs)
                       GROUP BY draft_id),
                scored AS (
                    SELECT d.draft_id, d.incident_id, d.title, d.started_at,
                           coalesce(ts.dot, 0) / (d.norm * (SELECT qn FROM qn)) AS term_score,
                           coalesce(cs.cdot / sqrt((SELECT greatest(count(*), 1) FROM q_classes) * dk.k)
                                    / ln(1 + (SELECT n FROM n)), 0) AS class_score
                    FROM memory_docs d LEFT JOIN ts USING (draft_id) LEFT JOIN cs USING (draft_id)
                         LEFT JOIN dk USING (draft_id)
                    WHERE (ts.draft_id IS NOT NULL OR cs.draft_id IS NOT NULL) AND d.incident_id IS DISTINCT FROM ?)
                SELECT *, term_score + ? * class_score AS score FROM scored ORDER BY score DESC, draft_id LIMIT ?
                """,
                [MAX_QUERY_TERMS, exclude, class_weight, limit],
            ).df()
            if ranked.empty:
                return ranked, pd.DataFrame()
            ids = list(ranked["draft_id"])
            shared_t = con.execute(  # only the top `limit`: cheap
                """SELECT t.draft_id, list(t.term ORDER BY t.w * q.qw DESC)[1:6] AS shared_terms
                   FROM memory_terms t JOIN q_terms q USING (term) WHERE t.draft_id IN (SELECT unnest(?))
                   GROUP BY t.draft_id""",
                [ids],
            ).df()
            shared_c = con.execute(
                """SELECT draft_id, list(class ORDER BY class) AS shared_classes FROM memory_classes
                   WHERE draft_id IN (SELECT unnest(?)) AND class IN (SELECT class FROM q_classes) GROUP BY draft_id""",
                [ids],
            ).df()
            factors = con.execute(
                "SELECT draft_id, text FROM memory_facts WHERE draft_id IN (SELECT unnest(?)) AND kind = 'factor'",
                [ids],
            ).df()
        except duckdb.CatalogException:  # not migrated yet: an empty memory
            return pd.DataFrame(), pd.DataFrame()
        finally:
            con.unregister("q_terms")
            con.unregister("q_classes")
    ranked = ranked.merge(shared_t, on="draft_id", how="left").merge(shared_c, on="draft_id", how="left")
    for col in ("shared_terms", "shared_classes"):
        ranked[col] = [list(v) if isinstance(v, list | tuple) or hasattr(v, "__len__") and not isinstance(v, str) else []
                       for v in ranked[col]]  # fmt: skip
    return ranked, factors


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
