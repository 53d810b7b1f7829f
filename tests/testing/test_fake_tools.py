"""FakeTool: results, virtual latency, failures and recording, from agent loops and as nodes."""

import asyncio
import operator
from typing import Annotated, Any, TypedDict

import pytest

from warpgraph import END, START, StateGraph, observe
from warpgraph.runtime import CallFinished, CallStarted, Event
from warpgraph.testing import (
    FakeTimeoutError,
    FakeTool,
    RandomFailures,
    ScriptExhaustedError,
    VirtualClock,
)


def test_a_tool_returns_its_result_after_its_latency() -> None:
    tool = FakeTool("search", {"hits": 3}, latency=1.5)
    clock = VirtualClock()

    assert clock.run(tool.ainvoke({"q": "paris"})) == {"hits": 3}
    assert clock.now() == 1.5
    call = tool.calls[0]
    assert (call.number, call.args, call.result, call.status) == (
        1,
        {"q": "paris"},
        {"hits": 3},
        "ok",
    )
    assert (call.started, call.ended, call.duration) == (0.0, 1.5, 1.5)


def test_a_tool_function_computes_each_result_from_the_arguments() -> None:
    tool = FakeTool("add", lambda args: args["a"] + args["b"], latency=0.5)
    clock = VirtualClock()

    async def main() -> list[int]:
        return list(await asyncio.gather(tool({"a": 1, "b": 2}), tool({"a": 5, "b": 5})))

    assert clock.run(main()) == [3, 10]
    assert clock.now() == 0.5
    tool.assert_called_with({"a": 5, "b": 5})


def test_an_exception_from_the_tool_function_arrives_after_the_latency() -> None:
    def broken(args: Any) -> Any:
        raise KeyError(args)

    tool = FakeTool("broken", broken, latency=2.0)
    clock = VirtualClock()

    with pytest.raises(KeyError):
        clock.run(tool.ainvoke("x"))
    assert (clock.now(), tool.calls[0].status) == (2.0, "error")


def test_scheduled_and_random_failures_fail_the_chosen_calls() -> None:
    scheduled = FakeTool("t", "ok", latency=1.0, failures={2: FakeTimeoutError(after=10)})
    clock = VirtualClock()

    async def main() -> list[Any]:
        outcomes: list[Any] = []
        for _ in range(3):
            try:
                outcomes.append((await scheduled.ainvoke(), clock.now()))
            except FakeTimeoutError:
                outcomes.append(("timeout", clock.now()))
        return outcomes

    assert clock.run(main()) == [("ok", 1.0), ("timeout", 11.0), ("ok", 12.0)]

    def failing(seed: int) -> list[int]:
        tool = FakeTool("t", "ok", failures=RandomFailures(0.5, FakeTimeoutError(), seed=seed))
        for _ in range(20):
            try:
                tool.invoke()
            except FakeTimeoutError:
                pass
        return [call.number for call in tool.calls if call.status == "error"]

    assert failing(1) == failing(1)
    assert 0 < len(failing(1)) < 20


def test_per_call_tool_latencies_never_wrap_around() -> None:
    tool = FakeTool("t", "ok", latency=[1.0])
    clock = VirtualClock()
    clock.run(tool.ainvoke())
    with pytest.raises(
        ScriptExhaustedError,
        match=r"^FakeTool 't': Latency\.per_call has 1 values, but this is call #2; "
        r"add a value per call, or use a fixed latency$",
    ):
        clock.run(tool.ainvoke())


class State(TypedDict, total=False):
    query: str
    hits: Annotated[list[str], operator.add]


def test_fake_tools_as_async_and_sync_graph_nodes_run_in_parallel() -> None:
    fast = FakeTool("fast", lambda state: {"hits": [f"fast:{state['query']}"]}, latency=1.0)
    slow = FakeTool("slow", lambda state: {"hits": ["slow"]}, latency=2.0)
    graph = StateGraph(State)
    graph.add_node("fast", fast)
    graph.add_node("slow", slow.invoke)  # a sync node, run in a worker thread
    for name in ("fast", "slow"):
        graph.add_edge(START, name)
        graph.add_edge(name, END)
    clock = VirtualClock()

    result = clock.run(graph.compile().ainvoke({"query": "q", "hits": []}))

    assert sorted(result["hits"]) == ["fast:q", "slow"]
    assert clock.now() == 2.0
    assert (fast.calls[0].ended, slow.calls[0].ended) == (1.0, 2.0)


def test_a_tool_call_reports_a_tool_span_with_its_arguments_and_result() -> None:
    tool = FakeTool("search", "found", latency=1.0)
    events: list[Event] = []

    async def main() -> None:
        with observe(events.append):
            await tool.ainvoke({"q": "x"})

    VirtualClock().run(main())
    started, finished = events
    assert isinstance(started, CallStarted)
    assert isinstance(finished, CallFinished)
    assert (started.kind, started.name, started.input, started.t) == (
        "tool",
        "search",
        {"q": "x"},
        0.0,
    )
    assert (finished.status, finished.output, finished.t) == ("ok", "found", 1.0)


def test_a_tool_describes_itself_as_an_openai_function() -> None:
    tool = FakeTool(
        "search",
        description="web search",
        parameters={"type": "object", "properties": {"q": {"type": "string"}}},
    )
    assert tool.schema == {
        "type": "function",
        "function": {
            "name": "search",
            "description": "web search",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        },
    }


def test_assert_called_with_names_the_call_and_both_arguments() -> None:
    tool = FakeTool("t")
    with pytest.raises(AssertionError, match=r"^FakeTool 't' was never called$"):
        tool.assert_called_with({})
    tool.invoke({"a": 1})
    with pytest.raises(
        AssertionError, match=r"^FakeTool 't' call #1 got \{'a': 1\}, expected \{'a': 2\}$"
    ):
        tool.assert_called_with({"a": 2})
