"""Fuzzing every reader with random byte flips, truncations and extensions of valid files (issue 15).

Hypothesis mutates a small valid file of each kind (IDX raw and gzipped, CSV, NPY, NPZ stored
and deflated, safetensors, the ffnn model file); each mutant is read in a child process capped
at 512 MiB (``hostile_harness``). Whatever the bytes, the reader must either return or raise
the library's own error, within a second of CPU and the file's size plus 100 MiB of memory.
Safetensors files are also checked against the reference implementation: what ffnn accepts,
``safetensors`` accepts with the same tensors.

The runs are reproducible and bounded: ``derandomize=True`` (a fixed seed), ``MAX_EXAMPLES``
mutants per reader, no example database, and no shrinking (a failure reports the mutant as
drawn, so a failing CI run stays fast).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

import ffnn
import hostile_harness

MAX_EXAMPLES = 30
FUZZ = settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def hostile():
    yield from hostile_harness.serving()


@st.composite
def mutants(draw, base: bytes) -> bytes:
    """``base`` with bytes flipped (up to 8, half of them in the first 128 bytes, where the
    headers are), cut short, extended by a few random bytes, or flipped and then cut or extended."""
    data = bytearray(base)
    operation = draw(st.sampled_from(["flip", "truncate", "extend", "flip+truncate", "flip+extend"]))
    if "flip" in operation:
        for _ in range(draw(st.integers(1, 8))):
            limit = min(len(data), 128) if draw(st.booleans()) else len(data)
            at = draw(st.integers(0, limit - 1))
            data[at] ^= draw(st.integers(1, 255))
    if "truncate" in operation:
        data = data[: draw(st.integers(0, len(data) - 1))]
    if "extend" in operation:
        data += draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


# ----------------------------------------------------------------------------- valid files
def _idx(a: np.ndarray) -> bytes:
    return bytes([0, 0, 0x08, a.ndim]) + b"".join(struct.pack(">I", d) for d in a.shape) + a.tobytes()


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def _npz(compressed: bool) -> bytes:
    buf = io.BytesIO()
    arrays = {"X": np.arange(24, dtype=np.float32).reshape(6, 4) / 7, "y": np.arange(6) % 2}
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()


IMAGES = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4)
VALID = {
    "idx": _idx(IMAGES),
    "idx.gz": gzip.compress(_idx(IMAGES)),
    "csv": b"a,b,label\n1.5,2,cat\n3,-4e2,dog\n5,6,cat\n7,8.25,dog\n",
    "npy": _npy(np.column_stack([np.arange(10.0).reshape(5, 2), np.arange(5) % 2])),
    "npz": _npz(False),
    "npz.deflated": _npz(True),
}
READERS = {"idx": "ffnn.datasets:read_idx", "idx.gz": "ffnn.datasets:read_idx", "csv": "ffnn.datasets:load_csv",
           "npy": "ffnn.datasets:load_npy", "npz": "ffnn.datasets:load_npz",
           "npz.deflated": "ffnn.datasets:load_npz"}
SUFFIX = {"idx": "-idx3-ubyte", "idx.gz": "-idx3-ubyte.gz", "csv": ".csv", "npy": ".npy", "npz": ".npz",
          "npz.deflated": ".npz"}


def _probe(hostile, tmp_path_factory, target: str, content: bytes, suffix: str, *args):
    path = tmp_path_factory.mktemp("fuzz") / f"mutant{suffix}"
    path.write_bytes(content)
    out = hostile.run(target, path, *args)
    out.assert_bounded(len(content))
    return out


def _returned_or(out, error: str) -> None:
    assert out.status == "returned" or (out.status == "raised" and error in out.bases), str(out)


@pytest.mark.parametrize("kind", list(VALID))
def test_dataset_readers_return_or_raise_dataset_error(hostile, tmp_path_factory, kind):
    out = _probe(hostile, tmp_path_factory, READERS[kind], VALID[kind], SUFFIX[kind])
    assert out.status == "returned", f"the unmutated {kind} file must load: {out}"

    @FUZZ
    @given(content=mutants(VALID[kind]))
    def fuzz(content):
        _returned_or(_probe(hostile, tmp_path_factory, READERS[kind], content, SUFFIX[kind]), "DatasetError")

    fuzz()


# ----------------------------------------------------------------------------- safetensors
def _safetensors(directory) -> bytes:
    model = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    ffnn.io.export_torch(model, directory / "w.safetensors")
    return (directory / "w.safetensors").read_bytes()


def _reference(content: bytes) -> dict[str, list] | None:
    """What safetensors itself makes of ``content`` (``None``: it refuses the file)."""
    from safetensors.numpy import load

    try:
        tensors = load(content)
    except Exception:  # noqa: BLE001 (any refusal)
        return None
    return {name: [str(a.dtype), list(a.shape), hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()]
            for name, a in tensors.items()}


def test_safetensors_reader_accepts_only_what_the_reference_accepts(hostile, tmp_path_factory):
    pytest.importorskip("safetensors")
    valid = _safetensors(tmp_path_factory.mktemp("st"))
    out = _probe(hostile, tmp_path_factory, "hostile_harness:safetensors_digest", valid, ".safetensors")
    assert out.status == "returned" and out.value == _reference(valid), str(out)
    accepted = []
    last_weight_flipped = valid[:-4] + bytes([valid[-4] ^ 0x01]) + valid[-3:]  # a different finite value

    @FUZZ
    @example(content=last_weight_flipped)
    @example(content=valid + b"\0" * 8)  # trailing bytes: the reference refuses them
    @given(content=mutants(valid))
    def fuzz(content):
        out = _probe(hostile, tmp_path_factory, "hostile_harness:safetensors_digest", content, ".safetensors")
        _returned_or(out, "ModelFileError")
        if out.status == "returned":  # ffnn accepted: the reference accepts the same tensors
            assert out.value == _reference(content), f"ffnn read {out.value}, safetensors {_reference(content)}"
            accepted.append(content)
        out = _probe(hostile, tmp_path_factory, "hostile_harness:import_torch_into", content, ".safetensors",
                     [3, 4, 2])
        _returned_or(out, "ModelFileError")

    fuzz()
    assert accepted, "no mutant was accepted: the oracle comparison never ran"


# ----------------------------------------------------------------------------- model files
@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> bytes:
    rng = np.random.default_rng(0)
    model = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    model.fit(rng.normal(size=(16, 3)), rng.integers(0, 2, 16), epochs=1, batch_size=8, optimizer="adam",
              verbose=0)
    path = tmp_path_factory.mktemp("model") / "m.npz"
    model.save(path)
    return path.read_bytes()


def test_model_file_reader_returns_or_raises_model_file_error(hostile, tmp_path_factory, model_file):
    out = _probe(hostile, tmp_path_factory, "ffnn:load", model_file, ".npz")
    assert out.status == "returned", str(out)

    @FUZZ
    @given(content=mutants(model_file))
    def fuzz(content):
        _returned_or(_probe(hostile, tmp_path_factory, "ffnn:load", content, ".npz"), "ModelFileError")

    fuzz()


def test_model_metadata_fuzzed_as_json(hostile, tmp_path_factory, model_file):
    """Mutate the metadata's JSON text itself (inside an intact archive), where flips in the zip would
    mostly hit the CRC first."""
    with zipfile.ZipFile(io.BytesIO(model_file)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    text = np.load(io.BytesIO(members["__ffnn__.npy"])).tobytes()

    @FUZZ
    @given(content=mutants(text))
    def fuzz(content):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in members.items():
                zf.writestr(name, _npy(np.frombuffer(content, np.uint8)) if name == "__ffnn__.npy" else data)
        _returned_or(_probe(hostile, tmp_path_factory, "ffnn:load", buf.getvalue(), ".npz"), "ModelFileError")

    fuzz()


def test_mutants_are_really_mutated():
    """The strategy changes files (the oracle of the other tests is not a no-op)."""
    base = VALID["npz"]

    @FUZZ
    @given(content=mutants(base))
    def collect(content):
        seen.add(hashlib.sha256(content).hexdigest())

    seen: set[str] = set()
    collect()
    assert len(seen - {hashlib.sha256(base).hexdigest()}) > MAX_EXAMPLES // 2
