"""The fake provider server over raw HTTP, and its schema-driven answers."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest

from pmstudio.agents.messages import render_evidence, render_task
from pmstudio.agents.sections import FullDraft
from pmstudio.schema import SECTION_TYPES, Bundle, Evidence, TimelineSection
from pmstudio.testing import REDACTED, FakeProviderServer
from pmstudio.testing.answers import Grounding, answer_for_schema, find_schema_in_text, grounding_from_texts

jsonschema = pytest.importorskip("jsonschema")


def bundle() -> Bundle:
    texts = [
        "checkout latency alert fired for eu-west",
        "on-call acknowledged the page",
        "error rate 35% on payments-api",
        "rolled back deploy 4512",
        "error rate back to baseline",
    ]
    ev = [
        Evidence(id=f"chat:{i + 1}", material="chat", kind="chat", line=i + 1,
                 at=datetime(2024, 5, 1, 2, 7 * i, tzinfo=UTC), actor="sre-oncall", text=t)
        for i, t in enumerate(texts)
    ]
    ev.append(Evidence(id="notes:1", material="notes", kind="notes", line=1, text="customers saw failed payments"))
    return Bundle(id="INC-7", title="Payments outage", materials=[], evidence=ev)


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture
def srv(fake_server: FakeProviderServer) -> FakeProviderServer:
    fake_server.reset()
    fake_server.configure(latency_s=0.0, seed=7, min_cache_tokens=0)
    return fake_server


# --------------------------------------------------------------------------- answers


@pytest.mark.parametrize("name", [*SECTION_TYPES, "full"])
def test_answers_validate_and_are_grounded(name: str) -> None:
    model = FullDraft if name == "full" else SECTION_TYPES[name]
    b = bundle()
    g = grounding_from_texts([render_evidence(b), render_task(name)])
    assert [e.id for e in g.evidence] == [e.id for e in b.evidence] and g.title == "Payments outage"
    value = answer_for_schema(model.model_json_schema(), g, random.Random(3))
    parsed = model.model_validate(value)
    ids = {e.id for e in b.evidence}
    times = {e.at for e in b.evidence if e.at}
    cited: list[str] = []

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            if key in ("evidence", "detailed_logs", "communication_records"):
                cited.extend(node)
            for v in node:
                walk(v, key)
    walk(value)
    assert set(cited) <= ids
    if name in ("timeline", "full"):
        tl = parsed if isinstance(parsed, TimelineSection) else parsed.timeline  # type: ignore[attr-defined]
        assert len(tl.entries) >= 2
        assert all(e.at in times for e in tl.entries)
        assert [e.at for e in tl.entries] == sorted(e.at for e in tl.entries)
        assert tl.started_at == min(times) and tl.resolved_at == max(times)
        assert {e.text for e in tl.entries} <= {e.text for e in b.evidence}


def test_answers_are_deterministic_per_seed() -> None:
    schema = FullDraft.model_json_schema()
    g = grounding_from_texts([render_evidence(bundle())])
    a = answer_for_schema(schema, g, random.Random("7:abc"))
    assert a == answer_for_schema(schema, g, random.Random("7:abc"))


def test_answers_for_arbitrary_schema_features() -> None:
    schema = {
        "$defs": {
            "Item": {"type": "object", "properties": {
                "kind": {"enum": ["a", "b"]}, "n": {"type": "integer", "minimum": 5, "maximum": 9},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 4}, "minItems": 2, "maxItems": 2},
            }, "required": ["kind", "n", "tags"], "additionalProperties": False},
        },
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 3},
            "when": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
            "day": {"type": "string", "format": "date"},
            "fixed": {"const": 42},
            "ratio": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
            "flag": {"type": "boolean"},
            "free": {"type": "object", "additionalProperties": True},
            "both": {"allOf": [{"$ref": "#/$defs/Item"}]},
        },
        "required": ["items", "when", "day", "fixed", "ratio", "flag", "free", "both"],
        "additionalProperties": False,
    }
    for g in (Grounding(), grounding_from_texts([render_evidence(bundle())])):
        value = answer_for_schema(schema, g, random.Random(1))
        jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())
        assert value["fixed"] == 42 and len(value["items"]) >= 3


def test_find_schema_in_prompted_instructions() -> None:
    text = "Always respond with a JSON object that's compatible with this schema:\n\n" + json.dumps(
        TimelineSection.model_json_schema()) + "\n\nDon't include any text"
    assert find_schema_in_text(text) == TimelineSection.model_json_schema()
    assert find_schema_in_text("no schema here {\"a\": 1}") is None


# --------------------------------------------------------------------------- OpenAI wire


def _openai_body(**extra: Any) -> dict[str, Any]:
    b = bundle()
    return {"model": "gpt-fake", "messages": [
        {"role": "system", "content": "Draft the timeline."},
        {"role": "user", "content": render_evidence(b) + "\n" + render_task("timeline")}], **extra}


def _tool(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "final_result", "parameters": schema}}


def test_openai_tool_call_plain_and_streaming(srv: FakeProviderServer) -> None:
    schema = TimelineSection.model_json_schema()
    code, _, raw = post(srv.openai_base_url + "/chat/completions",
                        _openai_body(tools=[_tool(schema)], tool_choice="required"))
    assert code == 200
    reply = json.loads(raw)
    call = reply["choices"][0]["message"]["tool_calls"][0]["function"]
    assert call["name"] == "final_result"
    TimelineSection.model_validate_json(call["arguments"])
    assert reply["usage"]["prompt_tokens"] > 0 and "cached_tokens" in reply["usage"]["prompt_tokens_details"]

    code, headers, raw = post(srv.openai_base_url + "/chat/completions",
                              _openai_body(tools=[_tool(schema)], tool_choice="required", stream=True))
    assert code == 200 and headers["content-type"] == "text/event-stream"
    frames = [f[len("data: "):] for f in raw.decode().split("\n\n") if f.startswith("data: ")]
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(f) for f in frames[:-1]]
    args = "".join(c["choices"][0]["delta"].get("tool_calls", [{}])[0].get("function", {}).get("arguments", "")
                   for c in chunks if c["choices"])
    assert TimelineSection.model_validate_json(args) == TimelineSection.model_validate_json(call["arguments"])
    assert chunks[-1]["usage"]["prompt_tokens"] > 0


def test_openai_response_formats(srv: FakeProviderServer) -> None:
    schema = TimelineSection.model_json_schema()
    rf = {"type": "json_schema", "json_schema": {"name": "t", "schema": schema, "strict": False}}
    _, _, raw = post(srv.openai_base_url + "/chat/completions", _openai_body(response_format=rf))
    TimelineSection.model_validate_json(json.loads(raw)["choices"][0]["message"]["content"])
    body = _openai_body(response_format={"type": "json_object"})
    body["messages"][0]["content"] += "\nAlways respond with a JSON object that's compatible with this schema:\n\n" + json.dumps(schema)
    _, _, raw = post(srv.openai_base_url + "/chat/completions", body)
    TimelineSection.model_validate_json(json.loads(raw)["choices"][0]["message"]["content"])
    _, _, raw = post(srv.openai_base_url + "/chat/completions", _openai_body())
    assert "[chat:1]" in json.loads(raw)["choices"][0]["message"]["content"]


def test_prefix_cache_simulation_openai(srv: FakeProviderServer) -> None:
    body = _openai_body(tools=[_tool(TimelineSection.model_json_schema())])
    first = json.loads(post(srv.openai_base_url + "/chat/completions", body)[2])["usage"]
    second = json.loads(post(srv.openai_base_url + "/chat/completions", body)[2])["usage"]
    assert first["prompt_tokens_details"]["cached_tokens"] == 0
    assert 0 < second["prompt_tokens_details"]["cached_tokens"] <= second["prompt_tokens"]
    srv.configure(min_cache_tokens=10**6)
    third = json.loads(post(srv.openai_base_url + "/chat/completions", body)[2])["usage"]
    assert third["prompt_tokens_details"]["cached_tokens"] == 0


# --------------------------------------------------------------------------- Anthropic wire


def _anthropic_body(cache: bool, **extra: Any) -> dict[str, Any]:
    b = bundle()
    ev: dict[str, Any] = {"type": "text", "text": render_evidence(b)}
    if cache:
        ev["cache_control"] = {"type": "ephemeral"}
    tool = {"name": "final_result", "input_schema": TimelineSection.model_json_schema()}
    return {"model": "claude-fake", "max_tokens": 1024, "system": [{"type": "text", "text": "Draft."}],
            "tools": [tool], "tool_choice": {"type": "any"},
            "messages": [{"role": "user", "content": [ev, {"type": "text", "text": render_task("timeline")}]}], **extra}


def test_anthropic_sse_stream_and_cache_usage(srv: FakeProviderServer) -> None:
    url = srv.anthropic_base_url + "/v1/messages"
    code, headers, raw = post(url, _anthropic_body(True, stream=True))
    assert code == 200 and headers["content-type"] == "text/event-stream"
    events = [json.loads(line[len("data: "):]) for line in raw.decode().splitlines() if line.startswith("data: ")]
    assert [e["type"] for e in events[:2]] == ["message_start", "content_block_start"]
    assert [e["type"] for e in events[-3:]] == ["content_block_stop", "message_delta", "message_stop"]
    args = "".join(e["delta"]["partial_json"] for e in events if e["type"] == "content_block_delta")
    TimelineSection.model_validate_json(args)
    first = events[0]["message"]["usage"]
    assert first["cache_creation_input_tokens"] > 0 and first["cache_read_input_tokens"] == 0
    _, _, raw = post(url, _anthropic_body(True))
    second = json.loads(raw)
    assert second["usage"]["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert second["content"][0]["type"] == "tool_use"
    TimelineSection.model_validate(second["content"][0]["input"])
    _, _, raw = post(url, _anthropic_body(False))
    usage = json.loads(raw)["usage"]
    assert usage["cache_read_input_tokens"] == usage["cache_creation_input_tokens"] == 0


def test_a_prefix_is_readable_only_once_the_answer_that_wrote_it_starts(srv: FakeProviderServer) -> None:
    """Requests sent while the first is still before its answer all write the prefix (as the providers
    do); a request after that reads it. The first is held before its answer by a hang fault, not timed."""
    import threading

    url = srv.anthropic_base_url + "/v1/messages"
    srv.add_fault("hang", contains="section: timeline", hang_s=60)
    held: list[dict[str, Any]] = []
    first = threading.Thread(target=lambda: held.append(json.loads(post(url, _anthropic_body(True))[2])))
    first.start()
    try:
        for _ in range(500):  # until the held request is in flight (it looked the prefix up on arrival)
            if srv.stats()["inflight"] == 1:
                break
            threading.Event().wait(0.02)
        body = _anthropic_body(True)
        body["messages"][0]["content"][1]["text"] = render_task("impact")  # same prefix, another task
        during = json.loads(post(url, body)[2])["usage"]
    finally:
        srv.state.release.set()  # end the hang
        first.join(timeout=30)
    after = json.loads(post(url, body)[2])["usage"]
    assert held and held[0]["usage"]["cache_creation_input_tokens"] > 0
    assert during["cache_creation_input_tokens"] == held[0]["usage"]["cache_creation_input_tokens"]
    assert during["cache_read_input_tokens"] == 0
    assert after["cache_read_input_tokens"] == during["cache_creation_input_tokens"]
    assert after["cache_creation_input_tokens"] == 0


def test_decode_time_model() -> None:
    """Reply time = time to first token + decode time per output token; a stream is paced chunk by chunk
    so that its frames add up to the same decode time (pure arithmetic here; `make bench` times it)."""
    from pmstudio.testing.fake_server import ServerConfig, _Handler, _tokens, reply_seconds

    config = ServerConfig(latency_s=0.5, decode_s_per_token=0.01)
    assert reply_seconds(config, 0) == 0.5
    assert reply_seconds(config, 200) == pytest.approx(2.5)
    text = json.dumps(answer_for_schema(TimelineSection.model_json_schema(), Grounding(), random.Random(1)))
    pieces = [text[i : i + 64] for i in range(0, len(text), 64)]
    frames = [b"start", b"block"] + [p.encode() for p in pieces] + [b"stop"]
    waits = _Handler._pace(config, frames, ["", "", *pieces])
    assert waits[:2] == [0.0, 0.0] and waits[-1] == 0.0
    assert sum(waits) == pytest.approx(reply_seconds(config, _tokens(len(text))) - config.latency_s)
    assert _Handler._pace(ServerConfig(), frames, ["", "", *pieces]) == [0.0] * len(frames)


def test_streamed_answer_is_paced_by_its_output_tokens() -> None:
    """A lower bound only (a wait guarantees it; load can only add to it): a streamed answer of N output
    tokens spans at least N x the per-token time between its first and last frame."""
    import time

    with FakeProviderServer(decode_s_per_token=0.004) as fast:
        req = urllib.request.Request(fast.anthropic_base_url + "/v1/messages", method="POST",
                                     data=json.dumps(_anthropic_body(False, stream=True)).encode(),
                                     headers={"content-type": "application/json"})
        stamps: list[float] = []
        usage: dict[str, Any] = {}
        with urllib.request.urlopen(req, timeout=30) as resp:
            for line in resp:
                if line.startswith(b"data: "):
                    stamps.append(time.monotonic())
                    event = json.loads(line[len(b"data: "):])
                    if event["type"] == "message_delta":
                        usage = event["usage"]
    assert usage["output_tokens"] > 50
    assert stamps[-1] - stamps[0] >= 0.004 * usage["output_tokens"] * 0.95


# --------------------------------------------------------------------------- control plane


def test_log_redacts_keys(srv: FakeProviderServer) -> None:
    secret = "sk-test-VERYSECRET-123456"
    post(srv.openai_base_url + "/chat/completions", _openai_body(), {"Authorization": f"Bearer {secret}"})
    post(srv.anthropic_base_url + "/v1/messages", _anthropic_body(False), {"x-api-key": secret})
    post(srv.openai_base_url + "/chat/completions", _openai_body())
    log = get(srv.url + "/_log")
    assert secret not in json.dumps(log)
    assert [(e["key_present"], e["key_length"]) for e in log] == [(True, len(secret)), (True, len(secret)), (False, 0)]
    assert log[0]["headers"]["authorization"] == REDACTED and log[1]["headers"]["x-api-key"] == REDACTED
    assert log[0]["body"]["model"] == "gpt-fake" and log[0]["api"] == "openai" and log[1]["api"] == "anthropic"


def test_faults_over_http_are_scoped_and_counted(srv: FakeProviderServer) -> None:
    faults = [{"kind": "429", "count": 2, "model": "gpt-*", "retry_after": 3},
              {"kind": "overloaded", "api": "anthropic", "retry_after": None}]
    code, _, raw = post(srv.url + "/_faults", {"faults": faults})
    assert code == 200 and [f["kind"] for f in json.loads(raw)] == ["429", "529"]
    other = _openai_body(model="llama")
    assert post(srv.openai_base_url + "/chat/completions", other)[0] == 200  # model glob does not match
    for _ in range(2):
        code, headers, raw = post(srv.openai_base_url + "/chat/completions", _openai_body())
        assert code == 429 and headers["retry-after"] == "3"
        assert json.loads(raw)["error"]["type"] == "rate_limit_exceeded"
    assert post(srv.openai_base_url + "/chat/completions", _openai_body())[0] == 200
    code, headers, raw = post(srv.anthropic_base_url + "/v1/messages", _anthropic_body(False))
    assert code == 529 and "retry-after" not in {k.lower() for k in headers}
    assert json.loads(raw) == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded (fake)"}}
    assert get(srv.url + "/_faults") == []
    assert [e["fault"] for e in get(srv.url + "/_log")] == [None, "429", "429", None, "529"]
    post(srv.url + "/_faults", {"kind": "500"})
    assert get(srv.url + "/_reset") == {"ok": True}
    assert get(srv.url + "/_log") == [] and get(srv.url + "/_faults") == []


def test_fault_scoped_by_body_text(srv: FakeProviderServer) -> None:
    srv.add_fault("500", count=5, contains="section: impact")
    assert post(srv.openai_base_url + "/chat/completions", _openai_body())[0] == 200  # a timeline task
    body = _openai_body()
    body["messages"][1]["content"] = render_task("impact")
    assert post(srv.openai_base_url + "/chat/completions", body)[0] == 500
    assert srv.stats()["pending_faults"] == 1


def test_malformed_fault_breaks_the_arguments(srv: FakeProviderServer) -> None:
    srv.add_fault("malformed")
    _, _, raw = post(srv.openai_base_url + "/chat/completions", _openai_body(tools=[_tool({"type": "object"})]))
    args = json.loads(raw)["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    with pytest.raises(json.JSONDecodeError):
        json.loads(args)


def test_config_endpoint_and_stats(srv: FakeProviderServer) -> None:
    code, _, raw = post(srv.url + "/_config", {"latency_s": 0.01})
    assert code == 200 and json.loads(raw)["latency_s"] == 0.01
    post(srv.openai_base_url + "/chat/completions", _openai_body())
    stats = get(srv.url + "/_stats")
    assert stats["requests"] == 1 and stats["max_inflight"] == 1 and stats["inflight"] == 0
    assert post(srv.url + "/_faults", {"kind": "teapot"})[0] == 400
    assert post(srv.url + "/_config", {"latency_s": -1})[0] == 400
    with pytest.raises(ValueError):
        srv.add_fault("teapot")


def test_server_lifecycle_and_repr() -> None:
    server = FakeProviderServer()
    assert "stopped" in repr(server)
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    with server:
        assert get(server.url + "/health") == {"ok": True}
        assert server.openai_base_url == server.url + "/v1"
    assert "stopped" in repr(server)


def test_runs_as_a_module() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "pmstudio.testing.fake_server", "--port", "0", "--seed", "3"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = line.split()[3]
        assert url.startswith("http://127.0.0.1:")
        assert get(url + "/health") == {"ok": True}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
