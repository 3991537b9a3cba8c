"""Atomic file writes: a temporary file beside the target, flushed, synced and renamed over it.

Only a regular file (or nothing) is replaced: a directory, a symbolic link, a device, a pipe or
a socket at the target is refused with an ``OSError`` naming it, never silently replaced by a
file (the rename would replace a link itself, not the file it points to). The check and the
rename are two steps, so a target swapped in between by another process is not detected.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["atomic_write", "atomic_write_text", "check_target"]


def atomic_write(path: Path, write: Any) -> None:
    """Call ``write(file)`` on a temporary file in ``path``'s directory, then rename it over ``path``."""
    directory = path.parent if str(path.parent) else Path(".")
    check_target(path)
    mode = _file_mode(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except PermissionError:
        raise PermissionError(f"cannot save to {path}: directory {directory} is not writable") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def check_target(path: Path) -> None:
    """Raise an ``OSError`` naming the problem unless ``path`` can be replaced by a regular file."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.exists():
        raise FileNotFoundError(f"cannot save to {path}: directory {directory} does not exist")
    if not directory.is_dir():
        raise NotADirectoryError(f"cannot save to {path}: {directory} is not a directory")
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"cannot save to {path}: it is a directory; give a file name inside it")
    kind = "a symbolic link" if stat.S_ISLNK(mode) else "a device, pipe or socket"
    raise FileExistsError(f"cannot save to {path}: it is {kind}, not a regular file, and a save replaces "
                          "only regular files; remove it or save elsewhere (for a link: to the file it points to)")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: readers see the old file or the whole new one."""
    data = text.encode("utf-8")
    atomic_write(Path(path), lambda f: f.write(data))


def _file_mode(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0o666 minus the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it (POSIX)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
