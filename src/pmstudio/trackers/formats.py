"""Action items in each tracker's documented import format.

- `jira`: CSV for Jira's CSV importer (header row with a `Summary` column; `Description`, `Issue Type`,
  `Priority`, `Assignee`, `Due Date`; several labels as repeated `Labels` columns, which the importer maps
  to one multi-value field). Dates are ISO `yyyy-MM-dd`: set that date format in the import wizard.
- `linear`: CSV for Linear's CSV importer, in the columns of Linear's own export (`Title`, `Description`,
  `Status`, `Priority`, `Assignee`, `Labels`, `Due Date`; labels comma-separated in one cell; priority
  names Urgent / High / Medium / Low / No priority).
- `github`: a JSON array of request bodies for GitHub's REST "Create an issue" endpoint
  (`POST /repos/{owner}/{repo}/issues`: `title`, `body`, `labels`, `assignees`). GitHub issues have no due
  date or priority field: the due date is in the body and the priority is a `priority:Px` label.
- `csv`: a plain CSV with every field, for spreadsheets and other trackers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping

from pmstudio.trackers.items import TrackerItem

JIRA_PRIORITY = {"P0": "Highest", "P1": "High", "P2": "Medium", "P3": "Low"}
LINEAR_PRIORITY = {"P0": "Urgent", "P1": "High", "P2": "Medium", "P3": "Low"}
LINEAR_PRIORITY_VALUE = {"P0": 1, "P1": 2, "P2": 3, "P3": 4}  # GraphQL: 0 none, 1 urgent ... 4 low
GITHUB_FIELDS = frozenset({"title", "body", "assignee", "milestone", "labels", "assignees", "type"})
EXTENSIONS = {"csv": "csv", "jira": "csv", "linear": "csv", "github": "json"}


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def github_labels(item: TrackerItem) -> list[str]:
    return item.labels + ([f"priority:{item.priority}"] if item.priority else [])


def github_body(item: TrackerItem, assignees: Mapping[str, str] | None = None) -> dict[str, object]:
    """The documented request body of GitHub's create/update-an-issue endpoints."""
    body = item.description()
    if item.due:
        body = f"**Due:** {item.due}\n\n{body}"
    out: dict[str, object] = {"title": item.title, "body": body, "labels": github_labels(item)}
    login = (assignees or {}).get(item.owner)
    if login:
        out["assignees"] = [login]
    return out


def render_items(items: list[TrackerItem], to: str, *, assignees: Mapping[str, str] | None = None) -> str:
    """The file text for tracker `to` (one of TRACKERS)."""
    who = assignees or {}
    if to == "github":
        return json.dumps([github_body(i, who) for i in items], indent=2, ensure_ascii=False) + "\n"
    if to == "jira":
        n = max(1, max(len(i.labels) for i in items))
        header = ["Summary", "Description", "Issue Type", "Priority", "Assignee", "Due Date", *(["Labels"] * n)]
        rows = [header]
        for i in items:
            labels = i.labels + [""] * (n - len(i.labels))
            rows.append([i.title, i.description(), "Task", JIRA_PRIORITY.get(i.priority, ""), who.get(i.owner, i.owner),
                         i.due, *labels])  # fmt: skip
        return _csv(rows)
    if to == "linear":
        rows = [["Title", "Description", "Status", "Priority", "Assignee", "Labels", "Due Date"]]
        for i in items:
            rows.append([i.title, i.description(), "Done" if i.done else "Todo", LINEAR_PRIORITY.get(i.priority, "No priority"),
                         who.get(i.owner, i.owner), ",".join(i.labels), i.due])  # fmt: skip
        return _csv(rows)
    if to == "csv":
        rows = [["Key", "Title", "Description", "Owner", "Due Date", "Priority", "Labels", "Factors", "Post-mortem"]]
        for i in items:
            rows.append([i.key, i.title, i.description(), i.owner, i.due, i.priority, ",".join(i.labels),
                         ",".join(f.id for f in i.factors), i.link])  # fmt: skip
        return _csv(rows)
    raise ValueError(f"unknown tracker {to!r}")
