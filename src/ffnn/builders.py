"""Turning a model's arguments into layers, and checking that they fit together.

``shortcut_layers`` is what ``FFNN(layer_sizes, activations, ...)`` builds: Dense →
[RMSNorm] → Activation per layer, named ``layers.<i>``, ``layers.<i>.norm``,
``layers.<i>.activation`` (the names of every file ffnn has written).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from . import activations as _activations
from .layers import Activation, Dense, Layer, RMSNorm

__all__ = ["DTYPES", "check_dtype", "check_activations", "shortcut_layers", "layers_from_config", "output_activation",
           "dense_activations", "check_loss_fits_output", "check_regularization", "warn_untrainable"]

DTYPES = ("float32", "float64")


def check_dtype(dtype: Any) -> np.dtype:
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    return np.dtype(name)


def check_activations(activations: Any, n_layers: int) -> list[_activations.Activation]:
    """One activation per non-input layer, each a name or an object."""
    if isinstance(activations, (str, _activations.Activation)) or not hasattr(activations, "__len__"):
        raise TypeError(
            f"activations must be a list with one activation per non-input layer ({n_layers} here), "
            f"got {activations!r}"
        )
    resolved = [_activations.get(a) for a in activations]  # an unknown name is named here first
    if len(resolved) != n_layers:
        raise ValueError(
            f"got {len(resolved)} activations for {n_layers + 1} layer sizes; need "
            f"len(activations) == len(layer_sizes) - 1 = {n_layers}"
        )
    return resolved


def shortcut_layers(
    layer_sizes: list[int], activations: list[Any], rmsnorm: bool, rmsnorm_eps: float
) -> tuple[list[Layer], list[str]]:
    """The layers and names ``FFNN(layer_sizes, activations, rmsnorm=...)`` stands for."""
    layers: list[Layer] = []
    names: list[str] = []
    n_hidden = len(layer_sizes) - 2
    for i, n_out in enumerate(layer_sizes[1:]):
        layers.append(Dense(n_out))
        names.append(f"layers.{i}")
        if rmsnorm and i < n_hidden:
            layers.append(RMSNorm(rmsnorm_eps))
            names.append(f"layers.{i}.norm")
        layers.append(Activation(activations[i]))
        names.append(f"layers.{i}.activation")
    return layers, names


def layers_from_config(config: dict[str, Any]) -> tuple[int, list[Layer], list[str] | None]:
    """``(n_inputs, layers, names)`` that a model config describes, built but not allocated,
    so their shapes can be checked (``Sequential.state_shapes``) before any array exists."""
    from .layers import Normalization
    from .layers import get as get_layer
    from .validation import check_layer_sizes, check_positive_int

    if "layers" in config:
        stack = [get_layer(c) for c in config["layers"]]
        if config.get("standardize") and not (stack and isinstance(stack[0], Normalization)):
            stack.insert(0, Normalization())
        return check_positive_int("n_inputs", config["n_inputs"]), stack, None
    sizes = check_layer_sizes(config["layer_sizes"])
    acts = check_activations(config["activations"], len(sizes) - 1)
    layers, names = shortcut_layers(sizes, acts, bool(config.get("rmsnorm", False)),
                                    float(config.get("rmsnorm_eps", 1e-6)))
    if config.get("standardize"):
        layers, names = [Normalization(), *layers], ["input_norm", *names]
    return sizes[0], layers, names


def output_activation(layers: list[Layer]) -> _activations.Activation | None:
    """The activation of the last layer, or ``None`` when the last layer is not an activation."""
    return layers[-1].activation if layers and isinstance(layers[-1], Activation) else None


def dense_activations(layers: list[Layer]) -> list[_activations.Activation]:
    """For each Dense layer, the first activation after it (before the next Dense), or linear."""
    result: list[_activations.Activation] = []
    open_slot = False  # the last Dense has no activation yet
    for layer in layers:
        if isinstance(layer, Dense):
            result.append(_activations.get("linear"))
            open_slot = True
        elif isinstance(layer, Activation) and open_slot:
            result[-1], open_slot = layer.activation, False
    return result


def check_loss_fits_output(loss: Any, layers: list[Layer], n_out: int) -> None:
    """Refuse a loss the output layer cannot serve, with what to change."""
    act = output_activation(layers)
    lo, hi = act.output_range if act is not None else (-math.inf, math.inf)
    if loss.needs_probabilities and (lo < 0 or hi > 1):
        what = f"the output activation {act.name!r} gives" if act is not None else (
            f"the last layer ({type(layers[-1]).__name__}) gives")
        raise ValueError(
            f"{loss.name} needs outputs in [0, 1], but {what} values in [{lo}, {hi}]; use "
            "'sigmoid' (or 'softmax' for several classes) on the output layer, or the 'mse' loss"
        )
    if n_out < loss.min_outputs:
        raise ValueError(
            f"{loss.name} needs at least {loss.min_outputs} output units (one per class); for a "
            "single output use binary_crossentropy with a sigmoid output"
        )
    if act is not None and act.name == "softmax" and n_out == 1:
        warnings.warn("softmax over a single output unit always gives 1", stacklevel=4)


def warn_untrainable(layers: list[Layer]) -> None:
    """Warn about activations with a zero derivative (``step``...) below the output: gradient
    descent cannot train through them."""
    for layer in layers[:-1]:
        if isinstance(layer, Activation) and getattr(layer.activation, "zero_gradient", False):
            warnings.warn(_activations.untrainable_hidden_warning(layer.activation.name), UserWarning, stacklevel=4)


def check_regularization(regularizer: Any, reg_lambda: float, spec: Any) -> None:
    if regularizer is None and reg_lambda != 0:
        warnings.warn(f"reg_lambda={reg_lambda} has no effect without regularization='l1' or 'l2'", stacklevel=4)
    if regularizer is not None and reg_lambda == 0:
        warnings.warn(f"regularization={spec!r} with reg_lambda=0 has no effect", stacklevel=4)
