"""``Tensor``: a NumPy array that remembers how it was computed, and its primitive operations.

Every operation computes its value with NumPy and, when an input requires a gradient, records
a *node*: the input tensors (``_parents``) and a local backward rule (``_backward``). The rule
takes ``g = dL/d(output)`` and returns ``dL/d(input)`` for each parent, by the chain rule for
that one operation. Each rule sits right under its forward, so the two read together.
``backward()`` (in ``graph.py``) then walks the recorded graph from the output to the inputs.

Numbers and arrays mixed into an operation are constants: they get no gradient.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import count
from typing import Any

import numpy as np

from ..rowwise import row_max, row_sum
from . import graph
from .graph import broadcast, broadcasting, expand, is_basic_index, lowest, reduced_axes, unbroadcast

__all__ = ["Tensor", "no_grad", "is_grad_enabled"]

_GRAD_ENABLED = True  # switched off inside ``no_grad()``
_next_seq = count().__next__  # creation stamps: a node is always created after its parents


class no_grad:
    """Context manager: operations inside it record nothing (for evaluation and updates)."""

    def __enter__(self) -> no_grad:
        global _GRAD_ENABLED
        self._previous, _GRAD_ENABLED = _GRAD_ENABLED, False
        return self

    def __exit__(self, *exc: Any) -> None:
        global _GRAD_ENABLED
        _GRAD_ENABLED = self._previous


def is_grad_enabled() -> bool:
    """``False`` inside ``no_grad()``."""
    return _GRAD_ENABLED


class Tensor:
    """An array that records the operations applied to it, so that gradients can flow back.

    >>> w = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> loss = (w * w).sum()          # 1 + 4
    >>> loss.backward()
    >>> w.grad                        # d/dw sum(w^2) = 2 w
    array([[2., 4.]])
    """

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward", "_seq")
    __array_ufunc__ = None  # ``ndarray * Tensor`` defers to ``Tensor.__rmul__``

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        data = np.asarray(data)
        if data.dtype.kind != "f":
            if data.dtype.kind not in "iub":
                raise TypeError(f"a Tensor holds real numbers, got an array of dtype {data.dtype}")
            data = data.astype(np.float64)  # integers and booleans become float64
        self.data: np.ndarray = data
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._parents: tuple[Tensor, ...] = ()
        self._backward: Callable[[np.ndarray], Sequence[np.ndarray | None]] | None = None
        self._seq = _next_seq()

    # ------------------------------------------------------------------ inspection
    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    size = property(lambda self: self.data.size)
    is_leaf = property(lambda self: self._backward is None)

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        return self.data.item()

    def detach(self) -> Tensor:
        """The same values, cut from the graph."""
        return Tensor(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        flag = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4)}{flag})"

    # Comparisons give plain boolean arrays (masks for ``where``); they have no gradient.
    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _value(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _value(other)

    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _value(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _value(other)

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ backward
    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Fill ``.grad`` of every leaf this tensor depends on with ``d(self)/d(leaf)``.

        ``grad`` is the seed ``dL/d(self)``; it may be left out only for a single number
        (then it is 1). Leaf gradients add up over calls, like PyTorch; set ``.grad = None``
        to start again. Intermediate gradients are not kept, and the graph is freed as it is
        walked unless ``retain_graph``.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of its graph was "
                "created with requires_grad=True (or it was computed inside no_grad())"
            )
        seed = self._seed(grad)
        if self._backward is None:  # a leaf: its gradient is the seed itself
            self.grad = seed if self.grad is None else self.grad + seed
        else:
            graph.run_backward(self, seed, retain_graph)

    def _seed(self, grad: Any) -> np.ndarray:
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a single number, but this tensor has "
                    f"shape {self.data.shape}; reduce it first (e.g. .sum() or .mean()) or pass "
                    "backward(grad) with dL/d(this tensor)"
                )
            return np.ones_like(self.data)
        grad = np.array(_value(grad), dtype=self.data.dtype)  # a copy: the caller keeps theirs
        if grad.shape != self.data.shape:
            raise ValueError(f"backward(grad): grad has shape {grad.shape}, but the tensor has shape {self.data.shape}")
        return grad

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Any) -> Tensor:
        a, b, parents = _operands(self, other)
        out = broadcasting(np.add, a, b, "+")

        def backward(g):  # d(a + b) = da + db
            return unbroadcast(g, a.shape), (unbroadcast(g, b.shape) if len(parents) == 2 else None)

        return node(out, parents, backward)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Tensor:
        a, b, parents = _operands(self, other)
        out = broadcasting(np.subtract, a, b, "-")

        def backward(g):
            return unbroadcast(g, a.shape), (unbroadcast(-g, b.shape) if len(parents) == 2 else None)

        return node(out, parents, backward)

    def __rsub__(self, other: Any) -> Tensor:
        return _lift(other, self) - self

    def __neg__(self) -> Tensor:
        return node(-self.data, (self,), lambda g: (-g,))

    def __mul__(self, other: Any) -> Tensor:
        a, b, parents = _operands(self, other)
        out = broadcasting(np.multiply, a, b, "*")

        def backward(g):  # d(a b) = b da + a db
            ga = unbroadcast(g * b, a.shape) if self.requires_grad else None
            return ga, (unbroadcast(g * a, b.shape) if len(parents) == 2 and other.requires_grad else None)

        return node(out, parents, backward)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Tensor:
        a, b, parents = _operands(self, other)
        out = broadcasting(np.true_divide, a, b, "/")

        def backward(g):  # d(a / b) = da / b - (a / b^2) db
            ga = unbroadcast(g / b, a.shape) if self.requires_grad else None
            need_b = len(parents) == 2 and other.requires_grad
            return ga, (unbroadcast(-g * out / b, b.shape) if need_b else None)

        return node(out, parents, backward)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _lift(other, self) / self

    def __pow__(self, exponent: Any) -> Tensor:
        a = self.data
        if not isinstance(exponent, Tensor):  # a number: the common case, x ** 2
            k = exponent
            # d(a^k) = k a^(k-1) da
            return node(broadcasting(np.power, a, k, "**"), (self,), lambda g: (g * (k * a ** (k - 1)),))
        b = exponent.data
        out = broadcasting(np.power, a, b, "**")

        def backward(g):  # d(a^b) = b a^(b-1) da + a^b log(a) db
            ga = unbroadcast(g * b * a ** (b - 1), a.shape) if self.requires_grad else None
            gb = unbroadcast(g * out * np.log(a), b.shape) if exponent.requires_grad else None
            return ga, gb

        return node(out, (self, exponent), backward)

    def __rpow__(self, base: Any) -> Tensor:
        return _lift(base, self) ** self

    def __matmul__(self, other: Any) -> Tensor:
        other = _lift(other, self)
        a, b = self.data, other.data
        try:
            out = a @ b
        except ValueError:
            raise ValueError(
                f"@: shapes {a.shape} and {b.shape} do not align; the last axis of the left "
                "operand must equal the first (matrix) axis of the right one"
            ) from None

        def backward(g):  # z = a b: da = g b^T, db = a^T g
            if a.ndim == 2 and b.ndim == 2:
                ga = g @ b.T if self.requires_grad else None
                return ga, (a.T @ g if other.requires_grad else None)
            return graph.matmul_backward(a, b, g, self.requires_grad, other.requires_grad)

        return node(out, (self, other), backward)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _lift(other, self) @ self

    # ------------------------------------------------------------------ element-wise
    def exp(self) -> Tensor:
        out = np.exp(self.data)
        return node(out, (self,), lambda g: (g * out,))  # d e^x = e^x dx

    def log(self) -> Tensor:
        x = self.data
        return node(np.log(x), (self,), lambda g: (g / x,))  # d log x = dx / x

    def log1p(self) -> Tensor:
        x = self.data
        return node(np.log1p(x), (self,), lambda g: (g / (1 + x),))

    def sqrt(self) -> Tensor:
        out = np.sqrt(self.data)
        return node(out, (self,), lambda g: (g * 0.5 / out,))  # d sqrt x = dx / (2 sqrt x)

    def abs(self) -> Tensor:
        x = self.data
        return node(np.abs(x), (self,), lambda g: (g * np.sign(x),))  # sign(0) = 0

    def tanh(self) -> Tensor:
        out = np.tanh(self.data)
        return node(out, (self,), lambda g: (g * (1 - out * out),))  # 1 - tanh^2

    def sigmoid(self) -> Tensor:
        # 1 / (1 + e^-x) written as (1 + tanh(x / 2)) / 2, which never overflows
        out = np.tanh(self.data * 0.5)
        out += 1
        out *= 0.5
        return node(out, (self,), lambda g: (g * (out * (1 - out)),))  # s (1 - s)

    def relu(self) -> Tensor:
        x = self.data
        return node(np.maximum(x, 0), (self,), lambda g: (g * (x > 0),))  # slope 0 at 0

    def maximum(self, other: Any) -> Tensor:
        """Element-wise maximum; at a tie each side gets half the gradient."""
        a, b, parents = _operands(self, other)
        out = broadcasting(np.maximum, a, b, "maximum")

        def backward(g):
            share = (a > b) + (a == b) * g.dtype.type(0.5)  # 1, 1/2 or 0, in g's dtype
            ga = unbroadcast(g * share, a.shape)
            return ga, (unbroadcast(g * (1 - share), b.shape) if len(parents) == 2 else None)

        return node(out, parents, backward)

    def where(self, condition: Any, other: Any) -> Tensor:
        """``self`` where ``condition`` holds, ``other`` elsewhere (like ``np.where(c, self, other)``)."""
        cond = np.asarray(_value(condition), dtype=bool)
        a, b, parents = _operands(self, other)
        out = broadcasting(lambda x, y: np.where(cond, x, y), a, b, "where")

        def backward(g):
            zero = np.zeros((), g.dtype)
            ga = unbroadcast(np.where(cond, g, zero), a.shape)
            return ga, (unbroadcast(np.where(cond, zero, g), b.shape) if len(parents) == 2 else None)

        return node(out, parents, backward)

    def clip(self, low: float, high: float) -> Tensor:
        """Values limited to ``[low, high]``; no gradient flows where a value was clipped."""
        x = self.data
        return node(np.clip(x, low, high), (self,), lambda g: (g * ((x >= low) & (x <= high)),))

    # ------------------------------------------------------------------ reductions
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        x = self.data
        if axis is None and not keepdims:  # to one number: the loss, usually
            return node(np.asarray(x.sum()), (self,), lambda g: (broadcast(g, x.shape),))
        axes = reduced_axes(axis, x.ndim)
        # every input element contributed once
        backward = lambda g: (broadcast(expand(g, axes, keepdims), x.shape),)  # noqa: E731
        return node(np.asarray(x.sum(axis=axes, keepdims=keepdims)), (self,), backward)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        x = self.data
        axes = reduced_axes(axis, x.ndim)
        scale = 1.0 / max(int(np.prod([x.shape[a] for a in axes])), 1)

        def backward(g):  # each of the n elements contributed 1/n
            return (broadcast(expand(g * scale, axes, keepdims), x.shape),)

        return node(np.asarray(x.mean(axis=axes, keepdims=keepdims)), (self,), backward)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """The largest value; when several are equal they share the gradient evenly."""
        x = self.data
        axes = reduced_axes(axis, x.ndim)
        out = np.asarray(x.max(axis=axes, keepdims=keepdims))

        def backward(g):
            hit = x == expand(out, axes, keepdims)
            share = hit / hit.sum(axis=axes, keepdims=True).astype(x.dtype)
            return (share * expand(g, axes, keepdims),)

        return node(out, (self,), backward)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """``log(sum(exp(x)))`` computed as ``m + log(sum(exp(x - m)))`` with ``m = max(x)``."""
        x = self.data
        axes = reduced_axes(axis, x.ndim)
        rows = x.ndim == 2 and axes == (1,) and x.dtype.kind == "f"  # a batch's rows: rowwise.py
        # the maximum, kept finite so that a row of -inf gives -inf rather than nan
        m = np.maximum(row_max(x)[:, None] if rows else x.max(axis=axes, keepdims=True), lowest(x.dtype))
        e = np.exp(x - m)  # every value in [0, 1]: no overflow
        total = row_sum(e)[:, None] if rows else e.sum(axis=axes, keepdims=True)
        out = np.log(total)
        out += m

        def backward(g):  # d logsumexp(x) / dx = softmax(x) = e / total
            dx = e / total
            dx *= expand(g, axes, keepdims)
            return (dx,)

        return node(out if keepdims else np.squeeze(out, axes), (self,), backward)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        old = self.data.shape
        new = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return node(self.data.reshape(new), (self,), lambda g: (g.reshape(old),))

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = tuple(axes[0])
        order = axes or tuple(reversed(range(self.data.ndim)))
        inverse = tuple(np.argsort(order))
        return node(self.data.transpose(order), (self,), lambda g: (g.transpose(inverse),))

    T = property(transpose)

    def __getitem__(self, index: Any) -> Tensor:
        x = self.data
        index = index.data if isinstance(index, Tensor) else index

        def backward(g):  # the gradient goes back where the values came from
            full = np.zeros_like(x)
            if is_basic_index(index):
                full[index] = g
            else:  # fancy indices may repeat: add, do not overwrite
                np.add.at(full, index, g)
            return (full,)

        return node(x[index], (self,), backward)

    # Composed operations as methods, so ``z.softmax(axis=1)`` reads well; ``functional``
    # offers them as functions. Their gradients come from the primitives they are made of.
    def log_softmax(self, axis: int = -1) -> Tensor:
        """``x - logsumexp(x)``: exact where ``log(softmax(x))`` would give -inf."""
        return self - self.logsumexp(axis=axis, keepdims=True)

    def softmax(self, axis: int = -1) -> Tensor:
        """``exp(log_softmax(x))``: every value in ``(0, 1]``, no overflow."""
        return self.log_softmax(axis).exp()

    def softplus(self) -> Tensor:
        """``log(1 + exp(x))`` as ``max(x, 0) + log1p(exp(-|x|))``, never exponentiating a
        positive number. At ``x = 0`` the tie rule of ``maximum`` (half the gradient each side)
        gives the exact slope 1/2 (``abs`` contributes ``sign(0) = 0``)."""
        return self.maximum(0.0) + (-self.abs()).exp().log1p()


# ---------------------------------------------------------------------- helpers
def node(data: Any, parents: tuple[Tensor, ...], backward: Callable) -> Tensor:
    """The result of an operation: a graph node when an input needs a gradient."""
    out = _new(Tensor)
    out.data = data if type(data) is np.ndarray else np.asarray(data)
    out.grad, out._seq = None, _next_seq()
    if _GRAD_ENABLED and (parents[0].requires_grad or (len(parents) == 2 and parents[1].requires_grad)):
        out.requires_grad, out._parents, out._backward = True, parents, backward
    else:
        out.requires_grad, out._parents, out._backward = False, (), None
    return out


_new = object.__new__


def _operands(a: Tensor, b: Any) -> tuple[np.ndarray, Any, tuple[Tensor, ...]]:
    """The arrays of a binary operation and its parents; a constant ``b`` is no parent."""
    if isinstance(b, Tensor):
        return a.data, b.data, (a, b)
    return a.data, b, (a,)


def _value(x: Any) -> Any:
    """The array behind a tensor; numbers and arrays stay as they are (constants)."""
    return x.data if isinstance(x, Tensor) else x


def _lift(x: Any, like: Tensor) -> Tensor:
    """A constant as a tensor of ``like``'s dtype (a tensor is returned unchanged)."""
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=like.data.dtype))

