"""The `similar` eval: is the case the team labelled most related in the top 3? (datasets/similar)

`labels.yaml` names, for each golden case, the other golden case the team judges most related (written
before `pmstudio similar` existed). `split.yaml` freezes a test part of those labels: whole groups of
cases linked by labels (A -> B, B -> A, C -> B ...) go to one side, so a change tuned on a dev query cannot
be checked on its own mirror image in test. The split rule (`make_split`) is deterministic and was run
once, before any change to the memory's scoring; the stored file is what counts.

Every labelled golden case is drafted offline, all drafts are indexed in one fresh memory, and each labelled case
is a query against the others. `python -m pmstudio.evals.memoryset` prints dev and test side by side,
with each miss's labelled case and its rank.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from pmstudio.schema import PostMortem

TOP_K = 3
TEST_SHARE = 0.4


class Label(BaseModel):
    related: str
    reason: str


def labels_dir() -> Path:
    from pmstudio.resources import card_dir

    return card_dir("datasets") / "similar"


def load_labels(path: Path | None = None) -> dict[str, Label]:
    data = yaml.safe_load((path or labels_dir() / "labels.yaml").read_text(encoding="utf-8"))
    return {cid: Label.model_validate(lab) for cid, lab in data["labels"].items()}


def groups(labels: dict[str, Label]) -> list[list[str]]:
    """Cases linked by labels (undirected), each group sorted, groups sorted by their first case."""
    parent = {c: c for c in labels} | {lab.related: lab.related for lab in labels.values()}

    def root(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for c, lab in labels.items():
        parent[root(c)] = root(lab.related)
    out: dict[str, list[str]] = {}
    for c in labels:
        out.setdefault(root(c), []).append(c)
    return sorted((sorted(g) for g in out.values()), key=lambda g: g[0])


def make_split(labels: dict[str, Label], share: float = TEST_SHARE) -> list[str]:
    """The test cases: label groups in sha256 order of their first case, taken until `share` of the cases."""
    order = sorted(groups(labels), key=lambda g: hashlib.sha256(g[0].encode()).hexdigest())
    test: list[str] = []
    for g in order:
        if len(test) >= share * len(labels):
            break
        test += g
    return sorted(test)


def load_split(path: Path | None = None) -> list[str]:
    return list(yaml.safe_load((path or labels_dir() / "split.yaml").read_text(encoding="utf-8"))["test"])


def label_hits(labels: dict[str, Label], ranked: dict[str, list[str]], k: int = TOP_K) -> dict[str, bool]:
    """For each labelled case, whether its most related case is in the top k of `ranked`."""
    return {cid: lab.related in ranked.get(cid, [])[:k] for cid, lab in labels.items()}


def golden_postmortems(dataset: Path | None = None, only: set[str] | None = None) -> dict[str, PostMortem]:
    """Offline drafts of the golden cases (of those in `only` when it is given)."""
    from pmstudio.ingest import load_bundle
    from pmstudio.orchestrator import draft_sync
    from pmstudio.resources import golden_dir

    out = {}
    for path in sorted((dataset or golden_dir()).glob("*.yaml")):
        if only is not None and path.stem not in only:
            continue
        bundle, _ = load_bundle(path)
        rec = draft_sync(bundle, model="offline")
        if rec.postmortem is not None:
            out[bundle.id] = rec.postmortem
    return out


def rankings(pms: dict[str, PostMortem], depth: int = 10) -> dict[str, list[str]]:
    """Each case's `similar` ranking against all the others, in one fresh memory."""
    from pmstudio.memory import index_doc, query_of_postmortem, similar_to
    from pmstudio.store.memory import write_index

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "memory.duckdb"
        write_index([index_doc(f"d-{cid}", cid, pm) for cid, pm in pms.items()], db)
        return {cid: [r.incident_id for r in similar_to(query_of_postmortem(pm, cid), db=db, limit=depth, explain=False)]
                for cid, pm in pms.items()}  # fmt: skip


class SplitScore(BaseModel):
    split: str
    cases: int
    hits: int
    misses: dict[str, int | None] = Field(default_factory=dict, description="case -> rank of its label (None: beyond)")

    @property
    def rate(self) -> float:
        return self.hits / self.cases if self.cases else 0.0


def score(labels: dict[str, Label], ranked: dict[str, list[str]], test: list[str]) -> list[SplitScore]:
    hits = label_hits(labels, ranked)
    out = []
    for name, ids in (("dev", [c for c in labels if c not in test]), ("test", [c for c in labels if c in test])):
        misses: dict[str, int | None] = {}
        for c in ids:
            if not hits[c]:
                r = ranked.get(c, [])
                misses[c] = r.index(labels[c].related) + 1 if labels[c].related in r else None
        out.append(SplitScore(split=name, cases=len(ids), hits=sum(hits[c] for c in ids), misses=misses))
    return out


def evaluate() -> tuple[list[SplitScore], dict[str, Any]]:
    labels = load_labels()
    # The memory under test holds the labelled cases only: a case added to the golden dev set later is
    # outside this benchmark until the team labels it (else every new case would silently reshuffle it).
    pms = golden_postmortems(only=set(labels) | {lab.related for lab in labels.values()})
    ranked = rankings(pms)
    return score(labels, ranked, load_split()), {"labels": labels, "ranked": ranked}


def main() -> None:
    from rich.console import Console
    from rich.table import Table

    scores, ctx = evaluate()
    t = Table(title=f"similar: labelled most-related case in the top {TOP_K}")
    for col in ("split", "cases", "hits", f"top-{TOP_K} rate", "misses (labelled case: its rank)"):
        t.add_column(col)
    for s in scores:
        miss = ", ".join(f"{c} -> {ctx['labels'][c].related}: {r or '>10'}" for c, r in s.misses.items())
        t.add_row(s.split, str(s.cases), str(s.hits), f"{s.rate:.0%}", miss)
    Console(width=200).print(t)
    if "-v" in sys.argv:
        for c, r in ctx["ranked"].items():
            print(c, "->", ctx["labels"][c].related, "|", r[:5])


if __name__ == "__main__":
    main()
