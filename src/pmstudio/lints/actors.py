"""Who counts as an actor in a sentence: names from the incident, role words and pronouns.

Names are matched case-sensitively in their capitalised form (and as written, unless the name is a
common English word such as "Will" or "May"), so "will" the verb is never a person. Roles and
pronouns come from the lexicon. Each match has a strength: `strong` (names, roles, he/she/I/you),
`ambiguous` ("they", also used for systems) or `collective` ("we": the organisation speaking).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
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
        self._roles = {w.lower() for w in a.roles}
        self._ambiguous = {w.lower() for w in a.ambiguous} | _AMBIGUOUS_ROLES
        self._collective = {w.lower() for w in a.collective}
        role_words = [w for w in a.roles if w.lower() != "i"] + list(a.ambiguous) + list(a.collective)
        parts = [rf"(?i:{words(role_words)})", "I"]
        if self.names:
            parts.insert(0, words(sorted(self.names)))
        self._regex = re.compile(rf"(?<![\w@.'’-])@?(?:{'|'.join(parts)})(?![\w-]|['’](?![sS]\b))")

    def strength(self, word: str) -> Strength | None:
        """The strength of `word` as an actor (possessive and @ stripped), or None."""
        w = re.sub(r"['’]s?$", "", word.lstrip("@"))
        if not w:
            return None
        if w in self.names:
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
            if (
                m.group(0).lower() in COMMON_WORDS
                and m.group(0) in self.names
                and _calendar(text, m.start(), m.end())
            ):
                continue  # "in May", "June 3": a date, not a person
            hits.append(ActorHit(m.start(), m.end(), strength, m.group(0)))
        return hits


_BEFORE_DATE = re.compile(
    r"\b(?:in|on|since|until|till|during|of|by|from|to|last|next|early|late|mid|this)\s+$", re.I
)


def _calendar(text: str, start: int, end: int) -> bool:
    return bool(_BEFORE_DATE.search(text[max(0, start - 12) : start]) or re.match(r"\s*\d", text[end:]))
