"""Runs an ``FFNN`` on the autograd engine: ``FFNN(..., engine="autograd")`` calls this.

Each layer of ``model.network`` is written as ``Tensor`` operations (a dense layer is
``x @ W + b``, an activation its ``tensor_forward``), then the loss and the weight penalty,
and one ``backward()`` fills every parameter's gradient. No hand-written backward pass of
``ffnn.layers`` / ``ffnn.activations`` / ``ffnn.losses`` is called: only the forward value of
the output activation, for the probabilities the training loop reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import losses as _losses
from .. import regularizers as _regularizers
from ..layers import ActivationLayer, Dense, Layer, RMSNorm
from . import functional as F
from .tensor import Tensor

if TYPE_CHECKING:
    from ..model import FFNN

__all__ = ["loss_and_gradients", "network_forward", "penalty"]


# ---------------------------------------------------------------------- layers
def _dense(layer: Dense, h: Tensor, leaf: Callable[[Any], Tensor]) -> Tensor:
    return h @ leaf(layer.params["weight"]) + leaf(layer.params["bias"])  # z = x W + b


def _rmsnorm(layer: RMSNorm, h: Tensor, leaf: Callable[[Any], Tensor]) -> Tensor:
    # y = x / sqrt(mean(x^2) + eps) * g, the mean over each row's features
    ms = (h * h).mean(axis=1, keepdims=True)
    return h * (ms + layer.eps) ** -0.5 * leaf(layer.params["scale"])


def _activation(layer: ActivationLayer, h: Tensor, leaf: Callable[[Any], Tensor]) -> Tensor:
    return layer.activation.tensor_forward(h)


_LAYERS: dict[type, Callable[[Any, Tensor, Callable[[Any], Tensor]], Tensor]] = {
    Dense: _dense,
    RMSNorm: _rmsnorm,
    ActivationLayer: _activation,
}

# ---------------------------------------------------------------------- losses and penalties
# A general loss works on the output p; a fused head on the logits z of the output layer.
_LOSSES: dict[type, Callable[[Tensor, np.ndarray], Tensor]] = {
    _losses.MeanSquaredError: F.mse,
    _losses.BinaryCrossentropy: F.binary_crossentropy,
    _losses.CategoricalCrossentropy: F.categorical_crossentropy,
}
_HEADS: dict[type, Callable[[Tensor, np.ndarray], Tensor]] = {
    _losses.SoftmaxCrossentropyHead: F.softmax_crossentropy,
    _losses.SigmoidBinaryCrossentropyHead: F.sigmoid_binary_crossentropy,
}


def _l1(lam: float, w: Tensor) -> Tensor:
    return w.abs().sum() * lam  # lam * sum |w|


def _l2(lam: float, w: Tensor) -> Tensor:
    return (w * w).sum() * (0.5 * lam)  # lam/2 * sum w^2


_PENALTIES: dict[type, Callable[[float, Tensor], Tensor]] = {_regularizers.L1: _l1, _regularizers.L2: _l2}


def _lookup(table: dict[type, Any], obj: Any, what: str) -> Any:
    rule = table.get(type(obj))
    if rule is None:
        raise TypeError(
            f"engine='autograd' has no rule for the {what} {obj!r}; it knows "
            f"{[t.__name__ for t in table]}. Use engine='backprop', or add a rule in ffnn.autograd.adapter"
        )
    return rule


# ---------------------------------------------------------------------- the passes
def network_forward(model: FFNN, x: Tensor, leaf: Callable[[Any], Tensor], stop: int | None = None) -> Tensor:
    """The network's layers ``[:stop]`` applied to ``x`` as tensor operations."""
    h = x
    for layer in model.network.layers[:stop]:
        h = _lookup(_LAYERS, layer, "layer")(layer, h, leaf)
    return h


def penalty(model: FFNN, leaf: Callable[[Any], Tensor]) -> Tensor | None:
    """The regulariser's penalty over the decayed parameters (the dense weights), or ``None``."""
    reg = model.regularizer
    if reg is None:
        return None
    rule = _lookup(_PENALTIES, reg, "regularizer")
    total = None
    for _, p in model.network.named_parameters():
        if p.decay:
            term = rule(reg.lam, leaf(p))
            total = term if total is None else total + term
    return total


def loss_and_gradients(model: FFNN, x: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """Forward, loss and ``backward()`` on the engine; *sets* every ``p.grad`` of the model.

    Returns ``(loss, output)`` like ``FFNN._loss_and_gradients``: the data loss plus the
    penalty, and the network's output for the batch.
    """
    leaves: dict[int, tuple[Any, Tensor]] = {}

    def leaf(p: Any) -> Tensor:  # one tensor per parameter, sharing its memory
        entry = leaves.get(id(p))
        if entry is None:
            entry = leaves[id(p)] = (p, Tensor(p.data, requires_grad=True))
        return entry[1]

    head = model._head
    if head is not None:  # fused: the loss is computed from the logits of the output layer
        z = network_forward(model, Tensor(x), leaf, stop=-1)
        loss = _lookup(_HEADS, head, "output head")(z, Y)
        output = model.network.layers[-1].activation.forward(z.data)  # the probabilities
    else:
        h = network_forward(model, Tensor(x), leaf)
        loss = _lookup(_LOSSES, model.loss, "loss")(h, Y)
        output = h.data
    extra = penalty(model, leaf)
    if extra is not None:
        loss = loss + extra
    loss.backward()
    for p, t in leaves.values():
        if t.grad is None:
            p.grad.fill(0)
        else:
            p.grad[...] = t.grad
    for _, p in model.network.named_parameters():
        if id(p) not in leaves:  # a parameter the loss does not use has gradient 0
            p.grad.fill(0)
    return float(loss.data), output
