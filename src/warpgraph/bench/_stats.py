"""Summary statistics of one benchmark's samples.

A *sample* is the wall time of one call of a workload (one ``ainvoke``, one batch of
concurrent runs), in seconds. Rounds of a benchmark give many samples; because a
shared machine adds long, rare delays (another process takes the core), the report
leads with robust statistics: the median, and the interquartile range (IQR, the
spread of the middle half) rather than the mean and standard deviation.

Quartiles come from pytest-benchmark's own ``Stats``, so the numbers in our report
and in pytest-benchmark's tables agree.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from pytest_benchmark.stats import Stats as _PytestBenchmarkStats

__all__ = ["Stats"]

# pytest-benchmark ships no annotations for its Stats; use it through Any.
PytestBenchmarkStats: Any = _PytestBenchmarkStats


class Stats:
    """Robust statistics of a non-empty sequence of samples (seconds)."""

    fields = ("rounds", "min", "max", "mean", "stddev", "median", "q1", "q3", "iqr", "ops")

    def __init__(self, samples: Sequence[float]) -> None:
        if not samples:
            raise ValueError("Stats needs at least one sample; the benchmark recorded none")
        if any(not math.isfinite(s) or s < 0 for s in samples):
            raise ValueError(f"samples must be finite non-negative seconds, got {list(samples)!r}")
        self.data: tuple[float, ...] = tuple(samples)

    @cached_property
    def sorted_data(self) -> tuple[float, ...]:
        return tuple(sorted(self.data))

    @property
    def rounds(self) -> int:
        return len(self.data)

    @property
    def min(self) -> float:
        return self.sorted_data[0]

    @property
    def max(self) -> float:
        return self.sorted_data[-1]

    @cached_property
    def mean(self) -> float:
        return statistics.fmean(self.data)

    @cached_property
    def stddev(self) -> float:
        # One sample has no spread; report 0 rather than raising, as pytest-benchmark does.
        return statistics.stdev(self.data) if self.rounds > 1 else 0.0

    @cached_property
    def median(self) -> float:
        return statistics.median(self.data)

    @cached_property
    def _quartiles(self) -> tuple[float, float]:
        # pytest-benchmark's own quartile method (Wikipedia's methods 2 and 3), so our
        # report and its tables never disagree about the same samples.
        theirs = PytestBenchmarkStats()
        for sample in self.data:
            theirs.update(sample)
        return float(theirs.q1), float(theirs.q3)

    @property
    def q1(self) -> float:
        return self._quartiles[0]

    @property
    def q3(self) -> float:
        return self._quartiles[1]

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @property
    def ops(self) -> float:
        """Calls per second at the mean, as pytest-benchmark reports it."""
        return 1.0 / self.mean if self.mean > 0 else math.inf

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.fields}

    def __repr__(self) -> str:
        return f"Stats(rounds={self.rounds}, median={self.median:.3g}, iqr={self.iqr:.3g})"
