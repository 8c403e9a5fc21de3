"""The Executive Summary: a title and three to five composed sentences (what happened, impact with a
magnitude, duration, primary cause, what was done).

Built from the other sections when the task carries them as context (so the summary agrees with
them), else from the offline drafts of those sections. Every sentence reuses a cited claim, or
states milestone times and the computed duration, citing the milestone evidence.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pmstudio.offline.analysis import Analysis
from pmstudio.offline.causes import draft_root_cause
from pmstudio.offline.impact import draft_impact, log_magnitude, quantity, span_minutes
from pmstudio.offline.milestones import minute_of
from pmstudio.offline.phrasing import (
    as_clause,
    blameless,
    capitalise_sentences,
    has_verb,
    headline_sentence,
    lowered,
    past_tense,
    sentence,
    shorten,
    split_sentences,
)
from pmstudio.offline.statement import MONITOR_LABEL, stateable
from pmstudio.offline.timeline import draft_timeline
from pmstudio.parsers.common import STATUS_POST
from pmstudio.schema import NOT_STATED

PART_LIMIT = 200


def _dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _ids_at(timeline: dict[str, Any], at: datetime | None, *, timed: bool = False) -> list[str]:
    """The evidence of the entry at ``at`` (with ``timed``, only an entry that states a time of day)."""
    if at is None:
        return []
    for entry in timeline.get("entries", []):
        if _dt(entry.get("at")) == at and not (timed and entry.get("date_only")):
            return [e for e in entry.get("evidence", []) if isinstance(e, str)][:1]
    return []


def _first(text: str) -> str:
    """The first sentence of a claim (a summary sentence carries one fact)."""
    parts = split_sentences(text)
    return parts[0].rstrip(".") if parts else text


def _entry_text(timeline: dict[str, Any], at: datetime | None, cited: str | None = None) -> tuple[str, list[str]] | None:
    """The timeline entry at the mitigation time `at`, the first there; among lines dated by their day only (all at its
    midnight), the one citing `cited` (the mitigation's own line), else one in the mitigation phase."""
    if at is None:
        return None
    there = [e for e in timeline.get("entries", []) if _dt(e.get("at")) == at and e.get("text")]
    days = [e for e in there if e.get("date_only")]
    entry = next(
        (e for e in days if cited in e.get("evidence", [])),
        next((e for e in days if e.get("phase") == "mitigation"), there[0] if there else None),
    )
    if entry is None:
        return None
    text = re.sub(r"^(?:Mitigation|Impact began|Resolved|Recovered)\s*:\s*", "", str(entry["text"]))
    return text, [e for e in entry.get("evidence", []) if isinstance(e, str)][:1]


def _claim_text(claim: Any) -> str:
    if isinstance(claim, dict):
        text = str(claim.get("text", "")).strip()
        return "" if not text or text == NOT_STATED else text
    return ""


def _claim_ids(claim: Any) -> list[str]:
    if isinstance(claim, dict):
        return [e for e in claim.get("evidence", []) if isinstance(e, str)]
    return []


def _title(a: Analysis, impact: dict[str, Any], root: dict[str, Any]) -> str:
    if a.title and a.title.strip():
        title = blameless(a.people.anonymise(a.title.strip()), strict=False)
        if title:
            return title
    for text in (_claim_text(impact.get("functional_impact")), _claim_text(root.get("trigger"))):
        # a claim in a speaker's voice ("every back issue we have is now in the queue") is no headline; a long one is
        # cut after a word that can end it ("... in the queue", not "... ahead of")
        if text and stateable(_first(text)):
            words = _first(text).rstrip(".").split()[:TITLE_WORDS]
            while len(words) > 3 and words[-1].lower().strip(",;:") in _OPEN_ENDS:
                words.pop()
            return " ".join(words).rstrip(",;:")
    return f"Incident {a.incident_id}" if a.incident_id else "Incident"


TITLE_WORDS = 12
_OPEN_ENDS = frozenset(
    "a an the of to in on at by for from with into onto over under ahead behind and or but as than that which who "
    "its their our this these those".split()
)
"""Words a cut headline cannot end on ("... ahead of", "... the")."""


_NOUN_START = re.compile(r"^(?:the|a|an|its|their|our|this|that|one|two|\w+s?'s?)\s", re.I)
_FINITE = re.compile(r"\b(?:is|was|were|are|had|has|have|did|does|could|would|caused|made|ran|went|filled|broke)\b", re.I)
_LABEL = re.compile(r"^[\w ,'-]{0,40}\b(?:cause|why|culprit|reason)\b[\w ,'-]{0,30}:\s+", re.I)
_RELATIVE = re.compile(r"\s(?:where|which|who|whom|whose|that|when|while)\s", re.I)
"""Where a noun phrase's relative clause begins ("the directory where builds wrote their docs")."""
_ROOT_IS = re.compile(r"^(?:the )?(?:root |primary |underlying )?cause (?:was|is) (?:that )?(?=\S)", re.I)
"""A cause stated with its own label ("root cause was the key removal"): the label goes, the summary has its own."""
_SEARCH = re.compile(r"\b(?:root |potential |possible |likely )?cause\b(?!d)", re.I)
"""A sentence that still names "the cause" once its label is gone speaks of the search for it ("we had identified the
root cause", "report that the root cause was a DDoS attack"), not of what caused the incident."""
_WHEN_LABEL = re.compile(r"^(?:[A-Z][a-z]+day,?\s+)?\d{1,2}:\d{2}(?:\s*UTC)?\s*:\s+(?=\S)")
"""A note's own time before what happened ("Saturday 22:29 UTC: the certificate expired"): the summary dates events."""
_BRACKETED = re.compile(r"\([^()]*\)")
_MOMENT = re.compile(
    r"^(?:(?:this|that|last|on)\s+(?:morning|afternoon|evening|night|week|weekend|[a-z]+day)|yesterday|today|tonight)"
    r"\b[^:]{0,12}:",
    re.I,
)
"""A note that opens with the moment it tells of ("this morning: ...", "yesterday: ...")."""
_IT_NEXT = re.compile(r"^(?:it|this|that)\s+(?P<rest>\S.*)$", re.I)


def _as_cited(text: str, ids: list[str], a: Analysis) -> str:
    """`text` with its first word lowered when the cited evidence writes it in lower case ("Part of one AZ …"
    from "part of one AZ overheats"; "Etherscan" keeps its capital)."""
    head = text.split(" ", 1)[0]
    if not head[:1].isupper() or not head[1:].islower():
        return lowered(text)
    pattern = re.compile(rf"(?<![\w.-]){re.escape(head.lower())}(?![\w-])")
    if any((item := a.by_id.get(i)) is not None and pattern.search(item.body) for i in ids):
        return text[0].lower() + text[1:]
    return lowered(text)


def _cause_sentence(cause: str, ids: list[str], a: Analysis) -> str:
    """'The cause was that the regex backtracked' for a clause; a noun phrase is what the cause was traced to,
    with a following 'It …' sentence joined as its relative clause."""
    parts = split_sentences(_ROOT_IS.sub("", _LABEL.sub("", cause.strip())))
    if not parts or _SEARCH.search(parts[0]):
        return ""  # "we had identified the root cause and were working toward recovery" tells no cause
    if not stateable(parts[0]):
        return ""  # "we're was down because the raid was too polite", "iowait was a dead end a responder thinks"
    text = past_tense(parts[0].rstrip(". "))
    if not has_verb(_BRACKETED.sub("", text)) and not _NOUN_START.match(text):
        return ""  # "end 05:20, 20 minutes", "partial disruption, ~2 hours total": no cause a sentence can tell
    head, colon, rest = text.partition(": ")
    if _MOMENT.match(text):
        return ""  # "this morning: confirmed the provider renewed the cert": when something was done, no cause
    if colon and _NOUN_START.match(head) and not _FINITE.search(head) and not has_verb(_RELATIVE.split(head, maxsplit=1)[0]):
        # "A bug in the controller election: after the blip two brokers ...": what it was traced to, then how
        return f"The cause was traced to {_as_cited(head, ids, a)}: {rest}"
    if _NOUN_START.match(text) and not _FINITE.search(text) and not has_verb(_RELATIVE.split(text, maxsplit=1)[0]):
        follow = _IT_NEXT.match(past_tense(parts[1].rstrip(". "))) if len(parts) > 1 else None
        tail = f", which {follow.group('rest')}" if follow else ""
        return f"The cause was traced to {_as_cited(text, ids, a)}{tail}"
    text = re.sub(r"^that\s+(?=\S)", "the ", text, flags=re.I)  # "that specific transaction triggered the bug"
    text = _WHY_LEAD.sub("", text)  # "it hurt because HE.net was a single point of failure": the cause is what follows
    return f"The primary cause was that {_as_cited(text, ids, a)}"


_WHY_LEAD = re.compile(
    r"^(?:it|this|that)(?:['’]s| is| was)? (?:hurt|happened|broke|failed|went down|stopped|was down|was so bad)"
    r"(?: (?:so )?(?:badly|much|long|hard))? because\s+(?=\S)",
    re.I,
)
"""A lead that only points at the cause ("it hurt because ...", "this happened because ...")."""


_ROLE_START = re.compile(r"^(?:a|an|the) (?:responder|on-call engineer|engineer|operator|team|maintainer|admin\w*|incident commander)\b", re.I)


def _done_sentence(done: str, at: datetime | None, ids: list[str] | None = None, a: Analysis | None = None) -> str:
    """What was done, told as an act at the mitigation time: '… mitigated at 02:03 UTC, when a responder restarted …'
    (the clause's first word in the case the cited evidence writes it: "when migration out of …")."""
    text = done.rstrip(".;:, ")
    when = f" at {at:%Y-%m-%d %H:%M} UTC" if at else ""
    if _ROLE_START.match(text):
        said = _REPORTED.sub("", text)
        if _STILL_FAILING.search(said) or not stateable(said):
            return f"The impact was mitigated{when}"  # "a responder reported [FIRING:1] HighErrorRate …"
        return f"The impact was mitigated{when}, when {lowered(text)}"
    if text.startswith("Per "):  # "Per a responder, the LB served a valid cert"
        who, _, said = text.partition(", ")
        if not stateable(said):  # "the change was reverted, and depending on your DNS caching it could take …"
            said = _AND_NEXT.split(said, maxsplit=1)[0]
            if not stateable(said):
                return f"The impact was mitigated{when}"
        return f"The impact was mitigated{when}; {who[0].lower()}{who[1:]}, {said}"
    if _RECORD_HEAD.match(text):
        if _STILL_FAILING.search(text):
            return f"The impact was mitigated{when}"  # a firing alert records the failure, not what was done
        return f"The impact was mitigated{when} (recorded as: {text})"
    if not stateable(text):
        return f"The impact was mitigated{when}"  # "a responder began closing the incident and reported that we …"
    if _NO_SUBJECT.match(text):
        return f"The impact was mitigated{when}"  # "concluded Google was blocking …", "back to normal once …": no actor
    clause = as_clause(text)
    if clause is None and _ARTICLE.match(text) and has_verb(text) and not _CODE_LIKE.match(text):
        clause = text  # "The provider restarted the instance on new hardware" is already a clause
    if clause is not None and not _CODE_LIKE.match(text):
        told = _as_cited(clause, ids, a) if a is not None and ids else lowered(clause)
        return f"The impact was mitigated{when}, when {told}"
    return f"The impact was mitigated{when} (recorded as: {text})"


_RECORD_HEAD = re.compile(r"^(?:\[|[A-Z]{2,}\s+(?![a-z]+(?:\s|$))\S|[A-Z][\w-]*(?: [\w-]+){0,3}:\s)")
"""A line a tool or a post wrote, no one's act: it opens with a bracketed tag, a monitor's state in capitals before a
name ("UP gitlab.com HTTPS check back up ..."), or a label ("Public update: The vast majority ..."). Quoted as the
record, never reworded into a "when" clause."""
_AND_NEXT = re.compile(r",\s+and\s+|;\s+")
_REPORTED = re.compile(r"^(?:a|an|the) [\w -]{0,30}?\b(?:reported|said|noted|confirmed|posted|wrote)(?: that)?\s+", re.I)
"""Who told it ("a responder reported that ..."): what follows is what was told."""
_STILL_FAILING = re.compile(r"^\[?(?:FIRING|TRIGGERED|ALERT|ALARM|CRITICAL|DOWN)\b", re.I)
"""A record of an alert firing ("[FIRING:1] HighErrorRate web 500s 7.2%"): it tells the failure, never the act."""
_NO_SUBJECT = re.compile(r"^(?:[A-Za-z][a-z]+ed|[Bb]ack|[Nn]ow|[Ss]till|[Tt]hen|[Oo]nce)\b(?! (?:is|was|were|are)\b)")
"""A note's clause without its subject ("concluded Google was blocking …", "back to normal once …"): told as a "when"
clause it would have no one acting."""
_ARTICLE = re.compile(r"^(?:the|a|an)\s+[a-z]", re.I)
_CODE_LIKE = re.compile(r"^\S*[\[\]=_/$]|^\S+\[\d+\]:")


def spoken_duration(minutes: int) -> str:
    """'1 day, 18 hours and 32 minutes' (words a reader and the duration parser both take)."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((days, "day"), (hours, "hour"), (mins, "minute")) if n]
    if not parts:
        return "under a minute"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


_IMPACT_WORD = re.compile(
    r"\b(?:unavailable|down|outage|errors?|fail\w*|degrad\w*|slow\w*|latenc\w*|lost|could not|unable|impact\w*|"
    r"affected|disrupt\w*|broken|exposed|leak\w*|dropped|rejected|missing|issues?|problems?|delay\w*|throttl\w*|"
    r"overheat\w*|false positives?|(?:HTTP )?5\d\d|5xx|timeouts?|timed out)\b",
    re.I,
)
_PAID_BACK = re.compile(
    r"^\s*(?:revenue|costs?|finance|billing)\b[^:]{0,20}:|\b(?:credit(?:s|ed)?|refund(?:s|ed)?|compensat\w*)\b|"
    r"\b(?:is|was|are|were|came|comes|all|everything|every \w+) (?:back )?(?:up|online)\b|\b(?:restored|recovered)\b",
    re.I,
)
"""A money line ("Revenue: SLA credits expected", "every account credited with 50%") or a recovery ("every
instance is up"): what was paid back or restored after the impact, not the impact itself."""


def _label_free(text: str) -> str:
    """An impact claim without a status post's label ("Update (Aug 26, 14:05 PT): ...") or a monitor's state label
    before it ("PROBLEM: 214 hosts were unreachable" -> "214 hosts were unreachable"); "" when what follows a monitor's
    label is no sentence ("DOWN: www.example.org (timeout)")."""
    text = STATUS_POST.sub("", text.lstrip())  # "Update (Aug 26, 14:05 PT): All servers are running again, but ..."
    label = MONITOR_LABEL.match(text)
    if label is None:
        return text
    rest = text[label.end() :]
    return rest if has_verb(_BRACKETED.sub("", _first(rest))) else ""


def tells_impact(text: str, *, counted: bool) -> bool:
    """Whether an impact claim can stand as the summary's impact: it names a failure or a loss, or counts something.
    "A couple of the big orgs' autoscalers saw jobs waiting" does neither (the response to the impact, not the impact),
    and a sentence about it is left out rather than labelled "The impact was that ..."."""
    return counted or bool(_IMPACT_WORD.search(text))


_TITLE_SPAN = re.compile(
    r",?\s+(?:for|lasting|over)\s+(?:about|around|roughly|nearly|almost|over|more than|~)?\s*\d+(?:\.\d+)?\s*"
    r"(?:hours?|hrs?|minutes?|mins?|days?)\b",
    re.I,
)
"""How long a title says it lasted ("for about 19 hours"): a length the summary tells from its cited times."""


def draft_summary(a: Analysis, context: dict[str, Any]) -> dict[str, Any]:
    """A SummarySection as a dict (title + 2-3 sentences, with the evidence they rest on)."""
    timeline = context.get("timeline") if isinstance(context.get("timeline"), dict) else None
    impact = context.get("impact") if isinstance(context.get("impact"), dict) else None
    root = context.get("root_cause") if isinstance(context.get("root_cause"), dict) else None
    timeline = timeline or draft_timeline(a)
    impact = impact or draft_impact(a)
    root = root or draft_root_cause(a)
    parts: list[str] = []
    ids: list[str] = []

    # 3-5 composed sentences: what happened, impact with a magnitude, duration, cause, what was done
    title = _title(a, impact, root)
    start, end = _dt(timeline.get("started_at")), _dt(timeline.get("resolved_at"))
    happened, happened_ids = title, []
    numbers = re.findall(r"\d+", title)
    holders = {n: next((i.id for i in a.items if re.search(rf"(?<![\d.]){n}(?![\d.]\d)", i.text)), None) for n in numbers}
    grounded = list(dict.fromkeys(v for v in holders.values() if v))
    untimed = _TITLE_SPAN.sub("", title)
    if numbers and not all(holders.values()) and not re.search(r"\d", untimed) and stateable(untimed):
        # a title whose only numbers tell how long it lasted ("... unresponsive for about 19 hours after ..."): the
        # duration sentence tells that from the cited times, so the title says what happened without it
        happened = untimed
    elif numbers and not all(holders.values()):
        # a given title's numbers are not evidence: say what happened from a cited claim
        for claim in (root.get("trigger"), impact.get("functional_impact")):
            if _claim_text(claim) and stateable(_first(_claim_text(claim))):  # not in a speaker's voice ("We had ...")
                happened, happened_ids = _first(_claim_text(claim)), _claim_ids(claim)
                break
        else:
            happened = ""
    elif numbers:
        happened_ids = grounded
    if happened:
        parts.append(headline_sentence(shorten(happened.rstrip("."), PART_LIMIT)))
        ids += happened_ids
    users, functional = impact.get("users_affected"), impact.get("functional_impact")
    candidates = [(_claim_text(c), c) for c in (users, functional, impact.get("sla_impact"))]
    # a monitor's line ("PROBLEM: 214 hosts were unreachable in PAR6") is told without its state label, and only
    # when what it saw is a sentence ("DOWN: www.example.org (timeout)" is not)
    candidates = [(_label_free(t), c) for t, c in candidates]
    # a claim that reads as a chat line or a tool's record ("we're down", "[TRIGGERED] …") is no summary sentence
    candidates = [(t, c) for t, c in candidates if not _PAID_BACK.search(_first(t)) and stateable(_first(t))]
    # a claim that counts something ("35,000 payloads dropped"), not one with a digit in a name ("vault-meta-1")
    counted = next(((t, c) for t, c in candidates if t and quantity(_first(t))), None)
    # else the first claim that names a failure or a loss (the users' line may tell only who reacted how)
    told_one = next(((t, c) for t, c in candidates if t and tells_impact(_first(t), counted=False)), None)
    what, source = counted or told_one or next(((t, c) for t, c in candidates if t), ("", None))
    if len(re.findall(r"[A-Za-z]{2,}", _first(what))) < 3:
        what = ""  # "2", "(Baseline Requirements)": no impact a sentence can tell
    spare, spare_ids = "", []
    if what:
        told = capitalise_sentences(past_tense(shorten(_first(what), PART_LIMIT)))
        if not _IMPACT_WORD.search(told):  # say that this is the impact ("The impact was that nodes disagreed …")
            clause = told.rstrip(".") if has_verb(told) else as_clause(told.rstrip("."))
            told = _as_cited(clause or told, _claim_ids(source), a)
            told = f"The impact was that {told}" if clause else f"The impact included {told}"
        magnitude, log_ids = ("", []) if counted else log_magnitude(a, start, end)
        told = sentence(f"{told.rstrip('.')}; {lowered(magnitude)}" if magnitude else told)
        if tells_impact(_first(what), counted=counted is not None):
            parts.append(told)
            ids += _claim_ids(source) + log_ids
        else:  # told only where the summary would otherwise be under three sentences
            spare, spare_ids = told, _claim_ids(source) + log_ids
    bounds = (_ids_at(timeline, start, timed=True), _ids_at(timeline, end, timed=True)) if start and end else ([], [])
    if start and end and end >= start and all(bounds):
        # the duration is stated only when both of its times are cited, and it is computed from them
        minutes = span_minutes(start, end)
        fmt_end = "%H:%M" if start.date() == end.date() else "%Y-%m-%d %H:%M"
        parts.append(
            f"The impact lasted {spoken_duration(minutes)}, from {start:%Y-%m-%d %H:%M} to {end.strftime(fmt_end)} UTC."
        )
        ids += bounds[0] + bounds[1]
    elif start and (began_ids := _ids_at(timeline, start, timed=True)):
        # no cited end: the start alone is still a fact the summary can tell
        parts.append(f"The impact began at {start:%Y-%m-%d %H:%M} UTC.")
        ids += began_ids
    # what the materials hold, not the timeline given as context (a digest keeps only its entries at milestones)
    elif not a.has_timestamps:
        parts.append("The materials contain no timestamps, so the timeline and duration could not be established.")
    elif all(item.date_only for item, _ in a.timed):
        parts.append("The materials give days but no times of day, so the duration could not be established.")
    cause = _claim_text(root.get("primary_root_cause"))
    trigger = _claim_text(root.get("trigger"))
    cause_ids = _claim_ids(root.get("primary_root_cause"))
    mitigated = _dt(timeline.get("mitigated_at"))
    done = _entry_text(timeline, mitigated, a.milestones.mitigated.id if a.milestones.mitigated else None)
    told_cause = _cause_sentence(shorten(cause, 2 * PART_LIMIT), cause_ids, a) if cause else ""
    if told_cause:
        parts.append(sentence(told_cause))
        ids += _claim_ids(root.get("primary_root_cause"))
    short = not told_cause and len(parts) + bool(done) < 3
    began = _WHEN_LABEL.sub("", _first(trigger)) if trigger else ""
    if began and (not cause or short) and stateable(began):
        # the trigger where no cause is stated, or where the summary needs a third sentence (a cause no sentence can
        # tell is left out, not replaced)
        clause = began if has_verb(began) else as_clause(shorten(began, PART_LIMIT).rstrip("."))
        parts.append(sentence(f"The incident followed {lowered(began)}" if clause is None else f"It began when {lowered(clause)}"))
        ids += _claim_ids(root.get("trigger"))
    if done:
        parts.append(sentence(_done_sentence(shorten(_first(done[0]), PART_LIMIT), mitigated, done[1], a)))
        ids += done[1]
    if spare and len(parts) < 3:
        parts.insert(min(1, len(parts)), spare)
        ids += spare_ids
    detected = a.milestones.detected
    if len(parts) < 3 and detected is not None and detected.at is not None and not detected.date_only and parts != [NOT_STATED]:
        # still under three sentences: when the responders learnt of it is a fact of what happened
        same = start is not None and minute_of(start) == minute_of(detected.at)
        parts.insert(min(2, len(parts)), "It was detected as it began." if same else f"It was detected at {detected.at:%Y-%m-%d %H:%M} UTC.")
        ids.append(detected.id)
    if len(parts) < 3 and start is None and a.has_timestamps and not all(item.date_only for item, _ in a.timed):
        # timed materials with no time the impact began at (a write-up's chat, days after): the summary says so
        parts.insert(min(1, len(parts)), "The materials do not say when the impact began.")
    if not parts:
        parts.append(NOT_STATED)
    return {
        "title": _title(a, impact, root),
        "summary": " ".join(parts),
        "evidence": list(dict.fromkeys(ids)),
    }
