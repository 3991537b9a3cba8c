"""Weight initialisers: each is called as ``init(shape, rng, dtype)`` and returns a new array.

Weights are shaped ``(n_in, n_out)`` (the layer computes ``x @ W + b``), so ``fan_in`` is
``shape[0]`` and ``fan_out`` is ``shape[1]``.

Biases: ``zero``, ``xavier`` and ``he`` start biases at zero (the usual choice: the weights
already break the symmetry). ``uniform`` and ``normal`` are the origin assignment's "draw
every parameter from this distribution" and draw biases from the same distribution. Override
with ``init_params={"bias": "zero"}`` or ``{"bias": "same"}``.

Glorot (``xavier``) and He are thin subclasses of one ``VarianceScaling(scale, mode,
distribution)``: variance ``scale / fan`` where ``fan`` is ``fan_in``, ``fan_out`` or their mean.

``sklearn`` is scikit-learn's MLP rule (Glorot uniform, biases drawn too, with their layer's
bound), so a model can start where ``MLPClassifier`` starts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .registry import Configurable, Registry

__all__ = [
    "INITIALIZERS",
    "Initializer",
    "Zero",
    "Uniform",
    "Normal",
    "VarianceScaling",
    "Xavier",
    "He",
    "SklearnGlorot",
    "get",
]


class Initializer(Configurable):
    """Base class. ``bias_default`` says whether biases are drawn (``"same"``) or ``"zero"``."""

    name: str = "initializer"
    bias_default: str = "zero"

    def __call__(self, shape: tuple[int, ...], rng: np.random.Generator, dtype: Any) -> np.ndarray:
        raise NotImplementedError


INITIALIZERS: Registry[Initializer] = Registry("initializer", Initializer)


def get(spec: Any, **kwargs: Any) -> Initializer:
    """Return an initialiser from a name (``"he"``...), an instance, a class or a config dict."""
    return INITIALIZERS.get(spec, **kwargs)


@INITIALIZERS.register("zero", "zeros")
class Zero(Initializer):
    """Every weight 0. The network then cannot break symmetry: shown in the study, not advised."""

    bias_default = "same"

    def __call__(self, shape, rng, dtype):
        return np.zeros(shape, dtype=dtype)


@INITIALIZERS.register("uniform", "random_uniform")
class Uniform(Initializer):
    """Uniform on ``[low, high)``; ``seed`` (optional) gives this initialiser its own generator."""

    bias_default = "same"

    def __init__(self, low: float = -0.05, high: float = 0.05, seed: int | None = None) -> None:
        if not high > low:
            raise ValueError(f"uniform init needs low < high, got low={low}, high={high}")
        self.low, self.high, self.seed = float(low), float(high), seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def __call__(self, shape, rng, dtype):
        rng = self._rng or rng
        return rng.uniform(self.low, self.high, size=shape).astype(dtype, copy=False)

    def get_config(self):
        return {"name": self.name, "low": self.low, "high": self.high, "seed": self.seed}


@INITIALIZERS.register("normal", "random_normal", "gaussian")
class Normal(Initializer):
    """Normal with ``mean`` and ``variance`` (variance, not standard deviation)."""

    bias_default = "same"

    def __init__(self, mean: float = 0.0, variance: float = 0.0025, seed: int | None = None) -> None:
        if not variance >= 0:
            raise ValueError(f"normal init needs variance >= 0, got {variance}")
        self.mean, self.variance, self.seed = float(mean), float(variance), seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def __call__(self, shape, rng, dtype):
        rng = self._rng or rng
        std = math.sqrt(self.variance)
        return rng.normal(self.mean, std, size=shape).astype(dtype, copy=False)

    def get_config(self):
        return {"name": self.name, "mean": self.mean, "variance": self.variance, "seed": self.seed}


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("normal", "uniform")


@INITIALIZERS.register("variance_scaling")
class VarianceScaling(Initializer):
    """Zero-mean weights with variance ``scale / fan``; uniform on ``+-sqrt(3 var)`` or normal."""

    default_scale = 1.0
    default_mode = "fan_avg"
    default_distribution = "uniform"

    def __init__(
        self,
        scale: float | None = None,
        mode: str | None = None,
        distribution: str | None = None,
        seed: int | None = None,
    ) -> None:
        self.scale = float(self.default_scale if scale is None else scale)
        self.mode = mode or self.default_mode
        self.distribution = distribution or self.default_distribution
        if self.mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {self.mode!r}")
        if self.distribution not in _DISTRIBUTIONS:
            raise ValueError(f"distribution must be one of {_DISTRIBUTIONS}, got {self.distribution!r}")
        if not self.scale > 0:
            raise ValueError(f"scale must be positive, got {self.scale}")
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def variance(self, shape: tuple[int, ...]) -> float:
        fan_in, fan_out = shape[0], shape[-1]
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        return self.scale / max(fan, 1)

    def __call__(self, shape, rng, dtype):
        rng = self._rng or rng
        var = self.variance(shape)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * var)
            w = rng.uniform(-limit, limit, size=shape)
        else:
            w = rng.normal(0.0, math.sqrt(var), size=shape)
        return w.astype(dtype, copy=False)

    def get_config(self):
        return {
            "name": self.name,
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
        }


@INITIALIZERS.register("xavier", "glorot", "xavier_uniform", "glorot_uniform")
class Xavier(VarianceScaling):
    """Glorot/Xavier: variance ``1 / fan_avg`` = ``2 / (fan_in + fan_out)``; uniform by default.

    ``distribution="normal"`` (or the name ``xavier_normal``) gives the normal variant.
    """

    def __init__(self, distribution: str = "uniform", seed: int | None = None) -> None:
        super().__init__(1.0, "fan_avg", distribution, seed)

    def get_config(self):
        return {"name": self.name, "distribution": self.distribution, "seed": self.seed}


@INITIALIZERS.register("he", "kaiming", "he_normal", "kaiming_normal")
class He(VarianceScaling):
    """He/Kaiming: variance ``2 / fan_in``; normal by default, ``distribution="uniform"`` too."""

    def __init__(self, distribution: str = "normal", seed: int | None = None) -> None:
        super().__init__(2.0, "fan_in", distribution, seed)

    def get_config(self):
        return {"name": self.name, "distribution": self.distribution, "seed": self.seed}


@INITIALIZERS.register("xavier_normal", "glorot_normal")
class XavierNormal(Xavier):
    """Glorot/Xavier normal: ``N(0, 2 / (fan_in + fan_out))``."""

    def __init__(self, distribution: str = "normal", seed: int | None = None) -> None:
        super().__init__(distribution, seed)


@INITIALIZERS.register("he_uniform", "kaiming_uniform")
class HeUniform(He):
    """He/Kaiming uniform: ``U(-sqrt(6 / fan_in), sqrt(6 / fan_in))``."""

    def __init__(self, distribution: str = "uniform", seed: int | None = None) -> None:
        super().__init__(distribution, seed)


@INITIALIZERS.register("sklearn", "sklearn_glorot", "mlp")
class SklearnGlorot(Initializer):
    """scikit-learn's ``MLPClassifier`` rule: weights *and biases* uniform on ``+-bound`` with
    ``bound = sqrt(factor / (fan_in + fan_out))`` of the weight matrix, ``factor`` 6 (scikit-learn
    uses 2 when the activation is ``logistic``).

    A dense layer draws its weight ``(fan_in, fan_out)`` and then its bias as ``(1, fan_out)``;
    that bias takes the weight's bound, as scikit-learn's does. Drawn from a
    ``numpy.random.RandomState`` in that order (weight, bias, next layer...), the numbers are
    scikit-learn's own (``ffnn.sklearn`` does this when ``init="sklearn"``).

    >>> import numpy as np
    >>> init = SklearnGlorot()
    >>> w = init((3, 2), np.random.default_rng(0), np.float64)
    >>> bool(np.abs(w).max() <= np.sqrt(6 / 5))
    True
    """

    bias_default = "same"

    def __init__(self, factor: float = 6.0, seed: int | None = None) -> None:
        if not factor > 0:
            raise ValueError(f"factor must be positive, got {factor}")
        self.factor, self.seed = float(factor), seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self._pending: tuple[float, int] | None = None  # (bound, fan_out) of the weight just drawn

    def __call__(self, shape, rng, dtype):
        rng = self._rng or rng
        pending, self._pending = self._pending, None
        if pending is not None and tuple(shape) == (1, pending[1]):
            bound = pending[0]  # the bias of the weight just drawn
        else:
            bound = math.sqrt(self.factor / (shape[0] + shape[-1]))
            self._pending = (bound, shape[-1])
        return rng.uniform(-bound, bound, size=shape).astype(dtype, copy=False)

    def get_config(self):
        return {"name": self.name, "factor": self.factor, "seed": self.seed}
