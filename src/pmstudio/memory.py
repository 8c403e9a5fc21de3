"""Cross-incident memory: "has this happened before?"

Every stored draft's facts (the service in its title, trigger, root cause, contributing factors, action items
and their status) are indexed in DuckDB (`pmstudio.store.memory`): stemmed terms with field weights (a compound
token such as `crates.io` also by its parts), and recurring-factor classes (`data/factor_classes.yaml`). The
duckdb `fts` extension is not in the pinned wheel and cannot be downloaded at run time here, so the index is our
own tf-idf table scored in SQL.

- `similar(source)`: past incidents ranked by term cosine + 0.5 x an idf-weighted class cosine (a class seen
  only in a trigger or an action counts half), each with *why* (shared factor
  classes, the closest pair of factors, shared terms).
- `enrich(pm)`: a new draft gets "Related past incidents" in Supporting Information, a Lessons entry for a
  factor class that recurs within 12 months, and a note for an action item that repeats one still open.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from math import log, sqrt
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from pmstudio.schema import Claim, PostMortem

FIELD_WEIGHTS = {"service": 1.0, "impact": 0.5, "trigger": 1.0, "cause": 1.5, "factor": 1.5, "action": 0.5}
CLASS_WEIGHT = 0.5
"""Weight of the factor-class cosine next to the term cosine (chosen before measuring, never tuned)."""
OTHER_CLASS_WEIGHT = 0.5
"""A class seen only in a trigger or an action item (not in a contributing factor or the cause) counts half."""
RECURRING_WINDOW = timedelta(days=365)
REPEAT_RATIO = 80
"""rapidfuzz token_set_ratio at or above which an action item repeats an open one."""
_STOP = frozenset(
    "a an the and or of to in on at for by with from into onto over under as is are was were be been being it its "
    "this that these those there their they them we our us you your he she his her i me my not no nor but so than "
    "then too very can could should would will may might must do does did done have has had having which who whom "
    "what when where why how all any both each few more most other some such only own same just also about after "
    "before during while until again further once here out up down off above below between through because until "
    "per via within without upon across against among around like new one two three first second found it's "
    "impact began incident began started stated materials evidence".split()
)
_WORD = re.compile(r"[a-z][a-z0-9]+(?:[._-][a-z0-9]+)*")
_JOIN = re.compile(r"[._-]")


class Fact(BaseModel):
    kind: str
    text: str
    ref: str | None = None
    status: str | None = None
    classes: list[str] = Field(default_factory=list)


class FactorClass(BaseModel):
    id: str
    label: str
    patterns: list[re.Pattern[str]]
    implies: list[str] = Field(default_factory=list, description="broader classes this one belongs to")

    model_config = {"arbitrary_types_allowed": True}


@lru_cache(maxsize=1)
def factor_classes() -> tuple[FactorClass, ...]:
    text = resources.files("pmstudio").joinpath("data/factor_classes.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return tuple(
        FactorClass(id=cid, label=c["label"], patterns=[re.compile(p, re.I) for p in c["patterns"]],
                    implies=list(c.get("implies") or []))
        for cid, c in data["classes"].items()
    )


def class_label(cid: str) -> str:
    return next((c.label for c in factor_classes() if c.id == cid), cid)


def classify(text: str) -> list[str]:
    found = [c for c in factor_classes() if any(p.search(text) for p in c.patterns)]
    return list(dict.fromkeys([c.id for c in found] + [i for c in found for i in c.implies]))


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def terms(text: str) -> list[str]:
    """Stemmed content words. A compound token ('crates.io', 'crates-io-staging', 'pg_dump') also gives its parts,
    so one service or tool spelt as a host name, an app name or a log key still shares its words."""
    words = []
    for token in _WORD.findall(text.lower()):
        words += [token, *_JOIN.split(token)] if _JOIN.search(token) else [token]
    return list(_stemmer().stemWords([w for w in words if w not in _STOP and len(w) >= 3 and not w.isdigit()]))


_CITE = re.compile(r"\s*\((?:evidence|source)s?\s*:[^)]*\)", re.I)
_DONE = re.compile(r"^\s*[-*+]\s+\[(?P<x>[ xX])\]\s+\*\*(?P<t>.+?)\*\*", re.M)


def done_titles(markdown: str | None) -> set[str]:
    """Lower-cased titles of the action items ticked done (`- [x] **Title**`) in a post-mortem's Markdown."""
    return {m.group("t").strip().lower() for m in _DONE.finditer(markdown or "") if m.group("x") in "xX"}


def _clean(text: str) -> str:
    return " ".join(_CITE.sub("", text or "").split())


def facts_from_postmortem(pm: PostMortem, markdown: str | None = None) -> list[Fact]:
    """The indexed facts of a draft; action status is `done` when its Markdown checkbox is ticked."""
    done = done_titles(markdown)
    facts = [Fact(kind="service", text=pm.header.title)]
    if pm.impact is not None:
        facts.append(Fact(kind="impact", text=_clean(pm.impact.functional_impact.text)))
    rc = pm.root_cause
    if rc is not None:
        facts.append(Fact(kind="trigger", text=_clean(rc.trigger.text)))
        facts.append(Fact(kind="cause", text=_clean(rc.primary_root_cause.text)))
        facts += [Fact(kind="factor", ref=f.id, text=_clean(f"{f.title}: {f.description}")) for f in rc.contributing_factors]
    if pm.actions is not None:
        for a in pm.actions.action_items:
            status = "done" if a.title.strip().lower() in done else "open"
            facts.append(Fact(kind="action", ref=a.title.strip(), text=_clean(a.title), status=status))
    for f in facts:
        f.classes = classify(f.text) if f.kind not in ("service", "impact") else []
    return [f for f in facts if f.text]


def facts_from_markdown(text: str, path: Path) -> tuple[str, str, list[Fact]]:
    """(incident id, title, facts) of a hand-written post-mortem, read through mdparse."""
    from pmstudio.mdparse import segments_from_markdown

    segs, doc = segments_from_markdown(text)
    header = {k.lower(): v for k, v in doc.header.items()}
    incident_id = header.get("incident id", "").strip() or path.stem
    title = (doc.title or path.stem).strip()
    done = done_titles(text)
    facts = [Fact(kind="service", text=title)]
    causes = [s.text for s in segs if s.section == "root_cause" and s.kind == "narrative"]
    factor_texts = {f.text for f in doc.factors}
    facts += [Fact(kind="cause", text=_clean(t)) for t in causes if t not in factor_texts][:2]
    facts += [Fact(kind="factor", ref=f.id, text=_clean(f"{f.title}: {f.text}")) for f in doc.factors]
    facts += [Fact(kind="action", ref=a.title, text=_clean(a.title), status="done" if a.title.lower() in done else "open")
              for a in doc.actions if a.title]  # fmt: skip
    for f in facts:
        f.classes = classify(f.text) if f.kind != "service" else []
    return incident_id, title, [f for f in facts if f.text]


def weights(facts: list[Fact]) -> dict[str, float]:
    tf: dict[str, float] = {}
    for f in facts:
        for t in terms(f.text):
            tf[t] = tf.get(t, 0.0) + FIELD_WEIGHTS.get(f.kind, 1.0)
    return {t: 1.0 + log(v) if v >= 1 else v for t, v in tf.items()}


def class_set(facts: list[Fact]) -> dict[str, bool]:
    """class -> whether it appears in a contributing factor / cause (not only in a trigger or action)."""
    out: dict[str, bool] = {}
    for f in facts:
        for c in f.classes:
            out[c] = out.get(c, False) or f.kind in ("factor", "cause")
    return out


def _started(pm: PostMortem) -> datetime | None:
    if pm.timeline is not None and pm.timeline.started_at is not None:
        return pm.timeline.started_at
    try:
        return datetime.strptime(pm.header.date, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def index_doc(draft_id: str, incident_id: str, pm: PostMortem, markdown: str | None = None) -> dict[str, Any]:
    facts = facts_from_postmortem(pm, markdown)
    w = weights(facts)
    return {"draft_id": draft_id, "incident_id": incident_id, "title": pm.header.title, "started_at": _started(pm),
            "norm": sqrt(sum(v * v for v in w.values())) or 1.0, "terms": w, "classes": class_set(facts),
            "facts": [f.model_dump() for f in facts]}  # fmt: skip


def index_draft(draft_id: str, incident_id: str, pm: PostMortem, markdown: str | None = None,
                db: str | Path | None = None) -> None:  # fmt: skip
    """Index one just-stored draft (it replaces its incident's older entry)."""
    from pmstudio.store.memory import write_index

    write_index([index_doc(draft_id, incident_id, pm, markdown)], db)


def sync_index(db: str | Path | None = None) -> int:
    """Index every incident's latest stored draft that is not indexed yet; returns how many were added."""
    from pmstudio.store.memory import unindexed_drafts, write_index

    docs = []
    for draft_id, incident_id, pm_json, markdown in unindexed_drafts(db):
        pm = PostMortem.model_validate_json(pm_json)
        docs.append(index_doc(draft_id, incident_id, pm, markdown))
    for i in range(0, len(docs), 500):
        write_index(docs[i : i + 500], db)
    return len(docs)


# --------------------------------------------------------------------------- similar


class Related(BaseModel):
    incident_id: str
    draft_id: str
    title: str
    started_at: datetime | None = None
    score: float
    shared_classes: list[str] = Field(default_factory=list)
    shared_terms: list[str] = Field(default_factory=list)
    closest: tuple[str, str] | None = Field(default=None, description="(our fact, their fact) most alike")

    def why(self) -> str:
        parts = []
        if self.shared_classes:
            parts.append("shared factors: " + ", ".join(class_label(c) for c in self.shared_classes[:3]))
        if self.closest:
            parts.append(f'"{self.closest[0][:70]}" ~ "{self.closest[1][:70]}"')
        if self.shared_terms and not self.shared_classes:
            parts.append("shared terms: " + ", ".join(self.shared_terms[:5]))
        return "; ".join(parts) or "similar wording"


class Query(BaseModel):
    incident_id: str
    title: str
    started_at: datetime | None = None
    facts: list[Fact]


def query_of_postmortem(pm: PostMortem, incident_id: str | None = None) -> Query:
    return Query(incident_id=incident_id or pm.header.incident_id, title=pm.header.title, started_at=_started(pm),
                 facts=facts_from_postmortem(pm))  # fmt: skip


def similar_to(query: Query, *, db: str | Path | None = None, limit: int = 5, explain: bool = True) -> list[Related]:
    from pmstudio.store.memory import similar_docs

    w = weights(query.facts)
    classes = {c: 1.0 if in_factor else OTHER_CLASS_WEIGHT for c, in_factor in class_set(query.facts).items()}
    hits = similar_docs(w, classes, exclude=query.incident_id, limit=limit, class_weight=CLASS_WEIGHT,
                        other_class_weight=OTHER_CLASS_WEIGHT, explain=explain, db=db)  # fmt: skip
    out = [Related(incident_id=h.incident_id, draft_id=h.draft_id, title=h.title, started_at=h.started_at, score=h.score,
                   shared_classes=h.shared_classes, shared_terms=h.shared_terms) for h in hits]  # fmt: skip
    if explain:
        ours = [f.text for f in query.facts if f.kind in ("factor", "cause")]
        for r, h in zip(out, hits, strict=True):
            best = max(((fuzz.token_set_ratio(a, b), a, b) for a in ours for b in h.factors), default=None)
            if best is not None and best[0] >= 50:
                r.closest = (best[1], best[2])
    return out


def load_query(source: str, db: str | Path | None = None) -> Query:
    """A stored draft id or a post-mortem Markdown file as a similarity query. Raises ValueError (one line)."""
    path = Path(source)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"{source}: cannot read ({exc.__class__.__name__})") from None
        if not text.strip():
            raise ValueError(f"{source}: file is empty")
        incident_id, title, facts = facts_from_markdown(text, path)
        return Query(incident_id=incident_id, title=title, facts=facts)
    from pmstudio.store.queries import get_draft

    view = get_draft(source, db)
    if view is None or view.postmortem is None:
        raise ValueError(f"{source}: neither a file nor a stored draft id with a post-mortem")
    return query_of_postmortem(view.postmortem, view.bundle.id if view.bundle else None)


# --------------------------------------------------------------------------- enrich a new draft


class Recurrence(BaseModel):
    cls: str
    count: int = Field(description="incidents with this factor class in the window, this one included")
    incidents: list[str]


def recurrences(query: Query, db: str | Path | None = None) -> list[Recurrence]:
    from pmstudio.store.memory import class_history

    classes = [c for c, in_factor in class_set(query.facts).items() if in_factor]
    hist = class_history(classes, db)
    if hist.empty:
        return []
    now = query.started_at or datetime.now(UTC)
    out = []
    for cls in classes:
        rows = hist[(hist["class"] == cls) & (hist["incident_id"] != query.incident_id)]
        past = [r.incident_id for r in rows.itertuples()
                if r.started_at is not None and now - RECURRING_WINDOW <= r.started_at.to_pydatetime() <= now]  # fmt: skip
        if past:
            out.append(Recurrence(cls=cls, count=len(set(past)) + 1, incidents=sorted(set(past))))
    return sorted(out, key=lambda r: -r.count)


class RepeatedAction(BaseModel):
    title: str
    incident_id: str
    open_title: str
    ratio: float


def repeated_actions(query: Query, db: str | Path | None = None) -> list[RepeatedAction]:
    from pmstudio.store.memory import open_actions

    past = open_actions(db, exclude=query.incident_id)
    if past.empty:
        return []
    out = []
    for f in query.facts:
        if f.kind != "action":
            continue
        best = max(((fuzz.token_set_ratio(f.text, r.text), r) for r in past.itertuples()), key=lambda x: x[0])
        if best[0] >= REPEAT_RATIO:
            out.append(RepeatedAction(title=f.text, incident_id=best[1].incident_id, open_title=best[1].text, ratio=best[0]))
    return out


_ORDINAL = {2: "second", 3: "third", 4: "fourth", 5: "fifth"}


def enrich(pm: PostMortem, *, incident_id: str | None = None, db: str | Path | None = None, limit: int = 3) -> PostMortem:
    """Add related past incidents, recurring factors and repeated open actions to a new draft (a copy)."""
    sync_index(db)
    query = query_of_postmortem(pm, incident_id)
    related = [r for r in similar_to(query, db=db, limit=limit) if r.score >= 0.15]
    rec = recurrences(query, db)
    reps = repeated_actions(query, db)
    if not (related or rec or reps):
        return pm
    pm = pm.model_copy(deep=True)
    if pm.supporting is not None:
        for r in related:
            pm.supporting.references.append(Claim(text=f"Related past incident: {r.incident_id} ({r.title[:80]}); {r.why()}."))
    if pm.lessons is not None:
        for x in rec:
            nth = _ORDINAL.get(x.count, f"{x.count}th")
            pm.lessons.process.append(Claim(
                text=f"Recurring factor: {nth} incident in 12 months with {class_label(x.cls)} "
                     f"(also {', '.join(x.incidents[:4])})."))  # fmt: skip
    for a in reps:
        pm.notes.append(f"Action item \"{a.title}\" repeats \"{a.open_title}\", still open from {a.incident_id}.")
    return pm


def dumps(results: list[Related]) -> str:
    return json.dumps([r.model_dump(mode="json") | {"why": r.why()} for r in results], indent=2)
