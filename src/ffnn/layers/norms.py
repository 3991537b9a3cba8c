"""Normalisation layers with learnt scale: ``RMSNorm``, ``LayerNorm`` and ``BatchNorm``.

Names follow PyTorch where it has the layer: ``scale`` is γ (PyTorch's ``weight``), ``shift``
is β (PyTorch's ``bias``); the forward variance is the biased one (divide by n).
"""

from __future__ import annotations

from typing import Any

import numpy as np

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


def _normalise_backward(dxhat: np.ndarray, xhat: np.ndarray, inv_std: np.ndarray, axis: int) -> np.ndarray:
    """``dL/dx`` of ``xhat = (x - mean) * inv_std`` with mean and variance taken along ``axis``.

    ``dx = inv_std * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))``, means along ``axis``.
    """
    mean_d = dxhat.mean(axis=axis, keepdims=True)
    mean_dx = (dxhat * xhat).mean(axis=axis, keepdims=True)
    return inv_std * (dxhat - mean_d - xhat * mean_dx)


@LAYERS.register("layer_norm", "layernorm")
class LayerNorm(_ScaleShift):
    """Normalises each row over its features: ``y = (x - mean) / sqrt(var + eps) * scale + shift``.

    PyTorch: ``torch.nn.LayerNorm(n, eps)`` (``weight`` = ``scale``, ``bias`` = ``shift``).
    """

    def __init__(self, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = _check_eps(eps, "LayerNorm")

    def forward(self, x, training=False):
        centred = x - x.mean(axis=1, keepdims=True)
        var = np.mean(centred * centred, axis=1, keepdims=True)  # biased, as PyTorch
        self._inv = 1.0 / np.sqrt(var + self.eps)
        self._xhat = centred * self._inv
        return self._xhat * self.scale + self.shift

    def backward(self, grad):
        xhat = self._xhat
        self.params["scale"].grad[...] = np.sum(grad * xhat, axis=0)  # dscale = sum dy xhat
        self.params["shift"].grad[...] = np.sum(grad, axis=0)  # dshift = sum dy
        return _normalise_backward(grad * self.scale, xhat, self._inv, axis=1)

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

    def _batch_statistics(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = x.mean(axis=0)
        centred = x - mean
        return mean, np.mean(centred * centred, axis=0)

    def _update_running(self, mean: np.ndarray, var: np.ndarray, n: int) -> None:
        if n < 2:
            return
        m = self.momentum
        self.running_mean[...] = (1 - m) * self.running_mean + m * mean
        self.running_var[...] = (1 - m) * self.running_var + m * var * (n / (n - 1))

    def forward(self, x, training=False):
        self._training = training
        if training:
            mean, var = self._batch_statistics(x)
            self._update_running(mean, var, len(x))
        else:
            mean, var = self.running_mean, self.running_var
        self._inv = 1.0 / np.sqrt(var + self.eps)
        self._xhat = (x - mean) * self._inv
        return self._xhat * self.scale + self.shift

    def backward(self, grad):
        xhat = self._xhat
        self.params["scale"].grad[...] = np.sum(grad * xhat, axis=0)  # dscale = sum dy xhat
        self.params["shift"].grad[...] = np.sum(grad, axis=0)  # dshift = sum dy
        dxhat = grad * self.scale
        if not self._training:  # the statistics are constants: y is affine in x
            return dxhat * self._inv
        return _normalise_backward(dxhat, xhat, self._inv, axis=0)

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
