"""Code written for ``MLPClassifier`` / ``MLPRegressor`` runs unchanged with ours swapped in.

Each scenario follows one behaviour that scikit-learn documents and tests for its MLP estimators
(``sklearn/neural_network/tests/test_mlp.py``, rewritten here). Every scenario runs on both
pairs of estimators: scikit-learn's shows that the scenario states scikit-learn's behaviour,
ours that we have it.
"""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_digits, load_iris, make_multilabel_classification, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, scale  # noqa: E402

from ffnn.sklearn import FFNNClassifier, FFNNRegressor  # noqa: E402

IMPLS = {"sklearn": (MLPClassifier, MLPRegressor), "ffnn": (FFNNClassifier, FFNNRegressor)}


@pytest.fixture(params=list(IMPLS))
def impl(request):
    """``(Classifier, Regressor)``: scikit-learn's and ours."""
    return IMPLS[request.param]


def _digits(n_class: int, n: int = 200):
    X, y = load_digits(n_class=n_class, return_X_y=True)
    return MinMaxScaler().fit_transform(X[:n]), y[:n]


X_BIN, Y_BIN = _digits(2)
X_MULTI, Y_MULTI = _digits(3)
X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_REG, Y_REG = make_regression(n_samples=200, n_features=10, bias=20.0, noise=100.0, random_state=7)
Y_REG = scale(Y_REG)
quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_signatures_match_scikit_learns():
    """Every parameter of scikit-learn's estimators, in the same place, with the same default."""
    import inspect

    for mlp, ours in [(MLPClassifier, FFNNClassifier), (MLPRegressor, FFNNRegressor)]:
        theirs = inspect.signature(mlp).parameters
        mine = inspect.signature(ours).parameters
        assert list(mine)[: len(theirs)] == list(theirs)
        for name, p in theirs.items():
            assert (mine[name].default, mine[name].kind) == (p.default, p.kind), name


@quiet
def test_larger_alpha_gives_smaller_weights(impl):
    Classifier, _ = impl
    sums = [Classifier(hidden_layer_sizes=10, alpha=a, random_state=1).fit(X_BIN[:100], Y_BIN[:100]).coefs_
            for a in (0, 1)]
    assert all(np.abs(w0).sum() > np.abs(w1).sum() for w0, w1 in zip(*sums))


def test_weights_set_by_hand_train_on_as_worked_out(impl):
    """coefs_ / intercepts_ set on an unfitted estimator are where partial_fit starts.

    h = sigmoid(x W1 + b1) = (0.679179, 0.574443); o = sigmoid(h W2 + b2) = 0.765433; the
    output delta is o - y = 0.765433 and one SGD step at rate 0.1 with alpha 0.1 gives
    W1 = [[0.098, 0.195756], [0.2956664, 0.096008], [0.4939998, -0.002244]], b2 = 0.9235.
    """
    Classifier, _ = impl
    X, y = np.array([[0.6, 0.8, 0.7]]), np.array([0])
    mlp = Classifier(solver="sgd", learning_rate_init=0.1, alpha=0.1, activation="logistic", random_state=1,
                     max_iter=1, hidden_layer_sizes=2, momentum=0)
    mlp.coefs_ = [0] * 2
    mlp.intercepts_ = [0] * 2
    mlp.coefs_[0] = np.array([[0.1, 0.2], [0.3, 0.1], [0.5, 0]])
    mlp.coefs_[1] = np.array([[0.1], [0.2]])
    mlp.intercepts_[0] = np.array([0.1, 0.1])
    mlp.intercepts_[1] = np.array([1.0])
    # what scikit-learn's own test also sets by hand (our estimator needs none of it)
    mlp.n_outputs_, mlp.n_layers_, mlp.n_features_in_, mlp.out_activation_ = 1, 3, 3, "logistic"
    mlp.n_iter_, mlp.t_, mlp.best_loss_, mlp.loss_curve_, mlp._no_improvement_count = 0, 0, np.inf, [], 0
    mlp.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_almost_equal(mlp.coefs_[0], [[0.098, 0.195756], [0.2956664, 0.096008],
                                                   [0.4939998, -0.002244]], decimal=3)
    np.testing.assert_almost_equal(mlp.coefs_[1], [[0.04706], [0.154089]], decimal=3)
    np.testing.assert_almost_equal(mlp.intercepts_[0], [0.098333, 0.09626], decimal=3)
    np.testing.assert_almost_equal(mlp.intercepts_[1], [0.9235], decimal=3)
    np.testing.assert_almost_equal(mlp.predict_proba(X)[0, 1], 0.739, decimal=3)


def test_coefs_of_a_fitted_estimator_can_be_edited_and_set(impl):
    Classifier, _ = impl
    clf = Classifier(hidden_layer_sizes=4, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_BIN[:60], Y_BIN[:60])
    clf.coefs_[1][...] = 0  # in place
    clf.intercepts_ = [clf.intercepts_[0], np.array([3.0])]  # the list
    np.testing.assert_allclose(clf.predict_proba(X_BIN[:3])[:, 1], 1 / (1 + np.exp(-3)))


@pytest.mark.parametrize("X, y", [(X_MULTI, Y_MULTI), (X_BIN, Y_BIN)], ids=["multiclass", "binary"])
def test_lbfgs_classification(impl, X, y):
    Classifier, _ = impl
    for activation in ["identity", "logistic", "tanh", "relu"]:
        mlp = Classifier(solver="lbfgs", hidden_layer_sizes=50, max_iter=150, random_state=1, activation=activation)
        mlp.fit(X[:150], y[:150])
        assert mlp.score(X[:150], y[:150]) > 0.95
        assert mlp.predict(X[150:]).dtype.kind == y.dtype.kind and not hasattr(mlp, "loss_curve_")


def test_lbfgs_regression_and_max_fun(impl):
    _, Regressor = impl
    mlp = Regressor(solver="lbfgs", hidden_layer_sizes=50, max_iter=200, tol=1e-3, random_state=1, activation="tanh")
    assert mlp.fit(X_REG, Y_REG).score(X_REG, Y_REG) > 0.98
    mlp = Regressor(solver="lbfgs", hidden_layer_sizes=50, tol=0.0, max_iter=150, max_fun=10, random_state=1)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        mlp.fit(X_REG, Y_REG)
    assert mlp.n_iter_ <= 10


@quiet
def test_learning_rate_schedules_across_warm_starts(impl):
    Classifier, _ = impl
    X, y = [[3, 2], [1, 6], [5, 6], [-2, -4]], [1, 1, 1, 0]
    for schedule in ["invscaling", "constant"]:
        mlp = Classifier(solver="sgd", hidden_layer_sizes=4, learning_rate=schedule, max_iter=1, power_t=0.25,
                         warm_start=True, random_state=0)
        mlp.fit(X, y)
        before = mlp._optimizer.learning_rate
        mlp.fit(X, y)
        after = mlp._optimizer.learning_rate
        if schedule == "constant":
            assert before == after
        else:  # t_ counts every sample seen: 8 after two fits of 4
            assert after == mlp.learning_rate_init / pow(8 + 1, mlp.power_t)


@quiet
def test_adaptive_learning_rate_divides_until_too_small(impl):
    Classifier, _ = impl
    clf = Classifier(tol=0.5, max_iter=3000, solver="sgd", learning_rate="adaptive", random_state=0)
    clf.fit([[3, 2], [1, 6]], [1, 0])
    assert clf.n_iter_ < clf.max_iter and clf._optimizer.learning_rate < 1e-6


def test_multilabel_classification(impl):
    Classifier, _ = impl
    X, Y = make_multilabel_classification(n_samples=50, random_state=0, return_indicator=True)
    mlp = Classifier(solver="lbfgs", hidden_layer_sizes=50, alpha=1e-5, max_iter=150, random_state=0,
                     activation="logistic")
    assert mlp.fit(X, Y).score(X, Y) > 0.97
    assert mlp.predict(X).shape == Y.shape and set(np.unique(mlp.predict(X))) <= {0, 1}
    proba = mlp.predict_proba(X)
    assert proba.shape == Y.shape and (np.abs(proba.sum(axis=1) - 1) > 1e-3).any()  # no softmax
    with np.errstate(divide="ignore"):  # a saturated logistic unit gives exactly 0
        np.testing.assert_allclose(mlp.predict_log_proba(X), np.log(proba))
    mlp = Classifier(solver="sgd", hidden_layer_sizes=50, random_state=0, activation="logistic", alpha=1e-5,
                     learning_rate_init=0.2)
    for _ in range(100):
        mlp.partial_fit(X, Y, classes=[0, 1, 2, 3, 4])
    assert mlp.score(X, Y) > 0.9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Classifier(early_stopping=True, max_iter=5).fit(X, Y).predict(X)  # multi-label: not stratified


def test_multioutput_regression(impl):
    _, Regressor = impl
    X, Y = make_regression(n_samples=200, n_targets=5, random_state=11)
    mlp = Regressor(solver="lbfgs", hidden_layer_sizes=50, max_iter=200, tol=1e-2, random_state=1).fit(X, Y)
    assert mlp.score(X, Y) > 0.9 and mlp.predict(X).shape == (200, 5)


def test_partial_fit_class_rules(impl):
    Classifier, _ = impl
    clf = Classifier(solver="sgd")
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        clf.partial_fit([[3, 2]], [0])
    clf.partial_fit([[3, 2]], [0], classes=[0, 1])
    with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
        clf.partial_fit([[3, 2]], [0], classes=[1, 2])
    with pytest.raises(ValueError, match=re.escape("`y` has classes not in `self.classes_`")):
        Classifier(solver="sgd").partial_fit([[3, 2], [1, 6]], [1, 0], classes=[2])
    assert not hasattr(Classifier(solver="lbfgs"), "partial_fit")
    clf = Classifier(random_state=0)
    clf.partial_fit([[1], [2], [3]], ["a", "b", "c"], classes=["a", "b", "c", "d"])
    clf.partial_fit([[4]], ["d"])  # a class first seen now, announced in classes
    assert clf.score([[1], [2], [3], [4]], ["a", "b", "c", "d"]) > 0


@quiet
def test_partial_fit_gives_what_fit_gives(impl):
    Classifier, Regressor = impl
    for X, y in [(X_MULTI, Y_MULTI), (X_BIN, Y_BIN)]:
        pred = Classifier(solver="sgd", max_iter=100, random_state=1, tol=0, alpha=1e-5,
                          learning_rate_init=0.2).fit(X, y).predict(X)
        mlp = Classifier(solver="sgd", random_state=1, alpha=1e-5, learning_rate_init=0.2)
        for _ in range(100):
            mlp.partial_fit(X, y, classes=np.unique(y))
        np.testing.assert_array_equal(mlp.predict(X), pred)
        assert mlp.n_iter_ == 1 and mlp.t_ == 100 * len(X)
    for momentum in [0, 0.9]:
        kw = dict(solver="sgd", activation="relu", random_state=1, learning_rate_init=0.01,
                  batch_size=X_REG.shape[0], momentum=momentum)
        pred = Regressor(max_iter=100, **kw).fit(X_REG, Y_REG).predict(X_REG)
        mlp = Regressor(**kw)
        for _ in range(100):
            mlp.partial_fit(X_REG, Y_REG)
        np.testing.assert_allclose(mlp.predict(X_REG), pred)
        assert mlp.score(X_REG, Y_REG) > 0.65


def test_non_finite_weights_raise_scikit_learns_error(impl):
    _, Regressor = impl
    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    msg = "Solver produced non-finite parameter weights. The input data may contain large values"
    with pytest.raises(ValueError, match=msg), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):  # scikit-learn's own arithmetic overflows on the way
            Regressor().fit(X, rng.standard_normal(size=10))


@quiet
def test_predict_proba(impl):
    Classifier, _ = impl
    for X, y in [(X_BIN[:50], Y_BIN[:50]), (X_MULTI[:10], Y_MULTI[:10])]:
        clf = Classifier(hidden_layer_sizes=5, activation="logistic", random_state=1).fit(X, y)
        proba = clf.predict_proba(X)
        assert proba.shape == (len(y), len(np.unique(y)))
        np.testing.assert_array_equal(proba.argmax(axis=1), clf.predict_log_proba(X).argmax(axis=1))
        np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))


@quiet
def test_shuffle_changes_the_steps_and_nothing_else_does(impl):
    _, Regressor = impl
    X, y = make_regression(n_samples=50, n_features=5, n_targets=1, random_state=0)
    kw = dict(hidden_layer_sizes=1, max_iter=1, batch_size=1, random_state=0)
    for shuffle in [True, False]:
        a, b = Regressor(shuffle=shuffle, **kw).fit(X, y), Regressor(shuffle=shuffle, **kw).fit(X, y)
        np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    a, b = Regressor(shuffle=True, **kw).fit(X, y), Regressor(shuffle=False, **kw).fit(X, y)
    assert not np.array_equal(a.coefs_[0], b.coefs_[0])


def test_sparse_input_gives_dense_results(impl):
    import scipy.sparse as sp

    Classifier, _ = impl
    X, y = X_BIN[:50], Y_BIN[:50]
    for container in (sp.csr_matrix, sp.csr_array, sp.csc_matrix):
        mlp = Classifier(solver="lbfgs", hidden_layer_sizes=15, random_state=1)
        dense = mlp.fit(X, y).predict_proba(X)
        sparse = mlp.fit(container(X), y).predict_proba(container(X))
        np.testing.assert_allclose(sparse, dense, rtol=1e-7, atol=1e-10)
        np.testing.assert_array_equal(mlp.predict(X), mlp.predict(container(X)))


@quiet
def test_tol_n_iter_no_change_and_inf(impl):
    Classifier, _ = impl
    clf = Classifier(tol=0.5, max_iter=3000, solver="sgd", random_state=0).fit([[3, 2], [1, 6]], [1, 0])
    assert clf.n_iter_ < clf.max_iter
    for n in [2, 10]:
        clf = Classifier(tol=0.01, max_iter=3000, solver="sgd", n_iter_no_change=n, random_state=0)
        clf.fit(X_BIN[:100], Y_BIN[:100])
        assert clf._no_improvement_count == n + 1 and clf.n_iter_ < 3000
    clf = Classifier(tol=1e9, max_iter=300, solver="sgd", n_iter_no_change=np.inf, random_state=0)
    clf.fit(X_BIN[:100], Y_BIN[:100])
    assert clf.n_iter_ == 300 and clf._no_improvement_count == clf.n_iter_ - 1


@quiet
def test_verbose_prints_scikit_learns_lines(impl, capsys):
    Classifier, _ = impl
    clf = Classifier(solver="sgd", max_iter=2, verbose=10, hidden_layer_sizes=2, random_state=0)
    clf.fit([[3, 2], [1, 6]], [1, 0])
    clf.partial_fit([[3, 2], [1, 6]], [1, 0])
    out = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in out] == ["Iteration 1", "Iteration 2", "Iteration 1"]
    assert re.fullmatch(r"Iteration 1, loss = \d+\.\d{8}", out[0])
    Classifier(max_iter=30, early_stopping=True, verbose=True, n_iter_no_change=2, tol=0.5,
               random_state=0).fit(X_BIN, Y_BIN)
    out = capsys.readouterr().out
    assert "Validation score: " in out and "did not improve more than tol=0.500000 for 2 consecutive epochs. Stopping." in out


@pytest.mark.parametrize("which", [0, 1], ids=["classifier", "regressor"])
def test_early_stopping(impl, which):
    Estimator = impl[which]
    est = Estimator(tol=0.2, max_iter=3000, solver="sgd", early_stopping=True, random_state=0)
    est.fit(X_BIN[:100], Y_BIN[:100])
    assert est.n_iter_ < est.max_iter and est.best_loss_ is None and isinstance(est.validation_scores_, list)
    best = est.best_validation_score_
    assert max(est.validation_scores_) == best and best + 0.2 > est.validation_scores_[-2]
    est = Estimator(tol=0.2, max_iter=3000, solver="sgd", random_state=0).fit(X_BIN[:100], Y_BIN[:100])
    assert est.validation_scores_ is None and est.best_validation_score_ is None and est.best_loss_ is not None


@quiet
def test_warm_start_rules(impl):
    Classifier, Regressor = impl
    y3 = np.array([0] * 40 + [1] * 40 + [2] * 70)
    clf = Classifier(hidden_layer_sizes=2, solver="lbfgs", warm_start=True, random_state=42, tol=1e-2)
    clf.fit(X_IRIS, Y_IRIS).fit(X_IRIS, Y_IRIS).fit(X_IRIS, y3)
    for y in (np.array([0] * 75 + [1] * 75), np.array([0] * 50 + [1] * 50 + [3] * 50)):
        clf = Classifier(hidden_layer_sizes=2, solver="lbfgs", warm_start=True, random_state=42, tol=1e-2)
        clf.fit(X_IRIS, Y_IRIS)
        msg = ("warm_start can only be used where `y` has the same classes as in the previous call to fit. "
               f"Previously got [0 1 2], `y` has {np.unique(y)}")
        with pytest.raises(ValueError, match=re.escape(msg)):
            clf.fit(X_IRIS, y)
    for Estimator in (Classifier, Regressor):  # each warm fit runs max_iter epochs, counted afresh
        est = Estimator(hidden_layer_sizes=2, solver="sgd", warm_start=True, max_iter=3, random_state=0)
        est.fit(X_IRIS, Y_IRIS)
        assert est.n_iter_ == 3
        est.fit(X_IRIS, Y_IRIS)
        assert est.n_iter_ == 3 and est.t_ == 6 * 150 and len(est.loss_curve_) == 6
        est = Estimator(max_iter=10, random_state=0, warm_start=True, early_stopping=True).fit(X_IRIS, Y_IRIS)
        n_scores = len(est.validation_scores_)
        est.set_params(max_iter=20).fit(X_IRIS, Y_IRIS)
        assert len(est.validation_scores_) > n_scores


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_warm_start_stops_at_max_iter_with_a_warning(impl, solver):
    for Estimator in impl:
        est = Estimator(solver=solver, warm_start=True, max_iter=10, n_iter_no_change=np.inf, random_state=0)
        with pytest.warns(ConvergenceWarning):
            est.fit(X_IRIS, Y_IRIS)
        assert est.n_iter_ == 10
        est.set_params(max_iter=20)
        with pytest.warns(ConvergenceWarning):
            est.fit(X_IRIS, Y_IRIS)
        assert est.n_iter_ == 20


def test_no_convergence_warning_when_stopped_early(impl):
    Classifier, _ = impl
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        Classifier(tol=0.5, max_iter=3000, solver="sgd", random_state=0).fit([[3, 2], [1, 6]], [1, 0])
        Classifier(solver="sgd", max_iter=1, random_state=0).partial_fit([[3, 2], [1, 6]], [1, 0], classes=[0, 1])


def test_early_stopping_errors(impl):
    Classifier, Regressor = impl
    with pytest.raises(ValueError, match=r"The least populated classes in y have only 1 member.*\['True'\]"):
        Classifier(early_stopping=True).fit([[1, 2], [2, 3], [3, 4], [4, 5]], [0, 0, 0, 1])
    X, y = make_regression(n_samples=2, n_features=5, random_state=0)
    with pytest.raises(ValueError, match="The validation set is too small"):
        Regressor(early_stopping=True, random_state=0).fit(X, y)
    for Estimator in impl:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = Estimator(early_stopping=True, random_state=0, max_iter=5).fit(X_IRIS, Y_IRIS)
        with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
            est.partial_fit(X_IRIS, Y_IRIS)


def test_early_stopping_with_string_labels_and_sample_weight(impl):
    Classifier, Regressor = impl
    y = np.array(["class_a", "class_b", "class_c"], dtype=object)[Y_MULTI]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = Classifier(early_stopping=True, max_iter=20, random_state=42).fit(X_MULTI, y)
    assert len(mlp.validation_scores_) == mlp.n_iter_ and np.isfinite(mlp.validation_scores_).all()
    X, y = make_regression(n_samples=100, n_features=2, n_informative=2, random_state=42)
    kw = dict(hidden_layer_sizes=10, early_stopping=True, tol=1e-2, learning_rate_init=0.01, batch_size=10,
              random_state=42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = Regressor(**kw).fit(X, y, sample_weight=np.ones_like(y))
        plain = Regressor(**kw).fit(X, y)
    np.testing.assert_allclose(weighted.predict(X), plain.predict(X))


def test_diverging_run_with_early_stopping_keeps_its_best_weights(impl):
    _, Regressor = impl
    mlp = Regressor(hidden_layer_sizes=100, activation="identity", solver="sgd", learning_rate_init=1,
                    max_iter=20, early_stopping=True, random_state=0)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        mlp.fit(X_IRIS, Y_IRIS)
    assert str(mlp.validation_scores_[-1]) == "nan" and isinstance(mlp.validation_scores_[-1], float)
    assert np.isfinite(mlp.predict(X_IRIS)).all()


@quiet
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_input_dtype_is_the_weights_and_predictions_dtype(impl, dtype):
    X, y = load_digits(return_X_y=True)
    for Estimator in impl:
        mlp = Estimator(alpha=1e-5, hidden_layer_sizes=(5, 3), random_state=1, max_iter=50, tol=1e-1)
        mlp.fit(X[:300].astype(dtype), y[:300])
        assert all(c.dtype == dtype for c in mlp.coefs_) and all(b.dtype == dtype for b in mlp.intercepts_)
        assert mlp.predict_proba(X[300:].astype(dtype)).dtype == dtype if hasattr(mlp, "predict_proba") else \
            mlp.predict(X[300:].astype(dtype)).dtype == dtype


@quiet
def test_float32_and_float64_predict_alike(impl):
    Classifier, _ = impl
    X, y = load_digits(return_X_y=True)
    kw = dict(alpha=1e-5, hidden_layer_sizes=(5, 3), random_state=1, max_iter=100, tol=1e-1)
    m64 = Classifier(**kw).fit(X[:300], y[:300])
    m32 = Classifier(**kw).fit(X[:300].astype(np.float32), y[:300])
    np.testing.assert_array_equal(m64.predict(X[300:]), m32.predict(X[300:].astype(np.float32)))
    np.testing.assert_allclose(m64.predict_proba(X[300:]), m32.predict_proba(X[300:].astype(np.float32)), rtol=1e-2)


def test_pickled_estimator_fine_tunes_with_partial_fit(impl, tmp_path):
    _, Regressor = impl
    est = Regressor(hidden_layer_sizes=(42,), random_state=42, learning_rate_init=0.01, max_iter=200)
    est.fit([[2]], [4])
    again = pickle.loads(pickle.dumps(est))
    for _ in range(200):
        again.partial_fit([[2]], [1])
    np.testing.assert_allclose(again.predict([[2]]), [1], rtol=1e-4)


def test_poisson_loss_matches_a_poisson_glm(impl):
    from sklearn.linear_model import PoissonRegressor

    _, Regressor = impl
    rng = np.random.default_rng(0)
    X = np.linspace(0, 1, 100).reshape(-1, 1)
    y = rng.poisson(np.exp(X[:, 0] + 1))
    glm = PoissonRegressor(alpha=0, tol=1e-7).fit(X, y)
    mlp = Regressor(loss="poisson", hidden_layer_sizes=(1,), activation="identity", alpha=0, solver="lbfgs",
                    tol=1e-7, random_state=np.random.RandomState(1)).fit(X, y)
    np.testing.assert_allclose(mlp.predict(X), glm.predict(X), rtol=1e-4)
    assert mlp.out_activation_ == "exp"


def test_common_errors_have_scikit_learns_messages(impl):
    Classifier, _ = impl
    X, y = X_BIN[:20], Y_BIN[:20]
    name = Classifier.__name__
    for params, msg in [
        ({"solver": "newton"}, f"The 'solver' parameter of {name} must be a str among"),
        ({"alpha": -1}, f"The 'alpha' parameter of {name} must be a float in the range [0.0, inf). Got -1 instead."),
        ({"batch_size": 0}, f"The 'batch_size' parameter of {name} must be a str among {{'auto'}} or an int"),
        ({"n_iter_no_change": 0}, f"The 'n_iter_no_change' parameter of {name} must be an int in the range [1, inf)"),
        ({"momentum": 2}, f"The 'momentum' parameter of {name} must be a float in the range [0.0, 1.0]."),
        ({"validation_fraction": 1.0}, f"The 'validation_fraction' parameter of {name} must be a float in the range"),
        ({"learning_rate": "x"}, f"The 'learning_rate' parameter of {name} must be a str among"),
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes must be > 0, got [0]."),
    ]:
        with pytest.raises(ValueError, match=re.escape(msg)):
            Classifier(**params).fit(X, y)
    with pytest.warns(UserWarning, match="Got `batch_size` less than 1 or larger than sample size"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Classifier(batch_size=100, max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match=re.escape("sample_weight.shape == (3,), expected (20,)!")):
        Classifier().fit(X, y, sample_weight=[1, 2, 3])
