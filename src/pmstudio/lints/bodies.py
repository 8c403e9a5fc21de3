"""Timeline entries and action items read out of the section bodies of a real, hand-written post-mortem.

Teams write timelines as bullets (`- 12:31: ...`, `- 2024-01-09 14:02 UTC — ...`), tables (one time
column, or a date column and a time column), `### HH:MM` or `### 2024-03-14 17:05` sub-headings whose
entry is the next paragraph, bold times (`**16:40** - ...`), bare `09:12 UTC: ...` lines, ranges
(`02:00–02:40 UTC`), prose paragraphs that open with a time (`At 7:02 a.m. PST, ...`), date-only bullets
and bullets with the time inside the sentence (`... on June 3rd at 11:22pm UTC`). Action items are
checklists, bullets, numbered lists, `Action point:` lines or table rows; an item that is done (`[x]`,
"Done", ✅, struck through) or tracked (a URL, `#123`, `ABC-123`, `(bug T123)`, a reference link) is
recorded as such, so it never needs an owner in the document.

A section is a timeline when its heading says so (the outline's parts, or timeline words) or when at
least three of its lines open with a time; an action section when its heading names actions or
follow-ups. Fenced code, HTML comments and quotes are never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC
from typing import TypeVar

from pmstudio.lints.outline import Outline, OutlineAction, OutlineEntry, OutlineFactor
from pmstudio.mdsyntax import HEADING, table_cells
from pmstudio.timeparse import Stamp, find_date_marker, find_stamp, wall_to_utc

_TIMELINE_HEADING = re.compile(
    r"\b(?:timeline|chronology|sequence of events|events timeline|time ?line|what happened|length of downtime|"
    r"log of events|incident log|event log)\b",
    re.I,
)
_ACTION_HEADING = re.compile(
    r"\b(?:action items?|actions?|actionables?|action points?|follow[- ]?ups?|follow[- ]?up actions|remediations?|"
    r"corrective(?: and preventive)? actions?|preventive actions?|prevention actions?|next steps|what we are doing|"
    r"what are we changing|what we(?:'re| are) changing|still open|open items|to ?do)\b",
    re.I,
)
_FACTOR_HEADING = re.compile(
    r"\b(?:contributing (?:factors?|causes?|conditions?)|root causes(?: and contributing factors)?|why it happened|"
    r"^causes$|^factors$|why (?:did )?(?:it|this) happen)\b",
    re.I,
)
_LEAD_WORDS = re.compile(
    r"^(?P<lead>\s*(?:[-*+•]\s+|\d{1,3}[.)]\s+)?(?:\*\*|__)?\s*(?:(?:at|around|about|approximately|by|from|until|"
    r"shortly\s+(?:after|before)|just\s+(?:after|before)|on)\s+))",
    re.I,
)
_YEAR_FIRST = re.compile(r"^(?P<lead>[\s#*_|>-]*)(?P<y>\d{4})\s+(?P<m>[A-Z][a-z]{2,8})\s+(?P<d>\d{1,2})\b")
_TRAILING_COLON = re.compile(r"^(?P<lead>[\s\-*+•\d.)|*_]*)(?P<clock>\d{1,2}:\d{2})(?P<colon>:)(?=\s)")
_BULLET = re.compile(r"^(?P<indent>\s*)(?:[-*+•]|\d{1,3}[.)])\s+")
TASK_BOX = r"\[(?P<mark>[ xX✓✔])\]"
"""A task list's box, empty or ticked ("[ ]", "[x]", "[✓]"), as a regex with its mark as group `mark`."""
_CHECKBOX = re.compile(rf"^\s*(?:[-*+•]|\d{{1,3}}[.)])\s+{TASK_BOX}\s*")
_ACTION_POINT = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:\*\*)?action(?:\s+point|\s+item)?(?:\*\*)?\s*:\s*(?P<body>.+)$", re.I
)
_DONE = re.compile(
    r"✅|☑|✔|\[(?:x|X)\]|\(\s*(?:done|completed|closed|fixed|finished)\b[^)]*\)|\*\*\(?\s*(?:done|completed)\b"
    r"|\b(?:done|completed|closed)\s+(?:as\s+of|on\s+\d)|(?:^|[,;:—–-]\s*|\.\s+)(?:done|completed|closed)\s*[.)]?\s*$"
    r"|\b(?:has|have)\s+been\s+(?:done|completed|implemented)\b|^\s*~~.+~~",
    re.I,
)
_DONE_STATUS = re.compile(
    r"✅|☑|✔|\b(?:done|completed?|closed|fixed|resolved|shipped|merged|finished)\b", re.I
)
_TRACKER = re.compile(
    r"https?://\S+|(?<![\w/])#\d{2,}\b|\b[A-Z][A-Z0-9]{1,9}-\d{1,6}\b|\(bug\s+T?\d+\)|\bT\d{4,}\b|\bbug\s+\d{3,}\b|"
    r"\]\[[^\]]+\]|\[[^\]]+\]\([^)]+\)",
)
_OWNER = re.compile(
    r"\b(?:owner|owned by|assignee|assigned to|responsible)\s*[:=-]?\s*(?P<v>[^,;|()]+?)\s*(?=$|[,;|()]|\s[-–—]\s|\.\s|\b(?:due|priority|deadline|eta|status)\b)",
    re.I,
)
_DUE = re.compile(
    r"\b(?:due|deadline|eta|target(?: date)?)\s*[:=]?\s*(?P<v>\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8} \d{1,2}(?:, \d{4})?|Q[1-4](?: \d{4})?)",
    re.I,
)
_PRIORITY = re.compile(r"\b(?P<p>P[0-4])\b|\bpriority\s*[:=]?\s*(?P<v>\w+)", re.I)
_FACTOR_ID = re.compile(r"\b(?:CF|F)-?\d{1,2}\b")
_KIND = re.compile(r"\b(prevent|mitigate|detect|repair|investigate|process)\w*", re.I)
_ITEM_COLUMNS = (
    "action item",
    "action",
    "item",
    "title",
    "task",
    "description",
    "follow-up",
    "remediation",
    "what",
    "change",
)
_OWNER_COLUMNS = ("owner", "owners", "assignee", "assigned to", "responsible", "owner role", "who")
_DUE_COLUMNS = ("due", "due date", "deadline", "eta", "target date", "when")
_STATUS_COLUMNS = ("status", "state", "done", "progress")
_TRACKER_COLUMNS = ("bug", "ticket", "issue", "reference", "link", "tracker", "jira", "id")


@dataclass
class Section:
    heading: str
    level: int
    lines: list[tuple[int, str]] = field(default_factory=list)


def sections(md: str) -> list[Section]:
    """H2 sections (H3 and deeper stay inside their H2), without fences, comments and quotes; the text
    before the first H2 is a section with an empty heading."""
    out = [Section("", 1)]
    fence = False
    comment = False
    for n, raw in enumerate(md.splitlines(), 1):
        line = raw.rstrip()
        stripped = line.strip()
        if comment:
            comment = "-->" not in stripped
            continue
        if stripped.startswith("<!--"):
            comment = "-->" not in stripped
            continue
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence or stripped.startswith(">"):
            continue
        h = HEADING.match(line)
        if h and (
            len(h.group("hashes")) <= 2
            or (
                _TIMELINE_HEADING.search(h.group("text"))
                or _ACTION_HEADING.search(h.group("text"))
                or _FACTOR_HEADING.search(h.group("text"))
            )
            and _stamp_at_start(h.group("text")) is None
        ):
            out.append(Section(h.group("text"), len(h.group("hashes"))))
            continue
        out[-1].lines.append((n, line))
    return out


def _normalise(line: str) -> str:
    """Shapes `find_stamp` does not read at the start of a line, rewritten in place of the original."""
    m = _TRAILING_COLON.match(line)
    if m:
        line = line[: m.end("clock")] + " " + line[m.end("colon") :]  # "- 12:31: text"
    m = _YEAR_FIRST.match(line)
    if m:
        line = f"{m.group('lead')}{m.group('m')} {m.group('d')} {m.group('y')}{line[m.end() :]}"  # "2024 March 3 22:52"
    return line


def _table_cells(line: str) -> list[str] | None:
    s = line.strip()
    if not s.startswith("|"):
        return None
    return table_cells(s)


def _stamp_at_start(line: str) -> tuple[Stamp, str] | None:
    """A time (with or without a date) opening `line`, and the text after it."""
    norm = _normalise(line)
    cells = _table_cells(norm)
    if cells is not None:
        if len(cells) >= 2 and re.fullmatch(r"[-:| ]*", "".join(cells)) is None:
            first = cells[0].strip("*_ ")
            date = find_date_marker(first)
            if date is not None and len(cells) >= 3 and find_stamp(cells[1].strip("*_ ")) is not None:
                joined = f"{first} {cells[1].strip('*_ ')}"
                stamp = find_stamp(joined)
                if stamp is not None:
                    return stamp, " | ".join(c for c in cells[2:] if c)
            stamp = find_stamp(first)
            if stamp is not None and not stamp.date_only:
                return stamp, " | ".join(c for c in cells[1:] if c)
        return None
    for candidate in (
        norm,
        _LEAD_WORDS.sub(lambda m: re.sub(r"\S+\s+$", "", m.group("lead")) + " ", norm, count=1),
    ):
        stamp = find_stamp(candidate)
        if stamp is not None and not stamp.date_only:
            rest = re.sub(r"^(?:\*\*|__)?\s*(?:[\]|)]\s*)?(?:[-–—:|,]\s*)?", "", candidate[stamp.end :])
            rest = re.sub(r"^[–—-]\s*\d{1,2}:\d{2}(?:\s*[A-Z]{2,4})?\s*[:,–—-]?\s*", "", rest)  # range end
            return stamp, rest.strip()
    return None


_PHASE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "resolution",
        re.compile(
            r"\b(?:resolved|recover(?:ed|s|y complete)|back\s+to\s+(?:normal|baseline)|all\s+clear|fully\s+operational|"
            r"(?:works?|succeed(?:s|ed)?|flow(?:s|ing)?|reachable|normal|green|available|online|up)\s+again|caught\s+up|"
            r"outage\s+ends|incident\s+(?:resolved|closed)|closes?\s+the\s+incident|reconnected|fix\s+confirmed|"
            r"confirmed\s+(?:fixed|on\s+production)|(?:files?|exports?)\s+delivered|the\s+last\s+\w+\s+delivered|"
            r"error\s+rates?\s+(?:back|returned)|queues?\s+(?:are\s+)?empty|cleared|takes?\s+(?:read\s+)?traffic\s+again|"
            r"service\s+restored|the\s+site\s+(?:shows|is\s+back)|is\s+back|are\s+back|reconciled|(?:\w+\s+)fixed\s*[.;]?$)\b",
            re.I,
        ),
    ),
    (
        "mitigation",
        re.compile(
            r"\b(?:roll(?:ed|s)?\s+back|rollback|revert(?:ed|s)?|disabled?|paused?|pinned|restart(?:ed|s)|fail(?:ed|s)?\s+over|"
            r"drain(?:ed|s)|scaled|switched\s+off|workaround|hotfix|patched|rate-?limit(?:ed|s)?|throttled|blocked|"
            r"fix(?:es)?\s+(?:merged|applied|deployed|shipped|live)|deploy(?:ed|s)?\s+(?:the\s+)?fix|(?:new|fresh)\s+"
            r"(?:certificate|replica|cluster|token|key)|restor(?:ed|es)|re-?enabl(?:ed|es)|rebuil(?:t|ds?)|re-?ran|re-?runs?|"
            r"promot(?:ed|es)|makes?\s+the\s+app\s+unavailable|stops?\s+the\s+rollout|flag\s+(?:changed|disabled)|"
            r"(?:changed|corrected|updated)\s+to|installed|uploaded|removed|deleted|cancell?ed|points?\s+`?\w+`?\s+at)\b",
            re.I,
        ),
    ),
    (
        "detection",
        re.compile(
            r"\b(?:alert(?:s|ed|ing)?|alarm|paged?|pages|pager|notic(?:ed?|es)|report(?:s|ed)?|detect(?:ed|s)|spott(?:ed|s)|"
            r"discover(?:ed|s)|monitor(?:ing)?\s+(?:saw|sees|shows|first)|first\s+(?:report|sign|error)|opens?\s+(?:an?\s+)?"
            r"(?:issue|ticket|task|incident)|(?:task|ticket|issue)\s+\S+\s+filed|filed|raised|flagged|acknowledg(?:ed|es)|"
            r"incident\s+(?:opened|declared)|asks?\s+why|tells?\s+(?:us|\w+)\s+(?:that|on)|sees?\s+(?:the\s+)?error|"
            r"contacts?\s+support|calls?\s+the\s+service\s+desk|complain(?:s|ed)?|raises?|identified|investigating|"
            r"first\s+(?:\w+\s+){0,2}(?:calls?|complaints?|tickets?|messages?|questions?|reports?|errors?))\b",
            re.I,
        ),
    ),
)


def phase_of(group: str, text: str) -> str | None:
    """The phase of a timeline entry: the Markdown reader's reading first, then wider vocabulary."""
    from pmstudio.mdparse import _phase

    found = _phase(group, text)
    if found:
        return found
    for phase, words in _PHASE_WORDS:
        if words.search(text):
            return phase
    return None


def _entry(stamp: Stamp, text: str, n: int, group: str, time_text: str) -> OutlineEntry:
    utc = wall_to_utc(stamp.value.date(), stamp.value.time(), stamp.zone or UTC)  # a bare date is a placeholder
    at = utc if stamp.has_year else None
    clock = utc.hour * 60 + utc.minute
    text = re.sub(r"\s*\|\s*$", "", text).strip()
    return OutlineEntry(
        field=f"line {n}", time_text=time_text, at=at, clock=clock, phase=phase_of(group, text),
        group=group or "Timeline", text=text,
    )  # fmt: skip


def _is_timeline(sec: Section, present: list[str]) -> bool:
    if _TIMELINE_HEADING.search(sec.heading):
        return True
    led = sum(1 for _, line in sec.lines if line.strip() and _stamp_at_start(line) is not None)
    return led >= 3


def read_timeline(sec: Section) -> list[OutlineEntry]:
    """Timeline entries of one section (assumed to be a timeline)."""
    out: list[OutlineEntry] = []
    lines = sec.lines
    group = sec.heading
    i = 0
    while i < len(lines):
        n, line = lines[i]
        h = HEADING.match(line)
        if h:
            text = h.group("text")
            found = _stamp_at_start(text)
            date = find_date_marker(text) if found is None else None
            if found is not None or date is not None:
                body = ""
                for _, nxt in lines[i + 1 :]:
                    if HEADING.match(nxt):
                        break
                    if nxt.strip():
                        body = nxt.strip()
                        break
                stamp = found[0] if found else date
                assert stamp is not None
                rest = (found[1] if found else "") or body
                out.append(_entry(stamp, rest, n, group, text.strip()))
            else:
                group = text
            i += 1
            continue
        stripped = line.strip()
        if not stripped or re.fullmatch(r"\|?[\s:|-]+\|?", stripped):
            i += 1
            continue
        found = _stamp_at_start(line)
        if found is not None:
            stamp, rest = found
            out.append(_entry(stamp, rest, n, group, stripped[:40]))
        elif _BULLET.match(line) and not _BULLET.match(line).group("indent"):  # type: ignore[union-attr]
            date = find_date_marker(
                re.sub(r"^(\s*(?:[-*+•]|\d{1,3}[.)])\s+)(\d{4}-\d{2}-\d{2}):", r"\1\2", line)
            )
            inner = find_stamp(line, anywhere="any")
            if date is not None:
                rest = re.sub(r"^[\s:–—-]+", "", line[date.end :]).strip()
                out.append(_entry(date, rest, n, group, stripped[:40]))
            elif inner is not None:
                out.append(_entry(inner, _BULLET.sub("", line).strip(), n, group, stripped[:40]))
        i += 1
    return out


def _done(text: str) -> bool:
    return bool(_DONE.search(text))


def _tracker(text: str) -> str:
    m = _TRACKER.search(text)
    return m.group(0) if m else ""


def _action(
    title: str, body: str, n: int, *, done: bool, tracker: str, owner: str = "", due: str = ""
) -> OutlineAction:
    prio = _PRIORITY.search(body)
    om = _OWNER.search(body) if not owner else None
    dm = _DUE.search(body) if not due else None
    kind = re.search(r"\((prevent|mitigate|detect|repair|investigate)\)", body, re.I)
    return OutlineAction(
        field=f"line {n}",
        title=title.strip(),
        owner=owner or (om.group("v").strip().strip("*_") if om else ""),
        due=due or (dm.group("v") if dm else ""),
        priority=(prio.group("p") or prio.group("v") or "") if prio else "",
        kind=kind.group(1).lower() if kind else None,
        factor_ids=_FACTOR_ID.findall(body),
        done=done,
        tracker=tracker,
    )


def _title(body: str) -> str:
    bold = re.match(r"\*\*(?P<t>.+?)\*\*", body)
    if bold:
        return bold.group("t")
    return re.split(r"\s[-–—|]\s|\s\(|\s\*\*\(|\bOwner\s*:", body, maxsplit=1)[0].strip()


def read_actions(sec: Section) -> list[OutlineAction]:
    """Action items of one section (assumed to be an action section)."""
    out: list[OutlineAction] = []
    header: list[str] | None = None
    for n, line in sec.lines:
        stripped = line.strip()
        cells = _table_cells(line)
        if cells is not None:
            low = [c.lower().strip("*_# ") for c in cells]
            if header is None and any(c in _ITEM_COLUMNS or c in _OWNER_COLUMNS for c in low):
                header = low
                continue
            if header is None or re.fullmatch(r"\|?[\s:|-]+\|?", stripped):
                continue
            out.append(_row(header, cells, n))
            continue
        header = None
        ap = _ACTION_POINT.match(line)
        if ap:
            body = ap.group("body")
            out.append(_action(_title(body), body, n, done=_done(body), tracker=_tracker(body)))
            continue
        bm = _BULLET.match(line)
        if not bm or bm.group("indent"):
            continue
        cb = _CHECKBOX.match(line)
        body = line[cb.end() :] if cb else line[bm.end() :]
        if not body.strip():
            continue
        done = bool(cb and cb.group("mark") != " ") or _done(body)
        out.append(_action(_title(body), body, n, done=done, tracker=_tracker(body)))
    return out


def _row(header: list[str], cells: list[str], n: int) -> OutlineAction:
    def col(names: tuple[str, ...]) -> str:
        for i, h in enumerate(header):
            if h in names and i < len(cells):
                return cells[i].strip("*_ ")
        return ""

    title = col(_ITEM_COLUMNS) or next(
        (c.strip("*_ ") for c in cells if c.strip() and not c.strip().isdigit()), ""
    )
    row = " | ".join(cells)
    status = col(_STATUS_COLUMNS)
    done = bool(_DONE_STATUS.search(status)) or _done(title) or bool(re.fullmatch(r"~~.+~~.*", title))
    done = done or any(c.strip("* ").upper() == "DONE" or c.strip() == "✅ done" for c in cells)
    tracker = _tracker(col(_TRACKER_COLUMNS)) or col(_TRACKER_COLUMNS).strip() or _tracker(row)
    if tracker and tracker.lower() in ("todo", "**todo**", "-", "tbd", "n/a"):
        tracker = ""
    return _action(
        title, row, n, done=done, tracker=tracker, owner=col(_OWNER_COLUMNS), due=col(_DUE_COLUMNS)
    )


OutlineT = TypeVar("OutlineT", bound=Outline)


def read_bodies(md: str, outline: OutlineT) -> OutlineT:
    """`outline` with its timeline entries and action items read from the document's section bodies
    (the outline's own parts say which sections are which, with the heading words and body shape as a
    fallback). The Markdown reader's entries are kept where this finds none in a section."""
    entries: list[OutlineEntry] = []
    actions: list[OutlineAction] = []
    factors: list[OutlineFactor] = []
    for sec in sections(md):
        if _FACTOR_HEADING.search(sec.heading) and not _ACTION_HEADING.search(sec.heading):
            factors += read_factors(sec)
        if _ACTION_HEADING.search(sec.heading) and not _TIMELINE_HEADING.search(sec.heading):
            actions += read_actions(sec)
        elif _is_timeline(sec, outline.present):
            entries += read_timeline(sec)
        else:
            actions += [a for a in read_actions_points(sec)]
    # where the Markdown reader already read a section, its items stand (enriched with done/tracked)
    lines = md.splitlines()
    spans = [(sec.lines[0][0], sec.lines[-1][0]) for sec in sections(md) if sec.lines]

    def span_of(fld: str) -> tuple[int, int] | None:
        n = _line_key(fld)
        return next((sp for sp in spans if sp[0] <= n <= sp[1]), None)

    theirs_e = {span_of(e.field) for e in outline.entries}
    entries = [e for e in entries if span_of(e.field) not in theirs_e] + [
        e if e.phase else e.model_copy(update={"phase": phase_of(e.group, e.text)}) for e in outline.entries
    ]
    theirs_a = {span_of(a.field) for a in outline.actions}
    kept = []
    for a in outline.actions:
        raw = lines[_line_key(a.field) - 1] if 0 < _line_key(a.field) <= len(lines) else ""
        body = _CHECKBOX.sub("", raw) if _CHECKBOX.match(raw) else _BULLET.sub("", raw)
        done = a.done or bool(re.match(r"^\s*(?:[-*+]|\d+[.)])\s+\[[xX]\]", raw)) or _done(body)
        kept.append(a.model_copy(update={"done": done, "tracker": a.tracker or _tracker(raw)}))
    actions = [a for a in actions if span_of(a.field) not in theirs_a] + kept
    key = _line_key
    update: dict[str, object] = {
        "entries": sorted(entries, key=lambda e: key(e.field)),
        "actions": sorted(actions, key=lambda a: key(a.field)),
    }
    if len(factors) > len(outline.factors):
        update["factors"] = factors
        update["factor_ids_used"] = any(f.id for f in factors)
    return outline.model_copy(update=update)


def read_factors(sec: Section) -> list[OutlineFactor]:
    """Contributing factors listed as top-level bullets or numbered items."""
    out = []
    for n, line in sec.lines:
        bm = _BULLET.match(line)
        if not bm or bm.group("indent") or _CHECKBOX.match(line):
            continue
        body = line[bm.end() :].strip()
        label = ""
        lm = re.match(r"\*\*(?P<l>[^*]+?):?\*\*:?\s*(?P<rest>.*)$", body)
        if lm:
            label, body = lm.group("l").strip().rstrip(":"), lm.group("rest").strip()
        ids = _FACTOR_ID.findall(label + " " + body)
        if body or label:
            out.append(OutlineFactor(field=f"line {n}", id=ids[0] if ids else None, title=label, text=body))
    return out


def read_actions_points(sec: Section) -> list[OutlineAction]:
    """`Action point: ...` lines under lessons or other sections (the geth shape)."""
    out = []
    for n, line in sec.lines:
        ap = _ACTION_POINT.match(line)
        if ap:
            body = ap.group("body")
            out.append(_action(_title(body), body, n, done=_done(body), tracker=_tracker(body)))
    return out


def _line_key(fld: str) -> int:
    m = re.search(r"(\d+)", fld)
    return int(m.group(1)) if m else 0
