"""The VirtualClock API on its own: ticks, advance, measure, sleep, run, the wall clock."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warpgraph.testing import (
    Chronometer,
    Measurement,
    VirtualClock,
    VirtualTimeLoop,
    VirtualTimeSession,
    _vt_chrono,
    current_clock,
)
from warpgraph.testing._clock import TICKS_PER_SECOND, duration_ticks


def test_a_new_clock_reads_zero_from_its_start() -> None:
    clock = VirtualClock(start=50, end=10)
    assert (clock.now(), clock.ticks, clock.start, clock.end) == (0.0, 0, 50.0, 10.0)
    assert repr(clock) == "VirtualClock(now=0.0, start=50.0, end=10.0)"


def test_durations_round_to_the_nearest_tick_absorbing_float_noise() -> None:
    assert duration_ticks(0.3) == 300_000_000
    assert duration_ticks(0.1 + 0.2) == 300_000_000
    assert duration_ticks(2) == 2 * TICKS_PER_SECOND
    assert duration_ticks(123456.1) == 123_456_100_000_000


def test_a_fraction_of_a_tick_rounds_up() -> None:
    assert duration_ticks(1.5e-9) == 2
    assert duration_ticks(1e-12) == 1


@given(st.integers(min_value=0, max_value=10**12))
def test_every_whole_number_of_microseconds_is_exact(micros: int) -> None:
    assert duration_ticks(micros / 1_000_000) == micros * 1_000


@given(st.lists(st.integers(min_value=0, max_value=10**6), max_size=50))
def test_repeated_advances_add_up_exactly(millis: list[int]) -> None:
    clock = VirtualClock()
    for step in millis:
        clock.advance(step / 1000)
    assert clock.ticks == sum(millis) * 1_000_000
    assert clock.now() == sum(millis) / 1000


def test_a_non_finite_duration_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^seconds must be a finite number of seconds, got nan$"):
        VirtualClock().advance(float("nan"))


def test_time_cannot_go_backwards() -> None:
    clock = VirtualClock()
    with pytest.raises(ValueError, match=r"^time can't go backwards: advance\(-1\) is negative$"):
        clock.advance(-1)
    with pytest.raises(ValueError, match=r"^time can't go backwards: sleep\(-0\.5\) is negative$"):
        clock.sleep(-0.5)


def test_the_budget_must_be_positive() -> None:
    with pytest.raises(
        ValueError, match=r"^end must be a positive number of seconds after start, got 0$"
    ):
        VirtualClock(end=0)


def test_advance_makes_due_timers_run_on_the_next_turn() -> None:
    clock = VirtualClock()

    async def main() -> list[float]:
        fired: list[float] = []
        loop = asyncio.get_running_loop()
        loop.call_later(5, lambda: fired.append(clock.now()))
        clock.advance(7)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return fired

    # The timer runs late, at the time the clock was moved to: that is what advance means.
    assert clock.run(main()) == [7.0]


def test_advance_from_another_thread_while_the_loop_runs_is_refused() -> None:
    clock = VirtualClock()
    errors: list[BaseException] = []

    def other_thread() -> None:
        try:
            clock.advance(1)
        except RuntimeError as error:
            errors.append(error)

    async def main() -> None:
        thread = threading.Thread(target=other_thread)
        thread.start()
        await asyncio.to_thread(thread.join)

    clock.run(main())
    assert [str(error) for error in errors] == [
        "VirtualClock.advance() was called from another thread while the loop runs; call it "
        "from the loop's thread, or use clock.sleep() in a worker thread"
    ]


def test_sleep_without_a_running_loop_simply_advances() -> None:
    clock = VirtualClock()
    clock.sleep(1.25)
    clock.sleep(0)
    assert clock.now() == 1.25


def test_measure_reads_live_and_freezes_at_exit() -> None:
    clock = VirtualClock()
    clock.advance(3)
    with clock.measure() as measurement:
        clock.advance(0.5)
        assert measurement.elapsed == 0.5
        clock.advance(0.25)
    clock.advance(10)
    assert isinstance(measurement, Measurement)
    assert (measurement.elapsed, measurement.elapsed_ticks) == (0.75, 750_000_000)
    assert repr(measurement) == "Measurement(elapsed=0.75, done)"


def test_measure_inside_a_run_measures_virtual_time() -> None:
    clock = VirtualClock()

    async def main() -> float:
        await asyncio.sleep(1)
        with clock.measure() as measurement:
            await asyncio.gather(asyncio.sleep(2), asyncio.sleep(3))
        return measurement.elapsed

    assert clock.run(main()) == 3.0


def test_run_returns_the_result_and_the_clock_carries_on_across_runs() -> None:
    clock = VirtualClock()

    async def nap(seconds: float) -> float:
        await asyncio.sleep(seconds)
        return clock.now()

    assert clock.run(nap(2)) == 2.0
    assert clock.run(nap(3)) == 5.0
    assert clock.loop is None


def test_a_loop_created_without_a_clock_brings_its_own() -> None:
    loop = VirtualTimeLoop(start=10, end=5)
    try:
        assert (loop.clock.start, loop.clock.end, loop.time()) == (10.0, 5.0, 10.0)
        assert loop.clock.loop is loop
    finally:
        loop.close()
    assert loop.clock.loop is None


def test_current_clock_is_none_in_a_plain_thread() -> None:
    found: list[VirtualClock | None] = [VirtualClock()]
    thread = threading.Thread(target=lambda: found.__setitem__(0, current_clock()))
    thread.start()
    thread.join()
    assert found == [None]


# ---- the wall clock ----------------------------------------------------------------------


def test_the_wall_clock_follows_the_clock_from_a_chosen_start() -> None:
    clock = VirtualClock()
    start = datetime(2024, 3, 4, 23, 0, tzinfo=UTC)
    with clock.patch_wall_clock(start):
        assert time.time() == 1_709_593_200.0
        clock.advance(3600.5)
        assert datetime.now(UTC) == datetime(2024, 3, 5, 0, 0, 0, 500_000, tzinfo=UTC)
        assert time.time_ns() == 1_709_596_800_500_000_000
    assert time.time() > 1_750_000_000  # real again (the real date is past mid-2025)


def test_a_naive_wall_clock_start_counts_as_utc() -> None:
    clock = VirtualClock()
    with clock.patch_wall_clock(datetime(2024, 3, 4, 23, 0)):
        assert time.time() == 1_709_593_200.0


def test_the_wall_clock_starts_at_the_time_already_passed() -> None:
    clock = VirtualClock()
    clock.advance(60)
    with clock.patch_wall_clock(1_000_000):
        assert time.time() == 1_000_060.0


def test_monotonic_time_stays_real_under_the_wall_clock() -> None:
    clock = VirtualClock()
    with clock.patch_wall_clock(0):
        before = time.monotonic()
        clock.advance(86_400)
        assert time.monotonic() - before < 60


def test_a_bad_wall_clock_start_is_refused() -> None:
    with (
        pytest.raises(
            TypeError,
            match=r"^wall_clock start must be a datetime, a Unix timestamp or None, got 'noon'$",
        ),
        VirtualClock().patch_wall_clock("noon"),  # type: ignore[arg-type]
    ):
        pass


# ---- the session and the chronometer -------------------------------------------------------


def test_a_session_runs_coroutines_on_one_loop_with_its_clock() -> None:
    async def which_loop() -> asyncio.AbstractEventLoop:
        await asyncio.sleep(1)
        return asyncio.get_running_loop()

    with VirtualTimeSession(start=5, wall_clock=False) as session:
        first = session.run(which_loop())
        second = session.run(which_loop())
        assert first is second is session.loop
        assert session.clock.now() == 2.0
    assert first.is_closed()


def test_a_session_refuses_a_bad_wall_clock_option() -> None:
    with pytest.raises(
        TypeError,
        match=r"^wall_clock must be True, False, a datetime or a Unix timestamp, got 'yes'$",
    ):
        VirtualTimeSession(wall_clock="yes")  # type: ignore[arg-type]


def test_a_chronometer_reads_the_real_performance_counter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    readings = iter([10.0, 12.5, 13.0, 20.0, 21.0])
    monkeypatch.setattr(_vt_chrono, "_perf_counter", lambda: next(readings))
    chronometer = Chronometer()  # starts at 10.0
    assert chronometer.elapsed == 2.5
    with chronometer:  # restarts at 13.0
        pass  # leaves at 20.0
    assert chronometer.elapsed == 7.0
    assert chronometer.elapsed == 7.0  # frozen: no further reading
    assert next(readings) == 21.0


def test_the_virtual_time_names_are_public() -> None:
    import warpgraph.testing as testing

    names = {
        "Chronometer",
        "Measurement",
        "VirtualClock",
        "VirtualTimeBudgetExceeded",
        "VirtualTimeDeadlock",
        "VirtualTimeLivelock",
        "VirtualTimeLoop",
        "VirtualTimeSession",
        "current_clock",
    }
    assert names <= set(testing.__all__)
    modules = {getattr(testing, name).__module__ for name in names}
    assert all(module.startswith("warpgraph.testing._") for module in modules)


def test_the_wall_clock_cannot_start_inside_freezegun_and_says_what_to_do() -> None:
    from freezegun import freeze_time

    with (
        freeze_time("2020-01-01"),
        pytest.raises(
            RuntimeError,
            match=(
                r"^the wall clock cannot follow virtual time: time-machine cannot start when "
                r"freezegun is active\. Start freeze_time\(\) inside the test instead, or leave "
                r"the wall clock alone with @pytest\.mark\.virtual_time\(wall_clock=False\)$"
            ),
        ),
        VirtualClock().patch_wall_clock(),
    ):
        pass
