"""``plot_activations``: each activation and its derivative, one small panel each, as the
course notes draw them.

The derivative is the activation's own ``backward`` (its vector-Jacobian product) with a unit
upstream gradient, so the picture shows exactly what backpropagation multiplies by. Softmax
couples the units of a row; it is drawn as its first output over the logits ``(x, 0)``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..activations import Activation
from ..activations import get as get_activation
from ._common import finish, new_figure

__all__ = ["plot_activations", "activation_curves"]

_VALUE, _SLOPE = "#2166ac", "#d9822b"
_POINTS = 801


def activation_curves(activation: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(f(x), f'(x))`` for one activation on the points ``x`` (a 1-D array), in float64.

    Each point is the first unit of a row ``(x, 0)``; the derivative is ``backward`` with the
    upstream gradient ``(1, 0)``: ``f'(x)`` for element-wise functions, ``∂a_0/∂z_0`` for softmax.
    """
    act = get_activation(activation)
    z = np.column_stack([x, np.zeros_like(x)]).astype(np.float64)
    a = np.array(act.forward(z.copy()), copy=True)
    grad = np.zeros_like(z)
    grad[:, 0] = 1.0
    slope = act.backward(z, a, grad)
    return a[:, 0], np.asarray(slope)[:, 0]


def plot_activations(
    activations: Any,
    x_range: tuple[float, float] = (-4.0, 4.0),
    *,
    columns: int = 4,
    path: str | os.PathLike | None = None,
    dpi: float = 100,
) -> Any:
    """Draw each activation ``f(x)`` (solid) and its derivative ``f'(x)`` (dashed) on ``x_range``.

    ``activations`` is one or a list of names (``"relu"``, ``"step"``), activation objects or
    classes. Jumps (step, bipolar_step) are drawn as breaks with the value at 0 marked; an
    activation whose derivative is zero almost everywhere says so in its panel.

    >>> fig = plot_activations(["sigmoid", "tanh", "relu", "step"])
    """
    acts = _resolve(activations)
    lo, hi = _check_range(x_range)
    columns = max(1, min(int(columns), len(acts)))
    rows = math.ceil(len(acts) / columns)
    fig = new_figure(3.0 * columns, 2.5 * rows + 0.3)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    x = np.unique(np.concatenate([np.linspace(lo, hi, _POINTS), [0.0] if lo < 0 < hi else []]))
    for ax, act in zip(axes, acts):
        _panel(ax, act, x)
    for ax in axes[len(acts):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7.5, frameon=False, loc="upper left")
    fig.suptitle("Activations f(x) and their derivatives f'(x)", fontsize=12, fontweight="bold")
    return finish(fig, path, dpi)


def _resolve(activations: Any) -> list[Activation]:
    if isinstance(activations, (str, Activation, dict)) or isinstance(activations, type):
        activations = [activations]
    if not isinstance(activations, Sequence) or len(activations) == 0:
        raise ValueError(f"activations must be a name or a non-empty list of names or objects, got {activations!r}")
    return [get_activation(a) for a in activations]


def _check_range(x_range: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise ValueError(f"x_range must be two numbers (low, high), got {x_range!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"x_range must be finite with low < high, got {x_range!r}")
    return lo, hi


def _panel(ax: Any, act: Activation, x: np.ndarray) -> None:
    f, df = activation_curves(act, x)
    label = act.name + (" (straight-through)" if getattr(act, "straight_through", False) else "")
    ax.set_label(f"activation:{act.name}")
    ax.axhline(0, color="#999", lw=0.6)
    ax.axvline(0, color="#999", lw=0.6)
    ax.plot(x, _break_jumps(x, f), color=_VALUE, lw=1.8, label="f(x)")
    ax.plot(x, _break_jumps(x, df), color=_SLOPE, lw=1.4, ls="--", label="f'(x)")
    if np.isnan(_break_jumps(x, f)).any() and 0.0 in x:  # mark the value taken at the jump
        ax.scatter([0.0], [f[x == 0.0][0]], s=18, color=_VALUE, zorder=5)
    if getattr(act, "zero_gradient", False):
        ax.text(0.98, 0.04, "f'(x) = 0 almost everywhere:\nno gradient passes", transform=ax.transAxes,
                ha="right", va="bottom", fontsize=7, color="#444")
    title = f"{label} over (x, 0): unit 0" if _couples_units(act) else label
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.25)
    ax.tick_params(labelsize=7.5)


def _couples_units(act: Activation) -> bool:
    """Whether a unit's gradient reaches the other units of its row (softmax does)."""
    z = np.array([[0.5, -0.5]])
    return bool(np.asarray(act.backward(z, act.forward(z.copy()), np.array([[1.0, 0.0]])))[0, 1] != 0)


def _break_jumps(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y`` with NaN inserted where it jumps (a step), so the line is not drawn vertical."""
    y = np.asarray(y, dtype=float).copy()
    dx = np.diff(x)
    dy = np.abs(np.diff(y))
    scale = max(float(np.ptp(y)), 1e-12)
    jumps = np.flatnonzero((dy > 0.25 * scale) & (dx < 0.1))
    for i in jumps:  # blank the point after the jump unless it is the marked value at 0
        y[i + 1 if x[i + 1] != 0.0 else i] = np.nan
    return y
