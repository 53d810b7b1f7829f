"""Batch async: 2,000 inputs, 100 in flight, 20 virtual seconds, results in input order."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import batch_async as example
import pytest

from warpgraph.testing import Trace, VirtualClock


@pytest.mark.virtual_time
async def test_two_thousand_tickets_a_hundred_at_a_time_take_twenty_virtual_seconds(
    vclock: VirtualClock,
) -> None:
    llm = example.make_llm()

    results = await example.classify_all(example.build_graph(llm=llm), example.INPUTS)

    assert vclock.now() == example.VIRTUAL_SECONDS == 20.0
    assert len(results) == 2000
    assert [r["label"] for r in results[:5]] == ["billing", "bug", "account", "other", "billing"]
    assert all(r["ticket"] == i["ticket"] for r, i in zip(results, example.INPUTS, strict=True))
    assert llm.call_count == 2000


@pytest.mark.virtual_time
async def test_never_more_than_the_bound_of_model_calls_are_in_flight() -> None:
    llm = example.make_llm()

    await example.classify_all(example.build_graph(llm=llm), example.make_inputs(250))

    # Waves of 100: calls start at 0, 1 and 2 s, in input order.
    starts = [call.started for call in llm.calls]
    assert starts == [float(i // 100) for i in range(250)]
    ends = sorted(call.ended or 0.0 for call in llm.calls)
    assert ends == [float(i // 100 + 1) for i in range(250)]


@pytest.mark.virtual_time
async def test_the_trace_sees_at_most_a_hundred_runs_at_once(graph_trace: Trace) -> None:
    await example.classify_all(example.build_graph(), example.make_inputs(300))

    assert len(graph_trace.runs) == 300
    assert graph_trace.max_concurrency("llm") == 100
    graph_trace.assert_makespan(example.virtual_seconds(300))


@pytest.mark.virtual_time
async def test_the_progress_bar_reports_every_tenth_at_exact_virtual_times() -> None:
    lines: list[str] = []
    progress = example.Progress(2000, every=200, out=lines.append)

    await example.classify_all(example.build_graph(), example.INPUTS, progress=progress)

    assert progress.done == 2000
    assert len(lines) == 10
    assert lines[0] == "[##------------------]   200/2000 runs at    2.0 s"
    assert lines[-1] == "[####################]  2000/2000 runs at   20.0 s"
    times = [float(re.findall(r"at +(\S+) s$", line)[0]) for line in lines]
    assert times == [2.0 * k for k in range(1, 11)]


@pytest.mark.virtual_time
async def test_an_uneven_batch_ends_with_a_partial_wave_and_a_final_progress_line(
    vclock: VirtualClock,
) -> None:
    lines: list[str] = []
    progress = example.Progress(250, every=100, out=lines.append)

    await example.classify_all(example.build_graph(), example.make_inputs(250), progress=progress)

    assert vclock.now() == example.virtual_seconds(250) == 3.0
    assert lines == [
        "[########------------]   100/250 runs at    1.0 s",
        "[################----]   200/250 runs at    2.0 s",
        "[####################]   250/250 runs at    3.0 s",
    ]


@pytest.mark.virtual_time
async def test_a_stream_is_pulled_lazily_a_window_at_a_time(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    pulled_at: list[float] = []

    def tickets() -> Iterator[dict[str, Any]]:
        for ticket in example.ticket_stream(300):
            pulled_at.append(vclock.now())
            yield ticket

    counts = await example.classify_stream(example.build_graph(), tickets(), window=100)

    assert counts == {"billing": 75, "bug": 75, "account": 75, "other": 75}
    assert vclock.now() == 3.0
    # Input i is only read when a slot frees up: 100 at 0.0, 100 at 1.0, 100 at 2.0.
    assert pulled_at == [float(i // 100) for i in range(300)]
    assert graph_trace.max_concurrency("llm") == 100


@pytest.mark.virtual_time
async def test_a_stream_of_five_thousand_takes_fifty_virtual_seconds(
    vclock: VirtualClock,
) -> None:
    llm = example.make_llm()
    counts = await example.classify_stream(
        example.build_graph(llm=llm), example.ticket_stream(5_000)
    )
    assert counts.total() == llm.call_count == 5_000
    assert vclock.now() == 50.0


def test_the_example_prints_progress_durations_and_throughput(
    run_example: Callable[[str], str],
) -> None:
    out = run_example("batch_async")
    assert out.count("/2000 runs at") == 10
    assert "labels: {'billing': 500, 'bug': 500, 'account': 500, 'other': 500}" in out
    assert re.search(r"^virtual time: 20\.0 s; real time: \S+ ms$", out, re.MULTILINE)
    assert "streamed 5,000 tickets through amap: {'billing': 1250, 'bug': 1250," in out
    assert re.search(r"^virtual time: 50\.0 s; real time: \S+ ms$", out, re.MULTILINE)
    assert re.search(
        r"^throughput: 100 runs per virtual second, [\d,]+ runs per real second$",
        out,
        re.MULTILINE,
    )
