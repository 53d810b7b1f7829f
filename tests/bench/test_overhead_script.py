"""benchmarks/bench_overhead.py: paired measurement of the README's "Speed" table.

The script is not a module on the path, so it is loaded from its file. One test runs
its real measurement on the smallest workload with tiny budgets and checks only the
shape of the result and that every ratio is positive and finite; another replaces
the clock with one that the fake peers' calls advance by exact amounts, so the paired
ratios, the per-node overheads and the table's cells are known exactly.
"""

from __future__ import annotations

import math
from types import ModuleType

import pytest
from bench_scripts import load_script

from warpgraph.bench import Budget, PeerUnavailable, Prepared

TINY = Budget(pair_batch_seconds=0.0005, pair_seconds=0.001, min_pairs=3, max_pairs=3)


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("bench_overhead")


def test_a_tiny_run_of_chain_3_gives_one_row_of_positive_finite_paired_ratios(
    script: ModuleType,
) -> None:
    messages: list[str] = []
    (chain_3,) = [w for w in script.WORKLOADS if w.name == "chain-3"]

    overhead = script.measure([chain_3], TINY, progress=messages.append)

    (row,) = overhead.rows
    assert row.workload == "chain-3"
    assert row.nodes == 3
    assert overhead.langgraph_missing is None  # the test extra installs LangGraph
    for paired in (row.asyncio, row.langgraph):
        assert paired.pairs == 3
        assert 0 < paired.ci_low <= paired.ratio <= paired.ci_high < math.inf
    assert math.isfinite(row.warpgraph_per_node)
    assert math.isfinite(row.langgraph_per_node)
    assert messages[0] == "chain-3 (3 node executions per call)"
    lines = script.report(overhead).splitlines()
    assert lines[0].split() == [
        "workload", "nodes", "asyncio", "warpgraph", "langgraph",
        "wg/asyncio", "[95%", "CI]", "lg/wg", "[95%", "CI]", "wg/node", "lg/node",
    ]  # fmt: skip
    assert lines[1].startswith("chain-3 ")
    assert lines[2] == ""


class FakeClock:
    """A timer that only the fake peers' calls move, by their exact cost."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def peer(self, cost: float, answer: int) -> Prepared:
        async def call() -> int:
            self.now += cost
            return answer

        def check(result: object) -> None:
            assert result == answer

        return Prepared(call, check)


def fake_workload(script: ModuleType, clock: FakeClock, *, langgraph: bool) -> object:
    # Whole seconds, so every sum and difference of clock readings is exact.
    costs = {"asyncio": 1.0, "warpgraph": 4.0, "langgraph": 40.0}

    def prepare(peer: str) -> Prepared:
        if peer == "langgraph" and not langgraph:
            raise PeerUnavailable("langgraph is not installed; pip install langgraph")
        return clock.peer(costs[peer], answer=3)

    return script.OverheadWorkload("fake-3", 3, prepare)


def test_the_paired_ratios_and_per_node_overheads_follow_the_calls_costs(
    script: ModuleType,
) -> None:
    clock = FakeClock()
    workload = fake_workload(script, clock, langgraph=True)

    overhead = script.measure([workload], TINY, timer=clock)

    (row,) = overhead.rows
    assert (row.asyncio.ratio, row.asyncio.ci_low, row.asyncio.ci_high) == (0.25, 0.25, 0.25)
    assert (row.langgraph.ratio, row.langgraph.ci_low, row.langgraph.ci_high) == (10, 10, 10)
    assert row.asyncio.pairs == row.langgraph.pairs == 3
    assert row.warpgraph_per_node == 1.0  # (4 - 1) s / 3 nodes
    assert row.langgraph_per_node == 13.0  # (40 - 1) s / 3 nodes
    assert script.report(overhead).splitlines()[1].split() == [
        "fake-3", "3", "1.00", "s", "4.00", "s", "40.00", "s",
        "4.00x", "[4.00,", "4.00]", "10.0x", "[10.0,", "10.0]", "1.00", "s", "13.00", "s",
    ]  # fmt: skip


def test_without_langgraph_the_floor_is_still_paired_and_the_table_says_why(
    script: ModuleType,
) -> None:
    clock = FakeClock()
    messages: list[str] = []
    workload = fake_workload(script, clock, langgraph=False)

    overhead = script.measure([workload], TINY, timer=clock, progress=messages.append)

    (row,) = overhead.rows
    assert row.langgraph is None
    assert row.asyncio.ratio == 0.25
    lines = script.report(overhead).splitlines()
    assert lines[1].split() == [
        "fake-3", "3", "1.00", "s", "4.00", "s", "-", "4.00x", "[4.00,", "4.00]", "-", "1.00", "s",
        "-",
    ]  # fmt: skip
    assert lines[-1] == (
        "LangGraph not measured: langgraph is not installed; pip install langgraph"
    )
    assert "  LangGraph skipped: langgraph is not installed; pip install langgraph" in messages
