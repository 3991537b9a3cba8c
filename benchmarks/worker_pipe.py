"""The pipe between an interleaved benchmark and its worker processes, one per framework.

The parent starts ``python SCRIPT --worker NAME --data-dir DIR`` and sends one JSON job per
line; the worker answers each with one JSON line (an answer, ``{"error": traceback}`` when the
job failed, or ``{"unavailable": why}`` when its framework does not import). Each framework
thus keeps its own imports, threads and memory. Used by ``bench_compare.py`` and
``bench_grid.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import traceback
from collections.abc import Callable
from typing import Any


class WorkerProcess:
    """The parent's handle on one worker: ``ask(job)`` sends a job and returns the answer."""

    def __init__(self, script: str, framework: str, data_dir: str) -> None:
        self.framework = framework
        self.proc = subprocess.Popen([sys.executable, script, "--worker", framework, "--data-dir", data_dir],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        hello = self.ask({"job": "hello"})
        self.unavailable = hello.get("unavailable") or (hello["error"].strip().splitlines()[-1] if "error" in hello else None)
        self.info = {} if self.unavailable else hello

    def ask(self, job: dict) -> dict:
        if self.proc.poll() is not None:
            return {"unavailable": f"worker exited with code {self.proc.returncode}"}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        return json.loads(line) if line else {"unavailable": "worker exited"}

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=120)


def serve(make_runner: Callable[[], Any], do_job: Callable[[Any, dict], dict]) -> None:
    """The worker's side: build the framework's runner, then answer jobs from stdin until it closes.

    ``make_runner`` raising ``ImportError`` answers the first job with ``unavailable``. Anything
    the job prints goes to stderr: stdout carries answers only.
    """
    out, sys.stdout = sys.stdout, sys.stderr
    try:
        runner = make_runner()
    except ImportError as err:
        out.write(json.dumps({"unavailable": f"{type(err).__name__}: {err}"}) + "\n")
        out.flush()
        return
    for line in sys.stdin:
        job = json.loads(line)
        try:
            answer = do_job(runner, job)
        except Exception:  # noqa: BLE001 -- report, keep serving
            answer = {"error": traceback.format_exc()}
        out.write(json.dumps(answer) + "\n")
        out.flush()
