"""Whether a line from the materials can stand in the executive summary as a statement of fact.

The summary reuses cited claims from the other sections (impact, root cause, the mitigation's timeline entry). A
claim read from chat or a tool keeps its voice: "we're was down because …", "iowait was a dead end a responder
thinks", "[TRIGGERED] web 5xx rate > 50%", "May 19 - Update - We experienced …", "lots of code assumed that". Issue
11 asks that chat is never quoted as a claim and that the summary is composed from facts: a sentence whose source
speaks in the first person, guesses, is a tool's raw record, is cut off mid-clause, or blames or mocks is left out
(the summary says less rather than repeat a line as if it were a finding).
"""

from __future__ import annotations

import re

from pmstudio.offline.tone import chat_noise

FIRST_PERSON = re.compile(
    r"(?<![\w/.-])(?:I(?=\s)|I['’](?:m|ve|d|ll)\b)|\b(?:[Ww]e|[Ww]e['’](?:re|ve|d|ll)|[Oo]urs?|[Mm]y|[Mm]e|[Yy]ou|[Yy]our)\b"
)
"""The speaker's own voice ("we pulled it", "nobody in my server", "I'm seeing"); "I/O" and "US" are no pronouns."""
OPINION = re.compile(
    r"\b(?:thinks?|thought|guess(?:es|ed)?|maybe|probably|perhaps|seems?|looks like|dead end|not sure|no idea|"
    r"apparently|hopefully|suspects?|wonders?|bet)\b",
    re.I,
)
"""A guess or an opinion ("iowait was a dead end a responder thinks", "first thought was an attack")."""
RAW_RECORD = re.compile(
    r"^\s*(?:\[|<|[A-Z][A-Za-z]{2,8}\.? \d{1,2}\s*[-–]\s*[A-Z][a-z]+\s*[-–]\s)|"
    r"\s[-–]\s(?:Investigating|Identified|Monitoring|Update|Resolved)\s[-–]\s|"
    r"^(?:[\w-]+ ){0,3}?(?:paged|pages?|alert\w*|alarms?|warnings?|tickets?|(?:public |status )?updates?|notifications?|"
    r"logs?|dashboard|graphs?|grafana|pagerduty|opsgenie|in the logs)\s*:\s|"
    r"^(?:subject|from|to|cc|date|re|fwd?)\s*:\s",
    re.I,
)
"""A tool's or a post's own record, not a sentence: a bracketed state ("[TRIGGERED] web 5xx rate"), a status post's
header ("May 19 - Update - ...", "MO244568 - Investigating - ..."), a record's label before it ("Paged: ...", "AWS
warning: ...", "in the logs: ..."), a mail's header line ("Subject: [api] Issue digest: 4,812 events"). A plain topic
label stays ("YouTube: views were down 2.5%")."""
MONITOR_LABEL = re.compile(r"^(?:DOWN|UP|CRITICAL|PROBLEM|RECOVERY|OK)\s*[:!-]\s+(?=\S)")
"""A monitor's state before what it saw ("PROBLEM: 214 hosts unreachable in PAR6", "DOWN: www.example.org (timeout)"):
the label of a machine line; what follows is a statement only when it has a verb."""
CUT_OFF = re.compile(
    r"\b(?:that|the|a|an|at|to|of|for|with|and|or|but|because|on|in|by|from|as|than|was|were|is|are|which|who)\W*$",
    re.I,
)
"""A sentence that stops mid-clause ("lots of code assumed that.", "the rollback only happened at")."""
ARROW_CHAIN = re.compile(r"(?:->|→|=>)[^>→]*(?:->|→|=>)")
"""Notes shorthand of a chain of events ("fork PR runs the script -> bot PAT leaks -> secrets dumped"): arrows, not a
sentence."""
ELLIPTICAL = re.compile(
    r"^\W*(?:they|it|that|this|those|these|he|she|so it)\s+(?:were|was|are|is|did|do|does|had|have|has|would|could|"
    r"will|can)(?:n['’]t| not)?\s*[,.;:]",
    re.I,
)
"""A reply that leans on the message before it ("they were, through that external service", "it did."): its subject
and verb stand for what another line said, so it states nothing alone."""


def stateable(text: str) -> bool:
    """Whether `text` (one sentence) can be told in the summary as a fact."""
    body = text.strip()
    if not body:
        return False
    return not (
        FIRST_PERSON.search(body)
        or OPINION.search(body)
        or RAW_RECORD.search(body)
        or CUT_OFF.search(body)
        or ELLIPTICAL.match(body)
        or ARROW_CHAIN.search(body)
        or body.rstrip().endswith("?")
        or chat_noise(body)  # a question, sarcasm or irony, blame, a reply: the one list the drafter never drafts from
    )
