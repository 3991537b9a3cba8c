"""The CLI end to end on tiny generated data: train --save, evaluate, predict."""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pytest

import ffnn
from ffnn.cli import main


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.tobytes()


def _blobs(n, rng):
    """Three well separated classes of 4x4 'images': class c lights up row c."""
    y = np.arange(n) % 3
    images = rng.integers(0, 40, (n, 4, 4)).astype(np.uint8)
    images[np.arange(n), y, :] = 255
    return images, y.astype(np.uint8)


@pytest.fixture
def idx_dir(tmp_path):
    rng = np.random.default_rng(0)
    d = tmp_path / "tiny-idx"
    d.mkdir()
    for prefix, n in (("train", 150), ("t10k", 30)):
        images, labels = _blobs(n, rng)
        (d / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx(images)))
        (d / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx(labels)))
    return d


def _accuracy(text: str, split: str = "test") -> float:
    line = next(line for line in text.splitlines() if line.startswith(f"{split} accuracy:"))
    return float(line.split()[2])


def test_train_save_evaluate_predict_on_idx(idx_dir, tmp_path, capsys):
    model_path = tmp_path / "model.npz"
    assert main(["train", "--data", str(idx_dir), "--hidden", "8", "--epochs", "20", "--lr", "0.1",
                 "--batch-size", "10", "--quiet", "--save", str(model_path)]) == 0
    out = capsys.readouterr().out
    trained_acc = _accuracy(out)
    assert trained_acc >= 0.9  # the classes are separable at a glance
    assert f"saved model to {model_path}" in out

    assert main(["evaluate", str(model_path), "--data", str(idx_dir)]) == 0
    assert _accuracy(capsys.readouterr().out) == trained_acc  # the same model on the same test set

    assert main(["evaluate", str(model_path), "--data", str(idx_dir), "--split", "all", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_samples"] == 180 and 0.9 <= result["accuracy"] <= 1

    images = tmp_path / "new-images-idx3-ubyte"
    rng = np.random.default_rng(5)
    new, truth = _blobs(12, rng)
    images.write_bytes(_idx(new))
    assert main(["predict", str(model_path), "--input", str(images)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "class" and len(lines) == 13
    predicted = np.array([int(v) for v in lines[1:]])
    assert np.mean(predicted == truth) >= 0.9
    model = ffnn.load(model_path)
    np.testing.assert_array_equal(predicted, model.predict_classes(new.reshape(12, -1) / np.float32(255)))


def test_csv_train_evaluate_and_predict_npy(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 3))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")  # text labels: no -> 0, yes -> 1
    csv_path = tmp_path / "data.csv"
    csv_path.write_text("a,b,c,target\n" + "\n".join(f"{r[0]},{r[1]},{r[2]},{t}" for r, t in zip(X, y)) + "\n")
    model_path = tmp_path / "m.npz"
    args = ["--data", str(csv_path), "--label", "target"]
    assert main(["train", *args, "--hidden", "6", "--epochs", "30", "--lr", "0.1", "--quiet",
                 "--save", str(model_path)]) == 0
    out = capsys.readouterr().out
    assert "training on 96 samples (9 of them held out for validation), testing on 24" in out  # 80/20, then 90/10
    trained_acc = _accuracy(out)
    assert main(["evaluate", str(model_path), *args]) == 0
    assert _accuracy(capsys.readouterr().out) == trained_acc

    # predict on the same CSV, dropping its label column; probabilities to .npy
    assert main(["predict", str(model_path), "--input", str(csv_path), "--label", "target", "--proba",
                 "--out", str(tmp_path / "p.npy")]) == 0
    proba = np.load(tmp_path / "p.npy")
    assert proba.shape == (120, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert np.mean(proba.argmax(axis=1) == (y == "yes")) >= 0.85


def test_predict_without_dropping_the_label_says_so(tmp_path, capsys):
    model = ffnn.FFNN([2, 3], ["softmax"], "cce", seed=0)
    model.save(tmp_path / "m.npz")
    np.save(tmp_path / "rows.npy", np.zeros((4, 3)))
    assert main(["predict", str(tmp_path / "m.npz"), "--input", str(tmp_path / "rows.npy")]) == 1
    err = capsys.readouterr().err
    assert "rows have 3 features, the model expects 2" in err and "--label" in err
    assert main(["predict", str(tmp_path / "m.npz"), "--input", str(tmp_path / "rows.npy"), "--label", "-1",
                 "--out", str(tmp_path / "c.csv")]) == 0
    assert (tmp_path / "c.csv").read_text().splitlines() == ["class"] + [
        str(c) for c in model.predict_classes(np.zeros((4, 2)))]


def test_cli_errors_are_one_line_and_exit_1(tmp_path, capsys):
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 not really")
    assert main(["evaluate", str(tmp_path / "broken.npz"), "--data", "digits"]) == 1
    assert "ffnn evaluate: error:" in capsys.readouterr().err
    assert main(["train", "--data", "no-such-dataset", "--epochs", "1"]) == 1
    assert "unknown dataset 'no-such-dataset'" in capsys.readouterr().err
    ragged = tmp_path / "r.csv"
    ragged.write_text("1,2,0\n3,1\n")
    assert main(["train", "--data", str(ragged), "--epochs", "1"]) == 1
    assert "line 2: 2 fields, expected 3" in capsys.readouterr().err


def test_fashion_mnist_by_name_when_installed(tmp_path, capsys, monkeypatch):
    from ffnn.datasets import DatasetError, find_fashion_mnist

    try:
        find_fashion_mnist()
    except DatasetError:
        pytest.skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    # evaluate an untrained model of the right shape: this only checks that the data loads by name
    ffnn.FFNN([784, 10], ["softmax"], "cce", seed=0).save(tmp_path / "m.npz")
    assert main(["evaluate", str(tmp_path / "m.npz"), "--data", "fashion-mnist", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_samples"] == 10000


def test_train_threads_option_is_used_recorded_and_restored(idx_dir, tmp_path, capsys):
    from ffnn import threads

    model_path = tmp_path / "model.npz"
    assert main(["train", "--data", str(idx_dir), "--hidden", "8", "--epochs", "1", "--batch-size", "256",
                 "--threads", "1", "--quiet", "--save", str(model_path)]) == 0
    out = capsys.readouterr().out
    assert threads._override is None  # the process-wide setting is put back
    if threads._controller() is not None:
        assert "1 BLAS thread(s)" in out
        assert ffnn.load(model_path).history.params["blas_threads"] == 1
    assert main(["train", "--threads", "0", "--data", str(idx_dir)]) == 1
    assert "positive integer" in capsys.readouterr().err and threads._override is None
