"""One test's virtual time: a clock, the loop it drives, and the wall clock following it.

The pytest plugin creates one ``VirtualTimeSession`` per test, before any of the test's
fixtures, and tears it down after all of them. Either pytest-asyncio's runner takes the
session's loop (``take_loop`` from the loop factory) or, without pytest-asyncio, the
session runs the test and its async fixtures itself (``run``). In both cases the test, its
async fixtures and the ``vclock`` fixture share one loop and one clock. Outside pytest the
session is an ordinary context manager::

    with VirtualTimeSession(start=0, wall_clock=False) as session:
        session.run(main())
        assert session.clock.now() == 1.0
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from contextlib import ExitStack
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

from warpgraph.testing._clock import VirtualClock
from warpgraph.testing._loop import VirtualTimeLoop

__all__ = ["VirtualTimeSession", "WallClock"]

_T = TypeVar("_T")

WallClock = bool | datetime | float | None
"""``True``: follow from the real time now; a datetime or Unix timestamp: follow from there;
``False``/``None``: leave the wall clock alone."""


class VirtualTimeSession:
    """A virtual clock, its loop and (optionally) a wall clock that follows it."""

    def __init__(
        self,
        *,
        start: float = 0,
        end: float | None = None,
        wall_clock: WallClock = True,
    ) -> None:
        if not isinstance(wall_clock, bool | datetime | int | float | None):
            raise TypeError(
                "wall_clock must be True, False, a datetime or a Unix timestamp, "
                f"got {wall_clock!r}"
            )
        self.clock = VirtualClock(start, end=end)
        # The loop is made when a runner takes it, so a sync test may still clock.run().
        self.loop: VirtualTimeLoop | None = None
        self._wall_clock = wall_clock
        self._runner: asyncio.Runner | None = None
        self._exits = ExitStack()

    def __enter__(self) -> VirtualTimeSession:
        wall = self._wall_clock
        if wall is not None and wall is not False:
            start = None if wall is True else wall
            self._exits.enter_context(self.clock.patch_wall_clock(start))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.close()
        finally:
            self._exits.close()

    def take_loop(self) -> VirtualTimeLoop | None:
        """Hand the loop to the one runner that will run the test (pytest-asyncio's, or ours)."""
        if self.loop is not None:
            return None
        self.loop = VirtualTimeLoop(self.clock)
        return self.loop

    def run(self, main: Coroutine[Any, Any, _T]) -> _T:
        """Run ``main`` on the session's loop; all calls share one runner and its context."""
        if self._runner is None:
            loop = self.take_loop()
            if loop is None:
                main.close()
                raise RuntimeError(
                    "this session's loop already belongs to another runner (pytest-asyncio); "
                    "run the coroutine there"
                )
            self._runner = asyncio.Runner(loop_factory=lambda: loop)
        return self._runner.run(main)

    def close(self) -> None:
        """Finish our runner (cancel tasks, drain the executor, close the loop).

        A loop taken by pytest-asyncio is closed by pytest-asyncio's runner.
        """
        if self._runner is not None:
            self._runner.close()
