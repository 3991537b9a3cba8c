"""Which neurons matter most: the ranking the network pictures (``viz``) and the monitor's
per-epoch graph share, so both show the same neurons for the same weights."""

from __future__ import annotations

import numpy as np

__all__ = ["neuron_scores", "top_neurons"]


def neuron_scores(mats: list[np.ndarray]) -> list[np.ndarray]:
    """Per-neuron importance for the chain of magnitude matrices ``mats`` (``|W|`` of each dense
    layer, ``(n_in, n_out)``): summed incoming plus outgoing values, each part scaled to a
    maximum of 1 so that a 784-wide fan-in does not drown the fan-out. One array per column of
    neurons (the inputs, then each layer's units)."""
    sizes = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    scores = [np.zeros(n) for n in sizes]
    for k, m in enumerate(mats):
        for s, part in ((scores[k], m.sum(axis=1)), (scores[k + 1], m.sum(axis=0))):
            top = part.max(initial=0.0)
            if top > 0:
                s += part / top
    return scores


def top_neurons(score: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the ``limit`` highest scores, in index order (ties: lower index first)."""
    if len(score) <= limit:
        return np.arange(len(score))
    return np.sort(np.argsort(-score, kind="stable")[:limit])
