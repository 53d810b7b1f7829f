"""Speculative execution: ask two models at once, keep the first answer, cancel the other.

When latency matters more than cost, a node can *race* candidates: start the
same request on a fast model and on a strong one, take whichever answers first,
and cancel the rest, so the loser stops consuming tokens (its ``finally`` blocks
run before the race returns). A candidate that *fails* does not win: the race
waits for the next one, and only if every candidate fails does the node fail,
with all the errors in an ``ExceptionGroup``.

``warpgraph.race({...})`` does this inside any async node and returns a
``RaceResult`` naming the winner and the cancelled. Here ``answer`` races
``fast`` (1 s) against ``strong`` (3 s): the run ends at 1.0 virtual second and
the strong model's call is recorded as cancelled at 1.0. If the fast model
fails after 0.5 s, the strong one wins at 3.0.

Racing doubles the requests. ``warpgraph.hedge(call, after=s, backup=...)``
starts the backup only if the primary has not answered within ``s`` seconds,
so only the slow tail pays twice (``build_hedged_graph``): a primary stuck for
3 s is overtaken by a 1-s backup started at 0.5, at 1.5; a primary that answers
in 0.4 s never starts the backup at all.

Run it with ``python examples/speculative_execution.py``.

Benchmark hook: ``build_graph()`` returns a compiled graph with fresh fakes that
answer any number of runs; ``INPUT`` is a run's input and ``VIRTUAL_SECONDS`` its
virtual makespan.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any, TypedDict

from warpgraph import END, START, CompiledGraph, StateGraph, hedge, race
from warpgraph.testing import FakeLLM, FakeServerError, VirtualClock

INPUT = {"question": "Name a river that flows through Lyon."}
VIRTUAL_SECONDS = 1.0
HEDGE_AFTER = 0.5


class State(TypedDict, total=False):
    question: str
    answer: str
    winner: str
    cancelled: list[str]


def make_model(name: str, latency: float, *, fails_after: float | None = None) -> FakeLLM:
    """A model answering ``[name] The Rhône``; optionally failing its first call."""
    failures = None if fails_after is None else {1: FakeServerError(after=fails_after)}
    return FakeLLM(
        lambda request: f"[{name}] The Rhône", latency=latency, failures=failures, name=name
    )


def make_models(*, fast_fails: bool = False) -> dict[str, FakeLLM]:
    return {
        "fast": make_model("fast", 1.0, fails_after=0.5 if fast_fails else None),
        "strong": make_model("strong", 3.0),
    }


def _graph(answer: Any) -> CompiledGraph:
    builder = StateGraph(State)
    builder.add_node("answer", answer)
    builder.add_edge(START, "answer")
    builder.add_edge("answer", END)
    return builder.compile()


def build_graph(*, models: dict[str, FakeLLM] | None = None) -> CompiledGraph:
    """``answer`` races every model on the question; the first success wins."""
    llms = models or make_models()

    async def answer(state: State) -> dict[str, Any]:
        question = state["question"]
        # Zero-argument callables: race starts them all at once itself.
        result = await race({name: partial(llm.ainvoke, question) for name, llm in llms.items()})
        return {
            "answer": result.value.content,
            "winner": result.winner,
            "cancelled": list(result.cancelled),
        }

    return _graph(answer)


def build_hedged_graph(primary: FakeLLM, backup: FakeLLM) -> CompiledGraph:
    """``answer`` asks ``primary``; only if it is still busy after HEDGE_AFTER s, ``backup`` too."""

    async def answer(state: State) -> dict[str, Any]:
        question = state["question"]
        result = await hedge(
            lambda: primary.ainvoke(question),
            after=HEDGE_AFTER,
            backup=lambda: backup.ainvoke(question),
        )
        return {
            "answer": result.value.content,
            "winner": result.winner,
            "cancelled": list(result.cancelled),
        }

    return _graph(answer)


def _show(title: str, app: CompiledGraph, models: list[FakeLLM]) -> None:
    clock = VirtualClock()
    started = time.perf_counter()
    result = clock.run(app.ainvoke(INPUT))
    real = time.perf_counter() - started
    print(f"== {title}")
    print(f"winner: {result['winner']}; answer: {result['answer']}")
    calls = [f"{m.name} {c.status} at {c.ended}" for m in models for c in m.calls]
    print(f"calls: {', '.join(calls) or '-'}")
    print(f"virtual time: {clock.now()} s; real time: {real * 1000:.1f} ms")


def main() -> None:
    for title, fast_fails in (("race", False), ("race, the fast model fails", True)):
        models = make_models(fast_fails=fast_fails)
        _show(title, build_graph(models=models), list(models.values()))
    for latency in (3.0, 0.4):
        primary, backup = make_model("primary", latency), make_model("backup", 1.0)
        title = f"hedge after {HEDGE_AFTER} s, primary takes {latency} s"
        _show(title, build_hedged_graph(primary, backup), [primary, backup])


if __name__ == "__main__":
    main()
