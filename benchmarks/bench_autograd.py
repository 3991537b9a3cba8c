"""Seconds per MNIST epoch, 784-64-64-10, with ``engine="autograd"`` against ``engine="backprop"``.

Run: ``.venv/bin/python benchmarks/bench_autograd.py [--repeats 3] [--batch-sizes 32,256]
[--blas-threads 1]``

Each repeat trains one epoch with each engine, in alternating order (interleaved, so that a
noisy neighbour on the machine slows both alike), from the same seed. The table shows the
median wall-clock seconds per epoch, the median CPU seconds of this process (less sensitive
to other programs on a shared machine), and the ratios autograd / backprop. Timings are never
asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import ffnn
from ffnn.datasets import load_mnist

ENGINES = ("backprop", "autograd")


def one_epoch(engine: str, X: np.ndarray, y: np.ndarray, batch_size: int, dtype: str) -> tuple[float, float]:
    """``(wall seconds, CPU seconds)`` of one training epoch."""
    model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0, dtype=dtype, engine=engine)
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(X, y, epochs=1, batch_size=batch_size, learning_rate=0.01, verbose=0)
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(X, y, batch_size: int, repeats: int, dtype: str) -> dict[str, list[tuple[float, float]]]:
    times: dict[str, list[tuple[float, float]]] = {e: [] for e in ENGINES}
    for r in range(repeats):
        for engine in ENGINES if r % 2 == 0 else reversed(ENGINES):
            times[engine].append(one_epoch(engine, X, y, batch_size, dtype))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", default="32,256")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="limit BLAS threads (threadpoolctl); steadier on a shared machine")
    args = parser.parse_args()
    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads)
    X, y, _, _ = load_mnist()
    threads = "default" if args.blas_threads is None else args.blas_threads
    print(f"MNIST epoch (60,000 images), 784-64-64-10 relu/relu/softmax + cce, {args.dtype}, "
          f"BLAS threads {threads}, median of {args.repeats} interleaved repeats")
    print(f"{'batch':>5} | {'wall s: backprop':>16} {'autograd':>9} {'ratio':>6} | "
          f"{'CPU s: backprop':>15} {'autograd':>9} {'ratio':>6}")
    for batch_size in [int(b) for b in args.batch_sizes.split(",")]:
        times = measure(X, y, batch_size, args.repeats, args.dtype)
        med = {e: [statistics.median(t[i] for t in times[e]) for i in (0, 1)] for e in ENGINES}
        (bw, bc), (aw, ac) = med["backprop"], med["autograd"]
        print(f"{batch_size:>5} | {bw:>16.3f} {aw:>9.3f} {aw / bw:>6.2f} | {bc:>15.3f} {ac:>9.3f} {ac / bc:>6.2f}")


if __name__ == "__main__":
    main()
