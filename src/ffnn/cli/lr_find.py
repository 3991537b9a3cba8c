"""``ffnn lr-find``: the learning-rate range test on a dataset (MNIST by default) for the network
``ffnn train`` would build with the same options (its defaults for image data or tables); prints
the curve and the suggested rate."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..io.atomic import atomic_write_text
from .data import add_data_arguments, read_data
from .defaults import both, settle
from .paths import check_output_file


def _ints(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lr-find", help="suggest a learning rate (the range test) for the network ffnn train builds")
    add_data_arguments(p)
    p.add_argument("--hidden", type=_ints, default=None, help=f"hidden sizes, e.g. 64,64 {both('hidden')}")
    p.add_argument("--activations", type=_names, default=None,
                   help="one per non-input layer (default: relu..., then softmax or linear)")
    p.add_argument("--init", default=None, help=f"weight initialisation {both('init')}")
    p.add_argument("--standardize", action=argparse.BooleanOptionalAction, default=None,
                   help=f"a Normalization layer first {both('standardize')}")
    p.add_argument("--dtype", default="float32", choices=["float32", "float64"], help="(default: float32)")
    p.add_argument("--seed", type=int, default=42, help="(default: 42)")
    p.add_argument("--optimizer", default=None, choices=["sgd", "momentum", "adam"],
                   help=f"the optimiser to test {both('optimizer')}")
    p.add_argument("--batch-size", type=int, default=None, help=both("batch_size"))
    p.add_argument("--start", type=float, default=1e-7, help="first learning rate (default 1e-7)")
    p.add_argument("--end", type=float, default=10.0, help="last learning rate (default 10)")
    p.add_argument("--steps", type=int, default=100, help="batches, one per rate (default 100)")
    p.add_argument("--plot", type=Path, default=None, metavar="FILE", help="draw the curve to FILE (needs matplotlib) (default: none)")
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="write the rates, losses and suggestions to FILE (default: none)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..model import FFNN

    check_output_file(args.plot, "--plot")
    check_output_file(args.json, "--json")
    data = read_data(args)
    settings = settle(args, bool(data.images))
    hidden = list(settings["hidden"])
    if data.task.task == "classify":
        n_out, out_act, loss = len(data.classes), "softmax", "categorical_crossentropy"
    else:
        n_out, out_act, loss = (1 if data.y_train.ndim == 1 else data.y_train.shape[1]), "linear", "mse"
    acts = args.activations or ["relu"] * len(hidden) + [out_act]
    model = FFNN([data.X_train.shape[1], *hidden, n_out], acts, loss, init=settings["init"], seed=args.seed,
                 dtype=args.dtype, standardize=bool(settings["standardize"]))
    batch = int(settings["batch_size"])
    result = model.lr_find(data.X_train, data.y_train, start=args.start, end=args.end, steps=args.steps,
                           batch_size=batch, optimizer=settings["optimizer"])
    print(f"range test: {len(result.learning_rates)} batches of {batch}, {settings['optimizer']}, rates {result.learning_rates[0]:.3g} "
          f"to {result.learning_rates[-1]:.3g}" + (" (stopped: the loss diverged)" if result.stopped_early else ""))
    print("  rate        loss (smoothed)")
    for i in range(0, len(result.learning_rates), max(1, len(result.learning_rates) // 12)):
        print(f"  {result.learning_rates[i]:<10.3g}  {result.smoothed[i]:.4f}")
    for label, value in (("steepest descent", result.steepest), ("minimum", result.minimum),
                         ("minimum / 10", result.conservative)):
        print(f"{label:>17}: {'n/a' if value is None else f'{value:.3g}'}")
    if result.suggestion is None:
        print("no suggestion: the test saw too few batches (raise --steps or --end)")
    else:
        print(f"suggested learning rate: {result.suggestion:.3g} ({result.rule})")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(args.json, json.dumps(result.to_dict(), indent=1))
        print(f"wrote {args.json}")
    if args.plot is not None:
        from ..viz import plot_lr_find

        plot_lr_find(result, path=args.plot)
        print(f"wrote {args.plot}")
    return 0
