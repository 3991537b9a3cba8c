"""Is a label column classes or a quantity? ``choose_task`` decides, and says why in one line.

The rule never turns a real-valued target into hundreds of classes:

* text labels (``setosa``, ``yes``/``no``) are classes;
* several label columns are regression targets (multi-target regression);
* numbers with a fraction (``0.5``) are a quantity: regression;
* whole numbers (``1, 2, 3``; ``151.0`` counts as whole) are classes when there are at most
  ``MAX_AUTO_CLASSES`` distinct values, a quantity otherwise (the diabetes target has 214).

``task="classify"`` or ``"regress"`` overrides the guess (``ffnn train --task``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TASKS", "MAX_AUTO_CLASSES", "TaskChoice", "choose_task"]

TASKS = ("classify", "regress")
MAX_AUTO_CLASSES = 20  # more distinct whole numbers than this are taken for a quantity


@dataclass(frozen=True)
class TaskChoice:
    """``task`` is ``"classify"`` or ``"regress"``; ``reason`` says why, for one line of output."""

    task: str
    reason: str

    def describe(self) -> str:
        kind = "classification" if self.task == "classify" else "regression"
        return f"task: {kind} ({self.reason})"


def _shown(values: np.ndarray, limit: int = 5) -> str:
    items = [str(v) for v in values[:limit].tolist()]
    return ", ".join(items) + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def choose_task(y: Any, task: str | None = None) -> TaskChoice:
    """The task for labels ``y`` (1-D, or 2-D with one column per target), and why.

    >>> choose_task(np.array(["a", "b", "a"])).describe()
    'task: classification (labels are text: a, b)'
    >>> choose_task(np.array([151.0, 75.0, 141.0] * 10 + list(range(30)))).task
    'regress'
    """
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)} (or None to choose), got {task!r}")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        if task == "classify":
            raise ValueError(f"{y.shape[1]} label columns can only be regression targets; give one label "
                             "column to classify")
        return TaskChoice("regress", f"{y.shape[1]} label columns: one output per column")
    y = y.reshape(-1)
    if y.dtype.kind in "OUSb":
        if task == "regress":
            example = next((v for v in y.tolist() if _number(v) is None), y[0] if y.size else "")
            raise ValueError(f"labels are not numbers (e.g. {str(example)!r}); regression needs numbers: "
                             "drop --task regress or pick a numeric label column")
        kind = "true/false" if y.dtype.kind == "b" else "text"
        return TaskChoice("classify", f"labels are {kind}: {_shown(np.unique(y))}")
    values = np.unique(y)
    whole = bool(np.all(np.mod(values, 1) == 0))
    if task == "classify":
        return TaskChoice("classify", f"as asked: {len(values)} classes {_shown(values)}")
    if task == "regress":
        return TaskChoice("regress", f"as asked: {len(values)} distinct values")
    if not whole:
        return TaskChoice("regress", f"labels have fractions, e.g. {_fraction(values)}; "
                                     "--task classify to treat them as classes")
    if len(values) > MAX_AUTO_CLASSES:
        return TaskChoice("regress", f"{len(values)} distinct whole numbers, more than {MAX_AUTO_CLASSES}: "
                                     "a quantity, not classes; --task classify to override")
    return TaskChoice("classify", f"{len(values)} distinct whole-number labels: {_shown(values)}; "
                                  "--task regress to predict them as numbers")


def _fraction(values: np.ndarray) -> str:
    return str(values[np.flatnonzero(np.mod(values, 1) != 0)[0]].item())


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
