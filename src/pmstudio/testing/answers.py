"""Schema-driven answers for the fake provider server: a valid, grounded JSON value for ANY JSON schema.

`answer_for_schema(schema, grounding, rng)` walks a JSON schema (resolving `$defs`/`$ref`, `allOf`,
`anyOf`/`oneOf`/nullable, enums, consts, formats, array bounds, required fields) and builds a value
that validates against it. When the request carried an evidence block (see
`pmstudio.agents.messages`), the value is grounded in it: each generated object is anchored on one
evidence item, so its text fields quote that item, its evidence-id fields cite it and its date-time
fields copy its timestamp. Arrays of objects walk the evidence in time order, so a timeline comes out
chronological. Without evidence, texts say "Not stated in the materials." and times are synthetic.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pmstudio.agents.messages import TASK_HEADER, EvidenceLine, parse_prompt

NOT_STATED = "Not stated in the materials."
_BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
_ID_ARRAY_NAMES = {"evidence", "evidence_ids", "detailed_logs", "communication_records", "ids", "citations"}
_TEXT_LIMIT = 240


@dataclass
class Grounding:
    """The evidence a request carried, and the title / incident id from its header."""

    evidence: list[EvidenceLine] = field(default_factory=list)
    title: str | None = None
    incident_id: str = ""
    section: str = ""  # the section the request's task names (`# TASK` block), if any

    @property
    def timed(self) -> list[EvidenceLine]:
        return sorted((e for e in self.evidence if e.at is not None), key=lambda e: (e.at, e.id))  # type: ignore[arg-type,return-value]


def grounding_from_texts(texts: list[str]) -> Grounding:
    """Collect evidence lines from every text of a request (system, user, tool results)."""
    out = Grounding()
    seen: set[str] = set()
    for text in texts:
        if "[" not in text and TASK_HEADER not in text:  # neither evidence nor a task
            continue
        try:
            parsed = parse_prompt(text)
        except (ValueError, TypeError):  # a chunk with a malformed context/feedback block: skip it
            continue
        for e in parsed.evidence:
            if e.id not in seen:
                seen.add(e.id)
                out.evidence.append(e)
        out.title = out.title or parsed.title
        out.incident_id = out.incident_id or parsed.incident_id
        out.section = parsed.section or out.section
    return out


def find_schema_in_text(text: str) -> dict[str, Any] | None:
    """The JSON schema a prompted-output instruction embeds (pydantic-ai's "...this schema: {...}")."""
    decoder = json.JSONDecoder()
    starts = [m.end() for m in re.finditer(r"schema\s*:?\s*", text, flags=re.IGNORECASE)]
    for start in starts:
        brace = text.find("{", start)
        if brace < 0 or brace - start > 200:
            continue
        try:
            value, _ = decoder.raw_decode(text, brace)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and ("properties" in value or "type" in value or "$defs" in value):
            return value
    return None


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _short(text: str, limit: int = _TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Builder:
    def __init__(self, root: dict[str, Any], grounding: Grounding, rng: random.Random) -> None:
        self.root = root
        self.g = grounding
        self.rng = rng
        self.timed = grounding.timed
        self.items = self.timed + [e for e in grounding.evidence if e.at is None]
        self.cursor = 0

    # ----------------------------------------------------------------- schema plumbing
    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while "$ref" in node and seen < 50:
            ref = str(node["$ref"])
            target: Any = self.root
            for part in ref.lstrip("#/").split("/"):
                if part:
                    target = target[part.replace("~1", "/").replace("~0", "~")]
            extra = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **extra}
            seen += 1
        if "allOf" in node:
            merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
            for raw_sub in node["allOf"]:
                sub = self.resolve(raw_sub)
                props = {**merged.get("properties", {}), **sub.get("properties", {})}
                req = list(dict.fromkeys([*merged.get("required", []), *sub.get("required", [])]))
                merged = {**sub, **merged, "properties": props, "required": req}
                if not props:
                    merged.pop("properties")
                if not req:
                    merged.pop("required")
            node = merged
        return node

    def next_anchor(self) -> EvidenceLine | None:
        if not self.items:
            return None
        item = self.items[self.cursor % len(self.items)]
        self.cursor += 1
        return item

    def time_near(self, anchor: EvidenceLine | None) -> datetime:
        if anchor is not None and anchor.at is not None:
            return anchor.at
        if self.timed:
            return self.rng.choice(self.timed).at  # type: ignore[return-value]
        return _BASE_TIME + timedelta(minutes=self.rng.randint(0, 600))

    # ----------------------------------------------------------------- values
    def value(self, node: dict[str, Any], name: str, anchor: EvidenceLine | None, index: int | None) -> Any:
        node = self.resolve(node)
        if "const" in node:
            return node["const"]
        if "enum" in node and node["enum"]:
            options = list(node["enum"])
            return options[index % len(options)] if index is not None else self.rng.choice(options)
        for key in ("anyOf", "oneOf"):
            if key in node:
                options = [self.resolve(o) for o in node[key]]
                non_null = [o for o in options if o.get("type") != "null"]
                return self.value((non_null or options)[0], name, anchor, index)
        kind = node.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            kind = "object" if "properties" in node else ("array" if "items" in node else "string")
        if kind == "object":
            return self.obj(node, name, index)
        if kind == "array":
            return self.array(node, name, anchor)
        if kind == "string":
            return self.string(node, name, anchor, index)
        if kind == "integer":
            return int(self.number(node, name))
        if kind == "number":
            return float(self.number(node, name))
        if kind == "boolean":
            return self.rng.random() < 0.5
        return None

    def obj(self, node: dict[str, Any], name: str, index: int | None) -> dict[str, Any]:
        props: dict[str, Any] = node.get("properties", {})
        if not props:
            return {}
        anchor = self.next_anchor()
        out: dict[str, Any] = {}
        time_props = [p for p, s in props.items() if self._is_time(self.resolve(s), p)]
        spread = self._spread(len(time_props)) if len(time_props) > 1 else {}
        for prop, sub in props.items():
            if spread and prop in time_props:
                out[prop] = _iso(spread[time_props.index(prop)])
                continue
            out[prop] = self.value(sub, prop, anchor, index if self.resolve(sub).get("enum") else None)
            if prop == "id" and isinstance(out[prop], str) and "enum" not in self.resolve(sub):
                out[prop] = f"CF{(index or 0) + 1}"
        return out

    def _spread(self, k: int) -> dict[int, datetime]:
        """k milestone times spread over the timed evidence, earliest first (started, detected, ...)."""
        if not self.timed:
            return {i: _BASE_TIME + timedelta(minutes=10 * i) for i in range(k)}
        n = len(self.timed)
        return {i: self.timed[round(i * (n - 1) / max(k - 1, 1))].at for i in range(k)}  # type: ignore[misc]

    def array(self, node: dict[str, Any], name: str, anchor: EvidenceLine | None) -> list[Any]:
        items = self.resolve(node.get("items", {}) or {})
        lo = max(int(node.get("minItems", 1)), 1)
        hi = int(node.get("maxItems", max(lo, 3)))
        if self._is_id_list(name, items, node):
            ids = [anchor.id] if anchor else []
            if self.items and (not ids or self.rng.random() < 0.5):
                extra = self.rng.choice(self.items).id
                if extra not in ids:
                    ids.append(extra)
            n = min(max(len(ids), lo), hi)
            while len(ids) < n:
                ids.append(ids[-1] if ids else "E1")
            return ids[:n]
        if "factor" in name and items.get("type") == "string":
            return [f"CF{i + 1}" for i in range(min(max(lo, 1), hi))]
        if items.get("type") == "object" or "properties" in items:
            n = min(max(lo, min(max(len(self.items) // 2, 2), 6)), hi)
            if self.timed and n > 1:  # walk the evidence in time order, spread over the incident
                step = max(len(self.items) // n, 1)
                self.cursor = self.rng.randrange(max(step, 1))
                out = []
                for i in range(n):
                    out.append(self.obj(items, name, i))
                    self.cursor += step - 1
                return out
            return [self.obj(items, name, i) for i in range(n)]
        n = min(max(lo, self.rng.randint(lo, max(lo, min(hi, 3)))), hi)
        return [self.value(items, name, anchor, i) for i in range(n)]

    def _is_id_list(self, name: str, items: dict[str, Any], node: dict[str, Any]) -> bool:
        if items.get("type") != "string" or "enum" in items:
            return False
        desc = (str(node.get("description", "")) + str(items.get("description", ""))).lower()
        return name in _ID_ARRAY_NAMES or (name.endswith("_ids") and "factor" not in name) or "evidence id" in desc

    def _is_time(self, node: dict[str, Any], name: str) -> bool:
        if "anyOf" in node:
            node = next((self.resolve(o) for o in node["anyOf"] if self.resolve(o).get("type") != "null"), node)
        return node.get("type") == "string" and node.get("format") == "date-time"

    def string(self, node: dict[str, Any], name: str, anchor: EvidenceLine | None, index: int | None) -> str:
        fmt = node.get("format")
        if fmt == "date-time":
            text = _iso(self.time_near(anchor))
        elif fmt == "date" or name == "due":
            text = (self.time_near(anchor) + timedelta(days=14)).date().isoformat()
        elif fmt == "time":
            text = self.time_near(anchor).strftime("%H:%M:%S")
        else:
            text = self.prose(name, anchor)
        lo, hi = int(node.get("minLength", 0)), node.get("maxLength")
        if len(text) < lo:
            text = text + "." * (lo - len(text))
        if hi is not None and len(text) > int(hi):
            text = text[: int(hi)]
        return text

    def prose(self, name: str, anchor: EvidenceLine | None) -> str:
        if anchor is None:
            if name == "title":
                return self.g.title or "Incident"
            if name == "owner":
                return "Service owner team"
            if name == "id":
                return "CF1"
            return NOT_STATED
        quote = _short(anchor.text)
        if name == "title":
            return self.g.title or _short(anchor.text, 80)
        if name == "owner":
            return anchor.actor or "Service owner team"
        if name in {"summary", "severity_rationale"}:
            first, last = (self.timed[0], self.timed[-1]) if self.timed else (anchor, anchor)
            return f"{_short(first.text, 120)} Later: {_short(last.text, 120)}"
        if name == "impact":
            return f"Reduces the risk of a repeat of: {_short(anchor.text, 160)}"
        if name in {"rule"}:
            return "R1"
        return quote

    def number(self, node: dict[str, Any], name: str) -> float:
        lo = node.get("minimum", node.get("exclusiveMinimum", 0))
        hi = node.get("maximum", node.get("exclusiveMaximum", max(lo, 0) + 120))
        if "minutes" in name and len(self.timed) > 1:
            span = (self.timed[-1].at - self.timed[0].at).total_seconds() / 60  # type: ignore[operator]
            return min(max(round(span), lo), hi)
        return self.rng.randint(int(lo), int(max(lo, hi)))


def _nullable(builder: _Builder, node: dict[str, Any]) -> bool:
    node = builder.resolve(node)
    options = [builder.resolve(o) for o in node.get("anyOf", node.get("oneOf", []))]
    kinds = node.get("type")
    return any(o.get("type") == "null" for o in options) or (isinstance(kinds, list) and "null" in kinds)


def _one_part(builder: _Builder, schema: dict[str, Any], section: str) -> dict[str, Any] | None:
    """For an answer of optional parts, one per section (a section agent's shared output type) whose task
    names one of them: that part filled, the others left out (or null where a strict schema requires
    every key), as a model does. None for any other schema."""
    root = builder.resolve(schema)
    props: dict[str, Any] = root.get("properties") or {}
    required = set(root.get("required") or [])
    optional = all(k not in required or _nullable(builder, p) for k, p in props.items())  # left out, or null
    if not section or section not in props or len(props) < 2 or not optional:
        return None
    out: dict[str, Any] = {k: None for k in props if k in required and k != section}
    out[section] = builder.value(props[section], section, None, None)
    return out


def answer_for_schema(schema: dict[str, Any], grounding: Grounding, rng: random.Random) -> Any:
    """A value valid for `schema`, grounded in `grounding` where the field names allow it. For an answer
    of optional per-section parts, only the part the task names is filled, as a model would."""
    builder = _Builder(schema, grounding, rng)
    part = _one_part(builder, schema, grounding.section)
    return part if part is not None else builder.value(schema, "", None, None)


def plain_text_answer(grounding: Grounding) -> str:
    """A short prose reply for requests that ask for no structure."""
    if not grounding.evidence:
        return "Plain text answer. " + NOT_STATED
    first = grounding.timed[0] if grounding.timed else grounding.evidence[0]
    return f"Based on [{first.id}]: {_short(first.text)}"
