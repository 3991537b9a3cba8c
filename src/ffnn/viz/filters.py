"""``plot_filters``: each first-layer neuron's incoming weights drawn as an image (28×28 for
MNIST), so one can see which pixels excite it (blue) and which inhibit it (red)."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from ._common import DIVERGING, dense_views, finish, input_image, new_figure

__all__ = ["plot_filters"]


def plot_filters(model: Any, *, image_shape: tuple[int, int] | None = None, max_neurons: int = 64,
                 shared_scale: bool = False, path: str | os.PathLike | None = None, dpi: float = 100) -> Any:
    """Draw ``weight[:, j]`` of the first dense layer as an image, for each neuron ``j``.

    ``image_shape`` is ``(height, width)``; a square number of inputs (784) is taken as a
    square image, unless the model knows its inputs as a table's columns (``feature_names``):
    filters are pictures of images only, and a ``ValueError`` says so otherwise. Each image has its own colour scale (``±max|w|`` of that neuron) unless
    ``shared_scale``. With more than ``max_neurons`` neurons, those with the largest weight
    norms are shown.
    """
    view = dense_views(model)[0]
    shape, why_not = input_image(model, image_shape)
    if shape is None:
        raise ValueError(f"no filters to draw: {why_not}")
    if isinstance(max_neurons, bool) or not isinstance(max_neurons, int) or max_neurons < 1:
        raise ValueError(f"max_neurons must be a positive integer, got {max_neurons!r}")
    W = view.weight.astype(np.float64)
    norms = np.linalg.norm(W, axis=0)
    shown = np.arange(view.n_out) if view.n_out <= max_neurons else np.sort(np.argsort(-norms)[:max_neurons])
    ncols = min(len(shown), 8 if len(shown) > 16 else max(4, math.ceil(math.sqrt(len(shown)))))
    nrows = math.ceil(len(shown) / ncols)
    fig = new_figure(1.15 * ncols + 0.3, 1.25 * nrows + 0.9)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    vshared = float(np.abs(W[:, shown]).max()) or 1.0
    image = None
    for ax, j in zip(axes, shown):
        w = W[:, j]
        vmax = vshared if shared_scale else (float(np.abs(w).max()) or 1.0)
        image = ax.imshow(w.reshape(shape), cmap=DIVERGING, vmin=-vmax, vmax=vmax, interpolation="nearest")
        ax.set_label(f"filter:{j}")
        ax.set_title(f"{j}", fontsize=7.5, pad=2)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[len(shown):]:
        ax.remove()
    scale = "one colour scale for all" if shared_scale else "each image on its own scale ±max|w|"
    more = f"; the {len(shown)} of {view.n_out} with the largest ‖w‖" if len(shown) < view.n_out else ""
    fig.suptitle(f"What each first-layer neuron looks for: its incoming weights as {shape[0]}×{shape[1]} images\n"
                 f"blue = positive weight (excites), red = negative (inhibits)\n{scale}{more}", fontsize=10)
    if shared_scale and image is not None:
        fig.colorbar(image, ax=axes.tolist(), shrink=0.6, label="weight")
    return finish(fig, path, dpi)
