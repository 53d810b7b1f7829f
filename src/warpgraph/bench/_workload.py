"""What a benchmark measures: a workload, at a size, on a peer.

A *workload* is one computation (a chain of trivial nodes, a fan-out, 1,000
concurrent runs...) that every peer performs identically, at several *sizes* (nodes,
branches, items, runs). Preparing a workload for one peer and size builds its graph
once, outside the timing, and returns a ``Prepared``: the async ``call`` that the
driver times, and a ``check`` that the driver runs on the first result so a peer that
computes the wrong answer fails the benchmark instead of winning it.

A *case* is one (workload, peer, size) triple: one row of the report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from warpgraph.bench._peers import PEERS

__all__ = ["Call", "Case", "Clock", "Prepared", "Workload", "virtual_elapsed"]

Call = Callable[[], Awaitable[Any]]
Clock = Literal["real", "virtual"]


def _no_extras() -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class Prepared:
    """One workload ready to run on one peer at one size."""

    call: Call
    check: Callable[[Any], None]  # raises AssertionError naming what is wrong
    # Metrics beyond time that the workload observed while running (virtual
    # makespan, memory); read once after the timed rounds.
    extras: Callable[[], Mapping[str, Any]] = _no_extras


@dataclass(frozen=True, slots=True)
class Workload:
    """A computation measured on every peer at every size of a series."""

    name: str  # short id used in test ids and fail rules: "chain"
    title: str  # what a reader sees: "Chain of trivial nodes"
    metric: str  # the per-unit metric name used by fail rules: "overhead_per_node"
    unit: str  # what a size counts: "node"
    sizes: tuple[int, ...]
    quick_sizes: tuple[int, ...]
    prepare: Callable[[str, int], Prepared]  # (peer, size) -> Prepared
    group: str = "scheduler"  # report section: scheduler, throughput, agents
    peers: tuple[str, ...] = PEERS
    clock: Clock = "real"
    # Rounds are calibrated to fill a time budget; a slow case still gets this many.
    min_rounds: int = 5
    # Measure tracemalloc's peak per unit (once, outside the timed rounds) at sizes up to
    # this one; tracing makes every allocation several times slower, so not beyond.
    memory_up_to: int = 0
    # Time one extra call with the cyclic GC off (see Driver), to show its share.
    gc_probe: bool = False
    description: str = ""
    # Largest size measured per peer, with the reason shown when a case is skipped:
    # LangGraph takes about 100 s per round for 10,000 concurrent runs.
    max_size: Mapping[str, tuple[int, str]] = field(default_factory=dict)

    def unavailable(self, peer: str, size: int) -> str | None:
        """Why this peer is not measured at this size, or None if it is."""
        limit = self.max_size.get(peer)
        if limit is not None and size > limit[0]:
            return f"{self.name} on {peer} is measured up to {limit[0]:,} {self.unit}s: {limit[1]}"
        return None

    def cases(self, *, quick: bool, peers: tuple[str, ...]) -> list[Case]:
        sizes = self.quick_sizes if quick else self.sizes
        return [Case(self, peer, size) for size in sizes for peer in self.peers if peer in peers]


@dataclass(frozen=True, slots=True)
class Case:
    """One workload on one peer at one size: one row of the report."""

    workload: Workload
    peer: str
    size: int

    @property
    def id(self) -> str:
        return f"{self.workload.name}-{self.size}-{self.peer}"

    @property
    def label(self) -> str:
        return f"{self.workload.name} {self.size} {self.workload.unit}s on {self.peer}"


async def virtual_elapsed(run: Call) -> tuple[Any, float]:
    """``(await run(), seconds of loop time it took)``, exact to the tick on the virtual loop.

    The virtual-time loop counts integer ticks; its clock's ``measure()`` reads them, so
    7.5 s of calls is ``7.5`` and never ``7.499999999999999`` (a float difference of two
    large loop times would drift).
    """
    loop = asyncio.get_running_loop()
    clock = getattr(loop, "clock", None)
    if clock is not None and hasattr(clock, "measure"):
        with clock.measure() as measured:
            result = await run()
        return result, float(measured.elapsed)
    start = loop.time()
    result = await run()
    return result, loop.time() - start
