"""Your own table, end to end: ``ffnn train`` with no option but ``--data``, ``--label`` and ``--save``,
then ``ffnn predict`` on the held-out rows, against scikit-learn's scaled MLP on the same rows.

scikit-learn's bundled tables are written as CSV files with labels as users have them: iris
and breast cancer with their class names, wine as 1..3, digits as 0..9 (pixel values 0..16,
unscaled) and diabetes as a real target written ``151.0``. For each split seed (the CLI's
``--split-seed``, which only chooses the held-out rows) the command line trains and predicts::

    ffnn train --data iris.csv --label target --save m.npz [--split-seed S]
    ffnn predict m.npz --input new.csv --label target        # new.csv: the held-out rows

and ``make_pipeline(StandardScaler(), MLPClassifier(random_state=0))`` (``MLPRegressor`` for
diabetes) is fitted on the same training rows and scored on the same held-out rows. The
score of ffnn is computed here from the CSV that ``ffnn predict`` writes (its classes must be
the user's labels). For diabetes a linear least-squares fit is shown as well, because
scikit-learn's default ``MLPRegressor`` has not converged in its 200 iterations on the
unscaled target.

    python benchmarks/bench_tables.py                 # 10 split seeds, about a minute on 2 cores
    python benchmarks/bench_tables.py --seeds 1       # the default split only
    python benchmarks/bench_tables.py --write tables  # just the CSV files, to try the CLI by hand
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

TABLES = {  # name: what the labels look like
    "iris": "species names",
    "wine": "1, 2, 3",
    "breast_cancer": "benign / malignant",
    "digits": "0..9",
    "diabetes": "a real number, 151.0",
}


def write_csv(name: str, path: Path) -> None:
    """scikit-learn's table ``name`` as a CSV file, labels as users have them, header included."""
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{name}")()
    y = bunch.target
    if name in ("iris", "breast_cancer"):
        y = np.asarray(bunch.target_names)[y]
    elif name == "wine":
        y = y + 1
    names = list(getattr(bunch, "feature_names", [f"x{i}" for i in range(bunch.data.shape[1])]))
    _write(path, names + ["target"], [[*row, t] for row, t in zip(bunch.data.tolist(), y.tolist())])


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def ffnn(*argv: str) -> subprocess.CompletedProcess:
    src = str(Path(__file__).resolve().parent.parent / "src")
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "ffnn", *argv], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"ffnn {' '.join(argv)} failed:\n{proc.stderr}")
    return proc


def run_cli(table: Path, work: Path, seed: int) -> tuple[np.ndarray, dict]:
    """Train and predict with the command line; the predictions for the held-out rows (as written)."""
    from ffnn.datasets import load_split

    model = work / "m.npz"
    extra = [] if seed == 0 else ["--split-seed", str(seed)]
    start = time.perf_counter()
    trained = ffnn("train", "--data", str(table), "--label", "target", "--save", str(model), *extra)
    seconds = time.perf_counter() - start
    data = load_split(table, label="target", seed=seed)  # the rows the command held out
    new = work / "new.csv"
    names = data.feature_names + ["target"]
    _write(new, names, [[*row, t] for row, t in zip(data.X_test.tolist(), data.y_test.tolist())])
    predicted = ffnn("predict", str(model), "--input", str(new), "--label", "target")
    lines = list(csv.reader(predicted.stdout.splitlines()))
    column = [row[0] for row in lines[1:]]
    info = {"seconds": seconds, "task": trained.stdout.splitlines()[0], "scored": predicted.stderr.strip(),
            "stopped": next((line for line in trained.stdout.splitlines() if line.startswith("early")), "")}
    return np.asarray(column), info


def score(name: str, truth: np.ndarray, column: np.ndarray) -> float:
    """Accuracy of predicted labels (compared as the user wrote them), or R² of predicted values."""
    if name == "diabetes":
        pred = column.astype(np.float64)
        return float(1 - np.sum((truth - pred) ** 2) / np.sum((truth - truth.mean()) ** 2))
    return float(np.mean(column == np.asarray([str(t) for t in truth.tolist()])))


def run_sklearn(name: str, data) -> tuple[float, dict[str, float]]:
    """scikit-learn's scaled MLP on the same rows; for regression also with the target standardised
    (as ffnn does) and least squares."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import r2_score
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    mlp = MLPRegressor(random_state=0) if name == "diabetes" else MLPClassifier(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(StandardScaler(), mlp).fit(data.X_train, data.y_train)
    if name != "diabetes":
        return float(np.mean(pipe.predict(data.X_test) == data.y_test)), {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scaled_y = TransformedTargetRegressor(make_pipeline(StandardScaler(), MLPRegressor(random_state=0)),
                                              transformer=StandardScaler()).fit(data.X_train, data.y_train)
    linear = LinearRegression().fit(data.X_train, data.y_train)
    return float(r2_score(data.y_test, pipe.predict(data.X_test))), {
        "sklearn_scaled_target": float(r2_score(data.y_test, scaled_y.predict(data.X_test))),
        "least_squares": float(r2_score(data.y_test, linear.predict(data.X_test)))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="split seeds 0..N-1 (default: 10)")
    parser.add_argument("--tables", default=",".join(TABLES), help="comma-separated subset (default: all five)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    parser.add_argument("--write", type=Path, default=None, metavar="DIR",
                        help="only write the five tables as CSV files into DIR (for trying the CLI by hand)")
    args = parser.parse_args(argv)
    from ffnn.datasets import load_split

    if args.write is not None:
        args.write.mkdir(parents=True, exist_ok=True)
        for name in args.tables.split(","):
            write_csv(name, args.write / f"{name}.csv")
            print(f"wrote {args.write / f'{name}.csv'}")
        return 0

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in args.tables.split(","):
            table = work / f"{name}.csv"
            write_csv(name, table)
            for seed in range(args.seeds):
                data = load_split(table, label="target", seed=seed)
                column, info = run_cli(table, work, seed)
                ours = score(name, data.y_test, column)
                theirs, more = run_sklearn(name, data)
                results.append({"table": name, "seed": seed, "ffnn": ours, "sklearn": theirs, **more,
                                "n_train": len(data.X_train), "n_test": len(data.X_test), **info})
                print(f"{name:14s} split {seed}: ffnn {ours:.4f}  sklearn {theirs:.4f}"
                      + "".join(f"  {k} {v:.4f}" for k, v in more.items())
                      + f"  ({info['seconds']:.1f} s; {info['scored']})", flush=True)
    print()
    print(table_markdown(results, args.seeds))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def table_markdown(results: list[dict], seeds: int) -> str:
    """The README's table: seed 0 and the mean over the split seeds, ffnn against scikit-learn."""
    lines = ["| table (labels) | rows train/test | metric | ffnn, split 0 | scikit-learn, split 0 | "
             f"ffnn, mean of {seeds} splits | scikit-learn, mean | difference |",
             "|---|---|---|---|---|---|---|---|"]
    for name, labels in TABLES.items():
        rows = [r for r in results if r["table"] == name]
        if not rows:
            continue
        ours, theirs = np.mean([r["ffnn"] for r in rows]), np.mean([r["sklearn"] for r in rows])
        metric = "R²" if name == "diabetes" else "accuracy"
        first = rows[0]
        lines.append(f"| {name} ({labels}) | {first['n_train']}/{first['n_test']} | {metric} | {first['ffnn']:.3f} | "
                     f"{first['sklearn']:.3f} | {ours:.3f} | {theirs:.3f} | {ours - theirs:+.3f} |")
    regression = [r for r in results if "least_squares" in r]
    if regression:
        first = regression[0]
        both = {k: (first[k], np.mean([r[k] for r in regression])) for k in ("sklearn_scaled_target", "least_squares")}
        lines += ["", "Diabetes on the same rows, R² (split 0, mean): scikit-learn's MLP with the target standardised "
                  "too, as ffnn does, {:.3f}, {:.3f}; least squares {:.3f}, {:.3f}.".format(
                      *both["sklearn_scaled_target"], *both["least_squares"])]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
