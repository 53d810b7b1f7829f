"""Synthetic benchmark results for testing the analysis and the reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warpgraph.bench import WORKLOADS, Result

_BY_NAME = {workload.name: workload for workload in WORKLOADS}


def make_result(
    workload: str,
    peer: str,
    size: int,
    median: float,
    *,
    rounds: int = 11,
    spread: float = 0.02,
    extras: Mapping[str, Any] | None = None,
) -> Result:
    """A result whose samples spread evenly (±spread) around ``median`` seconds."""
    w = _BY_NAME[workload]
    steps = [(i - rounds // 2) / max(rounds // 2, 1) for i in range(rounds)]
    return Result(
        id=f"{workload}-{size}-{peer}",
        workload=workload,
        title=w.title,
        group=w.group,
        metric=w.metric,
        unit=w.unit,
        peer=peer,
        size=size,
        samples=tuple(median * (1 + spread * step) for step in steps),
        calls_per_round=3,
        extras=dict(extras or {}),
        name=f"test_bench[{workload}-{size}-{peer}]",
        fullname=f"benchmarks/test_bench.py::test_bench[{workload}-{size}-{peer}]",
    )


def per_node(workload: str, peer: str, per_unit: float, sizes: tuple[int, ...]) -> list[Result]:
    return [make_result(workload, peer, n, per_unit * n) for n in sizes]


def full_results() -> list[Result]:
    """A plausible full run: warpgraph 3 µs/unit, asyncio 1 µs, LangGraph 150 µs."""
    results: list[Result] = []
    for workload in ("chain", "fanout", "mapreduce", "wide_state"):
        for peer, cost in (("warpgraph", 3e-6), ("asyncio", 2e-6), ("langgraph", 150e-6)):
            results += per_node(workload, peer, cost, (10, 100, 1000))
    for peer, cost in (("warpgraph", 40e-6), ("langgraph", 120e-6)):
        results += per_node("compile", peer, cost, (10, 100, 1000))
    throughput = {
        "virtual_makespan": 1.0,
        "virtual_makespan_min": 1.0,
        "critical_path": 1.0,
        "makespan_is_critical_path": True,
    }
    for peer, cost in (("warpgraph", 50e-6), ("asyncio", 20e-6), ("langgraph", 900e-6)):
        for runs in (1000, 10000):
            results.append(
                make_result(
                    "throughput",
                    peer,
                    runs,
                    cost * runs,
                    rounds=5,
                    extras={
                        **throughput,
                        "peak_bytes_per_unit": 3000.0,
                        "time_without_gc": cost * runs / 2,
                    },
                )
            )
    return results
