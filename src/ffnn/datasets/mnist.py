"""MNIST from the copy in the repository (``data/mnist``), checked against known checksums."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .idx import DatasetError, read_idx

__all__ = ["MNIST_SHA256", "find_mnist", "load_mnist"]

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


def _file_in(directory: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def find_mnist(path: str | Path | None = None) -> Path:
    """The directory holding the four MNIST files: ``path``, ``$FFNN_MNIST_DIR`` or ``data/mnist``."""
    places = [Path(path)] if path is not None else _candidates()
    for directory in places:
        if all(_file_in(directory, stem) for stem in MNIST_SHA256):
            return directory
    looked = "\n  ".join(str(p) for p in places)
    raise DatasetError(
        "MNIST files not found. Looked in:\n  " + looked + "\nPut the four files "
        "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
        "t10k-labels-idx1-ubyte.gz) in data/mnist of the repository (they ship with it), or "
        "point FFNN_MNIST_DIR at a directory holding them."
    )


def load_mnist(
    path: str | Path | None = None, verify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: float32 pixels in [0, 1], one row of 784 per
    image, and int64 labels 0-9. Checksums are verified unless ``verify=False``."""
    directory = find_mnist(path)
    arrays = {}
    for stem, digest in MNIST_SHA256.items():
        arrays[stem] = read_idx(_file_in(directory, stem), digest if verify else None)
    def images(a: np.ndarray) -> np.ndarray:
        return (a.reshape(len(a), -1).astype(np.float32) / np.float32(255.0))
    return (
        images(arrays["train-images-idx3-ubyte"]),
        arrays["train-labels-idx1-ubyte"].astype(np.int64),
        images(arrays["t10k-images-idx3-ubyte"]),
        arrays["t10k-labels-idx1-ubyte"].astype(np.int64),
    )
