"""Milestone and trigger rules of the offline drafter (issue 11): each rule on a small hand-written bundle in
the shapes real incident material takes (Alertmanager notifications, incident chat, responders' notes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pmstudio.agents.messages import EvidenceLine
from pmstudio.ingest import bundle_from_materials
from pmstudio.offline.analysis import Analysis, analyse
from pmstudio.offline.causes import draft_root_cause
from pmstudio.offline.classify import FAIL_STRONG, Signals, classify
from pmstudio.offline.items import build_items
from pmstudio.offline.timeline import draft_timeline, iso
from pmstudio.schema import NOT_STATED, Material
from pmstudio.testing.factories import Row, bundle_evidence, evidence_lines

T0 = datetime(2024, 5, 14, 9, 0, tzinfo=UTC)


def lines(*rows: Row) -> list[EvidenceLine]:
    return evidence_lines(T0, *rows)


def at(a: Analysis, name: str) -> datetime | None:
    item = getattr(a.milestones, name)
    return None if item is None else item.at


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def signals_of(src: str, text: str) -> Signals:
    """The signals of one line of `src` (a chat line spoken by ana, any other material's line by no one)."""
    return classify(build_items(lines((src, 0, "ana" if src == "chat.txt" else None, text)))[0])


def test_a_resolved_alertmanager_alert_also_fired_at_its_start() -> None:
    doc = {"alerts": [
        {"status": "resolved", "labels": {"alertname": "QueueDepthHigh", "severity": "critical"},
         "annotations": {"summary": "ingest queue above 50k"}, "startsAt": "2024-05-14T09:04:00Z", "endsAt": "2024-05-14T09:40:00Z"},
    ]}  # fmt: skip
    bundle, _ = bundle_from_materials([Material(name="alertmanager.json", kind="alerts", content=json.dumps(doc))], id="q")
    got = sorted((e.at, e.id, e.text) for e in bundle.evidence)
    assert got == [
        (minute(4), "alertmanager.json:1/firing", "FIRING QueueDepthHigh: ingest queue above 50k"),
        (minute(40), "alertmanager.json:1", "RESOLVED QueueDepthHigh: ingest queue above 50k (firing since 2024-05-14T09:04:00Z)"),
    ]
    a = analyse(bundle_evidence(bundle))
    assert at(a, "detected") == minute(4)


def test_a_warning_alert_notifies_but_detection_is_the_first_paging_alert() -> None:
    doc = {"alerts": [
        {"status": "resolved", "labels": {"alertname": "DiskTempHigh", "severity": "warning"},
         "annotations": {"summary": "rack 7 inlet above 35C"}, "startsAt": "2024-05-14T09:01:00Z", "endsAt": "2024-05-14T10:00:00Z"},
        {"status": "resolved", "labels": {"alertname": "StorageNodesDown", "severity": "page"},
         "annotations": {"summary": "3 storage nodes not answering"}, "startsAt": "2024-05-14T09:09:00Z", "endsAt": "2024-05-14T10:00:00Z"},
    ]}  # fmt: skip
    bundle, _ = bundle_from_materials([Material(name="alerts.json", kind="alerts", content=json.dumps(doc))], id="t")
    assert any(e.text.startswith("FIRING DiskTempHigh (warning): ") for e in bundle.evidence)
    a = analyse(bundle_evidence(bundle))
    assert at(a, "detected") == minute(9)


def test_the_paging_alerts_own_earlier_warning_detects_it() -> None:
    """An e-mail template's "FIRING [warning] Name labels" is the alert Name at warning severity; when the same alert
    pages later at a higher severity, its first warning was the first signal that reached the responders."""
    alerts = (
        "2024-05-14T09:07:00Z FIRING [warning] ReplicationFeedDelayed feed=minutely delay=\"6m\" receiver=ops-email\n"
        "2024-05-14T09:07:00Z FIRING [warning] DiskTempHigh rack=7 receiver=ops-email\n"
        "2024-05-14T13:07:00Z FIRING [critical] ReplicationFeedDelayed feed=hourly receiver=ops-email\n"
        "2024-05-14T15:00:00Z RESOLVED ReplicationFeedDelayed feed=minutely receiver=ops-email\n"
    )
    log = "2024-05-14T09:01:00Z osm-db osmdbt-get-log[711]: ERROR: invalid memory alloc request size 1243650064\n"
    bundle, _ = bundle_from_materials(
        [Material(name="alertmanager.txt", kind="alerts", content=alerts), Material(name="app.log", kind="log", content=log)],
        id="t",
    )
    a = analyse(bundle_evidence(bundle))
    assert at(a, "detected") == minute(7)
    # a warning of another name still only notifies: the page detects
    other = alerts.replace("[warning] ReplicationFeedDelayed", "[warning] QueueSlow")
    bundle, _ = bundle_from_materials(
        [Material(name="alertmanager.txt", kind="alerts", content=other), Material(name="app.log", kind="log", content=log)],
        id="t",
    )
    a = analyse(bundle_evidence(bundle))
    assert at(a, "detected") == minute(247)


def test_a_recap_line_is_not_the_moment_it_is_dated_at() -> None:
    a = analyse(lines(
        ("chat.txt", 2, "ines", "checkout returning 502s for me"),
        ("pagerduty", 3, None, "trigger_log_entry: Checkout 5xx above 5%"),
        ("notes.md", 5, None, "502s start; 09:20 rollback; 09:31 checkout recovered. 29 minutes in all"),
        ("chat.txt", 20, "ines", "rolled back the gateway release"),
        ("chat.txt", 31, "ines", "checkout back to normal, 5xx at baseline"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(20)
    assert at(a, "resolved") == minute(31)


def test_a_found_cause_and_an_action_under_way_are_not_the_mitigation() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Object store 100% write failures"),
        ("chat.txt", 10, "omar", "found it. the abuse takedown disabled the storage gateway itself, not one bucket"),
        ("chat.txt", 14, "omar", "re-enabling the storage gateway from the admin host"),
        ("chat.txt", 18, "omar", "gateway re-enabled"),
        ("chat.txt", 25, "omar", "writes recovering, error rate back to baseline"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(18)


def test_a_line_opening_with_got_it_explains_the_cause_and_is_no_mitigation() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Order sync failing for every store"),
        ("chat.txt", 12, "noor", "got it. order_ref is an int4 and it ran out; rows are skipped even when nothing is inserted"),
        ("chat.txt", 40, "noor", "hotfix deployed, order_ref is bigint now"),
        ("chat.txt", 90, "noor", "order sync back to normal"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(40)


def test_a_quoted_error_message_is_no_mitigation() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Login failures above 20%"),
        ("chat.txt", 3, "support-bot", 'tickets coming in: users see "your session has been disabled, sign in again"'),
        ("chat.txt", 25, "ravi", "disabled the new session validator"),
        ("chat.txt", 70, "ravi", "logins back to normal"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(25)


def test_a_logfmt_message_is_the_event_itself_not_a_quoted_message() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: API 5xx above 5%"),
        ("deploy.log", 20, None, 'level=info msg="rolled back api to v41" service=api'),
        ("chat.txt", 50, "ines", "api back to normal"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(20)


def test_a_change_told_at_another_time_of_day_is_not_shipped_then() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Config API 401s above 10%"),
        ("chat.txt", 50, "mei", "the tool listed staging builds too: the build I deployed at 09:05 was a staging bundle"),
        ("chat.txt", 60, "mei", "error rate back to baseline"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(60)
    shipped_now = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Config API 401s above 10%"),
        ("chat.txt", 50, "mei", "production bundle v7.3.1 deployed at 09:50"),
        ("chat.txt", 55, "mei", "error rate back to baseline"),
    ))  # fmt: skip
    assert at(shipped_now, "mitigated") == minute(50)


def test_an_alert_that_clears_and_fires_again_flapped_and_its_first_clearing_is_no_mitigation() -> None:
    a = analyse(lines(
        ("chat.txt", 0, "alertbot", "[FIRING] checkout-5xx > 2% (edge, uncached)"),
        ("chat.txt", 20, "alertbot", "[RESOLVED] checkout-5xx > 2%"),
        ("chat.txt", 35, "alertbot", "[FIRING] checkout-5xx > 2% (edge, uncached)"),
        ("chat.txt", 60, "alertbot", "[RESOLVED] checkout-5xx > 2%"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(60)
    assert at(a, "resolved") == minute(60)


def test_a_recovery_told_after_the_fact_is_not_the_resolution_the_moment_it_names_is() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Checkout 5xx above 2%"),
        ("chat.txt", 50, "ines", "rolled back the cart service"),
        ("chat.txt", 60, "ines", "checkout back to normal, 5xx at baseline"),
        ("chat.txt", 110, "ines", "no errors since 10:00. moving to resolved"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(60)


def test_an_action_the_failure_outlives_is_no_mitigation_and_a_service_available_again_is_its_recovery() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: HTTPS check down from 3 locations"),
        ("chat.txt", 10, "ana", "rebooted app-2 and it won't come up properly"),
        ("chat.txt", 30, "ana", "storage host rebooted"),
        ("chat.txt", 38, "ana", "site still 502 though"),
        ("chat.txt", 39, "ana", "db not answering. restarting it"),
        ("uptime.log", 42, None, "UP example.com HTTPS check back up after 42m of downtime"),
        ("notes.md", 42, "ana", "example.com available again"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(42)
    assert at(a, "resolved") == minute(42)


def test_work_flowing_again_after_a_halt_is_its_recovery() -> None:
    a = analyse(lines(
        ("node.log", 0, None, "ERR consensus failure at height 880211; halting"),
        ("chat.txt", 6, "ines", "our validator stopped at 880211, every peer on the same height"),
        ("chat.txt", 50, "ines", "patched binary out, asking validators to upgrade"),
        ("chat.txt", 95, "ines", "two thirds upgraded, blocks are flowing again"),
        ("chat.txt", 140, "ines", "closing the incident, a release note goes out tomorrow"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(95)


def test_asking_whether_anyone_else_sees_the_symptom_detects_it() -> None:
    a = analyse(lines(
        ("relay.jsonl", 0, None, "WARN simulation request timed out builder=b7 slot=10495509"),
        ("chat.txt", 50, "tere", "anyone else seeing a weird missed block rate this morning? started around 09:00"),
        ("chat.txt", 56, "marek", "looking. payload counts look normal"),
        ("chat.txt", 119, "ivo", "I think I see it: the sim times out and the relay only demotes on a failure"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(50)


def test_an_acknowledgement_hours_later_answers_the_report_that_detected_it() -> None:
    a = analyse(lines(
        ("node.log", 0, None, "ERR supply check violated at height 4410; halting chain"),
        ("chat.txt", 5, "kofi", "our node stopped at 4410, pinging the core devs"),
        ("chat.txt", 9, "lea", "same on ours, every node stuck on the same height"),
        ("chat.txt", 180, "sam", "ack, sorry for the wait. looking now"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(5)


@pytest.mark.parametrize(
    ("text", "failed"),
    [("our node stopped at 4410", True), ("chain is halted for us too", True), ("every node stuck on the same height", True),
     ("replication stopped", True), ("we stopped the rollout", False), ("the jobs stopped retrying", False)],
)  # fmt: skip
def test_a_thing_that_stopped_or_halted_failed(text: str, failed: bool) -> None:
    assert bool(FAIL_STRONG.search(text)) is failed


def test_a_log_line_at_an_error_level_starts_the_impact_unless_it_logs_an_administrators_act() -> None:
    # the risk engine's CRIT line names no failure word, but its level tells one: the impact starts there, not at the
    # tweet hours later; PostgreSQL's FATAL for a backend an operator ended is that act, no failure
    a = analyse(lines(
        ("wallet.log", 0, None, "INFO hot-wallet broadcast tx=e8b4 amount=7000 BTC status=SENT"),
        ("wallet.log", 1, None, "CRIT risk-engine rule=HOTWALLET_OUTFLOW value=7000 threshold=300 action=PAGE"),
        ("chat.txt", 2, "wei", "risk engine just paged, one tx took 7000 BTC out of the hot wallet"),
        ("chat.txt", 110, "dara", "ceo tweeted about unscheduled server maintenance, the site is down for everyone"),
    ))  # fmt: skip
    assert at(a, "started") == minute(1)
    b = analyse(lines(
        ("chat.txt", 0, "ana", "[ALERT] db-main CPU > 95% for 5m (sev2)"),
        ("db.log", 17, None, "[9712] FATAL: terminating connection due to administrator command"),
        ("chat.txt", 23, "ana", "stats rebuilt, queries fast again"),
    ))  # fmt: skip
    assert at(b, "started") != minute(17)


@pytest.mark.parametrize(
    ("text", "failed"),
    [("kernel panic on fe-3", True), ("thread 'main' panicked at src/lib.rs", True),
     ("CEO tweeted maintenance so people stop panicking", False), ("no need to panic, cold wallets are fine", False),
     ("packet loss to Bolton and Manchester", True), ("CRITICAL Packet loss 12% to bolton-agg1", True),
     ("RECOVERED Packet loss 0% to bolton-agg1", False), ("filtered before it caused any packet loss", False),
     ("all packet loss should have disappeared", False), ("no packet loss on the smokeping targets", False)],
)  # fmt: skip
def test_packet_loss_tells_a_failure_and_people_panicking_none(text: str, failed: bool) -> None:
    assert bool(FAIL_STRONG.search(text)) is failed


def test_a_later_wave_the_fix_caught_does_not_move_the_resolution() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: packet loss to bolton-agg1 above 10%"),
        ("chat.txt", 24, "gareth", "upstream applied the udp/11211 filter"),
        ("chat.txt", 30, "gareth", "filtered. links back to normal"),
        ("chat.txt", 58, "gareth", "second wave, same type, same target"),
        ("chat.txt", 60, "gareth", "caught by the filter, no packet loss this time"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(30)


def test_a_user_telling_their_things_got_disabled_is_no_act_and_never_came_back_no_recovery() -> None:
    from pmstudio.offline.classify import NO_RECOVERY

    assert not signals_of("notes.md", "reporter: all my add-ons just got disabled, could not be verified").mitigation
    assert not signals_of("chat.txt", "my keys have been revoked and nobody told me").mitigation
    assert signals_of("chat.txt", "disabled the add-on signing check for now").mitigation
    assert NO_RECOVERY.search("patroni-2 was drained on monday afternoon, never came back into the cluster")
    assert NO_RECOVERY.search("db-3 didn't come back up after the reboot")
    assert not NO_RECOVERY.search("db-3 came back after the reboot")


def test_a_routine_update_applied_is_a_change_not_a_mitigation_and_a_fix_applied_is_one() -> None:
    assert not signals_of("gw.log", "gw-all INFO software update applied: gateway config r15.07-gw").mitigation
    assert not signals_of("chat.txt", "firmware upgrade done on the core switches").mitigation
    assert signals_of("gw.log", "gw-all INFO software update applied: previous gateway config r15.06-gw restored").mitigation
    assert signals_of("chat.txt", "hotfix applied on all gateways").mitigation


def test_back_up_is_a_recovery_only_when_it_tells_a_state() -> None:
    from pmstudio.offline.classify import RECOVERY_FULL

    assert RECOVERY_FULL.search("web installed, we're back up. web, git, api answering")
    assert not RECOVERY_FULL.search("we need to back up the database before the upgrade")
    assert not RECOVERY_FULL.search("the check came back up the chain to the load balancer")


def test_responders_who_saw_the_symptom_minutes_before_the_page_detected_it() -> None:
    a = analyse(lines(
        ("upgrade.log", 0, None, "event=drain zone=c"),
        ("chat.txt", 1, "ana", "uh. api error rate"),
        ("chat.txt", 2, "ana", "availability just fell off a cliff"),
        ("chat.txt", 4, "alertbot", "[FIRING] api-availability-2xx < 90% (current 26%)"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(1)
    from pmstudio.offline.lessons import draft_lessons

    lessons = draft_lessons(a)
    good = " ".join(c["text"] for c in lessons["went_well"])
    assert "paged responders, 3 minutes after they first saw the problem" in good
    # talk long before the page is no detection of it
    b = analyse(lines(
        ("chat.txt", 0, "ana", "api error rate looks odd"),
        ("chat.txt", 30, "alertbot", "[FIRING] api-availability-2xx < 90% (current 26%)"),
    ))  # fmt: skip
    assert at(b, "detected") == minute(30)


def test_ops_becoming_aware_of_a_flatlined_graph_detects_it() -> None:
    a = analyse(lines(
        ("ca.log", 0, None, "boulder-ca: [AUDIT] FAILSAFE ENGAGED: halting issuance"),
        ("chat.txt", 4, "ana", "hm, issuance graph flatlined. all DCs, not just dc1"),
        ("notes.md", 4, None, "ops became aware the failsafe had triggered."),
        ("chat.txt", 9, "omar", "that's the failsafe doing its job. it can't know the blip was harmless"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(4)


def test_a_failover_the_same_errors_follow_is_no_mitigation() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: issuance error ratio above 20%"),
        ("ops.log", 28, None, "[INFO] ops: issuance traffic failed over dc=secondary"),
        ("chat.txt", 30, "ana", "secondary taking traffic, issuing fine"),
        ("chat.txt", 40, "ana", "and there it is. secondary now getting the same errors"),
        ("ops.log", 42, None, "[INFO] ops: stopping services dc=primary,secondary"),
        ("chat.txt", 60, "ana", "first certs issued again. error ratio back at baseline"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(60)
    # a line telling the failure again before anything was done is no relapse of a mitigation
    b = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: issuance error ratio above 20%"),
        ("ops.log", 28, None, "[INFO] ops: issuance traffic failed over dc=secondary"),
        ("chat.txt", 31, "ana", "error ratio back at baseline"),
    ))  # fmt: skip
    assert at(b, "mitigated") == minute(28)


def test_an_all_clear_after_a_watch_dated_by_the_fix_is_not_the_resolution() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: pod 23 error rate above 5%"),
        ("chat.txt", 20, "ana", "reroute done. pod 23 error rate back at baseline, latency normal"),
        ("chat.txt", 85, "ana", "no recurrence since the fix, marking fully resolved"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(20)


def test_a_line_telling_the_errors_over_is_no_detection() -> None:
    a = analyse(lines(
        ("chat.txt", 0, "ana", "status post is out, investigating messaging across pods"),
        ("chat.txt", 5, "ana", "reroute done. pod 23 error rate back at baseline, latency normal"),
    ))  # fmt: skip
    assert at(a, "detected") != minute(5)


def test_a_zone_taken_down_on_purpose_and_a_watch_without_errors_start_no_impact() -> None:
    a = analyse(lines(
        ("chat.txt", 0, "ana", "take zone b down for ten minutes and watch"),
        ("chat.txt", 17, "ana", "ten minutes, no degradation on latency or errors. b back. going ahead"),
        ("chat.txt", 130, "ana", "uh. api error rate"),
        ("chat.txt", 133, "alertbot", "[FIRING] api-availability-2xx < 90% (current 26%)"),
    ))  # fmt: skip
    assert at(a, "started") == minute(130)
    from pmstudio.offline.classify import classify
    from pmstudio.offline.items import build_items

    said = build_items(lines(("chat.txt", 0, "ana", "the config push took the whole site down")))
    assert classify(said[0]).failure


@pytest.mark.parametrize("text", [
    "sidekiq apdex still sagging on catchall. no deploy in the window",
    "api still pegged. nothing deployed today that I can see",
])  # fmt: skip
def test_a_change_denied_is_no_change(text: str) -> None:
    from pmstudio.offline.classify import classify
    from pmstudio.offline.items import build_items

    assert not classify(build_items(lines(("chat.txt", 0, "ana", text)))[0]).change


def test_a_straggler_told_as_an_addition_does_not_move_the_resolution() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: payments auth success rate below 90%"),
        ("chat.txt", 40, "ana", "payment services restored, merchants can take card payments again in every region"),
        ("chat.txt", 51, "ana", "support console working again too"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(40)


def test_a_crash_restart_is_no_mitigation_and_most_traffic_ok_ends_the_main_impact() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: cloud-portal 5xx=100%, connection-mediator 5xx=100%"),
        ("chat.txt", 2, "ana", "cloud db pod restarted. exit 139. segfault"),
        ("chat.txt", 3, "ana", "replacement pod is up but it's still loading the dataset"),
        ("chat.txt", 20, "ana", "most traffic ok. portal loads, authentication mostly works"),
        ("chat.txt", 21, "ana", "still a trickle of 5xx on the gateway, intermittent"),
        ("chat.txt", 80, "ana", "zero errors for 10+ minutes, everything served. calling it recovered"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(20)
    from pmstudio.offline.classify import CRASHED

    assert not CRASHED.search("restarted the api pods after the crash fix was deployed")


def test_a_restart_told_in_the_present_by_notes_is_the_mitigation_and_a_crash_loop_told_so_is_none() -> None:
    """Notes often tell the response in the present ("ana restarts the portal service; the certificate is renewed"):
    that is the mitigation done, before the alert clears. A supervisor restarting a process that dies again ("systemd
    restarts it, it loads it again, dies again") is the crash, not an act."""
    a = analyse(lines(
        ("alerts.log", 0, None, "FIRING InstanceDown: https://portal.example.org down (certificate expired)"),
        ("chat.txt", 30, "ana", "portal is serving an expired certificate"),
        ("chat.txt", 35, "ana", "restarting the portal service now"),
        ("notes.md", 35, None, "ana restarts the portal service; the certificate is renewed"),
        ("alerts.log", 49, None, "RESOLVED InstanceDown: https://portal.example.org"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(35)
    from pmstudio.offline.classify import CRASHED, MIT_ACTION, MIT_DONE

    assert MIT_DONE.search("the certificate was renewed by hand") and MIT_ACTION.search("we renewed the TLS cert")
    assert not MIT_ACTION.search("the portal is supposed to renew by itself")
    assert CRASHED.search("process dies on load, systemd restarts it, it loads it again, dies again")


def test_a_server_that_hung_detected_by_the_noted_report_mitigated_as_it_pings_ended_by_the_last_fix() -> None:
    """A rented server hangs; the monitor logs it unalerted; the notes record "issue reported in the channel" as a person
    tells it there; support's account of the hardware swap comes a minute after the server pings again; a last
    certificate glitch is fixed with "restarted nginx, certs fine now". Detection is the noted report (not support's
    later "reports the server hung in POST"), the mitigation is the swap, told just after the recovery it brought, and
    the end is that last fix."""
    a = analyse(lines(
        ("ping.txt", 0, None, "host=box-1 icmp=timeout"),
        ("chat.txt", 24, "mal", "box-1 is gone. build and docs time out, search is dead"),
        ("notes.md", 24, None, "issue reported on IRC by mal"),
        ("chat.txt", 28, "got", "issued a hardware reset from the web console"),
        ("notes.md", 114, None, "server pings again"),
        ("chat.txt", 115, "got", "support: the server was hanging in POST, they replaced the hardware and moved our disks over"),
        ("notes.md", 115, None, "support reports the server hung in POST and the hardware was replaced"),
        ("chat.txt", 156, "mal", "firefox gives me certificate errors on docs"),
        ("chat.txt", 158, "got", "restarted nginx, certs fine now"),
    ))  # fmt: skip
    assert (at(a, "detected"), at(a, "mitigated"), at(a, "resolved")) == (minute(24), minute(115), minute(158))


def test_a_noted_report_with_nobody_telling_the_failure_then_is_no_detection() -> None:
    """The notes' "first external reports" on a day the parser could not place is no detection when no person tells
    the failure within minutes of it; the on-call's own report is."""
    a = analyse(lines(
        ("notes.md", 0, None, "first external reports"),
        ("chat.txt", 300, "ic", "community forum has people saying the resolver gives SERVFAIL. first reports coming in"),
        ("chat.txt", 340, "ic", "override applied, servfail back to baseline"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(300)


def test_an_attack_under_control_is_the_mitigation_and_calling_the_impact_over_the_end() -> None:
    """Waves of a flood attack: "it's under control. attack subsiding" is the responders' own word of the mitigation
    (not the later "mitigated" of the second wave); "calling the customer-impacting part over" ends it, after the
    second wave's recovery; "could not bring it under control" mitigates nothing."""
    a = analyse(lines(
        ("chat.txt", 0, "ana", "east nameservers getting flooded, UDP and TCP on 53. starting mitigation"),
        ("chat.txt", 40, "ana", "the filters could not bring it under control yet"),
        ("chat.txt", 130, "ana", "it's under control. attack subsiding, resolution back for the east"),
        ("chat.txt", 280, "ben", "second wave, everywhere this time"),
        ("chat.txt", 350, "ana", "mitigated. resolution and latency back to normal"),
        ("chat.txt", 395, "ana", "calling the customer-impacting part over. staying on watch"),
    ))  # fmt: skip
    assert (at(a, "mitigated"), at(a, "resolved")) == (minute(130), minute(395))
    from pmstudio.offline.classify import MIT_ACTION

    assert not MIT_ACTION.search("firefighters say they cannot get it under control")


def test_a_migration_s_lock_wait_starts_the_impact_and_a_gradual_recovery_confirmed_mitigates_it() -> None:
    """A schema change locks a table: the database's first "still waiting for AccessShareLock" is the impact's start,
    before the page; with no act to end it (the build finishes by itself), "gradual service recovery confirmed" in
    the notes is the mitigation, before the full restoration."""
    a = analyse(lines(
        ("deploy.txt", 0, "ana", "rollout finished; migration applied in production"),
        ("postgres.log", 0, None, "LOG: process 90211 still waiting for AccessShareLock on relation 16502 after 1000.1 ms"),
        ("pagerduty", 2, None, "trigger_log_entry: api 5xx ratio above 20% for 2m"),
        ("chat.txt", 12, "ana", "pgbouncer pools full, thousands of clients waiting"),
        ("postgres.log", 25, None, "LOG: migration 20251028_add_hint committed"),
        ("notes.md", 26, None, "gradual service recovery confirmed"),
        ("chat.txt", 41, "ana", "error rate at baseline, everything caught up. resolving"),
    ))  # fmt: skip
    assert (at(a, "started"), at(a, "mitigated"), at(a, "resolved")) == (minute(0), minute(26), minute(41))


def test_a_recovery_the_attack_undid_is_no_mitigation_and_the_last_word_back_ends_it() -> None:
    """Edge routers attacked: filters bring traffic back, then "v4 gone again. v6 still fine" (a relapse: what stayed up
    recovers nothing) as "they changed the pattern" (the attackers' move, no fix shipped); "v4 back to normal. new
    filter set holding" is both the mitigation and the end. "Not calling it fixed" is no mitigation."""
    a = analyse(lines(
        ("chat.txt", 0, "ana", "CRITICAL: edge01 BGP sessions down (4/4)"),
        ("chat.txt", 1, "ana", "everything is down. both edges at the same time"),
        ("chat.txt", 29, "ana", "filters in, first upstreams back. traffic is flowing again"),
        ("chat.txt", 70, "ana", "v4 gone again. v6 still fine"),
        ("chat.txt", 72, "ben", "they changed the pattern, it's slipping past the new filters. adjusting"),
        ("chat.txt", 75, "ben", "not calling it fixed while they keep probing"),
        ("chat.txt", 83, "ana", "v4 back to normal. new filter set holding"),
    ))  # fmt: skip
    assert (at(a, "mitigated"), at(a, "resolved")) == (minute(83), minute(83))


def test_a_dashboard_hours_stale_is_detected_and_a_scale_up_live_mitigates_it() -> None:
    """A data-freshness incident: nobody is paged; "the dashboard is hours stale, ingestion lag 7h+" is the detection;
    "scale-up validated and live" is the mitigation done, "lag under a minute, dashboards current. calling it" the end.
    "Nothing rebooted" rules an act out: no mitigation."""
    a = analyse(lines(
        ("release.log", 0, None, "release r2025.05.2 stage=rollout status=completed"),
        ("chat.txt", 492, "ana", "no, it's real. the pipeline dashboard is hours stale. ingestion lag 7h+"),
        ("chat.txt", 495, "ben", "power's fine, nothing rebooted. the write path is the bottleneck"),
        ("chat.txt", 520, "ana", "requesting more CPU and IOPS for the analytics databases"),
        ("chat.txt", 583, "ana", "scale-up validated and live. consumers draining faster than events arrive"),
        ("chat.txt", 675, "ana", "lag under a minute, dashboards current. calling it"),
    ))  # fmt: skip
    assert (at(a, "detected"), at(a, "mitigated"), at(a, "resolved")) == (minute(492), minute(583), minute(675))


def test_a_full_service_restoration_told_by_the_responders_ends_it_before_the_status_page_says_resolved() -> None:
    a = analyse(lines(
        ("ticket.txt", 0, None, "Our CI runners hang on docker pull since around 21:00 our time"),
        ("chat.txt", 400, "ana", "the provider is disabling that mechanism for our zone"),
        ("notes.md", 410, None, "mechanism disabled -> full service restoration"),
        ("status.txt", 425, None, "Resolved - The mechanism causing the hanging downloads has been disabled and pulls have recovered."),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(410)
    from pmstudio.offline.classify import RECOVERY_FULL

    assert not RECOVERY_FULL.search("working towards full restoration by tonight")


def test_a_note_to_self_is_a_follow_up_not_a_recovery() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: backup service unreachable"),
        ("notes.md", 60, None, "mail to users: back online"),
        ("notes.md", 95, None, "note to self: test the full recovery more than once a decade"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(60)


def test_a_kill_switch_followed_by_recovery_is_the_mitigation_not_the_later_re_enable() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Synthetic checks failing from every region"),
        ("chat.txt", 20, "lena", "global kill of the rule engine executed"),
        ("pagerduty", 22, None, "resolve_log_entry: Traffic back to expected levels"),
        ("chat.txt", 60, "lena", "rule engine re-enabled globally, bad rule removed"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(20)
    assert at(a, "resolved") == minute(22)


def test_the_trigger_is_a_change_never_the_first_symptom() -> None:
    changed = analyse(lines(
        ("deploy.log", 0, None, "deploy: gateway v4.2 rolled out to production"),
        ("pagerduty", 6, None, "trigger_log_entry: Gateway 5xx above 5%"),
    ))  # fmt: skip
    trigger = draft_root_cause(changed)["trigger"]
    assert trigger["evidence"] == ["deploy.log:1"] and "rolled out" in trigger["text"]
    no_change = analyse(lines(
        ("pagerduty", 6, None, "trigger_log_entry: Gateway 5xx above 5%"),
        ("chat.txt", 8, "sam", "gateway pods restarting, OOM"),
    ))  # fmt: skip
    assert draft_root_cause(no_change)["trigger"] == {"text": NOT_STATED, "evidence": []}


def test_a_statement_naming_the_trigger_fills_the_trigger() -> None:
    a = analyse(lines(
        ("pagerduty", 6, None, "trigger_log_entry: Resolver query rate dropped"),
        ("notes.md", 40, None, "The outage was triggered by a topology change that attached the resolver prefixes to a test site."),
    ))  # fmt: skip
    trigger = draft_root_cause(a)["trigger"]
    assert trigger["evidence"] == ["notes.md:1"] and "topology change" in trigger["text"]


def test_resolution_is_the_recovery_not_the_later_status_page_post() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Login error rate above 20%"),
        ("chat.txt", 30, "noor", "rolled back the identity service"),
        ("alerts.txt", 41, None, "RESOLVED LoginErrorRate"),
        ("chat.txt", 41, "noor", "login errors back to baseline, auth recovered"),
        ("ticket.txt", 95, None, "Resolved - The issue is resolved for all services."),
        ("chat.txt", 100, "noor", "closing the incident"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(41)


def test_resolution_waits_for_the_clean_up_that_finished_after_recovery() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Package site returning 503"),
        ("chat.txt", 20, "kai", "wiped the temp folder and restarted the web server"),
        ("pagerduty", 24, None, "resolve_log_entry: Site serving again"),
        ("chat.txt", 24, "kai", "site is back online"),
        ("chat.txt", 300, "kai", "rebuilds of the failed packages are done"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(300)


def test_a_recovery_called_a_mitigation_is_resolved_by_the_statement_after_it() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Edge 5xx above 50%"),
        ("chat.txt", 20, "mei", "bad config disabled across the fleet, pops recovering"),
        ("edge-alerts.txt", 120, None, 'RESOLVED PopHealth summary="all pops healthy for 15m"'),
        ("chat.txt", 120, "mei", "incident mitigated, all pops healthy"),
        ("chat.txt", 129, "mei", "status page set to resolved"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(129)


def test_an_alert_on_a_cause_fires_before_the_first_symptom_which_starts_the_impact() -> None:
    a = analyse(lines(
        ("alerts.txt", 0, None, "FIRING CoolingControllerFault hall=B severity=critical"),
        ("chat.txt", 1, "aiko", "hosts in hall B are shutting down, thermal protection, instances down"),
        ("chat.txt", 90, "aiko", "cooling restored, instances back online"),
    ))  # fmt: skip
    assert at(a, "started") == minute(1)
    assert at(a, "detected") == minute(1)  # never before the impact: responders on the cause detect it as it starts


def test_a_page_on_a_precursor_is_no_detection_before_the_impact_which_starts_at_the_first_symptom() -> None:
    # the convention (datasets/README.md): detection is never before the impact start, and equals it when the
    # responders were already on the precursor when users were hit, however long after the page that is
    rows = [
        ("pagerduty", 0, None, "trigger_log_entry: traffic-router load above paging threshold (dc-b)"),
        ("chat.txt", 2, "helen", "ack. load on the dc-b routers has been creeping up since about 4am"),
        ("chat.txt", 20, "helen", "global restart of the traffic routers started"),
        ("pagerduty", 80, None, "trigger_log_entry: appengine app error ratio > 20% (all datacenters)"),
        ("chat.txt", 83, "priya", "apps across all datacenters getting errors and huge latency"),
        ("chat.txt", 300, "helen", "traffic ramp-up complete, app engine back to normal operation"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "started") == minute(80)
    assert at(a, "detected") == minute(80)
    # the page on the precursor and the restart after it stay in the timeline, before the impact
    entries = draft_timeline(a)["entries"]
    assert [(e["at"], e["phase"]) for e in entries[:2]] == [(iso(minute(0)), "detection"), (iso(minute(2)), "detection")]
    assert (iso(minute(20)), "mitigation") in [(e["at"], e["phase"]) for e in entries]
    # a page that is itself a symptom ("latency p99 above 2s") detects the impact it starts
    symptom = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: VaultRequestLatencyHigh: Vault request latency p99 above 2s"),
        ("chat.txt", 150, "ana", "services failing health checks in waves now"),
    ))  # fmt: skip
    assert at(symptom, "detected") == minute(0)
    assert at(symptom, "started") == minute(0)


def test_a_bots_tagged_alert_in_chat_detects_but_a_warning_does_not() -> None:
    rows = [
        ("chat.txt", 0, "lena", "rollout started, first production percentage taking traffic"),
        ("chat.txt", 14, "lena", "graphs flat, no change in KV error rate so far"),
        ("chat.txt", 43, "alertbot", "[WARN] kv-prod: share of requests answered 401 rising in the new-build slice"),
        ("chat.txt", 56, "alertbot", "[CRITICAL] kv-prod: 401 responses on get/put/list across all namespaces"),
        ("chat.txt", 57, "zara", "pages sites throwing 500s. access logins failing"),
        ("chat.txt", 90, "hugo", "impact over, KV error rates back to normal"),
    ]
    a = analyse(lines(*rows))
    # the critical alert detects; it names no failure word, so impact starts at the first symptom after it (and
    # the detection with it); an error rate that did not move is no failure, so nothing started at minute 14
    assert at(a, "started") == minute(57)
    assert at(a, "detected") == minute(57)
    warned = analyse(lines(*rows[:3], rows[4]))
    assert at(warned, "detected") == minute(57)


def test_an_all_clear_soon_after_recovery_is_the_resolution_but_closing_paperwork_is_not() -> None:
    rows = [
        ("pagerduty", 0, None, "trigger_log_entry: API 5xx above 10%"),
        ("chat.txt", 40, "dana", "rolled back to v8, errors back to baseline"),
    ]
    declared = analyse(lines(*rows, ("chat.txt", 60, "dana", "all clear, resolved")))
    assert at(declared, "resolved") == minute(60)
    paperwork = analyse(lines(*rows, ("chat.txt", 70, "dana", "30 min nominal. closing incident 465, postmortem owner dana")))
    assert at(paperwork, "resolved") == minute(40)


def test_users_affected_abstains_without_a_count_or_the_people_affected() -> None:
    from pmstudio.offline.impact import draft_impact

    machine_only = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Docs site down"),
        ("notes.md", 5, None, "Builds fail, no space left on the build server."),
    ))  # fmt: skip
    assert draft_impact(machine_only)["users_affected"]["text"] == NOT_STATED
    people = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Docs site down"),
        ("notes.md", 5, None, "Crate authors could not see the docs of their new releases."),
    ))  # fmt: skip
    assert draft_impact(people)["users_affected"]["evidence"] == ["notes.md:1"]


def test_the_responders_own_incident_mitigated_is_the_mitigation_not_the_first_partial_recovery() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: CDN 5xx ratio above 50% across the fleet"),
        ("chat.txt", 40, "sara", "disabled the bad tenant config, pushing to all pops"),
        ("notes.md", 44, None, "services begin to recover after the config was disabled"),
        ("chat.txt", 70, "sara", "majority of pops recovered, some still slow while caches refill"),
        ("chat.txt", 150, "sara", "incident mitigated, all pops healthy"),
        ("chat.txt", 160, "sara", "status page set to resolved"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(150)
    assert at(a, "resolved") == minute(160)


def test_a_person_telling_of_the_symptom_detects_it_before_a_later_report() -> None:
    a = analyse(lines(
        ("chat.txt", 0, "kai", "registrar ticket flipped to completed: nameservers updated"),
        ("chat.txt", 5, "kai", "customers in the forum say they can't log in to the console"),
        ("chat.txt", 6, "mona", "api calls fail for me too, could not resolve host"),
        ("chat.txt", 8, "kai", "agents still seem to be reporting, we just can't reach anything"),
        ("chat.txt", 25, "kai", "nameservers reverted, console resolves again"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(5)


def test_all_systems_verified_operational_is_the_resolution_and_posting_the_all_clear_tells_it() -> None:
    a = analyse(lines(
        ("alerts.txt", 0, None, "FIRING IngressCannotScale: not enough free addresses in the subnets"),
        ("chat.txt", 30, "jonas", "subnet migration completed, all nodes on the new subnets"),
        ("chat.txt", 55, "jonas", "walking through the team namespaces and ingress endpoints"),
        ("chat.txt", 70, "jonas", "all systems verified operational. teams can scale back up"),
        ("chat.txt", 74, "mette", "posting the all clear in #dev"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(70)


@pytest.mark.parametrize(
    ("text", "failed"),
    [
        ("fire breaks out in a room of the east hall", True),
        ("smoke from the battery room, site evacuated", True),
        ("power cut to the entire campus", True),
        ("the building lost mains power", True),
        ("our nameservers are getting flooded from everywhere", True),
        ("alerts fire on disk usage above 80%", False),
        ("router flooding purge requested by operator", False),
        ("fire drill planned for thursday", False),
    ],
)
def test_a_site_on_fire_flooded_or_without_power_failed(text: str, failed: bool) -> None:
    assert bool(FAIL_STRONG.search(text)) is failed


def test_a_fire_noted_at_its_start_starts_the_impact_before_the_alert_on_its_effect() -> None:
    a = analyse(lines(
        ("notes.md", 0, None, "fire breaks out in a room of hall B"),
        ("chat.txt", 25, "ines", "(from the bridge) fire in one room of hall B, site staff evacuated"),
        ("chat.txt", 127, "ines", "fire service is isolating the site. power cut to the entire campus"),
        ("alerts.json", 128, None, "FIRING SiteUnreachable: all prefixes of the site unreachable"),
    ))  # fmt: skip
    assert at(a, "started") == minute(0)


def test_down_in_writing_it_down_or_lag_coming_down_is_no_failure() -> None:
    from pmstudio.offline.classify import classify
    from pmstudio.offline.items import build_items

    texts = ["writing down which hosts got which build", "replica lag down to ~22 blocks", "scaled down the batch workers",
             "search latency coming down", "the site is down for everyone", "api went down again"]  # fmt: skip
    items = build_items([EvidenceLine(id=f"chat.txt:{i}", at=minute(i), actor="ana", text=t) for i, t in enumerate(texts)])
    assert [classify(it).failure for it in items] == [False, False, False, False, True, True]
    a = analyse(lines(
        ("chat.txt", 0, "ana", "market open, orders flowing"),
        ("chat.txt", 5, "ana", "fills piling up, parent orders filled but it keeps sending"),
        ("chat.txt", 45, "ana", "engine stopped, orders halted"),
        ("chat.txt", 90, "ana", "writing down which servers got which build"),
    ))  # fmt: skip
    assert at(a, "detected") is None


def test_a_detection_that_is_itself_a_symptom_starts_the_impact_when_nothing_came_before() -> None:
    a = analyse(lines(
        ("chat.txt", -1400, "ana", "enabling streaming on the routing service now"),
        ("chat.txt", 0, "ana", "vault latency alarm paged me, one consul server pegged on CPU"),
        ("chat.txt", 15, "ana", "replacing the hot consul server with a fresh box"),
        ("chat.txt", 180, "ana", "players dropping, kv writes taking seconds"),
        ("chat.txt", 600, "ana", "streaming disabled everywhere, kv write latency back to normal"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(0)
    assert at(a, "started") == minute(0)


def test_the_detection_as_first_sign_of_impact_counts_as_the_timelines_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    from pmstudio.offline import timeline

    monkeypatch.setattr(timeline, "MIN_ENTRIES", 0)
    monkeypatch.setattr(timeline, "QUOTA", dict.fromkeys(timeline.QUOTA, 0))
    a = analyse(lines(
        ("chat.txt", 0, "ana", "vault latency alarm paged me, one consul server pegged on CPU"),
        ("chat.txt", 3, "ben", "users report slow logins"),
        ("chat.txt", 30, "ana", "streaming disabled everywhere, kv write latency back to normal"),
    ))  # fmt: skip
    assert a.milestones.started is a.milestones.detected
    chosen = timeline.select(a)
    assert [c.rep.at for c in chosen if c.phase == "detection"] == []  # no stand-in: the detection is the start entry
    assert minute(0) in [c.rep.at for c in chosen]


def test_halting_the_service_is_containment_and_re_enabling_it_with_the_fix_is_the_mitigation() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Compliance incident opened: signing checks one name of multi-name orders"),
        ("ra.log", 2, None, "signer[311]: signing disabled by operator flag signing_enabled=false"),
        ("chat.txt", 3, "noor", "signing halted, new orders refused"),
        ("chat.txt", 40, "noor", "fix up for review: check every name"),
        ("chat.txt", 95, "noor", "fix deployed, signing re-enabled"),
        ("chat.txt", 110, "noor", "next: find the certificates signed without the full check"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(95)


def test_the_action_a_later_line_credits_with_the_recovery_is_the_mitigation_not_an_earlier_clean_up() -> None:
    a = analyse(lines(
        ("alerts.txt", 0, None, "FIRING NodeNotReadyHigh: 12 nodes flapping NotReady"),
        ("chat.txt", 30, "ole", "cordoned and drained the 6 worst nodes, replacements are Ready"),
        ("chat.txt", 300, "ole", "decision: roll back the node image to the previous version"),
        ("chat.txt", 340, "ole", "pipeline is rolling the node groups back to the previous image"),
        ("chat.txt", 370, "ole", "connection counts flat on the new nodes"),
        ("chat.txt", 395, "ole", "rollback resolved it. no more NotReady and the timeouts are gone"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(340)  # under way when credited; the drain and the decision are not it
    assert at(a, "resolved") == minute(395)


@pytest.mark.parametrize(
    "credit",
    ["the restart fixed it, error rate at baseline", "no more 502s since the gateway restart",
     "restarting the gateways did the trick"],
)  # fmt: skip
def test_a_credited_restart_is_its_completed_instance_not_an_earlier_unrelated_action(credit: str) -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Gateway 502 ratio above 10%"),
        ("chat.txt", 8, "ida", "scaled out the gateway pool by 4 instances"),
        ("chat.txt", 40, "ida", "restarted all gateway instances"),
        ("chat.txt", 70, "ida", credit),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(40)


def test_a_credit_that_is_a_guess_or_a_plan_moves_nothing() -> None:
    rows = [
        ("pagerduty", 0, None, "trigger_log_entry: Gateway 502 ratio above 10%"),
        ("chat.txt", 8, "ida", "scaled out the gateway pool by 4 instances"),
        ("chat.txt", 40, "ida", "restarted all gateway instances"),
    ]
    for guess in ("maybe the restart fixed it?", "a restart will fix it once the pool drains"):
        a = analyse(lines(*rows, ("chat.txt", 70, "ida", guess)))
        assert at(a, "mitigated") == minute(8)


def test_an_action_under_way_that_nothing_completes_is_mitigated_when_the_service_comes_back() -> None:
    # golden convention (datasets/README.md): the action's completion or the service coming back, never its start
    # [google-appengine-2012: "starting the full restart now" 18:10, "most apps serving again" 18:30]
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Orders API p99 above 5s"),
        ("chat.txt", 6, "rui", "restarted the order workers"),
        ("chat.txt", 20, "rui", "still slow. failing over the orders db to the standby now"),
        ("db.log", 21, None, "failover initiated: primary orders-db-1 -> standby orders-db-2"),
        ("chat.txt", 48, "rui", "p99 back to normal, checkout confirmed working"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(48)  # not the restart that changed nothing, not the failover's start


def test_an_action_under_way_that_brings_the_first_regions_back_is_the_mitigation_not_a_later_told_restoration() -> None:
    # staged recovery [optus-2023: hard reboot starts 23:30, first regions back 23:38; "network largely restored"
    # with the devices rebooted only hours later]: the cause removed and the first stage back
    rows = [
        ("pagerduty", 0, None, "trigger_log_entry: Mobile data down nationwide"),
        ("chat.txt", 30, "kim", "starting the coordinated hard reboot of the affected routers"),
        ("chat.txt", 38, "kim", "internet services starting to come back online in the first regions"),
        ("chat.txt", 120, "kim", "about a third of the rebooted routers stable and carrying traffic"),
        ("chat.txt", 360, "kim", "network largely restored. around 100 devices rebooted by hand or remotely"),
        ("chat.txt", 480, "kim", "all services restored, back to normal"),
    ]
    assert at(analyse(lines(*rows)), "mitigated") == minute(38)
    # without the early return, the told restoration stays the mitigation
    assert at(analyse(lines(*rows[:2], *rows[3:])), "mitigated") == minute(360)


def test_a_completed_action_then_the_first_group_back_within_a_quarter_hour_is_mitigated_at_that_group() -> None:
    # staged recovery [aws-2020-11-25 kinesis: capacity removed 17:58, first servers taking traffic 18:07]
    rows = [
        ("pagerduty", 0, None, "trigger_log_entry: Stream API error rate above 5%"),
        ("chat.txt", 40, "raj", "removing the new capacity from the fleet, then restarting the front-ends in small groups"),
        ("chat.txt", 58, "raj", "new capacity removed from the fleet"),
        ("chat.txt", 67, "raj", "first group of front-end servers restarted and taking traffic. restart pace: a few hundred servers an hour"),
        ("chat.txt", 300, "raj", "all front-end servers back, error rates at normal. we are fully recovered"),
    ]  # fmt: skip
    assert at(analyse(lines(*rows)), "mitigated") == minute(67)
    # the first group only half an hour later [google-2013: rollback done 02:15, 25% served 02:49]: the action
    late = [*rows[:3], ("chat.txt", 90, "raj", rows[3][3]), rows[4]]
    assert at(analyse(lines(*late)), "mitigated") == minute(58)


def test_an_action_under_way_and_then_reported_done_is_mitigated_when_done() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Orders API p99 above 5s"),
        ("chat.txt", 20, "rui", "failing over the orders db to the standby now"),
        ("chat.txt", 31, "rui", "failed over, orders-db-2 is primary"),
        ("chat.txt", 48, "rui", "p99 back to normal, checkout confirmed working"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(31)


def test_a_day_without_a_time_never_detects_when_a_timed_line_does() -> None:
    # issue 11: a date-only fact is a day, not 00:00 that day; it is the detection only when nothing timed detects
    rows = [
        EvidenceLine(id="notes.md:3", at=T0 - timedelta(days=9, hours=9), actor=None, date_only=True,
                     text="2024-05-05 (day only): researcher reports a deploy token leaked in public build logs"),
        EvidenceLine(id="chat.txt:1", at=minute(12), actor="ines", text="customers report 5xx errors from the edge in two regions"),
        EvidenceLine(id="chat.txt:2", at=minute(14), actor="ines", text="checking the pops"),
    ]  # fmt: skip
    a = analyse(rows)
    assert at(a, "detected") == minute(12)
    alone = analyse(rows[:1])
    assert alone.milestones.detected is not None and alone.milestones.detected.date_only


def test_the_impact_window_the_responders_state_names_the_impact_start() -> None:
    a = analyse(lines(
        ("api.log", 0, None, "INFO signup login=acme-support user_id=881"),
        ("api.log", 3, None, "INFO upload user=acme-support pkg=tiny vers=0.0.1 status=200 dur=0.7s"),
        ("notes.md", 3, None, "bulk uploads begin from the new account, one every 2 seconds"),
        ("api.log", 8, None, "WARN upload user=ravi pkg=cfgkit vers=2.1.0 status=200 dur=11.8s"),
        ("notes.md", 8, None, "registry writes throttled upstream; every upload takes 10+ seconds"),
        ("ticket.txt", 30, None, "Report - an account named acme-support uploads many empty packages"),
        ("notes.md", 48, None, "IP blocked -> slow uploads lasted 09:03-09:48 (45 minutes)"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(30)
    assert at(a, "started") == minute(3)


def test_a_log_line_written_at_info_level_does_not_start_the_impact() -> None:
    a = analyse(lines(
        ("netsec.txt", 0, "ines", "the host firewall policy update is propagating through the fleet"),
        ("dns.log", 5, None, "dns-res-01 resolverd[2211]: INFO qps=41200 servfail=0.1%"),
        ("dns.log", 9, None, "dns-res-01 resolverd[2211]: WARN qps=186400 worker queue saturated"),
        ("dns.log", 10, None, "dns-res-01 resolverd[2211]: ERROR query timeout backlog 92% full, dropping queries"),
        ("alerts.txt", 11, None, "FIRING PaymentsAuthSuccessRate: scope=all-regions severity=page"),
    ))  # fmt: skip
    # "servfail" in a line its program logs as routine work is no failure: impact starts at the first ERROR
    assert at(a, "detected") == minute(11)
    assert at(a, "started") == minute(10)


def test_a_stated_window_with_nothing_else_at_its_start_is_started_by_the_statement_itself() -> None:
    a = analyse(lines(
        ("notes.md", 7, None, "Impact 09:07 to 12:58: customers with origins in one region saw high latency and failed "
                              "connections. Better from 11:38, with intermittent latency until 12:58."),
        ("chat.txt", 9, "ana", "egress towards that region is way up"),
        ("chat.txt", 13, "ben", "one of those links is still the half-capacity one, the failed optic from last week"),
        ("alerts.txt", 24, None, "FIRING EdgeInterfaceSaturated: utilisation above 95% severity=page"),
    ))  # fmt: skip
    # a recap whose window ends in a label colon ("to 12:58:") states the window; no other line is dated 09:07, so
    # the statement (dated there) starts the impact, not the first failure word minutes later
    assert at(a, "detected") == minute(24)
    assert at(a, "started") == minute(7)


def test_a_stated_window_reads_bare_times_as_the_line_was_written_and_a_trailing_zone_for_both_ends() -> None:
    from pmstudio.offline.items import build_items
    from pmstudio.offline.milestones import stated_start

    def start(text: str, at: datetime, written: str | None) -> datetime | None:
        (item,) = build_items([EvidenceLine(id="chat.txt:9", at=at, actor="ana", text=text, written=written)])
        return stated_start(item)

    # a chat kept in New York time (14:05 written, 18:05 UTC): its bare 12:55 is 16:55 UTC
    assert start("so 12:55 to 14:01 with no logins at all. 66 minutes", T0.replace(hour=18, minute=5), "14:05") == T0.replace(
        hour=16, minute=55
    )
    # "from 12:00 to 13:40 GMT" in a chat kept in BST: GMT is said once, for both ends
    assert start("so checkouts failed from 12:00 to 13:40 GMT, 100 minutes", T0.replace(hour=13, minute=44), "14:44") == T0.replace(
        hour=12
    )
    # a window that started the evening before the line: "19:00 to 00:55" said at 01:10
    assert start("down 19:00 to 00:55, 355 minutes", T0.replace(hour=1, minute=10), None) == T0.replace(hour=19) - timedelta(days=1)
    assert start("impact 4:06 pm – 4:38 pm", T0.replace(hour=17), None) == T0.replace(hour=16, minute=6)
    # what was lost, not when: "changes made between 17:20 and 23:25" is a data window
    assert start("DB changes made between 17:20 and 23:25 (about 6 hours) were lost", T0.replace(hour=23, minute=50), None) is None
    # ... but a data word elsewhere in the line names no span: impact from 11:44, what customers could not do after it
    said = "Dashboard and API unavailable from 11:44 until 17:57 UTC (about 6 hours); customers could not change their configurations"
    assert start(said, T0.replace(hour=11, minute=44), "11:44") == T0.replace(hour=11, minute=44)
    # a window still to come is a plan
    assert start("maintenance 22:00-23:00 tonight, some downtime expected", T0.replace(hour=15), None) is None
    # a window of actions, not of impact
    assert start("going through the config activations around 10:46-10:47", T0.replace(hour=11), None) is None


def test_a_stated_window_in_a_regional_zone_is_read_in_that_zone_on_the_line_s_date() -> None:
    from pmstudio.offline.items import build_items
    from pmstudio.offline.milestones import stated_start

    def start(text: str, at: datetime) -> datetime | None:
        (item,) = build_items([EvidenceLine(id="notes.md:4", at=at, actor=None, text=text)])
        return stated_start(item)

    july, january = datetime(2024, 7, 9, 20, tzinfo=UTC), datetime(2024, 1, 9, 20, tzinfo=UTC)
    # "ET" follows the date: EDT (UTC-4) in July, EST (UTC-5) in January
    assert start("all sites down 10:44-11:18 ET (34 min)", july) == july.replace(hour=14, minute=44)
    assert start("all sites down 10:44-11:18 ET (34 min)", january) == january.replace(hour=15, minute=44)
    # "PT": PDT (UTC-7) in July, PST (UTC-8) in January
    said = "From 11:47 to 11:49 PT user impact on the frontends"
    assert start(said, july) == july.replace(hour=18, minute=47)
    assert start(said, january) == january.replace(hour=19, minute=47)
    # the seasonal abbreviations and offsets keep their one offset
    assert start("all sites down 10:44-11:18 EDT (34 min)", january) == january.replace(hour=14, minute=44)
    assert start("outage 10:44-11:18 +02:00", july) == july.replace(hour=8, minute=44)


def test_a_stated_window_is_read_on_the_line_s_wall_date_in_its_zone() -> None:
    """The window's clocks are wall clocks on the line's own date in the window's zone, with that zone's offset on
    that date and clock (not the offset at the line's UTC instant, not the line's UTC date)."""
    from pmstudio.offline.items import build_items
    from pmstudio.offline.milestones import stated_start

    def start(text: str, at: datetime) -> datetime | None:
        (item,) = build_items([EvidenceLine(id="notes.md:4", at=at, actor=None, text=text)])
        return stated_start(item)

    # 2024-03-10, clocks go forward in California at 02:00: a window at 01:10 PT was still PST (UTC-8), though the
    # line (10:00 PDT) was written on summer time
    assert start("impact 01:10 to 01:40 PT, 30 minutes", datetime(2024, 3, 10, 17, tzinfo=UTC)) == datetime(
        2024, 3, 10, 9, 10, tzinfo=UTC
    )
    # an afternoon window told that evening (18:00 PDT, already the next day in UTC) is that afternoon
    assert start("checkout down 15:00-16:30 PT, 90 minutes", datetime(2024, 7, 10, 1, tzinfo=UTC)) == datetime(
        2024, 7, 9, 22, tzinfo=UTC
    )
    # a window over midnight told after it, on the new day in the zone (01:00 CET, still the old day in UTC)
    assert start("api down 23:30 to 00:40 CET, 70 minutes", datetime(2024, 1, 10, 0, tzinfo=UTC)) == datetime(
        2024, 1, 9, 22, 30, tzinfo=UTC
    )
    # ... and one over midnight in London on the night clocks go back: 23:50 BST the day before
    assert start("outage 23:50 to 00:20 BST, 30 minutes", datetime(2024, 10, 27, 9, tzinfo=UTC)) == datetime(
        2024, 10, 26, 22, 50, tzinfo=UTC
    )
    # a window later on the line's wall day is still a plan
    assert start("maintenance 20:00-21:00 PT tonight, some downtime expected", datetime(2024, 7, 10, 1, tzinfo=UTC)) is None


def _stated_start_of(text: str, at: datetime) -> datetime | None:
    """The start of the impact window one notes line written at `at` states."""
    from pmstudio.offline.milestones import stated_start

    (item,) = build_items([EvidenceLine(id="notes.md:8", at=at, actor=None, text=text)])
    return stated_start(item)


def test_a_stated_window_written_with_dot_clocks_names_the_impact_start() -> None:
    start = _stated_start_of
    at = datetime(2018, 10, 15, 21, 5, tzinfo=UTC)
    assert start("IP blocked -> slow publishing lasted 20.13-21.00 (47 minutes)", at) == at.replace(hour=20, minute=13)
    assert start("publishing slow 20.13-21.00 CET (47 minutes)", at) == at.replace(hour=19, minute=13)
    # a range of versions is no window
    assert start("uploads failing for clients 1.20-1.22 (47 minutes)", at) is None


def test_an_alert_that_did_not_fire_is_no_page() -> None:
    from pmstudio.offline.classify import classify
    from pmstudio.offline.items import build_items

    texts = ["no alert fired for any of this, we only saw it on the dashboard", "the disk alert never fired",
             "nothing paged us, a customer emailed", "alerts didn't fire because the exporter was down",
             "paged for replication lag", "disk alert fired on db-2"]  # fmt: skip
    items = build_items([EvidenceLine(id=f"chat.txt:{i}", at=minute(i), actor="ana", text=t) for i, t in enumerate(texts)])
    assert [classify(it).page for it in items] == [False, False, False, False, True, True]
    a = analyse(lines(
        ("chat.txt", 0, "mads", "kicking off the planned cni upgrade"),
        ("chat.txt", 25, "mads", "nodes keep going NotReady and pods on them are failing health checks"),
        ("chat.txt", 45, "mads", "no alert fired for any of this btw, we only saw it because we were watching the upgrade"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(25)


def test_the_responders_notes_telling_of_a_report_record_the_detection() -> None:
    a = analyse(lines(
        ("chain.log", 0, None, "node-watch head client=v2.3 number=88120 agree=false"),
        ("chat.txt", 19, "odile", "two head hashes out there, old and new clients disagree"),
        ("notes.md", 2, None, "old clients fork off at block 88120. Nobody noticed for a while"),
        ("notes.md", 19, None, "a node operator reports the disagreement in the dev channel, we start looking"),
        ("chat.txt", 79, "rui", "confirmed: that block trips the bug, the old client crashes its state check"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(19)


def test_a_revert_in_one_region_is_not_the_mitigation_when_all_regions_are_restored_later() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Login error ratio above 20% in 4 regions"),
        ("chat.txt", 12, "jo", "reverted the session-store config in eu-west, login errors dropping there"),
        ("chat.txt", 25, "jo", "revert stuck in us-east, the config service rejects it"),
        ("chat.txt", 70, "jo", "revert completed in all regions, logins restored everywhere"),
        ("chat.txt", 100, "jo", "error ratio at baseline for 30 minutes, resolving"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(70)


def test_a_whole_fleet_mitigation_is_not_moved_by_a_later_global_line() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Login error ratio above 20% in 4 regions"),
        ("chat.txt", 12, "jo", "reverted the session-store config on all hosts, login errors dropping"),
        ("chat.txt", 70, "jo", "logins restored everywhere, caches warm again"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(12)


def test_a_fix_shipped_as_a_change_and_followed_by_recovery_is_the_mitigation() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Invoice PDF renders failing above 30%"),
        ("chat.txt", 10, "eva", "the template cache key drops the locale, every non-english invoice misses"),
        ("chat.txt", 35, "eva", "deploying 4.12.3 with the key change now"),
        ("deploy.log", 41, None, "INFO release 4.12.3 deployed to production by eva"),
        ("chat.txt", 50, "eva", "render failures back to baseline, checked three locales"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(41)  # the deploy done, not its announcement


def test_a_planned_or_guessed_change_is_not_a_mitigation() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Invoice PDF renders failing above 30%"),
        ("chat.txt", 35, "eva", "we should deploy 4.12.3 with the key change"),
        ("chat.txt", 38, "eva", "maybe the 4.12.2 release pushed this morning did it?"),
        ("chat.txt", 50, "eva", "render failures back to baseline after the cache expired on its own"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(50)


def test_a_mitigation_only_named_or_attempted_in_vain_leaves_the_mitigation_empty() -> None:
    estimate = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Hall 2 inlet temperature above 40C, hosts powering off"),
        ("chat.txt", 20, "li", "HVAC team estimate: about 1 hour to repair the failed units"),
        ("chat.txt", 140, "li", "DC says the HVAC repair is taking longer than the hour"),
    ))  # fmt: skip
    assert at(estimate, "mitigated") is None
    failed = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Checkout 5xx above 10%"),
        ("chat.txt", 9, "li", "rollback failed: the deploy pipeline is blocked by the same auth errors"),
    ))  # fmt: skip
    assert at(failed, "mitigated") is None


def test_without_any_action_the_first_recovery_is_the_mitigation() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: RPC error ratio above 5%"),
        ("chat.txt", 30, "li", "request volume subsiding, error ratio back to baseline"),
        ("chat.txt", 60, "li", "stable for 30 minutes. nothing was changed on our side, resolved"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(30)


def test_a_stated_window_of_days_names_the_day_impact_began() -> None:
    rows = [
        EvidenceLine(id="notes.md:3", at=datetime(2024, 1, 9, tzinfo=UTC), actor=None, date_only=True,
                     text="(date only): the resolver change that skips the second lookup went live"),
        EvidenceLine(id="notes.md:9", at=None, actor=None, text="Went unnoticed from 2024-01-09 to 2024-05-14."),
        EvidenceLine(id="notes.md:10", at=None, actor=None, text="DB rows written 2024-01-02 to 2024-01-05 were re-checked."),
        EvidenceLine(id="pager.json:1", at=minute(8), actor=None, text="trigger_log_entry: compliance incident opened: lookups skipped"),
    ]  # fmt: skip
    a = analyse(rows)
    assert at(a, "detected") == minute(8)
    started = a.milestones.started
    assert started is not None and started.id == "notes.md:3" and started.date_only
    from pmstudio.offline.items import build_items
    from pmstudio.offline.milestones import stated_start_day

    days = [stated_start_day(it) for it in build_items(rows[1:3])]
    assert days == [datetime(2024, 1, 9).date(), None]  # a window of data written is not the impact's


def test_a_step_started_right_after_a_completed_rollback_is_recovery_not_the_mitigation() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: API 5xx ratio above 50%"),
        ("chat.txt", 28, "nadia", "rollback failed. the config checker rejected it"),
        ("chat.txt", 49, "omar", "rollback done, old config is live on all frontends"),
        ("chat.txt", 53, "marcus", "starting server restarts gradually, region by region"),
        ("notes.md", 83, None, "25% of traffic restored"),
        ("chat.txt", 92, "ines", "100% of traffic served again, error rate back to baseline"),
        ("chat.txt", 99, "ines", "status dashboard updated: resolved"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(49)  # not the restarts under way, not the 25% line
    assert at(a, "resolved") == minute(92)  # the status dashboard post is a communication


def test_an_action_under_way_whose_step_is_done_while_it_goes_on_is_mitigated_when_the_service_comes_back() -> None:
    # google-appengine-2012 as re-audited to the golden convention: 18:30 "most apps serving again", not the 18:10 start
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: app error ratio above 20% in all datacenters"),
        ("chat.txt", 30, "helen", "starting the full restart of all routers now, gradual traffic ramp-up"),
        ("chat.txt", 44, "helen", "all routers restarted, ramp-up in progress"),
        ("chat.txt", 50, "priya", "error rate dropping fast, most apps serving again"),
        ("chat.txt", 65, "helen", "ramp-up complete, back to normal operation"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(50)


def test_a_public_board_post_is_no_recovery_and_an_action_back_to_erroring_is_no_mitigation() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Stream front-end error rate above 30%"),
        ("chat.txt", 36, "amir", "the restarted ones came back but are back to erroring within minutes"),
        ("chat.txt", 300, "amir", "removed the new capacity from the fleet"),
        ("chat.txt", 600, "lena", "all front-end servers back, error rates back to normal"),
        ("health-dashboard-posts.txt", 620, None, "Error rates have returned to normal. The issue has been resolved and the service is operating normally."),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(600)  # the dashboard post 20 min later tells customers, it is no recovery
    assert at(a, "mitigated") == minute(300)  # the batch restart that fell back to erroring did not mitigate


def test_an_obligation_and_a_step_done_hours_before_any_recovery_state_no_mitigation_time() -> None:
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: packet loss between the eastern sites"),
        ("chat.txt", 90, "kofi", "it all has to be rebuilt and pushed out again, per location"),
        ("chat.txt", 110, "kofi", "config rebuild for the first two sites done, starting the third"),
        ("chat.txt", 133, "kofi", "new configuration rolling out to the affected locations"),
        ("chat.txt", 260, "kofi", "packet loss back to normal in every region"),
    ))  # fmt: skip
    assert at(a, "mitigated") is None  # a wrong time costs more than an empty one
    assert at(a, "resolved") == minute(260)


def test_traffic_engineering_told_as_a_plain_change_with_its_relief_is_the_mitigation_not_the_providers_later_revert() -> None:
    a = analyse(lines(
        ("alerts", 0, None, "FIRING LinkSaturated: transit links to the cloud provider above 95%"),
        ("chat.txt", 20, "ana", "the provider withdrew routes on the busy links, now the backup path is full too"),
        ("chat.txt", 95, "ana", "rate limit on the tenant that floods us is live, congestion easing but drops continue"),
        ("chat.txt", 118, "jon", "new TE policy on the edge: egress now split over the spare ports, no more drops on any link"),
        ("chat.txt", 136, "ana", "provider reverting their route withdrawals at our request"),
        ("chat.txt", 158, "jon", "provider announcements back to normal, latency normal for every origin"),
    ))  # fmt: skip
    # the change that relieved the links (no mitigation verb), not the provider's clean-up under way after it
    assert at(a, "mitigated") == minute(118)


def test_a_proposed_mitigation_ranks_below_the_same_action_taken_in_the_timeline() -> None:
    from pmstudio.offline.classify import classify
    from pmstudio.offline.items import build_items

    texts = ["maybe a rate limit on that customer would relieve it",
             "rate limit on the customer's account is live, traffic engineering next"]  # fmt: skip
    items = build_items([EvidenceLine(id=f"chat.txt:{i}", at=minute(30 * i), actor=("kofi", "ana")[i], text=t)
                         for i, t in enumerate(texts)])
    proposed, taken = (classify(it) for it in items)
    assert proposed.mitigation and proposed.hypothesis and taken.mit_done
    assert proposed.score <= taken.score - 2.5  # only 1.0 apart without the penalty


def test_a_change_told_as_from_then_on_is_the_trigger_not_the_start() -> None:
    rows = (
        ("notes.md", -60 * 24 * 100, None, "new shared wallet library deployed; every wallet created from then on depends on it"),
        ("chain.log", 0, None, "ERROR wallet library code size 0 (selfdestructed)"),
        ("chat.txt", 20, "anja", "every wallet on that library can't execute anything, nothing can leave"),
    )
    a = analyse(lines(*rows))
    assert at(a, "started") == minute(0)


def test_an_action_told_to_have_made_no_difference_is_no_mitigation() -> None:
    a = analyse(lines(
        ("alerts", 0, None, "FIRING TokenValidationFailures: relying parties rejecting tokens"),
        ("chat.txt", 20, "tomas", "rollback of the in-flight infra change started"),
        ("chat.txt", 37, "tomas", "rollback is done. no change at all. failures are flat"),
        ("chat.txt", 80, "ruth", "key metadata rolled back to its prior state"),
        ("chat.txt", 95, "ruth", "sign-in success rate back to normal"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(80)  # the first rollback is an attempt that did not help
    from pmstudio.offline.classify import classify
    from pmstudio.offline.items import build_items

    told = ["failed over to the standby db, no improvement", "node replaced, made no difference",
            "restarted the consumers, it didn't help", "restarted the consumers, error rates back to baseline"]
    rows = [EvidenceLine(id=f"chat.txt:{i}", at=minute(i), actor="dan", text=t) for i, t in enumerate(told)]
    assert [classify(it).mit_negative for it in build_items(rows)] == [True, True, True, False]


def test_resolving_the_incident_record_after_a_watch_is_not_the_resolution() -> None:
    a = analyse(lines(
        ("alerts", 0, None, "FIRING WebErrorRate: web 5xx above 50%"),
        ("chat.txt", 29, "marcus", "revert applied on all hosts"),
        ("chat.txt", 36, "priya", "traffic flowing again, 5xx rate back to baseline, all services recovered"),
        ("chat.txt", 88, "priya", "resolving the incident. thanks all"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(36)


def test_a_recovery_begun_well_before_the_full_restoration_is_the_mitigation() -> None:
    rows = (
        ("alerts", 0, None, "FIRING PaymentsAuthSuccessRate: auth success below 50% in all regions"),
        ("chat.txt", 400, "ines", "all resolver hosts patched. starting to let traffic back in slowly"),
        ("chat.txt", 435, "ines", "systems beginning to recover, error rates falling"),
        ("chat.txt", 630, "ines", "payment services restored, card payments work again in every region"),
    )
    assert at(analyse(lines(*rows)), "mitigated") == minute(435)  # the onset, not the restoration hours later
    relapse = (*rows[:2], ("chat.txt", 435, "ines", "systems beginning to recover but the mesh drops again"), rows[3])
    assert at(analyse(lines(*relapse)), "mitigated") == minute(630)
    at_once = (*rows[:2], ("chat.txt", 622, "ines", "systems beginning to recover"), rows[3])
    assert at(analyse(lines(*at_once)), "mitigated") == minute(630)  # within a quarter of an hour: one moment


def test_a_declared_full_mitigation_with_only_a_public_post_after_it_is_the_resolution() -> None:
    rows = (
        ("alerts", 0, None, "FIRING WanPacketLoss: packet loss on cross-region paths"),
        ("chat.txt", 297, "andres", "restarting the device-health automation first, traffic engineering after"),
        ("chat.txt", 335, "andres", "both automations running again, packet loss gone. we are fully mitigated"),
        ("status-page.txt", 347, None, "Network connectivity is fully restored. This incident is resolved."),
    )
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(335) and at(a, "resolved") == minute(335)  # the post tells customers later
    later = (*rows, ("chat.txt", 360, "andres", "all regions back to normal, closing out, resolved"))
    assert at(analyse(lines(*later)), "resolved") == minute(360)  # a firm resolution after it still ends it


def test_marking_the_incident_resolved_after_recovery_is_paperwork_not_the_resolution() -> None:
    rows = (
        ("alerts", 0, None, "FIRING InboundTraffic: gce inbound traffic down 95% globally"),
        ("chat.txt", 4, "ravi", "revert pushed"),
        ("chat.txt", 18, "ravi", "inbound traffic back to normal in all regions"),
    )
    marked = analyse(lines(*rows, ("chat.txt", 21, "ravi", "marking the incident resolved. freeze on config pushes")))
    assert at(marked, "resolved") == minute(18)
    told = analyse(lines(*rows, ("chat.txt", 21, "ravi", "all clear, resolved")))
    assert at(told, "resolved") == minute(21)  # the responders' own all-clear after a short watch still ends it


def test_a_chat_line_telling_a_public_update_was_posted_is_a_communication_not_the_recovery() -> None:
    rows = (
        ("alerts", 0, None, "FIRING CoreRoutersUnreachable: 60+ edge routers unreachable"),
        ("chat.txt", 600, "mei", "network largely restored. around 100 devices rebooted by hand or remotely"),
        ("chat.txt", 750, "mei", "final update for today posted: network restored, apologies to customers"),
    )
    a = analyse(lines(*rows))
    assert a.sig(a.timed[-1][0]).comm
    assert at(a, "resolved") == minute(600)


def test_without_a_told_end_of_impact_the_status_resolved_post_is_the_last_resort() -> None:
    rows = (
        ("alerts", 0, None, "FIRING DashAvailability: dashboard availability SLO burn rate high"),
        ("chat.txt", 60, "tom", "reverting"),
        ("chat.txt", 67, "tom", "revert complete. tenant-svc healthy, api 100%"),
        ("chat.txt", 96, "priscila", "status page set to resolved"),
        ("status-page.txt", 96, None, "Resolved - This incident has been resolved."),
    )
    assert at(analyse(lines(*rows)), "resolved") == minute(67)  # the completed revert, not the post
    only_posts = (rows[0], *rows[3:])
    assert at(analyse(lines(*only_posts)), "resolved") == minute(96)  # nothing else tells an end


def test_the_main_impact_over_is_the_mitigation_and_a_later_full_mitigation_the_resolution() -> None:
    rows = (
        ("alerts", 0, None, "FIRING WanPacketLoss: packet loss on cross-region paths"),
        ("chat.txt", 60, "andres", "recovery started on its own, paths coming back region by region"),
        ("chat.txt", 117, "andres", "telemetry says nearly all devices are back, most regions and services recovered"),
        ("chat.txt", 137, "andres", "the last network devices recovered"),
        ("chat.txt", 297, "andres", "restarting the device-health automation first, traffic engineering after"),
        ("chat.txt", 335, "andres", "both automations running again, packet loss gone. we are fully mitigated"),
    )
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(117)  # the main impact over, not the declared end of all of it
    assert at(a, "resolved") == minute(335)  # "fully mitigated": all impact over


def test_most_customers_back_before_the_cause_is_removed_is_the_mitigation() -> None:
    rows = (
        ("alerts", 0, None, "FIRING ControlPlaneDown: dashboard and API 5xx above 90%"),
        ("chat.txt", 120, "mateo", "starting DR failover of the control plane. this will be slow"),
        ("chat.txt", 373, "mateo", "DR site is serving most of the control plane. dashboard and API back for most customers"),
        ("chat.txt", 1296, "mateo", "facility reports power restored to the site after replacing breakers"),
        ("chat.txt", 2400, "mateo", "all analytics and logging services back, everything operating normally"),
    )
    assert at(analyse(lines(*rows)), "mitigated") == minute(373)
    # the responders' own "incident mitigated" still wins over an earlier "most back"
    declared = (*rows[:3], ("chat.txt", 400, "mateo", "incident mitigated, all products served from DR"), *rows[3:])
    assert at(analyse(lines(*declared)), "mitigated") == minute(400)


def test_a_provider_telling_most_recovered_is_the_mitigation_when_no_action_is_done() -> None:
    a = analyse(lines(
        ("ebs.log", 0, None, "ebs-sn-c0412 ebsd[1903]: ERROR volume vol-3a1f io queue stalled (4200 ms)"),
        ("chat.txt", 5, "ken", "customers are failing over to other zones, volumes stuck"),
        ("status.txt", 375, None, "The vast majority of affected EBS volumes have recovered. We continue to work on the rest."),
        ("status.txt", 710, None, "Affected load balancers have recovered. All services are operating normally."),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(375)


def test_a_control_plane_is_no_plan() -> None:
    from pmstudio.offline.milestones import PLAN

    assert not PLAN.search("DR site is serving most of the control plane")
    assert PLAN.search("plan: fail over the control plane") and PLAN.search("we planned the restart")


def test_failures_back_for_most_customers_are_no_recovery() -> None:
    a = analyse(lines(
        ("alerts", 0, None, "FIRING ApiErrors: api 5xx above 20%"),
        ("chat.txt", 30, "lee", "restarting the gateways now"),
        ("chat.txt", 50, "lee", "errors are back for most customers"),
        ("chat.txt", 70, "lee", "everything back to normal"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(70)


def test_an_obligation_then_the_service_told_coming_back_is_mitigated_at_that_first_stage() -> None:
    rows = (
        ("pagerduty", 0, None, "trigger_log_entry: packet loss between the eastern sites"),
        ("chat.txt", 90, "kofi", "it all has to be rebuilt and pushed out again, per location"),
        ("chat.txt", 110, "kofi", "config rebuild for the first two sites done, starting the third"),
        ("chat.txt", 133, "kofi", "new configuration rolling out to the affected locations"),
        ("chat.txt", 212, "kofi", "capacity coming back, BGP routes re-established in the first location"),
        ("chat.txt", 260, "kofi", "packet loss back to normal in every region"),
    )
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(212)  # staged recovery: the first stage back
    assert at(a, "resolved") == minute(260)
    relapse = (*rows[:4], ("chat.txt", 212, "kofi", "capacity coming back but dropping again"), rows[5])
    assert at(analyse(lines(*relapse)), "mitigated") is None


def test_an_alert_relayed_firing_is_a_page_and_one_relayed_clearing_is_not() -> None:
    from pmstudio.offline.classify import PAGED
    from pmstudio.offline.milestones import RELAYED

    for line, firing in (("[FIRING:1] origin-5xx-rate > 2% (edge)", True), ("[firing] disk-full", True),
                         ("[RESOLVED] origin-5xx-rate > 2%", False)):  # fmt: skip
        m = RELAYED.match(line)
        assert m is not None and (m.group("status").upper() == "FIRING") is firing
        assert bool(PAGED.search(line)) is firing


def test_the_incident_logs_own_repaired_and_impact_end_times_win() -> None:
    a = analyse(lines(
        ("pagerduty", 3, None, "trigger_log_entry: Prometheus healthcheck DOWN"),
        ("notes.md", 3, None, "First detected 09:03. Declared 09:05. Repaired 09:30. Resolved 09:30."),
        ("chat.txt", 12, "ines", "force killed the prometheus pod, node goes with it"),
        ("chat.txt", 15, "ines", "new pod scheduled on another node, replaying WAL"),
        ("chat.txt", 30, "ines", "prometheus up, healthchecks green"),
        ("retro.md", 36, None, "09:36 faulty change reverted; customer impact ends 09:41"),
        ("chat.txt", 41, "ines", "statuses flowing again for every provider"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(30)  # not the 09:12 pod kill
    assert at(a, "resolved") == minute(41)


def test_a_stated_time_with_no_line_of_its_own_moves_nothing() -> None:
    a = analyse(lines(
        ("pagerduty", 3, None, "trigger_log_entry: Checkout 5xx above 5%"),
        ("chat.txt", 20, "ines", "rolled back the gateway release"),
        ("chat.txt", 22, "ines", "checkout back to normal, 5xx at baseline"),
        ("notes.md", 40, None, "Repaired 09:25 (approx)"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(20)


def test_a_root_cause_from_a_response_snag_alone_is_drafted_not_a_crash() -> None:
    a = analyse(lines(
        ("pagerduty", 3, None, "trigger_log_entry: Checkout 5xx above 5%"),
        ("notes.md", 10, None, "- rollback did not help, errors stayed flat"),
        ("notes.md", 11, None, "- the failover was blocked by the missing replica"),
        ("chat.txt", 20, "ines", "restarted the gateway"),
        ("chat.txt", 22, "ines", "checkout back to normal"),
    ))  # fmt: skip
    root = draft_root_cause(a)["primary_root_cause"]
    assert root["text"] != NOT_STATED and root["evidence"]


def test_a_page_on_the_precursor_and_a_page_in_the_same_minute_are_told_as_alerting_that_paged() -> None:
    from pmstudio.offline.lessons import draft_lessons

    a = analyse(lines(
        ("alerts.txt", 5, None, "FIRING CoolingControlSystemFault hall=B severity=critical"),
        ("notes.md", 6, None, "part of one AZ overheats; EC2 servers shut down. Instances stop."),
        ("chat.txt", 80, "aiko", "cooling restored, temperatures back to normal, hosts recovered"),
    ))  # fmt: skip
    assert a.milestones.precursor is not None and at(a, "detected") == minute(6)
    lessons = draft_lessons(a)
    assert "Automated alerting paged responders." in [c["text"] for c in lessons["went_well"]]
    assert not any("reported by people" in c["text"] for c in lessons["went_poorly"])


def test_what_users_report_is_no_mitigation_and_no_cause() -> None:
    a = analyse(lines(
        ("pingdom.log", 3, None, "DOWN check=tenant-app-1 production https status=503"),
        ("chat.txt", 4, "ines", "users in #ask saying their prod pods all got deleted at once"),
        ("chat.txt", 7, "omar", "found it: changing the instance type recycles every node at once"),
        ("chat.txt", 50, "ines", "tenant app back up and running, checks green"),
    ))  # fmt: skip
    report = a.by_id["chat.txt:1"]
    assert not a.sig(report).mitigation
    root = draft_root_cause(a)
    assert all("chat.txt:1" not in f["evidence"] for f in root["contributing_factors"])
    assert "chat.txt:1" not in root["primary_root_cause"]["evidence"]


def test_a_page_days_after_the_public_investigating_post_is_not_the_detection() -> None:
    """A secondary alarm on day three ("[US] broker disk > 80%") did not detect an incident the status page announced
    on day one: the responder's report of the symptom before the post did."""
    a = analyse(lines(
        ("persons-slow.log", 2, None, "ERROR person upsert took 2841 ms"),
        ("chat.txt", 9, "lena", "US ingestion lag is climbing fast, recent events not showing"),
        ("status-page.txt", 44, None, "Investigating: US Cloud events are being processed with a delay."),
        ("pagerduty", 3 * 1440, None, "trigger_log_entry: [US] broker local disk usage > 80%"),
        ("pagerduty", 3 * 1440 + 40, None, "resolve_log_entry: [US] broker local disk usage back under threshold"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(9)


def test_a_page_before_any_public_post_stays_the_detection() -> None:
    a = analyse(lines(
        ("pagerduty", 3, None, "trigger_log_entry: Checkout 5xx above 5%"),
        ("chat.txt", 1, "ines", "checkout errors for me"),  # minutes before the page: still the page's window rule
        ("status-page.txt", 20, None, "Investigating: Checkout errors."),
    ))  # fmt: skip
    assert at(a, "detected") == minute(1)


def test_a_dated_impact_window_gives_the_start_and_the_end_of_the_main_impact() -> None:
    """"impact window: <day time> to <day time>" names the start and where the main impact ended; the backlog
    processed later is the end of the remainder (datasets/README.md, "Milestone convention")."""
    a = analyse(lines(
        ("slow.log", 2, None, "ERROR person upsert took 2841 ms"),
        ("chat.txt", 9, "lena", "ingestion lag is climbing, events missing from insights"),
        ("status-page.txt", 20, None, "Investigating: events are being processed with a delay."),
        ("notes.md", 2, None, "impact window: 2024-05-14 09:02 to 2024-05-15 09:00 degraded ingestion; backlog done later"),
        ("chat.txt", 1440, "piotr", "ingestion is healthy on the new table. now we chew through the backlog"),
        ("chat.txt", 1440 + 300, "lena", "backlog fully processed, all events are in"),
        ("notes.md", 1440 + 302, None, "closing out, backlog processed"),
    ))  # fmt: skip
    assert at(a, "started") == minute(2)
    assert at(a, "mitigated") == minute(1440)
    assert at(a, "resolved") == minute(1440 + 300)


def test_a_backlog_worked_off_after_the_public_resolved_post_is_not_the_end() -> None:
    a = analyse(lines(
        ("pagerduty", 3, None, "trigger_log_entry: card authorization success rate below 20%"),
        ("chat.txt", 60, "kenji", "payment services restored, merchants can take card payments again"),
        ("alerts.txt", 62, None, "RESOLVED PaymentsAuthSuccessRate"),
        ("status-page.txt", 70, None, "Resolved - Payment services have been restored. Offline payments are being processed."),
        ("chat.txt", 600, "rosa", "the offline mode backlog is fully processed"),
    ))  # fmt: skip
    # the end is the responders' "restored" (the alert clearing two minutes later closes it), not the backlog's
    assert at(a, "resolved") == minute(60)


def test_a_notes_line_labelled_outage_end_is_the_resolution() -> None:
    a = analyse(lines(
        ("pagerduty", 3, None, "trigger_log_entry: e2e jobs failing to acquire projects"),
        ("chat.txt", 70, "maria", "fixed boskos is deployed and running"),
        ("notes.md", 70, None, "fixed boskos deployed. jobs failing until ~08:12. OUTAGE END"),
        ("chat.txt", 127, "maria", "audit log also shows last week's update did nothing. mystery solved"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(70)
    assert at(a, "resolved") == minute(70)  # not the 10:07 "mystery solved", which ends no impact


def test_a_labelled_outage_end_with_its_length_ends_it_before_an_uptime_check_clears() -> None:
    a = analyse(lines(
        ("uptime-monitor.txt", 6, None, "uptime-check DOWN example.org success ratio 0.20 -> mailed to 1 recipient"),
        ("chat.txt", 400, "omar", "example.org fails to load for me most of the time"),
        ("chat.txt", 420, "ruth", "dns fix submitted, now we wait for propagation"),
        ("notes.md", 940, None, "fix takes effect. OUTAGE END. 15 hours 40 minutes."),
        ("uptime-monitor.txt", 943, None, "uptime-check UP example.org success ratio 1.00"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(6)  # the check going DOWN is an alert, though nobody read its mail
    assert at(a, "mitigated") in (None, minute(940))  # nothing mitigates after the recorded end
    assert at(a, "resolved") == minute(940)


@pytest.mark.parametrize(
    "told",
    ["Some delegated domains failed to resolve for roughly one hour from 09:00.",
     "the site was down from 09:00 for about 40 minutes",
     "~10.5 hours of impact (slow from 09:00 UTC, offline 84 minutes from the firewall change)."],
)  # fmt: skip
def test_an_impact_told_by_its_length_and_start_starts_then(told: str) -> None:
    a = analyse(lines(
        ("notes.md", 0, None, told),
        ("named.log", 7, None, "client 192.0.2.7#53411: query: ns1.legacy.example IN A -> NXDOMAIN"),
        ("chat.txt", 24, "ingrid", "ticket in: a user says their domain stopped resolving, SERVFAIL"),
    ))  # fmt: skip
    assert at(a, "started") == minute(0)


def test_a_rate_a_multiple_above_baseline_is_no_recovery() -> None:
    a = analyse(lines(
        ("frontend.log", 0, None, "obs-fe1 nginx[2211]: request rate 3.1x baseline on /package/binaries"),
        ("frontend.log", 30, None, "obs-fe1 nginx[2211]: request rate back at baseline"),
    ))  # fmt: skip
    flags = {item.at: sig.recovery_full for item, sig in a.timed}
    assert flags == {minute(0): False, minute(30): True}


def test_a_resource_alert_clearing_after_the_symptom_alerts_does_not_extend_the_impact() -> None:
    a = analyse(lines(
        ("alerts.txt", 0, None, "FIRING api_5xx_ratio severity=page ratio=0.66"),
        ("alerts.txt", 1, None, "FIRING db_cpu_saturation severity=page cluster=charges"),
        ("chat.txt", 40, "ana", "rolling back the election change"),
        ("alerts.txt", 93, None, "RESOLVED api_5xx_ratio"),
        ("alerts.txt", 96, None, "RESOLVED db_cpu_saturation"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(93)


def test_an_uptime_check_is_named_by_its_target() -> None:
    from pmstudio.offline.milestones import alert_state

    items = build_items(lines(
        ("pingdom-alerts.txt", 0, None, "DOWN check=tenant-app-1 production https status=503"),
        ("pingdom-alerts.txt", 6, None, "UP   check=tenant-app-1 production"),
        ("monitor-alerts.txt", 7, None, "[DOWN] robotoff.example.net http check timeout (30s)"),
        ("monitor-alerts.txt", 9, None, "[UP] robotoff.example.net"),
        ("laa-pingdom.log", 10, None, "pingdom check fee-calculator: DOWN (DNS lookup failed) -> alert to laa-dev"),
        ("laa-pingdom.log", 12, None, "pingdom check fee-calculator: UP 212ms"),
        ("alerts.txt", 13, None, "FIRING NodeDown: node-7 DOWN for 5m"),
    ))  # fmt: skip
    assert [alert_state(i) for i in items] == [
        ("check=tenant-app-1", True), ("check=tenant-app-1", False),
        ("robotoff.example.net", True), ("robotoff.example.net", False),
        ("pingdom check fee-calculator", True), ("pingdom check fee-calculator", False),
        ("nodedown", True),
    ]  # fmt: skip


def test_a_note_labelled_outage_start_is_the_impact_start_before_the_first_alert() -> None:
    a = analyse(lines(
        ("notes.md", -380, None, "DNS change submitted to point MX records at the mail provider"),
        ("notes.md", 0, None, "change takes effect. OUTAGE START. 80% of answers for example.org fail."),
        ("uptime-monitor.txt", 6, None, "uptime-check DOWN example.org success ratio 0.20"),
    ))  # fmt: skip
    assert at(a, "started") == minute(0)


@pytest.mark.parametrize(
    ("text", "sub"),
    [("uptime-check DOWN example.org success ratio 0.20", "firing"), ("pingdom check api: UP 212ms", "resolved"),
     ("DOWN gitlab.com HTTPS check confirmed from 3 locations", "firing"),
     ("DOWN? gitlab.com HTTPS check (ams) timeout after 30 s, retesting", None), ("backend went down at 14:02", None)],
)  # fmt: skip
def test_an_uptime_check_state_in_capitals_fires_or_clears(text: str, sub: str | None) -> None:
    items = build_items(lines(("pingdom-alerts.txt", 0, None, text)))
    assert (items[0].sub or None if items[0].source == "alert" else None) == sub


def test_a_redeploy_still_running_is_no_mitigation_and_the_stated_restore_time_is() -> None:
    a = analyse(lines(
        ("support-cases.txt", 2, None, 'Case 1 - Customer (US): "the web UI gives a 503"'),
        ("team-chat.txt", 31, "owen", "US secret deleted, helm redeploy running"),
        ("team-chat.txt", 40, "owen", "targets healthy in both regions, web UI loads, test scan started fine"),
        ("support-cases.txt", 46, None, "Update to both - Service restored at 09:40 UTC. Cause was an expired certificate."),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(40)  # not the 09:31 "redeploy running"


def test_a_configuration_restored_from_backup_is_the_act_not_the_recovery() -> None:
    """"configuration restored from backup" puts a thing back; the service came back when the sessions did."""
    a = analyse(lines(
        ("edge-syslog.log", 0, None, "edge1 route: BGP session AMSIX-RS1 Established -> Idle (hold timer expired)"),
        ("noc-chat.txt", 1, "rui", "AMSIX and HGC sessions all down. we're dark"),
        ("edge-syslog.log", 52, None, "edge1 system: configuration restored from backup by admin (console)"),
        ("noc-chat.txt", 65, "rui", "edge 1 restored but bgp still not up with edge 2 half-configured, doing edge 2 too"),
        ("edge-syslog.log", 65, None, "edge2 system: configuration restored from backup by admin (console)"),
        ("noc-chat.txt", 90, "rui", "AMSIX and HGC all established, validators syncing and voting again"),
        ("draft-notes.md", 90, None, "everything restored by rolling back to backup configs, done onsite"),
        ("validator-monitor.txt", 91, None, "RESOLVED rotko-kusama-validator peers 41"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(90)  # not the 09:52 configuration restore


@pytest.mark.parametrize(
    ("text", "failure"),
    [
        ("hi, I burned tokens yesterday, the op is confirmed but no BTC ever arrived", True),
        ("the payout never arrived in my wallet", True),
        ("the refund hasn't arrived yet", True),
        ("not broken for everyone, other burns are going through", False),
        ("the API isn't down, only the dashboard is slow", False),
    ],
)
def test_a_payment_that_never_arrived_fails_and_a_denied_failure_does_not(text: str, failure: bool) -> None:
    (item,) = build_items([EvidenceLine(id="support-chat.txt:1", at=T0, actor="user_kw", text=text)])
    assert classify(item).failure is failure


def test_a_klog_info_line_starts_no_impact() -> None:
    """klog writes its level as one letter: "I descheduler: received SIGTERM, shutting down" is routine (INFO), not the
    first symptom after a capacity page."""
    a = analyse(lines(
        ("pagerduty", 14, None, "trigger_log_entry: CPU-Critical: live cluster CPU requests above threshold"),
        ("chat.txt", 16, "ana", "acked. node CPU is fine-ish, it's requests that are through the roof"),
        ("descheduler.log", 30, None, "I descheduler: received SIGTERM, shutting down"),
        ("pagerduty", 44, None, "resolve_log_entry: CPU-Critical resolved"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(14)
    assert at(a, "started") != minute(30)


def test_a_report_passed_on_by_direct_message_detects_and_a_restart_to_the_same_failure_mitigates_nothing() -> None:
    rows = [
        ("node.log", 0, None, "WARN sync: L2 sync process terminated with: class hash mismatch for block 84448"),
        ("chat.txt", 65, "sami", "Francesco from Apibara just DMed me, their node is stuck. hash mismatch at 84448"),
        ("chat.txt", 67, "nina", "mine too. sync terminated. restarted, same thing"),
        ("chat.txt", 300, "sami", "two are stuck in review, will look later"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(65)
    assert at(a, "mitigated") is None


def test_a_compromise_starts_when_access_was_gained_not_when_it_was_found() -> None:
    rows = [
        ("notes.md", 0, None, "PR #15896 from that account's fork runs a modified workflow on our self-hosted runner -> access gained"),
        ("chat.txt", 880, "priya", "something is poking at the runners from that fork"),
        ("notes.md", 930, None, "account reported to GitHub support for malicious probing"),
        ("chat.txt", 2600, "morgan", "all self-hosted runners stopped and deregistered"),
    ]
    assert at(analyse(lines(*rows)), "started") == minute(0)
    # no compromise told: nothing started there
    calm = [("notes.md", 0, None, "PR #15896 from that account's fork ran its workflow; no compromised runner found"), *rows[1:]]
    assert at(analyse(lines(*calm)), "started") != minute(0)


def test_a_paging_services_own_routing_note_is_no_mitigation() -> None:
    """PagerDuty's "Escalation to SMS/phone skipped: ... disabled for account" tells who was reached, not an act on the
    service: the mitigation is the check passing again."""
    doc = {"log_entries": [
        {"type": "trigger_log_entry", "created_at": "2024-05-14T09:00:00Z", "summary": "Triggered: api HTTPS check failing - certificate has expired", "agent": {"summary": "uptime monitor"}},
        {"type": "notify_log_entry", "created_at": "2024-05-14T09:00:30Z", "summary": "Notified kim via push notification", "agent": {"summary": "PagerDuty"}},
        {"type": "annotate_log_entry", "created_at": "2024-05-14T09:05:00Z", "summary": "Escalation to SMS/phone skipped: SMS notifications disabled for account", "agent": {"summary": "PagerDuty"}},
        {"type": "resolve_log_entry", "created_at": "2024-05-14T11:00:00Z", "summary": "Resolved: api HTTPS check passing", "agent": {"summary": "uptime monitor"}},
    ]}  # fmt: skip
    bundle, _ = bundle_from_materials([Material(name="pd.json", kind="pagerduty", content=json.dumps(doc))], id="p", redact=False)
    a = analyse(bundle_evidence(bundle))
    assert at(a, "mitigated") == minute(120)
    assert not any(classify(i).comm for i in a.items if i.actor == "PagerDuty")
    # a responder's own note in the same log still tells an act
    (note,) = build_items([EvidenceLine(id="pd.json:3", at=T0, actor="kim", text="annotate_log_entry: Note: feature flag disabled")])
    assert classify(note).mitigation


def test_a_ticket_opened_to_put_a_mitigation_in_place_is_a_plan_and_traffic_flowing_is_the_recovery() -> None:
    a = analyse(lines(
        ("edge-syslog.log", 0, None, "edge1 bgpd: %BGP-5-ADJCHANGE: neighbor 72.52.1.1 (transit) Down - Hold timer expired"),
        ("staff-chat.txt", 3, "sarah", "customer VMs unreachable over v4 from outside"),
        ("staff-chat.txt", 25, "alex", "looks like a bug in our router. opening a ticket with the transit to put a mitigation in place on their side"),
        ("staff-chat.txt", 210, "alex", "sessions holding on both transits. v4 traffic flowing"),
        ("staff-chat.txt", 212, "sarah", "customers confirm servers reachable"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(210)
    for text, back in (("customers confirm servers reachable", True), ("v4 traffic flowing", True),
                       ("traffic flowing to the wrong region", False), ("still no traffic flowing", False)):
        (item,) = build_items([EvidenceLine(id="chat.txt:1", at=T0, actor="sam", text=text)])
        s = classify(item)
        assert (s.recovery_full > 0 and not s.hypothesis) is back, text


def test_the_responders_problem_contained_is_the_mitigation_over_one_step_before_it() -> None:
    """One clean-up step logged ("run logs containing secrets deleted") while the keys are still being rotated is not
    the mitigation; the responders' "immediate problem contained" after the rotation is."""
    a = analyse(lines(
        ("chat.txt", 0, "lucie", "heads up, the update job is printing secrets in its public execution log"),
        ("chat.txt", 31, "lucie", "rotating the leaked api keys"),
        ("ci.log", 40, None, "[ci] Log retention: run logs containing secrets deleted"),
        ("chat.txt", 58, "lucie", "all leaked keys rotated, logs with secrets removed"),
        ("chat.txt", 60, "marc", "immediate problem contained. keep going on the copies"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(60)
    (item,) = build_items([EvidenceLine(id="notes.md:1", at=T0, actor=None, text="The change contained a memory leak")])
    assert not classify(item).mitigation


def test_an_invalid_head_fails_and_the_first_block_on_the_correct_chain_after_a_fixed_release_mitigates() -> None:
    a = analyse(lines(
        ("discord.txt", 0, "stakerbob", "my node is flagging invalid blocks since the fork, anyone else?"),
        ("discord.txt", 0, "kwame", "same here, validator client says head is invalid"),
        ("discord.txt", 1, "dmitri", "lighthouse: Invalid execution payload ... mismatched block requests hash: got 0x12, expected 0xe3"),
        ("discord.txt", 150, "tomasz", "nethermind 1.31.1 released with the fix"),
        ("discord.txt", 188, "hana", "besu 25.2.1 released"),
        ("discord.txt", 192, "kamil", "first block produced on the correct chain!"),
        ("discord.txt", 300, "marta", "all teams see the same canonical chain now"),
    ))  # fmt: skip
    assert at(a, "started") == minute(0)
    assert at(a, "mitigated") == minute(192)
    (item,) = build_items([EvidenceLine(id="d.txt:1", at=T0, actor="d", text="validation_error: mismatched block requests hash")])
    assert not classify(item).mitigation  # "block requests" is a noun, not blocking requests


def test_a_pull_request_closed_by_its_author_resolves_nothing() -> None:
    (item,) = build_items([EvidenceLine(id="actions.log:4", at=T0, actor=None, text="pull request closed by brwjbowkevj")])
    assert not classify(item).resolved
    (item,) = build_items([EvidenceLine(id="chat.txt:4", at=T0, actor="ana", text="incident closed by the IC, all clear")])
    assert classify(item).resolved


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("adding circuit breakers so ingest stops hammering mysql while we recover it", False),
        ("we need to recover the primary first", False),
        ("ingest accepting traffic again, API too", True),
        ("gateways taking requests again", True),
        ("metrics recover within minutes of the restart", True),
    ],
)
def test_recovering_it_is_an_intention_and_accepting_traffic_again_is_a_recovery(text: str, back: bool) -> None:
    (item,) = build_items([EvidenceLine(id="eng-chat.txt:1", at=T0, actor="devon", text=text)])
    assert (classify(item).recovery_full > 0) is back


def test_a_line_that_tells_a_span_after_its_moment_is_a_recap_not_a_mitigation() -> None:
    """"At 11:33 we saw 500s climbing ... It took about an hour to find ... We fixed the underlying cause": the fix
    came an hour after the line's time, so the line dates no mitigation."""
    a = analyse(lines(
        ("alerts.log", 0, None, "FIRING HighErrorRate: web 5xx ratio above 1%"),
        ("notes.md", 0, None, "At 09:00 we saw 500s climbing on the web nodes. It took about an hour to find the old package. "
                              "We fixed the underlying cause and installed the right package by hand."),
        ("chat.txt", 61, "ops", "installed the right version everywhere, web is back to normal"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(61)
    (item,) = build_items([EvidenceLine(id="chat.txt:1", at=T0, actor="ops", text="10 minutes later the rollback finished")])
    assert not classify(item).summary  # no clock of its own beside the span: the line is its own moment


def test_a_failing_probe_that_records_the_sms_it_sent_is_the_detection() -> None:
    a = analyse(lines(
        ("ec2-events.log", 0, None, "i-0a1f main: SystemStatusCheck failed (instance reachability)"),
        ("probe-alerts.log", 3, None, "probe us-west-2 -> main: cycle FAILED (connect timeout) -> sms sent"),
        ("probe-alerts.log", 8, None, "probe us-west-2 -> main: cycle FAILED (connect timeout) -> voice call placed, answered"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(3)
    assert at(a, "started") == minute(0)
    (ok,) = build_items([EvidenceLine(id="probe.log:1", at=T0, actor=None, text="probe -> main: cycle OK 3.1s, daily report email sent")])
    assert not classify(ok).page  # a passing check that mails a report pages no one


def test_no_exceptions_is_no_failure_and_a_watch_dates_no_resolution() -> None:
    """"no exceptions in the last 5 minutes" (08:30) tells the recovery after a watch: "tasks load again" (08:24) ended
    it, and the log line itself is no symptom."""
    a = analyse(lines(
        ("phab-error.log", 0, None, "phab1004 php: EXCEPTION: (RuntimeException) rendering maniphest task"),
        ("ops.irc", 1, "quartz", "every task shows Unhandled Exception (RuntimeException)"),
        ("ops.irc", 10, "gitlab_ops", "gitlab restarting, services coming up"),
        ("ops.irc", 11, "quartz", "tasks load again, thanks"),
        ("phab-error.log", 17, None, "phab1004 php: no exceptions in the last 5 minutes"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(11)
    assert at(a, "resolved") == minute(11)
    (item,) = build_items([EvidenceLine(id="phab-error.log:9", at=T0, actor=None, text="phab1004 php: no exceptions in the last 5 minutes")])
    assert not classify(item).failure


def test_a_release_shipped_after_detection_is_a_mitigation_step_in_the_timeline() -> None:
    """"besu 25.2.1 released" and "nethermind 1.31.1 released with the fix" after the page are the response, not
    investigation (or nothing)."""
    a = analyse(lines(
        ("alerts.log", 0, None, "FIRING [critical] BeaconNodeHeadInvalid instance=lh-03"),
        ("discord.txt", 1, "kwame", "same here, validator client says head is invalid"),
        ("discord.txt", 150, "tomasz", "nethermind 1.31.1 released with the fix"),
        ("discord.txt", 188, "hana", "besu 25.2.1 released"),
        ("discord.txt", 192, "kamil", "first block produced on the correct chain!"),
    ))  # fmt: skip
    placed = {e["at"]: e["phase"] for e in draft_timeline(a)["entries"]}
    assert placed.get(iso(minute(150))) == "mitigation"
    assert placed.get(iso(minute(188))) == "mitigation"


def test_a_grafana_legacy_notification_is_an_alert_and_its_ok_clears_it() -> None:
    """"grafana [Alerting] Redis availability: up == 0" fires (the rule's name has spaces); "[OK] ..." clears it."""
    a = analyse(lines(
        ("node.log", 0, None, "kernel: Out of memory: Killed process 812 (redis-server)"),
        ("alerts.txt", 1, None, "grafana [Alerting] Redis availability: redis_up == 0 for 30s"),
        ("ops-chat.txt", 3, "ana", "redis is in recovery, something killed it"),
        ("alerts.txt", 6, None, "grafana [OK] Redis availability"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(1)
    assert at(a, "mitigated") != minute(3)  # "something killed it" is the failure, not a responder's act
    (fired,) = build_items([EvidenceLine(id="alerts.txt:1", at=T0, actor=None, text="grafana [Alerting] Redis availability: redis_up == 0")])
    assert (fired.source, fired.sub) == ("alert", "firing")


def test_an_on_call_tools_numbered_alert_list_fires_acknowledges_and_notes() -> None:
    """Opsgenie's list: "#611 [P1] ... - Created <when> - Source: X" fires; "acknowledged by" is the ack; a person
    closing it is a note, no recovery."""
    items = build_items([
        EvidenceLine(id="og.txt:1", at=T0, actor=None, text="#611 [P1] Transit session down: core2-fra - Created May 14, 2024 11:00:05 AM CEST - Source: Zabbix"),
        EvidenceLine(id="og.txt:2", at=minute(4), actor=None, text="#611 acknowledged by Ines Park - May 14, 2024 11:04 AM CEST"),
        EvidenceLine(id="og.txt:3", at=minute(50), actor=None, text="#611 closed by Ines Park - May 14, 2024 11:50 AM CEST - note: session shut"),
    ])  # fmt: skip
    assert [(i.source, i.sub) for i in items] == [("alert", "firing"), ("pager", "ack"), ("pager", "note")]
    assert items[0].body == "Transit session down: core2-fra (P1)"


def test_an_earlier_day_the_responders_call_the_same_failure_is_a_precursor_not_the_start() -> None:
    """The same crash on an earlier day, over and recovered, then "same thing as the 3rd" on the 19th: the incident
    is the 19th's."""
    day = timedelta(days=16)
    a = analyse(lines(
        ("alerts.log", 0, None, "FIRING [page] ApiErrorRate api 5xx above 5%"),
        ("chat.log", 2, "femi", "db primary crashed, restarting members one by one"),
        ("chat.log", 12, "femi", "cluster is back, api recovered"),
        ("chat.log", int(day.total_seconds() // 60), None, "FIRING [page] ApiErrorRate api 5xx above 5%"),
        ("chat.log", int(day.total_seconds() // 60) + 1, "ines", "same thing as the 14th. primary down, secondaries crashing"),
        ("chat.log", int(day.total_seconds() // 60) + 40, "femi", "reports disabled. cluster stable"),
    ))  # fmt: skip
    assert at(a, "started") == minute(0) + day
    assert at(a, "mitigated") == minute(40) + day
    # the earlier occurrence stays in the timeline, as what led up to this one
    placed = {e["at"]: e["phase"] for e in draft_timeline(a)["entries"]}
    assert placed.get(iso(minute(0))) == "impact_start"


def test_a_fix_credited_to_another_day_is_no_mitigation_and_a_second_window_ends_the_first() -> None:
    """"the restart fixed it on the 4th" tells another day; the registry answering normally again, then down again
    two days later: the first window's end is the mitigation, the second's the resolution."""
    a = analyse(lines(
        ("irc.log", 0, "dmitri", "registry is timing out for everyone"),
        ("irc.log", 3, "dmitri", "the restart fixed the symptoms on the 4th. same symptoms now"),
        ("irc.log", 120, "rowan", "moving to two masters with replication"),
        ("irc.log", 270, "rowan", "both masters replicating, registry answering normally again"),
        ("irc.log", 2 * 1440 + 30, "fenwick", "registry down again, timing out"),
        ("irc.log", 2 * 1440 + 170, "dmitri", "secondary rebuilt, registry healthy and answering again"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(270)
    assert at(a, "resolved") == minute(2 * 1440 + 170)


def test_a_users_comment_asking_if_it_is_down_is_the_detection_and_a_mail_subject_is_no_mitigation() -> None:
    a = analyse(lines(
        ("github-events.txt", 0, None, 'user comment on a PR - May 14, 2024: "the bot isn\'t reacting to /retest, is it down?"'),
        ("ops-slack.txt", 150, "noor", "hook is in CrashLoopBackOff, reverting the config"),
        ("ops-slack.txt", 170, "noor", "hook is up, /retest works. resolution confirmed"),
        ("dev-mail.txt", 180, None, "Subject: the bot did not respond to PR comments this morning (fixed)"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(0)
    assert at(a, "resolved") == minute(170)
    assert at(a, "mitigated") != minute(180)


def test_a_stated_partial_restoration_on_a_12_hour_clock_is_the_mitigation() -> None:
    a = analyse(lines(
        ("chat.json", 0, "kwame", "dashboard returns 503 for everyone"),
        ("chat.json", 80, "kwame", "new session store bound, dashboard redeployed. partially working, some users still get the 503"),
        ("chat.json", 165, "kwame", "all instances healthy, logins work. fully restored"),
        ("notes.md", 170, None, "Service partially restored 10:20 AM, fully restored 11:45 AM."),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(80)
    assert at(a, "resolved") == minute(165)


def test_an_incident_clear_line_is_the_resolution_and_a_relayed_tweet_is_a_communication() -> None:
    a = analyse(lines(
        ("edge.log", 0, None, "rpd: BGP peer 4.68.0.1 (AS 3356): Hold timer expired"),
        ("noc-chat.txt", 5, "dana", "both transit sessions down, packet loss everywhere"),
        ("noc-chat.txt", 250, "ray", "the carrier pushed a global config change, sessions on their side coming back"),
        ("rfo.md", 300, None, "incident clear. services in all markets affected."),
        ("outages-list.txt", 380, None, "Reply, 14 May 2024 16:20 (UTC+2): the carrier tweets service is restored. Can anyone confirm?"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(300)


def test_they_in_a_chat_message_is_told_as_the_organisation_the_message_before_named() -> None:
    a = analyse(lines(
        ("noc-chat.txt", 0, "dana", "both transit sessions down, packet loss everywhere"),
        ("noc-chat.txt", 240, "dana", "the outages list says Telia found a bad filter rule"),
        ("noc-chat.txt", 250, "ray", "they pushed a global config change to drop it, sessions coming back"),
    ))  # fmt: skip
    texts = [e["text"] for e in draft_timeline(a)["entries"]]
    assert any("Telia pushed a global config change" in t for t in texts), texts


def test_a_bots_alert_relayed_to_the_channel_is_told_as_the_alert_not_a_responder() -> None:
    a = analyse(lines(
        ("ops.weechat.log", 0, "alertbot", "[FIRING] queue depth high (above 10k)"),
        ("ops.weechat.log", 2, "marta", "consumers are stuck, restarting them"),
        ("ops.weechat.log", 9, "alertbot", "[RESOLVED] queue depth high"),
    ))  # fmt: skip
    texts = [e["text"] for e in draft_timeline(a)["entries"]]
    assert "Alert fired: queue depth high." in texts, texts
    assert not any("responder reported [FIRING]" in t for t in texts)


def test_fully_mitigated_is_the_resolution_and_the_push_recovery_followed_is_the_mitigation() -> None:
    """"incident fully mitigated" tells all impact over: the mitigation is the config push that logins climbed back
    after; a change only readied ("change ready, reviewed") is not yet shipped."""
    a = analyse(lines(
        ("chat.txt", 0, "ines", "checkout calls to the pricing service failing everywhere, UNAVAILABLE from the mesh"),
        ("chat.txt", 9, "ines", "the mesh control plane is sending empty endpoint lists"),
        ("chat.txt", 20, "raj", "config change ready for the checkout services, reviewed"),
        ("deploy.log", 27, None, "deployer INFO config push discovery=static service=pricing region=all"),
        ("chat.txt", 33, "raj", "first services on static discovery, their error rates dropping"),
        ("chat.txt", 60, "ines", "checkout success rate climbing, clients retry with backoff"),
        ("chat.txt", 140, "raj", "fully mitigated on our side, all services on static discovery"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(27)
    assert at(a, "resolved") == minute(140)


def test_fully_mitigated_leaves_the_mitigation_to_the_main_impact_over_when_one_is_told() -> None:
    a = analyse(lines(
        ("chat.txt", 0, "ines", "every region losing packets on the backbone"),
        ("router.log", 30, None, "core-7 fib[88]: forwarding table rebuilt, normal forwarding"),
        ("chat.txt", 55, "ines", "nearly all devices are back, most regions recovered"),
        ("chat.txt", 200, "ines", "paths rebalanced, packet loss gone. we are fully mitigated"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(55)


def test_leaving_maintenance_mode_after_a_restore_is_the_service_back() -> None:
    a = analyse(lines(
        ("chat.txt", 0, "mia", "half the comments in every workspace are gone, row counts near zero"),
        ("chat.txt", 40, "mia", "maintenance mode ON. restore from the nightly backup started"),
        ("chat.txt", 95, "mia", "restore done, db at the 03:00 snapshot. maintenance mode off, app reachable"),
        ("chat.txt", 400, "mia", "admin page to re-apply lost changes released, admins restored their data"),
        ("chat.txt", 2000, "mia", "last workspace restored, closing"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(95)


def test_a_planned_work_window_is_no_impact_window() -> None:
    """A maintenance notice's "Window: 01:00 - 01:30" tells when work was to happen: impact starts at the first
    failure, not at the window's start."""
    a = analyse(lines(
        ("ix-notice.txt", 0, None, "Window: 2024-05-14 09:00 - 09:30 UTC"),
        ("ix-notice.txt", 0, None, "work started"),
        ("edge.log", 6, None, "edge-2 bgpd: %MAXPFX: routes from rr-1 exceed preset limit, session shut down"),
        ("pagerduty", 8, None, "trigger_log_entry: Edge routers unreachable from route reflectors"),
        ("chat.txt", 9, "tam", "every edge router dropping its sessions, customers offline"),
        ("chat.txt", 90, "tam", "sessions back up on all routers, customers online again"),
    ))  # fmt: skip
    assert at(a, "started") == minute(6)


def test_a_number_that_jumped_in_every_region_is_no_praise_of_the_response() -> None:
    from pmstudio.offline.lessons import draft_lessons

    a = analyse(lines(
        ("chat.txt", 0, "kenji", "handshake failures jumped in every region at once"),
        ("chat.txt", 5, "ana", "lou jumped in to help with the rollback"),
    ))  # fmt: skip
    well = " ".join(c["text"] for c in draft_lessons(a)["went_well"])
    assert "every region" not in well and "jumped in to help" in well


def test_an_action_under_way_then_its_paging_alert_clearing_is_the_mitigation() -> None:
    """"disabling the backbone sessions of the leaking site now" under way, then the paging alert clears three minutes later:
    the service came back then, well before the chat's "full recovery" once the log pipeline caught up; a warning's
    clearing is no recovery."""
    a = analyse(lines(
        ("alerts.txt", 0, None, "FIRING Edge5xxRatio colos=FRA,AMS,LHR ratio=0.6"),
        ("alerts.txt", 1, None, "FIRING DiskIOHigh (warning): edge log volume busy"),
        ("chat.txt", 4, "lena", "edge 5xx everywhere, the backbone is carrying a leaked route table"),
        ("chat.txt", 20, "lena", "disabling the backbone sessions of the leaking site now"),
        ("alerts.txt", 21, None, "RESOLVED DiskIOHigh (warning): edge log volume busy"),
        ("alerts.txt", 23, None, "RESOLVED Edge5xxRatio"),
        ("chat.txt", 55, "lena", "logs and metrics pipeline caught up. full recovery"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(23)


def test_a_service_started_again_is_the_mitigation_and_a_healthy_target_the_recovery() -> None:
    """"runtime downgraded, indexer service started" after the outage is the fix (not a change that starts the impact);
    the load balancer's "target healthy" is the service back; "the service started failing" is no fix."""
    a = analyse(lines(
        ("indexer.log", 0, None, "kernel: Out of memory: Killed process 911 (indexer)"),
        ("indexer.log", 1, None, "lb-health: target unhealthy (HTTP 503 /health)"),
        ("chat.txt", 95, "rui", "search is down for everyone, the indexer service started failing overnight"),
        ("chat.txt", 160, "rui", "runtime downgraded on the index hosts, indexer service started"),
        ("indexer.log", 166, None, "lb-health: target healthy"),
    ))  # fmt: skip
    assert at(a, "started") in (minute(0), minute(1))
    assert at(a, "mitigated") == minute(160)
    assert at(a, "resolved") == minute(166)


def test_a_change_denied_or_asked_about_is_no_change() -> None:
    """"We have not changed anything" (a customer) and "only thing that changed today is the cache TTL" (looking back
    at a change told elsewhere) are no change reaching production; "we changed the TTL" is one."""
    for text, change in (
        ("pages blank since a few minutes ago. we have not changed anything on our side", False),
        ("only thing that changed today is the cache TTL", False),
        ("we changed the cache TTL to 5 minutes", True),
    ):
        assert classify(build_items(lines(("chat.txt", 0, "ana", text)))[0]).change is change, text


def test_a_responder_telling_something_is_wrong_detects_and_what_monitoring_saw_from_a_time_starts() -> None:
    """"something's wrong: invoices are not being saved" detects the problem (a status post about the rollback later
    is no detection); "the graphs did catch it, from 09:12 on" tells when it started: the deploy at that minute."""
    a = analyse(lines(
        ("deploy.log", 0, None, "deploy billing-api build=2291 env=production"),
        ("chat.txt", 150, "noor", "something's wrong: on the admin page some invoices are not being saved when submitted"),
        ("chat.txt", 190, "noor", "build 2291 rolled back. saves working, latency back to normal"),
        ("status-notice.txt", 190, None, "build rolled back, normal service resumed."),
        ("chat.txt", 200, "noor", "the graphs did catch it, from 09:00 on. the threshold just never alerted"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(150)
    assert at(a, "started") == minute(0)
    assert at(a, "mitigated") == minute(190)


def test_an_unpublished_release_is_a_done_fix_and_a_deploy_freeze_no_change() -> None:
    for text, change, done in (
        ("npm unpublished widgets@2.4.1", False, True),
        ("friday deploy freeze is on, nothing going out until monday", False, False),
        ("widgets@2.4.1 published with a postinstall", True, False),
    ):
        s = classify(build_items(lines(("chat.txt", 0, "ana", text)))[0])
        assert (s.change, s.mit_done) == (change, done), text


def test_a_timelines_bracketed_labels_tell_the_start_the_recovery_begun_and_its_end() -> None:
    """A post-mortem timeline's "[Downtime Begins]" starts the impact; "[Recovery Begins] ... delivered again, but
    delayed" (a recovery begun, still slow: no relapse) is the mitigation when only attempts came before it;
    "[Recovery Complete]" is the end."""
    a = analyse(lines(
        ("timeline.md", 0, None, "[Downtime Begins] messages begin being delayed/backed up"),
        ("alerts.txt", 9, None, "FIRING QueueDelivery: test messages not delivered within 10 minutes"),
        ("timeline.md", 50, None, "[Mitigation Attempted] raised the worker limit on the relay"),
        ("timeline.md", 130, None, "[Recovery Begins] relays begin to handle the load; messages delivered again, but delayed"),
        ("timeline.md", 400, None, "[Recovery Complete] pool changes fully eliminate the backlog"),
    ))  # fmt: skip
    assert at(a, "started") == minute(0)
    assert at(a, "mitigated") == minute(130)
    assert at(a, "resolved") == minute(400)


def test_a_correction_done_with_a_share_back_is_the_mitigation_and_a_post_telling_all_restored_the_end() -> None:
    """"starting to update the zones with the correct records" then "update done. about 60% of affected domains
    resolve correctly again" is the first stage back (the mitigation), not the later "most are back" a responder
    drafts for customers; with nothing else telling the end, the status post "all customers impacted have been
    restored" is the resolution (days later); "the update is done through terraform" tells how, not a fix."""
    a = analyse(lines(
        ("chat.txt", 0, "ira", "we've been alerted: custom domains on .io not resolving, landing pages 404"),
        ("chat.txt", 60, "ira", "starting to update all .io zones we control with the correct NS records"),
        ("chat.txt", 75, "ira", "update done. about 60% of affected domains resolve correctly again"),
        ("chat.txt", 90, "kim", "suggested wording: DNS problem at the registry, most are back already, rest in progress"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(75)
    a = analyse(lines(
        ("chat.txt", 0, "ira", "three tickets in ten minutes: whole sites gone, 'site not found'"),
        ("chat.txt", 90, "ira", "no bulk path to bring hundreds of sites back, restoring them one at a time"),
        ("status-updates.txt", 4000, None, "Update: all customers impacted by the outage have been restored."),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(4000)
    s = classify(build_items(lines(("notes.md", 0, None, "the instance type update is done through terraform")))[0])
    assert not s.mitigation


def test_a_box_booting_after_its_power_cycle_is_no_recovery_processing_resumed_is() -> None:
    """"server down, power cycled, coming back up" is the machine booting; "recovery done, processing resumed" is the
    service back (the mitigation), and "backlog all processed. delivery caught up" the end."""
    a = analyse(lines(
        ("syslog.txt", 0, None, "db-7 kernel: watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [mysqld:4127]"),
        ("chat.txt", 20, "mo", "db-7 wedged, mysqld won't answer. all accounts on db-7 are down"),
        ("chat.txt", 60, "mo", "server down, power cycled, coming back up"),
        ("chat.txt", 76, "mo", "mysql running crash recovery. no corruption so far"),
        ("chat.txt", 80, "mo", "recovery done, processing resumed on db-7. queued data starting to flow"),
        ("chat.txt", 137, "mo", "backlog all processed. delivery caught up"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(80)
    assert at(a, "resolved") == minute(137)


def test_turning_backlog_processing_back_on_is_no_mitigation_the_failover_before_it_is() -> None:
    """The failover back to the original topology is the mitigation; re-enabling backlog processing twenty minutes
    later, with the worker logging "delivery resumed", works off the backlog (the resolution's stage)."""
    a = analyse(lines(
        ("alerts.txt", 0, None, "FIRING MySQLReplicationBroken: multiple clusters report replication faults"),
        ("chat.txt", 5, "lee", "webhooks and pages builds are failing for everyone"),
        ("chat.txt", 600, "lee", "replicas in sync, failed over to the original topology"),
        ("chat.txt", 621, "lee", "backlog processing re-enabled: 5 million hook events queued"),
        ("workers.log", 621, None, "hookshot: delivery resumed, pending=5012377"),
        ("chat.txt", 1000, "lee", "backlogs processed, all clear"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(600)


def test_an_act_done_by_mistake_is_what_set_it_off_not_a_mitigation() -> None:
    """"I was rebooting the new nodes after the upgrade. mistyped the server list and it rebooted every server" is the
    act that started the outage; the mitigation is what brought the service back."""
    a = analyse(lines(
        ("ops-chat.txt", 0, "dm", "for the record: I was rebooting the new nodes after the upgrade. mistyped the server list and it took every server"),
        ("ops-chat.txt", 5, "ts", "support phones lit up, customers whose whole sites are down"),
        ("ops-chat.txt", 40, "hr", "control plane services restarted by hand, APIs back online"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(40)
    s = classify(build_items(lines(("chat.txt", 0, "dm", "I was restarting the new nodes and mistyped the list")))[0])
    assert not s.mitigation


def test_a_finding_about_a_change_is_not_the_start_the_first_symptom_after_it_is() -> None:
    """"found it. the timestamp writes just stop, right around when the flags flipped" is found at 13:12 about a change
    of the evening before: the impact starts at the first symptom ("ingest error rate rising"), not at the finding."""
    a = analyse(lines(
        ("chat.txt", 0, "ruth", "flags flipped, queries flowing to cluster b. heading out"),
        ("chat.txt", 900, "ruth", "morning. latency SLO burned all night, looking"),
        ("chat.txt", 912, "ruth", "found it. the timestamp writes to mysql just stop, right around when the flags flipped"),
        ("chat.txt", 930, "ruth", "ingest error rate rising. mysql read load climbing"),
        ("chat.txt", 940, "ruth", "and everything is down. ui, api, ingest. all of it"),
    ))  # fmt: skip
    assert at(a, "started") == minute(930)


def test_what_the_responders_cannot_prove_is_no_failure_and_starts_nothing() -> None:
    """A write-up's chat the morning after: "no sign the tokens were used, but we can't prove they weren't" and "we
    cannot rule out other hosts" tell a limit of what is known, not a failure; no impact starts there."""
    a = analyse(lines(
        ("chat.txt", 0, "mo", "draft of the post is up, can people read it before noon"),
        ("chat.txt", 5, "jo", "no sign the session tokens were used, but we can't prove they weren't. so we rotate them all"),
        ("chat.txt", 9, "mo", "and we cannot rule out other hosts, so say that too"),
        ("chat.txt", 20, "jo", "tokens rotated for every account"),
    ))  # fmt: skip
    assert at(a, "started") is None and at(a, "detected") is None
    assert not classify(build_items(lines(("chat.txt", 0, "jo", "we can't prove the keys were not copied")))[0]).failure


def test_a_line_stating_several_impact_windows_starts_the_impact_at_the_earliest() -> None:
    """"Impact windows: checkout 09:40-10:30; search 09:05-11:00" names two windows; the impact began with the earlier
    (09:05), where a line of its own is dated, not with the first written (09:40)."""
    a = analyse(lines(
        ("search.log", 5, None, "search-api ERROR index shard 4 unavailable; returning 503"),
        ("chat.txt", 40, "ren", "checkout is failing too now, paging"),
        ("chat.txt", 41, "ren", "ack, looking"),
        ("notes.md", 180, None, "Impact windows: checkout 09:40-10:30 (~50 min); search 09:05-11:00 (~115 min)"),
    ))  # fmt: skip
    assert at(a, "started") == minute(5)


def test_an_exposure_that_began_days_before_every_timed_line_has_no_clock_start() -> None:
    """"the key was exposed to every maintainer from on or about 2024-03-01 through 2024-05-14": the impact began on a
    day no line tells of, so neither the report that found it nor any later line is its start; detection stays."""
    untimed = EvidenceLine(id="notes.md:2", at=None, actor=None, text=(
        "What: the release signing key was exposed to every maintainer from on or about 2024-03-01 through 2024-05-14."))
    a = analyse([*lines(
        ("auditor-mail.txt", 0, None, "we found that your release signing key can be read by every maintainer"),
        ("chat.txt", 6, "kai", "auditors just reported a leaked signing key to security@, looking now"),
        ("chat.txt", 12, "kai", "ack'd to them"),
        ("chat.txt", 20, "kai", "confirmed, any maintainer can read it. revoking the key now"),
        ("chat.txt", 35, "kai", "key revoked, releases paused"),
    ), untimed])  # fmt: skip
    assert at(a, "started") is None
    assert at(a, "detected") is not None


def test_a_stated_window_written_with_an_arrow_names_the_impact_start() -> None:
    """Notes shorthand writes a window with an arrow ("Outage 16:58 -> 18:46 UTC (1h48m)"); an arrow between two
    values that are not clocks ("timeout 1s -> 300ms") is a change, no window."""
    start = _stated_start_of
    at = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
    assert start("Downtime 07:41 -> 08:55 UTC (74 min), checkout returned 502 for most buyers", at) == at.replace(hour=7, minute=41)
    assert start("impact window 07:41 → 08:55, queue stuck", at) == at.replace(hour=7, minute=41)
    assert start("outage began when the pool timeout went 1s -> 300ms", at) is None


def test_a_guard_put_back_closes_an_exposure_and_a_port_sealed_from_outside_is_no_failure() -> None:
    """An exposed service is mitigated when the guard is back ("ufw rules loaded, ufw.service enabled"), told as
    done; "enabling the firewall now" is under way. "5432 refused from the internet again" is the state wanted, not
    a failure."""
    a = analyse(lines(
        ("sec-chat.txt", 0, "noor", "pg on db-7 answers from my laptop on the public IP. it should not"),
        ("sec-chat.txt", 6, "ravi", "firewall is inactive on db-7, never came back after the kernel update"),
        ("sec-chat.txt", 9, "noor", "stopping pg's public listener and enabling the firewall now"),
        ("sec-chat.txt", 12, "noor", "listener off, ufw rules loaded, ufw.service enabled. 5432 refused from the internet again"),
        ("sec-chat.txt", 40, "ravi", "audit of the box done, nothing else open"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(12)
    from pmstudio.offline.classify import classify
    from pmstudio.offline.items import build_items

    (sealed,) = build_items(lines(("sec-chat.txt", 12, "noor", "ufw rules loaded. 5432 refused from the internet again")))
    (down,) = build_items(lines(("sec-chat.txt", 12, "noor", "checkout times out from outside, every region")))
    assert not classify(sealed).failure and classify(down).failure


def test_a_monitor_posting_to_the_channel_is_no_responder_who_saw_it_first_and_a_start_label_starts_the_impact() -> None:
    """An uptime monitor's own post in the channel ("<pingdom> DOWN: shop.example (timeout from 5 probes)") minutes
    before its SMS page is the monitor, not a responder who saw the problem first: the page detects it. The notes'
    label "start 2 Mar 06:12: ..." marks the impact's first moment; the monitor's post is told as the alert it is."""
    rows = [
        ("retro-notes.md", 0, None, "start 2 Mar 06:12: transit provider's core router failed; shop unreachable"),
        ("ops-irc.log", 4, "pingdom", "DOWN: shop.example (HTTP timeout from 5 probes)"),
        ("sms-alerts.txt", 7, None, "SMS to on-call: Pingdom ALERT shop.example DOWN (connection timed out)"),
        ("ops-irc.log", 9, "mira", "phone went off. shop and api both dead from here"),
        ("ops-irc.log", 95, "mira", "provider rerouted, shop loads again"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "started") == minute(0) and at(a, "detected") == minute(7)
    entries = draft_timeline(a)["entries"]
    (post,) = [e for e in entries if e["evidence"] == ["ops-irc.log:1"]]
    assert "Alert fired: DOWN: shop.example" in post["text"] and "responder" not in post["text"]


def test_a_health_measure_falling_is_the_first_sign_of_impact() -> None:
    """"Checkout success rate drops to 35%" or "uptime metric fell sharply" in the notes is users failing, hours
    before a person reports it."""
    a = analyse(lines(
        ("rollout.log", -150, None, "node image v4.2 published; nodes drifting"),
        ("review-notes.md", 0, None, "# review notes"),
        ("review-notes.md", 40, None, "checkout success rate drops to 35%, nobody paged"),
        ("support-chat.txt", 190, "ines", "customers say checkout spins forever, can't pay"),
        ("support-chat.txt", 260, "ines", "image rolled back to v4.1, checkout works again"),
    ))  # fmt: skip
    assert at(a, "started") == minute(40)
    from pmstudio.offline.classify import classify
    from pmstudio.offline.items import build_items

    told = ["uptime metric fell sharply", "availability dropped from 99.9 to 61", "healthy pods dropping fast", "uptime back to 99.9"]
    items = build_items(lines(*[("notes.md", i, None, t) for i, t in enumerate(told)]))
    assert [classify(it).failure for it in items] == [True, True, True, False]


def test_the_incident_s_closing_is_not_the_end_of_impact_and_edits_saving_again_is_a_recovery() -> None:
    """"incident closed" half an hour after "responses back to normal" is the closing, not the end of impact (the
    datasets' milestone convention); a closing line that itself tells everything back stays the end. "edits saving
    again" tells the service back; "get people saving again" is a plan."""
    rows = [
        ("oncall-chat.txt", 0, "ines", "SERVFAIL rate climbing for valid names, declaring an incident"),
        ("oncall-chat.txt", 90, "ines", "preload disabled on all nodes"),
        ("oncall-chat.txt", 92, "ines", "servfail back to baseline, responses normal everywhere"),
        ("oncall-chat.txt", 122, "ines", "incident closed"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "resolved") == minute(92)
    b = analyse(lines(*rows[:2], ("oncall-chat.txt", 122, "ines", "all services restored for every customer, closing the incident")))
    assert at(b, "resolved") == minute(122)
    from pmstudio.offline.classify import classify
    from pmstudio.offline.items import build_items

    told = ["new link is up. full site back, edits saving again", "plan B: fresh instance, get people saving again"]
    items = build_items(lines(*[("irc.log", i, "tom", t) for i, t in enumerate(told)]))
    assert [bool(classify(it).recovery_full) for it in items] == [True, False]


def test_a_fix_deployed_with_pods_coming_up_is_the_mitigation_before_a_later_told_full_restoration() -> None:
    """"hotfix deployed. pods coming up and staying up" at 10:15, its deploy log seconds later in that minute, then
    "error rate back to baseline, fully restored" at 10:46: the recovery began with the fix, which is the mitigation
    (datasets' milestone convention: where the cause is removed and the first stage is back)."""
    rows = [
        ("api-chat.txt", 0, "omar", "FIRING ApiHTTP5xxHigh - api 5xx above 50% for 5m, declaring an incident"),
        ("api-chat.txt", 20, "omar", "pods crashlooping on the new pool timeout, can't roll back, building a hotfix"),
        ("api-chat.txt", 75, "omar", "hotfix deployed. pods coming up and staying up"),
        ("deploy.log", 75.3, None, 'deploy api sha=c0ffee1 change="pool timeout 2s"'),
        ("api-chat.txt", 106, "omar", "error rate back to baseline. service fully restored"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(75) and at(a, "resolved") == minute(106)


def test_a_status_post_that_dates_the_end_as_of_a_time_names_the_resolution() -> None:
    """A status page's last post dates the end itself ("Resolved for all customers as of Monday, 2024-03-04 10:32
    AM US/Eastern"), an hour after it went out: the end is the line at that moment (the long tail closed at 15:32
    UTC), not the earlier "back to baseline" a closing line would otherwise give way to."""
    materials = [
        Material(name="ops.log", kind="log", timezone="UTC", content=(
            "2024-03-04T13:10:00Z checkout api error rate 40%\n"
            "2024-03-04T13:40:00Z rollback of release 812 complete; error rate falling\n"
            "2024-03-04T14:05:00Z checkout error rate back to baseline\n"
            "2024-03-04T15:32:00Z incident closed; long tail of stuck orders reconciled\n"
        )),
        Material(name="status.txt", kind="ticket", content=(
            "Mar 4, 2024 8:15 AM EST - Investigating elevated checkout errors.\n"
            "Mar 4, 2024 11:40 AM EST - Resolved for all customers as of Monday, 2024-03-04 10:32 AM US/Eastern.\n"
        )),
    ]  # fmt: skip
    bundle, _ = bundle_from_materials(materials, id="as-of", timezone="America/New_York")
    a = analyse(bundle_evidence(bundle))
    assert at(a, "resolved") == datetime(2024, 3, 4, 15, 32, tzinfo=UTC)
    assert at(a, "mitigated") == datetime(2024, 3, 4, 13, 40, tzinfo=UTC)


def test_a_change_checked_fine_before_the_first_failure_did_not_start_the_impact() -> None:
    """Rolling updates told in chat: "node-a upgraded to the new openssl", "node-a back, looks ok", then twenty
    minutes later "with node-b down, traffic did NOT shift to node-a": the clean check says the change hurt no one
    yet, so impact starts with the failure told, not with the change (which stays the trigger). Without the check
    the change a person tells within the hour before the failure is the start."""
    rows = [
        ("chat.txt", 0, "oli", "starting the package updates, one node at a time"),
        ("chat.txt", 20, "oli", "node-a upgraded to the new openssl"),
        ("chat.txt", 26, "oli", "node-a back, looks ok"),
        ("chat.txt", 38, "oli", "rebooting node-b"),
        ("chat.txt", 41, "oli", "hm. with node-b down, traffic did NOT shift to node-a"),
        ("alerts.log", 45, None, "FIRING WebErrorsHigh: 5xx ratio above 5%"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "started") == minute(41)
    assert at(a, "trigger") == minute(20)
    unchecked = analyse(lines(*(r for r in rows if "looks ok" not in r[3])))
    assert at(unchecked, "started") == minute(20)


def test_a_rollback_under_way_completes_when_the_deploy_log_shows_its_build_rolled_out() -> None:
    """"rolling back to web-2024.05.1" in chat, the deploy log's "deployment/web image .../web:web-2024.05.1 rolled
    out" a minute later, the chat's "error rate back to normal, all healthy" forty minutes on: the rollback completed
    when its build rolled out (the mitigation), and the recovery told later is the resolution. A log line rolling
    out some other build completes nothing."""
    rows = [
        ("alerts.log", 0, None, "FIRING WebErrorsHigh: 5xx ratio above 5% on web"),
        ("chat.txt", 3, "ana", "5xx on checkout since the release, looking"),
        ("chat.txt", 20, "ana", "rolling back to web-2024.05.1, the build before the release"),
        ("deploy.log", 21, None, "deployment/web image registry.example/web:web-2024.05.1 rolled out"),
        ("chat.txt", 61, "ana", "error rate back to normal, all healthy"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(21)
    assert at(a, "resolved") == minute(61)
    other = analyse(lines(*rows[:3], ("deploy.log", 21, None, "deployment/cron image registry.example/cron:cron-7.2.0 rolled out"), rows[4]))
    assert at(other, "mitigated") == minute(61)


def test_a_line_that_tells_the_service_still_broken_is_no_full_recovery_and_again_same_is_no_fix() -> None:
    """A weekend's notes resume "back online: upstream incident marked resolved, our gateway still failing": what is
    back (the writer, another party's incident) is not the service, so neither mitigation nor resolution is that
    line; "restarted it again, same." is an attempt that made no difference. The service told back later is."""
    def sig(text: str) -> tuple[int, int, bool]:
        (item,) = build_items([EvidenceLine(id="notes.md:2", at=T0, actor=None, text=text)])
        s = classify(item)
        return s.recovery_full, s.recovery_partial, s.mit_negative

    assert sig("back online: upstream incident marked resolved, our gateway still failing")[0] == 0
    assert sig("web tier restored, the api is still down")[:2] == (0, 1)
    assert sig("restarted the proxy again, same.")[2] is True
    a = analyse(lines(
        ("alerts.log", 0, None, "FIRING HttpCheckDown: shop.example.org DOWN"),
        ("chat.txt", 10, "ana", "restarted the proxy container. no change"),
        ("chat.txt", 18, "ana", "restarted the proxy again, same."),
        ("notes.md", 300, None, "back online: upstream incident marked resolved, our gateway still failing"),
        ("notes.md", 360, None, "new gateway address configured on the proxy; shop reachable again"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(360) and at(a, "resolved") == minute(360)


def test_a_recovery_still_planned_is_none_and_a_day_only_line_does_not_start_the_impact_at_midnight() -> None:
    """Status posts over a long outage: "Update: the repair is still running. Plan: bring the cluster back online
    with the damaged volume offline" tells nothing back yet, so the mitigation is the later "Partially resolved:
    the cluster is back online"; a yearly summary's "2022-03-14 (30 hours) - building power work failed", dated by its
    day only, does not move the start to that day's midnight before the first timed sign."""
    (planned,) = build_items([EvidenceLine(id="status.txt:4", at=T0, actor=None,
                                           text="Update: the repair is still running. Plan: bring the cluster back online with the damaged volume offline")])  # fmt: skip
    s = classify(planned)
    assert (s.recovery_full, s.recovery_weak) == (0, False)
    t = datetime(2022, 3, 14, 15, 10, tzinfo=UTC)
    evidence = [
        EvidenceLine(id="summary.md:3", at=datetime(2022, 3, 14, tzinfo=UTC), actor=None,
                     text="(30 hours) - building power work failed", date_only=True),
        EvidenceLine(id="chat.txt:1", at=t, actor="ops", text="cluster is dark: login nodes and storage mounts down"),
        EvidenceLine(id="status.txt:2", at=t + timedelta(minutes=5), actor=None,
                     text="Notice: the cluster is down after a power outage in the data center"),
        EvidenceLine(id="status.txt:4", at=t + timedelta(hours=14), actor=None,
                     text="Update: the repair is still running. Plan: bring the cluster back online with the damaged volume offline"),
        EvidenceLine(id="status.txt:5", at=t + timedelta(hours=28), actor=None,
                     text="Partially resolved: the cluster is back online. The damaged volume stays offline"),
    ]  # fmt: skip
    a = analyse(evidence)
    assert at(a, "started") == t
    assert at(a, "mitigated") == t + timedelta(hours=28)


def test_a_post_sentence_opening_as_of_a_time_with_the_exposure_closed_names_the_end() -> None:
    """A disclosure posted hours later ("As of 14:05 UTC on March 3 the admin port is blocked from outside again.")
    dates the end itself: the line at that moment (the firewall put back) is the resolution, even though nothing
    after it tells a recovery. "As of 14:05 we are still investigating" tells no end."""
    rows = [
        ("chat.txt", 0, "ana", "the admin port answers from my laptop on the public IP. it should time out"),
        ("chat.txt", 12, "ana", "firewall service disabled since the upgrade. enabling it and stopping the admin api"),
        ("chat.txt", 65, "ana", "admin api stopped, firewall enabled. the port times out from outside again"),
        ("chat.txt", 90, "ana", "auditing the box for anything else"),
    ]
    post = "Security notice. As of 10:05 UTC on May 14 the admin port is blocked from outside again."
    a = analyse(lines(*rows, ("status.txt", 330, None, post)))
    assert at(a, "resolved") == minute(65)
    still = analyse(lines(*rows, ("status.txt", 330, None, "Security notice. As of 10:05 UTC on May 14 we are still investigating.")))
    assert at(still, "resolved") != minute(65)


def test_every_host_reachable_again_tells_the_recovery_before_the_restored_post() -> None:
    """A bridge line "all edge nodes reachable, checkout normal" is the end of the outage; the status post "Service
    restored" five minutes later is the announcement. Servers up is the machines' state, not the users': "all storage
    servers up, one volume still corrupted" tells no recovery."""
    rows = [
        ("chat.txt", 0, "kai", "checkout failing everywhere, edge nodes not resolving"),
        ("chat.txt", 20, "kai", "rolling the resolver config back on every edge node"),
        ("chat.txt", 50, "kai", "some regions answering, rest still down"),
        ("chat.txt", 95, "kai", "all edge nodes reachable, checkout normal"),
        ("status.txt", 100, None, "Resolved: service restored. A root cause analysis will follow."),
    ]
    a = analyse(lines(*rows))
    assert at(a, "resolved") == minute(95)
    (servers,) = build_items([EvidenceLine(id="c:1", at=T0, actor="kai", text="all storage servers up, one volume still corrupted")])
    assert classify(servers).recovery_full == 0


def test_a_relayed_user_report_detects_and_a_line_telling_how_it_works_does_nothing() -> None:
    """A responder passing on what a customer told ("a customer in #support says their dashboard shows
    another org's invoices") detects it, though the customer's words hold no failure word. "restores happen when a
    node can't rejoin its pool. we wipe and recreate it" tells how the system works, neither a failure seen nor an act
    done then; "anything recreated from that snapshot" describes the data, while "all affected orgs recreated from
    their own snapshots, shared cache locked down" is the fix (a bucket locked down is closed, not an outage)."""
    rows = [
        ("chat.txt", 0, "ines", "a customer in #support says their dashboard shows another org's invoices"),
        ("chat.txt", 4, "tom", "on it, pulling their config"),
        ("chat.txt", 9, "tom", "restores happen when a node can't rejoin its pool. we wipe and recreate it from the snapshot"),
        ("chat.txt", 12, "tom", "anything recreated from that snapshot got the shared cache key"),
        ("chat.txt", 70, "tom", "all affected orgs recreated from their own snapshots. shared cache locked down"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(0)
    assert at(a, "mitigated") == minute(70)
    (locked,) = build_items([EvidenceLine(id="c:1", at=T0, actor="tom", text="shared cache locked down")])
    assert not classify(locked).failure
    # a report denied is none: the responder who saw the failure detected it
    quiet = analyse(lines(("chat.txt", 0, "tom", "grafana healthcheck DOWN in the alerts channel"),
                          ("chat.txt", 20, "tom", "grafana up, healthcheck green"),
                          ("chat.txt", 25, "ines", "no customer reports at all in #support during this")))  # fmt: skip
    assert at(quiet, "detected") == minute(0)


def test_an_organisation_frozen_contains_a_takeover_and_control_back_recovers_it() -> None:
    """A takeover of a code-hosting organisation: "I was just removed from the acme org" is what the attacker did to a
    responder (a failure they report, not their own act of removal); "support froze the organization. the attacker
    can't push anything now" contains it (the attacker's "can't" is no failure of the users); "control of the acme org
    is back with us" is the recovery. "the editor froze" stays no act."""
    rows = [
        ("chat.txt", 0, "ana", "uh, I was just removed from the acme org on github"),
        ("chat.txt", 5, "bo", "someone with owner rights is kicking everyone out, front page defaced"),
        ("chat.txt", 12, "ana", "abuse report sent to github support"),
        ("chat.txt", 40, "bo", "support froze the organization. the attacker can't push anything now"),
        ("chat.txt", 400, "ana", "control of the acme org is back with us. reverting their commits"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(40)
    items = build_items(lines(*rows))
    removed, froze, back = classify(items[0]), classify(items[3]), classify(items[4])
    assert removed.failure and not removed.mitigation
    assert froze.mit_done and not froze.failure
    assert back.recovery_full
    (editor,) = build_items([EvidenceLine(id="c:1", at=T0, actor="bo", text="the editor froze on save")])
    assert not classify(editor).mitigation


def test_the_acute_part_told_over_ends_the_main_impact_before_the_remainder() -> None:
    """"machine updates working again. acute part over" ends the main impact while new deploys keep failing for two
    more hours: the mitigation is that line (datasets/README.md, a remainder lasting longer), not the later all-clear."""
    rows = [
        ("chat.txt", 0, "ruth", "machine updates failing in every region, consul handshakes rejected"),
        ("chat.txt", 10, "ruth", "minting a new CA and pushing certs fleetwide"),
        ("chat.txt", 100, "ruth", "machine updates working again. acute part over. existing apps can be changed"),
        ("chat.txt", 150, "ruth", "new app deployments still failing on the registration path"),
        ("chat.txt", 220, "ruth", "new application deploys going through again"),
        ("chat.txt", 360, "ruth", "backlog drained, nothing stuck. calling it resolved"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(100)


def test_a_stand_in_for_the_site_eases_the_outage_and_is_no_mitigation() -> None:
    """"DNS changed to the old backup. basic site loads again, outdated prices and all" puts a stand-in up: a workaround
    that eases the impact (datasets/README.md, partial recovery), so the mitigation is the provider's restore after it.
    The users see the stand-in until they are switched back ("DNS reverted, example.com points back at the recent
    version"), after "provider: recent version of the site reliably available again". "forum back in read-only mode"
    is only part of a recovery too."""
    rows = [
        ("chat.txt", 0, "lea", "example.com is down. blank page / connection timeout from everywhere"),
        ("chat.txt", 60, "lea", "DNS changed to the old backup. basic site loads again, outdated prices and all"),
        ("chat.txt", 270, "lea", "provider says the server is restored"),
        ("chat.txt", 320, "lea", "provider: recent version of the site reliably available again"),
        ("chat.txt", 362, "lea", "DNS reverted, example.com points back at the recent version"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(270)
    assert at(a, "resolved") == minute(362)
    (ro,) = build_items([EvidenceLine(id="c:1", at=T0, actor="lea", text="forum back in read-only mode")])
    s = classify(ro)
    assert s.recovery_partial and not s.recovery_full > s.recovery_partial


@pytest.mark.parametrize(
    ("text", "done"),
    [("manual fix for app.example.io deployed. dashboard loads", True), ("hotfix for the parser rolled out", True),
     ("fix for the parser will be deployed tomorrow", False), ("the fix is ready to be deployed", False)],
)  # fmt: skip
def test_a_fix_told_deployed_after_its_object_is_a_mitigation_done(text: str, done: bool) -> None:
    """"manual fix for app.example.io deployed" is the fix in place, as "deployed the fix" is (the dots of a host name
    do not end the sentence); a fix still to be deployed is none."""
    (item,) = build_items([EvidenceLine(id="c:1", at=T0, actor="ana", text=text)])
    s = classify(item)
    assert (s.mitigation and s.mit_done) is done


def test_a_part_told_still_affected_ends_with_its_own_fix() -> None:
    """"Monitoring: app fixed; admin pages still affected" beside the first part's recovery: the impact ends with the
    fix of the remainder ("manual fix for admin deployed" forty minutes on), not with "customer confirms login works
    again" (datasets/README.md: the last service back)."""
    rows = [
        ("chat.txt", 0, "ana", "app and admin both serving an expired cert, login fails"),
        ("chat.txt", 30, "ana", "manual fix for app.example.io deployed. dashboard loads"),
        ("status.txt", 30, None, "Monitoring: app.example.io fixed; admin pages still affected."),
        ("chat.txt", 32, "bo", "customer who mailed support confirms login works again"),
        ("chat.txt", 37, "ana", "admin.example.io next, different ingress"),
        ("chat.txt", 70, "ana", "manual fix for admin.example.io deployed"),
        ("status.txt", 70, None, "Resolved: admin.example.io fixed. All dashboards available."),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(30)
    assert at(a, "resolved") == minute(70)


def test_a_lag_told_still_late_ends_when_it_is_green_again() -> None:
    """"nagios says the cluster is healthy again, replication still late" names a remainder: the impact ends with
    "replication green, all probes healthy" twenty minutes on, not with the probe that saw the site up first. A
    recovery seen on a canary only is part of one; dashboards green mid-incident tell no recovery."""
    rows = [
        ("chat.txt", 0, "ana", "riak died on two nodes, production down, failing over to DR"),
        ("chat.txt", 2, "ana", "route53 failed over to DR"),
        ("chat.txt", 300, "ana", "nagios says the cluster is healthy again, replication still late"),
        ("chat.txt", 304, "ana", "statuscake says production is up again"),
        ("chat.txt", 322, "ana", "replication green, all probes healthy. going to sleep"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "resolved") == minute(322)
    canary, dashboards = build_items([
        EvidenceLine(id="c:1", at=T0, actor="ana", text="health checks passing on the canary only"),
        EvidenceLine(id="c:2", at=T0, actor="ana", text="our dashboards were all green, no alerts fired"),
    ])  # fmt: skip
    assert not classify(canary).recovery_full > classify(canary).recovery_partial
    assert not classify(dashboards).recovery_full


def test_alerts_told_to_route_to_a_retired_address_detected_nothing() -> None:
    """The probe alerts fired at the start, but "the probe alerts still route to the old on-call address, the one we
    retired" says they reached nobody: the detection is the responder who found the sites half-dead an hour later,
    while the impact still starts with the first failing probe."""
    doc = {"alerts": [{"status": "firing", "labels": {"alertname": "HTTPProbeFailing", "severity": "critical"},
                       "annotations": {"summary": "more than 40% of site probes failing"},
                       "startsAt": "2024-05-14T09:00:00Z", "endsAt": "0001-01-01T00:00:00Z"}]}  # fmt: skip
    chat = ("09:55 ana: hosting and the support mailbox are both half-dead, probes say since 09:00. raised a ticket\n"
            "09:57 ana: the probe alerts still route to the old on-call address. the one we retired in march\n"
            "10:40 ana: provider fixed their network, sites answering again\n")  # fmt: skip
    bundle, _ = bundle_from_materials([
        Material(name="alerts.json", kind="alerts", content=json.dumps(doc)),
        Material(name="chat.txt", kind="chat", content=chat),
    ], id="x", timezone="UTC")  # fmt: skip
    a = analyse(bundle_evidence(bundle))
    assert at(a, "started") == minute(0)
    assert at(a, "detected") == minute(55)


def test_a_site_banner_is_a_public_notice_not_the_recovery() -> None:
    """A maintenance banner's record ("Removed Aug 15, 11:04 AM ET: Online check-in is available again.") tells the
    public the service is back; the end is the fix verified four minutes before it."""
    rows = [
        ("chat.txt", 0, "lori", "no successful check-ins at all since last night, every veteran fails"),
        ("chat.txt", 200, "rob", "hotfix deployed"),
        ("chat.txt", 202, "lori", "check-ins working again in production. verified fixed"),
        ("maintenance-banner.txt", 206, None, "Removed: Online check-in is available again."),
    ]
    a = analyse(lines(*rows))
    assert at(a, "resolved") == minute(202)
    (banner,) = build_items([EvidenceLine(id="maintenance-banner.txt:3", at=T0, actor=None, text="Removed: back again.")])
    assert banner.source == "status"


def test_a_guessed_fix_is_no_mitigation_and_no_longer_reproducing_ends_a_false_positive() -> None:
    """A scanner's false positive ends on the vendor's side: "my bet: they fixed a bad cloud definition" guesses at a
    fix nobody here made; "can no longer reproduce on files that were flagged earlier" is when it ended. "can't
    reproduce, the failing tests pass on rerun" early on is no recovery."""
    rows = [
        ("chat.txt", 0, "woo", "antivirus quarantines the sdk zip as a trojan on download"),
        ("chat.txt", 30, "hix", "can't reproduce, the failing tests pass on rerun"),
        ("chat.txt", 100, "greg", "my bet: they fixed a bad cloud definition"),
        ("chat.txt", 113, "greg", "can no longer reproduce on files that were flagged earlier"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(113)
    assert at(a, "resolved") == minute(113)


def test_a_note_told_from_the_start_is_a_recap_and_devs_removed_is_the_harm() -> None:
    """Report notes: "20:20 UTC: control of an org admin account; devs removed" tells what the attacker did, no
    removal of ours; "~70 min in: support froze the org; 04:26 UTC next day control regained" tells two moments (the
    first counted from the start), so it is a recap, not a mitigation at 04:26. The chat's own freeze is the
    mitigation."""
    rows = [
        ("notes.md", 0, None, "control of an org admin account; devs removed; content changed"),
        ("chat.txt", 9, "ana", "uh, I was just removed from the acme org on github"),
        ("chat.txt", 70, "bo", "support froze the organization. the attacker can't push anything now"),
        ("notes.md", 500, None, "~70 min in: support froze the org; 04:40 UTC next day control regained"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(70)
    recap = build_items(lines(rows[3]))[0]
    assert classify(recap).summary


def test_an_announcement_dated_by_the_moment_it_names_does_not_detect_before_the_responders() -> None:
    """An announcement mail sent later tells "At about 09:00 UTC today unknown individuals gained control of the acme
    organization; consider its code compromised" and is dated by that moment; the detection is the responder who got
    the removal mail nine minutes on (a public post detects only when no person's own telling does)."""
    rows = [
        ("announce-mails.txt", 0, None, "unknown individuals gained control of the acme organization; consider its code compromised"),
        ("chat.txt", 9, "ana", "uh, I just got a mail that I was removed from the acme org on github"),
        ("chat.txt", 70, "bo", "support froze the organization. the attacker can't push anything now"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(9)


def test_a_silent_failure_reported_weeks_later_starts_at_the_last_good_one_and_is_detected_on_the_report_day() -> None:
    """A signup form that failed silently: the notes pack three days in one line ("Last good signup: March 3, 2:10 PM.
    Reported by the sales team on April 14. Fixed April 15."), dated by its first. The report is on the ticket's day
    (14 April, no time), before every timed line; the start is the last good signup; the notes' "Reported"/"Fixed"
    belong to other days, so nothing is detected or mitigated on 3 March."""
    notes = "Timezone: UTC\n- Last good signup: 2024-03-03 14:10. Reported by the sales team on April 14. Fixed April 15.\n"
    ticket = "2024-04-14 reported by the sales team (via the account manager): signups not arriving\n"
    chat = (
        "2024-04-15 09:05 kim: picking up the signup ticket. form does nothing since march apparently\n"
        "2024-04-15 11:40 kim: the vendor blocks browser posts now. cross-origin requests refused\n"
        "2024-04-15 15:30 kim: server-side relay deployed to production, test signup arrived, fixed\n"
    )
    bundle, _ = bundle_from_materials(
        [Material(name="notes.md", kind="notes", content=notes), Material(name="ticket.txt", kind="ticket", content=ticket),
         Material(name="chat.txt", kind="chat", content=chat)],
        id="signup",
    )  # fmt: skip
    a = analyse(bundle_evidence(bundle))
    assert at(a, "started") == datetime(2024, 3, 3, 14, 10, tzinfo=UTC)
    assert at(a, "detected") == datetime(2024, 4, 14, tzinfo=UTC)
    assert at(a, "mitigated") == datetime(2024, 4, 15, 15, 30, tzinfo=UTC)


def test_first_heard_in_notes_detects_and_errors_gone_as_of_a_time_end_it() -> None:
    """Notes' "first heard the portal is giving an error" is the detection (a report reached them); a later relayed
    report is not. "errors gone as of 10:19" tells the end at 10:19, not the pager's automatic resolve five minutes on;
    "errors stopped" tells no failure."""
    rows = [
        ("app.log", 0, None, "ERROR upstream 503 on /download"),
        ("notes.md", 20, None, "first heard the portal is giving an error (people pinging)"),
        ("chat.txt", 27, "ana", "partner just mailed, their sync fails with an SSL error"),
        ("chat.txt", 60, "bo", "restarted the proxy"),
        ("chat.txt", 80, "ana", "errors gone as of 10:19 UTC. looks stable"),
        ("pagerduty.json", 84, None, "resolve_log_entry: Resolved automatically: origin errors back under threshold"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(20)
    assert at(a, "resolved") == minute(80)
    stopped = build_items(lines(("chat.txt", 0, "ana", "S3 errors stopped at 10:40 UTC. downloads clean again")))[0]
    s = classify(stopped)
    assert not s.failure and s.recovery_full


def test_a_restart_waiting_for_peers_is_under_way_and_site_back_is_a_recovery() -> None:
    """"swapped the binary, restarted, waiting for peers" is one validator's part done while the chain waits for
    quorum: under way, not the mitigation; the chain producing blocks again is. "#41 merged, site back" is the site
    back; "the domain is back in the settings" is not."""
    rows = [
        ("node.log", 0, None, "ERR CONSENSUS FAILURE!!! chain halted"),
        ("chat.txt", 2, "val1", "chain stuck at the same height here"),
        ("chat.txt", 300, "val2", "swapped, restarted, waiting for peers"),
        ("chat.txt", 420, "lead", "consensus reached, producing blocks again"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(420)
    back, settings = build_items(lines(("notes.md", 0, None, "#41 merged, site back"), ("chat.txt", 1, "bo", "the domain is back in the settings")))
    assert classify(back).recovery_full
    assert not classify(settings).recovery_full


def test_hosts_back_one_by_one_end_with_the_last_and_an_error_logged_is_no_act() -> None:
    """A rebuild brings servers back one by one ("web16 is back", ..., "m4 back. that's all three"): the first is the
    mitigation's first stage, the last the end. A kernel line at an error level ("EXT4-fs error ... deleted inode
    referenced") is a failure, not a deletion done; a status post's "web16 operational again" is a recovery."""
    rows = [
        ("ops-chat.txt", 0, "jo", "nagios paged: host disk failed, array degraded. three customer VMs on it"),
        ("vm-syslog.log", 200, None, "vm8 kernel: EXT4-fs error (device dm-4): ext4_lookup: deleted inode referenced"),
        ("ops-chat.txt", 202, "jo", "filesystems are gone, we rebuild from the nightly backups"),
        ("ops-chat.txt", 700, "jo", "web16 is back"),
        ("ops-chat.txt", 760, "jo", "web15 back"),
        ("ops-chat.txt", 820, "jo", "m4 back. that's all three"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(700)
    assert at(a, "resolved") == minute(820)
    error, post = build_items(lines(rows[1], ("status.md", 701, None, "web16 operational again.")))
    assert not classify(error).mitigation
    assert classify(post).recovery_full


def test_a_box_that_rebooted_itself_did_nothing_and_this_morning_is_another_moment() -> None:
    """"util01 rebooted twice in the night, memory errors" is a crash, not an act; "fresh peers fixed it this morning"
    said in the evening tells an earlier moment; "restoring last night's backup" is still an act of now."""
    crash, earlier, act = build_items(lines(
        ("chat.txt", 0, "ilse", "here. util01 rebooted twice in the night, memory errors in the kernel log"),
        ("chat.txt", 1, "bo", "fresh peers fixed it this morning"),
        ("chat.txt", 2, "bo", "restoring last night's backup to another host now"),
    ))  # fmt: skip
    assert not classify(crash).mitigation
    from pmstudio.offline.milestones import _tells_another_day

    assert _tells_another_day(earlier)
    assert not _tells_another_day(act)


def test_a_power_loss_carried_by_batteries_hurts_nobody_until_they_give_out() -> None:
    """Utility power fails with the batteries taking the load ("backup batteries online"): nobody is hurt, so that and
    the talk of the blackout while on battery ("the power company's outage map") are the trigger. Impact starts when
    the batteries give out and the servers shut down; a quoted question ('"is it dead??" posts') is what players
    asked, not the speaker's guess, so that line detects it."""
    rows = [
        ("notes.md", 0, None, "utility power fails, backup batteries online"),
        ("noc-chat.txt", 2, "gary", "UPS just texted me: on battery. utility power is out at the site"),
        ("noc-chat.txt", 5, "gary", "whole neighbourhood per the power company outage map. no ETA"),
        ("server.log", 117, None, "game1 upsmon[812]: Executing automatic power-fail shutdown"),
        ("noc-chat.txt", 119, "rhonda", 'last game server is down. forum already has "is it dead??" posts'),
        ("noc-chat.txt", 154, "gary", "lights are on! utility power restored"),
        ("noc-chat.txt", 165, "rhonda", "last server up, network operations restored. players logging back in"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "started") == minute(117)
    assert at(a, "detected") == minute(119)
    assert at(a, "mitigated") == minute(154)
    assert at(a, "resolved") == minute(165)


def test_moving_off_the_generator_after_the_service_is_back_is_no_recovery() -> None:
    """The generator carried the servers until the utility came back hours later ("utility power restored, moving us
    off the generator", "UTILITY RESTORED, retransfer complete"): the handback is neither a recovery nor an act on
    the impact, so the end is the last service back (DNS and the portal)."""
    rows = [
        ("noc-chat.txt", 0, "tina", "lost power on line A. everything on A is dark"),
        ("noc-chat.txt", 50, "tina", "power is back on line A, servers coming up"),
        ("noc-chat.txt", 75, "tina", "DNS servers up but the firewall in front of them isn't passing queries"),
        ("noc-chat.txt", 120, "tina", "DNS answering again, SMC portal back"),
        ("noc-chat.txt", 380, "tina", "utility power restored, building management moving us off the generator"),
        ("bms.log", 380, None, "bms util-feed: UTILITY RESTORED, retransfer complete"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "resolved") == minute(120)
    handback = build_items(lines(rows[5]))[0]
    s = classify(handback)
    assert not (s.recovery_full or s.mitigation)


def test_a_metric_beside_its_baseline_is_no_recovery_and_back_under_a_threshold_is_one() -> None:
    """"downtime_rate=27.4/min baseline=1.1/min" names the baseline as a field, far above it: no recovery (it had made a
    flood of false alerts its own mitigation); "login p95 back under 400ms" and "back to baseline" are recoveries."""
    field, under, told = build_items(lines(
        ("monitor.log", 0, None, "downtime_rate=27.4/min baseline=1.1/min"),
        ("chat.txt", 1, "marcus", "login p95 back under 400ms, page loads normal, API normal"),
        ("chat.txt", 2, "elena", "downtime rate back to baseline. last false alert went out at 14:30"),
    ))  # fmt: skip
    assert not classify(field).recovery_full
    assert classify(under).recovery_full
    assert classify(told).recovery_full


def test_a_public_investigating_post_before_any_report_detects_it() -> None:
    """The status page's "Investigating - increased latency and error rates" went out before anyone in the channel
    reported the symptom ("seeing p95 on the login endpoint around 9s", six minutes later): they knew by the post."""
    rows = [
        ("db-metrics.log", 0, None, "core-db-prod cpu=58% write_iops=9920 top_client=internal-process-worker"),
        ("status-page.txt", 480, None, "Investigating - We are observing increased latency and error rates across the web application."),
        ("chat.txt", 486, "marcus", "seeing p95 on the login endpoint around 9s. API too. page loads timing out"),
        ("chat.txt", 490, "kayla", "a customer says logins spin for a minute then kick them back to the sign-in page"),
        ("chat.txt", 575, "marcus", "login p95 back under 400ms, page loads normal, API normal"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(480)
    # the post more than two hours before the first report is of an earlier moment: the report detects it
    later = [(f, m + 200 if f == "chat.txt" else m, who, t) for f, m, who, t in rows]
    assert at(analyse(lines(*later)), "detected") == minute(686)


def test_with_no_act_completed_the_service_plainly_back_is_the_mitigation() -> None:
    """Acts only named ("need to roll the package back on every web node") and then "web installed, we're back up":
    that plain first-hand telling is the first stage back. A trend ("write latency slowly dropping"), a comparison
    ("one of them recovered much slower") or a vendor's word ("vendor says they've recovered") is not."""
    rows = [
        ("alerts.json", 0, None, "FIRING HighErrorRate: web 5xx ratio above 1%"),
        ("chat.txt", 2, "ana", "web is throwing 500s for everyone"),
        ("chat.txt", 20, "ana", "the fix is to reinstall the previous package on the web fleet"),
        ("chat.txt", 61, "bo", "web installed, we're back up. web, git, api answering"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(61)
    from pmstudio.offline.milestones import NOT_PLAINLY

    for said in ("write latency slowly dropping", "one of them recovered much slower", "vendor says they've recovered"):
        assert NOT_PLAINLY.search(said)


def test_a_chain_that_rejects_blocks_stopped_and_transactions_flowing_again_end_it() -> None:
    """A node's "block 25710 rejected: invalid" and "no new block for a minute now" tell the halt ("no new block yet"
    at an upgrade height is a wait); pools mining empty blocks is a part back; "txs are flowing" is the recovery."""
    rows = [
        ("node.log", 0, None, "WARN [Processor] block 25710 rejected: invalid (cut-through mismatch)"),
        ("chat.txt", 1, "ohad", "explorer says tip is still 25709. no new block for a minute now"),
        ("chat.txt", 7, "ohad", "ok it's real. chain is stuck. community telegram noticed too"),
        ("chat.txt", 149, "noa", "sparkpool is mining again, but empty blocks only. users still stuck"),
        ("chat.txt", 316, "noa", "sparkpool built from source and deployed. block 25820 has 1019 outputs, txs are flowing"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "started") == minute(0)
    assert at(a, "resolved") == minute(316)
    wait = build_items(lines(("chat.txt", 0, "eng", "upgrade height reached. no new block yet")))[0]
    assert not classify(wait).failure


def test_status_posts_announced_in_chat_are_communication_and_the_alert_clearing_ends_it() -> None:
    """"Monitoring post up" and "Resolved posted, maintenance moved to Friday" tell what was posted, not the end: the
    end is the recovery the channel and the alert tell ("queued work all processed, latency back to baseline")."""
    rows = [
        ("alerts.json", 0, None, "FIRING ApiLatencyHigh: US API p95 latency above 2s"),
        ("chat.txt", 1, "harriet", "API p95 has gone sideways in US"),
        ("chat.txt", 107, "tom", "queued work all processed, latency back to baseline. Monitoring post up"),
        ("alerts.json", 107, None, "RESOLVED ApiLatencyHigh: US API p95 latency above 2s"),
        ("chat.txt", 145, "harriet", "Resolved posted, maintenance moved to Friday 16th. notice to follow"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "resolved") == minute(107)
    posted = build_items(lines(rows[4]))[0]
    assert classify(posted).comm


def test_a_bypass_done_everywhere_mitigates_a_share_of_it_does_not_and_a_role_restored_is_an_act() -> None:
    """"5 of 8 domains bypassed" is a share of the act; "all impacted domains now bypass the CDN layer" is the act
    done; "no more 503s seen" is the recovery; "role restored, starting to reconnect" hours later puts a thing back
    (an act on the remainder), not the service."""
    rows = [
        ("alerts.json", 0, None, "FIRING EdgeStatic5xxHigh: edge 5xx on static objects > 2% for 3 customers"),
        ("chat.txt", 1, "claire", "503s on statics for a handful of customers. origin answers fine when I bypass the edge"),
        ("chat.txt", 8, "claire", "starting the bypass, switching DNS for the first domain"),
        ("chat.txt", 16, "julien", "5 of 8 domains bypassed"),
        ("chat.txt", 24, "claire", "all impacted domains now bypass the CDN layer"),
        ("chat.txt", 52, "claire", "no more 503s seen for those domains, DNS propagation done"),
        ("chat.txt", 194, "claire", "role restored, starting to reconnect the impacted domains to the CDN"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(24)
    assert at(a, "resolved") == minute(52)
    share = build_items(lines(rows[3]))[0]
    assert classify(share).mit_progress


def test_a_site_in_normal_operation_is_back() -> None:
    """"all checks pass. access unblocked, site in normal operation" ends an outage the maintainers held on purpose
    while they verified the restore."""
    rows = [
        ("chat.txt", 0, "ryan", "site is down for the maintenance. ITS teams working"),
        ("chat.txt", 35, "kelsey", "a manager just called, says the site is dead"),
        ("chat.txt", 1275, "ryan", "Systems restored the files from the nightly backup"),
        ("chat.txt", 1280, "ryan", "standing the site back up. logins return unauthorized on purpose until I've checked"),
        ("chat.txt", 1616, "ryan", "all checks pass. access unblocked, site in normal operation"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(1616)


def test_the_window_the_start_was_read_from_ends_the_impact_at_its_end() -> None:
    """The notes' "collect-2: no check-ins 09:55-10:15 UTC" gave the start; its end is when the impact ended (the OOM
    killer restarted the box then), not a later line about the other box coming back. When nothing detected it before
    that end, the window's end is left alone: a record never ends before it detects."""
    rows = [
        ("alerts.json", 60, None, "FIRING CheckinRateZero: collect-2 received no check-ins for 5 minutes"),
        ("ops-notes.md", 55, None, "collect-2: no check-ins 09:55-10:15 UTC; memory leak made the box unresponsive"),
        ("kern.log", 75, None, "collect-2 init: collector main process (2211) killed by KILL signal; respawning"),
        ("ops-chat.txt", 101, "marta", "customers report their snitches fired as missed although the jobs ran and pinged"),
        ("ops-chat.txt", 104, "marta", "collect-2 has a hole in its check-in graph, twenty minutes of nothing"),
        ("ops-chat.txt", 130, "marta", "collect-1 back online, but it's sluggish and acting strange"),
    ]
    a = analyse(sorted(lines(*rows), key=lambda e: e.at or T0))
    assert at(a, "started") == minute(55)
    assert at(a, "resolved") == minute(75)
    assert at(a, "mitigated") == minute(75)
    late = analyse(sorted(lines(*rows[1:]), key=lambda e: e.at or T0))  # first detected at 10:41, after 10:15
    assert at(late, "resolved") != minute(75)


def test_requests_succeeding_again_and_a_ticket_resolved_as_fixed_end_it() -> None:
    """"A new certificate has been issued. Requests succeed again." is the recovery; a Jira "Resolution: Fixed in
    1.12.0" with nothing told after it ends the impact too. "calling it: rogue processes on eos" declares an
    intrusion, not the end; "our server logs are full of <warning>" is the symptom."""
    back = build_items(lines(("issue.txt", 0, None, "A new certificate has been issued. Requests succeed again. Closing.")))[0]
    assert classify(back).recovery_full
    rows = [
        ("slack.txt", 0, "pavel", 'our dev console and server logs are full of "Icon component is not supported" warnings'),
        ("slack.txt", 70, "ines", "same here on 1.8. can't see real errors anymore"),
        ("jira-DS-1145.txt", 3240, None, "Resolution: Fixed in 1.12.0"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(0)
    assert at(a, "mitigated") == minute(3240)
    assert at(a, "resolved") == minute(3240)
    calling = build_items(lines(("irc.log", 0, "wei", "calling it: rogue processes on eos.apache.org. someone is in")))[0]
    assert not classify(calling).resolved


def test_a_fix_shipped_hours_after_the_service_was_back_is_the_permanent_fix_not_the_mitigation() -> None:
    """Capacity added, then "queue times back to normal. backlog gone": the mitigation is that recovery; "fix for the
    report scheduler deployed" six hours later is the permanent fix (datasets/README.md: not the end either), and a
    relayed "status -> Monitoring" is a status post, not the end. Latency "creeping up again" is a relapse, and "a
    Baseline Requirements problem" names a rule book, no recovery."""
    rows = [
        ("alerts.json", 0, None, "FIRING SidekiqQueueLatencyHigh: default queue latency 1140s (threshold 300s)"),
        ("chat.txt", 2, "nadia", "queue latency page for the default queue. scripts and scheduled reports piling up"),
        ("chat.txt", 24, "cole", "scaling the background worker fleet up, 24 -> 60 nodes"),
        ("chat.txt", 50, "cole", "backlog dropping fast. critical queues first"),
        ("chat.txt", 78, "cole", "queue times back to normal. backlog gone"),
        ("chat.txt", 82, "nadia", "status -> Monitoring. workers back online and operational"),
        ("chat.txt", 469, "ivan", "fix for the report scheduler deployed"),
        ("chat.txt", 495, "nadia", "stable since this morning. calling all clear and marking Resolved"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(78)
    assert at(a, "resolved") == minute(78)
    relapse, rules, status = build_items(lines(
        ("chat.txt", 0, "ana", "kv write latency creeping up again"),
        ("chat.txt", 1, "bo", "that's a Baseline Requirements problem, 8 hour rule"),
        rows[5],
    ))  # fmt: skip
    assert not classify(relapse).recovery_full
    assert not classify(rules).recovery_full
    assert classify(status).comm


def test_an_error_resolving_a_config_is_no_resolution_and_503s_dropping_is_a_recovery() -> None:
    """"file-server-1 error resolving site config: redis OOM; responding 503" is a failed lookup, not the incident
    resolving; "503s dropped" tells the errors receding."""
    lookup, dropped = build_items(lines(
        ("redis.log", 0, None, "file-server-1 error resolving site config: redis OOM; responding 503"),
        ("chat.txt", 1, "tane", "503s dropped after the bigger redis came up"),
    ))  # fmt: skip
    assert not classify(lookup).resolved
    assert classify(dropped).recovery_full


def test_a_recovery_told_as_normal_since_a_time_names_that_moment_not_its_own() -> None:
    """The card scheme's "confirmed, approval rates back to normal since 11:45" four minutes after the channel saw it
    tells the 11:45 recovery again: the end stays at the channel's line (or the alert clearing), not the confirmation."""
    rows = [
        ("alerts.json", 0, None, "FIRING UpstreamApprovalRateLow: Approval rate towards upstream below 50%"),
        ("ops-chat.txt", 4, "mads", "paged. visa and mastercard authorisations timing out towards upstream"),
        ("ops-chat.txt", 165, "mads", "approval rates back to normal on both. provider confirms mitigation"),
        ("alerts.json", 166, None, "RESOLVED UpstreamApprovalRateLow: Approval rate towards upstream below 50%"),
        ("provider-case.txt", 167, None, "Provider: mitigation in place in both data centres; please confirm."),
        ("provider-case.txt", 169, None, "Clearhaus: confirmed, approval rates back to normal since 11:45."),
    ]
    a = analyse(lines(*rows))  # 11:45 is minute 165
    assert at(a, "resolved") in (minute(165), minute(166))


def test_a_cluster_that_is_not_coming_back_online_is_no_recovery_nor_its_onset() -> None:
    """"node 1 waiting for quorum. cluster is not coming back online" tells the failure going on: no recovery and no
    first stage of one, so with nothing else back no mitigation time is stated."""
    rows = [
        ("db-cluster.log", 0, None, "db2 mysqld: WSREP: failed to join group, state transfer incompatible"),
        ("noc-chat.txt", 4, "lena", "clientarea returns 502, monitoring red"),
        ("noc-chat.txt", 30, "lena", "db cluster: node 2 and 3 won't rejoin, node 1 waiting for quorum. cluster is not coming back online"),
        ("noc-chat.txt", 50, "piet", "agreed, do a proper roll-back. I'll tell support to say no data is lost"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") is None
    stuck = build_items(lines(rows[2]))[0]
    assert not classify(stuck).recovery_full


def test_a_failover_whose_standby_fails_too_is_no_mitigation() -> None:
    """A failover that moved the traffic to a standby which went down two minutes later ("standby pool just went down
    too") did not contain anything: the mitigation is the revert done after it, which the recovery followed."""
    rows = [
        ("deploy.log", 0, None, "ruleset rs-2291 applied env=prod svc=edge-config"),
        ("alerts.json", 1, None, "FIRING EdgeErrorRate: 502 ratio above 40%"),
        ("lb.log", 1, None, "primary pool removed from rotation, routing to standby svc=lb-controller"),
        ("edge-chat.txt", 2, "ines", "failover kicked in, standby serving"),
        ("edge-chat.txt", 3, "ines", "standby pool just went down too. all edges answer 502 now"),
        ("edge-chat.txt", 5, "ravi", "reverting ruleset rs-2291"),
        ("deploy.log", 6, None, "ruleset rs-2291 reverted to rs-2290 env=prod svc=edge-config"),
        ("edge-chat.txt", 10, "ines", "both pools healthy, 502s gone"),
        ("alerts.json", 11, None, "RESOLVED EdgeErrorRate: 502 ratio above 40%"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(6)


def test_a_thing_named_the_restored_one_tells_no_recovery() -> None:
    """"moving the app servers onto the restored database" names the database by what was done to it: the move is
    under way, nothing is said to be back, so the mitigation is the service coming back half an hour later."""
    rows = [
        ("alerts.log", 0, None, "alert orders-api http_5xx_ratio=0.97"),
        ("ops-chat.txt", 3, "mia", "primary volume corrupt, every query errors"),
        ("ops-chat.txt", 20, "mia", "starting point-in-time restore to a new instance"),
        ("ops-chat.txt", 140, "mia", "restore finished, checking row counts"),
        ("ops-chat.txt", 160, "kofi", "moving the app servers onto the restored database"),
        ("ops-chat.txt", 195, "kofi", "orders API green again, errors at zero"),
        ("alerts.log", 196, None, "alert orders-api http_5xx_ratio=0.00 recovered"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") in (minute(195), minute(196))
    named = build_items(lines(rows[4]))[0]
    assert not classify(named).recovery_full and not classify(named).mit_done


@pytest.mark.parametrize(("told", "end"), [
    ("checkout working again for everyone", 40),
    ("checkout working again for everyone. watching it", 44),
])  # fmt: skip
def test_a_page_resolved_by_hand_after_the_service_was_told_back_closes_the_page(told: str, end: int) -> None:
    """The on-call resolving the page four minutes after the channel said checkout works closes the page: the impact
    ended when it was told back. A recovery told with a watch begun ends at the page's resolve, the watch's end."""
    rows = [
        ("pagerduty.json", 0, None, "trigger_log_entry: checkout-api error rate above 20%"),
        ("ops-chat.txt", 2, "noa", "checkout failing for everyone, payment workers stuck"),
        ("ops-chat.txt", 30, "noa", "restarting the payment workers"),
        ("ops-chat.txt", 38, "noa", "payment workers restarted"),
        ("ops-chat.txt", 40, "noa", told),
        ("pagerduty.json", 44, None, "resolve_log_entry: Resolved after worker restart"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "resolved") == minute(end)


def test_what_a_provider_cannot_guarantee_is_no_symptom() -> None:
    """"the host says they can't guarantee dedicated cores on resize" tells a limit of what the provider promises, not
    users failing: it starts no impact, while "customers can't log in" does."""
    promise = build_items(lines(("infra-chat.txt", 0, "ana", "the host says they can't guarantee dedicated cores on resize")))[0]
    assert not classify(promise).failure and not classify(promise).symptom_report
    users = build_items(lines(("infra-chat.txt", 0, "ana", "customers can't log in since the resize")))[0]
    assert classify(users).failure


def test_a_failure_told_in_the_channel_hours_before_the_first_report_is_the_detection() -> None:
    """The on-call wrote "checkout is down hard" right after the import job started; a day later support forwards
    customer tickets about invoices still missing. The responders noticed first: that line detects it, and the impact
    starts there, not a day later."""
    rows = [
        ("ops-chat.txt", 0, "lea", "kicking off the ledger import batch"),
        ("ops-chat.txt", 4, "lea", "checkout is down hard, every payment page errors"),
        ("ops-chat.txt", 6, "tom", "stopping the import batch"),
        ("ops-chat.txt", 90, "tom", "checkout up again, invoices still being regenerated"),
        ("ops-chat.txt", 1500, "sam", "customers reporting invoices still missing, forwarded ~40 tickets"),
        ("ops-chat.txt", 1620, "tom", "last invoices regenerated, everything is back to normal"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(4)
    assert at(a, "started") in (minute(0), minute(4))


@pytest.mark.parametrize(("text", "back"), [
    ("site back up. nothing lost", True),
    ("Back up. Next update tomorrow.", True),
    ("back up the database before the migration", False),
])  # fmt: skip
def test_the_site_back_up_is_a_recovery_and_to_back_up_is_not(text: str, back: bool) -> None:
    item = build_items(lines(("ops-chat.txt", 0, "ana", text)))[0]
    assert bool(classify(item).recovery_full) is back


def test_an_act_told_as_what_killed_the_site_is_no_mitigation_and_timeouts_are_a_failure() -> None:
    """"adding the third shard killed the site" tells the act that made it worse; "api timeouts showing up" is a
    failure (the plural too), and "the site is crawling" a slowdown."""
    worse = classify(build_items(lines(("eng-chat.txt", 0, "jo", "and now everything is down. adding the third shard killed the site")))[0])
    assert worse.failure and not worse.mit_done
    slow = classify(build_items(lines(("eng-chat.txt", 0, "jo", "site is crawling, api timeouts showing up in the forum")))[0])
    assert slow.failure and slow.failure_weak


def test_nagios_style_notifications_fire_and_clear_and_sites_told_up_again_are_back() -> None:
    """A monitoring mail log in Nagios' shape ("CRITICAL www.example.org HTTP 500 rate > 20%", later "RECOVERY
    www.example.org HTTP 500 rate normal") fires and clears its alert; "our site is back" and "the last sites are up
    now, everything fully available" tell the service back."""
    bundle, _ = bundle_from_materials([
        Material(name="monitoring-alerts.txt", kind="alerts", content=(
            "2024-05-14T09:02:00Z CRITICAL www.example.org HTTP 500 rate > 20%\n"
            "2024-05-14T10:40:00Z RECOVERY www.example.org HTTP 500 rate normal\n")),
        Material(name="ops-chat.txt", kind="chat", timezone="UTC", content=(
            "[2024-05-14 09:05] ana: site throwing 500s, storage server wedged\n"
            "[2024-05-14 10:39] ana: our site is back. tasks starting again\n"
            "[2024-05-14 11:30] ana: those last sites are up now, everything fully available\n")),
    ], id="n")  # fmt: skip
    items = {i.id: i for i in build_items(bundle_evidence(bundle))}
    assert (items["monitoring-alerts.txt:1"].source, items["monitoring-alerts.txt:1"].sub) == ("alert", "firing")
    assert (items["monitoring-alerts.txt:2"].source, items["monitoring-alerts.txt:2"].sub) == ("alert", "resolved")
    assert classify(items["ops-chat.txt:2"]).recovery_full and classify(items["ops-chat.txt:3"]).recovery_full
    a = analyse(bundle_evidence(bundle))
    assert at(a, "detected") == minute(2)
    assert at(a, "resolved") == minute(150)


@pytest.mark.parametrize(("source", "text", "failure", "detect"), [
    ("ops.log", "ops-runner: metadata ingestion finished, 0 errors", False, False),
    ("probe.log", 'probe https://app.example.org tls_ok=0 error="x509: certificate has expired"', True, False),
    ("it-help.txt", "a lot of us are being removed from the org right now", True, False),
    ("it-help.txt", "git pull says repository not found, 403 on every private repo", True, False),
    ("ops-chat.txt", "ingestion complete. all databases report up", False, False),
])  # fmt: skip
def test_zero_errors_users_being_removed_and_what_reports_up(source: str, text: str, failure: bool, detect: bool) -> None:
    """"0 errors" tells none (a probe's "tls_ok=0 error=..." still fails); people being removed and a 403 or a
    repository not found are failures they suffer, no act; databases that "report up" tell no report of a problem."""
    s = classify(build_items(lines((source, 0, None if source.endswith(".log") else "ana", text)))[0])
    assert (s.failure, s.detect) == (failure, detect)
    assert not s.mit_done


def test_a_users_same_here_reply_is_their_report_not_the_mitigation() -> None:
    """In a support forum thread, "mfiore: Same here, the checksum differs from the site. Deleted it." tells a user
    seeing the same problem and what they did with their own copy: no act of the responders, so the mitigation is
    the responders' own taking the mirror offline."""
    rows = [
        ("forum-thread.txt", 0, None, "tkahn: the installer from the mirror has a checksum that does not match the site, malware?"),
        ("forum-thread.txt", 200, None, "mfiore: Same here, the checksum differs from the site. Deleted it."),
        ("team-chat.txt", 260, "ola", "two users, same wrong checksum. the mirror serves a different file"),
        ("team-chat.txt", 300, "ola", "pulling the mirror out of rotation and shutting it down"),
        ("mirror.log", 305, None, "rotation: mirror dl1 removed; pool=[dl2]"),
        ("team-chat.txt", 306, "ola", "it's offline. all downloads go through dl2"),
    ]
    reply = build_items(lines(rows[1]))[0]
    assert not classify(reply).mitigation
    a = analyse(lines(*rows))
    assert at(a, "mitigated") in (minute(305), minute(306))


def test_new_nodes_told_joining_fine_are_the_first_stage_back() -> None:
    """"new staging nodes join fine on the new image" (nodes had failed to join since a package moved) is the service
    coming back, before the change is applied everywhere and the incident declared resolved."""
    rows = [
        ("platform-chat.txt", 0, "eli", "deploys failing, pods stuck Pending, new nodes never join the cluster"),
        ("platform-chat.txt", 150, "eli", "image change merged, applying to staging"),
        ("platform-chat.txt", 154, "eli", "new staging nodes join fine on the new image"),
        ("platform-chat.txt", 160, "eli", "applying to all clusters"),
        ("platform-chat.txt", 170, "eli", "declaring resolved: clusters on the new image, deploys are open"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(154)
    assert not classify(build_items(lines(("c.txt", 0, "eli", "nodes don't join fine")))[0]).recovery_full


def test_installing_now_is_under_way_and_a_green_monitor_before_closing_the_outage_is_the_end() -> None:
    """"renewed cert issued, installing on the load balancer now" is the install under way; "new cert live, site loads,
    monitor green. closing the outage" tells the service back (closing the outage is no failure), so both the
    mitigation and the end are that line, not the status page's later "Resolved"."""
    rows = [
        ("uptime.log", 0, None, "check=https site result=FAIL error=\"certificate has expired\""),
        ("ops-chat.txt", 4, "kai", "monitor paging: site failing TLS, certificate has expired"),
        ("ops-chat.txt", 190, "kai", "renewed cert issued, installing on the load balancer now"),
        ("ops-chat.txt", 201, "kai", "new cert live, site loads, monitor green. closing the outage"),
        ("status-page.txt", 228, None, "Resolved - This incident has been resolved."),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(201)
    assert at(a, "resolved") == minute(201)
    still = classify(build_items(lines(("ops-chat.txt", 0, "kai", "the outage continues, site still failing")))[0])
    assert still.failure


def test_check_tagged_phone_notifications_fire_and_clear_and_a_hardware_reset_is_an_act() -> None:
    """Notifications forwarded to a phone ("[uptime] DOWN https://status.example.org/ (timeout after 30 s)", later
    "[uptime] UP ...") are the uptime check firing and clearing, whatever file holds them; "hit the hardware reset" on
    a box that no longer answers is the act that mitigated it."""
    rows = [
        ("phone-notifications.txt", 0, None, "[uptime] DOWN https://status.example.org/ (timeout after 30 s)"),
        ("ops-chat.txt", 1, "ada", "everything is red, db1 not answering, site down"),
        ("ops-chat.txt", 20, "ada", "at the desk. db1 doesn't even answer ping. hit the hardware reset"),
        ("ops-chat.txt", 25, "ada", "it's booting. postgres recovering"),
        ("phone-notifications.txt", 30, None, "[uptime] UP https://status.example.org/ (down 30 min)"),
    ]
    items = build_items(lines(*rows))
    assert (items[0].source, items[0].sub) == ("alert", "firing")
    assert (items[-1].source, items[-1].sub) == ("alert", "resolved")
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(0)
    assert at(a, "mitigated") == minute(20)
    assert at(a, "resolved") == minute(30)


def test_nagios_log_lines_fire_and_clear_and_a_soft_or_warning_state_pages_no_one() -> None:
    """Nagios's own log ("SERVICE ALERT: host;service;STATE;HARD|SOFT;attempt;output", "HOST ALERT: host;UP;...")
    kept in any file: a confirmed problem fires and pages, a SOFT retry or a WARNING only notifies, OK or UP clears."""
    rows = [
        ("nagios.log", 2, None, "SERVICE ALERT: db-2;replication_lag;CRITICAL;SOFT;1;lag 40s"),
        ("nagios.log", 6, None, "SERVICE ALERT: shop-web;HTTPS;CRITICAL;HARD;3;CRITICAL - Socket timeout after 10 seconds"),
        ("nagios.log", 7, None, "HOST ALERT: lb-1;DOWN;HARD;1;PING CRITICAL - Packet loss = 100%"),
        ("nagios.log", 8, None, "SERVICE NOTIFICATION: oncall-sms;shop-web;HTTPS;CRITICAL;notify-service-by-sms;Socket timeout"),
        ("ops-chat.txt", 20, "mei", "failed lb-1 over to lb-2, restarted haproxy there"),
        ("nagios.log", 31, None, "HOST ALERT: lb-1;UP;HARD;1;PING OK - Packet loss = 0%, RTA = 0.40 ms"),
        ("nagios.log", 32, None, "SERVICE ALERT: shop-web;HTTPS;OK;HARD;3;HTTP OK: HTTP/1.1 200 OK - 5120 bytes"),
    ]
    items = build_items(lines(*rows))
    assert [(i.source, i.sub) for i in items] == [
        ("alert", "firing"), ("alert", "firing"), ("alert", "firing"), ("alert", "firing"), ("chat", ""),
        ("alert", "resolved"), ("alert", "resolved"),
    ]  # fmt: skip
    assert items[0].body == "db-2/replication_lag (soft): lag 40s"
    assert not classify(items[0]).page and classify(items[1]).page
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(6)
    assert at(a, "resolved") == minute(32)


def test_a_probe_failing_fires_and_only_the_same_probe_passing_clears_it() -> None:
    """A check's probe as key=value fields ("probe=http target=https://shop.example/cart status=timeout") fires when it
    fails; the same probe answering 200 later clears it; a new probe that only ever passed, or one that notifies no
    one, is a log line."""
    rows = [
        ("synthetic-checks.log", 1, None, "probe=http target=https://shop.example/cart status=timeout region=eu"),
        ("synthetic-checks.log", 3, None, "probe=http target=https://shop.example/login status=503 region=eu"),
        ("synthetic-checks.log", 4, None, "probe=http target=https://shop.example/search status=CRITICAL notify=none"),
        ("ops-chat.txt", 15, "noor", "rolled the cart service back to yesterday's build"),
        ("synthetic-checks.log", 16, None, "probe=http target=https://shop.example/cart status=200 region=eu"),
        ("synthetic-checks.log", 40, None, "probe=http target=https://shop.example/login status=200 region=eu"),
        ("synthetic-checks.log", 55, None, "probe=http target=https://shop.example/checkout-v2 status=200 (added today)"),
    ]
    items = build_items(lines(*rows))
    assert [(i.source, i.sub) for i in items] == [
        ("alert", "firing"), ("alert", "firing"), ("log", ""), ("chat", ""), ("alert", "resolved"),
        ("alert", "resolved"), ("log", ""),
    ]  # fmt: skip
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(1)
    assert at(a, "resolved") == minute(40)


def test_a_resolved_alerts_firing_half_tells_no_recovery_whatever_its_summary_says() -> None:
    """Alertmanager sends one summary for both halves of an alert; written from its end ("p95 back under 300ms"), the
    firing half at `startsAt` is still the alert firing, never the mitigation."""
    doc = {"alerts": [
        {"status": "resolved", "labels": {"alertname": "CheckoutLatency", "severity": "page"},
         "annotations": {"summary": "p95 back under 300ms"}, "startsAt": "2024-05-14T09:05:00Z", "endsAt": "2024-05-14T11:30:00Z"},
    ]}  # fmt: skip
    bundle, _ = bundle_from_materials([Material(name="alertmanager.json", kind="alerts", content=json.dumps(doc))], id="l")
    evidence = bundle_evidence(bundle)
    firing = next(i for i in build_items(evidence) if i.sub == "firing")
    signals = classify(firing)
    assert signals.page and not signals.recovery_full and not signals.recovery_weak
    a = analyse(evidence)
    assert at(a, "mitigated") == minute(150)


def test_a_share_of_baseline_is_no_recovery_and_a_healed_cluster_consuming_again_is() -> None:
    """"throughput 12% of baseline" measures how far it fell, not a return to baseline; "cluster healed, queues
    consuming again" after a partition is the recovery."""
    rows = [
        ("broker.log", 0, None, "[error] Partial partition detected: mq@mq-2 cannot see mq@mq-1"),
        ("ops-chat.txt", 3, "lea", "order throughput at 12% of baseline, queues on mq-2 growing"),
        ("ops-chat.txt", 12, "lea", "stopping mq-2 so it rejoins the cluster"),
        ("ops-chat.txt", 15, "lea", "cluster healed, 3/3 nodes, consumers consuming again"),
    ]
    fell = classify(build_items(lines(rows[1]))[0])
    assert not fell.recovery_full and not fell.recovery_weak
    back = classify(build_items(lines(rows[3]))[0])
    assert back.recovery_full
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(15)


def test_an_act_told_finished_by_its_noun_is_the_mitigation_but_a_hosts_restart_log_is_not() -> None:
    """"restart done, order numbers populating, checkout working again" is the act finished, so it is the mitigation rather than
    the "restarting the order service" minutes before; one host's "INFO restart complete" in a rolling restart is not."""
    rows = [
        ("orders.log", 0, None, "ERROR order-svc db pool exhausted: timeout acquiring connection"),
        ("ops-chat.txt", 2, "ravi", "orders failing for everyone, paging platform"),
        ("ops-chat.txt", 30, "ravi", "restarting the order service"),
        ("orders.log", 35, None, "INFO order-svc-3 restart complete, pool active=4/200"),
        ("ops-chat.txt", 38, "ravi", "restart done, order numbers populating, checkout working again"),
    ]
    said = classify(build_items(lines(rows[4]))[0])
    logged = classify(build_items(lines(rows[3]))[0])
    assert said.mitigation and said.mit_done and not logged.mitigation
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(38)


def test_a_part_found_fine_while_checking_is_no_recovery_and_200s_again_is() -> None:
    """"ingress is healthy, nodes are up. checking the app config" rules a part out on the way to the cause, while the
    API still fails; "api 200s again, checkout loads" after the fix is the service back."""
    rows = [
        ("edge.log", 0, None, "edge GET /v2/cart 503 upstream=maintenance"),
        ("team-chat.txt", 2, "kofi", "api is 503 on every call, paging"),
        ("team-chat.txt", 5, "kofi", "ingress is healthy, nodes are up. checking the app config"),
        ("team-chat.txt", 14, "kofi", "fixed the DNS record by hand, waiting on TTL"),
        ("team-chat.txt", 21, "kofi", "api 200s again, checkout loads"),
    ]
    ruled_out = classify(build_items(lines(rows[2]))[0])
    back = classify(build_items(lines(rows[4]))[0])
    assert not ruled_out.recovery_full and back.recovery_full
    a = analyse(lines(*rows))
    assert at(a, "resolved") == minute(21)


def test_a_monitor_bots_up_post_in_the_channel_is_the_recovery_not_a_failure() -> None:
    """An uptime bot posting to the channel without a colon ("DOWN shop-lb (HTTP 502)", later "UP shop-lb (HTTP 200)
    - was down 25 min", or with its emoji ":large_green_circle: UP https://shop.example/health (down 25m)") clears its
    check: the downtime it tells is no new failure, and its UP is when the service came back."""
    rows = [
        ("ops-chat.txt", 0, "uptimebot", "DOWN shop-lb (HTTP 502) / DOWN api.shop.example (timeout)"),
        ("ops-chat.txt", 3, "mara", "every page is a 502, looking"),
        ("ops-chat.txt", 12, "mara", "reverted the config, fleet still cycling"),
        ("ops-chat.txt", 18, "mara", "scaling the fleet to zero and back up for a cold start"),
        ("ops-chat.txt", 25, "uptimebot", "UP shop-lb (HTTP 200) - was down 25 min"),
        ("ops-chat.txt", 31, "uptime-bot", ":large_green_circle: UP https://api.shop.example/health (down 31m)"),
    ]
    for row in rows[4:]:
        up = classify(build_items(lines(row))[0])
        assert up.recovery_full and not up.failure
    a = analyse(lines(*rows))
    assert at(a, "resolved") == minute(31)
    entries = draft_timeline(a)["entries"]
    (post,) = [e for e in entries if e["evidence"] == ["ops-chat.txt:5"]]
    assert post["text"].startswith("Alert cleared: ")


def test_an_act_told_with_the_symptoms_going_on_is_an_attempt_not_the_mitigation() -> None:
    """"rolled back the cache change as a test, timeouts continue. so not that" tried something that did not help;
    the mitigation is the fix after it."""
    rows = [
        ("app.log", 0, None, "ERROR upstream timeout after 30000 ms"),
        ("team-chat.txt", 5, "ola", "kiosks timing out for customers, investigating"),
        ("team-chat.txt", 40, "ola", "rolled back the cache change as a test, timeouts continue. so not that"),
        ("team-chat.txt", 300, "ola", "corrected the request config for the vendor api, deployed, timeouts gone"),
    ]
    tried = classify(build_items(lines(rows[2]))[0])
    assert tried.mitigation and tried.mit_negative
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(300)


def test_a_sudo_log_line_is_told_as_who_ran_what_never_as_a_name_before_a_colon() -> None:
    """sudo's syslog line ("web-2 sudo[4410]: dana : TTY=pts/1 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/systemctl
    restart nginx") is told by role as who ran what, not "a responder: COMMAND=...", which reads as a quoted speaker."""
    rows = [
        ("web-2.log", 0, None, "web-2 nginx[311]: upstream timed out (110: Connection timed out)"),
        ("ops-chat.txt", 2, "dana", "site is 504ing, looking"),
        ("web-2.log", 6, None, "web-2 sudo[4410]: dana : TTY=pts/1 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx"),
    ]
    a = analyse(lines(*rows))
    (item,) = [i for i in a.items if i.id == "web-2.log:2"]
    told = a.entry_text(item)
    assert "a responder ran /usr/bin/systemctl restart nginx" in told
    assert "dana" not in told.lower() and "COMMAND=" not in told


def test_an_informational_alert_is_no_symptom_and_starts_no_impact() -> None:
    """An alert sent at severity info ("HostDown (info): node exporter unreachable (maintenance silence expired)")
    during maintenance tells something worth knowing, not users failing: the impact starts with the API's errors."""
    doc = {"alerts": [
        {"status": "firing", "labels": {"alertname": "HostDown", "severity": "info"},
         "annotations": {"summary": "node exporter unreachable (maintenance silence expired)"}, "startsAt": "2024-05-14T09:00:00Z"},
        {"status": "firing", "labels": {"alertname": "Api5xxRatio", "severity": "critical"},
         "annotations": {"summary": "api 5xx ratio above 50%"}, "startsAt": "2024-05-14T09:05:00Z"},
    ]}  # fmt: skip
    bundle, _ = bundle_from_materials([Material(name="alertmanager.json", kind="alerts", content=json.dumps(doc))], id="i")
    evidence = bundle_evidence(bundle)
    info = next(i for i in build_items(evidence) if "HostDown" in i.body)
    assert not classify(info).failure and not classify(info).page
    a = analyse(evidence)
    assert at(a, "started") == minute(5) and at(a, "detected") == minute(5)


def test_a_plan_is_no_act_done_and_a_logfmt_error_is_no_change_shipped() -> None:
    """"plan: kill the blocked sessions first, then decide on the migration" is acts still to do; a logfmt line at
    level=error ('api level=error msg="checkpoint save failed"') is an error logged, not a fix shipped; with nothing
    done, the service recovering on its own ("migration finished on its own", "db pool recovered") is the mitigation."""
    rows = [
        ("api.log", 0, None, 'api level=error msg="db pool exhausted" open=0'),
        ("call-chat.txt", 3, "noa", "api 5xx everywhere, the migration holds a lock"),
        ("call-chat.txt", 12, "noa", "plan: kill the blocked sessions first, then decide on the migration"),
        ("api.log", 15, None, 'api level=error msg="checkpoint save failed" deploy=svc-deploy'),
        ("call-chat.txt", 20, "noa", "wait, the migration finished on its own. sessions dropping"),
        ("api.log", 20, None, 'api level=info msg="db pool recovered" open=91'),
    ]
    plan = classify(build_items(lines(rows[2]))[0])
    assert plan.mitigation and plan.mit_progress and not plan.mit_done
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(20)


def test_a_paging_tool_named_as_firing_is_the_page() -> None:
    """"opsgenie fired on the portal's availability a few min ago" tells the page reaching the responders, the
    detection, before the first customer relayed."""
    rows = [
        ("api.log", 0, None, "ERROR upstream request timeout after 30000 ms"),
        ("incident.json", 3, "mads", "opsgenie fired on portal availability, p95 is through the roof"),
        ("incident.json", 9, "lise", "CSM relaying: a customer says the kiosks show could not check in"),
    ]
    assert classify(build_items(lines(rows[1]))[0]).page
    assert at(analyse(lines(*rows)), "detected") == minute(3)


def test_a_cloudwatch_alarm_line_fires_and_its_ok_line_clears() -> None:
    """CloudWatch names the firing state ALARM ("ALARM orders-api-5xx-alarm: orders-api errors above threshold"): an
    alert firing, the detection; its "OK orders-api-5xx-alarm: ..." clears it."""
    rows = [
        ("platform-alerts.log", 0, None, "ALARM orders-api-5xx-alarm: orders-api errors above threshold"),
        ("team-chat.txt", 4, "ines", "looking, orders api erroring since the network change"),
        ("team-chat.txt", 20, "ines", "rolled back the firewall rule"),
        ("platform-alerts.log", 24, None, "OK orders-api-5xx-alarm: orders-api errors back under threshold"),
    ]
    items = build_items(lines(*rows))
    assert (items[0].source, items[0].sub) == ("alert", "firing") and (items[-1].source, items[-1].sub) == ("alert", "resolved")
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(0) and at(a, "resolved") == minute(24)


def test_a_success_rate_told_at_99_percent_or_more_is_the_recovery() -> None:
    """A success or availability measure back at 99 % or more ("pairing success 99.6%") tells the service working
    again; a falling one, one under 99 % or a target does not."""
    rows = [
        ("relay-alerts.log", 0, None, "FIRING RelayPairingSuccessLow: pairing success below 90%"),
        ("relay-chat.txt", 5, "jonas", "pairings failing for everyone routed to the AP region"),
        ("relay-chat.txt", 30, "jonas", "AP taken out of DNS, clients going to EU"),
        ("relay-chat.txt", 36, "jonas", "AP back in DNS, pairing success 99.6%"),
    ]
    assert classify(build_items(lines(rows[3]))[0]).recovery_full
    for body in ("success rate dropped from 99.9% to 40%", "availability 99.9% SLO", "api availability back up to 98%"):
        assert not classify(build_items(lines(("relay-chat.txt", 0, "jonas", body)))[0]).recovery_full, body
    assert at(analyse(lines(*rows)), "resolved") == minute(36)


def test_an_act_told_to_have_made_it_worse_did_not_bring_the_recovery_after_it() -> None:
    """A patch shipped, then "the patch made it worse" and a revert: the recovery within minutes of the patch came
    from the revert, which is the mitigation."""
    rows = [
        ("team-chat.txt", 0, "nadia", "api 5xx on every authenticated route, dashboard down"),
        ("team-chat.txt", 40, "release-bot", "tenant-svc build 9a04c7 rolling out"),
        ("team-chat.txt", 45, "owen", "the patch made it worse. revert it, back to the last known good build"),
        ("team-chat.txt", 54, "bilal", "revert complete. tenant-svc healthy"),
        ("team-chat.txt", 54, "nadia", "dash loads for me and for the synthetic checks, availability at 100%"),
    ]
    assert at(analyse(lines(*rows)), "mitigated") == minute(54)


def test_a_thing_named_restored_after_a_preposition_tells_no_recovery() -> None:
    """"bringing up api and web against restored db, files service next" names the database by what was done to it:
    the service is still coming up, and the mitigation is the moment all of it is back."""
    rows = [
        ("infra-chat.txt", 0, "maya", "paged. site throwing 500s, the api says database error on half the calls"),
        ("infra-chat.txt", 200, "maya", "restore done, running integrity checks"),
        ("infra-chat.txt", 235, "maya", "bringing up api and web against restored db, files service next"),
        ("infra-chat.txt", 268, "maya", "all services back, including the database. maintenance page off"),
    ]
    assert not classify(build_items(lines(rows[2]))[0]).recovery_full
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(268) and at(a, "resolved") == minute(268)


def test_a_state_that_ends_the_impact_told_since_a_time_dates_the_resolution_then() -> None:
    """"everything is working since 11:58 UTC" written three minutes later dates the end at 11:58, the line dated
    then; "no logs since 13:45" tells a failure, no end."""
    rows = [
        ("team-chat.txt", 0, "ana", "films won't play. every asset request is failing"),
        ("team-chat.txt", 150, "ana", "data host rolled back their upgrade"),
        ("team-chat.txt", 178, "ana", "all data access working. site back"),
        ("host-ticket.txt", 181, None, "Confirmed, everything is working since 11:58 UTC. Thanks."),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(178)
    from pmstudio.offline.milestones import SINCE_BACK

    assert SINCE_BACK.search("no more duplicate charges since 10:00 BST")
    assert not SINCE_BACK.search("no logs in Kibana since 13:45") and not SINCE_BACK.search("been up since 16:15")


def test_unfreezing_what_a_script_froze_is_the_mitigation_and_still_disabled_is_no_act() -> None:
    """A billing script froze customers' apps; "bulk unfreeze complete" is the act that mitigates, "some apps still
    disabled" tells a state that goes on (no act), and the second batch's unfreeze ends it."""
    rows = [
        ("api-gateway.log", 0, None, "billing-freezer run_id=7731 apps_frozen=approx_50pct status=completed"),
        ("support.txt", 140, "leo", 'getting tickets: "403 - This application has been disabled" on API calls'),
        ("support.txt", 155, "leo", "unfreezing in bulk now, script paused"),
        ("support.txt", 180, "leo", "bulk unfreeze complete"),
        ("support.txt", 191, "leo", "still tickets, some apps still disabled"),
        ("api-gateway.log", 196, None, "admin action=unfreeze batch=2 status=completed remaining_disabled=0"),
    ]
    assert classify(build_items(lines(rows[3]))[0]).mit_done
    assert not classify(build_items(lines(rows[4]))[0]).mitigation
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(180) and at(a, "resolved") == minute(196)


def test_a_change_checked_all_green_before_the_first_report_is_not_the_start() -> None:
    """A config change rolled out region by region, "all green on the dashboards" after it, then a customer's crash
    report: the impact starts with the report, not with the change the responders found fine."""
    rows = [
        ("status-draft.md", 0, None, "change pushed to EU, 12:40 to SEA"),
        ("eng-chat.txt", 15, "maria", "SEA done. all green on the dashboards"),
        ("eng-chat.txt", 21, "maria", "customer in the community slack says their iOS app crashes on launch since a few minutes ago"),
        ("eng-chat.txt", 40, "maria", "reverting the initialize change in every region"),
    ]
    assert at(analyse(lines(*rows)), "started") == minute(21)


def test_a_notes_label_incident_starts_names_the_impact_start() -> None:
    """"incident starts: manual tasks accepted but processing strongly delayed" in the responders' notes marks the
    impact's first moment, before the page that came minutes later."""
    rows = [
        ("incident-notes.md", 0, None, "incident starts: manual tasks accepted but processing strongly delayed"),
        ("alerts.log", 5, None, "FIRING manual-processing-throughput-low region=eu severity=page"),
        ("ops-chat.txt", 34, "tomas", "customers say checks sent to manual review stay pending for an hour"),
    ]
    assert classify(build_items(lines(rows[0]))[0]).explicit_start
    assert at(analyse(lines(*rows)), "started") == minute(0)


def test_an_alert_line_with_a_bracketed_priority_and_its_rule_in_words_fires_and_clears() -> None:
    """An alerting tool's log ("FIRING  [P1] rails-web 5xx ratio > 3% (tier=inbox)") fires an alert named by its words
    and its RESOLVED line clears it; the first page is the detection, the notes' earlier symptom the start; a deploy
    ruled out in chat ("deploy diff is frontend only, not it") is no change."""
    rows = [
        ("notes-rca.md", 0, None, "write throughput on shard D deteriorates; a quarter of workspaces see errors"),
        ("alerts.log", 1, None, "FIRING  [P2] shard-d WriteLatency p99 > 2s (cluster=shard-d, region=us-east-1)"),
        ("alerts.log", 2, None, "FIRING  [P1] rails-web 5xx ratio > 3% (tier=inbox)"),
        ("incident-chat.txt", 6, "cathal", "deploy diff is frontend only, not it"),
        ("alerts.log", 13, None, "RESOLVED [P1] rails-web 5xx ratio > 3%"),
    ]
    items = build_items(lines(*rows))
    assert [(i.source, i.sub) for i in items if i.material == "alerts.log"] == [
        ("alert", "firing"), ("alert", "firing"), ("alert", "resolved")
    ]
    assert not classify(build_items(lines(rows[3]))[0]).change
    a = analyse(lines(*rows))
    assert at(a, "started") == minute(0) and at(a, "detected") == minute(1)


def test_a_responders_dated_note_of_the_first_errors_is_the_start_not_the_change_before_it() -> None:
    """A migration deployed at 19:30 and the notes' "20:10 increased error rates on main DB cluster": the note records
    the moment the errors began, so the start is 20:10 and the migration its trigger (a chat report of a symptom may
    come late, a dated note does not)."""
    rows = [
        ("rds-events.log", 0, None, "deploy: migration 20191025_add_campaign_indexes started"),
        ("eng-slack.txt", 22, "maria", "db CPU at 100% and climbing, migration still running"),
        ("retro-notes.md", 40, None, "increased error rates on main DB cluster."),
        ("eng-slack.txt", 42, "maria", "customers in chat say dashboards won't load and imports fail"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "started") == minute(40) and at(a, "trigger") == minute(0)


def test_a_cluster_health_told_red_is_a_failure_and_starts_the_impact() -> None:
    """"customer-facing cluster health RED on 37 clusters" and "api is red again" tell a failure as a dashboard shows
    it; "a red herring" and "a red team assessment" do not."""
    rows = [
        ("proxy.log", 0, None, "cluster-mgr eu-west-1 node i-07ad replaced (scheduled retirement)"),
        ("ops-chat.txt", 1, "pagerbot", "customer-facing cluster health RED on 37 clusters (eu-west-1)"),
        ("ops-chat.txt", 3, "nick", "ack. checking which nodes"),
    ]
    assert classify(build_items(lines(rows[1]))[0]).failure
    for body in ("that disk alert was a red herring", "plan: third-party red team assessment"):
        assert not classify(build_items(lines(("ops-chat.txt", 0, "nick", body)))[0]).failure, body
    assert at(analyse(lines(*rows)), "started") == minute(1)


def test_logins_working_said_plainly_is_the_recovery_but_one_login_path_is_not() -> None:
    """A portal down after a database update, rolled back; "portal loads, logins work" is the end of the outage. A
    login that works only on one path ("partner SSO logins work. only the mobile path is broken") is not."""
    rows = [
        ("db.log", 0, None, "db2 mysqld: WSREP: failed to join group"),
        ("ops-chat.txt", 5, "ines", "portal returns 502 for everyone"),
        ("ops-chat.txt", 20, "ines", "partner SSO logins work. only the mobile path is broken"),
        ("ops-chat.txt", 40, "ines", "rolling the cluster back to the previous packages"),
        ("ops-chat.txt", 70, "ines", "portal loads, logins work"),
    ]
    assert not classify(build_items(lines(rows[2]))[0]).recovery_full
    a = analyse(lines(*rows))
    assert at(a, "resolved") == minute(70)


def test_a_resize_told_done_is_the_act_finished() -> None:
    """An overloaded stats database, an instance resize under way, then "resize done, backlog copied": the resize is the
    act that contained the outage, finished at that line."""
    rows = [
        ("gateway.log", 0, None, "ERROR token-check timeout after 3000ms"),
        ("team-chat.txt", 1, "ayla", "[FIRING] token-check p99 > 5s"),
        ("team-chat.txt", 20, "ayla", "stats db pinned at 100% cpu. bumping the instance size"),
        ("team-chat.txt", 90, "ayla", "still intermittent timeouts, resize in progress"),
        ("team-chat.txt", 150, "ayla", "resize done, backlog copied"),
        ("alerts.txt", 152, None, "RESOLVED token_check_latency_high"),
    ]
    assert classify(build_items(lines(rows[4]))[0]).mit_done
    assert at(analyse(lines(*rows)), "mitigated") == minute(150)


def test_a_recovery_only_expected_in_a_reply_to_a_customer_is_not_the_end() -> None:
    """The responders' "logins normal again, error rate back to baseline" ends the impact; a support reply ten minutes
    later that logins "should work again" tells the customer what to expect, not a later end."""
    rows = [
        ("web.log", 0, None, "auth-02 authsvc: ERROR token issue timed out after 8000ms"),
        ("ops-chat.txt", 2, "mia", "login latency going vertical, tickets coming in"),
        ("ops-chat.txt", 30, "mia", "downgrade finished, load dropping"),
        ("ops-chat.txt", 54, "mia", "logins normal again, error rate back to baseline"),
        ("ticket-881.txt", 64, None, "Reply (lars, 15:40 CEST): Logins should work again. Please retry and tell us"),
    ]
    assert not classify(build_items(lines(rows[4]))[0]).recovery_full
    assert at(analyse(lines(*rows)), "resolved") == minute(54)


def test_a_restart_after_which_429s_persist_or_it_is_still_intermittent_is_an_attempt() -> None:
    """Logins rejected with 429s: "auth pods restarted; 429s persist" and "restarted auth pods, still intermittent" are
    attempts that changed nothing; the limiter fix deployed the next morning is the mitigation."""
    rows = [
        ("gateway.log", 0, None, "WARN ratelimit block route=/login key=route:login count=1803/1800"),
        ("platform-chat.txt", 2, "noor", "support says EU customers can't log in, 429 too many requests on the SSO callback"),
        ("platform-chat.txt", 45, "noor", "auth pods restarted; 429s persist"),
        ("platform-chat.txt", 105, "noor", "restarted auth pods, still intermittent"),
        ("platform-chat.txt", 960, "noor", "fix: limiter decides per caller, deploying to eu"),
        ("gateway.log", 1095, None, "INFO gw config bundle applied region=eu limiter_key=caller"),
        ("gateway.log", 1100, None, "INFO ratelimit blocks last 5m route=login count=0"),
    ]
    for row in rows[2:4]:
        s = classify(build_items(lines(row))[0])
        assert s.mitigation and s.mit_negative and not s.mit_done, row
    assert at(analyse(lines(*rows)), "mitigated") == minute(1095)


def test_a_route_serving_200s_at_100_percent_is_the_recovery() -> None:
    """A router's own count, "HTTP 503 rate=100%" at the start and "HTTP 200 rate=100%" after the database came back, is
    the service working again, said as a number: the end of the outage."""
    rows = [
        ("router.log", 0, None, "route/intake HTTP 503 rate=100%"),
        ("ops-chat.txt", 4, "ravi", "intake is down, forms page spins then 503"),
        ("ops-chat.txt", 60, "ravi", "cleared the stale leader annotation, db-1 is leader now"),
        ("router.log", 131, None, "route/intake HTTP 200 rate=100%"),
    ]
    assert classify(build_items(lines(rows[3]))[0]).recovery_full
    assert not classify(build_items(lines(rows[0]))[0]).recovery_full
    assert at(analyse(lines(*rows)), "resolved") == minute(131)


def test_an_error_rate_told_at_zero_is_the_recovery_not_a_failure() -> None:
    """"error rate zero" and "5xx back to zero" tell the errors gone: a full recovery, not the failure their words
    name; "errors climbing, not zero yet" is still one."""
    for body in ("error rate zero. paused jobs untouched", "5xx back to zero"):
        s = classify(build_items(lines(("ops-chat.txt", 0, "jo", body)))[0])
        assert s.recovery_full and not s.failure, body
    assert classify(build_items(lines(("ops-chat.txt", 0, "jo", "errors climbing, not zero yet")))[0]).failure
    rows = [
        ("api.log", 0, None, "api ERROR POST /jobs 503 control plane unavailable"),
        ("ops-chat.txt", 2, "jo", "create is failing outright now"),
        ("ops-chat.txt", 20, "jo", "scaling the control plane, pausing the rollout"),
        ("ops-chat.txt", 30, "jo", "most requests ok now, a few errors"),
        ("ops-chat.txt", 34, "jo", "error rate zero. paused jobs untouched"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(34)


def test_an_act_named_as_the_moment_a_state_dates_from_is_no_act_at_that_line() -> None:
    """"no more TemplateSyntaxError since the revert finished", written half an hour after "pages load again", dates the
    clean logs by the revert: no act is done at that line, and the end stays at the recovery."""
    rows = [
        ("fe-errors.log", 0, None, "fe-eu-3 FATAL TemplateSyntaxError header.twig:14"),
        ("team-chat.txt", 1, "lin", "every community shows Something went wrong"),
        ("team-chat.txt", 3, "lin", "origin returns 500 directly, not the CDN"),
        ("team-chat.txt", 4, "lin", "reverting now"),
        ("team-chat.txt", 22, "lin", "revert rolled to all EU nodes, US in progress"),
        ("team-chat.txt", 28, "lin", "pages load again in both regions"),
        ("team-chat.txt", 57, "lin", "checked error logs, no more TemplateSyntaxError since the revert finished"),
    ]
    assert not classify(build_items(lines(rows[5]))[0]).mitigation
    assert at(analyse(lines(*rows)), "resolved") == minute(28)


def test_back_online_since_a_time_told_later_does_not_move_the_end() -> None:
    """"power returned, ns2 back online since 16:30 UTC", posted ten minutes after "answering queries again", tells the
    end after the fact: the end stays at the recovery the responders saw."""
    rows = [
        ("monitor.log", 0, None, "mon ns2 check=dns_query result=TIMEOUT"),
        ("ops-irc.txt", 7, "rolf", "ns2 not answering, whole host unreachable"),
        ("ops-irc.txt", 451, "rolf", "power back, ns2 booted, answering queries again"),
        ("forum.txt", 460, "rolf", "power returned, ns2 back online since 16:30 UTC"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(451)


def test_stable_again_is_the_recovery() -> None:
    """"deliverability stable again. re-queueing what failed" tells the service back: the end of the impact, not the
    fix found half an hour before it nor the re-queue reported after it."""
    rows = [
        ("delivery.log", 0, None, "mailer ERROR batch=quote-notify delivered=0 dropped by provider"),
        ("support-chat.txt", 1, "ana", "customers say their quote emails never arrived"),
        ("ops-chat.txt", 600, "hal", "found the underlying cause with the provider, fixed"),
        ("ops-chat.txt", 633, "hal", "deliverability stable again. re-queueing everything that failed since the morning"),
        ("ops-chat.txt", 655, "hal", "re-queue running, no emails lost, just delayed"),
    ]
    assert classify(build_items(lines(rows[3]))[0]).recovery_full
    assert at(analyse(lines(*rows)), "resolved") == minute(633)


def test_posting_resolved_is_the_record_closed_not_the_end() -> None:
    """"posting resolved, RFO to follow" four minutes after "all three up, site reachable again" tells the status post,
    paperwork after the recovery: the end stays at the recovery."""
    rows = [
        ("border.syslog", 0, None, "br1 bgpd: neighbor 203.0.113.1 Down BGP Notification: hold time expired"),
        ("noc-chat.txt", 1, "rick", "lost the site from outside. bgp to the carrier down"),
        ("noc-chat.txt", 295, "rick", "all three up, BGP full tables, site reachable again"),
        ("noc-chat.txt", 299, "rick", "posting resolved, RFO to follow"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(295)


def test_a_deploy_word_in_an_address_or_a_deploy_token_is_no_change_shipped() -> None:
    """A customer's mail naming "https://deploy:…@api.example" and pasting a "Deploy token" reports the outage; neither
    is a change shipped, so neither is the mitigation: the responders' "sites responding again" is."""
    rows = [
        ("lb.log", 0, None, "lb-01 ERROR cannot write to memory buffer: config cache size exceeded"),
        ("ops-chat.txt", 1, "mads", "LBs are falling over, everything behind them is 503"),
        ("ops-chat.txt", 5, "mads", "rebooting LBs so they init the new config faster"),
        ("support-mail.txt", 9, None, "My API at https://deploy:hunter@api.kiosk.example is returning timeouts"),
        ("support-mail.txt", 9, None, "Deploy token in case you need it: tok-1"),
        ("ops-chat.txt", 13, "mads", "tests pass, sites responding again. keep watching"),
    ]
    for row in rows[3:5]:
        assert not classify(build_items(lines(row))[0]).change, row
    assert at(analyse(lines(*rows)), "mitigated") == minute(13)


def test_a_deploy_environment_printout_is_no_change_and_no_trigger() -> None:
    """A deploy log's printout of its environment ("deploy env: SENTRY_DSN=https://…", Onfleet 2021; "DEBUG deploy env
    PD_INTERNAL_TOKEN=…", Pipedream 2021) ships nothing: the release before the first symptom is the trigger."""
    rows = [
        ("deploy.log", 0, None, "deploy ws-server release=2021.10.07-3 status=complete instances=24"),
        ("chat.txt", 2, "ricky", "websocket connections are closing right after open, dashboard is down for everyone"),
        ("deploy.log", 4, None, "deploy env: SENTRY_DSN=https://abc:def@sentry.example.io/42"),
        ("chat.txt", 17, "mara", "customers relaying that drivers can't see task updates, the dashboard is down"),
    ]
    assert not classify(build_items(lines(rows[2]))[0]).change
    assert not classify(build_items(lines(("deploy.log", 0, None, "DEBUG deploy env PD_INTERNAL_TOKEN=pd_1")))[0]).change
    trigger = draft_root_cause(analyse(lines(*rows)))["trigger"]
    assert trigger["evidence"] == ["deploy.log:1"], trigger  # the release, not the printout


def test_a_change_the_responders_rule_out_is_no_trigger() -> None:
    """A deploy half an hour before the first symptom is the trigger, unless the responders rule it out after it
    ("ok not the deploy. some servers can talk to each other and some can't", pretix 2026): then it was not."""
    rows = [
        ("chat.txt", 0, "lena", "deployed the new invoice footer, all green"),
        ("db.log", 28, None, "app-03 django: OperationalError could not connect to server: Connection timed out"),
        ("chat.txt", 40, "jonas", "half the async actions are 500ing, add to cart fails 1 in 4"),
    ]
    ruling = ("chat.txt", 45, "jonas", "ok not the deploy. some servers can talk to each other and some can't")
    asked = ("chat.txt", 45, "jonas", "so not the deploy? checking the network")
    assert draft_root_cause(analyse(lines(*rows)))["trigger"]["evidence"] == ["chat.txt:1"]
    assert draft_root_cause(analyse(lines(*rows, asked)))["trigger"]["evidence"] == ["chat.txt:1"]  # only asked
    assert draft_root_cause(analyse(lines(*rows, ruling)))["trigger"] == {"text": NOT_STATED, "evidence": []}


def test_the_page_after_the_first_report_is_told_in_whole_minutes_rounded_as_every_span() -> None:
    """A page 9 minutes 40 seconds after the responders first saw the problem is "10 minutes after", the span every
    section states for those two times (impact.span_minutes rounds), so the number is grounded in what it cites."""
    from pmstudio.offline.lessons import draft_lessons

    rows = lines(
        ("chat.txt", 1, "ana", "uh. api error rate, availability just fell off a cliff"),
        ("chat.txt", 10, "alertbot", "[FIRING] api-availability-2xx < 90% (current 26%)"),
    )
    rows[1] = rows[1].model_copy(update={"at": minute(10) + timedelta(seconds=40)})
    good = " ".join(c["text"] for c in draft_lessons(analyse(rows))["went_well"])
    assert "paged responders, 10 minutes after they first saw the problem" in good


def test_an_incident_report_mailed_the_next_day_is_no_detection() -> None:
    """"Subject: Post Incident Report - core switching" mailed the next day is the write-up, not someone reporting
    the problem: the detection stays with the responders who saw every host go red."""
    assert not classify(build_items(lines(("pir-mail.txt", 0, None, "Subject: Post Incident Report - core switching")))[0]).detect
    rows = [
        ("noc-chat.txt", 0, "ivan", "nagios flapping on web03 in the offsite DC. ping loss 40%"),
        ("noc-chat.txt", 7, "ivan", "now ALL hosts in the offsite DC are red. not just ours"),
        ("noc-chat.txt", 47, "ivan", "packets flowing for everyone again, still slow"),
        ("pir-mail.txt", 875, None, "Subject: Post Incident Report - core switching"),
    ]
    assert at(analyse(lines(*rows)), "detected") == minute(7)


def test_a_block_rule_told_live_is_the_act_done() -> None:
    """"block rule live, traffic from that project dropped" is the act that contains a flood of events, done at that
    line, not the lull half an hour before it."""
    rows = [
        ("ingest.log", 0, None, "ingest-03 events_in=171,400/s lag=640k timeouts=18%"),
        ("oncall.txt", 3, "ines", "6x now. timeouts everywhere, the ingest nodes are saturating"),
        ("oncall.txt", 15, "ines", "writing the block rule, need the project id confirmed"),
        ("oncall.txt", 33, "ines", "block rule live, traffic from that project dropped"),
        ("oncall.txt", 80, "ines", "timeouts gone on the api, waiting for backlog"),
    ]
    s = classify(build_items(lines(rows[3]))[0])
    assert s.mitigation and s.mit_done
    assert at(analyse(lines(*rows)), "mitigated") == minute(33)


def test_a_staff_reply_in_a_customers_ticket_tells_the_recovery_late() -> None:
    """"support (kevin): platform recovered, backlog processed" in the customer's ticket, three minutes after the
    responders' "backlog cleared, latency normal. calling it", tells the customer: the end stays at the responders'
    line; a reply dated in its own header is read the same way."""
    for body in ("support (kevin): platform recovered, backlog processed", "reply 2012-01-08 09:12 -0500 (rhea): resolution restored"):
        s = classify(build_items(lines(("customer-ticket.txt", 0, None, body)))[0])
        assert s.comm and s.phase == "communication", body
    rows = [
        ("ingest.log", 0, None, "ingest-03 events_in=203,600/s timeouts=22%"),
        ("oncall.txt", 2, "ines", "timeouts everywhere, the ingest nodes are saturating"),
        ("oncall.txt", 33, "ines", "block rule live, traffic from that project dropped"),
        ("oncall.txt", 112, "ines", "backlog cleared, latency normal. calling it"),
        ("customer-ticket.txt", 115, None, "support (kevin): platform recovered, backlog processed, no events lost"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(112)


def test_a_resolution_only_expected_is_no_end() -> None:
    """A public post "the issue affecting some sites should now be resolved" five minutes after "reverted. traffic back
    to normal" expects the end: the end stays at the recovery the responders saw."""
    assert not classify(build_items(lines(("posts.txt", 0, None, "The issue affecting access should now be resolved.")))[0]).resolved
    rows = [
        ("edge.log", 0, None, "filter=ddos-1021 action=deploy scope=global"),
        ("incident.txt", 23, "lena", "support: two clients say their sites are unavailable"),
        ("incident.txt", 26, "lena", "reverted. traffic back to normal"),
        ("posts.txt", 31, None, "The issue affecting access to some sites should now be resolved. Sorry for the trouble."),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(26)


def test_error_rates_back_down_for_most_users_ends_the_main_impact_and_all_syncing_normally_now_the_rest() -> None:
    """A line that names the errors only to say they are back down ("5xx back below 2%, the editor loads for most
    people") tells the main impact over; "every client syncing normally now" is the remainder's end. Capacity that
    stays stuck ("workers pinned, it cannot grow past the old fixed pool") is no fix done."""
    a = analyse(lines(
        ("alerts", 0, None, "FIRING GatewayHigh5xx: 5xx ratio above 30% on edge"),
        ("chat.txt", 6, "noor", "worker pods pinned at max, it cannot grow past the old fixed pool"),
        ("chat.txt", 60, "noor", "throttling reconnect storms at the edge, 5 per client"),
        ("chat.txt", 150, "noor", "5xx back below 2%, the editor loads for most people"),
        ("chat.txt", 280, "noor", "every client syncing normally now. leaving the throttle in place overnight"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(150)
    assert at(a, "resolved") == minute(280)
    from pmstudio.offline.classify import classify

    stuck = build_items(lines(("chat.txt", 6, "noor", "worker pods pinned at max, it cannot grow past the old fixed pool")))[0]
    assert not classify(stuck).mit_done


def test_users_told_confirming_the_recovery_minutes_later_do_not_move_the_end() -> None:
    """"customers confirming the portal loads again" in a responder's line, minutes after the responders saw it back,
    tells the same recovery a second time: the end stays at the responders' own line."""
    a = analyse(lines(
        ("alerts", 0, None, "FIRING PortalSynthetic: HTTP 502 on /login"),
        ("chat.txt", 40, "rui", "reverting the memory limits now"),
        ("chat.txt", 52, "rui", "all gateway pods ready, no restarts. portal loads again"),
        ("chat.txt", 55, "rui", "customers confirming the portal loads again"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(52)


def test_a_backlog_told_flowing_in_again_is_no_moment_the_service_was_back() -> None:
    """With the act's completion not stated, "metrics pipeline catching up, backlog of samples flowing in again" tells
    the queue worked off, not the service back: it is no first stage of the recovery."""
    a = analyse(lines(
        ("alerts", 0, None, "FIRING NetworkPacketLossHigh zone=fra-2 loss=41%"),
        ("switch.log", 70, None, "sw-b mgd: UI_CMDLINE_READ_LINE: user 'oob' command 'set interfaces et-0/0/12 disable'"),
        ("chat.txt", 95, "ilse", "metrics pipeline catching up, backlog of samples flowing in again"),
        ("chat.txt", 150, "ilse", "all fra-2 graphs nominal, loss 0%, latency baseline. calling it"),
    ))  # fmt: skip
    assert at(a, "mitigated") in (None, minute(150))
    assert at(a, "resolved") == minute(150)


def test_delays_told_cleared_are_the_recovery_and_the_page_closed_after_them_is_not_the_end() -> None:
    """"queue delays cleared, imports healthy" is the service back; the pager resolved two minutes later is not the end.
    "once errors cleared we resolve" is a plan, no recovery."""
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: imports-db: CPU > 90%"),
        ("chat.txt", 30, "pia", "moving the heavy tables off the primary"),
        ("chat.txt", 600, "pia", "queue delays cleared, imports healthy, closing out"),
        ("pagerduty", 602, None, "resolve_log_entry: Resolved"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(600)
    from pmstudio.offline.classify import classify

    plan = build_items(lines(("chat.txt", 5, "pia", "once errors cleared we resolve")))[0]
    assert not classify(plan).recovery_full


def test_a_business_s_own_users_telling_the_symptom_detect_it() -> None:
    """Care relaying "several hotels say the booking form spins forever" is a report of the impact, like "customers
    say": the detection, before the responders' own look minutes later. A vendor ("partner says they'll deploy a
    fix") is no user."""
    a = analyse(lines(
        ("payments.log", 0, None, 'ERROR Tokenizer provider=vault op=tokenize err="upstream timeout after 20000ms"'),
        ("chat.txt", 4, "dora", "several hotels say the booking form spins forever, guests cannot pay"),
        ("chat.txt", 6, "ivo", "got it, looking"),
        ("chat.txt", 16, "ivo", "the iframe loads but the POST to the provider hangs"),
        ("hotel-ticket.txt", 27, None, "Since this morning our front desk cannot save any guest card."),
        ("chat.txt", 90, "ivo", "provider says resolved on their side, tokenize success 99%"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(4)
    from pmstudio.offline.classify import classify

    hotels = build_items(lines(("chat.txt", 4, "dora", "several hotels say the booking form spins forever")))[0]
    assert classify(hotels).detect
    vendor = build_items(lines(("chat.txt", 5, "ivo", "partner says they'll deploy a second config")))[0]
    assert not classify(vendor).detect


def test_the_last_of_the_services_told_back_is_the_end_and_the_page_resolved_after_it_is_not() -> None:
    """"last free-tier services back" tells the remainder back, so all of it: the end, not the pager's resolve two
    minutes later. "waiting for the last services to come back" tells none back."""
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: Edge 5xx ratio > 40% in all regions"),
        ("chat.txt", 13, "ines", "reverting the change set now"),
        ("chat.txt", 38, "ines", "paid tier ~97% back"),
        ("chat.txt", 120, "ines", "waiting for the last services to come back"),
        ("chat.txt", 240, "ines", "last free-tier services back"),
        ("pagerduty", 242, None, "resolve_log_entry: Resolved"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(240)


def test_a_labelled_end_that_names_a_later_recovery_is_the_main_impact_over_and_that_recovery_the_end() -> None:
    """Notes that record "outage ends; 21:00 access to all archives restored" end the main impact at their own moment; the
    line at 21:00 telling the archives back is the end of all of it."""
    a = analyse(lines(
        ("pagerduty", 0, None, "trigger_log_entry: orders-api 5xx > 50%"),
        ("chat.txt", 400, "gal", "config fixed via the pipeline, orders flowing"),
        ("notes.md", 410, None, "outage ends; 21:00 access to all archives restored"),
        ("chat.txt", 480, "gal", "some merchants still can't open older archives"),
        ("chat.txt", 720, "gal", "access to all archives restored"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(410)
    assert at(a, "resolved") == minute(720)


def test_an_alert_opened_by_priority_detects_and_its_close_after_the_told_recovery_is_not_the_end() -> None:
    """An on-call tool's export lists "P3 OPEN issuer-gateway-latency ..." (an alert firing: the detection) and
    "P3 CLOSE ..." minutes after a responder told the recovery ("disconnects stopped. issuer says resolved. payments
    back to normal": one sentence at second hand, another plainly): the end is the responder's line."""
    a = analyse(lines(
        ("opsgenie-alerts.txt", 0, None, 'P3 OPEN issuer-gateway-latency "Issuer gateway response time above threshold"'),
        ("chat.txt", 1, "mia", "gateway p95 2.9s, probably their morning batch, watching"),
        ("chat.txt", 133, "mia", "now seeing actual failures, timeouts and connection resets to the issuer"),
        ("chat.txt", 350, "mia", "disconnects stopped. issuer says resolved. payments back to normal"),
        ("opsgenie-alerts.txt", 353, None, 'P3 CLOSE issuer-gateway-latency "Issuer gateway response time above threshold"'),
    ))  # fmt: skip
    assert at(a, "detected") == minute(0)
    assert at(a, "resolved") == minute(350)


def test_a_pager_resolve_telling_service_back_since_a_time_dates_the_end_then() -> None:
    """A pager's "Resolved: shop serving traffic again since 17:20 UTC", six minutes after the chat's "we're back",
    dates the end at 17:20 (the line dated then), not at the resolve."""
    rows = [
        ("pd.json", 0, None, "trigger_log_entry: [Pingdom] DOWN: shop.example.com unreachable"),
        ("ops-chat.txt", 40, "ines", "new proxy fleet is live, old one drained"),
        ("ops-chat.txt", 500, "ines", "we're back"),
        ("pd.json", 506, None, "resolve_log_entry: Resolved: shop serving traffic again since 17:20 UTC"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(500)


def test_a_fix_told_as_not_recovering_is_an_attempt_and_a_drop_versus_baseline_is_no_recovery() -> None:
    """"rollback is out everywhere. workers come up, get buried, die, come up again. not recovering" tells an
    attempt that did not help: no recovery, no mitigation done. A monitor's "orders placed dropped 90% vs baseline"
    tells the failure, not a return to the baseline; "latency back to baseline" is one."""
    not_back = classify(build_items(lines(
        ("chat.txt", 20, "ola", "rollback is out everywhere. workers come up, get buried, die, come up again. not recovering"),
    ))[0])
    assert not_back.mitigation and not not_back.mit_done and not not_back.recovery_full
    assert not classify(build_items(lines(("alerts.log", 1, None, "[Monitor] orders placed dropped 90% vs baseline")))[0]).recovery_full
    assert classify(build_items(lines(("chat.txt", 50, "ola", "latency back to baseline")))[0]).recovery_full
    rows = [
        ("alerts.log", 0, None, "[Pingdom] DOWN: api.example.com unreachable"),
        ("alerts.log", 1, None, "[Monitor] orders placed dropped 90% vs baseline"),
        ("chat.txt", 20, "ola", "rollback is out everywhere. workers come up, get buried, die, come up again. not recovering"),
        ("chat.txt", 300, "ola", "new queue consumers live with backoff, old ones drained. workers holding"),
        ("chat.txt", 320, "ola", "all green, orders flowing normally again"),
    ]
    assert at(analyse(lines(*rows)), "mitigated") == minute(300)


def test_an_act_denied_or_told_to_change_nothing_is_no_mitigation_done() -> None:
    """"no, the morning release was config only. rolled back nothing, it's not us" denies a rollback; "restarted the
    workers, nothing changed" and "fix deployed; most jobs still fail" tell acts that did not help: none is a
    mitigation done, while "restarted the workers" is."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("chat.txt", 10, "joe", text)))[0])

    for text in ("no, the morning release was config only. rolled back nothing, it's not us",
                 "restarted the workers, nothing changed", "fix deployed; most jobs still fail"):  # fmt: skip
        assert sig(text).mitigation and not sig(text).mit_done, text
    assert sig("restarted the workers").mit_done
    rows = [
        ("alerts.log", 0, None, "[Pingdom] DOWN: jobs.example.com unreachable"),
        ("chat.txt", 10, "joe", "no, the morning release was config only. rolled back nothing, it's not us"),
        ("chat.txt", 90, "joe", "failover to the standby queue done"),
        ("chat.txt", 95, "joe", "jobs running again everywhere"),
    ]
    assert at(analyse(lines(*rows)), "mitigated") == minute(90)


def test_a_report_dated_by_the_onset_it_tells_is_not_when_the_responders_learnt_of_it() -> None:
    """A ticket saying "Our app was down for a few minutes right after 09:00" is dated 09:00 by the onset it tells, not
    when it came in: the responders learnt of it from the public post at 09:13 (before the later alarm), or from a
    responder's "errors just jumped" at 09:02 when nobody posted."""
    ticket = ("support-ticket.txt", 0, None, "Our app was down for a few minutes right after 09:00, checkout timed out.")
    posted = analyse(lines(
        ticket,
        ("status.txt", 13, None, "Investigating - We are investigating errors affecting the shops."),
        ("alerts.log", 116, None, "FIRING WebPoolUnresponsive: half of the web backends fail health checks"),
    ))  # fmt: skip
    assert at(posted, "detected") == minute(13)
    told = analyse(lines(
        ticket,
        ("chat.txt", 2, "lea", "web tier errors just jumped, every backend stuck"),
        ("chat.txt", 30, "lea", "web pool healthy again"),
    ))  # fmt: skip
    assert at(told, "detected") == minute(2)


def test_a_provider_removing_a_route_announcement_is_an_act_not_a_communication() -> None:
    """"carrier removed the announcement. traffic failing over to the other PoPs properly now" tells the BGP route
    the carrier took down (the mitigation), not a notice to anyone; "announcement removed on their edge routers" too.
    "we posted an announcement on the status page" still tells others."""
    act = classify(build_items(lines(("noc-chat.txt", 50, "tess", "carrier removed the announcement. traffic failing over to the other PoPs properly now")))[0])  # fmt: skip
    assert act.mit_done and not act.comm
    assert not classify(build_items(lines(("ticket.txt", 50, None, "Carrier: announcement removed on their edge routers.")))[0]).comm
    assert classify(build_items(lines(("chat.txt", 60, "tess", "we posted an announcement on the status page")))[0]).comm
    rows = [
        ("noc-chat.txt", 0, "tess", "nagios: PoP response times all over the place, some edges timing out"),
        ("noc-chat.txt", 8, "tess", "our withdrawal did not stop their announcement, users still getting timeouts"),
        ("noc-chat.txt", 25, "tess", "carrier removed the announcement. traffic failing over to the other PoPs properly now"),
        ("noc-chat.txt", 160, "tess", "carrier replaced the faulty switch, routing traffic back to the PoP"),
    ]
    assert at(analyse(lines(*rows)), "mitigated") == minute(25)


def test_the_rest_told_back_only_in_the_responders_announcement_ends_the_impact() -> None:
    """After "chain producing blocks again" a responder tells "explorers and bridges still behind"; nothing else tells
    them back until "announced: mainnet recovered, explorers and bridges all back" two hours on, which ends it (not
    the first part's recovery)."""
    rows = [
        ("alerts.log", 0, None, "FIRING NoNewBlocks: no new block for 10m"),
        ("ops-chat.txt", 300, "min", "new sequencer restarted and producing blocks again"),
        ("ops-chat.txt", 307, "min", "rpc nodes catching up, explorers and bridges still behind"),
        ("ops-chat.txt", 420, "min", "announced: mainnet recovered, explorers and bridges all back"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(420)


def test_a_revert_told_still_red_its_log_record_and_an_update_that_restarted_it_are_no_mitigation() -> None:
    """"cache change reverted. still red" tells a revert that did not help, and the controller's own "reverted change
    CHG-12" in the same minute records that same attempt; "the nightly kernel update restarted it in a weird way"
    narrates the cause; "reverting did nothing" denies an effect. The mitigation is the first region back."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("war-room.txt", 10, "kim", text)))[0])

    assert sig("cache change reverted. still red").mit_negative
    assert sig("it was NOT the cache change, reverting did nothing").mit_negative
    assert sig("the nightly kernel update restarted it in a weird way, pods can't reach each other").finding
    rows = [
        ("alerts.log", 0, None, "FIRING ApiGateway5xxHigh: api-gateway 5xx ratio 0.87"),
        ("war-room.txt", 25, "kim", "cache change reverted. still red"),
        ("cache-ctl.log", 25, None, "cache-ctl[411]: reverted change CHG-12"),
        ("war-room.txt", 80, "kim", "it was NOT the cache change, reverting did nothing"),
        ("war-room.txt", 150, "kim", "the nightly kernel update restarted it in a weird way, pods can't reach each other"),
        ("war-room.txt", 230, "kim", "first region back online, traffic flowing"),
    ]
    assert at(analyse(lines(*rows)), "mitigated") == minute(230)


def test_a_fix_that_clears_blocked_entries_is_done_not_blocked() -> None:
    """"fix deployed, blocked entries for affected IPs cleared" tells a fix done (what it cleared were blocked IPs);
    "rollback blocked by the CI outage" tells an act held up."""
    done = classify(build_items(lines(("chat.txt", 10, "ada", "fix deployed, blocked entries for affected IPs cleared, no new false blocks since")))[0])  # fmt: skip
    assert done.mit_done and not done.mit_negative
    held = classify(build_items(lines(("chat.txt", 10, "ada", "rollback blocked by the CI outage")))[0])
    assert held.mit_negative and not held.mit_done


def test_an_alarm_cleared_weeks_before_is_an_earlier_episode_and_a_utc_time_in_a_local_line_is_its_own_moment() -> None:
    """A "ZoneSignaturesExpiring" alarm that fired and cleared three weeks before the outage is an earlier episode, not
    its detection (so the start is the first failure); "all names validating again, last bogus answer at 09:40 UTC",
    written 10:40 in Paris, tells its own moment (the end), not another one an hour off."""
    from pmstudio.offline.milestones import _tells_another_moment

    early = T0 - timedelta(days=21)
    rows = [
        ("probes.log", -21 * 24 * 60, None, "FIRING ZoneSignaturesExpiring: apex signature validity below 3 days"),
        ("probes.log", -21 * 24 * 60 + 20, None, "RESOLVED ZoneSignaturesExpiring: apex signature validity below 3 days"),
        ("resolver.log", 0, None, "unbound[2211]: info: validation failure <www.example.net. A IN>: signature expired"),
        ("ops-chat.txt", 1, "ilse", "intranet won't load for me. SERVFAIL on the internal resolver"),
        ("ops-chat.txt", 30, "ilse", "full re-sign pushed to the signers, waiting for the secondaries"),
        ("ops-chat.txt", 40, "ilse", "all names validating from outside again, last bogus answer seen at 09:40 UTC"),
    ]
    a = analyse(lines(*rows))
    assert early < T0 and at(a, "started") == minute(0) and at(a, "detected") == minute(1)
    assert at(a, "resolved") == minute(40)
    line = build_items(lines(("ops-chat.txt", 40, "ilse", "last bogus answer seen at 09:40 UTC")))[0]
    line.written = "10:40"
    assert not _tells_another_moment(line)
    line.body = "last bogus answer seen at 08:40 UTC"
    assert _tells_another_moment(line)


def test_a_recovery_dated_at_a_moment_ends_it_then_unless_the_line_tells_more_to_come() -> None:
    """"The API recovered at 10:39 PDT", told by support eight minutes later, dates the end at 10:39; "restored at
    04:13, all servers came back online shortly after" and "so this was "fixed" at 8:31 and we're still draining" do
    not."""
    rows = [
        ("alerts.log", 0, None, "[FIRING] api 5xx ratio > 20% (prod)"),
        ("chat.txt", 20, "aisha", "rollback of the migration finished"),
        ("chat.txt", 39, "aisha", "api answering, p99 settling"),
        ("ticket.txt", 47, None, "support: The API recovered at 09:39 UTC. A post-mortem will follow."),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(39)
    from pmstudio.offline.milestones import _as_of_stamps

    assert _as_of_stamps("The API recovered at 09:39 UTC.", at_too=True)
    assert not _as_of_stamps('so this was "fixed" at 8:31 and we\'re still draining', at_too=True)


def test_a_fix_deployed_with_the_failures_gone_from_the_log_mitigates_and_ends_it() -> None:
    """"deployed to production. full scans gone from the slow log" tells the fix and the failures gone: the mitigation
    and the end, not an earlier "and it fixed the badge bug" said of another change."""
    assert classify(build_items(lines(("dev-chat.txt", 5, "ola", "deployed to production. full scans gone from the slow log")))[0]).recovery_full  # fmt: skip
    rows = [
        ("app.log", 0, None, "app-na-01 php-fpm[912]: slow request 19.8s /registration/checkout"),
        ("notes.md", 2, None, "reduced performance reported to Support"),
        ("dev-chat.txt", 40, "ola", "it was reviewed. and it fixed the badge bug"),
        ("dev-chat.txt", 115, "ola", "deployed to production. full scans gone from the slow log"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "mitigated") == minute(115) and at(a, "resolved") == minute(115)


def test_no_failures_of_one_kind_told_is_a_recovery() -> None:
    """"free slots normal, no start failures for 10 min" tells the service back (as "no failures" does), so it ends the
    impact rather than the status page's "Resolved" half an hour later."""
    assert classify(build_items(lines(("oncall-chat.txt", 5, "ivo", "free slots normal, no start failures for 10 min")))[0]).recovery_full  # fmt: skip
    rows = [
        ("oncall-chat.txt", 0, "ivo", "[page] run_start_failures rate=0.6% env=prod"),
        ("oncall-chat.txt", 60, "ivo", "recycling stale reserved pods in batches"),
        ("oncall-chat.txt", 100, "ivo", "free slots normal, no start failures for 10 min"),
        ("status-page.txt", 128, None, "Resolved - This incident has been resolved. Canceled runs can be re-run."),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(100)


def test_a_network_halt_told_in_its_own_words_and_ledgers_closing_again() -> None:
    """"network halts; no ledgers close" and "ledger close stopped" tell the failure, "withdrawals have been pending
    since 4:15pm" a user's report of it, "we halted the chain at block 100" an act; "ledgers closing again" tells the
    recovery: the stalled-ledger alert is the start (not a precursor) and the closing again the mitigation."""
    def sig(text: str, src: str = "chat.txt") -> Signals:
        return classify(build_items(lines((src, 5, None if src.endswith(".md") else "kai", text)))[0])

    assert sig("network halts; no ledgers close, no transactions processed", "notes.md").failure
    assert sig("ledger close stopped. last closed ledger hasn't moved in two minutes").failure
    assert sig("Our withdrawals have been pending since about 4:15pm ET.").failure
    assert not sig("we halted the chain at block 100").failure
    assert sig("ledgers closing again, picked up right where it stopped").recovery_full
    rows = [
        ("monitor.log", 0, None, "FIRING LedgerCloseStalled: no ledger closed for 5 minutes"),
        ("notes.md", 0, None, "network halts; no ledgers close, no transactions processed"),
        ("chat.txt", 2, "kai", "ledger close stopped. last closed ledger hasn't moved in two minutes"),
        ("chat.txt", 38, "kai", "pinging the operators of the missing validators directly"),
        ("chat.txt", 67, "kai", "ledgers closing again, picked up right where it stopped"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "started") == minute(0) and at(a, "mitigated") == minute(67)


def test_a_baseline_given_as_a_number_is_a_reference_not_a_recovery() -> None:
    """"p99=4.8s (baseline 0.3s)" and "queue depth 900, baseline 40" name the usual level to compare with: neither
    tells the service back, so a later line that only counts against its baseline ("sessions 7940 (baseline 8100)")
    does not end the incident, while "error rate back to baseline 0.2%" does."""
    def sig(src: str, text: str) -> Signals:
        return classify(build_items(lines((src, 10, None if src.endswith(".log") else "kai", text)))[0])

    assert not sig("api.log", "api WARN request latency p99=4.8s (baseline 0.3s)").recovery_full
    assert not sig("chat.txt", "queue depth 900, baseline 40").recovery_full
    assert sig("chat.txt", "error rate back to baseline 0.2%").recovery_full
    rows = [
        ("alerts.log", 0, None, "[FIRING] SessionsDropped: active sessions fell 40% in 2m"),
        ("chat.txt", 1, "kai", "logins failing everywhere, looking"),
        ("chat.txt", 9, "kai", "restarted the session backend"),
        ("chat.txt", 10, "kai", "backend back, logins working again, sessions climbing"),
        ("sessiond.log", 23, None, "sessiond INFO active sessions 7940 (baseline 8100)"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(10)


def test_a_recap_for_those_joining_tells_the_past_and_monitoring_all_clear_is_a_clean_check() -> None:
    """"recap for anyone joining: we got paged saturday, I assumed transit, network monitoring was all clear" tells
    what happened days before, and its "all clear" is what the monitoring showed then: neither a page now nor the
    end of the incident; "all clear, closing" is an end."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("chat.txt", 10, "jim", text)))[0])

    recap = sig("recap for anyone joining: we got paged saturday, I assumed transit, network monitoring was all clear")
    assert recap.summary and not recap.resolved
    assert sig("all clear, closing").resolved
    rows = [
        ("cache.log", 0, None, "ERROR failed to get cache item: connect: cannot assign requested address"),
        ("chat.txt", 2000, "jim", "recap for anyone joining: we got paged saturday, I assumed transit, network monitoring was all clear"),
        ("chat.txt", 2010, "jim", "today it is way worse. requests failing every few minutes"),
        ("chat.txt", 2200, "jim", "band-aid going out: random source IPs for the cache dials"),
        ("chat.txt", 2240, "jim", "errors stopped since the dialer rolled"),
    ]
    a = analyse(lines(*rows))
    assert minute(2000) not in (at(a, "mitigated"), at(a, "resolved"))


def test_clients_connecting_again_is_a_recovery_and_not_connecting_again_is_none() -> None:
    """"all brokers up, bus healthy, calls connecting again" tells the service back, as "sessions joining again" and
    "devices registering again" do; "calls not connecting again" does not. The act before it mitigated, and the
    incident closed hours later is no later end of the impact."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("chat.txt", 10, "sol", text)))[0])

    for text in ("all brokers up, bus healthy, calls connecting again", "sessions joining again",
                 "devices registering again"):  # fmt: skip
        assert sig(text).recovery_full, text
    assert not sig("calls not connecting again").recovery_full
    rows = [
        ("bus.log", 0, None, "[ERR] stream 'events' has NO quorum, stalled"),
        ("chat.txt", 2, "sol", "call joins failing in every region"),
        ("chat.txt", 19, "sol", "restarting ALL brokers together"),
        ("chat.txt", 23, "sol", "all brokers up, bus healthy, calls connecting again"),
        ("chat.txt", 200, "sol", "quiet all afternoon, status -> resolved"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "resolved") == minute(23)


def test_high_load_again_is_a_relapse_and_a_service_enabled_again_after_it_the_mitigation() -> None:
    """"Seeing high load again" tells load back, not pages that load again; "told you we re-enabled too fast" is a
    remark on an act done before, no act; "IMAP and webmail enabled again with throttling" is the act that held after
    the relapse, so it is the mitigation, not the fix that relapsed within the hour."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("chat.txt", 10, "rae", text)))[0])

    assert not sig("Seeing high load again. Slowness or intermittent login issues.").recovery_full
    assert sig("the dashboard loads again").recovery_full
    assert not sig("told you we re-enabled too fast").mitigation
    assert sig("IMAP and webmail enabled again with throttling").mit_done
    rows = [
        ("nagios.log", 0, None, "SERVICE ALERT: store02;IMAP;CRITICAL;HARD;3;Connection refused"),
        ("chat.txt", 2, "rae", "imap logins timing out on the store cluster"),
        ("chat.txt", 30, "rae", "suspending logins on the affected nodes while accounts migrate"),
        ("chat.txt", 2800, "rae", "fix fully in, every account back online"),
        ("chat.txt", 2859, "rae", "load climbing again on two new nodes, logins slow, some failing"),
        ("chat.txt", 2866, "ben", "told you we re-enabled too fast"),
        ("chat.txt", 2934, "rae", "IMAP and webmail enabled again with throttling, deliveries resuming shortly"),
    ]
    assert at(analyse(lines(*rows)), "mitigated") == minute(2934)


def test_an_act_on_a_named_weekday_is_of_another_day_and_all_numbers_operational_is_the_service_back() -> None:
    """"our SBC then? we patched sbc-2 on sunday", said on a Tuesday, tells an act of another day: no mitigation of
    this incident. "all DIDs tentatively operational, testing each range" tells the service back, and "confirmed
    operational status for all affected DIDs" its end; "not all nodes are operational" tells neither."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("chat.txt", 10, "gus", text)))[0])

    assert sig("all DIDs tentatively operational, testing each range").recovery_full
    assert sig("confirmed operational status for all affected DIDs").recovery_full
    assert not sig("not all nodes are operational").recovery_full
    rows = [  # minute 0 is Tuesday 14 May 2024, 09:00 UTC
        ("chat.txt", 0, "mo", "confirmed: inbound calls to numbers on three carriers are failing"),
        ("chat.txt", 2, "gus", "our SBC then? we patched sbc-2 on sunday"),
        ("chat.txt", 4, "mo", "SBC fine, numbers on other carriers ring through"),
        ("chat.txt", 120, "mo", "all DIDs tentatively operational, testing each range"),
        ("chat.txt", 130, "mo", "confirmed operational status for all affected DIDs"),
    ]
    a = analyse(lines(*rows))
    assert minute(0).weekday() == 1
    assert (at(a, "mitigated"), at(a, "resolved")) == (minute(120), minute(130))


def test_an_outage_told_until_a_time_ends_then_not_at_the_later_resolving() -> None:
    """The responders' note "site began exhibiting elevated latency; outage until 10:08, 68 minutes" states the end:
    the impact ended at 10:08, when a line is dated then, not when the incident was resolved half an hour later."""
    rows = [
        ("pagerduty", 0, None, "trigger_log_entry: app p99 latency > 5s for 3m"),
        ("notes.md", 0, None, "site began exhibiting elevated latency; outage until 10:08, 68 minutes."),
        ("chat.txt", 68, "omar", "reverted the profiler to safe settings"),
        ("chat.txt", 71, "omar", "write latency back to baseline, CPU 35%"),
        ("chat.txt", 101, "ines", "resolving."),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(68)


def test_bet_it_was_someones_change_is_a_guess() -> None:
    """"bet it was the nightly report query" guesses at a cause, as "I bet" does; "restarted the pool, that fixed
    it" tells no guess."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("chat.txt", 10, "ola", text)))[0])

    assert sig("one query is running forever. bet it was the nightly report query").hypothesis
    assert sig("bet that's the cron job again").hypothesis
    assert not sig("restarted the pool, that fixed it").hypothesis


def test_a_failure_told_going_on_after_a_recovery_moves_the_end_to_the_responders_done() -> None:
    """"we're back online, but the waves are flapping" is a part back; "light is back" at 07:06 then "DSL still timing
    out on lots of sites" and "worse again for some": the impact went on, and the responders' "BGP stable, external
    routing normal. we're done" hours later ends it."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("chat.txt", 10, "sofie", text)))[0])

    flapping = sig("we're back online, but rebuilding the wavelengths is flapping")
    assert flapping.recovery_partial and not flapping.recovery_full
    assert sig("BGP stable, external routing normal. we're done").resolved
    assert not sig("we're done with the migration").resolved
    rows = [
        ("nms.log", 0, None, "CRIT ANT-AMS-01 loss of signal (ring now broken on both sides)"),
        ("chat.txt", 120, "sofie", "helpdesk flooding: DSL customers get time-outs on websites"),
        ("chat.txt", 216, "sofie", "the carrier found it: our fibre jammed in a cabinet door. freed, light is back"),
        ("chat.txt", 224, "sofie", "we're back online, but rebuilding the wavelengths is flapping"),
        ("chat.txt", 250, "sofie", "core links at 100% while waves come up, DSL still timing out on lots of sites"),
        ("chat.txt", 325, "sofie", "helpdesk says it's worse again for some"),
        ("chat.txt", 511, "sofie", "card swapped, all wavelengths up"),
        ("chat.txt", 525, "sofie", "BGP stable, external routing normal. we're done"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(525)


def test_one_region_recovered_at_a_time_is_no_end_while_another_is_told_still_down() -> None:
    """"eu-central-1 recovered at 10:04 UTC" dates the end of one region's outage when "us-east still down" follows
    it: the incident ends with "last cluster recovered" at 10:43."""
    rows = [
        ("alerts.log", 0, None, "[FIRING] ServiceAuthFailures on all production clusters"),
        ("chat.txt", 1, "priya", "writes failing everywhere, 401s between services"),
        ("chat.txt", 20, "priya", "eu-central-1: re-established the auth path, restarting services in order"),
        ("chat.txt", 64, "priya", "eu-central-1 fully recovered: writes accepted, queries return"),
        ("chat.txt", 66, "tomas", "us-east still down, same procedure there now"),
        ("ticket.txt", 70, None, "Agent sam (support), 2024-05-14 10:10 UTC: eu-central-1 recovered at 10:04 UTC, "
         "please confirm writes."),
        ("chat.txt", 91, "tomas", "us-east-1 back. two clusters left"),
        ("chat.txt", 103, "lena", "last cluster recovered. all clusters take writes and answer queries"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(103)


def test_a_gateway_logging_a_session_drop_starts_the_impact_before_the_page() -> None:
    """"gw-2 WARN session drop device=GO-58812 reason=keepalive_timeout" is a device losing its session: the impact
    starts there, thirteen minutes before the offline-rate page."""
    rows = [
        ("device-gateway.log", 0, None, "gw-2 WARN session drop device=GO-58812 reason=keepalive_timeout"),
        ("alerts.log", 13, None, "FIRING ChargerOfflineRateHigh: offline ratio 0.31 (threshold 0.05)"),
        ("device-gateway.log", 13, None, "gw-3 ERROR upstream CONNACK timeout endpoint=devicehub attempts=3"),
        ("chat.txt", 15, "ingrid", "ack, I'm on it"),
    ]
    assert at(analyse(lines(*rows)), "started") == minute(0)


def test_a_machine_line_telling_work_stalled_starts_the_impact_but_a_result_field_does_not() -> None:
    """"result-relay-7 WARN fetch stalled ... elapsed=120s" and "volume vol-3a1f io queue stalled (4200 ms)" tell
    work stuck: a failure, so the impact starts there, hours before the tickets; "probe=al2 result=stalled" is a
    field a probe fills, read with its neighbours, and "the change is stalled on review" tells no failure."""
    def sig(src: str, text: str) -> Signals:
        return classify(build_items(lines((src, 10, None if src.endswith(".log") else "kai", text)))[0])

    assert sig("relay.log", "result-relay-7 WARN fetch stalled query_id=01af elapsed=120s").failure
    assert sig("ebs.log", "ebsd[1903]: volume vol-3a1f io queue stalled (4200 ms)").failure
    assert not sig("probe.log", "probe=al2-us-east-1 image=python:3.8 result=stalled bytes=6M").failure
    assert not sig("chat.txt", "the config change stalled on review, merging tomorrow").failure
    rows = [
        ("relay.log", 0, None, "result-relay-7 WARN fetch stalled query_id=01af-93c2 elapsed=120s"),
        ("tickets.txt", 90, None, "#88102 Dashboards stuck loading for the whole finance team"),
        ("chat.txt", 93, "priya", "support just escalated two enterprise tickets, workbooks spin forever, no error"),
    ]
    assert at(analyse(lines(*rows)), "started") == minute(0)


def test_a_customer_deploy_held_up_is_the_symptom_not_the_trigger() -> None:
    """"Our production deploy has been waiting since 03:20 our time" (a customer's mail about a CI service) tells a
    deploy held up: the symptom, nothing reached production, so it is no change and no trigger; "deployed web 4.2 to
    prod" still is one."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("customer-mail.txt", 10, None, text)))[0])

    assert not sig("Our production deploy has been waiting since 03:20 our time.").change
    assert not sig("builds stuck in queued for 40 minutes, deploys are still pending").change
    assert sig("deployed web 4.2 to prod").change
    rows = [
        ("customer-mail.txt", 0, None, "Our production deploy has been waiting since 03:20 our time."),
        ("chat.txt", 20, "lena", "build queue is backing up, no free build machines in the pool"),
        ("chat.txt", 30, "lena", "switched to another instance type, builds starting"),
    ]
    assert at(analyse(lines(*rows)), "trigger") is None


def test_all_services_back_with_their_names_between_is_the_recovery() -> None:
    """"tests pass, all Cloud PBX core services back. closing the bridge" ends the outage, as "all services back"
    does, with up to three words naming the services between; "not all services back yet" and "all three secondary
    services disabled" do not."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("chat.txt", 10, "lerato", text)))[0])

    assert sig("tests pass, all Cloud PBX core services back. closing the bridge").recovery_full
    assert sig("all EU customer sites restored").recovery_full
    assert not sig("not all services back yet").recovery_full
    assert not sig("all three secondary services disabled").recovery_full
    rows = [
        ("alerts.log", 0, None, "FIRING CoreSwitchConfigChanged: running-config size 0 bytes on members 2-4"),
        ("chat.txt", 2, "thabo", "everything in the PBX cluster is down again"),
        ("chat.txt", 100, "werner", "core switching config restored on all members from backup"),
        ("chat.txt", 220, "thabo", "last PBX nodes fsck'd and restarted"),
        ("chat.txt", 240, "lerato", "tests pass, all Cloud PBX core services back. closing the bridge"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(240)


def test_call_volume_far_below_normal_is_the_failure_a_responder_notices() -> None:
    """"call volume on the Calgary graphs is way below a normal wednesday. anyone else seeing this." is a responder
    seeing users fail to get through: the detection, fifty minutes before a partner relays complaints; "traffic is
    a bit lower than usual" is no failure."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("noc-chat.txt", 10, "kyle", text)))[0])

    assert sig("call volume on the Calgary graphs is way below a normal wednesday. anyone else seeing this.").failure
    assert sig("checkout requests are far below what we see on a Monday").failure
    assert not sig("traffic is a bit lower than usual, holiday probably").failure
    rows = [
        ("softswitch.log", 0, None, "cgy-core01 sipd: REGISTER from 10.44.7.19:5061 transport=TLS timeout waiting for handshake"),
        ("noc-chat.txt", 1, "kyle", "call volume on the Calgary graphs is way below a normal wednesday. anyone else seeing this."),
        ("noc-chat.txt", 5, "marie", "rebooting the Calgary core"),
        ("partner-mail.txt", 52, None, "Subject: Law office phones dead - relaying complaints"),
    ]
    assert at(analyse(lines(*rows)), "detected") == minute(1)


def test_an_impact_window_from_an_hour_with_am_pm_gives_the_start() -> None:
    """"about 3,000 files did not process between 9am and 1:10pm" states the impact window: the start is 09:00, hours
    before the first report, though the window's first side is an hour with no minutes."""
    rows = [
        ("worker.log", 0, None, "winlogon: session svc_dropgo logged off (reason: unexpected)"),
        ("tickets.txt", 250, None, "several users report delays with file delivery"),
        ("chat.txt", 260, "ben", "the VM got logged out at 9, nothing processed since"),
        ("chat.txt", 250 + 20, "ben", "resynced the server, files processing again"),
        ("notes.md", 330, None, "impact: about 3,000 files did not process between 9am and 1:10pm"),
    ]
    assert at(analyse(lines(*rows)), "started") == minute(0)


def test_a_window_restated_in_brackets_in_another_zone_is_not_a_second_window() -> None:
    """"Incident outage: from 5:48 a.m. to 8:00 a.m. PT (6:48 a.m. to 11 a.m. ET)" tells one window twice, and the two
    disagree: the window told first gives the start (12:48 UTC), not the bracketed one's earlier 10:48."""
    from pmstudio.offline.milestones import stated_start

    item = build_items(evidence_lines(
        datetime(2023, 6, 8, 12, 48, tzinfo=UTC),
        ("status-page.txt", 0, None,
         "Incident outage: June 8th from 5:48 a.m. to 8:00 a.m. PT (6:48 a.m. to 11 a.m. ET), 2 hours and 12 minutes"),
    ))[0]
    assert stated_start(item) == datetime(2023, 6, 8, 12, 48, tzinfo=UTC)


def test_an_impact_window_ends_the_main_impact_before_the_backlog_is_worked_off() -> None:
    """Notes dated at the window's start state "files did not process between 9am and 1:10pm" and the pager closes with "Backlog caught up" an
    hour later: the window's end (13:10) is the mitigation, the backlog worked off is the resolution."""
    rows = [
        ("notes.md", 0, None, "impact: about 3,000 files did not process between 9am and 1:10pm"),
        ("tickets.txt", 250, None, "several users report delays with file delivery"),
        ("chat.txt", 255, "ben", "the VM got logged out and never came back"),
        ("chat.txt", 270, "ben", "resync started"),
        ("pagerduty", 332, None, "resolve_log_entry: Backlog caught up"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "started") == minute(0)
    assert at(a, "mitigated") == minute(250) and at(a, "resolved") == minute(332)


def test_a_support_reply_to_a_customer_is_telling_not_the_end() -> None:
    """"Support reply 15:10 -0700: jobs restored; please rotate the API key you pasted." tells the customer what the
    responders saw earlier: a communication, so the end is the responders' own "last jobs restored, 100% of service
    operational" fourteen minutes before it."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("customer-ticket.txt", 10, None, text)))[0])

    assert sig("Support reply 15:10 -0700: jobs restored; please rotate the API key you pasted.").phase == "communication"
    assert sig("Agent reply 2022-06-27 13:05 UTC: we are aware and working on it").comm
    rows = [
        ("engine.log", 0, None, "ERROR amqp reconnect failed: SSL_connect: certificate verify failed"),
        ("pagerduty", 1, None, "trigger_log_entry: CRITICAL create_cluster failure rate 100%"),
        ("chat.txt", 300, "nadia", "restarted the engines against the new chain, jobs flowing again"),
        ("chat.txt", 500, "nadia", "last jobs restored, 100% of service operational"),
        ("customer-ticket.txt", 514, None, "Support reply 15:10 -0700: jobs restored; please rotate the API key you pasted."),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(500)


def test_a_restart_told_by_its_target_then_parts_told_operational_is_the_mitigation() -> None:
    """"restarting api + processing engine" is a responder's act (as "restarting the api" is), and "job & cluster
    processing engines operational. new jobs start" tells them back: the mitigation, hours before the last jobs are
    restored. "the pod keeps restarting" is no act and "the NOC saw operational load increase" no recovery."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("chat.txt", 10, "yaron", text)))[0])

    assert sig("restarting api + processing engine").mitigation
    assert not sig("the pod keeps restarting").mitigation
    assert not sig("restarting constantly, crash loop").mitigation
    assert sig("job & cluster processing engines operational. new jobs start").recovery_full
    assert not sig("the NOC saw operational load increase on the platform").recovery_full
    rows = [
        ("engine.log", 0, None, "ERROR amqp reconnect failed: SSL_connect: certificate verify failed"),
        ("pagerduty", 1, None, "trigger_log_entry: CRITICAL create_cluster failure rate 100%"),
        ("chat.txt", 340, "nadia", "vendor published a backward-compatible chain"),
        ("chat.txt", 347, "yaron", "restarting api + processing engine"),
        ("chat.txt", 384, "yaron", "job & cluster processing engines operational. new jobs start"),
        ("chat.txt", 600, "nadia", "last jobs restored, 100% of service operational"),
    ]
    assert at(analyse(lines(*rows)), "mitigated") in (minute(347), minute(384))


def test_a_gateway_back_with_its_prefix_restored_is_a_thing_put_back_not_the_mitigation() -> None:
    """"ogw-03 status=ACTIVE ... (bespoke trunk prefix restored)" puts a configuration back, hours after the outage
    ended: taking the gateway out of service, with calls connecting again minutes later, is the mitigation."""
    def sig(text: str) -> Signals:
        return classify(build_items(lines(("gateway.log", 10, None, text)))[0])

    assert not sig("ogw-03 status=ACTIVE weight=25 config_rev=r219 (bespoke trunk prefix restored)").recovery_full
    rows = [
        ("support-chat.txt", 0, "hannah", "first complaint in - loads of failed calls this morning"),
        ("support-chat.txt", 22, "grace", "failure rate is all on ogw-03. the one we moved overnight"),
        ("fault-notes.md", 45, None, "gateway removed from service; the other gateways took the load -> symptoms resolved"),
        ("support-chat.txt", 52, "hannah", "clients confirm calls connecting again"),
        ("gateway.log", 159, None, "ogw-03 status=ACTIVE weight=25 config_rev=r219 (bespoke trunk prefix restored)"),
        ("support-chat.txt", 161, "grace", "first test calls through ogw-03 connect fine"),
    ]
    assert at(analyse(lines(*rows)), "mitigated") == minute(45)


def test_a_mail_telling_an_onset_a_little_after_an_hour_is_no_detection() -> None:
    """A customer's mail "Since a little after 8am our time one search in five fails" is dated by the onset it tells
    (8am): the responders learnt of it later, so the detection is their own "API customers getting failed search
    responses in bursts" five minutes on, not the onset the mail names."""
    from pmstudio.timeparse import onset_clocks

    assert onset_clocks("Since a little after 8am our time one search in five fails") == [("since", 8, 0)]
    assert onset_clocks("unreachable since 8:40 pm") == [("since", 20, 40)]
    rows = [
        ("customer-email.eml", 0, None, "Since a little after 8am our time one search in five fails."),
        ("platform-chat.txt", 5, "aileen", "API customers getting failed search responses in bursts. starting investigation"),
        ("platform-chat.txt", 40, "aileen", "restarted the dispatcher, results coming back"),
    ]
    evidence = lines(*rows)
    evidence[0] = evidence[0].model_copy(update={"written": "8am"})
    assert at(analyse(evidence), "detected") == minute(5)


def test_an_end_the_failure_came_back_after_is_no_resolution() -> None:
    """"RESOLVED search_api_error_ratio" at 13:45, then "and... recurrence. short burst of failures again" after the
    fix: the alert's clearing was no end; the resolution is the one told after the last relapse ("stable. marking
    resolved on status page")."""
    rows = [
        ("alerts.log", 0, None, "FIRING search_api_error_ratio{region='dublin'} 0.18 > 0.05"),
        ("platform-chat.txt", 1, "aileen", "API customers getting failed search responses in bursts"),
        ("platform-chat.txt", 35, "aileen", "restarted the dispatcher, results coming back"),
        ("alerts.log", 40, None, "RESOLVED search_api_error_ratio{region='dublin'}"),
        ("platform-chat.txt", 165, "callum", "fix deployed to reconfigure how tasks are delegated"),
        ("platform-chat.txt", 170, "aileen", "and... recurrence. short burst of failures again"),
        ("platform-chat.txt", 223, "aileen", "stable. marking resolved on status page, report to follow"),
    ]
    assert at(analyse(lines(*rows)), "resolved") == minute(223)


def test_a_recovery_told_in_the_minute_of_the_logged_mitigation_is_its_resolution() -> None:
    """A chat line is dated to the minute: "block applied. latency back to normal" at 10:35 is no earlier than the
    router's log of the block at 10:35:02, so it ends the incident then (nothing later tells another end)."""
    a = analyse(lines(
        ("chat.txt", 0, "liam", "latency on the core jumped, 300ms to google from the office"),
        ("pagerduty", 1, None, "trigger_log_entry: smokeping internet targets loss 7% latency 290ms"),
        ("chat.txt", 18, "priya", "it's a new attack vector. writing a filter"),
        ("chat.txt", 24, "priya", "vector identified, block applied. latency back to normal"),
        ("core-router.log", 24 + 2 / 60, None, "core1 %SEC-6-ACL: access-list DDOS-0903 applied inbound Te0/1/0"),
        ("chat.txt", 40, "liam", "sending the colo customer a note, their box was the target"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(24) + timedelta(seconds=2)
    assert at(a, "resolved") == minute(24)


@pytest.mark.parametrize(
    ("text", "failed"),
    [("there's a ransom note on one of the IT network systems", True), ("no, files are encrypted. spreading", True),
     ("host=fs02 alert=ransom_note_created name=README_LOCKED.txt", True),
     ("file shares on that segment are encrypted, extensions changed", True),
     ("tokens are now encrypted at rest", False), ("backups are encrypted with the new key", False)],
)  # fmt: skip
def test_ransomware_at_work_is_a_failure_and_data_kept_encrypted_is_none(text: str, failed: bool) -> None:
    assert bool(FAIL_STRONG.search(text)) is failed


def test_the_ransom_note_found_detects_a_ransomware_incident() -> None:
    a = analyse(lines(
        ("edr.log", 0, None, "fs-it-04 EDR ALERT mass file rename *.enc (42,110 files)"),
        ("edr.log", 13, None, "fs-it-04 EDR ALERT ransom note README.txt written to 311 shares"),
        ("chat.txt", 14, "travis", "there's a ransom note on one of the IT network systems. says they took our files"),
        ("chat.txt", 18, "travis", "file shares on that segment are encrypted, extensions changed"),
        ("chat.txt", 84, "kendra", "decision made: we shut down the entire pipeline to contain any risk"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(14)


@pytest.mark.parametrize(
    ("text", "back"),
    [("ground stop lifted, departures resuming", True), ("GROUND STOP CANCELLED AT 1350Z. DEPARTURES RESUMING.", True),
     ("mkt INFO NYSE primary listings trading resumed", True), ("worker facebook sends resumed", True),
     ("queue=indexer isolated; publishing resumed for archive", True),
     # every restriction put on the service lifted (Zerodha 2023 in dev: its resolution had been missing): back
     ("all restrictions on order placement removed", True), ("12:09 PM all restrictions removed.", True),
     ("restrictions removed for some users", False),
     ("we will be resuming trading tomorrow", False), ("all resumed builds completed", False),
     ("Microsoft resumed services", False)],
)  # fmt: skip
def test_work_resumed_or_a_halt_lifted_is_a_recovery(text: str, back: bool) -> None:
    assert (signals_of("chat.txt", text).recovery_full > 0) is back


def test_the_ground_stop_lifted_ends_the_incident_after_the_restore_is_validated() -> None:
    a = analyse(lines(
        ("notam.log", 0, None, "uns-db[primary] ERROR file not found: /u03/notamdb/data/ntm_master_07.dbf"),
        ("chat.txt", 1, "renee", "NOTAM system down, can't publish anything"),
        ("chat.txt", 630, "renee", "restore complete, validating data integrity now"),
        ("chat.txt", 673, "renee", "validation passed, NOTAMs publishing"),
        ("chat.txt", 682, "darnell", "ground stop lifted, departures resuming"),
        ("chat.txt", 940, "lisa", "FlightAware says 7,694 delays and 1,174 cancellations so far today"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(682)


@pytest.mark.parametrize(
    ("text", "failed"),
    [("Little Barford just dropped.", True), ("secondary just dropped too", True), ("whole campus just dropped", True),
     ("Hornsea output collapsing at the same time", True), ("frequency falling hard", True),
     ("load just dropped back on its own", False), ("prefix count on the IAD sessions just dropped on two sessions", False),
     ("write latency collapsing back to baseline", False), ("queue just dropped.", False)],
)  # fmt: skip
def test_a_thing_that_just_dropped_or_output_collapsing_failed_and_a_measure_dropping_did_not(text: str, failed: bool) -> None:
    assert bool(FAIL_STRONG.search(text)) is failed


def test_a_station_that_just_dropped_starts_the_impact_and_detects_it() -> None:
    a = analyse(lines(
        ("chat.txt", 0, "priya", "lightning on the Wymondley circuit, protection cleared it. normal stuff"),
        ("chat.txt", 0, "gareth", "Little Barford just dropped. and Hornsea output collapsing at the same time."),
        ("chat.txt", 1, "priya", "LFDD operated. DNOs shedding demand automatically"),
        ("chat.txt", 5, "priya", "frequency recovered, system back to a normal, stable state"),
        ("chat.txt", 6, "tomasz", "comms desk asking for a line. trains stuck at King's Cross, a hospital on backup"),
        ("chat.txt", 45, "tomasz", "DNOs report all customers restored"),
    ))  # fmt: skip
    assert at(a, "started") == at(a, "detected") == minute(0)


@pytest.mark.parametrize(
    ("text", "failed"),
    [("MAP (announcements platform) not loading either", True), ("website not loading for me", True),
     ("checkout isn't working", True), ('support has 4 chats already "dashboard won\'t load"', True),
     ("stack member 1 not responding", True), ("sync not working with Safari", True),
     ("monitoring e-mailed a single person who was not working", False),
     ("not opening an incident for a 30 min blip", False), ("their night crew touched our cable while not working on it", False),
     ("if it's not working after the restart we roll back", False)],
)  # fmt: skip
def test_a_thing_told_not_working_or_not_loading_failed(text: str, failed: bool) -> None:
    assert bool(FAIL_STRONG.search(text)) is failed


def test_users_telling_the_dashboard_wont_load_detect_it() -> None:
    a = analyse(lines(
        ("chat.txt", 0, "omar", "deploying the dashboard cache change"),
        ("chat.txt", 12, "lea", "dashboard blank for me. support has 4 chats already \"dashboard won't load\""),
        ("chat.txt", 40, "omar", "rolled back the cache change, dashboard loads again"),
    ))  # fmt: skip
    assert at(a, "detected") == minute(12)


def test_an_office_amenity_out_of_order_is_no_failure() -> None:
    """"coffee machine is broken again, so morale is great" at the shift's start is banter beside the incident: it
    neither starts nor detects anything, and a service failure in the same line after a comma still counts."""
    for body in ("day shift here. coffee machine is broken again, so morale is great",
                 "morning all. coffee machine on 3rd floor is dead again fyi"):  # fmt: skip
        assert not classify(build_items(lines(("ops-chat.txt", 0, "jo", body)))[0]).failure, body
    assert classify(build_items(lines(("ops-chat.txt", 0, "jo", "kettle broken, and the api is down")))[0]).failure
    rows = [
        ("ops-chat.txt", 0, "jo", "day shift here. coffee machine is broken again, so morale is great"),
        ("ops-chat.txt", 9, "jo", "checkout is failing for everyone"),
        ("ops-chat.txt", 30, "jo", "rolled back the release, checkout working again"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "detected") == minute(9)
    assert at(a, "started") == minute(9)


def test_a_bots_page_in_the_channel_dates_the_start_itself_not_the_deploy_before_it() -> None:
    """"PAGE production-error-rate above threshold" posted by the channel's bot is a machine's record of the moment,
    as an alert's is: the impact starts there, not at an unrelated deploy nine minutes before (a person telling a
    failure may tell it late, a bot does not)."""
    rows = [
        ("deploy-log.txt", 0, None, 'deploy sha=a02fe19 "checkout: log field rename" by shipit'),
        ("incident-chat.txt", 9, "bot", "PAGE production-error-rate above threshold (storefront, checkout)"),
        ("incident-chat.txt", 11, "marc", "ack. availability dipping. all on-call to the bridge please"),
        ("incident-chat.txt", 60, "marc", "rolled back, availability back to normal"),
    ]
    a = analyse(lines(*rows))
    assert at(a, "started") == minute(9)
    assert at(a, "detected") == minute(9)


def test_a_thing_told_stable_is_back() -> None:
    """"store 4 finally stable overnight", "email features are now stable", "working reliably": the state the impact
    ends in, a recovery; a hedge ("stable for now"), a negation or a reading ("temps stable at 41C") is not one."""
    for text, back in (("store 4 finally stable overnight, all five mail stores working reliably", True),
                       ("email features are now stable.", True), ("S3 has been stable since 19:30 UTC", True),
                       ("things are stable for now; still watching", False),
                       ("the cluster is not stable", False), ("failover isn't working reliably", False),
                       ("temps stable at 41C", False)):  # fmt: skip
        assert (signals_of("chat.txt", text).recovery_full > 0) is back, text
    a = analyse(lines(
        ("chat.txt", 0, "olu", "student webmail throwing mailbox corrupt on store 3 and 4"),
        ("chat.txt", 40, "olu", "repairing the stores in place"),
        ("chat.txt", 300, "olu", "store 4 finally stable, all five mail stores working reliably"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(300)


def test_a_start_time_label_in_the_notes_starts_the_impact() -> None:
    """A post-mortem template's "Start Time: 19 Oct 2025, 14:30 CEST" (or "Start Date: ...") labels the impact's first
    moment as "Start: ..." does: the impact starts there, not at the first 404 four minutes on; "start time unknown" is
    no label."""
    rows = [
        ("postmortem-draft.md", 0, None, "Start Time: 19 Oct 2025, 14:30 CEST"),
        ("migration-job.log", 4, None, "cdn GET /img/ab/9f1e.png 404 origin=new-images"),
        ("slack.json", 35, "sarah", "CSM relaying: a customer's new campaign images show broken in the editor"),
        ("slack.json", 600, "leo", "fallback rule on all image paths. full access to all images restored"),
    ]
    assert at(analyse(lines(*rows)), "started") == minute(0)
    for text, label in (("Start Time: 19 Oct 2025, 14:30 CEST", True), ("Start Date: Thursday, 13th of September 2018", True),
                        ("start time unknown, best guess below", False)):  # fmt: skip
        assert signals_of("notes.md", text).explicit_start is label, text


def test_none_of_a_pool_healthy_is_nothing_back() -> None:
    """"0/12 backends healthy" or "0 of 36 targets healthy" counts a pool with nothing in service: no recovery, whatever
    its state word says (Internet Archive 2024 in dev: its load balancer's 0/12 line was read as the service back and
    ended the outage the moment it began); "12/12 backends healthy" is the pool back."""
    for text, back in (("lb-01 health web.archive.org 0/12 backends healthy", False),
                       ("0 of 36 apicdn targets healthy", False),
                       ("lb-01 health web.archive.org 12/12 backends healthy", True)):  # fmt: skip
        assert (signals_of("web-edge.log", text).recovery_full > 0) is back, text
    a = analyse(lines(
        ("chat.txt", 0, "kenji", "site is effectively down for users. wayback not loading at all"),
        ("web-edge.log", 1, None, "lb-01 health web.archive.org 0/12 backends healthy"),
        ("chat.txt", 30, "kenji", "taking the site offline to scrub and rebuild"),
        ("web-edge.log", 600, None, "lb-01 health web.archive.org 12/12 backends healthy"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(600)


def test_learning_of_it_is_the_detection() -> None:
    """"Learned of the breach 9 March ~18:00 UTC (press inquiry)" in the notes tells when the responders found out, as
    "became aware" does (Verkada 2021, read off r101: an intrusion with no failure line had no detection at all);
    "what we learned about retry budgets" is a lesson."""
    assert signals_of("notes.md", "Learned of the breach 9 March ~18:00 UTC (press inquiry).").detect
    assert signals_of("notes.md", "We learned of it around 4:40pm GMT on Friday, December 30.").detect
    assert not signals_of("notes.md", "what we learned about retry budgets").detect


def test_a_monitor_flagging_it_is_the_detection() -> None:
    """"EDR flagging mass file renames on the file servers" relays a monitor's finding: the detection (Travelex 2019,
    read off r101: its detection had been a statement two days later); a person "flagging it for the follow-up" or
    something "flagged as spam" detects nothing."""
    assert signals_of("chat.txt", "EDR flagging mass file renames on the file servers, extension looks random").detect
    assert signals_of("notes.md", "Thu 03.17.16: alerting flagged replication on one DB").detect
    assert not signals_of("chat.txt", "that's not supposed to happen with multi-AZ. flagging for the follow-up").detect
    assert not signals_of("chat.txt", "canary flagged it as unsafe").detect
    a = analyse(lines(
        ("chat.txt", 0, "callum", "EDR flagging mass file renames on the file servers, extension looks random"),
        ("chat.txt", 10, "callum", "backup job doesn't leave ransom notes. there's a readme with a payment site on every share"),
        ("chat.txt", 17, "hannah", "ok it's a virus. decision from the exec on call: take everything offline"),
        ("notes.md", 2900, None, "Travelex says it discovered a software virus on New Year's Eve"),
    ))  # fmt: skip
    assert at(a, "detected") <= minute(10)  # found that night (no earlier than the impact it found), not two days on


def test_an_incident_told_over_or_checks_green_again_is_back() -> None:
    """"hijack over", "the incident is over", "checks from AMS and LHR green again": the impact ended; a negation or
    one user's "green again here" tells no end of the incident."""
    for text, back in (("AS3491 withdraws all prefixes originated by AS17557; hijack over.", True),
                       ("Issuance has been restored. The incident is over.", True),
                       ("checks from AMS and LHR green again. NYC green.", True),
                       ("the attack is not over", False),
                       ("builds not green again yet", False), ("user mkr: green again here, thanks", False)):  # fmt: skip
        assert (signals_of("chat.txt", text).recovery_full > 0) is back, text
    a = analyse(lines(
        ("bgp.log", 0, None, "probe ams www.example.com tcp/80 TIMEOUT"),
        ("chat.txt", 3, "ravi", "checks failing from AMS, LHR, NYC"),
        ("chat.txt", 80, "ravi", "announced our /25s"),
        ("notes.md", 130, None, "upstream withdraws the leaked prefix; hijack over."),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(130)


def test_all_of_a_pool_in_service_is_back() -> None:
    """"db03 rejoined. cluster healthy, 3/3 synced", "18/18 healthy", "41/41 Ready": the whole pool serves again, a
    recovery (the opposite of "0/12 backends healthy"); part of one ("2/3 synced") is not."""
    for text, back in (("db03 rejoined. cluster healthy, 3/3 synced", True),
                       ("be-node-11 INFO rejoined cluster after health checks; 18/18 healthy", True),
                       ("kube node status: 41/41 Ready", True), ("2/3 synced, db03 still in state transfer", False),
                       ("lb-01 health 0/12 backends healthy", False)):  # fmt: skip
        assert (signals_of("chat.txt", text).recovery_full > 0) is back, text
    a = analyse(lines(
        ("chat.txt", 0, "fern", "still throwing 502/503s, db02 and db03 left the cluster"),
        ("chat.txt", 60, "corvid", "Archive going into maintenance mode so a server can rejoin faster"),
        ("chat.txt", 400, "corvid", "db02 rejoined and synced. taking the Archive out of maintenance mode"),
        ("chat.txt", 900, "corvid", "db03 rejoined. cluster healthy, 3/3 synced"),
    ))  # fmt: skip
    assert at(a, "resolved") == minute(900)


def test_a_trouble_told_as_going_on_all_week_is_no_start_of_the_incident() -> None:
    """"still getting tickets about packet loss on agg-14. same as all week", "that box has been flaky all week",
    "third time this week": a standing condition before the incident, not its symptom; the outage starts at the first
    failure after the change (the monitor's CRITICAL)."""
    for text, chronic in (("still getting tickets from a few boxes on agg-14 with packet loss. same as all week", True),
                          ("app servers doing the weird load thing again. third time this week", True),
                          ("their api has been flaky all week", True),
                          ("every VPS and dedicated gateway just went dark", False)):  # fmt: skip
        s = signals_of("chat.txt", text)
        assert (not s.failure and s.failure_weak) is chronic, text
    a = analyse(lines(
        ("chat.txt", 0, "wes", "still getting tickets from the shared boxes on agg-14 with packet loss. same as all week"),
        ("chat.txt", 9, "wes", "CHG-5531 approved this morning, applying the filter on core1 now"),
        ("chat.txt", 29, "nagios", "CRITICAL gw-vlan210 unreachable; CRITICAL gw-vlan211 unreachable; 412 more"),
        ("chat.txt", 30, "jana", "every VPS and dedicated gateway just went dark"),
    ))  # fmt: skip
    assert at(a, "started") == minute(29)


def test_delayed_work_told_caught_up_is_the_end_of_a_delay() -> None:
    """"all agents caught up": the delayed work done, the end of the delay's impact (mindtickle, jobvite); work still to
    catch up, a part of it, or a talk with someone caught up is no recovery."""
    assert signals_of("chat.txt", "all agents caught up, timestamps current for every tenant").recovery_full
    assert signals_of("chat.txt", "caught up. all events processed, analytics current").recovery_full
    for line in (
        "replicas haven't caught up yet",
        "mostly caught up with the demand, working through queued builds",
        "caught up with the vendor, they say it's fine on their side",
        "once the replicas have caught up we switch traffic back",
    ):
        assert not signals_of("chat.txt", line).recovery_full, line
    a = analyse(lines(
        ("alerts.txt", 0, None, "FIRING: no successful production agent runs for 15m"),
        ("chat.txt", 10, "marisol", "syncs are stuck, tenants' imports are hours behind"),
        ("chat.txt", 200, "kwame", "non-essential development agents disabled"),
        ("chat.txt", 210, "kwame", "imports and exports draining, everything is just late"),
        ("chat.txt", 420, "marisol", "all agents caught up, timestamps current for every tenant"),
    ))  # fmt: skip
    assert at(a, "mitigated") == minute(200)
    assert at(a, "resolved") == minute(420)
