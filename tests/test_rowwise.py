"""Row-wise sums and maxima: NumPy's results whichever strategy the shape selects."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn.rowwise import row_max, row_sum


@pytest.mark.parametrize("shape", [(1, 1), (5, 1), (7, 2), (32, 10), (127, 10), (128, 10), (1000, 3), (300, 32), (300, 33), (50, 200)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_max_and_sum_match_numpy(shape, dtype):
    a = np.random.default_rng(sum(shape)).standard_normal(shape).astype(dtype)
    np.testing.assert_array_equal(row_max(a), a.max(axis=1))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(row_sum(a), a.sum(axis=1), rtol=tol, atol=tol * shape[1])
    out = np.empty(shape[0], dtype)
    assert row_max(a, out=out) is out and row_sum(a, out=out) is out


@pytest.mark.parametrize("rows", [4, 500])
def test_row_max_propagates_nan_like_numpy(rows):
    a = np.zeros((rows, 6))
    a[1, 3] = np.nan
    a[2, 0] = np.inf
    got = row_max(a)
    assert np.isnan(got[1]) and got[2] == np.inf and np.all(got[3:] == 0)


def test_row_sum_reads_strided_views():
    a = np.arange(60.0).reshape(6, 10)[:, ::2]
    np.testing.assert_array_equal(row_sum(a), a.sum(axis=1))
