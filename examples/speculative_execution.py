"""Speculative execution: ask two models at once, keep the first answer, cancel the other.

When latency matters more than cost, a node can *race* candidates: start the
same request on a fast model and on a strong one, take whichever answers first,
and cancel the rest, so the loser stops consuming tokens (and its ``finally``
blocks run). A candidate that *fails* does not win: the race waits for the next
one, and only if every candidate fails does the node fail, with all the errors.

``first_success`` below is that race in a dozen lines of asyncio; it works inside
any async node. Here the ``answer`` node races ``fast`` (1 s) against ``strong``
(3 s): the run ends at 1.0 virtual second, ``winner`` says ``fast``, and the strong
model's call is recorded as cancelled at 1.0. If the fast model fails after
0.5 s, the strong one wins at 3.0.

Run it with ``python examples/speculative_execution.py``.

Benchmark hook: ``build_graph()`` returns a compiled graph with fresh fakes that
answer any number of runs; ``INPUT`` is a run's input and ``VIRTUAL_SECONDS`` its
virtual makespan.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping
from typing import Any, TypedDict, TypeVar

from warpgraph import END, START, CompiledGraph, StateGraph
from warpgraph.testing import FakeLLM, FakeServerError, VirtualClock

T = TypeVar("T")
INPUT = {"question": "Name a river that flows through Lyon."}
VIRTUAL_SECONDS = 1.0


async def first_success(candidates: Mapping[str, Awaitable[T]]) -> tuple[str, T]:
    """Run every candidate at once; return ``(name, result)`` of the first to succeed.

    The others are cancelled and awaited before returning, so nothing keeps
    running behind the caller's back. If all fail, raises an ``ExceptionGroup``.
    """
    tasks = {asyncio.ensure_future(c): name for name, c in candidates.items()}
    errors: list[Exception] = []
    try:
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=list(tasks).index):  # a tie goes to the first listed
                error = task.exception()
                if error is None:
                    return tasks[task], task.result()
                if not isinstance(error, Exception):
                    raise error  # KeyboardInterrupt and the like are not a lost race
                errors.append(error)
        raise ExceptionGroup(f"all {len(tasks)} candidates failed", errors)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class State(TypedDict, total=False):
    question: str
    answer: str
    winner: str


def make_models(*, fast_fails: bool = False) -> dict[str, FakeLLM]:
    def reply(model: str) -> Any:
        return lambda request: f"[{model}] The Rhône (asked: {request.prompt!r})"

    failures = {1: FakeServerError(after=0.5)} if fast_fails else None
    return {
        "fast": FakeLLM(reply("fast"), latency=1.0, failures=failures, name="fast"),
        "strong": FakeLLM(reply("strong"), latency=3.0, name="strong"),
    }


def build_graph(*, models: dict[str, FakeLLM] | None = None) -> CompiledGraph:
    llms = models or make_models()

    async def answer(state: State) -> dict[str, Any]:
        winner, reply = await first_success(
            {name: llm.ainvoke(state["question"]) for name, llm in llms.items()}
        )
        return {"answer": reply.content, "winner": winner}

    builder = StateGraph(State)
    builder.add_node("answer", answer)
    builder.add_edge(START, "answer")
    builder.add_edge("answer", END)
    return builder.compile()


def main() -> None:
    for title, fast_fails in (("race", False), ("race, fast model fails", True)):
        models = make_models(fast_fails=fast_fails)
        clock = VirtualClock()
        started = time.perf_counter()
        result = clock.run(build_graph(models=models).ainvoke(INPUT))
        real = time.perf_counter() - started
        print(f"== {title}")
        print(f"winner: {result['winner']}; answer: {result['answer']}")
        calls = ", ".join(
            f"{n} {c.status} at {c.ended}" for n, m in models.items() for c in m.calls
        )
        print(f"calls: {calls}")
        print(f"virtual time: {clock.now()} s; real time: {real * 1000:.1f} ms")


if __name__ == "__main__":
    main()
