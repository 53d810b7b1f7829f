"""Bad graphs fail at add_* or compile() with a GraphBuildError naming the culprit and the fix."""

import operator
from typing import Annotated, Any, TypedDict

import pytest

from warpgraph import END, START, GraphBuildError, StateGraph
from warpgraph.errors import InvalidNodeError


class State(TypedDict):
    x: int


def node(state: State) -> dict[str, Any]:
    return {"x": state["x"] + 1}


def graph_with_a() -> StateGraph[State]:
    g = StateGraph(State)
    g.add_node("a", node)
    return g


def test_a_build_error_is_a_value_error_as_langgraph_raises() -> None:
    assert issubclass(GraphBuildError, ValueError)


def test_a_duplicate_node_name_is_rejected() -> None:
    with pytest.raises(
        GraphBuildError, match=r"^Node 'a' already exists; give the new node a different name$"
    ):
        graph_with_a().add_node("a", node)


@pytest.mark.parametrize(("name", "which"), [(START, "START"), (END, "END")])
def test_the_start_and_end_names_are_reserved(name: str, which: str) -> None:
    with pytest.raises(
        GraphBuildError, match=rf"^Node name '{name}' is reserved for {which}; pick another name$"
    ):
        graph_with_a().add_node(name, node)


@pytest.mark.parametrize("char", [":", "|"])
def test_reserved_characters_are_rejected_in_node_names(char: str) -> None:
    with pytest.raises(
        GraphBuildError,
        match=rf"^Node name 'a{char}b' contains '\{char}', which is reserved; "
        r"pick a name without ':' or '\|'$",
    ):
        graph_with_a().add_node(f"a{char}b", node)


def test_a_graph_without_an_entry_point_does_not_compile() -> None:
    with pytest.raises(
        GraphBuildError,
        match=r"^Graph has no entry point: add an edge from START, e\.g\. "
        r"add_edge\(START, 'first_node'\), or call set_entry_point\('first_node'\)$",
    ):
        graph_with_a().compile()


def test_an_edge_to_an_unknown_node_names_it() -> None:
    g = graph_with_a()
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    with pytest.raises(
        GraphBuildError,
        match=r"^Edge 'a' -> 'b' ends at unknown node 'b'; add_node\('b', \.\.\.\) "
        r"or fix the edge$",
    ):
        g.compile()


def test_an_edge_from_an_unknown_node_names_it() -> None:
    g = graph_with_a()
    g.add_edge(START, "a")
    g.add_edge("ghost", "a")
    with pytest.raises(
        GraphBuildError,
        match=r"^Edge 'ghost' -> 'a' starts at unknown node 'ghost'; "
        r"add_node\('ghost', \.\.\.\) or fix the edge$",
    ):
        g.compile()


def test_a_waiting_edge_needs_its_sources_added_first() -> None:
    with pytest.raises(
        GraphBuildError,
        match=r"^Waiting edge \['a', 'b'\] -> 'a' starts at unknown node 'b'; "
        r"add_node\('b', \.\.\.\) before adding the edge$",
    ):
        graph_with_a().add_edge(["a", "b"], "a")


def test_nothing_can_start_at_end() -> None:
    with pytest.raises(
        GraphBuildError,
        match=r"^END cannot be the start of an edge \(END -> 'a'\); nothing runs after END$",
    ):
        graph_with_a().add_edge(END, "a")


def test_nothing_can_lead_into_start() -> None:
    with pytest.raises(
        GraphBuildError,
        match=r"^START cannot be the end of an edge; edges into START are not allowed$",
    ):
        graph_with_a().add_edge("a", START)


def test_a_path_map_target_must_be_a_node() -> None:
    g = graph_with_a()
    g.add_edge(START, "a")
    g.add_conditional_edges("a", lambda s: "go", {"go": "nowhere"})
    with pytest.raises(
        GraphBuildError,
        match=r"^Conditional edge 'condition' from 'a' maps 'go' to unknown node 'nowhere'; "
        r"add_node\('nowhere', \.\.\.\) or fix the path_map$",
    ):
        g.compile()


def test_a_list_path_map_is_checked_like_a_dict() -> None:
    g = graph_with_a()
    g.add_edge(START, "a")
    g.add_conditional_edges("a", lambda s: "b", ["b"])
    with pytest.raises(GraphBuildError, match=r"maps 'b' to unknown node 'b'"):
        g.compile()


def test_two_branches_with_one_name_on_one_node_are_rejected() -> None:
    def route(state: State) -> str:
        return END

    g = graph_with_a()
    g.add_conditional_edges("a", route)
    with pytest.raises(
        GraphBuildError,
        match=r"^Node 'a' already has a conditional edge named 'route'; "
        r"use a differently named function$",
    ):
        g.add_conditional_edges("a", route)


def test_a_reducer_must_take_two_arguments() -> None:
    def bad(only: list[int]) -> list[int]:
        return only

    class Bad(TypedDict):
        xs: Annotated[list[int], bad]

    with pytest.raises(
        GraphBuildError,
        match=r"^State key 'xs' of Bad has reducer <function .*bad at 0x[0-9a-f]+> taking 1 "
        r"positional parameters; a reducer takes two: \(current, update\) -> new value$",
    ):
        StateGraph(Bad)


def test_a_state_schema_must_be_a_typeddict_dataclass_or_model() -> None:
    with pytest.raises(
        GraphBuildError,
        match=r"^State schema <class 'int'> is not supported: "
        r"use a TypedDict, a dataclass or a pydantic model$",
    ):
        StateGraph(int)


def test_a_node_must_be_callable_and_is_refused_with_a_type_error_as_in_langgraph() -> None:
    with pytest.raises(
        InvalidNodeError, match=r"^Node 'a' must be a function or a compiled graph, got int$"
    ) as caught:
        StateGraph(State).add_node("a", 5)  # type: ignore[arg-type]
    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value, GraphBuildError)


def test_an_empty_sequence_is_rejected() -> None:
    with pytest.raises(GraphBuildError, match=r"^add_sequence needs at least one node$"):
        StateGraph(State).add_sequence([])


def test_a_checkpointer_is_refused_with_a_clear_message() -> None:
    g = graph_with_a()
    g.add_edge(START, "a")
    with pytest.raises(
        GraphBuildError,
        match=r"^compile\(checkpointer=\.\.\.\) is not supported by warpgraph yet; "
        r"compile without a checkpointer$",
    ):
        g.compile(checkpointer=object())


def test_a_reducer_key_with_a_builtin_operator_is_accepted() -> None:
    class Log(TypedDict):
        log: Annotated[list[str], operator.add]

    g = StateGraph(Log)
    g.add_node("a", lambda s: {"log": ["a"]})
    g.add_edge(START, "a")
    assert g.compile().invoke({"log": []}) == {"log": ["a"]}
