"""``Dense``: the fully connected layer ``z = x @ W + b``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import initializers
from ..sparse import is_sparse
from ..threads import AVX512_KERNELS, blas_kernels
from .base import LAYERS, Layer, Parameter, assign, set_checked

__all__ = ["Dense"]


def _check_units(units: Any) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise ValueError(f"Dense units must be a positive integer (the number of neurons), got {units!r}")
    return int(units)


#: ``transposed_input_grad`` takes the transposed form up to these batch sizes, for layers
#: whose narrower side has at least this many units (measured: docs/performance.md,
#: "The input gradient at small batches").
TRANSPOSED_DX_RULE = ((32, 128), (64, 512))


def transposed_input_grad(batch: int, n_in: int, units: int, kernels: str | None = "",
                          dtype: Any = np.float32) -> bool:
    """Whether ``Dense.backward`` computes ``dx`` as ``(W dz^T)^T`` instead of ``dz W^T``.

    Both forms are one BLAS product of the same size. OpenBLAS's AVX-512 kernels run the usual
    ``dz @ W.T`` slowly when the batch is small and the layer wide (16 rows, 1024 x 1024: 442 µs
    against 175 µs for ``W @ dz.T`` on two threads; in training, with the ReLU backward that
    reads the result, 1,125 against 906 µs). Its AVX2 ("Haswell") kernels run both forms about
    alike (the transposed one 2 % faster at batch 16, 3-7 % slower at 32-64), and for large
    batches or a narrow side (the 10 outputs of a classifier) the usual form wins everywhere. So
    the transposed form is taken only under AVX-512 kernels, for small batches on wide layers.
    ``kernels`` is the BLAS's kernel family (default: ``threads.blas_kernels()``). Measured for
    float32; in float64 the transposed form gains less below batch 32 and loses at 64, so
    float64 keeps the usual form. The rule depends on shapes, dtype and kernels alone, so a run
    repeats bit for bit.
    """
    if np.dtype(dtype) != np.float32:
        return False
    if kernels == "":
        kernels = blas_kernels()
    if kernels is None or kernels.lower() not in AVX512_KERNELS:
        return False
    narrow = min(n_in, units)
    return any(batch <= max_batch and narrow >= min_units for max_batch, min_units in TRANSPOSED_DX_RULE)


@LAYERS.register("dense", "linear_layer", "fully_connected")
class Dense(Layer):
    """Fully connected layer ``z = x @ W + b`` with ``units`` neurons.

    ``weight`` is shaped ``(n_in, units)``: neuron ``j``'s incoming weights are ``weight[:, j]``
    and its bias ``bias[j]`` (PyTorch's ``Linear.weight`` is the transpose). ``init`` is an
    initialiser (see ``ffnn.initializers``); ``None`` takes the model's. ``bias_init`` is
    ``"zero"`` or ``"same"`` (drawn like the weights); ``None`` asks the initialiser.

    >>> from ffnn import layers as L
    >>> L.Dense(64, init="xavier").get_config()["units"]
    64
    """

    keeps_nonfinite = True
    accepts_sparse = True  # a SciPy sparse batch goes through scipy.sparse's own products

    def __init__(self, units: int, init: Any = None, bias_init: str | None = None) -> None:
        super().__init__()
        self.units = self.n_out = _check_units(units)
        self.init_spec = init  # as given: None means "the model's initialiser"
        self.init = None if init is None else initializers.get(init)
        if bias_init not in (None, "zero", "same"):
            raise ValueError(f"bias_init must be 'zero', 'same' or None, got {bias_init!r}")
        self.bias_init_spec = bias_init
        self.bias_init = bias_init
        self.needs_input_grad = True  # False for a network's first trained layer: nobody needs dL/dx
        self.params = {
            "weight": Parameter(np.zeros((0, self.units)), decay=True),
            "bias": Parameter(np.zeros(self.units)),
        }
        self._x: np.ndarray | None = None

    def use_defaults(self, init: Any, bias_init: str | None) -> None:
        """Take the model's initialiser and bias rule where this layer names none."""
        if bias_init not in (None, "zero", "same"):
            raise ValueError(f"bias init must be 'zero' or 'same', got {bias_init!r}")
        if self.init is None:
            self.init = initializers.get(init if init is not None else "he")
        if self.bias_init is None:
            self.bias_init = bias_init or self.init.bias_default

    def build(self, n_in, dtype):
        self.n_in = int(n_in)
        self.params["weight"] = Parameter(np.zeros((self.n_in, self.units), dtype=dtype), decay=True)
        self.params["bias"] = Parameter(np.zeros(self.units, dtype=dtype))
        return self.n_out

    def state_shapes(self, n_in):
        return self.units, {"weight": (int(n_in), self.units), "bias": (self.units,)}, {}

    def parameters(self):
        return self.params

    def init_parameters(self, rng, dtype):
        self.use_defaults(None, None)
        w = self.init((self.n_in, self.units), rng, dtype)
        b = self.init((1, self.units), rng, dtype)[0] if self.bias_init == "same" else np.zeros(self.units, dtype)
        assign(self.params["weight"], w, dtype)
        assign(self.params["bias"], b, dtype)

    # Per-layer, per-neuron access: weight[:, j] and bias[j] belong to neuron j.
    @property
    def weight(self) -> np.ndarray:
        return self.params["weight"].data

    @weight.setter
    def weight(self, value: np.ndarray) -> None:
        set_checked(self.params["weight"].data, value, "weight")

    @property
    def bias(self) -> np.ndarray:
        return self.params["bias"].data

    @bias.setter
    def bias(self, value: np.ndarray) -> None:
        set_checked(self.params["bias"].data, value, "bias")

    @property
    def grad_weight(self) -> np.ndarray:
        return self.params["weight"].grad

    @property
    def grad_bias(self) -> np.ndarray:
        return self.params["bias"].grad

    def forward(self, x, training=False):
        params = self.params
        w = params["weight"].data
        self._x = x
        if type(x) is not np.ndarray and is_sparse(x):  # a SciPy sparse batch: its own product
            z = np.asarray(x @ w, dtype=w.dtype)
        else:
            z = np.matmul(x, w, out=self._scratch("z", (x.shape[0], self.units), w.dtype))
        np.add(z, params["bias"].data, out=z)
        return z

    def backward(self, grad):
        # dW = x^T dz, db = 1^T dz (the sum over the batch, as a BLAS product: 5x faster than
        # np.sum at batch 32), dx = dz W^T
        weight, x = self.params["weight"], self._x
        if type(x) is not np.ndarray and is_sparse(x):
            np.copyto(weight.grad, x.T @ grad)  # sparse x^T times dense dz: only the non-zeros
        else:
            np.matmul(x.T, grad, out=weight.grad)
        np.matmul(self._scratch("ones", (len(grad),), grad.dtype, fill=1), grad, out=self.params["bias"].grad)
        if not self.needs_input_grad:
            return None
        if transposed_input_grad(len(grad), self.n_in, self.units, dtype=grad.dtype):
            # dx^T = W dz^T, returned as its transpose (a column-major view of dx): the same
            # numbers, 1.2-2.5x faster at small batches on wide layers (see the rule's docstring)
            dx_t = np.matmul(weight.data, grad.T, out=self._scratch("dx_t", (self.n_in, len(grad)), grad.dtype))
            return dx_t.T
        return np.matmul(grad, weight.data.T, out=self._scratch("dx", x.shape, grad.dtype))

    def tensor_forward(self, h, leaf, training=False):
        return h @ leaf(self.params["weight"]) + leaf(self.params["bias"])  # z = x W + b

    def get_config(self):
        init = self.init_spec
        if init is not None and not isinstance(init, (str, dict)):
            init = self.init.get_config()
        return {"name": self.name, "units": self.units, "init": init, "bias_init": self.bias_init_spec}

    def describe(self) -> str:
        return f"Dense({self.n_in if self.n_in is not None else '?'} -> {self.units})"
