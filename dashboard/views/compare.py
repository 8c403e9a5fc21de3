"""Compare page: leaderboard of model x prompt set over eval runs, charts, and a per-case drill-down.

Choices (runs, failure class, case, variants) live in the URL, so they survive page switches and can be
shared. Queries are cached per run ids and database change; the drill-down is a fragment, so picking a
case or a variant re-renders only it.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from pmstudio.evals.compare import REGRESSION_EPS, compare, load_scores
from pmstudio.evals.report import calibration_notice
from pmstudio.findings import section_data
from pmstudio.render import render_markdown
from pmstudio.schema import Finding
from pmstudio.store.db import default_db_path
from pmstudio.store.queries import case_scores, case_variants, cell_costs, eval_runs
from pmstudio.ui import SECTION_TITLES, WHOLE_DRAFT, escape_md, metric_section, schema_sections
from pmstudio.ui.feedback import pairwise_preference
from pmstudio.ui.leaderboard import default_thresholds, leaderboard_frame, styled, word_diff

st.title("Compare prompts and models")


def _db_version() -> tuple[str, int, int]:
    """Changes whenever the database file does: the cache key next to the run ids."""
    path = default_db_path()
    try:
        stat = path.stat()
    except OSError:
        return (str(path), 0, 0)
    wal = path.with_name(path.name + ".wal")
    return (str(path), stat.st_mtime_ns + (wal.stat().st_mtime_ns if wal.exists() else 0), stat.st_size)


@st.cache_data(max_entries=8, show_spinner=False)
def _runs(version: tuple[str, int, int]) -> pd.DataFrame:
    return eval_runs()


@st.cache_data(max_entries=16, show_spinner=False)
def _scores_costs(run_ids: tuple[str, ...], version: tuple[str, int, int]) -> tuple[Any, pd.DataFrame]:
    return load_scores(list(run_ids)), cell_costs(list(run_ids))


@st.cache_data(max_entries=64, show_spinner=False)
def _case(run_ids: tuple[str, ...], case: str, version: tuple[str, int, int]) -> tuple[Any, pd.DataFrame]:
    return case_variants(list(run_ids), case), case_scores(list(run_ids), case)


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return str(value) if value else None


version = _db_version()
runs = _runs(version)
if runs.empty:
    st.info("No eval runs yet. Run `make eval` (the golden set, offline) and come back.")
    st.stop()

running = set(runs.loc[runs["finished_at"].isna(), "run_id"])
labels = {
    r.run_id: ("running · " if r.run_id in running else "")
    + f"{r.started_at:%Y-%m-%d %H:%M} · {r.cases} cases · {r.models} · {r.prompt_sets}"
    for r in runs.itertuples()
}
finished = [r for r in labels if r not in running]
if "compare_runs" not in st.session_state:  # the URL, else the newest finished run (never a running one)
    from_url = [r for r in (_param("runs") or "").split(",") if r in labels]
    st.session_state["compare_runs"] = from_url or finished[:1]
elif not set(st.session_state["compare_runs"]) <= set(labels):  # a run picked elsewhere that is gone
    st.session_state["compare_runs"] = finished[:1]
chosen = st.multiselect("Eval runs", list(labels), format_func=lambda r: labels[r], key="compare_runs")
if not chosen:
    st.info("Choose an eval run (unfinished runs are labelled “running”).")
    st.stop()
st.query_params["runs"] = ",".join(chosen)
if set(chosen) & running:
    st.warning("A chosen run is still running: its numbers cover only the cells finished so far.")
rows, costs = _scores_costs(tuple(chosen), version)
classes = sorted(c for c in costs["failure_class"].dropna().unique()) if not costs.empty else []
if "compare_class" not in st.session_state:
    st.session_state["compare_class"] = _param("class") if _param("class") in classes else "all"
fclass = st.selectbox("Failure class", ["all", *classes], key="compare_class")
st.query_params["class"] = fclass
cmp = compare(rows, by=("model", "prompt"), failure_class=None if fclass == "all" else fclass,
              calibrated=calibration_notice()[0])
if not cmp.summaries:
    st.info("No scores in these runs for this filter.")
    st.stop()

# --------------------------------------------------------------------------- leaderboard

st.subheader("Leaderboard")
board = leaderboard_frame(cmp, default_thresholds())
st.caption("Gate metrics are marked; a gate that fails is red; the best variant of each metric is green. "
           "A metric gates only when calibrated against reviewers' labels (Calibration page); others show "
           "'uncalibrated'.")
st.dataframe(styled(board), width="stretch", hide_index=True)
summ = pd.DataFrame([s.model_dump() for s in cmp.summaries])

st.subheader("Metric by variant (mean with 95% CI)")
base = alt.Chart(summ.dropna(subset=["mean"]))
points = base.mark_point(filled=True, size=60).encode(
    x=alt.X("mean:Q", scale=alt.Scale(domain=[0, 1]), title="mean"),
    y=alt.Y("metric:N", title=None, axis=alt.Axis(labelLimit=110)),
    color=alt.Color("variant:N", legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=300)),
    yOffset="variant:N",
    tooltip=["variant", "metric", "mean", "ci_low", "ci_high", "pass_rate"],
)
bars = base.mark_rule().encode(
    x="ci_low:Q", x2="ci_high:Q", y="metric:N", color="variant:N", yOffset="variant:N"
)
st.altair_chart(bars + points, width="stretch")

if not costs.empty:
    st.subheader("Cost and latency per draft against quality")
    costs = costs.assign(variant=costs["model"] + " | " + costs["prompt_set"])
    if fclass != "all":
        costs = costs[costs["failure_class"] == fclass]
    axis = st.radio("x axis", ["latency_ms", "cost_usd", "input_tokens"], horizontal=True, key="compare_axis")
    scatter = (
        alt.Chart(costs)
        .mark_circle(size=70)
        .encode(
            x=alt.X(f"{axis}:Q"),
            y=alt.Y("quality:Q", title="mean score"),
            color=alt.Color("variant:N", legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=300)),
            tooltip=["case_id", "variant", "latency_ms", "cost_usd", "quality", "status"],
        )
    )
    st.altair_chart(scatter, width="stretch")

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
        for c in regressed:  # case ids are ours (golden file names), links into the drill-down below
            st.markdown(f"- [{escape_md(c)}](?runs={','.join(chosen)}&class={fclass}&case={c})")

# --------------------------------------------------------------------------- drill-down

cases = sorted({r.case_id for r in rows if fclass == "all" or r.failure_class == fclass})


def _same(a: Any, b: Any, section: str) -> bool:
    """Two variants' drafts say the same in `section` (the header's author line names the variant)."""
    da, db = section_data(a.postmortem, section), section_data(b.postmortem, section)
    if section == "header" and da is not None and db is not None:
        da, db = {**da, "author": ""}, {**db, "author": ""}
    return da == db


def _findings(col: Any, findings: list[Finding]) -> None:
    if not findings:
        col.caption("No critic findings.")
    for f in findings:
        col.warning(f"**{f.severity}** {escape_md(f.rule)}: “{escape_md(f.span)}” — {escape_md(f.message)}")


@st.fragment
def drill_down() -> None:
    st.subheader("Drill into a case")
    if not cases:
        st.info("No case in these runs for this filter.")
        return
    if st.session_state.get("compare_case") not in cases:
        st.session_state["compare_case"] = _param("case") if _param("case") in cases else cases[0]
    case = st.selectbox("Case", cases, key="compare_case")
    st.query_params["case"] = case
    found, scores = _case(tuple(chosen), case, version)
    variants = {v.label: v for v in found}
    if len(variants) < 2:
        st.info("This case has fewer than two variants' drafts in these runs.")
        return
    names = list(variants)
    for key, default in (("compare_a", 0), ("compare_b", 1)):
        if st.session_state.get(key) not in names:
            st.session_state[key] = _param(key[-1]) if _param(key[-1]) in names else names[default]
    ca, cb = st.columns(2)
    a = ca.selectbox("Variant A", names, key="compare_a")
    b = cb.selectbox("Variant B", names, key="compare_b")
    st.query_params["a"], st.query_params["b"] = a, b
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
        colored = part.style.format("{:.3f}", na_rep="-").apply(
            lambda row: ["background-color: #f8d7da" if row.name in worse else "" for _ in row], axis=1
        )
        st.dataframe(colored, width="stretch")

    sa = schema_sections(render_markdown(va.postmortem, critic=va.critic))
    sb = schema_sections(render_markdown(vb.postmortem, critic=vb.critic))
    _scores(WHOLE_DRAFT)
    differs = 0
    shown = [s for s in dict.fromkeys([*sa, *sb]) if s != "review"]
    for section in shown:
        changed = not _same(va, vb, section)
        differs += changed
        sank = any(metric_section(m) == section for m in worse)
        title = SECTION_TITLES.get(section, section.capitalize())
        label = f"{title}{' · differs' if changed else ' · identical'}{' · B regressed' if sank else ''}"
        with st.expander(label, expanded=changed or sank):
            _scores(section)
            left, right = st.columns(2)
            left.markdown(f"**A** · {escape_md(a)}")
            right.markdown(f"**B** · {escape_md(b)}")
            _findings(left, [f for f in va.critic.findings if f.section == section])
            _findings(right, [f for f in vb.critic.findings if f.section == section])
            if changed:
                st.markdown("**Word by word, B against A**")
                st.markdown(word_diff(sa.get(section, ""), sb.get(section, "")))
            with st.popover("Rendered Markdown of A and B"):
                st.code(sa.get(section, ""), language="markdown", wrap_lines=True)
                st.code(sb.get(section, ""), language="markdown", wrap_lines=True)
    st.caption(f"{differs} of {len(shown)} sections differ between A and B.")
    pairwise_preference(va.draft_id, vb.draft_id, a, b)


drill_down()
