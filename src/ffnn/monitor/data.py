"""``history.monitor`` as plain data: checking what a file brings, joining a resumed run's.

Imports nothing from ffnn, so ``History`` (training.py) can use it without a cycle.
"""

from __future__ import annotations

import copy
import math
from typing import Any

__all__ = ["check_monitor_data", "check_health", "join"]

_RECORD_KEYS = ("epoch", "batch", "step", "learning_rate", "loss", "seconds")
_QUANTITIES = ("weight", "gradient", "activations")
_SERIES = ("weight_norm", "grad_norm", "update_ratio")
_SHARES = ("dead", "saturated", "saturated_outputs")
_FINDING_KEYS = {"rule", "layer", "epoch", "value", "threshold", "cause", "fix", "reference", "message"}


def _numbers(values: Any, where: str, n: int, nullable: bool = True) -> None:
    if not isinstance(values, list) or len(values) != n:
        raise ValueError(f"monitor {where} must be a list of {n} numbers")
    for v in values:
        if v is None and nullable:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"monitor {where} holds {v!r}, not a finite number")


def _nested(values: Any, where: str, n: int, width: int) -> None:
    if not isinstance(values, list) or len(values) != n:
        raise ValueError(f"monitor {where} must hold one entry per record ({n})")
    for row in values:
        if row is not None:
            _numbers(row, where, width, nullable=False)


def check_monitor_data(data: Any) -> dict[str, Any]:
    """``data`` if it has the layout a ``Recorder`` writes (types and lengths), else ``ValueError``."""
    if not isinstance(data, dict):
        raise ValueError(f"history monitor must be a dict, got {type(data).__name__}")
    records, layers = data.get("records"), data.get("layers")
    if not isinstance(records, dict) or not isinstance(records.get("epoch"), list):
        raise ValueError("monitor records must map epoch, batch, step, learning_rate, loss to lists")
    n = len(records["epoch"])
    for key in _RECORD_KEYS:
        _numbers(records.get(key), f"records.{key}", n)
    percentiles, bins = data.get("percentiles"), data.get("bins")
    _numbers(percentiles, "percentiles", len(percentiles) if isinstance(percentiles, list) else -1, nullable=False)
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError("monitor bins must be a positive integer")
    if not isinstance(layers, list):
        raise ValueError("monitor layers must be a list")
    for i, entry in enumerate(layers):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ValueError(f"monitor layers[{i}] must be a dict with a name")
        for q in _QUANTITIES:
            quantity = entry.get(q)
            if not isinstance(quantity, dict):
                raise ValueError(f"monitor layers[{i}].{q} must be a dict")
            _nested(quantity.get("percentiles"), f"layers[{i}].{q}.percentiles", n, len(percentiles))
            _nested(quantity.get("histogram"), f"layers[{i}].{q}.histogram", n, bins)
            _numbers(quantity.get("near_zero"), f"layers[{i}].{q}.near_zero", n)
        for key in _SERIES:
            _numbers(entry.get(key), f"layers[{i}].{key}", n)
        for key in _SHARES:
            if entry.get(key) is not None:
                _numbers(entry[key], f"layers[{i}].{key}", n)
    graph = data.get("graph")
    if not isinstance(graph, dict) or not isinstance(graph.get("snapshots"), list):
        raise ValueError("monitor graph must hold a list of snapshots")
    _numbers(graph.get("record"), "graph.record", len(graph["snapshots"]), nullable=False)
    for i, snap in enumerate(graph["snapshots"]):
        _check_snapshot(snap, f"graph.snapshots[{i}]")
    return data


def _check_snapshot(snap: Any, where: str) -> None:
    """A picture of the network: kept neurons per column, and per layer the values among them."""
    if not isinstance(snap, dict) or not isinstance(snap.get("neurons"), list) or not isinstance(snap.get("layers"), list):
        raise ValueError(f"monitor {where} must hold neurons and layers")
    neurons = snap["neurons"]
    _numbers(snap.get("sizes"), f"{where}.sizes", len(neurons), nullable=False)
    for k, ids in enumerate(neurons):
        _numbers(ids, f"{where}.neurons[{k}]", len(ids) if isinstance(ids, list) else -1, nullable=False)
    if len(snap["layers"]) != max(0, len(neurons) - 1):
        raise ValueError(f"monitor {where} must hold one layer between each pair of columns")
    for k, layer in enumerate(snap["layers"]):
        if not isinstance(layer, dict):
            raise ValueError(f"monitor {where}.layers[{k}] must be a dict")
        pairs, outs = len(neurons[k]) * len(neurons[k + 1]), len(neurons[k + 1])
        for key, n in (("weight", pairs), ("grad", pairs), ("bias", outs), ("grad_bias", outs)):
            _numbers(layer.get(key), f"{where}.layers[{k}].{key}", n)


def check_health(findings: Any) -> list[dict[str, Any]]:
    """``history.health`` as a file brings it: a list of findings (dicts with the known keys)."""
    if not isinstance(findings, list):
        raise ValueError("history health must be a list of findings")
    for f in findings:
        if not isinstance(f, dict) or not set(f) <= _FINDING_KEYS or not isinstance(f.get("message"), str):
            raise ValueError(f"history health holds a malformed finding {f!r:.200}")
    return [dict(f) for f in findings]


def join(earlier: dict[str, Any] | None, later: dict[str, Any] | None) -> dict[str, Any] | None:
    """The records of ``earlier`` followed by ``later``'s (a resumed ``fit``), when both watch the
    same layers with the same bins; otherwise the later run's (or whichever exists)."""
    if earlier is None or later is None:
        return copy.deepcopy(later if later is not None else earlier)
    same = ([e["name"] for e in earlier["layers"]] == [e["name"] for e in later["layers"]]
            and earlier["bins"] == later["bins"] and earlier["percentiles"] == later["percentiles"])
    if not same:
        return copy.deepcopy(later)
    joined = copy.deepcopy(earlier)
    offset = len(joined["records"]["epoch"])
    for key, values in later["records"].items():
        joined["records"][key] += values
    for mine, theirs in zip(joined["layers"], later["layers"]):
        for key, value in theirs.items():
            if isinstance(value, dict):
                for sub, series in value.items():
                    mine[key][sub] = mine[key][sub] + series
            elif isinstance(value, list):
                mine[key] = (mine[key] if isinstance(mine.get(key), list) else [None] * offset) + value
            elif value is None and isinstance(mine.get(key), list):
                mine[key] = mine[key] + [None] * len(later["records"]["epoch"])
    joined["graph"]["record"] += [r + offset for r in later["graph"]["record"]]
    joined["graph"]["snapshots"] += later["graph"]["snapshots"]
    joined["config"] = later.get("config", joined.get("config"))
    return joined
