"""The async-execution guide's closing demonstration, checked instead of believed.

The guide ends with a graph whose comment says "Fan-out: both run concurrently",
but whose edges say otherwise: ``summarize`` is the entry point and ``analyze``
follows it, so the two one-second LLM calls run one after the other. The guide's
own output gives it away ("Execution time: 2.03 seconds"), yet nothing fails.

Here the same graph runs on warpgraph in virtual time, with a fake LLM that
takes exactly one (virtual) second per call:

* as the guide wires it, it takes 2.0 virtual seconds, and
  ``trace.assert_parallel("summarize", "analyze")`` fails with a Gantt chart
  showing the staircase;
* wired as the comment intends -- both nodes from START, joined by a waiting
  edge -- it takes 1.0 virtual second and the assertion passes.

Both runs take a few milliseconds of real time. Run it with::

    python examples/guide_demo.py
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from warpgraph import END, START, CompiledGraph, StateGraph, observe
from warpgraph.testing import FakeLLM, Request, Trace, TraceAssertionError, VirtualClock

TEXT = "LangGraph enables high performance agent systems"


class State(TypedDict, total=False):
    text: str
    summary: str
    sentiment: str


def guide_llm() -> FakeLLM:
    """The guide's ``fake_llm``: one second of latency, ``Result(<first 15 chars>)``."""

    def answer(request: Request) -> str:
        return f"Result({request.prompt[:15]})"

    return FakeLLM(answer, latency=1.0, name="fake_llm")


def _nodes(builder: StateGraph[State], llm: FakeLLM) -> None:
    async def summarize(state: State) -> dict[str, Any]:
        result = await llm.ainvoke("Summarize: " + state["text"])
        return {"summary": result.content}

    async def analyze(state: State) -> dict[str, Any]:
        result = await llm.ainvoke("Sentiment: " + state["text"])
        return {"sentiment": result.content}

    builder.add_node("summarize", summarize)
    builder.add_node("analyze", analyze)


def as_the_guide_wires_it(llm: FakeLLM) -> CompiledGraph:
    builder = StateGraph(State)
    _nodes(builder, llm)
    # Fan-out: both run concurrently  <- the guide's comment; the edges below disagree
    builder.set_entry_point("summarize")
    builder.add_edge("summarize", "analyze")
    builder.add_edge("analyze", END)
    return builder.compile()


def as_the_comment_intends(llm: FakeLLM) -> CompiledGraph:
    builder = StateGraph(State)
    _nodes(builder, llm)

    def join(state: State) -> dict[str, Any]:
        return {}  # waits for both branches; the state already holds both results

    builder.add_node("join", join)
    builder.add_edge(START, "summarize")
    builder.add_edge(START, "analyze")
    builder.add_edge(["summarize", "analyze"], "join")
    builder.add_edge("join", END)
    return builder.compile()


@dataclass(frozen=True)
class Outcome:
    result: dict[str, Any]
    virtual_seconds: float
    real_seconds: float
    trace: Trace


def run(build: Callable[[FakeLLM], CompiledGraph]) -> Outcome:
    """One run on a fresh virtual clock, traced."""
    app = build(guide_llm())
    trace = Trace()
    clock = VirtualClock()
    started = time.perf_counter()
    with observe(trace):
        result = clock.run(app.ainvoke({"text": TEXT}))
    return Outcome(result, clock.now(), time.perf_counter() - started, trace)


def report(title: str, outcome: Outcome) -> str:
    lines = [
        f"== {title}",
        f"result: {outcome.result}",
        f"virtual time: {outcome.virtual_seconds} s (makespan {outcome.trace.makespan} s); "
        f"real time: {outcome.real_seconds * 1000:.1f} ms",
    ]
    try:
        outcome.trace.assert_parallel("summarize", "analyze")
    except TraceAssertionError as error:
        lines.append(f"assert_parallel('summarize', 'analyze') FAILED:\n{error}")
    else:
        lines.append("assert_parallel('summarize', 'analyze') passed")
    return "\n".join(lines)


def main() -> None:
    print(report("as the guide wires it", run(as_the_guide_wires_it)))
    print()
    print(report("as its comment intends", run(as_the_comment_intends)))


if __name__ == "__main__":
    main()
