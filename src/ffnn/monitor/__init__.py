"""Seeing training happen: a monitor that records per-layer distributions while ``fit`` runs,
and health rules that read them.

``fit(..., monitor=True)`` or ``monitor=Monitor(every=..., layers=...)`` fills
``history.monitor`` (plain data, saved with the model) and ``history.health`` (findings, also
shown as ``TrainingWarning``). ``ffnn.viz.training_dashboard`` draws both. See ``docs/monitor.md``.
"""

from .data import check_monitor_data, join
from .health import RULES, Rule
from .recorder import Monitor, Recorder, make_monitor
from .stats import PERCENTILES, histogram_edges

__all__ = ["Monitor", "Recorder", "make_monitor", "RULES", "Rule", "PERCENTILES", "histogram_edges",
           "check_monitor_data", "join"]
