"""The estimators' parameters: scikit-learn's constraints (the same error messages as
``MLPClassifier``'s, through scikit-learn's own validation), plus ffnn's extensions."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Hidden, Interval, Options, StrOptions

from ..activations import ACTIVATIONS

__all__ = ["CONSTRAINTS", "STOCHASTIC_SOLVERS", "store"]

STOCHASTIC_SOLVERS = ("sgd", "adam", "momentum")  # "momentum": an older ffnn name for "sgd"

_ACTIVATION_NAMES = set(ACTIVATIONS.names()) | set(ACTIVATIONS.aliases())

CONSTRAINTS: dict[str, Any] = {
    # MLPClassifier's and MLPRegressor's, as scikit-learn states them
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(_ACTIVATION_NAMES), list, tuple],
    "solver": [StrOptions({"lbfgs", "sgd", "adam"}), Hidden(StrOptions({"momentum"}))],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "power_t": [Interval(Real, 0, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "random_state": ["random_state"],
    "tol": [Interval(Real, 0, None, closed="left")],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "beta_1": [Interval(Real, 0, 1, closed="left")],
    "beta_2": [Interval(Real, 0, 1, closed="left")],
    "epsilon": [Interval(Real, 0, None, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
    "max_fun": [Interval(Integral, 1, None, closed="left")],
    # ffnn's extensions
    "init": "no_validation",  # an ffnn initialiser: checked by ffnn.initializers.get
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "batchnorm": ["boolean"],
    "rmsnorm": ["boolean"],
    "regularization": [StrOptions({"l1", "l2"}), None],
    "lr_schedule": "no_validation",  # an ffnn schedule: checked by ffnn.schedules.get
    "dtype": [StrOptions({"float32", "float64"}), None],
}


def store(estimator: Any, params: dict[str, Any]) -> None:
    """Set every constructor argument as an attribute, unchanged (scikit-learn's rule: the
    constructor only stores). ``params`` is the constructor's ``locals()``."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)
