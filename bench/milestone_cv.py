"""Issue 11 experiment: a learned milestone selector (with abstention) against the rules, cross-validated by round.

For each dev case: the timed items and signals the rules see, the rules' milestones, and one feature row per
timed item and milestone (`bench/milestone_candidates.py`); a candidate is right when its time is the golden
milestone's (±2 min, the same day for a date-only one). Folds: leave one round out (dev25, r1, r2, r3, see
/work/wt/CASES.md) and grouped 5-fold by case. Per fold and milestone: the rules' pick, the model's best candidate,
the model's best with abstention, and the rules' pick dropped when the model doubts it; thresholds are chosen on
out-of-fold probabilities inside the training folds only.

    .venv/bin/python bench/milestone_cv.py [--model logreg|tree|gbm] [--no-rules] [--wrong-cost 1]

The rules' picks on the dev cases are in-sample (rules were written on dev25, r1 and r2), so `--honest` also
trains a veto on picks that older rules made on rounds they had not seen; for that, dump the case data under each
version of the rules (an exported tree of that commit first on PYTHONPATH):

    git archive d7d9c46 src agents evals pyproject.toml | tar -x -C /tmp/rk_d7d9c46   (likewise 8481a15)
    PYTHONPATH=/tmp/rk_d7d9c46/src .venv/bin/python bench/milestone_cv.py --dump /tmp/cd_d7d9.pkl   (and the others)
    .venv/bin/python bench/milestone_cv.py --honest /tmp/cd_d7d9.pkl /tmp/cd_8481.pkl /tmp/cd_cur.pkl
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from milestone_candidates import MILESTONES, candidate_features, feature_names  # bench/, beside this script
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from pmstudio.agents.messages import parse_prompt, render_evidence, render_task
from pmstudio.evals.metrics.context import MATCH_TOLERANCE
from pmstudio.golden import GoldenCase, load_dataset
from pmstudio.ingest import bundle_from_materials
from pmstudio.offline.analysis import analyse

ROOT = Path(__file__).resolve().parents[1]
R1 = {
    "aws-2020-11-25-kinesis-front-end-thread-limit", "cloudflare-2023-10-04-1111-stale-root-zone",
    "cloudflare-2025-08-21-aws-us-east-1-peering-congestion", "google-2013-04-30-api-config-push-rollback",
    "google-appengine-2012-10-26-traffic-router-cascade", "google-cloud-2019-06-02-network-control-plane-descheduled",
    "parity-2017-11-06-multisig-library-self-destruct",
}  # fmt: skip
R2 = {
    "square-2023-09-07-dns-firewall-overload", "optus-2023-11-08-nationwide-routing-overload",
    "slack-2022-02-22-consul-rollout-cache-boot-overload", "aws-2012-10-22-ebs-data-collection-agent-memory-leak",
    "aws-2021-12-07-us-east-1-internal-network-congestion", "microsoft-2023-01-25-wan-router-command-global-outage",
    "azure-ad-2021-03-15-signing-key-removal", "cloudflare-2023-11-02-pdx-power-control-plane",
    "github-2024-08-14-database-health-check-config", "github-2023-09-05-shared-datastore-partial-host-failure",
}  # fmt: skip
R3 = {
    "cloudflare-2025-09-12-dashboard-tenant-api-overload", "aws-2025-10-20-dynamodb-dns-race-us-east-1",
    "cloudflare-2023-10-30-workers-kv-deploy-tool-staging-build", "cloudflare-2025-12-05-waf-killswitch-lua-nil",
}  # fmt: skip


def round_of(case_id: str) -> str:
    return "r1" if case_id in R1 else "r2" if case_id in R2 else "r3" if case_id in R3 else "dev25"


@dataclass
class CaseData:
    case_id: str
    round: str
    X: dict[str, np.ndarray]  # milestone -> rows
    y: dict[str, np.ndarray | None]  # milestone -> labels (None: no golden value)
    rule: dict[str, int | None]  # milestone -> index of the rules' pick


def _same(at: datetime, want: datetime, date_only: bool) -> bool:
    return at.date() == want.date() if date_only else abs(at - want) <= MATCH_TOLERANCE


def case_data(case: GoldenCase) -> CaseData:
    bundle, _ = bundle_from_materials(
        list(case.materials), id=case.id, timezone=case.timezone, title=case.title, source=case.source
    )
    parsed = parse_prompt(render_evidence(bundle) + render_task("timeline"))
    a = analyse(parsed.evidence, incident_id=parsed.incident_id, title=parsed.title)
    X, y, rule = {}, {}, {}
    for name in MILESTONES:
        X[name] = np.array(candidate_features(a.timed, a.milestones, name), dtype=float).reshape(
            len(a.timed), -1
        )
        want = case.expected.milestone(f"{name}_at")
        date_only = case.expected.milestone_date_only(f"{name}_at")
        y[name] = None if want is None else np.array([_same(p[0].at, want, date_only) for p in a.timed])  # type: ignore[arg-type]
        pick = getattr(a.milestones, name)
        rule[name] = next((i for i, p in enumerate(a.timed) if p[0] is pick), None)
    return CaseData(case.id, round_of(case.id), X, y, rule)


def make_model(kind: str):  # type: ignore[no-untyped-def]
    if kind == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    if kind == "tree":
        return DecisionTreeClassifier(max_depth=4, min_samples_leaf=10, random_state=0)
    return HistGradientBoostingClassifier(
        max_depth=3, max_iter=150, learning_rate=0.05, min_samples_leaf=20, random_state=0
    )


RULE_COLUMNS = np.array(
    [
        n.startswith(("rule_", "is_", "after_", "before_", "from_rule", "from_detected"))
        for n in feature_names()
    ]
)
KEEP = np.ones(len(RULE_COLUMNS), dtype=bool)
"""The columns a model sees (`--no-rules` drops what the rules picked)."""


def fit(cases: list[CaseData], name: str, kind: str):  # type: ignore[no-untyped-def]
    used = [c for c in cases if c.y[name] is not None and len(c.y[name])]  # type: ignore[arg-type]
    X = np.vstack([c.X[name][:, KEEP] for c in used])
    y = np.concatenate([c.y[name] for c in used])  # type: ignore[misc]
    model = make_model(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return model


@dataclass
class Choice:
    """One case's outcome for one milestone under one policy: filled or not, right or not."""

    filled: bool
    right: bool


def decide(c: CaseData, name: str, proba: np.ndarray, policy: str, thr: float) -> Choice:
    y = c.y[name]
    assert y is not None
    r = c.rule[name]
    if policy == "rules":
        return Choice(r is not None, r is not None and bool(y[r]))
    if policy == "veto":  # the rules' pick, dropped when the model doubts it
        if r is None or proba[r] < thr:
            return Choice(False, False)
        return Choice(True, bool(y[r]))
    if not len(proba):
        return Choice(False, False)
    best = int(np.argmax(proba))
    if policy == "model" or proba[best] >= thr:
        return Choice(True, bool(y[best]))
    return Choice(False, False)


def probas(model, c: CaseData, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    return model.predict_proba(c.X[name][:, KEEP])[:, 1] if len(c.X[name]) else np.zeros(0)


THRESHOLDS = np.round(np.arange(0.0, 0.96, 0.05), 2)


WRONG_COST = [1.0]
"""What a wrong fill costs against a right one's gain (`--wrong-cost`; field precision weighs a wrong one more)."""


def utility(choices: list[Choice]) -> float:
    """Right fills minus `WRONG_COST` times wrong fills."""
    return sum(ch.right for ch in choices) - WRONG_COST[0] * sum(ch.filled and not ch.right for ch in choices)


def pick_threshold(train: list[CaseData], name: str, kind: str, policy: str) -> float:
    """The threshold that maximises `utility` on out-of-fold probabilities inside `train` (grouped 5-fold)."""
    used = [c for c in train if c.y[name] is not None]
    oof: dict[str, np.ndarray] = {}
    k = min(5, len(used))
    groups = np.arange(len(used))
    for tr, te in GroupKFold(n_splits=k).split(groups, groups=groups):
        model = fit([used[i] for i in tr], name, kind)
        for i in te:
            oof[used[i].case_id] = probas(model, used[i], name)
    scores = [(utility([decide(c, name, oof[c.case_id], policy, t) for c in used]), -t) for t in THRESHOLDS]
    return -max(scores)[1]


def evaluate(data: list[CaseData], folds: list[tuple[str, list[int], list[int]]], kind: str) -> dict:  # type: ignore[type-arg]
    """{(fold, milestone, policy): [Choice...]} over the test cases of each fold."""
    out: dict[tuple[str, str, str], list[Choice]] = {}
    for fold, tr, te in folds:
        train = [data[i] for i in tr]
        for name in MILESTONES:
            model = fit(train, name, kind)
            thr = {p: pick_threshold(train, name, kind, p) for p in ("abstain", "veto")}
            for i in te:
                c = data[i]
                if c.y[name] is None:
                    continue
                pr = probas(model, c, name)
                for policy in ("rules", "model", "abstain", "veto"):
                    ch = decide(c, name, pr, policy, thr.get(policy, 0.0))
                    out.setdefault((fold, name, policy), []).append(ch)
            print(
                f"  {fold} {name}: thresholds abstain {thr['abstain']:.2f} veto {thr['veto']:.2f}", flush=True
            )
    return out


def _cell(choices: list[Choice]) -> str:
    n = len(choices)
    hits = sum(ch.right for ch in choices)
    filled = sum(ch.filled for ch in choices)
    prec = f"{hits / filled:.2f}" if filled else "  - "
    return f"{hits:2d}/{n:<2d} p={prec} ({filled - hits} wrong)"


def table(out: dict, folds: list[str], title: str) -> None:  # type: ignore[type-arg]
    print(f"\n## {title}: hits/golden, precision of filled, wrong fills")
    policies = ("rules", "model", "abstain", "veto")
    print("| fold | milestone | " + " | ".join(policies) + " |")
    print("|---|---|" + "---|" * len(policies))
    for fold in [*folds, "all"]:
        for name in [*MILESTONES, "scored3"]:
            names = ("detected", "mitigated", "resolved") if name == "scored3" else (name,)
            cells = []
            for p in policies:
                chs = [
                    ch for f in folds if fold in ("all", f) for n in names for ch in out.get((f, n, p), [])
                ]
                cells.append(_cell(chs))
            print(f"| {fold} | {name} | " + " | ".join(cells) + " |")


HONEST = {"r1": ("d7d9c46",), "r2": ("d7d9c46", "8481a15"), "r3": ("d7d9c46", "8481a15", "current")}
"""The rule versions that had not seen a round: r1 was written in session 6 (rules then at d7d9c46), r2 at the start
of session 7 (8481a15), r3 held out from every rule of session 7 (so also the current rules)."""
NEWEST = {"r1": "d7d9c46", "r2": "8481a15", "r3": "current"}


def _pick_rows(cases: list[CaseData]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One row per rules' pick: its candidate features plus the milestone (one-hot); right or wrong; case; scored."""
    X, y, g, scored = [], [], [], []
    for d in cases:
        for k, name in enumerate(MILESTONES):
            r, lab = d.rule[name], d.y[name]
            if lab is None or r is None:
                continue
            X.append(np.concatenate([d.X[name][r], np.eye(len(MILESTONES))[k]]))
            y.append(bool(lab[r]))
            g.append(d.case_id)
            scored.append(name != "started")
    return np.array(X), np.array(y), np.array(g), np.array(scored)


def honest_veto(dumps: dict[str, list[CaseData]]) -> None:
    """The rules' pick dropped when a model of the rules' own misses doubts it, trained only on picks the rules made
    on cases they had not seen (`HONEST`) and tested, round by round, on the newest such version of the rules; the
    threshold maximises `utility` over leave-one-case-out probabilities inside the training rounds."""
    print(f"\n## honest veto (wrong fill costs {WRONG_COST[0]}): rules' picks on unseen rounds only")
    print(
        "| held-out round | rules | train picks (wrong) | threshold | AUC | rules: right/filled (wrong) | veto |"
    )
    print("|---|---|---|---|---|---|---|")
    for held, version in NEWEST.items():
        train = [d for r, vs in HONEST.items() if r != held for v in vs for d in dumps[v] if d.round == r]
        Xtr, ytr, gtr, _ = _pick_rows(train)
        oof = np.zeros(len(ytr))
        for case in np.unique(gtr):
            m = gtr == case
            oof[m] = make_model("logreg").fit(Xtr[~m], ytr[~m]).predict_proba(Xtr[m])[:, 1]

        gains = [
            (float((ytr & (oof >= t)).sum() - WRONG_COST[0] * (~ytr & (oof >= t)).sum()), -t)
            for t in THRESHOLDS
        ]
        thr = -max(gains)[1]
        Xte, yte, _, scored = _pick_rows([d for d in dumps[version] if d.round == held])
        p = make_model("logreg").fit(Xtr, ytr).predict_proba(Xte)[:, 1]
        ranks = p.argsort().argsort()
        npos, nneg = int(yte.sum()), int((~yte).sum())
        auc = (ranks[yte].sum() - npos * (npos - 1) / 2) / (npos * nneg) if npos and nneg else float("nan")
        keep = p >= thr
        for label, m in (("scored3", scored), ("all 4", np.ones(len(yte), dtype=bool))):
            rules = f"{int(yte[m].sum())}/{int(m.sum())} ({int((~yte[m]).sum())})"
            veto = f"{int((yte & keep & m).sum())}/{int((keep & m).sum())} ({int((~yte & keep & m).sum())})"
            print(
                f"| {held} {label} | {version} | {len(ytr)} ({int((~ytr).sum())}) | {thr:.2f} | {auc:.2f} | {rules} | {veto} |"
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="logreg", choices=("logreg", "tree", "gbm"))
    ap.add_argument("--dataset", default=str(ROOT / "datasets" / "golden"))
    ap.add_argument(
        "--no-rules", action="store_true", help="drop the features that tell what the rules picked"
    )
    ap.add_argument("--wrong-cost", type=float, default=1.0)
    ap.add_argument(
        "--dump", help="write the case data (under whatever rules PYTHONPATH gives) to this pickle"
    )
    ap.add_argument(
        "--honest",
        nargs=3,
        metavar=("D7D9C46", "8481A15", "CURRENT"),
        help="pickles of --dump under those rules",
    )
    args = ap.parse_args()
    WRONG_COST[0] = args.wrong_cost
    if args.honest:
        dumps = {}
        for v, path in zip(("d7d9c46", "8481a15", "current"), args.honest, strict=True):
            with open(path, "rb") as src:
                dumps[v] = pickle.load(src)  # noqa: S301 - our own file, written by --dump
        honest_veto(dumps)
        return
    if args.no_rules:
        KEEP[:] = ~RULE_COLUMNS
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    print(
        f"# milestone selector CV, model {args.model}, commit {head.stdout.strip()}, {int(KEEP.sum())} features, "
        f"wrong fill costs {args.wrong_cost} right fills"
    )
    cases = load_dataset(args.dataset)
    data = [case_data(c) for c in cases]
    if args.dump:
        with open(args.dump, "wb") as out:
            pickle.dump(data, out)
        return
    rounds = ("dev25", "r1", "r2", "r3")
    lor = [
        (r, [i for i, d in enumerate(data) if d.round != r], [i for i, d in enumerate(data) if d.round == r])
        for r in rounds
    ]
    table(evaluate(data, lor, args.model), list(rounds), "leave one round out")
    groups = np.arange(len(data))
    kf = [
        (f"k{j}", list(tr), list(te))
        for j, (tr, te) in enumerate(GroupKFold(n_splits=5).split(groups, groups=groups))
    ]
    table(evaluate(data, kf, args.model), [f[0] for f in kf], "grouped 5-fold by case")


if __name__ == "__main__":
    main()
