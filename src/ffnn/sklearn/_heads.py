"""The output layer per kind of target, and how its numbers relate to scikit-learn's.

scikit-learn's MLP losses are not all ffnn's losses with the same scale:

* log loss with softmax (multiclass): ffnn's categorical cross-entropy, the same numbers;
* binary log loss with a logistic output (binary, multi-label): summed over the ``k`` outputs,
  where ffnn's binary cross-entropy averages over them, so ``k`` times ours;
* squared error: ``0.5 * mean((p - y)^2)``, half ffnn's MSE, but its gradient is taken as
  ``(p - y) / n`` for every output, the gradient of ``0.5 * sum over outputs``: ``k / 2`` times
  ours (scikit-learn's ``loss_`` and its steps disagree by ``k`` with several outputs; we take
  its steps and report its ``loss_``);
* half Poisson deviance with an exponential output: ``ffnn.losses.HalfPoissonLogLink``, on
  the log-mean that the network outputs, the same numbers.

The solvers multiply ffnn's data gradient by ``grad_scale`` and its data loss by
``loss_scale``, which makes every step and every ``loss_`` scikit-learn's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..losses import HalfPoissonLogLink

__all__ = ["Head", "HalfPoissonLogLink", "classifier_head", "regressor_head"]


@dataclass(frozen=True)
class Head:
    """What the output layer computes and how its loss compares with scikit-learn's."""

    activation: str  # ffnn's output activation
    loss: Any  # ffnn's loss: a name or a Loss
    out_activation: str  # scikit-learn's name for it (``out_activation_``)
    loss_scale: float  # scikit-learn's data loss / ffnn's
    grad_scale: float  # scikit-learn's data gradient / ffnn's


def classifier_head(y_type: str, n_outputs: int) -> Head:
    """Softmax for several exclusive classes; logistic units for binary and multi-label."""
    if y_type == "multiclass":
        return Head("softmax", "categorical_crossentropy", "softmax", 1.0, 1.0)
    return Head("sigmoid", "binary_crossentropy", "logistic", float(n_outputs), float(n_outputs))


def regressor_head(loss: str, n_outputs: int) -> Head:
    """Identity output with the squared error, or the log link with the Poisson deviance."""
    if loss == "poisson":
        return Head("linear", HalfPoissonLogLink(), "exp", 1.0, 1.0)
    return Head("linear", "mse", "identity", 0.5, n_outputs / 2.0)
