"""ffnn.explain.backprop: a hand-worked example, equality with compute_gradients for every
activation and loss pairing, and the pages it writes."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

import ffnn
from conftest import accepted_pairings
from ffnn import activations as A
from ffnn.explain import backprop

HIDDEN = A.ACTIVATIONS.names() + [A.Step(straight_through=True), A.BipolarStep(straight_through=True)]


PAIRINGS = accepted_pairings()


def _targets(loss: str, rng, n: int, k: int):
    if loss == "categorical_crossentropy":
        return rng.integers(0, k, n) if k > 1 else np.ones((n, 1))
    if loss == "binary_crossentropy":
        return (rng.random((n, k)) > 0.5).astype(float)
    return rng.normal(size=(n, k))


def assert_same_as_compute_gradients(model, X, y, tol=1e-12):
    trace = backprop(model, X, y)
    loss, grads = model.compute_gradients(X, y)
    assert abs(trace.loss - loss) <= tol * max(1.0, abs(loss))
    mine = trace.grads()
    assert list(mine) == list(grads) or sorted(mine) == sorted(grads)
    for name, g in grads.items():
        err = np.abs(mine[name] - g).max(initial=0)
        assert err <= tol * max(1.0, np.abs(g).max(initial=0)), f"{name}: {err:.2e}"
    return trace


def test_hand_worked_2_2_1():
    # x = [1, 2], W1 = [[.1, .2], [.3, .4]], b1 = [.1, .1]
    #   z1 = [1*.1 + 2*.3 + .1, 1*.2 + 2*.4 + .1] = [0.8, 1.1]; relu keeps it: a1 = [0.8, 1.1]
    # W2 = [[.5], [-.6]], b2 = [.2]: z2 = .8*.5 - 1.1*.6 + .2 = -0.06, p = sigmoid(-0.06) = 0.48500450
    # sigmoid + bce, y = 1, n = k = 1: delta2 = p - y = -0.51499550
    #   dW2 = a1^T delta2 = [0.8, 1.1] * -0.51499550 = [-0.41199640, -0.56649505], db2 = -0.51499550
    # delta1 = delta2 W2^T * relu'(z1) = -0.51499550 * [.5, -.6] = [-0.25749775, 0.30899730]
    #   dW1 = x^T delta1 = [[-0.25749775, 0.30899730], [-0.51499550, 0.61799460]]
    model = ffnn.FFNN([2, 2, 1], ["relu", "sigmoid"], "bce", dtype="float64")
    model.set_params({"layers.0.weight": [[0.1, 0.2], [0.3, 0.4]], "layers.0.bias": [0.1, 0.1],
                      "layers.1.weight": [[0.5], [-0.6]], "layers.1.bias": [0.2]})
    t = backprop(model, [1.0, 2.0], [1.0])
    h1, out = t.layers
    np.testing.assert_allclose(h1.z, [[0.8, 1.1]], rtol=1e-12)
    np.testing.assert_allclose(h1.a, [[0.8, 1.1]], rtol=1e-12)
    np.testing.assert_allclose(out.z, [[-0.06]], rtol=1e-12)
    np.testing.assert_allclose(out.a, [[0.48500450]], rtol=1e-7)
    np.testing.assert_allclose(out.delta, [[-0.51499550]], rtol=1e-7)
    np.testing.assert_allclose(out.grad_weight, [[-0.41199640], [-0.56649505]], rtol=1e-7)
    np.testing.assert_allclose(h1.delta, [[-0.25749775, 0.30899730]], rtol=1e-7)
    np.testing.assert_allclose(h1.grad_weight, [[-0.25749775, 0.30899730], [-0.51499550, 0.61799460]], rtol=1e-7)
    np.testing.assert_allclose(h1.grad_bias, [-0.25749775, 0.30899730], rtol=1e-7)
    assert t.loss == pytest.approx(-np.log(0.48500450), rel=1e-7)
    page = t.to_markdown()
    assert "z⁽¹⁾[0] = 1·0.1 + 2·0.3 + 0.1 = 0.8" in page
    assert "δ⁽²⁾[0] = (0.485 − 1) / 1 = -0.515" in page
    assert "∂L/∂W⁽¹⁾[1,1] = x[1]·δ⁽¹⁾[1] = 2·0.309 = 0.618" in page


@pytest.mark.parametrize("hidden", HIDDEN, ids=str)
@pytest.mark.parametrize("rmsnorm", [False, True])
@pytest.mark.parametrize("n", [1, 3])
def test_equals_compute_gradients_for_every_hidden_activation(hidden, rmsnorm, n):
    rng = np.random.default_rng(0)
    model = ffnn.FFNN([3, 5, 4, 3], [hidden, hidden, "softmax"], "cce", init="xavier", seed=1,
                      rmsnorm=rmsnorm, dtype="float64")
    assert_same_as_compute_gradients(model, rng.normal(size=(n, 3)), rng.integers(0, 3, n))


@pytest.mark.parametrize("out_act,loss,n_out", PAIRINGS)
@pytest.mark.parametrize("reg", [None, "l1", "l2"])
def test_equals_compute_gradients_for_every_output_pairing(out_act, loss, n_out, reg):
    rng = np.random.default_rng(2)
    model = ffnn.FFNN([4, 5, n_out], ["tanh", out_act], loss, seed=3, regularization=reg,
                      reg_lambda=0.03 if reg else 0.0, dtype="float64")
    trace = assert_same_as_compute_gradients(model, rng.normal(size=(2, 4)), _targets(loss, rng, 2, n_out))
    assert (trace.penalty > 0) == (reg is not None)
    trace.to_markdown()  # every pairing can be written out


def test_pairings_cover_the_fused_heads_and_the_general_path():
    assert ("softmax", "categorical_crossentropy", 3) in PAIRINGS
    assert ("sigmoid", "binary_crossentropy", 1) in PAIRINGS
    assert ("softmax", "mse", 3) in PAIRINGS and ("linear", "mse", 1) in PAIRINGS


def test_float32_model_is_traced_in_float32():
    model = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    X = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    trace = backprop(model, X, [0, 1])
    assert trace.layers[0].z.dtype == np.float32
    _, grads = model.compute_gradients(X, [0, 1])
    for name, g in trace.grads().items():
        np.testing.assert_allclose(g, grads[name], rtol=1e-5, atol=1e-6)


def test_labels_one_hot_and_a_single_sample_agree():
    model = ffnn.FFNN([3, 4, 3], ["tanh", "softmax"], "cce", seed=0, dtype="float64")
    x = np.array([0.5, -1.0, 2.0])
    by_label = backprop(model, x, 2)
    by_row = backprop(model, x[None, :], np.array([[0.0, 0.0, 1.0]]))
    assert by_label.labels.tolist() == [2] and by_row.labels is None
    for name, g in by_label.grads().items():
        np.testing.assert_array_equal(g, by_row.grads()[name])


def test_the_model_is_left_unchanged():
    model = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0, dtype="float64")
    rng = np.random.default_rng(1)
    model.compute_gradients(rng.normal(size=(5, 3)), rng.integers(0, 2, 5))
    params, grads = model.get_params(), model.get_grads()
    backprop(model, rng.normal(size=(2, 3)), [1, 0])
    for name in params:
        np.testing.assert_array_equal(model.get_params()[name], params[name])
        np.testing.assert_array_equal(model.get_grads()[name], grads[name])


def test_bad_input_names_the_problem():
    model = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    with pytest.raises(ValueError, match="3"):
        backprop(model, np.ones((1, 5)), [0])
    with pytest.raises(ValueError):
        backprop(model, np.ones((2, 3)), [0, 5])  # label 5 of 2 classes


def test_zero_gradient_activation_is_pointed_out():
    model = ffnn.FFNN([2, 3, 1], ["step", "sigmoid"], "bce", seed=0, dtype="float64")
    trace = backprop(model, [0.3, -0.2], [1.0])
    assert not trace.layers[0].grad_weight.any()
    assert "derivative 0 almost everywhere" in trace.to_markdown()


def test_softmax_with_mse_shows_the_coupled_jacobian():
    model = ffnn.FFNN([2, 3], ["softmax"], "mse", seed=0, dtype="float64")
    page = backprop(model, [0.3, -0.2], np.array([0.0, 1.0, 0.0])).to_markdown()
    assert "J_softmaxᵀ ∂L/∂a" in page and "Σ_k J[k,0]·∂L/∂a[k]" in page


def test_large_network_is_summarised(tmp_path):
    model = ffnn.FFNN([64, 32, 10], ["relu", "softmax"], "cce", seed=0, dtype="float64")
    rng = np.random.default_rng(0)
    trace = backprop(model, rng.normal(size=(1, 64)), [3])
    page = trace.to_markdown()
    assert "z⁽¹⁾[0] =" not in page  # 64 inputs: no per-unit arithmetic for layer 1
    assert "strongest units" in page and "(64×32)" in page
    assert len(page) < 20_000
    text = trace.summary()
    assert "layers.0" in text and "64->32" in text and len(text.splitlines()) == 4


def test_html_page_is_self_contained(tmp_path):
    model = ffnn.FFNN([2, 2, 2], ["tanh", "softmax"], "cce", seed=0, dtype="float64", rmsnorm=True,
                      regularization="l1", reg_lambda=0.01)
    path = tmp_path / "sub" / "backprop.html"
    html = backprop(model, np.array([[1.0, -1.0], [0.5, 2.0]]), [0, 1]).to_html(path)
    assert path.read_text(encoding="utf-8") == html
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert "http" not in html and "src=" not in html  # nothing fetched
    assert "RMSNorm" in html and "λ sign(W)" in html and "&lt;" not in html.split("<body>")[0]


def test_cli_explain_writes_a_page(tmp_path, capsys):
    from ffnn.cli import explain

    model = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    model.save(tmp_path / "m.npz")
    rows = np.random.default_rng(0).normal(size=(6, 3))
    table = np.column_stack([rows, [0, 1, 0, 1, 1, 0]])
    np.savetxt(tmp_path / "d.csv", table, delimiter=",", header="a,b,c,label", comments="", fmt="%.6f")
    parser = argparse.ArgumentParser()
    explain.register(parser.add_subparsers())
    args = parser.parse_args(["explain", str(tmp_path / "m.npz"), "--row", "4", "--data", str(tmp_path / "d.csv"),
                              "--label", "label", "--out", str(tmp_path / "page.md")])
    assert args.func(args) == 0
    page = (tmp_path / "page.md").read_text(encoding="utf-8")
    assert "Backpropagation, step by step" in page
    x_row = np.loadtxt(tmp_path / "d.csv", delimiter=",", skiprows=1)[4, :3]
    trace = backprop(model, x_row, 1)
    assert f"L = {trace.loss:.6g}" in page.replace("**", "")
    assert "page.md" in capsys.readouterr().out


class _Twice(ffnn.layers.Layer):
    """A layer explain does not know: y = 2h."""

    name = "twice"

    def forward(self, x, training=False):
        return 2 * x

    def backward(self, grad):
        return 2 * grad


def test_a_layer_it_cannot_trace_is_refused_by_name():
    model = ffnn.FFNN.from_layers(4, [ffnn.layers.Dense(8), _Twice(), ffnn.layers.Dense(3),
                                      ffnn.layers.Activation("softmax")], loss="cce", seed=0)
    with pytest.raises(ValueError, match=r"'layers.1' \(_Twice\)"):
        backprop(model, np.ones((1, 4)), [1])


# ---------------------------------------------------------------------------- any stack of layers
def _table(rng, n=12, spread=100.0):
    """A small table: features on different scales (``spread``), three classes."""
    X = rng.normal(size=(n, 3)) * [1.0, spread, 1 / spread] + [5.0, -3 * spread, 0.0]
    return X, np.arange(n) % 3


def _stack(kind):
    from ffnn import layers as Ly

    return {
        "batch_norm": [Ly.Dense(5), Ly.BatchNorm(), Ly.Activation("tanh"), Ly.Dense(3), Ly.Activation("softmax")],
        "layer_norm": [Ly.Dense(5), Ly.LayerNorm(), Ly.Activation("relu"), Ly.Dense(3), Ly.Activation("softmax")],
        "dropout": [Ly.Dense(5), Ly.Activation("sigmoid"), Ly.Dropout(0.3), Ly.Dense(3), Ly.Activation("softmax")],
        "rms_norm": [Ly.Dense(5), Ly.Activation("elu"), Ly.RMSNorm(), Ly.Dense(3), Ly.Activation("softmax")],
        "normalization": [Ly.Normalization(), Ly.Dense(5), Ly.Activation("tanh"), Ly.Dense(3),
                          Ly.Activation("softmax")],
        "activation_after_norm": [Ly.Dense(5), Ly.Activation("tanh"), Ly.Dense(3), Ly.LayerNorm(),
                                  Ly.Activation("softmax")],
        "dense_only": [Ly.Dense(5), Ly.Dense(3)],
        "norms_first": [Ly.LayerNorm(), Ly.BatchNorm(), Ly.Dense(3), Ly.Activation("softmax")],
        "all": [Ly.Normalization(), Ly.Dense(6), Ly.BatchNorm(), Ly.Activation("relu"), Ly.Dropout(0.2),
                Ly.Dense(5), Ly.LayerNorm(), Ly.Activation("tanh"), Ly.RMSNorm(), Ly.Dense(3),
                Ly.Activation("softmax")],
    }[kind]


def _trained_from_layers(kind, loss="cce", reg=None):
    """A float64 stack fitted briefly (so running statistics, scales and shifts are not their
    initial values), with Normalization adapted to the table."""
    rng = np.random.default_rng(4)
    X, y = _table(rng, spread=2.0)
    if loss == "mse":
        y = np.eye(3)[y] + rng.normal(scale=0.1, size=(len(y), 3))
    model = ffnn.FFNN.from_layers(3, _stack(kind), loss=loss, seed=5, dtype="float64", regularization=reg,
                                  reg_lambda=0.02 if reg else 0.0)
    model.fit(X, y, epochs=3, batch_size=4, learning_rate=0.01, verbose=0)
    return model, X, y


STACKS = ["batch_norm", "layer_norm", "dropout", "rms_norm", "normalization", "activation_after_norm",
          "dense_only", "norms_first", "all"]


@pytest.mark.parametrize("kind", STACKS)
@pytest.mark.parametrize("loss,reg", [("cce", None), ("mse", "l2"), ("cce", "l1")])
@pytest.mark.parametrize("n", [1, 3])
def test_any_stack_equals_compute_gradients(kind, loss, reg, n):
    if kind == "dense_only" and loss == "cce":
        pytest.skip("a linear output does not fit cross-entropy")
    model, X, y = _trained_from_layers(kind, loss, reg)
    trace = assert_same_as_compute_gradients(model, X[:n], y[:n])
    assert [s.name for s in trace.steps][0] in model.network.names
    assert len(trace.grads()) == len(list(model.network.named_parameters()))
    page = trace.to_markdown()
    for name in model.network.names:
        if not name.endswith((".activation", ".norm")):
            assert f"`{name}`" in page, name


def test_batch_norm_uses_its_running_statistics_and_dropout_is_the_identity():
    model, X, y = _trained_from_layers("all")
    bn = model.network.layers[2]
    assert not np.allclose(bn.running_mean, 0)  # fitted: the running statistics moved
    trace = backprop(model, X[:2], y[:2])
    steps = {s.name: s for s in trace.steps}
    bn_step, drop_step = steps["layers.2"], steps["layers.4"]
    h = bn_step.inputs
    expected = (h - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) * bn.scale + bn.shift
    np.testing.assert_allclose(bn_step.output, expected, rtol=1e-12)
    np.testing.assert_array_equal(drop_step.output, drop_step.inputs)
    np.testing.assert_array_equal(drop_step.grad_inputs, drop_step.grad_output)
    np.testing.assert_allclose(trace.output, model.predict(X[:2]), rtol=1e-12)


def test_standardized_model_after_fit_equals_compute_gradients():
    rng = np.random.default_rng(6)
    X, y = _table(rng, 20)
    model = ffnn.FFNN([3, 4, 3], ["relu", "softmax"], "cce", seed=0, dtype="float64", standardize=True,
                      rmsnorm=True, regularization="l2", reg_lambda=0.01)
    model.fit(X, y, epochs=3, batch_size=5, learning_rate=0.1, verbose=0)
    assert model.network.names[0] == "input_norm"
    trace = assert_same_as_compute_gradients(model, X[:2], y[:2])
    first = trace.steps[0]
    np.testing.assert_allclose(first.output, (X[:2] - X.mean(axis=0)) / X.std(axis=0), rtol=1e-12)
    assert first.grad_output is None  # below the first trained layer: no gradient needed
    page = trace.to_markdown()
    assert "`input_norm`" in page and "Normalization" in page
    assert trace.to_html().startswith("<!DOCTYPE html>")


def test_standardized_regression_uses_the_scaled_targets():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(16, 2)) * [10, 0.1]
    y = 1000 + 50 * X[:, :1]
    model = ffnn.FFNN([2, 3, 1], ["tanh", "linear"], "mse", seed=0, dtype="float64", standardize=True)
    model.fit(X, y, epochs=2, batch_size=4, verbose=0)
    assert_same_as_compute_gradients(model, X[:3], y[:3])


def test_string_labels_after_fit_are_encoded_as_the_model_does():
    rng = np.random.default_rng(8)
    X, idx = _table(rng)
    labels = np.array(["cat", "dog", "eel"])[idx]
    model = ffnn.FFNN([3, 4, 3], ["relu", "softmax"], "cce", seed=0, dtype="float64", standardize=True)
    model.fit(X, labels, epochs=1, verbose=0)
    trace = assert_same_as_compute_gradients(model, X[:2], labels[:2])
    assert trace.labels.tolist() == idx[:2].tolist()


def test_cli_explain_traces_a_model_trained_on_a_table(tmp_path, capsys):
    from ffnn.cli import explain

    rng = np.random.default_rng(9)
    X, y = _table(rng)
    model = ffnn.FFNN([3, 4, 3], ["relu", "softmax"], "cce", seed=0, standardize=True)
    model.fit(X, y, epochs=2, verbose=0)
    model.save(tmp_path / "m.npz")
    np.savetxt(tmp_path / "d.csv", np.column_stack([X, y]), delimiter=",", header="a,b,c,label", comments="",
               fmt="%.6f")
    parser = argparse.ArgumentParser()
    explain.register(parser.add_subparsers())
    args = parser.parse_args(["explain", str(tmp_path / "m.npz"), "--row", "2", "--data", str(tmp_path / "d.csv"),
                              "--label", "label"])
    assert args.func(args) == 0
    page = capsys.readouterr().out
    assert "`input_norm`" in page and "Backpropagation, step by step" in page
