"""Model selection by one string, used everywhere (CLI, evals, dashboard).

    offline                                    the built-in deterministic model (no network, no key)
    anthropic:<model>                          Claude; key from ANTHROPIC_API_KEY, base URL from ANTHROPIC_BASE_URL
    openai:<model>                             OpenAI chat completions; OPENAI_API_KEY, OPENAI_BASE_URL
    openai-compatible:<model>@<base_url>       Ollama, vLLM, LM Studio, llama.cpp ...; sends OPENAI_API_KEY
                                               when set, else works keyless

Any network kind takes an optional `?output=tool|native|prompted` suffix choosing how structured
output is requested (tool calls — the default for anthropic and openai —, the provider's JSON-schema
response format, or the schema in the prompt); `openai-compatible` defaults to `?output=auto`, which
probes the server once (pmstudio.probe) and uses the best mode it honours; `anthropic:` and `openai:` also accept `@<base_url>` to override the env.
Keys come only from the environment and are never stored, logged or shown: `ModelRef` holds no key,
errors name the variable, and `describe_error()` scrubs key values from provider messages.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import weakref
from collections.abc import Mapping
from typing import Any, Literal, get_args
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, ConfigDict
from pydantic_ai.concurrency import AbstractConcurrencyLimiter
from pydantic_ai.models import Model
from pydantic_ai.models.concurrency import ConcurrencyLimitedModel
from pydantic_ai.settings import ModelSettings

Kind = Literal["offline", "anthropic", "openai", "openai-compatible"]
OutputMode = Literal["tool", "native", "prompted", "auto"]
KINDS: tuple[Kind, ...] = get_args(Kind)
OUTPUT_MODES: tuple[OutputMode, ...] = get_args(OutputMode)

KEY_ENV: dict[str, str] = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY", "openai-compatible": "OPENAI_API_KEY"}
BASE_URL_ENV: dict[str, str] = {"anthropic": "ANTHROPIC_BASE_URL", "openai": "OPENAI_BASE_URL"}
DEFAULT_BASE_URL: dict[str, str] = {"anthropic": "https://api.anthropic.com", "openai": "https://api.openai.com/v1"}
DEFAULT_CONCURRENCY: dict[str, int] = {"anthropic": 4, "openai": 8, "openai-compatible": 1}
"""Local servers answer one request at a time (llama-cpp-python, LM Studio, Ollama by default): a second
request waits in the server's queue while its own timeout runs. Raise it for vLLM and the like."""
EXAMPLES: dict[str, str] = {
    "offline": "offline",
    "anthropic": "anthropic:claude-sonnet-4-6",
    "openai": "openai:gpt-5.2",
    "openai-compatible": "openai-compatible:llama3.1@http://127.0.0.1:11434/v1",
}
KEYLESS = "not-needed"
"""Sent as the key to an OpenAI-compatible server when OPENAI_API_KEY is unset (the SDK insists on one)."""
REDACTED = "[REDACTED]"
ERROR_BODY_CHARS = 300
"""A failed call's error keeps this much of the server's message; hints come after it, whole."""
_USAGE = "use offline, anthropic:<model>, openai:<model> or openai-compatible:<model>@<base_url>"
_URL_SUFFIX = re.compile(r"^(?P<name>[^@]*?)@(?P<url>https?://.+)$")


class ModelConfigError(Exception):
    """A model string or its environment is unusable; the message is one line and never holds a key."""


class ModelRef(BaseModel):
    """A parsed model string. Holds no secret: keys are read from the environment when building."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    name: str
    base_url: str | None = None
    output_mode: OutputMode = "tool"
    raw: str

    def __str__(self) -> str:
        return self.raw


def _check_url(url: str, raw: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModelConfigError(f"{raw}: base URL {url!r} is not an http(s) URL")
    if parts.username or parts.password:
        raise ModelConfigError(f"{raw}: credentials in the base URL are not supported; set OPENAI_API_KEY instead")
    return url.rstrip("/")


def parse_model_ref(ref: str) -> ModelRef:
    """Parse `offline`, `anthropic:<m>`, `openai:<m>`, `openai-compatible:<m>@<url>` (+ `?output=<mode>`)."""
    raw = (ref or "").strip()
    if not raw:
        raise ModelConfigError(f"empty model string: {_USAGE}")
    if raw == "offline":
        return ModelRef(kind="offline", name="offline", raw=raw)
    body, mode = raw, ""
    if "?" in raw:
        body, query = raw.rsplit("?", 1)
        options = dict(parse_qsl(query, keep_blank_values=True))
        unknown = sorted(set(options) - {"output"})
        if unknown or not options:
            what = ", ".join(unknown) or repr(query)
            raise ModelConfigError(f"{raw}: unknown option {what}; only ?output=auto|tool|native|prompted")
        mode = options["output"]
        if mode not in OUTPUT_MODES:
            raise ModelConfigError(f"{raw}: output mode {mode!r} is not one of auto, tool, native, prompted")
    kind, sep, rest = body.partition(":")
    if not sep or kind not in KINDS or kind == "offline":
        raise ModelConfigError(f"{raw}: unknown model kind {kind!r}; {_USAGE}")
    name, base_url = rest, None
    m = _URL_SUFFIX.match(rest)
    if m:
        name, base_url = m.group("name"), _check_url(m.group("url"), raw)
    elif "@" in rest:
        name, url = rest.split("@", 1)
        base_url = _check_url(url, raw)
    if not name or any(c.isspace() for c in name) or "@" in name:
        raise ModelConfigError(f"{raw}: missing or invalid model name; {_USAGE}")
    if kind == "openai-compatible" and base_url is None:
        raise ModelConfigError(f"{raw}: openai-compatible needs a base URL, e.g. {EXAMPLES['openai-compatible']}")
    if mode == "auto" and kind != "openai-compatible":
        raise ModelConfigError(f"{raw}: ?output=auto probes a local server: only for openai-compatible")
    mode = mode or ("auto" if kind == "openai-compatible" else "tool")  # auto: the best mode the server honours
    return ModelRef(kind=kind, name=name, base_url=base_url, output_mode=mode, raw=raw)  # type: ignore[arg-type]


def _as_ref(ref: str | ModelRef) -> ModelRef:
    return ref if isinstance(ref, ModelRef) else parse_model_ref(ref)


# --------------------------------------------------------------------------- concurrency


class KindLimiter(AbstractConcurrencyLimiter):
    """At most `max_running` concurrent requests per provider kind, per event loop.

    One asyncio semaphore per running loop, so the same built model stays usable from `run_sync` in
    several threads (each has its own loop) and from Streamlit's script thread.
    """

    def __init__(self, kind: str, max_running: int) -> None:
        self.kind = kind
        self.max_running = max_running
        self._sems: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"KindLimiter({self.kind!r}, max_running={self.max_running})"

    def _sem(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        sem = self._sems.get(loop)
        if sem is None:
            sem = self._sems[loop] = asyncio.Semaphore(self.max_running)
        return sem

    async def acquire(self, source: str) -> None:
        await self._sem().acquire()

    def release(self) -> None:
        self._sem().release()


_LIMITERS: dict[tuple[str, int], KindLimiter] = {}


def max_concurrency(kind: str, env: Mapping[str, str] | None = None) -> int | None:
    """The per-kind limit: `PMSTUDIO_MAX_CONCURRENCY_<KIND>` (e.g. ..._OPENAI_COMPATIBLE) or the default."""
    if kind not in DEFAULT_CONCURRENCY:
        return None
    env = os.environ if env is None else env
    var = "PMSTUDIO_MAX_CONCURRENCY_" + kind.upper().replace("-", "_")
    value = env.get(var)
    if value is None or not value.strip():
        return DEFAULT_CONCURRENCY[kind]
    if not value.strip().isdigit() or int(value) < 1:
        raise ModelConfigError(f"{var}={value!r}: expected a whole number >= 1")
    return int(value)


def provider_limiter(ref: str | ModelRef, env: Mapping[str, str] | None = None) -> KindLimiter | None:
    """The limiter shared by every model of this kind in the process (None for offline)."""
    r = _as_ref(ref)
    limit = max_concurrency(r.kind, env)
    if limit is None:
        return None
    key = (r.kind, limit)
    if key not in _LIMITERS:
        _LIMITERS[key] = KindLimiter(r.kind, limit)
    return _LIMITERS[key]


# --------------------------------------------------------------------------- building


def _key(r: ModelRef, env: Mapping[str, str]) -> str | None:
    value = env.get(KEY_ENV.get(r.kind, ""), "").strip()
    return value or None


def build_model(ref: str | ModelRef, *, env: Mapping[str, str] | None = None) -> Model:
    """A pydantic-ai model for `ref`; raises ModelConfigError (before any request) when a key is missing."""
    r = _as_ref(ref)
    env = os.environ if env is None else env
    if r.kind == "offline":
        from pmstudio.offline import offline_model  # lazy: the offline model is its own package

        return offline_model()
    key = _key(r, env)
    model: Model
    if r.kind == "anthropic":
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider

        if key is None:
            raise ModelConfigError(f"{r.raw}: ANTHROPIC_API_KEY is not set")
        base_url = r.base_url or env.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL["anthropic"]
        model = AnthropicModel(r.name, provider=AnthropicProvider(api_key=key, base_url=_check_url(base_url, r.raw)))
    else:
        from pydantic_ai.models.openai import OpenAIChatModel
        from pydantic_ai.providers.openai import OpenAIProvider

        if r.kind == "openai":
            if key is None:
                raise ModelConfigError(f"{r.raw}: OPENAI_API_KEY is not set")
            base_url = r.base_url or env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL["openai"]
            provider = OpenAIProvider(base_url=_check_url(base_url, r.raw), api_key=key)
            model = OpenAIChatModel(r.name, provider=provider)
        else:
            provider = OpenAIProvider(base_url=r.base_url, api_key=key or KEYLESS)
            model = _compatible_chat_model(r.name, provider)
    limiter = provider_limiter(r, env)
    return ConcurrencyLimitedModel(model, limiter) if limiter is not None else model


def content_blocks(ref: str | ModelRef) -> bool:
    """Whether the user message may be a list of content blocks with a cache point in it.

    Only Anthropic documents content blocks with cache breakpoints for every model; everything else gets
    one string (evidence first), which every OpenAI-compatible server reads whole.
    """
    return _as_ref(ref).kind == "anthropic"


def _compatible_chat_model(name: str, provider: Any) -> Model:
    """An OpenAIChatModel with the wire every OpenAI-compatible server reads.

    - one system message (leading system messages merged; llama-2 chat formats keep only the first; notes
      pydantic-ai adds mid-conversation on a retry go in the user turn as `<system>` blocks);
    - `max_tokens`, not `max_completion_tokens` (which llama-cpp-python and others ignore);
    - a forced tool call names the function: llama-cpp-python ignores `tool_choice: "required"` but
      honours `{"type": "function", "function": {"name": ...}}`;
    - an assistant turn of tool calls has `content: ""`, never null (llama-cpp-python answers HTTP 500).
    """
    return _compatible_class()(name, provider=provider, profile=_compatible_profile(name))  # type: ignore[no-any-return]


@functools.cache
def _compatible_class() -> Any:
    from pydantic_ai.models.openai import OpenAIChatModel

    class CompatibleChatModel(OpenAIChatModel):
        def _get_tool_choice(self, model_settings: Any, model_request_parameters: Any) -> Any:
            tools, choice = super()._get_tool_choice(model_settings, model_request_parameters)
            if choice == "required" and len(tools) == 1:
                choice = {"type": "function", "function": {"name": tools[0]["function"]["name"]}}
            return tools, choice

        def _map_model_response(self, message: Any) -> Any:
            param = super()._map_model_response(message)
            if param is not None and param.get("role") == "assistant" and param.get("content") is None:
                param["content"] = ""  # llama-cpp-python: HTTP 500 on a null content (a retry's tool-call turn)
            return param

    return CompatibleChatModel


def _compatible_profile(name: str) -> Any:
    """OpenAI's profile for the name, minus what generic servers reject (strict tool schemas, a second
    system message, `max_completion_tokens`)."""
    from pydantic_ai.profiles import merge_profile
    from pydantic_ai.profiles.openai import (
        OpenAIJsonSchemaTransformer,
        OpenAIModelProfile,
        openai_model_profile,
    )

    return merge_profile(
        openai_model_profile(name),
        OpenAIModelProfile(
            json_schema_transformer=OpenAIJsonSchemaTransformer,
            openai_supports_strict_tool_definition=False,
            openai_chat_supports_multiple_system_messages=False,
            supports_inline_system_prompts=False,  # no system message mid-conversation (retry framing notes)
            openai_chat_supports_max_completion_tokens=False,
            supports_json_schema_output=True,
            supports_json_object_output=True,
        ),
    )


def model_settings(
    ref: str | ModelRef,
    *,
    timeout_s: float = 60,
    max_tokens: int | None = None,
    max_retries: int = 3,
    deadline_s: float | None = None,
) -> ModelSettings:
    """Per-request settings: HTTP timeout per attempt, SDK retries (429/529/5xx, honouring retry-after),
    an optional deadline over all attempts, max_tokens, and Anthropic cache breakpoints on the stable
    prefix (instructions and tool definitions; agents add a CachePoint after the evidence block)."""
    r = _as_ref(ref)
    settings: dict[str, Any] = {}
    if r.kind != "offline":
        settings.update(timeout=timeout_s, max_retries=max_retries)
        if deadline_s is not None:
            settings["request_timeout"] = deadline_s
    if max_tokens is not None:
        settings["max_tokens"] = max_tokens
    if r.kind == "anthropic":
        settings.update(anthropic_cache_instructions=True, anthropic_cache_tool_definitions=True)
    return ModelSettings(**settings)  # type: ignore[typeddict-item]




# --------------------------------------------------------------------------- listing and errors


class ModelKindInfo(BaseModel):
    kind: Kind
    example: str
    configured: bool
    key_env: str | None = None
    key_present: bool | None = None
    key_required: bool = False
    base_url: str | None = None
    max_concurrency: int | None = None
    note: str = ""


def list_models(env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Each model kind: whether it is usable now, which variable holds its key (never the key), base URL."""
    env = os.environ if env is None else env
    out = [ModelKindInfo(kind="offline", example=EXAMPLES["offline"], configured=True,
                         note="built-in deterministic model: no network, no key")]
    for kind in ("anthropic", "openai"):
        present = bool(env.get(KEY_ENV[kind], "").strip())
        out.append(ModelKindInfo(
            kind=kind, example=EXAMPLES[kind], configured=present, key_env=KEY_ENV[kind], key_present=present,  # type: ignore[arg-type]
            key_required=True, base_url=env.get(BASE_URL_ENV[kind]) or DEFAULT_BASE_URL[kind],
            max_concurrency=max_concurrency(kind, env),
            note="" if present else f"set {KEY_ENV[kind]} to use it"))
    out.append(ModelKindInfo(
        kind="openai-compatible", example=EXAMPLES["openai-compatible"], configured=True, key_env="OPENAI_API_KEY",
        key_present=bool(env.get("OPENAI_API_KEY", "").strip()), max_concurrency=max_concurrency("openai-compatible", env),
        note="base URL in the model string; key optional; ?output=auto (default) probes the server's output modes"))
    return [i.model_dump() for i in out]


_KEYLIKE = re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}")  # OpenAI (sk-, sk-proj-) and Anthropic (sk-ant-) key shapes


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    """`text` with every configured key value and anything key-shaped (sk-...) replaced by [REDACTED]."""
    env = os.environ if env is None else env
    for var in set(KEY_ENV.values()):
        value = env.get(var, "").strip()
        if len(value) >= 4:
            text = text.replace(value, REDACTED)
    return _KEYLIKE.sub(REDACTED, text)


def describe_error(exc: BaseException, ref: str | ModelRef | None = None, env: Mapping[str, str] | None = None) -> str:
    """One safe line for a failed model call, with a hint when the output mode is the likely cause."""
    from pydantic_ai.exceptions import ModelHTTPError, ModelRequestTimeout, ModelTimeoutError

    lines = str(exc).strip().splitlines()
    what = redact(" ".join(lines[0].split()), env) if lines else ""  # redact whole, then cut
    if len(what) > ERROR_BODY_CHARS:  # cut the server's words, never the advice that follows
        what = what[: ERROR_BODY_CHARS - 1].rstrip() + "…"
    text = f"{type(exc).__name__}: {what}".strip()
    r = _as_ref(ref) if ref is not None else None
    hint = ""
    if r is not None and isinstance(exc, ModelHTTPError) and exc.status_code in (400, 404, 415, 422, 500, 501):
        body = str(exc.body or "").lower()
        if r.output_mode == "native" or "response_format" in body or "json_schema" in body:
            hint = f" (the server may not support output mode {r.output_mode!r}: try ?output=prompted)"
        elif r.output_mode == "tool" and "tool" in body:
            hint = " (the server may not support tool calls: try ?output=prompted)"
    if isinstance(exc, ModelTimeoutError | ModelRequestTimeout) and r is not None:
        hint = " (raise the timeout or lower max_tokens for slow models)"
    return text + hint
