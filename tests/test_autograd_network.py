"""``engine="autograd"`` against ``engine="backprop"``: same losses, gradients and training."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
import ffnn.fitting
from conftest import accepted_pairings, relative_error
from ffnn import activations as A
from ffnn.datasets import load_mnist

HIDDEN = A.ACTIVATIONS.names()


PAIRINGS = accepted_pairings()


def _targets(loss: str, rng, n: int, k: int):
    if loss == "categorical_crossentropy":
        return rng.integers(0, k, n)
    if loss == "binary_crossentropy":
        return (rng.random((n, k)) > 0.5).astype(float)
    return rng.normal(size=(n, k))


def _pair(**kwargs):
    """The same network twice (same seed), once per engine, in float64."""
    kwargs.setdefault("dtype", "float64")
    return ffnn.FFNN(**kwargs), ffnn.FFNN(**kwargs, engine="autograd")


def assert_same_loss_and_gradients(a, b, X, y, tol=1e-10):
    loss_a, grads_a = a.compute_gradients(X, y)
    b.network.flat_grads.fill(np.nan)  # autograd must *set* every gradient, not add to old ones
    loss_b, grads_b = b.compute_gradients(X, y)
    assert abs(loss_a - loss_b) <= tol * abs(loss_a), (loss_a, loss_b)
    assert list(grads_a) == list(grads_b)
    for name in grads_a:
        err = relative_error(grads_a[name], grads_b[name])
        assert err < tol, f"{name}: relative error {err:.2e}"


def test_every_accepted_pairing_is_found():
    assert ("softmax", "categorical_crossentropy", 3) in PAIRINGS
    assert ("sigmoid", "binary_crossentropy", 1) in PAIRINGS
    assert ("relu", "mse", 1) in PAIRINGS and ("relu", "binary_crossentropy", 3) not in PAIRINGS
    assert len({(o, loss) for o, loss, _ in PAIRINGS}) >= 14


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("rmsnorm", [False, True])
@pytest.mark.parametrize("reg", [None, "l1", "l2"])
def test_every_hidden_activation_rmsnorm_and_penalty(hidden, rmsnorm, reg):
    rng = np.random.default_rng(0)
    a, b = _pair(layer_sizes=[4, 6, 5, 3], activations=[hidden, hidden, "softmax"], loss="cce",
                 init="xavier", seed=1, rmsnorm=rmsnorm, regularization=reg, reg_lambda=0.05 if reg else 0.0)
    for n in (1, 7):
        assert_same_loss_and_gradients(a, b, rng.normal(size=(n, 4)), rng.integers(0, 3, n))


@pytest.mark.parametrize("out_act,loss,n_out", PAIRINGS)
@pytest.mark.parametrize("reg", [None, "l1", "l2"])
def test_every_output_and_loss_pairing(out_act, loss, n_out, reg):
    rng = np.random.default_rng(2)
    a, b = _pair(layer_sizes=[3, 5, n_out], activations=["tanh", out_act], loss=loss, seed=3,
                 rmsnorm=True, regularization=reg, reg_lambda=0.03 if reg else 0.0)
    for n in (1, 6):
        assert_same_loss_and_gradients(a, b, rng.normal(size=(n, 3)), _targets(loss, rng, n, n_out))


@pytest.mark.parametrize("out_act,loss", [("softmax", "cce"), ("softmax", "bce"), ("sigmoid", "bce"),
                                          ("sigmoid", "cce")])
def test_saturated_outputs_clip_the_same_way(out_act, loss):
    """Huge logits make probabilities exactly 0 and 1: both engines clip them like ffnn.losses."""
    a, b = _pair(layer_sizes=[2, 3], activations=[out_act], loss=loss, init="normal",
                 init_params={"variance": 1e6, "seed": 0})
    X, y = np.array([[1.0, -2.0], [3.0, 0.5]]), np.array([0, 2])
    p = a.predict(X)
    assert np.any(p == 0.0) or np.any(p == 1.0)  # the case under test really happens
    assert_same_loss_and_gradients(a, b, X, y if loss == "cce" else np.eye(3)[y])


def test_returns_the_output_of_the_network():
    a, b = _pair(layer_sizes=[3, 4, 3], activations=["relu", "softmax"], loss="cce", seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    d = ffnn.fitting.prepare_for(a, X, [0, 1, 2, 0, 1])
    _, out_a = a.objective.loss_and_gradients(d.X, d.Y)
    out_a = out_a.copy()
    _, out_b = b.objective.loss_and_gradients(d.X, d.Y)
    np.testing.assert_allclose(out_b, out_a, rtol=1e-13)


def test_float32_engine_agrees_with_float32_backprop():
    rng = np.random.default_rng(0)
    a, b = _pair(layer_sizes=[6, 8, 4], activations=["gelu", "softmax"], loss="cce", seed=0,
                 rmsnorm=True, dtype="float32")
    assert_same_loss_and_gradients(a, b, rng.normal(size=(9, 6)), rng.integers(0, 4, 9), tol=1e-5)


def test_an_activation_without_a_tensor_form_is_named():
    class Cube(A.Activation):
        name = "cube"

        def forward(self, z, out=None):
            return z**3

        def backward(self, z, a, grad, out=None):
            return grad * 3 * z**2

    m = ffnn.FFNN([2, 2], [Cube()], "mse", engine="autograd")
    with pytest.raises(NotImplementedError, match=r"'cube'.*tensor_forward.*engine='backprop'"):
        m.compute_gradients(np.ones((1, 2)), np.ones((1, 2)))


def _same_training(n: int, epochs: int, batch_size: int):
    X, y, _, _ = load_mnist()
    X, y = X[:n], y[:n]
    a, b = _pair(layer_sizes=[784, 32, 10], activations=["relu", "softmax"], loss="cce", seed=7,
                 regularization="l2", reg_lambda=1e-4)
    ha = a.fit(X, y, epochs=epochs, batch_size=batch_size, learning_rate=0.05, verbose=0)
    hb = b.fit(X, y, epochs=epochs, batch_size=batch_size, learning_rate=0.05, verbose=0)
    assert hb.history["loss"] == pytest.approx(ha.history["loss"], rel=1e-10)
    untrained = ffnn.FFNN(**a.get_config()).get_params()
    assert not np.allclose(a.get_params()["layers.0.weight"], untrained["layers.0.weight"], rtol=0, atol=1e-6)
    for name, wa in a.get_params().items():
        np.testing.assert_allclose(b.get_params()[name], wa, rtol=0, atol=1e-8, err_msg=name)


def test_same_seed_same_trained_weights_on_part_of_mnist():
    _same_training(n=3000, epochs=2, batch_size=32)


@pytest.mark.slow
def test_same_seed_same_trained_weights_after_a_full_mnist_epoch():
    X, y, _, _ = load_mnist()
    a, b = _pair(layer_sizes=[784, 64, 64, 10], activations=["relu", "relu", "softmax"], loss="cce", seed=42)
    a.fit(X, y, epochs=1, batch_size=32, learning_rate=0.01, verbose=0)
    b.fit(X, y, epochs=1, batch_size=32, learning_rate=0.01, verbose=0)
    for name, wa in a.get_params().items():
        np.testing.assert_allclose(b.get_params()[name], wa, rtol=0, atol=1e-8, err_msg=name)


def test_mnist_part_trains_on_the_engine_as_on_backprop():
    """2 epochs on 5,000 images in float64: the engines' trained weights agree."""
    X_train, y_train, _, _ = load_mnist()
    X, y = X_train[:5000], y_train[:5000]
    models = [ffnn.FFNN([784, 32, 10], ["relu", "softmax"], "cce", seed=42, dtype="float64", engine=e)
              for e in ("backprop", "autograd")]
    for m in models:
        m.fit(X, y, epochs=2, batch_size=64, learning_rate=0.05, verbose=0)
    np.testing.assert_allclose(models[0].network.flat_params, models[1].network.flat_params, rtol=0, atol=1e-9)
    assert models[1].evaluate(X, y)["accuracy"] > 0.85


@pytest.mark.slow
def test_mnist_trains_on_the_engine_to_the_backprop_accuracy():
    """The demo configuration (784-64-64-10, lr 0.01, batch 32, 10 epochs) with engine="autograd"."""
    X_train, y_train, X_test, y_test = load_mnist()
    m = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", init="he", seed=42, engine="autograd")
    h = m.fit(X_train, y_train, epochs=10, batch_size=32, learning_rate=0.01, verbose=0)
    acc = m.evaluate(X_test, y_test)["accuracy"]
    assert acc >= 0.96, acc
    assert h.history["loss"][-1] < h.history["loss"][0]
