"""The study's own figures, drawn from stored results: overlaid loss curves per family, and
the final weight and gradient histograms of every run side by side.

Histograms come as counts and bin edges (``runs._histogram``), so nothing is retrained to
draw them. matplotlib is imported here, lazily, through ``Figure`` (never pyplot).
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

__all__ = ["losses", "distributions"]

Entry = dict[str, Any]
_LAYER_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))  # fixed margins: a layout engine triples the drawing time


def _label(e: Entry) -> str:
    return f"{e['name']} {e['implementation']}" if e["family"] == "sklearn" else e["name"]


def _curve(ax, values: list[float], colour, style: str, label: str | None) -> None:
    if values:
        ax.plot(np.arange(1, len(values) + 1), values, style, color=colour, label=label, lw=1.4, ms=3)


def losses(family: str, entries: list[Entry]) -> bytes:
    """Training loss (solid) and test loss (dashed) per epoch, one colour per run."""
    if family == "sklearn":
        return png_bytes(_sklearn_losses(entries))
    fig = _figure(7.5, 3.6)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.1, right=0.98, top=0.92, bottom=0.13)
    colours = _colours(len(entries))
    for e, c in zip(entries, colours):
        _curve(ax, e["history"]["loss"], c, "-o", _label(e))
        _curve(ax, e["history"]["val_loss"], c, "--", None)
    _loss_axes(ax, "training loss (solid) and test loss (dashed)")
    ax.legend(fontsize=8, ncol=2 if len(entries) > 6 else 1, loc="upper right")
    return png_bytes(fig)


def _sklearn_losses(entries: list[Entry]):
    fig = _figure(10, 6)
    settings = ("like_for_like", "origin")
    archs = list(dict.fromkeys(e["name"] for e in entries))
    colours = dict(zip(archs, _colours(len(archs))))
    axes = fig.subplots(2, 2, sharex=True, gridspec_kw={"left": 0.07, "right": 0.98, "top": 0.95,
                                                        "bottom": 0.08, "hspace": 0.25, "wspace": 0.22})
    for col, setting in enumerate(settings):
        for e in (e for e in entries if e["setting"] == setting):
            style = "-o" if e["implementation"] == "ffnn" else "--s"
            _curve(axes[0, col], e["history"]["loss"], colours[e["name"]], style, _label(e))
            _curve(axes[1, col], e["history"]["val_loss"], colours[e["name"]], style, None)
        _loss_axes(axes[0, col], f"{setting.replace('_', ' ')}: training loss")
        _loss_axes(axes[1, col], f"{setting.replace('_', ' ')}: test loss")
        axes[0, col].legend(fontsize=7, ncol=2)
    return fig


def _loss_axes(ax, title: str) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.set_yscale("log")
    ax.grid(alpha=0.3, which="both")


def _colours(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def distributions(family: str, entries: list[Entry]) -> bytes:
    """For every run, its weights' and its gradients' histograms side by side, one line per
    dense layer (as densities, so layers of different sizes compare; the central 99 %)."""
    per_row = 2 if len(entries) > 3 else 1
    n_rows = math.ceil(len(entries) / per_row)
    height = 1.6 * n_rows + 0.4
    fig = _figure(5.2 * per_row, height)
    axes = fig.subplots(n_rows, 2 * per_row, squeeze=False, gridspec_kw={
        "left": 0.02, "right": 0.98, "top": 1 - 0.3 / height, "bottom": 0.3 / height,
        "hspace": 0.75, "wspace": 0.1})
    for i, e in enumerate(entries):
        row, col = divmod(i, per_row)
        for j, kind in enumerate(("weight", "gradient")):
            ax = axes[row, 2 * col + j]
            for layer in e["distributions"]:
                _step(ax, layer[kind], _LAYER_COLOURS[layer["layer"] % len(_LAYER_COLOURS)], f"layer {layer['layer']}")
            title = _label(e) + (f" ({e['setting'].replace('_', ' ')})" if e.get("setting") else "")
            ax.set_title(f"{title}: {kind}s", fontsize=8)
            ax.tick_params(labelsize=6)
            ax.set_yticks([])
            ax.xaxis.set_major_locator(_locator())
            ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 2))
            ax.xaxis.get_offset_text().set_fontsize(6)
    for k in range(len(entries), n_rows * per_row):  # empty slots of the last row
        row, col = divmod(k, per_row)
        axes[row, 2 * col].set_axis_off()
        axes[row, 2 * col + 1].set_axis_off()
    if entries:
        axes[0, 0].legend(fontsize=6, loc="upper left")
    return png_bytes(fig)


def _locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(4)


def _step(ax, hist: dict[str, Any], colour, label: str) -> None:
    counts = np.asarray(hist["counts"], dtype=np.float64)
    edges = np.asarray(hist["edges"], dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        return
    density = counts / (total * np.diff(edges))
    ax.stairs(density, edges, color=colour, label=label, lw=1.1)


DPI = 90  # the study's pictures: small enough to inline in report.html


def png_bytes(fig: Any) -> bytes:
    """A matplotlib Figure as PNG bytes (no pyplot, no global backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()
