"""How many BLAS threads training uses: one for small batches, the library's default otherwise.

At small batch sizes each matrix product takes tens of microseconds, too little to split
between threads: a second thread costs more in hand-over than it saves, and on a busy machine
OpenBLAS threads that wait for each other can stall a step for milliseconds. From about
``SMALL_BATCH`` rows on, two threads are faster (1.2-1.4x at batch 256-1024 on 2 cores). So
``fit`` runs with one BLAS thread below ``SMALL_BATCH`` and leaves the BLAS's own setting
(all cores, or what ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` say) above it.

Override it for the whole process with ``set_num_threads(n)`` (``None`` goes back to the
rule), or with the environment variable ``FFNN_NUM_THREADS``: a positive integer is used for
every batch size; ``auto`` or empty keeps the rule above. ``set_num_threads`` wins over the
variable.

The thread count is part of the arithmetic: OpenBLAS splits a product differently for one
thread and for two, so the same seed gives bit-identical weights only with the same number of
threads. ``fit`` records the count it used in ``history.params["blas_threads"]``.

threadpoolctl is optional: without it, nothing is changed (the BLAS default applies). Its
controller is made once (finding the loaded libraries takes 0.5-3 ms), so that entering
``blas_threads`` costs microseconds and can wrap every ``predict`` call.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["ENV_VAR", "SMALL_BATCH", "choose_threads", "blas_threads", "set_num_threads", "threads_used"]

ENV_VAR = "FFNN_NUM_THREADS"
SMALL_BATCH = 128  # batches smaller than this train on one BLAS thread

_override: int | None = None


def set_num_threads(n: int | None) -> int | None:
    """Use ``n`` BLAS threads in every ``fit`` and ``predict`` of this process; ``None``: the rule.

    Returns the previous setting, so a caller can put it back (like ``np.seterr``).

    >>> import ffnn
    >>> ffnn.set_num_threads(1)     # e.g. on a machine shared with other work
    >>> ffnn.set_num_threads(None)  # back to: one thread below batch 128, the BLAS default above
    1
    """
    global _override
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"the number of threads must be a positive integer or None, got {n!r}")
    previous, _override = _override, n
    return previous


def choose_threads(batch_size: int) -> int | None:
    """BLAS threads for training at ``batch_size``; ``None`` means "leave the default"."""
    if _override is not None:
        return _override
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if value not in ("", "auto"):
        try:
            n = int(value)
        except ValueError:
            n = 0
        if n < 1:
            raise ValueError(f"{ENV_VAR} must be a positive integer or 'auto', got {value!r}")
        return n
    return 1 if batch_size < SMALL_BATCH else None


@functools.lru_cache(maxsize=1)
def _controller() -> Any:
    """threadpoolctl's view of the loaded thread pools (NumPy's BLAS), or None without it."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def threads_used(n: int | None) -> int | None:
    """How many BLAS threads ``blas_threads(n)`` runs with: ``n``, or the BLAS's current default
    (the largest over its libraries); ``None`` when threadpoolctl is not installed."""
    controller = _controller()
    if controller is None:
        return None
    if n is not None:
        return n
    counts = [lib.num_threads for lib in controller.select(user_api="blas").lib_controllers]
    return max(counts) if counts else None


@contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Run the block with the BLAS limited to ``n`` threads (restored afterwards).

    Does nothing when ``n`` is ``None`` or threadpoolctl is not installed.
    """
    controller = None if n is None else _controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=n, user_api="blas"):
        yield
