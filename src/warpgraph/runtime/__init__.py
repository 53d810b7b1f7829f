"""The engine: plans supersteps, runs their tasks, applies writes, streams."""

from __future__ import annotations

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

__all__ = [
    "CallFinished",
    "CallStarted",
    "Event",
    "RunFinished",
    "RunStarted",
    "StepFinished",
    "StepStarted",
    "Subscriber",
    "TaskContext",
    "TaskFinished",
    "TaskStarted",
    "active_subscribers",
    "current_task",
    "emit",
    "observe",
]
