"""Batch async: thousands of inputs through ``abatch``, a bounded number in flight.

``abatch(inputs, config={"max_concurrency": n})`` runs the graph once per input,
concurrently, with at most ``n`` runs in flight; results come back in input
order. The bound is the point: 2,000 support tickets started at once would send
2,000 requests to the model provider in the same instant. With ``n = 100`` and
a one-second model call per ticket, the batch moves in waves of 100 and takes
exactly 2,000 / 100 = 20 virtual seconds, a throughput of 100 tickets per
virtual second.

Progress comes from the run events: ``Progress`` subscribes to them
(``warpgraph.observe``), counts top-level runs as they finish, and prints a bar
every 10 %, stamped with the loop's (virtual) time.

``abatch`` holds every input and every result. For inputs that do not fit in
memory (a large file, an endless queue), ``amap`` pulls them lazily from any
iterable and keeps at most ``max_in_flight`` runs started and not yet consumed;
with ``as_completed=True`` results come as runs finish (``classify_stream``).

Run it with ``python examples/batch_async.py``: 2,000 runs through ``abatch``,
then 5,000 streamed through ``amap``, each in about a second of real time.

Benchmark hook: ``build_graph()`` returns a compiled graph with a fresh fake
model that answers any number of runs; ``make_inputs(n)`` builds ``n`` inputs,
``CONFIG`` is the batch config (the bound) and ``virtual_seconds(n, limit)`` the
virtual makespan of the batch; ``INPUTS``/``VIRTUAL_SECONDS`` are the 2,000 case.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from typing import Any, TypedDict

from warpgraph import END, START, CompiledGraph, StateGraph, observe
from warpgraph.runtime import Event, RunFinished, RunStarted
from warpgraph.testing import FakeLLM, Request, VirtualClock

SIZE = 2000
STREAMED = 5000
LIMIT = 100
CONFIG: dict[str, Any] = {"max_concurrency": LIMIT}
LABELS = ("billing", "bug", "account", "other")


def make_inputs(n: int = SIZE) -> list[dict[str, Any]]:
    return [{"ticket": f"ticket {i}: {LABELS[i % 4]} issue reported"} for i in range(n)]


def virtual_seconds(n: int = SIZE, limit: int = LIMIT) -> float:
    return float(math.ceil(n / limit))  # one-second runs, `limit` at a time


INPUTS = make_inputs()
VIRTUAL_SECONDS = virtual_seconds()


class State(TypedDict, total=False):
    ticket: str
    raw: str
    label: str


def make_llm() -> FakeLLM:
    def classify(request: Request) -> str:
        found = next((label for label in LABELS if label in request.prompt), "other")
        return f"Label: {found}"

    return FakeLLM(classify, latency=1.0, name="classifier")


def build_graph(*, llm: FakeLLM | None = None) -> CompiledGraph:
    model = llm or make_llm()

    async def classify(state: State) -> dict[str, Any]:
        reply = await model.ainvoke(f"Classify: {state['ticket']}")
        return {"raw": reply.content}

    # `async def` although it never awaits: a plain `def` node runs in a worker thread,
    # and a thread hop per run roughly doubles this batch's real time.
    async def parse(state: State) -> dict[str, Any]:
        return {"label": state["raw"].removeprefix("Label: ")}

    builder = StateGraph(State)
    builder.add_node("classify", classify)
    builder.add_node("parse", parse)
    builder.add_edge(START, "classify")
    builder.add_edge("classify", "parse")
    builder.add_edge("parse", END)
    return builder.compile()


class Progress:
    """A run-event subscriber that prints a progress bar every ``every`` finished runs."""

    def __init__(self, total: int, *, every: int, out: Callable[[str], None] = print) -> None:
        self.total = total
        self.every = every
        self.out = out
        self.done = 0
        self._top_level: set[str] = set()

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted) and event.parent_task_id is None:
            self._top_level.add(event.run_id)
        elif isinstance(event, RunFinished) and event.run_id in self._top_level:
            self._top_level.discard(event.run_id)
            self.done += 1
            if self.done % self.every == 0 or self.done == self.total:
                filled = 20 * self.done // self.total
                bar = "#" * filled + "-" * (20 - filled)
                self.out(f"[{bar}] {self.done:>5}/{self.total} runs at {event.t:6.1f} s")


async def classify_all(
    app: CompiledGraph, inputs: list[dict[str, Any]], *, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """The batch: every input through ``app``, ``LIMIT`` at a time, with optional progress."""
    if progress is None:
        return await app.abatch(inputs, config=CONFIG)
    with observe(progress):
        return await app.abatch(inputs, config=CONFIG)


def ticket_stream(n: int) -> Iterator[dict[str, Any]]:
    """Tickets produced one at a time, as from a file or a queue (never all in memory)."""
    for i in range(n):
        yield {"ticket": f"ticket {i}: {LABELS[i % 4]} issue reported"}


async def classify_stream(
    app: CompiledGraph,
    tickets: Iterable[dict[str, Any]] | AsyncIterable[dict[str, Any]],
    *,
    window: int = LIMIT,
) -> Counter[str]:
    """Label counts over any number of tickets, at most ``window`` runs in flight."""
    counts: Counter[str] = Counter()
    async for _index, result in app.amap(tickets, max_in_flight=window, as_completed=True):
        counts[result["label"]] += 1  # results arrive as runs finish; nothing piles up
    return counts


def main() -> None:
    app = build_graph()
    clock = VirtualClock()
    progress = Progress(len(INPUTS), every=len(INPUTS) // 10)
    started = time.perf_counter()
    results = clock.run(classify_all(app, INPUTS, progress=progress))
    real = time.perf_counter() - started
    counts = {label: sum(r["label"] == label for r in results) for label in LABELS}
    print(f"labels: {counts}")
    print(f"virtual time: {clock.now()} s; real time: {real * 1000:.1f} ms")
    print(
        f"throughput: {len(results) / clock.now():.0f} runs per virtual second, "
        f"{len(results) / real:,.0f} runs per real second"
    )

    clock = VirtualClock()
    started = time.perf_counter()
    streamed = clock.run(classify_stream(build_graph(), ticket_stream(STREAMED)))
    real = time.perf_counter() - started
    labels = {label: streamed[label] for label in LABELS}
    print(f"streamed {streamed.total():,} tickets through amap: {labels}")
    print(f"virtual time: {clock.now()} s; real time: {real * 1000:.1f} ms")


if __name__ == "__main__":
    main()
