"""Time per source: kind defaults, in-text declarations, per-material zones (bundle, manifest, CLI),
the whole-hour cross-source check, date-only facts and dateless chat with a given date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pmstudio.cli import app
from pmstudio.ingest import BundleError, bundle_from_materials, load_bundle
from pmstudio.render import render_markdown
from pmstudio.schema import Bundle, Material, PostMortem, TimelineEntry, TimelineSection


def _bundle(*materials: Material, tz: str = "America/New_York", **kw: object) -> Bundle:
    b, _ = bundle_from_materials(list(materials), id="t", timezone=tz, redact=False, **kw)  # type: ignore[arg-type]
    return b


def _at(b: Bundle, material: str, line: int) -> datetime | None:
    return b.evidence_by_id()[f"{material}:{line}"].at


ALERTS = Material(
    name="alerts.txt",
    kind="alerts",
    content="2019-07-20T14:43:00Z FIRING LBDown lb-1 DOWN all sites down\n"
    "2019-07-20T15:17:00Z RESOLVED LBDown lb-1 UP sites back\n",
)


def test_syslog_defaults_to_utc_beside_chat_in_the_bundle_zone() -> None:
    log = Material(name="lb.log", kind="log", content="Jul 20 14:43:41 lb-1 haproxy[12]: backend web DOWN\n")
    chat = Material(name="chat.txt", kind="chat", content="10:44 ana: all sites down for me\n")
    b = _bundle(ALERTS, log, chat)
    assert _at(b, "lb.log", 1) == datetime(2019, 7, 20, 14, 43, 41, tzinfo=UTC)
    assert _at(b, "chat.txt", 1) == datetime(2019, 7, 20, 14, 44, tzinfo=UTC)  # 10:44 EDT
    readings = {r.material: r for r in b.time_readings}
    assert readings["lb.log"].zone == "UTC" and "logs" in readings["lb.log"].reason
    assert readings["chat.txt"].zone == "America/New_York"
    assert b.evidence_by_id()["lb.log:1"].time_text == "Jul 20 14:43:41"


@pytest.mark.parametrize(
    ("header", "hour"),
    [
        ("# Responder notes (all times UTC unless said)", 14),
        ("Timezone: UTC", 14),
        ("## Timeline (times in BST)", 13),
        ("Times in PDT.", 21),
        ("# Library self-destruct, notes for the postmortem (UTC)", 14),  # a heading ending in its zone
        # a North American zone without a season follows the date (PDT / CDT on 2019-07-20)
        ("Times below are Pacific Time.", 21),
        ("# Timeline (times in PT)", 21),
        ("All times Central.", 19),
        # a standard-time abbreviation over a summer timeline is the region's clock, as a Pacific team heads its notes
        ("# Timeline draft (all times PST, approximate)", 21),
        # a plain-text title over the times, ending in its zone, with no "#" and no colon
        ("Draft for the tracker issue\nImpact: the site served a stale certificate.\n\nTimeline (UTC)", 14),
        ("Timeline (times in BST)", 13),
    ],
)
def test_in_text_declaration_sets_the_zone(header: str, hour: int) -> None:
    notes = Material(name="notes.md", kind="notes", content=f"{header}\n\n- 14:43 lb-1 went DOWN\n")
    b = _bundle(ALERTS, notes)
    item = next(e for e in b.evidence if e.material == "notes.md" and e.at is not None)
    assert item.at is not None and item.at.hour == hour
    reading = next(r for r in b.time_readings if r.material == "notes.md")
    assert "says so" in reading.reason


def test_per_material_zone_from_the_bundle_and_the_cli_override() -> None:
    chat = Material(name="chat.txt", kind="chat", content="09:00 ana: deploy started\n09:05 ana: errors\n", timezone="Europe/Berlin")
    b = _bundle(ALERTS, chat)
    assert _at(b, "chat.txt", 1) == datetime(2019, 7, 20, 7, 0, tzinfo=UTC)
    b2 = _bundle(ALERTS, chat, source_timezones={"chat.txt": "Asia/Tokyo"})
    at = _at(b2, "chat.txt", 1)
    assert at is not None and at.hour == 0 and at.minute == 0  # 09:00 JST
    assert next(r for r in b2.time_readings if r.material == "chat.txt").zone == "Asia/Tokyo"


def test_folder_manifest_zone_per_file(tmp_path: Path) -> None:
    (tmp_path / "alerts.txt").write_text(ALERTS.content, encoding="utf-8")
    (tmp_path / "chat.txt").write_text("10:44 ana: all sites down\n", encoding="utf-8")
    (tmp_path / "bundle.yaml").write_text(yaml.safe_dump({"timezone": "UTC", "timezones": {"chat.txt": "America/New_York"}}))
    b, _ = load_bundle(tmp_path, redact=False)
    assert _at(b, "chat.txt", 1) == datetime(2019, 7, 20, 14, 44, tzinfo=UTC)
    (tmp_path / "bundle.yaml").write_text(yaml.safe_dump({"timezones": {"chat.txt": "Mars/Base"}}))
    with pytest.raises(BundleError, match="unknown timezone 'Mars/Base'"):
        load_bundle(tmp_path, redact=False)
    (tmp_path / "bundle.yaml").write_text(yaml.safe_dump({"timezones": {"nope.txt": "UTC"}}))
    with pytest.raises(BundleError, match="no file named 'nope.txt'"):
        load_bundle(tmp_path, redact=False)


def test_whole_hour_conflict_is_found_reported_and_resolved() -> None:
    notes = Material(
        name="notes.md",
        kind="notes",
        content="- 14:43 lb-1 DOWN, all sites down\n- 15:17 lb-1 UP again, sites back\n",
    )  # written in UTC but nothing says so: read in New York they land 4 hours late
    b = _bundle(ALERTS, notes)
    assert b.time_conflicts and "notes.md" in b.time_conflicts[0] and "4 hour" in b.time_conflicts[0]
    assert "re-read" in b.time_conflicts[0]
    assert _at(b, "notes.md", 1) == datetime(2019, 7, 20, 14, 43, tzinfo=UTC)
    reading = next(r for r in b.time_readings if r.material == "notes.md")
    assert reading.shifted_hours == -4
    # a declared zone is trusted: the disagreement is reported, not resolved
    declared = Material(name="notes.md", kind="notes", content="All times EDT.\n" + notes.content)
    b2 = _bundle(ALERTS, declared)
    assert b2.time_conflicts and "check the zone" in b2.time_conflicts[0]


def test_a_shift_that_shares_the_events_words_outweighs_a_same_time_match_on_a_host_name() -> None:
    chat = Material(
        name="ops-chat.txt",
        kind="chat",
        content=(
            "[2026-01-28 11:38] trond: the old legacy.example zone still answers. time to clean it out\n"
            "11:45 trond: all records in legacy.example removed. keeping an eye on things\n"
            "12:45 trond: name server addresses back, resolving again from here\n"
        ),
    )  # local time (Oslo, UTC+1 in January)
    log = Material(
        name="ns1-named.log",
        kind="log",
        content=(
            "Jan 28 11:45:03 ns1 named[1021]: zone legacy.example/IN: loaded serial 2026012801 (all records removed)\n"
            "Jan 28 11:52:40 ns1 named[1021]: client 192.0.2.7#53411: query: ns1.legacy.example IN A -> NXDOMAIN\n"
            "Jan 28 12:45:01 ns1 named[1021]: zone legacy.example/IN: loaded serial 2026012802\n"
        ),
    )  # syslog with no zone is read as UTC, but this server logs in local time: the same events an hour late
    notes = Material(
        name="report.md",
        kind="notes",
        content="## Timeline\n- 2026-01-28 11:45 all records in legacy.example removed\n"
        "- 2026-01-28 12:45 A and AAAA for ns1/ns2.legacy.example restored\n",
    )
    b = _bundle(chat, log, notes, tz="Europe/Oslo")
    assert b.time_conflicts and "ns1-named.log" in b.time_conflicts[0] and "re-read 1 hour(s) earlier" in b.time_conflicts[0]
    assert _at(b, "ns1-named.log", 1) == _at(b, "ops-chat.txt", 2) + (datetime(2026, 1, 1, 0, 0, 3) - datetime(2026, 1, 1))


def test_bad_source_timezone_is_one_line_exit_2_and_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "pm.md"
    example = Path(__file__).resolve().parent.parent / "datasets" / "examples" / "docsrs-disk-full"
    runner = CliRunner()
    for spec, needle in (
        ("web.log=Mars/Olympus", "unknown timezone 'Mars/Olympus'"),
        ("nope.log=UTC", "no material named 'nope.log'"),
        ("web.log", "expected NAME=ZONE"),
    ):
        r = runner.invoke(app, ["draft", str(example), "--source-timezone", spec, "--no-store", "-q", "-o", str(out)])
        assert r.exit_code == 2, r.output
        assert needle in r.output and "Traceback" not in r.output
        assert not out.exists()
    with pytest.raises(BundleError, match="unknown timezone"):
        bundle_from_materials([Material(name="c.txt", kind="chat", content="10:00 a: x\n", timezone="Nope/Zone")], id="x")


def test_date_only_fact_renders_as_a_date_and_is_never_a_milestone() -> None:
    notes = Material(
        name="notes.md",
        kind="notes",
        content="All times UTC.\n- 2021-08-03: certificate rotation skipped listener lb-7\n- 2021-08-17 09:12 TLS errors on lb-7\n",
    )
    b = _bundle(notes, tz="UTC")
    e = b.evidence_by_id()["notes.md:2"]
    assert e.date_only and e.at == datetime(2021, 8, 3, tzinfo=UTC)
    assert not b.evidence_by_id()["notes.md:3"].date_only
    entry = TimelineEntry(at=e.at, phase="impact_start", text="Rotation skipped a listener.", evidence=[e.id], date_only=True)
    pm = PostMortem.model_validate(
        {"header": {"title": "t", "date": "2021-08-03", "incident_id": "t", "duration": "-", "author": "a", "reviewers": "r"}}
    )
    pm.timeline = TimelineSection(entries=[entry])
    md = render_markdown(pm, bundle=b)
    assert "2021-08-03, time not stated" in md and "2021-08-03 00:00" not in md


def test_dateless_chat_takes_the_given_date_or_a_date_line() -> None:
    chat = Material(name="pasted.txt", kind="chat", content="14:02 alice: seeing errors\n14:05 bob: paged\n")
    assert all(e.at is None for e in _bundle(chat, tz="UTC").evidence)
    b = _bundle(chat, tz="UTC", default_date=date(2024, 3, 5))
    assert _at(b, "pasted.txt", 1) == datetime(2024, 3, 5, 14, 2, tzinfo=UTC)
    dated = Material(name="pasted.txt", kind="chat", content="Date: 2024-03-05\n" + chat.content)
    assert _at(_bundle(dated, tz="UTC"), "pasted.txt", 2) == datetime(2024, 3, 5, 14, 2, tzinfo=UTC)


def test_dateless_chat_running_past_midnight_takes_the_day_that_puts_it_beside_the_dated_sources() -> None:
    """The first line alone would take the day of the dated logs (its 18:05 is nearest them that day); the chat as a
    whole runs through the night into the logs' morning, so it began the evening before."""
    chat = Material(
        name="chat.txt",
        kind="chat",
        content="18:05 kai: switched the cache writer to the new cluster\n"
        "23:40 kai: latency budget burning a little, leaving it for the morning\n"
        "09:10 mia: writes to the cache stopped last night\n"
        "09:40 mia: everything is down\n"
        "10:55 kai: all green again\n",
    )
    log = Material(
        name="db.log",
        kind="log",
        content="2024-03-06T13:38:00Z db-1 ERROR too many connections\n2024-03-06T14:52:00Z db-1 INFO connections normal\n",
    )
    b = _bundle(chat, log)  # America/New_York: EST on these days, UTC-5
    assert _at(b, "chat.txt", 1) == datetime(2024, 3, 5, 23, 5, tzinfo=UTC)
    assert _at(b, "chat.txt", 4) == datetime(2024, 3, 6, 14, 40, tzinfo=UTC)
    assert _at(b, "chat.txt", 5) == datetime(2024, 3, 6, 15, 55, tzinfo=UTC)
    # a chat that begins beside the logs and runs on past midnight keeps its first day
    late = Material(name="chat.txt", kind="chat", content="08:30 kai: errors on db-1\n23:50 kai: still watching\n00:20 kai: quiet\n")
    assert _at(_bundle(late, log), "chat.txt", 1) == datetime(2024, 3, 6, 13, 30, tzinfo=UTC)
    assert _at(_bundle(late, log), "chat.txt", 3) == datetime(2024, 3, 7, 5, 20, tzinfo=UTC)


def test_status_post_is_stamped_by_its_posted_footer_not_by_a_time_it_mentions() -> None:
    """Status pages put the post time under the message ("Posted Jul 02, 2023 - 19:40 PDT"); a time inside the
    message ("archives written before 13:07 UTC") is what the post talks about, not when it was posted."""
    status = Material(
        name="status.txt",
        kind="ticket",
        content="Identified - The index server failed. Rebuilding it from object storage.\n"
        "Posted Jul 02, 2023 - 07:05 PDT\n\n"
        "Update - Slower than planned. Archives written before 13:07 UTC are safe.\n"
        "Posted Jul 02, 2023 - 19:40 PDT\n\n"
        "Resolved - Writes accepted again. The outage ran from 13:07 UTC on Jul 02 to 15:24 UTC on Jul 03.\n"
        "Posted Jul 03, 2023 - 08:30 PDT\n",
    )
    b = _bundle(status, tz="America/Los_Angeles")
    assert _at(b, "status.txt", 1) == datetime(2023, 7, 2, 14, 5, tzinfo=UTC)
    assert _at(b, "status.txt", 4) == datetime(2023, 7, 3, 2, 40, tzinfo=UTC)
    assert _at(b, "status.txt", 7) == datetime(2023, 7, 3, 15, 30, tzinfo=UTC)
    assert {e.line for e in b.evidence} == {1, 4, 7}  # no footer is left over as an event of its own
    # a time-only line heading notes (not a footer) leaves a time the line itself states in place
    notes = Material(name="notes.md", kind="notes", content="2019-07-20 14:00\nthe restore finished at 14:05 UTC\n")
    assert _at(_bundle(notes), "notes.md", 2) == datetime(2019, 7, 20, 14, 5, tzinfo=UTC)


def test_a_source_whose_times_all_carry_a_zone_is_said_to_be_read_as_written() -> None:
    """Supporting Information says how each source's times were read: a PagerDuty export or a log written with
    'Z' offsets had no zone chosen for it, so it is not 'read as <bundle zone>'; chat with bare times is."""
    from pmstudio.assemble import time_reading_claims

    pager = Material(
        name="pagerduty.json",
        kind="pagerduty",
        content='{"log_entries": [{"type": "trigger_log_entry", "created_at": "2018-04-06T15:04:40Z", "summary": "5xx high"}]}',
    )
    log = Material(name="db.log", kind="log", content="2018-04-06T15:04:12Z db ERROR sequence exhausted\n")
    chat = Material(name="chat.txt", kind="chat", content="Date: 2018-04-06\n16:05 ana: api 500s everywhere\n")
    b = _bundle(pager, log, chat, tz="Europe/London")
    zoned = {r.material: r.zoned for r in b.time_readings}
    assert zoned == {"pagerduty.json": True, "db.log": True, "chat.txt": False}
    said = {c.text.split()[2]: c.text for c in time_reading_claims(b)}
    assert said["pagerduty.json"].endswith("state their own zone or UTC offset and were read as written.")
    assert "were read as Europe/London" in said["chat.txt"]


def test_a_line_opening_with_a_time_range_keeps_the_whole_window() -> None:
    """Responder notes often open with the window ("16:04 to 16:31 API ... returned 500"): the item is timed at the
    start and its text keeps the range, instead of a sentence starting "to 16:31"; a plain "14:10 to the standby
    region" is no range."""
    notes = Material(
        name="notes.md",
        kind="notes",
        content="- 2018-04-06 15:50 journal migration planned\n- 16:04 to 16:31 API and dashboard returned 500\n"
        "- 3:05pm - 3:40pm checkout errors\n- 17:10 to the standby region we go\n",
    )
    b = _bundle(notes, tz="UTC")
    texts = {e.line: e.text for e in b.evidence}
    assert texts[2] == "16:04 to 16:31 API and dashboard returned 500"
    assert _at(b, "notes.md", 2) == datetime(2018, 4, 6, 16, 4, tzinfo=UTC)
    assert texts[3] == "3:05pm - 3:40pm checkout errors"
    assert texts[4] == "to the standby region we go"


@pytest.mark.parametrize(
    ("heading", "day"),
    [("# relay outage 2024-11-05 - scratch notes", 5), ("## Postmortem notes for Nov 5, 2024", 5), ("# Notes", 6)],
)
def test_a_heading_naming_one_day_dates_the_bare_times_below_it(heading: str, day: int) -> None:
    """Notes whose only date is in their title ("# relay outage 2024-11-05 - scratch notes") are on that day, not on
    the day of the bundle's latest cluster of dated lines (here the chat after midnight)."""
    chat = Material(name="chat.txt", kind="chat", content="[2024-11-05 22:50] ana: relays down\n[2024-11-06 00:05] ana: all back\n")
    notes = Material(name="notes.md", kind="notes", content=f"{heading}\nAll times UTC.\n- 11:00 degraded in some regions\n")
    b, _ = bundle_from_materials([chat, notes], id="relay", timezone="UTC")
    assert b.evidence_by_id()["notes.md:3"].at == datetime(2024, 11, day, 11, 0, tzinfo=UTC)


def test_a_weekday_beside_a_bare_time_dates_it_and_a_line_ending_on_a_later_date_moves_the_notes_on() -> None:
    """Notes headed with their day ("working notes, Thursday 2025-06-26") recap the evening before by weekday ("at
    21:31:56 Wed") after a line that ran over days ("ran Mon 2025-06-23 00:00:01, finished Wed 2025-06-25 20:17:55"):
    the weekday picks its day, and the times after that line follow its last date, not its first."""
    notes = Material(name="notes.md", kind="notes", content=(
        "# replication - working notes, Thursday 2025-06-26 (all times UTC)\n"
        "- Weekly dump ran Mon 2025-06-23 00:00:01, finished Wed 2025-06-25 20:17:55 (normal).\n"
        "- planet export kicked off from that dump at 20:17:26.\n"
        "- Last good diff from the timer at 21:31:56 Wed.\n"
        "- Forum thread 00:37.\n"
        "- 06:08 stopped the timer.\n"
    ))  # fmt: skip
    b = _bundle(notes, tz="UTC")
    assert _at(b, "notes.md", 3) == datetime(2025, 6, 25, 20, 17, 26, tzinfo=UTC)
    assert _at(b, "notes.md", 4) == datetime(2025, 6, 25, 21, 31, 56, tzinfo=UTC)
    assert _at(b, "notes.md", 5) == datetime(2025, 6, 26, 0, 37, tzinfo=UTC)
    assert _at(b, "notes.md", 6) == datetime(2025, 6, 26, 6, 8, tzinfo=UTC)
    # a date a timed line only mentions (an expiry to come) leaves the notes on their day
    expiry = Material(name="e.md", kind="notes", content=(
        "# outage notes 2024-05-14 (all times UTC)\n"
        "- 10:02 cert on api-gw expires 2024-06-30 00:00, renewal job never ran\n"
        "- 10:05 api-gw down, TLS errors\n"
    ))  # fmt: skip
    assert _at(_bundle(expiry, tz="UTC"), "e.md", 3) == datetime(2024, 5, 14, 10, 5, tzinfo=UTC)
    # "Sat 14:02" in Monday's notes is the Saturday before
    sat = Material(name="n.md", kind="notes", content="# notes, Monday 2024-05-13\n- Sat 14:02 deploy went out\n")
    assert _at(_bundle(sat, tz="UTC"), "n.md", 2) == datetime(2024, 5, 11, 14, 2, tzinfo=UTC)


def test_an_issue_trackers_byline_times_the_comment_below_it() -> None:
    """"Opened by marek, <time>" heads the text under it: that text is not stamped by the next comment's byline."""
    ticket = Material(name="github-issue.txt", kind="ticket", content=(
        'Issue: e2e presubmits all failing\n'
        "Opened by marek, 2019-03-26T09:50:00Z\n"
        "  Every run since last night fails during setup. Is boskos down?\n"
        "Comment by marek, 2019-03-26T11:02:00Z\n"
        "  still failing, merge queue is blocked\n"
    ))  # fmt: skip
    b, _ = bundle_from_materials([ticket], id="t", timezone="UTC")
    by_id = b.evidence_by_id()
    assert by_id["github-issue.txt:3"].at == datetime(2019, 3, 26, 9, 50, tzinfo=UTC)
    assert by_id["github-issue.txt:5"].at == datetime(2019, 3, 26, 11, 2, tzinfo=UTC)


def test_an_emails_date_or_sent_header_times_its_own_message_not_the_next_ones() -> None:
    """A mail thread copied from a client ("From:", "Sent:", "Subject:", body) is timed message by message: the body
    under a "Sent:" header takes that header's time, not the next message's as a footer would; a single mail's body
    takes its "Date:" header's time; a line with its own time keeps it."""
    thread = Material(name="mail-thread.txt", kind="ticket", content=(
        "From: Dana (support)\n"
        "Sent: Tuesday, March 4, 2025 5:12 AM\n"
        "Subject: checkout page blank for EU shoppers?\n"
        "Three shops wrote in: the checkout page renders blank and orders stop.\n"
        "\n"
        "From: Omar (payments)\n"
        "Sent: Tuesday, March 4, 2025 5:31 AM\n"
        "Subject: RE: checkout page blank for EU shoppers?\n"
        "Seeing it too. I phoned the on-call at 5:20 and left a message.\n"
    ))  # fmt: skip
    mail = Material(name="customer-mail.txt", kind="ticket", content=(
        "From: shop owner\n"
        "Date: Tue, 4 Mar 2025 11:05:40 +0100\n"
        "Subject: no orders since this morning\n"
        "Our checkout has shown a blank page for about an hour.\n"
    ))  # fmt: skip
    b = _bundle(thread, mail, tz="America/New_York")
    by_id = b.evidence_by_id()
    assert by_id["mail-thread.txt:4"].at == datetime(2025, 3, 4, 10, 12, tzinfo=UTC)
    assert by_id["mail-thread.txt:9"].at == datetime(2025, 3, 4, 10, 20, tzinfo=UTC)  # its own time
    assert by_id["customer-mail.txt:4"].at == datetime(2025, 3, 4, 10, 5, 40, tzinfo=UTC)
    assert "mail-thread.txt:2" not in by_id and "customer-mail.txt:2" not in by_id  # the headers are spent


def test_a_handle_byline_and_a_posted_footer_time_their_posts_not_the_times_they_mention() -> None:
    """A web view's "[<time>] @handle (member)" heads the comment under it, even one that mentions another time
    ("keys issued before 09:00 UTC were revoked"); a status post wrapped onto an indented rest that ends with its
    "Posted <time>" is stamped by that footer, which is no part of its text."""
    thread = Material(name="issue-12.txt", kind="ticket", content=(
        "acme/widgets#12  \"Release 2.4.1 ships a miner\"  (web view, times UTC)\n"
        "[2024-02-06T08:12:00Z] @sunil-k\n"
        "  The postinstall of 2.4.1 downloads a binary and runs it.\n"
        "[2024-02-06T14:30:10Z] @rhea (member)\n"
        "  The registry revoked every key issued before 2024-02-06 09:00 UTC. Write-up to follow.\n"
    ))  # fmt: skip
    status = Material(name="registry-status.txt", kind="ticket", content=(
        "registry status - Malicious release published with a stolen key\n"
        "Resolved - Every key issued before 2024-02-06 09:00 UTC has been revoked. If your CI publishes, create\n"
        "  a new key. Posted Feb 6, 2024 - 14:05 UTC\n"
    ))  # fmt: skip
    by_id = _bundle(thread, status, tz="UTC").evidence_by_id()
    assert by_id["issue-12.txt:3"].at == datetime(2024, 2, 6, 8, 12, tzinfo=UTC)
    assert by_id["issue-12.txt:5"].at == datetime(2024, 2, 6, 14, 30, 10, tzinfo=UTC)
    post = by_id["registry-status.txt:2"]
    assert post.at == datetime(2024, 2, 6, 14, 5, tzinfo=UTC)
    assert post.text.endswith("create a new key.") and "Posted" not in post.text


def test_a_notes_line_kept_in_local_time_is_told_in_utc_in_the_draft() -> None:
    """Notes kept in PDT ("first report 2019-03-26 02:50 on GitHub, then Slack at 05:16"): the draft, whose times are
    all UTC, tells a dated time in UTC, so a reader never takes 02:50 PDT for 02:50 UTC."""
    from pmstudio.agents.messages import parse_prompt, render_evidence
    from pmstudio.offline.analysis import analyse

    notes = Material(name="pm-notes.md", kind="notes", content=(
        "# boskos outage - notes\nAll times PDT unless marked.\n"
        "- first report 2019-03-26 02:50 on GitHub, then Slack at 05:16 and 06:27\n"
    ))  # fmt: skip
    b, _ = bundle_from_materials([notes], id="k", timezone="America/Los_Angeles")
    a = analyse(parse_prompt(render_evidence(b)).evidence)
    item = next(i for i in a.items if i.id == "pm-notes.md:3")
    assert a.say(item) == "first report 2019-03-26 09:50 UTC on GitHub, then Slack at 05:16 and 06:27"


def test_a_day_line_in_equals_signs_or_with_its_weekday_dates_the_chat_below_it() -> None:
    """Chat exports mark the days with a line of their own ("=== 2025-11-24 ===", "--- Wednesday 2025-07-30 ---",
    "-- Monday 24 February 2025 --"): the times below follow that day, not the bundle's other days."""
    for mark, day in (("=== 2025-11-24 ===", 24), ("--- Monday 2025-11-24 ---", 24), ("-- Tuesday 25 November 2025 --", 25)):
        chat = Material(name="chat.txt", kind="chat", content=f"{mark}\n09:31 tom: all bad versions deleted\n")
        notes = Material(name="n.md", kind="notes", content="# notes (UTC)\n- 2025-11-18 17:40 fork PR ran the workflow\n")
        b = _bundle(chat, notes, tz="UTC")
        assert _at(b, "chat.txt", 2) == datetime(2025, 11, day, 9, 31, tzinfo=UTC)


def test_an_ordinal_day_beside_a_bare_time_dates_that_time_only() -> None:
    """"09:30 on the 24th" in notes that last named the 18th is on the 24th; the notes after it stay on their day."""
    notes = Material(name="n.md", kind="notes", content=(
        "# remediation notes (UTC)\n"
        "- 2025-11-18 17:40 fork PR runs the modified script\n"
        "- 09:30 on the 24th: malicious versions gone, tokens revoked\n"
        "- 18:02 the fork was deleted\n"
    ))  # fmt: skip
    b = _bundle(notes, tz="UTC")
    assert _at(b, "n.md", 3) == datetime(2025, 11, 24, 9, 30, tzinfo=UTC)
    assert _at(b, "n.md", 4) == datetime(2025, 11, 18, 18, 2, tzinfo=UTC)
    before = Material(name="m.md", kind="notes", content="# notes 2023-11-02 (UTC)\n- rebuilding there until 04:25 UTC on the 4th\n")
    assert _at(_bundle(before, tz="UTC"), "m.md", 2) == datetime(2023, 11, 4, 4, 25, tzinfo=UTC)


def test_an_approximate_time_beside_its_date_is_on_that_date() -> None:
    """"2021-03-09 ~21:15 UTC until 2021-03-10 00:45 UTC": the window's start is on its own day, not the end's."""
    notes = Material(name="n.md", kind="notes", content="IPv4 outage, 2021-03-09 ~21:15 UTC until 2021-03-10 00:45 UTC.\n")
    assert _at(_bundle(notes, tz="UTC"), "n.md", 1) == datetime(2021, 3, 9, 21, 15, tzinfo=UTC)


def test_a_status_posts_wrapped_rest_joins_it_and_a_forum_byline_times_the_post_below() -> None:
    """A status post hard-wrapped onto indented lines ("... Customers may see" + "  failures using HTTPS.", "...
    because they depend on" + "  the vault over TLS.") is one post; a forum's "Posted <time> by a customer" and
    "Reply 1:40 PM" time the text under them."""
    board = Material(name="status-board.txt", kind="ticket", content=(
        "Service board - Object storage\n"
        "5/3/2024 9:44 AM PDT  We are investigating an issue affecting object storage in all regions. Customers may see\n"
        "  failures using HTTPS. Updates will follow.\n"
        "5/3/2024 10:45 AM PDT  Queues and the build service are also impacted because they depend on\n"
        "  Object storage over HTTPS.\n"
        "Investigating - We are seeing delays in processing inbound uploads. Indexing and\n"
        "  notifications may be delayed for some customers.\n"
    ))  # fmt: skip
    forum = Material(name="forum-thread.txt", kind="ticket", content=(
        'Forum - "HTTPS errors on storage?"\n'
        "Posted 5/3/2024 9:58 AM (UTC-07:00) by a customer\n"
        "  Every upload over https fails with a certificate error since a few minutes ago.\n"
        "Reply 10:40 AM\n"
        "  Same here, downloads too.\n"
    ))  # fmt: skip
    b = _bundle(board, forum, tz="America/Los_Angeles")
    by_id = b.evidence_by_id()
    assert by_id["status-board.txt:2"].text.endswith("Customers may see failures using HTTPS. Updates will follow.")
    assert by_id["status-board.txt:4"].text.endswith("because they depend on Object storage over HTTPS.")
    assert "status-board.txt:3" not in by_id and "status-board.txt:5" not in by_id and "status-board.txt:7" not in by_id
    assert "Indexing and notifications may be delayed" in by_id["status-board.txt:6"].text
    assert by_id["forum-thread.txt:3"].at == datetime(2024, 5, 3, 16, 58, tzinfo=UTC)
    assert by_id["forum-thread.txt:5"].at == datetime(2024, 5, 3, 17, 40, tzinfo=UTC)


def test_a_line_indented_under_a_title_that_ends_a_sentence_stays_apart() -> None:
    """Deeper lines under a title stay apart unless the title breaks off mid-sentence."""
    notes = Material(name="n.md", kind="notes", content=(
        "Storage HTTPS outage on the 3rd, what the on-call saw in order\n"
        "  Uploads failed first, then the queue workers\n"
    ))  # fmt: skip
    by_id = _bundle(notes, tz="UTC").evidence_by_id()
    assert "n.md:2" in by_id


def test_a_labelled_fields_hanging_indented_rest_joins_it() -> None:
    """"CAUSE: ... that made the kernel stop the" + "  Indexer service." is one field value (a report's hanging
    indent), not a sentence cut off and a line of its own; a title over an indented block stays apart."""
    notes = Material(name="report.md", kind="notes", content=(
        "Search outage - report (draft)\n"
        "CAUSE: the runtime on the index hosts has a known leak that made the kernel stop the\n"
        "  Indexer service.\n"
        "Storage HTTPS outage on the 3rd, what the on-call saw in order\n"
        "  Uploads failed first, then the queue workers\n"
    ))  # fmt: skip
    by_id = _bundle(notes, tz="UTC").evidence_by_id()
    assert by_id["report.md:2"].text.endswith("made the kernel stop the Indexer service.")
    assert "report.md:3" not in by_id and "report.md:5" in by_id


def test_an_analysis_naming_an_earlier_event_and_one_word_pairs_shift_no_source() -> None:
    """A support case's "Initial root cause analysis: the main issue is an expired certificate" (read hours after the
    certificate expired) is no report of the expiry: the log stays in UTC and the operator's notice, written in JST,
    stays as written. Two chat lines sharing one common word each ("every", "nodes") with other sources four hours
    apart fall there by chance: the chat stays on the day and zone it was written in."""
    chat = Material(
        name="noc-chat.txt",
        kind="chat",
        content=(
            "05:07 gwen: data sessions dropping on the core, 4G and 3G both\n"
            "05:31 ravi: raised a P1 with the vendor, other operators have it too\n"
            "08:58 gwen: certs must be reissued to every affected core node, then restarts\n"
            "11:30 gwen: first nodes reissued and restarted, watching them\n"
        ),
    )
    case = Material(
        name="vendor-case.txt",
        kind="ticket",
        content=(
            "Case 0412\n"
            "06 Dec 06:35 CET  Disturbances reported by several customers. Investigating.\n"
            "06 Dec 08:30 CET  Issue isolated to certain nodes running two software versions.\n"
            "06 Dec 09:40 CET  Initial root cause analysis: the main issue is an expired certificate in the software.\n"
        ),
    )
    log = Material(
        name="node-07.log",
        kind="log",
        content=(
            "Dec  6 04:39:00 node-07 certmgr[2211]: certificate 'sw-ident' notAfter reached, status=EXPIRED\n"
            "Dec  6 04:39:01 node-07 s1ap[3120]: peer authentication failed: certificate expired\n"
        ),
    )
    notice = Material(
        name="operator-notice.txt",
        kind="ticket",
        content="Operator notice, 6 December 2018\nServices were hard to use from 13:39 to 18:04 JST. Cause: a software problem.\n",
    )
    mail = Material(
        name="customer-mail.txt",
        kind="ticket",
        content=(
            "From: a fleet customer\nDate: Thu, 06 Dec 2018 14:12:09 +0000\nSubject: trackers offline\n"
            "every driver's handheld has had no data since about 5am.\n"
        ),
    )
    b = _bundle(chat, case, log, notice, mail, tz="Europe/London")
    assert not any("re-read" in note for note in b.time_conflicts), b.time_conflicts
    assert all(r.shifted_hours == 0 for r in b.time_readings)
    assert _at(b, "node-07.log", 1) == datetime(2018, 12, 6, 4, 39, tzinfo=UTC)
    assert _at(b, "noc-chat.txt", 1) == datetime(2018, 12, 6, 5, 7, tzinfo=UTC)


def test_a_label_naming_its_zone_declares_it_for_the_times_on_its_own_line() -> None:
    """"- timeline (UTC): 13:30 ingest degraded; 13:40 everything down" declares UTC for the notes, as a label line
    "Timeline (UTC):" above the times does."""
    notes = Material(
        name="review-notes.md",
        kind="notes",
        content="review prep\n\n- the cluster switch failed\n- timeline (UTC): 13:30 ingest degraded; 13:40 everything down\n",
    )
    b = _bundle(notes, tz="America/New_York", default_date=date(2023, 7, 25))
    reading = next(r for r in b.time_readings if r.material == "review-notes.md")
    assert reading.zone == "UTC" and "says so" in reading.reason
    assert _at(b, "review-notes.md", 4) == datetime(2023, 7, 25, 13, 30, tzinfo=UTC)


def test_a_day_told_right_after_a_lines_time_goes_with_the_time() -> None:
    """"- 05:35 UTC on 4 Feb: that instance stopped accepting writes" tells "that instance stopped accepting writes"
    at 05:35 on that day; the day is no part of what the line says."""
    notes = Material(name="review-notes.md", kind="notes", content="# Review (UTC)\n- 05:35 UTC on 4 Feb: that instance stopped accepting writes.\n")
    b = _bundle(notes, tz="UTC", default_date=date(2019, 2, 4))
    e = b.evidence_by_id()["review-notes.md:2"]
    assert e.text.startswith("that instance stopped") and e.at == datetime(2019, 2, 4, 5, 35, tzinfo=UTC)


def test_a_time_in_a_mails_text_is_the_senders_clock_and_a_title_ending_in_its_zone_declares_it() -> None:
    """A customer's "unreachable since about 8:40 my time" in a mail sent "09:20:05 -0700" is 8:40 at -07:00, not in
    the bundle's zone; a time with its own zone keeps it. A monitor export titled 'monitor "Login p95 > 3s"
    evaluations, UTC' declares its times UTC; a title with a clock time in it declares nothing."""
    mail = Material(name="customer-mail.txt", kind="ticket", content=(
        "From: a hosting customer\n"
        "Date: Sat, 06 Jun 2009 09:20:05 -0700\n"
        "Subject: everything down??\n"
        "My server and DNS have been unreachable since about 8:40 my time.\n"
        "Your notice says the window closes at 16:00 UTC.\n"
    ))  # fmt: skip
    monitor = Material(name="latency-monitor.txt", kind="alerts", content=(
        'monitor "Login p95 > 3s (user-facing)" evaluations, UTC\n'
        "2009-06-06 14:40 RECOVERED (p95 0.38s)\n"
    ))  # fmt: skip
    timed_title = Material(name="deploy-notes.md", kind="notes", content="deploy at 10:00, UTC\n2009-06-06 14:40 rollback\n")
    b = _bundle(mail, monitor, timed_title, tz="America/Chicago")
    assert _at(b, "customer-mail.txt", 4) == datetime(2009, 6, 6, 15, 40, tzinfo=UTC)
    assert _at(b, "customer-mail.txt", 5) == datetime(2009, 6, 6, 16, 0, tzinfo=UTC)
    assert _at(b, "latency-monitor.txt", 2) == datetime(2009, 6, 6, 14, 40, tzinfo=UTC)
    assert _at(b, "deploy-notes.md", 2) == datetime(2009, 6, 6, 19, 40, tzinfo=UTC)


def test_an_onset_told_in_a_mail_sent_just_after_midnight_is_on_the_senders_day_before() -> None:
    """A mail sent "Wed, 5 Jul 2023 00:20:00 +0900" saying logins fail "since 23:50" tells 23:50 on the 4th, Tokyo
    time, which the mail was written after; a time it tells ahead ("the window closes at 23:00") stays on its day."""
    mail = Material(name="customer-mail.txt", kind="ticket", content=(
        "From: an operator in Tokyo\n"
        "Date: Wed, 5 Jul 2023 00:20:00 +0900\n"
        "Subject: login failures\n"
        "Logins fail for our staff since 23:50, every attempt.\n"
        "Our maintenance window closes at 23:00 today.\n"
    ))  # fmt: skip
    b = _bundle(mail, tz="Europe/London")
    assert _at(b, "customer-mail.txt", 4) == datetime(2023, 7, 4, 14, 50, tzinfo=UTC)
    assert _at(b, "customer-mail.txt", 5) == datetime(2023, 7, 5, 14, 0, tzinfo=UTC)


def test_a_bare_time_in_a_post_is_on_the_day_of_the_stamp_closing_that_post() -> None:
    """A status page's last post, "Resolved - Queries run normally again as of 09:10 CET. - Mar 3, 2021 09:25 CET",
    days after the first, tells 09:10 on 3 March (not on the first post's day); "as of 23:50" in a post stamped
    00:15 the next day is the evening before it."""
    page = Material(name="status-page.txt", kind="ticket", content=(
        "Search cluster degraded\n"
        "Investigating - Queries time out for some workspaces. - Feb 27, 2021 16:02 CET\n"
        "Monitoring - A fix is rolling out; most queries run again as of 23:50 CET. - Feb 28, 2021 00:15 CET\n"
        "Resolved - Queries run normally again as of 09:10 CET. - Mar 3, 2021 09:25 CET\n"
    ))  # fmt: skip
    b = _bundle(page, tz="UTC")
    assert _at(b, "status-page.txt", 2) == datetime(2021, 2, 27, 15, 2, tzinfo=UTC)
    assert _at(b, "status-page.txt", 3) == datetime(2021, 2, 27, 22, 50, tzinfo=UTC)
    assert _at(b, "status-page.txt", 4) == datetime(2021, 3, 3, 8, 10, tzinfo=UTC)


def test_a_ticket_whose_stamps_all_name_one_offset_keeps_its_bare_times_in_it_whatever_another_source_says() -> None:
    """A ticket stamped "Date: ... +0200" in its header and its reply has its bare "right after 20:00" read at +02:00
    (18:00 UTC); a chat in its set zone telling a second outage two hours later in the same words does not shift it
    to 20:00 UTC."""
    ticket = Material(name="merchant-ticket.txt", kind="ticket", content=(
        "Ticket #5512 - from: a merchant - Date: Mon, 03 Feb 2025 20:27:45 +0200\n"
        "Our shop was unreachable for a few minutes right after 20:00, customers got timeouts at checkout.\n"
        "Reply (support, Mon, 03 Feb 2025 20:41:10 +0200): Confirmed, a short interruption shortly after 20:00.\n"
    ))  # fmt: skip
    chat = Material(name="ops-chat.txt", kind="chat", timezone="Europe/Helsinki", content=(
        "2025-02-03 20:02 ari: shops timing out, web pool unresponsive\n"
        "2025-02-03 20:09 ari: recovered on its own\n"
        "2025-02-03 22:00 ari: and it's back, shops unreachable for a few minutes, customers got timeouts at checkout\n"
        "2025-02-03 22:01 ari: gone again after a few minutes\n"
    ))  # fmt: skip
    b = _bundle(ticket, chat, tz="Europe/Helsinki")
    assert _at(b, "merchant-ticket.txt", 2) == datetime(2025, 2, 3, 18, 0, tzinfo=UTC)
    assert _at(b, "merchant-ticket.txt", 1) == datetime(2025, 2, 3, 18, 27, 45, tzinfo=UTC)


def test_a_declared_pst_that_the_utc_sources_show_to_be_utc_minus_8_is_read_at_that_offset() -> None:
    """Notes headed "(times PST)" in September are read as Pacific time (UTC-7); when that puts their events an hour
    before a UTC log's record of the same block halt, and PST's own UTC-8 agrees with it, they are re-read at UTC-8,
    bare and "PST" times alike, and the reading says so."""
    notes = Material(name="report-notes.md", kind="notes", content=(
        "# Validator report (times PST)\n"
        "- 2022-09-19 6:47:06 PST chain halted at block 8654227 with the validators\n"
        "- 4:02am engineering turns the web wallet off\n"
    ))  # fmt: skip
    log = Material(name="chain-events.log", kind="log", timezone="UTC", content=(
        "2022-09-19T12:02:10Z wallet-ui maintenance_mode=on source=web-wallet\n"
        "2022-09-19T14:47:06Z consensus: chain halted height=8654227 reason=coordinated-validator-halt\n"
    ))  # fmt: skip
    b = _bundle(notes, log, tz="UTC")
    assert _at(b, "report-notes.md", 2) == datetime(2022, 9, 19, 14, 47, 6, tzinfo=UTC)
    assert _at(b, "report-notes.md", 3) == datetime(2022, 9, 19, 12, 2, tzinfo=UTC)
    reading = next(r for r in b.time_readings if r.material == "report-notes.md")
    assert reading.zone == "PST" and "PST's own offset" in reading.reason
    # a July "(times PST)" that agrees with the log as Pacific daylight time stays so
    summer = Material(name="report-notes.md", kind="notes", content=(
        "# Validator report (times PST)\n- 2022-07-19 7:47:06 PST chain halted at block 8654227 with the validators\n"
    ))  # fmt: skip
    log2 = Material(name="chain-events.log", kind="log", timezone="UTC", content=(
        "2022-07-19T14:47:06Z consensus: chain halted height=8654227 reason=coordinated-validator-halt\n"
    ))  # fmt: skip
    assert _at(_bundle(summer, log2, tz="UTC"), "report-notes.md", 2) == datetime(2022, 7, 19, 14, 47, 6, tzinfo=UTC)


def test_a_title_with_its_zone_in_brackets_then_the_day_declares_the_zone() -> None:
    """"Timeline (UTC), 4 Feb 2026" over bare times declares them UTC, as "Timeline (UTC)" alone does, in a bundle read
    in India's time; a title with a clock time after the bracket declares nothing."""
    notes = Material(name="incident-notes.md", kind="notes", content=(
        "Timeline (UTC), 4 Feb 2026\n- 12:43 database instability, connections start failing\n"
    ))  # fmt: skip
    b = _bundle(notes, tz="Asia/Kolkata", default_date=date(2026, 2, 4))
    assert _at(b, "incident-notes.md", 2) == datetime(2026, 2, 4, 12, 43, tzinfo=UTC)
    timed = Material(name="incident-notes.md", kind="notes", content=(
        "Timeline (UTC), from 12:40\n- 2026-02-04 12:43 database instability\n"
    ))  # fmt: skip
    reading = next(r for r in _bundle(timed, tz="Asia/Kolkata").time_readings if r.material == "incident-notes.md")
    assert reading.zone == "Asia/Kolkata"


def test_a_status_posts_stamp_with_a_comma_before_its_time_dates_that_post_and_leaves_its_text() -> None:
    """A status thread whose posts close with "Dec 08, 2022, 02:16 PM UTC" (a comma, not a dash, before the time)
    dates each post by its own stamp, its wrapped rest too, and the stamp is no part of what the post says."""
    page = Material(name="status-thread.txt", kind="ticket", content=(
        "Webchat Issue (critical)\n"
        "Investigating - We are currently experiencing issues with webchat. Dec 08, 2022, 02:16 PM UTC\n"
        "Postmortem - We made infrastructural changes to support the\n"
        "service further; no further issues seen since. Dec 16, 2022, 10:48 AM UTC\n"
    ))  # fmt: skip
    b = _bundle(page, tz="UTC")
    by_id = b.evidence_by_id()
    assert by_id["status-thread.txt:2"].at == datetime(2022, 12, 8, 14, 16, tzinfo=UTC)
    assert "02:16" not in by_id["status-thread.txt:2"].text
    assert by_id["status-thread.txt:3"].at == datetime(2022, 12, 16, 10, 48, tzinfo=UTC)


def test_a_status_posts_bracketed_stamp_times_that_post() -> None:
    """A status page history copied with each post's stamp in brackets ("Update - ... still degraded. (Dec 15, 2022 -
    16:34 UTC)") times each post by its own stamp, not the last one in the file."""
    page = Material(name="status-page.txt", kind="ticket", content=(
        "Degraded performance in our US data center\n"
        "Investigating - We are investigating degraded performance in our US data center. (Dec 15, 2022 - 16:11 UTC)\n"
        "Update - We have eased some of the pressure on the US database. Performance is better but still degraded; we\n"
        "continue to look for the root cause. (Dec 15, 2022 - 16:34 UTC)\n"
        "Resolved - US performance was degraded for around 2 hours. (Dec 15, 2022 - 18:36 UTC)\n"
    ))  # fmt: skip
    b = _bundle(page, tz="Europe/London")
    assert _at(b, "status-page.txt", 2) == datetime(2022, 12, 15, 16, 11, tzinfo=UTC)
    assert _at(b, "status-page.txt", 3) == datetime(2022, 12, 15, 16, 34, tzinfo=UTC)
    assert "(Dec 15" not in b.evidence_by_id()["status-page.txt:2"].text


def test_a_title_ending_in_its_zone_in_brackets_declares_it() -> None:
    """A provider's case notes titled "Redis host provider, support case 771204 (UTC)" are in UTC, not in the
    bundle's zone."""
    notes = Material(name="provider-case.txt", kind="ticket", content=(
        "Redis host provider, support case 771204 (UTC)\n"
        "2024-02-16 21:41 Customer reports both clusters unreachable. Engineering engaged.\n"
    ))  # fmt: skip
    b = _bundle(notes, tz="America/New_York")
    assert _at(b, "provider-case.txt", 2) == datetime(2024, 2, 16, 21, 41, tzinfo=UTC)


def test_a_write_up_posted_days_later_tells_its_incident_days_times() -> None:
    """A post-mortem posted on a status page a week after the outage ("Postmortem - Mar 09, 2022 - 11:30 UTC") tells
    the outage's times bare: they are on the incident's day (the other sources' span), never after the post itself;
    a sentence opening on its day ("On 2 March 2022 ...") dates its times and the ones after it; a "Timeline (UTC):"
    label after a sentence in a wrapped paragraph declares the zone of the whole material."""
    alerts = Material(name="alerts.txt", kind="alerts", content=(
        "2022-03-02T19:40:00Z FIRING ImageProxyErrors rate=0.41\n"
        "2022-03-02T20:55:00Z RESOLVED ImageProxyErrors\n"
    ))  # fmt: skip
    post = Material(name="status.txt", kind="ticket", content=(
        "Image proxy errors\n"
        "Resolved - Mar 02, 2022 - 21:05 UTC\n"
        "Postmortem - Mar 09, 2022 - 11:30 UTC\n"
        "Between 19:38 UTC and 20:52 UTC thumbnails failed to load for most visitors after a cache key change.\n"
    ))  # fmt: skip
    b = _bundle(alerts, post, tz="Asia/Tokyo")
    assert _at(b, "status.txt", 3) == datetime(2022, 3, 9, 11, 30, tzinfo=UTC)  # the post keeps its own stamp
    assert _at(b, "status.txt", 4) == datetime(2022, 3, 2, 19, 38, tzinfo=UTC)
    # a later post's times that fall before it stay on its day (an update telling what happened that morning)
    same_day = Material(name="status.txt", kind="ticket", content=(
        "Update - Mar 09, 2022 - 11:30 UTC\n"
        "The 09:10 UTC restart brought the proxy back.\n"
    ))  # fmt: skip
    assert _at(_bundle(alerts, same_day, tz="Asia/Tokyo"), "status.txt", 2) == datetime(2022, 3, 9, 9, 10, tzinfo=UTC)

    written = Material(name="postmortem.txt", kind="ticket", content=(
        "Queue stall - Post-incident review - Posted Mar 03, 2022 - 08:00 UTC\n"
        "On 2 March 2022 jobs queued without running between 10:04 and 11:31: all of them ran late, none were lost.\n"
        "The consumers still reported healthy. Timeline (UTC): 10:04 a worker pool resize set its size to zero and\n"
        "jobs stopped; 11:20 the pool size restored; 11:31 the queue empty again.\n"
    ))  # fmt: skip
    b = _bundle(alerts, written, tz="Europe/Berlin")
    assert _at(b, "postmortem.txt", 2) == datetime(2022, 3, 2, 10, 4, tzinfo=UTC)
    assert _at(b, "postmortem.txt", 3) == datetime(2022, 3, 2, 10, 4, tzinfo=UTC)
    assert _at(b, "postmortem.txt", 4) == datetime(2022, 3, 2, 11, 20, tzinfo=UTC)
    assert {r.material: r.zone for r in b.time_readings}["postmortem.txt"] == "UTC"


def test_a_timeline_entry_dated_weeks_off_between_two_of_one_day_takes_their_day() -> None:
    """A draft timeline written by hand slips once ("June 3rd" among "July 3rd" entries, its clock between its
    neighbours'): the slip takes its neighbours' day; an entry on another day whose clock does not fit stays."""
    notes = Material(name="timeline.md", kind="notes", content=(
        "Timeline (UTC)\n"
        "- July 3rd, 2025, 09:10 - Disk alarms on the storage nodes.\n"
        "- June 3rd, 2025, 09:25 - First customer report of failed uploads.\n"
        "- July 3rd, 2025, 09:40 - Nodes drained and replaced.\n"
        "- July 3rd, 2025, 10:05 - Uploads succeed again.\n"
        "- July 10th, 2025, 08:00 - Review held.\n"
    ))  # fmt: skip
    b = _bundle(notes, tz="UTC")
    assert _at(b, "timeline.md", 3) == datetime(2025, 7, 3, 9, 25, tzinfo=UTC)
    assert _at(b, "timeline.md", 6) == datetime(2025, 7, 10, 8, 0, tzinfo=UTC)


def test_a_source_whose_lines_all_name_one_zone_reads_its_bare_times_in_it() -> None:
    """A status page whose updates each say "UTC" reads its bare "outage 12:10 to 16:06" line in UTC too, not in the
    bundle's zone, and says why; a chat quoting a UTC time inside a message ("scale-down at 12:56 UTC") keeps the
    bundle's zone."""
    status = Material(name="status.txt", kind="ticket", content=(
        "Investigating - Nov 20, 2025 12:10 UTC - Services are unreachable in all regions.\n"
        "Resolved - Nov 20, 2025 16:06 UTC - All services have been resumed.\n"
        "Affected: FRA, PAR - major outage 12:10 to 16:06.\n"
    ))  # fmt: skip
    chat = Material(name="chat.txt", kind="chat", content=(
        "13:33 ana: autoscaler log says scale-down at 12:56 UTC\n"
        "13:40 ana: LB counters show 12:00-12:15 UTC, nothing since\n"
        "13:41 ana: posting a note\n"
    ))  # fmt: skip
    b = bundle_from_materials([status, chat], id="t", timezone="Europe/Paris", redact=False)[0]
    affected = next(e for e in b.evidence if e.text.startswith("Affected"))
    assert affected.at == datetime(2025, 11, 20, 12, 10, tzinfo=UTC)
    reading = next(r for r in b.time_readings if r.material == "status.txt")
    assert reading.zone == "UTC" and "all name this one" in reading.reason
    assert next(r for r in b.time_readings if r.material == "chat.txt").zone == "Europe/Paris"


def test_a_source_read_at_the_offset_its_times_write_is_told_without_digits() -> None:
    """A ticket whose replies each carry "-0400" reads its bare line at that offset; Supporting Information says so
    without writing "UTC-04:00", which would read as a time the evidence never gives."""
    from pmstudio.assemble import time_reading_claims

    ticket = Material(name="ticket.txt", kind="ticket", content=(
        "Reply Mon, 16 Mar 2026 11:22 -0400 (agent): outage confirmed, escalated\n"
        "Reply Mon, 16 Mar 2026 12:10 -0400 (customer): console back, thanks\n"
        "Customer note: first failures around 11:05\n"
    ))  # fmt: skip
    b = bundle_from_materials([ticket], id="t", timezone="Europe/Brussels", redact=False)[0]
    note = next(e for e in b.evidence if e.text.startswith("Customer note"))
    assert note.at == datetime(2026, 3, 16, 15, 5, tzinfo=UTC)
    (claim,) = time_reading_claims(b)
    assert not any(c.isdigit() for c in claim.text.replace("ticket.txt", "")), claim.text


def test_a_day_written_with_its_ordinal_dates_the_post_it_opens() -> None:
    """A thread of updates dated "UPDATE @ 25th March 2020, 13:04 UTC" two days after its first post ("Date: Monday
    23rd March 2020, 14:46 UTC") is dated on the 25th, not on the day the thread began; a heading "Thursday 14th May
    2015 - Network Interruption" dates its day."""
    thread = Material(name="status-thread.txt", kind="ticket", content=(
        "Mail outage. Date: Monday 23rd March 2020, 14:46 UTC\n"
        "UPDATE @ 25th March 2020, 13:04 UTC - Fix fully implemented, no more accounts offline.\n"
        "UPDATE @ 25th March 2020, 14:03 UTC - Seeing high load again.\n"
    ))  # fmt: skip
    by_id = _bundle(thread, tz="America/Chicago").evidence_by_id()
    assert by_id["status-thread.txt:1"].at == datetime(2020, 3, 23, 14, 46, tzinfo=UTC)
    assert by_id["status-thread.txt:2"].at == datetime(2020, 3, 25, 13, 4, tzinfo=UTC)
    assert by_id["status-thread.txt:3"].at == datetime(2020, 3, 25, 14, 3, tzinfo=UTC)
    heading = Material(name="status-page.txt", kind="ticket", content="Thursday 14th May 2015 - Network Interruption\n")
    day = _bundle(heading, tz="Europe/London").evidence_by_id()["status-page.txt:1"]
    assert day.at is not None and day.at.date() == date(2015, 5, 14)


def test_an_hour_with_am_pm_keeps_its_zone_and_the_day_written_after_it() -> None:
    """"Around 2 PM EDT 24 July the vendor made a change" in notes begun on 22 July is 18:00 UTC on the 24th: the
    zone after a bare hour is read (not the notes' own zone), and so is the day written right after that zone."""
    notes = Material(name="notes.md", kind="notes", content=(
        "# DC outage notes, 22 July 2019\n"
        "- 7:32 PM: packet loss of 60% to the outside starts\n"
        "- Around 2 PM EDT 24 July the vendor made a change; packet loss ceased.\n"
        "- 9 AM UTC: post-incident review booked\n"
    ))  # fmt: skip
    by_id = _bundle(notes, tz="Europe/London").evidence_by_id()
    assert by_id["notes.md:3"].at == datetime(2019, 7, 24, 18, 0, tzinfo=UTC)
    assert by_id["notes.md:4"].at is not None and by_id["notes.md:4"].at.hour == 9


def test_hours_and_minutes_told_as_a_length_are_no_clock() -> None:
    """"Overall outage 4:23 hours" and "unavailable for queries ~3:20 hours" in notes tell how long, not when: neither
    line is dated 16:23 or 15:20; "at 4:23 PM the UI loaded again" is a clock."""
    notes = Material(name="notes.md", kind="notes", content=(
        "# Cloud outage 28 Feb 2017 - notes\n"
        "- Start 17:37 GMT: object storage in one region failing\n"
        "- Overall outage 4:23 hours.\n"
        "- Queries unavailable ~3:20 hours because writes recovered later.\n"
        "- at 4:23 PM the UI loaded again\n"
    ))  # fmt: skip
    by_id = _bundle(notes, tz="Europe/London").evidence_by_id()
    assert by_id["notes.md:3"].at is None and by_id["notes.md:4"].at is None
    assert by_id["notes.md:5"].at == datetime(2017, 2, 28, 16, 23, tzinfo=UTC)


def test_a_mail_whose_sender_and_date_share_one_line_reads_its_clock_in_the_senders_offset() -> None:
    """A ticket copied with "From: ops@example.org   Date: Wed, 28 May 2025 17:26:40 +0200" on one line times its
    message by that header, and "Since about 17:10 our time" in it is the sender's 17:10 (15:10 UTC), not 17:10 in the
    bundle's Pacific zone, a day off in UTC."""
    ticket = Material(name="customer-ticket.txt", kind="ticket", content=(
        "Ticket #88412  priority: urgent\n"
        "From: ops@windpark.example   Date: Wed, 28 May 2025 17:26:40 +0200\n"
        "Subject: ALL writes failing to eu-central-1\n"
        "Since about 17:10 our time every write from our turbines is rejected.\n"
    ))  # fmt: skip
    by_id = _bundle(ticket, tz="America/Los_Angeles").evidence_by_id()
    assert by_id["customer-ticket.txt:3"].at == datetime(2025, 5, 28, 15, 26, 40, tzinfo=UTC)
    assert by_id["customer-ticket.txt:4"].at == datetime(2025, 5, 28, 15, 10, tzinfo=UTC)


def test_dateless_chat_takes_the_day_whose_dated_lines_it_echoes() -> None:
    """A two-day incident: the on-call chat of the first evening has bare times; a BMS export covers both days, and
    the second day's ticket and crew log outvote the first day, so the chat's first line alone would land on day two.
    Its actions meet the export's dated lines minute for minute on day one (compressor tripped, setpoint changed,
    spare chiller started), so day one is its day."""
    chat = Material(
        name="oncall.txt",
        kind="chat",
        content="14:20 rosa: chiller 2 compressor tripped, room B inlet climbing\n"
        "14:35 rosa: dropped the setpoint on chiller 1 to compensate\n"
        "15:05 ike: spare chiller started, room B inlet falling\n"
        "15:30 ike: inlet at 24C, holding\n",
    )
    bms = Material(
        name="bms-export.log",
        kind="log",
        content="2025-06-11T18:20:14Z CH2 COMPRESSOR TRIP\n"
        "2025-06-11T18:35:40Z CH1 SETPOINT 7.0 -> 5.5\n"
        "2025-06-11T19:05:02Z CH3 START (spare)\n"
        "2025-06-12T14:10:00Z CH2 COMPRESSOR RESTART after repair\n"
        "2025-06-12T14:40:00Z CH3 STOP\n",
    )
    ticket = Material(name="vendor-ticket.txt", kind="ticket", content="2025-06-12 10:05 vendor on site, replacing CH2 contactor\n")
    crew = Material(name="crew.txt", kind="chat", content="[2025-06-12 10:12] dan: contactor swapped, CH2 back on\n")
    b = _bundle(chat, bms, ticket, crew)  # America/New_York: EDT, UTC-4
    assert _at(b, "oncall.txt", 1) == datetime(2025, 6, 11, 18, 20, tzinfo=UTC)
    assert _at(b, "oncall.txt", 4) == datetime(2025, 6, 11, 19, 30, tzinfo=UTC)
    # one or two minutes in common are chance: a chat echoing a single dated line stays where the span put it
    once = Material(name="oncall.txt", kind="chat", content="14:20 rosa: chiller 2 compressor tripped\n15:30 ike: holding\n")
    assert _at(_bundle(once, bms, ticket, crew), "oncall.txt", 1) == datetime(2025, 6, 12, 18, 20, tzinfo=UTC)
    # a log that writes its own day ("Jun 12 14:20:14", syslog without a year) keeps it, whatever it echoes
    syslog = Material(name="ahu.log", kind="log", content="Jun 12 18:20:14 ahu-2 fan fault\nJun 12 18:35:40 ahu-2 setpoint\n"
                      "Jun 12 19:05:02 ahu-3 start\n")
    assert _at(_bundle(syslog, bms, ticket, crew, tz="UTC"), "ahu.log", 1) == datetime(2025, 6, 12, 18, 20, 14, tzinfo=UTC)


def test_two_headers_each_dated_with_its_zone_do_not_shift_a_sources_bare_times() -> None:
    """A ticket opened "Jul 25, 2017 5:02 AM PDT" and a status post "Jul 25, 2017 7:00 AM PT" share their date's
    words two hours apart, but each time is read as written: no zone to re-read, so the ticket's bare "5:20 AM" note
    stays in the bundle's zone (12:20 UTC), not two hours later."""
    ticket = Material(name="customer-ticket-4471.txt", kind="ticket", content=(
        "Ticket #4471  Priority: Urgent  Opened: Jul 25, 2017 5:02 AM PDT\n"
        "Every link in our campaign lands on a parking page.\n"
        "Internal note (support, 5:20 AM): same as the others, linked to the war room.\n"
    ))  # fmt: skip
    status = Material(name="status-thread.txt", kind="ticket", content=(
        "@acme Jul 25, 2017 7:00 AM PT\n"
        "We know about the problem with our domain and are working on it.\n"
    ))  # fmt: skip
    b = _bundle(ticket, status, tz="America/Los_Angeles")
    assert not b.time_conflicts, b.time_conflicts
    assert _at(b, "customer-ticket-4471.txt", 3) == datetime(2017, 7, 25, 12, 20, tzinfo=UTC)


def test_a_dateless_chat_exported_one_file_a_day_takes_the_day_its_name_states() -> None:
    """Cirun 2025 (r106): "eng-chat-2025-10-31.txt" and "eng-chat-2025-11-04.txt", each with bare times, beside a
    deploy log of both days: each chat's lines go on the day its file name states, however near the other day's
    log lines its clock times fall. A name with no day, or with two, dates nothing."""
    first = Material(name="eng-chat-2025-10-31.txt", kind="chat", content="08:16 priya: webhooks piling up\n10:59 priya: queue drained\n")
    again = Material(name="eng-chat-2025-11-04.txt", kind="chat", content="07:48 kofi: it's back, queueing again\n10:38 priya: queue zero\n")
    log = Material(
        name="deploy.log",
        kind="log",
        content="2025-10-31T08:12:09Z worker-2 WorkerLostError\n2025-11-04T07:46:02Z worker-1 crashed\n"
        "2025-11-04T10:20:44Z deploy: complete rollback\n2025-11-04T10:37:15Z queue depth=0\n",
    )
    b = _bundle(first, again, log, tz="UTC")
    assert _at(b, "eng-chat-2025-10-31.txt", 1) == datetime(2025, 10, 31, 8, 16, tzinfo=UTC)
    assert _at(b, "eng-chat-2025-10-31.txt", 2) == datetime(2025, 10, 31, 10, 59, tzinfo=UTC)
    assert _at(b, "eng-chat-2025-11-04.txt", 2) == datetime(2025, 11, 4, 10, 38, tzinfo=UTC)
    from pmstudio.timeparse import named_day

    assert [s.value.date() if (s := named_day(n)) else None for n in ("irc-20160516.log", "notes.md", "a-2021-01-01-to-2021-01-02.log")] == [
        date(2016, 5, 16), None, None,
    ]  # fmt: skip
