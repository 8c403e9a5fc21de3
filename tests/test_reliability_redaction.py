"""Redaction end to end: a corpus of realistic fake secrets in a bundle never reaches the provider.

The corpus (tests/data/reliability/secrets.yaml: cloud keys, tokens, JWTs, passwords in URLs, private
keys, e-mails, a phone number) is seeded into a fictional incident's chat, log and notes. The bundle
is drafted through the fake provider server with each provider kind (Anthropic and OpenAI with dummy
keys, OpenAI-compatible without one) and through the eval runner; the server's request log (headers
and bodies) must hold no secret and no 6-character fragment of one. Fragments that also occur in a
draft of the same bundle without the secrets (prompts, schemas, surrounding words) cannot tell a leak
and are not checked; every secret keeps most of its fragments checkable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel
from pydantic_ai import models as pai_models

from pmstudio.golden import GoldenCase, load_case
from pmstudio.ingest import bundle_from_materials
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.schema import Material
from pmstudio.store import connect
from pmstudio.testing import FakeProviderServer

DATA = Path(__file__).resolve().parent / "data" / "reliability"
CASE = DATA / "golden" / "orbit-2024-03-12-expired-tls-certificate.yaml"
WINDOW = 6
# dummy provider keys, built from pieces; the fake server must never see them in a body either
ANT_KEY = "sk-ant-api03-" + "DUMMYk3Hv8Qw1Ze6Rt0Ys4Lp"
OAI_KEY = "sk-proj-" + "DUMMYm5Tc9Xb2Nv7Jd4Wq8Gf"


class Secret(BaseModel):
    id: str
    material: str
    line: str
    parts: list[str]

    @property
    def value(self) -> str:
        return "".join(self.parts)


def corpus() -> list[Secret]:
    return [Secret.model_validate(item) for item in yaml.safe_load((DATA / "secrets.yaml").read_text(encoding="utf-8"))]


def seeded_case(with_secrets: bool = True) -> GoldenCase:
    """The fictional case with every corpus line appended to its material (secrets blanked if not wanted)."""
    case = load_case(CASE)
    extra: dict[str, list[str]] = {}
    for s in corpus():
        extra.setdefault(s.material, []).append(s.line.format(s=s.value if with_secrets else ""))
    materials = []
    for m in case.materials:
        lines = extra.get(str(m.kind), [])
        content = m.content + ("\n".join(lines) + "\n" if lines else "")
        materials.append(Material(name=m.name, kind=m.kind, content=content))
    assert set(extra) <= {str(m.kind) for m in case.materials}
    return case.model_copy(update={"materials": materials})


def strings(node: Any) -> list[str]:
    """Every string (keys too) in a JSON-like value."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (*strings(k), *strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []


def log_text(srv: FakeProviderServer) -> str:
    return "\n".join(strings([{"headers": e["headers"], "body": e["body"], "path": e["path"]} for e in srv.log()]))


def secrets() -> list[tuple[str, str]]:
    return [(s.id, s.value) for s in corpus()] + [("anthropic-dummy-key", ANT_KEY), ("openai-dummy-key", OAI_KEY)]


def leaks(text: str, baseline: str) -> tuple[dict[str, list[str]], int]:
    """Per secret id: the secret or its checkable fragments found in `text`; and how many fragments were checked."""
    found: dict[str, list[str]] = {}
    checked = 0
    for sid, value in secrets():
        windows = {value[i : i + WINDOW] for i in range(len(value) - WINDOW + 1)}
        checkable = {w for w in windows if w not in baseline}
        assert len(checkable) >= 0.6 * len(windows), f"{sid}: too few fragments can tell a leak"
        checked += len(checkable)
        hits = sorted(w for w in checkable if w in text)
        if value in text or hits:
            found[sid] = ["<whole secret>"] * (value in text) + hits[:5]
    return found, checked


@pytest.fixture
def srv(fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProviderServer]:
    fake_server.reset()
    fake_server.configure(latency_s=0.0, seed=2, min_cache_tokens=0)
    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANT_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OAI_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
    yield fake_server
    fake_server.reset()  # ends any request still hanging, drops leftover faults
    fake_server.configure(latency_s=0.0, seed=7, min_cache_tokens=0)  # the session defaults


def model_for(kind: str, srv: FakeProviderServer) -> str:
    return {
        "anthropic": "anthropic:claude-sonnet-4-6",
        "openai": "openai:gpt-5.2",
        "openai-compatible": f"openai-compatible:llama3.1@{srv.openai_base_url}?output=tool",
    }[kind]


def draft_logged(case: GoldenCase, model: str, srv: FakeProviderServer) -> str:
    srv.reset()
    bundle, _ = bundle_from_materials(list(case.materials), id=case.id, timezone=case.timezone, title=case.title)
    record = asyncio.run(draft_postmortem(bundle, model=model, settings=DraftSettings(max_revisions=1)))
    assert record.postmortem is not None and record.status == "ok", record.error
    return log_text(srv)


def test_the_corpus_is_seeded() -> None:
    case = seeded_case()
    text = "\n".join(m.content for m in case.materials)
    assert all(value in text for sid, value in secrets() if "dummy" not in sid)
    assert len(corpus()) >= 30
    bundle, rmap = bundle_from_materials(list(case.materials), id=case.id, timezone=case.timezone, title=case.title)
    assert bundle.redacted and rmap is not None and rmap.total >= len(corpus())


@pytest.mark.parametrize("kind", ["anthropic", "openai", "openai-compatible"])
def test_no_secret_reaches_the_provider(kind: str, srv: FakeProviderServer) -> None:
    model = model_for(kind, srv)
    baseline = draft_logged(seeded_case(with_secrets=False), model, srv)
    text = draft_logged(seeded_case(), model, srv)
    assert "REDACTED_" in text  # the placeholders, not the values, were sent
    assert all(e["key_present"] or kind == "openai-compatible" for e in srv.log())
    found, checked = leaks(text, baseline)
    assert found == {}, f"{kind}: secrets reached the provider: {found}"
    assert checked > 1000
    print(f"\n{kind}: {len(srv.log())} requests, {len(secrets())} secrets, {checked} fragments checked, 0 found")


def test_no_secret_reaches_the_provider_or_the_store_in_an_eval(srv: FakeProviderServer, tmp_path: Path) -> None:
    pytest.importorskip("pmstudio.evals.metrics", reason="the runner scores with pmstudio.evals.metrics")
    from pmstudio.evals.runner import EvalSettings, Runner

    model = model_for("openai-compatible", srv)
    baseline = draft_logged(seeded_case(with_secrets=False), model, srv)
    srv.reset()
    db = tmp_path / "redaction.duckdb"
    settings = EvalSettings(models=[model], prompt_sets=["default", "seed-single-shot"])
    asyncio.run(Runner([seeded_case()], settings, db=db).run())
    found, _ = leaks(log_text(srv), baseline)
    assert found == {}, f"secrets reached the provider during an eval: {found}"
    with connect(db, read_only=True) as con:
        stored = [
            str(value)
            for sql in (
                "SELECT materials::VARCHAR, evidence::VARCHAR, title FROM bundles",
                "SELECT postmortem::VARCHAR, markdown, critic::VARCHAR, error FROM drafts",
                "SELECT output::VARCHAR, error FROM sections",
                "SELECT span, message FROM findings",
                "SELECT reason FROM scores",
            )
            for row in con.execute(sql).fetchall()
            for value in row
            if value is not None
        ]
    assert len(stored) > 100
    found, _ = leaks("\n".join(stored), baseline)
    assert found == {}, f"secrets stored in the database: {found}"
