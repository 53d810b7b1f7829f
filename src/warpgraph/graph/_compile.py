"""``compile()``: check the whole graph, then flatten it into the engine's tables.

Every reference is resolved here, once: edges and path maps must name real nodes,
START must lead somewhere, each node's call signature is inspected for the
``config`` / ``runtime`` / ``writer`` / ``store`` parameters it wants, and each
node gets a precomputed input builder for its schema. The engine then never
looks a name up in the builder again.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from warpgraph.errors import GraphBuildError
from warpgraph.graph._schema import SchemaInfo, is_schema, read_schema
from warpgraph.runtime._compiled import CompiledGraph
from warpgraph.runtime._program import Barrier, Branch, Channel, NodeSpec, Program
from warpgraph.runtime._timeouts import timed_call
from warpgraph.runtime._types import END, START

if TYPE_CHECKING:
    from warpgraph.graph._builder import BranchDef, NodeDef, StateGraph

__all__ = ["compile_graph"]

_INJECTABLE = ("config", "runtime", "writer", "store")


def compile_graph(builder: StateGraph[Any], name: str) -> CompiledGraph:
    """Validate ``builder`` and return the compiled graph named ``name``."""
    _validate(builder)
    state = read_schema(builder.state_schema)
    inputs = read_schema(builder.input_schema) if builder.input_schema else state
    outputs = read_schema(builder.output_schema) if builder.output_schema else state
    inspector = _Inspector(state)
    node_schemas = {n: inspector.node_schema(d) for n, d in builder.nodes.items()}
    channels = _merge_channels([state, inputs, outputs, *node_schemas.values()])
    all_keys = frozenset(channels)

    barriers = tuple(
        Barrier(i, frozenset(sources), target, f"join:{'+'.join(sources)}:{target}")
        for i, (sources, target) in enumerate(builder.waiting_edges)
    )
    wiring = _Wiring(builder, barriers, inspector)
    nodes = {
        n: _node_spec(d, node_schemas[n], all_keys, wiring, inspector)
        for n, d in builder.nodes.items()
    }
    for spec in nodes.values():
        spec.joins = wiring.into.get(spec.name, ())
        spec.fast = (
            spec.simple
            and spec.is_async
            and not spec.kwargs
            and not spec.is_subgraph
            and not spec.joins  # running it consumes its waiting edges: the general path
        )
        if len(spec.edges) == 1 and not nodes[spec.edges[0]].defer:
            spec.successor = nodes[spec.edges[0]]
    start = NodeSpec(
        START,
        _never_called,
        False,
        edges=wiring.successors(START),
        branches=wiring.branches(START),
    )
    output_keys = tuple(outputs.channels)
    return CompiledGraph(
        Program(
            name=name,
            channels=channels,
            nodes=nodes,
            start=start,
            barriers=barriers,
            input_keys=frozenset(inputs.channels),
            output_keys=output_keys,
            state_keys=all_keys,
            read_input=_input_reader(inputs, state),
            read_update=state.to_dict,
            make_state=state.make_input,
            context_schema=builder.context_schema,
            initial_values={k: c.initial for k, c in channels.items() if c.initial is not None},
            last_value_keys=frozenset(k for k, c in channels.items() if c.reducer is None),
        ),
        builder=builder,
    )


def _validate(builder: StateGraph[Any]) -> None:
    nodes = builder.nodes
    has_entry = any(s == START for s, _ in builder.edges) or any(
        b.source == START for b in builder.branches
    )
    if not has_entry:
        raise GraphBuildError(
            "Graph has no entry point: add an edge from START, "
            "e.g. add_edge(START, 'first_node'), or call set_entry_point('first_node')"
        )
    for source, target in builder.edges:
        if source != START and source not in nodes:
            raise GraphBuildError(
                f"Edge '{source}' -> '{target}' starts at unknown node '{source}'; "
                f"add_node('{source}', ...) or fix the edge"
            )
        if target != END and target not in nodes:
            raise GraphBuildError(
                f"Edge '{source}' -> '{target}' ends at unknown node '{target}'; "
                f"add_node('{target}', ...) or fix the edge"
            )
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


class _Inspector:
    """Each distinct function's signature and state schema, read once per compile.

    ``inspect.signature`` and ``typing.get_type_hints`` cost tens of microseconds
    each, a node needs its signature twice (its state parameter, the kwargs it
    wants), and graphs often reuse one function for many nodes (a chain of steps,
    a fan-out's workers). Keyed by ``id()``: the builder keeps every function
    alive while it compiles, and an inspector lives for one compile only.
    """

    def __init__(self, state: SchemaInfo) -> None:
        self._state = state
        self._params: dict[int, Mapping[str, inspect.Parameter] | None] = {}
        self._schemas: dict[int, SchemaInfo] = {}

    def parameters(self, action: Any) -> Mapping[str, inspect.Parameter] | None:
        """``action``'s parameters, or None when Python cannot tell them."""
        key = id(action)
        if key not in self._params:
            try:
                self._params[key] = inspect.signature(action).parameters
            except (TypeError, ValueError):
                self._params[key] = None
        return self._params[key]

    def wanted_kwargs(self, action: Any) -> tuple[str, ...]:
        """Which injectable parameters (``config``, ``runtime``...) ``action`` accepts."""
        params = self.parameters(action)
        if params is None:
            return ()
        return tuple(
            name
            for name in _INJECTABLE
            if name in params
            and params[name].kind
            in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        )

    def node_schema(self, node: NodeDef) -> SchemaInfo:
        """The schema a node reads: ``input_schema=``, else its first parameter's annotation."""
        if node.input_schema is not None:
            return read_schema(node.input_schema)
        action = node.action
        if hasattr(action, "ainvoke"):  # a compiled subgraph reads the parent state as a dict
            return self._state
        key = id(action)
        found = self._schemas.get(key)
        if found is None:
            found = self._schemas[key] = self._annotated_schema(action)
        return found

    def _annotated_schema(self, action: Any) -> SchemaInfo:
        state = self._state
        try:
            target = action if inspect.isroutine(action) else type(action).__call__
            hints = typing.get_type_hints(target)
        except (TypeError, ValueError, NameError):
            return state
        params = self.parameters(action)
        if not params:
            return state
        first = next(iter(params))
        if is_schema(hints.get(first)) and hints[first] is not state.schema:
            return read_schema(hints[first])
        return state


def _merge_channels(schemas: list[SchemaInfo]) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    for info in schemas:
        for key, channel in info.channels.items():
            # The first schema that names a key decides its reducer (the state schema first).
            channels.setdefault(key, channel)
    return channels


class _Wiring:
    """The builder's edges, branches and waiting edges, grouped by node in one pass.

    Looking them up per node by scanning the builder's lists made compiling
    quadratic in the graph's size; grouped once, each lookup is a dict access.
    Each group keeps the order the builder recorded (barriers in index order).
    """

    def __init__(
        self, builder: StateGraph[Any], barriers: tuple[Barrier, ...], inspector: _Inspector
    ) -> None:
        self._inspector = inspector
        edges: dict[str, set[str]] = {}
        for source, target in builder.edges:
            if target != END:
                edges.setdefault(source, set()).add(target)
        self._edges = {source: tuple(sorted(targets)) for source, targets in edges.items()}
        self._branches: dict[str, list[BranchDef]] = {}
        for branch in builder.branches:
            self._branches.setdefault(branch.source, []).append(branch)
        out_of: dict[str, list[Barrier]] = {}
        into: dict[str, list[Barrier]] = {}
        for barrier in barriers:
            for source in barrier.sources:
                out_of.setdefault(source, []).append(barrier)
            into.setdefault(barrier.target, []).append(barrier)
        # The waiting edges a node is a source of, and those it is the target of.
        self.out_of = {node: tuple(group) for node, group in out_of.items()}
        self.into = {node: tuple(group) for node, group in into.items()}

    def successors(self, source: str) -> tuple[str, ...]:
        """The targets of ``source``'s static edges, sorted, END left out."""
        return self._edges.get(source, ())

    def branches(self, source: str) -> tuple[Branch, ...]:
        """``source``'s conditional edges, each with its path function inspected."""
        return tuple(
            Branch(
                source=b.source,
                name=b.name,
                path=b.path,
                is_async=_is_async(b.path),
                path_map=b.path_map,
                wants_config="config" in self._inspector.wanted_kwargs(b.path),
            )
            for b in self._branches.get(source, ())
        )


def _node_spec(
    node: NodeDef,
    schema: SchemaInfo,
    all_keys: frozenset[str],
    wiring: _Wiring,
    inspector: _Inspector,
) -> NodeSpec:
    action = node.action
    is_subgraph = isinstance(action, CompiledGraph)
    kwargs: tuple[str, ...]
    if is_subgraph:
        call: Callable[..., Any] = action.as_node(node.name)
        is_async, kwargs = True, ("config",)
    else:
        call = action
        is_async = _is_async(action)
        kwargs = inspector.wanted_kwargs(action)
    if node.timeout is not None:  # controls (issue 6): every call bounded by the node's timeout
        call = timed_call(node.name, call, node.timeout)
    make_input: Callable[[dict[str, Any]], Any] = schema.make_input
    if typing.is_typeddict(schema.schema) and frozenset(schema.channels) >= all_keys:
        make_input = dict  # the node sees every key: a plain copy is the fastest filter
    edges = wiring.successors(node.name)
    branches = wiring.branches(node.name)
    mine = wiring.out_of.get(node.name, ())
    triggers = (f"branch:to:{node.name}", *(b.channel for b in wiring.into.get(node.name, ())))
    return NodeSpec(
        name=node.name,
        call=call,
        is_async=is_async,
        kwargs=kwargs,
        make_input=make_input,
        retry=node.retry,
        defer=node.defer,
        is_subgraph=is_subgraph,
        edges=edges,
        branches=branches,
        barriers=mine,
        triggers=triggers,
        # A limited node is not `simple`, so it never takes the engine's fast path, which
        # skips TaskCaller.task where the limiter is taken (controls, issue 6).
        simple=not branches and not mine and not node.retry and node.limiter is None,
        timeout=node.timeout,
        limiter=node.limiter,
    )


def _is_async(action: Any) -> bool:
    if inspect.iscoroutinefunction(action):
        return True
    if inspect.isroutine(action) or isinstance(action, functools.partial):
        return False
    # A callable object: what matters is whether its (possibly inherited) __call__ is async.
    return inspect.iscoroutinefunction(type(action).__call__)


def _input_reader(inputs: SchemaInfo, state: SchemaInfo) -> Callable[[Any], dict[str, Any]]:
    readers = (inputs.to_dict, state.to_dict)
    # Only a pydantic *state* validates the input; a separate input schema does not (as LangGraph).
    validate = inputs.validate if inputs is state else None

    def read(value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value if validate is None else validate(value)
        for reader in readers:
            converted = reader(value)
            if converted is not None:
                return converted
        from warpgraph.errors import InvalidUpdateError

        raise InvalidUpdateError(
            f"Graph input must be a dict (or an instance of the state schema), "
            f"got {type(value).__name__}: {value!r}"
        )

    return read


def _never_called(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("START is routing only; it is never called")
