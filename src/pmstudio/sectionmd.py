"""One section of a post-mortem as Markdown in a template's layout, and that Markdown read back.

`section_markdown` writes a schema section (`timeline`, `impact`, ...) exactly as the template renders
it (`pmstudio.render.section_lines`: the template is data, the renderer writes each field kind).
`read_section` reads edited Markdown back through the reader `pmstudio check` uses for real documents
(`pmstudio.mdparse.segments_from_markdown`: sections, sub-headings, timeline lines, action items, labels,
citations) into the section's pydantic model, and says what is wrong in words with the line
("line 4: a timeline entry needs a time like 14:02 or 2024-05-01 14:02"); nothing is returned on error.

What the Markdown does not show is carried over from the section as it was: fields the layout has no
place for (a summary's title, the impact's severity and minutes, the timeline's milestones, an action's
priority next to a due date), the seconds of a time whose minute is unchanged, certainty marks of
unchanged claims. Edited lines are matched to the old items (rapidfuzz), so a line whose `(evidence: …)`
was dropped keeps the citations of the text it edits; a new line without a citation is a claim without
evidence (`uncited`). `(evidence: none)` removes a claim's citations on purpose. A part of the section whose
lines were not touched is kept exactly as it was, so text the reader cannot read back (a model's Markdown or
line breaks inside a claim) never blocks an edit elsewhere, and problems on untouched lines are not repeated.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from difflib import SequenceMatcher
from typing import Any, get_args

from pydantic import BaseModel, Field, ValidationError
from rapidfuzz import fuzz

from pmstudio.certainty import assess
from pmstudio.mdparse import BULLET, MarkdownDoc, Place, segments_from_markdown, strip_label
from pmstudio.mdsyntax import HEADING
from pmstudio.render import FLAT_PHASE_LABEL, NO_ENTRIES, PHASE_LABEL, section_lines
from pmstudio.schema import (
    IMPACT_CLAIMS,
    NOT_STATED,
    PHASES,
    SECTION_TYPES,
    Bundle,
    Certainty,
    Claim,
    ImpactSection,
    PostMortem,
    RootCauseSection,
    SummarySection,
)
from pmstudio.templates import Template, TemplateField, TemplateSection, norm_heading, value_type
from pmstudio.timeparse import find_stamp

MATCH_RATIO = 60
"""rapidfuzz ratio at which an edited line is the same item as an old one (its citations carry over)."""

_CITE = re.compile(r"\s*\(evidence:\s*(?P<ids>[^)]*)\)", re.I)
_MARK = re.compile(rf"\s\((?:{'|'.join(get_args(Certainty))})(?:, \d+ sources)?\)$")  # certainty.mark's form
_FACTOR_LABEL = re.compile(r"^(?P<title>.*?)\s*\((?P<id>[^()]*)\)$")
_DATE_ONLY = re.compile(r"^\*\*(?P<d>\d{4}-\d{2}-\d{2}), time not stated\*\*\s*[-–—:]\s*(?P<rest>.*)$")
_IMPACT_TAIL = re.compile(
    r"^(?P<impact>.*?)\s*\((?P<kind>prevent|mitigate|detect|repair|investigate)\)\.?"
    r"(?:\s*Addresses (?P<ids>[^.]*)\.)?\s*$",
    re.I,
)
_PRIORITY_DUE = re.compile(r"^(?P<p>P[0-3])(?: priority)?$")
_EVIDENCE_LINE = re.compile(r"^\[(?P<id>[^\]]+)\]")
ENTRY_SHAPE = "a timeline entry needs a time like 14:02 or 2024-05-01 14:02"
ACTION_SHAPE = "an action item reads `- [ ] **Title** - Owner: team - Due: 2024-06-01`"


class LineNote(BaseModel):
    """A problem (or a note) about one line of the edited Markdown; line 0 is the section as a whole."""

    line: int = 0
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class SectionReading(BaseModel):
    """What `read_section` made of the edited Markdown."""

    name: str
    section: dict[str, Any] | None = Field(default=None, description="the section's JSON; None on any problem")
    problems: list[LineNote] = Field(default_factory=list)
    notes: list[LineNote] = Field(default_factory=list, description="what was carried over, for the reviewer")
    uncited: list[int] = Field(default_factory=list, description="lines of claims that cite no evidence")
    hidden: list[str] = Field(default_factory=list, description="fields the layout does not show (kept as they were)")

    @property
    def ok(self) -> bool:
        return self.section is not None and not self.problems


# --------------------------------------------------------------------------- layout


def layout(template: Template, name: str) -> list[tuple[TemplateSection, list[TemplateField]]]:
    """The template sections and fields that show schema section `name`, each schema path once (a full
    timeline is preferred to the phase-filtered copies some layouts add under Detection or Resolution)."""
    fields = [(s, f) for s, f in template.fields() if f.root == name]
    full_timeline = any(f.kind == "timeline" and not f.phases for _s, f in fields)
    seen: set[str] = {p for _s, f in fields if f.kind == "key_value" for p in f.paths}
    out: list[tuple[TemplateSection, list[TemplateField]]] = []
    for s, f in fields:
        if f.kind == "timeline" and f.phases and full_timeline:
            continue
        paths = tuple(f.paths)
        if f.kind not in ("timeline", "key_value") and seen.intersection(paths):
            continue
        seen.update(paths)
        if out and out[-1][0].key == s.key:
            out[-1][1].append(f)
        else:
            out.append((s, [f]))
    return out


def hidden_paths(template: Template, name: str) -> list[str]:
    """Text and list fields of section `name` the layout does not show (they are kept as they were)."""
    shown = {p for _s, fs in layout(template, name) for f in fs for p in f.paths}
    out: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for attr, info in model.model_fields.items():
            path = f"{prefix}.{attr}"
            if path in shown:
                continue
            if any(p.startswith(path + ".") for p in shown):
                inner = info.annotation
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    walk(inner, path)
                continue
            out.append(path)

    walk(SECTION_TYPES[name], name)
    for _s, fs in layout(template, name):  # parts of each item a layout leaves out (kept from the item it edits)
        for f in fs:
            if f.kind == "action_items":
                out += [f"{f.path}[].impact"] if f.style == "table" else []
                out += [] if f.groups else [f"{f.path}[].horizon"]
    if name in shown:  # the whole section in one field: a timeline shows its entries, a summary its text
        out = [p for p in out if p not in ("summary.summary", "summary.evidence", "timeline.entries")]
    return out


def blank_section(pm: PostMortem, name: str) -> BaseModel:
    """An empty section to start from when `name` failed to draft."""
    if name == "summary":
        return SummarySection(title=pm.header.title, summary="")
    if name == "impact":
        return ImpactSection(severity=pm.header.severity or "medium", **{c: Claim(text=NOT_STATED) for c in IMPACT_CLAIMS})
    if name == "root_cause":
        return RootCauseSection(trigger=Claim(text=NOT_STATED), primary_root_cause=Claim(text=NOT_STATED))
    return SECTION_TYPES[name]()


def _current(pm: PostMortem, name: str) -> BaseModel:
    return pm.section(name) or blank_section(pm, name)


def section_markdown(pm: PostMortem, name: str, template: Template, bundle: Bundle | None = None) -> str:
    """Section `name` of `pm` as `template` renders it (a blank skeleton when it failed to draft)."""
    if name not in SECTION_TYPES:
        raise KeyError(name)
    full = pm.model_copy(update={name: _current(pm, name)})
    out: list[str] = []
    for section, fields in layout(template, name):
        out += section_lines(full, section, fields, bundle)
    return "\n".join(out).rstrip() + "\n"


# --------------------------------------------------------------------------- reading helpers


def _cites(text: str) -> tuple[str, list[str] | None]:
    """(text without citations, cited ids or None when the line cites nothing; [] for `(evidence: none)`)."""
    ids: list[str] | None = None
    for m in _CITE.finditer(text):
        ids = ids or []
        ids += [x.strip() for x in m.group("ids").split(",") if x.strip() and x.strip().lower() != "none"]
    return _CITE.sub("", text).strip(), ids


def _unmark(text: str) -> str:
    return _MARK.sub("", text).strip()


def _match(new: list[str], old: list[str]) -> list[int | None]:
    """For each new text, the index of the old text it edits (one-to-one, best ratio first), or None."""
    scored = sorted(
        ((fuzz.ratio(a, b), i, j) for i, a in enumerate(new) for j, b in enumerate(old)),
        key=lambda x: (-x[0], x[1], x[2]),
    )
    out: list[int | None] = [None] * len(new)
    used: set[int] = set()
    for ratio, i, j in scored:
        if ratio < MATCH_RATIO:
            break
        if out[i] is None and j not in used:
            out[i] = j
            used.add(j)
    return out


def _reorder(items: list[Any], matched: list[int | None]) -> list[Any]:
    """Items in their old order where they match an old item; a new item stays after its predecessor."""
    keys = []
    last = -1.0
    for i, j in enumerate(matched):
        if j is not None:
            last = float(j)
            keys.append((last, 0, i))
        else:
            keys.append((last, 1, i))
    return [items[k[2]] for k in sorted(keys)]


def _set(data: dict[str, Any], rel: str, value: Any) -> None:
    parts = rel.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def _get(data: dict[str, Any], rel: str) -> Any:
    for part in rel.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)  # type: ignore[assignment]
    return data


def _rel(name: str, path: str) -> str:
    return path.split(".", 1)[1] if "." in path else ""


def _empty(text: str) -> bool:
    return not text.strip() or text.strip().strip("_") == NOT_STATED


@dataclass
class _Line:
    n: int
    raw: str


@dataclass
class _Reader:
    """State while one section is read back."""

    name: str
    template: Template
    old: dict[str, Any]
    known_ids: set[str] | None
    old_ids: set[str]
    default_day: date | None
    multi_day: bool
    heading_line: int = 1
    problems: list[LineNote] = field(default_factory=list)
    notes: list[LineNote] = field(default_factory=list)
    uncited: list[int] = field(default_factory=list)

    def error(self, n: int, message: str) -> None:
        self.problems.append(LineNote(line=n, message=message))

    def evidence(self, n: int, cited: list[str] | None, old: list[str] | None, *, claim: bool = True) -> list[str]:
        """The ids a line cites; without a citation, those of the old item it edits (else none)."""
        if cited is None:
            if old:
                self.notes.append(LineNote(line=n, message=f"kept the citations of the text it edits ({', '.join(old)})"))
                return list(old)
            if claim:
                self.uncited.append(n)
            return []
        for i in cited:
            if self.known_ids is not None and i not in self.known_ids and i not in self.old_ids:
                self.error(n, f"evidence {i} is not in this incident's materials (cite ids like chat.txt:12)")
        return cited


def _claim_text(raw: str, *, marks: bool) -> tuple[str, list[str] | None]:
    text, ids = _cites(raw)
    return (_unmark(text) if marks else text), ids


def _old_claims(value: Any) -> list[dict[str, Any]]:
    return [c for c in value or [] if isinstance(c, dict)]


def _claim(r: _Reader, n: int, text: str, ids: list[str] | None, old: dict[str, Any] | None) -> dict[str, Any]:
    if _empty(text) and old is not None and _empty(str(old.get("text", ""))):
        text = str(old.get("text", ""))  # "" and "Not stated in the materials." read the same
    evidence = r.evidence(n, ids, old.get("evidence") if old else None, claim=not _empty(text))
    out: dict[str, Any] = {"text": text, "evidence": evidence}
    if old and old.get("text") == text and list(old.get("evidence") or []) == evidence:
        for key in ("certainty", "sources"):
            if old.get(key) is not None:
                out[key] = old[key]
    return out


# --------------------------------------------------------------------------- field kinds


def _prose(r: _Reader, f: TemplateField, lines: list[_Line]) -> Any:
    vt = value_type(str(f.path))
    old = _get(r.old, _rel(r.name, str(f.path))) if vt != "summary" else r.old
    parts: list[str] = []
    ids: list[str] | None = None
    first = lines[0].n if lines else r.heading_line
    for ln in lines:
        body = ln.raw.strip()
        if f.style == "inline":
            label, rest = strip_label(body)
            body = rest if label else body
        text, cited = _claim_text(body, marks=r.name == "root_cause")
        if cited is not None:
            ids = (ids or []) + cited
        if text:
            parts.append(text)
    if len(parts) > 1:  # an empty list after the prose (two unlabelled fields) says "Not stated" too
        parts = [p for p in parts if not _empty(p)] or parts[:1]
    text = " ".join(parts)
    if vt == "summary":
        if _empty(text):
            r.error(first, "the summary is empty: say what happened, the impact and the primary cause")
        evidence = r.evidence(first, ids, old.get("evidence") if isinstance(old, dict) else None)
        return {"summary": text, "evidence": evidence}
    if vt == "claim":
        return _claim(r, first, text or NOT_STATED, ids, old if isinstance(old, dict) else None)
    return text


def _key_value(r: _Reader, fields: list[TemplateField], lines: list[_Line]) -> dict[str, Any]:
    items = {norm_heading(i.label): i for f in fields for i in f.items}
    out: dict[str, Any] = {}
    grouped: list[tuple[_Line, str, str]] = []  # a line without a label continues the item before it
    for ln in lines:
        label, text = strip_label(ln.raw)
        if not label and grouped:
            first, lab, before = grouped[-1]
            cite = _CITE.search(before)
            body = f"{before[: cite.start()]} {ln.raw.strip()}{before[cite.start():]}" if cite else f"{before} {ln.raw.strip()}"
            grouped[-1] = (first, lab, body)
        else:
            grouped.append((ln, label, text))
    for ln, label, text in grouped:
        item = items.get(norm_heading(label)) if label else None
        if item is None:
            names = ", ".join(i.label for f in fields for i in f.items)
            r.error(ln.n, f"“{ln.raw.strip()[:60]}” is not one of this part's lines ({names}); write `- **Label:** text`")
            continue
        if item.path in out:
            r.error(ln.n, f"{item.label} is given twice")
            continue
        old = _get(r.old, _rel(r.name, item.path))
        if value_type(item.path) == "claim":
            body, ids = _claim_text(text, marks=False)
            out[item.path] = _claim(r, ln.n, body, ids, old if isinstance(old, dict) else None)
        else:
            out[item.path] = text
    for f in fields:
        for item in f.items:
            if item.path not in out:
                old = _get(r.old, _rel(r.name, item.path))
                if value_type(item.path) == "claim":
                    out[item.path] = {"text": old["text"] if isinstance(old, dict) and _empty(old.get("text", "")) else NOT_STATED,
                                      "evidence": []}  # fmt: skip
                else:
                    out[item.path] = ""
    return out


def _items(lines: list[_Line]) -> list[tuple[int, str]]:
    """Bullets (and numbered items) with their continuation lines joined."""
    out: list[tuple[int, str]] = []
    for ln in lines:
        if BULLET.match(ln.raw) and not ln.raw.startswith("  "):
            out.append((ln.n, BULLET.sub("", ln.raw, count=1).strip()))
        elif out:
            out[-1] = (out[-1][0], f"{out[-1][1]} {ln.raw.strip()}")
        else:
            out.append((ln.n, ln.raw.strip()))
    return out


def _only_not_stated(items: list[tuple[int, str]]) -> bool:
    return len(items) == 1 and items[0][1].strip("_ ") == NOT_STATED


def _claims(r: _Reader, f: TemplateField, lines: list[_Line]) -> list[dict[str, Any]]:
    items = _items(lines)
    if _only_not_stated(items) or not items:
        return []
    marks = r.name == "root_cause"
    parsed = [(n, *_claim_text(t, marks=marks)) for n, t in items]
    olds = _old_claims(_get(r.old, _rel(r.name, str(f.path))))
    matched = _match([p[1] for p in parsed], [str(o.get("text", "")) for o in olds])
    out = [_claim(r, n, text, ids, olds[j] if j is not None else None) for (n, text, ids), j in zip(parsed, matched, strict=True)]
    return _reorder(out, matched)


def _factors(r: _Reader, f: TemplateField, lines: list[_Line], bundle: Bundle | None) -> list[dict[str, Any]]:
    items = _items(lines)
    if _only_not_stated(items) or not items:
        return []
    olds = _old_claims(_get(r.old, _rel(r.name, str(f.path))))
    parsed = []
    for n, body in items:
        label, text = strip_label("- " + body)
        if not label:
            r.error(n, "a contributing factor reads `1. **Title (CF1):** what it was`")
            continue
        m = _FACTOR_LABEL.match(label)
        title, fid = (m.group("title"), m.group("id").strip()) if m else (label, "")
        description, ids = _claim_text(text, marks=True)
        parsed.append((n, title.strip(), fid, description, ids))
    matched = _match([f"{p[1]} {p[3]}" for p in parsed], [f"{o.get('title', '')} {o.get('description', '')}" for o in olds])
    taken = {p[2] for p in parsed if p[2]}
    out = []
    for (n, title, fid, description, ids), j in zip(parsed, matched, strict=True):
        old = olds[j] if j is not None else None
        if not fid:
            fid = next(f"CF{k}" for k in range(1, 999) if f"CF{k}" not in taken)
            taken.add(fid)
        evidence = r.evidence(n, ids, old.get("evidence") if old else None)
        item: dict[str, Any] = {"id": fid, "title": title, "description": description, "evidence": evidence}
        if old and all(old.get(k) == item[k] for k in ("title", "description", "evidence")):
            item.update({k: old[k] for k in ("certainty", "sources") if old.get(k) is not None})
        elif bundle is not None and old is not None and old.get("certainty") is not None:
            item["certainty"], item["sources"] = assess(description, evidence, bundle.evidence)
        out.append(item)
    return _reorder(out, matched)


def _evidence_ids(r: _Reader, f: TemplateField, lines: list[_Line]) -> list[str]:
    out: list[str] = []
    for ln in lines:
        s = ln.raw.strip()
        if _empty(s) or s.startswith(("```", "~~~")):
            continue
        m = _EVIDENCE_LINE.match(s)
        ident = m.group("id") if m else (BULLET.sub("", s, count=1).split()[0] if BULLET.match(s) else "")
        if not ident:
            r.error(ln.n, "list one evidence id per line (`- web.log:12`) or keep the quoted `[web.log:12] …` lines")
            continue
        r.evidence(ln.n, [ident], None, claim=False)
        out.append(ident)
    old = [str(i) for i in _get(r.old, _rel(r.name, str(f.path))) or []]
    if r.known_ids is not None:  # ids the renderer could not quote (not in the bundle) were not shown: keep them
        out += [i for i in old if i not in r.known_ids and i not in out]
    return list(dict.fromkeys(out))


def _phase(f: TemplateField, group: str, text: str) -> tuple[str | None, str, list[str]]:
    """(phase or None when the line does not say, text without its phase label, the phases allowed here)."""
    allowed: list[str] = list(PHASES)
    g = next((g for g in f.groups if norm_heading(g.heading) == norm_heading(group)), None) if group else None
    if g is not None:
        allowed = list(g.phases)
    elif f.phases:
        allowed = list(f.phases)
    labels = PHASE_LABEL if f.groups else FLAT_PHASE_LABEL
    for phase, label in labels.items():
        if phase in allowed and text.lower().startswith(label.lower()):
            return phase, text[len(label) :].strip(), allowed
    if f.groups:  # a flat label names a phase the group does not hold: an entry moved on purpose
        for phase, label in FLAT_PHASE_LABEL.items():
            if phase not in allowed and text.lower().startswith(label.lower()):
                return phase, text[len(label) :].strip(), [phase]
    unlabelled = [p for p in allowed if p not in labels]
    return (unlabelled[0] if len(unlabelled) == 1 else None), text, allowed


def _timeline(r: _Reader, f: TemplateField, lines: list[_Line], entries: dict[int, Any]) -> dict[str, Any]:
    olds = [e for e in (r.old.get("entries") or []) if isinstance(e, dict)]
    parsed: list[dict[str, Any]] = []
    for ln in lines:
        s = ln.raw.strip()
        if _empty(s) or s == NO_ENTRIES:
            continue
        group = ln.place.sub if isinstance(ln, _PlacedLine) else ""
        entry = entries.get(ln.n)
        date_only = False
        if entry is not None:
            text = entry.text
            if entry.at is not None:
                at = entry.at
            elif entry.clock is not None:
                if r.default_day is None:
                    r.error(ln.n, "the timeline spans several days: give the date with the time, like 2024-05-01 14:02")
                    continue
                at = datetime.combine(r.default_day, time(entry.clock // 60, entry.clock % 60), UTC)
            else:
                r.error(ln.n, ENTRY_SHAPE)
                continue
        else:
            m = _DATE_ONLY.match(s)
            if m is None:
                stamp = find_stamp(s)
                why = " (a date alone reads `**2024-05-01, time not stated** - text`)" if stamp and stamp.date_only else ""
                r.error(ln.n, ENTRY_SHAPE + why)
                continue
            try:
                at = datetime.combine(date.fromisoformat(m.group("d")), time(0, 0), UTC)
            except ValueError:
                r.error(ln.n, f"{m.group('d')} is not a date")
                continue
            text, date_only = m.group("rest"), True
        body, ids = _cites(text)
        phase, body, allowed = _phase(f, group, body)
        parsed.append({"n": ln.n, "at": at, "text": body.strip(), "ids": ids, "phase": phase, "allowed": allowed,
                       "date_only": date_only})  # fmt: skip
    minute = "%Y-%m-%d %H:%M"

    def key(e: dict[str, Any]) -> str:
        return f"{e['at'].strftime('%Y-%m-%d' if e['date_only'] else minute)} {e['text']}"

    def old_key(o: dict[str, Any]) -> str:
        at = datetime.fromisoformat(str(o["at"]).replace("Z", "+00:00"))
        return f"{at.astimezone(UTC).strftime('%Y-%m-%d' if o.get('date_only') else minute)} {o.get('text', '')}"

    matched = _match([key(p) for p in parsed], [old_key(o) for o in olds])
    out = []
    for p, j in zip(parsed, matched, strict=True):
        old = olds[j] if j is not None else None
        at = p["at"]
        if old is not None:
            old_at = datetime.fromisoformat(str(old["at"]).replace("Z", "+00:00")).astimezone(UTC)
            shown = "%Y-%m-%d" if p["date_only"] and old.get("date_only") else minute
            if old_at.strftime(shown) == at.strftime(shown):
                at = old_at  # the seconds (or, for a day without a time, the time) the Markdown does not show
        phase = p["phase"] or (old.get("phase") if old and old.get("phase") in p["allowed"] else None) or (
            "investigation" if "investigation" in p["allowed"] else p["allowed"][0])  # fmt: skip
        evidence = r.evidence(p["n"], p["ids"], old.get("evidence") if old else None)
        out.append({"at": at.isoformat(), "phase": phase, "text": p["text"], "evidence": evidence, "date_only": p["date_only"]})
    return {"entries": _reorder(out, matched)}


def _actions(r: _Reader, f: TemplateField, lines: list[_Line], actions: dict[int, Any]) -> list[dict[str, Any]]:
    olds = [a for a in (_get(r.old, _rel(r.name, str(f.path))) or []) if isinstance(a, dict)]
    parsed: list[dict[str, Any]] = []
    for ln in lines:
        s = ln.raw.strip()
        if _empty(s) or re.fullmatch(r"\|?[\s:|-]+\|?", s):
            continue
        label, text = strip_label(ln.raw)
        if ln.raw.startswith((" ", "\t")) and label.lower() == "impact" and parsed and not parsed[-1]["table"]:
            body, ids = _cites(text)
            m = _IMPACT_TAIL.match(body)
            cur = parsed[-1]
            if m is None:
                cur["impact"] = body
            else:
                cur["impact"], cur["kind"] = m.group("impact").strip(), m.group("kind").lower()
                cur["factor_ids"] = [x.strip() for x in (m.group("ids") or "").split(",") if x.strip()]
            cur["ids"] = ids
            continue
        a = actions.get(ln.n)
        if a is None:
            if s.startswith("|"):
                continue  # the table's header row
            r.error(ln.n, ACTION_SHAPE + " with an indented `*Impact:* what it changes (prevent).` line")
            continue
        table = s.startswith("|")
        title, ids = _cites(a.title)
        group = ln.place.sub if isinstance(ln, _PlacedLine) else ""
        g = next((g for g in f.groups if norm_heading(g.heading) == norm_heading(group)), None) if group else None
        if not title:
            r.error(ln.n, ACTION_SHAPE)
            continue
        parsed.append({
            "n": ln.n, "title": title, "owner": "" if a.owner == NOT_STATED else a.owner, "due": a.due, "table": table,
            "horizons": list(g.horizons) if g else [], "kind": a.kind if table else None, "impact": None,
            "factor_ids": list(a.factor_ids) if table else [], "ids": ids if table else None,
        })  # fmt: skip
    matched = _match([p["title"] for p in parsed], [str(o.get("title", "")) for o in olds])
    out = []
    for p, j in zip(parsed, matched, strict=True):
        old = olds[j] if j is not None else {}
        due: str | None = p["due"] or None
        priority = old.get("priority")
        if due == NOT_STATED:
            due = None
            priority = None if old.get("due") is None else priority
        elif due is not None and _PRIORITY_DUE.match(due):
            priority, due = _PRIORITY_DUE.match(due).group("p"), None  # type: ignore[union-attr]
        kind = p["kind"] or old.get("kind")
        if kind is None:
            r.error(p["n"], "say what kind of action it is on its Impact line: (prevent), (mitigate), (detect), (repair) or (investigate)")
            continue
        horizon = (old.get("horizon") if old.get("horizon") in p["horizons"] else None) or (
            p["horizons"][0] if p["horizons"] else old.get("horizon") or "short_term")  # fmt: skip
        impact = p["impact"] if p["impact"] is not None else old.get("impact", "")
        out.append({
            "title": p["title"], "owner": p["owner"], "due": due, "priority": priority, "horizon": horizon,
            "kind": kind, "impact": "" if impact == NOT_STATED else impact, "factor_ids": p["factor_ids"],
            "evidence": r.evidence(p["n"], p["ids"], old.get("evidence") if old else None, claim=False),
        })  # fmt: skip
    return _reorder(out, matched[: len(out)] if len(out) == len(matched) else [None] * len(out))


@dataclass
class _PlacedLine(_Line):
    place: Place = field(default_factory=Place)


# --------------------------------------------------------------------------- reading


def _default_day(pm: PostMortem, old: dict[str, Any]) -> tuple[date | None, bool]:
    days = {str(e["at"])[:10] for e in old.get("entries") or [] if isinstance(e, dict) and e.get("at")}
    if len(days) > 1:
        return None, True
    if days:
        return date.fromisoformat(days.pop()), False
    try:
        return date.fromisoformat(pm.header.date), False
    except ValueError:
        return None, False


def _ids_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {i for k, v in value.items() for i in (v if k in ("evidence", "detailed_logs", "communication_records") and isinstance(v, list) else _ids_in(v))}
    if isinstance(value, list):
        return {i for v in value for i in _ids_in(v)}
    return set()


def _place(
    md: str, template: Template, parts: list[tuple[TemplateSection, list[TemplateField]]], r: _Reader
) -> tuple[dict[tuple[str, int], list[_Line]], MarkdownDoc]:
    """Every content line of `md` placed in the field it is under (read by the check reader); problems with
    headings and misplaced text go to `r`."""
    allowed = {s.key: fs for s, fs in parts}
    _segs, doc = segments_from_markdown(md, template)
    by_field: dict[tuple[str, int], list[_Line]] = {}
    fence = False
    current: TemplateSection | None = None
    stray: tuple[int, str] | None = None  # the last heading that is not this section's
    for n, raw in enumerate(md.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            continue
        h = None if fence else HEADING.match(raw)
        if h:
            text, level = h.group("text"), len(h.group("hashes"))
            found = template.match(text)
            if found is not None and level <= found.level:
                if found.key not in allowed:
                    r.error(n, f"“{text}” starts another section; edit one section here ({_headings(parts)})")
                current = found if found.key in allowed else None
                stray = None
                if current is not None and current.key == parts[0][0].key:
                    r.heading_line = n
                continue
            if current is not None and level > current.level:
                if any(f is current.field_for(text) or (current.group_for(text) or (None,))[0] is f for f in allowed[current.key]):
                    continue
                r.error(n, f"“{text}” is not a sub-heading of {current.heading} ({_subs(current, allowed[current.key])})")
                continue
            r.error(n, f"“{text}” is not a heading of this section ({_headings(parts)})")
            stray = (n, text)
            continue
        place = doc.places.get(n)
        if place is None:
            continue
        if not place.section:
            if stray is not None:
                r.error(n, f"this text is under “{stray[1]}” (line {stray[0]}), which is not a heading of this section")
            else:
                r.error(n, f"text before the section's heading; start with `## {parts[0][0].heading}`")
            continue
        if place.section not in allowed:
            continue  # under another section's heading (said once, at the heading)
        tsec = template.section(place.section)
        fields = allowed[place.section]
        fld = tsec.fields[place.field] if place.field >= 0 else None
        label, _ = strip_label(raw)
        inline = next((f for f in fields if f.style == "inline" and label and norm_heading(label) == norm_heading(str(f.label))), None)
        if inline is not None:
            fld = inline
        if fld is None:  # directly under the heading: a bullet is a list's item, other text the prose's
            plain = [f for f in fields if not f.label]
            listed = [f for f in plain if f.kind != "prose"] if BULLET.match(raw) else []
            chosen = listed or plain
            fld = chosen[0] if chosen else None
        if fld is None or not any(fld is f for f in fields):
            r.error(n, f"put this under one of {tsec.heading}'s sub-headings ({_subs(tsec, fields)})")
            continue
        key = (tsec.key, next(i for i, f in enumerate(tsec.fields) if f is fld))
        by_field.setdefault(key, []).append(_PlacedLine(n, raw.rstrip(), place))
    return by_field, doc


def read_section(
    md: str, pm: PostMortem, name: str, template: Template, bundle: Bundle | None = None, *, keep_untouched: bool = True
) -> SectionReading:
    """Edited Markdown of section `name` read back into the section (against `pm` as it is now). A part whose
    lines are as `section_markdown` wrote them is kept as it was unless `keep_untouched` is off."""
    if name not in SECTION_TYPES:
        raise KeyError(name)
    old_model = _current(pm, name)
    old = old_model.model_dump(mode="json")
    day, multi = _default_day(pm, old)
    r = _Reader(
        name=name, template=template, old=old, old_ids=_ids_in(old), default_day=day, multi_day=multi,
        known_ids={e.id for e in bundle.evidence} if bundle is not None else None,
    )  # fmt: skip
    parts = layout(template, name)
    original = section_markdown(pm, name, template, bundle)
    reading = SectionReading(name=name, hidden=hidden_paths(template, name))
    if keep_untouched and md == original and pm.section(name) is not None:
        return reading.model_copy(update={"section": old})
    by_field, doc = _place(md, template, parts, r)
    scratch = replace(r, problems=[], notes=[], uncited=[])
    before, _ = _place(original, template, parts, scratch)
    # a part left as it was is kept as it was (even text the reader cannot read back, such as a model's
    # Markdown inside a claim); problems the original text has on lines the edit did not touch are not repeated
    same_line: dict[int, int] = {}
    for tag, i1, i2, j1, _j2 in SequenceMatcher(None, original.splitlines(), md.splitlines(), autojunk=False).get_opcodes():
        if tag == "equal":
            same_line.update({j1 + k + 1: i1 + k + 1 for k in range(i2 - i1)})
    old_problems = {p.line for p in scratch.problems}
    r.problems = [p for p in r.problems if same_line.get(p.line) not in old_problems]

    def untouched(keys: list[tuple[str, int]]) -> bool:
        return keep_untouched and [ln.raw for k in keys for ln in by_field.get(k, [])] == [ln.raw for k in keys for ln in before.get(k, [])]

    entries = {int(e.field.split()[-1]): e for e in doc.entries if e.field.startswith("line ")}
    actions = {int(a.field.split()[-1]): a for a in doc.actions if a.field.startswith("line ")}
    data: dict[str, Any] = copy.deepcopy(old)
    timeline_lines: list[_Line] = []
    timeline_keys: list[tuple[str, int]] = []
    timeline_field: TemplateField | None = None
    for s, fields in parts:
        kvs = [f for f in fields if f.kind == "key_value"]
        kv_keys = [(s.key, i) for i, f in enumerate(s.fields) if f in kvs]
        if kvs and not untouched(kv_keys):
            kv_lines = [ln for k in kv_keys for ln in by_field.get(k, [])]
            for path, value in _key_value(r, kvs, sorted(kv_lines, key=lambda x: x.n)).items():
                _set(data, _rel(name, path), value)
        for i, f in enumerate(s.fields):
            if not any(f is x for x in fields) or f.kind == "key_value":
                continue
            lines = by_field.get((s.key, i), [])
            if f.kind == "timeline":
                timeline_lines += lines
                timeline_keys.append((s.key, i))
                timeline_field = timeline_field or f
                continue
            if untouched([(s.key, i)]):
                continue  # kept as it was (data starts from the old section)
            rel = _rel(name, str(f.path))
            vt = value_type(str(f.path))
            if f.kind == "prose":
                value = _prose(r, f, lines)
                if vt == "summary":
                    data.update(value)
                else:
                    _set(data, rel, value)
            elif f.kind == "action_items":
                _set(data, rel, _actions(r, f, lines, actions))
            elif vt == "factors":
                _set(data, rel, _factors(r, f, lines, bundle))
            elif vt == "evidence_ids":
                _set(data, rel, _evidence_ids(r, f, lines))
            else:
                _set(data, rel, _claims(r, f, lines))
    if timeline_field is not None and not untouched(timeline_keys):
        data.update(_timeline(r, timeline_field, timeline_lines, entries))
    if name == "root_cause" and bundle is not None:
        for attr in ("trigger", "primary_root_cause"):
            c, o = data.get(attr), old.get(attr)
            if isinstance(c, dict) and isinstance(o, dict) and o.get("certainty") and c.get("certainty") is None and not _empty(c["text"]):
                c["certainty"], c["sources"] = assess(c["text"], c["evidence"], bundle.evidence)
    reading = reading.model_copy(update={"notes": r.notes, "uncited": sorted(set(r.uncited))})
    if r.problems:
        return reading.model_copy(update={"problems": sorted(r.problems, key=lambda p: p.line)})
    try:
        section = SECTION_TYPES[name].model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e["loc"])
        return reading.model_copy(update={"problems": [LineNote(message=f"{name}.{where}: {e['msg']}")]})
    return reading.model_copy(update={"section": section.model_dump(mode="json")})


def _headings(parts: list[tuple[TemplateSection, list[TemplateField]]]) -> str:
    return ", ".join(f"## {s.heading}" for s, _ in parts)


def _subs(section: TemplateSection, fields: list[TemplateField]) -> str:
    names = [h for f in fields for h in ([f.label] if f.label and f.style != "inline" else []) + [g.heading for g in f.groups]]
    return ", ".join(f"### {h}" for h in names) or "no sub-headings"
