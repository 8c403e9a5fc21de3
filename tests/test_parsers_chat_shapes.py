"""Chat, log and note shapes from real tools that the parsers read (issue 11, held-out round r16): irssi's and
WeeChat's logs, a Discord export, a forum thread's numbered posts, MongoDB's structured log, a note's yearless day
label and offsets written as "UTC+2". Every line here was written for this test."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from pmstudio.ingest import bundle_from_materials
from pmstudio.parsers.log import json_record
from pmstudio.schema import Material
from pmstudio.timeparse import find_day_label, find_stamp


def _evidence(name: str, kind: str, content: str, tz: str = "UTC") -> list[tuple[datetime | None, str | None, str]]:
    bundle, _ = bundle_from_materials([Material(name=name, kind=kind, content=content)], id="x", timezone=tz)
    return [(e.at, e.actor, e.text) for e in bundle.evidence]


def test_an_irssi_log_dates_its_lines_by_its_day_changed_lines_and_reads_a_blank_mode() -> None:
    got = _evidence("irc-ops.log", "chat", (
        "--- Log opened Tue Mar 05 08:12:40 2019\n"
        "09:14 < priya> api answers 502 on every call\n"
        "--- Day changed Thu Mar 07 2019\n"
        "10:02 <@osman> same 502s again, restarting the pool\n"
    ))  # fmt: skip
    assert got == [
        (datetime(2019, 3, 5, 9, 14, tzinfo=UTC), "priya", "api answers 502 on every call"),
        (datetime(2019, 3, 7, 10, 2, tzinfo=UTC), "osman", "same 502s again, restarting the pool"),
    ]


def test_a_weechat_log_separates_time_nick_and_message_by_tabs() -> None:
    got = _evidence("ops.weechat.log", "chat", (
        "2022-11-02 21:40:05\t--\tpagebot: [FIRING] queue depth above 10k\n"
        "2022-11-02 21:41:30\tmarta\tconsumers are stuck, looking\n"
    ), tz="Europe/Berlin")  # fmt: skip
    assert got == [
        (datetime(2022, 11, 2, 20, 40, 5, tzinfo=UTC), "pagebot", "[FIRING] queue depth above 10k"),
        (datetime(2022, 11, 2, 20, 41, 30, tzinfo=UTC), "marta", "consumers are stuck, looking"),
    ]


def test_a_discord_export_puts_the_message_under_its_author_and_tag() -> None:
    got = _evidence("ops-discord-export.txt", "chat", (
        "[3/9/2023 4:05 PM] heron#4410\n"
        "the sync job is hammering the api again\n"
        "\n"
        "[3/9/2023 4:07 PM] Uptime#0000\n"
        "[Down] api health check\n"
    ))  # fmt: skip
    assert got == [
        (datetime(2023, 3, 9, 16, 5, tzinfo=UTC), "heron", "the sync job is hammering the api again"),
        (datetime(2023, 3, 9, 16, 7, tzinfo=UTC), "Uptime#0000", "[Down] api health check"),  # a webhook: a bot
    ]
    from pmstudio.offline.people import is_bot

    assert is_bot("Uptime#0000") and not is_bot("heron")


def test_a_forum_posts_number_is_kept_so_its_author_reads_as_a_speaker() -> None:
    from pmstudio.parsers.common import clean_text
    from pmstudio.parsers.speakers import NAMED_SPEAKER

    line = clean_text("#12 rook_endgame: the site gives me 502 again")
    assert line.startswith("#12 ")
    m = NAMED_SPEAKER.match(line)
    assert m is not None and m["name"] == "rook_endgame"
    assert clean_text("# Timeline") == "Timeline"  # a heading's mark still goes


def test_a_mongodb_structured_log_line_has_its_time_severity_and_attributes() -> None:
    record = {"t": {"$date": "2023-06-01T04:10:02.117+00:00"}, "s": "F", "c": "STORAGE", "id": 28595, "ctx": "conn12",
              "msg": "\n\nWiredTiger error\n", "attr": {"error": 13, "message": "Permission denied"}}  # fmt: skip
    found = json_record(json.dumps(record), UTC)
    assert found is not None
    at, text = found
    assert at == datetime(2023, 6, 1, 4, 10, 2, 117000, tzinfo=UTC)
    assert text == "FATAL WiredTiger error c=STORAGE id=28595 ctx=conn12 error=13 message=Permission denied"
    assert "\n" not in text


def test_a_notes_line_labelled_with_a_day_without_its_year_dates_its_times() -> None:
    got = _evidence("incident-notes.md", "notes", (
        "# cache outage notes\n"
        "- 28 Dec 2023 22:10 first page, cache hit rate fell to zero\n"
        "- 3 Jan: same failure, 14:05 -> 14:40, ended when the warmer was disabled\n"
    ))  # fmt: skip
    assert [at for at, _, _ in got if at is not None] == [
        datetime(2023, 12, 28, 22, 10, tzinfo=UTC),
        datetime(2024, 1, 3, 14, 5, tzinfo=UTC),  # the year after: nearest the notes' date so far
    ]
    label = find_day_label("- Mar 14: replica lag back")
    assert label is not None and (label.value.month, label.value.day, label.has_year) == (3, 14, False)
    assert find_day_label("- 3 replicas: lagging") is None


def test_an_offset_written_after_utc_is_read_as_a_person_means_it() -> None:
    plus_two = timezone(timedelta(hours=2))
    for line in ("Reply, 30 Aug 2020 18:33 (UTC+2): restored", "30 Aug 2020 18:33 UTC+2", "2020-08-30 18:33 GMT+02:00"):
        stamp = find_stamp(line, anywhere="any")
        assert stamp is not None and stamp.zone is not None, line
        assert stamp.value.replace(tzinfo=stamp.zone) == datetime(2020, 8, 30, 18, 33, tzinfo=plus_two), line
    bracketed = find_stamp("(14:02 UTC) api back")
    assert bracketed is not None and bracketed.zone == UTC


def test_a_zone_named_as_a_browser_shows_the_times_is_the_materials_zone() -> None:
    got = _evidence("status-tweets.txt", "ticket", (
        "@acme_status tweets (times as shown in a US/Pacific browser)\n"
        "7:08 AM - 13 Nov 2013: We're aware the api is slow.\n"
    ))  # fmt: skip
    assert got[-1][0] == datetime(2013, 11, 13, 15, 8, tzinfo=UTC)


def test_a_time_only_list_item_heads_no_paragraph_after_its_list_and_a_zone_label_declares_the_zone() -> None:
    from pmstudio.parsers.zones import declared_zone

    assert declared_zone(Material(name="n.md", kind="notes", content="Windows (UTC):\n- 3 Mar 09:00")) is not None
    bundle, _ = bundle_from_materials([Material(name="draft.md", kind="notes", content=(
        "# cache outages - draft\n"
        "Windows (UTC):\n"
        "- 3 Mar 09:00-09:40\n"
        "- 5 Mar 14:10-14:30\n"
        "Root cause: the warmer job filled the cache nodes' disks.\n"
        "5 Mar, from T0 = 14:10: warmer paused, disks cleaned.\n"
    ))], id="x", timezone="America/Chicago")  # fmt: skip
    got = {e.text: e.at for e in bundle.evidence}
    assert got["Root cause: the warmer job filled the cache nodes' disks."] is None
    assert got["5 Mar 14:10-14:30"] is not None and got["5 Mar 14:10-14:30"].hour == 14  # read in UTC, as declared
    assert [r.zone for r in bundle.time_readings] == ["UTC"]


def test_a_date_a_few_words_after_an_inline_time_dates_that_time_only() -> None:
    got = _evidence("notes.md", "notes", (
        "# queue outage notes\n"
        "- 2024-05-14 09:10 queue depth alert\n"
        "- Outage length unknown: at most 20 hours (since the 1:15 PM config push on 2024-05-13), probably 3 hours.\n"
        "- 09:40 consumers restarted\n"
    ))  # fmt: skip
    assert [at for at, _, _ in got if at is not None] == [
        datetime(2024, 5, 14, 9, 10, tzinfo=UTC),
        datetime(2024, 5, 13, 13, 15, tzinfo=UTC),  # the day its own clause names
        datetime(2024, 5, 14, 9, 40, tzinfo=UTC),  # the notes' own day is kept for the lines after it
    ]
    from pmstudio.offline.classify import OUTAGE_LENGTH

    assert OUTAGE_LENGTH.search("Outage length unknown: at most 20 hours (since the 1:15 PM config push)")
    assert not OUTAGE_LENGTH.search("13:15 config push to all regions")


def test_a_copied_posts_source_tag_dates_it_and_its_indented_rest_goes_on_with_it() -> None:
    """A page of copied company posts, each opened by a tag naming its kind and day ("[statement, 4 May 2022] ...",
    "[press, 6 May 2022 - 09:15 CEST] ...") and hard-wrapped with an indent: one post per tag, dated by the tag (a
    clock time inside its first sentence sets the time), its rest joined whatever its case or the times its later
    sentences tell; the tag is no part of what it says."""
    got = _evidence("updates.txt", "ticket", (
        "[status] Flooding in our Lyon hall: all racks in room 3 are off. If you run there, fail over to\n"
        "  another region.\n"
        "[statement, 4 May 2022] Water came in at 11:20 p.m. through the roof of room 3, above the\n"
        "  storage rows. From 1:05 a.m. the power to the room was cut. By 2:40 a.m. it was dry again.\n"
        "[update, 5 May 2022] Room 3: 40 racks checked, 12 racks replaced.\n"
        "[press, 6 May 2022 - 09:15 CEST] Room 3 is back: every rack answers and customers have their servers:\n"
        "  tested rack by rack.\n"
        "[x] not a tag: a ticked box\n"
    ), tz="Europe/Paris")  # fmt: skip
    assert got == [
        (None, None, "Flooding in our Lyon hall: all racks in room 3 are off. If you run there, fail over to another region."),
        (datetime(2022, 5, 4, 21, 20, tzinfo=UTC), None, (
            "Water came in at 11:20 p.m. through the roof of room 3, above the storage rows. From 1:05 a.m. the power to "
            "the room was cut. By 2:40 a.m. it was dry again."
        )),
        (datetime(2022, 5, 5, tzinfo=UTC), None, "Room 3: 40 racks checked, 12 racks replaced."),
        (datetime(2022, 5, 6, 7, 15, tzinfo=UTC), None, (
            "Room 3 is back: every rack answers and customers have their servers: tested rack by rack."
        )),
        (None, None, "[x] not a tag: a ticked box"),
    ]


def test_a_status_post_s_own_stamp_after_its_last_sentence_dates_it_and_leaves_its_text() -> None:
    """A status page copied as plain lines: each post closes with its own stamp ("... still affected. Aug 1, 2018 -
    1:58 AM PDT"), which dates the post and is no part of what it says; an undated post goes on to the line that
    closes with its stamp, even when that line opens with a name ("Fastmail. Aug 1 ...") or the post's first line
    ended a sentence."""
    got = _evidence("status-posts.txt", "ticket", (
        "Investigating - We see network problems at our main site. Many users cannot reach\n"
        "Mailbox Pro. Aug 1, 2018 - 12:39 AM PDT\n"
        "Update - Our provider is working on it (ticket 4471).\n"
        "No mail is lost. Posted Aug 1, 2018 - 1:50 AM PDT\n"
        "Resolved - Full service has been restored and the queue is empty. A post-mortem will follow.\n"
        "Aug 1, 2018 - 3:15 AM PDT\n"
        "Postmortem - Posted Aug 08, 2018 - 20:49 UTC\n"
    ))  # fmt: skip
    assert got == [
        (datetime(2018, 8, 1, 7, 39, tzinfo=UTC), None,
         "Investigating - We see network problems at our main site. Many users cannot reach Mailbox Pro."),
        # its own stamp, not the one closing the post after it
        (datetime(2018, 8, 1, 8, 50, tzinfo=UTC), None, "Update - Our provider is working on it (ticket 4471). No mail is lost."),
        (datetime(2018, 8, 1, 10, 15, tzinfo=UTC), None,
         "Resolved - Full service has been restored and the queue is empty. A post-mortem will follow."),
        # a post that is only its label keeps its stamp as what it says
        (datetime(2018, 8, 8, 20, 49, tzinfo=UTC), None, "Postmortem - Posted Aug 08, 2018 - 20:49 UTC"),
    ]  # fmt: skip


def test_an_event_dated_before_the_notes_day_does_not_move_the_bare_times_after_it() -> None:
    """Notes dated 2024-05-14 whose timeline opens with the latent cause ("- 2024-04-30: cert pinned to the old CA")
    keep their bare times on 14 May; a later day written the same way ("- 15 May: ...") still moves them on."""
    got = _evidence("incident-notes.md", "notes", (
        "# api TLS failures, 2024-05-14 (draft notes)\n"
        "## Timeline (UTC)\n"
        "- 2024-04-30: client bundle pins the old CA\n"
        "- 06:10 old CA's intermediate expires, handshakes fail\n"
        "- 07:02 rollback of the pinned bundle\n"
        "- 2024-05-15: stragglers on old clients\n"
        "- 09:00 last old clients updated\n"
    ))  # fmt: skip
    assert [at for at, _, _ in got if at is not None] == [
        datetime(2024, 4, 30, 0, 0, tzinfo=UTC),
        datetime(2024, 5, 14, 6, 10, tzinfo=UTC),
        datetime(2024, 5, 14, 7, 2, tzinfo=UTC),
        datetime(2024, 5, 15, 0, 0, tzinfo=UTC),
        datetime(2024, 5, 15, 9, 0, tzinfo=UTC),
    ]


def test_a_blank_clock_in_notes_leaves_the_line_dated_by_its_day_and_out_of_its_text() -> None:
    """Notes that do not know a time write a blank clock ("- 12 Apr ??:?? vendor pushes a second signature update",
    "- 12 Apr xx:xx ..."): the line is that day's, and the blank is no part of what it says; a clock later in the line
    still dates it ("...; 16:20 scans clean again")."""
    got = _evidence("notes.md", "notes", (
        "# scanner false positive (times UTC)\n"
        "- 11 Apr 09:15 first quarantine report\n"
        "- 12 Apr ??:?? vendor pushes a second signature update\n"
        "- 12 Apr xx:xx vendor confirms the false positive; 16:20 scans clean again\n"
    ))  # fmt: skip
    texts = [t for _, _, t in got]
    assert not any("?" in t or "xx" in t for t in texts), texts
    pushed = {t: at for at, _, t in got}["vendor pushes a second signature update"]
    assert pushed is not None and (pushed.month, pushed.day, pushed.hour, pushed.minute) == (4, 12, 0, 0)
    assert [at.time().isoformat() for at, _, t in got if t.startswith("vendor confirms")] == ["16:20:00"]


def test_a_chat_copy_headed_with_a_weekday_is_dated_on_that_day_near_the_others() -> None:
    """Two chat copies without dates, "# #inc-db (Friday)" and "# #inc-db (Monday, copied without dates)", beside a
    log dated Friday 2025-05-16: the Monday copy's lines fall on Monday 2025-05-19, not on the Friday."""
    bundle, _ = bundle_from_materials([
        Material(name="db.log", kind="log", content="2025-05-16T14:13:00Z db-1 ERROR start failure rate > 20%\n"),
        Material(name="friday.txt", kind="chat", content="# #inc-db (Friday)\n14:15 ana: starts failing everywhere\n"),
        Material(name="monday.txt", kind="chat",
                 content="# #inc-db (Monday, copied without dates)\n13:19 ana: it's back, same symptom\n"),
    ], id="x", timezone="UTC")  # fmt: skip
    days = {e.text: e.at.date().isoformat() for e in bundle.evidence if e.at is not None}
    assert days["starts failing everywhere"] == "2025-05-16"
    assert days["it's back, same symptom"] == "2025-05-19"
