"""Optimisers: update the parameters from their gradients and keep their own state.

An optimiser is bound to the network's two flat buffers (every parameter and every gradient
as one vector each, see ``Sequential``), so one step is a few vector operations however many
layers there are. Its state (velocities, moments) lives here, never in a layer: one
preallocated vector per state, the same length as the parameters, so "per parameter" state is
simply the matching slice.

Update conventions (``g`` the gradient, ``lr`` the learning rate, ``t`` the step count):

* ``SGD``: ``w -= lr * g``.
* ``Momentum``, ``convention="pytorch"`` (as ``torch.optim.SGD(momentum=mu, nesterov=...)``,
  dampening 0): ``b = mu * b + g``; ``w -= lr * b``, or with Nesterov ``w -= lr * (g + mu * b)``.
  ``convention="sklearn"`` (as scikit-learn's ``SGDOptimizer``): ``v = mu * v - lr * g``;
  ``w += v``, or with Nesterov ``w += mu * v - lr * g``. With a constant learning rate the two
  are the same update (``v = -lr * b`` by induction); they differ only once ``lr`` changes,
  because scikit-learn's velocity keeps the old rates inside it.
* ``Adam``, ``convention="pytorch"`` (``torch.optim.Adam``): ``m = b1 m + (1 - b1) g``,
  ``v = b2 v + (1 - b2) g^2``, ``w -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)``.
  ``convention="sklearn"`` (scikit-learn's ``AdamOptimizer``, Kingma & Ba's "eps-hat" form):
  ``w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``. They differ only in where
  ``eps`` sits (scikit-learn's is ``sqrt(1 - b2^t)`` times smaller in effect).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .registry import Configurable, Registry
from .validation import check_positive_float

__all__ = ["OPTIMIZERS", "Optimizer", "SGD", "Momentum", "Adam", "build", "get"]

_CONVENTIONS = ("pytorch", "sklearn")

#: An update works through the flat buffers one slice of this many bytes at a time (see
#: ``Optimizer.step``): 128 Ki float32 or 64 Ki float64 values. The slices of every vector an
#: update touches then stay in the cache between its passes; 128-256 Ki float32 values were
#: the fastest of 32 Ki to 256 Ki measured (docs/performance.md, "The update in slices").
UPDATE_SLICE_BYTES = 1 << 19


class Optimizer(Configurable):
    """Base class. Call ``bind(params, grads)`` once, then ``step()`` after each backward.

    Subclasses name their state vectors in ``state_names``; ``bind`` allocates them (zeros) or
    keeps the ones already there, so the same object continues across several ``fit`` calls
    and after ``load_state_dict``. Binding to a *different* parameter buffer starts afresh.
    """

    name: str = "optimizer"
    state_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float = 0.01) -> None:
        self.learning_rate = check_positive_float("learning_rate", learning_rate)
        self.params: np.ndarray | None = None
        self.grads: np.ndarray | None = None
        self.iterations = 0
        self._state: dict[str, np.ndarray] = {}

    def bind(self, params: np.ndarray, grads: np.ndarray) -> None:
        """Attach to the flat parameter and gradient buffers and allocate state for them."""
        if self.params is not None and self.params is not params:  # another network: start afresh
            self._state, self.iterations = {}, 0
        self.params, self.grads = params, grads
        # One slice's worth of scratch (see ``step``), not a second copy of every parameter.
        self._chunk = max(1, UPDATE_SLICE_BYTES // params.itemsize)
        self._scratch = np.empty(min(params.size, self._chunk), dtype=params.dtype)
        for key in self.state_names:
            old = self._state.get(key)
            if old is None:
                self._state[key] = np.zeros_like(params)
            elif old.shape != params.shape:
                raise ValueError(
                    f"{type(self).__name__} state {key!r} has shape {old.shape} but the network has "
                    f"{params.size} parameters; use a new optimiser for a different network"
                )
            else:
                self._state[key] = np.ascontiguousarray(old, dtype=params.dtype)

    def step(self) -> None:
        """Update ``params`` in place from ``grads``: ``iterations`` goes up by one, then
        ``update`` runs on one cache-sized slice of every vector at a time.

        Why slices: an update is several elementwise passes (SGD two, Adam about a dozen). Over
        whole vectors of millions of parameters every pass streams them from main memory again;
        over a slice of ``UPDATE_SLICE_BYTES`` the later passes find it in the cache (measured
        in training, docs/performance.md: Adam -28 %, SGD -21 % at 4 M parameters). Each
        element's arithmetic is the same, so the result is bit for bit the whole-vector one; a
        network smaller than one slice runs a single ``update``.
        """
        self.iterations += 1
        scalars = self.step_scalars()
        params, grads, scratch, chunk = self.params, self.grads, self._scratch, self._chunk
        states = [self._state[key] for key in self.state_names]
        n = params.size
        if n <= chunk:
            self.update(params, grads, scratch, *states, **scalars)
            return
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            self.update(params[start:stop], grads[start:stop], scratch[: stop - start],
                        *(state[start:stop] for state in states), **scalars)

    def step_scalars(self) -> dict[str, float]:
        """The numbers this step's ``update`` uses (after ``iterations`` went up), computed once
        per step rather than once per slice."""
        return {"lr": self.learning_rate}

    def update(self, p: np.ndarray, g: np.ndarray, s: np.ndarray, *state: np.ndarray, **scalars: float) -> None:
        """Update the slice ``p`` in place from its gradient ``g``; ``s`` is scratch of the same
        length, ``state`` the matching slices of the state vectors (``state_names`` order)."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, np.ndarray]:
        """Arrays of the optimiser's state (copies), to be saved with the model."""
        state = {"iterations": np.asarray(self.iterations)}
        state.update({k: v.copy() for k, v in self._state.items()})
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore what ``state_dict`` returned; into the bound buffers when bound."""
        unknown = sorted(set(state) - {"iterations", *self.state_names})
        if unknown:
            raise ValueError(
                f"unknown {type(self).__name__} state key(s) {unknown}; expected "
                f"{['iterations', *self.state_names]}"
            )
        iterations = np.asarray(state.get("iterations", 0))
        if iterations.shape != () or iterations.dtype.kind not in "iu" or int(iterations) < 0:
            raise ValueError(f"optimizer state 'iterations' must be an integer >= 0, got {state.get('iterations')!r}")
        for key in self.state_names:
            if key not in state:
                continue
            arr = np.asarray(state[key])
            if arr.dtype.kind not in "fiu" or not np.all(np.isfinite(arr)):
                raise ValueError(f"optimizer state {key!r} must hold finite numbers")
            if self.params is not None:
                if arr.shape != self.params.shape:
                    raise ValueError(f"state {key!r} must have shape {self.params.shape}, got {arr.shape}")
                self._state[key][...] = arr
            else:
                self._state[key] = np.array(arr)
        self.iterations = int(state.get("iterations", 0))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "learning_rate": self.learning_rate}


OPTIMIZERS: Registry[Optimizer] = Registry("optimizer", Optimizer)


def build(spec: Any, learning_rate: float) -> Optimizer:
    """The optimiser ``fit`` uses: an ``Optimizer`` as it is (its state continues), or a name or
    config dict built with ``learning_rate`` unless the dict sets its own."""
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, dict):
        return get({"learning_rate": learning_rate, **spec})
    return get(spec, learning_rate=learning_rate)


def get(spec: Any, **kwargs: Any) -> Optimizer:
    """Return an optimiser from a name (``"sgd"``...), an instance, a class or a config dict."""
    return OPTIMIZERS.get(spec, **kwargs)


def _check_fraction(name: str, value: Any, allow_zero: bool = True) -> float:
    """A number in [0, 1) (or (0, 1) when ``allow_zero`` is False)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1), got {type(value).__name__} {value!r}")
    lo_ok = value >= 0 if allow_zero else value > 0
    if not (lo_ok and value < 1):
        raise ValueError(f"{name} must lie in {'[' if allow_zero else '('}0, 1), got {value}")
    return float(value)


def _check_convention(convention: Any) -> str:
    if convention not in _CONVENTIONS:
        raise ValueError(f"convention must be one of {_CONVENTIONS}, got {convention!r}")
    return convention


@OPTIMIZERS.register("sgd", "gd", "gradient_descent")
class SGD(Optimizer):
    """Plain gradient descent: ``w <- w - learning_rate * dL/dw``. Nothing else."""

    def update(self, p, g, s, *, lr):
        np.multiply(g, lr, out=s)
        p -= s


@OPTIMIZERS.register("momentum", "sgd_momentum", "nesterov")
class Momentum(Optimizer):
    """Gradient descent with (heavy-ball or Nesterov) momentum; see the module docstring.

    >>> opt = Momentum(learning_rate=0.1, momentum=0.9, nesterov=True)
    """

    state_names = ("velocity",)

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.9,
        nesterov: bool = False,
        convention: str = "pytorch",
    ) -> None:
        super().__init__(learning_rate)
        self.momentum = _check_fraction("momentum", momentum)
        self.nesterov = bool(nesterov)
        self.convention = _check_convention(convention)

    def step_scalars(self) -> dict[str, float]:
        return {"lr": self.learning_rate, "mu": self.momentum}

    def update(self, p, g, s, v, *, lr, mu):
        if self.convention == "pytorch":
            v *= mu
            v += g  # b = mu b + g
            if self.nesterov:
                np.multiply(v, mu, out=s)
                s += g  # g + mu b
                s *= lr
            else:
                np.multiply(v, lr, out=s)
            p -= s
        else:
            np.multiply(g, lr, out=s)  # lr g
            v *= mu
            v -= s  # v = mu v - lr g
            if self.nesterov:
                p -= s
                np.multiply(v, mu, out=s)
                p += s  # w += mu v - lr g
            else:
                p += v

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov,
                "convention": self.convention}


@OPTIMIZERS.register("adam")
class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction; see the module docstring.

    >>> opt = Adam(learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
    """

    state_names = ("m", "v")

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        convention: str = "pytorch",
    ) -> None:
        super().__init__(learning_rate)
        self.beta1 = _check_fraction("beta1", beta1)
        self.beta2 = _check_fraction("beta2", beta2)
        self.eps = check_positive_float("eps", eps)
        self.convention = _check_convention(convention)

    def step_scalars(self) -> dict[str, float]:
        b1, b2, t = self.beta1, self.beta2, self.iterations
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        if self.convention == "pytorch":  # w -= lr / bc1 * m / (sqrt(v / bc2) + eps)
            return {"b1": b1, "b2": b2, "v_scale": math.sqrt(bc2), "step_size": self.learning_rate / bc1}
        # scikit-learn: w -= lr * sqrt(bc2) / bc1 * m / (sqrt(v) + eps_hat)
        return {"b1": b1, "b2": b2, "v_scale": None, "step_size": self.learning_rate * math.sqrt(bc2) / bc1}

    def update(self, p, g, s, m, v, *, b1, b2, v_scale, step_size):
        np.multiply(g, 1 - b1, out=s)
        m *= b1
        m += s  # m = b1 m + (1 - b1) g
        np.multiply(g, g, out=s)
        s *= 1 - b2
        v *= b2
        v += s  # v = b2 v + (1 - b2) g^2
        np.sqrt(v, out=s)
        if v_scale is not None:
            s /= v_scale  # sqrt(v / bc2)
        s += self.eps
        np.divide(m, s, out=s)
        s *= step_size
        p -= s

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps,
                "convention": self.convention}
