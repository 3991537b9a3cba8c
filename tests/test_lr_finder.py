"""The learning-rate range test: the rates it tries, when it stops, what it suggests and by which
rule, and that the model comes back exactly as it was."""

from __future__ import annotations

import json

import numpy as np
import pytest

import ffnn
from ffnn.cli import main
from ffnn.lr_finder import CONSERVATIVE_FACTOR, suggest


def _blobs(n=400, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[2.0, 0.0], [-2.0, 1.0], [0.0, -2.0]])
    idx = rng.integers(0, 3, n)
    return centres[idx] + rng.normal(0, 0.7, size=(n, 2)), idx


def test_rates_rise_exponentially_from_start_to_end():
    X, y = _blobs()
    model = ffnn.FFNN([2, 16, 3], ["relu", "softmax"], "cce", seed=0)
    r = model.lr_find(X, y, start=1e-5, end=1e-2, steps=30, batch_size=16)
    assert not r.stopped_early and len(r.learning_rates) == 30
    assert r.learning_rates[0] == pytest.approx(1e-5) and r.learning_rates[-1] == pytest.approx(1e-2)
    steps = np.diff(np.log10(r.learning_rates))
    assert steps == pytest.approx(np.full(29, 3 / 29))


def test_smoothing_is_a_bias_corrected_moving_average():
    X, y = _blobs()
    model = ffnn.FFNN([2, 16, 3], ["relu", "softmax"], "cce", seed=0)
    r = model.lr_find(X, y, steps=20, smoothing=0.5, end=1e-3)
    avg, expected = 0.0, []
    for i, loss in enumerate(r.losses):
        avg = 0.5 * avg + 0.5 * loss
        expected.append(avg / (1 - 0.5 ** (i + 1)))
    assert r.smoothed == pytest.approx(expected)
    assert model.lr_find(X, y, steps=20, smoothing=0.0, end=1e-3).smoothed == pytest.approx(
        model.lr_find(X, y, steps=20, smoothing=0.0, end=1e-3).losses)


def test_it_stops_when_the_loss_diverges():
    X, y = _blobs()
    model = ffnn.FFNN([2, 16, 3], ["relu", "softmax"], "cce", seed=0)
    r = model.lr_find(X, y, start=1e-3, end=1e6, steps=100)
    assert r.stopped_early and len(r.learning_rates) < 100
    assert r.smoothed[-1] > 4 * min(r.smoothed) or not np.isfinite(r.losses[-1])


def test_the_model_is_restored_exactly():
    X, y = _blobs()
    model = ffnn.FFNN([2, 16, 3], ["relu", "softmax"], "cce", seed=0)
    model.fit(X, y, epochs=2, verbose=0, optimizer="adam", learning_rate=0.01)
    params, grads = model.get_params(), model.get_grads()
    opt_state = {k: np.copy(v) for k, v in model.optimizer.state_dict().items()}
    rng_state = model.rng.bit_generator.state
    predictions = model.predict(X)
    model.lr_find(X, y, steps=50, end=100.0)
    for name, value in model.get_params().items():
        np.testing.assert_array_equal(value, params[name])
    for name, value in model.get_grads().items():
        np.testing.assert_array_equal(value, grads[name])
    for key, value in model.optimizer.state_dict().items():
        np.testing.assert_array_equal(value, opt_state[key])
    assert model.rng.bit_generator.state == rng_state
    np.testing.assert_array_equal(model.predict(X), predictions)


def test_a_fresh_model_learns_nothing_from_the_test():
    X, y = _blobs()
    labels = np.array(["a", "b", "c"])[y]
    model = ffnn.FFNN([2, 16, 3], ["relu", "softmax"], "cce", seed=0, standardize=True)
    model.lr_find(X, labels, steps=20)
    assert model.classes_ is None and model.history is None and model.optimizer is None
    assert not model.network.layers[0].adapted  # the Normalization layer still learns from fit's data


def test_the_suggestion_follows_its_rule_on_a_known_curve():
    rates = np.logspace(-6, 1, 71)
    x = np.log10(rates)
    curve = 2.0 - np.tanh(x + 2.0)  # falls fastest at 1e-2
    curve[x > -0.5] += 40 * (x[x > -0.5] + 0.5) ** 2  # turns up after 10**-0.5
    steepest, minimum = suggest(list(rates), list(curve))
    assert steepest == pytest.approx(1e-2)
    assert np.log10(minimum) == pytest.approx(x[np.argmin(curve)])
    assert suggest([1e-3, 1e-2], [1.0, 0.5]) == (None, None)  # too few batches to say


def test_training_at_the_suggestion_learns():
    X, y = _blobs()
    model = ffnn.FFNN([2, 16, 3], ["relu", "softmax"], "cce", seed=0)
    r = model.lr_find(X, y, steps=100, batch_size=16)
    assert r.suggestion == min(r.steepest, r.minimum / CONSERVATIVE_FACTOR)
    assert 1e-4 < r.suggestion < 10
    model.fit(X, y, epochs=10, batch_size=16, learning_rate=r.suggestion, verbose=0)
    assert model.evaluate(X, y)["accuracy"] > 0.9
    json.dumps(r.to_dict(), allow_nan=False)  # plain data


@pytest.mark.parametrize("kw, message", [
    ({"start": 1.0, "end": 0.1}, "0 < start < end"),
    ({"start": 0.0}, "0 < start < end"),
    ({"steps": 1}, "at least 2"),
    ({"smoothing": 1.0}, "smoothing"),
    ({"diverge": 1.0}, "diverge"),
])
def test_bad_settings_are_refused(kw, message):
    X, y = _blobs()
    model = ffnn.FFNN([2, 4, 3], ["relu", "softmax"], "cce", seed=0)
    with pytest.raises(ValueError, match=message):
        model.lr_find(X, y, **kw)


def test_plot_lr_find_marks_the_suggestion(tmp_path):
    pytest.importorskip("matplotlib")
    from ffnn.viz import plot_lr_find

    X, y = _blobs()
    r = ffnn.FFNN([2, 16, 3], ["relu", "softmax"], "cce", seed=0).lr_find(X, y, steps=60)
    fig = plot_lr_find(r, path=tmp_path / "lr.png")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and (tmp_path / "lr.png").stat().st_size > 0
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lab.startswith("suggestion") and f"{r.suggestion:.3g}" in lab for lab in labels)
    with pytest.raises(ValueError, match="lr_find"):
        plot_lr_find({"learning_rates": []})


def test_the_command_line_prints_a_suggestion(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    X, y = _blobs(300)
    csv = tmp_path / "blobs.csv"
    csv.write_text("a,b,label\n" + "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, y)) + "\n")
    code = main(["lr-find", "--data", str(csv), "--hidden", "16", "--steps", "60", "--batch-size", "16",
                 "--plot", str(tmp_path / "out" / "lr.png"), "--json", str(tmp_path / "out" / "lr.json")])
    out = capsys.readouterr().out
    assert code == 0 and "suggested learning rate:" in out
    saved = json.loads((tmp_path / "out" / "lr.json").read_text())
    assert f"{saved['suggestion']:.3g}" in out and (tmp_path / "out" / "lr.png").exists()
    assert main(["lr-find", "--data", str(csv), "--start", "1", "--end", "0.5"]) == 1
    assert "0 < start < end" in capsys.readouterr().err
