"""A fake issue tracker on 127.0.0.1 speaking the GitHub REST, Jira REST v2 and Linear GraphQL APIs.

Enough of each API for `pmstudio export actions --post`: GitHub `POST /repos/{o}/{r}/issues` and
`PATCH /repos/{o}/{r}/issues/{n}` (with `state`); Jira `POST /rest/api/2/issue`, `PUT` / `GET
/rest/api/2/issue/{key}` and its `transitions` (To Do, In Progress, Done: the workflow of a default Jira
project, each status with its `statusCategory`); Linear `POST /graphql` with the `issueCreate` /
`issueUpdate` mutations (with `stateId`) and the `workflowStates` query (Todo, In Progress, Done,
Canceled with their types). Issues live in memory.

Tokens: any token in `tokens` is accepted, any in `expired` gets 401 (as GitHub's "Bad credentials"),
anything else 401 too. Faults (`add_fault`): `429` with `Retry-After`, GitHub's `403` secondary rate limit,
`500`, each for the next `count` API requests. Control endpoints: `GET /_issues`, `GET /_log` (auth
headers redacted), `POST /_reset`.

    with FakeTrackerServer(tokens={"good"}) as srv:
        srv.add_fault("429", retry_after=1, count=2)
        ... GITHUB_API_URL=srv.url ...; srv.issues("github")
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import BaseModel, Field

JIRA_STATUSES = {
    "11": {"name": "To Do", "statusCategory": {"key": "new", "name": "To Do"}},
    "21": {"name": "In Progress", "statusCategory": {"key": "indeterminate", "name": "In Progress"}},
    "31": {"name": "Done", "statusCategory": {"key": "done", "name": "Done"}},
}
"""Transition id -> the status it leads to (a default Jira software project's workflow)."""
LINEAR_STATES = [
    {"id": "st-todo", "name": "Todo", "type": "unstarted", "position": 1},
    {"id": "st-progress", "name": "In Progress", "type": "started", "position": 2},
    {"id": "st-done", "name": "Done", "type": "completed", "position": 3},
    {"id": "st-canceled", "name": "Canceled", "type": "canceled", "position": 4},
]


class TrackerFault(BaseModel):
    kind: str = Field(description="429 | 403 | 500")
    count: int = 1
    retry_after: float | None = None


class _State:
    def __init__(self, tokens: set[str], expired: set[str]) -> None:
        self.lock = threading.Lock()
        self.tokens = tokens
        self.expired = expired
        self.reset()

    def reset(self) -> None:
        self.issues: dict[str, dict[str, dict[str, Any]]] = {"github": {}, "jira": {}, "linear": {}}
        self.faults: list[TrackerFault] = []
        self.log: list[dict[str, Any]] = []
        self.seq = 0

    def take_fault(self) -> TrackerFault | None:
        with self.lock:
            if not self.faults:
                return None
            fault = self.faults[0]
            fault.count -= 1
            if fault.count <= 0:
                self.faults.pop(0)
            return fault.model_copy()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, code: int, obj: Any = None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _token(self) -> str:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            import base64

            return base64.b64decode(auth[6:]).decode().split(":", 1)[-1]
        return auth.removeprefix("Bearer ").strip()

    def do_GET(self) -> None:
        st = self.server.state
        if self.path == "/_issues":
            self._send(200, st.issues)
        elif self.path == "/_log":
            self._send(200, st.log)
        else:
            self._api("GET")

    def do_PATCH(self) -> None:
        self._api("PATCH")

    def do_PUT(self) -> None:
        self._api("PUT")

    def do_POST(self) -> None:
        if self.path == "/_reset":
            self.server.state.reset()
            self._send(200, {"ok": True})
            return
        self._api("POST")

    def _api(self, method: str) -> None:
        st = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            self._send(400, {"message": "Problems parsing JSON"})
            return
        token = self._token()
        with st.lock:
            st.log.append({"method": method, "path": self.path, "authorization": "[REDACTED]" if token else "",
                           "body": body})  # fmt: skip
        fault = st.take_fault()
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            if fault.kind == "403":
                self._send(403, {"message": "You have exceeded a secondary rate limit."}, headers)
            elif fault.kind == "429":
                self._send(429, {"message": "Too Many Requests"}, headers)
            else:
                self._send(500, {"message": "Internal Server Error"})
            return
        if token in st.expired or token not in st.tokens:
            self._send(401, {"message": "Bad credentials"})
            return
        with st.lock:
            self._route(method, body)

    def _route(self, method: str, body: dict[str, Any]) -> None:
        st = self.server.state
        gh = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues(?:/(\d+))?", self.path)
        if gh:
            issues = st.issues["github"]
            if method == "POST" and gh.group(3) is None:
                if not isinstance(body.get("title"), str) or not body["title"]:
                    self._send(422, {"message": "Validation Failed"})
                    return
                number = str(len(issues) + 1)
                issues[number] = {**body, "number": int(number), "state": "open"}
                url = f"https://github.com/{gh.group(1)}/{gh.group(2)}/issues/{number}"
                self._send(201, {"number": int(number), "html_url": url, "title": body["title"]})
            elif method == "PATCH" and gh.group(3) in issues:
                if body.get("state", "open") not in ("open", "closed"):
                    self._send(422, {"message": "Validation Failed"})
                    return
                issues[gh.group(3)].update(body)
                self._send(200, {"number": int(gh.group(3)), "html_url": "", "title": issues[gh.group(3)]["title"]})
            else:
                self._send(404, {"message": "Not Found"})
            return
        tr = re.fullmatch(r"/rest/api/2/issue/([A-Z][A-Z0-9]*-\d+)/transitions", self.path)
        if tr:
            issue = st.issues["jira"].get(tr.group(1))
            if issue is None:
                self._send(404, {"errorMessages": ["Issue does not exist"]})
            elif method == "GET":
                self._send(200, {"transitions": [{"id": t, "name": s["name"], "to": s} for t, s in JIRA_STATUSES.items()]})
            elif method == "POST" and str((body.get("transition") or {}).get("id")) in JIRA_STATUSES:
                issue["status"] = JIRA_STATUSES[str(body["transition"]["id"])]
                self._send(204)
            else:
                self._send(400, {"errorMessages": ["It seems that you have tried to perform an invalid workflow operation."]})
            return
        jira = re.fullmatch(r"/rest/api/2/issue(?:/([A-Z][A-Z0-9]*-\d+))?(?:\?fields=[\w,]+)?", self.path)
        if jira and method == "GET":
            issue = st.issues["jira"].get(jira.group(1) or "")
            if issue is None:
                self._send(404, {"errorMessages": ["Issue does not exist"]})
            else:
                self._send(200, {"key": jira.group(1), "fields": issue})
            return
        if jira:
            issues = st.issues["jira"]
            fields = body.get("fields") or {}
            if method == "POST" and jira.group(1) is None:
                if not fields.get("summary") or not (fields.get("project") or {}).get("key"):
                    self._send(400, {"errorMessages": [], "errors": {"summary": "required"}})
                    return
                key = f"{fields['project']['key']}-{len(issues) + 1}"
                issues[key] = {**fields, "status": JIRA_STATUSES["11"]}
                self._send(201, {"id": str(10000 + len(issues)), "key": key, "self": f"/rest/api/2/issue/{key}"})
            elif method == "PUT" and jira.group(1) in issues:
                issues[jira.group(1)].update(fields)
                self._send(204)
            else:
                self._send(404, {"errorMessages": ["Issue does not exist"]})
            return
        if self.path == "/graphql" and method == "POST":
            issues = st.issues["linear"]
            query = str(body.get("query", ""))
            variables = body.get("variables") or {}
            if "workflowStates" in query:
                self._send(200, {"data": {"workflowStates": {"nodes": LINEAR_STATES}}})
            elif "issueCreate" in query:
                st.seq += 1
                issue_id = f"lin-{st.seq:04d}"
                data = dict(variables.get("input") or {})
                issues[issue_id] = data
                ident = f"ENG-{st.seq}"
                self._send(200, {"data": {"issueCreate": {"success": True, "issue": {
                    "id": issue_id, "identifier": ident, "url": f"https://linear.app/x/issue/{ident}"}}}})
            elif "issueUpdate" in query and variables.get("id") in issues:
                issues[variables["id"]].update(variables.get("input") or {})
                self._send(200, {"data": {"issueUpdate": {"success": True, "issue": {
                    "id": variables["id"], "identifier": "", "url": ""}}}})
            else:
                self._send(200, {"errors": [{"message": "Entity not found"}]})
            return
        self._send(404, {"message": "Not Found"})


class FakeTrackerServer:
    """`with FakeTrackerServer(tokens={"t"}, expired={"old"}) as srv:` then point the tracker URL at `srv.url`."""

    def __init__(self, *, tokens: set[str] | None = None, expired: set[str] | None = None) -> None:
        self.state = _State(set(tokens or {"test-token"}), set(expired or set()))
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = self.state
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTrackerServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_fault(self, kind: str, *, count: int = 1, retry_after: float | None = None) -> None:
        with self.state.lock:
            self.state.faults.append(TrackerFault(kind=kind, count=count, retry_after=retry_after))

    def issues(self, tracker: str) -> dict[str, dict[str, Any]]:
        with self.state.lock:
            return json.loads(json.dumps(self.state.issues[tracker]))

    def log(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.log)

    def reset(self) -> None:
        with self.state.lock:
            self.state.reset()
