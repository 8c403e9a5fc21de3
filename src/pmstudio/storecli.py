"""`pmstudio store init | export | import`: set up a store (a DuckDB file or the team's DuckLake) and move
runs between stores as Parquet. Bad input is one line with exit 2 and nothing written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pmstudio.cliio import err, fail

store_app = typer.Typer(help="Set up the store and move runs between stores (Parquet).", no_args_is_help=True)
DbOpt = Annotated[str | None, typer.Option(help="store: a DuckDB file or ducklake:postgres:... (default $PMSTUDIO_DB, team config, user store)")]


def _target(db: str | None) -> object:
    from pmstudio.store.db import resolve_target
    from pmstudio.store.lake import StoreConfigError

    try:
        return resolve_target(db)
    except StoreConfigError as exc:
        fail(str(exc))


@store_app.command("init")
def store_init(db: DbOpt = None) -> None:
    """Create the store (or the lake's tables) and apply pending migrations."""
    from pmstudio.store.db import connect
    from pmstudio.store.lake import StoreConfigError
    from pmstudio.store.migrations import migrate

    target = _target(db)
    try:
        with connect(target) as con:  # type: ignore[arg-type]
            ran = migrate(con)
    except StoreConfigError as exc:
        fail(str(exc))
    label = getattr(target, "label", target)
    Console().print(f"store ready: {label} ({len(ran)} migrations applied)", highlight=False, markup=False)


@store_app.command("export")
def store_export(
    parquet: Annotated[Path, typer.Option("--parquet", help="folder to write one Parquet file per table into")],
    db: DbOpt = None,
) -> None:
    """Write every table of the store as Parquet (plus manifest.json) into a new folder."""
    from pmstudio.store.lake import StoreConfigError
    from pmstudio.store.transfer import TransferError, export_parquet

    target = _target(db)
    try:
        manifest = export_parquet(target, parquet)  # type: ignore[arg-type]
    except (StoreConfigError, TransferError) as exc:
        fail(str(exc))
    rows = sum(manifest.tables.values())
    err.print(f"store export: {len(manifest.tables)} tables, {rows} rows to {parquet}", highlight=False)


@store_app.command("import")
def store_import(
    folder: Annotated[Path, typer.Argument(help="a folder written by `pmstudio store export --parquet`")],
    db: DbOpt = None,
) -> None:
    """Add the runs of an exported folder to this store (runs already here are skipped), in one transaction."""
    from pmstudio.store.lake import StoreConfigError
    from pmstudio.store.transfer import TransferError, import_parquet

    target = _target(db)
    try:
        added = import_parquet(target, folder)  # type: ignore[arg-type]
    except (StoreConfigError, TransferError) as exc:
        fail(str(exc))
    err.print(f"store import: {sum(added.values())} rows added ({', '.join(f'{t} {n}' for t, n in added.items() if n) or 'nothing new'})", highlight=False)


def preflight(db: str | Path | None, *, write: bool = True) -> None:
    """Fail fast, before any work (a draft from a paid model, an eval grid), when the store address is malformed,
    the lake cannot be opened, or the DuckDB file is not one (another kind of file, a folder) or cannot be made
    where it is asked for. A file that another process holds is not a failure: writes wait for it."""
    from pmstudio.store.db import StoreBusyError, connect, resolve_target
    from pmstudio.store.lake import LakeTarget, StoreConfigError, open_lake

    try:
        target = resolve_target(db)
        if isinstance(target, LakeTarget):
            open_lake(target, read_only=not write).close()
        elif target.exists():
            with connect(target, read_only=True, retry_s=0):
                pass
        elif write:
            _creatable(target)
    except StoreBusyError:
        pass
    except StoreConfigError as exc:
        fail(str(exc))


def _creatable(db: Path) -> None:
    """`db` does not exist yet: its nearest existing folder must be one this process can write in."""
    from pmstudio.store.lake import StoreConfigError

    folder = db.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise StoreConfigError(f"{db}: cannot create the store ({folder} is not a folder this user can write in)")
