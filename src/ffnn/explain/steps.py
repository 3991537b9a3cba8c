"""Every layer that is not part of a dense block, traced as one step (inference mode).

A step keeps its input ``h``, its output ``y``, the parameters, buffers and intermediate
arrays of its formula (``values``) and, on the way back, ``dL/dy``, ``dL/dh`` and its parameter
gradients. The arithmetic is the layer's own (``ffnn.layers``), in the same order, so the
gradients equal the model's. BatchNorm uses its running statistics and Dropout is the
identity, as ``model.compute_gradients`` (``training=False``) runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["StepTrace", "STEP_KINDS", "step_forward", "step_backward", "rms_forward", "rms_backward"]

Values = dict[str, np.ndarray]


@dataclass
class StepTrace:
    """One non-dense layer's forward values and backward gradients (arrays are copies)."""

    name: str  # the network's name of the layer, e.g. "input_norm" or "layers.1"
    kind: str  # its registered name: "normalization", "layer_norm", "batch_norm", ...
    layer: Any  # the model's layer object (read, never called)
    inputs: np.ndarray  # h, (n, k)
    output: np.ndarray  # y, (n, k)
    values: Values = field(default_factory=dict)  # parameters, buffers and intermediates by name
    grad_output: np.ndarray | None = None  # dL/dy; None below the first trained layer
    grad_inputs: np.ndarray | None = None  # dL/dh; None when nothing below needs it
    grads: Values = field(default_factory=dict)  # dL/dθ by the parameter's local name

    @property
    def n_in(self) -> int:
        return self.inputs.shape[1]

    @property
    def n_out(self) -> int:
        return self.output.shape[1]

    @property
    def a(self) -> np.ndarray:
        """The output, under the name a dense block gives it."""
        return self.output


# ---------------------------------------------------------------------------- RMSNorm
def rms_forward(x: np.ndarray, scale: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(r, xhat, y)``: ``r = 1/sqrt(mean(x^2) + eps)``, ``xhat = x r``, ``y = xhat g`` (RMSNorm's order)."""
    r = np.einsum("ij,ij->i", x, x)[:, None] / x.shape[1]
    r = 1 / np.sqrt(r + eps)
    xhat = x * r
    return r, xhat, xhat * scale


def rms_backward(grad: np.ndarray, xhat: np.ndarray, r: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(dL/dx, dL/dg)`` of RMSNorm: ``dx = r (dxhat - xhat mean(dxhat xhat))``, ``dg = sum dy xhat``."""
    grad_scale = np.einsum("ij,ij->j", grad, xhat)
    dxhat = grad * scale
    proj = np.einsum("ij,ij->i", dxhat, xhat)[:, None] / xhat.shape[1]
    return (dxhat - xhat * proj) * r, grad_scale


def _rms_norm_forward(layer: Any, p: Values, h: np.ndarray) -> tuple[np.ndarray, Values]:
    r, xhat, y = rms_forward(h, p["scale"], layer.eps)
    return y, {**p, "rms_inverse": r, "xhat": xhat}


def _rms_norm_backward(layer: Any, v: Values, grad: np.ndarray) -> tuple[np.ndarray, Values]:
    dx, grad_scale = rms_backward(grad, v["xhat"], v["rms_inverse"], v["scale"])
    return dx, {"scale": grad_scale}


# ---------------------------------------------------------------------------- LayerNorm, BatchNorm
def _layer_norm_forward(layer: Any, p: Values, h: np.ndarray) -> tuple[np.ndarray, Values]:
    mean = h.mean(axis=1, keepdims=True)  # mu per row
    centred = h - mean
    var = np.mean(centred * centred, axis=1, keepdims=True)  # biased, per row
    inv = 1.0 / np.sqrt(var + layer.eps)
    xhat = centred * inv
    return xhat * p["scale"] + p["shift"], {**p, "mean": mean, "var": var, "inv_std": inv, "xhat": xhat}


def _layer_norm_backward(layer: Any, v: Values, grad: np.ndarray) -> tuple[np.ndarray, Values]:
    xhat = v["xhat"]
    grads = {"scale": np.sum(grad * xhat, axis=0), "shift": np.sum(grad, axis=0)}
    dxhat = grad * v["scale"]
    # dh = inv (dxhat - mean_j dxhat - xhat mean_j(dxhat xhat)), means over each row's features
    mean_d = dxhat.mean(axis=1, keepdims=True)
    mean_dx = (dxhat * xhat).mean(axis=1, keepdims=True)
    return v["inv_std"] * (dxhat - mean_d - xhat * mean_dx), grads


def _batch_norm_forward(layer: Any, p: Values, h: np.ndarray) -> tuple[np.ndarray, Values]:
    inv = 1.0 / np.sqrt(p["running_var"] + layer.eps)  # inference: the running statistics
    xhat = (h - p["running_mean"]) * inv
    return xhat * p["scale"] + p["shift"], {**p, "inv_std": inv, "xhat": xhat}


def _batch_norm_backward(layer: Any, v: Values, grad: np.ndarray) -> tuple[np.ndarray, Values]:
    grads = {"scale": np.sum(grad * v["xhat"], axis=0), "shift": np.sum(grad, axis=0)}
    return grad * v["scale"] * v["inv_std"], grads  # constant statistics: y is affine in h


# ---------------------------------------------------------------------------- the rest
def _normalization_forward(layer: Any, p: Values, h: np.ndarray) -> tuple[np.ndarray, Values]:
    std = np.sqrt(p["variance"].astype(np.float64))
    inv = (1.0 / np.where(std > 0, std, 1.0)).astype(h.dtype)  # 1/sigma, 1 for a constant feature
    return (h - p["mean"]) * inv, {**p, "inv_std": inv}


def _normalization_backward(layer: Any, v: Values, grad: np.ndarray) -> tuple[np.ndarray, Values]:
    return grad * v["inv_std"], {}


def _dropout_forward(layer: Any, p: Values, h: np.ndarray) -> tuple[np.ndarray, Values]:
    return h.copy(), {}  # inference: the identity


def _dropout_backward(layer: Any, v: Values, grad: np.ndarray) -> tuple[np.ndarray, Values]:
    return grad.copy(), {}


def _activation_forward(layer: Any, p: Values, h: np.ndarray) -> tuple[np.ndarray, Values]:
    return np.array(layer.activation.forward(h.copy()), copy=True), {}


Rule = tuple[Callable[..., tuple[np.ndarray, Values]], Callable[..., tuple[np.ndarray, Values]]]
STEP_KINDS: dict[str, Rule] = {
    "normalization": (_normalization_forward, _normalization_backward),
    "layer_norm": (_layer_norm_forward, _layer_norm_backward),
    "batch_norm": (_batch_norm_forward, _batch_norm_backward),
    "rms_norm": (_rms_norm_forward, _rms_norm_backward),
    "dropout": (_dropout_forward, _dropout_backward),
    "activation": (_activation_forward, None),  # backward: the activation's own, in step_backward
}


def step_forward(name: str, layer: Any, params: Values, h: np.ndarray) -> StepTrace:
    """Run ``layer`` (inference mode) on ``h`` with the named ``params`` (its parameters and buffers)."""
    if layer.name not in STEP_KINDS:
        raise ValueError(f"explain.backprop cannot trace layer {name!r} ({type(layer).__name__}): it traces "
                         f"Dense and {sorted(STEP_KINDS)}")
    local = {key: params[f"{name}.{key}"] for key in [*layer.parameters(), *layer.buffers()]}
    y, values = STEP_KINDS[layer.name][0](layer, local, h)
    return StepTrace(name, layer.name, layer, h, y, values)


def step_backward(step: StepTrace, grad: np.ndarray, need_input: bool = True) -> np.ndarray | None:
    """Set ``dL/dy`` (``grad``), the parameter gradients and ``dL/dh`` (if ``need_input``); return ``dL/dh``."""
    step.grad_output = grad
    if step.kind == "activation":
        dh = np.array(step.layer.activation.backward(step.inputs, step.output, grad), copy=True)
    else:
        dh, step.grads = STEP_KINDS[step.kind][1](step.layer, step.values, grad)
    step.grad_inputs = dh if need_input else None
    return step.grad_inputs
