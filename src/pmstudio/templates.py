"""Post-mortem templates as data: one YAML declaration per template, validated here, and one registry.

A template is a list of sections (heading, aliases, level, required or optional, order). Each section
maps to a schema section (`schema:`, the findings' section) and holds fields; a field has a kind
(prose, list, key_value, timeline, action_items), the schema path it shows (`root_cause.trigger`)
and how it is laid out. The renderer (`pmstudio.render`), the Markdown reader (`pmstudio.mdparse`),
the lints' segments and outline, the dashboard's section view and the test factories loop over a
template; nothing else knows the layout. Built-ins live in `pmstudio/data/templates/*.yaml`;
`load_template` takes a built-in name or a path to a team's own YAML file.

Headings are matched tolerantly (`norm_heading`): case, numbering ("1.", "2.3", "A."), emphasis,
a trailing colon or question mark and trailing qualifiers ("(times in BST)", "- detailed") do not
count. `best_fit` picks the built-in template whose sections a Markdown document has the most of.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pmstudio.resources import data_file
from pmstudio.schema import (
    PHASES,
    SECTION_TYPES,
    ActionItem,
    Claim,
    ContributingFactor,
    FindingSeverity,
    Horizon,
    Phase,
    PostMortem,
    SummarySection,
    TimelineSection,
)

TEMPLATES_DIR = "data/templates"
DEFAULT_TEMPLATE = "seed"
OTHER_NOTES = "Other notes"
"""Heading of the final section that holds drafted content a template has no place for."""
OTHER = "supporting"
"""Where text under a heading no template knows belongs (findings' section; schema.FindingSection)."""

FieldKind = Literal["prose", "list", "key_value", "timeline", "action_items"]
Missing = Literal["high", "medium", "low", "ignore"]
Role = Literal["timeline", "actions", "factors", "prevention", "quote", "references", "impact", "narrative"]
ValueType = Literal[
    "claim", "claims", "factors", "actions", "timeline", "evidence_ids", "text", "summary", "section"
]

_KIND_TYPES: dict[str, tuple[str, ...]] = {
    "prose": ("claim", "text", "summary"),
    "list": ("claims", "factors", "evidence_ids"),
    "key_value": ("claim", "text"),
    "timeline": ("timeline",),
    "action_items": ("actions",),
}
_LINT_ID = re.compile(r"^[A-Z]\d{1,2}(?:-[a-z0-9-]+)?$")


class TemplateError(ValueError):
    """A template that cannot be loaded; the message is one line naming the file and the problem."""


# --------------------------------------------------------------------------- schema paths


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, is_list) of `X`, `X | None`, `list[X]`, `list[X] | None`."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else (annotation, False)
    if origin is list:
        return typing.get_args(annotation)[0], True
    return annotation, False


@lru_cache(maxsize=256)
def value_type(path: str) -> ValueType:
    """What a schema path (`root_cause.contributing_factors`) holds; KeyError when it does not exist."""
    model: Any = PostMortem
    parts = path.split(".")
    inner: Any = None
    is_list = False
    for i, part in enumerate(parts):
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            raise KeyError(path)
        inner, is_list = _unwrap(model.model_fields[part].annotation)
        if i < len(parts) - 1:
            if is_list:
                raise KeyError(path)
            model = inner
    if is_list:
        if inner is Claim:
            return "claims"
        if inner is ContributingFactor:
            return "factors"
        if inner is ActionItem:
            return "actions"
        if inner is str:
            return "evidence_ids"
        raise KeyError(path)
    if inner is Claim:
        return "claim"
    if inner is TimelineSection:
        return "timeline"
    if inner is SummarySection:
        return "summary"
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return "section"
    return "text"


def get_value(pm: PostMortem, path: str) -> Any:
    """The value at a schema path of `pm` (None when a section on the way failed to draft)."""
    value: Any = pm
    for part in path.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value


def path_root(path: str) -> str:
    """The schema section of a path (`root_cause` of `root_cause.trigger`), or `header`."""
    return path.split(".", 1)[0]


# --------------------------------------------------------------------------- headings


_NUMBERING = re.compile(r"^(?:(?:\d+(?:\.\d+)*|[A-Za-z]|[IVXivx]+)[.)]\s+|\d+(?:\.\d+)*\s+)")
_QUALIFIER = re.compile(r"\s*(?:\([^)]*\)|\[[^\]]*\]|[-–—:]\s+[^-–—:]*)$")


@lru_cache(maxsize=8192)
def norm_heading(text: str) -> str:
    """A heading reduced to what identifies it: no emphasis, numbering, qualifiers, case or punctuation."""
    t = re.sub(r"[*_`]", "", text).strip()
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", t)  # a heading written as a link
    t = _NUMBERING.sub("", t, count=1)
    for _ in range(2):
        stripped = _QUALIFIER.sub("", t).strip()
        if not stripped:
            break
        t = stripped
    t = t.lower().replace("&", " and ").replace("’", "'")
    t = re.sub(r"[\s:?!.]+$", "", t)
    return re.sub(r"\s+", " ", t).strip()


# (template id, normalised heading) -> (the template, kept alive so its id is never reused; its section)
_MATCHED: dict[tuple[int, str], tuple[object, TemplateSection | None]] = {}


@lru_cache(maxsize=1024)
def _normed(headings: tuple[str, ...]) -> frozenset[str]:
    return frozenset(norm_heading(h) for h in headings)


# --------------------------------------------------------------------------- the declaration


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Strict):
    """One `- **Label:** value` line of a key_value field (or of the header)."""

    label: str
    path: str
    format: Literal["text", "capitalize"] = "text"


class Group(_Strict):
    """A sub-heading of a timeline (by phase) or of action items (by horizon)."""

    heading: str
    phases: list[Phase] = Field(default_factory=list)
    horizons: list[Horizon] = Field(default_factory=list)


class TemplateField(_Strict):
    label: str | None = Field(default=None, description="sub-heading (or inline label) of the field")
    kind: FieldKind
    path: str | None = Field(default=None, description="schema path, e.g. root_cause.trigger")
    items: list[Item] = Field(default_factory=list, description="key_value lines")
    groups: list[Group] = Field(default_factory=list, description="timeline phases / action horizons")
    phases: list[Phase] = Field(default_factory=list, description="timeline: only these phases")
    style: Literal["block", "inline", "numbered", "table"] = "block"
    aliases: list[str] = Field(default_factory=list, description="other sub-headings people use for it")

    @model_validator(mode="after")
    def _check(self) -> TemplateField:
        if self.kind == "key_value":
            if not self.items or self.path:
                raise ValueError("a key_value field lists items (label + path) and has no path")
            for item in self.items:
                _check_path(item.path, "key_value")
        else:
            if not self.path:
                raise ValueError(f"a {self.kind} field needs a schema path")
            _check_path(self.path, self.kind)
        if self.style == "inline" and not self.label:
            raise ValueError("an inline field needs a label")
        return self

    @property
    def paths(self) -> list[str]:
        return [i.path for i in self.items] if self.kind == "key_value" else [str(self.path)]

    @property
    def root(self) -> str:
        return path_root(self.paths[0])

    @property
    def role(self) -> Role:
        """How the Markdown reader reads the lines under this field."""
        if self.kind == "timeline":
            return "timeline"
        if self.kind == "action_items":
            return "actions"
        vt = value_type(self.paths[0])
        if vt == "factors":
            return "factors"
        if vt == "evidence_ids":
            return "quote"
        if self.root == "actions":
            return "prevention"
        if self.paths[0].endswith("references"):
            return "references"
        if self.root == "impact":
            return "impact"
        return "narrative"

    def headings(self) -> list[str]:
        return [h for h in (self.label, *self.aliases) if h]


def _check_path(path: str, kind: str) -> None:
    try:
        vt = value_type(path)
    except KeyError:
        raise ValueError(f"unknown schema path {path!r}") from None
    if vt not in _KIND_TYPES[kind]:
        raise ValueError(f"a {kind} field cannot show {path!r} (a {vt})")


def schema_section_name(value: str) -> str:
    """A schema section given by name (`root_cause`) or type name (`RootCauseSection`)."""
    if value in SECTION_TYPES:
        return value
    for name, model in SECTION_TYPES.items():
        if model.__name__ == value:
            return name
    raise ValueError(f"unknown schema type {value!r} (one of {', '.join(SECTION_TYPES)})")


class TemplateSection(_Strict):
    key: str = Field(description="stable id of the section within its template")
    heading: str
    aliases: list[str] = Field(default_factory=list)
    level: int = Field(default=2, ge=2, le=3)
    required: bool = False
    missing: Missing | None = Field(
        default=None, description="severity when absent (default high if required)"
    )
    schema_name: str = Field(alias="schema", description="schema section it maps to (findings' section)")
    description: str = ""
    lints: list[str] = Field(default_factory=list, description="content rules that apply (C3, C6...)")
    metrics: list[str] = Field(default_factory=list, description="eval metrics that score this section")
    fields: list[TemplateField]

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("schema_name")
    @classmethod
    def _schema(cls, v: str) -> str:
        return schema_section_name(v)

    @field_validator("lints")
    @classmethod
    def _lints(cls, v: list[str]) -> list[str]:
        bad = [x for x in v if not _LINT_ID.match(x)]
        if bad:
            raise ValueError(
                f"unknown lint id {bad[0]!r} (expected a rule id such as C3 or C3-timeline-milestones)"
            )
        return v

    @field_validator("fields")
    @classmethod
    def _fields(cls, v: list[TemplateField]) -> list[TemplateField]:
        if not v:
            raise ValueError("a section needs at least one field")
        return v

    @property
    def missing_severity(self) -> Missing:
        return self.missing or ("high" if self.required else "low")

    def headings(self) -> list[str]:
        return [self.heading, *self.aliases]

    def field_for(self, heading: str) -> TemplateField | None:
        n = norm_heading(heading)
        for f in self.fields:
            if n in {norm_heading(h) for h in f.headings()}:
                return f
        return None

    def group_for(self, heading: str) -> tuple[TemplateField, Group] | None:
        n = norm_heading(heading)
        for f in self.fields:
            for g in f.groups:
                if norm_heading(g.heading) == n:
                    return f, g
        return None


class HeaderSpec(_Strict):
    title: str = "{title}"
    items: list[Item] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> HeaderSpec:
        for item in self.items:
            _check_path(item.path, "key_value")
        if "{title}" not in self.title:
            raise ValueError("header.title must contain {title}")
        return self


class Template(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = ""
    source: str = Field(description="what the structure is modelled on")
    description: str = ""
    header: HeaderSpec = Field(default_factory=HeaderSpec)
    sections: list[TemplateSection]
    path: str = Field(default="", description="file it was loaded from (set by the loader)")

    @model_validator(mode="after")
    def _unique(self) -> Template:
        if not self.sections:
            raise ValueError("a template needs at least one section")
        keys: set[str] = set()
        seen: dict[str, str] = {}
        for s in self.sections:
            if s.key in keys:
                raise ValueError(f"duplicate section key {s.key!r}")
            keys.add(s.key)
            for h in s.headings():
                n = norm_heading(h)
                if n == norm_heading(OTHER_NOTES):
                    raise ValueError(f"heading {h!r} is reserved for content the template has no place for")
                if n in seen:
                    raise ValueError(f"duplicate heading {h!r} (sections {seen[n]!r} and {s.key!r})")
                seen[n] = s.key
        return self

    # ----------------------------------------------------------------- queries

    def section(self, key: str) -> TemplateSection:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def match(self, heading: str) -> TemplateSection | None:
        """The section a heading names (tolerant match of heading or alias)."""
        n = norm_heading(heading)
        if not n:
            return None
        key = (id(self), n)
        if key not in _MATCHED:
            _MATCHED[key] = (self, next((s for s in self.sections if n in _normed(tuple(s.headings()))), None))
        return _MATCHED[key][1]

    def fields(self) -> list[tuple[TemplateSection, TemplateField]]:
        return [(s, f) for s in self.sections for f in s.fields]

    def paths(self) -> set[str]:
        """Every schema path the template shows (header items included)."""
        out = {i.path for i in self.header.items}
        for _s, f in self.fields():
            out.update(f.paths)
        return out

    def lint_ids(self) -> set[str]:
        return {x for s in self.sections for x in s.lints}


# --------------------------------------------------------------------------- registry


def _builtin_dir() -> Path:
    return data_file("templates")


def builtin_names() -> list[str]:
    """Names of the built-in templates, the default first."""
    names = sorted(p.name[:-5] for p in _builtin_dir().iterdir() if p.name.endswith(".yaml"))
    return sorted(names, key=lambda n: (n != DEFAULT_TEMPLATE, n))


def _first_error(exc: ValidationError) -> str:
    e = exc.errors()[0]
    loc = ".".join(str(x) for x in e["loc"] if not str(x).startswith("function-"))
    msg = str(e["msg"]).removeprefix("Value error, ").splitlines()[0]
    return f"{loc}: {msg}" if loc else msg


def parse_template(text: str, origin: str) -> Template:
    """A template from YAML text; TemplateError naming `origin` on any problem."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise TemplateError(f"{origin}: not valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise TemplateError(f"{origin}: a template is a YAML mapping (name, source, sections)")
    raw = {**raw, "path": origin}
    try:
        return Template.model_validate(raw)
    except ValidationError as exc:
        raise TemplateError(f"{origin}: {_first_error(exc)}") from None


@lru_cache(maxsize=32)
def _builtin(name: str) -> Template:
    ref = _builtin_dir().joinpath(f"{name}.yaml")
    return parse_template(ref.read_text(encoding="utf-8"), f"{TEMPLATES_DIR}/{name}.yaml")


def _looks_like_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.endswith((".yaml", ".yml"))


def load_template(name_or_path: str | Path | None = None, *, base: Path | None = None) -> Template:
    """A built-in template by name (default `seed`) or a team's YAML file by path (relative to `base`)."""
    if name_or_path is None or name_or_path == "":
        return _builtin(DEFAULT_TEMPLATE)
    value = str(name_or_path)
    if isinstance(name_or_path, Path) or _looks_like_path(value):
        path = Path(value)
        if base is not None and not path.is_absolute():
            path = base / path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TemplateError(f"{path}: template file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
            raise TemplateError(f"{path}: cannot read template ({reason})") from None
        return parse_template(text, str(path))
    if value not in builtin_names():
        raise TemplateError(
            f"{value}: unknown template (built-ins: {', '.join(builtin_names())}; or a path to a .yaml file)"
        )
    return _builtin(value)


def builtin_templates() -> list[Template]:
    return [_builtin(n) for n in builtin_names()]


def seed_template() -> Template:
    return _builtin(DEFAULT_TEMPLATE)


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class Fit:
    """How well a document's headings fit a template."""

    template: Template
    matched: tuple[str, ...]
    score: float
    coverage: float = 0.0

    @property
    def total(self) -> int:
        return len(self.template.sections)

    def describe(self) -> str:
        return f"{self.template.name} (best fit: {len(self.matched)}/{self.total} sections)"


_MD_HEADING = re.compile(r"^(#{2,3})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
MIN_FIT = 0.5
"""A template fits when at least half of its sections (and two) are found."""


def document_headings(md: str) -> list[str]:
    """The H2 and H3 headings of a Markdown document (outside code fences), without the ones of an
    "Other notes" or "Review Notes" section (content outside any template)."""
    out: list[str] = []
    fence = False
    skipping = False
    outside = {norm_heading(OTHER_NOTES), "review notes"}
    for line in md.splitlines():
        if _FENCE.match(line):
            fence = not fence
            continue
        m = None if fence else _MD_HEADING.match(line)
        if m:
            if len(m.group(1)) == 2:
                skipping = norm_heading(m.group(2)) in outside
            if not skipping:
                out.append(m.group(2))
    return out


def _explains(template: Template) -> set[str]:
    """Normalized headings a template accounts for: its sections' and its fields' (and groups')."""
    out = {norm_heading(h) for s in template.sections for h in s.headings()}
    out |= {norm_heading(h) for s in template.sections for f in s.fields for h in f.headings()}
    out |= {norm_heading(g.heading) for s in template.sections for f in s.fields for g in f.groups}
    return out


def fit(template: Template, headings: list[str], relevant: set[str] | None = None) -> Fit:
    """How well `headings` fit `template`: the weighted share of its sections found (required ones weigh
    more) times the share of the document's known headings the template accounts for."""
    norms = {norm_heading(h) for h in headings}
    found = [s.key for s in template.sections if norms & {norm_heading(h) for h in s.headings()}]
    weights = {"high": 3.0, "medium": 2.0, "low": 1.0, "ignore": 0.5}
    total = sum(weights[s.missing_severity] for s in template.sections)
    got = sum(weights[template.section(k).missing_severity] for k in found)
    coverage = got / total if total else 0.0
    known = norms & relevant if relevant is not None else norms & _explains(template)
    explained = len(known & _explains(template)) / len(known) if known else 0.0
    return Fit(template=template, matched=tuple(found), score=coverage * explained, coverage=coverage)


def best_fit(document: str | list[str], templates: list[Template] | None = None) -> Fit | None:
    """The built-in template (or one of `templates`) that fits a Markdown document best, or None.

    `document` is Markdown text or its list of H2/H3 headings. A template qualifies when at least half
    of its weighted sections and two sections are present; among those, the best score wins (ties: the
    registry order, the seed first).
    """
    headings = document_headings(document) if isinstance(document, str) else document
    pool = templates if templates is not None else builtin_templates()
    relevant: set[str] = set().union(*(_explains(t) for t in pool)) if pool else set()
    fits = [fit(t, headings, relevant) for t in pool]
    fits = [f for f in fits if f.coverage >= MIN_FIT and len(f.matched) >= 2]
    if not fits:
        return None
    best = max(f.score for f in fits)
    return next(f for f in fits if f.score >= best - 1e-9)


def known_sections(first: Template | None = None) -> list[tuple[Template, TemplateSection]]:
    """Every section of `first` and then of every built-in template (for reading any document)."""
    order = ([first] if first is not None else []) + [
        t for t in builtin_templates() if first is None or t.name != first.name
    ]
    return [(t, s) for t in order for s in t.sections]


PHASE_ORDER = {p: i for i, p in enumerate(PHASES)}
SEVERITY_RANK: dict[str, int] = {"high": 0, "medium": 1, "low": 2}


def cap(severity: Missing, ceiling: FindingSeverity) -> FindingSeverity | None:
    """`severity` lowered to at most `ceiling`; None for ignore."""
    if severity == "ignore":
        return None
    return severity if SEVERITY_RANK[severity] >= SEVERITY_RANK[ceiling] else ceiling
