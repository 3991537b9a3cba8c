"""``FFNN.fit`` from its arguments to the loop: the data checked and encoded for the model,
the validation split, class weights, which optimiser continues, the epoch numbering, the
health checks and metrics, then ``training.train``. It uses the model's public attributes
only (``network``, ``objective``, ``targets``, ``loss``, ``optimizer``, ``history``, ``rng``...)
and does not import ``ffnn.model``."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import metrics as _metrics
from .callbacks import EpochMetrics
from .diagnostics import HealthChecks
from .inference import predict
from .monitor import make_monitor
from .optimizers import Optimizer
from .preparation import class_weights, prepare, sample_weights, subset
from .training import Data, History, plan_run, train
from .validation import check_positive_int

__all__ = ["fit_model", "prepare_for", "user_targets", "split_validation", "weigh_classes", "choose_optimizer",
           "first_epoch", "class_indices"]


def _check_fraction(fraction: Any) -> float:
    value = float(fraction)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"validation_split must lie in [0, 1) (the share of rows held out), got {fraction!r}")
    return value


def split_validation(n: int, fraction: Any, groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(train, validation)``: the last ``fraction`` of the rows, taken before any
    shuffling (as Keras does), per group when ``groups`` (class indices) is given, so each class
    keeps its share in both parts (stratified). Deterministic: no random number is drawn."""
    fraction = _check_fraction(fraction)
    rows = np.arange(n)
    if fraction == 0:
        return rows, rows[:0]
    held = np.zeros(n, dtype=bool)
    for members in ([rows] if groups is None else [rows[groups == g] for g in np.unique(groups)]):
        k = int(round(fraction * len(members)))
        if k:
            held[members[-k:]] = True
    if held.all() or not held.any():
        raise ValueError(
            f"validation_split={fraction} leaves {'no training' if held.all() else 'no validation'} rows "
            f"out of {n}; use a fraction between {1 / n:.3g} and {1 - 1 / n:.3g} or pass validation_data"
        )
    return rows[~held], rows[held]


def class_indices(data: Data) -> np.ndarray:
    """Each row's class index: its label, or the arg-max (or > 0.5) of its target row."""
    if data.labels is not None:
        return data.labels
    return data.Y.argmax(axis=1) if data.Y.shape[1] > 1 else (data.Y[:, 0] > 0.5).astype(np.intp)


def weigh_classes(data: Data, class_weight: Any, dtype: np.dtype) -> Data:
    """``data`` with each row's weight multiplied by its class's weight (then rescaled to mean 1)."""
    per_row = class_weights(class_weight, class_indices(data), max(2, data.Y.shape[1]))
    if data.weights is not None:
        per_row = per_row * data.weights
    return Data(data.X, data.Y, data.labels, sample_weights(per_row, len(data.Y), dtype, "class_weight"))


def choose_optimizer(current: Optimizer | None, optimizer: Any, learning_rate: float | None) -> Any:
    """``None`` continues with the model's optimiser (its rate changed if one is given), else SGD."""
    if optimizer is None:
        optimizer = current if current is not None else "sgd"
    if isinstance(optimizer, Optimizer) and learning_rate is not None:
        optimizer.learning_rate = float(learning_rate)
    return optimizer


def first_epoch(history: Any, initial_epoch: int | None) -> int:
    """Epochs continue from the model's history unless ``initial_epoch`` says otherwise."""
    if initial_epoch is None:
        return len(history.epoch) if history is not None else 0
    if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, (int, np.integer)) or initial_epoch < 0:
        raise ValueError(f"initial_epoch must be an integer >= 0, got {initial_epoch!r}")
    return int(initial_epoch)


# ---------------------------------------------------------------------------------- data
def prepare_for(model: Any, X: Any, y: Any, name: str = "", sample_weight: Any = None, learn: bool = False) -> Data:
    """``(X, y)`` checked and converted for ``model``: labels to unit indices (learning the
    classes first when ``learn``), regression targets standardised where the model does so."""
    net = model.network
    net.check_input_kind(X)
    if learn:
        model.targets.learn(y, net.n_out, model.loss, name=f"y{name}")
    y_net = model.targets.encode(y, net.n_out, model.loss, name=f"y{name}")
    return prepare(X, y_net, net.n_in, net.n_out, model.dtype, model.loss, name, sample_weight)


def user_targets(model: Any, y: Any, data: Data) -> np.ndarray:
    """The targets in the user's units, shaped like the output (what regression metrics compare)."""
    if model.targets.mean is None:
        return data.Y
    return np.asarray(y, dtype=np.float64).reshape(len(data.Y), -1)


def _validation(model: Any, validation_data: Any) -> tuple[Data | None, np.ndarray | None]:
    if validation_data is None:
        return None, None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise TypeError("validation_data must be a tuple (X_val, y_val) or (X_val, y_val, sample_weight_val)")
    data = prepare_for(model, *validation_data[:2], name="_val",
                       sample_weight=validation_data[2] if len(validation_data) == 3 else None)
    return data, user_targets(model, validation_data[1], data)


# ---------------------------------------------------------------------------------- the run
def fit_model(model: Any, X: Any, y: Any, *, epochs: int, batch_size: int, learning_rate: float | None,
              validation_data: Any, validation_split: float, verbose: int, shuffle: bool, optimizer: Any,
              callbacks: Any, lr_schedule: Any, early_stopping: Any, initial_epoch: int | None,
              sample_weight: Any, class_weight: Any, metrics: Any, feature_names: Any,
              monitor: Any = None) -> History:
    """What ``FFNN.fit`` does (see its docstring): prepare the data, plan the run, train, and
    grow the model's history. Works on the model's public attributes only."""
    epochs, batch_size = check_positive_int("epochs", epochs), check_positive_int("batch_size", batch_size)
    if feature_names is not None:
        model.feature_names = [str(n) for n in feature_names]
    data = prepare_for(model, X, y, sample_weight=sample_weight, learn=True)
    user_y = user_targets(model, y, data)
    validation, val_user = _validation(model, validation_data)
    if validation_split:
        if validation is not None:
            raise ValueError("give validation_data or validation_split, not both")
        groups = class_indices(data) if model.objective.accuracy_kind(data.labels is not None) else None
        train_rows, val_rows = split_validation(len(data.Y), validation_split, groups)
        data, validation, user_y, val_user = (subset(data, train_rows), subset(data, val_rows),
                                              user_y[train_rows], user_y[val_rows])
    if class_weight is not None:
        data = weigh_classes(data, class_weight, model.dtype)
    start = first_epoch(model.history, initial_epoch)
    extra = [_metrics.get(m) for m in (metrics or ())]
    watch = make_monitor(monitor)
    plan = plan_run(
        optimizer=choose_optimizer(model.optimizer, optimizer, learning_rate),
        learning_rate=0.01 if learning_rate is None else learning_rate,
        lr_schedule=lr_schedule, early_stopping=early_stopping, callbacks=callbacks,
        has_validation=validation is not None,
        record={"epochs": epochs, "batch_size": batch_size, "shuffle": bool(shuffle), "n_samples": len(data.Y),
                "seed": model.seed, "initial_epoch": start, "engine": model.engine,
                "validation_split": float(validation_split), "sample_weight": sample_weight is not None,
                "class_weight": class_weight if isinstance(class_weight, (str, type(None))) else
                {str(k): float(v) for k, v in class_weight.items()},
                "metrics": [m.name for m in extra],
                "monitor": None if watch is None else watch.get_config()},
    )
    model.optimizer = plan.optimizer
    model.network.adapt(data.X)
    hooks = [HealthChecks(model.network, model.loss, data.X, data.Y, plan.history, model.feature_names)]
    if extra:
        def outputs(A: np.ndarray) -> np.ndarray:
            return model.targets.decode_output(predict(model.network, A))

        hooks.append(EpochMetrics(extra, outputs, (data.X, user_y, data.labels),
                                  None if validation is None else (validation.X, val_user, validation.labels)))
    recorder = None if watch is None else watch.recorder(
        model.network, data.X, n_samples=len(data.Y), batch_size=batch_size, epochs=epochs, initial_epoch=start,
        history=plan.history)
    try:
        train(model.objective, data, rng=model.rng, epochs=epochs, batch_size=batch_size, optimizer=plan.optimizer,
              validation=validation, verbose=int(verbose), shuffle=bool(shuffle),
              callbacks=hooks + ([] if recorder is None else [recorder]) + plan.callbacks,
              history=plan.history, lr_schedule=plan.schedule, initial_epoch=start, owner=model)
    finally:
        if recorder is not None:
            recorder.close()  # the activation wrappers come off even when training raised
    new = plan.finish()
    model.history = new if model.history is None else model.history.extended(new)
    return new
