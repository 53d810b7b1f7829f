"""A step's gate: how the tasks of a concurrent step tell the step they are done.

``asyncio.wait`` registers a done callback on every task and the loop schedules
each of them; for a fan-out of quick nodes that is most of the step's cost. A
``Gate`` is cheaper: each task reports its own end (``finish``), or its failure
(``fail``), and the step awaits one future that opens when the last task finished
or at the first failure, whichever comes first. ``settle`` then does what every
concurrent step does after the gate opens: cancel what still runs, and raise the
first failure in task order with its own type (no ExceptionGroup), as LangGraph's
steps do, after retrieving every task's error so none is reported as never retrieved.
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
        # The step's tasks, in task order, once started (``settle`` waits on them).
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

    async def track(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coro`` reporting to the gate (for coroutines that do not report themselves)."""
        try:
            return await coro
        except BaseException:
            self.fail()
            raise
        finally:
            self.finish()

    async def settle(self) -> list[Any]:
        """The tasks' results, in task order, once every task ended well.

        After a failure the unfinished tasks are cancelled and the first failure in
        task order is raised. If we are cancelled ourselves, every task is taken
        down with us.
        """
        tasks = self.tasks
        try:
            await self.opened
        except BaseException:
            await cancel_all(tasks)
            raise
        if self.failed:
            await cancel_all([task for task in tasks if not task.done()])
            failure: BaseException | None = None
            for task in tasks:
                error = None if task.cancelled() else task.exception()  # marks each retrieved
                if error is not None and failure is None:
                    failure = error
            if failure is not None:
                raise failure
        # (After a failure, only cancellations: a task that cancelled itself re-raises here.)
        return self.results()

    def results(self) -> list[Any]:
        """The tasks' results, in task order (all ended well)."""
        return [task.result() for task in self.tasks]
