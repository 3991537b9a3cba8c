"""ffnn against scikit-learn and PyTorch on MNIST: seconds per epoch, accuracy, inference, memory.

Run: ``.venv/bin/python benchmarks/bench_compare.py`` (``make bench``); ``--quick`` for a smoke
test, ``--help`` for the options.

The same 784-64-64-10 ReLU/softmax network, plain SGD (no momentum, no penalty), learning
rate 0.01, float32, on the 60,000 MNIST training images, at each batch size. Each framework
runs in its own worker process (so its threads, imports and memory peaks do not mix with the
others') that stays alive for the whole run; the parent sends every worker one job per
(repeat, configuration) in turn, so that the frameworks are *interleaved*: a slow minute on a
shared machine slows all of them alike, and the ratios stay meaningful when the absolute
times drift. A job trains a fresh model for ``--epochs`` epochs and reports the wall time of
the whole training call divided by the epochs (setup included, for every framework alike),
the peak resident memory of that call (``VmHWM`` after resetting it through
``/proc/self/clear_refs``) and the resident memory before it (the dataset and libraries).

Also measured, in the parent between repeats: the rate of the training step's matrix
products alone (the 8 products of one step at these shapes, best of 1 and all BLAS threads)
and the seconds per epoch they imply: a lower bound for any implementation on this BLAS.
After every timed training job, the worker times inference on the model it just trained:
samples per second on the 10,000 test images (class probabilities, best of 5), so inference is
interleaved like training; the table shows the median over all jobs. Then once per framework:
test accuracy after 10 epochs at batch 32.

ffnn also runs with ``engine="autograd"`` (when a tiny fit with it works),
``rmsnorm=True`` and ``dtype="float64"``, so their costs are visible. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import json
import os
import re
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from blas_env import restart_with_numpy_kernels  # benchmarks/, beside this script
from machine_info import machine
from markdown_section import replace_section
from torch_reference import build_mlp, train_epochs
from worker_pipe import WorkerProcess, serve

ROOT = Path(__file__).resolve().parents[1]
SIZES = (784, 64, 64, 10)
LEARNING_RATE = 0.01
FFNN_VARIANTS = {  # name -> FFNN keyword arguments ("threads" sets FFNN_NUM_THREADS for the run)
    "ffnn": {},
    "ffnn 1 thread": {"threads": 1},
    "ffnn autograd": {"engine": "autograd"},
    "ffnn rmsnorm": {"rmsnorm": True},
    "ffnn float64": {"dtype": "float64"},
}
FRAMEWORKS = ("ffnn", "sklearn", "torch")
# Pause before every timed job: OpenBLAS worker threads keep spinning for ~0.1 s after their
# last product (and OpenMP's for a while too), so a job started at once would share the cores
# with the previous worker's (or the parent's) spinning threads.
SETTLE_SECONDS = 0.3


# ---------------------------------------------------------------------------- memory
def _status_kib(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    m = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) if m else None


def _reset_peak() -> None:
    """Reset VmHWM (peak RSS) to the current RSS (Linux >= 4.0); silently skipped elsewhere."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


# ---------------------------------------------------------------------------- the workers
class FfnnRunner:
    def __init__(self, data):
        import ffnn

        self.ffnn, self.data = ffnn, data
        self.variants = {k: v for k, v in FFNN_VARIANTS.items() if "engine" not in v}
        self.skipped = {}
        try:  # time the autograd engine only when it trains (a tiny fit)
            m = self._model(engine="autograd")
            m.fit(data["X_train"][:64], data["y_train"][:64], epochs=1, batch_size=32, verbose=0)
            self.variants["ffnn autograd"] = {"engine": "autograd"}
        except Exception as err:  # noqa: BLE001 -- any failure means "skip it, say why"
            self.skipped["ffnn autograd"] = f"{type(err).__name__}: {err}"

    def _model(self, **kwargs):
        return self.ffnn.FFNN(list(SIZES), ["relu", "relu", "softmax"], "cce", seed=0, **kwargs)

    @contextlib.contextmanager
    def _threads(self, variant):
        """Set FFNN_NUM_THREADS for a variant that asks for it; put the old value back."""
        threads, old = self.variants[variant].get("threads"), os.environ.get("FFNN_NUM_THREADS")
        if threads is not None:
            os.environ["FFNN_NUM_THREADS"] = str(threads)
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("FFNN_NUM_THREADS", None)
            else:
                os.environ["FFNN_NUM_THREADS"] = old

    def train(self, variant, batch_size, epochs):
        kwargs = {k: v for k, v in self.variants[variant].items() if k != "threads"}
        with self._threads(variant):
            model = self._model(**kwargs)
            model.fit(self.data["X_train"], self.data["y_train"], epochs=epochs, batch_size=batch_size,
                      learning_rate=LEARNING_RATE, verbose=0)
        return model

    def predict_proba(self, variant, model, X):
        with self._threads(variant):
            return model.predict(X)

    def versions(self):
        return {"ffnn": self.ffnn.__version__ if hasattr(self.ffnn, "__version__") else "dev"}


class SklearnRunner:
    def __init__(self, data):
        import sklearn
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        self.sklearn, self.MLPClassifier, self.data = sklearn, MLPClassifier, data
        self.variants, self.skipped = {"sklearn": {}}, {}
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=epochs is on purpose

    def train(self, variant, batch_size, epochs):
        clf = self.MLPClassifier(
            hidden_layer_sizes=SIZES[1:-1], activation="relu", solver="sgd", alpha=0.0,
            batch_size=batch_size, learning_rate="constant", learning_rate_init=LEARNING_RATE,
            momentum=0.0, nesterovs_momentum=False, shuffle=True, max_iter=epochs, tol=0.0,
            n_iter_no_change=10**9, random_state=0,
        )
        return clf.fit(self.data["X_train"], self.data["y_train"])

    def predict_proba(self, variant, model, X):
        return model.predict_proba(X)

    def versions(self):
        return {"scikit-learn": self.sklearn.__version__}


class TorchRunner:
    def __init__(self, data):
        import torch

        torch.set_num_threads(2)
        self.torch = torch
        self.X = torch.from_numpy(data["X_train"])
        self.y = torch.from_numpy(data["y_train"]).long()
        self.variants, self.skipped = {"torch": {}}, {}

    def train(self, variant, batch_size, epochs):
        model = build_mlp(self.torch, list(SIZES))
        train_epochs(self.torch, model, self.X, self.y, batch_size, epochs, LEARNING_RATE)
        return model

    def predict_proba(self, variant, model, X):
        with self.torch.no_grad():
            return self.torch.softmax(model(self.torch.from_numpy(X)), dim=1).numpy()

    def versions(self):
        return {"torch": self.torch.__version__, "torch_threads": self.torch.get_num_threads()}


RUNNERS = {"ffnn": FfnnRunner, "sklearn": SklearnRunner, "torch": TorchRunner}


def worker(framework: str, data_dir: str) -> None:
    """The child side of the benchmark: answer JSON jobs from stdin (``worker_pipe.serve``)."""
    data = {k: np.load(Path(data_dir) / f"{k}.npy") for k in ("X_train", "y_train", "X_test", "y_test")}
    last_model = {}
    serve(lambda: RUNNERS[framework](data), lambda runner, job: _do_job(runner, job, data, last_model))


def _do_job(runner, job, data, last_model):
    kind = job["job"]
    if kind == "hello":
        from threadpoolctl import threadpool_info

        return {"variants": list(runner.variants), "skipped": runner.skipped, "versions": runner.versions(),
                "threadpools": [{k: p.get(k) for k in ("internal_api", "version", "num_threads", "filepath",
                                                          "architecture")} for p in threadpool_info()]}
    if kind == "train":
        last_model.clear()
        gc.collect()
        rss_before = _status_kib("VmRSS")
        _reset_peak()
        start = time.perf_counter()
        model = runner.train(job["variant"], job["batch_size"], job["epochs"])
        seconds = time.perf_counter() - start
        last_model[job["variant"]] = model
        return {"seconds_per_epoch": seconds / job["epochs"], "rss_before_kib": rss_before,
                "peak_rss_kib": _status_kib("VmHWM")}
    if kind == "infer":  # inference speed of the model trained by the last job, best of 5
        model, X = last_model[job["variant"]], data["X_test"]
        runner.predict_proba(job["variant"], model, X)  # warm
        times = []
        for _ in range(5):
            start = time.perf_counter()
            runner.predict_proba(job["variant"], model, X)
            times.append(time.perf_counter() - start)
        return {"samples_per_second": len(X) / min(times)}
    if kind == "evaluate":  # accuracy and inference of the model trained by the last job
        model = last_model[job["variant"]]
        X = data["X_test"]
        proba = runner.predict_proba(job["variant"], model, X)
        accuracy = float(np.mean(np.asarray(proba).argmax(axis=1) == data["y_test"]))
        times = []
        for _ in range(10):
            start = time.perf_counter()
            runner.predict_proba(job["variant"], model, X)
            times.append(time.perf_counter() - start)
        return {"accuracy": accuracy, "samples_per_second": len(X) / min(times)}
    raise ValueError(f"unknown job {kind!r}")


# ---------------------------------------------------------------------------- matrix products
def _step_products(batch_size: int, dtype=np.float32):
    """The 8 matrix products of one training step and their floating-point operations."""
    rng = np.random.default_rng(0)
    pairs = list(zip(SIZES, SIZES[1:]))
    ops = []
    for i, (n_in, n_out) in enumerate(pairs):
        x = rng.random((batch_size, n_in), dtype=dtype)
        w = rng.random((n_in, n_out), dtype=dtype)
        dz = rng.random((batch_size, n_out), dtype=dtype)
        z, dw, dx = np.empty((batch_size, n_out), dtype), np.empty_like(w), np.empty_like(x)
        ops.append((x, w, z))  # z = x W
        ops.append((x.T, dz, dw))  # dW = x^T dz
        if i > 0:
            ops.append((dz, w.T, dx))  # dx = dz W^T (not for the input layer)
    flops = sum(2 * a.shape[0] * a.shape[1] * b.shape[1] for a, b, _ in ops)
    return ops, flops


def matmul_rate(batch_size: int, n_samples: int, seconds: float = 0.4) -> dict:
    """GFLOP/s of one step's products alone, and the seconds per epoch they imply (best threads)."""
    from threadpoolctl import threadpool_limits

    ops, flops = _step_products(batch_size)
    steps = -(-n_samples // batch_size)
    best = {}
    for threads in (1, os.cpu_count() or 1):
        with threadpool_limits(threads, user_api="blas"):
            for a, b, c in ops:  # warm up
                np.matmul(a, b, out=c)
            reps, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                for a, b, c in ops:
                    np.matmul(a, b, out=c)
                reps += 1
            per_step = (time.perf_counter() - start) / reps
        if not best or per_step < best["step_seconds"]:
            best = {"step_seconds": per_step, "threads": threads}
    return {"gflops": flops / best["step_seconds"] / 1e9, "threads": best["threads"],
            "epoch_seconds": best["step_seconds"] * steps, "flops_per_step": flops}


# ---------------------------------------------------------------------------- the run


def run(args) -> dict:
    from ffnn.datasets import load_mnist

    X_train, y_train, X_test, y_test = load_mnist()
    n_train = args.train_samples or len(X_train)
    data = {"X_train": X_train[:n_train], "y_train": y_train[:n_train], "X_test": X_test, "y_test": y_test}
    dataset_mib = data["X_train"].nbytes / 2**20
    result = {"machine": machine(), "settings": {
        "sizes": SIZES, "learning_rate": LEARNING_RATE, "batch_sizes": args.batch_sizes, "epochs": args.epochs,
        "repeats": args.repeats, "accuracy_epochs": args.accuracy_epochs, "n_train": n_train,
        "dataset_float32_mib": dataset_mib, "date": datetime.datetime.now().isoformat(timespec="seconds")}}
    with tempfile.TemporaryDirectory(prefix="ffnn-bench-") as tmp:
        for key, arr in data.items():
            np.save(Path(tmp) / f"{key}.npy", np.ascontiguousarray(arr))
        del data, X_train, y_train, X_test, y_test
        workers = {fw: WorkerProcess(__file__, fw, tmp) for fw in args.frameworks}
        try:
            result.update(_measure(args, workers, n_train))
        finally:
            for w in workers.values():
                w.close()
    return result


def _measure(args, workers, n_train) -> dict:
    configs, skipped, info = [], {}, {}
    for fw, w in workers.items():
        if w.unavailable:
            skipped[fw] = w.unavailable
            continue
        info[fw] = {"versions": w.info["versions"], "threadpools": w.info["threadpools"]}
        skipped.update(w.info["skipped"])
        configs += [(fw, v) for v in w.info["variants"] if v in args.variants or v == fw]
    for fw, why in skipped.items():
        print(f"skipped {fw}: {why}", file=sys.stderr)
    times = {(fw, v, b): [] for fw, v in configs for b in args.batch_sizes}
    memory, inference = {}, {}
    rates = {b: [] for b in args.batch_sizes}
    t0 = time.perf_counter()
    for r in range(args.repeats):
        order = configs if r % 2 == 0 else configs[::-1]
        for b in args.batch_sizes:
            rates[b].append(matmul_rate(b, n_train))
            for fw, v in order:
                time.sleep(SETTLE_SECONDS)
                ans = workers[fw].ask({"job": "train", "variant": v, "batch_size": b, "epochs": args.epochs})
                if "error" in ans or "unavailable" in ans:
                    raise RuntimeError(f"{v} at batch {b} failed:\n{ans.get('error') or ans['unavailable']}")
                times[(fw, v, b)].append(ans["seconds_per_epoch"])
                inference.setdefault(v, []).append(workers[fw].ask({"job": "infer", "variant": v})["samples_per_second"])
                memory[(v, b)] = max(memory.get((v, b), 0), ans["peak_rss_kib"] or 0)
                memory[(v, b, "before")] = ans["rss_before_kib"]
        print(f"repeat {r + 1}/{args.repeats} done ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    quality = {}
    for fw, v in configs:  # accuracy after the full training, then inference on that model
        ans = workers[fw].ask({"job": "train", "variant": v, "batch_size": args.accuracy_batch,
                               "epochs": args.accuracy_epochs})
        time.sleep(SETTLE_SECONDS)
        ans = workers[fw].ask({"job": "evaluate", "variant": v})
        if "error" in ans:
            raise RuntimeError(f"evaluating {v} failed:\n{ans['error']}")
        quality[v] = ans
    rows = []
    for fw, v in configs:
        for b in args.batch_sizes:
            rows.append({
                "name": v, "framework": fw, "batch_size": b, "seconds_per_epoch": statistics.median(times[(fw, v, b)]),
                "all_seconds_per_epoch": times[(fw, v, b)], "peak_rss_mib": memory[(v, b)] / 1024,
                "rss_before_mib": (memory[(v, b, "before")] or 0) / 1024,
                "test_accuracy": quality[v]["accuracy"] if b == args.accuracy_batch else None,
                "inference_samples_per_second": statistics.median(inference[v]),
                "all_inference_samples_per_second": inference[v],
                "inference_after_accuracy_run": quality[v]["samples_per_second"],
            })
    matmul = {b: {"gflops": statistics.median(x["gflops"] for x in rates[b]),
                  "epoch_seconds": statistics.median(x["epoch_seconds"] for x in rates[b]),
                  "threads": [x["threads"] for x in rates[b]], "flops_per_step": rates[b][0]["flops_per_step"]}
              for b in args.batch_sizes}
    return {"rows": rows, "matmul": matmul, "skipped": skipped, "frameworks": info}


# ---------------------------------------------------------------------------- reporting
def table(result: dict) -> str:
    rows, matmul = result["rows"], result["matmul"]
    ref = {r["batch_size"]: r["seconds_per_epoch"] for r in rows if r["name"] == "ffnn"}
    lines = ["| batch | implementation | s/epoch | / ffnn | GFLOP/s | % of matmul rate | test acc. | infer. samples/s | peak RSS MiB |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for b in result["settings"]["batch_sizes"]:
        mm = matmul[b]
        flops = mm["flops_per_step"] * -(-result["settings"]["n_train"] // b)
        lines.append(f"| {b} | *matrix products alone* | {mm['epoch_seconds']:.3f} | "
                     f"{mm['epoch_seconds'] / ref[b]:.2f} | {mm['gflops']:.1f} | 100 % | | | |" if b in ref else "")
        for r in rows:
            if r["batch_size"] != b:
                continue
            s = r["seconds_per_epoch"]
            acc = "" if r["test_accuracy"] is None else f"{r['test_accuracy']:.4f}"
            lines.append(
                f"| {b} | {r['name']} | {s:.3f} | {s / ref[b]:.2f} | {flops / s / 1e9:.1f} | "
                f"{100 * mm['epoch_seconds'] / s:.0f} % | {acc} | {r['inference_samples_per_second']:,.0f} | "
                f"{r['peak_rss_mib']:.0f} |"
            )
    return "\n".join(line for line in lines if line)


def describe(result: dict) -> str:
    m, s = result["machine"], result["settings"]
    blas = []
    for fw, info in result["frameworks"].items():
        pools = ", ".join(f"{p['internal_api']} {p['version'] or ''} ({p['num_threads']} threads".replace(" (", "(")
                          + (f", {p['architecture']} kernels)" if p.get("architecture") else ")")
                          for p in info["threadpools"])
        vers = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        blas.append(f"- {fw}: {vers}; thread pools: {pools or 'none visible'}")
    skipped = [f"- skipped {k}: {v}" for k, v in result["skipped"].items()]
    return "\n".join([
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['platform']}, Python {m['python']}, NumPy {m['numpy']}; "
        f"load average at start {m['loadavg_at_start']}.",
        f"Run {s['date']}: {s['sizes']} ReLU/softmax, SGD lr {s['learning_rate']}, float32, {s['n_train']} "
        f"training images; median of {s['repeats']} interleaved repeats of {s['epochs']} epoch(s) each "
        f"(s/epoch = whole training call / epochs). Test accuracy after {s['accuracy_epochs']} epochs at "
        "that batch size; inference: class probabilities for the 10,000 test images, the best of 5 after each timed training job, median over the jobs; "
        f"peak RSS: whole worker process during training (the float32 training set is {s['dataset_float32_mib']:.0f} MiB).",
        *blas, *skipped,
    ])


def write_markdown(path: Path, text: str) -> None:
    """Replace the text between the bench_compare markers in ``path`` (or append it with markers)."""
    replace_section(path, "bench_compare", text)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2, help="epochs per timed run (default 2)")
    p.add_argument("--repeats", type=int, default=5, help="interleaved repeats (default 5)")
    p.add_argument("--batch-sizes", default="32,256,1024")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    p.add_argument("--variants", default=",".join(FFNN_VARIANTS), help="ffnn variants to time")
    p.add_argument("--accuracy-epochs", type=int, default=10, help="epochs of the accuracy run (>= 1)")
    p.add_argument("--accuracy-batch", type=int, default=32)
    p.add_argument("--train-samples", type=int, default=0, help="use only the first N images (0: all)")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 1 repeat of 1 epoch on 6,000 images, batch 32 and 256, 1 accuracy epoch")
    p.add_argument("--json", type=Path, help="default: benchmarks/results/<date>.json")
    p.add_argument("--markdown", type=Path, help="a Markdown file whose bench_compare section is replaced")
    p.add_argument("--numpy-kernels", action="store_true",
                   help="run without OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (NumPy's own kernel choice), "
                        "parent and workers alike (docs/performance.md, 'BLAS kernels')")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.accuracy_epochs < 1:
        p.error("--accuracy-epochs must be at least 1")
    if args.quick:
        args.epochs, args.repeats, args.accuracy_epochs = 1, 1, 1
        args.batch_sizes, args.train_samples = "32,256", args.train_samples or 6000
    args.batch_sizes = [int(b) for b in str(args.batch_sizes).split(",")]
    args.frameworks = [f for f in args.frameworks.split(",") if f]
    args.variants = [v.strip() for v in args.variants.split(",")]
    if args.accuracy_batch not in args.batch_sizes:
        args.accuracy_batch = args.batch_sizes[0]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        worker(args.worker, args.data_dir)
        return 0
    if args.numpy_kernels:
        restart_with_numpy_kernels(__file__, argv)
    result = run(args)
    text = table(result) + "\n\n" + describe(result)
    print(text)
    path = args.json or ROOT / "benchmarks" / "results" / f"{datetime.date.today().isoformat()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwrote {path}")
    if args.markdown:
        write_markdown(args.markdown, text)
        print(f"updated {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
