"""DuckDB storage: connections (db), the schema's migrations, writes and the read-side queries."""

from pmstudio.store.db import StoreBusyError, connect, default_db_path
from pmstudio.store.migrations import migrate
from pmstudio.store.writes import finish_run, open_db, record_draft, start_run, update_draft_markdown

__all__ = [
    "StoreBusyError",
    "connect",
    "default_db_path",
    "finish_run",
    "migrate",
    "open_db",
    "record_draft",
    "start_run",
    "update_draft_markdown",
]
