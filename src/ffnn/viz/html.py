"""``network_html``: the network graph as one self-contained HTML page (inline SVG and plain
JavaScript, nothing fetched from the network) that a person can pan (drag), zoom (wheel) and
hover to read each connection's weight and gradient and each neuron's bias.

The page draws the same graphs as ``plot_network`` (``_graph.py``): a weight view and a
gradient view, each with its own strongest neurons and connections, switched by two buttons.
When the drawing is done the page sets ``data-drawn``, ``data-nodes`` and ``data-edges`` on
``<body>``, so a headless browser can check it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ._common import NEGATIVE, POSITIVE, dense_views, input_labels, recompute_gradients, write_page
from ._graph import Graph, build_graph
from ._page import PAGE

__all__ = ["network_html"]

def network_html(model: Any, path: str | os.PathLike, *, max_neurons: int = 32, max_edges: int = 150,
                 data: tuple[Any, Any] | None = None, image_shape: tuple[int, int] | None = None,
                 title: str | None = None) -> Path:
    """Write the interactive graph of ``model`` to ``path`` (one ``.html`` file) and return the path.

    ``max_neurons`` / ``max_edges`` bound what is drawn per layer / per pair of layers, as in
    ``plot_network``; ``data=(X, y)`` computes the gradients on that batch first. Inputs are
    named by the model's ``feature_names`` where it has them, else by pixel or index.

    >>> import ffnn, tempfile, os
    >>> model = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    >>> page = network_html(model, os.path.join(tempfile.mkdtemp(), "net.html"))
    >>> "<svg" in page.read_text()
    True
    """
    recompute_gradients(model, data)
    views = dense_views(model)
    payload = {
        "title": title or "-".join(str(n) for n in model.layer_sizes) + " network",
        "source": "on the given batch" if data is not None else "of the last backward pass",
        "colors": {"positive": POSITIVE, "negative": NEGATIVE},
        "views": {by: _graph_data(build_graph(views, by, max_neurons, max_edges, image_shape,
                                              lambda shown: input_labels(model, shown, image_shape)))
                  for by in ("weight", "grad")},
    }
    return write_page(PAGE, payload, path)


def _num(a: np.ndarray | None) -> list[float] | None:
    """Plain floats for JSON, rounded to float32 precision (what the model holds)."""
    return None if a is None else [float(f"{x:.7g}") for x in np.asarray(a, dtype=np.float64)]


def _graph_data(g: Graph) -> dict[str, Any]:
    columns = [{
        "layer": c.layer, "title": c.title, "size": c.size, "noun": c.noun, "labels": c.labels,
        "shown": [int(i) for i in c.shown], "y": _num(c.y), "bias": _num(c.bias), "gradBias": _num(c.grad_bias),
        "summaryY": c.summary_y, "hidden": c.n_hidden,
    } for c in g.columns]
    edges = [{
        "layer": e.layer, "name": e.name, "total": e.total, "allZero": e.all_zero,
        "srcRow": [int(i) for i in e.src_row], "dstRow": [int(i) for i in e.dst_row],
        "weight": _num(e.weight), "grad": _num(e.grad),
    } for e in g.edges]
    return {"by": g.by, "rows": g.n_rows, "allZero": g.all_zero, "columns": columns, "edges": edges}
