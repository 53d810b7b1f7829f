"""Agent patterns on fake LLMs and tools: ReAct, supervisor with workers, summarisation.

The fakes answer in virtual time (0.5 s per LLM call, 0.2 s per tool call), so the
real time of a run is the fakes' bookkeeping plus the scheduler's; the asyncio floor
makes the same calls, and the report divides the difference by the LLM calls.
"""

from __future__ import annotations

import pytest

from warpgraph.bench import AGENT_WORKLOADS, Case

# The project's 120 s per-test timeout is for tests; 10,000 concurrent runs on a busy
# machine take longer than that.
pytestmark = [pytest.mark.graph_bench, pytest.mark.timeout(900)]

WORKLOADS = AGENT_WORKLOADS  # parametrizes `case` (see conftest.py)


def test_agent_pattern(graph_bench, case: Case) -> None:
    result = graph_bench.case(case)
    assert result.extras["virtual_makespan"] == result.extras["critical_path"]
