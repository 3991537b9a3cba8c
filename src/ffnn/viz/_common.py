"""What every picture shares: the lazy matplotlib import, reading a model's layers, choosing
layers by index or name, and saving.

Pictures read the model through its public API (``get_params()``, ``get_grads()``,
``activations``, ``layer_sizes``) and never change it, except where a caller asks for
gradients to be recomputed on a batch (``data=(X, y)``), which sets the model's stored
gradients exactly as ``model.compute_gradients`` does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

# Colours shared by every picture: positive values blue, negative red (a colour-blind-safe pair).
POSITIVE = "#2166ac"
NEGATIVE = "#b2182b"
NEUTRAL = "#7f7f7f"
DIVERGING = "RdBu"  # matplotlib colormap: low (negative) red, high (positive) blue


class LayerSelectionError(IndexError, ValueError):
    """A layer index or name that does not exist in the model (an ``IndexError`` and a ``ValueError``)."""


def require_matplotlib() -> Any:
    """``matplotlib.figure.Figure``, or an ``ImportError`` that says how to install matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError as err:  # pragma: no cover - exercised where matplotlib is absent
        raise ImportError(
            "ffnn.viz draws with matplotlib, which is not installed: pip install matplotlib "
            "(or pip install 'ffnn[plot]')"
        ) from err
    return Figure


def new_figure(width: float, height: float) -> Any:
    """A stand-alone ``Figure`` (no pyplot global state) with constrained layout, which a
    notebook displays without pyplot (``_figure.NotebookFigure``)."""
    require_matplotlib()
    from ._figure import NotebookFigure

    return NotebookFigure(figsize=(width, height), layout="constrained")


def finish(fig: Any, path: str | os.PathLike | None, dpi: float = 100) -> Any:
    """Save ``fig`` to ``path`` (format from the suffix; parent folders created) and return it.

    The file is written atomically: an interrupted save leaves any previous picture intact."""
    if path is not None:
        from ..io.atomic import atomic_write

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        kind = path.suffix.lstrip(".").lower() or "png"
        atomic_write(path, lambda f: fig.savefig(f, format=kind, dpi=dpi, facecolor="white"))
    return fig


@dataclass
class DenseView:
    """Copies of one dense layer's arrays, as the pictures need them."""

    index: int
    name: str  # "layers.0"
    activation: str
    weight: np.ndarray  # (n_in, n_out)
    bias: np.ndarray  # (n_out,)
    grad_weight: np.ndarray
    grad_bias: np.ndarray

    @property
    def n_in(self) -> int:
        return self.weight.shape[0]

    @property
    def n_out(self) -> int:
        return self.weight.shape[1]


def dense_views(model: Any) -> list[DenseView]:
    """One ``DenseView`` per dense layer of ``model``, read through ``get_params``/``get_grads``."""
    params, grads = model.get_params(), model.get_grads()
    views = []
    for i, (name, act) in enumerate(zip(dense_names(model), model.activations)):
        views.append(DenseView(
            i, name, getattr(act, "name", str(act)),
            params[f"{name}.weight"], params[f"{name}.bias"],
            grads[f"{name}.weight"], grads[f"{name}.bias"],
        ))
    return views


def dense_names(model: Any) -> list[str]:
    """The name prefix of each dense layer (``"layers.0"``...; in a ``from_layers`` stack the
    position of the layer in the list)."""
    names = getattr(model, "dense_layer_names", None)
    return list(names) if names is not None else [f"layers.{i}" for i in range(len(model.layer_sizes) - 1)]


def recompute_gradients(model: Any, data: Any) -> None:
    """Set the model's stored gradients from one batch ``data=(X, y)`` (nothing else changes)."""
    if data is None:
        return
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"data must be a batch (X, y) to compute gradients on, got {type(data).__name__}")
    model.compute_gradients(*data)


def select_parameters(model: Any, layers: Any, grads: bool = False) -> list[tuple[str, np.ndarray]]:
    """``(parameter name, array)`` for each chosen layer, in the order given.

    ``layers`` is ``None`` (every dense layer's weights), one selector or a list of them. A
    selector is a dense layer index (``0`` .. ``L-1``, negative counts from the end) or a
    layer name (``"layers.1"``), both meaning that layer's *weight matrix* (biases excluded),
    or an exact parameter name (``"layers.1.bias"``, ``"layers.0.norm.scale"``).
    """
    arrays = model.get_grads() if grads else model.get_params()
    prefixes = dense_names(model)
    n_dense = len(prefixes)
    if layers is None:
        layers = list(range(n_dense))
    elif isinstance(layers, (int, np.integer, str)):
        layers = [layers]
    chosen = []
    for sel in layers:
        name = _parameter_name(sel, prefixes, list(arrays))
        chosen.append((name, arrays[name]))
    if not chosen:
        raise LayerSelectionError("no layers chosen: pass layers=[0, 1] or names like 'layers.0'")
    return chosen


def _parameter_name(sel: Any, prefixes: list[str], names: list[str]) -> str:
    n_dense = len(prefixes)
    valid = f"dense layer indices 0..{n_dense - 1} (or -{n_dense}..-1), layer names " + ", ".join(
        f"'{p}'" for p in prefixes
    ) + ", or parameter names " + ", ".join(repr(n) for n in names)
    if isinstance(sel, (bool, np.bool_)):
        raise LayerSelectionError(f"a layer is chosen by index or name, got {sel!r}; valid: {valid}")
    if isinstance(sel, (int, np.integer)):
        if not -n_dense <= sel < n_dense:
            raise LayerSelectionError(
                f"layer index {int(sel)} is out of range: this model has {n_dense} dense layers; valid: {valid}"
            )
        return f"{prefixes[int(sel) % n_dense]}.weight"
    if isinstance(sel, str):
        if sel in names:
            return sel
        if f"{sel}.weight" in names:
            return f"{sel}.weight"
        raise LayerSelectionError(f"no layer or parameter named {sel!r}; valid: {valid}")
    raise LayerSelectionError(f"a layer is chosen by index or name, got {type(sel).__name__} {sel!r}; valid: {valid}")


def shape_text(shape: tuple[int, ...]) -> str:
    """``(784, 64)`` -> ``"784×64"``."""
    return "×".join(str(d) for d in shape)


def layer_title(i: int, n_layers: int, activation: str) -> str:
    """``"hidden 1 · relu"`` for dense layer ``i`` of ``n_layers``, ``"output · softmax"`` last."""
    return f"output · {activation}" if i == n_layers - 1 else f"hidden {i + 1} · {activation}"


def image_shape_for(n: int, image_shape: Any = None) -> tuple[int, int] | None:
    """``image_shape`` checked against ``n`` inputs, or a square guess (784 -> 28×28), or ``None``."""
    if image_shape is not None:
        h, w = (int(d) for d in image_shape)
        if h * w != n:
            raise ValueError(f"image_shape {h}x{w} has {h * w} pixels but the layer has {n} inputs")
        return h, w
    side = int(round(np.sqrt(n)))
    return (side, side) if side * side == n and side > 1 else None


def feature_names(model: Any) -> list[str] | None:
    """The model's input column names (``model.feature_names``), when it has one per input."""
    names = getattr(model, "feature_names", None)
    n_in = model.layer_sizes[0]
    return [str(n) for n in names] if names is not None and len(names) == n_in else None


def input_image(model: Any, image_shape: Any = None, images: bool | None = None) -> tuple[tuple[int, int] | None, str]:
    """``(shape, "")`` when the inputs are pixels of an image, else ``(None, why not)``.

    ``image_shape`` says so; ``images=False`` says they are not (a table); ``images=None``
    decides: a model that knows its column names (``feature_names``) reads a table, any other
    square number of inputs (784 -> 28×28) is taken for an image.
    """
    n = model.layer_sizes[0]
    if image_shape is not None:
        return image_shape_for(n, image_shape), ""
    names = feature_names(model)
    if images is False or (images is None and names is not None):
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "") if names else ""
        what = f" ({shown})" if shown else ""
        return None, (f"the {n} inputs are the columns of a table{what}, not the pixels of an image; "
                      "give an image shape (image_shape=(h, w), --image-shape HxW) if they are pixels")
    shape = image_shape_for(n)
    if shape is None:
        return None, f"the {n} inputs are not a square image; give its shape (image_shape=(h, w), --image-shape HxW)"
    return shape, ""


def input_labels(model: Any, shown: np.ndarray, image_shape: Any = None) -> list[str]:
    """Names of the shown inputs: the table's column names, else pixels ``(row,col)``, else ``x{i}``."""
    names = feature_names(model)
    if names is not None and image_shape is None:
        return [names[i] for i in shown]
    shape, _ = input_image(model, image_shape, None if names is None else True)
    if shape is None:
        return [f"x{i}" for i in shown]
    return [f"({i // shape[1]},{i % shape[1]})" for i in shown]


def write_page(template: str, payload: dict[str, Any], path: str | os.PathLike) -> Path:
    """Fill a self-contained page's ``__TITLE__`` and ``__DATA__`` (the payload as JSON, safe
    inside a ``<script>``) and write it to ``path`` atomically (parent folders created)."""
    import html
    import json

    from ..io.atomic import atomic_write_text

    blob = json.dumps(payload, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    page = template.replace("__TITLE__", html.escape(payload["title"])).replace("__DATA__", blob)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, page)  # an interrupted write leaves any previous page intact
    return path

