"""Run hostile probes in child processes under a memory and a CPU-time limit (Linux only).

A probe is a call such as ``ffnn.datasets:load_npy(path)``. One server process imports NumPy
and ffnn once, with single-threaded BLAS, then forks a child per probe (a few milliseconds).
The child caps its address space at ``AS_LIMIT`` (512 MiB) and its CPU time, resets its
peak-memory counter, makes the call, and reports what happened as an ``Outcome``: the
exception's type, bases and message (or a summary of the returned value), what it printed and
warned, its CPU seconds and how much its peak resident memory grew. A child that exceeds a
limit is killed and reported as such, so a regression fails one test instead of the machine.

A test module makes a fixture of ``serving()`` and calls it::

    outcome = hostile.run("ffnn.datasets:load_npy", path)
    outcome.assert_refused("DatasetError", "declares shape", file_size=path.stat().st_size)

Run as a script (``python hostile_harness.py``) it is the server: JSON requests on stdin,
JSON outcomes on stdout, one per line.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

AS_LIMIT = 512 * 1024 * 1024  # address space of a probe: the RLIMIT_AS
CPU_LIMIT = 10  # seconds of CPU before the kernel stops a probe (assertions use a tighter bound)
WALL_LIMIT = 60.0  # seconds before the server kills a probe that sleeps or blocks
EXTRA_MEMORY = 100 * 1024 * 1024  # a refused file may cost its own size plus this much
REFUSAL_CPU = 1.0  # seconds of CPU within which a hostile file must be refused
_PRELOAD = ("numpy", "ffnn", "ffnn.datasets", "ffnn.io", "ffnn.io.bounded", "ffnn.cli", "ffnn.study.cache",
            "ffnn.study.runner", "csv", "gzip", "json", "zipfile")


# ----------------------------------------------------------------------------- client side
@dataclass
class Outcome:
    """What one probe did. ``status`` is ``"returned"``, ``"raised"`` or ``"killed"``."""

    status: str
    error: str = ""
    bases: list[str] = field(default_factory=list)
    message: str = ""
    value: Any = None
    stdout: str = ""
    stderr: str = ""
    warnings: list[str] = field(default_factory=list)
    cpu: float = 0.0
    peak_growth: int = 0
    detail: str = ""

    def __str__(self) -> str:
        what = {"returned": f"returned {self.value!r}", "raised": f"raised {self.error}: {self.message}",
                "killed": f"was killed: {self.detail}"}[self.status]
        return f"probe {what} (cpu {self.cpu:.2f} s, peak memory +{self.peak_growth / 2**20:.1f} MiB)"

    def assert_bounded(self, file_size: int = 0, cpu: float = REFUSAL_CPU) -> None:
        """It ended by itself, within ``cpu`` seconds and ``file_size`` + 100 MiB of new memory."""
        assert self.status != "killed", str(self)
        assert self.cpu <= cpu, f"took {self.cpu:.2f} s of CPU (allowed {cpu}): {self}"
        limit = file_size + EXTRA_MEMORY
        assert self.peak_growth <= limit, f"grew by {self.peak_growth / 2**20:.1f} MiB (allowed " \
                                          f"{limit / 2**20:.1f}): {self}"

    def assert_refused(self, error: str, *patterns: str, file_size: int = 0, cpu: float = REFUSAL_CPU) -> None:
        """It raised ``error`` (or a subclass) with a message matching every regex in ``patterns``,
        quickly and in bounded memory."""
        assert self.status == "raised", str(self)
        assert error in self.bases, f"expected {error}, got {self.error} ({self.bases}): {self.message}"
        for pattern in patterns:
            assert re.search(pattern, self.message), f"message does not match {pattern!r}: {self.message}"
        self.assert_bounded(file_size, cpu)


class Harness:
    """The client: starts the server once and sends it probes."""

    def __init__(self) -> None:
        src = str(Path(__import__("ffnn").__file__).resolve().parent.parent)  # the ffnn under test
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
        self.proc = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=env, text=True, bufsize=1)

    def run(self, target: str, *args: Any, cpu_limit: int = CPU_LIMIT, **kwargs: Any) -> Outcome:
        """Call ``module:function(*args, **kwargs)`` in a fresh limited child; paths become strings."""
        request = {"target": target, "args": [_plain(a) for a in args],
                   "kwargs": {k: _plain(v) for k, v in kwargs.items()}, "cpu": cpu_limit}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the hostile-probe server died")
        return Outcome(**json.loads(line))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)

    def __enter__(self) -> Harness:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def available() -> bool:
    """Linux with fork, RLIMIT_AS and /proc: what the harness needs."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and Path("/proc/self/status").exists()


_shared: Harness | None = None


def serving() -> Iterator[Harness]:
    """The probe server for a module's fixture, shared by every module of the session (it is
    stopped when the interpreter exits); skips where the harness cannot run::

        @pytest.fixture(scope="module")
        def hostile():
            yield from hostile_harness.serving()
    """
    global _shared
    if not available():
        pytest.skip("the hostile-input harness needs Linux (fork, RLIMIT_AS, /proc)")
    if _shared is None or _shared.proc.poll() is not None:
        _shared = Harness()
        atexit.register(_shared.close)
    yield _shared


# ----------------------------------------------------------------------------- hostile files
def raw_zip(members: list[dict[str, Any]]) -> bytes:
    """A zip written field by field, so that sizes, methods and flags can lie.

    Each member is ``{"name", "body"}`` (the bytes as stored: already deflated for method 8)
    plus optional ``"file_size"`` (default: the body's length), ``"method"`` (0, stored),
    ``"flags"`` (0) and ``"crc"`` (default: the CRC-32 of the body).
    """
    import zlib

    local_parts, central_parts, offset = [], [], 0
    for m in members:
        name, body = m["name"].encode(), m["body"]
        fields = (m.get("flags", 0), m.get("method", 0), 0, 0, m.get("crc", zlib.crc32(body)), len(body),
                  m.get("file_size", len(body)), len(name))
        local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, *fields, 0) + name
        central_parts.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, *fields, 0, 0, 0, 0, 0, offset)
                             + name)
        local_parts.append(local + body)
        offset += len(local) + len(body)
    central = b"".join(central_parts)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), offset, 0)
    return b"".join(local_parts) + central + end


# ----------------------------------------------------------------------------- probes
# Targets for calls that need more than a path (run in the child like any library function).
def import_torch_into(path: str, layer_sizes: list[int], dtype: str = "float32") -> dict[str, Any]:
    """``ffnn.io.import_torch`` into a fresh ReLU/softmax network of ``layer_sizes``; its parameters."""
    import ffnn

    n = len(layer_sizes) - 1
    model = ffnn.FFNN(layer_sizes, ["relu"] * (n - 1) + ["softmax"], "cce", dtype=dtype, seed=0)
    ffnn.io.import_torch(model, path)
    return model.get_params()


def safetensors_digest(path: str) -> dict[str, list]:
    """What ffnn's safetensors reader makes of a file: per tensor its dtype, shape and data's SHA-256."""
    import hashlib

    from ffnn.io.torch_state import _read_safetensors

    return {name: [str(a.dtype), list(a.shape), hashlib.sha256(a.tobytes()).hexdigest()]
            for name, a in _read_safetensors(Path(path)).items()}


# ----------------------------------------------------------------------------- server side
def _status_kib(field_name: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> int:
    """Reset the peak-RSS counter where the kernel allows it; return the baseline to subtract."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return _status_kib("VmHWM")


def _summary(value: Any) -> Any:
    """A JSON-able picture of a returned value: arrays by dtype and shape."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return {"array": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, (list, tuple)):
        return [_summary(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _summary(v) for k, v in list(value.items())[:50]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return type(value).__name__


def _call(request: dict[str, Any]) -> dict[str, Any]:
    """In the child: limits, the call, and the report."""
    import importlib
    import resource
    import warnings

    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (request["cpu"], request["cpu"] + 1))
    module, _, name = request["target"].partition(":")
    fn = importlib.import_module(module)
    for part in name.split("."):
        fn = getattr(fn, part)
    out, err = io.StringIO(), io.StringIO()
    base = _reset_peak()
    start = resource.getrusage(resource.RUSAGE_SELF)
    report: dict[str, Any] = {}
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        try:
            report.update(status="returned", value=_summary(fn(*request["args"], **request["kwargs"])))
        except BaseException as exc:  # noqa: BLE001 (reporting what escaped is the point)
            report.update(status="raised", error=type(exc).__name__, message=str(exc),
                          bases=[c.__name__ for c in type(exc).__mro__])
    end = resource.getrusage(resource.RUSAGE_SELF)
    report.update(stdout=out.getvalue()[-4000:], stderr=err.getvalue()[-4000:],
                  warnings=[f"{w.category.__name__}: {w.message}" for w in caught][:20],
                  cpu=(end.ru_utime - start.ru_utime) + (end.ru_stime - start.ru_stime),
                  peak_growth=max(0, _status_kib("VmHWM") - base))
    return report


def _child(request: dict[str, Any], w: int) -> None:
    try:
        report = _call(request)
    except BaseException as exc:  # noqa: BLE001
        report = {"status": "killed", "detail": f"harness error {type(exc).__name__}: {exc}"}
    data = json.dumps(report).encode()
    view = memoryview(data)
    while view:
        view = view[os.write(w, view):]
    os._exit(0)


def _collect(pid: int, r: int) -> dict[str, Any]:
    """The child's report, or why it died; a child past ``WALL_LIMIT`` is killed."""
    chunks, deadline = [], time.monotonic() + WALL_LIMIT
    while True:
        ready, _, _ = select.select([r], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"status": "killed", "detail": f"over {WALL_LIMIT} s of wall time"}
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = signal.Signals(os.WTERMSIG(status)).name
        return {"status": "killed", "detail": f"signal {sig} (SIGXCPU: over the CPU limit)"}
    return json.loads(b"".join(chunks) or b'{"status": "killed", "detail": "no report"}')


def serve() -> None:
    """Read requests, fork a limited child for each, write its outcome."""
    import importlib

    for module in _PRELOAD:  # imported once here, not in every child (their cost is not the probe's)
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    for line in sys.stdin:
        request = json.loads(line)
        r, w = os.pipe()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(request, w)
        os.close(w)
        try:
            report = _collect(pid, r)
        finally:
            os.close(r)
        sys.stdout.write(json.dumps(report) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
