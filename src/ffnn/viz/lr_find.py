"""``plot_lr_find``: the learning-rate range test's curve, with its suggestions marked."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._common import NEGATIVE, NEUTRAL, POSITIVE, finish, new_figure

__all__ = ["plot_lr_find"]


def _read(result: Any) -> dict[str, Any]:
    data = result.to_dict() if hasattr(result, "to_dict") else result
    if not isinstance(data, dict) or not data.get("learning_rates"):
        raise ValueError("plot_lr_find needs the result of model.lr_find (or its to_dict()) with at least one batch")
    return data


def plot_lr_find(result: Any, *, path: str | os.PathLike | None = None, dpi: float = 100) -> Any:
    """Loss against learning rate (log scale): each batch's loss (faint) and the smoothed loss, with
    the steepest-descent rate, the minimum, and the suggestion marked.

    >>> import ffnn, numpy as np
    >>> X = np.random.default_rng(0).normal(size=(256, 4)); y = (X[:, 0] > 0).astype(int)
    >>> fig = plot_lr_find(ffnn.FFNN([4, 8, 2], ["relu", "softmax"], "cce", seed=0).lr_find(X, y, steps=40))
    """
    d = _read(result)
    rates, raw, smooth = (np.asarray(d[k], dtype=float) for k in ("learning_rates", "losses", "smoothed"))
    fig = new_figure(7.0, 4.2)
    ax = fig.add_subplot()
    ax.set_label("lr_find")
    ax.plot(rates, raw, color=NEUTRAL, alpha=0.35, lw=0.8, label="batch loss")
    ax.plot(rates, smooth, color=POSITIVE, lw=2, label="smoothed loss", gid="line:smoothed")
    ax.set_xscale("log")
    top = np.percentile(smooth, 95) if len(smooth) else 1.0
    low = min(smooth.min(), raw.min()) if len(smooth) else 0.0
    ax.set_ylim(low - 0.05 * (top - low + 1e-12), top + 0.25 * (top - low + 1e-12))
    marks = (("steepest", "steepest descent", "v", "#2ca02c"), ("minimum", "minimum", "o", NEUTRAL),
             ("suggestion", "suggestion (the smaller of steepest and minimum / 10)", "*", NEGATIVE))
    for key, label, marker, colour in marks:
        value = d.get(key)
        if value is None:
            continue
        y = float(np.interp(np.log10(value), np.log10(rates), smooth))
        ax.scatter([value], [y], marker=marker, s=120 if marker == "*" else 60, color=colour, zorder=5,
                   label=f"{label}: {value:.3g}")
        if key == "suggestion":
            ax.axvline(value, color=colour, lw=1, ls="--", alpha=0.7)
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    settings = d.get("settings") or {}
    opt = (settings.get("optimizer") or {}).get("name", "sgd")
    ax.set_title(f"Learning-rate range test ({len(rates)} batches of {settings.get('batch_size', '?')}, {opt})",
                 fontsize=11)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return finish(fig, path, dpi)
