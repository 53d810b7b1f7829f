"""Throughput at scale: 1,000 and 10,000 concurrent runs in virtual time.

Each case checks, on its first round, that every run joined its three tools and that
the virtual makespan of all runs together equals the critical path of one (1 s).
"""

from __future__ import annotations

import pytest

from warpgraph.bench import THROUGHPUT_WORKLOADS, Case

# The project's 120 s per-test timeout is for tests; 10,000 concurrent runs on a busy
# machine take longer than that.
pytestmark = [pytest.mark.graph_bench, pytest.mark.timeout(900)]

WORKLOADS = THROUGHPUT_WORKLOADS  # parametrizes `case` (see conftest.py)


def test_concurrent_runs(graph_bench, case: Case) -> None:
    result = graph_bench.case(case)
    assert result.extras["makespan_is_critical_path"], (
        f"{case.id}: virtual makespan {result.extras['virtual_makespan']} s, "
        f"critical path {result.extras['critical_path']} s"
    )
