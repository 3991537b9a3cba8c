"""``Sequential``: runs layers forward and backward, names their parameters and buffers, and
owns the state dict.

After ``build()``, every parameter's array and gradient are views into two flat buffers,
``flat_params`` and ``flat_grads``. Layers and users see ordinary per-layer arrays
(``layers.0.weight`` shaped ``(n_in, n_out)``), while an optimiser updates the whole network
with a couple of vector operations on the flat buffers. Buffers (running statistics) stay
separate arrays: no optimiser ever touches them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .layers import Layer, Parameter
from .sparse import is_sparse

__all__ = ["Sequential", "StateDictError", "LoadResult"]


class StateDictError(KeyError, ValueError):
    """A state dict that does not fit the network: every problem is listed in the message."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class LoadResult(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped: names the network has that the state
    lacked, and names the state had that the network does not."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Sequential:
    """A chain of layers. ``names`` (one per layer) prefix parameter names; default: ``layers.<i>``."""

    def __init__(self, layers: Sequence[Layer], names: Sequence[str] | None = None) -> None:
        self.layers = list(layers)
        if names is None:
            names = [f"layers.{i}" for i in range(len(self.layers))]
        if len(names) != len(self.layers):
            raise ValueError(f"got {len(names)} names for {len(self.layers)} layers")
        if len(set(names)) != len(names):
            raise ValueError(f"layer names must be unique, got {list(names)}")
        self.names = list(names)
        self.n_in: int | None = None
        self.n_out: int | None = None
        self.flat_params: np.ndarray | None = None
        self.flat_grads: np.ndarray | None = None
        self._first_trained = 0

    # ------------------------------------------------------------------ building
    def build(self, n_in: int, rng: np.random.Generator, dtype: Any) -> None:
        """Fix every layer's width from ``n_in``, draw the parameters in order, then re-home
        all of them into two flat buffers. Layers that draw at run time (Dropout) keep ``rng``."""
        self.n_in = width = int(n_in)
        for layer in self.layers:
            width = layer.build(width, dtype)
            if hasattr(layer, "rng"):
                layer.rng = rng
        self.n_out = width
        for layer in self.layers:
            layer.init_parameters(rng, dtype)
        self._flatten(np.dtype(dtype))
        # Nothing below the first trained layer needs a gradient, nor that layer its input's.
        trained = [i for i, layer in enumerate(self.layers) if layer.parameters()]
        self._first_trained = trained[0] if trained else len(self.layers)
        for i, layer in enumerate(self.layers):
            if hasattr(layer, "needs_input_grad"):
                layer.needs_input_grad = i != self._first_trained

    def state_shapes(self, n_in: int) -> tuple[OrderedDict[str, tuple[int, ...]], list[str]]:
        """Every parameter's and buffer's name and shape for input width ``n_in``, in
        ``state_dict`` order, and the names of the trained parameters among them; computed
        without building anything."""
        shapes: OrderedDict[str, tuple[int, ...]] = OrderedDict()
        trained: list[str] = []
        width = int(n_in)
        for prefix, layer in zip(self.names, self.layers):
            width, params, buffers = layer.state_shapes(width)
            trained += [f"{prefix}.{name}" for name in params]
            shapes.update((f"{prefix}.{name}", tuple(shape)) for name, shape in {**params, **buffers}.items())
        return shapes, trained

    def _flatten(self, dtype: np.dtype) -> None:
        params = [p for _, p in self.named_parameters()]
        total = sum(p.data.size for p in params)
        flat_params = np.empty(total, dtype=dtype)
        flat_grads = np.zeros(total, dtype=dtype)
        offset = 0
        for p in params:
            size, shape = p.data.size, p.data.shape
            view = flat_params[offset : offset + size].reshape(shape)
            view[...] = p.data
            p.data = view
            p.grad = flat_grads[offset : offset + size].reshape(shape)
            offset += size
        self.flat_params, self.flat_grads = flat_params, flat_grads

    def adapt(self, X: np.ndarray) -> None:
        """Let every layer that learns from data (``Normalization``) and has not yet done so
        ``adapt`` to what reaches it when ``X`` flows through the layers before it."""
        pending = [i for i, layer in enumerate(self.layers) if hasattr(layer, "adapt") and not layer.adapted]
        h = X
        for i, layer in enumerate(self.layers[: pending[-1] + 1] if pending else []):
            if i in pending:
                layer.adapt(h)
            h = np.array(layer.forward(h, training=False))  # a copy: the layer reuses its output

    # ------------------------------------------------------------------ names and state
    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """``(name, Parameter)`` pairs in forward order, e.g. ``("layers.0.weight", p)``."""
        for prefix, layer in zip(self.names, self.layers):
            for local, param in layer.parameters().items():
                yield f"{prefix}.{local}", param

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        """``(name, array)`` pairs of the non-trained state, e.g. ``("layers.1.running_mean", a)``."""
        for prefix, layer in zip(self.names, self.layers):
            for local, array in layer.buffers().items():
                yield f"{prefix}.{local}", array

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter and buffer by name, layer by layer (parameters first)."""
        state: OrderedDict[str, np.ndarray] = OrderedDict()
        for prefix, layer in zip(self.names, self.layers):
            for local, param in layer.parameters().items():
                state[f"{prefix}.{local}"] = param.data.copy()
            for local, array in layer.buffers().items():
                state[f"{prefix}.{local}"] = array.copy()
        return state

    def _targets(self) -> dict[str, np.ndarray]:
        targets = {name: p.data for name, p in self.named_parameters()}
        targets.update(self.named_buffers())
        return targets

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> LoadResult:
        """Copy ``state`` into the parameters and buffers, in place.

        Every problem is collected and reported at once in a ``StateDictError``: with
        ``strict=True`` missing and unexpected names; always wrong shapes, non-numeric,
        complex or non-finite values (checked after the cast to the network's dtype). Nothing
        is written unless everything fits. ``strict=False`` returns the names it skipped.
        """
        targets = self._targets()
        missing = [n for n in targets if n not in state]
        unexpected = [n for n in state if n not in targets]
        problems, cast = [], {}
        for name, value in state.items():
            if name in targets:
                arr, problem = _cast_checked(value, targets[name])
                if problem:
                    problems.append(f"{name} {problem}")
                else:
                    cast[name] = arr
        if strict and missing:
            problems.insert(0, f"missing parameter(s) {missing} (pass strict=False to set a subset)")
        if strict and unexpected:
            problems.insert(0, f"unknown parameter name(s) {unexpected}; valid names are {list(targets)}")
        if problems:
            raise StateDictError("error(s) in the state dict: " + "; ".join(problems))
        for name, arr in cast.items():
            targets[name][...] = arr
        return LoadResult(missing, unexpected)

    @property
    def dense_widths(self) -> list[int]:
        """The widths the dense products see: the first dense layer's input, then every dense
        layer's units (what decides a step's work, see ``threads.choose_threads``)."""
        dense = [layer for layer in self.layers if layer.parameters().get("weight") is not None]
        return [dense[0].n_in, *(layer.n_out for layer in dense)] if dense else [self.n_in or 0]

    def check_input_kind(self, X: Any) -> None:
        """Refuse a SciPy sparse ``X`` unless the first layer takes one (``Dense``): every
        other layer needs dense rows, and densifying a large sparse matrix silently could
        take gigabytes."""
        if is_sparse(X) and not getattr(self.layers[0] if self.layers else None, "accepts_sparse", False):
            first = type(self.layers[0]).__name__ if self.layers else "none"
            raise TypeError(
                f"a sparse X needs a Dense first layer (this network starts with {first}); "
                "pass X.toarray() if it fits in memory"
            )

    def zero_grad(self) -> None:
        if self.flat_grads is not None:
            self.flat_grads.fill(0)

    # ------------------------------------------------------------------ passes
    def forward(self, x: np.ndarray, training: bool = False, stop: int | None = None, start: int = 0) -> np.ndarray:
        """Run ``layers[start:stop]`` on ``x`` (all layers by default)."""
        for layer in self.layers[start:stop]:
            x = layer.forward(x, training)
        return x

    def backward(self, grad: np.ndarray, start: int | None = None) -> np.ndarray | None:
        """Back-propagate ``grad`` from the output of ``layers[:start]`` down to the first
        trained layer (below it no gradient is needed)."""
        stop = len(self.layers) if start is None else start % len(self.layers) if start < 0 else start
        for layer in reversed(self.layers[self._first_trained : stop]):
            grad = layer.backward(grad)
        return grad

    def get_config(self) -> dict[str, Any]:
        return {"layers": [layer.get_config() for layer in self.layers], "names": self.names}

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({n}) {layer!r}" for n, layer in zip(self.names, self.layers))
        return f"Sequential(\n{inner}\n)"


def _cast_checked(value: Any, target: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """``value`` cast to ``target``'s dtype, or ``(None, what is wrong)``."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as err:
        return None, f"is not an array ({err})"
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        return None, f"must hold numbers, got dtype {arr.dtype}"
    if np.iscomplexobj(arr):
        return None, f"must be real, got complex dtype {arr.dtype}"
    if arr.shape != target.shape:
        return None, f"must have shape {target.shape}, got {arr.shape}"
    with np.errstate(over="ignore", invalid="ignore"):
        cast = arr.astype(target.dtype)
    if not np.all(np.isfinite(cast)):
        return None, f"contains NaN or inf (or values too large for {target.dtype})"
    return cast, None
