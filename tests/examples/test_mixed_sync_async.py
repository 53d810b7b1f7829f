"""Mixed sync + async nodes: a blocking `def` node overlaps an `async def` node."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import mixed_sync_async as example
import pytest

from warpgraph.testing import FakeTool, Trace, VirtualClock

FINAL = (
    "[polisher] Polish: [drafter] Draft a reply to: "
    "Warpgraph runs sync and async nodes side by side."
)


@pytest.mark.virtual_time
async def test_the_sync_and_async_nodes_of_one_step_overlap(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    app = example.build_graph()

    result = await app.ainvoke(example.INPUT)

    assert result["final"] == FINAL
    assert result["profile"] == "ada: prefers short answers"
    assert vclock.now() == example.VIRTUAL_SECONDS == 1.5
    graph_trace.assert_parallel("profile", "draft")
    for node in ("profile", "draft"):
        (span,) = graph_trace.spans(node)
        assert (span.start, span.end) == (0.0, 1.0)
    (polish,) = graph_trace.spans("polish")
    assert (polish.start, polish.end) == (1.0, 1.5)
    (preprocess,) = graph_trace.spans("preprocess")
    assert preprocess.duration == 0.0  # pure computation costs no virtual time


@pytest.mark.virtual_time
async def test_the_sync_node_runs_in_a_worker_thread_not_on_the_event_loop() -> None:
    threads: list[threading.Thread] = []

    def lookup(args: dict[str, Any]) -> str:
        threads.append(threading.current_thread())  # FakeTool calls this in the caller's thread
        return "ada: prefers short answers"

    tool = FakeTool("crm_profile", lookup, latency=1.0)
    await example.build_graph(tool=tool).ainvoke(example.INPUT)

    assert len(threads) == 1
    assert threads[0] is not threading.current_thread()  # the test runs on the loop's thread
    (call,) = tool.calls
    assert (call.started, call.ended) == (0.0, 1.0)


@pytest.mark.virtual_time
async def test_the_blocking_model_client_waits_exactly_its_latency_in_virtual_time() -> None:
    polisher = example.make_llm("polisher", 0.5)
    drafter = example.make_llm("drafter", 1.0)
    await example.build_graph(drafter=drafter, polisher=polisher).ainvoke(example.INPUT)

    (draft_call,) = drafter.calls
    (polish_call,) = polisher.calls
    assert (draft_call.started, draft_call.ended) == (0.0, 1.0)
    assert (polish_call.started, polish_call.ended) == (1.0, 1.5)


def test_the_example_prints_the_result_and_both_durations(
    run_example: Callable[[str], str],
) -> None:
    out = run_example("mixed_sync_async")
    assert f"'final': '{FINAL}'" in out
    assert re.search(r"^virtual time: 1\.5 s; real time: \S+ ms$", out, re.MULTILINE)
