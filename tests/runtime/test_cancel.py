"""Cancellation: nothing left running, finally blocks run, the run says where it was."""

from __future__ import annotations

import asyncio
import contextlib
import operator
from typing import Annotated, Any, TypedDict

import pytest

from warpgraph import END, START, GraphRecursionError, StateGraph
from warpgraph.testing import VirtualClock


class State(TypedDict, total=False):
    x: int
    log: Annotated[list[str], operator.add]


def parallel(events: list[str], *, fail_after: float | None = None) -> Any:
    """START -> first (1 s) -> {left, right} (5 s each, or `left` fails after fail_after)."""

    def waiter(name: str, seconds: float, error: Exception | None = None) -> Any:
        async def node(state: State) -> dict[str, Any]:
            try:
                await asyncio.sleep(seconds)
                if error is not None:
                    raise error
            finally:
                events.append(f"{name} finally at {asyncio.get_running_loop().time()}")
            return {"log": [name]}

        return node

    builder = StateGraph(State)
    builder.add_node("first", waiter("first", 1.0))
    if fail_after is None:
        builder.add_node("left", waiter("left", 5.0))
    else:
        builder.add_node("left", waiter("left", fail_after, KeyError("left broke")))
    builder.add_node("right", waiter("right", 5.0))
    builder.add_edge(START, "first")
    builder.add_edge("first", "left")
    builder.add_edge("first", "right")
    builder.add_edge("right", END)
    return builder.compile()


@pytest.mark.virtual_time
async def test_cancelling_ainvoke_runs_every_finally_and_leaves_no_task_behind(
    vclock: VirtualClock,
) -> None:
    events: list[str] = []
    before = asyncio.all_tasks()
    run = asyncio.create_task(parallel(events).ainvoke({}))
    await asyncio.sleep(2.0)
    run.cancel()
    with pytest.raises(asyncio.CancelledError) as caught:
        await run
    assert vclock.now() == 2.0
    assert sorted(events) == ["first finally at 1.0", "left finally at 2.0", "right finally at 2.0"]
    assert asyncio.all_tasks() == before
    assert caught.value.__notes__ == [
        "warpgraph: graph 'LangGraph' was cancelled in step 2 (nodes in flight: left, right); "
        "trajectory so far: 1 first -> 2 left, right"
    ]


@pytest.mark.virtual_time
async def test_a_cancelled_chain_names_the_node_it_was_running() -> None:
    async def slow(state: State) -> dict[str, Any]:
        await asyncio.sleep(10)
        return {}

    builder = StateGraph(State)
    builder.add_node("slow", slow)
    builder.add_edge(START, "slow")
    run = asyncio.create_task(builder.compile().ainvoke({}))
    await asyncio.sleep(1)
    run.cancel()
    with pytest.raises(asyncio.CancelledError) as caught:
        await run
    assert caught.value.__notes__ == [
        "warpgraph: graph 'LangGraph' was cancelled in step 1 (nodes in flight: slow); "
        "trajectory so far: 1 slow"
    ]


@pytest.mark.virtual_time
async def test_a_failing_node_cancels_its_siblings_in_the_step_at_once(
    vclock: VirtualClock,
) -> None:
    events: list[str] = []
    before = asyncio.all_tasks()
    with pytest.raises(KeyError, match=r"left broke"):
        await parallel(events, fail_after=0.5).ainvoke({})
    assert vclock.now() == 1.5
    assert sorted(events) == ["first finally at 1.0", "left finally at 1.5", "right finally at 1.5"]
    assert asyncio.all_tasks() == before


@pytest.mark.virtual_time
async def test_closing_an_astream_early_cancels_the_run_and_its_nodes(
    vclock: VirtualClock,
) -> None:
    events: list[str] = []
    before = asyncio.all_tasks()
    app = parallel(events)
    # buffer=1 lets the run go on while the consumer holds the first chunk.
    async with contextlib.aclosing(app.astream({}, buffer=1)) as stream:
        async for chunk in stream:
            assert chunk == {"first": {"log": ["first"]}}
            await asyncio.sleep(0.5)
            break
    assert vclock.now() == 1.5
    assert sorted(events) == ["first finally at 1.0", "left finally at 1.5", "right finally at 1.5"]
    assert asyncio.all_tasks() == before


@pytest.mark.virtual_time
async def test_an_astream_consumer_that_stops_stops_the_run_between_steps() -> None:
    events: list[str] = []
    async with contextlib.aclosing(parallel(events).astream({})) as stream:
        async for _ in stream:
            await asyncio.sleep(0.5)
            break
    # Without a buffer the run waits for its consumer before each step, as in LangGraph.
    assert events == ["first finally at 1.0"]


@pytest.mark.virtual_time
async def test_cancelling_abatch_cancels_every_run(vclock: VirtualClock) -> None:
    events: list[str] = []
    before = asyncio.all_tasks()
    batch = asyncio.create_task(parallel(events).abatch([{}, {}, {}]))
    await asyncio.sleep(3.0)
    batch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await batch
    assert events.count("left finally at 3.0") == events.count("right finally at 3.0") == 3
    assert asyncio.all_tasks() == before
    assert vclock.now() == 3.0


@pytest.mark.virtual_time
async def test_a_sync_node_cannot_be_interrupted_but_the_run_stops_waiting_for_it(
    vclock: VirtualClock,
) -> None:
    finished: list[float] = []

    def blocking(state: State) -> dict[str, Any]:
        vclock.sleep(3.0)  # parks this worker thread on the virtual clock
        finished.append(vclock.now())
        return {"x": 1}

    builder = StateGraph(State)
    builder.add_node("blocking", blocking)
    builder.add_edge(START, "blocking")
    run = asyncio.create_task(builder.compile().ainvoke({}))
    await asyncio.sleep(1.0)
    run.cancel()
    with pytest.raises(asyncio.CancelledError) as caught:
        await run
    assert vclock.now() == 1.0
    assert "(nodes in flight: blocking)" in caught.value.__notes__[0]
    await asyncio.sleep(5.0)
    assert finished == [3.0]  # the thread ran to its end; its result went nowhere


# -- runaway runs --------------------------------------------------------------------------


def ping_pong(*, use_async: bool = False) -> Any:
    async def bump(state: State) -> dict[str, Any]:
        return {"x": state.get("x", 0) + 1}

    def bump_sync(state: State) -> dict[str, Any]:
        return {"x": state.get("x", 0) + 1}

    builder = StateGraph(State)
    builder.add_node("ping", bump if use_async else bump_sync)
    builder.add_node("pong", bump if use_async else bump_sync)
    builder.add_edge(START, "ping")
    builder.add_edge("ping", "pong")
    builder.add_edge("pong", "ping")
    return builder.compile()


# Async nodes take the engine's fast path, where a chain's next step is queued without
# planning; sync ones are planned every step. Both must report the same trajectory.
@pytest.mark.parametrize("use_async", [False, True], ids=["planned", "queued"])
async def test_a_recursion_error_reports_the_trajectory_so_far(use_async: bool) -> None:
    with pytest.raises(GraphRecursionError) as caught:
        await ping_pong(use_async=use_async).ainvoke({}, {"recursion_limit": 5})
    assert caught.value.__notes__ == [
        "warpgraph: trajectory of graph 'LangGraph' so far (5 steps): "
        "1 ping -> 2 pong -> 3 ping -> 4 pong -> 5 ping"
    ]


async def test_a_long_trajectory_shows_its_ends_and_how_often_each_node_ran() -> None:
    with pytest.raises(GraphRecursionError) as caught:
        await ping_pong().ainvoke({}, {"recursion_limit": 40})
    assert caught.value.__notes__ == [
        "warpgraph: trajectory of graph 'LangGraph' so far (40 steps): "
        "1 ping -> 2 pong -> 3 ping -> ... (29 steps) ... -> 33 ping -> 34 pong -> 35 ping -> "
        "36 pong -> 37 ping -> 38 pong -> 39 ping -> 40 pong [tasks per node: ping x20, pong x20]"
    ]


@pytest.mark.virtual_time
async def test_a_cancelled_fast_chain_reports_its_steps_and_the_node_cut_off() -> None:
    async def tick(state: State) -> dict[str, Any]:
        await asyncio.sleep(1)
        return {"x": state.get("x", 0) + 1}

    builder = StateGraph(State)
    for i in range(10):
        builder.add_node(f"n{i}", tick)
        builder.add_edge(f"n{i - 1}" if i else START, f"n{i}")
    run = asyncio.create_task(builder.compile().ainvoke({}))
    await asyncio.sleep(4.5)
    run.cancel()
    with pytest.raises(asyncio.CancelledError) as caught:
        await run
    assert caught.value.__notes__ == [
        "warpgraph: graph 'LangGraph' was cancelled in step 5 (nodes in flight: n4); "
        "trajectory so far: 1 n0 -> 2 n1 -> 3 n2 -> 4 n3 -> 5 n4"
    ]
