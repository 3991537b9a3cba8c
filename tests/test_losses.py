"""Losses: values, gradients by finite differences, fused heads against the general path."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import numerical_gradient, relative_error
from ffnn import activations as A
from ffnn import losses as L


def _probs(rng, n, k):
    return A.Softmax()(rng.normal(size=(n, k)))


def _onehot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, n)]


@pytest.mark.parametrize("name", L.LOSSES.names())
@pytest.mark.parametrize("n", [1, 7])
def test_gradient_matches_finite_differences(name, n):
    rng = np.random.default_rng(0)
    loss = L.get(name)
    p = 0.05 + 0.9 * rng.random((n, 4))
    y = rng.random((n, 4)) if name != "categorical_crossentropy" else _onehot(rng, n, 4)
    numeric = numerical_gradient(lambda: loss.value(p, y), p)
    assert relative_error(loss.gradient(p, y), numeric) < 1e-6


def test_reduction_conventions_by_hand():
    p = np.array([[0.8, 0.2], [0.4, 0.6]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    # MSE: mean over 4 elements of (0.04, 0.04, 0.16, 0.16) = 0.1
    assert L.get("mse").value(p, y) == pytest.approx(0.1)
    # CCE: mean over 2 rows of -log(0.8), -log(0.6)
    assert L.get("cce").value(p, y) == pytest.approx(-(np.log(0.8) + np.log(0.6)) / 2)
    # BCE: mean over 4 elements of -log(0.8), -log(0.8), -log(0.6), -log(0.6)
    assert L.get("bce").value(p, y) == pytest.approx(-(2 * np.log(0.8) + 2 * np.log(0.6)) / 4)


@pytest.mark.parametrize(
    "act,loss,targets",
    [("softmax", "cce", "onehot"), ("softmax", "cce", "soft"), ("sigmoid", "bce", "soft")],
)
@pytest.mark.parametrize("n", [1, 5])
def test_fused_head_agrees_with_general_chain_rule(act, loss, targets, n):
    rng = np.random.default_rng(1)
    activation, lossf = A.get(act), L.get(loss)
    head = L.fused_head(activation, lossf)
    assert head is not None
    z = rng.normal(0, 2, size=(n, 3))
    y = _onehot(rng, n, 3) if targets == "onehot" else rng.random((n, 3))
    p_general = activation.forward(z)
    loss_general = lossf.value(p_general, y)
    dz_general = activation.backward(z, p_general, lossf.gradient(p_general, y))
    p = np.empty_like(z)
    loss_fused = head.forward(z, y, out=p)
    dz_fused = head.backward(p, y, out=np.empty_like(z))
    np.testing.assert_allclose(p, p_general, rtol=1e-12)
    assert loss_fused == pytest.approx(loss_general, rel=1e-10)
    assert relative_error(dz_fused, dz_general) < 1e-10
    numeric = numerical_gradient(lambda: head.forward(z, y, out=np.empty_like(z)), z)
    assert relative_error(dz_fused, numeric) < 1e-6


def test_no_fused_head_for_other_pairs():
    assert L.fused_head(A.Softmax(), L.MeanSquaredError()) is None
    assert L.fused_head(A.Sigmoid(), L.CategoricalCrossentropy()) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_give_finite_losses(dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]], dtype=dtype)
    y = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]], dtype=dtype)
    head = L.SoftmaxCrossentropyHead()
    out = np.empty_like(z)
    value = head.forward(z, y, out)
    # row 0 puts all mass on the wrong class: loss 2000 exactly; row 1 is right: loss 0
    assert value == pytest.approx(1000.0, rel=1e-6)
    assert np.all(np.isfinite(head.backward(out, y, np.empty_like(z))))
    p = A.Softmax()(z)
    assert np.isfinite(L.get("cce").value(p, y))
    sig = L.SigmoidBinaryCrossentropyHead()
    assert np.isfinite(sig.forward(z, (y > 0).astype(dtype), np.empty_like(z)))
    assert np.isfinite(L.get("bce").value(A.Sigmoid()(z), y))
    assert np.all(np.isfinite(L.get("bce").gradient(A.Sigmoid()(z), y)))


# ---------------------------------------------------------------- the Poisson deviance
def test_poisson_loss_lives_in_the_core_with_both_engines_and_a_baseline():
    from ffnn.autograd import Tensor

    rng = np.random.default_rng(4)
    loss = L.get("half_poisson_log_link")
    assert isinstance(loss, L.HalfPoissonLogLink) and L.get("sklearn_poisson").name == loss.name
    z, y, w = rng.normal(size=(6, 2)), rng.poisson(2.0, (6, 2)).astype(float), rng.uniform(0.5, 2, 6)
    y[0, 0] = 0.0  # 0 log 0 = 0
    for weights in (None, w):
        t = Tensor(z, requires_grad=True)
        value = loss.tensor_value(t, y, weights)
        value.backward()
        assert float(value.data) == pytest.approx(loss.value(z, y, weights), rel=1e-12)
        np.testing.assert_allclose(t.grad, loss.gradient(z, y, weights), rtol=1e-12)
    mu = y.mean(axis=0)  # the best constant: the mean count
    assert loss.baseline(y) == pytest.approx(loss.value(np.broadcast_to(np.log(mu), y.shape), y), rel=1e-12)
    assert loss.baseline(np.zeros((4, 1))) == 0.0


def test_a_poisson_model_loads_without_importing_the_sklearn_package(tmp_path):
    import subprocess
    import sys

    pytest.importorskip("sklearn")
    from ffnn.sklearn import FFNNRegressor

    rng = np.random.default_rng(0)
    X, y = rng.random((40, 3)), rng.poisson(2.0, 40).astype(float)
    with pytest.warns(Warning):  # ConvergenceWarning after 3 iterations
        reg = FFNNRegressor(loss="poisson", max_iter=3, random_state=0).fit(X, y)
    path = tmp_path / "poisson.npz"
    reg.model_.save(path)
    code = ("import sys, numpy as np, ffnn; m = ffnn.load(sys.argv[1]); "
            "assert 'ffnn.sklearn' not in sys.modules; print(type(m.loss).__name__)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "HalfPoissonLogLink"


# ---------------------------------------------------------------- robust regression losses
@pytest.mark.parametrize("spec", ["mae", {"name": "huber", "delta": 0.7}])
def test_robust_losses_match_pytorch_and_both_engines(spec):
    torch = pytest.importorskip("torch")
    import ffnn
    from ffnn.autograd import Tensor

    rng = np.random.default_rng(6)
    p, y, w = rng.normal(size=(9, 3)), rng.normal(size=(9, 3)) * 2, rng.uniform(0.2, 2, 9)
    loss = L.get(spec)
    pt = torch.tensor(p, requires_grad=True)
    if loss.name == "mae":
        ref = torch.nn.functional.l1_loss(pt, torch.tensor(y))
    else:
        ref = torch.nn.functional.huber_loss(pt, torch.tensor(y), delta=0.7)
    ref.backward()
    assert loss.value(p, y) == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(loss.gradient(p, y), pt.grad.numpy(), rtol=1e-12, atol=1e-15)
    for weights in (None, w):  # the autograd form equals the NumPy one, row weights included
        t = Tensor(p, requires_grad=True)
        value = loss.tensor_value(t, y, weights)
        value.backward()
        assert float(value.data) == pytest.approx(loss.value(p, y, weights), rel=1e-12)
        np.testing.assert_allclose(t.grad, loss.gradient(p, y, weights), rtol=1e-12, atol=1e-15)
    again = L.get(loss.get_config())
    assert again.get_config() == loss.get_config()
    m = ffnn.FFNN([3, 5, 2], ["tanh", "linear"], spec, seed=0, dtype="float64")
    with warnings.catch_warnings():  # random targets: "not learning" may fire, not the point here
        warnings.simplefilter("ignore", ffnn.TrainingWarning)
        h = m.fit(rng.normal(size=(40, 3)), rng.normal(size=(40, 2)), epochs=3, batch_size=8, verbose=0)
    assert len(h.history["loss"]) == 3 and np.isfinite(h.history["loss"]).all()
    assert set(m.evaluate(rng.normal(size=(10, 3)), rng.normal(size=(10, 2)))) >= {"loss", "mae", "rmse", "r2"}


def test_huber_refuses_a_bad_delta():
    with pytest.raises(ValueError, match="delta must be a positive number"):
        L.get({"name": "huber", "delta": 0})
