"""``Sequential``: runs layers forward and backward and names their parameters.

After ``build()``, every parameter's array and gradient are views into two flat buffers,
``flat_params`` and ``flat_grads``. Layers and users see ordinary per-layer arrays
(``layers.0.weight`` shaped ``(n_in, n_out)``), while an optimiser updates the whole network
with a couple of vector operations on the flat buffers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .layers import Layer, Parameter

__all__ = ["Sequential"]


class Sequential:
    """A chain of layers. ``names`` (one per layer) prefix parameter names; default: index."""

    def __init__(self, layers: Sequence[Layer], names: Sequence[str] | None = None) -> None:
        self.layers = list(layers)
        if names is None:
            names = [str(i) for i in range(len(self.layers))]
        if len(names) != len(self.layers):
            raise ValueError(f"got {len(names)} names for {len(self.layers)} layers")
        self.names = list(names)
        self.flat_params: np.ndarray | None = None
        self.flat_grads: np.ndarray | None = None

    # ------------------------------------------------------------------ parameters
    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """``(name, Parameter)`` pairs in forward order, e.g. ``("layers.0.weight", p)``."""
        for prefix, layer in zip(self.names, self.layers):
            for local, param in layer.parameters().items():
                yield f"{prefix}.{local}", param

    def build(self, rng: np.random.Generator, dtype: Any) -> None:
        """Draw every parameter, then re-home all of them into two flat buffers."""
        for layer in self.layers:
            layer.init_parameters(rng, dtype)
        self._flatten(np.dtype(dtype))

    def _flatten(self, dtype: np.dtype) -> None:
        params = [p for _, p in self.named_parameters()]
        total = sum(p.data.size for p in params)
        flat_params = np.empty(total, dtype=dtype)
        flat_grads = np.zeros(total, dtype=dtype)
        offset = 0
        for p in params:
            size, shape = p.data.size, p.data.shape
            view = flat_params[offset : offset + size].reshape(shape)
            view[...] = p.data
            p.data = view
            p.grad = flat_grads[offset : offset + size].reshape(shape)
            offset += size
        self.flat_params, self.flat_grads = flat_params, flat_grads

    def zero_grad(self) -> None:
        if self.flat_grads is not None:
            self.flat_grads.fill(0)

    # ------------------------------------------------------------------ passes
    def forward(self, x: np.ndarray, stop: int | None = None, start: int = 0) -> np.ndarray:
        """Run ``layers[start:stop]`` on ``x`` (all layers by default)."""
        for layer in self.layers[start:stop]:
            x = layer.forward(x)
        return x

    def backward(self, grad: np.ndarray, start: int | None = None) -> np.ndarray | None:
        """Back-propagate ``grad`` from the output of ``layers[:start]`` down to the input."""
        for layer in reversed(self.layers[:start]):
            grad = layer.backward(grad)
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"layers": [layer.get_config() for layer in self.layers], "names": self.names}

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({n}) {layer!r}" for n, layer in zip(self.names, self.layers))
        return f"Sequential(\n{inner}\n)"
