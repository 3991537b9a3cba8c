"""Shared test set-up: floating-point errors raise, and a float64 gradient checker."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _raise_on_float_errors():
    # Overflow, division by zero and invalid operations are bugs here; underflow to 0 is fine.
    old = np.seterr(all="raise", under="ignore")
    yield
    np.seterr(**old)


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of the scalar function ``f`` at ``x`` (modified in place)."""
    grad = np.zeros_like(x, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = f()
        flat[i] = old - eps
        minus = f()
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a|, |b|, tiny): one number for a whole gradient."""
    scale = max(np.abs(a).max(initial=0), np.abs(b).max(initial=0), 1e-12)
    return float(np.abs(a - b).max(initial=0) / scale)


def accepted_pairings() -> list[tuple[str, str, int]]:
    """Every (output activation, loss, n_out) that FFNN accepts, found by asking it."""
    import warnings

    import ffnn
    from ffnn import activations as A
    from ffnn import losses as L

    found = []
    for out_act in A.ACTIVATIONS.names():
        for loss in L.LOSSES.names():
            for n_out in (1, 3):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("error")  # e.g. softmax over one unit: not a pairing
                        ffnn.FFNN([2, n_out], [out_act], loss)
                except (ValueError, UserWarning):
                    continue
                found.append((out_act, loss, n_out))
    return found
