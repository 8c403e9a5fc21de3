"""Log condensation: repeated templates become one item; everything else stays; memory stays bounded."""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from pmstudio.ingest import parse_material
from pmstudio.logmine import condense
from pmstudio.schema import Evidence, Material

T0 = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)


def item(line: int, text: str, at: datetime | None = None) -> Evidence:
    return Evidence(id=f"a.log:{line}", material="a.log", kind="log", line=line, at=at, text=text)


def test_three_of_a_template_become_one_item() -> None:
    items = [
        item(1, "INFO service started"),
        item(2, "ERROR connection refused host=db-1 after 30ms", T0),
        item(3, "ERROR connection refused host=db-2 after 31ms", T0 + timedelta(seconds=5)),
        item(4, "WARN disk 91% full on /var"),
        item(5, "ERROR connection refused host=db-3 after 29ms", T0 + timedelta(seconds=9)),
        item(6, "INFO failover to replica complete"),
    ]
    out = condense(items)
    assert [e.id for e in out] == ["a.log:1", "a.log:2", "a.log:4", "a.log:6"]
    group = out[1]
    assert group.count == 3 and group.at == T0 and group.last_at == T0 + timedelta(seconds=9)
    assert group.text.startswith("ERROR connection refused host=db-1 after 30ms")
    assert group.template is not None and "connection refused" in group.template
    assert all(e.count == 1 and e.template is None for e in out if e is not group)


def test_alert_lines_fold_only_when_just_their_numbers_differ() -> None:
    lines = [
        "[DOWN] robotoff.example.net http check timeout (30s)",
        "[UP] robotoff.example.net",
        "[DOWN] world.example.net http check timeout (30s)",
        "[DOWN] world.example.net http check timeout (31s)",
        "[DOWN] world.example.net http check timeout (30s)",
    ]
    items = [item(i, text, T0 + timedelta(minutes=i)) for i, text in enumerate(lines, 1)]
    out = condense(items, words=True)
    assert [e.id for e in out] == ["a.log:1", "a.log:2", "a.log:3"]  # each target keeps its own time
    assert out[2].count == 3 and out[2].last_at == T0 + timedelta(minutes=5)
    # a miner's template would have folded the two targets' alerts into one, dated at the first
    assert [e.id for e in condense(items)][:1] == ["a.log:1"] and condense(items)[0].count == 4
    alerts = Material(name="infra-alerts.log", kind="alerts", content="\n".join(
        f"2021-10-0{2 + i // 3}T0{i}:00:00Z {text}" for i, text in enumerate(lines)))  # fmt: skip
    assert len(parse_material(alerts, tz="UTC", ref_date=None)) == 3


def test_two_occurrences_stay_individual() -> None:
    items = [item(1, "ERROR timeout id=1"), item(2, "INFO ok"), item(3, "ERROR timeout id=2")]
    assert condense(items) == items


def test_varying_measurements_are_kept_in_the_text() -> None:
    counts = [0, 48, 1100, 3610, 6902]
    items = [
        item(i, f'log-search query="No create event" count={c}', T0 + timedelta(days=i))
        for i, c in enumerate(counts, 1)
    ]
    (group,) = condense(items)
    assert group.count == 5 and group.last_at == T0 + timedelta(days=5)
    assert group.text == 'log-search query="No create event" count=0 (values: count 0, 48, 1100, 3610, 6902)'


def test_value_summary_is_bounded() -> None:
    items = [item(i, f"GET /orders 200 {i}ms") for i in range(1, 500)]
    (group,) = condense(items)
    assert group.count == 499
    assert group.text == "GET /orders 200 1ms (values: 1ms, 2ms, 3ms, 4ms, 5ms, 6ms, …, 499ms)"


def test_empty_texts_pass_through() -> None:
    items = [item(1, ""), item(2, "x"), item(3, "  ")]
    assert condense(items) == items


def _stream(n: int) -> Iterator[Evidence]:
    for i in range(1, n + 1):
        yield item(
            i, f"ERROR upstream timeout request_id={i:08x} latency={i % 97}ms", T0 + timedelta(seconds=i)
        )


def test_memory_does_not_grow_with_repeated_lines() -> None:
    def peak(n: int) -> int:
        tracemalloc.start()
        try:
            out = condense(_stream(n))
            return tracemalloc.get_traced_memory()[1] if out[0].count == n else -1
        finally:
            tracemalloc.stop()

    small, large = peak(2_000), peak(20_000)
    assert small > 0 and large > 0
    assert large < 3 * small  # ten times the lines, not ten times the memory


def _generated_log(target_bytes: int) -> tuple[str, dict[str, list[int]]]:
    rng = random.Random(7)
    lines: list[str] = []
    where: dict[str, list[int]] = {"timeout": [], "get": [], "pool": [], "unique": []}
    size = 0
    i = 0
    while size < target_bytes:
        t = (T0 + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        r = rng.random()
        if r < 0.45:
            kind, line = (
                "timeout",
                f"{t} ERROR upstream timeout after {rng.randint(2000, 4000)}ms request_id={rng.getrandbits(64):016x}",
            )
        elif r < 0.75:
            kind, line = (
                "get",
                f"{t} INFO GET /api/v1/orders/{rng.randint(1, 10**6)} 200 {rng.randint(5, 900)}ms",
            )
        elif r < 0.999:
            kind, line = "pool", f"{t} WARN pool exhausted active={rng.randint(40, 50)} idle=0"
        else:
            kind, line = (
                "unique",
                f"{t} NOTICE operator note {i}: "
                + " ".join(
                    rng.sample(
                        [
                            "failover",
                            "drained",
                            "paged",
                            "promoted",
                            "restored",
                            "resharded",
                            "rebooted",
                            "fenced",
                        ],
                        4,
                    )
                ),
            )
        lines.append(line)
        where[kind].append(i + 1)
        size += len(line) + 1
        i += 1
    return "\n".join(lines) + "\n", where


def test_generated_five_megabyte_log() -> None:
    content, where = _generated_log(5_000_000)
    assert len(content) >= 5_000_000
    out = parse_material(Material(name="big.log", kind="log", content=content), tz="UTC", ref_date=None)
    total = content.count("\n")
    assert sum(e.count for e in out) == total
    by_line = {e.line: e for e in out}
    for kind in ("timeout", "get", "pool"):
        first, last = where[kind][0], where[kind][-1]
        group = by_line[first]
        assert group.count == len(where[kind]), kind
        assert group.at == T0 + timedelta(seconds=first - 1)
        assert group.last_at == T0 + timedelta(seconds=last - 1)
        assert group.id == f"big.log:{first}"
    assert len(out) < 200  # a few templates plus the rare lines
    assert [e.line for e in out] == sorted(e.line for e in out)


def test_a_condensed_series_keeps_the_values_of_keys_that_open_with_digits_or_end_in_k() -> None:
    """"5xx=9211" (a status class) and "dns_qps=410k" are measurements: a condensed metrics log lists how they moved,
    so no model loses the error counts behind "api requests=11842 5xx=3"."""
    content = "\n".join(
        f"2018-04-06T15:{m:02d}:00Z api requests={r} 5xx={e} dns_qps={q}k"
        for m, r, e, q in [(3, 11842, 3, 41), (4, 11790, 9211, 410), (10, 10304, 10297, 430), (31, 11977, 14, 44)]
    )
    items = parse_material(Material(name="api-5xx.log", kind="log", content=content + "\n"), tz="UTC", ref_date=None)
    assert len(items) == 1
    assert "5xx 3, 9211, 10297, 14" in items[0].text and "dns_qps 41k, 410k, 430k, 44k" in items[0].text
