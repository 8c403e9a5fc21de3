"""Compare page: leaderboard of model x prompt set over eval runs, charts, and a per-case drill-down."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from pmstudio.evals.compare import REGRESSION_EPS, compare, load_scores
from pmstudio.render import render_markdown
from pmstudio.schema import Finding
from pmstudio.store.queries import case_scores, case_variants, cell_costs, eval_runs
from pmstudio.ui import SECTION_TITLES, WHOLE_DRAFT, escape_md, metric_section, schema_sections
from pmstudio.ui.feedback import pairwise_preference

st.title("Compare prompts and models")

runs = eval_runs()
if runs.empty:
    st.info("No eval runs yet. Run `make eval` (the golden set, offline) and come back.")
    st.stop()

labels = {
    r.run_id: f"{r.started_at:%Y-%m-%d %H:%M} · {r.cases} cases · {r.models} · {r.prompt_sets}"
    for r in runs.itertuples()
}
if not set(st.session_state.get("compare_runs", [])) <= set(labels):  # a run picked elsewhere that is gone
    del st.session_state["compare_runs"]
chosen = st.multiselect(
    "Eval runs",
    list(labels),
    default=None if "compare_runs" in st.session_state else list(labels)[:1],  # set by the Runs page
    format_func=lambda r: labels[r],
    key="compare_runs",
)
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
board = summ.assign(
    cell=summ.apply(
        lambda r: (
            "-"
            if pd.isna(r["mean"])
            else f"{r['mean']:.3f} [{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
            + ("" if pd.isna(r["pass_rate"]) else f" · {r['pass_rate']:.0%}")
        ),
        axis=1,
    )
)
st.dataframe(board.pivot(index="metric", columns="variant", values="cell"), width="stretch")
gates = summ[summ["gate"]].groupby("variant")["pass_rate"].mean().rename("mean gate pass rate")
st.dataframe(gates.to_frame())

st.subheader("Metric by variant (mean with 95% CI)")
base = alt.Chart(summ.dropna(subset=["mean"]))
points = base.mark_point(filled=True, size=60).encode(
    x=alt.X("mean:Q", scale=alt.Scale(domain=[0, 1])),
    y=alt.Y("metric:N"),
    color="variant:N",
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
            color="variant:N",
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
    )
    regressed = sorted({c for d in cmp.diffs for c in d.regressed_cases})
    if regressed:
        st.error(
            escape_md(
                f"Regressed cases (a score down by more than {REGRESSION_EPS} against the baseline): "
                f"{', '.join(regressed)}"
            )
        )

# --------------------------------------------------------------------------- drill-down

st.subheader("Drill into a case")
cases = sorted({r.case_id for r in rows})
case = st.selectbox("Case", cases, key="compare_case")
variants = {v.label: v for v in case_variants(chosen, case)}
if len(variants) < 2:
    st.info("This case has fewer than two variants' drafts in these runs.")
    st.stop()
ca, cb = st.columns(2)
a = ca.selectbox("Variant A", list(variants), index=0, key="compare_a")
b = cb.selectbox("Variant B", list(variants), index=1, key="compare_b")
va, vb = variants[a], variants[b]

scores = case_scores(chosen, case)
table = pd.DataFrame(columns=["A", "B"])
if not scores.empty:
    scores = scores.assign(variant=scores["model"] + " | " + scores["prompt_set"])
    table = scores[scores["variant"].isin([a, b])].pivot_table(
        index="metric", columns="variant", values="score"
    )
    table = table.rename(columns={a: "A", b: "B"}).reindex(columns=["A", "B"])
    table["B - A"] = table["B"] - table["A"]
    table["section"] = [metric_section(m) for m in table.index]
worse = set(table.index[table["B - A"] < -REGRESSION_EPS]) if not table.empty else set()
if worse:
    st.error(
        escape_md(f"B scores lower than A (by more than {REGRESSION_EPS}) on: {', '.join(sorted(worse))}")
    )


def _scores(section: str) -> None:
    part = table[table["section"] == section].drop(columns="section") if not table.empty else table
    if part.empty:
        return
    styled = part.style.format("{:.3f}", na_rep="-").apply(
        lambda row: ["background-color: #f8d7da" if row.name in worse else "" for _ in row], axis=1
    )
    st.dataframe(styled, width="stretch")


def _findings(col: Any, findings: list[Finding]) -> None:
    if not findings:
        col.caption("No critic findings.")
    for f in findings:
        col.warning(f"**{f.severity}** {escape_md(f.rule)}: “{escape_md(f.span)}” — {escape_md(f.message)}")


sa = schema_sections(render_markdown(va.postmortem, critic=va.critic))
sb = schema_sections(render_markdown(vb.postmortem, critic=vb.critic))
_scores(WHOLE_DRAFT)
differs = 0
for section in dict.fromkeys([*sa, *sb]):
    changed = sa.get(section) != sb.get(section)
    differs += changed
    sank = any(metric_section(m) == section for m in worse)
    title = SECTION_TITLES.get(section, section.capitalize())
    label = f"{title}{' · differs' if changed else ''}{' · B regressed' if sank else ''}"
    with st.expander(label, expanded=(changed or sank) and section != "header"):
        _scores(section)
        left, right = st.columns(2)
        left.markdown(f"**A** · {escape_md(a)}")
        right.markdown(f"**B** · {escape_md(b)}")
        _findings(left, [f for f in va.critic.findings if f.section == section])
        _findings(right, [f for f in vb.critic.findings if f.section == section])
        left.code(sa.get(section, ""), language="markdown")
        right.code(sb.get(section, ""), language="markdown")
st.caption(f"{differs} of {len(set(sa) | set(sb))} sections differ between A and B.")
pairwise_preference(va.draft_id, vb.draft_id, a, b)
