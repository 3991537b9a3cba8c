"""What "correct" means for a model's outputs, decided by the loss's ``accuracy`` attribute."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["accuracy_kind", "count_correct"]


def accuracy_kind(loss: Any, n_outputs: int, labels_given: bool) -> str | None:
    """``"categorical"`` (arg-max), ``"binary"`` (threshold 0.5) or ``None`` (no accuracy).

    Several outputs with class labels, or a loss whose ``accuracy`` is categorical, compare
    arg-maxes; a loss whose ``accuracy`` is binary thresholds each unit at 0.5.
    """
    kind = getattr(loss, "accuracy", None)
    if n_outputs > 1 and (labels_given or kind == "categorical"):
        return "categorical"
    if kind == "binary":
        return "binary"
    return None


def count_correct(output: np.ndarray, Y: np.ndarray, labels: np.ndarray | None, kind: str) -> float:
    """Number of correct predictions in a batch (for ``"binary"``, correct elements / units)."""
    if kind == "categorical":
        truth = labels if labels is not None else Y.argmax(axis=1)
        return float(np.count_nonzero(output.argmax(axis=1) == truth))
    return float(np.count_nonzero((output > 0.5) == (Y > 0.5))) / Y.shape[1]
