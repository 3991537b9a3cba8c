"""``load_dataset(name_or_path)``: one entry point for every dataset the library and CLI read.

Names: ``"mnist"`` (the repository copy), ``"mnist-80-20"`` (all 70,000 MNIST images split
80/20, the origin report's split), ``"fashion-mnist"``, ``"digits"`` (scikit-learn's 8x8).
Paths: a directory of four IDX files, or a ``.csv`` / ``.npz`` / ``.npy`` file. A file that
holds one table is split into train and test, seeded and stratified.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .digits import load_digits
from .fashion import load_fashion_mnist
from .idx import DatasetError, load_idx
from .mnist import load_mnist, load_mnist_80_20
from .split import split_train_test
from .tabular import features, labels, load_csv, load_npy, load_npz, open_npz

__all__ = ["DATASET_NAMES", "load_dataset", "load_table"]

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
