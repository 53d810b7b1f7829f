"""Random graphs for the conformance property: a spec, a hypothesis strategy, a builder.

A ``GraphSpec`` is plain data (so hypothesis can shrink it and print it): nodes,
plain edges, waiting edges, conditional edges, entry edges, the input, the config
(``recursion_limit``, sometimes ``max_concurrency``) and one optional extra stream
check (``multi``, ``tasks``, ``debug`` or ``custom``: half the nodes write to the
custom stream) besides output, ``updates`` and ``values``.
``build(spec)`` turns it into the same graph on either library.

Every node logs ``"<name>@<total>"`` to ``log`` (``operator.add``; sometimes as an
``Overwrite``), adds its ``delta`` to ``total`` (``operator.add`` on ints) and may
write ``total`` to a custom ``max`` reducer key or to one of two *shared* last-value
keys, so two nodes writing the same one in a step raise ``InvalidUpdateError`` on
both sides; a few nodes return ``None``, and one may raise ``NodeFailure`` for
some values of ``total``. A node may wrap its update in ``Command(goto=...)``, with
names, ``END`` and ``Send``s. Routing functions are deterministic functions of the
state they see: ``(total + len(log) + v0) % len(outcomes)`` picks an outcome, which
is a node name, ``END``, a list of names, or ``Send``s (possibly mixed with a name).

Runaway growth is kept out by construction: a ``Send`` may only target a node that
sends nothing itself (by branch or ``Command``), so parallel tasks never compound;
loops still happen and end at the recursion limit (``GraphRecursionError`` on both).
"""

import asyncio
import dataclasses
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from hypothesis import strategies as st

from ._case import Case
from ._libs import Lib
from ._nodes import NodeFailure

END = "__end__"  # stands for the library's END in specs; both libraries spell it so
#: Keys a node may write its ``total`` to: two shared last-value keys, one custom reducer.
VALUE_KEYS = ("v0", "v1", "best")


def larger(left: int, right: int) -> int:
    return max(left, right)


class RandomState(TypedDict):
    log: Annotated[list[str], operator.add]
    total: Annotated[int, operator.add]
    best: Annotated[int, larger]
    v0: int
    v1: int


@dataclass(frozen=True)
class NodeSpec:
    name: str
    is_async: bool
    delta: int
    value_key: str | None
    writes: str  # "update" (a dict), "none" (returns None) or "overwrite" (Overwrite on log)
    #: return Command(goto=...) with these targets: names, END or ("send", node, arg_total)
    goto: tuple[Any, ...] | None
    defer: bool
    yields: int  # async nodes give the loop this many turns, to shuffle completion order
    fails_at: int | None  # raise NodeFailure when total % 4 equals this
    custom: bool = False  # write {"node": name, "total": total} to the custom stream
    #: in a subgraph: return Command(graph=PARENT, goto=...) to these parent nodes
    parent_goto: tuple[str, ...] | None = None
    #: the node is this graph, compiled (same state schema), instead of a function
    subgraph: "GraphSpec | None" = None


#: An outcome of a routing function: ("name", n) | ("names", (n, ...)) |
#: ("sends", ((target, arg_total), ...), extra_name_or_None)
Outcome = tuple[Any, ...]


@dataclass(frozen=True)
class BranchSpec:
    source: str  # a node name or "__start__"
    outcomes: tuple[Outcome, ...]
    path_map: str | None  # None, "list" or "dict"
    is_async: bool


@dataclass(frozen=True)
class GraphSpec:
    nodes: tuple[NodeSpec, ...]
    entry: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    waiting: tuple[tuple[tuple[str, ...], str], ...]
    branches: tuple[BranchSpec, ...]
    recursion_limit: int
    max_concurrency: int | None
    start_total: int
    start_v0: int | None
    #: one more stream check per example, so every stream mode meets random graphs
    extra_check: str | None

    @property
    def is_async(self) -> bool:
        return (
            any(n.is_async for n in self.nodes)
            or any(b.is_async for b in self.branches)
            or any(n.subgraph.is_async for n in self.nodes if n.subgraph is not None)
        )

    def as_case(self) -> Case:
        checks = ("invoke", "updates", "values")
        config: dict[str, Any] = {"recursion_limit": self.recursion_limit}
        if self.max_concurrency is not None:
            config["max_concurrency"] = self.max_concurrency
        start: dict[str, Any] = {"log": [], "total": self.start_total}
        if self.start_v0 is not None:
            start["v0"] = self.start_v0
        return Case(
            name="random_graph",
            build=lambda lib: build(self, lib),
            input=start,
            config=config,
            checks=checks if self.extra_check is None else (*checks, self.extra_check),
            async_only=self.is_async,
            same_message=True,
        )


def _node(spec: NodeSpec, lib: Lib) -> Callable[[Any], Any]:
    def update(state: Any) -> dict[str, Any] | None:
        # a Send's argument is a partial state, hence .get
        total = state.get("total", 0)
        if spec.custom:
            lib.get_stream_writer()({"node": spec.name, "total": total})
        if spec.fails_at is not None and total % 4 == spec.fails_at:
            # the same message from every task of the node: two may fail in one step
            raise NodeFailure(f"{spec.name} failed")
        if spec.writes == "none":
            return None
        entry = [f"{spec.name}@{total}"]
        out: dict[str, Any] = {"log": entry, "total": spec.delta}
        if spec.writes == "overwrite":
            out["log"] = lib.Overwrite(entry)
        if spec.value_key is not None:
            out[spec.value_key] = total
        return out

    def target(goto: Any) -> Any:
        if isinstance(goto, tuple):
            return lib.Send(goto[1], {"total": goto[2]})
        return lib.END if goto == END else goto

    def result(state: Any) -> Any:
        if spec.parent_goto is not None:
            goto = list(spec.parent_goto)
            return lib.Command(graph=lib.Command.PARENT, goto=goto, update=update(state))
        if spec.goto is None:
            return update(state)
        return lib.Command(goto=[target(g) for g in spec.goto], update=update(state))

    if not spec.is_async:
        return result

    async def run(state: Any) -> Any:
        for _ in range(spec.yields):
            await asyncio.sleep(0)
        return result(state)

    return run


def _route(spec: BranchSpec, lib: Lib) -> Any:
    def resolve(outcome: Outcome, index: int) -> Any:
        kind = outcome[0]
        if spec.path_map == "dict":
            return f"o{index}"  # the path_map dict translates labels to nodes
        if kind == "name":
            return lib.END if outcome[1] == END else outcome[1]
        if kind == "names":
            return list(outcome[1])
        sends: list[Any] = [lib.Send(target, {"total": arg}) for target, arg in outcome[1]]
        return sends if outcome[2] is None else [outcome[2], *sends]

    def route(state: Any) -> Any:
        seen = state.get("total", 0) + len(state.get("log", [])) + state.get("v0", 0)
        index = seen % len(spec.outcomes)
        return resolve(spec.outcomes[index], index)

    if not spec.is_async:
        return route

    async def aroute(state: Any) -> Any:
        await asyncio.sleep(0)
        return route(state)

    return aroute


def _path_map(spec: BranchSpec, lib: Lib) -> Any:
    def target(name: str) -> str:
        return lib.END if name == END else name

    if spec.path_map == "dict":
        return {f"o{i}": target(o[1]) for i, o in enumerate(spec.outcomes)}
    if spec.path_map == "list":
        names = {n for o in spec.outcomes for n in ([o[1]] if o[0] == "name" else o[1])}
        return [target(n) for n in sorted(names)]
    return None


def build(spec: GraphSpec, lib: Lib) -> Any:
    """The graph ``spec`` describes, built with ``lib``."""
    g = lib.StateGraph(RandomState)
    for node in spec.nodes:
        runnable = _node(node, lib) if node.subgraph is None else build(node.subgraph, lib)
        g.add_node(node.name, runnable, defer=node.defer)
    for name in spec.entry:
        g.add_edge(lib.START, name)
    for source, target in spec.edges:
        g.add_edge(source, lib.END if target == END else target)
    for sources, target in spec.waiting:
        g.add_edge(list(sources), target)
    for branch in spec.branches:
        source = lib.START if branch.source == "__start__" else branch.source
        g.add_conditional_edges(source, _route(branch, lib), _path_map(branch, lib))
    return g.compile()


@st.composite
def graph_specs(
    draw: st.DrawFn, max_nodes: int = 6, parent_names: list[str] | None = None
) -> GraphSpec:
    """Random ``GraphSpec``s; see the module docstring for what they contain.

    With ``parent_names`` the spec is a subgraph's: its nodes are named ``s0``...,
    none of them raises, and one may send ``Command.PARENT`` to a parent node.
    """
    count = draw(st.integers(1, max_nodes))
    # half the graphs are all-sync, so the sync API gets its share of examples
    may_be_async = draw(st.booleans())
    names = [f"{'n' if parent_names is None else 's'}{i}" for i in range(count)]
    targets = st.sampled_from([*names, END])

    # which nodes send (by branch or Command) decides which nodes may be sent to
    senders = set(draw(st.lists(st.sampled_from(["__start__", *names]), max_size=2, unique=True)))
    send_targets = [n for n in names if n not in senders]

    branches = []
    branch_sources = draw(st.lists(st.sampled_from(["__start__", *names]), max_size=3, unique=True))
    for source in sorted(set(branch_sources) | senders):
        sends = source in senders and bool(send_targets)
        sendable = send_targets if sends else []
        branches.append(draw(_branches(source, names, targets, sendable, may_be_async)))

    entry = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    if not entry and not any(b.source == "__start__" for b in branches):
        entry = [names[0]]
    nodes = [
        draw(_nodes(name, _later(names, i), may_be_async, send_targets if name in senders else []))
        for i, name in enumerate(names)
    ]
    if parent_names is None:
        # at most one source of errors, a raising node or a subgraph (which may hit
        # the recursion limit, or escalate): with two, which surfaces first is a race
        failing = draw(st.none() | st.sampled_from(names))
        if failing is not None:
            index = names.index(failing)
            nodes[index] = dataclasses.replace(nodes[index], fails_at=draw(st.integers(0, 3)))
        else:
            nodes = draw(_with_subgraph(nodes, send_targets))
            escalated_to = {n.name for n in nodes if n.subgraph and _escalates(n.subgraph)}
            # LangGraph 1.2 runs the conditional edges of a subgraph node that got a
            # Command.PARENT synchronously, so an async router there raises TypeError
            branches = [
                dataclasses.replace(b, is_async=False) if b.source in escalated_to else b
                for b in branches
            ]
    else:
        # one node, never run as several Send tasks at once, may escalate to the parent
        escalating = draw(
            st.none() | st.sampled_from([n for n in names if n not in send_targets] or names)
        )
        if escalating is not None and escalating not in send_targets:
            index = names.index(escalating)
            goto = draw(st.lists(st.sampled_from(parent_names), min_size=1, max_size=2).map(tuple))
            nodes[index] = dataclasses.replace(nodes[index], parent_goto=goto)
    # plain edges and Command gotos point forward (or to END), so loops come from
    # conditional edges, whose state-dependent choice often leaves the loop
    edges = draw(
        st.lists(
            st.integers(0, count - 1).flatmap(
                lambda i: st.tuples(st.just(names[i]), _later(names, i))
            ),
            max_size=count + 1,
        )
    )
    waiting: list[tuple[tuple[str, ...], str]] = []
    if count > 1:
        sources = st.lists(st.sampled_from(names), min_size=2, max_size=3, unique=True)
        waiting = draw(st.lists(st.tuples(sources.map(tuple), st.sampled_from(names)), max_size=2))
    extra_check = draw(st.none() | st.sampled_from(["multi", "tasks", "debug", "custom"]))
    max_concurrency = draw(st.none() | st.integers(1, 3))
    if extra_check == "custom" and max_concurrency == 1:
        # LangGraph 1.2's sync stream deadlocks on the custom mode at max_concurrency=1
        max_concurrency = None
    return GraphSpec(
        nodes=tuple(nodes),
        entry=tuple(entry),
        edges=tuple(dict.fromkeys(edges)),
        waiting=tuple(waiting),
        branches=tuple(branches),
        recursion_limit=draw(st.integers(5, 14)),
        max_concurrency=max_concurrency,
        start_total=draw(st.integers(0, 5)),
        start_v0=draw(st.none() | st.integers(0, 3)),
        extra_check=extra_check,
    )


@st.composite
def _with_subgraph(
    draw: st.DrawFn, nodes: list[NodeSpec], send_targets: list[str]
) -> list[NodeSpec]:
    """``nodes``, one of which may be replaced by a compiled subgraph of 1-3 nodes."""
    if draw(st.integers(0, 2)) != 0:
        return nodes
    index = draw(st.integers(0, len(nodes) - 1))
    parents = [n.name for n in nodes]
    sub = draw(graph_specs(max_nodes=3, parent_names=parents))
    if nodes[index].name in send_targets:
        # several Send tasks of one subgraph escalating at once would race
        sub = dataclasses.replace(
            sub, nodes=tuple(dataclasses.replace(n, parent_goto=None) for n in sub.nodes)
        )
    nodes[index] = dataclasses.replace(nodes[index], subgraph=sub, goto=None, fails_at=None)
    return nodes


def _escalates(spec: GraphSpec) -> bool:
    return any(n.parent_goto is not None for n in spec.nodes)


def _later(names: list[str], index: int) -> st.SearchStrategy[str]:
    """A node after ``names[index]``, or END."""
    return st.sampled_from([*names[index + 1 :], END])


@st.composite
def _nodes(
    draw: st.DrawFn,
    name: str,
    targets: st.SearchStrategy[str],
    may_be_async: bool,
    send_targets: list[str],
) -> NodeSpec:
    is_async = may_be_async and draw(st.booleans())
    goto: st.SearchStrategy[Any] = targets
    if send_targets:
        sends = st.tuples(st.just("send"), st.sampled_from(send_targets), st.integers(0, 9))
        goto = targets | sends
    return NodeSpec(
        name=name,
        is_async=is_async,
        delta=draw(st.integers(0, 3)),
        value_key=draw(st.none() | st.sampled_from(VALUE_KEYS)),
        writes=draw(st.sampled_from(["update"] * 6 + ["none", "overwrite"])),
        goto=draw(st.none() | st.lists(goto, min_size=1, max_size=3).map(tuple)),
        defer=draw(st.integers(0, 7)) == 0,
        yields=draw(st.integers(0, 2)) if is_async else 0,
        fails_at=None,
        custom=draw(st.booleans()),
    )


@st.composite
def _branches(
    draw: st.DrawFn,
    source: str,
    names: list[str],
    targets: st.SearchStrategy[str],
    send_targets: list[str],
    may_be_async: bool,
) -> BranchSpec:
    name_outcome = targets.map(lambda n: ("name", n))
    names_outcome = st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True).map(
        lambda ns: ("names", tuple(ns))
    )
    outcome = name_outcome | names_outcome
    if send_targets:
        sends = st.lists(
            st.tuples(st.sampled_from(send_targets), st.integers(0, 9)), min_size=0, max_size=3
        )
        extra = st.none() | st.sampled_from(names)
        outcome = outcome | st.tuples(st.just("sends"), sends.map(tuple), extra)
    outcomes = tuple(draw(st.lists(outcome, min_size=1, max_size=3)))
    only_names = all(o[0] == "name" for o in outcomes)
    no_sends = all(o[0] != "sends" for o in outcomes)
    path_maps: list[str | None] = [None]
    if no_sends:
        path_maps.append("list")
    if only_names:
        path_maps.append("dict")
    return BranchSpec(
        source=source,
        outcomes=outcomes,
        path_map=draw(st.sampled_from(path_maps)),
        is_async=may_be_async and draw(st.integers(0, 3)) == 0,
    )
