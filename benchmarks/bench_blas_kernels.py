"""Float32 matrix products under the OpenBLAS kernels this environment forces and under NumPy's own choice.

Run: ``.venv/bin/python benchmarks/bench_blas_kernels.py``

Some machines set ``OPENBLAS_CORETYPE`` (and ``OPENBLAS_L2_SIZE``) for every process, because
older OpenBLAS builds computed wrong results or crashed on their processors. A current NumPy
would pick other kernels there. This script times the grid's typical products (best of
``--calls`` calls, GFLOP/s, 1 and 2 threads) in one child process with the environment as it
is and one with both variables removed, and prints which kernels each child ran (threadpoolctl's
``architecture``). Nothing is asserted; see docs/performance.md, "BLAS kernels".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

SHAPES = [(16, 1024, 1024), (32, 784, 64), (64, 784, 512), (256, 1024, 1024), (1024, 784, 1024),
          (1024, 1024, 1024), (1024, 1024, 10)]

CHILD = r"""
import json, sys, time
import numpy as np, threadpoolctl
shapes, calls = json.loads(sys.argv[1]), int(sys.argv[2])
pool = next(p for p in threadpoolctl.threadpool_info() if p["internal_api"] == "openblas")
rng = np.random.default_rng(0)
rates = {}
for threads in (1, 2):
    with threadpoolctl.threadpool_limits(threads, "blas"):
        for m, k, n in shapes:
            a = rng.standard_normal((m, k), dtype=np.float32)
            b = rng.standard_normal((k, n), dtype=np.float32)
            c = np.matmul(a, b)
            best = float("inf")
            for _ in range(calls):
                t = time.perf_counter(); np.matmul(a, b, out=c); best = min(best, time.perf_counter() - t)
            rates[f"{m}x{k}x{n}/{threads}"] = 2 * m * k * n / best / 1e9
print(json.dumps({"architecture": pool.get("architecture"), "rates": rates}))
"""


def run_child(env: dict[str, str], calls: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(SHAPES), str(calls)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=20, help="calls per product, the best counts (default 20)")
    args = p.parse_args(argv)
    forced = {k: v for k, v in os.environ.items() if k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    native_env = {k: v for k, v in os.environ.items() if k not in forced}
    sides = {f"as set ({forced or 'nothing forced'})": run_child(dict(os.environ), args.calls),
             "both removed (NumPy's own choice)": run_child(native_env, args.calls)}
    print("| product m x k x n | " + " | ".join(f"{name}: {r['architecture']}, 1 thread | 2 threads"
                                                for name, r in sides.items()) + " |")
    print("|---|" + "---:|---:|" * len(sides))
    for m, k, n in SHAPES:
        cells = []
        for r in sides.values():
            cells += [f"{r['rates'][f'{m}x{k}x{n}/{t}']:.0f}" for t in (1, 2)]
        print(f"| {m} x {k} x {n} | " + " | ".join(cells) + " |")
    print("GFLOP/s, float32, best of", args.calls, "calls")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
