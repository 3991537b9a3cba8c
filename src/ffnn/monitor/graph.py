"""A small picture of the network at one moment: its most strongly connected neurons, with the
weights and gradients between them and their biases, as plain data a page can draw.

Each column (the inputs, then every dense layer's units) keeps its ``neurons`` strongest units,
ranked as the network pictures rank them (``ffnn.viz``): summed |w| of incoming and outgoing
connections, each part scaled to a maximum of 1 so a 784-wide fan-in does not drown the
fan-out. Between two kept columns every connection is kept (at most ``neurons``² per layer), so
an epoch costs a few thousand numbers however wide the network is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..neurons import neuron_scores, top_neurons
from .stats import rounded_list

__all__ = ["snapshot"]


def _numbers(a: np.ndarray) -> list[float | None]:
    return rounded_list(a, 4)


def snapshot(dense: list[Any], neurons: int) -> dict[str, Any]:
    """``{"sizes", "neurons": [kept indices per column], "layers": [{"weight", "grad", "bias",
    "grad_bias"}]}`` for the ``Dense`` layers ``dense`` (in order); matrices row-major over the
    kept (input, output) pairs."""
    weights = [np.abs(d.weight).astype(np.float64) for d in dense]
    picks = [top_neurons(s, neurons) for s in neuron_scores(weights)]
    layers = []
    for k, d in enumerate(dense):
        rows, cols = np.ix_(picks[k], picks[k + 1])
        layers.append({
            "weight": _numbers(d.weight[rows, cols]), "grad": _numbers(d.grad_weight[rows, cols]),
            "bias": _numbers(d.bias[picks[k + 1]]), "grad_bias": _numbers(d.grad_bias[picks[k + 1]]),
        })
    sizes = [dense[0].weight.shape[0]] + [d.weight.shape[1] for d in dense]
    return {"sizes": sizes, "neurons": [p.tolist() for p in picks], "layers": layers}
