"""Engine overhead: warpgraph against LangGraph and a hand-written asyncio floor, paired.

Run it as a plain script (it has no test functions, so pytest collects nothing)::

    .venv/bin/python benchmarks/bench_overhead.py [--quick] [--timer cpu|wall]

Every workload runs the *same* async node functions three ways: compiled with
warpgraph, compiled with LangGraph, and called by a hand-written asyncio loop (the
*floor*: what the nodes themselves cost). The nodes do no I/O, so what an engine
adds over the floor is pure runtime overhead. The graphs, floors and result checks
are the benchmark module's own (``warpgraph.bench``'s ``chain`` and ``fanout``
workloads), so this script and ``make bench`` measure the very same code:

* ``chain-3``, ``chain-100``: n nodes in a line, each returning ``x + 1``;
* ``fan-out-10``: split -> 10 parallel branches -> a waiting-edge join (12 nodes);
* ``1000x chain-3``: 1,000 concurrent ``chain-3`` runs under one ``asyncio.gather``
  (the module has no plain-loop equivalent; its throughput workload waits in virtual
  time), every one of the 1,000 results checked.

**Pairing.** This shared machine's speed drifts by 30-60 % within tens of seconds, so
peers timed one after the other give ratios that move between runs. Each peer is
therefore timed *against warpgraph* with the module's ``Driver.pair``: after checking
both results it calibrates each side to batches of about 25 ms of back-to-back calls
(10 ms with ``--quick``; one call when a call takes longer), then times an odd number
of pairs of batches (11-31; 5-9 with ``--quick``) on one event loop in alternating
order (``A B B A ...``), and ``paired_ratio`` summarises them (see
``warpgraph/bench/_paired.py``). By default batches are timed in this process's CPU
time (``time.process_time``, as ``make bench`` does), which other tenants cannot
inflate; ``--timer wall`` uses ``time.perf_counter``.

**Columns** (all per call, i.e. one ``ainvoke``, or one gather of 1,000 of them):

* ``asyncio``, ``warpgraph``, ``langgraph``: the median over that side's batches of
  its time per call. The floor's and warpgraph's come from their pairing; LangGraph's
  from its own. Absolute times still drift with the machine; read them as a scale.
* ``wg/asyncio``, ``lg/wg``: the paired ratio, the median over the pairs of the two
  batches' per-call ratio, with its seeded bootstrap 95 % interval in brackets.
* ``wg/node``: the median over the floor pairing's pairs of (warpgraph - asyncio)
  seconds per call, divided by the node executions per call: fully paired.
* ``lg/node``: (the median over the LangGraph pairing's pairs of (LangGraph -
  warpgraph)) + (the ``wg/node`` difference), divided by the node executions: a sum
  of two paired medians taken at different moments, so a little less exact than
  ``wg/node``; next to LangGraph's own overhead the error is small.

Without LangGraph installed, only the floor is compared and the LangGraph columns say
why they are empty.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from warpgraph.bench import (
    SCHEDULER_WORKLOADS,
    Budget,
    Driver,
    PairedRatio,
    PeerUnavailable,
    Prepared,
)

__all__ = [
    "FULL",
    "QUICK",
    "WORKLOADS",
    "OverheadRow",
    "OverheadWorkload",
    "concurrently",
    "measure",
    "report",
]

# Batches of ~25 ms, as `make bench`; more pairs than its 2 s per case, for the README.
FULL = Budget(pair_batch_seconds=0.025, pair_seconds=3.0, min_pairs=11, max_pairs=31)
# A quick look: the slowest case (1,000 concurrent LangGraph runs, over a second per
# call) gets the minimum of pairs, so they bound the run time.
QUICK = Budget(pair_batch_seconds=0.01, pair_seconds=0.3, min_pairs=5, max_pairs=9)
CONCURRENT_RUNS = 1000


@dataclass(frozen=True, slots=True)
class OverheadWorkload:
    """One row of the table: how to prepare it on a peer, and its node executions per call."""

    name: str
    nodes: int
    prepare: Callable[[str], Prepared]  # peer ("warpgraph", "asyncio", "langgraph")


def _module_workload(name: str, size: int) -> Callable[[str], Prepared]:
    """The benchmark module's scheduler workload ``name`` at ``size``, per peer."""
    workloads = {workload.name: workload for workload in SCHEDULER_WORKLOADS}
    if name not in workloads:
        raise ValueError(
            f"the benchmark module has no scheduler workload {name!r}; "
            f"choose from {', '.join(sorted(workloads))}"
        )
    workload = workloads[name]
    return lambda peer: workload.prepare(peer, size)


def concurrently(prepared: Prepared, runs: int) -> Prepared:
    """``runs`` calls of ``prepared`` at once under one ``asyncio.gather``, each one checked."""

    async def call() -> list[Any]:
        return list(await asyncio.gather(*(prepared.call() for _ in range(runs))))

    def check(results: Any) -> None:
        if len(results) != runs:
            raise AssertionError(f"{runs} concurrent runs returned {len(results)} results")
        for result in results:
            prepared.check(result)

    return Prepared(call, check)


def _chain_3_concurrently(peer: str) -> Prepared:
    return concurrently(_module_workload("chain", 3)(peer), CONCURRENT_RUNS)


WORKLOADS = (
    OverheadWorkload("chain-3", 3, _module_workload("chain", 3)),
    OverheadWorkload("chain-100", 100, _module_workload("chain", 100)),
    # split + 10 branches + join
    OverheadWorkload("fan-out-10", 12, _module_workload("fanout", 10)),
    OverheadWorkload("1000x chain-3", 3 * CONCURRENT_RUNS, _chain_3_concurrently),
)


@dataclass(frozen=True, slots=True)
class OverheadRow:
    """One workload's paired measurements; both ratios are ``peer ÷ warpgraph``."""

    workload: str
    nodes: int
    asyncio: PairedRatio
    langgraph: PairedRatio | None  # None when LangGraph cannot run here

    @property
    def warpgraph_per_node(self) -> float:
        """Median over the floor's pairs of (warpgraph - asyncio) per call, per node."""
        return -self.asyncio.difference / self.nodes

    @property
    def langgraph_per_node(self) -> float:
        """(LangGraph - warpgraph) + (warpgraph - asyncio), each a paired median, per node."""
        if self.langgraph is None:
            return math.nan
        return (self.langgraph.difference - self.asyncio.difference) / self.nodes


@dataclass(frozen=True, slots=True)
class Overhead:
    """Every row, the timer used, and why LangGraph is missing (None when it is not)."""

    rows: tuple[OverheadRow, ...]
    timer: str
    langgraph_missing: str | None = None


def measure(
    workloads: Sequence[OverheadWorkload],
    budget: Budget,
    *,
    timer: Callable[[], float] = time.process_time,
    progress: Callable[[str], None] = lambda message: None,
) -> Overhead:
    """Pair the floor, then LangGraph, against warpgraph on every workload, in order."""
    driver = Driver(budget, lambda message, seconds: progress(f"  {message}"), timer)
    rows: list[OverheadRow] = []
    missing: str | None = None
    try:
        for workload in workloads:
            progress(f"{workload.name} ({workload.nodes:,} node executions per call)")
            ours = workload.prepare("warpgraph")
            floor = driver.pair(
                workload.prepare("asyncio"), ours, label=f"{workload.name}: asyncio"
            )
            langgraph: PairedRatio | None = None
            if missing is None:
                try:
                    theirs = workload.prepare("langgraph")
                except PeerUnavailable as error:
                    missing = str(error)
                    progress(f"  LangGraph skipped: {missing}")
                else:
                    langgraph = driver.pair(theirs, ours, label=f"{workload.name}: langgraph")
            rows.append(OverheadRow(workload.name, workload.nodes, floor, langgraph))
    finally:
        driver.close()
    name = getattr(timer, "__name__", None)
    return Overhead(tuple(rows), f"{timer.__module__}.{name}" if name else repr(timer), missing)


def _time(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    if abs(seconds) < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if abs(seconds) < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:,.2f} s"


def _ratio(paired: PairedRatio | None) -> str:
    if paired is None:
        return "-"

    def number(value: float) -> str:
        return f"{value:.0f}" if value >= 100 else f"{value:.2f}" if value < 10 else f"{value:.1f}"

    return f"{number(paired.ratio)}x [{number(paired.ci_low)}, {number(paired.ci_high)}]"


HEADER = (
    "workload",
    "nodes",
    "asyncio",
    "warpgraph",
    "langgraph",
    "wg/asyncio [95% CI]",
    "lg/wg [95% CI]",
    "wg/node",
    "lg/node",
)


def report(overhead: Overhead) -> str:
    """The table: per-call medians, paired ratios with intervals, overhead per node."""
    table = [HEADER]
    for row in overhead.rows:
        ours = row.asyncio.inverted()  # warpgraph ÷ asyncio
        table.append(
            (
                row.workload,
                f"{row.nodes:,}",
                _time(row.asyncio.peer_median),
                _time(row.asyncio.warpgraph_median),
                _time(row.langgraph.peer_median if row.langgraph else math.nan),
                _ratio(ours),
                _ratio(row.langgraph),
                _time(row.warpgraph_per_node),
                _time(row.langgraph_per_node),
            )
        )
    widths = [max(len(line[column]) for line in table) for column in range(len(HEADER))]
    lines = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        for line in table
    ]
    pairs = sorted({r.asyncio.pairs for r in overhead.rows} | _langgraph_pairs(overhead))
    counts = f"{pairs[0]}" if len(pairs) == 1 else f"{pairs[0]}-{pairs[-1]}"
    lines += [
        "",
        f"Per call, timed with {overhead.timer}. Ratios are paired against warpgraph: the",
        f"median of per-pair ratios [bootstrap 95 % interval], over {counts} pairs of batches.",
        "wg/node: median over the pairs of (warpgraph - asyncio), / node executions.",
        "lg/node: median over the pairs of (langgraph - warpgraph), plus wg/node's difference,",
        "         / node executions.",
    ]
    if overhead.langgraph_missing is not None:
        lines.append(f"LangGraph not measured: {overhead.langgraph_missing}")
    return "\n".join(lines)


def _langgraph_pairs(overhead: Overhead) -> set[int]:
    return {r.langgraph.pairs for r in overhead.rows if r.langgraph is not None}


def _versions() -> str:
    parts = [f"Python {platform.python_version()}"]
    for package in ("warpgraph", "langgraph"):
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package} not installed")
    return ", ".join(parts)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="5-9 pairs of ~10 ms batches per peer, not 11-31"
    )
    parser.add_argument(
        "--timer",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: time.process_time (default, as make bench); wall: time.perf_counter",
    )
    args = parser.parse_args(argv)
    timer = time.process_time if args.timer == "cpu" else time.perf_counter
    started = time.perf_counter()
    overhead = measure(
        WORKLOADS,
        QUICK if args.quick else FULL,
        timer=timer,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
    )
    print(f"done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(_versions())
    print(report(overhead))


if __name__ == "__main__":
    main()
