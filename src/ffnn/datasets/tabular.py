"""The user's own tables: CSV files, with clear errors (``.npz`` and ``.npy`` files: ``arrays.py``).

Each loader returns ``(X, y)``: ``X`` a 2-D float array (one row per sample; images with more
dimensions are flattened) and ``y`` the labels, int64 when every label is a whole number,
float otherwise (regression targets), or ``None`` when no label column is asked for. Text
class names in a CSV label column become 0, 1, ... in sorted order (``return_classes=True``
gives the names). Nothing is unpickled: ``.npz`` and ``.npy`` are read with ``allow_pickle=False``.

``read_csv_table`` keeps what a table says about itself: the labels as written (text stays
text, ``1..k`` stays ``1..k``), several label columns for multi-target regression, and the
column names of the header, returned as a ``Table``.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..io.bounded import open_regular
from .arrays import check_label_arg
from .idx import DatasetError

__all__ = ["Table", "read_csv_table", "csv_header", "load_csv", "MISSING_TOKENS"]


_CHUNK_CELLS = 1 << 18  # cells parsed to numbers at a time: the text of a chunk is all that is held
_MAX_TEXT_CLASSES = 65536  # more distinct text labels than this is not a column of class names
# What ``missing="drop"`` counts as a missing cell (compared case-insensitively, spaces stripped).
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
MISSING_CHOICES = ("error", "drop")
_MISSING_HINT = "missing values: pass missing='drop' (ffnn train --missing drop) to leave such rows out"


def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value


def _sniff_delimiter(f: Any) -> str:
    """``,``, ``;`` or tab: whichever occurs most in the first non-blank line (``,`` if none)."""
    first = ""
    for line in f:
        if line.strip():
            first = line
            break
    f.seek(0)
    return max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","


def _rows(f: Any, delimiter: str, path: Path) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with their line numbers, streamed; CSV syntax errors name the line."""
    reader = csv.reader(f, delimiter=delimiter)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, [cell.strip() for cell in row]
    except csv.Error as err:
        raise DatasetError(f"{path}, line {reader.line_num}: not a readable CSV row ({err})") from None
    except UnicodeDecodeError as err:
        raise DatasetError(f"{path}: not a UTF-8 text file ({err})") from None


def _has_header(first: list[str], second: list[str] | None) -> bool:
    """A first row with a non-numeric cell above a numeric one (or only text, if alone) is a header."""
    if second is None:
        return all(_number(c) is None for c in first)
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


def _bad_feature_cell(cells: list[list[str]], lines: list[int], names: list[str], path: Path) -> DatasetError:
    """The error naming the first cell of a chunk that is not a number."""
    for line, row in zip(lines, cells):
        for name, cell in zip(names, row):
            if cell == "":
                return DatasetError(f"{path}, line {line}, column {name}: empty cell ({_MISSING_HINT})")
            if _number(cell) is None:
                hint = f" ({_MISSING_HINT})" if cell.lower() in MISSING_TOKENS else ""
                return DatasetError(f"{path}, line {line}, column {name}: {cell!r} is not a number{hint}")
    return DatasetError(f"{path}: could not parse the features as numbers")


def _parse_features(cells: list[list[str]], lines: list[int], names: list[str], path: Path,
                    dtype: np.dtype) -> np.ndarray:
    """A chunk of feature cells as ``dtype``; NaN, inf and values that overflow ``dtype`` are refused."""
    try:
        X = np.array(cells, dtype=np.float64).reshape(len(cells), len(names))
    except (ValueError, OverflowError):
        raise _bad_feature_cell(cells, lines, names, path) from None
    with np.errstate(over="ignore", invalid="ignore"):
        Xd = X.astype(dtype, copy=False)
    bad = ~np.isfinite(Xd)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        value = cells[i][j]
        why = "NaN or infinite" if not np.isfinite(X[i, j]) else f"too large for {np.dtype(dtype).name}"
        raise DatasetError(f"{path}, line {lines[i]}, column {names[j]}: feature value {value!r} is {why}")
    return Xd


class _Labels:
    """The label column, collected chunk by chunk: numbers as float64, and codes of the distinct texts.

    The column is numeric while every label is a number; a text label makes it a column of
    class names, numbered 0, 1, ... in sorted order at the end. Codes are kept while there are
    at most ``_MAX_TEXT_CLASSES`` distinct labels (a numeric column of many values drops them).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.numeric = True
        self.numbers: list[np.ndarray] = []
        self.lines: list[np.ndarray] = []
        self.classes: dict[str, int] | None = {}
        self.codes: list[np.ndarray] = []

    def add(self, cells: list[str], lines: list[int]) -> None:
        for line, cell in zip(lines, cells):
            if cell == "":
                raise DatasetError(f"{self.path}, line {line}: missing label ({_MISSING_HINT})")
        values = [_number(c) for c in cells]
        if self.numeric and any(v is None for v in values):
            self.numeric, self.numbers, self.lines = False, [], []
        if self.numeric:
            self.numbers.append(np.array(values, dtype=np.float64))
            self.lines.append(np.array(lines, dtype=np.int64))
        if self.classes is not None:
            self.codes.append(np.array([self.classes.setdefault(c, len(self.classes)) for c in cells], np.int64))
            if len(self.classes) > _MAX_TEXT_CLASSES:
                self.classes, self.codes = None, []
        if not self.numeric and self.classes is None:
            raise DatasetError(f"{self.path}, line {lines[-1]}: more than {_MAX_TEXT_CLASSES} distinct labels, "
                               "some of them text; a label column holds class names or numbers")

    def result(self) -> tuple[np.ndarray, list[str] | None]:
        """``(y, classes)``: whole numbers as int64, other numbers as float64, text as class codes."""
        if self.numeric:
            y = np.concatenate(self.numbers)
            finite = np.isfinite(y)
            if not finite.all():
                line = int(np.concatenate(self.lines)[np.argmin(finite)])
                raise DatasetError(f"{self.path}, line {line}: label is NaN or infinite")
            whole = bool(np.all(y == np.round(y))) and np.abs(y).max(initial=0) <= 2.0**53
            return (y.astype(np.int64), None) if whole else (y, None)
        names = sorted(self.classes)
        remap = np.empty(len(names), np.int64)
        for new, name in enumerate(names):
            remap[self.classes[name]] = new
        return remap[np.concatenate(self.codes)], names


@dataclass
class Table:
    """One table read from a file: features, labels as written, and the header's names.

    ``y`` is ``None`` (no label column), 1-D (one label column: text as ``str``, whole numbers
    as int64, other numbers as float64) or 2-D float64 (several label columns, one per
    column). ``feature_names`` and ``label_names`` come from the header (``None`` without one).
    ``dropped_rows`` counts the rows ``missing="drop"`` left out.
    """

    X: np.ndarray
    y: np.ndarray | None
    feature_names: list[str] | None
    label_names: list[str] | None
    dropped_rows: int = 0  # rows left out for a missing cell (``missing="drop"``)

    @property
    def text_labels(self) -> bool:
        return self.y is not None and self.y.dtype.kind == "U"


LabelSpec = int | str | Sequence[int | str] | None


def _label_list(label: LabelSpec) -> list[int | str] | None:
    """``label`` as a list of columns (``None`` stays ``None``); each checked like a single label."""
    if label is None or isinstance(label, (int, np.integer, str, bool)):
        check_label_arg(label)
        return None if label is None else [label]
    columns = list(label)
    if not columns:
        raise ValueError("label is an empty list; give a column name or index, or None for no labels")
    for column in columns:
        check_label_arg(column)
    return columns


def _first_rows(f: Any, path: Path, delimiter: str | None) -> tuple[Iterator[tuple[int, list[str]]], Any, Any]:
    try:
        rows = _rows(f, delimiter or _sniff_delimiter(f), path)
    except UnicodeDecodeError as err:
        raise DatasetError(f"{path}: not a UTF-8 text file ({err})") from None
    return rows, next(rows, None), next(rows, None)


def csv_header(path: str | Path, header: bool | None = None, delimiter: str | None = None) -> list[str] | None:
    """The column names of a CSV file's header row (``None`` without one), read from its first rows."""
    path = Path(path)
    with open_regular(path, DatasetError) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as f:
        _, first, second = _first_rows(f, path, delimiter)
    if first is None:
        raise DatasetError(f"{path}: no data (the file is empty)")
    if header is None:
        header = _has_header(first[1], None if second is None else second[1])
    return first[1] if header else None


def _feature_columns(names: list[str], header: bool, label_indices: list[int], features: Sequence[str] | None,
                     path: Path) -> list[int]:
    """The columns read as features: all but the labels, or the header's ``features`` in that order."""
    if features is None:
        return [i for i in range(len(names)) if i not in label_indices]
    if not header:
        raise DatasetError(f"{path}: features chosen by name, but the file has no header row")
    missing = [f for f in features if f not in names]
    if missing:
        raise DatasetError(f"{path}: no column(s) {missing[:5]}; columns are {names}")
    keep = [names.index(f) for f in features]
    both = [names[i] for i in keep if i in label_indices]
    if both:
        raise DatasetError(f"{path}: column(s) {both} are named as labels and as features")
    return keep


def _open_csv(path: Path, label: list[int | str] | None, header: bool | None, delimiter: str | None, dtype: Any,
              features: Sequence[str] | None = None, missing: str = "error"):
    """Parse the file: ``(X, labels per label column, names, header, label indices, feature
    indices, rows dropped for a missing cell)``."""
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing must be one of {MISSING_CHOICES}, got {missing!r}")
    with open_regular(path, DatasetError) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as f:
        rows, first, second = _first_rows(f, path, delimiter)
        if first is None:
            raise DatasetError(f"{path}: no data (the file is empty)")
        if header is None:
            named = features is not None or (label is not None and any(isinstance(c, str) for c in label))
            header = named or _has_header(first[1], None if second is None else second[1])
        ahead = [r for r in ((second,) if header else (first, second)) if r is not None]
        if not ahead:
            raise DatasetError(f"{path}: a header row but no data rows")
        width = len(first[1]) if header else len(ahead[0][1])
        names = first[1] if header else [str(i) for i in range(width)]
        indices = [] if label is None else [_label_index(c, names if header else None, width, path) for c in label]
        if len(set(indices)) != len(indices):
            raise DatasetError(f"{path}: the same label column is named twice in {label}")
        keep = _feature_columns(names, bool(header), indices, features, path)
        if indices and not keep:
            raise DatasetError(f"{path}: no feature columns besides the label")
        X, ys, dropped = _parse_table(itertools.chain(ahead, rows), names, indices, keep, path, np.dtype(dtype),
                                      drop_missing=missing == "drop")
    return X, ys, names, bool(header), indices, keep, dropped


def read_csv_table(
    path: str | Path,
    label: LabelSpec = -1,
    header: bool | None = None,
    delimiter: str | None = None,
    dtype: Any = np.float32,
    features: Sequence[str] | None = None,
    missing: str = "error",
) -> Table:
    """A ``Table`` from a CSV file, its labels kept as written.

    ``label`` is a column (index or header name), a list of columns (several targets, which
    must be numbers), or ``None``. Text labels come back as strings, whole numbers as int64
    (``1, 2, 3`` stays ``1, 2, 3``), others as float64; the header's names are kept.
    ``features`` (header names) reads just those columns as features, in that order, and
    ignores the others. Errors and ``missing`` as in ``load_csv``.

    >>> table = read_csv_table("iris.csv", label="species")  # doctest: +SKIP
    >>> table.y[:2], table.feature_names  # doctest: +SKIP
    (array(['setosa', 'setosa'], dtype='<U10'), ['sepal length (cm)', ...])
    """
    path = Path(path)
    columns = _label_list(label)
    X, ys, names, header, indices, keep, dropped = _open_csv(path, columns, header, delimiter, dtype, features,
                                                             missing)
    feature_names = [names[i] for i in keep] if header else None
    label_names = [names[i] for i in indices] if header and indices else None
    if not ys:
        return Table(X, None, feature_names, None, dropped)
    results = [labels.result() for labels in ys]
    if len(results) == 1:
        y, classes = results[0]
        return Table(X, y if classes is None else np.asarray(classes)[y], feature_names, label_names, dropped)
    for (_, classes), i in zip(results, indices):
        if classes is not None:
            raise DatasetError(f"{path}: label column {names[i]!r} holds text; several label columns are "
                               "regression targets and must all be numbers")
    return Table(X, np.column_stack([y.astype(np.float64) for y, _ in results]), feature_names, label_names, dropped)


def load_csv(
    path: str | Path,
    label: int | str | None = -1,
    header: bool | None = None,
    delimiter: str | None = None,
    dtype: Any = np.float32,
    return_classes: bool = False,
    missing: str = "error",
) -> tuple[Any, ...]:
    """``(X, y)`` from a CSV file (``(X, y, classes)`` with ``return_classes=True``).

    ``label`` is the label column: an index (``-1``, the last, by default), a header name, or
    ``None`` for features only (``y`` is then ``None``). ``header=None`` detects a header row
    (text above numbers); ``True``/``False`` say so. The delimiter (``,``, ``;`` or tab) is
    detected unless given. Ragged rows, non-numeric or empty feature cells and missing labels
    raise ``DatasetError`` naming the line and column. ``missing="drop"`` leaves out every row
    with a missing feature or label cell instead (empty, or one of ``MISSING_TOKENS``: ``NA``,
    ``N/A``, ``nan``, ``null``, ``none``, ``?``); ``read_csv_table`` reports how many. Text
    labels become ``0, 1, ...`` in sorted order; ``read_csv_table`` keeps them as written, with
    the column names.

    >>> X, y = load_csv("iris.csv", label="species")  # doctest: +SKIP
    """
    check_label_arg(label)
    path = Path(path)
    X, ys, *_ = _open_csv(path, None if label is None else [label], header, delimiter, dtype, missing=missing)
    y, classes = ys[0].result() if ys else (None, None)
    return (X, y, classes) if return_classes else (X, y)


def _parse_table(rows: Iterable[tuple[int, list[str]]], names: list[str], label_indices: list[int],
                 keep: list[int], path: Path, dtype: np.dtype,
                 drop_missing: bool = False) -> tuple[np.ndarray, list[_Labels], int]:
    """Features (columns ``keep``) and one ``_Labels`` per label column, parsed ``_CHUNK_CELLS``
    cells at a time, and the number of rows left out for a missing cell (``drop_missing``)."""
    width = len(names)
    every = keep == list(range(width))  # all columns, in order: no per-row copy
    feature_names = [names[i] for i in keep]
    chunk_rows = max(1, _CHUNK_CELLS // width)
    parts: list[np.ndarray] = []
    collectors = [_Labels(path) for _ in label_indices]
    cells: list[list[str]] = []
    label_cells: list[list[str]] = [[] for _ in label_indices]
    lines: list[int] = []
    used = keep + label_indices
    dropped = 0

    def flush() -> None:
        parts.append(_parse_features(cells, lines, feature_names, path, dtype))
        for collector, column in zip(collectors, label_cells):
            collector.add(column, lines)

    for line, row in rows:
        if len(row) != width:
            raise DatasetError(f"{path}, line {line}: {len(row)} fields, expected {width} (ragged rows)")
        if drop_missing and any(row[i].lower() in MISSING_TOKENS for i in used):
            dropped += 1
            continue
        cells.append(row if every else [row[i] for i in keep])
        for column, i in zip(label_cells, label_indices):
            column.append(row[i])
        lines.append(line)
        if len(cells) == chunk_rows:
            flush()
            cells, label_cells, lines = [], [[] for _ in label_indices], []
    if cells:
        flush()
    if not parts:
        raise DatasetError(f"{path}: every one of its {dropped} data rows has a missing cell; nothing is left")
    X = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return X, collectors, dropped
