"""The page's blocks for a step that is not a dense block: Normalization, LayerNorm, BatchNorm,
RMSNorm, Dropout or an activation layer on its own. Forward: the formula, then each unit with
its numbers (small steps) or a table of statistics; backward: ``dL/dh`` and the scale and shift
gradients the same way. Symbols: ``h`` the step's input, ``y`` its output."""

from __future__ import annotations

from typing import Any

import numpy as np

from .formulas import Numbers
from .render import Formulas, Heading, Text
from .tables import matrix_table, shape_of, stats_table

__all__ = ["step_title", "step_forward_blocks", "step_backward_blocks"]

_TITLES = {"normalization": "Normalization (standardisation learnt by adapt)", "layer_norm": "LayerNorm",
           "batch_norm": "BatchNorm (inference: running statistics)", "rms_norm": "RMSNorm",
           "dropout": "Dropout (inference: the identity)", "activation": "Activation"}

_FORWARD = {
    "normalization": "y = (h − mean) / √variance      per feature (a feature with variance 0 is divided by 1)",
    "layer_norm": "y = γ ⊙ (h − μ) / √(σ² + ε) + β      μ, σ² over each row's features (biased), ε = {eps:g}",
    "batch_norm": "y = γ ⊙ (h − running_mean) / √(running_var + ε) + β      per feature, ε = {eps:g}",
    "rms_norm": "y = γ ⊙ h / √(mean_j h² + ε)      over each row's features, ε = {eps:g}",
    "dropout": "y = h      (training would zero each unit with probability {rate:g} and scale by 1/(1 − p))",
    "activation": "y = {act}(h)",
}

_BACKWARD = {
    "normalization": ["∂L/∂h = ∂L/∂y / √variance"],
    "layer_norm": ["∂L/∂γ = Σ_s ∂L/∂y ⊙ ĥ,   ∂L/∂β = Σ_s ∂L/∂y,   ĥ = (h − μ) / √(σ² + ε)",
                   "∂L/∂h = (ĝ − mean_j ĝ − ĥ · mean_j(ĝ ⊙ ĥ)) / √(σ² + ε),   ĝ = γ ⊙ ∂L/∂y"],
    "batch_norm": ["∂L/∂γ = Σ_s ∂L/∂y ⊙ ĥ,   ∂L/∂β = Σ_s ∂L/∂y,   ĥ = (h − running_mean) / √(running_var + ε)",
                   "∂L/∂h = γ ⊙ ∂L/∂y / √(running_var + ε)      (the statistics are constants at inference)"],
    "rms_norm": ["∂L/∂γ = Σ_s ∂L/∂y ⊙ ĥ,   ĥ = h · r,   r = 1/√(mean_j h² + ε)",
                 "∂L/∂h = r (ĝ − ĥ · mean_j(ĝ ⊙ ĥ)),   ĝ = γ ⊙ ∂L/∂y"],
    "dropout": ["∂L/∂h = ∂L/∂y"],
    "activation": ["∂L/∂h = J_{act}ᵀ ∂L/∂y      (the activation's own vector-Jacobian product)"],
}


def step_title(step: Any) -> str:
    """``LayerNorm``, ``Activation relu``...: what the step is, in a few words."""
    if step.kind == "activation":
        return f"Activation {step.layer.activation.name}"
    return _TITLES.get(step.kind, step.kind)


def _fill(text: str, step: Any) -> str:
    act = step.layer.activation.name if step.kind == "activation" else ""
    return text.format(eps=getattr(step.layer, "eps", 0.0), rate=getattr(step.layer, "rate", 0.0), act=act)


def _unit_line(step: Any, s: int, j: int, num: Numbers, at: Any) -> str:
    """``y[s,j] = formula with numbers = value`` for one unit."""
    v, h, y = step.values, step.inputs[s, j], step.output[s, j]
    if step.kind == "normalization":
        body = f"({num(h)} − {num.f(v['mean'][j])})·{num(v['inv_std'][j])}"
    elif step.kind == "layer_norm":
        body = f"{num.f(v['scale'][j])}·({num(h)} − {num.f(v['mean'][s, 0])})·{num(v['inv_std'][s, 0])} + {num.f(v['shift'][j])}"
    elif step.kind == "batch_norm":
        body = (f"{num.f(v['scale'][j])}·({num(h)} − {num.f(v['running_mean'][j])})·{num(v['inv_std'][j])} "
                f"+ {num.f(v['shift'][j])}")
    elif step.kind == "rms_norm":
        body = f"{num.f(v['scale'][j])}·{num.f(h)}·{num(v['rms_inverse'][s, 0])}"
    elif step.kind == "activation":
        body = f"{step.layer.activation.name}({num(h)})"
    else:
        body = num(h)
    return f"{at('y', s, j)} = {body} = {num(y)}"


def _detailed(step: Any, ctx: Any) -> bool:
    return max(step.n_in, step.n_out) <= ctx.max_units and ctx.n <= 4


def step_forward_blocks(ctx: Any, step: Any) -> list:
    """Heading, formula, and the numbers of one step's forward pass."""
    num = ctx.num
    blocks: list = [Heading(3, f"`{step.name}`: {step_title(step)}, {step.n_in} → {step.n_out}")]
    lines = [_fill(_FORWARD.get(step.kind, f"y = {step.kind}(h)"), step) + f"      {shape_of(step.output)}"]
    state = [(key, arr) for key, arr in step.values.items() if key in (*step.layer.parameters(), *step.layer.buffers())]
    if not _detailed(step, ctx):
        return [*blocks, Formulas(lines), stats_table([("h (input)", step.inputs), *state, ("y", step.output)], num)]
    coupled = step.kind == "activation" and ctx.coupled_step(step)
    for s in range(ctx.n):
        if coupled:
            row = ", ".join(num(v) for v in step.inputs[s])
            out = ", ".join(num(v) for v in step.output[s])
            lines.append(f"{ctx.at('y', s, ':')} = {step.layer.activation.name}([{row}]) = [{out}]")
            continue
        lines += [_unit_line(step, s, j, num, ctx.at) for j in range(step.n_out)]
    tables = [matrix_table(np.atleast_2d(arr), f"{step.name}.{key}", "", "feature", num) for key, arr in state
              if key != "count"]
    return [*blocks, Formulas(lines), *tables]


def step_backward_blocks(ctx: Any, step: Any) -> list:
    """``dL/dh`` and the parameter gradients of one step, from ``dL/dy``."""
    num = ctx.num
    blocks: list = [Heading(3, f"`{step.name}`: {step_title(step)}")]
    if step.grad_output is None:
        if step.grad_inputs is None:
            return [*blocks, Text("Below the first trained layer: no gradient is needed here (the model computes none).")]
        blocks.append(Text("The output layer: the fused head gives ∂L/∂h from the logits h (see the loss above)."))
        return [*blocks, stats_table([("∂L/∂h", step.grad_inputs)], num, top=True)]
    lines = [_fill(text, step) for text in _BACKWARD.get(step.kind, ["∂L/∂h from the layer's backward"])]
    grads = [(f"∂L/∂{step.name}.{key}", g) for key, g in step.grads.items()]
    arrays = [("∂L/∂y", step.grad_output), *([("∂L/∂h", step.grad_inputs)] if step.grad_inputs is not None else [])]
    if step.grad_inputs is None:
        lines.append("(∂L/∂h is not needed: nothing below this layer is trained)")
    if not _detailed(step, ctx):
        return [*blocks, Formulas(lines), stats_table([*arrays, *grads], num, top=True)]
    lines += _gradient_lines(step, num)
    tables = [matrix_table(arr, name, "sample", "unit", num) for name, arr in arrays]
    tables += [matrix_table(g[None, :], name, "", "feature", num) for name, g in grads]
    return [*blocks, Formulas(lines), *tables]


def _gradient_lines(step: Any, num: Numbers) -> list[str]:
    """``dL/dγ[j] = Σ_s dL/dy[s,j]·ĥ[s,j] = ... = value`` (and ``dL/dβ``) for a norm's parameters."""
    lines = []
    xhat = step.values.get("xhat")
    for j in range(step.n_out):
        if "scale" in step.grads:
            terms = " + ".join(f"{num.f(g)}·{num.f(x)}" for g, x in zip(step.grad_output[:, j], xhat[:, j]))
            lines.append(f"∂L/∂γ[{j}] = Σ_s ∂L/∂y[s,{j}]·ĥ[s,{j}] = {terms} = {num(step.grads['scale'][j])}")
        if "shift" in step.grads:
            terms = " + ".join(num.f(g) for g in step.grad_output[:, j])
            lines.append(f"∂L/∂β[{j}] = Σ_s ∂L/∂y[s,{j}] = {terms} = {num(step.grads['shift'][j])}")
    return lines
