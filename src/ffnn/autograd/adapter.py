"""Runs an ``FFNN`` on the autograd engine: ``FFNN(..., engine="autograd")`` calls this.

Each layer of ``model.network`` is written as ``Tensor`` operations (a dense layer is
``x @ W + b``, an activation its ``tensor_forward``), then the loss and the weight penalty,
and one ``backward()`` fills every parameter's gradient. Nothing of ``ffnn.layers``,
``ffnn.activations`` or ``ffnn.losses`` is computed here but the ``tensor_forward`` of each
activation: every value and every gradient comes from the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import numpy as np

from .. import losses as _losses
from .. import regularizers as _regularizers
from ..layers import ActivationLayer, Dense, RMSNorm
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


def _softmax_head(z: Tensor, y: np.ndarray) -> tuple[Tensor, np.ndarray]:
    logp = F.log_softmax(z, axis=1)
    return F.nll(logp, y), np.exp(logp.data)  # the loss, and the probabilities softmax(z)


def _sigmoid_head(z: Tensor, y: np.ndarray) -> tuple[Tensor, np.ndarray]:
    return F.sigmoid_binary_crossentropy(z, y), z.detach().sigmoid().data


# A fused head gives the loss from the logits, and the output probabilities.
_HEADS: dict[type, Callable[[Tensor, np.ndarray], tuple[Tensor, np.ndarray]]] = {
    _losses.SoftmaxCrossentropyHead: _softmax_head,
    _losses.SigmoidBinaryCrossentropyHead: _sigmoid_head,
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
class _Plan:
    """What one network needs on the engine, worked out once: a leaf tensor per parameter
    (sharing its memory, reused from batch to batch) and the rule for each layer."""

    def __init__(self, network: Any) -> None:
        self.pairs = [(p, Tensor(p.data, requires_grad=True)) for _, p in network.named_parameters()]
        self.leaf_of = {id(p): t for p, t in self.pairs}
        self.steps = [(_lookup(_LAYERS, layer, "layer"), layer) for layer in network.layers]
        self.decayed = [t for p, t in self.pairs if p.decay]

    def leaf(self, p: Any) -> Tensor:
        return self.leaf_of[id(p)]

    def is_current(self) -> bool:
        """False once a parameter's array has been replaced (not just updated in place)."""
        return all(t.data is p.data for p, t in self.pairs)


_PLANS: WeakKeyDictionary[Any, _Plan] = WeakKeyDictionary()


def _plan(network: Any) -> _Plan:
    plan = _PLANS.get(network)
    if plan is None or not plan.is_current():
        plan = _PLANS[network] = _Plan(network)
    return plan


def network_forward(model: FFNN, x: Tensor, stop: int | None = None) -> Tensor:
    """The network's layers ``[:stop]`` applied to ``x`` as tensor operations."""
    plan = _plan(model.network)
    h = x
    for rule, layer in plan.steps[:stop]:
        h = rule(layer, h, plan.leaf)
    return h


def penalty(model: FFNN) -> Tensor | None:
    """The regulariser's penalty over the decayed parameters (the dense weights), or ``None``."""
    reg = model.regularizer
    if reg is None:
        return None
    rule = _lookup(_PENALTIES, reg, "regularizer")
    total = None
    for w in _plan(model.network).decayed:
        total = rule(reg.lam, w) if total is None else total + rule(reg.lam, w)
    return total


def loss_and_gradients(model: FFNN, x: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """Forward, loss and ``backward()`` on the engine; *sets* every ``p.grad`` of the model.

    Returns ``(loss, output)`` like ``FFNN._loss_and_gradients``: the data loss plus the
    penalty, and the network's output for the batch.
    """
    plan = _plan(model.network)
    for _, t in plan.pairs:
        t.grad = None
    head = model._head
    if head is not None:  # fused: the loss is computed from the logits of the output layer
        z = network_forward(model, Tensor(x), stop=-1)
        loss, output = _lookup(_HEADS, head, "output head")(z, Y)
    else:
        h = network_forward(model, Tensor(x))
        loss, output = _lookup(_LOSSES, model.loss, "loss")(h, Y), h.data
    extra = penalty(model)
    if extra is not None:
        loss = loss + extra
    loss.backward()
    for p, t in plan.pairs:
        if t.grad is None:  # a parameter the loss does not use
            p.grad.fill(0)
        else:
            p.grad[...] = t.grad
    return float(loss.data), output
