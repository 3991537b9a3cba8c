"""Watching hidden activations during training, at the cost of one NumPy call per batch.

A monitor needs to know which units stayed dead (a ReLU-family unit whose output was never
positive) or saturated (a sigmoid or tanh unit beyond 99 % of its range) for *every* sample of
an epoch, so it must see every training batch's activations. ``ActivationTap`` wraps the
``forward`` (and ``tensor_forward``) of the chosen ``Activation`` layers, as instance
attributes, for one training run; ``remove()`` deletes them, which brings back the class's
own methods. Nothing is installed when the monitor is off, so that path costs nothing.

Only training passes (``training=True``) are counted: probes, validation and health checks
run in inference mode and are not samples "seen in the epoch".

Per batch a dead-unit watcher does one ``np.maximum`` into a running-maximum buffer shaped
like the batch; a saturation watcher three or four calls (distance from the range's middle,
its running minimum, the count beyond the threshold). The per-unit reductions happen only
when a record is taken.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["DYING", "SATURATING", "SATURATION", "watch_kind", "Watcher", "ActivationTap"]

# Activations whose units can get stuck in their negative regime: a unit is dead when its output
# was never positive (for relu: 0 for every sample, so no gradient passes through it).
DYING = ("relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish")
SATURATING = ("sigmoid", "tanh")  # bounded: a unit near either end of the range passes almost no gradient
SATURATION = 0.99  # an output beyond 99 % of the range (from its middle): |a - mid| > 0.99 * half-range


def watch_kind(activation: Any) -> str | None:
    """``"dead"``, ``"saturated"`` or ``None``: what the monitor watches for this activation."""
    name = getattr(activation, "name", None)
    if name in DYING:
        return "dead"
    if name in SATURATING:
        return "saturated"
    return None


class Watcher:
    """Running per-unit extremes of one activation layer's outputs since the last ``reset``."""

    def __init__(self, kind: str, activation: Any, units: int, rows: int, dtype: Any) -> None:
        self.kind, self.units = kind, units
        self.rows_seen = 0
        self._dtype = np.dtype(dtype)
        if kind == "saturated":
            lo, hi = activation.output_range
            self._mid, self._threshold = (lo + hi) / 2, SATURATION * (hi - lo) / 2
            self._beyond = 0
        self._alloc(max(1, rows))

    def _alloc(self, rows: int) -> None:
        self._extreme = np.empty((rows, self.units), dtype=self._dtype)
        self._tmp = np.empty((rows, self.units), dtype=self._dtype) if self.kind == "saturated" else None
        self._mask = np.empty((rows, self.units), dtype=bool) if self.kind == "saturated" else None
        self.reset()

    def reset(self) -> None:
        """Start a new window (after each record)."""
        self._extreme.fill(-np.inf if self.kind == "dead" else np.inf)
        self.rows_seen = 0
        if self.kind == "saturated":
            self._beyond = 0

    def observe(self, a: np.ndarray) -> None:
        """Fold one batch of outputs ``(m, units)`` into the running extremes."""
        m = a.shape[0]
        if m > self._extreme.shape[0]:  # a larger batch than planned: grow, keeping what was seen
            old, seen = self.summary_arrays(), self.rows_seen
            self._alloc(m)
            self._extreme[0] = old
            self.rows_seen = seen
        ext = self._extreme if m == self._extreme.shape[0] else self._extreme[:m]
        self.rows_seen += m
        if self.kind == "dead":
            np.maximum(ext, a, out=ext)  # a unit is alive once any output was positive
            return
        t = self._tmp if m == self._tmp.shape[0] else self._tmp[:m]
        np.subtract(a, self._mid, out=t)
        np.abs(t, out=t)  # distance from the middle of the range
        np.minimum(ext, t, out=ext)
        mask = self._mask if m == self._mask.shape[0] else self._mask[:m]
        self._beyond += int(np.count_nonzero(np.greater(t, self._threshold, out=mask)))

    def summary_arrays(self) -> np.ndarray:
        """Per unit: the largest output (dead) or the smallest distance from the middle (saturated)."""
        return self._extreme.max(axis=0) if self.kind == "dead" else self._extreme.min(axis=0)

    def shares(self) -> tuple[float | None, float | None]:
        """``(share of units dead or always saturated, share of outputs saturated)`` in this
        window; ``None`` when no training row was seen (the second is ``None`` for dead units)."""
        if self.rows_seen == 0:
            return None, None
        per_unit = self.summary_arrays()
        if self.kind == "dead":
            return float(np.count_nonzero(per_unit <= 0) / self.units), None
        units = float(np.count_nonzero(per_unit > self._threshold) / self.units)
        return units, float(self._beyond / (self.rows_seen * self.units))


class ActivationTap:
    """Wraps the forward passes of ``layers`` (``{name: Activation layer}``) so that each
    training batch's outputs reach ``watchers[name].observe``. Call ``remove()`` when done."""

    def __init__(self, layers: dict[str, Any], watchers: dict[str, Watcher]) -> None:
        self._layers = dict(layers)
        for name, layer in self._layers.items():
            _install(layer, watchers[name].observe)

    def remove(self) -> None:
        """Take the wrappers off (idempotent): the layers' class methods apply again."""
        for layer in self._layers.values():
            for attr in ("forward", "tensor_forward"):
                layer.__dict__.pop(attr, None)
        self._layers = {}


def _install(layer: Any, observe: Any) -> None:
    forward, tensor_forward = layer.forward, layer.tensor_forward  # the bound class methods

    def watched_forward(x: np.ndarray, training: bool = False) -> np.ndarray:
        a = forward(x, training)
        if training:
            observe(a)
        return a

    def watched_tensor_forward(h: Any, leaf: Any, training: bool = False) -> Any:
        out = tensor_forward(h, leaf, training)
        if training:
            observe(out.data)
        return out

    layer.forward = watched_forward
    layer.tensor_forward = watched_tensor_forward
