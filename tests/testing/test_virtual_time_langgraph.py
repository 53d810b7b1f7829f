"""Virtual time under LangGraph itself: its scheduler runs unchanged on the virtual loop."""

from __future__ import annotations

import asyncio
import operator
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, TypedDict

import pytest
from langgraph.graph import END, START, StateGraph

from warpgraph.testing import Chronometer, VirtualClock, current_clock

pytestmark = pytest.mark.virtual_time


class State(TypedDict):
    finished: Annotated[list[tuple[str, float]], operator.add]


async def test_three_parallel_async_nodes_sleeping_one_second_take_exactly_one_second(
    vclock: VirtualClock, chronometer: Chronometer
) -> None:
    def tool(name: str) -> Callable[[State], Awaitable[State]]:
        async def run(state: State) -> State:
            await asyncio.sleep(1)
            return {"finished": [(name, vclock.now())]}

        return run

    graph = StateGraph(State)
    for name in ("tool_a", "tool_b", "tool_c"):
        graph.add_node(name, tool(name))
        graph.add_edge(START, name)
        graph.add_edge(name, END)
    with chronometer:
        result = await graph.compile().ainvoke({"finished": []})
    assert sorted(result["finished"]) == [("tool_a", 1.0), ("tool_b", 1.0), ("tool_c", 1.0)]
    assert vclock.now() == 1.0
    assert chronometer.elapsed < 5


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
