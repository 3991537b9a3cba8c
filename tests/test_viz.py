"""ffnn.viz: what the figures contain (panels, nodes, edge colours, histogram counts, notices),
not only that a file appears. Figures are plain matplotlib ``Figure`` objects (Agg)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import ffnn

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402

from ffnn import viz  # noqa: E402
from ffnn.viz import LayerSelectionError  # noqa: E402


# ---------------------------------------------------------------------------------- helpers
def small_model(seed=1):
    """3-4-2 with biases drawn too, so nodes and edges have both signs."""
    return ffnn.FFNN([3, 4, 2], ["tanh", "softmax"], "cce", init="normal",
                     init_params={"variance": 1.0, "bias": "same", "seed": seed}, seed=seed)


def mnist_shaped(seed=0):
    return ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=seed)


def batch(model, n=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, model.layer_sizes[0])), rng.integers(0, model.layer_sizes[-1], n)


def panel(fig, label):
    found = [ax for ax in fig.axes if ax.get_label() == label]
    assert len(found) == 1, [ax.get_label() for ax in fig.axes]
    return found[0]


def by_gid(ax, prefix, kind=object):
    return [a for a in ax.get_children() if isinstance(a, kind) and (a.get_gid() or "").startswith(prefix)]


def texts(ax):
    return [t.get_text() for t in ax.texts]


def columns(ax):
    """{column x: node y positions, top to bottom} from the node scatter of each layer."""
    out = {}
    for coll in by_gid(ax, "nodes:", PathCollection):
        xy = coll.get_offsets()
        out[float(xy[0, 0])] = sorted(xy[:, 1])  # y grows downwards (inverted axis): top first
    return out


# ---------------------------------------------------------------------------------- imports
def test_importing_ffnn_and_viz_does_not_import_matplotlib():
    code = "import sys, ffnn, ffnn.viz; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_missing_matplotlib_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # makes the import fail
    with pytest.raises(ImportError, match="pip install matplotlib"):
        viz.plot_weight_distribution(small_model())


# ---------------------------------------------------------------------------------- network
def test_network_has_a_weight_and_a_gradient_panel_with_every_neuron_of_a_small_net():
    model = small_model()
    model.compute_gradients(*batch(model))
    fig = viz.plot_network(model)
    w, g = panel(fig, "network:weight"), panel(fig, "network:grad")
    for ax in (w, g):
        cols = columns(ax)
        assert [len(cols[x]) for x in sorted(cols)] == [3, 4, 2]
        assert not by_gid(ax, "summary")  # nothing left out
    assert len(by_gid(w, "edges:0", LineCollection)[0].get_segments()) == 12
    assert len(by_gid(w, "edges:1", LineCollection)[0].get_segments()) == 8
    assert len([t for t in texts(w) if t.startswith("b = ")]) == 6  # a bias label on each non-input neuron


@pytest.mark.parametrize("view, array", [("weights", "weight"), ("gradients", "grad_weight")])
def test_edge_colours_follow_the_sign_of_the_value_they_connect(view, array):
    model = small_model()
    model.compute_gradients(*batch(model))
    fig = viz.plot_network(model, view=view)
    ax = fig.axes[0]
    cols = columns(ax)
    checked = 0
    for layer, dense in enumerate(model.layers):
        values = getattr(dense, array)
        (lines,) = by_gid(ax, f"edges:{layer}", LineCollection)
        for seg, rgba in zip(lines.get_segments(), lines.get_colors()):
            (x0, y0), (x1, y1) = seg
            i, j = cols[x0].index(y0), cols[x1].index(y1)  # neuron indices from the node positions
            v = values[i, j]
            assert (rgba[2] > rgba[0]) == (v > 0), (layer, i, j, v, rgba)  # blue for +, red for -
            checked += 1
    assert checked > 0


def test_large_layers_show_the_strongest_neurons_and_edges_and_a_summary_of_the_rest():
    model = mnist_shaped()
    fig = viz.plot_network(model, view="weights", max_neurons=16, max_edges=40)
    ax = fig.axes[0]
    cols = columns(ax)
    assert [len(cols[x]) for x in sorted(cols)] == [16, 16, 16, 10]
    summaries = {t.get_gid(): t.get_text() for t in by_gid(ax, "summary:")}
    assert summaries["summary:0"].startswith("+ 768 more") and "inputs" in summaries["summary:0"]
    assert summaries["summary:1"].startswith("+ 48 more") and "summary:3" not in summaries
    for layer in range(3):
        (lines,) = by_gid(ax, f"edges:{layer}", LineCollection)
        assert len(lines.get_segments()) == 40
    # the drawn layer-2 edges are the 40 largest |w| between the 16 shown and the 10 outputs
    (lines,) = by_gid(ax, "edges:2", LineCollection)
    labels = sorted((t.get_position()[1], int(t.get_text())) for t in ax.texts
                    if t.get_position()[0] == 2.0 and t.get_text().isdigit())
    shown = [idx for _, idx in labels]  # neuron indices of column 2, top to bottom (from the node labels)
    sub = np.abs(model.layers[2].weight[shown])
    drawn = {(cols[2.0].index(s[0][1]), cols[3.0].index(s[1][1])) for s in lines.get_segments()}
    expected = {tuple(ij) for ij in np.argwhere(sub >= np.sort(sub.ravel())[-40])}
    assert drawn == expected
    assert any("strongest 40 of 50,176" in t for t in texts(ax))


def test_input_pixels_are_named_by_row_and_column():
    fig = viz.plot_network(mnist_shaped(), view="weights")
    assert any(t.startswith("(") and t.endswith(")") and "," in t for t in texts(fig.axes[0]))


def test_zero_gradients_are_announced_and_recomputed_with_data():
    model = mnist_shaped()
    ax = panel(viz.plot_network(model), "network:grad")
    (notice,) = by_gid(ax, "notice")
    assert "gradients are zero" in notice.get_text()
    assert all(len(c.get_segments()) == 0 for c in by_gid(ax, "edges:", LineCollection))
    ax = panel(viz.plot_network(model, data=batch(model)), "network:grad")
    assert not by_gid(ax, "notice")
    assert all(len(c.get_segments()) > 0 for c in by_gid(ax, "edges:", LineCollection))


def test_network_rejects_an_unknown_view():
    with pytest.raises(ValueError, match="view must be one of"):
        viz.plot_network(small_model(), view="both please")


# ---------------------------------------------------------------------------------- distributions
def bar_total(ax):
    return sum(p.get_height() for p in ax.patches if p.get_gid() is None and p.get_height() > 0)


def test_weight_histograms_count_every_weight_of_the_chosen_layers():
    model = mnist_shaped()
    fig = viz.plot_weight_distribution(model, layers=[0, "layers.2", "layers.1.bias"])
    assert [ax.get_label() for ax in fig.axes] == ["dist:layers.0.weight", "dist:layers.2.weight",
                                                    "dist:layers.1.bias"]
    for ax, n, title in zip(fig.axes, (50176, 640, 64), ("784×64", "64×10", "(64)")):
        assert bar_total(ax) == n
        assert title in ax.get_title() and f"{n:,}" in ax.get_title()
    assert "weights" in fig.axes[0].get_title() and "biases" in fig.axes[2].get_title()
    stats = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "stats"][0]
    w = model.layers[0].weight.astype(np.float64)
    assert f"{w.mean():+.3g}" in stats and f"{w.std():.3g}" in stats and "zeros" in stats


def test_default_layers_are_every_weight_matrix():
    fig = viz.plot_weight_distribution(small_model())
    assert [ax.get_label() for ax in fig.axes] == ["dist:layers.0.weight", "dist:layers.1.weight"]


def test_share_of_zeros_is_reported():
    model = small_model()
    model.layers[0].weight[:2] = 0  # two rows of four: 8 of the 12 weights
    ax = viz.plot_weight_distribution(model, [0]).axes[0]
    assert "66.7%" in [t.get_text() for t in ax.texts if t.get_gid() == "stats"][0]


def test_gradient_histograms_count_every_gradient_and_say_when_all_are_zero():
    model = mnist_shaped()
    fig = viz.plot_gradient_distribution(model, layers=[-1])
    (ax,) = fig.axes
    assert bar_total(ax) == 640
    assert any("all 640 weight gradients are zero" in t for t in texts(ax))
    fig = viz.plot_gradient_distribution(model, layers=[0, 2], data=batch(model))
    for ax, n in zip(fig.axes, (50176, 640)):
        assert bar_total(ax) == n
        assert not any("are zero" in t for t in texts(ax))


@pytest.mark.parametrize("bad, message", [(3, "out of range"), (-4, "out of range"), ("layers.7", "no layer"),
                                          ("weights", "no layer"), (1.5, "by index or name"), (True, "index")])
def test_a_wrong_layer_is_a_clear_error(bad, message):
    with pytest.raises(LayerSelectionError, match=message) as info:
        viz.plot_weight_distribution(mnist_shaped(), layers=[bad])
    assert "0..2" in str(info.value) and "layers.0.weight" in str(info.value)  # says what is valid
    assert isinstance(info.value, IndexError) and isinstance(info.value, ValueError)


# ---------------------------------------------------------------------------------- history
def test_history_plots_training_and_validation_per_epoch():
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 4)), rng.integers(0, 3, 60)
    model = ffnn.FFNN([4, 6, 3], ["relu", "softmax"], "cce", seed=0)
    history = model.fit(X, y, epochs=4, batch_size=16, verbose=0, validation_data=(X[:20], y[:20]))
    for source in (history, history.to_dict()):
        fig = viz.plot_history(source)
        assert [ax.get_label() for ax in fig.axes] == ["history:loss", "history:accuracy"]
        loss = {line.get_gid(): line for line in panel(fig, "history:loss").lines}
        assert set(loss) == {"line:loss", "line:val_loss"}
        np.testing.assert_allclose(loss["line:val_loss"].get_ydata(), history.history["val_loss"])
        np.testing.assert_array_equal(loss["line:loss"].get_xdata(), [1, 2, 3, 4])
        assert [line.get_label() for line in panel(fig, "history:accuracy").lines] == ["training", "validation"]


def test_history_from_plain_lists_and_errors():
    fig = viz.plot_history({"loss": [1.0, 0.5], "learning_rate": [0.1, 0.05]})
    assert [ax.get_label() for ax in fig.axes] == ["history:loss", "history:learning_rate"]
    assert len(viz.plot_history({"loss": [1.0, 0.5], "learning_rate": [0.1, 0.1]}).axes) == 1  # constant: left out
    with pytest.raises(ValueError, match="no epochs"):
        viz.plot_history(ffnn.History())
    with pytest.raises(TypeError, match="History or a dict"):
        viz.plot_history([1, 2, 3])


# ---------------------------------------------------------------------------------- filters
def test_filters_draw_each_first_layer_neuron_as_an_image():
    model = ffnn.FFNN([784, 12, 10], ["relu", "softmax"], "cce", seed=0)
    fig = viz.plot_filters(model)
    axes = [ax for ax in fig.axes if ax.get_label().startswith("filter:")]
    assert len(axes) == 12
    image = [c for c in axes[5].get_children() if isinstance(c, AxesImage)][0]
    np.testing.assert_array_equal(image.get_array(), model.layers[0].weight[:, 5].reshape(28, 28))
    assert len([ax for ax in viz.plot_filters(model, max_neurons=4).axes if ax.get_label().startswith("filter:")]) == 4


def test_filters_need_an_image_shape_for_non_square_inputs():
    model = ffnn.FFNN([12, 3, 2], ["relu", "softmax"], "cce", seed=0)
    with pytest.raises(ValueError, match="image_shape"):
        viz.plot_filters(model)
    fig = viz.plot_filters(model, image_shape=(3, 4))
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="has 20 pixels"):
        viz.plot_filters(model, image_shape=(4, 5))


# ---------------------------------------------------------------------------------- files
def test_path_saves_a_png(tmp_path):
    fig = viz.plot_weight_distribution(small_model(), path=tmp_path / "sub" / "w.png")
    data = (tmp_path / "sub" / "w.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and fig is not None


def test_write_all_writes_every_picture_that_applies(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.random((40, 16)), rng.integers(0, 3, 40)
    model = ffnn.FFNN([16, 5, 3], ["relu", "softmax"], "cce", seed=0)
    history = model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    paths = viz.write_all(model, history, tmp_path)
    assert set(paths) == {"network", "weights", "gradients", "history", "filters", "html"}  # 16 = 4x4 image
    assert all(p.exists() and p.stat().st_size > 1000 for p in paths.values())


# ---------------------------------------------------------------------------------- CLI
@pytest.fixture
def saved(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.random((40, 16)).astype(np.float32), rng.integers(0, 3, 40)
    np.savez(tmp_path / "data.npz", X_train=X, y_train=y, X_test=X[:10], y_test=y[:10])
    model = ffnn.FFNN([16, 5, 3], ["relu", "softmax"], "cce", seed=0)
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "m.npz")
    return tmp_path


@pytest.mark.parametrize("kind", ["network", "weights", "gradients", "history", "filters", "html"])
def test_cli_plot_writes_each_kind(saved, kind, capsys):
    from ffnn.cli import main

    suffix = "html" if kind == "html" else "png"
    out = saved / f"{kind}.{suffix}"
    assert main(["plot", kind, str(saved / "m.npz"), "--out", str(out)]) == 0
    assert out.exists() and out.stat().st_size > 1000
    said = capsys.readouterr().out
    assert f"wrote {out}" in said
    # the saved model was trained, so its file carries the last batch's gradients: no "zero" note
    assert "gradients are zero" not in said


def test_cli_plot_recomputes_gradients_on_data_and_reports_a_wrong_layer(saved, capsys):
    from ffnn.cli import main

    out = saved / "g.png"
    assert main(["plot", "gradients", str(saved / "m.npz"), "--data", str(saved / "data.npz"),
                 "--layers", "0,layers.1.bias", "--out", str(out)]) == 0
    assert out.exists() and "are zero" not in capsys.readouterr().out
    assert main(["plot", "weights", str(saved / "m.npz"), "--layers", "5", "--out", str(out)]) == 1
    assert "layer index 5 is out of range" in capsys.readouterr().err


def test_cli_train_writes_plots(saved, capsys):
    from ffnn.cli import main

    rc = main(["train", "--data", str(saved / "data.npz"), "--hidden", "4", "--epochs", "1", "--quiet",
               "--plots", str(saved / "plots")])
    assert rc == 0
    names = sorted(p.name for p in (saved / "plots").iterdir())
    assert names == ["filters.png", "gradients.png", "history.png", "network.html", "network.png", "weights.png"]
