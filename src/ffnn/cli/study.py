"""``ffnn study``: run the MNIST study (cached, in parallel) and write its report."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .paths import check_output_dir


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("study", help="run the MNIST study and write report.md / report.html / results.json")
    p.add_argument("--out", type=Path, required=True, help="directory for the report, results and run cache (required)")
    p.add_argument("--quick", action="store_true",
                   help="every family on 5,000 / 1,000 images for 2 epochs (a smoke test, not a result) (default: off)")
    p.add_argument("--jobs", type=int, default=None, help="runs at a time (default: the core count)")
    p.add_argument("--executor", default="process", choices=["process", "dask", "ray"],
                   help="where runs go: local worker processes (default), a Dask or a Ray cluster")
    p.add_argument("--address", default=None,
                   help="scheduler of an existing Dask/Ray cluster (default: start a local one)")
    p.add_argument("--families", type=_names, default=None,
                   help="comma-separated subset: depth_width, activation, learning_rate, init, "
                        "regularization, rmsnorm, sklearn (default: all)")
    p.add_argument("--quiet", action="store_true", help="no progress bar (default: off)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..study import FAMILIES, run_study, write_report

    check_output_dir(args.out, "--out")
    start = time.perf_counter()
    study = run_study(args.out, quick=args.quick, families=args.families or FAMILIES, jobs=args.jobs,
                      executor=args.executor, address=args.address, progress=not args.quiet)
    paths = write_report(study, args.out)
    total = time.perf_counter() - start
    print(f"{len(study.runs)} runs ({study.computed} computed, {study.cached} from the cache) "
          f"with {study.jobs} {'job' if study.jobs == 1 else 'jobs'} on {study.executor}: "
          f"{study.wall_seconds:.1f} s; with the report {total:.1f} s")
    for path in paths.values():
        print(f"wrote {path}")
    return 0
