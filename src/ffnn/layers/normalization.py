"""``Normalization``: per-feature standardisation learnt from data, not by gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import LAYERS, Layer

__all__ = ["Normalization"]


@LAYERS.register("normalization", "standardize", "standardization")
class Normalization(Layer):
    """``y = (x - mean) / sqrt(variance)`` per feature, with ``mean`` and ``variance`` (biased)
    learnt from data by ``adapt(X)``, or by ``fit`` from the training rows when not yet
    adapted. They are buffers: saved with the model, never trained. A feature with zero
    variance is only centred (divided by 1), as scikit-learn's ``StandardScaler`` does.

    With it as the first layer, a saved model takes raw feature rows.
    """

    keeps_nonfinite = True

    def __init__(self) -> None:
        super().__init__()
        self.mean: np.ndarray | None = None
        self.variance: np.ndarray | None = None
        self.count: np.ndarray | None = None  # rows adapt() has seen; 0: not adapted yet

    def build(self, n_in, dtype):
        kept = (self.mean, self.variance, self.count) if self.adapted and self.n_in == int(n_in) else None
        n = super().build(n_in, dtype)
        self.mean = np.zeros(n, dtype=dtype)
        self.variance = np.ones(n, dtype=dtype)
        self.count = np.zeros(1, dtype=dtype)
        if kept is not None:  # adapted before the model was built: keep what it learnt
            self.mean[...], self.variance[...], self.count[...] = kept
        return n

    def state_shapes(self, n_in):
        n = int(n_in)
        return n, {}, {"mean": (n,), "variance": (n,), "count": (1,)}

    def buffers(self):
        if not self.built:
            return {}
        return {"mean": self.mean, "variance": self.variance, "count": self.count}

    @property
    def adapted(self) -> bool:
        return self.count is not None and float(self.count[0]) > 0

    def adapt(self, X: Any) -> Normalization:
        """Learn the mean and variance of each feature (column) of ``X``, in float64."""
        arr = np.asarray(X, dtype=np.float64)
        if arr.ndim != 2 or len(arr) == 0:
            raise ValueError(f"adapt needs a 2-D array with at least one row, got shape {arr.shape}")
        if not self.built:
            self.build(arr.shape[1], np.float64)
        if arr.shape[1] != self.n_in:
            raise ValueError(f"adapt: X has {arr.shape[1]} features, this layer takes {self.n_in}")
        if not np.all(np.isfinite(arr)):
            raise ValueError("adapt: X contains NaN or inf; clean or impute it first")
        self.mean[...] = arr.mean(axis=0)
        self.variance[...] = arr.var(axis=0)
        self.count[...] = len(arr)
        return self

    def _inv_std(self, dtype: Any) -> np.ndarray:
        std = np.sqrt(self.variance.astype(np.float64))
        return (1.0 / np.where(std > 0, std, 1.0)).astype(dtype)

    def forward(self, x, training=False):
        self._inv = self._inv_std(x.dtype)
        return (x - self.mean) * self._inv

    def backward(self, grad):
        return grad * self._inv

    def tensor_forward(self, h, leaf, training=False):
        return (h - self.mean) * self._inv_std(h.data.dtype)

    def get_config(self):
        return {"name": self.name}
