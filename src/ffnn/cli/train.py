"""``ffnn train``: train a network on MNIST (the demo) and report accuracy and speed."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def _int_list(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def _name_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a network (default: the MNIST demo, 784-64-64-10)")
    p.add_argument("--data", default="mnist", help="dataset: mnist (default)")
    p.add_argument("--hidden", type=_int_list, default=[64, 64], help="hidden sizes, e.g. 64,64")
    p.add_argument("--activations", type=_name_list, default=None,
                   help="one per non-input layer, e.g. relu,relu,softmax (default: relu..., softmax)")
    p.add_argument("--loss", default="categorical_crossentropy")
    p.add_argument("--init", default="he")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", "--lr", type=float, default=0.01)
    p.add_argument("--optimizer", default="sgd")
    p.add_argument("--regularization", default=None, choices=[None, "l1", "l2"])
    p.add_argument("--reg-lambda", type=float, default=0.0)
    p.add_argument("--rmsnorm", action="store_true")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", type=Path, default=None, help="directory for metrics.json and report.md")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def _load(name: str):
    from ..datasets import load_mnist

    if name != "mnist":
        raise ValueError(f"unknown dataset {name!r}; this command knows: mnist")
    return load_mnist()


def run(args: argparse.Namespace) -> int:
    from ..model import FFNN

    X_train, y_train, X_test, y_test = _load(args.data)
    n_classes = int(y_train.max()) + 1
    sizes = [X_train.shape[1], *args.hidden, n_classes]
    acts = args.activations or ["relu"] * len(args.hidden) + ["softmax"]
    model = FFNN(sizes, acts, args.loss, init=args.init, seed=args.seed, rmsnorm=args.rmsnorm,
                 regularization=args.regularization, reg_lambda=args.reg_lambda, dtype=args.dtype)
    print(model.summary())
    print(f"training on {len(X_train)} samples, testing on {len(X_test)}; "
          f"batch {args.batch_size}, learning rate {args.learning_rate}, {args.epochs} epochs")
    start = time.perf_counter()
    history = model.fit(X_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                        learning_rate=args.learning_rate, optimizer=args.optimizer,
                        validation_data=(X_test, y_test), verbose=0 if args.quiet else 1)
    total = time.perf_counter() - start
    result = model.evaluate(X_test, y_test)
    spe = float(np.median(history.epoch_seconds))
    print(f"test accuracy: {result['accuracy']:.4f}   test loss: {result['loss']:.4f}")
    print(f"seconds per epoch: {spe:.3f} (median of {len(history.epoch_seconds)}), total {total:.1f} s")
    if args.out is not None:
        _write_outputs(args.out, model, history, result, spe)
    return 0


def _write_outputs(out: Path, model, history, result: dict, seconds_per_epoch: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    metrics = {"config": model.get_config(), "test": result, "seconds_per_epoch": seconds_per_epoch,
               "history": history.to_dict()}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    lines = ["# ffnn training report", "", "```", model.summary(), "```", "",
             f"Test accuracy **{result['accuracy']:.4f}**, test loss {result['loss']:.4f}, "
             f"{seconds_per_epoch:.3f} s per epoch.", "", "| epoch | loss | accuracy | val_loss | val_accuracy |",
             "|---|---|---|---|---|"]
    h = history.history
    for i in range(len(history.epoch)):
        lines.append(f"| {i + 1} | {h['loss'][i]:.4f} | {h['accuracy'][i]:.4f} | "
                     f"{h['val_loss'][i]:.4f} | {h['val_accuracy'][i]:.4f} |")
    (out / "report.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {out / 'metrics.json'} and {out / 'report.md'}")
