"""Scheduler-overhead workloads: graphs whose nodes do (almost) nothing.

With trivial nodes, a run's time is the scheduler's own cost: planning each
superstep, starting its tasks, applying their writes. Each workload below is built
once per graph peer by the same function (warpgraph and LangGraph share the API) and
written once by hand for the asyncio floor, computing the same state.
"""

from __future__ import annotations

import asyncio
import itertools
import operator
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

from warpgraph.bench._peers import GraphAPI, graph_api
from warpgraph.bench._workload import Prepared, Workload

__all__ = ["SCHEDULER_WORKLOADS"]


def _expect(actual: Any, expected: Any, what: str) -> None:
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


# -- chain: n nodes in a line, each adding one -------------------------------------


class ChainState(TypedDict):
    x: int


async def _increment(state: ChainState) -> dict[str, int]:
    return {"x": state["x"] + 1}


def _build_chain(api: GraphAPI, n: int) -> Any:
    graph = api.StateGraph(ChainState)
    names = [f"n{i}" for i in range(n)]
    for name in names:
        graph.add_node(name, _increment)
    graph.add_edge(api.START, names[0])
    for a, b in itertools.pairwise(names):
        graph.add_edge(a, b)
    graph.add_edge(names[-1], api.END)
    return graph


def _prepare_chain(peer: str, n: int) -> Prepared:
    def check(result: Any) -> None:
        _expect(result, {"x": n}, f"chain of {n} on {peer}")

    if peer == "asyncio":
        steps = [_increment] * n

        async def floor() -> dict[str, int]:
            state: dict[str, int] = {"x": 0}
            for step in steps:
                state.update(await step(state))  # type: ignore[arg-type]
            return state

        return Prepared(floor, check)
    app = _build_chain(graph_api(peer), n).compile()
    config = {"recursion_limit": n + 10}
    return Prepared(lambda: app.ainvoke({"x": 0}, config=config), check)


# -- fan-out: one node, w parallel branches, a waiting-edge join ---------------------


class FanState(TypedDict):
    x: int
    results: Annotated[list[int], operator.add]


async def _split(state: FanState) -> dict[str, int]:
    return {"x": state["x"]}


def _branch(i: int) -> Callable[[FanState], Any]:
    async def branch(state: FanState) -> dict[str, list[int]]:
        return {"results": [i]}

    return branch


async def _join(state: FanState) -> dict[str, int]:
    return {"x": sum(state["results"])}


def _prepare_fanout(peer: str, width: int) -> Prepared:
    def check(result: Any) -> None:
        _expect(result["x"], sum(range(width)), f"fan-out of {width} on {peer}: x")
        _expect(sorted(result["results"]), list(range(width)), f"fan-out of {width}: results")

    branches = [_branch(i) for i in range(width)]
    if peer == "asyncio":

        async def floor() -> dict[str, Any]:
            state: dict[str, Any] = {"x": 0, "results": []}
            state.update(await _split(state))  # type: ignore[arg-type]
            updates = await asyncio.gather(*(branch(state) for branch in branches))  # type: ignore[arg-type]
            for update in updates:
                state["results"].extend(update["results"])
            state.update(await _join(state))  # type: ignore[arg-type]
            return state

        return Prepared(floor, check)
    api = graph_api(peer)
    graph = api.StateGraph(FanState)
    graph.add_node("split", _split)
    names = [f"b{i}" for i in range(width)]
    for name, branch in zip(names, branches, strict=True):
        graph.add_node(name, branch)
        graph.add_edge("split", name)
    graph.add_node("join", _join)
    graph.add_edge(names, "join")
    graph.add_edge(api.START, "split")
    graph.add_edge("join", api.END)
    app = graph.compile()
    return Prepared(lambda: app.ainvoke({"x": 0, "results": []}), check)


# -- map-reduce: one Send per item, then a reduce -----------------------------------


class MapReduceState(TypedDict):
    items: list[int]
    results: Annotated[list[int], operator.add]
    total: int


class ItemState(TypedDict):
    item: int


async def _map_item(state: ItemState) -> dict[str, list[int]]:
    return {"results": [state["item"] * 2]}


async def _reduce(state: MapReduceState) -> dict[str, int]:
    return {"total": sum(state["results"])}


def _prepare_mapreduce(peer: str, n: int) -> Prepared:
    items = list(range(n))

    def check(result: Any) -> None:
        _expect(result["total"], 2 * sum(items), f"map-reduce of {n} items on {peer}: total")
        _expect(len(result["results"]), n, f"map-reduce of {n} items on {peer}: results")

    if peer == "asyncio":

        async def floor() -> dict[str, Any]:
            state: dict[str, Any] = {"items": items, "results": [], "total": 0}
            updates = await asyncio.gather(*(_map_item({"item": i}) for i in state["items"]))
            for update in updates:
                state["results"].extend(update["results"])
            state.update(await _reduce(state))  # type: ignore[arg-type]
            return state

        return Prepared(floor, check)
    api = graph_api(peer)

    def fan_out(state: MapReduceState) -> list[Any]:
        return [api.Send("map", {"item": i}) for i in state["items"]]

    graph = api.StateGraph(MapReduceState)
    graph.add_node("map", _map_item)
    graph.add_node("reduce", _reduce)
    graph.add_conditional_edges(api.START, fan_out, ["map"])
    graph.add_edge("map", "reduce")
    graph.add_edge("reduce", api.END)
    app = graph.compile()
    return Prepared(lambda: app.ainvoke({"items": items, "results": [], "total": 0}), check)


# -- wide state: k keys, half with a list reducer, written by 3 nodes in turn ---------

_WIDE_WRITERS = 3


def _wide_schema(keys: int) -> tuple[type, dict[str, Any], dict[str, Any]]:
    fields: dict[str, Any] = {}
    initial: dict[str, Any] = {}
    update: dict[str, Any] = {}
    for i in range(keys):
        if i % 2:
            fields[f"k{i}"] = Annotated[list[int], operator.add]
            initial[f"k{i}"] = []
            update[f"k{i}"] = [i]
        else:
            fields[f"k{i}"] = int
            initial[f"k{i}"] = 0
            update[f"k{i}"] = i
    return TypedDict(f"Wide{keys}State", fields), initial, update  # type: ignore[operator]


def _prepare_wide(peer: str, keys: int) -> Prepared:
    schema, initial, update = _wide_schema(keys)
    expected = {
        key: (value * _WIDE_WRITERS if isinstance(value, list) else value)
        for key, value in update.items()
    }

    def check(result: Any) -> None:
        _expect(result, expected, f"wide state of {keys} keys on {peer}")

    async def write(state: Any) -> dict[str, Any]:
        return update

    if peer == "asyncio":
        list_keys = [key for key, value in update.items() if isinstance(value, list)]
        value_keys = [key for key in update if key not in list_keys]

        async def floor() -> dict[str, Any]:
            state = {
                key: (list(value) if isinstance(value, list) else value)
                for key, value in initial.items()
            }
            for _ in range(_WIDE_WRITERS):
                written = await write(state)
                for key in list_keys:
                    state[key] = state[key] + written[key]  # the reducer, operator.add
                for key in value_keys:
                    state[key] = written[key]
            return state

        return Prepared(floor, check)
    api = graph_api(peer)
    graph = api.StateGraph(schema)
    names = [f"w{i}" for i in range(_WIDE_WRITERS)]
    for name in names:
        graph.add_node(name, write)
    graph.add_edge(api.START, names[0])
    for a, b in itertools.pairwise(names):
        graph.add_edge(a, b)
    graph.add_edge(names[-1], api.END)
    app = graph.compile()
    return Prepared(lambda: app.ainvoke(dict(initial)), check)


# -- compile: build and compile a chain of n nodes -----------------------------------


def _prepare_compile(peer: str, n: int) -> Prepared:
    api = graph_api(peer)

    async def build_and_compile() -> Any:
        return _build_chain(api, n).compile()

    def check(result: Any) -> None:
        if not callable(getattr(result, "ainvoke", None)):
            raise AssertionError(f"compile of {n} nodes on {peer} returned {result!r}")

    return Prepared(build_and_compile, check)


SCHEDULER_WORKLOADS = (
    Workload(
        name="chain",
        title="Chain of trivial nodes",
        metric="overhead_per_node",
        unit="node",
        sizes=(10, 100, 1000),
        quick_sizes=(10, 100),
        prepare=_prepare_chain,
        description="n async nodes in a line, each returning x + 1: one superstep per node.",
    ),
    Workload(
        name="fanout",
        title="Fan-out / fan-in",
        metric="overhead_per_branch",
        unit="branch",
        sizes=(10, 100, 1000),
        quick_sizes=(10, 100),
        prepare=_prepare_fanout,
        description=(
            "split -> w parallel branches (one superstep) -> a waiting-edge join; "
            "each branch appends to a list reducer."
        ),
    ),
    Workload(
        name="mapreduce",
        title="Send map-reduce",
        metric="overhead_per_item",
        unit="item",
        sizes=(10, 100, 1000),
        quick_sizes=(10, 100),
        prepare=_prepare_mapreduce,
        description="one Send per item into a map node (one superstep), then a reduce.",
    ),
    Workload(
        name="wide_state",
        title="Wide state",
        metric="overhead_per_key",
        unit="key",
        sizes=(10, 100, 1000),
        quick_sizes=(10, 100),
        prepare=_prepare_wide,
        description=(
            "k state keys, half last-value and half list reducers; three nodes in turn "
            "each write every key."
        ),
    ),
    Workload(
        name="compile",
        title="Build and compile",
        metric="compile_per_node",
        unit="node",
        sizes=(10, 100, 1000),
        quick_sizes=(10, 100),
        prepare=_prepare_compile,
        peers=("warpgraph", "langgraph"),
        description="add_node/add_edge for a chain of n nodes, then compile().",
    ),
)
