"""The comparison benchmark runs end to end on a tiny subset (ffnn only). Timings are never
asserted: this checks that the command, its table and its JSON work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_compare_quick_runs(tmp_path):
    out = tmp_path / "r.json"
    md = tmp_path / "perf.md"
    md.write_text("# Performance\n\n<!-- bench_compare:start -->\nold\n<!-- bench_compare:end -->\n\nafter\n")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_compare.py"), "--quick", "--frameworks", "ffnn",
         "--variants", "ffnn", "--train-samples", "2000", "--batch-sizes", "32", "--json", str(out),
         "--markdown", str(md)],
        capture_output=True, text=True, timeout=300, check=True,
    )
    assert "| 32 | ffnn |" in proc.stdout
    result = json.loads(out.read_text())
    assert {r["name"] for r in result["rows"]} == {"ffnn"}
    row = result["rows"][0]
    assert row["seconds_per_epoch"] > 0 and 0 <= row["test_accuracy"] <= 1
    text = md.read_text()
    assert "old" not in text and "| 32 | ffnn |" in text and text.endswith("after\n")
