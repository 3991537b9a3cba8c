"""``plot_network``: neurons as nodes by layer, connections as edges coloured and sized by
their weight (and, in a second panel, by their gradient); node fill shows each neuron's bias.

Large layers stay legible: each view shows the ``max_neurons`` most strongly connected
neurons of a layer with a marked "+ N more" for the rest, and the ``max_edges`` strongest
connections between the shown neurons (see ``_graph.py``). Small networks are labelled with
their values.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._common import NEGATIVE, POSITIVE, dense_views, finish, input_labels, new_figure, recompute_gradients
from ._graph import Graph, build_graph

__all__ = ["plot_network"]

_VIEWS = {"both": ("weight", "grad"), "weights": ("weight",), "gradients": ("grad",)}
_SYMBOL = {"weight": "w", "grad": "∂L/∂w"}
_LABEL_CHARS = 18  # input names longer than this are shortened with "…"


def plot_network(
    model: Any,
    *,
    view: str = "both",
    max_neurons: int = 16,
    max_edges: int = 64,
    data: tuple[Any, Any] | None = None,
    image_shape: tuple[int, int] | None = None,
    path: str | os.PathLike | None = None,
    dpi: float = 100,
) -> Any:
    """Draw ``model`` as a graph; return the matplotlib ``Figure`` (saved to ``path`` if given).

    Parameters
    ----------
    view:
        ``"both"`` (weights and gradients side by side), ``"weights"`` or ``"gradients"``.
    max_neurons, max_edges:
        Neurons shown per layer and connections shown per pair of layers (the strongest).
    data:
        A batch ``(X, y)`` to compute the gradients on first; otherwise the gradients of the
        model's last backward pass are shown (all zero for a model just built or loaded,
        which the picture says).
    image_shape:
        ``(height, width)`` of image inputs, to name input neurons by pixel (a square number
        of inputs, like 784, is taken as a square image). A model that knows its column names
        (``model.feature_names``, set by ``fit(feature_names=...)`` or a CSV's header on the
        command line) names its inputs by them.

    >>> import ffnn
    >>> fig = plot_network(ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0))
    >>> len(fig.axes)
    2
    """
    if view not in _VIEWS:
        raise ValueError(f"view must be one of {sorted(_VIEWS)}, got {view!r}")
    recompute_gradients(model, data)
    views = dense_views(model)
    graphs = [build_graph(views, by, max_neurons, max_edges, image_shape,
                          lambda shown: input_labels(model, shown, image_shape)) for by in _VIEWS[view]]
    n_cols, n_rows = len(views) + 1, graphs[0].n_rows
    width = max(5.5, (3.0 if graphs[0].small else 2.0) * n_cols + 1.5)
    row = 0.95 if graphs[0].small else 0.36  # inches per neuron row; small networks carry labels
    height = max(4.2, row * n_rows + 2.8)
    fig = new_figure(width * len(graphs), height)
    axes = fig.subplots(1, len(graphs), squeeze=False)[0]
    source = "on the given batch" if data is not None else "of the last backward pass"
    for ax, graph in zip(axes, graphs):
        _draw(ax, graph, source)
    sizes = "-".join(str(n) for n in model.layer_sizes)
    fig.suptitle(f"{sizes} network", fontsize=13, fontweight="bold")
    return finish(fig, path, dpi)


def _draw(ax: Any, g: Graph, source: str) -> None:
    ax.set_label(f"network:{g.by}")
    ax.set_axis_off()
    top, bottom = (-1.4 if g.small else -2.0), _caption_y(g) + 0.9
    named = any(len(label) > 4 for label in g.columns[0].labels)  # column names need room on the left
    ax.set_xlim(-1.15 if named else -0.75, len(g.columns) - 0.25)
    ax.set_ylim(bottom, top)
    if g.by == "weight":
        ax.set_title("Weights  w", fontsize=12, loc="left")
    else:
        ax.set_title(f"Weight gradients  ∂L/∂w  ({source})", fontsize=12, loc="left")
    for e in g.edges:
        _draw_edges(ax, g, e)
    for col in g.columns:
        _draw_column(ax, g, col)
    if g.by == "grad" and g.all_zero:
        ax.text(0.5, 0.5, "All gradients are zero: no backward pass since this model was built\n"
                "or loaded. Pass data=(X, y) (CLI: --data) to compute them on a batch.",
                transform=ax.transAxes, ha="center", va="center", fontsize=10, gid="notice", zorder=10,
                bbox={"boxstyle": "round,pad=0.6", "fc": "#fff7e0", "ec": "#c08000"})
    _legend(ax, g)


def _caption_y(g: Graph) -> float:
    """Below the lowest node, or below the "+ N more" boxes where there are some."""
    summarised = any(c.summary_y is not None for c in g.columns)
    return g.n_rows + 0.05 if summarised else g.n_rows - 0.3


def _values(g: Graph, e: Any) -> np.ndarray:
    return e.weight if g.by == "weight" else e.grad


def _draw_edges(ax: Any, g: Graph, e: Any) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgba

    left, right = g.columns[e.layer], g.columns[e.layer + 1]
    v = _values(g, e)
    vmax = float(np.abs(v).max(initial=0.0)) or 1.0
    strength = np.abs(v) / vmax  # 0..1 within this layer
    segments = np.stack([
        np.column_stack([np.full(len(v), e.layer, float), left.y[e.src_row]]),
        np.column_stack([np.full(len(v), e.layer + 1.0), right.y[e.dst_row]]),
    ], axis=1)
    colors = np.array([to_rgba(POSITIVE if x >= 0 else NEGATIVE) for x in v]).reshape(-1, 4)
    colors[:, 3] = 0.2 + 0.8 * strength
    lines = LineCollection(segments, colors=colors, linewidths=0.3 + 2.7 * strength, zorder=1,
                           gid=f"edges:{e.layer}", capstyle="round")
    ax.add_collection(lines)
    sym = _SYMBOL[g.by]
    if e.all_zero:
        caption = f"{e.name}\nall {e.total:,} {'gradients' if g.by == 'grad' else 'weights'} are zero"
    elif len(v) == e.total:
        caption = f"{e.name}: all {e.total:,} shown\nmax |{sym}| = {vmax:.3g}"
    else:
        caption = f"{e.name}: strongest {len(v)} of {e.total:,}\nmax |{sym}| = {vmax:.3g}"
    ax.text(e.layer + 0.5, _caption_y(g), caption, ha="center", va="top", fontsize=7.5, color="#444",
            gid=f"caption:{e.layer}")
    if g.small:
        n_dst = max(1, len(right.shown) - 1)
        for (x0, y0), (x1, y1), x, c, j in zip(segments[:, 0], segments[:, 1], v, colors, e.dst_row):
            t = 0.18 + 0.5 * j / n_dst  # edges to different targets are labelled at different depths
            ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), f"{x:+.2g}", fontsize=7, color=c[:3],
                    ha="center", va="center", zorder=3,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})


def _draw_column(ax: Any, g: Graph, col: Any) -> None:
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    x = np.full(len(col.shown), float(col.layer))
    values = None if col.bias is None else (col.bias if g.by == "weight" else col.grad_bias)
    if values is None:
        faces = np.tile([0.96, 0.96, 0.96, 1.0], (len(x), 1))
    else:
        vmax = float(np.abs(values).max(initial=0.0)) or 1.0
        faces = colormaps["RdBu"](Normalize(-vmax, vmax)(values))
    size = 620 if g.small else 190
    ax.scatter(x, col.y, s=size, c=faces, edgecolors="#333", linewidths=0.8, zorder=4,
               gid=f"nodes:{col.layer}")
    named = col.layer == 0 and any(len(label) > 4 for label in col.labels)
    for xi, yi, label, face in zip(x, col.y, col.labels, faces):
        dark = 0.299 * face[0] + 0.587 * face[1] + 0.114 * face[2] < 0.5
        inside = not (col.layer == 0 and (not g.small or named))
        label = label if len(label) <= _LABEL_CHARS else label[:_LABEL_CHARS - 1] + "…"
        if inside:
            ax.text(xi, yi, label, ha="center", va="center", fontsize=8 if g.small else 6,
                    color="white" if dark else "#222", zorder=5)
        else:  # pixel and column names are too long for a node: write them to its left
            ax.text(xi - 0.09, yi, label, ha="right", va="center", fontsize=6.5, color="#333", zorder=5)
    if g.small and values is not None:
        b = "b" if g.by == "weight" else "∂L/∂b"
        for xi, yi, val in zip(x, col.y, values):
            ax.text(xi, yi - 0.3, f"{b} = {val:+.2g}", fontsize=7.5, color="#333", zorder=5, ha="center",
                    va="bottom", bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85})
    title = f"{col.title}\n{col.size:,} {col.noun}"
    ax.text(col.layer, -0.9, title, ha="center", va="bottom", fontsize=9, fontweight="bold", color="#222")
    if col.summary_y is not None:
        ax.text(col.layer, col.summary_y + 0.35, f"+ {col.n_hidden:,} more\n{col.noun}", ha="center",
                va="center", fontsize=7.5, color="#333", zorder=5, gid=f"summary:{col.layer}",
                bbox={"boxstyle": "round,pad=0.35", "fc": "#f2f2f2", "ec": "#777", "ls": "--", "lw": 0.8})


def _legend(ax: Any, g: Graph) -> None:
    from matplotlib.lines import Line2D

    sym = "w" if g.by == "weight" else "∂L/∂w"
    node = "bias b" if g.by == "weight" else "∂L/∂b"
    handles = [
        Line2D([], [], color=POSITIVE, lw=2.2, label=f"{sym} > 0"),
        Line2D([], [], color=NEGATIVE, lw=2.2, label=f"{sym} < 0"),
        Line2D([], [], color="none", marker="o", markersize=8, markerfacecolor="#92c5de",
               markeredgecolor="#333", label=f"node fill: {node} (same colours)"),
    ]
    note = "width and opacity ∝ |value| within each layer"
    leg = ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=8,
                    frameon=False, title=note, title_fontsize=7.5)
    leg.set_gid("legend")
