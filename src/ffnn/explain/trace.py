"""``backprop(model, x, y)``: one forward and backward pass written down, layer by layer.

Every number is recomputed here from the model's own parts (its weights through
``get_params()``, its activation objects, loss, regulariser and, where the model uses one, the
fused output head of ``ffnn.losses.fused_head``), in the model's dtype and in the model's
order of operations, so the gradients equal ``model.compute_gradients(x, y)`` (to 1e-12 in
float64; the tests check every activation and loss pairing).

Notation (rows are samples, weights are ``(n_in, n_out)``): for dense layer ``l``,
``z = h W + b``, optionally ``u = RMSNorm(z)``, ``a = f(z or u)``, and ``delta = dL/dz``;
``h`` is the input ``x`` for the first layer and the previous layer's ``a`` after it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..losses import fused_head
from ..validation import check_inputs, prepare_targets

__all__ = ["BackpropTrace", "LayerTrace", "NormTrace", "backprop"]


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
    grad_inputs: np.ndarray | None = None  # dL/dh = delta W^T (None for the first layer)

    @property
    def name(self) -> str:
        return f"layers.{self.index}"

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
    layers: list[LayerTrace] = field(default_factory=list)

    @property
    def loss(self) -> float:
        return self.data_loss + self.penalty

    @property
    def output(self) -> np.ndarray:
        return self.layers[-1].a

    @property
    def n_samples(self) -> int:
        return self.x.shape[0]

    def grads(self) -> OrderedDict[str, np.ndarray]:
        """The gradients by name, keyed like ``model.compute_gradients`` (``"layers.0.weight"``...)."""
        out: OrderedDict[str, np.ndarray] = OrderedDict()
        for layer in self.layers:
            out[f"{layer.name}.weight"] = layer.grad_weight
            out[f"{layer.name}.bias"] = layer.grad_bias
            if layer.norm is not None:
                out[f"{layer.name}.norm.scale"] = layer.norm.grad_scale
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
    The model is not changed (its stored gradients included).

    >>> import ffnn, ffnn.explain
    >>> model = ffnn.FFNN([2, 2, 1], ["relu", "sigmoid"], "bce", seed=0, dtype="float64")
    >>> trace = ffnn.explain.backprop(model, [1.0, 2.0], [1.0])
    >>> sorted(trace.grads()) == sorted(model.get_params())
    True
    """
    X, Y, labels = _prepare(model, x, y)
    params = _check_supported(model)
    head = fused_head(model.activations[-1], model.loss)
    layers = _forward(model, params, X)
    data_loss = _output_delta(model, head, layers[-1], Y)
    for i in range(len(layers) - 1, -1, -1):
        _layer_backward(model, layers, i)
    penalty = 0.0
    if model.regularizer is not None:
        penalty = float(model.regularizer.penalty(layer.weight for layer in layers))
    return BackpropTrace(X, Y, labels, model.loss, model.regularizer, head, float(data_loss), penalty, layers)


def _prepare(model: Any, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    n_in, n_out = model.layer_sizes[0], model.layer_sizes[-1]
    x_arr = np.asarray(x)
    one_sample = x_arr.ndim == 1 and x_arr.shape[0] == n_in and n_in > 1
    if one_sample:
        x_arr = x_arr.reshape(1, -1)
        y_arr = np.asarray(y)
        y = y_arr.reshape(1) if y_arr.ndim == 0 else (y_arr.reshape(1, -1) if y_arr.ndim == 1 else y_arr)
    X = check_inputs(x_arr, n_in, model.dtype)
    if np.ndim(y) == 0:  # one label or target for one sample
        y = np.reshape(y, 1)
    Y, labels = prepare_targets(y, len(X), n_out, model.dtype, model.loss.needs_probabilities)
    return X, Y, labels


def _check_supported(model: Any) -> dict[str, np.ndarray]:
    """The parameters by name, once it is clear that they are dense layers and RMSNorm scales only."""
    params = model.get_params()
    n_dense = len(model.layer_sizes) - 1
    known = {f"layers.{i}.{p}" for i in range(n_dense) for p in ("weight", "bias", "norm.scale")}
    unknown = [name for name in params if name not in known]
    if unknown or len(model.activations) != n_dense:
        raise ValueError(
            "explain.backprop traces the layout FFNN(layer_sizes, activations, ...) builds: dense "
            "layer i named layers.i (weight, bias, optional norm.scale), then its activation; this "
            f"model's parameters {unknown} do not follow it (a stack from FFNN.from_layers?)"
        )
    return params


def _forward(model: Any, params: dict[str, np.ndarray], X: np.ndarray) -> list[LayerTrace]:
    layers, h = [], X
    eps = float(getattr(model, "rmsnorm_eps", 1e-6))
    for i, act in enumerate(model.activations):
        W, b = params[f"layers.{i}.weight"], params[f"layers.{i}.bias"]
        z = h @ W + b  # z = h W + b
        scale = params.get(f"layers.{i}.norm.scale")
        norm = None if scale is None else _norm_forward(z, scale, eps)
        pre = z if norm is None else norm.output
        a = np.array(act.forward(pre.copy()), copy=True)  # a = f(z) (or f(u))
        layers.append(LayerTrace(i, act, h, W, b, z, a, norm))
        h = a
    return layers


def _norm_forward(z: np.ndarray, scale: np.ndarray, eps: float) -> NormTrace:
    # r = 1 / sqrt(mean(z^2) + eps), zhat = z r, u = zhat g: the order RMSNorm computes in
    r = np.einsum("ij,ij->i", z, z)[:, None] / z.shape[1]
    r = 1 / np.sqrt(r + eps)
    zhat = z * r
    return NormTrace(scale, eps, r, zhat, zhat * scale)


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
    out.delta = np.array(out.activation.backward(out.pre_activation, out.a, out.grad_a), copy=True)
    return float(loss)


def _layer_backward(model: Any, layers: list[LayerTrace], i: int) -> None:
    """Given ``delta`` of layer ``i``: its gradients, and ``delta`` of layer ``i - 1``."""
    layer = layers[i]
    delta = layer.delta
    layer.grad_weight_data = layer.inputs.T @ delta  # dL/dW = h^T delta
    layer.grad_bias = np.ones(len(delta), dtype=delta.dtype) @ delta  # dL/db = sum over rows
    layer.grad_weight = layer.grad_weight_data.copy()
    if model.regularizer is not None:
        penalty = np.zeros_like(layer.weight)
        model.regularizer.add_gradient(layer.weight, penalty)  # lam sign(W) or lam W
        layer.grad_weight_penalty = penalty
        model.regularizer.add_gradient(layer.weight, layer.grad_weight)
    if i == 0:
        return
    below = layers[i - 1]
    layer.grad_inputs = delta @ layer.weight.T  # dL/dh = delta W^T
    below.grad_a = layer.grad_inputs
    grad_pre = np.array(below.activation.backward(below.pre_activation, below.a, below.grad_a), copy=True)
    below.delta = grad_pre if below.norm is None else _norm_backward(below.norm, grad_pre)


def _norm_backward(norm: NormTrace, grad_u: np.ndarray) -> np.ndarray:
    """``dL/dz`` through RMSNorm from ``dL/du``; sets ``dL/dg``."""
    zhat, r = norm.normalised, norm.rms_inverse
    norm.grad_output = grad_u
    norm.grad_scale = np.einsum("ij,ij->j", grad_u, zhat)  # dg = sum dL/du zhat
    dzhat = grad_u * norm.scale
    proj = np.einsum("ij,ij->i", dzhat, zhat)[:, None] / zhat.shape[1]
    return (dzhat - zhat * proj) * r  # dz = r (dzhat - zhat mean(dzhat zhat))
