"""Initialisers: distributions, seeds, bias rules, registry."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from ffnn import initializers as I


def _draw(name, shape=(400, 300), **kw):
    return I.get(name, **kw)(shape, np.random.default_rng(0), np.float64)


def test_zero():
    assert not _draw("zero").any()


def test_uniform_bounds_and_mean():
    w = _draw("uniform", low=-0.3, high=0.1)
    assert w.min() >= -0.3 and w.max() < 0.1
    assert w.mean() == pytest.approx(-0.1, abs=0.005)


def test_normal_uses_variance_not_std():
    w = _draw("normal", mean=0.5, variance=0.04)
    assert w.mean() == pytest.approx(0.5, abs=0.003)
    assert w.std() == pytest.approx(0.2, rel=0.02)  # sqrt(0.04)


@pytest.mark.parametrize("name,var", [
    ("xavier", 2 / 700), ("xavier_normal", 2 / 700), ("he", 2 / 400), ("he_uniform", 2 / 400),
])
def test_variance_scaling_variances(name, var):
    w = _draw(name)
    assert w.var() == pytest.approx(var, rel=0.03)
    assert abs(w.mean()) < 0.01


def test_xavier_uniform_limit_and_he_is_normal():
    w = _draw("xavier")
    limit = np.sqrt(6 / 700)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    assert np.abs(_draw("he")).max() > np.sqrt(3 * 2 / 400)  # normal tails exceed a uniform limit


def test_own_seed_makes_init_independent_of_model_seed():
    a = ffnn.FFNN([5, 4, 3], ["relu", "softmax"], "cce", init="uniform",
                  init_params={"low": -1, "high": 1, "seed": 9}, seed=1)
    b = ffnn.FFNN([5, 4, 3], ["relu", "softmax"], "cce", init="uniform",
                  init_params={"low": -1, "high": 1, "seed": 9}, seed=2)
    np.testing.assert_array_equal(a.layers[0].weight, b.layers[0].weight)


@pytest.mark.parametrize("init,bias_zero", [("he", True), ("xavier", True), ("uniform", False), ("normal", False)])
def test_bias_rules(init, bias_zero):
    m = ffnn.FFNN([5, 4, 3], ["relu", "softmax"], "cce", init=init, seed=0)
    assert (not m.layers[0].bias.any()) == bias_zero
    m2 = ffnn.FFNN([5, 4, 3], ["relu", "softmax"], "cce", init=init, seed=0,
                   init_params={"bias": "zero"})
    assert not m2.layers[0].bias.any()


def test_bad_parameters():
    with pytest.raises(ValueError, match="low < high"):
        I.get("uniform", low=1, high=0)
    with pytest.raises(ValueError, match="variance >= 0"):
        I.get("normal", variance=-1)
    with pytest.raises(TypeError, match="bad parameters for initializer 'he'"):
        I.get("he", stddev=2)
    with pytest.raises(ValueError, match="bias init must be"):
        ffnn.FFNN([3, 2], ["softmax"], "cce", init_params={"bias": "ones"})
