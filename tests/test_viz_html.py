"""ffnn.viz.network_html: one self-contained page, checked in a real headless Chromium.

The browser is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``),
with no driver package: the page must draw, a real mouse move over a connection and over a
neuron must show their values (which must be the model's), the wheel must zoom and a drag
must pan, and no request may leave the file. The screenshot is kept as an artefact in
``$FFNN_ARTIFACTS`` (default ``out/test-artifacts/``). Chromium comes from Debian's
``chromium`` package (or ``$FFNN_CHROMIUM``); without it those tests are skipped.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import ffnn
from ffnn.viz import network_html

ROOT = Path(__file__).resolve().parents[1]


def test_page_is_self_contained(tmp_path):
    model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
    page = network_html(model, tmp_path / "net.html").read_text()
    assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/", page, re.I)  # nothing to fetch
    assert "<link" not in page and not re.search(r"<script[^>]*\bsrc=", page)
    assert page.count("<svg id=") == 1


def test_page_survives_markup_in_names(tmp_path):
    model = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    page = network_html(model, tmp_path / "net.html", title="</script><b>x</b>").read_text()
    assert "</script><b>" not in page  # escaped in the title and in the JSON
    blob = re.search(r'id="ffnn-data">(.*?)</script>', page, re.S).group(1)
    data = json.loads(blob)
    assert data["title"] == "</script><b>x</b>"
    assert [c["size"] for c in data["views"]["weight"]["columns"]] == [3, 4, 2]


def test_page_data_applies_the_same_pruning(tmp_path):
    model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
    page = network_html(model, tmp_path / "net.html", max_neurons=20, max_edges=50).read_text()
    data = json.loads(re.search(r'id="ffnn-data">(.*?)</script>', page, re.S).group(1))
    weight = data["views"]["weight"]
    assert [len(c["shown"]) for c in weight["columns"]] == [20, 20, 20, 10]
    assert [c["hidden"] for c in weight["columns"]] == [764, 44, 44, 0]
    assert [len(e["weight"]) for e in weight["edges"]] == [50, 50, 50]
    assert data["views"]["grad"]["allZero"] is True


class Chromium:
    """Headless Chromium driven over its DevTools protocol on a pipe (fd 3 in, fd 4 out)."""

    def __init__(self, executable, width=1400, height=900, timeout=30.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="ffnn-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire():  # in the child: the protocol pipes become fds 3 and 4
            r, w = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)  # dup2 onto another number: the copy stays open across exec
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--hide-scrollbars", "--mute-audio", f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, close_fds=False)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._id = 0
        self.events = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def call(self, method, session=False, **params):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._next(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _next(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def js(self, expression):
        r = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(r["exceptionDetails"])
        return r["result"].get("value")

    def wait_for(self, expression, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.05)
        raise TimeoutError(f"waited for {expression}")

    def mouse(self, kind, x, y, **kw):
        self.call("Input.dispatchMouseEvent", session=True, type=kind, x=x, y=y, **kw)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)
        shutil.rmtree(self.profile, ignore_errors=True)


def _chromium() -> str | None:
    for name in (os.environ.get("FFNN_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        pytest.skip("headless Chromium not found (apt-get install chromium, or set FFNN_CHROMIUM)")
    b = Chromium(exe)
    yield b
    b.close()


@pytest.fixture(scope="module")
def trained():
    """A 784-64-64-10 network briefly trained on MNIST, with the gradients of a batch."""
    from ffnn.datasets import load_mnist

    X, y, _, _ = load_mnist()
    model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
    model.fit(X[:2000], y[:2000], epochs=1, verbose=0)
    return model, (X[2000:2032], y[2000:2032])


def _centre(b, selector, index):
    """Viewport coordinates of the middle of the ``index``-th element matching ``selector``."""
    return b.js(f"""(() => {{
      const e = document.querySelectorAll({json.dumps(selector)})[{index}], svg = document.getElementById("graph");
      const p = svg.createSVGPoint();
      if (e.tagName === "line") {{
        p.x = (+e.getAttribute("x1") + +e.getAttribute("x2")) / 2; p.y = (+e.getAttribute("y1") + +e.getAttribute("y2")) / 2;
      }} else {{ p.x = +e.getAttribute("cx"); p.y = +e.getAttribute("cy"); }}
      const q = p.matrixTransform(e.getScreenCTM());
      return {{x: q.x, y: q.y}};
    }})()""")


def _hover(b, point):
    b.mouse("mouseMoved", point["x"], point["y"])
    return b.js('document.getElementById("tooltip").style.display === "block" && '
                'document.getElementById("tooltip").textContent')


def _number(label, text):
    return float(re.search(re.escape(label) + r"\s*=\s*([-+0-9.e]+)", text).group(1))


def test_page_draws_and_hover_shows_the_models_values_in_chromium(browser, trained, tmp_path):
    model, data = trained
    page = network_html(model, tmp_path / "net.html", data=data)
    b = browser
    b.call("Network.enable", session=True)
    b.events.clear()
    b.call("Page.navigate", session=True, url=page.as_uri())
    assert b.wait_for("document.body && document.body.dataset.drawn") == "weight"
    assert int(b.js("document.body.dataset.nodes")) == 32 + 32 + 32 + 10
    assert int(b.js("document.body.dataset.edges")) == 3 * 150
    assert b.js("document.querySelectorAll('.summary').length") == 3  # "+ 752 more inputs", ...

    # a real mouse move over the strongest drawn connection of the last layer
    n = b.js("document.querySelectorAll('line.hit').length")
    tip = _hover(b, _centre(b, "line.hit", n - 1))
    assert tip, "no tooltip after hovering a connection"
    layer, i, j = (int(v) for v in re.match(r"layers\.(\d+)\.weight\[(\d+), (\d+)\]", tip).groups())
    assert _number("w", tip) == pytest.approx(float(model.layers[layer].weight[i, j]), rel=1e-3)
    assert _number("∂L/∂w", tip) == pytest.approx(float(model.layers[layer].grad_weight[i, j]), rel=1e-3, abs=1e-9)

    # a neuron of the first hidden layer shows its bias and its gradient
    first_hidden = b.js("[...document.querySelectorAll('circle.node')].findIndex(c => "
                        "c.getAttribute('cx') !== document.querySelector('circle.node').getAttribute('cx'))")
    tip = _hover(b, _centre(b, "circle.node", first_hidden))
    k = int(re.search(r"neuron (\d+)", tip).group(1))
    assert _number("b", tip) == pytest.approx(float(model.layers[0].bias[k]), rel=1e-3, abs=1e-9)

    Path(_artefacts()).mkdir(parents=True, exist_ok=True)
    b.screenshot(Path(_artefacts()) / "network_html.png")  # with the tooltip showing

    # the wheel zooms in (the view box shrinks) and a drag pans it
    box = b.js("document.getElementById('graph').getAttribute('viewBox')")
    b.mouse("mouseWheel", 700, 450, deltaX=0, deltaY=-300)
    zoomed = b.js("document.getElementById('graph').getAttribute('viewBox')")
    assert float(zoomed.split()[2]) < float(box.split()[2])
    b.mouse("mousePressed", 700, 450, button="left", buttons=1, clickCount=1)
    b.mouse("mouseMoved", 600, 400, button="left", buttons=1)
    b.mouse("mouseReleased", 600, 400, button="left", buttons=0, clickCount=1)
    panned = b.js("document.getElementById('graph').getAttribute('viewBox')")
    assert float(panned.split()[0]) > float(zoomed.split()[0])  # dragged left: the view moved right

    # the gradient view redraws with its own strongest connections
    b.js("document.getElementById('by-grad').click()")
    assert b.wait_for("document.body.dataset.drawn === 'grad'")
    assert b.js("document.getElementById('notice').style.display") == "none"

    requests = [e["params"]["request"]["url"] for e in b.events if e.get("method") == "Network.requestWillBeSent"]
    assert requests and all(u.startswith(("file:", "data:")) for u in requests), requests


def test_zero_gradients_show_a_notice_in_chromium(browser, tmp_path):
    model = ffnn.FFNN([784, 64, 64, 10], ["relu", "relu", "softmax"], "cce", seed=0)
    page = network_html(model, tmp_path / "zero.html")
    browser.call("Page.navigate", session=True, url=page.as_uri())
    assert browser.wait_for("document.body && document.body.dataset.drawn") == "weight"
    browser.js("document.getElementById('by-grad').click()")
    assert browser.wait_for("document.body.dataset.drawn === 'grad'")
    assert browser.js("document.getElementById('notice').style.display") == "block"
    assert int(browser.js("document.body.dataset.edges")) == 0


def _artefacts() -> str:
    return os.environ.get("FFNN_ARTIFACTS") or str(ROOT / "out" / "test-artifacts")
