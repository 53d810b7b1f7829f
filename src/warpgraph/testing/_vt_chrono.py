"""Real elapsed time, to assert that virtual time is *fast* (never what it computes).

Virtual time makes a test's results exact; the only thing left to measure for real is the
speed-up. A ``Chronometer`` reads ``time.perf_counter`` captured when this module was
imported, so freezegun (which replaces ``time.perf_counter``) and time-machine (which leaves
it alone) cannot stop it. Real durations on a shared machine are noisy: assert generous
bounds only (``chronometer.elapsed < 5``), and assert exact values on the virtual clock.
"""

from __future__ import annotations

import time
from types import TracebackType

__all__ = ["Chronometer"]

_perf_counter = time.perf_counter


class Chronometer:
    """A real-time stopwatch: running from creation, or around a ``with`` block."""

    __slots__ = ("_start", "_stop")

    def __init__(self) -> None:
        self._start = _perf_counter()
        self._stop: float | None = None

    def __enter__(self) -> Chronometer:
        self._start = _perf_counter()
        self._stop = None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop = _perf_counter()

    @property
    def elapsed(self) -> float:
        """Real seconds since the start (or of the finished ``with`` block)."""
        stop = _perf_counter() if self._stop is None else self._stop
        return stop - self._start

    def __repr__(self) -> str:
        return f"Chronometer(elapsed={self.elapsed:.6f})"
