"""``write_all``: every picture of a model (and its history) into one directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._common import dense_views, image_shape_for, recompute_gradients
from .distributions import plot_gradient_distribution, plot_weight_distribution
from .filters import plot_filters
from .history import has_epochs, plot_history
from .html import network_html
from .network import plot_network

__all__ = ["write_all"]


def write_all(model: Any, history: Any = None, directory: str | os.PathLike = ".", *,
              data: tuple[Any, Any] | None = None, image_shape: tuple[int, int] | None = None,
              dpi: float = 100) -> dict[str, Path]:
    """Write ``network.png``, ``weights.png``, ``gradients.png``, ``network.html``, and where they
    apply ``history.png`` (a history with epochs) and ``filters.png`` (image inputs) to
    ``directory``; return ``{kind: path}``.

    Gradients are those of the model's last backward pass (after ``fit``: its last training
    batch), or of ``data=(X, y)`` when given.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    recompute_gradients(model, data)
    paths = {"network": out / "network.png", "weights": out / "weights.png", "gradients": out / "gradients.png"}
    plot_network(model, image_shape=image_shape, path=paths["network"], dpi=dpi)
    plot_weight_distribution(model, path=paths["weights"], dpi=dpi)
    plot_gradient_distribution(model, path=paths["gradients"], dpi=dpi)
    if history is None:
        history = getattr(model, "history", None)
    if history is not None and has_epochs(history):
        plot_history(history, path=out / "history.png", dpi=dpi)
        paths["history"] = out / "history.png"
    if image_shape_for(dense_views(model)[0].n_in, image_shape) is not None:
        plot_filters(model, image_shape=image_shape, path=out / "filters.png", dpi=dpi)
        paths["filters"] = out / "filters.png"
    paths["html"] = network_html(model, out / "network.html", image_shape=image_shape)
    return paths
