"""The optimiser update in cache-sized slices against one pass over the whole vectors, in training.

Run: ``.venv/bin/python benchmarks/bench_update.py --hidden 1024,1024,1024,1024 --batch-size 16``

One ``fit`` alternates the two forms step by step (even steps: the whole vectors, as before
session 4; odd steps: ``Optimizer.step``'s slices) and times only the update calls, so both see
the same cache state after the same products. The two forms compute the same bits, so the
training itself is unchanged. Prints the median and 25th percentile of each side's steps;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hidden", default="1024,1024,1024,1024", help="hidden widths (default: %(default)s)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--optimizer", default="sgd", help="sgd, momentum or adam (default: %(default)s)")
    p.add_argument("--samples", type=int, default=4096)
    p.add_argument("--epochs", type=int, default=2)
    args = p.parse_args(argv)

    import numpy as np

    import ffnn
    from ffnn import optimizers
    from ffnn.datasets import load_mnist

    X, y, _, _ = load_mnist()
    X, y = X[: args.samples], y[: args.samples]
    hidden = [int(w) for w in args.hidden.split(",") if w]
    model = ffnn.FFNN([784, *hidden, 10], ["relu"] * len(hidden) + ["softmax"], "cce", seed=0)
    opt = optimizers.get(args.optimizer, learning_rate=0.01)
    sliced_step = type(opt).step
    times: dict[str, list[float]] = {"whole": [], "sliced": []}
    whole_scratch: list[np.ndarray] = []

    def alternating_step(self) -> None:
        side = "whole" if whole_scratch and self.iterations % 2 == 0 else "sliced"
        chunk, scratch = self._chunk, self._scratch
        if side == "whole":  # one slice as long as the vectors: the pre-session-4 update
            self._chunk, self._scratch = self.params.size, whole_scratch[0]
        start = time.perf_counter()
        sliced_step(self)
        times[side].append(time.perf_counter() - start)
        self._chunk, self._scratch = chunk, scratch

    type(opt).step = alternating_step
    try:
        model.fit(X[:64], y[:64], epochs=1, batch_size=args.batch_size, verbose=0, optimizer=opt)  # binds opt
        whole_scratch.append(np.empty_like(opt.params))
        times = {"whole": [], "sliced": []}
        model.fit(X, y, epochs=args.epochs, batch_size=args.batch_size, verbose=0, optimizer=opt)
    finally:
        type(opt).step = sliced_step
    print(f"784-{args.hidden}-10, batch {args.batch_size}, {args.optimizer}, {opt.params.size:,} parameters, "
          f"slice {opt._chunk:,} values:")
    for side, ts in times.items():
        q25 = statistics.quantiles(ts, n=4)[0]
        print(f"  {side:6s} median {statistics.median(ts) * 1e6:8.0f} µs   p25 {q25 * 1e6:8.0f} µs   ({len(ts)} steps)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
