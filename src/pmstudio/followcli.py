"""Follow-through commands of the CLI: `pmstudio export actions` (and `pmstudio similar`).

Registered on the main app by `pmstudio.cli`; the work happens in `pmstudio.trackers` and
`pmstudio.memory`. Bad input is one line naming the source and the problem, exit 2, nothing posted.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pmstudio.cliio import fail, write_atomic

export_app = typer.Typer(help="Export a post-mortem's follow-through (action items to a tracker).", no_args_is_help=True)
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    fail(message, code)


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    out = {}
    for v in values or []:
        owner, sep, login = v.rpartition("=")
        if not sep or not owner.strip() or not login.strip():
            _fail(f"{flag}: expected OWNER=LOGIN, got {v!r}")
        out[owner.strip()] = login.strip()
    return out


@export_app.command("actions")
def export_actions(
    source: Annotated[str, typer.Argument(help="a stored draft id or a post-mortem Markdown file")],
    to: Annotated[str, typer.Option("--to", help="csv | jira | linear | github")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write the file here instead of stdout")] = None,
    post: Annotated[bool, typer.Option("--post", help="create/update the issues through the tracker's API")] = False,
    repo: Annotated[str | None, typer.Option(help="github: OWNER/NAME")] = None,
    project: Annotated[str | None, typer.Option(help="jira: project key")] = None,
    team: Annotated[str | None, typer.Option(help="linear: team id")] = None,
    url: Annotated[str | None, typer.Option(help="API base URL (default from GITHUB_API_URL / JIRA_BASE_URL / LINEAR_API_URL)")] = None,
    assignee: Annotated[list[str] | None, typer.Option(help="map an owner to a tracker user: OWNER=LOGIN (repeatable)")] = None,
    link: Annotated[str | None, typer.Option(help="link back to the post-mortem (default: dashboard URL or file URI)")] = None,
    db: Annotated[Path | None, typer.Option(help="DuckDB file")] = None,
) -> None:
    """Action items as tracker issues: a file in the tracker's import format, or `--post` through its API."""
    from pmstudio.trackers import TRACKERS
    from pmstudio.trackers.formats import EXTENSIONS, render_items
    from pmstudio.trackers.items import SourceError, load_items
    from pmstudio.trackers.post import TrackerError, post_items, tracker_config

    if to not in TRACKERS:
        _fail(f"--to: unknown tracker {to!r}; expected one of {', '.join(TRACKERS)}")
    owners = _pairs(assignee, "--assignee")
    cfg = None
    if post:
        try:
            cfg = tracker_config(to, {"github": repo, "jira": project, "linear": team}.get(to), base_url=url)
        except TrackerError as exc:
            _fail(str(exc))
    try:
        items = load_items(source, db=db, link=link)
    except SourceError as exc:
        _fail(str(exc))
    if cfg is None:
        text = render_items(items, to, assignees=owners)
        if out is None:
            sys.stdout.write(text)
        else:
            write_atomic(out, text)
            err.print(f"{len(items)} action items -> {out} ({to}, .{EXTENSIONS[to]})", highlight=False)
        return
    counts = {"created": 0, "updated": 0, "closed": 0}

    def show(r: object) -> None:
        from pmstudio.trackers.post import PostResult

        assert isinstance(r, PostResult)
        counts[r.action] += 1
        err.print(f"{r.action} {to} {r.issue_id}: {r.title}", highlight=False, markup=False)

    try:
        post_items(items, cfg, source=source, db=db, assignees=owners, on_item=show)
    except TrackerError as exc:
        done = sum(counts.values())
        _fail(f"{exc} ({done} of {len(items)} items done; re-run to continue)" if done else str(exc))
    closed = f", {counts['closed']} closed (done in the post-mortem)" if counts["closed"] else ""
    err.print(f"{to}: {counts['created']} created, {counts['updated']} updated{closed}", highlight=False)


def similar_cmd(
    source: Annotated[str, typer.Argument(help="a stored draft id or a post-mortem Markdown file")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="how many past incidents")] = 5,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text | json")] = "text",
    db: Annotated[Path | None, typer.Option(help="DuckDB file")] = None,
) -> None:
    """Past incidents that share factors with SOURCE, and why."""
    from pmstudio.memory import dumps, load_query, similar_to, sync_index

    if fmt not in ("text", "json"):
        _fail(f"--format: expected text or json, got {fmt!r}")
    try:
        query = load_query(source, db)
    except ValueError as exc:
        _fail(str(exc))
    added = sync_index(db)
    if added:
        err.print(f"indexed {added} new incident(s)", highlight=False)
    results = similar_to(query, db=db, limit=limit)
    if fmt == "json":
        sys.stdout.write(dumps(results) + "\n")
        return
    out = Console()
    if not results:
        out.print(f"{source}: no related past incidents in the memory", highlight=False, markup=False)
        return
    for r in results:
        when = r.started_at.strftime("%Y-%m-%d") if r.started_at else "----------"
        out.print(f"{r.score:.2f}  {when}  {r.incident_id}  {r.title[:70]}", highlight=False, markup=False, soft_wrap=True)
        out.print(f"      why: {r.why()}", highlight=False, markup=False, soft_wrap=True)
