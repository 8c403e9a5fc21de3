"""Where Postmortem Studio finds its data and keeps the user's: the one place that knows file locations.

The design card's folders (`agents/` prompts, prompt sets and the lock; `evals/` rubrics, suites and
thresholds; `datasets/` the golden set and the example bundle) live at the top of the repository as data.
A wheel ships them as package data under `pmstudio/_data/<folder>` (hatch `force-include`), read through
`importlib.resources`; a checkout (editable install, `make draft`, `make test`) has no `_data` and falls
back to the checkout's own folders, so an edited prompt is seen at once. `pmstudio/data/` (lexicon,
prices, templates) is an ordinary package-data folder in both cases.

User data (the DuckDB store) goes to `$PMSTUDIO_HOME`, else to the checkout's `var/` when running from
a checkout (as before: `make draft` and `make test` keep their data beside the code), else to the
platform's user data directory (platformdirs: `~/.local/share/pmstudio` on Linux).
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import platformdirs

Card = Literal["agents", "evals", "datasets"]
"""The design card's top-level folders (data, never packages)."""

CARD_FOLDERS: tuple[Card, ...] = ("agents", "evals", "datasets")
APP_NAME = "pmstudio"
DB_FILE = "pmstudio.duckdb"


class ResourceError(Exception):
    """A packaged data folder is missing (a broken install); one line naming what is missing."""


@lru_cache(maxsize=1)
def package_dir() -> Path:
    """The installed `pmstudio` package directory (its own source and data files)."""
    path = resources.files("pmstudio")
    if not isinstance(path, Path):  # wheels install unpacked; a zip import would give a zipfile.Path
        raise ResourceError("pmstudio: the package is not installed as files on disk (zip installs are unsupported)")
    return path


@lru_cache(maxsize=1)
def checkout_root() -> Path | None:
    """The repository root when running from a checkout (src layout next to the card folders), else None."""
    root = package_dir().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "agents" / "prompt-sets.yaml").is_file():
        return root
    return None


def card_dir(folder: Card) -> Path:
    """One of the card folders: packaged `pmstudio/_data/<folder>` first, else the checkout's folder."""
    packaged = package_dir() / "_data" / folder
    if packaged.is_dir():
        return packaged
    root = checkout_root()
    if root is not None and (root / folder).is_dir():
        return root / folder
    raise ResourceError(f"{packaged}: packaged data folder missing (reinstall pmstudio)")


def data_file(name: str) -> Path:
    """A file of `pmstudio/data/` (lexicon, prices, templates), e.g. `data_file("lexicon.yaml")`."""
    return package_dir() / "data" / name


def prompts_dir() -> Path:
    """The prompt library: `$PMSTUDIO_PROMPTS_DIR`, else the packaged / checkout `agents/`."""
    override = os.environ.get("PMSTUDIO_PROMPTS_DIR")
    return Path(override) if override else card_dir("agents")


def rubrics_dir() -> Path:
    return card_dir("evals") / "rubrics"


def golden_dir() -> Path:
    return card_dir("datasets") / "golden"


def check_dataset_dir() -> Path:
    """The labelled corpus `pmstudio eval-check` scores by default (`dev/` and `test/` splits)."""
    return card_dir("datasets") / "check"


def example_bundle() -> Path:
    return card_dir("datasets") / "examples" / "docsrs-disk-full"


def user_home() -> Path:
    """Where user data lives: `$PMSTUDIO_HOME`, else the checkout's `var/`, else the platform data dir."""
    env = os.environ.get("PMSTUDIO_HOME")
    if env:
        return Path(env).expanduser()
    root = checkout_root()
    if root is not None:
        return root / "var"
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db() -> Path:
    """The default store: `$PMSTUDIO_DB`, else `<user_home()>/pmstudio.duckdb`."""
    env = os.environ.get("PMSTUDIO_DB")
    return Path(env).expanduser() if env else user_home() / DB_FILE


def dashboard_app() -> Path:
    """The Streamlit entry script: packaged `pmstudio/_data/dashboard/app.py`, else the checkout's."""
    packaged = package_dir() / "_data" / "dashboard" / "app.py"
    if packaged.is_file():
        return packaged
    root = checkout_root()
    if root is not None and (root / "dashboard" / "app.py").is_file():
        return root / "dashboard" / "app.py"
    raise ResourceError(f"{packaged}: packaged dashboard missing (reinstall pmstudio)")
