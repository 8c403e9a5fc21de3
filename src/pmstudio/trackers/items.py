"""Action items of a post-mortem as tracker-neutral records with a stable key.

A SOURCE is a stored draft id (read from DuckDB with its evidence) or a post-mortem Markdown file (read
through `pmstudio.mdparse`, the project's Markdown reader). The key of an item depends only on the
incident id and the item's normalised title, so exporting the draft or its Markdown, today or after an
edit elsewhere in the document, addresses the same tracker issue.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pydantic import BaseModel, Field

from pmstudio.schema import NOT_STATED, Bundle, PostMortem


class SourceError(Exception):
    """The source cannot be read or has nothing to export (one line, names the source)."""


class FactorRef(BaseModel):
    id: str
    title: str = ""
    text: str = ""


class EvidenceRef(BaseModel):
    id: str
    text: str = ""


class TrackerItem(BaseModel):
    """One action item ready for a tracker."""

    key: str = Field(description="stable: incident id + normalised title")
    incident_id: str
    incident_title: str
    title: str
    owner: str = ""
    due: str = ""
    priority: str = Field(default="", description="P0..P3 or empty")
    kind: str = ""
    horizon: str = ""
    impact: str = ""
    factors: list[FactorRef] = Field(default_factory=list)
    evidence: list[EvidenceRef] = Field(default_factory=list)
    link: str = Field(default="", description="back to the post-mortem")
    labels: list[str] = Field(default_factory=list)
    done: bool = Field(default=False, description="ticked done in the post-mortem: a posted issue is closed")

    def description(self) -> str:
        """Markdown body: what it addresses, the evidence, the link back, the key."""
        lines = [f"Action item from the post-mortem \"{self.incident_title}\" (incident {self.incident_id})."]
        if self.impact:
            lines += ["", f"**Expected impact:** {self.impact}"]
        lines += ["", "**Addresses:**"]
        if self.factors:
            lines += [f"- {f.id}: {f.title}" + (f" - {f.text}" if f.text and f.text != f.title else "") for f in self.factors]
        else:
            lines.append(f"- {NOT_STATED}")
        lines += ["", "**Evidence:**"]
        if self.evidence:
            lines += [f"- `{e.id}`" + (f" {e.text}" if e.text else "") for e in self.evidence]
        else:
            lines.append(f"- {NOT_STATED}")
        meta = [f"Owner: {self.owner or NOT_STATED}", f"Due: {self.due or NOT_STATED}"]
        if self.kind:
            meta.append(f"Kind: {self.kind}")
        lines += ["", " | ".join(meta), "", f"**Post-mortem:** {self.link}", "", f"pmstudio-key: {self.key}"]
        return "\n".join(lines)


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def item_key(incident_id: str, title: str) -> str:
    digest = hashlib.sha256(f"{_norm(incident_id)}\n{_norm(title)}".encode()).hexdigest()
    return f"pm-{digest[:16]}"


def _label(text: str) -> str:
    """Tracker-safe label: no spaces (Jira splits labels on spaces), lower case."""
    return re.sub(r"[^a-z0-9._:-]+", "-", text.lower()).strip("-")[:60]


def _labels(incident_id: str, kind: str, horizon: str) -> list[str]:
    out = ["postmortem", _label(f"incident-{incident_id}")]
    out += [_label(x) for x in (kind, horizon) if x]
    return list(dict.fromkeys(out))


def _due(value: str) -> str:
    m = re.search(r"\b\d{4}-\d{2}-\d{2}\b", value or "")
    return m.group(0) if m else ""


def items_from_postmortem(pm: PostMortem, *, bundle: Bundle | None, link: str, markdown: str | None = None) -> list[TrackerItem]:
    """Items of a draft; an item is done when its checkbox is ticked in the draft's (edited) `markdown`."""
    from pmstudio.memory import done_titles

    if pm.actions is None:
        return []
    done = done_titles(markdown)
    factors = {f.id: f for f in (pm.root_cause.contributing_factors if pm.root_cause else [])}
    by_id = bundle.evidence_by_id() if bundle is not None else {}
    out = []
    for a in pm.actions.action_items:
        evid = [EvidenceRef(id=i, text=by_id[i].text if i in by_id else "") for i in dict.fromkeys(a.evidence)]
        refs = [
            FactorRef(id=fid, title=factors[fid].title, text=factors[fid].description) if fid in factors else FactorRef(id=fid)
            for fid in a.factor_ids
        ]
        out.append(
            TrackerItem(
                key=item_key(pm.header.incident_id, a.title),
                incident_id=pm.header.incident_id,
                incident_title=pm.header.title,
                title=a.title.strip(),
                owner=a.owner.strip(),
                due=_due(a.due or ""),
                priority=a.priority or "",
                kind=a.kind,
                horizon=a.horizon,
                impact=a.impact.strip(),
                factors=refs,
                evidence=evid,
                link=link,
                labels=_labels(pm.header.incident_id, a.kind, a.horizon),
                done=a.title.strip().lower() in done,
            )
        )
    return out


_CITE = re.compile(r"\s*\(evidence:\s*(?P<ids>[^)]*)\)", re.I)
_KIND_TAIL = re.compile(r"\s*\((?:prevent|mitigate|detect|repair|investigate)\)\.?(?:\s*Addresses\b[^.]*\.)?\s*$", re.I)
_ID_TAIL = re.compile(r"\s*\((?:CF|F)-?\d{1,2}\)\s*$")


def _cited(text: str) -> list[str]:
    return [i.strip() for m in _CITE.finditer(text) for i in m.group("ids").split(",") if i.strip()]


def items_from_markdown(text: str, *, path: Path, link: str) -> list[TrackerItem]:
    from pmstudio.mdparse import segments_from_markdown
    from pmstudio.memory import done_titles

    done = done_titles(text)
    _, doc = segments_from_markdown(text)
    header = {k.lower(): v for k, v in doc.header.items()}
    incident_id = header.get("incident id", "").strip() or path.stem
    title = (doc.title or header.get("title") or path.stem).strip()
    factors = {f.id: f for f in doc.factors if f.id}
    out = []
    for a in doc.actions:
        if not a.title.strip():
            continue
        cites = _cited(a.impact)
        impact = _KIND_TAIL.sub("", _CITE.sub("", a.impact)).strip()
        kind = a.kind or ""
        out.append(
            TrackerItem(
                key=item_key(incident_id, a.title),
                incident_id=incident_id,
                incident_title=title,
                title=a.title.strip(),
                owner="" if a.owner.strip() == NOT_STATED else a.owner.strip(),
                due=_due(a.due),
                priority=a.priority.upper() if re.fullmatch(r"[Pp][0-3]", a.priority or "") else "",
                kind=kind,
                impact=impact,
                factors=[
                    FactorRef(id=f, title=_ID_TAIL.sub("", factors[f].title), text=_CITE.sub("", factors[f].text).strip())
                    if f in factors else FactorRef(id=f)
                    for f in dict.fromkeys(a.factor_ids)
                ],
                evidence=[EvidenceRef(id=i) for i in dict.fromkeys(cites)],
                link=link,
                labels=_labels(incident_id, kind, ""),
                done=a.title.strip().lower() in done,
            )
        )
    return out


def dashboard_link(draft_id: str) -> str:
    return f"http://127.0.0.1:8501/?draft={draft_id}"


def load_items(source: str, *, db: str | Path | None = None, link: str | None = None) -> list[TrackerItem]:
    """Items of SOURCE: an existing Markdown file, else a stored draft id. Raises SourceError."""
    path = Path(source)
    if path.is_file():
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"{source}: cannot read ({exc.strerror})") from None
        if not data.strip():
            raise SourceError(f"{source}: file is empty")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise SourceError(f"{source}: not UTF-8 text") from None
        items = items_from_markdown(text, path=path, link=link or path.resolve().as_uri())
    else:
        if path.suffix.lower() in (".md", ".markdown") or "/" in source:
            raise SourceError(f"{source}: no such file")
        from pmstudio.store.queries import get_draft

        view = get_draft(source, db)
        if view is None:
            raise SourceError(f"{source}: neither a file nor a stored draft id")
        if view.postmortem is None:
            raise SourceError(f"{source}: the stored draft has no post-mortem ({view.status})")
        items = items_from_postmortem(view.postmortem, bundle=view.bundle, link=link or dashboard_link(source),
                                      markdown=view.markdown)
    if not items:
        raise SourceError(f"{source}: no action items to export")
    keys = [i.key for i in items]
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        titles = sorted({i.title for i in items if i.key in dupes})
        raise SourceError(f"{source}: two action items share the title {titles[0]!r}; make titles distinct")
    return items
