"""Property-based: random expression graphs differentiate like central differences say.

Hypothesis draws a small program: which operations, on which earlier values, with which
broadcastable shapes. The values themselves come from a seeded generator (not from
hypothesis), so that shrinking does not steer towards ties and kinks.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import numerical_gradient, relative_error
from ffnn.autograd import Tensor, no_grad

# Smooth operations only: finite differences are then reliable everywhere.
UNARY = [
    lambda x: x.tanh(),
    lambda x: x.sigmoid(),
    lambda x: -x,
    lambda x: x * 0.7 + 0.2,
    lambda x: (x.tanh()).exp(),
    lambda x: (x * x + 1).log(),
    lambda x: (x * x + 1).sqrt(),
    lambda x: x.softplus(),
    lambda x: x**2,
    lambda x: _reduce(x, "sum"),
    lambda x: _reduce(x, "mean"),
    lambda x: _reduce(x, "logsumexp"),
    lambda x: x.softmax(axis=-1) if x.ndim else x,
]
BINARY = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b * b + 1),
    lambda a, b: (a * a + 0.5) ** (b.tanh()),
]


def _reduce(x: Tensor, how: str) -> Tensor:
    """Reduce over the first axis keeping it, so the shape still broadcasts against (n, m)."""
    if x.ndim == 0:
        return x
    return getattr(x, how)(axis=0, keepdims=x.ndim == 2)


SHAPES = st.sampled_from(["nm", "m", "n1", "1m", ""])


def _shape(code: str, n: int, m: int) -> tuple[int, ...]:
    return tuple({"n": n, "m": m, "1": 1}[c] for c in code)


@st.composite
def programs(draw):
    n, m = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shapes = [_shape(draw(SHAPES), n, m) for _ in range(draw(st.integers(1, 3)))]
    steps = []
    for k in range(draw(st.integers(1, 8))):
        available = len(shapes) + k
        if draw(st.booleans()):
            steps.append(("u", draw(st.integers(0, len(UNARY) - 1)), draw(st.integers(0, available - 1))))
        else:
            i, j = draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1))
            steps.append(("b", draw(st.integers(0, len(BINARY) - 1)), i, j))
    with_matmul = draw(st.booleans())
    return shapes, steps, with_matmul, draw(st.integers(0, 2**31 - 1)), (n, m)


def run(program, arrays, as_tensor):
    shapes, steps, with_matmul, _, (n, m) = program
    values = [as_tensor(a) for a in arrays[: len(shapes)]]
    for step in steps:
        if step[0] == "u":
            values.append(UNARY[step[1]](values[step[2]]))
        else:
            values.append(BINARY[step[1]](values[step[2]], values[step[3]]))
    out = values[-1]
    if with_matmul:  # (.., m) @ (m, 2): a matrix product whose right side is an input too
        out = (out * np.ones((n, m))) @ as_tensor(arrays[-1])  # broadcast up to (n, m) first
    # every input may be unused; add each one in so that every gradient is defined
    total = (out * out.tanh()).sum()
    for v in values[: len(shapes)] + [as_tensor(arrays[-1])]:
        total = total + v.sum() * 0.1
    return total


def _arrays(program):
    shapes, _, _, seed, (_, m) = program
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in shapes] + [rng.normal(size=(m, 2))]


@settings(max_examples=100, deadline=None)
@given(programs())
def test_random_graphs_match_central_differences(program):
    arrays = _arrays(program)
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    run(program, tensors, lambda t: t).backward()
    for a, t in zip(arrays, tensors):
        numeric = numerical_gradient(lambda: float(run(program, arrays, Tensor).data), a)
        assert t.grad.shape == a.shape
        assert relative_error(t.grad, numeric) < 1e-6


@settings(max_examples=40, deadline=None)
@given(programs())
def test_no_grad_gives_the_same_values_and_records_nothing(program):
    arrays = _arrays(program)
    recorded = run(program, [Tensor(a, requires_grad=True) for a in arrays], lambda t: t)
    with no_grad():
        plain = run(program, [Tensor(a, requires_grad=True) for a in arrays], lambda t: t)
    assert not plain.requires_grad and plain.is_leaf
    np.testing.assert_array_equal(plain.data, recorded.data)


@settings(max_examples=40, deadline=None)
@given(programs(), st.floats(-3, 3, allow_nan=False))
def test_backward_is_linear_in_the_seed(program, c):
    """Reverse mode computes a vector-Jacobian product: seeding with c gives c times the gradient."""
    arrays = _arrays(program)
    grads = []
    for seed in (1.0, c):
        tensors = [Tensor(a, requires_grad=True) for a in arrays]
        run(program, tensors, lambda t: t).backward(np.float64(seed))
        grads.append([t.grad for t in tensors])
    for g1, gc in zip(*grads):
        np.testing.assert_allclose(gc, c * g1, rtol=1e-12, atol=1e-12 * (1 + np.abs(g1).max()))


@pytest.mark.parametrize("n", [1, 5])
def test_the_program_generator_covers_broadcasting(n):
    """A guard for the strategy itself: mixed shapes really do meet in one graph."""
    prog = ([(n, 3), (3,), (n, 1)], [("b", 2, 0, 1), ("b", 0, 3, 2)], True, 0, (n, 3))
    arrays = _arrays(prog)
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    run(prog, tensors, lambda t: t).backward()
    assert [t.grad.shape for t in tensors] == [(n, 3), (3,), (n, 1), (3, 2)]
