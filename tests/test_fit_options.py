"""Your own data: any labels, regression in the user's units, weights, validation split,
metrics, resuming, and the warnings that say when training goes wrong."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ffnn
from ffnn import layers as L
from ffnn.diagnostics import TrainingWarning


def _blobs(n=120, k=3, seed=0, spread=0.5):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, size=(k, 2))
    idx = rng.integers(0, k, n)
    return centres[idx] + rng.normal(0, spread, size=(n, 2)), idx


@pytest.mark.parametrize("labels", [
    np.array(["setosa", "versicolor", "virginica"]),
    np.array([1, 2, 3]),
    np.array([10, 20, 40]),
    np.array([-1.0, 0.0, 1.0]),
], ids=["names", "1..k", "gaps", "floats"])
def test_any_labels_train_and_come_back_as_given(labels, tmp_path):
    X, idx = _blobs()
    y = labels[idx]
    m = ffnn.FFNN([2, 16, 3], ["relu", "softmax"], "cce", seed=0)
    m.fit(X, y, epochs=30, batch_size=16, learning_rate=0.1, verbose=0)
    np.testing.assert_array_equal(m.classes_, np.sort(labels))
    predicted = m.predict_classes(X)
    assert set(predicted.tolist()) <= set(labels.tolist())
    assert np.mean(predicted == y) > 0.9
    assert m.evaluate(X, y)["accuracy"] == pytest.approx(np.mean(predicted == y))
    m.save(tmp_path / "m.npz")
    loaded = ffnn.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict_classes(X), predicted)
    with pytest.raises(ValueError, match="not among the model's classes"):
        m.evaluate(X[:2], np.array([labels[0], "nope"] if labels.dtype.kind == "U" else [labels[0], 99]))


@pytest.mark.parametrize("pair", [(-1, 1), (False, True), ("no", "yes")], ids=["pm1", "bool", "names"])
def test_two_classes_on_one_sigmoid_unit(pair):
    X, idx = _blobs(k=2)
    y = np.array(pair)[idx]
    m = ffnn.FFNN([2, 8, 1], ["tanh", "sigmoid"], "bce", seed=0)
    m.fit(X, y, epochs=30, batch_size=16, learning_rate=0.3, verbose=0)
    assert list(m.classes_) == sorted(pair)
    assert np.mean(m.predict_classes(X) == y) > 0.9
    assert m.predict_proba(X).shape == (len(X), 1)


def test_integer_unit_indices_keep_their_meaning():
    X, idx = _blobs()
    m = ffnn.FFNN([2, 8, 4], ["relu", "softmax"], "cce", seed=0)  # class 3 never appears
    m.fit(X, idx, epochs=2, verbose=0)
    np.testing.assert_array_equal(m.classes_, [0, 1, 2, 3])


def test_too_many_classes_for_the_output_says_what_to_change():
    X, idx = _blobs(k=3)
    with pytest.raises(ValueError, match=r"3 classes \['a', 'b', 'c'\].*2 unit.*layer_sizes\[-1\] = 3"):
        ffnn.FFNN([2, 2], ["softmax"], "cce").fit(X, np.array(["a", "b", "c"])[idx], verbose=0)


def test_regression_with_standardised_targets_predicts_in_the_user_units(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3)) * [1, 50, 0.1] + [0, 100, 5]
    y = 150 + 30 * (X[:, 0]) + 0.4 * (X[:, 1] - 100) + rng.normal(0, 1, 400)
    m = ffnn.FFNN([3, 32, 1], ["relu", "linear"], "mse", seed=0, standardize=True, dtype="float64")
    m.fit(X, y, epochs=60, batch_size=32, learning_rate=0.05, verbose=0)
    result = m.evaluate(X, y)
    assert set(result) == {"loss", "mae", "rmse", "r2"}
    assert result["r2"] > 0.95 and result["mae"] < 10  # in the target's units (y spans ~200)
    pred = m.predict(X)[:, 0]
    assert abs(pred.mean() - y.mean()) < 3
    m.save(tmp_path / "m.npz")
    assert ffnn.load(tmp_path / "m.npz").predict(X).tobytes() == m.predict(X).tobytes()


def test_zero_sample_weights_equal_dropping_those_rows():
    X, idx = _blobs(n=40)
    keep = np.arange(40) % 3 != 0
    w = keep.astype(float)

    def trained(X_, y_, sw=None):
        m = ffnn.FFNN([2, 6, 3], ["tanh", "softmax"], "cce", seed=0, dtype="float64")
        m.fit(X_, y_, epochs=5, batch_size=len(X_), learning_rate=0.5, shuffle=False, verbose=0, sample_weight=sw)
        return m.network.flat_params

    np.testing.assert_allclose(trained(X, idx, w), trained(X[keep], idx[keep]), rtol=1e-12, atol=1e-14)


def test_balanced_class_weight_raises_minority_recall():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(0, 1, (380, 2)), rng.normal(1.2, 1, (20, 2))])
    y = np.r_[np.zeros(380, int), np.ones(20, int)]

    def recall(**kw):
        m = ffnn.FFNN([2, 8, 2], ["relu", "softmax"], "cce", seed=0)
        with warnings.catch_warnings():  # the plain run may be told it does no better than the prior
            warnings.simplefilter("ignore", TrainingWarning)
            m.fit(X, y, epochs=20, batch_size=32, learning_rate=0.1, verbose=0, **kw)
        return ffnn.metrics.get("recall")(m.predict(X), np.eye(2)[y], y), np.mean(m.predict_classes(X)[y == 1] == 1)

    _, plain = recall()
    _, balanced = recall(class_weight="balanced")
    assert balanced > plain + 0.2, (plain, balanced)


def test_resuming_after_save_and_load_is_bit_exact(tmp_path):
    X, idx = _blobs(n=90)
    straight = ffnn.FFNN([2, 8, 3], ["relu", "softmax"], "cce", seed=3)
    straight.fit(X, idx, epochs=4, batch_size=16, optimizer="adam", learning_rate=0.01, verbose=0)
    part = ffnn.FFNN([2, 8, 3], ["relu", "softmax"], "cce", seed=3)
    part.fit(X, idx, epochs=2, batch_size=16, optimizer="adam", learning_rate=0.01, verbose=0)
    part.save(tmp_path / "m.npz")
    resumed = ffnn.load(tmp_path / "m.npz")
    h = resumed.fit(X, idx, epochs=2, batch_size=16, verbose=0)  # no optimiser named: Adam continues
    assert resumed.network.flat_params.tobytes() == straight.network.flat_params.tobytes()
    assert h.epoch == [2, 3] and resumed.history.epoch == [0, 1, 2, 3]
    assert resumed.history["loss"] == straight.history["loss"]
    assert resumed.optimizer.get_config()["name"] == "adam"


def test_validation_split_is_stratified_and_taken_before_shuffling():
    X, idx = _blobs(n=100)
    m = ffnn.FFNN([2, 8, 3], ["relu", "softmax"], "cce", seed=0)
    h = m.fit(X, idx, epochs=2, validation_split=0.2, verbose=0)
    assert h.params["n_samples"] in range(78, 83) and "val_loss" in h.history
    from ffnn.fitting import split_validation

    train, val = split_validation(100, 0.2, idx)
    for c in range(3):
        members = np.flatnonzero(idx == c)
        assert np.isin(members[-round(0.2 * len(members)):], val).all()
    with pytest.raises(ValueError, match="validation_split must lie in"):
        m.fit(X, idx, validation_split=1.0, verbose=0)


def test_metrics_are_logged_per_epoch_for_training_and_validation():
    X, idx = _blobs(n=100)
    m = ffnn.FFNN([2, 8, 3], ["relu", "softmax"], "cce", seed=0)
    h = m.fit(X, idx, epochs=3, metrics=["f1", "precision", "recall"], validation_data=(X[:30], idx[:30]), verbose=0)
    for key in ("f1", "precision", "recall", "val_f1", "val_precision", "val_recall"):
        assert len(h.history[key]) == 3 and all(0 <= v <= 1 for v in h.history[key])
    from sklearn.metrics import f1_score

    assert h.history["f1"][-1] == pytest.approx(f1_score(idx, m.predict_classes(X), average="macro"))


def test_verbose_2_prints_one_plain_line_per_epoch(capsys):
    X, idx = _blobs(n=50)
    ffnn.FFNN([2, 4, 3], ["relu", "softmax"], "cce", seed=0).fit(X, idx, epochs=3, verbose=2)
    err = capsys.readouterr().err
    assert err.count("\n") == 3 and "\r" not in err and err.startswith("Epoch 1/3: loss=")


def test_unscaled_pixels_warn_and_name_the_fix():
    from ffnn.datasets import load_mnist

    X, y, _, _ = load_mnist()
    m = ffnn.FFNN([784, 16, 10], ["relu", "softmax"], "cce", seed=0)
    with pytest.warns(TrainingWarning, match="unscaled.*divide pixels by 255"):
        h = m.fit(X[:2000] * 255, y[:2000], epochs=1, verbose=0)
    assert any("unscaled" in w for w in h.warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        ffnn.FFNN([784, 16, 10], ["relu", "softmax"], "cce", seed=0).fit(X[:2000], y[:2000], epochs=1, verbose=0)
        ffnn.FFNN([784, 16, 10], ["relu", "softmax"], "cce", seed=0, standardize=True).fit(
            X[:2000] * 255, y[:2000], epochs=1, verbose=0)


def test_an_exploding_learning_rate_warns():
    X, idx = _blobs(n=150, spread=1.0)
    m = ffnn.FFNN([2, 16, 3], ["relu", "softmax"], "cce", seed=0, dtype="float64")
    with pytest.warns(TrainingWarning, match="loss exploded.*lower the learning rate"):
        try:
            m.fit(X * 30, idx, epochs=8, learning_rate=10.0, verbose=0)
        except ffnn.TrainingDivergedError:
            pass


def test_a_dead_layer_warns():
    X, idx = _blobs(n=60)
    m = ffnn.FFNN([2, 8, 3], ["relu", "softmax"], "cce", seed=0)
    m.layers[0].bias = np.full(8, -1e3)  # every unit below zero for any input here
    with pytest.warns(TrainingWarning, match=r"every unit of layers\.0\.activation.*dead"):
        m.fit(X, idx, epochs=1, verbose=0)


def test_no_learning_warns_after_three_epochs():
    X, idx = _blobs(n=60)
    m = ffnn.FFNN([2, 8, 3], ["relu", "softmax"], "cce", init="zero", seed=0)
    with pytest.warns(TrainingWarning, match="not learning"):
        m.fit(X, idx, epochs=3, learning_rate=1e-9, verbose=0)


def test_predict_proba_needs_probability_outputs():
    m = ffnn.FFNN([2, 1], ["linear"], "mse")
    with pytest.raises(ValueError, match="softmax or sigmoid output"):
        m.predict_proba(np.zeros((1, 2)))


def test_standardize_in_a_stack_puts_a_normalization_first_once():
    m = ffnn.FFNN.from_layers(3, [L.Dense(2), L.Activation("softmax")], "cce", standardize=True)
    assert isinstance(m.network.layers[0], L.Normalization)
    again = ffnn.FFNN.from_config(m.get_config())
    assert [type(x) for x in again.network.layers] == [type(x) for x in m.network.layers]
