"""Loss functions: value and gradient with respect to the network output, plus fused heads.

One mean-reduction convention, documented per loss:

* ``mse``: mean over all ``n * k`` elements of ``(p - y)^2``.
* ``binary_crossentropy``: mean over all ``n * k`` elements of ``-(y log p + (1 - y) log(1 - p))``.
* ``categorical_crossentropy``: mean over the ``n`` rows of ``-sum_j y_j log p_j``.

Sample weights: every loss and head takes optional per-row ``weights`` (mean 1 over the
training set, see ``FFNN.fit``); each row's contribution is multiplied by its weight, so
``weights=None`` and ``weights=ones`` give the same numbers.

Each loss also carries its autograd form (``tensor_value``, ``tensor_forward`` for the heads)
beside its NumPy one, and the attributes that decide how a model treats it (``accuracy``:
what "correct" means for it; ``min_outputs``).

When the losses work on probabilities (the general path), ``p`` is clipped to
``[eps, 1 - eps]`` with ``eps`` the machine epsilon of the dtype, so that an output of exactly
0 or 1 gives a large finite loss instead of ``inf``/``nan``.

The fused heads compute the same loss from the logits ``z`` of the output layer, where the
arithmetic is exact and stable (log-sum-exp, softplus) and the gradient collapses to
``dL/dz = (p - y) / n`` (softmax + categorical cross-entropy) or ``(p - y) / (n k)``
(sigmoid + binary cross-entropy). They are an optimisation chosen explicitly with
``fused_head()``, and the tests check that they agree with the general chain rule.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .activations import Activation, Sigmoid, Softmax
from .registry import Configurable, Registry
from .rowwise import row_max, row_sum

__all__ = [
    "LOSSES",
    "Loss",
    "MeanSquaredError",
    "HalfPoissonLogLink",
    "MeanAbsoluteError",
    "Huber",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "FusedHead",
    "SoftmaxCrossentropyHead",
    "SigmoidBinaryCrossentropyHead",
    "fused_head",
    "get",
]


class Loss(Configurable):
    """Base class: ``value(p, y)`` is a float, ``gradient(p, y)`` is ``dL/dp``, shaped like ``p``.

    ``needs_probabilities`` marks losses whose predictions and targets must lie in [0, 1];
    ``accuracy`` is ``"categorical"`` (arg-max), ``"binary"`` (threshold 0.5) or ``None``
    (a regression loss: no accuracy unless class labels are given); ``min_outputs`` is the
    fewest output units the loss makes sense for.
    """

    name: str = "loss"
    needs_probabilities: bool = False
    accuracy: str | None = None
    min_outputs: int = 1

    def value(self, p: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> float:
        raise NotImplementedError

    def gradient(self, p: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def tensor_value(self, p: Any, y: np.ndarray, weights: np.ndarray | None = None) -> Any:
        """The loss of an autograd ``Tensor`` ``p`` (``engine="autograd"``)."""
        raise NotImplementedError(f"loss {self.name!r} has no tensor_value; use engine='backprop'")

    def baseline(self, y: np.ndarray) -> float | None:
        """The loss of the best constant prediction of targets ``y`` (no learning at all), or
        ``None`` where it has no closed form; training that stays there has learnt nothing."""
        return None

    def __call__(self, p: np.ndarray, y: np.ndarray) -> float:
        return self.value(np.asarray(p), np.asarray(y))


LOSSES: Registry[Loss] = Registry("loss", Loss)


def get(spec: Any, **kwargs: Any) -> Loss:
    """Return a loss from a name (``"cce"``, ``"mse"``...), an instance, a class or a config."""
    return LOSSES.get(spec, **kwargs)


def _rows(weights: np.ndarray | None) -> Any:
    """Per-row weights as a column that broadcasts over the outputs (1 when there are none)."""
    return 1.0 if weights is None else weights[:, None]


def _clip_probabilities(p: np.ndarray) -> np.ndarray:
    eps = np.finfo(p.dtype).eps if np.issubdtype(p.dtype, np.floating) else 1e-15
    return np.clip(p, eps, 1 - eps)


@LOSSES.register("mse", "mean_squared_error")
class MeanSquaredError(Loss):
    """``L = mean((p - y)^2)`` over all elements; ``dL/dp = 2 (p - y) / (n k)``."""

    def value(self, p, y, weights=None):
        diff = p - y
        if weights is None:
            return float(np.vdot(diff, diff) / diff.size)
        return float(np.vdot(diff * _rows(weights), diff) / diff.size)

    def gradient(self, p, y, weights=None):
        return (p - y) * (2.0 / p.size) * _rows(weights)

    def tensor_value(self, p, y, weights=None):
        d = p - y
        return (d * d * _rows(weights)).mean() if weights is not None else (d * d).mean()

    def baseline(self, y):
        return float(np.mean(np.var(y, axis=0, dtype=np.float64)))  # predicting the mean


@LOSSES.register("mae", "mean_absolute_error", "l1")
class MeanAbsoluteError(Loss):
    """``L = mean(|p - y|)`` over all elements (PyTorch's ``L1Loss``); ``dL/dp = sign(p - y) / (n k)``
    (0 where ``p == y``). Robust to outlying targets: each one pulls with the same force."""

    def value(self, p, y, weights=None):
        return float(np.mean(np.abs(p - y) * _rows(weights)))

    def gradient(self, p, y, weights=None):
        return np.sign(p - y) * (1.0 / p.size) * _rows(weights)

    def tensor_value(self, p, y, weights=None):
        d = (p - y).abs()
        return (d * _rows(weights)).mean() if weights is not None else d.mean()

    def baseline(self, y):
        y = np.asarray(y, dtype=np.float64)
        return float(np.mean(np.abs(y - np.median(y, axis=0))))  # predicting the median


@LOSSES.register("huber", "smooth_l1")
class Huber(Loss):
    """Huber loss (PyTorch's ``HuberLoss``): per element ``0.5 d^2`` where ``|d| <= delta``, else
    ``delta (|d| - 0.5 delta)``, with ``d = p - y``; the mean over all elements. Squared near the
    target, absolute far from it; ``dL/dp = clip(d, -delta, delta) / (n k)``."""

    def __init__(self, delta: float = 1.0) -> None:
        delta = float(delta)
        if not (delta > 0 and math.isfinite(delta)):
            raise ValueError(f"huber delta must be a positive number, got {delta!r}")
        self.delta = delta

    def _terms(self, d):
        a = np.abs(d)
        return np.where(a <= self.delta, 0.5 * d * d, self.delta * (a - 0.5 * self.delta))

    def value(self, p, y, weights=None):
        return float(np.mean(self._terms(p - y) * _rows(weights)))

    def gradient(self, p, y, weights=None):
        return np.clip(p - y, -self.delta, self.delta) * (1.0 / p.size) * _rows(weights)

    def tensor_value(self, p, y, weights=None):
        d = p - y
        a = d.abs()
        terms = (d * d * 0.5).where(a.data <= self.delta, (a - 0.5 * self.delta) * self.delta)
        return (terms * _rows(weights)).mean() if weights is not None else terms.mean()

    def get_config(self):
        return {"name": self.name, "delta": self.delta}


@LOSSES.register("binary_crossentropy", "bce", "binary_cross_entropy")
class BinaryCrossentropy(Loss):
    """``L = -mean(y log p + (1 - y) log(1 - p))`` over all elements."""

    needs_probabilities = True
    accuracy = "binary"

    def value(self, p, y, weights=None):
        q = _clip_probabilities(p)
        return float(-np.mean((y * np.log(q) + (1 - y) * np.log1p(-q)) * _rows(weights)))

    def gradient(self, p, y, weights=None):
        q = _clip_probabilities(p)
        # dL/dp = (p - y) / (p (1 - p)) / (n k)
        return (q - y) / (q * (1 - q)) / p.size * _rows(weights)

    def tensor_value(self, p, y, weights=None):
        from .autograd.functional import clipped_probabilities

        q = clipped_probabilities(p)
        return -((y * q.log() + (1 - y) * (-q).log1p()) * _rows(weights)).mean()

    def baseline(self, y):
        prior = np.clip(np.mean(y, axis=0, dtype=np.float64), 1e-15, 1 - 1e-15)  # predicting the rates
        return float(-np.mean(prior * np.log(prior) + (1 - prior) * np.log1p(-prior)))


@LOSSES.register("categorical_crossentropy", "cce", "categorical_cross_entropy")
class CategoricalCrossentropy(Loss):
    """``L = -(1/n) sum_i sum_j y_ij log p_ij``, the mean over the batch of the row sums."""

    needs_probabilities = True
    accuracy = "categorical"
    min_outputs = 2

    def value(self, p, y, weights=None):
        q = _clip_probabilities(p)
        return float(-np.vdot(y * _rows(weights), np.log(q)) / p.shape[0])

    def gradient(self, p, y, weights=None):
        q = _clip_probabilities(p)
        # dL/dp_ij = -w_i y_ij / p_ij / n
        return -y * _rows(weights) / q / p.shape[0]

    def tensor_value(self, p, y, weights=None):
        from .autograd.functional import clipped_probabilities

        q = clipped_probabilities(p)
        return (q.log() * (y * _rows(weights))).sum() * (-1.0 / p.data.shape[0])

    def baseline(self, y):
        prior = np.mean(y, axis=0, dtype=np.float64)  # predicting the class frequencies
        nonzero = prior[prior > 0]
        return float(-np.sum(nonzero * np.log(nonzero)))


@LOSSES.register("half_poisson_log_link", "sklearn_poisson")
class HalfPoissonLogLink(Loss):
    """Half the Poisson deviance of ``mu = exp(z)``, computed from the network output ``z``.

    ``L = (1/n) sum_i w_i sum_j (exp(z_ij) - y_ij z_ij + y_ij log y_ij - y_ij)`` (0 log 0 = 0),
    scikit-learn's ``loss="poisson"``; ``dL/dz = w (exp(z) - y) / n``. Working on ``z`` (a
    linear output holding the log-mean) keeps it exact where ``mu`` underflows. It is the loss
    of ``ffnn.sklearn.FFNNRegressor(loss="poisson")``, whose ``predict`` returns ``exp(z)`` and
    which checks ``y >= 0``; it lives here so that such models load anywhere. An ``FFNN``
    trained with it directly predicts the log-mean ``z``, and its targets must be counts (not
    standardised).
    """

    def value(self, p, y, weights=None):
        y_log_y = y * np.log(np.where(y > 0, y, 1))  # 0 log 0 = 0
        terms = np.exp(p) - y * p + y_log_y - y
        rows = terms.sum(axis=1)
        return float((rows if weights is None else rows * weights).mean())

    def gradient(self, p, y, weights=None):
        grad = (np.exp(p) - y) / p.shape[0]
        return grad if weights is None else grad * weights[:, None]

    def tensor_value(self, p, y, weights=None):
        y_log_y = y * np.log(np.where(y > 0, y, 1))
        rows = (p.exp() - p * y + (y_log_y - y)).sum(axis=1)
        return (rows * weights).mean() if weights is not None else rows.mean()

    def baseline(self, y):
        y = np.asarray(y, dtype=np.float64)
        mu = y.mean(axis=0)  # predicting the mean count; a column of zeros costs 0 in the limit
        log_mu = np.log(np.where(mu > 0, mu, 1.0))
        y_log_y = y * np.log(np.where(y > 0, y, 1.0))
        return float(np.sum(mu - mu * log_mu + y_log_y.mean(axis=0) - mu))


class FusedHead:
    """The output activation and the loss computed together from the logits ``z``."""

    activation_type: type[Activation]
    loss_type: type[Loss]

    def forward(self, z: np.ndarray, y: np.ndarray, out: np.ndarray, weights: np.ndarray | None = None) -> float:
        """Write the output probabilities into ``out`` and return the loss."""
        raise NotImplementedError

    def backward(self, p: np.ndarray, y: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Write ``dL/dz`` into ``out``; ``p`` is what ``forward`` wrote (with the same weights)."""
        raise NotImplementedError

    def tensor_forward(self, z: Any, y: np.ndarray, weights: np.ndarray | None = None) -> tuple[Any, np.ndarray]:
        """``(loss tensor, output probabilities)`` from the logits tensor ``z`` (autograd)."""
        raise NotImplementedError


class SoftmaxCrossentropyHead(FusedHead):
    """Softmax + categorical cross-entropy: ``L = -(1/n) sum y (z - logsumexp(z))``.

    ``dL/dz = (p * rowsum(y) - y) / n``, which is ``(p - y) / n`` for targets whose rows sum
    to one; the general form keeps it exact for any target rows.
    """

    activation_type = Softmax
    loss_type = CategoricalCrossentropy

    def forward(self, z, y, out, weights=None):
        if weights is not None:  # a weighted row counts like its target scaled by the weight
            y = y * weights[:, None]
        self._y = y
        shifted = np.subtract(z, row_max(z)[:, None], out=out)  # z - max, per row
        dot = float(np.vdot(y, shifted))  # sum y (z - max)
        np.exp(shifted, out=out)
        sums = row_sum(out)
        out /= sums[:, None]  # p = softmax(z)
        self._row_weights = row_sum(y)
        log_sums = np.log(sums, out=sums)
        return (float(np.dot(self._row_weights, log_sums)) - dot) / z.shape[0]

    def backward(self, p, y, out):
        np.multiply(p, self._row_weights[:, None], out=out)
        out -= self._y
        out *= 1.0 / p.shape[0]
        return out

    def tensor_forward(self, z, y, weights=None):
        from .autograd.functional import log_softmax, nll

        logp = log_softmax(z, axis=1)
        return nll(logp, y * _rows(weights)), np.exp(logp.data)


class SigmoidBinaryCrossentropyHead(FusedHead):
    """Sigmoid + binary cross-entropy: ``L = mean(softplus(z) - y z)``; ``dL/dz = (p - y)/(n k)``."""

    activation_type = Sigmoid
    loss_type = BinaryCrossentropy

    def forward(self, z, y, out, weights=None):
        # softplus(z) - y z = max(z, 0) - y z + log1p(exp(-|z|))
        loss = np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))
        Sigmoid().forward(z, out=out)
        self._weights = weights
        return float((loss * _rows(weights)).mean())

    def backward(self, p, y, out):
        np.subtract(p, y, out=out)
        out *= 1.0 / p.size
        if self._weights is not None:
            out *= self._weights[:, None]
        return out

    def tensor_forward(self, z, y, weights=None):
        from .autograd.functional import softplus

        loss = ((softplus(z) - y * z) * _rows(weights)).mean()
        return loss, Sigmoid().forward(z.data.copy())


_FUSED_HEADS: tuple[type[FusedHead], ...] = (SoftmaxCrossentropyHead, SigmoidBinaryCrossentropyHead)


def fused_head(activation: Activation, loss: Loss) -> FusedHead | None:
    """The fused head for this output activation and loss, or ``None`` when there is none."""
    for head in _FUSED_HEADS:
        if type(activation) is head.activation_type and type(loss) is head.loss_type:
            return head()
    return None
