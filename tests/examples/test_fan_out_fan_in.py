"""Fan-out / fan-in: three one-second tools take one virtual second, and the join waits."""

from __future__ import annotations

import re
from collections.abc import Callable

import fan_out_fan_in as example
import pytest

from warpgraph.testing import FakeLLM, FakeTool, Trace, VirtualClock

RESULT = {
    "question": "Should I cycle to the office in Paris tomorrow?",
    "query": "should i cycle to the office in paris tomorrow",
    "web": "3 articles on should i cycle to the office in paris tomorrow",
    "history": "ada cycled 12 times",
    "forecast": "paris: dry, 14 C",
    "answer": "Yes: 3 articles on should i cycle to the office in paris tomorrow; "
    "ada cycled 12 times; paris: dry, 14 C",
}


@pytest.mark.virtual_time
async def test_the_three_tools_run_together_in_one_virtual_second(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    tools = example.make_tools()
    app = example.build_graph(tools=tools)

    assert await app.ainvoke(example.INPUT) == RESULT

    assert vclock.now() == example.VIRTUAL_SECONDS == 1.5
    graph_trace.assert_parallel("web_search", "db_lookup", "weather")
    for tool in example.TOOLS:
        (span,) = graph_trace.spans(tool)
        assert (span.start, span.end) == (0.0, 1.0)
        assert tools[tool].call_count == 1
    assert graph_trace.max_concurrency("tool") == 3


@pytest.mark.virtual_time
async def test_the_join_runs_once_after_all_three_tools_and_the_answer_follows_it(
    graph_trace: Trace,
) -> None:
    llm = example.make_llm()
    await example.build_graph(llm=llm).ainvoke(example.INPUT)

    (join,) = graph_trace.spans("join")
    assert (join.start, join.end) == (1.0, 1.0)
    graph_trace.assert_order("router", "web_search", "join", "answer")
    graph_trace.assert_order("db_lookup", "join")
    graph_trace.assert_order("weather", "join")
    (answer,) = graph_trace.spans("answer")
    assert (answer.start, answer.end) == (1.0, 1.5)
    assert llm.call_count == 1
    assert [step.nodes for step in graph_trace.steps] == [
        ("router",),
        ("db_lookup", "weather", "web_search"),
        ("join",),
        ("answer",),
    ]
    graph_trace.assert_makespan(1.5)
    assert graph_trace.critical_path().length == 1.5


@pytest.mark.virtual_time
async def test_chaining_the_same_tools_takes_three_seconds_for_them(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    tools: dict[str, FakeTool] = example.make_tools()
    llm: FakeLLM = example.make_llm()
    app = example.build_graph(tools=tools, llm=llm, parallel=False)

    assert await app.ainvoke(example.INPUT) == RESULT

    assert vclock.now() == 3.5
    graph_trace.assert_sequential("web_search", "db_lookup", "weather")
    assert graph_trace.max_concurrency("tool") == 1


@pytest.mark.virtual_time
async def test_one_graph_answers_many_runs_as_the_benchmark_hook_promises(
    vclock: VirtualClock,
) -> None:
    app = example.build_graph()
    results = await app.abatch([example.INPUT] * 50)
    assert results == [RESULT] * 50
    assert vclock.now() == example.VIRTUAL_SECONDS


def test_the_example_prints_both_wirings_with_their_durations(
    run_example: Callable[[str], str],
) -> None:
    out = run_example("fan_out_fan_in")
    assert out.count(f"answer: {RESULT['answer']}") == 2
    durations = re.findall(r"virtual time: (\S+) s; real time: \S+ ms", out)
    assert durations == ["1.5", "3.5"]
