"""Pictures of a model trained on a table: inputs named by the table's columns (stored in the
model) in the network picture and the HTML view; filters drawn only for images, and the
reason given when they are left out."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import ffnn

pytest.importorskip("matplotlib")
from ffnn import viz  # noqa: E402

COLUMNS = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


@pytest.fixture
def table_model():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 4)), np.array(["a", "b", "c"] * 20)
    model = ffnn.FFNN([4, 5, 3], ["relu", "softmax"], "cce", seed=0, standardize=True)
    model.fit(X, y, epochs=2, verbose=0, feature_names=COLUMNS)
    return model


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_the_network_picture_names_inputs_by_column(table_model):
    texts = _texts(viz.plot_network(table_model))
    assert "sepal length (cm)" in texts and "petal width (cm)" in texts
    assert not any(re.fullmatch(r"\(\d,\d\)", t) for t in texts)  # no pixel names for a table


def test_long_column_names_are_shortened_in_the_picture(table_model):
    table_model.feature_names = ["a rather long column name of a table", *COLUMNS[1:]]
    assert "a rather long col…" in _texts(viz.plot_network(table_model))


def test_the_html_view_names_inputs_by_column(table_model, tmp_path):
    page = viz.network_html(table_model, tmp_path / "net.html").read_text()
    blob = re.search(r'<script type="application/json" id="ffnn-data">(.*?)</script>', page, re.S).group(1)
    data = json.loads(blob.replace("<\\/", "</"))
    for view in ("weight", "grad"):
        assert data["views"][view]["columns"][0]["labels"] == COLUMNS


def test_an_image_model_keeps_pixel_names():
    model = ffnn.FFNN([16, 3, 2], ["relu", "softmax"], "cce", seed=0)
    texts = _texts(viz.plot_network(model, max_neurons=20))
    assert "(0,0)" in texts and "(3,3)" in texts


def test_filters_are_refused_for_a_table_with_the_reason(table_model):
    with pytest.raises(ValueError, match=r"the 4 inputs are the columns of a table \(sepal length \(cm\), .*"
                                         r"not the pixels of an image"):
        viz.plot_filters(table_model)
    assert len([ax for ax in viz.plot_filters(table_model, image_shape=(2, 2)).axes if ax.get_label().startswith("filter:")]) == 5


def test_write_all_skips_filters_for_a_table_and_says_why(table_model, tmp_path):
    paths = viz.write_all(table_model, directory=tmp_path)
    assert "filters" not in paths and not (tmp_path / "filters.png").exists()
    assert "columns of a table" in paths.skipped["filters.png"]
    assert set(paths) == {"network", "weights", "gradients", "history", "html"}


def test_write_all_is_told_whether_the_inputs_are_images(tmp_path):
    model = ffnn.FFNN([16, 3, 2], ["relu", "softmax"], "cce", seed=0)
    assert "filters" in viz.write_all(model, directory=tmp_path / "guess")  # a square, no names: an image
    skipped = viz.write_all(model, directory=tmp_path / "table", images=False)
    assert "filters" not in skipped and "not the pixels of an image" in skipped.skipped["filters.png"]
    model.feature_names = [f"pixel_{i}" for i in range(16)]
    assert "filters" in viz.write_all(model, directory=tmp_path / "told", images=True)


def test_a_figure_has_a_png_for_notebooks(table_model):
    png = viz.plot_weight_distribution(table_model)._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
