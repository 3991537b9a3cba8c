"""Splits and simple preprocessing: seeded stratified splits, one-hot, [0, 1] scaling, standardisation.

Every split returns arrays in the order the loaders use, ``(X_train, y_train, X_test, y_test)``
(note: scikit-learn's ``train_test_split`` returns ``X_train, X_test, y_train, y_test``).
Scalers are fitted on the training set and return a ``Scaling`` that applies the same
transform to the test set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .idx import DatasetError

__all__ = ["split_train_test", "split_train_val_test", "one_hot", "Scaling", "minmax_scale", "standardize"]


def _check_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise DatasetError(f"X and y need the same number of rows, got shapes {X.shape} and {y.shape}")
    return X, y


def _is_labels(y: np.ndarray) -> bool:
    return y.ndim == 1 and (y.dtype.kind in "iub" or (y.dtype.kind == "f" and np.all(y == np.round(y))))


def _test_counts(y: np.ndarray, n_test: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per class: its indices and how many go to the test set, proportional (largest remainder)."""
    classes, inverse = np.unique(y, return_inverse=True)
    counts = np.bincount(inverse)
    exact = counts * n_test / len(y)
    take = np.floor(exact).astype(np.int64)
    short = n_test - int(take.sum())
    # hand the remaining test places to the classes with the largest remainders (ties at random)
    order = np.lexsort((rng.random(len(classes)), -(exact - take)))
    take[order[:short]] += 1
    return inverse, take


def _n_test(n: int, test_size: float | int, name: str = "test_size") -> int:
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        k = int(test_size)
    elif isinstance(test_size, float) and 0.0 < test_size < 1.0:
        k = int(np.ceil(test_size * n))
    else:
        raise ValueError(f"{name} must be a fraction in (0, 1) or a count of rows, got {test_size!r}")
    if not 0 < k < n:
        raise ValueError(f"{name}={test_size!r} leaves {k} of {n} rows for the split; need 0 < {name} rows < {n}")
    return k


def split_train_test(
    X: Any, y: Any, test_size: float | int = 0.2, seed: int | None = 0, stratify: bool | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: a seeded random split, stratified by class.

    ``test_size`` is a fraction (rounded up, as scikit-learn does) or a number of rows.
    ``stratify=None`` stratifies when ``y`` holds class labels (1-D integers), so each class
    keeps its share in both parts; ``True`` requires labels, ``False`` never stratifies.

    >>> X = np.arange(20).reshape(10, 2); y = np.array([0] * 5 + [1] * 5)
    >>> Xtr, ytr, Xte, yte = split_train_test(X, y, test_size=0.4, seed=0)
    >>> np.bincount(yte).tolist()
    [2, 2]
    """
    X, y = _check_xy(X, y)
    n_test = _n_test(len(y), test_size)
    rng = np.random.default_rng(seed)
    labels = _is_labels(y)
    if stratify and not labels:
        raise ValueError(f"stratify=True needs 1-D integer class labels, got y of {y.dtype} {y.shape}")
    if stratify is False or not labels:
        perm = rng.permutation(len(y))
        test, train = perm[:n_test], perm[n_test:]
    else:
        inverse, take = _test_counts(y, n_test, rng)
        test_parts, train_parts = [], []
        for c, k in enumerate(take):
            idx = rng.permutation(np.flatnonzero(inverse == c))
            test_parts.append(idx[:k])
            train_parts.append(idx[k:])
        test = rng.permutation(np.concatenate(test_parts))
        train = rng.permutation(np.concatenate(train_parts))
    return X[train], y[train], X[test], y[test]


def split_train_val_test(
    X: Any, y: Any, val_size: float | int = 0.1, test_size: float | int = 0.2, seed: int | None = 0,
    stratify: bool | None = None,
) -> tuple[np.ndarray, ...]:
    """``(X_train, y_train, X_val, y_val, X_test, y_test)``; sizes are fractions of the whole (or counts)."""
    X, y = _check_xy(X, y)
    n = len(y)
    n_test, n_val = _n_test(n, test_size), _n_test(n, val_size, "val_size")
    if n_test + n_val >= n:
        raise ValueError(f"val_size={val_size!r} and test_size={test_size!r} leave no training rows out of {n}")
    X_rest, y_rest, X_test, y_test = split_train_test(X, y, n_test, seed, stratify)
    X_train, y_train, X_val, y_val = split_train_test(X_rest, y_rest, n_val, None if seed is None else seed + 1,
                                                      stratify)
    return X_train, y_train, X_val, y_val, X_test, y_test


def one_hot(y: Any, n_classes: int | None = None, dtype: Any = np.float32) -> np.ndarray:
    """Integer labels ``(n,)`` -> ``(n, n_classes)`` rows with a single 1.

    >>> one_hot([2, 0], 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    y = np.asarray(y)
    if y.ndim != 1 or not _is_labels(y):
        raise ValueError(f"one_hot needs 1-D integer labels, got {y.dtype} {y.shape}")
    y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise ValueError(f"labels must be >= 0, got {int(y.min())}")
    k = int(y.max()) + 1 if n_classes is None and y.size else int(n_classes or 0)
    if y.size and y.max() >= k:
        raise ValueError(f"label {int(y.max())} does not fit n_classes={k}")
    out = np.zeros((len(y), k), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


@dataclass(frozen=True)
class Scaling:
    """``x -> (x - shift) / scale``, column by column, as fitted on a training set."""

    shift: np.ndarray
    scale: np.ndarray

    def transform(self, X: Any) -> np.ndarray:
        X = np.asarray(X)
        dtype = X.dtype if X.dtype.kind == "f" else np.float64
        if X.ndim != 2 or X.shape[1] != len(self.shift):
            raise ValueError(f"expected an array with {len(self.shift)} columns, got shape {X.shape}")
        return ((X - self.shift) / self.scale).astype(dtype, copy=False)

    def inverse_transform(self, X: Any) -> np.ndarray:
        return np.asarray(X) * self.scale + self.shift


def _fit(shift: np.ndarray, scale: np.ndarray) -> Scaling:
    scale = np.where(scale > 0, scale, 1.0)  # a constant column maps to 0, not to NaN
    return Scaling(shift.astype(np.float64), scale.astype(np.float64))


def _check_2d(X: Any) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"expected a non-empty 2-D array (rows of features), got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or inf")
    return X


def minmax_scale(X_train: Any) -> tuple[np.ndarray, Scaling]:
    """Scale each column of the training set to [0, 1]; returns ``(X_scaled, scaling)``.

    Apply the same transform elsewhere with ``scaling.transform(X_test)`` (values outside the
    training range fall outside [0, 1], as they should).
    """
    X = _check_2d(X_train)
    lo = X.min(axis=0)
    s = _fit(lo, X.max(axis=0) - lo)
    return s.transform(np.asarray(X_train)), s


def standardize(X_train: Any) -> tuple[np.ndarray, Scaling]:
    """Centre each column to mean 0 and scale to standard deviation 1; returns ``(X_scaled, scaling)``."""
    X = _check_2d(X_train)
    s = _fit(X.mean(axis=0), X.std(axis=0))
    return s.transform(np.asarray(X_train)), s
