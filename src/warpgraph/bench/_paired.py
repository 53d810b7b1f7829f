"""Paired ratios: two peers timed in alternating short batches, under the same conditions.

On a shared machine the speed of the CPU drifts by tens of percent over tens of
seconds (other tenants, frequency scaling, caches). Each peer's own benchmark runs
for about a second at its own moment, so dividing the medians of two peers' separate
benchmarks divides numbers taken under different conditions: the same code gave a
LangGraph ÷ warpgraph ratio of 37× in one run and 27× in the next.

A *paired* measurement times the two peers in **alternating short batches** on the
same loop in the same process, ``A B B A A B ...`` (the order flips every pair, so a
steady drift within a pair favours neither side). A batch is a few tens of
milliseconds of back-to-back calls, short against the drift, so the two batches of
a pair see the same machine and their per-call ratio is one honest sample. The
paired ratio is the **median of the per-pair ratios**, not the ratio of the two
sides' medians: a pair is a matched comparison, so a slow stretch of the machine
scales both of its batches and cancels in the pair's ratio, while the ratio of
medians would still mix pairs from fast and slow stretches; the median then discards
the pairs that a burst hit on one side only. With an odd number of pairs, the median
of the inverted ratios is exactly the inverse of the median, so ``A ÷ B`` and
``B ÷ A`` read off one measurement agree.

A percentile **bootstrap** over the pairs (resampled with replacement, seeded so a
report is reproducible) gives a 95 % interval of that median.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["PairedRatio", "alternate", "paired_ratio"]

_RESAMPLES = 2000


@dataclass(frozen=True, slots=True)
class PairedRatio:
    """A peer's time per call divided by warpgraph's, from alternating batches.

    ``ratio`` is ``peer ÷ warpgraph``: above 1 the peer is slower.
    """

    ratio: float  # median over the pairs of (peer per call) / (warpgraph per call)
    ci_low: float  # bootstrap 95 % interval of that median
    ci_high: float
    pairs: int
    calls: tuple[int, int]  # calls per batch: (peer, warpgraph)
    peer_median: float  # median seconds per call over the peer's batches
    warpgraph_median: float
    difference: float  # median over the pairs of (peer - warpgraph) seconds per call

    def inverted(self) -> PairedRatio:
        """The same measurement read the other way: ``warpgraph ÷ peer``."""
        return PairedRatio(
            ratio=1.0 / self.ratio,
            ci_low=1.0 / self.ci_high,
            ci_high=1.0 / self.ci_low,
            pairs=self.pairs,
            calls=(self.calls[1], self.calls[0]),
            peer_median=self.warpgraph_median,
            warpgraph_median=self.peer_median,
            difference=-self.difference,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["calls"] = list(self.calls)
        return {"against": "warpgraph", **data}

    @classmethod
    def from_json(cls, data: Any) -> PairedRatio | None:
        """Read a stored paired ratio; None for anything else (an older or foreign file)."""
        if not isinstance(data, Mapping) or data.get("against") != "warpgraph":
            return None
        try:
            return cls(
                ratio=float(data["ratio"]),
                ci_low=float(data["ci_low"]),
                ci_high=float(data["ci_high"]),
                pairs=int(data["pairs"]),
                calls=(int(data["calls"][0]), int(data["calls"][1])),
                peer_median=float(data["peer_median"]),
                warpgraph_median=float(data["warpgraph_median"]),
                difference=float(data["difference"]),
            )
        except (KeyError, TypeError, ValueError, IndexError):
            return None


def alternate(run_batch: Callable[[int], float], pairs: int) -> list[tuple[float, float]]:
    """Time ``pairs`` pairs of batches, side 0 and side 1 in alternating order.

    ``run_batch(side)`` runs one batch of that side and returns its duration. Pair 0
    runs side 0 first, pair 1 side 1 first, and so on: ``0 1 1 0 0 1 ...``. Returns
    ``(side 0 seconds, side 1 seconds)`` per pair.
    """
    if pairs < 1:
        raise ValueError(f"alternate needs at least one pair, got pairs={pairs}")
    times = []
    for index in range(pairs):
        order = (0, 1) if index % 2 == 0 else (1, 0)
        seconds = {side: run_batch(side) for side in order}
        times.append((seconds[0], seconds[1]))
    return times


def paired_ratio(
    times: Sequence[tuple[float, float]], calls: tuple[int, int], *, seed: int = 0
) -> PairedRatio:
    """The paired ratio of batch times ``(peer, warpgraph)`` with ``calls`` per batch."""
    per_call = [(peer / calls[0], ours / calls[1]) for peer, ours in times]
    if not per_call or any(ours <= 0 or peer < 0 for peer, ours in per_call):
        raise ValueError(
            f"paired_ratio needs positive batch times on both sides, got {list(times)!r}; "
            "a timer too coarse for the batch length reads 0"
        )
    ratios = [peer / ours for peer, ours in per_call]
    low, high = _bootstrap_median(ratios, seed=seed)
    return PairedRatio(
        ratio=statistics.median(ratios),
        ci_low=low,
        ci_high=high,
        pairs=len(ratios),
        calls=calls,
        peer_median=statistics.median(peer for peer, _ in per_call),
        warpgraph_median=statistics.median(ours for _, ours in per_call),
        difference=statistics.median(peer - ours for peer, ours in per_call),
    )


def _bootstrap_median(values: Sequence[float], *, seed: int) -> tuple[float, float]:
    """Percentile bootstrap 95 % interval of the median of ``values``."""
    generator = random.Random(seed)
    medians = sorted(
        statistics.median(generator.choices(values, k=len(values))) for _ in range(_RESAMPLES)
    )
    # Nearest-rank percentiles: each bound is a median actually seen in a resample.
    low = medians[max(0, math.ceil(0.025 * _RESAMPLES) - 1)]
    high = medians[min(_RESAMPLES - 1, math.ceil(0.975 * _RESAMPLES) - 1)]
    return low, high
