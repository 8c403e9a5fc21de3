"""Shared fixtures: every test is isolated from the user's environment (keys cleared, DB in tmp_path)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from pydantic_ai import models

models.ALLOW_MODEL_REQUESTS = False

# Property tests draw the same examples on every run, so a test run (and CI) passes or fails on the code alone; set
# PMSTUDIO_HYPOTHESIS=explore to draw new ones (a failure found that way becomes a fixed test)
settings.register_profile("fixed", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("PMSTUDIO_HYPOTHESIS", "fixed"))

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
    monkeypatch.setenv("PMSTUDIO_HOME", str(tmp_path / "home"))  # user data (e.g. the probe cache) never in var/
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


GOLDEN_DRAFTS_TIMEOUT = 900
"""Seconds for a test that may pay for drafting every golden dev case once (`golden_offline_drafts`, and
test_offline_prose's `drafted_cases`): about 580 cases by session 38, so the fixture's time grows with the dataset;
on a loaded 2-core machine it passed the default 300 s."""
_DRAFTS_EVERY_CASE = ("golden_offline_drafts", "drafted_cases")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test using a fixture that drafts every golden case gets GOLDEN_DRAFTS_TIMEOUT unless it sets its own.

    Under pytest-xdist (`make test`: `-n 2 --dist loadfile --no-loadscope-reorder`) a file's tests run on one
    worker (its module-scoped servers and drafts are made once), and files are handed out in the items' order:
    files with a slow or browser test go first, so the run ends on short files and both workers finish
    together. One process (no xdist) keeps the files' order."""
    for item in items:
        uses = getattr(item, "fixturenames", ())
        if any(name in uses for name in _DRAFTS_EVERY_CASE) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(GOLDEN_DRAFTS_TIMEOUT))
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    heavy = {i.path for i in items if i.get_closest_marker("slow") or i.get_closest_marker("browser")}
    items.sort(key=lambda i: i.path not in heavy)  # stable: the order within each group stays


@pytest.fixture(scope="session")
def golden_offline_drafts() -> tuple[tuple[Any, Any], ...]:
    """(post-mortem, bundle) of every golden dev case, loaded with `load_bundle` and drafted offline with the
    default settings, once per session (per xdist worker): several modules assert on the same drafts.
    Read-only: a test that changes one works on a `model_copy`."""
    from pmstudio.ingest import load_bundle
    from pmstudio.orchestrator import draft_sync

    out = []
    for path in sorted((ROOT / "datasets" / "golden").glob("*.yaml")):
        bundle, _ = load_bundle(path)
        record = draft_sync(bundle, model="offline")
        assert record.postmortem is not None, path.stem
        out.append((record.postmortem, bundle))
    return tuple(out)


@pytest.fixture(scope="session")
def fake_server():  # type: ignore[no-untyped-def]
    """One fake OpenAI/Anthropic server on 127.0.0.1 for the session; call `.reset()` before use."""
    from pmstudio.testing import FakeProviderServer

    with FakeProviderServer(seed=7) as srv:
        yield srv


MODEL_PATHS = ("offline", "fake server", "hostile fake")
"""Every surface runs every model path: the embedded offline drafter, the schema-driven fake server and
the hostile-but-valid fake (pmstudio.testing.hostile) through the same fake server."""


@pytest.fixture(scope="session")
def hostile_server():  # type: ignore[no-untyped-def]
    """A fake provider server whose answers are hostile but schema-valid (its own, so others stay grounded)."""
    from pmstudio.testing import FakeProviderServer

    with FakeProviderServer(seed=11) as srv:
        srv.configure(answers="hostile")
        yield srv


@pytest.fixture(scope="session")
def model_strings(fake_server, hostile_server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "offline": "offline",
        "fake server": f"openai-compatible:llama3.1@{fake_server.openai_base_url}?output=tool",
        "hostile fake": f"openai-compatible:hostile@{hostile_server.openai_base_url}?output=tool",
    }


@pytest.fixture(scope="session")
def model_runs(tmp_path_factory: pytest.TempPathFactory, model_strings: dict[str, str]) -> dict[str, Path]:
    """Per model path, a DuckDB file with one eval run (1 golden case x 2 prompt sets, a revision round)
    and its drafts; made once per session, tests copy the file they use."""
    import asyncio

    from pmstudio.evals.runner import EvalSettings, Runner
    from pmstudio.golden import load_dataset

    cases = [c for c in load_dataset(ROOT / "datasets" / "golden") if c.id.startswith("docsrs")]
    out = {}
    models.ALLOW_MODEL_REQUESTS = True  # only the fake servers on 127.0.0.1 are reachable
    try:
        for name, model in model_strings.items():
            db = tmp_path_factory.mktemp("runs") / f"{name.replace(' ', '-')}.duckdb"
            settings = EvalSettings(models=[model], prompt_sets=["default", "seed-single-shot"], max_revisions=1)
            asyncio.run(Runner(cases, settings, db=db).run())
            out[name] = db
    finally:
        models.ALLOW_MODEL_REQUESTS = False
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright, one per test module (never `playwright install`). Without
    it the test skips with the reason, except in CI (PMSTUDIO_REQUIRE_BROWSER=1), where it fails."""
    from playwright.sync_api import sync_playwright

    from pmstudio.testing.dashboard_server import CHROMIUM, CHROMIUM_FLAGS

    if not CHROMIUM.exists():
        if os.environ.get("PMSTUDIO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing but PMSTUDIO_REQUIRE_BROWSER=1 (apt-get install chromium)")
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()
