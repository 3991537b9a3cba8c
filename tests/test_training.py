"""The training loop: learning, history, shuffling, divergence, callbacks, MNIST."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from ffnn.datasets import load_mnist


def _blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[2, 0], [-2, 0], [0, 2.5]])
    y = rng.integers(0, 3, n)
    return centers[y] + rng.normal(0, 0.5, (n, 2)), y


def test_learns_a_separable_problem_and_records_history():
    X, y = _blobs()
    m = ffnn.FFNN([2, 16, 3], ["relu", "softmax"], "cce", seed=0)
    h = m.fit(X, y, epochs=15, batch_size=16, learning_rate=0.1, validation_data=(X, y), verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 15 for v in h.history.values())
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
    assert m.evaluate(X, y)["accuracy"] > 0.95
    assert h.history["val_loss"][-1] == pytest.approx(m.evaluate(X, y)["loss"])
    assert len(h.epoch_seconds) == 15 and h.params["optimizer"]["name"] == "sgd"
    assert ffnn.History.from_dict(h.to_dict()) == h


def test_regression_with_mse_and_no_accuracy():
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (256, 1))
    y = np.sin(3 * X[:, 0])
    m = ffnn.FFNN([1, 32, 1], ["tanh", "linear"], "mse", init="xavier", seed=1)
    h = m.fit(X, y, epochs=200, batch_size=32, learning_rate=0.1, verbose=0)
    assert "accuracy" not in h.history
    assert h.history["loss"][-1] < 0.1 * np.var(y)  # far better than predicting the mean


def test_binary_classification_with_bce():
    X, y = _blobs()
    yb = (y == 0).astype(float)
    m = ffnn.FFNN([2, 8, 1], ["tanh", "sigmoid"], "bce", seed=0)
    h = m.fit(X, yb, epochs=20, batch_size=16, learning_rate=0.3, verbose=0)
    assert h.history["accuracy"][-1] > 0.95
    assert set(np.unique(m.predict_classes(X))) <= {0, 1}


def test_loss_includes_the_penalty():
    X, y = _blobs(50)
    m = ffnn.FFNN([2, 4, 3], ["relu", "softmax"], "cce", seed=0, regularization="l2", reg_lambda=0.5)
    plain = ffnn.FFNN([2, 4, 3], ["relu", "softmax"], "cce", seed=0)
    w = sum(float((p ** 2).sum()) for n, p in m.get_params().items() if n.endswith("weight"))
    assert m.evaluate(X, y)["loss"] == pytest.approx(plain.evaluate(X, y)["loss"] + 0.25 * w, rel=1e-5)


def test_no_shuffle_keeps_order_and_shuffle_changes_it():
    X, y = _blobs(64)
    a = ffnn.FFNN([2, 4, 3], ["relu", "softmax"], "cce", seed=0)
    b = ffnn.FFNN([2, 4, 3], ["relu", "softmax"], "cce", seed=0)
    a.fit(X, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    b.fit(X, y, epochs=1, batch_size=8, shuffle=True, verbose=0)
    assert not np.array_equal(a.layers[0].weight, b.layers[0].weight)


def test_divergence_stops_with_a_clear_error_and_restores_weights():
    X, y = _blobs(64)
    X = X * 1e3
    m = ffnn.FFNN([2, 8, 1], ["relu", "linear"], "mse", seed=0)
    before = m.get_params()
    with np.errstate(all="ignore"), pytest.raises(ffnn.TrainingDivergedError, match="smaller"):
        m.fit(X, y.astype(float), epochs=5, batch_size=8, learning_rate=10.0, verbose=0)
    for name, value in m.get_params().items():
        np.testing.assert_array_equal(value, before[name])


def test_callback_sees_logs_and_can_stop():
    X, y = _blobs(64)
    seen = []
    m = ffnn.FFNN([2, 4, 3], ["relu", "softmax"], "cce", seed=0)
    h = m.fit(X, y, epochs=10, verbose=0, callbacks=[lambda e, logs: seen.append((e, logs)) or e < 2])
    assert len(h.epoch) == 3 and [e for e, _ in seen] == [0, 1, 2]
    assert "loss" in seen[0][1]


def test_verbose_prints_a_progress_bar(capsys):
    X, y = _blobs(64)
    m = ffnn.FFNN([2, 4, 3], ["relu", "softmax"], "cce", seed=0)
    m.fit(X, y, epochs=2, verbose=1, validation_data=(X, y))
    err = capsys.readouterr().err
    assert "Epoch 1/2" in err and "Epoch 2/2" in err and "val_loss" in err
    m.fit(X, y, epochs=1, verbose=0)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_float32_default_and_float64_option():
    X, y = _blobs(32)
    m32 = ffnn.FFNN([2, 4, 3], ["relu", "softmax"], "cce", seed=0)
    m64 = ffnn.FFNN([2, 4, 3], ["relu", "softmax"], "cce", seed=0, dtype="float64")
    assert m32.layers[0].weight.dtype == np.float32 and m64.layers[0].weight.dtype == np.float64
    m32.fit(X, y, epochs=2, verbose=0)
    m64.fit(X, y, epochs=2, verbose=0)
    np.testing.assert_allclose(m32.layers[0].weight, m64.layers[0].weight, rtol=1e-4, atol=1e-5)


def test_mnist_part_learns_in_two_epochs():
    """The demo network on 10,000 training images for 2 epochs: the default suite's learning check."""
    X_train, y_train, X_test, y_test = load_mnist()
    m = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", init="he", seed=42)
    h = m.fit(X_train[:10000], y_train[:10000], epochs=2, batch_size=32, learning_rate=0.01, verbose=0)
    assert m.evaluate(X_test[:5000], y_test[:5000])["accuracy"] >= 0.80  # 0.835 seen; chance is 0.10
    assert h.history["loss"][-1] < h.history["loss"][0]


@pytest.mark.slow
def test_mnist_demo_reaches_the_origin_accuracy():
    """The demo configuration: 784-64-64-10, ReLU, softmax, He, lr 0.01, batch 32, 10 epochs."""
    X_train, y_train, X_test, y_test = load_mnist()
    m = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", init="he", seed=42)
    h = m.fit(X_train, y_train, epochs=10, batch_size=32, learning_rate=0.01, verbose=0)
    acc = m.evaluate(X_test, y_test)["accuracy"]
    assert acc >= 0.96, acc
    assert h.history["loss"][-1] < h.history["loss"][0]


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("init", ["he", "zero"])
def test_training_accuracy_is_the_same_from_labels_and_from_one_hot_targets(shuffle, init):
    # Labels take the deferred tally (arg-max per batch, compared once per epoch, in the
    # epoch's order); one-hot targets count per batch. Same seed: same weights, same numbers,
    # ties included (a zero-initialised network starts with every output equal).
    X, y = _blobs(n=203)
    runs = []
    for target in (y, np.eye(3)[y]):
        m = ffnn.FFNN([2, 8, 3], ["relu", "softmax"], "cce", init=init, seed=3)
        runs.append(m.fit(X, target, epochs=4, batch_size=16, learning_rate=0.2, shuffle=shuffle, verbose=0))
    assert runs[0]["accuracy"] == runs[1]["accuracy"]
    assert runs[0]["loss"] == runs[1]["loss"]


def test_training_accuracy_counts_what_the_model_predicted_during_the_epoch():
    X, y = _blobs(n=100)
    m = ffnn.FFNN([2, 8, 3], ["relu", "softmax"], "cce", seed=4)
    seen = []
    original = m.objective.loss_and_gradients

    def spy(xb, yb, weights=None, training=True):
        loss, out = original(xb, yb, weights, training)
        seen.append(np.count_nonzero(out.argmax(axis=1) == yb.argmax(axis=1)))
        return loss, out

    m.objective.loss_and_gradients = spy
    h = m.fit(X, y, epochs=1, batch_size=7, learning_rate=0.3, verbose=0)
    assert h["accuracy"][0] == sum(seen) / len(X)
