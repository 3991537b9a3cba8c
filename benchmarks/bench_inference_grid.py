"""Inference at every shape of the grid: ``FFNN.predict`` against PyTorch's forward pass.

For each hidden width x depth of ``bench_grid.py`` (784 -> width x depth -> 10, ReLU, softmax,
float32), times predicting the 10,000 MNIST test images: ffnn's ``predict`` (chunks of 1,024
rows, its own BLAS-thread rule) and PyTorch's ``model(x)`` under ``torch.inference_mode()``
at the same thread count, each the best of ``--repeats`` calls, the two interleaved. Same
weights in both (copied from ffnn). Nothing is asserted; a markdown table goes to stdout.

    .venv/bin/python benchmarks/bench_inference_grid.py --repeats 7
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import ffnn
from ffnn.datasets import load_mnist
from ffnn.threads import blas_threads, choose_threads, threads_used


def _torch_model(torch, model):
    layers = []
    for dense in model.layers:
        lin = torch.nn.Linear(dense.n_in, dense.units)
        lin.weight.data = torch.tensor(dense.weight.T.copy())
        lin.bias.data = torch.tensor(dense.bias.copy())
        layers += [lin, torch.nn.ReLU()]
    layers[-1] = torch.nn.Softmax(dim=1)
    return torch.nn.Sequential(*layers).eval()


def _best(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="32,128,512,1024")
    parser.add_argument("--depths", default="1,2,4")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    import torch

    _, _, X, _ = load_mnist()
    rows = []
    for width in map(int, args.widths.split(",")):
        for depth in map(int, args.depths.split(",")):
            model = ffnn.FFNN([784] + [width] * depth + [10], ["relu"] * depth + ["softmax"], "cce", seed=0)
            threads = choose_threads(1024, model.network.dense_widths)
            used = threads_used(threads) or 1
            torch.set_num_threads(used)
            net, xt = _torch_model(torch, model), torch.tensor(X)
            np.testing.assert_allclose(model.predict(X[:100]), net(xt[:100]).detach().numpy(), rtol=1e-4, atol=1e-6)

            def theirs(net=net, xt=xt, threads=threads):
                with torch.inference_mode(), blas_threads(threads):
                    net(xt)

            def ours(model=model):
                model.predict(X)

            ours_t, theirs_t = [], []
            for _ in range(3):  # interleaved blocks
                ours_t.append(_best(ours, args.repeats))
                theirs_t.append(_best(theirs, args.repeats))
            mine, them = min(ours_t), min(theirs_t)
            rows.append({"width": width, "depth": depth, "threads": used, "ffnn_ms": 1e3 * mine,
                         "torch_ms": 1e3 * them, "ratio": mine / them})
            print(f"| {width} | {depth} | {used} | {1e3 * mine:.2f} | {1e3 * them:.2f} | {mine / them:.2f} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"torch": torch.__version__, "numpy": np.__version__, "rows": rows}, indent=1))


if __name__ == "__main__":
    print("| width | depth | threads | ffnn ms | PyTorch ms | ffnn / PyTorch |\n|---:|---:|---:|---:|---:|---:|")
    main()
