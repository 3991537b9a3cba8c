"""The command line's edge: every user error is one line on stderr and a non-zero exit code
(130 for Ctrl-C), never a traceback, found before any training, and nothing half-written (issue 15).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import ffnn
import hostile_harness
from ffnn.cli import main

SRC = str(Path(ffnn.__file__).resolve().parent.parent)


@pytest.fixture
def data(tmp_path) -> Path:
    """A tiny CSV table: three separable classes."""
    rng = np.random.default_rng(0)
    y = np.arange(30) % 3
    X = rng.normal(size=(30, 2)) + y[:, None] * 3
    path = tmp_path / "tiny.csv"
    path.write_text("a,b,y\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, y)))
    return path


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if the command gets as far as training."""
    def fit(*args, **kwargs):
        raise AssertionError("training started although an output path was unusable")

    monkeypatch.setattr(ffnn.model.FFNN, "fit", fit)


def _fails(capsys, argv: list[str], pattern: str, code: int = 1) -> str:
    """Run ``ffnn argv``: exit ``code`` and exactly one stderr line matching ``pattern``."""
    rc = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert rc == code, f"exit {rc}, stderr: {err}"
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line, got: {err}"
    assert re.search(pattern, lines[0]), f"{pattern!r} not in: {lines[0]}"
    return lines[0]


def _train(data: Path, *extra) -> list:
    return ["train", "--data", data, "--hidden", "4", "--epochs", "1", "--quiet", *extra]


# ------------------------------------------------------------------------ output paths, before training
def test_save_to_a_directory(capsys, data, tmp_path, no_training):
    (tmp_path / "models").mkdir()
    _fails(capsys, _train(data, "--save", tmp_path / "models"),
           r"^ffnn train: error: --save .*models: is a directory; give a file name inside it$")


def test_save_below_a_file(capsys, data, tmp_path, no_training):
    (tmp_path / "afile").write_text("x")
    _fails(capsys, _train(data, "--save", tmp_path / "afile" / "sub" / "m.npz"),
           r"--save .*: .*afile is a file, not a directory")


def test_out_and_plots_that_are_existing_files(capsys, data, tmp_path, no_training):
    (tmp_path / "taken").write_text("x")
    _fails(capsys, _train(data, "--out", tmp_path / "taken"), r"--out .*taken: exists and is not a directory")
    _fails(capsys, _train(data, "--plots", tmp_path / "taken"), r"--plots .*taken: exists and is not a directory")


def test_save_over_a_symbolic_link_or_a_device(capsys, data, tmp_path, no_training):
    (tmp_path / "real.npz").write_text("x")
    (tmp_path / "link.npz").symlink_to(tmp_path / "real.npz")
    _fails(capsys, _train(data, "--save", tmp_path / "link.npz"), r"is a symbolic link, which a save would replace")
    _fails(capsys, _train(data, "--save", "/dev/null"), r"is a device, pipe or socket")
    assert (tmp_path / "real.npz").read_text() == "x" and (tmp_path / "link.npz").is_symlink()


def test_predict_out_checked_before_the_model_is_read(capsys, tmp_path):
    (tmp_path / "d.csv").mkdir()
    missing_model = tmp_path / "no-model.npz"  # were the model read first, this would be the error
    _fails(capsys, ["predict", missing_model, "--input", "x.csv", "--out", tmp_path / "p.json"],
           r"^ffnn predict: error: --out must end in .csv or .npy")
    _fails(capsys, ["predict", missing_model, "--input", "x.csv", "--out", tmp_path / "d.csv"],
           r"--out .*d.csv: is a directory")


def test_plot_out_and_batch_size_checked_before_the_model_is_read(capsys, tmp_path):
    missing_model = tmp_path / "no-model.npz"
    _fails(capsys, ["plot", "network", missing_model, "--batch-size", "0"], "--batch-size must be >= 1, got 0")
    _fails(capsys, ["plot", "weights", missing_model, "--out", tmp_path], r"--out .*: is a directory")


def test_study_out_that_is_a_file(capsys, tmp_path):
    (tmp_path / "report").write_text("x")
    _fails(capsys, ["study", "--quick", "--out", tmp_path / "report"], r"--out .*report: exists and is not a directory")


def _without_privileges() -> list[str]:
    """A command prefix under which file permissions apply (root keeps its uid, loses its capabilities)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return [setpriv, "--inh-caps=-all", "--bounding-set=-all"]


def _ffnn(argv: list, **kw) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=SRC, OPENBLAS_NUM_THREADS="1")
    return subprocess.Popen([*_without_privileges(), sys.executable, "-m", "ffnn", *map(str, argv)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_unwritable_locations_are_named_before_training(data, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    unreadable = tmp_path / "secret.csv"
    shutil.copy(data, unreadable)
    unreadable.chmod(0o000)
    try:
        for argv, pattern in (
            (_train(data, "--save", locked / "m.npz"), r"--save .*m.npz: cannot write in .*locked \(permission denied\)"),
            (_train(data, "--out", locked / "run"), r"--out .*run: cannot write in .*locked"),
            (_train(data, "--save", locked / "new" / "m.npz"), r"cannot write in .*locked"),
            (_train(unreadable), r"secret.csv: cannot read \(Permission denied\)"),
        ):
            proc = _ffnn(argv)
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 1, err
            assert len(err.splitlines()) == 1 and re.search(pattern, err), err
            assert "training on" not in out  # refused before any training
    finally:
        locked.chmod(0o755)
        unreadable.chmod(0o644)


def test_ctrl_c_is_one_line_exit_130_and_leaves_no_file(data, tmp_path):
    save = tmp_path / "out" / "model.npz"
    proc = _ffnn(_train(data, "--epochs", "100000", "--batch-size", "1", "--save", save))
    deadline = time.monotonic() + 60
    line = ""
    while "training on" not in line and time.monotonic() < deadline:
        line = proc.stdout.readline()
    time.sleep(0.3)  # well inside the training loop
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == "ffnn train: interrupted" and "Traceback" not in err, err
    assert not save.exists() and not list(tmp_path.rglob("*.tmp"))


# ------------------------------------------------------------------------ data and model errors
def test_a_csv_label_of_100000000_does_not_size_the_output_layer(tmp_path):
    """Three classes labelled 0, 1 and 100000000: however the command reads them (three classes, or a
    one-line refusal), it never builds a 100000001-unit output layer (the memory limit would stop it)."""
    if not hostile_harness.available():
        pytest.skip("needs the hostile-input harness (Linux)")
    path = tmp_path / "labels.csv"
    path.write_text("a,y\n" + "".join(f"{i},{c}\n" for i, c in enumerate([0, 1, 100000000] * 10)))
    with hostile_harness.Harness() as harness:
        out = harness.run("ffnn.cli:main", ["train", "--data", str(path), "--hidden", "64", "--epochs", "1",
                                            "--quiet"])
    out.assert_bounded()
    assert out.status == "returned" and out.value in (0, 1), str(out)
    errors = [line for line in out.stderr.splitlines() if ": error: " in line]
    assert (out.value, len(errors)) in ((0, 0), (1, 1)) and "Traceback" not in out.stderr, out.stderr


def test_an_over_long_csv_field(capsys, tmp_path, no_training):
    path = tmp_path / "long.csv"
    path.write_text("1," + "9" * 200_000 + ",0\n")
    _fails(capsys, ["train", "--data", path], r"long.csv, line 1: not a readable CSV row \(field larger")


@pytest.mark.parametrize("make,pattern", [
    (lambda p: p.mkdir(), r"is a directory|no such"),
    (lambda p: p.write_bytes(b"PK\x03\x04junk"), r"not an ffnn model file|corrupted|not a readable \.npz archive"),
])
def test_bad_model_files_for_evaluate_predict_plot(capsys, tmp_path, data, make, pattern):
    model = tmp_path / "m.npz"
    make(model)
    _fails(capsys, ["evaluate", model, "--data", data], rf"^ffnn evaluate: error: .*({pattern})")
    _fails(capsys, ["predict", model, "--input", data], rf"^ffnn predict: error: .*({pattern})")
    _fails(capsys, ["plot", "weights", model, "--out", tmp_path / "w.png"], rf"^ffnn plot: error: .*({pattern})")


def test_data_that_is_a_fifo_or_a_directory_without_idx_files(capsys, tmp_path, no_training):
    os.mkfifo(tmp_path / "pipe.csv")
    _fails(capsys, ["train", "--data", tmp_path / "pipe.csv"], r"pipe.csv: not a regular file")
    (tmp_path / "empty").mkdir()
    _fails(capsys, ["train", "--data", tmp_path / "empty"], r"missing IDX file")


def test_multi_line_messages_are_folded_into_one(capsys, tmp_path, monkeypatch, no_training):
    monkeypatch.setenv("FFNN_FASHION_MNIST_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setattr("ffnn.datasets.fashion.DEBIAN_DIR", tmp_path / "nowhere-else")
    monkeypatch.chdir(tmp_path)
    line = _fails(capsys, ["train", "--data", "fashion-mnist"], r"Fashion-MNIST not found\. Looked in: ")
    assert "nowhere-else" in line and "apt-get install dataset-fashion-mnist" in line


def _raising(monkeypatch, exc: BaseException) -> list[str]:
    """``ffnn evaluate`` made to raise ``exc`` from inside the command; its arguments."""
    def run(args):
        raise exc

    monkeypatch.setattr("ffnn.cli.evaluate.run", run)
    return ["evaluate", "m.npz", "--data", "mnist"]


def test_out_of_memory_is_one_line(capsys, monkeypatch):
    _fails(capsys, _raising(monkeypatch, MemoryError()),
           r"^ffnn evaluate: error: out of memory \(the data or the network is too large")


def test_an_os_error_names_the_file_and_the_reason(capsys, monkeypatch):
    _fails(capsys, _raising(monkeypatch, PermissionError(13, "Permission denied", "/x/y.npz")),
           r"^ffnn evaluate: error: /x/y.npz: Permission denied$")


def test_ctrl_c_anywhere_in_a_command_is_exit_130(capsys, monkeypatch):
    _fails(capsys, _raising(monkeypatch, KeyboardInterrupt()), r"^ffnn evaluate: interrupted$", code=130)


def test_a_bug_keeps_its_traceback(monkeypatch):
    """Only user errors are folded into a line: an unexpected exception is ffnn's bug and propagates."""
    with pytest.raises(ZeroDivisionError):
        main(_raising(monkeypatch, ZeroDivisionError("a bug")))


def test_a_good_run_still_writes_everything(capsys, data, tmp_path):
    """The positive control: the same options with usable paths succeed and write atomically."""
    assert main([str(a) for a in _train(data, "--save", tmp_path / "new" / "m.npz", "--out", tmp_path / "run")]) == 0
    assert (tmp_path / "new" / "m.npz").is_file() and (tmp_path / "run" / "metrics.json").is_file()
    assert not list(tmp_path.rglob("*.tmp"))
    assert main(["predict", str(tmp_path / "new" / "m.npz"), "--input", str(data), "--label", "y",
                 "--out", str(tmp_path / "p" / "classes.npy")]) == 0
    assert np.load(tmp_path / "p" / "classes.npy").shape == (30,)


def test_the_estimators_poisson_loss_is_not_offered_on_the_command_line(capsys, data, no_training):
    _fails(capsys, _train(data, "--loss", "half_poisson_log_link"),
           r"--loss: 'half_poisson_log_link' is the loss of ffnn.sklearn.FFNNRegressor\(loss='poisson'\)")
