"""The sync API is a thin wrapper: drive the one async engine on an event loop.

``invoke`` runs the coroutine with ``asyncio.run``; ``stream`` steps the async
generator one item at a time on an ``asyncio.Runner``. When the calling thread
already runs an event loop (a sync node calling ``subgraph.invoke`` inline), the
work moves to a fresh thread with its own loop, carrying the context variables.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["iterate_sync", "run_sync"]

T = TypeVar("T")


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine ``make()`` to completion from sync code."""
    if not _loop_running():
        return asyncio.run(make())
    ctx = contextvars.copy_context()
    with ThreadPoolExecutor(1, thread_name_prefix="warpgraph-sync") as pool:
        return pool.submit(ctx.run, lambda: asyncio.run(make())).result()


def iterate_sync(make: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
    """Iterate the async iterator ``make()`` from sync code, one item per loop run."""
    if _loop_running():

        async def collect() -> list[T]:
            return [item async for item in make()]

        yield from run_sync(collect)
        return
    with asyncio.Runner() as runner:
        iterator = make()

        async def step() -> T:
            return await anext(iterator)

        try:
            while True:
                try:
                    item = runner.run(step())
                except StopAsyncIteration:
                    return
                yield item
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                runner.run(aclose())
