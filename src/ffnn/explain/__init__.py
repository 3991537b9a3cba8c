"""Explanations of what a network computes, written out with its own numbers.

``backprop(model, x, y)`` traces one forward and backward pass on a sample (or a tiny
batch): every pre-activation ``z``, activation ``a``, error term ``δ = ∂L/∂z`` and gradient,
layer by layer from the loss back to the input. The result is a ``BackpropTrace`` whose
gradients equal ``model.compute_gradients(x, y)``, and which writes itself out as a page:

>>> import ffnn, ffnn.explain
>>> model = ffnn.FFNN([2, 2, 1], ["relu", "sigmoid"], "bce", seed=0, dtype="float64")
>>> trace = ffnn.explain.backprop(model, [1.0, 2.0], [1.0])
>>> page = trace.to_markdown()          # or trace.to_html("backprop.html"), trace.summary()
"""

from __future__ import annotations

from .trace import BackpropTrace, LayerTrace, NormTrace, StepTrace, backprop

__all__ = ["backprop", "BackpropTrace", "LayerTrace", "NormTrace", "StepTrace"]
