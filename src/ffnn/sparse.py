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

__all__ = ["is_sparse", "n_rows", "take_rows", "as_csr", "check_structure", "check_finite_sparse"]


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


def as_csr(x: Any, dtype: Any, name: str = "X") -> Any:
    """``x`` as CSR (cheap row slices) of ``dtype``, copying only what must change; its
    structure is checked first (``check_structure``)."""
    check_structure(x, name)
    csr = x if x.format == "csr" else x.tocsr()
    return csr.astype(dtype, copy=False)


def check_structure(x: Any, name: str = "X") -> None:
    """Raise ``ValueError`` unless the index arrays of ``x`` describe a valid sparse matrix.

    SciPy builds a CSR/CSC matrix from user arrays without checking that every column index is
    below the width (nor does it after the arrays are edited in place); its compiled products
    and conversions then read outside the arrays and crash the process. So every index is
    checked against the shape once, before any of them is used: CSR/CSC/BSR with SciPy's own
    full check, COO by its coordinates, other formats after a conversion to COO in NumPy code.
    """
    fmt = x.format
    try:
        if fmt in ("csr", "csc", "bsr"):
            x.check_format(full_check=True)
            return
        coo = x if fmt == "coo" else x.tocoo()
        n_rows, n_cols = coo.shape
        row, col = np.asarray(coo.row), np.asarray(coo.col)
        if not (row.shape == col.shape == np.asarray(coo.data).shape):
            raise ValueError("row, column and data arrays differ in length")
        for idx, bound, what in ((row, n_rows, "row"), (col, n_cols, "column")):
            if idx.size and (idx.min() < 0 or idx.max() >= bound):
                raise ValueError(f"a {what} index lies outside 0..{bound - 1}")
    except ValueError as err:
        raise ValueError(f"{name} is a malformed sparse {fmt} matrix ({err}); rebuild it with scipy.sparse") from None


def check_finite_sparse(x: Any, name: str = "X") -> None:
    """Raise ``ValueError`` when a sparse matrix stores NaN or inf (only its non-zeros are read)."""
    data = x.data
    if data.size and np.issubdtype(data.dtype, np.inexact) and not np.isfinite(data).all():
        bad = int(data.size - np.count_nonzero(np.isfinite(data)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); clean or impute them first")
