"""``training_dashboard``: what a training monitor recorded, as one self-contained HTML page
(inline SVG and plain JavaScript, nothing fetched) with an epoch slider.

Per monitored layer: percentile bands of weights, gradients and activations over time
(TensorBoard's distributions view) and their histograms at the chosen record; for every layer:
gradient norms, update ratios (with the healthy band) and dead or saturated shares; the learning
rate, the loss curves, the health findings, and the network graph at the chosen record, with
its weights and gradients. When drawn, ``<body>`` carries ``data-drawn``, ``data-record`` and
``data-layer``, and each histogram's ``<svg>`` its ``data-counts``, so a browser test can check it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from ._common import write_page
from ._dashboard_page import PAGE

__all__ = ["training_dashboard"]


def _history_dict(history: Any) -> dict[str, Any]:
    """A ``History``, its ``to_dict()``, or a model (its ``history``) as a dict."""
    if hasattr(history, "network") and hasattr(history, "history"):  # a model
        history = history.history
    if hasattr(history, "to_dict"):
        return history.to_dict()
    if isinstance(history, dict) and "history" in history:
        return history
    raise TypeError(f"training_dashboard needs a History (or its to_dict(), or a trained model), got "
                    f"{type(history).__name__}")


def _finite(values: list[Any]) -> list[float | None]:
    return [float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None for v in values]


def _record_x(records: dict[str, list]) -> list[float]:
    """Each record's place in epochs: its epoch plus the share of that epoch's batches done."""
    per_epoch: dict[int, int] = {}
    for e, b in zip(records["epoch"], records["batch"]):
        per_epoch[e] = max(per_epoch.get(e, 0), b)
    return [e + (b / per_epoch[e] if per_epoch[e] else 0.0) for e, b in zip(records["epoch"], records["batch"])]


def training_dashboard(history: Any, path: str | os.PathLike, *, title: str | None = None) -> Path:
    """Write the dashboard of a monitored run to ``path`` (one ``.html`` file) and return the path.

    ``history`` is what ``fit(..., monitor=True)`` returned, ``model.history``, its ``to_dict()``
    or the model itself.

    >>> import ffnn, numpy as np, tempfile, os
    >>> X = np.random.default_rng(0).normal(size=(64, 3)); y = (X[:, 0] > 0).astype(int)
    >>> model = ffnn.FFNN([3, 4, 2], ["relu", "softmax"], "cce", seed=0)
    >>> h = model.fit(X, y, epochs=2, verbose=0, monitor=True)
    >>> page = training_dashboard(h, os.path.join(tempfile.mkdtemp(), "dash.html"))
    >>> "<svg" in page.read_text()
    True
    """
    from ..monitor import check_monitor_data

    h = _history_dict(history)
    monitor = h.get("monitor")
    if monitor is None:
        raise ValueError("this history has no monitor records: train with fit(..., monitor=True) "
                         "(ffnn train --monitor) to record what the dashboard shows")
    check_monitor_data(monitor)
    if not monitor["records"]["epoch"]:
        raise ValueError("the monitor recorded nothing (no epoch finished)")
    metrics = {k: _finite(v) for k, v in h.get("history", {}).items()}
    payload = {
        "title": title or "Training dashboard",
        "monitor": monitor,
        "x": _record_x(monitor["records"]),
        "epochX": [int(e) + 1 for e in h.get("epoch", [])],
        "history": metrics,
        "health": h.get("health", []),
    }
    return write_page(PAGE, payload, path)
