"""Traces of real warpgraph runs in virtual time: what the engine reports, the trace answers."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

import pytest

from warpgraph import END, START, RetryPolicy, Send, StateGraph, observe
from warpgraph.testing import FakeLLM, FakeTool, Trace, TraceAssertionError, VirtualClock
from warpgraph.testing._snapshot import trajectory


class Items(TypedDict, total=False):
    items: list[int]
    results: Annotated[list[int], operator.add]
    total: int


def map_reduce(latency: float = 1.0) -> Any:
    async def work(state: dict[str, int]) -> dict[str, Any]:
        await asyncio.sleep(latency)
        return {"results": [state["item"] * 2]}

    def reduce(state: Items) -> dict[str, Any]:
        return {"total": sum(state["results"])}

    builder = StateGraph(Items)
    builder.add_node("work", work)
    builder.add_node("reduce", reduce)
    builder.add_conditional_edges(START, lambda s: [Send("work", {"item": i}) for i in s["items"]])
    builder.add_edge("work", "reduce")
    builder.add_edge("reduce", END)
    return builder.compile()


@pytest.mark.virtual_time
async def test_a_send_map_reduce_over_100_items_shows_100_overlapping_spans_in_one_step(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    result = await map_reduce().ainvoke({"items": list(range(100))})
    assert result["total"] == 9900
    work = graph_trace.spans("work")
    assert len(work) == 100
    assert len({span.step for span in work}) == 1
    assert sorted(span.send_index or 0 for span in work) == list(range(100))
    assert all(span.send_index is not None for span in work)
    assert all(span.start == 0.0 and span.end == 1.0 for span in work)
    assert all(a.in_flight_with(b) for a in work for b in work if a is not b)
    assert graph_trace.max_concurrency() == 100
    assert graph_trace.makespan == vclock.now() == 1.0
    graph_trace.assert_parallel("work", "work")


@pytest.mark.virtual_time
async def test_the_run_max_concurrency_shows_in_the_trace(graph_trace: Trace) -> None:
    await map_reduce().ainvoke({"items": list(range(5))}, config={"max_concurrency": 2})
    graph_trace.assert_max_concurrency(2)
    assert graph_trace.max_concurrency() == 2
    graph_trace.assert_makespan(3.0)
    with pytest.raises(TraceAssertionError, match=r"^expected at most 1 task in flight at once"):
        graph_trace.assert_max_concurrency(1)


class Doc(TypedDict, total=False):
    text: str
    summary: str
    sentiment: str


def sync_fan_out(llm: FakeLLM) -> Any:
    # Sync nodes run in worker threads; the fake LLM parks them on the virtual clock.
    def summarize(state: Doc) -> dict[str, Any]:
        return {"summary": llm.invoke("Summarize: " + state["text"]).content}

    def analyze(state: Doc) -> dict[str, Any]:
        return {"sentiment": llm.invoke("Sentiment: " + state["text"]).content}

    builder = StateGraph(Doc)
    builder.add_node("summarize", summarize)
    builder.add_node("analyze", analyze)
    builder.add_edge(START, "summarize")
    builder.add_edge(START, "analyze")
    return builder.compile()


@pytest.mark.virtual_time
async def test_sync_nodes_in_worker_threads_are_traced_with_their_llm_calls(
    graph_trace: Trace,
) -> None:
    await sync_fan_out(FakeLLM(["short", "mixed"], latency=1.0)).ainvoke({"text": "t"})
    graph_trace.assert_parallel("summarize", "analyze")
    assert graph_trace.makespan == 1.0
    calls = graph_trace.spans(kind="llm")
    assert len(calls) == 2
    tasks = {span.id: span.name for span in graph_trace.spans()}
    assert sorted(tasks[call.parent_id] for call in calls if call.parent_id) == [
        "analyze",
        "summarize",
    ]


def test_the_sync_invoke_api_is_traced_in_a_sync_test(graph_trace: Trace) -> None:
    builder = StateGraph(Doc)
    builder.add_node("summarize", lambda state: {"summary": state["text"][:3]})
    builder.add_node("analyze", lambda state: {"sentiment": "neutral"})
    builder.add_edge(START, "summarize")
    builder.add_edge("summarize", "analyze")
    result = builder.compile().invoke({"text": "long text"})
    assert result == {"text": "long text", "summary": "lon", "sentiment": "neutral"}
    assert len(graph_trace.runs) == 1
    graph_trace.assert_order("summarize", "analyze")


def test_config_callbacks_subscribe_one_run_only() -> None:
    trace = Trace()
    clock = VirtualClock()
    app = sync_fan_out(FakeLLM(["a", "b", "c", "d"], latency=1.0))
    clock.run(app.ainvoke({"text": "t"}, config={"callbacks": [trace]}))
    clock.run(app.ainvoke({"text": "t"}))
    assert len(trace.runs) == 1
    trace.assert_parallel("summarize", "analyze")


class Flaky(TypedDict, total=False):
    value: int


@pytest.mark.virtual_time
async def test_retried_attempts_show_as_spans_and_their_back_off_as_idle_time(
    graph_trace: Trace,
) -> None:
    attempts = 0

    async def fetch(state: Flaky) -> dict[str, Any]:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(1.0)
        if attempts == 1:
            raise ConnectionError("reset")
        return {"value": 1}

    builder = StateGraph(Flaky)
    builder.add_node("fetch", fetch, retry_policy=RetryPolicy(initial_interval=0.5, jitter=False))
    builder.add_edge(START, "fetch")
    await builder.compile().ainvoke({"value": 0})
    first, second = graph_trace.spans("fetch")
    assert (first.attempt, first.status, first.start, first.end) == (1, "error", 0.0, 1.0)
    assert (second.attempt, second.status, second.start, second.end) == (2, "ok", 1.5, 2.5)
    assert graph_trace.idle_time() == 0.5
    assert graph_trace.critical_path().length == 2.5
    assert "step 1 fetch (attempt 2)" in graph_trace.gantt()


@pytest.mark.virtual_time
async def test_a_failed_run_is_traced_with_its_error(graph_trace: Trace) -> None:
    async def boom(state: Flaky) -> dict[str, Any]:
        await asyncio.sleep(0.25)
        raise KeyError("missing")

    builder = StateGraph(Flaky)
    builder.add_node("boom", boom)
    builder.add_edge(START, "boom")
    with pytest.raises(KeyError):
        await builder.compile().ainvoke({"value": 0})
    (run,) = graph_trace.runs
    (task,) = graph_trace.spans("boom")
    assert (run.status, task.status, task.end) == ("error", "error", 0.25)
    assert graph_trace.gantt().splitlines()[-1].endswith("0.00 → 0.25 s  ✗ KeyError: 'missing'")


@pytest.mark.virtual_time
async def test_a_subgraph_run_nests_under_its_calling_task(graph_trace: Trace) -> None:
    async def leaf(state: Flaky) -> dict[str, Any]:
        await asyncio.sleep(1.0)
        return {"value": state["value"] + 1}

    inner = StateGraph(Flaky)
    inner.add_node("leaf", leaf)
    inner.add_edge(START, "leaf")
    outer = StateGraph(Flaky)
    outer.add_node("sub", inner.compile(name="inner"))
    outer.add_edge(START, "sub")
    assert await outer.compile(name="outer").ainvoke({"value": 1}) == {"value": 2}
    assert [run.name for run in graph_trace.runs] == ["outer"]
    (sub_run,) = [r for r in graph_trace.spans(kind="run") if r.name == "inner"]
    (sub_task,) = graph_trace.spans("sub")
    assert sub_run.parent_id == sub_task.id
    labels = [row.split("  █")[0].rstrip() for row in graph_trace.gantt().splitlines()[2:]]
    assert labels == ["run outer", "  step 1 sub", "    run inner", "      step 1 leaf"]


class Agent(TypedDict, total=False):
    query: str
    answer: str


def search_agent(search: FakeTool, query_for: str) -> Any:
    async def act(state: Agent) -> dict[str, Any]:
        return {"answer": await search.ainvoke({"query": query_for + state["query"]})}

    builder = StateGraph(Agent)
    builder.add_node("act", act)
    builder.add_edge(START, "act")
    return builder.compile(name="agent")


def test_a_trajectory_of_a_real_run_holds_its_tool_arguments() -> None:
    def run(prefix: str) -> dict[str, Any]:
        trace = Trace()
        with observe(trace):
            app = search_agent(FakeTool("search", "sunny", latency=0.5), prefix)
            VirtualClock().run(app.ainvoke({"query": "Paris"}))
        return trajectory(trace, timings=True)

    doc = run("weather in ")
    (run_doc,) = doc["runs"]
    (step,) = run_doc["steps"]
    assert step["nodes"] == ["act"]
    assert step["tasks"][0]["calls"] == [
        {
            "kind": "tool",
            "name": "search",
            "input": {"query": "weather in Paris"},
            "output": "sunny",
            "time": [0.0, 0.5],
        }
    ]
    assert run("weather in ") == doc
    assert run("whether in ") != doc


def test_timed_trajectories_catch_a_fan_out_that_became_serial() -> None:
    def run(config: dict[str, Any]) -> Trace:
        trace = Trace()
        with observe(trace):
            VirtualClock().run(map_reduce().ainvoke({"items": [1, 2, 3]}, config=config))
        return trace

    parallel, serial = run({}), run({"max_concurrency": 1})
    assert parallel.makespan == 1.0
    assert serial.makespan == 3.0
    # Same steps, nodes and calls: only the timings tell the two apart.
    assert trajectory(parallel) == trajectory(serial)
    assert trajectory(parallel, timings=True) != trajectory(serial, timings=True)
    work = trajectory(serial, timings=True)["runs"][0]["steps"][0]["tasks"]
    assert [task["time"] for task in work] == [[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]]
