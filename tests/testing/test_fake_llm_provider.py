"""FakeLLM as a provider: injected failures, rate limits, sync callers in threads, call spans."""

import asyncio
import re
import threading
from typing import TypedDict

import pytest

from warpgraph import END, START, RetryPolicy, StateGraph, observe
from warpgraph.runtime import CallFinished, CallStarted, Event, TaskStarted
from warpgraph.testing import (
    FakeLLM,
    FakeProviderError,
    FakeRateLimitError,
    FakeServerError,
    FakeTimeoutError,
    Latency,
    RandomFailures,
    VirtualClock,
)
from warpgraph.testing._fake_support import CallSpan


async def _attempt(llm: FakeLLM, prompt: str, clock: VirtualClock) -> tuple[float, str]:
    try:
        reply = await llm.ainvoke(prompt)
        return clock.now(), reply.content
    except FakeProviderError as error:
        return clock.now(), f"{type(error).__name__}({error.status_code})"


def test_scheduled_failures_fail_their_calls_without_using_up_the_script() -> None:
    llm = FakeLLM(
        ["one", "two"],
        latency=1.0,
        failures={2: FakeServerError(after=0.25, status_code=503)},
    )
    clock = VirtualClock()

    async def main() -> list[tuple[float, str]]:
        return [await _attempt(llm, f"q{i}", clock) for i in range(3)]

    assert clock.run(main()) == [
        (1.0, "one"),
        (1.25, "FakeServerError(503)"),
        (2.25, "two"),
    ]


@pytest.mark.parametrize(
    ("error", "ends_at"),
    [
        (FakeRateLimitError(retry_after=5), 0.0),  # refused at the door
        (FakeServerError(), 2.0),  # after the first-token latency
        (FakeTimeoutError(after=30), 30.0),  # hangs, then times out
    ],
)
def test_each_failure_reaches_the_caller_at_its_own_time(
    error: FakeProviderError, ends_at: float
) -> None:
    llm = FakeLLM([error], latency=2.0)
    clock = VirtualClock()

    with pytest.raises(type(error), match=f"^{re.escape(str(error))}$"):
        clock.run(llm.ainvoke("hi"))

    assert clock.now() == ends_at
    assert (llm.calls[0].status, llm.calls[0].ended) == ("error", ends_at)


def test_retries_of_the_same_request_count_as_attempts() -> None:
    llm = FakeLLM([FakeServerError(), FakeServerError(), "ok", "other"], latency=1.0)
    clock = VirtualClock()

    async def main() -> None:
        for _ in range(3):
            await _attempt(llm, "flaky", clock)
        await llm.ainvoke("fresh")

    clock.run(main())
    assert [(call.attempt, call.status) for call in llm.calls] == [
        (1, "error"),
        (2, "error"),
        (3, "ok"),
        (1, "ok"),
    ]


def test_random_failures_are_seeded_and_replay_exactly() -> None:
    def failing_calls(seed: int) -> list[int]:
        llm = FakeLLM(
            lambda request: "ok",
            failures=RandomFailures(0.3, [FakeServerError(), FakeRateLimitError()], seed=seed),
        )
        clock = VirtualClock()

        async def main() -> None:
            for i in range(40):
                await _attempt(llm, str(i), clock)

        clock.run(main())
        return [call.number for call in llm.calls if call.status == "error"]

    assert failing_calls(3) == failing_calls(3)
    assert failing_calls(3) != failing_calls(4)
    assert 0 < len(failing_calls(3)) < 40


def test_a_retry_policy_matching_the_provider_error_retries_in_virtual_time() -> None:
    llm = FakeLLM(["done"], latency=1.0, failures={1: FakeServerError(), 2: FakeServerError()})

    class State(TypedDict, total=False):
        answer: str

    async def ask(state: State) -> State:
        return {"answer": (await llm.ainvoke("go")).content}

    graph = StateGraph(State)
    policy = RetryPolicy(initial_interval=1.0, jitter=False, retry_on=FakeProviderError)
    graph.add_node("ask", ask, retry_policy=policy)
    graph.add_edge(START, "ask")
    graph.add_edge("ask", END)
    clock = VirtualClock()

    result = clock.run(graph.compile().ainvoke({}))

    # fail at 1, wait 1, fail at 3, wait 2, succeed at 6
    assert (result, clock.now()) == ({"answer": "done"}, 6.0)
    assert [call.attempt for call in llm.calls] == [1, 2, 3]


def test_over_the_rpm_limit_the_provider_refuses_with_the_exact_retry_after() -> None:
    llm = FakeLLM(lambda request: "ok", latency=1.0, rpm=2, name="gpt")
    clock = VirtualClock()

    async def main() -> None:
        await asyncio.gather(llm.ainvoke("a"), llm.ainvoke("b"))
        await asyncio.sleep(9.0)
        with pytest.raises(
            FakeRateLimitError,
            match=r"^FakeLLM 'gpt' call #3: over its rpm limit; retry after 50 s$",
        ) as refused:
            await llm.ainvoke("c")
        assert refused.value.retry_after == 50.0
        await asyncio.sleep(refused.value.retry_after)
        await llm.ainvoke("c")

    clock.run(main())
    assert clock.now() == 61.0
    assert [call.attempt for call in llm.calls] == [1, 1, 1, 2]


def test_a_queueing_provider_holds_calls_until_the_rate_window_has_room() -> None:
    llm = FakeLLM(lambda request: "ok", latency=1.0, rpm=2, on_limit="queue")
    clock = VirtualClock()

    async def main() -> None:
        await asyncio.gather(*(llm.ainvoke(str(i)) for i in range(5)))

    clock.run(main())
    assert [call.served for call in llm.calls] == [0.0, 0.0, 60.0, 60.0, 120.0]
    assert clock.now() == 121.0


def test_the_token_limit_counts_prompt_and_completion_tokens() -> None:
    llm = FakeLLM(lambda request: "four words of answer", tpm=9, on_limit="queue")
    clock = VirtualClock()

    async def main() -> None:
        await llm.ainvoke("one two three")  # 3 + 4 = 7 tokens
        await llm.ainvoke("four five six")  # 7 + 3 > 9: waits for the window

    clock.run(main())
    assert [call.served for call in llm.calls] == [0.0, 60.0]


def test_sync_invoke_in_worker_threads_waits_in_virtual_time_in_parallel() -> None:
    llm = FakeLLM(lambda request: "ok", latency=0.2)
    clock = VirtualClock()

    async def main() -> list[str]:
        replies = await asyncio.gather(*(asyncio.to_thread(llm.invoke, str(i)) for i in range(3)))
        return [reply.content for reply in replies]

    assert clock.run(main()) == ["ok", "ok", "ok"]
    assert clock.now() == 0.2
    assert [call.ended for call in llm.calls] == [0.2, 0.2, 0.2]


def test_sync_and_async_callers_share_one_capacity() -> None:
    llm = FakeLLM(lambda request: "ok", latency=1.0, capacity=1)
    clock = VirtualClock()

    async def main() -> None:
        await asyncio.gather(llm.ainvoke("async"), asyncio.to_thread(llm.invoke, "sync"))

    clock.run(main())
    assert sorted(call.ended or 0 for call in llm.calls) == [1.0, 2.0]
    assert clock.now() == 2.0


def test_sync_stream_in_a_worker_thread_yields_tokens_at_their_times() -> None:
    llm = FakeLLM(["a b c"], latency=Latency(1.0, per_token=0.5))
    clock = VirtualClock()

    def consume() -> list[tuple[float, str]]:
        return [(clock.now(), chunk.text) for chunk in llm.stream("go")]

    async def main() -> list[tuple[float, str]]:
        return await asyncio.to_thread(consume)

    assert clock.run(main()) == [(1.0, "a"), (1.5, " b"), (2.0, " c")]


def test_sync_invoke_on_the_loops_own_thread_blocks_the_loop_while_time_moves_on() -> None:
    llm = FakeLLM(["ok"], latency=1.0)
    clock = VirtualClock()

    async def main() -> tuple[float, float]:
        ticker = asyncio.create_task(asyncio.sleep(0.5))
        await asyncio.sleep(0)  # the ticker's timer is set for 0.5
        llm.invoke("hi")  # a blocking call: nothing else runs until it returns
        returned = clock.now()
        await ticker
        return returned, clock.now()

    assert clock.run(main()) == (1.0, 1.0)


def test_the_sync_invoke_api_with_a_sync_node_calling_the_fake_waits_in_virtual_time() -> None:
    llm = FakeLLM(["sync answer"], latency=1.0)

    class State(TypedDict, total=False):
        answer: str

    graph = StateGraph(State)
    graph.add_node("ask", lambda state: {"answer": llm.invoke("q").content})
    graph.add_edge(START, "ask")
    graph.add_edge("ask", END)
    app = graph.compile()
    clock = VirtualClock()

    async def main() -> State:
        # The sync API runs sync nodes inline on its own loop, here in a worker thread.
        return await asyncio.to_thread(app.invoke, {})

    assert clock.run(main()) == {"answer": "sync answer"}
    assert clock.now() == 1.0


def test_calls_inside_a_graph_report_spans_nested_under_their_task() -> None:
    llm = FakeLLM(["answer"], latency=1.0, name="model")
    events: list[Event] = []

    class State(TypedDict, total=False):
        answer: str

    async def ask(state: State) -> State:
        return {"answer": (await llm.ainvoke("question")).content}

    graph = StateGraph(State)
    graph.add_node("ask", ask)
    graph.add_edge(START, "ask")
    graph.add_edge("ask", END)

    async def main() -> None:
        with observe(events.append):
            await graph.compile().ainvoke({})

    VirtualClock().run(main())

    task = next(e for e in events if isinstance(e, TaskStarted))
    started = next(e for e in events if isinstance(e, CallStarted))
    finished = next(e for e in events if isinstance(e, CallFinished))
    assert (started.kind, started.name, started.call_id, started.t) == (
        "llm",
        "model",
        "llm:model#1",
        0.0,
    )
    assert (started.run_id, started.task_id) == (task.run_id, task.task_id)
    assert started.input == [{"role": "user", "content": "question"}]
    assert (finished.t, finished.status, finished.task_id) == (1.0, "ok", task.task_id)
    assert finished.output == {"content": "answer", "tool_calls": []}
    assert llm.calls[0].task is not None
    assert llm.calls[0].task.node == "ask"


def test_with_no_subscriber_a_call_opens_no_span() -> None:
    assert CallSpan.open("llm", "model", 1, "prompt") is None


def test_a_span_reports_the_error_of_a_failed_call() -> None:
    llm = FakeLLM([FakeServerError()], latency=1.0)
    events: list[Event] = []

    async def main() -> None:
        with observe(events.append), pytest.raises(FakeServerError):
            await llm.ainvoke("hi")

    VirtualClock().run(main())
    finished = events[-1]
    assert isinstance(finished, CallFinished)
    assert (finished.status, type(finished.error), finished.run_id) == (
        "error",
        FakeServerError,
        None,
    )


def test_provider_errors_copy_cleanly_for_each_failing_call() -> None:
    import copy

    error = FakeRateLimitError(retry_after=2.5, after=0.1)
    twin = copy.copy(error)
    assert (str(twin), twin.retry_after, twin.after, twin.status_code) == (
        "rate limited (429), retry after 2.5 s",
        2.5,
        0.1,
        429,
    )
    assert twin is not error


def test_provider_errors_are_not_os_errors_so_default_retry_predicates_retry_them() -> None:
    for error_type in (FakeRateLimitError, FakeServerError, FakeTimeoutError):
        assert not issubclass(error_type, OSError)


def test_threads_never_see_a_half_planned_call() -> None:
    # Many threads hammering one fake: numbers stay unique and dense.
    llm = FakeLLM(lambda request: "ok")
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(50):
                llm.invoke("x")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(call.number for call in llm.calls) == list(range(1, 201))


def test_an_error_given_by_a_rule_is_raised_as_a_fresh_copy_each_time() -> None:
    llm = FakeLLM({"down": FakeServerError()})
    clock = VirtualClock()

    async def main() -> None:
        for _ in range(2):
            with pytest.raises(FakeServerError):
                await llm.ainvoke("down")

    clock.run(main())
    first, second = (call.error for call in llm.calls)
    assert first is not second
    assert isinstance(first, FakeServerError)
    assert isinstance(second, FakeServerError)


def test_at_an_epoch_start_records_count_from_the_start_and_spans_use_loop_time() -> None:
    llm = FakeLLM(["a b c"], latency=Latency(0.5, per_token=0.1))
    clock = VirtualClock(start=1_709_591_365)
    events: list[Event] = []

    async def main() -> list[float]:
        with observe(events.append):
            return [clock.now() async for _ in llm.astream("go")]

    assert clock.run(main()) == [0.5, 0.6, 0.7]
    assert (llm.calls[0].started, llm.calls[0].ended) == (0.0, 0.7)
    assert [event.t for event in events] == [1_709_591_365.0, 1_709_591_365.7]


def test_a_fake_reused_under_a_new_clock_starts_a_new_schedule() -> None:
    llm = FakeLLM(lambda request: "ok", latency=1.0, capacity=1)
    first, second = VirtualClock(), VirtualClock()

    async def main() -> None:
        await asyncio.gather(llm.ainvoke("a"), llm.ainvoke("b"))

    first.run(main())
    second.run(main())

    assert (first.now(), second.now()) == (2.0, 2.0)
    assert [call.ended for call in llm.calls] == [1.0, 2.0, 1.0, 2.0]


def test_a_sync_node_calling_invoke_waits_in_virtual_time_and_nests_its_span() -> None:
    llm = FakeLLM(["sync answer"], latency=1.5)
    events: list[Event] = []

    class State(TypedDict, total=False):
        answer: str

    def ask(state: State) -> State:
        return {"answer": llm.invoke("question").content}

    graph = StateGraph(State)
    graph.add_node("ask", ask)
    graph.add_edge(START, "ask")
    graph.add_edge("ask", END)
    clock = VirtualClock()

    async def main() -> State:
        with observe(events.append):
            return await graph.compile().ainvoke({})

    assert clock.run(main()) == {"answer": "sync answer"}
    assert clock.now() == 1.5
    task = next(e for e in events if isinstance(e, TaskStarted))
    finished = next(e for e in events if isinstance(e, CallFinished))
    assert (finished.task_id, finished.t) == (task.task_id, 1.5)
