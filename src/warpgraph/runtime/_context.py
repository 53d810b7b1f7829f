"""What a node can ask the engine for: the run's context and its stream writer.

A node that declares a parameter named ``runtime`` receives a ``Runtime``: the
``context`` object passed as ``ainvoke(..., context=...)`` (typed by the graph's
``context_schema``) and ``stream_writer``, which sends a chunk to the run's
``custom`` stream. ``config`` and ``writer`` parameters get the run's config
dict and the stream writer directly, as in LangGraph. ``get_stream_writer()``
finds the writer from anywhere inside a node (it is a context variable, set once
per run, so it follows the node into a worker thread too).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

__all__ = [
    "RunScope",
    "Runtime",
    "StreamWriter",
    "SubgraphStream",
    "get_runtime",
    "get_stream_writer",
    "run_scope",
]

ContextT = TypeVar("ContextT")
StreamWriter: TypeAlias = Callable[[Any], None]


def _discard(chunk: Any) -> None:
    """The writer of a run that nobody streams ``custom`` from: chunks go nowhere."""


@dataclass(frozen=True, slots=True)
class Runtime(Generic[ContextT]):
    """The run-scoped services a node may use; one per run, shared by its nodes."""

    context: ContextT
    stream_writer: StreamWriter = _discard
    store: Any = None
    previous: Any = None


@dataclass(frozen=True, slots=True)
class SubgraphStream:
    """How a run streamed with ``subgraphs=True`` lets the subgraphs it runs stream too.

    ``sink_for(namespace)`` is the sink for the run at ``namespace`` (``()`` for the
    top run, ``("node:<id>",)`` for a subgraph one level down, and so on).
    """

    modes: frozenset[str]
    sink_for: Callable[[tuple[str, ...]], Callable[[str, Any], None]]
    namespace: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RunScope:
    """What nested code needs from the run it is inside: set once per run."""

    runtime: Runtime[Any]
    # Under the sync API sync nodes are called inline; nested subgraph runs follow suit.
    inline_sync: bool
    # Set when the run is streamed with subgraphs=True: subgraph nodes stream through it.
    subgraph_stream: SubgraphStream | None = None


# Set once per run; nested (subgraph) runs set their own and restore it on exit.
run_scope: ContextVar[RunScope | None] = ContextVar("warpgraph_run_scope", default=None)


def get_runtime(context_schema: type[ContextT] | None = None) -> Runtime[ContextT]:
    """The ``Runtime`` of the run the caller is inside.

    ``context_schema`` only types the result (``get_runtime(Ctx).context`` is a ``Ctx``),
    as in LangGraph; it is not checked.
    """
    scope = run_scope.get()
    if scope is None:
        raise RuntimeError(
            "get_runtime() was called outside a graph run; call it from inside a node"
        )
    return scope.runtime


def get_stream_writer() -> StreamWriter:
    """The ``custom`` stream writer of the current run (a no-op when nobody streams it)."""
    scope = run_scope.get()
    return _discard if scope is None else scope.runtime.stream_writer
