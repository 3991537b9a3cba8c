"""scikit-learn's small bundled digits (1,797 images of 8x8): a tiny dataset that needs no files."""

from __future__ import annotations

import numpy as np

from .idx import DatasetError
from .split import split_train_test

__all__ = ["load_digits"]


def load_digits(
    test_size: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: 64 float32 pixels in [0, 1] per row, labels 0-9,
    split seeded and stratified. Needs scikit-learn (``pip install scikit-learn``)."""
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError:
        raise DatasetError(
            "the 'digits' dataset comes with scikit-learn, which is not installed; "
            "pip install scikit-learn (or pip install 'ffnn[sklearn]')"
        ) from None
    bunch = _sk_load_digits()
    X = (np.asarray(bunch.data, dtype=np.float32) / np.float32(16.0))  # pixel values are 0..16
    y = np.asarray(bunch.target, dtype=np.int64)
    return split_train_test(X, y, test_size=test_size, seed=seed, stratify=True)
