"""Golden cases: load and validate the YAML files of the golden set (format version 1).

A golden case is an incident's raw materials plus the facts a correct post-mortem must contain
(`/work/shared/golden-case-format.md`, summarised in `datasets/README.md`). `load_case` parses one
file and rejects a bad one with :class:`GoldenCaseError` (one line, ``"<file>: <problem>"``);
`validate_case` lists every problem: schema, id = file stem, 6-15 key events, every key event
findable in the materials (an evidence item from ingest within ±2 min, or on the same day for a
"(date only)" event), every number of ``expected.impact`` present in the materials, and
``duration_minutes`` consistent with ``started_at``/``resolved_at``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, get_args

from dateutil import parser as dateparser
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from pmstudio.schema import Evidence, Material, Phase, Severity

FailureClass = Literal[
    "deploy_config",
    "database_storage",
    "network_dns_bgp",
    "certificate_expiry",
    "capacity_overload",
    "cascading_failure",
    "data_loss_backup",
    "dependency_third_party",
    "cloud_region",
    "security_operational",
    "other",
]
FAILURE_CLASSES: tuple[str, ...] = get_args(FailureClass)
DATE_ONLY_MARK = "(date only)"
KEY_EVENT_TOLERANCE = timedelta(minutes=2)
MIN_KEY_EVENTS, MAX_KEY_EVENTS = 6, 15
MIN_LINES, MAX_LINES = 40, 400
_KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MILESTONES = ("started_at", "detected_at", "mitigated_at", "resolved_at")


class GoldenCaseError(ValueError):
    """A golden case that cannot be used; ``str(e)`` is one line: ``"<file>: <problem>"``."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{source}: {self.problem}")


def _aware_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a timezone (ISO 8601 with Z or an offset)")
    return value.astimezone(UTC)


class KeyEvent(BaseModel):
    """An event a good timeline must contain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime | None = Field(description="None: the source states the fact but not its time (matched by text)")
    what: str = Field(min_length=1)
    phase: Phase

    @field_validator("at")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        return _aware_utc(v)

    @property
    def date_only(self) -> bool:
        """The source gives a day, not a time: match it at day level."""
        return DATE_ONLY_MARK in self.what


class Expected(BaseModel):
    """The facts of the public post-mortem; None (or empty) where the source is silent."""

    model_config = ConfigDict(extra="forbid")

    severity: Severity | None = None
    started_at: datetime | None = None
    detected_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    duration_minutes: int | None = Field(default=None, ge=0)
    impact: str | None = None
    trigger: str | None = None
    root_cause: str | None = None
    contributing_factors: list[str] = Field(default_factory=list)
    key_events: list[KeyEvent]
    action_items: list[str] | None = None
    people: list[str] = Field(default_factory=list)

    @field_validator(*_MILESTONES)
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        return _aware_utc(v)

    @field_validator("contributing_factors", "people", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return [] if v is None else v

    def milestone(self, name: str) -> datetime | None:
        value = getattr(self, name)
        return value if isinstance(value, datetime) else None

    def milestone_date_only(self, name: str) -> bool:
        """A milestone at 00:00:00Z that a "(date only)" key event shares: match it at day level."""
        at = self.milestone(name)
        return at is not None and any(k.date_only and k.at == at for k in self.key_events)


class GoldenCase(BaseModel):
    """One golden case: materials (a valid bundle) and the expected facts."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    source: str
    failure_class: FailureClass
    timezone: str = "UTC"
    materials: list[Material] = Field(min_length=1)
    expected: Expected

    _path: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The file it was loaded from (None when built in code)."""
        return self._path

    @property
    def label(self) -> str:
        return str(self._path) if self._path is not None else self.id


# --------------------------------------------------------------------------- loading


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "case"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {err['msg']}{more}"


def parse_case(data: Any, source: str = "<case>") -> GoldenCase:
    """A `GoldenCase` from parsed YAML; schema errors raise `GoldenCaseError` (no findability checks)."""
    if not isinstance(data, dict):
        raise GoldenCaseError(source, "not a golden case: expected a mapping with id, materials and expected")
    try:
        return GoldenCase.model_validate(data)
    except ValidationError as exc:
        raise GoldenCaseError(source, _first_error(exc)) from None


def load_case(path: str | Path, *, validate: bool = True) -> GoldenCase:
    """Load one golden YAML; with `validate`, every problem of `validate_case` rejects it."""
    from pmstudio.parsers import BundleError
    from pmstudio.parsers.files import load_yaml, read_text

    p = Path(path)
    source = str(p)
    try:
        data = load_yaml(read_text(p, source, 64 * 1024 * 1024), source)
    except BundleError as exc:
        raise GoldenCaseError(source, exc.problem) from None
    case = parse_case(data, source)
    case._path = p
    if validate:
        problems = validate_case(case)
        if problems:
            more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
            raise GoldenCaseError(source, problems[0] + more)
    return case


def load_dataset(folder: str | Path, *, validate: bool = True, only: Collection[str] | None = None) -> list[GoldenCase]:
    """Every `*.yaml`/`*.yml` case of `folder`, sorted by id; the first bad case raises.

    With `only`, just those case ids are loaded and validated (a broken case that was not asked for does not
    stop the run); an id that is in no file raises."""
    root = Path(folder)
    if not root.is_dir():
        raise GoldenCaseError(str(root), "no such dataset folder")
    files = sorted([*root.glob("*.yaml"), *root.glob("*.yml")])
    if only is not None:
        wanted = set(only)
        picked = [f for f in files if f.stem in wanted]
        if {f.stem for f in picked} != wanted:  # ids that are not file names: find them by parsing only
            by_id = {load_case(f, validate=False).id: f for f in files if f not in picked}
            picked += [by_id[i] for i in sorted(wanted - {f.stem for f in picked}) if i in by_id]
        missing = sorted(wanted - {load_case(f, validate=False).id for f in picked})
        if missing:
            raise GoldenCaseError(str(root), f"no case with id {', '.join(missing)}")
        files = sorted(picked)
    cases = [load_case(f, validate=validate) for f in files]
    seen: dict[str, str] = {}
    for c in cases:
        if c.id in seen:
            raise GoldenCaseError(c.label, f"duplicate id {c.id!r} (also in {seen[c.id]})")
        seen[c.id] = c.label
    return sorted(cases, key=lambda c: c.id)


# --------------------------------------------------------------------------- validation


def case_evidence(case: GoldenCase) -> list[Evidence]:
    """The evidence ingest parses from the case's materials (unredacted: only times matter here)."""
    from pmstudio.ingest import bundle_from_materials

    bundle, _ = bundle_from_materials(
        list(case.materials), id=case.id, timezone=case.timezone, title=case.title, redact=False
    )
    return bundle.evidence


def _text_dates(text: str) -> set[date]:
    from pmstudio.lints.quantities import DATE

    out: set[date] = set()
    for m in DATE.finditer(text):
        try:
            out.add(dateparser.parse(m.group(0).replace("/", "-") if m.group(0)[:4].isdigit() else m.group(0)).date())
        except (ValueError, OverflowError):
            continue
    return out


def _findable(at: datetime, date_only: bool, points: list[datetime], dates: set[date], tz: Any) -> bool:
    if date_only:
        day = at.date()
        return day in dates or any(p.date() == day or p.astimezone(tz).date() == day for p in points)
    return any(abs(p - at) <= KEY_EVENT_TOLERANCE for p in points)


def _numbers_missing(impact: str, materials_text: str) -> list[str]:
    from pmstudio.lints.quantities import find_numbers

    have = {n.value for n in find_numbers(materials_text)}
    raw = set(re.findall(r"\d+(?:[.,]\d+)*", materials_text))
    missing = []
    for n in find_numbers(impact):
        if n.value in have or n.text.rstrip("%").strip() in raw or n.text.replace(",", "") in raw:
            continue
        missing.append(n.text)
    return missing


def validate_case(case: GoldenCase, *, evidence: list[Evidence] | None = None) -> list[str]:
    """Every problem of `case` as a short sentence (empty when the case is usable)."""
    from pmstudio.timeparse import zone

    problems: list[str] = []
    if case.path is not None and case.id != case.path.stem:
        problems.append(f"id {case.id!r} must equal the file name without .yaml ({case.path.stem!r})")
    if not _KEBAB.match(case.id):
        problems.append(f"id {case.id!r} is not kebab-case")
    try:
        tz = zone(case.timezone)
    except ValueError as exc:
        return [*problems, str(exc)]
    ex = case.expected
    n = len(ex.key_events)
    if not MIN_KEY_EVENTS <= n <= MAX_KEY_EVENTS:
        problems.append(f"{n} key events (expected {MIN_KEY_EVENTS}-{MAX_KEY_EVENTS})")
    lines = sum(len(m.content.splitlines()) for m in case.materials)
    if not MIN_LINES <= lines <= MAX_LINES:
        problems.append(f"{lines} lines of materials (expected {MIN_LINES}-{MAX_LINES})")
    names = [m.name for m in case.materials]
    dupes = sorted({x for x in names if names.count(x) > 1})
    if dupes:
        problems.append(f"duplicate material name {dupes[0]!r}")
        return problems
    if evidence is None:
        from pmstudio.parsers import BundleError

        try:
            evidence = case_evidence(case)
        except BundleError as exc:
            return [*problems, f"materials do not parse ({exc})"]
    points = sorted({t for e in evidence for t in (e.at, e.last_at) if t is not None})
    text = "\n".join(m.content for m in case.materials)
    dates = _text_dates(text)
    for i, k in enumerate(ex.key_events, 1):
        if k.at is not None and not _findable(k.at, k.date_only, points, dates, tz):
            when = f"{k.at:%Y-%m-%d}" if k.date_only else f"{k.at:%Y-%m-%d %H:%M} UTC"
            problems.append(f"key event {i} ({when}, {k.what[:60]!r}) has no evidence item within ±2 min")
    for name in _MILESTONES:
        at = ex.milestone(name)
        if at is not None and not _findable(at, ex.milestone_date_only(name), points, dates, tz):
            problems.append(f"expected.{name} {at:%Y-%m-%d %H:%M} UTC has no evidence item within ±2 min")
        elif at is not None and at.time() == time(0) and not any(k.at == at for k in ex.key_events):
            # a date-only fact is scored at day level only through its key event; without one it would be scored
            # as exactly midnight
            problems.append(
                f"expected.{name} {at:%Y-%m-%d} 00:00 UTC is shared by no key event "
                f"(a date-only fact needs a key event at that midnight marked {DATE_ONLY_MARK!r})"
            )
    if ex.impact:
        missing = _numbers_missing(ex.impact, text)
        if missing:
            problems.append(f"expected.impact number(s) {', '.join(missing)} not found in the materials")
    start, end = ex.started_at, ex.resolved_at
    if start is not None and end is not None:
        if end < start:
            problems.append("expected.resolved_at is before expected.started_at")
        elif ex.duration_minutes is not None:
            real = (end - start).total_seconds() / 60
            if abs(real - ex.duration_minutes) > 1:
                problems.append(
                    f"expected.duration_minutes is {ex.duration_minutes} but started_at to resolved_at is {real:.0f}"
                )
    elif ex.duration_minutes is not None:
        problems.append("expected.duration_minutes is given without both started_at and resolved_at")
    for a, b in (("started_at", "detected_at"), ("mitigated_at", "resolved_at"), ("detected_at", "resolved_at")):
        ta, tb = ex.milestone(a), ex.milestone(b)
        if ta is not None and tb is not None and ta > tb + KEY_EVENT_TOLERANCE:
            problems.append(f"expected.{a} is after expected.{b}")
    lowered = text.lower()
    absent = [p for p in ex.people if p.strip().lower() not in lowered]
    if absent:
        problems.append(f"expected.people {', '.join(absent)} not named in the materials")
    return problems
