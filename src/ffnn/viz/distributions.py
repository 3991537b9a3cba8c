"""``plot_weight_distribution`` and ``plot_gradient_distribution``: one histogram per chosen
layer, titled with the parameter's name, shape and count, annotated with its mean, standard
deviation and share of exact zeros.

Layers are chosen as in ``_common.select_parameters``: an index or ``"layers.i"`` means that
layer's weight matrix (biases are not included, and the title says "weights"); a full
parameter name such as ``"layers.0.bias"`` picks exactly that parameter. Every value falls in
a bin, so the bar heights add up to the count in the title.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from ._common import finish, new_figure, recompute_gradients, select_parameters, shape_text

__all__ = ["plot_weight_distribution", "plot_gradient_distribution", "summary_stats"]

_COLOR = {"weight": "#4a7ab5", "grad": "#d9822b"}


def plot_weight_distribution(model: Any, layers: Any = None, *, bins: int = 60,
                             path: str | os.PathLike | None = None, dpi: float = 100) -> Any:
    """Histograms of the chosen layers' weights (default: every dense layer's weight matrix).

    >>> import ffnn
    >>> fig = plot_weight_distribution(ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce"), [0, -1])
    """
    return _plot(model, layers, "weight", bins, path, dpi)


def plot_gradient_distribution(model: Any, layers: Any = None, *, bins: int = 60,
                               data: tuple[Any, Any] | None = None,
                               path: str | os.PathLike | None = None, dpi: float = 100) -> Any:
    """Histograms of the chosen layers' gradients, of the last backward pass or of ``data=(X, y)``.

    Counts are drawn on a log scale (gradients pile up near zero). A layer whose gradients
    are all zero, as after building or loading a model, says so in its panel.
    """
    recompute_gradients(model, data)
    return _plot(model, layers, "grad", bins, path, dpi, source="on the given batch" if data is not None
                 else "of the last backward pass")


def summary_stats(values: np.ndarray) -> dict[str, float]:
    """``count``, ``mean``, ``std``, ``min``, ``max`` and ``zeros`` (share of exact zeros) of an array."""
    v = np.asarray(values, dtype=np.float64).ravel()
    return {"count": v.size, "mean": float(v.mean()), "std": float(v.std()), "min": float(v.min()),
            "max": float(v.max()), "zeros": float(np.count_nonzero(v == 0) / v.size)}


def _plot(model: Any, layers: Any, kind: str, bins: int, path: Any, dpi: float, source: str = "") -> Any:
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    chosen = select_parameters(model, layers, grads=kind == "grad")
    ncols = min(3, len(chosen))
    nrows = math.ceil(len(chosen) / ncols)
    fig = new_figure(4.8 * ncols, 3.3 * nrows + 0.5)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (name, values) in zip(axes, chosen):
        _panel(ax, name, values, kind, bins)
    for ax in axes[len(chosen):]:
        ax.remove()
    if kind == "weight":
        fig.suptitle("Weight distributions", fontsize=13, fontweight="bold")
    else:
        fig.suptitle(f"Gradient distributions  ∂L/∂θ  ({source})", fontsize=13, fontweight="bold")
    return finish(fig, path, dpi)


def _noun(name: str, kind: str) -> str:
    what = name.rsplit(".", 1)[-1]
    if kind == "grad":
        return f"{what} gradients"
    return {"weight": "weights", "bias": "biases", "scale": "scales"}.get(what, "values")


def _panel(ax: Any, name: str, values: np.ndarray, kind: str, bins: int) -> None:
    ax.set_label(f"dist:{name}")
    v = np.asarray(values, dtype=np.float64).ravel()
    st = summary_stats(v)
    bins = min(bins, max(8, math.ceil(2 * math.sqrt(v.size))))  # few values: fewer, wider bins
    counts, edges = np.histogram(v, bins=bins)  # range = [min, max]: every value is counted
    ax.hist(v, bins=edges, color=_COLOR[kind], edgecolor="white", linewidth=0.3)
    noun = _noun(name, kind)
    ax.set_title(f"{name}  ({shape_text(values.shape)})\n{st['count']:,} {noun}", fontsize=9.5)
    ax.axvline(0.0, color="#555", lw=0.7, zorder=0)
    ax.set_xlabel("gradient value" if kind == "grad" else "value", fontsize=8.5)
    ax.set_ylabel("count (log scale)" if kind == "grad" else "count", fontsize=8.5)
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", alpha=0.3)
    if kind == "grad" and counts.max() >= 100:  # a spike at zero and long tails: log counts
        ax.set_yscale("log")
        ax.set_ylim(0.7, counts.max() * 3)
    else:
        from matplotlib.ticker import MaxNLocator

        ax.set_ylabel("count", fontsize=8.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if st["min"] == st["max"] == 0.0:
        ax.text(0.5, 0.55, f"all {st['count']:,} {noun} are zero"
                + ("\n(no backward pass since the model was\nbuilt or loaded: pass data=(X, y) or --data)"
                   if kind == "grad" else ""),
                transform=ax.transAxes, ha="center", va="center", fontsize=9, gid="notice",
                bbox={"boxstyle": "round,pad=0.5", "fc": "#fff7e0", "ec": "#c08000"})
        return
    rows = (("mean", f"{st['mean']:+.3g}"), ("std", f"{st['std']:.3g}"), ("zeros", f"{st['zeros']:.1%}"),
            ("min", f"{st['min']:+.3g}"), ("max", f"{st['max']:+.3g}"))
    text = "\n".join(f"{k:<6}{val:>10}" for k, val in rows)
    ax.text(0.98, 0.96, text, transform=ax.transAxes, ha="right", va="top", fontsize=7.5, family="monospace",
            multialignment="left",
            gid="stats", bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": "#bbb", "alpha": 0.9})
