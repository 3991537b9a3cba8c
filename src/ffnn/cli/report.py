"""What ``ffnn train`` and ``ffnn evaluate`` print and write: result lines, ``metrics.json`` and
``report.md``. Classification reports accuracy; regression reports R², MAE and RMSE in the
target's units (never an accuracy)."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..io.atomic import atomic_write_text

__all__ = ["format_result", "format_scores", "RunInfo", "write_outputs", "stopping_line"]

_ORDER = ("accuracy", "r2", "mae", "rmse", "loss")


def _keys(result: dict[str, float]) -> list[str]:
    return [k for k in _ORDER if k in result] + [k for k in result if k not in _ORDER]


def format_result(split: str, result: dict[str, float]) -> str:
    """``"test accuracy: 0.9712   test loss: 0.0953"``; regression: ``"test r2: 0.47   test mae: ..."``."""
    return "   ".join(f"{split} {k}: {_number(result[k], k)}" for k in _keys(result))


def format_scores(result: dict[str, float]) -> str:
    """``"accuracy 0.9712, loss 0.0953"``."""
    return ", ".join(f"{k} {_number(result[k], k)}" for k in _keys(result))


def _number(value: float, key: str) -> str:
    return f"{value:.4f}" if key in ("accuracy", "loss", "r2") else f"{value:.4g}"


def stopping_line(history: Any) -> str | None:
    """``"early stopping: best epoch 37 of 57 (val_loss 0.0412), its weights restored"``, if it ran."""
    es = history.params.get("early_stopping")
    if not es or es.get("best_epoch") is None:
        return None
    ran = history.epoch[-1] + 1 if history.epoch else 0
    stopped = f"stopped after epoch {ran}" if es.get("stopped_epoch") is not None else f"ran to epoch {ran}"
    restored = ", its weights restored" if es.get("restore_best_weights") else ""
    return f"early stopping: {stopped}; best epoch {es['best_epoch'] + 1} ({es['monitor']} {es['best']:.4g}){restored}"


@dataclass
class RunInfo:
    """What a report says besides the model and its history."""

    data: str
    task: str  # the TaskChoice's one line
    n_train: int
    n_validation: int
    n_test: int
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """JSON-ready: NumPy arrays and scalars as lists and numbers, NaN as ``None``."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def write_outputs(out: Path, model: Any, history: Any, result: dict[str, float], seconds_per_epoch: float,
                  info: RunInfo, pictures: dict | None = None) -> None:
    """``out/metrics.json`` (everything, as data) and ``out/report.md`` (for people)."""
    out.mkdir(parents=True, exist_ok=True)
    metrics = {"data": info.data, "task": info.task, "rows": {"train": info.n_train, "validation": info.n_validation,
                                                              "test": info.n_test},
               "settings": info.settings, "classes": model.classes_, "feature_names": model.feature_names,
               "config": model.get_config(), "test": result, "seconds_per_epoch": seconds_per_epoch,
               "warnings": info.warnings, "history": history.to_dict()}
    atomic_write_text(out / "metrics.json", json.dumps(_plain(metrics), indent=2))
    atomic_write_text(out / "report.md", _report(model, history, result, seconds_per_epoch, info, out, pictures))
    print(f"wrote {out / 'metrics.json'} and {out / 'report.md'}")


def _headline(result: dict[str, float]) -> str:
    if "accuracy" in result:
        return f"Test accuracy **{result['accuracy']:.4f}**, test loss {result['loss']:.4f}"
    return (f"Test R² **{result['r2']:.4f}**, MAE {result['mae']:.4g}, RMSE {result['rmse']:.4g} (in the "
            f"target's units); test loss {result['loss']:.4f}")


def _report(model: Any, history: Any, result: dict[str, float], seconds_per_epoch: float, info: RunInfo,
            out: Path, pictures: dict | None) -> str:
    rows = (f"{info.n_train} training rows ({info.n_validation} of them held out for validation), "
            f"{info.n_test} test rows scored once at the end")
    lines = ["# ffnn training report", "", f"Data: `{info.data}`, {rows}.", "", f"{info.task.capitalize()}.", ""]
    if info.settings:
        lines += ["Settings: " + ", ".join(f"{k} {v}" for k, v in info.settings.items()) + ".", ""]
    lines += ["```", model.summary(print_fn=None), "```", "",
              f"{_headline(result)}; {seconds_per_epoch:.3g} s per epoch.", ""]
    stop = stopping_line(history)
    if stop:
        lines += [stop[0].upper() + stop[1:] + ".", ""]
    if info.warnings:
        lines += ["## Warnings", ""] + [f"- {w}" for w in info.warnings] + [""]
    h = history.history
    keys = list(h)
    lines += ["## History", "", "| epoch | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for i, epoch in enumerate(history.epoch):
        lines.append(f"| {epoch + 1} | " + " | ".join(f"{h[k][i]:.4f}" if i < len(h[k]) else "" for k in keys) + " |")
    images = {k: Path(p) for k, p in (pictures or {}).items() if str(p).endswith(".png")}
    if images:
        lines += ["", "## Pictures", ""]
        lines += [f"![{kind}]({os.path.relpath(p.resolve(), out.resolve())})" for kind, p in images.items()]
    return "\n".join(lines) + "\n"
