"""Field precision (issue 11): of the fields a draft fills, the share that are right.

Recall-style metrics reward filling every field; this one punishes misfiling. A field counts as
*filled* when it holds a value (a time, a duration, or a claim other than "Not stated in the
materials."). A filled field is *right* when:

- a milestone time (`started_at`, `detected_at`, `mitigated_at`, `resolved_at` of the timeline
  section) is within ±2 min of the golden one (same day for a date-only fact); it is not judged when
  the golden case has no value for it;
- the impact's `duration_minutes` is within max(5 min, 10%) of the golden duration (not judged
  without one);
- an impact claim is of its field's class (below) and is not a question or a chat line: revenue needs
  money, SLA needs SLA/SLO/availability words or a percentage, scope needs a place or extent, users a
  count or the people affected, duration a duration, communications a channel, reputation a public
  reaction; functional impact needs a statement of what failed;
- the trigger is similar (>= `TAU_TRIGGER`) to the golden trigger or root cause.

`field_precision` scores a draft as right / filled over every judged field; `fp_<field>` scores one
field (1 or 0, None when the draft leaves it empty or it cannot be judged), so its mean over a set is
that field's precision. The class patterns belong to this rubric, not to the drafter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from pmstudio.evals.metrics.base import EvalMetric, Outcome, listed
from pmstudio.evals.metrics.context import EvalContext
from pmstudio.evals.similarity import get_backend, similarity_backend_id
from pmstudio.lints.completeness import has_magnitude
from pmstudio.lints.quantities import find_durations
from pmstudio.schema import NOT_STATED

TAU_TRIGGER = 0.12
"""Minimum similarity (tfidf-cosine-v1, IDF from the evidence) of the draft trigger to the golden
trigger or root cause for the trigger field to count as right."""
MILESTONE_FIELDS = ("started_at", "detected_at", "mitigated_at", "resolved_at")

_I = re.IGNORECASE
_CHATTY = re.compile(r"\?\s*$|^\s*(?:i|we|you)\b|\b(?:lol|lmao|wtf|great job|thanks for nothing|love that)\b", _I)
_CLASSES: dict[str, re.Pattern[str]] = {
    "users_affected": re.compile(
        r"\b(?:users?|customers?|accounts?|visitors?|people|clients?|tenants?|sites?|requests?|queries|traffic|"
        r"orders?|merchants?|developers?|crates?|builds?|repositories|nodes?|servers?|services?|sessions?)\b",
        _I,
    ),
    "geographic_scope": re.compile(
        r"\b(?:regions?|global(?:ly)?|worldwide|world|zones?|data ?cent(?:er|re)s?|locations?|pops?|countr(?:y|ies)|"
        r"continents?|cit(?:y|ies)|sites?|cells?|clusters?|availability zone|[a-z]{2}-[a-z]+-\d|all|every|"
        r"north america|europe|asia|americas?|eu|us|emea|apac)\b",
        _I,
    ),
    "revenue_impact": re.compile(
        r"[$€£¥]|\b(?:usd|eur|gbp|revenue|loss(?:es)?|lost|refunds?|credits?|sales|billing|invoices?|paid|payments?|"
        r"cost|costs|dollars?|million|money)\b",
        _I,
    ),
    "sla_impact": re.compile(
        r"\b(?:sla|slas|slo|slos|sli|availability|uptime|error budget|service level|credits?|breach(?:ed)?)\b|\d%", _I
    ),
    "customer_communications": re.compile(
        r"\b(?:status ?page|status|tweets?|twitter|e-?mails?|notices?|notif\w*|announc\w*|updates?|posted|published|"
        r"support|tickets?|blog|incident report|customers were told|communicat\w*|message)\b",
        _I,
    ),
    "reputation_impact": re.compile(
        r"\b(?:press|media|news|trust|social|twitter|public(?:ly)?|reputation\w*|complain\w*|coverage|headlines?|"
        r"confidence|brand|stock|shares?)\b",
        _I,
    ),
}


def _filled(text: str) -> bool:
    t = text.strip()
    return bool(t) and t != NOT_STATED and not t.startswith("Not stated")


def _claim_ok(name: str, text: str) -> bool:
    if _CHATTY.search(text):
        return False
    if name == "duration_of_impact":
        return bool(find_durations(text)) or bool(re.search(r"\d{1,2}:\d{2}", text))
    if name == "functional_impact":
        return len(text.split()) >= 4
    if name == "users_affected":
        return has_magnitude(text) or bool(_CLASSES[name].search(text))
    pattern = _CLASSES.get(name)
    return bool(pattern.search(text)) if pattern is not None else True


def _milestone(name: str) -> Callable[[EvalContext], bool | None]:
    def judge(ctx: EvalContext) -> bool | None:
        tl = ctx.pm.timeline
        got = getattr(tl, name) if tl is not None else None
        want = ctx.case.expected.milestone(name)
        if got is None or want is None:
            return None
        return ctx.same_time(got, want, date_only=ctx.case.expected.milestone_date_only(name))

    return judge


def _duration(ctx: EvalContext) -> bool | None:
    im = ctx.pm.impact
    ex = ctx.case.expected
    if im is None or im.duration_minutes is None:
        return None
    want = ex.duration_minutes
    if want is None and ex.started_at is not None and ex.resolved_at is not None:
        want = round((ex.resolved_at - ex.started_at).total_seconds() / 60)
    if want is None:
        return None
    return abs(im.duration_minutes - want) <= max(5.0, 0.1 * want)


def _claim(name: str) -> Callable[[EvalContext], bool | None]:
    def judge(ctx: EvalContext) -> bool | None:
        im = ctx.pm.impact
        if im is None:
            return None
        text = getattr(im, name).text
        return _claim_ok(name, text) if _filled(text) else None

    return judge


def _trigger(ctx: EvalContext) -> bool | None:
    rc = ctx.pm.root_cause
    ex = ctx.case.expected
    if rc is None or not _filled(rc.trigger.text):
        return None
    refs = [t for t in (ex.trigger, ex.root_cause) if t]
    if not refs:
        return None
    if _CHATTY.search(rc.trigger.text):
        return False
    sim = get_backend(None, ctx.evidence_texts).matrix([rc.trigger.text], refs)
    return bool(sim.max() >= TAU_TRIGGER)


FIELD_JUDGES: dict[str, Callable[[EvalContext], bool | None]] = {
    **{name: _milestone(name) for name in MILESTONE_FIELDS},
    "duration_minutes": _duration,
    **{
        name: _claim(name)
        for name in (
            "users_affected", "duration_of_impact", "geographic_scope", "functional_impact", "revenue_impact",
            "sla_impact", "customer_communications", "reputation_impact",
        )
    },  # fmt: skip
    "trigger": _trigger,
}
"""Every judged field and its judge (None: empty or not judgeable)."""


def field_verdicts(ctx: EvalContext) -> dict[str, bool]:
    """The judged fields of the draft and whether each is right."""
    key = "field_verdicts"
    if key not in ctx.memo:
        ctx.memo[key] = {n: v for n, j in FIELD_JUDGES.items() if (v := j(ctx)) is not None}
    return ctx.memo[key]  # type: ignore[no-any-return]


class FieldPrecision(EvalMetric):
    metric_id = "field_precision"
    metric_version = f"1/{similarity_backend_id()}"
    backend_id = similarity_backend_id()
    rubric_ref = "issue 11"
    title = "Field precision"
    definition = "Filled fields (milestones, duration, impact claims, trigger) that are right / filled fields."
    default_threshold = 0.9

    def compute(self, ctx: EvalContext) -> Outcome:
        verdicts = field_verdicts(ctx)
        if not verdicts:
            return Outcome(score=None, reason="not applicable: no judged field filled")
        wrong = [n for n, ok in verdicts.items() if not ok]
        right = len(verdicts) - len(wrong)
        reason = f"{right}/{len(verdicts)} filled fields right" + (f"; wrong: {listed(wrong, 5)}" if wrong else "")
        return Outcome(score=right / len(verdicts), reason=reason, details={"verdicts": verdicts})


class _OneField(EvalMetric):
    field_name: ClassVar[str]
    metric_version = f"1/{similarity_backend_id()}"
    rubric_ref = "issue 11"
    default_threshold = 1.0

    def compute(self, ctx: EvalContext) -> Outcome:
        verdict = field_verdicts(ctx).get(self.field_name)
        if verdict is None:
            return Outcome(score=None, reason=f"not applicable: {self.field_name} empty or not judgeable")
        return Outcome(score=float(verdict), reason=f"{self.field_name} {'right' if verdict else 'wrong'}")


def _one_field(name: str) -> type[EvalMetric]:
    return type(
        f"FieldPrecision_{name}",
        (_OneField,),
        {
            "field_name": name,
            "metric_id": f"fp_{name}",
            "title": f"Field precision: {name}",
            "definition": f"1 when the filled {name} is right, 0 when wrong; N/A when empty (mean = precision).",
        },
    )


PER_FIELD: tuple[type[EvalMetric], ...] = tuple(_one_field(n) for n in FIELD_JUDGES)
