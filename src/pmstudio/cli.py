"""The `pmstudio` command line: draft, check, prompts, models, eval, compare, db.

Errors in input are one line on stderr naming the file and the problem, with exit code 2; nothing is
written (no output file, no database rows) when a command fails.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Postmortem Studio: draft blameless incident post-mortems and prove them with evals.",
)
db_app = typer.Typer(help="Inspect the DuckDB store.", no_args_is_help=True)
app.add_typer(db_app, name="db")
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    """Print a one-line error and exit with `code`."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` via a temp file + rename, so a failure never leaves a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
        done = 1 if status in ("done", "failed") else 0
        colour = {"done": "green", "failed": "red", "revising": "yellow"}.get(status, "cyan")
        self.progress.update(self.tasks[section], completed=done, status=f"[{colour}]{status}[/]")


@app.command()
def draft(
    path: Annotated[str, typer.Argument(help="bundle: golden YAML, folder of files, one file, or - for stdin")],
    model: Annotated[str, typer.Option("--model", "-m", help="offline | anthropic:M | openai:M | openai-compatible:M@URL")] = os.environ.get("PMSTUDIO_MODEL", "offline"),
    prompts: Annotated[str, typer.Option("--prompts", "-p", help="prompt set (see `pmstudio prompts`)")] = "default",
    fmt: Annotated[str, typer.Option("--format", "-f", help="md | json")] = "md",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of stdout")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA zone for bare times (overrides the bundle's)")] = None,
    redact: Annotated[bool, typer.Option("--redact/--no-redact", help="redact secrets and PII before any model")] = True,
    max_bytes: Annotated[int, typer.Option(help="refuse input files larger than this")] = 512 * 1024 * 1024,
    max_revisions: Annotated[int, typer.Option(help="critic revision rounds (0 = review only)")] = 2,
    deadline: Annotated[float | None, typer.Option(help="seconds for the whole draft")] = None,
    findings: Annotated[Path | None, typer.Option(help="also write unresolved critic findings (JSON) here")] = None,
    db: Annotated[Path | None, typer.Option(help="DuckDB file (default $PMSTUDIO_DB or var/pmstudio.duckdb)")] = None,
    store: Annotated[bool, typer.Option("--store/--no-store", help="record the draft in DuckDB")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress output")] = False,
) -> None:
    """Draft a post-mortem from an incident's materials."""
    from pmstudio.critic import verdict
    from pmstudio.ingest import BundleError, load_bundle
    from pmstudio.models import ModelConfigError, parse_model_ref
    from pmstudio.orchestrator import DraftSettings, draft_postmortem, resolve_model
    from pmstudio.prompts import PromptError, load_prompt_set
    from pmstudio.render import render_json, render_markdown
    from pmstudio.store import record_draft

    if fmt not in ("md", "json"):
        fail(f"--format: expected md or json, got {fmt!r}")
    settings = DraftSettings(max_revisions=max_revisions, deadline_s=deadline)
    try:
        parse_model_ref(model)
        prompt_set = load_prompt_set(prompts)
        resolve_model(model, settings)  # missing keys fail here, before any work
    except (ModelConfigError, PromptError) as exc:
        fail(str(exc))
    try:
        bundle, _ = load_bundle(path, timezone=timezone, redact=redact, max_bytes=max_bytes, stdin=sys.stdin)
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
    markdown = render_markdown(record.postmortem, bundle=bundle, critic=record.critic)
    text = markdown if fmt == "md" else render_json(record.postmortem)
    if out is not None:
        write_atomic(out, text)
    if findings is not None:
        import json

        write_atomic(findings, json.dumps([f.model_dump() for f in record.critic.findings], indent=2) + "\n")
    if store:
        record_draft(record, bundle, markdown=markdown, path=db, command="draft")
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    if not quiet:
        u = record.usage
        cost = f", ${u.cost_usd:.4f}" if u.cost_usd else ""
        err.print(
            f"{verdict(record.critic.findings, record.critic.rounds)} ({record.critic.critic}); "
            f"{len(record.sections)} agent calls, {u.input_tokens} in / {u.output_tokens} out tokens{cost}, "
            f"{record.latency_ms / 1000:.1f} s; draft {record.draft_id}",
            highlight=False,
        )
    if record.status != "ok":
        err.print(f"[yellow]warning:[/] sections failed: {', '.join(record.postmortem.failed_sections)}")


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="a post-mortem in Markdown")],
    people: Annotated[str, typer.Option(help="comma-separated names that must not be presented as causes")] = "",
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
) -> None:
    """Lint an existing (human-written) post-mortem; exits 1 when high-severity findings exist."""
    from pmstudio.lints import lint_markdown

    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"{path}: cannot read ({exc.strerror})")
    if not data.strip():
        fail(f"{path}: file is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        fail(f"{path}: not UTF-8 text")
    names = [n.strip() for n in people.split(",") if n.strip()]
    found = lint_markdown(text, people=names or None)
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps([f.model_dump() for f in found], indent=2) + "\n")
    else:
        out = Console()
        for f in found:
            out.print(
                f"{path}: [{f.severity}] {f.rule} in {f.section}: \"{f.span}\" - {f.message}"
                + (f" Suggested: {f.suggestion}" if f.suggestion else ""),
                highlight=False,
                markup=False,
            )
        high = sum(f.severity == "high" for f in found)
        med = sum(f.severity == "medium" for f in found)
        out.print(f"check: {high} high, {med} medium, {len(found) - high - med} low", highlight=False)
    if any(f.severity == "high" for f in found):
        raise typer.Exit(1)


@app.command("prompts")
def prompts_cmd() -> None:
    """List prompt sets and the content hash of each prompt file."""
    from pmstudio.prompts import available_sets, load_prompt_set

    table = Table(title="prompt sets")
    for col in ("set", "agent", "variant", "sha256", "path"):
        table.add_column(col)
    for name in available_sets():
        ps = load_prompt_set(name)
        for agent, f in ps.files.items():
            table.add_row(name, agent, f.variant, f.sha256[:16], f.path)
    Console().print(table)


@app.command("models")
def models_cmd() -> None:
    """List the model kinds, whether they are configured, and how to select them."""
    from pmstudio.models import list_models

    table = Table(title="models")
    rows: list[dict[str, Any]] = list_models(os.environ)
    if rows:
        for col in rows[0]:
            table.add_column(str(col))
        for r in rows:
            table.add_row(*(str(v) for v in r.values()))
    Console().print(table)


@db_app.command("status")
def db_status(db: Annotated[Path | None, typer.Option(help="DuckDB file")] = None) -> None:
    """Show applied and pending migrations and row counts."""
    from pmstudio.store.db import connect, default_db_path
    from pmstudio.store.migrations import applied, pending

    path = db or default_db_path()
    if not path.exists():
        Console().print(f"{path}: no database yet (it is created by the first draft)")
        return
    with connect(path, read_only=True) as con:
        Console().print(f"database: {path}")
        Console().print(f"applied: {', '.join(applied(con)) or '-'}")
        Console().print(f"pending: {', '.join(pending(con)) or '-'}")
        for (table,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
        ).fetchall():
            n = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            Console().print(f"  {table}: {n[0] if n else 0} rows")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
