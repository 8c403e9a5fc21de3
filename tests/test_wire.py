"""The wire format every server reads, asserted on what a strict (llama-cpp-python-like) server received.

For `openai-compatible`: one system message, the user content as one string with the evidence first and
whole, `max_tokens` (never `max_completion_tokens`), a forced tool call that names the function. (Anthropic
keeps content blocks with a cache point, its documented format: tests/test_provider_drafts.py.)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic_ai import models as pai_models
from pydantic_ai.exceptions import ModelHTTPError

from pmstudio.agents.messages import evidence_line, render_evidence
from pmstudio.models import describe_error
from pmstudio.orchestrator import DraftSettings, draft_postmortem
from pmstudio.schema import SECTION_NAMES, DraftRecord
from pmstudio.testing import FakeProviderServer
from pmstudio.testing.factories import sample_bundle


@pytest.fixture
def strict(fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProviderServer]:
    fake_server.reset()
    fake_server.configure(latency_s=0.0, strict=True)
    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    yield fake_server
    fake_server.configure(strict=False)


def compat(srv: FakeProviderServer, mode: str) -> str:
    return f"openai-compatible:local-small@{srv.openai_base_url}?output={mode}"


def draft(model: str, **settings: Any) -> DraftRecord:
    return asyncio.run(draft_postmortem(sample_bundle(), model=model,
                                        settings=DraftSettings(**{"max_revisions": 0, **settings})))


def chat_bodies(srv: FakeProviderServer) -> list[dict[str, Any]]:
    return [e["body"] for e in srv.log() if e["path"].endswith("/chat/completions")]


def assert_readable_wire(bodies: list[dict[str, Any]], max_tokens: int) -> None:
    evidence = render_evidence(sample_bundle())
    lines = [evidence_line(e) for e in sample_bundle().evidence]
    assert bodies
    for body in bodies:
        roles = [m["role"] for m in body["messages"]]
        assert roles[:2] == ["system", "user"] and roles.count("system") == 1, roles  # (+ retries after them)
        assert all(isinstance(m.get("content"), str | None) for m in body["messages"])
        user = body["messages"][1]["content"]
        assert user.startswith(evidence.rstrip("\n"))  # the evidence leads: prefix caches still hit
        assert all(line in user for line in lines)  # ... and arrives whole
        task = user.split(lines[-1], 1)[1]
        assert task.lstrip().startswith(("# TASK", "# DRAFT AND LINT FINDINGS"))  # a section's task, or the critic's
        assert body["max_tokens"] == max_tokens and "max_completion_tokens" not in body


@pytest.mark.parametrize("mode", ["tool", "prompted"])
def test_strict_server_reads_every_section_whole(strict: FakeProviderServer, mode: str) -> None:
    record = draft(compat(strict, mode), max_tokens=3000)
    assert record.status == "ok", record.error
    bodies = chat_bodies(strict)
    assert {e["status"] for e in strict.log()} == {200}
    assert_readable_wire(bodies, 3000)
    if mode == "tool":  # llama-cpp-python ignores "required"; a named function is honoured
        assert all(b["tool_choice"] == {"type": "function", "function": {"name": "final_result"}} for b in bodies)
    else:  # the schema travels inside the one system message, next to the instructions
        assert all(b["response_format"] == {"type": "json_object"} for b in bodies)
        assert all("compatible with this schema" in b["messages"][0]["content"] for b in bodies)


def test_native_mode_wire_on_a_server_that_supports_it(fake_server: FakeProviderServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    fake_server.reset()
    record = draft(compat(fake_server, "native"), max_tokens=3000)
    assert record.status == "ok", record.error
    bodies = chat_bodies(fake_server)
    assert_readable_wire(bodies, 3000)
    assert all(b["response_format"]["type"] == "json_schema" for b in bodies)


def test_native_mode_on_a_strict_server_fails_with_the_whole_hint(strict: FakeProviderServer,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMSTUDIO_MAX_CONCURRENCY_OPENAI_COMPATIBLE", "8")  # the SDK's retry backoffs overlap
    record = draft(compat(strict, "native"))
    assert record.status == "failed"
    errors = [s.error or "" for s in record.sections if s.section in SECTION_NAMES]
    assert len(errors) == len(SECTION_NAMES)
    assert all(e.endswith("(the server may not support output mode 'native': try ?output=prompted)") for e in errors)


def test_hint_survives_a_long_server_body() -> None:
    exc = ModelHTTPError(500, "m", body={"message": "x" * 2000 + " response_format json_schema"})
    text = describe_error(exc, "openai-compatible:m@http://127.0.0.1:1/v1?output=native")
    assert text.endswith("try ?output=prompted)") and "…" in text and len(text) < 450


def test_max_tokens_is_honoured_by_the_strict_server(strict: FakeProviderServer) -> None:
    record = draft(compat(strict, "prompted"), max_tokens=8)
    bodies = chat_bodies(strict)
    assert bodies and all(b["max_tokens"] == 8 for b in bodies)
    assert record.status == "failed"  # every answer was cut at 8 tokens: no section can be valid


def test_strict_server_rejects_what_llama_cpp_python_rejects(strict: FakeProviderServer) -> None:
    url = strict.openai_base_url + "/chat/completions"
    base = {"model": "m", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]}
    cases = {
        "list": {**base, "messages": [{"role": "user", "content": [{"type": "text", "text": "u"}]}]},
        "two systems": {**base, "messages": [{"role": "system", "content": "a"}, *base["messages"]]},
        "token field": {**base, "max_completion_tokens": 5},
        "json_schema": {**base, "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}},
    }
    codes = {name: post(url, body)[0] for name, body in cases.items()}
    assert codes == {"list": 500, "two systems": 400, "token field": 400, "json_schema": 500}
    assert post(url, {**base, "max_tokens": 5, "response_format": {"type": "json_object"}})[0] == 200
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]
    required = post(url, {**base, "tools": tools, "tool_choice": "required"})[1]
    named = post(url, {**base, "tools": tools, "tool_choice": {"type": "function", "function": {"name": "f"}}})[1]
    assert required["choices"][0]["message"].get("tool_calls") is None  # ignored, answered in text
    assert named["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "f"


def post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# --------------------------------------------------------------------------- ?output=auto


def test_auto_picks_the_best_mode_each_server_honours(strict: FakeProviderServer) -> None:
    from pmstudio.probe import probe

    with FakeProviderServer() as full:
        found = probe(f"openai-compatible:m@{full.openai_base_url}", every_mode=True)
        assert [(f.mode, f.works) for f in found.findings] == [("native", True), ("tool", True), ("prompted", True)]
        assert found.chosen == "native"
    found = probe(f"openai-compatible:m@{strict.openai_base_url}", every_mode=True)
    assert found.chosen == "tool" and not found.findings[0].works and "HTTP 500" in found.findings[0].detail
    before = len(strict.log())
    assert probe(f"openai-compatible:m@{strict.openai_base_url}") is found  # cached: no new request
    assert len(strict.log()) == before


def test_probe_is_remembered_across_processes_for_a_short_while(strict: FakeProviderServer,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from pmstudio import probe as probing

    ref = f"openai-compatible:disk-cache@{strict.openai_base_url}"
    found = probing.probe(ref)
    assert found.chosen == "tool"
    path = probing.probe_cache_path()
    entry = json.loads(path.read_text())[f"disk-cache@{strict.openai_base_url}"]
    assert entry["result"]["chosen"] == "tool"

    def probes() -> int:
        return sum(1 for e in strict.log() if e["path"].endswith("/chat/completions"))

    before = probes()
    monkeypatch.setattr(probing, "_CACHE", {})  # a new process: only the file remembers
    assert probing.probe(ref).chosen == "tool" and probes() == before
    monkeypatch.setattr(probing, "_CACHE", {})
    assert probing.probe(ref, refresh=True).chosen == "tool" and probes() > before  # --probe looks afresh
    before = probes()
    monkeypatch.setattr(probing, "_CACHE", {})
    monkeypatch.setattr(probing, "PROBE_CACHE_TTL_S", -1.0)  # every entry has expired
    assert probing.probe(ref).chosen == "tool" and probes() > before  # expired: probed again

    monkeypatch.setattr(probing, "_CACHE", {})
    strict.add_fault("500", count=3, retry_after=0)
    nothing = f"openai-compatible:disk-none@{strict.openai_base_url}"
    assert probing.probe(nothing).chosen is None
    assert f"disk-none@{strict.openai_base_url}" not in json.loads(path.read_text())  # only working modes are kept
    path.write_text("{not json")  # a broken cache file is only a cache
    monkeypatch.setattr(probing, "_CACHE", {})
    assert probing.probe(ref).chosen == "tool"


def test_auto_is_the_compatible_default_and_drafts_on_a_strict_server(strict: FakeProviderServer) -> None:
    record = draft(f"openai-compatible:auto-test@{strict.openai_base_url}", max_tokens=3000)
    assert record.status == "ok", record.error
    assert record.settings["output_mode"] == "tool"
    drafting = [b for b in chat_bodies(strict) if "# EVIDENCE" in json.dumps(b)]
    assert_readable_wire(drafting, 3000)
    assert all(b["tool_choice"]["function"]["name"] == "final_result" for b in drafting)


def test_models_probe_shows_the_findings(strict: FakeProviderServer) -> None:
    from typer.testing import CliRunner

    from pmstudio.cli import app

    res = CliRunner().invoke(app, ["models", "--probe", f"openai-compatible:cli-probe@{strict.openai_base_url}"])
    assert res.exit_code == 0, res.output
    assert "?output=auto uses: tool" in res.stdout and "native" in res.stdout and "HTTP 500" in res.stdout


@pytest.mark.parametrize("case", ["unreachable", "no mode", "max tokens"])
def test_bad_input_is_a_one_line_error(strict: FakeProviderServer, case: str) -> None:
    from typer.testing import CliRunner

    from pmstudio.cli import app

    model = f"openai-compatible:bad-{case.replace(' ', '-')}@{strict.openai_base_url}"
    args = ["draft", "-", "--no-store", "-m", model]
    if case == "unreachable":
        args[-1] = "openai-compatible:m@http://127.0.0.1:9/v1"
    elif case == "no mode":
        strict.add_fault("500", count=3, retry_after=0)
    else:
        args += ["--max-tokens", "0"]
    res = CliRunner().invoke(app, args, input="2024-05-01 02:00 dana: down\n")
    needle = {"unreachable": "cannot reach http://127.0.0.1:9/v1", "no mode": "no output mode worked",
              "max tokens": "--max-tokens: expected a whole number >= 1"}[case]
    assert res.exit_code == 2 and needle in res.stderr, res.output
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output


# --------------------------------------------------------------------------- what a single-slot local server needs


def test_one_request_at_a_time_by_default_for_a_local_server() -> None:
    """The second of two concurrent requests waited in llama-cpp-python's queue while its own timeout ran
    (334 s behind the first): compatible servers get one request at a time unless told otherwise."""
    from pmstudio.models import max_concurrency

    assert max_concurrency("openai-compatible", {}) == 1
    assert max_concurrency("openai-compatible", {"PMSTUDIO_MAX_CONCURRENCY_OPENAI_COMPATIBLE": "4"}) == 4
