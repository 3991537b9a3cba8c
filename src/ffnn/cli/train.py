"""``ffnn train``: train a network on a dataset (MNIST by default), or on your own table, and report.

``--data`` takes a name (mnist, mnist-80-20, fashion-mnist, digits) or a path (a directory of
IDX files, a .csv / .npz / .npy file); ``--save`` writes the trained model for ``ffnn evaluate``
and ``ffnn predict``; ``--resume MODEL`` trains a saved model further. Defaults differ for image
data and tables (each option below says both; docs/cli.md); the test rows are scored once, at the end.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from .data import add_data_arguments, header_arg, label_arg, load_data, model_task, read_data
from .defaults import both, settle
from .names import check_names
from .paths import check_output_dir, check_output_file
from .report import RunInfo, format_result, stopping_line, write_outputs

__all__ = ["register", "run", "add_data_arguments", "label_arg", "header_arg", "load_data", "format_result"]

_ARCHITECTURE = ("hidden", "activations", "loss", "init", "rmsnorm", "regularization", "reg_lambda", "dtype",
                 "standardize", "task")


def _int_list(text: str) -> list[int]:
    try:
        sizes = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes such as 64,64, got {text!r}") from None
    if any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _name_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a network (default: the MNIST demo, 784-64-64-10)",
                       description=__doc__.split("\n\n")[1].replace("``", ""))
    add_data_arguments(p)
    net = p.add_argument_group("task and network")
    net.add_argument("--task", choices=["classify", "regress"], default=None,
                     help="classes or a quantity (default: chosen from the labels and said why: text, or at "
                          "most 20 distinct whole numbers, are classes; anything else is regression)")
    net.add_argument("--hidden", type=_int_list, default=None, metavar="N[,N...]",
                     help=f"hidden layer sizes, e.g. 64,64 {both('hidden')}")
    net.add_argument("--activations", type=_name_list, default=None, metavar="NAME[,NAME...]",
                     help="one per layer after the input, e.g. relu,relu,softmax (default: relu for each "
                          "hidden layer, then softmax for classes or linear for regression)")
    net.add_argument("--loss", default=None,
                     help="loss name (default: categorical_crossentropy for classes, mse for regression)")
    net.add_argument("--init", default=None, help="weight initialisation: he, xavier, sklearn (scikit-learn's "
                                                  f"rule), normal, uniform, zero... {both('init')}")
    net.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=None,
                     help="standardise the inputs with a Normalization layer learnt from the training rows "
                          f"(and regression targets) {both('standardize')}")
    net.add_argument("--rmsnorm", action="store_true", default=None,
                     help="RMSNorm after each hidden dense layer (default: off)")
    net.add_argument("--regularization", default=None, choices=["l1", "l2"],
                     help="penalty on the dense weights (default: none)")
    net.add_argument("--reg-lambda", type=float, default=None, metavar="LAMBDA",
                     help="strength of that penalty (default: 0.0001 when --regularization is given)")
    net.add_argument("--dtype", default=None, choices=["float32", "float64"],
                     help="floating-point type of the weights and data (default: float32)")
    net.add_argument("--seed", type=int, default=42, help="seed of initialisation and shuffling (default: 42)")
    fit = p.add_argument_group("training")
    fit.add_argument("--epochs", type=int, default=None, help=f"epochs to train (the most, with early "
                                                              f"stopping) {both('epochs')}")
    fit.add_argument("--batch-size", type=int, default=None, help=f"rows per step {both('batch_size')}")
    fit.add_argument("--learning-rate", "--lr", type=float, default=None,
                     help=f"step size of the optimiser {both('learning_rate')}")
    fit.add_argument("--optimizer", default=None, choices=["sgd", "momentum", "adam"],
                     help=f"update rule {both('optimizer')}; with --resume: the saved model's, state included")
    fit.add_argument("--lr-schedule", default=None, choices=["constant", "step", "exponential", "cosine"],
                     help="learning rate per epoch (default: constant)")
    fit.add_argument("--validation-split", type=float, default=None, metavar="SHARE",
                     help="share of the training rows held out to watch (and stop) training; the test rows "
                          f"are scored only at the end {both('validation_split')}")
    fit.add_argument("--early-stopping", type=int, default=None, metavar="PATIENCE",
                     help="stop when the validation loss has not improved for PATIENCE epochs and restore the "
                          f"best epoch's weights; 0 turns it off {both('early_stopping')}")
    fit.add_argument("--monitor", action="store_true",
                     help="record per-layer distributions, norms, update ratios and dead or saturated units every "
                          "epoch and check them against the health rules (docs/monitor.md); with --plots, "
                          "writes dashboard.html (default: off)")
    fit.add_argument("--resume", type=Path, default=None, metavar="MODEL",
                     help="train this saved model further (--epochs more epochs, its optimiser state and epoch "
                          "numbering continued; saved back to MODEL unless --save is given) (default: a new model)")
    out = p.add_argument_group("output")
    out.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="directory for metrics.json and report.md (default: none)")
    out.add_argument("--save", type=Path, default=None, metavar="PATH",
                     help="save the trained model to PATH (e.g. model.npz) for ffnn evaluate / predict "
                          "(default: not saved, or MODEL with --resume)")
    out.add_argument("--plots", type=Path, default=None, metavar="DIR",
                     help="write pictures of the trained model to DIR (network, weights, gradients of the last "
                          "batch, history, filters for images, network.html); needs matplotlib (default: none)")
    out.add_argument("--threads", type=int, default=None, metavar="N",
                     help="BLAS threads (default: chosen by the work of a step; see ffnn.set_num_threads)")
    out.add_argument("--quiet", action="store_true", help="no progress output (default: off)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import threads

    before = threads.set_num_threads(args.threads)
    try:
        return _train(args)
    finally:
        threads.set_num_threads(before)


def _check_outputs(args: argparse.Namespace) -> None:
    """Every output path is writable, and every name known, before anything is loaded or trained."""
    check_output_file(args.save or args.resume, "--save")
    check_output_dir(args.out, "--out")
    check_output_dir(args.plots, "--plots")
    if args.resume is not None:
        given = [f"--{k.replace('_', '-')}" for k in _ARCHITECTURE if getattr(args, k, None) is not None]
        if given:
            raise ValueError(f"{', '.join(given)} cannot be changed when resuming: {args.resume} keeps its "
                             "architecture and task; drop these options or train a new model")
    check_names(activations=args.activations, loss=args.loss, init=args.init)


def _train(args: argparse.Namespace) -> int:
    _check_outputs(args)
    model = _load_resumed(args) if args.resume is not None else None
    data = read_data(args, model_task(model) if model is not None else args.task)
    print(data.task.describe())
    settings = settle(args, bool(data.images))
    if model is None:
        model = _build(args, data, settings)
    else:
        _check_resumable(model, data, args.resume)
    model.summary(print_fn=print)
    fit = _fit_arguments(args, data, settings, model)
    said = _settings_text(fit, model)
    _announce(data, fit, said)
    start = time.perf_counter()
    history = model.fit(data.X_train, data.y_train, **fit)
    total = time.perf_counter() - start
    result = model.evaluate(data.X_test, data.y_test)
    spe = float(np.median(history.epoch_seconds))
    stop = stopping_line(history)
    if stop:
        print(stop)
    print(format_result("test", result))
    threads = history.params.get("blas_threads")
    print(f"seconds per epoch: {spe:.3g} (median of {len(history.epoch_seconds)}), total {total:.1f} s"
          + (f", {threads} BLAS thread(s)" if threads else ""))
    save = args.save or args.resume
    if save is not None:
        Path(save).parent.mkdir(parents=True, exist_ok=True)  # checked writable before training
        model.save(save)
        print(f"saved model to {save}")
    pictures = _pictures(args, model, history, data)
    if args.out is not None:
        info = RunInfo(str(args.data), data.task.describe(), len(data.X_train),
                       len(data.X_train) - int(history.params.get("n_samples", len(data.X_train))), len(data.X_test),
                       said, list(history.warnings))
        write_outputs(args.out, model, history, result, spe, info, pictures)
    return 0


def _load_resumed(args: argparse.Namespace) -> Any:
    from .. import load as load_model

    model = load_model(args.resume)
    if model.history is None:
        print(f"note: {args.resume} was never trained; training starts at epoch 1")
    return model


def _check_resumable(model: Any, data: Any, path: Path) -> None:
    n_in = model.layer_sizes[0]
    if data.X_train.shape[1] != n_in:
        raise ValueError(f"the data has {data.X_train.shape[1]} features but {path} expects {n_in}; resume on the "
                         "data it was trained on (same --label)")
    names, saved = data.feature_names, model.feature_names
    if names is not None and saved is not None and list(names) != list(saved):
        differ = [f"{a!r} vs {b!r}" for a, b in zip(names, saved) if a != b][:3]
        raise ValueError(f"the data's columns differ from those {path} was trained on ({'; '.join(differ)})")


def _build(args: argparse.Namespace, data: Any, settings: dict[str, Any]) -> Any:
    from ..model import FFNN

    classify = data.task.task == "classify"
    hidden = settings["hidden"]
    if classify:
        classes = data.classes
        if len(classes) < 2:
            raise ValueError(f"every label is {classes[0]!r}: one class leaves nothing to learn")
        missing = np.setdiff1d(classes, np.unique(data.y_train))
        if missing.size:
            raise ValueError(f"class(es) {missing.tolist()[:5]} occur only in the test rows; every class needs "
                             "training rows (a larger table, or another --split-seed)")
        n_out, out_act, loss = len(classes), "softmax", "categorical_crossentropy"
    else:
        n_out, out_act, loss = (1 if data.y_train.ndim == 1 else data.y_train.shape[1]), "linear", "mse"
    acts = args.activations or ["relu"] * len(hidden) + [out_act]
    if len(acts) != len(hidden) + 1:
        example = ",".join(["relu"] * len(hidden) + [out_act])
        raise ValueError(f"--activations gives {len(acts)} name(s) for {len(hidden) + 1} layers ({len(hidden)} "
                         f"hidden and the output): give {len(hidden) + 1}, e.g. {example}")
    reg_lambda = args.reg_lambda if args.reg_lambda is not None else (1e-4 if args.regularization else 0.0)
    return FFNN([data.X_train.shape[1], *hidden, n_out], acts, args.loss or loss, init=settings["init"], seed=args.seed,
                rmsnorm=bool(args.rmsnorm), regularization=args.regularization, reg_lambda=reg_lambda,
                dtype=args.dtype or "float32", standardize=bool(settings["standardize"]))


def _fit_arguments(args: argparse.Namespace, data: Any, settings: dict[str, Any], model: Any) -> dict[str, Any]:
    resuming = args.resume is not None and model.optimizer is not None  # a saved optimiser to continue
    split, patience = float(settings["validation_split"]), int(settings["early_stopping"])
    if patience < 0:
        raise ValueError(f"--early-stopping takes a patience in epochs (0 turns it off), got {patience}")
    if patience and not split:
        raise ValueError("early stopping watches the validation loss: give --validation-split > 0, or "
                         "--early-stopping 0")
    batch = settings["batch_size"]
    if args.resume is not None and args.batch_size is None and model.history is not None:
        batch = int(model.history.params.get("batch_size") or batch)
    epochs = int(settings["epochs"])
    table_progress = not data.images and not args.quiet  # many short epochs: a line per tenth
    return {
        "epochs": epochs, "batch_size": int(batch),
        # resuming continues the saved optimiser (its rate too) unless one is asked for
        "learning_rate": args.learning_rate if resuming else float(settings["learning_rate"]),
        "optimizer": args.optimizer if resuming else settings["optimizer"],  # None: the saved one, state and all
        "validation_split": split, "early_stopping": patience or None, "lr_schedule": args.lr_schedule,
        "verbose": 0 if args.quiet or table_progress else 1,
        "callbacks": [_EpochLines(epochs)] if table_progress else None,
        "metrics": ["mae", "r2"] if data.task.task == "regress" else None,
        "feature_names": data.feature_names,
        "monitor": True if args.monitor else None,
    }


class _EpochLines:
    """A line at the first epoch and every tenth of the run after it: 200 table epochs in 11 lines."""

    def __init__(self, epochs: int) -> None:
        self.every, self.seen = max(1, epochs // 10), 0

    def __call__(self, epoch: int, logs: dict[str, float]) -> None:
        self.seen += 1
        if self.seen == 1 or self.seen % self.every == 0:
            print(f"epoch {epoch + 1}: " + ", ".join(f"{k} {v:.4g}" for k, v in logs.items()), flush=True)


def _announce(data: Any, fit: dict[str, Any], said: dict[str, Any]) -> None:
    from ..fitting import split_validation

    split, n = fit["validation_split"], len(data.X_train)
    groups = np.unique(data.y_train, return_inverse=True)[1].reshape(-1) if data.task.task == "classify" else None
    held = f" ({len(split_validation(n, split, groups)[1])} of them held out for validation)" if split else ""
    print(f"training on {n} samples{held}, testing on {len(data.X_test)}; "
          + ", ".join(f"{k} {v}" for k, v in said.items()))


def _settings_text(fit: dict[str, Any], model: Any) -> dict[str, Any]:
    """The settings of this run as they are passed to ``fit``, for the announcement and the report."""
    continued = model.optimizer.name if model.optimizer is not None else "sgd"
    text = {"optimizer": fit["optimizer"] or f"{continued} (continued)",
            "learning rate": fit["learning_rate"] if fit["learning_rate"] is not None else "continued",
            "batch": fit["batch_size"], "epochs": fit["epochs"]}
    if fit["early_stopping"]:
        text["early stopping"] = f"patience {fit['early_stopping']}"
    if fit["lr_schedule"]:
        text["schedule"] = fit["lr_schedule"]
    text["inputs"] = "standardised (--no-standardize to turn off)" if model.standardize else "as given"
    return text


def _pictures(args: argparse.Namespace, model: Any, history: Any, data: Any) -> dict:
    if args.plots is None:
        return {}
    from ..viz import write_all

    pictures = write_all(model, history, args.plots, images=data.images)
    if history.monitor is not None:
        from ..viz import training_dashboard

        pictures["dashboard"] = training_dashboard(model.history, Path(args.plots) / "dashboard.html")
    for path in pictures.values():
        print(f"wrote {path}")
    for name, why in getattr(pictures, "skipped", {}).items():
        print(f"skipped {name}: {why}")
    return pictures
