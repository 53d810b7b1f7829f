"""Run events: emitted only to subscribers, with nesting context for code inside nodes."""

import asyncio
from typing import Any, TypedDict

import pytest

from warpgraph import START, RetryPolicy, StateGraph, observe
from warpgraph.runtime import (
    Event,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    TaskFinished,
    TaskStarted,
    active_subscribers,
    current_task,
)


class State(TypedDict, total=False):
    x: int


def fan_app(node: Any = None) -> Any:
    async def work(state: State) -> dict[str, Any]:
        await asyncio.sleep(1)
        return {}

    g = StateGraph(State)
    g.add_node("a", node or work)
    g.add_node("b", work)
    g.add_edge(START, "a")
    g.add_edge(START, "b")
    return g.compile()


def shape(event: Event) -> tuple[Any, ...]:
    if isinstance(event, (TaskStarted, TaskFinished)):
        status = getattr(event, "status", None)
        return (type(event).__name__, event.node, event.step, event.attempt, event.t, status)
    if isinstance(event, StepStarted):
        return ("StepStarted", event.step, event.nodes, event.t)
    if isinstance(event, StepFinished):
        return ("StepFinished", event.step, event.t)
    if isinstance(event, RunFinished):
        return ("RunFinished", event.status, event.t)
    assert isinstance(event, RunStarted)
    return ("RunStarted", event.graph, event.parent_task_id, event.t)


@pytest.mark.virtual_time
async def test_subscribers_see_run_step_and_task_spans_in_loop_time() -> None:
    events: list[Event] = []
    await fan_app().ainvoke({}, {"callbacks": [events.append]})
    assert [shape(e) for e in events] == [
        ("RunStarted", "LangGraph", None, 0.0),
        ("StepStarted", 1, ("a", "b"), 0.0),
        ("TaskStarted", "a", 1, 1, 0.0, None),
        ("TaskStarted", "b", 1, 1, 0.0, None),
        ("TaskFinished", "a", 1, 1, 1.0, "ok"),
        ("TaskFinished", "b", 1, 1, 1.0, "ok"),
        ("StepFinished", 1, 1.0),
        ("RunFinished", "ok", 1.0),
    ]
    run_ids = {getattr(e, "run_id", None) for e in events}
    assert len(run_ids) == 1


@pytest.mark.virtual_time
async def test_the_finished_run_event_carries_the_final_state() -> None:
    events: list[Event] = []
    result = await fan_app().ainvoke({"x": 7}, {"callbacks": [events.append]})
    finished = [e for e in events if isinstance(e, RunFinished)]
    assert result == {"x": 7}
    assert [(e.status, e.output) for e in finished] == [("ok", {"x": 7})]


@pytest.mark.virtual_time
async def test_every_retry_attempt_is_its_own_task_span() -> None:
    attempts: list[int] = []

    async def flaky(state: State) -> dict[str, Any]:
        attempts.append(1)
        if len(attempts) < 2:
            raise ConnectionError("retry me")
        return {}

    g = StateGraph(State)
    g.add_node("flaky", flaky, retry_policy=RetryPolicy(initial_interval=2.0, jitter=False))
    g.add_edge(START, "flaky")
    events: list[Event] = []
    with observe(events.append):
        await g.compile().ainvoke({})
    tasks = [shape(e) for e in events if isinstance(e, (TaskStarted, TaskFinished))]
    assert tasks == [
        ("TaskStarted", "flaky", 1, 1, 0.0, None),
        ("TaskFinished", "flaky", 1, 1, 0.0, "error"),
        ("TaskStarted", "flaky", 1, 2, 2.0, None),
        ("TaskFinished", "flaky", 1, 2, 2.0, "ok"),
    ]


@pytest.mark.virtual_time
async def test_a_failed_run_reports_the_failure_and_the_cancelled_sibling() -> None:
    async def fails(state: State) -> dict[str, Any]:
        await asyncio.sleep(0.5)
        raise KeyError("k")

    events: list[Event] = []
    with pytest.raises(KeyError):
        await fan_app(fails).ainvoke({}, {"callbacks": [events.append]})
    finished = [(e.node, e.status, e.t) for e in events if isinstance(e, TaskFinished)]
    assert finished == [("a", "error", 0.5), ("b", "cancelled", 0.5)]
    assert isinstance(events[-1], RunFinished)
    assert events[-1].status == "error"


async def test_code_inside_a_node_finds_the_subscribers_and_its_task() -> None:
    seen: list[Any] = []

    def look(state: State) -> dict[str, Any]:  # sync: runs in a worker thread
        task = current_task()
        seen.append((task.node if task else None, len(active_subscribers())))
        return {}

    g = StateGraph(State)
    g.add_node("look", look)
    g.add_edge(START, "look")
    await g.compile().ainvoke({}, {"callbacks": [lambda e: None]})
    assert seen == [("look", 1)]


async def test_without_subscribers_nodes_see_no_task_context() -> None:
    seen: list[Any] = []
    g = StateGraph(State)
    g.add_node("look", lambda s: seen.append(current_task()))
    g.add_edge(START, "look")
    await g.compile().ainvoke({})
    assert seen == [None]


async def test_a_subgraph_run_names_the_parent_task_that_started_it() -> None:
    inner = StateGraph(State)
    inner.add_node("leaf", lambda s: {"x": 1})
    inner.add_edge(START, "leaf")
    outer = StateGraph(State)
    outer.add_node("sub", inner.compile(name="inner"))
    outer.add_edge(START, "sub")
    events: list[Event] = []
    await outer.compile().ainvoke({}, {"callbacks": [events.append]})
    runs = [e for e in events if isinstance(e, RunStarted)]
    assert [r.graph for r in runs] == ["LangGraph", "inner"]
    sub_task = next(e for e in events if isinstance(e, TaskStarted) and e.node == "sub")
    assert runs[1].parent_task_id == sub_task.task_id
