"""The backprop page: the trace laid out as blocks (see ``render``), and its plain-text summary.

A layer is shown in full (every number substituted into its formula) when it has at most
``max_units`` inputs and units and the batch has at most ``MAX_DETAIL_SAMPLES`` rows;
otherwise its arrays are summarised by shape, range, norm and strongest units.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .formulas import (
    Numbers,
    head_formula,
    jacobians,
    loss_gradient_formula,
    loss_lines,
    penalty_gradient_term,
    penalty_lines,
    sup,
)
from .page_steps import step_backward_blocks, step_forward_blocks, step_title
from .render import Formulas, Heading, Table, Text
from .tables import matrix_table, shape_of, stats_table

__all__ = ["build_page", "summary_text", "MAX_DETAIL_SAMPLES"]

MAX_DETAIL_SAMPLES = 4
_MAX_ENTRY_LINES = 36  # dL/dW written entry by entry up to this many entries, else as a table


def build_page(trace: Any, max_units: int = 16, digits: int = 4) -> list:
    """The page's blocks: set-up, forward pass, loss, backward pass, gradients."""
    if not isinstance(max_units, int) or max_units < 1:
        raise ValueError(f"max_units must be a positive integer, got {max_units!r}")
    ctx = _Context(trace, max_units, Numbers(digits))
    blocks = [Heading(1, "Backpropagation, step by step"), Text(_headline(trace)), *_notation(trace)]
    blocks += _inputs(ctx)
    blocks.append(Heading(2, "Forward pass"))
    for step in trace.steps:
        blocks += _forward_layer(ctx, step) if _is_dense(step) else step_forward_blocks(ctx, step)
    blocks += _loss(ctx)
    blocks.append(Heading(2, "Backward pass, from the loss to the input"))
    for step in reversed(trace.steps):
        blocks += _backward_layer(ctx, step) if _is_dense(step) else step_backward_blocks(ctx, step)
    blocks += _gradients(ctx)
    return blocks


def _is_dense(step: Any) -> bool:
    return hasattr(step, "weight")


class _Context:
    def __init__(self, trace: Any, max_units: int, num: Numbers) -> None:
        self.trace, self.max_units, self.num = trace, max_units, num
        self.n, self.L = trace.n_samples, len(trace.layers)
        self._coupled: dict[int, bool] = {}

    def detailed(self, layer: Any) -> bool:
        return max(layer.n_in, layer.n_out) <= self.max_units and self.n <= MAX_DETAIL_SAMPLES

    def at(self, name: str, s: Any, *idx: Any) -> str:
        """``z[j]`` for one sample, ``z[s,j]`` for several."""
        return f"{name}[{','.join(str(i) for i in ((s, *idx) if self.n > 1 else idx))}]"

    def coupled(self, layer: Any) -> bool:
        """Whether the activation mixes the units of a row (softmax): its Jacobian is not diagonal."""
        if layer.index not in self._coupled:
            J = jacobians(layer.activation, layer.pre_activation, layer.a)
            self._coupled[layer.index] = any(np.count_nonzero(Js - np.diag(np.diag(Js))) for Js in J)
        return self._coupled[layer.index]

    def coupled_step(self, step: Any) -> bool:
        """``coupled`` for an activation layer on its own (input ``h``, output ``y``)."""
        J = jacobians(step.layer.activation, step.inputs, step.output)
        return any(np.count_nonzero(Js - np.diag(np.diag(Js))) for Js in J)

    def position(self, layer: Any) -> int:
        return next(k for k, step in enumerate(self.trace.steps) if step is layer)

    def is_output(self, layer: Any) -> bool:
        return self.trace.steps[-1] is layer

    def input_symbol(self, layer: Any) -> str:
        """``x`` for the first step, ``a⁽ˡ⁻¹⁾`` after a dense block, else ``h⁽ˡ⁻¹⁾`` (another layer's output)."""
        k = self.position(layer)
        if k == 0:
            return "x"
        return f"{'a' if _is_dense(self.trace.steps[k - 1]) else 'h'}{sup(layer.index)}"

    def above(self, layer: Any) -> Any:
        """The step that receives this one's output, or None for the output."""
        k = self.position(layer)
        return self.trace.steps[k + 1] if k + 1 < len(self.trace.steps) else None


# ---------------------------------------------------------------------------- set-up
def _architecture(trace: Any) -> str:
    if all(_is_dense(step) for step in trace.steps):
        sizes = [trace.layers[0].n_in] + [layer.n_out for layer in trace.layers]
        acts = ", ".join(layer.activation.name for layer in trace.layers)
        return f"{' → '.join(map(str, sizes))} ({acts})"
    parts = [f"`{s.name}` {s.n_in}→{s.n_out} {s.activation.name}" if _is_dense(s) else f"`{s.name}` {step_title(s)}"
             for s in trace.steps]
    return " → ".join(parts)


def _headline(trace: Any) -> str:
    n = trace.n_samples
    reg = "" if trace.regularizer is None else f", `{trace.regularizer.name}` penalty λ = {trace.regularizer.lam:g}"
    return (f"Network {_architecture(trace)}, loss `{trace.loss_object.name}`{reg}; "
            f"{n} sample{'s' if n != 1 else ''}, {trace.x.dtype.name}. "
            f"**L = {trace.loss:.6g}** (data loss {trace.data_loss:.6g} + penalty {trace.penalty:.6g}).")


def _notation(trace: Any) -> list:
    return [Heading(2, "Notation"), Text(
        "Rows are samples. Dense layer l (parameters `layers.{l-1}.*`) computes z⁽ˡ⁾ = h⁽ˡ⁻¹⁾ W⁽ˡ⁾ + b⁽ˡ⁾ "
        "and a⁽ˡ⁾ = f(z⁽ˡ⁾), with h⁽⁰⁾ = x and h⁽ˡ⁾ = a⁽ˡ⁾. W is stored (n_in, n_out): W[i,j] joins "
        "input i to unit j. The error term is δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾; the chain rule gives "
        "∂L/∂W⁽ˡ⁾ = h⁽ˡ⁻¹⁾ᵀ δ⁽ˡ⁾, ∂L/∂b⁽ˡ⁾ = Σ_s δ⁽ˡ⁾[s,:] and ∂L/∂a⁽ˡ⁻¹⁾ = δ⁽ˡ⁾ W⁽ˡ⁾ᵀ. "
        "Indices count from 0, as in NumPy. Shapes are written (rows×columns)." + _other_layers(trace))]


def _other_layers(trace: Any) -> str:
    if all(_is_dense(step) for step in trace.steps):
        return ""
    return (" Layers between the dense ones (named as in the network, e.g. `input_norm`) are written with h their "
            "input and y their output; h⁽ˡ⁻¹⁾ is what reaches dense layer l. Everything runs in inference mode: "
            "BatchNorm uses its running statistics, Dropout is the identity.")


def _inputs(ctx: _Context) -> list:
    t, num = ctx.trace, ctx.num
    blocks = [Heading(2, "Input and target")]
    if t.x.shape[1] <= ctx.max_units and ctx.n <= MAX_DETAIL_SAMPLES:
        blocks.append(matrix_table(t.x, "x", "sample", "input", num))
    else:
        blocks.append(stats_table([("x", t.x)], num))
    if t.labels is not None:
        blocks.append(Text(f"Class labels {t.labels.tolist()[:20]} as one-hot targets y, shape {shape_of(t.y)}."))
    if t.y.shape[1] <= ctx.max_units and ctx.n <= MAX_DETAIL_SAMPLES:
        blocks.append(matrix_table(t.y, "y", "sample", "output", num))
    return blocks


# ---------------------------------------------------------------------------- forward
def _forward_layer(ctx: _Context, layer: Any) -> list:
    num, ell = ctx.num, layer.index + 1
    h = ctx.input_symbol(layer)
    role = "output" if ctx.is_output(layer) else "hidden"
    act = layer.activation.name
    blocks = [Heading(3, f"Layer {ell} (`{layer.name}`, {role}): {layer.n_in} → {layer.n_out}, {act}{_parts(layer)}")]
    lines = [f"z{sup(ell)} = {h} W{sup(ell)} + b{sup(ell)}      {shape_of(layer.z)} = {shape_of(layer.inputs)}·"
             f"{shape_of(layer.weight)} + ({layer.n_out})"]
    if layer.norm is not None:
        lines.append(f"u{sup(ell)} = g ⊙ z{sup(ell)} / √(mean_j z² + ε)      RMSNorm, ε = {layer.norm.eps:g}")
    lines.append(f"a{sup(ell)} = {act}({'u' if layer.norm is not None else 'z'}{sup(ell)})      {shape_of(layer.a)}")
    if not ctx.detailed(layer):
        quantities = [("h (input)", layer.inputs), ("W", layer.weight), ("b", layer.bias), ("z", layer.z)]
        if layer.norm is not None:
            quantities.append(("u (normalised)", layer.norm.output))
        return [*blocks, Formulas(lines), stats_table([*quantities, ("a", layer.a)], num)]
    for s in range(ctx.n):
        for j in range(layer.n_out):
            terms = " + ".join(f"{num.f(hv)}·{num.f(w)}" for hv, w in zip(layer.inputs[s], layer.weight[:, j]))
            lines.append(f"{ctx.at(f'z{sup(ell)}', s, j)} = {terms} + {num.f(layer.bias[j])} = {num(layer.z[s, j])}")
        lines += _norm_forward_lines(ctx, layer, s)
        if ctx.coupled(layer):  # the whole row at once
            row = ", ".join(num(v) for v in layer.pre_activation[s])
            out = ", ".join(num(v) for v in layer.a[s])
            lines.append(f"{ctx.at(f'a{sup(ell)}', s, ':')} = {act}([{row}]) = [{out}]")
            continue
        for j in range(layer.n_out):
            pre = layer.pre_activation[s, j]
            lines.append(f"{ctx.at(f'a{sup(ell)}', s, j)} = {act}({num(pre)}) = {num(layer.a[s, j])}")
    blocks += [Formulas(lines), matrix_table(layer.weight, f"W{sup(ell)} = {layer.name}.weight", "input", "unit", num)]
    return blocks


def _parts(layer: Any) -> str:
    """The other layers of the block, where the network names them otherwise than ``FFNN(...)`` does."""
    parts = []
    if layer.norm is not None and layer.norm.name != f"{layer.name}.norm":
        parts.append(f"RMSNorm `{layer.norm.name}`")
    if layer.activation_name and layer.activation_name != f"{layer.name}.activation":
        parts.append(f"activation `{layer.activation_name}`")
    if not layer.activation_name:
        parts.append("no activation layer: a = z")
    return f" ({', '.join(parts)})" if parts else ""


def _norm_forward_lines(ctx: _Context, layer: Any, s: int) -> list[str]:
    if layer.norm is None:
        return []
    num, norm, ell = ctx.num, layer.norm, layer.index + 1
    rms = 1 / float(norm.rms_inverse[s, 0])
    lines = [f"rms = √(mean z² + ε) = {num(rms)}"]
    for j in range(layer.n_out):
        lines.append(f"{ctx.at(f'u{sup(ell)}', s, j)} = {num.f(norm.scale[j])}·{num.f(layer.z[s, j])} / {num(rms)} "
                     f"= {num(norm.output[s, j])}")
    return lines


# ---------------------------------------------------------------------------- loss
def _loss(ctx: _Context) -> list:
    t, num = ctx.trace, ctx.num
    lines = loss_lines(t.loss_object, t.fused, t.output, t.y, t.data_loss, num)
    if t.regularizer is not None:
        lines += penalty_lines(t.regularizer, [layer.weight for layer in t.layers], t.penalty, num)
        lines.append(f"L = {num(t.data_loss)} + {num(t.penalty)} = {num(t.loss)}")
    last = t.steps[-1]
    p = f"a{sup(ctx.L)}" if _is_dense(last) else f"y of `{last.name}`"
    return [Heading(2, f"Loss: {t.loss_object.name}, with p = {p}"), Formulas(lines)]


# ---------------------------------------------------------------------------- backward
def _backward_layer(ctx: _Context, layer: Any) -> list:
    ell = layer.index + 1
    is_output = ctx.is_output(layer)
    title = f"Layer {ell} (`{layer.name}`{', output' if is_output else ''}): δ{sup(ell)} = ∂L/∂z{sup(ell)}"
    blocks: list = [Heading(3, title)]
    if is_output and ctx.trace.fused is not None:
        blocks += _fused_delta(ctx, layer)
    else:
        blocks += _chain_delta(ctx, layer, is_output)
    if layer.norm is not None:
        blocks += _norm_backward(ctx, layer)
    if getattr(layer.activation, "zero_gradient", False):
        blocks.append(Text(f"`{layer.activation.name}` has derivative 0 almost everywhere: δ{sup(ell)} is 0, "
                           "so no gradient reaches this layer's weights or anything below it."))
    blocks += _parameter_gradients(ctx, layer)
    return blocks


def _fused_delta(ctx: _Context, layer: Any) -> list:
    num, t, ell = ctx.num, ctx.trace, layer.index + 1
    formula, why, write = head_formula(t.fused, t.y)
    lines = [f"{formula}      {shape_of(layer.delta)}      ({why})"]
    if ctx.detailed(layer):
        n, k = layer.delta.shape
        for s in range(n):
            for j in range(k):
                sub = write(layer.a[s, j], t.y[s, j], n, k, num) + " = " if write else ""
                lines.append(f"{ctx.at(f'δ{sup(ell)}', s, j)} = {sub}{num(layer.delta[s, j])}")
        return [Formulas(lines)]
    return [Formulas(lines), stats_table([(f"δ{sup(ell)}", layer.delta)], num, top=True)]


def _chain_delta(ctx: _Context, layer: Any, is_output: bool) -> list:
    """δ = J_fᵀ ∂L/∂a, with ∂L/∂a from the loss (output) or from the layer above."""
    num, ell = ctx.num, layer.index + 1
    pre = "u" if layer.norm is not None else "z"
    target = "∂L/∂u" if layer.norm is not None else "δ"
    if is_output:
        formula, write = loss_gradient_formula(ctx.trace.loss_object)
        lines = [f"{formula}      {shape_of(layer.grad_a)}"]
    elif _is_dense(ctx.above(layer)):
        k = ctx.above(layer).n_out  # units of the layer above
        lines = [f"∂L/∂a{sup(ell)} = δ{sup(ell + 1)} W{sup(ell + 1)}ᵀ      {shape_of(layer.grad_a)} = "
                 f"({ctx.n}×{k})·({k}×{layer.n_out})"]
    else:
        lines = [f"∂L/∂a{sup(ell)} = ∂L/∂h of `{ctx.above(layer).name}`      {shape_of(layer.grad_a)}"]
    grad_pre = layer.delta if layer.norm is None else layer.norm.grad_output
    if not ctx.detailed(layer):
        lines.append(f"{target}{sup(ell)} = ∂L/∂a{sup(ell)} ⊙ {layer.activation.name}'({pre}{sup(ell)})")
        return [Formulas(lines), stats_table([(f"∂L/∂a{sup(ell)}", layer.grad_a), (f"δ{sup(ell)}", layer.delta)],
                                              num, top=True)]
    if is_output:
        lines += _loss_gradient_lines(ctx, layer, write)
    elif _is_dense(ctx.above(layer)):
        lines += _upstream_lines(ctx, layer)
    lines += _activation_lines(ctx, layer, grad_pre, target)
    return [Formulas(lines)]


def _loss_gradient_lines(ctx: _Context, layer: Any, write: Any) -> list[str]:
    num, y, ell = ctx.num, ctx.trace.y, layer.index + 1
    n, k = layer.a.shape
    lines = []
    for s in range(n):
        for j in range(k):
            sub = write(layer.a[s, j], y[s, j], n, k, num) + " = " if write else ""
            lines.append(f"{ctx.at(f'∂L/∂a{sup(ell)}', s, j)} = {sub}{num(layer.grad_a[s, j])}")
    return lines


def _upstream_lines(ctx: _Context, layer: Any) -> list[str]:
    num, ell = ctx.num, layer.index + 1
    above = ctx.above(layer)
    lines = []
    for s in range(ctx.n):
        for j in range(layer.n_out):
            terms = " + ".join(f"{num.f(d)}·{num.f(w)}" for d, w in zip(above.delta[s], above.weight[j]))
            symbolic = f"Σ_k {ctx.at(f'δ{sup(ell + 1)}', s, 'k')}·W{sup(ell + 1)}[{j},k]"
            lines.append(f"{ctx.at(f'∂L/∂a{sup(ell)}', s, j)} = {symbolic} = {terms} = {num(layer.grad_a[s, j])}")
    return lines


def _activation_lines(ctx: _Context, layer: Any, grad_pre: np.ndarray, target: str) -> list[str]:
    num, ell, name = ctx.num, layer.index + 1, layer.activation.name
    J = jacobians(layer.activation, layer.pre_activation, layer.a)
    diagonal = not ctx.coupled(layer)
    pre = "u" if layer.norm is not None else "z"
    if diagonal:
        lines = [f"{target}{sup(ell)} = ∂L/∂a{sup(ell)} ⊙ {name}'({pre}{sup(ell)})      element by element"]
    else:
        lines = [f"{target}{sup(ell)} = J_{name}ᵀ ∂L/∂a{sup(ell)}, J[k,m] = ∂a[k]/∂{pre}[m]      "
                 "the units of a row are coupled"]
    for s in range(ctx.n):
        for j in range(layer.n_out):
            g, v = layer.grad_a[s], grad_pre[s, j]
            if diagonal:
                x = layer.pre_activation[s, j]
                lines.append(f"{ctx.at(target + sup(ell), s, j)} = {num.f(g[j])}·"
                             f"{name}'({num(x)}) = {num.f(g[j])}·{num.f(J[s, j, j])} = {num(v)}")
            else:
                terms = " + ".join(f"{num.f(J[s, k, j])}·{num.f(g[k])}" for k in range(layer.n_out))
                lines.append(f"{ctx.at(target + sup(ell), s, j)} = Σ_k J[k,{j}]·∂L/∂a[k] = {terms} = {num(v)}")
    return lines


def _norm_backward(ctx: _Context, layer: Any) -> list:
    num, ell, norm = ctx.num, layer.index + 1, layer.norm
    lines = [f"∂L/∂g = Σ_s ∂L/∂u ⊙ ẑ      ({layer.n_out}),   ẑ = z · r,  r = 1/√(mean z² + ε)",
             f"δ{sup(ell)} = r (ĝ − ẑ · mean_j(ĝ ⊙ ẑ)),  ĝ = g ⊙ ∂L/∂u      {shape_of(layer.delta)}"]
    tables = [stats_table([("∂L/∂u", norm.grad_output), ("∂L/∂g", norm.grad_scale), (f"δ{sup(ell)}", layer.delta)],
                           num)]
    if ctx.detailed(layer):
        tables = [matrix_table(layer.delta, f"δ{sup(ell)}", "sample", "unit", num),
                  matrix_table(norm.grad_scale[None, :], f"∂L/∂g = {layer.name}.norm.scale gradient", "", "unit",
                                num)]
    return [Text("Through RMSNorm:"), Formulas(lines), *tables]


def _parameter_gradients(ctx: _Context, layer: Any) -> list:
    num, ell = ctx.num, layer.index + 1
    h = ctx.input_symbol(layer)
    term, write_pen = penalty_gradient_term(ctx.trace.regularizer)
    lines = [f"∂L/∂W{sup(ell)} = {h}ᵀ δ{sup(ell)}{term}      {shape_of(layer.weight)} = "
             f"({layer.n_in}×{ctx.n})·({ctx.n}×{layer.n_out})",
             f"∂L/∂b{sup(ell)} = Σ_s δ{sup(ell)}[s,:]      ({layer.n_out})"]
    if not ctx.detailed(layer):
        return [Formulas(lines), stats_table([(f"∂L/∂W{sup(ell)}", layer.grad_weight),
                                              (f"∂L/∂b{sup(ell)}", layer.grad_bias)], num, top=False)]
    entries = [(i, j) for i in range(layer.n_in) for j in range(layer.n_out)]
    if len(entries) > _MAX_ENTRY_LINES:  # one worked entry: the largest
        flat = int(np.argmax(np.abs(layer.grad_weight)))
        entries = [divmod(flat, layer.n_out)]
        lines.append("for example, the largest entry:")
    for i, j in entries:
        lines.append(_weight_entry(ctx, layer, i, j, write_pen))
    for j in range(layer.n_out):
        terms = " + ".join(num.f(d) for d in layer.delta[:, j])
        lines.append(f"∂L/∂b{sup(ell)}[{j}] = Σ_s δ{sup(ell)}[s,{j}] = {terms} = {num(layer.grad_bias[j])}" if ctx.n > 1
                     else f"∂L/∂b{sup(ell)}[{j}] = δ{sup(ell)}[{j}] = {num(layer.grad_bias[j])}")
    return [Formulas(lines),
            matrix_table(layer.grad_weight, f"∂L/∂W{sup(ell)} = gradient of {layer.name}.weight", "input", "unit", num)]


def _weight_entry(ctx: _Context, layer: Any, i: int, j: int, write_pen: Any) -> str:
    num, ell = ctx.num, layer.index + 1
    h = ctx.input_symbol(layer)
    products = " + ".join(f"{num.f(layer.inputs[s, i])}·{num.f(layer.delta[s, j])}" for s in range(ctx.n))
    symbolic = f"{h}[{i}]·δ{sup(ell)}[{j}]" if ctx.n == 1 else f"Σ_s {h}[s,{i}]·δ{sup(ell)}[s,{j}]"
    text = f"∂L/∂W{sup(ell)}[{i},{j}] = {symbolic} = {products}"
    if layer.grad_weight_penalty is not None:
        pen = write_pen(layer.weight[i, j], num) if write_pen else num(layer.grad_weight_penalty[i, j])
        text += f" + {pen}"
    return f"{text} = {num(layer.grad_weight[i, j])}"


# ---------------------------------------------------------------------------- gradients
def _gradients(ctx: _Context) -> list:
    num = ctx.num
    rows = [[name, shape_of(g), num(np.linalg.norm(g)), num(np.abs(g).max(initial=0))]
            for name, g in ctx.trace.grads().items()]
    return [Heading(2, "Gradients"),
            Text("What `model.compute_gradients(x, y)` returns for this batch (the same numbers):"),
            Table(["parameter", "shape", "‖∂L/∂θ‖", "max |∂L/∂θ|"], rows)]


def summary_text(trace: Any) -> str:
    """Per layer: sizes, activation and the norms of z, a, δ, ∂L/∂W, ∂L/∂b (plain text)."""
    n = trace.n_samples
    head = f"backprop on {n} sample{'s' if n != 1 else ''}: loss {trace.loss:.6g} "
    head += f"(data {trace.data_loss:.6g} + penalty {trace.penalty:.6g})"
    cols = f"{'layer':<10}{'sizes':<12}{'activation':<14}{'|z|':>10}{'|a|':>10}{'|delta|':>10}{'|dL/dW|':>10}{'|dL/db|':>10}"
    rows = [head, cols]
    for step in trace.steps:
        if _is_dense(step):
            norms = [np.linalg.norm(v) for v in (step.z, step.a, step.delta, step.grad_weight, step.grad_bias)]
            kind = step.activation.name
        else:  # |h|, |y|, |dL/dy| (z, a, delta of a step) and no W, b
            norms = [np.linalg.norm(v) if v is not None else np.nan
                     for v in (step.inputs, step.output, step.grad_output)] + [np.nan, np.nan]
            kind = step.kind
        rows.append(f"{step.name:<10}{f'{step.n_in}->{step.n_out}':<12}{kind:<14}"
                    + "".join(f"{v:>10.4g}" for v in norms))
    return "\n".join(rows)
