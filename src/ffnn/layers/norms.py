"""Normalisation layers with learnt scale: ``RMSNorm``, ``LayerNorm`` and ``BatchNorm``.

Names follow PyTorch where it has the layer: ``scale`` is γ (PyTorch's ``weight``), ``shift``
is β (PyTorch's ``bias``); the forward variance is the biased one (divide by n).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..rowwise import row_sum
from .base import LAYERS, Layer, Parameter, assign

__all__ = ["RMSNorm", "LayerNorm", "BatchNorm"]


def _check_eps(eps: Any, layer: str) -> float:
    value = float(eps)
    if not (value > 0 and np.isfinite(value)):
        raise ValueError(f"{layer} eps must be a positive finite number, got {eps!r}")
    return value


class _ScaleShift(Layer):
    """A layer with per-feature parameters ``scale`` (ones) and, if ``shifted``, ``shift`` (zeros)."""

    shifted = True

    def build(self, n_in, dtype):
        n = super().build(n_in, dtype)
        self.n_features = n
        self.params = {"scale": Parameter(np.ones(n, dtype=dtype))}
        if self.shifted:
            self.params["shift"] = Parameter(np.zeros(n, dtype=dtype))
        return n

    def state_shapes(self, n_in):
        n = int(n_in)
        return n, {"scale": (n,), **({"shift": (n,)} if self.shifted else {})}, {}

    def parameters(self):
        return getattr(self, "params", {})

    def init_parameters(self, rng, dtype):
        assign(self.params["scale"], np.ones(self.n_features, dtype=dtype), dtype)
        if self.shifted:
            assign(self.params["shift"], np.zeros(self.n_features, dtype=dtype), dtype)

    def _affine_forward(self, xhat: np.ndarray, inv: np.ndarray) -> np.ndarray:
        """Given ``xhat = x - mean`` and ``inv = var + eps`` (both scratch arrays), finish the
        normalisation in place (``inv`` becomes ``1 / sqrt(var + eps)``, kept for backward;
        ``xhat`` is scaled by it) and return ``y = xhat * scale + shift``."""
        np.sqrt(inv, out=inv)
        np.reciprocal(inv, out=inv)
        self._inv = inv
        xhat *= inv
        y = np.multiply(xhat, self.scale, out=self._scratch("y", xhat.shape, xhat.dtype))
        y += self.shift
        return y

    def _affine_backward(self, grad: np.ndarray, xhat: np.ndarray, ones: np.ndarray) -> np.ndarray:
        """For ``y = xhat * scale + shift``: set ``dscale = sum dy xhat`` and ``dshift = sum dy``
        (sums over the batch) and return ``dxhat = dy * scale`` (a scratch array)."""
        np.einsum("ij,ij->j", grad, xhat, out=self.params["scale"].grad)
        _column_sums(grad, ones, self.params["shift"].grad)
        return np.multiply(grad, self.scale, out=self._scratch("dxhat", grad.shape, grad.dtype))

    @property
    def scale(self) -> np.ndarray:
        return self.params["scale"].data

    @property
    def grad_scale(self) -> np.ndarray:
        return self.params["scale"].grad

    @property
    def shift(self) -> np.ndarray:
        return self.params["shift"].data

    @property
    def grad_shift(self) -> np.ndarray:
        return self.params["shift"].grad


@LAYERS.register("rms_norm", "rmsnorm")
class RMSNorm(_ScaleShift):
    """Root-mean-square normalisation over the features of each row.

    ``y = x / sqrt(mean(x^2) + eps) * g`` with a learnable ``scale`` ``g`` (ones); no shift.
    PyTorch: ``torch.nn.RMSNorm(n, eps)``.
    """

    shifted = False

    def __init__(self, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = _check_eps(eps, "RMSNorm")

    def forward(self, x, training=False):
        # r = 1 / sqrt(mean(x^2) + eps), xhat = x r, y = xhat g; every array a reused buffer
        r = self._r = self._scratch("r", (len(x), 1), x.dtype)
        np.einsum("ij,ij->i", x, x, out=r[:, 0])
        np.divide(r, x.shape[1], out=r)
        r += self.eps
        np.sqrt(r, out=r)
        np.reciprocal(r, out=r)
        self._xhat = np.multiply(x, r, out=self._scratch("xhat", x.shape, x.dtype))
        return np.multiply(self._xhat, self.scale, out=self._scratch("y", x.shape, x.dtype))

    def backward(self, grad):
        xhat, r = self._xhat, self._r
        np.einsum("ij,ij->j", grad, xhat, out=self.params["scale"].grad)  # dg = sum dy xhat
        dxhat = np.multiply(grad, self.scale, out=self._scratch("dxhat", grad.shape, grad.dtype))
        # dx = r (dxhat - xhat mean(dxhat xhat))
        proj = self._scratch("proj", r.shape, r.dtype)
        np.einsum("ij,ij->i", dxhat, xhat, out=proj[:, 0])
        np.divide(proj, xhat.shape[1], out=proj)
        dx = self._scratch("dx", grad.shape, grad.dtype)
        np.multiply(xhat, proj, out=dx)
        np.subtract(dxhat, dx, out=dx)
        dx *= r
        return dx

    def tensor_forward(self, h, leaf, training=False):
        ms = (h * h).mean(axis=1, keepdims=True)  # mean(x^2) over each row's features
        return h * (ms + self.eps) ** -0.5 * leaf(self.params["scale"])

    def get_config(self):
        return {"name": self.name, "eps": self.eps}

    def describe(self) -> str:
        return f"RMSNorm({self.n_in if self.n_in is not None else '?'}, eps={self.eps})"


def _row_means(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Mean of each row, as one BLAS product with ones (NumPy's ``axis=1`` costs per row)."""
    row_sum(a, out=out)
    out *= 1.0 / a.shape[1]
    return out


def _column_sums(a: np.ndarray, ones: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Sum of each column, as ``ones @ a`` (one BLAS call)."""
    return np.matmul(ones, a, out=out)


def _standardise_backward(dxhat: np.ndarray, xhat: np.ndarray, inv: np.ndarray, mean_d: np.ndarray,
                          mean_dx: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``dL/dx`` of ``xhat = (x - mean) * inv`` given the means (along the normalised axis, shaped
    to broadcast) of ``dxhat`` and ``dxhat * xhat``:
    ``dx = inv * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))``, written into ``out``."""
    np.multiply(xhat, mean_dx, out=out)
    np.subtract(dxhat, out, out=out)
    out -= mean_d
    out *= inv
    return out


@LAYERS.register("layer_norm", "layernorm")
class LayerNorm(_ScaleShift):
    """Normalises each row over its features: ``y = (x - mean) / sqrt(var + eps) * scale + shift``.

    PyTorch: ``torch.nn.LayerNorm(n, eps)`` (``weight`` = ``scale``, ``bias`` = ``shift``).
    """

    def __init__(self, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = _check_eps(eps, "LayerNorm")

    def forward(self, x, training=False):
        # mean and var per row (biased, as PyTorch); xhat = (x - mean) / sqrt(var + eps); y = xhat g + b
        n, k = x.shape
        mean = _row_means(x, self._scratch("mean", (n,), x.dtype))
        xhat = self._xhat = np.subtract(x, mean[:, None], out=self._scratch("xhat", x.shape, x.dtype))
        inv = self._scratch("inv", (n, 1), x.dtype)
        np.einsum("ij,ij->i", xhat, xhat, out=inv[:, 0])
        inv *= 1.0 / k
        inv += self.eps
        return self._affine_forward(xhat, inv)

    def backward(self, grad):
        xhat, n = self._xhat, len(grad)
        ones = self._scratch("ones", (n,), grad.dtype, fill=1)
        dxhat = self._affine_backward(grad, xhat, ones)
        mean_d = _row_means(dxhat, self._scratch("mean_d", (n,), grad.dtype))[:, None]
        mean_dx = self._scratch("mean_dx", (n, 1), grad.dtype)
        np.einsum("ij,ij->i", dxhat, xhat, out=mean_dx[:, 0])
        mean_dx *= 1.0 / grad.shape[1]
        return _standardise_backward(dxhat, xhat, self._inv, mean_d, mean_dx,
                                     self._scratch("dx", grad.shape, grad.dtype))

    def tensor_forward(self, h, leaf, training=False):
        centred = h - h.mean(axis=1, keepdims=True)
        var = (centred * centred).mean(axis=1, keepdims=True)
        return centred * (var + self.eps) ** -0.5 * leaf(self.params["scale"]) + leaf(self.params["shift"])

    def get_config(self):
        return {"name": self.name, "eps": self.eps}


@LAYERS.register("batch_norm", "batchnorm")
class BatchNorm(_ScaleShift):
    """Normalises each feature over the batch, as ``torch.nn.BatchNorm1d`` does.

    Training: ``y = (x - mean_batch) / sqrt(var_batch + eps) * scale + shift`` (biased batch
    variance), and the buffers move towards the batch's statistics:
    ``running_mean = (1 - momentum) running_mean + momentum mean_batch``,
    ``running_var = (1 - momentum) running_var + momentum var_batch * n / (n - 1)`` (unbiased).
    Inference: the running statistics replace the batch's. A training batch of one row
    normalises to ``shift`` and leaves the running statistics unchanged (its unbiased variance
    is undefined; PyTorch refuses such a batch).
    """

    def __init__(self, momentum: float = 0.1, eps: float = 1e-5) -> None:
        super().__init__()
        momentum = float(momentum)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm momentum must lie in [0, 1], got {momentum!r}")
        self.momentum, self.eps = momentum, _check_eps(eps, "BatchNorm")

    def build(self, n_in, dtype):
        n = super().build(n_in, dtype)
        self.running_mean = np.zeros(n, dtype=dtype)
        self.running_var = np.ones(n, dtype=dtype)
        return n

    def state_shapes(self, n_in):
        n, params, _ = super().state_shapes(n_in)
        return n, params, {"running_mean": (n,), "running_var": (n,)}

    def buffers(self):
        if not self.built:
            return {}
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def _batch_statistics(self, x: np.ndarray, centred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and biased variance of each feature over the batch; ``centred`` gets ``x - mean``."""
        n = len(x)
        ones = self._scratch("ones", (n,), x.dtype, fill=1)
        mean = _column_sums(x, ones, self._scratch("mean", (x.shape[1],), x.dtype))
        mean *= 1.0 / n
        np.subtract(x, mean, out=centred)
        var = np.einsum("ij,ij->j", centred, centred, out=self._scratch("var", (x.shape[1],), x.dtype))
        var *= 1.0 / n
        return mean, var

    def _update_running(self, mean: np.ndarray, var: np.ndarray, n: int) -> None:
        if n < 2:
            return
        m = self.momentum
        self.running_mean[...] = (1 - m) * self.running_mean + m * mean
        self.running_var[...] = (1 - m) * self.running_var + m * var * (n / (n - 1))

    def forward(self, x, training=False):
        # xhat = (x - mean) / sqrt(var + eps) per feature; y = xhat g + b
        self._training = training
        xhat = self._xhat = self._scratch("xhat", x.shape, x.dtype)
        if training:
            mean, var = self._batch_statistics(x, xhat)
            self._update_running(mean, var, len(x))
        else:
            var = self.running_var
            np.subtract(x, self.running_mean, out=xhat)
        return self._affine_forward(xhat, np.add(var, self.eps, out=self._scratch("inv", var.shape, x.dtype)))

    def backward(self, grad):
        xhat, n = self._xhat, len(grad)
        ones = self._scratch("ones", (n,), grad.dtype, fill=1)
        dxhat = self._affine_backward(grad, xhat, ones)
        if not self._training:  # the statistics are constants: y is affine in x
            dxhat *= self._inv
            return dxhat
        mean_d = _column_sums(dxhat, ones, self._scratch("mean_d", (grad.shape[1],), grad.dtype))
        mean_d *= 1.0 / n
        mean_dx = np.einsum("ij,ij->j", dxhat, xhat, out=self._scratch("mean_dx", (grad.shape[1],), grad.dtype))
        mean_dx *= 1.0 / n
        return _standardise_backward(dxhat, xhat, self._inv, mean_d, mean_dx,
                                     self._scratch("dx", grad.shape, grad.dtype))

    def tensor_forward(self, h, leaf, training=False):
        if training:
            mean = h.mean(axis=0, keepdims=True)
            centred = h - mean
            var = (centred * centred).mean(axis=0, keepdims=True)
            self._update_running(mean.data[0], var.data[0], len(h.data))
            xhat = centred * (var + self.eps) ** -0.5
        else:
            xhat = (h - self.running_mean) * (1.0 / np.sqrt(self.running_var + self.eps))
        return xhat * leaf(self.params["scale"]) + leaf(self.params["shift"])

    def get_config(self):
        return {"name": self.name, "momentum": self.momentum, "eps": self.eps}
