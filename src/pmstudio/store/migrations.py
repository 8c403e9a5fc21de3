"""The one owner of the database schema: named, append-only migrations (sqlite-utils / llm style).

Never rename, reorder or edit a migration once it has landed; append a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

import duckdb

from pmstudio.store.db import first_row, retry_conflicts
from pmstudio.store.lake import PortableConnection, is_lake_connection

Migration = Callable[[duckdb.DuckDBPyConnection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    name = fn.__name__
    if any(n == name for n, _ in MIGRATIONS):
        raise ValueError(f"duplicate migration {name}")
    MIGRATIONS.append((name, fn))
    return fn


@migration
def m001_create_drafts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE runs (
            run_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,              -- draft | eval
            status VARCHAR NOT NULL,            -- running | ok | partial | failed | interrupted
            started_at TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ,
            command VARCHAR,
            settings JSON,
            code_version VARCHAR,
            duckdb_version VARCHAR
        );
        CREATE TABLE prompt_versions (
            sha256 VARCHAR PRIMARY KEY,
            agent VARCHAR NOT NULL,
            variant VARCHAR NOT NULL,
            path VARCHAR NOT NULL,
            body VARCHAR,
            first_seen TIMESTAMPTZ
        );
        CREATE TABLE bundles (
            bundle_key VARCHAR PRIMARY KEY,     -- sha256 of the (redacted) materials
            bundle_id VARCHAR NOT NULL,
            title VARCHAR,
            timezone VARCHAR,
            redacted BOOLEAN,
            materials JSON,
            evidence JSON,
            created_at TIMESTAMPTZ
        );
        CREATE TABLE drafts (
            draft_id VARCHAR PRIMARY KEY,
            run_id VARCHAR NOT NULL,
            bundle_key VARCHAR,
            bundle_id VARCHAR NOT NULL,
            case_id VARCHAR,
            model VARCHAR NOT NULL,
            prompt_set VARCHAR NOT NULL,
            prompt_set_hash VARCHAR,
            repeat_idx INTEGER DEFAULT 0,
            cache_key VARCHAR,
            status VARCHAR NOT NULL,
            error VARCHAR,
            postmortem JSON,
            markdown VARCHAR,
            critic JSON,
            settings JSON,
            input_tokens BIGINT,
            output_tokens BIGINT,
            cache_read_tokens BIGINT,
            cache_write_tokens BIGINT,
            requests INTEGER,
            cost_usd DOUBLE,
            latency_ms DOUBLE,
            started_at TIMESTAMPTZ,
            finished_at TIMESTAMPTZ,
            code_version VARCHAR
        );
        CREATE TABLE draft_prompts (
            draft_id VARCHAR NOT NULL,
            agent VARCHAR NOT NULL,
            variant VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL
        );
        CREATE TABLE sections (
            draft_id VARCHAR NOT NULL,
            section VARCHAR NOT NULL,
            agent VARCHAR NOT NULL,
            round INTEGER NOT NULL,
            status VARCHAR NOT NULL,
            output JSON,
            error VARCHAR,
            dropped JSON,
            prompt_variant VARCHAR,
            prompt_hash VARCHAR,
            input_tokens BIGINT,
            output_tokens BIGINT,
            cache_read_tokens BIGINT,
            cache_write_tokens BIGINT,
            requests INTEGER,
            cost_usd DOUBLE,
            latency_ms DOUBLE
        );
        CREATE TABLE findings (
            draft_id VARCHAR NOT NULL,
            round INTEGER NOT NULL,
            final BOOLEAN NOT NULL,             -- still unresolved after the last round
            fixed BOOLEAN NOT NULL,
            rule VARCHAR NOT NULL,
            severity VARCHAR NOT NULL,
            section VARCHAR,
            span VARCHAR,
            message VARCHAR,
            suggestion VARCHAR,
            source VARCHAR
        );
        """
    )


@migration
def m002_create_evals(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE eval_cells (
            run_id VARCHAR NOT NULL,
            case_id VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            prompt_set VARCHAR NOT NULL,
            repeat_idx INTEGER NOT NULL,
            draft_id VARCHAR,
            draft_cached BOOLEAN NOT NULL,
            status VARCHAR NOT NULL,           -- ok | partial | failed | error
            error VARCHAR,
            failure_class VARCHAR,
            latency_ms DOUBLE,
            cost_usd DOUBLE,
            input_tokens BIGINT,
            output_tokens BIGINT,
            finished_at TIMESTAMPTZ,
            PRIMARY KEY (run_id, case_id, model, prompt_set, repeat_idx)
        );
        CREATE TABLE scores (
            run_id VARCHAR NOT NULL,
            draft_id VARCHAR,
            case_id VARCHAR NOT NULL,
            model VARCHAR NOT NULL,
            prompt_set VARCHAR NOT NULL,
            repeat_idx INTEGER NOT NULL,
            metric VARCHAR NOT NULL,
            metric_version VARCHAR NOT NULL,
            score DOUBLE,
            threshold DOUBLE,
            passed BOOLEAN,
            gate BOOLEAN,
            reason VARCHAR,
            backend VARCHAR,
            judge_model VARCHAR,
            error VARCHAR,
            score_key VARCHAR NOT NULL,
            cached BOOLEAN NOT NULL,
            PRIMARY KEY (run_id, case_id, model, prompt_set, repeat_idx, metric)
        );
        CREATE INDEX scores_key ON scores (score_key);
        CREATE TABLE judge_outputs (
            score_key VARCHAR PRIMARY KEY,
            metric VARCHAR NOT NULL,
            judge_model VARCHAR NOT NULL,
            output JSON,
            created_at TIMESTAMPTZ
        );
        CREATE INDEX drafts_cache_key ON drafts (cache_key);
        """
    )


@migration
def m003_cal_feedback(con: duckdb.DuckDBPyConnection) -> None:
    """Reviewers' judgements (append-only: a later row for the same key supersedes, nothing is overwritten)
    and the calibration results computed from them."""
    con.execute(
        """
        CREATE TABLE feedback_findings (
            label_id VARCHAR PRIMARY KEY,
            draft_id VARCHAR NOT NULL,
            case_id VARCHAR,
            variant VARCHAR,                    -- model | prompt set (stable key with case_id)
            section VARCHAR NOT NULL,
            finding_id VARCHAR NOT NULL,        -- store.feedback.finding_id(rule, section, span)
            rule VARCHAR NOT NULL,
            span VARCHAR,
            outcome VARCHAR NOT NULL CHECK (outcome IN ('accept', 'dismiss')),
            reason VARCHAR,
            reviewer VARCHAR NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            source VARCHAR NOT NULL,            -- dashboard | cli | starter
            content_sha VARCHAR,                -- sha256 of the judged section's text
            prompt_hash VARCHAR,
            metric_versions JSON,
            judge_versions JSON,
            code_version VARCHAR
        );
        CREATE TABLE feedback_ratings (
            label_id VARCHAR PRIMARY KEY,
            draft_id VARCHAR NOT NULL,
            case_id VARCHAR,
            variant VARCHAR,
            section VARCHAR NOT NULL,           -- a schema section, or 'overall'
            rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
            reason VARCHAR NOT NULL,
            reviewer VARCHAR NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            source VARCHAR NOT NULL,
            content_sha VARCHAR,
            prompt_hash VARCHAR,
            metric_versions JSON,
            judge_versions JSON,
            code_version VARCHAR
        );
        CREATE TABLE feedback_preferences (
            label_id VARCHAR PRIMARY KEY,
            case_id VARCHAR,
            draft_a VARCHAR NOT NULL,
            draft_b VARCHAR NOT NULL,
            variant_a VARCHAR,
            variant_b VARCHAR,
            section VARCHAR,                    -- NULL: the whole draft
            preference VARCHAR NOT NULL CHECK (preference IN ('A', 'B', 'tie')),
            reason VARCHAR NOT NULL,
            reviewer VARCHAR NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            source VARCHAR NOT NULL,
            content_sha_a VARCHAR,
            content_sha_b VARCHAR,
            prompt_hash_a VARCHAR,
            prompt_hash_b VARCHAR,
            metric_versions JSON,
            judge_versions JSON,
            code_version VARCHAR
        );
        CREATE TABLE calibration_runs (
            calib_id VARCHAR PRIMARY KEY,
            created_at TIMESTAMPTZ NOT NULL,
            labels JSON,                        -- counts per kind and source
            settings JSON,
            code_version VARCHAR
        );
        CREATE TABLE calibration_results (
            calib_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,              -- rule | metric | judge | threshold
            name VARCHAR NOT NULL,
            version VARCHAR,
            statistic VARCHAR NOT NULL,         -- precision | spearman | pairwise_accuracy | kappa | threshold
            value DOUBLE,
            lo DOUBLE,
            hi DOUBLE,
            n INTEGER NOT NULL,
            current DOUBLE,                     -- thresholds: the value in use
            calibrated BOOLEAN NOT NULL,
            stand_in BOOLEAN NOT NULL DEFAULT false,
            note VARCHAR,
            PRIMARY KEY (calib_id, kind, name, statistic)
        );
        """
    )


@migration
def fol_m001_tracker_links(con: duckdb.DuckDBPyConnection) -> None:
    """Follow-through: the tracker issue created for each action item (idempotent export)."""
    con.execute(
        """
        CREATE TABLE tracker_links (
            tracker VARCHAR NOT NULL,           -- github | jira | linear
            target VARCHAR NOT NULL,            -- owner/repo | project key | team id, plus the API base URL
            item_key VARCHAR NOT NULL,          -- stable per action item (incident id + normalised title)
            incident_id VARCHAR,
            title VARCHAR,
            issue_id VARCHAR NOT NULL,          -- number | key | id the tracker gave the issue
            issue_url VARCHAR,
            source VARCHAR,
            created_at TIMESTAMPTZ NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (tracker, target, item_key)
        )
        """
    )


@migration
def m_check_001_eval_scores(con: duckdb.DuckDBPyConnection) -> None:
    """Scores of `make eval-check`: one row per (run, split, metric, key)."""
    con.execute(
        """
        CREATE TABLE check_eval_scores (
            run_id VARCHAR NOT NULL,
            split VARCHAR NOT NULL,             -- dev | test
            metric VARCHAR NOT NULL,            -- precision | recall | rule_precision | reader_recall | exit | ...
            key VARCHAR NOT NULL,               -- label kind, rule or exit class
            value DOUBLE,
            hit INTEGER NOT NULL,
            total INTEGER NOT NULL,
            documents INTEGER NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (run_id, split, metric, key)
        );
        """
    )


@migration
def fol_m002_memory(con: duckdb.DuckDBPyConnection) -> None:
    """Cross-incident memory: the latest draft of each incident, its facts, weighted terms and factor classes."""
    con.execute(
        """
        CREATE TABLE memory_docs (
            draft_id VARCHAR PRIMARY KEY,
            incident_id VARCHAR NOT NULL,
            title VARCHAR,
            started_at TIMESTAMPTZ,             -- start of impact (or the header date)
            norm DOUBLE NOT NULL,               -- length of the term-weight vector
            indexed_at TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX memory_docs_incident ON memory_docs (incident_id);
        CREATE TABLE memory_terms (draft_id VARCHAR NOT NULL, term VARCHAR NOT NULL, w DOUBLE NOT NULL);
        CREATE INDEX memory_terms_term ON memory_terms (term);
        CREATE TABLE memory_classes (draft_id VARCHAR NOT NULL, class VARCHAR NOT NULL, in_factor BOOLEAN NOT NULL);
        CREATE TABLE memory_df (term VARCHAR PRIMARY KEY, df INTEGER NOT NULL);     -- document frequencies, kept
        CREATE TABLE memory_cdf (class VARCHAR PRIMARY KEY, df INTEGER NOT NULL);   -- current by every index write
        CREATE TABLE memory_facts (
            draft_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,              -- service | trigger | cause | factor | action
            ref VARCHAR,                        -- CF id, action key
            text VARCHAR NOT NULL,
            status VARCHAR,                     -- actions: open | done
            classes JSON
        );
        """
    )


def _migrate_lake(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The same migrations on a DuckLake: DDL without keys/indexes (lake.portable_ddl). Another machine may
    migrate at the same moment: each migration checks `_migrations` inside its own transaction, and a
    commit that conflicts with the other machine's is rolled back and retried (db.retry_conflicts)."""
    where = first_row(con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()"))
    lake = str(where[0]) if where else ""
    if lake in _CURRENT_LAKES:  # migrations are never undone: once current, a process need not look again
        return []
    portable = cast(duckdb.DuckDBPyConnection, PortableConnection(con))
    ran: list[str] = []

    def once() -> None:
        ensure_migrations_table(portable)
        done = set(applied(con))
        for name, fn in MIGRATIONS:
            if name in done:
                continue
            con.execute("BEGIN TRANSACTION")
            try:
                if name in applied(con):  # read in the same snapshot the DDL runs in
                    con.execute("COMMIT")
                    continue
                fn(portable)
                con.execute("INSERT INTO _migrations VALUES (?, ?)", [name, datetime.now(UTC)])
                con.execute("COMMIT")
            except BaseException:
                try:
                    con.execute("ROLLBACK")
                except duckdb.TransactionException:  # a failed COMMIT already ended it
                    pass
                raise
            ran.append(name)

    retry_conflicts(once, what="applying the store's migrations")
    _CURRENT_LAKES.add(lake)
    return ran


_CURRENT_LAKES: set[str] = set()


def ensure_migrations_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)")


def applied(con: duckdb.DuckDBPyConnection) -> list[str]:
    exists = first_row(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = '_migrations'"
    ))
    if not exists or not exists[0]:
        return []
    return [r[0] for r in con.execute("SELECT name FROM _migrations ORDER BY name").fetchall()]


def pending(con: duckdb.DuckDBPyConnection) -> list[str]:
    done = set(applied(con))
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations, each in one transaction with its `_migrations` row."""
    if is_lake_connection(con):
        return _migrate_lake(con)
    ran = []
    ensure_migrations_table(con)
    done = set(applied(con))
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            fn(con)
            con.execute("INSERT INTO _migrations VALUES (?, ?)", [name, datetime.now(UTC)])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        ran.append(name)
    return ran


@migration
def ui_findings_replacement(con: duckdb.DuckDBPyConnection) -> None:
    """The findings contract: the text that replaces a finding's span, apart from its advice (`suggestion`)."""
    con.execute("ALTER TABLE findings ADD COLUMN replacement VARCHAR")


@migration
def similar_m001_memory_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Cross-incident memory v2: 64-bit keys on the hot path (a hash of the draft id and of each term, see
    store.memory.key), so `similar` joins and groups integers. The memory is derived from the stored drafts:
    its tables are recreated empty and the next sync re-indexes every incident's latest draft."""
    for table in ("memory_terms", "memory_df", "memory_classes", "memory_cdf", "memory_facts", "memory_docs"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(  # one statement string starting with CREATE: a lake's migration strips its keys and indexes
        """
        CREATE TABLE memory_docs (
            draft_id VARCHAR PRIMARY KEY,
            doc_key BIGINT NOT NULL,            -- key(draft_id)
            incident_id VARCHAR NOT NULL,
            title VARCHAR,
            started_at TIMESTAMPTZ,             -- start of impact (or the header date)
            norm DOUBLE NOT NULL,               -- length of the term-weight vector
            indexed_at TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX memory_docs_incident ON memory_docs (incident_id);
        CREATE TABLE memory_terms (doc_key BIGINT NOT NULL, term_key BIGINT NOT NULL, w FLOAT NOT NULL);
        CREATE TABLE memory_df (term_key BIGINT PRIMARY KEY, df INTEGER NOT NULL);  -- document frequencies, kept
        CREATE TABLE memory_classes (doc_key BIGINT NOT NULL, draft_id VARCHAR NOT NULL, class VARCHAR NOT NULL,
                                     in_factor BOOLEAN NOT NULL);
        CREATE TABLE memory_cdf (class VARCHAR PRIMARY KEY, df INTEGER NOT NULL);   -- current by every index write
        CREATE TABLE memory_facts (
            draft_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,              -- service | trigger | cause | factor | action
            ref VARCHAR,                        -- CF id, action key
            text VARCHAR NOT NULL,
            status VARCHAR,                     -- actions: open | done
            classes JSON
        );
        """
    )


@migration
def similar_m002_reindex_compound_parts(con: duckdb.DuckDBPyConnection) -> None:
    """Cross-incident memory: a compound token ('crates.io', 'crates-io-staging') now also indexes its parts
    (pmstudio.memory.terms), so entries indexed before lack terms a query has. The memory is derived from the
    stored drafts: it is emptied and the next sync re-indexes every incident's latest draft."""
    for table in ("memory_terms", "memory_df", "memory_classes", "memory_cdf", "memory_facts", "memory_docs"):
        con.execute(f"DELETE FROM {table}")
