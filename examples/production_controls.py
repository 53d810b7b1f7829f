"""Production controls: a deadline per attempt, retries with backoff, and cancellation.

Real providers hang, fail and rate-limit. Three controls keep a graph usable:

* **Timeouts** bound how long one attempt may take:
  ``add_node("ask", ask, timeout=2.0)``. At the deadline the attempt is cancelled
  (its ``finally`` blocks run) and fails with ``NodeTimeoutError``, naming the
  node and the limit. ``config={"run_timeout": s}`` bounds a whole run the same
  way and raises ``RunTimeoutError``, saying which step and nodes it cut off.
* **Retries with backoff** (``RetryPolicy``, LangGraph's fields) run a failed
  node again after ``initial_interval * backoff_factor ** (n - 1)`` seconds.
  ``retry_on`` names what is worth retrying: the provider's errors and timeouts,
  not bugs. Jitter is off here so the times are exact; in production leave it
  on (or seed it) so that many clients do not retry in lockstep.
* **Cancellation** from the caller (``task.cancel()``, ``asyncio.timeout``
  around ``ainvoke``) cancels the node in flight, runs its ``finally`` blocks,
  stops any further retry, and leaves no task behind.

The flaky provider (``make_provider``) hangs on its first call, fails with a 500
after 1 s on its second, then answers in 1 s. So ``ask`` runs::

    attempt 1   0.0 -> 2.0   NodeTimeoutError (the hung call is cancelled at 2.0)
    backoff     2.0 -> 3.0   1 s
    attempt 2   3.0 -> 4.0   FakeServerError
    backoff     4.0 -> 6.0   2 s
    attempt 3   6.0 -> 7.0   ok

and the run ends at exactly 7.0 virtual seconds. With ``run_timeout=3.5`` the
same run stops in the middle of attempt 2; cancelled by its caller at 2.5, it
stops during the first backoff and never calls the provider again.

Run it with ``python examples/production_controls.py``.

Benchmark hook: ``build_graph()`` returns a compiled graph with a fresh flaky
provider (it is flaky on its first two calls only, so build one per timed run
for the retry path); ``INPUT`` is a run's input and ``VIRTUAL_SECONDS`` its
virtual makespan.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypedDict

from warpgraph import (
    END,
    START,
    CompiledGraph,
    NodeTimeoutError,
    RetryPolicy,
    RunTimeoutError,
    StateGraph,
)
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
    retry_on=(FakeProviderError, NodeTimeoutError),
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
            reply = await model.ainvoke(state["question"])
            return {"answer": reply.content}
        finally:
            if cleanups is not None:  # e.g. release a connection, close a stream
                cleanups.append(asyncio.get_running_loop().time())

    builder = StateGraph(State)
    builder.add_node("ask", ask, retry_policy=RETRY, timeout=ATTEMPT_TIMEOUT)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", END)
    return builder.compile()


async def run_until(app: CompiledGraph, *, run_timeout: float) -> str:
    """One run with a deadline on the whole of it; what happened, in one line."""
    try:
        result = await app.ainvoke(INPUT, config={"run_timeout": run_timeout})
    except RunTimeoutError as error:
        return f"RunTimeoutError: {error}"
    return f"answer: {result['answer']}"


async def cancel_after(app: CompiledGraph, seconds: float) -> str:
    """The caller's side: start a run, cancel it after ``seconds``, wait until it is gone."""
    run = asyncio.create_task(app.ainvoke(INPUT))
    await asyncio.sleep(seconds)
    run.cancel()
    try:
        await run
    except asyncio.CancelledError:
        return f"cancelled by the caller at {seconds} s"
    return "finished before the caller cancelled it"


def _show(title: str, scenario: Callable[[CompiledGraph], Coroutine[Any, Any, str]]) -> None:
    provider = make_provider()
    cleanups: list[float] = []
    app = build_graph(provider=provider, cleanups=cleanups)
    clock = VirtualClock()
    started = time.perf_counter()
    outcome = clock.run(scenario(app))
    real = time.perf_counter() - started
    print(f"== {title}")
    print(outcome)
    for call in provider.calls:
        error = f" ({type(call.error).__name__})" if call.error else ""
        print(f"  call {call.number}: {call.started} -> {call.ended} {call.status}{error}")
    print(f"  finally blocks ran at: {cleanups}")
    print(f"virtual time: {clock.now()} s; real time: {real * 1000:.1f} ms")


def main() -> None:
    _show("timeouts and retries", lambda app: run_until(app, run_timeout=60.0))
    _show("run_timeout=3.5", lambda app: run_until(app, run_timeout=3.5))
    _show("cancelled by the caller", lambda app: cancel_after(app, 2.5))


if __name__ == "__main__":
    main()
