"""A hostile-but-valid model: answers that satisfy the JSON schema and stress everything after it.

Every answer validates against the output schema the request carried, yet it is the worst a real
model may send: free text where a name or an id is expected, empty lists, 10,000-character strings,
Markdown / HTML / script and links in text, evidence ids that do not exist, duplicated entries,
right-to-left and zero-width characters, and times at day and year edges. The critic's findings
point into real text of the draft (so they reach the pages) with hostile replacements, and into
text that is not there (so the contract has something to drop).

Use it as a pydantic-ai model (`hostile_model()`, a FunctionModel) or through the fake provider
server (`FakeProviderServer(...).configure(answers="hostile")`).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from pmstudio.testing.answers import EvidenceLine, Grounding, _Builder, _one_part, grounding_from_texts

MODEL_NAME = "hostile"
LONG = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 200)[:10_000]
HOSTILE_TEXTS: tuple[str, ...] = (
    "<script>alert('x')</script><b>bold</b> <img src=x onerror=alert(1)>",
    "**Markdown** _emphasis_ [a link](javascript:alert(1)) ![img](http://127.0.0.1:9/x.png) # heading\n- item",
    "see https://evil.example/path?q=1 and www.example.com or checkout:REDACTED_PASSWORD_1@payments-db.internal",
    "\u202eevil reversed\u202c text\u200b with\u200d zero\u2060width and עברית مرحبا RTL",
    LONG,
    "   ",
    "$x^2$ :red[colour] :material/home: {{template}} ${env} %s %(name)s \\ ` ``` ",
    "NULL",
)
NAME_TEXTS: tuple[str, ...] = (
    "whoever is on call this week, probably Sam? (ask in #ops)",
    "factor one",
    "<b>team</b>",
    "",
)
EDGE_TIMES: tuple[str, ...] = (
    "2023-12-31T23:59:59Z",
    "2024-01-01T00:00:00Z",
    "2024-02-29T23:59:59-12:00",
    "1970-01-01T00:00:00Z",
    "2099-12-31T23:59:59+14:00",
)
BAD_IDS: tuple[str, ...] = ("nope:999", "", "chat.txt:-1", "<script>", "E1 E2")
_NAME_FIELDS = {"owner", "author", "reviewers", "id", "rule", "incident_id", "due", "title"}
_DRAFT_BLOCK = re.compile(r"# DRAFT AND LINT FINDINGS \(JSON\)\s*\n")


class _HostileBuilder(_Builder):
    """Schema-valid values, hostile wherever the schema leaves room."""

    def __init__(self, root: dict[str, Any], grounding: Grounding, rng: random.Random, draft: dict[str, Any] | None):
        super().__init__(root, grounding, rng)
        self.draft = draft
        self.n = 0

    def _next(self, options: tuple[str, ...]) -> str:
        self.n += 1
        return options[(self.n + self.rng.randrange(len(options))) % len(options)]

    def obj(self, node: dict[str, Any], name: str, index: int | None) -> dict[str, Any]:
        props = node.get("properties", {})
        if {"rule", "span", "section", "severity"} <= set(props) and self.draft:
            return self.finding(node, index or 0)
        return super().obj(node, name, index)

    def finding(self, node: dict[str, Any], index: int) -> dict[str, Any]:
        out = super().obj(node, "finding", index)
        texts = [(s, t) for s, t in _strings(self.draft or {}) if t.strip()]
        if texts and index % 3 != 2:  # two of three point at real text; the third at text that is not there
            section, text = texts[self.rng.randrange(len(texts))]
            out["section"] = section
            out["span"] = text[: self.rng.choice((len(text), 12, 1))]
            out["replacement"] = self._next(HOSTILE_TEXTS) if index % 3 == 0 else None
        else:
            out["span"] = "text the draft does not contain " + self._next(HOSTILE_TEXTS)[:40]
        out["advice"] = self._next(HOSTILE_TEXTS)
        return out

    def array(self, node: dict[str, Any], name: str, anchor: EvidenceLine | None) -> list[Any]:
        lo = int(node.get("minItems", 0))
        hi = node.get("maxItems")
        roll = self.rng.random()
        if lo == 0 and roll < 0.25 and not (name == "findings" and self.draft):
            return []  # an empty list where one was expected (a critic with a draft always finds something)
        items = self.resolve(node.get("items", {}) or {})
        if self._is_id_list(name, items, node):
            ids = [self._next(BAD_IDS)]
            if anchor is not None:
                ids += [anchor.id, anchor.id]  # a real id, duplicated
            out = ids
        else:
            out = super().array(node, name, anchor)
            if out and roll > 0.6:
                out = out + [out[0]]  # a duplicated entry
        if hi is not None:
            out = out[: int(hi)]
        while len(out) < lo:
            out.append(out[-1] if out else self.value(items, name, anchor, len(out)))
        return out

    def string(self, node: dict[str, Any], name: str, anchor: EvidenceLine | None, index: int | None) -> str:
        fmt = node.get("format")
        if fmt == "date-time" or self._is_time(node, name):
            text = self._next(EDGE_TIMES)
        elif fmt == "date":
            text = self._next(EDGE_TIMES)[:10]
        elif name in _NAME_FIELDS:
            text = self._next(NAME_TEXTS + HOSTILE_TEXTS[:4])
        else:
            text = self._next(HOSTILE_TEXTS)
            if anchor is not None and self.rng.random() < 0.3:
                text = f"{anchor.text} {text}"
        lo, hi = int(node.get("minLength", 0)), node.get("maxLength")
        if len(text) < lo:
            text = text + "x" * (lo - len(text))
        if hi is not None and len(text) > int(hi):
            text = text[: int(hi)]
        return text

    def number(self, node: dict[str, Any], name: str) -> float:
        lo = node.get("minimum", node.get("exclusiveMinimum", 0))
        hi = node.get("maximum", node.get("exclusiveMaximum", 10**9))
        return self.rng.choice((lo, hi, lo)) if hi is not None else lo


def _strings(data: Any, section: str | None = None) -> list[tuple[str, str]]:
    """(section, prose text) pairs of a drafted post-mortem's JSON."""
    out: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if section is None:
                if key in ("failed_sections", "notes"):
                    continue
                out += _strings(value, key)
            elif key not in ("evidence", "id", "factor_ids", "at", "phase", "kind", "horizon", "severity",
                             "priority", "detailed_logs", "communication_records"):
                out += _strings(value, section)
    elif isinstance(data, list) and section is not None:
        for item in data:
            out += _strings(item, section)
    elif isinstance(data, str) and section is not None:
        out.append((section, data))
    return out


def draft_in(texts: list[str]) -> dict[str, Any] | None:
    """The draft a critic request carried (its `# DRAFT AND LINT FINDINGS (JSON)` block)."""
    for text in texts:
        m = _DRAFT_BLOCK.search(text)
        if m is None:
            continue
        try:
            value, _ = json.JSONDecoder().raw_decode(text, m.end())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and isinstance(value.get("draft"), dict):
            return dict(value["draft"])
    return None


def hostile_answer_for_schema(schema: dict[str, Any], texts: list[str], rng: random.Random) -> Any:
    """A hostile value valid for `schema`, for a request whose texts are `texts`."""
    grounding = grounding_from_texts(texts)
    builder = _HostileBuilder(schema, grounding, rng, draft_in(texts))
    part = _one_part(builder, schema, grounding.section)
    if part is None:
        return builder.value(schema, "", None, None)
    # the section asked for, and a section that was not asked for (its agent must ignore it)
    props = builder.resolve(schema)["properties"]
    other = rng.choice(sorted(k for k in props if k != grounding.section))
    part[other] = builder.value(props[other], other, None, None)
    return part


def _texts(messages: list[ModelMessage]) -> list[str]:
    out: list[str] = []
    for m in messages:
        if isinstance(m, ModelRequest):
            if m.instructions:
                out.append(m.instructions)
            for part in m.parts:
                content = getattr(part, "content", None)
                if isinstance(content, str):
                    out.append(content)
                elif isinstance(content, list):
                    out += [c for c in content if isinstance(c, str)]
    return out


def hostile_function(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    texts = _texts(messages)
    digest = hashlib.sha256("\n".join(texts).encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    if info.output_tools:
        tool = info.output_tools[0]
        payload = hostile_answer_for_schema(tool.parameters_json_schema, texts, rng)
        return ModelResponse(parts=[ToolCallPart(tool.name, json.dumps(payload))])
    return ModelResponse(parts=[TextPart(HOSTILE_TEXTS[rng.randrange(len(HOSTILE_TEXTS))])])


def hostile_model() -> FunctionModel:
    """The hostile-but-valid model as a pydantic-ai FunctionModel (no network)."""
    return FunctionModel(hostile_function, model_name=MODEL_NAME)
