"""Seeded defects: each deterministic metric detects its defect class in >= 95% of >= 20 generated
variants of the good draft. Detection means the metric fails (gates and thresholded metrics) or, for
continuous coverage metrics, scores below the clean draft."""

from __future__ import annotations

import asyncio
import random
import string
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import pytest

from pmstudio.evals.metrics import METRICS, make_test_case
from pmstudio.evals.metrics.fields import FIELD_JUDGES
from pmstudio.golden import GoldenCase, load_case
from pmstudio.ingest import bundle_from_materials
from pmstudio.lints.quantities import find_numbers
from pmstudio.schema import (
    NOT_STATED,
    ActionItem,
    Bundle,
    Claim,
    ContributingFactor,
    PostMortem,
    TimelineEntry,
)

DATA = Path(__file__).resolve().parent / "data" / "metrics"
VARIANTS = 24
Mutator = Callable[[PostMortem, random.Random], None]


@lru_cache(maxsize=1)
def _case_bundle() -> tuple[GoldenCase, Bundle]:
    case = load_case(DATA / "checkout-2024-03-05-cache-ttl.yaml")
    bundle, _ = bundle_from_materials(list(case.materials), id=case.id, timezone=case.timezone)
    return case, bundle


def good() -> PostMortem:
    return PostMortem.model_validate_json((DATA / "good-draft.json").read_text(encoding="utf-8"))


def measure(metric_id: str, pm: PostMortem) -> tuple[float | None, bool]:
    case, bundle = _case_bundle()
    m = METRICS[metric_id].build()  # type: ignore[attr-defined]
    asyncio.run(m.a_measure(make_test_case(pm, case, bundle)))
    return m.score, m.is_successful()


def _evidence_times() -> list[datetime]:
    _, bundle = _case_bundle()
    return [e.at for e in bundle.evidence if e.at is not None]


def _narrative_claim(pm: PostMortem, rng: random.Random) -> Claim:
    assert pm.impact is not None and pm.lessons is not None
    return rng.choice([pm.impact.users_affected, pm.impact.functional_impact, pm.lessons.went_poorly[0], pm.lessons.went_well[0]])


# --------------------------------------------------------------------------- mutators (one defect each)


def drop_part(pm: PostMortem, rng: random.Random) -> None:
    kind = rng.randrange(7)
    if kind == 0:
        pm.summary.summary = "Something went wrong with checkout."  # type: ignore[union-attr]
    elif kind == 1:
        pm.impact = None
    elif kind == 2:
        pm.timeline.entries = pm.timeline.entries[: rng.randint(0, 2)]  # type: ignore[union-attr]
    elif kind == 3:
        pm.root_cause.contributing_factors = pm.root_cause.contributing_factors[: rng.randint(0, 1)]  # type: ignore[union-attr]
    elif kind == 4:
        pm.actions.action_items = []  # type: ignore[union-attr]
    elif kind == 5:
        pm.lessons.went_well = rng.choice([[], [Claim(text=NOT_STATED)]])  # type: ignore[union-attr]
    else:
        pm.root_cause = None


PLACEHOLDERS = ["[TBD]", "[Owner]", "TODO", "{{service}}", "XX:XX", "??", "<insert impact here>", "lorem ipsum", "[Name]",
                "TBD", "[Incident Title]", "FIXME", "HH:MM", "[YYYY-MM-DD]"]  # fmt: skip


def add_placeholder(pm: PostMortem, rng: random.Random) -> None:
    c = _narrative_claim(pm, rng)
    c.text = f"{c.text} {rng.choice(PLACEHOLDERS)}"


def _ungrounded_time(rng: random.Random, base: datetime) -> datetime:
    times = _evidence_times()
    while True:
        at = base + timedelta(minutes=rng.choice([-1, 1]) * rng.randint(7, 50), seconds=rng.choice([0, 20, 40]))
        if all(abs(at - t) > timedelta(seconds=61) for t in times):
            return at


def hallucinate_time(pm: PostMortem, rng: random.Random) -> None:
    tl = pm.timeline
    assert tl is not None
    if rng.random() < 0.5:
        i = rng.randrange(len(tl.entries))
        tl.entries[i] = tl.entries[i].model_copy(update={"at": _ungrounded_time(rng, tl.entries[i].at)})
    else:
        at = _ungrounded_time(rng, tl.entries[0].at)
        c = _narrative_claim(pm, rng)
        c.text += f" A second spike followed at {at:%H:%M} UTC."


def hallucinate_number(pm: PostMortem, rng: random.Random) -> None:
    _, bundle = _case_bundle()
    have = {n.value for e in bundle.evidence for n in find_numbers(e.text)}
    value = rng.choice([v for v in range(1013, 9973, 37) if v not in have])
    target = rng.choice(["impact", "summary", "lessons"])
    if target == "impact":
        pm.impact.users_affected.text = f"About {value:,} orders failed."  # type: ignore[union-attr]
    elif target == "summary":
        pm.summary.summary += f" Roughly {value:,} customers saw errors."  # type: ignore[union-attr]
    else:
        pm.lessons.went_poorly.append(Claim(text=f"{value} retries piled up in the queue."))  # type: ignore[union-attr]


def shift_milestone(pm: PostMortem, rng: random.Random) -> None:
    tl = pm.timeline
    assert tl is not None
    name = rng.choice(["detected_at", "mitigated_at", "resolved_at"])
    setattr(tl, name, getattr(tl, name) + timedelta(minutes=rng.choice([-1, 1]) * rng.randint(3, 90)))


def drop_key_event_entry(pm: PostMortem, rng: random.Random) -> None:
    tl = pm.timeline
    assert tl is not None
    tl.entries.pop(rng.randrange(1, len(tl.entries)))  # entry 0 (13:58) is not a key event


NOISE = ["lee: anyone else seeing the dashboard flicker?", "lee: not my vpn then", "payments provider status page is green",
         "lee: want me to scale the db?", "support says customers are retrying orders", "omar: I'll write up notes"]  # fmt: skip


def add_noise_entries(pm: PostMortem, rng: random.Random) -> None:
    tl = pm.timeline
    assert tl is not None
    minutes = {"lee: anyone else seeing the dashboard flicker?": 13 * 60 + 59, "lee: not my vpn then": 14 * 60 + 4,
               "payments provider status page is green": 14 * 60 + 8, "lee: want me to scale the db?": 14 * 60 + 10,
               "support says customers are retrying orders": 14 * 60 + 25, "omar: I'll write up notes": 14 * 60 + 47}  # fmt: skip
    day = tl.entries[0].at.replace(hour=0, minute=0)
    for text in rng.sample(NOISE, rng.randint(2, 5)):
        tl.entries.append(TimelineEntry(at=day + timedelta(minutes=minutes[text]), phase="investigation", text=text))
    tl.entries.sort(key=lambda e: e.at)


def disorder(pm: PostMortem, rng: random.Random) -> None:
    tl = pm.timeline
    assert tl is not None
    if rng.random() < 0.7:
        i, j = sorted(rng.sample(range(len(tl.entries)), 2))
        tl.entries[i], tl.entries[j] = tl.entries[j], tl.entries[i]
    else:
        i = rng.choice([i for i, e in enumerate(tl.entries) if e.phase in ("detection", "mitigation", "impact_start")])
        assert tl.resolved_at is not None
        tl.entries.append(tl.entries[i].model_copy(update={"at": tl.resolved_at + timedelta(minutes=rng.randint(5, 60))}))


def unquantify_impact(pm: PostMortem, rng: random.Random) -> None:
    im = pm.impact
    assert im is not None
    if rng.random() < 0.5:
        im.users_affected = Claim(text=rng.choice(["Some customers were affected.", "Checkout was degraded for many users."]))
        im.severity_rationale = "Checkout was failing."
    else:
        im.duration_minutes = None
        im.duration_of_impact = Claim(text=NOT_STATED)


def wrong_duration(pm: PostMortem, rng: random.Random) -> None:
    assert pm.impact is not None
    pm.impact.duration_minutes = max(0, 45 + rng.choice([-1, 1]) * rng.randint(11, 300))


def wrong_severity(pm: PostMortem, rng: random.Random) -> None:
    assert pm.impact is not None
    pm.impact.severity = rng.choice(["critical", "medium", "low"])


def drop_factor(pm: PostMortem, rng: random.Random) -> None:
    rc = pm.root_cause
    assert rc is not None
    rc.contributing_factors.pop(rng.randrange(len(rc.contributing_factors)))


IRRELEVANT = ["The office coffee machine was broken that week.", "A marketing email campaign launched on Monday.",
              "The team celebrated a birthday in the afternoon.", "Quarterly planning slides were late.",
              "Someone renamed the wiki space for the design guild.", "The parking garage closed early for cleaning."]  # fmt: skip


def add_irrelevant_factor(pm: PostMortem, rng: random.Random) -> None:
    rc = pm.root_cause
    assert rc is not None
    for k, text in enumerate(rng.sample(IRRELEVANT, rng.randint(2, 4))):
        rc.contributing_factors.append(ContributingFactor(id=f"CF{9 + k}", title=text.split()[1].title(), description=text))


WRONG_CAUSES = ["An expired TLS certificate on the payments gateway broke outbound calls.",
                "A BGP route leak from an upstream provider black-holed traffic to the region.",
                "A disk on the logging host filled up and the collector stopped.",
                "A memory leak in the search indexer exhausted its container limits."]  # fmt: skip


def wrong_root_cause(pm: PostMortem, rng: random.Random) -> None:
    rc = pm.root_cause
    assert rc is not None
    rc.trigger = Claim(text=rng.choice(WRONG_CAUSES))
    rc.primary_root_cause = Claim(text=rng.choice(WRONG_CAUSES))


def break_action_item(pm: PostMortem, rng: random.Random) -> None:
    acts = pm.actions
    assert acts is not None
    item = rng.choice(acts.action_items)
    kind = rng.randrange(6)
    if kind == 0:
        item.owner = rng.choice(["TBD", "", "[Owner]", "unassigned"])
    elif kind == 1:
        item.due, item.priority = None, None
    elif kind == 2:
        item.title = rng.choice(["Database headroom for checkout", "Monitoring of the cache", "The config pipeline validation"])
    elif kind == 3:
        item.title = rng.choice(["Improve monitoring", "Look into the cache settings", "Ensure this never happens again"])
    elif kind == 4:
        item.factor_ids = rng.choice([[], ["CF7"]])
    else:
        item.title = rng.choice(["Remind engineers to be more careful with config pushes", "Retrain the team not to push bad configs"])


def break_action_gate(pm: PostMortem, rng: random.Random) -> None:
    acts = pm.actions
    assert acts is not None
    kind = rng.randrange(4)
    item = rng.choice(acts.action_items)
    if kind == 0:
        item.owner = rng.choice(["TBD", "", "nobody"])
    elif kind == 1:
        item.factor_ids = rng.choice([[], ["CF8"]])
    elif kind == 2:
        for a in acts.action_items:
            a.kind = rng.choice(["mitigate", "detect", "repair"])
    else:
        acts.action_items.append(
            ActionItem(title="Remind engineers to be more careful", owner="Checkout team", priority="P2", horizon="immediate",
                       kind="prevent", impact="Fewer mistakes.", factor_ids=["CF1"])  # fmt: skip
        )


def drop_action_item(pm: PostMortem, rng: random.Random) -> None:
    acts = pm.actions
    assert acts is not None
    acts.action_items.pop(rng.randrange(len(acts.action_items)))


BLAME = ["{name} broke checkout by pushing a bad config.", "The outage was caused by human error.",
         "{name} should have checked the TTL value before pushing.", "{name} forgot to validate the config.",
         "The on-call engineer failed to notice the cache hit ratio.", "{name}'s careless push caused the errors.",
         "This was an operator error during the deploy.", "{name} ignored the warning in the deploy log."]  # fmt: skip


def add_blame(pm: PostMortem, rng: random.Random) -> None:
    name = rng.choice(["Sam", "Dana", "Omar", "Lee"])
    sentence = rng.choice(BLAME).format(name=name)
    target = rng.randrange(3)
    if target == 0:
        pm.summary.summary += " " + sentence  # type: ignore[union-attr]
    elif target == 1:
        pm.root_cause.primary_root_cause.text += " " + sentence  # type: ignore[union-attr]
    else:
        tl = pm.timeline
        assert tl is not None
        i = rng.randrange(len(tl.entries))
        tl.entries[i] = tl.entries[i].model_copy(update={"text": tl.entries[i].text + " " + sentence})


def _rand(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def add_secret(pm: PostMortem, rng: random.Random) -> None:
    secret = rng.choice([
        lambda: "ghp_" + _rand(rng, 36),
        lambda: "AKIA" + _rand(rng, 16, string.ascii_uppercase + string.digits),
        lambda: f"{_rand(rng, 6, string.ascii_lowercase)}@example-shop.com",
        lambda: f"+1 415 555 {rng.randint(1000, 9999)}",
        lambda: "xoxb-" + _rand(rng, 12, string.digits) + "-" + _rand(rng, 24),
        lambda: "password=" + _rand(rng, 14),
    ])()  # fmt: skip
    c = _narrative_claim(pm, rng)
    c.text += f" The customer contact was {secret}." if "@" in secret or "+" in secret else f" The rollback used {secret}."


_CHATTY_LINES = (
    "Who thought that retry loop was a good idea?",
    "I think it is the cache again",
    "lol the dashboards are all red",
    "we should probably roll back?",
    "you could see it in the graphs",
)
# right-class values for the impact fields the good draft leaves empty, so their precision can be judged
_RIGHT_CLAIMS = {
    "geographic_scope": "Every region that serves checkout was affected.",
    "revenue_impact": "About $4,000 of orders were refunded.",
    "sla_impact": "Monthly checkout availability fell to 99.8%.",
    "customer_communications": "A status page notice was posted at 14:10 UTC.",
    "reputation_impact": "Customers complained publicly on social media.",
}


def good_filled() -> PostMortem:
    pm = good()
    assert pm.impact is not None
    for name, text in _RIGHT_CLAIMS.items():
        setattr(pm.impact, name, Claim(text=text))
    return pm


def misfile(field: str) -> Mutator:
    """A field filled with what does not belong there: a chat line, a shifted time, a wrong duration."""

    def mutate(pm: PostMortem, rng: random.Random) -> None:
        assert pm.impact is not None and pm.timeline is not None and pm.root_cause is not None
        if field in ("started_at", "detected_at", "mitigated_at", "resolved_at"):
            got = getattr(pm.timeline, field)
            setattr(pm.timeline, field, got + timedelta(minutes=rng.choice([-1, 1]) * rng.randint(10, 180)))
        elif field == "duration_minutes":
            pm.impact.duration_minutes = (pm.impact.duration_minutes or 45) * rng.randint(2, 9)
        elif field == "trigger":
            pm.root_cause.trigger = Claim(text=rng.choice(_CHATTY_LINES))
        else:
            setattr(pm.impact, field, Claim(text=rng.choice(_CHATTY_LINES)))

    return mutate


def _misfile_any(pm: PostMortem, rng: random.Random) -> None:
    misfile(rng.choice(sorted(FIELD_JUDGES)))(pm, rng)


# metric -> (mutator, how detection is judged: "fail" = not successful, "lower" = below the clean score)
CASES: dict[str, tuple[Mutator, str]] = {
    "section_completeness": (drop_part, "fail"),
    "placeholder_leakage": (add_placeholder, "fail"),
    "timestamp_grounding": (hallucinate_time, "fail"),
    "numeric_grounding": (hallucinate_number, "fail"),
    "key_milestones": (shift_milestone, "fail"),
    "timeline_recall": (drop_key_event_entry, "lower"),
    "timeline_precision": (add_noise_entries, "lower"),
    "timeline_f1": (drop_key_event_entry, "lower"),
    "chronology": (disorder, "fail"),
    "impact_quantified": (unquantify_impact, "fail"),
    "duration_error": (wrong_duration, "fail"),
    "severity_match": (wrong_severity, "fail"),
    "factor_recall": (drop_factor, "lower"),
    "factor_precision": (add_irrelevant_factor, "lower"),
    "root_cause_similarity": (wrong_root_cause, "fail"),
    "action_item_hygiene": (break_action_item, "lower"),
    "action_item_gate": (break_action_gate, "fail"),
    "action_item_coverage": (drop_action_item, "lower"),
    "blameless": (add_blame, "fail"),
    "secrets_leakage": (add_secret, "fail"),
    "field_precision": (_misfile_any, "lower"),
    **{f"fp_{name}": (misfile(name), "fail") for name in FIELD_JUDGES},
}
# metrics judged on good_filled(): the good draft leaves some of their fields empty (N/A)
FILLED_BASE = {"field_precision", *(f"fp_{name}" for name in FIELD_JUDGES)}


def test_every_deterministic_metric_has_a_seeded_defect() -> None:
    assert set(CASES) == {k for k, m in METRICS.items() if not getattr(m, "judge", False)}


@pytest.mark.parametrize("metric_id", sorted(CASES))
def test_seeded_defects_are_detected(metric_id: str) -> None:
    mutate, mode = CASES[metric_id]
    base = good_filled if metric_id in FILLED_BASE else good
    clean_score, clean_ok = measure(metric_id, base())
    assert clean_ok and clean_score is not None
    rng = random.Random(f"seed-{metric_id}")
    missed = []
    for i in range(VARIANTS):
        pm = base()
        mutate(pm, rng)
        score, ok = measure(metric_id, pm)
        detected = (not ok) if mode == "fail" else (score is not None and score < clean_score - 1e-9)
        if not detected:
            missed.append(f"variant {i}: score={score}")
    rate = 1 - len(missed) / VARIANTS
    assert rate >= 0.95, f"{metric_id}: detected {rate:.0%}; missed {missed[:3]}"
