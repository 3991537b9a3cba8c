"""The ``ffnn`` command: parses arguments and calls the library; no logic of its own.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds a
parser whose ``func`` default runs the command and returns an exit code.

At this edge every user error becomes one line on standard error and a non-zero exit code,
never a traceback: a bad value or file (``ValueError``, ``DatasetError``, ``ModelFileError``...),
a file system problem (``OSError``: missing, unwritable, a directory...), running out of memory
(exit 1), and Ctrl-C (exit 130). Anything else is a bug in ffnn and keeps its traceback.
A usage mistake (an unknown option or choice) is one line too, with exit code 2, and each
warning (``ffnn.TrainingWarning``...) is one line, ``ffnn train: warning: ...``.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import os
import sys
import warnings
import zipfile
import zlib
from collections.abc import Sequence

# Modules under ffnn.cli that define subcommands; add a name here to add a command.
COMMANDS = ("train", "evaluate", "predict", "plot", "explain", "study", "lr_find")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (and exit code 2), not the whole usage."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from ..version import __version__

    parser = _Parser(prog="ffnn", description="Train, inspect and study feedforward neural networks built on NumPy.")
    parser.add_argument("--version", action="version", version=f"ffnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit code: 0 done, 1 an error (one line on stderr), 2 usage, 130 Ctrl-C."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("ffnn: interrupted", file=sys.stderr)
        return 130
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _one_line_warnings(args.command)
            return int(args.func(args) or 0)
    except KeyboardInterrupt:  # nothing half-written: every file is written atomically
        print(f"ffnn {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away (| head): nothing more to say
        _silence_stdout()
        return 1
    except USER_ERRORS as err:
        print(f"ffnn {args.command}: error: {describe(err)}", file=sys.stderr)
        return 1


# What a user can cause: bad values and files, file system problems, exhausted memory.
USER_ERRORS = (ValueError, TypeError, OSError, FloatingPointError, MemoryError, EOFError, csv.Error,
               zipfile.BadZipFile, zlib.error)


def describe(err: BaseException) -> str:
    """One line for ``err``: an ``OSError``'s file and reason, an empty ``MemoryError`` explained."""
    if isinstance(err, OSError) and err.strerror and err.filename:
        text = f"{err.filename}: {err.strerror}"
    elif isinstance(err, MemoryError):
        text = f"out of memory ({str(err) or 'the data or the network is too large for this machine'})"
    else:
        text = str(err) or type(err).__name__
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _one_line_warnings(command: str):
    """A ``warnings.showwarning`` that prints ``ffnn COMMAND: warning: message`` as one line."""
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
        print(f"ffnn {command}: warning: {text}", file=sys.stderr, flush=True)

    return show


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's own flush at exit does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
