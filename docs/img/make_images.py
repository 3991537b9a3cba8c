"""Regenerate the pictures in README.md and docs/visualisation.md.

    .venv/bin/python docs/img/make_images.py [MODEL.npz]

Without a model file, trains the README's 784-64-64-10 MNIST model (10 epochs, learning rate
0.01, batch 32, seed 0) and saves it to out/readme-model.npz. Gradients are computed on the
first 32 training images (a saved model carries none). The HTML screenshot is the one
tests/test_viz_html.py keeps in out/test-artifacts/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import ffnn
from ffnn import viz
from ffnn.datasets import load_mnist

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> None:
    X, y, X_test, y_test = load_mnist()
    if argv:
        model = ffnn.FFNN.load(argv[0])
    else:
        model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
        model.fit(X, y, epochs=10, validation_data=(X_test, y_test))
        model.save(HERE.parents[1] / "out" / "readme-model.npz")
    batch = (X[:32], y[:32])
    viz.plot_network(model, data=batch, path=HERE / "network.png")
    viz.plot_weight_distribution(model, path=HERE / "weights.png")
    viz.plot_gradient_distribution(model, path=HERE / "gradients.png")
    viz.plot_history(model.history, path=HERE / "history.png")
    viz.plot_filters(model, max_neurons=32, path=HERE / "filters.png")
    small = ffnn.FFNN([3, 4, 2], ["tanh", "softmax"], "cce", init="normal",
                      init_params={"variance": 1.0, "bias": "same", "seed": 1}, seed=1)
    small.compute_gradients([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]], [0, 1])
    viz.plot_network(small, path=HERE / "network_small.png")
    for png in HERE.glob("*.png"):  # 256 colours: a quarter of the size, no visible change
        from PIL import Image

        Image.open(png).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(png, optimize=True)


if __name__ == "__main__":
    main(sys.argv[1:])
