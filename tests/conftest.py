"""Shared fixtures: every test is isolated from the user's environment (keys cleared, DB in tmp_path)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic_ai import models

models.ALLOW_MODEL_REQUESTS = False

ROOT = Path(__file__).resolve().parent.parent

_CLEARED = (
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENAI_BASE_URL",
    "CONFIDENT_API_KEY",
    "PMSTUDIO_DB",
    "PMSTUDIO_MODEL",
)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in _CLEARED:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PMSTUDIO_DB", str(tmp_path / "pmstudio.duckdb"))
    monkeypatch.setenv("DEEPEVAL_TELEMETRY_OPT_OUT", "YES")
    monkeypatch.setenv("DEEPEVAL_DISABLE_DOTENV", "1")
    monkeypatch.setenv("DEEPEVAL_FILE_SYSTEM", "READ_ONLY")
    monkeypatch.setenv("DEEPEVAL_CACHE_FOLDER", str(tmp_path / "deepeval"))


@pytest.fixture
def root() -> Path:
    return ROOT


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "YES")
    os.environ.setdefault("DEEPEVAL_DISABLE_DOTENV", "1")


@pytest.fixture(scope="session")
def fake_server():  # type: ignore[no-untyped-def]
    """One fake OpenAI/Anthropic server on 127.0.0.1 for the session; call `.reset()` before use."""
    from pmstudio.testing import FakeProviderServer

    with FakeProviderServer(seed=7) as srv:
        yield srv
