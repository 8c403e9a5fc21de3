"""Chat told as facts: a responder's message becomes a past-tense sentence by role, or nothing.

Kept apart from `pmstudio.offline.phrasing` (sentence craft) because it also needs `pmstudio.offline.tone`
(questions, sarcasm and blame), which itself imports phrasing.
"""

from __future__ import annotations

import re

from pmstudio.offline.phrasing import _tell, _told, lowered, split_sentences
from pmstudio.offline.tone import chat_noise, without_questions


def chat_entry(role: str, told: str, *, deed: bool) -> str:
    """A chat message told as a fact by role, in the past ("A responder restarted the web server", "The on-call
    engineer reported that the site returned 503s"); "" for questions, proposals and guesses (never a claim).

    `told` is the message already anonymised and in the third person; `deed` says it opens with a past-tense
    verb of the speaker's own act. A second sentence is joined to the first ("… reported instability on v7418
    and started migrating its customers"); each sentence is cut at its first independent clause."""
    told = without_questions(told).strip()
    if not told or chat_noise(told):
        return ""
    label = role[0].upper() + role[1:]
    parts = split_sentences(told)[:3] or [told]
    first = _tell(role, parts[0], deed=deed)
    if first is None and len(parts) > 1:  # "it IS the cert. openssl says the LB cert expired": tell the second
        parts = parts[1:]
        first = _tell(role, parts[0], deed=False)
    if first is None:
        return ""
    kind, clause = first
    if kind == "that":  # what someone saw, told with its own subject: "Per a responder, the disk was full"
        text = f"Per {role}, {_inside(clause)}"
    else:
        text = clause if kind == "full" else f"{label} {clause}"
    second = _tell(role, parts[1], deed=False) if len(parts) > 1 else None
    if second is not None and second[0] != "full":
        more = second[1] if second[0] != "that" or kind == "that" else f"reported that {second[1]}"
        text = f"{text.rstrip('.')}{',' if kind == 'that' else ''} and {more}"
    return _told(text)


_GERUND_START = re.compile(r"^[A-Z][a-z]+ing\b(?! [A-Z])")


def _inside(clause: str) -> str:
    """A message's first word inside a sentence: lowered when it is a common word or a verb's -ing form ("Editing a
    gallery page gave ..."); a name, product or acronym keeps its capital ("SAL said", "Consul was down")."""
    lowered_first = lowered(clause)
    if lowered_first != clause:
        return lowered_first
    return clause[:1].lower() + clause[1:] if _GERUND_START.match(clause) else clause
