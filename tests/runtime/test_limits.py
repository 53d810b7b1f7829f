"""Concurrency limits in virtual time: per run, per node, and a Limiter shared across runs."""

from __future__ import annotations

import asyncio
import math
import operator
from typing import Annotated, Any, TypedDict

import pytest

from warpgraph import END, START, GraphBuildError, Limiter, Send, StateGraph
from warpgraph.testing import FakeLLM, Trace, VirtualClock


class Items(TypedDict, total=False):
    items: list[int]
    done: Annotated[list[int], operator.add]


def fan_out(latency: float = 1.0, **node_options: Any) -> Any:
    """START sends one 1-s `work` task per item; each appends its item to `done`."""

    async def work(arg: dict[str, int]) -> dict[str, Any]:
        await asyncio.sleep(latency)
        return {"done": [arg["item"]]}

    builder = StateGraph(Items)
    builder.add_node("work", work, **node_options)
    builder.add_conditional_edges(START, lambda s: [Send("work", {"item": i}) for i in s["items"]])
    builder.add_edge("work", END)
    return builder.compile()


# -- the Limiter itself --------------------------------------------------------------------


@pytest.mark.virtual_time
async def test_a_limiter_admits_its_limit_and_queues_the_rest_first_come_first_served(
    vclock: VirtualClock,
) -> None:
    limiter = Limiter(2)
    finished: list[tuple[int, float]] = []

    async def call(i: int) -> None:
        async with limiter:
            await asyncio.sleep(1)
        finished.append((i, vclock.now()))

    await asyncio.gather(*(call(i) for i in range(5)))
    assert finished == [(0, 1.0), (1, 1.0), (2, 2.0), (3, 2.0), (4, 3.0)]
    assert (limiter.peak, limiter.in_flight, limiter.waiting) == (2, 0, 0)


@pytest.mark.virtual_time
async def test_a_caller_cancelled_while_queued_gives_up_its_place_without_leaking_a_slot(
    vclock: VirtualClock,
) -> None:
    limiter = Limiter(1)
    holder = asyncio.create_task(limiter.wrap(asyncio.sleep)(1))
    await asyncio.sleep(0)
    queued = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)
    assert (limiter.in_flight, limiter.waiting) == (1, 1)
    queued.cancel()
    await asyncio.gather(queued, return_exceptions=True)
    await holder
    assert (limiter.in_flight, limiter.waiting) == (0, 0)
    async with limiter:
        assert vclock.now() == 1.0


def test_a_limiter_refuses_a_limit_that_is_not_a_positive_int() -> None:
    with pytest.raises(ValueError, match=r"^Limiter\(0\): the limit must be a positive int$"):
        Limiter(0)


def test_releasing_a_limiter_nobody_holds_is_an_error() -> None:
    with pytest.raises(RuntimeError, match=r"release\(\) without a matching acquire\(\)$"):
        Limiter(1, name="llm").release()


# -- max_concurrency per run ---------------------------------------------------------------


@pytest.mark.virtual_time
async def test_six_one_second_send_tasks_with_max_concurrency_two_finish_at_three(
    vclock: VirtualClock, graph_trace: Trace
) -> None:
    result = await fan_out().ainvoke({"items": list(range(6))}, {"max_concurrency": 2})
    assert sorted(result["done"]) == list(range(6))
    assert vclock.now() == 3.0
    graph_trace.assert_max_concurrency(2)
    assert sorted(span.start for span in graph_trace.spans("work")) == [0, 0, 1, 1, 2, 2]


@pytest.mark.parametrize("key", ["max_concurrency", "recursion_limit", "step_timeout"])
async def test_a_control_key_inside_configurable_is_refused_with_where_it_belongs(
    key: str,
) -> None:
    with pytest.raises(
        ValueError,
        match=rf"^config\['configurable'\]\['{key}'\] has no effect \(LangGraph "
        r"silently ignores it there\); move it to the top level of the config: "
        rf"config=\{{'{key}': 2, \.\.\.\}}$",
    ):
        await fan_out().ainvoke({"items": [1]}, {"configurable": {key: 2}})


# -- max_concurrency per node --------------------------------------------------------------


@pytest.mark.virtual_time
async def test_a_node_limit_holds_across_concurrent_runs_of_the_compiled_graph(
    vclock: VirtualClock, graph_trace: Trace
) -> None:
    app = fan_out(max_concurrency=2)
    await asyncio.gather(*(app.ainvoke({"items": [i, i + 10]}) for i in range(3)))
    # Six 1-s tasks over two slots, whichever run they belong to.
    assert vclock.now() == 3.0
    graph_trace.assert_max_concurrency(2)


@pytest.mark.virtual_time
async def test_a_limited_task_starts_in_the_trace_when_it_gets_its_slot(
    graph_trace: Trace,
) -> None:
    await fan_out(max_concurrency=1).ainvoke({"items": [1, 2, 3]})
    spans = sorted(graph_trace.spans("work"), key=lambda span: span.start)
    assert [(span.start, span.end) for span in spans] == [(0, 1), (1, 2), (2, 3)]


@pytest.mark.virtual_time
async def test_run_and_node_limits_combine_and_the_narrower_one_wins(
    vclock: VirtualClock,
) -> None:
    app = fan_out(max_concurrency=3)
    await app.ainvoke({"items": list(range(6))}, {"max_concurrency": 2})
    assert vclock.now() == 3.0


@pytest.mark.virtual_time
async def test_a_limited_node_releases_its_slot_when_it_fails(vclock: VirtualClock) -> None:
    limiter = Limiter(1)

    async def boom(arg: dict[str, int]) -> dict[str, Any]:
        await asyncio.sleep(1)
        raise KeyError(arg["item"])

    builder = StateGraph(Items)
    builder.add_node("boom", boom, max_concurrency=limiter)
    builder.add_conditional_edges(START, lambda s: [Send("boom", {"item": i}) for i in s["items"]])
    app = builder.compile()
    with pytest.raises(KeyError):
        await app.ainvoke({"items": [1, 2]})
    assert (vclock.now(), limiter.in_flight, limiter.waiting) == (1.0, 0, 0)


def test_add_node_refuses_a_max_concurrency_that_is_not_a_positive_int_or_limiter() -> None:
    builder = StateGraph(Items)
    with pytest.raises(
        GraphBuildError,
        match=r"^Node 'work': max_concurrency must be a positive int or a Limiter, got 0; "
        r"pass e\.g\. max_concurrency=4, or None for no limit$",
    ):
        builder.add_node("work", lambda s: s, max_concurrency=0)
    assert "work" not in builder.nodes


# -- one Limiter shared by many runs -------------------------------------------------------


class Prompt(TypedDict, total=False):
    prompt: str
    answer: str


@pytest.mark.virtual_time
async def test_a_shared_limiter_of_3_paces_100_runs_of_a_1s_llm_node_to_ceil_100_over_3(
    vclock: VirtualClock,
) -> None:
    provider = Limiter(3, name="provider")
    llm = FakeLLM(latency=1.0)

    async def ask(state: Prompt) -> dict[str, Any]:
        async with provider:  # every call to the provider, whichever run makes it
            message = await llm.ainvoke(state["prompt"])
        return {"answer": message.content}

    builder = StateGraph(Prompt)
    builder.add_node("ask", ask)
    builder.add_edge(START, "ask")
    app = builder.compile()
    results = await asyncio.gather(*(app.ainvoke({"prompt": f"q{i}"}) for i in range(100)))
    assert results[42]["answer"] == "echo: q42"
    assert vclock.now() == math.ceil(100 / 3) == 34
    assert (provider.peak, provider.in_flight) == (3, 0)
    assert len(llm.calls) == 100


@pytest.mark.virtual_time
async def test_a_limiter_given_to_two_nodes_caps_them_together(vclock: VirtualClock) -> None:
    shared = Limiter(1)

    async def a(state: Prompt) -> dict[str, Any]:
        await asyncio.sleep(1)
        return {"prompt": "a"}

    async def b(state: Prompt) -> dict[str, Any]:
        await asyncio.sleep(1)
        return {"answer": "b"}

    builder = StateGraph(Prompt)
    builder.add_node("a", a, max_concurrency=shared)
    builder.add_node("b", b, max_concurrency=shared)
    builder.add_edge(START, "a")
    builder.add_edge(START, "b")
    assert await builder.compile().ainvoke({}) == {"prompt": "a", "answer": "b"}
    assert vclock.now() == 2.0


@pytest.mark.virtual_time
async def test_a_node_limit_serializes_sync_nodes_running_in_worker_threads(
    vclock: VirtualClock, graph_trace: Trace
) -> None:
    def work(arg: dict[str, int]) -> dict[str, Any]:
        vclock.sleep(1.0)  # a worker thread waiting on the virtual clock
        return {"done": [arg["item"]]}

    builder = StateGraph(Items)
    builder.add_node("work", work, max_concurrency=1)
    builder.add_conditional_edges(START, lambda s: [Send("work", {"item": i}) for i in s["items"]])
    result = await builder.compile().ainvoke({"items": [1, 2, 3]})
    assert sorted(result["done"]) == [1, 2, 3]
    assert vclock.now() == 3.0
    graph_trace.assert_max_concurrency(1)


@pytest.mark.virtual_time
async def test_one_limiter_paces_an_abatch_of_ten_thousand_inputs(vclock: VirtualClock) -> None:
    provider = Limiter(100)
    llm = FakeLLM(latency=1.0)

    async def ask(state: Prompt) -> dict[str, Any]:
        async with provider:
            message = await llm.ainvoke(state["prompt"])
        return {"answer": message.content}

    builder = StateGraph(Prompt)
    builder.add_node("ask", ask)
    builder.add_edge(START, "ask")
    results = await builder.compile().abatch([{"prompt": f"q{i}"} for i in range(10_000)])
    assert len(results) == 10_000
    assert vclock.now() == 100.0
    assert provider.peak == 100
