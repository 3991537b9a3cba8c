"""``ffnn train``: train a network on a dataset (MNIST by default) and report accuracy and speed.

``--data`` takes a name (mnist, mnist-80-20, fashion-mnist, digits) or a path (a directory of
IDX files, a .csv / .npz / .npy file); ``--save`` writes the trained model for ``ffnn evaluate``
and ``ffnn predict``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_write_text
from .paths import check_output_dir, check_output_file


def _int_list(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def _name_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a network (default: the MNIST demo, 784-64-64-10)")
    add_data_arguments(p)
    p.add_argument("--hidden", type=_int_list, default=[64, 64], help="hidden sizes, e.g. 64,64")
    p.add_argument("--activations", type=_name_list, default=None,
                   help="one per non-input layer, e.g. relu,relu,softmax (default: relu..., softmax)")
    p.add_argument("--loss", default=None,
                   help="default: categorical_crossentropy for class labels, mse for numeric targets")
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
    p.add_argument("--save", type=Path, default=None, metavar="PATH",
                   help="save the trained model to PATH (e.g. model.npz) for ffnn evaluate / predict")
    p.add_argument("--plots", type=Path, default=None, metavar="DIR",
                   help="write pictures of the trained model to DIR (network, weights, gradients of the "
                        "last batch, history, filters, network.html); needs matplotlib")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="BLAS threads (default: 1 below batch 128, all cores from 128; see ffnn.set_num_threads)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def add_data_arguments(p: argparse.ArgumentParser, required: bool = False) -> None:
    """``--data`` and the options that say how to read it (shared with ``ffnn evaluate``)."""
    kw = {"required": True} if required else {"default": "mnist"}
    p.add_argument("--data", **kw, metavar="NAME|PATH",
                   help="mnist, mnist-80-20, fashion-mnist, digits, a directory of IDX files, "
                        "or a .csv/.npz/.npy file" + ("" if required else " (default: mnist)"))
    p.add_argument("--label", default="-1",
                   help="label column of a .csv/.npy file: a header name or an index (default: -1, the last)")
    p.add_argument("--header", choices=["auto", "yes", "no"], default="auto", help="does the CSV have a header row")
    p.add_argument("--test-size", type=float, default=0.2,
                   help="share held out for testing when the data is a single table (default: 0.2)")
    p.add_argument("--split-seed", type=int, default=0, help="seed of that split (default: 0)")


def label_arg(text: str | None) -> int | str | None:
    """``"-1"`` -> -1, ``"species"`` -> ``"species"``, ``None`` stays ``None``."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def header_arg(text: str) -> bool | None:
    return {"auto": None, "yes": True, "no": False}[text]


def load_data(args: argparse.Namespace):
    """``(X_train, y_train, X_test, y_test)`` for ``args.data``."""
    from ..datasets import load_dataset

    return load_dataset(args.data, label=label_arg(args.label), header=header_arg(args.header),
                        test_size=args.test_size, seed=args.split_seed)


def run(args: argparse.Namespace) -> int:
    from .. import threads

    before = threads.set_num_threads(args.threads)
    try:
        return _train(args)
    finally:
        threads.set_num_threads(before)


def _check_outputs(args: argparse.Namespace) -> None:
    """Every output path is writable before anything is loaded or trained."""
    check_output_file(args.save, "--save")
    check_output_dir(args.out, "--out")
    check_output_dir(args.plots, "--plots")


_MAX_SPARE_CLASSES = 1000  # labels up to this may leave classes unused (1..10 gives 11 units)


def n_classes(y_train: np.ndarray, y_test: np.ndarray) -> int:
    """Output units for integer class labels 0..K-1: ``max(label) + 1``, refused when absurd.

    Labels must be non-negative, and a label far beyond the number of distinct classes (a CSV
    label of 100000000 among three classes) would size the output layer by it, so it is refused
    with a hint to renumber.
    """
    y = np.concatenate([y_train.ravel(), y_test.ravel()])
    if y.min() < 0:
        raise ValueError(f"class labels must be 0, 1, 2, ...; found {int(y.min())} (renumber the classes, or "
                         "write them as text, which ffnn numbers itself)")
    k, distinct = int(y.max()) + 1, len(np.unique(y))
    if k > _MAX_SPARE_CLASSES and k > 2 * distinct:
        raise ValueError(f"the largest class label is {k - 1} but only {distinct} distinct labels occur: the output "
                         f"layer would need {k} units. Renumber the classes 0..{distinct - 1} (or write them as "
                         "text, which ffnn numbers itself)")
    return k


def _train(args: argparse.Namespace) -> int:
    from ..model import FFNN

    _check_outputs(args)
    X_train, y_train, X_test, y_test = load_data(args)
    labels = y_train.dtype.kind in "iu"
    if labels:  # class labels: one softmax unit per class
        n_out, out_act, loss = n_classes(y_train, y_test), "softmax", "categorical_crossentropy"
    else:  # numeric targets: linear outputs and mean squared error
        n_out, out_act, loss = (1 if y_train.ndim == 1 else y_train.shape[1]), "linear", "mse"
    sizes = [X_train.shape[1], *args.hidden, n_out]
    acts = args.activations or ["relu"] * len(args.hidden) + [out_act]
    model = FFNN(sizes, acts, args.loss or loss, init=args.init, seed=args.seed, rmsnorm=args.rmsnorm,
                 regularization=args.regularization, reg_lambda=args.reg_lambda, dtype=args.dtype)
    model.summary(print_fn=print)
    print(f"training on {len(X_train)} samples, testing on {len(X_test)}; "
          f"batch {args.batch_size}, learning rate {args.learning_rate}, {args.epochs} epochs")
    start = time.perf_counter()
    history = model.fit(X_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                        learning_rate=args.learning_rate, optimizer=args.optimizer,
                        validation_data=(X_test, y_test), verbose=0 if args.quiet else 1)
    total = time.perf_counter() - start
    result = model.evaluate(X_test, y_test)
    spe = float(np.median(history.epoch_seconds))
    print(format_result("test", result))
    threads = history.params.get("blas_threads")
    print(f"seconds per epoch: {spe:.3f} (median of {len(history.epoch_seconds)}), total {total:.1f} s"
          + (f", {threads} BLAS thread(s)" if threads else ""))
    if args.save is not None:
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)  # checked writable before training
        model.save(args.save)
        print(f"saved model to {args.save}")
    pictures: dict = {}
    if args.plots is not None:
        from ..viz import write_all

        pictures = write_all(model, history, args.plots)
        for path in pictures.values():
            print(f"wrote {path}")
    if args.out is not None:
        _write_outputs(args.out, model, history, result, spe, pictures)
    return 0


def format_result(split: str, result: dict) -> str:
    """``"test accuracy: 0.9712   test loss: 0.0953"`` (accuracy only where it applies)."""
    acc = f"{split} accuracy: {result['accuracy']:.4f}   " if "accuracy" in result else ""
    return f"{acc}{split} loss: {result['loss']:.4f}"


def _write_outputs(out: Path, model, history, result: dict, seconds_per_epoch: float,
                   pictures: dict | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    metrics = {"config": model.get_config(), "test": result, "seconds_per_epoch": seconds_per_epoch,
               "history": history.to_dict()}
    atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=2))
    lines = ["# ffnn training report", "", "```", model.summary(print_fn=None), "```", "",
             f"Test accuracy **{result.get('accuracy', float('nan')):.4f}**, test loss {result['loss']:.4f}, "
             f"{seconds_per_epoch:.3f} s per epoch.", ""]
    h = history.history
    keys = list(h)
    lines += ["| epoch | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for i in range(len(history.epoch)):
        lines.append(f"| {i + 1} | " + " | ".join(f"{h[k][i]:.4f}" for k in keys) + " |")
    images = {k: Path(p) for k, p in (pictures or {}).items() if str(p).endswith(".png")}
    if images:
        lines += ["", "## Pictures", ""]
        lines += [f"![{kind}]({os.path.relpath(p.resolve(), out.resolve())})" for kind, p in images.items()]
    atomic_write_text(out / "report.md", "\n".join(lines) + "\n")
    print(f"wrote {out / 'metrics.json'} and {out / 'report.md'}")
