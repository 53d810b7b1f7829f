"""The wall clock under virtual time: ``time.time()`` and ``datetime.now()`` follow the clock.

Code under test often stamps records with ``datetime.now()`` or computes expiry with
``time.time()``. If those kept real time while the loop's clock jumped an hour, a "one hour
later" timestamp would read a few microseconds later. time-machine patches the wall-clock
functions at the C level (``time.time``, ``time.time_ns``, ``datetime.now``, ``date.today``,
``time.gmtime``/``localtime``/``strftime``); we start it frozen at the chosen instant and
shift it by exactly the ticks the virtual clock moves. ``time.monotonic()`` and
``time.perf_counter()`` are not patched: they stay real, which is what the ``chronometer``
fixture and timeouts of real I/O need.

freezegun in code under test keeps working: inside a ``freeze_time`` block its fakes win,
and the virtual loop never reads ``time.monotonic`` (which freezegun freezes), so virtual
time still moves. time-machine refuses to *start* while freezegun is active, so start the
follower first (the pytest plugin does, at test setup).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warpgraph.testing._clock import VirtualClock

__all__ = ["follow_clock"]

_NS = 1_000_000_000


def _start_ns(start: datetime | float | None) -> int:
    if start is None:
        return time.time_ns()
    if isinstance(start, datetime):
        aware = start if start.tzinfo is not None else start.replace(tzinfo=UTC)
        delta = aware - datetime(1970, 1, 1, tzinfo=UTC)
        return (delta.days * 86_400 + delta.seconds) * _NS + delta.microseconds * 1_000
    if isinstance(start, bool) or not isinstance(start, int | float):
        raise TypeError(
            f"wall_clock start must be a datetime, a Unix timestamp or None, got {start!r}"
        )
    return start * _NS if isinstance(start, int) else round(start * _NS)


@contextmanager
def follow_clock(clock: VirtualClock, start: datetime | float | None = None) -> Iterator[None]:
    """Patch the wall clock to ``start + clock.now()`` for the duration of the block."""
    try:
        import time_machine
    except ImportError as error:  # pragma: no cover - time-machine ships with the harness extra
        raise RuntimeError(
            "the wall clock follows virtual time through time-machine, which is not installed; "
            "install it with: pip install 'warpgraph[harness]'"
        ) from error

    # The wall clock reads start + now(): begin at start shifted by the time already passed.
    origin_ns = _start_ns(start) + clock.ticks
    travel = time_machine.travel(origin_ns / _NS, tick=False)
    try:
        traveller = travel.start()
    except RuntimeError as error:
        # time-machine refuses to start inside an active freezegun freeze_time().
        raise RuntimeError(
            f"the wall clock cannot follow virtual time: {error} Start freeze_time() inside "
            "the test instead, or leave the wall clock alone with "
            "@pytest.mark.virtual_time(wall_clock=False)"
        ) from error

    def follow(delta_ticks: int) -> None:
        # A tick is a nanosecond, and shift() with a float rounds delta * 1e9 back to the
        # same integer, so the wall clock moves by exactly the ticks the clock moved.
        traveller.shift(delta_ticks / _NS)

    clock._add_listener(follow)
    try:
        yield
    finally:
        clock._remove_listener(follow)
        travel.stop()
