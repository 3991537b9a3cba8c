"""ffnn.viz.plot_activations: one panel per activation with f and f', from the activation's own backward."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from ffnn import activations as A  # noqa: E402
from ffnn.viz import activation_curves, plot_activations  # noqa: E402


def _visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def test_every_registered_activation_gets_a_panel(tmp_path):
    names = A.ACTIVATIONS.names()
    fig = plot_activations(names, path=tmp_path / "acts.png")
    axes = _visible_axes(fig)
    assert len(axes) == len(names)
    assert [ax.get_label() for ax in axes] == [f"activation:{n}" for n in names]
    assert (tmp_path / "acts.png").stat().st_size > 10_000
    for ax in axes:
        assert len(ax.get_lines()) >= 4  # two axis lines, f and f'


def test_one_name_and_objects_are_accepted():
    assert len(_visible_axes(plot_activations("tanh"))) == 1
    fig = plot_activations([A.Step(straight_through=True), A.LeakyReLU(alpha=0.2), A.Sigmoid])
    titles = [ax.get_title() for ax in _visible_axes(fig)]
    assert titles == ["step (straight-through)", "leaky_relu", "sigmoid"]


def test_curves_are_the_function_and_its_derivative():
    x = np.linspace(-3, 3, 61)
    f, df = activation_curves("tanh", x)
    np.testing.assert_allclose(f, np.tanh(x))
    np.testing.assert_allclose(df, 1 - np.tanh(x) ** 2)
    f, df = activation_curves("softmax", x)  # first unit over logits (x, 0): the sigmoid
    np.testing.assert_allclose(f, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(df, f * (1 - f))
    f, df = activation_curves("bipolar_step", x)
    np.testing.assert_array_equal(f, np.where(x >= 0, 1.0, -1.0))
    assert not df.any()


def test_step_panel_says_no_gradient_passes():
    fig = plot_activations(["step", "relu"])
    step, relu = _visible_axes(fig)
    assert any("no gradient passes" in t.get_text() for t in step.texts)
    assert not relu.texts
    assert np.isnan(step.get_lines()[2].get_ydata()).sum() == 1  # the jump is a break, not a wall


@pytest.mark.parametrize("bad", [[], "relux", (3, 1), ("a", 1)])
def test_bad_arguments_raise_value_errors(bad):
    with pytest.raises(ValueError):
        if isinstance(bad, tuple):
            plot_activations("relu", x_range=bad)
        else:
            plot_activations(bad)
