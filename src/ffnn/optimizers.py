"""Optimisers: update the parameters from their gradients and keep their own state.

An optimiser is bound to the network's two flat buffers (every parameter and every gradient
as one vector each, see ``Sequential``), so one step is a few vector operations however many
layers there are. Its state (velocities, moments) lives here, never in a layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import Registry
from .validation import check_positive_float

__all__ = ["OPTIMIZERS", "Optimizer", "SGD", "get"]


class Optimizer:
    """Base class. Call ``bind(params, grads)`` once, then ``step()`` after each backward."""

    name: str = "optimizer"

    def __init__(self, learning_rate: float = 0.01) -> None:
        self.learning_rate = check_positive_float("learning_rate", learning_rate)
        self.params: np.ndarray | None = None
        self.grads: np.ndarray | None = None
        self.iterations = 0

    def bind(self, params: np.ndarray, grads: np.ndarray) -> None:
        """Attach to the flat parameter and gradient buffers and allocate state for them."""
        self.params, self.grads = params, grads
        self._scratch = np.empty_like(params)

    def step(self) -> None:
        """Update ``params`` in place from ``grads``."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, np.ndarray]:
        """Arrays of the optimiser's state, to be saved with the model."""
        return {"iterations": np.asarray(self.iterations)}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.iterations = int(state.get("iterations", 0))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "learning_rate": self.learning_rate}

    def __repr__(self) -> str:
        params = {k: v for k, v in self.get_config().items() if k != "name"}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in params.items())})"


OPTIMIZERS: Registry[Optimizer] = Registry("optimizer", Optimizer)


def get(spec: Any, **kwargs: Any) -> Optimizer:
    """Return an optimiser from a name (``"sgd"``...), an instance, a class or a config dict."""
    return OPTIMIZERS.get(spec, **kwargs)


@OPTIMIZERS.register("sgd", "gd", "gradient_descent")
class SGD(Optimizer):
    """Plain gradient descent: ``w <- w - learning_rate * dL/dw``. Nothing else."""

    def step(self) -> None:
        np.multiply(self.grads, self.learning_rate, out=self._scratch)
        self.params -= self._scratch
        self.iterations += 1
