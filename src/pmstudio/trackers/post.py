"""Create or update tracker issues through each tracker's API, idempotently.

Tokens come from the environment only (`GITHUB_TOKEN`, `JIRA_API_TOKEN` [+ `JIRA_EMAIL` for Jira Cloud's
basic auth], `LINEAR_API_KEY`); they are sent in an Authorization header and never logged or stored.
Requests are retried on 429 / 5xx (and GitHub's 403 secondary rate limit) honouring `Retry-After`; a
rejected token (401) is one line naming the variable. Every created issue's id is stored in DuckDB under
the item's stable key before the next item is sent, so a second export updates instead of duplicating,
and an interrupted export resumes where it stopped.

An item ticked done in the post-mortem (`- [x]`) closes its issue: GitHub `state: closed` (reason
completed), Jira the transition into a status of the *done* category, Linear the team's first workflow
state of type *completed*. An open item never reopens an issue someone closed in the tracker.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from pmstudio.store.trackers import TrackerLink, find_link, save_link
from pmstudio.trackers.formats import JIRA_PRIORITY, LINEAR_PRIORITY_VALUE, github_body
from pmstudio.trackers.items import TrackerItem

TOKEN_VARS = {"github": "GITHUB_TOKEN", "jira": "JIRA_API_TOKEN", "linear": "LINEAR_API_KEY"}
BASE_VARS = {"github": "GITHUB_API_URL", "jira": "JIRA_BASE_URL", "linear": "LINEAR_API_URL"}
DEFAULT_BASES = {"github": "https://api.github.com", "linear": "https://api.linear.app"}
TARGET_FLAGS = {"github": "--repo OWNER/NAME", "jira": "--project KEY", "linear": "--team TEAM_ID"}
MAX_ATTEMPTS = 5
MAX_WAIT_S = 60.0


class TrackerError(Exception):
    """A one-line, user-facing problem with the tracker (configuration, token, or an API refusal)."""


class PostResult(BaseModel):
    key: str
    title: str
    action: Literal["created", "updated", "closed"] = Field(description="closed: done in the post-mortem, issue closed")
    issue_id: str
    issue_url: str | None = None


class TrackerConfig(BaseModel):
    tracker: str
    target: str
    base_url: str
    token: str
    email: str | None = None

    @property
    def link_target(self) -> str:
        return f"{self.target}@{self.base_url}"


def tracker_config(tracker: str, target: str | None, env: Mapping[str, str] | None = None,
                   base_url: str | None = None) -> TrackerConfig:  # fmt: skip
    """Check everything before any request: the tracker has an API, a target, a base URL and a token."""
    env = os.environ if env is None else env
    if tracker not in TOKEN_VARS:
        raise TrackerError(f"--post: {tracker} has no API; post to one of {', '.join(TOKEN_VARS)}")
    if not target:
        raise TrackerError(f"--post {tracker}: say where with {TARGET_FLAGS[tracker]}")
    if tracker == "github" and target.count("/") != 1:
        raise TrackerError(f"--repo: expected OWNER/NAME, got {target!r}")
    base = (base_url or env.get(BASE_VARS[tracker]) or DEFAULT_BASES.get(tracker, "")).rstrip("/")
    if not base:
        raise TrackerError(f"--post {tracker}: set {BASE_VARS[tracker]} (e.g. https://your-site.atlassian.net)")
    if not base.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise TrackerError(f"{BASE_VARS[tracker]}: {base!r} must be an https:// URL")
    token = env.get(TOKEN_VARS[tracker], "").strip()
    if not token:
        raise TrackerError(f"--post {tracker}: {TOKEN_VARS[tracker]} is not set")
    return TrackerConfig(tracker=tracker, target=target, base_url=base, token=token, email=env.get("JIRA_EMAIL"))


def _retry_after(headers: Any, attempt: int) -> float:
    raw = headers.get("Retry-After") if headers is not None else None
    try:
        wait = float(raw) if raw is not None else 0.5 * 2**attempt
    except ValueError:
        wait = 0.5 * 2**attempt
    return max(0.0, min(wait, MAX_WAIT_S))


class Client:
    """JSON over HTTP with retries; `sleep` is injectable so tests never wait for real."""

    def __init__(self, cfg: TrackerConfig, *, sleep: Callable[[float], None] | None = None, timeout_s: float = 30.0):
        self.cfg = cfg
        self.sleep = sleep or (lambda s: time.sleep(s))
        self.timeout_s = timeout_s
        self.requests = 0
        self.linear_done: str | None = None  # the Linear team's completed state, looked up once

    def _auth(self) -> str:
        if self.cfg.tracker == "jira" and self.cfg.email:
            import base64

            return "Basic " + base64.b64encode(f"{self.cfg.email}:{self.cfg.token}".encode()).decode()
        if self.cfg.tracker == "linear":
            return self.cfg.token  # Linear personal API keys go in the header as they are
        return f"Bearer {self.cfg.token}"

    def call(self, method: str, path: str, body: object | None = None) -> Any:
        url = self.cfg.base_url + path
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": self._auth(), "Accept": "application/json", "Content-Type": "application/json",
                   "User-Agent": "pmstudio"}  # fmt: skip
        if self.cfg.tracker == "github":
            headers["Accept"] = "application/vnd.github+json"
            headers["X-GitHub-Api-Version"] = "2022-11-28"
        name = self.cfg.tracker
        for attempt in range(MAX_ATTEMPTS):
            self.requests += 1
            req = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                    text = resp.read().decode("utf-8", "replace")
                    return json.loads(text) if text.strip() else {}
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode("utf-8", "replace")[:200].replace("\n", " ")
                limited = exc.code == 429 or (exc.code == 403 and "rate limit" in detail.lower())
                if exc.code == 401:
                    raise TrackerError(
                        f"{name}: the token in {TOKEN_VARS[name]} was rejected (401); it may have expired or been revoked"
                    ) from None
                if (limited or exc.code >= 500) and attempt < MAX_ATTEMPTS - 1:
                    self.sleep(_retry_after(exc.headers, attempt))
                    continue
                what = "rate limited" if limited else f"HTTP {exc.code}"
                raise TrackerError(f"{name}: {method} {path}: {what}: {_message(detail)}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt < MAX_ATTEMPTS - 1:
                    self.sleep(0.5 * 2**attempt)
                    continue
                reason = getattr(exc, "reason", exc)
                raise TrackerError(f"{name}: cannot reach {self.cfg.base_url} ({reason})") from None
        raise TrackerError(f"{name}: gave up after {MAX_ATTEMPTS} attempts")  # pragma: no cover


def _message(detail: str) -> str:
    try:
        obj = json.loads(detail)
    except ValueError:
        return detail or "no details"
    if isinstance(obj, dict):
        msgs = obj.get("message") or obj.get("errorMessages") or obj.get("errors")
        return str(msgs)[:160]
    return detail[:160]


# --------------------------------------------------------------------------- one adapter per tracker


def _github(client: Client, item: TrackerItem, existing: TrackerLink | None,
            assignees: Mapping[str, str]) -> tuple[str, str | None]:  # fmt: skip
    body = github_body(item, assignees)
    closed = {"state": "closed", "state_reason": "completed"} if item.done else {}
    repo = client.cfg.target
    if existing is None:
        out = client.call("POST", f"/repos/{repo}/issues", body)  # the create endpoint takes no state
        if closed:
            client.call("PATCH", f"/repos/{repo}/issues/{out['number']}", closed)
    else:
        out = client.call("PATCH", f"/repos/{repo}/issues/{existing.issue_id}", {**body, **closed})
    return str(out["number"]), out.get("html_url")


def _jira(client: Client, item: TrackerItem, existing: TrackerLink | None,
          assignees: Mapping[str, str]) -> tuple[str, str | None]:  # fmt: skip
    fields: dict[str, Any] = {"summary": item.title, "description": item.description(), "labels": item.labels}
    if item.priority in JIRA_PRIORITY:
        fields["priority"] = {"name": JIRA_PRIORITY[item.priority]}
    if item.due:
        fields["duedate"] = item.due
    if assignees.get(item.owner):
        fields["assignee"] = {"id": assignees[item.owner]}
    if existing is None:
        fields["project"] = {"key": client.cfg.target}
        fields["issuetype"] = {"name": "Task"}
        out = client.call("POST", "/rest/api/2/issue", {"fields": fields})
        key = str(out["key"])
    else:
        key = existing.issue_id
        client.call("PUT", f"/rest/api/2/issue/{key}", {"fields": fields})
    if item.done:
        _jira_close(client, key)
    return key, f"{client.cfg.base_url}/browse/{key}"


def _jira_close(client: Client, key: str) -> None:
    """Move the issue into a status of the `done` category through one of its transitions (if not there yet)."""
    issue = client.call("GET", f"/rest/api/2/issue/{key}?fields=status")
    status = ((issue.get("fields") or {}).get("status") or {}).get("statusCategory") or {}
    if status.get("key") == "done":
        return
    transitions = client.call("GET", f"/rest/api/2/issue/{key}/transitions").get("transitions") or []
    to_done = [t for t in transitions if ((t.get("to") or {}).get("statusCategory") or {}).get("key") == "done"]
    if not to_done:
        raise TrackerError(f"jira: {key}: no transition into a done status; close it in Jira")
    client.call("POST", f"/rest/api/2/issue/{key}/transitions", {"transition": {"id": str(to_done[0]["id"])}})


_LINEAR_CREATE = "mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id identifier url } } }"
_LINEAR_UPDATE = "mutation IssueUpdate($id: String!, $input: IssueUpdateInput!) { issueUpdate(id: $id, input: $input) { success issue { id identifier url } } }"
_LINEAR_DONE = ('query DoneStates($team: ID!) { workflowStates(filter: {team: {id: {eq: $team}}, type: {eq: "completed"}}) '
                "{ nodes { id name type position } } }")


def _linear_done_state(client: Client) -> str:
    """The team's first workflow state of type `completed` (asked once per export)."""
    if client.linear_done:
        return client.linear_done
    out = client.call("POST", "/graphql", {"query": _LINEAR_DONE, "variables": {"team": client.cfg.target}})
    if out.get("errors"):
        raise TrackerError(f"linear: workflowStates: {_message(json.dumps(out['errors'][0]))}")
    nodes = (((out.get("data") or {}).get("workflowStates") or {}).get("nodes")) or []
    done = sorted((n for n in nodes if n.get("type") == "completed"), key=lambda n: n.get("position") or 0)
    if not done:
        raise TrackerError(f"linear: team {client.cfg.target} has no workflow state of type completed")
    client.linear_done = str(done[0]["id"])
    return client.linear_done


def _linear(client: Client, item: TrackerItem, existing: TrackerLink | None,
            assignees: Mapping[str, str]) -> tuple[str, str | None]:  # fmt: skip
    data: dict[str, Any] = {"title": item.title, "description": item.description()}
    if item.priority in LINEAR_PRIORITY_VALUE:
        data["priority"] = LINEAR_PRIORITY_VALUE[item.priority]
    if item.due:
        data["dueDate"] = item.due
    if assignees.get(item.owner):
        data["assigneeId"] = assignees[item.owner]
    if item.done:
        data["stateId"] = _linear_done_state(client)
    if existing is None:
        body = {"query": _LINEAR_CREATE, "variables": {"input": {**data, "teamId": client.cfg.target}}}
        op = "issueCreate"
    else:
        body = {"query": _LINEAR_UPDATE, "variables": {"id": existing.issue_id, "input": data}}
        op = "issueUpdate"
    out = client.call("POST", "/graphql", body)
    if out.get("errors"):
        raise TrackerError(f"linear: {op}: {_message(json.dumps(out['errors'][0]))}")
    result = (out.get("data") or {}).get(op) or {}
    if not result.get("success"):
        raise TrackerError(f"linear: {op} did not succeed")
    issue = result["issue"]
    return str(issue["id"]), issue.get("url")


ADAPTERS = {"github": _github, "jira": _jira, "linear": _linear}


def post_items(
    items: list[TrackerItem], cfg: TrackerConfig, *, source: str, db: str | Path | None = None,
    assignees: Mapping[str, str] | None = None, sleep: Callable[[float], None] | None = None,
    on_item: Callable[[PostResult], None] | None = None,
) -> list[PostResult]:
    """Create each item's issue, or update it when this tracker target already has one for its key."""
    client = Client(cfg, sleep=sleep)
    adapter = ADAPTERS[cfg.tracker]
    results = []
    for item in items:
        existing = find_link(cfg.tracker, cfg.link_target, item.key, db)
        issue_id, url = adapter(client, item, existing, assignees or {})
        link = TrackerLink(tracker=cfg.tracker, target=cfg.link_target, item_key=item.key, issue_id=issue_id,
                           issue_url=url)  # fmt: skip
        save_link(link, incident_id=item.incident_id, title=item.title, source=source, db=db)
        action: Literal["created", "updated", "closed"] = "closed" if item.done else "updated" if existing else "created"
        result = PostResult(key=item.key, title=item.title, action=action, issue_id=issue_id, issue_url=url)
        results.append(result)
        if on_item is not None:
            on_item(result)
    return results
