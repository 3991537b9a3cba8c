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
    X, y = rng.random((300, 784)), rng.integers(0, 3, 300)
    model = ffnn.FFNN([784, 512, 3], ["relu", "softmax"], "cce", seed=0)  # fit decides by a step's work
    small = ffnn.FFNN([784, 4, 3], ["relu", "softmax"], "cce", seed=0).fit(X, y, epochs=1, batch_size=8, verbose=0)
    large = model.fit(X, y, epochs=1, batch_size=256, verbose=0)
    if threads._controller() is None:
        assert small.params["blas_threads"] is None
        return
    default = max(_blas_threads_now())
    assert small.params["blas_threads"] == 1
    assert large.params["blas_threads"] == default


# ---------------------------------------------------------------------------- threads by work
DEMO = [784, 64, 64, 10]
WIDE = [784, 512, 512, 512, 10]


def _rank(n: int | None) -> float:
    """Order thread choices: ``None`` (the BLAS default, all cores) above any fixed count."""
    return float("inf") if n is None else n


def test_layer_work_is_batch_times_inputs_times_outputs():
    # 32*784*64 = 1,605,632; 32*64*64 = 131,072; 32*64*10 = 20,480
    assert threads.layer_work(32, DEMO) == [1_605_632, 131_072, 20_480]


def test_issue_examples_demo_keeps_one_thread_wide_layers_use_all(monkeypatch):
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    assert threads.choose_threads(32, DEMO) == 1  # the 64-wide demo at batch 32
    assert threads.choose_threads(64, WIDE) is None  # 512 wide at batch 64: both cores
    assert threads.choose_threads(128, [784, 1024, 1024, 10]) is None


def test_product_rule_splits_at_the_threshold(monkeypatch):
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    assert threads.choose_threads_for_work(1, 1, threads.WORK_THRESHOLD - 1) == 1
    assert threads.choose_threads_for_work(1, 1, threads.WORK_THRESHOLD) is None
    assert threads.choose_threads_for_work(16, 784, 64) is None  # the order of the factors does not matter
    assert threads.choose_threads_for_work(64, 16, 784) is None


@pytest.mark.parametrize("m", [1, 16, 64, 256, 1024])
def test_product_rule_is_monotone_in_work(monkeypatch, m):
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    choices = [threads.choose_threads_for_work(m, k, n) for k in (8, 64, 784, 4096) for n in (10, 256, 1024)]
    works = [m * k * n for k in (8, 64, 784, 4096) for n in (10, 256, 1024)]
    by_work = [_rank(c) for _, c in sorted(zip(works, choices))]
    assert by_work == sorted(by_work)


def test_network_rule_is_monotone_in_batch_and_width(monkeypatch):
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    for hidden in ([32], [64, 64], [512, 512, 512], [1024, 1024]):
        sizes = [784, *hidden, 10]
        by_batch = [_rank(threads.choose_threads(b, sizes)) for b in (1, 8, 16, 32, 64, 128, 256, 1024, 8192)]
        assert by_batch == sorted(by_batch), hidden
    for b in (16, 32, 64, 256):
        by_width = [_rank(threads.choose_threads(b, [784, w, w, 10])) for w in (8, 32, 64, 128, 256, 512, 1024)]
        assert by_width == sorted(by_width), b
    # one thread far below the threshold, all cores far above it
    assert threads.choose_threads(1, [4, 3]) == 1
    assert threads.choose_threads(4096, [784, 1024, 1024, 10]) is None


def test_without_widths_the_old_batch_rule_holds(monkeypatch):
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    assert threads.choose_threads(threads.SMALL_BATCH - 1, None) == 1
    assert threads.choose_threads(threads.SMALL_BATCH, None) is None


@pytest.mark.parametrize("value, expected", [("2", 2), ("1", 1)])
def test_environment_variable_wins_over_the_work_rules(monkeypatch, value, expected):
    monkeypatch.setenv(threads.ENV_VAR, value)
    assert threads.choose_threads(1, [4, 3]) == expected
    assert threads.choose_threads(4096, [784, 1024, 1024, 10]) == expected
    assert threads.choose_threads_for_work(1, 1, 1) == expected
    assert threads.choose_threads_for_work(1024, 1024, 1024) == expected


def test_set_num_threads_wins_over_the_work_rules_and_the_variable(monkeypatch):
    monkeypatch.setenv(threads.ENV_VAR, "1")
    try:
        ffnn.set_num_threads(3)
        assert threads.choose_threads(1, [4, 3]) == 3
        assert threads.choose_threads(4096, WIDE) == 3
        assert threads.choose_threads_for_work(1, 1, 1) == 3
    finally:
        ffnn.set_num_threads(None)


def test_bad_environment_variable_is_named_by_the_work_rules(monkeypatch):
    monkeypatch.setenv(threads.ENV_VAR, "many")
    with pytest.raises(ValueError, match=threads.ENV_VAR):
        threads.choose_threads(32, DEMO)
    with pytest.raises(ValueError, match=threads.ENV_VAR):
        threads.choose_threads_for_work(32, 784, 64)


# ---------------------------------------------------------------------------- the recorded count
def test_threads_used_reports_what_the_blas_runs_with():
    before = _blas_threads_now()
    if not before:
        pytest.skip("no BLAS library visible to threadpoolctl")
    assert threads.threads_used(1) == 1
    assert threads.threads_used(None) == max(before)
    assert _blas_threads_now() == before  # asking does not change the setting


class _StubbornBlas:
    """A BLAS that ignores thread limits (as a single-threaded build does): it always runs ``n``."""

    def __init__(self, n: int) -> None:
        self.num_threads = n
        self.lib_controllers = [self]

    def select(self, user_api: str):
        return self

    def limit(self, limits, user_api):
        import contextlib

        return contextlib.nullcontext()


def test_threads_used_reports_the_blas_count_not_the_request(monkeypatch):
    monkeypatch.setattr(threads, "_controller", lambda: _StubbornBlas(1))
    assert threads.threads_used(4) == 1  # asked for 4, the library runs 1: record 1
    monkeypatch.setattr(threads, "_controller", lambda: _StubbornBlas(2))
    assert threads.threads_used(1) == 2
    assert threads.threads_used(None) == 2
