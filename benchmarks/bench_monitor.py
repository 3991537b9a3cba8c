"""What the training monitor costs: epoch time of the 784-64-64-10 MNIST demo with the monitor
off and on (recording every epoch; optionally every N batches too), runs interleaved.

    python benchmarks/bench_monitor.py [--epochs 3] [--repeats 3] [--every 0] [--json out.json]

Each repeat trains a fresh model (seed 0, batch 32, learning rate 0.01, plain SGD) once per
setting, in alternating order. The figures are medians over repeats of the whole ``fit``'s
wall time and CPU time (``time.process_time``: less disturbed by other work on a shared machine;
batch 32 runs one BLAS thread) divided by its epochs: they include the monitor's per-batch work,
its records (the one before the first step and each epoch's, which run after
``history.epoch_seconds`` stops its clock) and its health rules; the records' own time is
reported too (``history.monitor["records"]["seconds"]``), and the fastest repeat of each
setting, the one least disturbed by other work on a shared machine. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import numpy as np

import ffnn
from ffnn.datasets import load_mnist


def one_run(X, y, epochs: int, monitor) -> tuple[float, float, float]:
    """Wall and CPU seconds per epoch of one whole fit, and the seconds its monitor's records took."""
    model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
    wall, cpu = time.perf_counter(), time.process_time()
    history = model.fit(X, y, epochs=epochs, batch_size=32, learning_rate=0.01, verbose=0, monitor=monitor)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    records = sum(history.monitor["records"]["seconds"]) if history.monitor else 0.0
    return wall / epochs, cpu / epochs, records / epochs


def step_overhead(X, y, blocks: int = 10, steps: int = 200) -> dict[str, float]:
    """The monitor's per-batch work measured inside the loop's own steps: blocks of ``steps``
    training steps (forward, backward, SGD update on batches of 32) alternate with and without
    the activation tap and the per-batch hook, so machine drift hits both alike."""
    from ffnn.fitting import prepare_for
    from ffnn.monitor.tap import Watcher, watch_kind
    from ffnn.threads import blas_threads

    model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
    data = prepare_for(model, X[:6400], y[:6400], learn=True)
    opt = ffnn.optimizers.get("sgd", learning_rate=0.01)
    opt.bind(model.network.flat_params, model.network.flat_grads)
    acts = {n: layer for n, layer in zip(model.network.names, model.network.layers[:-1])
            if watch_kind(getattr(layer, "activation", None)) is not None}
    watchers = {n: Watcher("dead", layer.activation, 64, 32, np.float32) for n, layer in acts.items()}
    recorder = ffnn.Monitor().recorder(model.network, data.X, n_samples=60000, batch_size=32, epochs=1,
                                       initial_epoch=0, history=ffnn.History())
    batches = [(data.X[i:i + 32], data.Y[i:i + 32]) for i in range(0, 6400, 32)]
    times: dict[bool, list[float]] = {False: [], True: []}
    with blas_threads(1):  # as fit runs batch 32
        _blocks(model, opt, batches, acts, watchers, recorder, blocks, steps, times)
    off, on = statistics.median(times[False]), statistics.median(times[True])
    return {"step_seconds": off, "monitored_step_seconds": on, "per_batch_overhead": on / off - 1}


def _blocks(model, opt, batches, acts, watchers, recorder, blocks, steps, times) -> None:
    from ffnn.monitor.tap import ActivationTap

    for block in range(2 * blocks):
        on = block % 2 == 1
        tap = ActivationTap(acts, watchers) if on else None
        start = time.perf_counter()
        for b in range(steps):
            xb, yb = batches[b % len(batches)]
            loss, _ = model.objective.loss_and_gradients(xb, yb)
            opt.step()
            if on:
                recorder.on_batch_end(5, {"loss": loss, "size": 32})
        times[on].append((time.perf_counter() - start) / steps)
        if tap is not None:
            tap.remove()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--every", type=int, default=0, help="also measure Monitor(every=N) (0: skip)")
    p.add_argument("--json", default=None)
    args = p.parse_args()
    X, y, _, _ = load_mnist()
    settings = {"off": None, "every epoch": True}
    if args.every:
        settings[f"every {args.every} batches"] = ffnn.Monitor(every=args.every)
    runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in settings}
    start = time.perf_counter()
    for r in range(args.repeats):
        order = list(settings) if r % 2 == 0 else list(reversed(settings))
        for name in order:
            runs[name].append(one_run(X, y, args.epochs, settings[name]))
    med = {k: [statistics.median(t[i] for t in v) for i in range(3)] for k, v in runs.items()}
    best = {k: [min(t[i] for t in v) for i in range(2)] for k, v in runs.items()}  # least disturbed runs
    result = {"machine": platform.machine(), "python": platform.python_version(), "epochs": args.epochs,
              "repeats": args.repeats, "per_repeat": runs,
              "median": {k: {"wall": m[0], "cpu": m[1], "records": m[2]} for k, m in med.items()},
              "overhead_wall": {k: med[k][0] / med["off"][0] - 1 for k in runs},
              "overhead_cpu": {k: med[k][1] / med["off"][1] - 1 for k in runs},
              "fastest": {k: {"wall": b[0], "cpu": b[1]} for k, b in best.items()},
              "overhead_fastest_wall": {k: best[k][0] / best["off"][0] - 1 for k in runs},
              "overhead_fastest_cpu": {k: best[k][1] / best["off"][1] - 1 for k in runs},
              "wall_seconds": time.perf_counter() - start}
    print(f"{'':>20}  wall s/epoch        CPU s/epoch         records s/epoch")
    for k in settings:
        print(f"{k:>20}: {med[k][0]:.3f} ({result['overhead_wall'][k]:+6.1%})   {med[k][1]:.3f} "
              f"({result['overhead_cpu'][k]:+6.1%})   {med[k][2]:.4f} ({med[k][2] / med['off'][0]:.1%} of an epoch)")
    print("fastest of the repeats (the least disturbed by other work):")
    for k in settings:
        print(f"{k:>20}: {best[k][0]:.3f} ({result['overhead_fastest_wall'][k]:+6.1%})   {best[k][1]:.3f} "
              f"({result['overhead_fastest_cpu'][k]:+6.1%})")
    result["step"] = step_overhead(X, y)
    st = result["step"]
    print(f"per-batch work: {st['step_seconds'] * 1e6:.0f} µs a step, {st['monitored_step_seconds'] * 1e6:.0f} µs "
          f"with the tap and hook ({st['per_batch_overhead']:+.1%}); with the records "
          f"({med['every epoch'][2] / med['off'][0]:.1%} of an epoch) the monitor's own cost is about "
          f"{st['per_batch_overhead'] + med['every epoch'][2] / med['off'][0]:.1%} of an epoch")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
