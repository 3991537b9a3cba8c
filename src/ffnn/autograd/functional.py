"""Operations composed from the primitives of ``Tensor``: their gradients come for free.

Nothing here has a backward rule of its own (except the straight-through clip the losses
need): ``backward()`` differentiates each formula through the primitives it is made of.
Each formula is chosen so that no intermediate value overflows:

* ``log_softmax(z) = z - logsumexp(z)``, and ``logsumexp`` shifts by the maximum first;
* ``softmax(z) = exp(log_softmax(z))``, every value in ``(0, 1]``;
* ``softplus(z) = max(z, 0) + log1p(exp(-|z|))``, never exponentiating a positive number.

The losses follow ``ffnn.losses`` exactly (same reductions, same clipping), so the two engines
give the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor, node

__all__ = [
    "logsumexp",
    "log_softmax",
    "softmax",
    "softplus",
    "where",
    "maximum",
    "mse",
    "binary_crossentropy",
    "categorical_crossentropy",
    "softmax_crossentropy",
    "nll",
    "sigmoid_binary_crossentropy",
    "clip_straight_through",
    "clipped_probabilities",
]


def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` along ``axis``, stable for any finite input."""
    return x.logsumexp(axis=axis, keepdims=keepdims)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """``log(softmax(x)) = x - logsumexp(x)``: exact where ``log(softmax(x))`` would give -inf."""
    return x.log_softmax(axis)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis``, as ``exp(log_softmax(x))``."""
    return x.softmax(axis)


def softplus(x: Tensor) -> Tensor:
    """``log(1 + exp(x))`` as ``max(x, 0) + log1p(exp(-|x|))``.

    At ``x = 0`` the tie rule of ``maximum`` (half the gradient each side) gives the exact
    slope 1/2 (``abs`` contributes ``sign(0) = 0``).
    """
    return x.softplus()


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` holds, ``b`` elsewhere; gradients go to the side chosen."""
    if not isinstance(a, Tensor):
        a = Tensor(np.asarray(a, dtype=b.data.dtype if isinstance(b, Tensor) else None))
    return a.where(condition, b)


def maximum(a: Tensor, b: Any) -> Tensor:
    """Element-wise maximum (a tie splits the gradient evenly)."""
    return a.maximum(b)


# ---------------------------------------------------------------------- losses
def clip_straight_through(p: Tensor, low: float, high: float) -> Tensor:
    """``clip(p, low, high)`` whose gradient is passed through unchanged.

    This is what ``ffnn.losses`` does: the loss is computed from clipped probabilities (so that
    an output of exactly 0 or 1 gives a large finite loss), and ``dL/dp`` is the formula at
    the clipped value, with the clip itself treated as the identity.
    """
    return node(np.clip(p.data, low, high), (p,), lambda g: (g,))


def clipped_probabilities(p: Tensor) -> Tensor:
    """``p`` clipped to ``[eps, 1 - eps]`` (``eps`` of its dtype), the gradient passed through."""
    eps = float(np.finfo(p.data.dtype).eps)
    return clip_straight_through(p, eps, 1 - eps)


def mse(p: Tensor, y: np.ndarray) -> Tensor:
    """Mean over all elements of ``(p - y)^2``."""
    d = p - y
    return (d * d).mean()


def binary_crossentropy(p: Tensor, y: np.ndarray) -> Tensor:
    """``-mean(y log q + (1 - y) log(1 - q))`` over all elements, ``q`` = clipped ``p``."""
    q = clipped_probabilities(p)
    return -(y * q.log() + (1 - y) * (-q).log1p()).mean()


def categorical_crossentropy(p: Tensor, y: np.ndarray) -> Tensor:
    """``-(1/n) sum y log q``: the mean over the ``n`` rows, ``q`` = clipped ``p``."""
    q = clipped_probabilities(p)
    return (y * q.log()).sum() * (-1.0 / p.data.shape[0])


def softmax_crossentropy(z: Tensor, y: np.ndarray) -> Tensor:
    """Categorical cross-entropy of ``softmax(z)`` from the logits: ``-(1/n) sum y log_softmax(z)``."""
    return nll(log_softmax(z, axis=1), y)


def nll(logp: Tensor, y: np.ndarray) -> Tensor:
    """``-(1/n) sum y logp``: the mean over the ``n`` rows of the negative log-likelihood."""
    return (logp * (y * (-1.0 / logp.data.shape[0]))).sum()  # the constant scaled first: one op less


def sigmoid_binary_crossentropy(z: Tensor, y: np.ndarray) -> Tensor:
    """Binary cross-entropy of ``sigmoid(z)`` from the logits: ``mean(softplus(z) - y z)``."""
    return (softplus(z) - y * z).mean()
