"""One namespace per library, so a single builder function builds the same graph on both.

A conformance case never imports ``langgraph`` or ``warpgraph`` itself: it receives a
``Lib`` and writes ``lib.StateGraph(State)``, ``lib.Send("n", arg)``, ``lib.END`` ... .
``LG`` is the oracle (LangGraph 1.2); ``load_wg()`` builds the warpgraph namespace on
first use, so a missing export fails the comparing tests with a message naming it
instead of breaking collection of the whole suite.
"""

import functools
import importlib
from dataclasses import dataclass, fields
from typing import Any

import langgraph.errors
import langgraph.graph
import langgraph.runtime
import langgraph.types
from langgraph.config import get_stream_writer

#: LangGraph's async runner drops queued task coroutines without awaiting them when a
#: node fails under ``max_concurrency``; Python then warns from the coroutine's
#: finaliser. This filter silences exactly that oracle-side warning, nothing of ours.
LANGGRAPH_UNAWAITED = "ignore:coroutine 'arun_with_retry' was never awaited:RuntimeWarning"


@dataclass(frozen=True)
class Lib:
    """The public names a case may use, taken from one library."""

    name: str
    StateGraph: Any
    START: str
    END: str
    Send: Any
    Command: Any
    Overwrite: Any
    RetryPolicy: Any
    Runtime: Any
    get_runtime: Any
    get_stream_writer: Any
    GraphRecursionError: type[Exception]
    InvalidUpdateError: type[Exception]
    EmptyInputError: type[Exception]


LG = Lib(
    name="langgraph",
    StateGraph=langgraph.graph.StateGraph,
    START=langgraph.graph.START,
    END=langgraph.graph.END,
    Send=langgraph.types.Send,
    Command=langgraph.types.Command,
    Overwrite=langgraph.types.Overwrite,
    RetryPolicy=langgraph.types.RetryPolicy,
    Runtime=langgraph.runtime.Runtime,
    get_runtime=langgraph.runtime.get_runtime,
    get_stream_writer=get_stream_writer,
    GraphRecursionError=langgraph.errors.GraphRecursionError,
    InvalidUpdateError=langgraph.errors.InvalidUpdateError,
    EmptyInputError=langgraph.errors.EmptyInputError,
)


@functools.cache
def load_wg() -> Lib:
    """Every name a case uses, imported from the top-level ``warpgraph`` package."""
    module = importlib.import_module("warpgraph")
    wanted = [f.name for f in fields(Lib) if f.name != "name"]
    missing = [name for name in wanted if not hasattr(module, name)]
    if missing:
        raise AssertionError(
            f"warpgraph does not export {', '.join(missing)} yet; the conformance suite "
            "imports every name a case uses from the top-level `warpgraph` package"
        )
    return Lib(name="warpgraph", **{name: getattr(module, name) for name in wanted})
