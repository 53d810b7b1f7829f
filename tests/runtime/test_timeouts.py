"""Node, step and run timeouts, measured on the virtual clock."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any, TypedDict

import pytest

from warpgraph import (
    END,
    START,
    GraphBuildError,
    NodeTimeoutError,
    RetryPolicy,
    RunTimeoutError,
    StateGraph,
)
from warpgraph.testing import Trace, VirtualClock


class State(TypedDict, total=False):
    log: list[str]
    x: int


def sleeper(name: str, seconds: float, events: list[str] | None = None) -> Any:
    async def node(state: State) -> dict[str, Any]:
        try:
            await asyncio.sleep(seconds)
        finally:
            if events is not None:
                events.append(f"{name} finally at {asyncio.get_running_loop().time()}")
        return {"log": [*state.get("log", []), name]}

    node.__name__ = name
    return node


def single(seconds: float, **options: Any) -> Any:
    builder = StateGraph(State)
    builder.add_node("slow", sleeper("slow", seconds), **options)
    builder.add_edge(START, "slow")
    builder.add_edge("slow", END)
    return builder.compile()


# -- node timeouts -------------------------------------------------------------------------


@pytest.mark.virtual_time
async def test_a_half_second_timeout_stops_a_two_second_node_at_half_a_second(
    vclock: VirtualClock,
) -> None:
    with pytest.raises(NodeTimeoutError) as caught:
        await single(2.0, timeout=0.5).ainvoke({})
    assert vclock.now() == 0.5
    assert str(caught.value) == (
        "Node 'slow' exceeded its timeout of 0.5 s (elapsed 0.5 s); raise timeout= in "
        "add_node('slow', ...) or make the node faster"
    )
    assert (caught.value.node, caught.value.timeout, caught.value.elapsed) == ("slow", 0.5, 0.5)
    assert isinstance(caught.value, TimeoutError)


@pytest.mark.virtual_time
async def test_three_attempts_with_initial_interval_one_end_at_four_and_a_half(
    vclock: VirtualClock, graph_trace: Trace
) -> None:
    policy = RetryPolicy(max_attempts=3, initial_interval=1.0, jitter=False)
    with pytest.raises(NodeTimeoutError):
        await single(2.0, timeout=0.5, retry_policy=policy).ainvoke({})
    # 0.5 attempt + 1 wait + 0.5 attempt + 2 wait + 0.5 attempt
    assert vclock.now() == 4.5
    attempts = [(s.attempt, s.start, s.end, s.status) for s in graph_trace.spans("slow")]
    assert attempts == [
        (1, 0.0, 0.5, "error"),
        (2, 1.5, 2.0, "error"),
        (3, 4.0, 4.5, "error"),
    ]


@pytest.mark.virtual_time
async def test_a_node_that_beats_its_timeout_on_a_retry_succeeds(vclock: VirtualClock) -> None:
    durations = iter([2.0, 0.25])

    async def flaky(state: State) -> dict[str, Any]:
        await asyncio.sleep(next(durations))
        return {"x": 1}

    builder = StateGraph(State)
    policy = RetryPolicy(initial_interval=1.0, jitter=False)
    builder.add_node("flaky", flaky, timeout=timedelta(seconds=0.5), retry_policy=policy)
    builder.add_edge(START, "flaky")
    assert await builder.compile().ainvoke({}) == {"x": 1}
    assert vclock.now() == 1.75


@pytest.mark.virtual_time
async def test_a_timed_out_attempt_runs_its_finally_block_at_the_deadline() -> None:
    events: list[str] = []
    builder = StateGraph(State)
    builder.add_node("slow", sleeper("slow", 2.0, events), timeout=0.5)
    builder.add_edge(START, "slow")
    with pytest.raises(NodeTimeoutError):
        await builder.compile().ainvoke({})
    assert events == ["slow finally at 0.5"]


@pytest.mark.virtual_time
async def test_a_node_timeout_error_carries_the_trajectory_so_far() -> None:
    builder = StateGraph(State)
    builder.add_node("first", sleeper("first", 1.0))
    builder.add_node("slow", sleeper("slow", 2.0), timeout=0.5)
    builder.add_edge(START, "first")
    builder.add_edge("first", "slow")
    with pytest.raises(NodeTimeoutError) as caught:
        await builder.compile().ainvoke({})
    assert caught.value.__notes__ == [
        "warpgraph: trajectory of graph 'LangGraph' so far (2 steps): 1 first -> 2 slow"
    ]


def test_a_sync_node_with_a_timeout_is_refused_with_how_to_fix_it() -> None:
    def blocking(state: State) -> dict[str, Any]:
        return {}

    with pytest.raises(
        GraphBuildError,
        match=r"^Node 'blocking' is sync, so timeout=1 cannot interrupt it \(a thread cannot "
        r"be cancelled\); make it `async def` \(run blocking work with `await "
        r"asyncio\.to_thread\(\.\.\.\)` inside it\) or drop the timeout$",
    ):
        StateGraph(State).add_node("blocking", blocking, timeout=1)


@pytest.mark.parametrize("bad", [0, -1, "5", True])
def test_a_timeout_that_is_not_a_positive_number_is_refused(bad: Any) -> None:
    with pytest.raises(
        GraphBuildError,
        match=r"^Node 'slow': timeout must be a positive number of seconds \(or a timedelta\), "
        rf"got {bad!r}; pass e\.g\. timeout=30, or None$",
    ):
        StateGraph(State).add_node("slow", sleeper("slow", 1), timeout=bad)


@pytest.mark.virtual_time
async def test_blocking_work_moved_to_a_thread_inside_an_async_node_is_bounded_too(
    vclock: VirtualClock,
) -> None:
    released = asyncio.Event()

    async def wrapper(state: State) -> dict[str, Any]:
        # The thread itself is not interrupted; the node stops waiting for it.
        await asyncio.to_thread(vclock.sleep, 3.0)
        released.set()
        return {"x": 1}

    builder = StateGraph(State)
    builder.add_node("wrapper", wrapper, timeout=1)
    builder.add_edge(START, "wrapper")
    with pytest.raises(NodeTimeoutError):
        await builder.compile().ainvoke({})
    assert vclock.now() == 1.0
    await asyncio.sleep(2.0)  # let the abandoned thread finish on the virtual clock
    assert not released.is_set()


# -- step and run timeouts -----------------------------------------------------------------


def three_steps(*seconds: float) -> Any:
    builder = StateGraph(State)
    names = [f"n{i}" for i in range(len(seconds))]
    for name, s in zip(names, seconds, strict=True):
        builder.add_node(name, sleeper(name, s))
    builder.add_edge(START, names[0])
    for a, b in itertools.pairwise(names):
        builder.add_edge(a, b)
    return builder.compile()


@pytest.mark.virtual_time
async def test_a_step_timeout_stops_the_first_step_that_runs_past_it(
    vclock: VirtualClock,
) -> None:
    with pytest.raises(RunTimeoutError) as caught:
        await three_steps(1.0, 1.0, 5.0).ainvoke({}, {"step_timeout": 1.5})
    assert vclock.now() == 3.5
    error = caught.value
    assert str(error) == (
        "Graph 'LangGraph' exceeded its step_timeout of 1.5 s in step 3 (nodes in flight: "
        "n2); trajectory so far: 1 n0 -> 2 n1 -> 3 n2. To let it finish, raise "
        "config['step_timeout'] or make the slow nodes faster"
    )
    assert (error.kind, error.step, error.in_flight) == ("step", 3, ("n2",))
    assert error.trajectory == (("n0",), ("n1",), ("n2",))


@pytest.mark.virtual_time
async def test_the_graph_step_timeout_attribute_works_as_in_langgraph(
    vclock: VirtualClock,
) -> None:
    app = three_steps(1.0, 2.0)
    app.step_timeout = 1.5
    with pytest.raises(RunTimeoutError, match=r"step_timeout of 1\.5 s in step 2"):
        await app.ainvoke({})
    assert vclock.now() == 2.5
    # The config wins, even when it turns the timeout off.
    assert await app.ainvoke({}, {"step_timeout": None}) == {"log": ["n0", "n1"]}


@pytest.mark.virtual_time
async def test_a_run_timeout_bounds_the_whole_run_and_names_the_nodes_cut_off(
    vclock: VirtualClock,
) -> None:
    events: list[str] = []
    builder = StateGraph(State)
    builder.add_node("a", sleeper("a", 1.0))
    builder.add_node("b", sleeper("b", 3.0, events))
    builder.add_node("c", sleeper("c", 3.0, events))
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("a", "c")
    with pytest.raises(RunTimeoutError) as caught:
        await builder.compile().ainvoke({}, {"run_timeout": 2.5, "step_timeout": 10})
    assert vclock.now() == 2.5
    assert caught.value.kind == "run"
    assert caught.value.in_flight == ("b", "c")
    assert str(caught.value).startswith(
        "Graph 'LangGraph' exceeded its run_timeout of 2.5 s in step 2 (nodes in flight: b, c)"
    )
    assert events == ["b finally at 2.5", "c finally at 2.5"]


@pytest.mark.virtual_time
async def test_a_run_that_finishes_in_time_is_not_affected_by_its_timeouts(
    vclock: VirtualClock,
) -> None:
    config = {"run_timeout": 2.5, "step_timeout": 1.5}
    result = await three_steps(1.0, 1.0).ainvoke({}, config)
    assert result == {"log": ["n0", "n1"]}
    assert vclock.now() == 2.0
    await asyncio.sleep(5)  # no stray timer fires later


@pytest.mark.virtual_time
async def test_a_step_timeout_over_a_sync_node_stops_waiting_for_its_thread(
    vclock: VirtualClock,
) -> None:
    finished: list[float] = []

    def blocking(state: State) -> dict[str, Any]:
        vclock.sleep(3.0)  # a worker thread waiting on the virtual clock
        finished.append(vclock.now())
        return {"x": 1}

    builder = StateGraph(State)
    builder.add_node("blocking", blocking)
    builder.add_edge(START, "blocking")
    with pytest.raises(RunTimeoutError, match=r"in step 1 \(nodes in flight: blocking\)"):
        await builder.compile().ainvoke({}, {"step_timeout": 1})
    assert vclock.now() == 1.0
    await asyncio.sleep(5)
    assert finished == [3.0]  # the thread could not be interrupted; its result was dropped


@pytest.mark.parametrize("key", ["step_timeout", "run_timeout"])
async def test_a_malformed_run_or_step_timeout_is_refused(key: str) -> None:
    with pytest.raises(
        ValueError,
        match=rf"^config\['{key}'\] must be a positive number of seconds \(or a timedelta\), "
        rf"got -1; pass e\.g\. config=\{{'{key}': 30\}}, or None$",
    ):
        await three_steps(1.0).ainvoke({}, {key: -1})


# A regression test: when a multi-task step started its nodes eagerly in the caller's
# task, `asyncio.timeout()` entered before a node's first await bound to the run's task
# and cancelled the whole run at its deadline.
@pytest.mark.virtual_time
async def test_a_nodes_own_asyncio_timeout_in_a_parallel_step_stops_only_that_node(
    vclock: VirtualClock,
) -> None:
    class Pair(TypedDict, total=False):
        a: str
        b: str

    async def a(state: Pair) -> dict[str, Any]:
        try:
            async with asyncio.timeout(0.5):
                await asyncio.sleep(1)
        except TimeoutError:
            return {"a": "timed out"}
        return {"a": "done"}

    async def b(state: Pair) -> dict[str, Any]:
        await asyncio.sleep(2)
        return {"b": "ok"}

    builder = StateGraph(Pair)
    builder.add_node("a", a)
    builder.add_node("b", b)
    builder.add_edge(START, "a")
    builder.add_edge(START, "b")
    assert await builder.compile().ainvoke({}) == {"a": "timed out", "b": "ok"}
    assert vclock.now() == 2.0
