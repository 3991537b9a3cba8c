"""The training loop: shuffled mini-batches, optimiser steps, per-epoch history, progress.

``train()`` is what ``FFNN.fit`` calls after it has checked and converted the data. It
receives an ``Objective`` (loss and gradients of a network) and never the model itself. It
shuffles an index permutation drawn from the given generator (never a copy of the data) and
gathers each batch into reused buffers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import callbacks as _callbacks
from . import optimizers as _optimizers
from . import schedules as _schedules
from .metrics import accuracy_kind, count_correct
from .monitor.data import check_health, check_monitor_data
from .monitor.data import join as join_monitor
from .objective import Objective
from .optimizers import Optimizer
from .progress import ProgressBar
from .schedules import Schedule
from .sparse import is_sparse, n_rows, take_rows
from .threads import blas_kernels, blas_threads, choose_threads, threads_used

__all__ = ["History", "TrainingDivergedError", "Data", "RunPlan", "plan_run", "train",
           "accuracy_kind", "count_correct"]


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite; the weights were restored to the epoch start."""


@dataclass
class History:
    """What ``fit`` returns: per-epoch metrics and the settings that produced them.

    ``history`` maps ``"loss"``, ``"val_loss"`` (and ``"accuracy"``, ``"val_accuracy"`` where
    they apply) to one value per epoch; ``epoch_seconds`` holds each epoch's wall time;
    ``params`` records the training settings (optimiser included) so a run can be repeated.
    ``monitor`` holds what a training monitor recorded (``fit(monitor=True)``, plain data; see
    ``ffnn.monitor``) and ``health`` its health findings; ``None`` and ``[]`` without one.
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    epoch: list[int] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    monitor: dict[str, Any] | None = None
    health: list[dict[str, Any]] = field(default_factory=list)

    def append(self, epoch: int, logs: dict[str, float], seconds: float) -> None:
        self.epoch.append(epoch)
        self.epoch_seconds.append(seconds)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def _repr_html_(self) -> str:
        """In a notebook the history shows as a table of its epochs (``summary.history_html``)."""
        from .summary import history_html

        return history_html(self)

    def extended(self, later: History) -> History:
        """This history followed by ``later``'s epochs (a resumed run); ``params`` are ``later``'s."""
        joined = History.from_dict(self.to_dict())
        for i, epoch in enumerate(later.epoch):
            logs = {k: v[i] for k, v in later.history.items() if i < len(v)}
            joined.append(epoch, logs, later.epoch_seconds[i])
        joined.params = dict(later.params)
        joined.warnings += later.warnings
        joined.monitor = join_monitor(self.monitor, later.monitor)
        joined.health += [dict(f) for f in later.health]
        return joined

    def to_dict(self) -> dict[str, Any]:
        out = {
            "history": {k: list(v) for k, v in self.history.items()},
            "epoch": list(self.epoch),
            "epoch_seconds": list(self.epoch_seconds),
            "params": dict(self.params),
            "warnings": list(self.warnings),
        }
        if self.monitor is not None:  # left out when off: unmonitored histories stay as they were
            out["monitor"] = self.monitor
        if self.health:
            out["health"] = [dict(f) for f in self.health]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """The history ``to_dict`` wrote; anything else (unknown fields, non-numbers) is a ``ValueError``."""
        if not isinstance(data, dict):
            raise ValueError(f"a history must be a dict, got {type(data).__name__}")
        unknown = sorted(set(data) - {"history", "epoch", "epoch_seconds", "params", "warnings", "monitor", "health"})
        if unknown:
            raise ValueError(f"unknown history field(s) {unknown}")
        metrics = data.get("history", {})
        if not isinstance(metrics, dict) or not all(isinstance(v, list) for v in metrics.values()):
            raise ValueError("history['history'] must map metric names to lists of numbers")
        return cls(
            history={k: [float(x) for x in v] for k, v in data.get("history", {}).items()},
            epoch=[int(e) for e in data.get("epoch", [])],
            epoch_seconds=[float(s) for s in data.get("epoch_seconds", [])],
            params=dict(data.get("params", {})),
            warnings=[str(w) for w in data.get("warnings", [])],
            monitor=None if data.get("monitor") is None else check_monitor_data(data["monitor"]),
            health=check_health(data.get("health", [])),
        )


@dataclass
class Data:
    """Prepared training or validation data: inputs ``X``, targets ``Y`` shaped like the
    output, the class ``labels`` where ``Y`` was made from them, and per-row ``weights``
    (mean 1) or ``None``."""

    X: np.ndarray
    Y: np.ndarray
    labels: np.ndarray | None = None
    weights: np.ndarray | None = None


@dataclass
class RunPlan:
    """What one ``fit`` call will use, built from its arguments by ``plan_run``."""

    optimizer: Optimizer
    schedule: Schedule | None
    stopper: Any  # an EarlyStopping or None
    callbacks: list[Any]
    history: History

    def finish(self) -> History:
        """Record where early stopping ended, after training."""
        if self.stopper is not None:
            s = self.stopper
            self.history.params["early_stopping"].update(
                best_epoch=s.best_epoch, best=s.best, stopped_epoch=s.stopped_epoch
            )
        return self.history


def plan_run(
    *,
    optimizer: Any,
    learning_rate: float,
    lr_schedule: Any,
    early_stopping: Any,
    callbacks: Sequence[Any] | None,
    has_validation: bool,
    record: dict[str, Any],
) -> RunPlan:
    """Build the optimiser, schedule and early stopping a ``fit`` asked for, and a ``History``
    whose ``params`` record every one of them (plus ``record``: epochs, batch size...)."""
    opt = _optimizers.build(optimizer, learning_rate)
    schedule = None if lr_schedule is None else _schedules.get(lr_schedule)
    stopper = _callbacks.make_early_stopping(early_stopping)
    if stopper is not None and stopper.monitor.startswith("val_") and not has_validation:
        raise ValueError(
            f"early stopping monitors {stopper.monitor!r} but no validation_data was given; "
            "pass validation_data=(X_val, y_val) or monitor 'loss'"
        )
    user_callbacks = list(callbacks or ())
    hooks = ("on_train_begin", "on_batch_end", "on_epoch_end", "on_train_end")
    for cb in user_callbacks:
        if not callable(cb) and not any(callable(getattr(cb, h, None)) for h in hooks):
            raise TypeError(
                f"callbacks must be callables cb(epoch, logs) or objects with Callback hooks {list(hooks)}; "
                f"got {type(cb).__name__} {cb!r}"
            )
    history = History(params={
        **record,
        "optimizer": opt.get_config(),
        "lr_schedule": None if schedule is None else schedule.get_config(),
        "early_stopping": None if stopper is None else stopper.get_config(),
        "callbacks": [getattr(cb, "__name__", type(cb).__name__) for cb in user_callbacks],
    })
    all_callbacks = user_callbacks + ([stopper] if stopper is not None else [])
    return RunPlan(opt, schedule, stopper, all_callbacks, history)


def train(
    objective: Objective,
    data: Data,
    *,
    rng: np.random.Generator,
    epochs: int,
    batch_size: int,
    optimizer: Optimizer,
    validation: Data | None,
    verbose: int,
    shuffle: bool,
    callbacks: Sequence[Any] = (),
    history: History | None = None,
    lr_schedule: Schedule | None = None,
    initial_epoch: int = 0,
    owner: Any = None,
) -> History:
    """Run ``epochs`` passes of mini-batch training over ``data``; see ``FFNN.fit``.

    ``rng`` draws each epoch's shuffle (and, through the layers, dropout masks). Epochs are
    numbered from ``initial_epoch``. Once per epoch the schedule sets
    ``optimizer.learning_rate`` and the callbacks run (``on_batch_end`` hooks after every
    batch); the optimiser's base rate is put back when training ends. ``owner`` (the model)
    is what callbacks receive in ``on_train_begin``.
    """
    history = history or History()
    net = objective.network
    optimizer.bind(net.flat_params, net.flat_grads)
    base_lr = optimizer.learning_rate
    run = _Run(objective, rng, optimizer, _Hooks(callbacks), verbose, shuffle)
    try:
        threads = choose_threads(batch_size, net.dense_widths)  # one BLAS thread while a step's work is small
        with blas_threads(threads):
            history.params["blas_threads"] = threads_used(threads)  # part of the arithmetic: record it
            history.params["blas_kernels"] = blas_kernels()  # so are the BLAS's kernels
            _run_epochs(run, data, epochs, batch_size, validation, history, lr_schedule,
                        initial_epoch, base_lr, owner)
    finally:
        optimizer.learning_rate = base_lr
    return history


@dataclass
class _Run:
    """What stays the same through one ``train`` call."""

    objective: Objective
    rng: np.random.Generator
    optimizer: Optimizer
    hooks: Any
    verbose: int
    shuffle: bool


def _run_epochs(run, data, epochs, batch_size, validation, history, lr_schedule, initial_epoch,
                base_lr, owner) -> None:
    objective, optimizer = run.objective, run.optimizer
    kind = objective.accuracy_kind(data.labels is not None)
    tally = _AccuracyTally(kind, data)
    batches = _Batches(data, batch_size, with_labels=tally.needs_batch_labels)
    last = initial_epoch + epochs
    run.hooks.train_begin(owner)
    for epoch in range(initial_epoch, last):
        if lr_schedule is not None:
            optimizer.learning_rate = lr_schedule(epoch, base_lr, last)
        start = time.perf_counter()
        order = run.rng.permutation(len(data.Y)) if run.shuffle else None
        bar = ProgressBar(batches.count, f"Epoch {epoch + 1}/{last}", enabled=run.verbose >= 1,
                          mode="line" if run.verbose >= 2 else "auto")
        logs = _one_epoch(run, batches, order, tally, bar, epoch)
        if validation is not None:
            val = objective.evaluate(validation.X, validation.Y, validation.labels, validation.weights)
            logs.update({f"val_{k}": v for k, v in val.items()})
        if lr_schedule is not None:
            logs["learning_rate"] = optimizer.learning_rate
        seconds = time.perf_counter() - start
        try:
            stop = run.hooks.epoch_end(epoch, logs)  # callbacks may add to logs: shown and recorded below
        finally:
            bar.close(final=", ".join(f"{k}={v:.4g}" for k, v in logs.items()) + f", {seconds:.2f}s")
        history.append(epoch, logs, seconds)
        if stop:
            break
    run.hooks.train_end()


def _diverged(what: str, epoch: int, batch: int, optimizer: Optimizer) -> TrainingDivergedError:
    return TrainingDivergedError(
        f"{what} at epoch {epoch + 1}, batch {batch}; the learning rate "
        f"{optimizer.learning_rate:g} is probably too large, try a smaller one (e.g. "
        f"{optimizer.learning_rate / 10:g}). The weights were restored to the start of that epoch."
    )


def _one_epoch(run, batches, order, tally, bar, epoch) -> dict[str, float]:
    """One pass over the batches: forward, backward, step; the epoch's mean loss (and accuracy).

    A non-finite loss, or non-finite weights after the epoch's last step, restore the weights
    of the epoch's start and raise ``TrainingDivergedError``."""
    objective, optimizer, hooks = run.objective, run.optimizer, run.hooks
    net, n, bs = objective.network, len(batches.data.Y), batches.batch_size
    snapshot = net.flat_params.copy()
    loss_sum = 0.0
    tally.start_epoch()
    b = 0
    for b, (xb, yb, lb, wb) in enumerate(batches.iterate(order)):
        loss, output = objective.loss_and_gradients(xb, yb, wb)
        if not math.isfinite(loss):
            net.flat_params[...] = snapshot
            bar.close()
            raise _diverged(f"the training loss became {loss}", epoch, b + 1, optimizer)
        optimizer.step()
        loss_sum += loss * len(yb)
        tally.add(output, yb, lb, b * bs)
        bar.update()
        if bar.enabled and b % 50 == 0:
            bar.set_postfix(f"loss={loss_sum / ((b + 1) * bs):.4f}")
        if hooks.per_batch:
            hooks.batch_end(b, {"loss": loss, "size": len(yb)})
    if not np.isfinite(net.flat_params).all():  # the last step can blow up unseen by any loss
        net.flat_params[...] = snapshot
        bar.close()
        raise _diverged("the weights became NaN or infinite", epoch, b + 1, optimizer)
    logs = {"loss": loss_sum / n}
    if tally.kind is not None:
        logs["accuracy"] = tally.correct(order) / n
    return logs


class _AccuracyTally:
    """Counts an epoch's correct training predictions.

    With class labels (``"categorical"``), each batch only writes its arg-max predictions into
    an epoch-long array (one NumPy call), and the comparison with the labels, taken in the
    epoch's order, happens once at the end; the batches then need not carry their labels.
    Other kinds count per batch with ``count_correct``.
    """

    def __init__(self, kind: str | None, data: Data) -> None:
        self.kind, self._labels = kind, data.labels
        deferred = kind == "categorical" and data.labels is not None
        self._predicted = np.empty(len(data.Y), dtype=np.intp) if deferred else None
        self.needs_batch_labels = data.labels is not None and not deferred
        self._count = 0.0

    def start_epoch(self) -> None:
        self._count = 0.0

    def add(self, output: np.ndarray, Y: np.ndarray, labels: np.ndarray | None, start: int) -> None:
        if self._predicted is not None:
            output.argmax(axis=1, out=self._predicted[start : start + len(output)])
        elif self.kind is not None:
            self._count += count_correct(output, Y, labels, self.kind)

    def correct(self, order: np.ndarray | None) -> float:
        """Correct predictions this epoch; ``order`` is the permutation the batches followed."""
        if self._predicted is None:
            return self._count
        truth = self._labels if order is None else self._labels.take(order)
        return float(np.count_nonzero(self._predicted == truth))


class _Hooks:
    """Runs plain callables ``cb(epoch, logs)`` and ``Callback``-like objects alike."""

    def __init__(self, callbacks: Sequence[Any]) -> None:
        self.callbacks = list(callbacks)
        self.per_batch = [cb for cb in self.callbacks if callable(getattr(cb, "on_batch_end", None))]

    def train_begin(self, model: Any) -> None:
        for cb in self.callbacks:
            if hasattr(cb, "on_train_begin"):
                cb.on_train_begin(model)

    def batch_end(self, batch: int, logs: dict[str, float]) -> None:
        for cb in self.per_batch:
            cb.on_batch_end(batch, logs)

    def epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
        """Call every callback (all of them, even after one asks to stop); True to stop."""
        stop = False
        for cb in self.callbacks:
            result = cb.on_epoch_end(epoch, logs) if hasattr(cb, "on_epoch_end") else cb(epoch, logs)
            stop = stop or result is False
        return stop

    def train_end(self) -> None:
        for cb in self.callbacks:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end()


class _Batches:
    """Yields ``(x, Y, labels, weights)`` batches, gathered by index into reused buffers.

    ``labels`` is ``None`` when the data has none or ``with_labels`` is false; ``weights`` is
    ``None`` when the data has none. A SciPy sparse ``X`` gives sparse (CSR) row batches,
    taken with ``ffnn.sparse.take_rows``: never densified.
    """

    def __init__(self, data: Data, batch_size: int, with_labels: bool = True) -> None:
        self.data, self.batch_size = data, batch_size
        n = n_rows(data.X)
        self.count = -(-n // batch_size)
        size = min(batch_size, n)
        self._x = None if is_sparse(data.X) else np.empty((size, data.X.shape[1]), dtype=data.X.dtype)
        self._y = np.empty((size, data.Y.shape[1]), dtype=data.Y.dtype)
        with_labels = with_labels and data.labels is not None
        self._l = np.empty(size, dtype=data.labels.dtype) if with_labels else None
        self._w = None if data.weights is None else np.empty(size, dtype=data.weights.dtype)

    def iterate(self, order: np.ndarray | None):
        d, n, bs = self.data, n_rows(self.data.X), self.batch_size
        X, Y, L, W = d.X, d.Y, d.labels if self._l is not None else None, d.weights
        for start in range(0, n, bs):
            stop = min(start + bs, n)
            if order is None:  # no shuffling: slices are views, nothing to copy
                yield (X[start:stop], Y[start:stop], None if L is None else L[start:stop],
                       None if W is None else W[start:stop])
                continue
            idx, m = order[start:stop], stop - start
            # mode="clip": the indices come from a permutation, so always in range; the default
            # mode="raise" gathers through a temporary buffer, 4x slower at batch 32.
            x = take_rows(X, idx, None if self._x is None else self._x[:m])
            y = Y.take(idx, axis=0, out=self._y[:m], mode="clip")
            lab = None if L is None else L.take(idx, out=self._l[:m], mode="clip")
            w = None if W is None else W.take(idx, out=self._w[:m], mode="clip")
            yield x, y, lab, w
