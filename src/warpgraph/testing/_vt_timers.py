"""The virtual loop's timers: one FIFO list per deadline tick, and a heap of distinct ticks.

asyncio keeps its timers in a single heap of ``TimerHandle`` objects ordered by their float
``when``, and every comparison in that heap is a Python call (``TimerHandle.__lt__``):
30,000 sleeps cost some 400,000 of them. Under virtual time many timers share a deadline
to the nanosecond -- every ``sleep(1.0)`` started in the same loop turn ends on the same
tick -- so the virtual loop keeps its finite timers here instead, bucketed by tick:

* setting a timer is a dict look-up and a list append; the heap holds each distinct tick
  once, as a plain int that ``heapq`` compares in C;
* the timers of one tick run in the order they were set (FIFO), and the ticks in order;
* firing hands a whole bucket to the loop's ready queue in one ``extend``.

A timer is due when the clock has reached its tick, or -- exactly as asyncio decides -- when
its float ``when`` lies within one clock resolution of ``time()`` (at an epoch start a float
cannot tell neighbouring nanoseconds apart). ``when`` is one float below the tick's time, so
that a timer at exactly ``time()`` is always due; all timers of a tick share it.

``asyncio.sleep``'s timer only resolves the sleeper's future. With thousands of sleeps
pending, each handle holding an argument tuple and a copy of the caller's context is two
objects more per sleep for CPython's cyclic GC to walk at every full collection, so such a
timer is a ``SleepTimer``: it holds the future and the value in slots, and runs in a
context its loop shares among its sleeps (the callback never reads it).

Cancelled timers stay in their bucket until it fires (the ready loop skips cancelled
handles, as it does for asyncio's own); a bucket whose timers are all cancelled is dropped
before the clock would jump to it, and whenever the store has doubled since it was last
swept, cancelled timers are swept out, so code that sets and cancels many timeouts does not
grow it without bound.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections import deque
from collections.abc import Callable, Sequence
from contextvars import Context
from typing import Any

from warpgraph.testing._clock import TICKS_PER_SECOND

__all__ = ["SLEEP_DONE", "SleepTimer", "Timers"]

_MIN_SWEEP = 1024  # below this many pending timers, cancelled ones are not worth sweeping
# asyncio.sleep's timer callback, ``(future, value)``: sets the value unless cancelled.
SLEEP_DONE: Any = getattr(asyncio.futures, "_set_result_unless_cancelled", None)


class SleepTimer(asyncio.TimerHandle):
    """A timer that resolves a sleeper's future, holding no argument tuple while it waits."""

    __slots__ = ("_future", "_value")

    def __init__(
        self,
        when: float,
        args: Sequence[Any],
        loop: asyncio.AbstractEventLoop,
        context: Context,
    ) -> None:
        super().__init__(when, SLEEP_DONE, (), loop, context)
        self._future, self._value = args

    def _run(self) -> None:
        # The arguments exist only while the timer fires (asyncio's _run reports errors).
        self._args = (self._future, self._value)
        super()._run()

    def cancel(self) -> None:
        super().cancel()
        self._future = self._value = None


class Timers:
    """Pending finite timers of one virtual loop, by deadline tick (loop thread only).

    Args:
      origin: the clock's start in ticks; a tick ``t`` is loop time ``(origin + t) / 1e9``.
    """

    __slots__ = ("_buckets", "_origin", "_pending", "_sweep_at", "_ticks")

    def __init__(self, origin: int) -> None:
        self._origin = origin
        self._buckets: dict[int, list[asyncio.TimerHandle]] = {}
        self._ticks: list[int] = []  # a heap of the keys of _buckets
        self._pending = 0  # handles in all buckets, cancelled ones included
        self._sweep_at = _MIN_SWEEP

    def __len__(self) -> int:
        """Handles held, cancelled ones included (they go when swept or fired)."""
        return self._pending

    def when(self, tick: int) -> float:
        """The float ``when`` of a timer due at ``tick``: one float below the tick's time.

        asyncio runs a timer once ``when < time() + resolution``; at a start like 1.7e9 the
        resolution vanishes in float rounding, so a timer at exactly ``time()`` would never
        be due and the loop would spin. One float below makes it due precisely at its tick.
        """
        return math.nextafter((self._origin + tick) / TICKS_PER_SECOND, -math.inf)

    def add(
        self,
        tick: int,
        callback: Callable[..., object],
        args: Sequence[Any],
        loop: asyncio.AbstractEventLoop,
        context: Context | None,
        sleep_context: Context,
    ) -> asyncio.TimerHandle:
        """A new timer handle due at ``tick``, after every timer already set for that tick.

        A sleep's timer (``SLEEP_DONE`` on a future and a value) is a ``SleepTimer`` in
        ``sleep_context``; any other timer runs in ``context``.
        """
        bucket = self._buckets.get(tick)
        when = self.when(tick) if bucket is None else bucket[0].when()
        handle: asyncio.TimerHandle
        if callback is SLEEP_DONE and context is None and len(args) == 2:
            handle = SleepTimer(when, args, loop, sleep_context)
        else:
            handle = asyncio.TimerHandle(when, callback, args, loop, context)
        if bucket is None:
            self._buckets[tick] = [handle]
            heapq.heappush(self._ticks, tick)
        else:
            bucket.append(handle)
        self._pending += 1
        if self._pending > self._sweep_at:
            self._sweep()
        return handle

    def next_deadline(self) -> tuple[int, float] | None:
        """The earliest tick with a live timer and its ``when``; None if no timer is live."""
        ticks = self._ticks
        buckets = self._buckets
        while ticks:
            tick = ticks[0]
            bucket = buckets[tick]
            for index, handle in enumerate(bucket):
                if not handle.cancelled():
                    if index:
                        # Drop the cancelled head, so the next look starts at a live timer.
                        del bucket[:index]
                        self._pending -= index
                    return tick, handle.when()
            # Every timer of this tick was cancelled: the clock must not jump to it.
            heapq.heappop(ticks)
            del buckets[tick]
            self._pending -= len(bucket)
        return None

    def pop_due(self, now: int, horizon: float, ready: deque[Any]) -> None:
        """Move every due timer to ``ready``: tick by tick, each tick's in FIFO order.

        Due means the tick is at most ``now``, or its ``when`` is before ``horizon``
        (``time() + resolution``, asyncio's own test).
        """
        ticks = self._ticks
        buckets = self._buckets
        while ticks:
            tick = ticks[0]
            if tick > now and buckets[tick][0].when() >= horizon:
                return
            heapq.heappop(ticks)
            bucket = buckets.pop(tick)
            self._pending -= len(bucket)
            ready.extend(bucket)

    def clear(self) -> None:
        """Forget every timer (the loop closed)."""
        self._buckets.clear()
        self._ticks.clear()
        self._pending = 0

    def _sweep(self) -> None:
        buckets: dict[int, list[asyncio.TimerHandle]] = {}
        for tick, bucket in self._buckets.items():
            live = [handle for handle in bucket if not handle.cancelled()]
            if live:
                buckets[tick] = live
        self._buckets = buckets
        self._ticks = list(buckets)
        heapq.heapify(self._ticks)
        self._pending = sum(map(len, buckets.values()))
        # Sweep again only once the store has doubled: amortised O(1) per timer.
        self._sweep_at = max(_MIN_SWEEP, 2 * self._pending)
