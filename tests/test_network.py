"""``Sequential``: building, naming, the state dict and the passes."""

from __future__ import annotations

import numpy as np
import pytest

import ffnn
from ffnn import layers as L
from ffnn.network import Sequential, StateDictError


def _net():
    net = Sequential([L.Dense(4), L.BatchNorm(), L.Activation("relu"), L.Dense(2)])
    net.build(3, np.random.default_rng(0), np.float64)
    return net


def test_names_follow_positions_and_state_holds_parameters_then_buffers_per_layer():
    net = _net()
    assert [n for n, _ in net.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.1.scale", "layers.1.shift", "layers.3.weight", "layers.3.bias"]
    assert [n for n, _ in net.named_buffers()] == ["layers.1.running_mean", "layers.1.running_var"]
    assert list(net.state_dict()) == [
        "layers.0.weight", "layers.0.bias", "layers.1.scale", "layers.1.shift", "layers.1.running_mean",
        "layers.1.running_var", "layers.3.weight", "layers.3.bias"]
    shapes, trained = net.state_shapes(3)
    assert shapes == {k: v.shape for k, v in net.state_dict().items()}
    assert trained == [n for n, _ in net.named_parameters()]


def test_parameters_live_in_the_flat_buffers_and_buffers_do_not():
    net = _net()
    assert net.flat_params.size == 3 * 4 + 4 + 4 + 4 + 4 * 2 + 2
    w = dict(net.named_parameters())["layers.0.weight"]
    assert np.shares_memory(w.data, net.flat_params) and np.shares_memory(w.grad, net.flat_grads)
    for _, buf in net.named_buffers():
        assert not np.shares_memory(buf, net.flat_params)


def test_load_state_dict_reports_every_problem_at_once_and_writes_nothing():
    net = _net()
    before = net.state_dict()
    bad = dict(before)
    del bad["layers.0.bias"]
    bad["layers.9.weight"] = np.zeros(2)
    bad["layers.3.weight"] = np.zeros((3, 3))
    bad["layers.1.running_var"] = np.full(4, np.nan)
    with pytest.raises(StateDictError) as err:
        net.load_state_dict(bad)
    message = str(err.value)
    for part in ("missing parameter(s) ['layers.0.bias']", "unknown parameter name(s) ['layers.9.weight']",
                 "layers.3.weight must have shape (4, 2), got (3, 3)", "layers.1.running_var contains NaN"):
        assert part in message
    for (name, a), b in zip(before.items(), net.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_load_state_dict_non_strict_returns_what_it_skipped():
    net = _net()
    result = net.load_state_dict({"layers.0.bias": np.ones(4), "extra": np.zeros(1)}, strict=False)
    assert result.unexpected_keys == ["extra"] and "layers.0.weight" in result.missing_keys
    np.testing.assert_array_equal(dict(net.named_parameters())["layers.0.bias"].data, 1)


def test_a_value_too_large_for_the_dtype_is_refused_after_the_cast():
    net = Sequential([L.Dense(2)])
    net.build(2, np.random.default_rng(0), np.float32)
    with pytest.raises(StateDictError, match="too large for float32"):
        net.load_state_dict({"layers.0.weight": np.full((2, 2), 1e300), "layers.0.bias": np.zeros(2)})


def test_backward_stops_at_the_first_trained_layer():
    m = ffnn.FFNN.from_layers(3, [L.Normalization(), L.Dropout(0.5), L.Dense(2), L.Activation("softmax")],
                              "cce", seed=0)
    net = m.network
    assert net.layers[2].needs_input_grad is False  # nobody needs dL/dx below it
    m.compute_gradients(np.ones((4, 3)), [0, 1, 0, 1], training=True)
    assert net.layers[1]._mask is not None  # the forward pass drew a mask ...
    assert net.backward(np.ones((4, 2), dtype=np.float32), start=-1) is None  # ... but nothing goes below


def test_training_flag_reaches_only_the_layers_that_use_it():
    net = Sequential([L.Dense(3), L.Dropout(0.5)])
    net.build(2, np.random.default_rng(0), np.float64)
    x = np.ones((200, 2))
    out_inference = net.forward(x).copy()
    out_training = net.forward(x, training=True)
    assert np.all(out_inference != 0)
    assert 0.3 < np.mean(out_training == 0) < 0.7
