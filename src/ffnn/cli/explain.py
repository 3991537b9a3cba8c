"""``ffnn explain MODEL --row K --data ...``: backpropagation on one row, step by step.

Writes the page of ``ffnn.explain.backprop`` for row ``K`` of a dataset: Markdown to standard
output, or ``--out page.html`` / ``page.md``. For a table file (``.csv``, ``.npy``, an ``.npz``
with ``X`` and ``y``) row ``K`` is the file's own row ``K`` (``--split file``, the default
there); for named datasets and IDX directories it is row ``K`` of the test part (or
``--split train``), as ``ffnn evaluate`` reads them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from .train import add_data_arguments, header_arg, label_arg, load_data

_TABLES = (".csv", ".tsv", ".txt", ".npy", ".npz")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explain", help="write out backpropagation on one data row, step by step")
    p.add_argument("model", type=Path, help="model file written by ffnn train --save or FFNN.save")
    p.add_argument("--row", type=int, required=True, metavar="K", help="which row (0 is the first) (required)")
    add_data_arguments(p, required=True)
    p.add_argument("--split", choices=["file", "test", "train"], default=None,
                   help="where row K is counted: the table file as stored (default for a table file), "
                        "or the test (default otherwise) or training part")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="write the page to FILE.html or FILE.md (default: Markdown to standard output)")
    p.add_argument("--max-units", type=int, default=16,
                   help="layers with more inputs or units than this are summarised (default: 16)")
    p.add_argument("--digits", type=int, default=4, help="significant digits of the numbers (default: 4)")
    p.set_defaults(func=run)


add_parser = register  # the name the issue uses


def run(args: argparse.Namespace) -> int:
    from .. import load as load_model
    from ..explain import backprop

    if args.out is not None and args.out.suffix.lower() not in (".html", ".htm", ".md"):
        raise ValueError(f"--out must end in .html or .md, got {str(args.out)!r}")
    model = load_model(args.model)
    X, y, where = _rows(args)
    if not -len(X) <= args.row < len(X):
        raise ValueError(f"--row {args.row} is out of range: {where} has {len(X)} rows (0..{len(X) - 1})")
    trace = backprop(model, X[args.row], y[args.row])
    if args.out is None:
        print(trace.to_markdown(max_units=args.max_units, digits=args.digits), end="")
        return 0
    if args.out.suffix.lower() == ".md":
        from ..explain.render import write_text

        write_text(args.out, trace.to_markdown(max_units=args.max_units, digits=args.digits))
    else:
        trace.to_html(args.out, max_units=args.max_units, digits=args.digits)
    print(f"row {args.row} of {where}: loss {trace.loss:.6g}; page written to {args.out}")
    return 0


def _rows(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, str]:
    """``(X, y, description)`` of the rows ``--row`` counts in."""
    split = args.split or ("file" if _is_table(Path(args.data)) else "test")
    if split == "file":
        from ..datasets import load_table

        X, y = load_table(args.data, label=label_arg(args.label), header=header_arg(args.header))
        return np.asarray(X), np.asarray(y), str(args.data)
    X_train, y_train, X_test, y_test = load_data(args)
    return (X_test, y_test, f"{args.data} (test part)") if split == "test" else (
        X_train, y_train, f"{args.data} (training part)")


def _is_table(path: Path) -> bool:
    """A file holding one table (not an ``.npz`` already split into train and test)."""
    if not path.is_file() or path.suffix.lower() not in _TABLES:
        return False
    if path.suffix.lower() == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            return "X_train" not in archive.files
    return True
