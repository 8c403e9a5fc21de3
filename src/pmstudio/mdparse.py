"""Read a Markdown post-mortem into lintable segments and an outline, following a template.

Sections are found by the template's headings and aliases (`pmstudio.templates`, matched tolerantly,
H2 or H3); headings another built-in template knows are read the same way (a timeline is a timeline
whatever the template) but only the judged template's sections count as present. How a line is read
follows the field it is under (timeline, action items, contributing factors, prevention, quotes).
Recognises what `pmstudio.render` writes and what people write by hand:
`# Post-Mortem: X`, `**Date:** ...` header lines, section headings,
timeline lines `**01:38** - ...` or `**2019-10-21 01:38 UTC** - ...` (also `- 01:38 UTC: ...` and
table rows), action items `- [ ] **Title** - Owner: X - Due: Y` with an indented `*Impact:*` line,
numbered contributing factors. Quoted material (`>` blocks, fenced code, the appendices and review
notes) becomes `quote` segments, which the blame lints do not read.
"""

from __future__ import annotations

import re
from datetime import UTC

from pydantic import BaseModel, Field

from pmstudio.lints.outline import Citation, Outline, OutlineAction, OutlineEntry, OutlineFactor
from pmstudio.lints.segments import Segment, SegmentKind, is_empty
from pmstudio.mdsyntax import HEADING, table_cells, unbold_label
from pmstudio.templates import OTHER, Template, TemplateField, TemplateSection, known_sections, norm_heading
from pmstudio.timeparse import find_stamp, wall_to_utc

QUOTE_HEADINGS = re.compile(r"review notes|attachments?|raw (?:logs|data)|log excerpts?|appendi(?:x|ces)\b.*")
"""Headings of material that is quoted, not written (outside any template section)."""
_HEADER_FIELD = re.compile(r"^\s*(?:[-*]\s+)?\*\*(?P<key>[^*:]+):\*\*\s*(?P<value>.*?)\s*$")
_LABEL = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*(?P<b>(?:[^*\\]|\\.)+?):?\*\*:?|\*(?P<i>[^*]+?):\*|_(?P<u>[^_]+?):_)\s*"
)
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")
_ACTION = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[(?P<done>[ xX])\]\s+)?(?P<body>.+)$")
_OWNER = re.compile(
    r"\bOwner\s*:\s*(?P<v>.*?)\s*(?=(?:\s[-–—|]\s|[,;]\s*)?\b(?:Due|Priority|Deadline|ETA|Status|Ticket)\b\s*:|$)",
    re.I,
)
_DUE = re.compile(
    r"\b(?:Due|Deadline|ETA)\s*:\s*(?P<v>.*?)\s*(?=(?:\s[-–—|]\s|[,;]\s*)?\b(?:Owner|Priority|Status|Ticket)\b\s*:|$)",
    re.I,
)
_PRIORITY = re.compile(r"\b(?P<p>P[0-4])\b|\bPriority\s*:\s*(?P<v>\w+)", re.I)
_FACTOR_ID = re.compile(r"\b(?:CF|F)-?\d{1,2}\b")
_KIND = re.compile(r"\((?P<k>prevent|mitigate|detect|repair|investigate)\)", re.I)
_CITE = re.compile(r"\(evidence:\s*(?P<ids>[^)]*)\)", re.I)
_DETECT = re.compile(
    r"\b(?:alert\w*|paged?|detected|noticed|reported|fired|triggered|first (?:report|sign))\b", re.I
)
_RESOLVE = re.compile(
    r"\b(?:resolved|recovered|restored|back to normal|all clear|closed|fully operational)\b", re.I
)
_MITIGATE = re.compile(
    r"\b(?:rolled back|rollback|reverted|revert|mitigat\w*|fail(?:ed)? ?over|restarted|disabled|scaled)\b",
    re.I,
)
_GROUP_PHASE = {"detection": "detection", "investigation": "investigation", "resolution": "resolution", "communication": "communication",
                "mitigation": "mitigation", "impact": "impact_start"}  # fmt: skip


class Place(BaseModel):
    """Where the reader placed one content line: its template section, field and sub-heading."""

    section: str = Field(default="", description="template section key ('' outside any section)")
    field: int = Field(default=-1, description="index of the field in that section (-1: directly under its heading)")
    sub: str = Field(default="", description="the sub-heading it is under (a field's label or a group heading)")
    quote: bool = False


class MarkdownDoc(Outline):
    """What a Markdown post-mortem contains, as far as the lints need it."""

    title: str | None = None
    header: dict[str, str] = Field(default_factory=dict)
    headings: list[str] = Field(default_factory=list)
    structured: bool = False
    template: str | None = Field(default=None, description="the template the document was read against")
    places: dict[int, Place] = Field(
        default_factory=dict, exclude=True, description="line -> where the reader placed it (content lines only)"
    )


def _phase(group: str, text: str) -> str | None:
    g = group.lower()
    if text.lower().startswith("impact began"):
        return "impact_start"
    if text.lower().startswith("mitigation"):
        return "mitigation"
    for key, phase in _GROUP_PHASE.items():
        if key in g:
            if phase == "resolution" and _MITIGATE.search(text) and not _RESOLVE.search(text):
                return "mitigation"
            return phase
    if _RESOLVE.search(text):
        return "resolution"
    if _MITIGATE.search(text):
        return "mitigation"
    if _DETECT.search(text):
        return "detection"
    return None


def _strip_label(line: str) -> tuple[str, str]:
    """(label, text) of a `- **Label:** text` line; label is "" when there is none."""
    m = _LABEL.match(line)
    if m and (m.group("b") or m.group("i") or m.group("u")) and line[m.end() :].strip():
        label = (m.group("b") or m.group("i") or m.group("u") or "").strip().rstrip(":")
        return unbold_label(label), line[m.end() :].strip()
    return "", BULLET.sub("", line, count=1).strip()


def strip_label(line: str) -> tuple[str, str]:
    """(label, text) of a `- **Label:** text` line as the reader reads it; label is "" when there is none."""
    return _strip_label(line)


class _Place(BaseModel):
    """Where the reader is: the template section and field a line belongs to."""

    section: TemplateSection | None = None
    judged: bool = False
    field: TemplateField | None = None
    sub: str = ""
    quote: bool = False

    def role(self, bullet: bool) -> str:
        """How a line is read: by its field, or (directly under a section heading) by the section's
        first field, a bullet by its first list-like field (factors, prevention, action items)."""
        if self.quote:
            return "quote"
        if self.field is not None:
            return self.field.role
        if self.section is None:
            return "narrative"
        roles = [f.role for f in self.section.fields]
        if "timeline" in roles:
            return "timeline"
        if bullet:
            for r in roles:
                if r in ("factors", "prevention", "actions"):
                    return r
        return roles[0]

    def where(self) -> Place:
        """This place as the document records it per line (`MarkdownDoc.places`)."""
        if self.section is None:
            return Place(sub=self.sub, quote=self.quote)
        index = next((i for i, f in enumerate(self.section.fields) if f is self.field), -1)
        return Place(section=self.section.key, field=index, sub=self.sub, quote=self.quote)

    @property
    def segment_section(self) -> str:
        if self.quote:
            return "appendix"
        if self.field is not None:
            return self.field.root
        if self.section is not None:
            return self.section.fields[0].root
        return OTHER


def _enter(
    place: _Place, level: int, text: str, known: list[tuple[Template, TemplateSection]], judged: Template | None
) -> _Place:
    """The place after a heading of `level` (2 or more) reading `text`."""
    cur = place.section
    if cur is not None and level > cur.level and not place.quote:
        field = cur.field_for(text)
        if field is not None:
            return place.model_copy(update={"field": field, "sub": text})
        group = cur.group_for(text)
        if group is not None:
            return place.model_copy(update={"field": group[0], "sub": text})
    for tpl, section in known:
        if tpl.match(text) is section:
            return _Place(section=section, judged=judged is not None and tpl.name == judged.name)
    if QUOTE_HEADINGS.fullmatch(norm_heading(text)):
        return _Place(quote=True)
    if cur is not None and level > cur.level:
        return place.model_copy(update={"sub": text})  # an unknown sub-heading stays in its section
    if place.quote and level > 2:
        return place
    return _Place(sub=text if level > 2 else "")


def segments_from_markdown(md: str, template: Template | None = None) -> tuple[list[Segment], MarkdownDoc]:
    """Segments and outline of a Markdown post-mortem read against `template` (its sections count as
    present; other built-ins' headings are read but not counted). Never raises on odd input."""
    doc = MarkdownDoc()
    segs: list[Segment] = []
    known = known_sections(template)
    place = _Place()
    fence = False
    in_comment = False
    present: list[str] = []
    roles: list[str] = []
    content: dict[str, list[str]] = {}
    plain_line = -1
    table: list[str] = []  # header cells of an action-item table

    def note(text: str) -> None:
        if place.judged and place.section is not None:
            content.setdefault(place.section.key, []).append(text)

    def add(text: str, kind: SegmentKind, n: int, section: str | None = None) -> None:
        if text.strip():
            segs.append(Segment(section=section or place.segment_section, field=f"line {n}", text=text, kind=kind))
            if kind in ("narrative", "action", "quote") and section is None:
                note(text)

    for n, raw in enumerate(md.splitlines(), 1):
        line = raw.rstrip()
        stripped = line.strip()
        if in_comment:
            in_comment = "-->" not in stripped
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence or stripped.startswith(">"):
            doc.places[n] = place.where()
            add(stripped.lstrip(">").strip() if not fence else line, "quote", n)
            continue
        if not stripped or re.fullmatch(r"[-*_]{3,}|\|?[\s:|-]+\|?", stripped):
            continue
        for m in _CITE.finditer(line):
            for cid in (x.strip() for x in m.group("ids").split(",")):
                if cid:
                    doc.citations.append(Citation(section=place.segment_section, field=f"line {n}", id=cid))
        h = HEADING.match(line)
        if h:
            level, text = len(h.group("hashes")), h.group("text")
            doc.headings.append(text)
            if level == 1:
                doc.title = re.sub(r"^post-?mortem\s*:\s*", "", text, flags=re.I).strip()
                add(doc.title, "narrative", n, "header")
                continue
            place = _enter(place, level, text, known, template)
            if place.section is not None and place.field is None and not place.sub:
                if place.judged and place.section.key not in present:
                    present.append(place.section.key)
                roles += [f.root for f in place.section.fields if f.root not in roles]
            table = []
            add(text, "heading", n)
            continue
        if place.section is None and not place.quote and len(doc.headings) <= 1:
            hf = _HEADER_FIELD.match(line)
            if hf:
                key, value = hf.group("key").strip().lower(), hf.group("value").strip()
                doc.header[key] = value
                kind: SegmentKind = "owner" if key in ("author", "authors", "reviewers", "owner") else "other"
                add(value, kind, n, "header")
                if key == "duration":
                    doc.duration_text = value
                if key == "severity":
                    doc.severity = value.lower().split()[0] if value.strip() else None
                continue
        doc.places[n] = place.where()
        role = place.role(bool(BULLET.match(line)))
        if role == "quote":
            add(stripped, "quote", n)
            continue
        group = place.sub or (place.section.heading if place.section is not None else "")
        if role == "timeline" and _timeline_line(doc, line, group, n):
            add(doc.entries[-1].text, "narrative", n)
            continue
        if role == "actions" and stripped.startswith("|"):
            cells = table_cells(stripped)
            if any(c.lower().strip("*_ ") in _OWNER_COLUMNS for c in cells):
                table = [c.lower().strip("*_ ") for c in cells]
                continue
            if table:
                _table_action(doc, table, cells, n, segs)
                note(stripped)
                continue
        elif not stripped.startswith("|"):
            table = []
        if role == "actions" and _action_line(doc, line, n, segs):
            note(stripped)
            continue
        label, text = _strip_label(line)
        if role == "prevention" and BULLET.match(line):
            if not is_empty(text):
                doc.prevention.append(text)
            add(text, "action", n)
            continue
        if role == "factors" and BULLET.match(line):
            ids = _FACTOR_ID.findall(label + " " + text)
            doc.factors.append(OutlineFactor(field=f"line {n}", id=ids[0] if ids else None, title=label, text=text))
            add(label, "narrative", n)
            add(text, "narrative", n)
            continue
        if role == "impact":
            if label.lower().startswith("duration"):
                doc.impact_duration_text = text
            doc.impact_text += " " + text
        kind2: SegmentKind = "action" if role in ("actions", "prevention") else "narrative"
        if role == "references":
            kind2 = "other"
        plain = not label and not BULLET.match(line) and "|" not in stripped
        if plain and plain_line == n - 1 and segs and segs[-1].kind == kind2:
            segs[-1] = segs[-1].model_copy(update={"text": f"{segs[-1].text} {text}"})  # one paragraph, one segment
            note(text)
        else:
            add(text, kind2, n)
        plain_line = n if plain else -1
    doc.present = present
    doc.roles = roles
    doc.template = template.name if template is not None else None
    doc.factor_ids_used = any(f.id for f in doc.factors)
    doc.empty = [k for k in present if all(is_empty(t) for t in content.get(k, []))]
    return segs, doc


def _timeline_line(doc: MarkdownDoc, line: str, group: str, n: int) -> bool:
    """A timeline entry: a line that starts with a time (`**01:38** - ...`, `- 2019-10-21 01:38 UTC: ...`,
    `| 01:38 | ... |`, `Oct 21, 01:38 UTC - ...`, `- 2:32 PM PDT ...`)."""
    stamp = find_stamp(line)
    if stamp is None or stamp.date_only:
        return False
    utc = wall_to_utc(stamp.value.date(), stamp.value.time(), stamp.zone or UTC)  # a bare date is a placeholder
    at = utc if stamp.has_year else None
    clock = utc.hour * 60 + utc.minute
    rest = re.sub(r"^(?:\*\*|__)?\s*(?:[\]|)]\s*)?(?:[-–—:|]\s*)?", "", line[stamp.end :])
    text = re.sub(r"\s*\|\s*$", "", rest).strip()
    ids = [x.strip() for c in _CITE.finditer(text) for x in c.group("ids").split(",") if x.strip()]
    time_text = re.sub(r"^[\s\[(<|>*_#~`•·+-]*", "", line[: stamp.end]).strip()
    doc.entries.append(
        OutlineEntry(
            field=f"line {n}",
            time_text=time_text,
            at=at,
            clock=clock,
            phase=_phase(group, text),
            group=group or "Timeline",
            text=text,
            evidence=ids,
        )  # fmt: skip
    )
    return True


_OWNER_COLUMNS = frozenset({"owner", "owners", "assignee", "assigned to", "responsible"})
_TITLE_COLUMNS = ("action item", "action", "item", "title", "task", "description", "follow-up", "remediation")
_DUE_COLUMNS = ("due", "due date", "deadline", "eta", "target date")


def _table_action(doc: MarkdownDoc, header: list[str], cells: list[str], n: int, segs: list[Segment]) -> None:
    """One row of an action-item table (`| Action | Type | Owner | Bug |`, as in Google's template)."""

    def col(names: tuple[str, ...] | frozenset[str]) -> str:
        for i, h in enumerate(header):
            if h in names and i < len(cells):
                return cells[i].strip("*_ ")
        return ""

    title = col(_TITLE_COLUMNS) or (cells[0].strip("*_ ") if cells else "")
    row = " ".join(cells)
    prio = _PRIORITY.search(row)
    kind = re.search(
        r"\b(prevent|mitigate|detect|repair|investigate)\w*", col(("type", "kind", "category")), re.I
    )
    action = OutlineAction(
        field=f"line {n}",
        title=title,
        owner=col(_OWNER_COLUMNS),
        due=col(_DUE_COLUMNS),
        priority=(prio.group("p") or prio.group("v") or "") if prio else "",
        kind=kind.group(1).lower() if kind else None,
        factor_ids=_FACTOR_ID.findall(row),
    )
    doc.actions.append(action)
    segs.append(Segment(section="actions", field=f"line {n}", text=action.title, kind="action"))
    if action.owner:
        segs.append(Segment(section="actions", field=f"line {n}", text=action.owner, kind="owner"))


def _action_line(doc: MarkdownDoc, line: str, n: int, segs: list[Segment]) -> bool:
    label, text = _strip_label(line)
    indented = len(line) - len(line.lstrip()) >= 2
    if indented and doc.actions and label.lower() == "impact":
        a = doc.actions[-1]
        a.impact = text
        kind = _KIND.search(text)
        a.kind = kind.group("k").lower() if kind else a.kind
        a.factor_ids = list(dict.fromkeys(a.factor_ids + _FACTOR_ID.findall(text)))
        segs.append(Segment(section="actions", field=f"line {n}", text=text, kind="action"))
        return True
    m = _ACTION.match(line)
    if not m or indented:
        return False
    body = m.group("body")
    bold = re.match(r"\*\*(?P<t>.+?)\*\*", body)
    title = bold.group("t") if bold else re.split(r"\s[-–—|]\s|\(|\bOwner\s*:", body, maxsplit=1)[0]
    owner = _OWNER.search(body)
    due = _DUE.search(body)
    prio = _PRIORITY.search(body)
    priority = (prio.group("p") or prio.group("v") or "") if prio else ""
    if due and re.search(r"\bP[0-3] priority\b", due.group("v")):
        priority = priority or due.group("v").split()[0]
    action = OutlineAction(
        field=f"line {n}",
        title=title.strip(),
        owner=owner.group("v").strip().strip("*_") if owner else "",
        due=due.group("v").strip().strip("*_") if due else "",
        priority=priority,
        factor_ids=_FACTOR_ID.findall(body),
    )
    doc.actions.append(action)
    segs.append(Segment(section="actions", field=f"line {n}", text=action.title, kind="action"))
    if action.owner:
        segs.append(Segment(section="actions", field=f"line {n}", text=action.owner, kind="owner"))
    if action.due:
        segs.append(Segment(section="actions", field=f"line {n}", text=action.due, kind="other"))
    if not bold and not owner:
        action.owner = ""
    return True
