"""ffnn.viz.plot_loss_landscape / loss_landscape: filter-normalised directions, the centre is
the model's own loss, the parameters come back, the path is projected, the figure has its panels."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import ffnn  # noqa: E402
from ffnn.viz import loss_landscape, plot_loss_landscape  # noqa: E402
from ffnn.viz.landscape import filter_normalised_direction  # noqa: E402


def _trained(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    model = ffnn.FFNN([4, 6, 3], ["tanh", "softmax"], "cce", seed=seed, dtype="float64")
    initial = model.get_params()
    path = [model.get_params()]
    for _ in range(3):
        model.fit(X, y, epochs=1, batch_size=32, learning_rate=0.1, verbose=0)
        path.append(model.get_params())
    return model, X, y, initial, path


def test_directions_are_filter_normalised_per_neuron():
    model, *_ = _trained()
    params = model.get_params()
    d = filter_normalised_direction(params, np.random.default_rng(0))
    for i in range(2):
        w, dw = params[f"layers.{i}.weight"], d[f"layers.{i}.weight"]
        np.testing.assert_allclose(np.linalg.norm(dw, axis=0), np.linalg.norm(w, axis=0))
        assert not d[f"layers.{i}.bias"].any()  # biases are not moved


def test_centre_is_the_models_loss_on_the_subsample_and_params_are_restored():
    model, X, y, initial, path = _trained()
    before = model.get_params()
    land = loss_landscape(model, X, y, initial_params=initial, resolution=5, max_samples=100, seed=3,
                          path_params=path)
    for name, value in model.get_params().items():
        np.testing.assert_array_equal(value, before[name])
    assert len(land.sample_index) == 100
    expected = model.evaluate(X[land.sample_index], y[land.sample_index])["loss"]
    assert land.center_loss == expected
    centre = land.losses[np.searchsorted(land.alphas, 0.0), np.searchsorted(land.betas, 0.0)]
    assert centre == expected
    assert land.slice_losses[np.searchsorted(land.t, 1.0)] == expected  # t = 1: the final weights
    init_model = ffnn.FFNN([4, 6, 3], ["tanh", "softmax"], "cce", dtype="float64")
    init_model.set_params(initial)
    start = init_model.evaluate(X[land.sample_index], y[land.sample_index])["loss"]
    assert land.slice_losses[np.searchsorted(land.t, 0.0)] == pytest.approx(start, rel=1e-12)
    assert land.losses.shape == (5, 5) and land.evaluations == 1 + 25 + len(land.t) + len(path)
    assert land.path.shape == (4, 2) and 0 <= land.path_captured <= 1
    np.testing.assert_allclose(land.path[-1], 0, atol=1e-12)  # the last path point is the centre


def test_parameters_are_restored_even_when_evaluation_fails():
    model, X, y, *_ = _trained()
    before = model.get_params()
    bad = y.copy()
    bad[0] = 7  # a class the model does not have: evaluate raises at the first point
    with pytest.raises(ValueError, match="7"):
        loss_landscape(model, X, bad, resolution=3)
    for name, value in model.get_params().items():
        np.testing.assert_array_equal(value, before[name])


def test_figure_has_one_panel_per_view(tmp_path):
    model, X, y, initial, path = _trained()
    fig = plot_loss_landscape(model, X, y, initial_params=initial, resolution=5, max_samples=50, path_params=path,
                              path=tmp_path / "land.png")
    labels = [ax.get_label() for ax in fig.axes]
    assert labels[:2] == ["landscape:slice", "landscape:surface"] and len(fig.axes) == 3  # + colour bar
    assert (tmp_path / "land.png").stat().st_size > 10_000
    assert "evaluations on 50 samples" in fig._suptitle.get_text()
    one = plot_loss_landscape(model, X, y, directions=1, resolution=5, max_samples=50)
    assert [ax.get_label() for ax in one.axes] == ["landscape:direction"]
    only_slice = plot_loss_landscape(model, X, y, directions=0, initial_params=initial, resolution=5)
    assert [ax.get_label() for ax in only_slice.axes] == ["landscape:slice"]


@pytest.mark.parametrize("kwargs,match", [
    ({"directions": 3}, "directions must be 0, 1 or 2"),
    ({"directions": 0}, "pass initial_params"),
    ({"resolution": 2}, "resolution must be an integer >= 3"),
    ({"span": -1.0}, "span must be a positive number"),
    ({"max_samples": 0}, "max_samples must be a positive integer"),
    ({"path_params": {"layers.0.weight": 0}}, "path_params must be a list"),
    ({"max_samples": None, "resolution": 3, "directions": 1, "span": 1.0, "seed": 0, "initial_params": None,
      "path_params": None, "y_rows": 2}, "X has 1 rows but y has 2"),
])
def test_bad_options_raise_value_errors(kwargs, match):
    model = ffnn.FFNN([2, 2], ["softmax"], "cce", seed=0)
    y = [1, 0] if kwargs.pop("y_rows", 1) == 2 else [1]
    with pytest.raises(ValueError, match=match):
        loss_landscape(model, [[0.0, 1.0]], y, **kwargs)


def test_pca_plane_holds_the_training_path():
    model, X, y, initial, path = _trained()
    random = loss_landscape(model, X, y, resolution=3, max_samples=50, path_params=path)
    pca = loss_landscape(model, X, y, resolution=5, max_samples=50, path_params=path, plane="pca")
    assert pca.path_captured > 0.9 > random.path_captured
    reach = np.abs(pca.path).max(axis=0)
    np.testing.assert_allclose([pca.alphas.max(), pca.betas.max()], 1.2 * reach)  # span=1: the path fits
    with pytest.raises(ValueError, match="moves in 2 directions"):
        loss_landscape(model, X, y, resolution=3, path_params=[initial, model.get_params()], plane="pca")
    with pytest.raises(ValueError, match="plane must be"):
        loss_landscape(model, X, y, resolution=3, plane="best")
