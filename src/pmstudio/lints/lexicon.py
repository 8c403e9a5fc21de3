"""The blameless lexicon (`pmstudio/data/lexicon.yaml`) loaded into typed, compiled form.

The YAML holds the words and patterns; code holds the guards. `load_lexicon()` validates the file
and compiles every pattern once (cached); a broken file raises one clear error naming it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pmstudio.datafile import parse_yaml
from pmstudio.resources import data_file
from pmstudio.schema import FindingSeverity

LEXICON_FILE = "lexicon.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actors(_Model):
    roles: list[str]
    ambiguous: list[str]
    collective: list[str]
    extra_first_names: list[str] = Field(default_factory=list)
    not_names: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)


class B1Words(_Model):
    rule: str
    severity: FindingSeverity
    message: str
    cause_verbs: list[str]
    object_verbs: list[str]
    failure_objects: list[str]
    change_verbs: list[str]
    bad_objects: list[str]
    undo_verbs: list[str] = Field(default_factory=list)
    mistaken_objects: list[str] = Field(default_factory=list)
    omission_verbs: list[str]
    blame_adverbs: list[str]
    change_nouns: list[str]
    filler: list[str]
    by_phrases: list[str]
    without: list[str]
    patterns: list[str]
    possessive_blame: list[str]
    possessive_measures: list[str]
    suggestion: str


class B3Words(_Model):
    rule: str
    severity_narrative: FindingSeverity
    severity_other: FindingSeverity
    message: str
    modals: list[str]
    passive_people: list[str]
    person_infinitives: list[str]
    skip: list[str]
    breakers: list[str]
    suggestion: str


class PatternSpec(_Model):
    pattern: str
    suggestion: str = ""
    guard: str | None = None
    drafter: bool = True


class PatternClass(_Model):
    rule: str
    severity: FindingSeverity | None = None
    severity_action: FindingSeverity | None = None
    severity_other: FindingSeverity | None = None
    message: str
    guard: str | None = None
    negation_cues: list[str] = Field(default_factory=list)
    patterns: list[PatternSpec]


class SelfBlame(_Model):
    rule: str
    severity: FindingSeverity
    message: str
    verbs: list[str]
    suggestion: str


class Injection(_Model):
    rule: str
    severity: FindingSeverity
    severity_draft: FindingSeverity
    message: str
    patterns: list[str]


class Residue(_Model):
    rule: str
    severity: FindingSeverity
    message: str
    patterns: list[str]


class LexiconFile(_Model):
    version: int
    actors: Actors
    B1: B1Words
    B2: PatternClass
    B3: B3Words
    B4: PatternClass
    B5: PatternClass
    B6: PatternClass
    B7: PatternClass
    B8: PatternClass
    B9: PatternClass
    B10: SelfBlame
    injection: Injection
    residue: Residue


class CompiledPattern(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    regex: re.Pattern[str]
    suggestion: str
    guard: str | None
    drafter: bool = True


class Lexicon(BaseModel):
    """The validated lexicon plus compiled patterns per class (B2, B4-B8) and residue."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    data: LexiconFile
    patterns: dict[str, list[CompiledPattern]]
    residue: list[re.Pattern[str]]
    injection: list[re.Pattern[str]]
    source: str

    def cls(self, name: str) -> PatternClass:
        value = getattr(self.data, name)
        assert isinstance(value, PatternClass)
        return value


def words(items: list[str]) -> str:
    """A regex alternation of whole words/phrases (longest first, spaces match any whitespace)."""
    alts = sorted({re.escape(w).replace(r"\ ", r"\s+") for w in items}, key=len, reverse=True)
    return "(?:" + "|".join(alts) + ")"


def parse_lexicon(text: str, source: str) -> Lexicon:
    data = parse_yaml(text, source, LexiconFile, "lexicon")
    patterns: dict[str, list[CompiledPattern]] = {}
    try:
        for name in ("B2", "B4", "B5", "B6", "B7", "B8", "B9"):
            cls: PatternClass = getattr(data, name)
            patterns[name] = [
                CompiledPattern(
                    regex=re.compile(p.pattern, re.I),
                    suggestion=p.suggestion,
                    guard=p.guard or cls.guard,
                    drafter=p.drafter,
                )
                for p in cls.patterns
            ]
        residue = [re.compile(p) for p in data.residue.patterns]
        injection = [re.compile(p, re.M) for p in data.injection.patterns]
    except re.error as exc:
        raise ValueError(f"{source}: invalid pattern ({exc})") from exc
    return Lexicon(data=data, patterns=patterns, residue=residue, injection=injection, source=source)


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> Lexicon:
    """The packaged lexicon, or the one at `path`."""
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"{path}: cannot read lexicon ({exc.strerror})") from exc
        return parse_lexicon(text, path)
    ref = data_file(LEXICON_FILE)
    return parse_lexicon(ref.read_text(encoding="utf-8"), f"pmstudio/data/{LEXICON_FILE}")
