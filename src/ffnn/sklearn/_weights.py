"""``coefs_`` / ``intercepts_`` as live, settable views of the network, and sample weights."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils import check_array

__all__ = ["LayerArrays", "check_sample_weight"]


class LayerArrays(list):
    """The weight matrices (or bias vectors) of the dense layers, as views into the network.

    Editing an array in place (``clf.coefs_[0][0, 0] = 1``) or assigning an item
    (``clf.coefs_[1] = W``) changes the network, as it does ``MLPClassifier``'s; an item must
    keep its shape.
    """

    def __init__(self, layers: list[Any], kind: str, attr: str) -> None:
        super().__init__(getattr(layer, kind) for layer in layers)
        self._layers, self._kind, self._attr = layers, kind, attr

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            raise TypeError(f"set {self._attr} one layer at a time, e.g. {self._attr}[0] = array")
        layer = self._layers[index]
        if np.shape(value) != getattr(layer, self._kind).shape:
            raise ValueError(f"{self._attr}[{index}] must have shape {getattr(layer, self._kind).shape}, "
                             f"got {np.shape(value)}")
        setattr(layer, self._kind, value)  # Dense checks that it is finite
        super().__setitem__(index, getattr(layer, self._kind))


def write_layer_arrays(layers: list[Any], kind: str, values: Any, attr: str) -> None:
    """Set every dense layer's ``kind`` from ``values`` (one per layer), checked first."""
    values = list(values)
    if len(values) != len(layers):
        raise ValueError(f"{attr} needs one array per layer: the network has {len(layers)}, got {len(values)}")
    for i, (layer, value) in enumerate(zip(layers, values)):
        target = getattr(layer, kind)
        if np.shape(value) != target.shape:
            raise ValueError(f"{attr}[{i}] must have shape {target.shape}, got {np.shape(value)}")
    for layer, value in zip(layers, values):
        setattr(layer, kind, value)


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """One weight per sample as a float array (a scalar is every sample's), with
    scikit-learn's messages; ``None`` stays ``None`` (every sample counts once)."""
    if sample_weight is None:
        return None
    if np.isscalar(sample_weight):
        sw = np.full(n_samples, sample_weight, dtype=np.float64)
    else:
        sw = check_array(sample_weight, accept_sparse=False, ensure_2d=False, dtype=[np.float64, np.float32],
                         order="C", input_name="sample_weight")
    if sw.ndim != 1:
        raise ValueError(f"Sample weights must be 1D array or scalar, got {sw.ndim}D array. Expected either "
                         f"a scalar value or a 1D array of length {n_samples}.")
    if sw.shape != (n_samples,):
        raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(n_samples,)}!")
    if not np.any(sw):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sw
