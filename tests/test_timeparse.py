"""Time expressions: every supported format, zones, reference dates, midnight carry-over, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pmstudio.parsers.clock import Clock
from pmstudio.timeparse import find_date_marker, find_range, find_ranges, find_stamp, parse_timestamp, zone

LA = ZoneInfo("America/Los_Angeles")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def resolve(
    line: str, *, tz: str = "UTC", ref: date | None = date(2019, 3, 1), anywhere: str = "none"
) -> datetime | None:
    stamp = find_stamp(line, anywhere=anywhere)
    assert stamp is not None, line
    return Clock(zone(tz), ref_date=ref, now=datetime(2019, 6, 1, tzinfo=UTC)).resolve(stamp)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2019-03-01T14:02:11Z ERROR x", utc(2019, 3, 1, 14, 2, 11)),
        ("2019-03-01T14:02:11.123Z x", utc(2019, 3, 1, 14, 2, 11, 123000)),
        ("2019-03-01 14:02:11,123 - app - x", utc(2019, 3, 1, 14, 2, 11, 123000)),
        ("2019-03-01T16:02:11+02:00 x", utc(2019, 3, 1, 14, 2, 11)),
        ("2019-03-01T07:02:11-0700 x", utc(2019, 3, 1, 14, 2, 11)),
        ("2019-03-01 14:02:11.003 UTC [2288] LOG: x", utc(2019, 3, 1, 14, 2, 11, 3000)),
        ("[2019-03-01 14:02] dana: x", utc(2019, 3, 1, 14, 2)),
        ("2019/03/01 14:02:11 x", utc(2019, 3, 1, 14, 2, 11)),
        ("1551448931 INFO x", utc(2019, 3, 1, 14, 2, 11)),
        ("1551448931123 INFO x", utc(2019, 3, 1, 14, 2, 11, 123000)),
        ("[1551448931.5] x", utc(2019, 3, 1, 14, 2, 11, 500000)),
        ("Mon, 01 Mar 2019 14:02:11 +0000 x", utc(2019, 3, 1, 14, 2, 11)),
        ("01/Mar/2019:06:02:11 -0800 GET /", utc(2019, 3, 1, 14, 2, 11)),
        ("March 1, 2019 at 6:02 AM PST - update", utc(2019, 3, 1, 14, 2)),
        # "PT" / "ET" name the region's zone, so the offset follows the date: PST on March 1, EDT on July 20
        ("March 1, 2019 at 6:02 AM PT - update", utc(2019, 3, 1, 14, 2)),
        ("July 20, 2019 10:02 AM ET - update", utc(2019, 7, 20, 14, 2)),
        ("Jan 20, 2019 9:02 AM ET - update", utc(2019, 1, 20, 14, 2)),
        # a 12-hour clock after an ISO date: PM is twelve hours on (before, "10:02 AM PDT" lost its "AM PDT")
        ("2019-07-20 10:02 PM EDT - update", utc(2019, 7, 21, 2, 2)),
        ("2019-03-01 at 6:02 AM PST - update", utc(2019, 3, 1, 14, 2)),
        ("2019/03/01 12:02 AM UTC - update", utc(2019, 3, 1, 0, 2)),
        ("Mar 1, 2019 - 14:02 UTC Resolved", utc(2019, 3, 1, 14, 2)),
        ("01/Mar/19 2:02 PM Dana Smith added a comment", utc(2019, 3, 1, 14, 2)),
        ("3/1/2019 2:02 PM dana: teams export", utc(2019, 3, 1, 14, 2)),
        ("13/1/2019 14:02 day first when the month cannot be 13", utc(2019, 1, 13, 14, 2)),
        # dashes as US notes write them ("07-30-2023 2:42 am repo setting changed")
        ("- 03-01-2019 2:02 pm repo setting changed", utc(2019, 3, 1, 14, 2)),
        ("13-01-2019 14:02 day first when the month cannot be 13", utc(2019, 1, 13, 14, 2)),
        # "PST" / "EST" written over a summer date mean the region's clock, as people write them all year
        ("July 20, 2019 10:02 AM PST - update", utc(2019, 7, 20, 17, 2)),
        ("July 20, 2019 10:02 AM EST - update", utc(2019, 7, 20, 14, 2)),
        # a colon after the time separates it from the text ("- 2017-11-06 15:25:59: the user calls kill()")
        ("- 2019-03-01 14:02:11: the user calls kill()", utc(2019, 3, 1, 14, 2, 11)),
        ("- 2019-03-01 14:02: the user calls kill()", utc(2019, 3, 1, 14, 2)),
    ],
)
def test_fully_dated_formats(line: str, expected: datetime) -> None:
    stamp = find_stamp(line)
    assert stamp is not None and stamp.full
    # a fully dated stamp ignores the bundle zone unless it has no zone of its own
    assert resolve(line, ref=None) == expected


def test_zoneless_iso_is_read_in_the_bundle_zone() -> None:
    assert resolve("2019-03-01 06:02 dana: x", tz="America/Los_Angeles", ref=None) == utc(2019, 3, 1, 14, 2)


@pytest.mark.parametrize(
    ("line", "tz", "expected"),
    [
        ("14:02 dana: x", "UTC", utc(2019, 3, 1, 14, 2)),
        ("14:02:33 dana: x", "UTC", utc(2019, 3, 1, 14, 2, 33)),
        ("14:02 dana: x", "Europe/Copenhagen", utc(2019, 3, 1, 13, 2)),
        ("2:32 PM dana: x", "UTC", utc(2019, 3, 1, 14, 32)),
        ("12:10am dana: x", "UTC", utc(2019, 3, 1, 0, 10)),
        ("14:02 PDT x", "Asia/Tokyo", utc(2019, 3, 1, 21, 2)),
        ("14:02 UTC x", "America/Los_Angeles", utc(2019, 3, 1, 14, 2)),
        ("16:02:00+02:00 x", "America/Los_Angeles", utc(2019, 3, 1, 14, 2)),
        ("- **14:02** paged on-call", "UTC", utc(2019, 3, 1, 14, 2)),
        ("| 14:02 | Dana | paged |", "UTC", utc(2019, 3, 1, 14, 2)),
    ],
)
def test_bare_times_take_the_reference_date(line: str, tz: str, expected: datetime) -> None:
    assert resolve(line, tz=tz) == expected


def test_bare_time_without_reference_has_no_time() -> None:
    assert resolve("14:02 dana: hi", ref=None) is None


def test_status_page_and_syslog_take_the_year_from_the_reference() -> None:
    assert resolve("Oct 21, 01:45 UTC - Investigating - x", ref=date(2018, 10, 21)) == utc(
        2018, 10, 21, 1, 45
    )
    assert resolve("Oct 21 01:38:02 web-3 nginx[1]: x", ref=date(2018, 10, 22)) == utc(2018, 10, 21, 1, 38, 2)
    # around new year the nearest year wins
    assert resolve("Dec 31 23:59:00 web-3 x", ref=date(2019, 1, 1)) == utc(2018, 12, 31, 23, 59)


def test_day_first_status_posts_without_a_year() -> None:
    # "8 Nov 13:30 AEDT" (Australian and British status pages): the day before the month, no year
    assert resolve("8 Nov 13:30 AEDT - Some services are being restored", ref=date(2023, 11, 8)) == utc(
        2023, 11, 8, 2, 30
    )
    assert resolve("15 Mar 19:39 UTC - Investigating - x", ref=date(2021, 3, 15)) == utc(2021, 3, 15, 19, 39)
    # the day's digits are never split to make a clock: "Mar 19:39" is no "Mar 1, 9:39"
    assert find_stamp("Mar 19:39 UTC - x") is None
    stamp = find_stamp("posted 15 Mar 19:39 UTC - x", anywhere="any")
    assert stamp is not None and (stamp.value.month, stamp.value.day, stamp.value.hour) == (3, 15, 19)


def test_syslog_without_reference_uses_the_latest_past_year() -> None:
    now = datetime(2019, 6, 1, tzinfo=UTC)
    clock = Clock(UTC, now=now)
    stamp = find_stamp("Oct 21 01:38:02 web-3 x")
    assert stamp is not None
    assert clock.resolve(stamp) == utc(2018, 10, 21, 1, 38, 2)  # October 2019 would be in the future


@pytest.mark.parametrize(
    "line",
    [
        "the error rate is at 5%",
        "ratio 10:1:3 of retries",
        "deployed version 1.2.3 to 10.0.3.17:8080",
        "10:20:30:40 is a MAC-ish thing",
        "host db-3:5432 refused",
        "request 1234567890123456 failed",
        "14:02abc",
        "",
    ],
)
def test_ordinary_text_has_no_time(line: str) -> None:
    assert find_stamp(line) is None


def test_anywhere_search_finds_a_time_inside_a_line() -> None:
    assert find_stamp("we paged at 14:02 and waited") is None
    stamp = find_stamp("we paged at 14:02 and waited", anywhere="any")
    assert stamp is not None and stamp.value.hour == 14
    assert find_stamp("we paged at 14:02", anywhere="dated") is None
    logfmt = find_stamp('level=error time=2019-03-01T14:02:11Z msg="x"', anywhere="dated")
    assert logfmt is not None and logfmt.full
    assert find_stamp("rebooted at 2pm", anywhere="any") is not None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # the zone written after a range's end is its start's zone too
        ("21:12 to 21:39 UTC: routes leaked into the backbone", utc(2019, 3, 1, 21, 12)),
        ("all sites down 10:44-11:18 EDT (34 min)", utc(2019, 3, 1, 14, 44)),
        ("2019-03-01 09:05 – 09:50 PST checkout errors", utc(2019, 3, 1, 17, 5)),
        ("Mar 1, 2:15 PM - 3:05 PM PST: degraded", utc(2019, 3, 1, 22, 15)),
        # "-HH:MM" after a clock without seconds ends a range; it is no UTC offset
        ("slow publishing lasted 20:13-21:00 (47 minutes)", datetime(2019, 3, 1, 20, 13, tzinfo=LA)),
        ("activations around 10:46-10:47, going through them", datetime(2019, 3, 1, 10, 46, tzinfo=LA)),
        # real offsets stay offsets: after seconds, after ISO's T, without a colon, or with a plus sign
        ("2019-03-01T07:02:11-07:00 x", utc(2019, 3, 1, 14, 2, 11)),
        ("2019-03-01T07:02-07:00 x", utc(2019, 3, 1, 14, 2)),
        ("07:02-0700 x", utc(2019, 3, 1, 14, 2)),
        ("16:02+02:00 x", utc(2019, 3, 1, 14, 2)),
    ],
)
def test_time_ranges(line: str, expected: datetime) -> None:
    assert resolve(line, tz="America/Los_Angeles", anywhere="any") == expected


@pytest.mark.parametrize(
    ("line", "first", "last", "zone_name"),
    [
        ("all sites down 10:44-11:18 EDT (34 min)", (10, 44), (11, 18), "EDT"),
        ("checkout down 10:44-11:18 ET", (10, 44), (11, 18), "America/New_York"),
        ("from 18:26 to 19:58 PT most APIs failed", (18, 26), (19, 58), "America/Los_Angeles"),
        ("so checkouts failed from 12:00 to 13:40 GMT, 100 minutes", (12, 0), (13, 40), "UTC"),
        ("impact 4:06 pm – 4:38 pm", (16, 6), (16, 38), None),
        ("changes made between 17:20 and 23:25 were lost", (17, 20), (23, 25), None),
        ("Impact 09:07 to 12:58: customers saw errors", (9, 7), (12, 58), None),
    ],
)
def test_a_range_is_read_with_its_zone_written_once(
    line: str, first: tuple[int, int], last: tuple[int, int], zone_name: str | None
) -> None:
    found = find_range(line)
    assert found is not None
    assert (found.first.value.hour, found.first.value.minute) == first
    assert (found.last.value.hour, found.last.value.minute) == last
    if zone_name is None:
        assert found.zone is None
    else:
        assert found.zone is not None
        assert str(found.zone) == zone_name or found.zone.tzname(datetime(2024, 7, 1)) == zone_name


def test_two_times_that_are_no_range_are_none() -> None:
    assert find_range("paged at 10:44, rolled back at 11:18") is None
    assert find_range("2019-03-01T10:44-11:18 x") is None  # an ISO time with its offset
    assert find_range("no times here") is None


def test_chat_midnight_carry_over() -> None:
    clock = Clock(UTC, ref_date=date(2019, 3, 1))
    times = []
    for line in [
        "23:50 a: x",
        "23:58 a: x",
        "00:05 a: x",
        "00:03 a: out of order by two minutes",
        "06:10 a: x",
    ]:
        stamp = find_stamp(line)
        assert stamp is not None
        times.append(clock.resolve(stamp))
    assert times == [
        utc(2019, 3, 1, 23, 50),
        utc(2019, 3, 1, 23, 58),
        utc(2019, 3, 2, 0, 5),
        utc(2019, 3, 2, 0, 3),
        utc(2019, 3, 2, 6, 10),
    ]


def test_dated_line_resets_the_date() -> None:
    clock = Clock(UTC, ref_date=date(2019, 3, 1))
    out = []
    for line in ["22:00 a: x", "[2019-03-05 09:00] a: x", "09:30 a: x", "02:00 a: next day"]:
        stamp = find_stamp(line)
        assert stamp is not None
        out.append(clock.resolve(stamp))
    assert out == [utc(2019, 3, 1, 22), utc(2019, 3, 5, 9), utc(2019, 3, 5, 9, 30), utc(2019, 3, 6, 2)]


def test_notes_do_not_carry_but_stay_near_the_previous_time() -> None:
    clock = Clock(UTC, ref_date=date(2019, 3, 1), carry=False)
    out = []
    for line in ["14:00 started", "13:10 (earlier: the deploy)", "02:00 recovered next night"]:
        stamp = find_stamp(line)
        assert stamp is not None
        out.append(clock.resolve(stamp))
    assert out == [utc(2019, 3, 1, 14), utc(2019, 3, 1, 13, 10), utc(2019, 3, 2, 2)]


def test_reference_span_puts_an_evening_chat_before_a_midnight_alert() -> None:
    span = (utc(2019, 3, 2, 0, 5), utc(2019, 3, 2, 3, 0))
    clock = Clock(UTC, ref_span=span)
    stamp = find_stamp("23:50 dana: seeing errors")
    assert stamp is not None
    assert clock.resolve(stamp) == utc(2019, 3, 1, 23, 50)


def test_dst_transition_in_bundle_zone() -> None:
    # 2024-03-10 02:00 PST -> 03:00 PDT in Los Angeles
    clock = Clock(LA, ref_date=date(2024, 3, 10))
    out = []
    for line in ["01:30 a: before", "03:10 a: after the jump", "13:00 a: afternoon"]:
        stamp = find_stamp(line)
        assert stamp is not None
        out.append(clock.resolve(stamp))
    assert out == [utc(2024, 3, 10, 9, 30), utc(2024, 3, 10, 10, 10), utc(2024, 3, 10, 20, 0)]
    assert out[1] - out[0] == timedelta(minutes=40)


def test_date_markers() -> None:
    for line, expected in [
        ("## 2019-03-01", date(2019, 3, 1)),
        ("--- March 1, 2019 ---", date(2019, 3, 1)),
        ("- 1 Mar 2019: deploy", date(2019, 3, 1)),
        ("Jul 09, 2024 UTC - Reply from JFrog", date(2024, 7, 9)),
    ]:
        marker = find_date_marker(line)
        assert marker is not None and marker.date_only and marker.value.date() == expected, line
    assert find_date_marker("2019-03-01 14:02 dana: x") is not None  # callers try find_stamp first
    assert find_date_marker("deploy of 2019-03-01") is None
    clock = Clock(LA)
    marker = find_date_marker("2024-02-28 UTC (day only): GA")
    assert marker is not None and clock.mark_date(marker) == utc(2024, 2, 28)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-03-01T14:02:11Z", utc(2019, 3, 1, 14, 2, 11)),
        ("2019-03-01T14:02:11.123456789Z", utc(2019, 3, 1, 14, 2, 11, 123456)),
        ("2019-03-01 06:02:11", utc(2019, 3, 1, 14, 2, 11)),  # zone-less: bundle zone (LA)
        ("1551448931.000100", utc(2019, 3, 1, 14, 2, 11, 100)),
        (1551448931, utc(2019, 3, 1, 14, 2, 11)),
        (1551448931123, utc(2019, 3, 1, 14, 2, 11, 123000)),
        ("0001-01-01T00:00:00Z", None),
        ("soon", None),
        ("2019-03-01", None),
        ("nan", None),
        ("1e400", None),
        (True, None),
        (None, None),
        ([1], None),
        (-5, None),
    ],
)
def test_parse_timestamp(value: object, expected: datetime | None) -> None:
    assert parse_timestamp(value, LA) == expected


def test_unknown_zone() -> None:
    with pytest.raises(ValueError, match="unknown timezone"):
        zone("Mars/Olympus_Mons")


def test_a_lower_case_two_letter_word_after_a_time_is_no_zone() -> None:
    stamp = find_stamp("10:44 et al. saw it first")
    assert stamp is not None and stamp.zone is None


def test_find_stamps_reads_every_clock_of_a_line_and_a_range_as_two() -> None:
    from pmstudio.timeparse import find_stamps

    found = find_stamps("At 01:38 UTC, then 2019-10-21 02:05, all down 10:44-11:18 ET; not 1.2.3, 10:1 or 14:02 PM")
    assert [(s.value.hour, s.value.minute, s.has_date) for s in found] == [
        (1, 38, False), (2, 5, True), (10, 44, False), (11, 18, False),
    ]  # fmt: skip
    assert found[0].zone == UTC and found[1].zone is None
    assert str(found[2].zone) == str(found[3].zone) == "America/New_York"


LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("tz", "day", "clock", "expected"),
    [
        # Los Angeles, 2024-03-10: 02:00 PST becomes 03:00 PDT
        (LA, date(2024, 3, 10), "01:30", utc(2024, 3, 10, 9, 30)),  # before the change: PST
        (LA, date(2024, 3, 10), "03:30", utc(2024, 3, 10, 10, 30)),  # after it: PDT
        (LA, date(2024, 3, 10), "02:30", utc(2024, 3, 10, 10, 30)),  # never happens: the offset before (PST)
        # Los Angeles, 2024-11-03: 02:00 PDT becomes 01:00 PST, so 01:30 happens twice
        (LA, date(2024, 11, 3), "00:30", utc(2024, 11, 3, 7, 30)),
        (LA, date(2024, 11, 3), "01:30", utc(2024, 11, 3, 8, 30)),  # the first 01:30, still PDT
        (LA, date(2024, 11, 3), "02:30", utc(2024, 11, 3, 10, 30)),
        # London, 2024-03-31: 01:00 GMT becomes 02:00 BST
        (LONDON, date(2024, 3, 31), "00:30", utc(2024, 3, 31, 0, 30)),
        (LONDON, date(2024, 3, 31), "01:30", utc(2024, 3, 31, 1, 30)),  # never happens: GMT
        (LONDON, date(2024, 3, 31), "02:30", utc(2024, 3, 31, 1, 30)),
        # London, 2024-10-27: 02:00 BST becomes 01:00 GMT; a clock after midnight is still the day before in UTC
        (LONDON, date(2024, 10, 27), "00:30", utc(2024, 10, 26, 23, 30)),
        (LONDON, date(2024, 10, 27), "01:30", utc(2024, 10, 27, 0, 30)),  # the first 01:30, still BST
        (LONDON, date(2024, 10, 27), "02:30", utc(2024, 10, 27, 2, 30)),
        # a fixed offset is the same every day
        (zone("UTC"), date(2024, 3, 10), "02:30", utc(2024, 3, 10, 2, 30)),
    ],
)
def test_a_wall_clock_on_a_date_in_a_zone_is_one_utc_instant_on_dst_change_days(
    tz: ZoneInfo, day: date, clock: str, expected: datetime
) -> None:
    from datetime import time

    from pmstudio.timeparse import wall_to_utc

    assert wall_to_utc(day, time.fromisoformat(clock), tz) == expected
    # a fold already set on the clock is not what decides: the first occurrence always
    assert wall_to_utc(day, time.fromisoformat(clock).replace(fold=1), tz) == expected


def test_a_structured_timestamp_on_the_night_london_puts_clocks_back_is_its_first_occurrence() -> None:
    assert parse_timestamp("2024-10-27 01:30", LONDON) == utc(2024, 10, 27, 0, 30)
    assert parse_timestamp("2024-10-27 02:30", LONDON) == utc(2024, 10, 27, 2, 30)
    assert parse_timestamp("2024-03-31 00:30", LONDON) == utc(2024, 3, 31, 0, 30)


@pytest.mark.parametrize("line", ["2019-10-21, 01:38 web down", "2019-10-21,01:38", "2019-10-21, at 01:38"])
def test_a_date_comma_clock_keeps_its_date(line: str) -> None:
    from pmstudio.timeparse import find_stamps

    stamp = find_stamp(line)
    assert stamp is not None and stamp.full and stamp.value == datetime(2019, 10, 21, 1, 38)
    assert [(s.value, s.has_date) for s in find_stamps(f"seen {line}")] == [(datetime(2019, 10, 21, 1, 38), True)]


@pytest.mark.parametrize(
    ("line", "read"),
    [
        # a sign right after a space, then hh:mm: the clock's offset
        ("paged 10:44 -07:00", [("10:44", -7)]),
        ("paged 10:44 AM -07:00", [("10:44", -7)]),
        ("2019-10-21 10:44 -07:00", [("10:44", -7)]),
        ("10:00 -11:00", [("10:00", -11)]),  # a valid offset after a space is one, whatever it could have been
        # offsets glued to the clock: "+", no colon, after seconds, after ISO's T
        ("10:44+02:00", [("10:44", 2)]),
        ("10:44 -0700", [("10:44", -7)]),
        ("10:44:00-07:00", [("10:44", -7)]),
        ("2019-10-21T10:44-07:00", [("10:44", -7)]),
        # an offset, then the colon that opens what was said ("Agent (Ana) 10:44 -0700: escalated")
        ("Agent (Ana) 10:44 -0700: escalated", [("10:44", -7)]),
        ("reply 10:44 UTC-7: escalated", [("10:44", -7)]),
        # ranges: glued dash, or spaced on both sides, or a minute no offset has
        ("all down 10:44-11:18", [("10:44", None), ("11:18", None)]),
        ("Impact: 07:08-12:43.", [("07:08", None), ("12:43", None)]),
        ("10:00-11:00", [("10:00", None), ("11:00", None)]),
        ("10:44 - 11:18", [("10:44", None), ("11:18", None)]),
        ("10:44 -11:18", [("10:44", None), ("11:18", None)]),
        ("10:00am-11:00am", [("10:00", None), ("11:00", None)]),
        # a range and then its offset: both ends
        ("down 10:44-11:18 -07:00", [("10:44", -7), ("11:18", -7)]),
        ("outage 10:44-11:18 +02:00", [("10:44", 2), ("11:18", 2)]),
    ],
)
def test_a_spaced_signed_hh_mm_after_a_clock_is_its_offset_and_a_glued_one_a_range_end(
    line: str, read: list[tuple[str, int | None]]
) -> None:
    from pmstudio.timeparse import Stamp, find_stamps

    def hours(s: Stamp) -> int | None:
        off = s.value.replace(tzinfo=s.zone).utcoffset() if s.zone is not None else None
        return None if off is None else int(off.total_seconds() // 3600)

    assert [(s.value.strftime("%H:%M"), hours(s)) for s in find_stamps(line)] == read
    assert (find_range(line) is None) == (len(read) == 1)


@pytest.mark.parametrize(
    ("line", "read"),
    [
        ("slow publishing lasted 20.13-21.00 (47 minutes)", ["20.13", "21.00"]),
        ("20.13 – 21.00 CET: publishing slow", ["20.13", "21.00 CET"]),
        ("down 9.30-10.15, then back", ["9.30", "10.15"]),
        ("outage 23.50-00.20", ["23.50", "00.20"]),
        ("from 20.13 to 21.00 CET", ["20.13", "21.00 CET"]),  # joined by a word: the zone after the end says so
        ("at 20.13 CET the IP was blocked", ["20.13 CET"]),
        ("the IP was blocked at 20.13, slow uploads stopped", ["20.13"]),
        ("At 09.30 we paged the database team", ["09.30"]),
        ("standup moved to 9.30am", ["9.30am"]),
        ("2019-10-21 01:38 and again at 20.13", ["2019-10-21 01:38", "20.13"]),
    ],
)
def test_a_dot_clock_is_read_where_its_context_makes_it_a_time(line: str, read: list[str]) -> None:
    from pmstudio.timeparse import find_stamps

    assert [line[s.start : s.end] for s in find_stamps(line)] == read
    assert find_stamp(line, anywhere="any") is not None
    if len(read) == 2 and ":" not in read[0]:
        window = find_range(line)
        assert window is not None and [line[window.first.start : window.first.end], line[window.last.start : window.last.end]] == read


def test_a_dot_clock_keeps_its_zone_and_am_pm() -> None:
    from pmstudio.timeparse import find_stamps

    (cet,) = find_stamps("at 20.13 CET the IP was blocked")
    assert cet.value.strftime("%H:%M") == "20:13" and cet.zone is not None and cet.zone.utcoffset(None) == timedelta(hours=1)
    (pm,) = find_stamps("deploy at 9.30 pm")
    assert pm.value.strftime("%H:%M") == "21:30"
    window = find_range("20.13-21.00 CET, 47 minutes")
    assert window is not None and window.zone is not None and window.first.zone is not None


@pytest.mark.parametrize(
    "line",
    [
        "3.5 GB free",
        "availability 99.95 % this month",
        "SLO 99.95%",
        "7.11 and up. crashes line up with hosts picking up the file",  # a sensor version
        "upgrade to 1.20 tonight",
        "stuck at 1.20",  # a version after "at": a one-digit hour is no clock after "at"
        "ratio 0.15-0.25",
        "versions 1.20-1.22",
        "v1.20-1.22",
        "latency at 20.13 ms",
        "price 12.50-13.20 EUR",
        "load 12.50-13.20%",
        "rose from 12.50 to 13.20",  # joined by a word without a zone
        "between 10.20 and 11.35",
        "about 1.21 billion queries lost",
        "on 20.10.2023 the job failed",  # a date, not 20:10
        "error_ratio=0.42 latency=2.31s",
        "release 1.2.3",
        "25.30-26.10",  # no such hours
    ],
)
def test_a_number_with_two_decimals_is_no_clock_without_a_clock_s_context(line: str) -> None:
    from pmstudio.timeparse import find_stamps

    assert find_stamps(line) == []
    assert find_range(line) is None
    assert find_stamp(line, anywhere="any") is None


@pytest.mark.parametrize("line", ["2000-01-01 -2400 ticket opened", "00:00 -2400 x", "2019-03-01 14:02 +2400 x"])
def test_an_offset_of_a_whole_day_is_no_zone_and_never_a_crash(line: str) -> None:
    """Hypothesis found "-2400" after a date: dateutil reads it as a zone no clock has, whose offset raises."""
    marker = find_date_marker(line)
    assert marker is None or marker.zone is None
    stamp = find_stamp(line, anywhere="any")
    assert stamp is None or stamp.zone is None


def test_every_range_of_a_line_is_found_in_order() -> None:
    line = "Impact windows: checkout 16:45-17:45 (~60 min); search 16:10 to 18:15 (~125 min)"
    found = [(r.first.value.strftime("%H:%M"), r.last.value.strftime("%H:%M")) for r in find_ranges(line)]
    assert found == [("16:45", "17:45"), ("16:10", "18:15")]
    assert find_ranges("paged at 10:44, rolled back at 11:18") == []


@pytest.mark.parametrize(
    ("line", "zone_name", "utc"),
    [
        ("Resolved for all users as of Wednesday, 2022-07-20 9:20 PM US/Pacific.", "US/Pacific", "2022-07-21 04:20"),
        ("mirror back at 2024-01-15 14:05 Europe/Berlin", "Europe/Berlin", "2024-01-15 13:05"),
        ("2023-03-12 01:30 America/New_York window opened", "America/New_York", "2023-03-12 06:30"),
    ],
)
def test_an_iana_zone_name_after_a_clock_is_its_zone(line: str, zone_name: str, utc: str) -> None:
    """Status pages write the zone by its IANA name ("9:20 PM US/Pacific"): the clock is read in that zone, with the
    offset its date has (PDT in July, CET in January, EST before the spring change), and an unknown name is no zone."""
    stamp = find_stamp(line, anywhere="any")
    assert stamp is not None and stamp.zone == ZoneInfo(zone_name)
    assert f"{stamp.value.replace(tzinfo=stamp.zone).astimezone(UTC):%Y-%m-%d %H:%M}" == utc
    unknown = find_stamp("at 2024-01-15 14:05 Mars/Olympus ok", anywhere="any")
    assert unknown is not None and unknown.zone is None


def test_an_android_logcat_line_is_timed_by_its_own_stamp_not_a_date_it_quotes() -> None:
    """logcat's threadtime shape ("01-26 20:10:05.120 4411 4470 E OkHttp: ... expired at Fri Dec 23 15:57:00 EST
    2016"): month-day and clock, then the process, the thread and the level; the date inside the message is not the
    line's."""
    line = "01-26 20:10:05.120 4411 4470 E OkHttp: SSLHandshakeException: expired at Fri Dec 23 15:57:00 EST 2016"
    stamp = find_stamp(line, anywhere="dated")
    assert stamp is not None and (stamp.start, stamp.has_year) == (0, False)
    assert (stamp.value.month, stamp.value.day, stamp.value.hour, stamp.value.minute) == (1, 26, 20, 10)


@pytest.mark.parametrize(
    ("line", "month", "day", "hour"),
    [
        ("- Fix (more connections, timeouts) rolled out June 22nd 10am.", 6, 22, 10),
        ("hotfix shipped on Mar 5 at 8 pm", 3, 5, 20),
        ("Jun 22 9 a.m. all clear", 6, 22, 9),
    ],
)
def test_a_month_and_day_with_an_hour_and_am_pm_dates_the_time_to_that_day(line: str, month: int, day: int, hour: int) -> None:
    """A month and day before a bare hour with am/pm ("June 22nd 10am"): the time of that day, not of the line's own."""
    stamp = find_stamp(line, anywhere="any")
    assert stamp is not None and stamp.has_date and not stamp.has_year
    assert (stamp.value.month, stamp.value.day, stamp.value.hour, stamp.value.minute) == (month, day, hour, 0)


def test_a_day_and_month_without_a_year_beside_a_time_dates_it() -> None:
    """"Tue Mar 10 ~23:50", "~8:15 PM (23 May)" and "around 23:50 on March 10th" name the time's day without its year;
    a number further off ("10:00 the 5 replicas") or a day with its year (read elsewhere) does not count here."""
    from pmstudio.timeparse import find_month_day_beside

    for line, want in (
        ("- Tue Mar 10 ~23:50: senders stop", (3, 10)),
        ("- ~8:15 PM (23 May): web servers flap", (5, 23)),
        ("Postmortem - Around 23:50 on March 10th the senders stopped", (3, 10)),
    ):
        stamp = find_stamp(line, anywhere="any")
        assert stamp is not None and not stamp.has_date, line
        day = find_month_day_beside(line, stamp)
        assert day is not None and not day.has_year and (day.value.month, day.value.day) == want, line
    for line in ("10:00 the 5 replicas of May were full", "fixed 10:00 on 5 March 2020", "10:00 deploy; Mar 3 was fine"):
        stamp = find_stamp(line, anywhere="any")
        assert stamp is not None and find_month_day_beside(line, stamp) is None, line


def test_notes_in_a_twelve_hour_clock_without_pm_beside_an_afternoon_bundle_are_afternoon_times() -> None:
    """Notes kept as "4:31 ..." and "5:12-5:35 outage" with no AM/PM, beside chat and logs dated in the afternoon, are
    read at 16:31 and 17:12 when the morning reading leaves them half a day away from every other source; a "04:31"
    written with its zero, or notes whose morning reading sits beside the rest, keep the morning."""
    from pmstudio.parsers import parse
    from pmstudio.schema import Material

    tz = ZoneInfo("America/Los_Angeles")
    span = (datetime(2026, 1, 14, 0, 20, tzinfo=UTC), datetime(2026, 1, 14, 2, 0, tzinfo=UTC))
    notes = Material(name="notes.md", kind="notes", content="Jan 13 timeline (PST)\n- 4:31 one node failing\n- 5:12-5:35 outage\n")
    got = [e.at for e in parse(notes, tz=tz, ref_span=span) if e.at is not None]
    assert got[:2] == [datetime(2026, 1, 14, 0, 31, tzinfo=UTC), datetime(2026, 1, 14, 1, 12, tzinfo=UTC)]
    zero = Material(name="notes.md", kind="notes", content="Jan 13 timeline (PST)\n- 04:31 one node failing\n")
    assert [e.at.hour for e in parse(zero, tz=tz, ref_span=span) if e.at is not None] == [12]  # 04:31 PST, a morning
    morning = (datetime(2026, 1, 13, 12, 20, tzinfo=UTC), datetime(2026, 1, 13, 14, 0, tzinfo=UTC))
    assert [e.at for e in parse(notes, tz=tz, ref_span=morning) if e.at is not None][0] == datetime(2026, 1, 13, 12, 31, tzinfo=UTC)


def test_a_chat_line_led_by_its_weekday_is_read_on_that_day() -> None:
    """"Thursday 20:00 ingrid: ..." in a chat whose other lines are Monday's is a message of the Thursday nearest, at
    20:00 in the chat's zone, said by ingrid; "Thursday was fine" has no time to read."""
    from pmstudio.parsers import parse
    from pmstudio.schema import Material
    from pmstudio.timeparse import find_weekday_led_stamp

    tz = ZoneInfo("Europe/Oslo")
    chat = Material(name="ops-chat.txt", kind="chat", content=(
        "00:24 ola: everything behind the uplink is flapping\n"
        "08:45 ola: their NOC says it works on their side\n"
        "Thursday 20:00 ingrid: provider replaced the core equipment, loss gone\n"
    ))  # fmt: skip
    span = (datetime(2013, 4, 15, 22, 0, tzinfo=UTC), datetime(2013, 4, 18, 19, 0, tzinfo=UTC))
    last = parse(chat, tz=tz, ref_span=span)[-1]
    assert (last.at, last.actor) == (datetime(2013, 4, 18, 18, 0, tzinfo=UTC), "ingrid")
    assert last.text.startswith("provider replaced")
    assert find_weekday_led_stamp("Thursday was fine, 20:00 too") is None


def test_uk_time_is_the_uk_clock_whose_offset_follows_the_date() -> None:
    """"since about 13:35 UK time" is London's clock: BST (UTC+1) in April, GMT in January, never plain UTC."""
    from zoneinfo import ZoneInfo

    from pmstudio.timeparse import find_stamps

    (stamp,) = find_stamps("linguists cannot see any matches since about 13:35 UK time")
    assert stamp.zone == ZoneInfo("Europe/London")
    assert stamp.value.replace(year=2021, month=4, day=12, tzinfo=stamp.zone).utcoffset() == timedelta(hours=1)
    assert stamp.value.replace(year=2021, month=1, day=12, tzinfo=stamp.zone).utcoffset() == timedelta(0)


def test_a_range_may_have_an_hour_with_am_pm_on_either_side() -> None:
    """"between 12am and 6:33am", "10 PM to 1 AM PST" and "a 3pm-4pm window" are ranges whose sides are hours with
    AM/PM; "between 2 and 4pm" gives its first side no clock, so it is none."""

    def sides(text: str) -> list[tuple[str, str]]:
        return [(f"{r.first.value:%H:%M}", f"{r.last.value:%H:%M}") for r in find_ranges(text)]

    assert sides("files did not process between 12am and 6:33am") == [("00:00", "06:33")]
    assert sides("down from 10 PM to 1 AM PST") == [("22:00", "01:00")]
    assert find_ranges("down from 10 PM to 1 AM PST")[0].zone is not None
    assert sides("a 3pm-4pm window") == [("15:00", "16:00")]
    assert sides("between 2 and 4pm") == []
    assert sides("10:44-11:18 EDT (34 min)") == [("10:44", "11:18")]


def test_writes_a_day_finds_dates_days_and_weekdays_but_not_bare_clocks() -> None:
    from pmstudio.timeparse import writes_a_day

    for dated in ("Jul 20 14:43:41 lb-1 haproxy: backend DOWN", "Date: 2024-03-05", "[3/7/2019 11:45 AM] heron",
                  "- 3 Feb: same crash", "21:33 Wed kai: paged"):  # fmt: skip
        assert writes_a_day(dated), dated
    for bare in ("14:02 alice: seeing errors", "11:44 marcus: readback says 80%, it did this in December"):
        assert not writes_a_day(bare), bare


def test_a_dotted_day_first_date_is_read_when_it_is_surely_day_first() -> None:
    """Much of Europe writes "15.02.2023 11:15 CET": the day, then the month. A notice list in that shape was read at
    the previous line's day (a day early); "8.12.2022" may be an American's 12 August, so it is left unread."""
    from pmstudio.ingest import bundle_from_materials
    from pmstudio.schema import Material

    s = find_stamp("15.02.2023 11:15 CET - Lufthansa: flights delayed")
    assert s is not None and s.has_year and s.value == datetime(2023, 2, 15, 11, 15) and s.zone is not None
    s = find_stamp("received 12.03.2026 um 21:41 (Oslo)", anywhere="any")
    assert s is not None and s.value == datetime(2026, 3, 12, 21, 41)
    marker = find_date_marker("15.02.2023 afternoon - IT systems restarted")
    assert marker is not None and marker.date_only and marker.value.date() == date(2023, 2, 15)
    for unsure in ("8.12.2022 4:45 carrier outage", "32.01.2023 10:00 x", "15.13.2023 10:00 x", "v1.2.2024.5 10:00 x"):
        got = find_stamp(unsure, anywhere="any")
        assert got is None or not got.has_date, unsure
    notices = (
        "14.02.2023 19:00 CET - a contractor cut a fibre bundle at the construction site\n"
        "15.02.2023 11:15 CET - due to an IT outage, flights are delayed or cancelled\n"
    )
    bundle, _ = bundle_from_materials([Material(name="notices.txt", kind="ticket", content=notices)], id="dotted")
    assert sorted(e.at for e in bundle.evidence) == [
        datetime(2023, 2, 14, 18, 0, tzinfo=UTC), datetime(2023, 2, 15, 10, 15, tzinfo=UTC)
    ]


def test_a_year_first_dotted_date_is_a_date_and_a_calendar_version_is_not() -> None:
    """Korean, Chinese and Hungarian material writes "2023.02.15 11:15:07 KST"; a calendar-versioned build
    ("build=2023.10.13-hotfix1", "release 2019.11.04-2") tells no day."""
    from pmstudio.timeparse import find_dates

    s = find_stamp("2023.02.15 11:15:07 KST db failover started")
    assert s is not None and s.value == datetime(2023, 2, 15, 11, 15, 7) and s.has_year and s.zone is not None
    marker = find_date_marker("2023.02.15 - second day of the outage")
    assert marker is not None and marker.date_only and marker.value.date() == date(2023, 2, 15)
    assert find_dates("deploy auth-gateway build=2023.10.13-hotfix1 clusters=all") == []
    assert find_dates("deployer: release 2019.11.04-2 rolled out") == []
    got = find_stamp("release r-2026.02.02-1 pipeline started 18:59", anywhere="any")
    assert got is not None and not got.has_date


@pytest.mark.parametrize(
    ("line", "read"),
    [
        ("Faults started around 0520 UTC; several key admins asleep.", ["05:20 UTC"]),
        ("Around 0400 GMT on 16 Jan 2021, an administrator account was breached.", ["04:00 UTC"]),
        ("Identified 0222 UTC; initial fix within 3 minutes", ["02:22 UTC"]),
        ("a spike in 500s between 1934 and 1938 BST", ["19:34 BST", "19:38 BST"]),
        # a number after a date or a clock is its year, and four digits with no zone are no clock
        ("certificate has expired, notAfter=Sep 16 00:00:00 2024 GMT", ["00:00 -"]),
        ("Issued: 28 April 2020 UTC", []),
        ("Jul 09, 2024 UTC - Reply from support", []),
        ("listening on port 8080, 1830 requests queued", []),
    ],
)
def test_a_four_digit_clock_is_read_with_a_zone_after_it(line: str, read: list[str]) -> None:
    from pmstudio.timeparse import find_stamps

    got = [f"{s.value:%H:%M} {s.zone.tzname(None) if s.zone is not None else '-'}" for s in find_stamps(line)]
    assert got == read


def test_a_range_end_told_roughly_and_a_four_digit_range_are_ranges() -> None:
    found = [
        (r.first.value.strftime("%H:%M"), r.last.value.strftime("%H:%M"), r.first.zone is not None)
        for line in ("outage 7:02 to about 8:17, 1 hour and 15 minutes", "leak from 1830 to 1905 UTC")
        for r in find_ranges(line)
    ]
    assert found == [("07:02", "08:17", False), ("18:30", "19:05", True)]
    # a dated range's end is a date, never a four-digit clock with a numeric offset after it
    line = "Impact window: 2025-11-11 16:02 to 2025-11-14 15:02 degraded ingestion"
    assert find_ranges(line) == [] and find_stamp(line, anywhere="any") is not None
    assert find_stamp(line, anywhere="any").zone is None  # type: ignore[union-attr]
