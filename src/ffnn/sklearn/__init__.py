"""scikit-learn estimators: ``FFNNClassifier`` and ``FFNNRegressor``, drop-ins for
``MLPClassifier`` and ``MLPRegressor``.

The same parameters, defaults, attributes, messages and numbers (float64, same
``random_state``): SGD, Adam and L-BFGS, the learning-rate schedules, ``sample_weight``,
multi-label and multi-output targets, sparse ``X``, ``warm_start`` and ``partial_fit``; plus
what scikit-learn's MLP does not have (``class_weight``, per-layer activations, dropout, batch
normalisation, ffnn's initialisers). See ``docs/sklearn.md``.

This package is the only place that imports scikit-learn; ``import ffnn`` does not load it.

Modules: ``_params`` (parameters and their checks), ``_heads`` (output layers and loss scales),
``_solvers`` (SGD/Adam loop and L-BFGS), ``_weights`` (``coefs_`` views, sample weights),
``_base`` (what both share), ``_classifier``, ``_regressor``.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator

from ._classifier import FFNNClassifier
from ._regressor import FFNNRegressor

__all__ = ["FFNNClassifier", "FFNNRegressor", "expected_failed_checks"]


def expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """scikit-learn estimator checks these estimators cannot pass, with the reason (for
    ``parametrize_with_checks(..., expected_failed_checks=...)``; see ``docs/sklearn.md``)."""
    return {}
