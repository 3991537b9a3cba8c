"""ffnn in a real Jupyter kernel (nbclient runs a notebook): figures display without pyplot,
the progress bar draws without ipywidgets and without warnings, and the model summary and a
History render as HTML tables. Skipped where nbclient, nbformat or ipykernel is missing."""

from __future__ import annotations

import importlib.util

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

CELLS = [
    "import sys, warnings\n"
    "warnings.simplefilter('always')\n"
    "import numpy as np\n"
    "import ffnn\n"
    "from ffnn import viz\n"
    "rng = np.random.default_rng(0)\n"
    "X = rng.normal(size=(200, 4)).astype('float32')\n"
    "y = np.where(X[:, 0] + X[:, 1] > 0, 'yes', 'no')\n"
    "model = ffnn.FFNN([4, 8, 2], ['relu', 'softmax'], 'cce', seed=0)",
    "model.summary()",
    "history = model.fit(X, y, epochs=2, batch_size=16, learning_rate=0.1)",
    "history",
    "viz.plot_weight_distribution(model)",
    "print('pyplot imported:', 'matplotlib.pyplot' in sys.modules)",
]


def _outputs(cell) -> list:
    return list(cell.get("outputs", []))


@pytest.fixture(scope="module")
def executed():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3")
    try:
        client.execute()
    except Exception as err:  # no kernel could start here: a property of the machine, not of ffnn
        if "kernel" in type(err).__name__.lower() or "No such kernel" in str(err):
            pytest.skip(f"no Jupyter kernel: {err}")
        raise
    return notebook.cells


def _streams(cell, name: str) -> str:
    return "".join(o.get("text", "") for o in _outputs(cell) if o["output_type"] == "stream" and o["name"] == name)


def _data(cell) -> dict:
    found: dict = {}
    for o in _outputs(cell):
        if o["output_type"] in ("execute_result", "display_data"):
            found.update(o["data"])
    return found


def test_the_summary_renders_as_an_html_table(executed):
    data = _data(executed[1])
    assert "<table>" in data["text/html"] and "layers.0" in data["text/html"]


def test_the_progress_bar_draws_without_ipywidgets_and_without_warnings(executed):
    err = _streams(executed[2], "stderr")
    assert "Epoch 1/2" in err and "Epoch 2/2" in err
    if importlib.util.find_spec("ipywidgets") is None:
        assert "|" in err and "batch" in err  # tqdm's text bar, not a bare final line
    for unwanted in ("TqdmWarning", "IProgress", "TrainingWarning", "UserWarning"):  # tqdm's and ffnn's own
        assert unwanted not in err, err


def test_a_history_renders_as_an_html_table(executed):
    html = _data(executed[3])["text/html"]
    assert html.startswith("<table>") and "<th>loss</th>" in html and "<td>2</td>" in html


def test_a_figure_displays_as_a_png_without_pyplot(executed):
    data = _data(executed[4])
    assert "image/png" in data, sorted(data)
    assert "pyplot imported: False" in _streams(executed[5], "stdout")
