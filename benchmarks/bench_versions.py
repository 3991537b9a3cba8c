"""Epoch time of the demo network at two versions of ffnn, interleaved.

Checks that a change (e.g. the layers refactor) did not slow the hot path: by default the
784-64-64-10 ReLU/softmax network, plain SGD at batch 32 on MNIST's 60,000 training images,
float32, one BLAS thread, as ``make demo`` trains it (``--hidden``, ``--samples``,
``--threads auto``, ``--optimizer`` for other shapes). Each round runs one fresh process per version, in
alternating order, trains several epochs in one ``fit`` and takes the epoch times ``fit``
records; the median per version is reported.

    .venv/bin/python benchmarks/bench_versions.py --base a5f6d9b --rounds 5

``--base`` is a git revision, checked out into a temporary worktree; the other side is the
working tree. Nothing is asserted: the numbers go to stdout (and ``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import ffnn
from ffnn.datasets import load_mnist
if "{threads}" != "auto":
    ffnn.set_num_threads(int("{threads}"))
X, y, _, _ = load_mnist()
X, y = X[:{samples}], y[:{samples}]
hidden = [{hidden}]
m = ffnn.FFNN([784, *hidden, 10], ["relu"] * len(hidden) + ["softmax"], "cce", init="he", seed=42)
m.fit(X[:4096], y[:4096], epochs=1, batch_size={batch}, learning_rate=0.01, verbose=0, optimizer="{optimizer}")  # warm-up
h = m.fit(X, y, epochs={epochs}, batch_size={batch}, learning_rate=0.01, verbose=0, optimizer="{optimizer}")
print(json.dumps(list(h.epoch_seconds)))  # each epoch's own time, as fit measures it
"""


def run(src: Path, args: argparse.Namespace) -> list[float]:
    fields = {"epochs": args.epochs, "batch": args.batch, "samples": args.samples, "hidden": args.hidden,
              "threads": args.threads, "optimizer": args.optimizer}
    code = CHILD
    for key, value in fields.items():
        code = code.replace("{" + key + "}", str(value))
    env = {"PATH": "/usr/bin:/bin", **{k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}}
    if args.threads != "auto":
        env["OPENBLAS_NUM_THREADS"] = str(args.threads)
    out = subprocess.run([sys.executable, "-c", code, str(src)], capture_output=True, text=True, check=True,
                         cwd=src.parent, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="a5f6d9b", help="git revision to compare against (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per process (default: %(default)s)")
    parser.add_argument("--batch", type=int, default=32, help="batch size (default: %(default)s)")
    parser.add_argument("--hidden", default="64,64", help="hidden widths (default: the demo's %(default)s)")
    parser.add_argument("--samples", type=int, default=60000, help="training images (default: all %(default)s)")
    parser.add_argument("--threads", default="1", help="BLAS threads, or 'auto' for ffnn's rule (default: %(default)s)")
    parser.add_argument("--optimizer", default="sgd", help="optimiser name (default: %(default)s)")
    parser.add_argument("--json", type=Path, help="also write the raw times here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        worktree = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(worktree), args.base],
                       check=True, capture_output=True)
        try:
            sides = {"base": worktree / "src", "current": ROOT / "src"}
            times: dict[str, list[float]] = {k: [] for k in sides}
            for r in range(args.rounds):
                order = list(sides) if r % 2 == 0 else list(reversed(sides))
                for name in order:
                    times[name] += run(sides[name], args)
                print(f"round {r + 1}: " + ", ".join(f"{k} {statistics.median(v):.3f}" for k, v in times.items()),
                      flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(worktree)], check=False)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"median s/epoch, hidden {args.hidden}, batch {args.batch}, {args.optimizer}, threads {args.threads}: base ({args.base}) {med['base']:.3f}, current {med['current']:.3f}, "
          f"ratio {med['current'] / med['base']:.3f}")
    if args.json:
        args.json.write_text(json.dumps({"base": args.base, "batch": args.batch, "hidden": args.hidden,
                                              "samples": args.samples, "threads": args.threads,
                                              "optimizer": args.optimizer, "times": times, "median": med}))


if __name__ == "__main__":
    main()
