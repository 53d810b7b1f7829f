"""Run events: what the runtime tells whoever subscribes.

A *subscriber* is any callable taking one event. Subscribing is explicit, in one
of two ways:

* ``config={"callbacks": [subscriber, ...]}`` on a single run, or
* ``with observe(subscriber): ...`` for every run started inside the block
  (a context variable, so it follows asyncio tasks and ``asyncio.to_thread``).

With no subscriber, the engine emits nothing and pays only one check per run.

Every event is stamped ``t`` with the running loop's ``time()``, which is virtual
under the warpgraph test harness. Code running inside a node (a fake LLM, a fake
tool) finds the run's subscribers and its enclosing task through
``active_subscribers()`` and ``current_task()``, so its call spans nest under the
task that made them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal, TypeAlias

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

Status: TypeAlias = Literal["ok", "error", "cancelled"]


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_id: str
    graph: str  # the graph's name (``CompiledGraph.name``)
    parent_task_id: str | None  # set when the run is a subgraph called from a node
    t: float


@dataclass(frozen=True, slots=True)
class RunFinished:
    run_id: str
    t: float
    status: Status
    error: BaseException | None = None
    # The run's final state (what ``ainvoke`` returns), when the engine provides it;
    # regression snapshots record it.
    output: object = None


@dataclass(frozen=True, slots=True)
class StepStarted:
    run_id: str
    step: int
    t: float
    nodes: tuple[str, ...]  # the node name of each task planned for this step, in apply order


@dataclass(frozen=True, slots=True)
class StepFinished:
    run_id: str
    step: int
    t: float


@dataclass(frozen=True, slots=True)
class TaskStarted:
    run_id: str
    task_id: str
    node: str
    step: int
    send_index: int | None  # index among the step's Send tasks, None for edge-triggered tasks
    attempt: int  # 1 for the first attempt, 2 for the first retry, ...
    t: float


@dataclass(frozen=True, slots=True)
class TaskFinished:
    run_id: str
    task_id: str
    node: str
    step: int
    send_index: int | None
    attempt: int
    t: float
    status: Status
    error: BaseException | None = None


@dataclass(frozen=True, slots=True)
class CallStarted:
    """An LLM or tool call made by code inside a node (emitted by the fakes)."""

    call_id: str
    kind: Literal["llm", "tool"]
    name: str
    run_id: str | None  # the enclosing run and task, None when called outside any graph
    task_id: str | None
    t: float
    # What the call was given: the prompt or messages of an LLM call, the arguments of a
    # tool call. Regression snapshots record it; None when the emitter does not say.
    input: object = None


@dataclass(frozen=True, slots=True)
class CallFinished:
    call_id: str
    kind: Literal["llm", "tool"]
    name: str
    run_id: str | None
    task_id: str | None
    t: float
    status: Status
    error: BaseException | None = None
    # What the call returned (the LLM response, the tool result); None on error or unknown.
    output: object = None


Event: TypeAlias = (
    RunStarted
    | RunFinished
    | StepStarted
    | StepFinished
    | TaskStarted
    | TaskFinished
    | CallStarted
    | CallFinished
)
Subscriber: TypeAlias = Callable[[Event], None]


@dataclass(frozen=True, slots=True)
class TaskContext:
    """Which run and task the code running right now belongs to."""

    run_id: str
    task_id: str
    node: str


_subscribers: ContextVar[tuple[Subscriber, ...]] = ContextVar("warpgraph_subscribers", default=())
_current_task: ContextVar[TaskContext | None] = ContextVar("warpgraph_current_task", default=None)


def active_subscribers() -> tuple[Subscriber, ...]:
    """The subscribers of the current context (``observe`` blocks and, inside a node, the run's)."""
    return _subscribers.get()


def current_task() -> TaskContext | None:
    """The graph task the caller runs in, when the run has subscribers; else None."""
    return _current_task.get()


@contextlib.contextmanager
def observe(*subscribers: Subscriber) -> Iterator[None]:
    """Send the events of every run started inside the block to ``subscribers`` too."""
    token = _subscribers.set(_subscribers.get() + subscribers)
    try:
        yield
    finally:
        _subscribers.reset(token)


def emit(subscribers: tuple[Subscriber, ...], event: Event) -> None:
    """Deliver ``event`` to each subscriber, in subscription order."""
    for subscriber in subscribers:
        subscriber(event)
