"""scikit-learn estimators: ``FFNNClassifier`` and ``FFNNRegressor``.

They follow ``MLPClassifier`` / ``MLPRegressor``: the same parameter names where the idea is the
same, the same defaults, and the same update rules (the optimisers run with
``convention="sklearn"``, see ``ffnn.optimizers``), so ``FFNNClassifier(solver="sgd",
momentum=0.9, nesterovs_momentum=True)`` takes the steps ``MLPClassifier`` would take from the
same weights. They extend it with an activation per hidden layer, the weight initialisation,
RMSNorm, L1 as well as L2, learning-rate schedules and the dtype. See ``docs/sklearn.md``.

This is the only module that imports scikit-learn; ``import ffnn`` does not load it.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state

from . import optimizers as _optimizers
from .callbacks import Callback, EarlyStopping
from .model import FFNN
from .optimizers import SGD, Adam, Momentum, Optimizer

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn

    def _validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)


__all__ = ["FFNNClassifier", "FFNNRegressor"]

_SOLVERS = ("sgd", "momentum", "adam")
_REGULARIZATIONS = (None, "l1", "l2")


class _ValidationR2(Callback):
    """Adds ``val_score`` (R², as ``MLPRegressor`` monitors) to each epoch's logs."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y = X, y

    def on_train_begin(self, model: FFNN) -> None:
        self.model = model

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        pred = self.model.predict(self.X)
        logs["val_score"] = float(r2_score(self.y, pred.ravel() if self.y.ndim == 1 else pred))


class _FFNNBase(BaseEstimator):
    """What the classifier and the regressor share: building, optimiser, training loop."""

    _loss_scale = 1.0  # our loss / scikit-learn's loss (2 for MSE, which has no 1/2 here)

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate_init=0.001,
        lr_schedule=None,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        init="xavier",
        rmsnorm=False,
        regularization="l2",
        dtype="float64",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.lr_schedule = lr_schedule
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.init = init
        self.rmsnorm = rmsnorm
        self.regularization = regularization
        self.dtype = dtype

    # ------------------------------------------------------------------ learned views
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices ``(n_in, n_out)`` per layer, as ``MLPClassifier.coefs_`` (copies)."""
        check_is_fitted(self, "model_")
        return [layer.weight.copy() for layer in self.model_.layers]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        check_is_fitted(self, "model_")
        return [layer.bias.copy() for layer in self.model_.layers]

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        """Pickle the network as data (config, named arrays, generator and optimiser state),
        not as live buffers: the copy rebuilds fresh, writable buffers (even when the arrays
        come back as read-only memory maps, as joblib gives them)."""
        state = dict(super().__getstate__())  # object.__getstate__ returns __dict__ itself
        model = state.pop("model_", None)
        if model is not None:
            opt = state.pop("_optimizer")
            state["_model_state"] = {
                "config": model.get_config(), "params": dict(model.get_params()),
                "rng": model.rng.bit_generator.state,
                "optimizer": (opt.get_config(), opt.state_dict()),
            }
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        data = state.pop("_model_state", None)
        super().__setstate__(state)
        if data is not None:
            model = FFNN.from_config(data["config"])
            model.set_params({k: np.array(v) for k, v in data["params"].items()})
            model.rng.bit_generator.state = data["rng"]
            config, opt_state = data["optimizer"]
            opt = _optimizers.get(config)
            opt.bind(model.network.flat_params, model.network.flat_grads)
            opt.load_state_dict({k: np.array(v) for k, v in opt_state.items()})
            model.optimizer, model.history = opt, getattr(self, "history_", None)
            self.model_, self._optimizer = model, opt

    # ------------------------------------------------------------------ checks and building
    def _hidden(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else list(sizes)
        if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must hold positive integers, got {self.hidden_layer_sizes!r}")
        return [int(s) for s in sizes]

    def _hidden_activations(self, n_hidden: int) -> list[Any]:
        act = self.activation
        if isinstance(act, (list, tuple)):
            if len(act) != n_hidden:
                raise ValueError(
                    f"activation lists one activation per hidden layer: got {len(act)} for "
                    f"hidden_layer_sizes={self.hidden_layer_sizes!r} ({n_hidden} hidden layers)"
                )
            return list(act)
        return [act] * n_hidden

    def _check_settings(self) -> None:
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {_SOLVERS}, got {self.solver!r}")
        if self.regularization not in _REGULARIZATIONS:
            raise ValueError(f"regularization must be one of {_REGULARIZATIONS}, got {self.regularization!r}")
        for name in ("alpha", "tol"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        for name in ("max_iter", "n_iter_no_change"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.early_stopping and not 0 < self.validation_fraction < 1:
            raise ValueError(f"validation_fraction must lie in (0, 1), got {self.validation_fraction!r}")

    def _batch(self, n_samples: int) -> int:
        if self.batch_size == "auto":
            return min(200, n_samples)
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, numbers.Integral) or self.batch_size < 1:
            raise ValueError(f"batch_size must be 'auto' or a positive integer, got {self.batch_size!r}")
        if self.batch_size > n_samples:
            warnings.warn(f"batch_size={self.batch_size} is larger than the {n_samples} samples; "
                          f"using {n_samples}", stacklevel=3)
        return min(int(self.batch_size), n_samples)

    def _build(self, n_features: int, n_outputs: int, output: str, loss: str, batch_size: int, seed: int) -> FFNN:
        hidden = self._hidden()
        # alpha is scikit-learn's penalty 0.5 * alpha * ||W||^2 / n_batch on *its* loss scale;
        # FFNN's l2 is 0.5 * reg_lambda * ||W||^2 per batch on ours (l1: reg_lambda * sum |w|).
        reg = self.regularization if self.alpha > 0 else None
        reg_lambda = self._loss_scale * self.alpha / batch_size if reg else 0.0
        return FFNN(
            [n_features, *hidden, n_outputs],
            [*self._hidden_activations(len(hidden)), output],
            loss, init=self.init, seed=seed, rmsnorm=self.rmsnorm,
            regularization=reg, reg_lambda=reg_lambda, dtype=self.dtype,
        )

    def _make_optimizer(self) -> Optimizer:
        lr = self.learning_rate_init
        if self.solver == "adam":
            return Adam(lr, self.beta_1, self.beta_2, self.epsilon, convention="sklearn")
        if self.momentum == 0:
            return SGD(lr)
        return Momentum(lr, self.momentum, self.nesterovs_momentum, convention="sklearn")

    # ------------------------------------------------------------------ training
    def _fit(self, X: np.ndarray, y: np.ndarray, incremental: bool, classes: Any = None) -> _FFNNBase:
        self._check_settings()
        first = not hasattr(self, "model_") or not (incremental or self.warm_start)
        Y, n_out, output, loss = self._targets(y, first, classes)
        if first:
            self._random_state = check_random_state(self.random_state)
        rs = self._random_state
        validation, callbacks, stopper = None, [], None
        if self.early_stopping and not incremental:
            stratify = y if isinstance(self, ClassifierMixin) else None
            X, X_val, Y, Y_val, _, y_val = train_test_split(
                X, Y, y, test_size=self.validation_fraction,
                random_state=rs.randint(np.iinfo(np.int32).max), stratify=stratify)
            if len(X_val) < 2:
                raise ValueError("the validation set is too small; increase validation_fraction or "
                                 "the number of samples")
            validation = (X_val, Y_val)
            if isinstance(self, ClassifierMixin):
                monitor = "val_accuracy"  # the accuracy MLPClassifier monitors
            else:
                callbacks, monitor = [_ValidationR2(X_val, y_val)], "val_score"
            # MLPClassifier stops after n_iter_no_change + 1 epochs without a gain of tol
            stopper = EarlyStopping(monitor, self.n_iter_no_change + 1, self.tol, True, "max")
        elif not incremental:  # MLPClassifier's rule without early stopping: the training loss stalls
            stopper = EarlyStopping("loss", self.n_iter_no_change + 1, self.tol, False, "min")
        batch_size = self._batch(len(X))
        if first:
            seed = int(rs.randint(np.iinfo(np.int32).max))
            self.model_ = self._build(X.shape[1], n_out, output, loss, batch_size, seed)
            self.n_iter_, self.t_, self.loss_curve_ = 0, 0, []
            self.validation_scores_ = [] if self.early_stopping and not incremental else None
        if first or not incremental:  # as MLPClassifier: partial_fit alone continues the optimiser
            self._optimizer = self._make_optimizer()
        history = self.model_.fit(
            X, Y, epochs=1 if incremental else self.max_iter, batch_size=batch_size,
            optimizer=self._optimizer, shuffle=bool(self.shuffle), verbose=int(bool(self.verbose)),
            validation_data=validation, callbacks=callbacks, early_stopping=stopper,
            lr_schedule=self.lr_schedule, initial_epoch=self.n_iter_,
        )
        self._record(history, len(X), stopper, incremental)
        return self

    def _record(self, history, n_samples: int, stopper: EarlyStopping | None, incremental: bool) -> None:
        epochs = len(history.epoch)
        self.history_ = history
        self.n_iter_ += epochs
        self.t_ += epochs * n_samples
        self.loss_curve_.extend(history.history["loss"])
        self.best_loss_ = None if self.early_stopping else min(self.loss_curve_)
        if stopper is not None and stopper.monitor.startswith("val_"):
            self.validation_scores_ = self.validation_scores_ or []
            self.validation_scores_.extend(history.history[stopper.monitor])
            self.best_validation_score_ = max(self.validation_scores_)
        if not incremental and stopper is not None and stopper.stopped_epoch is None:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)

    def fit(self, X, y):
        """Train from scratch (or on, with ``warm_start``) for up to ``max_iter`` epochs."""
        X, y = self._validate(X, y, reset=not (self.warm_start and hasattr(self, "model_")))
        return self._fit(X, y, incremental=False)

    def _validate(self, X, y, reset: bool):
        return _validate_data(
            self, X, y, reset=reset, dtype=(np.float64, np.float32), y_numeric=not isinstance(self, ClassifierMixin),
            multi_output=not isinstance(self, ClassifierMixin),
        )

    def _forward(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = _validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self.model_.predict(X)


class FFNNClassifier(ClassifierMixin, _FFNNBase):
    """A feedforward network classifier with ``MLPClassifier``'s interface.

    Two classes: one sigmoid output unit and binary cross-entropy (as ``MLPClassifier``); more:
    softmax and categorical cross-entropy. Labels may be of any type (``classes_`` keeps them,
    sorted). See ``_FFNNBase``'s parameters in ``docs/sklearn.md``.

    >>> from ffnn.sklearn import FFNNClassifier
    >>> clf = FFNNClassifier(hidden_layer_sizes=(32,), max_iter=50, random_state=0)
    """

    def _targets(self, y: np.ndarray, first: bool, classes: Any = None):
        if first:
            check_classification_targets(y if classes is None else classes)
            found = np.unique(y if classes is None else classes)
            if len(found) < 2:
                raise ValueError(f"FFNNClassifier needs samples of at least 2 classes; got 1 class ({found[0]!r})")
            self.classes_ = found
        idx = np.searchsorted(self.classes_, y).clip(0, len(self.classes_) - 1)
        if not np.array_equal(self.classes_[idx], y):
            unseen = sorted(set(np.asarray(y).tolist()) - set(self.classes_.tolist()))
            raise ValueError(f"y contains labels {unseen} not in classes_ {self.classes_.tolist()}")
        if len(self.classes_) == 2:  # one sigmoid unit, as MLPClassifier
            return idx.astype(np.float64).reshape(-1, 1), 1, "sigmoid", "binary_crossentropy"
        return idx, len(self.classes_), "softmax", "categorical_crossentropy"

    def partial_fit(self, X, y, classes=None):
        """One epoch over ``(X, y)``, continuing the weights and the optimiser's state.

        ``classes`` (every label that will ever appear) is required on the first call.
        """
        first = not hasattr(self, "model_")
        X, y = self._validate(X, y, reset=first)
        if first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit")
        if not first and classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes {list(classes)} differ from the classes_ of the first call "
                             f"{self.classes_.tolist()}")
        return self._fit(X, y, incremental=True, classes=classes)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities ``(n_samples, n_classes)``, columns in ``classes_`` order."""
        p = self._forward(X)
        return np.hstack([1 - p, p]) if p.shape[1] == 1 else p

    def predict_log_proba(self, X) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        """The most probable class per sample (labels from ``classes_``)."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


class FFNNRegressor(RegressorMixin, _FFNNBase):
    """A feedforward network regressor with ``MLPRegressor``'s interface.

    Linear output units and the mean squared error (no factor 1/2, unlike ``MLPRegressor``:
    ``loss_curve_`` is twice scikit-learn's, and ``alpha`` is doubled inside so the penalised
    objective has the same minimum). Several outputs: pass ``y`` shaped ``(n, k)``.

    >>> from ffnn.sklearn import FFNNRegressor
    >>> reg = FFNNRegressor(hidden_layer_sizes=(32,), max_iter=50, random_state=0)
    """

    _loss_scale = 2.0

    def _targets(self, y: np.ndarray, first: bool, classes: Any = None):
        Y = np.asarray(y, dtype=np.float64)
        Y = Y.reshape(len(Y), -1)
        if not first and Y.shape[1] != self.model_.layer_sizes[-1]:
            raise ValueError(f"y has {Y.shape[1]} outputs but the model was fitted with "
                             f"{self.model_.layer_sizes[-1]}")
        return Y, Y.shape[1], "linear", "mse"

    def partial_fit(self, X, y):
        """One epoch over ``(X, y)``, continuing the weights and the optimiser's state."""
        X, y = self._validate(X, y, reset=not hasattr(self, "model_"))
        return self._fit(X, y, incremental=True)

    def predict(self, X) -> np.ndarray:
        p = self._forward(X)
        return p.ravel() if p.shape[1] == 1 else p

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multioutput": True}


def expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """scikit-learn estimator checks these estimators cannot pass, with the reason (for
    ``parametrize_with_checks(..., expected_failed_checks=...)``; see ``docs/sklearn.md``)."""
    return {}
