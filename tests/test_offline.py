"""The offline model end to end: pydantic-ai agents, grounding over every dataset, blamelessness,
revisions with critic feedback, retries, determinism, no-timestamp bundles and large bundles."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, CachePoint, ModelRetry, RunContext
from pydantic_ai.messages import ModelRequest, ModelResponse, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo

from pmstudio.agents.messages import parse_prompt, render_evidence, render_task
from pmstudio.agents.sections import FullDraft
from pmstudio.offline import OfflineDraftError, draft_section, offline_model
from pmstudio.offline.analysis import _CACHE
from pmstudio.offline.feedback import apply_findings
from pmstudio.offline.model import offline_function
from pmstudio.offline.people import words_in_lower_case
from pmstudio.schema import SECTION_TYPES, Bundle, Evidence, Finding, ImpactSection, Material, TimelineSection
from pmstudio.timeparse import find_stamp, find_stamps

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("timeline", "impact", "root_cause", "lessons", "supporting", "actions", "summary")
T0 = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)

BLAME = re.compile(
    r"\b(?:should(?:n't| not)? have|could have|would have|failed to|human error|operator error|careless\w*|sloppy|"
    r"stupid|lazy|laziness|(?:my|his|her|their|your|whose|at) fault|blam\w*|forgot|whoever|who (?:pushed|approved|"
    r"merged|shipped|forgot)|obviously|simply|clearly|mistakes?|really\?|lol)\b|(?<![\w-])just(?![\w-])|(?<!\w)\+1(?!\w)",
    re.I,
)
NUMBER = re.compile(r"\d+(?:\.\d+)?")
CODE_KEYS = {"id", "at", "phase", "kind", "horizon", "priority", "severity", "due", "evidence", "factor_ids",
             "detailed_logs", "communication_records", "started_at", "detected_at", "mitigated_at", "resolved_at"}  # fmt: skip


# --------------------------------------------------------------------------- bundles


def make_bundle(lines: list[tuple[str, str, int | None, str | None, str]], *, bundle_id: str = "hand-made",
                title: str | None = None) -> Bundle:
    """(material, kind, minutes after T0 or None, actor, text) -> a Bundle with one evidence item per line."""
    evidence: list[Evidence] = []
    counters: dict[str, int] = {}
    contents: dict[str, tuple[str, list[str]]] = {}
    people: list[str] = []
    for material, kind, minute, actor, text in lines:
        counters[material] = counters.get(material, 0) + 1
        contents.setdefault(material, (kind, []))[1].append(text)
        evidence.append(Evidence(
            id=f"{material}:{counters[material]}", material=material, kind=kind, line=counters[material],  # type: ignore[arg-type]
            at=None if minute is None else T0 + timedelta(minutes=minute), actor=actor, text=text,
        ))
        if actor and actor not in people:
            people.append(actor)
    materials = [Material(name=n, kind=k, content="\n".join(t)) for n, (k, t) in contents.items()]  # type: ignore[arg-type]
    return Bundle(id=bundle_id, title=title, materials=materials, evidence=evidence, people=people)


BLAMEFUL = make_bundle(
    [
        ("deploy.log", "log", 0, None, "deployer: checkout-api v812 rolled out to production 100%"),
        ("deploy.log", "log", 2, None, "checkout-api ERROR pool exhausted: 0 of 40 connections free; returning 503"),
        ("pagerduty.json", "pagerduty", 5, "Alertmanager", "trigger_log_entry: [FIRING] checkout-api 5xx rate above 20%"),
        ("pagerduty.json", "pagerduty", 6, "Dana", "acknowledge_log_entry: Acknowledged by Dana"),
        ("chat.txt", "chat", 7, "Dana", "acked, I'm IC. checkout is down for all users lol"),
        ("chat.txt", "chat", 9, "Sam", "Dana, can you check the deploy? it went out at 09:00"),
        ("chat.txt", "chat", 11, "Priya", "Sam's push broke it obviously, he should have tested the pool size"),
        ("chat.txt", "chat", 12, "Sam", "my bad, I just forgot to bump the pool size. human error, sorry"),
        ("chat.txt", "chat", 13, "Dana", "turns out the pool size config dropped from 400 to 40 because the template lost a zero"),
        ("chat.txt", "chat", 14, "Dana", "rolling back v812 now"),
        ("chat.txt", "chat", 18, "Dana", "rolled back to v811, checkout works again, 5xx back to baseline 🎉"),
        ("status.txt", "ticket", 20, None, "Investigating - Checkout errors for some customers in eu-west-1"),
        ("chat.txt", "chat", 31, "Dana", "stable for 10 minutes, resolved. about 31 minutes of errors, roughly 12% of orders failed"),
        ("status.txt", "ticket", 33, None, "Resolved - Checkout is working normally"),
        ("chat.txt", "chat", 35, "Priya", "follow-ups: we need to validate pool size in CI, and add an alert on pool saturation"),
        ("notes.md", "notes", None, None, "What made it worse"),
        ("notes.md", "notes", None, None, "the pool size template has no validation and no canary stage"),
        ("notes.md", "notes", None, None, "the saturation alert does not exist, only the 5xx alert paged"),
    ],
    bundle_id="checkout-pool",
    title="Checkout 503s after pool size change",
)
NAMES = ("Dana", "Sam", "Priya")


def wire(bundle: Bundle, section: str, **task: Any) -> str:
    return render_evidence(bundle) + render_task(section, **task)


def draft(bundle: Bundle, section: str, **task: Any) -> dict[str, Any]:
    return draft_section(parse_prompt(wire(bundle, section, **task)))


# --------------------------------------------------------------------------- checks


def strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(field name, text) for every prose string in a section output."""
    if isinstance(value, str):
        if key not in CODE_KEYS:
            yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, k)
    elif isinstance(value, list) and key not in CODE_KEYS:
        for v in value:
            yield from strings(v, key)


def _restated(e: Evidence) -> list[datetime]:
    """The fully dated times the line writes in its own zone, told in UTC as the draft tells every time ("stop
    2021-08-27 13:15" in notes kept in PDT -> 20:15): the line's zone is the gap between its time as written and
    its UTC time."""
    written = find_stamp(e.time_text or "", anywhere="any")
    if e.at is None or written is None or written.zone is not None:
        return []
    gap = (written.value.hour * 60 + written.value.minute - (e.at.hour * 60 + e.at.minute) + 720) % 1440 - 720
    return [s.value - timedelta(minutes=gap) for s in find_stamps(e.text) if s.full and s.zone is None]


def _numbers_of(e: Evidence) -> set[str]:
    nums = set(NUMBER.findall(e.text)) | ({str(e.count)} if e.count > 1 else set())  # a condensed line's count
    for t in (e.at, e.last_at, *_restated(e)):
        if t is not None:
            nums |= {f"{t.year}", f"{t.month:02d}", f"{t.day:02d}", f"{t.hour:02d}", f"{t.minute:02d}", str(t.day), str(t.month)}
    return nums


def _gaps(items: list[Evidence]) -> set[str]:
    """Spans between the cited times: in minutes, in hours, and in calendar days (a date-only end)."""
    times = [e.at.replace(microsecond=0) for e in items if e.at is not None]  # whole seconds, as the wire carries them
    minutes = {round(abs((a - b).total_seconds()) / 60) for a in times for b in times}
    days = {abs((a.date() - b.date()).days) for a in times for b in times}
    # a gap also told in words ("1 day, 18 hours and 32 minutes"): its day, hour and minute parts
    parts = {p for g in minutes for p in (g // 1440, g % 1440 // 60, g % 60, g // 60)}
    return {str(n) for n in minutes | {round(m / 60) for m in minutes} | days | parts}


def ungrounded(section: str, out: dict[str, Any], bundle: Bundle) -> list[str]:
    """Every problem with grounding: unknown ids, times that are no evidence time, numbers not in the cited evidence."""
    by_id = bundle.evidence_by_id()
    # the wire format carries whole seconds (sub-second parts of e.g. Slack timestamps are not sent)
    times = {e.at.replace(microsecond=0) for e in bundle.evidence if e.at is not None}
    title_numbers = set(NUMBER.findall(bundle.title or ""))
    problems: list[str] = []

    def check(node: Any, path: str, allowed: set[str]) -> None:
        if isinstance(node, dict):
            ids = [i for i in node.get("evidence", []) if isinstance(i, str)]
            for i in ids:
                if i not in by_id:
                    problems.append(f"{path}: unknown id {i}")
            cited = [by_id[i] for i in ids if i in by_id]
            here = set(allowed)
            for e in cited:
                here |= _numbers_of(e)
            here |= _gaps(cited)
            for k, v in node.items():
                if k in ("at", "started_at", "detected_at", "mitigated_at", "resolved_at") and v is not None:
                    if datetime.fromisoformat(str(v).replace("Z", "+00:00")) not in times:
                        problems.append(f"{path}.{k}: time {v} is no evidence time")
                elif isinstance(v, str) and k not in CODE_KEYS:
                    # the summary's first sentence tells the incident's title, which the user gave
                    extra = title_numbers if section == "summary" and k in ("title", "summary") else set()
                    for n in NUMBER.findall(v):
                        if n not in here and n not in extra:
                            problems.append(f"{path}.{k}: number {n} not in cited evidence: {v[:120]}")
                elif k in ("detailed_logs", "communication_records"):
                    problems.extend(f"{path}.{k}: unknown id {i}" for i in v if i not in by_id)
                else:
                    check(v, f"{path}.{k}", here if isinstance(v, dict) and "evidence" not in v else allowed)
        elif isinstance(node, list):
            for n, v in enumerate(node):
                check(v, f"{path}[{n}]", allowed)

    base: set[str] = set()
    if section == "impact" and out.get("duration_minutes") is not None:
        base.add(str(out["duration_minutes"]))
    check(out, section, base)
    return problems


def blame_hits(out: dict[str, Any], names: tuple[str, ...] | list[str], words: frozenset[str] = frozenset()) -> list[str]:
    """Blame words and person names in a draft. A name the materials also write in lower case as a word (`words`:
    the person "Dev" beside "dev agents") is matched with its capital only, so the word is not taken for the name."""
    hits = []
    for key, text in strings(out):
        hits += [f"{key}: {m.group(0)!r} in {text[:100]}" for m in BLAME.finditer(text)]
        hits += [
            f"{key}: name {n!r} in {text[:100]}"
            for n in names
            if re.search(rf"(?<![\w@]){re.escape(n)}(?!\w)", text, 0 if n.lower() in words else re.I)
        ]
    return hits


def _datasets() -> list[Path]:
    paths = sorted((ROOT / "datasets" / "golden").glob("*.yaml"))
    examples = ROOT / "datasets" / "examples"
    if examples.is_dir():
        paths += sorted(p for p in examples.iterdir() if not p.name.startswith(".") and p.name != "README.md")
    return paths


def _load(path: Path) -> tuple[Bundle, list[str]]:
    ingest = pytest.importorskip("pmstudio.ingest", reason="pmstudio.ingest is not available")
    if not hasattr(ingest, "load_bundle"):
        pytest.skip("pmstudio.ingest.load_bundle does not exist yet")
    loaded = ingest.load_bundle(path)
    bundle = loaded[0] if isinstance(loaded, tuple) else loaded
    names = list(bundle.people)
    if path.suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        names += [str(p) for p in ((data.get("expected") or {}).get("people") or [])]
    from pmstudio.offline.people import is_bot

    # a bot's name ("sentry", "alertmanager") is a tool's, which a draft may name; a person's never
    return bundle, [n for n in dict.fromkeys(names) if len(n) > 2 and " " not in n and not is_bot(n, handle=True)]


# --------------------------------------------------------------------------- agents


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_agent_gets_a_valid_answer(section: str) -> None:
    kind = SECTION_TYPES[section]
    agent = Agent(offline_model(), output_type=kind, instructions="x")
    task = render_task(section)
    result = agent.run_sync([render_evidence(BLAMEFUL), CachePoint(), task])
    assert isinstance(result.output, kind)
    assert result.usage.requests == 1


def test_single_shot_agent_gets_every_section() -> None:
    agent = Agent(offline_model(), output_type=FullDraft, instructions="x")
    result = agent.run_sync([render_evidence(BLAMEFUL), CachePoint(), render_task("all")])
    assert result.output.timeline.detected_at is not None
    assert result.output.actions.action_items
    assert set(type(result.output).model_fields) == set(SECTION_TYPES)


def test_streaming_gives_the_same_answer() -> None:
    agent = Agent(offline_model(), output_type=TimelineSection, instructions="x")
    prompt = [render_evidence(BLAMEFUL), CachePoint(), render_task("timeline")]

    async def streamed() -> TimelineSection:
        async with agent.run_stream(prompt) as result:
            return await result.get_output()

    import asyncio

    assert asyncio.run(streamed()) == agent.run_sync(prompt).output


def test_unknown_section_is_a_clear_error() -> None:
    with pytest.raises(OfflineDraftError, match="unknown section 'epilogue'"):
        draft(BLAMEFUL, "epilogue")


def test_section_is_inferred_from_the_output_schema_when_the_task_is_missing() -> None:
    agent = Agent(offline_model(), output_type=ImpactSection, instructions="x")
    out = agent.run_sync([render_evidence(BLAMEFUL)]).output
    assert out.severity in ("critical", "high", "medium", "low")


# --------------------------------------------------------------------------- grounding, blame, names


@pytest.mark.parametrize("section", [*SECTIONS, "all"])
def test_hand_made_bundle_is_grounded_and_blameless(section: str) -> None:
    out = draft(BLAMEFUL, section)
    parts = out.items() if section == "all" else [(section, out)]
    for name, data in parts:
        SECTION_TYPES[name].model_validate(data)
        assert ungrounded(name, data, BLAMEFUL) == []
        assert blame_hits(data, NAMES) == []


def test_blameful_chat_is_never_copied() -> None:
    timeline = draft(BLAMEFUL, "timeline")
    texts = " ".join(e["text"] for e in timeline["entries"]).lower()
    assert "broke it" not in texts and "forgot" not in texts and "pool size config dropped from 400 to 40" in texts
    assert "the incident commander" in texts  # actions are told by role


def test_ungrounded_numbers_are_detected_by_the_checker() -> None:
    """The grounding checker used over the datasets can fail: a made-up number is caught."""
    out = draft(BLAMEFUL, "impact")
    out["users_affected"]["text"] += " About 9731 users."
    out["duration_of_impact"]["evidence"] = ["nope.txt:1"]
    problems = ungrounded("impact", out, BLAMEFUL)
    assert any("9731" in p for p in problems) and any("unknown id" in p for p in problems)


def _known(path: Path) -> Any:
    """The dataset as a parameter, a strict xfail when tests/data/known-defects.yaml lists a blameless defect for it."""
    import yaml

    known = yaml.safe_load((ROOT / "tests" / "data" / "known-defects.yaml").read_text()) or {}  # none left: only comments
    reason = (known.get(path.stem) or {}).get("blameless")
    return pytest.param(path, id=path.stem, marks=pytest.mark.xfail(strict=True, reason=reason) if reason else ())


@pytest.mark.parametrize("path", [_known(p) for p in _datasets()])
def test_datasets_are_drafted_grounded_and_blameless(path: Path) -> None:
    bundle, names = _load(path)
    evidence = render_evidence(bundle)
    words = words_in_lower_case(m.content for m in bundle.materials)
    for section in SECTIONS:
        out = draft_section(parse_prompt(evidence + render_task(section)))
        SECTION_TYPES[section].model_validate(out)
        assert ungrounded(section, out, bundle) == [], section
        assert blame_hits(out, names, words) == [], section


# --------------------------------------------------------------------------- revisions and retries


def test_revision_removes_a_flagged_span() -> None:
    first = draft(BLAMEFUL, "timeline")
    target = next(e["text"] for e in first["entries"] if "rolling back" in e["text"])
    finding = Finding(rule="B6-minimising", severity="medium", section="timeline", span="rolling back v812 now",
                      message="m", suggestion="")
    revised = draft(BLAMEFUL, "timeline", context={"previous_draft": first}, feedback=[finding])
    texts = [e["text"] for e in revised["entries"]]
    assert all("rolling back v812 now" not in t.lower() for t in texts)
    assert target not in texts
    assert len(revised["entries"]) >= len(first["entries"]) - 1


def test_revision_uses_a_replacement_suggestion_and_keeps_earlier_fixes() -> None:
    first = draft(BLAMEFUL, "root_cause")
    first["primary_root_cause"]["text"] = "Earlier fix kept. " + first["primary_root_cause"]["text"]
    span = first["contributing_factors"][0]["description"].split()[1]
    finding = Finding(rule="B5", severity="medium", section="root_cause", span=span, message="m",
                      suggestion='Replace with "the system"')
    revised = draft(BLAMEFUL, "root_cause", context={"previous_draft": first}, feedback=[finding])
    assert revised["primary_root_cause"]["text"].startswith("Earlier fix kept.")
    assert span.lower() not in revised["contributing_factors"][0]["description"].lower()
    assert "the system" in json.dumps(revised)


def test_revision_of_a_whole_claim_says_not_stated() -> None:
    first = draft(BLAMEFUL, "impact")
    span = first["users_affected"]["text"]
    finding = Finding(rule="G2-ungrounded-number", severity="high", section="impact", span=span, message="m")
    revised = draft(BLAMEFUL, "impact", context={"previous_draft": first}, feedback=[finding])
    assert revised["users_affected"] == {"text": "Not stated in the materials.", "evidence": []}


def test_completeness_findings_take_nothing_away() -> None:
    """"Add how many were affected" or "link this item" cannot be fixed by deleting the span."""
    first = draft(BLAMEFUL, "actions")
    title = first["action_items"][0]["title"]
    findings = [
        Finding(rule="C10-action-factor-link", severity="medium", section="actions", span=title, message="m"),
        Finding(rule="C11-no-prevention", severity="medium", section="actions", span="Prevention Strategies", message="m"),
    ]
    assert draft(BLAMEFUL, "actions", context={"previous_draft": first}, feedback=findings) == first


def test_single_shot_revision_targets_the_named_section() -> None:
    first = draft(BLAMEFUL, "all")
    span = first["summary"]["summary"].split(".")[0]
    finding = Finding(rule="B5", severity="medium", section="summary", span=span, message="m")
    revised = draft(BLAMEFUL, "all", feedback=[finding])
    assert span not in revised["summary"]["summary"]
    assert revised["timeline"] == first["timeline"]


def _messages(bundle: Bundle, section: str, problems: str) -> list[Any]:
    return [
        ModelRequest(parts=[UserPromptPart([render_evidence(bundle), CachePoint(), render_task(section)])]),
        ModelResponse(parts=[ToolCallPart("final_result", "{}", tool_call_id="c1")]),
        ModelRequest(parts=[ToolReturnPart(tool_name="final_result", content=problems, tool_call_id="c1")]),
    ]


def _info(kind: type[BaseModel]) -> AgentInfo:
    agent = Agent(offline_model(), output_type=kind, instructions="x")
    captured: list[AgentInfo] = []

    def grab(messages: list[Any], info: AgentInfo) -> ModelResponse:
        captured.append(info)
        return offline_function(messages, info)

    from pydantic_ai.models.function import FunctionModel

    agent.run_sync([render_evidence(BLAMEFUL), render_task("timeline")], model=FunctionModel(grab))
    return captured[0]


def _args(response: ModelResponse) -> dict[str, Any]:
    part = response.parts[0]
    assert isinstance(part, ToolCallPart) and isinstance(part.args, str)
    return dict(json.loads(part.args))


def test_retry_drops_the_items_the_validator_named() -> None:
    info = _info(SECTION_TYPES["timeline"])
    plain = _args(offline_function(_messages(BLAMEFUL, "timeline", "ok")[:1], info))
    first_id = plain["entries"][0]["evidence"][0]
    problems = (
        "Fix these grounding problems:\n- timeline.entries[0]: time 2024-03-05T09:00:00Z appears in no evidence item\n"
        f"- timeline.entries[2]: evidence id '{plain['entries'][2]['evidence'][0]}' does not exist"
    )
    retried = _args(offline_function(_messages(BLAMEFUL, "timeline", problems), info))
    assert len(retried["entries"]) == len(plain["entries"]) - 1
    assert first_id not in [e["evidence"][0] for e in retried["entries"] if e["evidence"]]
    assert all(plain["entries"][2]["evidence"][0] not in e["evidence"] for e in retried["entries"])


def test_agent_with_a_validator_retry_gets_a_fixed_answer() -> None:
    agent = Agent(offline_model(), output_type=TimelineSection, instructions="x", retries=2)
    calls: list[int] = []

    @agent.output_validator
    def once(ctx: RunContext[object], output: TimelineSection) -> TimelineSection:
        calls.append(len(output.entries))
        if len(calls) == 1:
            raise ModelRetry("Fix these grounding problems:\n- timeline.entries[1]: empty text")
        return output

    result = agent.run_sync([render_evidence(BLAMEFUL), CachePoint(), render_task("timeline")])
    assert calls[1] == calls[0] - 1
    assert len(result.output.entries) == calls[0] - 1


# --------------------------------------------------------------------------- determinism, edge cases, scale


def test_same_input_same_output() -> None:
    first = {s: draft(BLAMEFUL, s) for s in SECTIONS}
    _CACHE.clear()
    assert {s: draft(BLAMEFUL, s) for s in SECTIONS} == first


def test_output_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    (tmp_path / "bundle.json").write_text(BLAMEFUL.model_dump_json(), encoding="utf-8")
    script.write_text(
        "import json, sys\n"
        "from pmstudio.schema import Bundle\n"
        "from pmstudio.agents.messages import parse_prompt, render_evidence, render_task\n"
        "from pmstudio.offline import draft_section\n"
        "b = Bundle.model_validate_json(open(sys.argv[1]).read())\n"
        "print(json.dumps(draft_section(parse_prompt(render_evidence(b) + render_task('all'))), sort_keys=True))\n",
        encoding="utf-8",
    )
    outs = set()
    for seed in ("1", "4242"):
        run = subprocess.run([sys.executable, str(script), str(tmp_path / "bundle.json")], capture_output=True,
                             text=True, env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}, timeout=120, check=True)
        outs.add(run.stdout)
    assert len(outs) == 1


def test_no_timestamps_gives_an_empty_timeline_and_says_so() -> None:
    bundle = make_bundle([
        ("notes.md", "notes", None, None, "Checkout returned errors for most users after the pool change."),
        ("notes.md", "notes", None, None, "Root cause: the pool size template lost a zero because nothing validates it."),
        ("notes.md", "notes", None, None, "Follow-ups: add validation of pool size in CI"),
    ])
    timeline = draft(bundle, "timeline")
    assert timeline == {"entries": [], "started_at": None, "detected_at": None, "mitigated_at": None, "resolved_at": None}
    impact = draft(bundle, "impact")
    assert "no timestamps" in impact["duration_of_impact"]["text"] and impact["duration_minutes"] is None
    assert impact["revenue_impact"]["text"] == "Not stated in the materials."
    assert "no timestamps" in draft(bundle, "summary")["summary"]
    assert draft(bundle, "root_cause")["primary_root_cause"]["evidence"] == ["notes.md:2"]


def test_empty_evidence_still_validates() -> None:
    bundle = make_bundle([])
    for section in SECTIONS:
        SECTION_TYPES[section].model_validate(draft(bundle, section))


@pytest.mark.timeout(120)
def test_a_20k_line_bundle_drafts_every_section() -> None:
    lines: list[tuple[str, str, int | None, str | None, str]] = [
        (ln[0], ln[1], ln[2], ln[3], ln[4]) for ln in [
            ("chat.txt", "chat", 0, "Dana", "deploy of api v9 rolled out to production"),
            ("pd.json", "pagerduty", 3, "Alertmanager", "trigger_log_entry: [FIRING] api 5xx above 10%"),
            ("chat.txt", "chat", 40, "Dana", "rolled back to v8, errors back to baseline"),
            ("chat.txt", "chat", 60, "Dana", "all clear, resolved"),
        ]
    ]
    for i in range(20_000):
        lines.append(("app.log", "log", 1 + i % 50, None, f"api worker {i % 97} ERROR upstream timeout after {1000 + i % 300}ms req={i}"))
    bundle = make_bundle(lines, bundle_id="big")
    evidence = render_evidence(bundle)
    for section in (*SECTIONS, "all"):
        out = draft_section(parse_prompt(evidence + render_task(section)))
        assert out
    timeline = draft_section(parse_prompt(evidence + render_task("timeline")))
    assert 8 <= len(timeline["entries"]) <= 20
    assert timeline["resolved_at"] == "2024-03-05T10:00:00Z"


def test_revision_removes_a_flagged_number_only_where_it_stands_alone() -> None:
    """A lint flags "15"; the date 2024-04-15, the count 1500 and the rate 15.5% are other numbers and stay."""
    section = {"summary": "On 2024-04-15 about 1500 requests failed, an error rate of 15.5%, and 15 merchants wrote in."}
    finding = Finding(rule="G2-ungrounded-number", severity="medium", section="summary", span="15", message="m")
    out = apply_findings(section, [finding])["summary"]
    assert out == "On 2024-04-15 about 1500 requests failed, an error rate of 15.5%, and merchants wrote in."
    word = Finding(rule="B5", severity="medium", section="summary", span="dave", message="m", replacement="the engineer")
    text = {"summary": "Dave restarted the Davenport cluster."}
    assert apply_findings(text, [word])["summary"] == "the engineer restarted the Davenport cluster."


def test_a_name_that_is_also_a_word_is_matched_with_its_capital_only() -> None:
    """The person "Dev" beside the materials' "dev agents": the word is no name, the capitalised name still is."""
    out = {"text": "Half the slots went to dev agents."}
    assert blame_hits(out, ["Dev"], frozenset({"dev"})) == []
    assert blame_hits({"text": "Dev disabled the agents."}, ["Dev"], frozenset({"dev"})) != []
    assert blame_hits(out, ["Dev"]) != []  # a name the materials never write in lower case: any case is the name
