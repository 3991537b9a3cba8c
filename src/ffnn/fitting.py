"""What ``FFNN.fit`` works out from its arguments before the loop starts: the validation split,
class weights, which optimiser continues, and the epoch numbering."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizers import Optimizer
from .preparation import class_weights, sample_weights
from .training import Data

__all__ = ["split_validation", "weigh_classes", "choose_optimizer", "first_epoch", "class_indices"]


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
    return Data(data.X, data.Y, data.labels, sample_weights(per_row, len(data.X), dtype, "class_weight"))


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
