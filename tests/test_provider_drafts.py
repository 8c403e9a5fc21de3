"""Full drafts through the real SDKs (anthropic, openai, openai-compatible) against the fake provider server.

Asserts on what the server received (evidence, cache markers, no key material) and on what the draft
recorded and stored (usage, cost, latency per section), and on faults during a draft: recovered, or a
clean per-section failure that a re-run completes.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic_ai import models as pai_models

from pmstudio.schema import SECTION_NAMES, Bundle, DraftRecord
from pmstudio.testing import FakeProviderServer
from pmstudio.testing.factories import sample_bundle

pytest.importorskip("pmstudio.lints", reason="drafting needs the lints (pmstudio.lints)")

from pmstudio.orchestrator import DraftSettings, draft_postmortem  # noqa: E402

ANT_KEY = "sk-ant-api03-DRAFTKEY-abcdefghijklmnop"
OAI_KEY = "sk-proj-DRAFTKEY-qrstuvwxyz012345"
KINDS = ("anthropic", "openai", "compat")
TASK = re.compile(r"# TASK\\nsection: (\w+)")


@pytest.fixture
def srv(fake_server: FakeProviderServer, monkeypatch: pytest.MonkeyPatch) -> FakeProviderServer:
    fake_server.reset()
    fake_server.configure(latency_s=0.0, min_cache_tokens=0)
    monkeypatch.setattr(pai_models, "ALLOW_MODEL_REQUESTS", True)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANT_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OAI_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base_url)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.openai_base_url)
    return fake_server


def ref_for(kind: str, srv: FakeProviderServer) -> str:
    return {
        "anthropic": "anthropic:claude-sonnet-4-6",
        "openai": "openai:gpt-5.2",
        "compat": f"openai-compatible:llama3.1@{srv.openai_base_url}?output=tool",  # (auto would probe first)
    }[kind]


def draft(bundle: Bundle, model: str, **kwargs: Any) -> DraftRecord:
    settings = kwargs.pop("settings", None) or DraftSettings(max_revisions=1)
    return asyncio.run(draft_postmortem(bundle, model=model, settings=settings, **kwargs))


def tasks(log: list[dict[str, Any]]) -> list[str]:
    """The section each logged request asked for ('critic' when it carried a draft to review)."""
    out = []
    for entry in log:
        body = json.dumps(entry["body"])
        m = TASK.search(body)
        out.append(m.group(1) if m else ("critic" if "DRAFT AND LINT FINDINGS" in body else "?"))
    return out


def assert_clean_wire(log: list[dict[str, Any]], kind: str) -> None:
    dump = json.dumps(log)
    assert ANT_KEY not in dump and OAI_KEY not in dump and "DRAFTKEY" not in dump
    for entry in log:
        assert entry["key_present"]
        body = json.dumps(entry["body"])
        assert "# EVIDENCE (incident sample-checkout" in body
        if kind == "anthropic":
            b = entry["body"]
            assert any(part.get("cache_control") for part in b["system"]) and b["tools"][-1].get("cache_control")
            first = b["messages"][0]["content"][0]
            assert first["text"].startswith("# EVIDENCE") and first.get("cache_control")


@pytest.mark.parametrize("prompt_set", ["default", "seed-single-shot"])
@pytest.mark.parametrize("kind", KINDS)
def test_full_draft(srv: FakeProviderServer, kind: str, prompt_set: str, tmp_path: Path) -> None:
    bundle = sample_bundle()
    record = draft(bundle, ref_for(kind, srv), prompt_set=prompt_set)
    assert record.status == "ok", record.error
    pm = record.postmortem
    assert pm is not None and not pm.failed_sections
    assert all(pm.section(name) is not None for name in SECTION_NAMES)

    log = srv.log()
    assert_clean_wire(log, kind)
    asked = tasks(log)
    if prompt_set == "default":
        assert set(SECTION_NAMES) <= set(asked)
    else:
        assert "all" in asked and not set(SECTION_NAMES) & set(asked)
    # every request the server saw is accounted for in the record
    assert record.usage.requests == len(log) == sum(s.usage.requests for s in record.sections)
    assert record.usage.input_tokens == sum(s.usage.input_tokens for s in record.sections) > 0
    for s in record.sections:
        assert s.status == "done" and s.latency_ms > 0 and s.usage.output_tokens > 0
        if kind == "compat":
            assert s.usage.cost_usd == 0.0
        else:
            assert s.usage.cost_usd is not None and s.usage.cost_usd > 0
    assert record.usage.cost_usd == pytest.approx(sum(s.usage.cost_usd or 0 for s in record.sections))

    from pmstudio.store import record_draft
    from pmstudio.store.queries import get_draft

    db = tmp_path / "drafts.duckdb"
    record_draft(record, bundle, path=db)
    stored = get_draft(record.draft_id, db)
    assert stored is not None and stored.status == "ok" and len(stored.sections) == len(record.sections)
    assert all(row["latency_ms"] > 0 and row["input_tokens"] > 0 for row in stored.sections)
    assert {row["cost_usd"] for row in stored.sections} == ({0.0} if kind == "compat" else {
        s.usage.cost_usd for s in record.sections})
    assert_no_keys_in_db(db)


def assert_no_keys_in_db(db: Path) -> None:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        dump = "".join(str(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables)
    assert tables and "sample-checkout" in dump
    assert ANT_KEY not in dump and OAI_KEY not in dump and "DRAFTKEY" not in dump


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_second_draft_reads_the_cache(srv: FakeProviderServer, kind: str) -> None:
    bundle = sample_bundle()
    first = draft(bundle, ref_for(kind, srv), settings=DraftSettings(max_revisions=0))
    second = draft(bundle, ref_for(kind, srv), settings=DraftSettings(max_revisions=0))
    assert second.usage.cache_read_tokens > first.usage.cache_read_tokens
    assert second.usage.cost_usd is not None and first.usage.cost_usd is not None
    assert second.usage.cost_usd < first.usage.cost_usd
    if kind == "anthropic":
        assert first.usage.cache_write_tokens > 0


def _prefix(entry: dict[str, Any], kind: str) -> tuple[str, str]:
    """(what precedes the task: output tools + system + evidence, the task) of a logged request."""
    body = entry["body"]
    if kind == "anthropic":
        first, *rest = body["messages"][0]["content"]
        head = [body.get("tools"), body.get("system"), first]
        return json.dumps(head, sort_keys=True), "".join(part["text"] for part in rest)
    messages = body["messages"]
    user = next(m["content"] for m in messages if m["role"] == "user")
    assert isinstance(user, str)
    cut = user.index("# TASK")
    head = [body.get("tools"), body.get("response_format"), [m for m in messages if m["role"] == "system"], user[:cut]]
    return json.dumps(head, sort_keys=True), user[cut:]


@pytest.mark.parametrize("kind", KINDS)
def test_every_section_agent_sends_the_same_prefix(srv: FakeProviderServer, kind: str) -> None:
    """Output tool, system text and evidence are identical for all seven section agents and the critic;
    only the task after them differs. On Anthropic the first request writes that prefix and every other
    reads it (the first section goes alone until its answer starts, then the rest fan out)."""
    record = draft(sample_bundle(), ref_for(kind, srv), settings=DraftSettings(max_revisions=0))
    assert record.status == "ok", record.error
    log = srv.log()
    assert set(tasks(log)) == {*SECTION_NAMES, "critic"}
    heads = {_prefix(e, kind)[0] for e in log}
    assert len(heads) == 1
    for entry, section in zip(log, tasks(log), strict=True):
        task = _prefix(entry, kind)[1]
        assert task.startswith(f"# TASK\nsection: {section}\n") and "# INSTRUCTIONS" in task
    if kind == "anthropic":
        usage = [e["usage"] for e in log]
        assert log[0]["stream"] and tasks(log)[0] == "root_cause"  # the warm-up call streams: its start releases the rest
        assert usage[0]["cache_creation_input_tokens"] > 0 and usage[0]["cache_read_input_tokens"] == 0
        assert all(u["cache_creation_input_tokens"] == 0 for u in usage[1:])
        assert all(u["cache_read_input_tokens"] == usage[0]["cache_creation_input_tokens"] for u in usage[1:])


def _tool_parts(entry: dict[str, Any], kind: str) -> set[str]:
    body = entry["body"]
    tools = body.get("tools") or []
    schema = tools[0]["input_schema"] if kind == "anthropic" else tools[0]["function"]["parameters"]
    return set(schema["properties"])


@pytest.mark.parametrize("kind", ["anthropic", "compat"])
def test_the_shared_tool_carries_the_review_part_only_when_a_critic_agent_answers(srv: FakeProviderServer,
                                                                                  kind: str) -> None:
    """Without the critic agent, every section still sends one identical prefix, but its output tool has no
    review part (a schema no agent of the draft answers in would be paid for in every request)."""
    record = draft(sample_bundle(), ref_for(kind, srv), settings=DraftSettings(max_revisions=0, use_critic_agent=False))
    assert record.status == "ok", record.error
    log = srv.log()
    assert sorted(tasks(log)) == sorted(SECTION_NAMES)
    assert len({_prefix(e, kind)[0] for e in log}) == 1
    assert {frozenset(_tool_parts(e, kind)) for e in log} == {frozenset(SECTION_NAMES)}
    srv.reset()
    record = draft(sample_bundle(), ref_for(kind, srv), settings=DraftSettings(max_revisions=0))
    assert record.status == "ok", record.error
    assert {frozenset(_tool_parts(e, kind)) for e in srv.log()} == {frozenset({*SECTION_NAMES, "critic"})}


def test_secrets_are_redacted_before_any_request(srv: FakeProviderServer, tmp_path: Path) -> None:
    ingest = pytest.importorskip("pmstudio.ingest")
    secret = "ghp_Zx9kL2mN4pQ6rS8tU0vW1xY3zA5bC7dE9fG1"
    chat = tmp_path / "chat.txt"
    chat.write_text(
        "2024-05-01 02:00 dana: checkout is throwing 5xx\n"
        f"2024-05-01 02:03 sam: using token {secret} to query the admin api\n"
        "2024-05-01 02:12 dana: rolled back deploy 4512, recovered\n"
    )
    bundle, _ = ingest.load_bundle(str(chat), redact=True)
    assert bundle.redacted and secret not in bundle.model_dump_json()
    record = draft(bundle, ref_for("openai", srv), settings=DraftSettings(max_revisions=0))
    assert record.status == "ok"
    log = srv.log()
    assert log and secret not in json.dumps(log)
    raw, _ = ingest.load_bundle(str(chat), redact=False)  # control: unredacted, it would have been sent
    assert secret in raw.model_dump_json()


# --------------------------------------------------------------------------- faults during a draft


@pytest.mark.parametrize("kind", KINDS)
def test_transient_faults_recover(srv: FakeProviderServer, kind: str) -> None:
    srv.add_fault("429", retry_after=1, contains="section: timeline")
    srv.add_fault("500", contains="section: impact")
    srv.add_fault("529", retry_after=None, contains="section: lessons")
    record = draft(sample_bundle(), ref_for(kind, srv), settings=DraftSettings(max_revisions=0))
    assert record.status == "ok", record.error
    log = srv.log()
    assert sorted(e["status"] for e in log if e["status"] != 200) == [429, 500, 529]
    assert [e["fault"] for e in log if e["fault"]] and srv.stats()["pending_faults"] == 0


def test_hang_recovers_on_retry(srv: FakeProviderServer) -> None:
    srv.add_fault("hang", hang_s=30, contains="section: supporting")
    record = draft(sample_bundle(), ref_for("openai", srv), settings=DraftSettings(max_revisions=0, timeout_s=0.5))
    assert record.status == "ok", record.error
    assert tasks(srv.log()).count("supporting") == 2


@pytest.mark.parametrize(("kind", "fault", "section"), [
    ("openai", "malformed", "impact"),        # output retries exhausted
    ("compat", "500", "root_cause"),          # SDK retries exhausted
    ("anthropic", "truncate", "timeline"),    # stream cut: not retried
])
def test_failed_section_is_clean_and_rerun_completes_it(srv: FakeProviderServer, kind: str, fault: str,
                                                        section: str) -> None:
    srv.add_fault(fault, count=20, contains=f"section: {section}", retry_after=0)
    bundle, ref = sample_bundle(), ref_for(kind, srv)
    record = draft(bundle, ref, settings=DraftSettings(max_revisions=0))
    assert record.status == "partial"
    assert record.postmortem is not None and record.postmortem.failed_sections == [section]
    failed = [s for s in record.sections if s.status == "failed"]
    assert [s.section for s in failed] == [section]
    assert failed[0].error and "\n" not in failed[0].error and failed[0].latency_ms > 0
    assert ANT_KEY not in (record.error or "") and OAI_KEY not in (record.error or "")
    done = {s.section for s in record.sections if s.status == "done"}
    assert set(SECTION_NAMES) - {section} <= done

    srv.reset()
    rerun = draft(bundle, ref, settings=DraftSettings(max_revisions=0), reuse=record)
    assert rerun.status == "ok", rerun.error
    assert set(tasks(srv.log())) <= {section, "critic"} and section in tasks(srv.log())
    assert rerun.postmortem is not None and rerun.postmortem.section(section) is not None


def test_draft_deadline_fails_only_unfinished_sections(srv: FakeProviderServer) -> None:
    srv.add_fault("hang", count=5, hang_s=30, contains="section: supporting")
    bundle, ref = sample_bundle(), ref_for("openai", srv)
    record = draft(bundle, ref, settings=DraftSettings(max_revisions=0, deadline_s=1.5, timeout_s=30))
    assert record.status == "partial" and "deadline" in (record.error or "")
    assert record.postmortem is not None
    assert "supporting" in record.postmortem.failed_sections
    assert record.postmortem.timeline is not None and record.postmortem.impact is not None
    srv.reset()
    rerun = draft(bundle, ref, settings=DraftSettings(max_revisions=0), reuse=record)
    assert rerun.status == "ok", rerun.error
    assert "timeline" not in tasks(srv.log())


@pytest.mark.parametrize(("mode", "prompt_set"), [("prompted", "default"), ("native", "seed-single-shot")])
def test_output_mode_reaches_the_wire_in_drafts(srv: FakeProviderServer, mode: str, prompt_set: str) -> None:
    ref = ref_for("compat", srv).replace("?output=tool", f"?output={mode}")
    record = draft(sample_bundle(), ref, prompt_set=prompt_set, settings=DraftSettings(max_revisions=0))
    assert record.status == "ok", record.error
    log = srv.log()
    assert log and all(not e["body"].get("tools") for e in log)
    if mode == "native":
        assert all(e["body"]["response_format"]["type"] == "json_schema" for e in log)
    else:
        assert all("compatible with this schema" in json.dumps(e["body"]) for e in log)


@pytest.mark.parametrize("strict", [False, True])
def test_new_time_shapes_reach_every_model_as_utc(srv: FakeProviderServer, strict: bool) -> None:
    """Day lines in equals signs, an ordinal day beside a bare time and an approximate time beside its date are read
    before any model sees the evidence: the requests to an OpenAI-compatible server (strict as llama-cpp-python's,
    too) carry the UTC times."""
    from pmstudio.ingest import bundle_from_materials
    from pmstudio.schema import Material

    srv.configure(strict=strict)
    bundle, _ = bundle_from_materials([
        Material(name="chat.txt", kind="chat", content="=== 2025-11-24 ===\n09:31 tom: all malicious versions deleted\n"),
        Material(name="notes.md", kind="notes", content=(
            "# remediation notes (UTC)\n- 2025-11-18 17:40 fork PR runs the modified script\n"
            "- 09:30 on the 24th: malicious versions gone, tokens revoked\n"
            "- outage 2025-11-24 ~04:11 UTC until 2025-11-24 09:30 UTC\n"
        )),
    ], id="t", timezone="UTC", redact=False)  # fmt: skip
    try:
        record = draft(bundle, ref_for("compat", srv), settings=DraftSettings(max_revisions=0))
    finally:
        srv.configure(strict=False)  # the server is shared by the session's tests
    assert record.status == "ok", record.error
    sent = json.dumps(srv.log())
    for stamp in ("[chat.txt:2] 2025-11-24T09:31:00Z", "[notes.md:3] 2025-11-24T09:30:00Z", "[notes.md:4] 2025-11-24T04:11:00Z"):
        assert stamp in sent, stamp


def _draft_on_path(srv: FakeProviderServer, path: str, bundle: Bundle) -> None:
    """Draft `bundle` on one model path ("offline", "fake server", "strict server", "hostile fake"); the draft is ok."""
    srv.configure(strict=path == "strict server", answers="hostile" if path == "hostile fake" else "grounded")
    try:
        record = draft(bundle, "offline" if path == "offline" else ref_for("compat", srv), settings=DraftSettings(max_revisions=0))
    finally:
        srv.configure(strict=False, answers="grounded")  # the server is shared by the session's tests
    assert record.status == "ok", record.error
    assert record.postmortem is not None


_SESSION18_SHAPES = [
    ("irc-ops.log", "chat", "--- Log opened Tue Mar 05 08:12:40 2019\n09:14 < priya> api answers 502 on every call\n"
                            "--- Day changed Thu Mar 07 2019\n10:02 <@osman> same 502s again, restarting the pool\n"),
    ("ops.weechat.log", "chat", "2019-03-07 11:40:05\tmarta\tpool restarted, api answering normally again\n"),
    ("ops-discord-export.txt", "chat", "[3/7/2019 11:45 AM] heron#4410\nconfirmed, errors gone on our side\n"),
    ("outages-list.txt", "ticket", "Reply, 7 Mar 2019 13:50 (UTC+2): the carrier says the incident is clear.\n"),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session18_chat_shapes_reach_every_model_path_as_utc(srv: FakeProviderServer, path: str) -> None:
    """irssi day lines and blank-mode nicks, a WeeChat tab log, a Discord export and a "(UTC+2)" reply are read before
    any model sees the evidence: every model path drafts from the same UTC times, and the requests to an
    OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry them."""
    bundle = _shapes_bundle(_SESSION18_SHAPES, "UTC")
    stamps = ("[irc-ops.log:2] 2019-03-05T09:14:00Z", "[irc-ops.log:4] 2019-03-07T10:02:00Z",
              "[ops.weechat.log:1] 2019-03-07T11:40:05Z", "[ops-discord-export.txt:2] 2019-03-07T11:45:00Z",
              "[outages-list.txt:1] 2019-03-07T11:50:00Z")  # fmt: skip
    _draft_on_path(srv, path, bundle)
    if path == "offline":
        assert {e.id: e.at for e in bundle.evidence}["irc-ops.log:4"] is not None
        return
    sent = json.dumps(srv.log())
    for stamp in stamps:
        assert stamp in sent, stamp
    assert "< priya>" not in sent and "heron#4410" not in sent  # the speaker is an actor, not part of the text


def _shapes_bundle(shapes: list[tuple[str, str, str]], timezone: str) -> Bundle:
    """A bundle of (name, kind, content) materials read in `timezone`, unredacted (the stamps are asserted as written)."""
    from pmstudio.ingest import bundle_from_materials
    from pmstudio.schema import Material

    bundle, _ = bundle_from_materials(
        [Material(name=n, kind=k, content=c) for n, k, c in shapes], id="t", timezone=timezone, redact=False
    )
    return bundle


def _drafted_carrying(srv: FakeProviderServer, path: str, bundle: Bundle, stamps: tuple[str, ...], *, absent: str) -> None:
    """Draft `bundle` on `path`; on a server path the requests carry every `stamps` line and never `absent`."""
    _draft_on_path(srv, path, bundle)
    if path == "offline":
        return
    sent = json.dumps(srv.log())
    for stamp in stamps:
        assert stamp in sent, stamp
    assert absent not in sent


_SESSION19_SHAPES = [
    ("service-board.txt", "ticket", (
        "Service board - Object storage\n"
        "5/3/2024 9:44 AM PDT  We are investigating an issue affecting object storage in all regions. Customers may see\n"
        "  failures using HTTPS. Updates will follow.\n"
        "Investigating - Uploads are delayed for many customers in every region. Indexing and\n"
        "  notifications may be delayed for some customers.\n"
    )),
    ("forum-thread.txt", "ticket", (
        'Forum - "HTTPS errors on storage?"\n'
        "Posted 5/3/2024 9:58 AM (UTC-07:00) by a customer\n"
        "  Every upload over https fails with a certificate error.\n"
        "Reply 10:40 AM\n"
        "  Same here, downloads too.\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session19_post_shapes_reach_every_model_path_whole_and_timed(srv: FakeProviderServer, path: str) -> None:
    """A status post's wrapped rest (after its time or its "Investigating -" label) and a forum post under its byline
    are read before any model sees the evidence: every model path drafts from one whole post with its UTC time, and
    the requests to an OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid)
    carry it."""
    bundle = _shapes_bundle(_SESSION19_SHAPES, "America/Los_Angeles")
    by_id = bundle.evidence_by_id()
    assert by_id["service-board.txt:2"].text.endswith("Customers may see failures using HTTPS. Updates will follow.")
    assert by_id["service-board.txt:4"].text.endswith("Indexing and notifications may be delayed for some customers.")
    # the wrapped rest is part of its post, never a line of its own
    _drafted_carrying(srv, path, bundle, ("[service-board.txt:2] 2024-05-03T16:44:00Z",
                      "[forum-thread.txt:3] 2024-05-03T16:58:00Z", "[forum-thread.txt:5] 2024-05-03T17:40:00Z"),
                      absent="service-board.txt:3]")  # fmt: skip


_SESSION20_SHAPES = [
    ("mail-thread.txt", "ticket", (
        "From: Dana (support)\n"
        "Sent: Tuesday, March 4, 2025 5:12 AM\n"
        "Subject: checkout page blank?\n"
        "Three shops wrote in: the checkout page renders blank and orders stop.\n"
        "\n"
        "From: Omar (payments)\n"
        "Sent: Tuesday, March 4, 2025 5:31 AM\n"
        "Seeing it too.\n"
    )),
    ("issue-12.txt", "ticket", (
        "acme/widgets#12 (web view, times UTC)\n"
        "[2025-03-04T10:40:00Z] @rhea (member)\n"
        "  Keys issued before 2025-03-04 09:00 UTC were revoked.\n"
    )),
    ("status.txt", "ticket", (
        "Resolved - Every key issued before 2025-03-04 09:00 UTC has been revoked. If your CI publishes, create\n"
        "  a new key. Posted Mar 4, 2025 - 11:05 UTC\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session20_mail_and_post_shapes_reach_every_model_path_in_utc(srv: FakeProviderServer, path: str) -> None:
    """A mail thread's "Sent:" headers, a web view's "[<time>] @handle" byline and a status post's wrapped "Posted
    <time>" footer are read before any model sees the evidence: every model path drafts from each message at its own
    time in UTC (not the next message's, not a time it mentions), and the requests to an OpenAI-compatible server
    (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry them."""
    bundle = _shapes_bundle(_SESSION20_SHAPES, "America/New_York")
    by_id = bundle.evidence_by_id()
    assert "Posted" not in by_id["status.txt:1"].text
    assert by_id["mail-thread.txt:4"].at == datetime(2025, 3, 4, 10, 12, tzinfo=UTC)
    assert by_id["status.txt:1"].at == datetime(2025, 3, 4, 11, 5, tzinfo=UTC)
    # the mail's header is spent on its message, never a line of its own
    _drafted_carrying(srv, path, bundle, ("[mail-thread.txt:4] 2025-03-04T10:12:00Z",
                      "[issue-12.txt:3] 2025-03-04T10:40:00Z", "[status.txt:1] 2025-03-04T11:05:00Z"),
                      absent="mail-thread.txt:2]")  # fmt: skip


_SESSION21_SHAPES = [
    ("noc-chat.txt", "chat", (
        "05:07 gwen: data sessions dropping on the core, 4G and 3G both\n"
        "05:31 ravi: raised a P1 with the vendor, other operators have it too\n"
        "08:58 gwen: certs must be reissued to every affected core node, then restarts\n"
        "11:30 gwen: first nodes reissued and restarted, watching them\n"
    )),
    ("vendor-case.txt", "ticket", (
        "Case 0412\n"
        "06 Dec 08:30 CET  Issue isolated to certain nodes running two software versions.\n"
        "06 Dec 09:40 CET  Initial root cause analysis: the main issue is an expired certificate in the software.\n"
    )),
    ("node-07.log", "log", "Dec  6 04:39:00 node-07 certmgr[2211]: certificate 'sw-ident' notAfter reached, status=EXPIRED\n"),
    ("customer-mail.txt", "ticket", (
        "From: a fleet customer\nDate: Thu, 06 Dec 2018 14:12:09 +0000\nSubject: trackers offline\n"
        "every driver's handheld has had no data since about 5am.\n"
    )),
    ("review-notes.md", "notes", "# Review\n- 05:35 UTC on 6 Dec: the first core node refused sessions.\n"
                                 "- timeline (UTC): 11:24 first certificate replaced\n"),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session21_source_times_reach_every_model_path_unshifted(srv: FakeProviderServer, path: str) -> None:
    """A dateless chat, a UTC syslog and a vendor's analysis hours after the event are not moved by chance pairs of
    one shared word; a notes line's day after its time ("05:35 UTC on 6 Dec: ...") goes with the time; "timeline
    (UTC): 11:24 ..." declares its zone. Every model path drafts from the same UTC times, and the requests to an
    OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry them."""
    bundle = _shapes_bundle(_SESSION21_SHAPES, "Europe/London")
    assert all(r.shifted_hours == 0 for r in bundle.time_readings), bundle.time_conflicts
    by_id = bundle.evidence_by_id()
    assert by_id["review-notes.md:2"].text.startswith("the first core node")
    _drafted_carrying(srv, path, bundle, ("[noc-chat.txt:1] 2018-12-06T05:07:00Z", "[node-07.log:1] 2018-12-06T04:39:00Z",
                      "[review-notes.md:2] 2018-12-06T05:35:00Z", "[review-notes.md:3] 2018-12-06T11:24:00Z"),
                      absent="on 6 Dec:")  # fmt: skip


_SESSION22_SHAPES = [
    ("status-history.txt", "ticket", (
        "Uploads failing for some customers\n"
        "Monitoring - A fix has been applied and uploads are recovering. We will keep watching\n"
        "  the queue. Mar 3, 2025 - 18:10 UTC\n"
        "Resolved - Uploads are back to normal. Files sent between about 14:20 and 17:40 UTC may need\n"
        "  a retry; please retry your uploads. Mar 3, 2025 - 19:05 UTC\n"
    )),
    ("post-notes.md", "notes", "# Upload outage - notes for the post (publish 2025-03-04)\n- 14:20 first upload errors\n"),
    ("response-checklist.txt", "ticket", (
        "OPS-311 upload outage - checklist\n"
        "[x] roll back the storage client\n"
        "[ ] alert on the upload error ratio\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session22_status_stamps_and_checklists_reach_every_model_path(srv: FakeProviderServer, path: str) -> None:
    """A status post's bare stamp after its last sentence dates the post (not the window its text mentions) and is no
    part of its text; a heading's day of a later step ("publish 2025-03-04") does not date the notes; a checklist's boxes reach a model as written (only the offline drafter reads them). Every model
    path drafts from them, and the requests to an OpenAI-compatible server (plain, strict as llama-cpp-python's, or
    answering hostile-but-valid) carry the posts at their own times."""
    bundle = _shapes_bundle(_SESSION22_SHAPES, "UTC")
    by_id = bundle.evidence_by_id()
    assert by_id["status-history.txt:4"].text.endswith("please retry your uploads.")
    _drafted_carrying(srv, path, bundle, ("[status-history.txt:2] 2025-03-03T18:10:00Z", "[status-history.txt:4] 2025-03-03T19:05:00Z",
                      "[post-notes.md:2] 2025-03-03T14:20:00Z", "[ ] alert on the upload error ratio"),
                      absent="[status-history.txt:4] 2025-03-03T14:20")  # fmt: skip


_SESSION23_SHAPES = [
    ("public-updates.txt", "ticket", (
        "[status] Flooding in our Lyon hall: every rack in room 3 is off.\n"
        "[statement, 4 May 2022] Water came in at 11:20 p.m. through the roof of room 3, above the\n"
        "  storage rows. From 1:05 a.m. the power to the room was cut.\n"
    )),
    ("status-posts.txt", "ticket", (
        "Investigating - Many users cannot reach\n"
        "Mailbox Plus. May 5, 2022 - 08:39 AM UTC\n"
        "Resolved - Full service has been restored and the queue is empty. May 5, 2022 - 11:15 AM UTC\n"
    )),
    ("draft-notes.md", "notes", "Draft for the tracker issue\n\nTimeline (UTC)\n- 5 May 09:05 storage restarted by hand\n"),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session23_post_tags_post_stamps_and_zone_titles_reach_every_model_path(srv: FakeProviderServer, path: str) -> None:
    """A copied post's source tag dates it and its indented rest goes on with it; a status post's own stamp dates it
    and leaves its text, and an undated post goes on to the line its stamp closes; a plain "Timeline (UTC)" title
    declares its zone (the bundle's is Rome). Every model path drafts from them, and the requests to an
    OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry the posts
    whole at their own UTC times."""
    bundle = _shapes_bundle(_SESSION23_SHAPES, "Europe/Rome")
    by_id = bundle.evidence_by_id()
    assert by_id["public-updates.txt:2"].text.endswith("From 1:05 a.m. the power to the room was cut.")
    assert by_id["status-posts.txt:1"].text == "Investigating - Many users cannot reach Mailbox Plus."
    _drafted_carrying(srv, path, bundle, ("[public-updates.txt:2] 2022-05-04T21:20:00Z", "[status-posts.txt:1] 2022-05-05T08:39:00Z",
                      "[status-posts.txt:3] 2022-05-05T11:15:00Z", "[draft-notes.md:4] 2022-05-05T09:05:00Z"),
                      absent="the queue is empty. May 5")  # fmt: skip


_SESSION24_SHAPES = [
    ("incident-notes.md", "notes", (
        "# checkout TLS failures, 2024-05-14 (draft notes)\n"
        "## Timeline (UTC)\n"
        "- 2024-04-30: client bundle pins the old CA\n"
        "- 06:10 old CA's intermediate expires, handshakes fail\n"
        "- 07:02 rollback of the pinned bundle\n"
    )),
    ("ops-chat.txt", "chat", "06:15 k8sjo: handshakes failing for every client, checking the CA\n07:05 k8sjo: rollback done, handshakes ok again\n"),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session24_an_earlier_dated_event_leaves_the_notes_times_on_their_day_on_every_model_path(srv: FakeProviderServer, path: str) -> None:
    """Notes dated 14 May whose timeline opens with the latent cause ("- 2024-04-30: client bundle pins the old CA")
    keep their bare times on 14 May before any model sees the evidence: every model path drafts from them, and the
    requests to an OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid)
    carry them at their own UTC times, never on 30 April."""
    bundle = _shapes_bundle(_SESSION24_SHAPES, "UTC")
    by_id = bundle.evidence_by_id()
    assert by_id["incident-notes.md:3"].date_only and by_id["incident-notes.md:4"].at is not None
    assert by_id["incident-notes.md:4"].at.isoformat().startswith("2024-05-14T06:10")
    _drafted_carrying(srv, path, bundle, ("[incident-notes.md:4] 2024-05-14T06:10:00Z", "[incident-notes.md:5] 2024-05-14T07:02:00Z"),
                      absent="2024-04-30T06:10")  # fmt: skip


_SESSION25_SHAPES = [
    ("weekend-notes.md", "notes", (
        "# Saturday 3 August 2024\n"
        "- 16:52 everything behind the edge proxy unreachable over http\n"
        "# Monday 5 August 2024 (no times kept)\n"
        "- new address configured on the proxy container, gateway answers\n"
        "- services reachable again from outside\n"
    )),
    ("status-posts.txt", "ticket", (
        "Aug 5, 2024 11:40 AM PDT - Resolved for all users as of Monday, 2024-08-05 9:20 AM US/Pacific.\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session25_day_headings_and_named_zones_reach_every_model_path(srv: FakeProviderServer, path: str) -> None:
    """Notes that keep a day without times under its heading ("# Monday 5 August 2024 (no times kept)") date each
    line on that day, and a status post's "as of ... 9:20 AM US/Pacific" is read in the zone it names, before any
    model sees the evidence: every model path drafts from them, and the requests to an OpenAI-compatible server
    (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry the lines on 5 August, date only,
    and the post's words as written (the named zone is no UTC time of the draft's)."""
    bundle = _shapes_bundle(_SESSION25_SHAPES, "Europe/Paris")
    by_id = bundle.evidence_by_id()
    assert by_id["weekend-notes.md:2"].at is not None and by_id["weekend-notes.md:2"].at.isoformat().startswith("2024-08-03T14:52")
    assert all(by_id[f"weekend-notes.md:{n}"].date_only for n in (4, 5)) and "weekend-notes.md:3" not in by_id
    _drafted_carrying(srv, path, bundle, ("[weekend-notes.md:4] 2024-08-05 ", "[weekend-notes.md:5] 2024-08-05 ",
                      "as of Monday, 2024-08-05 9:20 AM US/Pacific"), absent="(no times kept)")  # fmt: skip


_SESSION26_SHAPES = [
    ("db.log", "log", "2025-05-16T14:13:00Z db-1 ERROR start failure rate > 20%\n"),
    ("friday.txt", "chat", "# #inc-db (Friday)\n14:15 ana: starts failing everywhere\n"),
    ("monday.txt", "chat", (
        "# #inc-db (Monday, copied without dates)\n"
        "13:19 Mira Okafor (mokafor): it's back, same symptom\n"
    )),
    ("notes.md", "notes", "# notes (times UTC)\n- 19 May ??:?? vendor pushes a second fix\n"),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session26_weekday_copies_handles_and_blank_clocks_reach_every_model_path(srv: FakeProviderServer, path: str) -> None:
    """A chat copy headed "(Monday, copied without dates)" is read on the Monday after the Friday the log dates, a
    speaker written with the account after the name ("Mira Okafor (mokafor): ...") is that name, and a notes line
    with a blank clock ("19 May ??:??") is dated by its day, before any model sees the evidence: every model path
    drafts from them, and the requests to an OpenAI-compatible server (plain, strict as llama-cpp-python's, or
    answering hostile-but-valid) carry the Monday line at its UTC time and never the blank clock."""
    bundle = _shapes_bundle(_SESSION26_SHAPES, "UTC")
    by_id = bundle.evidence_by_id()
    monday = by_id["monday.txt:2"]
    assert monday.at is not None and monday.at.isoformat().startswith("2025-05-19T13:19") and monday.actor == "Mira Okafor"
    assert by_id["notes.md:2"].date_only and by_id["notes.md:2"].text == "vendor pushes a second fix"
    _drafted_carrying(srv, path, bundle, ("[monday.txt:2] 2025-05-19T13:19:00Z", "[notes.md:2] 2025-05-19 "),
                      absent="??:??")  # fmt: skip


_SESSION28_SHAPES = [
    ("noc-chat.txt", "chat", "# #noc (no dates)\n09:41 tina: lost power on line A. everything on A is dark\n"),
    ("customer-mail.txt", "ticket", (
        "From: a hosting customer\nDate: Sat, 06 Jun 2009 09:20:05 -0700\nSubject: everything down??\n"
        "My server and DNS have been unreachable since about 8:40 my time.\n"
    )),
    ("latency-monitor.txt", "alerts", 'monitor "Login p95 > 3s (user-facing)" evaluations, UTC\n2009-06-06 16:40 RECOVERED (p95 0.38s)\n'),
    ("provider-case.txt", "ticket", "Power utility, support case 771204 (UTC)\n2009-06-06 16:35 Feeder restored.\n"),
    ("status-page.txt", "ticket", (
        "Power outage at the data centre\n"
        "Investigating - We are looking into an outage of servers on power line A. (Jun 6, 2009 - 15:45 UTC)\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session28_sender_clocks_zone_titles_and_bracketed_stamps_reach_every_model_path(srv: FakeProviderServer, path: str) -> None:
    """A time in a mail's text is the sender's wall clock (the 'Date:' header's offset), a title ending in its zone
    (', UTC' or '(UTC)') declares it, and a status post's bracketed stamp dates that post, before any model sees the
    evidence: every model path drafts from the same UTC times, and the requests to an OpenAI-compatible server (plain,
    strict as llama-cpp-python's, or answering hostile-but-valid) carry them."""
    bundle = _shapes_bundle(_SESSION28_SHAPES, "America/Chicago")
    by_id = bundle.evidence_by_id()
    assert "(Jun 6" not in by_id["status-page.txt:2"].text
    _drafted_carrying(srv, path, bundle, ("[customer-mail.txt:4] 2009-06-06T15:40:00Z", "[latency-monitor.txt:2] 2009-06-06T16:40:00Z",
                      "[provider-case.txt:2] 2009-06-06T16:35:00Z", "[status-page.txt:2] 2009-06-06T15:45:00Z"),
                      absent="(Jun 6, 2009")  # fmt: skip


_SESSION29_SHAPES = [
    ("alerts.log", "alerts", (
        "2022-03-02T10:06:00Z FIRING QueueConsumerIdle: 0 jobs processed in 5m\n"
        "2022-03-02T11:33:00Z RESOLVED QueueConsumerIdle: 0 jobs processed in 5m\n"
    )),
    ("status-page.txt", "ticket", (
        "Queue stall - Postmortem - Posted Mar 09, 2022 - 08:00 UTC\n"
        "On 2 March 2022 jobs queued without running between 10:04 and 11:31: all of them ran late, none were lost.\n"
        "The consumers reported healthy. Timeline (UTC): 10:04 a worker pool resize set its size to zero and jobs\n"
        "stopped; 11:20 the pool size restored; 11:31 the queue empty again.\n"
    )),
    ("timeline.md", "notes", (
        "Draft timeline (UTC)\n"
        "- March 2nd, 2022, 10:20 - First customer report of jobs not running.\n"
        "- February 2nd, 2022, 10:45 - Consumers found idle, pool size zero.\n"
        "- March 2nd, 2022, 11:20 - Pool size restored.\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session29_write_ups_posted_later_and_slipped_dates_reach_every_model_path(srv: FakeProviderServer, path: str) -> None:
    """A post-mortem posted a week later tells its incident's times ("On 2 March 2022 ...", "Timeline (UTC): 10:04
    ..."), and a hand-written timeline's slipped date ("February 2nd" among "March 2nd" entries) takes its neighbours'
    day, before any model sees the evidence: every model path drafts from the same UTC times, and the requests to an
    OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry them."""
    bundle = _shapes_bundle(_SESSION29_SHAPES, "Europe/Berlin")
    by_id = bundle.evidence_by_id()
    assert by_id["status-page.txt:4"].at == datetime(2022, 3, 2, 11, 20, tzinfo=UTC)
    assert by_id["timeline.md:3"].at == datetime(2022, 3, 2, 10, 45, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[status-page.txt:2] 2022-03-02T10:04:00Z", "[status-page.txt:3] 2022-03-02T10:04:00Z",
                      "[status-page.txt:4] 2022-03-02T11:20:00Z", "[timeline.md:3] 2022-03-02T10:45:00Z"),
                      absent="2022-02-02T10:45")  # fmt: skip


_SESSION30_SHAPES = [
    ("nagios.log", "log", (
        "[1485460800] SERVICE ALERT: api-gw;HTTPS;CRITICAL;HARD;3;CRITICAL - SSL certificate expired\n"
        "[1485468000] SERVICE ALERT: api-gw;HTTPS;OK;HARD;3;HTTP OK: HTTP/1.1 200 OK\n"
    )),
    ("logcat.txt", "log", (
        "01-26 20:10:05.120 4411 4470 E OkHttp: javax.net.ssl.SSLHandshakeException: expired at Fri Dec 23 15:57:00 EST 2016\n"
        "01-26 20:10:05.180 4411 4411 W LoginActivity: showing generic login error\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session30_logcat_and_nagios_lines_reach_every_model_path_at_their_own_time(srv: FakeProviderServer, path: str) -> None:
    """An Android logcat line ("01-26 20:10:05.120 4411 4470 E ...") is timed by its own stamp in the phone's local
    time (the bundle's zone, not a server log's UTC), not by a date it quotes ("expired at Fri Dec 23 ..."), and
    Nagios's log lines by their epoch: every model path drafts from the same UTC
    times, and the requests to an OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering
    hostile-but-valid) carry them."""
    bundle = _shapes_bundle(_SESSION30_SHAPES, "America/New_York")
    by_id = bundle.evidence_by_id()
    assert by_id["logcat.txt:1"].at == datetime(2017, 1, 27, 1, 10, 5, 120000, tzinfo=UTC)  # the phone's local time
    assert by_id["nagios.log:1"].at == datetime(2017, 1, 26, 20, 0, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[logcat.txt:1] 2017-01-27T01:10", "[nagios.log:2] 2017-01-26T22:00:00Z"),
                      absent="2016-12-23T20:57")  # fmt: skip


_SESSION31_SHAPES = [
    ("coe-notes.md", "notes", (
        "# Relay outage 2023-06-21 (all times UTC)\n"
        "- 06:00 pairing alarms fired for the AP region\n"
        "- Fix (more connections, timeouts) rolled out June 22nd 10am.\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session31_a_month_day_and_hour_in_notes_reaches_every_model_path_on_its_own_day(srv: FakeProviderServer, path: str) -> None:
    """A note's "rolled out June 22nd 10am" under a 21 June heading is 10:00 on 22 June, not on the heading's day,
    before any model sees the evidence: every model path drafts from the same UTC time, and the requests to an
    OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry it."""
    bundle = _shapes_bundle(_SESSION31_SHAPES, "Europe/Berlin")
    by_id = bundle.evidence_by_id()
    assert by_id["coe-notes.md:3"].at == datetime(2023, 6, 22, 10, 0, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[coe-notes.md:3] 2023-06-22T10:00:00Z",), absent="2023-06-21T10:00")


_SESSION32_SHAPES = [
    ("outage-notes.md", "notes", (
        "# 2022-05-24 outage (times EDT)\n"
        "- ~8:15 PM (23 May): web servers start flapping, not replaced\n"
        "- ~4:45 AM: all but one server unusable\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session32_a_day_without_its_year_beside_a_time_reaches_every_model_path_on_that_day(srv: FakeProviderServer, path: str) -> None:
    """A note's "~8:15 PM (23 May)" under a 24 May heading is 20:15 EDT on 23 May, and the time after it follows that
    day, before any model sees the evidence: every model path drafts from the same UTC times, and the requests to an
    OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry them."""
    bundle = _shapes_bundle(_SESSION32_SHAPES, "UTC")
    by_id = bundle.evidence_by_id()
    assert by_id["outage-notes.md:2"].at == datetime(2022, 5, 24, 0, 15, tzinfo=UTC)
    assert by_id["outage-notes.md:3"].at == datetime(2022, 5, 24, 8, 45, tzinfo=UTC)
    assert by_id["outage-notes.md:2"].text.startswith("web servers start flapping")
    _drafted_carrying(srv, path, bundle, ("[outage-notes.md:2] 2022-05-24T00:15:00Z",), absent="2022-05-25T00:15")


_SESSION32B_SHAPES = [
    ("ops-chat.txt", "chat", (
        "2026-01-13 16:31 tomas: node wn-17 sandboxes failing mgmt api calls, cordoning it\n"
        "2026-01-13 17:12 tomas: create is failing outright now\n"
        "2026-01-13 17:46 jakub: error rate zero\n"
    )),
    ("notes.md", "notes", (
        "Jan 13 timeline (PST)\n"
        "- 4:31 single node, mgmt API issues\n"
        "- 5:12-5:35 outage: creations fail\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session32_twelve_hour_notes_beside_an_afternoon_chat_reach_every_model_path_in_the_afternoon(srv: FakeProviderServer, path: str) -> None:
    """Notes written "4:31 ..." with no AM/PM beside a chat dated 16:31-17:46 PST are afternoon times, read before any
    model sees the evidence: every model path drafts from 00:31 UTC the next day, never 12:31 UTC, and the requests to
    an OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry it."""
    bundle = _shapes_bundle(_SESSION32B_SHAPES, "America/Los_Angeles")
    by_id = bundle.evidence_by_id()
    assert by_id["notes.md:2"].at == datetime(2026, 1, 14, 0, 31, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[notes.md:2] 2026-01-14T00:31:00Z",), absent="2026-01-13T12:31")


_SESSION32C_SHAPES = [
    ("ops-chat.txt", "chat", (
        "2013-04-16 00:24 ola: everything behind the uplink is flapping, customers VLANs unreachable\n"
        "08:45 ola: their NOC says it works on their side\n"
        "Thursday 20:00 ingrid: provider replaced the core equipment, loss gone\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session32_a_weekday_led_chat_line_reaches_every_model_path_on_its_day(srv: FakeProviderServer, path: str) -> None:
    """A chat message written "Thursday 20:00 ingrid: ..." is read on that Thursday in the chat's zone before any model
    sees the evidence: every model path drafts from 18:00 UTC on 18 April, and the requests to an OpenAI-compatible
    server (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry it."""
    bundle = _shapes_bundle(_SESSION32C_SHAPES, "Europe/Oslo")
    by_id = bundle.evidence_by_id()
    assert by_id["ops-chat.txt:3"].at == datetime(2013, 4, 18, 18, 0, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[ops-chat.txt:3] 2013-04-18T18:00:00Z",), absent="Thursday 20:00 ingrid")


_SESSION33_SHAPES = [
    ("helpdesk-case.txt", "ticket", (
        "Case 88121 - console will not load   opened Tue, 14 Apr 2026 09:02:10 -0500\n"
        "Customer 09:02 -0500: the admin console shows a blank page for all of us\n"
        "Agent (Rui) 09:20 -0500: outage confirmed on our side and escalated to engineering\n"
    )),
    ("eng-chat.txt", "chat", "16:25 rui: console back, pods healthy\n"),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session33_a_ticket_reply_with_its_offset_and_a_colon_reaches_every_model_path_in_utc(srv: FakeProviderServer, path: str) -> None:
    """A ticket's reply stamped "Agent (Rui) 09:20 -0500: ..." is read at its own offset, not in the bundle's zone,
    before any model sees the evidence: every model path drafts from 14:20 UTC, and the requests to an
    OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry it."""
    bundle = _shapes_bundle(_SESSION33_SHAPES, "Europe/Lisbon")
    by_id = bundle.evidence_by_id()
    assert by_id["helpdesk-case.txt:3"].at == datetime(2026, 4, 14, 14, 20, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[helpdesk-case.txt:3] 2026-04-14T14:20:00Z",), absent="T13:20:00Z")


_SESSION33B_SHAPES = [
    ("status-page.txt", "ticket", (
        "Investigating - Nov 20, 2025 12:10 UTC - Services are unreachable in all regions.\n"
        "Resolved - Nov 20, 2025 16:06 UTC - All services have been resumed.\n"
        "Affected: FRA, PAR - major outage 12:10 to 16:06.\n"
    )),
    ("ops-chat.txt", "chat", "13:05 ana: services going to paused everywhere\n"),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session33_a_bare_line_of_a_source_that_writes_utc_reaches_every_model_path_in_utc(srv: FakeProviderServer, path: str) -> None:
    """A status page whose updates each say "UTC" has its bare "major outage 12:10 to 16:06" line read in UTC, not
    in the bundle's Paris time, before any model sees the evidence: every model path drafts from 12:10 UTC, and the
    requests to an OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid)
    carry it."""
    bundle = _shapes_bundle(_SESSION33B_SHAPES, "Europe/Paris")
    by_id = bundle.evidence_by_id()
    assert by_id["status-page.txt:3"].at == datetime(2025, 11, 20, 12, 10, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[status-page.txt:3] 2025-11-20T12:10:00Z",), absent="T11:10:00Z")


_SESSION33C_SHAPES = [
    ("support-ticket.txt", "ticket", (
        "Ticket 55120 - opened 2021-04-12 13:40 UTC\n"
        "Customer: our translators see no memory matches since about 13:35 UK time, deadline is 17:00.\n"
    )),
    ("team-chat.txt", "chat", "2021-04-12 14:36 ana: lookups failing in the editor for me\n"),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session33_uk_time_reaches_every_model_path_as_the_uk_clock(srv: FakeProviderServer, path: str) -> None:
    """A customer's "since about 13:35 UK time" in April is British Summer Time, read before any model sees the
    evidence: every model path drafts from 12:35 UTC (not 13:35 as UTC, nor 11:35 as the bundle's Berlin time), and
    the requests to an OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid)
    carry it."""
    bundle = _shapes_bundle(_SESSION33C_SHAPES, "Europe/Berlin")
    by_id = bundle.evidence_by_id()
    assert by_id["support-ticket.txt:2"].at == datetime(2021, 4, 12, 12, 35, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[support-ticket.txt:2] 2021-04-12T12:35:00Z",), absent="T11:35:00Z")


_SESSION34_SHAPES = [
    ("customer-mail.txt", "ticket", (
        "From: a shipping customer in Sydney\n"
        "Date: Thu, 9 Mar 2023 00:10:00 +1100\n"
        "Subject: tracking pages failing?\n"
        "Our tracking pages show errors since about 23:40 local time, a few minutes before midnight.\n"
    )),
    ("ops-chat.txt", "chat", "2023-03-08 12:45 ravi: tracking api 5xx climbing\n"),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session34_an_onset_before_a_mail_sent_after_midnight_reaches_every_model_path_on_the_day_before(
    srv: FakeProviderServer, path: str
) -> None:
    """A mail sent at 00:10 (+11:00) telling errors "since about 23:40 local time" tells the sender's evening before,
    read before any model sees the evidence: every model path drafts from 12:40 UTC on 8 March (not 9 March), and
    the requests to an OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering hostile-but-valid)
    carry it."""
    bundle = _shapes_bundle(_SESSION34_SHAPES, "Europe/London")
    by_id = bundle.evidence_by_id()
    assert by_id["customer-mail.txt:4"].at == datetime(2023, 3, 8, 12, 40, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[customer-mail.txt:4] 2023-03-08T12:40:00Z",), absent="2023-03-09T12:40:00Z")


_SESSION34B_SHAPES = [
    ("status-page.txt", "ticket", (
        "Search cluster degraded\n"
        "Investigating - Queries time out for some workspaces. - Feb 27, 2021 16:02 CET\n"
        "Resolved - Queries run normally again as of 09:10 CET. - Mar 3, 2021 09:25 CET\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session34_a_bare_time_in_a_later_post_reaches_every_model_path_on_that_posts_day(
    srv: FakeProviderServer, path: str
) -> None:
    """A post closed by its own dated stamp ("... as of 09:10 CET. - Mar 3, 2021 09:25 CET") tells 09:10 on that
    post's day, days after the first post, read before any model sees the evidence: every model path drafts from
    08:10 UTC on 3 March, and the requests to an OpenAI-compatible server (plain, strict as llama-cpp-python's, or
    answering hostile-but-valid) carry it."""
    bundle = _shapes_bundle(_SESSION34B_SHAPES, "UTC")
    by_id = bundle.evidence_by_id()
    assert by_id["status-page.txt:3"].at == datetime(2021, 3, 3, 8, 10, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[status-page.txt:3] 2021-03-03T08:10:00Z",), absent="2021-02-27T08:10:00Z")


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session34_a_ticket_written_at_one_offset_reaches_every_model_path_unshifted(srv: FakeProviderServer, path: str) -> None:
    """A ticket stamped "+0200" in its header and reply keeps its bare "right after 20:00" at +02:00 (18:00 UTC) though
    a chat in its set zone tells a later outage in the same words two hours on, read before any model sees the
    evidence: every model path drafts from 18:00 UTC, and the requests to an OpenAI-compatible server (plain, strict as
    llama-cpp-python's, or answering hostile-but-valid) carry it."""
    from pmstudio.ingest import bundle_from_materials
    from pmstudio.schema import Material

    bundle, _ = bundle_from_materials([
        Material(name="merchant-ticket.txt", kind="ticket", content=(
            "Ticket #5512 - from: a merchant - Date: Mon, 03 Feb 2025 20:27:45 +0200\n"
            "Our shop was unreachable for a few minutes right after 20:00, customers got timeouts at checkout.\n"
            "Reply (support, Mon, 03 Feb 2025 20:41:10 +0200): Confirmed, a short interruption shortly after 20:00.\n"
        )),
        Material(name="ops-chat.txt", kind="chat", timezone="Europe/Helsinki", content=(
            "2025-02-03 20:02 ari: shops timing out, web pool unresponsive\n"
            "2025-02-03 22:00 ari: and it's back, shops unreachable for a few minutes, customers got timeouts at checkout\n"
        )),
    ], id="t", timezone="Europe/Helsinki", redact=False)  # fmt: skip
    assert bundle.evidence_by_id()["merchant-ticket.txt:2"].at == datetime(2025, 2, 3, 18, 0, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[merchant-ticket.txt:2] 2025-02-03T18:00:00Z",), absent="[merchant-ticket.txt:2] 2025-02-03T20:00:00Z")


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session34_a_declared_pst_the_utc_log_shows_literal_reaches_every_model_path_at_utc_minus_8(
    srv: FakeProviderServer, path: str
) -> None:
    """Notes headed "(times PST)" in September whose block halt a UTC log records an hour after the Pacific-time
    reading are re-read at PST's own UTC-8 before any model sees the evidence: every model path drafts from 14:47 UTC,
    and the requests to an OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering
    hostile-but-valid) carry it."""
    from pmstudio.ingest import bundle_from_materials
    from pmstudio.schema import Material

    bundle, _ = bundle_from_materials([
        Material(name="report-notes.md", kind="notes", content=(
            "# Validator report (times PST)\n- 2022-09-19 6:47:06 PST chain halted at block 8654227 with the validators\n"
        )),
        Material(name="chain-events.log", kind="log", timezone="UTC", content=(
            "2022-09-19T14:47:06Z consensus: chain halted height=8654227 reason=coordinated-validator-halt\n"
        )),
    ], id="t", timezone="UTC", redact=False)  # fmt: skip
    assert bundle.evidence_by_id()["report-notes.md:2"].at == datetime(2022, 9, 19, 14, 47, 6, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[report-notes.md:2] 2022-09-19T14:47:06Z",), absent="[report-notes.md:2] 2022-09-19T13:47")


_SESSION34D_SHAPES = [
    ("incident-notes.md", "notes", "Timeline (UTC), 4 Feb 2026\n- 12:43 database instability, connections start failing\n"),
    ("postgres.log", "log", '2026-02-04T12:43:10Z [2211] FATAL: could not write to file "pg_wal/xlogtemp.2211"\n'),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session34_a_title_declaring_utc_before_the_day_reaches_every_model_path_in_utc(srv: FakeProviderServer, path: str) -> None:
    """"Timeline (UTC), 4 Feb 2026" declares its bare times UTC in a bundle read in India's time, before any model
    sees the evidence: every model path drafts from 12:43 UTC (not 07:13), and the requests to an OpenAI-compatible
    server (plain, strict as llama-cpp-python's, or answering hostile-but-valid) carry it."""
    bundle = _shapes_bundle(_SESSION34D_SHAPES, "Asia/Kolkata")
    assert bundle.evidence_by_id()["incident-notes.md:2"].at == datetime(2026, 2, 4, 12, 43, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[incident-notes.md:2] 2026-02-04T12:43:00Z",), absent="T07:13:00Z")


_SESSION34E_SHAPES = [
    ("status-thread.txt", "ticket", (
        "Code Server (minor incident)\n"
        "Investigating - We are experiencing unhealthy code servers, degrading performance. Sep 09, 2021, 04:16 PM UTC\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session34_a_post_stamped_with_a_comma_before_its_time_reaches_every_model_path_timed_and_whole(
    srv: FakeProviderServer, path: str
) -> None:
    """A status post closed by "Sep 09, 2021, 04:16 PM UTC" is dated by it and says nothing of it, before any model
    sees the evidence: every model path drafts from 16:16 UTC, and the requests to an OpenAI-compatible server (plain,
    strict as llama-cpp-python's, or answering hostile-but-valid) carry the post without its stamp."""
    bundle = _shapes_bundle(_SESSION34E_SHAPES, "UTC")
    assert bundle.evidence_by_id()["status-thread.txt:2"].at == datetime(2021, 9, 9, 16, 16, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[status-thread.txt:2] 2021-09-09T16:16:00Z",), absent="performance. Sep 09")


_SESSION35_SHAPES = [
    ("status-thread.txt", "ticket", (
        "Mail outage. Date: Monday 23rd March 2020, 14:46 UTC\n"
        "UPDATE @ 25th March 2020, 13:04 UTC - Fix fully implemented, no more accounts offline.\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session35_an_update_dated_by_an_ordinal_day_reaches_every_model_path_on_its_day(
    srv: FakeProviderServer, path: str
) -> None:
    """"UPDATE @ 25th March 2020, 13:04 UTC" two days into a thread is dated on the 25th before any model sees the
    evidence: every model path drafts from that day, and no request to an OpenAI-compatible server (plain, strict as
    llama-cpp-python's, or answering hostile-but-valid) carries it on the thread's first day."""
    bundle = _shapes_bundle(_SESSION35_SHAPES, "America/Chicago")
    assert bundle.evidence_by_id()["status-thread.txt:2"].at == datetime(2020, 3, 25, 13, 4, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[status-thread.txt:2] 2020-03-25T13:04:00Z",), absent="2020-03-23T13:04")


_SESSION35B_SHAPES = [
    ("notes.md", "notes", (
        "# DC outage notes, 22 July 2019\n"
        "- 7:32 PM: packet loss of 60% to the outside starts\n"
        "- Around 2 PM EDT 24 July the vendor made a change; packet loss ceased.\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session35_an_hour_with_its_zone_and_day_after_it_reaches_every_model_path(
    srv: FakeProviderServer, path: str
) -> None:
    """"Around 2 PM EDT 24 July" is 18:00 UTC on the 24th before any model sees the evidence: every model path drafts
    from it, and no request to an OpenAI-compatible server (plain, strict as llama-cpp-python's, or answering
    hostile-but-valid) carries it on the notes' first day."""
    bundle = _shapes_bundle(_SESSION35B_SHAPES, "Europe/London")
    assert bundle.evidence_by_id()["notes.md:3"].at == datetime(2019, 7, 24, 18, 0, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[notes.md:3] 2019-07-24T18:00:00Z",), absent="2019-07-22T13:00")


_SESSION35C_SHAPES = [
    ("notes.md", "notes", (
        "# Cloud outage 28 Feb 2017 - notes\n"
        "- Start 17:37 GMT: object storage in one region failing\n"
        "- Overall outage 4:23 hours.\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session35_a_length_in_hours_and_minutes_reaches_every_model_path_undated(
    srv: FakeProviderServer, path: str
) -> None:
    """"Overall outage 4:23 hours" is a length, not a clock, before any model sees the evidence: every model path
    drafts from the start at 17:37, and no request to an OpenAI-compatible server (plain, strict as
    llama-cpp-python's, or answering hostile-but-valid) dates that line at 16:23."""
    bundle = _shapes_bundle(_SESSION35C_SHAPES, "Europe/London")
    assert bundle.evidence_by_id()["notes.md:3"].at is None
    _drafted_carrying(srv, path, bundle, ("[notes.md:2] 2017-02-28T17:37:00Z",), absent="2017-02-28T16:23")


_SESSION35D_SHAPES = [
    ("customer-ticket.txt", "ticket", (
        "From: ops@windpark.example   Date: Wed, 28 May 2025 17:26:40 +0200\n"
        "Subject: ALL writes failing to eu-central-1\n"
        "Since about 17:10 our time every write from our turbines is rejected.\n"
    )),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session35_a_mail_with_sender_and_date_on_one_line_reaches_every_model_path_in_its_offset(
    srv: FakeProviderServer, path: str
) -> None:
    """"Since about 17:10 our time" under "From: ...   Date: ... +0200" is 15:10 UTC before any model sees the
    evidence: every model path drafts from it, and no request to an OpenAI-compatible server (plain, strict as
    llama-cpp-python's, or answering hostile-but-valid) carries the bundle zone's reading, a day later."""
    bundle = _shapes_bundle(_SESSION35D_SHAPES, "America/Los_Angeles")
    assert bundle.evidence_by_id()["customer-ticket.txt:3"].at == datetime(2025, 5, 28, 15, 10, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[customer-ticket.txt:3] 2025-05-28T15:10:00Z",), absent="2025-05-29T00:10")


_SESSION37_SHAPES = [
    ("control-room.txt", "chat", (
        "21:05 ayla: feed pump 3 tripped on overcurrent, reservoir level dropping\n"
        "21:18 jonas: started pump 4 by hand\n"
        "21:40 jonas: reservoir level rising again\n"
    )),
    ("scada.csv", "log", (
        "2024-11-03T20:05:11Z,P3,TRIP_OVERCURRENT\n"
        "2024-11-03T20:18:02Z,P4,START_MANUAL\n"
        "2024-11-03T20:40:30Z,RES1_LEVEL,RISING\n"
        "2024-11-04T09:30:00Z,P3,RETURN_TO_SERVICE\n"
    )),
    ("repair-ticket.txt", "ticket", "2024-11-04 10:20 motor contractor replaced the P3 starter\n"),
    ("crew.txt", "chat", "[2024-11-04 10:45] lena: P3 back in service, pump 4 on standby\n"),
]


@pytest.mark.parametrize("path", ["offline", "fake server", "strict server", "hostile fake"])
def test_session37_a_dateless_chat_dated_by_the_lines_it_echoes_reaches_every_model_path_on_its_day(
    srv: FakeProviderServer, path: str
) -> None:
    """The control room's bare-time chat of the first night meets three SCADA lines of that night minute for minute,
    though the next morning's ticket and crew chat make the next day the bundle's main one: before any model sees the
    evidence the chat is on the first night, and every request to an OpenAI-compatible server (plain, strict as
    llama-cpp-python's, or answering hostile-but-valid) carries that day, never the next."""
    bundle = _shapes_bundle(_SESSION37_SHAPES, "Europe/Berlin")
    assert bundle.evidence_by_id()["control-room.txt:1"].at == datetime(2024, 11, 3, 20, 5, tzinfo=UTC)
    _drafted_carrying(srv, path, bundle, ("[control-room.txt:1] 2024-11-03T20:05:00Z",), absent="2024-11-04T20:05")
