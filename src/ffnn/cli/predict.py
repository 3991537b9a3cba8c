"""``ffnn predict MODEL --input FILE``: classes (or outputs) of a saved model for new rows.

The input is a .csv / .npy / .npz file of feature rows or an IDX image file
(``*-idx3-ubyte[.gz]``). ``--label`` names the label column(s) the file holds: they are left
out of the features and the predictions are scored against them. When the model knows its
column names (trained on a CSV with a header) and the file has a header, features are taken
by name. Classes come out as the labels the model was trained on (``setosa``, ``1..3``...);
``--proba`` adds one probability column per class. The output is CSV (to stdout or
``--out file.csv``) or ``--out file.npy``.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..io.atomic import atomic_write, atomic_write_text
from .data import header_arg, label_arg, model_task
from .paths import check_output_file
from .report import format_scores

_CSV = (".csv", ".tsv", ".txt")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="predict with a saved model (from ffnn train --save)")
    p.add_argument("model", type=Path, help="model file written by ffnn train --save or FFNN.save")
    p.add_argument("--input", type=Path, required=True, metavar="FILE",
                   help="feature rows: .csv, .npy, .npz (array X), or an IDX image file (required)")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="write .csv or .npy (default: CSV to standard output)")
    p.add_argument("--proba", action="store_true",
                   help="also write each class's probability, one column per class (default: off)")
    p.add_argument("--label", default=None, metavar="COLUMN[,COLUMN...]",
                   help="label column(s) the input holds: header names or indices; left out of the features "
                        "and used to score the predictions (default: none)")
    p.add_argument("--header", choices=["auto", "yes", "no"], default="auto",
                   help="does the CSV have a header row (default: auto)")
    p.set_defaults(func=run)


def read_inputs(path: Path, label: Any, header: bool | None, model: Any = None) -> tuple[np.ndarray, Any]:
    """``(X, y)``: feature rows of a table or IDX image file, and the label column(s) if named."""
    from ..datasets import DatasetError, load_table
    from ..datasets.idx import idx_images, read_idx

    if "idx" in path.name and path.name.removesuffix(".gz").endswith("-ubyte"):
        return idx_images(read_idx(path), str(path)), None
    if not path.exists():
        raise DatasetError(f"no such file: {path}")
    if path.suffix.lower() == ".npz":
        from ..datasets import load_npz

        return load_npz(path, y_key=None)[0], None
    if path.suffix.lower() in _CSV:
        return _csv_features(path, label, header, model)
    return load_table(path, label=label, header=header)


def _csv_features(path: Path, label: Any, header: bool | None, model: Any) -> tuple[np.ndarray, Any]:
    """Features (and labels) of a CSV file: the model's columns by name when both have names, else by position."""
    from ..datasets import DatasetError, csv_header, read_csv_table

    wanted = getattr(model, "feature_names", None)
    names = csv_header(path, header) if wanted is not None else None
    if names is None:
        try:
            table = read_csv_table(path, label=label, header=header)
        except DatasetError as err:
            if label is None and "is not a number" in str(err):
                raise DatasetError(f"{err} (a label column? name it with --label)") from None
            raise
        return table.X, table.y
    table = read_csv_table(path, label=label, header=True, features=wanted)
    unused = [n for n in names if n not in wanted and n not in (table.label_names or [])]
    if unused:
        print(f"note: ignoring column(s) the model was not trained on: {', '.join(unused[:5])}"
              + (f" and {len(unused) - 5} more" if len(unused) > 5 else ""), file=sys.stderr)
    return table.X, table.y


def run(args: argparse.Namespace) -> int:
    from .. import load as load_model

    if args.out is not None and args.out.suffix.lower() not in (".csv", ".txt", ".npy"):
        raise ValueError(f"--out must end in .csv or .npy, got {args.out}")
    check_output_file(args.out, "--out")
    model = load_model(args.model)
    label = label_arg(args.label)
    X, y = read_inputs(args.input, label, header_arg(args.header), model)
    n_in = model.layer_sizes[0]
    if X.shape[1] != n_in:
        hint = " (does the file hold a label column? name it with --label)" if X.shape[1] == n_in + 1 else ""
        raise ValueError(f"{args.input}: rows have {X.shape[1]} features, the model expects {n_in}{hint}")
    if model_task(model) == "classify":
        columns, rows, array = _classes(model, X, args.proba)
    else:
        outputs = model.predict(X)
        names = label if isinstance(label, list) else [label] if isinstance(label, str) else None
        if names is None or len(names) != outputs.shape[1]:
            names = ["output"] if outputs.shape[1] == 1 else [f"output{j}" for j in range(outputs.shape[1])]
        columns, rows, array = names, [list(row) for row in outputs], outputs
    _write(args.out, columns, rows, array)
    if y is not None:
        _score(model, X, y)
    return 0


def _classes(model: Any, X: np.ndarray, proba: bool) -> tuple[list[str], list[list[Any]], np.ndarray]:
    """CSV columns, rows and the ``.npy`` array: the class of each row, and its probabilities."""
    outputs = model.predict(X)
    classes = model.predict_classes(X)
    labels = model.classes_ if model.classes_ is not None else np.arange(max(2, outputs.shape[1]))
    rows = [[c] for c in classes.tolist()]  # Python values: 'setosa', 3
    if not proba:
        return ["class"], rows, classes
    p = np.column_stack([1 - outputs[:, 0], outputs[:, 0]]) if outputs.shape[1] == 1 else outputs
    columns = ["class"] + [f"p_{c}" for c in labels.tolist()]
    return columns, [r + list(values) for r, values in zip(rows, p)], p  # float32 cells print short


def _score(model: Any, X: np.ndarray, y: np.ndarray) -> None:
    """One line on stderr: the predictions scored against the labels the file holds."""
    try:
        result = model.evaluate(X, y)
    except (ValueError, TypeError) as err:
        print(f"note: the labels were not scored: {err}", file=sys.stderr)
        return
    print(f"scored against the {len(X)} labels in the input: {format_scores(result)}", file=sys.stderr)


def _write(out: Path | None, columns: list[str], rows: list[list[Any]], array: np.ndarray) -> None:
    """``array`` to ``out.npy``, or ``rows`` as CSV (``columns`` as its header) to ``out`` or stdout."""
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
    if out is not None and out.suffix.lower() == ".npy":
        atomic_write(out, lambda f: np.save(f, array, allow_pickle=False))
        print(f"wrote {out} {array.dtype} {array.shape}", file=sys.stderr)
        return
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    if out is None:
        sys.stdout.write(buf.getvalue())
    else:
        atomic_write_text(out, buf.getvalue())
        print(f"wrote {out}", file=sys.stderr)
