"""The engine: plans supersteps, runs their tasks, applies writes, streams."""

from __future__ import annotations

from warpgraph.runtime._compiled import CompiledGraph
from warpgraph.runtime._config import DEFAULT_RECURSION_LIMIT
from warpgraph.runtime._context import Runtime, StreamWriter, get_runtime, get_stream_writer
from warpgraph.runtime._events import (
    CallFinished,
    CallStarted,
    Event,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    Subscriber,
    TaskContext,
    TaskFinished,
    TaskStarted,
    active_subscribers,
    current_task,
    emit,
    observe,
)
from warpgraph.runtime._limits import Limiter
from warpgraph.runtime._race import RaceResult, hedge, race, race_node
from warpgraph.runtime._retry import RetryPolicy, default_retry_on
from warpgraph.runtime._types import END, START, Command, Overwrite, Send

__all__ = [
    "DEFAULT_RECURSION_LIMIT",
    "END",
    "START",
    "CallFinished",
    "CallStarted",
    "Command",
    "CompiledGraph",
    "Event",
    "Limiter",
    "Overwrite",
    "RaceResult",
    "RetryPolicy",
    "RunFinished",
    "RunStarted",
    "Runtime",
    "Send",
    "StepFinished",
    "StepStarted",
    "StreamWriter",
    "Subscriber",
    "TaskContext",
    "TaskFinished",
    "TaskStarted",
    "active_subscribers",
    "current_task",
    "default_retry_on",
    "emit",
    "get_runtime",
    "get_stream_writer",
    "hedge",
    "observe",
    "race",
    "race_node",
]
