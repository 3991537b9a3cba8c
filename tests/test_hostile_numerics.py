"""Finite before the cast, infinite after, and activations at extreme inputs (issue 15, classes 6 and 8).

A float64 value such as 1e300 is finite, but becomes inf in a float32 model; the library must
refuse it where it enters (``fit``, ``evaluate``, ``predict``, ``set_params``) naming the cause,
instead of training on inf or blaming the learning rate. GELU's value and gradient must stay
finite wherever its input is finite. (conftest.py makes every floating-point error raise.)
"""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from ffnn.activations import get as get_activation


def _classifier(dtype: str = "float32") -> ffnn.FFNN:
    return ffnn.FFNN([2, 3, 2], ["relu", "softmax"], "cce", seed=0, dtype=dtype)


X_HUGE = np.array([[1e300, 1.0], [0.0, 1.0]])
Y = np.array([0, 1])


@pytest.mark.parametrize("call", [
    lambda m: m.fit(X_HUGE, Y, epochs=1, verbose=0),
    lambda m: m.evaluate(X_HUGE, Y),
    lambda m: m.compute_gradients(X_HUGE, Y),
])
def test_float64_values_too_large_for_float32_are_refused_where_they_enter(call):
    model = _classifier()
    before = {k: v.copy() for k, v in model.get_params().items()}
    with pytest.raises(ValueError, match=r"X holds 1 finite value\(s\) too large for float32 .*1e\+300"):
        call(model)
    for name, value in model.get_params().items():  # nothing was trained on inf
        np.testing.assert_array_equal(value, before[name])


def test_the_same_values_are_fine_in_a_float64_model():
    model = _classifier("float64")
    assert np.isfinite(model.evaluate(X_HUGE / 1e290, Y)["loss"])
    with pytest.raises(ValueError, match="NaN or infinite"):  # a genuinely infinite value is still refused
        model.evaluate(np.array([[np.inf, 1.0], [0.0, 1.0]]), Y)


def test_regression_targets_too_large_for_float32_are_refused():
    model = ffnn.FFNN([2, 3, 1], ["relu", "linear"], "mse", seed=0)
    with pytest.raises(ValueError, match=r"y holds 1 finite value\(s\) too large for float32"):
        model.fit(np.zeros((2, 2)), np.array([1e300, 1.0]), epochs=1, verbose=0)


def test_predict_refuses_values_too_large_for_the_model_dtype():
    with pytest.raises(ValueError, match="too large for float32"):
        _classifier().predict(X_HUGE)


def test_set_params_refuses_values_too_large_for_the_model_dtype():
    model = _classifier()
    params = {k: v.astype(np.float64) for k, v in model.get_params().items()}
    params["layers.0.weight"][0, 0] = 1e300
    with pytest.raises(ValueError, match="layers.0.weight"):
        model.set_params(params)
    assert np.isfinite(model.get_params()["layers.0.weight"]).all()


# ----------------------------------------------------------------------------------- GELU
@pytest.mark.parametrize("dtype,extreme", [(np.float32, 3e38), (np.float32, 1e25), (np.float64, 1e300)])
def test_gelu_value_and_gradient_are_finite_at_extreme_inputs(dtype, extreme):
    gelu = get_activation("gelu")
    z = np.array([[-extreme, -1e13, -20.0, -10.5, 10.5, 1e13, extreme]], dtype=dtype)
    a = gelu.forward(z)  # would raise (np.seterr) if z**3 overflowed
    grad = gelu.backward(z, a, np.ones_like(z))
    assert np.isfinite(a).all() and np.isfinite(grad).all()
    # far left the unit is off (value and slope 0), far right it is the identity (slope 1)
    np.testing.assert_array_equal(a[0, :4], 0)
    np.testing.assert_array_equal(a[0, 4:], z[0, 4:])
    np.testing.assert_array_equal(grad, [[0, 0, 0, 0, 1, 1, 1]])


def test_gelu_is_unchanged_where_it_was_already_finite():
    """The clipping inside the tanh changes no value or slope in float32 or float64."""
    gelu, c, k = get_activation("gelu"), float(np.sqrt(2 / np.pi)), 0.044715  # Python floats keep float32
    z64 = np.random.default_rng(0).normal(0, 4, (1, 20_000))
    for z in (z64, z64.astype(np.float32)):
        t = np.tanh(c * (z + k * z**3))
        expected = 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * c * (1 + 3 * k * z * z)
        np.testing.assert_array_equal(gelu.forward(z), 0.5 * z * (1 + t))
        np.testing.assert_array_equal(gelu.backward(z, gelu.forward(z), np.ones_like(z)), expected)


def test_gelu_autograd_gradient_is_finite_at_extreme_inputs():
    from ffnn.autograd import Tensor

    z = Tensor(np.array([[-1e25, -3.0, 0.5, 1e25]], dtype=np.float32), requires_grad=True)
    get_activation("gelu").tensor_forward(z).sum().backward()
    assert np.isfinite(z.grad).all()
    np.testing.assert_array_equal(z.grad[0, [0, 3]], [0, 1])
