"""What ``FFNNClassifier`` and ``FFNNRegressor`` share: checking, building the network,
``fit`` / ``partial_fit`` bookkeeping (scikit-learn's ``warm_start`` and first-call rules), the
learned views ``coefs_`` / ``intercepts_``, and pickling."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .. import layers as _layers
from .. import optimizers as _optimizers
from ..inference import predict as _predict
from ..initializers import SklearnGlorot
from ..model import FFNN
from ..sparse import as_csr, is_sparse
from ..training import History
from ._params import CONSTRAINTS, STOCHASTIC_SOLVERS
from ._solvers import batch_size, fit_lbfgs, fit_stochastic, snapshot
from ._weights import LayerArrays, check_sample_weight, write_layer_arrays

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data
except ImportError:  # pragma: no cover - older scikit-learn

    def validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)


__all__ = ["FFNNBase", "validate_data"]

_NON_FINITE = ("Solver produced non-finite parameter weights. The input data may contain large values and "
               "need to be preprocessed.")


class FFNNBase(BaseEstimator):
    """The shared machinery; subclasses define ``__init__`` (every parameter, stored as given),
    ``_validate_input``, ``_make_head``, ``_validation_targets`` and ``_validation_score``."""

    _parameter_constraints: dict = CONSTRAINTS

    # ------------------------------------------------------------------ learned views
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices ``(n_in, n_out)`` per layer: live views, editable and settable."""
        if "model_" in vars(self):
            return LayerArrays(self.model_.layers, "weight", "coefs_")
        if "_coefs" in vars(self):
            return self._coefs  # set before any fit: the starting weights of the next one
        raise AttributeError(f"{type(self).__name__} has no coefs_ before it is fitted")

    @coefs_.setter
    def coefs_(self, value: Any) -> None:
        if "model_" in vars(self):
            write_layer_arrays(self.model_.layers, "weight", value, "coefs_")
        else:
            self._coefs = list(value)

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors per layer: live views, editable and settable."""
        if "model_" in vars(self):
            return LayerArrays(self.model_.layers, "bias", "intercepts_")
        if "_intercepts" in vars(self):
            return self._intercepts
        raise AttributeError(f"{type(self).__name__} has no intercepts_ before it is fitted")

    @intercepts_.setter
    def intercepts_(self, value: Any) -> None:
        if "model_" in vars(self):
            write_layer_arrays(self.model_.layers, "bias", value, "intercepts_")
        else:
            self._intercepts = list(value)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        """Pickle the network as data (config, named arrays, generator and optimiser state),
        not as live buffers: the copy rebuilds fresh, writable buffers (even when the arrays
        come back as read-only memory maps, as joblib gives them)."""
        state = dict(super().__getstate__())
        model = state.pop("model_", None)
        if model is not None:
            opt = state.pop("_optimizer", None)
            state["_model_state"] = {
                "config": model.get_config(), "params": dict(model.get_params()),
                "rng": model.rng.bit_generator.state,
                "optimizer": None if opt is None else (opt.get_config(), opt.state_dict()),
            }
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        data = state.pop("_model_state", None)
        super().__setstate__(state)
        if data is not None:
            model = FFNN.from_config(data["config"])
            model.set_params({k: np.array(v) for k, v in data["params"].items()})
            model.rng.bit_generator.state = data["rng"]
            model.history = getattr(self, "history_", None)
            self.model_ = model
            if data["optimizer"] is not None:
                config, opt_state = data["optimizer"]
                momentum = config.get("momentum")
                opt = _optimizers.get({**config, "momentum": 0.0} if momentum == 1 else config)
                if momentum is not None:
                    opt.momentum = momentum  # scikit-learn's momentum=1 (see _solvers.make_optimizer)
                opt.bind(model.network.flat_params, model.network.flat_grads)
                opt.load_state_dict({k: np.array(v) for k, v in opt_state.items()})
                model.optimizer = self._optimizer = opt

    # ------------------------------------------------------------------ checks
    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        if np.any(np.array(sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        if any(isinstance(s, bool) or not isinstance(s, numbers.Integral) for s in sizes):
            raise ValueError(f"hidden_layer_sizes must hold positive integers, got {sizes}.")
        return [int(s) for s in sizes]

    def _hidden_activations(self, n_hidden: int) -> list[Any]:
        act = self.activation
        if isinstance(act, (list, tuple)):
            if len(act) != n_hidden:
                raise ValueError(f"activation lists one activation per hidden layer: got {len(act)} for "
                                 f"hidden_layer_sizes={self.hidden_layer_sizes!r} ({n_hidden} hidden layers)")
            return list(act)
        return [act] * n_hidden

    def _stochastic(self) -> bool:
        return self.solver in STOCHASTIC_SOLVERS

    def _check_solver(self) -> bool:
        """``partial_fit`` exists only for the stochastic solvers (as in scikit-learn)."""
        if not self._stochastic():
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. {self.solver} is "
                                 "not stochastic.")
        return True

    def _has_weights(self) -> bool:
        return "model_" in vars(self) or ("_coefs" in vars(self) and "_intercepts" in vars(self))

    # ------------------------------------------------------------------ building
    def _init_spec(self) -> Any:
        if self.init != "sklearn":
            return self.init
        acts = self.activation if isinstance(self.activation, (list, tuple)) else [self.activation]
        logistic = bool(acts) and all(a in ("logistic", "sigmoid") for a in acts)
        return {"name": "sklearn", "factor": 2.0 if logistic else 6.0}  # scikit-learn's Glorot factor

    def _layer_stack(self, hidden: list[int], acts: list[Any], n_outputs: int) -> list[Any]:
        stack: list[Any] = []
        for units, act in zip(hidden, acts):
            stack.append(_layers.Dense(units))
            if self.batchnorm:
                stack.append(_layers.BatchNorm())
            if self.rmsnorm:
                stack.append(_layers.RMSNorm())
            stack.append(_layers.Activation(act))
            if self.dropout:
                stack.append(_layers.Dropout(self.dropout))
        return [*stack, _layers.Dense(n_outputs), _layers.Activation(self._head.activation)]

    def _build(self, n_features: int, hidden: list[int], n_outputs: int, dtype: Any, n_samples: int) -> FFNN:
        """The network, its starting weights drawn from ``_random_state`` as scikit-learn draws them."""
        rs, head = self._random_state, self._head
        acts = self._hidden_activations(len(hidden))
        reg = self.regularization if self.alpha > 0 else None
        size = n_samples if not self._stochastic() else batch_size(self.batch_size, n_samples, warn=False)
        common = dict(init=self._init_spec(), seed=int(rs.randint(np.iinfo(np.int32).max)) if self.dropout else 0,
                      regularization=reg, reg_lambda=self.alpha / (head.grad_scale * size) if reg else 0.0,
                      dtype=dtype)  # reg_lambda: the full batch's; the solvers set each batch's
        if self.batchnorm or self.dropout:
            model = FFNN.from_layers(n_features, self._layer_stack(hidden, acts, n_outputs), head.loss, **common)
        else:
            model = FFNN([n_features, *hidden, n_outputs], [*acts, head.activation], head.loss,
                         rmsnorm=self.rmsnorm, **common)
        # scikit-learn's draws come from its RandomState, layer by layer (weight, then bias)
        rng = rs if isinstance(model.init, SklearnGlorot) else np.random.default_rng(rs.randint(2**31 - 1))
        for layer in model.network.layers:
            layer.init_parameters(rng, model.dtype)
        return model

    def _initialize(self, n_features: int, n_outputs: int, hidden: list[int], dtype: Any, n_samples: int) -> None:
        """Every learned attribute of a first fit, as scikit-learn's ``_initialize`` sets them."""
        self.__dict__.pop("_coefs", None)  # weights set before fitting start only a partial_fit or warm fit
        self.__dict__.pop("_intercepts", None)
        self.n_iter_, self.t_ = 0, 0
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(hidden) + 2
        self._head = self._make_head(n_outputs)
        self.out_activation_ = self._head.out_activation
        self.model_ = self._build(n_features, hidden, n_outputs, np.dtype(self.dtype or dtype), n_samples)
        self._best_state = snapshot(self.model_)
        self.history_ = self.model_.history = History()
        if self._stochastic():
            self.loss_curve_, self._no_improvement_count = [], 0
            if self.early_stopping:
                self.validation_scores_, self.best_validation_score_, self.best_loss_ = [], -np.inf, None
            else:
                self.validation_scores_, self.best_validation_score_, self.best_loss_ = None, None, np.inf

    def _adopt_set_weights(self, n_outputs: int, dtype: Any, n_samples: int) -> None:
        """Build the network from ``coefs_`` / ``intercepts_`` a user set before fitting."""
        coefs, intercepts = self._coefs, self._intercepts
        hidden = [int(np.shape(c)[1]) for c in coefs[:-1]]
        if np.shape(coefs[-1])[1] != n_outputs:
            raise ValueError(f"coefs_[-1] has {np.shape(coefs[-1])[1]} output(s) but y needs {n_outputs}")
        self._initialize(int(np.shape(coefs[0])[0]), n_outputs, hidden, dtype, n_samples)
        write_layer_arrays(self.model_.layers, "weight", coefs, "coefs_")
        write_layer_arrays(self.model_.layers, "bias", intercepts, "intercepts_")
        self._best_state = snapshot(self.model_)

    def _ensure_bookkeeping(self) -> None:
        """Attributes a later stochastic fit needs after an L-BFGS one (or a switch of settings)."""
        if not hasattr(self, "loss_curve_"):
            self.loss_curve_, self._no_improvement_count = [], 0
        if self.early_stopping and getattr(self, "validation_scores_", None) is None:
            self.validation_scores_, self.best_validation_score_, self.best_loss_ = [], -np.inf, None
        if not self.early_stopping and getattr(self, "best_loss_", None) is None:
            self.best_loss_ = np.inf

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y, sample_weight=None):
        """Fit the model to ``X`` (dense or sparse) and ``y``; returns the fitted estimator.

        ``sample_weight`` weighs each sample's loss, as in scikit-learn (normalised within each
        batch; the penalty is divided by the batch's weight sum).
        """
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight, incremental: bool):
        hidden = self._hidden_sizes()
        if self.dropout and not self._stochastic():
            raise ValueError("dropout needs a stochastic solver ('sgd' or 'adam'): L-BFGS needs a deterministic "
                             "objective")
        first = not self._has_weights() or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first)
        sw = self._row_weights(check_sample_weight(sample_weight, X.shape[0]), Y, incremental)
        self._random_state = check_random_state(self.random_state)
        if first:
            self._initialize(X.shape[1], Y.shape[1], hidden, X.dtype, X.shape[0])
        elif "model_" not in vars(self):
            self._adopt_set_weights(Y.shape[1], X.dtype, X.shape[0])
        n_out = self.model_.network.n_out
        if Y.shape[1] != n_out:
            raise ValueError(f"y has {Y.shape[1]} output(s) but the network was fitted with {n_out}; fit "
                             "again without warm_start to change it")
        X, Y = self._model_input(X), np.ascontiguousarray(Y, dtype=self.model_.dtype)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a diverging run trains on
            if self._stochastic():
                self._ensure_bookkeeping()
                fit_stochastic(self, X, Y, sw, incremental)
            else:
                fit_lbfgs(self, X, Y, sw)
        if self.model_.regularizer is not None:
            self.model_.regularizer.lam = self.model_.reg_lambda
        if not np.isfinite(self.model_.network.flat_params).all():
            raise ValueError(_NON_FINITE)
        return self

    def _row_weights(self, sw: np.ndarray | None, Y: np.ndarray, incremental: bool) -> np.ndarray | None:
        return sw

    # ------------------------------------------------------------------ predicting
    def _model_input(self, X: Any) -> Any:
        """``X`` in the network's dtype: C-contiguous, or CSR when sparse (never densified)."""
        dtype = self.model_.dtype
        return as_csr(X, dtype) if is_sparse(X) else np.ascontiguousarray(X, dtype=dtype)

    def _forward(self, X: Any, check_input: bool = True) -> np.ndarray:
        """The network's output for ``X``: checked (and its features compared) unless ``check_input``
        is false (data the estimator split off itself)."""
        if check_input:
            check_is_fitted(self)
            X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False, dtype=(np.float64, np.float32))
        with np.errstate(over="ignore", invalid="ignore"):
            return _predict(self.model_.network, self._model_input(X))
