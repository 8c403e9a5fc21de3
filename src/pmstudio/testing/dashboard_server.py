"""The dashboard as tests and benchmarks run it: a Streamlit server on 127.0.0.1 over one DuckDB file, and
the flags headless Debian Chromium runs with (never `playwright install`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO, Any

from pmstudio.resources import dashboard_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(db: Path, workdir: Path, timeout_s: float = 60.0) -> tuple[subprocess.Popen[bytes], str, IO[Any]]:
    """Start the dashboard over `db` (keys cleared, usage stats off); return (process, url, log file).
    The caller terminates the process and closes the log."""
    port = free_port()
    env = {**os.environ, "PMSTUDIO_DB": str(db), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
           "DEEPEVAL_TELEMETRY_OPT_OUT": "YES", "DEEPEVAL_DISABLE_DOTENV": "1"}
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        env.pop(key, None)
    log = open(workdir / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(dashboard_app()), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workdir,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url, log
        except OSError:
            time.sleep(0.3)
    proc.kill()
    log.close()
    raise RuntimeError("streamlit did not become healthy: " + (workdir / "streamlit.log").read_text()[-2000:])
