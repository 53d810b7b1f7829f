"""Retries: LangGraph's policy, backoff on the loop clock, seedable jitter, attempts in traces."""

from __future__ import annotations

import asyncio
import random
from typing import Any, TypedDict

import pytest

from warpgraph import END, START, NodeTimeoutError, RetryPolicy, StateGraph
from warpgraph.runtime import default_retry_on
from warpgraph.testing import Trace, VirtualClock


class State(TypedDict, total=False):
    x: int


def flaky(errors: list[Exception], latency: float = 0.0, **options: Any) -> Any:
    """A node that raises each of `errors` in turn, then returns x=1."""
    pending = list(errors)

    async def node(state: State) -> dict[str, Any]:
        await asyncio.sleep(latency)
        if pending:
            raise pending.pop(0)
        return {"x": 1}

    builder = StateGraph(State)
    builder.add_node("flaky", node, **options)
    builder.add_edge(START, "flaky")
    return builder.compile()


def test_the_policy_has_langgraphs_defaults() -> None:
    assert RetryPolicy() == RetryPolicy(
        initial_interval=0.5,
        backoff_factor=2.0,
        max_interval=128.0,
        max_attempts=3,
        jitter=True,
        retry_on=default_retry_on,
    )


@pytest.mark.virtual_time
async def test_backoff_doubles_from_the_initial_interval_on_the_loop_clock(
    vclock: VirtualClock, graph_trace: Trace
) -> None:
    errors: list[Exception] = [ConnectionError("down"), ConnectionError("down")]
    app = flaky(errors, latency=1.0, retry_policy=RetryPolicy(jitter=False))
    assert await app.ainvoke({}) == {"x": 1}
    # attempt 1: 0-1, wait 0.5, attempt 2: 1.5-2.5, wait 1.0, attempt 3: 3.5-4.5
    assert vclock.now() == 4.5
    spans = graph_trace.spans("flaky")
    assert [(s.attempt, s.start, s.end, s.status) for s in spans] == [
        (1, 0.0, 1.0, "error"),
        (2, 1.5, 2.5, "error"),
        (3, 3.5, 4.5, "ok"),
    ]
    assert [type(s.error).__name__ for s in spans] == [
        "ConnectionError",
        "ConnectionError",
        "NoneType",
    ]


@pytest.mark.virtual_time
async def test_the_wait_is_capped_at_max_interval(vclock: VirtualClock) -> None:
    policy = RetryPolicy(initial_interval=10, backoff_factor=10, max_interval=15, jitter=False)
    app = flaky([ConnectionError(), ConnectionError()], retry_policy=policy)
    await app.ainvoke({})
    assert vclock.now() == 10 + 15


@pytest.mark.virtual_time
async def test_seeded_jitter_is_reproducible_and_adds_up_to_one_second(
    vclock: VirtualClock,
) -> None:
    policy = RetryPolicy(initial_interval=1.0, seed=7)
    await flaky([ConnectionError()], retry_policy=policy).ainvoke({})
    first = vclock.now()
    await flaky([ConnectionError()], retry_policy=policy).ainvoke({})
    assert vclock.now() - first == pytest.approx(first, abs=1e-9)
    assert first == pytest.approx(1.0 + random.Random(7).uniform(0, 1), abs=1e-9)


@pytest.mark.virtual_time
async def test_the_last_error_is_raised_once_the_attempts_are_used_up(
    vclock: VirtualClock, graph_trace: Trace
) -> None:
    errors: list[Exception] = [ConnectionError(f"try {i}") for i in range(1, 4)]
    app = flaky(errors, retry_policy=RetryPolicy(max_attempts=3, jitter=False))
    with pytest.raises(
        ConnectionError,
        match=(
            r"^try 3"
            r"\nDuring task with name 'flaky' and id '[0-9a-f-]+'$"
        ),
    ):
        await app.ainvoke({})
    assert vclock.now() == 1.5
    assert [s.attempt for s in graph_trace.spans("flaky")] == [1, 2, 3]


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (ConnectionError("reset"), True),
        (NodeTimeoutError("Node 'x' exceeded its timeout"), True),
        (RuntimeError("boom"), False),
        (ValueError("bad input"), False),
        (TimeoutError("a builtin TimeoutError is an OSError"), False),
        (Exception("anything else"), True),
    ],
)
def test_the_default_predicate_retries_transient_errors_only(
    error: Exception, retried: bool
) -> None:
    assert default_retry_on(error) is retried


@pytest.mark.virtual_time
async def test_an_error_the_policy_does_not_cover_fails_on_the_first_attempt(
    vclock: VirtualClock, graph_trace: Trace
) -> None:
    app = flaky([KeyError("no")], retry_policy=RetryPolicy(retry_on=ConnectionError))
    with pytest.raises(KeyError):
        await app.ainvoke({})
    assert vclock.now() == 0.0
    assert len(graph_trace.spans("flaky")) == 1


@pytest.mark.virtual_time
async def test_the_first_policy_that_covers_the_error_decides(vclock: VirtualClock) -> None:
    policies = [
        RetryPolicy(retry_on=KeyError, initial_interval=5, jitter=False),
        RetryPolicy(retry_on=(ConnectionError, OSError), initial_interval=2, jitter=False),
    ]
    await flaky([ConnectionError()], retry_policy=policies).ainvoke({})
    assert vclock.now() == 2.0


@pytest.mark.virtual_time
async def test_a_router_that_raises_fails_the_attempt_and_the_node_runs_again(
    vclock: VirtualClock, graph_trace: Trace
) -> None:
    runs: list[int] = []
    errors: list[Exception] = [ConnectionError("router down")]

    async def node(state: State) -> dict[str, Any]:
        runs.append(len(runs) + 1)
        return {"x": runs[-1]}

    def route(state: State) -> str:
        if errors:
            raise errors.pop(0)
        return END

    builder = StateGraph(State)
    retry = RetryPolicy(initial_interval=0.25, jitter=False)
    builder.add_node("node", node, retry_policy=retry)
    builder.add_edge(START, "node")
    builder.add_conditional_edges("node", route)
    assert await builder.compile().ainvoke({}) == {"x": 2}  # the first update is dropped
    assert vclock.now() == 0.25
    assert [s.attempt for s in graph_trace.spans("node")] == [1, 2]
