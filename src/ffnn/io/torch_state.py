"""PyTorch ``state_dict`` export and import through safetensors files (no torch needed)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .atomic import atomic_write
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
# and the activation modules, so ``layers.1.weight`` is ``"3.weight"`` in a 784-64-64-10 ReLU net.
_ST_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}


def _torch_names(model: FFNN) -> dict[str, tuple[str, bool]]:
    """Our parameter name -> (PyTorch name, transpose?)."""
    mapping = {}
    for pos, (prefix, layer) in enumerate(zip(model.network.names, model.network)):
        for local in layer.parameters():
            torch_local = "weight" if local == "scale" else local
            mapping[f"{prefix}.{local}"] = (f"{pos}.{torch_local}", local == "weight")
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


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such file") from None
    n = int.from_bytes(raw[:8], "little") if len(raw) >= 8 else -1
    if n < 2 or 8 + n > len(raw):
        raise ModelFileError(f"{path}: not a safetensors file (bad or truncated header)")
    try:
        header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFileError(f"{path}: safetensors header is not valid JSON ({err})") from None
    data, out = memoryview(raw)[8 + n :], {}
    if not isinstance(header, dict):
        raise ModelFileError(f"{path}: safetensors header is not a JSON object")
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype = _ST_DTYPES[info["dtype"]]
            shape = tuple(int(d) for d in info["shape"])
            begin, end = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise ModelFileError(f"{path}: tensor {name!r}: unsupported dtype or malformed entry {info!r}") from None
        if not 0 <= begin <= end <= len(data) or end - begin != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise ModelFileError(f"{path}: tensor {name!r}: byte range {begin}..{end} does not fit {shape} (truncated?)")
        out[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
    return out


def import_torch(model: FFNN, path: str | os.PathLike) -> FFNN:
    """Set ``model``'s parameters from a safetensors file of PyTorch ``state_dict`` names (strict)."""
    path = Path(path)
    tensors = _read_safetensors(path)
    mapping = _torch_names(model)
    wanted = {t for t, _ in mapping.values()}
    missing, unknown = sorted(wanted - set(tensors)), sorted(set(tensors) - wanted)
    if missing or unknown:
        raise ModelFileError(f"{path}: state_dict names do not match the model: missing {missing}, unexpected {unknown}")
    own = model.get_params()
    params = {}
    for name, (torch_name, transpose) in mapping.items():
        a = tensors[torch_name].T if transpose else tensors[torch_name]
        if a.shape != own[name].shape:
            raise ModelFileError(f"{path}: {torch_name} has shape {tensors[torch_name].shape}, the model needs "
                                 f"{own[name].T.shape if transpose else own[name].shape}")
        params[name] = a.astype(own[name].dtype)
    try:
        model.set_params(params)
    except (KeyError, ValueError) as err:
        raise ModelFileError(f"{path}: bad parameters ({err})") from None
    return model
