"""Grounding lints (G1-G3): times, numbers and evidence ids of a draft against its evidence."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pmstudio.lints import lint_markdown, lint_postmortem
from pmstudio.lints.grounding import EvidenceIndex
from pmstudio.lints.quantities import find_durations, find_numbers, find_times
from pmstudio.render import render_markdown
from pmstudio.schema import Evidence, Finding, PostMortem

DATA = Path(__file__).parent / "data" / "lints"


def load(name: str = "checkout-pool-2024-05-01") -> tuple[PostMortem, list[Evidence]]:
    raw = json.loads((DATA / f"{name}.json").read_text())
    return PostMortem.model_validate(raw["postmortem"]), [Evidence.model_validate(e) for e in raw["evidence"]]


def g(pm: PostMortem, evidence: list[Evidence], prefix: str = "G") -> list[Finding]:
    return [f for f in lint_postmortem(pm, people=[], evidence=evidence) if f.rule.startswith(prefix)]


def say(pm: PostMortem, sentence: str) -> None:
    assert pm.summary is not None
    pm.summary.summary += " " + sentence


def test_time_and_number_extraction() -> None:
    times = find_times("At 01:38 UTC, then 2019-10-21 02:05, 7:12 PM PDT and 14:02:33Z; not 1.2.3 or 10:1.")
    assert [t.clock for t in times] == [98, 125, 132, 842]
    assert times[1].at == datetime(2019, 10, 21, 2, 5, tzinfo=UTC)
    assert [round(d.minutes) for d in find_durations("38 min, 1 h 5 min, 2 hours and 10 minutes, 10 more minutes")] == [
        38, 65, 130, 10,
    ]  # fmt: skip
    nums = find_numbers(
        "About 1,900 users, 38% errors, HTTP 503 responses, v2.13.2, 2024-05-01, 1.5k requests, 5xx"
    )
    assert [(n.value, n.percent, n.approximate) for n in nums] == [
        (1900.0, False, True),
        (38.0, True, False),
        (1500.0, False, True),
    ]


def test_a_regional_zone_is_read_on_the_time_s_date() -> None:
    """"ET" and "PT" have no season: their offset follows the date written with the time, else the given day."""
    july, january = date(2024, 7, 9), date(2024, 1, 9)
    (et_july,) = find_times("paged 2024-07-09 14:02 ET")
    (et_january,) = find_times("paged 2024-01-09 14:02 ET")
    assert (et_july.clock, et_july.at, et_july.zoned) == (18 * 60 + 2, datetime(2024, 7, 9, 18, 2, tzinfo=UTC), True)
    assert (et_january.clock, et_january.at) == (19 * 60 + 2, datetime(2024, 1, 9, 19, 2, tzinfo=UTC))
    assert [t.clock for t in find_times("paged at 14:02 PT", july)] == [21 * 60 + 2]  # PDT
    assert [t.clock for t in find_times("paged at 14:02 PT", january)] == [22 * 60 + 2]  # PST
    # a range is two times, its end's zone is its start's too, and "-11:18" is no UTC offset
    window = find_times("all sites down 10:44-11:18 PT (34 min)", july)
    assert [(t.text, t.clock, t.zoned) for t in window] == [("10:44", 17 * 60 + 44, True), ("11:18 PT", 18 * 60 + 18, True)]
    assert [t.clock for t in find_times("from 18:26 to 19:58 PT", january)] == [2 * 60 + 26, 3 * 60 + 58]
    assert [t.clock for t in find_times("down 10:44-11:18")] == [10 * 60 + 44, 11 * 60 + 18]
    # lower case is no zone ("14:02 et al.")
    assert [(t.clock, t.zoned) for t in find_times("14:02 et al.", july)] == [(14 * 60 + 2, False)]


@pytest.mark.parametrize(("day", "utc"), [(date(2024, 7, 9), (18, 2)), (date(2024, 1, 9), (19, 2))])
def test_an_evidence_time_in_a_regional_zone_grounds_its_utc_clock(day: date, utc: tuple[int, int]) -> None:
    at = datetime(day.year, day.month, day.day, 23, 30, tzinfo=UTC)
    index = EvidenceIndex([Evidence(id="notes.md:3", material="notes.md", kind="notes", line=3, at=at,
                                    text="we were paged at 14:02 ET and rolled back")])  # fmt: skip
    assert index.time_ok(None, utc[0] * 60 + utc[1])
    assert index.time_ok(at.replace(hour=utc[0], minute=utc[1]), None)
    assert not index.time_ok(None, 16 * 60 + 2)


def test_an_undated_zoned_time_is_on_the_line_s_wall_date_in_that_zone() -> None:
    """A line at 07:30 UTC on 2024-03-10 is 23:30 PST on the 9th in California: its "23:20 PT" is on the 9th, still
    PST (07:20 UTC), not on the 10th, when clocks went forward (06:20 UTC)."""
    line_at = datetime(2024, 3, 10, 7, 30, tzinfo=UTC)
    assert [t.clock for t in find_times("paged at 23:20 PT", line_at)] == [7 * 60 + 20]
    assert [t.clock for t in find_times("paged at 23:20 PT", date(2024, 3, 10))] == [6 * 60 + 20]  # a day is a day
    # the night clocks go back: the first 01:30 (PDT) is the reading, dated or not
    (dated,) = find_times("2024-11-03 01:30 PT: failover")
    assert dated.at == datetime(2024, 11, 3, 8, 30, tzinfo=UTC)
    assert [t.clock for t in find_times("01:30 PT: failover", datetime(2024, 11, 3, 12, tzinfo=UTC))] == [8 * 60 + 30]
    # the evidence index reads its lines the same way
    index = EvidenceIndex([Evidence(id="notes.md:3", material="notes.md", kind="notes", line=3, at=line_at,
                                    text="we were paged at 23:20 PT and rolled back")])  # fmt: skip
    assert index.time_ok(None, 7 * 60 + 20)
    assert not index.time_ok(None, 6 * 60 + 20)


def test_a_clock_with_a_spaced_offset_is_one_time_and_a_date_comma_clock_keeps_its_date() -> None:
    assert [t.clock for t in find_times("paged 10:44 -07:00")] == [17 * 60 + 44]
    assert [t.clock for t in find_times("paged 10:44-11:18")] == [10 * 60 + 44, 11 * 60 + 18]
    assert [t.at for t in find_times("disk full 2019-10-21, 01:38 UTC")] == [datetime(2019, 10, 21, 1, 38, tzinfo=UTC)]


def test_a_dot_clock_in_a_clock_s_context_is_a_time_and_not_a_number() -> None:
    assert [(t.text, t.clock) for t in find_times("slow publishing lasted 20.13-21.00 CET")] == [
        ("20.13", 19 * 60 + 13), ("21.00 CET", 20 * 60),
    ]  # fmt: skip
    assert [n.value for n in find_numbers("at 20.13 CET 120 uploads were throttled")] == [120.0]
    # a span of days is a date, its first day no count; a count beside a month stays a count
    assert find_numbers("installs from 25 to 30 December 2022 and between March 3-5") == []
    assert [n.value for n in find_numbers("from 3 to 40 hosts in March")] == [3.0, 40.0]
    assert [n.value for n in find_numbers("Case 2 - 12 Jan 2026 10:06 UTC - customer report")] == [2.0]  # a separator
    from pmstudio.lints.quantities import evidence_numbers

    assert 7.0 in evidence_numbers("ingestion lag 7h+, ingest rate 10x normal")  # a duration's number is stated
    # a quantity with two decimals stays a number
    assert find_times("availability 99.95 % and 1.21 billion queries") == []
    assert [n.value for n in find_numbers("availability 99.95 % and 1.21 billion queries")] == [99.95, 1.21]


def test_good_draft_is_grounded() -> None:
    for name in (
        "checkout-pool-2024-05-01",
        "idp-cert-expiry-2023-07-18",
        "docs-disk-full-2019-10-21",
        "authz-memory-leak-2023-11-03",
    ):
        pm, evidence = load(name)
        assert g(pm, evidence) == [], name


def test_no_evidence_means_no_grounding_checks() -> None:
    pm, _evidence = load()
    say(pm, "At 03:33 UTC, 77,777 orders were lost.")
    assert [f for f in lint_postmortem(pm, people=[]) if f.rule.startswith("G")] == []


def test_entry_time_within_a_minute_passes_and_beyond_fails() -> None:
    pm, evidence = load()
    assert pm.timeline is not None
    pm.timeline.entries[4].at += timedelta(seconds=50)  # 02:08, cites chat.txt:6
    assert g(pm, evidence) == []
    pm.timeline.entries[4].at += timedelta(minutes=1, seconds=10)
    found = g(pm, evidence)
    assert [(f.rule, f.severity, f.section) for f in found] == [("G1-ungrounded-time", "high", "timeline")]
    assert "chat.txt:6" in found[0].message and "Nearest evidence time" in found[0].suggestion


def test_entry_time_of_another_item_is_reported_medium() -> None:
    pm, evidence = load()
    assert pm.timeline is not None
    entry = pm.timeline.entries[4]  # 02:08, cites chat.txt:6
    entry.at = entry.at.replace(minute=5)  # the time of chat.txt:5, not of the cited item
    found = g(pm, evidence)
    assert [(f.rule, f.severity) for f in found] == [("G1-ungrounded-time", "medium")]


def test_uncited_entry_matches_any_evidence() -> None:
    pm, evidence = load()
    assert pm.timeline is not None
    pm.timeline.entries[4].evidence = []
    pm.timeline.entries[4].at = pm.timeline.entries[4].at.replace(minute=5)
    assert g(pm, evidence) == []
    pm.timeline.entries[4].at = pm.timeline.entries[4].at.replace(minute=10)
    assert len(g(pm, evidence, "G1")) == 1


def test_milestone_must_match_its_entries() -> None:
    pm, evidence = load()
    assert pm.timeline is not None and pm.timeline.detected_at is not None
    pm.timeline.detected_at += timedelta(minutes=2)  # 02:05 is an evidence time, but no detection entry
    found = g(pm, evidence)
    assert [f.span for f in found] == ["detected_at=2024-05-01 02:05"]
    assert "02:03" in found[0].suggestion


def test_a_milestone_may_summarise_the_neighbouring_phase_s_entry_when_two_milestones_are_one_moment() -> None:
    """An alert that fired as the impact began detects it (its entry is the impact's start); one fix that brings
    everything back mitigates and resolves (its entry is the mitigation). Neither is an ungrounded milestone."""
    pm, evidence = load()
    assert pm.timeline is not None and pm.timeline.started_at is not None and pm.timeline.mitigated_at is not None
    pm.timeline.detected_at = pm.timeline.started_at  # 02:00: the impact_start entry, no detection entry then
    pm.timeline.resolved_at = pm.timeline.mitigated_at + timedelta(minutes=4)  # 02:16: a mitigation entry
    assert g(pm, evidence) == []
    pm.timeline.resolved_at = pm.timeline.mitigated_at + timedelta(minutes=6)  # 02:18: no entry of either phase
    assert [f.span for f in g(pm, evidence)] == ["resolved_at=2024-05-01 02:18"]
    # a timeline with no entry of the milestone's own phase asks nothing of it (the neighbour only vouches)
    pm.timeline.resolved_at = pm.timeline.mitigated_at + timedelta(minutes=8)  # 02:20: the resolution entry
    pm.timeline.entries = [e for e in pm.timeline.entries if e.phase != "detection"]
    pm.timeline.detected_at = pm.timeline.started_at + timedelta(minutes=5)  # 02:05: an evidence time, no entry
    assert g(pm, evidence) == []


@pytest.mark.parametrize(
    ("sentence", "grounded"),
    [
        ("The rollback began at 02:12 UTC.", True),
        ("The rollback began at 02:47 UTC.", False),
        ("The rollback began at 7:12 PM PDT.", True),  # = 02:12 UTC
        ("The rollback began at 7:12 PM PT.", True),  # PT on the evidence's day (May): PDT, 02:12 UTC
        ("The rollback began at 10:12 PM ET.", True),  # EDT in May: 02:12 UTC
        ("The rollback began at 10:12 PM CT.", False),  # CDT: 03:12 UTC
        ("Between 02:00 and 02:20, checkout failed.", True),  # times written in the evidence text
        ("Recovery took 8 minutes.", True),  # 02:12 -> 02:20
        ("Recovery took 3 hours.", False),
        ("About 1,900 checkout attempts failed.", True),
        ("About 2,000 checkout attempts failed.", True),  # approximate, within 10%
        ("Exactly 2,500 checkout attempts failed.", False),
        ("1900 attempts failed.", True),
        ("The error rate peaked at 38%.", True),
        ("The error rate peaked at 47%.", False),
        ("99% of requests succeeded after the rollback.", True),  # complement of "under 1%"
        ("The pool went from 200 to 20 connections.", True),
        ("The pool went from 200 to 25 connections.", False),
        ("The API returned HTTP 503 responses.", True),
        ("Version v9.9.9 was not involved, per the 2024 release notes.", True),
        ("The deploy reached 1 of 12 hosts.", True),
        ("The deploy reached 9 hosts.", False),
    ],
)
def test_text_times_and_numbers(sentence: str, grounded: bool) -> None:
    pm, evidence = load()
    say(pm, sentence)
    found = g(pm, evidence)
    assert (found == []) is grounded, [(f.rule, f.span) for f in found]
    if not grounded:
        assert all(f.section == "summary" and f.span in sentence for f in found)


def test_numbers_in_impact_are_high_and_actions_are_not_checked() -> None:
    pm, evidence = load()
    assert pm.impact is not None and pm.actions is not None
    pm.impact.users_affected.text = "About 45,000 checkout attempts failed."
    pm.actions.action_items[0].impact = "Pools below 150 connections are rejected within 5 minutes."
    found = g(pm, evidence)
    assert [(f.rule, f.severity, f.section, f.span) for f in found] == [
        ("G2-ungrounded-number", "high", "impact", "45,000")
    ]


def test_percentage_derived_from_one_evidence_item() -> None:
    pm, evidence = load()
    evidence = evidence + [
        Evidence(
            id="notes.md:1",
            material="notes.md",
            kind="notes",
            line=1,
            text="3 of 12 hosts had restarted by then",
        )
    ]
    say(pm, "By then 25% of hosts had restarted.")
    assert g(pm, evidence) == []


def test_unknown_evidence_ids() -> None:
    pm, evidence = load()
    assert pm.root_cause is not None
    pm.root_cause.contributing_factors[0].evidence = ["chat.txt:12", "chat.txt:99", "chats.txt:5"]
    found = g(pm, evidence, "G3")
    assert [(f.span, f.severity, f.section) for f in found] == [
        ("chat.txt:99", "medium", "root_cause"),
        ("chats.txt:5", "medium", "root_cause"),
    ]
    assert "Did you mean chat.txt:5" in found[1].suggestion


def test_markdown_grounding() -> None:
    pm, evidence = load()
    md = render_markdown(pm)
    assert [f for f in lint_markdown(md, evidence=evidence) if f.rule.startswith("G")] == []
    shifted = md.replace("**02:16 UTC** - ", "**02:36 UTC** - ").replace(
        "(evidence: chat.txt:6)", "(evidence: chat.txt:66)"
    )
    found = [
        (f.rule, f.severity, f.span)
        for f in lint_markdown(shifted, evidence=evidence)
        if f.rule.startswith("G")
    ]
    assert ("G1-ungrounded-time", "high", "02:36 UTC") in found
    assert ("G3-unknown-evidence-id", "medium", "chat.txt:66") in found
    # a clock that exists in the evidence but not in the cited item
    cited = md.replace("**02:16 UTC** - ", "**02:25 UTC** - ")
    found = [
        (f.rule, f.severity, f.span)
        for f in lint_markdown(cited, evidence=evidence)
        if f.rule.startswith("G")
    ]
    assert found == [("G1-ungrounded-time", "medium", "02:25 UTC")]


def test_index_on_condensed_items() -> None:
    _pm, evidence = load("docs-disk-full-2019-10-21")
    index = EvidenceIndex(evidence)
    first = datetime(2019, 10, 20, 0, 55, 12, tzinfo=UTC)
    last = datetime(2019, 10, 21, 1, 20, tzinfo=UTC)
    assert index.cited_time_ok(first, ["server.log:1"]) is True
    assert index.cited_time_ok(last, ["server.log:1"]) is True
    assert index.cited_time_ok(first + timedelta(hours=3), ["server.log:1"]) is False
    assert index.cited_time_ok(first, ["nope:1"]) is None
    assert index.number_ok(37, "37", percent=False, approximate=False), "the condensed count is evidence"


def test_both_ends_of_a_range_in_the_evidence_ground_a_number() -> None:
    """"probably 4-5 hours going by user reports": a draft saying "5 hours" states what the evidence does."""
    from pmstudio.lints.quantities import evidence_numbers

    assert evidence_numbers("probably 4-5 hours going by user reports") == [4.0, 5.0]
    assert evidence_numbers("RAM 300-400MB, ticket ABC-123-456, on 2019-01-22 at 10:44-11:18") == [300.0, 400.0]
    ev = [Evidence(id="notes.md:2", material="notes.md", kind="notes", line=2, text="Outage length unknown, probably 4-5 hours.")]
    index = EvidenceIndex(ev)
    assert index.duration_ok(300.0, 60.0, 5.0)
    assert not index.duration_ok(420.0, 60.0, 7.0)


def test_a_duration_labelled_as_an_approximation_is_grounded_within_ten_percent() -> None:
    """"for about 40 hours" between evidence times 40 h 34 min apart is grounded (a labelled approximation, as for
    numbers); "for 40 hours" is not, nor is "about 30 hours"."""
    start, end = datetime(2019, 2, 4, 5, 35, tzinfo=UTC), datetime(2019, 2, 5, 22, 9, tzinfo=UTC)
    index = EvidenceIndex([
        Evidence(id="notes.md:8", material="notes.md", kind="notes", line=8, at=start, text="that instance stopped accepting writes"),
        Evidence(id="chat.txt:26", material="chat.txt", kind="chat", line=26, at=end, text="shard-3 accepting writes again"),
    ])  # fmt: skip
    ok = {t: all(index.duration_ok(d.minutes, d.unit, d.first, approximate=d.approximate) for d in find_durations(t))
          for t in ("stopped taking writes for about 40 hours", "stopped taking writes for 40 hours", "for about 30 hours")}  # fmt: skip
    assert ok == {"stopped taking writes for about 40 hours": True, "stopped taking writes for 40 hours": False,
                  "for about 30 hours": False}  # fmt: skip


def test_a_duration_written_with_thousands_commas_is_one_number() -> None:
    """"40,000 hours" is forty thousand hours, not "000 hours" after a stray "40,": the whole number is the duration,
    so a draft quoting it is grounded in evidence that says the same."""
    (d,) = find_durations("the drives failed at 40,000 hours of operation")
    assert (d.first, d.minutes) == (40000.0, 2400000.0)
    assert [x.minutes for x in find_durations("down for 2 hours, 10 minutes")] == [130.0]


def test_a_time_with_its_date_written_beside_it_is_grounded_on_that_date_too() -> None:
    """"Postmortem - Nov 04, 2019 - 16:33 PST - posted": 16:33 PST on 4 November is 00:33 UTC on the 5th (PST, not
    the PDT of an October incident day); a status post dated then grounds it, though the bare clock on the incident's
    day would not."""
    text = "Status page update: Postmortem - Nov 04, 2019 - 16:33 PST - posted."
    (ref,) = find_times(text, date(2019, 10, 25), beside=True)
    assert ref.at is None and ref.beside == datetime(2019, 11, 5, 0, 33, tzinfo=UTC)
    (bare,) = find_times("at 14:02 ET", date(2019, 7, 1), beside=True)
    assert bare.at is None and bare.beside is None
    index = EvidenceIndex([
        Evidence(id="alerts.log:1", material="alerts.log", kind="log", line=1,
                 at=datetime(2019, 10, 25, 20, 10, tzinfo=UTC), text="errors up"),
        Evidence(id="status.txt:4", material="status.txt", kind="ticket", line=4,
                 at=datetime(2019, 11, 5, 0, 33, tzinfo=UTC), text="Postmortem posted."),
    ])
    assert not index.time_ok(ref.at, ref.clock) and ref.beside is not None and index.time_ok(ref.beside, None)


def test_a_month_written_in_lower_case_dates_its_day_number_but_may_stays_a_verb() -> None:
    """"an april 15, 2024 billing issue" (a title lower-cased into a sentence) holds a date, not the count 15; "we may
    15 times" holds the count."""
    assert 15.0 not in [n.value for n in find_numbers("There was an april 15, 2024 billing issue.")]
    assert 15.0 in [n.value for n in find_numbers("we may 15 times retry it")]
