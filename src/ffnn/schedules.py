"""Learning-rate schedules: the learning rate of each epoch from the base rate.

The training loop asks the schedule once per epoch (never per batch, so the hot loop is
untouched) and sets ``optimizer.learning_rate`` before the epoch starts; after training the
optimiser's rate is put back to its base value. Epochs count from 0. The closed forms match
PyTorch's ``StepLR``, ``ExponentialLR`` and ``CosineAnnealingLR`` (within ``t_max``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from .registry import Configurable, Registry
from .validation import check_positive_float, check_positive_int

__all__ = ["SCHEDULES", "Schedule", "Constant", "StepDecay", "ExponentialDecay", "CosineDecay", "get"]


class Schedule(Configurable):
    """Base class: ``schedule(epoch, base_lr, total_epochs) -> learning rate``."""

    name: str = "schedule"

    def __call__(self, epoch: int, base_lr: float, total_epochs: int) -> float:
        raise NotImplementedError


SCHEDULES: Registry[Schedule] = Registry("learning-rate schedule", Schedule)


def get(spec: Any, **kwargs: Any) -> Schedule:
    """A schedule from a name (``"cosine"``...), an instance, a class or a config dict."""
    return SCHEDULES.get(spec, **kwargs)


def _check_gamma(gamma: Any) -> float:
    gamma = check_positive_float("gamma", gamma)
    if gamma > 1:
        raise ValueError(f"gamma is the decay factor and must lie in (0, 1], got {gamma}")
    return gamma


@SCHEDULES.register("constant")
class Constant(Schedule):
    """``lr = base_lr`` every epoch."""

    def __call__(self, epoch: int, base_lr: float, total_epochs: int) -> float:
        return base_lr


@SCHEDULES.register("step", "step_decay")
class StepDecay(Schedule):
    """``lr = base_lr * gamma ** (epoch // step_size)``: multiply by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, step_size: int = 10, gamma: float = 0.1) -> None:
        self.step_size = check_positive_int("step_size", step_size)
        self.gamma = _check_gamma(gamma)

    def __call__(self, epoch: int, base_lr: float, total_epochs: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "step_size": self.step_size, "gamma": self.gamma}


@SCHEDULES.register("exponential", "exponential_decay", "exp")
class ExponentialDecay(Schedule):
    """``lr = base_lr * gamma ** epoch``."""

    def __init__(self, gamma: float = 0.95) -> None:
        self.gamma = _check_gamma(gamma)

    def __call__(self, epoch: int, base_lr: float, total_epochs: int) -> float:
        return base_lr * self.gamma**epoch

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "gamma": self.gamma}


@SCHEDULES.register("cosine", "cosine_decay", "cosine_annealing")
class CosineDecay(Schedule):
    """``lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * epoch / t_max)) / 2``, then ``min_lr``.

    ``t_max=None`` uses the number of epochs of the ``fit`` call (so the rate reaches
    ``min_lr`` just after the last epoch). Past ``t_max`` the rate stays at ``min_lr``.
    """

    def __init__(self, t_max: int | None = None, min_lr: float = 0.0) -> None:
        self.t_max = None if t_max is None else check_positive_int("t_max", t_max)
        if isinstance(min_lr, bool) or not isinstance(min_lr, numbers.Real) or not min_lr >= 0:
            raise ValueError(f"min_lr must be a number >= 0, got {min_lr!r}")
        self.min_lr = float(min_lr)

    def __call__(self, epoch: int, base_lr: float, total_epochs: int) -> float:
        t_max = self.t_max or total_epochs
        frac = min(epoch, t_max) / t_max
        return self.min_lr + (base_lr - self.min_lr) * 0.5 * (1 + math.cos(math.pi * frac))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "t_max": self.t_max, "min_lr": self.min_lr}
