"""Scores of a model's outputs: what "correct" means (decided by the loss's ``accuracy``
attribute), and the metrics ``fit(metrics=...)`` and ``evaluate`` report, one registry."""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import Configurable, Registry

__all__ = ["accuracy_kind", "count_correct", "Metric", "METRICS", "get", "default_metrics", "predicted_and_true"]


def accuracy_kind(loss: Any, n_outputs: int, labels_given: bool) -> str | None:
    """``"categorical"`` (arg-max), ``"binary"`` (threshold 0.5) or ``None`` (no accuracy).

    Several outputs with class labels, or a loss whose ``accuracy`` is categorical, compare
    arg-maxes; a loss whose ``accuracy`` is binary thresholds each unit at 0.5.
    """
    kind = getattr(loss, "accuracy", None)
    if n_outputs > 1 and (labels_given or kind == "categorical"):
        return "categorical"
    if kind == "binary":
        return "binary"
    return None


def count_correct(output: np.ndarray, Y: np.ndarray, labels: np.ndarray | None, kind: str) -> float:
    """Number of correct predictions in a batch (for ``"binary"``, correct elements / units)."""
    if kind == "categorical":
        truth = labels if labels is not None else Y.argmax(axis=1)
        return float(np.count_nonzero(output.argmax(axis=1) == truth))
    return float(np.count_nonzero((output > 0.5) == (Y > 0.5))) / Y.shape[1]


# ---------------------------------------------------------------------------------- metrics
class Metric(Configurable):
    """A score of outputs against targets: ``metric(output, Y, labels) -> float``.

    ``task`` is ``"classification"`` (outputs read as classes: arg-max, or > 0.5 for one unit)
    or ``"regression"`` (outputs compared as numbers, in the user's units).
    """

    name: str = "metric"
    task: str = "classification"

    def __call__(self, output: np.ndarray, Y: np.ndarray, labels: np.ndarray | None = None) -> float:
        raise NotImplementedError


METRICS: Registry[Metric] = Registry("metric", Metric)


def get(spec: Any) -> Metric:
    """A metric from a name (``"f1"``, ``"mae"``...), an instance or a class."""
    return METRICS.get(spec)


def predicted_and_true(output: np.ndarray, Y: np.ndarray, labels: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Class indices predicted and true: arg-max over units, or threshold 0.5 for one unit."""
    if output.shape[1] == 1:
        return (output[:, 0] > 0.5).astype(np.intp), (Y[:, 0] > 0.5).astype(np.intp)
    truth = labels if labels is not None else Y.argmax(axis=1)
    return output.argmax(axis=1), truth


def _per_class_counts(output, Y, labels):
    pred, truth = predicted_and_true(output, Y, labels)
    k = max(output.shape[1], 2)
    tp = np.bincount(truth[pred == truth], minlength=k).astype(np.float64)
    predicted = np.bincount(pred, minlength=k).astype(np.float64)
    actual = np.bincount(truth, minlength=k).astype(np.float64)
    return tp, predicted, actual


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b with 0 where b is 0 (scikit-learn's zero_division=0)."""
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


@METRICS.register("accuracy", "acc")
class Accuracy(Metric):
    """The share of rows whose predicted class is the true one."""

    def __call__(self, output, Y, labels=None):
        pred, truth = predicted_and_true(output, Y, labels)
        return float(np.mean(pred == truth))


@METRICS.register("precision", "precision_macro")
class Precision(Metric):
    """Macro precision: the mean over classes of TP / (TP + FP) (0 for a class never predicted)."""

    def __call__(self, output, Y, labels=None):
        tp, predicted, _ = _per_class_counts(output, Y, labels)
        return float(np.mean(_ratio(tp, predicted)))


@METRICS.register("recall", "recall_macro")
class Recall(Metric):
    """Macro recall: the mean over classes of TP / (TP + FN) (0 for a class absent from the data)."""

    def __call__(self, output, Y, labels=None):
        tp, _, actual = _per_class_counts(output, Y, labels)
        return float(np.mean(_ratio(tp, actual)))


@METRICS.register("f1", "f1_macro")
class F1(Metric):
    """Macro F1: the mean over classes of 2 TP / (2 TP + FP + FN), as scikit-learn's ``f1_score(average="macro")``."""

    def __call__(self, output, Y, labels=None):
        tp, predicted, actual = _per_class_counts(output, Y, labels)
        return float(np.mean(_ratio(2 * tp, predicted + actual)))


@METRICS.register("mae", "mean_absolute_error")
class MeanAbsoluteError(Metric):
    """Mean over all elements of ``|output - y|``."""

    task = "regression"

    def __call__(self, output, Y, labels=None):
        return float(np.mean(np.abs(output.astype(np.float64) - Y)))


@METRICS.register("rmse", "root_mean_squared_error")
class RootMeanSquaredError(Metric):
    """Square root of the mean over all elements of ``(output - y)^2``."""

    task = "regression"

    def __call__(self, output, Y, labels=None):
        d = output.astype(np.float64) - Y
        return float(np.sqrt(np.mean(d * d)))


@METRICS.register("r2", "r_squared", "r2_score")
class RSquared(Metric):
    """Coefficient of determination ``1 - SS_res / SS_tot`` per output, averaged over outputs
    (scikit-learn's ``r2_score``; a constant target scores 1 if predicted exactly, else 0)."""

    task = "regression"

    def __call__(self, output, Y, labels=None):
        Y64 = np.asarray(Y, dtype=np.float64)
        ss_res = np.sum((Y64 - output) ** 2, axis=0)
        ss_tot = np.sum((Y64 - Y64.mean(axis=0)) ** 2, axis=0)
        scores = np.where(ss_tot > 0, 1 - _ratio(ss_res, ss_tot), np.where(ss_res == 0, 1.0, 0.0))
        return float(np.mean(scores))


def default_metrics(kind: str | None) -> list[str]:
    """What ``evaluate`` reports besides the loss: accuracy for classes, MAE/RMSE/R² otherwise."""
    return ["accuracy"] if kind is not None else ["mae", "rmse", "r2"]
