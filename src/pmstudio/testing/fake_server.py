"""A fake LLM provider on 127.0.0.1 that speaks the real OpenAI and Anthropic wire protocols.

It answers OpenAI `POST /v1/chat/completions` (JSON and SSE streaming; tool calls, `response_format`
json_schema / json_object, prompted JSON) and Anthropic `POST /v1/messages` (JSON and SSE streaming;
tool use, `output_config.format`, prompted JSON). Every structured answer is generated from the JSON
schema in the request (`pmstudio.testing.answers`), grounded in the request's evidence block, and
deterministic for a given seed and request body. Usage numbers simulate prefix caching: a prefix seen
before (per model; up to an Anthropic `cache_control` breakpoint, or any 512-character boundary for
OpenAI) is reported as cache-read tokens, a new marked prefix as cache-write tokens. As with the real
providers, a prefix is looked up when its request arrives and becomes readable only once the answer
that wrote it starts (after `latency_s`), so requests sent at once all write it.

Timing models LLM serving: an answer starts after `latency_s` (time to first token) and takes
`decode_s_per_token` per output token after that (`reply_seconds()`); a streamed answer is paced.

Control endpoints: `GET /_log` (requests with auth headers redacted), `GET /_stats`, `GET|POST /_reset`,
`GET|POST /_faults` (inject: 429 with retry-after, 500, 529 overloaded, hang, malformed tool arguments,
truncated stream; scoped by count, model glob, api and a body substring), `POST /_config` (latency_s,
decode_s_per_token, seed, min_cache_tokens, strict). `strict` makes the OpenAI API as strict as llama-cpp-python's server (`STRICT`).

    with FakeProviderServer(seed=1) as srv:      # or srv.start() -> base url; srv.stop()
        srv.add_fault("429", retry_after=1)
        OpenAIProvider(base_url=srv.openai_base_url, ...); AnthropicProvider(base_url=srv.anthropic_base_url, ...)

Run standalone for demos and benchmarks: `python -m pmstudio.testing.fake_server --port 8765`.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import math
import random
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, cast

from pydantic import BaseModel, Field, ValidationError

from pmstudio.testing.answers import (
    Grounding,
    answer_for_schema,
    find_schema_in_text,
    grounding_from_texts,
    plain_text_answer,
)

FaultKind = Literal["429", "500", "529", "hang", "malformed", "truncate"]
Api = Literal["openai", "anthropic"]
REDACTED = "[REDACTED]"
_SECRET_HEADERS = {"authorization", "x-api-key", "api-key", "proxy-authorization"}
_CHUNK = 512  # characters per OpenAI prefix-cache block (~128 tokens)
_ALIASES = {"rate_limit": "429", "server_error": "500", "overloaded": "529", "truncated": "truncate"}


class Fault(BaseModel):
    """One injected fault: applies to the next `count` matching requests."""

    kind: FaultKind
    count: int = Field(default=1, ge=1)
    model: str | None = Field(default=None, description="glob on the request's model name; None = any")
    api: Api | None = None
    contains: str | None = Field(default=None, description="only requests whose JSON body contains this text")
    retry_after: float | None = Field(default=1.0, description="seconds, sent as retry-after on 429/529")
    hang_s: float = Field(default=30.0, description="for hang: how long to stall before answering")


class ServerConfig(BaseModel):
    seed: int = 0
    latency_s: float = Field(default=0.0, ge=0, description="added before every provider answer (time to first token)")
    decode_s_per_token: float = Field(default=0.0, ge=0, description="seconds per output token after the first")
    strict: bool = Field(default=False, description="OpenAI API as strict as llama-cpp-python's server (see STRICT)")
    min_cache_tokens: int = Field(default=0, ge=0, description="prefixes shorter than this are never cached")
    answers: Literal["grounded", "hostile"] = Field(
        default="grounded", description="hostile: schema-valid answers that stress everything after (testing.hostile)"
    )
    max_log: int = Field(default=5000, ge=1)


STRICT = """What the strict mode rejects or ignores on the OpenAI API, as llama-cpp-python's server does:
- a message whose content is a list of parts: HTTP 500 (a Jinja chat template's error; the built-in
  chat formats drop such content silently, which is worse);
- a second system message: HTTP 400 (the llama-2 chat format keeps only the first);
- token fields other than `max_tokens` (e.g. `max_completion_tokens`): HTTP 400 (that server ignores them);
- `response_format` other than `text` / `json_object`: HTTP 500;
- `tool_choice: "required"` is ignored (the model answers in text); a tool_choice naming the function
  is honoured.
`max_tokens` is honoured in every mode: an answer longer than it is cut with `finish_reason: length`."""

# llama-cpp-python answers an unsupported response_format with a pydantic error this long (~490 chars)
_STRICT_FORMAT_ERROR = (
    "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  Input should be 'text' or "
    "'json_object' [type=literal_error, input_value='json_schema', input_type=str]\n    For further "
    "information visit https://errors.pydantic.dev/2.12/v/literal_error (fake strict server: this server "
    "supports only the text and json_object response formats; a JSON schema cannot be enforced with a "
    "grammar here, ask for json_object and put the schema in the prompt instead; see the server's "
    "documentation on structured output and function calling for the chat formats that support them)"
)
_TOKEN_FIELDS = ("max_completion_tokens", "max_output_tokens", "max_new_tokens", "n_predict")


def _strict_problem(req: dict[str, Any]) -> tuple[int, str] | None:
    """(status, message) when a strict llama-cpp-python-like server would reject `req`, else None."""
    messages = req.get("messages") or []
    for i, msg in enumerate(messages):
        if isinstance(msg, dict) and isinstance(msg.get("content"), list):
            return 500, f'can only concatenate str (not "list") to str (messages[{i}].content is a list)'
        if isinstance(msg, dict) and "content" in msg and msg["content"] is None:  # an assistant turn of tool calls
            return 500, f'can only concatenate str (not "NoneType") to str (messages[{i}].content is null)'
    systems = [i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") in ("system", "developer")]
    if len(systems) > 1:
        return 400, f"only one system message is supported; got {len(systems)} (messages {systems})"
    unknown = [f for f in _TOKEN_FIELDS if f in req]
    if unknown:
        return 400, f"unsupported token field(s) {', '.join(unknown)}: use max_tokens"
    rf = req.get("response_format")
    if isinstance(rf, dict) and rf.get("type") not in ("text", "json_object"):
        return 500, _STRICT_FORMAT_ERROR
    return None


def _tokens(chars: int) -> int:
    return max(1, math.ceil(chars / 4)) if chars else 0


def reply_seconds(config: ServerConfig, output_tokens: int) -> float:
    """How long an answer of `output_tokens` takes: time to first token, then decode time per token."""
    return config.latency_s + config.decode_s_per_token * output_tokens


class _State:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.release = threading.Event()  # set to end current hangs (on reset and stop)
        self.faults: list[Fault] = []
        self.log: deque[dict[str, Any]] = deque(maxlen=config.max_log)
        self.count = 0
        self.inflight = 0
        self.max_inflight = 0
        self.cache: set[tuple[str, str, str]] = set()
        self.t0 = time.monotonic()

    def reset(self) -> None:
        """Forget log, faults, cache and counters; end hanging requests (in-flight ones still count)."""
        with self.lock:
            self.faults.clear()
            self.log.clear()
            self.cache.clear()
            self.count = 0
            self.max_inflight = self.inflight
            self.release.set()
            self.release = threading.Event()

    def take_fault(self, api: Api, model: str, body: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.api not in (None, api) or (fault.model and not fnmatch.fnmatchcase(model, fault.model)):
                    continue
                if fault.contains and fault.contains not in body:
                    continue
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault.model_copy(update={"count": 1})
        return None

    # --------------------------------------------------------------- prefix-cache simulation
    def openai_cached(self, model: str, canonical: str) -> tuple[int, list[tuple[str, str, str]]]:
        """Characters of `canonical` served from cache (longest block prefix seen before), and the cache
        keys this request writes (`register` them once its answer starts)."""
        h = hashlib.sha256()
        hashes = []
        for i in range(0, len(canonical) - len(canonical) % _CHUNK, _CHUNK):
            h.update(canonical[i : i + _CHUNK].encode())
            hashes.append(h.hexdigest())
        with self.lock:
            hit = 0
            for k, digest in enumerate(hashes, start=1):
                if ("openai", model, digest) in self.cache:
                    hit = k * _CHUNK
        keys = [("openai", model, d) for d in hashes]
        return (hit if _tokens(len(canonical)) >= self.config.min_cache_tokens else 0), keys

    def anthropic_cached(self, model: str, blocks: list[str], marks: list[int]) -> tuple[int, int, list[tuple[str, str, str]]]:
        """(read, write) characters for the prefix ending at the request's last cache breakpoint, and the
        cache keys this request writes (`register` them once its answer starts)."""
        if not marks:
            return 0, 0, []
        h = hashlib.sha256()
        digests, ends, total = [], [], 0
        for block in blocks:
            h.update(block.encode())
            total += len(block)
            digests.append(h.hexdigest())
            ends.append(total)
        last = max(marks)
        if _tokens(ends[last]) < self.config.min_cache_tokens:
            return 0, 0, []
        with self.lock:
            read = max((ends[i] for i in range(last + 1) if ("anthropic", model, digests[i]) in self.cache), default=0)
        return read, ends[last] - read, [("anthropic", model, digests[i]) for i in marks]

    def register(self, keys: list[tuple[str, str, str]]) -> None:
        """Make prefixes readable from cache (called when the answer that wrote them starts)."""
        with self.lock:
            self.cache.update(keys)


@dataclass
class _Lookup:
    """A request's prefix-cache lookup at arrival: characters read and written, all prompt characters,
    and the cache keys it writes (readable once its answer starts)."""

    read: int
    write: int
    total: int
    keys: list[tuple[str, str, str]]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:  # clients that hang up are normal here
        pass


def _texts_openai(req: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for msg in req.get("messages") or []:
        content = msg.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out += [p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
    return out


def _texts_anthropic(req: dict[str, Any]) -> list[str]:
    out: list[str] = []
    system = req.get("system")
    if isinstance(system, str):
        out.append(system)
    elif isinstance(system, list):
        out += [b.get("text", "") for b in system if isinstance(b, dict)]
    for msg in req.get("messages") or []:
        content = msg.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else (content or [])
        for b in blocks:
            if not isinstance(b, dict):
                continue
            if isinstance(b.get("text"), str):
                out.append(b["text"])
            inner = b.get("content")
            if isinstance(inner, str):
                out.append(inner)
            elif isinstance(inner, list):
                out += [i.get("text", "") for i in inner if isinstance(i, dict) and isinstance(i.get("text"), str)]
    return out


class _Answer(BaseModel):
    """What to say: a call to `tool` with `payload`, or text (`payload` is a string then)."""

    tool: str | None = None
    payload: Any = None

    def wire_text(self, malformed: bool) -> str:
        if malformed:
            return '{"broken": [tru'
        return self.payload if isinstance(self.payload, str) else json.dumps(self.payload)


def _decide(
    tools: list[tuple[str, dict[str, Any]]],
    forced: str | None,
    schema: dict[str, Any] | None,
    texts: list[str],
    rng: random.Random,
    hostile: bool = False,
) -> _Answer:
    if hostile:
        from pmstudio.testing.hostile import hostile_answer_for_schema

        if tools:
            names = [n for n, _ in tools]
            name = forced if forced in names else next((n for n in names if n.startswith("final_result")), names[0])
            return _Answer(tool=name, payload=hostile_answer_for_schema(dict(tools)[name], texts, rng))
        schema = schema or find_schema_in_text("\n".join(texts))
        if schema is not None:
            return _Answer(payload=json.dumps(hostile_answer_for_schema(schema, texts, rng)))
    grounding: Grounding = grounding_from_texts(texts)
    if tools:
        names = [n for n, _ in tools]
        name = forced if forced in names else next((n for n in names if n.startswith("final_result")), names[0])
        params = dict(tools)[name]
        return _Answer(tool=name, payload=answer_for_schema(params, grounding, rng))
    if schema is None:
        schema = find_schema_in_text("\n".join(texts))
    if schema is not None:
        return _Answer(payload=json.dumps(answer_for_schema(schema, grounding, rng)))
    return _Answer(payload=plain_text_answer(grounding))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def state(self) -> _State:
        return self.server.state

    # --------------------------------------------------------------- wire helpers
    def _json(self, code: int, obj: Any, headers: dict[str, str] | None = None, truncate: bool = False) -> None:
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if truncate:
            self.wfile.write(body[: len(body) // 2])
            return self._abort()
        self.wfile.write(body)

    def _sse(self, frames: list[bytes], truncate: bool, pace: list[float] | None = None) -> None:
        """Send SSE frames; `pace[i]` seconds are waited before frame i (decode time)."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        if truncate:  # half the events, then half an event, then the connection drops
            cut = max(len(frames) // 2, 1)
            frames = frames[:cut] + [frames[cut][: len(frames[cut]) // 2]]
        for i, frame in enumerate(frames):
            if pace and i < len(pace) and pace[i] > 0:
                self.state.stopping.wait(pace[i])
            self.wfile.write(f"{len(frame):x}\r\n".encode() + frame + b"\r\n")
            self.wfile.flush()
        if truncate:
            return self._abort()
        self.wfile.write(b"0\r\n\r\n")

    def _abort(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _read_json(self) -> Any:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        return json.loads(raw) if raw.strip() else {}

    def _redacted_headers(self) -> tuple[dict[str, str], int]:
        headers, key_len = {}, 0
        for k, v in self.headers.items():
            if k.lower() in _SECRET_HEADERS:
                secret = v.split(" ", 1)[1] if v.lower().startswith("bearer ") else v
                key_len = max(key_len, len(secret.strip()))
                headers[k.lower()] = REDACTED
            else:
                headers[k.lower()] = v
        return headers, key_len

    # --------------------------------------------------------------- routes
    def do_GET(self) -> None:
        path = self.path.split("?")[0].rstrip("/")
        if path == "/_log":
            with self.state.lock:
                return self._json(200, list(self.state.log))
        if path == "/_stats":
            with self.state.lock:
                stats = {"requests": self.state.count, "inflight": self.state.inflight,
                         "max_inflight": self.state.max_inflight, "faults": [f.model_dump() for f in self.state.faults]}
            return self._json(200, stats)
        if path == "/_reset":
            self.state.reset()
            return self._json(200, {"ok": True})
        if path == "/_faults":
            with self.state.lock:
                return self._json(200, [f.model_dump() for f in self.state.faults])
        if path.endswith("/models"):
            return self._json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
        if path in ("", "/health"):
            return self._json(200, {"ok": True})
        self._json(404, {"error": {"message": f"no route {self.path}"}})

    def do_POST(self) -> None:
        path = self.path.split("?")[0].rstrip("/")
        try:
            req = self._read_json()
        except json.JSONDecodeError:
            return self._json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
        if path == "/_reset":
            self.state.reset()
            return self._json(200, {"ok": True})
        try:
            if path == "/_faults":
                items = req.get("faults", [req]) if isinstance(req, dict) else req
                added = [Fault.model_validate({**i, "kind": _ALIASES.get(str(i.get("kind")), i.get("kind"))})
                         for i in items]
                with self.state.lock:
                    self.state.faults += added
                    return self._json(200, [f.model_dump() for f in self.state.faults])
            if path == "/_config":
                with self.state.lock:
                    self.state.config = ServerConfig.model_validate({**self.state.config.model_dump(), **req})
                    return self._json(200, self.state.config.model_dump())
        except (ValidationError, TypeError, AttributeError) as exc:
            return self._json(400, {"error": {"message": str(exc).splitlines()[0], "type": "invalid_request_error"}})
        if path.endswith("/chat/completions"):
            return self._provider("openai", req)
        if path.endswith("/messages/count_tokens"):
            return self._json(200, {"input_tokens": _tokens(len(json.dumps(req)))})
        if path.endswith("/messages"):
            return self._provider("anthropic", req)
        self._json(404, {"error": {"message": f"no route {self.path}"}})

    def _provider(self, api: Api, req: dict[str, Any]) -> None:
        state = self.state
        model = str(req.get("model", ""))
        headers, key_len = self._redacted_headers()
        fault = state.take_fault(api, model, json.dumps(req, ensure_ascii=False)) if state.faults else None
        with state.lock:
            state.count += 1
            state.inflight += 1
            state.max_inflight = max(state.max_inflight, state.inflight)
            entry: dict[str, Any] = {
                "n": state.count, "t": round(time.monotonic() - state.t0, 4), "api": api, "path": self.path,
                "model": model, "stream": bool(req.get("stream")), "headers": headers,
                "key_present": key_len > 0, "key_length": key_len, "body": req,
                "fault": fault.kind if fault else None, "status": None, "usage": None,
            }
            state.log.append(entry)
            config = state.config
        lookup = self._openai_cache(req, model) if api == "openai" else self._anthropic_cache(req, model)
        counted = True  # in flight until its answer starts: a client that read the whole answer may send the next
        # request before this thread gets back from writing it, and that is no overlap

        def answered() -> None:
            nonlocal counted
            if counted:
                with state.lock:
                    state.inflight -= 1
                counted = False

        try:
            if config.latency_s:
                state.stopping.wait(config.latency_s)
            if fault and fault.kind in ("429", "500", "529"):
                entry["status"] = int(fault.kind)
                return self._error(api, int(fault.kind), fault.retry_after)
            if fault and fault.kind == "hang":
                state.release.wait(fault.hang_s)
            problem = _strict_problem(req) if config.strict and api == "openai" else None
            if problem is not None:
                entry["status"] = problem[0]
                entry["rejected"] = problem[1]
                return self._json(problem[0], {"error": {"message": problem[1], "type": "invalid_request_error",
                                                         "code": None}})
            content = {k: v for k, v in req.items() if k not in ("stream", "stream_options")}
            body_hash = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
            rng = random.Random(f"{config.seed}:{body_hash}")
            malformed = bool(fault and fault.kind == "malformed")
            truncate = bool(fault and fault.kind == "truncate")
            entry["status"] = 200
            state.register(lookup.keys)  # the answer starts: what this request wrote is readable from now on
            answered()
            if api == "openai":
                entry["usage"] = self._openai(req, rng, body_hash, malformed, truncate, config, lookup)
            else:
                entry["usage"] = self._anthropic(req, rng, body_hash, malformed, truncate, config, lookup)
        except (BrokenPipeError, ConnectionResetError):
            entry["status"] = "client-gone"
            self.close_connection = True
        finally:
            answered()

    def _error(self, api: Api, code: int, retry_after: float | None) -> None:
        kind = {429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}[code]
        message = {429: "Rate limited (fake)", 500: "Internal server error (fake)", 529: "Overloaded (fake)"}[code]
        headers = {}
        if retry_after is not None and code in (429, 529):
            headers["retry-after"] = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
        if api == "anthropic":
            return self._json(code, {"type": "error", "error": {"type": kind, "message": message}}, headers)
        otype = "server_error" if code != 429 else "rate_limit_exceeded"
        self._json(code, {"error": {"message": message, "type": otype, "code": otype}}, headers)

    # --------------------------------------------------------------- OpenAI chat completions
    def _openai_cache(self, req: dict[str, Any], model: str) -> _Lookup:
        canonical = json.dumps([req.get("tools"), req.get("response_format"), req.get("messages")], sort_keys=True)
        read, keys = self.state.openai_cached(model, canonical)
        return _Lookup(read=read, write=0, total=len(canonical), keys=keys)

    def _decode(self, config: ServerConfig, output_tokens: int) -> None:
        """Wait the decode time of a non-streamed answer (the time to first token was already waited)."""
        if config.decode_s_per_token and output_tokens:
            self.state.stopping.wait(config.decode_s_per_token * output_tokens)

    @staticmethod
    def _pace(config: ServerConfig, frames: list[bytes], chunks: list[str]) -> list[float]:
        """Per-frame waits of a streamed answer: each content chunk takes its tokens' decode time."""
        waits = [0.0] * len(frames)
        if config.decode_s_per_token:
            for i, chunk in enumerate(chunks):
                waits[i] = config.decode_s_per_token * _tokens(len(chunk))
        return waits

    def _openai(self, req: dict[str, Any], rng: random.Random, h: str, malformed: bool, truncate: bool,
                config: ServerConfig, lookup: _Lookup) -> dict[str, Any]:
        strict = config.strict
        model = str(req.get("model", ""))
        tools = [(t["function"]["name"], t["function"].get("parameters") or {}) for t in req.get("tools") or []
                 if t.get("type") == "function"]
        choice = req.get("tool_choice")
        if choice == "none" or (strict and choice in ("required", "auto", None)):
            tools = []  # llama-cpp-python only calls a tool when tool_choice names it
        forced = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
        rf = req.get("response_format") or {}
        schema = rf.get("json_schema", {}).get("schema") if rf.get("type") == "json_schema" else None
        answer = _decide(tools, forced, schema, _texts_openai(req), rng, self.state.config.answers == "hostile")
        text = answer.wire_text(malformed)
        raw_cap = req.get("max_tokens") if strict else req.get("max_completion_tokens", req.get("max_tokens"))
        cap = raw_cap if isinstance(raw_cap, int) and raw_cap > 0 else None
        cut = cap is not None and cap < _tokens(len(text))
        if cap is not None and cut:
            text = text[: 4 * cap]
        cached = _tokens(lookup.read)
        prompt = max(_tokens(lookup.total), cached)
        completion = _tokens(len(text))
        usage: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": completion,
                                 "total_tokens": prompt + completion, "prompt_tokens_details": {"cached_tokens": cached}}
        base = {"id": f"chatcmpl-{h[:16]}", "created": int(time.time()), "model": model, "system_fingerprint": "fake"}
        if not req.get("stream"):
            msg: dict[str, Any] = {"role": "assistant", "content": None if answer.tool else text}
            if answer.tool:
                msg["tool_calls"] = [{"id": f"call_{h[:12]}", "type": "function",
                                      "function": {"name": answer.tool, "arguments": text}}]
            finish = "length" if cut else ("tool_calls" if answer.tool else "stop")
            self._decode(config, completion)
            self._json(200, {**base, "object": "chat.completion", "usage": usage,
                             "choices": [{"index": 0, "message": msg, "finish_reason": finish, "logprobs": None}]},
                       truncate=truncate)
            return usage
        chunk = {**base, "object": "chat.completion.chunk"}
        deltas: list[dict[str, Any]] = []
        pieces = [text[i : i + 64] for i in range(0, len(text), 64)]
        if answer.tool:
            deltas.append({"role": "assistant", "tool_calls": [{"index": 0, "id": f"call_{h[:12]}", "type": "function",
                                                               "function": {"name": answer.tool, "arguments": ""}}]})
            deltas += [{"tool_calls": [{"index": 0, "function": {"arguments": piece}}]} for piece in pieces]
        else:
            deltas.append({"role": "assistant", "content": ""})
            deltas += [{"content": piece} for piece in pieces]
        events = [{**chunk, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
        finish = "length" if cut else ("tool_calls" if answer.tool else "stop")
        events.append({**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        events.append({**chunk, "choices": [], "usage": usage})
        frames = [f"data: {json.dumps(e)}\n\n".encode() for e in events] + [b"data: [DONE]\n\n"]
        self._sse(frames, truncate, self._pace(config, frames, ["", *pieces]))
        return usage

    # --------------------------------------------------------------- Anthropic messages
    def _anthropic(self, req: dict[str, Any], rng: random.Random, h: str, malformed: bool, truncate: bool,
                   config: ServerConfig, lookup: _Lookup) -> dict[str, Any]:
        model = str(req.get("model", ""))
        tools = [(t["name"], t.get("input_schema") or {}) for t in req.get("tools") or [] if "input_schema" in t]
        choice = req.get("tool_choice") or {}
        if choice.get("type") == "none":
            tools = []
        forced = choice.get("name") if choice.get("type") == "tool" else None
        fmt = (req.get("output_config") or {}).get("format") or req.get("output_format") or {}
        schema = fmt.get("schema") if fmt.get("type") == "json_schema" else None
        answer = _decide(tools, forced, schema, _texts_anthropic(req), rng, self.state.config.answers == "hostile")
        text = answer.wire_text(malformed)
        read, write, total = lookup.read, lookup.write, lookup.total
        usage = {"input_tokens": _tokens(total - read - write) if total > read + write else 0,
                 "cache_creation_input_tokens": _tokens(write), "cache_read_input_tokens": _tokens(read),
                 "output_tokens": _tokens(len(text))}
        msg_id = f"msg_{h[:16]}"
        stop = "tool_use" if answer.tool else "end_turn"
        if answer.tool:
            block: dict[str, Any] = {"type": "tool_use", "id": f"toolu_{h[:12]}", "name": answer.tool}
        else:
            block = {"type": "text", "text": text}
        if not req.get("stream"):
            if answer.tool:
                block["input"] = json.loads(text) if not malformed else {"broken": text}
            self._decode(config, usage["output_tokens"])
            self._json(200, {"id": msg_id, "type": "message", "role": "assistant", "model": model, "content": [block],
                             "stop_reason": stop, "stop_sequence": None, "usage": usage}, truncate=truncate)
            return usage
        start_usage = {**usage, "output_tokens": 1}
        events: list[dict[str, Any]] = [{"type": "message_start", "message": {
            "id": msg_id, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": start_usage}}]
        pieces = [text[i : i + 64] for i in range(0, len(text), 64)]
        if answer.tool:
            events.append({"type": "content_block_start", "index": 0, "content_block": {**block, "input": {}}})
            events += [{"type": "content_block_delta", "index": 0,
                        "delta": {"type": "input_json_delta", "partial_json": piece}} for piece in pieces]
        else:
            events.append({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
            events += [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
                       for piece in pieces]
        events += [{"type": "content_block_stop", "index": 0},
                   {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {"output_tokens": usage["output_tokens"]}},
                   {"type": "message_stop"}]
        frames = [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]
        self._sse(frames, truncate, self._pace(config, frames, ["", "", *pieces]))
        return usage

    def _anthropic_cache(self, req: dict[str, Any], model: str) -> _Lookup:
        """Blocks in Anthropic's prefix order (tools, system, messages) and the breakpoints among them."""
        blocks: list[str] = []
        marks: list[int] = []

        def add(part: Any, prefix: str) -> None:
            if isinstance(part, dict) and "cache_control" in part:
                marks.append(len(blocks))
                part = {k: v for k, v in part.items() if k != "cache_control"}
            blocks.append(prefix + json.dumps(part, sort_keys=True))

        for tool in req.get("tools") or []:
            add(tool, "tool:")
        system = req.get("system")
        for part in [system] if isinstance(system, str) else (system or []):
            add(part, "system:")
        for msg in req.get("messages") or []:
            content = msg.get("content")
            for part in [content] if isinstance(content, str) else (content or []):
                add(part, f"{msg.get('role')}:")
        if req.get("cache_control") and blocks:  # automatic caching: a breakpoint on the last block
            marks.append(len(blocks) - 1)
        read, write, keys = self.state.anthropic_cached(model, blocks, sorted(set(marks)))
        return _Lookup(read=read, write=write, total=sum(len(b) for b in blocks), keys=keys)


class FakeProviderServer:
    """The fake provider in a background thread: `start()` -> base url, `stop()`, or use `with`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, seed: int = 0, latency_s: float = 0.0,
                 min_cache_tokens: int = 0, strict: bool = False, decode_s_per_token: float = 0.0) -> None:
        self.host, self.port = host, port
        self.state = _State(ServerConfig(seed=seed, latency_s=latency_s, min_cache_tokens=min_cache_tokens,
                                         strict=strict, decode_s_per_token=decode_s_per_token))
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"FakeProviderServer({self.url if self._server else 'stopped'})"

    def start(self) -> str:
        if self._server is None:
            self.state.stopping.clear()
            server = _Server((self.host, self.port), _Handler)
            server.state = self.state
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, name="fake-provider", daemon=True)
            self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self.state.stopping.set()
            self.state.release.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeProviderServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("fake provider server is not running: call start() first")
        host, port = cast(tuple[str, int], self._server.server_address[:2])
        return f"http://{host}:{port}"

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    def add_fault(self, kind: str, **options: Any) -> Fault:
        fault = Fault.model_validate({"kind": _ALIASES.get(kind, kind), **options})
        with self.state.lock:
            self.state.faults.append(fault)
        return fault

    def configure(self, **options: Any) -> ServerConfig:
        with self.state.lock:
            self.state.config = ServerConfig.model_validate({**self.state.config.model_dump(), **options})
            return self.state.config

    def log(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [dict(e) for e in self.state.log]

    def stats(self) -> dict[str, Any]:
        with self.state.lock:
            return {"requests": self.state.count, "inflight": self.state.inflight,
                    "max_inflight": self.state.max_inflight, "pending_faults": len(self.state.faults)}

    def reset(self) -> None:
        self.state.reset()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pmstudio.testing.fake_server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before every answer starts")
    parser.add_argument("--decode", type=float, default=0.0, help="seconds per output token after that")
    parser.add_argument("--min-cache-tokens", type=int, default=0)
    parser.add_argument("--strict", action="store_true", help="reject what llama-cpp-python's server rejects")
    args = parser.parse_args(argv)
    srv = FakeProviderServer(args.host, args.port, seed=args.seed, latency_s=args.latency,
                             min_cache_tokens=args.min_cache_tokens, strict=args.strict, decode_s_per_token=args.decode)
    url = srv.start()
    print(f"fake provider on {url}  (OpenAI base {srv.openai_base_url}, Anthropic base {srv.anthropic_base_url})",
          flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
