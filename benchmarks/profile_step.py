"""Where a training step's time goes: per layer, the head, the batch gather and the update.

Run: ``.venv/bin/python benchmarks/profile_step.py --batch-size 32`` (``--help`` for options).

Trains a 784-<hidden>-10 ReLU/softmax network (default: the benchmark's 784-64-64-10) on MNIST with every layer's
``forward``/``backward``, the fused head, the optimiser step and the batch gather wrapped in a
timer, and prints the milliseconds per epoch and microseconds per step of each. The wrappers
cost ~0.3 µs per call, so the sum is a little above what an unwrapped step takes; what is left
between the sum and the epoch time is the loop itself. Compare with
``benchmarks/bench_compare.py``'s *matrix products alone* row for the floor.
"""

from __future__ import annotations

import argparse
import collections
import os
import time


def _wrap(obj, name: str, label: str, totals: collections.Counter) -> None:
    inner = getattr(obj, name)

    def timed(*args, **kwargs):
        start = time.perf_counter()
        result = inner(*args, **kwargs)
        totals[label] += time.perf_counter() - start
        return result

    setattr(obj, name, timed)


def _timed_batches(iterate, totals):
    def iterate_timed(self, order):
        batches = iterate(self, order)
        while True:
            start = time.perf_counter()
            try:
                batch = next(batches)
            except StopIteration:
                return
            totals["gather"] += time.perf_counter() - start
            yield batch

    return iterate_timed


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", help="BLAS threads (sets FFNN_NUM_THREADS); default: ffnn's rule")
    p.add_argument("--rmsnorm", action="store_true")
    p.add_argument("--hidden", default="64,64", help="hidden widths, comma-separated (default: the demo's 64,64)")
    p.add_argument("--samples", type=int, default=60000, help="training images per epoch (default: all 60,000)")
    args = p.parse_args(argv)
    if args.threads:
        os.environ["FFNN_NUM_THREADS"] = args.threads

    import ffnn
    from ffnn import optimizers, training
    from ffnn.datasets import load_mnist

    X, y, _, _ = load_mnist()
    X, y = X[: args.samples], y[: args.samples]
    hidden = [int(w) for w in args.hidden.split(",") if w]
    model = ffnn.FFNN([784, *hidden, 10], ["relu"] * len(hidden) + ["softmax"], "cce", seed=0, rmsnorm=args.rmsnorm)
    model.fit(X[:2048], y[:2048], epochs=1, batch_size=args.batch_size, verbose=0)  # warm the buffers
    totals: collections.Counter = collections.Counter()
    for i, layer in enumerate(model.network.layers):
        for method in ("forward", "backward"):
            _wrap(layer, method, f"{model.network.names[i]} {type(layer).__name__}.{method}", totals)
    head = model.objective.head
    if head is not None:
        _wrap(head, "forward", "head.forward (loss)", totals)
        _wrap(head, "backward", "head.backward", totals)
    optimizer = optimizers.SGD(0.01)
    _wrap(optimizer, "step", "optimizer.step", totals)
    original = training._Batches.iterate
    training._Batches.iterate = _timed_batches(original, totals)
    try:
        start = time.perf_counter()
        history = model.fit(X, y, epochs=args.epochs, batch_size=args.batch_size, verbose=0, optimizer=optimizer)
        per_epoch = (time.perf_counter() - start) / args.epochs
    finally:
        training._Batches.iterate = original
    steps = -(-len(X) // args.batch_size)
    print(f"batch {args.batch_size}, BLAS threads {history.params.get('blas_threads')}: {per_epoch:.3f} s/epoch "
          f"(epochs: {', '.join(f'{s:.3f}' for s in history.epoch_seconds)}), {steps} steps")
    for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {label:44s} {seconds / args.epochs * 1e3:8.1f} ms/epoch {seconds / args.epochs / steps * 1e6:8.1f} µs/step")
    measured = sum(totals.values()) / args.epochs
    print(f"  {'(sum of the above)':44s} {measured * 1e3:8.1f} ms/epoch; the loop itself: "
          f"{(sum(history.epoch_seconds) / args.epochs - measured) * 1e3:.1f} ms/epoch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
