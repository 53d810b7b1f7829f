"""Production controls: a deadline per attempt, retries with backoff, and cancellation.

Real providers hang, fail and rate-limit. Three controls keep a graph usable:

* **Timeouts** bound how long one attempt may wait. The ``ask`` node gives each
  model call ``ATTEMPT_TIMEOUT`` seconds; past it the call is cancelled and the
  attempt fails with ``TimeoutError``.
* **Retries with backoff** (``RetryPolicy``, LangGraph's fields) run a failed
  node again after ``initial_interval * backoff_factor ** (n - 1)`` seconds.
  ``retry_on`` names what is worth retrying: the provider's errors and timeouts,
  not bugs. Jitter is off here so the times are exact; in production leave it
  on (or seed it) so that many clients do not retry in lockstep.
* **Cancellation** comes from the caller: ``asyncio.timeout`` around
  ``ainvoke`` (or ``task.cancel()``) cancels the run, which cancels the node in
  flight, whose own ``finally`` blocks run, and leaves no task behind.

The flaky provider (``make_provider``) hangs on its first call, fails with a 500
after 1 s on its second, then answers in 1 s. So ``ask`` runs::

    attempt 1   0.0 -> 2.0   timed out (the hung call is cancelled at 2.0)
    backoff     2.0 -> 3.0   1 s
    attempt 2   3.0 -> 4.0   FakeServerError
    backoff     4.0 -> 6.0   2 s
    attempt 3   6.0 -> 7.0   ok

and the run ends at exactly 7.0 virtual seconds. Given only 3.5 s by its
caller, the same run is cancelled in the middle of attempt 2.

Run it with ``python examples/production_controls.py``.

Benchmark hook: ``build_graph()`` returns a compiled graph with a fresh flaky
provider (it is flaky on its first two calls only, so build one per timed run
for the retry path); ``INPUT`` is a run's input and ``VIRTUAL_SECONDS`` its
virtual makespan.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, TypedDict

from warpgraph import END, START, CompiledGraph, RetryPolicy, StateGraph
from warpgraph.testing import (
    FakeLLM,
    FakeProviderError,
    FakeServerError,
    FakeTimeoutError,
    Request,
    VirtualClock,
)

INPUT = {"question": "Summarize yesterday's incident report."}
VIRTUAL_SECONDS = 7.0
ATTEMPT_TIMEOUT = 2.0
RETRY = RetryPolicy(
    initial_interval=1.0,
    backoff_factor=2.0,
    max_attempts=4,
    jitter=False,  # exact times for the example; keep jitter on in production
    retry_on=(FakeProviderError, TimeoutError),
)


class State(TypedDict, total=False):
    question: str
    answer: str


def make_provider() -> FakeLLM:
    """A model that hangs on call 1, fails with a 500 on call 2, then answers in 1 s."""

    def answer(request: Request) -> str:
        return f"Summary: {request.prompt.lower()}"

    failures = {1: FakeTimeoutError(after=30.0), 2: FakeServerError()}
    return FakeLLM(answer, latency=1.0, failures=failures, name="flaky-provider")


def build_graph(
    *, provider: FakeLLM | None = None, cleanups: list[float] | None = None
) -> CompiledGraph:
    """``cleanups``, if given, records the loop time of every attempt's ``finally``."""
    model = provider or make_provider()

    async def ask(state: State) -> dict[str, Any]:
        try:
            async with asyncio.timeout(ATTEMPT_TIMEOUT):  # a deadline per attempt
                reply = await model.ainvoke(state["question"])
            return {"answer": reply.content}
        finally:
            if cleanups is not None:  # e.g. release a connection, close a stream
                cleanups.append(asyncio.get_running_loop().time())

    builder = StateGraph(State)
    builder.add_node("ask", ask, retry_policy=RETRY)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", END)
    return builder.compile()


async def ask_with_deadline(app: CompiledGraph, seconds: float) -> dict[str, Any] | None:
    """The caller's side: give the whole run ``seconds``; None if it was cancelled."""
    try:
        async with asyncio.timeout(seconds):
            return await app.ainvoke(INPUT)
    except TimeoutError:
        return None


def _run(title: str, deadline: float) -> None:
    provider = make_provider()
    cleanups: list[float] = []
    app = build_graph(provider=provider, cleanups=cleanups)
    clock = VirtualClock()
    started = time.perf_counter()
    result = clock.run(ask_with_deadline(app, deadline))
    real = time.perf_counter() - started
    print(f"== {title}")
    print(f"result: {result}")
    for call in provider.calls:
        error = f" ({type(call.error).__name__})" if call.error else ""
        print(f"  call {call.number}: {call.started} -> {call.ended} {call.status}{error}")
    print(f"  finally blocks ran at: {cleanups}")
    print(f"virtual time: {clock.now()} s; real time: {real * 1000:.1f} ms")


def main() -> None:
    _run("timeouts and retries: the third attempt succeeds", deadline=60.0)
    _run("cancelled by the caller after 3.5 s", deadline=3.5)


if __name__ == "__main__":
    main()
