"""``plot_history``: training and validation curves per epoch (loss, accuracy, and the
learning rate when a schedule changed it)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._common import finish, new_figure

__all__ = ["plot_history"]

_TRAIN, _VAL = "#4a7ab5", "#d9822b"
_BEST = {"loss": min, "accuracy": max}


def plot_history(history: Any, *, path: str | os.PathLike | None = None, dpi: float = 100) -> Any:
    """Plot a ``History`` (what ``fit`` returns), its ``to_dict()``, or a dict of per-epoch lists.

    One panel per metric: ``loss`` with ``val_loss``, ``accuracy`` with ``val_accuracy``
    (where recorded), then ``learning_rate`` if it changed. The best validation epoch is marked.

    >>> fig = plot_history({"loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.6, 0.55]})
    """
    metrics, epochs = _read(history)
    groups = _groups(metrics)
    fig = new_figure(max(5.0, 4.6 * len(groups)), 3.8)
    axes = fig.subplots(1, len(groups), squeeze=False)[0]
    for ax, base in zip(axes, groups):
        _panel(ax, base, metrics, epochs)
    fig.suptitle("Learning curves", fontsize=13, fontweight="bold")
    return finish(fig, path, dpi)


def has_epochs(history: Any) -> bool:
    """Whether ``history`` (a ``History`` or dict) records at least one epoch."""
    try:
        _read(history)
    except (TypeError, ValueError):
        return False
    return True


def _read(history: Any) -> tuple[dict[str, list[float]], np.ndarray]:
    epoch = None
    if hasattr(history, "history") and not isinstance(history, dict):  # a History
        metrics, epoch = history.history, getattr(history, "epoch", None)
    elif isinstance(history, dict) and isinstance(history.get("history"), dict):  # History.to_dict()
        metrics, epoch = history["history"], history.get("epoch")
    elif isinstance(history, dict):
        metrics = history
    else:
        raise TypeError(f"history must be a History or a dict of per-epoch lists, got {type(history).__name__}")
    metrics = {k: [float(x) for x in v] for k, v in metrics.items() if isinstance(v, (list, tuple, np.ndarray))}
    n = max((len(v) for v in metrics.values()), default=0)
    if n == 0:
        raise ValueError("the history holds no epochs: train with fit() first (or pass per-epoch lists)")
    epochs = np.asarray(epoch, dtype=float) + 1 if epoch is not None and len(epoch) == n else np.arange(1.0, n + 1)
    return metrics, epochs


def _groups(metrics: dict[str, list[float]]) -> list[str]:
    """Metric names without ``val_``: loss first, accuracy second, learning_rate only if it varies."""
    bases = []
    for key in metrics:
        base = key[4:] if key.startswith("val_") else key
        if base not in bases:
            bases.append(base)
    lr = metrics.get("learning_rate")
    if lr is not None and np.ptp(lr) == 0:
        bases.remove("learning_rate")
    order = {"loss": 0, "accuracy": 1, "learning_rate": 3}
    return sorted(bases, key=lambda b: order.get(b, 2))


def _panel(ax: Any, base: str, metrics: dict[str, list[float]], epochs: np.ndarray) -> None:
    ax.set_label(f"history:{base}")
    marker = "o" if len(epochs) <= 30 else None
    for key, label, color in ((base, "training", _TRAIN), (f"val_{base}", "validation", _VAL)):
        if key in metrics:
            values = metrics[key]
            ax.plot(epochs[: len(values)], values, marker=marker, ms=3.5, lw=1.8, color=color, label=label,
                    gid=f"line:{key}")
    best_of = _BEST.get(base)
    val = metrics.get(f"val_{base}")
    if best_of is not None and val:
        i = val.index(best_of(val))
        ax.scatter([epochs[i]], [val[i]], s=90, facecolors="none", edgecolors="#222", lw=1.2, zorder=5)
        right = i >= len(val) / 2  # write it on the side with room
        ax.annotate(f"best {val[i]:.4g}\n(epoch {epochs[i]:g})", (epochs[i], val[i]), textcoords="offset points",
                    xytext=(-10 if right else 10, -28 if base == "accuracy" else 10),
                    ha="right" if right else "left", fontsize=7.5, color="#222")
    ax.set_title(base.replace("_", " "), fontsize=11)
    ax.set_xlabel("epoch", fontsize=9)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=8)
    if len(epochs) <= 20:
        ax.set_xticks(epochs)
    if base == "learning_rate":
        ax.set_yscale("log")
    ax.legend(fontsize=8, frameon=False)
