"""Run events for one observed run: the emitter, and one span per task attempt.

Only a run that has subscribers (``observe()`` blocks or ``config["callbacks"]``)
gets an ``Observer``; everything here is skipped otherwise. A ``_Span`` reports one
task's attempts (``TaskStarted``/``TaskFinished``, ``t`` in loop time) and, while an
attempt runs, publishes the run's subscribers and the task itself in the context
variables of ``_events`` so fakes called inside the node nest their call spans.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import uuid
from typing import Any

from warpgraph.runtime import _events as ev

__all__ = ["Observer", "Span", "now"]


class Observer:
    """Emits a run's events to its subscribers (exists only when there are some)."""

    __slots__ = ("_ids", "run_id", "subscribers")

    def __init__(self, subscribers: tuple[ev.Subscriber, ...]) -> None:
        self.subscribers = subscribers
        self.run_id = uuid.uuid4().hex
        self._ids = itertools.count(1)

    def new_task_id(self, step: int) -> str:
        return f"{self.run_id}:{step}:{next(self._ids)}"

    def emit(self, event: ev.Event) -> None:
        ev.emit(self.subscribers, event)


def now() -> float:
    return asyncio.get_running_loop().time()


Tokens = tuple[contextvars.Token[tuple[ev.Subscriber, ...]], contextvars.Token[Any]]


class Span:
    """One observed task: emits its attempts and scopes the context code inside sees."""

    __slots__ = ("node", "observer", "send_index", "step", "task_id")

    def __init__(
        self, observer: Observer, task_id: str, node: str, step: int, send_index: int | None
    ) -> None:
        self.observer = observer
        self.task_id = task_id
        self.node = node
        self.step = step
        self.send_index = send_index

    def start(self, attempt: int) -> Tokens:
        """Emit TaskStarted; make the run's subscribers and this task visible to the node."""
        o = self.observer
        o.emit(
            ev.TaskStarted(
                o.run_id, self.task_id, self.node, self.step, self.send_index, attempt, now()
            )
        )
        return (
            ev._subscribers.set(o.subscribers),
            ev._current_task.set(ev.TaskContext(o.run_id, self.task_id, self.node)),
        )

    def finish(
        self, attempt: int, tokens: Tokens | None, status: ev.Status, error: BaseException | None
    ) -> None:
        """Restore the context the attempt changed, then emit TaskFinished."""
        if tokens is not None:
            ev._current_task.reset(tokens[1])
            ev._subscribers.reset(tokens[0])
        o = self.observer
        o.emit(
            ev.TaskFinished(
                o.run_id,
                self.task_id,
                self.node,
                self.step,
                self.send_index,
                attempt,
                now(),
                status,
                error,
            )
        )
