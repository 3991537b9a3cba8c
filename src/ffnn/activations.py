"""Activation functions: each one class with its value and its vector-Jacobian product.

An activation maps pre-activations ``z`` (shape ``(n, k)``) to ``a = f(z)``. Its ``backward``
receives ``grad = dL/da`` and returns ``dL/dz``: for element-wise functions that is
``grad * f'(z)``; softmax couples the units of a row, so its backward is the full
Jacobian-vector product ``s * (grad - sum(grad * s))`` and works under any loss.

Every function is written to be stable for any finite input (logits of +-1000 included):
sigmoid goes through ``tanh``, softmax shifts by the row maximum, ELU and softplus never
exponentiate a large positive number.

Add one by writing a class and decorating it with ``@ACTIVATIONS.register("name")``; the
parametrised tests then check its gradient by finite differences with no further edits.

``tensor_forward(z)`` is the same function written with the operations of an autograd
``Tensor`` (``ffnn.autograd``), which then derives the backward pass by itself; it is what
``engine="autograd"`` runs. It uses only ``Tensor`` methods, so this module does not import
the engine.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .registry import Configurable, Registry
from .rowwise import row_max, row_sum

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Linear",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LeakyReLU",
    "ELU",
    "GELU",
    "SiLU",
    "Gaussian",
    "Softplus",
    "Step",
    "BipolarStep",
    "get",
    "untrainable_hidden_warning",
]


class Activation(Configurable):
    """Base class. Subclasses implement ``forward`` and ``backward``.

    ``output_range`` is the closed interval the outputs can take; the model uses it to refuse
    a loss that needs probabilities on an output layer that cannot produce them.
    """

    name: str = "activation"
    output_range: tuple[float, float] = (-math.inf, math.inf)
    # True when f'(z) = 0 almost everywhere (hard limits): no gradient reaches the layers below,
    # so gradient descent cannot train through it in a hidden layer.
    zero_gradient: bool = False

    def forward(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Return ``a = f(z)``, written into ``out`` when given."""
        raise NotImplementedError

    def backward(
        self, z: np.ndarray, a: np.ndarray, grad: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Return ``dL/dz`` from ``dL/da`` (``grad``); ``z`` and ``a`` come from ``forward``."""
        raise NotImplementedError

    def tensor_forward(self, z: Any) -> Any:
        """``f(z)`` for an autograd ``Tensor`` ``z``, written with ``Tensor`` operations."""
        raise NotImplementedError(
            f"activation {self.name!r} ({type(self).__name__}) has no tensor_forward, so "
            "engine='autograd' cannot run it; write tensor_forward(self, z) with Tensor "
            "operations (see ffnn.activations.ReLU), or use engine='backprop'"
        )

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.forward(np.asarray(z))

    def get_config(self) -> dict[str, Any]:
        """The name and parameters that rebuild this activation through ``get()``."""
        return {"name": self.name}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Activation) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.get_config().items())))


ACTIVATIONS: Registry[Activation] = Registry("activation", Activation)


def get(spec: Any, **kwargs: Any) -> Activation:
    """Return an activation from a name (``"relu"``), an instance, a class or a config dict."""
    return ACTIVATIONS.get(spec, **kwargs)


@ACTIVATIONS.register("linear", "identity", "none")
class Linear(Activation):
    """``f(z) = z``: the identity, for regression outputs."""

    def forward(self, z, out=None):
        if out is None:
            return z
        np.copyto(out, z)
        return out

    def backward(self, z, a, grad, out=None):
        if out is None:
            return grad
        np.copyto(out, grad)
        return out

    def tensor_forward(self, z):
        return z


@ACTIVATIONS.register("relu")
class ReLU(Activation):
    """``f(z) = max(0, z)``; the derivative at 0 is taken as 0."""

    output_range = (0.0, math.inf)

    def forward(self, z, out=None):
        return np.maximum(z, 0, out=out)

    def backward(self, z, a, grad, out=None):
        return np.multiply(grad, z > 0, out=out)

    def tensor_forward(self, z):
        return z.relu()


@ACTIVATIONS.register("leaky_relu", "leakyrelu")
class LeakyReLU(Activation):
    """``f(z) = z`` for ``z > 0``, ``alpha * z`` otherwise (``alpha`` = 0.01 by default)."""

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = float(alpha)

    def forward(self, z, out=None):
        return _into(out, np.where(z > 0, z, self.alpha * z))

    def backward(self, z, a, grad, out=None):
        slope = np.where(z > 0, 1.0, self.alpha).astype(z.dtype, copy=False)
        return np.multiply(grad, slope, out=out)

    def tensor_forward(self, z):
        return z.where(z > 0, z * self.alpha)

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha}


@ACTIVATIONS.register("elu")
class ELU(Activation):
    """``f(z) = z`` for ``z > 0``, ``alpha * (exp(z) - 1)`` otherwise (``alpha`` = 1)."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(alpha)
        self.output_range = (-self.alpha, math.inf)

    def forward(self, z, out=None):
        # expm1 of min(z, 0) never overflows and is exact near 0.
        neg = self.alpha * np.expm1(np.minimum(z, 0))
        return _into(out, np.where(z > 0, z, neg))

    def backward(self, z, a, grad, out=None):
        # f'(z) = 1 for z > 0, alpha * exp(z) = a + alpha otherwise.
        slope = np.where(z > 0, 1.0, a + self.alpha).astype(z.dtype, copy=False)
        return np.multiply(grad, slope, out=out)

    def tensor_forward(self, z):
        negative_part = z.where(z < 0, 0.0)  # min(z, 0): exp never overflows
        return z.where(z > 0, (negative_part.exp() - 1) * self.alpha)

    def get_config(self):
        return {"name": self.name, "alpha": self.alpha}


@ACTIVATIONS.register("sigmoid", "logistic")
class Sigmoid(Activation):
    """``f(z) = 1 / (1 + exp(-z))``, computed as ``0.5 * (1 + tanh(z / 2))`` (never overflows)."""

    output_range = (0.0, 1.0)

    def forward(self, z, out=None):
        a = np.multiply(z, 0.5, out=out)
        np.tanh(a, out=a)
        a += 1
        a *= 0.5
        return a

    def backward(self, z, a, grad, out=None):
        # f'(z) = a * (1 - a)
        return np.multiply(grad, a * (1 - a), out=out)

    def tensor_forward(self, z):
        return z.sigmoid()


@ACTIVATIONS.register("tanh")
class Tanh(Activation):
    """``f(z) = tanh(z)``."""

    output_range = (-1.0, 1.0)

    def forward(self, z, out=None):
        return np.tanh(z, out=out)

    def backward(self, z, a, grad, out=None):
        # f'(z) = 1 - a^2
        return np.multiply(grad, 1 - a * a, out=out)

    def tensor_forward(self, z):
        return z.tanh()


@ACTIVATIONS.register("softmax")
class Softmax(Activation):
    """Row-wise ``s_j = exp(z_j) / sum_k exp(z_k)``, shifted by the row maximum for stability."""

    output_range = (0.0, 1.0)

    def forward(self, z, out=None):
        s = np.subtract(z, row_max(z)[:, None], out=out)
        np.exp(s, out=s)
        s /= row_sum(s)[:, None]
        return s

    def backward(self, z, a, grad, out=None):
        # Jacobian-vector product: dz_j = s_j * (g_j - sum_k g_k s_k)
        dot = np.einsum("ij,ij->i", grad, a)[:, None]
        out = np.subtract(grad, dot, out=out)
        out *= a
        return out

    def tensor_forward(self, z):
        return z.softmax(axis=1)


@ACTIVATIONS.register("gelu")
class GELU(Activation):
    """Gaussian error linear unit, tanh approximation:
    ``0.5 z (1 + tanh(c (z + 0.044715 z^3)))`` with ``c = sqrt(2 / pi)``."""

    output_range = (-0.17, math.inf)
    _C = math.sqrt(2.0 / math.pi)
    _K = 0.044715
    # Beyond |z| = 10, tanh(c (z + k z^3)) is exactly +-1 in float32 and float64 (its argument
    # exceeds 43), so z is clipped there inside the tanh: the same values, and z^3 and z^2 never
    # overflow (in float32 they would from |z| ~ 7e12, making the gradient inf * 0 = NaN).
    _SATURATED = 10.0

    def _inner_tanh(self, zc):
        return np.tanh(self._C * (zc + self._K * zc**3))

    def forward(self, z, out=None):
        zc = np.clip(z, -self._SATURATED, self._SATURATED)
        return _into(out, 0.5 * z * (1 + self._inner_tanh(zc)))

    def backward(self, z, a, grad, out=None):
        zc = np.clip(z, -self._SATURATED, self._SATURATED)
        t = self._inner_tanh(zc)
        # d/dz = 0.5 (1 + t) + 0.5 z (1 - t^2) c (1 + 3 k z^2); the second term is exactly 0 where clipped
        slope = 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * self._C * (1 + 3 * self._K * zc * zc)
        return np.multiply(grad, slope, out=out)

    def tensor_forward(self, z):
        zc = z.clip(-self._SATURATED, self._SATURATED)
        return 0.5 * z * (1 + (self._C * (zc + self._K * zc**3)).tanh())


@ACTIVATIONS.register("silu", "swish")
class SiLU(Activation):
    """Sigmoid-weighted linear unit (swish): ``f(z) = z * sigmoid(z)``."""

    output_range = (-0.279, math.inf)

    def forward(self, z, out=None):
        return _into(out, z * _sigmoid(z))

    def backward(self, z, a, grad, out=None):
        s = _sigmoid(z)
        # d/dz = s + z s (1 - s) = s (1 + z (1 - s))
        return np.multiply(grad, s * (1 + z * (1 - s)), out=out)

    def tensor_forward(self, z):
        return z * z.sigmoid()


@ACTIVATIONS.register("gaussian")
class Gaussian(Activation):
    """``f(z) = exp(-z^2)``, the Gaussian activation of the origin course notes."""

    output_range = (0.0, 1.0)

    def forward(self, z, out=None):
        a = np.multiply(z, z, out=out)
        np.negative(a, out=a)
        np.exp(a, out=a)
        return a

    def backward(self, z, a, grad, out=None):
        # d/dz = -2 z a
        return np.multiply(grad, -2 * z * a, out=out)

    def tensor_forward(self, z):
        return (-(z * z)).exp()


@ACTIVATIONS.register("softplus")
class Softplus(Activation):
    """``f(z) = log(1 + exp(z))``, computed as ``logaddexp(0, z)`` (never overflows)."""

    output_range = (0.0, math.inf)

    def forward(self, z, out=None):
        return np.logaddexp(0, z, out=out)

    def backward(self, z, a, grad, out=None):
        return np.multiply(grad, _sigmoid(z), out=out)

    def tensor_forward(self, z):
        return z.softplus()


@ACTIVATIONS.register("selu")
class SELU(Activation):
    """Scaled ELU (Klambauer et al. 2017): ``lambda z`` for ``z > 0``, ``lambda alpha (exp(z) - 1)``
    otherwise, with PyTorch's constants; with ``init="normal"`` of variance ``1 / n_in`` (LeCun)
    it keeps activations near zero mean and unit variance through deep stacks."""

    ALPHA = 1.6732632423543772848170429916717
    SCALE = 1.0507009873554804934193349852946
    output_range = (-SCALE * ALPHA, math.inf)

    def forward(self, z, out=None):
        neg = (self.SCALE * self.ALPHA) * np.expm1(np.minimum(z, 0))  # never overflows
        return _into(out, np.where(z > 0, self.SCALE * z, neg))

    def backward(self, z, a, grad, out=None):
        # f'(z) = lambda for z > 0, lambda alpha exp(z) = a + lambda alpha otherwise
        slope = np.where(z > 0, self.SCALE, a + self.SCALE * self.ALPHA).astype(z.dtype, copy=False)
        return np.multiply(grad, slope, out=out)

    def tensor_forward(self, z):
        negative_part = z.where(z < 0, 0.0)
        return (z * self.SCALE).where(z.data > 0, (negative_part.exp() - 1) * (self.SCALE * self.ALPHA))


@ACTIVATIONS.register("mish")
class Mish(Activation):
    """``f(z) = z tanh(softplus(z))`` (Misra 2019), smooth and non-monotonic like SiLU."""

    output_range = (-0.309, math.inf)

    def forward(self, z, out=None):
        return _into(out, z * np.tanh(np.logaddexp(0, z)))

    def backward(self, z, a, grad, out=None):
        t = np.tanh(np.logaddexp(0, z))
        # d/dz = tanh(sp) + z (1 - tanh(sp)^2) sigmoid(z), sp = softplus(z)
        return np.multiply(grad, t + z * (1 - t * t) * _sigmoid(z), out=out)

    def tensor_forward(self, z):
        return z * z.softplus().tanh()


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * z))


def _into(out: np.ndarray | None, value: np.ndarray) -> np.ndarray:
    if out is None:
        return value
    np.copyto(out, value)
    return out


class _HardLimit(Activation):
    """A two-valued threshold unit: ``high`` for ``z >= 0``, ``low`` otherwise.

    Its true derivative is 0 everywhere except at 0, where it does not exist, so ``backward``
    returns zeros and no gradient passes through (``zero_gradient`` is True). With
    ``straight_through=True`` the backward pass uses the clipped straight-through estimator
    instead (Bengio et al. 2013; Hubara et al. 2016): the derivative of the hard tanh,
    1 for ``|z| <= 1`` and 0 elsewhere, as if the unit were the identity near its threshold.
    The forward value is the same either way. It is an estimator for experiments, not a
    gradient: finite differences do not confirm it.
    """

    low: float = 0.0
    high: float = 1.0
    zero_gradient = True  # False on an instance built with straight_through=True

    def __init__(self, straight_through: bool = False) -> None:
        if not isinstance(straight_through, (bool, np.bool_)):
            raise TypeError(f"straight_through must be True or False, got {straight_through!r}")
        self.straight_through = bool(straight_through)
        self.zero_gradient = not self.straight_through

    def forward(self, z, out=None):
        return _into(out, np.where(z >= 0, self.high, self.low).astype(z.dtype, copy=False))

    def backward(self, z, a, grad, out=None):
        if not self.straight_through:
            # f'(z) = 0 almost everywhere
            return _into(out, np.zeros_like(grad))
        # straight-through: d/dz taken as 1 for |z| <= 1, else 0 (the hard tanh's slope)
        return np.multiply(grad, np.abs(z) <= 1, out=out)

    def tensor_forward(self, z):
        a = np.where(z.data >= 0, self.high, self.low).astype(z.data.dtype, copy=False)
        if not self.straight_through:
            return z * 0 + a  # the value a, with gradient zero
        # z.clip(-1, 1) minus its own value is exactly 0, with the hard tanh's slope
        return (z.clip(-1.0, 1.0) - np.clip(z.data, -1.0, 1.0)) + a

    def get_config(self):
        return {"name": self.name, "straight_through": self.straight_through}


@ACTIVATIONS.register("step", "binary_step", "heaviside", "hard_limit")
class Step(_HardLimit):
    """Binary hard limit: ``f(z) = 1`` for ``z >= 0``, else 0 (the course notes' step).

    ``f'(z) = 0`` almost everywhere: see ``_HardLimit`` for ``straight_through``.
    """

    output_range = (0.0, 1.0)
    low, high = 0.0, 1.0


@ACTIVATIONS.register("bipolar_step", "bipolar", "symmetric_hard_limit")
class BipolarStep(_HardLimit):
    """Bipolar hard limit: ``f(z) = 1`` for ``z >= 0``, else -1.

    Not called ``sign``: NumPy's ``sign(0)`` is 0, this unit gives 1 at 0. ``f'(z) = 0``
    almost everywhere: see ``_HardLimit`` for ``straight_through``.
    """

    output_range = (-1.0, 1.0)
    low, high = -1.0, 1.0


def untrainable_hidden_warning(name: str) -> str:
    """The warning for a zero-gradient activation (``step``...) in a hidden layer."""
    return (
        f"activation {name!r} in a hidden layer has a zero derivative almost everywhere, so "
        "gradient descent cannot train the layers below it (their gradients are exactly 0); "
        f"use a smooth activation (sigmoid, tanh, relu), or {name}(straight_through=True) "
        "to experiment with the straight-through estimator"
    )
