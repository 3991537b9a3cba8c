"""How training moved: the study's view of the monitor's records, epoch by epoch.

For every ffnn run of a family, ``figure`` draws one row: the first layer's weight and
activation percentile bands over the epochs (before training, then each epoch's end), the
share of near-zero weights per layer, the dead (ReLU family) or saturated (sigmoid, tanh)
shares, and the update ratios. ``sentences`` says in numbers what moved, from the same records,
and which health rules fired. Nothing is retrained.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .figures import png_bytes

__all__ = ["figure", "sentences"]

Entry = dict[str, Any]
_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


def _monitored(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e["implementation"] == "ffnn" and e.get("monitor")]


def _label(e: Entry) -> str:
    return e["name"] + (f" ({e['setting'].replace('_', ' ')})" if e.get("setting") else "")


def _x(m: dict[str, Any]) -> np.ndarray:
    """Record positions in epochs: 0 before training, e + 1 at the end of epoch e."""
    return np.array([e + (1.0 if b else 0.0) for e, b in zip(m["epoch"], m["batch"])], dtype=float)


def _column(rows: list, k: int) -> np.ndarray:
    return np.array([np.nan if r is None else r[k] for r in rows], dtype=float)


def _series(values: list | None) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in (values or [])], dtype=float)


def _bands(ax, x: np.ndarray, rows: list, title: str) -> None:
    k = len(rows[0]) if rows and rows[0] is not None else len(next((r for r in rows if r), []))
    if k == 0:
        ax.set_axis_off()
        return
    for j in range(k // 2):
        ax.fill_between(x, _column(rows, j), _column(rows, k - 1 - j), color="#2166ac", alpha=0.16, lw=0)
    ax.plot(x, _column(rows, k // 2), color="#08306b", lw=1.2)
    ax.set_title(title, fontsize=7.5)


def figure(family: str, entries: list[Entry]) -> bytes | None:
    """One row per monitored ffnn run; ``None`` when no run of the family was monitored."""
    from matplotlib.figure import Figure

    runs = _monitored(entries)
    if not runs:
        return None
    n = len(runs)
    height = 1.45 * n + 0.5
    fig = Figure(figsize=(13, height))  # fixed margins, as the study's other figures
    axes = fig.subplots(n, 5, squeeze=False, gridspec_kw={
        "left": 0.09, "right": 0.99, "top": 1 - 0.35 / height, "bottom": 0.3 / height, "hspace": 0.65, "wspace": 0.28})
    for i, e in enumerate(runs):
        _row(axes[i], e, last=i == n - 1, legend=i == 0)
    return png_bytes(fig)


def _row(row, e: Entry, last: bool, legend: bool) -> None:
    """One run's five panels."""
    from matplotlib.ticker import MaxNLocator

    m = e["monitor"]
    x, first = _x(m), m["layers"][0]
    _bands(row[0], x, first["weight"], "layer 0 weights (percentile bands)")
    _bands(row[1], x, first["activations"], f"layer 0 outputs ({first['activation']})")
    any_ratio = False
    for j, layer in enumerate(m["layers"]):
        c = _COLOURS[j % len(_COLOURS)]
        row[2].plot(x, _series(layer["weight_near_zero"]), color=c, lw=1.2, marker="o", ms=2, label=layer["name"])
        if layer.get("dead") is not None:
            row[3].plot(x, _series(layer["dead"]), color=c, lw=1.2, marker="o", ms=2)
        if layer.get("saturated_outputs") is not None:
            row[3].plot(x, _series(layer["saturated_outputs"]), color=c, lw=1.2, ls="--", marker="o", ms=2)
        ratio = _series(layer["update_ratio"])
        if np.any(ratio > 0):
            any_ratio = True
            row[4].plot(x, np.where(ratio > 0, ratio, np.nan), color=c, lw=1.2, marker="o", ms=2)
    row[2].set_title("weights with |w| < 0.001 (share)", fontsize=7.5)
    row[3].set_title("dead (solid) / saturated (dashed) share", fontsize=7.5)
    row[3].set_ylim(-0.03, 1.03)
    row[4].set_title("update ratio ‖Δw‖/‖w‖ (log)", fontsize=7.5)
    row[4].axhspan(1e-4, 1e-1, color="#2ca02c", alpha=0.07)
    if any_ratio:
        row[4].set_yscale("log")
    else:
        row[4].text(0.5, 0.5, "no update ratio\n(zero weights)", ha="center", va="center", fontsize=7,
                    transform=row[4].transAxes)
    row[0].set_ylabel(_label(e), fontsize=8, rotation=0, ha="right", va="center")
    for ax in row:
        ax.tick_params(labelsize=6)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if last:
            ax.set_xlabel("epoch (0: before training)", fontsize=7)
    if legend:
        row[2].legend(fontsize=6, loc="best")


def _fmt_share(v: float | None) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v * 100:.0f} %"


def _ends(values: list | None) -> tuple[float | None, float | None]:
    """The first recorded value after training started, and the last."""
    vals = [v for v in (values or [])[1:] if v is not None]
    return (vals[0], vals[-1]) if vals else (None, None)


def _spread(rows: list) -> tuple[float | None, float | None]:
    """The 7th-to-93rd percentile width before training and at the end."""
    rows = [r for r in rows if r is not None]
    if not rows or len(rows[0]) < 9:
        return None, None
    return rows[0][7] - rows[0][1], rows[-1][7] - rows[-1][1]


def _units_and_spreads(runs: list[Entry]) -> list[str]:
    units, spreads = [], []
    for e in runs:
        first = e["monitor"]["layers"][0]
        a, b = _spread(first["weight"])
        if a is not None:
            spreads.append(f"{_label(e)} {a:.3g} → {b:.3g}")
        if first.get("dead") is not None:
            d0, d1 = _ends(first["dead"])
            units.append(f"{_label(e)} {_fmt_share(d0)} → {_fmt_share(d1)} dead")
        elif first.get("saturated_outputs") is not None:
            s0, s1 = _ends(first["saturated_outputs"])
            units.append(f"{_label(e)} {_fmt_share(s0)} → {_fmt_share(s1)} of outputs saturated")
    out = []
    if spreads:
        out.append("Layer 0's weight spread (7th to 93rd percentile) from before training to the last epoch: "
                   + "; ".join(spreads) + ".")
    if units:
        out.append("Layer 0's units from the first epoch to the last: " + "; ".join(units) + ".")
    return out


def _family_specific(family: str, runs: list[Entry]) -> list[str]:
    out = []
    if family in ("regularization", "init"):
        near = []
        for e in runs:
            vals = [v for v in e["monitor"]["layers"][0]["weight_near_zero"] if v is not None]
            if vals:
                near.append(f"{_label(e)} {_fmt_share(vals[0])} → {_fmt_share(vals[-1])}")
        if near:
            out.append("Layer 0's weights within 0.001 of zero, before training and at the end: " + "; ".join(near) + ".")
    if family == "learning_rate":
        ratios = [(e, _ends(e["monitor"]["layers"][0]["update_ratio"])) for e in runs]
        out.append("Layer 0's update ratio in the first and the last epoch: "
                   + "; ".join(f"{_label(e)} {a:.2g} → {b:.2g}" for e, (a, b) in ratios if a is not None) + ".")
    for e in runs:
        dead = e["monitor"]["layers"][0].get("dead")
        if dead is not None and all(v == 1.0 for v in dead[1:]):
            out.append(f"In {_label(e)} every unit of layer 0 was dead in every epoch: its units never left zero, "
                       "so no gradient reached its weights (they stayed frozen).")
    return out


def sentences(family: str, entries: list[Entry]) -> list[str]:
    """What moved over the epochs, in numbers, and the health findings."""
    runs = _monitored(entries)
    if not runs:
        return []
    out = _units_and_spreads(runs) + _family_specific(family, runs)
    flagged = [f"{_label(e)}: " + ", ".join(f"{f['rule'].replace('_', ' ')} in {f['layer']} (epoch {f['epoch'] + 1})"
                                             for f in e.get("health", []))
               for e in runs if e.get("health")]
    out.append("Health rules fired for " + "; ".join(flagged) + "." if flagged else
               "No health rule fired in any run of this family.")
    return out
