"""L1 and L2: penalties by hand, gradients by finite differences, only dense weights."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from conftest import numerical_gradient, relative_error
from ffnn import regularizers as R


@pytest.mark.parametrize("name", R.REGULARIZERS.names())
def test_gradient_matches_finite_differences(name):
    reg = R.get(name, lam=0.3)
    w = np.random.default_rng(0).normal(size=(4, 3))
    grad = np.zeros_like(w)
    reg.add_gradient(w, grad)
    numeric = numerical_gradient(lambda: reg.penalty([w]), w)
    assert relative_error(grad, numeric) < 1e-6


def test_penalties_by_hand():
    w = [np.array([[1.0, -2.0]]), np.array([3.0])]
    assert R.get("l1", lam=0.5).penalty(w) == pytest.approx(0.5 * 6)
    assert R.get("l2", lam=0.5).penalty(w) == pytest.approx(0.5 * 0.5 * 14)
    assert R.get(None) is None and R.get("none") is None


def test_only_dense_weights_are_penalised():
    m = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0, rmsnorm=True,
                  regularization="l1", reg_lambda=0.1, dtype="float64")
    decayed = [n for n, p in m.network.named_parameters() if p.decay]
    assert decayed == ["layers.0.weight", "layers.1.weight"]
    X, y = np.zeros((2, 3)), np.array([0, 1])
    # with X = 0 the first weight's data gradient is 0: all that is left is lam * sign(w)
    _, g = m.compute_gradients(X, y)
    np.testing.assert_allclose(g["layers.0.weight"], 0.1 * np.sign(m.layers[0].weight))


def test_warnings_for_settings_without_effect():
    with pytest.warns(UserWarning, match="no effect without regularization"):
        ffnn.FFNN([3, 2], ["softmax"], "cce", reg_lambda=0.1)
    with pytest.warns(UserWarning, match="reg_lambda=0 has no effect"):
        ffnn.FFNN([3, 2], ["softmax"], "cce", regularization="l2")
