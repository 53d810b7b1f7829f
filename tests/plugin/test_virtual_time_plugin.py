"""The virtual-time pytest plugin, exercised through pytester: marker, ini, fixtures, hooks."""

from __future__ import annotations

import pytest

# Inner runs load only what virtual time needs: the other plugins cost seconds per run.
QUIET = ("-p", "no:warpgraph._pytest.bench", "-p", "no:hypothesispytest", "-p", "no:benchmark")
WITH_ASYNCIO: tuple[str, ...] = QUIET  # pytest-asyncio loads through its entry point
WITHOUT_ASYNCIO: tuple[str, ...] = (*QUIET, "-p", "no:asyncio")
BOTH = pytest.mark.parametrize(
    "plugins", [WITH_ASYNCIO, WITHOUT_ASYNCIO], ids=["pytest-asyncio", "no-pytest-asyncio"]
)


def make_ini(
    pytester: pytest.Pytester, *extra: str, plugins: tuple[str, ...] = WITH_ASYNCIO
) -> None:
    asyncio_options = (
        ["asyncio_mode = auto", "asyncio_default_fixture_loop_scope = function"]
        if plugins == WITH_ASYNCIO
        else []
    )
    lines = ["[pytest]", *asyncio_options, "filterwarnings = error", *extra]
    pytester.makeini("\n".join(lines) + "\n")


@BOTH
def test_a_marked_async_test_runs_on_virtual_time(
    pytester: pytest.Pytester, plugins: tuple[str, ...]
) -> None:
    make_ini(pytester, plugins=plugins)
    pytester.makepyfile(
        """
        import asyncio
        import pytest
        from warpgraph.testing import VirtualTimeLoop

        @pytest.mark.virtual_time
        async def test_parallel_sleeps(vclock, chronometer):
            assert isinstance(asyncio.get_running_loop(), VirtualTimeLoop)
            await asyncio.gather(*(asyncio.sleep(1) for _ in range(3)))
            assert vclock.now() == 1.0
            assert chronometer.elapsed < 5
        """
    )
    result = pytester.runpytest(*plugins)
    result.assert_outcomes(passed=1)


@BOTH
def test_async_fixtures_share_the_tests_loop_and_clock(
    pytester: pytest.Pytester, plugins: tuple[str, ...]
) -> None:
    make_ini(pytester, plugins=plugins)
    pytester.makepyfile(
        """
        import asyncio
        import pytest

        @pytest.fixture
        async def warmed_up(vclock):
            await asyncio.sleep(2)
            yield asyncio.get_running_loop(), vclock.now()
            await asyncio.sleep(1)
            assert vclock.now() == 4.0

        @pytest.fixture
        async def value():
            await asyncio.sleep(0.5)
            return "ready"

        @pytest.mark.virtual_time
        async def test_fixture_and_test_share(warmed_up, value, vclock):
            loop, at = warmed_up
            assert loop is asyncio.get_running_loop()
            assert (at, value) == (2.0, "ready")
            await asyncio.sleep(0.5)
            assert vclock.now() == 3.0
        """
    )
    result = pytester.runpytest(*plugins)
    result.assert_outcomes(passed=1)


@BOTH
def test_asking_for_vclock_puts_a_test_on_virtual_time(
    pytester: pytest.Pytester, plugins: tuple[str, ...]
) -> None:
    make_ini(pytester, plugins=plugins)
    pytester.makepyfile(
        """
        import asyncio

        async def test_uses_vclock(vclock):
            await asyncio.sleep(60)
            assert vclock.now() == 60.0
        """
    )
    result = pytester.runpytest(*plugins)
    result.assert_outcomes(passed=1)


def test_marked_mode_leaves_unmarked_async_tests_on_a_real_loop(pytester: pytest.Pytester) -> None:
    make_ini(pytester)
    pytester.makepyfile(
        """
        import asyncio
        from warpgraph.testing import VirtualTimeLoop

        async def test_unmarked():
            assert not isinstance(asyncio.get_running_loop(), VirtualTimeLoop)
        """
    )
    result = pytester.runpytest(*WITH_ASYNCIO)
    result.assert_outcomes(passed=1)


@BOTH
def test_auto_mode_runs_every_async_test_on_virtual_time(
    pytester: pytest.Pytester, plugins: tuple[str, ...]
) -> None:
    make_ini(pytester, "virtual_time = auto", plugins=plugins)
    pytester.makepyfile(
        """
        import asyncio
        from warpgraph.testing import VirtualTimeLoop, current_clock

        async def test_unmarked():
            assert isinstance(asyncio.get_running_loop(), VirtualTimeLoop)
            await asyncio.sleep(3600)
            assert current_clock().now() == 3600.0

        def test_sync_tests_stay_as_they_are():
            assert current_clock() is None
        """
    )
    result = pytester.runpytest(*plugins)
    result.assert_outcomes(passed=2)


def test_the_command_line_option_overrides_the_ini(pytester: pytest.Pytester) -> None:
    make_ini(pytester, "virtual_time = marked")
    pytester.makepyfile(
        """
        import asyncio
        from warpgraph.testing import VirtualTimeLoop

        async def test_unmarked():
            assert isinstance(asyncio.get_running_loop(), VirtualTimeLoop)
        """
    )
    result = pytester.runpytest(*WITH_ASYNCIO, "--virtual-time=auto")
    result.assert_outcomes(passed=1)


def test_off_mode_makes_vclock_fail_with_the_fix(pytester: pytest.Pytester) -> None:
    make_ini(pytester, "virtual_time = off")
    pytester.makepyfile(
        """
        async def test_wants_the_clock(vclock):
            pass
        """
    )
    result = pytester.runpytest(*WITH_ASYNCIO)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*vclock needs virtual time, but virtual_time = off; set the ini option "
            "virtual_time to marked or auto (or pass --virtual-time=marked)"
        ]
    )


def test_an_unknown_mode_is_a_usage_error(pytester: pytest.Pytester) -> None:
    make_ini(pytester, "virtual_time = always")
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest(*QUIET)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*virtual_time = 'always' is not a mode; set the ini option virtual_time "
            "(or --virtual-time) to one of: auto, marked, off"
        ]
    )


def test_bad_marker_options_are_named_with_the_fix(pytester: pytest.Pytester) -> None:
    make_ini(pytester)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.virtual_time(begin=5, speed=2)
        async def test_typo():
            pass

        @pytest.mark.virtual_time(end=-1)
        async def test_negative_budget():
            pass

        @pytest.mark.virtual_time(30)
        async def test_positional():
            pass
        """
    )
    result = pytester.runpytest(*WITH_ASYNCIO)
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(
        [
            "*test_bad_marker_options_are_named_with_the_fix.py::test_typo: "
            "@pytest.mark.virtual_time got unknown option(s) begin, speed; it takes start=, "
            "end= and wall_clock=",
            "*test_bad_marker_options_are_named_with_the_fix.py::test_negative_budget: "
            "@pytest.mark.virtual_time: end must be a positive number of seconds after start, "
            "got -1",
            "*test_bad_marker_options_are_named_with_the_fix.py::test_positional: "
            "@pytest.mark.virtual_time takes keyword arguments only (start=, end=, "
            "wall_clock=), got positional (30,)",
        ]
    )


def test_the_options_are_in_the_warpgraph_help_group(pytester: pytest.Pytester) -> None:
    make_ini(pytester)
    result = pytester.runpytest(*QUIET, "--help")
    result.stdout.fnmatch_lines(
        [
            "warpgraph:",
            "*--virtual-time={auto,marked,off}",
            "*which tests run on the virtual-time loop: auto (every",
        ]
    )
    result.stdout.fnmatch_lines(["*virtual_time (string):*"])


def test_the_marker_is_registered_with_its_usage(pytester: pytest.Pytester) -> None:
    make_ini(pytester)
    result = pytester.runpytest(*QUIET, "--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.virtual_time(start=0, end=None, wall_clock=True): run this test on*"]
    )


@BOTH
def test_start_and_end_come_from_the_marker(
    pytester: pytest.Pytester, plugins: tuple[str, ...]
) -> None:
    make_ini(pytester, plugins=plugins)
    pytester.makepyfile(
        """
        import asyncio
        import pytest
        from warpgraph.testing import VirtualTimeBudgetExceeded

        @pytest.mark.virtual_time(start=1_709_591_365, end=10)
        async def test_budget(vclock):
            assert asyncio.get_running_loop().time() == 1_709_591_365.0
            await asyncio.sleep(1)
            assert vclock.now() == 1.0
            with pytest.raises(VirtualTimeBudgetExceeded):
                await asyncio.sleep(60)
            assert vclock.now() == 10.0
        """
    )
    result = pytester.runpytest(*plugins)
    result.assert_outcomes(passed=1)


@BOTH
def test_a_deadlocked_test_fails_with_the_stuck_tasks_named(
    pytester: pytest.Pytester, plugins: tuple[str, ...]
) -> None:
    make_ini(pytester, plugins=plugins)
    pytester.makepyfile(
        """
        import asyncio
        import pytest

        @pytest.mark.virtual_time
        async def test_waits_forever():
            await asyncio.Event().wait()
        """
    )
    result = pytester.runpytest(*plugins)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*VirtualTimeDeadlock: virtual time deadlock at t=0.0: 1 task(s) wait*",
            "*task 'Task-*' running test_waits_forever():",
            "*await asyncio.Event().wait()",
        ]
    )


@BOTH
def test_the_wall_clock_follows_virtual_time(
    pytester: pytest.Pytester, plugins: tuple[str, ...]
) -> None:
    make_ini(pytester, plugins=plugins)
    pytester.makepyfile(
        """
        import asyncio
        import time
        from datetime import date, datetime, timedelta, timezone
        import pytest

        @pytest.mark.virtual_time
        async def test_follows_from_now(vclock):
            before = datetime.now()
            await asyncio.sleep(7200)
            assert datetime.now() - before == timedelta(hours=2)

        @pytest.mark.virtual_time(wall_clock=datetime(2024, 3, 4, 23, 0, tzinfo=timezone.utc))
        async def test_follows_from_a_chosen_start(vclock):
            assert time.time() == 1709593200.0
            await asyncio.sleep(3600)
            assert datetime.now(timezone.utc) == datetime(2024, 3, 5, 0, 0, tzinfo=timezone.utc)
            assert date.today() == date(2024, 3, 5) or time.timezone != 0

        @pytest.mark.virtual_time(wall_clock=False)
        async def test_can_be_left_alone(vclock):
            before = time.time()
            await asyncio.sleep(7200)
            assert time.time() - before < 60
        """
    )
    result = pytester.runpytest(*plugins)
    result.assert_outcomes(passed=3)


def test_code_using_freezegun_still_runs_on_virtual_time(pytester: pytest.Pytester) -> None:
    make_ini(pytester)
    pytester.makepyfile(
        """
        import asyncio
        import time
        from datetime import datetime
        import pytest
        from freezegun import freeze_time

        @pytest.mark.virtual_time
        async def test_frozen_inside(vclock):
            with freeze_time("2020-01-01 12:00:00"):
                frozen = time.monotonic()
                await asyncio.sleep(5)
                assert vclock.now() == 5.0
                assert time.monotonic() == frozen
                assert datetime.now() == datetime(2020, 1, 1, 12, 0, 0)
            await asyncio.sleep(1)
            assert vclock.now() == 6.0
        """
    )
    result = pytester.runpytest(*WITH_ASYNCIO)
    result.assert_outcomes(passed=1)


def test_strict_mode_tests_without_the_asyncio_marker_still_run(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    pytester.makepyfile(
        """
        import asyncio
        import pytest

        @pytest.mark.virtual_time
        async def test_only_virtual_time(vclock):
            await asyncio.sleep(2)
            assert vclock.now() == 2.0

        @pytest.mark.asyncio
        @pytest.mark.virtual_time
        async def test_both_markers(vclock):
            await asyncio.sleep(3)
            assert vclock.now() == 3.0
        """
    )
    result = pytester.runpytest(*WITH_ASYNCIO)
    result.assert_outcomes(passed=2)


def test_a_sync_test_can_drive_the_clock_itself(pytester: pytest.Pytester) -> None:
    make_ini(pytester)
    pytester.makepyfile(
        """
        import asyncio

        def test_sync(vclock):
            async def main():
                await asyncio.sleep(4)
            vclock.run(main())
            vclock.sleep(1)
            assert vclock.now() == 5.0
        """
    )
    result = pytester.runpytest(*WITH_ASYNCIO)
    result.assert_outcomes(passed=1)


def test_each_test_gets_a_fresh_clock(pytester: pytest.Pytester) -> None:
    make_ini(pytester)
    pytester.makepyfile(
        """
        import asyncio
        import pytest

        @pytest.mark.virtual_time
        @pytest.mark.parametrize("n", [1, 2, 3])
        async def test_fresh(vclock, n):
            assert vclock.now() == 0.0
            await asyncio.sleep(n)
            assert vclock.now() == n
        """
    )
    result = pytester.runpytest(*WITH_ASYNCIO)
    result.assert_outcomes(passed=3)


def test_a_loop_shared_across_tests_is_refused_with_the_fix(pytester: pytest.Pytester) -> None:
    make_ini(pytester)
    pytester.makepyfile(
        """
        import asyncio
        import pytest

        pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.virtual_time]

        async def test_first(vclock):
            await asyncio.sleep(1)
            assert vclock.now() == 1.0

        async def test_second(vclock):
            await asyncio.sleep(1)
        """
    )
    result = pytester.runpytest(*WITH_ASYNCIO)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_second: a virtual-time test needs its own loop, but pytest-asyncio runs it "
            "on a loop shared with other tests (loop_scope wider than function); give it "
            "@pytest.mark.asyncio(loop_scope='function')"
        ]
    )


def test_an_async_fixture_that_yields_twice_is_named(pytester: pytest.Pytester) -> None:
    make_ini(pytester, plugins=WITHOUT_ASYNCIO)
    pytester.makepyfile(
        """
        import asyncio
        import pytest

        @pytest.fixture
        async def twice():
            yield 1
            yield 2

        @pytest.mark.virtual_time
        async def test_uses_it(twice):
            assert twice == 1
        """
    )
    result = pytester.runpytest(*WITHOUT_ASYNCIO)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ValueError: async fixture 'twice' yielded more than once; an async generator "
            "fixture must yield exactly once"
        ]
    )
