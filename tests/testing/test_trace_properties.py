"""Properties of traces and snapshot rendering over generated schedules and values."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from warpgraph.testing import Trace
from warpgraph.testing._snapshot import render
from warpgraph.testing._trace_script import ScriptedTask, scripted_run

# Durations in whole milliseconds: exact in ticks, and sums stay exact.
durations = st.integers(min_value=1, max_value=5_000).map(lambda ms: ms / 1000)
steps = st.lists(st.lists(durations, min_size=1, max_size=6), min_size=1, max_size=6)


def schedule(widths: list[list[float]]) -> Trace:
    return Trace(
        scripted_run(
            [
                [ScriptedTask(f"n{s}_{i}", d) for i, d in enumerate(step)]
                for s, step in enumerate(widths)
            ]
        )
    )


@settings(max_examples=60, deadline=None)
@given(steps)
def test_a_barrier_schedule_is_its_own_critical_path(widths: list[list[float]]) -> None:
    trace = schedule(widths)
    expected_ms = sum(round(max(step) * 1000) for step in widths)
    assert trace.makespan == expected_ms / 1000
    assert trace.critical_path().length == trace.makespan
    assert len(trace.critical_path().nodes) == len(widths)
    assert trace.idle_time() == 0.0
    assert trace.max_concurrency() == max(len(step) for step in widths)


@settings(max_examples=60, deadline=None)
@given(steps)
def test_tasks_overlap_exactly_when_they_share_a_step(widths: list[list[float]]) -> None:
    trace = schedule(widths)
    tasks = trace.spans()
    for a in tasks:
        for b in tasks:
            assert a.in_flight_with(b) == (a.step == b.step and a is not b)


@settings(max_examples=40, deadline=None)
@given(steps)
def test_every_gantt_row_is_aligned_on_one_axis(widths: list[list[float]]) -> None:
    rows = schedule(widths).gantt(width=40).splitlines()[2:]
    # Labels hold none of the bar characters, so the first one found is where the bar starts.
    starts = {min(row.index(c) for c in "█·|" if c in row) for row in rows}
    assert len(starts) == 1
    (start,) = starts
    assert all(set(row[start : start + 40]) <= set("█·|") for row in rows)
    assert all(row[start + 40 : start + 42] == "  " for row in rows)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values))
def test_rendered_snapshots_parse_back_to_the_same_document(document: dict[str, Any]) -> None:
    text = render(document)
    assert text.endswith("\n")
    assert json.loads(text) == document
