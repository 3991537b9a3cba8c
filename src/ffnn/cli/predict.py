"""``ffnn predict MODEL --input FILE``: classes (or outputs) of a saved model for new rows.

The input is a .csv / .npy / .npz file of feature rows (``--label`` drops a label column if
the file has one) or an IDX image file (``*-idx3-ubyte[.gz]``). The output is CSV (to stdout
or ``--out file.csv``) or ``--out file.npy``.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_write, atomic_write_text
from .paths import check_output_file
from .train import header_arg, label_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="predict with a saved model (from ffnn train --save)")
    p.add_argument("model", type=Path, help="model file written by ffnn train --save or FFNN.save")
    p.add_argument("--input", type=Path, required=True, metavar="FILE",
                   help="feature rows: .csv, .npy, .npz (array X), or an IDX image file")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="write .csv or .npy (default: CSV to standard output)")
    p.add_argument("--proba", action="store_true", help="also write the network's outputs (probabilities)")
    p.add_argument("--label", default=None,
                   help="a label column to drop from the input: a header name or an index (default: none)")
    p.add_argument("--header", choices=["auto", "yes", "no"], default="auto", help="does the CSV have a header row")
    p.set_defaults(func=run)


def read_inputs(path: Path, label: int | str | None, header: bool | None) -> np.ndarray:
    """Feature rows from a table or IDX image file (labels, if any, dropped)."""
    from ..datasets import DatasetError, load_table
    from ..datasets.idx import idx_images, read_idx

    if "idx" in path.name and path.name.removesuffix(".gz").endswith("-ubyte"):
        return idx_images(read_idx(path), str(path))
    if path.suffix.lower() == ".npz":
        from ..datasets import load_npz

        return load_npz(path, y_key=None)[0]
    if not path.exists():
        raise DatasetError(f"no such file: {path}")
    return load_table(path, label=label, header=header)[0]


def _is_classifier(model) -> bool:
    return model.activations[-1].name in ("softmax", "sigmoid")


def run(args: argparse.Namespace) -> int:
    from .. import load as load_model

    if args.out is not None and args.out.suffix.lower() not in (".csv", ".txt", ".npy"):
        raise ValueError(f"--out must end in .csv or .npy, got {args.out}")
    check_output_file(args.out, "--out")
    model = load_model(args.model)
    X = read_inputs(args.input, label_arg(args.label), header_arg(args.header))
    n_in = model.layer_sizes[0]
    if X.shape[1] != n_in:
        hint = " (does the file hold a label column? drop it with --label)" if X.shape[1] == n_in + 1 else ""
        raise ValueError(f"{args.input}: rows have {X.shape[1]} features, the model expects {n_in}{hint}")
    outputs = model.predict(X)
    if _is_classifier(model):
        classes = (outputs[:, 0] > 0.5).astype(np.int64) if outputs.shape[1] == 1 else outputs.argmax(axis=1)
        columns, table = ["class"], classes[:, None].astype(outputs.dtype)
        if args.proba:
            columns += [f"p{j}" for j in range(outputs.shape[1])]
            table = np.column_stack([table, outputs])
        array = outputs if args.proba else classes  # what --out .npy holds
    else:
        columns = ["output"] if outputs.shape[1] == 1 else [f"output{j}" for j in range(outputs.shape[1])]
        table = array = outputs
    _write(args.out, columns, table, array, integer_first=_is_classifier(model))
    return 0


def _write(out: Path | None, columns: list[str], table: np.ndarray, array: np.ndarray, integer_first: bool) -> None:
    """``array`` to ``out.npy``, or ``table`` as CSV (with ``columns`` as its header) to ``out`` or stdout."""
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
    if out is not None and out.suffix.lower() == ".npy":
        atomic_write(out, lambda f: np.save(f, array, allow_pickle=False))
        print(f"wrote {out} {array.dtype} {array.shape}", file=sys.stderr)
        return
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in table:  # numpy scalars print their shortest exact form (float32 stays short)
        cells = [str(v) for v in row]
        if integer_first:
            cells[0] = str(int(row[0]))
        writer.writerow(cells)
    if out is None:
        sys.stdout.write(buf.getvalue())
    else:
        atomic_write_text(out, buf.getvalue())
        print(f"wrote {out}", file=sys.stderr)
