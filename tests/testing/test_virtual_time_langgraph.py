"""Virtual time under LangGraph itself: its scheduler runs unchanged on the virtual loop."""

from __future__ import annotations

import asyncio
import operator
import time
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Annotated, Any, TypedDict

import langgraph.graph
import pytest
from langgraph.graph import END, START, StateGraph

import warpgraph
from warpgraph.testing import Chronometer, VirtualClock, current_clock

pytestmark = pytest.mark.virtual_time


class State(TypedDict):
    finished: Annotated[list[tuple[str, float]], operator.add]


def fan_out(api: ModuleType, clock: VirtualClock) -> Any:
    """Three parallel tools sleeping one second, built with LangGraph's or warpgraph's API."""

    def tool(name: str) -> Callable[[State], Awaitable[State]]:
        async def run(state: State) -> State:
            await asyncio.sleep(1)
            return {"finished": [(name, clock.now())]}

        return run

    graph = api.StateGraph(State)
    for name in ("tool_a", "tool_b", "tool_c"):
        graph.add_node(name, tool(name))
        graph.add_edge(api.START, name)
        graph.add_edge(name, api.END)
    return graph.compile()


async def test_three_parallel_async_nodes_sleeping_one_second_take_exactly_one_second(
    vclock: VirtualClock, chronometer: Chronometer
) -> None:
    with chronometer:
        result = await fan_out(langgraph.graph, vclock).ainvoke({"finished": []})
    assert sorted(result["finished"]) == [("tool_a", 1.0), ("tool_b", 1.0), ("tool_c", 1.0)]
    assert vclock.now() == 1.0
    assert chronometer.elapsed < 5


async def test_warpgraph_runs_the_same_fan_out_in_the_same_virtual_time(
    vclock: VirtualClock,
) -> None:
    theirs = await fan_out(langgraph.graph, vclock).ainvoke({"finished": []})
    assert vclock.now() == 1.0
    ours = await fan_out(warpgraph, vclock).ainvoke({"finished": []})
    assert vclock.now() == 2.0
    shifted = [(name, at - 1.0) for name, at in ours["finished"]]
    assert sorted(shifted) == sorted(theirs["finished"])


async def test_langgraph_sync_nodes_waiting_on_the_clock_overlap(vclock: VirtualClock) -> None:
    def tool(name: str) -> Callable[[State], State]:
        def run(state: State) -> State:
            clock = current_clock()
            clock.sleep(0.5) if clock else time.sleep(0.5)
            return {"finished": [(name, vclock.now())]}

        return run

    graph = StateGraph(State)
    for name in ("tool_a", "tool_b"):
        graph.add_node(name, tool(name))
        graph.add_edge(START, name)
        graph.add_edge(name, END)
    result = await graph.compile().ainvoke({"finished": []})
    assert sorted(result["finished"]) == [("tool_a", 0.5), ("tool_b", 0.5)]
    assert vclock.now() == 0.5
