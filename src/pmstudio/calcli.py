"""`pmstudio label` (reviewers' labels from a terminal) and `pmstudio calibrate` (agreement with them).

Registered on the main app by `pmstudio.cli`. Bad input is one line on stderr with exit 2 and nothing
written (every label goes through `pmstudio.store.feedback`, which validates before it writes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pmstudio.cliio import err, fail, write_atomic

label_app = typer.Typer(
    help="Label drafts from a terminal: accept/dismiss findings, rate sections 1-5, prefer one draft.",
    no_args_is_help=True,
)
Db = Annotated[Path | None, typer.Option(help="DuckDB file")]
Reviewer = Annotated[str | None, typer.Option(help="reviewer name (default: the login name)")]
Reason = Annotated[str, typer.Option(help="one-line reason")]


def _fail(message: str) -> None:
    fail(message)


def _record(items: list[Any], db: Path | None) -> list[str]:
    from pmstudio.store import StoreBusyError
    from pmstudio.store.feedback import FeedbackError, record_many

    try:
        return record_many(items, path=db)
    except FeedbackError as exc:
        _fail(str(exc))
    except StoreBusyError as exc:
        _fail(str(exc))
    return []


def _who(reviewer: str | None) -> dict[str, Any]:
    return {"reviewer": reviewer, "source": "cli"} if reviewer else {"source": "cli"}


@label_app.command("rate")
def label_rate(
    draft_id: str, section: str, rating: int, reason: Reason = "", reviewer: Reviewer = None, db: Db = None,
) -> None:
    """Rate one SECTION (or `overall`) of DRAFT_ID from 1 (wrong) to 5 (publishable)."""
    from pmstudio.store.feedback import SectionRating

    ids = _record([SectionRating(draft_id=draft_id, section=section, rating=rating, reason=reason, **_who(reviewer))], db)
    Console().print(f"saved rating {ids[0]}")


@label_app.command("finding")
def label_finding(
    draft_id: str,
    outcome: Annotated[str, typer.Argument(help="accept | dismiss")],
    rule: Annotated[str, typer.Option(help="the finding's rule id")],
    section: Annotated[str, typer.Option(help="the finding's section")],
    span: Annotated[str, typer.Option(help="the finding's span (text)")] = "",
    reason: Reason = "", reviewer: Reviewer = None, db: Db = None,
) -> None:
    """Accept or dismiss one critic finding of DRAFT_ID."""
    from pmstudio.store.feedback import FindingOutcome

    if outcome not in ("accept", "dismiss"):
        _fail(f"outcome must be accept or dismiss, not {outcome!r}")
    ids = _record([FindingOutcome(draft_id=draft_id, rule=rule, section=section, span=span, outcome=outcome,  # type: ignore[arg-type]
                                  reason=reason, **_who(reviewer))], db)
    Console().print(f"saved finding outcome {ids[0]}")


@label_app.command("prefer")
def label_prefer(
    draft_a: str, draft_b: str,
    preference: Annotated[str, typer.Argument(help="A | B | tie")],
    section: Annotated[str | None, typer.Option(help="one section (default: the whole draft)")] = None,
    reason: Reason = "", reviewer: Reviewer = None, db: Db = None,
) -> None:
    """Say which of two drafts of one case is better."""
    from pmstudio.store.feedback import Preference

    if preference not in ("A", "B", "tie"):
        _fail(f"preference must be A, B or tie, not {preference!r}")
    ids = _record([Preference(draft_a=draft_a, draft_b=draft_b, preference=preference, section=section,  # type: ignore[arg-type]
                              reason=reason, **_who(reviewer))], db)
    Console().print(f"saved preference {ids[0]}")


@label_app.command("review")
def label_review(draft_id: str, reviewer: Reviewer = None, db: Db = None) -> None:
    """Walk through DRAFT_ID in the terminal: each finding (a/d/s), then each section (1-5/s), with reasons.

    Everything answered is stored together at the end (Ctrl-C stores nothing)."""
    from pmstudio.render import render_markdown
    from pmstudio.store.feedback import FindingOutcome, SectionRating
    from pmstudio.store.queries import get_draft
    from pmstudio.ui.sections import SECTION_TITLES, schema_sections

    view = get_draft(draft_id, db)
    if view is None or view.postmortem is None:
        _fail(f"unknown draft {draft_id!r}")
    assert view is not None and view.postmortem is not None
    out = Console()
    items: list[Any] = []
    for f in view.critic.findings:
        out.rule(f"{f.rule} · {f.section} · {f.severity}")
        out.print(f"span: {f.span}\n{f.message}", markup=False, highlight=False)
        answer = typer.prompt("accept / dismiss / skip [a/d/s]", default="s").strip().lower()[:1]
        if answer in ("a", "d"):
            reason = typer.prompt("reason (one line)", default="")
            items.append(FindingOutcome(draft_id=draft_id, rule=f.rule, section=f.section, span=f.span,
                                        outcome="accept" if answer == "a" else "dismiss", reason=reason, **_who(reviewer)))
    parts = schema_sections(render_markdown(view.postmortem, bundle=view.bundle, critic=view.critic))
    for name, title in [*SECTION_TITLES.items(), ("overall", "The whole draft")]:
        out.rule(title)
        if name != "overall":
            out.print(parts.get(name, "(missing)"), markup=False, highlight=False)
        answer = typer.prompt("rating 1-5, or s to skip", default="s").strip().lower()
        if answer == "s":
            continue
        if not answer.isdigit():
            _fail(f"rating {answer!r} is not a number from 1 to 5")
        reason = typer.prompt("reason (one line)", default="")
        items.append(SectionRating(draft_id=draft_id, section=name, rating=int(answer), reason=reason, **_who(reviewer)))
    ids = _record(items, db)
    out.print(f"saved {len(ids)} labels for {draft_id}")


@label_app.command("import")
def label_import(
    folder: Annotated[Path, typer.Argument(help="a label-set folder (drafts/ snapshots + *.yaml), like evals/labels")],
    db: Db = None,
) -> None:
    """Load a label set (snapshot drafts + labels) into the database, once per content hash."""
    from pmstudio.evals.labelset import LabelSetError, load_starter
    from pmstudio.store.feedback import FeedbackError

    if not folder.is_dir():
        _fail(f"{folder}: not a folder")
    try:
        run_id, n = load_starter(db, folder=folder)
    except (LabelSetError, FeedbackError) as exc:
        _fail(str(exc))
        return
    Console().print(f"{folder}: {n} labels stored (run {run_id})" if n else f"{folder}: already loaded ({run_id})",
                    soft_wrap=True, highlight=False)


def _fmt(v: float | None, d: int = 2) -> str:
    return "-" if v is None else f"{v:.{d}f}"


def _ci(r: Any) -> str:
    if r.value is None:
        return "-"
    return f"{r.value:.2f} [{_fmt(r.lo)}, {_fmt(r.hi)}]" if r.lo is not None else f"{r.value:.2f}"


def print_report(report: Any, console: Console | None = None) -> None:
    from pmstudio.evals.calibration import BAR_KAPPA, BAR_N, BAR_SPEARMAN

    out = console or Console(width=max(Console().width, 120))
    labels = ", ".join(f"{v} {k}s" for k, v in report.labels.items())
    out.print(f"labels: {labels}")
    rules = [r for r in report.rows if r.kind == "rule"]
    if rules:
        t = Table(title="lint rules: precision from accept/dismiss (95% Wilson)")
        for c in ("rule", "n", "precision [95% CI]", "accepted / dismissed"):
            t.add_column(c)
        for r in sorted(rules, key=lambda r: r.name):
            t.add_row(r.name, str(r.n), _ci(r), r.note)
        out.print(t)
    by: dict[tuple[str, str], dict[str, Any]] = {}
    for r in report.rows:
        if r.kind in ("metric", "judge"):
            by.setdefault((r.kind, r.name), {})[r.statistic] = r
    t = Table(title=f"metrics and judges vs reviewers (95% bootstrap / Wilson); bar: κ >= {BAR_KAPPA} or "
                    f"Spearman >= {BAR_SPEARMAN} on >= {BAR_N} labels")
    for c in ("metric", "n", "Spearman [CI]", "κ [CI]", "pairwise acc [CI]", "status"):
        t.add_column(c)
    for (kind, name), st in sorted(by.items()):
        sp, ka, pw = st.get("spearman"), st.get("kappa"), st.get("pairwise_accuracy")
        any_row = sp or ka or pw
        assert any_row is not None
        status = "stand-in (not a judge score)" if any_row.stand_in else ("calibrated" if any_row.calibrated else "uncalibrated")
        t.add_row(
            f"{name}{' (judge)' if kind == 'judge' else ''}", str(sp.n if sp else 0), _ci(sp) if sp else "-",
            _ci(ka) if ka else "-", f"{_ci(pw)} n={pw.n}" if pw and pw.n else "-",
            status, style="green" if status == "calibrated" else ("dim" if any_row.stand_in else ""),
        )
    out.print(t)
    th = [r for r in report.rows if r.kind == "threshold"]
    if th:
        t = Table(title="thresholds re-fitted on the labels (5-fold cross-validation)")
        for c in ("threshold", "n", "current", "fitted", "evidence"):
            t.add_column(c)
        for r in th:
            t.add_row(r.name, str(r.n), _fmt(r.current, 3), _fmt(r.value, 3), r.note)
        out.print(t)


def calibrate_cmd(
    judge: Annotated[str | None, typer.Option(help="judge model for J1-J4 (offline: a labelled stand-in)")] = None,
    labels: Annotated[Path | None, typer.Option(help="label-set folder to load first (default evals/labels)")] = None,
    no_starter: Annotated[bool, typer.Option("--no-starter", help="do not load the starter label set")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the figures as JSON here")] = None,
    if_stale: Annotated[bool, typer.Option("--if-stale", help="reuse the last calibration when labels, metric "
                                            "versions and judge are unchanged")] = False,
    db: Db = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Agreement of lints, metrics and judges with reviewers' labels; stored, printed, and used for gating."""
    from pmstudio.evals.calibration import calibrate
    from pmstudio.evals.labelset import LabelSetError, load_starter
    from pmstudio.models import ModelConfigError, build_model
    from pmstudio.store.calibration import record_calibration
    from pmstudio.store.feedback import FeedbackError

    if judge and judge != "offline":
        try:
            build_model(judge)
        except ModelConfigError as exc:
            _fail(str(exc))
    if not no_starter:
        try:
            run_id, n = load_starter(db, folder=labels)
        except (LabelSetError, FeedbackError) as exc:
            _fail(str(exc))
            return
        if n and not quiet:
            err.print(f"loaded the starter label set: {n} labels (run {run_id})", highlight=False)

    def say(msg: str) -> None:
        if not quiet:
            err.print(msg, highlight=False)

    from pmstudio.evals.calibration import fingerprint, report_from_rows
    from pmstudio.store.calibration import latest_calibration, latest_settings

    fp = fingerprint(db, judge)
    if if_stale and latest_settings(db).get("fingerprint") == fp:
        say("calibration up to date (labels, metric versions and judge unchanged)")
        report = report_from_rows(latest_calibration(db))
    else:
        report = calibrate(db, judge=judge, progress=say)
        if sum(report.labels.values()) == 0:
            _fail("calibrate: no labels in the database (load evals/labels or label drafts first)")
        record_calibration(report, path=db, settings={"fingerprint": fp})
    if not quiet:
        print_report(report)
    if json_out is not None:
        write_atomic(json_out, report.model_dump_json(indent=2) + "\n")


def register(app: typer.Typer) -> None:
    app.add_typer(label_app, name="label")
    app.command("calibrate")(calibrate_cmd)
