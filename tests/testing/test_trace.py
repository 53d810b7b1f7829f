"""Trace queries on scripted event streams (no engine needed)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

import warpgraph
from warpgraph.runtime import (
    Event,
    RunFinished,
    RunStarted,
    StepFinished,
    StepStarted,
    TaskFinished,
    TaskStarted,
    active_subscribers,
    emit,
)
from warpgraph.testing import Trace
from warpgraph.testing._trace_script import ScriptedCall, ScriptedTask, scripted_run

SEQUENTIAL = [[("summarize", 1.0)], [("analyze", 1.0)]]
FAN_OUT = [[("summarize", 1.0), ("analyze", 1.0)], [("join", 0.0)]]


def retried_task_events() -> list[Event]:
    """``fetch`` fails at 1.0, backs off 0.5 s, and its second attempt ends at 2.5."""
    return [
        RunStarted("r", "g", None, 0.0),
        StepStarted("r", 0, 0.0, ("fetch",)),
        TaskStarted("r", "t", "fetch", 0, None, 1, 0.0),
        TaskFinished("r", "t", "fetch", 0, None, 1, 1.0, "error", ConnectionError("reset")),
        TaskStarted("r", "t", "fetch", 0, None, 2, 1.5),
        TaskFinished("r", "t", "fetch", 0, None, 2, 2.5, "ok"),
        StepFinished("r", 0, 2.5),
        RunFinished("r", 2.5, "ok"),
    ]


def test_durations_are_exact_where_float_sums_are_not() -> None:
    trace = Trace(scripted_run([[("a", 0.1)], [("b", 0.2)]]))
    assert 0.1 + 0.2 != 0.3
    assert trace.makespan == 0.3
    assert [s.duration for s in trace.spans()] == [0.1, 0.2]
    assert trace.spans("b")[0].start == 0.1


def test_an_empty_trace_has_no_runs_and_no_makespan() -> None:
    trace = Trace()
    assert trace.runs == ()
    assert trace.makespan == 0.0
    assert trace.max_concurrency() == 0
    assert trace.critical_path().length == 0.0
    assert trace.idle_time() == 0.0


def test_spans_filter_by_node_and_by_kind() -> None:
    call = ScriptedCall("llm", "gpt-fake", 0.0, 1.0)
    trace = Trace(scripted_run([[ScriptedTask("summarize", 1.0, calls=(call,))], [("a", 1)]]))
    assert [s.name for s in trace.spans()] == ["summarize", "a"]
    assert [s.label for s in trace.spans("a")] == ["a"]
    (llm,) = trace.spans(kind="llm")
    assert (llm.name, llm.parent_id) == ("gpt-fake", trace.spans("summarize")[0].id)
    assert trace.spans(kind="tool") == ()
    assert [r.name for r in trace.spans(kind="run")] == ["graph"]


def test_steps_record_their_planned_nodes_and_times() -> None:
    trace = Trace(scripted_run(FAN_OUT))
    assert [(s.step, s.nodes, s.start, s.end) for s in trace.steps] == [
        (0, ("summarize", "analyze"), 0.0, 1.0),
        (1, ("join",), 1.0, 1.0),
    ]


def test_runs_lists_top_level_runs_and_not_subgraph_runs() -> None:
    outer = scripted_run([[("call_sub", 1.0)]], run_id="outer")
    inner: list[Event] = [
        RunStarted("inner", "sub", "outer/0/call_sub", 0.0),
        StepStarted("inner", 0, 0.0, ("leaf",)),
        TaskStarted("inner", "leaf-1", "leaf", 0, None, 1, 0.0),
        TaskFinished("inner", "leaf-1", "leaf", 0, None, 1, 1.0, "ok"),
        StepFinished("inner", 0, 1.0),
        RunFinished("inner", 1.0, "ok"),
    ]
    trace = Trace([*outer[:3], *inner, *outer[3:]])
    assert [r.id for r in trace.runs] == ["outer"]
    assert [r.id for r in trace.spans(kind="run")] == ["outer", "inner"]
    assert trace.critical_path().nodes == ("call_sub",)


def test_max_concurrency_counts_tasks_in_flight_together() -> None:
    assert Trace(scripted_run(SEQUENTIAL)).max_concurrency() == 1
    assert Trace(scripted_run(FAN_OUT)).max_concurrency() == 2
    assert Trace(scripted_run(FAN_OUT)).max_concurrency(node="summarize") == 1


def test_max_concurrency_over_llm_calls_counts_calls_not_tasks() -> None:
    def asks(node: str, offset: float) -> ScriptedTask:
        return ScriptedTask(node, 2.0, calls=(ScriptedCall("llm", "m", offset, 1.0),))

    # Three tasks in one step, but their LLM calls are staggered so at most two overlap.
    trace = Trace(scripted_run([[asks("a", 0.0), asks("b", 0.5), asks("c", 1.25)]]))
    assert trace.max_concurrency() == 3
    assert trace.max_concurrency("llm") == 2


def test_instant_tasks_overlap_only_if_one_started_before_the_other_finished() -> None:
    # Both take no virtual time; the event order says a ran to completion before b began.
    one_after_the_other: list[Event] = [
        RunStarted("r", "g", None, 0.0),
        TaskStarted("r", "a", "a", 0, None, 1, 0.0),
        TaskFinished("r", "a", "a", 0, None, 1, 0.0, "ok"),
        TaskStarted("r", "b", "b", 0, None, 1, 0.0),
        TaskFinished("r", "b", "b", 0, None, 1, 0.0, "ok"),
        RunFinished("r", 0.0, "ok"),
    ]
    interleaved: list[Event] = [one_after_the_other[i] for i in (0, 1, 3, 2, 4, 5)]
    assert not Trace(one_after_the_other).overlaps("a", "b")
    assert Trace(interleaved).overlaps("a", "b")


def test_overlaps_accepts_node_names_and_spans() -> None:
    trace = Trace(scripted_run(FAN_OUT))
    (summarize,), (join,) = trace.spans("summarize"), trace.spans("join")
    assert trace.overlaps("summarize", "analyze")
    assert trace.overlaps(summarize, "analyze")
    assert not trace.overlaps(summarize, join)
    assert not trace.overlaps("summarize", "nowhere")


def test_critical_path_takes_the_longest_task_of_each_step() -> None:
    trace = Trace(scripted_run([[("a", 1.0), ("b", 3.0)], [("c", 2.0)]]))
    path = trace.critical_path()
    assert path.nodes == ("b", "c")
    assert path.length == 5.0
    assert path.length == trace.makespan


def test_critical_path_counts_retried_attempts_as_one_link() -> None:
    trace = Trace(retried_task_events())
    path = trace.critical_path()
    assert [s.label for s in path.spans] == ["fetch", "fetch (attempt 2)"]
    assert path.nodes == ("fetch",)
    assert path.length == 2.5


def test_critical_path_of_several_runs_is_the_longest_of_them() -> None:
    trace = Trace(
        scripted_run([[("a", 1.0)]], run_id="short")
        + scripted_run([[("b", 1.0)], [("c", 2.0)]], run_id="long", start=1.0)
    )
    assert trace.critical_path().nodes == ("b", "c")
    assert trace.critical_path("short").length == 1.0
    assert trace.makespan == 4.0


def test_critical_path_of_an_unknown_run_names_the_known_runs() -> None:
    trace = Trace(scripted_run(SEQUENTIAL, run_id="r1"))
    with pytest.raises(ValueError, match=r"^no top-level run 'r9' in the trace; runs: 'r1'$"):
        trace.critical_path("r9")


def test_idle_time_is_time_inside_runs_with_no_task_running() -> None:
    assert Trace(scripted_run(SEQUENTIAL)).idle_time() == 0.0
    assert Trace(retried_task_events()).idle_time() == 0.5


def test_a_send_map_reduce_over_100_items_shows_100_overlapping_spans_in_one_step() -> None:
    mapped = [ScriptedTask("work", 1.0, send_index=i) for i in range(100)]
    trace = Trace(scripted_run([[("plan", 0.0)], mapped, [("reduce", 0.0)]]))
    work = trace.spans("work")
    assert len(work) == 100
    assert {s.step for s in work} == {1}
    assert trace.max_concurrency() == 100
    assert all(a.in_flight_with(b) for a in work for b in work if a is not b)
    assert work[7].label == "work[7]"
    assert trace.makespan == 1.0


def test_a_span_still_open_ends_at_the_last_event_and_says_so() -> None:
    events = scripted_run(SEQUENTIAL)[:-3]  # cut off analyze's finish, the step's and the run's
    trace = Trace(events)
    (analyze,) = trace.spans("analyze")
    assert (analyze.status, analyze.end) == ("unfinished", 1.0)
    assert trace.runs[0].status == "unfinished"


def test_a_finish_without_its_start_is_a_clear_error() -> None:
    trace = Trace(scripted_run(SEQUENTIAL)[3:])
    assert repr(trace).startswith("<Trace: 7 events, unreadable: event 0 (TaskFinished of ")
    with pytest.raises(
        ValueError,
        match=r"^event 0 \(TaskFinished of 'run-1/0/summarize'\) finishes something that never "
        r"started; subscribe the trace before the run starts so it sees every event$",
    ):
        _ = trace.makespan


def test_a_trace_records_every_run_while_subscribed() -> None:
    trace = Trace()
    with warpgraph.observe(trace):
        for event in scripted_run(SEQUENTIAL):
            emit(active_subscribers(), event)
        assert trace.makespan == 2.0  # queries work while still recording
        for event in scripted_run(FAN_OUT, run_id="run-2", start=5.0):
            emit(active_subscribers(), event)
    emit(active_subscribers(), RunStarted("after", "g", None, 9.0))
    assert [r.id for r in trace.runs] == ["run-1", "run-2"]
    assert trace.makespan == 6.0
    assert repr(trace) == "<Trace: 2 runs, 5 tasks, 0 calls, makespan 6.0 s>"


def test_to_json_holds_every_span_with_loop_times() -> None:
    trace = Trace(retried_task_events())
    data = json.loads(trace.to_json())
    assert data["format"] == "warpgraph-trace/1"
    assert data["makespan"] == 2.5
    spans = [(s["kind"], s["attempt"], s["start"], s["end"], s["status"]) for s in data["spans"]]
    assert spans == [
        ("run", None, 0.0, 2.5, "ok"),
        ("task", 1, 0.0, 1.0, "error"),
        ("task", 2, 1.5, 2.5, "ok"),
    ]
    assert data["spans"][1]["error"] == "ConnectionError: reset"
    assert data["steps"] == [
        {"run_id": "r", "step": 0, "nodes": ["fetch"], "start": 0.0, "end": 2.5}
    ]


def test_the_svg_chart_is_well_formed_with_one_titled_bar_per_span() -> None:
    trace = Trace(scripted_run([[("<b>&", 1.0), ("analyze", 0.5)]]))
    root = ET.fromstring(trace.to_svg())
    ns = {"svg": "http://www.w3.org/2000/svg"}
    titles = [t.text for t in root.iterfind(".//svg:rect/svg:title", ns)]
    assert titles == [
        "run graph: 0.0 → 1.0 s (ok)",
        "step 0 <b>&: 0.0 → 1.0 s (ok)",
        "step 0 analyze: 0.0 → 0.5 s (ok)",
    ]
    widths = [int(r.get("width", "0")) for r in root.iterfind("svg:rect[svg:title]", ns)]
    assert widths == [640, 640, 320]  # bars scale with duration on the 640 px axis


def test_a_scripted_step_cannot_hold_the_same_task_twice() -> None:
    with pytest.raises(
        ValueError,
        match=r"^scripted step 1 has two tasks of node 'a' with send_index=None; give repeated "
        r"nodes distinct send_index values$",
    ):
        scripted_run([[("a", 1.0)], [("a", 1.0), ("a", 2.0)]])


def test_a_node_overlaps_itself_only_through_two_different_spans() -> None:
    once = Trace(scripted_run([[("a", 1.0), ("b", 1.0)]]))
    (a,) = once.spans("a")
    assert not a.in_flight_with(a)
    assert not once.overlaps("a", "a")
    fanned = Trace(scripted_run([[ScriptedTask("a", 1.0, send_index=i) for i in range(2)]]))
    assert fanned.overlaps("a", "a")
