"""Backpressure for ``astream``: a slow consumer slows the run, memory stays bounded.

A streamed run produces chunks into a queue that the ``async for`` loop reads.
If the run could always go on, a consumer that takes a second per chunk (it
writes to a socket, calls a model) would let the queue grow without limit. So
the run *paces* itself: between steps it waits until the consumer has caught up.

A chunk is *pending* from the moment the run queues it until the consumer is
done with it, which is when it asks for the next one. ``buffer=n`` lets the run
go on while at most ``n`` chunks are pending, so producer and consumer overlap
by ``n`` chunks; the default (``buffer=0``, the engine's plain ``Queue.join``)
starts no step until the consumer finished every chunk, as LangGraph does.
The run checks between steps, so one step's own chunks (a wide fan-out's
updates) are queued together: pending chunks never exceed ``buffer`` plus the
chunks of one step.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["StreamBuffer", "stream_buffer"]


class StreamBuffer(asyncio.Queue[Any]):
    """An ``asyncio.Queue`` whose ``join()`` waits only until ``bound`` items are pending.

    The engine awaits ``join()`` between the steps of a streamed run, so the
    bound is how far the run may run ahead of its consumer. ``peak`` is the most
    items ever pending at once.
    """

    def __init__(self, bound: int) -> None:
        super().__init__()
        self.bound = bound
        self.pending = 0
        self.peak = 0
        self._room: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        super().put_nowait(item)
        self.pending += 1
        if self.pending > self.peak:
            self.peak = self.pending

    def task_done(self) -> None:
        super().task_done()
        self.pending -= 1
        room = self._room
        if room is not None and self.pending <= self.bound and not room.done():
            room.set_result(None)

    async def join(self) -> None:
        """Return once at most ``bound`` items are pending."""
        while self.pending > self.bound:
            self._room = asyncio.get_running_loop().create_future()
            try:
                await self._room
            finally:
                self._room = None


def stream_buffer(buffer: int | None) -> asyncio.Queue[Any]:
    """The queue of a streamed run: a plain ``Queue`` unless ``buffer`` lets it run ahead."""
    if buffer is None or buffer == 0:
        return asyncio.Queue()
    if type(buffer) is not int or buffer < 0:
        raise ValueError(
            f"astream(buffer={buffer!r}): buffer must be a non-negative int, the number of "
            f"chunks the run may get ahead of its consumer (0, the default, means none)"
        )
    return StreamBuffer(buffer)
