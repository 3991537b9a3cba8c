"""``Activation``: an activation function applied as a layer (no parameters)."""

from __future__ import annotations

from typing import Any

from .. import activations
from .base import LAYERS, Layer

__all__ = ["Activation"]


@LAYERS.register("activation")
class Activation(Layer):
    """Applies ``activation`` (a name such as ``"relu"``, or an ``ffnn.activations`` object)
    element- or row-wise. Its backward is the activation's own vector-Jacobian product."""

    def __init__(self, activation: Any) -> None:
        super().__init__()
        self.activation: activations.Activation = activations.get(activation)
        self._z = self._a = None

    def forward(self, x, training=False):
        a = self._scratch("a", x.shape, x.dtype)
        self._z, self._a = x, self.activation.forward(x, out=a)
        return self._a

    def backward(self, grad):
        dz = self._scratch("dz", grad.shape, grad.dtype)
        return self.activation.backward(self._z, self._a, grad, out=dz)

    def tensor_forward(self, h, leaf, training=False):
        return self.activation.tensor_forward(h)

    def get_config(self):
        return {"name": self.name, "activation": self.activation.get_config()}

    def describe(self) -> str:
        return f"Activation({self.activation!r})"
