"""A cheap token that changes whenever the database file changes (dashboard caches key on it).

DuckDB writes land in the `.wal` file first and reach the main file at a checkpoint, so the token covers
both: path, size and modification time (ns) of each. Reading it opens no connection and takes no lock.
"""

from __future__ import annotations

from pathlib import Path

from pmstudio.store.db import default_db_path


def change_token(db: str | Path | None = None) -> str:
    """`path|size:mtime_ns|wal size:mtime_ns`; a missing file reads as `-`."""
    path = Path(db) if db is not None else default_db_path()
    parts = [str(path)]
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = p.stat()
        except OSError:
            parts.append("-")
        else:
            parts.append(f"{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)
