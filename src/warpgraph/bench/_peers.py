"""The peers a workload runs on, and the graph API the graph-based ones share.

Every workload runs on three *peers* in one process and one run, so their ratios
hold even when the machine is busy:

* ``warpgraph`` — this runtime;
* ``asyncio`` — the same computation written by hand with asyncio (``gather`` for a
  fan-out, a loop for a chain): the *floor* no scheduler can beat;
* ``langgraph`` — LangGraph, when installed.

warpgraph is API-compatible with LangGraph, so one builder function, given a
``GraphAPI``, builds the identical graph on either: the comparison is of schedulers,
never of two differently written graphs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

__all__ = ["PEERS", "GraphAPI", "PeerUnavailable", "graph_api", "parse_peers"]

PEERS = ("warpgraph", "asyncio", "langgraph")


class PeerUnavailable(Exception):
    """A peer cannot run here; the message says why and how to fix it."""


@dataclass(frozen=True, slots=True)
class GraphAPI:
    """The LangGraph-shaped names a graph builder needs, from one library."""

    peer: str
    StateGraph: Any
    START: str
    END: str
    Send: Any


def graph_api(peer: str) -> GraphAPI:
    """The graph API of ``peer`` (``warpgraph`` or ``langgraph``), imported on first use."""
    if peer == "warpgraph":
        try:
            module = importlib.import_module("warpgraph")
            return GraphAPI(peer, module.StateGraph, module.START, module.END, module.Send)
        except (ImportError, AttributeError) as error:
            raise PeerUnavailable(
                f"warpgraph's engine is not importable yet ({error}); "
                "`from warpgraph import StateGraph, START, END, Send` must work"
            ) from error
    if peer == "langgraph":
        try:
            graph = importlib.import_module("langgraph.graph")
            types = importlib.import_module("langgraph.types")
        except ImportError as error:
            raise PeerUnavailable(
                "langgraph is not installed; install it with: pip install 'langgraph>=1.2'"
            ) from error
        return GraphAPI(peer, graph.StateGraph, graph.START, graph.END, types.Send)
    raise ValueError(f"peer {peer!r} has no graph API; graph peers are warpgraph and langgraph")


def parse_peers(text: str) -> tuple[str, ...]:
    """Parse ``--graph-bench-peers``: a comma-separated subset of ``PEERS``, in that order."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PEERS]
    if unknown or not names:
        raise ValueError(
            f"--graph-bench-peers: unknown peer(s) {', '.join(map(repr, unknown)) or '(none)'}; "
            f"choose from {','.join(PEERS)}"
        )
    return tuple(peer for peer in PEERS if peer in names)
