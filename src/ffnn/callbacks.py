"""Callbacks: code the training loop runs at the end of every epoch (or batch, on request).

A callback is either a plain callable ``cb(epoch, logs)`` (returning ``False`` stops training)
or an object with any of the hooks of ``Callback``: ``on_train_begin(model)``,
``on_batch_end(batch, logs)`` (``logs``: the batch's ``loss`` and ``size``; defined only by
callbacks that need it, since it runs after every batch), ``on_epoch_end(epoch, logs)``
(returning ``False`` stops) and ``on_train_end()``. Every callback
of an epoch receives the same ``logs`` dict, in order, and whatever they add to it is recorded
in the ``History`` (so a callback can compute a metric that a later one monitors).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["Callback", "EarlyStopping", "make_early_stopping"]

_MODES = ("auto", "min", "max")


class Callback:
    """Base class with do-nothing hooks; override the ones you need."""

    def on_train_begin(self, model: Any) -> None:
        """Called once before the first epoch of a ``fit``, with the model being trained."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        """Called after every epoch with its metrics; return ``False`` to stop training."""
        return None

    def on_train_end(self) -> None:
        """Called once after the last epoch (not when training raised)."""


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    The best value is the best seen so far (any improvement); the patience counter restarts
    only on an improvement by more than ``min_delta`` over the previous best (the rule of
    scikit-learn's ``MLPClassifier``; with ``min_delta=0`` it is Keras's). With
    ``restore_best_weights`` the model ends with the weights of its best epoch. ``mode``
    ``"auto"`` maximises metrics whose name contains ``"acc"`` or ``"score"`` and minimises the
    rest. After training, ``best_epoch``, ``best`` and ``stopped_epoch`` (``None`` when it did
    not stop early) tell what happened; ``fit`` records them in ``history.params``.

    >>> stop = EarlyStopping(monitor="val_loss", patience=5)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        restore_best_weights: bool = True,
        mode: str = "auto",
    ) -> None:
        if not isinstance(monitor, str):
            raise TypeError(f"monitor must be a metric name such as 'val_loss', got {monitor!r}")
        if isinstance(patience, bool) or not isinstance(patience, numbers.Integral) or patience < 1:
            raise ValueError(f"patience must be a positive integer (epochs), got {patience!r}")
        if isinstance(min_delta, bool) or not isinstance(min_delta, numbers.Real) or not min_delta >= 0:
            raise ValueError(f"min_delta must be a number >= 0, got {min_delta!r}")
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.restore_best_weights, self.mode = bool(restore_best_weights), mode
        self._reset()

    @property
    def maximize(self) -> bool:
        if self.mode != "auto":
            return self.mode == "max"
        return "acc" in self.monitor or "score" in self.monitor

    def _reset(self) -> None:
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.wait = 0
        self._best_weights: np.ndarray | None = None
        self._params: np.ndarray | None = None

    def on_train_begin(self, model: Any) -> None:
        self._reset()
        self._params = model.network.flat_params

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        if self.monitor not in logs:
            hint = " (pass validation_data to fit)" if self.monitor.startswith("val_") else ""
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, which is not among this epoch's "
                f"metrics {sorted(logs)}{hint}"
            )
        sign = -1.0 if self.maximize else 1.0
        value = sign * float(logs[self.monitor])  # smaller is better from here on
        if self.best is None or value < sign * self.best - self.min_delta:
            self.wait = 0
        else:
            self.wait += 1
        if self.best is None or value < sign * self.best:
            self.best, self.best_epoch = float(logs[self.monitor]), epoch
            if self.restore_best_weights and self._params is not None:
                if self._best_weights is None:
                    self._best_weights = self._params.copy()
                else:
                    self._best_weights[...] = self._params
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return False
        return None

    def on_train_end(self) -> None:
        if self.restore_best_weights and self._best_weights is not None and self._params is not None:
            self._params[...] = self._best_weights

    def get_config(self) -> dict[str, Any]:
        return {
            "monitor": self.monitor, "patience": self.patience, "min_delta": self.min_delta,
            "restore_best_weights": self.restore_best_weights, "mode": self.mode,
        }

    def __repr__(self) -> str:
        return f"EarlyStopping({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


def make_early_stopping(spec: Any) -> EarlyStopping | None:
    """``fit``'s ``early_stopping`` argument: ``None``/``False``, ``True`` (defaults), a patience
    (int), a dict of ``EarlyStopping`` parameters, or an ``EarlyStopping`` object."""
    if spec is None or spec is False:
        return None
    if spec is True:
        return EarlyStopping()
    if isinstance(spec, EarlyStopping):
        return spec
    if isinstance(spec, numbers.Integral):
        return EarlyStopping(patience=spec)
    if isinstance(spec, dict):
        return EarlyStopping(**spec)
    raise TypeError(
        "early_stopping must be None, True, a patience (int), a dict of EarlyStopping "
        f"parameters or an EarlyStopping object, got {type(spec).__name__} {spec!r}"
    )


class EpochMetrics(Callback):
    """Adds metrics (``ffnn.metrics``) to each epoch's logs: on the training data (in inference
    mode, at the epoch's end) and on the validation data (``val_`` prefix).

    ``outputs(X)`` gives the model's outputs in the user's units; each data set is
    ``(X, Y, labels)`` with ``Y`` in the user's units too.
    """

    def __init__(self, metrics: list[Any], outputs: Any, train: tuple[Any, Any, Any],
                 validation: tuple[Any, Any, Any] | None = None) -> None:
        self.metrics, self.outputs, self.train, self.validation = metrics, outputs, train, validation

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        for prefix, data in (("", self.train), ("val_", self.validation)):
            if data is None:
                continue
            X, Y, labels = data
            out = self.outputs(X)
            for metric in self.metrics:
                key = prefix + metric.name
                if key not in logs:  # accuracy is tallied during the epoch already
                    logs[key] = metric(out, Y, labels)
