"""The formulas of a backward pass as text, with the numbers substituted.

Numbers come from a ``BackpropTrace``; this module only writes them down. Which formula
applies is read from the objects (the loss, the regulariser and the fused head classes of
``ffnn.losses`` / ``ffnn.regularizers``); an unknown one is written in general terms.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..losses import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    MeanSquaredError,
    SigmoidBinaryCrossentropyHead,
    SoftmaxCrossentropyHead,
)
from ..regularizers import L1, L2

__all__ = ["Numbers", "sup", "loss_lines", "loss_gradient_formula", "head_formula", "penalty_lines",
           "penalty_gradient_term", "jacobians"]

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def sup(layer: int) -> str:
    """The layer superscript: 1 -> ``⁽¹⁾``."""
    return f"⁽{str(layer).translate(_SUP)}⁾"


class Numbers:
    """Formats numbers to ``digits`` significant digits; ``f`` wraps negatives as factors."""

    def __init__(self, digits: int = 4) -> None:
        if not isinstance(digits, int) or not 1 <= digits <= 17:
            raise ValueError(f"digits must be an integer from 1 to 17, got {digits!r}")
        self.digits = digits

    def __call__(self, v: Any) -> str:
        v = float(v)
        text = f"{v:.{self.digits}g}"
        return "0" if text in ("-0", "0") else text

    def f(self, v: Any) -> str:
        """As a factor in a product: ``-0.4`` -> ``(-0.4)``."""
        text = self(v)
        return f"({text})" if text.startswith("-") else text


# ---------------------------------------------------------------------------- the loss
def loss_lines(loss: Any, head: Any, p: np.ndarray, y: np.ndarray, value: float, num: Numbers) -> list[str]:
    """``L = formula = substituted = value`` for the data loss (substituted when p has at most 16 entries)."""
    n, k = p.shape
    small = p.size <= 16
    pairs = list(zip(p.ravel(), y.ravel()))
    if isinstance(loss, MeanSquaredError):
        lines = ["L = (1/(n·k)) Σ (p − y)²"]
        if small:
            terms = " + ".join(f"({num(a)} − {num(b)})²" for a, b in pairs)
            lines.append(f"  = ({terms}) / {n * k}")
    elif isinstance(loss, BinaryCrossentropy):
        lines = ["L = −(1/(n·k)) Σ [y log p + (1 − y) log(1 − p)]"]
        if small:
            terms = " + ".join(f"{num.f(b)}·log({num(a)}) + {num.f(1 - b)}·log({num(1 - a)})" for a, b in pairs)
            lines.append(f"  = −({terms}) / {n * k}")
    elif isinstance(loss, CategoricalCrossentropy):
        lines = ["L = −(1/n) Σ_s Σ_j y[s,j] log p[s,j]"]
        if small:
            terms = " + ".join(f"{num.f(b)}·log({num(a)})" for a, b in pairs if b != 0) or "0"
            lines.append(f"  = −({terms}) / {n}")
    else:
        lines = [f"L = {loss.name}(p, y)"]
    lines.append(f"  = {num(value)}")
    if head is not None:
        lines.append("  (computed from the logits z by the fused head: log-sum-exp / softplus, no clipping)")
    elif getattr(loss, "needs_probabilities", False):
        lines.append("  (p clipped to [ε, 1 − ε], ε the machine epsilon, before the logarithms)")
    return lines


def loss_gradient_formula(loss: Any) -> tuple[str, Any]:
    """``(formula of dL/da, per-element writer(a, y, n, k, num))``, or a general form."""
    if isinstance(loss, MeanSquaredError):
        return "∂L/∂a = 2 (a − y) / (n·k)", lambda a, y, n, k, num: f"2({num(a)} − {num(y)}) / {n * k}"
    if isinstance(loss, BinaryCrossentropy):
        return ("∂L/∂a = (a − y) / (a (1 − a)) / (n·k)",
                lambda a, y, n, k, num: f"({num(a)} − {num(y)}) / ({num(a)}·{num(1 - a)}) / {n * k}")
    if isinstance(loss, CategoricalCrossentropy):
        return "∂L/∂a = −y / a / n", lambda a, y, n, k, num: f"−{num.f(y)} / {num(a)} / {n}"
    return f"∂L/∂a = gradient of {loss.name}", None


def head_formula(head: Any, y: np.ndarray) -> tuple[str, str, Any]:
    """``(formula, why, per-element writer(p, y, n, k, num))`` for a fused output head."""
    if isinstance(head, SoftmaxCrossentropyHead):
        if np.allclose(y.sum(axis=1), 1):
            return ("δ = (p − y) / n",
                    "softmax + categorical cross-entropy: the softmax Jacobian times −y/p collapses to p − y",
                    lambda p, t, n, k, num: f"({num(p)} − {num(t)}) / {n}")
        return ("δ = (p Σ_j y_j − y) / n", "softmax + categorical cross-entropy (target rows not summing to 1)",
                None)
    if isinstance(head, SigmoidBinaryCrossentropyHead):
        return ("δ = (p − y) / (n·k)",
                "sigmoid + binary cross-entropy: p(1 − p) cancels against the loss's denominator",
                lambda p, t, n, k, num: f"({num(p)} − {num(t)}) / {n * k}")
    return ("δ = ∂L/∂z from the fused head", type(head).__name__, None)


# ---------------------------------------------------------------------------- the penalty
def penalty_lines(regularizer: Any, weights: list[np.ndarray], value: float, num: Numbers) -> list[str]:
    """``penalty = formula = value`` over the dense weights (biases are not penalised)."""
    lam = num(regularizer.lam)
    if isinstance(regularizer, L1):
        total = sum(float(np.abs(w).sum()) for w in weights)
        return [f"penalty = λ Σ |W| = {lam} · {num(total)} = {num(value)}   (dense weights only)"]
    if isinstance(regularizer, L2):
        total = sum(float(np.vdot(w, w)) for w in weights)
        return [f"penalty = (λ/2) Σ W² = {lam}/2 · {num(total)} = {num(value)}   (dense weights only)"]
    return [f"penalty = {regularizer.name}(W) = {num(value)}"]


def penalty_gradient_term(regularizer: Any) -> tuple[str, Any]:
    """``(term added to dL/dW, per-element writer(w, num))``."""
    if regularizer is None:
        return "", None
    lam = regularizer.lam
    if isinstance(regularizer, L1):
        return " + λ sign(W)", lambda w, num: f"{num(lam)}·sign({num(w)})"
    if isinstance(regularizer, L2):
        return " + λ W", lambda w, num: f"{num(lam)}·{num.f(w)}"
    return f" + ∂{regularizer.name}/∂W", None


# ---------------------------------------------------------------------------- activations
def jacobians(activation: Any, pre: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``J[s, k, m] = ∂a[s,k]/∂z[s,m]`` from the activation's own backward with unit gradients."""
    n, k = pre.shape
    J = np.empty((n, k, k), dtype=pre.dtype)
    eye = np.eye(k, dtype=pre.dtype)
    for s in range(n):
        for unit in range(k):
            J[s, unit] = activation.backward(pre[s : s + 1], a[s : s + 1], eye[unit : unit + 1])[0]
    return J
