"""Benchmarks: every figure is a ratio of two things measured side by side in this one run.

Run with `make bench`. Prints one table per benchmark and writes var/bench/results.json.
  1. parallel drafting     concurrent vs sequential section agents vs the slowest section (fake server latency)
  2. token economy         billed input per draft (Anthropic cache prices), multi-agent vs seed-single-shot, first
                           draft and repeat, with and without warm-up / cache points
  2b. decode time          multi-agent vs single-shot wall time when answers take a time per output token
  3. eval grid throughput  cells/s at concurrency 1, 4, 16 against the fake server; cached re-run vs first run
  4. input scaling         offline draft of 1, 10, 100 MB of generated logs+chat: time and peak RSS
  5. store                 dashboard leaderboard and case-drill queries over 1 M score rows
  6. similar               cross-incident memory: `similar` over 1,000 and 10,000 indexed incidents (target 200 ms)
  7. check                 `pmstudio check` on a generated 20,000-word post-mortem (target < 2 s), vs 2,000 words
  8. compare page          the dashboard's Compare in real Chromium on a 25-case x 4-variant eval run: first load
                           (targets <= 2 s) and clicks (<= 1 s): another case, open a section, the class filter;
                           each timed to the run's script_finished message plus a painted frame
Use `--quick` for a smaller run (CI smoke); `--only NAME` to run one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "var" / "bench"
console = Console()
os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "YES")
os.environ.setdefault("DEEPEVAL_DISABLE_DOTENV", "1")
os.environ.setdefault("DEEPEVAL_FILE_SYSTEM", "READ_ONLY")
# the per-provider request cap (default 2 for openai-compatible) would hide the concurrency being measured
os.environ.setdefault("PMSTUDIO_MAX_CONCURRENCY_OPENAI_COMPATIBLE", "64")
os.environ.setdefault("PMSTUDIO_MAX_CONCURRENCY_ANTHROPIC", "64")


def table(title: str, cols: list[str], rows: list[list[Any]]) -> None:
    t = Table(title=title)
    for c in cols:
        t.add_column(c)
    for r in rows:
        t.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r))
    console.print(t)


def example_bundle() -> Any:
    from pmstudio.ingest import load_bundle

    bundle, _ = load_bundle(ROOT / "datasets" / "examples" / "docsrs-disk-full")
    return bundle


# --------------------------------------------------------------------------- 1. parallel drafting


def critical_path(record: Any, starts: dict[str, float]) -> tuple[float, str, float]:
    """(seconds, warm-up section, its time to first token) of a draft's critical path, from the measured
    section times: a section given others as context (CONTEXT_OF) can start when they end; the others when
    the draft starts, except that, after a warm-up call, they wait for its first token (measured as the
    earliest of their starts after the warm-up's; 0 without a warm-up)."""
    from pmstudio.agents import CONTEXT_OF, WAVES

    lat = {s.section: s.latency_ms / 1000 for s in record.sections if s.round == 0}
    free = [s for wave in WAVES for s in wave if not CONTEXT_OF.get(s)]
    warm = min(free, key=lambda s: starts[s])
    ttft = max(min(starts[s] for s in free if s != warm) - starts[warm], 0.0)
    ends: dict[str, float] = {}
    for s in (s for wave in WAVES for s in wave):
        ready = max((ends[d] for d in CONTEXT_OF.get(s, ())), default=0.0 if s == warm else ttft)
        ends[s] = ready + lat[s]
    return max(ends.values()), warm, ttft


def _start_times() -> tuple[dict[str, float], Any]:
    starts: dict[str, float] = {}

    def seen(section: str, status: str) -> None:
        if status == "drafting":
            starts.setdefault(section, time.perf_counter())

    return starts, seen



def bench_parallel(quick: bool) -> dict[str, Any]:
    from pmstudio.orchestrator import DraftSettings, draft_postmortem
    from pmstudio.testing.fake_server import FakeProviderServer

    latency = 0.2 if quick else 0.5
    bundle = example_bundle()
    with FakeProviderServer(latency_s=latency) as srv:
        model = f"openai-compatible:bench@{srv.openai_base_url}"
        out: dict[str, Any] = {"latency_s": latency}
        # warm-up: the first draft in a process pays the SDK imports and client set-up; measure after it
        asyncio.run(draft_postmortem(bundle, model=model, settings=DraftSettings(max_revisions=0, use_critic_agent=False)))
        for mode in ("concurrent", "sequential"):
            settings = DraftSettings(max_revisions=0, use_critic_agent=False, sequential=mode == "sequential")
            starts, seen = _start_times()
            t0 = time.perf_counter()
            rec = asyncio.run(draft_postmortem(bundle, model=model, settings=settings, on_status=seen))
            out[mode] = time.perf_counter() - t0
            out[f"{mode}_status"] = rec.status
            if mode == "concurrent":
                out["slowest_section_s"] = max(s.latency_ms / 1000 for s in rec.sections)
                out["critical_path_s"] = critical_path(rec, starts)[0]
    out["concurrent_over_sequential"] = out["concurrent"] / out["sequential"]
    out["concurrent_over_slowest"] = out["concurrent"] / out["slowest_section_s"]
    out["concurrent_over_critical_path"] = out["concurrent"] / out["critical_path_s"]
    table(
        f"1. parallel drafting (fake server, {latency}s per call, 7 section agents in 2 waves)",
        ["measure", "value"],
        [
            ["concurrent wall (s)", out["concurrent"]],
            ["sequential wall (s)", out["sequential"]],
            ["slowest single section (s)", out["slowest_section_s"]],
            ["critical path: section times along their context dependencies (s)", out["critical_path_s"]],
            ["concurrent / sequential", out["concurrent_over_sequential"]],
            ["concurrent / slowest section", out["concurrent_over_slowest"]],
            ["concurrent / critical path (target <= 1.2)", out["concurrent_over_critical_path"]],
        ],
    )
    return out


# --------------------------------------------------------------------------- 2. token economy

BILLED_WRITE, BILLED_READ = 1.25, 0.1
"""Anthropic's prices for the 5-minute prompt cache, as multiples of the base input price: a cache write
costs 1.25x, a cache read 0.1x. `billed()` weighs a draft's input tokens by them."""


def billed(u: Any) -> float:
    """Billed-input-equivalent: uncached input + 1.25 x cache-write + 0.1 x cache-read tokens."""
    uncached = u.input_tokens - u.cache_read_tokens - u.cache_write_tokens
    return uncached + BILLED_WRITE * u.cache_write_tokens + BILLED_READ * u.cache_read_tokens


class _AnthropicFake:
    """A fake server on the Anthropic wire, with ANTHROPIC_* pointed at it while in use."""

    def __init__(self, **config: Any) -> None:
        from pmstudio.testing.fake_server import FakeProviderServer

        self.srv = FakeProviderServer(**config)

    def __enter__(self) -> Any:
        self.srv.start()
        os.environ["ANTHROPIC_API_KEY"] = "sk-ant-bench-not-a-key"
        os.environ["ANTHROPIC_BASE_URL"] = self.srv.anthropic_base_url
        return self.srv

    def __exit__(self, *exc: object) -> None:
        os.environ.pop("ANTHROPIC_API_KEY", None)
        os.environ.pop("ANTHROPIC_BASE_URL", None)
        self.srv.stop()


def bench_tokens(quick: bool) -> dict[str, Any]:
    """Input per draft on the Anthropic wire, billed as Anthropic bills the prompt cache. Each variant
    drafts twice on a fresh fake server: the first draft, then a repeat (as eval repeats and re-runs do).
    The server answers after a time to first token, and a prefix is readable only once the answer that
    wrote it starts, so requests sent at once each write it (as with the real API): hence the warm-up."""
    from pmstudio.orchestrator import DraftSettings, draft_postmortem

    bundle = example_bundle()
    variants = [  # (label, prompt set, prompt cache, warm-up, critic agent)
        ("multi-agent (default)", "default", True, True, False),
        ("multi-agent, no warm-up", "default", True, False, False),
        ("multi-agent, no cache points", "default", False, False, False),
        ("single-shot", "seed-single-shot", True, True, False),
        ("single-shot, no cache points", "seed-single-shot", False, False, False),
        ("multi-agent + critic agent", "default", True, True, True),
        ("single-shot + critic agent", "seed-single-shot", True, True, True),
    ]
    rows, out = [], {}
    for label, prompt_set, cache, warm, critic in variants:
        with _AnthropicFake(latency_s=0.25, decode_s_per_token=0.0002) as srv:
            settings = DraftSettings(max_revisions=0, use_critic_agent=critic, prompt_cache=cache, warm_cache=warm)
            first = asyncio.run(draft_postmortem(bundle, model="anthropic:claude-bench", prompt_set=prompt_set, settings=settings))
            log = srv.log()
            again = asyncio.run(draft_postmortem(bundle, model="anthropic:claude-bench", prompt_set=prompt_set, settings=settings))
        if label == "multi-agent (default)":
            out["per_request"] = _per_request(log)
        u, r = first.usage, again.usage
        out[label] = {"requests": u.requests, "input_tokens": u.input_tokens, "cache_write_tokens": u.cache_write_tokens,
                      "cache_read_tokens": u.cache_read_tokens, "output_tokens": u.output_tokens, "billed_first": billed(u),
                      "billed_repeat": billed(r), "status": first.status}
        rows.append([label, u.requests, u.input_tokens, u.cache_write_tokens, u.cache_read_tokens, billed(u), billed(r),
                     u.output_tokens])
    multi, single = out["multi-agent (default)"], out["single-shot"]
    out["first_multi_over_single"] = multi["billed_first"] / single["billed_first"]
    out["repeat_multi_over_single_first"] = multi["billed_repeat"] / single["billed_first"]
    out["repeat_multi_over_single_repeat"] = multi["billed_repeat"] / single["billed_repeat"]
    out["first_multi_over_single_uncached"] = multi["billed_first"] / out["single-shot, no cache points"]["billed_first"]
    out["first_with_critic_multi_over_single"] = (out["multi-agent + critic agent"]["billed_first"]
                                                  / out["single-shot + critic agent"]["billed_first"])
    out["multi_over_single_input"] = (out["multi-agent, no cache points"]["input_tokens"]
                                      / out["single-shot, no cache points"]["input_tokens"])
    table("2. token economy per draft (Anthropic wire; fake server with prefix cache; billed = uncached + "
          f"{BILLED_WRITE} x write + {BILLED_READ} x read)",
          ["variant", "requests", "input tokens", "cache write", "cache read", "billed (first draft)",
           "billed (repeat draft)", "output tokens"], rows)
    table("2. token economy: where a first multi-agent draft's input goes (each request: its cached prefix of "
          "output tool + system text + evidence, written or read, and its own uncached task after it)",
          ["request", "agent", "prefix written", "prefix read", "own task (uncached)", "billed"],
          [[r["n"], r["agent"], r["write"], r["read"], r["uncached"], r["billed"]] for r in out["per_request"]])
    table("2. token economy: ratios", ["measure", "value", "target"], [
        ["multi-agent / single-shot, billed, first draft", out["first_multi_over_single"], "<= 1.5"],
        ["multi-agent repeat / single-shot first draft, billed", out["repeat_multi_over_single_first"], "<= 1.1"],
        ["multi-agent repeat / single-shot repeat, billed", out["repeat_multi_over_single_repeat"], "-"],
        ["multi-agent first / single-shot without cache points, billed", out["first_multi_over_single_uncached"], "-"],
        ["with the critic agent (no revision round): multi / single, billed", out["first_with_critic_multi_over_single"], "-"],
        ["input tokens without cache points, multi / single (was 3.74)", out["multi_over_single_input"], "-"],
    ])
    return out


def _per_request(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A draft's requests from the fake server's log: the agent each asked for and its input tokens."""
    import re

    rows = []
    for entry in log:
        body, usage = json.dumps(entry["body"]), entry.get("usage") or {}
        m = re.search(r"# TASK\\nsection: (\w+)", body)
        write, read = usage.get("cache_creation_input_tokens", 0), usage.get("cache_read_input_tokens", 0)
        uncached = usage.get("input_tokens", 0)
        rows.append({"n": entry["n"], "agent": m.group(1) if m else "critic", "write": write, "read": read,
                     "uncached": uncached, "billed": uncached + BILLED_WRITE * write + BILLED_READ * read})
    return rows


# --------------------------------------------------------------------------- 2b. decode time


def bench_decode(quick: bool) -> dict[str, Any]:
    """Wall time of a draft when answers take as long as LLM serving does: time to first token, then a
    time per output token. One long single-shot generation against seven section agents (a section given
    others as context starts when they are done; the first sent alone until its answer starts) producing
    about the same total output."""
    from pmstudio.orchestrator import DraftSettings, draft_postmortem

    latency, per_token = (0.15, 0.003) if quick else (0.3, 0.006)
    bundle = example_bundle()
    settings = DraftSettings(max_revisions=0, use_critic_agent=False)
    out: dict[str, Any] = {"latency_s": latency, "decode_s_per_token": per_token}
    with _AnthropicFake(latency_s=latency, decode_s_per_token=per_token):
        # warm-up: the first draft in a process pays the SDK imports and client set-up; measure after it
        asyncio.run(draft_postmortem(bundle, model="anthropic:claude-bench", settings=settings))
        t0 = time.perf_counter()
        single = asyncio.run(draft_postmortem(bundle, model="anthropic:claude-bench", prompt_set="seed-single-shot",
                                              settings=settings))
        out["single_shot_s"] = time.perf_counter() - t0
        starts, seen = _start_times()
        t0 = time.perf_counter()
        multi = asyncio.run(draft_postmortem(bundle, model="anthropic:claude-bench", settings=settings, on_status=seen))
        out["multi_agent_s"] = time.perf_counter() - t0
    critical, warm, ttft = critical_path(multi, starts)
    out["warm_up_section"], out["warm_up_ttft_s"] = warm, ttft
    out.update({"critical_path_s": critical, "single_output_tokens": single.usage.output_tokens,
                "multi_output_tokens": multi.usage.output_tokens, "status": [single.status, multi.status],
                "section_output_tokens": {s.section: s.usage.output_tokens for s in multi.sections}})
    out["multi_over_single"] = out["multi_agent_s"] / out["single_shot_s"]
    out["multi_over_critical_path"] = out["multi_agent_s"] / critical
    table(f"2b. decode time (Anthropic wire; fake server: {latency} s to first token + {per_token * 1000:g} ms per output token)",
          ["measure", "value"], [
              ["single-shot draft wall (s)", out["single_shot_s"]],
              ["single-shot output tokens", single.usage.output_tokens],
              ["multi-agent draft wall, concurrent (s)", out["multi_agent_s"]],
              ["multi-agent output tokens (all sections)", multi.usage.output_tokens],
              ["critical path from the section times and their context dependencies (s)", critical],
              ["multi-agent / single-shot wall (target <= 0.5)", out["multi_over_single"]],
              ["multi-agent wall / its critical path (target <= 1.2)", out["multi_over_critical_path"]],
          ])
    return out


# --------------------------------------------------------------------------- 3. eval grid throughput


def bench_grid(quick: bool) -> dict[str, Any]:
    from pmstudio.evals.runner import EvalSettings, Runner
    from pmstudio.golden import load_dataset
    from pmstudio.testing.fake_server import FakeProviderServer

    cases = load_dataset(ROOT / "datasets" / "golden")[: (3 if quick else 6)]
    latency = 0.2
    out: dict[str, Any] = {"cases": len(cases), "latency_s": latency}
    rows = []
    with FakeProviderServer(latency_s=latency) as srv:
        models = [f"openai-compatible:bench-a@{srv.openai_base_url}", f"openai-compatible:bench-b@{srv.openai_base_url}"]
        prompts = ["default", "seed-single-shot"]
        for conc in (1, 4, 16):
            with tempfile.TemporaryDirectory() as tmp:
                db = Path(tmp) / "grid.duckdb"
                settings = EvalSettings(models=models, prompt_sets=prompts, concurrency=conc, max_revisions=0)
                runner = Runner(cases, settings, db=db)
                cells = len(runner.cells())
                t0 = time.perf_counter()
                run_id = asyncio.run(runner.run())
                first = time.perf_counter() - t0
                t1 = time.perf_counter()
                asyncio.run(Runner(cases, settings, db=db).run())
                cached = time.perf_counter() - t1
                srv.reset()
            out[f"c{conc}"] = {"cells": cells, "first_s": first, "cached_s": cached, "cells_per_s": cells / first,
                               "run_id": run_id}
            rows.append([conc, cells, first, cells / first, cached, cached / first])
    base = out["c1"]["cells_per_s"]
    for conc in (4, 16):
        out[f"speedup_c{conc}"] = out[f"c{conc}"]["cells_per_s"] / base
    table(f"3. eval grid: {len(cases)} cases x 2 models x 2 prompt sets, fake server {latency}s/call",
          ["concurrency", "cells", "first run (s)", "cells/s", "cached re-run (s)", "cached / first (target <= 0.05)"], rows)
    console.print(f"speed-up vs concurrency 1: x{out['speedup_c4']:.2f} at 4, x{out['speedup_c16']:.2f} at 16 "
                  "(openai-compatible provider limit applies inside each draft)")
    return out


# --------------------------------------------------------------------------- 4. input scaling


def make_bundle(folder: Path, megabytes: float) -> None:
    """A folder bundle: a big application log (repetitive, like real ones) plus a chat channel."""
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bundle.yaml").write_text("id: scale\ntitle: Generated scale test\ntimezone: UTC\n")
    target = int(megabytes * 1024 * 1024)
    templates = [
        "INFO request served path=/api/v1/items/{n} status=200 latency_ms={ms}",
        "WARN upstream slow host=db-{h}.internal latency_ms={ms}",
        "ERROR connection pool exhausted host=db-{h}.internal waiting={n}",
        "INFO cache hit ratio={r}% shard={h}",
    ]
    size, t = 0, 1_700_000_000
    with open(folder / "app.log", "w", encoding="utf-8") as fh:
        while size < target * 0.95:
            t += rng.randint(0, 2)
            line = (time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime(t))
                    + rng.choice(templates).format(n=rng.randint(1, 99999), ms=rng.randint(1, 900), h=rng.randint(1, 9),
                                                   r=rng.randint(50, 99)) + "\n")
            fh.write(line)
            size += len(line)
    with open(folder / "chat.txt", "w", encoding="utf-8") as fh:
        start = time.gmtime(1_700_000_000)
        # a channel has hundreds to a few thousand messages whatever the size of the logs
        for i in range(min(2000, max(20, int(target * 0.05 / 60)))):
            minute = (start.tm_min + i) % 60
            hour = (start.tm_hour + (start.tm_min + i) // 60) % 24
            fh.write(f"{hour:02d}:{minute:02d} alex: checking the pool metrics again, waiting count is {i}\n")


def bench_scaling(quick: bool) -> dict[str, Any]:
    sizes = [1, 10] if quick else [1, 10, 100]
    out: dict[str, Any] = {}
    rows = []
    for mb in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / f"b{mb}"
            make_bundle(folder, mb)
            real = sum(p.stat().st_size for p in folder.iterdir()) / 1024 / 1024
            code = (
                "import resource, subprocess, sys, time\n"
                "t = time.perf_counter()\n"
                "p = subprocess.run([sys.argv[1], 'draft', sys.argv[2], '--no-store', '--quiet', '--max-revisions', '0'],"
                " stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
                "dt = time.perf_counter() - t\n"
                "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
                "print(dt, rss, p.returncode, (p.stderr or '').strip().splitlines()[-1:] )\n"
            )
            res = subprocess.run([sys.executable, "-c", code, str(Path(sys.executable).parent / "pmstudio"), str(folder)],
                                 capture_output=True, text=True, check=True)
            dt_s, rss_s, rc_s, *_ = res.stdout.split(" ", 3)
            out[f"{mb}MB"] = {"mb": real, "seconds": float(dt_s), "peak_rss_mb": float(rss_s), "rc": int(rc_s)}
            rows.append([f"{real:.1f}", float(dt_s), float(dt_s) / real, float(rss_s), int(rc_s)])
    first = out[f"{sizes[0]}MB"]
    last = out[f"{sizes[-1]}MB"]
    out["time_ratio_per_mb_last_over_first"] = (last["seconds"] / last["mb"]) / (first["seconds"] / first["mb"])
    table("4. input scaling: `pmstudio draft` offline on generated bundles (log + chat)",
          ["MB", "seconds", "s per MB", "peak RSS (MB, target <= 1024)", "exit"], rows)
    console.print(f"seconds-per-MB ratio largest/smallest: {out['time_ratio_per_mb_last_over_first']:.2f} (1.0 = linear)")
    return out


# --------------------------------------------------------------------------- 5. store


def bench_store(quick: bool) -> dict[str, Any]:
    from pmstudio.store import connect, migrate
    from pmstudio.store.queries import case_scores, cell_costs, eval_runs, leaderboard

    n = 200_000 if quick else 1_000_000
    out: dict[str, Any] = {"rows": n}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.duckdb"
        with connect(db) as con:
            migrate(con)
            con.execute(
                """
                INSERT INTO scores
                SELECT 'run-' || (i // 500000) AS run_id, NULL, 'case-' || (i // 2000 % 250), 'model-' || (i // 20 % 5),
                       'prompt-' || (i // 100 % 4), (i // 400) % 5, 'metric-' || (i % 20), '1',
                       random(), 0.5, random() > 0.3, (i % 20) < 8, NULL, 'lexical', NULL, NULL,
                       md5(i::VARCHAR), false
                FROM range(?) t(i)
                """,
                [n],
            )
            con.execute(
                """
                INSERT INTO eval_cells
                SELECT DISTINCT run_id, case_id, model, prompt_set, repeat_idx, NULL, false, 'ok', NULL, 'other',
                       100.0, 0.0, 1000, 100, now() FROM scores
                """
            )
            con.execute(
                "INSERT INTO runs SELECT DISTINCT run_id, 'eval', 'ok', now(), now(), 'eval', '{}', 'bench', '' FROM scores"
            )
        runs = ["run-0", "run-1"] if n > 500_000 else ["run-0"]
        timings: dict[str, list[float]] = {"leaderboard": [], "case drill": [], "cost vs quality": [], "eval runs": []}
        for _ in range(5):
            for name, fn in (
                ("leaderboard", lambda: leaderboard(runs, db)),
                ("case drill", lambda: case_scores(runs, "case-17", db)),
                ("cost vs quality", lambda: cell_costs(runs, db)),
                ("eval runs", lambda: eval_runs(db)),
            ):
                t0 = time.perf_counter()
                df = fn()
                timings[name].append((time.perf_counter() - t0) * 1000)
                assert len(df) > 0
    rows = []
    for name, ms in timings.items():
        med = statistics.median(ms)
        out[name] = {"median_ms": med, "max_ms": max(ms)}
        rows.append([name, med, max(ms), med / 200.0])
    table(f"5. store queries over {n:,} score rows (median of 5, incl. connect)",
          ["query", "median ms", "max ms", "median / 200 ms target"], rows)
    return out


# --------------------------------------------------------------------------- 6. cross-incident memory


def bench_similar(quick: bool) -> dict[str, Any]:
    """`similar` (query + explanation) over N indexed incidents built from the golden cases' facts, mixed."""
    from datetime import UTC, datetime, timedelta

    import yaml

    from pmstudio.memory import Fact, Query, class_set, classify, similar_to, weights
    from pmstudio.store.memory import write_index

    cases = []
    for f in sorted((ROOT / "datasets" / "golden").glob("*.yaml")):
        e = yaml.safe_load(f.read_text(encoding="utf-8"))
        x = e["expected"]
        cases.append((e["title"], x["trigger"], x["root_cause"], list(x["contributing_factors"]), list(x.get("action_items") or [])))
    rng = random.Random(7)
    out: dict[str, Any] = {}
    rows = []
    for n in ((1_000, 2_000) if quick else (1_000, 10_000)):
        docs = []
        for i in range(n):
            title, trig, cause, factors, actions = rng.choice(cases)
            other = rng.choice(cases)
            facts = [Fact(kind="service", text=title), Fact(kind="trigger", text=trig), Fact(kind="cause", text=cause)]
            facts += [Fact(kind="factor", ref=f"CF{j}", text=t) for j, t in enumerate(factors + other[3][:2])]
            facts += [Fact(kind="action", ref=a, text=a, status=rng.choice(["open", "done"])) for a in actions]
            for fact in facts:
                fact.classes = classify(fact.text) if fact.kind != "service" else []
            w = weights(facts)
            docs.append({"draft_id": f"d{i:06d}", "incident_id": f"inc-{i:06d}", "title": title,
                         "started_at": datetime(2020, 1, 1, tzinfo=UTC) + timedelta(hours=7 * i),
                         "norm": sum(v * v for v in w.values()) ** 0.5, "terms": w, "classes": class_set(facts),
                         "facts": [fact.model_dump() for fact in facts]})
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "memory.duckdb"
            t0 = time.perf_counter()
            for k in range(0, n, 2000):
                write_index(docs[k : k + 2000], db)
            build_s = time.perf_counter() - t0
            title, trig, cause, factors, actions = cases[10]
            qf = [Fact(kind="service", text=title), Fact(kind="trigger", text=trig), Fact(kind="cause", text=cause)]
            qf += [Fact(kind="factor", text=t, classes=classify(t)) for t in factors]
            query = Query(incident_id="query", title=title, facts=qf)
            from pmstudio.store.queries import frame

            ms, ref, cpu, ref_cpu = [], [], [], []
            for _ in range(7):  # side by side: a trivial read-only query on the same file measures the machine's noise
                c1, t1 = time.process_time(), time.perf_counter()
                res = similar_to(query, db=db, limit=5)
                ms.append((time.perf_counter() - t1) * 1000)
                cpu.append((time.process_time() - c1) * 1000)  # every thread of this process (DuckDB's too)
                assert res
                c2, t2 = time.process_time(), time.perf_counter()
                frame(db, "SELECT count(*) FROM memory_docs")
                ref.append((time.perf_counter() - t2) * 1000)
                ref_cpu.append((time.process_time() - c2) * 1000)
        med, rmed = statistics.median(ms), statistics.median(ref)
        cmed, rcmed = statistics.median(cpu), statistics.median(ref_cpu)
        out[str(n)] = {"median_ms": med, "max_ms": max(ms), "build_s": build_s, "reference_read_ms": rmed,
                       "cpu_ms": cmed, "reference_cpu_ms": rcmed, "load_avg_1m": os.getloadavg()[0]}
        rows.append([f"{n:,}", med, max(ms), cmed, rmed, rcmed, med / rmed, build_s, med / 200.0])
    table(f"6. similar over N indexed incidents (median of 7, incl. connect and explanation; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
          ["incidents", "median ms", "max ms", "CPU ms", "trivial read ms", "trivial CPU ms", "similar / trivial",
           "index build s", "median / 200 ms target"], rows)
    return out


# --------------------------------------------------------------------------- 7. check on a long document


def long_postmortem(words: int) -> str:
    """A post-mortem of at least `words` words, made of the check corpus's dev documents' sections
    (every timeline, table, action and blame shape), renumbered so each section is its own."""
    docs = sorted((ROOT / "datasets" / "check" / "dev").glob("*.md"))
    parts = ["# Post-Mortem: a very long incident review", ""]
    count = 0
    i = 0
    while count < words:
        text = docs[i % len(docs)].read_text(encoding="utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("# "))
        parts.append(body.replace("## ", f"## Part {i + 1}: ", ))
        count += len(body.split())
        i += 1
    return "\n".join(parts) + "\n"


def bench_check(quick: bool) -> dict[str, Any]:
    from pmstudio.check import check_markdown

    sizes = [2_000, 20_000]
    out: dict[str, Any] = {}
    rows = []
    check_markdown(long_postmortem(500))  # warm-up: lexicon, name lists, templates
    for words in sizes:
        md = long_postmortem(words)
        times = []
        for _ in range(1 if quick else 3):
            t = time.perf_counter()
            report = check_markdown(md)
            times.append(time.perf_counter() - t)
        best = min(times)
        out[f"words_{words}"] = {"words": len(md.split()), "seconds": best, "findings": len(report.findings)}
        rows.append([f"{len(md.split()):,}", best, len(report.findings), best / 2.0])
    out["ratio_20k_vs_2k"] = out["words_20000"]["seconds"] / max(out["words_2000"]["seconds"], 1e-9)
    table("check on a long post-mortem (best of runs, warm)", ["words", "seconds", "findings", "seconds / 2 s target"], rows)
    console.print(f"20k vs 2k words: {out['ratio_20k_vs_2k']:.1f}x the time for 10x the text")
    return out


# --------------------------------------------------------------------------- 8. compare page


class _ScriptRuns:
    """When the dashboard's script runs finish, read off Streamlit's websocket (its `script_finished` messages).

    The page's own status widget is no clock: it shows only after 500 ms and a fragment run can finish before
    it does, so a click is timed from the click to the run's `script_finished` message plus two painted frames."""

    def __init__(self, page: Any) -> None:
        self.finished: list[tuple[float, int]] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: Any) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if not isinstance(payload, bytes | bytearray):
            return
        msg = ForwardMsg()
        try:
            msg.ParseFromString(bytes(payload))
        except Exception:  # noqa: BLE001 - not a ForwardMsg: not ours to time
            return
        if msg.WhichOneof("type") == "script_finished":
            self.finished.append((time.perf_counter(), int(msg.script_finished)))

    def wait(self, page: Any, since: float, timeout_s: float = 120.0) -> float:
        """Seconds from `since` until a run (whole script or fragment) finished after it and the page painted."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        done = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
        deadline = time.perf_counter() + timeout_s
        while not any(t >= since and status in done for t, status in self.finished):
            if time.perf_counter() > deadline:
                raise TimeoutError("the dashboard's script run did not finish")
            page.wait_for_timeout(10)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return time.perf_counter() - since


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_cpu_seconds(root: int, skip: int) -> float:
    """CPU seconds of every live descendant of `root` except `skip` and its own (here: the browser's processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0.0, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child != skip:
                total += _cpu_seconds(child)
                todo.append(child)
    return total


class _Cpu:
    """CPU seconds the dashboard server and the browser spend on one action: the machine is shared, so wall
    times swing with the load average while these stay put."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.spent: dict[str, list[tuple[float, float]]] = {}

    def __enter__(self) -> _Cpu:
        self._start = (_cpu_seconds(self.server_pid), _tree_cpu_seconds(os.getpid(), self.server_pid))
        return self

    def record(self, name: str) -> None:
        now = (_cpu_seconds(self.server_pid), _tree_cpu_seconds(os.getpid(), self.server_pid))
        self.spent.setdefault(name, []).append((now[0] - self._start[0], now[1] - self._start[1]))

    def __exit__(self, *exc: object) -> None:
        return None


def _open_options(page: Any, box: Any) -> Any:
    """Open a select box's option list (a click can land while the page re-renders: retry) and return its options."""
    options = page.locator("[role='option']")
    for _ in range(5):
        box.click()
        try:
            options.first.wait_for(timeout=5_000)
            return options
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: the list did not open, click again
            page.keyboard.press("Escape")
    raise TimeoutError("the select box's options did not open")


def measure_compare(
    db: Path, workdir: Path, repeats: int, quick: bool
) -> tuple[list[float], dict[str, list[tuple[float, float]]], dict[str, list[float]]]:
    """Compare over `db` in Chromium: fresh page loads (the first is the server's first page), then clicks."""
    from pmstudio.testing.dashboard_server import CHROMIUM, serve
    from pmstudio.testing.dashboard_server import CHROMIUM_FLAGS as FLAGS

    proc, url, log = serve(db, workdir)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            runs = _ScriptRuns(page)
            loads = []
            cpu = _Cpu(proc.pid)
            for i in range(1 + repeats):  # the first is the server's first ever; then fresh page loads, cached queries
                with cpu:
                    t = time.perf_counter()
                    page.goto(url + "/compare")
                    page.get_by_role("heading", name="Drill into a case").wait_for(timeout=120_000)
                    loads.append(runs.wait(page, t))
                    cpu.record("cold load" if i == 0 else "load")
            clicks: dict[str, list[float]] = {"case": [], "section": [], "class": []}
            case_box = page.locator("[data-testid='stSelectbox']").filter(has_text="Case")
            class_box = page.locator("[data-testid='stSelectbox']").filter(has_text="Failure class")
            for i in range(repeats):
                options = _open_options(page, case_box)  # another case: the drill-down fragment re-runs
                with cpu:
                    t = time.perf_counter()
                    options.nth(i + 1).click()
                    clicks["case"].append(runs.wait(page, t))
                    cpu.record("case")
                closed = page.locator("[data-testid='stExpander'] details:not([open]) summary")
                if closed.count():  # open a collapsed section: its diff is built on demand
                    with cpu:
                        t = time.perf_counter()
                        closed.first.click()
                        try:
                            clicks["section"].append(runs.wait(page, t, timeout_s=15))
                            cpu.record("section")
                        except TimeoutError:  # a page that sends every section's content up front: no run to time
                            pass
            for i in range(2 if quick else 3):  # the failure-class filter re-runs the whole page
                options = _open_options(page, class_box)
                if options.count() < 3:
                    page.keyboard.press("Escape")
                    break
                with cpu:
                    t = time.perf_counter()
                    options.nth((i + 1) % 3).click()
                    clicks["class"].append(runs.wait(page, t))
                    cpu.record("class")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    return loads, cpu.spent, clicks


def bench_compare(quick: bool) -> dict[str, Any]:
    from pmstudio.evals.runner import EvalSettings, Runner
    from pmstudio.golden import load_dataset
    from pmstudio.testing.fake_server import FakeProviderServer

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        console.print("8. compare page: skipped (Debian chromium is not installed)")
        return {"skipped": "no chromium"}
    cases = load_dataset(ROOT / "datasets" / "golden")[: (6 if quick else 25)]
    out: dict[str, Any] = {"cases": len(cases), "variants": 4, "loadavg_before": os.getloadavg()}
    repeats = 2 if quick else 5
    with tempfile.TemporaryDirectory() as tmp, FakeProviderServer() as srv:
        db = Path(tmp) / "compare.duckdb"
        models = [f"openai-compatible:bench-a@{srv.openai_base_url}", f"openai-compatible:bench-b@{srv.openai_base_url}"]
        settings = EvalSettings(models=models, prompt_sets=["default", "seed-single-shot"], concurrency=16, max_revisions=0)
        t = time.perf_counter()
        asyncio.run(Runner(cases, settings, db=db).run())
        out["eval_seconds"] = time.perf_counter() - t
        out["loadavg_pages"] = os.getloadavg()
        loads, cpu, clicks = measure_compare(db, Path(tmp), repeats, quick)
    out["loadavg_after"] = os.getloadavg()
    out.update({"first_load_cold_s": loads[0], "first_load_s": statistics.median(loads[1:]),
                "cpu_s": {k: {"server": statistics.median(v[0] for v in vs), "browser": statistics.median(v[1] for v in vs)}
                          for k, vs in cpu.items()},
                "loads_s": loads, "clicks_s": clicks,
                "click_s": max(statistics.median(v) for v in clicks.values() if v)})
    rows = [["first load (server's first page)", loads[0], 2.0, loads[0] / 2.0],
            [f"first load (median of {repeats} fresh page loads)", out["first_load_s"], 2.0, out["first_load_s"] / 2.0]]
    names = {"case": "another case (drill-down fragment)", "section": "open a section (its word diff)",
             "class": "failure-class filter (whole page)"}
    rows += [[f"click: {names[k]}, median of {len(v)}", statistics.median(v), 1.0, statistics.median(v)] for k, v in clicks.items() if v]
    table(f"8. Compare page in Chromium: {len(cases)} cases x 4 variants ({len(cases) * 4} cells)",
          ["measure", "seconds", "target", "seconds / target"], rows)
    table("8. CPU seconds per action (median; the machine is shared: these swing less with its load than wall times)",
          ["action", "dashboard server", "browser"], [[k, v["server"], v["browser"]] for k, v in out["cpu_s"].items()])
    console.print(f"load average (1 min) before {out['loadavg_before'][0]:.1f} / at the pages {out['loadavg_pages'][0]:.1f} / "
                  f"after {out['loadavg_after'][0]:.1f} on {os.cpu_count()} cores")
    return out


BENCHES = {"parallel": bench_parallel, "tokens": bench_tokens, "decode": bench_decode, "grid": bench_grid, "scaling": bench_scaling, "store": bench_store,
           "similar": bench_similar, "check": bench_check, "compare": bench_compare}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=sorted(BENCHES))
    args = parser.parse_args()
    results: dict[str, Any] = {"quick": args.quick, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    t0 = time.perf_counter()
    for name, fn in BENCHES.items():
        if args.only and name != args.only:
            continue
        t = time.perf_counter()
        results[name] = fn(args.quick)
        results[name]["bench_seconds"] = time.perf_counter() - t
    results["total_seconds"] = time.perf_counter() - t0
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    console.print(f"total {results['total_seconds']:.0f} s; results in {OUT / 'results.json'}")


if __name__ == "__main__":
    main()
