"""A team's settings, found the way ruff finds its own: `.pmstudio.toml` or `[tool.pmstudio]` in
`pyproject.toml`, in the current directory or the nearest parent that has one.

```toml
# pyproject.toml                      # .pmstudio.toml: the same keys, without the `tool.pmstudio` prefix
[tool.pmstudio]
template = "pagerduty"                # a built-in name, or a path to a YAML file (relative to this file)

[tool.pmstudio.check]
select = ["B", "C"]                   # rules to run (by id, code or prefix: "C1-missing-section", "C1", "C")
ignore = ["C9"]                       # rules to drop (the most specific selector wins, as in ruff)
severity = { "C7-few-factors" = "low" }
```

`--template NAME|PATH` on the command line wins over the file. A file that cannot be parsed, an unknown
key or a bad value is a one-line error naming the file (`ConfigError`); commands exit 2 on it. New
settings are new fields of `Settings` (unknown keys are refused, so a typo never passes silently).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pmstudio.schema import Finding, FindingSeverity
from pmstudio.templates import Template, best_fit, load_template

CONFIG_FILE = ".pmstudio.toml"
PYPROJECT = "pyproject.toml"
_SELECTOR = re.compile(r"^[A-Z]+\d*(?:-[a-z0-9-]+)?$")


class ConfigError(ValueError):
    """A settings file that cannot be used; the message is one line naming the file and the problem."""


def _selectors(values: list[str]) -> list[str]:
    bad = [v for v in values if not _SELECTOR.match(v)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a rule selector (e.g. B, C1, C1-missing-section)")
    return values


class CheckSettings(BaseModel):
    """`[tool.pmstudio.check]`: which rules `pmstudio check` reports and at what severity."""

    model_config = ConfigDict(extra="forbid")

    select: list[str] = Field(default_factory=list, description="only these rules (empty: all)")
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, FindingSeverity] = Field(
        default_factory=dict, description="rule selector -> severity"
    )

    @field_validator("select", "ignore")
    @classmethod
    def _check(cls, v: list[str]) -> list[str]:
        return _selectors(v)

    @field_validator("severity")
    @classmethod
    def _check_keys(cls, v: dict[str, FindingSeverity]) -> dict[str, FindingSeverity]:
        _selectors(list(v))
        return v


class Settings(BaseModel):
    """`[tool.pmstudio]` (or the top level of `.pmstudio.toml`)."""

    model_config = ConfigDict(extra="forbid")

    template: str | None = Field(default=None, description="built-in template name or path to a YAML file")
    check: CheckSettings = Field(default_factory=CheckSettings)
    prompts: str | None = Field(default=None, description="the team's prompt library (a folder like agents/)")
    store: str | None = Field(default=None, description="the store: a DuckDB file or ducklake:postgres:... address")


class Config(BaseModel):
    """Settings and the file they came from (None: defaults, no file found)."""

    settings: Settings = Field(default_factory=Settings)
    path: Path | None = None

    def template(self, override: str | None = None) -> Template | None:
        """The declared template: `override` (a CLI flag), else the file's; None when neither is set."""
        if override:
            return load_template(override)
        if self.settings.template:
            assert self.path is not None
            try:
                return load_template(self.settings.template, base=self.path.parent)
            except ValueError as exc:
                raise ConfigError(f"{self.path}: template: {exc}") from None
        return None


    def prompts_dir(self) -> Path | None:
        """The team's prompt library (relative to the config file), or None when not set."""
        if not self.settings.prompts:
            return None
        assert self.path is not None
        folder = (self.path.parent / self.settings.prompts).resolve()
        if not (folder / "prompt-sets.yaml").is_file():
            raise ConfigError(f"{self.path}: prompts: {folder}/prompt-sets.yaml not found")
        return folder

    def store(self) -> str | None:
        """The team's store address (a file path relative to the config file, or a ducklake: address)."""
        value = self.settings.store
        if not value:
            return None
        assert self.path is not None
        if value.startswith("ducklake:"):
            return value
        return str((self.path.parent / Path(value).expanduser()).resolve())


def _read(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({str(exc).splitlines()[0]})") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ConfigError(f"{path}: cannot read ({reason})") from None


def _settings_in(path: Path) -> dict[str, object] | None:
    """The pmstudio settings a file holds (None: a pyproject.toml without `[tool.pmstudio]`)."""
    data = _read(path)
    if path.name == PYPROJECT:
        tool = data.get("tool")
        section = tool.get("pmstudio") if isinstance(tool, dict) else None
        if section is None:
            return None
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [tool.pmstudio] must be a table")
        return section
    return data


def find_config(start: Path | None = None) -> Path | None:
    """The nearest `.pmstudio.toml`, or `pyproject.toml` with `[tool.pmstudio]`, from `start` upwards."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / CONFIG_FILE
        if own.is_file():
            return own
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _settings_in(pyproject) is not None:
            return pyproject
    return None


def _first_error(exc: ValidationError, prefix: str) -> str:
    e = exc.errors()[0]
    loc = ".".join(str(x) for x in e["loc"])
    msg = str(e["msg"]).removeprefix("Value error, ").splitlines()[0]
    if e["type"] == "extra_forbidden":
        msg = "unknown setting"
    return f"{prefix}{loc}: {msg}" if loc else f"{prefix}{msg}"


def load_config(path: Path) -> Config:
    """Settings from one file (ConfigError on any problem)."""
    raw = _settings_in(path)
    prefix = "tool.pmstudio." if path.name == PYPROJECT else ""
    try:
        return Config(settings=Settings.model_validate(raw or {}), path=path)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_first_error(exc, prefix)}") from None


def discover(start: Path | None = None) -> Config:
    """The settings in effect in `start` (default: the current directory); defaults when none are found."""
    path = find_config(start)
    return load_config(path) if path is not None else Config()


# --------------------------------------------------------------------------- rules


def _match(selector: str, rule: str) -> bool:
    code = rule.split("-", 1)[0]
    if selector == rule or selector == code:
        return True
    return selector.isalpha() and code.startswith(selector)


def _specificity(selector: str) -> tuple[int, int]:
    return ("-" in selector, len(selector))  # type: ignore[return-value]


def apply_rules(findings: list[Finding], check: CheckSettings) -> list[Finding]:
    """Findings after `select` / `ignore` (the most specific matching selector decides) and severity overrides."""
    out = []
    for f in findings:
        chosen = [(s, True) for s in check.select if _match(s, f.rule)]
        chosen += [(s, False) for s in check.ignore if _match(s, f.rule)]
        keep = not check.select
        if chosen:
            keep = max(chosen, key=lambda c: _specificity(c[0]))[1]
        if not keep:
            continue
        overrides = [s for s in check.severity if _match(s, f.rule)]
        if overrides:
            f = f.model_copy(update={"severity": check.severity[max(overrides, key=_specificity)]})
        out.append(f)
    return out


class Judged(BaseModel):
    """The template a document is judged against, and why."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    template: Template | None
    declared: bool
    reason: str

    def describe(self) -> str:
        if self.template is None:
            return "no template fits; section completeness not judged"
        return f"template {self.template.name} ({self.reason})"


def judge_template(md: str, config: Config, override: str | None = None) -> Judged:
    """`--template`, else the config's template (declared), else the best-fitting built-in (or none)."""
    declared = config.template(override)
    if declared is not None:
        where = "--template" if override else str(config.path)
        return Judged(template=declared, declared=True, reason=f"declared in {where}")
    fitted = best_fit(md)
    if fitted is None:
        return Judged(template=None, declared=False, reason="no fit")
    return Judged(
        template=fitted.template,
        declared=False,
        reason=f"best fit: {len(fitted.matched)}/{fitted.total} sections",
    )
