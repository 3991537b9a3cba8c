"""The numbers a monitor keeps of one array: TensorBoard's nine percentiles, a histogram over
their range, the share of values near zero, the norm.

TensorBoard's distributions view draws the percentiles 0, 7, 16, 31, 50, 69, 84, 93 and 100
(for a normal distribution: the minimum, mean - 1.5σ, - σ, - 0.5σ, the median, + 0.5σ, + σ,
+ 1.5σ and the maximum), so the shaded bands between pairs of them show the shape of a
distribution over time. The histogram has ``bins`` equal bins from the minimum to the maximum
(percentiles 0 and 100), so only its counts are stored: the edges follow from the range.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["PERCENTILES", "NEAR_ZERO", "summarise", "histogram_edges", "norm", "rounded", "rounded_list"]

PERCENTILES = (0, 7, 16, 31, 50, 69, 84, 93, 100)
NEAR_ZERO = 1e-3  # |x| below this counts as (nearly) zero, as in the study's histograms


def rounded(x: float | None, digits: int = 6) -> float | None:
    """``x`` to ``digits`` significant digits (short JSON), or ``None`` when not finite."""
    if x is None:
        return None
    x = float(x)
    return float(f"{x:.{digits}g}") if math.isfinite(x) else None


def rounded_list(values: np.ndarray, digits: int = 4) -> list[float | None]:
    """Every value to ``digits`` significant digits, vectorised (non-finite values become ``None``)."""
    a = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(a)
    out = np.where(finite, a, 0.0)
    nz = out != 0
    if nz.any():
        v = out[nz]
        e = (digits - 1 - np.floor(np.log10(np.abs(v)))).astype(np.int64)
        up = e >= 0  # scale by a power of ten held exactly as an integer, so the result prints short
        p = 10.0 ** np.abs(e)
        out[nz] = np.where(up, np.round(v * p) / p, np.round(v / p) * p)
    result = out.tolist()
    if not finite.all():
        for i in np.flatnonzero(~finite):
            result[i] = None
    return result


def summarise(values: np.ndarray, bins: int) -> dict[str, Any]:
    """``{"percentiles": [9 numbers], "histogram": [bins counts], "near_zero": share}`` of the
    finite values of ``values`` (any shape); ``None`` fields when none is finite.

    One sort gives all three: the percentiles by NumPy's default (linear) interpolation, the
    histogram's counts and the near-zero count by binary search in the sorted values."""
    a = np.asarray(values).ravel()
    if a.dtype.kind != "f" or a.dtype.itemsize < 4:
        a = a.astype(np.float64)
    a = np.sort(a)  # NaN sorts last
    if a.size and not (np.isfinite(a[0]) and np.isfinite(a[-1])):
        a = a[np.isfinite(a)]
    n = a.size
    if n == 0:
        return {"percentiles": None, "histogram": None, "near_zero": None}
    pos = np.asarray(PERCENTILES, dtype=np.float64) / 100 * (n - 1)  # linear interpolation between ranks
    low = np.floor(pos).astype(np.intp)
    high = np.minimum(low + 1, n - 1)
    lo_v, hi_v = a[low].astype(np.float64), a[high].astype(np.float64)
    q = lo_v + (hi_v - lo_v) * (pos - low)
    lo, hi = float(a[0]), float(a[-1])
    if hi > lo:
        edges = np.linspace(lo, hi, bins + 1)
        # counts of each bin [e_i, e_i+1), the last closed, as numpy.histogram counts them
        cuts = np.searchsorted(a, edges[1:-1].astype(a.dtype), side="left")
        counts = np.diff(np.concatenate(([0], cuts, [n])))
    else:  # one value: everything in the middle bin
        counts = np.zeros(bins, dtype=np.int64)
        counts[bins // 2] = n
    near = np.searchsorted(a, NEAR_ZERO, side="left") - np.searchsorted(a, -NEAR_ZERO, side="right")
    return {"percentiles": [rounded(v) for v in q], "histogram": [int(c) for c in counts],
            "near_zero": rounded(near / n, 4)}


def histogram_edges(percentiles: list[float], bins: int) -> np.ndarray:
    """The ``bins + 1`` edges of a stored histogram: equal steps from its minimum to its maximum
    (half a unit either side of a single value)."""
    lo, hi = percentiles[0], percentiles[-1]
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, bins + 1)


def norm(a: np.ndarray) -> float:
    """The Euclidean (Frobenius) norm, computed in float64 so float32 squares cannot overflow."""
    flat = np.asarray(a).ravel()
    return float(np.sqrt(np.dot(flat.astype(np.float64), flat.astype(np.float64))))
