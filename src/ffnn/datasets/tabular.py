"""The user's own data: CSV files, ``.npz`` archives and ``.npy`` arrays, with clear errors.

Each loader returns ``(X, y)``: ``X`` a 2-D float array (one row per sample; images with more
dimensions are flattened) and ``y`` the labels, int64 when every label is a whole number,
float otherwise (regression targets), or ``None`` when no label column is asked for. Text
class names in a CSV label column become 0, 1, ... in sorted order (``return_classes=True``
gives the names). Nothing is unpickled: ``.npz`` and ``.npy`` are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

from .idx import DatasetError

__all__ = ["load_csv", "load_npz", "load_npy", "features", "labels"]


def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value


def _read_rows(path: Path, delimiter: str | None) -> list[tuple[int, list[str]]]:
    """Non-blank rows with their line numbers; the delimiter is sniffed from the first line if not given."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DatasetError(f"no such file: {path}") from None
    except UnicodeDecodeError as err:
        raise DatasetError(f"{path}: not a UTF-8 text file ({err})") from None
    lines = text.splitlines()
    if delimiter is None:
        first = next((line for line in lines if line.strip()), "")
        delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    rows = []
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append((reader.line_num, [cell.strip() for cell in row]))
    if not rows:
        raise DatasetError(f"{path}: no data (the file is empty)")
    return rows


def _has_header(rows: list[tuple[int, list[str]]]) -> bool:
    """A first row with a non-numeric cell above a numeric one (or only text, if alone) is a header."""
    first = rows[0][1]
    if len(rows) == 1:
        return all(_number(c) is None for c in first)
    second = rows[1][1]
    return any(_number(a) is None and _number(b) is not None for a, b in zip(first, second))


def _label_index(label: int | str, names: list[str] | None, width: int, path: Path) -> int:
    if isinstance(label, str):
        if names is None:
            raise DatasetError(f"{path}: label column {label!r} given by name, but the file has no header row")
        if label not in names:
            raise DatasetError(f"{path}: no column named {label!r}; columns are {names}")
        return names.index(label)
    if not -width <= label < width:
        raise DatasetError(f"{path}: label column {label} does not exist; rows have {width} columns")
    return label % width


def _parse_features(cells: list[list[str]], lines: list[int], names: list[str], path: Path) -> np.ndarray:
    try:
        return np.array(cells, dtype=np.float64).reshape(len(cells), len(names))
    except ValueError:
        pass
    for line, row in zip(lines, cells):  # find the first bad cell to name it
        for name, cell in zip(names, row):
            if cell == "":
                raise DatasetError(f"{path}, line {line}, column {name}: empty cell (missing values are not supported)")
            value = _number(cell)
            if value is None:
                raise DatasetError(f"{path}, line {line}, column {name}: {cell!r} is not a number")
    raise DatasetError(f"{path}: could not parse the features as numbers")


def _parse_labels(cells: list[str], lines: list[int], path: Path) -> tuple[np.ndarray, list[str] | None]:
    for line, cell in zip(lines, cells):
        if cell == "":
            raise DatasetError(f"{path}, line {line}: missing label")
    numbers = [_number(c) for c in cells]
    if all(v is not None for v in numbers):
        if not all(math.isfinite(v) for v in numbers):
            bad = next(line for line, v in zip(lines, numbers) if not math.isfinite(v))
            raise DatasetError(f"{path}, line {bad}: label is NaN or infinite")
        y = np.array(numbers, dtype=np.float64)
        return (y.astype(np.int64), None) if np.all(y == np.round(y)) else (y, None)
    classes = sorted(set(cells))
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[c] for c in cells], dtype=np.int64), classes


def load_csv(
    path: str | Path,
    label: int | str | None = -1,
    header: bool | None = None,
    delimiter: str | None = None,
    dtype: Any = np.float32,
    return_classes: bool = False,
) -> tuple[Any, ...]:
    """``(X, y)`` from a CSV file (``(X, y, classes)`` with ``return_classes=True``).

    ``label`` is the label column: an index (``-1``, the last, by default), a header name, or
    ``None`` for features only (``y`` is then ``None``). ``header=None`` detects a header row
    (text above numbers); ``True``/``False`` say so. The delimiter (``,``, ``;`` or tab) is
    detected unless given. Ragged rows, non-numeric or empty feature cells and missing labels
    raise ``DatasetError`` naming the line and column.

    >>> X, y = load_csv("iris.csv", label="species")  # doctest: +SKIP
    """
    path = Path(path)
    rows = _read_rows(path, delimiter)
    if header is None:
        header = isinstance(label, str) or _has_header(rows)
    names = rows[0][1] if header else None
    data = rows[1:] if header else rows
    if not data:
        raise DatasetError(f"{path}: a header row but no data rows")
    width = len(names) if names is not None else len(data[0][1])
    for line, row in data:
        if len(row) != width:
            raise DatasetError(f"{path}, line {line}: {len(row)} fields, expected {width} (ragged rows)")
    names = names or [str(i) for i in range(width)]
    lines = [line for line, _ in data]
    li = None if label is None else _label_index(label, names if header else None, width, path)
    keep = [i for i in range(width) if i != li]
    if not keep:
        raise DatasetError(f"{path}: no feature columns besides the label")
    X = _parse_features([[r[i] for i in keep] for _, r in data], lines, [names[i] for i in keep], path)
    if not np.isfinite(X).all():
        line = lines[int(np.argwhere(~np.isfinite(X))[0, 0])]
        raise DatasetError(f"{path}, line {line}: NaN or infinite feature value")
    y, classes = (None, None) if li is None else _parse_labels([r[li] for _, r in data], lines, path)
    X = X.astype(dtype, copy=False)
    return (X, y, classes) if return_classes else (X, y)


def _load_arrays(path: Path) -> Any:
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DatasetError(f"no such file: {path}") from None
    except (ValueError, OSError, EOFError) as err:
        raise DatasetError(f"{path}: not a readable NumPy file ({err})") from None


def _get(archive: Any, key: str, path: Path) -> np.ndarray:
    try:
        return archive[key]
    except ValueError as err:
        raise DatasetError(f"{path}: array {key!r} holds Python objects; refused ({err})") from None
    except Exception as err:  # zip-level corruption of one member
        raise DatasetError(f"{path}: array {key!r} is unreadable ({type(err).__name__}: {err})") from None


def features(X: Any, source: str, dtype: Any = np.float32) -> np.ndarray:
    """Numeric rows: 1-D becomes one column, more than 2-D is flattened per row; NaN/inf refused."""
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise DatasetError(f"{source}: features must be numeric, got dtype {X.dtype}")
    if X.ndim == 0 or len(X) == 0:
        raise DatasetError(f"{source}: no samples (shape {X.shape})")
    X = X.reshape(len(X), -1) if X.ndim > 1 else X.reshape(-1, 1)
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        raise DatasetError(f"{source}: features contain NaN or inf (missing values are not supported)")
    return X.astype(dtype, copy=False)


def labels(y: Any, n: int, source: str) -> np.ndarray:
    """Labels as int64 when whole numbers (1-D), else float; length must be ``n``."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise DatasetError(f"{source}: labels must be numeric, got dtype {y.dtype}")
    if y.ndim == 0 or len(y) != n:
        raise DatasetError(f"{source}: {n} samples but {len(y) if y.ndim else 0} labels (missing labels?)")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise DatasetError(f"{source}: labels contain NaN or inf (missing labels)")
        if y.ndim == 1 and np.all(y == np.round(y)):
            return y.astype(np.int64)
        return y
    return y.astype(np.int64)


def load_npz(
    path: str | Path, x_key: str = "X", y_key: str | None = "y", dtype: Any = np.float32
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(X, y)`` from an ``.npz`` archive holding arrays ``x_key`` and ``y_key`` (``"X"``, ``"y"``)."""
    path = Path(path)
    with _load_arrays(path) as archive:
        if not hasattr(archive, "files"):
            raise DatasetError(f"{path}: a single .npy array, not an .npz archive; use load_npy")
        keys = list(archive.files)
        if x_key not in keys:
            raise DatasetError(f"{path}: no array {x_key!r} for the features; arrays are {keys} (pass x_key=...)")
        if y_key is not None and y_key not in keys:
            raise DatasetError(f"{path}: missing labels: no array {y_key!r}; arrays are {keys} (pass y_key=...)")
        X = features(_get(archive, x_key, path), f"{path}[{x_key}]", dtype)
        y = None if y_key is None else labels(_get(archive, y_key, path), len(X), f"{path}[{y_key}]")
    return X, y


def load_npy(
    path: str | Path, label: int | None = -1, dtype: Any = np.float32
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(X, y)`` from a 2-D ``.npy`` array whose column ``label`` (the last by default) holds the labels.

    ``label=None`` reads features only (``y`` is ``None``).
    """
    path = Path(path)
    a = _load_arrays(path)
    if not isinstance(a, np.ndarray):
        a.close()
        raise DatasetError(f"{path}: an .npz archive, not a single .npy array; use load_npz")
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
