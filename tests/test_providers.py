"""Real SDK round trips (anthropic, openai, openai-compatible) through pydantic-ai against the fake server."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, CachePoint
from pydantic_ai import models as pai_models
from pydantic_ai.exceptions import ModelAPIError, ModelRequestTimeout, ModelTimeoutError

from pmstudio.agents.messages import render_evidence, render_task
from pmstudio.cost import usage_from_run
from pmstudio.models import KEYLESS, ModelConfigError, build_model, model_settings
from pmstudio.probe import wrap_output
from pmstudio.schema import SECTION_TYPES, Bundle, Evidence, SummarySection, TimelineSection
from pmstudio.testing import FakeProviderServer

ANT_KEY = "sk-ant-api03-FAKEKEY-abcdefghijklmnop"
OAI_KEY = "sk-proj-FAKEKEY-qrstuvwxyz012345"
KINDS = ("anthropic", "openai", "compat")


def bundle() -> Bundle:
    texts = ["5xx alert fired on api-gateway", "incident declared, on-call paged", "bad config push identified",
             "config reverted", "error rate normal, incident resolved"]
    ev = [Evidence(id=f"slack:{i + 1}", material="slack", kind="chat", line=i + 1,
                   at=datetime(2024, 3, 9, 14, 5 * i, tzinfo=UTC), actor="oncall", text=t) for i, t in enumerate(texts)]
    return Bundle(id="INC-42", title="API gateway 5xx", materials=[], evidence=ev)


@pytest.fixture
def srv(fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> FakeProviderServer:
    fake_server.reset()
    fake_server.configure(latency_s=0.0, min_cache_tokens=0)
    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANT_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OAI_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
    return fake_server


def ref_for(kind: str, srv: FakeProviderServer, suffix: str = "") -> str:
    return {
        "anthropic": "anthropic:claude-sonnet-4-6",
        "openai": "openai:gpt-5.2",
        "compat": f"openai-compatible:llama3.1@{srv.openai_base_url}",
    }[kind] + (suffix or ("?output=tool" if kind == "compat" else ""))  # (auto would probe first)


def run(ref: str, output_type: type[BaseModel], section: str = "summary", *, stream: bool = False,
        **settings: Any) -> Any:
    agent: Agent[None, Any] = Agent(build_model(ref), output_type=wrap_output(ref, output_type),
                                    instructions=f"Draft the {section} section.", retries=2)
    prompt = [render_evidence(bundle()), CachePoint(), render_task(section)]
    ms = model_settings(ref, **settings)

    async def go() -> Any:
        if stream:
            async with agent.run_stream(prompt, model_settings=ms) as result:
                await result.get_output()
                return result
        return await agent.run(prompt, model_settings=ms)

    return asyncio.run(go())


def no_key_material(log: list[dict[str, Any]]) -> None:
    dump = json.dumps(log)
    assert ANT_KEY not in dump and OAI_KEY not in dump
    assert "FAKEKEY" not in dump


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("section", list(SECTION_TYPES))
def test_every_section_round_trips(srv: FakeProviderServer, kind: str, section: str) -> None:
    result = run(ref_for(kind, srv), SECTION_TYPES[section], section)
    assert isinstance(result.output, SECTION_TYPES[section])
    cited = set(re.findall(r'"(slack:\d+)"', result.output.model_dump_json()))
    assert cited and cited <= {e.id for e in bundle().evidence}, "cites real evidence ids only"
    log = srv.log()
    assert len(log) == 1 and log[0]["status"] == 200 and log[0]["key_present"]
    no_key_material(log)


def test_anthropic_request_carries_cache_markers_and_streams(srv: FakeProviderServer) -> None:
    run(ref_for("anthropic", srv), TimelineSection, "timeline")
    body = srv.log()[0]["body"]
    assert body["stream"] is True  # default max_tokens makes the SDK stream
    assert body["system"][-1]["cache_control"]["type"] == "ephemeral"
    assert body["tools"][-1]["cache_control"]["type"] == "ephemeral"
    first = body["messages"][0]["content"][0]
    assert first["text"].startswith("# EVIDENCE") and first["cache_control"]["type"] == "ephemeral"
    assert "cache_control" not in body["messages"][0]["content"][1]


def test_anthropic_max_tokens_sends_a_plain_request(srv: FakeProviderServer) -> None:
    result = run(ref_for("anthropic", srv), SummarySection, max_tokens=2048)
    body = srv.log()[0]["body"]
    assert body["max_tokens"] == 2048 and not body.get("stream")
    assert isinstance(result.output, SummarySection)


def test_cache_reads_and_cost_are_captured(srv: FakeProviderServer) -> None:
    for kind in KINDS:
        ref = ref_for(kind, srv)
        first = run(ref, TimelineSection, "timeline")
        second = run(ref, TimelineSection, "timeline")
        usage = usage_from_run(second.usage, ref)
        assert usage.cache_read_tokens > 0 and usage.requests == 1
        assert usage.input_tokens >= usage.cache_read_tokens and usage.output_tokens > 0
        if kind == "anthropic":
            assert usage_from_run(first.usage, ref).cache_write_tokens > 0
        if kind == "compat":
            assert usage.cost_usd == 0.0  # self-hosted on 127.0.0.1
        else:
            assert usage.cost_usd is not None and usage.cost_usd > 0


@pytest.mark.parametrize(("kind", "mode"), [("compat", "native"), ("compat", "prompted"), ("openai", "native"),
                                            ("anthropic", "prompted")])
def test_output_modes(srv: FakeProviderServer, kind: str, mode: str) -> None:
    result = run(ref_for(kind, srv, f"?output={mode}"), TimelineSection, "timeline")
    assert isinstance(result.output, TimelineSection) and result.output.entries
    body = srv.log()[0]["body"]
    assert not body.get("tools")
    if mode == "native":
        assert body["response_format"]["type"] == "json_schema"
    else:
        assert "compatible with this schema" in json.dumps(body)


def test_openai_compatible_without_key_sends_placeholder(srv: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    run(ref_for("compat", srv), SummarySection)
    entry = srv.log()[0]
    assert entry["key_present"] and entry["key_length"] == len(KEYLESS)


@pytest.mark.parametrize(("kind", "var"), [("anthropic", "ANTHROPIC_API_KEY"), ("openai", "OPENAI_API_KEY")])
def test_missing_key_fails_before_any_request(srv: FakeProviderServer, monkeypatch: pytest.MonkeyPatch,
                                              kind: str, var: str) -> None:
    monkeypatch.delenv(var)
    with pytest.raises(ModelConfigError, match=f"{var} is not set"):
        run(ref_for(kind, srv), SummarySection)
    assert srv.log() == []


def test_keys_stay_out_of_logs(srv: FakeProviderServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    srv.add_fault("429", retry_after=0)
    for kind in KINDS:
        run(ref_for(kind, srv), SummarySection)
    assert caplog.records, "SDK debug logging was captured"
    assert ANT_KEY not in caplog.text and OAI_KEY not in caplog.text


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize("kind", KINDS)
def test_429_retry_after_is_honoured(srv: FakeProviderServer, kind: str) -> None:
    srv.add_fault("429", retry_after=1)
    result = run(ref_for(kind, srv), SummarySection)
    log = srv.log()
    assert [e["status"] for e in log] == [429, 200]
    assert [e["headers"]["x-stainless-retry-count"] for e in log] == ["0", "1"]
    # the SDK's own first backoff is <= 0.5 s, so a gap of ~1 s shows retry-after was used
    assert log[1]["t"] - log[0]["t"] >= 0.9
    assert result.usage.requests == 1


@pytest.mark.parametrize("fault", ["500", "529"])
@pytest.mark.parametrize("kind", KINDS)
def test_server_errors_are_retried(srv: FakeProviderServer, kind: str, fault: str) -> None:
    srv.add_fault(fault, retry_after=None)
    result = run(ref_for(kind, srv), SummarySection)
    assert isinstance(result.output, SummarySection)
    assert [e["status"] for e in srv.log()] == [int(fault), 200]


def test_retries_are_bounded(srv: FakeProviderServer) -> None:
    srv.add_fault("529", count=10, retry_after=None)
    with pytest.raises(ModelAPIError):
        run(ref_for("anthropic", srv), SummarySection, max_retries=1)
    assert len(srv.log()) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_hang_times_out_per_attempt(srv: FakeProviderServer, kind: str) -> None:
    srv.add_fault("hang", count=5, hang_s=30)
    started = time.monotonic()
    with pytest.raises(ModelTimeoutError):
        run(ref_for(kind, srv), SummarySection, timeout_s=0.5, max_retries=0)
    assert time.monotonic() - started < 15  # did not wait for the 30 s hang
    assert len(srv.log()) == 1


def test_deadline_covers_all_attempts(srv: FakeProviderServer) -> None:
    srv.add_fault("hang", count=5, hang_s=30)
    with pytest.raises(ModelRequestTimeout):
        run(ref_for("openai", srv), SummarySection, timeout_s=20, deadline_s=0.5)


def test_hang_once_then_recovered(srv: FakeProviderServer) -> None:
    srv.add_fault("hang", hang_s=30)
    # the hang (30 s) times out; the retry, answered at once, has room to finish on a loaded machine
    result = run(ref_for("openai", srv), SummarySection, timeout_s=3)
    assert isinstance(result.output, SummarySection)
    assert [e["fault"] for e in srv.log()] == ["hang", None]


@pytest.mark.parametrize("kind", KINDS)
def test_malformed_arguments_get_an_output_retry(srv: FakeProviderServer, kind: str) -> None:
    srv.add_fault("malformed")
    result = run(ref_for(kind, srv), SummarySection)
    assert isinstance(result.output, SummarySection)
    log = srv.log()
    assert [e["fault"] for e in log] == ["malformed", None]
    assert result.usage.requests == 2
    retry = json.dumps(log[1]["body"]["messages"][-1])
    assert "json_invalid" in retry  # the parse error went back to the model as a retry prompt


@pytest.mark.parametrize(("kind", "stream"), [("anthropic", False), ("openai", True), ("compat", True)])
def test_truncated_stream_is_a_clean_error(srv: FakeProviderServer, kind: str, stream: bool) -> None:
    srv.add_fault("truncate")
    with pytest.raises(ModelAPIError) as err:
        run(ref_for(kind, srv), SummarySection, stream=stream)
    assert "\n" not in str(err.value).strip()
    assert [e["fault"] for e in srv.log()] == ["truncate"]


def test_truncated_plain_response_is_retried_by_the_sdk(srv: FakeProviderServer) -> None:
    srv.add_fault("truncate")
    result = run(ref_for("openai", srv), SummarySection)
    assert isinstance(result.output, SummarySection)
    assert [e["fault"] for e in srv.log()] == ["truncate", None]


# --------------------------------------------------------------------------- concurrency


@pytest.mark.parametrize(("limit", "expected"), [("1", 1), ("2", 2)])
def test_concurrency_is_bounded_per_kind(srv: FakeProviderServer, monkeypatch: pytest.MonkeyPatch,
                                         limit: str, expected: int) -> None:
    monkeypatch.setenv("PMSTUDIO_MAX_CONCURRENCY_OPENAI_COMPATIBLE", limit)
    srv.configure(latency_s=0.2)
    ref = ref_for("compat", srv)
    agents = [Agent(build_model(ref), output_type=SummarySection) for _ in range(4)]  # separate models, one pool

    async def go() -> None:
        await asyncio.gather(*(a.run(render_evidence(bundle()), model_settings=model_settings(ref)) for a in agents))

    asyncio.run(go())
    assert srv.stats()["max_inflight"] == expected
    assert srv.stats()["requests"] == 4
