"""Regression verdicts: is this run slower than the baseline, or is it noise?

One number per run cannot answer that on a shared machine: a single round can be
30 % slow because another process took the core. So each benchmark keeps every
round's time, and a comparison looks at the two *distributions*:

* **Mann–Whitney U** (two-sided, from scipy) asks whether a round of one run tends to
  take longer than a round of the other, without assuming normal timings. Below the
  significance level ``alpha`` the difference is real.
* The **ratio of medians** (current / baseline) says how big it is, with a
  **bootstrap** 95 % confidence interval (percentile method, seeded, so a report is
  reproducible) to show how sure that ratio is.

The verdict is ``slower`` or ``faster`` when the test is significant, else
``no change``; with fewer than ``MIN_ROUNDS`` rounds on either side the test cannot
reach significance at all, and the verdict says ``too few rounds`` instead of
pretending. A fail rule (``--graph-bench-fail=overhead_per_node:10%``) fails the
session only when a benchmark is significantly slower *and* its median ratio exceeds
``1 + threshold``: both a real change and a big one.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import numpy as np

# scipy and numpy are imported where they are used: this module is reachable from the pytest
# plugin, and every pytest start-up would otherwise pay for scipy.stats (about 0.6 s).

__all__ = [
    "ALPHA",
    "MIN_ROUNDS",
    "Comparison",
    "FailRule",
    "compare_samples",
    "parse_fail_rules",
]

ALPHA = 0.01
MIN_ROUNDS = 5

Verdict = Literal["slower", "faster", "no change", "too few rounds"]


@dataclass(frozen=True, slots=True)
class Comparison:
    """The current samples of one benchmark against its baseline samples."""

    verdict: Verdict
    ratio: float  # median(current) / median(baseline); > 1 is slower
    ci_low: float  # bootstrap 95 % interval of that ratio
    ci_high: float
    p_value: float  # Mann–Whitney U, two-sided; 1.0 when not computed

    @property
    def change(self) -> float:
        """Relative change of the median: +0.12 is 12 % slower."""
        return self.ratio - 1.0

    def describe(self) -> str:
        if self.verdict == "too few rounds":
            return f"too few rounds ({self.change:+.1%})"
        if self.verdict == "no change":
            return f"no change ({self.change:+.1%}, p={self.p_value:.2g})"
        return (
            f"{self.verdict} {self.change:+.1%} "
            f"[{self.ci_low - 1:+.1%}, {self.ci_high - 1:+.1%}] p={self.p_value:.2g}"
        )


def compare_samples(
    current: Sequence[float],
    baseline: Sequence[float],
    *,
    alpha: float = ALPHA,
    resamples: int = 2000,
    seed: int = 0,
) -> Comparison:
    """Compare two samples of round times (seconds) of the same benchmark."""
    if not current or not baseline:
        raise ValueError("compare_samples needs samples on both sides")
    ratio = statistics.median(current) / statistics.median(baseline)
    if len(current) < MIN_ROUNDS or len(baseline) < MIN_ROUNDS:
        return Comparison("too few rounds", ratio, ratio, ratio, 1.0)
    from scipy import stats as scipy_stats

    result = scipy_stats.mannwhitneyu(current, baseline, alternative="two-sided")
    p_value = float(result.pvalue)
    if math.isnan(p_value):  # every sample identical on both sides
        p_value = 1.0
    ci_low, ci_high = _bootstrap_ratio(current, baseline, resamples=resamples, seed=seed)
    verdict: Verdict = "no change"
    if p_value < alpha:
        verdict = "slower" if ratio > 1.0 else "faster"
    return Comparison(verdict, ratio, ci_low, ci_high, p_value)


def _bootstrap_ratio(
    current: Sequence[float], baseline: Sequence[float], *, resamples: int, seed: int
) -> tuple[float, float]:
    import numpy as np
    from scipy import stats as scipy_stats

    def median_ratio(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.asarray(np.median(a, axis=axis) / np.median(b, axis=axis))

    interval = scipy_stats.bootstrap(
        (np.asarray(current), np.asarray(baseline)),
        median_ratio,
        n_resamples=resamples,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(seed),
    ).confidence_interval
    return float(interval.low), float(interval.high)


_RULE = re.compile(r"^(?P<target>[A-Za-z_*][\w*]*):(?P<percent>\d+(?:\.\d+)?)%$")


@dataclass(frozen=True, slots=True)
class FailRule:
    """Fail the session when ``target`` is significantly slower by more than ``threshold``.

    ``target`` is a metric name (``overhead_per_node``), a workload name (``chain``) or
    ``*`` for every benchmark; ``threshold`` is a fraction (0.10 for ``10%``).
    """

    target: str
    threshold: float

    def matches(self, metric: str, workload: str) -> bool:
        return self.target in ("*", metric, workload)

    def violated_by(self, comparison: Comparison) -> bool:
        return comparison.verdict == "slower" and comparison.change > self.threshold

    def __str__(self) -> str:
        return f"{self.target}:{self.threshold * 100:g}%"


def parse_fail_rules(expression: str | Iterable[str]) -> tuple[FailRule, ...]:
    """Parse ``--graph-bench-fail`` values: ``METRIC:PERCENT`` entries, comma-separated."""
    parts = [expression] if isinstance(expression, str) else list(expression)
    rules: list[FailRule] = []
    for part in parts:
        for entry in part.split(","):
            text = entry.strip()
            match = _RULE.match(text)
            if match is None:
                raise ValueError(
                    f"--graph-bench-fail: {text!r} is not METRIC:PERCENT; "
                    "write e.g. overhead_per_node:10% (or chain:10%, or *:10%)"
                )
            rules.append(FailRule(match["target"], float(match["percent"]) / 100.0))
    return tuple(rules)
