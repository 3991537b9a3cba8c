"""The shape-grid benchmark runs end to end in its --quick mode (ffnn alone, so the test needs
neither PyTorch nor scikit-learn). Timings are never asserted: this checks the command, its
table, its JSON and its markdown section."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_grid_quick_runs(tmp_path):
    out = tmp_path / "grid.json"
    md = tmp_path / "perf.md"
    md.write_text("# Performance\n\n<!-- bench_grid:start -->\nold\n<!-- bench_grid:end -->\n\nafter\n")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_grid.py"), "--quick", "--frameworks", "ffnn",
         "--json", str(out), "--heatmap", "", "--markdown", str(md)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    assert "| 32 | 1 | 64 |" in proc.stdout
    result = json.loads(out.read_text())
    assert [(r["width"], r["depth"], r["batch_size"]) for r in result["rows"]] == [(32, 1, 64), (128, 1, 64)]
    for row in result["rows"]:
        assert row["ffnn_seconds_per_epoch"] > 0 and row["floor_seconds_per_epoch"] > 0
        assert "torch_seconds_per_epoch" not in row
    assert out.with_suffix(".md").read_text().startswith("| width |")
    text = md.read_text()
    assert "old" not in text and "| 32 | 1 | 64 |" in text and text.endswith("after\n")
