"""Timeline family: key-milestone accuracy (D6), key-event recall/precision/F1 (D7), chronology (D8).

D6: the draft's detection, mitigation and resolution times (its milestone fields, else the first
detection/mitigation entry and the last resolution entry) within ±2 min of the golden ones (same day
for a date-only fact). Impact start is reported, not scored.

D7: one-to-one matching (Hungarian, scipy `linear_sum_assignment`) of draft timeline entries to
golden key events. A pair is allowed when the times agree (±2 min, or the same day for a date-only
event) and the texts are similar (>= `TAU_EVENT` with the similarity backend, IDF from the
evidence; >= `TAU_EVENT_CROSS_PHASE` when the phases differ); among allowed pairs the assignment maximises similarity. Recall = matched / key events;
precision = matched / draft entries (key events are the must-haves, so precision is conservative);
F1 their harmonic mean.

D8: entries in non-decreasing time order, milestones in a possible order (start <= mitigation <=
resolution, detection <= resolution), and no impact-start/detection/mitigation entry after the
resolution time (+1 min).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

import numpy as np
from scipy.optimize import linear_sum_assignment

from pmstudio.evals.metrics.base import EvalMetric, Outcome, clip, listed
from pmstudio.evals.metrics.context import EvalContext
from pmstudio.evals.similarity import DEFAULT_BACKEND, get_backend, similarity_backend_id

TAU_EVENT = 0.1
"""Minimum text similarity (tfidf-cosine-v1) of a draft entry and a key event whose times already
agree. Set by reading every matched pair of the offline drafts of the golden set: pairs at 0.08-0.2
were right 13 times of 15, most true pairs score 0.3-0.9; the time window does most of the work."""
TAU_EVENT_CROSS_PHASE = 0.2
"""A pair whose phases differ needs more text in common (the offline drafts: 9 of 122 matched pairs
had different phases and similarity < 0.3; the 0.2 bar drops 3 right and 1 wrong pair of those)."""
_SCORED_MILESTONES = ("detected_at", "mitigated_at", "resolved_at")


# --------------------------------------------------------------------------- D6


def draft_milestone(ctx: EvalContext, name: str) -> datetime | None:
    """The draft's milestone: its field, else the entries of the matching phase."""
    tl = ctx.pm.timeline
    if tl is None:
        return None
    value: datetime | None = getattr(tl, name)
    if value is not None:
        return value
    by_phase = {"started_at": "impact_start", "detected_at": "detection", "mitigated_at": "mitigation", "resolved_at": "resolution"}
    times = sorted(e.at for e in tl.entries if e.phase == by_phase[name])
    if times:
        return times[-1] if name == "resolved_at" else times[0]
    if name == "mitigated_at":
        return draft_milestone(ctx, "resolved_at")
    return None


class KeyMilestones(EvalMetric):
    metric_id = "key_milestones"
    rubric_ref = "D6"
    title = "Key-milestone accuracy"
    definition = (
        "Share of the golden detection, mitigation and resolution times the draft gets within ±2 min (same day "
        "for date-only facts); impact start reported only."
    )
    gate = True
    default_threshold = 1.0

    def compute(self, ctx: EvalContext) -> Outcome:
        ex = ctx.case.expected
        ok, wrong, info = 0, [], {}
        scored = [n for n in _SCORED_MILESTONES if ex.milestone(n) is not None]
        for name in (*scored, "started_at"):
            want = ex.milestone(name)
            if want is None:
                continue
            got = draft_milestone(ctx, name)
            hit = ctx.same_time(got, want, date_only=ex.milestone_date_only(name))
            info[name] = {"expected": want.isoformat(), "draft": got.isoformat() if got else None, "match": hit}
            if name == "started_at":
                continue
            if hit:
                ok += 1
            else:
                wrong.append(f"{name} {got:%m-%d %H:%M}" if got else f"{name} missing")
                wrong[-1] += f" (expected {want:%m-%d %H:%M})"
        if not scored:
            return Outcome(score=None, reason="not applicable: no golden detection/mitigation/resolution time")
        start = info.get("started_at")
        tail = "" if start is None else f"; impact start {'matches' if start['match'] else 'differs'}"
        reason = f"{ok}/{len(scored)} milestones within ±2 min" + (f"; wrong: {listed(wrong)}" if wrong else "") + tail
        return Outcome(score=ok / len(scored), reason=reason, details=info)


# --------------------------------------------------------------------------- D7


@dataclass(frozen=True)
class EventMatch:
    pairs: list[tuple[int, int, float]]  # (entry index, key event index, similarity)
    n_entries: int
    n_events: int

    @property
    def recall(self) -> float:
        return len(self.pairs) / self.n_events if self.n_events else 0.0

    @property
    def precision(self) -> float:
        return len(self.pairs) / self.n_entries if self.n_entries else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def match_events(ctx: EvalContext, backend: str = DEFAULT_BACKEND, tau: float = TAU_EVENT) -> EventMatch:
    key = f"events:{backend}:{tau}"
    if key in ctx.memo:
        return ctx.memo[key]  # type: ignore[no-any-return]
    entries, events = ctx.entries, ctx.case.expected.key_events
    pairs: list[tuple[int, int, float]] = []
    if entries and events:
        sim = get_backend(backend, ctx.evidence_texts).matrix([e.text for e in entries], [k.what for k in events])
        phase = np.array([[e.phase == k.phase for k in events] for e in entries], dtype=bool)
        bar = np.where(phase, tau, max(tau, TAU_EVENT_CROSS_PHASE))
        allowed = np.array([[ctx.key_event_time_ok(e.at, k) for k in events] for e in entries]) & (sim >= bar)
        if allowed.any():
            cost = np.where(allowed, 1.0 - sim - 0.05 * phase, 10.0)
            rows, cols = linear_sum_assignment(cost)
            pairs = [(int(r), int(c), float(sim[r, c])) for r, c in zip(rows, cols, strict=True) if allowed[r, c]]
    result = EventMatch(pairs=pairs, n_entries=len(entries), n_events=len(events))
    ctx.memo[key] = result
    return result


class _TimelineMatchMetric(EvalMetric):
    rubric_ref = "D7"
    metric_version = f"1/{similarity_backend_id()}"
    backend_id = similarity_backend_id()
    score_field: ClassVar[str] = "recall"

    def compute(self, ctx: EvalContext) -> Outcome:
        events = ctx.case.expected.key_events
        m = match_events(ctx)
        if not events:
            return Outcome(score=None, reason="not applicable: no golden key events")
        matched = {k for _, k, _ in m.pairs}
        missed = [clip(events[k].what, 45) for k in range(len(events)) if k not in matched]
        score = float(getattr(m, self.score_field))
        reason = (
            f"{self.score_field} {score:.2f}: {len(m.pairs)} of {m.n_events} key events matched by {m.n_entries} entries"
            f" (±2 min, similarity >= {TAU_EVENT})"
        )
        if missed and self.score_field != "precision":
            reason += f"; missed: {listed(missed)}"
        if self.score_field != "recall" and m.n_entries > len(m.pairs):
            reason += f"; {m.n_entries - len(m.pairs)} entries match no key event"
        details = {"pairs": m.pairs, "recall": m.recall, "precision": m.precision, "f1": m.f1}
        return Outcome(score=score, reason=reason, details=details)


class TimelineRecall(_TimelineMatchMetric):
    metric_id = "timeline_recall"
    title = "Timeline key-event recall"
    definition = (
        "Golden key events matched one-to-one by a draft entry (time ±2 min and text similarity >= 0.1, >= 0.2 "
        "across phases)."
    )
    default_threshold = 0.8
    score_field = "recall"


class TimelinePrecision(_TimelineMatchMetric):
    metric_id = "timeline_precision"
    title = "Timeline key-event precision"
    definition = "Draft entries matched one-to-one to a golden key event (key events are must-haves, so conservative)."
    default_threshold = 0.5
    score_field = "precision"


class TimelineF1(_TimelineMatchMetric):
    metric_id = "timeline_f1"
    title = "Timeline key-event F1"
    definition = "Harmonic mean of timeline key-event recall and precision."
    default_threshold = 0.6
    score_field = "f1"


# --------------------------------------------------------------------------- D8


class Chronology(EvalMetric):
    metric_id = "chronology"
    rubric_ref = "D8"
    title = "Chronology"
    definition = (
        "Timeline entries in non-decreasing time order; milestones in a possible order; no impact-start, "
        "detection or mitigation entry after resolution. Score 1 - violations/checks; pass only with none."
    )
    gate = True
    default_threshold = 1.0

    def compute(self, ctx: EvalContext) -> Outcome:
        tl = ctx.pm.timeline
        if tl is None or not tl.entries:
            return Outcome(score=None, reason="not applicable: no timeline entries")
        problems: list[str] = []
        entries = tl.entries
        checks = max(0, len(entries) - 1)
        for i, (prev, cur) in enumerate(zip(entries, entries[1:], strict=False), 1):
            if cur.at < prev.at:
                problems.append(f"entry {i + 1} ({cur.at:%m-%d %H:%M}) is before entry {i} ({prev.at:%m-%d %H:%M})")
        slack = timedelta(minutes=1)
        ms = {n: getattr(tl, n) for n in ("started_at", "detected_at", "mitigated_at", "resolved_at")}
        for a, b in (("started_at", "resolved_at"), ("detected_at", "resolved_at"), ("mitigated_at", "resolved_at"), ("started_at", "mitigated_at")):
            if ms[a] is not None and ms[b] is not None:
                checks += 1
                if ms[a] > ms[b] + slack:
                    problems.append(f"{a} {ms[a]:%m-%d %H:%M} is after {b} {ms[b]:%m-%d %H:%M}")
        resolved = ms["resolved_at"]
        if resolved is not None:
            for i, e in enumerate(entries, 1):
                if e.phase in ("impact_start", "detection", "mitigation"):
                    checks += 1
                    if e.at > resolved + slack:
                        problems.append(f"{e.phase} entry {i} ({e.at:%m-%d %H:%M}) is after resolution")
        if checks == 0:
            return Outcome(score=1.0, reason="one entry, nothing to order")
        score = 1.0 - len(problems) / checks
        reason = "in order" if not problems else f"{len(problems)} ordering problem(s): {listed(problems)}"
        return Outcome(score=score, reason=reason, passed=not problems, details={"problems": problems, "checks": checks})
