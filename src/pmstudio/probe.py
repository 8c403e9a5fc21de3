"""`?output=auto`: find out once which structured-output mode an OpenAI-compatible server honours.

Servers differ (measured against llama-cpp-python: `response_format: json_schema` is refused with HTTP 500,
`tool_choice: "required"` is ignored, a tool_choice naming the function and `json_object` work). The probe
sends three tiny requests with a one-field schema, each with a short timeout and `max_tokens`:

- native:   `response_format: {"type": "json_schema", ...}`, answer must be JSON with the field;
- tool:     one function and a `tool_choice` naming it, answer must be a call to it with JSON arguments;
- prompted: `response_format: {"type": "json_object"}` and the schema in the system message.

The best mode that works wins (native, then tool, then prompted). Results are cached per base URL and model
for the life of the process and, when a mode worked, in `<user data dir>/probe-cache.json` for
`PROBE_CACHE_TTL_S` (so a second command does not probe again; `pmstudio models --probe` always probes
afresh and rewrites the entry). An unreachable server, or one where no mode works, is a `ModelConfigError`
(a one-line error, exit 2 on the command line).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic_ai import NativeOutput, PromptedOutput

from pmstudio.models import KEYLESS, ModelConfigError, ModelRef, OutputMode, _as_ref, parse_model_ref, redact

ProbedMode = Literal["native", "tool", "prompted"]
PREFERENCE: tuple[ProbedMode, ...] = ("native", "tool", "prompted")
PROBE_TIMEOUT_S = 20.0
PROBE_MAX_TOKENS = 64
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"ok": {"type": "boolean", "description": "always true"}},
    "required": ["ok"],
    "additionalProperties": False,
}
_ASK = 'Reply with the JSON object {"ok": true} and nothing else.'
_FUNCTION = "report_status"


class ModeFinding(BaseModel):
    mode: ProbedMode
    works: bool
    detail: str = Field(default="", description="why not, one line (server words cut, never a key)")


class ProbeResult(BaseModel):
    base_url: str
    model: str
    findings: list[ModeFinding]
    chosen: ProbedMode | None

    def summary(self) -> str:
        parts = [f"{f.mode} {'ok' if f.works else 'no (' + f.detail + ')'}" for f in self.findings]
        return f"{'; '.join(parts)} -> {self.chosen or 'none'}"


_CACHE: dict[tuple[str, str], ProbeResult] = {}
_LOCK = threading.Lock()
PROBE_CACHE_FILE = "probe-cache.json"
PROBE_CACHE_TTL_S = 600.0
"""How long a probe that found a working mode is reused by later commands (per base URL and model)."""


def probe_cache_path() -> Path:
    from pmstudio.resources import user_home

    return user_home() / PROBE_CACHE_FILE


def _disk_key(key: tuple[str, str]) -> str:
    return f"{key[1]}@{key[0]}"


def _disk_entries(path: Path, now: float) -> dict[str, dict[str, Any]]:
    """The unexpired entries of the cache file; an unreadable or foreign file counts as empty."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items()
            if isinstance(v, dict) and isinstance(v.get("at"), int | float) and 0 <= now - v["at"] <= PROBE_CACHE_TTL_S}


def _disk_get(key: tuple[str, str]) -> ProbeResult | None:
    entry = _disk_entries(probe_cache_path(), time.time()).get(_disk_key(key))
    if entry is None:
        return None
    try:
        result = ProbeResult.model_validate(entry.get("result"))
    except ValueError:
        return None
    return result if result.chosen is not None and (result.base_url, result.model) == key else None


def _disk_put(key: tuple[str, str], result: ProbeResult) -> None:
    """Remember a probe that found a working mode; a cache that cannot be written is only a cache."""
    path = probe_cache_path()
    now = time.time()
    entries = _disk_entries(path, now)
    entries[_disk_key(key)] = {"at": now, "result": result.model_dump(mode="json")}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(entries, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_ok(text: str | None) -> bool:
    try:
        value = json.loads(text or "")
    except (json.JSONDecodeError, TypeError):
        return False
    return isinstance(value, dict) and "ok" in value


def _try(client: Any, mode: ProbedMode, model: str) -> ModeFinding:
    import openai

    messages: list[dict[str, Any]] = [{"role": "system", "content": "You answer in JSON."},
                                      {"role": "user", "content": _ASK}]
    kwargs: dict[str, Any] = {"model": model, "max_tokens": PROBE_MAX_TOKENS, "messages": messages}
    if mode == "native":
        kwargs["response_format"] = {"type": "json_schema", "json_schema": {"name": "status", "schema": _SCHEMA}}
    elif mode == "tool":
        kwargs["tools"] = [{"type": "function", "function": {"name": _FUNCTION, "description": "Report the status.",
                                                             "parameters": _SCHEMA}}]
        kwargs["tool_choice"] = {"type": "function", "function": {"name": _FUNCTION}}
    else:
        messages[0]["content"] = f"You answer in JSON compatible with this schema: {json.dumps(_SCHEMA)}"
        kwargs["response_format"] = {"type": "json_object"}
    try:
        resp = client.chat.completions.create(**kwargs)
    except openai.APITimeoutError:
        return ModeFinding(mode=mode, works=False, detail=f"no answer within {client.timeout:g} s")
    except openai.APIStatusError as exc:
        return ModeFinding(mode=mode, works=False, detail=_short(f"HTTP {exc.status_code}: {redact(exc.message)}"))
    choice = resp.choices[0] if resp.choices else None
    if choice is None:
        return ModeFinding(mode=mode, works=False, detail="empty answer")
    if mode == "tool":
        calls = choice.message.tool_calls or []
        fn = getattr(calls[0], "function", None) if calls else None
        if fn is None or fn.name != _FUNCTION:
            return ModeFinding(mode=mode, works=False, detail="the model answered in text, not with the tool call")
        ok = _json_ok(fn.arguments)
        return ModeFinding(mode=mode, works=ok, detail="" if ok else "tool arguments are not the schema's JSON")
    ok = _json_ok(choice.message.content)
    return ModeFinding(mode=mode, works=ok, detail="" if ok else "the answer is not the schema's JSON")


def probe(ref: str | ModelRef, *, env: Mapping[str, str] | None = None, timeout_s: float = PROBE_TIMEOUT_S,
          refresh: bool = False, every_mode: bool = False) -> ProbeResult:
    """Which output modes the server of `ref` honours, and the best one; cached per base URL and model.

    By default the probe stops at the first mode that works (the preferred one); `every_mode` tries all three.
    `refresh` ignores both caches (and rewrites them)."""
    import openai

    r = ref if isinstance(ref, ModelRef) else parse_model_ref(ref)
    if r.kind != "openai-compatible" or r.base_url is None:
        raise ModelConfigError(f"{r.raw}: only openai-compatible model strings are probed")
    key = (r.base_url, r.name)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None and not refresh:
            cached = _disk_get(key)
            if cached is not None:
                _CACHE[key] = cached
        if cached is not None and not refresh and (not every_mode or len(cached.findings) == len(PREFERENCE)):
            return cached
    env = os.environ if env is None else env
    api_key = env.get("OPENAI_API_KEY", "").strip() or KEYLESS
    client = openai.OpenAI(base_url=r.base_url, api_key=api_key, timeout=timeout_s, max_retries=0)
    findings: list[ModeFinding] = []
    try:
        for mode in PREFERENCE:
            findings.append(_try(client, mode, r.name))
            if findings[-1].works and not every_mode:
                break
    except openai.APIConnectionError as exc:
        cause = _short(redact(str(exc.__cause__ or exc)), 120)
        raise ModelConfigError(f"{r.raw}: cannot reach {r.base_url} ({cause})") from None
    finally:
        client.close()
    chosen = next((f.mode for f in findings if f.works), None)
    result = ProbeResult(base_url=r.base_url, model=r.name, findings=findings, chosen=chosen)
    with _LOCK:
        _CACHE[key] = result
        if chosen is not None:
            _disk_put(key, result)
    return result


def resolve_output_mode(ref: str | ModelRef, *, env: Mapping[str, str] | None = None) -> OutputMode:
    """The output mode to use: the model string's, or for `auto` the best the server honours."""
    r = ref if isinstance(ref, ModelRef) else parse_model_ref(ref)
    if r.output_mode != "auto":
        return r.output_mode
    result = probe(r, env=env)
    if result.chosen is None:
        raise ModelConfigError(f"{r.raw}: the server answered but no output mode worked: {result.summary()}")
    return result.chosen


def output_mode(ref: str | ModelRef) -> OutputMode:
    """The mode to request structured output in; `auto` is resolved by probing the server (`resolve_output_mode`)."""
    r = _as_ref(ref)
    if r.kind == "offline":
        return "tool"
    if r.output_mode == "auto":
        return resolve_output_mode(r)
    return r.output_mode


def wrap_output(ref: str | ModelRef, output_type: Any) -> Any:
    """`output_type` as the model string asks: as is (tool calls), NativeOutput or PromptedOutput."""
    mode = output_mode(ref)
    if mode == "native":
        return NativeOutput(output_type)
    if mode == "prompted":
        return PromptedOutput(output_type)
    return output_type
