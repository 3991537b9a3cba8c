"""What every layer shares: ``Parameter``, reusable scratch arrays, the ``Layer`` base class
and the ``LAYERS`` registry.

Conventions (the same for every layer, and the ones users check against PyTorch):

* Inputs are batches shaped ``(n, features)``.
* ``build(n_in, dtype)`` fixes the input width and allocates the parameters and buffers;
  ``init_parameters(rng, dtype)`` draws their starting values. Both happen when a model is
  built, so a layer object can be written before anyone knows its input width.
* ``forward(x, training=False)``: ``training=True`` is a training step (BatchNorm uses the
  batch's statistics and updates its running ones, Dropout draws a mask); every other layer
  ignores the flag.
* ``backward(grad_out)`` receives ``dL/d(output)`` of the last ``forward``, *sets* the
  gradients of the layer's parameters for that batch (it does not accumulate) and returns
  ``dL/d(input)``.
* ``tensor_forward(h, leaf, training)`` is the same function written with autograd ``Tensor``
  operations (``engine="autograd"``); ``leaf(param)`` gives the tensor of a parameter.
* Parameters are trained; buffers (running statistics, a standardisation's mean and
  variance) are state: no gradient, no optimiser step, no penalty, but saved and loaded.
* A ``Parameter``'s array may be re-homed into one flat buffer (see ``Sequential``), so update
  parameters and buffers in place (``p.data[...] = v``).
* Layers reuse their output arrays between batches of the same size: what ``forward``
  returns is valid until the next ``forward`` of the same batch size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..registry import Registry

__all__ = ["Parameter", "ScratchArrays", "Layer", "LAYERS", "get", "assign", "set_checked"]


class Parameter:
    """A trainable array and the gradient of the loss with respect to it."""

    __slots__ = ("data", "grad", "decay")

    def __init__(self, data: np.ndarray, decay: bool = False) -> None:
        self.data = data
        self.grad = np.zeros_like(data)
        self.decay = decay  # True for weights that the L1/L2 penalty applies to

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class ScratchArrays:
    """Keeps one array per (slot, shape) so that training does not allocate per batch."""

    def __init__(self) -> None:
        self._arrays: dict[tuple[Any, ...], np.ndarray] = {}

    def get(self, key: Any, shape: tuple[int, ...], dtype: Any, fill: float | None = None) -> np.ndarray:
        """The array for ``key`` and ``shape``: made once (filled with ``fill`` if given), then reused."""
        arr = self._arrays.get((key, shape))
        if arr is not None and arr.dtype == dtype:
            return arr
        if len(self._arrays) > 16:  # many batch sizes seen: start over
            self._arrays.clear()
        arr = self._arrays[key, shape] = np.empty(shape, dtype=dtype)
        if fill is not None:
            arr.fill(fill)
        return arr

    def clear(self) -> None:
        self._arrays.clear()


class Layer:
    """Base class of every layer: see the module docstring for the conventions.

    Subclasses set ``n_out`` in ``build`` (by default a layer keeps its input width) and
    implement ``forward``, ``backward`` and ``tensor_forward``.
    """

    name: str = "layer"
    keeps_nonfinite = False  # True when a NaN/inf input always gives a NaN/inf output (see inference.py)

    def __init__(self) -> None:
        self.scratch = ScratchArrays()
        self.n_in: int | None = None
        self.n_out: int | None = None

    # ------------------------------------------------------------------ building
    @property
    def built(self) -> bool:
        return self.n_in is not None

    def build(self, n_in: int, dtype: Any) -> int:
        """Fix the input width, allocate parameters and buffers; return the output width."""
        self.n_in = self.n_out = int(n_in)
        return self.n_out

    def state_shapes(self, n_in: int) -> tuple[int, dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
        """``(output width, parameter shapes, buffer shapes)`` that ``build(n_in)`` would
        allocate, by local name, computed without allocating: a file's declared shapes are
        checked against them before anything is built."""
        return int(n_in), {}, {}

    def init_parameters(self, rng: np.random.Generator, dtype: Any) -> None:
        """(Re)draw the parameters. Layers without parameters do nothing."""

    def parameters(self) -> dict[str, Parameter]:
        """This layer's parameters by local name (``"weight"``, ``"bias"``...), in order."""
        return {}

    def buffers(self) -> dict[str, np.ndarray]:
        """This layer's non-trained state arrays by local name (e.g. ``"running_mean"``)."""
        return {}

    # ------------------------------------------------------------------ computing
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        raise NotImplementedError

    def tensor_forward(self, h: Any, leaf: Any, training: bool = False) -> Any:
        """The forward pass with autograd ``Tensor`` operations (``engine="autograd"``)."""
        raise NotImplementedError(
            f"layer {type(self).__name__} has no tensor_forward, so engine='autograd' cannot run "
            "it; write tensor_forward(self, h, leaf, training) with Tensor operations, or use "
            "engine='backprop'"
        )

    def _scratch(self, slot: str, shape: tuple[int, ...], dtype: Any, fill: float | None = None) -> np.ndarray:
        return self.scratch.get(slot, shape, dtype, fill)

    # ------------------------------------------------------------------ describing
    def get_config(self) -> dict[str, Any]:
        """The registered name and constructor arguments that rebuild this layer."""
        return {"name": self.name}

    def describe(self) -> str:
        """A short text for summaries, e.g. ``Dense(784 -> 64)``."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"

    def __repr__(self) -> str:
        return self.describe()


LAYERS: Registry[Layer] = Registry("layer", Layer)


def get(spec: Any, **kwargs: Any) -> Layer:
    """A layer from an instance (returned as is), a class, a name or a ``get_config()`` dict."""
    return LAYERS.get(spec, **kwargs)


def assign(param: Parameter, value: np.ndarray, dtype: Any) -> None:
    """Put ``value`` into ``param``, in place when it already has that shape and dtype."""
    if param.data.shape == value.shape and param.data.dtype == np.dtype(dtype):
        param.data[...] = value
    else:
        param.data = np.ascontiguousarray(value, dtype=dtype)
        param.grad = np.zeros_like(param.data)


def set_checked(target: np.ndarray, value: Any, what: str) -> None:
    """Copy ``value`` into ``target`` after checking its shape, and that it is finite after the cast."""
    arr = np.asarray(value)
    if arr.shape != target.shape:
        raise ValueError(f"{what} must have shape {target.shape}, got {arr.shape}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{what} must be real, got complex dtype {arr.dtype}")
    with np.errstate(over="ignore", invalid="ignore"):
        cast = arr.astype(target.dtype)
    if not np.all(np.isfinite(cast)):
        raise ValueError(f"{what} contains NaN or inf (or values too large for {target.dtype})")
    target[...] = cast
