"""How many BLAS threads training and prediction use: decided by the work of the products.

A product of an (m, k) by a (k, n) matrix does m*k*n multiply-adds: its *work*. A dense layer
from k to n units at batch m runs three products of that same work (forward ``x W``, backward
``x^T dz`` and ``dz W^T``), so a network's step is described by its list of layer works.

- **Per product** (``choose_threads_for_work(m, k, n)``): below ``WORK_THRESHOLD`` a second
  thread gains nothing (OpenBLAS itself runs products under 262,144 on one thread); from it on,
  the product alone runs 1.4-1.9x faster on two cores (``benchmarks/bench_products.py
  --part products``).
- **Per network** (``choose_threads(batch_size, widths)``): in a training loop a second thread
  also costs between the products (it spins, then must be woken; the element-wise passes, the
  gather and the update beside it slow down), so it pays only when the step's products are
  large enough in all: one thread when the sum of the layer works is below
  ``STEP_WORK_THRESHOLD``, the BLAS default (all cores) from it on. So the 64-wide MNIST demo
  at batch 32 keeps one thread while a 512-wide network at batch 64 uses both cores
  (``--part loop``).
- Without ``widths`` (the old call, ``choose_threads(batch_size)``), the batch size alone
  decides: one thread below ``SMALL_BATCH`` rows.

Override it for the whole process with ``set_num_threads(n)`` (``None`` goes back to the
rule), or with the environment variable ``FFNN_NUM_THREADS``: a positive integer is used for
every shape; ``auto`` or empty keeps the rule above. ``set_num_threads`` wins over the
variable. On a machine shared with other work, two threads can be many times slower at every
shape (a product waits for its slowest thread): set ``FFNN_NUM_THREADS=1`` there.

The thread count is part of the arithmetic: OpenBLAS splits a product differently for one
thread and for two, so the same seed gives bit-identical weights only with the same number of
threads. ``fit`` records the count the BLAS reports inside the limit (``threads_used``) in
``history.params["blas_threads"]``.

threadpoolctl is optional: without it, nothing is changed (the BLAS default applies). Its
controller is made once (finding the loaded libraries takes 0.5-3 ms), so that entering
``blas_threads`` costs microseconds and can wrap every ``predict`` call.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = [
    "ENV_VAR",
    "SMALL_BATCH",
    "STEP_WORK_THRESHOLD",
    "WORK_THRESHOLD",
    "AVX512_KERNELS",
    "blas_kernels",
    "blas_threads",
    "choose_threads",
    "choose_threads_for_work",
    "layer_work",
    "set_num_threads",
    "threads_used",
]

ENV_VAR = "FFNN_NUM_THREADS"
SMALL_BATCH = 128  # without layer widths: batches smaller than this train on one BLAS thread
# Measured on this machine (2 cores, OpenBLAS 0.3.31), benchmarks/bench_products.py; see
# docs/performance.md, "Shape grid". Work = multiply-adds of one product, m*k*n.
WORK_THRESHOLD = 524_288  # one product alone: a second thread pays from here on
STEP_WORK_THRESHOLD = 4_000_000  # a training step: sum over dense layers of batch*n_in*n_out

_override: int | None = None


def set_num_threads(n: int | None) -> int | None:
    """Use ``n`` BLAS threads in every ``fit`` and ``predict`` of this process; ``None``: the rule.

    Returns the previous setting, so a caller can put it back (like ``np.seterr``).

    >>> import ffnn
    >>> ffnn.set_num_threads(1)     # e.g. on a machine shared with other work
    >>> ffnn.set_num_threads(None)  # back to the rule: threads by the work of the products
    1
    """
    global _override
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"the number of threads must be a positive integer or None, got {n!r}")
    previous, _override = _override, n
    return previous


def _forced() -> int | None:
    """The count fixed by ``set_num_threads`` or ``FFNN_NUM_THREADS``; ``None``: use the rule."""
    if _override is not None:
        return _override
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if value in ("", "auto"):
        return None
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{ENV_VAR} must be a positive integer or 'auto', got {value!r}")
    return n


def layer_work(batch_size: int, widths: Sequence[int]) -> list[int]:
    """Multiply-adds of each dense layer's product at ``batch_size``: batch * n_in * n_out.

    ``widths`` are the layer sizes, input and output included (``[784, 64, 64, 10]``). The
    forward ``x W`` and the backward ``x^T dz`` and ``dz W^T`` of a layer all do this work.
    """
    return [batch_size * n_in * n_out for n_in, n_out in zip(widths, widths[1:])]


def choose_threads_for_work(m: int, k: int, n: int) -> int | None:
    """BLAS threads for one product of an (m, k) by a (k, n) matrix; ``None``: the BLAS default.

    One thread below ``WORK_THRESHOLD`` multiply-adds (m*k*n), the default (all cores) from it
    on; ``set_num_threads`` and ``FFNN_NUM_THREADS`` win. For a per-product choice: the three
    products of a dense layer share its work, so one call per layer serves all three.

    >>> choose_threads_for_work(32, 64, 10), choose_threads_for_work(64, 784, 512)
    (1, None)
    """
    forced = _forced()
    if forced is not None:
        return forced
    return 1 if m * k * n < WORK_THRESHOLD else None


def choose_threads(batch_size: int, widths: Sequence[int] | None = None) -> int | None:
    """BLAS threads for training (or predicting) at ``batch_size``; ``None``: the BLAS default.

    With ``widths`` (the layer sizes, input and output included) the step's work decides: one
    thread while ``sum(layer_work(batch_size, widths))`` is below ``STEP_WORK_THRESHOLD``, the
    default (all cores) from it on. Without them the batch size alone decides (one thread below
    ``SMALL_BATCH``). ``set_num_threads`` and ``FFNN_NUM_THREADS`` win over both rules.

    >>> choose_threads(32, [784, 64, 64, 10]), choose_threads(64, [784, 512, 512, 512, 10])
    (1, None)
    """
    forced = _forced()
    if forced is not None:
        return forced
    if widths is None:
        return 1 if batch_size < SMALL_BATCH else None
    return 1 if sum(layer_work(batch_size, widths)) < STEP_WORK_THRESHOLD else None


@functools.lru_cache(maxsize=1)
def _controller() -> Any:
    """threadpoolctl's view of the loaded thread pools (NumPy's BLAS), or None without it."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


#: OpenBLAS kernel families (threadpoolctl's ``architecture``) built on AVX-512.
AVX512_KERNELS = frozenset({"skylakex", "cooperlake", "sapphirerapids"})


@functools.lru_cache(maxsize=1)
def blas_kernels() -> str | None:
    """The kernel family NumPy's BLAS runs, as threadpoolctl reports it (OpenBLAS: e.g.
    ``"Haswell"``, ``"SkylakeX"``); ``None`` when unknown (no threadpoolctl, another BLAS).

    The kernels are part of the arithmetic (different kernels round differently) and decide
    which form of a product is faster (``layers.dense.transposed_input_grad``). They are fixed
    when NumPy loads its BLAS, by the CPU and ``OPENBLAS_CORETYPE``: see docs/performance.md,
    "BLAS kernels".
    """
    controller = _controller()
    if controller is None:
        return None
    libs = controller.select(user_api="blas").lib_controllers
    libs = sorted(libs, key=lambda lib: "numpy" not in str(getattr(lib, "filepath", "")))  # NumPy's own first
    for lib in libs:
        arch = getattr(lib, "architecture", None)
        if arch:
            return str(arch)
    return None


def threads_used(n: int | None) -> int | None:
    """How many threads the BLAS reports inside ``blas_threads(n)``: the count it really runs
    with (a BLAS built single-threaded says 1 whatever was asked), the largest over its
    libraries; ``None`` when threadpoolctl is not installed or sees no BLAS."""
    controller = _controller()
    if controller is None:
        return None
    with blas_threads(n):
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
