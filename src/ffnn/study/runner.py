"""Runs a study: the cache, the executors (local processes, Dask, Ray) and the progress bar.

Every run is a pure function of its config (``runs.execute``), so a result is cached under a
key made of the config and the code version (``cache.py``), and the executor only decides
*where* a run is computed, never what it computes. Finished runs are written to
``DIR/cache/<key>.json`` as they arrive, so an interrupted study resumes where it stopped; an
invalid entry is computed again.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import Cache, code_version, run_key
from .families import FAMILIES, FULL, QUICK, Run, Setting, build_runs
from .runs import execute

__all__ = ["EXECUTORS", "StudyResult", "code_version", "run_key", "run_study", "results_document"]

log = logging.getLogger("ffnn.study")

EXECUTORS = ("process", "dask", "ray")
@dataclass
class StudyResult:
    """What ``run_study`` returns: every run with its result, and how the time was spent."""

    runs: list[tuple[Run, dict[str, Any]]]
    setting: Setting
    computed: int
    cached: int
    wall_seconds: float
    executor: str
    jobs: int


def run_study(
    out: str | Path,
    quick: bool = False,
    families: Iterable[str] = FAMILIES,
    jobs: int | None = None,
    executor: str = "process",
    address: str | None = None,
    progress: bool = True,
    setting: Setting | None = None,
) -> StudyResult:
    """Compute every run of ``families`` not yet in ``out/cache`` and return all results.

    ``jobs`` worker processes (default: the core count) for ``executor="process"``; ``"dask"``
    starts a local Dask cluster of ``jobs`` single-threaded workers, or connects to the
    scheduler at ``address``; ``"ray"`` likewise (``address`` as ``ray.init`` takes it).
    """
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {executor!r}")
    jobs = _check_jobs(jobs)
    setting = setting or (QUICK if quick else FULL)
    runs = build_runs(setting, tuple(families))
    cache = Cache(Path(out) / "cache")
    versions = {impl: code_version(impl) for impl in {r.implementation for r in runs}}
    keys = [run_key(r.config, versions[r.implementation]) for r in runs]
    unique = dict(zip(keys, (r.config for r in runs)))  # one computation per distinct config
    results = {k: res for k in unique if (res := cache.get(k)) is not None}
    todo = {k: c for k, c in unique.items() if k not in results}
    log.info("%d runs, %d distinct, %d cached, %d to compute", len(runs), len(unique), len(results), len(todo))
    start = time.perf_counter()
    bar = _bar(len(unique), len(results), progress)
    try:
        for key, result in _execute_all(todo, executor, jobs, address):
            cache.put(key, result)
            results[key] = result
            bar.update()
            bar.set_postfix(f"{_label(unique[key])}: {result['test_accuracy']:.4f}")
    finally:
        bar.close()
    wall = time.perf_counter() - start
    return StudyResult([(r, results[k]) for r, k in zip(runs, keys)], setting, len(todo),
                       len(unique) - len(todo), wall, executor, jobs)


def _check_jobs(jobs: int | None) -> int:
    if jobs is None:
        return os.cpu_count() or 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    return jobs


def _bar(total: int, done: int, enabled: bool):
    from ..progress import ProgressBar

    bar = ProgressBar(total, "study", enabled=enabled, unit="run")
    if done:
        bar.update(done)
    return bar


def _label(config: dict[str, Any]) -> str:
    if config["implementation"] == "sklearn":
        return f"sklearn {config['params']['hidden_layer_sizes']}"
    return f"ffnn {config['hidden']} {config['activation']} lr={config['learning_rate']}"


def _execute_all(todo: dict[str, dict], executor: str, jobs: int, address: str | None) -> Iterator[tuple[str, dict]]:
    if not todo:
        return iter(())
    if executor == "dask":
        return _dask(todo, jobs, address)
    if executor == "ray":
        return _ray(todo, jobs, address)
    if jobs == 1:
        return ((k, execute(c)) for k, c in todo.items())
    return _processes(todo, jobs)


def _processes(todo: dict[str, dict], jobs: int) -> Iterator[tuple[str, dict]]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # forkserver/spawn: a clean worker, no copy of the parent's threads or progress bar
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=mp.get_context(method)) as pool:
        futures = {pool.submit(execute, c): k for k, c in _longest_first(todo)}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _dask(todo: dict[str, dict], jobs: int, address: str | None) -> Iterator[tuple[str, dict]]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as err:
        raise ValueError('--executor dask needs Dask: pip install "dask[distributed]"') from err
    cluster = None
    if address is None:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(address or cluster)
    try:
        items = _longest_first(todo)
        futures = client.map(execute, [c for _, c in items], key=[f"ffnn-run-{k}" for k, _ in items], pure=False)
        by_future = {f.key: k for f, (k, _) in zip(futures, items)}
        for fut in as_completed(futures):
            yield by_future[fut.key], fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _ray(todo: dict[str, dict], jobs: int, address: str | None) -> Iterator[tuple[str, dict]]:
    try:
        import ray
    except ImportError as err:
        raise ValueError("--executor ray needs Ray: pip install ray") from err
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, num_cpus=None if address else jobs, include_dashboard=False,
                 log_to_driver=False)
    try:
        remote = ray.remote(num_cpus=1)(execute)
        refs = {remote.remote(c): k for k, c in _longest_first(todo)}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield refs[done[0]], ray.get(done[0])
    finally:
        if started:
            ray.shutdown()


def _longest_first(todo: dict[str, dict]) -> list[tuple[str, dict]]:
    """Start the slowest runs first (scikit-learn at small batches, wide and deep nets) so that
    the workers finish together."""

    def cost(config: dict[str, Any]) -> float:
        if config["implementation"] == "sklearn":
            p = config["params"]
            batch = p.get("batch_size", 200)
            return 4.0 * sum(p["hidden_layer_sizes"]) * (2.0 if batch == "auto" or batch < 100 else 0.3)
        return sum(config["hidden"]) * (3.0 if config["activation"] not in ("relu", "linear") else 1.0) * (
            32 / config["batch_size"]) ** 0.5
    return sorted(todo.items(), key=lambda kv: -cost(kv[1]))


def results_document(study: StudyResult) -> dict[str, Any]:
    """``results.json``: every run in the issue's schema, plus what the report needs."""
    runs = []
    for run, res in study.runs:
        runs.append({
            "family": run.family, "name": run.name, "implementation": run.implementation,
            "setting": run.setting or None, "config": run.config,
            "test_accuracy": res["test_accuracy"], "origin_accuracy": run.origin_accuracy,
            "history": res["history"], "seconds_per_epoch": res["seconds_per_epoch"],
            "epoch_seconds": res["epoch_seconds"], "distributions": res["distributions"],
            "majority_fraction": res["majority_fraction"], "diverged": res["diverged"],
            "run_seconds": res.get("run_seconds"), "monitor": res.get("monitor"), "health": res.get("health", []),
        })
    return {
        "study": {"setting": study.setting.__dict__, "executor": study.executor, "jobs": study.jobs,
                  "python": sys.version.split()[0]},
        "runs": runs,
    }

