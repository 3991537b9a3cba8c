"""Where does a second BLAS thread start to pay? ffnn seconds per MNIST epoch, 1 thread vs all.

Run: ``.venv/bin/python benchmarks/bench_threads.py [--repeats 3] [--batch-sizes 32,64,128,256,1024]``

Each repeat trains one epoch per (batch size, thread count), alternating the order, with
``FFNN_NUM_THREADS`` set for the run; the table shows the medians and the speed-up of all
cores over one. ``ffnn.threads.SMALL_BATCH`` should sit where the speed-up passes 1 on a quiet
machine. On a busy one (other processes wanting the cores) several BLAS threads can be many
times slower at every size: then run with ``FFNN_NUM_THREADS=1``. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics

import ffnn
from ffnn.datasets import load_mnist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-sizes", default="32,64,128,256,1024")
    args = parser.parse_args()
    X, y, _, _ = load_mnist()
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    cores = str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    times: dict[tuple[int, str], list[float]] = {}
    for r in range(args.repeats):
        for b in sizes:
            for n in ("1", cores) if r % 2 == 0 else (cores, "1"):
                os.environ["FFNN_NUM_THREADS"] = n
                model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
                history = model.fit(X, y, epochs=1, batch_size=b, verbose=0)
                times.setdefault((b, n), []).append(history.epoch_seconds[0])
    os.environ.pop("FFNN_NUM_THREADS")
    print(f"load average {os.getloadavg()}; median of {args.repeats}, s/epoch")
    print(f"{'batch':>6} {'1 thread':>9} {cores + ' threads':>10} {'speed-up':>9}")
    for b in sizes:
        one, many = statistics.median(times[(b, "1")]), statistics.median(times[(b, cores)])
        print(f"{b:>6} {one:>9.3f} {many:>10.3f} {one / many:>9.2f}")


if __name__ == "__main__":
    main()
