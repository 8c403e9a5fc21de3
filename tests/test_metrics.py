"""Eval metrics on a hand-made case: the good draft passes everything, each metric names its failure,
test cases round-trip through metadata, the registry, similarity backends, and metamorphic checks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import pytest
from deepeval.metrics import BaseMetric

from pmstudio.evals.metrics import DETERMINISTIC, METRICS, make_test_case, metric_ids, selected_metrics
from pmstudio.evals.metrics.context import _CACHE, context_of
from pmstudio.evals.similarity import get_backend, similarity, tokens
from pmstudio.golden import GoldenCase, load_case
from pmstudio.ingest import bundle_from_materials
from pmstudio.schema import Bundle, Claim, ContributingFactor, PostMortem, TimelineEntry

DATA = Path(__file__).resolve().parent / "data" / "metrics"
CASE = DATA / "checkout-2024-03-05-cache-ttl.yaml"
PADDING = (
    "The quarterly offsite in Lisbon was well attended and the team enjoyed the seafood. "
    "Several people recommended a new book about medieval architecture and cathedral building."
)


@lru_cache(maxsize=1)
def _case_bundle() -> tuple[GoldenCase, Bundle]:
    case = load_case(CASE)
    bundle, _ = bundle_from_materials(list(case.materials), id=case.id, timezone=case.timezone)
    return case, bundle


def good() -> PostMortem:
    return PostMortem.model_validate_json((DATA / "good-draft.json").read_text(encoding="utf-8"))


def run(metric_id: str, pm: PostMortem) -> BaseMetric:
    case, bundle = _case_bundle()
    metric = METRICS[metric_id].build()  # type: ignore[attr-defined]
    asyncio.run(metric.a_measure(make_test_case(pm, case, bundle)))
    return metric


def test_registry_shape() -> None:
    assert len(DETERMINISTIC) >= 18
    for mid, cls in METRICS.items():
        assert cls.metric_id == mid  # type: ignore[attr-defined]
        assert isinstance(cls.metric_version, str) and cls.metric_version  # type: ignore[attr-defined]
        assert isinstance(cls.gate, bool) and isinstance(cls.judge, bool)  # type: ignore[attr-defined]
    gates = {m for m in metric_ids(judge=False) if METRICS[m].gate}  # type: ignore[attr-defined]
    assert {"section_completeness", "placeholder_leakage", "timestamp_grounding", "key_milestones", "chronology",
            "impact_quantified", "blameless", "secrets_leakage"} <= gates  # fmt: skip


def test_selected_metrics_without_judge_leaves_judges_out() -> None:
    ids = [m.metric_id for m in selected_metrics(None)]  # type: ignore[attr-defined]
    assert ids == metric_ids(judge=False)
    assert [m.metric_id for m in selected_metrics(["blameless", "timeline_f1"])] == ["timeline_f1", "blameless"]  # type: ignore[attr-defined]
    assert selected_metrics(["j1_root_cause"]) == []
    assert [m.metric_id for m in selected_metrics(["j1_root_cause"], judge="openai:gpt-5.2")] == ["j1_root_cause"]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        selected_metrics(["nope"])


@pytest.mark.parametrize("metric_id", metric_ids(judge=False))
def test_good_draft_passes_every_metric(metric_id: str) -> None:
    m = run(metric_id, good())
    assert m.is_successful(), f"{metric_id}: {m.score} {m.reason}"
    if m.score is None:  # a per-field precision metric does not apply to a field the draft leaves empty
        assert metric_id.startswith("fp_") and "not applicable" in (m.reason or "")
    else:
        assert 0.0 <= m.score <= 1.0
    assert m.reason and m.__name__


def test_context_round_trips_through_metadata() -> None:
    case, bundle = _case_bundle()
    tc = make_test_case(good(), case, bundle)
    assert tc.metadata is not None and set(tc.metadata) >= {"postmortem", "case", "evidence"}
    assert "## Timeline" in (tc.actual_output or "") and "Key events:" in (tc.expected_output or "")
    _CACHE.clear()
    ctx = context_of(tc)
    assert ctx.pm == good() and ctx.case.id == case.id and len(ctx.evidence) == len(bundle.evidence)


def test_reasons_name_what_failed() -> None:
    pm = good()
    assert pm.timeline is not None and pm.actions is not None and pm.impact is not None
    pm.timeline.detected_at = pm.timeline.detected_at + timedelta(minutes=10)  # type: ignore[operator]
    pm.actions.action_items[0].owner = "TBD"
    pm.impact.severity = "low"
    assert "detected_at" in (run("key_milestones", pm).reason or "")
    assert "no owner" in (run("action_item_gate", pm).reason or "")
    assert "expected high" in (run("severity_match", pm).reason or "")


def test_not_applicable_metrics_pass_with_no_score() -> None:
    case, bundle = _case_bundle()
    silent = case.model_copy(deep=True)
    silent.expected.action_items = None
    silent.expected.severity = None
    for mid in ("action_item_coverage", "severity_match"):
        m = METRICS[mid].build()  # type: ignore[attr-defined]
        asyncio.run(m.a_measure(make_test_case(good(), silent, bundle)))
        assert m.score is None and m.is_successful() and "not applicable" in (m.reason or "")


def test_similarity_backends() -> None:
    assert tokens("The alerts PAGED the on-call; we called Stefan") == ("~alert", "~alert", "oncal", "~escalate", "stefan")
    tfidf = get_backend("tfidf")
    assert similarity("Web server restarted", "web server was restarted", tfidf) > 0.9
    assert similarity("Web server restarted", "Quarterly budget review", tfidf) == 0.0
    fuzzy = get_backend("fuzzy")
    assert similarity("Config rollback deployed", "rollback of config deployed", fuzzy) > 0.9
    with pytest.raises(ValueError, match="unknown similarity backend"):
        get_backend("embeddings")


# --------------------------------------------------------------------------- metamorphic checks


def _weaker() -> PostMortem:
    """The good draft missing two key events, one factor and one action item (recall < 1)."""
    pm = good()
    assert pm.timeline is not None and pm.root_cause is not None and pm.actions is not None
    pm.timeline.entries = [e for e in pm.timeline.entries if e.at.minute not in (5, 12)]
    pm.root_cause.contributing_factors = pm.root_cause.contributing_factors[:2]
    pm.actions.action_items = [a for a in pm.actions.action_items if "CF3" not in a.factor_ids]
    return pm


def _padded(pm: PostMortem) -> PostMortem:
    out = pm.model_copy(deep=True)
    assert out.timeline is not None and out.root_cause is not None and out.actions is not None and out.summary
    for f in out.root_cause.contributing_factors:
        f.description += " " + PADDING
    out.root_cause.contributing_factors.append(ContributingFactor(id="CF9", title="Team offsite", description=PADDING))
    out.root_cause.primary_root_cause = Claim(text=out.root_cause.primary_root_cause.text + " " + PADDING)
    extra = [e.model_copy(update={"text": PADDING}) for e in out.timeline.entries]
    out.timeline.entries = sorted([*out.timeline.entries, *extra], key=lambda e: e.at)
    for a in out.actions.action_items:
        a.impact += " " + PADDING
    out.summary.summary += " " + PADDING
    return out


RECALL_TYPE = ("timeline_recall", "factor_recall", "action_item_coverage", "root_cause_similarity", "key_milestones")


@pytest.mark.parametrize("metric_id", RECALL_TYPE)
def test_padding_with_irrelevant_text_does_not_raise_recall(metric_id: str) -> None:
    base = run(metric_id, _weaker()).score
    padded = run(metric_id, _padded(_weaker())).score
    assert base is not None and padded is not None
    assert padded <= base + 1e-9, f"{metric_id}: {base} -> {padded}"
    if metric_id != "key_milestones":
        assert base < 1.0  # the weaker draft really is missing something


@pytest.mark.parametrize("name", ["detected_at", "mitigated_at", "resolved_at"])
def test_shifting_a_milestone_by_ten_minutes_breaks_milestone_accuracy(name: str) -> None:
    pm = good()
    assert pm.timeline is not None
    setattr(pm.timeline, name, getattr(pm.timeline, name) + timedelta(minutes=10))
    m = run("key_milestones", pm)
    assert not m.is_successful() and m.score is not None and m.score < 1.0
    assert name in (m.reason or "")


def test_shifting_an_entry_by_ten_minutes_breaks_grounding_and_recall() -> None:
    pm = good()
    assert pm.timeline is not None
    entry = pm.timeline.entries[5]  # 14:12 rollback started
    pm.timeline.entries[5] = entry.model_copy(update={"at": entry.at + timedelta(minutes=10, seconds=30)})
    assert not run("timestamp_grounding", pm).is_successful()
    assert (run("timeline_recall", pm).score or 0) < 1.0


def test_reordering_the_timeline_breaks_chronology() -> None:
    pm = good()
    assert pm.timeline is not None
    pm.timeline.entries = list(reversed(pm.timeline.entries))
    m = run("chronology", pm)
    assert not m.is_successful() and "before entry" in (m.reason or "")


def test_detection_after_resolution_breaks_chronology() -> None:
    pm = good()
    assert pm.timeline is not None
    late = TimelineEntry(at=pm.timeline.entries[-1].at + timedelta(minutes=5), phase="detection", text="Alert fired again.")
    pm.timeline.entries.append(late)
    assert "after resolution" in (run("chronology", pm).reason or "")


def test_readme_lists_every_metric() -> None:
    readme = (Path(__file__).resolve().parent.parent / "evals" / "README.md").read_text(encoding="utf-8")
    for mid, cls in METRICS.items():
        assert f"| `{mid}` |" in readme, mid
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{mid}` |"))
        assert ("| yes |" in row) == bool(cls.gate), mid  # type: ignore[attr-defined]


def test_field_precision_counts_misfiled_fields() -> None:
    pm = good()
    base = run("field_precision", pm)
    assert base.score is not None and base.score >= 0.9, base.reason
    assert pm.impact is not None and pm.timeline is not None
    pm.impact.revenue_impact = Claim(text="The trim regex backtracks on it.")
    pm.impact.sla_impact = Claim(text="Can we roll back?")
    misfiled = run("field_precision", pm)
    assert misfiled.score is not None and misfiled.score < base.score
    assert "revenue_impact" in (misfiled.reason or "") and "sla_impact" in (misfiled.reason or "")
    assert run("fp_revenue_impact", pm).score == 0.0
    pm.impact.revenue_impact = Claim(text="Not stated in the materials.")
    assert run("fp_revenue_impact", pm).score is None  # an empty field is not judged


@pytest.mark.parametrize(
    ("title", "ok"),
    [
        ("Re-introduce the CPU guard for regular expressions", True),  # a verb done again
        ("Reconfigure the resolver with two upstreams", True),
        ("Cover empty payloads in the contract tests", True),
        ("Ship the bug fix for the config parser", True),
        ("Compact the key-value store's database", True),
        ("Rest of the fleet stays on the old image", False),
        ("Follow-up on the disk alert", False),
    ],
)
def test_hygiene_reads_verbs_done_again_as_verb_first(title: str, ok: bool) -> None:
    from pmstudio.evals.metrics.actions import verb_first

    assert verb_first(title) is ok


def test_an_impact_sentence_never_makes_a_matching_title_miss() -> None:
    """Coverage takes the closer of the title and title + impact: a long impact adds words a golden title lacks,
    which lowered the similarity of a title that says what the golden item says."""
    pm = good()
    assert pm.actions is not None
    item = pm.actions.action_items[2]
    item.title = "Watch the hit ratio"  # golden: "Alert on drops in the cache hit ratio." (similarity 0.48)
    item.impact = ("Shortens the time responders need to notice that the read path of the storefront has started "
                   "to send every request straight through to the primary database cluster during a busy sale.")
    pm.actions.action_items = [item]
    assert run("action_item_coverage", pm).score == 1 / 3


@pytest.mark.parametrize(("day", "utc"), [((2024, 7, 9), (18, 2)), ((2024, 1, 9), (19, 2))])
def test_timestamp_grounding_reads_a_regional_zone_on_the_evidence_line_s_day(
    day: tuple[int, int, int], utc: tuple[int, int]
) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from pmstudio.evals.metrics.times import TimeIndex
    from pmstudio.schema import Evidence

    at = datetime(*day, 23, 30, tzinfo=UTC)
    said = Evidence(id="notes.md:3", material="notes.md", kind="notes", line=3, at=at, text="paged at 14:02 ET")
    index = TimeIndex([said], ZoneInfo("UTC"))
    assert index.at_ok(at.replace(hour=utc[0], minute=utc[1]))  # "14:02 ET" is EDT in July, EST in January
    assert not index.at_ok(at.replace(hour=14, minute=2))


def test_timestamp_grounding_reads_a_time_on_the_date_written_beside_it() -> None:
    """"Postmortem - Nov 04, 2019 - 16:33 PST - posted" in a draft about an October incident: 16:33 PST on 4 November
    is the status post's 00:33 UTC on the 5th, grounded; the bare clock read on the incident's day would not be."""
    from pmstudio.schema import Material

    case, _ = _case_bundle()
    bundle, _ = bundle_from_materials(
        [
            Material(name="alerts.log", kind="log", content=(
                "2019-10-25T20:10:00Z ERROR db cpu 100%\n2019-10-25T20:12:00Z ERROR imports fail\n"
                "2019-10-25T20:55:00Z INFO error rate back to baseline\n"
            )),
            Material(name="status.txt", kind="ticket", content="2019-11-05T00:33:00Z Postmortem posted.\n"),
        ],
        id=case.id,
        timezone="UTC",
    )
    pm = good()
    assert pm.summary is not None
    pm.summary.summary = "A status page update: Postmortem - Nov 04, 2019 - 16:33 PST - posted."
    metric = METRICS["timestamp_grounding"].build()  # type: ignore[attr-defined]
    asyncio.run(metric.a_measure(make_test_case(pm, case, bundle)))
    assert metric.details["total"] > 1
    assert not any("16:33 PST" in bad for bad in metric.details["ungrounded"])
