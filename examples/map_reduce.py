"""Map-reduce with ``Send``: one task per item, at most ``max_concurrency`` at a time.

*Map*: a conditional edge returns one ``Send("summarize", doc)`` per document, so
the next step has one task per document, however many there are. *Reduce*: each
task appends its summary to ``summaries`` (a reducer key, ``operator.add``), and
once the step is over one ``reduce`` node combines them. Send tasks' writes are
applied in Send order, so the summaries come out in document order even though
the tasks finish in any order.

Unbounded, 100 one-second model calls would all hit the provider at once. The
run's ``max_concurrency`` config key (LangGraph's name for it) caps how many
tasks of a step run at the same time: with 100 documents and a limit of 10 the
map step takes ceil(100 / 10) = 10 virtual seconds, the reduce one more, and the
run ends at exactly 11.0.

``max_concurrency`` is per run: two runs at once may make 20 calls at once. When
the limit is really the provider's capacity, put it on the node instead,
``build_graph(node_limit=10)`` -> ``add_node("summarize", ..., max_concurrency=10)``,
which holds across every run of the compiled graph (or pass a shared
``warpgraph.Limiter`` to share it with other nodes and graphs).

Run it with ``python examples/map_reduce.py``.

Benchmark hook: ``build_graph()`` returns a compiled graph with fresh fakes that
answer any number of runs; ``make_input(items)`` builds a run's input, ``CONFIG``
is the run config (the limit) and ``virtual_seconds(items, limit)`` the virtual
makespan; ``INPUT``/``VIRTUAL_SECONDS`` are the 100-item case.
"""

from __future__ import annotations

import math
import operator
import time
from typing import Annotated, Any, TypedDict

from warpgraph import END, START, CompiledGraph, Limiter, Send, StateGraph
from warpgraph.testing import FakeLLM, Request, VirtualClock

ITEMS = 100
LIMIT = 10
CONFIG: dict[str, Any] = {"max_concurrency": LIMIT}


def make_input(items: int = ITEMS) -> dict[str, Any]:
    return {"docs": [f"document {i}: quarterly notes from team {i % 7}" for i in range(items)]}


def virtual_seconds(items: int = ITEMS, limit: int | None = LIMIT) -> float:
    """Map rounds of one second each (all at once without a limit), plus the 1-s reduce."""
    rounds = 1 if limit is None else math.ceil(items / limit)
    return float(rounds + 1)


INPUT = make_input()
VIRTUAL_SECONDS = virtual_seconds()


class State(TypedDict, total=False):
    docs: list[str]
    summaries: Annotated[list[str], operator.add]
    report: str


def make_llm() -> FakeLLM:
    def answer(request: Request) -> str:
        if request.prompt.startswith("Combine"):
            return f"report over {request.prompt.count(chr(10))} summaries"
        return "summary of " + request.prompt.removeprefix("Summarize: ").split(":")[0]

    return FakeLLM(answer, latency=1.0, name="summarizer")


def build_graph(
    *, llm: FakeLLM | None = None, node_limit: int | Limiter | None = None
) -> CompiledGraph:
    """The graph; ``node_limit`` caps ``summarize`` across all runs (None: no node limit)."""
    model = llm or make_llm()

    def fan_out(state: State) -> list[Send]:
        return [Send("summarize", doc) for doc in state["docs"]]  # the map: one task per doc

    async def summarize(doc: str) -> dict[str, Any]:
        reply = await model.ainvoke(f"Summarize: {doc}")
        return {"summaries": [reply.content]}

    async def reduce(state: State) -> dict[str, Any]:
        reply = await model.ainvoke("Combine:\n" + "\n".join(state["summaries"]))
        return {"report": reply.content}

    builder = StateGraph(State)
    builder.add_node("summarize", summarize, max_concurrency=node_limit)
    builder.add_node("reduce", reduce)
    builder.add_conditional_edges(START, fan_out, ["summarize"])
    builder.add_edge("summarize", "reduce")
    builder.add_edge("reduce", END)
    return builder.compile()


def main() -> None:
    app = build_graph()
    clock = VirtualClock()
    started = time.perf_counter()
    result = clock.run(app.ainvoke(INPUT, config=CONFIG))
    real = time.perf_counter() - started
    print(f"{len(result['summaries'])} summaries, first: {result['summaries'][0]!r}")
    print(f"report: {result['report']!r}")
    print(
        f"max_concurrency={LIMIT}: virtual time: {clock.now()} s; real time: {real * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
