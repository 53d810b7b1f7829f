"""A step's gate: how the tasks of a concurrent step tell the step they are done.

``asyncio.wait`` registers a done callback on every task and the loop schedules
each of them; for a fan-out of quick nodes that is most of the step's cost. A
``Gate`` is cheaper: each task reports its own end (``finish``), or its failure
(``fail``), and the step awaits one future (``opened``) that opens when the last
task finished or at the first failure, whichever comes first. The run awaits that
future in its own frame (``Run.execute``; a coroutine per step in between would be
one more object per run in flight for the cyclic GC to walk), then takes the
``results`` in task order, or after a failure ``raise_failure``: cancel what still
runs, retrieve every task's error so none is reported as never retrieved, and raise
the first failure in task order with its own type (no ExceptionGroup), as
LangGraph's steps do. A run cancelled while it waits takes its tasks down with it
(``abort``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["Gate", "cancel_all", "start_task"]

# Python 3.12+: a task that runs its coroutine at once, as the current task, until the
# coroutine first waits; a node that never waits then finishes without a loop round trip.
_EAGER_TASK: Callable[..., asyncio.Task[Any]] | None = getattr(asyncio, "eager_task_factory", None)


def start_task(
    loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any]
) -> asyncio.Task[Any]:
    """A task for a step's node: eager where Python has eager tasks (3.12+)."""
    if _EAGER_TASK is not None:
        return _EAGER_TASK(loop, coro)
    return loop.create_task(coro)


async def cancel_all(tasks: list[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks`` and wait until every one has finished."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class Gate:
    """Opens when every task has finished, or as soon as one fails."""

    __slots__ = ("failed", "left", "opened", "tasks")

    def __init__(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        self.opened: asyncio.Future[None] = loop.create_future()
        self.left = count
        self.failed = False
        # The step's tasks, in task order, once started.
        self.tasks: list[asyncio.Task[Any]] = []

    def fail(self) -> None:
        """A task failed: let the step go on, to cancel the others."""
        self.failed = True
        if not self.opened.done():
            self.opened.set_result(None)

    def finish(self) -> None:
        """A task ended (after ``fail`` too): the last one opens the gate."""
        self.left -= 1
        if self.left == 0 and not self.opened.done():
            self.opened.set_result(None)

    async def abort(self) -> None:
        """The step was cancelled while it waited: cancel every task, wait for them all."""
        await cancel_all(self.tasks)

    async def raise_failure(self) -> None:
        """After a failure: cancel the unfinished tasks, raise the first failure in task order.

        Returns if every failure was a cancellation (a task that cancelled itself):
        ``results`` then raises it.
        """
        tasks = self.tasks
        await cancel_all([task for task in tasks if not task.done()])
        failure: BaseException | None = None
        for task in tasks:
            error = None if task.cancelled() else task.exception()  # marks each retrieved
            if error is not None and failure is None:
                failure = error
        if failure is not None:
            raise failure

    def results(self) -> list[Any]:
        """The tasks' results, in task order (all ended well)."""
        return [task.result() for task in self.tasks]
