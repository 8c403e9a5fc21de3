"""Features of every timed evidence item as a candidate for each milestone (issue 11).

A candidate for a milestone is a timed item; its features are what the rules see (the `Signals` flags, its
source and phase, whether it is dated to the day only), where it sits in time (minutes from the first failure,
from the rules' detection and from the rules' pick for that milestone, before or after each of the rules'
milestones, its rank in the incident) and whether the rules picked it or an item at the same minute. A model over
these features may learn when to trust the rules (`bench/milestone_cv.py`, issue 11: it does not; nothing in the
drafter uses this).
"""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import datetime, timedelta
from typing import get_args

from pmstudio.offline.classify import Signals
from pmstudio.offline.items import Source
from pmstudio.offline.milestones import Milestones, Timed
from pmstudio.schema import PHASES

MILESTONES = ("started", "detected", "mitigated", "resolved")
"""The four milestones, as `Milestones` names them."""
SAME_MINUTE = timedelta(minutes=2)
"""Two items this close are one moment, as the evals match times (±2 min)."""
FLAGS = tuple(f.name for f in fields(Signals) if f.name not in ("phase", "score"))
SOURCES: tuple[str, ...] = get_args(Source)


def _symlog(minutes: float) -> float:
    return math.copysign(math.log1p(abs(minutes)), minutes)


def _minutes(a: datetime, b: datetime) -> float:
    return (a - b).total_seconds() / 60


def feature_names() -> list[str]:
    """The names of the columns `candidate_features` returns, in order."""
    names = [f"sig_{f}" for f in FLAGS] + ["sig_score"]
    names += [f"src_{s}" for s in SOURCES] + [f"phase_{p}" for p in PHASES] + ["phase_none", "date_only"]
    names += ["rule_pick", "rule_same_minute", "rule_none", "from_rule_pick", "first_at_minute"]
    for other in MILESTONES:
        names += [f"is_{other}", f"after_{other}", f"before_{other}"]
    names += ["from_first_failure", "from_detected", "rank", "is_first", "is_last"]
    return names


def candidate_features(timed: Timed, m: Milestones, name: str) -> list[list[float]]:
    """One row of features (`feature_names`) per item of `timed` (time-sorted) as a candidate for `name`."""
    n = len(timed)
    times = [p[0].at for p in timed]
    failures = [p[0].at for p in timed if p[1].failure and not p[1].hypothesis]
    first_failure = failures[0] if failures else (times[0] if times else None)
    picks = {k: getattr(m, k) for k in MILESTONES}
    pick = picks[name]
    detected = picks["detected"]
    rows: list[list[float]] = []
    previous: datetime | None = None
    for i, (item, sig) in enumerate(timed):
        at = item.at
        assert at is not None
        row = [float(min(getattr(sig, f), 2)) for f in FLAGS] + [sig.score]
        row += [float(item.source == s) for s in SOURCES]
        row += [float(sig.phase == p) for p in PHASES] + [float(sig.phase is None), float(item.date_only)]
        pick_at = pick.at if pick is not None else None
        row += [
            float(item is pick),
            float(pick_at is not None and abs(at - pick_at) <= SAME_MINUTE),
            float(pick is None),
            _symlog(_minutes(at, pick_at)) if pick_at is not None else 0.0,
            float(previous is None or at - previous > SAME_MINUTE),
        ]
        for other in MILESTONES:
            o = picks[other]
            o_at = o.at if o is not None else None
            row += [
                float(item is o),
                float(o_at is not None and at - o_at > SAME_MINUTE),
                float(o_at is not None and o_at - at > SAME_MINUTE),
            ]
        row += [
            _symlog(_minutes(at, first_failure)) if first_failure is not None else 0.0,
            _symlog(_minutes(at, detected.at)) if detected is not None and detected.at is not None else 0.0,
            i / max(n - 1, 1),
            float(i == 0),
            float(i == n - 1),
        ]
        rows.append(row)
        previous = at
    return rows
