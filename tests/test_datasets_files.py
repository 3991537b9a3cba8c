"""Generic IDX directories, Fashion-MNIST, digits, the user's CSV/npz/npy files, load_dataset."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest

from ffnn.datasets import (
    DatasetError,
    find_fashion_mnist,
    find_idx_files,
    load_csv,
    load_dataset,
    load_fashion_mnist,
    load_idx,
    load_npy,
    load_npz,
)


def _idx(array: np.ndarray, code: int = 0x08) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _write_idx_dir(directory, n_train=12, n_test=5, side=3, gz=True, names=None):
    """Four small IDX files: images (n, side, side) uint8 and labels 0..2."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, side, side), dtype=np.uint8),
        "train-labels-idx1-ubyte": (np.arange(n_train) % 3).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, side, side), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": (np.arange(n_test) % 3).astype(np.uint8),
    }
    directory.mkdir(parents=True, exist_ok=True)
    for stem, a in arrays.items():
        name = (names or {}).get(stem, stem) + (".gz" if gz else "")
        data = _idx(a)
        (directory / name).write_bytes(gzip.compress(data) if gz else data)
    return arrays


# ------------------------------------------------------------------------------- IDX
@pytest.mark.parametrize("gz", [True, False])
def test_load_idx_any_directory(tmp_path, gz):
    arrays = _write_idx_dir(tmp_path, gz=gz)
    X_train, y_train, X_test, y_test = load_idx(tmp_path)
    assert X_train.shape == (12, 9) and X_test.shape == (5, 9)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    # pixel 255 -> 1.0, 0 -> 0.0, row i is image i flattened in C order
    np.testing.assert_array_equal(X_train[3], arrays["train-images-idx3-ubyte"][3].ravel() / np.float32(255))
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0
    np.testing.assert_array_equal(y_test, [0, 1, 2, 0, 1])


def test_load_idx_accepts_dotted_names(tmp_path):
    names = {"train-images-idx3-ubyte": "train-images.idx3-ubyte", "train-labels-idx1-ubyte": "train-labels.idx1-ubyte",
             "t10k-images-idx3-ubyte": "test-images.idx3-ubyte", "t10k-labels-idx1-ubyte": "test-labels.idx1-ubyte"}
    _write_idx_dir(tmp_path, gz=False, names=names)
    assert [len(a) for a in load_idx(tmp_path)] == [12, 12, 5, 5]


def test_missing_file_is_named(tmp_path):
    _write_idx_dir(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="missing IDX file.*test-labels.*t10k-labels-idx1-ubyte"):
        find_idx_files(tmp_path)


def test_count_mismatch(tmp_path):
    _write_idx_dir(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx(np.zeros(11, np.uint8))))
    with pytest.raises(DatasetError, match="12 images but 11 labels"):
        load_idx(tmp_path)


@pytest.mark.parametrize("mutate,match", [
    (lambda b: b"\x00\x01" + b[2:], "bad IDX magic"),
    (lambda b: b[:-7], "truncated or wrong dimensions"),
    (lambda b: b[:4] + struct.pack(">I", 13) + b[8:], "truncated or wrong dimensions"),  # 13 images declared
])
def test_malformed_file_in_a_directory(tmp_path, mutate, match):
    _write_idx_dir(tmp_path, gz=False)
    p = tmp_path / "train-images-idx3-ubyte"
    p.write_bytes(mutate(p.read_bytes()))
    with pytest.raises(DatasetError, match=match):
        load_idx(tmp_path)


def test_truncated_gzip(tmp_path):
    _write_idx_dir(tmp_path)
    p = tmp_path / "train-images-idx3-ubyte.gz"
    p.write_bytes(p.read_bytes()[:-12])
    with pytest.raises(DatasetError, match="corrupt gzip"):
        load_idx(tmp_path)


def test_checksums_are_checked(tmp_path):
    arrays = _write_idx_dir(tmp_path)
    good = {stem: hashlib.sha256(_idx(a)).hexdigest() for stem, a in arrays.items()}
    assert len(load_idx(tmp_path, good)[0]) == 12
    bad = dict(good, **{"t10k-images-idx3-ubyte": "0" * 64})
    with pytest.raises(DatasetError, match="SHA-256"):
        load_idx(tmp_path, bad)
    with pytest.raises(DatasetError, match="no known checksum"):
        load_idx(tmp_path, {k: v for k, v in good.items() if "t10k-labels" not in k})


def test_labels_must_be_1d(tmp_path):
    _write_idx_dir(tmp_path, gz=False)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx(np.zeros((5, 2), np.uint8)))
    with pytest.raises(DatasetError, match="labels must be a 1-D integer array"):
        load_idx(tmp_path)


def test_fashion_mnist_not_found_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("FFNN_FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(DatasetError, match="apt-get install dataset-fashion-mnist") as info:
        find_fashion_mnist(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(info.value)


def test_fashion_mnist_from_env_dir(tmp_path, monkeypatch):
    _write_idx_dir(tmp_path / "fm")
    monkeypatch.setenv("FFNN_FASHION_MNIST_DIR", str(tmp_path / "fm"))
    assert find_fashion_mnist() == tmp_path / "fm"
    with pytest.raises(DatasetError, match="SHA-256"):  # not the real files: the checksum says so
        load_fashion_mnist()
    assert load_fashion_mnist(verify=False)[0].shape == (12, 9)


def test_installed_fashion_mnist():
    try:
        directory = find_fashion_mnist("/usr/share/datasets/fashion-mnist")
    except DatasetError:
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    X_train, y_train, X_test, y_test = load_fashion_mnist(directory)
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert np.bincount(y_train).tolist() == [6000] * 10 and np.bincount(y_test).tolist() == [1000] * 10


def test_digits():
    pytest.importorskip("sklearn")
    X_train, y_train, X_test, y_test = load_dataset("digits")
    assert X_train.shape[1] == 64 and len(X_train) + len(X_test) == 1797
    assert X_train.dtype == np.float32 and X_train.min() == 0 and X_train.max() == 1
    assert len(X_test) == 360 and set(np.unique(y_test)) == set(range(10))


# ------------------------------------------------------------------------------- CSV
def test_csv_with_header_and_named_label(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("a,label,b\n1,0,2.5\n3,1,-4\n\n5,0,6e1\n")
    X, y = load_csv(p, label="label")
    np.testing.assert_array_equal(X, np.array([[1, 2.5], [3, -4], [5, 60]], np.float32))
    np.testing.assert_array_equal(y, [0, 1, 0])
    assert y.dtype == np.int64


def test_csv_without_header_label_by_index(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("2,1.5,0.5\n1,2.5,3.5\n")
    X, y = load_csv(p, label=0)
    np.testing.assert_array_equal(X, [[1.5, 0.5], [2.5, 3.5]])
    np.testing.assert_array_equal(y, [2, 1])
    X, y = load_csv(p)  # default: the last column
    np.testing.assert_array_equal(y, [0.5, 3.5])  # not whole numbers: regression targets
    assert y.dtype == np.float64


def test_csv_header_detection_and_override(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("x;y;class\n1;2;0\n3;4;1\n")  # semicolons are detected too
    assert load_csv(p)[0].shape == (2, 2)
    with pytest.raises(DatasetError, match="line 1, column 0: 'x' is not a number"):
        load_csv(p, header=False)


def test_csv_text_labels_become_classes(tmp_path):
    p = tmp_path / "iris.csv"
    p.write_text("sepal,petal,species\n1,2,setosa\n3,4,virginica\n5,6,setosa\n")
    X, y, classes = load_csv(p, label="species", return_classes=True)
    assert classes == ["setosa", "virginica"]
    np.testing.assert_array_equal(y, [0, 1, 0])


@pytest.mark.parametrize("text,kwargs,match", [
    ("a,b,c\n1,2,0\n3,4\n", {}, "line 3: 2 fields, expected 3"),
    ("a,b,c\n1,2,0\n3,x,1\n", {}, "line 3, column b: 'x' is not a number"),
    ("a,b,c\n1,,0\n", {}, "line 2, column b: empty cell"),
    ("a,b,c\n1,2,0\n3,4,\n", {}, "line 3: missing label"),
    ("a,b,c\n1,2,0\n", {"label": "target"}, "no column named 'target'; columns are \\['a', 'b', 'c'\\]"),
    ("1,2,0\n", {"label": 5}, "label column 5 does not exist"),
    ("1,2,0\n", {"label": "c", "header": False}, "no header row"),
    ("\n\n", {}, "no data"),
    ("a,b,c\n", {}, "no data rows"),
    ("a,b\n1,nan\n", {"label": 0}, "NaN or infinite"),
])
def test_csv_errors(tmp_path, text, kwargs, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(DatasetError, match=match):
        load_csv(p, **kwargs)


def test_csv_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        load_csv(tmp_path / "none.csv")


# ------------------------------------------------------------------------------- npz / npy
def test_npz_and_npy(tmp_path):
    X = np.arange(12.0).reshape(4, 3)
    y = np.array([0, 1, 1, 0])
    np.savez(tmp_path / "d.npz", X=X, y=y)
    Xl, yl = load_npz(tmp_path / "d.npz")
    np.testing.assert_array_equal(Xl, X)
    np.testing.assert_array_equal(yl, y)
    np.save(tmp_path / "d.npy", np.column_stack([X, y]))
    Xl, yl = load_npy(tmp_path / "d.npy")
    np.testing.assert_array_equal(Xl, X)
    assert yl.dtype == np.int64 and yl.tolist() == [0, 1, 1, 0]
    np.savez(tmp_path / "imgs.npz", images=np.zeros((4, 2, 2)), labels=y)
    assert load_npz(tmp_path / "imgs.npz", "images", "labels")[0].shape == (4, 4)


def test_npz_errors(tmp_path):
    np.savez(tmp_path / "nolabels.npz", X=np.zeros((3, 2)))
    with pytest.raises(DatasetError, match="missing labels: no array 'y'; arrays are \\['X'\\]"):
        load_npz(tmp_path / "nolabels.npz")
    np.savez(tmp_path / "short.npz", X=np.zeros((3, 2)), y=np.zeros(2))
    with pytest.raises(DatasetError, match="3 samples but 2 labels"):
        load_npz(tmp_path / "short.npz")
    np.savez(tmp_path / "nan.npz", X=np.zeros((2, 2)), y=np.array([0.0, np.nan]))
    with pytest.raises(DatasetError, match="missing labels"):
        load_npz(tmp_path / "nan.npz")
    np.savez(tmp_path / "obj.npz", X=np.array([{"a": 1}, None], dtype=object), y=np.zeros(2))
    with pytest.raises(DatasetError, match="Python objects"):
        load_npz(tmp_path / "obj.npz")
    (tmp_path / "junk.npz").write_bytes(b"hello")
    with pytest.raises(DatasetError, match="not a readable NumPy file"):
        load_npz(tmp_path / "junk.npz")
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(DatasetError, match="2-D array"):
        load_npy(tmp_path / "one.npy")


# ------------------------------------------------------------------------------- load_dataset
def test_load_dataset_dispatch(tmp_path):
    _write_idx_dir(tmp_path / "idx")
    assert [len(a) for a in load_dataset(tmp_path / "idx")] == [12, 12, 5, 5]
    assert [len(a) for a in load_dataset(str(tmp_path / "idx"))] == [12, 12, 5, 5]

    rows = "\n".join(f"{i},{i % 2}" for i in range(10))
    (tmp_path / "t.csv").write_text("x,y\n" + rows + "\n")
    X_train, y_train, X_test, y_test = load_dataset(tmp_path / "t.csv")
    assert len(X_train) == 8 and len(X_test) == 2 and sorted(y_test.tolist()) == [0, 1]
    again = load_dataset(tmp_path / "t.csv")
    np.testing.assert_array_equal(again[2], X_test)  # same seed, same test set

    np.savez(tmp_path / "split.npz", X_train=np.zeros((4, 2)), y_train=[0, 1, 0, 1], X_test=np.ones((2, 2)),
             y_test=[1, 0])
    X_train, _, X_test, y_test = load_dataset(tmp_path / "split.npz")
    assert X_train.shape == (4, 2) and X_test.tolist() == [[1, 1], [1, 1]] and y_test.tolist() == [1, 0]


def test_load_dataset_unknown(tmp_path):
    with pytest.raises(DatasetError, match="unknown dataset 'cifar'.*mnist, mnist-80-20, fashion-mnist, digits"):
        load_dataset("cifar")
    (tmp_path / "d.parquet").write_bytes(b"")
    with pytest.raises(DatasetError, match="unknown file type '.parquet'"):
        load_dataset(tmp_path / "d.parquet")
