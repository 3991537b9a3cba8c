"""What a benchmark records about the machine it ran on."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

import numpy as np


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def machine() -> dict:
    """CPU name, cores, platform, Python and NumPy versions, the load average now, and the
    OpenBLAS variables of the environment (they can force its kernels: docs/performance.md,
    "BLAS kernels")."""
    cpu = "unknown"
    try:
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {"cpu": cpu, "cores": cores(), "platform": platform.platform(), "python": platform.python_version(),
            "numpy": np.__version__, "loadavg_at_start": load,
            "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}}
