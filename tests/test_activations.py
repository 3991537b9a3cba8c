"""Each registered activation: value, vector-Jacobian product, stability, registry."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import numerical_gradient, relative_error
from ffnn import activations as A

NAMES = A.ACTIVATIONS.names()


def _inputs(seed: int, shape=(5, 4)) -> np.ndarray:
    z = np.random.default_rng(seed).normal(0, 1.5, size=shape)
    # keep away from the kinks of relu-like functions so differences are meaningful
    z[np.abs(z) < 1e-3] += 0.01
    return z


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(1, 3), (6, 5)])
def test_backward_matches_finite_differences(name, shape):
    act = A.get(name)
    z = _inputs(1, shape)
    g = np.random.default_rng(2).normal(size=shape)  # an upstream gradient dL/da

    def objective():
        return float(np.sum(act.forward(z.copy()) * g))

    numeric = numerical_gradient(objective, z)
    a = act.forward(z.copy())
    analytic = act.backward(z, a, g)
    assert relative_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_out_buffer_gives_same_result(name):
    act = A.get(name)
    z = _inputs(3)
    out = np.empty_like(z)
    np.testing.assert_array_equal(act.forward(z, out=out), act.forward(z))
    a = act.forward(z)
    g = np.ones_like(z)
    np.testing.assert_array_equal(act.backward(z, a, g, out=np.empty_like(z)), act.backward(z, a, g))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_inputs_are_finite_and_silent(name, dtype):
    act = A.get(name)
    z = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]], dtype=dtype)
    a = act.forward(z)  # np.seterr(all="raise") turns any overflow into an error
    assert np.all(np.isfinite(a)) and a.dtype == dtype
    lo, hi = act.output_range
    assert np.all(a >= lo - 1e-6) and np.all(a <= hi + 1e-6)
    assert np.all(np.isfinite(act.backward(z, a, np.ones_like(z))))


def test_known_values():
    z = np.array([[-1.0, 0.0, 2.0]])
    np.testing.assert_allclose(A.get("relu")(z), [[0, 0, 2]])
    np.testing.assert_allclose(A.get("leaky_relu")(z), [[-0.01, 0, 2]])
    np.testing.assert_allclose(A.get("elu")(z), [[np.exp(-1) - 1, 0, 2]])
    np.testing.assert_allclose(A.get("sigmoid")(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(A.get("tanh")(z), np.tanh(z))
    np.testing.assert_allclose(A.get("gaussian")(z), np.exp(-(z**2)))
    np.testing.assert_allclose(A.get("silu")(z), z / (1 + np.exp(-z)))
    e = np.exp(z - 2)
    np.testing.assert_allclose(A.get("softmax")(z), e / e.sum())
    np.testing.assert_allclose(A.get("softplus")(z), np.log1p(np.exp(z)))
    # GELU tanh approximation at 1: 0.5 * (1 + tanh(sqrt(2/pi) * 1.044715)) = 0.841192
    np.testing.assert_allclose(A.get("gelu")(np.array([[1.0]])), [[0.8411919906]], rtol=1e-9)


def test_softmax_rows_sum_to_one_for_huge_logits():
    z = np.array([[1000.0, -1000.0, 0.0], [5e4, 5e4, 5e4]], dtype=np.float32)
    s = A.get("softmax")(z)
    np.testing.assert_allclose(s.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(s[1], 1 / 3, rtol=1e-6)


def test_registry_names_aliases_and_errors():
    assert isinstance(A.get("swish"), A.SiLU)
    assert isinstance(A.get("ReLU"), A.ReLU)
    assert isinstance(A.get(A.Tanh), A.Tanh)
    inst = A.LeakyReLU(alpha=0.2)
    assert A.get(inst) is inst
    assert A.get(inst.get_config()) == inst
    with pytest.raises(ValueError, match="unknown activation 'relux'.*valid names"):
        A.get("relux")
    with pytest.raises(TypeError, match="expected a activation name"):
        A.get(3.5)


# --- the course notes' hard limits: step and bipolar_step --------------------------------


@pytest.mark.parametrize("name,low", [("step", 0.0), ("bipolar_step", -1.0)])
def test_hard_limits_values_and_zero_derivative(name, low):
    act = A.get(name)
    z = np.array([[-2.0, -1e-300, 0.0, 1e-300, 3.0]])
    np.testing.assert_array_equal(act(z), [[low, low, 1, 1, 1]])  # 1 for z >= 0, the notes' rule
    assert act.zero_gradient and not act.straight_through
    np.testing.assert_array_equal(act.backward(z, act(z), np.ones_like(z)), np.zeros_like(z))


@pytest.mark.parametrize("name", ["step", "bipolar_step"])
def test_straight_through_passes_the_gradient_where_abs_z_at_most_one(name):
    act = A.get(name, straight_through=True)
    z = np.array([[-1.5, -1.0, -0.2, 0.0, 0.7, 1.0, 2.0]])
    g = np.arange(1.0, 8.0)[None, :]
    np.testing.assert_array_equal(act(z), A.get(name)(z))  # same forward value
    np.testing.assert_array_equal(act.backward(z, act(z), g), [[0, 2, 3, 4, 5, 6, 0]])
    assert not act.zero_gradient and A.get(name).zero_gradient
    assert act.get_config() == {"name": name, "straight_through": True}
    assert A.get(act.get_config()) == act and A.get(name) != act


@pytest.mark.parametrize("name", ["step", "bipolar_step"])
@pytest.mark.parametrize("straight_through", [False, True])
def test_hard_limit_tensor_forward_matches_numpy_form(name, straight_through):
    from ffnn.autograd import Tensor

    act = A.get(name, straight_through=straight_through)
    z = np.array([[-1.5, -0.5, 0.0, 0.4, 2.5]])
    g = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    t = Tensor(z.copy(), requires_grad=True)
    out = act.tensor_forward(t)
    np.testing.assert_array_equal(out.data, act(z))
    (out * g).sum().backward()
    np.testing.assert_array_equal(t.grad, act.backward(z, act(z), g))


def test_aliases_and_bad_straight_through():
    assert isinstance(A.get("heaviside"), A.Step) and isinstance(A.get("binary_step"), A.Step)
    assert isinstance(A.get("bipolar"), A.BipolarStep)
    with pytest.raises(TypeError, match="straight_through must be True or False"):
        A.get("step", straight_through="yes")


def test_untrainable_hidden_warning_names_the_activation_and_the_way_out():
    text = A.untrainable_hidden_warning("step")
    assert "'step'" in text and "straight_through=True" in text and "hidden layer" in text
    assert [n for n in A.ACTIVATIONS.names() if A.get(n).zero_gradient] == ["step", "bipolar_step"]
