"""store.feedback: the one write API for reviewers' labels (validation, all-or-nothing, concurrent writers)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pmstudio.orchestrator import draft_sync
from pmstudio.store import connect, record_draft
from pmstudio.store.feedback import (
    FeedbackError,
    FindingOutcome,
    Preference,
    SectionRating,
    finding_id,
    label_counts,
    latest_findings,
    latest_preferences,
    latest_ratings,
    record,
    record_many,
)
from pmstudio.testing.factories import sample_bundle


@pytest.fixture(scope="module")
def offline_record():  # type: ignore[no-untyped-def]
    return draft_sync(sample_bundle(), model="offline")


@pytest.fixture
def two_drafts(tmp_path: Path, offline_record) -> tuple[Path, str, str]:  # type: ignore[no-untyped-def]
    db = tmp_path / "fb.duckdb"
    bundle = sample_bundle()
    a = offline_record
    b = a.model_copy(update={"draft_id": a.draft_id + "-b"})
    record_draft(a, bundle, markdown="# a", path=db, case_id="case-1")
    record_draft(b, bundle, markdown="# b", path=db, case_id="case-1")
    return db, a.draft_id, b.draft_id


def _rows(db: Path, table: str) -> int:
    with connect(db, read_only=True) as con:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def test_each_kind_round_trips_with_versions(two_drafts, offline_record) -> None:  # type: ignore[no-untyped-def]
    db, a, b = two_drafts
    f = offline_record.critic.history[0]
    fid = record(FindingOutcome(draft_id=a, rule=f.rule, section=f.section, span=f.span, outcome="dismiss",
                                reason="the section is there\nunder another heading", reviewer="ana"), path=db)
    record(SectionRating(draft_id=a, section="timeline", rating=4, reason="good order", reviewer="ana"), path=db)
    record(Preference(draft_a=a, draft_b=b, preference="tie", reason="same text", reviewer="ana"), path=db)
    got = latest_findings(db)
    assert got["label_id"].tolist() == [fid]
    row = got.iloc[0]
    assert row["finding_id"] == finding_id(f.rule, f.section, f.span)
    assert row["reason"] == "the section is there under another heading"  # one line
    assert row["case_id"] == "case-1" and row["variant"] == "offline | default"
    assert row["content_sha"] and row["code_version"]
    r = latest_ratings(db).iloc[0]
    assert (r["section"], r["rating"], r["reviewer"]) == ("timeline", 4, "ana")
    p = latest_preferences(db).iloc[0]
    assert (p["draft_a"], p["draft_b"], p["preference"]) == (a, b, "tie")
    assert label_counts(db) == {"finding": 1, "rating": 1, "preference": 1}


def test_reviewer_defaults_to_login_name(two_drafts, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    db, a, _ = two_drafts
    monkeypatch.setenv("PMSTUDIO_REVIEWER", "")
    monkeypatch.setattr("getpass.getuser", lambda: "login-x")
    record(SectionRating(draft_id=a, section="overall", rating=3, reason="ok"), path=db)
    assert latest_ratings(db).iloc[0]["reviewer"] == "login-x"


@pytest.mark.parametrize(
    "item, message",
    [
        (SectionRating(draft_id="nope", section="timeline", rating=3), "unknown draft 'nope'"),
        (SectionRating(draft_id="{a}", section="timeline", rating=6), "rating 6 is outside 1-5"),
        (SectionRating(draft_id="{a}", section="timeline", rating=0), "rating 0 is outside 1-5"),
        (SectionRating(draft_id="{a}", section="epilogue", rating=3), "unknown section 'epilogue'"),
        (FindingOutcome(draft_id="{a}", rule="B1-person-as-cause", section="timeline", span="zzz never said",
                        outcome="accept"), "unknown finding B1-person-as-cause"),
        (Preference(draft_a="{a}", draft_b="{a}", preference="A"), "two different drafts"),
        (Preference(draft_a="{a}", draft_b="missing", preference="B"), "unknown draft 'missing'"),
    ],
)
def test_bad_labels_fail_with_one_line_and_write_nothing(two_drafts, item, message) -> None:  # type: ignore[no-untyped-def]
    db, a, _ = two_drafts
    for field in ("draft_id", "draft_a", "draft_b"):
        if getattr(item, field, None) == "{a}":
            item = item.model_copy(update={field: a})
    good = SectionRating(draft_id=a, section="summary", rating=5, reason="fine")
    with pytest.raises(FeedbackError, match=message) as exc:
        record_many([good, item], path=db)  # the good one is not written either
    assert "\n" not in str(exc.value)
    assert label_counts(db) == {"finding": 0, "rating": 0, "preference": 0}


def test_two_writers_at_once_lose_nothing(two_drafts) -> None:  # type: ignore[no-untyped-def]
    """Two browser tabs = two sessions in one process writing at the same time."""
    db, a, b = two_drafts
    errors: list[BaseException] = []

    def tab(name: str) -> None:
        try:
            for i in range(15):
                record(SectionRating(draft_id=a, section="timeline", rating=1 + i % 5, reason=f"{name} {i}",
                                     reviewer=name), path=db)
                record(Preference(draft_a=a, draft_b=b, preference="A", reason=f"{name} {i}", reviewer=name), path=db)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tab, args=(n,)) for n in ("tab-1", "tab-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert _rows(db, "feedback_ratings") == 30 and _rows(db, "feedback_preferences") == 30
    latest = latest_ratings(db)
    assert sorted(latest["reviewer"]) == ["tab-1", "tab-2"]  # latest per reviewer, nobody overwritten
    assert set(latest["reason"]) == {"tab-1 14", "tab-2 14"}


def test_finding_raised_after_an_edit_is_known_by_its_span(two_drafts, offline_record) -> None:  # type: ignore[no-untyped-def]
    db, a, _ = two_drafts
    pm = offline_record.postmortem
    text = pm.summary.text if hasattr(pm.summary, "text") else pm.summary.model_dump_json()
    span = text.split()[0]
    record(FindingOutcome(draft_id=a, rule="X9-new-after-edit", section="summary", span=span, outcome="accept"), path=db)
    assert len(latest_findings(db, draft_id=a)) == 1
