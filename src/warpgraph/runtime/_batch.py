"""Bounded batches: map a graph over many inputs without holding them all at once.

``abatch`` takes a list and gathers every run, which is fine for a hundred
inputs and wrong for ten million lines of a file or an endless queue. ``amap``
pulls inputs lazily from any iterable or async iterable and keeps a *window* of
at most ``max_in_flight`` runs that are started but not yet handed to the
consumer. A run that finished waits in the window until it is taken, so a slow
consumer holds back new starts instead of piling up results: memory stays
bounded by the window however long the input is.

Results come out in input order (``as_completed=False``: a slow early input
holds back later results, still within the window) or as each run finishes,
as ``(index, result)`` pairs (``as_completed=True``, like LangGraph's
``abatch_as_completed``). A failing run stops the map (every other run is
cancelled) unless ``return_exceptions=True``, which yields the exception as
that input's result. Closing the iterator early -- ``break`` inside
``async with contextlib.aclosing(graph.amap(...))``, or cancelling the consumer
-- cancels every run in flight and waits for their ``finally`` blocks.
"""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any

from warpgraph.runtime._timeouts import wait_cancelled

if TYPE_CHECKING:
    from warpgraph.runtime._compiled import CompiledGraph

__all__ = ["DEFAULT_MAX_IN_FLIGHT", "amap"]

DEFAULT_MAX_IN_FLIGHT = 64
"""The window when neither ``max_in_flight`` nor ``config['max_concurrency']`` is given."""


def _window(max_in_flight: int | None, config: dict[str, Any] | None) -> int:
    window = max_in_flight
    if window is None:
        window = (config or {}).get("max_concurrency") or DEFAULT_MAX_IN_FLIGHT
    if type(window) is not int or window < 1:
        raise ValueError(
            f"amap(max_in_flight={window!r}): the window must be a positive int, "
            f"e.g. max_in_flight=16"
        )
    return window


class _Inputs:
    """Pulls inputs one at a time from a sync or async iterable."""

    __slots__ = ("_aiter", "_iter", "exhausted")

    def __init__(self, inputs: Iterable[Any] | AsyncIterable[Any]) -> None:
        self._iter = iter(inputs) if isinstance(inputs, Iterable) else None
        self._aiter = aiter(inputs) if isinstance(inputs, AsyncIterable) else None
        if self._iter is None and self._aiter is None:
            raise TypeError(
                f"amap() takes an iterable or an async iterable of inputs, got "
                f"{type(inputs).__name__}"
            )
        self.exhausted = False

    async def next(self) -> tuple[bool, Any]:
        try:
            if self._iter is not None:
                return True, next(self._iter)
            assert self._aiter is not None
            return True, await anext(self._aiter)
        except (StopIteration, StopAsyncIteration):
            self.exhausted = True
            return False, None


class _Window:
    """The runs of one ``amap``: started in input order, handed out when taken."""

    def __init__(
        self,
        graph: CompiledGraph,
        source: _Inputs,
        config: dict[str, Any] | None,
        context: Any,
        *,
        size: int,
        as_completed: bool,
        return_exceptions: bool,
    ) -> None:
        self.graph, self.source, self.config, self.context = graph, source, config, context
        self.size, self.as_completed = size, as_completed
        self.return_exceptions = return_exceptions
        self.loop = asyncio.get_running_loop()
        self.started: dict[int, asyncio.Task[Any]] = {}  # index -> run, until handed out
        self.finished: deque[int] = deque()  # completion order (as_completed mode)
        self.done: set[int] = set()  # finished, not yet handed out
        self.failed: list[int] = []  # without return_exceptions a failure ends the map
        self.wake: asyncio.Future[None] | None = None
        self.next_index = 0  # the next input's index
        self.next_out = 0  # ordered mode: the index to hand out next

    async def fill(self) -> None:
        """Start runs until the window is full or the inputs run out."""
        while len(self.started) < self.size and not self.source.exhausted:
            more, data = await self.source.next()
            if not more:
                return
            run = self.graph.ainvoke(data, self.config, context=self.context)
            task = self.loop.create_task(run)
            task.add_done_callback(functools.partial(self._on_done, self.next_index))
            self.started[self.next_index] = task
            self.next_index += 1

    def _on_done(self, index: int, task: asyncio.Task[Any]) -> None:
        self.done.add(index)
        if self.as_completed:
            self.finished.append(index)
        if not self.return_exceptions and (task.cancelled() or task.exception() is not None):
            self.failed.append(index)
        if self.wake is not None and not self.wake.done():
            self.wake.set_result(None)

    def _ready(self) -> bool:
        if self.failed:
            return True
        if self.as_completed:
            return bool(self.finished)
        return self.next_out in self.done

    async def take(self) -> tuple[int, Any]:
        """Wait for the next result to hand out (or a failure to raise)."""
        while not self._ready():
            self.wake = self.loop.create_future()
            await self.wake
        if self.failed:
            _outcome(self.started[self.failed[0]], self.return_exceptions)  # raises
        if self.as_completed:
            index = self.finished.popleft()
        else:
            index, self.next_out = self.next_out, self.next_out + 1
        self.done.discard(index)
        return index, _outcome(self.started.pop(index), self.return_exceptions)

    async def close(self) -> None:
        """Cancel the runs still in the window and wait for their ``finally`` blocks."""
        for task in self.started.values():
            task.cancel()
        for task in list(self.started.values()):
            await wait_cancelled(task)


async def amap(
    graph: CompiledGraph,
    inputs: Iterable[Any] | AsyncIterable[Any],
    config: dict[str, Any] | None = None,
    *,
    max_in_flight: int | None = None,
    as_completed: bool = False,
    return_exceptions: bool = False,
    context: Any = None,
) -> AsyncIterator[Any]:
    """Run ``graph`` on each input with a bounded window (see the module docstring)."""
    window = _Window(
        graph,
        _Inputs(inputs),
        config,
        context,
        size=_window(max_in_flight, config),
        as_completed=as_completed,
        return_exceptions=return_exceptions,
    )
    try:
        await window.fill()
        while window.started:
            index, result = await window.take()
            # Refill before handing the result out: the consumer may take its time.
            await window.fill()
            yield (index, result) if as_completed else result
    finally:
        await window.close()


def _outcome(task: asyncio.Task[Any], return_exceptions: bool) -> Any:
    if task.cancelled():
        raise asyncio.CancelledError(f"a run of amap was cancelled: {task!r}")
    error = task.exception()
    if error is None:
        return task.result()
    if return_exceptions and isinstance(error, Exception):
        return error
    raise error
