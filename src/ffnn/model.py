"""``FFNN``: builds a network from layer sizes (or any list of layers) and drives it.

The model is a thin builder: layers live in ``ffnn.layers``, their chain in ``network.py``,
the loss-and-gradient seam in ``objective.py``, the loop in ``training.py``, the update rule
in ``optimizers.py``. What it adds is the public API (fit / predict / evaluate / gradients /
parameters / config) and the checks at that boundary.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import initializers as _initializers
from . import layers as _layers
from . import losses as _losses
from . import regularizers as _regularizers
from .builders import (
    check_activations,
    check_dtype,
    check_loss_fits_output,
    check_regularization,
    dense_activations,
    shortcut_layers,
    warn_untrainable,
)
from .callbacks import Callback
from .inference import predict as _predict
from .network import Sequential, StateDictError
from .objective import ENGINES, Objective
from .optimizers import Optimizer
from .preparation import class_weights, prepare, sample_weights
from .summary import ModelSummary, in_notebook
from .training import Data, History, plan_run, train
from .validation import check_inputs, check_layer_sizes, check_positive_int

__all__ = ["FFNN"]


class FFNN:
    """A feedforward neural network defined by its neurons per layer.

    Parameters
    ----------
    layer_sizes:
        Neurons per layer, input and output included, e.g. ``[784, 64, 64, 10]``.
    activations:
        One per non-input layer, each a name (``"relu"``, ``"softmax"``...) or an object.
    loss:
        ``"mse"``, ``"binary_crossentropy"`` (``"bce"``) or ``"categorical_crossentropy"``
        (``"cce"``), or a ``Loss`` object.
    init, init_params:
        Weight initialisation (``"zero"``, ``"uniform"``, ``"normal"``, ``"xavier"``, ``"he"``)
        and its parameters, e.g. ``init="uniform", init_params={"low": -1, "high": 1,
        "seed": 0}``. ``init_params["bias"]`` is ``"zero"`` or ``"same"``.
    seed:
        Seeds the one generator behind every random choice (initialisation, shuffling, dropout).
    rmsnorm, rmsnorm_eps:
        Put an ``RMSNorm`` after each hidden dense layer, before its activation.
    regularization, reg_lambda:
        ``None``, ``"l1"`` (``+ lam * sum|w|``) or ``"l2"`` (``+ lam * 0.5 * sum w^2``) over the
        dense weights, added to the mean data loss.
    dtype:
        ``"float32"`` (default, fast) or ``"float64"``.
    engine:
        ``"backprop"`` (default): the hand-written backward passes; ``"autograd"``: every
        gradient through the reverse-mode engine in ``ffnn.autograd``.

    ``FFNN.from_layers`` builds any other stack (BatchNorm, LayerNorm, Dropout...).

    >>> model = FFNN([4, 8, 3], ["relu", "softmax"], "cce", seed=0)
    >>> model.layers[0].weight.shape
    (4, 8)
    """

    def __init__(self, layer_sizes: Sequence[int], activations: Sequence[Any], loss: Any, init: Any = "he",
                 init_params: dict[str, Any] | None = None, seed: int | None = None, rmsnorm: bool = False,
                 regularization: Any = None, reg_lambda: float = 0.0, dtype: str = "float32",
                 rmsnorm_eps: float = 1e-6, engine: str = "backprop") -> None:
        sizes = check_layer_sizes(layer_sizes)
        acts = check_activations(activations, len(sizes) - 1)
        self._shortcut = {"layer_sizes": sizes, "activations": acts, "rmsnorm": bool(rmsnorm),
                          "rmsnorm_eps": float(rmsnorm_eps)}
        layers, names = shortcut_layers(sizes, acts, bool(rmsnorm), float(rmsnorm_eps))
        self._assemble(sizes[0], layers, names, loss, init, init_params, seed, regularization,
                       reg_lambda, dtype, engine)

    @classmethod
    def from_layers(cls, n_inputs: int, layers: Sequence[Any], loss: Any, *, init: Any = "he",
                    init_params: dict[str, Any] | None = None, seed: int | None = None,
                    regularization: Any = None, reg_lambda: float = 0.0, dtype: str = "float32",
                    engine: str = "backprop") -> FFNN:
        """A model of any stack of layers (objects, names or configs), named ``layers.<i>``.

        The layer objects passed in are the ones the model uses. ``init`` is the initialiser
        of every ``Dense`` that names none.

        >>> from ffnn import layers as L
        >>> m = FFNN.from_layers(4, [L.Dense(8), L.LayerNorm(), L.Activation("relu"),
        ...                          L.Dense(3), L.Activation("softmax")], loss="cce", seed=0)
        >>> list(m.get_params())[:4]
        ['layers.0.weight', 'layers.0.bias', 'layers.1.scale', 'layers.1.shift']
        """
        model = cls.__new__(cls)
        model._shortcut = None
        n_in = check_positive_int("n_inputs", n_inputs)
        if isinstance(layers, (str, _layers.Layer)) or not hasattr(layers, "__iter__"):
            raise TypeError(f"layers must be a list of layers, got {layers!r}")
        stack = [_layers.get(layer) for layer in layers]
        if not stack:
            raise ValueError("layers is empty: give at least one layer, e.g. [Dense(3), Activation('softmax')]")
        if len({id(layer) for layer in stack}) != len(stack):
            raise ValueError("the same layer object appears twice in layers; create one object per position")
        model._assemble(n_in, stack, None, loss, init, init_params, seed, regularization, reg_lambda, dtype, engine)
        return model

    def _assemble(self, n_in, layers, names, loss, init, init_params, seed, regularization, reg_lambda,
                  dtype, engine) -> None:
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
        self.loss = _losses.get(loss)
        self.dtype = check_dtype(dtype)
        self.init_params = dict(init_params or {})
        init_kwargs = dict(self.init_params)
        bias_init = init_kwargs.pop("bias", None)
        self.init = _initializers.get(init, **init_kwargs)
        self.seed = seed
        self.regularizer = _regularizers.get(regularization, lam=reg_lambda)
        self.reg_lambda = float(reg_lambda)
        check_regularization(self.regularizer, self.reg_lambda, regularization)
        self.rng = np.random.default_rng(seed)
        for layer in layers:
            if isinstance(layer, _layers.Dense):
                layer.use_defaults(self.init, bias_init)
        self.network = Sequential(layers, names)
        self.network.build(n_in, self.rng, self.dtype)
        check_loss_fits_output(self.loss, layers, self.network.n_out)
        warn_untrainable(layers)
        self.objective = Objective(self.network, self.loss, self.regularizer, engine)
        self.history: History | None = None
        self.optimizer: Optimizer | None = None

    # ------------------------------------------------------------------ inspection
    @property
    def layer_sizes(self) -> list[int]:
        """Neurons per dense layer, input included (``[784, 64, 10]``)."""
        if self._shortcut is not None:
            return list(self._shortcut["layer_sizes"])
        return [self.network.n_in] + [layer.units for layer in self.layers]

    @property
    def activations(self) -> list[Any]:
        """The activation after each dense layer (linear where there is none)."""
        if self._shortcut is not None:
            return list(self._shortcut["activations"])
        return dense_activations(self.network.layers)

    @property
    def rmsnorm(self) -> bool:
        return any(isinstance(layer, _layers.RMSNorm) for layer in self.network)

    @property
    def rmsnorm_eps(self) -> float:
        return self._shortcut["rmsnorm_eps"] if self._shortcut is not None else next(
            (layer.eps for layer in self.network if isinstance(layer, _layers.RMSNorm)), 1e-6)

    @property
    def engine(self) -> str:
        return self.objective.engine

    @property
    def layers(self) -> list[_layers.Dense]:
        """The dense layers: ``layers[i].weight`` is ``(n_in, n_out)``, ``layers[i].bias`` ``(n_out,)``.
        Every layer, in order: ``network.layers``."""
        return [layer for layer in self.network if isinstance(layer, _layers.Dense)]

    @property
    def dense_layer_names(self) -> list[str]:
        """The name of each dense layer, as its parameters are named (``"layers.0"``...)."""
        return [name for name, layer in zip(self.network.names, self.network) if isinstance(layer, _layers.Dense)]

    def neuron(self, layer: int, j: int) -> dict[str, Any]:
        """Neuron ``j`` of dense layer ``layer``: its incoming weights, bias and their gradients."""
        dense = self.layers[layer]
        if not 0 <= j < dense.units:
            raise IndexError(f"layer {layer} has {dense.units} neurons, got index {j}")
        return {"weight": dense.weight[:, j].copy(), "bias": float(dense.bias[j]),
                "grad_weight": dense.grad_weight[:, j].copy(), "grad_bias": float(dense.grad_bias[j])}

    def get_params(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter and buffer by name, in forward order (``"layers.0.weight"``...)."""
        return self.network.state_dict()

    def get_grads(self) -> OrderedDict[str, np.ndarray]:
        """Copies of the parameter gradients of the last backward pass, by name."""
        return OrderedDict((n, p.grad.copy()) for n, p in self.network.named_parameters())

    def set_params(self, params: dict[str, Any], strict: bool = True) -> None:
        """Set parameters and buffers by name; names, shapes and values are all checked first
        (every problem reported at once). ``strict`` requires every name."""
        unknown = [n for n in params if n not in self.network.state_dict()]
        if unknown:
            raise StateDictError(f"unknown parameter name(s) {unknown}; valid names are {list(self.get_params())}")
        self.network.load_state_dict(params, strict=strict)

    def count_params(self) -> int:
        """Trained parameters (buffers not counted)."""
        return int(self.network.flat_params.size)

    def summary(self, print_fn: Any = "auto") -> ModelSummary:
        """The layers, output widths and parameter counts, as a table (also returned, as a string).

        ``print_fn="auto"`` prints it, except in a notebook, where the returned table renders
        as HTML; ``None`` only returns it; any callable receives the text."""
        table = ModelSummary.of(self)
        if print_fn == "auto":
            print_fn = None if in_notebook() else print
        if print_fn is not None:
            print_fn(str(table))
        return table

    # ------------------------------------------------------------------ computation
    def _prepare(self, X: Any, y: Any, name: str = "", sample_weight: Any = None) -> Data:
        return prepare(X, y, self.network.n_in, self.network.n_out, self.dtype, self.loss, name, sample_weight)

    def forward(self, X: Any) -> np.ndarray:
        """The network's output for ``X`` shaped ``(n, n_inputs)``, in inference mode."""
        X_checked = check_inputs(X, self.network.n_in, self.dtype, check_values=False)
        return _predict(self.network, X_checked, unchecked=X)

    predict = forward

    def predict_classes(self, X: Any) -> np.ndarray:
        """The arg-max class per row (or ``output > 0.5`` for a single output unit)."""
        p = self.predict(X)
        return (p[:, 0] > 0.5).astype(np.intp) if p.shape[1] == 1 else p.argmax(axis=1)

    def evaluate(self, X: Any, y: Any, sample_weight: Any = None) -> dict[str, float]:
        """``{"loss": ..., "accuracy": ...}`` on ``(X, y)`` in inference mode; accuracy where it applies."""
        d = self._prepare(X, y, sample_weight=sample_weight)
        return self.objective.evaluate(d.X, d.Y, d.labels, d.weights)

    def compute_gradients(self, X: Any, y: Any, training: bool = False,
                          sample_weight: Any = None) -> tuple[float, OrderedDict[str, np.ndarray]]:
        """``(loss, grads)`` for one batch, updating nothing but the stored gradients.

        ``training=True`` runs the layers as a training step does (BatchNorm on batch
        statistics, updating its running ones; Dropout drawing a mask)."""
        d = self._prepare(X, y, sample_weight=sample_weight)
        loss, _ = self.objective.loss_and_gradients(d.X, d.Y, d.weights, training=bool(training))
        return loss, self.get_grads()

    def fit(self, X: Any, y: Any, *, epochs: int = 10, batch_size: int = 32, learning_rate: float | None = None,
            validation_data: tuple[Any, Any] | None = None, verbose: int = 1, shuffle: bool = True,
            optimizer: Any = None, callbacks: Sequence[Callable[[int, dict[str, float]], Any] | Callback] | None = None,
            lr_schedule: Any = None, early_stopping: Any = None, initial_epoch: int | None = None,
            sample_weight: Any = None, class_weight: Any = None) -> History:
        """Train with mini-batch gradient descent; return the per-epoch ``History``.

        ``y`` is integer class labels (one-hot encoded for you) or targets shaped like the
        output. ``verbose=1`` shows a progress bar per epoch. ``optimizer`` is ``"sgd"``
        (plain gradient descent), ``"momentum"``, ``"adam"``, a config dict such as
        ``{"name": "momentum", "nesterov": True}`` or an ``Optimizer`` object (which keeps its
        state across ``fit`` calls); ``None`` continues with the model's optimiser (state
        included, also after ``load``), or plain SGD for a new model. ``learning_rate``
        (default: the optimiser's, or 0.01) sets its rate. ``lr_schedule`` (``"step"``,
        ``"exponential"``, ``"cosine"``, a dict or a ``Schedule``) sets the rate per epoch.
        ``early_stopping`` is ``True``, a patience, a dict or an ``EarlyStopping`` (default:
        ``val_loss``, patience 5, best weights restored). Each callback is called as
        ``cb(epoch, logs)`` after every epoch (or through ``Callback`` hooks, ``on_batch_end``
        included); returning ``False`` stops training. Epochs are numbered on from the
        model's history (``initial_epoch`` overrides); the call returns its own ``History``
        and ``model.history`` grows by it.
        ``sample_weight`` (one per row) and ``class_weight`` (``{class: w}`` or
        ``"balanced"``) weight each row's loss; weights are rescaled to mean 1. Layers such as
        ``Normalization`` learn from ``X`` first when not yet adapted. Everything turned on
        is recorded in ``history.params``.
        """
        epochs, batch_size = check_positive_int("epochs", epochs), check_positive_int("batch_size", batch_size)
        data = self._prepare(X, y, sample_weight=sample_weight)
        if class_weight is not None:
            data = self._weigh_classes(data, class_weight)
        validation = self._prepare_validation(validation_data)
        start = self._first_epoch(initial_epoch)
        plan = plan_run(
            optimizer=self._choose_optimizer(optimizer, learning_rate),
            learning_rate=0.01 if learning_rate is None else learning_rate,
            lr_schedule=lr_schedule, early_stopping=early_stopping, callbacks=callbacks,
            has_validation=validation is not None,
            record={"epochs": epochs, "batch_size": batch_size, "shuffle": bool(shuffle), "n_samples": len(data.X),
                    "seed": self.seed, "initial_epoch": start, "engine": self.engine,
                    "sample_weight": sample_weight is not None,
                    "class_weight": class_weight if isinstance(class_weight, (str, type(None))) else
                    {str(k): float(v) for k, v in class_weight.items()}},
        )
        self.optimizer = plan.optimizer
        self.network.adapt(data.X)
        train(self.objective, data, rng=self.rng, epochs=epochs, batch_size=batch_size, optimizer=plan.optimizer,
              validation=validation, verbose=int(verbose), shuffle=bool(shuffle), callbacks=plan.callbacks,
              history=plan.history, lr_schedule=plan.schedule, initial_epoch=start, owner=self)
        new = plan.finish()
        self.history = new if self.history is None else self.history.extended(new)
        return new

    def _choose_optimizer(self, optimizer: Any, learning_rate: float | None) -> Any:
        """``None`` continues with the model's optimiser (its rate changed if one is given)."""
        if optimizer is None:
            optimizer = self.optimizer if self.optimizer is not None else "sgd"
        if isinstance(optimizer, Optimizer) and learning_rate is not None:
            optimizer.learning_rate = float(learning_rate)
        return optimizer

    def _first_epoch(self, initial_epoch: int | None) -> int:
        if initial_epoch is None:
            return len(self.history.epoch) if self.history is not None else 0
        if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, int) or initial_epoch < 0:
            raise ValueError(f"initial_epoch must be an integer >= 0, got {initial_epoch!r}")
        return initial_epoch

    def _weigh_classes(self, data: Data, class_weight: Any) -> Data:
        labels = data.labels if data.labels is not None else (
            data.Y.argmax(axis=1) if data.Y.shape[1] > 1 else (data.Y[:, 0] > 0.5).astype(np.intp))
        per_row = class_weights(class_weight, labels, max(2, data.Y.shape[1]))
        if data.weights is not None:
            per_row = per_row * data.weights
        return Data(data.X, data.Y, data.labels, sample_weights(per_row, len(data.X), self.dtype, "class_weight"))

    def _prepare_validation(self, validation_data: Any) -> Data | None:
        if validation_data is None:
            return None
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise TypeError("validation_data must be a tuple (X_val, y_val) or (X_val, y_val, sample_weight_val)")
        return self._prepare(*validation_data[:2], name="_val",
                             sample_weight=validation_data[2] if len(validation_data) == 3 else None)

    # ------------------------------------------------------------------ config and files
    def get_config(self) -> dict[str, Any]:
        """Plain data that rebuilds this architecture with ``FFNN.from_config``."""
        bias = self.init_params.get("bias")
        common = {"loss": self.loss.get_config(), "init": self.init.get_config(),
                  "init_params": {} if bias is None else {"bias": bias}, "seed": self.seed,
                  "regularization": None if self.regularizer is None else self.regularizer.name,
                  "reg_lambda": self.reg_lambda, "dtype": self.dtype.name, "engine": self.engine}
        if self._shortcut is None:
            return {"n_inputs": self.network.n_in, "layers": [layer.get_config() for layer in self.network], **common}
        s = self._shortcut
        return {"layer_sizes": list(s["layer_sizes"]), "activations": [a.get_config() for a in s["activations"]],
                **common, "rmsnorm": s["rmsnorm"], "rmsnorm_eps": s["rmsnorm_eps"]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> FFNN:
        """The model ``get_config()`` describes (freshly initialised)."""
        if "layers" in config:
            return cls.from_layers(**config)
        return cls(**config)

    def save(self, path: Any) -> None:
        """Save architecture, parameters, buffers, history and optimiser state to one file (no pickle)."""
        from .persistence import save_model

        save_model(self, path)

    @classmethod
    def load(cls, path: Any) -> FFNN:
        """Load a model written by ``save``; see ``ffnn.persistence.load_model``."""
        from .persistence import load_model

        return load_model(path, cls)

    def __repr__(self) -> str:
        if self._shortcut is None:
            inner = ", ".join(layer.describe() for layer in self.network)
            return f"FFNN.from_layers({self.network.n_in}, [{inner}], loss={self.loss.name!r})"
        acts = ", ".join(a.name for a in self.activations)
        return (f"FFNN({self.layer_sizes}, [{acts}], loss={self.loss.name!r}, "
                f"init={self.init.name!r}, dtype={self.dtype.name!r})")
