"""The network as a graph to draw: which neurons and connections to show, and where.

Shared by the matplotlib picture (``network.py``) and the HTML view (``html.py``). A layer
with more neurons than ``max_neurons`` shows its most strongly connected ones, the rest are
summarised ("+ 768 more inputs"); between two layers only the ``max_edges`` strongest
connections among the shown neurons are drawn. "Strong" means large ``|w|`` in the weight
view and large ``|dL/dw|`` in the gradient view, so each view shows what matters in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..neurons import neuron_scores, top_neurons
from ._common import DenseView, image_shape_for, layer_title


@dataclass
class Column:
    """One layer of neurons: the input (``layer == 0``) or the output of dense layer ``layer - 1``."""

    layer: int
    title: str
    size: int
    shown: np.ndarray  # indices of the neurons drawn, ascending
    y: np.ndarray  # their heights, top to bottom
    bias: np.ndarray | None  # biases of the shown neurons (None for the input)
    grad_bias: np.ndarray | None
    labels: list[str]  # one per shown neuron
    noun: str  # "inputs", "neurons", "outputs"
    summary_y: float | None = None  # where "+ N more" goes, if any

    @property
    def n_hidden(self) -> int:
        return self.size - len(self.shown)


@dataclass
class Edges:
    """The drawn connections of dense layer ``layer``: ``src -> dst`` (neuron indices)."""

    layer: int
    name: str
    src: np.ndarray
    dst: np.ndarray
    src_row: np.ndarray  # positions of src in the left column's ``shown``
    dst_row: np.ndarray
    weight: np.ndarray
    grad: np.ndarray
    total: int  # all connections of the layer, n_in * n_out
    all_zero: bool  # the ranked quantity (w or grad) is zero everywhere in this layer


@dataclass
class Graph:
    by: str  # "weight" or "grad"
    columns: list[Column]
    edges: list[Edges]
    n_rows: int  # rows of the tallest column, summary included
    small: bool  # every neuron and connection shown, few enough to label with values
    notes: list[str] = field(default_factory=list)

    @property
    def all_zero(self) -> bool:
        return all(e.all_zero for e in self.edges)


def _input_labels(shown: np.ndarray, n: int, image_shape) -> list[str]:
    shape = image_shape_for(n, image_shape)
    if shape is None:
        return [f"x{i}" for i in shown]
    return [f"({i // shape[1]},{i % shape[1]})" for i in shown]


def build_graph(views: list[DenseView], by: str = "weight", max_neurons: int = 16,
                max_edges: int = 64, image_shape=None,
                name_inputs: Callable[[np.ndarray], list[str]] | None = None) -> Graph:
    """Choose and place the neurons and connections of one view (``by="weight"`` or ``"grad"``).

    ``name_inputs(shown)`` names the shown inputs (``_common.input_labels``: a table's column
    names); without it inputs are named by pixel (square or ``image_shape``) or ``x{i}``."""
    if by not in ("weight", "grad"):
        raise ValueError(f"by must be 'weight' or 'grad', got {by!r}")
    if max_neurons < 1 or max_edges < 1:
        raise ValueError(f"max_neurons and max_edges must be >= 1, got {max_neurons} and {max_edges}")
    weights = [np.abs(v.weight).astype(np.float64) for v in views]
    mats = weights if by == "weight" else [np.abs(v.grad_weight).astype(np.float64) for v in views]
    scores = neuron_scores(mats)
    if by == "grad":  # neurons without gradient (e.g. blank border pixels): rank by weight instead
        scores = [s + 1e-6 * w for s, w in zip(scores, neuron_scores(weights))]
    picks = [top_neurons(s, max_neurons) for s in scores]
    sizes = [views[0].n_in] + [v.n_out for v in views]
    rows = [len(p) + (1 if len(p) < n else 0) for p, n in zip(picks, sizes)]
    n_rows = max(rows)
    columns = []
    for c, (shown, n) in enumerate(zip(picks, sizes)):
        columns.append(_column(c, shown, n, views, n_rows, image_shape, name_inputs))
    edges = [_edges(v, mats[k], picks[k], picks[k + 1], max_edges) for k, v in enumerate(views)]
    totals = [v.weight.size for v in views]
    small = max(sizes) <= min(8, max_neurons) and sum(totals) <= 48 and max(totals) <= max_edges
    return Graph(by, columns, edges, n_rows, small)


def _column(c: int, shown: np.ndarray, n: int, views: list[DenseView], n_rows: int, image_shape,
            name_inputs: Callable[[np.ndarray], list[str]] | None) -> Column:
    L = len(views)
    rows = len(shown) + (1 if len(shown) < n else 0)
    # the same spacing in every column, each column centred: y runs from 0 (top) down to n_rows - 1
    top = (n_rows - rows) / 2
    y = top + np.arange(len(shown), dtype=float)
    summary_y = top + len(shown) + 0.15 if len(shown) < n else None
    if c == 0:
        labels = name_inputs(shown) if name_inputs is not None else _input_labels(shown, n, image_shape)
        return Column(0, "input", n, shown, y, None, None, labels, "inputs", summary_y)
    v = views[c - 1]
    noun = "outputs" if c == L else "neurons"
    return Column(c, layer_title(c - 1, L, v.activation), n, shown, y, v.bias[shown], v.grad_bias[shown],
                  [str(i) for i in shown], noun, summary_y)


def _edges(v: DenseView, mag: np.ndarray, src_shown: np.ndarray, dst_shown: np.ndarray, max_edges: int) -> Edges:
    sub = mag[np.ix_(src_shown, dst_shown)]
    flat = sub.ravel()
    k = min(max_edges, int(np.count_nonzero(flat)))
    if k == 0:
        idx = np.zeros(0, dtype=np.intp)
    else:
        idx = np.argpartition(-flat, k - 1)[:k]
        idx = idx[np.argsort(flat[idx], kind="stable")]  # weakest first: the strongest are drawn on top
    src_row, dst_row = np.divmod(idx, len(dst_shown))
    src, dst = src_shown[src_row], dst_shown[dst_row]
    return Edges(v.index, v.name, src, dst, src_row, dst_row, v.weight[src, dst].astype(np.float64),
                 v.grad_weight[src, dst].astype(np.float64), v.weight.size, not mag.any())
