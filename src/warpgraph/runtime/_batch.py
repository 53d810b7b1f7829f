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
    window = _window(max_in_flight, config)
    source = _Inputs(inputs)
    loop = asyncio.get_running_loop()
    started: dict[int, asyncio.Task[Any]] = {}  # index -> run, until it is yielded
    finished: deque[int] = deque()  # indexes in completion order (as_completed mode)
    done: set[int] = set()  # finished runs not yet yielded
    wake: list[asyncio.Future[None]] = []
    next_index = 0  # the next input's index
    next_out = 0  # ordered mode: the index to yield next

    failed: list[int] = []  # without return_exceptions, a failure is raised at once

    def on_done(index: int, _: asyncio.Task[Any]) -> None:
        done.add(index)
        if as_completed:
            finished.append(index)
        task = started[index]
        if not return_exceptions and (task.cancelled() or task.exception() is not None):
            failed.append(index)
        if wake and not wake[0].done():
            wake[0].set_result(None)

    try:
        while True:
            while len(started) < window and not source.exhausted:
                more, data = await source.next()
                if not more:
                    break
                task = loop.create_task(graph.ainvoke(data, config, context=context))
                task.add_done_callback(functools.partial(on_done, next_index))
                started[next_index] = task
                next_index += 1
            if not started:
                return
            index = next_out if not as_completed else None
            while not failed and (
                (index is None and not finished) or (index is not None and index not in done)
            ):
                wake[:] = [loop.create_future()]
                await wake[0]
            if failed:
                _outcome(started[failed[0]], return_exceptions)  # raises
            if index is None:
                index = finished.popleft()
            else:
                next_out += 1
            done.discard(index)
            task = started.pop(index)
            result = _outcome(task, return_exceptions)
            yield (index, result) if as_completed else result
    finally:
        for task in started.values():
            task.cancel()
        for task in list(started.values()):
            await wait_cancelled(task)


def _outcome(task: asyncio.Task[Any], return_exceptions: bool) -> Any:
    if task.cancelled():
        raise asyncio.CancelledError(f"a run of amap was cancelled: {task!r}")
    error = task.exception()
    if error is None:
        return task.result()
    if return_exceptions and isinstance(error, Exception):
        return error
    raise error
