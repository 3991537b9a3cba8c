"""The training monitor: its figures in cases where the truth is known, its cost when off, its
plain data (saved, loaded, joined), and the health rules that read it."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

import ffnn
from ffnn import layers as L
from ffnn.diagnostics import TrainingWarning
from ffnn.monitor import PERCENTILES, Monitor, histogram_edges
from ffnn.monitor.health import RULES, UPDATE_HIGH, UPDATE_LOW


def _blobs(n=96, d=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, size=(n, d))
    return X, rng.integers(0, k, n)


def _fit(model, X, y, **kw):
    kw.setdefault("verbose", 0)
    kw.setdefault("monitor", True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingWarning)
        return model.fit(X, y, **kw)


def _layer(history, name):
    return next(e for e in history.monitor["layers"] if e["name"] == name)


# ---------------------------------------------------------------------------------- the figures
def test_a_layer_with_very_negative_biases_reports_every_unit_dead():
    X, y = _blobs()
    model = ffnn.FFNN([4, 8, 6, 3], ["relu", "relu", "softmax"], "cce", seed=0)
    model.set_params({"layers.0.bias": np.full(8, -1e3)}, strict=False)
    h = _fit(model, X, y, epochs=3, batch_size=16)
    assert _layer(h, "layers.0")["dead"] == [None, 1.0, 1.0, 1.0]  # before the first step: nothing seen yet
    assert _layer(h, "layers.1")["dead"][1:] == [1.0, 1.0, 1.0]  # its input is all zeros: relu(b) with b = 0
    assert _layer(h, "layers.2")["dead"] is None  # softmax: no dead units to count
    found = {(f["rule"], f["layer"]) for f in h.health}
    assert ("dead_units", "layers.0") in found


def test_dead_means_never_positive_for_any_training_sample_not_only_the_probe():
    # unit 0 sees feature 0, which is positive in the last row only; unit 1 never fires
    X = np.full((40, 2), -1.0)
    X[-1, 0] = 1.0
    y = np.zeros(40, dtype=int)
    model = ffnn.FFNN([2, 2, 2], ["relu", "softmax"], "cce", seed=0)
    model.set_params({"layers.0.weight": np.eye(2), "layers.0.bias": np.zeros(2)}, strict=False)
    h = _fit(model, X, y, epochs=2, batch_size=8, learning_rate=1e-12, monitor=Monitor(probe_rows=4),
             validation_data=(np.ones((5, 2)), np.zeros(5, dtype=int)))  # validation rows are not counted
    assert _layer(h, "layers.0")["dead"][1:] == [0.5, 0.5]
    # the probe (first 4 rows) sees both units at zero
    assert _layer(h, "layers.0")["activations"]["percentiles"][-1] == [0.0] * len(PERCENTILES)


def test_half_the_units_dead_is_half():
    X, y = _blobs()
    model = ffnn.FFNN([4, 8, 3], ["relu", "softmax"], "cce", seed=0)
    model.set_params({"layers.0.bias": np.array([-1e3, 1e3] * 4)}, strict=False)
    h = _fit(model, X, y, epochs=2, batch_size=32, learning_rate=1e-6)
    assert _layer(h, "layers.0")["dead"][1:] == [0.5, 0.5]


def test_a_known_update_gives_a_known_ratio():
    # one full batch per epoch, plain SGD: the last step moves W by lr * grad
    X, y = _blobs(n=64)
    model = ffnn.FFNN([4, 5, 3], ["tanh", "softmax"], "cce", seed=1, dtype="float64")
    before = model.get_params()
    h = _fit(model, X, y, epochs=1, batch_size=64, learning_rate=0.3)
    grads = model.get_grads()
    for name in ("layers.0", "layers.1"):
        expected = 0.3 * np.linalg.norm(grads[f"{name}.weight"]) / np.linalg.norm(before[f"{name}.weight"])
        assert _layer(h, name)["update_ratio"][-1] == pytest.approx(expected, rel=1e-5)
        assert _layer(h, name)["grad_norm"][-1] == pytest.approx(np.linalg.norm(grads[f"{name}.weight"]), rel=1e-5)


def test_the_update_ratio_is_that_of_the_epochs_last_step():
    X, y = _blobs(n=100)
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0, dtype="float64")

    class Spy(ffnn.Callback):  # the weights before every step: the ratio must use the last one's
        def __init__(self):
            self.before = []

        def on_train_begin(self, m):
            self.w = m.network.layers[0].weight
            self.before.append(self.w.copy())

        def on_batch_end(self, batch, logs):
            self.before.append(self.w.copy())

    spy = Spy()
    h = _fit(model, X, y, epochs=1, batch_size=30, learning_rate=0.1, callbacks=[spy])  # batches 30, 30, 30, 10
    w_before, w_after = spy.before[-2], spy.before[-1]
    expected = np.linalg.norm(w_after - w_before) / np.linalg.norm(w_before)
    assert _layer(h, "layers.0")["update_ratio"][-1] == pytest.approx(expected, rel=1e-5)


def test_percentiles_and_histograms_are_those_of_the_arrays():
    X, y = _blobs(n=80)
    model = ffnn.FFNN([4, 16, 3], ["relu", "softmax"], "cce", seed=0, dtype="float64")
    h = _fit(model, X, y, epochs=2, batch_size=20, monitor=Monitor(bins=7, probe_rows=50))
    entry, bins = _layer(h, "layers.0"), h.monitor["bins"]
    assert bins == 7 and h.monitor["percentiles"] == list(PERCENTILES)
    w, g = model.get_params()["layers.0.weight"], model.get_grads()["layers.0.weight"]
    hidden = np.maximum(X[:50] @ w + model.get_params()["layers.0.bias"], 0)  # the probe's activations
    for quantity, values in (("weight", w), ("gradient", g), ("activations", hidden)):
        q = entry[quantity]
        assert q["percentiles"][-1] == pytest.approx(np.percentile(values, PERCENTILES), rel=1e-5, abs=1e-12)
        counts, edges = np.histogram(values, bins=bins, range=(values.min(), values.max()))
        assert q["histogram"][-1] == counts.tolist()
        span = edges[-1] - edges[0]
        assert histogram_edges(q["percentiles"][-1], bins) == pytest.approx(edges, rel=1e-5, abs=1e-5 * span)
        assert q["near_zero"][-1] == pytest.approx(np.mean(np.abs(values) < 1e-3), abs=1e-4)
    assert entry["weight_norm"][-1] == pytest.approx(np.linalg.norm(w), rel=1e-5)


def test_saturation_of_sigmoid_and_tanh_layers():
    X, y = _blobs()
    model = ffnn.FFNN([4, 6, 5, 3], ["sigmoid", "tanh", "softmax"], "cce", seed=0)
    model.set_params({"layers.0.bias": np.full(6, 50.0), "layers.1.weight": np.zeros((6, 5)),
                      "layers.1.bias": np.zeros(5)}, strict=False)
    h = _fit(model, X, y, epochs=1, batch_size=32, learning_rate=1e-6)
    sig, tanh = _layer(h, "layers.0"), _layer(h, "layers.1")
    assert sig["saturated"][-1] == 1.0 and sig["saturated_outputs"][-1] == 1.0  # sigmoid(50) = 1
    assert tanh["saturated"][-1] == 0.0 and tanh["saturated_outputs"][-1] == 0.0  # tanh(0) = 0: the middle
    assert sig["dead"] is None
    assert ("saturated_units", "layers.0") in {(f["rule"], f["layer"]) for f in h.health}


def test_records_every_n_batches_and_at_each_epochs_end():
    X, y = _blobs(n=100)
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    h = _fit(model, X, y, epochs=2, batch_size=10, monitor=Monitor(every=3))  # 10 batches an epoch
    rec = h.monitor["records"]
    assert rec["epoch"] == [0] + [0] * 4 + [1] * 4
    assert rec["batch"] == [0] + [3, 6, 9, 10] * 2
    assert rec["step"] == [0, 3, 6, 9, 10, 13, 16, 19, 20]
    assert all(len(e["update_ratio"]) == 9 for e in h.monitor["layers"])
    assert h.monitor["graph"]["record"] == [0, 4, 8]  # the start and each epoch's end


def test_layers_can_be_chosen_and_unknown_ones_are_refused():
    X, y = _blobs()
    model = ffnn.FFNN([4, 5, 5, 3], ["relu", "relu", "softmax"], "cce", seed=0)
    h = _fit(model, X, y, epochs=1, monitor=Monitor(layers=[-1, "layers.0"]))
    assert [e["name"] for e in h.monitor["layers"]] == ["layers.0", "layers.2"]  # in the network's order
    no_dense = ffnn.FFNN.from_layers(4, [L.LayerNorm(), L.Activation("softmax")], loss="mse", seed=0)
    with pytest.raises(ValueError, match="has none"):
        _fit(no_dense, X, np.eye(4)[y], epochs=1)
    with pytest.raises(ValueError, match="no dense layer 7"):
        _fit(model, X, y, epochs=1, monitor=Monitor(layers=[7]))
    with pytest.raises(ValueError, match="every must be a positive integer"):
        Monitor(every=0)
    with pytest.raises(TypeError, match="monitor must be"):
        _fit(model, X, y, epochs=1, monitor="yes")


def test_a_from_layers_stack_is_monitored_through_its_norms():
    X, y = _blobs()
    model = ffnn.FFNN.from_layers(4, [L.Dense(6), L.BatchNorm(), L.Activation("relu"), L.Dropout(0.2),
                                      L.Dense(3), L.Activation("softmax")], loss="cce", seed=0)
    h = _fit(model, X, y, epochs=2)
    first = _layer(h, "layers.0")
    assert first["activation"] == "relu" and first["activation_layer"] == "layers.3"
    assert len(first["dead"]) == 3


def test_the_autograd_engine_gives_the_same_records():
    X, y = _blobs()
    runs = []
    for engine in ("backprop", "autograd"):
        model = ffnn.FFNN([4, 8, 3], ["relu", "softmax"], "cce", seed=0, dtype="float64", engine=engine)
        model.set_params({"layers.0.bias": np.array([-1e3, 0, 0, 0, -1e3, 0, 0, 0])}, strict=False)
        runs.append(_fit(model, X, y, epochs=2).monitor)
    assert runs[0]["layers"][0]["dead"] == runs[1]["layers"][0]["dead"] == [None, 0.25, 0.25]
    for a, b in zip(runs[0]["layers"], runs[1]["layers"]):
        assert a["update_ratio"][1:] == pytest.approx(b["update_ratio"][1:], rel=1e-5)


# ---------------------------------------------------------------------------------- off, on, cleaned up
def test_off_means_nothing_installed_and_nothing_recorded():
    X, y = _blobs()
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    h = model.fit(X, y, epochs=1, verbose=0)
    assert h.monitor is None and h.health == [] and h.params["monitor"] is None
    assert "monitor" not in h.to_dict() and "health" not in h.to_dict()


def test_the_activation_wrappers_come_off_after_training_and_after_a_failure():
    X, y = _blobs()
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    act = model.network.layers[1]
    seen = {}

    def peek(epoch, logs):
        seen["during"] = "forward" in act.__dict__

    _fit(model, X, y, epochs=1, callbacks=[peek])
    assert seen["during"] and "forward" not in act.__dict__ and "tensor_forward" not in act.__dict__
    with np.errstate(all="ignore"), pytest.raises(ffnn.TrainingDivergedError):
        _fit(model, X * 1e30, y, epochs=1, learning_rate=1e30)
    assert "forward" not in act.__dict__


# ---------------------------------------------------------------------------------- plain data
def test_the_records_are_plain_data_saved_with_the_model(tmp_path):
    X, y = _blobs()
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    h = _fit(model, X, y, epochs=2)
    text = json.dumps(h.to_dict(), allow_nan=False)
    assert json.loads(text)["monitor"] == h.monitor
    model.save(tmp_path / "m.npz")
    again = ffnn.load(tmp_path / "m.npz")
    assert again.history.monitor == model.history.monitor
    assert again.history.health == model.history.health


def test_a_history_with_a_malformed_monitor_is_refused():
    X, y = _blobs()
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    d = _fit(model, X, y, epochs=1).to_dict()
    ffnn.History.from_dict(json.loads(json.dumps(d)))  # as written: fine
    for breaks in (lambda m: m["records"]["epoch"].append(3),
                   lambda m: m["layers"][0]["weight"]["histogram"].__setitem__(1, ["x"]),
                   lambda m: m["layers"][0].__setitem__("grad_norm", "lots"),
                   lambda m: m.__setitem__("layers", {}),
                   lambda m: m["graph"]["snapshots"][0]["layers"][0]["weight"].append(1.0),
                   lambda m: m["graph"]["snapshots"][0]["neurons"].append(["x"])):
        bad = json.loads(json.dumps(d))
        breaks(bad["monitor"])
        with pytest.raises(ValueError, match="monitor"):
            ffnn.History.from_dict(bad)
    with pytest.raises(ValueError, match="unknown history field"):
        ffnn.History.from_dict({**d, "monitors": {}})
    with pytest.raises(ValueError, match="health"):
        ffnn.History.from_dict({**d, "health": [{"rule": 1}]})


def test_a_resumed_fit_joins_the_records():
    X, y = _blobs()
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    _fit(model, X, y, epochs=2)
    _fit(model, X, y, epochs=1)
    m = model.history.monitor
    assert m["records"]["epoch"] == [0, 0, 1, 2, 2]
    assert len(m["layers"][0]["weight"]["percentiles"]) == 5
    assert m["graph"]["record"] == [0, 1, 2, 3, 4]
    assert model.history.epoch == [0, 1, 2]


def test_a_ten_epoch_demo_run_fits_in_a_model_file(tmp_path):
    # the records do not depend on the number of rows: 1,000 MNIST-shaped rows stand for 60,000
    rng = np.random.default_rng(0)
    X, y = rng.random((1000, 784), dtype=np.float32), rng.integers(0, 10, 1000)
    model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
    h = _fit(model, X, y, epochs=10, batch_size=100)
    size = len(json.dumps(h.to_dict()))
    assert size < 1024 * 1024, size  # about 0.2 MiB: far under the 8 MiB metadata cap
    model.save(tmp_path / "demo.npz")


# ---------------------------------------------------------------------------------- health
def test_rules_state_threshold_and_source():
    names = {r.name for r in RULES}
    assert names == {"vanishing_gradients", "exploding_gradients", "update_ratio_low", "update_ratio_high",
                     "dead_units", "saturated_units", "loss_not_falling"}
    assert all(r.reference and r.fires_when and r.measures for r in RULES)


def test_findings_name_layer_epoch_cause_and_fix_and_warn():
    X, y = _blobs()
    model = ffnn.FFNN([4, 8, 3], ["relu", "softmax"], "cce", seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = model.fit(X, y, epochs=1, verbose=0, learning_rate=1e-7, monitor=True)
    shown = [str(w.message) for w in caught if issubclass(w.category, TrainingWarning)]
    assert any(m.startswith("update ratio low in layers.0 at epoch 1") for m in shown), shown
    f = next(f for f in h.health if f["rule"] == "update_ratio_low" and f["layer"] == "layers.0")
    assert f["epoch"] == 0 and f["value"] < UPDATE_LOW and f["threshold"] == UPDATE_LOW
    assert f["cause"] and f["fix"] and "Karpathy" in f["reference"]
    assert f["message"] in h.warnings


def test_a_high_update_ratio_is_found():
    X, y = _blobs()
    model = ffnn.FFNN([4, 8, 3], ["relu", "softmax"], "cce", seed=0)
    h = _fit(model, X, y, epochs=1, learning_rate=5.0)
    assert any(f["rule"] == "update_ratio_high" and f["value"] > UPDATE_HIGH for f in h.health)


def test_vanishing_gradients_in_a_deep_sigmoid_stack():
    X, y = _blobs(n=200, d=20)
    model = ffnn.FFNN([20] + [16] * 8 + [3], ["sigmoid"] * 8 + ["softmax"], "cce", init="normal", seed=0)
    h = _fit(model, X, y, epochs=1)
    f = next(f for f in h.health if f["rule"] == "vanishing_gradients")
    assert f["layer"] == "layers.0" and f["value"] < 1e-2


def test_a_loss_that_stops_falling_is_found_once():
    X, y = _blobs()
    model = ffnn.FFNN([4, 8, 3], ["relu", "softmax"], "cce", seed=0)
    h = _fit(model, X, y, epochs=6, learning_rate=1e-12)
    plateau = [f for f in h.health if f["rule"] == "loss_not_falling"]
    assert len(plateau) == 1 and plateau[0]["epoch"] == 3 and plateau[0]["layer"] == "network"


def test_a_healthy_run_has_no_findings():
    X, y = _blobs(n=300)
    model = ffnn.FFNN([4, 16, 3], ["relu", "softmax"], "cce", seed=0)
    h = _fit(model, X, y, epochs=3, batch_size=32, learning_rate=0.05)
    assert h.health == [], [f["message"] for f in h.health]
    assert not math.isnan(h.monitor["layers"][0]["update_ratio"][-1])


def test_a_run_too_large_for_a_model_file_is_announced_after_its_first_epoch():
    X, y = _blobs(n=400)
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    with pytest.warns(TrainingWarning, match="more than a model file's 8 MiB"):
        model.fit(X, y, epochs=1000, batch_size=2, verbose=0, monitor=Monitor(every=1),
                  callbacks=[lambda epoch, logs: False])  # stop after the first epoch: the warning is then


def test_the_monitor_keeps_what_it_saw_when_training_raised():
    X, y = _blobs()
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0)
    watch = Monitor()
    _fit(model, X, y, epochs=2, monitor=watch)
    assert watch.data is model.history.monitor
    with np.errstate(all="ignore"), pytest.raises(ffnn.TrainingDivergedError):
        _fit(model, X * 1e30, y, epochs=1, learning_rate=1e30, monitor=watch)
    assert watch.data is not model.history.monitor and watch.data["records"]["batch"] == [0]
