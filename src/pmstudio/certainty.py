"""Certainty on claims: is a root-cause statement or contributing factor confirmed, likely, or a hypothesis?

Two signals, both from the evidence, never from the model's own wording alone:

1. **Language** of the evidence a claim rests on (and of the claim): "confirmed", "found it", "verified",
   "reproduced" read as confirmed; "probably", "likely", "seems", "looks like" as likely; "I think", "might be",
   "maybe", "theory", "not sure", "unknown", a question as a hypothesis. A hedge beats a bare assertion in the
   same line; negated confirmation ("not confirmed", "not yet determined") is a hypothesis.
2. **Independent sources**: the distinct (material, speaker) pairs among the cited evidence plus evidence
   elsewhere in the materials that says the same thing (rapidfuzz). Machine evidence (logs, alerts, pages)
   that states the fact counts as an observation.

Verdict: any hypothesis cue -> hypothesis (unless a later source confirms it); a "probably"-style hedge ->
likely (unless another source confirms); a claim no evidence states -> likely; stated plainly or confirmed by
the evidence -> confirmed. The source count is reported next to it ("likely, 2 sources"). The verdict is stored
on the claim (`Claim.certainty`, `ContributingFactor.certainty`, with `sources`) and rendered "(hypothesis)".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from pmstudio.schema import (
    NOT_STATED,
    Bundle,
    Certainty,
    Claim,
    ContributingFactor,
    Evidence,
    RootCauseSection,
)

CONFIRMED = re.compile(
    r"\b(?:confirm(?:ed|s)?|verified|reproduc(?:ed|ible)|found (?:it|the (?:culprit|cause|bug|problem|issue))|"
    r"root cause (?:is|was|found|identified)|identified (?:as|the)|definitely|certainly|proven|proved|we know|"
    r"determined|turned out|the cause (?:is|was)|caused by|is what (?:tipped|caused|broke)|that's (?:it|the)|"
    r"this is (?:it|the cause)|matches the crash|traced (?:it|to)|postmortem|post-mortem|rca)\b",
    re.I,
)
LIKELY = re.compile(
    r"\b(?:probabl[ey]|likely|most likely|seems?|seemingly|appears?|apparently|looks like|suggests?|"
    r"consistent with|presumably|should be|we believe|believed|suspected)\b",
    re.I,
)
HYPOTHESIS = re.compile(
    r"\b(?:i think|we think|i guess|guess(?:ing)?|might(?: be)?|may be|maybe|could be|possibly|perhaps|theory|"
    r"hypothes[ie]s|suspect|not sure|unsure|unclear|unknown|no idea|wonder(?:ing)?|speculat\w*|hunch|"
    r"not (?:yet )?(?:confirmed|determined|reproduced|verified|known)|cannot (?:confirm|explain)|"
    r"(?:is|was) it\b|could it|to be determined|tbd|investigating whether)\b|\?(?:\s|$)",
    re.I,
)
MACHINE_KINDS = frozenset({"log", "alerts", "pagerduty"})
CORROBORATION_RATIO = 72
"""rapidfuzz token_set_ratio at which another evidence item says the same thing as a claim."""
RETRIEVAL_RATIO = 50
"""For an uncited claim: the least token_set_ratio for an item to count as where the claim comes from."""
_CITE = re.compile(r"\s*\((?:evidence|source)s?\s*:[^)]*\)", re.I)


def language(text: str) -> Certainty | None:
    """The certainty a text's own words express, or None when it has no cue."""
    if HYPOTHESIS.search(text):
        return "hypothesis"
    if CONFIRMED.search(text):
        return "confirmed"
    if LIKELY.search(text):
        return "likely"
    return None


def supporting(text: str, cited: Sequence[str], evidence: Sequence[Evidence]) -> list[Evidence]:
    """The evidence a claim rests on: its citations plus items elsewhere that say the same thing; for a claim
    without citations (a hand-written cause), the best-matching items (at most 2, ratio >= RETRIEVAL_RATIO)."""
    by_id = {e.id: e for e in evidence}
    out = [by_id[i] for i in dict.fromkeys(cited) if i in by_id]
    clean = _CITE.sub("", text)
    if len(clean) < 12:
        return out
    scored = sorted(((fuzz.token_set_ratio(clean, e.text), e) for e in evidence if len(e.text) >= 12 and e.id not in cited),
                    key=lambda x: -x[0])  # fmt: skip
    out += [e for r, e in scored if r >= CORROBORATION_RATIO]
    if not out:
        out = [e for r, e in scored[:2] if r >= RETRIEVAL_RATIO]
    return out


def independent(items: Sequence[Evidence]) -> int:
    return len({(e.material, (e.actor or "").lower()) for e in items})


def assess(text: str, cited: Sequence[str], evidence: Sequence[Evidence]) -> tuple[Certainty, int]:
    """(certainty, independent sources) of one claim."""
    items = supporting(text, cited, evidence)
    n = independent(items)
    verdicts = [language(e.text) for e in sorted(items, key=lambda e: (e.at is None, e.at, e.id))]
    own = language(_CITE.sub("", text))
    if own == "hypothesis":
        return "hypothesis", n
    if "hypothesis" in verdicts:
        # a later confirmation settles an earlier guess ("I think it's X" ... "confirmed: X")
        last_h = max(i for i, v in enumerate(verdicts) if v == "hypothesis")
        if "confirmed" not in verdicts[last_h + 1 :]:
            return "hypothesis", n
        return "confirmed", n
    if own == "likely" or "likely" in verdicts:
        return ("confirmed" if "confirmed" in verdicts else "likely"), n
    if not items:
        return "likely", n  # nothing in the evidence states it: at best an inference
    return "confirmed", n  # stated plainly (or confirmed) by the evidence, observed by machines


def with_certainty(c: Claim, evidence: Sequence[Evidence]) -> Claim:
    if not c.text.strip() or c.text.strip() == NOT_STATED:
        return c  # an abstention states nothing, so it has no certainty
    certainty, n = assess(c.text, c.evidence, evidence)
    return c.model_copy(update={"certainty": certainty, "sources": n})


def assess_root_cause(rc: RootCauseSection | None, bundle: Bundle) -> RootCauseSection | None:
    """The root-cause section with certainty and source counts on the trigger, the cause and every factor."""
    if rc is None:
        return None
    ev = bundle.evidence
    factors: list[ContributingFactor] = []
    for f in rc.contributing_factors:
        certainty, n = assess(f"{f.description}", f.evidence, ev)
        factors.append(f.model_copy(update={"certainty": certainty, "sources": n}))
    return rc.model_copy(update={
        "trigger": with_certainty(rc.trigger, ev),
        "primary_root_cause": with_certainty(rc.primary_root_cause, ev),
        "contributing_factors": factors,
    })  # fmt: skip


def mark(certainty: str | None, sources: int | None = None) -> str:
    """How a certainty reads in Markdown: ' (hypothesis)', ' (likely, 2 sources)'; '' when unknown."""
    if not certainty:
        return ""
    if sources and sources > 1:
        return f" ({certainty}, {sources} sources)"
    return f" ({certainty})"


# --------------------------------------------------------------------------- measuring on the team's labels


def golden_claims(expected: dict[str, object]) -> dict[str, str]:
    """RC and F1..F3 of a golden case's `expected` facts, keyed as in datasets/certainty/labels.yaml."""
    out = {"RC": str(expected["root_cause"])}
    for i, f in enumerate(list(expected.get("contributing_factors") or [])[:3]):  # type: ignore[call-overload]
        out[f"F{i + 1}"] = str(f)
    return out


def agreement(labels: dict[str, dict[str, str]], predicted: dict[str, dict[str, str]]) -> tuple[int, int]:
    """(agreeing, total) over every labelled claim."""
    pairs = [(lab, predicted.get(cid, {}).get(k)) for cid, claims in labels.items() for k, lab in claims.items()]
    return sum(a == b for a, b in pairs), len(pairs)
