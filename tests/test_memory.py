"""Cross-incident memory: index, `similar`, related incidents / recurring factors / repeated open actions in
a new draft, and the top-3 hit rate on the team's labels (written before the index existed)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pmstudio.cli import app
from pmstudio.evals.memoryset import evaluate, load_labels, load_split, make_split
from pmstudio.memory import (
    classify,
    enrich,
    index_doc,
    query_of_postmortem,
    similar_to,
    sync_index,
    terms,
)
from pmstudio.schema import (
    ActionItem,
    ActionsSection,
    Claim,
    ContributingFactor,
    Header,
    LessonsSection,
    PostMortem,
    RootCauseSection,
    SupportingSection,
    TimelineSection,
)
from pmstudio.store.memory import write_index

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _pm(incident: str, title: str, started: str, factors: list[str], actions: list[str], trigger: str = "") -> PostMortem:
    at = datetime.fromisoformat(started).replace(tzinfo=UTC)
    return PostMortem(
        header=Header(title=title, date=at.date().isoformat(), incident_id=incident, duration="1 h", author="t", reviewers="r"),
        timeline=TimelineSection(started_at=at),
        root_cause=RootCauseSection(
            trigger=Claim(text=trigger or title), primary_root_cause=Claim(text=factors[0]),
            contributing_factors=[ContributingFactor(id=f"CF{i + 1}", title=f.split(",")[0], description=f)
                                  for i, f in enumerate(factors)],
        ),  # fmt: skip
        actions=ActionsSection(action_items=[ActionItem(title=a, owner="SRE", horizon="short_term", kind="detect", impact="x")
                                             for a in actions]),  # fmt: skip
        lessons=LessonsSection(),
        supporting=SupportingSection(),
    )


DISK_A = _pm("inc-a", "Build server disk full", "2025-01-10T03:00:00",
             ["The root partition filled up, disk usage had no alert", "Backup contact had no production access"],
             ["Alert when free disk space drops below 10%"])  # fmt: skip
CERT_B = _pm("inc-b", "Login certificate expired", "2025-03-02T12:00:00",
             ["The TLS certificate expired, the rotation job failed silently"], ["Add an external certificate expiry check"])  # fmt: skip
DISK_C = _pm("inc-c", "Log volume disk full on the ingest cluster", "2025-06-20T08:00:00",
             ["Disk usage on the log volume climbed for weeks with no alert", "Old logs were never rotated"],
             ["Alert when free disk space drops below 10 percent", "Rotate and compress logs daily"])  # fmt: skip


def test_classes_and_similar_with_reasons(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    assert {"disk-full", "missing-alert", "capacity-exhausted"} <= set(classify("disk usage climbed with no alert"))
    write_index([index_doc("d-a", "inc-a", DISK_A), index_doc("d-b", "inc-b", CERT_B)], db)
    related = similar_to(query_of_postmortem(DISK_C), db=db, limit=5)
    assert [r.incident_id for r in related][0] == "inc-a"
    assert "disk full" in related[0].why() and "no alert" in related[0].why()
    assert all(r.incident_id != "inc-c" for r in related)


def test_a_compound_name_shares_its_parts() -> None:
    # one service spelt as a host name in a title, an app name in a deploy log, a host in an error message
    title, deploy, error = (set(terms(t)) for t in ("crates.io crate downloads fail",
                                                    "Promote crates-io-staging v612 to production v587",
                                                    "Could not resolve host: static.crates.iocrates"))  # fmt: skip
    assert "crates.io" in title and "crate" in title & deploy and "static" in error
    assert {"pg_dump", "dump"} <= set(terms("pg_dump: silently failing")) and "10" not in terms("10.0.0.1")


def test_entries_indexed_before_the_compound_parts_are_dropped_for_reindexing(tmp_path: Path) -> None:
    from pmstudio.store.db import connect
    from pmstudio.store.migrations import similar_m002_reindex_compound_parts

    db = tmp_path / "m.duckdb"
    write_index([index_doc("d-a", "inc-a", DISK_A), index_doc("d-b", "inc-b", CERT_B)], db)
    assert similar_to(query_of_postmortem(DISK_C), db=db)
    with connect(db) as con:
        similar_m002_reindex_compound_parts(con)
        assert con.execute("SELECT count(*) FROM memory_terms").fetchall() == [(0,)]
    assert similar_to(query_of_postmortem(DISK_C), db=db) == []


def test_new_draft_gets_related_recurring_and_repeated_action(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    write_index([index_doc("d-a", "inc-a", DISK_A), index_doc("d-b", "inc-b", CERT_B)], db)
    out = enrich(DISK_C, incident_id="inc-c", db=db)
    assert out is not DISK_C and DISK_C.supporting.references == []  # type: ignore[union-attr]
    refs = [c.text for c in out.supporting.references]  # type: ignore[union-attr]
    assert refs and refs[0].startswith("Related past incident: inc-a") and "disk full" in refs[0]
    lessons = [c.text for c in out.lessons.process]  # type: ignore[union-attr]
    assert any("second incident in 12 months with disk full" in t and "inc-a" in t for t in lessons)
    assert any("repeats \"Alert when free disk space drops below 10%\", still open from inc-a" in n for n in out.notes)
    # once the past action is ticked done (its Markdown checkbox), it is no longer flagged as still open
    md = "- [x] **Alert when free disk space drops below 10%** - Owner: SRE - Due: 2025-02-01\n"
    write_index([index_doc("d-a", "inc-a", DISK_A, markdown=md)], db)
    assert not any("repeats" in n for n in enrich(DISK_C, incident_id="inc-c", db=db).notes)


def test_cli_similar_and_draft_memory(tmp_path: Path) -> None:
    db = tmp_path / "pm.duckdb"
    for case in ("dfds-2019-11-30-eks-ip-starvation", "docsrs-2019-10-21-disk-full"):
        res = runner.invoke(app, ["draft", str(ROOT / f"datasets/golden/{case}.yaml"), "-q", "--db", str(db),
                                  "-o", str(tmp_path / f"{case}.md")])  # fmt: skip
        assert res.exit_code == 0, res.output
    md = (tmp_path / "docsrs-2019-10-21-disk-full.md").read_text(encoding="utf-8")
    assert "Related past incident: dfds-2019-11-30-eks-ip-starvation" in md  # drafted second: the first is memory
    res = runner.invoke(app, ["similar", str(tmp_path / "dfds-2019-11-30-eks-ip-starvation.md"), "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "docsrs-2019-10-21-disk-full" in res.stdout and "why:" in res.stdout
    bad = runner.invoke(app, ["similar", "nope-not-a-draft", "--db", str(db)])
    assert bad.exit_code == 2 and "neither a file nor a stored draft id" in bad.output
    assert sync_index(db) == 0  # everything already indexed


def test_publish_enriches_and_indexes_every_surface_draft(tmp_path: Path) -> None:
    """The one publish path (CLI, dashboard) adds related incidents and indexes the stored draft at once;
    memory=False (`--no-memory`) leaves both out, and an eval run's transaction never uses the memory."""
    from pmstudio.ingest import load_bundle
    from pmstudio.orchestrator import draft_sync
    from pmstudio.publish import publish_draft
    from pmstudio.store.memory import count_unindexed

    db = tmp_path / "pm.duckdb"
    drafted = {}
    for case in ("dfds-2019-11-30-eks-ip-starvation", "docsrs-2019-10-21-disk-full", "dfds-2022-10-31-bad-eks-ami"):
        bundle, _ = load_bundle(ROOT / f"datasets/golden/{case}.yaml")
        drafted[case] = (draft_sync(bundle, model="offline"), bundle)
    rec, bundle = drafted["dfds-2019-11-30-eks-ip-starvation"]
    first = publish_draft(rec, bundle, path=db, command="dashboard")
    assert "Related past incident" not in first and count_unindexed(db) == 0  # indexed right after it was stored
    rec, bundle = drafted["docsrs-2019-10-21-disk-full"]
    md = publish_draft(rec, bundle, path=db, command="dashboard")
    assert "Related past incident: dfds-2019-11-30-eks-ip-starvation" in md and count_unindexed(db) == 0
    assert rec.postmortem is not None and any("dfds-2019" in c.text for c in rec.postmortem.supporting.references)  # type: ignore[union-attr]
    rec, bundle = drafted["dfds-2022-10-31-bad-eks-ami"]
    plain = publish_draft(rec, bundle, path=db, command="draft", memory=False)
    assert "Related past incident" not in plain and count_unindexed(db) == 1


def test_similar_split_is_frozen_and_groups_stay_together() -> None:
    labels = load_labels()
    test = load_split()
    assert all(lab.reason for lab in labels.values()) and set(test) <= set(labels)
    assert test == make_split(labels)  # the stored split is the deterministic rule's output
    side = {c: c in test for c in labels}
    assert all(side[c] == side.get(lab.related, side[c]) for c, lab in labels.items())  # a label never crosses


@pytest.mark.slow
def test_top3_hit_rate_on_team_labels() -> None:
    scores, _ = evaluate()
    assert sum(s.cases for s in scores) == len(load_labels())
    for s in scores:
        print(f"similar top-3 on the team's labels, {s.split}: {s.rate:.0%} ({s.hits}/{s.cases})")
    # measured: dev 13/15 = 87 %, frozen test 8/10 = 80 % on the drafts of 7195fd4; the issue-11 drafter work
    # (triggers filled on 18 of 25 dev cases, more factors: dbfa684, 9966c31, ...) moved it to dev 10/15 = 67 %,
    # test 7/10 = 70 %, and re-weighting the memory's fields (trigger, factor, action) brought back one dev case at
    # most. Indexing a compound token's parts ('crates.io' ~ 'crates-io-staging') brought back one dev case: dev
    # 11/15 = 73 %, test 6/10 = 60 % (end of session 5, main 6772895); session 6 (main 1e12cfb): dev 11/15, test 7/10.
    assert all(s.rate >= 0.6 for s in scores)


def test_patterns_page_indexes_and_charts(tmp_path: Path) -> None:
    from pmstudio.store.db import default_db_path

    from .test_dashboard_draft import _app, _seed_draft  # noqa: TID252

    _seed_draft()
    at = _app().run()
    at.switch_page("views/patterns.py").run()
    assert not at.exception
    at.button(key="patterns_index").click().run()  # the seeded draft is not in the memory yet
    assert not at.exception
    write_index([index_doc("d-a", "inc-a", DISK_A), index_doc("d-c", "inc-c", DISK_C)], default_db_path())
    at.run()
    assert not at.exception
    assert [m.value for m in at.metric][:1] == ["3"]
    assert "disk full" in list(at.dataframe[0].value["factor"])
    assert [s.value for s in at.subheader] == ["Recurring factors over time", "Action items: open vs done"]
