"""Hostile and corrupted data files: IDX, CSV, NPY and NPZ (issue 15).

Each file is read in a child process capped at 512 MiB of address space
(``hostile_harness``); the reader must refuse it with ``DatasetError`` (or ``TypeError`` for
a wrong argument), a message that names the problem, within a second of CPU and its own size
plus 100 MiB of memory.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np
import pytest

import hostile_harness

MiB = 1 << 20


@pytest.fixture(scope="module")
def hostile():
    yield from hostile_harness.serving()


def _idx_header(dims: tuple[int, ...], code: int = 0x08) -> bytes:
    return bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)


def _gzip_of_zeros(header: bytes, n_zeros: int) -> bytes:
    """gzip of ``header`` and ``n_zeros`` zero bytes: one member per MiB (gzip allows a sequence
    of members), so a 1.5 GiB bomb is built in milliseconds without ever holding the zeros."""
    whole, rest = divmod(n_zeros, MiB)
    return gzip.compress(header + bytes(rest), 9) + gzip.compress(bytes(MiB), 9) * whole


def _deflate_of_zeros(header: bytes, n_zeros: int) -> bytes:
    """Raw deflate of ``header`` and ``n_zeros`` zeros (a multiple of 1 MiB), by repeating one
    fully flushed block: every repetition compresses the same input from the same state."""
    z = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = z.compress(header) + z.flush(zlib.Z_FULL_FLUSH)
    block = z.compress(bytes(MiB)) + z.flush(zlib.Z_FULL_FLUSH)
    return first + block * (n_zeros // MiB) + z.flush()


def _raw_zip(name: str, body: bytes, file_size: int, method: int = zipfile.ZIP_STORED, flags: int = 0,
             crc: int = 0) -> bytes:
    """A one-member zip whose sizes, method and flags can lie."""
    return hostile_harness.raw_zip([{"name": name, "body": body, "file_size": file_size, "method": method,
                                     "flags": flags, "crc": crc}])


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------------------- IDX
def test_idx_gzip_bomb_with_an_honest_header_is_refused_unread(hostile, tmp_path):
    # 1.5 GiB of zeros declared and really there, in ~1.5 MB: refused from the header alone
    p = _write(tmp_path / "bomb-idx3-ubyte.gz", _gzip_of_zeros(_idx_header((2_000_000, 28, 28)), 1_568_000_000))
    hostile.run("ffnn.datasets:read_idx", p).assert_refused(
        "DatasetError", "decompression bomb", "1.5 GiB", file_size=p.stat().st_size)


def test_idx_gzip_that_holds_more_than_its_header_declares_stops_at_the_declared_size(hostile, tmp_path):
    # the header declares 10 images, the stream inflates to 1 GiB: only 10 images' worth is inflated
    p = _write(tmp_path / "liar-idx3-ubyte.gz", _gzip_of_zeros(_idx_header((10, 28, 28)), 1 << 30))
    hostile.run("ffnn.datasets:read_idx", p).assert_refused(
        "DatasetError", "more data than the header declares", file_size=p.stat().st_size)


def test_idx_raw_file_declaring_huge_dimensions_is_refused_unallocated(hostile, tmp_path):
    p = _write(tmp_path / "huge-idx3-ubyte", _idx_header((4_000_000_000, 60_000, 60_000)) + bytes(100))
    hostile.run("ffnn.datasets:read_idx", p).assert_refused("DatasetError", "truncated or wrong dimensions")


def test_idx_dimension_product_does_not_wrap_in_int64(hostile, tmp_path):
    # 65536^4 = 2^64: 0 in int64 arithmetic, which an empty data section would match
    p = _write(tmp_path / "wrap-idx4-ubyte", _idx_header((65536, 65536, 65536, 65536)))
    hostile.run("ffnn.datasets:read_idx", p).assert_refused("DatasetError", "18446744073709551616 data bytes")


def test_idx_gzip_with_a_bad_crc_is_refused(hostile, tmp_path):
    data = bytearray(gzip.compress(_idx_header((3, 2, 2)) + bytes(range(12))))
    data[-8] ^= 0xFF  # the CRC-32 of the trailer
    p = _write(tmp_path / "crc-idx3-ubyte.gz", bytes(data))
    hostile.run("ffnn.datasets:read_idx", p).assert_refused("DatasetError", "corrupt gzip", "CRC")


@pytest.mark.parametrize("data,match", [
    (b"", "too short"),
    (bytes([0, 0, 8, 0]), "0 dimensions"),
    (bytes([0, 0, 8, 3, 0, 0]), "truncated"),
    (bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 7]), "bad IDX magic"),
])
def test_idx_malformed_headers(hostile, tmp_path, data, match):
    p = _write(tmp_path / "bad-idx1-ubyte", data)
    hostile.run("ffnn.datasets:read_idx", p).assert_refused("DatasetError", match)


def test_idx_directory_and_fifo_given_as_files(hostile, tmp_path):
    d = tmp_path / "train-images-idx3-ubyte"
    d.mkdir()
    hostile.run("ffnn.datasets:read_idx", d).assert_refused("DatasetError", "is a directory")
    fifo = tmp_path / "fifo-idx1-ubyte"
    os.mkfifo(fifo)  # reading it would block forever
    hostile.run("ffnn.datasets:read_idx", fifo).assert_refused("DatasetError", "not a regular file")


def test_load_idx_refuses_a_bomb_inside_a_dataset_directory(hostile, tmp_path):
    for name, dims in (("train-labels-idx1-ubyte", (3,)), ("t10k-images-idx3-ubyte", (3, 2, 2)),
                       ("t10k-labels-idx1-ubyte", (3,))):
        _write(tmp_path / name, _idx_header(dims) + bytes(int(np.prod(dims))))
    _write(tmp_path / "train-images-idx3-ubyte.gz", _gzip_of_zeros(_idx_header((400_000, 28, 28)), 313_600_000))
    hostile.run("ffnn.datasets:load_idx", tmp_path).assert_refused(
        "DatasetError", "train-images-idx3-ubyte.gz", "decompression bomb", file_size=MiB)


# ------------------------------------------------------------------------------------- CSV
def test_csv_value_finite_in_float64_but_not_in_float32_is_refused(hostile, tmp_path):
    p = _write(tmp_path / "big.csv", b"a,b,y\n1,2,0\n1e39,3,1\n")
    hostile.run("ffnn.datasets:load_csv", p).assert_refused(
        "DatasetError", "line 3, column a", "'1e39'", "too large for float32")
    assert hostile.run("ffnn.datasets:load_csv", p, dtype="float64").status == "returned"


@pytest.mark.parametrize("data,match", [
    (b"1," + b"9" * 200_000 + b",0\n", r"line 1: not a readable CSV row \(field larger than field limit"),
    (b"1,2,0\n3,\x00,1\n", r"line 2, column 1: '\\x00' is not a number"),
    (b"1,2,0\n\xff\xfe,1,1\n", "not a UTF-8 text file"),
    (b'1,2,0\n3,"4\n', r"line 2: 2 fields, expected 3"),
])
def test_csv_syntax_errors_name_the_line(hostile, tmp_path, data, match):
    p = _write(tmp_path / "bad.csv", data)
    hostile.run("ffnn.datasets:load_csv", p).assert_refused("DatasetError", match)


def test_csv_label_true_is_not_column_one(hostile, tmp_path):
    p = _write(tmp_path / "d.csv", b"1,2,0\n3,4,1\n")
    hostile.run("ffnn.datasets:load_csv", p, label=True).assert_refused(
        "TypeError", "label must be a column index .* got bool True")


def test_csv_directory_and_device(hostile, tmp_path):
    hostile.run("ffnn.datasets:load_csv", tmp_path).assert_refused("DatasetError", "is a directory")
    hostile.run("ffnn.datasets:load_csv", "/dev/zero").assert_refused("DatasetError", "not a regular file")


def test_csv_bad_last_line_of_a_large_file_costs_bounded_memory(hostile, tmp_path):
    # 6 MB of short cells (~30x as many bytes as Python strings); the error is on the last line
    row = b"0," * 99 + b"1\n"
    p = _write(tmp_path / "large.csv", row * 30_000 + b"0," * 50 + b"x," + b"0," * 48 + b"1\n")
    hostile.run("ffnn.datasets:load_csv", p).assert_refused(
        "DatasetError", "line 30001, column 50: 'x' is not a number", file_size=p.stat().st_size, cpu=10)


def test_csv_with_too_many_distinct_text_labels_is_refused(hostile, tmp_path):
    p = _write(tmp_path / "ids.csv", b"".join(b"1,id%d\n" % i for i in range(70_000)))
    hostile.run("ffnn.datasets:load_csv", p).assert_refused("DatasetError", "more than 65536 distinct labels",
                                                           cpu=5)


# ------------------------------------------------------------------------------------- NPY
def _npy(header: dict | str, data: bytes = b"", version: tuple[int, int] = (1, 0)) -> bytes:
    """An ``.npy`` file with any header text, as a hostile writer would make it."""
    text = header if isinstance(header, str) else repr(header)
    text = text.encode("latin1")
    size = struct.pack("<H" if version == (1, 0) else "<I", len(text))
    return b"\x93NUMPY" + bytes(version) + size + text + data


def test_npy_declaring_a_huge_shape_is_refused_unallocated(hostile, tmp_path):
    p = _write(tmp_path / "huge.npy", _npy({"descr": "<f8", "fortran_order": False, "shape": (100000, 100000)},
                                           bytes(64)))
    assert p.stat().st_size < 200
    hostile.run("ffnn.datasets:load_npy", p).assert_refused("DatasetError", r"declares shape \(100000, 100000\)",
                                                           "74.5 GiB")


@pytest.mark.parametrize("header,match", [
    ({"descr": "|O", "fortran_order": False, "shape": (2,)}, "Python objects"),
    ({"descr": [("a", "<f4"), ("b", "<i4")], "fortran_order": False, "shape": (2,)}, "not a plain number"),
    ({"descr": "<U8", "fortran_order": False, "shape": (2,)}, "not a plain number"),
    ({"descr": "<f4", "fortran_order": False, "shape": (-3, 2)}, "negative"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': " + "(" * 3000 + ")" * 3000 + "}", "malformed"),
    ("{'descr': '<f4', 'fortran_order': False}", "malformed"),
    ("__import__('os').system('true')", "malformed"),
])
def test_npy_hostile_headers(hostile, tmp_path, header, match):
    p = _write(tmp_path / "h.npy", _npy(header, bytes(16)))
    hostile.run("ffnn.datasets:load_npy", p, label=None).assert_refused("DatasetError", match)


def test_npy_header_length_beyond_the_limit_is_not_read(hostile, tmp_path):
    p = _write(tmp_path / "long.npy", b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFFF) + b"{")
    hostile.run("ffnn.datasets:load_npy", p).assert_refused("DatasetError", "header of 4294967295 bytes")


def test_npy_value_too_large_for_float32(hostile, tmp_path):
    np.save(tmp_path / "v.npy", np.array([[1e300, 0.0], [1.0, 1.0]]))
    hostile.run("ffnn.datasets:load_npy", tmp_path / "v.npy").assert_refused(
        "DatasetError", "1e\\+300", "too large for float32")


# ------------------------------------------------------------------------------------- NPZ
def _npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def test_npz_zip_bomb_member_is_refused_unread(hostile, tmp_path):
    # a member declaring 1.5 GiB of float64 zeros, really there, in 1.5 MB of deflate
    header = _npy({"descr": "<f8", "fortran_order": False, "shape": (1536 * MiB // 8,)}).ljust(128, b" ")
    header = header[:-1] + b"\n"
    body = _deflate_of_zeros(header, 1536 * MiB)
    p = _write(tmp_path / "bomb.npz", _raw_zip("X.npy", body, len(header) + 1536 * MiB, zipfile.ZIP_DEFLATED))
    hostile.run("ffnn.datasets:load_npz", p, y_key=None).assert_refused(
        "DatasetError", r"bomb.npz\[X\]", "decompression bomb", file_size=p.stat().st_size)


@pytest.mark.parametrize("fields,match", [
    ({"method": 99}, "compression method 99"),
    ({"method": zipfile.ZIP_LZMA}, "compression method 14"),
    ({"flags": 1}, "encrypted"),
])
def test_npz_unsupported_compression_and_encryption_are_refused(hostile, tmp_path, fields, match):
    payload = _npy_bytes(np.zeros((2, 2)))
    p = _write(tmp_path / "m.npz", _raw_zip("X.npy", payload, len(payload), **fields))
    hostile.run("ffnn.datasets:load_npz", p, y_key=None).assert_refused("DatasetError", match)


def test_npz_member_that_inflates_beyond_its_declared_size_is_read_to_that_size_only(hostile, tmp_path):
    payload = _npy_bytes(np.zeros((4, 2)))
    body = _deflate_of_zeros(payload, 256 * MiB)  # declares len(payload), inflates to 256 MiB more
    p = _write(tmp_path / "l.npz", _raw_zip("X.npy", body, len(payload), zipfile.ZIP_DEFLATED,
                                            crc=zlib.crc32(payload)))
    out = hostile.run("ffnn.datasets:load_npz", p, y_key=None)
    out.assert_bounded(p.stat().st_size)
    assert out.status == "returned" and out.value[0] == {"array": "float32", "shape": [4, 2]}, str(out)


def test_npz_truncated_member_is_reported_as_truncated_not_as_objects(hostile, tmp_path):
    payload = _npy_bytes(np.zeros((100, 3)))[:-80]  # the header still declares 100 rows
    p = _write(tmp_path / "t.npz", _raw_zip("X.npy", payload, len(payload), crc=zlib.crc32(payload)))
    out = hostile.run("ffnn.datasets:load_npz", p, y_key=None)
    out.assert_refused("DatasetError", r"declares shape \(100, 3\)", "truncated")
    assert "Python objects" not in out.message


def test_npz_corrupted_member_crc(hostile, tmp_path):
    np.savez(tmp_path / "c.npz", X=np.arange(12.0).reshape(4, 3))
    data = bytearray((tmp_path / "c.npz").read_bytes())
    data[data.find(b"\x93NUMPY") + 130] ^= 0x01  # one bit of the data
    _write(tmp_path / "c.npz", bytes(data))
    hostile.run("ffnn.datasets:load_npz", tmp_path / "c.npz", y_key=None).assert_refused(
        "DatasetError", "corrupted member", "CRC")


def test_npz_value_too_large_for_float32(hostile, tmp_path):
    np.savez(tmp_path / "v.npz", X=np.array([[1e300, 1.0]]), y=np.array([1]))
    hostile.run("ffnn.datasets:load_npz", tmp_path / "v.npz").assert_refused(
        "DatasetError", r"v.npz\[X\]", "too large for float32")


def test_npz_directory_and_non_zip(hostile, tmp_path):
    hostile.run("ffnn.datasets:load_npz", tmp_path).assert_refused("DatasetError", "is a directory")
    p = _write(tmp_path / "x.npz", b"PK\x03\x04" + bytes(40))
    hostile.run("ffnn.datasets:load_npz", p).assert_refused("DatasetError", "not a readable .npz archive")


def test_load_dataset_on_a_split_npz_with_a_hostile_member(hostile, tmp_path):
    huge = _npy({"descr": "<f4", "fortran_order": False, "shape": (50_000, 50_000)})
    p = tmp_path / "split.npz"
    with zipfile.ZipFile(p, "w") as zf:
        for key in ("X_train", "y_train", "X_test", "y_test"):
            zf.writestr(f"{key}.npy", huge if key == "X_test" else _npy_bytes(np.zeros((4, 2))))
    hostile.run("ffnn.datasets:load_dataset", p).assert_refused(
        "DatasetError", r"X_test\]", r"declares shape \(50000, 50000\)")


def test_a_valid_file_of_each_kind_still_loads(hostile, tmp_path):
    """The limits do not refuse ordinary files (the positive control of this module)."""
    X = np.arange(12, dtype=np.float64).reshape(4, 3)
    np.savez_compressed(tmp_path / "c.npz", X=X, y=np.array([0, 1, 0, 1]))
    np.save(tmp_path / "f.npy", np.asfortranarray(np.column_stack([X, [0, 1, 0, 1]])))
    _write(tmp_path / "g-idx1-ubyte.gz", gzip.compress(_idx_header((4,)) + bytes([0, 1, 2, 3])))
    _write(tmp_path / "d.csv", b"a,b,c,y\n" + b"".join(b"%d,%d,%d,%d\n" % (*r, i % 2) for i, r in
                                                        enumerate(X.astype(int))))
    for target, path in (("ffnn.datasets:load_npz", "c.npz"), ("ffnn.datasets:load_npy", "f.npy"),
                         ("ffnn.datasets:read_idx", "g-idx1-ubyte.gz"), ("ffnn.datasets:load_csv", "d.csv")):
        out = hostile.run(target, tmp_path / path)
        assert out.status == "returned", f"{path}: {out}"
        assert json.dumps(out.value)


def test_large_compressed_data_is_verified_before_it_is_allocated(tmp_path, monkeypatch):
    """Above SMALL_BYTES (64 MiB; here lowered to 16 bytes) compressed data is first inflated into
    nothing: a whole file still loads, a corrupt one is refused by that first pass."""
    from ffnn.datasets import DatasetError, load_npz, read_idx

    monkeypatch.setattr("ffnn.datasets.idx.SMALL_BYTES", 16)
    monkeypatch.setattr("ffnn.io.bounded.SMALL_BYTES", 16)
    images = np.arange(2 * 5 * 5, dtype=np.uint8).reshape(2, 5, 5)
    good = gzip.compress(_idx_header(images.shape) + images.tobytes())
    np.testing.assert_array_equal(read_idx(_write(tmp_path / "g-idx3-ubyte.gz", good)), images)
    bad = bytearray(good)
    bad[-8] ^= 0xFF  # the gzip trailer's CRC
    with pytest.raises(DatasetError, match="CRC"):
        read_idx(_write(tmp_path / "b-idx3-ubyte.gz", bytes(bad)))
    X = np.arange(40, dtype=np.float64).reshape(10, 4)
    np.savez_compressed(tmp_path / "c.npz", X=X)
    np.testing.assert_array_equal(load_npz(tmp_path / "c.npz", y_key=None)[0], X)
    import ffnn.io.bounded as bounded

    calls, real_drain = [], bounded.drain

    def drain(*args, **kwargs):
        calls.append(args[1])
        return real_drain(*args, **kwargs)

    monkeypatch.setattr(bounded, "drain", drain)
    load_npz(tmp_path / "c.npz", y_key=None)
    assert calls == [X.nbytes], "the verifying pass did not run over the declared bytes"
