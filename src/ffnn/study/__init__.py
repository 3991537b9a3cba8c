"""The MNIST study: the origin report's experiments, reproduced, compared and reported.

``run_study(out)`` computes every run (cached, in parallel); ``write_report(study, out)``
writes ``report.md``, ``report.html`` and ``results.json``. The command line is
``ffnn study --out DIR``. Needs scikit-learn and matplotlib (``pip install -e ".[study]"``).
"""

from .families import FAMILIES, FULL, QUICK, Run, Setting, build_runs
from .runner import EXECUTORS, StudyResult, run_study

__all__ = ["FAMILIES", "FULL", "QUICK", "Run", "Setting", "build_runs", "EXECUTORS", "StudyResult",
           "run_study", "write_report"]


def write_report(study, out):
    """Write ``results.json``, ``report.md`` and ``report.html`` into ``out``; return their paths."""
    from .report import write_report as _write

    return _write(study, out)
