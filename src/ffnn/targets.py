"""What a model keeps about its targets: the class labels it speaks, and for regression the
standardisation of the target, so training sees unit-scale targets and predictions come back in
the user's units."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import labels as _labels

__all__ = ["TargetCoder"]


class TargetCoder:
    """Turns user targets into what the network trains on, and outputs back.

    ``classes``: the sorted class labels (``None`` until trained on labels, or for regression).
    ``mean``/``scale``: the target standardisation (``None`` unless ``standardize`` and regression).
    """

    def __init__(self, standardize: bool = False) -> None:
        self.standardize = bool(standardize)
        self.classes: np.ndarray | None = None
        self.mean: np.ndarray | None = None
        self.scale: np.ndarray | None = None

    # ------------------------------------------------------------------ learning
    def learn(self, y: Any, n_outputs: int, loss: Any, name: str = "y") -> None:
        """Learn the classes of label targets, or the scaling of regression targets, the first time."""
        arr = np.asarray(y)
        binary = getattr(loss, "accuracy", None) == "binary"
        if _labels.is_label_array(arr, n_outputs, binary):
            if self.classes is None:
                self.classes = _labels.infer_classes(arr, n_outputs, name)
            return
        regression = getattr(loss, "accuracy", None) is None
        if self.standardize and regression and self.mean is None and arr.dtype.kind in "iuf":
            Y = arr.reshape(len(arr), -1).astype(np.float64)
            self.mean = Y.mean(axis=0)
            std = Y.std(axis=0)
            self.scale = np.where(std > 0, std, 1.0)

    # ------------------------------------------------------------------ applying
    def encode(self, y: Any, n_outputs: int, loss: Any, name: str = "y") -> Any:
        """``y`` as the network trains on it: class indices for labels, standardised regression targets."""
        arr = np.asarray(y)
        binary = getattr(loss, "accuracy", None) == "binary"
        if self.classes is not None and _labels.is_label_array(arr, n_outputs, binary):
            return _labels.encode(arr, self.classes, name)
        if arr.ndim == 1 and arr.dtype.kind in "OUSb" and self.classes is None:
            raise ValueError(f"{name} holds labels ({arr.dtype}) but the model has learnt no classes yet; fit it on labels first")
        if self.mean is not None and arr.dtype.kind in "iuf":
            Y = arr.reshape(len(arr), -1)
            if Y.shape[1] == self.mean.size:
                return ((Y - self.mean) / self.scale).reshape(arr.shape) if arr.ndim == 1 else (Y - self.mean) / self.scale
        return y

    def decode_output(self, output: np.ndarray) -> np.ndarray:
        """Network outputs in the user's units (regression outputs un-standardised)."""
        if self.mean is None:
            return output
        return (output * self.scale + self.mean).astype(output.dtype, copy=False)

    def classes_of(self, indices: np.ndarray) -> np.ndarray:
        return _labels.decode(indices, self.classes)

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict[str, Any]:
        return {
            "standardize": self.standardize,
            "classes": None if self.classes is None else self.classes.tolist(),
            "mean": None if self.mean is None else self.mean.tolist(),
            "scale": None if self.scale is None else self.scale.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TargetCoder:
        coder = cls(bool(data.get("standardize", False)))
        if data.get("classes") is not None:
            coder.classes = np.asarray(data["classes"])
            if coder.classes.ndim != 1 or coder.classes.size < 2:
                raise ValueError(f"classes must be a list of at least 2 labels, got {data['classes']!r}")
        for key in ("mean", "scale"):
            if data.get(key) is not None:
                value = np.asarray(data[key], dtype=np.float64)
                if value.ndim != 1 or not np.all(np.isfinite(value)) or (key == "scale" and np.any(value <= 0)):
                    raise ValueError(f"target {key} must be a list of finite numbers (scale > 0), got {data[key]!r}")
                setattr(coder, key, value)
        return coder
