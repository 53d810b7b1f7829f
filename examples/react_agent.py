"""An async ReAct loop: the model reasons, calls tools in parallel, observes, repeats.

ReAct alternates two moves. The model (*reason*) either answers or asks for tool
calls; the tools (*act*) run and their results go back to the model (*observe*).
When the model asks for several tools at once, nothing forces them to wait for
each other: each tool call becomes a ``Send`` task, and all the ``Send`` tasks of
a step run concurrently. Their results land in the ``messages`` list through its
reducer (``operator.add``), in call order, before the model runs again.

The graph::

    agent --(tool calls?)--> Send("tools", call) per call --> agent
          --(plain answer)--> END

The script (``SCRIPT``): first the model asks for ``search`` (1 s) and
``weather`` (0.5 s) together, then for ``to_fahrenheit`` (0.25 s), then answers.
Each model turn takes 1 s, so a run takes 1 + 1 + 1 + 0.25 + 1 = 4.25 virtual
seconds: the parallel tool step costs its slowest tool (1 s), not the sum (1.5 s).

Run it with ``python examples/react_agent.py``.

Benchmark hook: ``build_graph()`` returns a compiled graph with fresh fakes that
answer any number of runs (the model follows ``SCRIPT`` by turn, not by call
count); ``INPUT`` is a run's input and ``VIRTUAL_SECONDS`` its virtual makespan.
"""

from __future__ import annotations

import operator
import time
from typing import Annotated, Any, TypedDict

from warpgraph import END, START, CompiledGraph, Send, StateGraph
from warpgraph.testing import FakeLLM, FakeTool, Message, Request, ToolCall, VirtualClock

INPUT = {"messages": [Message("user", "What is the weather in Paris, in Fahrenheit?")]}
VIRTUAL_SECONDS = 4.25
ANSWER = "Paris is dry today, 57.2 F (14 C)."

# The model's turns: two tools at once, then one, then the answer.
SCRIPT: list[Any] = [
    [ToolCall("search", {"q": "paris weather today"}), ToolCall("weather", {"city": "Paris"})],
    [ToolCall("to_fahrenheit", {"celsius": 14})],
    ANSWER,
]


class State(TypedDict):
    messages: Annotated[list[Message], operator.add]


def make_tools() -> dict[str, FakeTool]:
    tools = [
        FakeTool("search", lambda a: f"Top result for {a['q']!r}: meteo.fr", latency=1.0),
        FakeTool("weather", lambda a: f"{a['city']}: dry, 14 C", latency=0.5),
        FakeTool("to_fahrenheit", lambda a: str(a["celsius"] * 9 / 5 + 32), latency=0.25),
    ]
    return {tool.name: tool for tool in tools}


def make_llm() -> FakeLLM:
    """A model that plays ``SCRIPT`` turn by turn, for any number of runs."""

    def turn(request: Request) -> Any:
        answered = sum(1 for m in request.messages if m.role == "assistant")
        return SCRIPT[answered]

    return FakeLLM(turn, latency=1.0, name="react-model")


def build_graph(
    *, llm: FakeLLM | None = None, tools: dict[str, FakeTool] | None = None
) -> CompiledGraph:
    model = llm or make_llm()
    toolbox = tools or make_tools()
    schemas = [tool.schema for tool in toolbox.values()]

    async def agent(state: State) -> dict[str, Any]:
        reply = await model.ainvoke(state["messages"], tools=schemas)
        return {"messages": [reply]}

    def act_or_finish(state: State) -> list[Send] | str:
        calls = state["messages"][-1].tool_calls
        if not calls:
            return END
        return [Send("tools", call) for call in calls]  # one concurrent task per call

    async def tools_node(call: ToolCall) -> dict[str, Any]:
        result = await toolbox[call.name].ainvoke(call.args)
        return {"messages": [Message("tool", str(result), tool_call_id=call.id, name=call.name)]}

    builder = StateGraph(State)
    builder.add_node("agent", agent)
    builder.add_node("tools", tools_node)
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", act_or_finish, ["tools", END])
    builder.add_edge("tools", "agent")
    return builder.compile()


def main() -> None:
    app = build_graph()
    clock = VirtualClock()
    started = time.perf_counter()
    result = clock.run(app.ainvoke(INPUT))
    real = time.perf_counter() - started
    for message in result["messages"]:
        calls = ", ".join(f"{c.name}({dict(c.args)})" for c in message.tool_calls)
        print(f"{message.role:>9}: {message.content or calls}")
    print(f"virtual time: {clock.now()} s; real time: {real * 1000:.1f} ms")


if __name__ == "__main__":
    main()
