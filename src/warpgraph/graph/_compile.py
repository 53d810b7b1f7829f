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
from types import CodeType, FunctionType, ModuleType
from typing import TYPE_CHECKING, Annotated, Any

from warpgraph.errors import GraphBuildError
from warpgraph.graph._schema import SchemaInfo, input_reader, is_schema, read_schema
from warpgraph.runtime._compiled import CompiledGraph
from warpgraph.runtime._program import Barrier, Branch, Channel, NodeSpec, Program
from warpgraph.runtime._timeouts import timed_call
from warpgraph.runtime._types import END, START

if TYPE_CHECKING:
    from warpgraph.graph._builder import BranchDef, NodeDef, StateGraph

__all__ = ["compile_graph"]

_INJECTABLE = ("config", "runtime", "writer", "store")
_INJECTABLE_NAMES = frozenset(_INJECTABLE)
_ANNOTATED: Any = Annotated  # what typing.get_origin returns for Annotated[T, ...]
# What a plain node's spec needs from its function: is_async, kwargs, make_input, fast,
# and whether kwargs and make_input are NodeSpec's own defaults.
_PlainFacts = tuple[bool, tuple[str, ...], Callable[[dict[str, Any]], Any], bool, bool]
_DEFAULT_KWARGS = NodeSpec.__dataclass_fields__["kwargs"].default
_DEFAULT_MAKE_INPUT = NodeSpec.__dataclass_fields__["make_input"].default


def compile_graph(builder: StateGraph[Any], name: str) -> CompiledGraph:
    """Validate ``builder`` and return the compiled graph named ``name``."""
    successors = _validate(builder)
    state = read_schema(builder.state_schema)
    inputs = read_schema(builder.input_schema) if builder.input_schema else state
    outputs = read_schema(builder.output_schema) if builder.output_schema else state
    inspector = _Inspector(state)
    others = inspector.read_nodes(builder)
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


class _Inspector:
    """Each distinct node function's call facts and input schema, read once per compile.

    For a plain Python function (the common case) all compile needs is on the function
    itself: its code object says whether it is ``async def`` and names its parameters and
    their kinds, and ``__annotations__`` holds the first parameter's raw annotation (a
    string under ``from __future__ import annotations``). Reading those costs about a
    microsecond, where ``inspect.signature`` and ``typing.get_type_hints`` cost tens.
    Anything else (a partial, a callable object, a decorated function carrying
    ``__wrapped__``) and any first-parameter annotation that is not plainly the state
    schema goes through ``inspect`` and ``typing``, the reference the fast path agrees
    with. Keyed by ``id()``: the builder keeps every function alive while it compiles,
    and an inspector lives for one compile only.
    """

    def __init__(self, state: SchemaInfo) -> None:
        self._state = state
        self._calls: dict[int, tuple[bool, tuple[str, ...]]] = {}
        self._params: dict[int, Mapping[str, inspect.Parameter] | None] = {}
        self._schemas: dict[int, SchemaInfo] = {}
        self._inputs: dict[int, Callable[[dict[str, Any]], Any]] = {}
        self.plain_facts: dict[int, _PlainFacts] = {}
        self.all_keys: frozenset[str] = frozenset()  # every channel, set once they are merged

    def read_nodes(self, builder: StateGraph[Any]) -> list[SchemaInfo]:
        """Read each distinct node function once; return the schemas the nodes read."""
        nodes = builder.nodes.values()
        actions: dict[int, Any] = {}
        others = False  # does any node read another schema than the state's?
        for node in nodes:
            if node.input_schema is None:
                actions[id(node.action)] = node.action
            else:
                others = True
        state = self._state
        for key, action in actions.items():
            schema = self._schemas[key] = self._annotated_schema(action)
            others = others or schema is not state
        if not others:
            return []
        # In node order: when two node schemas name one key, the first one's reducer wins.
        return [self.node_schema(n) for n in nodes]

    def plain(self, action: Any) -> _PlainFacts:
        """A plain node's facts: is it async, its kwargs, its input builder, may it be fast.

        Kept in ``plain_facts`` by the function's ``id()``; ``action`` must have been
        read by ``read_nodes``.
        """
        key = id(action)
        is_async, kwargs = self.call(action)
        make_input = self.make_input(self._schemas[key])
        defaults = kwargs == _DEFAULT_KWARGS and make_input is _DEFAULT_MAKE_INPUT
        found = (is_async, kwargs, make_input, is_async and not kwargs, defaults)
        self.plain_facts[key] = found
        return found

    def call(self, action: Any) -> tuple[bool, tuple[str, ...]]:
        """Whether ``action`` is async, and which injectable parameters it accepts."""
        key = id(action)
        found = self._calls.get(key)
        if found is None:
            code = _plain_code(action)
            if code is None:
                found = (_is_async(action), _wanted_kwargs(self._parameters(action)))
            else:
                found = (bool(code.co_flags & inspect.CO_COROUTINE), _code_kwargs(code))
            self._calls[key] = found
        return found

    def node_schema(self, node: NodeDef) -> SchemaInfo:
        """The schema a node reads: ``input_schema=``, else its first parameter's annotation."""
        if node.input_schema is not None:
            return read_schema(node.input_schema)
        action = node.action
        key = id(action)
        found = self._schemas.get(key)
        if found is None:
            found = self._schemas[key] = self._annotated_schema(action)
        return found

    def make_input(self, schema: SchemaInfo) -> Callable[[dict[str, Any]], Any]:
        """How a node reading ``schema`` gets its argument from the state dict."""
        key = id(schema)
        found = self._inputs.get(key)
        if found is None:
            found = schema.make_input
            if schema.is_dict and schema.keys >= self.all_keys:
                found = dict  # the node sees every key: a plain copy is the fastest filter
            self._inputs[key] = found
        return found

    def _parameters(self, action: Any) -> Mapping[str, inspect.Parameter] | None:
        """``action``'s parameters as ``inspect`` reads them, or None when it cannot."""
        key = id(action)
        if key not in self._params:
            try:
                self._params[key] = inspect.signature(action).parameters
            except (TypeError, ValueError):
                self._params[key] = None
        return self._params[key]

    def _annotated_schema(self, action: Any) -> SchemaInfo:
        state = self._state
        code = _plain_code(action)
        if code is not None and _reads_state(action, code, state.schema):
            return state
        if hasattr(action, "ainvoke"):  # a compiled subgraph reads the parent state as a dict
            return state
        return self._hinted_schema(action)

    def _hinted_schema(self, action: Any) -> SchemaInfo:
        """The schema ``typing.get_type_hints`` names for ``action``'s first parameter."""
        state = self._state
        try:
            target = action if inspect.isroutine(action) else type(action).__call__
            hints = typing.get_type_hints(target)
        except (TypeError, ValueError, NameError):
            return state
        params = self._parameters(action)
        if not params:
            return state
        first = next(iter(params))
        if is_schema(hints.get(first)) and hints[first] is not state.schema:
            return read_schema(hints[first])
        return state


def _plain_code(action: Any) -> CodeType | None:
    """The code object of a plain function, which ``inspect`` reads exactly as it is.

    A function with anything in its ``__dict__`` (``__wrapped__``, ``__signature__``, a
    coroutine mark) may look different to ``inspect``, so it takes the general path.
    """
    if type(action) is not FunctionType or action.__dict__:
        return None
    return action.__code__


def _code_kwargs(code: CodeType) -> tuple[str, ...]:
    """The injectable parameters a function accepts by keyword, read from its code."""
    # co_varnames starts with the positional-only, then the positional-or-keyword, then
    # the keyword-only parameters' names.
    names = code.co_varnames[code.co_posonlyargcount : code.co_argcount + code.co_kwonlyargcount]
    if _INJECTABLE_NAMES.isdisjoint(names):  # the usual node: `(state)` alone
        return ()
    return tuple(name for name in _INJECTABLE if name in names)


def _wanted_kwargs(params: Mapping[str, inspect.Parameter] | None) -> tuple[str, ...]:
    if params is None:
        return ()
    return tuple(
        name
        for name in _INJECTABLE
        if name in params
        and params[name].kind
        in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    )


def _first_parameter(code: CodeType) -> str | None:
    """The name ``inspect.signature`` lists first for a function with this code."""
    names, flags = code.co_varnames, code.co_flags
    if code.co_argcount:
        return names[0]
    if flags & inspect.CO_VARARGS:  # `*args` comes before the keyword-only names
        return names[code.co_kwonlyargcount]
    if code.co_kwonlyargcount or flags & inspect.CO_VARKEYWORDS:
        return names[0]
    return None


def _reads_state(action: FunctionType, code: CodeType, schema: Any) -> bool:
    """Whether a plain function's first parameter plainly reads the graph's own state.

    ``typing.get_type_hints`` gives a node another input schema only when its first
    parameter's hint resolves to a schema class other than the state's (and every other
    annotation resolves too). So the node reads the state when that parameter has no
    annotation, or one that is (or names, as a string the function's module or the
    builtins bind) the state schema or a class that is no schema at all (``dict``), or
    a typing form that cannot become a class (``dict[str, Any]``). Anything else, an
    ``Annotated[...]`` or a dotted string say, is left to ``typing.get_type_hints``.
    """
    first = _first_parameter(code)
    if first is None:
        return True
    hint = action.__annotations__.get(first)
    if isinstance(hint, str):
        hint = _global(action.__globals__, hint)
        if isinstance(hint, str | typing.ForwardRef):  # not found, or a name for a name
            return False
    if hint is None or hint is schema:
        return True
    if isinstance(hint, type):
        return not is_schema(hint)
    return not isinstance(hint, typing.ForwardRef) and typing.get_origin(hint) is not _ANNOTATED


def _global(namespace: dict[str, Any], name: str) -> Any:
    """What ``name`` evaluates to in a module's namespace; ``name`` itself when unsure."""
    if not name.isidentifier():
        return name
    if name in namespace:
        return namespace[name]
    builtins = namespace.get("__builtins__")
    if isinstance(builtins, ModuleType):
        builtins = vars(builtins)
    if isinstance(builtins, dict) and name in builtins:
        return builtins[name]
    return name


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
        inspector: _Inspector,
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
        for b in group:
            is_async, kwargs = self._inspector.call(b.path)
            branches.append(
                Branch(
                    source=b.source,
                    name=b.name,
                    path=b.path,
                    is_async=is_async,
                    path_map=b.path_map,
                    wants_config="config" in kwargs,
                )
            )
        return tuple(branches)


def _node_specs(
    builder: StateGraph[Any], wiring: _Wiring, inspector: _Inspector
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
    node: NodeDef, schema: SchemaInfo, wiring: _Wiring, inspector: _Inspector
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


def _is_async(action: Any) -> bool:
    if inspect.iscoroutinefunction(action):
        return True
    if inspect.isroutine(action) or isinstance(action, functools.partial):
        return False
    # A callable object: what matters is whether its (possibly inherited) __call__ is async.
    return inspect.iscoroutinefunction(type(action).__call__)


def _never_called(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("START is routing only; it is never called")
