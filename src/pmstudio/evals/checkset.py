"""The `check` corpus eval: real-shaped post-mortems with labelled spans (datasets/check/{dev,test}).

Each document `X.md` has a sidecar `X.labels.yaml`: whether it is blameless, and spans labelled blame,
counterfactual, neutral_name, placeholder, injection, section, timeline_entry, action_item (line + text).
`evaluate_split` runs the same library call as `pmstudio check` on every document and measures:

- per label kind, precision and recall of the findings on the labelled spans (a finding counts for a
  label when its text overlaps the label's text on the same line);
- per rule, how many of its findings land on a labelled span (its precision);
- how many findings land on names used neutrally (should be none);
- recall and precision of the timeline entries and action items the reader finds;
- the pass rate (exit 0) of blameless documents without placeholders, the fail rate (exit 1) of the
  blameful ones and of those with template residue.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from pmstudio.check import CheckReport, Located, check_markdown

LabelKind = Literal[
    "blame", "counterfactual", "neutral_name", "placeholder", "injection", "section", "timeline_entry", "action_item"
]
# Which rules may hit which labels. A rule's precision counts its findings on any blameful span
# (blame or counterfactual), since "Maria should have checked" is both.
BLAME_RULES = ("B1", "B2", "B3", "B4", "B5", "B9", "B10")
FAMILY: dict[str, tuple[str, ...]] = {
    "blame": BLAME_RULES,
    "counterfactual": BLAME_RULES,
    "placeholder": ("C2",),
    "injection": ("S1",),
}
TARGETS: dict[str, tuple[str, ...]] = {
    "B": ("blame", "counterfactual"),
    "C2": ("placeholder",),
    "S1": ("injection",),
}


class Span(BaseModel):
    label: LabelKind
    line: int
    text: str
    severity: str | None = None
    kind: str | None = None


class Labels(BaseModel):
    document: str
    blameless: bool
    placeholders: bool = False
    template: str | None = None
    shape: str = ""
    spans: list[Span] = Field(default_factory=list)


class Doc(BaseModel):
    name: str
    text: str
    labels: Labels


class Ratio(BaseModel):
    hit: int = 0
    total: int = 0

    @property
    def value(self) -> float | None:
        return self.hit / self.total if self.total else None


class SplitResult(BaseModel):
    split: str
    documents: int = 0
    label_recall: dict[str, Ratio] = Field(default_factory=dict)
    label_precision: dict[str, Ratio] = Field(default_factory=dict)
    rule_precision: dict[str, Ratio] = Field(default_factory=dict)
    neutral_hits: int = 0
    reader_recall: dict[str, Ratio] = Field(default_factory=dict)
    reader_precision: dict[str, Ratio] = Field(default_factory=dict)
    blameless_pass: Ratio = Field(default_factory=Ratio)
    blameful_fail: Ratio = Field(default_factory=Ratio)
    residue_fail: Ratio = Field(default_factory=Ratio)
    misses: list[str] = Field(default_factory=list, description="labelled spans no finding hit")
    false_alarms: list[str] = Field(default_factory=list, description="findings on no labelled span")
    wrong_exit: list[str] = Field(default_factory=list)


def rule_prefix(rule: str) -> str:
    m = re.match(r"^([A-Z]+\d*)", rule)
    return m.group(1) if m else rule


def load_split(folder: Path) -> list[Doc]:
    """Every `*.md` with its labels in `folder` (one-line ValueError naming the file on bad labels)."""
    docs = []
    for md in sorted(folder.glob("*.md")):
        side = md.with_suffix(".labels.yaml")
        if not side.is_file():
            continue
        try:
            labels = Labels.model_validate(yaml.safe_load(side.read_text(encoding="utf-8")))
        except (yaml.YAMLError, ValidationError) as exc:
            raise ValueError(f"{side}: invalid labels ({str(exc).splitlines()[0]})") from exc
        docs.append(Doc(name=md.name, text=md.read_text(encoding="utf-8"), labels=labels))
    return docs


def _range(lines: list[str], line: int, text: str) -> tuple[int, int, int] | None:
    if not 1 <= line <= len(lines):
        return None
    col = lines[line - 1].find(text)
    if col < 0:
        col, text = 0, lines[line - 1]
    return line, col, col + len(text)


def _overlaps(loc: Located, span: tuple[int, int, int]) -> bool:
    line, start, end = span
    if loc.line != line:
        return False
    return loc.column - 1 < end and start < loc.end_column - 1


def _entry_lines(md: str) -> tuple[list[int], list[int]]:
    """Lines of the timeline entries and action items the check's reader finds."""
    from pmstudio.lints.bodies import read_bodies
    from pmstudio.mdparse import segments_from_markdown

    _, doc = segments_from_markdown(md)
    doc = read_bodies(md, doc)

    def num(field: str) -> int:
        m = re.search(r"(\d+)", field)
        return int(m.group(1)) if m else 0

    return [num(e.field) for e in doc.entries], [num(a.field) for a in doc.actions]


def _match_lines(found: list[int], wanted: list[int]) -> tuple[int, int]:
    """(wanted lines matched, found lines matched); an entry may sit up to 2 lines after its label
    (a `### 14:02` heading whose text is the next paragraph)."""
    free = sorted(found)
    hit = 0
    used: set[int] = set()
    for w in sorted(wanted):
        for f in free:
            if f not in used and w <= f <= w + 2:
                used.add(f)
                hit += 1
                break
    return hit, len(used)


def evaluate_doc(doc: Doc, result: SplitResult, report: CheckReport | None = None) -> CheckReport:
    report = report or check_markdown(doc.text)
    lines = doc.text.splitlines()
    labels = doc.labels
    placed: list[tuple[Span, tuple[int, int, int]]] = []
    for s in labels.spans:
        r = _range(lines, s.line, s.text)
        if r is not None:
            placed.append((s, r))
    # recall per label kind
    for kind, family in FAMILY.items():
        for s, r in (p for p in placed if p[0].label == kind):
            ratio = result.label_recall.setdefault(kind, Ratio())
            ratio.total += 1
            if any(rule_prefix(loc.finding.rule) in family and _overlaps(loc, r) for loc in report.findings):
                ratio.hit += 1
            else:
                result.misses.append(f"{doc.name}:{s.line} [{kind}] {s.text}")
    # precision per rule and per label kind
    for loc in report.findings:
        prefix = rule_prefix(loc.finding.rule)
        targets = TARGETS.get("B" if prefix.startswith("B") else prefix)
        if any(_overlaps(loc, r) for s, r in placed if s.label == "neutral_name"):
            result.neutral_hits += 1
        if targets is None:
            continue
        if prefix.startswith("B") and prefix not in BLAME_RULES:
            continue  # style rules (B6-B8) are not blame claims
        ok = any(_overlaps(loc, r) for s, r in placed if s.label in targets)
        rp = result.rule_precision.setdefault(prefix, Ratio())
        rp.total += 1
        rp.hit += ok
        kind = "blame" if prefix.startswith("B") else targets[0]
        lp = result.label_precision.setdefault(kind, Ratio())
        lp.total += 1
        lp.hit += ok
        if not ok:
            f = loc.finding
            result.false_alarms.append(f"{doc.name}:{loc.line} {f.rule} [{f.severity}] {f.span[:90]}")
    # reader recall and precision (timeline entries, action items)
    entries, actions = _entry_lines(doc.text)
    for kind, found in (("timeline_entry", entries), ("action_item", actions)):
        wanted = [s.line for s in labels.spans if s.label == kind]
        hit, used = _match_lines(found, wanted)
        rr = result.reader_recall.setdefault(kind, Ratio())
        rr.hit += hit
        rr.total += len(wanted)
        rp = result.reader_precision.setdefault(kind, Ratio())
        rp.hit += used
        rp.total += len(found)
        if hit < len(wanted):
            result.misses.append(f"{doc.name}: read {hit}/{len(wanted)} {kind}s")
    # the document's exit code
    if not labels.blameless:
        result.blameful_fail.total += 1
        result.blameful_fail.hit += report.exit_code == 1
        expected = 1
    elif labels.placeholders:
        result.residue_fail.total += 1
        result.residue_fail.hit += report.exit_code == 1
        expected = 1
    else:
        result.blameless_pass.total += 1
        result.blameless_pass.hit += report.exit_code == 0
        expected = 0
    if report.exit_code != expected:
        highs = [f"{loc.finding.rule}: {loc.finding.span[:50]}" for loc in report.findings if loc.finding.severity == "high"]
        result.wrong_exit.append(f"{doc.name}: exit {report.exit_code}, expected {expected} ({'; '.join(highs[:4])})")
    return report


def evaluate_split(folder: Path, split: str | None = None) -> SplitResult:
    result = SplitResult(split=split or folder.name)
    for doc in load_split(folder):
        result.documents += 1
        evaluate_doc(doc, result)
    return result


def metric_rows(result: SplitResult) -> list[tuple[str, str, Ratio]]:
    """(metric, key, ratio) rows, the shape stored in DuckDB and printed side by side."""
    rows: list[tuple[str, str, Ratio]] = []
    for kind, r in sorted(result.label_precision.items()):
        rows.append(("precision", kind, r))
    for kind, r in sorted(result.label_recall.items()):
        rows.append(("recall", kind, r))
    for rule, r in sorted(result.rule_precision.items()):
        rows.append(("rule_precision", rule, r))
    for kind, r in sorted(result.reader_recall.items()):
        rows.append(("reader_recall", kind, r))
    for kind, r in sorted(result.reader_precision.items()):
        rows.append(("reader_precision", kind, r))
    rows.append(("exit", "blameless_pass", result.blameless_pass))
    rows.append(("exit", "blameful_fail", result.blameful_fail))
    rows.append(("exit", "residue_fail", result.residue_fail))
    rows.append(("neutral_name", "findings_on_neutral_names", Ratio(hit=result.neutral_hits, total=0)))
    return rows


def format_table(results: list[SplitResult]) -> str:
    """A plain-text table, one column per split."""
    keyed: dict[tuple[str, str], dict[str, Ratio]] = defaultdict(dict)
    order: list[tuple[str, str]] = []
    for res in results:
        for metric, key, r in metric_rows(res):
            if (metric, key) not in keyed:
                order.append((metric, key))
            keyed[(metric, key)][res.split] = r
    names = [r.split for r in results]
    head = f"{'metric':<18} {'key':<26}" + "".join(f"{n:>22}" for n in names)
    out = [head, "-" * len(head)]
    for metric, key in order:
        cells = []
        for n in names:
            got = keyed[(metric, key)].get(n)
            if got is None:
                cells.append(f"{'-':>22}")
            elif metric == "neutral_name":
                cells.append(f"{got.hit:>22}")
            else:
                v = got.value
                cells.append(f"{(f'{v:.3f}' if v is not None else 'n/a') + f' ({got.hit}/{got.total})':>22}")
        out.append(f"{metric:<18} {key:<26}" + "".join(cells))
    out.append("-" * len(head))
    out.append("documents: " + ", ".join(f"{r.split} {r.documents}" for r in results))
    return "\n".join(out)
