"""Property tests: any input gives a Bundle or a one-line BundleError, never another exception."""

from __future__ import annotations

import io
import json
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmstudio.ingest import BundleError, bundle_from_materials, load_bundle
from pmstudio.parsers.clock import Clock
from pmstudio.redact import RedactionMap, redact_text
from pmstudio.schema import MATERIAL_KINDS, Bundle, Material, MaterialKind
from pmstudio.timeparse import find_date_marker, find_stamp

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALID: dict[MaterialKind, str] = {
    "chat": "[2019-03-01 14:02] dana: 5xx on checkout\n14:03 sam: looking\n23:59 kim: late\n00:10 kim: next day\n",
    "slack_export": json.dumps(
        [
            {
                "type": "message",
                "user": "U1",
                "text": "down? <@U2|sam>",
                "ts": "1551448920.000100",
                "user_profile": {"real_name": "Priya"},
            },
            {"type": "message", "user": "U2", "text": "yes", "ts": "1551448980.000200"},
        ]
    ),  # fmt: skip
    "pagerduty": json.dumps(
        {
            "log_entries": [
                {
                    "type": "trigger_log_entry",
                    "created_at": "2019-03-01T14:03:00Z",
                    "summary": "Triggered",
                    "agent": {"summary": "Datadog"},
                }
            ]
        }
    ),  # fmt: skip
    "log": "2019-03-01T14:02:11Z ERROR boom id=1\nMar  1 14:02:12 web-3 x\n1551448933 y\n"
    '{"ts": "2019-03-01T14:02:14Z", "msg": "z"}\n  at frame()\n',
    "alerts": json.dumps(
        {
            "alerts": [
                {
                    "status": "resolved",
                    "labels": {"alertname": "A"},
                    "annotations": {"summary": "s"},
                    "startsAt": "2019-03-01T14:00:00Z",
                    "endsAt": "2019-03-01T14:30:00Z",
                }
            ]
        }
    ),  # fmt: skip
    "notes": "# notes\n- 14:02 paged\n## 15:00\nfollow-up\n- 2019-03-01 (day only): merged\n",
    "ticket": "Investigating - x\nOct 21, 01:45 UTC\n\nOct 21, 2018 - 02:10 UTC - Resolved - y\n",
}


def check(result: tuple[Bundle, RedactionMap | None]) -> None:
    bundle, _ = result
    assert len({e.id for e in bundle.evidence}) == len(bundle.evidence)
    for e in bundle.evidence:
        assert e.at is None or e.at.tzinfo is not None


def outcome(call: Any, *args: Any, **kwargs: Any) -> None:
    try:
        check(call(*args, **kwargs))
    except BundleError as exc:
        message = str(exc)
        assert message and "\n" not in message and ": " in message


NAMES = st.sampled_from(
    [
        "chat.txt",
        "app.log",
        "pd.json",
        "notes.md",
        "status.txt",
        "alerts.json",
        "x.jsonl",
        "data.xyz",
        "case.yaml",
        "raw",
    ]
)


@SETTINGS
@given(data=st.binary(max_size=2000), name=NAMES)
def test_arbitrary_bytes_in_a_file(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    outcome(load_bundle, path)


@SETTINGS
@given(text=st.text(max_size=1500))
def test_arbitrary_text_on_stdin(text: str) -> None:
    outcome(load_bundle, "-", stdin=io.StringIO(text))


def _mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    for position, length, insert in edits:
        if not text:
            return insert
        at = position % len(text)
        text = text[:at] + insert + text[at + length :]
    return text


EDITS = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 8), st.text(alphabet=st.sampled_from(list('{}[]":,0123456789 \n-TZ:aé\x00')), max_size=6)),
    max_size=6,
)  # fmt: skip


@SETTINGS
@given(
    kind=st.sampled_from(MATERIAL_KINDS),
    edits=EDITS,
    tz=st.sampled_from(["UTC", "America/Los_Angeles", "Asia/Tokyo"]),
)
def test_mutated_valid_materials(kind: MaterialKind, edits: list[tuple[int, int, str]], tz: str) -> None:
    content = _mutate(VALID[kind], edits)
    outcome(
        bundle_from_materials, [Material(name=f"m-{kind}", kind=kind, content=content)], id="p", timezone=tz
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@SETTINGS
@given(
    kind=st.sampled_from(["slack_export", "pagerduty", "alerts"]), key=st.text(max_size=12), value=JSON_VALUES
)
def test_json_materials_with_wrong_types(kind: MaterialKind, key: str, value: Any) -> None:
    doc = json.loads(VALID[kind])
    entries = doc if isinstance(doc, list) else doc[next(iter(doc))]
    entries[0][key or "ts"] = value
    entries.append(value)
    content = json.dumps(doc)
    outcome(bundle_from_materials, [Material(name="m.json", kind=kind, content=content)], id="p")


@SETTINGS
@given(doc=JSON_VALUES, name=st.sampled_from(["a.json", "case.yaml", "stdin"]))
def test_structured_documents_of_any_shape(tmp_path: Path, doc: Any, name: str) -> None:
    path = tmp_path / name
    path.write_text(json.dumps({"materials": doc}) if name.endswith(".yaml") else json.dumps(doc))
    outcome(load_bundle, path)


@SETTINGS
@given(line=st.text(max_size=200), tz=st.sampled_from(["UTC", "Europe/Copenhagen", "Pacific/Kiritimati"]))
def test_time_functions_never_raise(line: str, tz: str) -> None:
    from zoneinfo import ZoneInfo

    clock = Clock(ZoneInfo(tz), ref_date=date(2019, 3, 1))
    for anywhere in ("none", "dated", "any"):
        stamp = find_stamp(line, anywhere=anywhere)
        if stamp is not None:
            at = clock.resolve(stamp)
            assert at is None or at.tzinfo == UTC
    marker = find_date_marker(line)
    if marker is not None:
        clock.mark_date(marker)


@SETTINGS
@given(text=st.text(max_size=400))
def test_redaction_never_raises_and_restores(text: str) -> None:
    rmap = RedactionMap()
    out = redact_text(text, rmap)
    assert rmap.restore(out) == text or "REDACTED_" in text


@pytest.mark.parametrize("kind", MATERIAL_KINDS)
def test_valid_samples_parse(kind: MaterialKind) -> None:
    bundle, _ = bundle_from_materials([Material(name=f"m-{kind}", kind=kind, content=VALID[kind])], id="p")
    assert bundle.has_timestamps
