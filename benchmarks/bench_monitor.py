"""What the training monitor costs: epoch time of the 784-64-64-10 MNIST demo with the monitor
off and on (recording every epoch; optionally every N batches too), runs interleaved.

    python benchmarks/bench_monitor.py [--epochs 3] [--repeats 3] [--every 0] [--json out.json]

Each repeat trains a fresh model (seed 0, batch 32, learning rate 0.01, plain SGD) once per
setting, in alternating order. The figure is the median over repeats of the whole ``fit``'s
wall time divided by its epochs: it includes the monitor's per-batch work, its records (the
one before the first step and each epoch's, which run after ``history.epoch_seconds`` stops
its clock) and its health rules. Never asserted in tests: the machine decides the numbers.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import ffnn
from ffnn.datasets import load_mnist


def one_run(X, y, epochs: int, monitor) -> float:
    """Seconds per epoch of one whole fit."""
    model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
    start = time.perf_counter()
    model.fit(X, y, epochs=epochs, batch_size=32, learning_rate=0.01, verbose=0, monitor=monitor)
    return (time.perf_counter() - start) / epochs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--every", type=int, default=0, help="also measure Monitor(every=N) (0: skip)")
    p.add_argument("--json", default=None)
    args = p.parse_args()
    X, y, _, _ = load_mnist()
    settings = {"off": None, "every epoch": True}
    if args.every:
        settings[f"every {args.every} batches"] = ffnn.Monitor(every=args.every)
    seconds: dict[str, list[float]] = {k: [] for k in settings}
    start = time.perf_counter()
    for r in range(args.repeats):
        order = list(settings) if r % 2 == 0 else list(reversed(settings))
        for name in order:
            seconds[name].append(one_run(X, y, args.epochs, settings[name]))
    base = statistics.median(seconds["off"])
    result = {"machine": platform.machine(), "python": platform.python_version(), "epochs": args.epochs,
              "repeats": args.repeats, "median_epoch_seconds": {k: statistics.median(v) for k, v in seconds.items()},
              "epoch_seconds_per_repeat": seconds,
              "overhead": {k: statistics.median(v) / base - 1 for k, v in seconds.items()},
              "wall_seconds": time.perf_counter() - start}
    for k in settings:
        print(f"{k:>20}: {result['median_epoch_seconds'][k]:.3f} s/epoch  ({result['overhead'][k]:+.1%})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
