"""How compile reads node functions: their parameters, whether they are async, their schema.

Plain functions are read from their code object and raw annotations; everything else
goes through ``inspect.signature`` and ``typing.get_type_hints``. These tests pin that
both routes agree, and that a node still gets its own input schema, its injected
keywords and the graph's state exactly as before. This module uses postponed
annotations on purpose: node annotations are strings here, as in most real code.
"""

from __future__ import annotations

import functools
import gc
import inspect
import operator
import typing
import weakref
from collections.abc import Callable
from typing import Annotated, Any, ForwardRef, TypedDict

import pytest

from warpgraph import END, START, StateGraph
from warpgraph.graph._functions import (
    Inspector,
    _code_kwargs,
    _first_parameter,
    _plain_code,
    _wanted_kwargs,
)
from warpgraph.graph._schema import _READ_LIMIT, read_schema


class State(TypedDict):
    question: str
    secret: str


class Narrow(TypedDict):
    question: str


class Tagged(TypedDict, total=False):
    tag: str


def _one(state, /): ...  # type: ignore[no-untyped-def]
def _two(state, config): ...  # type: ignore[no-untyped-def]
def _kwonly(state, *, config, store=None): ...  # type: ignore[no-untyped-def]
def _posonly(state, config=None, /, runtime=None): ...  # type: ignore[no-untyped-def]
def _varargs(*args, config=None): ...  # type: ignore[no-untyped-def]
def _varkw(**kwargs): ...  # type: ignore[no-untyped-def]
def _kwonly_first(*, writer, config): ...  # type: ignore[no-untyped-def]
def _nothing(): ...  # type: ignore[no-untyped-def]
def _everything(state, /, runtime, *args, writer, store, **kwargs): ...  # type: ignore[no-untyped-def]
async def _async_one(state, config=None): ...  # type: ignore[no-untyped-def]


async def _async_gen(state):  # type: ignore[no-untyped-def]
    yield state


SIGNATURES: list[Callable[..., Any]] = [
    _one,
    _two,
    _kwonly,
    _posonly,
    _varargs,
    _varkw,
    _kwonly_first,
    _nothing,
    _everything,
    _async_one,
    _async_gen,
    lambda state, config: None,
]


@pytest.mark.parametrize("fn", SIGNATURES, ids=lambda fn: fn.__name__)
def test_reading_a_plain_functions_code_agrees_with_inspect_signature(
    fn: Callable[..., Any],
) -> None:
    code = _plain_code(fn)
    assert code is not None
    params = inspect.signature(fn).parameters
    assert _first_parameter(code) == next(iter(params), None)
    assert _code_kwargs(code) == _wanted_kwargs(params)
    inspector = Inspector(read_schema(State))
    assert inspector.call(fn) == (inspect.iscoroutinefunction(fn), _wanted_kwargs(params))


def test_a_wrapped_function_is_read_through_inspect_and_so_through_its_wrapper() -> None:
    def node(state: State, config: Any) -> dict[str, Any]:
        return {}

    @functools.wraps(node)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return node(*args, **kwargs)

    assert _plain_code(wrapper) is None  # __wrapped__ in its __dict__: not plain
    assert Inspector(read_schema(State)).call(wrapper) == (False, ("config",))


def _graph(node: Any, **options: Any) -> StateGraph[Any]:
    g: StateGraph[Any] = StateGraph(State)
    g.add_node("node", node, **options)
    g.add_edge(START, "node")
    g.add_edge("node", END)
    return g


def test_a_node_annotated_with_its_own_schema_as_a_string_receives_only_its_keys() -> None:
    seen: list[Any] = []

    def narrow(state: Narrow) -> dict[str, Any]:
        seen.append(state)
        return {}

    assert isinstance(narrow.__annotations__["state"], str)  # postponed annotations
    _graph(narrow).compile().invoke({"question": "q", "secret": "s"})
    assert seen == [{"question": "q"}]


def test_a_node_annotated_with_the_state_by_name_receives_the_whole_state() -> None:
    seen: list[Any] = []

    def whole(state: State) -> dict[str, Any]:
        seen.append(state)
        return {}

    _graph(whole).compile().invoke({"question": "q", "secret": "s"})
    assert seen == [{"question": "q", "secret": "s"}]


def test_a_state_name_bound_to_another_class_in_the_nodes_module_names_that_class() -> None:
    class State(TypedDict):  # shadows the module's State only inside this test
        question: str
        secret: str
        extra: str

    seen: list[Any] = []

    def node(state: State) -> dict[str, Any]:  # resolves to the module-level State
        seen.append(state)
        return {}

    g: StateGraph[Any] = StateGraph(State)
    g.add_node("node", node)
    g.add_edge(START, "node")
    g.compile().invoke({"question": "q", "secret": "s", "extra": "e"})
    assert seen == [{"question": "q", "secret": "s"}]


def test_an_own_schema_is_ignored_when_another_annotation_cannot_be_resolved() -> None:
    seen: list[Any] = []

    def narrow(state: Narrow) -> Unresolvable:  # type: ignore[name-defined]  # noqa: F821
        seen.append(state)
        return {}

    _graph(narrow).compile().invoke({"question": "q", "secret": "s"})
    assert seen == [{"question": "q", "secret": "s"}]


def test_an_input_schema_option_wins_over_the_annotation() -> None:
    seen: list[Any] = []

    def node(state: State) -> dict[str, Any]:
        seen.append(state)
        return {}

    _graph(node, input_schema=Narrow).compile().invoke({"question": "q", "secret": "s"})
    assert seen == [{"question": "q"}]


def test_a_partial_node_gets_config_injected() -> None:
    def node(state: State, config: Any, *, label: str) -> dict[str, Any]:
        return {"question": f"{label}:{config['configurable']['tag']}"}

    app = _graph(functools.partial(node, label="p")).compile()
    result = app.invoke({"question": "q", "secret": "s"}, {"configurable": {"tag": "t"}})
    assert result == {"question": "p:t", "secret": "s"}


class AsyncCallable:
    async def __call__(self, state: State, config: Any) -> dict[str, Any]:
        return {"question": config["configurable"]["tag"]}


async def test_an_async_callable_object_is_awaited_and_gets_config_injected() -> None:
    app = _graph(AsyncCallable()).compile()
    spec = app.program.nodes["node"]
    assert (spec.is_async, spec.kwargs) == (True, ("config",))
    result = await app.ainvoke({"question": "q", "secret": "s"}, {"configurable": {"tag": "t"}})
    assert result == {"question": "t", "secret": "s"}


class NarrowCallable:
    def __init__(self) -> None:
        self.seen: list[Any] = []

    def __call__(self, state: Narrow) -> dict[str, Any]:
        self.seen.append(state)
        return {}


def test_a_callable_objects_annotation_still_gives_the_node_its_own_schema() -> None:
    node = NarrowCallable()
    _graph(node).compile().invoke({"question": "q", "secret": "s"})
    assert node.seen == [{"question": "q"}]


def test_nodes_sharing_one_function_share_its_reading_but_keep_their_own_specs() -> None:
    def step(state: State) -> dict[str, Any]:
        return {}

    g: StateGraph[Any] = StateGraph(State)
    g.add_node("a", step)
    g.add_node("b", step, input_schema=Narrow)
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    nodes = g.compile().program.nodes
    assert nodes["a"].make_input is dict  # sees every key: a plain copy
    assert nodes["b"].make_input({"question": "q", "secret": "s"}) == {"question": "q"}
    assert nodes["a"].successor is nodes["b"]
    assert nodes["b"].successor is None


class Adds(TypedDict):
    items: Annotated[list[str], operator.add]


class Replaces(TypedDict):
    items: list[str]


def test_the_first_node_in_order_decides_a_private_keys_reducer_however_it_names_it() -> None:
    def by_annotation(state: Adds) -> dict[str, Any]:
        return {}

    g: StateGraph[Any] = StateGraph(State)
    g.add_node("first", by_annotation, input_schema=Replaces)
    g.add_node("second", by_annotation)
    g.add_edge(START, "first")
    assert g.compile().program.channels["items"].reducer is None
    g2: StateGraph[Any] = StateGraph(State)
    g2.add_node("first", by_annotation)
    g2.add_node("second", by_annotation, input_schema=Replaces)
    g2.add_edge(START, "first")
    assert g2.compile().program.channels["items"].reducer is operator.add


def test_a_node_with_several_edges_lists_each_successor_once_sorted() -> None:
    g: StateGraph[Any] = StateGraph(State)
    for name in ("a", "b", "c"):
        g.add_node(name, lambda s: {})
    g.add_edge(START, "a")
    g.add_edge("a", "c")
    g.add_edge("a", "b")
    g.add_edge("a", "c")
    g.add_edge("a", END)
    nodes = g.compile().program.nodes
    assert nodes["a"].edges == ("b", "c")
    assert nodes["a"].successor is None


def test_only_the_most_recently_read_schema_classes_are_kept_alive() -> None:
    def make() -> type:
        class Temporary(TypedDict):
            x: int

        return Temporary

    schema = make()
    info = read_schema(schema)
    assert read_schema(schema) is info  # read once, then remembered
    ref = weakref.ref(schema)
    del schema, info
    for _ in range(_READ_LIMIT):  # newer classes push it out of the cache
        read_schema(make())
    gc.collect()
    assert ref() is None


def test_two_lambdas_on_one_node_clash_as_condition_but_not_across_nodes() -> None:
    g: StateGraph[Any] = StateGraph(Tagged)
    g.add_node("a", lambda s: {})
    g.add_node("b", lambda s: {})
    g.add_conditional_edges("a", lambda s: END)
    g.add_conditional_edges("b", lambda s: END)  # another node: no clash
    with pytest.raises(
        ValueError,
        match=r"^Node 'a' already has a conditional edge named 'condition'; "
        r"use a differently named function$",
    ):
        g.add_conditional_edges("a", lambda s: END)


def _with_annotation(annotation: Any, returns: Any = None) -> Callable[..., Any]:
    def node(state):  # type: ignore[no-untyped-def]
        return {}

    node.__annotations__ = {"state": annotation}
    if returns is not None:
        node.__annotations__["return"] = returns
    return node


def _unannotated(state):  # type: ignore[no-untyped-def]
    return {}


def _by_name(state: State) -> None: ...
def _narrow(state: Narrow) -> None: ...
def _builtin(state: dict) -> None: ...  # type: ignore[type-arg]
def _generic(state: dict[str, Any]) -> None: ...
def _any(state: Any) -> None: ...
def _none(state: None) -> None: ...
def _annotated(state: Annotated[Narrow, "why"]) -> None: ...
def _narrow_unresolvable(state: Narrow) -> Missing: ...  # type: ignore[name-defined]  # noqa: F821


ANNOTATED_NODES: dict[str, Callable[..., Any]] = {
    "none": _unannotated,
    "state by name": _by_name,
    "narrow by name": _narrow,
    "builtin by name": _builtin,
    "generic as a string": _generic,
    "Any by name": _any,
    "None by name": _none,
    "Annotated as a string": _annotated,
    "narrow, with an unresolvable return": _narrow_unresolvable,
    "state class": _with_annotation(State),
    "narrow class": _with_annotation(Narrow),
    "builtin class": _with_annotation(int),
    "generic alias": _with_annotation(dict[str, Any]),
    "Annotated narrow": _with_annotation(Annotated[Narrow, "why"]),
    "ForwardRef to narrow": _with_annotation(ForwardRef("Narrow")),
    "unknown name": _with_annotation("Nowhere"),
    "dotted name": _with_annotation("typing.Any"),
    "narrow class, unresolvable return": _with_annotation(Narrow, returns="Nowhere"),
}


@pytest.mark.parametrize("node", ANNOTATED_NODES.values(), ids=list(ANNOTATED_NODES))
def test_reading_a_plain_functions_annotation_agrees_with_typing_get_type_hints(
    node: Callable[..., Any],
) -> None:
    inspector = Inspector(read_schema(State))
    assert inspector._annotated_schema(node).schema is inspector._hinted_schema(node).schema


@pytest.mark.parametrize(
    "node",
    [_unannotated, _by_name, _builtin, _any, _none, _with_annotation(dict[str, Any])],
    ids=["none", "state by name", "builtin by name", "Any", "None", "generic alias"],
)
def test_a_function_plainly_reading_the_state_is_compiled_without_resolving_hints(
    node: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def resolve(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("typing.get_type_hints was called")

    g = _graph(node)  # the state schema is read here, before the patch
    monkeypatch.setattr(typing, "get_type_hints", resolve)
    assert g.compile().program.nodes["node"].make_input is dict


def test_a_missing_entry_point_is_reported_before_an_edge_to_an_unknown_node() -> None:
    g: StateGraph[Any] = StateGraph(State)
    g.add_node("a", lambda s: {})
    g.add_edge("a", "nowhere")
    with pytest.raises(ValueError, match=r"^Graph has no entry point: add an edge from START"):
        g.compile()
    g.add_conditional_edges(START, lambda s: "a")  # a conditional entry counts
    with pytest.raises(ValueError, match=r"^Edge 'a' -> 'nowhere' ends at unknown node"):
        g.compile()


def test_an_edge_from_start_straight_to_end_is_an_entry_point() -> None:
    g: StateGraph[Any] = StateGraph(State)
    g.add_node("a", lambda s: {})
    g.add_edge(START, END)
    assert g.compile().invoke({"question": "q", "secret": "s"}) == {
        "question": "q",
        "secret": "s",
    }
