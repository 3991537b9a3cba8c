"""The study's run cache trusts nothing it reads, and its key covers everything a result depends on
(issue 15, class 5)."""

from __future__ import annotations

import json
import logging
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

import ffnn  # noqa: E402
from ffnn.study import Setting, run_study  # noqa: E402
from ffnn.study import cache as cache_module  # noqa: E402
from ffnn.study.cache import NOT_NUMERIC, Cache, check_result, code_version, numeric_sources  # noqa: E402
from ffnn.study.families import ffnn_config  # noqa: E402
from ffnn.study.runs import execute  # noqa: E402

TINY = Setting("tiny", n_train=300, n_test=100, epochs=1, batch_size=32)
PACKAGE = Path(ffnn.__file__).resolve().parent


def _small_split(config):
    """Random 8x8 'images' instead of MNIST: the cache does not care what was learned, and this is fast."""
    import numpy as np

    rng = np.random.default_rng(0)
    return (rng.integers(0, 256, (120, 64), dtype=np.uint8), np.arange(120) % 10,
            rng.integers(0, 256, (40, 64), dtype=np.uint8), np.arange(40) % 10)


@pytest.fixture(autouse=True)
def small_data(monkeypatch):
    monkeypatch.setattr("ffnn.study.runs._split", _small_split)


@pytest.fixture(scope="module")
def result() -> dict:
    """A real result, as a run returns it and the cache stores it (through JSON)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("ffnn.study.runs._split", _small_split)
        return json.loads(json.dumps(execute(ffnn_config(TINY, hidden=[8]))))


def test_a_real_result_is_valid(result):
    check_result(result)


def _set(path: str, value):
    """An edit of ``result`` at a dotted path (``"distributions.0.weight.edges"``)."""
    def edit(result: dict) -> dict:
        keys = path.split(".")
        target = result
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is _DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value(target[keys[-1]]) if callable(value) else value
        return result
    return edit


_DELETE = object()

INVALID = {
    "empty object": lambda r: {},
    "a list": lambda r: [r],
    "accuracy missing": _set("test_accuracy", _DELETE),
    "accuracy 7.5": _set("test_accuracy", 7.5),
    "accuracy NaN": _set("test_accuracy", math.nan),
    "accuracy negative": _set("test_accuracy", -0.1),
    "accuracy a string": _set("test_accuracy", "0.9"),
    "accuracy a bool": _set("test_accuracy", True),
    "history missing val_loss": _set("history.val_loss", _DELETE),
    "history loss a string": _set("history.loss", "low"),
    "epoch seconds negative": _set("epoch_seconds", [-1.0]),
    "seconds per epoch infinite": _set("seconds_per_epoch", math.inf),
    "diverged a number": _set("diverged", 3),
    "majority fraction 2": _set("majority_fraction", 2.0),
    "no distributions": _set("distributions", []),
    "layer numbers out of order": _set("distributions.0.layer", 5),
    "counts negative": _set("distributions.0.weight.counts", lambda c: [-1] + c[1:]),
    "edges of the wrong length": _set("distributions.0.gradient.edges", lambda e: e[:-1]),
    "edges not finite": _set("distributions.0.weight.edges", lambda e: [math.nan] + e[1:]),
    "mean a string": _set("distributions.0.weight.mean", "0"),
}


@pytest.mark.parametrize("edit", list(INVALID.values()), ids=list(INVALID))
def test_an_entry_a_run_could_not_have_produced_is_a_miss(tmp_path, result, edit, caplog):
    cache = Cache(tmp_path)
    bad = edit(json.loads(json.dumps(result)))
    cache.path("k").write_text(json.dumps(bad))
    with pytest.raises(ValueError):
        check_result(bad)
    with caplog.at_level(logging.WARNING, logger="ffnn.study"):
        assert cache.get("k") is None
    assert "is invalid" in caplog.text and "computing it again" in caplog.text


@pytest.mark.parametrize("make", [
    lambda p: p.mkdir(),
    lambda p: p.write_text('{"test_accuracy": 0.9, "hist'),
    lambda p: p.write_bytes(b"\xff\xfe{}"),
    lambda p: p.write_text("[" * 100_000 + "]" * 100_000),
    lambda p: p.write_text("NaN"),
], ids=["directory", "cut short", "not UTF-8", "deeply nested", "NaN"])
def test_an_unreadable_entry_is_a_miss(tmp_path, make):
    cache = Cache(tmp_path)
    make(cache.path("k"))
    assert cache.get("k") is None


def test_a_valid_entry_is_a_hit_and_an_absent_one_a_quiet_miss(tmp_path, result, caplog):
    cache = Cache(tmp_path)
    with caplog.at_level(logging.WARNING, logger="ffnn.study"):
        assert cache.get("absent") is None
    assert caplog.text == ""
    cache.put("k", result)
    assert cache.get("k") == result


def test_a_study_recomputes_invalid_entries_and_survives_an_unwritable_one(tmp_path, caplog):
    first = run_study(tmp_path, families=("rmsnorm",), jobs=1, progress=False, setting=TINY)
    assert first.computed == 2
    entries = sorted((tmp_path / "cache").glob("*.json"))
    assert len(entries) == 2
    entries[0].write_text(json.dumps({"test_accuracy": 7.5}))  # nonsense in the cache
    entries[1].unlink()
    entries[1].mkdir()  # and a directory where an entry goes: it can be neither read nor replaced
    with caplog.at_level(logging.WARNING, logger="ffnn.study"):
        second = run_study(tmp_path, families=("rmsnorm",), jobs=1, progress=False, setting=TINY)
    assert (second.computed, second.cached) == (2, 0)
    assert [res["test_accuracy"] for _, res in second.runs] == [res["test_accuracy"] for _, res in first.runs]
    assert "could not cache" in caplog.text
    assert json.loads(entries[0].read_text())["test_accuracy"] != 7.5  # rewritten with the real result


# ----------------------------------------------------------------------------- the key
def test_rowwise_and_every_module_a_run_imports_are_keyed():
    """Run a study run in a fresh interpreter; every ffnn module it loads is hashed into the key,
    except the orchestration it runs under (which cannot change a number). (Its data is small and
    random: the modules that read MNIST are keyed like every other one.)"""
    script = (
        "import sys, json, numpy as np\n"
        "from ffnn.study import Setting\n"
        "from ffnn.study.families import ffnn_config\n"
        "from ffnn.study import runs\n"
        "X, y = np.zeros((40, 64), np.uint8), np.arange(40) % 10\n"
        "runs._split = lambda config: (X, y, X, y)\n"
        "runs.execute(ffnn_config(Setting('t', n_train=40, n_test=40, epochs=1, batch_size=8), hidden=[4]))\n"
        "print(json.dumps(sorted(m.__file__ for n, m in list(sys.modules.items())\n"
        "                        if n.split('.')[0] == 'ffnn' and getattr(m, '__file__', None))))\n"
    )
    env = {"PYTHONPATH": str(PACKAGE.parent), "OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                         check=True).stdout
    loaded = {Path(f).resolve() for f in json.loads(out.splitlines()[-1])}
    keyed = {p.resolve() for p in numeric_sources()}
    assert PACKAGE / "rowwise.py" in keyed and PACKAGE / "validation.py" in keyed
    unkeyed = {p.relative_to(PACKAGE).as_posix() for p in loaded - keyed}
    assert unkeyed <= {"study/__init__.py", "study/runner.py", "study/cache.py", "progress.py"}, unkeyed
    assert set(NOT_NUMERIC) >= unkeyed


@pytest.fixture
def package_copy(tmp_path) -> Path:
    root = tmp_path / "ffnn"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_the_key_follows_numeric_sources_but_not_presentation(package_copy):
    version = code_version("ffnn", package_copy)
    assert version == code_version("ffnn", PACKAGE)
    (package_copy / "viz" / "history.py").write_text("# a picture changed\n", encoding="utf-8")
    assert code_version("ffnn", package_copy) == version
    with open(package_copy / "rowwise.py", "a", encoding="utf-8") as f:
        f.write("\n# a number may change\n")
    assert code_version("ffnn", package_copy) != version


def test_a_new_module_is_keyed_without_editing_a_list(package_copy):
    version = code_version("ffnn", package_copy)
    (package_copy / "fused_kernels.py").write_text("X = 1\n", encoding="utf-8")
    assert code_version("ffnn", package_copy) != version


@pytest.mark.parametrize("patch", [
    lambda mp: mp.setattr("numpy.__version__", "0.0.1"),
    lambda mp: mp.setattr(cache_module, "_blas", lambda: "reference-blas-1.0-generic"),
    lambda mp: mp.setattr("platform.python_version", lambda: "3.99.0"),
    lambda mp: mp.setattr("platform.machine", lambda: "riscv64"),
], ids=["numpy", "blas", "python", "machine"])
def test_the_key_follows_the_library_versions(monkeypatch, patch):
    before = code_version("ffnn")
    patch(monkeypatch)
    assert code_version("ffnn") != before


def test_scikit_learn_runs_are_keyed_on_scikit_learn_and_scipy(monkeypatch):
    before = code_version("sklearn")
    assert code_version("ffnn") != before
    monkeypatch.setattr("sklearn.__version__", "0.1")
    assert code_version("sklearn") != before
