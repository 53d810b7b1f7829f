"""The virtual loop's own timers: same-tick FIFO order, cancellation, exact times."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warpgraph.testing import (
    VirtualClock,
    VirtualTimeBudgetExceeded,
    VirtualTimeDeadlock,
    VirtualTimeLivelock,
    VirtualTimeLoop,
)
from warpgraph.testing._vt_timers import Timers


def run(main: Callable[[VirtualClock], Awaitable[Any]], **clock_options: Any) -> Any:
    clock = VirtualClock(**clock_options)

    async def wrapper() -> Any:
        return await main(clock)

    return clock.run(wrapper())


def test_a_thousand_timers_at_the_same_tick_run_in_the_order_they_were_set() -> None:
    async def main(clock: VirtualClock) -> tuple[list[int], float]:
        loop = asyncio.get_running_loop()
        fired: list[int] = []
        done = loop.create_future()
        for n in range(1000):
            loop.call_later(1.0, fired.append, n)
        loop.call_later(1.0, done.set_result, None)
        await done
        return fired, clock.now()

    assert run(main) == (list(range(1000)), 1.0)


def test_call_at_and_call_later_for_one_tick_share_one_first_in_first_out_order() -> None:
    async def main(clock: VirtualClock) -> list[tuple[str, float]]:
        loop = asyncio.get_running_loop()
        fired: list[tuple[str, float]] = []

        def note(name: str) -> None:
            fired.append((name, clock.now()))

        loop.call_later(0.3, note, "later 0.3")
        loop.call_at(loop.time() + 0.1 + 0.2, note, "at 0.1 + 0.2")  # 0.30000000000000004
        loop.call_later(0.1 + 0.2, note, "later 0.1 + 0.2")
        await asyncio.sleep(1)
        return fired

    assert run(main) == [("later 0.3", 0.3), ("at 0.1 + 0.2", 0.3), ("later 0.1 + 0.2", 0.3)]


def test_timers_set_out_of_order_run_by_deadline_and_in_set_order_within_one() -> None:
    async def main(clock: VirtualClock) -> list[tuple[str, float]]:
        loop = asyncio.get_running_loop()
        fired: list[tuple[str, float]] = []
        for name, delay in [("3a", 3), ("1a", 1), ("2a", 2), ("1b", 1), ("3b", 3.0)]:
            loop.call_later(delay, lambda name=name: fired.append((name, clock.now())))
        await asyncio.sleep(5)
        return fired

    assert run(main) == [("1a", 1.0), ("1b", 1.0), ("2a", 2.0), ("3a", 3.0), ("3b", 3.0)]


def test_cancelled_timers_among_same_tick_timers_are_skipped_and_the_rest_keep_order() -> None:
    async def main(clock: VirtualClock) -> list[int]:
        loop = asyncio.get_running_loop()
        fired: list[int] = []
        handles = [loop.call_later(1, fired.append, n) for n in range(6)]
        for n in (0, 2, 5):
            handles[n].cancel()
        await asyncio.sleep(1)
        await asyncio.sleep(0)
        return fired

    assert run(main) == [1, 3, 4]


def test_a_timer_cancelled_by_an_earlier_timer_of_the_same_tick_does_not_run() -> None:
    async def main(clock: VirtualClock) -> list[str]:
        loop = asyncio.get_running_loop()
        fired: list[str] = []

        def first() -> None:
            fired.append("first")
            second.cancel()

        loop.call_later(1, first)
        second = loop.call_later(1, fired.append, "second")
        loop.call_later(1, fired.append, "third")
        await asyncio.sleep(2)
        return fired

    assert run(main) == ["first", "third"]


def test_a_tick_whose_timers_are_all_cancelled_is_not_a_deadline_to_jump_to() -> None:
    async def main(clock: VirtualClock) -> float:
        loop = asyncio.get_running_loop()
        for handle in [loop.call_later(3, lambda: None) for _ in range(100)]:
            handle.cancel()
        # A jump to 3.0 would overrun the budget of 2.5 and fail this sleep.
        await asyncio.sleep(2)
        return clock.now()

    assert run(main, end=2.5) == 2.0


def test_waiting_with_only_cancelled_timers_left_is_a_deadlock_where_time_stands() -> None:
    async def main(clock: VirtualClock) -> None:
        loop = asyncio.get_running_loop()
        handles = [loop.call_later(3, lambda: None) for _ in range(100)]
        handles.append(loop.call_later(1.5, lambda: None))
        for handle in handles:
            handle.cancel()
        await asyncio.Event().wait()

    with pytest.raises(VirtualTimeDeadlock, match=r"^virtual time deadlock at t=0\.0: 1 task"):
        run(main)


def test_a_timer_for_now_runs_after_the_callbacks_already_ready_and_time_holds() -> None:
    async def main(clock: VirtualClock) -> tuple[list[str], float]:
        loop = asyncio.get_running_loop()
        fired: list[str] = []
        await asyncio.sleep(0.01)
        loop.call_later(0, fired.append, "zero")
        loop.call_soon(fired.append, "soon")
        loop.call_later(-1, fired.append, "past")  # due earlier than "zero", as in asyncio
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return fired, clock.now()

    # The same order as a plain asyncio loop gives.
    assert run(main) == (["soon", "past", "zero"], 0.01)


def test_the_same_float_delay_again_and_again_stays_exact() -> None:
    async def main(clock: VirtualClock) -> list[float]:
        seen = []
        for _ in range(4):
            await asyncio.sleep(0.1)
            seen.append(clock.now())
        await asyncio.sleep(1e-9)  # one tick, due at once as in asyncio
        seen.append(clock.now())
        await asyncio.sleep(0.1)
        seen.append(clock.now())
        return seen

    assert run(main) == [0.1, 0.2, 0.3, 0.4, 0.4, 0.5]


def test_the_loop_lets_go_of_a_timer_as_soon_as_it_has_fired() -> None:
    async def main(clock: VirtualClock) -> bool:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        handle = loop.call_later(1, done.set_result, None)
        await done
        fired = weakref.ref(handle)
        del handle
        # No cycle holds a handle: once the loop drops it, it is gone without a collection.
        return fired() is None

    assert run(main) is True


def test_sleeps_share_their_loops_context_and_other_timers_still_run_in_the_callers() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    seen: list[str] = []

    async def sleeper(name: str) -> tuple[str, float]:
        var.set(name)
        loop = asyncio.get_running_loop()
        loop.call_later(0.5, lambda: seen.append(var.get()))  # a copy of this task's context
        await asyncio.sleep(1.0)
        return var.get(), loop.time()

    async def main(clock: VirtualClock) -> Any:
        loop = asyncio.get_running_loop()
        start = loop.time()
        tasks = [asyncio.create_task(sleeper(name)) for name in ("a", "b")]
        await asyncio.sleep(0)  # both are asleep now
        timers = loop._timers._buckets[clock.ticks + 10**9]
        contexts = {id(timer._context) for timer in timers}
        own = {timer._context is loop._sleep_context for timer in timers}
        results = await asyncio.gather(*tasks)
        return len(contexts), own, [(name, at - start) for name, at in results]

    shared, own, results = run(main)
    assert shared == 1  # the two sleeps' timers hold one context between them
    assert own == {True}  # ... their loop's: loops in two threads never share one
    assert results == [("a", 1.0), ("b", 1.0)]  # each task woke in its own context
    assert seen == ["a", "b"]
    first, second = VirtualTimeLoop(), VirtualTimeLoop()
    try:
        assert first._sleep_context is not second._sleep_context
    finally:
        first.close()
        second.close()


def test_a_pending_sleep_holds_no_argument_tuple_and_still_wakes_with_its_result() -> None:
    async def main(clock: VirtualClock) -> Any:
        loop = asyncio.get_running_loop()
        sleeps = [asyncio.create_task(asyncio.sleep(1, result=n)) for n in range(3)]
        await asyncio.sleep(0)
        (timers,) = loop._timers._buckets.values()
        tuples = [
            r for t in timers for r in gc.get_referents(t) if type(r) is tuple and gc.is_tracked(r)
        ]
        sleeps[1].cancel()
        done = await asyncio.gather(*sleeps, return_exceptions=True)
        return tuples, done, loop.time()

    tuples, done, now = run(main)
    assert tuples == []
    assert (done[0], done[2]) == (0, 2)
    assert isinstance(done[1], asyncio.CancelledError)
    assert now == 1.0


def test_a_chain_of_zero_delay_timers_is_reported_as_a_livelock() -> None:
    loop = VirtualTimeLoop(livelock_limit=500)

    def again() -> None:
        loop.call_later(0, again)

    try:
        loop.call_later(0, again)
        with pytest.raises(
            VirtualTimeLivelock,
            match=r"^virtual time livelock: the loop ran 500 turns at t=0\.0 without time moving",
        ):
            loop.run_until_complete(loop.create_future())
    finally:
        loop.close()


def test_a_timer_beyond_the_budget_among_same_tick_timers_stops_the_clock_at_the_end() -> None:
    async def main(clock: VirtualClock) -> float:
        with pytest.raises(VirtualTimeBudgetExceeded):
            await asyncio.gather(*(asyncio.sleep(2) for _ in range(50)))
        return clock.now()

    assert run(main, end=1.5) == 1.5


def test_a_closed_loop_refuses_new_timers_as_asyncio_does() -> None:
    loop = VirtualTimeLoop()
    loop.call_later(1, lambda: None)
    loop.close()
    with pytest.raises(RuntimeError, match=r"^Event loop is closed$"):
        loop.call_later(1, lambda: None)
    with pytest.raises(RuntimeError, match=r"^Event loop is closed$"):
        loop.call_at(5, lambda: None)


def test_debug_mode_still_refuses_a_coroutine_function_as_a_timer_callback() -> None:
    async def not_a_callback() -> None:
        pass

    loop = VirtualTimeLoop()
    loop.set_debug(True)
    try:
        with pytest.raises(TypeError, match=r"^coroutines cannot be used with call_at\(\)$"):
            loop.call_later(1, not_a_callback)
    finally:
        loop.close()


def test_timers_set_and_cancelled_over_and_over_do_not_pile_up() -> None:
    loop = VirtualTimeLoop()
    timers = Timers(origin=0)
    sizes = set()
    try:
        for tick in range(10_000):
            timers.add(tick + 1, lambda: None, (), loop, None, contextvars.Context()).cancel()
            sizes.add(len(timers))
        # Swept each time the store passes 1024: the newest timer is still live then.
        assert (min(sizes), max(sizes)) == (1, 1024)
        assert timers.next_deadline() is None
        assert len(timers) == 0
    finally:
        loop.close()


@settings(deadline=None, max_examples=60)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=40), st.booleans()), min_size=1, max_size=50
    ),
    st.sampled_from([0, 1_709_591_365]),
)
def test_every_live_timer_runs_at_its_exact_time_by_deadline_then_set_order(
    timers: list[tuple[int, bool]], start: int
) -> None:
    async def main(clock: VirtualClock) -> list[tuple[int, float]]:
        loop = asyncio.get_running_loop()
        fired: list[tuple[int, float]] = []
        handles = [
            loop.call_later(millis / 1000, lambda n=n: fired.append((n, clock.now())))
            for n, (millis, _) in enumerate(timers)
        ]
        for handle, (_, cancel) in zip(handles, timers, strict=True):
            if cancel:
                handle.cancel()
        await asyncio.sleep(0.05)
        return fired

    live = [n for n, (_, cancel) in enumerate(timers) if not cancel]
    expected = [(n, timers[n][0] / 1000) for n in sorted(live, key=lambda n: timers[n][0])]
    assert run(main, start=start) == expected
