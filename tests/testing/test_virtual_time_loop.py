"""The virtual-time loop on its own (no pytest plugin): jumps, threads, deadlocks, budgets."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import linecache
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warpgraph.errors import HarnessError
from warpgraph.testing import (
    VirtualClock,
    VirtualTimeBudgetExceeded,
    VirtualTimeDeadlock,
    VirtualTimeLivelock,
    VirtualTimeLoop,
    current_clock,
)


def run(main: Callable[[VirtualClock], Awaitable[Any]], **clock_options: Any) -> Any:
    clock = VirtualClock(**clock_options)

    async def wrapper() -> Any:
        return await main(clock)

    return clock.run(wrapper())


def test_three_parallel_sleeps_take_one_virtual_second() -> None:
    async def main(clock: VirtualClock) -> float:
        await asyncio.gather(*(asyncio.sleep(1) for _ in range(3)))
        return clock.now()

    assert run(main) == 1.0


def test_consecutive_sleeps_add_up_exactly() -> None:
    async def main(clock: VirtualClock) -> list[float]:
        seen = []
        for _ in range(3):
            await asyncio.sleep(0.1)
            seen.append(clock.now())
        await asyncio.sleep(0.2)
        await asyncio.sleep(0.05)
        seen.append(clock.now())
        return seen

    assert run(main) == [0.1, 0.2, 0.3, 0.55]


def test_loop_time_is_start_plus_now() -> None:
    async def main(clock: VirtualClock) -> tuple[float, float]:
        before = asyncio.get_running_loop().time()
        await asyncio.sleep(2.5)
        return before, asyncio.get_running_loop().time()

    assert run(main, start=100) == (100.0, 102.5)


def test_a_large_start_advances_by_exactly_one_second_without_spinning() -> None:
    async def main(clock: VirtualClock) -> tuple[float, float, int]:
        await asyncio.sleep(1)
        return clock.now(), asyncio.get_running_loop().time(), clock.ticks

    now, loop_time, ticks = run(main, start=1_709_591_365, end=5)
    assert (now, loop_time, ticks) == (1.0, 1_709_591_366.0, 1_000_000_000)


def test_a_large_start_keeps_sub_second_sleeps_exact() -> None:
    async def main(clock: VirtualClock) -> float:
        for _ in range(3):
            await asyncio.sleep(0.1)
        return clock.now()

    assert run(main, start=1_709_591_365, end=5) == 0.3


def test_a_deadline_between_ticks_rounds_up_to_the_next_tick() -> None:
    async def main(clock: VirtualClock) -> int:
        await asyncio.sleep(1.5e-9)
        return clock.ticks

    assert run(main) == 2


def test_call_later_and_call_at_fire_at_their_exact_times() -> None:
    async def main(clock: VirtualClock) -> list[tuple[str, float]]:
        loop = asyncio.get_running_loop()
        fired: list[tuple[str, float]] = []
        done = loop.create_future()
        loop.call_later(2, lambda: fired.append(("later", clock.now())))
        loop.call_at(loop.time() + 1.25, lambda: fired.append(("at", clock.now())))
        loop.call_later(3, done.set_result, None)
        await done
        return fired

    assert run(main) == [("at", 1.25), ("later", 2.0)]


def test_wait_for_times_out_at_exactly_its_timeout() -> None:
    async def main(clock: VirtualClock) -> float:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.sleep(10), timeout=2.5)
        return clock.now()

    assert run(main) == 2.5


def test_asyncio_timeout_fires_at_exactly_its_deadline() -> None:
    async def main(clock: VirtualClock) -> float:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.75):
                await asyncio.sleep(5)
        return clock.now()

    assert run(main) == 0.75


def test_cancelled_timers_do_not_make_the_clock_jump() -> None:
    async def main(clock: VirtualClock) -> float:
        loop = asyncio.get_running_loop()
        handles = [loop.call_later(100 + n, lambda: None) for n in range(2000)]
        for handle in handles:
            handle.cancel()
        await asyncio.sleep(1)
        return clock.now()

    assert run(main) == 1.0


def test_ten_thousand_parallel_sleeps_end_at_exactly_one_second() -> None:
    async def main(clock: VirtualClock) -> float:
        await asyncio.gather(*(asyncio.sleep(1) for _ in range(10_000)))
        return clock.now()

    assert run(main) == 1.0


# ---- threads -------------------------------------------------------------------------------


def test_a_real_thread_costs_no_virtual_time_and_the_sleeper_still_ends_at_five() -> None:
    async def main(clock: VirtualClock) -> tuple[float, float]:
        async def thread() -> float:
            await asyncio.to_thread(time.sleep, 0.2)
            return clock.now()

        async def sleeper() -> float:
            await asyncio.sleep(5)
            return clock.now()

        first, second = await asyncio.gather(thread(), sleeper())
        return first, second

    assert run(main) == (0.0, 5.0)


def test_a_timeout_around_a_short_real_thread_does_not_fire() -> None:
    async def main(clock: VirtualClock) -> float:
        async with asyncio.timeout(0.5):
            await asyncio.to_thread(time.sleep, 0.1)
        return clock.now()

    assert run(main) == 0.0


def test_run_in_executor_jobs_are_busy_until_they_return() -> None:
    async def main(clock: VirtualClock) -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            # The second job waits in the executor's queue: still busy, time still holds.
            first = loop.run_in_executor(pool, time.sleep, 0.05)
            second = loop.run_in_executor(pool, time.sleep, 0.05)
            ticker = asyncio.ensure_future(asyncio.sleep(0.01))
            await asyncio.gather(first, second)
            at_threads = clock.now()
            await ticker
        return at_threads, clock.now()

    assert run(main) == (0.0, 0.01)


def test_worker_threads_sleeping_on_the_clock_finish_together_in_virtual_time() -> None:
    def worker() -> float:
        clock = current_clock()
        assert clock is not None
        clock.sleep(0.2)
        return clock.now()

    async def main(clock: VirtualClock) -> tuple[list[float], float]:
        started = time.perf_counter()
        results = await asyncio.gather(*(asyncio.to_thread(worker) for _ in range(3)))
        return list(results), time.perf_counter() - started

    results, real = run(main)
    assert results == [0.2, 0.2, 0.2]
    assert real < 2.0  # milliseconds in practice; generous because the machine is shared


def test_a_parked_worker_wakes_before_a_later_timer_fires() -> None:
    def worker() -> float:
        clock = current_clock()
        assert clock is not None
        clock.sleep(1)
        time.sleep(0.02)  # real work after waking: the loop must wait for it, not jump
        return clock.now()

    async def main(clock: VirtualClock) -> list[str]:
        order: list[str] = []

        async def thread() -> None:
            await asyncio.to_thread(worker)
            order.append(f"thread@{clock.now()}")

        async def timer() -> None:
            await asyncio.sleep(1.5)
            order.append(f"timer@{clock.now()}")

        await asyncio.gather(thread(), timer())
        return order

    assert run(main) == ["thread@1.0", "timer@1.5"]


def test_current_clock_is_none_outside_a_virtual_loop() -> None:
    assert current_clock() is None

    async def main() -> VirtualClock | None:
        return current_clock()

    assert asyncio.run(main()) is None


def test_current_clock_is_found_from_the_loop_and_from_its_workers() -> None:
    async def main(clock: VirtualClock) -> list[bool]:
        in_thread = await asyncio.to_thread(current_clock)
        loop = asyncio.get_running_loop()
        in_executor = await loop.run_in_executor(None, current_clock)
        return [current_clock() is clock, in_thread is clock, in_executor is clock]

    assert run(main) == [True, True, True]


def test_clock_sleep_on_the_loop_thread_is_refused() -> None:
    async def main(clock: VirtualClock) -> None:
        clock.sleep(1)

    with pytest.raises(
        RuntimeError,
        match=r"^clock\.sleep\(\) was called on the event loop's own thread, where blocking",
    ):
        run(main)


def test_a_job_cancelled_while_running_keeps_time_still_until_it_returns() -> None:
    started, finished = threading.Event(), threading.Event()

    def work() -> None:
        started.set()
        time.sleep(0.05)
        finished.set()

    async def main(clock: VirtualClock) -> tuple[bool, float]:
        job = asyncio.ensure_future(asyncio.to_thread(work))
        await asyncio.to_thread(started.wait)  # the job runs: cancelling cannot stop it now
        job.cancel()
        await asyncio.sleep(0.01)
        # Time could reach 0.01 only after the orphaned thread returned.
        return finished.is_set(), clock.now()

    assert run(main) == (True, 0.01)


# ---- deadlock, budget, livelock ---------------------------------------------------------


def test_waiting_on_an_event_nobody_sets_raises_a_deadlock_at_once() -> None:
    async def main(clock: VirtualClock) -> float:
        await asyncio.sleep(2)
        with pytest.raises(VirtualTimeDeadlock, match=r"^virtual time deadlock at t=2\.0: 1 task"):
            await asyncio.Event().wait()
        return clock.now()

    assert run(main) == 2.0


# The deadlock message shows each stuck frame's source line, which traceback reads from disk
# when the message is built. Stuck coroutines defined in this file would show whatever line
# the file has *now*: an edit to it while the suite runs (a shared working tree) shifts the
# lines and fails the test by chance. So they are compiled from this text, which linecache
# serves as registered, without looking at any file.
_STUCK_FILE = "<stuck tasks>"
_STUCK_SOURCE = """\
import asyncio


async def wait_for(future):
    await future


async def wait_in_helper(future):
    await wait_for(future)


async def main(deadlock):
    asyncio.current_task().set_name("main")
    loop = asyncio.get_running_loop()
    helper = asyncio.create_task(wait_in_helper(loop.create_future()), name="helper")
    try:
        await wait_for(loop.create_future())
    except deadlock as error:
        try:
            await helper
        except deadlock:
            return str(error)
    raise AssertionError("no deadlock in both tasks")
"""


def test_a_deadlock_message_names_every_stuck_task_with_its_stack() -> None:
    namespace: dict[str, Any] = {}
    exec(compile(_STUCK_SOURCE, _STUCK_FILE, "exec"), namespace)
    lines = _STUCK_SOURCE.splitlines(keepends=True)
    linecache.cache[_STUCK_FILE] = (len(_STUCK_SOURCE), None, lines, _STUCK_FILE)
    try:
        message = VirtualClock().run(namespace["main"](VirtualTimeDeadlock))
    finally:
        linecache.cache.pop(_STUCK_FILE, None)
    assert message == (
        "virtual time deadlock at t=0.0: 2 task(s) wait, but no timer is set, no executor job "
        "is running and no real I/O is registered, so nothing can ever wake them. Set the "
        "event or result they wait for, or bound the wait with asyncio.timeout() to fail at "
        "a chosen virtual time.\nWaiting tasks (innermost await last):\n"
        "  task 'helper' running wait_in_helper():\n"
        '      File "<stuck tasks>", line 9, in wait_in_helper\n'
        "        await wait_for(future)\n"
        '      File "<stuck tasks>", line 5, in wait_for\n'
        "        await future\n"
        "  task 'main' running main():\n"
        '      File "<stuck tasks>", line 17, in main\n'
        "        await wait_for(loop.create_future())\n"
        '      File "<stuck tasks>", line 5, in wait_for\n'
        "        await future"
    )


def test_a_deadlock_message_shows_the_innermost_await_inside_asyncio_too() -> None:
    async def wait_forever(event: asyncio.Event) -> None:
        await event.wait()

    async def main(clock: VirtualClock) -> str:
        with pytest.raises(VirtualTimeDeadlock) as caught:
            await wait_forever(asyncio.Event())
        return str(caught.value)

    frames = run(main).split("Waiting tasks (innermost await last):\n", 1)[1].splitlines()
    # Only where each frame is, not its source text: see _STUCK_SOURCE for why.
    where = [line.strip().rsplit(", ", 1)[-1] for line in frames if line.startswith("      File")]
    assert where == ["in wrapper", "in main", "in wait_forever", "in wait"]


def test_deadlock_errors_are_harness_errors() -> None:
    assert issubclass(VirtualTimeDeadlock, HarnessError)
    assert issubclass(VirtualTimeLivelock, HarnessError)
    assert issubclass(VirtualTimeBudgetExceeded, HarnessError)
    assert issubclass(VirtualTimeBudgetExceeded, TimeoutError)


def test_a_bare_future_that_never_completes_fails_the_run() -> None:
    loop = VirtualTimeLoop()
    try:
        with pytest.raises(VirtualTimeDeadlock, match=r"^virtual time deadlock at t=0\.0: 0 task"):
            loop.run_until_complete(loop.create_future())
    finally:
        loop.close()


def test_the_budget_stops_the_clock_at_end_and_raises_a_timeout() -> None:
    async def main(clock: VirtualClock) -> float:
        with pytest.raises(
            VirtualTimeBudgetExceeded,
            match=(
                r"^virtual time budget exceeded: the next timer is due at t=30\.0 but the budget "
                r"ends at end=10\.0, where the clock stopped\. Raise end="
            ),
        ):
            await asyncio.sleep(30)
        return clock.now()

    assert run(main, end=10) == 10.0


def test_work_inside_the_budget_is_untouched() -> None:
    async def main(clock: VirtualClock) -> float:
        await asyncio.sleep(10)
        return clock.now()

    assert run(main, end=10) == 10.0


def test_a_spinning_task_is_reported_as_a_livelock() -> None:
    async def spin() -> None:
        while True:
            await asyncio.sleep(0)

    loop = VirtualTimeLoop(livelock_limit=500)
    try:
        with pytest.raises(
            VirtualTimeLivelock,
            match=r"^virtual time livelock: the loop ran 500 turns at t=0\.0 without time moving",
        ):
            loop.run_until_complete(spin())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        for task in asyncio.all_tasks(loop):
            task.cancel()
        loop.close()


def test_a_clock_drives_one_open_loop_at_a_time() -> None:
    clock = VirtualClock()
    loop = VirtualTimeLoop(clock)
    try:
        with pytest.raises(RuntimeError, match=r"^this VirtualClock already drives "):
            VirtualTimeLoop(clock)
    finally:
        loop.close()
    VirtualTimeLoop(clock).close()


def test_a_loop_takes_either_a_clock_or_start_and_end() -> None:
    with pytest.raises(
        TypeError,
        match=r"^VirtualTimeLoop got both clock= and start=/end=; pass start and end to the",
    ):
        VirtualTimeLoop(VirtualClock(), start=5)


def test_a_one_tick_sleep_is_due_at_once_as_in_asyncio_not_a_deadlock() -> None:
    async def main(clock: VirtualClock) -> int:
        await asyncio.sleep(1e-9)
        await asyncio.sleep(1e-9)
        return clock.ticks

    # asyncio runs a timer that is due within its clock resolution (1 ns = 1 tick) at once.
    assert run(main) == 0


def test_tasks_that_swallow_the_deadlock_and_wait_again_end_the_run() -> None:
    async def main(clock: VirtualClock) -> None:
        event = asyncio.Event()
        while True:
            with contextlib.suppress(VirtualTimeDeadlock):
                await event.wait()

    with pytest.raises(VirtualTimeDeadlock, match=r"^virtual time deadlock at t=0\.0: 1 task"):
        run(main)


def test_a_job_cancelled_before_it_starts_stops_holding_time() -> None:
    async def main(clock: VirtualClock) -> float:
        loop = asyncio.get_running_loop()
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            running = loop.run_in_executor(pool, time.sleep, 0.05)
            queued = loop.run_in_executor(pool, time.sleep, 10)  # never starts
            queued.cancel()
            await running
            await asyncio.sleep(3)
        return clock.now()

    assert run(main) == 3.0


def test_a_worker_left_parked_is_woken_while_the_executor_shuts_down() -> None:
    woke_at: list[float] = []

    def worker() -> None:
        clock = current_clock()
        assert clock is not None
        clock.sleep(5)
        woke_at.append(clock.now())

    async def main(clock: VirtualClock) -> float:
        # Not awaited: asyncio.run cancels the task, the thread stays parked, and the
        # executor shutdown must let virtual time reach its wake-up instead of hanging.
        asyncio.get_running_loop().run_in_executor(None, worker)
        await asyncio.sleep(1)
        return clock.now()

    assert run(main) == 1.0
    assert woke_at == [5.0]


def test_closing_the_loop_releases_a_parked_thread_with_an_error() -> None:
    clock = VirtualClock()
    loop = VirtualTimeLoop(clock)
    errors: list[str] = []

    def worker() -> None:
        try:
            clock.sleep(10)
        except RuntimeError as error:
            errors.append(str(error))

    executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        job = loop.run_in_executor(executor, worker)
        # The jump to 1.0 can only happen once the worker has parked (it is busy before).
        loop.run_until_complete(asyncio.sleep(1))
        job.cancel()
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
        executor.shutdown(wait=True)
    assert errors == [
        "the virtual-time loop closed while this thread slept in virtual time (clock.sleep); "
        "await the executor job before closing the loop"
    ]
    assert clock.now() == 1.0


def test_debug_mode_keeps_virtual_time_exact() -> None:
    clock = VirtualClock()

    async def main() -> float:
        await asyncio.gather(asyncio.sleep(1), asyncio.to_thread(time.sleep, 0.01))
        return clock.now()

    assert clock.run(main(), debug=True) == 1.0


@settings(deadline=None, max_examples=50)
@given(
    st.lists(st.integers(min_value=0, max_value=5_000), min_size=1, max_size=30),
    st.sampled_from([0, 1_709_591_365]),
)
def test_every_sleeper_wakes_at_exactly_its_own_deadline(millis: list[int], start: int) -> None:
    async def main(clock: VirtualClock) -> list[tuple[float, float]]:
        async def sleeper(ms: int) -> tuple[float, float]:
            await asyncio.sleep(ms / 1000)
            return ms / 1000, clock.now()

        return list(await asyncio.gather(*(sleeper(ms) for ms in millis)))

    assert run(main, start=start) == [(ms / 1000, ms / 1000) for ms in millis]


def test_an_absolute_deadline_with_float_noise_lands_on_its_nominal_tick() -> None:
    async def main(clock: VirtualClock) -> list[float]:
        seen = []
        await asyncio.sleep(0.1)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):  # deadline 0.1 + 0.2 == 0.30000000000000004
                await asyncio.sleep(1)
        seen.append(clock.now())
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        loop.call_at(loop.time() + 0.7, done.set_result, None)  # 1.0000000000000002... or so
        await done
        seen.append(clock.now())
        return seen

    assert run(main) == [0.3, 1.0]


@settings(deadline=None, max_examples=50)
@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=10**7))
def test_call_at_a_float_sum_of_milliseconds_fires_at_the_exact_sum(after: int, delay: int) -> None:
    async def main(clock: VirtualClock) -> float:
        await asyncio.sleep(after / 1000)
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        loop.call_at(loop.time() + delay / 1000, done.set_result, None)
        await done
        return clock.now()

    assert run(main) == (after + delay) / 1000


def test_timeouts_at_an_epoch_start_expire_on_their_ticks() -> None:
    async def main(clock: VirtualClock) -> list[float]:
        expired = []
        for seconds in (1, 2.5):
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(seconds):
                    await asyncio.sleep(100)
            expired.append(clock.now())
        return expired

    assert run(main, start=1_709_591_365) == [1.0, 3.5]


def test_a_job_holds_time_until_its_result_has_reached_the_loop() -> None:
    async def main(clock: VirtualClock) -> float:
        # Were the job released when its function returns rather than when its result
        # arrives, the idle loop could jump in between and fire these timeouts.
        for _ in range(300):
            async with asyncio.timeout(0.001):
                await asyncio.to_thread(int)
        return clock.now()

    assert run(main) == 0.0


def test_an_asyncio_runner_closes_the_loop_after_a_worker_thread_without_a_timeout() -> None:
    """Python 3.12+ closes a Runner with a 300 s (real) executor-join timeout.

    As a virtual deadline it would expire at once and warn that the executor did not
    join; the loop waits for the threads without it, as Python 3.11 always did.
    """
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        assert runner.run(asyncio.to_thread(lambda: "from a worker")) == "from a worker"
        loop = runner.get_loop()
    assert loop.is_closed()


def test_shutting_the_executor_down_takes_a_timeout_on_every_python_and_no_virtual_time() -> None:
    loop = VirtualTimeLoop()
    try:
        loop.run_until_complete(asyncio.to_thread(lambda: None))
        loop.run_until_complete(loop.shutdown_default_executor(timeout=300))
        assert loop.time() == 0.0
    finally:
        loop.close()
