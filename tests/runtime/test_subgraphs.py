"""Compiled graphs as nodes: shared keys flow in and out; Command.PARENT routes upward."""

import operator
from typing import Annotated, Any, TypedDict

import pytest

from warpgraph import END, START, Command, InvalidUpdateError, StateGraph


class Parent(TypedDict, total=False):
    x: int
    log: Annotated[list[str], operator.add]


class Child(TypedDict, total=False):
    x: int
    private: str


def child_graph() -> Any:
    g = StateGraph(Child)
    g.add_node("inner", lambda s: {"x": s["x"] * 10, "private": "hidden"})
    g.add_edge(START, "inner")
    return g.compile()


def test_a_subgraph_node_reads_and_writes_the_keys_it_shares_with_its_parent() -> None:
    g = StateGraph(Parent)
    g.add_node("sub", child_graph())
    g.add_node("after", lambda s: {"log": [str(s["x"])]})
    g.add_edge(START, "sub")
    g.add_edge("sub", "after")
    assert g.compile().invoke({"x": 2}) == {"x": 20, "log": ["20"]}


def test_command_parent_moves_a_subgraph_to_a_node_of_its_parent() -> None:
    child = StateGraph(Child)
    child.add_node("escalate", lambda s: Command(graph=Command.PARENT, goto="handler"))
    child.add_edge(START, "escalate")
    g = StateGraph(Parent)
    g.add_node("sub", child.compile())
    g.add_node("handler", lambda s: {"log": ["handled"]})
    g.add_edge(START, "sub")
    assert g.compile().invoke({"x": 1}) == {"x": 1, "log": ["handled"]}


def test_command_parent_without_a_parent_is_a_clear_error() -> None:
    g = StateGraph(Parent)
    g.add_node("a", lambda s: Command(graph=Command.PARENT, goto=END))
    g.add_edge(START, "a")
    with pytest.raises(
        InvalidUpdateError,
        match=r"^A node of graph 'LangGraph' returned Command\(graph=Command\.PARENT\), but "
        r"the graph is not running as a subgraph; drop graph=Command\.PARENT$",
    ):
        g.compile().invoke({"x": 1})


async def test_a_subgraph_called_from_inside_a_node_also_reaches_its_parent() -> None:
    child = StateGraph(Child)
    child.add_node("escalate", lambda s: Command(graph=Command.PARENT, update={"x": 7}))
    child.add_edge(START, "escalate")
    sub = child.compile()

    async def call_child(state: Parent) -> Any:
        return await sub.ainvoke({"x": state["x"]})

    g = StateGraph(Parent)
    g.add_node("caller", call_child)
    g.add_edge(START, "caller")
    assert await g.compile().ainvoke({"x": 1}) == {"x": 7, "log": []}
