"""ffnn.viz.training_dashboard: one self-contained page of a monitored run, checked in a real
headless Chromium: it draws without a console error or a request leaving the file, the record
slider moves with the real keyboard and mouse and the histograms then show that record's
counts, and the layer buttons switch layers. The screenshot is kept in ``$FFNN_ARTIFACTS``
(default ``out/test-artifacts/dashboard.png``); without Chromium those tests are skipped."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

import ffnn
from ffnn.viz import training_dashboard

ROOT = Path(__file__).resolve().parents[1]


def _data(page: str) -> dict:
    return json.loads(re.search(r'id="ffnn-data">(.*?)</script>', page, re.S).group(1))


@pytest.fixture(scope="module")
def monitored():
    """A 784-64-64-10 network trained for 3 epochs on 3,000 MNIST images with the monitor on."""
    from ffnn.datasets import load_mnist

    X, y, Xt, yt = load_mnist()
    model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
    model.fit(X[:3000], y[:3000], epochs=3, verbose=0, monitor=True, validation_data=(Xt[:500], yt[:500]))
    return model


def test_page_is_self_contained_and_carries_the_records(monitored, tmp_path):
    page = training_dashboard(monitored.history, tmp_path / "d.html").read_text()
    assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/", page, re.I)
    assert "<link" not in page and not re.search(r"<script[^>]*\bsrc=", page)
    data = _data(page)
    assert data["monitor"] == json.loads(json.dumps(monitored.history.monitor))
    assert data["x"] == [0, 1, 2, 3] and data["epochX"] == [1, 2, 3]
    assert data["history"]["val_loss"] == pytest.approx(monitored.history.history["val_loss"])


def test_it_accepts_a_model_or_a_dict_and_refuses_an_unmonitored_history(monitored, tmp_path):
    assert training_dashboard(monitored, tmp_path / "a.html").exists()
    assert training_dashboard(monitored.history.to_dict(), tmp_path / "b.html").exists()
    plain = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    h = plain.fit(np.eye(3), [0, 1, 0], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="monitor=True"):
        training_dashboard(h, tmp_path / "c.html")
    with pytest.raises(TypeError, match="History"):
        training_dashboard([1, 2], tmp_path / "d.html")


def test_markup_in_the_title_is_escaped(monitored, tmp_path):
    page = training_dashboard(monitored.history, tmp_path / "d.html", title="</script><b>x</b>").read_text()
    assert "</script><b>" not in page and _data(page)["title"] == "</script><b>x</b>"


# ---------------------------------------------------------------------------------- in Chromium
@pytest.fixture(scope="module")
def browser():
    from test_viz_html import Chromium

    exe = next((p for p in (os.environ.get("FFNN_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser")
                if p and os.path.exists(p)), None)
    if exe is None:
        pytest.skip("headless Chromium not found (apt-get install chromium, or set FFNN_CHROMIUM)")
    b = Chromium(exe, width=1400, height=1750)
    yield b
    b.close()


def _counts(b, quantity):
    text = b.js(f"document.getElementById('hist-{quantity}').dataset.counts")
    return [int(c) for c in text.split(",")] if text else None


def test_dashboard_draws_and_its_slider_works_in_chromium(browser, monitored, tmp_path):
    b, m = browser, monitored.history.monitor
    page = training_dashboard(monitored.history, tmp_path / "dash.html", title="MNIST 784-64-64-10, 3 epochs")
    for domain in ("Runtime", "Log", "Network"):
        b.call(f"{domain}.enable", session=True)
    b.events.clear()
    b.call("Page.navigate", session=True, url=page.as_uri())
    assert b.wait_for("document.body && document.body.dataset.drawn") == "1"
    last = len(m["records"]["epoch"]) - 1
    assert int(b.js("document.body.dataset.record")) == last
    assert b.js("document.body.dataset.layer") == "layers.0"
    first = m["layers"][0]
    for q in ("weight", "gradient", "activations"):
        assert _counts(b, q) == first[q]["histogram"][last]
    assert int(b.js("document.body.dataset.graphEdges")) == 3 * 60
    assert b.js("document.querySelectorAll('#band-weight polygon').length") == 4  # four bands

    # the real keyboard: focus the slider, one step left
    b.js("document.getElementById('record').focus()")
    for kind in ("rawKeyDown", "keyUp"):
        b.call("Input.dispatchKeyEvent", session=True, type=kind, key="ArrowLeft", code="ArrowLeft",
               windowsVirtualKeyCode=37)
    assert b.wait_for(f"document.body.dataset.record === '{last - 1}'")
    assert _counts(b, "weight") == first["weight"]["histogram"][last - 1]
    assert _counts(b, "activations") == first["activations"]["histogram"][last - 1]

    # the real mouse: press at the slider's left end, the record before the first step
    box = b.js("(() => { const r = document.getElementById('record').getBoundingClientRect();"
               " return {x: r.left + 2, y: r.top + r.height / 2}; })()")
    b.mouse("mousePressed", box["x"], box["y"], button="left", buttons=1, clickCount=1)
    b.mouse("mouseReleased", box["x"], box["y"], button="left", buttons=0, clickCount=1)
    assert b.wait_for("document.body.dataset.record === '0'")
    assert _counts(b, "weight") == first["weight"]["histogram"][0]
    assert _counts(b, "gradient") is None  # no step taken yet: said on the panel
    assert "before its first step" in b.js("document.getElementById('graph-note').textContent")

    # back to the end, then another layer and the gradient view of the graph
    b.js(f"(() => {{ const s = document.getElementById('record'); s.value = {last};"
         " s.dispatchEvent(new Event('input')); })()")
    b.js("document.querySelectorAll('#layer-buttons button')[1].click()")
    assert b.wait_for("document.body.dataset.layer === 'layers.1'")
    assert _counts(b, "gradient") == m["layers"][1]["gradient"]["histogram"][last]
    Path(_artefacts()).mkdir(parents=True, exist_ok=True)
    b.js("document.querySelectorAll('#layer-buttons button')[0].click()")
    b.screenshot(Path(_artefacts()) / "dashboard.png")
    b.js("document.getElementById('by-grad').click()")
    assert b.js("document.getElementById('by-grad').getAttribute('aria-pressed')") == "true"

    errors = [e for e in b.events if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "warning"))
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert not errors, errors
    requests = [e["params"]["request"]["url"] for e in b.events if e.get("method") == "Network.requestWillBeSent"]
    assert requests and all(u.startswith(("file:", "data:")) for u in requests), requests


def _artefacts() -> str:
    return os.environ.get("FFNN_ARTIFACTS") or str(ROOT / "out" / "test-artifacts")


def test_ffnn_train_monitor_plots_writes_the_dashboard(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from ffnn.cli import main

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    csv = tmp_path / "t.csv"
    csv.write_text("a,b,c,label\n" + "\n".join(f"{r[0]},{r[1]},{r[2]},{int(r[0] > 0)}" for r in X) + "\n")
    assert main(["train", "--data", str(csv), "--epochs", "3", "--monitor", "--plots", str(tmp_path / "plots"),
                 "--save", str(tmp_path / "m.npz"), "--quiet"]) == 0
    assert "dashboard.html" in capsys.readouterr().out
    data = _data((tmp_path / "plots" / "dashboard.html").read_text())
    assert len(data["monitor"]["records"]["epoch"]) == 4
    assert ffnn.load(tmp_path / "m.npz").history.monitor == data["monitor"]
