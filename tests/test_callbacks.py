"""Callbacks: the hooks the loop calls, and early stopping."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from ffnn.callbacks import Callback, EarlyStopping, make_early_stopping


def _data(n=60):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0).astype(int)


class Recorder(Callback):
    def __init__(self):
        self.events = []

    def on_train_begin(self, model):
        self.events.append(("begin", model))

    def on_batch_end(self, batch, logs):
        self.events.append(("batch", batch, logs["size"], np.isfinite(logs["loss"])))

    def on_epoch_end(self, epoch, logs):
        self.events.append(("epoch", epoch))

    def on_train_end(self):
        self.events.append(("end",))


def test_hooks_run_in_order_with_batches_sized_as_given():
    X, y = _data(25)
    m = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    rec = Recorder()
    m.fit(X, y, epochs=2, batch_size=10, verbose=0, callbacks=[rec])
    assert rec.events[0] == ("begin", m)
    batches = [e for e in rec.events if e[0] == "batch"]
    assert [(b[1], b[2]) for b in batches] == [(0, 10), (1, 10), (2, 5)] * 2 and all(b[3] for b in batches)
    assert [e[0] for e in rec.events[-2:]] == ["epoch", "end"]


def test_a_callback_without_on_batch_end_is_not_called_per_batch():
    X, y = _data()
    calls = []
    m = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    m.fit(X, y, epochs=3, batch_size=8, verbose=0, callbacks=[lambda e, logs: calls.append(e)])
    assert calls == [0, 1, 2]


def test_early_stopping_restores_the_best_weights():
    X, y = _data()
    m = ffnn.FFNN([3, 8, 2], ["relu", "softmax"], "cce", seed=0, dtype="float64")
    seen = {}
    stop = EarlyStopping(monitor="loss", patience=1, min_delta=10.0)  # nothing counts as improving
    m.fit(X, y, epochs=10, batch_size=8, learning_rate=0.1, verbose=0,
          callbacks=[lambda e, logs: seen.__setitem__(e, m.network.flat_params.copy()), stop])
    assert stop.stopped_epoch == 1 and stop.best_epoch in (0, 1)
    np.testing.assert_array_equal(m.network.flat_params, seen[stop.best_epoch])


def test_make_early_stopping_accepts_the_documented_forms():
    assert make_early_stopping(None) is None and make_early_stopping(False) is None
    assert make_early_stopping(True).patience == 5
    assert make_early_stopping(3).patience == 3
    assert make_early_stopping({"monitor": "loss"}).monitor == "loss"
    with pytest.raises(TypeError, match="early_stopping must be"):
        make_early_stopping("soon")


def test_a_callback_that_is_neither_callable_nor_a_callback_is_refused_before_training():
    X, y = _data()
    m = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    before = m.network.flat_params.copy()
    with pytest.raises(TypeError, match="callbacks must be callables"):
        m.fit(X, y, epochs=1, verbose=0, callbacks=["print"])
    np.testing.assert_array_equal(m.network.flat_params, before)
