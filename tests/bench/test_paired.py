"""Paired ratios: two peers timed in alternating batches on a machine whose speed drifts.

The calls here cost nothing real: each advances a fake machine's clock by its cost
times the machine's current slowdown, and the driver reads that clock as its timer,
so every ratio below is exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from warpgraph.bench import (
    BenchSession,
    BenchSettings,
    Budget,
    Driver,
    PairedRatio,
    Prepared,
    Workload,
)
from warpgraph.bench._paired import alternate, paired_ratio

BUDGET = Budget(pair_batch_seconds=0.025, pair_seconds=2.0, min_pairs=11, max_pairs=21)


class DriftingMachine:
    """A clock whose work costs twice as much in every other ``period`` seconds."""

    def __init__(self, period: float, slowdown: float = 2.0) -> None:
        self.now = 0.0
        self.period = period
        self.slowdown = slowdown

    def timer(self) -> float:
        return self.now

    def call(self, cost: float, result: Any = None) -> Callable[[], Any]:
        async def work() -> Any:
            slow = math.floor(self.now / self.period) % 2 == 1
            self.now += cost * (self.slowdown if slow else 1.0)
            return result

        return work


def _pair(machine: DriftingMachine, peer_cost: float, our_cost: float) -> PairedRatio:
    driver = Driver(BUDGET, timer=machine.timer)
    try:
        return driver.pair(
            Prepared(machine.call(peer_cost), lambda result: None),
            Prepared(machine.call(our_cost), lambda result: None),
            label="case",
        )
    finally:
        driver.close()


def test_a_machine_twice_as_slow_half_the_time_still_gives_the_true_ratio_when_paired() -> None:
    # Slow and fast stretches of 0.3 s: each lasts a few pairs of 25 ms batches, so the
    # separate medians of the two peers would each mix fast and slow batches.
    machine = DriftingMachine(period=0.3)

    paired = _pair(machine, peer_cost=1e-3, our_cost=25e-6)

    assert paired.ratio == pytest.approx(40.0, rel=1e-9)
    assert paired.pairs == 21
    assert paired.calls == (25, 1000)  # batches of 25 ms on both sides
    assert paired.ci_low <= paired.ratio <= paired.ci_high
    assert machine.now > 4 * machine.period  # the run crossed slow stretches


def test_the_ratio_of_separate_medians_would_be_off_by_the_slowdown() -> None:
    # The failure pairing prevents: one peer timed in a fast stretch, the other in a slow one.
    machine = DriftingMachine(period=1.0)
    peer, ours = machine.call(1e-3), machine.call(25e-6)
    driver = Driver(BUDGET, timer=machine.timer)
    loop = driver.loop("real")
    try:
        started = machine.now
        for _ in range(900):  # 0.9 s of the fast stretch
            loop.run_until_complete(peer())
        peer_time = (machine.now - started) / 900
        machine.now = 1.0  # the machine is now slow
        started = machine.now
        for _ in range(1000):
            loop.run_until_complete(ours())
        our_time = (machine.now - started) / 1000
        paired = driver.pair(
            Prepared(peer, lambda result: None), Prepared(ours, lambda result: None), label="c"
        )
    finally:
        driver.close()

    assert peer_time / our_time == pytest.approx(20.0)
    assert paired.ratio == pytest.approx(40.0, rel=1e-9)


def test_batches_alternate_so_neither_side_always_goes_first() -> None:
    order: list[int] = []

    def run_batch(side: int) -> float:
        order.append(side)
        return 1.0 + side

    times = alternate(run_batch, 3)

    assert order == [0, 1, 1, 0, 0, 1]
    assert times == [(1.0, 2.0), (1.0, 2.0), (1.0, 2.0)]


def test_alternate_needs_a_pair() -> None:
    with pytest.raises(ValueError, match=r"^alternate needs at least one pair, got pairs=0$"):
        alternate(lambda side: 1.0, 0)


def test_the_paired_ratio_is_the_median_of_the_per_pair_ratios() -> None:
    # Per call: peer 10, 20, 90 (a burst hit one batch); warpgraph 1, 2, 3.
    paired = paired_ratio([(20.0, 10.0), (40.0, 20.0), (180.0, 30.0)], calls=(2, 10))

    assert paired.ratio == pytest.approx(10.0)  # ratios 10, 10, 30
    assert paired.peer_median == pytest.approx(20.0)
    assert paired.warpgraph_median == pytest.approx(2.0)
    assert paired.difference == pytest.approx(18.0)  # differences 9, 18, 87
    assert (paired.pairs, paired.calls) == (3, (2, 10))


def test_an_odd_number_of_pairs_reads_the_same_both_ways() -> None:
    times = [(3.0, 1.0), (5.0, 1.0), (4.0, 2.0), (9.0, 1.0), (7.0, 2.0)]
    forwards = paired_ratio(times, calls=(1, 1))
    backwards = paired_ratio([(ours, peer) for peer, ours in times], calls=(1, 1))

    inverted = forwards.inverted()

    assert inverted.ratio == pytest.approx(backwards.ratio)
    assert (inverted.ci_low, inverted.ci_high) == pytest.approx(
        (1 / forwards.ci_high, 1 / forwards.ci_low)
    )
    assert inverted.difference == pytest.approx(-forwards.difference)


def test_a_zero_batch_time_is_a_clear_error() -> None:
    with pytest.raises(
        ValueError,
        match=r"^paired_ratio needs positive batch times on both sides, got \[\(1\.0, 0\.0\)\]; "
        r"a timer too coarse for the batch length reads 0$",
    ):
        paired_ratio([(1.0, 0.0)], calls=(1, 1))


def test_a_paired_ratio_round_trips_through_json_and_anything_else_reads_as_none() -> None:
    paired = paired_ratio([(3.0, 1.0), (5.0, 1.0), (4.0, 2.0)], calls=(1, 3))

    assert PairedRatio.from_json(paired.to_json()) == paired
    assert PairedRatio.from_json(None) is None
    assert PairedRatio.from_json({"against": "asyncio", "ratio": 2.0}) is None
    assert PairedRatio.from_json({"against": "warpgraph", "ratio": 2.0}) is None


@pytest.mark.parametrize(
    ("pair_seconds", "pairs"),
    [(0.05, 21), (0.1, 19), (0.15, 13), (0.5, 11), (10.0, 11)],
)
def test_the_number_of_pairs_fills_the_budget_and_is_odd(pair_seconds: float, pairs: int) -> None:
    assert BUDGET.pairs(pair_seconds) == pairs


def test_a_batch_lasts_about_the_batch_budget_and_holds_at_least_one_call() -> None:
    assert BUDGET.batch_calls(1e-6) == 10_000  # capped
    assert BUDGET.batch_calls(1e-4) == 250
    assert BUDGET.batch_calls(1.0) == 1


class _Benchmark:
    """pytest-benchmark's fixture, reduced to pedantic() with scripted round times."""

    def __init__(self) -> None:
        self.stats: Any = None

    def pedantic(self, target: Callable[[], Any], *, rounds: int, warmup_rounds: int,
                 iterations: int) -> Any:  # fmt: skip
        for _ in range(rounds):
            target()
        self.stats = SimpleNamespace(stats=SimpleNamespace(data=[1e-3] * rounds))


def _session_run(workload: Workload, machine: DriftingMachine) -> BenchSession:
    session = BenchSession(BenchSettings(enabled=True, peers=("warpgraph", "asyncio")))
    session._driver = Driver(Budget(seconds=0.01, max_rounds=5), timer=machine.timer)
    for case in workload.cases(quick=False, peers=("warpgraph", "asyncio")):
        session.measure_case(case, _Benchmark, lambda message, seconds: None)
    session._driver.close()
    return session


def _workload(machine: DriftingMachine, group: str) -> Workload:
    costs = {"warpgraph": 30e-6, "asyncio": 20e-6}
    return Workload(
        name="chain",
        title="Chain of trivial nodes",
        metric="overhead_per_node",
        unit="node",
        sizes=(10,),
        quick_sizes=(10,),
        prepare=lambda peer, size: Prepared(machine.call(costs[peer]), lambda result: None),
        group=group,
        peers=("warpgraph", "asyncio"),
    )


def test_a_session_pairs_each_peer_with_warpgraph_and_the_row_reads_the_paired_ratio() -> None:
    from warpgraph.bench import analyse

    machine = DriftingMachine(period=0.2)
    session = _session_run(_workload(machine, "scheduler"), machine)

    ours, floor = session.results
    assert "paired" not in ours.extras
    paired = PairedRatio.from_json(floor.extras["paired"])
    assert paired is not None
    assert paired.ratio == pytest.approx(2 / 3, rel=1e-9)
    (row,) = analyse(session.results).rows
    assert row.ratio("warpgraph", "asyncio") == pytest.approx(1.5, rel=1e-9)


def test_throughput_workloads_are_not_paired() -> None:
    machine = DriftingMachine(period=0.2)
    session = _session_run(_workload(machine, "throughput"), machine)

    assert all("paired" not in result.extras for result in session.results)


def test_without_warpgraph_among_the_peers_nothing_is_paired() -> None:
    machine = DriftingMachine(period=0.2)
    session = BenchSession(BenchSettings(enabled=True, peers=("asyncio",)))
    session._driver = Driver(Budget(seconds=0.01, max_rounds=5), timer=machine.timer)
    (case,) = _workload(machine, "scheduler").cases(quick=False, peers=("asyncio",))
    try:
        result = session.measure_case(case, _Benchmark, lambda message, seconds: None)
    finally:
        session._driver.close()

    assert "paired" not in result.extras
