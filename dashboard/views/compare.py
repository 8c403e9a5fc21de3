"""Compare page: leaderboard of model x prompt set over eval runs, charts, and a per-case drill-down."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from pmstudio.evals.compare import compare, load_scores, section_diff, split_sections
from pmstudio.render import render_markdown
from pmstudio.store import StoreBusyError
from pmstudio.store.queries import case_drafts, case_scores, cell_costs, eval_runs
from pmstudio.ui import escape_md

st.title("Compare prompts and models")

try:
    runs = eval_runs()
except StoreBusyError as exc:
    st.warning(f"The database is busy (a run is writing); try again in a moment. {exc}")
    st.stop()
if runs.empty:
    st.info("No eval runs yet. Run `make eval` (the golden set, offline) and come back.")
    st.stop()

labels = {r.run_id: f"{r.started_at:%Y-%m-%d %H:%M} · {r.cases} cases · {r.models} · {r.prompt_sets}" for r in runs.itertuples()}
chosen = st.multiselect("Eval runs", list(labels), default=list(labels)[:1], format_func=lambda r: labels[r], key="compare_runs")
if not chosen:
    st.stop()
costs = cell_costs(chosen)
classes = sorted(c for c in costs["failure_class"].dropna().unique()) if not costs.empty else []
fclass = st.selectbox("Failure class", ["all", *classes], key="compare_class")
rows = load_scores(chosen)
cmp = compare(rows, by=("model", "prompt"), failure_class=None if fclass == "all" else fclass)
if not cmp.summaries:
    st.info("No scores in these runs for this filter.")
    st.stop()

# --------------------------------------------------------------------------- leaderboard

st.subheader("Leaderboard")
summ = pd.DataFrame([s.model_dump() for s in cmp.summaries])
board = summ.assign(cell=summ.apply(
    lambda r: "-" if pd.isna(r["mean"]) else f"{r['mean']:.3f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
    + ("" if pd.isna(r["pass_rate"]) else f" · {r['pass_rate']:.0%}"), axis=1))
st.dataframe(board.pivot(index="metric", columns="variant", values="cell"), width="stretch")
gates = summ[summ["gate"]].groupby("variant")["pass_rate"].mean().rename("mean gate pass rate")
st.dataframe(gates.to_frame())

st.subheader("Metric by variant (mean with 95% CI)")
base = alt.Chart(summ.dropna(subset=["mean"]))
points = base.mark_point(filled=True, size=60).encode(
    x=alt.X("mean:Q", scale=alt.Scale(domain=[0, 1])), y=alt.Y("metric:N"), color="variant:N",
    yOffset="variant:N", tooltip=["variant", "metric", "mean", "ci_low", "ci_high", "pass_rate"],
)
bars = base.mark_rule().encode(x="ci_low:Q", x2="ci_high:Q", y="metric:N", color="variant:N", yOffset="variant:N")
st.altair_chart(bars + points, width="stretch")

if not costs.empty:
    st.subheader("Cost and latency per draft against quality")
    costs = costs.assign(variant=costs["model"] + " | " + costs["prompt_set"])
    if fclass != "all":
        costs = costs[costs["failure_class"] == fclass]
    axis = st.radio("x axis", ["latency_ms", "cost_usd", "input_tokens"], horizontal=True, key="compare_axis")
    scatter = alt.Chart(costs).mark_circle(size=70).encode(
        x=alt.X(f"{axis}:Q"), y=alt.Y("quality:Q", title="mean score"), color="variant:N",
        tooltip=["case_id", "variant", "latency_ms", "cost_usd", "quality", "status"],
    )
    st.altair_chart(scatter, width="stretch")

# --------------------------------------------------------------------------- paired differences

if cmp.diffs:
    st.subheader(f"Paired differences against {cmp.baseline}")
    diffs = pd.DataFrame([d.model_dump() for d in cmp.diffs])
    diffs["regressed"] = diffs["regressed_cases"].apply(len)
    st.dataframe(diffs[["variant", "metric", "n_pairs", "mean_diff", "ci_low", "ci_high", "p_value", "regressed"]],
                 width="stretch")
    regressed = sorted({c for d in cmp.diffs for c in d.regressed_cases})
    if regressed:
        st.error(f"Regressed cases (score down by more than 0.05 against the baseline): {', '.join(regressed)}")

# --------------------------------------------------------------------------- drill-down

st.subheader("Drill into a case")
cases = sorted({r.case_id for r in rows})
case = st.selectbox("Case", cases, key="compare_case")
drafts = case_drafts(chosen, case)
if len(drafts) < 2:
    st.info("This case has fewer than two variants' drafts in these runs.")
    st.stop()
names = [label for label, _ in drafts]
ca, cb = st.columns(2)
a = ca.selectbox("Variant A", names, index=0, key="compare_a")
b = cb.selectbox("Variant B", names, index=1, key="compare_b")
pa, pb = dict(drafts)[a], dict(drafts)[b]
scores = case_scores(chosen, case)
if not scores.empty:
    scores = scores.assign(variant=scores["model"] + " | " + scores["prompt_set"])
    table = scores[scores["variant"].isin([a, b])].pivot_table(index="metric", columns="variant", values="score")
    st.dataframe(table, width="stretch")
diff = section_diff(pa, pb)
sa = {k: "\n".join(v) for k, v in split_sections(render_markdown(pa)).items()}
sb = {k: "\n".join(v) for k, v in split_sections(render_markdown(pb)).items()}
for section in dict.fromkeys([*sa, *sb]):
    changed = section in diff
    with st.expander(f"{section}{' (differs)' if changed else ''}", expanded=changed and section != "Header"):
        left, right = st.columns(2)
        left.code(sa.get(section, ""), language="markdown")
        right.code(sb.get(section, ""), language="markdown")
st.caption(escape_md(f"{len(diff)} of {len(set(sa) | set(sb))} sections differ between A and B."))
