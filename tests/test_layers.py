"""Every registered layer, checked the same way: gradients by finite differences (training and
inference mode), both engines, config and file round trips, and PyTorch where it has the layer.

A new layer type needs one entry in ``EXAMPLES`` (how to make one for a test) and one in
``TORCH`` or ``NO_TORCH`` (its PyTorch module, or why there is none); the tests below fail
loudly until it has both.
"""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from conftest import numerical_gradient, relative_error
from ffnn import layers as L
from ffnn.layers import LAYERS

N_IN, N = 5, 6  # input width and batch rows of the stacks below

EXAMPLES = {
    "dense": lambda: L.Dense(4),
    "activation": lambda: L.Activation("tanh"),
    "rms_norm": lambda: L.RMSNorm(),
    "layer_norm": lambda: L.LayerNorm(),
    "batch_norm": lambda: L.BatchNorm(momentum=0.3),
    "dropout": lambda: L.Dropout(0.4),
    "normalization": lambda: L.Normalization(),
}

# PyTorch's module for each layer (built from our layer after the model is built).
TORCH = {
    "dense": lambda t, layer: t.nn.Linear(layer.n_in, layer.units),
    "activation": lambda t, layer: t.nn.Tanh(),
    "rms_norm": lambda t, layer: t.nn.RMSNorm(layer.n_in, eps=layer.eps),
    "layer_norm": lambda t, layer: t.nn.LayerNorm(layer.n_in, eps=layer.eps),
    "batch_norm": lambda t, layer: t.nn.BatchNorm1d(layer.n_in, eps=layer.eps, momentum=layer.momentum),
}
NO_TORCH = {
    "dropout": "PyTorch draws its masks from its own generator; checked against the definition instead",
    "normalization": "no PyTorch module standardises with statistics learnt by adapt()",
}

NAMES = LAYERS.names()


def test_every_registered_layer_has_an_example_and_a_torch_decision():
    for name in NAMES:
        assert name in EXAMPLES, f"layer {name!r} has no entry in EXAMPLES: add one so the tests cover it"
        assert (name in TORCH) != (name in NO_TORCH), f"layer {name!r} needs exactly one of TORCH / NO_TORCH"


def _stack(name: str, layer=None) -> list:
    """Dense -> the layer under test -> Dense -> softmax: the layer sees a mixed, trained input."""
    layer = layer or EXAMPLES[name]()
    return [L.Dense(N_IN + 1), layer, L.Dense(3), L.Activation("softmax")]


def _model(name: str, engine: str = "backprop", seed: int = 0, layer=None) -> ffnn.FFNN:
    m = ffnn.FFNN.from_layers(N_IN, _stack(name, layer), "cce", init="xavier", seed=seed, dtype="float64",
                              engine=engine)
    net = m.network
    for _, p in net.named_parameters():  # non-trivial scales and shifts, not just ones and zeros
        if p.data.ndim == 1:
            p.data[...] = np.random.default_rng(7).uniform(0.5, 1.5, p.data.shape)
    for _, buf in net.named_buffers():
        buf[...] = np.random.default_rng(8).uniform(0.5, 1.5, buf.shape)
    return m


def _data(seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, N_IN)), rng.integers(0, 3, N)


def _loss_at_fixed_mask(model, X, y, training):
    """The batch loss; a Dropout layer's mask is drawn once and then held, so the finite
    differences see one smooth function."""
    state = model.rng.bit_generator.state

    def loss() -> float:
        model.rng.bit_generator.state = state
        value, _ = model.objective.loss_and_gradients(X, np.eye(3)[y], training=training)
        return value

    return loss


@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
@pytest.mark.parametrize("name", NAMES)
def test_parameter_gradients_match_finite_differences(name, training):
    m = _model(name)
    if name == "normalization":
        m.network.layers[1].adapt(np.random.default_rng(3).normal(size=(20, N_IN + 1)))
    X, y = _data()
    loss = _loss_at_fixed_mask(m, X, y, training)
    snapshot = {n: b.copy() for n, b in m.network.named_buffers()}
    loss()
    analytic = m.get_grads()
    for pname, p in m.network.named_parameters():
        def f(p=p):
            for n, b in m.network.named_buffers():  # running statistics must not drift between calls
                b[...] = snapshot[n]
            return loss()

        numeric = numerical_gradient(f, p.data)
        # atol: a bias feeding a BatchNorm has a true gradient of 0 (the batch mean removes it)
        np.testing.assert_allclose(analytic[pname], numeric, rtol=1e-6, atol=1e-9, err_msg=f"{name} {pname}")


@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
@pytest.mark.parametrize("name", NAMES)
def test_input_gradient_matches_finite_differences(name, training):
    layer = EXAMPLES[name]()
    net = ffnn.Sequential([layer])
    net.build(N_IN, np.random.default_rng(0), np.float64)
    if name == "normalization":
        layer.adapt(np.random.default_rng(3).normal(size=(20, N_IN)))
    x = np.random.default_rng(2).normal(size=(N, N_IN))
    weights = np.random.default_rng(4).normal(size=(N, layer.n_out))  # L = sum(w * layer(x))
    rng_state = layer.rng.bit_generator.state if getattr(layer, "rng", None) is not None else None
    buffers = {k: v.copy() for k, v in layer.buffers().items()}

    def f():
        if rng_state is not None:
            layer.rng.bit_generator.state = rng_state
        for k, v in layer.buffers().items():
            v[...] = buffers[k]
        return float(np.sum(weights * layer.forward(x, training)))

    f()
    if hasattr(layer, "needs_input_grad"):
        layer.needs_input_grad = True
    analytic = np.array(layer.backward(weights))
    assert relative_error(analytic, numerical_gradient(f, x)) < 1e-6


@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
@pytest.mark.parametrize("name", NAMES)
def test_both_engines_agree(name, training):
    a, b = _model(name, "backprop"), _model(name, "autograd")
    if name == "normalization":
        data = np.random.default_rng(3).normal(size=(20, N_IN + 1))
        a.network.layers[1].adapt(data)
        b.network.layers[1].adapt(data)
    X, y = _data()
    b.network.flat_grads.fill(np.nan)  # autograd must set every gradient
    la, _ = a.objective.loss_and_gradients(X, np.eye(3)[y], training=training)
    lb, _ = b.objective.loss_and_gradients(X, np.eye(3)[y], training=training)
    assert la == pytest.approx(lb, rel=1e-12)
    for (n, ga), gb in zip(a.get_grads().items(), b.get_grads().values()):
        np.testing.assert_allclose(ga, gb, rtol=1e-10, atol=1e-14, err_msg=n)
    for (n, ba), bb in zip(a.network.named_buffers(), dict(b.network.named_buffers()).values()):
        np.testing.assert_allclose(ba, bb, rtol=1e-12, err_msg=n)


@pytest.mark.parametrize("name", NAMES)
def test_config_round_trip(name):
    layer = EXAMPLES[name]()
    again = L.get(layer.get_config())
    assert type(again) is type(layer) and again.get_config() == layer.get_config()


@pytest.mark.parametrize("name", NAMES)
def test_file_round_trip_is_bit_exact(name, tmp_path):
    m = _model(name)
    X, y = _data()
    m.fit(X, y, epochs=2, batch_size=4, learning_rate=0.1, verbose=0)
    m.save(tmp_path / "m.npz")
    loaded = ffnn.load(tmp_path / "m.npz")
    assert loaded.get_config() == m.get_config()
    for (n, a), b in zip(m.get_params().items(), loaded.get_params().values()):
        assert a.tobytes() == b.tobytes(), n
    assert loaded.predict(X).tobytes() == m.predict(X).tobytes()


@pytest.mark.parametrize("name", NAMES)
def test_state_shapes_are_what_build_allocates(name):
    layer = EXAMPLES[name]()
    n_out, params, buffers = layer.state_shapes(N_IN)
    assert layer.build(N_IN, np.float64) == n_out
    assert {k: p.shape for k, p in layer.parameters().items()} == params
    assert {k: b.shape for k, b in layer.buffers().items()} == buffers


@pytest.mark.parametrize("name", NAMES)
def test_matches_pytorch_in_training_mode(name):
    torch = pytest.importorskip("torch")
    if name in NO_TORCH:
        pytest.skip(NO_TORCH[name])
    assert name in TORCH, f"layer {name!r} has no PyTorch mapping and no reason for lacking one"
    m = _model(name)
    X, y = _data()
    modules, params = [], {}
    for prefix, layer in zip(m.network.names, m.network.layers[:-1]):
        mod = TORCH["dense" if isinstance(layer, L.Dense) else name](torch, layer).double()
        for local, value in layer.parameters().items():
            t_name = {"weight": "weight", "bias": "bias", "scale": "weight", "shift": "bias"}[local]
            data = value.data.T if local == "weight" else value.data
            getattr(mod, t_name).data = torch.tensor(np.ascontiguousarray(data))
            params[f"{prefix}.{local}"] = (mod, t_name, local == "weight")
        for local, buf in layer.buffers().items():
            getattr(mod, local).data = torch.tensor(buf.copy())
        modules.append(mod)
    net = torch.nn.Sequential(*modules).train()
    logits = net(torch.tensor(X))
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    loss.backward()
    ours, grads = m.compute_gradients(X, y, training=True)  # after copying: it updates running statistics
    assert ours == pytest.approx(float(loss.detach()), rel=1e-10)
    for pname, (mod, t_name, transpose) in params.items():
        theirs = getattr(mod, t_name).grad.numpy()
        np.testing.assert_allclose(grads[pname], theirs.T if transpose else theirs, rtol=1e-6, atol=1e-12,
                                   err_msg=pname)
    for prefix, layer in zip(m.network.names, m.network.layers):
        pos = m.network.names.index(prefix)
        for local, buf in layer.buffers().items():  # running statistics after the step
            np.testing.assert_allclose(buf, getattr(modules[pos], local).numpy(), rtol=1e-12, err_msg=local)


def test_batchnorm_running_statistics_follow_pytorch_over_several_steps():
    torch = pytest.importorskip("torch")
    bn = L.BatchNorm(momentum=0.1)
    net = ffnn.Sequential([bn])
    net.build(4, np.random.default_rng(0), np.float64)
    ref = torch.nn.BatchNorm1d(4, momentum=0.1).double().train()
    rng = np.random.default_rng(5)
    for n in (8, 3, 16, 2):
        x = rng.normal(2.0, 3.0, size=(n, 4))
        ours, theirs = bn.forward(x, training=True), ref(torch.tensor(x)).detach().numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean, ref.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, ref.running_var.numpy(), rtol=1e-12)
    x = rng.normal(size=(5, 4))  # inference uses the running statistics
    np.testing.assert_allclose(bn.forward(x), ref.eval()(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_dropout_keeps_units_with_probability_one_minus_rate_and_scales_them():
    m = ffnn.FFNN.from_layers(1000, [L.Dropout(0.25)], "mse", seed=0, dtype="float64")
    layer = m.network.layers[0]
    x = np.ones((50, 1000))
    y = layer.forward(x, training=True)
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.75)
    assert layer.forward(x, training=False) is x  # identity at inference
    with pytest.raises(ValueError, match=r"rate must lie in \[0, 1\)"):
        L.Dropout(1.0)


def test_normalization_learns_from_the_training_rows_in_fit_and_is_saved(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(50.0, 10.0, size=(200, 3)) * [1, 100, 0.01]
    y = (X[:, 0] > 50).astype(int)
    norm = L.Normalization()
    m = ffnn.FFNN.from_layers(3, [norm, L.Dense(8), L.Activation("relu"), L.Dense(2), L.Activation("softmax")],
                              "cce", seed=0, dtype="float64")
    assert not norm.adapted
    m.fit(X, y, epochs=1, verbose=0)
    np.testing.assert_allclose(norm.mean, X.mean(axis=0))
    np.testing.assert_allclose(norm.variance, X.var(axis=0))
    before = norm.mean.copy()
    m.fit(X + 5, y, epochs=1, verbose=0)  # adapted once: later fits keep the statistics
    np.testing.assert_array_equal(norm.mean, before)
    m.save(tmp_path / "m.npz")
    loaded = ffnn.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.network.layers[0].mean, before)
    assert loaded.network.layers[0].adapted


def test_the_layer_objects_given_are_the_ones_the_model_uses():
    bn = L.BatchNorm()
    m = ffnn.FFNN.from_layers(4, [L.Dense(5), bn, L.Activation("relu"), L.Dense(2), L.Activation("softmax")],
                              "cce", seed=0)
    assert m.network.layers[1] is bn
    X, y = _data()
    m.fit(X[:, :4], y % 2, epochs=1, verbose=0)
    assert not np.all(bn.running_mean == 0)  # trained in place


def test_a_normalised_stack_exports_to_pytorch_and_predicts_the_same(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    m = ffnn.FFNN.from_layers(5, [L.Dense(6), L.BatchNorm(), L.Activation("relu"), L.Dropout(0.3), L.Dense(4),
                                  L.LayerNorm(), L.Activation("tanh"), L.Dense(3), L.RMSNorm(),
                                  L.Activation("softmax")], "cce", seed=0, dtype="float64")
    X, y = _data()
    m.fit(X, y, epochs=3, batch_size=3, learning_rate=0.1, verbose=0)
    path = tmp_path / "m.safetensors"
    ffnn.io.export_torch(m, path)
    net = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Dropout(0.3),
                              torch.nn.Linear(6, 4), torch.nn.LayerNorm(4), torch.nn.Tanh(), torch.nn.Linear(4, 3),
                              torch.nn.RMSNorm(3, eps=1e-6), torch.nn.Softmax(dim=1)).double()
    net.load_state_dict(safetensors_torch.load_file(str(path)), strict=True)
    theirs = net.eval()(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(m.predict(X), theirs, rtol=1e-12, atol=1e-14)
    fresh = ffnn.FFNN.from_config(m.get_config())
    ffnn.io.import_torch(fresh, path)
    assert fresh.predict(X).tobytes() == m.predict(X).tobytes()


def test_normalization_has_no_pytorch_export(tmp_path):
    m = ffnn.FFNN.from_layers(3, [L.Normalization(), L.Dense(2), L.Activation("softmax")], "cce", seed=0)
    with pytest.raises(ValueError, match="no PyTorch module"):
        ffnn.io.export_torch(m, tmp_path / "m.safetensors")


def test_mnist_stack_with_batchnorm_layernorm_dropout_trains_saves_and_loads_bit_for_bit(tmp_path):
    from ffnn.datasets import load_mnist

    X_train, y_train, X_test, y_test = load_mnist()
    X_train, y_train = X_train[:6000], y_train[:6000]
    m = ffnn.FFNN.from_layers(784, [L.Dense(64), L.BatchNorm(), L.Activation("relu"), L.Dropout(0.1),
                                    L.Dense(64), L.LayerNorm(), L.Activation("relu"),
                                    L.Dense(10), L.Activation("softmax")], "cce", seed=0)
    m.fit(X_train, y_train, epochs=2, batch_size=32, learning_rate=0.05, verbose=0)
    accuracy = m.evaluate(X_test[:2000], y_test[:2000])["accuracy"]
    assert accuracy > 0.88  # 6,000 images, 2 epochs
    m.save(tmp_path / "m.npz")
    loaded = ffnn.load(tmp_path / "m.npz")
    bn = loaded.network.layers[1]
    np.testing.assert_array_equal(bn.running_mean, m.network.layers[1].running_mean)
    assert bn.running_mean.any() and not np.all(bn.running_var == 1)
    assert loaded.predict(X_test[:500]).tobytes() == m.predict(X_test[:500]).tobytes()


# ---------------------------------------------------------------- the transposed input gradient
WIDE = 128  # wide enough for dense.transposed_input_grad at small batches


@pytest.fixture
def avx512_kernels(monkeypatch):
    """Let the rule decide by the shapes alone, as under AVX-512 kernels in float32, whatever
    this machine's BLAS runs and whatever the test's dtype (float64 here, for tight tolerances):
    the arithmetic is the same either way; only which product form is faster depends on them."""
    rule = L.dense.transposed_input_grad
    monkeypatch.setattr(L.dense, "transposed_input_grad",
                        lambda batch, n_in, units, kernels="", dtype=None: rule(batch, n_in, units, kernels="SkylakeX"))


def test_the_transposed_input_gradient_rule_covers_small_batches_on_wide_layers_only():
    from ffnn.layers.dense import transposed_input_grad

    def rule(*shape):
        return transposed_input_grad(*shape, kernels="SkylakeX")

    assert rule(16, 1024, 1024) and rule(32, 128, 128) and rule(64, 784, 512)
    assert not rule(64, 128, 128)  # the usual form is as fast there
    assert not rule(256, 1024, 1024)  # large batch: the usual form wins
    assert not rule(16, 1024, 10)  # a narrow side: the usual form wins
    for other in ("Haswell", "Zen", None):  # AVX2 kernels or unknown: always the usual form
        assert not transposed_input_grad(16, 1024, 1024, kernels=other)
    assert not transposed_input_grad(16, 1024, 1024, kernels="SkylakeX", dtype=np.float64)  # float32 only


def test_dense_input_gradient_is_the_same_in_both_forms(avx512_kernels):
    layer = L.Dense(WIDE)
    net = ffnn.Sequential([L.Dense(WIDE), layer])
    net.build(WIDE, np.random.default_rng(0), np.float64)
    rng = np.random.default_rng(1)
    x, grad = rng.normal(size=(16, WIDE)), rng.normal(size=(16, WIDE))
    net.forward(x, training=True)
    dx = layer.backward(grad)
    assert dx.flags.f_contiguous and not dx.flags.c_contiguous  # the transposed form ran
    np.testing.assert_allclose(dx, grad @ layer.weight.T, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_every_layer_takes_the_transposed_input_gradient_between_wide_dense_layers(name, avx512_kernels):
    """Dense(128) -> the layer -> Dense(128) at batch 8: the second Dense hands the layer a
    column-major dx; both engines (autograd computes dx the usual way) must agree."""
    def make(engine):
        layer = EXAMPLES[name]() if name != "dense" else L.Dense(WIDE)
        stack = [L.Dense(WIDE), layer, L.Activation("relu"), L.Dense(WIDE), L.Activation("tanh"),
                 L.Dense(3), L.Activation("softmax")]
        m = ffnn.FFNN.from_layers(10, stack, "cce", init="xavier", seed=3, dtype="float64", engine=engine)
        if name == "normalization":
            m.network.layers[1].adapt(np.random.default_rng(3).normal(size=(40, WIDE)))
        return m

    a, b = make("backprop"), make("autograd")
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(8, 10)), np.eye(3)[rng.integers(0, 3, 8)]
    for training in (False, True):
        la, _ = a.objective.loss_and_gradients(X, Y, training=training)
        lb, _ = b.objective.loss_and_gradients(X, Y, training=training)
        assert la == pytest.approx(lb, rel=1e-12)
        for (n, ga), gb in zip(a.get_grads().items(), b.get_grads().values()):
            np.testing.assert_allclose(ga, gb, rtol=1e-10, atol=1e-13, err_msg=f"{n} training={training}")
