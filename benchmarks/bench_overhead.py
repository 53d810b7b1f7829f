"""Engine overhead: warpgraph vs LangGraph vs hand-written asyncio, in one process.

Run it as a plain script (it has no test functions, so pytest collects nothing)::

    .venv/bin/python benchmarks/bench_overhead.py [--quick]

Every workload runs the *same* async node functions three ways: compiled with
warpgraph, compiled with LangGraph, and called by a hand-written asyncio loop
(the floor: what the nodes themselves cost). Each number is the median wall
time of one ``ainvoke`` over many repetitions, on one event loop. The nodes do
no I/O, so the times are pure runtime overhead; ratios measured in one run are
stable even on a noisy machine, absolute times less so.

The builders (``build_chain``, ``build_fan_out``) take the library namespace
(``warpgraph`` or ``langgraph.graph``) so other benchmarks can reuse them.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import operator
import statistics
import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Annotated, Any, TypedDict

__all__ = ["WORKLOADS", "build_chain", "build_fan_out", "hand_chain", "hand_fan_out"]


class ChainState(TypedDict):
    x: int


class FanState(TypedDict):
    x: int
    hits: Annotated[list[int], operator.add]


async def step(state: ChainState) -> dict[str, Any]:
    return {"x": state["x"] + 1}


def _hit(i: int) -> Callable[[FanState], Awaitable[dict[str, Any]]]:
    async def hit(state: FanState) -> dict[str, Any]:
        return {"hits": [i]}

    return hit


async def join(state: FanState) -> dict[str, Any]:
    return {"x": len(state["hits"])}


def build_chain(lib: Any, length: int) -> Any:
    """START -> n0 -> n1 -> ... -> END, every node adding one to ``x``."""
    g = lib.StateGraph(ChainState)
    names = [f"n{i}" for i in range(length)]
    for name in names:
        g.add_node(name, step)
    g.add_edge(lib.START, names[0])
    for a, b in itertools.pairwise(names):
        g.add_edge(a, b)
    g.add_edge(names[-1], lib.END)
    return g.compile()


def build_fan_out(lib: Any, width: int) -> Any:
    """START -> ``width`` parallel nodes -> a join waiting for all of them -> END."""
    g = lib.StateGraph(FanState)
    names = [f"f{i}" for i in range(width)]
    for i, name in enumerate(names):
        g.add_node(name, _hit(i))
        g.add_edge(lib.START, name)
    g.add_node("join", join)
    g.add_edge(names, "join")
    g.add_edge("join", lib.END)
    return g.compile()


async def hand_chain(state: dict[str, Any], length: int) -> dict[str, Any]:
    """The chain written by hand: call each node and merge its update."""
    state = dict(state)
    for _ in range(length):
        state.update(await step(state))  # type: ignore[arg-type]
    return state


async def hand_fan_out(state: dict[str, Any], width: int) -> dict[str, Any]:
    """The fan-out written by hand: gather the branches, fold the reducer, join."""
    state = {"hits": [], **state}
    updates = await asyncio.gather(*(_hit(i)(state) for i in range(width)))  # type: ignore[arg-type]
    for update in updates:
        state["hits"] = state["hits"] + update["hits"]
    state.update(await join(state))  # type: ignore[arg-type]
    return state


def _libs() -> dict[str, Any]:
    import warpgraph

    libs: dict[str, Any] = {"warpgraph": warpgraph}
    try:
        import langgraph.graph as lg
    except ImportError:  # LangGraph is optional: compare against the floor only
        return libs
    libs["langgraph"] = SimpleNamespace(StateGraph=lg.StateGraph, START=lg.START, END=lg.END)
    return libs


Runner = Callable[[], Awaitable[Any]]


def _workloads(lib: Any | None) -> dict[str, tuple[Runner, int]]:
    """name -> (one run, node executions per run); lib None means hand-written."""
    concurrent = 1000
    if lib is None:
        return {
            "chain-3": (lambda: hand_chain({"x": 0}, 3), 3),
            "chain-100": (lambda: hand_chain({"x": 0}, 100), 100),
            "fan-out-10": (lambda: hand_fan_out({"x": 0}, 10), 11),
            "1000x chain-3": (
                lambda: asyncio.gather(*(hand_chain({"x": 0}, 3) for _ in range(concurrent))),
                3 * concurrent,
            ),
        }
    chain3, chain100, fan = build_chain(lib, 3), build_chain(lib, 100), build_fan_out(lib, 10)
    return {
        "chain-3": (lambda: chain3.ainvoke({"x": 0}), 3),
        "chain-100": (lambda: chain100.ainvoke({"x": 0}), 100),
        "fan-out-10": (lambda: fan.ainvoke({"x": 0}), 11),
        "1000x chain-3": (
            lambda: asyncio.gather(*(chain3.ainvoke({"x": 0}) for _ in range(concurrent))),
            3 * concurrent,
        ),
    }


WORKLOADS = ("chain-3", "chain-100", "fan-out-10", "1000x chain-3")


async def _median_seconds(run: Runner, budget: float, max_reps: int) -> float:
    await run()  # warm-up: first-call costs are not per-run overhead
    samples: list[float] = []
    deadline = time.perf_counter() + budget
    while len(samples) < max_reps and (len(samples) < 5 or time.perf_counter() < deadline):
        start = time.perf_counter()
        await run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


async def measure(budget: float) -> dict[str, dict[str, tuple[float, int]]]:
    """engine -> workload -> (median seconds per run, nodes per run)."""
    engines: dict[str, Any | None] = {"asyncio": None, **_libs()}
    results: dict[str, dict[str, tuple[float, int]]] = {}
    for engine, lib in engines.items():
        results[engine] = {}
        for name, (run, nodes) in _workloads(lib).items():
            reps = 50 if name.startswith("1000x") else 2000
            seconds = await _median_seconds(run, budget, reps)
            results[engine][name] = (seconds, nodes)
    return results


def report(results: dict[str, dict[str, tuple[float, int]]]) -> str:
    """A table of medians, per-node overhead over the floor, and speed-up ratios."""
    lines = [
        f"{'workload':<15}{'asyncio':>11}{'warpgraph':>12}{'langgraph':>12}"
        f"{'wg/node':>10}{'lg/node':>10}{'lg/wg':>9}",
    ]
    for name in WORKLOADS:
        floor, nodes = results["asyncio"][name]
        warp = results["warpgraph"][name][0]
        lang = results.get("langgraph", {}).get(name, (float("nan"), nodes))[0]
        per_wg = (warp - floor) / nodes * 1e6
        per_lg = (lang - floor) / nodes * 1e6
        lines.append(
            f"{name:<15}{floor * 1e6:>9.1f}us{warp * 1e6:>10.1f}us{lang * 1e6:>10.1f}us"
            f"{per_wg:>8.2f}us{per_lg:>8.1f}us{lang / warp:>8.1f}x"
        )
    lines.append("wg/node, lg/node: (engine - asyncio) / node executions, in microseconds.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="0.3 s per measurement, not 2 s")
    args = parser.parse_args()
    results = asyncio.run(measure(0.3 if args.quick else 2.0))
    print(report(results))


if __name__ == "__main__":
    main()
