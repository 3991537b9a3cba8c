"""The objective: a network's loss plus its weight penalty, and their gradients, on either engine.

This is the seam between a model and the training loop: the loop receives an ``Objective``
and never the model. ``loss_and_gradients`` runs one batch forward and backward and *sets*
every parameter gradient; ``evaluate`` scores data in inference mode.

Two engines compute the same numbers:

* ``"backprop"``: each layer's hand-written ``backward``. Where the last layer's activation
  and the loss have a fused head (softmax + categorical cross-entropy, sigmoid + binary
  cross-entropy), the loss and ``dL/dz`` come from the logits directly, which is exact and
  stable; this is chosen explicitly here, and tested against the general chain rule.
* ``"autograd"``: each layer's ``tensor_forward``, the loss's ``tensor_value`` (or the head's
  ``tensor_forward``) and the regulariser's ``tensor_penalty`` build one graph, and one
  ``backward()`` fills every gradient. Every rule lives beside its NumPy form.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .inference import predict
from .layers import Activation, ScratchArrays
from .losses import FusedHead, Loss, fused_head
from .metrics import accuracy_kind, count_correct
from .network import Sequential
from .sparse import is_sparse

__all__ = ["ENGINES", "Objective"]

ENGINES = ("backprop", "autograd")


class Objective:
    """``loss(network(x), y) + penalty(weights)`` and its gradients.

    ``regularizer`` (``ffnn.regularizers``) applies to the parameters marked ``decay`` (the
    dense weights). ``head`` is the fused output head in use, or ``None`` (set it to ``None``
    to force the general chain rule through the activation's own backward).
    """

    def __init__(self, network: Sequential, loss: Loss, regularizer: Any = None, engine: str = "backprop") -> None:
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        self.network, self.loss, self.regularizer, self.engine = network, loss, regularizer, engine
        last = network.layers[-1] if network.layers else None
        self.head: FusedHead | None = fused_head(last.activation, loss) if isinstance(last, Activation) else None
        self.scratch = ScratchArrays()
        self._leaves: list[tuple[Any, Any]] = []  # autograd: (parameter, its leaf tensor)

    # ------------------------------------------------------------------ what the loop calls
    def loss_and_gradients(
        self, x: np.ndarray, Y: np.ndarray, weights: np.ndarray | None = None, training: bool = True
    ) -> tuple[float, np.ndarray]:
        """Forward, loss and backward for one prepared batch; sets every parameter gradient.

        Returns ``(loss, output)``: the (row-weighted) data loss plus the penalty, and the
        network's output for the batch. ``training`` runs the layers in training mode.
        """
        if self.engine == "autograd":
            return self._autograd(x, Y, weights, training)
        net = self.network
        if self.head is not None:  # fused: the loss is computed from the logits
            z = net.forward(x, training, stop=-1)
            p = self.scratch.get("p", z.shape, z.dtype)
            loss = self.head.forward(z, Y, p, weights)
            dz = self.head.backward(p, Y, self.scratch.get("dz", z.shape, z.dtype))
            net.backward(dz, start=-1)
        else:
            p = net.forward(x, training)
            loss = self.loss.value(p, Y, weights)
            net.backward(self.loss.gradient(p, Y, weights).astype(p.dtype, copy=False))
        if self.regularizer is not None:
            loss += self._add_penalty_gradients()
        return float(loss), p

    def evaluate(
        self, X: np.ndarray, Y: np.ndarray, labels: np.ndarray | None = None, weights: np.ndarray | None = None
    ) -> dict[str, float]:
        """``{"loss": ..., "accuracy": ...}`` in inference mode; accuracy where the loss or the
        labels give it a meaning."""
        p = predict(self.network, X)
        result = {"loss": self.loss.value(p, Y, weights) + self.penalty()}
        kind = self.accuracy_kind(labels is not None)
        if kind is not None:
            result["accuracy"] = count_correct(p, Y, labels, kind) / len(Y)
        return result

    def accuracy_kind(self, labels_given: bool) -> str | None:
        return accuracy_kind(self.loss, self.network.n_out, labels_given)

    def penalty(self) -> float:
        """The regulariser's penalty on the current weights (0 without one)."""
        if self.regularizer is None:
            return 0.0
        return self.regularizer.penalty(p.data for p in self._decayed())

    # ------------------------------------------------------------------ backprop helpers
    def _decayed(self) -> list[Any]:
        return [p for _, p in self.network.named_parameters() if p.decay]

    def _add_penalty_gradients(self) -> float:
        weights = self._decayed()
        for p in weights:
            self.regularizer.add_gradient(p.data, p.grad)
        return self.regularizer.penalty(p.data for p in weights)

    # ------------------------------------------------------------------ autograd
    def _leaf_tensors(self) -> list[tuple[Any, Any]]:
        """One leaf tensor per parameter, sharing its memory; remade if an array was replaced."""
        from .autograd import Tensor

        params = [p for _, p in self.network.named_parameters()]
        if len(params) != len(self._leaves) or any(t.data is not p.data for p, t in self._leaves):
            self._leaves = [(p, Tensor(p.data, requires_grad=True)) for p in params]
        return self._leaves

    def _autograd(self, x: np.ndarray, Y: np.ndarray, weights: np.ndarray | None, training: bool):
        from .autograd import Tensor

        pairs = self._leaf_tensors()
        leaf_of = {id(p): t for p, t in pairs}
        for _, t in pairs:
            t.grad = None
        leaf = leaf_of.__getitem__
        layers = self.network.layers[:-1] if self.head is not None else self.network.layers
        h = Tensor(x.toarray() if is_sparse(x) else x)  # a sparse batch: only its rows are densified
        for layer in layers:
            h = layer.tensor_forward(h, lambda p: leaf(id(p)), training)
        if self.head is not None:  # fused: the loss from the logits of the output layer
            loss, output = self.head.tensor_forward(h, Y, weights)
        else:
            loss, output = self.loss.tensor_value(h, Y, weights), h.data
        if self.regularizer is not None:
            penalties = [self.regularizer.tensor_penalty(leaf(id(p))) for p in self._decayed()]
            if penalties:
                total = penalties[0]
                for extra in penalties[1:]:
                    total = total + extra
                loss = loss + total
        loss.backward()
        for p, t in pairs:
            if t.grad is None:  # a parameter the loss does not use
                p.grad.fill(0)
            else:
                p.grad[...] = t.grad
        return float(loss.data), output
