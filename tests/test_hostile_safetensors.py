"""Hostile safetensors files given to ``ffnn.io.import_torch`` (issue 15).

The reader must reject what safetensors' reference implementation rejects (overlapping or
gapped byte ranges, trailing bytes, non-integer, negative or overflowing shapes) and more
(values that are not finite in the model's dtype), with ``ModelFileError`` naming the tensor
and the problem, in a child process capped at 512 MiB (``hostile_harness``).
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

import hostile_harness

SIZES = [3, 2]  # nn.Sequential(Linear(3, 2), Softmax): tensors "0.weight" (2, 3) and "0.bias" (2,)
TARGET = "hostile_harness:import_torch_into"


@pytest.fixture(scope="module")
def hostile():
    yield from hostile_harness.serving()


def _file(header: dict | bytes, data: bytes = b"", length: int | None = None) -> bytes:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def _entry(dtype: str, shape: list, begin: int, end: int) -> dict:
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def _valid(weight: np.ndarray | None = None, bias: np.ndarray | None = None, dtype: str = "F32"):
    """A correct file for SIZES: weight (2, 3) then bias (2,)."""
    np_dtype = "<f4" if dtype == "F32" else "<f8"
    w = (np.arange(6).reshape(2, 3) / 10 if weight is None else weight).astype(np_dtype)
    b = (np.zeros(2) if bias is None else bias).astype(np_dtype)
    header = {"0.weight": _entry(dtype, [2, 3], 0, w.nbytes),
              "0.bias": _entry(dtype, [2], w.nbytes, w.nbytes + b.nbytes)}
    return header, w.tobytes() + b.tobytes()


def _probe(hostile, tmp_path, content: bytes, sizes=SIZES, **kw):
    p = tmp_path / "w.safetensors"
    p.write_bytes(content)
    return hostile.run(TARGET, p, sizes, **kw), p.stat().st_size


def _refused(hostile, tmp_path, content: bytes, *patterns: str) -> None:
    out, size = _probe(hostile, tmp_path, content)
    out.assert_refused("ModelFileError", *patterns, file_size=size)


def test_a_valid_file_imports(hostile, tmp_path):
    header, data = _valid()
    out, _ = _probe(hostile, tmp_path, _file(header, data))
    assert out.status == "returned", str(out)
    assert out.value["layers.0.weight"] == {"array": "float32", "shape": [3, 2]}


@pytest.mark.parametrize("mutate,patterns", [
    (lambda h, d: (h, d + b"\0\0\0\0"), ["4 trailing bytes"]),
    (lambda h, d: ({**h, "0.bias": _entry("F32", [2], 0, 8)}, d[:32]), ["overlaps"]),
    (lambda h, d: ({**h, "0.bias": _entry("F32", [2], 28, 36)}, d + bytes(4)), ["leaves a gap"]),
    (lambda h, d: ({**h, "0.bias": _entry("F32", [2.0], 24, 32)}, d), ["shape must be a list of non-negative"]),
    (lambda h, d: ({**h, "0.bias": _entry("F32", [-2], 24, 32)}, d), ["non-negative", r"\[-2\]"]),
    (lambda h, d: ({**h, "0.bias": _entry("F32", [True, 2], 24, 32)}, d), ["non-negative"]),
    (lambda h, d: ({**h, "0.bias": _entry("F32", [2**62, 2**62], 24, 32)}, d), ["overflows a 64-bit"]),
    (lambda h, d: ({**h, "0.bias": _entry("F32", [2], 24, 2**64 + 8)}, d), ["data_offsets must be"]),
    (lambda h, d: ({**h, "0.bias": _entry("F32", [2], 24, 1000)}, d), ["does not fit"]),
    (lambda h, d: ({**h, "0.bias": _entry("F32", [2], 32, 24)}, d), ["begin <= end"]),
    (lambda h, d: ({**h, "0.bias": {"dtype": "F32", "shape": [2], "data_offsets": [24, 32, 40]}}, d),
     ["data_offsets must be two"]),
    (lambda h, d: ({**h, "0.bias": _entry("BF16", [2], 24, 28)}, d[:28]), ["unsupported dtype 'BF16'"]),
    (lambda h, d: ({**h, "0.bias": "F32"}, d), ["entry is not a JSON object"]),
    (lambda h, d: ({**h, "__metadata__": {"format": 1}}, d), ["__metadata__ must map names to strings"]),
    (lambda h, d: ({"0.weight": h["0.weight"]}, d[:24]), [r"missing \['0.bias'\]"]),
    (lambda h, d: ({**h, "evil": _entry("F32", [0], 32, 32)}, d), [r"unexpected \['evil'\]"]),
])
def test_malformed_entries_are_refused(hostile, tmp_path, mutate, patterns):
    header, data = mutate(*_valid())
    _refused(hostile, tmp_path, _file(header, data), *patterns)


@pytest.mark.parametrize("content,pattern", [
    (b"", "not a safetensors file"),
    (struct.pack("<Q", 2**63) + b"{}", "header length 9223372036854775808"),
    (struct.pack("<Q", 2**21) + b"{" + b" " * 2**21, "header length 2097152"),  # over the 1 MiB limit
    (_file(b"[]"), "not a JSON object"),
    (_file(b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"), "RecursionError"),
    (_file(b'{"a": {"dtype": "F32", "shape": [' + b"9" * 5000 + b'], "data_offsets": [0, 4]}}'),
     "not valid JSON"),
    (_file(b'{"a": \xff}'), "not valid JSON"),
    (_file(b'{"0.bias": {"dtype": "F32", "shape": [NaN], "data_offsets": [0, 8]}}', bytes(8)), "non-negative"),
])
def test_malformed_headers_are_refused(hostile, tmp_path, content, pattern):
    _refused(hostile, tmp_path, content, pattern)


@pytest.mark.parametrize("weight,dtype,pattern", [
    (np.array([[np.nan, 0, 0], [0, 0, 0]]), "F32", "'0.weight' holds NaN or infinite values"),
    (np.array([[0, 0, 0], [0, np.inf, 0]]), "F64", "'0.weight' holds NaN or infinite values"),
    (np.array([[1e300, 0, 0], [0, 0, 0]]), "F64", "'0.weight' holds values too large for float32"),
])
def test_values_must_be_finite_in_the_model_dtype(hostile, tmp_path, weight, dtype, pattern):
    header, data = _valid(weight=weight, dtype=dtype)
    _refused(hostile, tmp_path, _file(header, data), pattern)


def test_a_directory_is_refused(hostile, tmp_path):
    (tmp_path / "dir.safetensors").mkdir()
    hostile.run(TARGET, tmp_path / "dir.safetensors", SIZES).assert_refused("ModelFileError", "is a directory")


def test_a_huge_declared_tensor_in_a_tiny_file_is_refused_unallocated(hostile, tmp_path):
    header = {"0.weight": _entry("F64", [2, 3], 0, 48), "0.bias": _entry("F64", [100_000, 100_000], 48, 56)}
    _refused(hostile, tmp_path, _file(header, bytes(56)), "does not fit float64 \\[100000, 100000\\]")
