"""``FFNNClassifier``: ``MLPClassifier``'s interface and numbers, on an ffnn network."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted

from ._base import FFNNBase, validate_data
from ._heads import Head, classifier_head
from ._params import CONSTRAINTS, store

__all__ = ["FFNNClassifier"]

_BALANCED_PARTIAL_FIT = (
    "class_weight 'balanced' is not supported for partial_fit. In order to use 'balanced' weights, use "
    "compute_class_weight('balanced', classes=classes, y=y). In place of y you can use a large enough sample of "
    "the full training set target to properly estimate the class frequency distributions. Pass the resulting "
    "weights as the class_weight parameter."
)


def _first_partial_fit_call(clf: Any, classes: Any) -> bool:
    """scikit-learn's first-call rule for ``partial_fit``: ``classes`` is required then, and
    must not change later. Sets ``classes_`` on the first call."""
    if getattr(clf, "classes_", None) is None and classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")
    if classes is not None:
        if getattr(clf, "classes_", None) is not None:
            if not np.array_equal(clf.classes_, unique_labels(classes)):
                raise ValueError(f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                                 f"was: {clf.classes_!r}")
        else:
            clf.classes_ = unique_labels(classes)
            return True
    return False


class FFNNClassifier(ClassifierMixin, FFNNBase):
    """A feedforward network classifier: a drop-in ``MLPClassifier``.

    Every ``MLPClassifier`` parameter, with its name, default and meaning (``solver="lbfgs"``,
    ``learning_rate`` schedules, ``sample_weight``, multi-label ``y``, sparse ``X``...); with
    ``init="sklearn"`` (the default) and the same ``random_state`` it draws scikit-learn's
    starting weights and shuffles, so float64 runs give ``MLPClassifier``'s numbers. Beyond it:
    ``class_weight`` (``dict`` or ``"balanced"``, as ``LogisticRegression``), one activation per
    hidden layer, ``dropout``, ``batchnorm``, ``rmsnorm``, ``regularization="l1"``, ffnn
    initialisers and schedules, ``dtype``; the network is ``model_`` (for ``ffnn.viz``). See
    ``docs/sklearn.md`` for the parameter-by-parameter table.

    >>> from ffnn.sklearn import FFNNClassifier
    >>> clf = FFNNClassifier(hidden_layer_sizes=(32,), max_iter=50, random_state=0)
    """

    loss = "log_loss"  # MLPClassifier's attribute (not a parameter)
    _parameter_constraints: dict = {**CONSTRAINTS, "class_weight": [dict, StrOptions({"balanced"}), None]}

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, max_fun=15000, class_weight=None, init="sklearn", dropout=0.0,
                 batchnorm=False, rmsnorm=False, regularization="l2", lr_schedule=None, dtype=None):
        store(self, locals())

    # ------------------------------------------------------------------ targets
    def _validate_input(self, X, y, incremental: bool, reset: bool):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError("warm_start can only be used where `y` has the same classes as in the previous "
                                     f"call to fit. Previously got {self.classes_}, `y` has {classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                                 f"'y' has {classes}.")
        return X, self._label_binarizer.transform(y).astype(bool)

    def _make_head(self, n_outputs: int) -> Head:
        return classifier_head(self._label_binarizer.y_type_, n_outputs)

    def _row_weights(self, sw, Y, incremental):
        """``sample_weight`` times ``class_weight`` per row (``LogisticRegression``'s rule)."""
        if self.class_weight is None:
            return sw
        if self._label_binarizer.y_type_.startswith("multilabel"):
            raise ValueError("class_weight is not supported for multi-label y; pass sample_weight instead")
        if self.class_weight == "balanced" and incremental:
            raise ValueError(_BALANCED_PARTIAL_FIT)
        index = Y[:, 0].astype(np.intp) if Y.shape[1] == 1 else Y.argmax(axis=1)
        classes = self.classes_
        per_class = compute_class_weight(self.class_weight, classes=classes, y=classes[index])
        rows = per_class[index]
        return rows if sw is None else sw * rows

    def _stratify_split(self) -> bool:
        return self.n_outputs_ == 1  # as scikit-learn: only single-output y is stratified

    def _validation_targets(self, Y_val: np.ndarray) -> np.ndarray:
        return self._label_binarizer.inverse_transform(Y_val)

    def _validation_score(self, X_val, y_val, sw_val) -> float:
        y_pred = self._labels(self._forward(X_val, check_input=False))
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return accuracy_score(y_val, y_pred, sample_weight=sw_val)

    # ------------------------------------------------------------------ training on
    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over ``(X, y)``, continuing the weights and the optimiser's state.

        ``classes`` (every label that will ever appear) is required on the first call.
        """
        self._validate_params()
        if _first_partial_fit_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y if type_of_target(y).startswith("multilabel") else classes)
        return self._fit(X, y, sample_weight, incremental=True)

    # ------------------------------------------------------------------ predicting
    def _labels(self, output: np.ndarray) -> np.ndarray:
        return self._label_binarizer.inverse_transform(output.ravel() if self.n_outputs_ == 1 else output)

    def predict(self, X):
        """The predicted classes: labels from ``classes_``, or an indicator matrix (multi-label)."""
        check_is_fitted(self)
        return self._labels(self._forward(X))

    def predict_proba(self, X):
        """Probabilities ``(n_samples, n_classes)``, columns in ``classes_`` order (multi-label:
        one independent probability per label)."""
        check_is_fitted(self)
        p = self._forward(X)
        return np.hstack([1 - p, p]) if self.n_outputs_ == 1 else p

    def predict_log_proba(self, X):
        """``log(predict_proba(X))`` (``-inf`` where a probability is 0)."""
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags
