"""Executor jobs and parked threads: how the virtual loop knows a thread is still working.

The loop may jump its clock only when no thread could still produce a result, so it counts
**busy** work. A job counts from submission until its function has returned *and* its result
has reached the loop. Releasing the count in the worker instead would leave a gap -- function
returned, result not yet delivered -- in which the idle loop could jump and fire a timeout
the result would have beaten. So the count is released in the loop thread by the asyncio
future's done-callback, which runs in the same loop turn that wakes the awaiting task.

Cancellation needs care: cancelling the asyncio future does not stop a running thread. A job
cancelled before it started is dropped (it will never run); one cancelled while running stays
busy until the function returns ("orphaned"), because until then it may still touch shared
state or call back into the loop.

A worker thread that calls ``clock.sleep()`` is **parked**: its job stops counting as busy,
the loop schedules the wake-up as an ordinary timer, and the timer marks the job busy again
before releasing the thread. All changes to the busy count happen in the loop thread, so the
count needs no lock; only a job's state, which the worker also reads, does.
"""

from __future__ import annotations

import asyncio
import enum
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warpgraph.testing._loop import VirtualTimeLoop

__all__ = ["Job", "Wake", "job_loop"]


class _JobThread(threading.local):
    # The virtual loop whose executor job this thread is running right now, if any.
    loop: VirtualTimeLoop | None = None


_current = _JobThread()


def job_loop() -> VirtualTimeLoop | None:
    """The virtual loop whose executor job the calling thread runs, or None."""
    return _current.loop


class _State(enum.Enum):
    PENDING = "pending"  # submitted, not started
    RUNNING = "running"  # function executing in a worker
    RETURNED = "returned"  # function returned
    DROPPED = "dropped"  # cancelled before it started: will never run
    ORPHANED = "orphaned"  # cancelled while running: busy until the function returns


class Job:
    """One executor submission, counted busy by its loop until it is truly over."""

    __slots__ = ("_lock", "_loop", "_state")

    def __init__(self, loop: VirtualTimeLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._state = _State.PENDING

    def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """Worker side: run ``func`` as a job of the loop (``current_clock()`` finds it)."""
        with self._lock:
            if self._state is _State.DROPPED:
                return None
            self._state = _State.RUNNING
        previous = _current.loop
        _current.loop = self._loop
        try:
            return func(*args)
        finally:
            _current.loop = previous
            with self._lock:
                orphaned = self._state is _State.ORPHANED
                self._state = _State.RETURNED
            if orphaned:
                # Nobody awaits the result; release the count from here, thread-safely.
                self._loop.release_job_threadsafe()

    def future_done(self, future: asyncio.Future[Any]) -> None:
        """Loop side: the asyncio future completed; release the count if the job is over."""
        if not future.cancelled():
            # A result or an exception arrived, so the function has returned.
            self._loop.release_job()
            return
        with self._lock:
            state = self._state
            if state is _State.PENDING:
                self._state = _State.DROPPED
            elif state is _State.RUNNING:
                self._state = _State.ORPHANED
        if state is not _State.RUNNING:
            self._loop.release_job()


class Wake:
    """A parked thread's alarm: the loop sets it at the wake-up time, or fails it on close."""

    __slots__ = ("counted", "error", "event")

    def __init__(self, counted: bool) -> None:
        self.counted = counted
        self.event = threading.Event()
        self.error: BaseException | None = None

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.event.set()

    def wait(self) -> None:
        self.event.wait()
        if self.error is not None:
            raise self.error
