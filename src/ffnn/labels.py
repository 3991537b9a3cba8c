"""Class labels as users have them (strings, 1..k, -1/+1, booleans, integers with gaps) and
the output units they map to.

A model learns its ``classes_`` (sorted, as scikit-learn orders them) the first time it is
trained on 1-D class labels, keeps them (also in its file), and answers in them:
``predict_classes`` returns ``classes_[unit]``. Integer labels that already are unit indices
(``0 <= label < n_outputs``) keep meaning "unit ``label``", so ``classes_`` is then
``0..n_outputs-1`` and nothing changes for code that passes 0-based labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["is_label_array", "infer_classes", "encode", "decode"]


def _as_1d(y: Any) -> np.ndarray | None:
    arr = np.asarray(y)
    return arr if arr.ndim == 1 else None


def is_label_array(y: Any, n_outputs: int, binary_loss: bool) -> bool:
    """True when 1-D ``y`` holds class labels for an output of ``n_outputs`` units.

    Several units: any 1-D ``y`` is labels. One unit with a binary loss: labels when they are
    not numbers in [0, 1] (strings, booleans, -1/+1, 1/2, any two values). Otherwise ``y`` is
    a target column.
    """
    arr = _as_1d(y)
    if arr is None:
        return False
    if n_outputs > 1:
        return True
    if not binary_loss:
        return False
    if arr.dtype.kind in "OUSb":
        return True
    if arr.dtype.kind in "iuf" and arr.size:
        with np.errstate(invalid="ignore"):
            inside = bool(np.all((arr >= 0) & (arr <= 1)))
        return not inside and np.unique(arr).size == 2
    return False


def infer_classes(y: np.ndarray, n_outputs: int, name: str = "y") -> np.ndarray:
    """The sorted classes of labels ``y`` for an output of ``n_outputs`` units (2 for one unit)."""
    n_classes = max(n_outputs, 2)
    if y.dtype.kind == "O":
        kinds = {type(v) for v in y.tolist()}
        if len(kinds) > 1:
            raise TypeError(f"{name} mixes label types {sorted(k.__name__ for k in kinds)}; use one type")
    if y.dtype.kind == "f":
        bad = int(y.size - np.count_nonzero(np.isfinite(y)))
        if bad:
            raise ValueError(f"{name} contains {bad} NaN or infinite value(s); clean or impute them first")
        if not np.all(np.mod(y, 1) == 0):
            raise ValueError(
                f"{name} is 1-D, so it must hold class labels, but it has non-integer values (dtype {y.dtype}); "
                f"pass targets shaped (n, {n_outputs}) like the output layer instead"
            )
    if y.dtype.kind in "iuf" and y.dtype.kind != "b" and np.all(np.mod(y, 1) == 0):
        if y.size and y.min() >= 0 and y.max() < n_classes and n_outputs > 1:
            return np.arange(n_classes)  # unit indices already: label i is unit i
    classes = np.unique(y)
    if classes.size != n_classes:
        shown = classes[:20].tolist()
        more = f" (and {classes.size - 20} more)" if classes.size > 20 else ""
        fix = (f"use an output layer of {classes.size} units (layer_sizes[-1] = {classes.size})"
               if classes.size > 2 else "use one sigmoid unit with binary_crossentropy, or 2 softmax units")
        raise ValueError(
            f"{name} has {classes.size} classes {shown}{more} but the output layer has {n_outputs} unit(s) "
            f"({n_classes} classes); {fix}"
        )
    return classes


def encode(y: np.ndarray, classes: np.ndarray, name: str = "y") -> np.ndarray:
    """The index of each label of ``y`` in ``classes``; an unknown label is an error naming it."""
    if classes.dtype.kind in "iu" and y.dtype.kind in "iuf" and np.array_equal(classes, np.arange(classes.size)):
        idx = y.astype(np.intp) if y.dtype.kind != "f" or np.all(np.mod(y, 1) == 0) else None
        if idx is not None and (idx.size == 0 or (idx.min() >= 0 and idx.max() < classes.size)):
            return idx
    try:
        pos = np.searchsorted(classes, y)
    except TypeError as err:
        raise TypeError(f"{name} labels cannot be compared with the model's classes {classes.tolist()[:10]}: {err}") from None
    pos = np.clip(pos, 0, classes.size - 1)
    bad = classes[pos] != y
    if np.any(bad):
        unknown = np.unique(np.asarray(y)[bad])[:10].tolist()
        raise ValueError(
            f"{name} has label(s) {unknown} that are not among the model's classes {classes.tolist()[:20]}"
        )
    return pos.astype(np.intp)


def decode(indices: np.ndarray, classes: np.ndarray | None) -> np.ndarray:
    """``classes[indices]`` (the indices themselves without classes)."""
    return indices if classes is None else classes[indices]
