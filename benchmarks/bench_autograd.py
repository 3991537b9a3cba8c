"""Seconds per MNIST epoch, 784-64-64-10, with ``engine="autograd"`` against ``engine="backprop"``.

Run: ``.venv/bin/python benchmarks/bench_autograd.py [--repeats 3] [--batch-sizes 32,256]``

Each repeat trains one epoch with each engine, in alternating order (interleaved, so that a
noisy neighbour on the machine slows both alike), from the same seed; the table shows the
median seconds per epoch and the ratio autograd / backprop. Timings are never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import ffnn
from ffnn.datasets import load_mnist


def one_epoch(engine: str, X: np.ndarray, y: np.ndarray, batch_size: int, dtype: str) -> float:
    model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0, dtype=dtype, engine=engine)
    start = time.perf_counter()
    model.fit(X, y, epochs=1, batch_size=batch_size, learning_rate=0.01, verbose=0)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", default="32,256")
    parser.add_argument("--dtype", default="float32")
    args = parser.parse_args()
    X, y, _, _ = load_mnist()
    rows = []
    for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
        times: dict[str, list[float]] = {"backprop": [], "autograd": []}
        for r in range(args.repeats):
            order = ("backprop", "autograd") if r % 2 == 0 else ("autograd", "backprop")
            for engine in order:
                times[engine].append(one_epoch(engine, X, y, batch_size, args.dtype))
        bp, ag = statistics.median(times["backprop"]), statistics.median(times["autograd"])
        ratios = [a / b for a, b in zip(times["autograd"], times["backprop"])]
        rows.append((batch_size, bp, ag, ag / bp, min(ratios), max(ratios)))
    print(f"MNIST epoch, 784-64-64-10 relu/relu/softmax + cce, {args.dtype}, median of {args.repeats}")
    print(f"{'batch':>6} {'backprop s':>11} {'autograd s':>11} {'ratio':>7} {'pair ratios (min-max)':>22}")
    for b, bp, ag, ratio, lo, hi in rows:
        print(f"{b:>6} {bp:>11.3f} {ag:>11.3f} {ratio:>7.2f} {f'{lo:.2f}-{hi:.2f}':>22}")


if __name__ == "__main__":
    main()
