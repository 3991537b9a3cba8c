"""Fashion-MNIST (Zalando's 28x28 clothing images, 10 classes), from a directory of IDX files.

Debian and Ubuntu package it: ``apt-get install dataset-fashion-mnist`` puts the four files
in ``/usr/share/datasets/fashion-mnist``. Elsewhere, point ``$FFNN_FASHION_MNIST_DIR`` at a
directory holding them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .idx import first_idx_directory, load_idx

__all__ = ["FASHION_MNIST_SHA256", "FASHION_MNIST_CLASSES", "find_fashion_mnist", "load_fashion_mnist"]

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")

# SHA-256 of the *decompressed* IDX bytes (computed from Debian's dataset-fashion-mnist
# 0.0~git20200523.55506a9-1, which recompresses upstream's files; any gzip of the same data passes).
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def _candidates() -> list[Path]:
    places = []
    if os.environ.get("FFNN_FASHION_MNIST_DIR"):
        places.append(Path(os.environ["FFNN_FASHION_MNIST_DIR"]))
    return places + [DEBIAN_DIR, Path.cwd() / "data" / "fashion-mnist"]


def find_fashion_mnist(path: str | Path | None = None) -> Path:
    """The directory holding Fashion-MNIST: ``path``, ``$FFNN_FASHION_MNIST_DIR``, or Debian's."""
    places = [Path(path)] if path is not None else _candidates()
    return first_idx_directory(
        places, "Fashion-MNIST",
        "On Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist (installs it in "
        "/usr/share/datasets/fashion-mnist); otherwise put the four IDX files in a directory and "
        "set FFNN_FASHION_MNIST_DIR to it.",
    )


def load_fashion_mnist(
    path: str | Path | None = None, verify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: 60,000 / 10,000 rows of 784 float32 pixels in
    [0, 1] and int64 labels 0-9 (names in ``FASHION_MNIST_CLASSES``). Checksums are verified
    unless ``verify=False``."""
    return load_idx(find_fashion_mnist(path), FASHION_MNIST_SHA256 if verify else None)
