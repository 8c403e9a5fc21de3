"""Prompts are data: `agents/<agent>/<variant>.md` files, grouped into named prompt sets.

Each file is identified by the sha256 of its normalised body (LF line endings); every run records the
set and each prompt's hash. Released variants are frozen in `agents/prompts.lock`.
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


__all__ = ["PromptError", "PromptFile", "PromptSet", "load_prompt_file", "load_prompt_set", "prompts_dir"]


def prompts_dir() -> Path:
    """`$PMSTUDIO_PROMPTS_DIR`, else the team's `prompts = "..."` (found like the template settings:
    `[tool.pmstudio]` in pyproject.toml or `.pmstudio.toml`, here or in a parent), else the packaged library."""
    import os

    from pmstudio.config import ConfigError, discover

    if not os.environ.get("PMSTUDIO_PROMPTS_DIR"):
        try:
            team = discover().prompts_dir()
        except ConfigError as exc:
            raise PromptError(str(exc)) from None
        if team is not None:
            return team
    return resources.prompts_dir()


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


def available_sets(base: Path | None = None) -> dict[str, dict[str, object]]:
    base = base or prompts_dir()
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
    sets = available_sets(Path(base))
    if name not in sets:
        raise PromptError(f"{_sets_file(Path(base))}: unknown prompt set {name!r} (have: {', '.join(sets)})")
    spec = sets[name]
    agents = spec.get("agents") if isinstance(spec, dict) else None
    if not isinstance(agents, dict) or not agents:
        raise PromptError(f"{_sets_file(Path(base))}: prompt set {name!r} has no agents")
    files = {str(a): load_prompt_file(str(a), str(v), Path(base)) for a, v in agents.items()}
    desc = str(spec.get("description", "")) if isinstance(spec, dict) else ""
    return PromptSet(name=name, description=desc, files=files)


def load_prompt_set(name: str, base: Path | None = None) -> PromptSet:
    base = base or prompts_dir()
    # the cache key includes the newest mtime so edited files are picked up in long-lived processes
    stamp = max((p.stat().st_mtime for p in base.rglob("*") if p.is_file()), default=0.0)
    return _load_cached(name, str(base), stamp)


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
