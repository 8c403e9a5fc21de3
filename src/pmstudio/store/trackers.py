"""SQL of the tracker links: which tracker issue belongs to which action item (one short transaction each)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pmstudio.store.db import connect, first_row
from pmstudio.store.migrations import migrate
from pmstudio.store.transaction import write


class TrackerLink(BaseModel):
    tracker: str
    target: str
    item_key: str
    issue_id: str
    issue_url: str | None = None


def find_link(tracker: str, target: str, item_key: str, db: str | Path | None = None) -> TrackerLink | None:
    with connect(db) as con:
        migrate(con)
        row = first_row(con.execute(
            "SELECT tracker, target, item_key, issue_id, issue_url FROM tracker_links "
            "WHERE tracker = ? AND target = ? AND item_key = ?",
            [tracker, target, item_key],
        ))
    if row is None:
        return None
    return TrackerLink(tracker=row[0], target=row[1], item_key=row[2], issue_id=row[3], issue_url=row[4])


def save_link(
    link: TrackerLink, *, incident_id: str, title: str, source: str, db: str | Path | None = None
) -> None:
    now = datetime.now(UTC)
    key = [link.tracker, link.target, link.item_key]

    def body(con: Any) -> None:  # update-or-insert without ON CONFLICT: the team store (DuckLake) has no keys
        con.execute(
            "UPDATE tracker_links SET issue_id = ?, issue_url = ?, title = ?, source = ?, updated_at = ? "
            "WHERE tracker = ? AND target = ? AND item_key = ?",
            [link.issue_id, link.issue_url, title, source, now, *key],
        )
        con.execute(
            "INSERT INTO tracker_links SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM tracker_links WHERE tracker = ? AND target = ? AND item_key = ?)",
            [*key, incident_id, title, link.issue_id, link.issue_url, source, now, now, *key],
        )

    write(db, body)


def count_links(db: str | Path | None = None) -> int:
    with connect(db) as con:
        migrate(con)
        row = first_row(con.execute("SELECT count(*) FROM tracker_links"))
    return int(row[0]) if row else 0
