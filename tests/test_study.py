"""The MNIST study: `ffnn study --quick` end to end, caching, determinism, executors."""

from __future__ import annotations

import json
import re

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from ffnn.cli import main  # noqa: E402
from ffnn.study import FAMILIES, Setting, build_runs, run_study  # noqa: E402
from ffnn.study.conclusions import matches_origin, origin_tolerance  # noqa: E402
from ffnn.study.families import FULL, ORIGIN, QUICK, ffnn_config  # noqa: E402
from ffnn.study.runner import code_version, run_key  # noqa: E402
from ffnn.study.runs import execute  # noqa: E402

RUN_KEYS = {"family", "name", "implementation", "config", "test_accuracy", "history", "seconds_per_epoch"}
TINY = Setting("tiny", n_train=600, n_test=200, epochs=1, batch_size=32)


@pytest.fixture(scope="module")
def quick_study(tmp_path_factory):
    """`ffnn study --quick` run twice in the same directory (the second from the cache)."""
    out = tmp_path_factory.mktemp("study")
    first = main(["study", "--quick", "--out", str(out), "--jobs", "2", "--quiet"])
    results_1 = (out / "results.json").read_text()
    second = run_study(out, quick=True, jobs=2, progress=False)
    return out, first, results_1, second


def test_quick_study_writes_the_three_files_with_every_family(quick_study):
    out, code, _, _ = quick_study
    assert code == 0
    doc = json.loads((out / "results.json").read_text())
    assert {r["family"] for r in doc["runs"]} == set(FAMILIES)
    for run in doc["runs"]:
        assert RUN_KEYS <= set(run)
        assert run["implementation"] in ("ffnn", "sklearn")
        assert set(run["history"]) >= {"loss", "val_loss"}
        assert len(run["history"]["loss"]) == QUICK.epochs == len(run["history"]["val_loss"])
        assert 0.0 <= run["test_accuracy"] <= 1.0
        assert run["seconds_per_epoch"] > 0
        assert run["distributions"] and {"weight", "gradient"} <= set(run["distributions"][0])
        seed = run["config"]["seed"] if run["implementation"] == "ffnn" else run["config"]["params"]["random_state"]
        assert seed == 42
        if run["implementation"] == "ffnn":  # the monitor's records: before training and each epoch's end
            assert run["monitor"]["epoch"] == [0, *range(QUICK.epochs)]
            assert len(run["monitor"]["layers"]) == len(run["config"]["hidden"]) + 1
        else:
            assert run["monitor"] is None
    md = (out / "report.md").read_text()
    for title in ("Depth and width", "Activation", "Learning rate", "Weight initialisation", "Regularisation",
                  "RMSNorm", "scikit-learn"):
        assert title in md
    assert md.count("**Conclusion.**") == len(FAMILIES)
    assert md.count("**Over the epochs**") == len(FAMILIES) - 1
    for png in re.findall(r"\]\((report_files/[^)]+\.png)\)", md):
        assert (out / png).stat().st_size > 1000


def test_the_html_report_is_self_contained(quick_study):
    out = quick_study[0]
    page = (out / "report.html").read_text()
    # losses and distributions for every family, how the distributions moved for all but scikit-learn's
    assert page.count("data:image/png;base64,") == 2 * len(FAMILIES) + len(FAMILIES) - 1
    assert not re.search(r"(src|href)\s*=\s*[\"'](?!data:)", page)  # nothing loaded from elsewhere
    assert "http://" not in page and "https://" not in page
    assert page.count("<table>") >= len(FAMILIES)


def test_a_second_run_recomputes_nothing_and_gives_the_same_results(quick_study):
    out, _, results_1, second = quick_study
    assert second.computed == 0 and second.cached > 0
    first = json.loads(results_1)["runs"]
    assert [r["test_accuracy"] for r in first] == [res["test_accuracy"] for _, res in second.runs]
    assert [r["history"] for r in first] == [res["history"] for _, res in second.runs]


def test_an_interrupted_study_resumes(tmp_path):
    part = run_study(tmp_path, families=("rmsnorm",), jobs=1, progress=False, setting=TINY)
    assert part.computed == 2
    whole = run_study(tmp_path, families=("rmsnorm", "regularization"), jobs=1, progress=False, setting=TINY)
    assert (whole.cached, whole.computed) == (2, 2)  # "none" is the rmsnorm family's "off"


def test_a_run_is_a_pure_function_of_its_config():
    config = ffnn_config(TINY, hidden=[16])
    a, b = execute(config), execute(config)
    assert a["test_accuracy"] == b["test_accuracy"]
    assert a["history"] == b["history"]
    assert a["distributions"] == b["distributions"]


def test_the_cache_key_follows_the_config_and_the_code():
    version = code_version("ffnn")
    assert run_key(ffnn_config(FULL), version) == run_key(ffnn_config(FULL), version)
    assert run_key(ffnn_config(FULL), version) != run_key(ffnn_config(FULL, learning_rate=0.1), version)
    assert run_key(ffnn_config(FULL), version) != run_key(ffnn_config(FULL), version + "x")


def test_the_families_follow_the_issue():
    runs = build_runs(FULL)
    by = {f: [r for r in runs if r.family == f] for f in FAMILIES}
    assert {r.name for r in by["depth_width"]} == {"2x32", "2x64", "2x128", "1x64", "3x64"}
    assert "softmax" not in {r.name for r in by["activation"]} and len(by["activation"]) >= 5
    assert {r.name for r in by["init"]} == {"zero", "uniform", "normal", "xavier", "he"}
    assert len(by["sklearn"]) == 16
    origin = [r for r in by["sklearn"] if r.setting == "origin" and r.implementation == "sklearn"]
    assert all(r.config["params"].get("batch_size") is None for r in origin)  # scikit-learn's defaults
    for run in runs:
        if run.implementation == "ffnn" and run.setting != "origin":
            assert run.config["batch_size"] == FULL.batch_size and run.config["epochs"] == FULL.epochs
    assert ORIGIN["depth_width"]["3x64"] == 0.962


def test_origin_figures_are_matched_to_their_printed_digits():
    assert origin_tolerance(0.952) == pytest.approx(0.0005)
    assert matches_origin(0.9516, 0.952) and not matches_origin(0.9514, 0.952)
    assert matches_origin(0.9467857142857142, 0.9467857142857142)


def test_unknown_family_and_executor_are_refused(tmp_path):
    with pytest.raises(ValueError, match="famil"):
        build_runs(FULL, ("depth",))
    with pytest.raises(ValueError, match="executor"):
        run_study(tmp_path, executor="spark", progress=False)


def _numbers(study):
    return [(r.family, r.name, res["test_accuracy"], res["history"]) for r, res in study.runs]


def test_the_dask_executor_gives_the_same_results(tmp_path):
    pytest.importorskip("dask.distributed")
    local = run_study(tmp_path / "a", families=("rmsnorm",), jobs=2, progress=False, setting=TINY)
    dask = run_study(tmp_path / "b", families=("rmsnorm",), jobs=2, executor="dask", progress=False, setting=TINY)
    assert dask.computed == 2
    assert _numbers(local) == _numbers(dask)


def test_the_ray_executor_gives_the_same_results(tmp_path):
    pytest.importorskip("ray")
    local = run_study(tmp_path / "a", families=("rmsnorm",), jobs=1, progress=False, setting=TINY)
    ray = run_study(tmp_path / "b", families=("rmsnorm",), jobs=2, executor="ray", progress=False, setting=TINY)
    assert _numbers(local) == _numbers(ray)
