"""``ffnn evaluate MODEL --data ...``: loss and accuracy (regression: R², MAE, RMSE) of a saved
model on a dataset, with labels as written in it (the model's classes)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from .data import add_data_arguments, model_task, read_data
from .report import format_result


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="evaluate a saved model (from ffnn train --save) on a dataset")
    p.add_argument("model", type=Path, help="model file written by ffnn train --save or FFNN.save")
    add_data_arguments(p, required=True)
    p.add_argument("--split", choices=["test", "train", "all"], default="test",
                   help="which part to evaluate: the test set (default; for a single table, the same "
                        "held-out rows as ffnn train with the same --test-size/--split-seed), train, or all")
    p.add_argument("--json", action="store_true", help="print the result as JSON (default: text)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import load as load_model

    model = load_model(args.model)
    X_train, y_train, X_test, y_test = read_data(args, model_task(model)).arrays()
    if args.split == "test":
        X, y = X_test, y_test
    elif args.split == "train":
        X, y = X_train, y_train
    else:
        X, y = np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test])
    result = model.evaluate(X, y)
    if args.json:
        print(json.dumps({"model": str(args.model), "data": args.data, "split": args.split,
                          "n_samples": len(X), **result}))
    else:
        print(f"{args.model} on {args.data} ({args.split}, {len(X)} samples)")
        print(format_result(args.split, result))
    return 0
