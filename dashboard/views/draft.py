"""Draft page: paste or upload an incident's materials, draft with live per-section status, review and edit."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from datetime import UTC, date, datetime
from typing import Any, Literal

import streamlit as st

from pmstudio.certainty import mark
from pmstudio.edits import (
    EditError,
    apply_replacement,
    current_findings,
    replace_section,
    replace_section_markdown,
)
from pmstudio.ingest import BundleError, bundle_from_materials
from pmstudio.lints.segments import unshown_text_paths
from pmstudio.models import ModelConfigError, list_models
from pmstudio.orchestrator import DraftSettings, draft_postmortem, resolve_model
from pmstudio.parsers.zones import parse_source_zones
from pmstudio.prompts import PromptError, available_sets
from pmstudio.publish import publish_draft
from pmstudio.render import failure_reason, render_json, render_markdown
from pmstudio.schema import (
    SECTION_NAMES,
    Bundle,
    Claim,
    DraftRecord,
    Finding,
    PostMortem,
    SummarySection,
    TimelineSection,
)
from pmstudio.sectionmd import hidden_paths, layout, section_markdown
from pmstudio.store import update_draft_markdown
from pmstudio.store.feedback import finding_id, latest_findings
from pmstudio.store.queries import DraftView, get_draft, list_drafts
from pmstudio.templates import (
    TemplateField,
    builtin_names,
    get_value,
    load_template,
    path_root,
    seed_template,
)
from pmstudio.ui import SECTION_TITLES, escape_md, materials_from_uploads
from pmstudio.ui.citations import citation, context_text
from pmstudio.ui.escape import code_span
from pmstudio.ui.feedback import finding_outcome, reviewer, section_rating

ICON = {"queued": "⏳", "drafting": "✍️", "revising": "🔁", "done": "✅", "failed": "❌", "fallback": "↩️"}

st.title("Draft a post-mortem")


def _models() -> list[str]:
    names = ["offline"]
    for info in list_models(os.environ):
        if info["kind"] in ("anthropic", "openai") and info["configured"]:
            names.append(str(info["example"]))
    return names


def _run_draft(bundle: Bundle, model: str, prompts: str, reuse: DraftRecord | None = None) -> DraftRecord:
    box = st.status("Drafting…", expanded=True)
    rows: dict[str, Any] = {name: box.empty() for name in SECTION_NAMES}
    for name, row in rows.items():
        row.markdown(f"{ICON['queued']} `{name}` queued")

    def on_status(section: str, status: str) -> None:
        row = rows.get(section)
        if row is None:  # the single-shot agent drafts every section at once
            for r_name, r in rows.items():
                r.markdown(f"{ICON.get(status, '')} `{r_name}` {status} (single call)")
            return
        row.markdown(f"{ICON.get(status, '')} `{section}` {status}")

    record = asyncio.run(
        draft_postmortem(
            bundle,
            model=model,
            prompt_set=prompts,
            settings=DraftSettings(fallback=True),
            on_status=on_status,
            reuse=reuse,
        )
    )
    state: Literal["complete", "error"] = "complete" if record.status == "ok" else "error"
    box.update(
        label=f"Draft {record.status}: {len(record.sections)} agent calls", state=state, expanded=False
    )
    return record


def _layout() -> str:
    """The template the Markdown is laid out in (the page's choice; the seed template by default)."""
    return str(st.session_state.get("draft_template") or builtin_names()[0])


def _save_new(record: DraftRecord, bundle: Bundle) -> None:
    publish_draft(record, bundle, command="dashboard", template=_layout())
    st.session_state["draft_id"] = record.draft_id
    st.query_params["draft"] = record.draft_id


def _save_edit(view: DraftView, pm: PostMortem, what: str = "Saved") -> None:
    """Store an edited draft; the version before it is kept for one Undo, and the next run confirms it."""
    if view.postmortem is not None:
        st.session_state.setdefault("draft_undo", {})[view.draft_id] = (what, view.postmortem.model_dump_json())
    md = render_markdown(pm, bundle=view.bundle, critic=current_findings(pm, view.bundle, view.critic), template=_layout())
    update_draft_markdown(view.draft_id, md, pm.model_dump_json())
    st.session_state["draft_saved"] = f"{what}. The draft is stored."


def _undo(view: DraftView) -> None:
    what, before = st.session_state.get("draft_undo", {}).pop(view.draft_id)
    pm = PostMortem.model_validate_json(before)
    md = render_markdown(pm, bundle=view.bundle, critic=current_findings(pm, view.bundle, view.critic), template=_layout())
    update_draft_markdown(view.draft_id, md, pm.model_dump_json())
    st.session_state["draft_saved"] = f"Undone: {what.lower()}."


# --------------------------------------------------------------------------- input

with st.expander("New draft", expanded="draft" not in st.query_params):
    pasted = st.text_area("Paste chat, alerts, logs or notes", height=180, key="draft_paste")
    uploads = st.file_uploader(
        "…or upload files (chat .txt, Slack export .json, PagerDuty .json, .log, notes .md, golden .yaml)",
        accept_multiple_files=True,
        key="draft_upload",
    )
    c1, c2, c3, c4 = st.columns([2, 2, 1, 1])
    model = c1.selectbox("Model", _models(), key="draft_model")
    custom = c1.text_input(
        "…or any model string",
        key="draft_model_custom",
        placeholder="openai-compatible:llama3.1@http://127.0.0.1:11434/v1",
    )
    try:
        prompt_sets = list(available_sets())
    except PromptError as exc:  # e.g. a project prompt set named like a built-in one: one line, no traceback
        st.error(str(exc).splitlines()[0])
        st.stop()
    prompts = c2.selectbox("Prompt set", prompt_sets, key="draft_prompts")
    title = c2.text_input(
        "Incident title (optional)", key="draft_title", placeholder="drafted from the materials if empty"
    )
    timezone = c3.text_input("Timezone of bare times", value="UTC", key="draft_tz")
    file_zones = c3.text_input("Zone per file (NAME=ZONE, comma-separated)", key="draft_file_tz", placeholder="app.log=UTC")
    redact = c4.checkbox("Redact secrets/PII", value=True, key="draft_redact")
    day = c4.date_input("Incident date (for times without one)", value=None, key="draft_day")
    if st.button("Draft", type="primary", key="draft_go"):
        chosen = custom.strip() or model
        try:
            resolve_model(chosen, DraftSettings())
            materials, meta = materials_from_uploads(uploads or [], pasted)
            bundle, _ = bundle_from_materials(
                materials,
                id=meta.get("id", "dashboard-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")),
                timezone=meta.get("timezone", timezone.strip() or "UTC"),
                title=title.strip() or meta.get("title"),
                source=meta.get("source"),
                redact=redact,
                source_timezones=parse_source_zones(file_zones.split(",")),
                default_date=day if isinstance(day, date) else None,
            )
        except (BundleError, ModelConfigError) as exc:
            st.error(escape_md(str(exc)))
        except ValueError as exc:
            st.error(escape_md(f"input: {str(exc).splitlines()[0]}"))
        else:
            record = _run_draft(bundle, chosen, prompts)
            if record.postmortem is None:
                st.error(escape_md(f"drafting failed: {record.error}"))
            else:
                _save_new(record, bundle)


def _open_pick() -> None:
    pick = st.session_state.get("draft_pick")
    if pick:
        st.query_params["draft"] = pick
        st.session_state["draft_id"] = pick


past = list_drafts(limit=50)
if not past.empty:
    labels = {
        r.draft_id: f"{r.started_at:%Y-%m-%d %H:%M} · {r.bundle_id} · {r.model} · {r.prompt_set}"
        for r in past.itertuples()
    }
    st.selectbox(
        "Open a past draft",
        list(labels),
        index=None,
        placeholder="choose a draft to reopen",
        format_func=lambda i: labels[i],
        key="draft_pick",
        on_change=_open_pick,
    )

draft_id = st.query_params.get("draft") or st.session_state.get("draft_id")
if draft_id:
    st.query_params["draft"] = draft_id  # keep the open draft in the URL, so a reload reopens it
if not draft_id:
    st.info("No draft yet: paste or upload an incident's materials and press **Draft**.")
    st.stop()
view = get_draft(draft_id)
if view is None or view.postmortem is None:
    st.warning(escape_md(f"Draft {draft_id} not found in the database."))
    st.stop()
assert view is not None and view.postmortem is not None  # st.stop() ends the script above
opened: DraftView = view
pm: PostMortem = view.postmortem
evidence = view.bundle.evidence_by_id() if view.bundle else {}
critic = current_findings(pm, view.bundle, view.critic)  # findings an edit resolved are gone

# --------------------------------------------------------------------------- output

h = pm.header
st.header(escape_md(h.title))
st.caption(
    escape_md(
        f"{h.date} · severity {h.severity or 'not stated'} · {h.duration} · {view.model} · prompts {view.prompt_set} · "
        f"critic: {critic.count('high')} high, {critic.count('medium')} medium, {critic.count('low')} low "
        f"after {critic.rounds} round(s) ({critic.critic})"
    )
)
if critic.notes:
    with st.expander(f"Notes ({len(critic.notes)}): stored findings that do not point at text of this draft"):
        for note in critic.notes:
            st.markdown(f"- {escape_md(note)}")
saved = st.session_state.pop("draft_saved", None)
if saved:
    st.toast(escape_md(saved), icon="✅")
    st.success(escape_md(saved))
if opened.draft_id in st.session_state.get("draft_undo", {}):
    last = st.session_state["draft_undo"][opened.draft_id][0]
    if st.button(f"Undo: {escape_md(last.lower())}", key=f"draft_undo_{opened.draft_id}"):
        _undo(opened)
        st.rerun()
st.selectbox("Template (Markdown layout)", builtin_names(), key="draft_template")
md = render_markdown(pm, bundle=view.bundle, critic=critic, template=_layout())
d1, d2 = st.columns(2)
d1.download_button("Download Markdown", md, file_name=f"{pm.header.incident_id}.md", key="draft_dl_md")
d2.download_button(
    "Download JSON", render_json(pm), file_name=f"{pm.header.incident_id}.json", key="draft_dl_json"
)


def _evidence(ids: list[str], preview: bool = False, text: str = "") -> None:
    """Citation chips: one small pill per cited id; choosing one opens its source line with ±3 lines.
    A claim with text and no evidence is marked uncited; a preview lists the ids as code (no widgets)."""
    if not ids:
        if text.strip() and text.strip() != "Not stated in the materials.":
            st.caption("uncited")
        return
    if preview:
        st.caption("evidence: " + ", ".join(code_span(i) for i in ids))
        return
    n = st.session_state["_draft_cite_n"] = st.session_state.get("_draft_cite_n", 0) + 1
    pick = st.pills("evidence", ids, key=f"draft_cite_{opened.draft_id}_{n}", label_visibility="collapsed")
    if pick and view is not None:
        c = citation(view.bundle, pick)
        if not c.found:
            st.caption(escape_md(f"{pick}: not in this bundle"))
        else:
            st.caption(escape_md(c.header))
            st.code(context_text(c), language=None, wrap_lines=True)


def _outcomes() -> dict[str, tuple[str, str]]:
    """finding id -> (latest outcome, reason) of this reviewer's Accept/Dismiss on the open draft."""
    rows = latest_findings(draft_id=opened.draft_id)
    if rows.empty:
        return {}
    mine = rows[rows["reviewer"] == reviewer()]
    return {str(r.finding_id): (str(r.outcome), str(r.reason or "")) for r in mine.itertuples()}


def _judge(f: Finding, outcome: Literal["accept", "dismiss"], reason: str = "") -> None:
    if finding_outcome(opened.draft_id, f, outcome, reason):  # errors are shown by finding_outcome
        st.rerun()


def _findings(section: str, findings: list[Finding], outcomes: dict[str, tuple[str, str]]) -> None:
    listed: set[str] = set()
    for f in findings:
        fid = finding_id(f.rule, f.section, f.span)
        if fid in listed:  # a draft stored before findings were made unique may hold one twice
            continue
        listed.add(fid)
        key = f"{opened.draft_id}_{fid}"
        outcome, why = outcomes.get(fid, ("", ""))
        if outcome == "dismiss":
            st.caption(f"Dismissed {escape_md(f.rule)}" + (f": {escape_md(why)}" if why else ""))
            continue
        box = st.error if f.severity == "high" else (st.warning if f.severity == "medium" else st.info)
        box(f"**{f.severity}** {escape_md(f.rule)}: “{escape_md(f.span[:300])}” — {escape_md(f.message[:600])}")
        if f.advice:
            st.caption(f"Advice: {escape_md(f.advice[:600])}")
        if outcome == "accept":
            st.caption(f"Accepted {escape_md(f.rule)}" + (f": {escape_md(why)}" if why else ""))
        cols = st.columns([3, 1, 1, 1, 1])
        if f.replacement is not None:
            shown = escape_md(f.replacement[:300]) if f.replacement else "_(delete it)_"
            cols[0].caption(f"Replace with: {shown}")
            if cols[1].button("Apply", key=f"draft_apply_{key}"):
                try:
                    _save_edit(opened, apply_replacement(pm, f), f"Applied {f.rule}")
                except EditError as exc:
                    st.error(escape_md(str(exc)))
                else:
                    finding_outcome(opened.draft_id, f, "accept", "applied the replacement")
                    st.rerun()
        if outcome != "accept" and cols[2].button("Accept", key=f"draft_accept_{key}"):
            _judge(f, "accept")
        with cols[3].popover("Dismiss"):
            reason = st.text_input("Reason (optional)", key=f"draft_dismiss_reason_{key}")
            if st.button("Dismiss finding", key=f"draft_dismiss_{key}"):
                _judge(f, "dismiss", reason.strip())
        if cols[4].button("Edit", key=f"draft_editf_{key}", help="edit this section by hand"):
            st.session_state[f"draft_editing_{opened.draft_id}"] = section
            st.rerun()


def _certainty(c: Any) -> str:
    """' _(hypothesis)_' after a root-cause claim or factor (pmstudio.certainty), '' when not assessed."""
    text = mark(getattr(c, "certainty", None), getattr(c, "sources", None)).strip()
    return f" _{escape_md(text)}_" if text else ""


def _claims(label: str, items: list[Any], preview: bool = False) -> None:
    st.markdown(f"**{escape_md(label)}**")
    if not items:
        st.caption("Not stated in the materials.")
    for c in items:
        st.markdown(f"- {escape_md(c.text)}{_certainty(c)}")
        _evidence(c.evidence, preview, c.text)


def _field_body(doc: PostMortem, field: TemplateField, preview: bool = False) -> None:
    """One template field of `doc`, written the way its kind is."""
    if field.kind == "key_value":
        for item in field.items:
            value = get_value(doc, item.path)
            _claims(item.label, [value] if isinstance(value, Claim) else [], preview)
        return
    value = get_value(doc, str(field.path))
    label = field.label or ""
    if field.kind == "timeline" and isinstance(value, TimelineSection):
        entries = sorted(value.entries, key=lambda x: x.at)
        with_date = len({e.at.date() for e in entries}) > 1
        for e in entries:
            t = e.at.strftime("%Y-%m-%d %H:%M UTC" if with_date else "%H:%M UTC")
            st.markdown(f"**{t}** · _{escape_md(e.phase)}_ · {escape_md(e.text)}")
            _evidence(e.evidence, preview, e.text)
    elif field.kind == "action_items":
        for a in value or []:
            due = a.due or a.priority or "no due date"
            st.markdown(
                f"- [ ] **{escape_md(a.title)}** · "
                + escape_md(
                    f"owner {a.owner} · {due} · {a.horizon} · {a.kind} · addresses {', '.join(a.factor_ids) or '-'}"
                )
            )
            _evidence(a.evidence, preview)
    elif isinstance(value, SummarySection):
        st.markdown(escape_md(value.summary))
        _evidence(value.evidence, preview, value.summary)
    elif isinstance(value, Claim):
        _claims(label, [value], preview)
    elif field.role == "factors":
        st.markdown(f"**{escape_md(label)}**")
        for n, f in enumerate(value or []):
            st.markdown(f"{n + 1}. **{escape_md(f.title)}** ({escape_md(f.id)}): {escape_md(f.description)}{_certainty(f)}")
            _evidence(f.evidence, preview, f.description)
    elif field.role == "quote":
        st.markdown(f"**{escape_md(label)}**")
        _evidence(list(value or []), preview)
    else:
        _claims(label, list(value or []), preview)


def _section_body(name: str, doc: PostMortem | None = None, preview: bool = False) -> None:
    doc = doc or pm
    sec = doc.section(name)
    if sec is None:
        reason = failure_reason(doc, name) or opened.error or ""
        st.error(f"This section failed to draft. {escape_md(reason)}")
        return
    failure = doc.failure(name)
    if failure is not None and failure.fallback:
        st.warning(f"(offline fallback: {failure.reason}) The model's call failed: {escape_md(failure.detail)}")
    for path in unshown_text_paths():
        if path_root(path) == name and path != f"{name}.title":
            st.caption(escape_md(str(get_value(doc, path) or "")))
    for _section, field in seed_template().fields():
        if field.root == name:
            _field_body(doc, field, preview)


def _markdown_editor(name: str) -> None:
    """The section as Markdown in the chosen template's layout, read back through the same reader as
    `pmstudio check`; problems in words with their line, a preview of what Save would store."""
    tpl = load_template(_layout())
    if not layout(tpl, name):
        st.caption(escape_md(f"The {tpl.name} template has no place for this section: it is edited in the seed layout."))
        tpl = seed_template()
    current = section_markdown(pm, name, tpl, opened.bundle)
    # the key carries the draft, the layout and the current content: never another draft's text, nor the
    # text from before an Apply or a Save
    version = hashlib.sha256(f"{tpl.name}\n{current}".encode()).hexdigest()[:10]
    left, right = st.columns(2)
    text = left.text_area(
        "Markdown",
        current,
        height=max(200, min(600, 22 * (current.count("\n") + 2))),
        key=f"draft_md_{opened.draft_id}_{name}_{version}",
        help="Edit the text as it reads in the document. Times like 14:02 or 2024-05-01 14:02; citations as "
        "(evidence: chat.txt:12). A line without a citation keeps those of the text it edits; "
        "(evidence: none) removes them.",
    )
    hidden = hidden_paths(tpl, name)
    if hidden:
        left.caption(escape_md("Not in this layout, kept as they are: " + ", ".join(hidden)))
    if text == current:
        right.caption("Preview: edit the text and press Ctrl+Enter (or click outside it) to see what Save stores.")
        if st.button("Save section", key=f"draft_mdsave_{opened.draft_id}_{name}", type="primary"):
            st.info("Nothing changed.")
        return
    new_pm, reading = replace_section_markdown(pm, name, text, tpl, opened.bundle)
    with right:
        st.caption("Preview (not saved yet)")
        for problem in reading.problems:
            st.error(escape_md(str(problem)))
        if new_pm is not None:
            _section_body(name, new_pm, preview=True)
        for note in reading.notes:
            st.caption(escape_md(str(note)))
        if reading.uncited:
            st.caption(escape_md("uncited (no evidence): line " + ", ".join(str(n) for n in reading.uncited)))
    if st.button("Save section", key=f"draft_mdsave_{opened.draft_id}_{name}", type="primary"):
        if new_pm is None:
            st.error(escape_md(f"Not saved: {len(reading.problems)} problem(s) in the text; nothing was changed."))
        else:
            _save_edit(opened, new_pm, f"Saved {SECTION_TITLES[name]}")
            st.rerun()


by_section: dict[str, list[Finding]] = {}
for f in critic.findings:
    by_section.setdefault(f.section, []).append(f)

tab_names = [
    SECTION_TITLES[s] + (f" ({len(by_section[s])})" if by_section.get(s) else "") for s in SECTION_TITLES
]
outcomes = _outcomes()
st.session_state["_draft_cite_n"] = 0  # citation widget keys: stable per run order
if by_section.get("header"):
    _findings("header", by_section["header"], outcomes)
tabs = st.tabs([*tab_names, "Markdown"])
for tab, name in zip(tabs, SECTION_TITLES, strict=False):
    with tab:
        _findings(name, by_section.get(name, []), outcomes)
        _section_body(name)
        section_rating(opened.draft_id, name)
        editing = st.session_state.get(f"draft_editing_{opened.draft_id}") == name
        with st.expander("Edit this section", expanded=editing):
            _markdown_editor(name)
        with st.expander("Advanced: edit as JSON, or redraft"):
            sec = pm.section(name)
            current = json.dumps(sec.model_dump(mode="json") if sec else {}, indent=2)
            # the key carries the draft and its current content: a widget never shows another draft's
            # section, nor the text from before an Apply
            version = hashlib.sha256(current.encode()).hexdigest()[:10]
            text = st.text_area("JSON", current, height=240, key=f"draft_edit_{opened.draft_id}_{name}_{version}")
            e1, e2 = st.columns(2)
            if e1.button("Save section", key=f"draft_save_{opened.draft_id}_{name}"):
                try:
                    _save_edit(view, replace_section(pm, name, text), f"Saved {SECTION_TITLES[name]}")
                except EditError as exc:
                    st.error(escape_md(str(exc)))
                else:
                    st.rerun()
            if e2.button("Redraft this section", key=f"draft_redraft_{opened.draft_id}_{name}") and view.bundle is not None:
                stub = DraftRecord(
                    draft_id=view.draft_id,
                    bundle_id=view.bundle.id,
                    model=view.model,
                    prompt_set=view.prompt_set,
                    prompts=[],
                    started_at=datetime.now(UTC),
                    finished_at=datetime.now(UTC),
                    postmortem=pm.model_copy(update={"failed_sections": [name]}),
                    sections=[],
                )
                model_ref = (
                    "offline" if view.model.startswith("custom:") else view.model
                )  # a test's Model object
                record = _run_draft(view.bundle, model_ref, view.prompt_set, reuse=stub)
                fresh = record.postmortem.section(name) if record.postmortem is not None else None
                if fresh is not None:
                    _save_edit(view, replace_section(pm, name, fresh.model_dump(mode="json")))
                    st.rerun()
                else:
                    st.error(escape_md(f"Redraft failed: {record.error}"))
with tabs[-1]:
    st.code(md, language="markdown", wrap_lines=True)
    section_rating(opened.draft_id, "overall")
