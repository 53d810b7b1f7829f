"""Mixed sync and async nodes in one graph.

Not every node needs to be ``async def``. A plain ``def`` node is fine, and it
does not block the others: under ``ainvoke`` the engine runs it in a worker
thread (``loop.run_in_executor``), so while it waits on a blocking client, the
async nodes of the same step keep running on the event loop.

The graph::

    preprocess (def) -> {profile (def, blocking tool, 1 s), draft (async def, model, 1 s)}
                     -> polish (def, blocking model client, 0.5 s)

``profile`` calls a *sync* tool client and ``draft`` an *async* model client; they
are in the same step and overlap, so the step takes 1.0 s, not 2.0 s, and the run
ends at 1.5 virtual seconds. ``preprocess`` is pure computation: it takes no
virtual time at all.

Virtual time and threads: the fakes' sync methods (``tool.invoke``,
``llm.invoke``) park their worker thread on the virtual clock, so they take
exactly their latency in virtual time. A real blocking call (``time.sleep``,
``requests.get``) in a thread takes *real* time and zero virtual time; fake the
client, not the clock.

Run it with ``python examples/mixed_sync_async.py``.

Benchmark hook: ``build_graph()`` returns a compiled graph with fresh fakes that
answer any number of runs; ``INPUT`` is a run's input and ``VIRTUAL_SECONDS`` its
virtual makespan.
"""

from __future__ import annotations

import time
from typing import Any, TypedDict

from warpgraph import END, START, CompiledGraph, StateGraph
from warpgraph.testing import FakeLLM, FakeTool, Request, VirtualClock

INPUT = {"text": "  Warpgraph runs sync and async nodes side by side.  "}
VIRTUAL_SECONDS = 1.5


class State(TypedDict, total=False):
    text: str
    clean: str
    profile: str
    draft: str
    final: str


def make_profile_tool() -> FakeTool:
    return FakeTool(
        "crm_profile", lambda args: f"{args['user']}: prefers short answers", latency=1.0
    )


def make_llm(name: str, latency: float) -> FakeLLM:
    def answer(request: Request) -> str:
        return f"[{name}] {request.prompt.splitlines()[0]}"

    return FakeLLM(answer, latency=latency, name=name)


def build_graph(
    *,
    tool: FakeTool | None = None,
    drafter: FakeLLM | None = None,
    polisher: FakeLLM | None = None,
) -> CompiledGraph:
    tool = tool or make_profile_tool()
    drafter = drafter or make_llm("drafter", 1.0)
    polisher = polisher or make_llm("polisher", 0.5)

    def preprocess(state: State) -> dict[str, Any]:
        return {"clean": " ".join(state["text"].split())}  # pure CPU work: no virtual time

    def profile(state: State) -> dict[str, Any]:
        # A blocking client in a plain `def` node: it runs in a worker thread.
        return {"profile": tool.invoke({"user": "ada"})}

    async def draft(state: State) -> dict[str, Any]:
        reply = await drafter.ainvoke(f"Draft a reply to: {state['clean']}")
        return {"draft": reply.content}

    def polish(state: State) -> dict[str, Any]:
        reply = polisher.invoke(f"Polish: {state['draft']}\nFor: {state['profile']}")
        return {"final": reply.content}

    builder = StateGraph(State)
    builder.add_node("preprocess", preprocess)
    builder.add_node("profile", profile)
    builder.add_node("draft", draft)
    builder.add_node("polish", polish)
    builder.add_edge(START, "preprocess")
    builder.add_edge("preprocess", "profile")
    builder.add_edge("preprocess", "draft")
    builder.add_edge(["profile", "draft"], "polish")
    builder.add_edge("polish", END)
    return builder.compile()


def main() -> None:
    app = build_graph()
    clock = VirtualClock()
    started = time.perf_counter()
    result = clock.run(app.ainvoke(INPUT))
    real = time.perf_counter() - started
    print(f"result: {result}")
    print(f"virtual time: {clock.now()} s; real time: {real * 1000:.1f} ms")


if __name__ == "__main__":
    main()
