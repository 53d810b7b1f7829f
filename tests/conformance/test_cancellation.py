"""When a node raises, its still-running async siblings are cancelled, on both libraries.

This is a side effect, not an output, so it sits outside the case machinery: each
sibling records what happened to it in a list the test reads after the run.
"""

import asyncio
import gc
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


def two_failures(lib: Lib) -> Any:
    async def boom(state: Any) -> Any:
        raise NodeFailure("boom")

    g = lib.StateGraph(Log)
    g.add_node("a", boom)
    g.add_node("b", boom)
    g.add_edge(lib.START, "a")
    g.add_edge(lib.START, "b")
    return g.compile()


async def unretrieved_errors(lib: Lib) -> list[str]:
    """What the loop reports about task errors nobody looked at, after the run."""
    reports: list[str] = []
    asyncio.get_running_loop().set_exception_handler(
        lambda loop, context: reports.append(str(context.get("message")))
    )
    with pytest.raises(NodeFailure):
        await two_failures(lib).ainvoke({"x": 0})
    # a task's unretrieved error is reported when the task is collected
    gc.collect()
    return reports


def test_every_failing_sibling_has_its_error_retrieved_as_in_langgraph() -> None:
    assert asyncio.run(unretrieved_errors(LG)) == []
    assert asyncio.run(unretrieved_errors(load_wg())) == []
