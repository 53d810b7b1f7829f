"""Production controls: a timed-out attempt, backoff, a retried 500, and a cancelled run."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import production_controls as example
import pytest

from warpgraph.testing import FakeLLM, FakeServerError, Trace, VirtualClock

ANSWER = "Summary: summarize yesterday's incident report."


@pytest.mark.virtual_time
async def test_the_third_attempt_succeeds_at_exactly_seven_virtual_seconds(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    result = await example.build_graph().ainvoke(example.INPUT)

    assert result["answer"] == ANSWER
    assert vclock.now() == example.VIRTUAL_SECONDS == 7.0
    attempts = [(s.attempt, s.start, s.end, s.status) for s in graph_trace.spans("ask")]
    assert attempts == [
        (1, 0.0, 2.0, "error"),  # the per-attempt deadline
        (2, 3.0, 4.0, "error"),  # the provider's 500, after 1 s of backoff
        (3, 6.0, 7.0, "ok"),  # after 2 s of backoff
    ]
    assert [type(s.error) for s in graph_trace.spans("ask")[:2]] == [TimeoutError, FakeServerError]
    assert graph_trace.idle_time() == 3.0  # the two backoffs


@pytest.mark.virtual_time
async def test_the_hung_call_is_cancelled_at_the_deadline_and_every_finally_runs() -> None:
    provider = example.make_provider()
    cleanups: list[float] = []

    await example.build_graph(provider=provider, cleanups=cleanups).ainvoke(example.INPUT)

    calls = [(c.number, c.started, c.ended, c.status) for c in provider.calls]
    assert calls == [
        (1, 0.0, 2.0, "cancelled"),
        (2, 3.0, 4.0, "error"),
        (3, 6.0, 7.0, "ok"),
    ]
    assert cleanups == [2.0, 4.0, 7.0]


@pytest.mark.virtual_time
async def test_a_caller_deadline_cancels_the_run_in_the_middle_of_an_attempt(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    provider = example.make_provider()
    cleanups: list[float] = []
    app = example.build_graph(provider=provider, cleanups=cleanups)

    assert await example.ask_with_deadline(app, 3.5) is None

    assert vclock.now() == 3.5
    assert [(c.ended, c.status) for c in provider.calls] == [(2.0, "cancelled"), (3.5, "cancelled")]
    assert cleanups == [2.0, 3.5]
    assert [s.status for s in graph_trace.spans("ask")] == ["error", "cancelled"]
    (run,) = graph_trace.runs
    assert (run.end, run.status) == (3.5, "cancelled")
    assert asyncio.all_tasks() == {asyncio.current_task()}  # nothing left behind


@pytest.mark.virtual_time
async def test_cancelling_the_task_during_a_backoff_stops_the_retries(
    vclock: VirtualClock,
) -> None:
    provider = example.make_provider()
    run = asyncio.create_task(example.build_graph(provider=provider).ainvoke(example.INPUT))
    await asyncio.sleep(2.5)  # attempt 1 timed out at 2.0; the backoff lasts until 3.0

    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run

    assert vclock.now() == 2.5
    await asyncio.sleep(10)
    assert provider.call_count == 1  # no attempt started after the cancellation


@pytest.mark.virtual_time
async def test_after_max_attempts_the_last_error_propagates(vclock: VirtualClock) -> None:
    always_down = FakeLLM(
        lambda request: "-",
        latency=1.0,
        failures={n: FakeServerError() for n in range(1, 10)},
        name="down",
    )
    with pytest.raises(FakeServerError, match=r"^server error \(500\)$"):
        await example.build_graph(provider=always_down).ainvoke(example.INPUT)
    # Four one-second attempts with 1 + 2 + 4 s of backoff between them.
    assert vclock.now() == 4 * 1.0 + 1 + 2 + 4
    assert always_down.call_count == example.RETRY.max_attempts == 4


@pytest.mark.virtual_time
async def test_a_bug_is_not_retried(vclock: VirtualClock) -> None:
    buggy = FakeLLM([ValueError("prompt template has no {question}")], latency=1.0)
    with pytest.raises(ValueError, match=r"^prompt template has no \{question\}$"):
        await example.build_graph(provider=buggy).ainvoke(example.INPUT)
    assert buggy.call_count == 1
    assert vclock.now() == 1.0


def test_the_example_prints_both_runs_with_their_calls_and_durations(
    run_example: Callable[[str], str],
) -> None:
    out = run_example("production_controls")
    assert "  call 2: 3.0 -> 4.0 error (FakeServerError)" in out
    assert "  call 2: 3.0 -> 3.5 cancelled" in out
    assert "  finally blocks ran at: [2.0, 4.0, 7.0]" in out
    durations = re.findall(r"virtual time: (\S+) s; real time: \S+ ms", out)
    assert durations == ["7.0", "3.5"]
