"""Impact claims of the offline drafter (issue 11): each filled from evidence of its own class, or abstaining; each
rule on a small hand-written bundle in the shapes real incident material takes (incident chat, PagerDuty notes,
responders' notes, status posts)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pmstudio.agents.messages import EvidenceLine
from pmstudio.offline.analysis import analyse
from pmstudio.offline.impact import draft_impact
from pmstudio.schema import NOT_STATED
from pmstudio.testing.factories import Row, evidence_lines

T0 = datetime(2024, 11, 5, 9, 0, tzinfo=UTC)


def lines(*rows: Row, date_only: frozenset[int] = frozenset()) -> list[EvidenceLine]:
    return evidence_lines(T0, *rows, date_only=date_only)


def impact(*rows: tuple[str, float, str | None, str], date_only: frozenset[int] = frozenset()) -> dict[str, object]:
    return draft_impact(analyse(lines(*rows, date_only=date_only)))


def text(d: dict[str, object], name: str) -> str:
    claim = d[name]
    assert isinstance(claim, dict)
    return str(claim["text"])


def test_without_a_resolution_the_span_to_mitigation_is_a_lower_bound() -> None:
    got = impact(
        ("sensor.log", 0, None, "host=WIN-7A2 event=SystemCrash bugcheck=0x50 module=agent.sys"),
        ("pagerduty", 12, None, "trigger_log_entry: Fleet crash rate above 5%"),
        ("chat.txt", 78, "yara", "content update reverted, new crashes stopped"),
    )
    assert got["duration_minutes"] is None
    assert text(got, "duration_of_impact").startswith("At least 78 minutes, from the first sign of impact at 2024-11-05 09:00 UTC")


def test_a_lower_bound_of_days_counts_whole_days_never_more() -> None:
    """Five days and seventeen hours from detection to mitigation, with no end told, is "at least 5 days": a lower
    bound never rounds up to 6."""
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: Certificate validation defect reported"),
        ("chat.txt", 5 * 1440 + 17 * 60 + 13, "teo", "final revocation batch done, remaining certificates revoked"),
    )
    assert text(got, "duration_of_impact").startswith("At least 5 days, from ")


def test_a_lower_bound_to_a_day_without_a_time_is_in_days() -> None:
    got = impact(
        ("ticket.txt", 1440 + 120, None, "Opened by a user - cannot send messages in our room, joins fail"),
        ("notes.md", 5 * 1440, None, "corrupt index rebuilt, rooms repaired, mitigated"),
        date_only=frozenset({1}),
    )
    claim = text(got, "duration_of_impact")
    # 11:00 on the 6th to the start of the 10th is 3 days and 13 hours: at least 3 days (a lower bound never rounds up)
    assert claim.startswith("At least 3 days, from the first sign of impact at 2024-11-06 11:00 UTC to mitigation and resolution on 2024-11-10 (time not stated)")
    assert "00:00" not in claim


def test_users_affected_is_a_count_of_what_failed_not_a_count_in_an_action_or_a_negation() -> None:
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: Edge error rate critical"),
        ("chat.txt", 2, "kai", "scaled down by 2 nodes to free addresses"),
        ("chat.txt", 3, "kai", "pg_restore sits there. no output, no error"),
        ("chat.txt", 4, "lu", "all nodes ready, looks fine"),
        ("notes.md", 5, None, "Onset: 70% of the edge fleet returning errors to customers."),
    )
    assert text(got, "users_affected") == "Onset: 70% of the edge fleet returning errors to customers."


def test_a_responders_note_on_the_page_can_state_who_was_affected() -> None:
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: Certificate compliance incident opened"),
        ("pagerduty", 30, "Ravi", "annotate_log_entry: Impact analysis: about 2 million certificates affected"),
    )
    assert "2 million certificates affected" in text(got, "users_affected")


def test_geographic_scope_is_a_place_beside_a_failure_not_a_site_code_or_a_memory_region() -> None:
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: Edge 5xx above 5%"),
        ("chat.txt", 1, "ivo", "first errors in ams and cdg"),
        ("notes.md", 30, None, "When input and output regions overlap the copy also changes the source."),
        ("chat.txt", 40, "ivo", "other homeservers not affected"),
    )
    assert text(got, "geographic_scope") == "Not stated in the materials."
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: Edge 5xx above 5%"),
        ("status.txt", 12, None, "Investigating - We are investigating elevated errors for API requests in the EU-WEST-2 region."),
    )
    assert text(got, "geographic_scope") == "Elevated errors for API requests in the EU-WEST-2 region."


def test_an_impact_claim_drops_a_status_posts_first_person_frame() -> None:
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: Login error rate above 20%"),
        ("status.txt", 10, None, "Investigating - We are aware of login failures affecting some customers of the EU tenant."),
    )
    assert text(got, "functional_impact").startswith("Login failures affecting some customers")


def test_an_impact_claim_drops_any_status_state_label_the_status_posts_are_recognised_by() -> None:
    # "Verifying" is a maintenance stage, "Degraded performance" a component state; an em dash separates as a dash does
    for label in ("Verifying - ", "Degraded performance: ", "Identified — "):
        got = impact(
            ("pagerduty", 0, None, "trigger_log_entry: Login error rate above 20%"),
            ("status.txt", 10, None, f"{label}Login failures affected some customers of the EU tenant."),
        )
        assert text(got, "functional_impact").startswith("Login failures affected some customers"), label


def test_the_severity_weighs_a_scope_no_field_shows() -> None:
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: Room reads failing above 10%"),
        ("chat.txt", 2, "noor", "room pages erroring for logged-in users"),
        ("chat.txt", 3, "ali", "same here, the room page gives a 500"),
        ("chat.txt", 4, "noor", "reads failing on the room db replicas"),
        ("chat.txt", 5, "ali", "support says users report room errors"),
        ("chat.txt", 6, "noor", "room api error rate at 12%"),
        ("chat.txt", 7, "ali", "avatars also failing to load"),
        ("chat.txt", 30, "noor", "affected: rooms 20M to 90M, so millions of rooms. other servers are fine"),
        ("chat.txt", 80, "noor", "index rebuilt, room reads back to normal"),
    )
    # a count beside an all-clear fills no field (Users Affected is screened of "... are fine"), but the severity
    # reads it still: the scope statements are their own, unscreened read, not the claims' items
    assert "millions" not in text(got, "users_affected")
    assert "'millions'" in str(got["severity_rationale"])


def test_the_severity_the_responders_declared_is_the_severity() -> None:
    got = impact(
        ("alerts.txt", 0, None, "FIRING PopUnreachable: pop=fra2 severity=critical"),
        ("chat.txt", 2, "lena", "checkout errors in two regions, declaring an incident, SEV2 for now"),
        ("chat.txt", 9, "lena", "raising it to sev-1, the whole checkout is failing for everyone"),
        ("chat.txt", 40, "lena", "config reverted, checkout error rate back to normal"),
    )
    assert got["severity"] == "critical"
    assert "declared" in str(got["severity_rationale"])
    # an alert's own label grades the alert, not the incident
    got = impact(
        ("alerts.txt", 0, None, "FIRING QueueLag: consumer lag above 5 minutes severity=critical"),
        ("chat.txt", 3, "lena", "some exports are a bit slow, a few customers noticed"),
        ("chat.txt", 20, "lena", "lag back to normal"),
    )
    assert got["severity"] != "critical"
    # nor does the level a bot posts with an alarm in the channel
    got = impact(
        ("chat.txt", 0, "devbot", "[ALARM] stream front-end error rate over threshold (sev2 page)"),
        ("chat.txt", 2, "raj", "writes and reads failing across the whole fleet, every region, complete outage"),
        ("chat.txt", 300, "raj", "all front-ends back, error rates normal"),
    )
    assert got["severity"] == "critical", got["severity_rationale"]
    got = impact(
        ("chat.txt", 0, "lena", "exports slow for a few customers, opening a sev3 to track it"),
        ("chat.txt", 30, "lena", "lag back to normal"),
    )
    assert got["severity"] == "medium"


def test_a_full_outage_or_lost_production_data_is_critical_even_with_a_hedge_after_it() -> None:
    got = impact(
        ("chat.txt", 0, "omar", "kv writes slow, players still fine"),
        ("chat.txt", 50, "omar", "full outage now, nothing is serving"),
        ("chat.txt", 300, "omar", "services back, admitting players again"),
    )
    assert got["severity"] == "critical"
    got = impact(
        ("status.txt", 0, None, "Investigating - The site is offline for all users during emergency database maintenance."),
        ("status.txt", 45, None, "Identified - Production data was deleted during a database repair; we might have to restore from a backup."),
        ("status.txt", 600, None, "Resolved - The site is back online."),
    )
    assert got["severity"] == "critical"
    got = impact(
        ("chat.txt", 0, "omar", "maybe we deleted production data? checking the disk"),
        ("chat.txt", 5, "omar", "no, the data dir is intact, it was the wrong mount. a few uploads were slow"),
        ("chat.txt", 20, "omar", "uploads back to normal"),
    )
    assert got["severity"] != "critical"


def test_recovery_scope_scaling_down_and_no_loss_of_service_do_not_raise_the_severity() -> None:
    from pmstudio.offline.classify import classify
    from pmstudio.offline.items import build_items

    (item,) = build_items([EvidenceLine(id="chat.txt:1", at=T0, actor="jo", text="scaled the cluster down by 2 nodes")])
    assert not classify(item).failure
    got = impact(
        ("alerts.txt", 0, None, "FIRING IngressCannotScale: not enough free addresses in the subnets"),
        ("chat.txt", 60, "jo", "scaled the cluster down by 2 nodes to free addresses, some pods still pending"),
        ("chat.txt", 300, "jo", "NotReady events here and there but no team has reported loss of service"),
        ("chat.txt", 900, "jo", "all systems verified operational, all customers back online"),
    )
    assert got["severity"] == "medium", got["severity_rationale"]


def test_half_the_requests_failing_or_impact_in_several_regions_is_critical() -> None:
    # each is one more critical scope word: a service-wide outage told as a share ("about half of requests to apps are
    # failing"), and one told in several named cloud regions at once
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: app error ratio > 20%"),
        ("chat.txt", 3, "helen", "about half of requests to apps are failing worldwide, routers overloaded"),
        ("chat.txt", 200, "helen", "traffic ramp-up complete, back to normal operation"),
    )
    assert got["severity"] == "critical", got["severity_rationale"]
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: app error ratio > 20%"),
        ("chat.txt", 3, "helen", "about 5% of requests to apps are failing worldwide, routers overloaded"),
        ("chat.txt", 200, "helen", "traffic ramp-up complete, back to normal operation"),
    )
    assert got["severity"] != "critical", got["severity_rationale"]
    post = "Update - Widespread network issue. Customers may see errors and loss of connectivity in {}."
    got = impact(
        ("alerts.txt", 0, None, "FIRING PacketLoss: backbone packet loss above 10% severity=page"),
        ("status.txt", 20, None, post.format("us-central1, us-east1, us-east4 and southamerica-east1")),
        ("status.txt", 200, None, "Resolved - The network has recovered."),
    )
    assert got["severity"] == "critical", got["severity_rationale"]
    got = impact(
        ("alerts.txt", 0, None, "FIRING PacketLoss: backbone packet loss above 10% severity=page"),
        ("status.txt", 20, None, post.format("us-east1")),
        ("status.txt", 200, None, "Resolved - The network has recovered."),
    )
    assert got["severity"] != "critical", got["severity_rationale"]


def test_money_lost_or_frozen_in_the_millions_is_critical() -> None:
    rows = [
        ("chain.log", 0, None, "wallet library code size 0 (selfdestructed); wallets cannot execute"),
        ("chat.txt", 30, "anja", "every wallet on that library can't move funds, deposits still land"),
    ]
    got = impact(*rows, ("chat.txt", 400, "tomas", "updated count: 587 wallets, 513,774 ETH frozen. at today's price well over 150 million USD"))
    assert got["severity"] == "critical", got["severity_rationale"]
    assert "money lost in the millions" in str(got["severity_rationale"])
    # a budget in the millions is no loss, and a loss in the thousands is not in the millions
    for line in ("the migration budget is $2M for next year", "about $40k refunded to merchants, fees lost"):
        got = impact(*rows, ("chat.txt", 400, "tomas", line))
        assert got["severity"] != "critical" or "money" not in str(got["severity_rationale"]), line


def test_millions_affected_is_at_least_high() -> None:
    got = impact(
        ("ticket.txt", 0, None, "Opened - certificates were issued without the required recheck"),
        ("notes.md", 120, None, "impact analysis: about 3 million certificates affected"),
        ("notes.md", 600, None, "fix deployed, checks now run for every name"),
    )
    assert got["severity"] in ("high", "critical"), got["severity_rationale"]


def test_a_credit_or_refund_line_fills_revenue_never_who_was_affected_or_what_broke() -> None:
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: Checkout 502 rate above 5%"),
        ("notes.md", 10, None, "Checkout returned 502 errors to customers in the storefront."),
        ("notes.md", 90, None, "Money: every merchant on the Plus plan refunded one week of fees, about $18k."),
        ("notes.md", 91, None, "All 1,200 customers credited with a 10% discount on next month's invoice."),
    )
    for field in ("users_affected", "functional_impact"):
        assert "refunded" not in text(got, field) and "credited" not in text(got, field), text(got, field)
    assert "502 errors" in text(got, "users_affected")
    assert "refunded" in text(got, "revenue_impact") or "credited" in text(got, "revenue_impact")


def test_money_and_recovery_lines_alone_leave_the_user_impact_fields_not_stated() -> None:
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: Storefront health check failing"),
        ("chat.txt", 40, "rin", "all 40 storefront hosts are back, every customer session restored"),
        ("chat.txt", 45, "rin", "every node is up again after the power cycle"),
        ("notes.md", 120, None, "Revenue: the gold-plan customers will get SLA credits, finance to confirm the amount"),
    )
    assert text(got, "users_affected") == NOT_STATED
    assert text(got, "functional_impact") == NOT_STATED
    assert "SLA credits" in text(got, "revenue_impact")


def test_a_credit_card_failure_is_an_impact_not_money_paid_back() -> None:
    got = impact(
        ("pagerduty", 0, None, "trigger_log_entry: Payment gateway error rate critical"),
        ("notes.md", 5, None, "Credit card payments failed for about 1,300 customers."),
    )
    assert "1,300 customers" in text(got, "users_affected")


def test_a_status_posts_customary_hedge_does_not_narrow_the_impact() -> None:
    # status pages word every impact "some instances", "a subset of customers may": the hedge is the page's style,
    # not a count; a responder saying "some" in chat still narrows the impact
    rows = [
        ("alerts.txt", 0, None, "FIRING HostTemperatureHigh: hall 3 above threshold severity=page"),
        ("chat.txt", 20, "ines", "instances on those hosts are down, new launches in the zone failing with errors"),
        ("status.txt", 30, None, "Investigating - We are investigating connectivity issues affecting some instances in a single zone."),
        ("status.txt", 60, None, "Update - A subset of customers may see failed launches in the zone."),
        ("chat.txt", 355, "ines", "all instances recovered, launches working again"),
    ]
    got = impact(*rows)
    assert got["severity"] == "high", got["severity_rationale"]
    said = [(src, at, who, txt) for src, at, who, txt in rows if src != "status.txt"]
    got = impact(*said[:2], ("chat.txt", 30, "ines", "only some instances in one hall, a subset of customers"), said[2])
    assert got["severity"] == "medium", got["severity_rationale"]


def test_a_forecast_in_chat_and_a_system_that_does_not_trust_a_key_are_no_reputation_impact() -> None:
    from pmstudio.offline.impact import _REPUTATION

    assert _REPUTATION.search("customer trust took a hit after the second outage this month")
    assert _REPUTATION.search("we lost a lot of trust with enterprise buyers")
    assert _REPUTATION.search("it was all over twitter")
    assert not _REPUTATION.search("the tokens were signed with a key the apps did not trust anymore")
    assert not _REPUTATION.search("users of 1.1.1.1, WARP and Zero Trust got SERVFAIL")
    got = impact(
        ("alerts.log", 0, None, "FIRING SignInFailures scope=global"),
        ("chat.txt", 5, "hana", "customers will have the same problem. push updates to the status page and twitter"),
    )
    assert "will have" not in text(got, "reputation_impact") and "would have" not in text(got, "reputation_impact")


@pytest.mark.parametrize(
    "said",
    [
        "we originally thought router-ids had to be publicly unique at the IXs",
        "we haven't said anything publicly",
        "I'll post on mastodon that diffs aren't updating",
        # the team's own post is a communication, and a button press is no press
        "tweeted that build and docs are down, posted on reddit too",
        "went well: status shared on Twitter and Reddit",
        "remote power button press because the console showed power off",
    ],
)
def test_a_technical_publicly_nothing_said_yet_or_a_post_to_come_is_no_reputation_impact(said: str) -> None:
    got = impact(("alerts.log", 0, None, "FIRING SyncStalled scope=global"), ("chat.txt", 5, "hana", said))
    assert "Not stated" in text(got, "reputation_impact")
    told = impact(("alerts.log", 0, None, "FIRING SyncStalled scope=global"), ("chat.txt", 5, "hana", "it was all over twitter"))
    assert "twitter" in text(told, "reputation_impact")


def test_an_outage_across_the_platform_or_for_millions_of_people_is_critical() -> None:
    # the outage of a whole service told by its breadth: a country, every product, several products named at once,
    # or people in the millions; each is a critical scope word, as "global" is
    start = ("pagerduty", 0, None, "trigger_log_entry: core reachability lost")
    end = ("chat.txt", 700, "mei", "traffic back to normal, closing the bridge")
    failing = ("chat.txt", 2, "mei", "errors on every call we try, connections failing")
    for line in (
        "nationwide outage of mobile and internet services, calls failing",
        "checkout, invoices, payroll and the dashboard are throwing errors. this is every product",
        "We are seeing impact to multiple APIs in the region, including compute, DNS and the contact centre service.",
        "more than 10 million people could not make calls or get online this morning",
    ):
        got = impact(start, failing, ("chat.txt", 5, "mei", line), end)
        assert got["severity"] == "critical", (line, got["severity_rationale"])
    for line in (
        "calls failing in one city, mobile data fine elsewhere",
        "several services log errors, the dashboard is slow",
        "about 3 million certificates affected, reissuing",
    ):
        got = impact(start, failing, ("chat.txt", 5, "mei", line), end)
        assert got["severity"] != "critical", (line, got["severity_rationale"])


def test_the_logs_count_of_failures_is_labelled_by_the_message_not_its_values_note() -> None:
    from pmstudio.offline.impact import log_magnitude

    t0 = datetime(2015, 5, 29, 1, 3, tzinfo=UTC)
    a = analyse([
        EvidenceLine(id="pingdom.txt:1", at=datetime(2015, 5, 29, 1, 0, tzinfo=UTC), actor=None,
                     text="DOWN example.com HTTPS check timeout after 30 s"),
        EvidenceLine(id="syslog.txt:5", at=t0, actor=None, count=3, last_at=datetime(2015, 5, 29, 1, 5, tzinfo=UTC),
                     text="backend kernel: INFO: task nfsd:1422 blocked for more than 120 seconds. (values: nfsd 1422, 1425)"),
    ])  # fmt: skip
    said, ids = log_magnitude(a, None, None)
    assert said.startswith("The logs recorded 3 such failures (task nfsd:1422 blocked for more than 120 seconds)")
    assert "values" not in said and ids == ["syslog.txt:5"]


def test_failures_logged_within_one_minute_are_told_at_that_minute() -> None:
    from pmstudio.offline.impact import log_magnitude

    t0 = datetime(2025, 7, 30, 21, 30, 2, tzinfo=UTC)
    a = analyse([
        EvidenceLine(id="cert-check.log:2", at=t0, actor=None, count=3, last_at=t0.replace(second=3),
                     text='certcheck host=hex.pm error="x509: certificate has expired" status=FAIL'),
    ])  # fmt: skip
    said, _ = log_magnitude(a, None, None)
    assert said.endswith("at 2025-07-30 21:30 UTC") and " to " not in said


def test_a_start_told_by_its_day_only_keeps_the_known_end_in_the_duration() -> None:
    """The notes date the outage ("8 March: the mesh had an outage"), the chat times the recovery: the duration
    says when impact ended, never "the end of impact is not stated". On the day the responders were first told of it,
    the day-only line gives way to the first timed sign (a midnight start would claim hours nobody saw)."""
    got = impact(
        ("notes.md", 0, None, "The mesh control plane had an outage. Together with a client bug, services lost each other -> "
                                "logged-out users could not log back in. Global."),
        ("chat.txt", 540, "ana", "support is flooded: users logged out of the apps and can't log back in"),
        ("chat.txt", 600, "ana", "config push done, services on static discovery, login errors dropping"),
        ("chat.txt", 720, "ana", "fully mitigated on our side, all services on static discovery"),
        date_only=frozenset({0}),
    )
    claim = text(got, "duration_of_impact")
    assert claim.startswith("About 180 minutes, from the first sign of impact at 2024-11-05 18:00 UTC"), claim
    assert "resolution at 21:00 UTC" in claim and "not stated in the materials" not in claim


def test_how_long_nobody_noticed_is_no_impact_statement() -> None:
    got = impact(
        ("notes.md", 0, None, "Clients sit behind two cache layers -> ~30 min before anyone noticed (09:30)."),
        ("chat.txt", 30, "ana", "comments missing on hundreds of issues for every workspace we checked"),
        ("chat.txt", 200, "ana", "restore done, comments back, all good"),
    )
    assert "noticed" not in text(got, "users_affected") and "noticed" not in text(got, "functional_impact")


def test_a_status_posts_investigating_frame_leaves_a_sentence_not_a_noun_phrase() -> None:
    from pmstudio.offline.impact import _fact

    assert _fact("We are investigating an issue affecting object storage in all regions. Customers may see failures.") == (
        "There was an issue affecting object storage in all regions. Customers may see failures."
    )
    assert _fact("We are investigating reports of slow logins in Europe.").startswith("Slow logins in Europe")


def test_a_security_breach_is_no_sla_and_a_quiet_database_no_scope() -> None:
    """"the password was in a third-party breach" tells how the attacker got in, not an SLA lost; "db is bored. 3% cpu,
    no slow queries" tells nothing was hurt there, so it is no scope of the impact."""
    got = impact(
        ("notes.md", 0, None, "Before: the attacker found the maintainer's reused password in a third-party breach."),
        ("chat.txt", 30, "ana", "checkout page blank for everyone, orders failing"),
        ("chat.txt", 35, "ana", "db is bored. 3% cpu, no slow queries"),
    )
    assert text(got, "sla_impact") == NOT_STATED
    assert "slow queries" not in text(got, "users_affected")


def test_a_notices_recap_of_the_whole_incident_is_no_customer_update() -> None:
    """A retrospective notice's "Timeline: 9:00 AM UTC change deployed. 11:30 AM UTC issue discovered." tells the
    incident, not an update given during it; the notice's own post of the rollback is one."""
    got = impact(
        ("deploy.log", 0, None, "deploy edge-config change=bot-rules env=production"),
        ("chat.txt", 150, "ana", "something's wrong: some form posts are not being saved"),
        ("service-notice.txt", 0, None, "Timeline: 9:00 AM UTC configuration deployed. 11:30 AM UTC issue discovered by our team."),
        ("service-notice.txt", 190, None, "configuration rolled back, forms saving again."),
    )
    said = text(got, "customer_communications")
    assert "Timeline" not in said and "rolled back" in said


def test_a_background_line_is_how_the_system_stood_not_what_the_incident_hit() -> None:
    """"Background: every datacenter runs the same control plane, which survives any two failures" tells the system
    before the incident: no users affected, no scope, no function lost."""
    rows = [
        EvidenceLine(id="review.md:1", at=None, actor=None, text="Background: every datacenter runs the same control plane, which is highly "
                     "available and survives any two failures. Every server runs an agent for provisioning."),
        EvidenceLine(id="chat.txt:1", at=T0, actor="ana", text="all servers in the east datacenter rebooted at once"),
        EvidenceLine(id="chat.txt:2", at=T0.replace(minute=40), actor="ana", text="most instances back, a few older ones did not come up"),
    ]  # fmt: skip
    d = draft_impact(analyse(rows))
    told = " ".join(str(v) for v in d.values())
    assert "control plane" not in told and "provisioning" not in told, told


def test_a_pause_or_delay_for_a_share_of_customers_tells_who_was_affected() -> None:
    """"pause in processing of incoming data for approximately 25% of customers" counts who was hurt; a responder's
    "it rolled out to all shards and only db-7 is stuck" does not."""
    d = impact(
        ("chat.txt", 0, "mo", "checked, it rolled out to all shards and only db-7 is stuck. dmesg full of lockup traces"),
        ("review.md", 10, None, "pause in processing of incoming data for approximately 25% of customers (everyone on db-7). "
         "For them the app was unavailable and no messages were delivered."),
        ("chat.txt", 60, "mo", "processing resumed on db-7, queued data flowing"),
    )  # fmt: skip
    assert "25% of customers" in text(d, "users_affected"), text(d, "users_affected")


def test_a_severity_set_by_its_name_is_the_declared_severity() -> None:
    """"bumping severity to Critical" in chat (or "Severity raised to Critical" in notes) sets the level by its name, as
    "SEV1" does by its number; the highest named level wins."""
    got = impact(
        ("chat.txt", 0, "ines", "exports lagging for a handful of customers"),
        ("chat.txt", 30, "ines", "rollback done. status to Monitoring, bumping severity to Critical until the queue drains"),
        ("chat.txt", 90, "ines", "queue drained, exports normal"),
    )
    assert got["severity"] == "critical" and "declared" in str(got["severity_rationale"])


def test_a_shell_variable_is_no_money_and_a_who_label_names_who_was_affected() -> None:
    """An advisory's "- Who: anyone who installed the nightly on Linux via pip ..." fills who was affected (over a
    line that counts files); "the first 1,000 files in $HOME" tells no revenue."""
    got = impact(
        ("advisory.md", 0, None, "Who: anyone who installed the nightly build on Linux via pip between 25 and 30 May."),
        ("advisory.md", 1, None, "The binary reads /etc/passwd, the first 1,000 files in $HOME and ~/.ssh, and uploads them."),
        ("chat.txt", 5, "ana", "malicious package confirmed, pulling it from the index"),
    )
    assert text(got, "users_affected").startswith("Anyone who installed the nightly build on Linux")
    assert "Not stated" in text(got, "revenue_impact")
    from pmstudio.offline.phrasing import is_blameful

    # the label and a relative clause about the people hit blame nobody; asking who did it still does
    assert not is_blameful("Who: anyone who installed the nightly build") and is_blameful("who deployed this build?")


def test_mastodon_the_software_a_host_runs_is_no_reputation_impact_mastodon_the_network_is() -> None:
    """A Mastodon instance's own chat names the software on every host ("reinstalling ruby on all the mastodon-web
    machines", "asked some other mastodon admins"): no standing with the public; people posting about the outage
    "on mastodon" are."""
    got = impact(
        ("alerts.log", 0, None, "FIRING WebErrors5xx ratio above 5%"),
        ("chat.txt", 5, "esk", "reinstalling ruby on all the mastodon-web machines then"),
        ("chat.txt", 9, "esk", "asked some other mastodon admins, they suggest reading the db server logs"),
    )
    assert "Not stated" in text(got, "reputation_impact")
    told = impact(
        ("alerts.log", 0, None, "FIRING WebErrors5xx ratio above 5%"),
        ("chat.txt", 5, "esk", "lots of people complaining on mastodon that their timelines are empty"),
    )
    assert "mastodon" in text(told, "reputation_impact")


def test_an_end_told_by_its_day_only_bounds_the_duration_from_below() -> None:
    """The chat times the outage, the Monday notes keep no times ("services reachable again"): the duration says it
    lasted at least until that day began and names the day, never "the end of impact is not stated"."""
    got = impact(
        ("alerts.log", 0, None, "FIRING HttpCheckDown: shop.example.org DOWN"),
        ("chat.txt", 10, "ana", "restarted the proxy container. no change"),
        ("notes.md", 2880, None, "switched the proxy to a new failover address; services reachable again"),
        date_only=frozenset({2}),
    )
    claim = text(got, "duration_of_impact")
    assert claim == "At least 39 hours, from the first sign of impact at 2024-11-05 09:00 UTC to mitigation and resolution on 2024-11-07 (time not stated).", claim


def test_a_question_beside_the_fact_is_left_out_of_the_impact() -> None:
    """"anyone else seeing the scheduler complain about etcd? getting a wall of TLS errors in fra" states its fact after
    the question: the impact tells that, not the question (made a sentence, it read as a statement)."""
    from pmstudio.offline.impact import _fact

    assert _fact("anyone else seeing the scheduler complain about etcd? getting a wall of TLS errors in fra") == (
        "Getting a wall of TLS errors in fra"
    )
    # the chat parser keeps such a question as the statement it makes ("anyone else seeing ... etcd."): still no fact
    assert _fact("anyone else seeing the scheduler complain about etcd. getting a wall of TLS errors in fra") == (
        "Getting a wall of TLS errors in fra"
    )
    assert _fact("is the api down?") == "Is the api down?"  # nothing else to tell: left to the callers' screens


def test_the_people_in_a_channel_are_an_audience_not_the_users_affected() -> None:
    """"please don't paste creds in a channel with 80 people in it" counts who reads the channel: users affected takes
    the people who could not log in, or abstains, never that line."""
    got = impact(
        ("chat.txt", 0, "kayla", "phones are lighting up, roofers can't log in from the trucks"),
        ("chat.txt", 31, "marcus", "devin please don't paste creds in a channel with 80 people in it"),
        ("chat.txt", 90, "marcus", "login p95 back under 400ms, page loads normal"),
    )
    assert "80 people" not in str(got["users_affected"])


def test_a_ticket_header_telling_who_filed_it_is_no_claim_of_who_was_hurt() -> None:
    """"Ticket 5120 - opened 3 Mar 06:58 EST by office manager, Lakeside Vets (relayed by account rep Noor)" tells who
    filed the ticket: no statement of users affected (nor a name in the Impact section); the quoted complaint under it
    is the claim."""
    got = impact(
        ("carrier.log", 0, None, "sbc1 OPTIONS ping carrier-core-a timeout -> peer DOWN"),
        ("ticket-5120.txt", 10, None,
         "Ticket 5120 - opened 3 Mar 06:58 EST by office manager, Lakeside Vets (relayed by account rep Noor)"),
        ("ticket-5120.txt", 10, None, "None of our 14 clients can reach us, the desk phones have no dial tone."),
        ("chat.txt", 40, "luis", "carrier fixed it, calls completing"),
    )
    users = text(got, "users_affected")
    assert "Noor" not in users and "opened 3 Mar" not in users
    assert "14" in users


def test_a_ticket_line_labelling_its_reporter_is_no_claim_of_who_was_hurt() -> None:
    """'Reporter: player "kite_runner_ph"' under a ticket's header names who filed it: users affected abstains rather
    than give the reporter's handle."""
    got = impact(
        ("bridge.log", 0, None, "bridge ERROR withdrawal 5512 failed: signature threshold not met"),
        ("ticket-8821.txt", 10, None, 'Reporter: player "kite_runner_ph"'),
        ("ticket-8821.txt", 10, None, '"I tried to withdraw from the bridge three times. Each time it fails."'),
        ("chat.txt", 40, "thao", "bridge paused, withdrawals halted"),
    )
    users = text(got, "users_affected")
    assert "kite_runner_ph" not in users and "Reporter" not in users


def test_a_statement_in_the_writers_own_voice_fills_no_impact_field() -> None:
    """"We apologise to all customers affected by this outage and data loss." and "We would also email an announcement
    to all affected users" tell what the writer did or felt, not who was hurt: users affected and functional impact
    abstain rather than quote them; a statement of the impact itself still fills the field."""
    got = impact(
        ("status-post.md", 0, None, "We apologise to all customers affected by this outage and data loss."),
        ("kb-draft.md", 5, None, "We would also email an announcement to all affected users explaining the issue."),
        ("chat.txt", 30, "ana", "restored from backup, mail flowing again"),
    )
    assert text(got, "users_affected") == NOT_STATED
    assert text(got, "functional_impact") == NOT_STATED
    got = impact(
        ("status-post.md", 0, None, "We apologise to all customers affected by this outage."),
        ("status-post.md", 1, None, "About 1,200 customers could not send or receive mail for six hours."),
        ("chat.txt", 30, "ana", "restored from backup, mail flowing again"),
    )
    assert "1,200 customers" in text(got, "users_affected") and "apologise" not in text(got, "users_affected")
