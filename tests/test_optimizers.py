"""Optimisers and training controls: hand-computed steps, PyTorch and scikit-learn as oracles,
state that survives saving and several ``fit`` calls, early stopping, callbacks."""

from __future__ import annotations

import json

import numpy as np
import pytest

import ffnn
from ffnn.optimizers import OPTIMIZERS, SGD, Adam, Momentum


def _bound(opt, w, dtype=np.float64):
    params = np.array(w, dtype=dtype)
    grads = np.zeros_like(params)
    opt.bind(params, grads)
    return params, grads


def _run(opt, w0, grads_seq, lrs=None):
    """Apply the gradients in order (optionally changing the learning rate); return every w."""
    params, grads = _bound(opt, w0)
    out = []
    for i, g in enumerate(grads_seq):
        if lrs is not None:
            opt.learning_rate = lrs[i]
        grads[...] = g
        opt.step()
        out.append(params.copy())
    return np.array(out)


def _gradients(n_steps=6, size=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(0, 1, (n_steps, size)) * rng.uniform(0.01, 3, size)


# ---------------------------------------------------------------- hand-computed steps
def test_sgd_hand_step():
    # w = [1, -2], g = [0.5, 4], lr = 0.1:  w - lr g = [1 - 0.05, -2 - 0.4] = [0.95, -2.4]
    w = _run(SGD(0.1), [1.0, -2.0], [[0.5, 4.0]])
    np.testing.assert_allclose(w[0], [0.95, -2.4], rtol=1e-15)


@pytest.mark.parametrize("convention", ["pytorch", "sklearn"])
def test_momentum_hand_steps(convention):
    # lr 0.1, mu 0.9, w0 = 1, g1 = 1, g2 = 2 (both conventions agree at a constant rate)
    # step 1: b = 1             -> w = 1 - 0.1 * 1 = 0.9
    # step 2: b = 0.9 * 1 + 2 = 2.9 -> w = 0.9 - 0.1 * 2.9 = 0.61
    w = _run(Momentum(0.1, momentum=0.9, convention=convention), [1.0], [[1.0], [2.0]])
    np.testing.assert_allclose(w[:, 0], [0.9, 0.61], rtol=1e-14)
    # Nesterov: the step uses g + mu b
    # step 1: b = 1,   d = 1 + 0.9 * 1 = 1.9     -> w = 1 - 0.19 = 0.81
    # step 2: b = 2.9, d = 2 + 0.9 * 2.9 = 4.61  -> w = 0.81 - 0.461 = 0.349
    w = _run(Momentum(0.1, momentum=0.9, nesterov=True, convention=convention), [1.0], [[1.0], [2.0]])
    np.testing.assert_allclose(w[:, 0], [0.81, 0.349], rtol=1e-14)


def test_adam_hand_steps():
    # lr 0.1, b1 0.9, b2 0.999, eps 1e-8, w0 = 1, g1 = 2, g2 = -1
    # t=1: m = 0.2, v = 0.004; m_hat = 0.2 / 0.1 = 2, v_hat = 0.004 / 0.001 = 4
    #      w = 1 - 0.1 * 2 / (2 + 1e-8) = 0.9 + 1e-9 (to first order)
    # t=2: m = 0.18 - 0.1 = 0.08, v = 0.003996 + 0.001 = 0.004996
    #      m_hat = 0.08 / 0.19, v_hat = 0.004996 / (1 - 0.999^2) = 0.004996 / 0.001999
    w = _run(Adam(0.1), [1.0], [[2.0], [-1.0]])
    w1 = 1 - 0.1 * 2 / (2 + 1e-8)
    w2 = w1 - 0.1 * (0.08 / 0.19) / (np.sqrt(0.004996 / 0.001999) + 1e-8)
    np.testing.assert_allclose(w[:, 0], [w1, w2], rtol=1e-13)
    # scikit-learn's form puts eps outside the bias correction: lr_t = lr sqrt(1-b2^t) / (1-b1^t)
    w = _run(Adam(0.1, convention="sklearn"), [1.0], [[2.0], [-1.0]])
    s1 = 1 - 0.1 * np.sqrt(0.001) / 0.1 * 0.2 / (np.sqrt(0.004) + 1e-8)
    np.testing.assert_allclose(w[0, 0], s1, rtol=1e-13)
    assert w[0, 0] != w1  # the eps placement is a real (tiny) difference


# ---------------------------------------------------------------- PyTorch as oracle
TORCH_CASES = [
    ("sgd", {}, {}),
    ("sgd", {"momentum": 0.9}, {"name": "momentum", "momentum": 0.9}),
    ("sgd", {"momentum": 0.5, "nesterov": True}, {"name": "momentum", "momentum": 0.5, "nesterov": True}),
    ("adam", {}, {"name": "adam"}),
    ("adam", {"betas": (0.8, 0.99), "eps": 1e-3}, {"name": "adam", "beta1": 0.8, "beta2": 0.99, "eps": 1e-3}),
]


@pytest.mark.parametrize("torch_name, torch_kwargs, ours", TORCH_CASES)
def test_matches_pytorch_on_the_same_gradients(torch_name, torch_kwargs, ours):
    torch = pytest.importorskip("torch")
    lr, w0, grads = 0.05, np.linspace(-1, 1, 5), _gradients()
    p = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    topt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[torch_name]([p], lr=lr, **torch_kwargs)
    expected = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
        expected.append(p.detach().numpy().copy())
    opt = ffnn.optimizers.get({"name": "sgd", **ours, "learning_rate": lr})
    np.testing.assert_allclose(_run(opt, w0, grads), np.array(expected), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_pytorch_when_the_rate_changes(nesterov):
    torch = pytest.importorskip("torch")
    lrs, w0, grads = [0.1, 0.1, 0.05, 0.05, 0.01, 0.01], np.linspace(-1, 1, 5), _gradients()
    p = torch.nn.Parameter(torch.tensor(w0, dtype=torch.float64))
    topt = torch.optim.SGD([p], lr=lrs[0], momentum=0.9, nesterov=nesterov)
    expected = []
    for lr, g in zip(lrs, grads):
        topt.param_groups[0]["lr"] = lr
        p.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
        expected.append(p.detach().numpy().copy())
    got = _run(Momentum(lrs[0], 0.9, nesterov), w0, grads, lrs)
    np.testing.assert_allclose(got, np.array(expected), rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- scikit-learn as oracle
def _sklearn_run(opt, w0, grads, lrs=None):
    params = [np.array(w0, dtype=np.float64)]
    out = []
    for i, g in enumerate(grads):
        if lrs is not None:
            opt.learning_rate = lrs[i]
        opt.update_params(params, [np.array(g)])
        out.append(params[0].copy())
    return np.array(out)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sklearn_convention_matches_sklearns_sgd_even_when_the_rate_changes(nesterov):
    so = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")
    lrs, w0, grads = [0.1, 0.1, 0.05, 0.05, 0.01, 0.01], np.linspace(-1, 1, 5), _gradients()
    sk = so.SGDOptimizer([np.array(w0)], learning_rate_init=0.1, momentum=0.9, nesterov=nesterov)
    expected = _sklearn_run(sk, w0, grads, lrs)
    ours = _run(Momentum(0.1, 0.9, nesterov, convention="sklearn"), w0, grads, lrs)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14)
    # PyTorch's convention gives a different path once the rate has changed ...
    torch_like = _run(Momentum(0.1, 0.9, nesterov), w0, grads, lrs)
    np.testing.assert_allclose(torch_like[:2], expected[:2], rtol=1e-12)
    assert np.abs(torch_like[2:] - expected[2:]).max() > 1e-3
    # ... and the same one, step for step, at a constant rate: v_sklearn = -lr * b_pytorch
    sk = so.SGDOptimizer([np.array(w0)], learning_rate_init=0.1, momentum=0.9, nesterov=nesterov)
    np.testing.assert_allclose(_run(Momentum(0.1, 0.9, nesterov), w0, grads), _sklearn_run(sk, w0, grads),
                               rtol=1e-12, atol=1e-14)


def test_sklearn_convention_matches_sklearns_adam():
    so = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")
    w0, grads = np.linspace(-1, 1, 5), _gradients() * 1e-4  # small gradients: eps matters
    sk = so.AdamOptimizer([np.array(w0)], learning_rate_init=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    expected = _sklearn_run(sk, w0, grads)
    np.testing.assert_allclose(_run(Adam(0.01, convention="sklearn"), w0, grads), expected, rtol=1e-12)
    assert np.abs(_run(Adam(0.01), w0, grads) - expected).max() > 1e-9


# ---------------------------------------------------------------- state, config, reuse
@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_config_is_json_and_rebuilds_the_same_optimizer(name):
    opt = ffnn.optimizers.get(name, learning_rate=0.03)
    config = json.loads(json.dumps(opt.get_config()))
    again = ffnn.optimizers.get(config)
    assert type(again) is type(opt) and again.get_config() == opt.get_config()


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_state_dict_round_trip_continues_exactly(name):
    w0, grads = np.linspace(-1, 1, 5), _gradients(8)
    straight = _run(ffnn.optimizers.get(name, learning_rate=0.05), w0, grads)
    first = ffnn.optimizers.get(name, learning_rate=0.05)
    mid = _run(first, w0, grads[:4])[-1]
    state = first.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state.values()) and int(state["iterations"]) == 4
    assert set(state) == {"iterations", *type(first).state_names}
    # restored before binding (as a fresh process would) and after binding (as io.py does)
    for bind_first in (False, True):
        second = ffnn.optimizers.get(first.get_config())
        params, grads_buf = np.array(mid), np.zeros_like(mid)
        if bind_first:
            second.bind(params, grads_buf)
        second.load_state_dict(state)
        second.bind(params, grads_buf)
        for g in grads[4:]:
            grads_buf[...] = g
            second.step()
        np.testing.assert_array_equal(params, straight[-1])


def test_load_state_dict_rejects_wrong_keys_and_shapes():
    opt = Adam()
    _bound(opt, np.zeros(3))
    with pytest.raises(ValueError, match="unknown"):
        opt.load_state_dict({"velocity": np.zeros(3)})
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict({"m": np.zeros(4)})


def test_bad_hyper_parameters_are_named():
    with pytest.raises(ValueError, match="momentum"):
        Momentum(momentum=1.0)
    with pytest.raises(ValueError, match="beta2"):
        Adam(beta2=-0.1)
    with pytest.raises(ValueError, match="convention"):
        Adam(convention="keras")
    with pytest.raises(ValueError, match="learning_rate"):
        ffnn.optimizers.get("adam", learning_rate=0)


def _blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[2, 0], [-2, 0], [0, 2.5]])
    y = rng.integers(0, 3, n)
    return centers[y] + rng.normal(0, 0.7, (n, 2)), y


def _net(seed=0):
    return ffnn.FFNN([2, 8, 3], ["tanh", "softmax"], "cce", seed=seed, dtype="float64")


@pytest.mark.parametrize("spec", ["momentum", {"name": "momentum", "nesterov": True}, "adam"])
def test_the_same_object_continues_across_fit_calls(spec):
    X, y = _blobs()
    once = _net()
    once.fit(X, y, epochs=4, batch_size=16, learning_rate=0.05, optimizer=spec, verbose=0)
    twice = _net()
    opt = ffnn.optimizers.get(spec if isinstance(spec, str) else dict(spec), learning_rate=0.05)
    twice.fit(X, y, epochs=2, batch_size=16, optimizer=opt, verbose=0)
    twice.fit(X, y, epochs=2, batch_size=16, optimizer=opt, verbose=0)
    assert opt.iterations == 4 * 8 and twice.optimizer is opt
    np.testing.assert_allclose(twice.network.flat_params, once.network.flat_params, rtol=1e-12)
    # a name builds a new optimiser each time: the state starts afresh, so the path differs
    fresh = _net()
    fresh.fit(X, y, epochs=2, batch_size=16, learning_rate=0.05, optimizer=spec, verbose=0)
    fresh.fit(X, y, epochs=2, batch_size=16, learning_rate=0.05, optimizer=spec, verbose=0)
    assert not np.allclose(fresh.network.flat_params, once.network.flat_params, rtol=1e-6)


@pytest.mark.parametrize("spec", ["momentum", "adam"])
def test_optimizer_state_is_saved_with_the_model(tmp_path, spec):
    X, y = _blobs()
    model = _net()
    model.fit(X, y, epochs=2, batch_size=16, learning_rate=0.05, optimizer=spec, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = ffnn.FFNN.load(tmp_path / "m.npz")
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    for key, value in model.optimizer.state_dict().items():
        assert np.any(value != 0), key
        np.testing.assert_array_equal(loaded.optimizer.state_dict()[key], value)
    # training on from the file follows the same path as training on in memory
    model.fit(X, y, epochs=1, batch_size=16, optimizer=model.optimizer, verbose=0)
    loaded.fit(X, y, epochs=1, batch_size=16, optimizer=loaded.optimizer, verbose=0)
    np.testing.assert_array_equal(loaded.network.flat_params, model.network.flat_params)


def test_momentum_and_adam_learn_faster_than_plain_gradient_descent():
    X, y = _blobs(300)
    losses = {}
    for spec, lr in [("sgd", 0.01), ("momentum", 0.01), ("adam", 0.01)]:
        h = _net().fit(X, y, epochs=5, batch_size=32, learning_rate=lr, optimizer=spec, verbose=0)
        losses[spec] = h.history["loss"][-1]
        assert h.params["optimizer"]["name"] == spec
    assert losses["momentum"] < losses["sgd"] and losses["adam"] < losses["sgd"]


# ---------------------------------------------------------------- early stopping, callbacks
def _noisy_split(seed=0):
    """A small, noisy problem a wide net over-fits: validation loss turns up after a while."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (60, 5))
    y = (X[:, 0] + rng.normal(0, 1.5, 60) > 0).astype(int)
    return X[:30], y[:30], X[30:], y[30:]


def test_early_stopping_stops_and_restores_the_best_weights():
    X, y, Xv, yv = _noisy_split()
    model = ffnn.FFNN([5, 64, 2], ["relu", "softmax"], "cce", seed=0, dtype="float64")
    kept = {}
    snap = lambda e, logs: kept.__setitem__(e, model.network.flat_params.copy())  # noqa: E731
    stop = ffnn.EarlyStopping(monitor="val_loss", patience=3)
    h = model.fit(X, y, epochs=300, batch_size=30, learning_rate=0.05, optimizer="adam",
                  validation_data=(Xv, yv), callbacks=[snap], early_stopping=stop, verbose=0)
    val = h.history["val_loss"]
    best = int(np.argmin(val))
    assert len(val) < 300 and len(val) == best + 1 + 3  # stopped 3 epochs after the best
    assert stop.best_epoch == best and stop.stopped_epoch == len(val) - 1
    np.testing.assert_array_equal(model.network.flat_params, kept[best])
    assert model.evaluate(Xv, yv)["loss"] == pytest.approx(val[best], rel=1e-12)
    rec = h.params["early_stopping"]
    assert rec["patience"] == 3 and rec["best_epoch"] == best and rec["stopped_epoch"] == len(val) - 1


def test_early_stopping_min_delta_and_mode():
    stop = ffnn.EarlyStopping(monitor="val_accuracy", patience=2, min_delta=0.1, restore_best_weights=False)
    assert stop.maximize
    # 0.5 -> 0.55 is an improvement (new best) but not by more than min_delta: patience runs on
    results = [stop.on_epoch_end(e, {"val_accuracy": a}) for e, a in enumerate([0.5, 0.55, 0.58])]
    assert results == [None, None, False] and stop.best == 0.58 and stop.best_epoch == 2
    stop = ffnn.EarlyStopping(monitor="loss", patience=1, mode="min")
    assert [stop.on_epoch_end(e, {"loss": v}) for e, v in enumerate([3.0, 2.0, 2.5])] == [None, None, False]


def test_early_stopping_needs_its_metric():
    X, y, _, _ = _noisy_split()
    model = ffnn.FFNN([5, 4, 2], ["relu", "softmax"], "cce", seed=0)
    with pytest.raises(ValueError, match="validation_data"):
        model.fit(X, y, epochs=2, early_stopping=True, verbose=0)
    with pytest.raises(ValueError, match="not among"):
        model.fit(X, y, epochs=2, early_stopping={"monitor": "val_f1"}, validation_data=(X, y), verbose=0)
    with pytest.raises(TypeError, match="early_stopping"):
        model.fit(X, y, epochs=2, early_stopping="yes", verbose=0)
    h = model.fit(X, y, epochs=2, early_stopping={"monitor": "loss", "patience": 4}, verbose=0)
    assert h.params["early_stopping"]["monitor"] == "loss" and h.params["early_stopping"]["stopped_epoch"] is None


def test_callback_objects_get_every_hook_and_share_the_logs():
    X, y, _, _ = _noisy_split()
    events = []

    class Recorder(ffnn.Callback):
        def on_train_begin(self, model):
            events.append(("begin", model.layer_sizes))

        def on_epoch_end(self, epoch, logs):
            logs["double_loss"] = 2 * logs["loss"]  # recorded in the history
            events.append(("epoch", epoch))

        def on_train_end(self):
            events.append(("end",))

    def plain(epoch, logs):
        assert logs["double_loss"] == 2 * logs["loss"]  # a later callback sees what it added
        return epoch < 1

    model = ffnn.FFNN([5, 4, 2], ["relu", "softmax"], "cce", seed=0)
    h = model.fit(X, y, epochs=5, callbacks=[Recorder(), plain], verbose=0)
    assert events == [("begin", [5, 4, 2]), ("epoch", 0), ("epoch", 1), ("end",)]
    assert h.history["double_loss"] == [2 * v for v in h.history["loss"]]
    assert h.params["callbacks"] == ["Recorder", "plain"]


def test_plain_fit_records_that_nothing_extra_is_on():
    X, y, _, _ = _noisy_split()
    h = ffnn.FFNN([5, 4, 2], ["relu", "softmax"], "cce", seed=0).fit(X, y, epochs=1, verbose=0)
    assert h.params["optimizer"] == {"name": "sgd", "learning_rate": 0.01}
    assert h.params["lr_schedule"] is None and h.params["early_stopping"] is None
    assert h.params["callbacks"] == [] and "learning_rate" not in h.history


@pytest.mark.parametrize("state", [{"iterations": np.asarray(-5)}, {"iterations": np.asarray(2.5)},
                                   {"iterations": np.asarray(3), "m": np.array([np.nan, 0.0])}])
def test_bad_saved_optimizer_state_is_refused(state):
    opt = ffnn.optimizers.get("adam")
    opt.bind(np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="iterations|finite"):
        opt.load_state_dict(state)


# ---------------------------------------------------------------- the update in slices
SLICED_CASES = [
    SGD(0.05),
    Momentum(0.05, 0.9), Momentum(0.05, 0.9, nesterov=True),
    Momentum(0.05, 0.9, convention="sklearn"), Momentum(0.05, 0.9, nesterov=True, convention="sklearn"),
    Adam(0.05), Adam(0.05, convention="sklearn"),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("template", SLICED_CASES, ids=lambda o: f"{o.name}-{o.get_config()}")
def test_an_update_in_slices_is_bit_for_bit_the_whole_vector_update(monkeypatch, template, dtype):
    """``step`` walks big buffers one cache-sized slice at a time; every element must get
    exactly the arithmetic of the one-slice update, the last (shorter) slice included."""
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal(11).astype(dtype)
    grads = rng.standard_normal((6, 11)).astype(dtype)

    def run(slice_bytes):
        monkeypatch.setattr(ffnn.optimizers, "UPDATE_SLICE_BYTES", slice_bytes)
        opt = ffnn.optimizers.get(template.get_config())
        params, grad_buf = w0.copy(), np.zeros_like(w0)
        opt.bind(params, grad_buf)
        assert opt._scratch.size == min(11, max(1, slice_bytes // params.itemsize))  # no full-size copy
        for g in grads:
            grad_buf[...] = g
            opt.step()
        return params, opt.state_dict()

    whole, whole_state = run(1 << 20)
    for slice_bytes in (1, 3 * np.dtype(dtype).itemsize, 4 * np.dtype(dtype).itemsize):
        sliced, sliced_state = run(slice_bytes)
        np.testing.assert_array_equal(sliced, whole)
        assert sliced_state.keys() == whole_state.keys()
        for key in whole_state:
            np.testing.assert_array_equal(sliced_state[key], whole_state[key])
    assert not np.array_equal(whole, w0)  # the update did something
