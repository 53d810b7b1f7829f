"""Cases about routing decided at run time: conditional edges, ``Send`` and ``Command``."""

import operator
from typing import Annotated, Any, TypedDict

from ._case import case
from ._libs import Lib
from ._nodes import Log, append, append_async, increment

EVERY_STREAM = ("multi", "tasks", "debug")


class Work(TypedDict):
    """A map-reduce state: ``items`` are sent out one per task, ``done`` collects."""

    items: list[int]
    done: Annotated[list[int], operator.add]


def square(arg: Any) -> dict[str, Any]:
    return {"done": [arg["item"] ** 2]}


@case(input={"x": 1}, expect={"x": 1, "log": ["a", "odd"]}, also=EVERY_STREAM)
def a_branch_returning_a_name_runs_that_node(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in ["a", "odd", "even"]:
        g.add_node(name, append(name))
    g.add_edge(lib.START, "a")
    g.add_conditional_edges("a", lambda state: "odd" if state["x"] % 2 else "even")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["a", "b", "d"]}, also=EVERY_STREAM)
def a_branch_returning_a_list_runs_every_listed_node(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in "abcd":
        g.add_node(name, append(name))
    g.add_edge(lib.START, "a")
    g.add_conditional_edges("a", lambda state: ["d", "b"])
    return g.compile()


@case(input={"x": 0}, expect={"x": 1, "log": ["a"]})
def a_branch_returning_end_finishes_the_run(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", increment("a"))
    g.add_node("b", increment("b"))
    g.add_edge(lib.START, "a")
    g.add_conditional_edges("a", lambda state: lib.END if state["x"] > 0 else "b")
    return g.compile()


@case(input={"x": 0}, expect={"x": 3, "log": ["loop", "loop", "loop", "done"]}, also=EVERY_STREAM)
def a_loop_runs_until_its_branch_leaves_it(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("loop", increment("loop"))
    g.add_node("done", append("done"))
    g.add_edge(lib.START, "loop")
    g.add_conditional_edges("loop", lambda state: "loop" if state["x"] < 3 else "done")
    return g.compile()


@case(input={"x": 4}, expect={"x": 4, "log": ["start", "big"]})
def a_path_map_list_names_the_targets_a_branch_may_pick(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in ["start", "big", "small"]:
        g.add_node(name, append(name))
    g.add_edge(lib.START, "start")
    g.add_conditional_edges(
        "start", lambda state: "big" if state["x"] > 3 else "small", ["big", "small"]
    )
    return g.compile()


@case(input={"x": 4}, expect={"x": 4, "log": ["start", "big"]})
def a_path_map_dict_translates_what_a_branch_returns(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in ["start", "big", "small"]:
        g.add_node(name, append(name))
    g.add_edge(lib.START, "start")
    g.add_conditional_edges(
        "start",
        lambda state: state["x"] > 3,
        {True: "big", False: "small"},
    )
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["start", "small"]})
def a_path_map_dict_may_map_a_result_to_end(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in ["start", "small"]:
        g.add_node(name, append(name))
    g.add_edge(lib.START, "start")
    g.add_conditional_edges("start", lambda state: "go", {"go": "small", "stop": lib.END})
    return g.compile()


@case(input={"x": 0}, raises="ValueError")
def a_path_map_naming_an_unknown_node_is_rejected(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("start", append("start"))
    g.add_edge(lib.START, "start")
    g.add_conditional_edges("start", lambda state: "ghost", ["ghost"])
    return g.compile()


@case(input={"x": 2}, expect={"x": 2, "log": ["even"]})
def a_conditional_entry_point_routes_the_input(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in ["odd", "even"]:
        g.add_node(name, append(name))
    g.set_conditional_entry_point(lambda state: "odd" if state["x"] % 2 else "even")
    return g.compile()


@case(input={"x": 3}, expect={"x": 3, "log": ["odd"]})
def a_conditional_edge_from_start_routes_the_input(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    for name in ["odd", "even"]:
        g.add_node(name, append(name))
    g.add_conditional_edges(lib.START, lambda state: "odd" if state["x"] % 2 else "even")
    return g.compile()


@case(input={"x": 1}, expect={"x": 1, "log": ["a", "odd"]}, async_only=True)
def an_async_branch_function_routes_like_a_sync_one(lib: Lib) -> Any:
    async def route(state: Any) -> str:
        return "odd" if state["x"] % 2 else "even"

    g = lib.StateGraph(Log)
    g.add_node("a", append_async("a"))
    for name in ["odd", "even"]:
        g.add_node(name, append(name))
    g.add_edge(lib.START, "a")
    g.add_conditional_edges("a", route)
    return g.compile()


@case(input={"x": 0}, expect={"x": 5, "log": ["a", "b", "saw-old-x"]}, also=EVERY_STREAM)
def a_branch_sees_its_own_nodes_writes_but_not_its_siblings(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_node("b", append("b", x=5))
    g.add_node("saw-new-x", append("saw-new-x"))
    g.add_node("saw-old-x", append("saw-old-x"))
    g.add_edge(lib.START, "a")
    g.add_edge(lib.START, "b")
    g.add_conditional_edges("a", lambda state: "saw-new-x" if state["x"] == 5 else "saw-old-x")
    return g.compile()


@case(input={"items": [3, 1, 2], "done": []}, expect={"items": [3, 1, 2], "done": [9, 1, 4]})
def sends_map_one_task_per_item_and_reduce_in_send_order(lib: Lib) -> Any:
    g = lib.StateGraph(Work)
    g.add_node("plan", lambda state: None)
    g.add_node("square", square)
    g.add_edge(lib.START, "plan")
    g.add_conditional_edges(
        "plan", lambda state: [lib.Send("square", {"item": i}) for i in state["items"]]
    )
    return g.compile()


@case(
    input={"items": [2, 3], "done": []},
    expect={"items": [2, 3], "done": [4, 9, 4, 9]},
    also=EVERY_STREAM,
)
def sends_from_two_nodes_in_one_step_run_ordered_by_sender(lib: Lib) -> Any:
    g = lib.StateGraph(Work)
    for sender in ["left", "right"]:
        g.add_node(sender, lambda state: None)
        g.add_edge(lib.START, sender)
        g.add_conditional_edges(
            sender, lambda state: [lib.Send("square", {"item": i}) for i in state["items"]]
        )
    g.add_node("square", square)
    return g.compile()


@case(
    input={"items": [5], "done": []},
    expect={"items": [5], "done": [0, 25]},
    also=EVERY_STREAM,
)
def a_branch_may_mix_node_names_and_sends(lib: Lib) -> Any:
    g = lib.StateGraph(Work)
    g.add_node("plan", lambda state: None)
    g.add_node("square", square)
    g.add_node("count", lambda state: {"done": [len(state["done"])]})
    g.add_edge(lib.START, "plan")
    g.add_conditional_edges("plan", lambda state: [lib.Send("square", {"item": 5}), "count"])
    return g.compile()


@case(input={"items": [], "done": []}, expect={"items": [], "done": []})
def a_branch_returning_no_sends_ends_the_run(lib: Lib) -> Any:
    g = lib.StateGraph(Work)
    g.add_node("plan", lambda state: None)
    g.add_node("square", square)
    g.add_edge(lib.START, "plan")
    g.add_conditional_edges(
        "plan", lambda state: [lib.Send("square", {"item": i}) for i in state["items"]]
    )
    return g.compile()


@case(input={"x": 0}, expect={"x": 2, "log": ["route", "target"]}, also=EVERY_STREAM)
def a_command_goto_routes_and_updates_the_state(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("route", lambda state: lib.Command(goto="target", update={"log": ["route"], "x": 1}))
    g.add_node("target", increment("target"))
    g.add_node("other", increment("other"))
    g.add_edge(lib.START, "route")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["route", "a", "b"]}, also=EVERY_STREAM)
def a_command_goto_list_fans_out(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("route", lambda state: lib.Command(goto=["b", "a"], update={"log": ["route"]}))
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_edge(lib.START, "route")
    return g.compile()


@case(input={"items": [], "done": []}, expect={"items": [], "done": [16, 49]}, also=EVERY_STREAM)
def a_command_goto_sends_tasks_with_their_own_input(lib: Lib) -> Any:
    g = lib.StateGraph(Work)
    g.add_node(
        "route",
        lambda state: lib.Command(
            goto=[lib.Send("square", {"item": 4}), lib.Send("square", {"item": 7})]
        ),
    )
    g.add_node("square", square)
    g.add_edge(lib.START, "route")
    return g.compile()


@case(input={"x": 0}, expect={"x": 1, "log": ["stop"]})
def a_command_goto_end_finishes_after_applying_its_update(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("stop", lambda state: lib.Command(goto=lib.END, update={"log": ["stop"], "x": 1}))
    g.add_node("after", append("after"))
    g.add_edge(lib.START, "stop")
    return g.compile()


@case(input={"x": 0}, expect={"x": 1, "log": ["a", "next"]})
def a_command_with_only_an_update_follows_the_static_edges(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", lambda state: lib.Command(update={"log": ["a"], "x": 1}))
    g.add_node("next", append("next"))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "next")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["a", "by_command", "by_edge"]}, also=EVERY_STREAM)
def a_command_goto_adds_to_the_static_edges_of_its_node(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", lambda state: lib.Command(goto="by_command", update={"log": ["a"]}))
    g.add_node("by_command", append("by_command"))
    g.add_node("by_edge", append("by_edge"))
    g.add_edge(lib.START, "a")
    g.add_edge("a", "by_edge")
    return g.compile()


@case(input={"x": 0}, expect={"x": 3, "log": ["hop", "hop", "hop"]})
def a_command_may_route_back_to_its_own_node(lib: Lib) -> Any:
    def hop(state: Any) -> Any:
        goto = "hop" if state["x"] < 2 else lib.END
        return lib.Command(goto=goto, update={"log": ["hop"], "x": state["x"] + 1})

    g = lib.StateGraph(Log)
    g.add_node("hop", hop)
    g.add_edge(lib.START, "hop")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["route", "a"]}, async_only=True)
def an_async_node_may_return_a_command(lib: Lib) -> Any:
    async def route(state: Any) -> Any:
        return lib.Command(goto="a", update={"log": ["route"]})

    g = lib.StateGraph(Log)
    g.add_node("route", route)
    g.add_node("a", append_async("a"))
    g.add_edge(lib.START, "route")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["b", "a1", "a2", "c"]}, also=EVERY_STREAM)
def tasks_started_by_send_count_toward_a_waiting_edge(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", lambda state: {"log": [f"a{state['x']}"]})
    g.add_node("b", append("b"))
    g.add_node("c", append("c"))
    g.add_conditional_edges(
        lib.START, lambda state: [lib.Send("a", {"x": 1}), lib.Send("a", {"x": 2}), "b"]
    )
    g.add_edge(["a", "b"], "c")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["a1", "a2", "c"]}, also=EVERY_STREAM)
def commands_from_several_send_tasks_run_their_target_once(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", lambda state: lib.Command(goto="c", update={"log": [f"a{state['x']}"]}))
    g.add_node("c", append("c"))
    g.add_conditional_edges(
        lib.START, lambda state: [lib.Send("a", {"x": 1}), lib.Send("a", {"x": 2})]
    )
    return g.compile()


@case(input={"x": 0}, expect={"x": 3, "log": ["a", "b", "next"]}, also=EVERY_STREAM)
def a_command_update_may_be_a_list_of_key_value_pairs(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node(
        "pairs",
        lambda state: lib.Command(goto="next", update=[("x", 3), ("log", ["a"]), ("log", ["b"])]),
    )
    g.add_node("next", append("next"))
    g.add_edge(lib.START, "pairs")
    return g.compile()


@case(input={"x": 0}, expect={"x": 0, "log": ["1", "2", "a", "b"]}, also=EVERY_STREAM)
def a_node_may_return_a_list_of_commands(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node(
        "many",
        lambda state: [
            lib.Command(goto="b", update={"log": ["1"]}),
            lib.Command(goto="a", update={"log": ["2"]}),
        ],
    )
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_edge(lib.START, "many")
    return g.compile()


# What a router sees. LangGraph hands a router its node's output with the state, read
# through the node's input schema, over it: at START the node's output is the raw
# input, so a conditional entry point sees input keys that no schema keeps.


class OnlyLog(TypedDict):
    log: Annotated[list[str], operator.add]


def entry_router(lib: Lib) -> Any:
    """Routes on `x` and `hint`, neither of which the input schema keeps."""
    g = lib.StateGraph(Log, input_schema=OnlyLog)
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_conditional_edges(lib.START, lambda s: "b" if s.get("x") == 5 and "hint" in s else "a")
    return g.compile()


@case(input={"x": 5, "hint": "?", "log": []}, expect={"log": ["b"]}, also=EVERY_STREAM)
def a_conditional_entry_point_sees_input_keys_no_schema_keeps(lib: Lib) -> Any:
    return entry_router(lib)


class OnlyX(TypedDict):
    x: int


@case(input={"x": 5, "log": ["dropped"]}, expect={"x": 5, "log": ["b"]})
def the_state_shadows_the_input_keys_an_entry_router_sees(lib: Lib) -> Any:
    # the input schema drops `log`: the router sees the state's (empty) log, not the input's
    g = lib.StateGraph(Log, input_schema=OnlyX)
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_conditional_edges(lib.START, lambda s: "b" if s["log"] == [] else "a")
    return g.compile()


class Secret(TypedDict):
    secret: int
    x: int


@case(input={"x": 1}, expect={"x": 6, "log": ["p", "b"]}, also=EVERY_STREAM)
def a_router_sees_the_state_through_its_nodes_input_schema(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("p", lambda s: {"secret": 5, "log": ["p"]}, input_schema=Secret)
    g.add_node("q", lambda s: {"x": s["secret"] + 1}, input_schema=Secret)
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_edge(lib.START, "p")
    g.add_edge("p", "q")
    # q's input schema has no `log`: its router sees exactly secret and x
    g.add_conditional_edges("q", lambda s: "b" if sorted(s) == ["secret", "x"] else "a")
    return g.compile()


@case(input={"x": 1}, expect={"x": 1, "log": ["p", "q", "b"]}, also=EVERY_STREAM)
def a_router_also_sees_what_its_node_returned_but_does_not_read(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("p", lambda s: {"secret": 5, "log": ["p"]}, input_schema=Secret)
    g.add_node("q", lambda s: {"log": ["q"]}, input_schema=Secret)
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_edge(lib.START, "p")
    g.add_edge("p", "q")
    # q does not read `log`: its router sees q's own write, not the state's ["p", "q"]
    g.add_conditional_edges("q", lambda s: "b" if s["log"] == ["q"] else "a")
    return g.compile()


def to_b_if_secret(state: Secret) -> str:
    """A router annotated with a schema: LangGraph reads the state through that one."""
    return "b" if sorted(state) == ["secret", "x"] else "a"


def to_b_if_only_state_keys(state: Log) -> str:
    """Annotated with the state schema: no input key shows through, even at START."""
    return "b" if "hint" not in state and state["log"] == [] else "a"


@case(input={"x": 1}, expect={"x": 1, "log": ["p", "b"]}, also=EVERY_STREAM)
def a_router_annotated_with_a_schema_sees_the_state_through_it(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("p", lambda s: {"secret": 5, "log": ["p"]})
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_edge(lib.START, "p")
    g.add_conditional_edges("p", to_b_if_secret)
    return g.compile()


@case(input={"x": 5, "hint": "?"}, expect={"x": 5, "log": ["b"]})
def an_entry_router_annotated_with_the_state_sees_no_other_input_key(lib: Lib) -> Any:
    g = lib.StateGraph(Log)
    g.add_node("a", append("a"))
    g.add_node("b", append("b"))
    g.add_conditional_edges(lib.START, to_b_if_only_state_keys)
    return g.compile()
