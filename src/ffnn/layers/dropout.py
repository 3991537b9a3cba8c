"""``Dropout``: inverted dropout, drawn from the model's random generator."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import LAYERS, Layer

__all__ = ["Dropout"]


@LAYERS.register("dropout")
class Dropout(Layer):
    """Zeroes each unit with probability ``rate`` in training and scales the kept ones by
    ``1 / (1 - rate)``, so the expected output equals the input; the identity at inference.

    The mask is drawn from the model's generator (the one ``seed`` creates), so a seeded run
    repeats exactly, on either engine.
    """

    def __init__(self, rate: float) -> None:
        super().__init__()
        rate = float(rate)
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout rate must lie in [0, 1) (the share of units dropped), got {rate!r}")
        self.rate = rate
        self.rng: np.random.Generator | None = None  # the model's generator, given by Sequential.build
        self._mask: np.ndarray | None = None

    def _draw_mask(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """``1/(1-rate)`` where a unit is kept, 0 where dropped."""
        if self.rng is None:
            raise RuntimeError("Dropout needs a random generator: build it inside a model (FFNN.from_layers)")
        keep = self.rng.random(shape, dtype=np.dtype(dtype)) >= self.rate
        return keep.astype(dtype) * np.asarray(1.0 / (1.0 - self.rate), dtype=dtype)

    def forward(self, x, training=False):
        if not training or self.rate == 0.0:
            self._mask = None
            return x
        self._mask = self._draw_mask(x.shape, x.dtype)
        return x * self._mask

    def backward(self, grad):
        return grad if self._mask is None else grad * self._mask

    def tensor_forward(self, h, leaf, training=False):
        if not training or self.rate == 0.0:
            return h
        return h * self._draw_mask(h.data.shape, h.data.dtype)

    def get_config(self):
        return {"name": self.name, "rate": self.rate}
