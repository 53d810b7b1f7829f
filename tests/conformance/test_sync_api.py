"""The sync API works where LangGraph's does: inside a running event loop, and nested.

Notebooks and async web handlers call ``invoke`` with a loop already running in the
thread, and sync nodes call other graphs' ``invoke``. Both must behave as on
LangGraph; the outputs are compared directly (they are plain dicts).
"""

import asyncio
from typing import Any

from ._libs import LG, Lib, load_wg
from ._nodes import Log, append


def one_node(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_edge(lib.START, "a")
    return g.compile()


def sync_calls_inside_a_running_loop(lib: Lib) -> Any:
    app = one_node(lib)

    async def main() -> Any:
        return app.invoke({"x": 0}), list(app.stream({"x": 0})), app.batch([{"x": 1}])

    return asyncio.run(main())


def graph_invoked_from_a_sync_node(lib: Lib) -> Any:
    inner = one_node(lib)

    def outer(state: Any) -> Any:
        return {"log": [*inner.invoke({"x": 0})["log"], "outer"]}

    g = lib.StateGraph(Log)
    g.add_node("outer", outer)
    g.add_edge(lib.START, "outer")
    app = g.compile()
    return app.invoke({"x": 0}), asyncio.run(app.ainvoke({"x": 0}))


def test_the_sync_api_works_inside_a_running_event_loop_as_in_langgraph() -> None:
    expected = sync_calls_inside_a_running_loop(LG)
    assert expected == (
        {"x": 0, "log": ["a"]},
        [{"a": {"log": ["a"]}}],
        [{"x": 1, "log": ["a"]}],
    )
    assert sync_calls_inside_a_running_loop(load_wg()) == expected


def test_a_sync_node_may_invoke_another_graph_as_in_langgraph() -> None:
    expected = graph_invoked_from_a_sync_node(LG)
    assert expected == ({"x": 0, "log": ["a", "outer"]},) * 2
    assert graph_invoked_from_a_sync_node(load_wg()) == expected
