"""The command line on a user's own table (issue 13): labels as written, the task chosen and said,
regression metrics, standardised inputs, a validation split apart from the test rows, resuming,
options with help and defaults, names checked, and warnings as one line each."""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

import ffnn
from ffnn.cli import build_parser, main


def write_csv(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def blobs(n: int = 150, seed: int = 0, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Three separable classes in 4 features (on the scale ``scale``), class index per row."""
    rng = np.random.default_rng(seed)
    idx = np.arange(n) % 3
    centres = np.array([[0, 0, 0, 0], [4, 4, 0, 0], [0, 4, 4, 4]], float)
    return (centres[idx] + rng.normal(0, 0.7, (n, 4))) * scale, idx


FEATURES = ["sepal length", "sepal width", "petal length", "petal width"]


@pytest.fixture
def species(tmp_path) -> Path:
    X, idx = blobs()
    names = np.array(["setosa", "versicolor", "virginica"])[idx]
    return write_csv(tmp_path / "species.csv", [*FEATURES, "species"], [[*r, s] for r, s in zip(X.tolist(), names)])


@pytest.fixture
def wine(tmp_path) -> Path:
    """Labels 1..3, features on very different scales (as the wine table's are)."""
    X, idx = blobs(seed=1)
    X = X * np.array([1.0, 100.0, 0.01, 1000.0])
    return write_csv(tmp_path / "wine.csv", ["a", "b", "c", "d", "target"], [[*r, c + 1] for r, c in zip(X.tolist(), idx)])


@pytest.fixture
def regression(tmp_path) -> Path:
    """A real target written as 151.0 (whole numbers, hundreds of distinct values), in its own units."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 3))
    y = np.round(150 + 60 * X[:, 0] - 30 * X[:, 1] + 10 * X[:, 2] ** 2 + rng.normal(0, 5, 300))
    return write_csv(tmp_path / "reg.csv", ["age", "bmi", "bp", "target"], [[*r, f"{t:.1f}"] for r, t in zip(X.tolist(), y)])


def run(capsys, *argv) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def predictions(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(text.splitlines()))
    return rows[0], rows[1:]


# ------------------------------------------------------------------------------- labels as written
def test_text_labels_in_and_out_with_probabilities_named_by_class(species, tmp_path, capsys):
    model = tmp_path / "m.npz"
    rc, out, _ = run(capsys, "train", "--data", species, "--label", "species", "--save", model)
    assert rc == 0
    assert out.splitlines()[0] == "task: classification (labels are text: setosa, versicolor, virginica)"
    assert float(re.search(r"test accuracy: ([\d.]+)", out).group(1)) >= 0.9
    assert ffnn.load(model).layer_sizes[-1] == 3
    rc, out, err = run(capsys, "predict", model, "--input", species, "--label", "species", "--proba")
    header, rows = predictions(out)
    assert header == ["class", "p_setosa", "p_versicolor", "p_virginica"]
    assert {r[0] for r in rows} == {"setosa", "versicolor", "virginica"}
    assert float(re.search(r"scored against the 150 labels in the input: accuracy ([\d.]+)", err).group(1)) >= 0.9


def test_labels_1_to_3_size_the_output_layer_and_come_back_as_1_to_3(wine, tmp_path, capsys):
    model = tmp_path / "m.npz"
    rc, out, _ = run(capsys, "train", "--data", wine, "--label", "target", "--save", model)
    assert rc == 0 and "3 distinct whole-number labels: 1, 2, 3" in out
    saved = ffnn.load(model)
    assert saved.layer_sizes[-1] == 3 and saved.classes_.tolist() == [1, 2, 3]
    assert float(re.search(r"test accuracy: ([\d.]+)", out).group(1)) >= 0.9  # standardised: scales do not matter
    _, out, _ = run(capsys, "predict", model, "--input", wine, "--label", "target", "--proba")
    header, rows = predictions(out)
    assert header == ["class", "p_1", "p_2", "p_3"] and {r[0] for r in rows} == {"1", "2", "3"}


def test_predict_takes_the_models_columns_by_name(species, tmp_path, capsys):
    model = tmp_path / "m.npz"
    run(capsys, "train", "--data", species, "--label", "species", "--save", model, "--epochs", "20")
    X, idx = blobs()
    order = [3, 0, 2, 1]  # shuffled columns, one extra, and the label column left in
    shuffled = write_csv(tmp_path / "new.csv", ["extra", *[FEATURES[i] for i in order], "species"],
                         [[0, *r[order], s] for r, s in zip(X, idx)])
    _, plain, _ = run(capsys, "predict", model, "--input", species, "--label", "species")
    rc, out, err = run(capsys, "predict", model, "--input", shuffled, "--label", "species")
    assert rc == 0 and out == plain
    assert "ignoring column(s) the model was not trained on: extra" in err


# ------------------------------------------------------------------------------- the task
def test_a_real_target_is_regression_with_metrics_in_its_units(regression, tmp_path, capsys):
    model, outdir = tmp_path / "m.npz", tmp_path / "run"
    rc, out, _ = run(capsys, "train", "--data", regression, "--label", "target", "--save", model, "--out", outdir)
    assert rc == 0
    assert re.match(r"task: regression \(\d{3} distinct whole numbers, more than 20: a quantity", out.splitlines()[0])
    r2 = float(re.search(r"test r2: ([-\d.]+)", out).group(1))
    assert r2 > 0.8 and "test mae:" in out and "test rmse:" in out and "accuracy" not in out
    metrics = json.loads((outdir / "metrics.json").read_text())
    assert set(metrics["test"]) == {"loss", "mae", "rmse", "r2"} and metrics["test"]["r2"] == pytest.approx(r2, abs=1e-4)
    report = (outdir / "report.md").read_text()
    assert "nan" not in report.lower() and "accuracy" not in report.lower() and f"Test R² **{r2:.4f}**" in report
    _, out, err = run(capsys, "predict", model, "--input", regression, "--label", "target")
    header, rows = predictions(out)
    assert header == ["target"] and 50 < np.mean([float(r[0]) for r in rows]) < 250  # the target's units
    assert "r2 0.9" in err or "r2 0.8" in err


def test_fractions_are_regression_and_task_can_be_forced(tmp_path, capsys):
    rows = [[i, i % 3 + 0.5] for i in range(60)]
    path = write_csv(tmp_path / "f.csv", ["x", "y"], rows)
    rc, out, _ = run(capsys, "train", "--data", path, "--epochs", "2")
    assert rc == 0 and out.startswith("task: regression (labels have fractions, e.g. 0.5;")
    rc, out, _ = run(capsys, "train", "--data", path, "--epochs", "2", "--task", "classify")
    assert rc == 0 and out.startswith("task: classification (as asked: 3 classes")


def test_text_labels_cannot_be_regressed(species, capsys):
    rc, _, err = run(capsys, "train", "--data", species, "--label", "species", "--task", "regress")
    assert rc == 1 and err.count("\n") == 1 and "labels are not numbers (e.g. 'setosa')" in err


def test_several_label_columns_are_one_regression(tmp_path, capsys):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 3))
    path = write_csv(tmp_path / "two.csv", ["u", "v", "w", "a", "b"],
                     [[*r, 10 * r[0] + 3, -5 * r[1]] for r in X.tolist()])
    model = tmp_path / "m.npz"
    rc, out, _ = run(capsys, "train", "--data", path, "--label", "a,b", "--save", model)
    assert rc == 0 and out.startswith("task: regression (2 label columns") and ffnn.load(model).layer_sizes[-1] == 2
    _, out, _ = run(capsys, "predict", model, "--input", path, "--label", "a,b")
    header, rows = predictions(out)
    assert header == ["a", "b"] and len(rows) == 200


# ------------------------------------------------------------------------------- settings
def test_tables_are_standardised_by_default_and_images_are_not(species, tmp_path, capsys):
    run(capsys, "train", "--data", species, "--label", "species", "--save", tmp_path / "on.npz", "--epochs", "1")
    run(capsys, "train", "--data", species, "--label", "species", "--save", tmp_path / "off.npz", "--epochs", "1",
        "--no-standardize")
    assert ffnn.load(tmp_path / "on.npz").standardize and not ffnn.load(tmp_path / "off.npz").standardize
    from ffnn.cli.defaults import IMAGES, TABLES

    assert not IMAGES.standardize and TABLES.standardize
    assert (IMAGES.optimizer, IMAGES.learning_rate, IMAGES.batch_size, IMAGES.epochs) == ("sgd", 0.01, 32, 10)


def test_the_validation_split_is_taken_from_the_training_rows_only(species, tmp_path, capsys):
    model, outdir = tmp_path / "m.npz", tmp_path / "run"
    rc, out, _ = run(capsys, "train", "--data", species, "--label", "species", "--save", model, "--out", outdir)
    assert rc == 0 and "training on 120 samples (12 of them held out for validation), testing on 30" in out
    params = ffnn.load(model).history.params
    assert params["n_samples"] == 108 and params["validation_split"] == 0.1 and params["early_stopping"]["patience"] == 20
    assert json.loads((outdir / "metrics.json").read_text())["rows"] == {"train": 120, "validation": 12, "test": 30}
    rc, _, err = run(capsys, "train", "--data", species, "--label", "species", "--validation-split", "0")
    assert rc == 1 and "give --validation-split > 0, or --early-stopping 0" in err


def test_resume_continues_the_epochs_and_the_optimiser(species, tmp_path, capsys):
    model = tmp_path / "m.npz"
    run(capsys, "train", "--data", species, "--label", "species", "--save", model, "--epochs", "3",
        "--early-stopping", "0")
    first = ffnn.load(model)
    rc, out, _ = run(capsys, "train", "--resume", model, "--data", species, "--label", "species", "--epochs", "2")
    assert rc == 0 and "optimizer adam (continued)" in out and f"saved model to {model}" in out
    again = ffnn.load(model)
    assert again.history.epoch == [0, 1, 2, 3, 4] and again.optimizer.iterations > first.optimizer.iterations
    rc, _, err = run(capsys, "train", "--resume", model, "--data", species, "--label", "species", "--hidden", "5")
    assert rc == 1 and "--hidden cannot be changed when resuming" in err


def test_lr_schedule_reaches_the_model(species, tmp_path, capsys):
    model = tmp_path / "m.npz"
    run(capsys, "train", "--data", species, "--label", "species", "--save", model, "--epochs", "3", "--lr-schedule", "cosine")
    assert ffnn.load(model).history.params["lr_schedule"]["name"] == "cosine"


# ------------------------------------------------------------------------------- the command line itself
def _options() -> list[tuple[str, argparse.Action]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found = []
    for name, p in sub.choices.items():
        found += [(name, a) for a in p._actions if a.option_strings and a.dest != "help"]
    return found


@pytest.mark.parametrize("command,action", _options(), ids=lambda v: v if isinstance(v, str) else v.dest)
def test_every_option_has_help_with_its_default(command, action):
    assert action.help and "default" in action.help.lower() or "required" in (action.help or ""), (
        f"ffnn {command} {action.option_strings[0]}: {action.help!r}")


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"ffnn {ffnn.__version__}"


@pytest.mark.parametrize("argv,message", [
    (["--activations", "reul,softmax"], "--activations: unknown activation 'reul' (did you mean 'relu'?); valid: linear, relu"),
    (["--loss", "mse2"], "--loss: unknown loss 'mse2' (did you mean 'mse'?)"),
    (["--hidden", "8,8", "--activations", "relu,softmax"], "--activations gives 2 name(s) for 3 layers (2 hidden and "
                                                           "the output): give 3, e.g. relu,relu,softmax"),
])
def test_names_and_counts_are_checked_in_one_line(species, capsys, argv, message):
    rc, out, err = run(capsys, "train", "--data", species, "--label", "species", *argv)
    assert rc == 1 and err.count("\n") == 1 and message in err and "training on" not in out


def test_usage_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["train", "--optimizer", "adm"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert "invalid choice: 'adm'" in err and err.startswith("ffnn train: error:")


# ------------------------------------------------------------------------------- warnings, one line each
def _warnings(err: str) -> list[str]:
    lines = err.splitlines()
    assert all(line.startswith(("ffnn train: warning: ", "ffnn train: error: ")) for line in lines), err
    return [line for line in lines if ": warning: " in line]


def test_unscaled_pixels_warn_in_one_line_naming_the_fix(tmp_path, capsys):
    X, idx = blobs(scale=60)  # pixel-like values in the hundreds
    path = write_csv(tmp_path / "px.csv", ["a", "b", "c", "d", "y"], [[*r, c] for r, c in zip(np.abs(X).tolist(), idx)])
    _, _, err = run(capsys, "train", "--data", path, "--no-standardize", "--epochs", "1")
    (line,) = [w for w in _warnings(err) if "unscaled" in w]
    assert "standardise them" in line


def test_an_exploding_learning_rate_warns_in_one_line(tmp_path, capsys):
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, size=(3, 2))
    idx = rng.integers(0, 3, 150)
    X = (centres[idx] + rng.normal(0, 1.0, size=(150, 2))) * 30
    path = write_csv(tmp_path / "x.csv", ["a", "b", "y"], [[*r, c] for r, c in zip(X.tolist(), idx)])
    rc, _, err = run(capsys, "train", "--data", path, "--no-standardize", "--hidden", "16", "--optimizer", "sgd",
                     "--lr", "10", "--epochs", "8", "--dtype", "float64", "--seed", "0", "--init", "he",
                     "--validation-split", "0", "--early-stopping", "0")
    assert rc in (0, 1)  # it may also diverge: an error line after the warning
    (line,) = [w for w in _warnings(err) if "exploded" in w]
    assert "lower the learning rate" in line


def test_a_dead_network_warns_in_one_line(species, capsys):
    _, _, err = run(capsys, "train", "--data", species, "--label", "species", "--init", "zero", "--epochs", "2")
    (line,) = [w for w in _warnings(err) if "dead" in w]
    assert "leaky_relu" in line


def test_a_penalty_without_strength_is_one_line(species, capsys):
    rc, _, err = run(capsys, "train", "--data", species, "--label", "species", "--epochs", "1",
                     "--regularization", "l2", "--reg-lambda", "0")
    assert rc == 0 and _warnings(err) == ["ffnn train: warning: regularization='l2' with reg_lambda=0 has no effect"]


def test_plot_reads_a_table_by_label(species, tmp_path, capsys):
    model = tmp_path / "m.npz"
    run(capsys, "train", "--data", species, "--label", "species", "--save", model, "--epochs", "2")
    rc, out, _ = run(capsys, "plot", "gradients", model, "--data", species, "--label", "species",
                     "--out", tmp_path / "g.png")
    assert rc == 0 and (tmp_path / "g.png").stat().st_size > 1000
    rc, _, err = run(capsys, "plot", "filters", model, "--out", tmp_path / "f.png")
    assert rc == 1 and "the 4 inputs are the columns of a table (sepal length, sepal width, petal length, ...)" in err


def test_train_can_leave_out_rows_with_missing_cells(species, tmp_path, capsys):
    text = species.read_text().splitlines()
    text[3] = ",".join(["" if i == 1 else c for i, c in enumerate(text[3].split(","))])  # an empty cell
    text[5] = ",".join(["NA" if i == 0 else c for i, c in enumerate(text[5].split(","))])
    holes = tmp_path / "holes.csv"
    holes.write_text("\n".join(text) + "\n")
    rc, _, err = run(capsys, "train", "--data", holes, "--label", "species", "--epochs", 1)
    assert rc != 0 and "empty cell (missing values: pass missing='drop' (ffnn train --missing drop)" in err
    rc, _, err = run(capsys, "train", "--data", holes, "--label", "species", "--epochs", 1, "--missing", "drop")
    assert rc == 0 and "left out 2 row(s) with a missing cell" in err
