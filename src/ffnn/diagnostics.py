"""Training that goes wrong says so: ``TrainingWarning`` and the checks ``fit`` runs.

Each check names the cause and the fix, warns once per ``fit`` (a ``TrainingWarning``, so
``warnings.simplefilter("ignore", ffnn.TrainingWarning)`` silences them) and is recorded in
``history.warnings`` whether shown or not:

* **unscaled inputs** (at the start): a feature whose mean or standard deviation exceeds
  ``UNSCALED`` while the network has no ``Normalization`` layer first;
* **exploding loss**: an epoch's training loss at least ``EXPLODED`` times the first epoch's;
* **no learning**: from the third epoch, a loss at least 99 % of the loss of the best
  constant prediction (the class frequencies, or the targets' mean) that also fell by less
  than 1 % in the last epoch (a slow start that is still falling is learning);
* **dead layer**: every unit of a ReLU layer outputs 0 for every row of a probe of the
  training data (up to ``PROBE_ROWS`` rows, in inference mode).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .callbacks import Callback
from .layers import Activation, Normalization
from .sparse import is_sparse

__all__ = ["TrainingWarning", "HealthChecks", "UNSCALED", "EXPLODED", "PROBE_ROWS"]

UNSCALED = 10.0  # a feature with |mean| or std above this is far from a unit scale
EXPLODED = 10.0  # the loss grew to this many times its first epoch's value
PROBE_ROWS = 128  # training rows used to look for dead units at each epoch's end (a whole
# layer dead for 128 rows; the cost stays a small share of an epoch even for 1024-wide layers)
_DYING = ("relu",)  # activations whose units can die (output exactly 0 for every input)


class TrainingWarning(UserWarning):
    """Training is going wrong in a way the numbers alone do not stop: the message says why and what to do."""


class HealthChecks(Callback):
    """The checks of the module docstring, as a callback ``fit`` adds; findings go to ``history``."""

    def __init__(self, network: Any, loss: Any, X: np.ndarray, Y: np.ndarray, history: Any,
                 feature_names: list[str] | None = None) -> None:
        self.network, self.loss, self.X, self.history = network, loss, X, history
        self.feature_names = feature_names
        self.constant = loss.baseline(Y) if hasattr(loss, "baseline") else None
        self.first: float | None = None
        self.previous = math.inf
        self.said: set[str] = set()
        self.epochs_seen = 0

    def _warn(self, key: str, message: str) -> None:
        if key in self.said:
            return
        self.said.add(key)
        self.history.warnings.append(message)
        warnings.warn(message, TrainingWarning, stacklevel=2)

    def on_train_begin(self, model: Any) -> None:
        layers = self.network.layers
        if layers and isinstance(layers[0], Normalization):
            return
        # a strided sample of ~256 rows in the data's own dtype: a scale 10x off shows at any
        # precision, and the check costs ~0.2 ms on MNIST (a float64 copy of 1,000 rows: ~5 ms)
        sample = self.X[:: max(1, self.X.shape[0] // 256)]
        if is_sparse(sample):  # ~256 rows of a SciPy sparse X: small enough to densify
            sample = sample.toarray()
        with np.errstate(over="ignore", invalid="ignore"):
            mean = np.abs(sample.mean(axis=0))
            std = sample.std(axis=0)
        size = np.maximum(mean, std)
        worst = int(np.argmax(size))
        if size[worst] > UNSCALED:
            name = self.feature_names[worst] if self.feature_names else f"column {worst}"
            self._warn("unscaled", (
                f"the inputs look unscaled: feature {name!r} has mean {mean[worst]:.4g} and standard "
                f"deviation {std[worst]:.4g} (far from a unit scale), which saturates or kills units; "
                "standardise them (FFNN(..., standardize=True), a Normalization layer first, or "
                "divide pixels by 255)"
            ))

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        loss = float(logs.get("loss", math.nan))
        self.epochs_seen += 1
        if self.first is None:
            self.first = loss
        elif self.first > 0 and loss >= EXPLODED * self.first:
            self._warn("exploded", (
                f"the training loss exploded: {loss:.4g} at epoch {epoch + 1}, {loss / self.first:.3g}x the "
                f"first epoch's {self.first:.4g}; lower the learning rate (e.g. by 10x) or standardise the inputs"
            ))
        falling, self.previous = loss < 0.99 * self.previous, loss
        if (self.epochs_seen >= 3 and self.constant is not None and self.constant > 0
                and loss >= 0.99 * self.constant and not falling):
            self._warn("no_learning", (
                f"the network is not learning: after {self.epochs_seen} epochs the training loss {loss:.4g} is "
                f"no better than predicting a constant ({self.constant:.4g}); try another learning rate, "
                "standardised inputs, or another initialisation"
            ))
        self._check_dead_units(epoch)

    def _check_dead_units(self, epoch: int) -> None:
        h = self.X[:PROBE_ROWS]
        last = len(self.network.layers) - 1
        for i, (name, layer) in enumerate(zip(self.network.names, self.network.layers)):
            h = layer.forward(h, training=False)
            if i < last and isinstance(layer, Activation) and layer.activation.name in _DYING and not np.any(h > 0):
                self._warn(f"dead:{name}", (
                    f"every unit of {name} ({layer.activation.name}, {h.shape[1]} units) outputs 0 for every "
                    f"training row checked at epoch {epoch + 1}: the layer is dead and passes no gradient; "
                    "lower the learning rate, standardise the inputs, or use leaky_relu"
                ))
