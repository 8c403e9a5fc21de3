"""Prompts are data: `agents/<agent>/<variant>.md` files, grouped into named prompt sets.

Each file is identified by the sha256 of its normalised body (LF line endings); every run records the
set and each prompt's hash. Released variants are frozen in `agents/prompts.lock`.

Two libraries: the built-in one (the packaged / checkout `agents/`, or `$PMSTUDIO_PROMPTS_DIR` instead)
and a team's project library, `prompts = "DIR"` in the team settings (`.pmstudio.toml` or
`[tool.pmstudio]`, found from the current folder upwards like the template settings), a folder shaped
like `agents/` with its own `prompt-sets.yaml`. Its sets are listed and selected by name beside the
built-in ones; their prompt files are read from the project folder, else from the built-in library (a
team set may reuse built-in prompts and change one agent). A project never replaces a built-in silently:
a project set named like a built-in set, or a project prompt file named like a built-in one with other
content, is a `PromptError` naming both files.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from pmstudio import resources
from pmstudio.schema import PromptRef


class PromptError(Exception):
    """A prompt set or file is missing or malformed (one-line message naming the file)."""


__all__ = [
    "PromptError", "PromptFile", "PromptSet", "available_sets", "load_prompt_file", "load_prompt_set", "project_dir",
    "prompts_dir",
]


def prompts_dir() -> Path:
    """The built-in library: `$PMSTUDIO_PROMPTS_DIR`, else the packaged / checkout `agents/`."""
    return resources.prompts_dir()


def project_dir() -> Path | None:
    """The team's project library (`prompts = "DIR"` in the nearest team settings), or None. Not used when
    `$PMSTUDIO_PROMPTS_DIR` names another library (the environment wins over the team file)."""
    import os

    from pmstudio.config import ConfigError, discover

    if os.environ.get("PMSTUDIO_PROMPTS_DIR"):
        return None
    try:
        team = discover().prompts_dir()
    except ConfigError as exc:
        raise PromptError(str(exc)) from None
    if team is None or team.resolve() == prompts_dir().resolve():
        return None
    return team


class PromptFile(BaseModel):
    agent: str
    variant: str
    path: str
    body: str
    instructions: str
    sha256: str

    def ref(self) -> PromptRef:
        return PromptRef(agent=self.agent, variant=self.variant, path=self.path, sha256=self.sha256)


class PromptSet(BaseModel):
    name: str
    description: str = ""
    files: dict[str, PromptFile]

    @property
    def single_shot(self) -> bool:
        return "single_shot" in self.files

    def refs(self) -> list[PromptRef]:
        return [f.ref() for f in self.files.values()]

    def instructions(self, agent: str) -> str:
        try:
            return self.files[agent].instructions
        except KeyError:
            raise PromptError(f"prompt set {self.name!r}: no prompt for agent {agent!r}") from None

    def hash(self) -> str:
        joined = "\n".join(f"{a}={f.sha256}" for a, f in sorted(self.files.items()))
        return hashlib.sha256(joined.encode()).hexdigest()


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sha256_text(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def _strip_front_matter(body: str) -> str:
    if body.startswith("---\n"):
        end = body.find("\n---\n", 4)
        if end != -1:
            return body[end + 5 :].lstrip("\n")
    return body


def load_prompt_file(agent: str, variant: str, base: Path | None = None) -> PromptFile:
    base = base or prompts_dir()
    path = base / agent / f"{variant}.md"
    builtin = prompts_dir()
    if base.resolve() != builtin.resolve():  # a project library: its own file, else the built-in one
        own, theirs = path, builtin / agent / f"{variant}.md"
        if not own.is_file() and theirs.is_file():
            return load_prompt_file(agent, variant, builtin)
        if own.is_file() and theirs.is_file() and sha256_text(own.read_text(encoding="utf-8")) != sha256_text(
            theirs.read_text(encoding="utf-8")
        ):
            raise PromptError(f"{own}: differs from the built-in prompt {theirs} of the same name; "
                              "give the project's prompt a new variant name")
    if not path.is_file():
        raise PromptError(f"{path}: prompt file not found")
    body = normalise(path.read_text(encoding="utf-8"))
    if not body.strip():
        raise PromptError(f"{path}: prompt file is empty")
    return PromptFile(
        agent=agent,
        variant=variant,
        path=str(path.relative_to(base.parent)) if base.parent in path.parents else str(path),
        body=body,
        instructions=_strip_front_matter(body),
        sha256=sha256_text(body),
    )


def _sets_file(base: Path) -> Path:
    return base / "prompt-sets.yaml"


def libraries() -> list[Path]:
    """The prompt libraries in effect here: the built-in one, then the team's project library (if any)."""
    project = project_dir()
    return [prompts_dir(), *([project] if project is not None else [])]


def set_sources() -> dict[str, Path]:
    """Every prompt set in effect here -> the library that defines it. A project set named like a built-in
    set is a PromptError naming both files."""
    out: dict[str, Path] = {}
    for base in libraries():
        for name in _sets_in(base):
            if name in out:
                raise PromptError(f"{_sets_file(base)}: prompt set {name!r} is already a built-in set "
                                  f"({_sets_file(out[name])}); give the project's set another name")
            out[name] = base
    return out


def available_sets(base: Path | None = None) -> dict[str, dict[str, object]]:
    """The sets of `base`, or (no base) of every library in effect here, built-in first."""
    if base is None:
        return {name: _sets_in(where)[name] for name, where in set_sources().items()}
    return _sets_in(base)


def _sets_in(base: Path) -> dict[str, dict[str, object]]:
    path = _sets_file(base)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PromptError(f"{path}: prompt-set file not found") from None
    except yaml.YAMLError as exc:
        raise PromptError(f"{path}: malformed YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise PromptError(f"{path}: expected a mapping of prompt-set names")
    return data


@lru_cache(maxsize=32)
def _load_cached(name: str, base: str, stamp: float) -> PromptSet:
    sets = _sets_in(Path(base))
    if name not in sets:
        have = ", ".join(available_sets()) if Path(base) == prompts_dir() else ", ".join(sets)
        raise PromptError(f"{_sets_file(Path(base))}: unknown prompt set {name!r} (have: {have})")
    spec = sets[name]
    agents = spec.get("agents") if isinstance(spec, dict) else None
    if not isinstance(agents, dict) or not agents:
        raise PromptError(f"{_sets_file(Path(base))}: prompt set {name!r} has no agents")
    files = {str(a): load_prompt_file(str(a), str(v), Path(base)) for a, v in agents.items()}
    desc = str(spec.get("description", "")) if isinstance(spec, dict) else ""
    return PromptSet(name=name, description=desc, files=files)


def load_prompt_set(name: str, base: Path | None = None) -> PromptSet:
    if base is None:
        base = set_sources().get(name, prompts_dir())  # unknown names fail below, naming the built-in file
    # the cache key includes the newest mtime so edited files are picked up in long-lived processes
    stamp = max((p.stat().st_mtime for b in {base, prompts_dir()} for p in b.rglob("*") if p.is_file()), default=0.0)
    return _load_cached(name, str(base), stamp)


def prompt_body(ref: PromptRef) -> str | None:
    """The text of a recorded prompt (built-in or project library) whose hash is `ref.sha256`, else None."""
    for base in libraries():
        path = base / ref.agent / f"{ref.variant}.md"
        if path.is_file():
            body = normalise(path.read_text(encoding="utf-8"))
            if sha256_text(body) == ref.sha256:
                return body
    return None


def lock_path(base: Path | None = None) -> Path:
    return (base or prompts_dir()) / "prompts.lock"


def read_lock(base: Path | None = None) -> dict[str, str]:
    path = lock_path(base)
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def current_hashes(base: Path | None = None) -> dict[str, str]:
    base = base or prompts_dir()
    return {
        str(p.relative_to(base)): sha256_text(p.read_text(encoding="utf-8")) for p in sorted(base.rglob("*.md"))
    }
