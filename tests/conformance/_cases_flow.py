"""Cases about control flow by edges: chains, fan-out, joins, waiting edges, ``defer``."""

import functools
from typing import Any

from ._case import case
from ._libs import Lib
from ._nodes import Log, append, append_async, increment

EVERY_STREAM = ("multi", "tasks", "debug")


@case(
    input={"x": 0, "log": []},
    expect={"x": 3, "log": ["a", "b", "c"]},
    also=EVERY_STREAM,
)
def a_chain_of_three_nodes_runs_them_in_order(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in "abc":
        g.add_node(name, increment(name))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    g.add_edge("c", lib.END)
    return g.compile()


@case(input={"x": 0}, expect={"x": 2, "log": ["first", "second"]})
def add_sequence_chains_nodes_named_after_their_functions(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_sequence([increment("first"), increment("second")])
    g.add_edge(lib.START, "first")
    return g.compile()


@case(input={"x": 0}, expect={"x": 2, "log": ["a", "b"]})
def entry_and_finish_points_stand_for_start_and_end_edges(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", increment("a"))
    g.add_node("b", increment("b"))
    g.set_entry_point("a")
    g.add_edge("a", "b")
    g.set_finish_point("b")
    return g.compile()


@case(input={"x": 7}, expect={"x": 8, "log": ["bump"]})
def a_node_added_as_a_bare_function_takes_the_function_name(lib: Lib) -> Any:
    def bump(state: Any) -> dict[str, Any]:
        return {"x": state["x"] + 1, "log": ["bump"]}

    g = lib.StateGraph(Log)
    g.add_node(bump)
    g.add_edge(lib.START, "bump")
    return g.compile()


@case(input={"x": 1}, expect={"x": 1, "log": []}, also=EVERY_STREAM)
def nodes_returning_none_or_an_empty_dict_leave_the_state_unchanged(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("none", lambda state: None)
    g.add_node("empty", lambda state: {})
    g.add_edge(lib.START, "none")
    g.add_edge("none", "empty")
    return g.compile()


@case(input={"x": 1}, expect={"x": 1, "log": []}, also=("multi",))
def writing_an_unchanged_value_still_emits_a_values_chunk(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("same", lambda state: {"x": state["x"]})
    g.add_edge(lib.START, "same")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["a", "b", "c", "d"]}, also=EVERY_STREAM)
def two_edges_out_of_one_node_run_both_targets_in_one_step(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in "abcd":
        g.add_node(name, append(name))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "b")
    g.add_edge("a", "c")
    g.add_edge("b", "d")
    g.add_edge("c", "d")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["a", "b", "d", "c", "d"]}, also=EVERY_STREAM)
def plain_edges_into_a_join_run_it_once_per_arrival_step(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in "abcd":
        g.add_node(name, append(name))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    g.add_edge("c", "d")
    g.add_edge("a", "d")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["a", "b", "d", "c", "join"]}, also=EVERY_STREAM)
def a_waiting_edge_waits_for_branches_of_different_lengths(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in ["a", "b", "c", "d", "join"]:
        g.add_node(name, append(name))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    g.add_edge("a", "d")
    g.add_edge(["c", "d"], "join")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["a", "b"]})
def a_waiting_edge_never_fires_when_one_source_never_runs(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in ["a", "b", "skipped", "join"]:
        g.add_node(name, append(name))
    g.add_edge(lib.START, "a")
    g.add_conditional_edges("a", lambda state: "b", ["b", "skipped"])
    g.add_edge(["b", "skipped"], "join")
    return g.compile()


@case(
    input={"x": 0},
    expect={"x": 2, "log": ["a", "b", "c", "join", "a", "b", "c", "join"]},
    also=EVERY_STREAM,
)
def a_waiting_edge_fires_again_each_time_round_a_loop(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in "abc":
        g.add_node(name, append(name))
    g.add_node("join", increment("join"))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "b")
    g.add_edge("a", "c")
    g.add_edge(["b", "c"], "join")
    g.add_conditional_edges("join", lambda state: "a" if state["x"] < 2 else lib.END)
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["a", "b", "c", "d"]}, also=EVERY_STREAM)
def a_deferred_node_runs_once_when_nothing_else_is_left(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in "abc":
        g.add_node(name, append(name))
    g.add_node("d", append("d"), defer=True)
    g.add_edge(lib.START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    g.add_edge("c", "d")
    g.add_edge("a", "d")
    return g.compile()


@case(
    input={"x": 0},
    expect={"x": 3, "log": ["a", "b", "b2", "merge", "after"]},
    also=EVERY_STREAM,
)
def a_deferred_join_of_uneven_branches_sees_every_branch(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("fan", lambda state: None)
    for name in ["a", "b", "b2", "after"]:
        g.add_node(name, append(name))
    g.add_node("merge", lambda state: {"log": ["merge"], "x": len(state["log"])}, defer=True)
    g.add_edge(lib.START, "fan")
    g.add_edge("fan", "a")
    g.add_edge("fan", "b")
    g.add_edge("b", "b2")
    g.add_edge("a", "merge")
    g.add_edge("b2", "merge")
    g.add_edge("merge", "after")
    return g.compile()


# "b" reaches the barrier in step 1 and again in step 2, with "a": the barrier fires
# and is cleared, so the later lone arrival of "a" (from "c") does not fire it again.
@case(input={"x": 0}, expect={"x": 0, "log": ["b", "x", "a", "b", "c", "a"]}, also=EVERY_STREAM)
def arrivals_at_a_waiting_edge_in_the_step_it_fires_do_not_carry_over(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in ["a", "b", "c", "x"]:
        g.add_node(name, append(name))
    g.add_edge(lib.START, "b")
    g.add_edge(lib.START, "x")
    g.add_edge("x", "a")
    g.add_edge("x", "b")
    g.add_edge(["a", "b"], "c")
    g.add_edge("c", "a")
    return g.compile()


# The barrier into deferred "d" is complete after step 1 and waits for the run to
# quiet down; "a" arriving again meanwhile is not remembered, so when "d" sends "b"
# round once more, "b" alone does not complete the barrier a second time.
@case(
    input={"x": 0},
    expect={"x": 0, "log": ["a", "b", "c", "a", "c", "d", "b"]},
    also=EVERY_STREAM,
)
def a_deferred_waiting_edge_forgets_arrivals_while_it_waits_to_run(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in "abc":
        g.add_node(name, append(name))
    g.add_node("d", append("d"), defer=True)
    g.add_edge(lib.START, "a")
    g.add_edge(lib.START, "b")
    g.add_edge("a", "c")
    g.add_conditional_edges("c", lambda state: "a" if state["log"].count("a") < 2 else lib.END)
    g.add_edge(["a", "b"], "d")
    g.add_conditional_edges("d", lambda state: "b" if state["log"].count("d") < 2 else lib.END)
    return g.compile()


# LangGraph holds a deferred node back only while *edge-triggered* nodes remain:
# pending Send tasks do not count, so here "d" runs in the same step as the Send to "b".
@case(input={"x": 0}, expect={"x": 0, "log": ["a", "d", "b"]}, also=EVERY_STREAM)
def a_deferred_node_does_not_wait_for_pending_send_tasks(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_node("d", append("d"), defer=True)
    g.add_edge(lib.START, "a")
    g.add_edge("a", "d")
    g.add_conditional_edges("a", lambda state: [lib.Send("b", {"x": 7})])
    return g.compile()


@case(
    input={"x": 0},
    expect={"x": 0, "log": ["alpha", "mid", "zulu"]},
    async_only=True,
    also=EVERY_STREAM,
)
def writes_of_one_step_apply_in_node_name_order_not_completion_order(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    # added in reverse name order, and "alpha" finishes last
    g.add_node("zulu", append_async("zulu"))
    g.add_node("mid", append_async("mid", yields=1))
    g.add_node("alpha", append_async("alpha", yields=3))
    for name in ["zulu", "mid", "alpha"]:
        g.add_edge(lib.START, name)
    return g.compile()


@case(input={"x": 0}, raises="InvalidUpdateError", also=("multi",))
def two_writes_to_a_last_value_key_in_one_step_are_rejected(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_node("b", append("b", x=1))
    g.add_node("c", append("c", x=2))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "b")
    g.add_edge("a", "c")
    return g.compile()


@case(input={"x": 0}, expect={"x": 5, "log": ["a", "b", "c"]})
def writes_to_a_last_value_key_in_different_steps_keep_the_latest(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a", x=9))
    g.add_node("b", append("b"))
    g.add_node("c", append("c", x=5))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    return g.compile()


@case(
    input={"x": 0},
    expect={"x": 0, "log": ["async_a", "async_c", "sync_b", "sync_d"]},
    async_only=True,
    also=EVERY_STREAM,
)
def sync_and_async_nodes_mix_in_one_graph(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("async_a", append_async("async_a", yields=1))
    g.add_node("sync_b", append("sync_b"))
    g.add_node("async_c", append_async("async_c"))
    g.add_node("sync_d", append("sync_d"))
    g.add_edge(lib.START, "async_a")
    g.add_edge("async_a", "sync_b")
    g.add_edge("async_a", "async_c")
    g.add_edge(["sync_b", "async_c"], "sync_d")
    return g.compile()


@case(input={"x": 0}, raises="ValueError")
def an_edge_to_an_unknown_node_is_rejected(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "nowhere")
    return g.compile()


@case(input={"x": 0}, raises="ValueError")
def a_graph_without_an_entry_point_is_rejected(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    return g.compile()


@case(input={"x": 0}, raises="ValueError")
def adding_a_node_name_twice_is_rejected(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_node("a", append("again"))
    g.add_edge(lib.START, "a")
    return g.compile()


@case(input={"x": 0}, raises="ValueError")
def a_reserved_node_name_is_rejected(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node(lib.END, append("end"))
    return g.compile()


def one_node(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_edge(lib.START, "a")
    return g


@case(input={"x": 0}, raises="ValueError")
def an_edge_out_of_end_is_rejected(lib: Lib) -> Any:
    return one_node(lib).add_edge(lib.END, "a").compile()


@case(input={"x": 0}, raises="ValueError")
def an_edge_into_start_is_rejected(lib: Lib) -> Any:
    return one_node(lib).add_edge("a", lib.START).compile()


@case(input={"x": 0}, raises="ValueError")
def a_conditional_edge_from_an_unknown_node_is_rejected(lib: Lib) -> Any:
    return one_node(lib).add_conditional_edges("ghost", lambda state: "a").compile()


@case(input={"x": 0}, raises="ValueError")
def a_waiting_edge_from_an_unknown_node_is_rejected(lib: Lib) -> Any:
    return one_node(lib).add_edge(["a", "ghost"], "a").compile()


@case(input={"x": 0}, raises="ValueError")
def a_waiting_edge_into_an_unknown_node_is_rejected(lib: Lib) -> Any:
    return one_node(lib).add_edge(["a"], "ghost").compile()


@case(input={"x": 0}, raises="ValueError")
def an_entry_point_naming_an_unknown_node_is_rejected(lib: Lib) -> Any:
    return one_node(lib).set_entry_point("ghost").compile()


@case(input={"x": 0}, raises="ValueError")
def a_finish_point_naming_an_unknown_node_is_rejected(lib: Lib) -> Any:
    return one_node(lib).set_finish_point("ghost").compile()


@case(input={"x": 0}, raises="ValueError")
def a_node_name_with_a_colon_is_rejected(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a:b", append("a"))
    g.add_edge(lib.START, "a:b")
    return g.compile()


@case(input={"x": 0}, raises="TypeError")
def a_node_that_is_not_callable_is_rejected(lib: Lib) -> Any:
    return one_node(lib).add_node("b", 42).compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["a"]})
def a_node_may_share_its_name_with_a_state_key(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("x", append("a"))
    g.add_edge(lib.START, "x")
    return g.compile()


class Adder:
    """A callable object as a node; added without a name, it is named after its class."""

    def __init__(self, step: int) -> None:
        self.step = step

    def __call__(self, state: Any) -> dict[str, Any]:
        return {"x": state["x"] + self.step, "log": [type(self).__name__]}


def add(state: Any, step: int) -> dict[str, Any]:
    return {"x": state["x"] + step, "log": ["partial"]}


@case(input={"x": 1}, expect={"x": 8, "log": ["Adder", "partial"]})
def callable_objects_and_partials_work_as_nodes(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node(Adder(2))
    g.add_node("partial", functools.partial(add, step=5))
    g.add_edge(lib.START, "Adder")
    g.add_edge("Adder", "partial")
    return g.compile()
