"""Contributing factors of the offline drafter (issue 11): a mechanism stated as a plain fact is a cause ("the
endpoint had no rate limit", "telemetry relied on the cluster", "nothing alerted on the NS records"); a remark, an
exclamation, a time span or a late blog post is not; titles read as the description does. Each on a small
hand-written bundle in the shapes incident material takes (chat, responders' notes, logs)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from pmstudio.agents.messages import EvidenceLine
from pmstudio.offline.analysis import analyse
from pmstudio.offline.causes import draft_root_cause, short_title
from pmstudio.offline.classify import STATED_MECHANISM
from pmstudio.offline.phrasing import past_tense

T0 = datetime(2025, 2, 11, 9, 0, tzinfo=UTC)


def causes(*rows: tuple[str, float | None, str | None, str]) -> tuple[str, list[dict[str, object]]]:
    """(material, minutes after T0 or None, actor, text) -> (primary root cause, contributing factors)."""
    counters: dict[str, int] = {}
    out = []
    for material, minute, actor, text in rows:
        counters[material] = counters.get(material, 0) + 1
        at = None if minute is None else T0 + timedelta(minutes=minute)
        out.append(EvidenceLine(id=f"{material}:{counters[material]}", at=at, actor=actor, text=text))
    rc = draft_root_cause(analyse(out))
    return str(rc["primary_root_cause"]["text"]), list(rc["contributing_factors"])


def _text(factors: list[dict[str, object]]) -> str:
    return " ".join(f"{f['title']}. {f['description']}" for f in factors)


def test_mechanisms_stated_as_plain_facts_are_causes() -> None:
    for text in (
        "the upload endpoint had no rate limit",
        "billing relied on the session store for every request",
        "nothing alerted on the queue depth",
        "the scheduler's clock was not monotonic",
        "the parser exception isn't handled",
        "there was no commit-confirm on the router pushes",
        "there's no circuit breaker between the two services",
        "nothing keeps one maintenance event inside one location",
        "the jobs are set to stop whenever a maintenance event touches their cluster",
        "no rate limit configured on the partner API",
        "the code path had been dormant since the March release",
        "a 24-hour grace period hid the quota drop until Monday",
        "the data plane fails static for a few minutes, then withdraws its routes",
        "our debugging tools ride on the same backbone as customer traffic",
        "the rotation job reported Success, but the load balancer kept the old cert",
    ):
        assert STATED_MECHANISM.search(text), text
    for text in (
        "there was no impact on reads",
        "we had no idea",
        "the queue is not empty",
        "no errors since 10:40",
        "replication delay growing near peak traffic",
        "the job output said Success, there was nothing to check",
        "RDS and ElastiCache run on the same EC2 hosts",
    ):
        assert not STATED_MECHANISM.search(text), text


def test_a_draft_whose_causes_have_no_causal_word_still_lists_them() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING UploadLatencyHigh p99=14s"),
        ("chat.txt", 3, "mei", "uploads are timing out for everyone"),
        ("chat.txt", 20, "mei", "one client sent 40k uploads in ten minutes. the upload endpoint had no rate limit"),
        ("chat.txt", 25, "tom", "and the workers relied on a single shared queue, so every tenant waited behind it"),
        ("chat.txt", 30, "tom", "nothing alerted on the queue depth, we only saw the latency"),
        ("chat.txt", 60, "mei", "blocked the client, latency back to normal"),
    )
    assert root != "Not stated in the materials."
    text = root + " " + _text(factors)
    assert "rate limit" in text and "single shared queue" in text and "queue depth" in text
    assert len(factors) >= 2


def test_a_remark_an_exclamation_or_a_time_span_is_no_factor() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING ApiErrors 5xx=38%"),
        ("chat.txt", 10, "ann", "the failover left both replicas as primary because the fencing script timed out"),
        ("chat.txt", 11, "bo", "that's not supposed to happen with a fenced pair"),
        ("chat.txt", 15, "ann", "found it. the fencing script waits 5s but the switch takes 12s, so it gives up"),
        ("chat.txt", 40, "bo", "about 30 minutes to fix, longer for the reporting jobs because of the backlog"),
        ("chat.txt", 50, "ann", "the retry loop in the fencing script has no upper bound"),
    )
    text = root + " " + _text(factors)
    assert "not supposed to" not in text
    assert "Found it" not in text and "the switch took 12s" in text
    assert "30 minutes" not in text
    assert "no upper bound" in text


def test_a_late_blog_post_is_part_of_telling_users_but_saying_nothing_is_a_factor() -> None:
    _, factors = causes(
        ("alerts.log", 0, None, "FIRING CheckoutDown"),
        ("chat.txt", 30, "ivo", "root cause: the token cache evicted every entry at once because its TTL was one fixed value"),
        ("chat.txt", 90, "ivo", "blog post is live. it was late because the blog is hosted on the same cluster"),
        ("chat.txt", 95, "kai", "we said nothing to users the whole time"),
        ("chat.txt", 96, "kai", "and the cache refresh depended on the payment gateway being up"),
    )
    text = _text(factors)
    assert "blog" not in text.lower()
    assert "said nothing to users the whole time" in text  # not "the whole timed"
    assert any(f["title"] == "Gap in communication with users" for f in factors)


def test_a_factor_title_is_a_clause_that_names_something_told_as_the_description() -> None:
    assert short_title("1. pg_dump: silently failing since the version upgrade") == "Silently failing since the version upgrade"
    assert short_title("It was. The worker pool had no spare capacity left") == "The worker pool had no spare capacity left"
    _, factors = causes(
        ("alerts.log", 0, None, "FIRING LoginErrors"),
        ("chat.txt", 5, "lu", "logins fail because the signing key rotated without the verifiers"),
        ("notes.md", None, None, "Why it lasted"),
        ("notes.md", None, None, "- the verifier fleet holds its keys in memory and never reloads them"),
        ("notes.md", None, None, "- the runbook has no step for a key rotation"),
    )
    titles = [str(f["title"]) for f in factors]
    assert titles and not any(" holds " in t or " has " in t for t in titles)  # titles read in the past, as descriptions do


def test_a_past_verb_is_kept_and_a_base_form_after_every_or_whole_is_a_noun() -> None:
    assert past_tense("we said nothing to users the whole time") == "we said nothing to users the whole time"
    assert past_tense("ranking leaks an fd every time a term is missing") == "ranking leaks an fd every time a term was missing"
    assert past_tense("builds fail every night") == "builds failed every night"


def test_a_capability_gap_is_a_cause_a_recovery_and_a_silence_to_users_are_not_the_root() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING ReplicaReadErrors"),
        ("chat.txt", 20, "eda", "root cause: the compaction job dropped live rows because the index on events pointed at stale entries"),
        ("chat.txt", 30, "eda", "ran the integrity checker on it: clean. it can't see this kind of index damage"),
        ("chat.txt", 35, "fox", "we never posted a single update for users during this"),
        ("pager.json", 60, "fox", "annotate_log_entry: site up again after rebuilding the index and restarting the job"),
    )
    assert "compaction job" in root
    text = _text(factors)
    assert "could not see this kind of index damage" in text
    assert "never posted" in text and "site up again" not in text.lower()


def test_a_passive_never_tested_is_no_blame_and_a_clause_blaming_once_told_is_left_out() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING DownloadErrors"),
        ("notes.md", None, None, "What made it worse"),
        ("notes.md", None, None, "- the new tests used a prefix unlike production, so the production path was never tested"),
        ("chat.txt", 40, "gus", "I got paged as the backup but I have no access to that box, and I don't know its internals"),
    )
    text = root + " " + _text(factors)
    assert "was never tested" in text
    assert "no access to that box" in text and "internals" not in text


def test_a_root_cause_and_trigger_are_stated_as_facts_without_speech_or_status_labels() -> None:
    rows = [
        ("ops.txt", -30, "oma", "provider's ticket flipped to completed: nameservers updated. hm, that's not the wording I expected"),
        ("ops.txt", 0, "tess", "customers say the app doesn't resolve, SERVFAIL everywhere"),
        ("status.txt", 2000, None, "Postmortem - Summary root cause analysis: the provider changed the domain's nameservers instead of the records we asked for."),
        ("ops.txt", 90, "oma", "no alert fired for any of this, we only saw it because customers told us"),
        ("ops.txt", 95, "ruth", "the registrar change on the same day sent us down the wrong path"),
    ]
    counters: dict[str, int] = {}
    out = []
    for material, minute, actor, text in rows:
        counters[material] = counters.get(material, 0) + 1
        out.append(EvidenceLine(id=f"{material}:{counters[material]}", at=T0 + timedelta(minutes=minute), actor=actor, text=text))
    rc = draft_root_cause(analyse(out))
    trigger, root = str(rc["trigger"]["text"]), str(rc["primary_root_cause"]["text"])
    assert trigger.startswith("Provider's ticket flipped to completed") and "wording" not in trigger
    assert not trigger.startswith("The incident")
    assert root == "The provider changed the domain's nameservers instead of the records we asked for."
    descriptions = " ".join(str(f["description"]) for f in rc["contributing_factors"])
    assert "No alert fired" in descriptions and "wrong path" in descriptions  # a detection gap or a detour is no root


def test_a_bug_or_contention_stated_plainly_is_a_cause_and_a_progress_report_is_not() -> None:
    assert STATED_MECHANISM.search("the valid config hits a bug in the proxy that shipped last month")
    assert STATED_MECHANISM.search("huge contention on one lock in the write path")
    _, factors = causes(
        ("alerts.log", 0, None, "FIRING WriteLatencyHigh"),
        ("chat.txt", 10, "ren", "root cause: the new index build holds the table lock because it runs in one transaction"),
        ("chat.txt", 30, "ren", "profiling phase done, bigger boxes didn't help. moving to root cause: lock graphs next"),
        ("notes.md", None, None, "Hypotheses tried"),
        ("notes.md", None, None, "3. write path: contention on a single lock in the queue writer. THIS ONE."),
    )
    text = _text(factors)
    assert "contention on a single lock in the queue writer" in text and "THIS ONE" not in text
    assert "phase done" not in text and "help" not in text


def test_a_count_before_a_noun_keeps_it_a_noun() -> None:
    assert past_tense("it picks one name and checks it N times") == "it picked one name and checked it N times"
    assert past_tense("the job retries 3 times") == "the job retried 3 times"


def test_down_after_an_opening_participle_is_a_particle() -> None:
    assert past_tense("suspending migrations and shutting some nodes down") == "suspending migrations and shutting some nodes down"
    assert past_tense("the api nodes down since 10:40") == "the api nodes were down since 10:40"


def test_a_category_names_the_mechanism_not_a_word_used_otherwise() -> None:
    from pmstudio.offline.causes import category

    assert category("the backup contact had no production access") != "Data integrity"
    assert category("page went to the backup (the on-call engineer), who had no access") != "Data integrity"
    assert category("the on-call engineer got paged as the backup but had no access to that box") != "Data integrity"
    assert category("github was throttling our index pushes") != "Data integrity"
    assert category("one cluster carries discovery, KV, Nomad and Vault") != "Credential handling"
    assert category("the index on events pointed at the wrong heap tuples") == "Data integrity"
    assert category("personal tokens in shared 1Password vaults") == "Credential handling"
    assert category("OOM killer took the indexer at 4:45, heap had been creeping up for days") == "Resource limit"


def test_what_users_saw_is_no_factor_and_a_maintenance_start_is_the_trigger() -> None:
    evidence = [
        EvidenceLine(id="chat.txt:1", at=T0, actor="sofia", text="maintenance automation started on schedule"),
        EvidenceLine(id="alerts.log:1", at=T0 + timedelta(minutes=2), actor=None, text="FIRING BackbonePacketLoss: loss high"),
        EvidenceLine(id="chat.txt:2", at=T0 + timedelta(minutes=3), actor="ravi", text="packet loss everywhere, the API was down too"),
        EvidenceLine(id="chat.txt:3", at=T0 + timedelta(minutes=40), actor="nadia",
                     text="root cause identified: the automation descheduled the control plane in every site. halting the automation now"),
        EvidenceLine(id="notes.md:1", at=None, actor=None, text="What happened"),
        EvidenceLine(id="notes.md:2", at=None, actor=None, text="User impact from 09:02. Packet loss for 3 h depending on the region."),
        EvidenceLine(id="notes.md:4", at=None, actor=None, text="What hurt"),
        EvidenceLine(id="notes.md:5", at=None, actor=None, text="Debugging tools competed for the same congested network."),
        EvidenceLine(id="notes.md:6", at=None, actor=None, text="The control plane jobs: configured to stop for a maintenance event."),
    ]
    rc = draft_root_cause(analyse(evidence))
    factors = " ".join(f"{f['title']}. {f['description']}" for f in rc["contributing_factors"])
    assert "maintenance automation started" in rc["trigger"]["text"].lower()
    assert "descheduled the control plane" in rc["primary_root_cause"]["text"]
    assert "halting" not in rc["primary_root_cause"]["text"].lower()  # an action under way is no cause
    assert "Debugging tools competed" in factors and "configured to stop" in factors
    assert "User impact" not in factors and "Packet loss" not in factors and "down too" not in factors


def test_a_background_line_is_a_condition_the_causes_rest_on_not_the_root_cause() -> None:
    root, factors = causes(
        ("notes.md", None, None, "Background: we reuse domain validations for 30 days, so the check has to be redone within 8 hours"),
        ("chat.txt", 0, "nadia", "a customer reports certificates issued without the recheck"),
        ("chat.txt", 30, "nadia", "found it: the bug is that the loop rechecks one name N times because it reuses the pointer"),
    )
    assert "loop rechecks one name" in root
    assert "reuse domain validations for 30 days" in _text(factors)


def test_a_partner_not_notified_is_no_gap_in_communication_with_users() -> None:
    from pmstudio.offline.causes import category

    assert category("We said nothing to users the whole time.") == "Gap in communication with users"
    assert category("Customers were never told about the delay.") == "Gap in communication with users"
    assert category("Two downstream projects were not notified until later.") != "Gap in communication with users"


def test_constraints_windows_and_prolonging_conditions_are_causes_and_a_fix_or_paging_delay_is_not_the_root() -> None:
    for text in (
        "Infra built for new features was never revisited once deployed.",
        "EKS does not let you add availability zones to an existing cluster",
        "Pre-announce then patch gave attackers a window before enough nodes upgraded",
        "the monitoring agents call the same auth library and block too",
        "kill() was left over from the wallet code the library was copied from",
        "the constructor fix was merged but not deployed",
        "that explains the slow uploads, every one of them is an index commit",
    ):
        assert STATED_MECHANISM.search(text), text
    for text in ("the job never finished", "they run on the same EC2 hosts", "load above paging threshold on dc-b"):
        assert not STATED_MECHANISM.search(text), text
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING BootTimeouts: hosts failing to boot"),
        ("chat.txt", 5, "lee", "the page went to the old rota, nobody answered for 20 minutes"),
        ("chat.txt", 30, "kim", "root cause: the boot server ran out of workers because every host retried at once"),
        ("chat.txt", 35, "kim", "Raising the boot server's worker limit to 64"),
        ("chat.txt", 50, "lee", "backups live in remote blob storage, multiple TB to pull, this takes hours"),
    )
    text = _text(factors)
    assert "ran out of workers" in root and "old rota" not in root
    assert "Raising" not in text and "worker limit to 64" not in text  # the fix, not a cause
    assert "takes hours" in text or "took hours" in text


def test_a_fix_that_was_never_shipped_is_a_factor_not_the_root_cause() -> None:
    root, factors = causes(
        ("chat.txt", 0, "ana", "all wallets frozen, the shared library contract is gone"),
        ("notes.md", None, None, "An earlier suggestion to initialise the library was merged but not deployed."),
        ("notes.md", None, None, "The library itself was never initialised: it had no owners, so anyone could claim it."),
    )
    assert "never initialised" in root
    assert "merged but not deployed" in _text(factors)


def test_a_line_naming_the_trigger_fills_the_trigger_and_a_trailing_revert_is_no_part_of_the_root_cause() -> None:
    evidence = [
        EvidenceLine(id="alerts.log:1", at=T0, actor=None, text="FIRING EdgeCrashes: 85% of edge nodes returning 503"),
        EvidenceLine(id="notes.md:1", at=T0 + timedelta(minutes=40), actor=None,
                     text="customer service config identified as the trigger (valid config, hits the bug)"),
        EvidenceLine(id="pager.json:1", at=T0 + timedelta(minutes=45), actor="oli",
                     text="annotate_log_entry: Root cause found: policy terms re-ordered on the spines; reverting"),
    ]
    rc = draft_root_cause(analyse(evidence))
    assert "identified as the trigger" in rc["trigger"]["text"]
    assert "policy terms re-ordered on the spines" in rc["primary_root_cause"]["text"].lower()
    assert "revert" not in rc["primary_root_cause"]["text"].lower()


def test_how_far_the_impact_reached_is_no_factor() -> None:
    _, factors = causes(
        ("alerts.log", 0, None, "FIRING ColoUnreachable: 19 sites unreachable"),
        ("chat.txt", 5, "tariq", "it's all 19 sites at once across different transits. that's us, not them"),
        ("chat.txt", 20, "oli", "root cause: the diff moved the accept terms below the reject term, so prefixes got withdrawn"),
        ("chat.txt", 30, "hana", "three people reviewed that diff and nobody saw the terms move"),
    )
    text = _text(factors)
    assert "nobody saw the terms move" in text
    assert "19 sites" not in text


def test_data_nobody_removes_is_missing_cleanup_and_a_staging_folder_is_no_test_environment() -> None:
    from pmstudio.offline.causes import category

    told = "local staging folder for rendered files. Never cleaned up. There was purge code; it was never configured for it"
    assert category(told) == "Missing cleanup"
    assert category("the upload staging area filled the volume") != "Gap in pre-production testing"
    assert category("the change was never tried in staging") == "Gap in pre-production testing"


def test_a_culprit_line_naming_purge_code_is_no_mitigation() -> None:
    evidence = [
        EvidenceLine(id="notes.md:1", at=T0, actor=None, text="builds start failing, no space left on the build server"),
        EvidenceLine(id="notes.md:2", at=T0 + timedelta(minutes=60), actor=None,
                     text="culprit: local staging folder for rendered files. Never cleaned up. "
                          "There is purge code for temp folders; it was never configured for this one."),
        EvidenceLine(id="notes.md:3", at=T0 + timedelta(minutes=66), actor=None, text="web server restarted"),
    ]
    a = analyse(evidence)
    phases = {item.id: sig.phase for item, sig in zip(a.items, a.signals, strict=True)}
    assert phases["notes.md:2"] != "mitigation" and phases["notes.md:3"] == "mitigation"
    assert a.milestones.mitigated is not None and a.milestones.mitigated.id == "notes.md:3"


def test_latent_conditions_told_without_causal_words_are_mechanisms() -> None:
    for text in (
        "Kafka and ClickHouse instances that lived only in PDX-04",
        "drills removed the other two sites and part of this one, never the whole facility",
        "a cold start of a whole core facility had never been done",
        "first time we've ever cold-started the building",
        "the service health dashboard sits behind Azure AD sign-in",
        "Microsoft 365 services cache the keys document for hours",
        "the UPS batteries, rated for about ten minutes, started failing after four",
        "the site switched to generators and we were not told",
        "none of our observability saw the power source change",
        "ticketing and half the internal tools ride the same network",
        "the restart plus the extra load left too few healthy routers",
        "capacity was too small to absorb the restart",
        "it needed a manual step on the registrar's side",
        "load on the routers has been creeping up since 4am",
        "the routers were stuck in a cascading failure",
    ):
        assert STATED_MECHANISM.search(text), text
    for text in (
        "we only restarted the one host",
        "the first time we saw the error was 10:02",
        "they ran on the same EC2 hosts",
        "we have enough capacity for the sale",
        "the cache hit rate is back to 98%",
        "we were told at 10:05 that the link was back",
    ):
        assert not STATED_MECHANISM.search(text), text


def test_a_status_post_mortem_states_causes_but_a_customer_comment_and_the_impact_scope_do_not() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING SignInFailures scope=global"),
        ("status.txt", 5, None, "Investigating - Users may be unable to sign in to several services."),
        ("chat.txt", 40, "ana", "root cause: the key cleanup removed a key that was marked retain"),
        ("status.txt", 300, None, "Mitigated - Between 09:00 and 14:00 customers may have seen errors signing in to apps that depend on the identity service."),
        ("status.txt", 301, None, "Update - The deployment system protected key additions but had no safeguard for key removal, so errors reached every region at once."),
        ("status.txt", 302, None, "Update - Several services cache the key list for hours and kept failing after the fix."),
        ("status.txt", 330, None, "Customer comment - our whole company was down all afternoon because the portal needs a login"),
    )
    assert "retain" in root
    text = _text(factors)
    assert "no safeguard for key removal" in text
    assert "cache the key list for hours" in text or "cached the key list for hours" in text
    assert "customers may have seen" not in text
    assert "whole company" not in text


def test_a_plan_after_the_cause_and_a_turn_to_root_cause_work_are_no_cause() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING RoutersDown count=40"),
        ("chat.txt", 30, "raj", "root cause is the route flood from the peer. plan: restore the filters before rebooting"),
        ("chat.txt", 35, "lee", "the routers that dropped shut their sessions when a safety limit was exceeded"),
        ("chat.txt", 300, "raj", "network restored. moving the team to root cause and to stopping a repeat"),
    )
    assert "route flood" in root and "plan" not in root.lower() and "restore the filters" not in root
    assert "moving the team" not in (root + _text(factors)).lower()


def test_a_fact_before_an_otherwise_would_have_stays_and_the_hindsight_goes() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING SiteLocalPrefixesWithdrawn sites=19"),
        ("chat.txt", 20, "oli", "root cause: the policy terms were re-ordered below the reject term on the spines"),
        ("chat.txt", 80, "geo", "there was no commit-confirm on these pushes, otherwise this would have rolled itself back"),
        ("chat.txt", 81, "tam", "someone should have caught it, otherwise we would have been fine"),
    )
    text = root + " " + _text(factors)
    assert "no commit-confirm on these pushes" in text
    assert "would have" not in text and "should have" not in text


def test_what_went_wrong_lists_causes_and_a_missing_safeguard_is_told_without_hindsight() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING ApiErrors 5xx=38%"),
        ("chat.txt", 30, "ann", "rolled back the config push, errors dropping"),
        ("notes.md", None, None, "## What went wrong"),
        ("notes.md", None, None, "- The deploy tool restarted every host at once; nothing limited the batch size."),
        ("notes.md", None, None, "- The feature flag code had been sitting unused since March."),
        ("status.txt", 300, None, "Postmortem - A protection that would have stopped the change reaching every region did not exist for this configuration type."),
        ("status.txt", 301, None, "Postmortem - The failing code path had been unused for eight months and was reached for the first time by the new flag."),
        ("status.txt", 302, None, "Postmortem - Our monitoring ran on the same cluster and became unavailable at the same time."),
    )
    text = root + " " + _text(factors)
    assert "nothing limited the batch size" in text and "unused since March" in text
    assert "A protection to stop the change reaching every region did not exist" in text and "would have" not in text
    assert "unused for eight months" in text
    assert "became unavailable" in text and "became was" not in text


def test_went_wrong_lines_stay_lessons_too() -> None:
    from pmstudio.offline.lessons import draft_lessons

    rows = [
        ("alerts.log", 0, None, "FIRING ApiErrors 5xx=38%"),
        ("notes.md", None, None, "## What went wrong"),
        ("notes.md", None, None, "- The deploy tool restarted every host at once; nothing limited the batch size."),
    ]
    root, factors = causes(*rows)
    assert "batch size" in root + _text(factors)
    counters: dict[str, int] = {}
    lines = []
    for material, minute, actor, text in rows:
        counters[material] = counters.get(material, 0) + 1
        at = None if minute is None else T0 + timedelta(minutes=minute)
        lines.append(EvidenceLine(id=f"{material}:{counters[material]}", at=at, actor=actor, text=text))
    assert "batch size" in str(draft_lessons(analyse(lines)))


def test_a_status_post_mortem_told_in_one_paragraph_gives_its_causes_as_factors() -> None:
    root, factors = causes(
        ("status.txt", 10, None, "Investigating - We are investigating elevated error rates for the API in all regions."),
        (
            "status.txt",
            400,
            None,
            "Postmortem - The outage was triggered by a configuration change to the edge fleet at 09:00 UTC. The root "
            "cause was a malformed rule in the change that the proxy could not parse. A protection that would have "
            "stopped the change reaching every region did not exist for this type of configuration. The code path that "
            "failed had been unused for eight months.",
        ),
    )
    assert "malformed rule" in root
    text = _text(factors)
    assert "did not exist for this type of configuration" in text and "unused for eight months" in text
    assert "malformed rule" not in text


def test_review_talk_the_search_a_reassurance_options_orders_and_a_pending_fix_are_no_factors() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING QueueLag lag=40m"),
        ("chat.txt", 10, "mei", "root cause: the consumer pool had no upper bound, so every retry spawned another worker"),
        ("chat.txt", 20, "raf", "let's leave that for the retro. the queue had no alert on its depth, so nobody saw it grow"),
        ("chat.txt", 25, "mei", "narrowed it down to two suspects, the pool limit or a slow disk because of the compaction"),
        ("chat.txt", 30, "raf", "no orders were lost or corrupted. the dead-letter topic was never monitored"),
        ("chat.txt", 32, "mei", "customers still get their data. the lag came from the compaction job that ran without a cap"),
        ("chat.txt", 35, "raf", "options: (1) cap the pool, (2) move the consumers, since the limit is missing on both"),
        ("chat.txt", 38, "mei", "freeze the consumer deploys now, the config change without review could repeat this"),
        ("chat.txt", 40, "raf", "the pool cap was being drafted, the missing limit is the fix target"),
    )
    text = root + " " + _text(factors)
    assert "no upper bound" in root and "no alert on its depth" in text
    for phrase in ("retro", "narrowed", "were lost", "still got", "options", "(1)", "freeze", "being drafted"):
        assert phrase not in text.lower(), phrase


def test_a_category_is_not_given_to_a_statement_that_says_its_mechanism_held() -> None:
    from pmstudio.offline.causes import category

    assert category("no records were lost or corrupted during the failover") is None
    assert category("the synthetic probe caught the failure at 04:10") is None
    assert category("the nightly alerting caught it right away") is None
    assert category("the index on the replica was corrupted by the upgrade") == "Data integrity"
    assert category("nothing alerted on the queue depth") == "Gap in monitoring and detection"


def test_what_was_hit_a_recovery_a_quoted_error_and_a_list_of_follow_ups_are_no_factors() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING SearchErrors 5xx=22%"),
        ("chat.txt", 5, "ines", "root cause: the shard map was rebuilt without the new region, so half the queries went nowhere"),
        ("chat.txt", 8, "tom", "searches keep failing with \"shard map exceeds limit\" and \"no route to index\" in every region"),
        ("chat.txt", 12, "ines", "most customers can't see saved searches without a reload"),
        ("notes.md", None, None, "What broke"),
        ("notes.md", None, None, "- ~8,000 workspaces affected, i.e. every paid tier without exception"),
        ("notes.md", None, None, "- the export API unavailable for most of the rebuild, then missing for an hour"),
        ("notes.md", None, None, "- Impact: 40 minutes in which no search returned results, because the map was empty"),
        ("notes.md", None, None, "- Per service: search failed; exports failed because the workers depend on search"),
        ("notes.md", None, None, "- Follow-ups: a check on the shard map; an alert without delay on empty results"),
        ("notes.md", None, None, "- the map builder never validated the region list against the inventory"),
        ("chat.txt", 60, "tom", "by the evening every tenant confirmed the issue is resolved"),
    )
    text = root + " " + _text(factors)
    assert "never validated the region list" in text
    for phrase in ("exceeds limit", "can't see", "8,000", "unavailable", "40 minutes", "per service", "follow-ups",
                   "check on the shard map", "is resolved"):
        assert phrase not in text.lower(), phrase


def test_a_guess_a_reply_a_closing_a_scope_and_what_went_well_are_no_factors() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING LedgerLag lag=25m"),
        ("chat.txt", 5, "noor", "root cause: the ledger writer held one lock for every account, so writes queued behind it"),
        ("chat.txt", 9, "eli", "yes same lock again. the writer had no timeout on that lock"),
        ("chat.txt", 12, "noor", "their new batch size may have made it worse, the lock was never sharded"),
        ("chat.txt", 14, "eli", "if that was real every batch could stall the ledger without a limit"),
        ("chat.txt", 16, "noor", "still fighting the queue, the replay without a cap is slow"),
        ("chat.txt", 18, "eli", "we thought it was the disk, not the lock, because iowait was high"),
        ("notes.md", None, None, "What went wrong"),
        ("notes.md", None, None, "- Scope: the ledger and the services that depend on it, payouts and invoices"),
        ("notes.md", None, None, "- no lock metrics in the run-up; Lucky: the one engineer who knew the writer was online"),
        ("chat.txt", 80, "noor", "closing the incident. the lock without a timeout stays the finding"),
        ("chat.txt", 85, "eli", "staying on the bridge for root cause"),
    )
    text = root + " " + _text(factors)
    assert "one lock for every account" in root
    for phrase in ("yes", "same lock again", "may have", "if that was real", "still fighting", "thought it was",
                   "scope", "lucky", "closing the incident", "staying"):
        assert phrase not in text.lower(), phrase
    assert "no timeout on that lock" in text


def test_a_repair_told_as_done_and_an_activity_told_in_passing_are_no_factors() -> None:
    root, factors = causes(
        ("alerts.log", 0, None, "FIRING CheckoutErrors 5xx=31%"),
        ("chat.txt", 5, "ola", "root cause: the price cache expired every key at once, so every request went to the database"),
        ("notes.md", None, None, "What went wrong"),
        ("notes.md", None, None, "- the cache had no jitter on its expiry. Rebuilding the warm-up list by hand"),
        ("notes.md", None, None, "- dropped baskets backfilled from the queue without loss"),
        ("notes.md", None, None, "- release 4.2.1 shipped to all regions with the fix for the expiry without jitter"),
        ("notes.md", None, None, "- a temporary rate limit rule on the price API, since the database had no spare capacity"),
        ("notes.md", None, None, "- draining the old pool and moving every tenant over. the pool had no drain timeout"),
        ("notes.md", None, None, "- nothing alerted on the cache hit rate"),
    )
    text = root + " " + _text(factors)
    assert "no jitter on its expiry" in text and "nothing alerted on the cache hit rate" in text.lower()
    for phrase in ("warm-up list", "backfilled", "4.2.1", "temporary", "draining the old pool"):
        assert phrase not in text.lower(), phrase


def test_an_opening_participle_with_a_finite_verb_still_states_a_cause() -> None:
    _, factors = causes(
        ("alerts.log", 0, None, "FIRING LedgerErrors"),
        ("chat.txt", 5, "ola", "root cause: the ledger schema migration locked the accounts table for every write"),
        ("notes.md", None, None, "What went wrong"),
        ("notes.md", None, None, "- polling the replica cannot keep up with the write rate at peak"),
        ("notes.md", None, None, "- running migrations broke only once the index held a million rows"),
        ("notes.md", None, None, "- nothing ever cleaned the retry table"),
    )
    text = _text(factors).lower()
    assert "polling the replica could not keep up" in text
    assert "running migrations broke" in text
    assert "nothing ever cleaned the retry table" in text


def test_a_guess_with_a_contraction_and_where_the_search_stands_are_no_factors() -> None:
    _, factors = causes(
        ("alerts.log", 0, None, "FIRING WalletErrors"),
        ("chat.txt", 5, "ada", "root cause: the transfer handler credited the receiver before it debited the sender"),
        ("chat.txt", 9, "ben", "if that's real anyone can replay a transfer without a limit. the handler never checked the nonce"),
        ("chat.txt", 20, "ada", "six hours in and we still don't know the cause of the second spike, it's without a pattern"),
    )
    text = _text(factors).lower()
    assert "never checked the nonce" in text
    assert "if that" not in text and "replay a transfer" not in text
    assert "still" not in text and "six hours" not in text


def test_the_yes_that_opens_a_reply_is_one_list_for_the_causes_and_the_tone() -> None:
    from pmstudio.offline import causes, tone

    assert tone.YES_WORDS in causes._ANSWER.pattern and tone.YES_WORDS in tone._BARE_ANSWER.pattern
    for word in ("yes", "yep", "yeah", "yup"):
        reply = f"{word}, same exception family"
        assert causes._ANSWER.match(reply) and tone._BARE_ANSWER.sub("", reply) == "same exception family"


def test_an_open_question_and_a_denied_cause_are_no_root_cause() -> None:
    t = datetime(2024, 12, 20, 0, 30, tzinfo=UTC)
    lines = [
        EvidenceLine(id="notes.md:2", at=None, actor=None, text="## why"),
        EvidenceLine(id="notes.md:3", at=None, actor=None, text="- why the second router died was still unknown"),
        EvidenceLine(id="chat.txt:1", at=t, actor="sven", text="hey, the upgrade didn't write the bug"),
        EvidenceLine(id="notes.md:4", at=None, actor=None, text="- the router-id change reset every BGP session because the ids were not unique"),
    ]  # fmt: skip
    from pmstudio.offline.causes import candidates

    assert [c.item.id for c in candidates(analyse(lines))] == ["notes.md:4"]


def test_why_something_else_failed_too_is_a_factor_not_the_root_cause() -> None:
    """"Also broken because they authenticate through the API: private packages ..." tells what widened the impact."""
    root, factors = causes(
        ("notes.md", None, None, "Also broken because they authenticate through the API: private registry and private docs."),
        ("notes.md", None, None, "The certificates expired because renewal depended on an external service that was discontinued."),
    )
    assert "external service" in root
    assert "authenticate through the API" in _text(factors)


def test_a_product_named_dashboard_is_no_monitoring_gap_and_a_missed_alert_is_no_root() -> None:
    root, factors = causes(
        ("notes.md", None, None, "- The admin dashboard runs on the platform like a tenant app. It needs Redis for sessions; "
                                 "without it it cannot act for the user."),
        ("notes.md", None, None, "- We were not alerted automatically: misconfigured alert."),
    )  # fmt: skip
    assert "needed Redis for sessions" in root or "needs Redis for sessions" in root
    assert "misconfigured alert" in _text(factors)


def test_a_likely_culprit_a_vendor_reproduced_is_a_cause() -> None:
    root, _ = causes(
        ("notes.md", None, None, "- Filed a bug with the database vendor. They reproduced it; likely culprit is an undocumented "
                                 "setting raising the max nesting depth, which we use for saved games."),
        ("notes.md", None, None, "- Right after release a bug in the importer was noticed; it was re-run."),
    )  # fmt: skip
    assert "undocumented setting" in root


def test_a_mechanism_found_beats_an_outage_somewhere_and_a_route_announcement_is_no_post() -> None:
    root, _ = causes(
        ("status.txt", 0, None, "Investigating - We are seeing connectivity problems caused by an outage at an upstream carrier."),
        ("rfo.md", 200, None, "- The carrier found a flowspec announcement preventing BGP from establishing. Origin: a "
                              "wildcard introduced unintentionally into a filter rule."),
    )  # fmt: skip
    assert root.startswith("The carrier found a flowspec announcement")


def test_a_chain_of_arrows_is_a_mechanism_and_one_arrow_between_values_is_not() -> None:
    from pmstudio.offline.classify import CAUSAL

    assert CAUSAL.search("role deleted -> every member needs an update -> the bot retried the sync")
    assert not CAUSAL.search("disk 8000 -> 12000")
    assert not CAUSAL.search("old expired cert -> valid one")
    root, _ = causes(
        ("notes.md", None, None, "- Lead-up: team role deleted -> every member needs a roles update -> bot retried the sync "
                                 "after every restart. Deploy restarted it. OOM killer killed Postgres."),
        ("notes.md", None, None, "- Detection: Grafana alerted straight away, response under a minute."),
    )  # fmt: skip
    assert "role deleted" in root


def test_a_root_cause_label_counts_whether_or_not_the_line_has_a_time() -> None:
    for minute in (None, 30):
        root, _ = causes(
            ("chat.log", 5, "ana", "the api timed out because the pool was exhausted and the retries piled up"),
            ("notes.md", minute, None, "Root cause: the provider's volume latency froze the database for minutes at a time."),
        )  # fmt: skip
        assert "volume latency" in root, (minute, root)


def test_filing_a_bug_report_is_no_bug_stated_as_the_cause() -> None:
    from pmstudio.offline.classify import STATED_MECHANISM

    assert not STATED_MECHANISM.search("cluster's back, the api recovered by itself. filing a bug with the vendor")
    assert not STATED_MECHANISM.search("filed a bug report upstream")
    assert STATED_MECHANISM.search("there is a bug in the importer's retry loop")


def test_a_release_not_marked_urgent_and_a_monitor_that_stopped_warning_are_causes_a_me_too_reply_is_not() -> None:
    root, factors = causes(
        ("chat.txt", 0, "kai", "registry TLS handshakes failing in every region, cert expired"),
        ("rca.md", None, None, "The renewed cert went into a routine release."),
        ("rca.md", None, None, "That release was not marked as urgent, so it was queued behind other updates and never reached production."),
        ("rca.md", None, None, "Once the new cert sat in the vault the expiry monitor treated it as deployed and stopped warning."),
        ("forum-thread.txt", 12, None, "Same here, pulls fail too. our whole pipeline is down because we only use https."),
    )  # fmt: skip
    text = f"{root} {_text(factors)}"
    assert "queued behind other updates" in text and "stopped warning" in text
    assert "pipeline" not in text


def test_a_cause_chain_label_leads_and_mitigation_lines_and_investigating_posts_are_no_causes() -> None:
    root, factors = causes(
        ("review.md", None, None, "- Impact 14:02-15:10: webhooks delivered late for most customers."),
        ("review.md", None, None, "- Cause chain: a burst of oversized payloads raised queue publish latency. The fan-out worker could not keep up -> backlog."),
        ("review.md", None, None, "- Mitigation: traffic was shifted to the standby worker pool, which let the backlog drain. (Exact time not noted.)"),
        ("status-thread.txt", 5, None, "Investigating - We are experiencing delays in webhook delivery. Deliveries may be late; time missing from this copy."),
    )  # fmt: skip
    assert root.startswith("A burst of oversized payloads")
    text = _text(factors)
    assert "standby worker pool" not in text and "experiencing delays" not in text


def test_acting_without_telling_anyone_is_blame_never_a_cause() -> None:
    root, factors = causes(
        ("chat.txt", 0, "mo", "ingest hosts unreachable over ssh, timeouts between services"),
        ("chat.txt", 20, "lu", "did the restart do that? Kim just bounced the ingest boxes without telling anyone"),
        ("notes.md", None, None, "The provider's network change left the ingest hosts unreachable, so events queued."),
    )  # fmt: skip
    assert "without telling" not in f"{root} {_text(factors)}"


def test_a_named_persons_act_that_just_handed_out_harm_is_blame_never_drafted() -> None:
    """"so Mina leaving the bucket public just handed the crawlers our exports. lovely" holds a person up as the
    harm's subject: it is neither the cause nor a factor, nor in the timeline; "the drain just caused the backlog"
    names no person."""
    from pmstudio.offline.tone import chat_noise

    root, factors = causes(
        ("chat.txt", 0, "ola", "exports bucket readable by anyone, crawlers pulling customer files"),
        ("chat.txt", 4, "ola", "so Mina leaving the bucket public just handed the crawlers our exports. lovely"),
        ("notes.md", None, None, "A bucket policy change made the exports bucket public, so crawlers fetched customer files."),
    )  # fmt: skip
    assert "Mina" not in f"{root} {_text(factors)}"
    assert chat_noise("so Mina leaving the bucket public just handed the crawlers our exports")
    assert not chat_noise("draining the old pool just caused a short backlog")


def test_a_line_of_recommendations_is_advice_never_a_cause() -> None:
    """"- Recommendations for the post: ...; be careful with services that auto-merge dependency upgrades; ..." (a
    wrapped list item in eslint-2018's notes) tells what to change: it is neither the cause nor a factor, so no "be
    careful" reaches any section, whichever prompt set drafts (the single-shot one gets no critic revision)."""
    from pathlib import Path

    from pmstudio.agents.messages import parse_prompt, render_evidence
    from pmstudio.evals.labelset import case_bundle
    from pmstudio.golden import load_case

    root = Path(__file__).resolve().parents[1]
    case = load_case(next((root / "datasets" / "golden").glob("eslint-2018-07-12-*.yaml")))
    rc = draft_root_cause(analyse(parse_prompt(render_evidence(case_bundle(case))).evidence))
    said = f"{rc['primary_root_cause']['text']} {_text(list(rc['contributing_factors']))}".lower()
    assert "careful" not in said and "auto-merge" not in said


def test_an_initial_rca_label_names_the_root_cause_and_others_hurt_or_a_customers_mail_name_none() -> None:
    """"Initial root cause analysis: the main issue is an expired certificate ..." is labelled as the root cause, even
    with the restoration it needs in the same line; "the bus arrival info is down because of us" tells whom the outage
    hurt (no mechanism); a line of the customer's own mail ("customer-email.txt") is what they saw."""
    root, factors = causes(
        ("node-07.log", -5, None, "certmgr[2211]: certificate 'sw-ident' notAfter reached, status=EXPIRED"),
        ("noc-chat.txt", 0, "gwen", "data sessions dropping on every core node, 4G and 3G"),
        ("customer-email.txt", 20, None, "our 300 trackers have had no data since about 5am because the network is down"),
        ("noc-chat.txt", 40, "ravi", "the city says their bus arrival info is down because of us. hospitals asking too"),
        ("review-notes.md", None, None, "- Vendor statement: the vendor identified an issue in core nodes running two "
         "software versions, causing disturbances for customers in several countries. Initial RCA: expired certificate."),
        ("vendor-support-case.txt", 90, None, "Initial root cause analysis: the main issue is an expired certificate in the "
         "installed software versions. Restoration requires reissued certificates on all affected nodes."),
    )  # fmt: skip
    assert "expired certificate" in root, root
    assert "bus arrival" not in root + _text(factors) and "trackers" not in root + _text(factors), (root, factors)


def test_a_line_labelled_root_cause_is_the_root_cause_even_when_it_says_triggered() -> None:
    """"Root cause: a kernel bug triggered by mysql on the server made mysql lock up" is the root cause, not the
    trigger; a guess in the chat ("same stack. or it's a sibling bug") is neither."""
    root, _ = causes(
        ("syslog.txt", 0, None, "db-7 kernel: watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [mysqld:4127]"),
        ("chat.txt", 30, "mo", "same stack, same symptom. so the upgrade didn't fix it. or it's a sibling bug"),
        ("postmortem-draft.md", None, None, "- Root cause: a kernel bug triggered by mysql on the affected server made "
         "mysql lock up; the server had to be restarted."),
    )  # fmt: skip
    assert root.startswith("A kernel bug triggered by mysql"), root


def test_a_verb_built_on_an_irregular_one_keeps_its_irregular_past() -> None:
    """"reset", "rebuild", "rerun": the past of a prefixed irregular verb is the prefix and its irregular past (never
    "reseted"); a server "taken offline" in a note is one that "was taken offline"."""
    from pmstudio.offline.phrasing import _past

    assert [_past(w) for w in ("reset", "rebuild", "rerun", "upset", "restart")] == ["reset", "rebuilt", "reran", "upset", "restarted"]
    assert past_tense("the compromised runner taken offline (on discovery)") == "the compromised runner was taken offline (on discovery)"
    assert past_tense("both replicas brought back online") == "both replicas were brought back online"


def test_a_line_labelled_as_the_result_is_the_impact_not_the_cause() -> None:
    """"Result: 500 errors on checkout, because every request also writes its session" tells what was hit (its
    "because" explains the breadth of the impact); the cause is the line telling what ran out."""
    primary, _ = causes(
        ("notes.md", 4, None, "- 09:04: the audit table hit its ID limit; its insert trigger failed, and in PostgreSQL a failing trigger fails the write"),
        ("notes.md", None, None, "- Result: 500 errors on checkout, because every request also writes its session row"),
        ("notes.md", None, None, "- Impact: 27 minutes, checkout and dashboard unavailable"),
    )
    assert "ID limit" in primary and not primary.startswith("Result")
    assert past_tense("its failing trigger takes the API and Dashboard down for 27 minutes") == (
        "its failing trigger took the API and Dashboard down for 27 minutes"
    )


def test_nobody_having_a_check_on_the_thing_is_a_contributing_factor() -> None:
    """"nobody had a check on that sequence" names the watch that was missing, as "no check on that sequence" does:
    a contributing factor beside the cause (the sequence running out)."""
    _, factors = causes(
        ("chat.txt", 10, "lucy", "the audit log hit its id limit, the trigger fails every write"),
        ("chat.txt", 14, "lucy", "nobody had a check on that sequence, that's the real gap"),
    )
    assert "nobody had a check on that sequence" in _text(factors).lower()


def test_a_headline_of_a_jump_or_surge_is_told_in_the_past() -> None:
    from pmstudio.offline.phrasing import headline_sentence

    assert headline_sentence("Worker queue depths jump from about 2k to over 90k, stalling exports").startswith(
        "Worker queue depths jumped from about 2k"
    )
    assert past_tense("errors surge after the deploy") == "errors surged after the deploy"
    assert past_tense("a jump in latency at 14:02") == "a jump in latency at 14:02"


def test_why_it_was_hard_to_see_is_a_contributing_factor_not_the_root_cause() -> None:
    """"Why it was hard to spot: services mix pool settings ..." tells why the diagnosis was slow; the line labelled as
    the cause stays the primary root cause, and the other is a contributing factor."""
    primary, factors = causes(
        ("notes.md", None, None, "- Cause: one worker pool had no connection cap; it grew from 40 to 400 connections and exhausted the database."),
        ("notes.md", None, None, "- Why it was hard to spot: services mix pool settings and drivers, because each team configures its own."),
    )
    assert primary.startswith("One worker pool had no connection cap"), primary
    assert "hard to spot" in _text(factors)


def test_a_full_disk_told_in_notes_present_tense_is_detection_impact_and_trigger() -> None:
    """Responders' notes in the present tense: "09:00 <name> notices the error mail; console: out of space" is when the
    problem was found and a sign of impact (a full disk, no new connections), not what set it off; the line telling the
    condition itself ("the audit table ate all remaining disk") is the trigger, before a ticket that names it in its
    title ("Disk out of space: move to a bigger volume"). "notices the retention job was never enabled" is a finding."""
    from pmstudio.offline.classify import classify
    from pmstudio.offline.items import build_items

    evidence = [
        EvidenceLine(id="notes.md:1", at=None, actor=None, text="# audit database full - notes"),
        EvidenceLine(id="notes.md:2", at=None, actor=None, text="the audit table ate all remaining disk on the primary; inserts failed"),
        EvidenceLine(id="notes.md:3", at=T0, actor=None, text="kofi notices the error mail; console: out of space; psql: no new connections"),
        EvidenceLine(id="github-issues.txt:1", at=None, actor=None, text="acme/audit issues"),
        EvidenceLine(id="github-issues.txt:2", at=T0 + timedelta(minutes=12), actor=None,
                     text='#412 "Disk out of space: move to a bigger volume" - opened 11 Feb 2025, 09:12'),
        EvidenceLine(id="chat.txt:1", at=T0 + timedelta(minutes=15), actor="kofi", text="primary is full, writes are failing"),
        EvidenceLine(id="chat.txt:2", at=T0 + timedelta(minutes=50), actor="kofi", text="moved to the bigger volume, writes ok again"),
    ]  # fmt: skip
    a = analyse(evidence)
    m = a.milestones
    assert m.detected is not None and m.detected.id == "notes.md:3"
    assert m.started is not None and m.started.at == T0
    rc = draft_root_cause(a)
    assert rc["trigger"]["evidence"] == ["notes.md:2"] and "ate all remaining disk" in rc["trigger"]["text"]
    (finding,) = build_items([EvidenceLine(id="notes.md:9", at=T0, actor=None, text="kofi notices the retention job was never enabled")])
    assert not classify(finding).detect


def test_a_went_wrong_or_went_well_label_is_read_as_its_heading_and_never_copied() -> None:
    """Notes label their retro lines inline ("Went badly: ...", "Went well: ..."): the label is never copied into a
    section; what went wrong is read where causes are, each ';' part a point of its own; what went well is listed so."""
    from pmstudio.offline.lessons import draft_lessons

    evidence = [
        EvidenceLine(id="retro.md:1", at=None, actor=None, text="# queue outage retro"),
        EvidenceLine(id="retro.md:2", at=T0, actor=None, text="workers stop consuming, queue depth climbs, checkout times out"),
        EvidenceLine(id="retro.md:3", at=T0 + timedelta(minutes=45), actor=None, text="workers restarted with the old client, queue drains"),
        EvidenceLine(id="retro.md:4", at=None, actor=None,
                     text="Went badly: the consumer lag alert was routed to a muted channel; we never load-tested the new client"),
        EvidenceLine(id="retro.md:5", at=None, actor=None, text="Went well: rolling back the client was one command and took two minutes"),
    ]  # fmt: skip
    a = analyse(evidence)
    rc = draft_root_cause(a)
    told = " ".join([rc["primary_root_cause"]["text"], _text(rc["contributing_factors"])])
    assert "went badly" not in told.lower() and "muted channel" in told and "load-tested" in told
    lessons = draft_lessons(a)
    good = " ".join(c["text"] for c in lessons["went_well"])
    assert "rolling back the client was one command" in good.lower() and "went well" not in good.lower()
    every = json.dumps(lessons).lower()
    assert "went badly:" not in every and "went well:" not in every


def test_a_root_cause_label_after_a_sentence_about_the_report_heads_the_cause() -> None:
    """A status page's later post opens with the news and then labels the cause ("Interim incident report published.
    Preliminary root cause: a firmware bug in the storage controllers dropped writes under sustained load."): the
    cause is what the label heads, not the news before it; a line that tells two causes ("Direct cause = ...; root
    cause = ...") keeps both."""
    primary, _ = causes(
        ("chat.txt", 0, "ana", "writes failing on the block storage cluster, paging storage"),
        ("status.txt", 30, None, "Investigating elevated write errors on block storage."),
        ("status.txt", 600, None, "Interim incident report published. Preliminary root cause: a firmware bug in the "
                                  "storage controllers dropped writes under sustained load."),
    )  # fmt: skip
    assert primary.startswith("A firmware bug in the storage controllers dropped writes")
    assert "report published" not in primary
    primary, _ = causes(
        ("chat.txt", 0, "ana", "certificate errors on every https endpoint, paging"),
        ("chat.txt", 30, "ana", "renewed the certificates, errors gone"),
        ("status.txt", 90, None, "Direct cause = expired certificates; root cause = no owner watched the renewal dates."),
    )
    assert "expired certificates" in primary and "no owner watched the renewal dates" in primary


def test_a_call_for_help_is_no_cause_and_a_real_cause_label_heads_one() -> None:
    """"someone who knows systemd please help me raise the limit properly, the docs are confusing" asks for help: no
    cause; the write-up notes' "real cause: the pool allowed 2000 connections with 1024 file handles" is the
    labelled cause."""
    primary, _ = causes(
        ("chat.txt", 0, "emelia", "500s everywhere again, the db pool logs say too many open files"),
        ("chat.txt", 5, "emelia", "raised the file limit and restarted the pool, errors back to baseline"),
        ("chat.txt", 10, "emelia", "someone who knows systemd please help me raise the limit properly, the docs are confusing"),
        ("notes.md", 60, None, "real cause: the pool allowed 2000 connections with only 1024 file handles available"),
    )  # fmt: skip
    assert "2000 connections" in primary and "systemd" not in primary


def test_a_setting_one_part_ignores_or_overrides_is_a_stated_mechanism_a_person_ignoring_an_alert_is_not() -> None:
    """"the new config loader ignores it, and the built-in default wins" states how it broke (a component passing over
    a setting), with no causal word; "Ignored it, thought it was the alarm for something else" and "we ignored the
    page" tell a person's reaction, which names no mechanism (and would blame)."""
    assert STATED_MECHANISM.search("the region file sets a \"primary\" alias; the new config loader ignores it, and the built-in default wins")
    assert STATED_MECHANISM.search("the environment override takes precedence over the mounted config")
    assert not STATED_MECHANISM.search("Phone buzzing. Ignored it, thought it was the alarm for something else.")
    assert not STATED_MECHANISM.search("we ignored the page because it fired every night")
    primary, factors = causes(
        ("chat.txt", 0, "ana", "jobs landing on the wrong cluster, nothing starts"),
        ("chat.txt", 40, "ana", "rolled back the scheduler, jobs back on the build cluster"),
        ("notes.md", 60, None, "the secret defines a \"default\" alias for the build cluster; the refactored client ignores it, and the scheduler's own default (the service cluster) wins"),
    )  # fmt: skip
    assert "client ignore" in f"{primary} {_text(factors)}"


def test_a_status_update_labelled_with_its_time_states_its_cause_without_the_label() -> None:
    """A status page that heads each post with its kind and time ("Update (Mar 3, 14:05 PT): All storage servers are
    running again, but the sudden power loss corrupted one of the 40 volumes ...") is a status post; what a power loss
    corrupted is a mechanism told with no causal word, so it is the cause, without the post's label. A yearly
    summary's "Damage: jobs failed, file transfers failed" tells what was hit, no cause."""
    from pmstudio.offline.summary import _label_free
    from pmstudio.parsers.common import STATUS_POST

    post = ("Update (Mar 3, 14:05 PT): All storage servers are running again, but the sudden power loss corrupted one of "
            "the 40 volumes that make up the scratch filesystem.")  # fmt: skip
    assert STATUS_POST.match(post) and STATUS_POST.match("Partially resolved (Mar 4, 13:05 PT): the cluster is back online.")
    assert _label_free(post).startswith("All storage servers are running again")
    assert STATED_MECHANISM.search("the sudden power loss corrupted one of the 40 volumes")
    primary, _ = causes(
        ("chat.txt", 0, "ops", "cluster is dark: login nodes, scheduler, storage mounts"),
        ("status.txt", 60, None, "Notice (Mar 3, 09:15 PT): The cluster is down after a power outage in the data center."),
        ("status.txt", 300, None, post),
        ("notes.md", None, None, "Damage: running jobs failed, file transfers failed, possible file corruption"),
    )  # fmt: skip
    assert primary.startswith("All storage servers were running again, but the sudden power loss corrupted"), primary
    primary, factors = causes(
        ("chat.txt", 0, "ops", "cluster is dark: login nodes, scheduler, storage mounts"),
        ("notes.md", None, None, "## Unscheduled downtimes due to power outage (2021)"),
        ("notes.md", None, None, "* Damage: running jobs failed, file transfers failed, possible file corruption"),
    )  # fmt: skip
    assert "jobs failed" not in f"{primary} {_text(factors)}"
    primary, factors = causes(
        ("chat.txt", 0, "ops", "cluster is dark: login nodes, scheduler, storage mounts"),
        ("notes.md", 600, None, "Total: 38 hours, all due to external factors."),
    )  # fmt: skip
    assert "38 hours" not in f"{primary} {_text(factors)}"  # a tally tells how long, not why


def test_a_vendor_shipping_another_update_is_told_in_the_past_with_the_update_a_noun() -> None:
    """"the vendor ships another update" is "the vendor shipped another update": "ships" is the verb and a base form after
    "another" is a noun ("another updated" read "ships" as a plural subject)."""
    assert past_tense("the vendor ships another update (end)") == "the vendor shipped another update (end)"
    assert past_tense("nodes drop another batch") == "nodes dropped another batch"
