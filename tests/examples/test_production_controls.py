"""Production controls: a timed-out attempt, backoff, a retried 500, and cancelled runs."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import production_controls as example
import pytest

from warpgraph import NodeTimeoutError, RunTimeoutError
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
        (1, 0.0, 2.0, "error"),  # the node's timeout
        (2, 3.0, 4.0, "error"),  # the provider's 500, after 1 s of backoff
        (3, 6.0, 7.0, "ok"),  # after 2 s of backoff
    ]
    timed_out, failed = (s.error for s in graph_trace.spans("ask")[:2])
    assert isinstance(timed_out, NodeTimeoutError)
    assert str(timed_out).startswith("Node 'ask' exceeded its timeout of 2 s (elapsed 2 s)")
    assert isinstance(failed, FakeServerError)
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
async def test_a_run_timeout_stops_the_run_mid_attempt_and_says_where_it_was(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    provider = example.make_provider()
    cleanups: list[float] = []
    app = example.build_graph(provider=provider, cleanups=cleanups)

    outcome = await example.run_until(app, run_timeout=3.5)

    assert re.match(
        r"^RunTimeoutError: Graph '\S+' exceeded its run_timeout of 3\.5 s in step 1 "
        r"\(nodes in flight: ask\); trajectory so far: 1 ask\.",
        outcome,
    )
    assert vclock.now() == 3.5
    assert [(c.ended, c.status) for c in provider.calls] == [(2.0, "cancelled"), (3.5, "cancelled")]
    assert cleanups == [2.0, 3.5]
    assert [s.status for s in graph_trace.spans("ask")] == ["error", "cancelled"]
    assert asyncio.all_tasks() == {asyncio.current_task()}  # nothing left behind


@pytest.mark.virtual_time
async def test_the_run_timeout_error_is_a_timeout_error_callers_can_catch() -> None:
    with pytest.raises(TimeoutError) as caught:
        await example.build_graph().ainvoke(example.INPUT, config={"run_timeout": 1.0})
    assert isinstance(caught.value, RunTimeoutError)


@pytest.mark.virtual_time
async def test_cancelling_the_run_during_a_backoff_stops_the_retries(
    vclock: VirtualClock,
) -> None:
    provider = example.make_provider()
    cleanups: list[float] = []
    app = example.build_graph(provider=provider, cleanups=cleanups)

    # Attempt 1 timed out at 2.0; the backoff lasts until 3.0.
    assert await example.cancel_after(app, 2.5) == "cancelled by the caller at 2.5 s"

    assert vclock.now() == 2.5
    await asyncio.sleep(10)
    assert provider.call_count == 1  # no attempt started after the cancellation
    assert cleanups == [2.0]
    assert asyncio.all_tasks() == {asyncio.current_task()}


@pytest.mark.virtual_time
async def test_a_caller_deadline_cancels_the_call_in_flight(vclock: VirtualClock) -> None:
    provider = example.make_provider()
    cleanups: list[float] = []
    app = example.build_graph(provider=provider, cleanups=cleanups)

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(3.25):
            await app.ainvoke(example.INPUT)

    assert [(c.ended, c.status) for c in provider.calls] == [
        (2.0, "cancelled"),
        (3.25, "cancelled"),
    ]
    assert cleanups == [2.0, 3.25]


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
    with pytest.raises(
        ValueError,
        match=(
            r"^prompt template has no \{question\}"
            r"\nDuring task with name 'ask' and id '[0-9a-f-]+'$"
        ),
    ):
        await example.build_graph(provider=buggy).ainvoke(example.INPUT)
    assert buggy.call_count == 1
    assert vclock.now() == 1.0


def test_the_example_prints_the_three_scenarios_with_their_durations(
    run_example: Callable[[str], str],
) -> None:
    out = run_example("production_controls")
    assert f"answer: {ANSWER}" in out
    assert "  call 2: 3.0 -> 4.0 error (FakeServerError)" in out
    assert "RunTimeoutError: Graph " in out
    assert "  call 2: 3.0 -> 3.5 cancelled" in out
    assert "cancelled by the caller at 2.5 s" in out
    durations = re.findall(r"virtual time: (\S+) s; real time: \S+ ms", out)
    assert durations == ["7.0", "3.5", "2.5"]
