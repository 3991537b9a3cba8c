"""Checking and converting what a user hands to ``fit``/``evaluate`` into ``training.Data``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .training import Data
from .validation import check_inputs, prepare_targets

__all__ = ["prepare", "subset", "sample_weights", "class_weights"]


def subset(data: Data, rows: np.ndarray) -> Data:
    """The chosen rows of ``data`` (copies), weights rescaled to mean 1 again."""
    weights = None
    if data.weights is not None:
        w = data.weights[rows].astype(np.float64)
        weights = (w * (len(w) / w.sum())).astype(data.weights.dtype) if w.sum() > 0 else w.astype(data.weights.dtype)
    return Data(data.X[rows], data.Y[rows], None if data.labels is None else data.labels[rows], weights)


def prepare(X: Any, y: Any, n_in: int, n_out: int, dtype: np.dtype, loss: Any, name: str = "",
            sample_weight: Any = None) -> Data:
    """Inputs, targets (one-hot from class labels) and per-row weights, checked and converted."""
    Xc = check_inputs(X, n_in, dtype, name=f"X{name}")  # a SciPy sparse X stays sparse (CSR)
    n = Xc.shape[0]
    Y, labels = prepare_targets(y, n, n_out, dtype, loss.needs_probabilities, name=f"y{name}")
    return Data(Xc, Y, labels, sample_weights(sample_weight, n, dtype, name=f"sample_weight{name}"))


def sample_weights(sample_weight: Any, n: int, dtype: np.dtype, name: str = "sample_weight") -> np.ndarray | None:
    """Per-row weights rescaled to mean 1 (``None`` stays ``None``): each row's loss counts
    ``w_i / mean(w)`` times, so a weight of 0 is the same as leaving the row out."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.dtype == object or not (np.issubdtype(w.dtype, np.number) or w.dtype == bool) or np.iscomplexobj(w):
        raise TypeError(f"{name} must hold real numbers, got dtype {w.dtype}")
    w = w.astype(np.float64)
    if w.shape != (n,):
        raise ValueError(f"{name} must have one weight per sample, shape ({n},), got {w.shape}")
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise ValueError(f"{name} must hold finite weights >= 0")
    total = w.sum()
    if not total > 0:
        raise ValueError(f"{name} sums to {total}; at least one sample needs a positive weight")
    return (w * (n / total)).astype(dtype)


def class_weights(class_weight: Any, labels: np.ndarray | None, n_classes: int) -> np.ndarray:
    """Per-row weights from ``class_weight``: a dict ``{class: weight}`` or ``"balanced"``
    (``n / (n_classes * count(class))``, as scikit-learn's ``compute_class_weight``)."""
    if labels is None:
        raise ValueError("class_weight needs class labels as y (integer labels, or one-hot rows)")
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"class_weight must be a dict or 'balanced', got {class_weight!r}")
        per_class = np.where(counts > 0, len(labels) / (n_classes * np.maximum(counts, 1)), 0.0)
    elif isinstance(class_weight, dict):
        unknown = [k for k in class_weight if not (isinstance(k, (int, np.integer)) and 0 <= k < n_classes)]
        if unknown:
            raise ValueError(f"class_weight has unknown class(es) {unknown}; classes are 0..{n_classes - 1}")
        per_class = np.ones(n_classes)
        for k, v in class_weight.items():
            per_class[int(k)] = float(v)
    else:
        raise TypeError(f"class_weight must be a dict or 'balanced', got {type(class_weight).__name__}")
    return per_class[labels]
