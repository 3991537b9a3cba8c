"""The study's run cache: ``DIR/cache/<key>.json``, keyed on everything a result depends on.

A key is a hash of the run's config and of ``code_version``: the source of every module a
run's numbers can pass through (every ``.py`` file of the package except the presentation and
orchestration modules named in ``NOT_NUMERIC``), the versions of Python, NumPy and the BLAS
library actually loaded (with its CPU kernel), and for scikit-learn runs scikit-learn's and
SciPy's versions.

Nothing read back is trusted: an entry that is not a regular file, not JSON, or not a result
of the expected shape (a test accuracy in [0, 1], finite timings, well-formed histograms...)
is a miss, logged and computed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import platform
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_write_text

__all__ = ["CACHE_FORMAT", "NOT_NUMERIC", "Cache", "code_version", "numeric_sources", "library_versions",
           "run_key", "check_result"]

log = logging.getLogger("ffnn.study")

CACHE_FORMAT = 3  # bump when a result's layout changes (3: the monitor's records and health findings)

# Modules that cannot change a run's numbers: pictures, pages, the command line, and the study's
# own orchestration (cache, executors, report). tests/test_study_cache.py checks that a run
# imports none of them except the orchestration it runs under.
NOT_NUMERIC = ("__main__.py", "cli/", "viz/", "explain/", "progress.py", "study/__init__.py", "study/cache.py",
               "study/runner.py", "study/report.py", "study/figures.py", "study/conclusions.py",
               "study/movement.py")
_PACKAGE = Path(__file__).resolve().parent.parent


def numeric_sources(root: Path = _PACKAGE) -> list[Path]:
    """Every ``.py`` file under ``root`` (the package) except those ``NOT_NUMERIC`` names, sorted."""
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if not any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in NOT_NUMERIC):
            out.append(path)
    return out


def library_versions(implementation: str) -> dict[str, str]:
    """Versions of what computes a result besides our code: Python, NumPy, the BLAS in use, the machine."""
    import numpy as np

    versions = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
                "blas": _blas()}
    if implementation == "sklearn":
        import scipy
        import sklearn

        versions.update(sklearn=sklearn.__version__, scipy=scipy.__version__)
    return versions


def _blas() -> str:
    """The BLAS library loaded at run time (name, version, CPU kernel), else the one NumPy was built with."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        found = [f"{i.get('internal_api')}-{i.get('version')}-{i.get('architecture')}"
                 for i in threadpool_info() if i.get("user_api") == "blas"]
        if found:
            return ",".join(sorted(found))
    import numpy as np

    config = getattr(np.__config__, "CONFIG", {}).get("Build Dependencies", {}).get("blas", {})
    return f"{config.get('name')}-{config.get('version')}"


def code_version(implementation: str, root: Path = _PACKAGE) -> str:
    """What a result depends on besides its config, as a 16-digit hash (see the module docstring)."""
    digest = hashlib.sha256(f"cache-format-{CACHE_FORMAT}".encode())
    for path in numeric_sources(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(json.dumps(library_versions(implementation), sort_keys=True).encode())
    return digest.hexdigest()[:16]


def run_key(config: dict[str, Any], version: str) -> str:
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{version}:{text}".encode()).hexdigest()[:20]


# ----------------------------------------------------------------------------- validation
def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _finite(v: Any, low: float = -math.inf, high: float = math.inf) -> bool:
    return _number(v) and math.isfinite(v) and low <= v <= high


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _check_histogram(h: Any, where: str) -> None:
    if not isinstance(h, dict):
        raise ValueError(f"{where} is not an object")
    counts, edges = h.get("counts"), h.get("edges")
    if not isinstance(counts, list) or not all(_count(c) for c in counts):
        raise ValueError(f"{where}.counts is not a list of counts")
    if not isinstance(edges, list) or len(edges) != len(counts) + 1 or not all(_finite(e) for e in edges):
        raise ValueError(f"{where}.edges is not a list of {len(counts) + 1} finite numbers")
    for key in ("outside", "size"):
        if not _count(h.get(key)):
            raise ValueError(f"{where}.{key} is not a count")
    for key in ("mean", "std", "abs_mean", "near_zero"):
        if h.get(key) is not None and not _finite(h[key]):
            raise ValueError(f"{where}.{key} is not a finite number or null")


def check_result(result: Any) -> None:
    """Raise ``ValueError`` naming the first field of ``result`` that a run could not have produced."""
    if not isinstance(result, dict):
        raise ValueError(f"not a JSON object but {type(result).__name__}")
    if not _finite(result.get("test_accuracy"), 0.0, 1.0):
        raise ValueError(f"test_accuracy {result.get('test_accuracy')!r} is not a number in [0, 1]")
    if not _finite(result.get("majority_fraction"), 0.0, 1.0):
        raise ValueError(f"majority_fraction {result.get('majority_fraction')!r} is not a number in [0, 1]")
    history = result.get("history")
    if not isinstance(history, dict) or not all(
        isinstance(history.get(k), list) and all(_number(v) for v in history[k]) for k in ("loss", "val_loss")
    ):
        raise ValueError("history is not {'loss': [numbers], 'val_loss': [numbers]}")
    seconds = result.get("epoch_seconds")
    if not isinstance(seconds, list) or not all(_finite(s, 0.0) for s in seconds):
        raise ValueError("epoch_seconds is not a list of non-negative numbers")
    for key in ("seconds_per_epoch", "run_seconds"):
        if result.get(key) is not None and not _finite(result[key], 0.0):
            raise ValueError(f"{key} {result[key]!r} is not a non-negative number or null")
    if result.get("diverged") is not None and not isinstance(result["diverged"], str):
        raise ValueError("diverged is neither null nor a message")
    layers = result.get("distributions")
    if not isinstance(layers, list) or not layers:
        raise ValueError("distributions is not a non-empty list")
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or layer.get("layer") != i:
            raise ValueError(f"distributions[{i}] is not layer {i}")
        _check_histogram(layer.get("weight"), f"distributions[{i}].weight")
        _check_histogram(layer.get("gradient"), f"distributions[{i}].gradient")
    _check_monitor(result.get("monitor", "missing"))
    health = result.get("health")
    if not isinstance(health, list) or not all(isinstance(f, dict) and isinstance(f.get("rule"), str) for f in health):
        raise ValueError("health is not a list of findings")


def _series(values: Any, n: int, where: str, width: int | None = None) -> None:
    if not isinstance(values, list) or len(values) != n:
        raise ValueError(f"{where} is not a list of {n} entries")
    for v in values:
        if v is None:
            continue
        if width is None and not _finite(v):
            raise ValueError(f"{where} holds {v!r}")
        if width is not None and (not isinstance(v, list) or len(v) != width or not all(_finite(x) for x in v)):
            raise ValueError(f"{where} holds a malformed row")


def _check_monitor(monitor: Any) -> None:
    """``None`` (scikit-learn, or a run that diverged in its first epoch) or ``runs.monitor_summary``'s layout."""
    if monitor is None:
        return
    if not isinstance(monitor, dict) or not isinstance(monitor.get("epoch"), list):
        raise ValueError("monitor is neither null nor a summary of records")
    n, width = len(monitor["epoch"]), len(monitor.get("percentiles") or [])
    _series(monitor["epoch"], n, "monitor.epoch")
    _series(monitor.get("batch"), n, "monitor.batch")
    if not isinstance(monitor.get("layers"), list):
        raise ValueError("monitor.layers is not a list")
    for i, layer in enumerate(monitor["layers"]):
        if not isinstance(layer, dict) or not isinstance(layer.get("name"), str):
            raise ValueError(f"monitor.layers[{i}] is not a layer")
        for key in ("weight", "gradient", "activations"):
            _series(layer.get(key), n, f"monitor.layers[{i}].{key}", width)
        for key in ("weight_near_zero", "grad_norm", "update_ratio", "dead", "saturated", "saturated_outputs"):
            if layer.get(key) is not None or key in ("weight_near_zero", "grad_norm", "update_ratio"):
                _series(layer.get(key), n, f"monitor.layers[{i}].{key}")


class Cache:
    """Finished results under ``directory``, one JSON file per key; anything unreadable is a miss."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.dir / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached result, or ``None`` when it is absent or invalid (then it is computed again)."""
        path = self.path(key)
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
            check_result(result)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError) as err:  # a directory, cut short, edited, not a result
            log.warning("cache entry %s is invalid (%s: %s); computing it again", path, type(err).__name__, err)
            return None
        return result

    def put(self, key: str, result: dict[str, Any]) -> None:
        """Write ``result`` atomically; a failure is logged and the study goes on (the result is kept)."""
        try:
            atomic_write_text(self.path(key), json.dumps(result))
        except OSError as err:
            log.warning("could not cache %s (%s); the result is kept in the report", self.path(key), err)
