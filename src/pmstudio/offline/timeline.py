"""The Timeline section: the 8-20 most informative timestamped events, by phase, and the milestones.

Candidates are classified items placed in time relative to the milestones (an error after
detection is investigation; chatter before impact is dropped unless it is a change or a step that
led up to it, such as a release published or a node pool rolled over; a guess or an
explanation in chat is no event, a finding is; an alert clearing is no event unless it is the resolution). Near-duplicate
reports of one event (a chat message, the page annotation and the log line of the same rollback)
are merged into one entry that cites them all, and so are machine lines (alerts, logs, pages) of one phase less
than a minute apart, however differently worded (two alerts firing at once are one detection). Milestone items and each phase's first event are
always kept; the rest is filled by score within per-phase quotas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, utils

from pmstudio.offline.analysis import Analysis
from pmstudio.offline.classify import FINDING, Signals
from pmstudio.offline.items import Item
from pmstudio.schema import PHASES, Phase

QUOTA: dict[str, int] = {
    "impact_start": 3,
    "detection": 3,
    "investigation": 5,
    "mitigation": 7,
    "resolution": 3,
    "communication": 4,
}
MAX_ENTRIES = 20
MIN_ENTRIES = 8
MERGE_WINDOW = timedelta(minutes=3)
MERGE_SIMILARITY = 60.0
SAME_MOMENT = timedelta(seconds=60)
"""Machine lines of one phase closer than this are one event (dev timeline precision 0.370 -> 0.376, recall 0.727 ->
0.733: crowdstrike, fastly, google-sonnet)."""
MACHINE = ("alert", "log", "pager")
MERGE_RECENT = 12
LATE_IMPACT = timedelta(minutes=10)
LATE_DETECTION = timedelta(minutes=5)
MAX_CITED = 5


@dataclass
class Cluster:
    phase: Phase
    rep: Item
    score: float
    text: str
    members: list[Item] = field(default_factory=list)
    mandatory: bool = False

    @property
    def at(self) -> datetime:
        assert self.rep.at is not None
        return self.rep.at


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


PRE_CHANGE = re.compile(
    r"\b(?:deploy(?:s|ed|ing)?|releas(?:e|es|ed)|publish(?:es|ed)|roll(?:s|ed|ing)? ?(?:out|over)|roll-over|rollout|"
    r"upgrad(?:e|es|ed|ing)|migrat(?:e|es|ed|ing)|enabl(?:e|es|ed|ing)|scal(?:ed|es|ing) (?:up |out )?(?:from|to)|"
    r"push(?:es|ed)|merg(?:es|ed)|commit(?:s|ted)?|rotat(?:ion|ed|es|ing)|introduc(?:es|ed|ing)|added|adds|"
    r"generally available|went live|goes live|change (?:is )?(?:in|now on|made|applied|deployed))\b",
    re.I,
)
"""A step before the impact that may have led to it (kept as an impact-start entry, never as chatter)."""


def _led_up(item: Item, sig: Signals) -> bool:
    """A step before the impact that may have led to it: a release published, a node pool rolled over."""
    if item.is_heading or item.is_title or item.is_meta or item.heading_tag in ("actions", "lessons"):
        return False
    if sig.hypothesis or sig.followup or sig.comm or item.source == "status":
        return False
    return bool(PRE_CHANGE.search(item.body))


def placed_phase(a: Analysis, item: Item, sig: Signals) -> Phase | None:
    """The item's phase given where it sits relative to the milestones."""
    m = a.milestones
    if item is m.started or item is m.trigger or item is m.earlier:
        return "impact_start"
    if item is m.detected or item is m.precursor:
        return "detection"
    if item is m.mitigated:
        return "mitigation"
    if item is m.resolved:
        return "resolution"
    phase = sig.phase
    if item.at is None:
        return None
    begin = m.precursor or m.started or m.detected  # the page on a precursor opens the timeline, as before impact
    if begin is not None and begin.at is not None and item.at < begin.at:
        if phase == "impact_start" and sig.change:
            return "impact_start"
        if m.earlier is not None and m.earlier.at is not None and item.at >= m.earlier.at and phase is not None:
            # the earlier occurrence the responders call the same failure: what led up to this one
            return None if sig.hypothesis or (item.source == "alert" and item.sub == "resolved") else "impact_start"
        return "impact_start" if _led_up(item, sig) else None
    if phase is None:
        return None
    if item.source == "alert" and item.sub == "resolved":
        return None  # an alert clearing is a passing state, not an event (unless it is the resolution itself)
    det = m.detected.at if m.detected else None
    if m.resolved is not None and m.resolved.at is not None and item.at > m.resolved.at:
        if phase == "mitigation":
            return "resolution"
        if phase in ("impact_start", "detection"):
            return "investigation"
    if phase == "impact_start" and det is not None and item.at > det and sig.change and not (sig.failure or sig.hypothesis):
        return "mitigation"  # a change shipped after detection ("besu 25.2.1 released") is part of the response
    if phase == "impact_start" and det is not None and item.at > det and (item.at > det + LATE_IMPACT or not sig.failure):
        return "investigation"
    if phase == "detection" and det is not None and item.at > det + LATE_DETECTION and not (sig.page or sig.ack):
        phase = "investigation"
    if phase == "investigation" and item.source == "chat" and (sig.hypothesis or (sig.causal and not FINDING.search(item.body))):
        return None
    if phase == "resolution" and m.mitigated is not None and m.mitigated.at and item.at < m.mitigated.at:
        return "investigation" if not sig.resolved else phase
    return phase


def _norm(item: Item) -> str:
    return item.body.lower()


def _clusters(a: Analysis) -> list[Cluster]:
    """Candidates merged with near-duplicates reported within a few minutes (one linear pass)."""
    m = a.milestones
    milestone_ids = {
        id(x) for x in (m.started, m.detected, m.mitigated, m.resolved, m.trigger, m.precursor, m.earlier) if x is not None
    }
    clusters: list[Cluster] = []
    open_by_phase: dict[str, list[Cluster]] = {}
    for item, sig in a.timed:
        phase = placed_phase(a, item, sig)
        if phase is None:
            continue
        assert item.at is not None
        norm = _norm(item)
        recent = [c for c in open_by_phase.get(phase, []) if item.at - c.at <= MERGE_WINDOW][-MERGE_RECENT:]
        open_by_phase[phase] = recent
        target = None
        for c in recent:
            same_moment = item.at - c.at < SAME_MOMENT and item.source in MACHINE and c.rep.source in MACHINE
            if same_moment or fuzz.token_set_ratio(norm, _norm(c.rep), processor=utils.default_process) >= MERGE_SIMILARITY:
                target = c
                break
        is_milestone = id(item) in milestone_ids
        if target is None:
            c = Cluster(phase=phase, rep=item, score=sig.score, text="", members=[item], mandatory=is_milestone)
            clusters.append(c)
            recent.append(c)
            continue
        target.members.append(item)
        target.score = max(target.score, sig.score) + 0.3
        if is_milestone and not target.mandatory:
            target.rep, target.mandatory = item, True
    return clusters


def _worded(a: Analysis, c: Cluster) -> bool:
    """Give the cluster its entry text: its representative's, else a cited member's; False if none is usable.

    A milestone keeps its item as representative (the entry time is the milestone time) even when
    another member supplies the wording.
    """
    if c.text:
        return True
    text = a.entry_text(c.rep)
    if not text:
        for m in c.members[:MAX_CITED]:
            if m is not c.rep and (text := a.entry_text(m)):
                if not c.mandatory:
                    c.rep = m
                break
    c.text = text
    return bool(text)


def select(a: Analysis) -> list[Cluster]:
    """The clusters that make the timeline, in time order."""
    clusters = _clusters(a)
    chosen: list[Cluster] = []
    seen: set[int] = set()
    counts = dict.fromkeys(PHASES, 0)

    def take(c: Cluster) -> None:
        if id(c) in seen or not _worded(a, c):
            return
        chosen.append(c)
        seen.add(id(c))
        counts[c.phase] += 1

    for c in clusters:
        if c.mandatory:
            take(c)
    if a.milestones.detected is not None and a.milestones.detected is a.milestones.started:
        counts["detection"] += 1  # the detection is in, as the first sign of the impact
    for phase in PHASES:
        for c in (c for c in clusters if c.phase == phase):
            if counts[phase]:
                break
            take(c)
    ranked = sorted((c for c in clusters if id(c) not in seen), key=lambda c: (-c.score, c.at, c.rep.order))
    for c in ranked:
        if len(chosen) >= MAX_ENTRIES:
            break
        if counts[c.phase] < QUOTA[c.phase]:
            take(c)
    if len(chosen) < MIN_ENTRIES:
        for c in ranked:
            if len(chosen) >= MIN_ENTRIES:
                break
            take(c)
    return sorted(chosen, key=lambda c: (c.at, c.rep.order))


def entry_ids(c: Cluster) -> list[str]:
    ids = [c.rep.id] + [m.id for m in c.members if m is not c.rep]
    return list(dict.fromkeys(ids))[:MAX_CITED]


def draft_timeline(a: Analysis) -> dict[str, Any]:
    """A TimelineSection as a dict (empty entries and null milestones when nothing is timestamped)."""
    m = a.milestones
    entries = [
        {"at": iso(c.at), "phase": c.phase, "text": c.text, "evidence": entry_ids(c)}
        | ({"date_only": True} if c.rep.date_only else {})
        for c in select(a)
    ]

    def t(item: Item | None) -> str | None:
        return iso(item.at) if item is not None and item.at is not None else None

    return {
        "entries": entries,
        "started_at": t(m.started),
        "detected_at": t(m.detected),
        "mitigated_at": t(m.mitigated),
        "resolved_at": t(m.resolved),
    }
