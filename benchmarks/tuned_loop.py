"""A hand-written NumPy training loop with no library around it: the floor ffnn is measured against.

Run: ``.venv/bin/python benchmarks/tuned_loop.py --batch-size 32 --threads 1``.

The issue's "tuned NumPy loop": the benchmark's 784-64-64-10 ReLU/softmax network, plain SGD
(learning rate 0.01), float32, every buffer preallocated, the softmax + cross-entropy gradient
fused, one flat parameter vector updated in two passes. No checks, no history, no accuracy, no
layers. It prints seconds per epoch; run ``benchmarks/profile_step.py`` or
``benchmarks/bench_compare.py --variants ffnn --frameworks ffnn`` in the same minutes to compare
(this machine's speed drifts).
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (threadpoolctl)")
    args = p.parse_args(argv)
    from threadpoolctl import threadpool_limits

    from ffnn.datasets import load_mnist

    X, y, _, _ = load_mnist()
    Y = np.eye(10, dtype=np.float32)[y]
    bs, n, rng, lr = args.batch_size, len(X), np.random.default_rng(0), 0.01
    sizes = [784, 64, 64, 10]
    total = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    params, grads, scratch = (np.zeros(total, np.float32) for _ in range(3))
    W, B, dW, dB = [], [], [], []
    offset = 0
    for a, b in zip(sizes, sizes[1:]):
        W.append(params[offset : offset + a * b].reshape(a, b))
        W[-1][...] = rng.standard_normal((a, b)) * np.sqrt(2 / a)
        dW.append(grads[offset : offset + a * b].reshape(a, b))
        offset += a * b
        B.append(params[offset : offset + b])
        dB.append(grads[offset : offset + b])
        offset += b
    xb, yb = np.empty((bs, 784), np.float32), np.empty((bs, 10), np.float32)
    z1, a1, z2, a2, d2, d1 = (np.empty((bs, 64), np.float32) for _ in range(6))
    z3, d3 = np.empty((bs, 10), np.float32), np.empty((bs, 10), np.float32)
    ones, ones10 = np.ones(bs, np.float32), np.ones(10, np.float32)

    def epoch() -> None:
        order = rng.permutation(n)
        for s in range(0, n - bs + 1, bs):  # full batches only
            idx = order[s : s + bs]
            X.take(idx, axis=0, out=xb, mode="clip")
            Y.take(idx, axis=0, out=yb, mode="clip")
            np.matmul(xb, W[0], out=z1)
            np.add(z1, B[0], out=z1)
            np.maximum(z1, 0, out=a1)
            np.matmul(a1, W[1], out=z2)
            np.add(z2, B[1], out=z2)
            np.maximum(z2, 0, out=a2)
            np.matmul(a2, W[2], out=z3)
            np.add(z3, B[2], out=z3)
            np.subtract(z3, z3.max(axis=1, keepdims=True), out=d3)
            np.exp(d3, out=d3)
            np.divide(d3, (d3 @ ones10)[:, None], out=d3)  # softmax
            np.subtract(d3, yb, out=d3)
            np.multiply(d3, 1.0 / bs, out=d3)  # dL/dz3 = (p - y) / n
            np.matmul(a2.T, d3, out=dW[2])
            np.matmul(ones, d3, out=dB[2])
            np.matmul(d3, W[2].T, out=d2)
            np.multiply(d2, z2 > 0, out=d2)
            np.matmul(a1.T, d2, out=dW[1])
            np.matmul(ones, d2, out=dB[1])
            np.matmul(d2, W[1].T, out=d1)
            np.multiply(d1, z1 > 0, out=d1)
            np.matmul(xb.T, d1, out=dW[0])
            np.matmul(ones, d1, out=dB[0])
            np.multiply(grads, lr, out=scratch)
            np.subtract(params, scratch, out=params)

    with threadpool_limits(args.threads, user_api="blas"):
        seconds = []
        for _ in range(args.epochs):
            start = time.perf_counter()
            epoch()
            seconds.append(time.perf_counter() - start)
    print(f"batch {bs}, {args.threads} BLAS thread(s): tuned loop s/epoch " + " ".join(f"{t:.3f}" for t in seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
