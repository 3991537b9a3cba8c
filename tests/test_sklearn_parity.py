"""The same numbers as scikit-learn's MLP estimators, with scikit-learn as the oracle.

In float64, with the same ``random_state`` and ``init="sklearn"`` (the default), our estimators
draw scikit-learn's starting weights, shuffles and validation split from the same
``RandomState`` and take the same steps: losses and weights agree to 1e-10 after every epoch
(the differences seen are ~1e-15, rounding in a different order). L-BFGS agrees while its
iterates stay away from saturated probabilities (see docs/sklearn.md for why not beyond).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402

from ffnn import FFNN  # noqa: E402
from ffnn.sklearn import FFNNClassifier, FFNNRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ATOL = 1e-10
_rng = np.random.default_rng(0)
X = _rng.normal(size=(130, 5))  # 130 = 3 batches of 40 and a short one of 10
Y2 = (X[:, 0] + X[:, 1] > 0).astype(int)
Y3 = Y2 + (X[:, 2] > 0.8)
Y_MULTILABEL = np.column_stack([Y2, X[:, 3] > 0, X[:, 4] > 0.5]).astype(int)
Y_REG = 2 * X[:, 0] + np.sin(X[:, 1])
Y_REG2 = np.column_stack([Y_REG, X[:, 2] ** 2])
Y_COUNTS = _rng.poisson(np.exp(0.5 * X[:, 0]))
SW = _rng.uniform(0, 2, size=130)
SMALL = dict(hidden_layer_sizes=(7, 5), activation="tanh", alpha=1e-3, batch_size=40, learning_rate_init=0.05,
             random_state=0, n_iter_no_change=1000)

SOLVERS = {
    "sgd": dict(solver="sgd", momentum=0),
    "momentum": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False),
    "nesterov": dict(solver="sgd", momentum=0.9, nesterovs_momentum=True),
    "adam": dict(solver="adam"),
}


def _params(est):
    return est.coefs_ + est.intercepts_


def _assert_same_weights(ours, mlp, atol=ATOL):
    assert len(_params(ours)) == len(_params(mlp))
    for a, b in zip(_params(ours), _params(mlp)):
        np.testing.assert_allclose(a, b, rtol=0, atol=atol)


@pytest.mark.parametrize("solver", list(SOLVERS))
@pytest.mark.parametrize("y", [Y2, Y3, Y_MULTILABEL], ids=["binary", "3 classes", "multi-label"])
def test_every_epoch_equals_mlpclassifier(solver, y):
    """shuffle=False, the same starting weights, float64: losses and weights after each epoch."""
    kw = {**SMALL, **SOLVERS[solver], "shuffle": False}
    mlp, ours = MLPClassifier(**kw), FFNNClassifier(**kw)
    classes = np.arange(y.shape[1]) if y.ndim == 2 else np.unique(y)  # multi-label: the columns
    for epoch in range(6):
        mlp.partial_fit(X, y, classes=classes if epoch == 0 else None)
        ours.partial_fit(X, y, classes=classes if epoch == 0 else None)
        _assert_same_weights(ours, mlp)
        np.testing.assert_allclose(ours.loss_, mlp.loss_, rtol=0, atol=ATOL)
    np.testing.assert_allclose(ours.predict_proba(X), mlp.predict_proba(X), rtol=0, atol=ATOL)


def test_the_starting_weights_are_mlpclassifiers():
    """init="sklearn" draws what MLPClassifier draws (one step at a rate of 1e-300 moves nothing)."""
    for activation in ["relu", "logistic"]:
        kw = dict(hidden_layer_sizes=(6, 4), activation=activation, solver="sgd", momentum=0,
                  learning_rate_init=1e-300, random_state=3)
        mlp = MLPClassifier(**kw).partial_fit(X, Y3, classes=[0, 1, 2])
        ours = FFNNClassifier(**kw).partial_fit(X, Y3, classes=[0, 1, 2])
        for a, b in zip(_params(ours), _params(mlp)):
            np.testing.assert_array_equal(a, b)


def test_the_sklearn_initialiser_is_scikit_learns_rule():
    """Glorot uniform on both weights and biases, the bias with its weight's bound."""
    model = FFNN([5, 4, 3], ["relu", "softmax"], "cce", init="sklearn", dtype="float64")
    rs = np.random.RandomState(0)
    for layer in model.network.layers:
        layer.init_parameters(rs, np.float64)
    rs = np.random.RandomState(0)
    for dense, (fan_in, fan_out) in zip(model.layers, [(5, 4), (4, 3)]):
        bound = np.sqrt(6 / (fan_in + fan_out))
        np.testing.assert_array_equal(dense.weight, rs.uniform(-bound, bound, (fan_in, fan_out)))
        np.testing.assert_array_equal(dense.bias, rs.uniform(-bound, bound, fan_out))


CASES = {
    "shuffled adam": (MLPClassifier, FFNNClassifier, Y3, dict(solver="adam"), {}),
    "shuffled nesterov, relu": (MLPClassifier, FFNNClassifier, Y3, dict(solver="sgd", activation="relu"), {}),
    "logistic": (MLPClassifier, FFNNClassifier, Y2, dict(solver="sgd", activation="logistic"), {}),
    "invscaling": (MLPClassifier, FFNNClassifier, Y3,
                   dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5), {}),
    "adaptive": (MLPClassifier, FFNNClassifier, Y3,
                 dict(solver="sgd", learning_rate="adaptive", n_iter_no_change=1, tol=0.5), {}),
    "sample_weight": (MLPClassifier, FFNNClassifier, Y3, dict(solver="sgd"), dict(sample_weight=SW)),
    "early stopping": (MLPClassifier, FFNNClassifier, Y3,
                       dict(solver="adam", early_stopping=True, n_iter_no_change=2, max_iter=40), {}),
    "early stopping, weighted": (MLPClassifier, FFNNClassifier, Y2,
                                 dict(solver="adam", early_stopping=True, n_iter_no_change=2, max_iter=40),
                                 dict(sample_weight=SW)),
    "stopping on the loss": (MLPClassifier, FFNNClassifier, Y2, dict(solver="adam", n_iter_no_change=2, tol=0.05,
                                                                     max_iter=100), {}),
    "regression": (MLPRegressor, FFNNRegressor, Y_REG, dict(solver="sgd", learning_rate_init=0.01), {}),
    "two outputs, sgd": (MLPRegressor, FFNNRegressor, Y_REG2, dict(solver="sgd", learning_rate_init=0.01), {}),
    "two outputs, adam": (MLPRegressor, FFNNRegressor, Y_REG2, dict(solver="adam"), {}),
    "poisson": (MLPRegressor, FFNNRegressor, Y_COUNTS, dict(solver="adam", loss="poisson"), {}),
    "regression, early stopping, weighted": (MLPRegressor, FFNNRegressor, Y_REG,
                                             dict(solver="adam", early_stopping=True, max_iter=30),
                                             dict(sample_weight=SW)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_whole_fit_equals_scikit_learns(name):
    """From scratch, shuffled, the same random_state: every attribute scikit-learn computes."""
    Mlp, Ours, y, extra, fit_kw = CASES[name]
    kw = {**SMALL, "max_iter": 6, **extra}
    mlp, ours = Mlp(**kw).fit(X, y, **fit_kw), Ours(**kw).fit(X, y, **fit_kw)
    _assert_same_weights(ours, mlp)
    np.testing.assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=0, atol=ATOL)
    assert (ours.n_iter_, ours.t_, ours.out_activation_, ours.n_layers_, ours.n_outputs_) == \
        (mlp.n_iter_, mlp.t_, mlp.out_activation_, mlp.n_layers_, mlp.n_outputs_)
    assert ours._no_improvement_count == mlp._no_improvement_count
    assert ours.best_loss_ == pytest.approx(mlp.best_loss_, abs=ATOL) if mlp.best_loss_ is not None \
        else ours.best_loss_ is None
    if mlp.validation_scores_ is not None:
        np.testing.assert_allclose(ours.validation_scores_, mlp.validation_scores_, rtol=0, atol=ATOL)
        assert ours.best_validation_score_ == pytest.approx(mlp.best_validation_score_, abs=ATOL)
    np.testing.assert_allclose(ours.predict(X), mlp.predict(X), rtol=0, atol=ATOL)
    assert ours._optimizer.learning_rate == pytest.approx(mlp._optimizer.learning_rate, rel=1e-12) \
        if kw["solver"] == "sgd" else True


@pytest.mark.parametrize("Mlp, Ours, y", [(MLPClassifier, FFNNClassifier, Y3),
                                          (MLPClassifier, FFNNClassifier, Y_MULTILABEL),
                                          (MLPRegressor, FFNNRegressor, Y_REG2)],
                         ids=["3 classes", "multi-label", "two outputs"])
def test_lbfgs_iterates_equal_scikit_learns(Mlp, Ours, y):
    """Ten L-BFGS iterations: the same path (with sample weights too)."""
    kw = dict(hidden_layer_sizes=(7, 5), activation="tanh", alpha=1e-3, solver="lbfgs", random_state=0, max_iter=10)
    mlp, ours = Mlp(**kw).fit(X, y, sample_weight=SW), Ours(**kw).fit(X, y, sample_weight=SW)
    _assert_same_weights(ours, mlp, atol=1e-9)
    assert ours.n_iter_ == mlp.n_iter_ and ours.loss_ == pytest.approx(mlp.loss_, rel=1e-12)


def test_sparse_and_float32_input():
    """CSR input gives the dense numbers; float32 input, float32 weights within float32 rounding."""
    import scipy.sparse as sp

    kw = {**SMALL, "max_iter": 4, "solver": "adam"}
    mlp = MLPClassifier(**kw).fit(sp.csr_matrix(X), Y3)
    _assert_same_weights(FFNNClassifier(**kw).fit(sp.csr_array(X), Y3), mlp)
    ours32 = FFNNClassifier(**kw).fit(X.astype(np.float32), Y3)
    mlp32 = MLPClassifier(**kw).fit(X.astype(np.float32), Y3)
    assert ours32.coefs_[0].dtype == mlp32.coefs_[0].dtype == np.float32
    _assert_same_weights(ours32, mlp32, atol=1e-5)


def test_warm_start_and_partial_fit_bookkeeping_equal_scikit_learns():
    kw = {**SMALL, "solver": "sgd", "max_iter": 3, "warm_start": True, "early_stopping": True,
          "n_iter_no_change": 5}
    mlp, ours = MLPClassifier(**kw), FFNNClassifier(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for est in (mlp, ours):
            est.fit(X, Y3)
            est.set_params(max_iter=4).fit(X, Y3)
    _assert_same_weights(ours, mlp)
    assert ours.validation_scores_ == pytest.approx(mlp.validation_scores_, abs=ATOL)
    assert (ours.n_iter_, ours.t_, ours._no_improvement_count) == (mlp.n_iter_, mlp.t_, mlp._no_improvement_count)


@pytest.mark.parametrize("extra", [
    dict(solver="sgd", learning_rate="adaptive", tol=0.05, n_iter_no_change=2, max_iter=60),
    dict(solver="adam", early_stopping=True, n_iter_no_change=2, tol=0.01, max_iter=50),
], ids=["adaptive", "early stopping"])
def test_verbose_output_is_scikit_learns_to_the_byte(extra, capsys):
    for Est in (MLPClassifier, FFNNClassifier):
        Est(hidden_layer_sizes=(10,), verbose=True, random_state=0, **extra).fit(X, Y3)
    out = capsys.readouterr().out
    half = len(out) // 2
    assert out[:half] == out[half:] and "Iteration 1, loss = " in out
