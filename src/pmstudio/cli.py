"""The `pmstudio` command line: draft, check, prompts, models, eval, compare, db.

Errors in input are one line on stderr naming the file and the problem, with exit code 2; nothing is
written (no output file, no database rows) when a command fails.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from pmstudio.cliio import err, fail, write_atomic
from pmstudio.followcli import export_app, similar_cmd
from pmstudio.storecli import preflight, store_app

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Postmortem Studio: draft blameless incident post-mortems and prove them with evals.",
)
db_app = typer.Typer(help="Inspect the DuckDB store.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(export_app, name="export")
app.command("similar")(similar_cmd)
runs_app = typer.Typer(help="Stored drafts and eval runs: list, show, export.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(store_app, name="store")


EXIT_SECTIONS_FAILED = 3
"""`pmstudio draft` wrote the draft, but at least one section failed (or is an offline fallback)."""


class SectionProgress:
    """Per-section progress on stderr: one row per section agent with its status."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.fields[section]:<12}"),
            BarColumn(bar_width=20),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, section: str, status: str) -> None:
        if section not in self.tasks:
            self.tasks[section] = self.progress.add_task("", total=1, section=section, status=status)
        done = 1 if status in ("done", "failed", "fallback") else 0
        colour = {"done": "green", "failed": "red", "revising": "yellow", "fallback": "yellow"}.get(status, "cyan")
        self.progress.update(self.tasks[section], completed=done, status=f"[{colour}]{status}[/]")


@app.command()
def draft(
    path: Annotated[str, typer.Argument(help="bundle: golden YAML, folder of files, one file, or - for stdin")],
    model: Annotated[str, typer.Option("--model", "-m", help="offline | anthropic:M | openai:M | openai-compatible:M@URL")] = os.environ.get("PMSTUDIO_MODEL", "offline"),
    prompts: Annotated[str, typer.Option("--prompts", "-p", help="prompt set (see `pmstudio prompts`)")] = "default",
    fmt: Annotated[str, typer.Option("--format", "-f", help="md | json")] = "md",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of stdout")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA zone for bare times (overrides the bundle's)")] = None,
    source_timezone: Annotated[list[str] | None, typer.Option("--source-timezone", help="NAME=ZONE: zone of one material's bare times (repeatable)")] = None,
    redact: Annotated[bool, typer.Option("--redact/--no-redact", help="redact secrets and PII before any model")] = True,
    max_bytes: Annotated[int, typer.Option(help="refuse input files larger than this")] = 512 * 1024 * 1024,
    max_revisions: Annotated[int, typer.Option(help="critic revision rounds (0 = review only)")] = 2,
    deadline: Annotated[float | None, typer.Option(help="seconds for the whole draft")] = None,
    timeout: Annotated[float, typer.Option(help="seconds per model request (each retry gets its own)")] = 120.0,
    max_tokens: Annotated[int | None, typer.Option(help="output-token cap per section call (slow local models)")] = None,
    fallback: Annotated[bool, typer.Option("--fallback/--no-fallback", help="a section whose model call fails gets the offline drafter's section, marked as such")] = True,
    findings: Annotated[Path | None, typer.Option(help="also write unresolved critic findings (JSON) here")] = None,
    db: Annotated[Path | None, typer.Option(help="store: a DuckDB file or ducklake:postgres:... (default $PMSTUDIO_DB, team config, user store)")] = None,
    store: Annotated[bool, typer.Option("--store/--no-store", help="record the draft in DuckDB")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress output")] = False,
    audience: Annotated[str, typer.Option(help="internal | executive | public (Markdown; public is linted for leaks)")] = "internal",
    template: Annotated[str | None, typer.Option("--template", "-t", help="template NAME or PATH (see `pmstudio templates`; default: config, else seed)")] = None,
    memory: Annotated[bool, typer.Option("--memory/--no-memory", help="add related past incidents from the store")] = True,
) -> None:
    """Draft a post-mortem from an incident's materials."""
    from pmstudio.critic import verdict
    from pmstudio.ingest import BundleError, load_bundle
    from pmstudio.models import ModelConfigError, parse_model_ref
    from pmstudio.orchestrator import DraftSettings, draft_postmortem, resolve_model
    from pmstudio.prompts import PromptError, load_prompt_set
    from pmstudio.publish import publish_draft, rendered
    from pmstudio.render import render_json

    if fmt not in ("md", "json"):
        fail(f"--format: expected md or json, got {fmt!r}")
    from pmstudio.audience import AUDIENCES, public_findings, render_audience

    if audience not in AUDIENCES or (audience != "internal" and fmt != "md"):
        fail(f"--audience: expected one of {', '.join(AUDIENCES)} (with --format md), got {audience!r}")
    if max_tokens is not None and max_tokens < 1:
        fail(f"--max-tokens: expected a whole number >= 1, got {max_tokens}")
    if deadline is not None and deadline <= 0:
        fail(f"--deadline: expected seconds > 0, got {deadline:g}")
    if timeout <= 0:
        fail(f"--timeout: expected seconds > 0, got {timeout:g}")
    settings = DraftSettings(max_revisions=max_revisions, deadline_s=deadline, timeout_s=timeout, max_tokens=max_tokens,
                             fallback=fallback)
    from pmstudio.config import ConfigError, discover
    from pmstudio.templates import TemplateError, load_template

    try:
        parse_model_ref(model)
        prompt_set = load_prompt_set(prompts)
        resolve_model(model, settings)  # missing keys fail here, before any work
        layout = discover().template(template) or load_template(None)  # bad templates/config too
    except (ModelConfigError, PromptError, ConfigError, TemplateError) as exc:
        fail(str(exc))
    from pmstudio.parsers.zones import parse_source_zones

    try:
        source_zones = parse_source_zones(source_timezone or [])
    except ValueError as exc:
        fail(str(exc))
    if store:
        preflight(db)
    try:
        bundle, _ = load_bundle(
            path, timezone=timezone, redact=redact, max_bytes=max_bytes, stdin=sys.stdin, source_timezones=source_zones
        )
    except BundleError as exc:
        fail(str(exc))
    if not bundle.has_timestamps and not quiet:
        err.print(f"[yellow]note:[/] {path}: no timestamps found; the draft will say so")

    progress = SectionProgress(err)
    if quiet:
        record = asyncio.run(draft_postmortem(bundle, model=model, prompt_set=prompt_set, settings=settings))
    else:
        with progress.progress:
            record = asyncio.run(
                draft_postmortem(bundle, model=model, prompt_set=prompt_set, settings=settings, on_status=progress)
            )
    if record.postmortem is None:
        fail(f"{path}: drafting failed: {record.error}", code=1)
    assert record.postmortem is not None
    # stored first (with the memory: related past incidents, recurring factors, repeated open actions, then
    # indexed), so a public version that fails its lint below loses no drafting work
    markdown = (publish_draft(record, bundle, path=db, command="draft", template=layout, memory=memory) if store
                else rendered(record, bundle, layout))  # fmt: skip
    text = markdown if fmt == "md" else render_json(record.postmortem)
    if audience != "internal":
        text = render_audience(record.postmortem, audience, bundle=bundle)
        leaks = public_findings(text, bundle) if audience == "public" else []
        if leaks:  # fail closed: a public version that leaks is never written
            for f in leaks:
                err.print(f"public-safety: {f.rule}: \"{f.span}\" - {f.message}", highlight=False, markup=False)
            fail(f"{path}: the public version leaks {len(leaks)} internal identifier(s); nothing written", code=1)
    if out is not None:
        write_atomic(out, text)
    if findings is not None:
        import json

        write_atomic(findings, json.dumps([f.model_dump() for f in record.critic.findings], indent=2) + "\n")
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    if not quiet:
        u = record.usage
        cost = f", ${u.cost_usd:.4f}" if u.cost_usd else ""
        err.print(
            f"{verdict(record.critic.findings, record.critic.rounds, record.critic.not_run)} ({record.critic.critic}); "
            f"{len(record.sections)} agent calls, {u.input_tokens} in / {u.output_tokens} out tokens{cost}, "
            f"{record.latency_ms / 1000:.1f} s; output mode {record.settings.get('output_mode', '-')}; "
            f"draft {record.draft_id}",
            highlight=False,
            soft_wrap=True,
        )
    if record.postmortem.failures:
        for failure in record.postmortem.failures:
            err.print(f"section {failure.section} failed: {failure.line()}", highlight=False, markup=False,
                      soft_wrap=True)
        raise typer.Exit(EXIT_SECTIONS_FAILED)


@app.command()
def check(
    paths: Annotated[list[Path], typer.Argument(help="post-mortems in Markdown (one or more files)")],
    people: Annotated[str, typer.Option(help="comma-separated names that must not be presented as causes (a hint: personal names count anyway)")] = "",
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json | sarif | github")] = "text",
    template: Annotated[str | None, typer.Option("--template", "-t", help="judge sections against this template NAME or PATH (default: config, else best fit)")] = None,
) -> None:
    """Lint hand-written post-mortems; exits 1 on high blame, template residue or (declared template only) missing required sections."""
    from pmstudio.check import check_markdown
    from pmstudio.checkout import FORMATS, render
    from pmstudio.config import ConfigError, discover, judge_template
    from pmstudio.templates import TemplateError

    if fmt not in FORMATS:
        fail(f"--format: unknown format {fmt!r} (use {', '.join(FORMATS)})")
    texts: dict[str, str] = {}
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            fail(f"{path}: cannot read ({exc.strerror})")
        if not data.strip():
            fail(f"{path}: file is empty")
        try:
            texts[str(path)] = data.decode("utf-8")
        except UnicodeDecodeError:
            fail(f"{path}: not UTF-8 text")
    names = [n.strip() for n in people.split(",") if n.strip()]
    reports = {}
    try:
        config = discover()
        for name, text in texts.items():
            judged = judge_template(text, config, template)
            err.print(f"{name}: {judged.describe()}", highlight=False, markup=False, soft_wrap=True)
            reports[name] = check_markdown(
                text, people=names or None, template=judged.template, declared=judged.declared, rules=config.settings.check
            )
    except (ConfigError, TemplateError) as exc:
        fail(str(exc))
    output = render(reports, fmt, declared=any(r.declared for r in reports.values()))
    if output:
        sys.stdout.write(output + "\n")
    if any(r.exit_code for r in reports.values()):
        raise typer.Exit(1)


@app.command("eval-check")
def eval_check_cmd(
    dataset: Annotated[Path | None, typer.Option(help="folder with dev/ and test/ labelled documents [default: the packaged datasets/check]")] = None,
    splits: Annotated[str, typer.Option(help="comma-separated split folders")] = "dev,test",
    db: Annotated[Path | None, typer.Option(help="store: a DuckDB file or ducklake:postgres:... (default $PMSTUDIO_DB, team config, user store)")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="list misses, false alarms and wrong exits")] = False,
) -> None:
    """Score `pmstudio check` on the labelled corpus: per-rule precision/recall, pass/fail rates, per split."""
    from pmstudio.evals.checkset import evaluate_split, format_table, metric_rows
    from pmstudio.orchestrator import code_version
    from pmstudio.resources import check_dataset_dir
    from pmstudio.store.check_evals import record_check_eval

    preflight(db)
    dataset = dataset or check_dataset_dir()  # packaged: works from any directory
    results = []
    for name in [s.strip() for s in splits.split(",") if s.strip()]:
        folder = dataset / name
        if not folder.is_dir():
            fail(f"{folder}: no such split folder")
        try:
            results.append(evaluate_split(folder, name))
        except ValueError as exc:
            fail(str(exc))
    out = Console()
    out.print(format_table(results), highlight=False, markup=False, soft_wrap=True)
    if verbose:
        for r in results:
            for title, items in (("misses", r.misses), ("false alarms", r.false_alarms), ("wrong exit", r.wrong_exit)):
                for item in items:
                    out.print(f"[{r.split}] {title}: {item}", highlight=False, markup=False, soft_wrap=True)
    rows = [
        {"split": r.split, "metric": m, "key": k, "value": ratio.value, "hit": ratio.hit, "total": ratio.total,
         "documents": r.documents}
        for r in results for m, k, ratio in metric_rows(r)
    ]
    run_id = record_check_eval(rows, settings={"dataset": str(dataset), "splits": splits}, path=db, code_version=code_version())
    err.print(f"eval-check: stored as run {run_id}", highlight=False)


@app.command("templates")
def templates_cmd(json_out: Annotated[bool, typer.Option("--json", help="print the full rows as JSON (for scripts)")] = False) -> None:
    """List the built-in post-mortem templates: name, sections, what each is modelled on."""
    from pmstudio.config import ConfigError, discover
    from pmstudio.tables import Column, print_json, print_table
    from pmstudio.templates import TemplateError, builtin_templates

    rows = [
        {"name": t.name, "sections": f"{len(t.sections)}: " + ", ".join(s.heading + ("*" if s.required else "") for s in t.sections),
         "source": t.source}
        for t in builtin_templates()
    ]
    if json_out:
        print_json(rows)
        return
    out = Console()
    print_table(rows, [Column(key="name"), Column(key="sections"), Column(key="source", priority=1)], title="templates", console=out)
    out.print("* required. Choose one with --template NAME|PATH or `template = ...` under [tool.pmstudio].", highlight=False, markup=False)
    try:
        config = discover()
        declared = config.template()
    except (ConfigError, TemplateError) as exc:
        fail(str(exc))
    if declared is not None:
        out.print(f"in effect here: {declared.name} (from {config.path})", highlight=False, markup=False)


JSON_HELP = "print the full rows as JSON (for scripts)"


@app.command("prompts")
def prompts_cmd(json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False) -> None:
    """List prompt sets (built-in, and the team's project sets) and the content hash of each prompt file."""
    from pmstudio.prompts import load_prompt_set, prompts_dir, set_sources
    from pmstudio.tables import Column, print_json, print_table

    builtin = prompts_dir()
    rows = [
        {"set": name, "library": "built-in" if base == builtin else "project", "agent": agent, "variant": f.variant,
         "sha256": f.sha256, "path": f.path}
        for name, base in set_sources().items()
        for agent, f in load_prompt_set(name).files.items()
    ]
    if json_out:
        print_json(rows)
        return
    short = [{**r, "sha256": r["sha256"][:12]} for r in rows]
    cols = [Column(key="set"), Column(key="library", priority=1), Column(key="agent"), Column(key="variant"),
            Column(key="sha256"), Column(key="path", priority=2)]
    print_table(short, cols, title="prompt sets")


MODEL_COLUMNS = (
    ("kind", "kind", 0), ("configured", "ready", 0), ("note", "note", 0), ("key_env", "key variable", 1),
    ("max_concurrency", "conc.", 2), ("base_url", "base URL", 3), ("example", "example", 4),
    ("key_present", "key set", 5), ("key_required", "key needed", 5),
)


@app.command("models")
def models_cmd(
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    probe: Annotated[str | None, typer.Option("--probe", help="an openai-compatible model string: which output modes its server honours")] = None,
) -> None:
    """List the model kinds, whether they are configured, and how to select them."""
    from pmstudio.models import ModelConfigError, list_models
    from pmstudio.tables import Column, print_json, print_table

    if probe is not None:
        from pmstudio.probe import probe as run_probe

        try:
            found = run_probe(probe, every_mode=True, refresh=True)
        except ModelConfigError as exc:
            fail(str(exc))
        if json_out:
            print_json(found.model_dump())
        else:
            print_table([f.model_dump() for f in found.findings],
                        [Column(key="mode"), Column(key="works"), Column(key="detail", priority=1)],
                        title=f"output modes of {found.model} at {found.base_url}")
        if found.chosen is None:
            fail(f"{probe}: no output mode worked: {found.summary()}")
        if not json_out:
            Console().print(f"?output=auto uses: {found.chosen}", highlight=False)
        return

    rows: list[dict[str, Any]] = list_models(os.environ)
    if json_out:
        print_json(rows)
        return
    cols = [Column(key=k, header=h, priority=p) for k, h, p in MODEL_COLUMNS]
    print_table(rows, cols, title="models")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _concurrency(value: str | None) -> dict[str, Any]:
    """`--concurrency N` (every kind) or `KIND=N,...` (per kind) as EvalSettings fields."""
    if value is None:
        return {}
    if value.strip().isdigit():
        return {"concurrency": int(value)}
    per: dict[str, int] = {}
    for item in _csv(value):
        kind, sep, n = item.partition("=")
        if not sep or not n.strip().isdigit() or int(n) < 1 or kind.strip() not in ("offline", "anthropic", "openai", "openai-compatible"):
            fail(f"--concurrency: expected N or KIND=N,... with KIND offline|anthropic|openai|openai-compatible, got {value!r}")
        per[kind.strip()] = int(n)
    return {"concurrency_by_kind": per}


class CellTicker:
    """Every 15 s, one stderr line per eval cell still drafting, with its elapsed time (slow models)."""

    def __init__(self, started: dict[tuple[str, str, str, int], float], quiet: bool, every_s: float = 15.0) -> None:
        import threading

        self.started, self.quiet, self.every_s = started, quiet, every_s
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="eval-ticker", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.every_s):
            now = time.perf_counter()
            for (case, model, prompt_set, _r), t0 in sorted(dict(self.started).items()):
                err.print(f"still drafting: {case} {model} {prompt_set} ({now - t0:.0f} s)", highlight=False,
                          markup=False, soft_wrap=True)

    def __enter__(self) -> CellTicker:
        if not self.quiet:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()


@app.command("eval")
def eval_cmd(
    dataset: Annotated[Path | None, typer.Option(help="folder of golden cases (default datasets/golden)")] = None,
    suite: Annotated[Path | None, typer.Option(help="suite YAML (evals/suites/*.yaml); flags override it")] = None,
    models: Annotated[str | None, typer.Option(help="comma-separated model strings")] = None,
    prompts: Annotated[str | None, typer.Option(help="comma-separated prompt sets")] = None,
    repeats: Annotated[int | None, typer.Option(help="drafts per cell")] = None,
    judge: Annotated[str | None, typer.Option(help="judge model for LLM-judge metrics (off when unset)")] = None,
    metrics: Annotated[str | None, typer.Option(help="comma-separated metric ids (default: all)")] = None,
    concurrency: Annotated[str | None, typer.Option(help="cells in flight per provider kind: N, or KIND=N,... (e.g. openai-compatible=1,anthropic=4)")] = None,
    timeout: Annotated[float | None, typer.Option(help="seconds per model request (slow local models)")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="output-token cap per section call")] = None,
    deadline: Annotated[float | None, typer.Option(help="seconds per draft; unfinished sections fail with reason deadline")] = None,
    fallback: Annotated[bool | None, typer.Option("--fallback/--no-fallback", help="failed sections get the offline drafter's, scored as missing (default off)")] = None,
    cases: Annotated[str | None, typer.Option(help="only these case ids (comma-separated)")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="continue the last unfinished eval run (or --run-id)")] = False,
    run_id: Annotated[str | None, typer.Option(help="eval run to resume")] = None,
    thresholds: Annotated[Path | None, typer.Option(help="gate file; exit 1 when a gate metric drops below it")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the comparison as JSON here")] = None,
    db: Annotated[Path | None, typer.Option(help="DuckDB file")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Score prompt sets x models on the golden set; drafts and scores are cached by content hash."""
    import yaml

    from pmstudio.evals.compare import compare, load_scores
    from pmstudio.evals.report import gate_failures, load_thresholds, print_comparison
    from pmstudio.evals.runner import EvalSettings, Runner, default_dataset, last_run, run_cases, run_settings
    from pmstudio.golden import GoldenCaseError, load_dataset
    from pmstudio.models import ModelConfigError, build_model
    from pmstudio.probe import output_mode
    from pmstudio.prompts import PromptError, load_prompt_set

    preflight(db)
    spec: dict[str, Any] = {}
    if suite is not None:
        try:
            spec = yaml.safe_load(suite.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            fail(f"{suite}: cannot read suite ({exc.__class__.__name__})")
        if not isinstance(spec, dict):
            fail(f"{suite}: a suite is a mapping of settings")
    gate_file = thresholds
    if resume or run_id:
        run_id = run_id or last_run(db, unfinished=True)
        if run_id is None:
            fail("--resume: no unfinished eval run in the database")
        assert run_id is not None
        try:
            settings = run_settings(run_id, db)
        except KeyError:
            fail(f"--run-id: no eval run {run_id!r} in {db or 'the database'}")
        cases = cases or ",".join(run_cases(run_id, db)) or None  # the run's own cases, validated alone
    else:
        overrides: dict[str, Any] = {
            "models": _csv(models) if models else None,
            "prompt_sets": _csv(prompts) if prompts else None,
            "repeats": repeats,
            "judge": judge,
            "metrics": _csv(metrics) if metrics else None,
            "timeout_s": timeout,
            "max_tokens": max_tokens,
            "deadline_s": deadline,
            "fallback": fallback,
            **_concurrency(concurrency),
        }
        merged = {**{k: v for k, v in spec.items() if k in EvalSettings.model_fields}, **{k: v for k, v in overrides.items() if v is not None}}
        try:
            settings = EvalSettings.model_validate(merged)
        except ValidationError as exc:
            first = exc.errors()[0]
            fail(f"--{str(first['loc'][0]).removesuffix('_s').replace('_', '-')}: {first['msg']}")
    if gate_file is None and spec.get("thresholds"):
        gate_file = Path(str(spec["thresholds"]))
    folder = dataset or (Path(str(spec["dataset"])) if spec.get("dataset") else default_dataset())
    try:
        for m in [*settings.models, *([settings.judge] if settings.judge else [])]:
            build_model(m)
            output_mode(m)  # ?output=auto probes the server here: unreachable or unusable fails before any work
        for p in settings.prompt_sets:
            load_prompt_set(p)
        from pmstudio.evals.metrics import selected_metrics

        selected_metrics(settings.metrics, judge=settings.judge)  # unknown metric ids fail here, before any work
        golden = load_dataset(folder, only=_csv(cases) if cases else None)  # validates only the selected cases
        gates = load_thresholds(gate_file) if gate_file is not None else None
    except (ModelConfigError, PromptError, GoldenCaseError, ValueError) as exc:
        fail(str(exc))
    if not golden:
        fail(f"{folder}: no golden cases to run")

    runner = Runner(golden, settings, db=db)
    total = len(runner.cells())
    started = time.perf_counter()
    progress = Progress(
        TextColumn("eval"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(), console=err, disable=quiet,
    )
    counts = {"cached": 0, "error": 0}
    cell_started: dict[tuple[str, str, str, int], float] = {}
    with progress, CellTicker(cell_started, quiet):
        task = progress.add_task("eval", total=total, last="")

        def on_start(rid: str, c: Any) -> None:
            cell_started[c.key()] = time.perf_counter()
            progress.update(task, last=f"drafting {c.case_id[:28]} {c.model} {c.prompt_set}")
            if not quiet:
                err.print(f"cell started: {c.case_id} {c.model} {c.prompt_set} #{c.repeat_idx}", highlight=False,
                          markup=False, soft_wrap=True)

        def on_progress(rid: str, result: Any) -> None:
            counts["cached"] += int(result.draft_cached)
            counts["error"] += int(result.status == "error")
            c = result.cell
            took = time.perf_counter() - cell_started.pop(c.key(), time.perf_counter())
            progress.update(task, advance=1, last=f"{c.case_id[:28]} {c.model} {c.prompt_set} {result.status}")
            if not quiet:
                err.print(f"cell {int(progress.tasks[0].completed)}/{total} {result.status}: {c.case_id} {c.model} "
                          f"{c.prompt_set} #{c.repeat_idx} in {took:.1f} s", highlight=False, markup=False, soft_wrap=True)

        runner.on_progress = on_progress
        runner.on_start = on_start
        if run_id is not None:
            done = len(runner.done_cells(run_id))
            progress.update(task, completed=done)
        run_id = asyncio.run(runner.run(run_id))
    seconds = time.perf_counter() - started
    from pmstudio.evals.report import calibration_notice

    calibrated, notice = calibration_notice(db)
    cmp = compare(load_scores([run_id], db), by=("model", "prompt"), calibrated=calibrated)
    print_comparison(cmp)
    err.print(
        f"eval run {run_id}: {total} cells, {counts['cached']} drafts from cache, {counts['error']} errors; "
        f"grid {seconds:.1f} s",
        highlight=False,
    )
    if json_out is not None:
        write_atomic(json_out, cmp.model_dump_json(indent=2) + "\n")
    if gates is not None:
        from pmstudio.evals.report import ungated

        if notice:
            err.print(f"[yellow]{notice}[/]", highlight=False)
        if ungated(cmp, gates):
            err.print(f"uncalibrated, reported but not gating: {', '.join(ungated(cmp, gates))}", highlight=False)
        failures = gate_failures(cmp, gates)
        for line in failures:
            err.print(f"[red]gate failed:[/] {line}", highlight=False)
        if failures:
            raise typer.Exit(1)


@app.command("compare")
def compare_cmd(
    runs: Annotated[list[str] | None, typer.Argument(help="RUN_A [RUN_B]; default: the last eval run")] = None,
    by: Annotated[str, typer.Option(help="group variants by: model, prompt (comma-separated)")] = "model,prompt",
    baseline: Annotated[str | None, typer.Option(help="variant label to compare against")] = None,
    failure_class: Annotated[str | None, typer.Option(help="only cases of this failure class")] = None,
    case: Annotated[str | None, typer.Option(help="show a section-aligned diff of two variants' drafts of this case")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the comparison as JSON here")] = None,
    db: Annotated[Path | None, typer.Option(help="DuckDB file")] = None,
) -> None:
    """Compare variants with bootstrap CIs and paired tests; optionally diff one case's drafts."""
    from pmstudio.evals.compare import compare, load_scores, section_diff
    from pmstudio.evals.report import print_comparison
    from pmstudio.evals.runner import last_run
    from pmstudio.store.queries import case_drafts

    run_ids = list(runs or [])
    if not run_ids:
        last = last_run(db)
        if last is None:
            fail("compare: no eval run in the database (run `make eval` first)")
        run_ids = [str(last)]
    rows = load_scores(run_ids, db)
    if not rows:
        fail(f"compare: no scores for run(s) {', '.join(run_ids)}")
    from pmstudio.evals.report import calibration_notice

    cmp = compare(rows, by=_csv(by), baseline=baseline, failure_class=failure_class, calibrated=calibration_notice(db)[0])
    print_comparison(cmp)
    if json_out is not None:
        write_atomic(json_out, cmp.model_dump_json(indent=2) + "\n")
    if case:
        drafts = case_drafts(run_ids, case, db)
        if len(drafts) < 2:
            fail(f"compare: fewer than two drafts of case {case!r} in these runs")
        (la, a), (lb, b) = drafts[0], drafts[1]
        Console().print(f"[bold]{case}[/]: {la} (A) vs {lb} (B)")
        for section, text in section_diff(a, b).items():
            Console().rule(section)
            Console().print(text, markup=False, highlight=False)


RUN_COLUMNS = (
    ("id", "id", 0), ("started", "started", 0), ("kind", "kind", 0), ("status", "status", 0),
    ("models", "models", 1), ("prompt_sets", "prompts", 1), ("drafts", "drafts", 2),
    ("cost", "cost $", 3), ("title", "title", 4),
)


def _run_filter(model: str | None, prompts: str | None, status: str | None, kind: str | None,
                since: str | None, until: str | None, limit: int) -> Any:
    from datetime import date

    from pydantic import ValidationError

    from pmstudio.store.history import RunFilter

    try:
        return RunFilter(
            model=model, prompt_set=prompts, status=status, kind=kind, limit=limit,
            since=date.fromisoformat(since) if since else None, until=date.fromisoformat(until) if until else None,
        )
    except ValueError as exc:  # includes pydantic's ValidationError
        msg = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        fail(f"runs: bad filter ({msg}); dates are YYYY-MM-DD, --kind draft|eval")


@runs_app.command("list")
def runs_list(
    model: Annotated[str | None, typer.Option("--model", "-m", help="only runs with a draft by this model")] = None,
    prompts: Annotated[str | None, typer.Option("--prompts", "-p", help="only runs with this prompt set")] = None,
    status: Annotated[str | None, typer.Option(help="running | ok | partial | failed | interrupted")] = None,
    kind: Annotated[str | None, typer.Option(help="draft | eval")] = None,
    since: Annotated[str | None, typer.Option(help="started on or after this day (YYYY-MM-DD)")] = None,
    until: Annotated[str | None, typer.Option(help="started on or before this day (YYYY-MM-DD)")] = None,
    limit: Annotated[int, typer.Option(help="at most this many runs, newest first")] = 50,
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    db: Annotated[str | None, typer.Option(help="store (default $PMSTUDIO_DB or the user store)")] = None,
) -> None:
    """List stored drafts and eval runs, newest first."""
    from pmstudio.store.history import list_runs
    from pmstudio.tables import Column, print_json, print_table

    runs = list_runs(_run_filter(model, prompts, status, kind, since, until, limit), db)
    if json_out:
        print_json([r.model_dump(mode="json") for r in runs])
        return
    rows = [
        {"id": r.run_id[-10:], "started": r.started_at, "kind": r.kind, "status": r.status, "models": r.models,
         "prompt_sets": r.prompt_sets, "drafts": r.drafts, "cost": f"{r.cost_usd:.4f}", "title": r.title}
        for r in runs
    ]
    print_table(rows, [Column(key=k, header=h, priority=p) for k, h, p in RUN_COLUMNS],
                empty="no runs stored yet (pmstudio draft or pmstudio eval record them)")


@runs_app.command("show")
def runs_show(
    ident: Annotated[str, typer.Argument(metavar="ID", help="run or draft id (or its last characters, as listed)")],
    json_out: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    db: Annotated[str | None, typer.Option(help="store (default $PMSTUDIO_DB or the user store)")] = None,
) -> None:
    """Print a draft's post-mortem and its findings, or an eval run's drafts."""
    from pmstudio.store.history import export_runs, get_run, resolve_id, run_drafts
    from pmstudio.store.queries import draft_findings, get_draft
    from pmstudio.tables import Column, print_json, print_table

    try:
        kind, found = resolve_id(ident, db)
    except LookupError as exc:
        fail(f"runs show: {exc.args[0]}")
    out = Console()
    if kind == "run":
        run = get_run(found, db)
        drafts = run_drafts(found, db)
        if json_out:
            print_json(export_runs([found], db)[0])
            return
        if run is not None and run.kind == "draft" and len(drafts) == 1:
            kind, found = "draft", drafts[0].draft_id
        else:
            assert run is not None
            out.print(f"{run.kind} run {run.run_id}: {run.status}, started {run.started_at:%Y-%m-%d %H:%M}, "
                      f"{run.drafts} drafts, ${run.cost_usd:.4f}, code {run.code_version or '-'}", highlight=False)
            cols = [Column(key="draft", header="draft"), Column(key="case_id", header="case"),
                    Column(key="model", priority=1), Column(key="prompt_set", header="prompts", priority=1),
                    Column(key="status"), Column(key="findings", header="open", priority=2)]
            print_table([{**d.model_dump(), "draft": d.draft_id[-10:]} for d in drafts], cols, empty="no drafts in this run")
            return
    view = get_draft(found, db)
    if view is None:
        fail(f"runs show: {ident!r}: draft not found")
    assert view is not None
    findings = draft_findings(found, db)
    final = findings[findings["final"]].to_dict("records") if not findings.empty else []
    if json_out:
        print_json({"draft_id": view.draft_id, "run_id": view.run_id, "model": view.model,
                    "prompt_set": view.prompt_set, "status": view.status, "error": view.error,
                    "markdown": view.markdown, "findings": final})
        return
    sys.stdout.write((view.markdown or f"(no post-mortem: {view.error or view.status})") + "\n")
    out.rule(f"findings ({len(final)} unresolved) - draft {view.draft_id}, {view.model}, prompts {view.prompt_set}")
    for f in final:
        out.print(f"[{f['severity']}] {f['rule']} in {f['section']}: \"{f['span']}\" - {f['message']}",
                  highlight=False, markup=False)


@runs_app.command("export")
def runs_export(
    ids: Annotated[list[str] | None, typer.Argument(metavar="[ID]...", help="runs to export (default: the filters)")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m")] = None,
    prompts: Annotated[str | None, typer.Option("--prompts", "-p")] = None,
    status: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    since: Annotated[str | None, typer.Option()] = None,
    until: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option()] = 1000,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write JSON here instead of stdout")] = None,
    db: Annotated[str | None, typer.Option(help="store (default $PMSTUDIO_DB or the user store)")] = None,
) -> None:
    """Export runs with their drafts, findings, eval cells and scores as one JSON document."""
    from pmstudio.store.history import export_runs, list_runs, resolve_id
    from pmstudio.tables import _json_default, print_json

    run_ids: list[str] = []
    for ident in ids or []:
        try:
            kind_, found = resolve_id(ident, db)
        except LookupError as exc:
            fail(f"runs export: {exc.args[0]}")
        if kind_ != "run":
            fail(f"runs export: {ident!r} is a draft id; export takes run ids")
        run_ids.append(found)
    if not ids:
        run_ids = [r.run_id for r in list_runs(_run_filter(model, prompts, status, kind, since, until, limit), db)]
    data = export_runs(run_ids, db)
    if out is None:
        print_json(data)
    else:
        import json

        write_atomic(out, json.dumps(data, indent=2, default=_json_default, ensure_ascii=False) + "\n")
        err.print(f"runs export: {len(data)} runs to {out}", highlight=False)


@db_app.command("status")
def db_status(db: Annotated[Path | None, typer.Option(help="DuckDB file")] = None) -> None:
    """Show applied and pending migrations and row counts."""
    from pmstudio.store.db import connect, resolve_target, target_exists
    from pmstudio.store.evals import table_counts
    from pmstudio.store.lake import StoreConfigError
    from pmstudio.store.migrations import applied, pending

    try:
        path = resolve_target(db)
    except StoreConfigError as exc:
        fail(str(exc))
    if not target_exists(path):
        Console().print(f"{path}: no database yet (it is created by the first draft)")
        return
    with connect(path, read_only=True) as con:
        Console().print(f"database: {getattr(path, 'label', path)}")
        Console().print(f"applied: {', '.join(applied(con)) or '-'}")
        Console().print(f"pending: {', '.join(pending(con)) or '-'}")
    for table, n in table_counts(db):
        Console().print(f"  {table}: {n} rows")


def _register_feedback() -> None:
    from pmstudio.calcli import register

    register(app)


_register_feedback()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", is_eager=True, help="print the version and exit")
    ] = False,
) -> None:
    """Postmortem Studio: draft blameless incident post-mortems and prove them with evals."""
    if version:
        from pmstudio.orchestrator import code_version

        typer.echo(f"pmstudio {code_version()}")
        raise typer.Exit(0)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)


@app.command("dashboard")
def dashboard_cmd(
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8501,
    db: Annotated[str | None, typer.Option(help="store the dashboard reads (default $PMSTUDIO_DB or the user store)")] = None,
) -> None:
    """Start the Streamlit dashboard on http://127.0.0.1:PORT (usage stats off, headless)."""
    from pmstudio.resources import dashboard_app

    env = dict(os.environ)
    if db is not None:
        env["PMSTUDIO_DB"] = db
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(dashboard_app()),
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
        "--client.showErrorDetails", "none",
    ]
    err.print(f"dashboard: http://127.0.0.1:{port} (Ctrl-C stops it)", highlight=False)
    sys.stderr.flush()
    # streamlit replaces this process, so a signal to `pmstudio dashboard` (Ctrl-C, a service manager's
    # SIGTERM) reaches the server itself instead of leaving an orphaned child serving the port
    os.execve(sys.executable, cmd, env)


def main() -> None:
    """Entry point: known errors are one line on stderr (exit 2), never a framed traceback."""
    from pmstudio.models import redact
    from pmstudio.prompts import PromptError
    from pmstudio.resources import ResourceError
    from pmstudio.store.db import StoreBusyError
    from pmstudio.store.lake import StoreConfigError

    try:
        app()
    except (PromptError, ResourceError, StoreBusyError, StoreConfigError) as exc:
        err.print(f"[bold red]error:[/] {redact(str(exc))}", highlight=False, soft_wrap=True, markup=True)
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - a user sees one line; PMSTUDIO_DEBUG=1 shows the traceback
        if os.environ.get("PMSTUDIO_DEBUG"):
            raise
        first = (str(exc).strip().splitlines() or [""])[0]
        err.print(
            f"[bold red]error:[/] {type(exc).__name__}: {redact(first)} (PMSTUDIO_DEBUG=1 shows the traceback)",
            highlight=False, soft_wrap=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
