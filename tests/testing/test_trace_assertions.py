"""Trace assertions: when they pass, and what their failures tell the reader."""

from __future__ import annotations

import pytest

from warpgraph.errors import HarnessError
from warpgraph.testing import Trace, TraceAssertionError
from warpgraph.testing._trace_script import ScriptedCall, ScriptedTask, scripted_run

SEQUENTIAL = Trace(scripted_run([[("summarize", 1.0)], [("analyze", 1.0)]]))
FAN_OUT = Trace(scripted_run([[("summarize", 1.0), ("analyze", 1.0)], [("join", 0.0)]]))

SEQUENTIAL_GANTT = """\
Gantt chart, seconds from the first start (█ running, | took no time):
                    0 s                                                    2.0 s
run graph           ████████████████████████████████████████████████████████████  0.0 → 2.0 s
  step 0 summarize  ██████████████████████████████······························  0.0 → 1.0 s
  step 1 analyze    ······························██████████████████████████████  1.0 → 2.0 s"""


def test_a_trace_assertion_error_is_an_assertion_error_of_the_harness() -> None:
    assert issubclass(TraceAssertionError, AssertionError)
    assert issubclass(TraceAssertionError, HarnessError)


def test_assert_parallel_passes_when_the_nodes_ran_together() -> None:
    FAN_OUT.assert_parallel("summarize", "analyze")


def test_assert_parallel_on_a_pipeline_says_what_ran_when_and_draws_it() -> None:
    with pytest.raises(TraceAssertionError) as caught:
        SEQUENTIAL.assert_parallel("summarize", "analyze")
    assert str(caught.value) == (
        "expected summarize, analyze to run in parallel, but these never ran at the same time:\n"
        "  summarize (step 0, 0.0 → 1.0 s) and analyze (step 1, 1.0 → 2.0 s)\n"
        "\n" + SEQUENTIAL_GANTT
    )


def test_assert_parallel_lists_only_the_pairs_that_never_overlapped() -> None:
    trace = Trace(scripted_run([[("a", 1.0), ("b", 1.0)], [("c", 1.0)]]))
    with pytest.raises(TraceAssertionError, match=r"(?s)^expected a, b, c .*time:\n  a .*\n  b "):
        trace.assert_parallel("a", "b", "c")
    with pytest.raises(TraceAssertionError) as caught:
        trace.assert_parallel("a", "b", "c")
    assert "a (step 0" in str(caught.value)
    assert " and c (step 1, 1.0 → 2.0 s)" in str(caught.value)
    assert "and b (" not in str(caught.value)


def test_assert_parallel_mentions_repeated_runs_of_a_node() -> None:
    trace = Trace(scripted_run([[("a", 1.0)], [("b", 1.0)], [("a", 1.0)]]))
    with pytest.raises(
        TraceAssertionError, match=r"^.*\n  a \(step 0, 0.0 → 1.0 s, \+1 more\) and b"
    ):
        trace.assert_parallel("a", "b")


def test_an_assertion_naming_a_node_that_never_ran_lists_the_nodes_that_did() -> None:
    with pytest.raises(
        TraceAssertionError,
        match=r"^assert_parallel\(summarize, analyse\): analyse never ran; "
        r"nodes that ran: analyze, summarize\n\nGantt chart",
    ):
        SEQUENTIAL.assert_parallel("summarize", "analyse")


def test_an_assertion_on_an_empty_trace_says_how_to_record_runs() -> None:
    with pytest.raises(
        TraceAssertionError,
        match=r"^assert_sequential\(a, b\): no run was recorded; run the graph inside the test "
        r"while the trace is subscribed \(the graph_trace fixture, or "
        r"`with warpgraph.observe\(trace\):`\)\n\nGantt chart: no spans were recorded$",
    ):
        Trace().assert_sequential("a", "b")


@pytest.mark.parametrize("check", ["assert_parallel", "assert_sequential", "assert_order"])
def test_node_assertions_need_two_names(check: str) -> None:
    with pytest.raises(ValueError, match=rf"^{check} needs at least two node names, got \['a'\]$"):
        getattr(SEQUENTIAL, check)("a")


def test_assert_sequential_passes_on_a_pipeline_and_fails_on_a_fan_out() -> None:
    SEQUENTIAL.assert_sequential("summarize", "analyze")
    with pytest.raises(
        TraceAssertionError,
        match=r"^expected summarize, analyze to run one at a time, but these ran at the same "
        r"time:\n  summarize \(step 0, 0.0 → 1.0 s\) and analyze \(step 0, 0.0 → 1.0 s\)\n\n",
    ):
        FAN_OUT.assert_sequential("summarize", "analyze")


def test_assert_order_checks_each_node_finished_before_the_next_started() -> None:
    SEQUENTIAL.assert_order("summarize", "analyze")
    FAN_OUT.assert_order("analyze", "join")
    with pytest.raises(
        TraceAssertionError,
        match=r"^expected analyze → summarize, but summarize started at 0.0 s \(step 0\) before "
        r"analyze finished at 2.0 s \(step 1\)\n\n",
    ):
        SEQUENTIAL.assert_order("analyze", "summarize")
    with pytest.raises(TraceAssertionError, match=r"^expected summarize → analyze, but analyze st"):
        FAN_OUT.assert_order("summarize", "analyze")


def test_assert_makespan_compares_exact_ticks() -> None:
    Trace(scripted_run([[("a", 0.1)], [("b", 0.2)]])).assert_makespan(0.3)
    SEQUENTIAL.assert_makespan(2.0)
    SEQUENTIAL.assert_makespan(1.9, tol=0.1)


def test_assert_makespan_failure_shows_the_critical_path() -> None:
    with pytest.raises(
        TraceAssertionError,
        match=r"^expected a makespan of 1.0 s, but the runs took 2.0 s "
        r"\(critical path 2.0 s: summarize → analyze\)\n\nGantt chart",
    ):
        SEQUENTIAL.assert_makespan(1.0)
    with pytest.raises(TraceAssertionError, match=r"^expected a makespan of 1.5 ± 0.25 s, but"):
        SEQUENTIAL.assert_makespan(1.5, tol=0.25)


def test_assert_makespan_rejects_a_negative_tolerance() -> None:
    with pytest.raises(
        ValueError, match=r"^assert_makespan tolerance must be >= 0 seconds, got tol=-1$"
    ):
        SEQUENTIAL.assert_makespan(2.0, tol=-1)


def test_assert_max_concurrency_is_a_limit_on_tasks_in_flight() -> None:
    FAN_OUT.assert_max_concurrency(2)
    FAN_OUT.assert_max_concurrency(3)
    with pytest.raises(
        TraceAssertionError,
        match=r"^expected at most 1 task in flight at once, but 2 were at 0.0 s: "
        r"summarize, analyze\n\n",
    ):
        FAN_OUT.assert_max_concurrency(1)


def test_assert_max_concurrency_over_llm_calls() -> None:
    def asks(node: str) -> ScriptedTask:
        return ScriptedTask(node, 1.0, calls=(ScriptedCall("llm", "m", 0.5, 0.5),))

    trace = Trace(scripted_run([[asks("a"), asks("b"), asks("c")]]))
    trace.assert_max_concurrency(3, kind="llm")
    with pytest.raises(
        TraceAssertionError,
        match=r"^expected at most 2 LLM calls in flight at once, but 3 were at 0.5 s: m, m, m",
    ):
        trace.assert_max_concurrency(2, kind="llm")


def test_assert_max_concurrency_rejects_bad_limits_and_kinds() -> None:
    with pytest.raises(ValueError, match=r"^assert_max_concurrency needs n >= 1, got n=0$"):
        FAN_OUT.assert_max_concurrency(0)
    with pytest.raises(
        ValueError,
        match=r"^assert_max_concurrency kind must be one of \['task', 'llm', 'tool'\], "
        r"got 'node'$",
    ):
        FAN_OUT.assert_max_concurrency(2, kind="node")  # type: ignore[arg-type]


def test_a_node_is_parallel_with_itself_only_when_two_of_its_tasks_overlap() -> None:
    with pytest.raises(TraceAssertionError, match=r"^expected a, a to run in parallel, but "):
        Trace(scripted_run([[("a", 1.0)], [("b", 1.0)]])).assert_parallel("a", "a")
    mapped = [ScriptedTask("a", 1.0, send_index=i) for i in range(3)]
    Trace(scripted_run([mapped])).assert_parallel("a", "a")
    Trace(scripted_run([[("a", 1.0)], [("a", 1.0)]])).assert_sequential("a", "a")
