"""What our estimators add to scikit-learn's MLP: class_weight, dropout, batch normalisation,
ffnn's pictures of ``model_``, pickling of every head, sparse input that is never densified."""

from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.utils.class_weight import compute_class_weight  # noqa: E402

from ffnn import layers as L  # noqa: E402
from ffnn.sklearn import FFNNClassifier, FFNNRegressor  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

_rng = np.random.default_rng(0)
X = _rng.normal(size=(150, 4))
Y3 = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1)  # classes 0, 1, 2 of very different sizes
NAMES = np.array(["ant", "bee", "cow"])[Y3]
KW = dict(hidden_layer_sizes=(8,), solver="sgd", batch_size=50, max_iter=5, random_state=0)


def _same_weights(a, b):
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_allclose(p, q, rtol=0, atol=1e-12)


@pytest.mark.parametrize("class_weight", [{"ant": 1.0, "bee": 3.0, "cow": 0.5}, {"cow": 4.0}, "balanced"])
def test_class_weight_is_sample_weight_per_class(class_weight):
    """LogisticRegression's rule: each row's weight is its class's (dict: 1 for a class not named)."""
    clf = FFNNClassifier(class_weight=class_weight, **KW).fit(X, NAMES)
    per_class = compute_class_weight(class_weight, classes=np.unique(NAMES), y=NAMES)
    weighted = FFNNClassifier(**KW).fit(X, NAMES, sample_weight=per_class[Y3])
    _same_weights(clf, weighted)
    both = FFNNClassifier(class_weight=class_weight, **KW).fit(X, NAMES, sample_weight=np.full(150, 2.0))
    _same_weights(both, FFNNClassifier(**KW).fit(X, NAMES, sample_weight=2 * per_class[Y3]))


def test_balanced_class_weight_lifts_the_small_class():
    kw = {**KW, "max_iter": 60, "solver": "adam", "learning_rate_init": 0.01}
    plain = FFNNClassifier(**kw).fit(X, Y3)
    balanced = FFNNClassifier(class_weight="balanced", **kw).fit(X, Y3)
    small = Y3 == 2
    assert (balanced.predict(X)[small] == 2).mean() > (plain.predict(X)[small] == 2).mean()


def test_class_weight_errors():
    clf = FFNNClassifier(class_weight="balanced", **KW)
    with pytest.raises(ValueError, match="class_weight 'balanced' is not supported for partial_fit"):
        clf.partial_fit(X, Y3, classes=[0, 1, 2])
    FFNNClassifier(class_weight={0: 2.0}, **KW).partial_fit(X, Y3, classes=[0, 1, 2])  # a dict is fine
    with pytest.raises(ValueError, match="not supported for multi-label"):
        FFNNClassifier(class_weight="balanced", **KW).fit(X, np.column_stack([Y3 == 1, Y3 == 2]))
    with pytest.raises(ValueError, match="class_weight"):
        FFNNClassifier(class_weight="heavy", **KW).fit(X, Y3)


def test_dropout_and_batchnorm_reach_the_network_and_predict_deterministically():
    kw = {**KW, "hidden_layer_sizes": (16, 8), "dropout": 0.2, "batchnorm": True}
    clf = FFNNClassifier(**kw).fit(X, Y3)
    kinds = [type(layer) for layer in clf.model_.network.layers]
    assert kinds == [L.Dense, L.BatchNorm, L.Activation, L.Dropout] * 2 + [L.Dense, L.Activation]
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))  # dropout is off in predict
    _same_weights(clf, FFNNClassifier(**kw).fit(X, Y3))  # the masks come from random_state too
    with pytest.raises(ValueError, match="dropout needs a stochastic solver"):
        FFNNClassifier(dropout=0.1, solver="lbfgs").fit(X, Y3)


def test_pictures_of_a_fitted_estimator():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ffnn import viz

    clf = FFNNClassifier(**KW).fit(X, Y3)
    assert clf.model_.history is clf.history_ and len(clf.history_.epoch) == clf.n_iter_
    for fig in (viz.plot_network(clf.model_), viz.plot_history(clf.history_),
                viz.plot_weight_distribution(clf.model_)):
        assert fig.axes
        plt.close(fig)


@pytest.mark.parametrize("est", [
    FFNNRegressor(loss="poisson", **KW),
    FFNNClassifier(batchnorm=True, dropout=0.1, **KW),
    FFNNClassifier(momentum=1.0, **KW),
    FFNNClassifier(**{**KW, "solver": "lbfgs"}),
], ids=["poisson", "batchnorm and dropout", "momentum=1", "lbfgs"])
def test_pickle_round_trip_predicts_the_same_and_trains_on(est):
    y = np.abs(X[:, 0]).round() if isinstance(est, FFNNRegressor) else Y3
    est.fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    if hasattr(est, "partial_fit"):
        est.partial_fit(X, y)
        again.partial_fit(X, y)
        np.testing.assert_array_equal(again.model_.network.flat_params, est.model_.network.flat_params)


def test_wide_sparse_input_is_never_densified():
    """300 x 100,000 at density 1e-4: 240 MB dense, far more than fitting and predicting use."""
    import scipy.sparse as sp

    rows, cols = _rng.integers(0, 300, 3000), _rng.integers(0, 100_000, 3000)
    X_wide = sp.csr_matrix((_rng.uniform(size=3000), (rows, cols)), shape=(300, 100_000))
    sums = np.asarray(X_wide.sum(axis=1)).ravel()
    y = sums > np.median(sums)
    tracemalloc.start()
    try:
        clf = FFNNClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X_wide, y)
        clf.predict_proba(X_wide)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 60e6, f"peak {peak / 1e6:.0f} MB"


def test_extension_settings_are_checked():
    with pytest.raises(ValueError, match="lr_schedule and learning_rate='invscaling'"):
        FFNNClassifier(lr_schedule="cosine", learning_rate="invscaling", **KW).fit(X, Y3)
    with pytest.raises(ValueError, match="The 'dropout' parameter"):
        FFNNClassifier(dropout=1.0).fit(X, Y3)
    with pytest.raises(ValueError, match="unknown initializer"):
        FFNNClassifier(init="nope", **KW).fit(X, Y3)
    with pytest.raises(ValueError, match="Some value\\(s\\) of y are negative"):
        FFNNRegressor(loss="poisson").fit(X, X[:, 0])
    assert FFNNClassifier().loss == "log_loss"
    # another initialiser draws from random_state too: reproducible
    _same_weights(FFNNClassifier(init="he", **KW).fit(X, Y3), FFNNClassifier(init="he", **KW).fit(X, Y3))
