"""Model strings, key handling, settings and output modes (no network)."""

from __future__ import annotations

import pytest
from pydantic_ai import NativeOutput, PromptedOutput
from pydantic_ai.exceptions import ModelHTTPError, ModelTimeoutError
from pydantic_ai.models.concurrency import ConcurrencyLimitedModel

from pmstudio import models as m
from pmstudio.cost import estimate_cost, usage_from_run
from pmstudio.schema import TimelineSection, Usage

ANT_KEY = "sk-ant-test-KEYVALUE-0123456789"
OAI_KEY = "sk-test-OPENAIKEY-9876543210"
ENV = {"ANTHROPIC_API_KEY": ANT_KEY, "OPENAI_API_KEY": OAI_KEY}


@pytest.mark.parametrize(
    ("ref", "kind", "name", "base_url", "mode"),
    [
        ("offline", "offline", "offline", None, "tool"),
        ("anthropic:claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6", None, "tool"),
        ("  openai:gpt-5.2 ", "openai", "gpt-5.2", None, "tool"),
        ("openai-compatible:llama3.1@http://127.0.0.1:11434/v1/", "openai-compatible", "llama3.1",
         "http://127.0.0.1:11434/v1", "auto"),
        ("openai-compatible:qwen2.5:7b@http://localhost:11434/v1?output=prompted", "openai-compatible",
         "qwen2.5:7b", "http://localhost:11434/v1", "prompted"),
        ("openai:gpt-5.2@https://proxy.example/v1?output=native", "openai", "gpt-5.2", "https://proxy.example/v1", "native"),
        ("anthropic:claude-haiku-4-5?output=tool", "anthropic", "claude-haiku-4-5", None, "tool"),
    ],
)
def test_parse_good(ref: str, kind: str, name: str, base_url: str | None, mode: str) -> None:
    r = m.parse_model_ref(ref)
    assert (r.kind, r.name, r.base_url, r.output_mode) == (kind, name, base_url, mode)
    assert r.raw == ref.strip() and str(r) == ref.strip()


@pytest.mark.parametrize(
    ("ref", "needle"),
    [
        ("", "empty model string"),
        ("gpt-4", "unknown model kind"),
        ("bedrock:claude", "unknown model kind 'bedrock'"),
        ("offline:x", "unknown model kind 'offline'"),
        ("anthropic:", "missing or invalid model name"),
        ("anthropic:claude sonnet", "missing or invalid model name"),
        ("openai-compatible:llama3.1", "needs a base URL"),
        ("openai-compatible:llama@ftp://host/v1", "is not an http(s) URL"),
        ("openai-compatible:@http://host/v1", "missing or invalid model name"),
        ("openai-compatible:m@http://user:pw@host/v1", "credentials in the base URL"),
        ("openai:gpt-5.2?output=json", "output mode 'json'"),
        ("openai:gpt-5.2?temperature=1", "unknown option temperature"),
    ],
)
def test_parse_bad(ref: str, needle: str) -> None:
    with pytest.raises(m.ModelConfigError) as err:
        m.parse_model_ref(ref)
    message = str(err.value)
    assert needle in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("ref", "var"),
    [("anthropic:claude-sonnet-4-6", "ANTHROPIC_API_KEY"), ("openai:gpt-5.2", "OPENAI_API_KEY")],
)
def test_missing_key_is_a_one_line_error(ref: str, var: str) -> None:
    with pytest.raises(m.ModelConfigError, match=f"^{ref}: {var} is not set$"):
        m.build_model(ref, env={})
    with pytest.raises(m.ModelConfigError):  # blank counts as missing
        m.build_model(ref, env={var: "  "})


def test_missing_key_read_from_process_env(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(m.ModelConfigError, match="ANTHROPIC_API_KEY"):
        m.build_model("anthropic:claude-sonnet-4-6")
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANT_KEY)
    assert m.build_model("anthropic:claude-sonnet-4-6").model_name == "claude-sonnet-4-6"


def test_openai_compatible_is_keyless() -> None:
    model = m.build_model("openai-compatible:llama3.1@http://127.0.0.1:11434/v1", env={})
    assert model.model_name == "llama3.1"
    assert isinstance(model, ConcurrencyLimitedModel)


def test_keys_never_in_reprs_or_listings() -> None:
    for ref in ("anthropic:claude-sonnet-4-6", "openai:gpt-5.2", "openai-compatible:x@http://127.0.0.1:1/v1"):
        model = m.build_model(ref, env=ENV)
        parsed = m.parse_model_ref(ref)
        for text in (repr(model), str(model), repr(parsed), parsed.model_dump_json()):
            assert ANT_KEY not in text and OAI_KEY not in text
    listing = repr(m.list_models(ENV))
    assert ANT_KEY not in listing and OAI_KEY not in listing


def test_list_models_reports_presence_not_keys() -> None:
    env = {"OPENAI_API_KEY": OAI_KEY, "ANTHROPIC_BASE_URL": "http://127.0.0.1:9/"}
    rows = {r["kind"]: r for r in m.list_models(env)}
    assert list(rows) == ["offline", "anthropic", "openai", "openai-compatible"]
    assert rows["anthropic"]["key_present"] is False and rows["anthropic"]["configured"] is False
    assert rows["anthropic"]["base_url"] == "http://127.0.0.1:9/"
    assert "ANTHROPIC_API_KEY" in rows["anthropic"]["note"]
    assert rows["openai"]["key_present"] is True and rows["openai"]["base_url"] == "https://api.openai.com/v1"
    assert rows["openai-compatible"]["configured"] is True and rows["openai-compatible"]["key_required"] is False
    assert rows["offline"]["configured"] is True


def test_describe_error_scrubs_keys_and_hints_output_mode() -> None:
    exc = ModelHTTPError(500, "llama3.1", body={"error": f"response_format json_schema unsupported; key {OAI_KEY}"})
    ref = "openai-compatible:llama3.1@http://127.0.0.1:8080/v1?output=native"
    line = m.describe_error(exc, ref, env=ENV)
    assert OAI_KEY not in line and "\n" not in line
    assert "try ?output=prompted" in line and "'native'" in line
    leaked = m.describe_error(RuntimeError(f"bad key {ANT_KEY}\nsecond line"), None, env=ENV)
    assert ANT_KEY not in leaked and "second line" not in leaked and m.REDACTED in leaked
    assert "raise the timeout" in m.describe_error(ModelTimeoutError("gpt-5.2", "Request timed out."), "openai:gpt-5.2", env={})


def test_model_settings_per_kind() -> None:
    ant = m.model_settings("anthropic:claude-sonnet-4-6", timeout_s=12, max_tokens=900, deadline_s=40)
    assert ant == {
        "timeout": 12,
        "max_retries": 3,
        "request_timeout": 40,
        "max_tokens": 900,
        "anthropic_cache_instructions": True,
        "anthropic_cache_tool_definitions": True,
    }
    oai = m.model_settings("openai:gpt-5.2")
    assert oai == {"timeout": 60, "max_retries": 3}
    assert m.model_settings("offline") == {}


def test_wrap_output_modes() -> None:
    from pmstudio.probe import wrap_output

    assert wrap_output("openai:gpt-5.2", TimelineSection) is TimelineSection
    assert wrap_output("offline", TimelineSection) is TimelineSection
    native = wrap_output("openai-compatible:x@http://h/v1?output=native", TimelineSection)
    prompted = wrap_output("anthropic:claude-sonnet-4-6?output=prompted", TimelineSection)
    assert isinstance(native, NativeOutput) and native.outputs is TimelineSection
    assert isinstance(prompted, PromptedOutput) and prompted.outputs is TimelineSection


def test_concurrency_limits_and_overrides() -> None:
    assert m.max_concurrency("anthropic", {}) == 4
    assert m.max_concurrency("openai", {}) == 8
    assert m.max_concurrency("openai-compatible", {}) == 1
    assert m.max_concurrency("openai-compatible", {"PMSTUDIO_MAX_CONCURRENCY_OPENAI_COMPATIBLE": "5"}) == 5
    assert m.max_concurrency("offline", {}) is None
    with pytest.raises(m.ModelConfigError, match="PMSTUDIO_MAX_CONCURRENCY_OPENAI"):
        m.max_concurrency("openai", {"PMSTUDIO_MAX_CONCURRENCY_OPENAI": "0"})
    a = m.provider_limiter("openai:gpt-5.2", {})
    b = m.provider_limiter("openai:gpt-4.1", {})
    assert a is b and a is not None and a.max_running == 8  # one pool per kind


def test_offline_model_is_built_lazily() -> None:
    pytest.importorskip("pmstudio.offline")
    model = m.build_model("offline", env={})
    assert not isinstance(model, ConcurrencyLimitedModel)


# --------------------------------------------------------------------------- cost


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        # 50 uncached x $3 + 2000 cache-read x $0.30 + 300 cache-write x $3.75 + 60 out x $15 (per M)
        ("anthropic:claude-sonnet-4-6", 0.002775),
        ("offline", 0.0),
        ("openai-compatible:llama3.1@http://127.0.0.1:11434/v1", 0.0),
        ("openai-compatible:llama3.1@http://localhost:11434/v1", 0.0),
        ("openai-compatible:mystery@https://llm.example.com/v1", None),
        ("openai:no-such-model-xyz", None),
    ],
)
def test_estimate_cost(ref: str, expected: float | None) -> None:
    usage = Usage(input_tokens=2350, output_tokens=60, cache_read_tokens=2000, cache_write_tokens=300, requests=1)
    cost = estimate_cost(usage, ref)
    if expected is None:
        assert cost is None
    else:
        assert cost == pytest.approx(expected)


def test_known_openai_price_is_positive_and_cache_is_cheaper() -> None:
    full = estimate_cost(Usage(input_tokens=10_000, output_tokens=100), "openai:gpt-5.2")
    cached = estimate_cost(Usage(input_tokens=10_000, output_tokens=100, cache_read_tokens=8_000), "openai:gpt-5.2")
    assert full is not None and cached is not None and 0 < cached < full


def test_usage_from_run_maps_fields() -> None:
    from pydantic_ai.usage import RunUsage

    run = RunUsage(input_tokens=2350, output_tokens=60, cache_read_tokens=2000, cache_write_tokens=300, requests=2)
    usage = usage_from_run(run, "anthropic:claude-sonnet-4-6")
    assert usage.model_dump() == {
        "input_tokens": 2350,
        "output_tokens": 60,
        "cache_read_tokens": 2000,
        "cache_write_tokens": 300,
        "requests": 2,
        "cost_usd": pytest.approx(0.002775),
    }
    assert usage_from_run(None, "offline") == Usage(cost_usd=0.0)
