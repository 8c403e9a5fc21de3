"""The starter label set (evals/labels/): frozen drafts of the golden cases and reviewers' labels on them.

Layout (data, never imported):
- `evals/labels/drafts/<case>__<variant-slug>.json`: a `Snapshot` — the draft that was read and labelled
  (post-mortem and critic report), keyed by (case id, variant). Calibration scores exactly these texts, so
  the labels keep meaning what they meant when a drafter changes; re-drafting does not move them.
- `evals/labels/*.yaml`: `findings:`, `ratings:` and `preferences:` lists; each item names its draft by
  stable key (case + variant [+ variant_b]) and section, its verdict and a one-line rationale.

`load_starter(db)` stores the snapshots as drafts of one `labels` run (draft id = `snapshot_id(case,
variant)`) and the labels through `store.feedback.record_many` (source `starter`, one transaction).
It is idempotent: a label set already loaded (same content hash) is not loaded twice.
`make_snapshot` drafts one (case, variant) for a new snapshot.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pmstudio.golden import GoldenCase
from pmstudio.resources import card_dir
from pmstudio.schema import Bundle, CriticReport, DraftRecord, PostMortem
from pmstudio.store.feedback import (
    OVERALL,
    RATING_MAX,
    RATING_MIN,
    FeedbackError,
    FindingOutcome,
    Label,
    Preference,
    SectionRating,
)

LABEL_RUN_PREFIX = "labels-"


class LabelSetError(ValueError):
    """A label file or snapshot that cannot be read (one line naming the file)."""


def labels_dir() -> Path:
    return card_dir("evals") / "labels"


def slug(variant: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", variant.lower()).strip("-")


def snapshot_id(case_id: str, variant: str) -> str:
    return f"snap-{case_id}--{slug(variant)}"


class Snapshot(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    case_id: str
    variant: str = Field(description="a readable label: model | prompt set [| setting]")
    model: str
    prompt_set: str = "default"
    drafted_at: datetime
    code_version: str = ""
    postmortem: PostMortem
    critic_raw: dict[str, Any] = Field(default_factory=dict, alias="critic", description="the critic report as drafted")

    @property
    def critic(self) -> CriticReport:
        """The critic report under today's findings contract (findings that do not fit become notes)."""
        from pmstudio.findings import report_from_json

        return report_from_json(json.dumps(self.critic_raw))


class FindingLabel(BaseModel):
    case: str
    variant: str
    section: str
    rule: str
    span: str = ""
    outcome: Literal["accept", "dismiss"]
    rationale: str = Field(min_length=3)


class RatingLabel(BaseModel):
    case: str
    variant: str
    section: str
    rating: int
    rationale: str = Field(min_length=3)

    @field_validator("rating")
    @classmethod
    def _range(cls, v: int) -> int:
        if not RATING_MIN <= v <= RATING_MAX:
            raise ValueError(f"rating {v} is outside {RATING_MIN}-{RATING_MAX}")
        return v


class PreferenceLabel(BaseModel):
    case: str
    variant_a: str
    variant_b: str
    section: str | None = None
    preference: Literal["A", "B", "tie"]
    rationale: str = Field(min_length=3)


class LabelFile(BaseModel):
    reviewer: str
    findings: list[FindingLabel] = Field(default_factory=list)
    ratings: list[RatingLabel] = Field(default_factory=list)
    preferences: list[PreferenceLabel] = Field(default_factory=list)


class LabelSet(BaseModel):
    snapshots: dict[tuple[str, str], Snapshot]
    files: dict[str, LabelFile]
    sha: str

    def items(self) -> list[Label]:
        out: list[Label] = []
        for name, lf in self.files.items():
            common: dict[str, Any] = {"reviewer": lf.reviewer, "source": "starter"}
            for f in lf.findings:
                out.append(FindingOutcome(draft_id=self._id(name, f.case, f.variant), rule=f.rule, section=f.section,
                                          span=f.span, outcome=f.outcome, reason=f.rationale, **common))
            for r in lf.ratings:
                out.append(SectionRating(draft_id=self._id(name, r.case, r.variant), section=r.section,
                                         rating=r.rating, reason=r.rationale, **common))
            for p in lf.preferences:
                out.append(Preference(draft_a=self._id(name, p.case, p.variant_a), draft_b=self._id(name, p.case, p.variant_b),
                                      section=p.section, preference=p.preference, reason=p.rationale, **common))
        return out

    def _id(self, file: str, case: str, variant: str) -> str:
        if (case, variant) not in self.snapshots:
            raise LabelSetError(f"{file}: no snapshot of case {case!r} variant {variant!r} in evals/labels/drafts")
        return snapshot_id(case, variant)

    def check(self) -> None:
        """Every label names a section and (for findings) a finding of its frozen draft; raises LabelSetError."""
        from pmstudio.schema import SECTION_TYPES

        sections = set(SECTION_TYPES) | {OVERALL}
        for file, lf in self.files.items():
            named = [*(r.section for r in lf.ratings), *(f.section for f in lf.findings),
                     *(p.section for p in lf.preferences if p.section)]
            for section in named:
                if section not in sections:
                    raise LabelSetError(f"{file}: unknown section {section!r}")
            for f in lf.findings:
                snap = self.snapshots.get((f.case, f.variant))
                if snap is None:
                    raise LabelSetError(f"{file}: no snapshot of case {f.case!r} variant {f.variant!r} in evals/labels/drafts")
                critic = snap.critic
                keys = {(x.rule, x.section, x.span) for x in [*critic.findings, *critic.history]}
                if (f.rule, f.section, f.span) not in keys:
                    raise LabelSetError(f"{file}: unknown finding {f.rule} in {f.section} of {f.case} ({f.span[:40]!r})")

    def counts(self) -> dict[str, int]:
        return {
            "finding": sum(len(f.findings) for f in self.files.values()),
            "rating": sum(len(f.ratings) for f in self.files.values()),
            "preference": sum(len(f.preferences) for f in self.files.values()),
        }


def _first_error(exc: ValidationError) -> str:
    e = exc.errors()[0]
    where = ".".join(str(p) for p in e["loc"])
    return f"{where}: {e['msg']}"


def load_label_set(folder: str | Path | None = None) -> LabelSet:
    base = Path(folder) if folder is not None else labels_dir()
    h = hashlib.sha256()
    snaps: dict[tuple[str, str], Snapshot] = {}
    for path in sorted((base / "drafts").glob("*.json")):
        text = path.read_text(encoding="utf-8")
        h.update(text.encode())
        try:
            s = Snapshot.model_validate_json(text)
        except ValidationError as exc:
            raise LabelSetError(f"{path}: {_first_error(exc)}") from None
        snaps[(s.case_id, s.variant)] = s
    files: dict[str, LabelFile] = {}
    for path in sorted(base.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        h.update(text.encode())
        try:
            files[str(path)] = LabelFile.model_validate(yaml.safe_load(text) or {})
        except yaml.YAMLError as exc:
            raise LabelSetError(f"{path}: not YAML ({exc.__class__.__name__})") from None
        except ValidationError as exc:
            raise LabelSetError(f"{path}: {_first_error(exc)}") from None
    return LabelSet(snapshots=snaps, files=files, sha=h.hexdigest()[:16])


def snapshot_record(s: Snapshot) -> DraftRecord:
    return DraftRecord(
        draft_id=snapshot_id(s.case_id, s.variant), bundle_id=s.case_id, model=s.model, prompt_set=s.prompt_set,
        prompts=[], started_at=s.drafted_at, finished_at=s.drafted_at, postmortem=s.postmortem, critic=s.critic,
        sections=[], settings={"variant": s.variant, "snapshot": True}, code_version=s.code_version,
    )


def case_bundle(case: GoldenCase) -> Bundle:
    from pmstudio.ingest import bundle_from_materials

    bundle, _ = bundle_from_materials(
        list(case.materials), id=case.id, timezone=case.timezone, title=case.title, source=case.source
    )
    return bundle


def load_starter(
    db: str | Path | None = None, *, folder: str | Path | None = None, cases: dict[str, GoldenCase] | None = None
) -> tuple[str, int]:
    """Store the snapshots and the starter labels (once per label-set hash); return (run id, labels stored)."""
    from pmstudio.golden import load_dataset
    from pmstudio.render import render_markdown
    from pmstudio.store.db import connect
    from pmstudio.store.feedback import record_many
    from pmstudio.store.migrations import migrate
    from pmstudio.store.queries import draft_exists, run_exists
    from pmstudio.store.writes import delete_run, record_draft

    ls = load_label_set(folder)
    run_id = LABEL_RUN_PREFIX + ls.sha
    with connect(db) as con:
        migrate(con)
    if run_exists(run_id, db):
        return run_id, 0
    if cases is None:
        from pmstudio.evals.runner import default_dataset

        cases = {c.id: c for c in load_dataset(default_dataset())}
    from pmstudio.store.writes import finish_run, start_run

    items = ls.items()  # unknown keys, sections, findings and bad ratings fail before anything is written
    ls.check()
    start_run("labels", command="calibrate: starter label set", settings={"label_set": ls.sha}, path=db, run_id=run_id)
    try:
        for (case_id, _variant), s in sorted(ls.snapshots.items()):
            if case_id not in cases:
                raise LabelSetError(f"{labels_dir() / 'drafts'}: snapshot of unknown golden case {case_id!r}")
            bundle = case_bundle(cases[case_id])
            rec = snapshot_record(s)
            if draft_exists(rec.draft_id, db):
                continue
            md = render_markdown(s.postmortem, bundle=bundle, critic=s.critic)
            record_draft(rec, bundle, run_id=run_id, markdown=md, path=db, case_id=case_id)
        n = len(record_many(items, path=db))
    except (FeedbackError, LabelSetError):
        finish_run(run_id, "failed", path=db)
        delete_run(run_id, path=db)
        raise
    finish_run(run_id, "ok", path=db)
    return run_id, n


async def make_snapshot(case: GoldenCase, variant: str, model: str, prompt_set: str = "default") -> Snapshot:
    """Draft one golden case for the label set (the caller writes it to evals/labels/drafts/)."""
    from pmstudio.orchestrator import draft_postmortem

    rec = await draft_postmortem(case_bundle(case), model=model, prompt_set=prompt_set)
    if rec.postmortem is None:
        raise LabelSetError(f"{case.id}: {variant} produced no draft ({rec.error})")
    return Snapshot(
        case_id=case.id, variant=variant, model=model.split("@")[0], prompt_set=prompt_set,
        drafted_at=datetime.now(UTC), code_version=rec.code_version, postmortem=rec.postmortem,
        critic=rec.critic.model_dump(mode="json"),
    )


def write_snapshot(s: Snapshot, folder: str | Path | None = None) -> Path:
    base = Path(folder) if folder is not None else labels_dir()
    path = base / "drafts" / f"{s.case_id}__{slug(s.variant)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json.loads(s.model_dump_json(by_alias=True)), indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


__all__ = ["OVERALL", "LabelSet", "LabelSetError", "Snapshot", "load_label_set", "load_starter", "make_snapshot"]
