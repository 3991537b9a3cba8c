"""Run a benchmark with NumPy's own OpenBLAS kernels instead of the ones the environment forces.

Some machines set ``OPENBLAS_CORETYPE`` (and ``OPENBLAS_L2_SIZE``) for every process, because
older OpenBLAS builds computed wrong results or crashed on their processors; a current NumPy
would choose faster kernels there (docs/performance.md, "BLAS kernels"). The kernels are fixed
when NumPy loads its BLAS, so a script that wants NumPy's choice restarts itself without the
two variables, before any worker or timing starts.
"""

from __future__ import annotations

import os
import sys

FORCED_BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def restart_with_numpy_kernels(script: str, argv: list[str] | None = None) -> None:
    """Re-run ``script`` with ``argv`` (default: this process's arguments) without the forced
    variables; returns (does nothing) when neither is set, e.g. in the restarted process."""
    if not any(k in os.environ for k in FORCED_BLAS_VARIABLES):
        return
    env = {k: v for k, v in os.environ.items() if k not in FORCED_BLAS_VARIABLES}
    args = sys.argv[1:] if argv is None else list(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, os.path.abspath(script), *args], env)
