"""Backpressure: a bounded astream buffer, and amap's bounded window over endless inputs."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from typing import Any, TypedDict

import pytest

from warpgraph import START, StateGraph
from warpgraph.testing import VirtualClock


class State(TypedDict, total=False):
    x: int


def chain(starts: list[float], length: int = 6) -> Any:
    """n0 -> n1 -> ... instant nodes that record when they start."""
    builder = StateGraph(State)
    names = [f"n{i}" for i in range(length)]
    for i, name in enumerate(names):

        async def node(state: State, i: int = i) -> dict[str, Any]:
            starts.append(asyncio.get_running_loop().time())
            return {"x": i}

        builder.add_node(name, node)
    builder.add_edge(START, names[0])
    for a, b in itertools.pairwise(names):
        builder.add_edge(a, b)
    return builder.compile()


@pytest.mark.parametrize("buffer", [0, 1, 2, 3])
@pytest.mark.virtual_time
async def test_a_consumer_taking_a_second_per_chunk_holds_the_run_buffer_chunks_ahead(
    buffer: int, vclock: VirtualClock
) -> None:
    starts: list[float] = []
    received: list[float] = []
    async for _ in chain(starts).astream({}, buffer=buffer):
        received.append(vclock.now())
        await asyncio.sleep(1)
    assert received == [0, 1, 2, 3, 4, 5]
    # Node k runs once its k predecessors' chunks were produced; the consumer is done with
    # a chunk when it asks for the next, so at time t it finished t of them: k - t <= buffer.
    assert starts == [max(0, k - buffer) for k in range(6)]


async def test_a_negative_stream_buffer_is_refused() -> None:
    with pytest.raises(
        ValueError,
        match=r"^astream\(buffer=-1\): buffer must be a non-negative int, the number of "
        r"chunks the run may get ahead of its consumer \(0, the default, means none\)$",
    ):
        async for _ in chain([]).astream({}, buffer=-1):
            pass


# -- amap ----------------------------------------------------------------------------------


class Job(TypedDict, total=False):
    n: int
    delay: float
    out: int


def doubler(log: list[tuple[str, int, float]]) -> Any:
    async def work(state: Job) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        log.append(("start", state["n"], loop.time()))
        try:
            await asyncio.sleep(state.get("delay", 1.0))
            if state["n"] < 0:
                raise KeyError(state["n"])
        finally:
            log.append(("end", state["n"], loop.time()))
        return {"out": state["n"] * 2}

    builder = StateGraph(Job)
    builder.add_node("work", work)
    builder.add_edge(START, "work")
    return builder.compile()


def in_flight_peak(log: list[tuple[str, int, float]]) -> int:
    level = peak = 0
    for kind, _, _ in log:
        level += 1 if kind == "start" else -1
        peak = max(peak, level)
    return peak


@pytest.mark.virtual_time
async def test_amap_yields_in_input_order_with_at_most_its_window_in_flight(
    vclock: VirtualClock,
) -> None:
    log: list[tuple[str, int, float]] = []
    app = doubler(log)
    outs = [r["out"] async for r in app.amap(({"n": n} for n in range(10)), max_in_flight=3)]
    assert outs == [n * 2 for n in range(10)]
    assert in_flight_peak(log) == 3
    assert vclock.now() == 4.0  # ceil(10 / 3) one-second rounds


@pytest.mark.virtual_time
async def test_amap_as_completed_yields_index_and_result_as_runs_finish(
    vclock: VirtualClock,
) -> None:
    delays = [3.0, 1.0, 2.0]
    app = doubler([])
    jobs = [{"n": n, "delay": d} for n, d in enumerate(delays)]
    seen = [(i, r["out"], vclock.now()) async for i, r in app.amap(jobs, as_completed=True)]
    assert seen == [(1, 2, 1.0), (2, 4, 2.0), (0, 0, 3.0)]


@pytest.mark.virtual_time
async def test_amap_over_an_endless_input_starts_only_what_its_window_allows() -> None:
    log: list[tuple[str, int, float]] = []
    before = asyncio.all_tasks()
    inputs = ({"n": n} for n in itertools.count())
    async with contextlib.aclosing(doubler(log).amap(inputs, max_in_flight=4)) as results:
        async for result in results:
            if result["out"] == 8:  # the fifth result
                break
    started = sorted(n for kind, n, _ in log if kind == "start")
    # Five taken and the window refilled behind each: runs 5-8 were pending at the break
    # (run 8 was created just before it and cancelled before its node began).
    assert started == list(range(8))
    assert asyncio.all_tasks() == before
    ended_late = [n for kind, n, t in log if kind == "end" and n >= 5]
    assert sorted(ended_late) == [5, 6, 7]  # cancelled, their finally blocks ran


@pytest.mark.virtual_time
async def test_a_slow_amap_consumer_holds_back_new_runs(vclock: VirtualClock) -> None:
    log: list[tuple[str, int, float]] = []
    app = doubler(log)
    async for _ in app.amap([{"n": n} for n in range(6)], max_in_flight=2):
        await asyncio.sleep(10)
    starts = [t for kind, _, t in log if kind == "start"]
    # Each run finishes in 1 s, but a new one starts only when the consumer takes a result.
    assert starts == [0.0, 0.0, 1.0, 11.0, 21.0, 31.0]
    assert vclock.now() == 61.0


@pytest.mark.virtual_time
async def test_amap_reads_async_iterables_too(vclock: VirtualClock) -> None:
    async def jobs() -> AsyncIterator[Job]:
        for n in range(4):
            await asyncio.sleep(0.5)  # inputs arriving over time
            yield {"n": n, "delay": 1.0}

    outs = [r["out"] async for r in doubler([]).amap(jobs(), max_in_flight=8)]
    assert outs == [0, 2, 4, 6]
    assert vclock.now() == 3.0  # the last input arrives at 2.0 and takes 1 s


@pytest.mark.virtual_time
async def test_a_failed_run_stops_amap_at_once_and_cancels_the_rest(
    vclock: VirtualClock,
) -> None:
    log: list[tuple[str, int, float]] = []
    before = asyncio.all_tasks()
    jobs = [{"n": 0, "delay": 5.0}, {"n": -1, "delay": 1.0}, {"n": 2, "delay": 5.0}]

    async def drain() -> None:
        async with contextlib.aclosing(doubler(log).amap(jobs)) as results:
            async for _ in results:
                pass

    with pytest.raises(KeyError):
        await drain()
    assert vclock.now() == 1.0
    assert sorted((n, t) for kind, n, t in log if kind == "end") == [(-1, 1.0), (0, 1.0), (2, 1.0)]
    assert asyncio.all_tasks() == before


@pytest.mark.virtual_time
async def test_amap_with_return_exceptions_yields_the_error_in_its_place() -> None:
    jobs = [{"n": 1}, {"n": -1}, {"n": 3}]
    results = [r async for r in doubler([]).amap(jobs, return_exceptions=True)]
    assert results[0] == {"n": 1, "out": 2}
    assert isinstance(results[1], KeyError)
    assert results[2] == {"n": 3, "out": 6}


@pytest.mark.virtual_time
async def test_abatch_as_completed_is_langgraphs_with_max_concurrency(
    vclock: VirtualClock,
) -> None:
    jobs = [{"n": n, "delay": float(3 - n)} for n in range(3)]
    pairs = [(i, r["out"]) async for i, r in doubler([]).abatch_as_completed(jobs)]
    assert pairs == [(2, 4), (1, 2), (0, 0)]
    assert vclock.now() == 3.0
    gated = [i async for i, _ in doubler([]).abatch_as_completed(jobs, {"max_concurrency": 1})]
    assert gated == [0, 1, 2]
    assert vclock.now() == 3.0 + 6.0


async def test_amap_refuses_a_window_that_is_not_a_positive_int() -> None:
    with pytest.raises(
        ValueError,
        match=r"^amap\(max_in_flight=0\): the window must be a positive int, e\.g\. "
        r"max_in_flight=16$",
    ):
        async for _ in doubler([]).amap([{"n": 1}], max_in_flight=0):
            pass


async def test_abatch_as_completed_refuses_one_config_per_input() -> None:
    with pytest.raises(
        TypeError,
        match=r"^abatch_as_completed\(\) takes one config dict for all inputs; for one "
        r"config per input use abatch\(inputs, \[config, \.\.\.\]\)$",
    ):
        doubler([]).abatch_as_completed([{"n": 1}], [{}])  # type: ignore[arg-type]
