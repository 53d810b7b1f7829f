"""warpgraph: a LangGraph-compatible async graph runtime with a virtual-time test harness.

Public API re-exports only.
"""

from __future__ import annotations

from warpgraph.errors import (
    EmptyInputError,
    GraphBuildError,
    GraphRecursionError,
    InvalidUpdateError,
    NodeTimeoutError,
    RunTimeoutError,
    WarpgraphError,
)
from warpgraph.graph import StateGraph
from warpgraph.runtime import (
    END,
    START,
    Command,
    CompiledGraph,
    Limiter,
    Overwrite,
    RaceResult,
    RetryPolicy,
    Runtime,
    Send,
    get_runtime,
    get_stream_writer,
    hedge,
    observe,
    race,
    race_node,
)

__all__ = [
    "END",
    "START",
    "Command",
    "CompiledGraph",
    "EmptyInputError",
    "GraphBuildError",
    "GraphRecursionError",
    "InvalidUpdateError",
    "Limiter",
    "NodeTimeoutError",
    "Overwrite",
    "RaceResult",
    "RetryPolicy",
    "RunTimeoutError",
    "Runtime",
    "Send",
    "StateGraph",
    "WarpgraphError",
    "get_runtime",
    "get_stream_writer",
    "hedge",
    "observe",
    "race",
    "race_node",
]
