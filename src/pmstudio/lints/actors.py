"""Who counts as an actor in a sentence: names from the incident, role words and pronouns.

Names are matched case-sensitively in their capitalised form (and as written, unless the name is a
common English word such as "Will" or "May"), so "will" the verb is never a person. Without a people
list, personal names are still people: a capitalised word that is a first name (the US census lists
of the `names` package plus the lexicon's `extra_first_names`, minus `not_names`), and any `@handle`.
Product names written like role words ("a post on Teams") are not actors. Roles and pronouns come
from the lexicon. Each match has a strength: `strong` (names, roles, he/she/I/you), `ambiguous`
("they", also used for systems) or `collective` ("we": the organisation speaking).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from pmstudio.lints.lexicon import Lexicon, words
from pmstudio.schema import Evidence

Strength = Literal["strong", "ambiguous", "collective"]

_BOTLIKE = re.compile(
    r"(bot\b|bot$|alert|monitor|system|grafana|pagerduty|prometheus|deployer|jenkins|actions|\bci\b|cron|nagios|"
    r"datadog|sentry|opsgenie|automation|synthetic|probe|kubelet|daemon|github|status|webhook|[0-9_/])",
    re.I,
)
COMMON_WORDS = frozenset(
    "will may mark bill grant chase page rob pat sue jack frank hope faith joy dawn art ray max rose "
    "summer june april august grace sky rich guy don lane ops dev admin root user team support oncall "
    "ic sre it we us they he she you".split()
)
_AMBIGUOUS_ROLES = frozenset({"operator", "operators"})  # Kubernetes operators are programs


_CAPITALISED = re.compile(r"(?<![\w@.'’/-])(?:@[A-Za-z][\w.-]*[A-Za-z0-9]|[A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?)(?![\w-]|['’](?![sS]\b))")
_HANDLE = re.compile(r"^@[A-Za-z][\w.-]*[A-Za-z0-9]$")


def _census() -> set[str]:
    out: set[str] = set()
    try:
        root = resources.files("names")
        for name in ("dist.male.first", "dist.female.first"):
            for line in root.joinpath(name).read_text(encoding="utf-8").splitlines():
                word = line.split(" ", 1)[0].strip().lower()
                if len(word) >= 3:
                    out.add(word)
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - the package is a dependency
        pass
    return out


@lru_cache(maxsize=4)
def first_names(extra: tuple[str, ...], not_names: tuple[str, ...]) -> frozenset[str]:
    """Lower-cased first names (census + extra) that are not also common words."""
    drop = set(not_names) | COMMON_WORDS
    return frozenset((_census() | set(extra)) - drop)


@dataclass(frozen=True)
class ActorHit:
    start: int
    end: int
    strength: Strength
    text: str


def name_variants(people: Iterable[str]) -> set[str]:
    """Spellings under which the people may appear in a draft."""
    out: set[str] = set()
    for raw in people:
        name = raw.strip().lstrip("@")
        if len(name) < 2 or _BOTLIKE.search(name):
            continue
        parts = [name]
        first = re.split(r"[\s._-]+", name)[0]
        if first and first != name and len(first) >= 2:
            parts.append(first)
        for part in parts:
            cap = part[0].upper() + part[1:]
            if part.lower() in COMMON_WORDS:
                if part[0].isupper() or " " in part:
                    out.add(part)
                continue
            out.update({cap, part})
    return out


def people_from_evidence(evidence: Iterable[Evidence]) -> set[str]:
    """Actors of the evidence that look like people (not bots, monitors or services)."""
    found: set[str] = set()
    for e in evidence:
        actor = (e.actor or "").strip()
        if actor and re.fullmatch(r"@?[A-Za-z][A-Za-z.' -]{1,40}", actor) and not _BOTLIKE.search(actor):
            found.add(actor)
    return found


class Actors:
    """Finds actor mentions in (masked) text and classifies single words."""

    def __init__(self, lex: Lexicon, people: Iterable[str] = ()) -> None:
        a = lex.data.actors
        self.names = name_variants(people)
        self.first_names = first_names(
            tuple(w.lower() for w in a.extra_first_names), tuple(w.lower() for w in a.not_names)
        )
        self._products = set(a.products)
        self._roles = {w.lower() for w in a.roles}
        self._ambiguous = {w.lower() for w in a.ambiguous} | _AMBIGUOUS_ROLES
        self._collective = {w.lower() for w in a.collective}
        role_words = [w for w in a.roles if w.lower() != "i"] + list(a.ambiguous) + list(a.collective)
        parts = [rf"(?i:{words(role_words)})", "I"]
        if self.names:
            parts.insert(0, words(sorted(self.names)))
        self._regex = re.compile(rf"(?<![\w@.'’-])@?(?:{'|'.join(parts)})(?![\w-]|['’](?![sS]\b))")

    def is_name(self, word: str) -> bool:
        """A personal name: a given name, an @handle, or a capitalised first name."""
        w = re.sub(r"['’]s?$", "", word)
        if w in self.names or w.lstrip("@") in self.names:
            return True
        if _HANDLE.match(w):
            return not _BOTLIKE.search(w)
        return bool(w[:1].isupper() and w[1:2].islower() and w.lower() in self.first_names)

    def strength(self, word: str) -> Strength | None:
        """The strength of `word` as an actor (possessive and @ stripped), or None."""
        w = re.sub(r"['’]s?$", "", word.lstrip("@"))
        if not w:
            return None
        if w in self.names or self.is_name(re.sub(r"['’]s?$", "", word)):
            return "strong"
        low = w.lower()
        if w == "I":
            return "strong"
        if low in self._collective:
            return "collective"
        if low in self._ambiguous:
            return "ambiguous"
        if low in self._roles and low != "i":
            return "strong"
        return None

    def find(self, text: str) -> list[ActorHit]:
        hits = []
        for m in self._regex.finditer(text):
            strength = self.strength(m.group(0))
            if strength is None:
                continue
            if m.group(0) in self._products and text[: m.start()].strip():
                continue  # "a post on Teams": the product, not a team
            if (
                m.group(0).lower() in COMMON_WORDS
                and m.group(0) in self.names
                and _calendar(text, m.start(), m.end())
            ):
                continue  # "in May", "June 3": a date, not a person
            hits.append(ActorHit(m.start(), m.end(), strength, m.group(0)))
        for m in _CAPITALISED.finditer(text):
            word = m.group(0)
            if any(h.start <= m.start() < h.end for h in hits) or not self.is_name(word):
                continue
            if word.lower() in COMMON_WORDS and _calendar(text, m.start(), m.end()):
                continue
            if _product_use(text, m.end()):
                continue  # "Travis CI", "Jenkins job"
            hits.append(ActorHit(m.start(), m.end(), "strong", word))
        return sorted(hits, key=lambda h: h.start)


_PRODUCT_AFTER = re.compile(
    r"\s+(?:CI|bot|job|jobs|server|servers|cluster|pipeline|pipelines|build|builds|agent|agents|instance|"
    r"instances|node|nodes|service|api|API|app|dashboard|plugin|runner|runners|worker|workers)\b"
)


def _product_use(text: str, end: int) -> bool:
    return bool(_PRODUCT_AFTER.match(text, end))


_BEFORE_DATE = re.compile(
    r"\b(?:in|on|since|until|till|during|of|by|from|to|last|next|early|late|mid|this)\s+$", re.I
)


def _calendar(text: str, start: int, end: int) -> bool:
    return bool(_BEFORE_DATE.search(text[max(0, start - 12) : start]) or re.match(r"\s*\d", text[end:]))
