"""FakeLLM in virtual time: latency, streaming, capacity, scripts, tool calls and recording."""

import asyncio
import operator
import re
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest

from warpgraph import END, START, StateGraph
from warpgraph.testing import (
    FakeLLM,
    FakeRateLimitError,
    Latency,
    Message,
    ScriptExhaustedError,
    ToolCall,
    VirtualClock,
)


class Fanout(TypedDict, total=False):
    text: str
    answers: Annotated[list[str], operator.add]


def _fan_out_graph(llm: FakeLLM, nodes: list[str]) -> Any:
    graph = StateGraph(Fanout)
    for name in nodes:

        async def ask(state: Fanout, name: str = name) -> Fanout:
            reply = await llm.ainvoke(f"{name}: {state['text']}")
            return {"answers": [reply.content]}

        graph.add_node(name, ask)
        graph.add_edge(START, name)
        graph.add_edge(name, END)
    return graph.compile()


def test_three_parallel_nodes_calling_a_one_second_llm_finish_at_one_second() -> None:
    llm = FakeLLM(lambda request: request.prompt.upper(), latency=1.0)
    app = _fan_out_graph(llm, ["a", "b", "c"])
    clock = VirtualClock()

    result = clock.run(app.ainvoke({"text": "hi", "answers": []}))

    assert clock.now() == 1.0
    assert sorted(result["answers"]) == ["A: HI", "B: HI", "C: HI"]
    assert [(call.started, call.ended) for call in llm.calls] == [(0.0, 1.0)] * 3


def test_six_parallel_nodes_on_an_llm_with_capacity_two_finish_at_three_seconds() -> None:
    llm = FakeLLM(lambda request: "ok", latency=1.0, capacity=2)
    app = _fan_out_graph(llm, [f"n{i}" for i in range(6)])
    clock = VirtualClock()

    clock.run(app.ainvoke({"text": "hi", "answers": []}))

    assert clock.now() == 3.0
    assert [call.served for call in llm.calls] == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0]
    assert [call.ended for call in llm.calls] == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
    assert all(call.started == 0.0 for call in llm.calls)


def test_ten_streamed_tokens_arrive_at_exact_virtual_times() -> None:
    words = " ".join(f"w{i}" for i in range(10))
    llm = FakeLLM([words], latency=Latency(0.5, per_token=0.1))
    clock = VirtualClock()

    async def main() -> list[tuple[float, str]]:
        return [(clock.now(), chunk.text) async for chunk in llm.astream("go")]

    arrivals = clock.run(main())

    assert arrivals == [
        (0.5, "w0"),
        (0.6, " w1"),
        (0.7, " w2"),
        (0.8, " w3"),
        (0.9, " w4"),
        (1.0, " w5"),
        (1.1, " w6"),
        (1.2, " w7"),
        (1.3, " w8"),
        (1.4, " w9"),
    ]
    assert llm.calls[0].ended == 1.4
    assert llm.calls[0].completion_tokens == 10


def test_ainvoke_returns_at_the_last_tokens_time() -> None:
    llm = FakeLLM(["one two three"], latency=Latency(0.5, per_token=0.25))
    clock = VirtualClock()

    reply = clock.run(llm.ainvoke("go"))

    assert reply == Message("assistant", "one two three")
    assert clock.now() == 1.0


def test_streamed_tool_calls_come_in_pieces_that_rebuild_the_arguments() -> None:
    llm = FakeLLM([ToolCall("search", {"q": "weather in Paris"})], latency=Latency(1.0, 0.5))
    clock = VirtualClock()

    async def main() -> list[Any]:
        return [(clock.now(), chunk.tool_call) async for chunk in llm.astream("hi")]

    pieces = clock.run(main())

    first = pieces[0][1]
    assert (first.index, first.id, first.name) == (0, "call_1_0", "search")
    assert all(piece.id is None and piece.name is None for _, piece in pieces[1:])
    assert "".join(piece.args for _, piece in pieces) == '{"q": "weather in Paris"}'
    assert [t for t, _ in pieces] == [1.0 + 0.5 * i for i in range(len(pieces))]


def test_a_script_answers_in_order_and_never_wraps_around() -> None:
    llm = FakeLLM(["first", "second"])
    clock = VirtualClock()

    async def main() -> list[str]:
        return [(await llm.ainvoke(f"q{i}")).content for i in range(2)]

    assert clock.run(main()) == ["first", "second"]
    with pytest.raises(
        ScriptExhaustedError,
        match=r"^FakeLLM 'fake-llm' has no answer for call #3: its script of 2 answers is used "
        r"up \(it never wraps around\); prompt: 'one more'\. Add answers to the script, "
        r"or pass a callable or rules to answer any prompt$",
    ):
        clock.run(llm.ainvoke("one more"))
    assert [call.status for call in llm.calls] == ["ok", "ok", "error"]


def test_rules_answer_by_substring_regex_or_predicate_and_name_an_unmatched_prompt() -> None:
    llm = FakeLLM(
        {
            "weather": "sunny",
            re.compile(r"^sum (\d+)"): "42",
            lambda request: len(request.messages) > 1: "follow-up",
        },
        name="router",
    )
    clock = VirtualClock()

    async def main() -> list[str]:
        asks: list[Any] = ["what's the weather?", "sum 1 2", ["a", "b"]]
        return [(await llm.ainvoke(ask)).content for ask in asks]

    assert clock.run(main()) == ["sunny", "42", "follow-up"]
    with pytest.raises(
        ScriptExhaustedError,
        match=r"^FakeLLM 'router' has no answer for call #4: no rule matches the prompt 'hello'; "
        r"rules: \['weather', re\.compile\('\^sum \(\\\\d\+\)'\), <function .*>\]\. "
        r"Add a rule, or a catch-all re\.compile\(''\) last$",
    ):
        clock.run(llm.ainvoke("hello"))


def test_a_callable_sees_the_request_with_its_call_number_and_tools() -> None:
    seen = []

    def answer(request: Any) -> str:
        seen.append((request.call_number, request.prompt, request.tool_names))
        return "ok"

    llm = FakeLLM(answer)
    VirtualClock().run(llm.ainvoke("hi", tools=["search", "calc"]))

    assert seen == [(1, "hi", ("search", "calc"))]


def test_a_scripted_react_loop_calls_tools_then_answers() -> None:
    llm = FakeLLM(
        [
            [ToolCall("search", {"q": "paris"}), ToolCall("weather", {"city": "paris"})],
            "It is sunny in Paris.",
        ],
        latency=1.0,
    )
    clock = VirtualClock()

    async def agent() -> str:
        messages: list[Any] = [Message("user", "weather in paris?")]
        while True:
            reply = await llm.ainvoke(messages, tools=["search", "weather"])
            messages.append(reply)
            if not reply.tool_calls:
                return reply.content
            results = await asyncio.gather(
                *(asyncio.sleep(0.5, result=f"{c.name} done") for c in reply.tool_calls)
            )
            for call, result in zip(reply.tool_calls, results, strict=True):
                messages.append(Message("tool", result, tool_call_id=call.id))

    assert clock.run(agent()) == "It is sunny in Paris."
    assert clock.now() == 2.5
    assert [c.name for c in llm.calls[0].tool_calls] == ["search", "weather"]
    assert [m.tool_call_id for m in llm.calls[1].messages[-2:]] == ["call_1_0", "call_1_1"]


def test_a_tool_call_naming_a_tool_the_call_was_not_given_is_refused() -> None:
    llm = FakeLLM([ToolCall("serch", {})])
    with pytest.raises(
        ValueError,
        match=r"^FakeLLM 'fake-llm' call #1: the script calls tool 'serch', but this call was "
        r"given the tools \['search'\]; fix the ToolCall's name or bind the tool$",
    ):
        VirtualClock().run(llm.ainvoke("hi", tools=["search"]))


def test_a_bad_answer_in_the_script_is_refused_with_the_accepted_kinds() -> None:
    llm = FakeLLM([42])
    with pytest.raises(
        TypeError,
        match=r"^FakeLLM 'fake-llm' call #1: cannot use 42 as an answer; give a str, a ToolCall, "
        r"a list of ToolCalls, a Message\(role='assistant', \.\.\.\), or an exception "
        r"instance to raise$",
    ):
        VirtualClock().run(llm.ainvoke("hi"))


def test_per_call_latencies_apply_in_order_and_running_out_raises() -> None:
    llm = FakeLLM(lambda request: "ok", latency=[1.0, 2.5])
    clock = VirtualClock()

    async def main() -> None:
        await llm.ainvoke("a")
        await llm.ainvoke("b")

    clock.run(main())
    assert clock.now() == 3.5
    with pytest.raises(
        ScriptExhaustedError,
        match=r"^FakeLLM 'fake-llm': Latency\.per_call has 2 values, but this is call #3; "
        r"add a value per call, or use a fixed latency$",
    ):
        clock.run(llm.ainvoke("c"))


def test_seeded_latency_distributions_replay_exactly() -> None:
    def durations(seed: int) -> list[float | None]:
        llm = FakeLLM(lambda request: "ok", latency=Latency.uniform(0.5, 1.5, seed=seed))
        clock = VirtualClock()

        async def main() -> None:
            await asyncio.gather(*(llm.ainvoke(str(i)) for i in range(5)))

        clock.run(main())
        return [call.duration for call in llm.calls]

    first = durations(7)
    assert first == durations(7)
    assert first != durations(8)
    assert all(d is not None and 0.5 <= d <= 1.5 for d in first)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Latency(-1), r"^latency first_token=-1: give a number of seconds >= 0$"),
        (
            lambda: Latency.uniform(2, 1),
            r"^Latency\.uniform\(low=2, high=1\): high must be >= low$",
        ),
        (
            lambda: FakeLLM(latency="slow"),  # type: ignore[arg-type]
            r"^latency='slow': give seconds \(1\.0\), a list of seconds per call, "
            r"or a Latency\(\.\.\.\)$",
        ),
    ],
)
def test_bad_latencies_are_refused_with_the_fix(make: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_every_call_is_recorded_with_tokens_and_times() -> None:
    llm = FakeLLM(["Hello, world!", ToolCall("calc", {"x": 1})], latency=0.5)
    clock = VirtualClock()

    async def main() -> None:
        await llm.ainvoke([{"role": "system", "content": "be brief"}, "say hello"])
        await llm.ainvoke("now compute")

    clock.run(main())

    first, second = llm.calls
    assert (first.number, first.attempt, first.started, first.served, first.ended) == (
        1,
        1,
        0.0,
        0.0,
        0.5,
    )
    assert first.prompt == "say hello"
    assert [m.role for m in first.messages] == ["system", "user"]
    assert (first.prompt_tokens, first.completion_tokens) == (4, 4)  # be|brief|say|hello
    assert second.tool_calls == (ToolCall("calc", {"x": 1}, "call_2_0"),)
    assert llm.call_count == 2
    assert llm.total_tokens == first.total_tokens + second.total_tokens
    llm.assert_called_with("now compute")
    llm.assert_called_with(re.compile(r"^now"))


def test_assert_called_with_shows_the_timeline_when_it_fails() -> None:
    llm = FakeLLM(["ok"], latency=1.0)
    VirtualClock().run(llm.ainvoke("actual prompt"))

    with pytest.raises(AssertionError) as failure:
        llm.assert_called_with("expected prompt")

    assert str(failure.value) == (
        "FakeLLM 'fake-llm' call #1: prompt is 'actual prompt', expected 'expected prompt'\n"
        + llm.timeline()
    )
    assert llm.timeline().splitlines()[2] == (
        "   1    1    0.000    0.000    1.000  ok             3  'actual prompt' -> 'ok'"
    )


def test_a_cancelled_call_is_recorded_as_cancelled_at_the_cancel_time() -> None:
    llm = FakeLLM(["late"], latency=5.0)
    clock = VirtualClock()

    async def main() -> None:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(2.0):
                await llm.ainvoke("slow")

    clock.run(main())

    assert (llm.calls[0].status, llm.calls[0].ended, llm.calls[0].response) == (
        "cancelled",
        2.0,
        None,
    )


def test_the_timeline_shown_in_the_docs_is_what_a_retried_429_prints() -> None:
    llm = FakeLLM([FakeRateLimitError(retry_after=2), "ok"], latency=0.5)

    async def main() -> None:
        try:
            await llm.ainvoke("hi")
        except FakeRateLimitError as error:
            await asyncio.sleep(error.retry_after or 0)
            await llm.ainvoke("hi")

    VirtualClock().run(main())
    docs = (Path(__file__).parents[2] / "docs" / "fakes.md").read_text()
    assert f"```\n{llm.timeline()}\n```" in docs
