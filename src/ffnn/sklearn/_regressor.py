"""``FFNNRegressor``: ``MLPRegressor``'s interface and numbers, on an ffnn network."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._base import FFNNBase, validate_data
from ._heads import Head, regressor_head
from ._params import CONSTRAINTS, store

__all__ = ["FFNNRegressor"]


class FFNNRegressor(RegressorMixin, FFNNBase):
    """A feedforward network regressor: a drop-in ``MLPRegressor``.

    ``loss="squared_error"`` (identity output, scikit-learn's half squared error) or
    ``"poisson"`` (exponential output, half Poisson deviance; the network outputs the log-mean
    and ``predict`` its exponential). ``y`` shaped ``(n, k)`` gives ``k`` outputs. Every other
    parameter as ``FFNNClassifier`` (``class_weight`` aside); see ``docs/sklearn.md``.

    >>> from ffnn.sklearn import FFNNRegressor
    >>> reg = FFNNRegressor(hidden_layer_sizes=(32,), max_iter=50, random_state=0)
    """

    _parameter_constraints: dict = {**CONSTRAINTS, "loss": [StrOptions({"squared_error", "poisson"})]}

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000, init="sklearn", dropout=0.0,
                 batchnorm=False, rmsnorm=False, regularization="l2", lr_schedule=None, dtype=None):
        store(self, locals())

    def _validate_input(self, X, y, incremental: bool, reset: bool):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True, y_numeric=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("Some value(s) of y are negative which is not allowed for Poisson regression.")
        return X, y.reshape(len(y), -1)

    def _make_head(self, n_outputs: int) -> Head:
        return regressor_head(self.loss, n_outputs)

    def _stratify_split(self) -> bool:
        return False

    def _validation_targets(self, Y_val: np.ndarray) -> np.ndarray:
        return Y_val.ravel() if Y_val.shape[1] == 1 else Y_val

    def _validation_score(self, X_val, y_val, sw_val) -> float:
        y_pred = self._response(self._forward(X_val, check_input=False))
        if not np.isfinite(y_pred).all():
            return np.nan
        return r2_score(y_val, y_pred, sample_weight=sw_val)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over ``(X, y)``, continuing the weights and the optimiser's state."""
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=True)

    def _response(self, output: np.ndarray) -> np.ndarray:
        if self.out_activation_ == "exp":  # the network outputs log(mu)
            with np.errstate(over="ignore"):
                np.exp(output, out=output)
        return output.ravel() if output.shape[1] == 1 else output

    def predict(self, X):
        """Predicted targets: ``(n_samples,)``, or ``(n_samples, n_outputs)`` for several outputs."""
        check_is_fitted(self)
        return self._response(self._forward(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags
