"""Offline text similarity for the eval metrics (timeline events, contributing factors, root cause).

Two lexical backends, no model weights, no network:

- ``tfidf`` (default): cosine of TF-IDF vectors of Snowball-stemmed content words (stop words
  dropped, a few incident synonyms merged: alert/page, outage/down/unavailable, restore/recover...;
  sublinear term frequency, smoothed IDF over the texts compared plus an optional
  reference corpus such as the incident's materials, so words every line shares count little).
- ``fuzzy``: rapidfuzz ``token_set_ratio`` over the same normalised words, scaled to 0..1. It is
  generous when one text's words are a subset of the other's, so long texts score high; use it
  for short labels only.

Every score records the backend id (``name-vN``); a change of tokenisation or weighting bumps N.
An embedding backend can be added here when a package ships its weights (none is installed).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np
import snowballstemmer
from rapidfuzz import fuzz, process

_ONCALL = re.compile(r"\bon[- ]call\b")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just me more most my no nor not
    of off on once only or other our ours out over own same she should so some such than that the their
    theirs them then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours s t don didn doesn isn wasn weren won
    wouldn couldn shouldn hasn haven hadn ll re ve d m o y via per etc e g i.e eg ie""".split()
)


# Incident vocabulary that says the same thing in different words, merged after stemming (so
# "the alert paged on-call" and "page triggered" share a term). Keys are Snowball stems.
CONCEPTS: dict[str, str] = {
    **dict.fromkeys(("alert", "page", "pager", "pagerduti", "alarm"), "~alert"),
    **dict.fromkeys(("outag", "down", "unavail", "unreach", "offlin", "5xx", "503", "502"), "~outage"),
    **dict.fromkeys(("recov", "recoveri", "restor", "resolv", "healthi"), "~recover"),
    **dict.fromkeys(("restart", "reboot", "bounc"), "~restart"),
    **dict.fromkeys(("rollback", "revert"), "~rollback"),
    **dict.fromkeys(("deploy", "releas", "rollout"), "~deploy"),
    **dict.fromkeys(("identifi", "found", "discov", "spot", "notic", "realis", "realiz", "determin"), "~identify"),
    **dict.fromkeys(("remov", "delet", "purg", "wipe"), "~remove"),
    **dict.fromkeys(("escal", "contact", "call", "phone", "ping"), "~escalate"),
    **dict.fromkeys(("acknowledg", "ack"), "~ack"),
    **dict.fromkeys(("full", "exhaust"), "~full"),
}


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def tokens(text: str) -> tuple[str, ...]:
    """Stemmed content words of `text` (lower-cased, stop words and lone letters dropped)."""
    low = _ONCALL.sub("oncall", text.lower())
    words = [w.replace("’", "'").split("'")[0] for w in _WORD.findall(low)]
    kept = [w for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    return tuple(CONCEPTS.get(w, w) for w in _stemmer().stemWords(kept))


class SimilarityBackend(Protocol):
    """Pairwise similarity of two lists of texts, each score in 0..1."""

    id: str

    def matrix(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray: ...


class TfidfCosine:
    """Cosine similarity of TF-IDF vectors (stemmed content words)."""

    id = "tfidf-cosine-v1"

    def __init__(self, reference: Iterable[str] = ()) -> None:
        self.reference = [tokens(t) for t in reference]

    def _idf(self, docs: list[tuple[str, ...]]) -> dict[str, float]:
        df: Counter[str] = Counter()
        for d in docs:
            df.update(set(d))
        n = len(docs)
        return {w: math.log((1 + n) / (1 + c)) + 1.0 for w, c in df.items()}

    def matrix(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        if not a or not b:
            return np.zeros((len(a), len(b)))
        ta, tb = [tokens(t) for t in a], [tokens(t) for t in b]
        idf = self._idf(ta + tb + self.reference)
        vocab = {w: i for i, w in enumerate(sorted({w for d in ta + tb for w in d}))}

        def vectors(docs: list[tuple[str, ...]]) -> np.ndarray:
            out = np.zeros((len(docs), max(1, len(vocab))))
            for r, d in enumerate(docs):
                for w, c in Counter(d).items():
                    out[r, vocab[w]] = (1.0 + math.log(c)) * idf[w]
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)

        return np.clip(vectors(ta) @ vectors(tb).T, 0.0, 1.0)


class FuzzyTokenSet:
    """rapidfuzz token-set ratio of the normalised words, 0..1."""

    id = "rapidfuzz-token-set-v1"

    def __init__(self, reference: Iterable[str] = ()) -> None:
        del reference  # no corpus statistics

    def matrix(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        if not a or not b:
            return np.zeros((len(a), len(b)))
        na = [" ".join(tokens(t)) for t in a]
        nb = [" ".join(tokens(t)) for t in b]
        scores = process.cdist(na, nb, scorer=fuzz.token_set_ratio, dtype=np.float64)
        return np.asarray(scores) / 100.0


BACKENDS: dict[str, type[TfidfCosine] | type[FuzzyTokenSet]] = {"tfidf": TfidfCosine, "fuzzy": FuzzyTokenSet}
DEFAULT_BACKEND = "tfidf"


def get_backend(name: str | None = None, reference: Iterable[str] = ()) -> SimilarityBackend:
    """A backend by short name (``tfidf`` or ``fuzzy``); ValueError for an unknown one."""
    key = name or DEFAULT_BACKEND
    if key not in BACKENDS:
        raise ValueError(f"unknown similarity backend {key!r} (use one of {', '.join(BACKENDS)})")
    return BACKENDS[key](reference)


def similarity_backend_id(name: str | None = None) -> str:
    """The id (name and version) of a backend, recorded with every score."""
    return BACKENDS[name or DEFAULT_BACKEND].id


def similarity(a: str, b: str, backend: SimilarityBackend | None = None) -> float:
    """Similarity of two texts (0..1)."""
    return float((backend or get_backend()).matrix([a], [b])[0, 0])
