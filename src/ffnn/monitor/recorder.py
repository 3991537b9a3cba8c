"""``Monitor`` (what to record) and ``Recorder`` (the callback ``fit`` runs when it is on).

Per monitored dense layer and per record (every epoch's end, optionally every ``every``
batches, and once before the first step) the recorder keeps, as plain data in
``history.monitor``:

* ``weight``, ``gradient``, ``activation``: TensorBoard's nine percentiles, a histogram of
  ``bins`` counts over [min, max] and the share of values near zero (``stats.py``) of the weight
  matrix, of its gradient in the last step, and of the layer's outputs (after its activation)
  on a fixed probe of up to ``probe_rows`` training rows in inference mode;
* ``weight_norm``, ``grad_norm`` (Frobenius norms) and ``update_ratio`` = ‖Δw‖ / ‖w‖ of the
  step just taken (‖w‖ before it);
* ``dead`` (ReLU family) or ``saturated`` and ``saturated_outputs`` (sigmoid, tanh): shares of
  units (of outputs) over every training sample seen since the previous record (``tap.py``).

The record before the first step has no gradient, update or dead share (``null``). Once per
epoch (and before the first step) ``graph`` keeps a small picture of the network
(``graph.py``). The health rules (``health.py``) read these numbers at every epoch's end.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..callbacks import Callback
from ..diagnostics import TrainingWarning
from ..layers import Activation, Dense
from . import health as _health
from .graph import snapshot
from .stats import PERCENTILES, norm, rounded, summarise
from .tap import ActivationTap, Watcher, watch_kind

__all__ = ["Monitor", "Recorder", "FORMAT", "make_monitor"]

FORMAT = 1  # the layout of history.monitor
_FILE_LIMIT = 8 * 1024 * 1024  # model files cap their metadata (config + history) at 8 MiB


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"Monitor {name} must be a positive integer, got {value!r}")
    return int(value)


class Monitor:
    """What ``fit(..., monitor=...)`` records (see ``docs/monitor.md``).

    ``every``: also record after every ``every``-th batch of an epoch (default: epoch ends only).
    ``layers``: dense layers to watch, by index (``0``, ``-1``) or name (``"layers.0"``); default all
    (recorded in the network's order).
    ``bins``: histogram bins per record. ``probe_rows``: training rows whose activations are
    summarised at each record. ``graph_neurons``: neurons per layer in the per-epoch graph.
    ``health``: apply the health rules (``ffnn.monitor.RULES``) at each epoch's end.

    >>> import ffnn
    >>> monitor = ffnn.Monitor(every=100, layers=[0, -1])
    """

    def __init__(self, every: int | None = None, layers: Sequence[int | str] | None = None, bins: int = 30,
                 probe_rows: int = 512, graph_neurons: int = 16, health: bool = True) -> None:
        self.every = None if every is None else _positive_int("every", every)
        if isinstance(layers, (int, str, np.integer)):
            layers = [layers]
        self.layers = None if layers is None else list(layers)
        self.bins = _positive_int("bins", bins)
        self.probe_rows = _positive_int("probe_rows", probe_rows)
        self.graph_neurons = _positive_int("graph_neurons", graph_neurons)
        self.health = bool(health)
        self.data: dict[str, Any] | None = None  # the records of the last fit watched (kept if training raised)
        self.findings: list[dict[str, Any]] = []  # ... and its health findings

    def get_config(self) -> dict[str, Any]:
        return {"every": self.every, "layers": self.layers, "bins": self.bins, "probe_rows": self.probe_rows,
                "graph_neurons": self.graph_neurons, "health": self.health}

    def recorder(self, network: Any, X: Any, *, n_samples: int, batch_size: int, epochs: int,
                 initial_epoch: int, history: Any) -> Recorder:
        """The callback that records one ``fit`` of ``network`` on training inputs ``X``."""
        recorder = Recorder(self, network, X, n_samples=n_samples, batch_size=batch_size, epochs=epochs,
                            initial_epoch=initial_epoch, history=history)
        self.data, self.findings = recorder.data, history.health
        return recorder

    def __repr__(self) -> str:
        return f"Monitor({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


def make_monitor(spec: Any) -> Monitor | None:
    """``fit``'s ``monitor`` argument: ``None``/``False`` (off), ``True``, a dict of ``Monitor``
    arguments or a ``Monitor``."""
    if spec is None or spec is False:
        return None
    if spec is True:
        return Monitor()
    if isinstance(spec, Monitor):
        return spec
    if isinstance(spec, dict):
        return Monitor(**spec)
    raise TypeError(f"monitor must be None, True, a dict of Monitor arguments or a Monitor, got "
                    f"{type(spec).__name__} {spec!r}")


def _segments(network: Any) -> list[tuple[str, Dense, int, int | None]]:
    """Per dense layer: its name, the layer, the index of the last layer before the next dense
    one (whose output is "the layer's activation"), and the index of its ``Activation`` (or None)."""
    layers, names = network.layers, network.names
    dense = [i for i, layer in enumerate(layers) if isinstance(layer, Dense)]
    out = []
    for k, i in enumerate(dense):
        end = (dense[k + 1] if k + 1 < len(dense) else len(layers)) - 1
        act = next((j for j in range(i + 1, end + 1) if isinstance(layers[j], Activation)), None)
        out.append((names[i], layers[i], end, act))
    return out


def _choose(segments: list[tuple], chosen: list[Any] | None) -> list[tuple]:
    if chosen is None:
        return segments
    names = [s[0] for s in segments]
    picked = []
    for sel in chosen:
        if isinstance(sel, (int, np.integer)) and not isinstance(sel, bool) and -len(names) <= sel < len(names):
            picked.append(segments[int(sel) % len(names)])
        elif isinstance(sel, str) and sel in names:
            picked.append(segments[names.index(sel)])
        else:
            raise ValueError(f"Monitor layers: no dense layer {sel!r}; choose indices 0..{len(names) - 1} "
                             f"(or negative) or names {names}")
    chosen_ids = {id(s[1]) for s in picked}
    return [s for s in segments if id(s[1]) in chosen_ids]  # each layer once, in the network's order


def _quantity() -> dict[str, list]:
    return {"percentiles": [], "histogram": [], "near_zero": []}


class Recorder(Callback):
    """Records what ``Monitor`` asks for during one ``fit``; see the module docstring."""

    def __init__(self, monitor: Monitor, network: Any, X: Any, *, n_samples: int, batch_size: int, epochs: int,
                 initial_epoch: int, history: Any) -> None:
        self.monitor, self.network, self.history = monitor, network, history
        self.probe = X[: monitor.probe_rows]
        self.all_dense = [s[1] for s in _segments(network)]
        if not self.all_dense:
            raise ValueError("the monitor watches dense layers, and this network has none; train without monitor=")
        self.segments = _choose(_segments(network), monitor.layers)
        self.n_batches = max(1, math.ceil(n_samples / batch_size))
        self.epochs, self.epoch = epochs, initial_epoch
        every = monitor.every
        mid = set(range(every, self.n_batches, every)) if every else set()
        self._record_after = {b - 1 for b in mid}  # 0-based batch indices followed by a record
        ends = mid | {self.n_batches}
        self._snapshot_after = {b - 2 for b in ends if b >= 2}  # copy weights before a recorded step
        self._snapshot_at_start = 1 in ends
        last = len(network.layers) - 1
        self.watchers: dict[str, Watcher] = {}
        watched_layers: dict[str, Any] = {}
        dtype = network.flat_params.dtype
        for name, dense, _, act in self.segments:
            layer = network.layers[act] if act is not None else None
            kind = watch_kind(layer.activation) if layer is not None and act != last else None
            if kind is not None:
                self.watchers[name] = Watcher(kind, layer.activation, dense.units, batch_size, dtype)
                watched_layers[name] = layer
        self._watched_layers = watched_layers
        self._tap: ActivationTap | None = None
        self._before: list[np.ndarray] | None = None
        self._optimizer = None
        self.losses: list[float] = []
        self.checked: set[tuple[str, str]] = set()
        self.data = self._empty()
        history.monitor = self.data
        self._size_checked = False

    def _empty(self) -> dict[str, Any]:
        m = self.monitor
        layers = []
        for name, dense, end, act in self.segments:
            watcher = self.watchers.get(name)
            act_layer = self.network.layers[act] if act is not None else None
            layers.append({
                "name": name, "n_in": int(dense.weight.shape[0]), "units": int(dense.units),
                "activation": act_layer.activation.name if act_layer is not None else "linear",
                "activation_layer": self.network.names[end],
                "weight": _quantity(), "gradient": _quantity(), "activations": _quantity(),
                "weight_norm": [], "grad_norm": [], "update_ratio": [],
                "dead": [] if watcher is not None and watcher.kind == "dead" else None,
                "saturated": [] if watcher is not None and watcher.kind == "saturated" else None,
                "saturated_outputs": [] if watcher is not None and watcher.kind == "saturated" else None,
            })
        return {"format": FORMAT, "config": m.get_config(), "percentiles": list(PERCENTILES), "bins": m.bins,
                "probe_rows": int(self.probe.shape[0]),
                "records": {"epoch": [], "batch": [], "step": [], "learning_rate": [], "loss": [], "seconds": []},
                "layers": layers, "graph": {"names": [n for n, layer in zip(self.network.names, self.network.layers)
                                             if isinstance(layer, Dense)], "record": [], "snapshots": []}}

    # ------------------------------------------------------------------ hooks
    def on_train_begin(self, model: Any) -> None:
        self._optimizer = getattr(model, "optimizer", None)
        if self.watchers:
            self._tap = ActivationTap(self._watched_layers, self.watchers)
        self._record(batch=0, loss=None, initial=True)
        if self._snapshot_at_start:
            self._take_before()

    def on_batch_end(self, batch: int, logs: dict[str, float]) -> None:
        if batch in self._snapshot_after:
            self._take_before()
        if batch in self._record_after:
            self._record(batch=batch + 1, loss=logs.get("loss"))

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch = epoch
        loss = logs.get("loss")
        self._record(batch=self.n_batches, loss=loss)
        self.losses.append(float(loss) if loss is not None else math.nan)
        if self.monitor.health:
            for finding in _health.check(self.data, self.losses, epoch, self.checked):
                self._report(finding)
        self.epoch = epoch + 1
        if self._snapshot_at_start:
            self._take_before()
        if not self._size_checked:
            self._check_size()

    def on_train_end(self) -> None:
        self.close()

    def close(self) -> None:
        """Remove the activation wrappers (idempotent; ``fit`` calls it also when training raises)."""
        if self._tap is not None:
            self._tap.remove()
            self._tap = None

    # ------------------------------------------------------------------ recording
    def _take_before(self) -> None:
        if self._before is None:
            self._before = [s[1].weight.copy() for s in self.segments]
        else:
            for buf, s in zip(self._before, self.segments):
                buf[...] = s[1].weight

    def _record(self, batch: int, loss: float | None, initial: bool = False) -> None:
        began = time.perf_counter()
        rec = self.data["records"]
        rec["epoch"].append(int(self.epoch))
        rec["batch"].append(int(batch))
        rec["step"].append(int(self.epoch * self.n_batches + batch))
        lr = getattr(self._optimizer, "learning_rate", None)
        rec["learning_rate"].append(rounded(lr) if lr is not None else None)
        rec["loss"].append(rounded(loss) if loss is not None else None)
        outputs = self._probe_outputs()
        bins = self.monitor.bins
        for k, (entry, (name, dense, end, _)) in enumerate(zip(self.data["layers"], self.segments)):
            w = dense.weight
            _append(entry["weight"], summarise(w, bins))
            entry["weight_norm"].append(rounded(norm(w)))
            _append(entry["activations"], summarise(outputs[end], bins))
            if initial:
                _append(entry["gradient"], {"percentiles": None, "histogram": None, "near_zero": None})
                entry["grad_norm"].append(None)
                entry["update_ratio"].append(None)
            else:
                _append(entry["gradient"], summarise(dense.grad_weight, bins))
                entry["grad_norm"].append(rounded(norm(dense.grad_weight)))
                entry["update_ratio"].append(self._update_ratio(k, w))
            watcher = self.watchers.get(name)
            if watcher is not None:
                units, outs = (None, None) if initial else watcher.shares()
                watcher.reset()
                if watcher.kind == "dead":
                    entry["dead"].append(rounded(units, 4) if units is not None else None)
                else:
                    entry["saturated"].append(rounded(units, 4) if units is not None else None)
                    entry["saturated_outputs"].append(rounded(outs, 4) if outs is not None else None)
        if batch == self.n_batches or initial:
            graph = self.data["graph"]
            graph["record"].append(len(rec["epoch"]) - 1)
            graph["snapshots"].append(snapshot(self.all_dense, self.monitor.graph_neurons))
        rec["seconds"].append(rounded(time.perf_counter() - began, 3))  # what this record cost

    def _update_ratio(self, k: int, w: np.ndarray) -> float | None:
        if self._before is None:
            return None
        before = self._before[k]
        scale = norm(before)
        if scale == 0:
            return None  # no size to compare with (all-zero weights)
        return rounded(norm(w.astype(np.float64) - before) / scale)

    def _probe_outputs(self) -> dict[int, np.ndarray]:
        """Each monitored segment's output on the probe, in inference mode (not counted as seen)."""
        wanted = {end for _, _, end, _ in self.segments}
        out: dict[int, np.ndarray] = {}
        h = self.probe
        with np.errstate(over="ignore", invalid="ignore"):
            for i, layer in enumerate(self.network.layers[: max(wanted) + 1]):
                h = layer.forward(h, training=False)
                if i in wanted:
                    out[i] = h
        return out

    # ------------------------------------------------------------------ findings
    def _report(self, finding: dict[str, Any]) -> None:
        self.history.health.append(finding)
        self.history.warnings.append(finding["message"])
        warnings.warn(finding["message"], TrainingWarning, stacklevel=3)

    def _check_size(self) -> None:
        """After the first epoch: warn when the planned run's records would not fit in a model file."""
        self._size_checked = True
        per_epoch = len(json.dumps(self.data))
        if per_epoch * (self.epochs + 1) > _FILE_LIMIT:
            warnings.warn(
                f"the monitor's records will take about {per_epoch * (self.epochs + 1) / 2**20:.0f} MiB after "
                f"{self.epochs} epochs, more than a model file's 8 MiB of metadata: model.save will fail. "
                "Record less often (a larger every=), fewer layers or fewer bins", TrainingWarning, stacklevel=3)


def _append(quantity: dict[str, list], summary: dict[str, Any]) -> None:
    for key, value in summary.items():
        quantity[key].append(value)
