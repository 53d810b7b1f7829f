"""Scheduler overhead: chains, fan-outs, Send map-reduce, wide state and compile time.

Each case runs one workload at one size on one peer (warpgraph, the hand-written
asyncio floor, LangGraph); the report puts the peers side by side.
"""

from __future__ import annotations

import pytest

from warpgraph.bench import SCHEDULER_WORKLOADS, Case

pytestmark = pytest.mark.graph_bench

WORKLOADS = SCHEDULER_WORKLOADS  # parametrizes `case` (see conftest.py)


def test_scheduler_overhead(graph_bench, case: Case) -> None:
    result = graph_bench.case(case)
    assert result.samples, f"{case.id} recorded no samples"
