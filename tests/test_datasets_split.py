"""Seeded stratified splits, one-hot encoding, [0, 1] scaling and standardisation."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn.datasets import (
    load_mnist_80_20,
    minmax_scale,
    one_hot,
    split_train_test,
    split_train_val_test,
    standardize,
)


def _data(n=100, classes=(60, 30, 10)):
    y = np.repeat(np.arange(len(classes)), classes)
    X = np.column_stack([np.arange(len(y)), y * 10]).astype(np.float64)  # row id in column 0
    return X, y


def test_split_is_a_partition_and_keeps_rows_together():
    X, y = _data()
    X_train, y_train, X_test, y_test = split_train_test(X, y, test_size=0.2, seed=1)
    assert len(X_test) == 20 and len(X_train) == 80
    ids = np.concatenate([X_train[:, 0], X_test[:, 0]])
    assert sorted(ids.tolist()) == list(range(100))  # every row exactly once
    np.testing.assert_array_equal(X_train[:, 1], y_train * 10)  # X and y stay aligned
    np.testing.assert_array_equal(X_test[:, 1], y_test * 10)


def test_split_is_stratified():
    X, y = _data()
    _, y_train, _, y_test = split_train_test(X, y, test_size=0.2, seed=3)
    assert np.bincount(y_test).tolist() == [12, 6, 2]  # 20 % of 60, 30, 10
    assert np.bincount(y_train).tolist() == [48, 24, 8]


def test_stratified_rounding_gives_the_exact_total():
    y = np.repeat([0, 1, 2], [7, 7, 7])
    X = np.zeros((21, 1))
    _, _, _, y_test = split_train_test(X, y, test_size=0.5, seed=0)  # ceil(10.5) = 11 rows
    counts = np.bincount(y_test, minlength=3)
    assert counts.sum() == 11 and counts.min() >= 3 and counts.max() <= 4


def test_split_is_seeded():
    X, y = _data()
    a = split_train_test(X, y, seed=7)
    b = split_train_test(X, y, seed=7)
    c = split_train_test(X, y, seed=8)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[2], c[2])


def test_unstratified_and_regression_targets():
    X = np.arange(50.0).reshape(25, 2)
    t = np.linspace(0, 1, 25) + 0.001  # continuous targets: not class labels
    X_train, t_train, X_test, t_test = split_train_test(X, t, test_size=5, seed=0)
    assert len(X_test) == 5 and np.allclose(X_test[:, 0] / 2 * (1 / 24) + 0.001, t_test)
    with pytest.raises(ValueError, match="stratify=True needs 1-D integer class labels"):
        split_train_test(X, t, stratify=True)


@pytest.mark.parametrize("size", [0.0, 1.0, 1.5, 0, 100, "0.2"])
def test_bad_sizes(size):
    X, y = _data()
    with pytest.raises(ValueError, match="test_size"):
        split_train_test(X, y, test_size=size)


def test_train_val_test():
    X, y = _data()
    X_train, y_train, X_val, y_val, X_test, y_test = split_train_val_test(X, y, val_size=0.1, test_size=0.2, seed=0)
    assert (len(X_train), len(X_val), len(X_test)) == (70, 10, 20)
    assert np.bincount(y_val).tolist() == [6, 3, 1]
    ids = np.concatenate([X_train[:, 0], X_val[:, 0], X_test[:, 0]])
    assert sorted(ids.tolist()) == list(range(100))
    with pytest.raises(ValueError, match="no training rows"):
        split_train_val_test(X, y, val_size=50, test_size=50)


def test_mnist_80_20_is_the_origin_split():
    X_train, y_train, X_test, y_test = load_mnist_80_20(seed=42)
    assert X_train.shape == (56000, 784) and X_test.shape == (14000, 784)
    all_counts = np.array([6903, 7877, 6990, 7141, 6824, 6313, 6876, 7293, 6825, 6958])  # MNIST's 70,000
    assert np.abs(np.bincount(y_test) - all_counts * 0.2).max() < 1  # stratified to within one image


def test_one_hot():
    np.testing.assert_array_equal(one_hot([1, 0, 2]), [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    assert one_hot([0, 1], 4).shape == (2, 4) and one_hot([0], dtype=np.float64).dtype == np.float64
    with pytest.raises(ValueError, match="does not fit n_classes=2"):
        one_hot([0, 2], 2)
    with pytest.raises(ValueError, match=">= 0"):
        one_hot([-1, 0])
    with pytest.raises(ValueError, match="1-D integer labels"):
        one_hot([0.5, 1.0])


def test_minmax_scale_fits_on_train_only():
    X_train = np.array([[0.0, 10, 5], [2, 20, 5], [4, 30, 5]])
    Xs, scaling = minmax_scale(X_train)
    np.testing.assert_allclose(Xs, [[0, 0, 0], [0.5, 0.5, 0], [1, 1, 0]])  # constant column -> 0
    np.testing.assert_allclose(scaling.transform([[8.0, 0, 6]]), [[2, -0.5, 1]])  # outside [0, 1]: test data
    np.testing.assert_allclose(scaling.inverse_transform(Xs), X_train)
    assert minmax_scale(X_train.astype(np.float32))[0].dtype == np.float32


def test_standardize():
    rng = np.random.default_rng(0)
    X = rng.normal(3, 2, (200, 3))
    Xs, scaling = standardize(X)
    np.testing.assert_allclose(Xs.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Xs.std(axis=0), 1)
    np.testing.assert_allclose(scaling.transform(X[:5]), Xs[:5])
    with pytest.raises(ValueError, match="3 columns"):
        scaling.transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        standardize([[1.0], [np.nan]])
