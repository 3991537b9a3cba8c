"""The ``.npz`` model file as plain data: ``write_model_file`` and ``read_model_file``.

This module knows the file layout (see the package docstring) and checks everything a file
declares before it allocates: the member list against the config, every member's ``.npy``
header against the shapes the config implies (computed without building anything), the
zip's sizes against the headers, and every value for NaN/inf. It never builds a model:
``ffnn.persistence`` turns the checked contents into an ``FFNN``.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..builders import layers_from_config
from ..network import Sequential
from ..training import History
from .atomic import atomic_write
from .bounded import NpzReader, is_npz, open_regular
from .errors import ModelFileError

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "META", "PARAMS", "GRADS", "OPTIM", "ModelFile",
           "write_model_file", "read_model_file", "file_guard"]

FORMAT_NAME = "ffnn.model"
FORMAT_VERSION = 2  # the newest this ffnn reads and writes; 1 for models built by FFNN(layer_sizes, ...)
# Version 2 adds configs of any layer stack (FFNN.from_layers) and buffers (running statistics)
# among the params/ members; a file of a layer_sizes model is still written as version 1.
META = "__ffnn__"
PARAMS = "params/"
OPTIM = "optimizer/"
GRADS = "grads/"  # the gradients of the last backward pass, so pictures can show them after loading
_MAX_META_BYTES = 8 * 1024 * 1024  # a config + history is kilobytes (a long monitored run: ~1 MiB)
OPTIMIZER_STATE_COPIES = 8  # optimiser state beyond a few copies of the parameters is not state

T = TypeVar("T")


@dataclass
class ModelFile:
    """The checked contents of a model file: ``state`` holds every parameter and buffer by
    name, ``grads`` the trained parameters' last gradients (or ``None``)."""

    meta: dict[str, Any]
    state: dict[str, np.ndarray]
    grads: dict[str, np.ndarray] | None
    history: History | None
    optimizer_config: dict[str, Any] | None
    optimizer_state: dict[str, np.ndarray] = field(default_factory=dict)
    rng_state: Any = None

    @property
    def config(self) -> dict[str, Any]:
        return self.meta["config"]


# ---------------------------------------------------------------------------------- writing
def write_model_file(path: str | os.PathLike, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write ``meta`` (JSON) and ``arrays`` (``params/...``, ``grads/...``, ``optimizer/...``)
    to one ``.npz`` file at ``path``, atomically: an interrupted write leaves any previous
    file untouched. NaN or infinite parameters are refused (``read_model_file`` would refuse them)."""
    bad = [name[len(PARAMS):] for name, value in arrays.items()
           if name.startswith(PARAMS) and not np.all(np.isfinite(value))]
    if bad:
        raise ValueError(
            f"cannot save: parameter(s) {bad} hold NaN or infinite values (training diverged?); "
            "retrain with a smaller learning rate or load an earlier checkpoint"
        )
    members = {META: np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8), **arrays}
    atomic_write(Path(path), lambda f: np.savez(f, **members))


# ---------------------------------------------------------------------------------- reading
def read_model_file(path: str | os.PathLike) -> ModelFile:
    """Read and check a model file written by ``write_model_file``.

    Raises :class:`ModelFileError` if the file is missing, not an ffnn model file, truncated
    or corrupted, written by a newer ffnn, or inconsistent with its own architecture.
    """
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with open_regular(path, ModelFileError) as f:
            if not is_npz(f):
                raise ModelFileError(f"{path}: not an ffnn model file (not a zip/.npz archive, or truncated)")
            with NpzReader(f, str(path), ModelFileError) as reader:
                return _from_archive(_Archive(reader, path), path)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, NotImplementedError,
            RuntimeError, RecursionError, OverflowError, MemoryError) as err:
        raise ModelFileError(f"{path}: corrupted or unreadable model file ({type(err).__name__}: {err})") from None


class _Archive:
    """The ``.npy`` members of a model file, through the bounded reader (``io.bounded``): every
    member's header and sizes are checked before it is read, and read with no pickle."""

    def __init__(self, reader: NpzReader, path: Path) -> None:
        self.reader, self.path = reader, path
        names = [n for n in reader.zip.namelist() if not n.endswith("/")]
        bad = [n for n in names if not n.endswith(".npy")]
        if bad:
            raise ModelFileError(f"{path}: unexpected member(s) {bad[:10]} (an ffnn file holds only .npy arrays)")
        self.names = set(reader.files)

    def header(self, key: str) -> tuple[tuple[int, ...], np.dtype]:
        header = self.reader.header(key)
        return header.shape, header.dtype

    def check(self, key: str, dtype: np.dtype | None = None, shape: tuple[int, ...] | None = None,
              max_size: int | None = None) -> None:
        """The member's header must give ``dtype`` and ``shape`` (or at most ``max_size`` elements);
        the bounded reader has checked it against the zip's sizes."""
        got_shape, got_dtype = self.header(key)
        if (dtype is not None and got_dtype != dtype) or (shape is not None and got_shape != tuple(shape)):
            raise ModelFileError(
                f"{self.path}: member {key!r} is {got_dtype} {got_shape}, the architecture needs "
                f"{dtype} {tuple(shape) if shape is not None else ''}".rstrip()
            )
        if max_size is not None and math.prod(got_shape) > max_size:
            raise ModelFileError(f"{self.path}: member {key!r} is implausibly large ({got_shape})")

    def read(self, key: str, dtype: np.dtype | None = None, shape: tuple[int, ...] | None = None,
             max_size: int | None = None) -> np.ndarray:
        """The array ``key``, after ``check``; NaN or inf values are refused."""
        self.check(key, dtype, shape, max_size)
        arr = self.reader.read(key)
        if np.issubdtype(arr.dtype, np.inexact) and not np.all(np.isfinite(arr)):
            raise ModelFileError(f"{self.path}: member {key!r} holds NaN or infinite values")
        return arr


def _from_archive(archive: _Archive, path: Path) -> ModelFile:
    meta = _read_meta(archive, path)
    shapes, trained = _declared_shapes(meta, path)
    _check_members(meta, archive.names, list(shapes), trained, path)
    dtype = file_guard(path, "config", lambda: np.dtype(meta["config"].get("dtype", "float32")))
    for name, shape in shapes.items():  # every member must fit before anything is read
        archive.check(PARAMS + name, dtype, shape)
    state = {name: archive.read(PARAMS + name, dtype, shape) for name, shape in shapes.items()}
    grads = None
    if meta.get("grads") is True:
        grads = {name: archive.read(GRADS + name, dtype, shapes[name]) for name in trained}
    history = None
    if meta.get("history") is not None:
        history = file_guard(path, "history", lambda: History.from_dict(meta["history"]))
    opt = meta.get("optimizer")
    n_params = sum(int(np.prod(shapes[n], dtype=object)) for n in trained)
    limit = OPTIMIZER_STATE_COPIES * n_params + 1024
    opt_state = {key: archive.read(OPTIM + key, max_size=limit) for key in (opt or {}).get("state", [])}
    return ModelFile(meta, state, grads, history, None if opt is None else opt["config"], opt_state,
                     meta.get("rng_state"))


def _declared_shapes(meta: dict[str, Any], path: Path) -> tuple[dict[str, tuple[int, ...]], list[str]]:
    """The shapes of every parameter and buffer the file's config describes (nothing is
    allocated), and the names of the trained parameters among them."""

    def shapes() -> tuple[dict[str, tuple[int, ...]], list[str]]:
        n_in, layers, names = layers_from_config(meta["config"])
        return Sequential(layers, names).state_shapes(n_in)

    return file_guard(path, "config", shapes)


def _read_meta(archive: _Archive, path: Path) -> dict[str, Any]:
    if META not in archive.names:
        raise ModelFileError(
            f"{path}: not an ffnn model file (no {META!r} member; members: {sorted(archive.names)[:10]})"
        )
    shape, dtype = archive.header(META)
    if dtype != np.uint8 or len(shape) != 1 or shape[0] > _MAX_META_BYTES:
        raise ModelFileError(f"{path}: metadata must be a 1-D uint8 array, got {dtype} {shape}")
    raw = archive.read(META)
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ModelFileError(f"{path}: metadata is not valid JSON ({type(err).__name__}: {err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        got = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ModelFileError(f"{path}: not an ffnn model file (format {got!r}, expected {FORMAT_NAME!r})")
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{path}: bad format version {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: written by a newer ffnn ({meta.get('ffnn_version', '?')}, format version {version}); "
            f"this ffnn reads format versions up to {FORMAT_VERSION}. Upgrade ffnn to load it."
        )
    for key, kind in (("config", dict), ("params", list)):
        if not isinstance(meta.get(key), kind):
            raise ModelFileError(f"{path}: metadata field {key!r} is missing or not a {kind.__name__}")
    return meta


def file_guard(path: Path, what: str, fn: Callable[[], T]) -> T:
    """Run ``fn``; an error from bad file content becomes a ``ModelFileError`` naming ``what``."""
    try:
        return fn()
    except (KeyError, ValueError, TypeError, AttributeError, OverflowError) as err:
        raise ModelFileError(f"{path}: bad {what} in model file ({type(err).__name__}: {err})") from None


def _check_members(meta: dict[str, Any], names: set[str], own: list[str], trained: list[str], path: Path) -> None:
    """The archive must hold exactly the metadata, the model's parameters and buffers (``own``),
    the gradients of the ``trained`` ones and the optimiser state."""
    if sorted(map(str, meta["params"])) != sorted(own):
        raise ModelFileError(f"{path}: parameter list {meta['params']} does not match the architecture's {own}")
    opt = meta.get("optimizer")
    state = opt.get("state") if isinstance(opt, dict) else []
    if opt is not None and (not isinstance(opt.get("config"), dict) or not isinstance(state, list)
                            or not all(isinstance(k, str) for k in state)):
        raise ModelFileError(f"{path}: metadata field 'optimizer' is malformed")
    wanted = {META} | {PARAMS + n for n in own} | {OPTIM + k for k in state}
    if meta.get("grads") is True:
        wanted |= {GRADS + n for n in trained}
    missing, unknown = sorted(wanted - names), sorted(names - wanted)
    if missing:
        raise ModelFileError(f"{path}: missing member(s) {missing} (truncated or incomplete file)")
    if unknown:
        raise ModelFileError(f"{path}: unexpected member(s) {unknown}")


