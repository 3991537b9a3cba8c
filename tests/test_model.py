"""FFNN end to end: gradients of whole networks, a hand-worked step, errors, determinism."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from conftest import numerical_gradient, relative_error
from ffnn import activations as A

HIDDEN = A.ACTIVATIONS.names()
HEADS = [  # (output activation, loss, target kind)
    ("softmax", "categorical_crossentropy", "labels"),
    ("softmax", "mse", "labels"),
    ("sigmoid", "binary_crossentropy", "binary"),
    ("sigmoid", "categorical_crossentropy", "onehot"),
    ("linear", "mse", "real"),
    ("tanh", "mse", "real"),
    ("gaussian", "binary_crossentropy", "binary"),
]


def _targets(kind: str, rng, n: int, k: int):
    if kind == "labels":
        return rng.integers(0, k, n)
    if kind == "onehot":
        return np.eye(k)[rng.integers(0, k, n)]
    if kind == "binary":
        return (rng.random((n, k)) > 0.5).astype(float)
    return rng.normal(size=(n, k))


def check_model_gradients(model: ffnn.FFNN, X, y) -> None:
    """Every parameter's gradient from backprop against central differences of the loss."""
    loss, grads = model.compute_gradients(X, y)
    assert loss == pytest.approx(model.evaluate(X, y)["loss"], rel=1e-10)
    for name, param in model.network.named_parameters():
        numeric = numerical_gradient(lambda: model.evaluate(X, y)["loss"], param.data)
        err = relative_error(grads[name], numeric)
        assert err < 1e-6, f"{name}: relative error {err:.2e}"


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("rmsnorm", [False, True])
@pytest.mark.parametrize("n", [1, 6])
def test_gradients_every_hidden_activation(hidden, rmsnorm, n):
    rng = np.random.default_rng(0)
    model = ffnn.FFNN([3, 5, 4, 3], [hidden, hidden, "softmax"], "cce", init="xavier",
                      seed=1, rmsnorm=rmsnorm, dtype="float64")
    check_model_gradients(model, rng.normal(size=(n, 3)), rng.integers(0, 3, n))


@pytest.mark.parametrize("out_act,loss,kind", HEADS)
@pytest.mark.parametrize("reg", [None, "l1", "l2"])
@pytest.mark.parametrize("n", [1, 5])
def test_gradients_every_loss_and_regulariser(out_act, loss, kind, reg, n):
    rng = np.random.default_rng(2)
    model = ffnn.FFNN([4, 6, 3], ["tanh", out_act], loss, seed=3, regularization=reg,
                      reg_lambda=0.03 if reg else 0.0, dtype="float64")
    check_model_gradients(model, rng.normal(size=(n, 4)), _targets(kind, rng, n, 3))


@pytest.mark.parametrize("out_act,loss", [("softmax", "cce"), ("sigmoid", "bce")])
def test_fused_head_matches_general_path_in_a_network(out_act, loss):
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(8, 4)), (rng.random((8, 3)) > 0.5).astype(float)
    y = y if loss == "bce" else np.eye(3)[rng.integers(0, 3, 8)]
    fused = ffnn.FFNN([4, 5, 3], ["relu", out_act], loss, seed=0, dtype="float64", rmsnorm=True)
    general = ffnn.FFNN([4, 5, 3], ["relu", out_act], loss, seed=0, dtype="float64", rmsnorm=True)
    general.objective.head = None  # force the chain rule through the activation's own backward
    l1, g1 = fused.compute_gradients(X, y)
    l2, g2 = general.compute_gradients(X, y)
    assert l1 == pytest.approx(l2, rel=1e-10)
    for name in g1:
        assert relative_error(g1[name], g2[name]) < 1e-10


def test_hand_worked_step():
    # x = [1, 2]; W1 = [[.1, .2], [.3, .4]], b1 = [.1, .1] -> z1 = [.8, 1.1], relu keeps it.
    # W2 = [[.5], [-.5]], b2 = [.2] -> output .8*.5 - 1.1*.5 + .2 = .05; target 1.
    # MSE = (.05 - 1)^2 = .9025; dL/dp = 2 (.05 - 1) = -1.9
    # dW2 = h^T (-1.9) = [[-1.52], [-2.09]]; db2 = -1.9; dh = -1.9 W2^T = [-.95, .95]
    # dW1 = x^T dh = [[-.95, .95], [-1.9, 1.9]]; db1 = [-.95, .95]
    m = ffnn.FFNN([2, 2, 1], ["relu", "linear"], "mse", dtype="float64")
    m.set_params({"layers.0.weight": [[0.1, 0.2], [0.3, 0.4]], "layers.0.bias": [0.1, 0.1],
                  "layers.1.weight": [[0.5], [-0.5]], "layers.1.bias": [0.2]})
    X, y = np.array([[1.0, 2.0]]), np.array([1.0])
    np.testing.assert_allclose(m.predict(X), [[0.05]])
    loss, g = m.compute_gradients(X, y)
    assert loss == pytest.approx(0.9025)
    np.testing.assert_allclose(g["layers.1.weight"], [[-1.52], [-2.09]])
    np.testing.assert_allclose(g["layers.1.bias"], [-1.9])
    np.testing.assert_allclose(g["layers.0.weight"], [[-0.95, 0.95], [-1.9, 1.9]])
    np.testing.assert_allclose(g["layers.0.bias"], [-0.95, 0.95])
    # one plain gradient-descent step with learning rate 0.1: W2 = [.5 + .152, -.5 + .209]
    m.fit(X, y, epochs=1, batch_size=1, learning_rate=0.1, verbose=0)
    np.testing.assert_allclose(m.layers[1].weight, [[0.652], [-0.291]])
    np.testing.assert_allclose(m.layers[0].bias, [0.195, 0.005])
    # per-neuron view
    neuron = m.neuron(0, 1)
    np.testing.assert_allclose(neuron["weight"], m.layers[0].weight[:, 1])
    assert neuron["grad_bias"] == pytest.approx(0.95)


def test_parameters_are_named_in_forward_order_and_shaped_in_out():
    m = ffnn.FFNN([5, 4, 3, 2], ["relu", "relu", "softmax"], "cce", rmsnorm=True, seed=0)
    names = list(m.get_params())
    assert names == ["layers.0.weight", "layers.0.bias", "layers.0.norm.scale",
                     "layers.1.weight", "layers.1.bias", "layers.1.norm.scale",
                     "layers.2.weight", "layers.2.bias"]
    assert m.get_params()["layers.0.weight"].shape == (5, 4)
    assert list(m.get_grads()) == names
    assert m.count_params() == 5 * 4 + 4 + 4 + 4 * 3 + 3 + 3 + 3 * 2 + 2
    np.testing.assert_array_equal(m.get_params()["layers.0.norm.scale"], 1)


def test_set_params_checks_names_and_shapes():
    m = ffnn.FFNN([3, 2], ["softmax"], "cce", seed=0)
    with pytest.raises(ValueError, match=r"layers.0.weight must have shape \(3, 2\)"):
        m.set_params({"layers.0.weight": np.zeros((2, 3)), "layers.0.bias": np.zeros(2)})
    with pytest.raises(KeyError, match="unknown parameter"):
        m.set_params({"layers.9.weight": np.zeros((3, 2))}, strict=False)
    with pytest.raises(KeyError, match="missing parameter"):
        m.set_params({"layers.0.bias": np.zeros(2)})
    m.set_params({"layers.0.bias": np.ones(2)}, strict=False)
    np.testing.assert_array_equal(m.layers[0].bias, 1)


def test_same_seed_same_weights_and_history():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 6)), rng.integers(0, 3, 200)

    def run():
        m = ffnn.FFNN([6, 8, 3], ["relu", "softmax"], "cce", seed=7)
        h = m.fit(X, y, epochs=3, batch_size=16, validation_data=(X, y), verbose=0)
        return m.get_params(), h.history

    (p1, h1), (p2, h2) = run(), run()
    assert h1 == h2
    for name in p1:
        np.testing.assert_array_equal(p1[name], p2[name])
    p3 = ffnn.FFNN([6, 8, 3], ["relu", "softmax"], "cce", seed=8).get_params()
    assert not np.array_equal(p1["layers.0.weight"], p3["layers.0.weight"])


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(layer_sizes=[4, 3], activations=["relu", "softmax"]), ValueError, "2 activations for 2 layer sizes"),
        (dict(layer_sizes=[4, 0, 3]), ValueError, r"layer_sizes\[1\] must be a positive integer"),
        (dict(layer_sizes=[4, 2.5, 3]), TypeError, "positive integer"),
        (dict(activations=["relu", "sofmax"]), ValueError, "unknown activation 'sofmax'"),
        (dict(loss="crossentropy"), ValueError, "unknown loss 'crossentropy'.*valid names"),
        (dict(activations=["relu", "relu"], loss="bce"), ValueError, "needs outputs in \\[0, 1\\].*'relu'"),
        (dict(init="glorious"), ValueError, "unknown initializer"),
        (dict(dtype="float16"), ValueError, "dtype must be one of"),
        (dict(regularization="l3", reg_lambda=0.1), ValueError, "unknown regularizer 'l3'"),
        (dict(regularization="l2", reg_lambda=-1), ValueError, "reg_lambda must be"),
        (dict(activations="relu"), TypeError, "one activation per non-input layer"),
    ],
)
def test_construction_errors_name_the_problem(kwargs, error, match):
    base = dict(layer_sizes=[4, 5, 3], activations=["relu", "softmax"], loss="cce")
    base.update(kwargs)
    with pytest.raises(error, match=match):
        ffnn.FFNN(**base)


def test_cce_on_single_output_is_refused():
    with pytest.raises(ValueError, match="at least 2 output units"):
        ffnn.FFNN([3, 1], ["sigmoid"], "cce")


@pytest.mark.parametrize(
    "X,y,error,match",
    [
        (np.zeros((5, 3)), np.zeros(5, int), ValueError, "3 features per sample but the network's input layer has 4"),
        (np.zeros(4), np.zeros(1, int), ValueError, "must be 2-D"),
        (np.full((5, 4), np.nan), np.zeros(5, int), ValueError, "X contains 20 NaN"),
        (np.zeros((5, 4)), np.array([0, 1, 2, 3, 0]), ValueError, r"4 classes \[0, 1, 2, 3\].*3 unit.*layer_sizes\[-1\] = 4"),
        (np.zeros((5, 4)), np.array([0, 1, -1, 2, 0]), ValueError, r"4 classes \[-1, 0, 1, 2\]"),
        (np.zeros((5, 4)), np.zeros(4, int), ValueError, "X has 5 samples but y has 4"),
        (np.zeros((5, 4)), np.array([0.5, 1, 2, 0, 1]), ValueError, "must hold class labels.*non-integer"),
        (np.zeros((5, 4)), np.zeros((5, 2)), ValueError, r"targets shaped \(n, 3\)"),
        (np.zeros((5, 4)), np.full((5, 3), 2.0), ValueError, r"must lie in \[0, 1\]"),
        (np.zeros((5, 4)), np.array([0, 1, np.inf, 2, 0]), ValueError, "y contains 1 NaN or infinite"),
        (np.array([["a"] * 4] * 5), np.zeros(5, int), TypeError, "must hold numbers"),
    ],
)
def test_bad_data_errors_name_the_problem(X, y, error, match):
    m = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    with pytest.raises(error, match=match):
        m.fit(X, y, epochs=1, verbose=0)


@pytest.mark.parametrize("kwargs,match", [
    (dict(epochs=0), "epochs must be a positive integer"),
    (dict(batch_size=-3), "batch_size must be a positive integer"),
    (dict(learning_rate=0), "learning_rate must be a positive"),
    (dict(validation_data=(np.zeros((2, 5)), [0, 1])), "X_val has 5 features"),
])
def test_bad_settings_errors(kwargs, match):
    m = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    with pytest.raises((ValueError, TypeError), match=match):
        m.fit(np.zeros((6, 4)), np.zeros(6, int), verbose=0, **kwargs)


def test_predict_and_evaluate():
    m = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    X = np.random.default_rng(0).normal(size=(10, 4))
    p = m.predict(X)
    assert p.shape == (10, 3) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(m.predict_classes(X), p.argmax(axis=1))
    p2 = m.predict(X[:3])  # a later call must not overwrite the earlier result
    np.testing.assert_array_equal(p[:3], p2)
    result = m.evaluate(X, p.argmax(axis=1))
    assert result["accuracy"] == 1.0 and set(result) == {"loss", "accuracy"}
    reg = ffnn.FFNN([4, 1], ["linear"], "mse", seed=0)  # regression: error measures, no accuracy
    assert set(reg.evaluate(X, np.zeros(10))) == {"loss", "mae", "rmse", "r2"}


def test_config_round_trip_rebuilds_the_same_architecture():
    m = ffnn.FFNN([4, 5, 3], ["leaky_relu", "softmax"], "bce", init="uniform",
                  init_params={"low": -1, "high": 1, "seed": 3, "bias": "zero"}, seed=2,
                  rmsnorm=True, regularization="l2", reg_lambda=0.01, dtype="float64")
    m2 = ffnn.FFNN.from_config(m.get_config())
    assert m2.get_config() == m.get_config()
    for (n1, a), (n2, b) in zip(m.get_params().items(), m2.get_params().items()):
        assert n1 == n2
        np.testing.assert_array_equal(a, b)


def test_finite_check_accepts_huge_finite_values_and_counts_bad_ones():
    from ffnn.validation import check_inputs

    big = np.full((3, 2), 3e38, dtype=np.float32)  # finite, though their sum overflows float32
    assert check_inputs(big, 2, np.dtype(np.float32)) is not None
    bad = big.copy()
    bad[0, 1], bad[2, 0] = np.inf, np.nan
    with pytest.raises(ValueError, match="X contains 2 NaN or infinite"):
        check_inputs(bad, 2, np.dtype(np.float32))


@pytest.mark.parametrize("init", ["zero", "he"])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_predict_names_nan_and_inf_inputs_whatever_the_weights(init, activation, bad):
    # predict scans X through the first layer's products: zero weights (0 * inf = NaN) and
    # saturating activations (sigmoid(inf) = 1) must not hide a bad value.
    m = ffnn.FFNN([5, 3, 2], [activation, "sigmoid"], "bce", init=init, seed=0)
    X = np.random.default_rng(0).random((40, 5))
    for row, col in [(0, 0), (17, 4), (39, 2)]:
        Xb = X.copy()
        Xb[row, col] = bad
        with pytest.raises(ValueError, match="X contains 1 NaN or infinite"):
            m.predict(Xb)
    assert np.all(np.isfinite(m.predict(X)))


def test_predict_scans_every_chunk(monkeypatch):
    import ffnn.inference as fi

    monkeypatch.setattr(fi, "CHUNK_ROWS", 8)
    m = ffnn.FFNN([4, 3, 2], ["relu", "softmax"], "cce", seed=0)
    X = np.random.default_rng(1).random((30, 4))
    X[29, 1] = np.nan  # in the last, partial chunk
    with pytest.raises(ValueError, match="X contains 1 NaN"):
        m.predict(X)


def test_predict_on_finite_inputs_that_overflow_the_first_layer_still_returns():
    # Finite X whose products overflow float32: not a bad input, so no error (as before the
    # scan moved into the first layer); the output shows the overflow.
    m = ffnn.FFNN([3, 2, 1], ["relu", "linear"], "mse", init="uniform", init_params={"low": 1, "high": 2}, seed=0)
    X = np.full((4, 3), 3e38, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"), pytest.warns(RuntimeWarning, match="overflowed"):
        out = m.predict(X)
    assert out.shape == (4, 1) and not np.all(np.isfinite(out))
    X64 = np.full((2, 3), 1e300)  # finite in float64, inf once cast to the model's float32: refused
    with pytest.raises(ValueError, match="too large for float32"):
        m.predict(X64)


def test_predict_does_not_warn_when_only_the_scan_sum_overflows():
    # First-layer outputs near float32's limit: each finite, their sum not. Not bad input, no overflow.
    import warnings

    m = ffnn.FFNN([1, 4, 1], ["linear", "linear"], "mse", seed=0)
    m.set_params({"layers.0.weight": np.ones((1, 4)), "layers.0.bias": np.zeros(4),
                  "layers.1.weight": np.zeros((4, 1)), "layers.1.bias": np.zeros(1)})
    X = np.full((8, 1), 1e38, dtype=np.float32)  # h = 1e38 per unit: finite; h.sum() = inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = m.predict(X)
    np.testing.assert_array_equal(out, 0)


def test_a_zero_derivative_hidden_activation_warns_and_its_straight_through_form_does_not():
    import warnings

    with pytest.warns(UserWarning, match="'step' in a hidden layer has a zero derivative"):
        ffnn.FFNN([3, 4, 2], ["step", "softmax"], "cce", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ffnn.FFNN([3, 4, 2], [{"name": "step", "straight_through": True}, "softmax"], "cce", seed=0)
        ffnn.FFNN([3, 1], ["step"], "bce", seed=0)  # an output unit: nothing below it to train
