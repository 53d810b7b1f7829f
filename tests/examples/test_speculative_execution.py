"""Speculative execution: the first model to answer wins at its latency; the other is cancelled."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest
import speculative_execution as example

from warpgraph.testing import FakeLLM, FakeServerError, Trace, VirtualClock

ANSWER = "The Rhône (asked: 'Name a river that flows through Lyon.')"


@pytest.mark.virtual_time
async def test_the_fast_model_wins_at_one_second_and_the_strong_one_is_cancelled(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    models = example.make_models()

    result = await example.build_graph(models=models).ainvoke(example.INPUT)

    assert result["winner"] == "fast"
    assert result["answer"] == f"[fast] {ANSWER}"
    assert vclock.now() == example.VIRTUAL_SECONDS == 1.0
    (fast,) = models["fast"].calls
    (strong,) = models["strong"].calls
    assert (fast.status, fast.started, fast.ended) == ("ok", 0.0, 1.0)
    assert (strong.status, strong.started, strong.ended) == ("cancelled", 0.0, 1.0)
    assert [(s.name, s.status) for s in graph_trace.spans(kind="llm")] == [
        ("fast", "ok"),
        ("strong", "cancelled"),
    ]
    assert graph_trace.max_concurrency("llm") == 2


@pytest.mark.virtual_time
async def test_a_failing_candidate_does_not_win_the_next_success_does(
    vclock: VirtualClock,
) -> None:
    models = example.make_models(fast_fails=True)

    result = await example.build_graph(models=models).ainvoke(example.INPUT)

    assert result["winner"] == "strong"
    assert vclock.now() == 3.0
    (fast,) = models["fast"].calls
    assert (fast.status, fast.ended) == ("error", 0.5)


@pytest.mark.virtual_time
async def test_when_every_candidate_fails_the_node_fails_with_all_their_errors(
    vclock: VirtualClock,
) -> None:
    models = {
        "a": FakeLLM(["-"], latency=1.0, failures={1: FakeServerError(after=0.25)}, name="a"),
        "b": FakeLLM(["-"], latency=1.0, failures={1: FakeServerError(after=0.75)}, name="b"),
    }
    with pytest.raises(ExceptionGroup, match=r"^all 2 candidates failed$") as caught:
        await example.build_graph(models=models).ainvoke(example.INPUT)
    assert vclock.now() == 0.75
    assert [type(e) for e in caught.value.exceptions] == [FakeServerError, FakeServerError]


@pytest.mark.virtual_time
async def test_the_loser_stops_where_the_race_ended_and_its_finally_runs(
    vclock: VirtualClock,
) -> None:
    cleaned_up: list[float] = []

    async def slow() -> str:
        try:
            await asyncio.sleep(3.0)
            return "slow"
        finally:
            cleaned_up.append(vclock.now())

    async def quick() -> str:
        await asyncio.sleep(1.0)
        return "quick"

    assert await example.first_success({"slow": slow(), "quick": quick()}) == ("quick", "quick")
    assert cleaned_up == [1.0]
    assert vclock.now() == 1.0
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


@pytest.mark.virtual_time
async def test_a_tie_goes_to_the_candidate_listed_first() -> None:
    models = {
        "first": FakeLLM(lambda request: "1", latency=1.0, name="first"),
        "second": FakeLLM(lambda request: "2", latency=1.0, name="second"),
    }
    result = await example.build_graph(models=models).ainvoke(example.INPUT)
    assert result["winner"] == "first"


def test_the_example_prints_both_races_with_their_durations(
    run_example: Callable[[str], str],
) -> None:
    out = run_example("speculative_execution")
    assert "calls: fast ok at 1.0, strong cancelled at 1.0" in out
    assert "calls: fast error at 0.5, strong ok at 3.0" in out
    durations = re.findall(r"virtual time: (\S+) s; real time: \S+ ms", out)
    assert durations == ["1.0", "3.0"]
