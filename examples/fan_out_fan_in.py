"""Fan-out / fan-in: three tools at once, then one join.

A router prepares a query; three independent tools (web search, a database
lookup, a weather API) each take one second; a join waits for all three; then a
model writes the answer from their results::

    router -> {web_search, db_lookup, weather} -> join -> answer

The three tools have edges from the same node, so they are planned into the same
superstep and run concurrently: the tool phase takes 1.0 s, not 3.0 s. The join
is a *waiting edge*, ``add_edge(["web_search", "db_lookup", "weather"], "join")``:
it runs once, after all three have finished. The answer model takes 0.5 s, so a
run ends at exactly 1.5 virtual seconds.

``build_graph(parallel=False)`` wires the same tools as a chain instead, the
mistake this pattern exists to avoid: 3.5 s. The test asserts both.

Run it with ``python examples/fan_out_fan_in.py``.

Benchmark hook: ``build_graph()`` returns a compiled graph with fresh fakes that
answer any number of runs; ``INPUT`` is a run's input and ``VIRTUAL_SECONDS`` its
virtual makespan.
"""

from __future__ import annotations

import time
from typing import Any, TypedDict

from warpgraph import END, START, CompiledGraph, StateGraph
from warpgraph.testing import FakeLLM, FakeTool, Request, VirtualClock

INPUT = {"question": "Should I cycle to the office in Paris tomorrow?"}
VIRTUAL_SECONDS = 1.5
TOOLS = ("web_search", "db_lookup", "weather")


class State(TypedDict, total=False):
    question: str
    query: str
    web: str
    history: str
    forecast: str
    answer: str


def make_tools() -> dict[str, FakeTool]:
    """The three one-second tools, each answering from its arguments."""
    return {
        "web_search": FakeTool("web_search", lambda a: f"3 articles on {a['q']}", latency=1.0),
        "db_lookup": FakeTool("db_lookup", lambda a: f"{a['user']} cycled 12 times", latency=1.0),
        "weather": FakeTool("weather", lambda a: f"{a['city']}: dry, 14 C", latency=1.0),
    }


def make_llm() -> FakeLLM:
    def answer(request: Request) -> str:
        return "Yes: " + request.prompt.splitlines()[-1]

    return FakeLLM(answer, latency=0.5, name="answer-model")


def build_graph(
    *,
    tools: dict[str, FakeTool] | None = None,
    llm: FakeLLM | None = None,
    parallel: bool = True,
) -> CompiledGraph:
    """The graph; ``parallel=False`` chains the tools instead (the slow wiring)."""
    tools = tools or make_tools()
    llm = llm or make_llm()

    def router(state: State) -> dict[str, Any]:
        return {"query": state["question"].lower().rstrip("?")}

    async def web_search(state: State) -> dict[str, Any]:
        return {"web": await tools["web_search"].ainvoke({"q": state["query"]})}

    async def db_lookup(state: State) -> dict[str, Any]:
        return {"history": await tools["db_lookup"].ainvoke({"user": "ada"})}

    async def weather(state: State) -> dict[str, Any]:
        return {"forecast": await tools["weather"].ainvoke({"city": "paris"})}

    def join(state: State) -> dict[str, Any]:
        return {}  # a synchronisation point: every tool's result is in the state by now

    async def answer(state: State) -> dict[str, Any]:
        context = f"{state['web']}; {state['history']}; {state['forecast']}"
        reply = await llm.ainvoke(f"{state['question']}\n{context}")
        return {"answer": reply.content}

    builder = StateGraph(State)
    builder.add_node("router", router)
    builder.add_node("web_search", web_search)
    builder.add_node("db_lookup", db_lookup)
    builder.add_node("weather", weather)
    builder.add_node("join", join)
    builder.add_node("answer", answer)
    builder.add_edge(START, "router")
    if parallel:
        for tool in TOOLS:
            builder.add_edge("router", tool)
        builder.add_edge(list(TOOLS), "join")  # waits for all three
    else:
        builder.add_edge("router", "web_search")
        builder.add_edge("web_search", "db_lookup")
        builder.add_edge("db_lookup", "weather")
        builder.add_edge("weather", "join")
    builder.add_edge("join", "answer")
    builder.add_edge("answer", END)
    return builder.compile()


def main() -> None:
    for parallel in (True, False):
        app = build_graph(parallel=parallel)
        clock = VirtualClock()
        started = time.perf_counter()
        result = clock.run(app.ainvoke(INPUT))
        real = time.perf_counter() - started
        print("fan-out" if parallel else "chain (the slow wiring)")
        print(f"  answer: {result['answer']}")
        print(f"  virtual time: {clock.now()} s; real time: {real * 1000:.1f} ms")


if __name__ == "__main__":
    main()
