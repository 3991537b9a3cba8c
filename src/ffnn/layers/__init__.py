"""Layers: each one class with its forward, backward and autograd form, registered by name.

Build any stack with ``ffnn.FFNN.from_layers``:

>>> import ffnn
>>> from ffnn import layers as L
>>> model = ffnn.FFNN.from_layers(4, [L.Dense(8), L.BatchNorm(), L.Activation("relu"),
...                                   L.Dropout(0.2), L.Dense(3), L.Activation("softmax")],
...                               loss="cce", seed=0)
>>> model.network.layers[1].running_mean.shape
(8,)

A new layer type is one class that subclasses ``Layer`` and is decorated with
``@LAYERS.register("name")``; the parametrised tests then pick it up. Conventions
(shapes, training mode, parameters and buffers) are in ``ffnn.layers.base``.
"""

from .activation import Activation
from .base import LAYERS, Layer, Parameter, ScratchArrays, get
from .dense import Dense
from .dropout import Dropout
from .normalization import Normalization
from .norms import BatchNorm, LayerNorm, RMSNorm

ActivationLayer = Activation  # the name of earlier versions

__all__ = [
    "LAYERS",
    "Layer",
    "Parameter",
    "ScratchArrays",
    "get",
    "Dense",
    "Activation",
    "ActivationLayer",
    "RMSNorm",
    "LayerNorm",
    "BatchNorm",
    "Dropout",
    "Normalization",
]
