"""``backprop(model, x, y)``: one forward and backward pass written down, layer by layer.

Every number is recomputed here from the model's own parts (its weights through
``get_params()``, its activation objects, loss, regulariser and, where the model uses one, the
fused output head of ``ffnn.losses.fused_head``), in the model's dtype and in the model's
order of operations, so the gradients equal ``model.compute_gradients(x, y)`` (to 1e-12 in
float64; the tests check every activation and loss pairing).

Notation (rows are samples, weights are ``(n_in, n_out)``): for dense layer ``l``,
``z = h W + b``, optionally ``u = RMSNorm(z)``, ``a = f(z or u)``, and ``delta = dL/dz``;
``h`` is what reaches the dense layer. Any other layer of the stack (Normalization, LayerNorm,
BatchNorm, Dropout, an activation or RMSNorm on its own) is a ``StepTrace`` (see ``steps``);
``BackpropTrace.steps`` holds both kinds in the network's order, in inference mode.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..activations import get as get_activation
from ..layers import Activation, Dense, RMSNorm
from ..sparse import is_sparse
from ..validation import check_inputs, prepare_targets
from .steps import StepTrace, rms_backward, rms_forward, step_backward, step_forward

__all__ = ["BackpropTrace", "LayerTrace", "NormTrace", "StepTrace", "backprop"]


@dataclass
class NormTrace:
    """RMSNorm between ``z`` and the activation: ``u = g * z * r`` with ``r = 1/sqrt(mean(z^2) + eps)``."""

    scale: np.ndarray  # g, (k,)
    eps: float
    rms_inverse: np.ndarray  # r, (n, 1)
    normalised: np.ndarray  # zhat = z r, (n, k)
    output: np.ndarray  # u = zhat g, (n, k)
    grad_output: np.ndarray | None = None  # dL/du, (n, k)
    grad_scale: np.ndarray | None = None  # dL/dg = sum over rows of dL/du * zhat, (k,)
    name: str = ""  # the network's name of the RMSNorm layer, e.g. "layers.0.norm"


@dataclass
class LayerTrace:
    """One dense layer's forward values and backward gradients (arrays are copies)."""

    index: int  # 0 for "layers.0"
    activation: Any  # the model's activation object
    inputs: np.ndarray  # h, (n, n_in)
    weight: np.ndarray  # W, (n_in, n_out)
    bias: np.ndarray  # b, (n_out,)
    z: np.ndarray  # z = h W + b, (n, n_out)
    a: np.ndarray  # a = f(z) (or f(u) after RMSNorm), (n, n_out)
    norm: NormTrace | None = None
    grad_a: np.ndarray | None = None  # dL/da; None for an output computed by a fused head
    delta: np.ndarray | None = None  # dL/dz
    grad_weight_data: np.ndarray | None = None  # h^T delta
    grad_weight_penalty: np.ndarray | None = None  # the regulariser's term, or None
    grad_weight: np.ndarray | None = None  # their sum: what compute_gradients gives
    grad_bias: np.ndarray | None = None  # sum over rows of delta
    grad_inputs: np.ndarray | None = None  # dL/dh = delta W^T (None for the first trained layer)
    layer_name: str = ""  # the network's name of the Dense layer ("layers.0" when empty)
    activation_name: str = ""  # the network's name of the Activation layer; "" when there is none

    @property
    def name(self) -> str:
        return self.layer_name or f"layers.{self.index}"

    @property
    def output(self) -> np.ndarray:
        return self.a

    @property
    def n_in(self) -> int:
        return self.weight.shape[0]

    @property
    def n_out(self) -> int:
        return self.weight.shape[1]

    @property
    def pre_activation(self) -> np.ndarray:
        """What the activation receives: ``u`` after RMSNorm, else ``z``."""
        return self.z if self.norm is None else self.norm.output


@dataclass
class BackpropTrace:
    """Everything one backward pass computes, with pages that show it.

    ``loss`` is what ``compute_gradients`` returns (data loss plus penalty); ``grads()`` the
    gradients by parameter name. ``to_markdown()``, ``to_html()`` and ``summary()`` write it
    out: every number substituted into its formula for small layers, norms and shapes for
    large ones.
    """

    x: np.ndarray  # (n, n_in)
    y: np.ndarray  # targets as the loss sees them, (n, n_out)
    labels: np.ndarray | None  # the class labels when y was given as labels
    loss_object: Any
    regularizer: Any
    fused: Any  # the fused output head the model uses, or None
    data_loss: float
    penalty: float
    layers: list[LayerTrace] = field(default_factory=list)  # the dense blocks
    steps: list[Any] = field(default_factory=list)  # every block and step, in the network's order

    @property
    def loss(self) -> float:
        return self.data_loss + self.penalty

    @property
    def output(self) -> np.ndarray:
        return self.steps[-1].output

    @property
    def n_samples(self) -> int:
        return self.x.shape[0]

    def grads(self) -> OrderedDict[str, np.ndarray]:
        """The gradients by name, keyed like ``model.compute_gradients`` (``"layers.0.weight"``...)."""
        out: OrderedDict[str, np.ndarray] = OrderedDict()
        for step in self.steps:
            if isinstance(step, LayerTrace):
                out[f"{step.name}.weight"] = step.grad_weight
                out[f"{step.name}.bias"] = step.grad_bias
                if step.norm is not None:
                    out[f"{step.norm.name}.scale"] = step.norm.grad_scale
            else:
                for local in step.layer.parameters():
                    grad = step.grads.get(local)
                    out[f"{step.name}.{local}"] = np.zeros_like(step.values[local]) if grad is None else grad
        return out

    def to_markdown(self, max_units: int = 16, digits: int = 4) -> str:
        """The page as Markdown: formulas with numbers for layers of at most ``max_units`` units."""
        from .page import build_page
        from .render import to_markdown

        return to_markdown(build_page(self, max_units=max_units, digits=digits))

    def to_html(self, path: Any = None, max_units: int = 16, digits: int = 4) -> str:
        """The page as one self-contained HTML document (nothing fetched); written to ``path`` if given."""
        from .page import build_page
        from .render import to_html, write_text

        html = to_html(build_page(self, max_units=max_units, digits=digits))
        if path is not None:
            write_text(path, html)
        return html

    def summary(self) -> str:
        """A short plain-text table: per layer, the shapes and norms of z, a, delta and the gradients."""
        from .page import summary_text

        return summary_text(self)


def backprop(model: Any, x: Any, y: Any) -> BackpropTrace:
    """Trace one forward and backward pass of ``model`` on one sample or a tiny batch.

    ``x`` is one sample shaped ``(n_in,)`` or rows ``(n, n_in)``; ``y`` is what
    ``model.compute_gradients`` takes: class labels (an int for one sample) or target rows.
    Any stack of ``Dense``, ``Activation``, ``RMSNorm``, ``LayerNorm``, ``BatchNorm``,
    ``Dropout`` and ``Normalization`` is traced, in inference mode. The model is not changed
    (its stored gradients included).

    >>> import ffnn, ffnn.explain
    >>> model = ffnn.FFNN([2, 2, 1], ["relu", "sigmoid"], "bce", seed=0, dtype="float64")
    >>> trace = ffnn.explain.backprop(model, [1.0, 2.0], [1.0])
    >>> sorted(trace.grads()) == sorted(model.get_params())
    True
    """
    X, Y, labels = _prepare(model, x, y)
    head = model.objective.head
    steps = _forward(model.network, model.get_params(), X)
    first = _first_trained(steps)
    data_loss, grad = _output_backward(model, head, steps[-1], Y, need_input=len(steps) - 1 > first)
    for k in range(len(steps) - 2, first - 1, -1):
        grad = _step_backward(model, steps[k], grad, need_input=k > first)
    dense = [step for step in steps if isinstance(step, LayerTrace)]
    penalty = 0.0
    if model.regularizer is not None:
        penalty = float(model.regularizer.penalty(layer.weight for layer in dense))
    return BackpropTrace(X, Y, labels, model.loss, model.regularizer, head, float(data_loss), penalty, dense, steps)


def _prepare(model: Any, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    n_in, n_out = model.network.n_in, model.network.n_out
    if is_sparse(x):  # a trace shows every number of a few rows: those rows, densified
        x = x.toarray()
    x_arr = np.asarray(x)
    one_sample = x_arr.ndim == 1 and x_arr.shape[0] == n_in and n_in > 1
    if one_sample:
        x_arr = x_arr.reshape(1, -1)
        y_arr = np.asarray(y)
        y = y_arr.reshape(1) if y_arr.ndim == 0 else (y_arr.reshape(1, -1) if y_arr.ndim == 1 else y_arr)
    X = check_inputs(x_arr, n_in, model.dtype)
    if np.ndim(y) == 0:  # one label or target for one sample
        y = np.reshape(y, 1)
    y = model.targets.encode(y, n_out, model.loss)  # the model's classes and target scaling, as compute_gradients
    Y, labels = prepare_targets(y, len(X), n_out, model.dtype, model.loss.needs_probabilities)
    return X, Y, labels


def _blocks(network: Any) -> list[tuple[int, int]]:
    """``(start, stop)`` of each block: ``Dense`` [``RMSNorm``] [``Activation``], or any other single layer."""
    layers, spans, i = network.layers, [], 0
    while i < len(layers):
        stop = i + 1
        if isinstance(layers[i], Dense):
            if stop < len(layers) and isinstance(layers[stop], RMSNorm):
                stop += 1
            if stop < len(layers) and isinstance(layers[stop], Activation):
                stop += 1
        spans.append((i, stop))
        i = stop
    return spans


def _forward(network: Any, params: dict[str, np.ndarray], X: np.ndarray) -> list[Any]:
    steps: list[Any] = []
    h, n_dense = X, 0
    for start, stop in _blocks(network):
        layers, names = network.layers[start:stop], network.names[start:stop]
        if isinstance(layers[0], Dense):
            step = _dense_forward(n_dense, layers, names, params, h)
            n_dense += 1
        else:
            step = step_forward(names[0], layers[0], params, h)
        steps.append(step)
        h = step.output
    return steps


def _dense_forward(index: int, layers: list[Any], names: list[str], params: dict[str, np.ndarray],
                   h: np.ndarray) -> LayerTrace:
    """One dense block: ``z = h W + b``, then RMSNorm and the activation where the stack has them."""
    W, b = params[f"{names[0]}.weight"], params[f"{names[0]}.bias"]
    z = h @ W + b  # z = h W + b
    norm = None
    if len(layers) > 1 and isinstance(layers[1], RMSNorm):
        r, zhat, u = rms_forward(z, params[f"{names[1]}.scale"], layers[1].eps)
        norm = NormTrace(params[f"{names[1]}.scale"], layers[1].eps, r, zhat, u, name=names[1])
    act = layers[-1].activation if isinstance(layers[-1], Activation) else get_activation("linear")
    pre = z if norm is None else norm.output
    a = np.array(act.forward(pre.copy()), copy=True)  # a = f(z) (or f(u))
    act_name = names[-1] if isinstance(layers[-1], Activation) else ""
    return LayerTrace(index, act, h, W, b, z, a, norm, layer_name=names[0], activation_name=act_name)


def _first_trained(steps: list[Any]) -> int:
    """The first step with parameters: below it no gradient is needed (as ``Sequential.backward``)."""
    for k, step in enumerate(steps):
        if isinstance(step, LayerTrace) or step.layer.parameters():
            return k
    return len(steps)


def _output_backward(model: Any, head: Any, out: Any, Y: np.ndarray, need_input: bool) -> tuple[float, Any]:
    """Loss and backward through the last step; returns ``(data loss, dL/d(its input))``."""
    if isinstance(out, LayerTrace):
        loss = _output_delta(model, head, out, Y)
        return loss, _dense_gradients(model, out, need_input)
    if head is not None:  # a standalone output activation with the model's fused head
        p = np.empty_like(out.inputs)
        loss = head.forward(out.inputs, Y, out=p)
        out.output = p
        delta = head.backward(p, Y, out=np.empty_like(p)).copy()
        out.grad_inputs = delta if need_input else None
        return float(loss), out.grad_inputs
    loss = model.loss.value(out.output, Y)
    grad = np.asarray(model.loss.gradient(out.output, Y)).astype(out.output.dtype, copy=False)
    return float(loss), step_backward(out, grad, need_input)


def _output_delta(model: Any, head: Any, out: LayerTrace, Y: np.ndarray) -> float:
    """Set the output layer's ``a`` and ``delta = dL/dz``; return the data loss."""
    if head is not None:  # the model's fused head: loss and delta straight from the logits
        p = np.empty_like(out.z)
        loss = head.forward(out.z, Y, out=p)
        out.a = p
        out.delta = head.backward(p, Y, out=np.empty_like(p)).copy()
        return float(loss)
    loss = model.loss.value(out.a, Y)
    out.grad_a = np.asarray(model.loss.gradient(out.a, Y)).astype(out.a.dtype, copy=False)
    _delta_from_grad_a(out)
    return float(loss)


def _step_backward(model: Any, step: Any, grad: np.ndarray, need_input: bool) -> np.ndarray | None:
    if isinstance(step, LayerTrace):
        step.grad_a = grad
        _delta_from_grad_a(step)
        return _dense_gradients(model, step, need_input)
    return step_backward(step, grad, need_input)


def _delta_from_grad_a(layer: LayerTrace) -> None:
    """``delta = dL/dz`` from ``dL/da``: the activation's backward, then RMSNorm's."""
    grad_pre = np.array(layer.activation.backward(layer.pre_activation, layer.a, layer.grad_a), copy=True)
    layer.delta = grad_pre if layer.norm is None else _norm_backward(layer.norm, grad_pre)


def _dense_gradients(model: Any, layer: LayerTrace, need_input: bool) -> np.ndarray | None:
    """Given ``delta``: ``dL/dW``, ``dL/db`` (with the penalty's term) and ``dL/dh`` if needed."""
    delta = layer.delta
    layer.grad_weight_data = layer.inputs.T @ delta  # dL/dW = h^T delta
    layer.grad_bias = np.ones(len(delta), dtype=delta.dtype) @ delta  # dL/db = sum over rows
    layer.grad_weight = layer.grad_weight_data.copy()
    if model.regularizer is not None:
        penalty = np.zeros_like(layer.weight)
        model.regularizer.add_gradient(layer.weight, penalty)  # lam sign(W) or lam W
        layer.grad_weight_penalty = penalty
        model.regularizer.add_gradient(layer.weight, layer.grad_weight)
    if need_input:
        layer.grad_inputs = delta @ layer.weight.T  # dL/dh = delta W^T
    return layer.grad_inputs


def _norm_backward(norm: NormTrace, grad_u: np.ndarray) -> np.ndarray:
    """``dL/dz`` through RMSNorm from ``dL/du``; sets ``dL/dg``."""
    norm.grad_output = grad_u
    dz, norm.grad_scale = rms_backward(grad_u, norm.normalised, norm.rms_inverse, norm.scale)
    return dz
