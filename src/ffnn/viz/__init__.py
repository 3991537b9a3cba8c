"""Seeing inside a network: pictures of its graph, weights, gradients, learning and filters.

Every ``plot_*`` function returns a matplotlib ``Figure`` (saved too when given ``path=``);
``network_html`` writes one self-contained interactive page. Importing ``ffnn.viz`` does
not import matplotlib; drawing does, and says how to install it when it is missing.

>>> import ffnn, ffnn.viz
>>> model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
>>> fig = ffnn.viz.plot_weight_distribution(model, layers=[0, "layers.1"])
"""

from __future__ import annotations

from ._common import LayerSelectionError
from .activations import activation_curves, plot_activations
from .dashboard import training_dashboard
from .distributions import plot_gradient_distribution, plot_weight_distribution, summary_stats
from .files import Pictures, write_all
from .filters import plot_filters
from .history import plot_history
from .html import network_html
from .landscape import LossLandscape, loss_landscape, plot_loss_landscape
from .lr_find import plot_lr_find
from .network import plot_network

__all__ = [
    "LayerSelectionError",
    "plot_network",
    "plot_weight_distribution",
    "plot_gradient_distribution",
    "plot_history",
    "plot_filters",
    "summary_stats",
    "network_html",
    "write_all",
    "Pictures",
    "plot_activations",
    "activation_curves",
    "plot_loss_landscape",
    "loss_landscape",
    "LossLandscape",
    "plot_lr_find",
    "training_dashboard",
]
