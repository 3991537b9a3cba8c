"""Reading IDX files (the format of MNIST and Fashion-MNIST), gzipped or raw.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the data in C order.
``load_idx(directory)`` reads any directory holding the usual four files.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import re
import struct
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..io.bounded import SMALL_BYTES, check_inflated_size, drain, expect_end, open_regular, read_exactly

__all__ = ["DatasetError", "read_idx_bytes", "parse_idx", "read_idx", "find_idx_files", "load_idx",
           "idx_images", "IDX_ROLES"]

_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class DatasetError(ValueError):
    """A data file is missing, malformed or does not match its expected checksum."""


def _idx_header(head: bytes, source: str) -> tuple[np.dtype, int]:
    """The element type and the number of dimensions from the first 4 bytes."""
    if len(head) < 4:
        raise DatasetError(f"{source}: too short to be an IDX file ({len(head)} bytes)")
    if head[0] != 0 or head[1] != 0 or head[2] not in _TYPES:
        raise DatasetError(f"{source}: bad IDX magic number {head[:4].hex()} (expected 0000TTNN)")
    if head[3] == 0:
        raise DatasetError(f"{source}: IDX header for 0 dimensions is empty")
    return _TYPES[head[2]], head[3]


def _idx_shape(dims: bytes, ndim: int, source: str) -> tuple[int, ...]:
    if len(dims) < 4 * ndim:
        raise DatasetError(f"{source}: IDX header for {ndim} dimensions is truncated")
    return struct.unpack(f">{ndim}I", dims[: 4 * ndim])


def _size_mismatch(source: str, shape: tuple[int, ...], expected: int, got: int | str) -> DatasetError:
    return DatasetError(f"{source}: dimensions {shape} need {expected} data bytes but the file has {got} "
                        "(truncated or wrong dimensions)")


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes into an array of the stored type and shape, checking every field."""
    dtype, ndim = _idx_header(data[:4], source)
    shape = _idx_shape(data[4:], ndim, source)
    header, expected = 4 + 4 * ndim, math.prod(shape) * dtype.itemsize  # Python ints: no wrap-around
    if len(data) - header != expected:
        raise _size_mismatch(source, shape, expected, len(data) - header)
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _open_idx(f: IO[bytes], path: Path) -> tuple[Any, int | None]:
    """The decompressed stream of an IDX file from its start and, for gzip, its compressed size (else ``None``)."""
    f.seek(0)
    if f.read(2) == b"\x1f\x8b":
        f.seek(0)
        return gzip.GzipFile(fileobj=f, mode="rb"), os.fstat(f.fileno()).st_size
    f.seek(0)
    return f, None


def _read_idx(path: Path, sha256: str | None) -> tuple[np.ndarray, bytes]:
    """``(array, header bytes)``: sizes checked against the file before the data is allocated."""
    source = str(path)
    with open_regular(path, DatasetError) as f:
        stream, compressed = _open_idx(f, path)
        try:
            head = stream.read(4)
            dtype, ndim = _idx_header(head, source)
            dims = stream.read(4 * ndim)
            shape = _idx_shape(dims, ndim, source)
            nbytes = math.prod(shape) * dtype.itemsize
            if compressed is None:
                available = os.fstat(f.fileno()).st_size - 4 - 4 * ndim
                if available != nbytes:
                    raise _size_mismatch(source, shape, nbytes, available)
            else:
                check_inflated_size(4 + 4 * ndim + nbytes, compressed, source, DatasetError)
            digest = hashlib.sha256(head + dims) if sha256 is not None else None
            update = digest.update if digest is not None else None
            if compressed is not None and nbytes > SMALL_BYTES:  # verify a large stream before allocating
                drain(stream, nbytes, source, DatasetError)
                stream = _open_idx(f, path)[0]
                stream.read(4 + 4 * ndim)
            raw = np.empty(nbytes, dtype=np.uint8)
            read_exactly(stream, memoryview(raw), source, DatasetError, update)
            expect_end(stream, source, DatasetError)
        except (OSError, EOFError, zlib.error) as err:
            what = "corrupt gzip data" if compressed is not None else "cannot read the file"
            raise DatasetError(f"{path}: {what} ({type(err).__name__}: {err})") from None
    if digest is not None and digest.hexdigest() != sha256:
        raise DatasetError(f"{path}: SHA-256 of the decompressed data is {digest.hexdigest()}, expected {sha256}")
    array = raw.view(dtype).reshape(shape) if nbytes else np.zeros(shape, dtype)
    return array.astype(dtype.newbyteorder("="), copy=False), head + dims


def read_idx_bytes(path: str | Path) -> bytes:
    """The decompressed bytes of an IDX file (``.gz`` is decompressed), after the same checks as ``read_idx``."""
    array, header = _read_idx(Path(path), None)
    return header + array.astype(array.dtype.newbyteorder(">"), copy=False).tobytes()


def read_idx(path: str | Path, sha256: str | None = None) -> np.ndarray:
    """Read an IDX file; when ``sha256`` is given, check it against the decompressed bytes.

    The dimensions are checked against the file's size (raw) or against a plausible
    decompression ratio (gzip) before anything is allocated, and decompression stops at the
    size the header declares.
    """
    return _read_idx(Path(path), sha256)[0]


# The four files of an IDX dataset, found by name: "train-images-idx3-ubyte[.gz]" (MNIST's
# spelling), "train-images.idx3-ubyte" (a common re-packaging), "t10k-" or "test-" for the test set.
IDX_ROLES = ("train-images", "train-labels", "test-images", "test-labels")
_ROLE_PATTERN = re.compile(
    r"^(?P<split>train|t10k|test)[-_](?P<kind>images|labels)[-.]idx(?P<ndim>\d)-ubyte(?P<gz>\.gz)?$"
)


def find_idx_files(directory: str | Path) -> dict[str, Path]:
    """The four IDX files in ``directory`` by role (``"train-images"``...); gzipped ones preferred."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DatasetError(f"{directory}: not a directory (expected one holding the four IDX files)")
    found: dict[str, Path] = {}
    try:
        entries = sorted(directory.iterdir())
    except OSError as err:
        raise DatasetError(f"{directory}: cannot list the directory ({err.strerror or err})") from None
    for path in entries:
        m = _ROLE_PATTERN.match(path.name)
        if not m or not path.is_file():
            continue
        role = f"{'train' if m['split'] == 'train' else 'test'}-{m['kind']}"
        if role not in found or (m["gz"] and not found[role].name.endswith(".gz")):
            found[role] = path
    missing = [r for r in IDX_ROLES if r not in found]
    if missing:
        names = ", ".join(f"{r.replace('test', 't10k')}-idx{3 if 'images' in r else 1}-ubyte[.gz]" for r in missing)
        raise DatasetError(f"{directory}: missing IDX file(s) for {', '.join(missing)} (expected names like {names})")
    return found


def first_idx_directory(places: list[Path], what: str, hint: str) -> Path:
    """The first of ``places`` holding a complete set of IDX files; else a ``DatasetError``
    that lists where it looked and ends with ``hint`` (how to get the files)."""
    for directory in places:
        try:
            find_idx_files(directory)
        except DatasetError:
            continue
        return directory
    looked = "\n  ".join(str(p) for p in places)
    raise DatasetError(f"{what} not found. Looked in:\n  {looked}\n{hint}")


def idx_images(a: np.ndarray, source: str = "<images>") -> np.ndarray:
    """Images ``(n, h, w...)`` as float32 rows in [0, 1]: uint8 pixels are divided by 255."""
    if a.ndim < 2 or a.size == 0:
        raise DatasetError(f"{source}: images need at least 2 non-empty dimensions (n, ...), got shape {a.shape}")
    rows = a.reshape(len(a), -1)
    if a.dtype == np.uint8:
        return rows.astype(np.float32) / np.float32(255.0)
    if a.dtype.kind == "f" and (rows.size == 0 or (np.isfinite(rows).all() and rows.min() >= 0 and rows.max() <= 1)):
        return rows.astype(np.float32)
    raise DatasetError(f"{source}: expected uint8 pixels (or floats in [0, 1]), got {a.dtype}")


def _labels(a: np.ndarray, source: str) -> np.ndarray:
    if a.ndim != 1 or a.dtype.kind not in "iu":
        raise DatasetError(f"{source}: labels must be a 1-D integer array, got {a.dtype} {a.shape}")
    return a.astype(np.int64)


def load_idx(
    directory: str | Path, checksums: dict[str, str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)`` from a directory of four IDX files.

    Images become float32 rows in [0, 1] (one row per image, flattened), labels int64.
    ``checksums``, if given, maps each file's name without ``.gz`` (``"train-images-idx3-ubyte"``)
    to the SHA-256 of its decompressed bytes, and every file is verified against it.

    >>> X_train, y_train, X_test, y_test = load_idx("/usr/share/datasets/fashion-mnist")  # doctest: +SKIP
    """
    files = find_idx_files(directory)
    arrays = {}
    for role, path in files.items():
        stem = path.name[:-3] if path.name.endswith(".gz") else path.name
        if checksums is not None and stem not in checksums:
            raise DatasetError(f"{path}: no known checksum for {stem!r} (known: {sorted(checksums)})")
        arrays[role] = read_idx(path, None if checksums is None else checksums[stem])
    out = []
    for split in ("train", "test"):
        images = idx_images(arrays[f"{split}-images"], str(files[f"{split}-images"]))
        labels = _labels(arrays[f"{split}-labels"], str(files[f"{split}-labels"]))
        if len(images) != len(labels):
            raise DatasetError(
                f"{directory}: {split} set has {len(images)} images but {len(labels)} labels "
                f"({files[f'{split}-images'].name}, {files[f'{split}-labels'].name})"
            )
        out += [images, labels]
    if out[0].shape[1] != out[2].shape[1]:
        raise DatasetError(f"{directory}: train images have {out[0].shape[1]} pixels, test images {out[2].shape[1]}")
    return out[0], out[1], out[2], out[3]
