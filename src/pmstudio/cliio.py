"""The command line's edges, shared by every command module: one-line errors and atomic file writes.

Its own module so command modules (`cli`, `followcli`, ...) import it, never each other.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console

err = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print a one-line error and exit with `code`."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` via a temp file + rename, so a failure never leaves a partial file.

    A path that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in place:
    renaming over it would replace the device node with a plain file."""
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8") as fh:
            fh.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
