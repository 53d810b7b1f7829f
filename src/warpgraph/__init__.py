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
from warpgraph.runtime import observe

__all__ = [
    "EmptyInputError",
    "GraphBuildError",
    "GraphRecursionError",
    "InvalidUpdateError",
    "NodeTimeoutError",
    "RunTimeoutError",
    "WarpgraphError",
    "observe",
]
