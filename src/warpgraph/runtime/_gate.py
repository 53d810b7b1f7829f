"""A step's gate: how the tasks of a concurrent step tell the step they are done.

``asyncio.wait`` registers a done callback on every task and the loop schedules
each of them; for a fan-out of quick nodes that is most of the step's cost. A
``Gate`` is cheaper: each task reports its own end (``finish``), or its failure
(``fail``), and the step awaits one future that opens when the last task finished
or at the first failure, whichever comes first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

__all__ = ["Gate"]


class Gate:
    """Opens when every task has finished, or as soon as one fails."""

    __slots__ = ("left", "opened")

    def __init__(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        self.opened: asyncio.Future[None] = loop.create_future()
        self.left = count

    def fail(self) -> None:
        """A task failed: let the step go on, to cancel the others."""
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
