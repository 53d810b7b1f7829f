"""The virtual-time event loop: a selector loop whose clock jumps to the next timer when idle.

``VirtualTimeLoop`` is an ``asyncio.SelectorEventLoop`` in every respect but two: its
``time()`` comes from a ``VirtualClock`` (integer ticks), and its selector is wrapped so that
each time the loop would block waiting for I/O, we decide instead what "waiting" means:

* callbacks are ready -- only poll I/O; time holds;
* I/O is ready, or a thread handed a callback over -- process it; time holds;
* an executor job is in flight -- wait for real, because the thread runs on real time;
* nothing runs, but a timer is set -- jump the clock straight to that timer;
* nothing runs, no timer, but real I/O (or the executor shutdown) could still wake us --
  wait for real;
* nothing runs and nothing could ever wake the loop -- that is a deadlock: raise
  ``VirtualTimeDeadlock`` into every waiting task at the line where it waits.

The loop keeps its finite timers itself, by deadline in ticks (``_vt_timers``), instead of in
asyncio's heap of float deadlines: a float cannot say exactly which nanosecond a timer is due
at a start like ``1_709_591_365``, and timers sharing a tick -- the common case in virtual
time -- then cost a list append each. ``call_later`` computes the deadline in ticks first, so
the jump lands exactly on it; due timers join the ready queue right after the turn's I/O
callbacks, where asyncio would put them. See ``warpgraph.testing._clock`` for the concept and
``_vt_threads`` for how executor jobs and parked threads are counted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import math
import selectors
import time
from asyncio import selector_events
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from contextvars import Context
from typing import TYPE_CHECKING, Any, TypeVar, TypeVarTuple, Unpack, cast

from warpgraph.testing._clock import TICKS_PER_SECOND, VirtualClock, duration_ticks
from warpgraph.testing._vt_errors import (
    VirtualTimeBudgetExceeded,
    VirtualTimeDeadlock,
    VirtualTimeLivelock,
)
from warpgraph.testing._vt_report import describe_tasks
from warpgraph.testing._vt_threads import Job, Wake, job_loop
from warpgraph.testing._vt_timers import Timers

if TYPE_CHECKING:
    from _typeshed import FileDescriptorLike

__all__ = ["DEFAULT_LIVELOCK_LIMIT", "VirtualTimeLoop", "current_clock"]

_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")
_Events = list[tuple[selectors.SelectorKey, int]]

DEFAULT_LIVELOCK_LIMIT = 1_000_000
"""Loop turns without time moving (and without threads or I/O) before a livelock is declared."""

# While a thread works or real I/O is awaited, wake up at least this often (real seconds) to
# look again; every path that could end the wait also writes to the self-pipe, so this is
# only a safety net, not a polling interval.
_REAL_WAIT = 0.25
_RESOLUTION = time.get_clock_info("monotonic").resolution  # the same as asyncio's
# The selector loop's own _process_events (private to asyncio, hence not in its stubs).
_process_io_events: Callable[[VirtualTimeLoop, _Events], None] = vars(
    selector_events.BaseSelectorEventLoop
)["_process_events"]
# call_later remembers the ticks of this many distinct float delays (then starts over).
_DELAYS_REMEMBERED = 256
# Deadlock or budget errors raised into the same waiters at one virtual time, this many
# times over, mean the tasks swallow them; then the error ends the run instead.
_MAX_STUCK_ROUNDS = 1000


class _VirtualSelector(selectors.BaseSelector):
    """The real selector with ``select`` routed through the loop's idle logic."""

    def __init__(
        self, real: selectors.BaseSelector, select: Callable[[float | None], _Events]
    ) -> None:
        self._real = real
        self._select = select

    def register(
        self, fileobj: FileDescriptorLike, events: int, data: Any = None
    ) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: FileDescriptorLike) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(
        self, fileobj: FileDescriptorLike, events: int, data: Any = None
    ) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> _Events:
        return self._select(timeout)

    def close(self) -> None:
        self._real.close()

    def get_map(self) -> Mapping[FileDescriptorLike, selectors.SelectorKey]:
        return self._real.get_map()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop on virtual time; see the module docstring and ``VirtualClock``.

    Args:
      clock: the clock to drive; by default a new ``VirtualClock(start, end=end)``.
      start, end: shorthands for a new clock (do not combine with ``clock``).
      livelock_limit: loop turns without time moving (no thread working, no I/O) before
        ``VirtualTimeLivelock`` is raised out of the loop; None disables the guard.
    """

    def __init__(
        self,
        clock: VirtualClock | None = None,
        *,
        start: float = 0,
        end: float | None = None,
        livelock_limit: int | None = DEFAULT_LIVELOCK_LIMIT,
    ) -> None:
        # Initialise the base loop first: if an argument is bad, the half-built loop must
        # still close cleanly (BaseEventLoop.__del__ would complain otherwise).
        self._real_selector = selectors.DefaultSelector()
        super().__init__(selector=_VirtualSelector(self._real_selector, self._select))
        # What the loop registered for itself (its self-pipe) is not "real I/O" of the test.
        self._own_fds = frozenset(self._real_selector.get_map())
        # asyncio's ready queue, where due timers go (the same deque for the loop's life).
        self._ready_queue: deque[asyncio.Handle] = cast(Any, self)._ready
        self._delay_ticks: dict[float, int] = {}
        # The context this loop's sleep timers share (see _vt_timers.SleepTimer): this
        # loop's timers run one at a time, so it is never entered twice at once. (One per
        # loop: two loops in two threads could fire sleeps at the same moment.)
        self._sleep_context = Context()
        self._busy = 0  # executor jobs in flight, minus parked ones; loop thread only
        self._foreign = 0  # outside waits that will wake us but must not stop time
        self._parked: set[Wake] = set()
        self._spins = 0
        self._spin_ticks = 0
        self._stuck_ticks = 0
        self._stuck_rounds = 0
        self._livelock_limit = livelock_limit
        try:
            self._clock = _make_clock(clock, start, end)
            self._clock._bind(self)
            self._timers = Timers(self._clock._origin)
        except BaseException:
            super().close()
            raise

    # ---- time ----------------------------------------------------------------------------

    @property
    def clock(self) -> VirtualClock:
        """The virtual clock this loop runs on."""
        return self._clock

    def time(self) -> float:
        return self._clock._loop_time

    def call_later(
        self,
        delay: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: Context | None = None,
    ) -> asyncio.TimerHandle:
        # The same float delays come back all the time (every sleep(1.0)): remember them.
        ticks = self._delay_ticks.get(delay) if type(delay) is float else None
        if ticks is None:
            if not math.isfinite(delay):
                # An infinite sleep has no deadline to jump to: it only ends by cancellation.
                return super().call_later(delay, callback, *args, context=context)
            ticks = duration_ticks(delay, name="delay")
            if type(delay) is float:
                if len(self._delay_ticks) >= _DELAYS_REMEMBERED:
                    self._delay_ticks.clear()
                self._delay_ticks[delay] = ticks
        return self._call_at_ticks(self._clock._ticks + ticks, callback, args, context)

    def call_at(
        self,
        when: float,
        callback: Callable[[Unpack[_Ts]], object],
        *args: *_Ts,
        context: Context | None = None,
    ) -> asyncio.TimerHandle:
        if not math.isfinite(when):
            return super().call_at(when, callback, *args, context=context)
        return self._call_at_ticks(self._ticks_for(when), callback, args, context)

    def _call_at_ticks(
        self,
        deadline: int,
        callback: Callable[..., object],
        args: Sequence[Any],
        context: Context | None = None,
    ) -> asyncio.TimerHandle:
        # What asyncio's call_at checks, then our store instead of asyncio's heap.
        base: Any = self
        if base._closed:
            raise RuntimeError("Event loop is closed")
        if base._debug:
            base._check_thread()
            base._check_callback(callback, "call_at")
        return self._timers.add(deadline, callback, args, self, context, self._sleep_context)

    def _process_events(self, event_list: _Events) -> None:
        # asyncio calls this right after the poll, then moves its due timers to the ready
        # queue; ours go at the same point, after the I/O callbacks, as asyncio's would.
        if event_list:
            _process_io_events(self, event_list)
        clock = self._clock
        self._timers.pop_due(clock._ticks, clock._loop_time + _RESOLUTION, self._ready_queue)

    def _ticks_for(self, when: float) -> int:
        """The tick a float deadline means: its nearest tick if that reaches it, else the next.

        ``loop.time() + 0.2`` at 0.1 is ``0.30000000000000004``; asyncio itself treats a timer
        as due within its clock resolution, so the nearest tick (0.3) is the one meant.
        Only a deadline clearly between ticks rounds up, computed exactly.
        """
        origin = self._clock._origin
        ticks = round(when * TICKS_PER_SECOND) - origin
        if (origin + ticks) / TICKS_PER_SECOND + _RESOLUTION >= when:
            return ticks
        numerator, denominator = when.as_integer_ratio()
        return -((-numerator * TICKS_PER_SECOND) // denominator) - origin

    # ---- the idle logic ------------------------------------------------------------------

    def _select(self, timeout: float | None) -> _Events:
        real = self._real_selector
        events = real.select(0)
        if events:
            # I/O is ready, or a thread handed a callback over through the self-pipe:
            # process it first; time never moves past pending work.
            self._spins = 0
            return events
        if timeout == 0:
            # Callbacks are ready (or the loop is stopping): poll only, time holds.
            self._count_spin()
            return events
        if timeout is not None and timeout <= _RESOLUTION:
            # One of asyncio's own timers (we leave it only non-finite ones) is due.
            return events
        next_timer = self._timers.next_deadline()
        clock = self._clock
        if next_timer is not None and (
            next_timer[0] <= clock._ticks or next_timer[1] < clock._loop_time + _RESOLUTION
        ):
            # A timer is due now (set this turn, or the clock was advanced by hand): it runs
            # right after this poll, so there is nothing to wait for and nothing is stuck.
            # A turn that asyncio would have polled with timeout 0 counts as a spin.
            if next_timer[1] <= clock._loop_time:
                self._count_spin()
            return events
        if self._busy:
            # A thread is working on real time; time holds until it returns or parks.
            # Either event reaches us through the self-pipe and ends this wait early.
            self._spins = 0
            return real.select(_REAL_WAIT)
        if next_timer is None:
            if self._foreign or self._has_real_io():
                # No timer, but a socket or the executor shutdown may still wake us.
                self._spins = 0
                return real.select(_REAL_WAIT)
            # Nothing can ever wake the loop: fail the waiters instead of hanging.
            self._count_spin()
            self._fail_waiting(VirtualTimeDeadlock, self._deadlock_message)
            return []
        deadline = next_timer[0]
        end = clock._end
        if end is not None and deadline > end:
            # The next timer lies beyond the budget: stop the clock at the budget's end.
            clock._set_ticks(end)
            self._count_spin()
            self._fail_waiting(
                VirtualTimeBudgetExceeded, lambda tasks: self._budget_message(deadline, tasks)
            )
            return []
        # Truly idle: nothing can happen before the next timer, so go there now.
        self._spins = 0
        clock._set_ticks(deadline)
        return []

    def _has_real_io(self) -> bool:
        return any(fd not in self._own_fds for fd in self._real_selector.get_map())

    def _count_spin(self) -> None:
        limit = self._livelock_limit
        ticks = self._clock._ticks
        # Time moved, or a thread is working (a task may poll it): that is progress.
        if limit is None or self._busy or ticks != self._spin_ticks:
            self._spin_ticks = ticks
            self._spins = 0
            return
        self._spins += 1
        if self._spins >= limit:
            self._spins = 0
            tasks = describe_tasks(asyncio.all_tasks(self))
            raise VirtualTimeLivelock(
                f"virtual time livelock: the loop ran {limit} turns at t={self._clock.now()} "
                "without time moving, with no executor job and no I/O; some task is spinning "
                "(for example `while not done: await asyncio.sleep(0)`). Make it wait on an "
                "event or a timer, or raise livelock_limit= if this much work between waits "
                f"is intended.\nTasks:\n{tasks}"
            )

    def _fail_waiting(
        self,
        error: type[VirtualTimeDeadlock | VirtualTimeBudgetExceeded],
        message: Callable[[list[asyncio.Task[Any]]], str],
    ) -> None:
        """Raise ``error`` into each task at the future it waits on, or out of the loop."""
        tasks = [task for task in asyncio.all_tasks(self) if not task.done()]
        waiters: list[asyncio.Future[Any]] = []
        for task in tasks:
            # asyncio has no public way to throw into a waiting task; the future it awaits
            # (Task._fut_waiter, also used by looptime) is the one place an exception lands
            # exactly where the task waits. Tasks awaiting other tasks get it through them.
            waiter = getattr(task, "_fut_waiter", None)
            if (
                isinstance(waiter, asyncio.Future)
                and not isinstance(waiter, asyncio.Task)
                and not waiter.done()
                and waiter.get_loop() is self
            ):
                waiters.append(waiter)
        text = message(tasks)
        ticks = self._clock._ticks
        if ticks != self._stuck_ticks:
            self._stuck_ticks, self._stuck_rounds = ticks, 0
        self._stuck_rounds += 1
        if not waiters or self._stuck_rounds > _MAX_STUCK_ROUNDS:
            # Nothing to throw into (run_until_complete on a bare future), or the tasks keep
            # swallowing the error and waiting again: end the run instead.
            self._stuck_rounds = 0
            raise error(text)
        for waiter in waiters:
            waiter.set_exception(error(text))

    def _deadlock_message(self, tasks: list[asyncio.Task[Any]]) -> str:
        return (
            f"virtual time deadlock at t={self._clock.now()}: {len(tasks)} task(s) wait, but "
            "no timer is set, no executor job is running and no real I/O is registered, so "
            "nothing can ever wake them. Set the event or result they wait for, or bound the "
            "wait with asyncio.timeout() to fail at a chosen virtual time.\n"
            f"Waiting tasks (innermost await last):\n{describe_tasks(tasks)}"
        )

    def _budget_message(self, deadline: int, tasks: list[asyncio.Task[Any]]) -> str:
        return (
            f"virtual time budget exceeded: the next timer is due at "
            f"t={deadline / TICKS_PER_SECOND} but the budget ends at end={self._clock.end}, "
            f"where the clock stopped. Raise end= (for example "
            "@pytest.mark.virtual_time(end=...)) if the test needs more virtual time, or find "
            "the task that waits too long.\n"
            f"Waiting tasks (innermost await last):\n{describe_tasks(tasks)}"
        )

    def run_forever(self) -> None:
        # Each run starts a fresh livelock count: a previous run's work is not this one's spin.
        self._spins = 0
        super().run_forever()

    # ---- threads -------------------------------------------------------------------------

    def in_loop_thread(self) -> bool:
        """Whether the caller runs on this loop's thread while the loop runs."""
        try:
            return asyncio.get_running_loop() is self
        except RuntimeError:
            return False

    def owns_current_thread(self) -> bool:
        """Whether the caller runs an executor job of this loop."""
        return job_loop() is self

    def run_in_executor(
        self,
        executor: concurrent.futures.Executor | None,
        func: Callable[[Unpack[_Ts]], _T],
        *args: *_Ts,
    ) -> asyncio.Future[_T]:
        job = Job(self)
        if executor is None or isinstance(executor, concurrent.futures.ThreadPoolExecutor):
            future: asyncio.Future[Any] = super().run_in_executor(
                executor, functools.partial(job.run, func, *args)
            )
        else:
            # Another process cannot tell us when it starts: count from submission to result.
            future = super().run_in_executor(executor, func, *args)
        # Busy from submission: even a queued job may still deliver a result before any timer.
        self._busy += 1
        future.add_done_callback(job.future_done)
        return cast("asyncio.Future[_T]", future)

    def release_job(self) -> None:
        """A job is over (loop thread only)."""
        self._busy -= 1

    def release_job_threadsafe(self) -> None:
        """A job is over, told from its worker thread."""
        try:
            self.call_soon_threadsafe(self.release_job)
        except RuntimeError:
            pass  # the loop is closed: nothing is left to count for

    def sleep_in_thread(self, ticks: int) -> None:
        """Park the calling worker thread for ``ticks`` of virtual time (``clock.sleep``)."""
        if ticks <= 0:
            return
        if self.in_loop_thread():
            raise RuntimeError(
                "clock.sleep() was called on the event loop's own thread, where blocking would "
                "freeze the loop; use `await asyncio.sleep(...)` in async code, or run the sync "
                "code in a worker (loop.run_in_executor or asyncio.to_thread)"
            )
        # Only a job of this loop holds a busy count it can hand back while parked.
        wake = Wake(counted=job_loop() is self)
        try:
            self.call_soon_threadsafe(self._park, ticks, wake)
        except RuntimeError as error:
            raise RuntimeError(
                "clock.sleep() needs its virtual loop, but the loop is closed"
            ) from error
        wake.wait()

    def _park(self, ticks: int, wake: Wake) -> None:
        if wake.counted:
            self._busy -= 1
        self._parked.add(wake)
        self._call_at_ticks(self._clock._ticks + ticks, self._unpark, (wake,))

    def _unpark(self, wake: Wake) -> None:
        # Busy again before the thread runs, so time cannot move under its feet.
        self._parked.discard(wake)
        if wake.counted:
            self._busy += 1
        wake.event.set()

    async def shutdown_default_executor(self, timeout: float | None = None) -> None:  # noqa: ASYNC109 (asyncio's signature)
        """Wait for the default executor's threads to finish (``asyncio.run`` calls this).

        The shutdown runs in a plain thread that wakes us when the executor has drained.
        It is no deadlock meanwhile, yet timers must still fire so parked workers can end.
        Python 3.12+ passes a ``timeout`` of real seconds (300 from ``asyncio.run``): as a
        virtual deadline it would expire at once, before any thread could join, so the
        wait has none, as on Python 3.11.
        """
        del timeout
        self._foreign += 1
        try:
            await super().shutdown_default_executor()
        finally:
            self._foreign -= 1

    def close(self) -> None:
        super().close()
        self._timers.clear()
        parked, self._parked = self._parked, set()
        for wake in parked:
            wake.fail(
                RuntimeError(
                    "the virtual-time loop closed while this thread slept in virtual time "
                    "(clock.sleep); await the executor job before closing the loop"
                )
            )
        self._clock._unbind(self)


def _make_clock(clock: VirtualClock | None, start: float, end: float | None) -> VirtualClock:
    if clock is None:
        return VirtualClock(start, end=end)
    if start != 0 or end is not None:
        raise TypeError(
            "VirtualTimeLoop got both clock= and start=/end=; "
            "pass start and end to the VirtualClock instead"
        )
    return clock


def current_clock() -> VirtualClock | None:
    """The clock of the virtual loop the caller belongs to, or None outside any virtual loop.

    "Belongs to" means: running on the loop's thread, or running an executor job submitted
    through the loop (``run_in_executor`` / ``asyncio.to_thread``). Sync code that must
    wait does ``clock = current_clock(); clock.sleep(s) if clock else time.sleep(s)``.
    """
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if isinstance(loop, VirtualTimeLoop):
        return loop.clock
    owner = job_loop()
    return None if owner is None else owner.clock
