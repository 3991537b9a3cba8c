"""IDX parsing and the bundled MNIST copy."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from ffnn.datasets import DatasetError, find_mnist, load_mnist, parse_idx, read_idx


def _idx(array: np.ndarray, code: int = 0x08) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def test_parse_round_trip_raw_and_gzip(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(parse_idx(_idx(a)), a)
    (tmp_path / "x-idx3-ubyte.gz").write_bytes(gzip.compress(_idx(a)))
    np.testing.assert_array_equal(read_idx(tmp_path / "x-idx3-ubyte.gz"), a)
    f = np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(parse_idx(_idx(f, 0x0D)), f)


@pytest.mark.parametrize("mutate,match", [
    (lambda b: b"\x01\x00" + b[2:], "bad IDX magic"),
    (lambda b: b[:2] + b"\x07" + b[3:], "bad IDX magic"),
    (lambda b: b[:-1], "truncated or wrong dimensions"),
    (lambda b: b + b"\x00", "truncated or wrong dimensions"),
    (lambda b: b[:6], "header"),
    (lambda b: b[:2], "too short"),
])
def test_malformed_idx_is_a_clear_error(mutate, match):
    data = _idx(np.zeros((2, 3), np.uint8))
    with pytest.raises(DatasetError, match=match):
        parse_idx(mutate(data))


def test_checksum_mismatch(tmp_path):
    p = tmp_path / "a-idx1-ubyte"
    p.write_bytes(_idx(np.arange(5, dtype=np.uint8)))
    with pytest.raises(DatasetError, match="SHA-256"):
        read_idx(p, sha256="0" * 64)


def test_missing_mnist_says_where_it_looked(tmp_path):
    with pytest.raises(DatasetError, match=f"Looked in:\\n  {tmp_path}"):
        find_mnist(tmp_path)


def test_bundled_mnist_loads_and_verifies():
    X_train, y_train, X_test, y_test = load_mnist()
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X_train.dtype == np.float32 and 0 <= X_train.min() and X_train.max() == 1
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
