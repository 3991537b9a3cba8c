"""The two forms of a dense layer's input gradient, ``dz @ W.T`` and ``(W @ dz.T).T``, per shape.

Run: ``.venv/bin/python benchmarks/bench_dx_forms.py`` (the environment's kernels; ``DT=64`` in
the environment for float64), and
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_dx_forms.py``
(NumPy's own choice); see docs/performance.md, "The input gradient at small batches".

Each row: batch m x layer units n x inputs k; the median µs of the usual form and of the
transposed one, each followed by the ReLU backward that reads the result (so the transposed
form pays for its column-major layout), at 1 and 2 BLAS threads. Nothing is asserted.
"""

from __future__ import annotations

import os
import time

import numpy as np
import threadpoolctl

DT = np.float64 if os.environ.get("DT") == "64" else np.float32
SHAPES = [(1024, 1024), (512, 512), (784, 512), (128, 128), (64, 64), (1024, 10), (64, 10)]  # (k, n)
BATCHES = (16, 32, 64, 256, 1024)


def median_us(f, reps: int = 100) -> float:
    for _ in range(3):
        f()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e6)


def main() -> int:
    rng = np.random.default_rng(0)
    print("kernels", threadpoolctl.threadpool_info()[0].get("architecture"), "dtype", np.dtype(DT).name)
    for k, n in SHAPES:
        for m in BATCHES:
            dz, w = rng.standard_normal((m, n)).astype(DT), rng.standard_normal((k, n)).astype(DT)
            z, out = rng.standard_normal((m, k)).astype(DT), np.empty((m, k), DT)
            dx, dx_t = np.empty((m, k), DT), np.empty((k, m), DT)

            def usual(dz=dz, w=w, z=z, out=out, dx=dx):
                np.matmul(dz, w.T, out=dx)
                np.multiply(dx, z > 0, out=out)

            def transposed(dz=dz, w=w, z=z, out=out, dx_t=dx_t):
                np.matmul(w, dz.T, out=dx_t)
                np.multiply(dx_t.T, z > 0, out=out)

            row = []
            for threads in (1, 2):
                with threadpoolctl.threadpool_limits(threads, "blas"):
                    a, b = median_us(usual), median_us(transposed)
                row.append(f"{threads}t {a:6.0f} -> {b:6.0f} ({b / a:.2f})")
            print(f"{m:5d}x{n}x{k}: " + "   ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
