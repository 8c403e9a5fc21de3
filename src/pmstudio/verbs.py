"""The imperative verbs that can open an action item, loaded once from `pmstudio/data/verbs.yaml`.

One list for every user: the offline drafter (a follow-up that already opens with one of these keeps its wording,
anything else is made "Add ...") and the action-item hygiene metric (a verb-first title). `ALSO_NOUNS` are the
listed verbs that as often head a noun phrase ("log retention", "release notes"). The file is validated when
loaded; a broken file raises one error naming it.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from pmstudio.datafile import parse_yaml
from pmstudio.resources import data_file

VERBS_FILE = "verbs.yaml"
_WORD = re.compile(r"^[a-z]+(?:-[a-z]+)?$")


class VerbsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    verbs: list[str]
    also_nouns: list[str]

    @field_validator("verbs", "also_nouns")
    @classmethod
    def _base_forms(cls, verbs: list[str]) -> list[str]:
        bad = [v for v in verbs if not _WORD.match(v)]
        if bad:
            raise ValueError(f"not a lower-case word: {', '.join(map(repr, bad[:5]))}")
        twice = sorted({v for v in verbs if verbs.count(v) > 1})
        if twice:
            raise ValueError(f"listed twice: {', '.join(twice)}")
        return verbs

    @model_validator(mode="after")
    def _nouns_are_verbs(self) -> VerbsFile:
        stray = sorted(set(self.also_nouns) - set(self.verbs))
        if stray:
            raise ValueError(f"also_nouns not among the verbs: {', '.join(stray)}")
        return self


def parse_verbs(text: str, source: str) -> VerbsFile:
    return parse_yaml(text, source, VerbsFile, "verbs file")


def _load() -> VerbsFile:
    path = data_file(VERBS_FILE)
    return parse_verbs(path.read_text(encoding="utf-8"), str(path))


_FILE = _load()
IMPERATIVE_VERBS: frozenset[str] = frozenset(_FILE.verbs)
"""Base-form verbs (lower case) that open an action item: "add", "rotate", "rehearse", "rate-limit"."""
ALSO_NOUNS: frozenset[str] = frozenset(_FILE.also_nouns)
"""Those of `IMPERATIVE_VERBS` that as often head a noun phrase: "log", "release", "queue", "secure"."""
