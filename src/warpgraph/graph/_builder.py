"""``StateGraph``: describe nodes and the edges between them, then ``compile()``.

The builder only records what you add and rejects mistakes it can see at once
(a duplicate or reserved node name, an edge out of ``END``). Everything that
needs the whole graph (unknown nodes, a missing entry point, path-map targets) is
checked by ``compile()``, which turns the description into the engine's
``Program`` (see ``warpgraph.graph._compile``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from warpgraph.errors import GraphBuildError, InvalidNodeError
from warpgraph.graph._compile import compile_graph
from warpgraph.graph._schema import read_schema
from warpgraph.runtime._limits import Limiter, node_limiter
from warpgraph.runtime._retry import RetryPolicy
from warpgraph.runtime._timeouts import node_timeout
from warpgraph.runtime._types import END, START

if TYPE_CHECKING:
    from warpgraph.runtime._compiled import CompiledGraph

__all__ = ["StateGraph"]

StateT = TypeVar("StateT")
_RESERVED_CHARS = (":", "|")
_RESERVED_NAMES = frozenset((START, END))


@dataclass(slots=True)
class NodeDef:
    """One ``add_node`` call, as recorded."""

    name: str
    action: Any
    defer: bool
    retry: tuple[RetryPolicy, ...]
    input_schema: Any
    metadata: dict[str, Any] | None
    destinations: tuple[str, ...] | None
    timeout: float | None = None  # controls (issue 6): seconds per attempt
    limiter: Limiter | None = None  # controls (issue 6): add_node(..., max_concurrency=)


@dataclass(slots=True)
class BranchDef:
    """One ``add_conditional_edges`` call, as recorded."""

    source: str
    name: str
    path: Callable[..., Any]
    path_map: dict[Hashable, str] | None


class StateGraph(Generic[StateT]):
    """A graph whose nodes read a shared state and return updates to it.

    ``state_schema`` (a TypedDict, dataclass or pydantic model) names the state's
    keys and, through ``Annotated[T, reducer]``, how concurrent writes combine.
    ``input_schema`` / ``output_schema`` narrow what a run accepts and returns;
    ``context_schema`` types the run-scoped ``context=`` object nodes receive
    through ``runtime: Runtime[Ctx]``.
    """

    def __init__(
        self,
        state_schema: type[StateT],
        context_schema: type[Any] | None = None,
        *,
        input_schema: type[Any] | None = None,
        output_schema: type[Any] | None = None,
    ) -> None:
        self.state_schema = state_schema
        self.context_schema = context_schema
        self.input_schema = input_schema
        self.output_schema = output_schema
        self.nodes: dict[str, NodeDef] = {}
        self.edges: list[tuple[str, str]] = []
        self.waiting_edges: list[tuple[tuple[str, ...], str]] = []
        self.branches: list[BranchDef] = []
        self._branch_names: set[tuple[str, str]] = set()  # (source, name): one branch each
        # Validate the schemas now so a bad one fails at the line that named it.
        if state_schema is not None:
            read_schema(state_schema)
        if input_schema is not None:
            read_schema(input_schema)
        if output_schema is not None:
            read_schema(output_schema)

    def add_node(
        self,
        node: str | Callable[..., Any] | CompiledGraph,
        action: Callable[..., Any] | CompiledGraph | None = None,
        *,
        defer: bool = False,
        metadata: dict[str, Any] | None = None,
        input_schema: type[Any] | None = None,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
        destinations: Sequence[str] | dict[str, str] | None = None,
        timeout: float | timedelta | None = None,
        max_concurrency: int | Limiter | None = None,
    ) -> StateGraph[StateT]:
        """Add a node: ``add_node("name", fn)`` or ``add_node(fn)`` (named after ``fn``).

        ``timeout`` bounds each attempt (async nodes only); ``max_concurrency`` caps the
        node's calls in flight across all runs, or shares a ``Limiter`` (docs/controls.md).
        """
        if not isinstance(node, str):
            action, node = node, _name_of(node)
        if action is None:
            raise GraphBuildError(f"Node '{node}' has no function: call add_node('{node}', fn)")
        if not callable(action) and not hasattr(action, "ainvoke"):
            raise InvalidNodeError(
                f"Node '{node}' must be a function or a compiled graph, got {type(action).__name__}"
            )
        if node in _RESERVED_NAMES or ":" in node or "|" in node:
            _check_name(node)
        if node in self.nodes:
            raise GraphBuildError(
                f"Node '{node}' already exists; give the new node a different name"
            )
        retry: tuple[RetryPolicy, ...] = ()
        if retry_policy is None:
            pass
        elif isinstance(retry_policy, RetryPolicy):
            retry = (retry_policy,)
        else:
            retry = tuple(retry_policy)
        dest = tuple(destinations) if destinations is not None else None
        # Per-node timeout and concurrency limit (controls, issue 6), checked here.
        limit = None if timeout is None else node_timeout(node, timeout, action)
        limiter = None if max_concurrency is None else node_limiter(node, max_concurrency)
        self.nodes[node] = NodeDef(
            node, action, defer, retry, input_schema, metadata, dest, limit, limiter
        )
        return self

    def add_edge(self, start_key: str | Sequence[str], end_key: str) -> StateGraph[StateT]:
        """Run ``end_key`` after ``start_key``; after *all* of them when given a list."""
        if end_key == START:
            raise GraphBuildError(
                "START cannot be the end of an edge; edges into START are not allowed"
            )
        if isinstance(start_key, str):
            if start_key == END:
                raise GraphBuildError(
                    f"END cannot be the start of an edge (END -> '{end_key}'); "
                    "nothing runs after END"
                )
            self.edges.append((start_key, end_key))
            return self
        sources = tuple(start_key)
        if not sources:
            raise GraphBuildError(f"Waiting edge into '{end_key}' has no start nodes")
        for source in sources:
            if source not in self.nodes:
                raise GraphBuildError(
                    f"Waiting edge {list(sources)} -> '{end_key}' starts at unknown node "
                    f"'{source}'; add_node('{source}', ...) before adding the edge"
                )
        self.waiting_edges.append((sources, end_key))
        return self

    def add_conditional_edges(
        self,
        source: str,
        path: Callable[..., Any],
        path_map: dict[Hashable, str] | Sequence[str] | None = None,
    ) -> StateGraph[StateT]:
        """After ``source``, run the node(s) ``path(state)`` returns (names or ``Send``s)."""
        if not callable(path):
            raise GraphBuildError(f"Conditional edge from '{source}': path must be callable")
        name = _name_of(path)
        if name == "<lambda>":
            name = "condition"
        if (source, name) in self._branch_names:
            raise GraphBuildError(
                f"Node '{source}' already has a conditional edge named '{name}'; "
                "use a differently named function"
            )
        mapping: dict[Hashable, str] | None
        if path_map is None:
            mapping = None
        elif isinstance(path_map, dict):
            mapping = dict(path_map)
        else:
            mapping = {target: target for target in path_map}
        self.branches.append(BranchDef(source, name, path, mapping))
        self._branch_names.add((source, name))
        return self

    def add_sequence(
        self, nodes: Sequence[Callable[..., Any] | tuple[str, Callable[..., Any]]]
    ) -> StateGraph[StateT]:
        """Add ``nodes`` and chain them with edges, in order."""
        if not nodes:
            raise GraphBuildError("add_sequence needs at least one node")
        previous: str | None = None
        for item in nodes:
            if isinstance(item, tuple):
                name, action = item
            else:
                name, action = _name_of(item), item
            self.add_node(name, action)
            if previous is not None:
                self.add_edge(previous, name)
            previous = name
        return self

    def set_entry_point(self, key: str) -> StateGraph[StateT]:
        """Same as ``add_edge(START, key)``."""
        return self.add_edge(START, key)

    def set_finish_point(self, key: str) -> StateGraph[StateT]:
        """Same as ``add_edge(key, END)``."""
        return self.add_edge(key, END)

    def set_conditional_entry_point(
        self,
        path: Callable[..., Any],
        path_map: dict[Hashable, str] | Sequence[str] | None = None,
    ) -> StateGraph[StateT]:
        """Same as ``add_conditional_edges(START, path, path_map)``."""
        return self.add_conditional_edges(START, path, path_map)

    def compile(
        self, *, name: str | None = None, checkpointer: Any = None, debug: bool = False
    ) -> CompiledGraph:
        """Validate the graph and build its runnable form."""
        if checkpointer is not None:
            raise GraphBuildError(
                "compile(checkpointer=...) is not supported by warpgraph yet; "
                "compile without a checkpointer"
            )
        return compile_graph(self, name or "LangGraph")


def _name_of(action: Any) -> str:
    name = getattr(action, "name", None)
    if isinstance(name, str):
        return name
    return str(getattr(action, "__name__", type(action).__name__))


def _check_name(node: str) -> None:
    if node in (START, END):
        raise GraphBuildError(
            f"Node name '{node}' is reserved for {'START' if node == START else 'END'}; "
            "pick another name"
        )
    for char in _RESERVED_CHARS:
        if char in node:
            raise GraphBuildError(
                f"Node name '{node}' contains '{char}', which is reserved; "
                "pick a name without ':' or '|'"
            )
