"""What went well, what did not, and the technical / process / monitoring lessons.

Three sources: what responders wrote under their own "Lessons" / "What went well" / "What went wrong"
headings (those come first), responders' own remarks ("17 minutes from report to revocation, nice", "users had to
tell us", "the docs are wrong") and the timeline itself (how fast detection and mitigation came,
whether alerting or people found the problem, mitigation attempts that did not work). Lessons are
the contributing factors, sorted by what they teach about (systems, process, observability).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from pmstudio.offline.analysis import Analysis
from pmstudio.offline.causes import draft_root_cause
from pmstudio.offline.classify import HYPOTHESIS
from pmstudio.offline.impact import span_minutes
from pmstudio.offline.items import WENT_POORLY, Item
from pmstudio.offline.phrasing import capitalise_sentences, past_tense, split_sentences
from pmstudio.offline.tone import QUESTION

MAX_EACH = 5
FAST_DETECTION = 10
FAST_MITIGATION = 30

_GOOD = re.compile(
    r"\b(?:nice|good (?:catch|call|job|work)|great (?:job|work|catch)|well done|fast|quick(?:ly)?|worked (?:well|as "
    r"expected)|thanks to|helped|smooth(?:ly)?|caught (?:it )?early|paid off|kudos|jumped in(?=\s*(?:$|[.,;:!)]|to help|and|with|quickly|fast)))\b",
    re.I,
)
"""Praise of the response ("good catch", "kudos to ...", "jess jumped in to help"), not a number that "jumped in every
region"."""
_BAD = re.compile(
    r"\b(?:slow\w*|took (?:\w+ ){0,3}(?:minutes|hours|min|mins|days)|delay\w*|no runbook|need a runbook|docs? (?:are|were|is) "
    r"wrong|confus\w*|no (?:alert|monitoring|uptime (?:check|monitor))|users had to tell us|nothing internal fired|"
    r"hard to|blocked|not by any tool|aren['’]t helping|isn['’]t helping|no history|only keeps|manual step|"
    r"was green)\b",
    re.I,
)
_MONITORING = re.compile(r"\b(?:monitor\w*|alert\w*|uptime|dashboard|observab\w*|metric\w*|detect\w*|tracker|watch\w*)\b", re.I)
_PROCESS = re.compile(
    r"\b(?:review\w*|process|runbook|documentation|checklist|rules?|manual\w*|approv\w*|communicat\w*|"
    r"provider|vendor|owner\w*|permission\w*|escalat\w*|instructions?)\b"
    # "docs" is a process word only as the documentation people follow ("the docs are wrong", "no docs for
    # failover"), not as a product ("builds drop rendered docs", "docs.rs") in a technical statement
    r"|\b(?:the|our|their|its|no|missing|outdated|stale|wrong|incomplete|internal|written|setup|runbook|team)\s+"
    r"docs?\b(?![.\w-])|\bdocs?\b(?![.\w-])\s+(?:is|are|was|were|say|said|do|does|did|didn['’]?t|don['’]?t|"
    r"lack\w*|miss\w*)\b",
    re.I,
)


def lesson_kind(text: str) -> str:
    """What a lesson teaches about: "monitoring", "process" or (by default) "technical"."""
    return "monitoring" if _MONITORING.search(text) else ("process" if _PROCESS.search(text) else "technical")


# praise words that measure rather than praise ("how fast we can replace nodes"), or sit beside a shortfall
# ("was not built to bring up servers quickly"): not something that went well
_NOT_PRAISE = re.compile(
    r"\b(?:how (?:fast|quick(?:ly)?)|fast enough|quick(?:ly)? enough|not|no|never|can['’]?t|cannot|couldn['’]?t|"
    r"didn['’]?t|throttl\w*|fail\w*|slow\w*|broke\w*|down)\b",
    re.I,
)


def _minutes_text(n: int) -> str:
    return f"{n} minute" if n == 1 else f"{n} minutes"


def _claim(text: str, ids: list[str]) -> dict[str, Any]:
    return {"text": text, "evidence": ids}


def _minutes(a: Item | None, b: Item | None) -> int | None:
    if a is None or b is None or a.at is None or b.at is None or b.at < a.at:
        return None
    return span_minutes(a.at, b.at)


def _remarks(a: Analysis, pattern: re.Pattern[str], limit: int) -> list[dict[str, Any]]:
    out = []
    for item in a.items:
        if item.source in ("log", "alert", "pager") or item.is_heading or item.is_title or item.is_meta:
            continue
        if item.heading_tag == "actions" or a.sig(item).followup:
            continue  # a follow-up says what to change, not how the response went ("remove capacity more slowly")
        if not pattern.search(item.body) or HYPOTHESIS.search(item.body):
            continue
        if pattern is _GOOD and _NOT_PRAISE.search(item.body):
            continue
        # told in the past, as every remark of the response is ("the UI feels slow too" -> "felt slow")
        text = capitalise_sentences(past_tense(a.statement(item)))
        # a question asked in chat is never a remark, with or without its mark ("anyone else seeing the dashboard slow or
        # is it my wifi again")
        if text and len(text.split()) >= 4 and not any(QUESTION.match(s) for s in split_sentences(text)):
            out.append(_claim(text, [item.id]))
        if len(out) >= limit:
            break
    return out


def _timeline_lessons(a: Analysis) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    good: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    m = a.milestones
    det, start, mit = m.detected, m.started, m.mitigated
    if det is not None:
        sig = a.sig(det)
        # responders who saw it minutes before the page (milestones.Milestones.paged): the alerting still paged them
        paged = None if sig.page else m.paged
        if sig.page:
            good.append(_claim("Automated alerting paged responders.", [det.id]))
        elif m.precursor is not None and a.sig(m.precursor).page:
            # the page came before the impact did (the detection moved to the start): the alerting paged them first
            good.append(_claim("Automated alerting paged responders.", [m.precursor.id]))
        elif paged is not None and paged.at is not None and det.at is not None and paged.at - det.at < timedelta(minutes=1):
            good.append(_claim("Automated alerting paged responders.", [paged.id]))  # the same minute they saw it
        elif paged is not None and paged.at is not None and det.at is not None:
            after = _minutes_text(span_minutes(det.at, paged.at))  # rounded, as every section states a span
            good.append(_claim(f"Automated alerting paged responders, {after} after they first saw the problem.", [det.id, paged.id]))
            bad.append(_claim("Responders saw the problem before automated alerting did.", [det.id]))
        else:
            bad.append(_claim("The problem was first reported by people rather than by automated alerting.", [det.id]))
    lag = _minutes(start, det)
    if lag is not None and start is not None and det is not None:
        text = f"Detection came {_minutes_text(lag)} after impact began." if lag else "Detection came as impact began."
        (good if lag <= FAST_DETECTION else bad).append(_claim(text, [start.id, det.id]))
    to_mitigate = _minutes(det, mit)
    if to_mitigate is not None and det is not None and mit is not None:
        text = f"Mitigation was in place {_minutes_text(to_mitigate)} after detection."
        (good if to_mitigate <= FAST_MITIGATION else bad).append(_claim(text, [det.id, mit.id]))
    failed = [it for it, s in a.timed if s.mitigation and s.mit_negative and not s.hypothesis and it.source != "log"]
    for it in failed[:2]:
        text = a.statement(it)
        if text:
            bad.append(_claim(f"A mitigation step did not work at first: {text[0].lower()}{text[1:]}", [it.id]))
    return good, bad


_LESSON_HEAD = re.compile(r"\b(?:lessons?|learn\w*|takeaways?)\b", re.I)
_WELL_HEAD = re.compile(r"\bwent (?:well|right)\b|\bwhat worked\b", re.I)


def _told(a: Analysis) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(lessons, went well, went poorly) the responders wrote under headings of their own."""
    lessons: list[dict[str, Any]] = []
    good: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    for item in a.items:
        if item.heading_tag != "lessons" or item.is_heading or not item.heading or item.source not in ("notes", "ticket"):
            continue
        text = a.statement(item)
        if not text or len(text.split()) < 4:
            continue
        claim = _claim(text, [item.id])
        if _WELL_HEAD.search(item.heading):
            good.append(claim)
        elif WENT_POORLY.search(item.heading):
            bad.append(claim)
        elif _LESSON_HEAD.search(item.heading):
            lessons.append(claim)
    return lessons, good, bad


def _sorted_lessons(a: Analysis, told: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    rc = draft_root_cause(a)
    out: dict[str, list[dict[str, Any]]] = {"technical": [], "process": [], "monitoring": []}
    for claim in told:  # the responders' own lessons first
        bucket = lesson_kind(claim["text"])
        if len(out[bucket]) < MAX_EACH:
            out[bucket].append(claim)
    statements = [rc["primary_root_cause"]] if rc["primary_root_cause"]["evidence"] else []
    statements += [{"text": f["description"], "evidence": f["evidence"]} for f in rc["contributing_factors"]]
    by_id = {item.id: item for item in a.items}
    for claim in statements:
        items = [by_id[e] for e in claim["evidence"] if e in by_id]
        if items and all(_not_a_lesson(a, it) for it in items):
            continue
        text = claim["text"]
        bucket = lesson_kind(text)
        if len(out[bucket]) < MAX_EACH:
            out[bucket].append(_claim(text, list(claim["evidence"])))
    return out


def _not_a_lesson(a: Analysis, item: Item) -> bool:
    """A statement of the symptom, the recovery or a dismissed guess teaches nothing about the system."""
    sig = a.sig(item)
    return bool(sig.resolved or sig.symptom_report or HYPOTHESIS.search(item.body)
                or _DISMISSED.search(item.body))


_DISMISSED = re.compile(r"\b(?:first thought|thought it was|not an attack|turned out not)\b", re.I)


def _dedupe(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for c in claims:
        key = c["text"].lower()
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out[:MAX_EACH]


def draft_lessons(a: Analysis) -> dict[str, Any]:
    """A LessonsSection as a dict."""
    told, told_good, told_bad = _told(a)
    good, bad = _timeline_lessons(a)
    good = told_good + good + _remarks(a, _GOOD, 3)
    bad = told_bad + bad + _remarks(a, _BAD, 3)
    lessons = _sorted_lessons(a, told)
    return {
        "went_well": _dedupe(good),
        "went_poorly": _dedupe(bad),
        "technical": lessons["technical"],
        "process": lessons["process"],
        "monitoring": lessons["monitoring"],
    }
