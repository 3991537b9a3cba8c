"""MNIST from the copy in the repository (``data/mnist``), checked against known checksums.

``load_mnist()`` gives the classic 60,000 / 10,000 split; ``load_mnist_80_20()`` the origin
report's split: all 70,000 images, 80 % for training and 20 % for testing, seeded and stratified.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .idx import first_idx_directory, load_idx
from .split import split_train_test

__all__ = ["MNIST_SHA256", "find_mnist", "load_mnist", "load_mnist_all", "load_mnist_80_20"]

# SHA-256 of the *decompressed* IDX bytes, so any gzip of the same data is accepted.
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


def _candidates() -> list[Path]:
    here = Path(__file__).resolve()
    found = []
    if os.environ.get("FFNN_MNIST_DIR"):
        found.append(Path(os.environ["FFNN_MNIST_DIR"]))
    found.append(Path.cwd() / "data" / "mnist")
    found += [parent / "data" / "mnist" for parent in here.parents]
    return found


def find_mnist(path: str | Path | None = None) -> Path:
    """The directory holding the four MNIST files: ``path``, ``$FFNN_MNIST_DIR`` or ``data/mnist``."""
    places = [Path(path)] if path is not None else _candidates()
    return first_idx_directory(
        places, "MNIST files",
        "Put the four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in data/mnist of the repository "
        "(they ship with it), or point FFNN_MNIST_DIR at a directory holding them.",
    )


def load_mnist(
    path: str | Path | None = None, verify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: float32 pixels in [0, 1], one row of 784 per
    image, and int64 labels 0-9. Checksums are verified unless ``verify=False``."""
    return load_idx(find_mnist(path), MNIST_SHA256 if verify else None)


def load_mnist_all(path: str | Path | None = None, verify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """All 70,000 MNIST images and labels, ``(X, y)``: the training set, then the test set."""
    X_train, y_train, X_test, y_test = load_mnist(path, verify)
    return np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test])


def load_mnist_80_20(
    seed: int | None = 42, stratify: bool = True, path: str | Path | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The origin report's split: all 70,000 images, 56,000 to train and 14,000 to test.

    The report used ``fetch_openml("mnist_784")`` (the same 70,000 images) and an 80/20
    ``train_test_split``; here the split is seeded by ``seed`` and stratified by digit.
    """
    X, y = load_mnist_all(path)
    return split_train_test(X, y, test_size=0.2, seed=seed, stratify=stratify)
