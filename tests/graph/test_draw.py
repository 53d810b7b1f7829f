"""get_graph().draw_mermaid(): the structure as a Mermaid flowchart, in LangGraph's layout."""

from typing import Any, TypedDict

from warpgraph import END, START, StateGraph


class State(TypedDict):
    x: int


def noop(state: State) -> dict[str, Any]:
    return {}


HEADER = "---\nconfig:\n  flowchart:\n    curve: linear\n---\ngraph TD;\n"
FOOTER = (
    "\tclassDef default fill:#f2f0ff,line-height:1.2\n"
    "\tclassDef first fill-opacity:0\n"
    "\tclassDef last fill:#bfb6fc\n"
)


def test_a_chain_draws_as_solid_arrows_from_start_to_end() -> None:
    g = StateGraph(State)
    g.add_sequence([("a", noop), ("b", noop)])
    g.add_edge(START, "a")
    g.add_edge("b", END)
    assert g.compile().get_graph().draw_mermaid() == (
        HEADER
        + "\t__start__([<p>__start__</p>]):::first\n"
        + "\ta(a)\n\tb(b)\n"
        + "\t__end__([<p>__end__</p>]):::last\n"
        + "\t__start__ --> a;\n\ta --> b;\n\tb --> __end__;\n"
        + FOOTER
    )


def test_a_conditional_edge_draws_one_labelled_dotted_arrow_per_path_map_entry() -> None:
    g = StateGraph(State)
    g.add_node("a", noop)
    g.add_node("b", noop)
    g.add_edge(START, "a")
    g.add_conditional_edges("a", lambda s: "yes", {"yes": "b", "no": END})
    text = g.compile().get_graph().draw_mermaid()
    assert "\ta -. &nbsp;yes&nbsp; .-> b;\n" in text
    assert "\ta -. &nbsp;no&nbsp; .-> __end__;\n" in text
    assert "\tb --> __end__;\n" in text  # a node with no way out is joined to END


def test_a_waiting_edge_draws_an_arrow_from_each_source() -> None:
    g = StateGraph(State)
    for name in ("a", "b", "join"):
        g.add_node(name, noop)
    g.add_edge(START, "a")
    g.add_edge(START, "b")
    g.add_edge(["a", "b"], "join")
    edges = g.compile().get_graph().edges
    assert {(e.source, e.target) for e in edges} == {
        (START, "a"),
        (START, "b"),
        ("a", "join"),
        ("b", "join"),
        ("join", END),
    }
