"""``load_dataset(name_or_path)``: one entry point for every dataset the library and CLI read.

Names: ``"mnist"`` (the repository copy), ``"mnist-80-20"`` (all 70,000 MNIST images split
80/20, the origin report's split), ``"fashion-mnist"``, ``"digits"`` (scikit-learn's 8x8).
Paths: a directory of four IDX files, or a ``.csv`` / ``.npz`` / ``.npy`` file. A file that
holds one table is split into train and test, seeded and stratified.

``load_split`` is the same with what the command line needs besides the arrays: the labels as
the user wrote them, the task (classes or a quantity, and why) and the table's column names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .arrays import features, labels, load_npy, load_npz, open_npz
from .digits import load_digits
from .fashion import load_fashion_mnist
from .idx import DatasetError, load_idx
from .mnist import load_mnist, load_mnist_80_20
from .split import split_train_test
from .tabular import LabelSpec, Table, load_csv, read_csv_table
from .task import TaskChoice, choose_task

__all__ = ["DATASET_NAMES", "Dataset", "load_dataset", "load_split", "load_table", "read_table"]

DATASET_NAMES = ("mnist", "mnist-80-20", "fashion-mnist", "digits")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".npz", ".npy")
_SPLIT_KEYS = ("X_train", "y_train", "X_test", "y_test")


def _named(name: str, test_size: float, seed: int | None) -> tuple[np.ndarray, ...] | None:
    key = name.strip().lower().replace("_", "-")
    if key == "mnist":
        return load_mnist()
    if key == "mnist-80-20":
        return load_mnist_80_20(seed=seed)
    if key in ("fashion-mnist", "fashion"):
        return load_fashion_mnist()
    if key == "digits":
        return load_digits(test_size=test_size, seed=seed)
    return None


def load_table(path: str | Path, label: int | str | None = -1, header: bool | None = None) -> tuple[Any, Any]:
    """``(X, y)`` from one ``.csv`` (``.tsv``, ``.txt``), ``.npz`` (arrays ``X``, ``y``) or ``.npy`` file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return load_csv(path, label=label, header=header)
    if suffix == ".npz":
        return load_npz(path, y_key=None if label is None else "y")
    if suffix == ".npy":
        if isinstance(label, str):
            raise DatasetError(f"{path}: a .npy file has no column names; give the label column as a number")
        return load_npy(path, label=label)
    raise DatasetError(f"{path}: unknown file type {suffix!r}; expected one of {', '.join(TABLE_SUFFIXES)}")


def _split_npz(path: Path) -> tuple[np.ndarray, ...] | None:
    """An ``.npz`` already split into ``X_train, y_train, X_test, y_test``, else ``None``."""
    with open_npz(path) as archive:
        if not all(k in archive.files for k in _SPLIT_KEYS):
            return None
        X_train = features(archive.read("X_train"), f"{path}[X_train]")
        X_test = features(archive.read("X_test"), f"{path}[X_test]")
        y_train = labels(archive.read("y_train"), len(X_train), f"{path}[y_train]")
        y_test = labels(archive.read("y_test"), len(X_test), f"{path}[y_test]")
    if X_train.shape[1] != X_test.shape[1]:
        raise DatasetError(f"{path}: X_train has {X_train.shape[1]} columns, X_test {X_test.shape[1]}")
    return X_train, y_train, X_test, y_test


def load_dataset(
    source: str | Path,
    *,
    label: int | str = -1,
    header: bool | None = None,
    test_size: float = 0.2,
    seed: int | None = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)`` from a dataset name or a path.

    ``source`` is one of ``DATASET_NAMES``, a directory of IDX files, or a ``.csv`` / ``.npz`` /
    ``.npy`` file (``label`` and ``header`` as in ``load_csv``). A file holding a single table
    is split by ``split_train_test(test_size=test_size, seed=seed)``, so the same arguments
    always give the same test set; an ``.npz`` with ``X_train, y_train, X_test, y_test`` is used
    as it is.

    >>> X_train, y_train, X_test, y_test = load_dataset("digits")  # doctest: +SKIP
    """
    if isinstance(source, str):  # a name wins over a path of the same spelling; write ./mnist for the path
        found = _named(source, test_size, seed)
        if found is not None:
            return found  # type: ignore[return-value]
    path = Path(source)
    if path.is_dir():
        return load_idx(path)
    if not path.exists():
        raise DatasetError(
            f"unknown dataset {str(source)!r}: not a name ({', '.join(DATASET_NAMES)}) and no such file or "
            f"directory; a path must be a directory of IDX files or a {'/'.join(TABLE_SUFFIXES)} file"
        )
    if path.suffix.lower() == ".npz":
        split = _split_npz(path)
        if split is not None:
            return split
    X, y = load_table(path, label=label, header=header)
    return split_train_test(X, y, test_size=test_size, seed=seed)


IMAGE_NAMES = ("mnist", "mnist-80-20", "fashion-mnist", "fashion", "digits")  # pixels already in [0, 1]


@dataclass
class Dataset:
    """A dataset split for training: the arrays plus what is known about them.

    ``y_*`` hold labels as the user has them (text, ``1..k``...) for classification and float
    targets (one column per target when several) for regression. ``images`` is ``True`` for
    pixel data already in [0, 1] (the named image sets and IDX files), ``False`` for a CSV table,
    ``None`` where the file does not say (``.npz``, ``.npy``); ``task`` is the ``TaskChoice``
    with its one-line reason.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: TaskChoice
    feature_names: list[str] | None = None
    label_names: list[str] | None = None
    images: bool | None = None
    dropped_rows: int = 0  # rows of a CSV table left out for a missing cell (``missing="drop"``)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.X_train, self.y_train, self.X_test, self.y_test

    @property
    def classes(self) -> np.ndarray | None:
        """The sorted classes of train and test together (``None`` for regression)."""
        if self.task.task != "classify":
            return None
        return np.unique(np.concatenate([self.y_train, self.y_test]))


def read_table(path: str | Path, label: LabelSpec = -1, header: bool | None = None, missing: str = "error") -> Table:
    """A ``Table`` (labels as written, column names where a header has them) from a ``.csv``
    (``.tsv``, ``.txt``), ``.npz`` (arrays ``X``, ``y``) or ``.npy`` file. ``missing`` applies
    to CSV cells (see ``load_csv``); arrays never hold missing values (NaN is refused)."""
    path = Path(path)
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return read_csv_table(path, label=label, header=header, missing=missing)
    if label is not None and not isinstance(label, (int, np.integer, str)):
        raise DatasetError(f"{path}: several label columns are read from a CSV file only")
    X, y = load_table(path, label=label, header=header)
    return Table(X, y, None, None)


def load_split(
    source: str | Path,
    *,
    label: LabelSpec = -1,
    header: bool | None = None,
    test_size: float = 0.2,
    seed: int | None = 0,
    task: str | None = None,
    missing: str = "error",
) -> Dataset:
    """Like ``load_dataset``, with the labels kept as written, the task chosen (``choose_task``,
    or ``task`` when given) and the column names of a table.

    A single table is split stratified by class for classification, at random for regression.

    >>> data = load_split("iris.csv", label="species")  # doctest: +SKIP
    >>> data.task.describe(), data.feature_names[:2]  # doctest: +SKIP
    ('task: classification (labels are text: setosa, versicolor, virginica)', ['sepal length (cm)', ...])
    """
    if _single_table(source):
        return _split_table(Path(source), label, header, test_size, seed, task, missing)
    if label is not None and not isinstance(label, (int, np.integer, str)):
        raise DatasetError(f"{source}: several label columns are read from a CSV file only")
    X_train, y_train, X_test, y_test = load_dataset(source, label=label, header=header, test_size=test_size,
                                                    seed=seed)
    choice = choose_task(np.concatenate([y_train, y_test]), task)
    key = _named_key(source) if isinstance(source, str) else ""
    images = True if key in IMAGE_NAMES or (key not in DATASET_NAMES and Path(source).is_dir()) else None
    return Dataset(X_train, _labels_for(y_train, choice), X_test, _labels_for(y_test, choice), choice,
                   images=images)


def _single_table(source: str | Path) -> bool:
    """A file holding one table (not a dataset name, an IDX directory or an already split ``.npz``)."""
    if isinstance(source, str) and _named_key(source) in IMAGE_NAMES:
        return False
    path = Path(source)
    if not path.is_file() or path.suffix.lower() not in TABLE_SUFFIXES:
        return False
    if path.suffix.lower() == ".npz":
        with open_npz(path) as archive:
            return not all(k in archive.files for k in _SPLIT_KEYS)
    return True


def _named_key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _split_table(path: Path, label: LabelSpec, header: bool | None, test_size: float, seed: int | None,
                 task: str | None, missing: str = "error") -> Dataset:
    table = read_table(path, label=label, header=header, missing=missing)
    if table.y is None:
        raise DatasetError(f"{path}: no label column; give one with label=...")
    choice = choose_task(table.y, task)
    y = _labels_for(table.y, choice)
    rows = np.arange(len(y))[:, None]
    if choice.task == "classify":  # stratified by class, whatever the labels' type
        groups, stratify = np.unique(y, return_inverse=True)[1].reshape(-1), True
    else:
        groups, stratify = np.zeros(len(y)), False
    train, _, test, _ = split_train_test(rows, groups, test_size=test_size, seed=seed, stratify=stratify)
    train, test = train[:, 0], test[:, 0]
    csv = path.suffix.lower() in (".csv", ".tsv", ".txt")
    return Dataset(table.X[train], y[train], table.X[test], y[test], choice, table.feature_names,
                   table.label_names, images=False if csv else None, dropped_rows=table.dropped_rows)


def _labels_for(y: np.ndarray, choice: TaskChoice) -> np.ndarray:
    """Float targets for regression; for classes, whole numbers as int64 and fractions as text."""
    if choice.task == "regress":
        return y.astype(np.float64)
    if y.dtype.kind == "f":
        return y.astype(np.int64) if np.all(np.mod(y, 1) == 0) else y.astype(str)
    return y
