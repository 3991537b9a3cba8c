"""Reading untrusted files in bounded memory: ``.npy`` arrays, ``.npz`` members, gzip streams.

Every size a file declares is checked before anything is allocated: an ``.npy`` header's shape
against the bytes that follow it, a zip member's size against its compressed size, a gzip
stream's declared length against the file. Decompression streams into a buffer of exactly the
declared size and stops there, so a file cannot make a reader allocate much more than it
really holds (see docs/security.md for the limits):

* compressed data may expand at most ``MAX_INFLATE_RATIO`` times, unless it declares at most
  ``SMALL_BYTES`` (real arrays and images compress 2-10x; a decompression bomb 1000x);
* compressed data declaring more than ``SMALL_BYTES`` is first decompressed into nothing, to
  check that it is whole and of the declared length, and only then into memory.

Errors are raised through the caller's ``error`` class (``DatasetError``, ``ModelFileError``...)
with a message that starts with the file's name.
"""

from __future__ import annotations

import io
import math
import os
import stat
import struct
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = ["MAX_INFLATE_RATIO", "SMALL_BYTES", "NPY_MAX_HEADER", "NpyHeader", "NpzReader", "open_regular",
           "check_inflated_size", "read_exactly", "drain", "read_npy_header", "read_npy_data", "read_npy_file",
           "is_npz", "describe_size"]

ErrorType = type[Exception]

MAX_INFLATE_RATIO = 100
SMALL_BYTES = 64 * 1024 * 1024
NPY_MAX_HEADER = 10_000  # numpy's own limit for a header it will parse (``max_header_size``)
CHUNK = 1024 * 1024
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_NPY_KINDS = "biufc"  # bool, integers, floats, complex: plain numbers, never objects or records


def describe_size(n: int) -> str:
    """``1610612736`` -> ``"1.5 GiB"``: sizes in messages, readable."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


# --------------------------------------------------------------------------- files
def open_regular(path: Path, error: ErrorType) -> IO[bytes]:
    """``path`` opened for binary reading; a missing, unreadable or non-regular file is an ``error``.

    The file is opened without blocking and checked before anything is read, so a pipe with no
    writer or a device (``/dev/zero``) is refused instead of hanging or streaming forever.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise error(f"no such file: {path}") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, expected a file") from None
    except OSError as err:
        raise error(f"{path}: cannot read ({err.strerror or err})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "is a directory, expected a file" if stat.S_ISDIR(mode) else \
            "not a regular file (a pipe, socket or device); save the data to a regular file first"
        raise error(f"{path}: {kind}")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return open(fd, "rb")  # noqa: SIM115 (the caller closes it)


def check_inflated_size(declared: int, compressed: int, source: str, error: ErrorType) -> None:
    """Refuse compressed data that declares more than ``MAX_INFLATE_RATIO`` times its size (a bomb)."""
    if declared > SMALL_BYTES and declared > MAX_INFLATE_RATIO * max(compressed, 1):
        raise error(
            f"{source}: declares {describe_size(declared)} of data in {describe_size(compressed)} of compressed "
            f"input (ratio {declared // max(compressed, 1)}, real data compresses less than {MAX_INFLATE_RATIO}x); "
            "refused as a likely decompression bomb. If the file is genuine, decompress it and read the raw file"
        )


def read_exactly(f: Any, buffer: memoryview, source: str, error: ErrorType,
                 update: Callable[[bytes], Any] | None = None) -> None:
    """Fill ``buffer`` from ``f`` in chunks (``update`` sees each chunk); fewer bytes is an ``error``."""
    done, n = 0, len(buffer)
    while done < n:
        chunk = f.read(min(CHUNK, n - done))
        if not chunk:
            raise error(f"{source}: the header declares {n} data bytes but only {done} are there "
                        "(truncated or wrong dimensions)")
        buffer[done : done + len(chunk)] = chunk
        if update is not None:
            update(chunk)
        done += len(chunk)


def drain(f: Any, n: int, source: str, error: ErrorType, update: Callable[[bytes], Any] | None = None) -> None:
    """Read exactly ``n`` bytes from ``f`` into nothing, then require its end (a check before allocating)."""
    done = 0
    while done < n:
        chunk = f.read(min(CHUNK, n - done))
        if not chunk:
            raise error(f"{source}: the header declares {n} data bytes but only {done} are there "
                        "(truncated or wrong dimensions)")
        if update is not None:
            update(chunk)
        done += len(chunk)
    expect_end(f, source, error)


def expect_end(f: Any, source: str, error: ErrorType) -> None:
    """The stream must end here (reading to the end also makes gzip and zip check their CRC)."""
    if f.read(1):
        raise error(f"{source}: more data than the header declares (trailing bytes, or wrong dimensions)")


# --------------------------------------------------------------------------- .npy
@dataclass(frozen=True)
class NpyHeader:
    """What an ``.npy`` header declares: shape, dtype, memory order, and the data's byte count."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    data_offset: int  # bytes of magic, version and header before the data

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


def read_npy_header(f: Any, source: str, error: ErrorType) -> NpyHeader:
    """Parse an ``.npy`` header from ``f`` (at its start); only plain numeric dtypes are accepted."""
    magic = f.read(8)
    if len(magic) < 8 or magic[:6] != _NPY_MAGIC:
        raise error(f"{source}: not an .npy array (no NUMPY magic string)")
    version = (magic[6], magic[7])
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise error(f"{source}: unsupported .npy format version {version[0]}.{version[1]}")
    size_format = "<H" if version == (1, 0) else "<I"
    raw_len = f.read(struct.calcsize(size_format))
    if len(raw_len) < struct.calcsize(size_format):
        raise error(f"{source}: truncated .npy header")
    (length,) = struct.unpack(size_format, raw_len)
    if length > NPY_MAX_HEADER:
        raise error(f"{source}: .npy header of {length} bytes (at most {NPY_MAX_HEADER} are read)")
    text = f.read(length)
    if len(text) < length:
        raise error(f"{source}: truncated .npy header")
    return _parse_npy_header(magic + raw_len + text, version, source, error)


def _parse_npy_header(raw: bytes, version: tuple[int, int], source: str, error: ErrorType) -> NpyHeader:
    if version == (3, 0):  # 3.0 is 2.0 with a UTF-8 header; a plain numeric array's header is ASCII
        if not raw[12:].isascii():
            raise error(f"{source}: .npy header is not ASCII (only plain numeric arrays are read)")
        raw = raw[:6] + b"\x02\x00" + raw[8:]
    reader = io.BytesIO(raw)
    reader.seek(8)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    try:
        shape, fortran, dtype = read(reader, max_header_size=NPY_MAX_HEADER)
    except Exception as err:  # any failure to parse a hostile header is a malformed file
        raise error(f"{source}: malformed .npy header ({type(err).__name__}: {err})") from None
    if dtype.hasobject:
        raise error(f"{source}: holds Python objects (would need pickle, which can run code); refused")
    if dtype.kind not in _NPY_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise error(f"{source}: dtype {dtype} is not a plain number type (bool, int, float, complex)")
    if any(isinstance(d, bool) or d < 0 for d in shape):
        raise error(f"{source}: malformed .npy header (shape {shape} has a negative or boolean entry)")
    return NpyHeader(tuple(int(d) for d in shape), dtype, bool(fortran), len(raw))


def read_npy_data(f: Any, header: NpyHeader, source: str, error: ErrorType) -> np.ndarray:
    """Read the array a header declares (the caller has checked that the bytes exist)."""
    raw = np.empty(header.nbytes, dtype=np.uint8)
    read_exactly(f, memoryview(raw), source, error)
    if header.nbytes == 0:
        return np.zeros(header.shape, dtype=header.dtype)
    return raw.view(header.dtype).reshape(header.shape, order="F" if header.fortran else "C")


def read_npy_file(f: IO[bytes], source: str, error: ErrorType) -> np.ndarray:
    """A whole ``.npy`` file: its header must declare exactly the bytes that follow it."""
    header = read_npy_header(f, source, error)
    available = os.fstat(f.fileno()).st_size - f.tell()
    if available != header.nbytes:
        raise error(
            f"{source}: header declares shape {header.shape} of {header.dtype} ({describe_size(header.nbytes)}) "
            f"but {describe_size(available)} of data follow (truncated or corrupted)"
        )
    return read_npy_data(f, header, source, error)


def is_npz(f: IO[bytes]) -> bool:
    """Does ``f`` start like a zip archive? (The position is restored.)"""
    start = f.read(4)
    f.seek(0)
    return start in _ZIP_MAGICS


# --------------------------------------------------------------------------- .npz
class NpzReader:
    """The ``.npy`` members of an ``.npz`` (zip) archive, each checked before it is read.

    Members must be stored or deflated (what ``np.savez`` and ``np.savez_compressed`` write),
    not encrypted, and their header must declare exactly the member's size.
    """

    def __init__(self, f: IO[bytes], source: str, error: ErrorType) -> None:
        self.source, self.error = source, error
        try:
            self.zip = zipfile.ZipFile(f)
            infos = self.zip.infolist()
        except Exception as err:  # any failure to parse a hostile zip directory is a malformed file
            raise error(f"{source}: not a readable .npz archive ({type(err).__name__}: {err})") from None
        self.infos = {i.filename[: -len(".npy")]: i for i in infos if i.filename.endswith(".npy")}
        self.files = list(self.infos)

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _member(self, key: str) -> str:
        return f"{self.source}[{key}]"

    def _check_info(self, key: str) -> zipfile.ZipInfo:
        info, where = self.infos[key], self._member(key)
        if info.flag_bits & 0x1:
            raise self.error(f"{where}: the member is encrypted; ffnn reads only plain .npz archives")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise self.error(f"{where}: unsupported zip compression method {info.compress_type} "
                             "(np.savez stores, np.savez_compressed deflates; nothing else is read)")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise self.error(f"{where}: stored member of {info.compress_size} bytes declares {info.file_size}")
        check_inflated_size(info.file_size, info.compress_size, where, self.error)
        return info

    @contextmanager
    def _open(self, info: zipfile.ZipInfo, where: str) -> Iterator[Any]:
        try:
            with self.zip.open(info) as member:
                yield member
        except self.error:
            raise
        except Exception as err:  # zlib, CRC, truncation, unsupported features: a corrupted member
            raise self.error(f"{where}: corrupted member ({type(err).__name__}: {err})") from None

    def header(self, key: str) -> NpyHeader:
        """The member's ``.npy`` header, checked against the size the archive declares for it."""
        info, where = self._check_info(key), self._member(key)
        with self._open(info, where) as member:
            header = read_npy_header(member, where, self.error)
        offset = header.data_offset
        if offset + header.nbytes != info.file_size:
            raise self.error(
                f"{where}: header declares shape {header.shape} of {header.dtype} "
                f"({describe_size(header.nbytes)}) but the member holds {describe_size(info.file_size - offset)} "
                "of data (truncated or corrupted)"
            )
        return header

    def read(self, key: str) -> np.ndarray:
        """The member ``key`` as an array (compressed members larger than ``SMALL_BYTES`` verified first)."""
        if key not in self.infos:
            raise self.error(f"{self.source}: no array {key!r}; arrays are {self.files}")
        header, info, where = self.header(key), self.infos[key], self._member(key)
        if info.compress_type != zipfile.ZIP_STORED and header.nbytes > SMALL_BYTES:
            with self._open(info, where) as member:
                read_npy_header(member, where, self.error)
                drain(member, header.nbytes, where, self.error)
        with self._open(info, where) as member:
            read_npy_header(member, where, self.error)
            array = read_npy_data(member, header, where, self.error)
            expect_end(member, where, self.error)
        return array
