"""The virtual clock: time that only moves when nothing else can happen.

Agent code spends its life waiting: on a model, a tool, a retry back-off, a timeout. A test
that waits for real is slow and, worse, flaky, because "did the three tools overlap?" then
depends on how busy the machine is. Virtual time removes both problems. The event loop keeps
its own clock, and whenever the loop is *truly idle* -- no callback ready to run, no I/O ready,
no executor job in flight -- nothing can happen until the next timer anyway, so the clock
jumps straight to it. A test that sleeps an hour finishes in microseconds, and the clock
reads exactly one hour afterwards.

Two rules keep that honest:

* **Threads run on real time and cost zero virtual time.** A sync function in a worker thread
  (``loop.run_in_executor``, ``asyncio.to_thread``) keeps the loop busy from submission until
  it returns; meanwhile the clock does not move and the loop waits for real. A 0.2 s
  ``time.sleep`` in a thread therefore finishes at virtual 0.0, and a 0.5 s timeout around it
  does not fire.
* **Waiting in virtual time from a thread is explicit.** ``clock.sleep(s)`` called in a worker
  parks the thread (it stops counting as busy), schedules its wake-up on the loop and blocks;
  the wake-up marks it busy again before releasing it. Three workers that each
  ``clock.sleep(0.2)`` finish together at virtual 0.2, in milliseconds of real time.

The clock counts integer **ticks** (nanoseconds), never a float that drifts: ``0.2 - 0.05``
is ``0.15000000000000002`` in floats, but three one-second sleeps are exactly 3.0 here. A
duration rounds to the nearest tick, absorbing float noise, and a deadline that falls between
two ticks rounds up, so the loop never spins on a sub-tick remainder -- not even at a start
like ``1_709_591_365`` where a float cannot tell two adjacent nanoseconds apart.

A ``VirtualClock`` is driven by a ``VirtualTimeLoop`` (``warpgraph.testing._loop``). The clock
is the part a test talks to:

* ``now()`` -- virtual seconds since the clock's start, a float computed from exact ticks;
  ``ticks`` -- the same as an int. The loop's ``time()`` is ``start + now()``, also from ticks.
* ``advance(seconds)`` -- step the clock by hand; timers that fall due run on the loop's next
  iteration.
* ``run(coro)`` -- like ``asyncio.run``, on a fresh virtual loop driven by this clock.
* ``measure()`` -- ``with clock.measure() as m: ...`` then ``m.elapsed`` in virtual seconds.
* ``sleep(seconds)`` -- for sync code in worker threads, as above.
* ``patch_wall_clock(start)`` -- make ``time.time()``, ``datetime.now()`` and
  ``date.today()`` follow this clock (through time-machine); ``time.monotonic()`` and
  ``time.perf_counter()`` stay real.

``start`` is where the loop's ``time()`` begins; ``end`` is a budget in virtual seconds since
the start: when the next timer lies beyond it, the waiting tasks get
``VirtualTimeBudgetExceeded`` (also a ``TimeoutError``) with the clock stopped at ``end``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from warpgraph.testing._loop import VirtualTimeLoop

__all__ = ["TICKS_PER_SECOND", "Measurement", "VirtualClock", "duration_ticks"]

TICKS_PER_SECOND = 1_000_000_000
"""One tick is a nanosecond: fine enough for any test, coarse enough to stay exact."""

_T = TypeVar("_T")


def duration_ticks(seconds: float, *, name: str = "seconds") -> int:
    """``seconds`` as whole ticks, rounded to the nearest tick unless clearly above it.

    ``0.3 * 1e9`` may come out as ``299999999.99999994``; the slack absorbs that float noise
    (relative to the magnitude) while a genuine fraction of a tick still rounds up, so a
    deadline between two ticks is never reached "almost".
    """
    if isinstance(seconds, int):
        return seconds * TICKS_PER_SECOND
    value = float(seconds)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number of seconds, got {seconds!r}")
    exact = value * TICKS_PER_SECOND
    slack = max(1e-6, abs(exact) * 2.0**-50)
    return math.ceil(exact - slack)


class Measurement:
    """Virtual time elapsed inside one ``with clock.measure() as m:`` block.

    ``elapsed`` reads live while the block runs and freezes when it exits.
    """

    __slots__ = ("_clock", "_start", "_stop")

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self._start = clock.ticks
        self._stop: int | None = None

    @property
    def elapsed_ticks(self) -> int:
        """Elapsed virtual time in ticks (nanoseconds)."""
        stop = self._clock.ticks if self._stop is None else self._stop
        return stop - self._start

    @property
    def elapsed(self) -> float:
        """Elapsed virtual seconds, exact to the tick."""
        return self.elapsed_ticks / TICKS_PER_SECOND

    def _finish(self) -> None:
        self._stop = self._clock.ticks

    def __repr__(self) -> str:
        state = "running" if self._stop is None else "done"
        return f"Measurement(elapsed={self.elapsed!r}, {state})"


class VirtualClock:
    """Virtual time for one event loop; see the module docstring for the concept.

    Args:
      start: the loop's ``time()`` at the beginning, in seconds (default 0). Any finite
        number; an epoch timestamp such as ``1_709_591_365`` works without losing exactness
        in ``now()``.
      end: optional budget in virtual seconds since ``start``; the loop raises
        ``VirtualTimeBudgetExceeded`` into the waiting tasks instead of jumping past it.
    """

    def __init__(self, start: float = 0, *, end: float | None = None) -> None:
        self._origin = duration_ticks(start, name="start")
        if end is not None and duration_ticks(end, name="end") <= 0:
            raise ValueError(f"end must be a positive number of seconds after start, got {end!r}")
        self._end = None if end is None else duration_ticks(end, name="end")
        self._ticks = 0
        self._loop_time = self._origin / TICKS_PER_SECOND
        self._listeners: list[Callable[[int], None]] = []
        self._loop: VirtualTimeLoop | None = None

    # ---- reading -------------------------------------------------------------------------

    @property
    def ticks(self) -> int:
        """Virtual nanoseconds since the start."""
        return self._ticks

    def now(self) -> float:
        """Virtual seconds since the start, computed from exact ticks (``3 * 1.0 == 3.0``)."""
        return self._ticks / TICKS_PER_SECOND

    @property
    def start(self) -> float:
        """The loop's ``time()`` at the start."""
        return self._origin / TICKS_PER_SECOND

    @property
    def end(self) -> float | None:
        """The virtual-time budget in seconds since the start, or None for no budget."""
        return None if self._end is None else self._end / TICKS_PER_SECOND

    @property
    def loop(self) -> VirtualTimeLoop | None:
        """The virtual loop this clock drives, if one is open."""
        return self._loop

    def __repr__(self) -> str:
        return f"VirtualClock(now={self.now()!r}, start={self.start!r}, end={self.end!r})"

    # ---- moving --------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the clock forward by hand; timers that fall due run on the loop's next turn."""
        ticks = duration_ticks(seconds)
        if ticks < 0:
            raise ValueError(f"time can't go backwards: advance({seconds!r}) is negative")
        loop = self._loop
        if loop is not None and loop.is_running() and not loop.in_loop_thread():
            raise RuntimeError(
                "VirtualClock.advance() was called from another thread while the loop runs; "
                "call it from the loop's thread, or use clock.sleep() in a worker thread"
            )
        self._set_ticks(self._ticks + ticks)

    def sleep(self, seconds: float) -> None:
        """Block the calling worker thread for ``seconds`` of virtual time.

        In a thread running an executor job of this clock's loop, the thread is parked (not
        busy) until the loop's clock reaches the wake-up time. Called from elsewhere while no
        loop runs on this clock, nothing else can happen meanwhile: the clock simply advances.
        """
        ticks = duration_ticks(seconds)
        if ticks < 0:
            raise ValueError(f"time can't go backwards: sleep({seconds!r}) is negative")
        loop = self._loop
        if loop is not None and (loop.is_running() or loop.owns_current_thread()):
            # A job of the loop parks even before the loop runs: the loop will wake it.
            loop.sleep_in_thread(ticks)
            return
        self._set_ticks(self._ticks + ticks)

    def run(self, main: Coroutine[Any, Any, _T], *, debug: bool | None = None) -> _T:
        """Run ``main`` on a new virtual loop driven by this clock, like ``asyncio.run``."""
        import asyncio

        from warpgraph.testing._loop import VirtualTimeLoop

        with asyncio.Runner(debug=debug, loop_factory=lambda: VirtualTimeLoop(self)) as runner:
            return runner.run(main)

    @contextmanager
    def measure(self) -> Iterator[Measurement]:
        """``with clock.measure() as m: ...`` -- then ``m.elapsed`` is the virtual time inside."""
        measurement = Measurement(self)
        try:
            yield measurement
        finally:
            measurement._finish()

    @contextmanager
    def patch_wall_clock(self, start: datetime | float | None = None) -> Iterator[None]:
        """Make ``time.time()``, ``datetime.now()`` and ``date.today()`` follow this clock.

        ``start`` is the wall-clock instant at ``now() == 0`` (default: the real time now);
        a naive datetime counts as UTC. Needs time-machine (the ``harness`` extra).
        """
        from warpgraph.testing._vt_wall import follow_clock

        with follow_clock(self, start):
            yield

    # ---- for the loop and the wall-clock follower ---------------------------------------

    def _set_ticks(self, ticks: int) -> None:
        delta = ticks - self._ticks
        if delta <= 0:
            return
        self._ticks = ticks
        self._loop_time = (self._origin + ticks) / TICKS_PER_SECOND
        for listener in self._listeners:
            listener(delta)

    def _bind(self, loop: VirtualTimeLoop) -> None:
        current = self._loop
        if current is not None and current is not loop and not current.is_closed():
            raise RuntimeError(
                f"this VirtualClock already drives {current!r}; close that loop first "
                "or give the new loop its own VirtualClock"
            )
        self._loop = loop

    def _unbind(self, loop: VirtualTimeLoop) -> None:
        if self._loop is loop:
            self._loop = None

    def _add_listener(self, listener: Callable[[int], None]) -> None:
        self._listeners.append(listener)

    def _remove_listener(self, listener: Callable[[int], None]) -> None:
        self._listeners.remove(listener)
