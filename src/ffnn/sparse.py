"""Sparse inputs: recognise a SciPy sparse matrix without importing SciPy, and take its rows.

``import ffnn`` never imports SciPy. A sparse matrix can only exist once the caller's code has
imported ``scipy.sparse``, so ``is_sparse`` looks the module up in ``sys.modules`` instead of
importing it. Only the first dense layer ever sees a sparse batch: its products go through
``scipy.sparse`` (``x @ W`` and ``x.T @ dz`` touch the non-zeros only), and everything after
it is dense. Nothing here densifies a whole matrix.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

__all__ = ["is_sparse", "n_rows", "take_rows", "as_csr", "check_finite_sparse"]


def is_sparse(x: Any) -> bool:
    """True for a SciPy sparse matrix or array (``csr_matrix``, ``csr_array``...)."""
    if type(x) is np.ndarray:
        return False
    sp = sys.modules.get("scipy.sparse")
    return sp is not None and bool(sp.issparse(x))


def n_rows(x: Any) -> int:
    """The number of rows of a dense or sparse 2-D input (``len`` refuses sparse matrices)."""
    return int(x.shape[0])


def take_rows(x: Any, idx: np.ndarray, out: np.ndarray | None = None) -> Any:
    """Rows ``idx`` of ``x``: gathered into ``out`` for a dense array, a new CSR matrix for a
    sparse one. ``idx`` must be in range (it comes from a permutation)."""
    if out is None or is_sparse(x):
        return x[idx] if is_sparse(x) else x.take(idx, axis=0)
    # mode="clip": in range by construction; the default "raise" gathers through a temporary
    return x.take(idx, axis=0, out=out, mode="clip")


def as_csr(x: Any, dtype: Any) -> Any:
    """``x`` as CSR (cheap row slices) of ``dtype``, copying only what must change."""
    csr = x if x.format == "csr" else x.tocsr()
    return csr.astype(dtype, copy=False)


def check_finite_sparse(x: Any, name: str = "X") -> None:
    """Raise ``ValueError`` when a sparse matrix stores NaN or inf (only its non-zeros are read)."""
    data = x.data
    if data.size and np.issubdtype(data.dtype, np.inexact) and not np.isfinite(data).all():
        bad = int(data.size - np.count_nonzero(np.isfinite(data)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); clean or impute them first")
