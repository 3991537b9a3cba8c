"""The graph walk behind ``Tensor.backward()``, and the helpers the backward rules share.

A node is any tensor with a backward rule; its ``_parents`` are the tensors it was computed
from. ``_seq`` numbers tensors in the order they were created. A node is always created after
its parents, so *creation order is a topological order*: sorting the nodes behind the output
by decreasing ``_seq`` visits every node after all the nodes that use it, which is the order
reverse mode needs. Collecting the nodes uses an explicit list, never recursion, so graphs of
any depth work.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import numpy as np

__all__ = ["run_backward", "unbroadcast", "reduced_axes", "expand"]

_by_creation = attrgetter("_seq")
_ONES: dict[tuple[int, np.dtype], np.ndarray] = {}


def nodes_in_backward_order(root: Any) -> list[Any]:
    """The nodes behind ``root`` (root included), latest created first."""
    nodes, seen, i = [root], {id(root)}, 0
    while i < len(nodes):
        for parent in nodes[i]._parents:
            if parent._backward is not None and id(parent) not in seen:
                seen.add(id(parent))
                nodes.append(parent)
        i += 1
    nodes.sort(key=_by_creation, reverse=True)
    return nodes


def run_backward(root: Any, seed: np.ndarray, retain_graph: bool) -> None:
    """Propagate ``seed = dL/d(root)`` to every leaf behind ``root`` (see ``Tensor.backward``)."""
    root.grad = seed
    for node in nodes_in_backward_order(root):
        g, node.grad = node.grad, None  # an intermediate gradient is needed only here
        if g is None:
            continue
        for parent, pg in zip(node._parents, node._backward(g)):
            if pg is None or not parent.requires_grad:
                continue
            if pg.shape != parent.data.shape:  # a broken rule, never the user's fault
                raise RuntimeError(f"gradient of shape {pg.shape} for a tensor of shape {parent.data.shape}")
            # A sum when the tensor feeds several nodes; never in place, since the same
            # array may have been handed to two parents (``a + b`` passes g to both).
            parent.grad = pg if parent.grad is None else parent.grad + pg
        if not retain_graph:
            node._parents, node._backward = (), freed


def freed(g: np.ndarray) -> tuple:
    raise RuntimeError(
        "this part of the graph was already freed by an earlier backward(); recompute the "
        "forward pass, or pass retain_graph=True to the first backward()"
    )


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` over the axes that broadcasting added or stretched, back to ``shape``."""
    if g.shape == shape:
        return g
    if g.ndim == 2 and shape == g.shape[1:]:  # a bias added to every row: the common case
        return sum_rows(g)
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return np.asarray(g)


def sum_rows(g: np.ndarray) -> np.ndarray:
    """``g.sum(axis=0)`` of a matrix as ``ones @ g``: a BLAS product, several times faster."""
    key = (g.shape[0], g.dtype)
    ones = _ONES.get(key)
    if ones is None:
        if len(_ONES) > 64:
            _ONES.clear()
        ones = _ONES[key] = np.ones(g.shape[0], dtype=g.dtype)
    return ones @ g


def reduced_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple) as a tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axis = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(a % ndim if ndim else a for a in axis)


def expand(g: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Put back the reduced ``axes`` (as size 1) so that ``g`` broadcasts against the input."""
    return g if keepdims else np.expand_dims(g, axes)


def broadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``g`` repeated to ``shape``, as a new array (``np.broadcast_to`` is slower on small ones)."""
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


def matmul_backward(a, b, g, need_a, need_b):
    """``@`` with vectors or stacks of matrices: treat vectors as 1-row / 1-column matrices."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = np.expand_dims(g, -1) if b.ndim == 1 else g
    g2 = np.expand_dims(g2, -2) if a.ndim == 1 else g2
    ga = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape) if need_a else None
    gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape) if need_b else None
    return ga, gb

def broadcasting(op: Any, a: Any, b: Any, symbol: str) -> np.ndarray:
    """``op(a, b)``, with an error that names the operation when the shapes do not broadcast."""
    try:
        return op(a, b)
    except ValueError:
        raise ValueError(
            f"{symbol}: shapes {np.shape(a)} and {np.shape(b)} do not broadcast; trailing axes "
            "must be equal or 1 (reshape one operand, e.g. x.reshape(-1, 1))"
        ) from None


def is_basic_index(index: Any) -> bool:
    """True for ints, slices, ``None`` and ``...``: an index that never repeats an element."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


_LOWEST: dict[np.dtype, Any] = {}


def lowest(dtype: np.dtype) -> Any:
    """The most negative finite number of ``dtype``."""
    low = _LOWEST.get(dtype)
    if low is None:
        low = _LOWEST[dtype] = np.finfo(dtype).min
    return low
