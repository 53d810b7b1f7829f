"""FakeChatModel: a real LangChain chat model on FakeLLM, inside LangGraph, in virtual time."""

import asyncio
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from pydantic import BaseModel

from warpgraph.testing import (
    FakeChatModel,
    FakeLLM,
    FakeServerError,
    Latency,
    ToolCall,
    VirtualClock,
)


@tool
async def get_weather(city: str) -> str:
    """The weather in a city."""
    await asyncio.sleep(0.5)
    return f"sunny in {city}"


def test_the_fake_is_a_real_langchain_chat_model() -> None:
    assert isinstance(FakeChatModel(["hi"]), BaseChatModel)


def test_invoke_returns_an_ai_message_with_tool_calls_and_usage() -> None:
    model = FakeChatModel([ToolCall("get_weather", {"city": "Paris"})], latency=1.0)
    clock = VirtualClock()

    reply = clock.run(model.bind_tools([get_weather]).ainvoke([HumanMessage("weather?")]))

    assert isinstance(reply, AIMessage)
    assert reply.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1_0", "type": "tool_call"}
    ]
    assert reply.usage_metadata == {"input_tokens": 2, "output_tokens": 9, "total_tokens": 11}
    assert clock.now() == 1.0
    assert model.calls[0].request.tool_names == ("get_weather",)


def test_bound_tools_reach_the_script_which_may_only_call_them() -> None:
    model = FakeChatModel([ToolCall("get_wether", {})])
    with pytest.raises(ValueError, match=r"the script calls tool 'get_wether', but this call"):
        VirtualClock().run(model.bind_tools([get_weather]).ainvoke("hi"))


def test_streamed_text_chunks_arrive_at_their_virtual_times() -> None:
    model = FakeChatModel(["one two three"], latency=Latency(0.5, per_token=0.25))
    clock = VirtualClock()

    async def main() -> list[tuple[float, Any]]:
        return [(clock.now(), chunk) async for chunk in model.astream("go")]

    chunks = clock.run(main())

    assert [(t, c.content) for t, c in chunks] == [
        (0.5, "one"),
        (0.75, " two"),
        (1.0, " three"),
        (1.0, ""),
    ]
    merged = chunks[0][1]
    for _, chunk in chunks[1:]:
        merged += chunk
    assert isinstance(merged, AIMessageChunk)
    assert merged.content == "one two three"
    assert merged.usage_metadata == {"input_tokens": 1, "output_tokens": 3, "total_tokens": 4}


def test_streamed_tool_call_chunks_merge_into_a_parsed_tool_call() -> None:
    model = FakeChatModel([ToolCall("get_weather", {"city": "Paris"})], latency=1.0)

    async def main() -> Any:
        merged = None
        async for chunk in model.bind_tools([get_weather]).astream("go"):
            merged = chunk if merged is None else merged + chunk
        return merged

    merged = VirtualClock().run(main())
    assert merged.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1_0", "type": "tool_call"}
    ]


def test_sync_invoke_and_stream_wait_in_virtual_time_from_a_worker_thread() -> None:
    model = FakeChatModel(["a b", "c d"], latency=Latency(1.0, per_token=1.0))
    clock = VirtualClock()

    def sync_code() -> tuple[str, list[str]]:
        first = model.invoke("x").content
        return str(first), [str(chunk.content) for chunk in model.stream("y")]

    async def main() -> tuple[str, list[str]]:
        return await asyncio.to_thread(sync_code)

    assert clock.run(main()) == ("a b", ["c", " d", ""])
    assert clock.now() == 4.0


def test_a_model_built_from_an_existing_fake_llm_shares_its_record() -> None:
    llm = FakeLLM(["x", "y"])
    first, second = FakeChatModel(llm=llm), FakeChatModel(llm=llm)

    async def main() -> None:
        await first.ainvoke("1")
        await second.ainvoke("2")

    VirtualClock().run(main())
    assert [call.prompt for call in llm.calls] == ["1", "2"]
    with pytest.raises(
        TypeError,
        match=r"^FakeChatModel\(llm=\.\.\.\) takes its script and options from that FakeLLM; "
        r"drop responses/\['latency'\] or drop llm=$",
    ):
        FakeChatModel(llm=llm, latency=1.0)


def _react_agent(model: FakeChatModel) -> Any:
    bound = model.bind_tools([get_weather])

    async def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await bound.ainvoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode([get_weather]))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile()


def test_a_langgraph_react_agent_runs_unchanged_in_exact_virtual_time() -> None:
    model = FakeChatModel(
        [
            [ToolCall("get_weather", {"city": "Paris"}), ToolCall("get_weather", {"city": "Rome"})],
            "Sunny in both.",
        ],
        latency=1.0,
    )
    clock = VirtualClock()

    result = clock.run(_react_agent(model).ainvoke({"messages": [HumanMessage("weather?")]}))

    # model 1.0, two parallel 0.5 s tools, model 1.0
    assert clock.now() == 2.5
    assert result["messages"][-1].content == "Sunny in both."
    tool_results = [m.content for m in result["messages"] if isinstance(m, ToolMessage)]
    assert tool_results == ["sunny in Paris", "sunny in Rome"]
    assert [m.role for m in model.calls[1].messages] == ["user", "assistant", "tool", "tool"]


def test_langgraph_message_streaming_sees_tokens_at_their_times() -> None:
    model = FakeChatModel(["Hello from the graph"], latency=Latency(1.0, per_token=0.5))
    clock = VirtualClock()

    async def main() -> list[tuple[float, Any]]:
        app = _react_agent(model)
        return [
            (clock.now(), message.content)
            async for message, _ in app.astream(
                {"messages": [HumanMessage("hi")]}, stream_mode="messages"
            )
            if message.content
        ]

    assert clock.run(main()) == [
        (1.0, "Hello"),
        (1.5, " from"),
        (2.0, " the"),
        (2.5, " graph"),
    ]


def test_provider_failures_surface_through_langchain_with_their_type() -> None:
    model = FakeChatModel(["unused"], failures={1: FakeServerError(status_code=502)}, latency=1.0)
    clock = VirtualClock()
    with pytest.raises(FakeServerError, match=r"^server error \(502\)$"):
        clock.run(model.ainvoke("hi"))
    assert clock.now() == 1.0


def test_structured_output_parses_a_scripted_tool_call_into_the_schema() -> None:
    class Weather(BaseModel):
        city: str
        celsius: int

    model = FakeChatModel([ToolCall("Weather", {"city": "Paris", "celsius": 14})], latency=1.0)
    clock = VirtualClock()

    result = clock.run(model.with_structured_output(Weather).ainvoke("weather?"))

    assert result == Weather(city="Paris", celsius=14)
    assert clock.now() == 1.0
