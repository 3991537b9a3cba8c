"""The ``ffnn`` command: parses arguments and calls the library; no logic of its own.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds a
parser whose ``func`` default runs the command and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules under ffnn.cli that define subcommands; add a name here to add a command.
COMMANDS = ("train", "evaluate", "predict", "plot", "study")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ffnn", description="Train, inspect and study feedforward neural networks built on NumPy."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError, FloatingPointError) as err:
        print(f"ffnn {args.command}: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
