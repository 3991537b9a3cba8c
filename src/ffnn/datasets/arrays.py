"""The user's own arrays: ``.npz`` archives and ``.npy`` files, read without unpickling anything
(``allow_pickle=False``, every member checked before it is read), with clear errors.

Each loader returns ``(X, y)``: ``X`` a 2-D float array (images with more dimensions are
flattened) and ``y`` the labels, int64 when every label is a whole number, float otherwise, or
``None`` when no labels are asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..io.bounded import NpzReader, is_npz, open_regular, read_npy_file
from .idx import DatasetError

__all__ = ["load_npz", "load_npy", "open_npz", "features", "labels", "check_label_arg"]


def check_label_arg(label: Any) -> None:
    """A label column is an index, a header name or ``None``; anything else is a ``TypeError``."""
    if label is not None and (isinstance(label, bool) or not isinstance(label, (int, np.integer, str))):
        raise TypeError(f"label must be a column index (int), a header name (str) or None, got "
                        f"{type(label).__name__} {label!r}")


@contextmanager
def open_npz(path: Path) -> Iterator[NpzReader]:
    """An ``.npz`` archive's members, each checked before it is read (see ``ffnn.io.bounded``)."""
    with open_regular(path, DatasetError) as f:
        if not is_npz(f):
            kind = "a single .npy array, not an .npz archive; use load_npy" if f.read(6) == b"\x93NUMPY" else \
                "not a readable NumPy file (neither .npz nor .npy)"
            raise DatasetError(f"{path}: {kind}")
        with NpzReader(f, str(path), DatasetError) as archive:
            yield archive


def _read_npy(path: Path) -> np.ndarray:
    with open_regular(path, DatasetError) as f:
        if is_npz(f):
            raise DatasetError(f"{path}: an .npz archive, not a single .npy array; use load_npz")
        if f.read(6) != b"\x93NUMPY":
            raise DatasetError(f"{path}: not a readable NumPy file (neither .npy nor .npz)")
        f.seek(0)
        return read_npy_file(f, str(path), DatasetError)


def features(X: Any, source: str, dtype: Any = np.float32) -> np.ndarray:
    """Numeric rows as ``dtype``: 1-D becomes one column, more than 2-D is flattened per row.

    NaN and inf are refused, and so are finite values that ``dtype`` cannot hold (1e300 in float32):
    the check is made after the conversion.
    """
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise DatasetError(f"{source}: features must be real numbers, got dtype {X.dtype}")
    if X.ndim == 0 or len(X) == 0:
        raise DatasetError(f"{source}: no samples (shape {X.shape})")
    X = X.reshape(len(X), -1) if X.ndim > 1 else X.reshape(-1, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        Xd = X.astype(dtype, copy=False)
    if Xd.dtype.kind == "f" and not np.isfinite(Xd).all():
        if X.dtype.kind == "f" and not np.isfinite(X).all():
            raise DatasetError(f"{source}: features contain NaN or inf (missing values are not supported)")
        largest = float(np.abs(X).max())
        raise DatasetError(f"{source}: features hold values up to {largest:.3g} in magnitude, too large for "
                           f"{np.dtype(dtype).name} (they would become inf); scale them, or read as float64")
    return Xd


def labels(y: Any, n: int, source: str) -> np.ndarray:
    """Labels as int64 when whole numbers (1-D), else float; length must be ``n``."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise DatasetError(f"{source}: labels must be real numbers, got dtype {y.dtype}")
    if y.ndim == 0 or len(y) != n:
        raise DatasetError(f"{source}: {n} samples but {len(y) if y.ndim else 0} labels (missing labels?)")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise DatasetError(f"{source}: labels contain NaN or inf (missing labels)")
        if y.ndim == 1 and np.all(y == np.round(y)) and np.abs(y).max(initial=0) <= 2.0**53:
            return y.astype(np.int64)
        return y
    if y.dtype.kind == "u" and y.size and int(y.max()) > np.iinfo(np.int64).max:
        raise DatasetError(f"{source}: label {int(y.max())} does not fit a 64-bit signed integer")
    return y.astype(np.int64)


def load_npz(
    path: str | Path, x_key: str = "X", y_key: str | None = "y", dtype: Any = np.float32
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(X, y)`` from an ``.npz`` archive holding arrays ``x_key`` and ``y_key`` (``"X"``, ``"y"``)."""
    path = Path(path)
    with open_npz(path) as archive:
        keys = list(archive.files)
        if x_key not in keys:
            raise DatasetError(f"{path}: no array {x_key!r} for the features; arrays are {keys} (pass x_key=...)")
        if y_key is not None and y_key not in keys:
            raise DatasetError(f"{path}: missing labels: no array {y_key!r}; arrays are {keys} (pass y_key=...)")
        X = features(archive.read(x_key), f"{path}[{x_key}]", dtype)
        y = None if y_key is None else labels(archive.read(y_key), len(X), f"{path}[{y_key}]")
    return X, y


def load_npy(
    path: str | Path, label: int | None = -1, dtype: Any = np.float32
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(X, y)`` from a 2-D ``.npy`` array whose column ``label`` (the last by default) holds the labels.

    ``label=None`` reads features only (``y`` is ``None``).
    """
    check_label_arg(label)
    if isinstance(label, str):
        raise TypeError(f"a .npy file has no column names; give the label column as an index, got {label!r}")
    path = Path(path)
    a = _read_npy(path)
    if label is None:
        return features(a, str(path), dtype), None
    if a.ndim != 2:
        raise DatasetError(f"{path}: expected a 2-D array (rows of features plus a label column), got shape {a.shape}")
    width = a.shape[1]
    if not -width <= label < width:
        raise DatasetError(f"{path}: label column {label} does not exist; rows have {width} columns")
    li = label % width
    if width < 2:
        raise DatasetError(f"{path}: no feature columns besides the label")
    X = features(np.delete(a, li, axis=1), str(path), dtype)
    return X, labels(a[:, li], len(X), f"{path} (column {li})")
