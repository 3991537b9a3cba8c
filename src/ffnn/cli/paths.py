"""Output paths checked before any work starts, so that a long run never fails at its last step.

``check_output_file`` and ``check_output_dir`` raise ``OutputPathError`` (a ``ValueError``) naming
the option, the path and the problem: a directory where a file goes, a file where a directory
goes, a link or device that a save would replace, a parent that is not a directory, or a
location this user cannot write. Missing directories are fine: they are created when writing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["OutputPathError", "check_output_file", "check_output_dir"]


class OutputPathError(ValueError):
    """An output path given on the command line cannot be written."""


def _existing_ancestor(path: Path) -> Path:
    """The nearest ancestor of ``path`` that exists (``.`` for a relative path with none)."""
    for parent in path.absolute().parents:
        if os.path.lexists(parent):
            return parent
    return Path("/")


def _check_can_create_in(path: Path, option: str) -> None:
    """``path`` does not exist: its nearest existing ancestor must be a writable directory."""
    ancestor = _existing_ancestor(path)
    if not ancestor.is_dir():
        raise OutputPathError(f"{option} {path}: {ancestor} is a file, not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {path}: cannot write in {ancestor} (permission denied)")


def check_output_file(path: Path | None, option: str) -> None:
    """``path`` can be written as a regular file (replacing a regular file there)."""
    if path is None:
        return
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return _check_can_create_in(path, option)
    except NotADirectoryError:
        return _check_can_create_in(path, option)
    if stat.S_ISDIR(mode):
        raise OutputPathError(f"{option} {path}: is a directory; give a file name inside it")
    if not stat.S_ISREG(mode):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "a device, pipe or socket"
        raise OutputPathError(f"{option} {path}: is {kind}, which a save would replace; give a regular file's path")
    directory = path.parent if str(path.parent) else Path(".")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {path}: cannot write in {directory} (permission denied)")


def check_output_dir(path: Path | None, option: str) -> None:
    """``path`` is, or can be created as, a directory this user can write in."""
    if path is None:
        return
    if not os.path.lexists(path):
        return _check_can_create_in(path, option)
    if not path.is_dir():
        raise OutputPathError(f"{option} {path}: exists and is not a directory")
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {path}: cannot write in this directory (permission denied)")
