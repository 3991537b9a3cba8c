"""scikit-learn estimators: scikit-learn's own estimator checks, and use in its tools."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from ffnn.sklearn import FFNNClassifier, FFNNRegressor, expected_failed_checks  # noqa: E402

# Many fits here stop at max_iter on purpose (small budgets keep the suite fast).
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks(
    [FFNNClassifier(random_state=0), FFNNRegressor(random_state=0)],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------- the same steps as MLPClassifier
def _copy_weights(mlp, est):
    est.model_.set_params({
        f"layers.{i}.{kind}": value
        for i, (w, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_))
        for kind, value in (("weight", w), ("bias", b))
    })


def _from_the_same_weights(mlp, ours, X, y, epochs=5):
    """One epoch each to set everything up, then both start again from MLP's weights."""
    mlp.set_params(max_iter=1, warm_start=True).fit(X, y)
    ours.set_params(max_iter=1, warm_start=True).fit(X, y)
    _copy_weights(mlp, ours)
    mlp.set_params(max_iter=epochs).fit(X, y)
    ours.set_params(max_iter=epochs).fit(X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver, extra", [
    ("sgd", {"momentum": 0.9, "nesterovs_momentum": True}),
    ("sgd", {"momentum": 0.5, "nesterovs_momentum": False}),
    ("adam", {}),
])
def test_takes_the_steps_mlpclassifier_takes(n_classes, solver, extra):
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (n_classes == 3) * (X[:, 2] > 1)
    common = dict(hidden_layer_sizes=(7, 5), activation="tanh", solver=solver, alpha=1e-3, batch_size=40,
                  learning_rate_init=0.05, shuffle=False, n_iter_no_change=1000, random_state=0, **extra)
    mlp, ours = MLPClassifier(**common), FFNNClassifier(**common)
    _from_the_same_weights(mlp, ours, X, y)
    for a, b in zip(mlp.coefs_ + mlp.intercepts_, ours.coefs_ + ours.intercepts_):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_[1:], mlp.loss_curve_[1:], rtol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X), mlp.predict_proba(X), rtol=1e-9, atol=1e-12)


def test_regressor_takes_the_steps_mlpregressor_takes():
    """scikit-learn's half squared error: the same rate gives the same steps and loss_curve_."""
    from sklearn.neural_network import MLPRegressor

    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 4))
    y = 2 * X[:, 0] + np.sin(X[:, 1])
    common = dict(hidden_layer_sizes=(7,), solver="sgd", alpha=1e-3, batch_size=40, shuffle=False,
                  n_iter_no_change=1000, random_state=0, learning_rate_init=0.02)
    mlp, ours = MLPRegressor(**common), FFNNRegressor(**common)
    _from_the_same_weights(mlp, ours, X, y)
    for a, b in zip(mlp.coefs_, ours.coefs_):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.loss_curve_[1:], mlp.loss_curve_[1:], rtol=1e-10)


# ---------------------------------------------------------------- in scikit-learn's tools
def _digits(n=600):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:n], y[:n]


def test_in_a_pipeline():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _digits(1797)
    pipe = make_pipeline(StandardScaler(), FFNNClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01,
                                                            max_iter=40, random_state=0))
    pipe.fit(X[:1200], y[:1200])
    assert pipe.score(X[1200:], y[1200:]) > 0.9  # MLPClassifier with the same settings: 0.93
    assert pipe.predict_proba(X[1200:1205]).shape == (5, 10)


def test_in_a_grid_search():
    from sklearn.model_selection import GridSearchCV

    X, y = _digits(450)
    X = X / 16
    grid = GridSearchCV(
        FFNNClassifier(max_iter=25, learning_rate_init=0.01, random_state=0),
        {"hidden_layer_sizes": [(8,), (32,)], "activation": ["relu", "tanh"]}, cv=3,
    )
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4 and grid.best_score_ > 0.85
    assert grid.best_params_["hidden_layer_sizes"] == (32,)  # 8 units learn 10 digits less well
    assert grid.best_estimator_.n_features_in_ == 64


def test_in_cross_val_score():
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (150, 2))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2
    scores = cross_val_score(FFNNRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01,
                                           max_iter=300, random_state=0), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8


# ---------------------------------------------------------------- labels, outputs, partial_fit
@pytest.mark.parametrize("names", [["cat", "dog"], ["cat", "dog", "emu"], [10, -3]])
def test_any_label_type(names):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    idx = (X[:, 0] > 0).astype(int) + (len(names) == 3) * (X[:, 1] > 0.5)
    y = np.array(names)[idx]
    clf = FFNNClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.05, max_iter=100, random_state=0).fit(X, y)
    assert list(clf.classes_) == sorted(names) and clf.predict(X).dtype == y.dtype
    assert set(clf.predict(X)) == set(names)
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert np.array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    head = clf.model_.activations[-1].name
    assert head == ("sigmoid" if len(names) == 2 else "softmax")


def test_multi_output_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    Y = np.column_stack([X[:, 0] + X[:, 1], X[:, 2] ** 2])
    reg = FFNNRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (200, 2) and reg.score(X, Y) > 0.9
    assert FFNNRegressor(max_iter=2).fit(X, Y[:, 0]).predict(X).shape == (200,)


def test_partial_fit_is_fit_one_epoch_at_a_time():
    X, y = _digits(300)
    kw = dict(hidden_layer_sizes=(16,), random_state=3, n_iter_no_change=100, shuffle=False)
    full = FFNNClassifier(max_iter=4, **kw).fit(X, y)
    part = FFNNClassifier(**kw)
    with pytest.raises(ValueError, match="classes must be passed"):
        part.partial_fit(X, y)
    for i in range(4):
        part.partial_fit(X, y, classes=np.arange(10) if i == 0 else None)
        # as MLPClassifier: n_iter_ counts the epochs of the last call, t_ every sample seen
        assert part.n_iter_ == 1 and part.t_ == (i + 1) * 300 and part._optimizer.iterations == (i + 1) * 2
    np.testing.assert_array_equal(part.model_.network.flat_params, full.model_.network.flat_params)
    assert part.loss_curve_ == full.loss_curve_
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        part.partial_fit(X[:5], np.array([0, 1, 2, 3, 11]))
    reg = FFNNRegressor(max_iter=1)
    reg.partial_fit(X, y.astype(float))
    reg.partial_fit(X, y.astype(float))
    assert reg.n_iter_ == 1 and reg.t_ == 600 and len(reg.loss_curve_) == 2


def test_early_stopping_monitors_the_validation_score_and_restores_the_best():
    X, y = _digits(500)
    tol, patience = 1e-4, 3
    clf = FFNNClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, early_stopping=True,
                         n_iter_no_change=patience, max_iter=200, random_state=0).fit(X / 16, y)
    scores = clf.validation_scores_
    assert clf.n_iter_ == len(scores) < 200 and clf.best_validation_score_ == max(scores)
    # the loop stopped once n_iter_no_change + 1 epochs brought no gain of tol over the best
    assert all(s < max(scores) + tol for s in scores[-patience - 1:])
    assert clf.best_loss_ is None and clf.history_.history["val_score"] == scores
    reg = FFNNRegressor(hidden_layer_sizes=(16,), early_stopping=True, max_iter=20, random_state=0)
    reg.fit(X / 16, y.astype(float))
    assert len(reg.validation_scores_) == reg.n_iter_ and reg.best_validation_score_ == max(reg.validation_scores_)


def test_our_extensions_reach_the_network():
    X, y = _digits(200)
    clf = FFNNClassifier(hidden_layer_sizes=(16, 8), activation=["gelu", "tanh"], init="he", rmsnorm=True,
                         regularization="l1", alpha=0.02, batch_size=50, solver="momentum",
                         lr_schedule={"name": "step", "step_size": 2, "gamma": 0.5}, dtype="float32",
                         max_iter=4, n_iter_no_change=100, random_state=0)
    with pytest.warns(Warning, match="Maximum iterations"):
        clf.fit(X, y)
    m = clf.model_
    assert [a.name for a in m.activations] == ["gelu", "tanh", "softmax"] and m.rmsnorm
    assert m.init.name == "he" and m.regularizer.name == "l1" and m.reg_lambda == pytest.approx(0.02 / 50)
    assert m.dtype == np.float32 and clf.predict_proba(X).dtype == np.float32
    assert clf.history_.history["learning_rate"] == pytest.approx([1e-3, 1e-3, 5e-4, 5e-4])
    assert clf._optimizer.get_config() == {"name": "momentum", "learning_rate": 5e-4, "momentum": 0.9,
                                           "nesterov": True, "convention": "sklearn"}
    assert FFNNClassifier(alpha=0, max_iter=1).fit(X, y).model_.regularizer is None


@pytest.mark.parametrize("param, value, match", [
    ("solver", "newton", "solver"), ("activation", ["relu", "relu"], "one activation per hidden layer"),
    ("hidden_layer_sizes", (0,), "hidden_layer_sizes"), ("alpha", -1, "alpha"), ("regularization", "l3", "regularization"),
    ("batch_size", 0, "batch_size"), ("max_iter", 0, "max_iter"),
])
def test_bad_settings_are_named_at_fit(param, value, match):
    X, y = _digits(50)
    clf = FFNNClassifier(**{param: value})  # the constructor only stores
    assert clf.get_params()[param] == value
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_pickle_round_trip_predicts_the_same_and_trains_on():
    import pickle

    X, y = _digits(200)
    clf = FFNNClassifier(hidden_layer_sizes=(16,), solver="adam", max_iter=3, random_state=0)
    with pytest.warns(Warning):
        clf.fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    clf.partial_fit(X, y)
    again.partial_fit(X, y)  # same optimiser state and generator: the same step
    np.testing.assert_array_equal(again.model_.network.flat_params, clf.model_.network.flat_params)


def test_import_ffnn_does_not_import_sklearn():
    import subprocess
    import sys

    code = "import sys, ffnn; assert 'sklearn' not in sys.modules; import ffnn.sklearn; assert 'sklearn' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
