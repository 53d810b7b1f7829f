"""The compiled form of a graph: flat tables the engine reads, never the builder.

``StateGraph.compile()`` validates the builder and turns it into one ``Program``:
a ``Channel`` per state key (how writes to it combine), a ``NodeSpec`` per node
(how to call it, where its edges lead) and a ``Barrier`` per waiting edge. All
routing questions the engine asks in its hot loop ("who runs after ``a``?") are
answered by tuples precomputed here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Final

from warpgraph.runtime._limits import Limiter
from warpgraph.runtime._retry import RetryPolicy

__all__ = ["MISSING", "Barrier", "Branch", "Channel", "NodeSpec", "Program"]


class _Missing:
    """The value of a key nothing has written yet (distinct from ``None``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

Reducer = Callable[[Any, Any], Any]


@dataclass(frozen=True, slots=True)
class Channel:
    """One state key: last-value (``reducer is None``) or reduced with ``reducer``.

    ``initial`` builds the value a reducer key starts from (``list()`` for a
    ``list`` key); None when the key starts empty and its first write is taken as is.
    """

    key: str
    reducer: Reducer | None = None
    initial: Callable[[], Any] | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Branch:
    """A conditional edge: ``path(state)`` returns names or Sends, mapped by ``path_map``."""

    source: str
    name: str
    path: Callable[..., Any]
    is_async: bool
    path_map: dict[Hashable, str] | None
    wants_config: bool = False
    # The view of the state the router reads when its first parameter names a schema
    # (LangGraph reads through it); None: the router sees what its node reads.
    make_input: Callable[[dict[str, Any]], Any] | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Barrier:
    """A waiting edge: ``target`` runs once every node in ``sources`` has finished."""

    index: int
    sources: frozenset[str]
    target: str
    channel: str  # LangGraph's name for it, shown in the `tasks` stream's triggers


@dataclass(slots=True, eq=False)
class NodeSpec:
    """Everything the engine needs to run one node and route after it."""

    name: str
    call: Callable[..., Any]
    is_async: bool
    # Which of `config`, `runtime`, `writer`, `store` the function takes as keywords.
    kwargs: tuple[str, ...] = ()
    # Builds the node's argument from the state dict (identity copy for TypedDict state).
    make_input: Callable[[dict[str, Any]], Any] = dict
    retry: tuple[RetryPolicy, ...] = ()
    defer: bool = False
    is_subgraph: bool = False
    # Node timeout and concurrency limit (controls, issue 6): `call` already enforces the
    # timeout; the limiter is taken by the task (runtime/_limits.py). Either makes `simple` False.
    timeout: float | None = None
    max_concurrency: int | None = None
    limiter: Limiter | None = None
    edges: tuple[str, ...] = ()  # plain successors, END removed
    branches: tuple[Branch, ...] = ()
    barriers: tuple[Barrier, ...] = ()  # waiting edges this node is a source of
    joins: tuple[Barrier, ...] = ()  # waiting edges into this node (its run consumes them)
    triggers: tuple[str, ...] = ()  # LangGraph channel names that trigger it (tasks stream)
    # True when routing after this node needs nothing but `edges`.
    simple: bool = True
    # True when the engine may call it directly on the hot path: async, simple, no
    # injected parameters, no retries, not a subgraph (see Run.execute).
    fast: bool = False
    # The one node its edges lead to, when there is exactly one and it is not deferred.
    successor: NodeSpec | None = None
    # True when a concurrent step of an unobserved run may make the node's own coroutine
    # its task (runtime/_direct.py): async, nothing injected, no retries, limits or
    # branches, not a subgraph. Set by Program from the fields above.
    direct: bool = False


@dataclass(slots=True, eq=False)
class Program:
    """A compiled graph: channels, nodes, entry routing, and the schema mappers."""

    name: str
    channels: dict[str, Channel]
    nodes: dict[str, NodeSpec]
    start: NodeSpec  # START as a pseudo-node: its edges and branches are the entry points
    barriers: tuple[Barrier, ...]
    # A set: the input is filtered by membership, key by key.
    input_keys: frozenset[str]
    output_keys: tuple[str, ...]
    # What the `values` stream shows: every channel, node-private schemas' keys included.
    state_keys: frozenset[str]
    # Turns the run's input (dict, dataclass, model) into a dict of writes.
    read_input: Callable[[Any], dict[str, Any]]
    # Turns a node's non-dict return (dataclass, model instance) into a dict, or None.
    read_update: Callable[[Any], dict[str, Any] | None]
    # Builds the state-schema view branches receive.
    make_state: Callable[[dict[str, Any]], Any] = dict
    context_schema: Any = None
    # Keys whose reducer starts from an initial value, seeded at the start of each run.
    initial_values: dict[str, Callable[[], Any]] = field(default_factory=dict)
    # Keys without a reducer: a single task's write to them is a plain assignment.
    last_value_keys: frozenset[str] = frozenset()
    # Whether any node is `defer=True`: only then does planning track deferred nodes.
    defers: bool = field(init=False, default=False)
    # The reducer of each reducer key (a key absent here is last-value): one lookup per write.
    reducers: dict[str, Reducer] = field(init=False, default_factory=dict)
    # Whether an output key has an initial value: then a run that may end with no output
    # key written (the run returns None, as in LangGraph) must watch its writes for one.
    seeded_output: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.reducers = {k: c.reducer for k, c in self.channels.items() if c.reducer is not None}
        self.seeded_output = any(k in self.initial_values for k in self.output_keys)
        for node in self.nodes.values():
            node.direct = (
                node.is_async
                and not node.kwargs
                and not node.retry
                and node.limiter is None
                and not node.branches
                and not node.is_subgraph
            )
            self.defers = self.defers or node.defer
