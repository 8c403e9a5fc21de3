"""Supporting information: metrics with numbers, external factors, references, log and comms records."""

from __future__ import annotations

import re
from typing import Any

from pmstudio.offline.analysis import Analysis
from pmstudio.offline.causes import candidates
from pmstudio.offline.classify import HYPOTHESIS
from pmstudio.offline.items import Item
from pmstudio.offline.phrasing import capitalise_sentences, note_entry, past_tense, reworded
from pmstudio.offline.tone import without_questions

MAX_CLAIMS = 6
MAX_IDS = 12

_METRIC = re.compile(
    r"(?:\b(?:rps|req/s|requests?/s|qps|error rate|latency|p\d\d|avg|average|rate|ratio|per (?:day|second|minute|hour)|"
    r"count|values|requests|failed requests|successful_logins|cpu|memory|disk|errors per)\b|\d%|\d+(?:\.\d+)?\s?(?:ms|[KMG]B?|TB)\b)",
    re.I,
)
_EXTERNAL = re.compile(
    r"\b(?:provider|vendor|third[- ]party|upstream|external(?:ly)?|partner|isp|registrar|support ticket|"
    r"\w+ support\b|docker hub|coincidence|not related|unrelated)\b",
    re.I,
)
_ASK_SUPPORT = re.compile(r"\b(?:contact|reach out to|e-?mail|write to|ask)\s+(?:our\s+|the\s+)?support\b", re.I)
"""A status post's sign-off ("please contact support"): the team's own support desk, no external party."""
_URL = re.compile(r"https?://[^\s)\"'>\]]+")
_REFERENCE = re.compile(
    r"\b(?:dashboard|grafana|runbook|playbook|incident doc|wiki|issue #?\d+|pr #?\d+|#\d{3,})\b", re.I
)


_NAME_WITH_DIGIT = re.compile(r"(?<![\w.])[A-Za-z][\w.]*-[\w.-]*\d[\w.-]*|(?<![\w.])[\w.]*\d[\w.]*-[A-Za-z][\w.-]*")
"""A hyphenated name holding digits ("us-east-1a", "vault-meta-1", "ingest-1a-07"): a name, not a value."""


def _measured(text: str) -> bool:
    """`text` holds a number outside of names ("above 90C", "dur=0.8s", "94%"; not "moved out of us-east-1a")."""
    return any(c.isdigit() for c in _NAME_WITH_DIGIT.sub(" ", text))


def _claim(text: str, item: Item) -> dict[str, Any]:
    return {"text": reworded(text) if item.source == "chat" else text, "evidence": [item.id]}


def _told(a: Analysis, item: Item) -> str:
    """The item as a supporting claim: chat told by role as a fact (or "" for questions, guesses, remarks),
    a note's first event in the past tense, other sources as a statement."""
    if item.source == "chat":
        return a.entry_text(item)
    # a note's or a ticket's line is told only through its statements (`tone.without_questions`): a question a person
    # asked there ("my dashboard showed it. everything ok?") is no supporting claim
    if item.source == "notes":
        said = without_questions(a.say(item, narrative=True)).strip()
        return note_entry(said) if said else ""
    return without_questions(a.statement(item)).strip()


def _metrics(a: Analysis) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in a.items:
        # a metric holds a number, not only a digit in a name ("out of us-east-1a", "vault-meta-1")
        if item.is_heading or item.is_title or item.is_meta or not _measured(item.body):
            continue
        if not _METRIC.search(item.body) or HYPOTHESIS.search(item.body) or a.sig(item).followup:
            continue
        if item.source == "chat":
            continue  # a number said in chat is not a measurement: the logs, alerts and notes carry the metrics
        text = _told(a, item) if item.source not in ("log", "alert") else a.entry_text(item)
        if not _measured(text):
            continue
        if text:
            out.append(_claim(text, item))
        if len(out) >= MAX_CLAIMS:
            break
    return out


def _external(a: Analysis) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in a.items:
        if (
            item.source in ("log", "alert")
            or item.is_heading
            or item.is_title
            or not _EXTERNAL.search(_ASK_SUPPORT.sub(" ", item.body))
        ):
            continue
        text = _told(a, item)
        if text:
            out.append(_claim(text, item))
        if len(out) >= 4:
            break
    return out


def _references(a: Analysis) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in a.items:
        for url in _URL.findall(item.body):
            url = url.rstrip(".,;:")
            if url not in seen and "REDACTED" not in url:
                seen.add(url)
                out.append(_claim(f"Link in the materials: {url}", item))
        if len(out) >= MAX_CLAIMS:
            return out
    for item in a.items:
        if len(out) >= MAX_CLAIMS:
            break
        if (
            item.source in ("log", "alert")
            or item.heading_tag == "actions"
            or a.sig(item).followup  # "Write a runbook for draining a zone" is an action item, not a reference
            or not _REFERENCE.search(item.body)
            or item.id in {c["evidence"][0] for c in out}
        ):
            continue
        text = _told(a, item)
        if text:
            out.append(_claim(text, item))
    return out


def draft_supporting(a: Analysis) -> dict[str, Any]:
    """A SupportingSection as a dict."""
    # appendix excerpts are quoted verbatim: machine and published lines only, never chat, and never a person's own
    # words wherever they were posted (a support forum, a Slack export named like a ticket, an IRC log, a signed wiki
    # post, a chat file's untimed header line: `Analysis.said_by_a_person`, the one test of a person's words); a pager's
    # annotation is a record, whoever typed it
    spoken_in = {it.material for it in a.items if it.actor is not None and it.source != "pager"}  # chat files
    logs = [
        it for it in a.items
        if it.source in ("log", "alert") and not a.said_by_a_person(it) and it.material not in spoken_in
    ]  # fmt: skip
    logs.sort(key=lambda it: (it.count <= 1, not a.sig(it).failure, it.order))
    comms = [
        it
        for it in a.items
        if (it.source in ("status", "ticket") or a.sig(it).phase == "communication")
        and it.source != "chat"
        and (it.source == "pager" or not (a.said_by_a_person(it) or it.material in spoken_in))
        and not it.is_title
        and not it.is_heading
    ]
    details = [_claim(capitalise_sentences(past_tense(s.text)), s.item) for s in candidates(a)[:4]]
    return {
        "relevant_metrics": _metrics(a),
        "external_factors": _external(a),
        "references": _references(a),
        "detailed_logs": [it.id for it in logs[:MAX_IDS]],
        "communication_records": [it.id for it in comms[:MAX_IDS]],
        "technical_details": details,
    }
