"""The pure superstep parts: applying writes in apply order, routing, planning."""

import operator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warpgraph import InvalidUpdateError, Overwrite, Send
from warpgraph.runtime._apply import apply_update, apply_writes, plan_step, route
from warpgraph.runtime._program import Barrier, Channel, NodeSpec, Program

CHANNELS = {
    "plain": Channel("plain"),
    "log": Channel("log", operator.add, list),
    "unset": Channel("unset", operator.add, None),
}

task_writes = st.lists(
    st.tuples(
        st.sampled_from("abcde"),
        st.lists(st.tuples(st.just("log"), st.lists(st.integers(), max_size=3)), max_size=3),
    ),
    max_size=5,
)


@given(task_writes)
def test_reducer_writes_fold_in_apply_order_whatever_their_number(tasks: list[Any]) -> None:
    values: dict[str, Any] = {"log": [0]}
    updated = apply_writes(CHANNELS, values, tasks, step=1)
    expected = [0] + [x for _, writes in tasks for _, chunk in writes for x in chunk]
    assert values["log"] == expected
    assert updated == ({"log"} if any(w for _, w in tasks) else set())


@given(st.lists(st.integers(), min_size=1, max_size=4))
def test_an_unset_reducer_key_takes_its_first_write_as_is(chunks: list[int]) -> None:
    values: dict[str, Any] = {}
    apply_writes(CHANNELS, values, [("a", [("unset", c) for c in chunks])], step=1)
    assert values["unset"] == sum(chunks)


@given(st.integers(), st.integers())
def test_a_last_value_key_takes_one_write_per_step(first: int, second: int) -> None:
    values: dict[str, Any] = {"plain": "before"}
    apply_writes(CHANNELS, values, [("a", [("plain", first)])], step=1)
    assert values == {"plain": first}
    with pytest.raises(
        InvalidUpdateError,
        match=r"^At key 'plain': can receive only one value per step, but 'a' and 'b' wrote "
        r"it in step 7\. Give the key a reducer, e\.g\. Annotated\[list, operator\.add\], "
        r"or write it from one node per step$",
    ):
        apply_writes(CHANNELS, values, [("a", [("plain", first)]), ("b", [("plain", second)])], 7)
    assert values == {"plain": first}  # a rejected step changes nothing of that key


def test_overwrite_replaces_and_drops_later_plain_writes_of_the_step() -> None:
    values: dict[str, Any] = {"log": ["old"]}
    tasks = [("a", [("log", ["x"])]), ("b", [("log", Overwrite(["new"]))]), ("c", [("log", ["y"])])]
    apply_writes(CHANNELS, values, tasks, step=1)
    assert values == {"log": ["new"]}


@pytest.mark.parametrize(
    "serialized", [{"__overwrite__": ["new"]}, {"value": ["new"], "type": "__overwrite__"}]
)
def test_langgraphs_serialized_overwrites_are_understood(serialized: dict[str, Any]) -> None:
    values: dict[str, Any] = {"log": ["old"]}
    apply_writes(CHANNELS, values, [("a", [("log", serialized)])], step=1)
    assert values == {"log": ["new"]}


def test_two_overwrites_of_a_key_in_one_step_are_rejected() -> None:
    tasks = [("a", [("log", Overwrite([1]))]), ("b", [("log", Overwrite([2]))])]
    with pytest.raises(
        InvalidUpdateError,
        match=r"^At key 'log': received more than one Overwrite in step 3; "
        r"write Overwrite\(\.\.\.\) to a key from one task per step$",
    ):
        apply_writes(CHANNELS, {}, tasks, step=3)


def program(*nodes: NodeSpec, barriers: tuple[Barrier, ...] = ()) -> Program:
    return Program(
        name="test",
        channels=dict(CHANNELS),
        nodes={n.name: n for n in nodes},
        start=NodeSpec("__start__", print, False),
        barriers=barriers,
        input_keys=(),
        output_keys=(),
        state_keys=frozenset(),
        read_input=dict,
        read_update=lambda value: None,
    )


def test_a_waiting_edge_fires_once_all_sources_finished_across_steps() -> None:
    join = Barrier(0, frozenset({"a", "b"}), "j", "join:a+b:j")
    a = NodeSpec("a", print, False, barriers=(join,))
    b = NodeSpec("b", print, False, barriers=(join,))
    prog = program(a, b, NodeSpec("j", print, False, joins=(join,)))
    seen: dict[int, set[str]] = {}
    assert route(prog, [(a, (), ())], seen) == (set(), [])
    assert seen == {0: {"a"}}
    assert route(prog, [(b, (), ())], seen) == ({"j"}, [])
    assert seen == {0: {"a", "b"}}  # full until j runs
    assert route(prog, [(a, (), ())], seen) == (set(), [])  # an arrival now changes nothing
    j = prog.nodes["j"]
    assert route(prog, [(j, (), ())], seen, ran=[j]) == (set(), [])
    assert seen == {}  # j ran: it starts over


def test_routing_collects_edges_gotos_and_sends_in_apply_order() -> None:
    a = NodeSpec("a", print, False, edges=("c",))
    b = NodeSpec("b", print, False)
    prog = program(a, b, NodeSpec("c", print, False), NodeSpec("d", print, False))
    sends = [Send("c", 1), Send("d", 2)]
    triggered, planned = route(prog, [(a, ["d"], sends[:1]), (b, [], sends[1:])], {})
    assert triggered == {"c", "d"}
    assert planned == sends


@given(st.sets(st.sampled_from("abcdef")))
def test_node_tasks_are_planned_sorted_by_name(names: set[str]) -> None:
    prog = program(*(NodeSpec(n, print, False) for n in "abcdef"))
    pull, _ = plan_step(prog, names, [], set())
    assert [n.name for n in pull] == sorted(names)


def test_a_deferred_node_waits_until_nothing_else_would_run() -> None:
    prog = program(NodeSpec("a", print, False), NodeSpec("z", print, False, defer=True))
    deferred: set[str] = set()
    pull, _ = plan_step(prog, {"a", "z"}, [], deferred)
    assert [n.name for n in pull] == ["a"]
    assert deferred == {"z"}
    pull, _ = plan_step(prog, set(), [], deferred)
    assert [n.name for n in pull] == ["z"]
    assert deferred == set()


def test_arrivals_in_the_step_a_waiting_edge_fires_do_not_carry_over() -> None:
    join = Barrier(0, frozenset({"a", "b"}), "j", "join:a+b:j")
    a = NodeSpec("a", print, False, barriers=(join,))
    b = NodeSpec("b", print, False, barriers=(join,))
    prog = program(a, b, NodeSpec("j", print, False, joins=(join,)))
    seen: dict[int, set[str]] = {0: {"b"}}  # b arrived in an earlier step
    assert route(prog, [(a, (), ()), (b, (), ())], seen) == ({"j"}, [])
    j = prog.nodes["j"]
    route(prog, [(j, (), ())], seen, ran=[j])  # j runs and consumes the waiting edge
    assert seen == {}  # b's second arrival did not carry over
    assert route(prog, [(a, (), ())], seen) == (set(), [])


update_values = st.one_of(
    st.integers(),
    st.lists(st.integers(), max_size=3),
    st.builds(Overwrite, st.lists(st.integers(), max_size=3)),
    st.builds(lambda v: {"__overwrite__": v}, st.lists(st.integers(), max_size=3)),
    st.just({"a": 1}),  # a dict that is no serialized overwrite
)


@given(
    st.dictionaries(st.sampled_from(["plain", "log", "unset"]), update_values, max_size=3),
    st.dictionaries(
        st.sampled_from(["plain", "log", "unset"]), st.lists(st.integers()), max_size=3
    ),
)
def test_a_single_tasks_dict_applies_as_its_writes_would(
    update: dict[str, Any], before: dict[str, Any]
) -> None:
    """apply_update (the one-task fast path) agrees with apply_writes on every update."""
    prog = program(NodeSpec("a", print, False))
    fast, general = dict(before), dict(before)
    try:
        apply_writes(CHANNELS, general, [("a", list(update.items()))], step=1)
    except TypeError:  # e.g. list + int: the reducer itself refuses, on both paths
        with pytest.raises(TypeError):
            apply_update(prog, fast, update)
        return
    apply_update(prog, fast, update)
    assert fast == general
