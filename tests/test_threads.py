"""BLAS thread choice: one thread for small batches, FFNN_NUM_THREADS overrides, and a no-op
without threadpoolctl. Functional only: speed is a benchmark (benchmarks/), never a test."""

from __future__ import annotations

import builtins
import sys

import numpy as np
import pytest

import ffnn
from ffnn import threads


def test_small_batches_get_one_thread_large_ones_the_default(monkeypatch):
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    assert threads.choose_threads(1) == 1
    assert threads.choose_threads(threads.SMALL_BATCH - 1) == 1
    assert threads.choose_threads(threads.SMALL_BATCH) is None
    assert threads.choose_threads(4096) is None


@pytest.mark.parametrize("value, expected", [("3", 3), (" 1 ", 1), ("auto", 1), ("", 1)])
def test_environment_variable_overrides(monkeypatch, value, expected):
    monkeypatch.setenv(threads.ENV_VAR, value)
    assert threads.choose_threads(32) == expected


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_bad_environment_variable_is_named(monkeypatch, value):
    monkeypatch.setenv(threads.ENV_VAR, value)
    with pytest.raises(ValueError, match=threads.ENV_VAR):
        threads.choose_threads(32)


def _blas_threads_now() -> list[int]:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    return [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]


def test_blas_threads_limits_inside_and_restores_after():
    before = _blas_threads_now()
    if not before:
        pytest.skip("no BLAS library visible to threadpoolctl")
    with threads.blas_threads(1):
        assert set(_blas_threads_now()) == {1}
    assert _blas_threads_now() == before
    with threads.blas_threads(None):
        assert _blas_threads_now() == before


def test_fit_trains_under_the_limit_and_restores(monkeypatch):
    before = _blas_threads_now()
    seen = []
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 4)), rng.integers(0, 3, 40)
    model.fit(X, y, epochs=2, batch_size=8, verbose=0, callbacks=[lambda e, logs: seen.append(_blas_threads_now())])
    if before:
        assert all(set(s) == {1} for s in seen)
    assert _blas_threads_now() == before


def test_without_threadpoolctl_it_is_a_no_op(monkeypatch):
    real_import = builtins.__import__

    def no_threadpoolctl(name, *args, **kwargs):
        if name == "threadpoolctl":
            raise ImportError("threadpoolctl hidden by the test")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "threadpoolctl", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_threadpoolctl)
    threads._controller.cache_clear()
    try:
        assert threads._controller() is None
        with threads.blas_threads(1):
            pass
        model = ffnn.FFNN([4, 3], ["softmax"], "cce", seed=0)
        history = model.fit(np.ones((10, 4)), np.zeros(10, dtype=int), epochs=1, batch_size=4, verbose=0)
        assert len(history.history["loss"]) == 1
    finally:
        threads._controller.cache_clear()


def test_set_num_threads_wins_over_the_rule_and_the_variable(monkeypatch):
    monkeypatch.setenv(threads.ENV_VAR, "3")
    try:
        assert ffnn.set_num_threads(2) is None
        assert threads.choose_threads(8) == 2 and threads.choose_threads(4096) == 2
        assert ffnn.set_num_threads(None) == 2  # the previous setting, to put back
        assert threads.choose_threads(8) == 3
    finally:
        ffnn.set_num_threads(None)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_set_num_threads_refuses_what_is_not_a_positive_integer(bad):
    with pytest.raises(ValueError, match="positive integer"):
        ffnn.set_num_threads(bad)
    assert threads._override is None


def test_fit_records_the_thread_count_it_used(monkeypatch):
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((300, 4)), rng.integers(0, 3, 300)
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    small = model.fit(X, y, epochs=1, batch_size=8, verbose=0)
    large = model.fit(X, y, epochs=1, batch_size=256, verbose=0)
    if threads._controller() is None:
        assert small.params["blas_threads"] is None
        return
    default = max(_blas_threads_now())
    assert small.params["blas_threads"] == 1
    assert large.params["blas_threads"] == default
