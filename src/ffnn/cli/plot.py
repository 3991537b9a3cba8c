"""``ffnn plot KIND MODEL_FILE``: draw a saved model (network, weights, gradients, history,
filters, or the interactive html view) to an image file.

A saved model carries the gradients of its last training batch (zero for a model never
trained); ``--data NAME|PATH`` recomputes them on the first ``--batch-size`` rows of that dataset.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .paths import check_output_file

KINDS = ("network", "weights", "gradients", "history", "filters", "html")


def _layers(text: str) -> list[int | str]:
    """``"0,2"`` -> ``[0, 2]``; names stay names: ``"layers.1.bias"``."""
    out: list[int | str] = []
    for part in (t.strip() for t in text.split(",")):
        if part:
            out.append(int(part) if part.lstrip("-").isdigit() else part)
    return out


def _shape(text: str) -> tuple[int, int]:
    h, _, w = text.lower().partition("x")
    return int(h), int(w)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", help="draw a saved model: network, weights, gradients, history, filters, html")
    p.add_argument("kind", choices=KINDS, help="what to draw")
    p.add_argument("model", type=Path, help="model file written by ffnn train --save or FFNN.save")
    p.add_argument("--layers", type=_layers, default=None,
                   help="for weights/gradients: dense layer indices or names, e.g. 0,2 or layers.1.bias "
                        "(default: every layer's weight matrix)")
    p.add_argument("--out", type=Path, default=None,
                   help="output file (default: MODEL-KIND.png, or .html for html); the suffix sets the format")
    p.add_argument("--data", default=None, metavar="NAME|PATH",
                   help="recompute gradients on the first training rows of this dataset (mnist, digits, a "
                        "path...) (default: the gradients saved with the model, those of its last batch)")
    p.add_argument("--label", default="-1", metavar="COLUMN[,COLUMN...]",
                   help="label column(s) of a --data table: header names or indices (default: -1, the last)")
    p.add_argument("--header", choices=["auto", "yes", "no"], default="auto",
                   help="does the --data CSV have a header row (default: auto)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="rows of that batch (default: the model's training batch size, else 32)")
    p.add_argument("--max-neurons", type=int, default=None,
                   help="network/html: neurons shown per layer (default: 16 for network, 32 for html)")
    p.add_argument("--max-edges", type=int, default=None,
                   help="network/html: connections shown per layer (default: 64 for network, 150 for html)")
    p.add_argument("--image-shape", type=_shape, default=None, metavar="HxW",
                   help="the inputs are images of this shape, e.g. 28x28 (default: a square number of inputs "
                        "is an image unless the model knows its inputs as a table's columns)")
    p.add_argument("--dpi", type=float, default=100, help="resolution of a .png (default: 100)")
    p.set_defaults(func=run)


def _batch(args: argparse.Namespace, model) -> tuple | None:
    if args.data is None:
        return None
    from .data import model_task, read_data

    data_args = argparse.Namespace(data=args.data, label=args.label, header=args.header, test_size=0.2, split_seed=0)
    data = read_data(data_args, model_task(model))
    X, y = data.X_train, data.y_train
    params = model.history.params if model.history is not None else {}
    n = args.batch_size if args.batch_size is not None else int(params.get("batch_size") or 32)
    return X[:n], y[:n]


def run(args: argparse.Namespace) -> int:
    from .. import viz
    from ..model import FFNN

    if args.batch_size is not None and args.batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1, got {args.batch_size}")
    out = args.out or Path(f"{args.model.stem}-{args.kind}.{'html' if args.kind == 'html' else 'png'}")
    check_output_file(out, "--out")
    model = FFNN.load(args.model)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = _batch(args, model) if args.kind in ("network", "gradients", "html") else None
    graph = {k: v for k, v in (("max_neurons", args.max_neurons), ("max_edges", args.max_edges)) if v is not None}
    if args.kind == "network":
        viz.plot_network(model, data=data, image_shape=args.image_shape, path=out, dpi=args.dpi, **graph)
    elif args.kind == "weights":
        viz.plot_weight_distribution(model, args.layers, path=out, dpi=args.dpi)
    elif args.kind == "gradients":
        viz.plot_gradient_distribution(model, args.layers, data=data, path=out, dpi=args.dpi)
    elif args.kind == "history":
        if model.history is None:
            raise ValueError(f"{args.model} has no training history (it was saved before any fit)")
        viz.plot_history(model.history, path=out, dpi=args.dpi)
    elif args.kind == "filters":
        viz.plot_filters(model, image_shape=args.image_shape, path=out, dpi=args.dpi)
    else:
        viz.network_html(model, out, data=data, image_shape=args.image_shape, **graph)
    if args.kind in ("network", "gradients", "html") and data is None and not model.network.flat_grads.any():
        print("note: this model's gradients are zero (never trained); pass --data NAME to compute them on a batch")
    print(f"wrote {out}")
    return 0
