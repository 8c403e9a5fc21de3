"""Compare page: leaderboard of model x prompt set over eval runs, charts, and a per-case drill-down.

Choices (runs, failure class, case, variants) live in the URL, so they can be shared and reloaded, and in
the session, so they survive page switches (a browser's page switch drops the query string). Queries and
the comparison's statistics are cached per run ids and database change (`store.changes.change_token`); the
drill-down and the cost chart are fragments, so a click there re-renders only them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from pmstudio.evals.compare import (
    REGRESSION_EPS,
    Comparison,
    ScoreRow,
    compare,
    default_runs,
    load_scores,
    run_options,
)
from pmstudio.evals.report import calibration_notice
from pmstudio.findings import section_data
from pmstudio.render import render_markdown
from pmstudio.schema import Finding
from pmstudio.store.changes import change_token
from pmstudio.store.queries import case_scores, case_variants, cell_costs, eval_runs
from pmstudio.ui import SECTION_TITLES, WHOLE_DRAFT, escape_md, metric_section, schema_sections
from pmstudio.ui.compare_charts import COST_AXES, cost_spec, metric_ci_spec
from pmstudio.ui.feedback import pairwise_preference
from pmstudio.ui.leaderboard import default_thresholds, leaderboard_frame, styled, word_diff

st.title("Compare prompts and models")


@st.cache_data(max_entries=8, show_spinner=False)
def _runs(version: str) -> pd.DataFrame:
    return eval_runs()


# Caches keyed by run ids and the database's change token. The big results (thousands of score rows, the
# comparison, the drafts of a case) are cache_resource: shared as they are, never copied or unpickled per run
# (cache_data copies every hit), and the page only reads them.
@st.cache_resource(max_entries=16, show_spinner=False)
def _scores_costs(run_ids: tuple[str, ...], version: str) -> tuple[list[ScoreRow], pd.DataFrame]:
    return load_scores(list(run_ids)), cell_costs(list(run_ids))


@st.cache_resource(max_entries=32, show_spinner="Comparing…")
def _comparison(run_ids: tuple[str, ...], fclass: str | None, version: str) -> Comparison:
    """Means, bootstrap CIs and paired differences (the slow part of a first load) once per runs and filter."""
    rows, _ = _scores_costs(run_ids, version)
    return compare(rows, by=("model", "prompt"), failure_class=fclass, calibrated=calibration_notice()[0])


@st.cache_resource(max_entries=32, show_spinner=False)
def _tables(run_ids: tuple[str, ...], fclass: str | None, version: str) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The leaderboard, the summaries the CI chart draws, and the cases the drill-down offers."""
    cmp = _comparison(run_ids, fclass, version)
    rows, _ = _scores_costs(run_ids, version)
    summ = pd.DataFrame([s.model_dump() for s in cmp.summaries])
    cases = sorted({r.case_id for r in rows if fclass is None or r.failure_class == fclass})
    return leaderboard_frame(cmp, default_thresholds()), summ, cases


@st.cache_data(max_entries=256, show_spinner=False)
def _word_diff(a: str, b: str) -> str:
    return word_diff(a, b)


@st.cache_resource(max_entries=64, show_spinner=False)
def _case(run_ids: tuple[str, ...], case: str, version: str) -> tuple[Any, pd.DataFrame]:
    return case_variants(list(run_ids), case), case_scores(list(run_ids), case)


SAVED = "compare_saved"  # the choices of this session: the query string is dropped when the user switches pages


def _param(name: str) -> str | None:
    """A choice from the URL, else the one this session made last."""
    value = st.query_params.get(name) or st.session_state.get(SAVED, {}).get(name)
    return str(value) if value else None


def _keep(name: str, value: str) -> None:
    """A choice into the URL (shareable) and the session (kept past page switches)."""
    if st.query_params.get(name) != value:
        st.query_params[name] = value
    st.session_state.setdefault(SAVED, {})[name] = value


version = change_token()
runs = _runs(version)
if runs.empty:
    st.info("No eval runs yet. Run `make eval` (the golden set, offline) and come back.")
    st.stop()

options = run_options(runs.to_dict("records"))
running = {o.run_id for o in options if o.running}
labels = {o.run_id: o.label for o in options}
finished = default_runs(options)
if "compare_runs" not in st.session_state:  # the URL, else the newest finished run (never a running one)
    from_url = [r for r in (_param("runs") or "").split(",") if r in labels]
    st.session_state["compare_runs"] = from_url or finished[:1]
elif not set(st.session_state["compare_runs"]) <= set(labels):  # a run picked elsewhere that is gone
    st.session_state["compare_runs"] = finished[:1]
chosen = st.multiselect("Eval runs", list(labels), format_func=lambda r: labels[r], key="compare_runs")
if not chosen:
    st.info("Choose an eval run (unfinished runs are labelled “running”).")
    st.stop()
_keep("runs", ",".join(chosen))
if set(chosen) & running:
    st.warning("A chosen run is still running: its numbers cover only the cells finished so far.")
_, costs = _scores_costs(tuple(chosen), version)
classes = sorted(c for c in costs["failure_class"].dropna().unique()) if not costs.empty else []
if "compare_class" not in st.session_state:
    st.session_state["compare_class"] = _param("class") if _param("class") in classes else "all"
fclass = st.selectbox("Failure class", ["all", *classes], key="compare_class")
_keep("class", fclass)
cmp = _comparison(tuple(chosen), None if fclass == "all" else fclass, version)
if not cmp.summaries:
    st.info("No scores in these runs for this filter.")
    st.stop()

# --------------------------------------------------------------------------- leaderboard

st.subheader("Leaderboard")
board, summ, cases = _tables(tuple(chosen), None if fclass == "all" else fclass, version)
st.caption("Gate metrics are marked; a gate that fails is red; the best variant of each metric is green. "
           "A metric gates only when calibrated against reviewers' labels (Calibration page); others show "
           "'uncalibrated'.")
st.dataframe(styled(board), width="stretch", hide_index=True,
             column_order=[c for c in board.columns if c not in ("best", "failing")])
st.caption(escape_md("Offline fallbacks (cells where a model call failed and the offline drafter stood in; scored as "
                     "missing): " + " · ".join(f"{v}: {cmp.fallback_cells.get(v, 0)}" for v in cmp.variants)))
st.subheader("Metric by variant (mean with 95% CI)")
st.vega_lite_chart(summ.dropna(subset=["mean"]), metric_ci_spec(), width="stretch")


@st.fragment
def cost_chart(costs: pd.DataFrame) -> None:
    """Cost or latency per draft against its mean score, drawn only once opened (the page's first load stays
    light); opening it or switching the axis re-renders only this fragment."""
    st.subheader("Cost and latency per draft against quality")
    box = st.expander("One dot per draft: cost, latency or input tokens against its mean score", on_change="rerun",
                      key="compare_cost_open")
    if not box.open:
        return
    costs = costs.assign(variant=costs["model"] + " | " + costs["prompt_set"])
    if fclass != "all":
        costs = costs[costs["failure_class"] == fclass]
    with box:
        axis = st.radio("x axis", list(COST_AXES), horizontal=True, key="compare_axis")
        shown = costs[["case_id", "variant", "latency_ms", "cost_usd", "input_tokens", "quality", "status"]]
        st.vega_lite_chart(shown, cost_spec(axis), width="stretch")


if not costs.empty:
    cost_chart(costs)

# --------------------------------------------------------------------------- paired differences

if cmp.diffs:
    st.subheader(f"Paired differences against {cmp.baseline}")
    diffs = pd.DataFrame([d.model_dump() for d in cmp.diffs])
    diffs["regressed"] = diffs["regressed_cases"].apply(len)
    st.dataframe(
        diffs[["variant", "metric", "n_pairs", "mean_diff", "ci_low", "ci_high", "p_value", "regressed"]],
        width="stretch",
        hide_index=True,
    )
    regressed = sorted({c for d in cmp.diffs for c in d.regressed_cases})
    if regressed:
        st.error(f"Regressed cases (a score down by more than {REGRESSION_EPS} against the baseline):")
        # case ids are ours (golden file names): links into the drill-down below, one list (one element)
        st.markdown("\n".join(f"- [{escape_md(c)}](?runs={','.join(chosen)}&class={fclass}&case={c})" for c in regressed))

# --------------------------------------------------------------------------- drill-down


def _same(a: Any, b: Any, section: str) -> bool:
    """Two variants' drafts say the same in `section` (the header's author line names the variant)."""
    da, db = section_data(a.postmortem, section), section_data(b.postmortem, section)
    if section == "header" and da is not None and db is not None:
        da, db = {**da, "author": ""}, {**db, "author": ""}
    return da == db


def _findings(col: Any, findings: list[Finding]) -> None:
    if not findings:
        col.caption("No critic findings.")
        return
    col.warning("\n".join(  # one element for a side's findings in a section, not one per finding
        f"- **{f.severity}** {escape_md(f.rule)}: “{escape_md(f.span)}” — {escape_md(f.message)}" for f in findings
    ))


@st.fragment
def drill_down() -> None:
    st.subheader("Drill into a case")
    if not cases:
        st.info("No case in these runs for this filter.")
        return
    if st.session_state.get("compare_case") not in cases:
        st.session_state["compare_case"] = _param("case") if _param("case") in cases else cases[0]
    case = st.selectbox("Case", cases, key="compare_case")
    _keep("case", case)
    found, scores = _case(tuple(chosen), case, version)
    variants = {v.label: v for v in found}
    if len(variants) < 2:
        st.info("This case has fewer than two variants' drafts in these runs.")
        return
    names = list(variants)
    for key in ("compare_a", "compare_b"):
        if st.session_state.get(key) not in names:
            other = st.session_state.get("compare_b" if key == "compare_a" else "compare_a") or _param("b")
            default = next(n for n in names if n != other)  # A and B differ unless chosen so
            st.session_state[key] = _param(key[-1]) if _param(key[-1]) in names else default
    ca, cb = st.columns(2)
    a = ca.selectbox("Variant A", names, key="compare_a")
    b = cb.selectbox("Variant B", names, key="compare_b")
    _keep("a", a)
    _keep("b", b)
    va, vb = variants[a], variants[b]

    table = pd.DataFrame(columns=["A", "B"])
    if not scores.empty:
        scores = scores.assign(variant=scores["model"] + " | " + scores["prompt_set"])
        table = scores[scores["variant"].isin([a, b])].pivot_table(index="metric", columns="variant", values="score")
        table = table.rename(columns={a: "A", b: "B"}).reindex(columns=["A", "B"])
        table["B - A"] = table["B"] - table["A"]
        table["section"] = [metric_section(m) for m in table.index]
    worse = set(table.index[table["B - A"] < -REGRESSION_EPS]) if not table.empty else set()
    if worse:
        st.error(escape_md(f"B scores lower than A (by more than {REGRESSION_EPS}) on: {', '.join(sorted(worse))}"))

    def _scores(section: str) -> None:
        part = table[table["section"] == section].drop(columns="section") if not table.empty else table
        if part.empty:
            return
        if section != WHOLE_DRAFT:  # a section's few metrics: one line (a table draws each cell as Markdown)
            st.markdown("Scores, A → B: " + " · ".join(_score_text(m, r) for m, r in part.iterrows()))
            return
        colored = part.style.format("{:.3f}", na_rep="-").apply(
            lambda row: ["background-color: #f8d7da" if row.name in worse else "" for _ in row], axis=1
        )
        st.dataframe(colored, width="stretch")  # the many whole-draft metrics: one data grid

    def _score_text(metric: object, row: pd.Series) -> str:
        def num(v: object) -> str:
            return "-" if pd.isna(v) else f"{v:.3f}"  # type: ignore[str-format]

        text = f"`{metric}` {num(row['A'])} → {num(row['B'])}"
        return f":red-background[{text}]" if metric in worse else text

    sa = schema_sections(render_markdown(va.postmortem, critic=va.critic))
    sb = schema_sections(render_markdown(vb.postmortem, critic=vb.critic))
    _scores(WHOLE_DRAFT)
    shown = [s for s in dict.fromkeys([*sa, *sb]) if s != "review"]
    changed = {s for s in shown if not _same(va, vb, s)}
    sank = {s for s in shown if any(metric_section(m) == s for m in worse)}
    # open at first: the first section where B regressed, else the first that differs; the others (labelled
    # "differs" / "B regressed") open on a click.
    # The heavy part of a section (its score table, word diff, rendered Markdown) is built only while it is
    # open (a lazy expander in this fragment: opening one re-runs only the drill-down), so a case whose
    # every section changed does not diff them all on each click. The critic's findings are always there.
    first_open = ([s for s in shown if s in sank] or [s for s in shown if s in changed])[:1]
    for section in shown:
        title = SECTION_TITLES.get(section, section.capitalize())
        label = (f"{title}{' · differs' if section in changed else ' · identical'}"
                 f"{' · B regressed' if section in sank else ''}")
        box = st.expander(label, expanded=section in first_open, on_change="rerun",
                          key=f"compare_open_{va.draft_id}_{vb.draft_id}_{section}")
        with box:
            if box.open:
                _scores(section)
            left, right = st.columns(2)
            left.markdown(f"**A** · {escape_md(a)}")
            right.markdown(f"**B** · {escape_md(b)}")
            _findings(left, [f for f in va.critic.findings if f.section == section])
            _findings(right, [f for f in vb.critic.findings if f.section == section])
            if not box.open:
                continue
            if section in changed:
                st.markdown("**Word by word, B against A**")
                st.markdown(_word_diff(sa.get(section, ""), sb.get(section, "")))
            with st.popover("Rendered Markdown of A and B"):
                st.code(sa.get(section, ""), language="markdown", wrap_lines=True)
                st.code(sb.get(section, ""), language="markdown", wrap_lines=True)
    differs = len(changed)
    st.caption(f"{differs} of {len(shown)} sections differ between A and B.")
    pairwise_preference(va.draft_id, vb.draft_id, a, b)


drill_down()
