"""The text Gantt chart: rows, nesting, alignment and times."""

from __future__ import annotations

import pytest

from warpgraph.runtime import Event, RunFinished, RunStarted, TaskFinished, TaskStarted
from warpgraph.testing import Trace
from warpgraph.testing._gantt import format_seconds, time_decimals
from warpgraph.testing._trace_script import ScriptedCall, ScriptedTask, scripted_run


def test_calls_nest_under_their_task_and_bars_share_one_axis() -> None:
    summarize = ScriptedTask("summarize", 1.0, calls=(ScriptedCall("llm", "gpt", 0.0, 0.75),))
    lookup = ScriptedTask("lookup", 0.5, calls=(ScriptedCall("tool", "search", 0.25, 0.25),))
    trace = Trace(scripted_run([[summarize, lookup]], graph="demo"))
    assert trace.gantt(width=20) == (
        "Gantt chart, seconds from the first start (█ running, | took no time):\n"
        "                    0 s           1.00 s\n"
        "run demo            ████████████████████  0.00 → 1.00 s\n"
        "  step 0 summarize  ████████████████████  0.00 → 1.00 s\n"
        "    llm gpt         ███████████████·····  0.00 → 0.75 s\n"
        "  step 0 lookup     ██████████··········  0.00 → 0.50 s\n"
        "    tool search     ·····█████··········  0.25 → 0.50 s"
    )


def test_every_time_is_printed_with_the_same_decimals() -> None:
    trace = Trace(scripted_run([[("a", 0.125)], [("b", 1.0)]]))
    rows = trace.gantt().splitlines()[2:]
    assert [row.split("  ")[-1] for row in rows] == [
        "0.000 → 1.125 s",
        "0.000 → 0.125 s",
        "0.125 → 1.125 s",
    ]


def test_a_task_that_took_no_time_is_a_single_mark() -> None:
    trace = Trace(scripted_run([[("a", 1.0)], [("join", 0.0)]]))
    assert trace.gantt(width=10).splitlines()[-1] == "  step 1 join  ·········|  1.0 → 1.0 s"


def test_a_run_that_took_no_time_at_all_still_draws() -> None:
    trace = Trace(scripted_run([[("a", 0.0)]]))
    assert trace.gantt(width=10).splitlines()[-1] == "  step 0 a  |·········  0.0 → 0.0 s"


def test_a_failed_task_shows_its_error() -> None:
    trace = Trace(scripted_run([[ScriptedTask("fetch", 1.0, error=KeyError("url"))]]))
    assert trace.gantt(width=10).splitlines()[-1] == (
        "  step 0 fetch  ██████████  0.0 → 1.0 s  ✗ KeyError: 'url'"
    )


def test_an_unfinished_task_is_marked() -> None:
    events: list[Event] = [
        RunStarted("r", "g", None, 0.0),
        TaskStarted("r", "t", "slow", 0, None, 1, 0.0),
        TaskStarted("r", "u", "quick", 0, None, 1, 0.0),
        TaskFinished("r", "u", "quick", 0, None, 1, 2.0, "ok"),
    ]
    assert Trace(events).gantt(width=10).splitlines()[3] == (
        "  step 0 slow   ██████████  0.0 → 2.0 s  (unfinished)"
    )


def test_a_clock_that_did_not_start_at_zero_is_counted_from_the_first_start() -> None:
    trace = Trace(scripted_run([[("a", 1.5)]], start=1000.25))
    lines = trace.gantt(width=10).splitlines()
    assert lines[0] == (
        "Gantt chart, seconds from the first start (█ running, | took no time; "
        "0 = loop time 1000.25):"
    )
    assert lines[-1] == "  step 0 a  ██████████  0.0 → 1.5 s"


def test_a_subgraph_run_nests_under_the_task_that_called_it() -> None:
    events = scripted_run([[("call_sub", 1.0)]], run_id="outer")
    inner: list[Event] = [
        RunStarted("inner", "sub", "outer/0/call_sub", 0.0),
        TaskStarted("inner", "i1", "leaf", 0, None, 1, 0.0),
        TaskFinished("inner", "i1", "leaf", 0, None, 1, 1.0, "ok"),
        RunFinished("inner", 1.0, "ok"),
    ]
    trace = Trace([*events[:3], *inner, *events[3:]])
    labels = [row.split("  █")[0].rstrip() for row in trace.gantt(width=10).splitlines()[2:]]
    assert labels == ["run graph", "  step 0 call_sub", "    run sub", "      step 0 leaf"]


def test_an_empty_trace_says_so() -> None:
    assert Trace().gantt() == "Gantt chart: no spans were recorded"


def test_a_chart_needs_room_for_its_bars() -> None:
    with pytest.raises(ValueError, match=r"^Gantt width must be at least 10 columns, got 3$"):
        Trace().gantt(width=3)


@pytest.mark.parametrize(
    ("ns", "text"),
    [(0, "0.0"), (1_000_000_000, "1.0"), (250_000_000, "0.25"), (1_234, "0.000001")],
)
def test_seconds_print_with_the_fewest_exact_decimals_up_to_microseconds(
    ns: int, text: str
) -> None:
    assert format_seconds(ns) == text


def test_the_shared_decimals_cover_every_value() -> None:
    assert time_decimals([0, 500_000_000, 1_125_000_000]) == 3
    assert time_decimals([]) == 1
