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
from . import metrics as _metrics
from . import regularizers as _regularizers
from .builders import (
    check_activations,
    check_dtype,
    check_loss_fits_output,
    check_regularization,
    dense_activations,
    output_activation,
    shortcut_layers,
    warn_untrainable,
)
from .callbacks import Callback
from .fitting import fit_model, prepare_for, user_targets
from .inference import predict as _predict
from .metrics import default_metrics
from .network import Sequential, StateDictError
from .objective import ENGINES, Objective
from .optimizers import Optimizer
from .summary import ModelSummary, in_notebook
from .targets import TargetCoder
from .training import History
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
                 rmsnorm_eps: float = 1e-6, engine: str = "backprop", standardize: bool = False) -> None:
        sizes = check_layer_sizes(layer_sizes)
        acts = check_activations(activations, len(sizes) - 1)
        self._shortcut = {"layer_sizes": sizes, "activations": acts, "rmsnorm": bool(rmsnorm),
                          "rmsnorm_eps": float(rmsnorm_eps)}
        layers, names = shortcut_layers(sizes, acts, bool(rmsnorm), float(rmsnorm_eps))
        if standardize:
            layers, names = [_layers.Normalization(), *layers], ["input_norm", *names]
        self._assemble(sizes[0], layers, names, loss, init, init_params, seed, regularization,
                       reg_lambda, dtype, engine, standardize)

    @classmethod
    def from_layers(cls, n_inputs: int, layers: Sequence[Any], loss: Any, *, init: Any = "he",
                    init_params: dict[str, Any] | None = None, seed: int | None = None,
                    regularization: Any = None, reg_lambda: float = 0.0, dtype: str = "float32",
                    engine: str = "backprop", standardize: bool = False) -> FFNN:
        """A model of any stack of layers (objects, names or configs), named ``layers.<i>``.

        The layer objects passed in are the ones the model uses. ``init`` is the initialiser
        of every ``Dense`` that names none. ``standardize`` puts a ``Normalization`` first
        (unless the stack starts with one) and standardises regression targets.

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
        if standardize and not isinstance(stack[0], _layers.Normalization):
            stack.insert(0, _layers.Normalization())
        model._assemble(n_in, stack, None, loss, init, init_params, seed, regularization, reg_lambda, dtype, engine,
                        standardize)
        return model

    def _assemble(self, n_in, layers, names, loss, init, init_params, seed, regularization, reg_lambda,
                  dtype, engine, standardize) -> None:
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
        self.targets = TargetCoder(standardize)
        self.feature_names: list[str] | None = None  # column names of the inputs, where known

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

    # ------------------------------------------------------------------ targets
    @property
    def classes_(self) -> np.ndarray | None:
        """The class labels the model speaks (sorted), learnt from the first ``fit`` on labels."""
        return self.targets.classes

    @property
    def standardize(self) -> bool:
        return self.targets.standardize

    # ------------------------------------------------------------------ computation
    def forward(self, X: Any) -> np.ndarray:
        """The network's output for ``X`` shaped ``(n, n_inputs)``, in inference mode (regression
        outputs in the target's units when the model standardises them)."""
        self.network.check_input_kind(X)
        X_checked = check_inputs(X, self.network.n_in, self.dtype, check_values=False)
        return self.targets.decode_output(_predict(self.network, X_checked, unchecked=X))

    predict = forward

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per output unit (``predict`` of a softmax or sigmoid output)."""
        act = output_activation(self.network.layers)
        if act is None or act.output_range != (0.0, 1.0) or act.name not in ("softmax", "sigmoid"):
            raise ValueError(
                f"predict_proba needs a softmax or sigmoid output layer; this model's output is "
                f"{'linear' if act is None else act.name!r}: use predict"
            )
        return self.predict(X)

    def predict_classes(self, X: Any) -> np.ndarray:
        """The predicted class per row, in the model's ``classes_`` (arg-max, or > 0.5 for one unit)."""
        p = self.predict(X)
        idx = (p[:, 0] > 0.5).astype(np.intp) if p.shape[1] == 1 else p.argmax(axis=1)
        return self.targets.classes_of(idx)

    def evaluate(self, X: Any, y: Any, sample_weight: Any = None, metrics: Sequence[Any] | None = None) -> dict[str, float]:
        """``{"loss": ..., "accuracy": ...}`` for classes, ``{"loss", "mae", "rmse", "r2"}`` for
        regression (in the target's units), in inference mode; ``metrics`` adds or replaces them."""
        d = prepare_for(self, X, y, sample_weight=sample_weight)
        result = self.objective.evaluate(d.X, d.Y, d.labels, d.weights)
        kind = self.objective.accuracy_kind(d.labels is not None)
        chosen = [_metrics.get(m) for m in (metrics if metrics is not None else default_metrics(kind))]
        wanted = [m for m in chosen if m.name not in result]
        if wanted:
            out = self.targets.decode_output(_predict(self.network, d.X))
            result.update({m.name: m(out, user_targets(self, y, d), d.labels) for m in wanted})
        return result

    def compute_gradients(self, X: Any, y: Any, training: bool = False,
                          sample_weight: Any = None) -> tuple[float, OrderedDict[str, np.ndarray]]:
        """``(loss, grads)`` for one batch, updating nothing but the stored gradients.

        ``training=True`` runs the layers as a training step does (BatchNorm on batch
        statistics, updating its running ones; Dropout drawing a mask)."""
        d = prepare_for(self, X, y, sample_weight=sample_weight)
        loss, _ = self.objective.loss_and_gradients(d.X, d.Y, d.weights, training=bool(training))
        return loss, self.get_grads()

    def fit(self, X: Any, y: Any, *, epochs: int = 10, batch_size: int = 32, learning_rate: float | None = None,
            validation_data: tuple[Any, ...] | None = None, validation_split: float = 0.0, verbose: int = 1,
            shuffle: bool = True, optimizer: Any = None,
            callbacks: Sequence[Callable[[int, dict[str, float]], Any] | Callback] | None = None,
            lr_schedule: Any = None, early_stopping: Any = None, initial_epoch: int | None = None,
            sample_weight: Any = None, class_weight: Any = None, metrics: Sequence[Any] | None = None,
            feature_names: Sequence[str] | None = None, monitor: Any = None) -> History:
        """Train with mini-batch gradient descent; return this call's per-epoch ``History``.

        ``y``: class labels of any kind (strings, 1..k, -1/+1...; the model learns ``classes_``)
        or targets shaped like the output. ``verbose``: 0 silent, 1 a progress bar per epoch
        (a plain line when the output is not a terminal), 2 one line per epoch.
        ``optimizer``: ``"sgd"`` (plain gradient descent), ``"momentum"``, ``"adam"``, a config
        dict or an ``Optimizer`` object; ``None`` continues with the model's optimiser (state
        included, also after ``load``), or plain SGD for a new model. ``learning_rate`` (default:
        the optimiser's, or 0.01) sets its rate. ``lr_schedule`` (``"step"``, ``"exponential"``,
        ``"cosine"``, a dict or a ``Schedule``) sets the rate per epoch. ``early_stopping`` is
        ``True``, a patience, a dict or an ``EarlyStopping``. Callbacks: ``cb(epoch, logs)`` or
        ``Callback`` hooks (``on_batch_end`` included); returning ``False`` stops training.
        ``validation_split`` holds out the last share of the rows (per class: stratified)
        before shuffling. ``sample_weight`` and ``class_weight`` (``{class: w}`` or
        ``"balanced"``) weight each row's loss (rescaled to mean 1). ``metrics`` (``"accuracy"``,
        ``"precision"``, ``"recall"``, ``"f1"``, ``"mae"``, ``"rmse"``, ``"r2"``) are logged per
        epoch, for validation too. Epochs are numbered on from ``model.history``, which grows by
        this call's; ``TrainingWarning`` s name what goes wrong (``history.warnings``).
        ``monitor`` (``True``, a dict or an ``ffnn.Monitor``) records per-layer distributions,
        norms, update ratios and dead or saturated units into ``history.monitor``, and its health
        findings into ``history.health`` (``docs/monitor.md``).
        Everything turned on is recorded in ``history.params``.
        """
        return fit_model(self, X, y, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                         validation_data=validation_data, validation_split=validation_split, verbose=verbose,
                         shuffle=shuffle, optimizer=optimizer, callbacks=callbacks, lr_schedule=lr_schedule,
                         early_stopping=early_stopping, initial_epoch=initial_epoch, sample_weight=sample_weight,
                         class_weight=class_weight, metrics=metrics, feature_names=feature_names, monitor=monitor)

    def lr_find(self, X: Any, y: Any, *, start: float = 1e-7, end: float = 10.0, steps: int = 100,
                batch_size: int = 32, optimizer: Any = None, **options: Any) -> Any:
        """The learning-rate range test: ``steps`` batches at rates rising exponentially from
        ``start`` to ``end``, stopped when the loss diverges; weights, optimiser and generator are
        restored afterwards. Returns an ``ffnn.lr_finder.LRFinderResult`` (rates, smoothed losses,
        ``suggestion`` and its rule); see ``ffnn.lr_finder.lr_find`` for ``options``."""
        from .lr_finder import lr_find

        return lr_find(self, X, y, start=start, end=end, steps=steps, batch_size=batch_size,
                       optimizer=optimizer, **options)

    # ------------------------------------------------------------------ config and files
    def get_config(self) -> dict[str, Any]:
        """Plain data that rebuilds this architecture with ``FFNN.from_config``."""
        bias = self.init_params.get("bias")
        common = {"loss": self.loss.get_config(), "init": self.init.get_config(),
                  "init_params": {} if bias is None else {"bias": bias}, "seed": self.seed,
                  "regularization": None if self.regularizer is None else self.regularizer.name,
                  "reg_lambda": self.reg_lambda, "dtype": self.dtype.name, "engine": self.engine}
        if self.standardize:
            common["standardize"] = True  # left out when False: the configs of earlier files stay as they were
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
