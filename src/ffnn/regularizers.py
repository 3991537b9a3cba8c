"""Weight penalties: L1 and L2, each with its penalty value and its gradient.

A regulariser sees only the arrays it is given (the model hands it the dense weights, never
biases or RMSNorm scales); it adds its penalty to the loss and its gradient to the weight
gradients it is handed. It never reaches into a model.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .registry import Configurable, Registry

__all__ = ["REGULARIZERS", "Regularizer", "L1", "L2", "get"]


class Regularizer(Configurable):
    """Base class: ``penalty(weights)`` and ``add_gradient(weight, grad)`` (in place)."""

    name: str = "regularizer"

    def __init__(self, lam: float = 0.0) -> None:
        lam = float(lam)
        if not lam >= 0 or not np.isfinite(lam):
            raise ValueError(f"reg_lambda must be a finite number >= 0, got {lam}")
        self.lam = lam

    def penalty(self, weights: Iterable[np.ndarray]) -> float:
        raise NotImplementedError

    def add_gradient(self, weight: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def tensor_penalty(self, weight: Any) -> Any:
        """The penalty of one autograd ``Tensor`` weight (``engine="autograd"``)."""
        raise NotImplementedError(f"regularizer {self.name!r} has no tensor_penalty; use engine='backprop'")

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "lam": self.lam}


REGULARIZERS: Registry[Regularizer] = Registry("regularizer", Regularizer)


def get(spec: Any, **kwargs: Any) -> Regularizer | None:
    """Return a regulariser from ``"l1"``/``"l2"``, an instance or a class; ``None`` stays ``None``."""
    if spec is None or (isinstance(spec, str) and spec.lower() in ("none", "")):
        return None
    return REGULARIZERS.get(spec, **kwargs)


@REGULARIZERS.register("l1", "lasso")
class L1(Regularizer):
    """``lam * sum |w|``; gradient ``lam * sign(w)`` (0 at w = 0)."""

    def penalty(self, weights):
        return self.lam * float(sum(np.abs(w).sum(dtype=np.float64) for w in weights))

    def add_gradient(self, weight, grad):
        grad += self.lam * np.sign(weight)

    def tensor_penalty(self, weight):
        return weight.abs().sum() * self.lam  # lam * sum |w|


@REGULARIZERS.register("l2", "ridge", "weight_decay")
class L2(Regularizer):
    """``lam * 0.5 * sum w^2``; gradient ``lam * w``."""

    def penalty(self, weights):
        return 0.5 * self.lam * float(sum(np.vdot(w, w) for w in weights))

    def add_gradient(self, weight, grad):
        grad += self.lam * weight

    def tensor_penalty(self, weight):
        return (weight * weight).sum() * (0.5 * self.lam)  # lam/2 * sum w^2
