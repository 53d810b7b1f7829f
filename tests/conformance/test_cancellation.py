"""When a node raises, its still-running async siblings are cancelled, on both libraries.

This is a side effect, not an output, so it sits outside the case machinery: each
sibling records what happened to it in a list the test reads after the run.
"""

import asyncio
from typing import Any

import pytest

from ._libs import LG, Lib, load_wg
from ._nodes import Log, NodeFailure


def failing_step(lib: Lib, effects: list[str]) -> Any:
    async def long_running(state: Any) -> Any:
        effects.append("sibling started")
        try:
            # a thousand loop turns: far longer than either library needs to cancel it
            for _ in range(1000):
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            effects.append("sibling cancelled")
            raise
        effects.append("sibling finished")
        return {"log": ["sibling"]}

    async def boom(state: Any) -> Any:
        await asyncio.sleep(0)
        raise NodeFailure("boom")

    g = lib.StateGraph(Log)
    g.add_node("long_running", long_running)
    g.add_node("boom", boom)
    g.add_edge(lib.START, "long_running")
    g.add_edge(lib.START, "boom")
    return g.compile()


async def run(lib: Lib) -> list[str]:
    effects: list[str] = []
    # no match=: pytest matches notes too, and LangGraph adds one naming the task id
    with pytest.raises(NodeFailure) as raised:
        await failing_step(lib, effects).ainvoke({"x": 0})
    assert str(raised.value) == "boom"
    effects.append("run raised")
    return effects


def test_a_failing_node_cancels_its_running_siblings_as_langgraph_does() -> None:
    expected = asyncio.run(run(LG))
    assert expected == ["sibling started", "sibling cancelled", "run raised"]
    assert asyncio.run(run(load_wg())) == expected
