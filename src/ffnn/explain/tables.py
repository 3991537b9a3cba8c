"""Small helpers that write arrays as page tables: shapes, full matrices, summary statistics."""

from __future__ import annotations

import numpy as np

from .formulas import Numbers
from .render import Table

__all__ = ["shape_of", "matrix_table", "stats_table"]


def shape_of(a: np.ndarray) -> str:
    return "(" + "×".join(str(d) for d in np.shape(a)) + ")"


def matrix_table(m: np.ndarray, caption: str, row_name: str, col_name: str, num: Numbers) -> Table:
    m = np.atleast_2d(m)
    header = [row_name] + [f"{col_name} {j}" if col_name else str(j) for j in range(m.shape[1])]
    rows = [[str(i)] + [num(v) for v in row] for i, row in enumerate(m)]
    return Table(header, rows, caption=f"{caption} {shape_of(m)}")


def stats_table(quantities: list[tuple[str, np.ndarray]], num: Numbers, top: bool = False) -> Table:
    header = ["array", "shape", "min", "max", "‖·‖"] + (["strongest units (|mean over rows|)"] if top else [])
    rows = []
    for name, arr in quantities:
        arr = np.asarray(arr)
        row = [name, shape_of(arr), num(arr.min()), num(arr.max()), num(np.linalg.norm(arr))]
        if top:
            per_unit = np.abs(np.atleast_2d(arr)).mean(axis=0)
            best = np.argsort(-per_unit, kind="stable")[:5]
            row.append(", ".join(f"{j}: {num(per_unit[j])}" for j in best))
        rows.append(row)
    return Table(header, rows)
