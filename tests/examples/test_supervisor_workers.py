"""Supervisor / workers: three delegations of one turn run as concurrent tasks of one step."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import supervisor_workers as example

from warpgraph.testing import FakeLLM, Trace, VirtualClock


@pytest.mark.virtual_time
async def test_the_researchers_and_the_verifier_work_at_the_same_time(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    result = await example.build_graph().ainvoke(example.INPUT)

    assert result["answer"] == example.ANSWER
    assert vclock.now() == example.VIRTUAL_SECONDS == 4.5
    graph_trace.assert_parallel("researcher", "verifier")
    first, second = graph_trace.spans("researcher")
    assert first.in_flight_with(second)
    assert [(s.start, s.end) for s in (first, second)] == [(2.0, 4.0), (2.0, 4.0)]
    (verifier,) = graph_trace.spans("verifier")
    assert (verifier.start, verifier.end) == (2.0, 3.5)
    graph_trace.assert_max_concurrency(3)


@pytest.mark.virtual_time
async def test_the_supervisor_takes_turns_between_rounds_of_delegation(
    graph_trace: Trace,
) -> None:
    await example.build_graph().ainvoke(example.INPUT)

    assert [step.nodes for step in graph_trace.steps] == [
        ("supervisor",),
        ("planner",),
        ("supervisor",),
        ("researcher", "researcher", "verifier"),
        ("supervisor",),
    ]
    assert [(s.start, s.end) for s in graph_trace.spans("supervisor")] == [
        (0.0, 0.5),
        (1.5, 2.0),
        (4.0, 4.5),
    ]
    graph_trace.assert_order("planner", "researcher")
    assert graph_trace.critical_path().length == 4.5


@pytest.mark.virtual_time
async def test_each_agent_uses_its_own_model_as_often_as_it_was_asked() -> None:
    team = example.Team()
    await example.build_graph(team).ainvoke(example.INPUT)

    calls = {
        name: model.call_count
        for name, model in [
            ("supervisor", team.supervisor),
            ("planner", team.planner),
            ("researcher", team.researcher),
            ("verifier", team.verifier),
        ]
    }
    assert calls == {"supervisor": 3, "planner": 1, "researcher": 2, "verifier": 1}
    assert team.search.call_count == 2
    # Each researcher searched first, then summarized what it found.
    assert [(c.started, c.ended) for c in team.search.calls] == [(2.0, 3.0), (2.0, 3.0)]
    assert [(c.started, c.ended) for c in team.researcher.calls] == [(3.0, 4.0), (3.0, 4.0)]


@pytest.mark.virtual_time
async def test_every_report_answers_the_supervisor_call_that_asked_for_it() -> None:
    team = example.Team()
    result = await example.build_graph(team).ainvoke(example.INPUT)

    asked = {call.id: call.args["agent"] for m in result["messages"] for call in m.tool_calls}
    reports = {m.tool_call_id: m.name for m in result["messages"] if m.role == "tool"}
    assert reports == asked
    assert len(asked) == 4
    # The supervisor's last turn saw all three reports of the second round.
    last_prompt = team.supervisor.calls[-1].messages
    assert [m.name for m in last_prompt[-3:]] == ["researcher", "researcher", "verifier"]


@pytest.mark.virtual_time
async def test_a_slow_verifier_becomes_the_critical_path(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    slow = FakeLLM(lambda request: "verified", latency=5.0, name="verifier")
    await example.build_graph(example.Team(verifier=slow)).ainvoke(example.INPUT)

    assert vclock.now() == 0.5 + 1 + 0.5 + 5.0 + 0.5
    assert graph_trace.critical_path().nodes == (
        "supervisor",
        "planner",
        "supervisor",
        "verifier",
        "supervisor",
    )


def test_the_example_prints_the_conversation_and_both_durations(
    run_example: Callable[[str], str],
) -> None:
    out = run_example("supervisor_workers")
    assert "researcher: researcher: done with 'hotels near Lyon Part-Dieu'" in out
    assert f"assistant: {example.ANSWER}" in out
    assert re.search(r"^virtual time: 4\.5 s; real time: \S+ ms$", out, re.MULTILINE)
