"""Cases about compiled graphs used inside other graphs, and ``Command.PARENT``."""

from typing import Any, TypedDict

from ._case import case
from ._libs import Lib
from ._nodes import Log, NodeFailure, append, append_async, increment

EVERY_STREAM = ("multi", "tasks", "debug")


def shared_keys_subgraph(lib: Lib) -> Any:
    sub = lib.StateGraph(Log)
    sub.add_node("inner", increment("inner"))
    sub.add_node("inner2", append("inner2"))
    sub.add_edge(lib.START, "inner")
    sub.add_edge("inner", "inner2")
    return sub.compile()


# The subgraph returns its whole final state, so the parent's reducer folds the
# subgraph's copy of ``log`` (which starts from the parent's log) into its own.
@case(
    input={"x": 0, "log": ["in"]},
    expect={"x": 1, "log": ["in", "pre", "in", "pre", "inner", "inner2", "post"]},
    also=EVERY_STREAM,
)
def a_compiled_subgraph_runs_as_a_node_over_the_shared_keys(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("pre", append("pre"))
    g.add_node("sub", shared_keys_subgraph(lib))
    g.add_node("post", append("post"))
    g.add_edge(lib.START, "pre")
    g.add_edge("pre", "sub")
    g.add_edge("sub", "post")
    return g.compile()


@case(
    input={"x": 0, "log": []},
    expect={"x": 1, "log": ["sibling", "inner", "inner2"]},
    async_only=True,
    also=EVERY_STREAM,
)
def a_subgraph_runs_under_the_async_api_beside_a_sibling(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("sub", shared_keys_subgraph(lib))
    g.add_node("sibling", append_async("sibling", yields=2))
    g.add_edge(lib.START, "sub")
    g.add_edge(lib.START, "sibling")
    return g.compile()


class Doc(TypedDict):
    text: str
    words: int


class Outer(TypedDict):
    text: str
    summary: str


def word_counter(lib: Lib) -> Any:
    sub = lib.StateGraph(Doc)
    sub.add_node("count", lambda state: {"words": len(state["text"].split())})
    sub.add_edge(lib.START, "count")
    return sub.compile()


@case(input={"text": "one two three"}, expect={"text": "one two three", "summary": "3 words"})
def a_subgraph_with_its_own_schema_is_called_from_a_node(lib: Lib) -> Any:
    counter = word_counter(lib)

    def summarize(state: Any) -> Any:
        result = counter.invoke({"text": state["text"]})
        return {"summary": f"{result['words']} words"}

    g = lib.StateGraph(Outer)
    g.add_node("summarize", summarize)
    g.add_edge(lib.START, "summarize")
    return g.compile()


@case(
    input={"text": "a b"},
    expect={"text": "a b", "summary": "2 words"},
    async_only=True,
)
def a_subgraph_is_awaited_from_an_async_node(lib: Lib) -> Any:
    counter = word_counter(lib)

    async def summarize(state: Any) -> Any:
        result = await counter.ainvoke({"text": state["text"]})
        return {"summary": f"{result['words']} words"}

    g = lib.StateGraph(Outer)
    g.add_node("summarize", summarize)
    g.add_edge(lib.START, "summarize")
    return g.compile()


def escalating_subgraph(lib: Lib) -> Any:
    def escalate(state: Any) -> Any:
        return lib.Command(
            graph=lib.Command.PARENT, goto="handler", update={"log": ["escalated"], "x": 9}
        )

    sub = lib.StateGraph(Log)
    sub.add_node("escalate", escalate)
    sub.add_node("never", append("never"))
    sub.add_edge(lib.START, "escalate")
    sub.add_edge("escalate", "never")
    return sub.compile()


@case(input={"x": 0}, expect={"x": 9, "log": ["escalated", "handler"]}, also=EVERY_STREAM)
def command_parent_routes_from_a_subgraph_to_a_node_of_its_parent(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("sub", escalating_subgraph(lib))
    g.add_node("handler", append("handler"))
    g.add_node("static_next", append("static_next"))
    g.add_edge(lib.START, "sub")
    return g.compile()


@case(input={"x": 0}, expect={"x": 9, "log": ["escalated", "handler", "static_next"]})
def command_parent_adds_to_the_static_edges_of_the_subgraph_node(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("sub", escalating_subgraph(lib))
    g.add_node("handler", append("handler"))
    g.add_node("static_next", append("static_next"))
    g.add_edge(lib.START, "sub")
    g.add_edge("sub", "static_next")
    return g.compile()


@case(
    input={"x": 0, "log": []},
    expect={"x": 2, "log": ["inner", "inner2", "inner", "inner2", "inner", "inner2"]},
)
def a_subgraph_runs_inside_a_loop_of_its_parent(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("sub", shared_keys_subgraph(lib))
    g.add_edge(lib.START, "sub")
    g.add_conditional_edges("sub", lambda state: "sub" if state["x"] < 2 else lib.END)
    return g.compile()


@case(input={"x": 0}, raises="NodeFailure", same_message=True, also=("multi",))
def an_error_inside_a_subgraph_propagates_to_the_caller(lib: Lib) -> Any:
    def broken(state: Any) -> Any:
        raise NodeFailure("inner failure")

    sub = lib.StateGraph(Log)
    sub.add_node("broken", broken)
    sub.add_edge(lib.START, "broken")
    g = lib.StateGraph(Log)
    g.add_node("pre", append("pre"))
    g.add_node("sub", sub.compile())
    g.add_edge(lib.START, "pre")
    g.add_edge("pre", "sub")
    return g.compile()


class Inner(TypedDict):
    x: int
    note: str


@case(input={"x": 1}, expect={"x": 11, "log": ["pre"]}, also=EVERY_STREAM)
def a_subgraph_node_shares_only_the_keys_both_schemas_have(lib: Lib) -> Any:
    sub = lib.StateGraph(Inner)
    sub.add_node("inner", lambda state: {"note": "private", "x": state["x"] + 10})
    sub.add_edge(lib.START, "inner")
    g = lib.StateGraph(Log)
    g.add_node("pre", append("pre"))
    g.add_node("sub", sub.compile())
    g.add_edge(lib.START, "pre")
    g.add_edge("pre", "sub")
    return g.compile()


@case(input={"x": 0}, expect={"x": 5, "log": ["deep", "middle_handler"]}, also=EVERY_STREAM)
def command_parent_reaches_only_the_graph_one_level_up(lib: Lib) -> Any:
    deep = lib.StateGraph(Log)
    deep.add_node(
        "deep",
        lambda state: lib.Command(
            graph=lib.Command.PARENT, goto="middle_handler", update={"log": ["deep"], "x": 5}
        ),
    )
    deep.add_edge(lib.START, "deep")
    middle = lib.StateGraph(Log)
    middle.add_node("deep_graph", deep.compile())
    middle.add_node("middle_handler", append("middle_handler"))
    middle.add_edge(lib.START, "deep_graph")
    g = lib.StateGraph(Log)
    g.add_node("middle", middle.compile())
    g.add_node("middle_handler", append("outer_handler"))
    g.add_edge(lib.START, "middle")
    return g.compile()


@case(
    input={"x": 0},
    expect={"x": 0, "log": ["outer", "outer", "inner"]},
    checks=("invoke", "custom", "updates", "values"),
)
def custom_writes_inside_a_subgraph_stay_out_of_the_parent_stream(lib: Lib) -> Any:
    def inner(state: Any) -> Any:
        lib.get_stream_writer()({"from": "inner"})
        return {"log": ["inner"]}

    def outer(state: Any) -> Any:
        lib.get_stream_writer()({"from": "outer"})
        return {"log": ["outer"]}

    sub = lib.StateGraph(Log)
    sub.add_node("inner", inner)
    sub.add_edge(lib.START, "inner")
    g = lib.StateGraph(Log)
    g.add_node("outer", outer)
    g.add_node("sub", sub.compile())
    g.add_edge(lib.START, "outer")
    g.add_edge("outer", "sub")
    return g.compile()


class Answer(TypedDict):
    answer: str


@case(input={"x": 1}, expect={"x": 1, "log": ["after"]}, also=EVERY_STREAM)
def a_subgraph_that_writes_no_output_key_updates_nothing(lib: Lib) -> Any:
    sub = lib.StateGraph(Log, output_schema=Answer)
    sub.add_node("inner", lambda state: {"x": 7})
    sub.add_edge(lib.START, "inner")
    g = lib.StateGraph(Log)
    g.add_node("sub", sub.compile())
    g.add_node("after", append("after"))
    g.add_edge(lib.START, "sub")
    g.add_edge("sub", "after")
    return g.compile()
