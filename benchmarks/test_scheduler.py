"""Scheduler overhead: chains, fan-outs, Send map-reduce, wide state and compile time.

Each case runs one workload at one size on one peer (warpgraph, the hand-written
asyncio floor, LangGraph); the report puts the peers side by side.
"""

from __future__ import annotations

import pytest

from warpgraph.bench import SCHEDULER_WORKLOADS, Case

# The project's 120 s per-test timeout is for tests; 10,000 concurrent runs on a busy
# machine take longer than that.
pytestmark = [pytest.mark.graph_bench, pytest.mark.timeout(900)]

WORKLOADS = SCHEDULER_WORKLOADS  # parametrizes `case` (see conftest.py)


def test_scheduler_overhead(graph_bench, case: Case) -> None:
    result = graph_bench.case(case)
    assert result.samples, f"{case.id} recorded no samples"
