"""Row-wise sums and maxima for the narrow arrays of an output layer, without NumPy's per-row cost.

``a.sum(axis=1)`` and ``a.max(axis=1)`` reduce each row on its own and pay a fixed cost per
row: on the ``(10000, 10)`` output of an MNIST classifier they take ~0.2 ms and ~0.4 ms, ten
times the arithmetic. Here

* a row sum is one BLAS matrix-vector product with a vector of ones (``a @ 1``): 5-10x faster
  at every batch size measured (32 to 10,000 rows);
* a row maximum of an array with few columns is a running ``np.maximum`` over its columns
  (one whole-column operation per column), ~10x faster from a few hundred rows on; short
  batches keep ``a.max(axis=1)``, which is faster there.

Both give NumPy's results: the maximum exactly (NaN propagates as in ``np.max``), the sum up to
the rounding of a different summation order.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["row_sum", "row_max"]

# A running maximum over columns pays one call per column: worth it from this many rows, for
# at most this many columns (measured on 2 cores: 10 columns, 1024 rows: 10 us against 44 us).
_COLUMN_LOOP_MIN_ROWS = 128
_COLUMN_LOOP_MAX_COLS = 32


@functools.lru_cache(maxsize=32)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


def row_sum(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a.sum(axis=1)`` for a 2-D float array, as ``a @ ones``; written into ``out`` if given."""
    return np.matmul(a, _ones(a.shape[1], a.dtype), out=out)


def row_max(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a.max(axis=1)`` for a 2-D array; written into ``out`` (shape ``(n,)``) if given."""
    n, k = a.shape
    if n < _COLUMN_LOOP_MIN_ROWS or k > _COLUMN_LOOP_MAX_COLS or k < 2:
        return a.max(axis=1, out=out)
    out = np.maximum(a[:, 0], a[:, 1], out=out)
    for j in range(2, k):
        np.maximum(out, a[:, j], out=out)
    return out
