"""The async ReAct loop: parallel tool calls cost their slowest tool, scripted with FakeLLM."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import react_agent as example

from warpgraph.testing import (
    FakeLLM,
    GraphSnapshot,
    Message,
    ScriptExhaustedError,
    ToolCall,
    Trace,
    VirtualClock,
)


@pytest.mark.virtual_time
async def test_the_two_tool_calls_of_one_turn_run_together(
    fake_llm: Callable[..., FakeLLM], graph_trace: Trace, vclock: VirtualClock
) -> None:
    llm = fake_llm(example.SCRIPT, latency=1.0)  # a plain script: three answers, in order
    tools = example.make_tools()
    app = example.build_graph(llm=llm, tools=tools)

    result = await app.ainvoke(example.INPUT)

    assert result["messages"][-1] == Message("assistant", example.ANSWER)
    assert vclock.now() == example.VIRTUAL_SECONDS == 4.25
    search, weather = (graph_trace.spans("tools")[i] for i in (0, 1))
    assert (search.start, search.end) == (1.0, 2.0)
    assert (weather.start, weather.end) == (1.0, 1.5)
    assert search.in_flight_with(weather)
    assert graph_trace.max_concurrency("tool") == 2
    assert [tool.call_count for tool in tools.values()] == [1, 1, 1]
    assert llm.call_count == 3  # reason, reason, answer: the script is used up exactly
    assert [(call.started, call.ended) for call in llm.calls] == [
        (0.0, 1.0),
        (2.0, 3.0),
        (3.25, 4.25),
    ]


@pytest.mark.virtual_time
async def test_tool_results_come_back_in_call_order_with_their_call_ids(
    fake_llm: Callable[..., FakeLLM],
) -> None:
    llm = fake_llm(example.SCRIPT, latency=1.0)
    result = await example.build_graph(llm=llm).ainvoke(example.INPUT)

    roles = [(m.role, m.name) for m in result["messages"]]
    assert roles == [
        ("user", None),
        ("assistant", None),
        ("tool", "search"),  # finished second (1 s vs 0.5 s) but was called first
        ("tool", "weather"),
        ("assistant", None),
        ("tool", "to_fahrenheit"),
        ("assistant", None),
    ]
    asked = result["messages"][1].tool_calls
    assert [m.tool_call_id for m in result["messages"][2:4]] == [call.id for call in asked]
    assert result["messages"][5].content == "57.2"
    # The model saw each tool's result before its next turn.
    assert [m.role for m in llm.calls[1].messages] == ["user", "assistant", "tool", "tool"]


@pytest.mark.virtual_time
async def test_the_trajectory_alternates_model_and_tool_steps(
    fake_llm: Callable[..., FakeLLM], graph_trace: Trace
) -> None:
    await example.build_graph(llm=fake_llm(example.SCRIPT, latency=1.0)).ainvoke(example.INPUT)

    assert [step.nodes for step in graph_trace.steps] == [
        ("agent",),
        ("tools", "tools"),
        ("agent",),
        ("tools",),
        ("agent",),
    ]
    assert graph_trace.critical_path().length == 4.25


@pytest.mark.virtual_time
async def test_a_model_that_keeps_calling_tools_runs_out_of_script_loudly(
    fake_llm: Callable[..., FakeLLM],
) -> None:
    loop_forever = [[ToolCall("weather", {"city": "Paris"})]] * 2
    app = example.build_graph(llm=fake_llm(loop_forever, latency=1.0))
    with pytest.raises(
        ScriptExhaustedError,
        match=r"^FakeLLM 'fake-llm' has no answer for call #3: its script of 2 answers is used up",
    ):
        await app.ainvoke(example.INPUT)


@pytest.mark.virtual_time
async def test_the_default_model_replays_the_script_for_every_run(vclock: VirtualClock) -> None:
    app = example.build_graph()
    results = await app.abatch([example.INPUT] * 20)
    assert {r["messages"][-1].content for r in results} == {example.ANSWER}
    assert vclock.now() == example.VIRTUAL_SECONDS


def test_the_example_prints_the_conversation_and_both_durations(
    run_example: Callable[[str], str],
) -> None:
    out = run_example("react_agent")
    assert "assistant: search({'q': 'paris weather today'}), weather({'city': 'Paris'})" in out
    assert f"assistant: {example.ANSWER}" in out
    assert re.search(r"^virtual time: 4\.25 s; real time: \S+ ms$", out, re.MULTILINE)


@pytest.mark.virtual_time
async def test_the_trajectory_matches_its_snapshot(
    fake_llm: Callable[..., FakeLLM], graph_snapshot: GraphSnapshot
) -> None:
    # A changed prompt, tool argument or tool order, or a parallel step turned
    # sequential (timings=True), fails with a diff of the recorded trajectory.
    await example.build_graph(llm=fake_llm(example.SCRIPT, latency=1.0)).ainvoke(example.INPUT)
    graph_snapshot.assert_match(timings=True)
