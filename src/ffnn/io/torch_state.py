"""PyTorch ``state_dict`` export and import through safetensors files (no torch needed)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .atomic import atomic_write
from .bounded import open_regular
from .errors import ModelFileError

if TYPE_CHECKING:
    from ..model import FFNN

__all__ = ["export_torch", "import_torch"]


# ---------------------------------------------------------------------------------- PyTorch
# The weights under PyTorch ``state_dict`` names, in the safetensors format (written and read
# here without the safetensors package): an 8-byte little-endian header length, a JSON header
# naming each tensor's dtype, shape and byte range, then the raw little-endian bytes.
# The matching PyTorch model is ``nn.Sequential`` of the same layers in the same order:
# ``Linear`` (weight ``(n_out, n_in)``: ours transposed), ``RMSNorm`` (weight = our scale),
# ``LayerNorm`` and ``BatchNorm1d`` (weight = scale, bias = shift; BatchNorm's running_mean and
# running_var buffers as they are; PyTorch fills in num_batches_tracked), ``Dropout`` and the
# activation modules, so ``layers.1.weight`` is ``"3.weight"`` in a 784-64-64-10 ReLU net.
_ST_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
_TORCH_LOCAL = {"scale": "weight", "shift": "bias"}  # our local name -> PyTorch's, where they differ
_NO_TORCH_MODULE = ("normalization",)  # layers with state but no PyTorch module of the same meaning
_IGNORED = ("num_batches_tracked",)  # PyTorch state that has no counterpart here (a step counter)


def _torch_names(model: FFNN) -> dict[str, tuple[str, bool]]:
    """Our parameter and buffer name -> (PyTorch name, transpose?)."""
    mapping = {}
    for pos, (prefix, layer) in enumerate(zip(model.network.names, model.network)):
        if layer.name in _NO_TORCH_MODULE:
            raise ValueError(
                f"{prefix} ({type(layer).__name__}) has no PyTorch module with the same meaning, so the "
                "model has no PyTorch state_dict; standardise the inputs before the PyTorch model instead"
            )
        for local in [*layer.parameters(), *layer.buffers()]:
            mapping[f"{prefix}.{local}"] = (f"{pos}.{_TORCH_LOCAL.get(local, local)}", local == "weight")
    return mapping


def export_torch(model: FFNN, path: str | os.PathLike) -> None:
    """Write the parameters as a safetensors file under PyTorch ``nn.Sequential`` names (atomically).

    >>> # torch_model.load_state_dict(safetensors.torch.load_file(path))  # doctest: +SKIP
    """
    header: dict[str, Any] = {"__metadata__": {"format": "pt", "ffnn_config": json.dumps(model.get_config())}}
    blobs, offset = [], 0
    params = model.get_params()
    for name, (torch_name, transpose) in _torch_names(model).items():
        a = np.ascontiguousarray(params[name].T if transpose else params[name])
        a = a.astype(a.dtype.newbyteorder("<"), copy=False)
        code = "F32" if a.dtype.itemsize == 4 else "F64"
        header[torch_name] = {"dtype": code, "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)

    def write(f: Any) -> None:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for blob in blobs:
            f.write(blob)

    atomic_write(Path(path), write)


# The reference implementation's rules (safetensors' ``Metadata::validate``): a header of at
# most 100 MB (ours: 1 MiB, an MLP's header is a few KB), shapes and offsets of unsigned
# integers, tensors that tile the data buffer exactly (sorted by offset, no gaps, no overlaps,
# no trailing bytes), and a byte range that matches each shape.
_MAX_HEADER = 1 << 20
_U64 = 2**64


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file, every field checked before any array is made."""
    with open_regular(path, ModelFileError) as f:
        try:
            raw = f.read()
        except OSError as err:
            raise ModelFileError(f"{path}: cannot read ({err.strerror or err})") from None
    n = int.from_bytes(raw[:8], "little") if len(raw) >= 8 else -1
    if n < 2 or n > _MAX_HEADER or 8 + n > len(raw):
        raise ModelFileError(f"{path}: not a safetensors file (header length {n} in a file of {len(raw)} bytes; "
                             f"expected 2..{_MAX_HEADER} bytes within the file)")
    header = _parse_header(raw[8 : 8 + n], path)
    data = memoryview(raw)[8 + n :]
    entries = sorted((_entry(name, info, path) for name, info in header.items() if name != "__metadata__"),
                     key=lambda e: (e[3], e[4]))
    out, position = {}, 0
    for name, dtype, shape, begin, end in entries:
        if begin != position:
            raise ModelFileError(f"{path}: tensor {name!r}: byte range {begin}..{end} "
                                 f"{'overlaps the previous tensor' if begin < position else 'leaves a gap'} "
                                 "(tensors must tile the data exactly)")
        if end - begin != math.prod(shape) * dtype.itemsize:
            raise ModelFileError(f"{path}: tensor {name!r}: byte range {begin}..{end} does not fit "
                                 f"{dtype.name} {list(shape)} ({math.prod(shape) * dtype.itemsize} bytes)")
        if end > len(data):
            raise ModelFileError(f"{path}: tensor {name!r}: byte range {begin}..{end} does not fit the "
                                 f"{len(data)} data bytes of the file (truncated?)")
        out[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
        position = end
    if position != len(data):
        raise ModelFileError(f"{path}: {len(data) - position} trailing bytes after the last tensor "
                             "(the tensors must cover the data exactly)")
    return out


def _parse_header(text: bytes, path: Path) -> dict[str, Any]:
    """The header's JSON object (``__metadata__``, if present, must map strings to strings)."""
    try:
        header = json.loads(text.decode("utf-8"))
    except (ValueError, RecursionError) as err:  # bad UTF-8 or JSON, too deep, a 5000-digit number
        raise ModelFileError(f"{path}: safetensors header is not valid JSON ({type(err).__name__}: "
                             f"{str(err)[:200]})") from None
    if not isinstance(header, dict):
        raise ModelFileError(f"{path}: safetensors header is not a JSON object")
    meta = header.get("__metadata__")
    if meta is not None and not (isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())):
        raise ModelFileError(f"{path}: safetensors __metadata__ must map names to strings")
    return header


def _unsigned(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _U64


def _entry(name: str, info: Any, path: Path) -> tuple[str, np.dtype, tuple[int, ...], int, int]:
    """``(name, dtype, shape, begin, end)`` of one tensor entry, each field type-checked."""
    if not isinstance(info, dict):
        raise ModelFileError(f"{path}: tensor {name!r}: entry is not a JSON object")
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype not in _ST_DTYPES:
        raise ModelFileError(f"{path}: tensor {name!r}: unsupported dtype {str(dtype)[:20]!r} "
                             f"(ffnn reads {', '.join(_ST_DTYPES)})")
    if not isinstance(shape, list) or len(shape) > 64 or not all(_unsigned(d) for d in shape):
        raise ModelFileError(f"{path}: tensor {name!r}: shape must be a list of non-negative integers, got "
                             f"{str(shape)[:80]}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(_unsigned(x) for x in offsets)
            and offsets[0] <= offsets[1]):
        raise ModelFileError(f"{path}: tensor {name!r}: data_offsets must be two non-negative integers "
                             f"[begin, end] with begin <= end, got {str(offsets)[:80]}")
    if math.prod(shape) * _ST_DTYPES[dtype].itemsize >= _U64:
        raise ModelFileError(f"{path}: tensor {name!r}: shape {str(shape)[:80]} overflows a 64-bit byte count")
    return name, _ST_DTYPES[dtype], tuple(shape), offsets[0], offsets[1]


def _finite(a: np.ndarray, dtype: np.dtype, name: str, path: Path) -> np.ndarray:
    """``a`` as ``dtype``; NaN, inf, and values ``dtype`` cannot hold (1e300 in float32) are refused."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = a.astype(dtype)
    if not np.isfinite(out).all():
        why = "NaN or infinite values" if not np.isfinite(a).all() else f"values too large for {dtype}"
        raise ModelFileError(f"{path}: tensor {name!r} holds {why}; refused")
    return out


def import_torch(model: FFNN, path: str | os.PathLike) -> FFNN:
    """Set ``model``'s parameters from a safetensors file of PyTorch ``state_dict`` names (strict).

    The file is checked as safetensors' reference reader checks it (exact tiling of the data,
    integer shapes and offsets), then names and shapes against the model, then every value:
    NaN, inf and values the model's dtype cannot hold raise ``ModelFileError``.
    """
    path = Path(path)
    tensors = _read_safetensors(path)
    mapping = _torch_names(model)
    wanted = {t for t, _ in mapping.values()}
    present = {t for t in tensors if t.rsplit(".", 1)[-1] not in _IGNORED}
    missing, unknown = sorted(wanted - present), sorted(present - wanted)
    if missing or unknown:
        raise ModelFileError(f"{path}: state_dict names do not match the model: missing {missing}, unexpected {unknown}")
    own = model.get_params()
    params = {}
    for name, (torch_name, transpose) in mapping.items():
        a = tensors[torch_name].T if transpose else tensors[torch_name]
        if a.shape != own[name].shape:
            raise ModelFileError(f"{path}: {torch_name} has shape {tensors[torch_name].shape}, the model needs "
                                 f"{own[name].T.shape if transpose else own[name].shape}")
        params[name] = _finite(a, own[name].dtype, torch_name, path)
    try:
        model.set_params(params)
    except (KeyError, ValueError) as err:
        raise ModelFileError(f"{path}: bad parameters ({err})") from None
    return model
