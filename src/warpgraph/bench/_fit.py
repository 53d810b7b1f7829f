"""How cost grows with size: a fit of each size series.

A *size series* is one workload on one peer at several sizes (a chain of 10, 100 and
1000 nodes). Two numbers summarise it:

* the **slope** of a least-squares line ``time = intercept + slope * size``: the
  marginal cost of one more node (run, item, key), free of the fixed cost of a call
  that a per-node average at small sizes would smear in;
* the **growth exponent** ``k`` of ``time ~ size**k`` between the two largest sizes,
  where the fixed cost matters least. ``k`` near 1 is linear growth; ``k`` well above
  1 means something costs more per node as the graph grows (a quadratic scan, say).

The verdict reads the exponent: ``linear`` for 0.85 <= k <= 1.15, ``superlinear``
above, ``sublinear`` below (the fixed cost still dominates: the series is too short
or the per-unit cost too small to see).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["LINEAR_BAND", "Fit", "fit_series"]

LINEAR_BAND = (0.85, 1.15)

Growth = Literal["linear", "superlinear", "sublinear"]


@dataclass(frozen=True, slots=True)
class Fit:
    """The fit of one size series; times in seconds, sizes in the workload's unit."""

    sizes: tuple[int, ...]
    times: tuple[float, ...]
    slope: float  # seconds per unit of size
    intercept: float  # seconds per call at size zero (the fixed cost)
    r_squared: float
    exponent: float  # k in time ~ size**k between the two largest sizes
    growth: Growth

    def describe(self) -> str:
        return f"{self.growth} (k={self.exponent:.2f}, R²={self.r_squared:.3f})"


def fit_series(sizes: Sequence[int], times: Sequence[float]) -> Fit:
    """Fit ``times`` (median seconds per call) against ``sizes``; needs two distinct sizes."""
    if len(sizes) != len(times):
        raise ValueError(
            f"fit_series needs one time per size, got {len(sizes)} sizes and {len(times)} times"
        )
    pairs = sorted(zip(sizes, times, strict=True))
    if len({size for size, _ in pairs}) < 2:
        raise ValueError(f"fit_series needs at least two distinct sizes, got {list(sizes)!r}")
    if any(size <= 0 or time <= 0 for size, time in pairs):
        raise ValueError(f"sizes and times must be positive, got {pairs!r}")
    xs = [float(size) for size, _ in pairs]
    ys = [time for _, time in pairs]
    slope, intercept, r_squared = _least_squares(xs, ys)
    (x1, y1), (x2, y2) = pairs[-2], pairs[-1]
    exponent = math.log(y2 / y1) / math.log(x2 / x1)
    low, high = LINEAR_BAND
    growth: Growth = "linear"
    if exponent > high:
        growth = "superlinear"
    elif exponent < low:
        growth = "sublinear"
    return Fit(
        sizes=tuple(int(x) for x in xs),
        times=tuple(ys),
        slope=slope,
        intercept=intercept,
        r_squared=r_squared,
        exponent=exponent,
        growth=growth,
    )


def _least_squares(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    n = len(xs)
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    ss_tot = sum((y - mean_y) ** 2 for y in ys)
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    # A flat series (every time equal) is fitted perfectly by a horizontal line.
    r_squared = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    return slope, intercept, r_squared
