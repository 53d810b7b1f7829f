"""Speculative execution: the first model to answer wins at its latency; the other is cancelled."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest
import speculative_execution as example

from warpgraph.testing import FakeLLM, FakeServerError, Trace, VirtualClock


@pytest.mark.virtual_time
async def test_the_fast_model_wins_at_one_second_and_the_strong_one_is_cancelled(
    graph_trace: Trace, vclock: VirtualClock
) -> None:
    models = example.make_models()

    result = await example.build_graph(models=models).ainvoke(example.INPUT)

    assert (result["winner"], result["cancelled"]) == ("fast", ["strong"])
    assert result["answer"] == "[fast] The Rhône"
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

    assert (result["winner"], result["cancelled"]) == ("strong", [])
    assert vclock.now() == 3.0
    (fast,) = models["fast"].calls
    assert (fast.status, fast.ended) == ("error", 0.5)


@pytest.mark.virtual_time
async def test_when_every_candidate_fails_the_node_fails_with_all_their_errors(
    vclock: VirtualClock,
) -> None:
    models = {
        "a": example.make_model("a", 1.0, fails_after=0.25),
        "b": example.make_model("b", 1.0, fails_after=0.75),
    }
    with pytest.raises(
        ExceptionGroup,
        match=(
            r"^every candidate failed: a, b"
            r"\nDuring task with name 'answer' and id '[0-9a-f-]+'$"
        ),
    ) as caught:
        await example.build_graph(models=models).ainvoke(example.INPUT)
    assert vclock.now() == 0.75
    assert [type(e) for e in caught.value.exceptions] == [FakeServerError, FakeServerError]


@pytest.mark.virtual_time
async def test_the_race_leaves_no_task_running_behind_the_run() -> None:
    await example.build_graph().ainvoke(example.INPUT)
    assert asyncio.all_tasks() == {asyncio.current_task()}


@pytest.mark.virtual_time
async def test_a_tie_goes_to_the_candidate_listed_first() -> None:
    models = {
        "first": example.make_model("first", 1.0),
        "second": example.make_model("second", 1.0),
    }
    result = await example.build_graph(models=models).ainvoke(example.INPUT)
    assert result["winner"] == "first"


@pytest.mark.virtual_time
async def test_a_hedge_overtakes_a_stuck_primary_with_a_backup_started_late(
    vclock: VirtualClock,
) -> None:
    primary, backup = example.make_model("primary", 3.0), example.make_model("backup", 1.0)

    result = await example.build_hedged_graph(primary, backup).ainvoke(example.INPUT)

    assert (result["winner"], result["cancelled"]) == ("backup", ["primary"])
    assert vclock.now() == example.HEDGE_AFTER + 1.0 == 1.5
    (first,) = primary.calls
    (second,) = backup.calls
    assert (first.started, first.ended, first.status) == (0.0, 1.5, "cancelled")
    assert (second.started, second.ended, second.status) == (0.5, 1.5, "ok")


@pytest.mark.virtual_time
async def test_a_quick_primary_never_starts_the_backup(vclock: VirtualClock) -> None:
    primary, backup = example.make_model("primary", 0.4), FakeLLM([], name="backup")

    result = await example.build_hedged_graph(primary, backup).ainvoke(example.INPUT)

    assert result["winner"] == "primary"
    assert vclock.now() == 0.4
    assert backup.call_count == 0  # an empty script: any call would have raised


def test_the_example_prints_every_race_with_its_durations(
    run_example: Callable[[str], str],
) -> None:
    out = run_example("speculative_execution")
    assert "calls: fast ok at 1.0, strong cancelled at 1.0" in out
    assert "calls: fast error at 0.5, strong ok at 3.0" in out
    assert "calls: primary cancelled at 1.5, backup ok at 1.5" in out
    assert "calls: primary ok at 0.4" in out
    durations = re.findall(r"virtual time: (\S+) s; real time: \S+ ms", out)
    assert durations == ["1.0", "3.0", "1.5", "0.4"]
