"""Golden-case loader: schema, id = file stem, key events and impact numbers findable, durations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from pmstudio.golden import GoldenCase, GoldenCaseError, load_case, load_dataset, validate_case

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "metrics" / "checkout-2024-03-05-cache-ttl.yaml"
GOLDEN = sorted((ROOT / "datasets" / "golden").glob("*.yaml"))


def _raw() -> dict[str, Any]:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _write(tmp_path: Path, data: dict[str, Any], name: str | None = None) -> Path:
    p = tmp_path / f"{name or data['id']}.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return p


def _error(tmp_path: Path, data: dict[str, Any], name: str | None = None) -> str:
    p = _write(tmp_path, data, name)
    with pytest.raises(GoldenCaseError) as info:
        load_case(p)
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith(str(p) + ": "), msg
    return msg


def test_fixture_case_loads_and_validates() -> None:
    case = load_case(FIXTURE)
    assert isinstance(case, GoldenCase)
    assert case.id == FIXTURE.stem and case.path == FIXTURE
    assert len(case.expected.key_events) == 8
    assert case.expected.detected_at is not None and case.expected.detected_at.tzinfo is not None
    assert validate_case(case) == []


def test_dataset_loads_sorted_and_rejects_duplicates(tmp_path: Path) -> None:
    data = _raw()
    _write(tmp_path, data)
    other = {**data, "id": "aaa-2024-03-05-copy"}
    _write(tmp_path, other)
    cases = load_dataset(tmp_path)
    assert [c.id for c in cases] == ["aaa-2024-03-05-copy", data["id"]]
    _write(tmp_path, data, name="zzz-copy")  # same id in another file
    with pytest.raises(GoldenCaseError, match="duplicate id"):
        load_dataset(tmp_path, validate=False)
    with pytest.raises(GoldenCaseError, match="no such dataset folder"):
        load_dataset(tmp_path / "missing")


def test_id_must_equal_file_stem(tmp_path: Path) -> None:
    assert "must equal the file name" in _error(tmp_path, _raw(), name="other-name")


def test_key_event_not_in_materials_is_rejected(tmp_path: Path) -> None:
    data = _raw()
    data["expected"]["key_events"][3]["at"] = "2024-03-05T14:38:00Z"  # nothing happens at 14:38
    msg = _error(tmp_path, data)
    assert "key event 4" in msg and "14:38" in msg


def test_key_event_within_two_minutes_is_accepted(tmp_path: Path) -> None:
    data = _raw()
    data["expected"]["key_events"][3]["at"] = "2024-03-05T14:10:30Z"  # 14:09 and 14:11 exist
    assert load_case(_write(tmp_path, data)).id == data["id"]


def test_date_only_key_event_matches_at_day_level(tmp_path: Path) -> None:
    data = _raw()
    data["expected"]["key_events"][0] = {"at": "2024-03-05T00:00:00Z", "what": "Config change merged (date only)", "phase": "impact_start"}
    assert load_case(_write(tmp_path, data)).expected.key_events[0].date_only
    data["expected"]["key_events"][0]["at"] = "2024-02-01T00:00:00Z"
    assert "key event 1 (2024-02-01" in _error(tmp_path, data)


def test_midnight_milestone_needs_a_key_event(tmp_path: Path) -> None:
    # a milestone at midnight UTC that no key event shares is a date-only fact left unmarked: it would be scored as
    # exactly 00:00 (statusio-2015-08-10 in dev, fixed with its "(date only)" key event)
    data = _raw()
    data["materials"].append({"name": "dates.md", "kind": "notes", "content": "- 5 March 2024: the incident date\n"})
    data["expected"]["started_at"] = "2024-03-05T00:00:00Z"
    data["expected"]["duration_minutes"] = None
    msg = _error(tmp_path, data)
    assert "expected.started_at 2024-03-05 00:00 UTC is shared by no key event" in msg and "(date only)" in msg
    data["expected"]["key_events"][0] = {"at": "2024-03-05T00:00:00Z", "what": "Cache TTL change (date only)", "phase": "impact_start"}
    case = load_case(_write(tmp_path, data))
    assert case.expected.milestone_date_only("started_at")


def test_impact_number_must_be_in_materials(tmp_path: Path) -> None:
    data = _raw()
    data["expected"]["impact"] = "About 4,321 orders failed."
    assert "4,321" in _error(tmp_path, data)


def test_duration_must_match_start_and_resolution(tmp_path: Path) -> None:
    data = _raw()
    data["expected"]["duration_minutes"] = 60
    assert "duration_minutes is 60 but started_at to resolved_at is 45" in _error(tmp_path, data)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("expected", "key_events", 0, "phase"), "triage", "expected.key_events.0.phase"),
        (("expected", "started_at"), "2024-03-05T14:00:00", "timezone"),
        (("failure_class",), "gremlins", "failure_class"),
        (("expected", "colour"), "red", "expected.colour"),
    ],
)
def test_schema_errors_name_the_field(tmp_path: Path, path: tuple[Any, ...], value: Any, expected: str) -> None:
    data = _raw()
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert expected in _error(tmp_path, data)


def test_too_few_key_events_and_unknown_person(tmp_path: Path) -> None:
    data = _raw()
    data["expected"]["key_events"] = data["expected"]["key_events"][:5]
    assert "5 key events (expected 6-15)" in _error(tmp_path, data)
    data = _raw()
    data["expected"]["people"].append("zelda")
    assert "zelda" in _error(tmp_path, data)


def test_malformed_yaml_is_one_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.yaml"
    p.write_text("id: [unclosed\nmaterials: 3\n", encoding="utf-8")
    with pytest.raises(GoldenCaseError, match=r"broken\.yaml: malformed YAML"):
        load_case(p)


@pytest.mark.skipif(not GOLDEN, reason="no golden cases in datasets/golden yet")
@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_every_golden_case_validates(path: Path) -> None:
    case = load_case(path)
    assert case.id == path.stem
