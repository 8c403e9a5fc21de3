"""Small builders for tests, benchmarks and demos: a bundle, and minimal valid section outputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pmstudio.schema import Bundle, Evidence, Material

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


def _claim(text: str, ids: list[str]) -> dict[str, Any]:
    return {"text": text, "evidence": ids}


def minimal_section(section: str, bundle: Bundle) -> dict[str, Any]:
    """A valid, grounded, blameless output for `section` built from the first evidence items."""
    ev = bundle.timed()
    first, last = ev[0], ev[-1]
    assert first.at is not None and last.at is not None
    ids = [first.id]
    if section == "timeline":
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
    if section == "impact":
        c = _claim("Checkout requests returned errors.", ids)
        return {
            "severity": "high",
            "severity_rationale": "Checkout unavailable.",
            "duration_minutes": int((last.at - first.at) / timedelta(minutes=1)),
            **{
                k: c
                for k in (
                    "users_affected",
                    "duration_of_impact",
                    "geographic_scope",
                    "functional_impact",
                    "revenue_impact",
                    "sla_impact",
                    "customer_communications",
                    "reputation_impact",
                )
            },
        }
    if section == "root_cause":
        return {
            "trigger": _claim("A deploy changed the connection pool size.", ids),
            "primary_root_cause": _claim("The pool size setting had no validation before rollout.", ids),
            "contributing_factors": [
                {"id": "CF1", "title": "No config validation", "description": "Pool size was not checked.", "evidence": ids},
                {"id": "CF2", "title": "No canary", "description": "The deploy reached all hosts at once.", "evidence": ids},
            ],
        }
    if section == "actions":
        return {
            "action_items": [
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
            ],
            "prevention": {"technical": [_claim("Canary deploys for checkout.", ids)], "process": [], "monitoring": []},
        }
    if section == "lessons":
        claims = [_claim("The error-rate alert fired within minutes.", ids)]
        return {"went_well": claims, "went_poorly": claims, "technical": claims, "process": claims, "monitoring": claims}
    if section == "supporting":
        return {
            "relevant_metrics": [_claim("Error rate above 5%.", ids)],
            "external_factors": [],
            "references": [],
            "detailed_logs": ids,
            "communication_records": [last.id],
            "technical_details": [],
        }
    if section == "summary":
        return {"title": "Checkout errors after a deploy", "summary": "Checkout returned errors after a deploy; a rollback restored service.", "evidence": ids}
    if section == "all":
        return {name: minimal_section(name, bundle) for name in ("timeline", "impact", "root_cause", "actions", "lessons", "supporting", "summary")}
    raise ValueError(f"unknown section {section!r}")
