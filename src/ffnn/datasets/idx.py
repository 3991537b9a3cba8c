"""Reading IDX files (the format of MNIST and Fashion-MNIST), gzipped or raw.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the data in C order.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np

__all__ = ["DatasetError", "read_idx_bytes", "parse_idx", "read_idx"]

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


def read_idx_bytes(path: str | Path) -> bytes:
    """The decompressed bytes of an IDX file (``.gz`` is decompressed)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"no such file: {path}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise DatasetError(f"{path}: corrupt gzip data ({err})") from None
    return raw


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes into an array of the stored type and shape, checking every field."""
    if len(data) < 4:
        raise DatasetError(f"{source}: too short to be an IDX file ({len(data)} bytes)")
    if data[0] != 0 or data[1] != 0 or data[2] not in _TYPES:
        raise DatasetError(f"{source}: bad IDX magic number {data[:4].hex()} (expected 0000TTNN)")
    dtype, ndim = _TYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise DatasetError(f"{source}: IDX header for {ndim} dimensions is truncated or empty")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise DatasetError(
            f"{source}: dimensions {shape} need {expected} data bytes but the file has "
            f"{len(data) - header} (truncated or wrong dimensions)"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: str | Path, sha256: str | None = None) -> np.ndarray:
    """Read an IDX file; when ``sha256`` is given, check it against the decompressed bytes."""
    data = read_idx_bytes(path)
    if sha256 is not None:
        digest = hashlib.sha256(data).hexdigest()
        if digest != sha256:
            raise DatasetError(f"{path}: SHA-256 of the decompressed data is {digest}, expected {sha256}")
    return parse_idx(data, str(path))
