"""Layers: ``Dense``, ``ActivationLayer`` and ``RMSNorm``, each with forward and backward.

Conventions:

* Inputs are batches shaped ``(n, features)``. A dense layer computes ``z = x @ W + b`` with
  ``W`` shaped ``(n_in, n_out)``: neuron ``j``'s incoming weights are ``W[:, j]``, its bias
  ``b[j]``.
* ``backward(grad_out)`` receives ``dL/d(output)``, *sets* the gradients of the layer's
  parameters for this batch (it does not accumulate across calls) and returns
  ``dL/d(input)``.
* A ``Parameter`` holds an array and its gradient. The network may re-home both into one flat
  buffer (see ``Sequential``), so always update them in place (``p.data[...] = v``).
* Layers reuse their output buffers between batches of the same size: what ``forward``
  returns is valid until the next ``forward`` of the same batch size. ``FFNN.predict`` copies.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import activations as _activations
from .activations import Activation

__all__ = ["Parameter", "Layer", "Dense", "ActivationLayer", "RMSNorm"]


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


class _BufferCache:
    """Keeps one output array per (slot, shape) so that training does not allocate."""

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
    """Base class of every layer."""

    def __init__(self) -> None:
        self._buffers = _BufferCache()

    def parameters(self) -> dict[str, Parameter]:
        """This layer's parameters by local name (``"weight"``, ``"bias"``...), in order."""
        return {}

    def init_parameters(self, rng: np.random.Generator, dtype: Any) -> None:
        """(Re)draw the parameters. Layers without parameters do nothing."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _buffer(self, slot: str, shape: tuple[int, ...], dtype: Any, fill: float | None = None) -> np.ndarray:
        return self._buffers.get(slot, shape, dtype, fill)

    def get_config(self) -> dict[str, Any]:
        return {"type": type(self).__name__}


class Dense(Layer):
    """Fully connected layer ``z = x @ W + b``.

    Parameters
    ----------
    n_in, n_out:
        Numbers of input and output neurons.
    init:
        An initialiser (see ``ffnn.initializers``) for the weights.
    bias_init:
        ``"zero"`` or ``"same"`` (draw biases with ``init`` too); ``None`` asks the initialiser.
    needs_input_grad:
        ``False`` for the first layer of a network: nobody needs ``dL/dx`` there, so backward
        skips that matrix product.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        init: Any = "he",
        bias_init: str | None = None,
        needs_input_grad: bool = True,
    ) -> None:
        super().__init__()
        from . import initializers

        self.n_in, self.n_out = int(n_in), int(n_out)
        self.init = initializers.get(init)
        self.bias_init = bias_init or self.init.bias_default
        if self.bias_init not in ("zero", "same"):
            raise ValueError(f"bias init must be 'zero' or 'same', got {self.bias_init!r}")
        self.needs_input_grad = needs_input_grad
        self.params = {
            "weight": Parameter(np.zeros((self.n_in, self.n_out)), decay=True),
            "bias": Parameter(np.zeros(self.n_out)),
        }
        self._x: np.ndarray | None = None

    def parameters(self):
        return self.params

    def init_parameters(self, rng, dtype):
        w = self.init((self.n_in, self.n_out), rng, dtype)
        if self.bias_init == "same":
            b = self.init((1, self.n_out), rng, dtype)[0]
        else:
            b = np.zeros(self.n_out, dtype=dtype)
        _assign(self.params["weight"], w, dtype)
        _assign(self.params["bias"], b, dtype)

    # Per-layer, per-neuron access: weight[:, j] and bias[j] belong to neuron j.
    @property
    def weight(self) -> np.ndarray:
        return self.params["weight"].data

    @weight.setter
    def weight(self, value: np.ndarray) -> None:
        _set_checked(self.params["weight"], value, "weight")

    @property
    def bias(self) -> np.ndarray:
        return self.params["bias"].data

    @bias.setter
    def bias(self, value: np.ndarray) -> None:
        _set_checked(self.params["bias"], value, "bias")

    @property
    def grad_weight(self) -> np.ndarray:
        return self.params["weight"].grad

    @property
    def grad_bias(self) -> np.ndarray:
        return self.params["bias"].grad

    def forward(self, x):
        params = self.params
        w = params["weight"].data
        self._x = x
        z = np.matmul(x, w, out=self._buffer("z", (x.shape[0], self.n_out), w.dtype))
        np.add(z, params["bias"].data, out=z)
        return z

    def backward(self, grad):
        # dW = x^T dz, db = 1^T dz (the sum over the batch, as a BLAS product: 5x faster than
        # np.sum at batch 32), dx = dz W^T
        weight, x = self.params["weight"], self._x
        np.matmul(x.T, grad, out=weight.grad)
        np.matmul(self._buffer("ones", (len(grad),), grad.dtype, fill=1), grad, out=self.params["bias"].grad)
        if not self.needs_input_grad:
            return None
        return np.matmul(grad, weight.data.T, out=self._buffer("dx", x.shape, grad.dtype))

    def get_config(self):
        return {
            "type": "Dense",
            "n_in": self.n_in,
            "n_out": self.n_out,
            "init": self.init.get_config(),
            "bias_init": self.bias_init,
        }

    def __repr__(self) -> str:
        return f"Dense({self.n_in} -> {self.n_out})"


class ActivationLayer(Layer):
    """Applies an activation function element- or row-wise; holds no parameters."""

    def __init__(self, activation: Any) -> None:
        super().__init__()
        self.activation: Activation = _activations.get(activation)
        self._z: np.ndarray | None = None
        self._a: np.ndarray | None = None

    def forward(self, z):
        a = self._buffer("a", z.shape, z.dtype)
        self._z, self._a = z, self.activation.forward(z, out=a)
        return self._a

    def backward(self, grad):
        dz = self._buffer("dz", grad.shape, grad.dtype)
        return self.activation.backward(self._z, self._a, grad, out=dz)

    def get_config(self):
        return {"type": "Activation", "activation": self.activation.get_config()}

    def __repr__(self) -> str:
        return f"Activation({self.activation!r})"


class RMSNorm(Layer):
    """Root-mean-square normalisation over the features of each row.

    ``y = x / sqrt(mean(x^2) + eps) * g`` with a learnable scale ``g`` that starts at ones.
    """

    def __init__(self, n_features: int, eps: float = 1e-6) -> None:
        super().__init__()
        if not eps > 0:
            raise ValueError(f"RMSNorm eps must be positive, got {eps}")
        self.n_features, self.eps = int(n_features), float(eps)
        self.params = {"scale": Parameter(np.ones(self.n_features))}

    def parameters(self):
        return self.params

    def init_parameters(self, rng, dtype):
        _assign(self.params["scale"], np.ones(self.n_features, dtype=dtype), dtype)

    @property
    def scale(self) -> np.ndarray:
        return self.params["scale"].data

    @property
    def grad_scale(self) -> np.ndarray:
        return self.params["scale"].grad

    def forward(self, x):
        # r = 1 / sqrt(mean(x^2) + eps), xhat = x r, y = xhat g; every array a reused buffer
        r = self._r = self._buffer("r", (len(x), 1), x.dtype)
        np.einsum("ij,ij->i", x, x, out=r[:, 0])
        np.divide(r, x.shape[1], out=r)
        r += self.eps
        np.sqrt(r, out=r)
        np.reciprocal(r, out=r)
        self._xhat = np.multiply(x, r, out=self._buffer("xhat", x.shape, x.dtype))
        return np.multiply(self._xhat, self.scale, out=self._buffer("y", x.shape, x.dtype))

    def backward(self, grad):
        xhat, r = self._xhat, self._r
        np.einsum("ij,ij->j", grad, xhat, out=self.params["scale"].grad)  # dg = sum dy xhat
        dxhat = np.multiply(grad, self.scale, out=self._buffer("dxhat", grad.shape, grad.dtype))
        # dx = r (dxhat - xhat mean(dxhat xhat))
        proj = self._buffer("proj", r.shape, r.dtype)
        np.einsum("ij,ij->i", dxhat, xhat, out=proj[:, 0])
        np.divide(proj, xhat.shape[1], out=proj)
        dx = self._buffer("dx", grad.shape, grad.dtype)
        np.multiply(xhat, proj, out=dx)
        np.subtract(dxhat, dx, out=dx)
        dx *= r
        return dx

    def get_config(self):
        return {"type": "RMSNorm", "n_features": self.n_features, "eps": self.eps}

    def __repr__(self) -> str:
        return f"RMSNorm({self.n_features}, eps={self.eps})"


def _assign(param: Parameter, value: np.ndarray, dtype: Any) -> None:
    """Put ``value`` into ``param``, in place when it already has that shape and dtype."""
    if param.data.shape == value.shape and param.data.dtype == np.dtype(dtype):
        param.data[...] = value
    else:
        param.data = np.ascontiguousarray(value, dtype=dtype)
        param.grad = np.zeros_like(param.data)


def _set_checked(param: Parameter, value: Any, what: str) -> None:
    arr = np.asarray(value)
    if arr.shape != param.data.shape:
        raise ValueError(f"{what} must have shape {param.data.shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} contains NaN or inf")
    param.data[...] = arr
