"""The eval grid runner: cases x models x prompt sets x repeats -> drafts -> scores -> DuckDB.

Each cell is written in ONE transaction (draft rows if new, its scores, and its `eval_cells` row), so
a run killed at any point leaves only complete cells, and `resume` continues exactly where it
stopped. Drafts are cached by content hash (materials, model, prompt-set hash, settings, engine
code); scores by (draft, metric, metric version, judge, expected facts). One failing cell never
aborts the run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from pmstudio.golden import GoldenCase
from pmstudio.orchestrator import DraftSettings, code_version, draft_postmortem
from pmstudio.prompts import load_prompt_set
from pmstudio.publish import publish_draft
from pmstudio.resources import golden_dir, package_dir
from pmstudio.schema import Bundle, PostMortem
from pmstudio.store import connect, evals
from pmstudio.store.transaction import write
from pmstudio.store.writes import finish_run, mark_interrupted, reopen_run, start_run

ProgressCallback = Callable[[str, "CellResult"], None]
StartCallback = Callable[[str, "Cell"], None]
ENGINE_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".md", ".txt", ".toml")
"""Files of the pmstudio package that count as engine code (sources and package data)."""


class EvalSettings(BaseModel):
    models: list[str] = Field(default_factory=lambda: ["offline"])
    prompt_sets: list[str] = Field(default_factory=lambda: ["default"])
    repeats: int = Field(default=1, ge=1)
    judge: str | None = None
    metrics: list[str] | None = None
    max_revisions: int = 2
    concurrency: int | None = Field(default=None, description="cells in flight per provider kind")
    concurrency_by_kind: dict[str, int] = Field(default_factory=dict, description="cells in flight for one kind")
    timeout_s: float = Field(default=120.0, gt=0, description="per model request")
    max_tokens: int | None = Field(default=None, ge=1, description="output-token cap per section call")
    deadline_s: float | None = Field(default=None, gt=0, description="wall-clock limit per draft")
    fallback: bool = Field(default=False, description="failed sections get the offline drafter's (scored apart)")

    def draft_settings(self) -> DraftSettings:
        return DraftSettings(max_revisions=self.max_revisions, timeout_s=self.timeout_s, max_tokens=self.max_tokens,
                             deadline_s=self.deadline_s, fallback=self.fallback)


class Cell(BaseModel):
    case_id: str
    model: str
    prompt_set: str
    repeat_idx: int

    def key(self) -> tuple[str, str, str, int]:
        return (self.case_id, self.model, self.prompt_set, self.repeat_idx)


class CellResult(BaseModel):
    cell: Cell
    status: str
    draft_cached: bool = False
    scores_cached: int = 0
    scores_new: int = 0
    error: str | None = None


def engine_files(base: Path | None = None) -> list[Path]:
    """Every source and data file of the pmstudio package (caches and hidden files excluded)."""
    root = base or package_dir()
    return sorted(
        f
        for f in root.rglob("*")
        if f.is_file()
        and f.suffix in ENGINE_SUFFIXES
        and not any(p.startswith(".") or p == "__pycache__" for p in f.relative_to(root).parts)
    )


@lru_cache(maxsize=1)
def engine_hash() -> str:
    """Hash of the whole pmstudio package (code and package data), so any change to the engine, its
    schema, critic, models or prompts loader re-drafts instead of serving a stale cached draft."""
    base = package_dir()
    h = hashlib.sha256()
    for f in engine_files(base):
        h.update(f.relative_to(base).as_posix().encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def materials_key(case: GoldenCase) -> str:
    """Hash of the case's raw materials and timezone: with the engine hash it fixes the parsed bundle,
    so a cache hit needs no parsing at all."""
    payload = json.dumps([case.timezone, [m.model_dump() for m in case.materials]], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def draft_cache_key(case: GoldenCase, model: str, prompt_hash: str, settings: EvalSettings, repeat_idx: int) -> str:
    payload = {
        "materials": materials_key(case),
        "model": model,
        "prompts": prompt_hash,
        "max_revisions": settings.max_revisions,
        "max_tokens": settings.max_tokens,
        "fallback": settings.fallback,
        "repeat": repeat_idx,
        "engine": engine_hash(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def score_key(pm_json: str, case: GoldenCase, metric: str, version: str, judge: str | None) -> str:
    expected = case.expected.model_dump_json()
    raw = f"{hashlib.sha256(pm_json.encode()).hexdigest()}|{hashlib.sha256(expected.encode()).hexdigest()}|{metric}|{version}|{judge or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _kind(model: str) -> str:
    return model.split(":", 1)[0]


def _default_concurrency(kind: str) -> int:
    return {"offline": 1, "anthropic": 4, "openai": 8, "openai-compatible": 2}.get(kind, 2)


class Runner:
    def __init__(
        self,
        cases: Sequence[GoldenCase],
        settings: EvalSettings,
        *,
        db: str | Path | None = None,
        on_progress: ProgressCallback | None = None,
        on_start: StartCallback | None = None,
    ) -> None:
        self.cases = {c.id: c for c in cases}
        self.settings = settings
        self.db = db
        self.on_progress = on_progress or (lambda run_id, result: None)
        self.on_start = on_start or (lambda run_id, cell: None)
        self.write_lock = asyncio.Lock()
        self.bundles: dict[str, Bundle] = {}
        self.limits: dict[str, asyncio.Semaphore] = {}

    def cells(self) -> list[Cell]:
        return [
            Cell(case_id=cid, model=m, prompt_set=p, repeat_idx=r)
            for cid in sorted(self.cases)
            for m in self.settings.models
            for p in self.settings.prompt_sets
            for r in range(self.settings.repeats)
        ]

    def bundle(self, case: GoldenCase) -> Bundle:
        if case.id not in self.bundles:
            from pmstudio.ingest import bundle_from_materials

            bundle, _ = bundle_from_materials(
                list(case.materials), id=case.id, timezone=case.timezone, title=case.title, source=case.source
            )
            self.bundles[case.id] = bundle
        return self.bundles[case.id]

    def limit(self, model: str) -> asyncio.Semaphore:
        kind = _kind(model)
        if kind not in self.limits:
            n = self.settings.concurrency_by_kind.get(kind) or self.settings.concurrency or _default_concurrency(kind)
            self.limits[kind] = asyncio.Semaphore(n)
        return self.limits[kind]

    # ------------------------------------------------------------------ cache look-ups

    def lookup(self, key: str, case: GoldenCase) -> tuple[tuple[str, PostMortem] | None, dict[str, dict[str, Any]]]:
        """One short connection: the cached draft for `key` and, when there is one, its cached scores."""
        with connect(self.db) as con:
            hit = evals.cached_draft(con, key)
            if hit is None:
                return None, {}
            pm = PostMortem.model_validate_json(hit[1])
            return (hit[0], pm), evals.cached_scores(con, [k for _, k in self.score_keys(pm, case)])

    def score_keys(self, pm: PostMortem, case: GoldenCase) -> list[tuple[Any, str]]:
        from pmstudio.evals.metrics import selected_metrics

        pm_json = pm.model_dump_json()
        metrics: list[Any] = list(selected_metrics(self.settings.metrics, judge=self.settings.judge))
        judge = self.settings.judge
        return [(m, score_key(pm_json, case, m.metric_id, str(m.metric_version), judge if m.judge else None)) for m in metrics]

    # ------------------------------------------------------------------ one cell

    async def score(self, pm: PostMortem, case: GoldenCase, cached: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        keyed = self.score_keys(pm, case)
        rows: list[dict[str, Any]] = []
        test_case = None
        for metric, key in keyed:
            base = {
                "metric": metric.metric_id,
                "metric_version": str(metric.metric_version),
                "judge_model": self.settings.judge if metric.judge else None,
                "score_key": key,
            }
            hit = cached.get(key)
            if hit is not None:
                rows.append({**base, **{k: v for k, v in hit.items() if k != "score_key"}, "cached": True})
                continue
            if test_case is None:
                from pmstudio.evals.metrics import make_test_case

                test_case = make_test_case(pm, case, self.bundle(case))
            instance = metric.build(judge=self.settings.judge)
            try:
                await instance.a_measure(test_case)
                rows.append(
                    {
                        **base,
                        "score": float(instance.score) if instance.score is not None else None,
                        "threshold": float(instance.threshold),
                        "passed": bool(instance.is_successful()),
                        "gate": bool(metric.gate),
                        "reason": instance.reason,
                        "backend": getattr(instance, "backend", None),
                        "error": None,
                        "cached": False,
                    }
                )
            except Exception as exc:  # a broken metric is recorded, not fatal
                rows.append(
                    {
                        **base,
                        "score": None,
                        "threshold": float(getattr(instance, "threshold", 0.0)),
                        "passed": False,
                        "gate": bool(metric.gate),
                        "reason": None,
                        "backend": None,
                        "error": f"{type(exc).__name__}: {exc}"[:300],
                        "cached": False,
                    }
                )
        return rows

    async def run_cell(self, run_id: str, cell: Cell) -> CellResult:
        case = self.cases[cell.case_id]
        started = time.perf_counter()
        try:
            async with self.limit(cell.model):
                self.on_start(run_id, cell)
                prompts = load_prompt_set(cell.prompt_set)
                key = draft_cache_key(case, cell.model, prompts.hash(), self.settings, cell.repeat_idx)
                hit, cached = self.lookup(key, case)
                record = None
                bundle: Bundle | None = None
                if hit is not None:
                    draft_id, pm = hit
                else:
                    bundle = self.bundle(case)
                    record = await draft_postmortem(
                        bundle,
                        model=cell.model,
                        prompt_set=prompts,
                        settings=self.settings.draft_settings(),
                    )
                    if record.postmortem is None:
                        raise RuntimeError(record.error or "draft failed")
                    draft_id, pm = record.draft_id, record.postmortem
                scores = await self.score(model_output(pm), case, cached)
        except Exception as exc:
            result = CellResult(cell=cell, status="error", error=f"{type(exc).__name__}: {exc}".splitlines()[0][:500])
            await self.write(run_id, cell, case, None, None, [], result, time.perf_counter() - started)
            return result
        status: str = record.status if record is not None else "ok"
        if record is not None and record.postmortem is not None and record.postmortem.fallback_sections:
            status = "fallback"  # counted apart: never the model's output
        result = CellResult(
            cell=cell,
            status=status,
            draft_cached=hit is not None,
            scores_cached=sum(1 for s in scores if s["cached"]),
            scores_new=sum(1 for s in scores if not s["cached"]),
            error=record.error if record is not None else None,
        )
        await self.write(run_id, cell, case, record, draft_id, scores, result, time.perf_counter() - started, bundle=bundle, cache_key=key)
        return result

    def _cell_rows(
        self,
        con: Any,
        run_id: str,
        cell: Cell,
        case: GoldenCase,
        record: Any,
        draft_id: str | None,
        scores: list[dict[str, Any]],
        result: CellResult,
        seconds: float,
        *,
        bundle: Bundle | None = None,
        cache_key: str | None = None,
    ) -> None:
        """Insert one cell's rows (its new draft, scores and eval_cells row) inside the caller's transaction."""
        if record is not None and bundle is not None:
            publish_draft(record, bundle, con=con, run_id=run_id, case_id=case.id, cache_key=cache_key,
                          repeat_idx=cell.repeat_idx, memory=False)
        common = {
            "run_id": run_id,
            "case_id": cell.case_id,
            "model": cell.model,
            "prompt_set": cell.prompt_set,
            "repeat_idx": cell.repeat_idx,
        }
        usage = record.usage if record is not None else None
        evals.write_cell(
            con,
            common,
            [{"draft_id": draft_id, **sc} for sc in scores],
            {
                "draft_id": draft_id,
                "draft_cached": result.draft_cached,
                "status": result.status,
                "error": result.error,
                "failure_class": case.failure_class,
                "latency_ms": (record.latency_ms if record is not None else seconds * 1000.0),
                "cost_usd": usage.cost_usd if usage else None,
                "input_tokens": usage.input_tokens if usage else None,
                "output_tokens": usage.output_tokens if usage else None,
                "finished_at": datetime.now(UTC),
            },
        )

    async def write(self, run_id: str, cell: Cell, case: GoldenCase, record: Any, draft_id: str | None,
                    scores: list[dict[str, Any]], result: CellResult, seconds: float, *, bundle: Bundle | None = None,
                    cache_key: str | None = None) -> None:
        """One cell in one transaction: a kill at any point leaves the cell complete or absent."""
        async with self.write_lock:  # a conflict with another machine's write reruns the whole cell (store.db.write)
            write(self.db, lambda con: self._cell_rows(con, run_id, cell, case, record, draft_id, scores, result, seconds,
                                                       bundle=bundle, cache_key=cache_key), migrate=False)

    async def write_cached(self, run_id: str, cells: list[Cell], hits: dict[tuple[str, str, str, int], Any]) -> list[CellResult]:
        """Cells whose draft and every score are cached: scored from cache, written in one transaction."""
        if not cells:
            return []
        rows = []
        for cell in cells:  # scored before the transaction: a conflict reruns only the writes
            key, (draft_id, pm), cached = hits[cell.key()]
            case = self.cases[cell.case_id]
            scores = await self.score(pm, case, cached)
            result = CellResult(cell=cell, status="ok", draft_cached=True, scores_cached=len(scores))
            rows.append((cell, case, draft_id, scores, result, key))

        def body(con: Any) -> None:
            for cell, case, draft_id, scores, result, key in rows:
                self._cell_rows(con, run_id, cell, case, None, draft_id, scores, result, 0.0, cache_key=key)

        async with self.write_lock:
            write(self.db, body, migrate=False)
        results = [r[4] for r in rows]
        for r in results:
            self.on_progress(run_id, r)
        return results

    def prefetch(self, cells: list[Cell]) -> dict[tuple[str, str, str, int], Any]:
        """For every cell fully served by the cache: (draft key, (draft id, post-mortem), cached scores)."""
        keys = {}
        for c in cells:
            prompts = load_prompt_set(c.prompt_set)
            keys[c.key()] = draft_cache_key(self.cases[c.case_id], c.model, prompts.hash(), self.settings, c.repeat_idx)
        out: dict[tuple[str, str, str, int], Any] = {}
        with connect(self.db) as con:
            drafts = {
                key: (draft_id, PostMortem.model_validate_json(pm_json))
                for key, (draft_id, pm_json) in evals.cached_drafts(con, list(keys.values())).items()
            }
            wanted = {}
            for c in cells:
                hit = drafts.get(keys[c.key()])
                if hit is not None:
                    wanted[c.key()] = (hit, self.score_keys(hit[1], self.cases[c.case_id]))
            cached = evals.cached_scores(con, sorted({k for _, sk in wanted.values() for _, k in sk}))
        for ck, (hit, sk) in wanted.items():
            if all(k in cached for _, k in sk):
                out[ck] = (keys[ck], hit, {k: cached[k] for _, k in sk})
        return out

    def done_cells(self, run_id: str) -> set[tuple[str, str, str, int]]:
        return evals.done_cells(run_id, self.db)

    async def run(self, run_id: str | None = None) -> str:
        """Run (or, with an existing `run_id`, resume) the grid; return the run id."""
        mark_interrupted(path=self.db)
        if run_id is None:
            run_id = start_run(
                "eval",
                command="eval",
                settings={**self.settings.model_dump(), "cases": sorted(self.cases), "engine": engine_hash(),
                          "pid": os.getpid(), "host": socket.gethostname()},
                path=self.db,
                code_version=code_version(),
            )
        else:
            reopen_run(run_id, path=self.db)
        done = self.done_cells(run_id)
        todo = [c for c in self.cells() if c.key() not in done]
        hits = self.prefetch(todo)
        results = await self.write_cached(run_id, [c for c in todo if c.key() in hits], hits)
        results += await asyncio.gather(*(self._tracked(run_id, c) for c in todo if c.key() not in hits))
        finish_run(run_id, self.run_status(run_id) if done else self._status(results), path=self.db)
        return run_id

    @staticmethod
    def _status(results: Sequence[CellResult]) -> str:
        return "ok" if all(r.status in ("ok", "partial", "fallback") for r in results) else "partial"

    def run_status(self, run_id: str) -> str:
        """'ok' when every cell of the run (this invocation's and any resumed before) drafted, else 'partial'."""
        return "partial" if evals.failed_cells(run_id, self.db) else "ok"

    async def _tracked(self, run_id: str, cell: Cell) -> CellResult:
        result = await self.run_cell(run_id, cell)
        self.on_progress(run_id, result)
        return result


def model_output(pm: PostMortem) -> PostMortem:
    """What the model itself drafted: offline-fallback sections removed (scored as missing, never as its output)."""
    fallback = pm.fallback_sections
    if not fallback:
        return pm
    return pm.model_copy(update={**{name: None for name in fallback},
                                 "failed_sections": sorted({*pm.failed_sections, *fallback})})


def last_run(db: str | Path | None = None, *, kind: str = "eval", unfinished: bool = False) -> str | None:
    return evals.last_run_id(kind, unfinished=unfinished, path=db)


def run_settings(run_id: str, db: str | Path | None = None) -> EvalSettings:
    text = evals.run_settings_json(run_id, db)
    if text is None:
        raise KeyError(f"no eval run {run_id!r}")
    data = json.loads(text)
    return EvalSettings.model_validate({k: v for k, v in data.items() if k in EvalSettings.model_fields})


def run_cases(run_id: str, db: str | Path | None = None) -> list[str]:
    """The case ids an eval run was started with (a resumed run keeps its `--cases`)."""
    text = evals.run_settings_json(run_id, db)
    cases = json.loads(text).get("cases") if text else None
    return [str(c) for c in cases] if isinstance(cases, list) else []


def default_dataset() -> Path:
    return golden_dir()
