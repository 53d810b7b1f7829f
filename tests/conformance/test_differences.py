"""The documented, intentional differences between warpgraph and LangGraph.

Where LangGraph only logs a warning or silently ignores a mistake, warpgraph raises
an error that names the node, the culprit and the fix (docs/conformance.md lists
these). Each test pins both sides: what LangGraph does, so the suite notices if the
oracle changes, and warpgraph's exact error.
"""

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

from ._libs import LG, Lib, load_wg
from ._nodes import Log, append, append_async


def unknown_branch_target(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_edge(lib.START, "a")
    g.add_conditional_edges("a", lambda state: "nope")
    return g.compile()


def send_to_unknown_node(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_edge(lib.START, "a")
    g.add_conditional_edges("a", lambda state: [lib.Send("nope", {"x": 1})])
    return g.compile()


def command_to_unknown_node(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", lambda state: lib.Command(goto="nope", update={"log": ["a"]}))
    g.add_edge(lib.START, "a")
    return g.compile()


def update_with_unknown_key(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", lambda state: {"log": ["a"], "typo": 1})
    g.add_edge(lib.START, "a")
    return g.compile()


DIFFERENCES: list[tuple[Callable[[Lib], Any], str, str]] = [
    (
        unknown_branch_target,
        # LangGraph: "Task a ... wrote to unknown channel branch:to:nope, ignoring it."
        "wrote to unknown channel branch:to:nope, ignoring it",
        "Conditional edge 'condition' of 'a' returned unknown node 'nope'; "
        "known nodes: ['a'] (or END)",
    ),
    (
        send_to_unknown_node,
        "Ignoring unknown node name nope in pending sends",
        "Conditional edge 'condition' of 'a' sent Send to unknown node 'nope'; known nodes: ['a']",
    ),
    (
        command_to_unknown_node,
        "wrote to unknown channel branch:to:nope, ignoring it",
        "Command.goto of 'a' returned unknown node 'nope'; known nodes: ['a'] (or END)",
    ),
    (
        update_with_unknown_key,
        "",  # LangGraph drops the key without a word
        "Node 'a' wrote unknown state key 'typo'; known keys: ['log', 'x']. "
        "Add 'typo' to the state schema or drop it from the update",
    ),
]


@pytest.mark.parametrize(
    ("build", "langgraph_log", "message"),
    DIFFERENCES,
    ids=[build.__name__ for build, _, _ in DIFFERENCES],
)
def test_langgraph_carries_on_where_warpgraph_raises_a_clear_error(
    build: Callable[[Lib], Any],
    langgraph_log: str,
    message: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="langgraph"):
        output = build(LG).invoke({"x": 0})
    assert output == {"x": 0, "log": ["a"]}
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("langgraph")]
    if langgraph_log:
        assert any(langgraph_log in w for w in warnings), warnings
    else:
        assert warnings == []

    wg = load_wg()
    with pytest.raises(wg.InvalidUpdateError, match=rf"^{re.escape(message)}$"):
        build(wg).invoke({"x": 0})


def value_missing_from_path_map(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_edge(lib.START, "a")
    g.add_conditional_edges("a", lambda state: "unmapped", {"go": "b"})
    return g.compile()


def command_parent_outside_a_subgraph(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", lambda state: lib.Command(graph=lib.Command.PARENT, goto="b"))
    g.add_node("b", append("b"))
    g.add_edge(lib.START, "a")
    return g.compile()


RAISED_DIFFERENTLY: list[tuple[Callable[[Lib], Any], str, str]] = [
    (
        value_missing_from_path_map,
        "KeyError",
        "Conditional edge 'condition' of 'a' returned 'unmapped', which is not in its "
        "path_map ['go']; return one of those keys or add it to the path_map",
    ),
    (
        command_parent_outside_a_subgraph,
        # LangGraph's internal bubble-up exception escapes to the caller
        "ParentCommand",
        "A node of graph 'LangGraph' returned Command(graph=Command.PARENT), but the graph "
        "is not running as a subgraph; drop graph=Command.PARENT",
    ),
]


@pytest.mark.parametrize(
    ("build", "langgraph_error", "message"),
    RAISED_DIFFERENTLY,
    ids=[build.__name__ for build, _, _ in RAISED_DIFFERENTLY],
)
def test_where_langgraph_raises_an_unhelpful_error_warpgraph_explains(
    build: Callable[[Lib], Any], langgraph_error: str, message: str
) -> None:
    with pytest.raises(Exception) as raised:  # noqa: PT011  (the class is checked by name)
        build(LG).invoke({"x": 0})
    assert type(raised.value).__name__ == langgraph_error

    wg = load_wg()
    with pytest.raises(wg.InvalidUpdateError, match=rf"^{re.escape(message)}$"):
        build(wg).invoke({"x": 0})


def branch_returning_a_set(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_edge(lib.START, "a")
    g.add_conditional_edges("a", lambda state: {"b"})
    return g.compile()


def test_a_branch_result_of_an_unsupported_type_is_reported_not_crashed_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # LangGraph takes the set for one unknown node name, logs it and goes on
    with caplog.at_level(logging.WARNING, logger="langgraph"):
        assert branch_returning_a_set(LG).invoke({"x": 0}) == {"x": 0, "log": ["a"]}
    assert any("branch:to:{'b'}" in r.getMessage() for r in caplog.records)

    wg = load_wg()
    # the exact wording is the engine's; it must name the edge, its node and the value
    with pytest.raises(
        wg.InvalidUpdateError, match=r"^Conditional edge 'condition' of 'a' .*\{'b'\}"
    ):
        branch_returning_a_set(wg).invoke({"x": 0})


def async_node(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append_async("a", yields=1))
    g.add_edge(lib.START, "a")
    return g.compile()


def test_async_nodes_run_under_invoke_where_langgraph_refuses() -> None:
    with pytest.raises(TypeError, match=r'^No synchronous function provided to "a"\.'):
        async_node(LG).invoke({"x": 0})
    assert async_node(load_wg()).invoke({"x": 0}) == {"x": 0, "log": ["a"]}
