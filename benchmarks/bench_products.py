"""When does a second BLAS thread pay? One against all threads, per product, per network, per step.

Run: ``.venv/bin/python benchmarks/bench_products.py`` (all three parts; ``--help`` for options)::

    --part products   each float32 product of a dense layer alone: forward ``x W`` (m x k @ k x n),
                      backward ``x^T dz`` (k x m @ m x n) and ``dz W^T`` (m x n @ n x k), 1 thread
                      against all, for batch m and layer widths k -> n; then the threshold on the
                      work m*k*n that loses the least time when products below it run on one thread
                      and the others on all (``ffnn.threads.WORK_THRESHOLD`` comes from here)
    --part loop       ffnn's ``fit`` on whole networks at 1 thread against all (FFNN_NUM_THREADS),
                      interleaved: what the thread count does once the element-wise work, the
                      update and the gather sit between the products
    --part step       a hand-written NumPy training step for those networks, its products run at
                      1 thread, at all, or per product (switched through threadpoolctl's library
                      handle, ~1.5 us a switch): does choosing per product beat one count per network?

Every timing alternates the thread counts (1, all, all, 1, ...) and reports medians, so a slow
spell of a shared machine hits both alike. Results go to ``benchmarks/results/<date>-products.json``.
Nothing is asserted; on a busy machine several threads can lose everywhere (see docs/performance.md).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
N_INPUT, N_CLASSES = 784, 10


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _blas():
    """threadpoolctl's handle on NumPy's BLAS (set_num_threads costs ~1.5 us, a context ~16 us)."""
    from threadpoolctl import ThreadpoolController

    libs = ThreadpoolController().select(user_api="blas").lib_controllers
    if not libs:
        sys.exit("no BLAS visible to threadpoolctl: nothing to measure")
    return libs


def _set_threads(libs, n: int) -> None:
    for lib in libs:
        lib.set_num_threads(n)


# ---------------------------------------------------------------------------- products alone
def _summary(one: list[float], many: list[float]) -> dict:
    """Best (the undisturbed speed: on a shared machine the slow blocks are other work's doing) and
    median of each thread count, and the speed-up of all threads over one by each."""
    b1, bn, m1, mn = min(one), min(many), statistics.median(one), statistics.median(many)
    return {"seconds_1": b1, "seconds_all": bn, "speedup": b1 / bn, "median_seconds_1": m1,
            "median_seconds_all": mn, "median_speedup": m1 / mn, "all_seconds_1": one, "all_seconds_all": many}


def layer_products(m: int, k: int, n: int, rng) -> dict:
    """The three products of a dense layer k -> n at batch m, with preallocated outputs."""
    x, w, dz = (rng.standard_normal(s, dtype=np.float32) for s in ((m, k), (k, n), (m, n)))
    return {"forward x W": (x, w, np.empty((m, n), np.float32)),
            "backward x^T dz": (x.T, dz, np.empty((k, n), np.float32)),
            "backward dz W^T": (dz, w.T, np.empty((m, k), np.float32))}


def _time_product(a, b, c, budget: float) -> float:
    """Seconds per call: as many calls as fit in ``budget`` (at least 3), after one warm-up."""
    np.matmul(a, b, out=c)
    calls, start = 0, time.perf_counter()
    while calls < 3 or time.perf_counter() - start < budget:
        np.matmul(a, b, out=c)
        calls += 1
    return (time.perf_counter() - start) / calls


def part_products(args, libs) -> list[dict]:
    rng, cores, rows = np.random.default_rng(0), _cores(), []
    shapes = sorted({(k, n) for w in args.widths for k, n in ((N_INPUT, w), (w, w), (w, N_CLASSES))})
    for m in args.batch_sizes:
        for k, n in shapes:
            for kind, (a, b, c) in layer_products(m, k, n, rng).items():
                times = {1: [], cores: []}
                for r in range(args.repeats):
                    for t in (1, cores) if r % 2 == 0 else (cores, 1):
                        _set_threads(libs, t)
                        times[t].append(_time_product(a, b, c, args.budget))
                rows.append({"m": m, "k": k, "n": n, "kind": kind, "work": m * k * n, "threads_all": cores,
                             **_summary(times[1], times[cores])})
        print(f"products: batch {m} done", file=sys.stderr)
    return rows


def best_threshold(rows: list[dict], work: str = "work", prefix: str = "") -> dict:
    """The work threshold (at or above it: all threads) that loses the least time.

    Loss of a row = how much slower the chosen count is than the better one, relative to the
    better one; summed over every row. Ties go to the larger threshold (one thread is the safer
    choice on a shared machine). ``prefix="median_"`` fits the medians instead of the best times."""
    works = sorted({r[work] for r in rows}) + [float("inf")]
    best = None
    for w in works:
        loss = 0.0
        for r in rows:
            t1, tn = r[prefix + "seconds_1"], r[prefix + "seconds_all"]
            loss += (tn if r[work] >= w else t1) / min(t1, tn) - 1
        if best is None or loss <= best["loss"] + 1e-12:  # "<=": ties go to the larger threshold
            best = {"threshold": w, "loss": loss}
    below = [r[prefix + "speedup"] for r in rows if r[work] < best["threshold"]]
    above = [r[prefix + "speedup"] for r in rows if r[work] >= best["threshold"]]
    best["median_speedup_below"] = statistics.median(below) if below else None
    best["median_speedup_above"] = statistics.median(above) if above else None
    best["mean_relative_loss"] = best["loss"] / len(rows)
    return best


def products_table(rows: list[dict]) -> str:
    lines = ["| batch m | k -> n | work m*k*n | x W 1 thr µs | all µs | x^T dz 1 thr | all | dz W^T 1 thr | all |"
             " speed-up (fwd, x^T dz, dz W^T) |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["m"], r["k"], r["n"]), {})[r["kind"]] = r
    for (m, k, n), g in sorted(groups.items(), key=lambda kv: (kv[0][0] * kv[0][1] * kv[0][2], kv[0])):
        cells = []
        for kind in ("forward x W", "backward x^T dz", "backward dz W^T"):
            cells += [f"{g[kind]['seconds_1'] * 1e6:.1f}", f"{g[kind]['seconds_all'] * 1e6:.1f}"]
        ups = ", ".join(f"{g[kind]['speedup']:.2f}" for kind in ("forward x W", "backward x^T dz", "backward dz W^T"))
        lines.append(f"| {m} | {k} -> {n} | {m * k * n:,} | " + " | ".join(cells) + f" | {ups} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- whole networks
def _sizes(spec: str) -> list[int]:
    """'512x3' -> [784, 512, 512, 512, 10]; '64,64' -> [784, 64, 64, 10]."""
    if "x" in spec:
        width, depth = spec.split("x")
        hidden = [int(width)] * int(depth)
    else:
        hidden = [int(h) for h in spec.split(",")]
    return [N_INPUT, *hidden, N_CLASSES]


def part_loop(args, data) -> list[dict]:
    """ffnn's fit, one epoch on the subset, FFNN_NUM_THREADS=1 against all cores, interleaved."""
    import ffnn

    X, y = data
    cores, rows = str(_cores()), []
    old = os.environ.get("FFNN_NUM_THREADS")
    try:
        for spec in args.networks:
            sizes = _sizes(spec)
            acts = ["relu"] * (len(sizes) - 2) + ["softmax"]
            for b in args.loop_batch_sizes:
                times: dict[str, list[float]] = {"1": [], cores: []}
                epochs = 1
                for r in range(-1, args.repeats):  # r = -1: warm-up, and how many epochs make a job long enough
                    for t in ("1", cores) if r % 2 == 0 else (cores, "1"):
                        os.environ["FFNN_NUM_THREADS"] = t
                        time.sleep(0.2)  # let the other run's BLAS threads stop spinning
                        model = ffnn.FFNN(sizes, acts, "categorical_crossentropy", seed=0, dtype="float32")
                        start = time.perf_counter()
                        model.fit(X, y, epochs=epochs, batch_size=b, learning_rate=0.01, verbose=0)
                        seconds = (time.perf_counter() - start) / epochs
                        if r >= 0:
                            times[t].append(seconds)
                        elif t == "1":
                            epochs = max(1, min(20, round(args.min_job_seconds / seconds)))
                work = [b * i * o for i, o in zip(sizes, sizes[1:])]
                rows.append({"network": spec, "sizes": sizes, "batch_size": b, "largest_layer_work": max(work),
                             "step_work": sum(work), **_summary(times["1"], times[cores])})
                print(f"loop: {spec} batch {b}: 1 thread {rows[-1]['seconds_1']:.3f} s, {cores} threads "
                      f"{rows[-1]['seconds_all']:.3f} s (best of {args.repeats})", file=sys.stderr)
    finally:
        if old is None:
            os.environ.pop("FFNN_NUM_THREADS", None)
        else:
            os.environ["FFNN_NUM_THREADS"] = old
    return rows


class Step:
    """A hand-written SGD step (ReLU hidden layers, fused softmax + cross-entropy), every buffer
    preallocated; ``policy[i]`` is the thread count for layer i's products (all three share the
    work m*k*n), switched only when it changes."""

    def __init__(self, sizes: list[int], batch: int, rng) -> None:
        f32 = np.float32
        self.W = [(rng.standard_normal((i, o)) * np.sqrt(2 / i)).astype(f32) for i, o in zip(sizes, sizes[1:])]
        self.b = [np.zeros(o, f32) for o in sizes[1:]]
        self.dW = [np.empty_like(w) for w in self.W]
        self.db = [np.empty_like(b) for b in self.b]
        self.z = [np.empty((batch, o), f32) for o in sizes[1:]]
        self.a = [np.empty((batch, o), f32) for o in sizes[1:-1]]
        self.dz = [np.empty((batch, o), f32) for o in sizes[1:]]
        self.ones = np.ones(batch, f32)
        self.ones_out = np.ones(sizes[-1], f32)
        self.batch = batch

    def run(self, x, yb, policy, libs, current) -> int:
        """One step on the batch ``x`` (one-hot ``yb``); returns the thread count left set."""
        L, lr = len(self.W), 0.01

        def threads(i):
            nonlocal current
            if policy[i] != current:
                _set_threads(libs, policy[i])
                current = policy[i]

        h = x
        for i in range(L):
            threads(i)
            np.matmul(h, self.W[i], out=self.z[i])
            np.add(self.z[i], self.b[i], out=self.z[i])
            if i < L - 1:
                np.maximum(self.z[i], 0, out=self.a[i])
                h = self.a[i]
        d = self.dz[-1]  # dL/dz = (softmax(z) - y) / m
        np.subtract(self.z[-1], self.z[-1].max(axis=1, keepdims=True), out=d)
        np.exp(d, out=d)
        np.divide(d, (d @ self.ones_out)[:, None], out=d)
        np.subtract(d, yb, out=d)
        np.multiply(d, 1.0 / self.batch, out=d)
        for i in range(L - 1, -1, -1):
            threads(i)
            inp = x if i == 0 else self.a[i - 1]
            np.matmul(inp.T, self.dz[i], out=self.dW[i])  # dW = x^T dz
            np.matmul(self.ones, self.dz[i], out=self.db[i])  # db = 1^T dz
            if i > 0:
                np.matmul(self.dz[i], self.W[i].T, out=self.dz[i - 1])  # dx = dz W^T
                np.multiply(self.dz[i - 1], self.z[i - 1] > 0, out=self.dz[i - 1])  # ReLU'
        for w, dw, b, db in zip(self.W, self.dW, self.b, self.db):
            w -= lr * dw
            b -= lr * db
        return current


def _epoch(step: Step, X, Y, xb, yb, rng, policy, libs) -> None:
    """One shuffled pass over ``X`` in full batches, gathered into ``xb`` / ``yb``."""
    b, order, current = len(xb), rng.permutation(len(X)), -1
    for s in range(0, len(X) - b + 1, b):
        X.take(order[s : s + b], axis=0, out=xb, mode="clip")
        Y.take(order[s : s + b], axis=0, out=yb, mode="clip")
        current = step.run(xb, yb, policy, libs, current)


def part_step(args, data, libs, threshold: float) -> list[dict]:
    X, y = data
    Y = np.eye(N_CLASSES, dtype=np.float32)[y]
    cores, rows, rng = _cores(), [], np.random.default_rng(0)
    for spec in args.networks:
        sizes = _sizes(spec)
        for b in args.loop_batch_sizes:
            step = Step(sizes, b, rng)
            layer_work = [b * i * o for i, o in zip(sizes, sizes[1:])]
            policies = {"1 thread": [1] * len(layer_work), f"{cores} threads": [cores] * len(layer_work),
                        "per product": [cores if w >= threshold else 1 for w in layer_work]}
            xb, yb = np.empty((b, N_INPUT), np.float32), np.empty((b, N_CLASSES), np.float32)
            same = [n for n in policies if n != "per product" and policies[n] == policies["per product"]]
            if same:  # the per-product choice is one count for every layer: measured already
                del policies["per product"]
            names = list(policies)
            times: dict[str, list[float]] = {name: [] for name in names}
            start = time.perf_counter()
            _epoch(step, X, Y, xb, yb, rng, policies["1 thread"], libs)  # warm-up; sets the job's epochs
            epochs = max(1, min(20, round(args.min_job_seconds / (time.perf_counter() - start))))
            for r in range(args.repeats):
                for name in names if r % 2 == 0 else names[::-1]:
                    time.sleep(0.2)
                    start = time.perf_counter()
                    for _ in range(epochs):
                        _epoch(step, X, Y, xb, yb, rng, policies[name], libs)
                    times[name].append((time.perf_counter() - start) / epochs)
            if same:
                times["per product"] = times[same[0]]
                policies["per product"] = policies[same[0]]
            _set_threads(libs, cores)
            row = {"network": spec, "batch_size": b, "layer_work": layer_work, "policies": policies,
                   **{f"seconds {k}": min(v) for k, v in times.items()},
                   **{f"median seconds {k}": statistics.median(v) for k, v in times.items()},
                   **{f"all seconds {k}": v for k, v in times.items()}}
            rows.append(row)
            print(f"step: {spec} batch {b}: " + ", ".join(f"{k} {min(v):.3f} s" for k, v in times.items())
                  + f" (best of {args.repeats})", file=sys.stderr)
    return rows


# ---------------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--part", choices=("products", "loop", "step", "all"), default="all")
    p.add_argument("--batch-sizes", default="16,32,64,128,256,1024", help="products: batch sizes m")
    p.add_argument("--widths", default="32,64,128,256,512,1024", help="products: hidden widths")
    p.add_argument("--networks", default="64,64;32x1;128x2;256x2;512x3;1024x2",
                   help="loop and step: hidden layers, ';'-separated ('64,64' or '512x3')")
    p.add_argument("--loop-batch-sizes", default="16,32,64,128")
    p.add_argument("--samples", type=int, default=8192, help="loop and step: MNIST images per epoch")
    p.add_argument("--repeats", type=int, default=6)
    p.add_argument("--min-job-seconds", type=float, default=0.3, help="loop: epochs per job to last about this long")
    p.add_argument("--budget", type=float, default=0.01, help="products: seconds per timing block")
    p.add_argument("--threshold", type=float, default=0, help="step: work threshold (default: measured or "
                                                                    "ffnn.threads.WORK_THRESHOLD)")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    args.batch_sizes = [int(v) for v in args.batch_sizes.split(",")]
    args.widths = [int(v) for v in args.widths.split(",")]
    args.networks = [s for s in args.networks.split(";") if s]
    args.loop_batch_sizes = [int(v) for v in args.loop_batch_sizes.split(",")]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    libs = _blas()
    default_threads = max(lib.num_threads for lib in libs)
    result: dict = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "cores": _cores(),
                    "blas": [{"api": lib.internal_api, "version": lib.version} for lib in libs],
                    "numpy": np.__version__, "loadavg_at_start": os.getloadavg(), "settings": vars(args) | {"json": None}}
    threshold = args.threshold
    try:
        if args.part in ("products", "all"):
            rows = part_products(args, libs)
            fit, fit_median = best_threshold(rows), best_threshold(rows, prefix="median_")
            result["products"], result["threshold"], result["threshold_medians"] = rows, fit, fit_median
            print(products_table(rows))
            for name, f in (("best times", fit), ("medians", fit_median)):
                print(f"\nproducts, {name}: the threshold on m*k*n that loses the least is {f['threshold']:,} "
                      f"(median speed-up of all threads below it {f['median_speedup_below']}, at or above it "
                      f"{f['median_speedup_above']}; mean loss against the better count {100 * f['mean_relative_loss']:.1f} %)")
            threshold = threshold or fit["threshold"]
        if not threshold and args.part in ("step", "all"):
            from ffnn.threads import WORK_THRESHOLD

            threshold = WORK_THRESHOLD
        if args.part in ("loop", "step", "all"):
            from ffnn.datasets import load_mnist

            X, y, _, _ = load_mnist()
            data = (np.ascontiguousarray(X[: args.samples]), y[: args.samples])
            if args.part in ("loop", "all"):
                result["loop"] = rows = part_loop(args, data)
                print("\n| network | batch | largest layer m*k*n | step m*k*n | 1 thread s | all s | speed-up "
                      "| medians: 1 thread | all | speed-up |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
                for r in rows:
                    print(f"| {r['network']} | {r['batch_size']} | {r['largest_layer_work']:,} | {r['step_work']:,} "
                          f"| {r['seconds_1']:.3f} | {r['seconds_all']:.3f} | {r['speedup']:.2f} | "
                          f"{r['median_seconds_1']:.3f} | {r['median_seconds_all']:.3f} | {r['median_speedup']:.2f} |")
                result["loop_threshold"] = {}
                for work in ("largest_layer_work", "step_work"):
                    for prefix in ("", "median_"):
                        f = best_threshold(rows, work=work, prefix=prefix)
                        result["loop_threshold"][prefix + work] = f
                        print(f"whole networks, threshold on {work} ({'medians' if prefix else 'best times'}): "
                              f"{f['threshold']:,}; mean loss {100 * f['mean_relative_loss']:.1f} %")
            if args.part in ("step", "all"):
                result["step_threshold"] = threshold
                result["step"] = part_step(args, data, libs, threshold)
                names = [k[len("seconds "):] for k in result["step"][0] if k.startswith("seconds ")]
                print(f"\nhand-written step, per-product threshold {threshold:,}; best of {args.repeats} (median)")
                print("| network | batch | " + " | ".join(names) + " |\n|---|---:|" + "---:|" * len(names))
                for r in result["step"]:
                    print(f"| {r['network']} | {r['batch_size']} | " + " | ".join(
                        f"{r['seconds ' + k]:.3f} ({r['median seconds ' + k]:.3f})" for k in names) + " |")
    finally:
        _set_threads(libs, default_threads)
    result["loadavg_at_end"] = os.getloadavg()
    path = args.json or ROOT / "benchmarks" / "results" / f"{datetime.date.today().isoformat()}-products.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwrote {path}; load average {result['loadavg_at_start']} at start, {result['loadavg_at_end']} at end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
