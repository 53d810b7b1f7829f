"""``compile()``: check the whole graph, then flatten it into the engine's tables.

Every reference is resolved here, once: edges and path maps must name real nodes,
START must lead somewhere, each distinct node function is read for the
``config`` / ``runtime`` / ``writer`` / ``store`` parameters it wants and the schema
it reads (``warpgraph.graph._functions``), and each node gets a precomputed input
builder for its schema. The engine then never looks a name up in the builder again.
The work is linear in the graph's size: edges, branches and waiting edges are
grouped by node once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from warpgraph.errors import GraphBuildError
from warpgraph.graph._functions import Inspector
from warpgraph.graph._schema import SchemaInfo, input_reader, read_schema
from warpgraph.runtime._compiled import CompiledGraph
from warpgraph.runtime._program import Barrier, Branch, Channel, NodeSpec, Program
from warpgraph.runtime._timeouts import timed_call
from warpgraph.runtime._types import END, START

if TYPE_CHECKING:
    from warpgraph.graph._builder import BranchDef, NodeDef, StateGraph

__all__ = ["compile_graph"]


def compile_graph(builder: StateGraph[Any], name: str) -> CompiledGraph:
    """Validate ``builder`` and return the compiled graph named ``name``."""
    successors = _validate(builder)
    state = read_schema(builder.state_schema)
    inputs = read_schema(builder.input_schema) if builder.input_schema else state
    outputs = read_schema(builder.output_schema) if builder.output_schema else state
    inspector = Inspector(state)
    others = inspector.read_nodes(builder)
    if builder.branches:
        others += inspector.read_branches(builder)
    if inputs is state and outputs is state and not others:
        merged = _merge_channels([state])  # the usual graph: everything reads the state
    else:
        merged = _merge_channels([state, inputs, outputs, *others])
    channels, all_keys, initial_values, last_value_keys = merged
    inspector.all_keys = all_keys

    barriers = tuple(
        Barrier(i, frozenset(sources), target, f"join:{'+'.join(sources)}:{target}")
        for i, (sources, target) in enumerate(builder.waiting_edges)
    )
    wiring = _Wiring(builder, successors, barriers, inspector)
    nodes = _node_specs(builder, wiring, inspector)
    start = NodeSpec(
        START,
        _never_called,
        False,
        make_input=state.make_input,  # what START's routers see: the state schema's view
        edges=wiring.successors(START),
        branches=wiring.branches(START),
    )
    return CompiledGraph(
        Program(
            name=name,
            channels=channels,
            nodes=nodes,
            start=start,
            barriers=barriers,
            input_keys=inputs.keys,
            output_keys=tuple(outputs.channels),
            state_keys=all_keys,
            read_input=state.read_input if inputs is state else input_reader(inputs, state),
            read_update=state.to_dict,
            make_state=state.make_input,
            context_schema=builder.context_schema,
            initial_values=initial_values,
            last_value_keys=last_value_keys,
        ),
        builder=builder,
    )


def _validate(builder: StateGraph[Any]) -> dict[str, tuple[str, ...]]:
    """Check every reference in ``builder``; return each node's static successors."""
    nodes = builder.nodes
    successors, has_entry = _successors(builder, nodes)
    if not has_entry:
        _check_entry(builder)
    for sources, target in builder.waiting_edges:
        if target != END and target not in nodes:
            raise GraphBuildError(
                f"Waiting edge {list(sources)} -> '{target}' ends at unknown node "
                f"'{target}'; add_node('{target}', ...) or fix the edge"
            )
    for branch in builder.branches:
        if branch.source != START and branch.source not in nodes:
            raise GraphBuildError(
                f"Conditional edge '{branch.name}' starts at unknown node '{branch.source}'; "
                f"add_node('{branch.source}', ...) or fix the edge"
            )
        for key, target in (branch.path_map or {}).items():
            if target != END and target not in nodes:
                raise GraphBuildError(
                    f"Conditional edge '{branch.name}' from '{branch.source}' maps {key!r} "
                    f"to unknown node '{target}'; add_node('{target}', ...) or fix the path_map"
                )
    return successors


def _check_entry(builder: StateGraph[Any]) -> None:
    """Refuse a graph that nothing starts: checked before any edge's nodes are."""
    if not any(s == START for s, _ in builder.edges) and not any(
        b.source == START for b in builder.branches
    ):
        raise GraphBuildError(
            "Graph has no entry point: add an edge from START, "
            "e.g. add_edge(START, 'first_node'), or call set_entry_point('first_node')"
        )


def _successors(
    builder: StateGraph[Any], nodes: Mapping[str, Any]
) -> tuple[dict[str, tuple[str, ...]], bool]:
    """Each node's static successors (sorted, END left out), and whether START has an edge.

    An edge naming an unknown node is an error, raised after ``_check_entry``'s own.
    """
    found: dict[str, tuple[str, ...]] = {}
    more: dict[str, list[str]] = {}  # the sources of more than one edge
    has_entry = False
    for source, target in builder.edges:
        if source not in nodes:
            if source != START:
                _check_entry(builder)
                raise GraphBuildError(
                    f"Edge '{source}' -> '{target}' starts at unknown node '{source}'; "
                    f"add_node('{source}', ...) or fix the edge"
                )
            has_entry = True
        if target == END:
            continue
        if target not in nodes:
            _check_entry(builder)
            raise GraphBuildError(
                f"Edge '{source}' -> '{target}' ends at unknown node '{target}'; "
                f"add_node('{target}', ...) or fix the edge"
            )
        if source not in found:
            found[source] = (target,)
        elif source in more:
            more[source].append(target)
        else:
            more[source] = [*found[source], target]
    for source, targets in more.items():
        found[source] = tuple(sorted(set(targets)))
    return found, has_entry


def _merge_channels(
    schemas: list[SchemaInfo],
) -> tuple[dict[str, Channel], frozenset[str], dict[str, Callable[[], Any]], frozenset[str]]:
    """The graph's channels, their keys, reducer keys' initial values, last-value keys."""
    # Many nodes share a schema: merge each distinct one once, in first-seen order.
    distinct = schemas[:1] if len(schemas) == 1 else list({id(s): s for s in schemas}.values())
    if len(distinct) == 1:  # the usual graph: everything reads the state schema
        only = distinct[0]
        return dict(only.channels), only.keys, dict(only.initial_values), only.last_value_keys
    channels: dict[str, Channel] = {}
    for info in distinct:
        for key, channel in info.channels.items():
            # The first schema that names a key decides its reducer (the state schema first).
            channels.setdefault(key, channel)
    initial = {k: c.initial for k, c in channels.items() if c.initial is not None}
    last_value = frozenset(k for k, c in channels.items() if c.reducer is None)
    return channels, frozenset(channels), initial, last_value


class _Wiring:
    """The builder's edges, branches and waiting edges, grouped by node in one pass.

    Looking them up per node by scanning the builder's lists made compiling
    quadratic in the graph's size; grouped once, each lookup is a dict access.
    Each group keeps the order the builder recorded (barriers in index order).
    """

    def __init__(
        self,
        builder: StateGraph[Any],
        successors: dict[str, tuple[str, ...]],
        barriers: tuple[Barrier, ...],
        inspector: Inspector,
    ) -> None:
        self._inspector = inspector
        self.edges = successors  # each node's static successors, sorted, END left out
        self._branches: dict[str, list[BranchDef]] = {}
        # The waiting edges a node is a source of, and those it is the target of.
        self.out_of: dict[str, tuple[Barrier, ...]] = {}
        self.into: dict[str, tuple[Barrier, ...]] = {}
        # Nodes with a conditional or waiting edge: routing after them is not just `edges`.
        self.special: set[str] = set()
        if builder.branches or barriers:
            self._group(builder.branches, barriers)

    def _group(self, branches: list[BranchDef], barriers: tuple[Barrier, ...]) -> None:
        for branch in branches:
            self._branches.setdefault(branch.source, []).append(branch)
        out_of: dict[str, list[Barrier]] = {}
        into: dict[str, list[Barrier]] = {}
        for barrier in barriers:
            for source in barrier.sources:
                out_of.setdefault(source, []).append(barrier)
            into.setdefault(barrier.target, []).append(barrier)
        self.out_of = {node: tuple(group) for node, group in out_of.items()}
        self.into = {node: tuple(group) for node, group in into.items()}
        self.special = self._branches.keys() | out_of.keys() | into.keys()

    def successors(self, source: str) -> tuple[str, ...]:
        """The targets of ``source``'s static edges, sorted, END left out."""
        return self.edges.get(source, ())

    def branches(self, source: str) -> tuple[Branch, ...]:
        """``source``'s conditional edges, each with its path function inspected."""
        group = self._branches.get(source)
        if group is None:
            return ()
        branches = []
        inspector = self._inspector
        for b in group:
            is_async, kwargs = inspector.call(b.path)
            schema = inspector.branch_schema(b.path)
            branches.append(
                Branch(
                    source=b.source,
                    name=b.name,
                    path=b.path,
                    is_async=is_async,
                    path_map=b.path_map,
                    wants_config="config" in kwargs,
                    make_input=None if schema is None else inspector.make_input(schema),
                )
            )
        return tuple(branches)


def _node_specs(
    builder: StateGraph[Any], wiring: _Wiring, inspector: Inspector
) -> dict[str, NodeSpec]:
    """Every node's spec, each linked to its one non-deferred successor where it has one.

    Most nodes are plain (a function reading the schema its annotation names, edges out,
    nothing else): their facts are read once per function, and their spec leaves every
    other field at its "nothing" default. Any other node goes through ``_node_spec``.
    """
    nodes: dict[str, NodeSpec] = {}
    single: list[NodeSpec] = []  # the nodes with exactly one static successor
    known, edges_of, special = inspector.plain_facts, wiring.edges.get, wiring.special
    for name, node in builder.nodes.items():
        action, facts = node.action, None
        if not (
            name in special
            or node.retry
            or node.defer
            or node.timeout is not None
            or node.limiter is not None
            or node.input_schema is not None
        ):
            facts = known.get(id(action))
            if facts is None and not isinstance(action, CompiledGraph):
                facts = inspector.plain(action)
        if facts is None:
            nodes[name] = spec = _node_spec(node, inspector.node_schema(node), wiring, inspector)
            if len(spec.edges) == 1:
                single.append(spec)
            continue
        edges = edges_of(name, ())
        if facts[4]:  # kwargs and make_input are NodeSpec's defaults: a shorter call
            spec = NodeSpec(
                name, action, facts[0], edges=edges, triggers=(f"branch:to:{name}",), fast=facts[3]
            )
        else:
            spec = NodeSpec(
                name,
                action,
                facts[0],
                kwargs=facts[1],
                make_input=facts[2],
                edges=edges,
                triggers=(f"branch:to:{name}",),
                fast=facts[3],
            )
        nodes[name] = spec
        if len(edges) == 1:
            single.append(spec)
    for spec in single:
        successor = nodes[spec.edges[0]]
        if not successor.defer:
            spec.successor = successor
    return nodes


def _node_spec(
    node: NodeDef, schema: SchemaInfo, wiring: _Wiring, inspector: Inspector
) -> NodeSpec:
    name, action = node.name, node.action
    is_subgraph = isinstance(action, CompiledGraph)
    kwargs: tuple[str, ...]
    if is_subgraph:
        call: Callable[..., Any] = action.as_node(name)
        is_async, kwargs = True, ("config",)
    else:
        call = action
        is_async, kwargs = inspector.call(action)
    if node.timeout is not None:  # controls (issue 6): every call bounded by the node's timeout
        call = timed_call(name, call, node.timeout)
    branches = wiring.branches(name)
    mine = wiring.out_of.get(name, ())
    joins = wiring.into.get(name, ())
    triggers = (f"branch:to:{name}", *(b.channel for b in joins))
    # A limited node is not `simple`, so it never takes the engine's fast path, which
    # skips TaskCaller.task where the limiter is taken (controls, issue 6).
    simple = not branches and not mine and not node.retry and node.limiter is None
    return NodeSpec(
        name=name,
        call=call,
        is_async=is_async,
        kwargs=kwargs,
        make_input=inspector.make_input(schema),
        retry=node.retry,
        defer=node.defer,
        is_subgraph=is_subgraph,
        edges=wiring.successors(name),
        branches=branches,
        barriers=mine,
        joins=joins,
        triggers=triggers,
        simple=simple,
        # Running a node with waiting edges into it consumes them: the general path.
        fast=simple and is_async and not kwargs and not is_subgraph and not joins,
        timeout=node.timeout,
        limiter=node.limiter,
    )


def _never_called(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("START is routing only; it is never called")
