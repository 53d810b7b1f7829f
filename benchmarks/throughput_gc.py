"""Where the time of 10,000 concurrent runs goes: scheduling, and CPython's cyclic GC.

Run it as a plain script (pytest collects nothing from it)::

    .venv/bin/python benchmarks/throughput_gc.py [--runs 10000] [--rounds 5]
        [--peers warpgraph,asyncio] [--gc on|off|freeze] [--threshold N] [--lean]

It runs the throughput workload of ``make bench`` (``warpgraph.bench._throughput``:
N concurrent runs of START -> three tools that each sleep 1 s of virtual time ->
a waiting-edge join) on one ``VirtualTimeLoop``, round after round, peers
interleaved, and prints per round the process time, the collections per
generation and the seconds spent in each generation's collections (measured with
``gc.callbacks``). Then it prints, per peer, the GC-tracked objects and the
references the collector walks per run in flight, counted half-way through a run.

``--gc off`` disables the collector during the rounds; ``--gc freeze`` freezes the
heap that exists before them (``gc.freeze()``), as a process that holds nothing
else would see it. ``--threshold N`` sets the young generation's threshold
(``gc.set_threshold(N)``, CPython 3.11/3.12's default 700) during the rounds: the
tuning a service that keeps thousands of runs in flight may choose. By default
LangGraph, SciPy and matplotlib are imported first, so the heap resembles the
benchmark process's; ``--lean`` skips them. Absolute
times drift with this shared machine: compare peers within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from warpgraph.bench._throughput import _one_run
from warpgraph.testing import VirtualTimeLoop

HEAVY_IMPORTS = ("langgraph.graph", "scipy.stats", "matplotlib.pyplot")


class GcTimer:
    """Seconds spent in collections, per generation, while installed."""

    def __init__(self) -> None:
        self.seconds: Counter[int] = Counter()
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds[info["generation"]] += time.process_time() - self._started


def one_round(loop: asyncio.AbstractEventLoop, one: Callable[[], Any], runs: int) -> dict[str, Any]:
    """Run ``runs`` concurrent runs once: process seconds, collections, GC seconds."""

    async def many() -> list[Any]:
        return list(await asyncio.gather(*(one() for _ in range(runs))))

    before = [stats["collections"] for stats in gc.get_stats()]
    timer = GcTimer()
    gc.callbacks.append(timer)
    try:
        started = time.process_time()
        loop.run_until_complete(many())
        seconds = time.process_time() - started
    finally:
        gc.callbacks.remove(timer)
    after = [stats["collections"] for stats in gc.get_stats()]
    return {
        "seconds": seconds,
        "collections": [b - a for a, b in zip(before, after, strict=True)],
        "gc_seconds": [timer.seconds[generation] for generation in range(3)],
    }


def census(
    loop: asyncio.AbstractEventLoop, one: Callable[[], Any], runs: int
) -> tuple[float, float]:
    """GC-tracked objects and references per run, with ``runs`` runs half-way through."""
    gc.collect()
    known = {id(obj) for obj in gc.get_objects()}
    counted: list[float] = []

    async def probe() -> None:
        pending = asyncio.gather(*(one() for _ in range(runs)))
        await asyncio.sleep(0.5)  # virtual: every run is waiting on its tools
        # (`known` itself is a tracked set of every earlier object's id: not the runs')
        fresh = [obj for obj in gc.get_objects() if id(obj) not in known and obj is not known]
        references = sum(len(gc.get_referents(obj)) for obj in fresh)
        counted.extend((len(fresh) / runs, references / runs))
        del fresh
        await pending

    loop.run_until_complete(probe())
    return counted[0], counted[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--peers", default="warpgraph,asyncio")
    parser.add_argument("--gc", choices=("on", "off", "freeze"), default="on")
    parser.add_argument("--threshold", type=int, help="gc.set_threshold(N) during the rounds")
    parser.add_argument("--lean", action="store_true", help="do not import LangGraph etc.")
    args = parser.parse_args()
    if not args.lean:
        for name in HEAVY_IMPORTS:
            try:
                importlib.import_module(name)
            except ImportError:
                print(f"({name} is not installed: not imported)")
    peers = {peer: _one_run(peer) for peer in args.peers.split(",")}
    loop = VirtualTimeLoop()
    for one in peers.values():  # warm-up: first-call costs are not per-run costs
        one_round(loop, one, args.runs)
    gc.collect()
    print(f"heap before the rounds: {len(gc.get_objects()):,} tracked objects; gc {args.gc}")
    thresholds = gc.get_threshold()
    if args.threshold is not None:
        gc.set_threshold(args.threshold, *thresholds[1:])
        print(f"young-generation threshold {args.threshold} (was {thresholds[0]})")
    if args.gc == "off":
        gc.disable()
    elif args.gc == "freeze":
        gc.freeze()
    seconds: dict[str, list[float]] = {peer: [] for peer in peers}
    try:
        for number in range(1, args.rounds + 1):
            for peer, one in peers.items():
                result = one_round(loop, one, args.runs)
                seconds[peer].append(result["seconds"])
                gc_seconds = ", ".join(f"{s:.3f}" for s in result["gc_seconds"])
                print(
                    f"round {number} {peer:>9}: {result['seconds']:.3f} s; collections "
                    f"per generation {result['collections']}, in them [{gc_seconds}] s"
                )
    finally:
        gc.set_threshold(*thresholds)
        gc.enable()
        gc.unfreeze()
    for peer, one in peers.items():
        objects, references = census(loop, one, args.runs)
        print(
            f"{peer:>9}: median {statistics.median(seconds[peer]):.3f} s; per run in flight "
            f"{objects:.1f} tracked objects, {references:.1f} references"
        )
    loop.close()


if __name__ == "__main__":
    main()
