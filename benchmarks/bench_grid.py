"""Shape grid: ffnn against PyTorch and scikit-learn over hidden width, depth and batch size.

Run: ``.venv/bin/python benchmarks/bench_grid.py`` (the full grid, an estimated 10-20 minutes on 2 quiet cores);
``--quick`` for a smoke run of three tiny cells (seconds); ``--help`` for the options. A full run
for the docs: ``--heatmap docs/perf/grid.png --markdown docs/performance.md``.

Every cell is a ReLU network 784 -> width x depth -> 10 with a softmax output, trained with
plain SGD (learning rate 0.01, no momentum, no penalty) in float32 on a fixed subset: the first
``--samples`` images of the bundled MNIST training set (8,192 by default, so every batch size
divides it). Each framework runs in its own worker process, and the parent hands out one job at
a time, cell after cell, framework after framework (the order rotates every repeat), repeat after
repeat: the runs are **interleaved**, so a slow minute of a shared machine slows all of them
alike. A job trains a fresh model for the cell's epochs (as many as make the job last about
``--min-job-seconds``; the same for every framework) and reports the whole training call divided
by the epochs, setup included. The table shows the median over the repeats.

Threads: ffnn uses its own rule (``ffnn.threads``), and a tiny fit per cell asks it which
count it chose (``history.params["blas_threads"]``); PyTorch (``torch.set_num_threads``) and
scikit-learn (its BLAS, through threadpoolctl) run with that same count, recorded per cell
(``--sklearn-threads default`` leaves scikit-learn's BLAS alone; ``--threads N`` fixes every
framework at N).

The floor: in the parent, between the jobs of each cell, the matrix products of one training
step alone (forward ``x W`` per layer, backward ``x^T dz`` per layer and ``dz W^T`` but for the
first layer), preallocated, at 1 thread and at all; the better, times the steps of an epoch, is
the *products alone* column: no implementation on this BLAS can go below it (it leaves out the
batch gather, the element-wise passes and the update).

Output: the JSON (every repeat, the machine, the thread counts) and the markdown table into
``benchmarks/results/<date>-grid[-quick].{json,md}``, a heatmap of ffnn / PyTorch and ffnn /
scikit-learn (``--heatmap``, needs matplotlib), and with ``--markdown FILE`` the section of FILE
between the ``bench_grid`` markers replaced by the table. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import itertools
import json
import math
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from blas_env import restart_with_numpy_kernels  # benchmarks/, beside this script
from machine_info import cores, machine
from markdown_section import replace_section
from torch_reference import build_mlp, train_epochs
from worker_pipe import WorkerProcess, serve

ROOT = Path(__file__).resolve().parents[1]
N_INPUT, N_CLASSES = 784, 10
LEARNING_RATE = 0.01
FRAMEWORKS = ("ffnn", "torch", "sklearn")
SETTLE_SECONDS = 0.2  # idle BLAS/OpenMP threads of the previous job spin this long before sleeping
TARGETS = {"torch": 0.8, "sklearn": 0.5}  # the issue's: ffnn <= 0.8x PyTorch and <= 0.5x scikit-learn


def sizes_of(width: int, depth: int) -> list[int]:
    return [N_INPUT, *([width] * depth), N_CLASSES]

# ---------------------------------------------------------------------------- the workers
class FfnnRunner:
    name = "ffnn"

    def __init__(self, X, y) -> None:
        import ffnn

        self.ffnn, self.X, self.y = ffnn, X, y

    def _model(self, sizes):
        acts = ["relu"] * (len(sizes) - 2) + ["softmax"]
        return self.ffnn.FFNN(sizes, acts, "categorical_crossentropy", seed=0, dtype="float32")

    def threads_for(self, sizes, batch_size, fixed):
        """The BLAS threads ffnn's rule picks for this cell, read from a tiny fit's history."""
        previous = self.ffnn.set_num_threads(fixed) if fixed else None
        try:
            n = min(len(self.X), 2 * batch_size)
            history = self._model(sizes).fit(self.X[:n], self.y[:n], epochs=1, batch_size=batch_size,
                                             learning_rate=LEARNING_RATE, verbose=0, shuffle=True)
        finally:
            if fixed:
                self.ffnn.set_num_threads(previous)
        return history.params.get("blas_threads")

    def train(self, sizes, batch_size, epochs, threads, fixed):
        previous = self.ffnn.set_num_threads(fixed) if fixed else None
        try:
            model = self._model(sizes)
            start = time.perf_counter()
            history = model.fit(self.X, self.y, epochs=epochs, batch_size=batch_size, learning_rate=LEARNING_RATE,
                                verbose=0, shuffle=True)
            seconds = time.perf_counter() - start
        finally:
            if fixed:
                self.ffnn.set_num_threads(previous)
        return seconds, history.params.get("blas_threads")

    def versions(self):
        return {"ffnn": getattr(self.ffnn, "__version__", "dev")}


class TorchRunner:
    name = "torch"

    def __init__(self, X, y) -> None:
        import torch

        self.torch, self.X, self.y = torch, torch.from_numpy(X), torch.from_numpy(y).long()

    def train(self, sizes, batch_size, epochs, threads, fixed):
        torch = self.torch
        torch.set_num_threads(threads or cores())
        model = build_mlp(torch, sizes)
        start = time.perf_counter()
        train_epochs(torch, model, self.X, self.y, batch_size, epochs, LEARNING_RATE)
        return time.perf_counter() - start, torch.get_num_threads()

    def versions(self):
        return {"torch": self.torch.__version__}


class SklearnRunner:
    name = "sklearn"

    def __init__(self, X, y) -> None:
        import sklearn
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
        from threadpoolctl import threadpool_limits

        self.sklearn, self.MLPClassifier, self.limits, self.X, self.y = sklearn, MLPClassifier, threadpool_limits, X, y
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=epochs is on purpose

    def train(self, sizes, batch_size, epochs, threads, fixed):
        clf = self.MLPClassifier(
            hidden_layer_sizes=tuple(sizes[1:-1]), activation="relu", solver="sgd", alpha=0.0, batch_size=batch_size,
            learning_rate="constant", learning_rate_init=LEARNING_RATE, momentum=0.0, nesterovs_momentum=False,
            shuffle=True, max_iter=epochs, tol=0.0, n_iter_no_change=10**9, random_state=0,
        )
        with self.limits(threads, user_api="blas"):  # threads None: no limit
            from threadpoolctl import threadpool_info

            used = max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"), default=None)
            start = time.perf_counter()
            clf.fit(self.X, self.y)
            return time.perf_counter() - start, used

    def versions(self):
        return {"scikit-learn": self.sklearn.__version__}


RUNNERS = {"ffnn": FfnnRunner, "torch": TorchRunner, "sklearn": SklearnRunner}


def worker(framework: str, data_dir: str) -> None:
    """The child side of the benchmark: answer JSON jobs from stdin (``worker_pipe.serve``)."""
    X, y = np.load(Path(data_dir) / "X.npy"), np.load(Path(data_dir) / "y.npy")
    serve(lambda: RUNNERS[framework](X, y), _do_job)


def _do_job(runner, job: dict) -> dict:
    if job["job"] == "hello":
        from threadpoolctl import threadpool_info

        pools = [{k: p.get(k) for k in ("user_api", "internal_api", "version", "num_threads", "architecture")}
                 for p in threadpool_info()]
        return {"versions": runner.versions(), "threadpools": pools}
    if job["job"] == "threads":
        return {"threads": runner.threads_for(job["sizes"], job["batch_size"], job["fixed"])}
    if job["job"] == "train":
        gc.collect()
        seconds, used = runner.train(job["sizes"], job["batch_size"], job["epochs"], job["threads"], job["fixed"])
        return {"seconds_per_epoch": seconds / job["epochs"], "threads_used": used}
    raise ValueError(f"unknown job {job['job']!r}")


# ---------------------------------------------------------------------------- the floor
def step_products(sizes: list[int], batch_size: int, rng) -> list[tuple]:
    """The matrix products of one training step, with preallocated outputs."""
    f32, ops = np.float32, []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        x = rng.standard_normal((batch_size, n_in), dtype=f32)
        w = rng.standard_normal((n_in, n_out), dtype=f32)
        dz = rng.standard_normal((batch_size, n_out), dtype=f32)
        ops.append((x, w, np.empty((batch_size, n_out), f32)))  # z = x W
        ops.append((x.T, dz, np.empty((n_in, n_out), f32)))  # dW = x^T dz
        if i > 0:
            ops.append((dz, w.T, np.empty((batch_size, n_in), f32)))  # dx = dz W^T
    return ops


def floor_seconds(sizes: list[int], batch_size: int, n_samples: int, budget: float) -> dict:
    """Seconds per epoch of the step's products alone, at 1 thread and at all; the better is the floor."""
    from threadpoolctl import threadpool_limits

    ops = step_products(sizes, batch_size, np.random.default_rng(0))
    steps = math.ceil(n_samples / batch_size)
    per_threads = {}
    for threads in sorted({1, cores()}):
        with threadpool_limits(threads, user_api="blas"):
            for a, b, c in ops:  # warm up
                np.matmul(a, b, out=c)
            reps, start = 0, time.perf_counter()
            while reps < 2 or time.perf_counter() - start < budget:
                for a, b, c in ops:
                    np.matmul(a, b, out=c)
                reps += 1
            per_threads[threads] = (time.perf_counter() - start) / reps * steps
    best = min(per_threads, key=per_threads.get)
    return {"seconds_per_epoch": per_threads[best], "threads": best, "by_threads": per_threads}


# ---------------------------------------------------------------------------- the run


def run(args) -> dict:
    from ffnn.datasets import load_mnist

    X, y, _, _ = load_mnist()
    X, y = np.ascontiguousarray(X[: args.samples]), np.ascontiguousarray(y[: args.samples])
    cells = [(w, d, b) for w, d, b in itertools.product(args.widths, args.depths, args.batch_sizes)]
    result = {"machine": machine(), "settings": {
        "widths": args.widths, "depths": args.depths, "batch_sizes": args.batch_sizes, "cells": cells,
        "samples": len(X), "repeats": args.repeats, "min_job_seconds": args.min_job_seconds,
        "learning_rate": LEARNING_RATE, "dtype": "float32", "threads": args.threads or "ffnn's rule",
        "sklearn_threads": args.sklearn_threads, "quick": args.quick,
        "date": datetime.datetime.now().isoformat(timespec="seconds")}}
    with tempfile.TemporaryDirectory(prefix="ffnn-grid-") as tmp:
        np.save(Path(tmp) / "X.npy", X)
        np.save(Path(tmp) / "y.npy", y)
        workers = {fw: WorkerProcess(__file__, fw, tmp) for fw in args.frameworks}
        try:
            result.update(measure(args, workers, cells, len(X)))
        finally:
            for w in workers.values():
                w.close()
    result["machine"]["loadavg_at_end"] = os.getloadavg()
    return result


def _plan(args, workers, cells, n_samples) -> dict:
    """Per cell: the thread count (ffnn's choice), the epochs per job and a first floor."""
    plan = {}
    for w, d, b in cells:
        sizes = sizes_of(w, d)
        threads = args.threads or None
        if "ffnn" in workers and not workers["ffnn"].unavailable:
            ans = workers["ffnn"].ask({"job": "threads", "sizes": sizes, "batch_size": b, "fixed": args.threads or None})
            if "error" in ans:
                raise RuntimeError(f"ffnn failed at {sizes} batch {b}:\n{ans['error']}")
            threads = ans["threads"]
        floor = floor_seconds(sizes, b, n_samples, budget=0.05)
        # a job lasts ~min_job_seconds for ffnn if it runs at ~1/3 of the floor's speed plus ~40 us a step
        estimate = 3 * floor["seconds_per_epoch"] + 40e-6 * math.ceil(n_samples / b)
        epochs = max(1, min(args.max_epochs, round(args.min_job_seconds / estimate)))
        plan[(w, d, b)] = {"sizes": sizes, "threads": threads, "epochs": epochs}
    return plan


def _warm_up(args, workers, live, plan) -> None:
    """One untimed job per worker on the grid's biggest network at its largest batch.

    A worker's first jobs run slower than the later ones (threads created, the allocator's heap
    and the page tables growing: the first two of five back-to-back jobs of one cell took
    1.5-1.9x the others, for ffnn and PyTorch alike), which would fall on whichever cells come
    first."""
    cell = max(plan, key=lambda c: (c[0] * c[1], c[2]))
    p = plan[cell]
    for fw in live:
        time.sleep(SETTLE_SECONDS)
        ans = workers[fw].ask({"job": "train", "sizes": p["sizes"], "batch_size": cell[2], "epochs": 1,
                               "threads": p["threads"], "fixed": args.threads or None})
        if "error" in ans or "unavailable" in ans:
            raise RuntimeError(f"{fw} warm-up at {cell} failed:\n{ans.get('error') or ans['unavailable']}")


def measure(args, workers, cells, n_samples) -> dict:
    live = [fw for fw, wk in workers.items() if not wk.unavailable]
    skipped = {fw: wk.unavailable for fw, wk in workers.items() if wk.unavailable}
    for fw, why in skipped.items():
        print(f"skipped {fw}: {why}", file=sys.stderr)
    plan = _plan(args, workers, cells, n_samples)
    if args.warmup:
        _warm_up(args, workers, live, plan)
    times = {(c, fw): [] for c in cells for fw in live}
    used = {(c, fw): set() for c in cells for fw in live}
    floors = {c: [] for c in cells}
    t0 = time.perf_counter()
    for r in range(args.repeats):
        order = live[r % len(live):] + live[: r % len(live)] if live else []
        for cell in cells if r % 2 == 0 else cells[::-1]:
            p = plan[cell]
            floors[cell].append(floor_seconds(p["sizes"], cell[2], n_samples, budget=args.floor_budget))
            for fw in order:
                threads = p["threads"]
                if fw == "sklearn" and args.sklearn_threads == "default":
                    threads = None
                time.sleep(SETTLE_SECONDS)
                ans = workers[fw].ask({"job": "train", "sizes": p["sizes"], "batch_size": cell[2],
                                       "epochs": p["epochs"], "threads": threads, "fixed": args.threads or None})
                if "error" in ans or "unavailable" in ans:
                    raise RuntimeError(f"{fw} at {cell} failed:\n{ans.get('error') or ans['unavailable']}")
                times[(cell, fw)].append(ans["seconds_per_epoch"])
                used[(cell, fw)].add(ans["threads_used"])
        print(f"repeat {r + 1}/{args.repeats} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    rows = []
    for cell in cells:
        w, d, b = cell
        row = {"width": w, "depth": d, "batch_size": b, "sizes": plan[cell]["sizes"], "epochs": plan[cell]["epochs"],
               "ffnn_threads": plan[cell]["threads"],
               "floor_seconds_per_epoch": statistics.median(f["seconds_per_epoch"] for f in floors[cell]),
               "floor_threads": [f["threads"] for f in floors[cell]],
               "floor_by_threads": [f["by_threads"] for f in floors[cell]]}
        for fw in live:
            row[f"{fw}_seconds_per_epoch"] = statistics.median(times[(cell, fw)])
            row[f"{fw}_all_seconds_per_epoch"] = times[(cell, fw)]
            row[f"{fw}_threads_used"] = sorted(used[(cell, fw)], key=lambda v: (v is None, v))
        rows.append(row)
    info = {fw: workers[fw].info for fw in live}
    return {"rows": rows, "skipped": skipped, "frameworks": info, "wall_seconds": time.perf_counter() - t0}


# ---------------------------------------------------------------------------- reporting
def _ratio(row: dict, other: str) -> float | None:
    a, b = row.get("ffnn_seconds_per_epoch"), row.get(f"{other}_seconds_per_epoch")
    return a / b if a and b else None


def table(result: dict) -> str:
    rows = result["rows"]
    lines = ["| width | depth | batch | threads | epochs | products alone s | ffnn s | PyTorch s | scikit-learn s "
             "| ffnn / PyTorch | ffnn / sklearn | floor / ffnn |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def s(v):
        return "" if v is None else f"{v:.3f}" if v >= 0.1 else f"{v:.4f}"

    def ratio(v, target):
        return "" if v is None else f"**{v:.2f}**" if v > target else f"{v:.2f}"

    for r in rows:
        ffnn = r.get("ffnn_seconds_per_epoch")
        share = f"{100 * r['floor_seconds_per_epoch'] / ffnn:.0f} %" if ffnn else ""
        lines.append(
            f"| {r['width']} | {r['depth']} | {r['batch_size']} | {r['ffnn_threads'] or 'all'} | {r['epochs']} "
            f"| {s(r['floor_seconds_per_epoch'])} | {s(ffnn)} | {s(r.get('torch_seconds_per_epoch'))} "
            f"| {s(r.get('sklearn_seconds_per_epoch'))} | {ratio(_ratio(r, 'torch'), TARGETS['torch'])} "
            f"| {ratio(_ratio(r, 'sklearn'), TARGETS['sklearn'])} "
            f"| {share} |")
    return "\n".join(lines)


def _best_ratio(row: dict, other: str) -> float | None:
    a, b = row.get("ffnn_all_seconds_per_epoch"), row.get(f"{other}_all_seconds_per_epoch")
    return min(a) / min(b) if a and b else None


def summary(result: dict) -> str:
    m, s, rows = result["machine"], result["settings"], result["rows"]
    out = []
    for fw, target in TARGETS.items():
        name = "PyTorch" if fw == "torch" else "scikit-learn"
        ratios = [x for x in (_ratio(r, fw) for r in rows) if x is not None]
        if ratios:
            ok = sum(x <= target for x in ratios)
            out.append(f"ffnn <= {target}x {name}: {ok} of {len(ratios)} "
                       f"cells (ratios {min(ratios):.2f}-{max(ratios):.2f}, median {statistics.median(ratios):.2f}; "
                       "bold: above the target).")
        best = [x for x in (_best_ratio(r, fw) for r in rows) if x is not None]
        if best and s["repeats"] > 1:
            out.append(f"  Each framework's fastest repeat instead of the median (the undisturbed speed): "
                       f"{sum(x <= target for x in best)} of {len(best)} cells (ratios {min(best):.2f}-{max(best):.2f}, "
                       f"median {statistics.median(best):.2f}).")
    pools = []
    for fw, info in result["frameworks"].items():
        vers = ", ".join(f"{k} {v}" for k, v in info.get("versions", {}).items())
        blas = ", ".join(f"{p['internal_api']} {p['version'] or ''} ({p['num_threads']}"
                         f"{', ' + p['architecture'] + ' kernels' if p.get('architecture') else ''})"
                         for p in info.get("threadpools", []))
        pools.append(f"- {fw}: {vers}; thread pools at start: {blas or 'none visible'}")
    threads = ("threads: ffnn's own rule per cell (column *threads*; *all* = the BLAS default), PyTorch "
               f"{'and scikit-learn ' if s['sklearn_threads'] == 'same' else ''}set to the same count"
               if s["threads"] == "ffnn's rule" else f"threads: {s['threads']} for every framework")
    return "\n".join([
        *out, "",
        f"Run {s['date']}: 784 -> width x depth -> 10, ReLU, softmax + cross-entropy, SGD lr {s['learning_rate']}, "
        f"float32, the first {s['samples']:,} MNIST training images; s = seconds per epoch, the median of "
        f"{s['repeats']} interleaved repeats (each job: *epochs* epochs, the whole training call / epochs); {threads}; "
        "*products alone*: one step's matrix products timed alone (better of 1 and all threads) times the steps.",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['platform']}, Python {m['python']}, NumPy {m['numpy']}; load "
        f"average {tuple(round(v, 2) for v in m['loadavg_at_start'] or ())} at start, "
        f"{tuple(round(v, 2) for v in m.get('loadavg_at_end') or ())} at end; {result['wall_seconds']:.0f} s of timing; "
        f"OpenBLAS environment: {m.get('openblas_env') or 'none set'}.",
        *pools, *(f"- skipped {k}: {v}" for k, v in result["skipped"].items()),
    ])


def heatmap(result: dict, path: Path) -> None:
    """ffnn / PyTorch and ffnn / scikit-learn per cell: rows width x depth, columns batch size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    s, rows = result["settings"], result["rows"]
    others = [fw for fw in ("torch", "sklearn") if any(_ratio(r, fw) for r in rows)]
    if not others:
        return
    keys = [(w, d) for w in s["widths"] for d in s["depths"]]
    fig, axes = plt.subplots(1, len(others), squeeze=False, figsize=(
        (2.6 + 0.9 * len(s["batch_sizes"])) * len(others), 1.9 + 0.36 * len(keys)))
    for ax, fw in zip(axes[0], others):
        grid = np.full((len(keys), len(s["batch_sizes"])), np.nan)
        for r in rows:
            v = _ratio(r, fw)
            if v is not None:
                grid[keys.index((r["width"], r["depth"])), s["batch_sizes"].index(r["batch_size"])] = v
        image = ax.imshow(grid, cmap="RdYlGn_r", norm=LogNorm(vmin=0.25, vmax=4.0), aspect="auto")
        target = TARGETS[fw]
        for i, j in itertools.product(range(len(keys)), range(len(s["batch_sizes"]))):
            if not np.isnan(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", fontsize=8,
                        fontweight="bold" if grid[i, j] > target else "normal")
        ax.set_xticks(range(len(s["batch_sizes"])), [str(b) for b in s["batch_sizes"]])
        ax.set_yticks(range(len(keys)), [f"{w} x {d}" for w, d in keys])
        ax.set_xlabel("batch size")
        ax.set_ylabel("hidden width x depth")
        name = "PyTorch" if fw == "torch" else "scikit-learn"
        ax.set_title(f"ffnn / {name} s per epoch\n(target <= {target}; bold: above it)", fontsize=9)
        ticks = [0.25, 0.5, 0.8, 1, 2, 4]
        bar = fig.colorbar(image, ax=ax, shrink=0.8, ticks=ticks)
        bar.ax.minorticks_off()
        bar.ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    load = result["machine"]["loadavg_at_start"]
    pools = result.get("frameworks", {}).get("ffnn", {}).get("threadpools", [])
    kernels = next((p.get("architecture") for p in pools if p.get("internal_api") == "openblas"), None)
    fig.suptitle(f"{s['date'][:10]}, {s['samples']:,} MNIST images, median of {s['repeats']}"
                 + (f", load {load[0]:.1f} at start" if load else "")
                 + (f", NumPy's OpenBLAS with {kernels} kernels" if kernels else ""), fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_markdown(path: Path, text: str) -> None:
    """Replace the text between the bench_grid markers in ``path`` (or append it with markers)."""
    replace_section(path, "bench_grid", text)


def _ints(text: str) -> list[int]:
    return [int(v) for v in str(text).split(",") if v.strip()]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--widths", default="32,128,512,1024")
    p.add_argument("--depths", default="1,2,4", help="hidden layers")
    p.add_argument("--batch-sizes", default="16,64,256,1024")
    p.add_argument("--samples", type=int, default=8192, help="the first N MNIST training images (default 8,192)")
    p.add_argument("--repeats", type=int, default=3, help="interleaved repeats (default 3)")
    p.add_argument("--no-warmup", dest="warmup", action="store_false",
                   help="skip the untimed warm-up job of every worker before the timed repeats")
    p.add_argument("--min-job-seconds", type=float, default=0.4, help="epochs per job to last about this long")
    p.add_argument("--max-epochs", type=int, default=10)
    p.add_argument("--floor-budget", type=float, default=0.1, help="seconds per timing of the products alone")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    p.add_argument("--threads", type=int, default=0, help="fix every framework at N threads (default: ffnn's rule)")
    p.add_argument("--sklearn-threads", choices=("same", "default"), default="same",
                   help="scikit-learn's BLAS: ffnn's count (default) or the BLAS default")
    p.add_argument("--quick", action="store_true", help="smoke run: three tiny cells, 1,024 images, 1 repeat")
    p.add_argument("--json", type=Path, help="default: benchmarks/results/<date>-grid[-quick].json")
    p.add_argument("--table", type=Path, help="the markdown table; default: beside the JSON, .md")
    p.add_argument("--heatmap", type=Path, help="the PNG; default: beside the JSON, .png ('' for none)")
    p.add_argument("--markdown", type=Path, help="a Markdown file whose bench_grid section is replaced")
    p.add_argument("--numpy-kernels", action="store_true",
                   help="run without OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (NumPy's own kernel choice), "
                        "parent and workers alike; the summary names the kernels each ran")
    p.add_argument("--replot", type=Path, metavar="JSON",
                   help="no timing: redraw the heatmap (--heatmap, default beside it) of a saved run")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.widths, args.depths, args.batch_sizes = "32,128", "1", "64"
        args.samples, args.repeats, args.min_job_seconds, args.max_epochs, args.floor_budget = 1024, 1, 0.05, 2, 0.02
    args.widths, args.depths, args.batch_sizes = _ints(args.widths), _ints(args.depths), _ints(args.batch_sizes)
    args.frameworks = [f for f in args.frameworks.split(",") if f]
    unknown = set(args.frameworks) - set(FRAMEWORKS)
    if unknown:
        p.error(f"unknown frameworks {sorted(unknown)}; choose from {', '.join(FRAMEWORKS)}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.numpy_kernels and not args.worker:
        restart_with_numpy_kernels(__file__, argv)
    if args.worker:
        worker(args.worker, args.data_dir)
        return 0
    if args.replot:
        picture = args.heatmap or args.replot.with_suffix(".png")
        heatmap(json.loads(args.replot.read_text()), picture)
        print(f"wrote {picture}")
        return 0
    result = run(args)
    text = table(result) + "\n\n" + summary(result)
    print(text)
    stem = f"{datetime.date.today().isoformat()}-grid{'-quick' if args.quick else ''}"
    path = args.json or ROOT / "benchmarks" / "results" / f"{stem}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    table_path = args.table or path.with_suffix(".md")
    table_path.write_text(text + "\n")
    print(f"\nwrote {path} and {table_path}")
    picture = path.with_suffix(".png") if args.heatmap is None else args.heatmap
    if str(picture) not in ("", "."):
        try:
            heatmap(result, picture)
            print(f"wrote {picture}")
        except ImportError as err:
            print(f"no heatmap: {err}", file=sys.stderr)
    if args.markdown:
        write_markdown(args.markdown, text)
        print(f"updated {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
