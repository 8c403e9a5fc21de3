"""A real local model server (optional, `-m local_llm`): the draft of the example against llama-cpp-python.

Configured the way an SRE points the tool at a local model, skipped with the reason when it is not:

    PMSTUDIO_LOCAL_LLM_GGUF=/path/model.gguf        the test starts llama-cpp-python's server on 127.0.0.1
    PMSTUDIO_LOCAL_LLM_PYTHON=/venv/bin/python      a python with llama-cpp-python[server] (default: this one)
    PMSTUDIO_LOCAL_LLM_ARGS="--n_threads 2"         extra server arguments (default n_ctx 8192)
or
    PMSTUDIO_LOCAL_LLM=openai-compatible:M@URL      a server that is already running (Ollama, vLLM, ...)

    PMSTUDIO_LOCAL_LLM_DEADLINE=900                 seconds for the whole draft (`--deadline`)
    PMSTUDIO_LOCAL_LLM_MAX_TOKENS=512               output-token cap per section call (`--max-tokens`)
    PMSTUDIO_LOCAL_LLM_TIMEOUT=600                  seconds per model request (`--timeout`; a CPU box is slow)
    PMSTUDIO_LOCAL_LLM_PROMPTS=default              prompt set (`seed-single-shot`: one request for the draft)

The server runs at the lowest CPU priority and is stopped when the module's tests end. Each test prints
the mode `?output=auto` chose, per-section timings and tokens, the total wall time and every fallback with
its reason (run with `-s` to see them).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pmstudio.schema import SECTION_NAMES

pytestmark = [pytest.mark.local_llm, pytest.mark.slow, pytest.mark.timeout(3600)]

START_S = 240.0
"""How long the server may take to load the model and answer `/v1/models`."""


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        pytest.fail(f"{name}={value!r}: expected a number")


def _answers(base_url: str, timeout: float = 3.0) -> bool:
    try:
        urllib.request.urlopen(f"{base_url}/models", timeout=timeout).close()
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and nothing else
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def local_llm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The model string of a real local server: one already running, or llama-cpp-python started here."""
    from pmstudio.models import parse_model_ref

    ref = os.environ.get("PMSTUDIO_LOCAL_LLM", "").strip()
    if ref:
        parsed = parse_model_ref(ref)
        assert parsed.base_url is not None
        if not _answers(parsed.base_url):
            pytest.skip(f"PMSTUDIO_LOCAL_LLM: {parsed.base_url} does not answer GET /models")
        yield ref
        return
    gguf = os.environ.get("PMSTUDIO_LOCAL_LLM_GGUF", "").strip()
    if not gguf:
        pytest.skip("no real local model: set PMSTUDIO_LOCAL_LLM_GGUF=/path/model.gguf (and PMSTUDIO_LOCAL_LLM_PYTHON "
                    "to a python with llama-cpp-python[server]) or PMSTUDIO_LOCAL_LLM=openai-compatible:<model>@<url>")
    model = Path(gguf).expanduser()
    if not model.is_file():
        pytest.skip(f"PMSTUDIO_LOCAL_LLM_GGUF={gguf}: no such file")
    python = os.environ.get("PMSTUDIO_LOCAL_LLM_PYTHON", "").strip() or sys.executable
    check = subprocess.run([python, "-c", "import llama_cpp.server"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        pytest.skip(f"{python} cannot import llama_cpp.server (pip install 'llama-cpp-python[server]'): "
                    f"{(check.stderr.strip().splitlines() or ['?'])[-1]}")
    port = _free_port()
    name = model.stem
    cmd = [python, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", name, "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "8192", *shlex.split(os.environ.get("PMSTUDIO_LOCAL_LLM_ARGS", ""))]
    log = tmp_path_factory.mktemp("local-llm") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, preexec_fn=lambda: os.nice(19))  # noqa: PLW1509
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + START_S
        while not _answers(base_url, timeout=2):
            if proc.poll() is not None:
                tail = log.read_text(errors="replace").strip().splitlines()[-5:]
                pytest.fail(f"the llama-cpp-python server exited ({proc.returncode}): {' | '.join(tail)}")
            if time.monotonic() > deadline:
                pytest.fail(f"the llama-cpp-python server did not answer within {START_S:g} s (log: {log})")
            time.sleep(1)
        print(f"\nlocal server: {' '.join(cmd)}", flush=True)
        yield f"openai-compatible:{name}@{base_url}?output=auto"
    finally:
        _stop(proc)


def _pmstudio() -> list[str]:
    return [sys.executable, "-m", "pmstudio"]


def test_draft_of_the_example_completes_inside_the_deadline(local_llm: str, tmp_path: Path) -> None:
    """Done when: every section drafted from the evidence or an offline fallback with its reason, in time."""
    from pmstudio.agents.messages import render_evidence
    from pmstudio.ingest import load_bundle
    from pmstudio.resources import example_bundle
    from pmstudio.schema import PostMortem
    from pmstudio.store.queries import get_draft

    deadline = _env_number("PMSTUDIO_LOCAL_LLM_DEADLINE", 900)
    max_tokens = int(_env_number("PMSTUDIO_LOCAL_LLM_MAX_TOKENS", 512))
    timeout = _env_number("PMSTUDIO_LOCAL_LLM_TIMEOUT", 600)
    prompts = os.environ.get("PMSTUDIO_LOCAL_LLM_PROMPTS", "").strip() or "default"
    db, out = tmp_path / "store.duckdb", tmp_path / "draft.json"
    cmd = [*_pmstudio(), "draft", str(example_bundle()), "-m", local_llm, "--deadline", f"{deadline:g}",
           "--max-tokens", str(max_tokens), "--timeout", f"{timeout:g}", "-p", prompts, "--format", "json", "--out", str(out), "--db", str(db), "--no-memory"]
    started = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL,
                         env={**os.environ, "COLUMNS": "200"}, timeout=deadline + 600)
    wall = time.monotonic() - started
    assert "Traceback" not in res.stderr, res.stderr[-3000:]
    assert res.returncode in (0, 3), res.stderr[-3000:]  # 3: some section is an offline fallback (documented)

    closing = re.search(r"([\d.]+) s; output mode (\w+); draft (\w+)", res.stderr)
    assert closing, res.stderr[-2000:]
    draft_s, mode, draft_id = float(closing.group(1)), closing.group(2), closing.group(3)
    assert mode in ("native", "tool", "prompted")  # what auto chose, never "auto" itself
    view = get_draft(draft_id, db)
    assert view is not None and view.postmortem is not None
    pm = PostMortem.model_validate(json.loads(out.read_text()))
    sections = view.sections

    fallbacks = {f.section: f for f in pm.failures if f.fallback}
    hard = [f.line() for f in pm.failures if not f.fallback]
    assert not hard, f"sections failed without a fallback: {hard}"
    for name in SECTION_NAMES:
        assert pm.section(name) is not None, f"section {name} is neither drafted nor an offline fallback"
        if name in fallbacks:
            f = fallbacks[name]
            assert f.reason and f.detail, f
            assert f"section {name} failed: " in res.stderr  # a reason line for each, on stderr
    # drafted by the model from the evidence: its calls carried the whole evidence block (a server that drops
    # content arrays saw ~8 % of it), and the answer passed the sense checks (empty answers are failures)
    bundle, _ = load_bundle(example_bundle())
    evidence_tokens = len(render_evidence(bundle)) / 5  # a generous chars-per-token for English prose and logs
    drafted = [s for s in sections if s["status"] == "done" and s["section"] in SECTION_NAMES]
    for s in drafted:
        assert s["input_tokens"] >= evidence_tokens, (s["section"], s["input_tokens"], evidence_tokens)
    assert {s["section"] for s in drafted} | set(fallbacks) >= set(SECTION_NAMES)

    # inside the deadline (the draft; the wall adds the interpreter start and ?output=auto's probe)
    assert draft_s <= deadline + 5, draft_s

    print(f"\nprompts {prompts}, --max-tokens {max_tokens}, --timeout {timeout:g}; auto chose: {mode}; draft {draft_s:.1f} s (deadline {deadline:g} s), wall {wall:.1f} s "
          f"with start and probe; exit {res.returncode}; status {view.status}", flush=True)
    for s in sections:
        print(f"  {s['section']:<12} {s['agent']:<16} round {s['round']} {s['status']:<9} "
              f"{(s['latency_ms'] or 0) / 1000:7.1f} s  {s['input_tokens'] or 0:>6} in / {s['output_tokens'] or 0:>5} out"
              f"{'  ' + str(s['error'])[:160] if s['error'] else ''}", flush=True)
    model_sections = sorted({s['section'] for s in drafted})
    print(f"drafted by the model: {len(model_sections)} of {len(SECTION_NAMES)} {model_sections}; "
          f"offline fallbacks: {len(fallbacks)}", flush=True)
    for f in fallbacks.values():
        print(f"  fallback {f.section}: {f.line()}", flush=True)
    print(f"critic: {view.critic.critic}, rounds {view.critic.rounds}, not run: {view.critic.not_run or '-'}; "
          f"{len(view.critic.findings)} open findings", flush=True)
