"""The measurement driver: planning rounds, batching calls, reading pytest-benchmark."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from warpgraph.bench import Budget, Driver, Prepared


class RecordingBenchmark:
    """Runs pedantic() like pytest-benchmark does, with scripted round times."""

    def __init__(self, round_times: list[float]) -> None:
        self.round_times = round_times
        self.calls: list[dict[str, Any]] = []
        self.stats: Any = None

    def pedantic(self, target: Callable[[], Any], *, rounds: int, warmup_rounds: int,
                 iterations: int) -> Any:  # fmt: skip
        self.calls.append({"rounds": rounds, "warmup_rounds": warmup_rounds,
                           "iterations": iterations})  # fmt: skip
        for _ in range(rounds):
            target()
        self.stats = SimpleNamespace(stats=SimpleNamespace(data=self.round_times[:rounds]))


def test_a_fast_call_is_batched_so_a_round_amortises_the_loop_start() -> None:
    budget = Budget(seconds=1.0, round_seconds=0.002, max_rounds=200, max_calls_per_round=1000)

    assert budget.plan(10e-6, min_rounds=5) == (200, 200)  # 200 calls of 10 µs = 2 ms per round
    assert budget.plan(1e-3, min_rounds=5) == (2, 200)


def test_a_slow_call_gets_the_workloads_minimum_of_rounds() -> None:
    assert Budget(seconds=1.0).plan(5.0, min_rounds=3) == (1, 3)


def test_the_calls_per_round_are_capped() -> None:
    assert Budget(max_calls_per_round=50).plan(1e-9, min_rounds=5)[0] == 50


def test_measure_checks_the_first_result_then_times_batched_rounds() -> None:
    calls: list[int] = []
    checked: list[Any] = []

    async def work() -> int:
        calls.append(1)
        return 42

    driver = Driver(Budget(seconds=10.0, round_seconds=0.0, max_rounds=7))
    benchmark = RecordingBenchmark([0.3, 0.6, 0.9, 0.3, 0.3, 0.3, 0.3])
    try:
        measurement = driver.measure(
            Prepared(work, checked.append, lambda: {"seen": len(calls)}),
            lambda: benchmark,
            label="work",
            min_rounds=5,
        )
    finally:
        driver.close()

    assert checked == [42]
    (pedantic,) = benchmark.calls
    assert pedantic["iterations"] == 1
    assert pedantic["warmup_rounds"] == 0
    rounds, per_round = pedantic["rounds"], measurement.calls_per_round
    assert len(calls) == 2 + rounds * per_round  # check call, estimate call, timed rounds
    assert measurement.samples == tuple(t / per_round for t in benchmark.round_times[:rounds])
    assert measurement.extras == {"seen": len(calls)}


def test_a_timed_round_lets_go_of_its_outputs_before_the_next_round() -> None:
    """pytest-benchmark keeps what a round returns until the next round has run."""

    class Outputs(list[int]):
        pass

    made: list[weakref.ref[Outputs]] = []

    async def work() -> Outputs:
        outputs = Outputs([42])
        made.append(weakref.ref(outputs))
        return outputs

    alive_at_round: list[int] = []

    class Watching(RecordingBenchmark):
        def pedantic(self, target: Callable[[], Any], **kwargs: Any) -> Any:
            kept = None
            for _ in range(kwargs["rounds"]):
                alive_at_round.append(sum(ref() is not None for ref in made))
                kept = target()  # what pytest-benchmark holds through the next round
            self.stats = SimpleNamespace(stats=SimpleNamespace(data=[0.1] * kwargs["rounds"]))
            return kept

    driver = Driver(Budget(seconds=10.0, round_seconds=0.0, max_rounds=5))
    try:
        driver.measure(Prepared(work, lambda result: None), lambda: Watching([]), label="w")
    finally:
        driver.close()
    assert alive_at_round == [0] * len(alive_at_round)


def test_a_failed_check_never_asks_for_the_benchmark_fixture() -> None:
    async def wrong() -> int:
        return 41

    def check(value: int) -> None:
        raise AssertionError(f"expected 42, got {value}")

    def no_fixture() -> Any:
        raise AssertionError("the benchmark fixture was requested")

    driver = Driver()
    try:
        with pytest.raises(AssertionError, match=r"^expected 42, got 41$"):
            driver.measure(Prepared(wrong, check), no_fixture, label="wrong")
    finally:
        driver.close()


def test_a_disabled_pytest_benchmark_is_a_clear_error() -> None:
    class Disabled(RecordingBenchmark):
        def pedantic(self, target: Callable[[], Any], **kwargs: Any) -> Any:
            target()  # pytest-benchmark --benchmark-disable: one call, no stats

    async def work() -> None:
        return None

    driver = Driver()
    try:
        with pytest.raises(
            RuntimeError,
            match=r"^pytest-benchmark recorded no rounds; graph-bench "
            r"needs it enabled \(remove --benchmark-disable / --benchmark-skip\)$",
        ):
            driver.measure(Prepared(work, lambda result: None), lambda: Disabled([]), label="w")
    finally:
        driver.close()


def test_the_driver_keeps_one_loop_per_clock_until_closed() -> None:
    driver = Driver()
    real = driver.loop("real")

    assert driver.loop("real") is real
    assert driver.loop("virtual") is not real
    driver.close()
    assert real.is_closed()


def test_memory_is_measured_per_unit_when_asked() -> None:
    async def allocate() -> list[bytes]:
        return [bytes(1000) for _ in range(100)]

    driver = Driver(Budget(seconds=0.001))
    try:
        measurement = driver.measure(
            Prepared(allocate, lambda result: None), lambda: RecordingBenchmark([1.0] * 5),
            label="alloc", memory_units=100,
        )  # fmt: skip
    finally:
        driver.close()

    assert measurement.extras["peak_bytes_per_unit"] >= 1000


def test_the_gc_probe_times_one_call_with_the_collector_off_and_turns_it_back_on() -> None:
    import gc

    seen: list[bool] = []

    async def work() -> None:
        seen.append(gc.isenabled())

    driver = Driver(Budget(seconds=0.001))
    try:
        measurement = driver.measure(
            Prepared(work, lambda result: None), lambda: RecordingBenchmark([1.0] * 5),
            label="work", gc_probe=True,
        )  # fmt: skip
    finally:
        driver.close()

    assert seen[-1] is False  # the probe's call ran with the collector off
    assert all(seen[:-1])
    assert gc.isenabled()
    assert measurement.extras["time_without_gc"] >= 0.0
