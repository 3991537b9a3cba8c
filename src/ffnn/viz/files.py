"""``write_all``: every picture of a model (and its history) into one directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._common import input_image, recompute_gradients
from .distributions import plot_gradient_distribution, plot_weight_distribution
from .filters import plot_filters
from .history import has_epochs, plot_history
from .html import network_html
from .network import plot_network

__all__ = ["write_all", "Pictures"]


class Pictures(dict):
    """``{kind: path}`` of the pictures written; ``skipped`` maps a file not written to the reason."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skipped: dict[str, str] = {}


def write_all(model: Any, history: Any = None, directory: str | os.PathLike = ".", *,
              data: tuple[Any, Any] | None = None, image_shape: tuple[int, int] | None = None,
              images: bool | None = None, dpi: float = 100) -> Pictures:
    """Write ``network.png``, ``weights.png``, ``gradients.png``, ``network.html``, and where they
    apply ``history.png`` (a history with epochs) and ``filters.png`` (image inputs) to
    ``directory``; return ``{kind: path}`` (a ``Pictures`` whose ``skipped`` says why a picture
    that does not apply was left out).

    Gradients are those of the model's last backward pass (after ``fit``: its last training
    batch), or of ``data=(X, y)`` when given. ``images`` says whether the inputs are pixels
    (``None``: a model with ``feature_names`` reads a table, any other square input is an image).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    recompute_gradients(model, data)
    paths = Pictures(network=out / "network.png", weights=out / "weights.png", gradients=out / "gradients.png")
    plot_network(model, image_shape=image_shape, path=paths["network"], dpi=dpi)
    plot_weight_distribution(model, path=paths["weights"], dpi=dpi)
    plot_gradient_distribution(model, path=paths["gradients"], dpi=dpi)
    if history is None:
        history = getattr(model, "history", None)
    if history is not None and has_epochs(history):
        plot_history(history, path=out / "history.png", dpi=dpi)
        paths["history"] = out / "history.png"
    else:
        paths.skipped["history.png"] = "no training history (the model has not been trained)"
    shape, why_not = input_image(model, image_shape, images)
    if shape is not None:
        plot_filters(model, image_shape=shape, path=out / "filters.png", dpi=dpi)
        paths["filters"] = out / "filters.png"
    else:
        paths.skipped["filters.png"] = f"filters are drawn for image inputs only: {why_not}"
    paths["html"] = network_html(model, out / "network.html", image_shape=image_shape)
    return paths
