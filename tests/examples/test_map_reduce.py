"""Map-reduce with Send: 100 one-second tasks, 10 at a time, finish the map at 10.0."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import map_reduce as example
import pytest

from warpgraph import Limiter
from warpgraph.testing import Trace, VirtualClock


@pytest.mark.virtual_time
async def test_a_hundred_items_ten_at_a_time_take_ten_seconds_then_one_to_reduce(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    llm = example.make_llm()
    app = example.build_graph(llm=llm)

    result = await app.ainvoke(example.INPUT, config=example.CONFIG)

    assert result["report"] == "report over 100 summaries"
    assert vclock.now() == example.VIRTUAL_SECONDS == 11.0
    graph_trace.assert_max_concurrency(10)
    assert graph_trace.max_concurrency("task", node="summarize") == 10
    assert graph_trace.max_concurrency("llm") == 10
    assert llm.call_count == 101
    (reduce,) = graph_trace.spans("reduce")
    assert (reduce.start, reduce.end) == (10.0, 11.0)


@pytest.mark.virtual_time
async def test_the_tasks_start_in_send_order_in_rounds_of_ten(graph_trace: Trace) -> None:
    await example.build_graph().ainvoke(example.INPUT, config=example.CONFIG)

    tasks = sorted(graph_trace.spans("summarize"), key=lambda s: s.send_index or 0)
    assert [s.send_index for s in tasks] == list(range(100))
    assert [(s.start, s.end) for s in tasks] == [(i // 10, i // 10 + 1.0) for i in range(100)]


@pytest.mark.virtual_time
async def test_the_summaries_come_back_in_document_order() -> None:
    result = await example.build_graph().ainvoke(example.INPUT, config=example.CONFIG)
    assert result["summaries"] == [f"summary of document {i}" for i in range(100)]


@pytest.mark.virtual_time
async def test_without_a_limit_all_hundred_calls_hit_the_provider_at_once(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    await example.build_graph().ainvoke(example.INPUT)

    assert vclock.now() == example.virtual_seconds(100, limit=None) == 2.0
    assert graph_trace.max_concurrency("llm") == 100


@pytest.mark.virtual_time
@pytest.mark.parametrize(("items", "limit"), [(7, 3), (10, 10), (25, 1), (12, 5)])
async def test_the_makespan_is_one_second_per_round_of_limit_items_plus_the_reduce(
    items: int, limit: int, graph_trace: Trace, vclock: VirtualClock
) -> None:
    app = example.build_graph()
    result = await app.ainvoke(example.make_input(items), config={"max_concurrency": limit})

    assert len(result["summaries"]) == items
    assert vclock.now() == example.virtual_seconds(items, limit)
    assert graph_trace.max_concurrency("task", node="summarize") == min(items, limit)


def test_the_example_prints_the_report_and_both_durations(
    run_example: Callable[[str], str],
) -> None:
    out = run_example("map_reduce")
    assert "100 summaries, first: 'summary of document 0'" in out
    assert re.search(
        r"^max_concurrency=10: virtual time: 11\.0 s; real time: \S+ ms$", out, re.MULTILINE
    )


@pytest.mark.virtual_time
async def test_the_run_limit_is_per_run_so_two_runs_make_twenty_calls_at_once(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    app = example.build_graph()
    await asyncio.gather(*(app.ainvoke(example.INPUT, config=example.CONFIG) for _ in range(2)))

    assert vclock.now() == 11.0
    assert graph_trace.max_concurrency("llm") == 20


@pytest.mark.virtual_time
async def test_a_node_limit_holds_across_runs_like_a_provider_capacity(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    app = example.build_graph(node_limit=10)
    await asyncio.gather(*(app.ainvoke(example.INPUT) for _ in range(2)))

    # 200 one-second calls through 10 slots, first come first served: the first run's
    # map ends at 10.0, the second run's waits for slots and ends at 20.0.
    assert vclock.now() == 21.0
    assert graph_trace.max_concurrency("task", node="summarize") == 10
    assert sorted((s.start, s.end) for s in graph_trace.spans("reduce")) == [
        (10.0, 11.0),
        (20.0, 21.0),
    ]


@pytest.mark.virtual_time
async def test_a_shared_limiter_caps_two_graphs_together(vclock: VirtualClock) -> None:
    provider = Limiter(10, name="provider")
    first, second = (example.build_graph(node_limit=provider) for _ in range(2))
    await asyncio.gather(first.ainvoke(example.INPUT), second.ainvoke(example.INPUT))

    assert vclock.now() == 21.0
    assert provider.peak == 10
