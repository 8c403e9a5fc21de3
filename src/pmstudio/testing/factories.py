"""Small builders for tests, benchmarks and demos: a bundle, evidence lines, and minimal valid section outputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pmstudio.agents.messages import EvidenceLine, parse_prompt, render_evidence
from pmstudio.schema import SECTION_NAMES, Bundle, Evidence, Material
from pmstudio.templates import path_root, seed_template, value_type

T0 = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)

CHAT = """\
02:00 dana: checkout is throwing 5xx, anyone else seeing it?
02:03 pagerbot: [TRIGGERED] checkout-api error rate > 5%
02:05 sam: looking at the deploy from 01:55, it changed the pool size
02:12 dana: rolling back deploy 4512
02:20 sam: error rate back under 1%, recovered
02:30 dana: posted status page update: resolved
"""


def sample_bundle(extra_chat: str = "") -> Bundle:
    """A tiny bundle with six timed chat lines (no ingest needed)."""
    content = CHAT + extra_chat
    evidence = []
    for i, line in enumerate(content.splitlines(), 1):
        hhmm, rest = line.split(" ", 1)
        actor, text = rest.split(": ", 1)
        h, m = (int(x) for x in hhmm.split(":"))
        evidence.append(
            Evidence(
                id=f"chat.txt:{i}",
                material="chat.txt",
                kind="chat",
                line=i,
                at=T0.replace(hour=h, minute=m),
                actor=actor,
                text=text,
            )
        )
    return Bundle(
        id="sample-checkout",
        title="Checkout errors after deploy",
        timezone="UTC",
        materials=[Material(name="chat.txt", kind="chat", content=content)],
        evidence=evidence,
        people=["dana", "sam"],
    )


Row = tuple[str, float, str | None, str]


def evidence_lines(t0: datetime, *rows: Row, date_only: frozenset[int] = frozenset(), count: int = 1) -> list[EvidenceLine]:
    """(material, minutes after `t0`, actor, text) -> evidence lines, numbered per material. Rows whose index is in
    `date_only` carry only their day; a `.log` line stands for `count` repeats of itself over ten minutes (as
    ingest folds them)."""
    counters: dict[str, int] = {}
    out = []
    for i, (material, minute, actor, text) in enumerate(rows):
        counters[material] = counters.get(material, 0) + 1
        at = t0 + timedelta(minutes=minute)
        if i in date_only:
            at = at.replace(hour=0, minute=0)
        n = count if material.endswith(".log") else 1
        out.append(EvidenceLine(id=f"{material}:{counters[material]}", at=at, actor=actor, text=text, count=n,
                                last_at=at + timedelta(minutes=10) if n > 1 else None, date_only=i in date_only))
    return out


def bundle_evidence(bundle: Bundle) -> list[EvidenceLine]:
    """A bundle's evidence as a model reads it: rendered into the prompt and parsed back, as the offline model does."""
    return parse_prompt(render_evidence(bundle)).evidence


def _claim(text: str, ids: list[str]) -> dict[str, Any]:
    return {"text": text, "evidence": ids}


SAMPLE_TEXT: dict[str, str | None] = {
    "impact": "Checkout requests returned errors.",
    "root_cause.trigger": "A deploy changed the connection pool size.",
    "root_cause.primary_root_cause": "The pool size setting had no validation before rollout.",
    "lessons": "The error-rate alert fired within minutes.",
    "actions.prevention.technical": "Canary deploys for checkout.",
    "actions.prevention": None,
    "supporting.relevant_metrics": "Error rate above 5%.",
    "supporting": None,
}
"""Sample claim text by schema path (or its section); None leaves a list empty."""


def _sample(path: str) -> str | None:
    for key in (path, path.rsplit(".", 1)[0], path.split(".", 1)[0]):
        if key in SAMPLE_TEXT:
            return SAMPLE_TEXT[key]
    return "Recorded in the materials."


def _value(path: str, bundle: Bundle) -> Any:
    """A valid, grounded, blameless value for one schema path, by what the path holds."""
    ev = bundle.timed()
    first, last = ev[0], ev[-1]
    assert first.at is not None and last.at is not None
    ids = [first.id]
    vt = value_type(path)
    if vt == "claim":
        return _claim(_sample(path) or "", ids)
    if vt == "claims":
        text = _sample(path)
        return [_claim(text, ids)] if text else []
    if vt == "evidence_ids":
        return ids if path.endswith("logs") else [last.id]
    if vt == "factors":
        return [
            {"id": "CF1", "title": "No config validation", "description": "Pool size was not checked.", "evidence": ids},
            {"id": "CF2", "title": "No canary", "description": "The deploy reached all hosts at once.", "evidence": ids},
        ]
    if vt == "actions":
        return [
            {
                "title": "Add validation of pool size settings in CI",
                "owner": "Checkout team",
                "priority": "P1",
                "horizon": "short_term",
                "kind": "prevent",
                "impact": "Invalid pool sizes are rejected before deploy.",
                "factor_ids": ["CF1"],
                "evidence": ids,
            }
        ]
    if vt == "summary":
        return {"title": "Checkout errors after a deploy", "summary": "Checkout returned errors after a deploy; a rollback restored service.", "evidence": ids}
    if vt == "timeline":
        phases = ["impact_start", "detection", "investigation", "mitigation", "resolution", "communication"]
        entries = [
            {"at": e.at.isoformat() if e.at else None, "phase": phases[min(i, 5)], "text": f"Event {i + 1} recorded.", "evidence": [e.id]}
            for i, e in enumerate(ev[:6])
        ]
        return {
            "entries": entries,
            "started_at": first.at.isoformat(),
            "detected_at": ev[min(1, len(ev) - 1)].at.isoformat(),  # type: ignore[union-attr]
            "mitigated_at": ev[min(3, len(ev) - 1)].at.isoformat(),  # type: ignore[union-attr]
            "resolved_at": ev[min(4, len(ev) - 1)].at.isoformat(),  # type: ignore[union-attr]
        }
    raise ValueError(f"no sample for {path!r} ({vt})")


def _put(out: dict[str, Any], rel: str, value: Any) -> None:
    *parents, leaf = rel.split(".")
    for p in parents:
        out = out.setdefault(p, {})
    out[leaf] = value


def minimal_section(section: str, bundle: Bundle) -> dict[str, Any]:
    """A valid, grounded, blameless output for `section`, built field by field from the seed template's
    layout (what each path holds decides its sample) from the first evidence items."""
    if section == "all":
        return {name: minimal_section(name, bundle) for name in SECTION_NAMES}
    if section not in SECTION_NAMES:
        raise ValueError(f"unknown section {section!r}")
    ev = bundle.timed()
    first, last = ev[0], ev[-1]
    assert first.at is not None and last.at is not None
    out: dict[str, Any] = {}
    if section == "impact":  # the parts of the impact section no layout shows
        out = {"severity": "high", "severity_rationale": "Checkout unavailable.",
               "duration_minutes": int((last.at - first.at) / timedelta(minutes=1))}  # fmt: skip
    for path in sorted(seed_template().paths(), key=lambda p: p.count(".")):
        if path_root(path) != section:
            continue
        value = _value(path, bundle)
        if "." not in path:
            return value  # type: ignore[no-any-return]
        _put(out, path.split(".", 1)[1], value)
    return out
