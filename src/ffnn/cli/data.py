"""The data options every command shares (``--data``, ``--label``, ``--header``, ``--test-size``,
``--split-seed``) and reading the data they name."""

from __future__ import annotations

import argparse
import sys

import numpy as np

__all__ = ["add_data_arguments", "label_arg", "header_arg", "read_data", "load_data", "model_task"]


def add_data_arguments(p: argparse.ArgumentParser, required: bool = False) -> None:
    """``--data`` and the options that say how to read it (shared by train, evaluate, plot, explain)."""
    kw = {"required": True} if required else {"default": "mnist"}
    p.add_argument("--data", **kw, metavar="NAME|PATH",
                   help="mnist, mnist-80-20, fashion-mnist, digits, a directory of IDX files, or a "
                        ".csv/.npz/.npy file" + (" (required)" if required else " (default: mnist)"))
    p.add_argument("--label", default="-1", metavar="COLUMN[,COLUMN...]",
                   help="label column(s) of a .csv/.npy file: header names or indices; several columns "
                        "(a,b) are targets of one regression (default: -1, the last column)")
    p.add_argument("--header", choices=["auto", "yes", "no"], default="auto",
                   help="does the CSV have a header row (default: auto, a first row of text above numbers)")
    p.add_argument("--missing", choices=["error", "drop"], default="error",
                   help="CSV cells that are empty or NA/N/A/nan/null/none/?: stop with an error naming the "
                        "first (default), or drop: leave out every row that has one")
    p.add_argument("--test-size", type=float, default=0.2,
                   help="share of a single table held out for testing, scored only at the end (default: 0.2)")
    p.add_argument("--split-seed", type=int, default=0,
                   help="seed of that split; the same seed gives the same test rows in train, evaluate "
                        "and plot (default: 0)")


def label_arg(text: str | None) -> int | str | list[int | str] | None:
    """``"-1"`` -> -1, ``"species"`` -> ``"species"``, ``"a,b"`` -> ``["a", "b"]``, ``None`` stays ``None``."""
    if text is None:
        return None
    parts = [_column(t.strip()) for t in text.split(",") if t.strip()]
    if not parts:
        raise ValueError(f"--label {text!r} names no column; give a header name or an index, e.g. --label target")
    return parts[0] if len(parts) == 1 else parts


def _column(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text


def header_arg(text: str) -> bool | None:
    return {"auto": None, "yes": True, "no": False}[text]


def read_data(args: argparse.Namespace, task: str | None = None):
    """The ``Dataset`` (arrays, task, column names) that ``args.data`` names."""
    from ..datasets import load_split

    data = load_split(args.data, label=label_arg(args.label), header=header_arg(args.header),
                      test_size=args.test_size, seed=args.split_seed, task=task,
                      missing=getattr(args, "missing", "error"))
    if data.dropped_rows:
        n = len(data.y_train) + len(data.y_test)
        print(f"ffnn: left out {data.dropped_rows} row(s) with a missing cell; {n} remain", file=sys.stderr)
    return data


def load_data(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)`` for ``args.data``, labels as written."""
    return read_data(args, getattr(args, "task", None)).arrays()


def model_task(model) -> str:
    """``"classify"`` for a model that speaks classes (``classes_``, or a softmax/sigmoid output), else ``"regress"``."""
    output = getattr(model.activations[-1], "name", "")
    return "classify" if model.classes_ is not None or output in ("softmax", "sigmoid") else "regress"
