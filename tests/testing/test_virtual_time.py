"""The "must hold" list of virtual time, through the pytest plugin (``vclock``, ``chronometer``)."""

from __future__ import annotations

import asyncio
import operator
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, TypedDict

import pytest

from warpgraph import END, START, StateGraph
from warpgraph.testing import Chronometer, VirtualClock, VirtualTimeDeadlock, current_clock

pytestmark = pytest.mark.virtual_time


async def test_three_parallel_coroutines_sleeping_one_second_end_at_one(
    vclock: VirtualClock,
) -> None:
    await asyncio.gather(*(asyncio.sleep(1) for _ in range(3)))
    assert vclock.now() == 1.0


async def test_ten_thousand_parallel_sleeps_end_at_one_in_well_under_real_seconds(
    vclock: VirtualClock, chronometer: Chronometer
) -> None:
    with chronometer:
        await asyncio.gather(*(asyncio.sleep(1) for _ in range(10_000)))
    assert vclock.now() == 1.0
    assert chronometer.elapsed < 5  # ~0.25 s here; generous because the machine is shared


async def test_a_thread_sleeping_for_real_ends_at_zero_and_a_sleeper_at_five(
    vclock: VirtualClock,
) -> None:
    async def thread() -> float:
        await asyncio.to_thread(time.sleep, 0.2)
        return vclock.now()

    async def sleeper() -> float:
        await asyncio.sleep(5)
        return vclock.now()

    assert await asyncio.gather(thread(), sleeper()) == [0.0, 5.0]


async def test_a_half_second_timeout_around_a_tenth_second_thread_does_not_fire(
    vclock: VirtualClock,
) -> None:
    async with asyncio.timeout(0.5):
        await asyncio.to_thread(time.sleep, 0.1)
    assert vclock.now() == 0.0


async def test_three_workers_sleeping_on_the_clock_finish_at_two_tenths_in_milliseconds(
    vclock: VirtualClock, chronometer: Chronometer
) -> None:
    def sync_model_call() -> float:
        clock = current_clock()
        clock.sleep(0.2) if clock else time.sleep(0.2)
        return vclock.now()

    with chronometer:
        ends = await asyncio.gather(*(asyncio.to_thread(sync_model_call) for _ in range(3)))
    assert ends == [0.2, 0.2, 0.2]
    assert chronometer.elapsed < 2  # milliseconds in practice


async def test_waiting_on_an_event_with_nothing_else_is_a_deadlock_at_once(
    vclock: VirtualClock,
) -> None:
    with pytest.raises(VirtualTimeDeadlock, match=r"^virtual time deadlock at t=0\.0: 1 task"):
        await asyncio.Event().wait()
    assert vclock.now() == 0.0


@pytest.mark.virtual_time(start=1_709_591_365)
async def test_a_large_start_advances_by_exactly_one_second(vclock: VirtualClock) -> None:
    loop = asyncio.get_running_loop()
    before = loop.time()
    await asyncio.sleep(1)
    assert vclock.now() == 1.0
    assert loop.time() - before == 1.0


async def test_wait_for_times_out_exactly(vclock: VirtualClock) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.sleep(3), timeout=1.5)
    assert vclock.now() == 1.5


async def test_asyncio_timeout_expires_exactly(vclock: VirtualClock) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(2.25):
            await asyncio.Event().wait()
    assert vclock.now() == 2.25


async def test_call_later_and_call_at_run_exactly_on_time(vclock: VirtualClock) -> None:
    loop = asyncio.get_running_loop()
    seen: list[tuple[str, float]] = []
    loop.call_later(0.3, lambda: seen.append(("later", vclock.now())))
    loop.call_at(loop.time() + 0.1, lambda: seen.append(("at", vclock.now())))
    await asyncio.sleep(1)
    assert seen == [("at", 0.1), ("later", 0.3)]


class Stamps(TypedDict):
    stamps: Annotated[list[tuple[str, datetime, float]], operator.add]


async def test_datetime_now_inside_a_node_advances_with_virtual_time(
    vclock: VirtualClock,
) -> None:
    async def first(state: Stamps) -> Stamps:
        await asyncio.sleep(90)
        return {"stamps": [("first", datetime.now(), vclock.now())]}

    def second(state: Stamps) -> Stamps:
        clock = current_clock()
        assert clock is vclock
        clock.sleep(30)
        return {"stamps": [("second", datetime.now(), vclock.now())]}

    graph = StateGraph(Stamps)
    graph.add_node("first", first)
    graph.add_node("second", second)
    graph.add_edge(START, "first")
    graph.add_edge("first", "second")
    graph.add_edge("second", END)
    started = datetime.now()
    result = await graph.compile().ainvoke({"stamps": []})
    (_, first_at, first_now), (_, second_at, second_now) = result["stamps"]
    assert (first_now, second_now) == (90.0, 120.0)
    assert first_at - started == timedelta(seconds=90)
    assert second_at - started == timedelta(seconds=120)


class Calls(TypedDict):
    done: Annotated[list[tuple[str, float]], operator.add]


async def test_sync_nodes_waiting_on_the_clock_run_in_parallel(
    vclock: VirtualClock, chronometer: Chronometer
) -> None:
    def node(name: str) -> Callable[[Calls], Calls]:
        def call(state: Calls) -> Calls:
            clock = current_clock()
            assert clock is not None
            clock.sleep(0.2)
            return {"done": [(name, vclock.now())]}

        return call

    graph = StateGraph(Calls)
    for name in ("a", "b", "c"):
        graph.add_node(name, node(name))
        graph.add_edge(START, name)
        graph.add_edge(name, END)
    with chronometer:
        result = await graph.compile().ainvoke({"done": []})
    assert sorted(result["done"]) == [("a", 0.2), ("b", 0.2), ("c", 0.2)]
    assert vclock.now() == 0.2
    assert chronometer.elapsed < 2
