"""The offline drafter section by section: classification, milestones, impact, causes, actions,
lessons, supporting information, summary, and the wording helpers (roles, blameless rewording)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pmstudio.agents.messages import EvidenceLine, parse_prompt, render_evidence, render_task
from pmstudio.offline import draft_section
from pmstudio.offline.actions import verb_first
from pmstudio.offline.analysis import analyse
from pmstudio.offline.classify import classify
from pmstudio.offline.items import build_items
from pmstudio.offline.phrasing import blameless, strip_noise
from pmstudio.schema import NOT_STATED, SECTION_TYPES, Bundle, Evidence, Material

T0 = datetime(2024, 6, 1, 14, 0, tzinfo=UTC)
Line = tuple[str, int | None, str | None, str]


def bundle(lines: list[Line], *, title: str | None = None) -> Bundle:
    """(material, minute after T0 or None, actor, text) -> Bundle; the material suffix picks the kind."""
    kinds = {".log": "log", ".json": "pagerduty", ".md": "notes", ".txt": "chat"}
    evidence, counters, contents = [], {}, {}  # type: ignore[var-annotated]
    for material, minute, actor, text in lines:
        kind = "ticket" if "status" in material else next(k for s, k in kinds.items() if material.endswith(s))
        counters[material] = counters.get(material, 0) + 1
        if not text:  # a blank line: no evidence item, but the line numbers move on (as in ingest)
            continue
        contents.setdefault(material, (kind, []))[1].append(text)
        evidence.append(Evidence(id=f"{material}:{counters[material]}", material=material, kind=kind,
                                 line=counters[material], actor=actor, text=text,
                                 at=None if minute is None else T0 + timedelta(minutes=minute)))
    materials = [Material(name=n, kind=k, content="\n".join(t)) for n, (k, t) in contents.items()]
    return Bundle(id="case", title=title, materials=materials, evidence=evidence,
                  people=sorted({a for _, _, a, _ in lines if a}))


def draft(b: Bundle, section: str, **task: Any) -> dict[str, Any]:
    out = draft_section(parse_prompt(render_evidence(b) + render_task(section, **task)))
    SECTION_TYPES[section].model_validate(out)
    return out


def at(minute: int) -> str:
    return (T0 + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")


CASE = bundle(
    [
        ("chat.txt", -30, "Ana", "anyone up for lunch?"),
        ("deploy.log", 0, None, "deployer: search-api v2.4.1 rolled out to production 100%"),
        ("search.log", 3, None, "search-api ERROR shard 12 query timeout after 30000ms; returning 503"),
        ("pagerduty.json", 6, "Alertmanager", "trigger_log_entry: [FIRING] search-api 5xx ratio above 25% in all regions"),
        ("pagerduty.json", 7, "Ana", "acknowledge_log_entry: Acknowledged by Ana"),
        ("chat.txt", 8, "Ana", "acked, I'm IC. search returns 503 for every query"),
        ("chat.txt", 10, "Ben", "could it be the network? the load balancer was flaky last week"),
        ("chat.txt", 12, "Ben", "network is fine, not that"),
        ("chat.txt", 14, "Ana", "status page: posted an incident for search errors"),
        ("chat.txt", 16, "Ben", "root cause: v2.4.1 sets the shard timeout to 30 ms instead of 30 s because the config unit changed"),
        ("chat.txt", 18, "Ana", "rolling back to v2.4.0"),
        ("chat.txt", 22, "Ana", "rolled back to v2.4.0, search works again, 5xx back to baseline"),
        ("pagerduty.json", 23, "Ana", "annotate_log_entry: Rolled back to v2.4.0; search works again"),
        ("chat.txt", 45, "Ana", "stable for 20 minutes, resolved. about 45 minutes of errors, roughly 40% of searches failed"),
        ("pagerduty.json", 45, "Ana", "resolve_log_entry: Resolved by Ana"),
        ("status.txt", 46, None, "Resolved - Search is working normally."),
        ("chat.txt", 50, "Ben", "follow-ups: validate config units in CI, and add a canary stage for search-api"),
        ("notes.md", None, None, "What made it worse"),
        ("notes.md", None, None, "the config schema has no units, so 30 meant milliseconds to the new code"),
        ("notes.md", None, None, "there is no canary: the deploy went to every region at once"),
        ("notes.md", None, None, ""),
        ("notes.md", None, None, "Action items"),
        ("notes.md", None, None, "HIGH: add unit suffixes to every timeout in the search config by 2024-06-14"),
        ("notes.md", None, None, "see https://wiki.example.com/runbooks/search-rollback for the rollback runbook"),
    ],
    title="Search returns 503s after a shard timeout change",
)


# --------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("material", "actor", "text", "phase"),
    [
        ("pagerduty.json", "Alertmanager", "trigger_log_entry: [FIRING] api 5xx", "detection"),
        ("pagerduty.json", "Ana", "resolve_log_entry: Resolved by Ana", "resolution"),
        ("chat.txt", "Ana", "rolled back the deploy", "mitigation"),
        ("chat.txt", "Ana", "failover to the secondary region done", "mitigation"),
        ("chat.txt", "Ana", "posted an update on the status page", "communication"),
        ("chat.txt", "Ana", "all clear, resolved", "resolution"),
        ("app.log", None, "first errors: checkout began failing with 500s", "impact_start"),
        ("chat.txt", "Ana", "looking at the db graphs, found a lock on the orders table", "investigation"),
        ("chat.txt", "Ana", "anyone want coffee?", None),
    ],
)
def test_phase_classification(material: str, actor: str | None, text: str, phase: str | None) -> None:
    line = EvidenceLine(id=f"{material}:1", at=T0, actor=actor, text=text)
    items = build_items([line])
    if phase is None and not items:
        return  # a chat question is never drafted from at all
    assert classify(items[0]).phase == phase


def test_machine_lines_never_speculate_or_plan() -> None:
    line = EvidenceLine(id="app.log:1", at=T0, actor=None, text="worker maybe retrying? follow-up job scheduled")
    sig = classify(build_items([line])[0])
    assert not sig.hypothesis and not sig.followup and not sig.comm


# --------------------------------------------------------------------------- timeline


def test_milestones_come_from_the_right_evidence() -> None:
    tl = draft(CASE, "timeline")
    assert tl["started_at"] == at(3)  # the first error, not the deploy
    assert tl["detected_at"] == at(6)  # the page
    assert tl["mitigated_at"] == at(22)  # the rollback that came with recovery, not the attempt at 14:18
    assert tl["resolved_at"] == at(45)  # not the status-page post a minute later
    times = {e.at for e in CASE.evidence if e.at}
    for e in tl["entries"]:
        cited = {x.at for x in CASE.evidence if x.id in e["evidence"]}
        assert datetime.fromisoformat(e["at"].replace("Z", "+00:00")) in cited & times


def test_timeline_has_every_phase_in_order_and_no_chatter() -> None:
    tl = draft(CASE, "timeline")
    phases = [e["phase"] for e in tl["entries"]]
    assert {"impact_start", "detection", "mitigation", "resolution", "communication"} <= set(phases)
    assert not any("?" in e["text"] for e in tl["entries"])  # a question in chat is never copied
    assert [e["at"] for e in tl["entries"]] == sorted(e["at"] for e in tl["entries"])
    assert 8 <= len(tl["entries"]) <= 20
    assert not any("lunch" in e["text"] for e in tl["entries"])
    assert not any("follow-ups" in e["text"].lower() for e in tl["entries"])


def test_near_duplicate_reports_become_one_entry_citing_both() -> None:
    tl = draft(CASE, "timeline")
    rollback = [e for e in tl["entries"] if "rolled back to v2.4.0" in e["text"].lower()]
    assert len(rollback) == 1
    assert set(rollback[0]["evidence"]) >= {"chat.txt:8", "pagerduty.json:3"}


def test_machine_lines_of_one_moment_become_one_entry_whatever_their_wording() -> None:
    b = bundle([
        ("deploy.log", 0, None, "deployer: edge-proxy v7.2 rolled out to production"),
        ("edge.log", 3, None, "edge pop=LHR status=503 err=\"child process exited: signal 11\""),
        ("probe.log", 3, None, "synthetic probe FAILED from 61 of 72 locations: HTTP 503"),
        ("pagerduty.json", 4, "Alertmanager", "trigger_log_entry: [FIRING] edge 5xx ratio above 50%"),
        ("chat.txt", 5, "Ana", "acked, everything is red"),
        ("chat.txt", 20, "Ana", "rolled back edge-proxy to v7.1"),
        ("chat.txt", 24, "Ana", "5xx back to baseline, resolved"),
    ])  # fmt: skip
    first = [e for e in draft(b, "timeline")["entries"] if e["at"] == at(3)]
    assert len(first) == 1 and set(first[0]["evidence"]) == {"edge.log:1", "probe.log:1"}


def test_an_alert_clearing_is_no_entry_unless_it_is_the_resolution() -> None:
    b = bundle([
        ("deploy.log", 0, None, "deployer: api-gateway v3.1 rolled out to production"),
        ("alerts.log", 2, None, "FIRING LatencyHigh: p99 above 2s"),
        ("alerts.log", 3, None, "FIRING ErrorRateHigh: 5xx ratio 0.3"),
        ("alerts.log", 9, None, "RESOLVED LatencyHigh"),
        ("chat.txt", 12, "Ana", "rolled back api-gateway to v3.0"),
        ("alerts.log", 15, None, "RESOLVED ErrorRateHigh"),
        ("chat.txt", 40, "Ana", "queues drained, all clear"),
    ])  # fmt: skip
    tl = draft(b, "timeline")
    cited = {i for e in tl["entries"] for i in e["evidence"]}
    assert "alerts.log:3" not in cited  # the latency alert cleared at minute 9: a passing state, not an event
    assert tl["resolved_at"] == at(40)


def test_chat_guesses_and_explanations_are_no_timeline_entries_but_a_finding_is() -> None:
    b = bundle([
        ("deploy.log", 0, None, "deployer: ranking-service v9 rolled out to production"),
        ("pagerduty.json", 3, "Alertmanager", "trigger_log_entry: [FIRING] search 5xx ratio above 20%"),
        ("chat.txt", 6, "Ana", "could it be the cache warmup again, maybe"),
        ("chat.txt", 9, "Ben", "the query assumed the index only ever holds one shard, that assumption is wrong now"),
        ("chat.txt", 12, "Ana", "found it: v9 reads the new shard map before it is published"),
        ("chat.txt", 15, "Ana", "rolled back ranking-service to v8"),
        ("chat.txt", 19, "Ana", "5xx back to baseline, resolved"),
    ])  # fmt: skip
    cited = {i for e in draft(b, "timeline")["entries"] for i in e["evidence"]}
    assert "chat.txt:3" in cited  # the finding is a turning point
    assert "chat.txt:1" not in cited and "chat.txt:2" not in cited


def test_a_step_before_the_impact_that_led_to_it_is_an_impact_start_entry() -> None:
    b = bundle([
        ("notes.md", -2900, None, "the cloud vendor publishes base image v20240530 for the node pools"),
        ("chat.txt", -400, "Ana", "nightly roll-over running, new nodes coming up on the latest image"),
        ("chat.txt", -399, "Ana", "anyone seen my charger?"),
        ("chat.txt", 0, "Ben", "nodes flapping NotReady, pods failing on three of them"),
        ("pagerduty.json", 2, "Alertmanager", "trigger_log_entry: [FIRING] NodeNotReady on 5 nodes"),
        ("chat.txt", 30, "Ana", "rolled the pool back to the previous image"),
        ("chat.txt", 50, "Ana", "no more NotReady, resolved"),
    ])  # fmt: skip
    entries = draft(b, "timeline")["entries"]
    cited = {i for e in entries for i in e["evidence"]}
    assert {"notes.md:1", "chat.txt:1"} <= cited and "chat.txt:2" not in cited
    assert all(e["phase"] == "impact_start" for e in entries if e["at"] < at(0))


def test_timeline_speaks_of_roles_not_names() -> None:
    texts = " ".join(e["text"] for e in draft(CASE, "timeline")["entries"])
    assert "Ana" not in texts and "Ben" not in texts
    assert "The page was acknowledged by the incident commander." in texts


def test_entries_are_capped_at_twenty_on_a_busy_incident() -> None:
    lines: list[Line] = [("pagerduty.json", 0, "Alertmanager", "trigger_log_entry: [FIRING] api errors")]
    lines += [("chat.txt", i, "Ana", f"checking host {i}, found errors in shard {i}, looking into it") for i in range(1, 80)]
    lines += [("chat.txt", 90, "Ana", "rolled back, errors back to baseline, resolved")]
    tl = draft(bundle(lines), "timeline")
    assert len(tl["entries"]) <= 20 and tl["resolved_at"] == at(90)


# --------------------------------------------------------------------------- impact


def test_impact_claims_numbers_duration_and_not_stated() -> None:
    im = draft(CASE, "impact")
    assert im["duration_minutes"] == 42
    assert "42 minutes" in im["duration_of_impact"]["text"]
    assert im["revenue_impact"] == {"text": NOT_STATED, "evidence": []}
    assert im["sla_impact"]["text"] == NOT_STATED
    assert "40%" in im["users_affected"]["text"] or "every query" in im["users_affected"]["text"]
    assert im["severity"] in ("critical", "high")
    assert "statuspage" not in im["customer_communications"]["text"].lower()
    assert set(im["customer_communications"]["evidence"]) & {"status.txt:1", "chat.txt:5"}


def test_a_small_stated_audience_rates_low() -> None:
    b = bundle([
        ("chat.txt", 0, "Ana", "logins through the legacy SSO fail for about 6 users, everyone else is fine"),
        ("chat.txt", 5, "Ana", "rotated the cert, logins work again, resolved"),
    ])
    assert draft(b, "impact")["severity"] == "low"


# --------------------------------------------------------------------------- root cause


def test_root_cause_trigger_and_factors() -> None:
    rc = draft(CASE, "root_cause")
    assert rc["trigger"]["evidence"] == ["deploy.log:1"]
    assert "30 ms instead of 30 s" in rc["primary_root_cause"]["text"]
    assert "network" not in rc["primary_root_cause"]["text"].lower()  # a hypothesis and a dead end
    factors = rc["contributing_factors"]
    assert len(factors) >= 2 and [f["id"] for f in factors] == [f"CF{i}" for i in range(1, len(factors) + 1)]
    assert any("canary" in f["description"] for f in factors)
    assert all("network" not in f["description"].lower() for f in factors)


def test_without_causal_statements_root_cause_is_not_stated() -> None:
    b = bundle([("chat.txt", 0, "Ana", "site is down"), ("chat.txt", 9, "Ana", "site is back, resolved")])
    rc = draft(b, "root_cause")
    assert rc["primary_root_cause"] == {"text": NOT_STATED, "evidence": []}


# --------------------------------------------------------------------------- actions


def test_action_items_from_follow_ups() -> None:
    rc = draft(CASE, "root_cause")
    ac = draft(CASE, "actions", context={"root_cause": rc, "timeline": draft(CASE, "timeline")})
    titles = [i["title"] for i in ac["action_items"]]
    assert "Validate config units in CI" in titles and "Add a canary stage for search-api" in titles
    high = next(i for i in ac["action_items"] if i["title"].startswith("Add unit suffixes"))
    assert high["priority"] == "P1" and high["horizon"] == "immediate" and high["due"] == "2024-06-14"
    factor_ids = {f["id"] for f in rc["contributing_factors"]}
    for item in ac["action_items"]:
        assert item["title"].split()[0][0].isupper()
        assert item["owner"] not in ("Ana", "Ben") and item["owner"]
        assert item["factor_ids"] and set(item["factor_ids"]) <= factor_ids
        assert item["due"] is None or item["due"] in "".join(e.text for e in CASE.evidence)
    assert ac["prevention"]["technical"] or ac["prevention"]["process"]


# Notes in the shape responders write them: a Markdown heading right below a list (no blank line, as Markdown
# allows), a "Cause:" / "Follow-ups:" label line, noun-phrase bullets and verbs done again ("re-enable ...").
_TIGHT_NOTES = """# Queue backlog notes (times UTC)
- 10:02 consumer lag alert for the billing queue; lag grew for 40 minutes before anyone looked
- the retry policy was removed in last month's consumer refactor, so poison messages blocked a partition
Cause:
- one malformed invoice event was retried forever because nothing dead-letters it
## follow-ups
- re-enable the dead-letter queue for the billing consumers
- load test the consumer with malformed events before each release
- partition the billing topic by tenant so one bad event stalls one tenant only
- alerting on consumer lag per partition
Next steps:
- cover malformed payloads in the consumer contract tests
"""


def _tight_bundle() -> Bundle:
    from pmstudio.ingest import bundle_from_materials

    b, _ = bundle_from_materials([Material(name="notes.md", kind="notes", content=_TIGHT_NOTES)], id="q", redact=False)
    return b


def test_a_section_heading_needs_no_blank_line_above_it() -> None:
    from pmstudio.offline.items import section_title

    assert section_title("## follow-ups") and section_title("Next steps:") and section_title("Corrective actions")
    assert section_title("What we are changing") and section_title("Follow-ups (draft)")
    assert not section_title("fix the retry policy") and not section_title("add alerting on lag")
    items = {i.text: i for i in build_items(parse_prompt(render_evidence(_tight_bundle())).evidence)}
    assert items["follow-ups"].is_heading and items["Next steps"].is_heading and items["Cause"].is_heading
    assert items["re-enable the dead-letter queue for the billing consumers"].heading_tag == "actions"
    assert items["cover malformed payloads in the consumer contract tests"].heading_tag == "actions"
    assert items["one malformed invoice event was retried forever because nothing dead-letters it"].heading_tag == "cause"
    assert not items["the retry policy was removed in last month's consumer refactor, so poison messages blocked a partition"].is_heading


def test_a_cause_label_makes_the_line_a_cause() -> None:
    lines = [
        EvidenceLine(id="notes.md:1", at=None, actor=None, text="Billing outage notes"),
        EvidenceLine(id="notes.md:2", at=None, actor=None, text="Mechanism: the retry loop had no cap, so one bad event was retried forever"),
        EvidenceLine(id="notes.md:3", at=None, actor=None, text="Root cause - the consumer refactor dropped the dead-letter queue"),
        EvidenceLine(id="notes.md:4", at=None, actor=None, text="Causes were unclear at first"),
    ]
    items = build_items(lines)
    assert [(i.heading_tag, i.body) for i in items[1:3]] == [
        ("cause", "the retry loop had no cap, so one bad event was retried forever"),
        ("cause", "the consumer refactor dropped the dead-letter queue"),
    ]
    assert items[3].heading_tag is None and items[3].body == "Causes were unclear at first"
    rc = draft(bundle([("notes.md", None, None, "Billing outage notes"), ("notes.md", None, None, ""),
                       ("notes.md", None, None, "Cause: the consumer refactor dropped the dead-letter queue")]), "root_cause")
    assert rc["primary_root_cause"]["text"].startswith("The consumer refactor dropped the dead-letter queue")


def test_a_gap_the_notes_name_is_a_factor_when_causal_statements_are_few() -> None:
    b = bundle([
        ("chat.txt", 0, "Ana", "search is down"),
        ("chat.txt", 2, "Ana", "root cause: the index rebuild deleted the live alias because of a wrong flag"),
        ("chat.txt", 30, "Ana", "search back, resolved"),
        ("notes.md", None, None, "Search outage notes"),
        ("notes.md", None, None, "The rebuild job ran at 02:00 every night since spring."),
        ("notes.md", None, None, "The restore runbook was stale and its backup script pointed at a retired cluster"),
        ("notes.md", None, None, "The alias swap in the deploy pipeline was untested outside staging"),
        ("notes.md", None, None, "Search was down for every shopper."),
    ])
    rc = draft(b, "root_cause")
    described = [f["description"] for f in rc["contributing_factors"]]
    assert any("runbook was stale" in d for d in described)  # the first gap fills the factors up to three statements
    assert not any("every night" in d or "every shopper" in d for d in described)


def test_a_factor_without_a_follow_up_gets_a_whole_clause_as_its_safeguard() -> None:
    from pmstudio.offline.actions import _gist

    assert _gist("Hosts in one hall lost power. Thermal protection tripped on many of them at once.") == "Hosts in one hall lost power"
    long = "The quota tool lowered the database quota below real usage because the old system reported zero usage for it"
    assert _gist(long) == "The quota tool lowered the database quota below real usage"


def test_without_a_preventive_follow_up_the_clearest_factor_gets_one() -> None:
    b = bundle([
        ("chat.txt", 0, "Ana", "checkout is down, 500s everywhere"),
        ("chat.txt", 9, "Ana", "checkout back, resolved"),
        ("notes.md", None, None, "Why it broke"),
        ("notes.md", None, None, "the payment client has no timeout, so one slow provider call held every worker"),
        ("notes.md", None, None, "retries had no backoff, because the retry config was copied from a batch job"),
        ("notes.md", None, None, "the worker pool limit of 20 was never load tested"),
        ("notes.md", None, None, ""),
        ("notes.md", None, None, "Follow-ups"),
        ("notes.md", None, None, "add an alert on worker saturation"),
        ("notes.md", None, None, "find out why the provider slowed down"),
    ])
    rc = draft(b, "root_cause")
    items = draft(b, "actions", context={"root_cause": rc})["action_items"]
    assert {i["kind"] for i in items[:2]} == {"detect", "investigate"}
    prevent = [i for i in items if i["kind"] == "prevent"]
    # the factor names what was missing (no timeout): adding it is the preventive item, not "add a safeguard: <factor>"
    assert len(prevent) == 1 and prevent[0]["title"] == "Add a timeout to the payment client"
    assert set(prevent[0]["factor_ids"]) <= {f["id"] for f in rc["contributing_factors"]}


def test_follow_ups_under_a_tight_heading_become_action_items() -> None:
    b = _tight_bundle()
    rc = draft(b, "root_cause")
    titles = [i["title"] for i in draft(b, "actions", context={"root_cause": rc})["action_items"]]
    assert titles[:5] == [
        "Re-enable the dead-letter queue for the billing consumers",
        "Load test the consumer with malformed events before each release",
        "Partition the billing topic by tenant so one bad event stalls one tenant only",
        "Add alerting on consumer lag per partition",
        "Cover malformed payloads in the consumer contract tests",
    ]


def test_numbered_follow_ups_become_action_items_without_their_numbers() -> None:
    from pmstudio.ingest import bundle_from_materials

    notes = (
        "Queue outage notes\n"
        "Cause\n"
        "the consumer refactor removed the retry cap, so one bad event was retried forever\n"
        "follow-ups\n"
        "1. alerting on consumer lag per partition\n"
        "2) cap retries in the billing consumer\n"
    )
    b, _ = bundle_from_materials([Material(name="notes.md", kind="notes", content=notes)], id="q", redact=False)
    assert "follow-ups" in [e.text for e in b.evidence]  # a line a list follows heads it: no wrapped rest above
    rc = draft(b, "root_cause")
    titles = [i["title"] for i in draft(b, "actions", context={"root_cause": rc})["action_items"]]
    assert "Add alerting on consumer lag per partition" in titles
    assert "Cap retries in the billing consumer" in titles
    assert not any(re.search(r"\d[.)]", t) for t in titles)


def test_narrating_the_next_step_is_not_a_follow_up() -> None:
    b = bundle([
        ("chat.txt", 0, "Ana", "api down"),
        ("chat.txt", 3, "Ana", "draining region two, waiting for the health checks before the next step"),
        ("chat.txt", 9, "Ana", "next steps: add a health gate to the drain script"),
    ])
    titles = [i["title"] for i in draft(b, "actions")["action_items"]]
    assert titles == ["Add a health gate to the drain script"]


def test_written_commitments_and_filed_tickets_are_follow_ups() -> None:
    b = bundle([
        ("chat.txt", 0, "Ana", "api down"),
        ("chat.txt", 4, "Ana", "we'll restart the api pods now"),  # live response, not a follow-up
        ("chat.txt", 30, "Ben", "filed ticket OPS-412 to add a per-tenant rate limit on the gateway"),
        ("status.txt", 40, None, "Resolved - We will provide more details in a postmortem."),
        ("status.txt", 41, None, "Update - We will add connection-pool alerts for every API region this month."),
        ("notes.md", None, None, "API outage review"),
        ("notes.md", None, None, ""),
        ("notes.md", None, None, "Leadership made commitments to quarterly failover drills for the API tier"),
    ])
    titles = [i["title"] for i in draft(b, "actions")["action_items"]]
    assert titles[:3] == [
        "Add a per-tenant rate limit on the gateway",
        "Add connection-pool alerts for every API region this month",
        "Add quarterly failover drills for the API tier",
    ]
    assert not any("restart" in t.lower() or "details" in t for t in titles)


def test_people_and_procedure_changes_are_process_prevention() -> None:
    b = bundle([
        ("chat.txt", 0, "Ana", "api down"),
        ("notes.md", None, None, "Follow-ups"),
        ("notes.md", None, None, "rework the on-call rota so everyone on it can deploy a rollback"),
        ("notes.md", None, None, "add a two-person sign-off to the schema migration procedure"),
        ("notes.md", None, None, "add a canary stage to the deploy pipeline"),
    ])
    prevention = draft(b, "actions")["prevention"]
    assert [c["text"] for c in prevention["process"]] == [
        "Rework the on-call rota so everyone on it can deploy a rollback.",
        "Add a two-person sign-off to the schema migration procedure.",
    ]
    assert [c["text"] for c in prevention["technical"]] == ["Add a canary stage to the deploy pipeline."]


def test_people_fixes_are_not_action_items() -> None:
    b = bundle([
        ("chat.txt", 0, "Ana", "api down"),
        ("chat.txt", 5, "Ana", "follow-ups: remind engineers to be more careful with configs, and add a config linter"),
    ])
    titles = [i["title"] for i in draft(b, "actions")["action_items"]]
    assert titles == ["Add a config linter"]


@pytest.mark.parametrize(
    ("phrase", "title"),
    [
        ("rollout must auto-block when key metrics go bad", "Make rollout auto-block when key metrics go bad"),
        ("rollback tooling must not depend on authz", "Change rollback tooling so it does not depend on authz"),
        ("status pages must not share our DNS", "Change status pages so they do not share our DNS"),
        ("Doomsday needs backfilling with the LB endpoints", "Backfill Doomsday with the LB endpoints"),
        ("more global kill switches", "Add more global kill switches"),
        ("can audit logs be searched without an admin?", "Find out whether audit logs can be searched without an admin"),
        ("nobody knew where the dumps were", ""),
        ("re-introduce the CPU guard for regexes", "Re-introduce the CPU guard for regexes"),
        ("reconfigure the resolver to use two upstreams", "Reconfigure the resolver to use two upstreams"),
        ("load test the provisioning path for 10x scale-ups", "Load test the provisioning path for 10x scale-ups"),
        ("roll out rule changes in stages", "Roll out rule changes in stages"),
        ("ship the bug fix for the parser", "Ship the bug fix for the parser"),  # not 'Add ship ...'
        ("compact the raft log weekly", "Compact the raft log weekly"),
        ("return path is slow", ""),
        ("trace and block the abusive client ranges", "Trace and block the abusive client ranges"),  # verb joined to a known one
        ("errors and warnings were noisy", ""),
        ("a circuit breaker that opens when the payment API times out",
         "Add a circuit breaker that opens when the payment API times out"),  # a thing to add, then what it does
        ("queue depth alerting so on-call hears before customers do",
         "Add queue depth alerting so on-call hears before customers do"),
        ("the cache that failed was old", ""),
        ("be able to post status updates while the main site is down",
         "Make it possible to post status updates while the main site is down"),
        ("subscribers asked to rotate their keys", ""),  # something done to people, told: not a thing to add
        # work reported done is told as the action it was; a participle before its noun stays an adjective
        ("audited where and how the key was accessible", "Audit where and how the key was accessible"),
        ("engaged a third-party forensic firm", "Engage a third-party forensic firm"),
        ("notified affected customers by email", "Notify affected customers by email"),
        ("automated smoke tests", "Add automated smoke tests"),
        ("tested, current restore procedure for control planes", "Add tested, current restore procedure for control planes"),
        ("automated the failover of the primary", "Automate the failover of the primary"),
    ],
)
def test_verb_first(phrase: str, title: str) -> None:
    assert verb_first(phrase) == title


# --------------------------------------------------------------------------- lessons, supporting, summary


def test_lessons_from_the_timeline_and_remarks() -> None:
    ls = draft(CASE, "lessons")
    good = " ".join(c["text"] for c in ls["went_well"])
    assert "Automated alerting paged responders." in good and "Detection came 3 minutes" in good
    assert any("did not work" in c["text"] or "Mitigation" in c["text"] for c in ls["went_well"] + ls["went_poorly"])
    assert ls["technical"] or ls["process"] or ls["monitoring"]


def test_people_detection_is_a_lesson() -> None:
    b = bundle([
        ("deploy.log", 0, None, "api-gateway ERROR upstream reset"),
        ("chat.txt", 30, "Ana", "customers report the app is down for them"),
        ("chat.txt", 40, "Ana", "restarted the gateway, app works again"),
    ])
    poorly = " ".join(c["text"] for c in draft(b, "lessons")["went_poorly"])
    assert "reported by people" in poorly and "30 minutes after impact began" in poorly


def test_lessons_leave_out_follow_ups_measures_and_symptoms() -> None:
    b = bundle([
        ("alerts.log", 0, None, "FIRING ApiErrorRate: checkout 5xx above 20%"),
        ("chat.txt", 1, "Ana", "acked, checkout is down for everyone"),
        ("chat.txt", 20, "Ana", "the cloud is throttling how fast we can replace nodes"),
        ("chat.txt", 30, "Ben", "rolled back the config, checkout works again"),
        ("chat.txt", 31, "Ben", "the rollback script was quick, nice"),
        ("chat.txt", 40, "Ana", "the issue is resolved for all services"),
        ("notes.md", None, None, "Root causes"),
        ("notes.md", None, None, "every route vanished because the config loader has no schema validation"),
        ("notes.md", None, None, ""),
        ("notes.md", None, None, "Follow-ups"),
        ("notes.md", None, None, "make the loader reject configs slowly rolled out without a schema check"),
    ])
    ls = draft(b, "lessons")
    good = [c["text"] for c in ls["went_well"]]
    poorly = [c["text"] for c in ls["went_poorly"]]
    taught = [c["text"] for k in ("technical", "process", "monitoring") for c in ls[k]]
    assert "Detection came 1 minute after impact began." in good or "Detection came as impact began." in good
    assert any("rollback script was quick" in t for t in good)
    assert not any("throttling" in t for t in good)  # "how fast" measures, it does not praise
    assert not any("slowly rolled out" in t for t in good + poorly)  # a follow-up is not how the response went
    assert not any("resolved for all services" in t for t in taught)  # the recovery teaches nothing
    assert any("no schema validation" in t for t in taught)


def test_supporting_records() -> None:
    sp = draft(CASE, "supporting")
    assert sp["detailed_logs"][:2] == ["search.log:1", "deploy.log:1"] or set(sp["detailed_logs"]) == {"search.log:1", "deploy.log:1"}
    assert "status.txt:1" in sp["communication_records"]
    assert any("https://wiki.example.com/runbooks/search-rollback" in c["text"] for c in sp["references"])
    assert any(re.search(r"\d", c["text"]) for c in sp["relevant_metrics"])


def test_appendix_quotes_no_persons_words_from_a_support_thread() -> None:
    """A support thread is named like a ticket, but its lines are people talking: quoted verbatim in an appendix they
    would be chat (held-out netlify-2022 and dfds-2022's Slack export); the status page's posts stay."""
    b = bundle([
        ("api.log", 0, None, "api ERROR 503 upstream unavailable"),
        ("support-thread.txt", 5, "pieter", "all our sites return 503, calling this degraded is a joke"),
        ("support-thread.txt", 9, "hana", "we are aware, engineers are on it"),
        ("status.txt", 10, None, "Investigating - Sites return errors for some customers."),
    ])
    records = draft(b, "supporting")["communication_records"]
    assert "status.txt:1" in records
    assert not any(r.startswith("support-thread.txt") for r in records)


def test_an_irc_log_and_signed_posts_are_told_by_role_and_never_quoted() -> None:
    """An IRC log kept as a log file and a wiki page's signed posts are people talking (held-out wikimedia-2019, r6):
    the appendix quotes the log's machine lines and a bot's, never a person's line; the timeline tells a signed
    post by its signer's role, without the signature, and a message's first word reads inside the sentence."""
    b = bundle([
        ("web.log", 0, None, "2019-03-27 16:56:02 ERROR save failed: no entity content model for ns0"),
        ("community.log", 3, None, "Editing a gallery page gives me an error on save, tried three times. "
                                   "--Kestrel1 18:43, 27 March 2019 (UTC)"),
        ("ops-irc.log", 20, None, "<emil> reverting that config change now"),
        ("ops-irc.log", 30, None, "<logmsgbot> emil synchronized wmf-config/InitialiseSettings.php: revert"),
        ("engprod.log", None, None, "internal EngProd chat, same day (Pacific)"),  # a chat file's header (r7 kubernetes)
        ("engprod.log", 12, "bruno", "li is looking at two NotReady nodes in the containerd pool"),
    ])
    logs = draft(b, "supporting")["detailed_logs"]
    assert "web.log:1" in logs and "ops-irc.log:2" in logs  # a machine line, a bot's line
    assert "ops-irc.log:1" not in logs and "community.log:1" not in logs
    assert not any(i.startswith("engprod.log") for i in logs)
    entries = [e["text"] for e in draft(b, "timeline")["entries"]]
    told = next(e for e in entries if "gallery page" in e)
    assert "--" not in told and "March 2019" not in told and "Kestrel1" not in told, told
    assert "Per a user, editing a gallery page gave them an error" in told, told


def test_a_persons_words_are_told_apart_in_one_place() -> None:
    """`Analysis.said_by_a_person` is the one test of a person's own words: the timeline tells those lines by role,
    the appendix never quotes them (supporting has no check of its own). A bot's line and a ticket's label line are
    records; a known person's name before a colon is a speaker in notes and logs too (r7 tarsnap's mailing list)."""
    b = bundle([
        ("chat.txt", 0, "colin", "looking at the storage host now"),
        ("ops-irc.log", 1, None, "<emil> reverting that config change now"),
        ("ops-irc.log", 2, None, "<logmsgbot> emil synchronized wmf-config/InitialiseSettings.php: revert"),
        ("mail.log", 3, None, "colin: the service is back online, data is safe"),
        ("mail.log", 4, None, "kernel: EXT4-fs error on the metadata volume"),
        ("notes.md", 5, None, "Impact: uploads failed for an hour"),
        ("status-ticket.txt", 6, None, "From: Storage Team"),
        ("status-ticket.txt", 7, None, "user (mira): no rush from me"),
        ("community.log", 8, None, "Saving fails for me too. --Kestrel1 18:43, 27 March 2019 (UTC)"),
    ])
    a = analyse(parse_prompt(render_evidence(b)).evidence)
    said = {it.id for it in a.items if a.said_by_a_person(it)}
    assert said == {"ops-irc.log:1", "mail.log:1", "status-ticket.txt:2", "community.log:1"}  # chat: told by actor
    sp = draft(b, "supporting")
    assert {"ops-irc.log:2", "mail.log:2"} <= set(sp["detailed_logs"])  # a bot's line, a machine line
    assert not {"ops-irc.log:1", "mail.log:1", "community.log:1"} & set(sp["detailed_logs"])
    assert "status-ticket.txt:1" in sp["communication_records"]  # a ticket's header is a record, no one's words
    assert "status-ticket.txt:2" not in sp["communication_records"]


def test_summary_uses_the_sections_it_is_given() -> None:
    im = draft(CASE, "impact")
    im["users_affected"] = {"text": "Roughly 40% of searches failed.", "evidence": ["chat.txt:9"]}
    im["functional_impact"] = {"text": "Search failed for shoppers.", "evidence": ["chat.txt:2"]}
    context = {"impact": im, "timeline": draft(CASE, "timeline"), "root_cause": draft(CASE, "root_cause")}
    sm = draft(CASE, "summary", context=context)
    assert sm["title"] == CASE.title
    assert sm["summary"].startswith("Search returned 503s after a shard timeout change.")  # the title, told
    assert " Roughly 40% of searches failed. " in sm["summary"]  # a counted claim
    assert "The impact lasted 42 minutes" in sm["summary"] and "chat.txt:9" in sm["evidence"]
    im["users_affected"] = {"text": "Not stated in the materials.", "evidence": []}
    sm = draft(CASE, "summary", context=context)
    assert " Search failed for shoppers. " in sm["summary"] and "chat.txt:2" in sm["evidence"]
    assert "Impact:" not in sm["summary"] and "The incident of" not in sm["summary"]
    assert 3 <= sm["summary"].count(". ") + 1 <= 5


# --------------------------------------------------------------------------- wording


def test_names_become_roles_everywhere() -> None:
    b = bundle([
        ("pagerduty.json", 0, "Sam", "acknowledge_log_entry: Acknowledged by Sam"),
        ("chat.txt", 1, "Sam", "acked. Priya, can you check the deploy log?"),
        ("status.txt", 2, None, "Opened by kasimir - downloads fail for every crate"),
        ("app.log", 3, None, "deployer: rollback requested by Priya (manual, Priya)"),
    ])
    a = analyse(parse_prompt(render_evidence(b)).evidence)
    said = " ".join(a.entry_text(i) for i in a.items)
    assert not re.search(r"\b(?:Sam|Priya|kasimir)\b", said, re.I)
    assert "the on-call engineer" in said and "a user" in said


def test_blameless_rewording() -> None:
    assert strip_noise("lol +1 ok, rolled back 🎉🎉") == "rolled back"
    assert blameless("who pushed this?? it needed a review") == ""
    assert blameless("the job failed to start, we just restarted it", strict=False) == "the job did not start, we restarted it"
    assert blameless("Sam's push broke it obviously. rolled back", strict=False) == "rolled back"


def test_an_actions_label_or_a_commitments_heading_lists_the_follow_ups_and_no_cause() -> None:
    """"Actions: rotate keys; delete CI logs after 48 hours; scan execution logs for leaked secrets" in the report
    notes, and the list under "## Commitments", are the follow-ups; the labelled line is no contributing factor."""
    from pmstudio.ingest import bundle_from_materials

    notes = (
        "# Incident report - secrets in execution logs\n"
        "- 10:00 an SRE noticed api keys printed in the public execution log of the update job.\n"
        "- Cause: the update process was misconfigured and printed its environment.\n"
        "- Actions: rotate the leaked keys; delete CI logs after 48 hours; scan execution logs for leaked secrets.\n"
        "## Commitments\n"
        "- seed new updates to a small random set of servers first\n"
    )
    b, _ = bundle_from_materials([Material(name="incident-report.md", kind="notes", content=notes)], id="q", redact=False)
    rc = draft(b, "root_cause")
    assert not any("CI logs" in f["description"] for f in rc["contributing_factors"])
    titles = [i["title"] for i in draft(b, "actions", context={"root_cause": rc})["action_items"]]
    assert {"Rotate the leaked keys", "Delete CI logs after 48 hours", "Scan execution logs for leaked secrets",
            "Seed new updates to a small random set of servers first"} <= set(titles)  # fmt: skip


def test_a_follow_up_statements_title_tags_nothing_and_its_next_label_lists_the_follow_ups() -> None:
    """A document titled "Draft follow-up statement" is a statement, not a list of follow-ups: its window "Between
    09:10 PST and 10:05 PST ... may have been seen by other users" starts the impact, and its "Next:" line names the
    follow-ups."""
    from pmstudio.ingest import bundle_from_materials

    statement = (
        "# Draft follow-up statement (the shop's bad morning)\n"
        "What happened: on March 3rd a caching error showed some users account pages generated for\n"
        "other users. Between 09:10 PST and 10:05 PST account pages for about 2k users may have been returned and\n"
        "seen by other users. No passwords or full card numbers were included.\n"
        "Next: identify the users whose pages were shown to others and contact them; tighten the review of cache rules.\n"
    )
    chat = (
        "[2016-03-03 09:40] ana: customers report they see someone else's order history, something is broken\n"
        "[2016-03-03 10:00] ana: decision: take the shop offline until the cache rule is fixed\n"
        "[2016-03-03 13:30] ana: new cache rule live, shop back\n"
    )
    b, _ = bundle_from_materials(
        [Material(name="statement-draft.md", kind="notes", content=statement), Material(name="chat.txt", kind="chat", content=chat)],
        id="q", timezone="America/Los_Angeles", redact=False,
    )  # fmt: skip
    a = analyse(parse_prompt(render_evidence(b)).evidence, incident_id="q")
    assert a.milestones.started is not None and a.milestones.started.at == datetime(2016, 3, 3, 17, 10, tzinfo=UTC)
    rc = draft(b, "root_cause")
    titles = [i["title"] for i in draft(b, "actions", context={"root_cause": rc})["action_items"]]
    assert any("contact them" in t for t in titles), titles


def test_a_done_and_doing_label_lists_the_remediation_as_action_items() -> None:
    """"Done / doing: rotated the leaked key; audited where the key was readable; added alerts on changes to the
    script" in the working notes is the remediation: each is an action item, told as the action."""
    from pmstudio.ingest import bundle_from_materials

    notes = (
        "# Uploader compromise - working notes\n"
        "- 2021-04-01: a customer reports that the served script fails its published checksum.\n"
        "- How they got in: a storage key sat in a layer of our public image, so anyone could write the script.\n"
        "- Done / doing: rotated the leaked storage key; audited where the key was readable; added alerts on changes "
        "to the served script.\n"
    )
    b, _ = bundle_from_materials([Material(name="security-notes.md", kind="notes", content=notes)], id="q", redact=False)
    rc = draft(b, "root_cause")
    titles = [i["title"] for i in draft(b, "actions", context={"root_cause": rc})["action_items"]]
    assert "Audit where the key was readable" in titles, titles
