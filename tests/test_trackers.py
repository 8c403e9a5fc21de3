"""Tracker export: documented import formats, idempotent --post against the fake tracker, bad input."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pmstudio.cli import app
from pmstudio.testing import FakeTrackerServer
from pmstudio.trackers.formats import GITHUB_FIELDS

ROOT = Path(__file__).resolve().parents[1]
HANDWRITTEN = ROOT / "tests" / "data" / "follow" / "handwritten-cert-expiry.md"
runner = CliRunner()

# The columns each tracker documents for its importer (Jira: Summary required, labels as repeated columns;
# Linear: the columns of its own CSV export) and GitHub's "Create an issue" body fields.
JIRA_COLUMNS = {"Summary", "Description", "Issue Type", "Priority", "Assignee", "Due Date", "Labels"}
JIRA_PRIORITIES = {"Highest", "High", "Medium", "Low", "Lowest", ""}
LINEAR_COLUMNS = {"Title", "Description", "Status", "Priority", "Assignee", "Labels", "Due Date"}
LINEAR_PRIORITIES = {"Urgent", "High", "Medium", "Low", "No priority"}


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """An offline draft of a golden case stored in DuckDB: (draft id, db, its Markdown)."""
    tmp = tmp_path_factory.mktemp("trk")
    db, md = tmp / "pm.duckdb", tmp / "docsrs.md"
    res = runner.invoke(app, ["draft", str(ROOT / "datasets/golden/docsrs-2019-10-21-disk-full.yaml"), "-q",
                              "--db", str(db), "-o", str(md)])  # fmt: skip
    assert res.exit_code == 0, res.output
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    draft_id = con.execute("SELECT draft_id FROM drafts").fetchall()[0][0]
    con.close()
    return draft_id, db, md


def _export(*args: str) -> str:
    res = runner.invoke(app, ["export", "actions", *args])
    assert res.exit_code == 0, res.output
    return res.stdout


def test_jira_csv_has_documented_columns_and_every_field(stored: tuple[str, Path, Path]) -> None:
    draft_id, db, _ = stored
    rows = list(csv.reader(io.StringIO(_export(draft_id, "--to", "jira", "--db", str(db)))))
    header, body = rows[0], rows[1:]
    assert set(header) <= JIRA_COLUMNS and "Summary" in header and header.count("Labels") >= 2
    assert body and all(len(r) == len(header) for r in body)
    for r in body:
        rec = dict(zip(header, r, strict=True))
        labels = [v for h, v in zip(header, r, strict=True) if h == "Labels" and v]
        assert rec["Summary"] and rec["Issue Type"] == "Task" and rec["Priority"] in JIRA_PRIORITIES
        assert rec["Assignee"] == "docs.rs owning team"
        assert "postmortem" in labels and all(" " not in lab for lab in labels)
        # the factor it addresses, the evidence (with its text), the link back
        # (an item may come from a follow-up in the notes or from a factor's evidence, e.g. monitoring.txt)
        assert "**Addresses:**\n- CF" in rec["Description"]
        assert re.search(r"\b[\w-]+\.(?:md|txt|log|json):\d+", rec["Description"]), rec["Description"]
        assert f"http://127.0.0.1:8501/?draft={draft_id}" in rec["Description"]


def test_linear_csv_and_github_json_in_documented_shape(stored: tuple[str, Path, Path]) -> None:
    draft_id, db, _ = stored
    lin = list(csv.DictReader(io.StringIO(_export(draft_id, "--to", "linear", "--db", str(db)))))
    assert lin and set(lin[0]) == LINEAR_COLUMNS
    assert all(r["Title"] and r["Priority"] in LINEAR_PRIORITIES and r["Status"] == "Todo" for r in lin)
    gh = json.loads(_export(draft_id, "--to", "github", "--db", str(db), "--assignee", "docs.rs owning team=octocat"))
    assert len(gh) == len(lin)
    for body in gh:
        assert set(body) <= GITHUB_FIELDS and isinstance(body["title"], str) and body["title"]
        assert isinstance(body["labels"], list) and all(isinstance(x, str) for x in body["labels"])
        assert body["assignees"] == ["octocat"] and "pmstudio-key: pm-" in body["body"]


def test_handwritten_markdown_through_the_reader(tmp_path: Path) -> None:
    out = tmp_path / "items.csv"
    res = runner.invoke(app, ["export", "actions", str(HANDWRITTEN), "--to", "csv", "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["Title"] for r in rows][0] == "Add an external uptime and certificate-expiry check for the login URL"
    assert [(r["Owner"], r["Due Date"], r["Priority"], r["Factors"]) for r in rows] == [
        ("SRE team", "2024-05-17", "P1", "CF3"), ("Platform team", "2024-06-07", "P1", "CF1"),
        ("Platform team", "2024-06-14", "P2", "CF2"),
    ]  # fmt: skip
    assert "notes.md:12" in rows[1]["Description"] and "no external monitor" in rows[0]["Description"]
    # the key is stable: same incident id + title -> same key, whatever else changes
    again = list(csv.DictReader(io.StringIO(_export(str(HANDWRITTEN), "--to", "csv", "--link", "https://wiki/x"))))
    assert [r["Key"] for r in again] == [r["Key"] for r in rows]


@pytest.fixture
def tracker() -> Iterator[FakeTrackerServer]:
    with FakeTrackerServer(tokens={"good-token"}, expired={"expired-token"}) as srv:
        yield srv


ENV = {
    "github": ("GITHUB_TOKEN", "GITHUB_API_URL", ["--repo", "acme/web"]),
    "jira": ("JIRA_API_TOKEN", "JIRA_BASE_URL", ["--project", "OPS"]),
    "linear": ("LINEAR_API_KEY", "LINEAR_API_URL", ["--team", "team-1"]),
}


@pytest.mark.parametrize("to", ["github", "jira", "linear"])
def test_two_exports_create_exactly_one_issue_per_item(
    to: str, tracker: FakeTrackerServer, stored: tuple[str, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft_id, db, md = stored
    db2 = tmp_path / "links.duckdb"
    token_var, url_var, target = ENV[to]
    monkeypatch.setenv(token_var, "good-token")
    monkeypatch.setenv(url_var, tracker.url)
    monkeypatch.setattr("pmstudio.trackers.post.time.sleep", lambda s: None)
    tracker.add_fault("429", retry_after=0.01, count=2)  # rate limited twice, then through
    tracker.add_fault("500", count=1)
    first = runner.invoke(app, ["export", "actions", draft_id, "--to", to, "--post", *target, "--db", str(db)])
    assert first.exit_code == 0, first.output
    n = len(tracker.issues(to))
    items = len(json.loads(_export(draft_id, "--to", "github", "--db", str(db))))
    assert n == items > 0
    # the second export of the same post-mortem (this time its Markdown) updates, never duplicates
    second = runner.invoke(app, ["export", "actions", str(md), "--to", to, "--post", *target, "--db", str(db)])
    assert second.exit_code == 0, second.output
    assert len(tracker.issues(to)) == items and f"{to}: 0 created, {items} updated" in second.output
    methods = [e["method"] for e in tracker.log()]
    assert methods.count("PATCH" if to == "github" else "PUT" if to == "jira" else "POST") >= items
    assert all(e["authorization"] in ("[REDACTED]", "") for e in tracker.log())
    # a fresh database is a fresh memory: that is what the stored ids are for
    assert db2.exists() is False
    # an action item ticked done in the post-mortem: the re-export closes the issue it created, nothing new
    text = md.read_text(encoding="utf-8")
    first_item = re.search(r"^- \[ \] \*\*(?P<t>.+?)\*\*", text, re.M)
    assert first_item is not None
    ticked = tmp_path / "ticked.md"
    ticked.write_text(text.replace(first_item.group(0), first_item.group(0).replace("[ ]", "[x]"), 1), encoding="utf-8")
    for _ in range(2):  # closing twice is one closed issue (Jira: no second transition)
        third = runner.invoke(app, ["export", "actions", str(ticked), "--to", to, "--post", *target, "--db", str(db)])
        assert third.exit_code == 0, third.output
        assert f"{to}: 0 created, {items - 1} updated, 1 closed" in third.output
    issues = tracker.issues(to)
    assert len(issues) == items
    closed = [i for i in issues.values() if CLOSED[to](i)]
    assert len(closed) == 1 and first_item.group("t") in (closed[0].get("title") or closed[0].get("summary"))
    transitions = [e for e in tracker.log() if e["path"].endswith("/transitions") and e["method"] == "POST"]
    assert len(transitions) == (1 if to == "jira" else 0)


CLOSED = {
    "github": lambda i: i.get("state") == "closed" and i.get("state_reason") == "completed",
    "jira": lambda i: i["status"]["statusCategory"]["key"] == "done",
    "linear": lambda i: i.get("stateId") == "st-done",
}


def test_expired_token_missing_token_unknown_tracker_no_items(
    tracker: FakeTrackerServer, stored: tuple[str, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft_id, db, _ = stored
    monkeypatch.setenv("GITHUB_API_URL", tracker.url)
    # missing token: one line, exit 2, nothing sent
    res = runner.invoke(app, ["export", "actions", draft_id, "--to", "github", "--post", "--repo", "a/b", "--db", str(db)])
    assert res.exit_code == 2 and "GITHUB_TOKEN is not set" in res.output and len(res.output.strip().splitlines()) == 1
    assert tracker.log() == []
    monkeypatch.setenv("GITHUB_TOKEN", "expired-token")
    res = runner.invoke(app, ["export", "actions", draft_id, "--to", "github", "--post", "--repo", "a/b", "--db", str(db)])
    assert res.exit_code == 2 and "rejected (401)" in res.output and len(res.output.strip().splitlines()) == 1
    assert "expired-token" not in res.output and tracker.issues("github") == {}
    # unknown tracker
    res = runner.invoke(app, ["export", "actions", draft_id, "--to", "trello"])
    assert res.exit_code == 2 and "unknown tracker 'trello'" in res.output
    # csv has no API
    res = runner.invoke(app, ["export", "actions", draft_id, "--to", "csv", "--post"])
    assert res.exit_code == 2 and "csv has no API" in res.output
    # a source with no action items, a missing file, an unknown draft id
    empty = tmp_path / "empty.md"
    empty.write_text("# Post-Mortem: nothing\n\n## Action Items\n\n_None._\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_TOKEN", "good-token")
    for source, problem in ((str(empty), "no action items"), (str(tmp_path / "nope.md"), "no such file"),
                            ("01NOTADRAFT", "neither a file nor a stored draft id")):  # fmt: skip
        res = runner.invoke(app, ["export", "actions", source, "--to", "github", "--post", "--repo", "a/b", "--db", str(db)])
        assert res.exit_code == 2 and problem in res.output and len(res.output.strip().splitlines()) == 1
    assert tracker.issues("github") == {}


def test_persistent_rate_limit_gives_up_with_one_line(
    tracker: FakeTrackerServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setenv("GITHUB_TOKEN", "good-token")
    monkeypatch.setenv("GITHUB_API_URL", tracker.url)
    monkeypatch.setattr("pmstudio.trackers.post.time.sleep", waits.append)
    tracker.add_fault("403", retry_after=7, count=10)
    res = runner.invoke(app, ["export", "actions", str(HANDWRITTEN), "--to", "github", "--post", "--repo", "a/b"])
    assert res.exit_code == 2 and "rate limited" in res.output and len(res.output.strip().splitlines()) == 1
    assert waits == [7.0] * 4 and tracker.issues("github") == {}
