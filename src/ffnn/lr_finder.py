"""The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural
Networks", section 3.3; the form fastai popularised): train for ``steps`` batches while the
learning rate rises exponentially from ``start`` to ``end``, record the loss of each batch, and
stop once the smoothed loss exceeds ``diverge`` times its best. The model is put back as it was:
parameters and buffers (a ``Normalization`` adapted for the test is un-adapted again), gradients,
optimiser, target coding, generator state.

The suggestions, each with its rule:

* ``steepest``: where the smoothed loss falls fastest against log10(rate), before its minimum
  (the middle of the useful range);
* ``conservative``: the rate at the smoothed minimum divided by ``CONSERVATIVE_FACTOR`` (10), a
  rate that still descends but stays clear of where the loss turns up;
* ``suggestion``: the smaller of the two, so a long run at that rate neither stalls nor diverges.

This module does not import ``ffnn.model``: ``FFNN.lr_find`` calls ``lr_find(model, ...)``.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import optimizers as _optimizers
from .fitting import prepare_for
from .threads import blas_threads, choose_threads
from .validation import check_positive_int

__all__ = ["LRFinderResult", "lr_find", "suggest", "CONSERVATIVE_FACTOR", "RULE"]

CONSERVATIVE_FACTOR = 10.0
RULE = ("the smaller of (a) the rate where the smoothed loss falls fastest against log10(rate), before its "
        f"minimum, and (b) the rate at the smoothed loss's minimum divided by {CONSERVATIVE_FACTOR:g}")


@dataclass
class LRFinderResult:
    """What the range test saw: one entry per batch (``learning_rates``, raw ``losses``,
    bias-corrected exponential moving average ``smoothed``) and the suggestions (see the module
    docstring; ``None`` when the test saw too few batches)."""

    learning_rates: list[float]
    losses: list[float]
    smoothed: list[float]
    suggestion: float | None
    steepest: float | None
    conservative: float | None
    minimum: float | None  # the rate at the smoothed loss's minimum
    rule: str = RULE
    stopped_early: bool = False  # the loss diverged before ``end``
    settings: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-serialisable)."""
        return asdict(self)

    def __repr__(self) -> str:
        s = "n/a" if self.suggestion is None else f"{self.suggestion:.3g}"
        return (f"LRFinderResult(suggestion={s}, {len(self.learning_rates)} batches from "
                f"{self.learning_rates[0]:.3g} to {self.learning_rates[-1]:.3g}"
                f"{', stopped when the loss diverged' if self.stopped_early else ''})")


def _check_rates(start: Any, end: Any) -> tuple[float, float]:
    try:
        lo, hi = float(start), float(end)
    except (TypeError, ValueError):
        raise TypeError(f"start and end must be numbers, got {start!r} and {end!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo < hi):
        raise ValueError(f"the rates must satisfy 0 < start < end (finite), got start={start!r}, end={end!r}")
    return lo, hi


def _check_settings(start, end, steps, batch_size, smoothing, diverge) -> tuple[float, float, int, int]:
    lo, hi = _check_rates(start, end)
    steps, batch_size = check_positive_int("steps", steps), check_positive_int("batch_size", batch_size)
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (a range needs two rates), got {steps}")
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing must lie in [0, 1), got {smoothing!r}")
    if not diverge > 1:
        raise ValueError(f"diverge must be a factor above 1, got {diverge!r}")
    return lo, hi, steps, batch_size


def _fresh_optimizer(spec: Any, rate: float) -> _optimizers.Optimizer:
    """A new optimiser of the kind asked for (its state starts empty): plain SGD by default."""
    if spec is None:
        spec = "sgd"
    if isinstance(spec, _optimizers.Optimizer):
        spec = spec.get_config()
    if isinstance(spec, dict):
        spec = {**spec, "learning_rate": rate}
    return _optimizers.build(spec, rate)


def lr_find(model: Any, X: Any, y: Any, *, start: float = 1e-7, end: float = 10.0, steps: int = 100,
            batch_size: int = 32, optimizer: Any = None, smoothing: float = 0.9, diverge: float = 4.0,
            sample_weight: Any = None) -> LRFinderResult:
    """Run the range test on ``model`` with ``(X, y)`` and restore the model; see the module docstring.

    ``optimizer``: the kind to test (``"sgd"``, ``"momentum"``, ``"adam"``, a config or an
    ``Optimizer``, whose state is not used); default plain SGD. ``smoothing``: the moving
    average's factor β (loss_avg = β loss_avg + (1 - β) loss, divided by 1 - β^t); its memory of
    1 / (1 - β) = 10 batches is under one decade of rates at the default 100 steps over eight
    decades (fastai's 0.98 remembers 50 batches, four decades, and lags the curve).
    ``diverge``: stop once the smoothed loss exceeds this many times its best.

    >>> import ffnn, numpy as np
    >>> X = np.random.default_rng(0).normal(size=(256, 4)); y = (X[:, 0] > 0).astype(int)
    >>> model = ffnn.FFNN([4, 8, 2], ["relu", "softmax"], "cce", seed=0)
    >>> result = model.lr_find(X, y, steps=40)
    >>> result.suggestion > 0
    True
    """
    lo, hi, steps, batch_size = _check_settings(start, end, steps, batch_size, smoothing, diverge)
    began = time.perf_counter()
    net = model.network
    saved = (model.get_params(), net.flat_grads.copy(), copy.deepcopy(model.targets),
             copy.deepcopy(model.rng.bit_generator.state))
    try:
        data = prepare_for(model, X, y, sample_weight=sample_weight, learn=True)
        net.adapt(data.X)
        opt = _fresh_optimizer(optimizer, lo)
        opt.bind(net.flat_params, net.flat_grads)
        rates = lo * (hi / lo) ** (np.arange(steps) / (steps - 1))
        with blas_threads(choose_threads(batch_size, net.dense_widths)):
            seen, raw, smooth, stopped = _sweep(model, data, opt, rates, batch_size, smoothing, diverge)
    finally:
        params, grads, targets, rng_state = saved
        model.set_params(params)
        net.flat_grads[...] = grads
        model.targets = targets
        model.rng.bit_generator.state = rng_state  # a Normalization's buffers came back too: fit adapts it again
    steepest, minimum = suggest(seen, smooth)
    conservative = None if minimum is None else minimum / CONSERVATIVE_FACTOR
    choices = [v for v in (steepest, conservative) if v is not None]
    settings = {"start": lo, "end": hi, "steps": steps, "batch_size": batch_size, "smoothing": smoothing,
                "diverge": diverge, "optimizer": opt.get_config(), "n_samples": len(data.Y)}
    return LRFinderResult(seen, raw, smooth, min(choices) if choices else None, steepest, conservative, minimum,
                          stopped_early=stopped, settings=settings, seconds=time.perf_counter() - began)


def _sweep(model, data, opt, rates, batch_size, smoothing, diverge):
    """One batch per rate; returns (rates seen, raw losses, smoothed losses, stopped early)."""
    n = len(data.Y)
    order = model.rng.permutation(n)
    cursor, avg, best = 0, 0.0, math.inf
    seen, raw, smooth = [], [], []
    for i, rate in enumerate(rates):
        if cursor + batch_size > n:  # a new pass over the data
            order, cursor = model.rng.permutation(n), 0
        idx = order[cursor : cursor + batch_size]
        cursor += batch_size
        opt.learning_rate = float(rate)
        with np.errstate(over="ignore", invalid="ignore"):
            loss, _ = model.objective.loss_and_gradients(
                data.X[idx], data.Y[idx], None if data.weights is None else data.weights[idx])
        if not math.isfinite(loss):
            return seen, raw, smooth, True
        with np.errstate(over="ignore", invalid="ignore"):
            opt.step()
        avg = smoothing * avg + (1 - smoothing) * loss
        value = avg / (1 - smoothing ** (i + 1))  # bias-corrected, as in Adam
        seen.append(float(rate))
        raw.append(float(loss))
        smooth.append(float(value))
        if value > diverge * best:
            return seen, raw, smooth, True
        best = min(best, value)
    return seen, raw, smooth, False


def suggest(rates: list[float], smooth: list[float]) -> tuple[float | None, float | None]:
    """``(steepest, rate at the minimum)`` of the smoothed curve; ``None`` with under 5 points."""
    if len(rates) < 5:
        return None, None
    s = np.asarray(smooth)
    skip = len(s) // 10  # the first points carry the average's start-up (its first value is one batch's loss)
    lowest = skip + int(np.argmin(s[skip:]))
    minimum = rates[lowest]
    if lowest - skip < 2:
        return None, minimum
    slope = np.gradient(s[: lowest + 1], np.log10(rates[: lowest + 1]))
    steepest = rates[skip + int(np.argmin(slope[skip:]))]
    return steepest, minimum
