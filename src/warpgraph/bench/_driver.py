"""The measurement driver: times async workloads with pytest-benchmark.

pytest-benchmark times synchronous functions, and an ``await`` cannot be timed from
outside a running loop. So the driver keeps **one persistent event loop** per kind of
clock for the whole session (a plain asyncio loop, and warpgraph's virtual-time loop
for workloads that wait in virtual time), and hands pytest-benchmark a sync function
that runs one *round* on it with ``loop.run_until_complete``.

Starting a loop run costs about 15 µs, as much as a whole ten-node run of a fast
scheduler; so a round runs ``calls_per_round`` calls back to back inside one
coroutine, enough to make a round last a few milliseconds, and every sample is a
round's time divided by its calls (what pytest-benchmark calls *iterations*).

For each case the driver

1. makes one call and checks its result (a peer that computes the wrong answer fails
   instead of winning), which also warms up caches and the loop;
2. times a second call to choose ``calls_per_round`` and, from a time budget, how many
   rounds to run (at least the workload's ``min_rounds``);
3. lets pytest-benchmark run the rounds (``benchmark.pedantic``);
4. reads the workload's extra metrics, and measures memory once if asked.

``Driver.pair`` then times a peer against warpgraph in alternating short batches on
the same loop, for a ratio that the machine's drift cannot skew (see ``_paired``).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from warpgraph.bench._paired import PairedRatio, alternate, paired_ratio
from warpgraph.bench._peers import PeerUnavailable
from warpgraph.bench._throughput import measure_memory
from warpgraph.bench._workload import Call, Clock, Prepared

__all__ = ["Budget", "Driver", "Measurement", "Progress"]

# Told what is about to run and its estimated duration in seconds.
Progress = Callable[[str, float], None]


class BenchmarkFixture(Protocol):
    """The part of pytest-benchmark's ``benchmark`` fixture the driver uses."""

    def pedantic(
        self,
        target: Callable[[], Any],
        *,
        rounds: int,
        warmup_rounds: int,
        iterations: int,
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class Budget:
    """How long to spend timing one case, and the bounds on its rounds."""

    seconds: float = 1.0  # real time for the timed rounds of one case
    round_seconds: float = 0.002  # a round at least this long amortises run_until_complete
    max_rounds: int = 200
    max_calls_per_round: int = 1000
    # Paired ratios (Driver.pair): each batch this long, at most pair_seconds per case
    # but never fewer than min_pairs pairs; pair counts are odd (see _paired).
    pair_batch_seconds: float = 0.025
    pair_seconds: float = 2.0
    # At least 15: a case whose batch is one slow call (LangGraph at 1,000 nodes) gets
    # no more than the minimum, and with 11 pairs one disturbed pair was enough to
    # stretch the median's bootstrap interval to 7-50x.
    min_pairs: int = 15
    max_pairs: int = 21

    def plan(self, call_seconds: float, min_rounds: int) -> tuple[int, int]:
        """``(calls_per_round, rounds)`` for a call that takes ``call_seconds``."""
        call_seconds = max(call_seconds, 1e-7)
        calls = max(1, min(self.max_calls_per_round, math.ceil(self.round_seconds / call_seconds)))
        rounds = int(self.seconds / (calls * call_seconds))
        return calls, max(min_rounds, min(self.max_rounds, rounds))

    def batch_calls(self, call_seconds: float) -> int:
        """Calls in one batch of a paired measurement, for a call of ``call_seconds``."""
        wanted = round(self.pair_batch_seconds / max(call_seconds, 1e-7))
        return max(1, min(self.max_calls_per_round * 10, wanted))

    def pairs(self, pair_seconds: float) -> int:
        """How many pairs of batches, each pair lasting ``pair_seconds``: an odd number."""
        wanted = int(self.pair_seconds / max(pair_seconds, 1e-9))
        pairs = max(self.min_pairs, min(self.max_pairs, wanted))
        return pairs if pairs % 2 else pairs - 1 if pairs > self.min_pairs else pairs + 1


@dataclass(frozen=True, slots=True)
class Measurement:
    """The timed result of one case: seconds per call, one sample per round."""

    samples: tuple[float, ...]
    calls_per_round: int
    first_call: float  # the checked warm-up call, seconds
    extras: Mapping[str, Any] = field(default_factory=dict)


class Driver:
    """Runs prepared workloads on persistent loops; close it at the end of the session."""

    def __init__(
        self,
        budget: Budget | None = None,
        progress: Progress | None = None,
        timer: Callable[[], float] = time.process_time,
    ) -> None:
        self.budget = budget or Budget()
        self.progress: Progress = progress or (lambda message, seconds: None)
        # Times the batches of a paired measurement (pytest-benchmark times the rounds);
        # the session sets it to the same clock as pytest-benchmark's.
        self.timer = timer
        self._loops: dict[Clock, asyncio.AbstractEventLoop] = {}

    def loop(self, clock: Clock) -> asyncio.AbstractEventLoop:
        if clock not in self._loops:
            self._loops[clock] = _new_loop(clock)
        return self._loops[clock]

    def close(self) -> None:
        for loop in self._loops.values():
            loop.close()
        self._loops.clear()

    def measure(
        self,
        prepared: Prepared,
        benchmark_fixture: Callable[[], BenchmarkFixture],
        *,
        label: str,
        clock: Clock = "real",
        min_rounds: int = 5,
        memory_units: int | None = None,
        gc_probe: bool = False,
    ) -> Measurement:
        """Check, calibrate and time ``prepared`` through pytest-benchmark's fixture.

        ``benchmark_fixture`` returns the fixture when called (in pytest,
        ``lambda: request.getfixturevalue("benchmark")``).
        """
        loop = self.loop(clock)
        started = time.perf_counter()
        prepared.check(loop.run_until_complete(prepared.call()))
        first_call = time.perf_counter() - started
        estimate = first_call
        if first_call < self.budget.seconds / 2:
            # The first call paid for warm-up; time a second one to plan the rounds.
            started = time.perf_counter()
            loop.run_until_complete(prepared.call())
            estimate = time.perf_counter() - started
        calls, rounds = self.budget.plan(estimate, min_rounds)
        planned = rounds * calls * estimate
        self.progress(
            f"{label}: {rounds} rounds x {calls} call{'s' * (calls > 1)}, ~{planned:.1f} s",
            planned,
        )
        batch = _batch(prepared.call, calls)

        def one_round() -> None:
            # The round's outputs go as soon as it ends: pytest-benchmark keeps the value
            # a round returns until the next round has run, and the outputs of 10,000
            # runs kept alive through the next 10,000 would time the allocator's
            # fragmentation (warpgraph builds them as its runs end: 30 % slower rounds).
            loop.run_until_complete(batch())

        # Asked for only now: a case that failed its check or cannot run never makes
        # pytest-benchmark warn that its fixture went unused.
        benchmark = benchmark_fixture()
        benchmark.pedantic(
            one_round,
            rounds=rounds,
            warmup_rounds=0,
            iterations=1,
        )
        round_times = _round_times(benchmark)
        extras = dict(prepared.extras())
        if gc_probe:
            self.progress(f"{label}: one more call with the cyclic GC off", estimate)
            extras["time_without_gc"] = _time_without_gc(prepared.call, loop)
        if memory_units:
            self.progress(f"{label}: measuring memory with tracemalloc", 3 * estimate)
            extras["peak_bytes_per_unit"] = measure_memory(
                prepared.call, loop.run_until_complete, memory_units
            )
        return Measurement(
            samples=tuple(t / calls for t in round_times),
            calls_per_round=calls,
            first_call=first_call,
            extras=extras,
        )

    def pair(
        self, peer: Prepared, warpgraph: Prepared, *, label: str, clock: Clock = "real"
    ) -> PairedRatio:
        """``peer ÷ warpgraph`` per call, from alternating batches on the same loop.

        Both calls are checked first (warpgraph's call is fresh here); each side then
        runs one calibration batch, which also warms it up, to size its batches to
        about ``budget.pair_batch_seconds``.
        """
        loop = self.loop(clock)
        warpgraph.check(loop.run_until_complete(warpgraph.call()))
        peer.check(loop.run_until_complete(peer.call()))
        sides = (peer.call, warpgraph.call)
        calls = [self.budget.batch_calls(self._time(call, 1, loop)) for call in sides]
        per_call = [self._time(call, n, loop) / n for call, n in zip(sides, calls, strict=True)]
        calls = [self.budget.batch_calls(seconds) for seconds in per_call]
        pair_seconds = sum(n * s for n, s in zip(calls, per_call, strict=True))
        pairs = self.budget.pairs(pair_seconds)
        self.progress(
            f"{label}: {pairs} alternating pairs of batches against warpgraph, "
            f"~{pairs * pair_seconds:.1f} s",
            pairs * pair_seconds,
        )
        batches = [_batch(call, n) for call, n in zip(sides, calls, strict=True)]

        def run_batch(side: int) -> float:
            started = self.timer()
            loop.run_until_complete(batches[side]())
            return self.timer() - started

        return paired_ratio(alternate(run_batch, pairs), (calls[0], calls[1]))

    def _time(self, call: Call, calls: int, loop: asyncio.AbstractEventLoop) -> float:
        batch = _batch(call, calls)
        started = self.timer()
        loop.run_until_complete(batch())
        return self.timer() - started


def _time_without_gc(call: Call, loop: asyncio.AbstractEventLoop) -> float:
    """CPU seconds of one call with the cyclic garbage collector switched off.

    With thousands of runs in flight, every collection walks every live object, so
    collections cost more the more runs are in flight. This probe separates that
    CPython cost from the scheduler's own.
    """
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        loop.run_until_complete(call())
        return time.process_time() - started
    finally:
        gc.enable()


def _batch(call: Call, calls: int) -> Callable[[], Any]:
    if calls == 1:
        return call

    async def batch() -> None:
        for _ in range(calls):
            await call()

    return batch


def _round_times(benchmark: Any) -> list[float]:
    # After pedantic(), pytest-benchmark keeps the rounds in ``benchmark.stats.stats.data``
    # (Metadata -> Stats); with ``--benchmark-disable`` it runs the target once and keeps none.
    metadata = getattr(benchmark, "stats", None)
    data = getattr(getattr(metadata, "stats", None), "data", None)
    if not data:
        raise RuntimeError(
            "pytest-benchmark recorded no rounds; graph-bench needs it enabled "
            "(remove --benchmark-disable / --benchmark-skip)"
        )
    return [float(value) for value in data]


def _new_loop(clock: Clock) -> asyncio.AbstractEventLoop:
    if clock == "real":
        return asyncio.new_event_loop()
    # Looked up by name: the harness is optional for timing plain-loop workloads.
    factory = getattr(importlib.import_module("warpgraph.testing"), "VirtualTimeLoop", None)
    if factory is None:
        raise PeerUnavailable(
            "warpgraph.testing.VirtualTimeLoop is not available; virtual-time workloads need it"
        )
    loop: asyncio.AbstractEventLoop = factory()
    return loop
