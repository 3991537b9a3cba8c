"""MNIST with the demo network and with BatchNorm / LayerNorm / Dropout stacks built by
``FFNN.from_layers``: test accuracy and seconds per epoch, for docs/layers.md.

    .venv/bin/python benchmarks/layers_mnist.py --epochs 10

Every network: 784-64-64-10, ReLU, softmax, He initialisation, seed 42, batch 32, float32.
Plain SGD at the demo's 0.01 and at 0.05 (normalised networks tolerate larger steps).
"""

from __future__ import annotations

import argparse
import time

import ffnn
from ffnn import layers as L
from ffnn.datasets import load_mnist


def stacks() -> dict[str, list]:
    return {
        "plain (the demo)": [L.Dense(64), L.Activation("relu"), L.Dense(64), L.Activation("relu"),
                             L.Dense(10), L.Activation("softmax")],
        "BatchNorm": [L.Dense(64), L.BatchNorm(), L.Activation("relu"), L.Dense(64), L.BatchNorm(),
                      L.Activation("relu"), L.Dense(10), L.Activation("softmax")],
        "LayerNorm": [L.Dense(64), L.LayerNorm(), L.Activation("relu"), L.Dense(64), L.LayerNorm(),
                      L.Activation("relu"), L.Dense(10), L.Activation("softmax")],
        "Dropout 0.2": [L.Dense(64), L.Activation("relu"), L.Dropout(0.2), L.Dense(64), L.Activation("relu"),
                        L.Dropout(0.2), L.Dense(10), L.Activation("softmax")],
        "BatchNorm + LayerNorm + Dropout 0.1": [
            L.Dense(64), L.BatchNorm(), L.Activation("relu"), L.Dropout(0.1), L.Dense(64), L.LayerNorm(),
            L.Activation("relu"), L.Dropout(0.1), L.Dense(10), L.Activation("softmax")],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rates", default="0.01,0.05")
    args = parser.parse_args()
    X, y, X_test, y_test = load_mnist()
    print("| network | learning rate | test accuracy | s/epoch |\n|---|---|---|---|")
    for rate in [float(r) for r in args.rates.split(",")]:
        for name, layers in stacks().items():
            m = ffnn.FFNN.from_layers(784, layers, "cce", init="he", seed=42)
            start = time.perf_counter()
            m.fit(X, y, epochs=args.epochs, batch_size=32, learning_rate=rate, verbose=0)
            seconds = (time.perf_counter() - start) / args.epochs
            acc = m.evaluate(X_test, y_test)["accuracy"]
            print(f"| {name} | {rate:g} | {acc:.4f} | {seconds:.2f} |", flush=True)


if __name__ == "__main__":
    main()
