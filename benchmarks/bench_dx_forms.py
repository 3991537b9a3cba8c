"""The two forms of a dense layer's input gradient, ``dz @ W.T`` and ``(W @ dz.T).T``, per shape.

Run: ``.venv/bin/python benchmarks/bench_dx_forms.py`` (the environment's kernels; ``DT=64`` in
the environment for float64), and
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_dx_forms.py``
(NumPy's own choice); see docs/performance.md, "The input gradient at small batches".

Each row: batch m x layer units n x inputs k; the median µs of the usual form and of the
transposed one, each followed by the ReLU backward that reads the result (so the transposed
form pays for its column-major layout), at 1 and 2 BLAS threads. Nothing is asserted.
"""

import numpy as np, time, threadpoolctl, sys, os
DT = np.float64 if os.environ.get("DT") == "64" else np.float32
rng = np.random.default_rng(0)
def t(f, reps=100):
    for _ in range(3): f()
    ts = []
    for _ in range(reps):
        s = time.perf_counter(); f(); ts.append(time.perf_counter() - s)
    return np.median(ts) * 1e6
kern = threadpoolctl.threadpool_info()[0].get("architecture")
print("kernels", kern)
for (k, n) in [(1024, 1024), (512, 512), (784, 512), (128, 128), (64, 64), (1024, 10), (64, 10)]:
    for m in (16, 32, 64, 256, 1024):
        dz = rng.standard_normal((m, n), dtype=DT); W = rng.standard_normal((k, n), dtype=DT)
        z = rng.standard_normal((m, k), dtype=DT); out = np.empty((m, k), DT)
        dx = np.empty((m, k), DT); dxT = np.empty((k, m), DT)
        row = []
        for th in (1, 2):
            with threadpoolctl.threadpool_limits(th, "blas"):
                a = t(lambda: (np.matmul(dz, W.T, out=dx), np.multiply(dx, z > 0, out=out)))
                b = t(lambda: (np.matmul(W, dz.T, out=dxT), np.multiply(dxT.T, z > 0, out=out)))
                row.append(f"{th}t {a:6.0f} -> {b:6.0f} ({b/a:.2f})")
        print(f"{m:5d}x{n}x{k}: " + "   ".join(row))
