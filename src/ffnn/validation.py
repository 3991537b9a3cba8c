"""Checks at the public boundary: shapes, dtypes, finiteness, label ranges, settings.

Every check raises ``ValueError`` (a wrong value) or ``TypeError`` (a wrong kind of thing)
with a message that says what was expected, what came, and how to fix it. Code behind the
boundary trusts its inputs.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .rowwise import row_sum
from .sparse import as_csr, check_finite_sparse, is_sparse

__all__ = [
    "check_positive_int",
    "check_positive_float",
    "check_layer_sizes",
    "check_inputs",
    "check_finite",
    "prepare_targets",
]


def check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {type(value).__name__} {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def check_positive_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number, got {type(value).__name__} {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return float(value)


def check_layer_sizes(layer_sizes: Any) -> list[int]:
    if isinstance(layer_sizes, (str, bytes)) or not hasattr(layer_sizes, "__len__"):
        raise TypeError(f"layer_sizes must be a list of integers such as [784, 64, 10], got {layer_sizes!r}")
    if len(layer_sizes) < 2:
        raise ValueError(
            f"layer_sizes needs at least an input and an output size, got {list(layer_sizes)}"
        )
    return [check_positive_int(f"layer_sizes[{i}]", s) for i, s in enumerate(layer_sizes)]


def _numeric_array(value: Any, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got an array of dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    return arr


def check_finite(arr: np.ndarray, name: str, original: np.ndarray | None = None) -> None:
    """Raise ``ValueError`` naming ``name`` and the count when ``arr`` holds NaN or inf.

    ``original``: the array ``arr`` was converted from. Values finite there but infinite in
    ``arr`` (1e300 in float32) are then reported as too large for ``arr``'s dtype.
    """
    # One pass, no boolean copy of the data: a finite sum proves every element finite (NaN and
    # inf propagate). Only a non-finite sum (bad data, or a sum that overflowed) gets the exact count.
    if not np.issubdtype(arr.dtype, np.floating) or not arr.size:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        if arr.ndim == 2 and arr.dtype in (np.float32, np.float64):
            total = row_sum(arr).sum()  # the row sums as one BLAS product: all cores, 1.3x faster
        else:
            total = arr.sum()
    if np.isfinite(total):
        return
    bad = _count_not_finite(arr)
    if not bad:
        return
    before = bad if original is None or original.dtype == arr.dtype else _count_not_finite(original)
    if before < bad:
        largest = float(np.abs(original[np.isfinite(original)]).max())
        raise ValueError(
            f"{name} holds {bad - before} finite value(s) too large for {arr.dtype} (up to {largest:.3g} in "
            f"magnitude; they would become inf); scale {name}, or use dtype='float64'"
        )
    raise ValueError(f"{name} contains {bad} NaN or infinite value(s); clean or impute them first")


def _count_not_finite(arr: np.ndarray) -> int:
    if not np.issubdtype(arr.dtype, np.inexact):
        return 0
    return int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))


def _as_dtype(arr: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``arr`` as a C-contiguous array of ``dtype``; values out of range become inf (checked after)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.ascontiguousarray(arr, dtype=dtype)


def check_inputs(
    X: Any, n_features: int, dtype: np.dtype, name: str = "X", check_values: bool = True
) -> np.ndarray:
    """Return ``X`` as a C-contiguous 2-D array of ``dtype`` with ``n_features`` columns.

    The NaN/inf check is made after the conversion to ``dtype``, so finite values that ``dtype``
    cannot hold are refused too. ``check_values=False`` leaves that scan to the caller
    (``FFNN.predict`` does it through the first layer's products, see ``FFNN._forward``).
    """
    if is_sparse(X):
        return _check_sparse_inputs(X, n_features, dtype, name, check_values)
    arr = _numeric_array(X, name)
    if arr.ndim == 1 and n_features == 1:
        arr = arr.reshape(-1, 1)
    _check_input_shape(arr.shape, n_features, name)
    out = _as_dtype(arr, dtype)
    if check_values:
        check_finite(out, name, original=arr)
    return out


def _check_input_shape(shape: tuple[int, ...], n_features: int, name: str) -> None:
    """2-D, ``n_features`` columns, at least one row: the shape every input to a network needs."""
    if len(shape) != 2:
        hint = " (a single sample? use X.reshape(1, -1))" if len(shape) == 1 else ""
        raise ValueError(f"{name} must be 2-D, shaped (n_samples, {n_features}), got shape {shape}{hint}")
    if shape[1] != n_features:
        raise ValueError(
            f"{name} has {shape[1]} features per sample but the network's input layer has "
            f"{n_features} (layer_sizes[0]); got shape {shape}"
        )
    if shape[0] == 0:
        raise ValueError(f"{name} has no samples (shape {shape})")


def _check_sparse_inputs(X: Any, n_features: int, dtype: np.dtype, name: str, check_values: bool) -> Any:
    """A SciPy sparse ``X`` as CSR of ``dtype`` (cheap row batches; never densified), checked
    like a dense one: 2-D, ``n_features`` columns, rows, real numbers, and (after the cast)
    finite stored values."""
    _check_input_shape(X.shape, n_features, name)
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool) or np.iscomplexobj(X.data):
        raise TypeError(f"{name} must hold real numbers, got a sparse matrix of dtype {X.dtype}")
    with np.errstate(over="ignore", invalid="ignore"):
        csr = as_csr(X, dtype, name)
    if check_values:
        check_finite_sparse(csr, name)
    return csr


def prepare_targets(
    y: Any,
    n_samples: int,
    n_outputs: int,
    dtype: np.dtype,
    needs_probabilities: bool = False,
    name: str = "y",
) -> tuple[np.ndarray, np.ndarray | None]:
    """Return ``(Y, labels)``: ``Y`` shaped ``(n_samples, n_outputs)`` and, when ``y`` held
    integer class labels for a multi-unit output, those labels (else ``None``).

    Integer labels are one-hot encoded; a 1-D ``y`` for a one-unit output becomes a column (a
    ``(n,)`` target minus an ``(n, 1)`` output would silently broadcast to ``(n, n)``).
    """
    arr = _numeric_array(y, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have one entry per sample, got a scalar")
    if arr.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but {name} has {arr.shape[0]}")
    labels = None
    if arr.ndim == 1 and n_outputs > 1:
        check_finite(arr, name)
        labels = _check_labels(arr, n_outputs, name)
        Y = np.zeros((n_samples, n_outputs), dtype=dtype)
        Y[np.arange(n_samples), labels] = 1
    else:
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2 or arr.shape[1] != n_outputs:
            raise ValueError(
                f"{name} must be integer class labels shaped (n,) or targets shaped "
                f"(n, {n_outputs}) like the output layer, got shape {arr.shape}"
            )
        Y = _as_dtype(arr, dtype)
        check_finite(Y, name, original=arr)  # after the conversion: 1e300 is finite, but not in float32
    if needs_probabilities and (Y.min() < 0 or Y.max() > 1):
        raise ValueError(
            f"{name} must lie in [0, 1] for a cross-entropy loss, got values in "
            f"[{Y.min():g}, {Y.max():g}]; use class labels, one-hot or probability targets"
        )
    return Y, labels


def _check_labels(arr: np.ndarray, n_classes: int, name: str) -> np.ndarray:
    if not np.issubdtype(arr.dtype, np.integer):
        if arr.dtype == bool or not np.all(np.mod(arr, 1) == 0):
            raise ValueError(
                f"{name} is 1-D, so it must hold integer class labels 0..{n_classes - 1}; got "
                f"non-integer values (dtype {arr.dtype}). Pass targets shaped (n, {n_classes}) instead"
            )
    labels = arr.astype(np.intp)
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0 or hi >= n_classes:
        raise ValueError(
            f"{name} holds class labels in [{lo}, {hi}] but the output layer has {n_classes} "
            f"units, so labels must lie in [0, {n_classes - 1}]"
        )
    return labels
