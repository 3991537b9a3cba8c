"""``FFNNClassifier()`` against ``MLPClassifier()`` at scikit-learn's defaults, on MNIST.

Run: ``.venv/bin/python benchmarks/bench_sklearn_defaults.py`` (about 10 minutes on 2 cores);
``--quick`` for a smoke test (6,000 images, 3 epochs), ``--help`` for the options.

Both estimators are built with their defaults and nothing else but ``random_state``: one hidden
layer of 100 ReLU units, Adam at 0.001, batches of 200, ``alpha=1e-4``, at most 200 epochs,
stopping when the training loss has not improved by ``tol=1e-4`` for 10 epochs (early
stopping off). With ``init="sklearn"`` (our default) and the same ``random_state`` both start
from the same weights and shuffle alike: the same algorithm, so the time is the
implementation's. The 60,000 training images are float32 in [0, 1] (``ffnn.datasets``), so
both train in float32; the 10,000 test images give the accuracy.

Each fit runs in a fresh process, and the two estimators alternate (*interleaved*: a busy
minute on a shared machine slows both alike). Reported per fit: wall time and CPU time (user +
system) of ``fit``, epochs run (``n_iter_``), seconds per epoch, final ``loss_``, train and test
accuracy; then the median ratios. ``--threads`` runs every fit in each BLAS-thread mode:
``default`` (the BLAS's own, all cores, as a user gets it) and ``1`` (both limited to one thread
with threadpoolctl: the per-core cost, which stays meaningful when other jobs share the cores:
an OpenBLAS thread that waits for a descheduled sibling spins, so loaded machines distort
multi-threaded wall times). Results go to ``benchmarks/results/`` as JSON. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ESTIMATORS = ("sklearn", "ffnn")


def _worker(name: str, random_state: int, quick: bool, threads: str = "default") -> dict:
    """Fit one estimator at its defaults; runs in its own process."""
    import contextlib
    import resource
    import time
    import warnings

    from threadpoolctl import threadpool_limits

    from ffnn.datasets import load_mnist

    X_train, y_train, X_test, y_test = load_mnist()
    if quick:
        X_train, y_train = X_train[:6000], y_train[:6000]
    if name == "sklearn":
        from sklearn.neural_network import MLPClassifier as Estimator
    else:
        from ffnn.sklearn import FFNNClassifier as Estimator
    est = Estimator(random_state=random_state, **({"max_iter": 3} if quick else {}))
    limit = contextlib.nullcontext() if threads == "default" else threadpool_limits(limits=int(threads))
    with warnings.catch_warnings(record=True) as caught, limit:
        warnings.simplefilter("always")
        before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        est.fit(X_train, y_train)
        seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {
        "estimator": name, "threads": threads, "seconds": seconds, "cpu_seconds": cpu, "epochs": int(est.n_iter_),
        "seconds_per_epoch": seconds / est.n_iter_, "loss": float(est.loss_),
        "train_accuracy": float(est.score(X_train, y_train)), "test_accuracy": float(est.score(X_test, y_test)),
        "converged": not any("Maximum iterations" in str(w.message) for w in caught),
        "weight_dtype": str(est.coefs_[0].dtype),
    }


def _run_in_child(name: str, random_state: int, quick: bool, threads: str) -> dict:
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import bench_sklearn_defaults as b; "
            "print(json.dumps(b._worker(sys.argv[2], int(sys.argv[3]), sys.argv[4] == '1', sys.argv[5])))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "benchmarks"), name, str(random_state),
                          "1" if quick else "0", threads], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"the {name} fit failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _table(runs: list[dict]) -> str:
    lines = ["| threads | repeat | estimator | fit (s) | CPU (s) | epochs | s/epoch | loss_ | train acc | test acc |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['threads']} | {r['repeat']} | {r['estimator']} | {r['seconds']:.1f} | "
                     f"{r['cpu_seconds']:.1f} | {r['epochs']} | {r['seconds_per_epoch']:.2f} | {r['loss']:.4f} | "
                     f"{r['train_accuracy']:.4f} | {r['test_accuracy']:.4f} |")
    return "\n".join(lines)


def _ratio(by: dict, key: str) -> float:
    """The median over repeats of scikit-learn's over ours (NaN when a fit is missing)."""
    pairs = {}
    for r in by["sklearn"] + by["ffnn"]:
        pairs.setdefault(r["repeat"], {})[r["estimator"]] = r[key]
    ratios = [p["sklearn"] / p["ffnn"] for p in pairs.values() if len(p) == 2]
    return statistics.median(ratios) if ratios else float("nan")


def _summary(runs: list[dict], threads: str) -> dict:
    by = {name: [r for r in runs if r["estimator"] == name and r["threads"] == threads] for name in ESTIMATORS}
    med = {name: {key: statistics.median(r[key] for r in rs) for key in
                  ("seconds", "cpu_seconds", "seconds_per_epoch", "epochs", "test_accuracy")}
           for name, rs in by.items()}
    return {"median": med, "fit_time_ratio_sklearn_over_ffnn": _ratio(by, "seconds"),
            "cpu_time_ratio_sklearn_over_ffnn": _ratio(by, "cpu_seconds"),
            "epoch_time_ratio_sklearn_over_ffnn": _ratio(by, "seconds_per_epoch")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="fits per estimator, interleaved (default 2)")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="6,000 images, 3 epochs: a smoke test")
    parser.add_argument("--threads", nargs="+", default=["default", "1"],
                        help="BLAS-thread modes, each run for every fit: 'default' and/or a count (default: both)")
    parser.add_argument("--out", type=Path, default=None, help="JSON results (default: benchmarks/results/)")
    args = parser.parse_args(argv)
    runs, failures = [], []
    for repeat in range(args.repeats):
        for threads in args.threads:
            for name in ESTIMATORS if repeat % 2 == 0 else ESTIMATORS[::-1]:  # alternate who goes first
                try:
                    result = {"repeat": repeat, **_run_in_child(name, args.random_state, args.quick, threads)}
                except RuntimeError as err:  # one failed fit (say, a broken checkout) does not lose the rest
                    print(f"repeat {repeat}, threads {threads}, {name}: {err}", file=sys.stderr, flush=True)
                    failures.append({"repeat": repeat, "threads": threads, "estimator": name, "error": str(err)})
                    continue
                print(f"repeat {repeat}, threads {threads}, {name}: {result['seconds']:.1f} s "
                      f"(CPU {result['cpu_seconds']:.1f} s), {result['epochs']} epochs, "
                      f"test accuracy {result['test_accuracy']:.4f}", flush=True)
                runs.append(result)
    summary = {threads: _summary(runs, threads) for threads in args.threads}
    print()
    print(_table(runs))
    for threads, s in summary.items():
        print(f"\nthreads {threads}: MLPClassifier / FFNNClassifier (median): fit time "
              f"{s['fit_time_ratio_sklearn_over_ffnn']:.2f}x, CPU time {s['cpu_time_ratio_sklearn_over_ffnn']:.2f}x, "
              f"per epoch {s['epoch_time_ratio_sklearn_over_ffnn']:.2f}x")
    import numpy
    import sklearn

    record = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "quick": args.quick,
              "random_state": args.random_state, "machine": platform.platform(), "cpus": os.cpu_count(),
              "load_average_at_end": os.getloadavg(), "numpy": numpy.__version__,
              "sklearn": sklearn.__version__, "runs": runs, "failures": failures, "summary": summary}
    out = args.out or ROOT / "benchmarks" / "results" / (
        f"{datetime.date.today().isoformat()}-sklearn-defaults{'-quick' if args.quick else ''}.json")
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
