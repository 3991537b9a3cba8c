"""The autograd engine: every operation's gradient against central differences, and backward()."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import numerical_gradient, relative_error
from ffnn.autograd import Tensor, no_grad
from ffnn.autograd import functional as F


def check_gradients(fn, *arrays, tol=1e-7):
    """Gradients of ``sum(fn(*tensors) * R)`` (R random) against central differences, in float64."""
    rng = np.random.default_rng(123)
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    weights = rng.normal(size=out.shape)
    (out * weights).sum().backward()

    def value():
        return float((fn(*[Tensor(a) for a in arrays]).data * weights).sum())

    for i, (a, t) in enumerate(zip(arrays, tensors)):
        assert t.grad is not None and t.grad.shape == a.shape, f"input {i}: grad shape"
        numeric = numerical_gradient(value, a)
        err = relative_error(t.grad, numeric)
        assert err < tol, f"input {i}: relative error {err:.2e}"


rng = np.random.default_rng(0)
M34, M14, M31, V4, S = (rng.normal(size=s) for s in [(3, 4), (1, 4), (3, 1), (4,), ()])
POS34 = rng.uniform(0.5, 2.0, (3, 4))
AWAY34 = M34 + np.sign(M34) * 0.1  # kept away from 0, where relu/abs have a kink
T234 = rng.normal(size=(2, 3, 4))

BINARY = {  # broadcasting cases: same shape, row, column, vector, scalar, both stretched
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
    "maximum": lambda a, b: a.maximum(b),
    "pow": lambda a, b: (a * a + 0.5) ** b,
}
SHAPE_PAIRS = [(M34, M34 + 0.3), (M34, M14), (M34, M31), (M34, V4), (M34, S), (M31, M14), (S, M34)]


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("pair", range(len(SHAPE_PAIRS)))
def test_binary_operations_with_broadcasting(name, pair):
    check_gradients(BINARY[name], *SHAPE_PAIRS[pair])


UNARY = {
    "neg": (lambda x: -x, M34),
    "exp": (lambda x: x.exp(), M34),
    "log": (lambda x: x.log(), POS34),
    "log1p": (lambda x: x.log1p(), POS34 - 0.4),
    "sqrt": (lambda x: x.sqrt(), POS34),
    "abs": (lambda x: x.abs(), AWAY34),
    "tanh": (lambda x: x.tanh(), M34),
    "sigmoid": (lambda x: x.sigmoid(), M34 * 3),
    "relu": (lambda x: x.relu(), AWAY34),
    "softplus": (lambda x: x.softplus(), M34 * 3),
    "pow_scalar": (lambda x: x**3, M34),
    "pow_fraction": (lambda x: x**-0.5, POS34),
    "clip": (lambda x: x.clip(-0.5, 0.5), AWAY34 * 2),
    "where": (lambda x: x.where(x > 0, x * x), AWAY34),
    "where_fn": (lambda x: F.where(x.data > 0, 2.0, x.exp()), AWAY34),
    "constant_left": (lambda x: 1.0 - 2.0 / (x * x + 1) + 2.0**x, M34),
    "ndarray_left": (lambda x: np.full((3, 4), 2.0) * x - np.ones(4), M34),
    "reshape": (lambda x: x.reshape(4, 3) * np.arange(12.0).reshape(4, 3), M34),
    "reshape_tuple": (lambda x: x.reshape((2, 6)), M34),
    "transpose": (lambda x: x.T @ np.ones((3, 2)), M34),
    "transpose_axes": (lambda x: x.transpose(1, 2, 0), T234),
    "index_slice": (lambda x: x[1:, ::2], M34),
    "index_int": (lambda x: x[2], M34),
    "index_fancy_repeated": (lambda x: x[[0, 2, 0, 0]], M34),
    "index_mask": (lambda x: x[x.data > 0], M34),
    "index_pairs": (lambda x: x[np.arange(3), [1, 3, 1]], M34),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_and_shape_operations(name):
    fn, x = UNARY[name]
    check_gradients(fn, x)


REDUCTIONS = {
    "sum": lambda x, **k: x.sum(**k),
    "mean": lambda x, **k: x.mean(**k),
    "max": lambda x, **k: x.max(**k),
    "logsumexp": lambda x, **k: x.logsumexp(**k),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_over_any_axes(name, axis, keepdims):
    check_gradients(lambda x: REDUCTIONS[name](x, axis=axis, keepdims=keepdims), T234)


@pytest.mark.parametrize("a,b", [
    ((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
    ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((1, 3, 4), (2, 4, 5)),
])
def test_matmul_shapes(a, b):
    r = np.random.default_rng(1)
    check_gradients(lambda x, y: x @ y, r.normal(size=a), r.normal(size=b))


@pytest.mark.parametrize("fn", [F.log_softmax, F.softmax])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_family(fn, axis):
    check_gradients(lambda x: fn(x, axis=axis), M34 * 3)


def test_composed_losses():
    y = np.eye(4)[[0, 3, 1]]
    p = F.softmax(Tensor(M34), axis=1).data
    check_gradients(lambda z: F.softmax_crossentropy(z, y), M34)
    check_gradients(lambda z: F.sigmoid_binary_crossentropy(z, y), M34)
    check_gradients(lambda q: F.categorical_crossentropy(q, y), p)
    check_gradients(lambda q: F.binary_crossentropy(q, y), p)
    check_gradients(lambda q: F.mse(q, y), p)


# ------------------------------------------------------------------ values and stability
def test_values_match_numpy():
    x = Tensor(M34)
    np.testing.assert_allclose(x.logsumexp(axis=1).data, np.log(np.exp(M34).sum(axis=1)))
    np.testing.assert_allclose(x.softmax(axis=1).data.sum(axis=1), 1.0)
    np.testing.assert_allclose(x.sigmoid().data, 1 / (1 + np.exp(-M34)))
    np.testing.assert_allclose(x.softplus().data, np.log1p(np.exp(M34)))


def test_softmax_family_is_stable_for_huge_logits():
    z = Tensor(np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]]), requires_grad=True)
    logp = F.log_softmax(z, axis=1)
    np.testing.assert_allclose(logp.data[0], [0.0, -1000.0, -2000.0])
    np.testing.assert_allclose(logp.data[1], [-np.log(3)] * 3)
    (logp * np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])).sum().backward()
    # d/dz sum_j y_j log_softmax(z)_j = y - softmax(z) * sum(y)
    np.testing.assert_allclose(z.grad, [[-1.0, 1.0, 0.0], [2 / 3, -1 / 3, -1 / 3]], atol=1e-15)
    with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer here
        assert Tensor(np.array([-np.inf, -np.inf])).logsumexp().data == -np.inf  # not nan


def test_sigmoid_and_softplus_never_overflow():
    x = Tensor(np.array([-1000.0, 0.0, 1000.0]), requires_grad=True)
    np.testing.assert_array_equal(x.sigmoid().data, [0.0, 0.5, 1.0])
    sp = x.softplus()
    np.testing.assert_allclose(sp.data, [0.0, np.log(2), 1000.0])
    sp.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 1.0])  # the slope at 0 is exact


def test_ties_share_the_gradient():
    x = Tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5])
    a, b = Tensor(np.array([2.0, 1.0]), requires_grad=True), Tensor(np.array([2.0, 0.0]), requires_grad=True)
    a.maximum(b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 0.0])


@pytest.mark.parametrize("name", [n for n in UNARY if n not in ("ndarray_left", "reshape")]  # float64 constants
                         + [f"bin_{n}" for n in BINARY])
def test_float32_stays_float32(name):
    fn, x = (UNARY[name] if name in UNARY else (lambda a: BINARY[name[4:]](a, a * 0.5 + 1), M34))
    t = Tensor(x.astype(np.float32), requires_grad=True)
    out = fn(t)
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad.dtype == np.float32


# ------------------------------------------------------------------ backward()
def test_a_ten_thousand_op_chain_needs_no_recursion():
    x = Tensor(0.5, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + x * 1e-4
    y.backward()
    # y_k = 1.0001 y_{k-1} + 1e-4 x, so dy/dx = 1.0001^n + 1e-4 * (1.0001^n - 1) / 1e-4
    expected = 1.0001**10_000 + (1.0001**10_000 - 1)
    assert x.grad == pytest.approx(expected, rel=1e-9)


def test_reuse_accumulates_gradients():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    a = x * 3  # used three times below
    out = (a * a + a - x).sum()  # d/dx = 2 * 3a * ... = 18 x + 3 - 1
    out.backward()
    np.testing.assert_allclose(x.grad, 18 * x.data + 2)


def test_diamond_graph_processes_a_node_after_all_its_users():
    x = Tensor(2.0, requires_grad=True)
    a = x.exp()
    b = a * 2  # b and c both use a; c also uses b
    c = a * b
    c.backward()  # c = 2 e^{2x}, dc/dx = 4 e^{2x}
    assert x.grad == pytest.approx(4 * np.exp(4.0))


def test_leaf_gradients_add_up_over_calls_and_the_graph_is_freed():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * x
    out = h.sum()
    out.backward()
    assert h.grad is None and h._parents == ()  # intermediate results are let go
    with pytest.raises(RuntimeError, match="already freed"):
        out.backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, 4 * x.data)  # 2x from each call
    x.grad = None
    out = (x * 3).sum()
    out.backward(retain_graph=True)
    out.backward()
    np.testing.assert_allclose(x.grad, [6.0, 6.0])


def test_seed_gradient_for_a_non_scalar():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * x).backward(np.array([1.0, 10.0]))
    np.testing.assert_allclose(x.grad, [2.0, 40.0])


def test_inputs_that_do_not_require_grad_get_none():
    x, w = Tensor(M34), Tensor(np.ones((4, 2)), requires_grad=True)
    (x @ w).sum().backward()
    assert x.grad is None and w.grad.shape == (4, 2)


def test_no_grad_records_nothing_and_restores():
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        y = (x * 2).exp()
        with no_grad():
            pass
        z = x + 1
    assert not y.requires_grad and y.is_leaf and not z.requires_grad
    assert (x * 2).requires_grad
    with pytest.raises(KeyError), no_grad():  # an error inside still restores recording
        {}["missing"]
    assert (x * 2).requires_grad


# ------------------------------------------------------------------ errors
def test_backward_on_a_non_scalar_without_a_seed_is_refused():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"single number.*shape \(3,\).*\.sum\(\)"):
        (x * 2).backward()


def test_a_seed_of_the_wrong_shape_is_refused():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"grad has shape \(2,\).*shape \(3,\)"):
        (x * 2).backward(np.ones(2))


def test_backward_without_any_grad_input_is_refused():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor(np.ones(3)) * 2).sum().backward()
    x = Tensor(np.ones(3), requires_grad=True)
    with no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


def test_mismatched_shapes_are_named():
    a, b = Tensor(np.ones((3, 4))), Tensor(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"\+: shapes \(3, 4\) and \(2, 4\) do not broadcast"):
        a + b
    with pytest.raises(ValueError, match=r"@: shapes \(3, 4\) and \(2, 4\) do not align"):
        a @ b


def test_non_real_data_is_refused():
    with pytest.raises(TypeError, match="real numbers"):
        Tensor(np.array([1 + 2j]), requires_grad=True)
    assert Tensor([1, 2]).dtype == np.float64
