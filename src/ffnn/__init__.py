"""ffnn: a feedforward neural network library written from scratch on NumPy.

Importing ``ffnn`` needs NumPy alone; plotting, progress bars and scikit-learn are optional.

>>> import ffnn
>>> model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
"""

from __future__ import annotations

from . import (
                     activations,
                     callbacks,
                     initializers,
                     layers,
                     losses,
                     metrics,
                     optimizers,
                     regularizers,
                     schedules,
)
from .callbacks import Callback, EarlyStopping
from .diagnostics import TrainingWarning
from .io import ModelFileError
from .layers import (
                     Activation,
                     ActivationLayer,
                     BatchNorm,
                     Dense,
                     Dropout,
                     Layer,
                     LayerNorm,
                     Normalization,
                     Parameter,
                     RMSNorm,
)
from .model import FFNN
from .monitor import Monitor
from .network import Sequential, StateDictError
from .objective import Objective
from .persistence import save_model
from .threads import set_num_threads
from .training import History, TrainingDivergedError
from .version import __version__

load = FFNN.load  # ffnn.load(path): a model written by model.save / ffnn.save_model

# ffnn.Activation is the layer; activation *functions* live in ffnn.activations


__all__ = [
    "FFNN",
    "Monitor",
    "Sequential",
    "Layer",
    "Dense",
    "Activation",
    "ActivationLayer",
    "RMSNorm",
    "LayerNorm",
    "BatchNorm",
    "Dropout",
    "Normalization",
    "Parameter",
    "Objective",
    "StateDictError",
    "layers",
    "History",
    "TrainingDivergedError",
    "TrainingWarning",
    "metrics",
    "ModelFileError",
    "load",
    "save_model",
    "activations",
    "losses",
    "initializers",
    "regularizers",
    "optimizers",
    "schedules",
    "callbacks",
    "Callback",
    "EarlyStopping",
    "set_num_threads",
    "__version__",
]
