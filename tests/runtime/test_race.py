"""Speculative execution: race and hedge, exact in virtual time."""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

import pytest

from warpgraph import START, RaceResult, StateGraph, hedge, race, race_node
from warpgraph.testing import FakeLLM, VirtualClock


def candidate(name: str, seconds: float, events: list[str], error: Exception | None = None) -> Any:
    async def call() -> str:
        try:
            await asyncio.sleep(seconds)
            if error is not None:
                raise error
            return name
        finally:
            events.append(f"{name} finally at {asyncio.get_running_loop().time()}")

    return call


@pytest.mark.virtual_time
async def test_a_race_of_one_and_three_seconds_returns_at_one_and_the_loser_is_cleaned_up(
    vclock: VirtualClock,
) -> None:
    events: list[str] = []
    before = asyncio.all_tasks()
    result = await race(
        {"fast": candidate("fast", 1, events), "slow": candidate("slow", 3, events)}
    )
    assert vclock.now() == 1.0
    assert result == RaceResult(
        value="fast", winner="fast", elapsed=1.0, cancelled=("slow",), failed=()
    )
    assert events == ["fast finally at 1.0", "slow finally at 1.0"]
    assert asyncio.all_tasks() == before


@pytest.mark.virtual_time
async def test_a_failed_candidate_never_wins_the_next_success_does(vclock: VirtualClock) -> None:
    events: list[str] = []
    result = await race(
        [
            candidate("broken", 0.5, events, ConnectionError("down")),
            candidate("steady", 2, events),
        ]
    )
    assert (result.value, result.winner, result.failed, vclock.now()) == (
        "steady",
        "1",
        ("0",),
        2.0,
    )


@pytest.mark.virtual_time
async def test_when_every_candidate_fails_the_race_raises_all_their_errors(
    vclock: VirtualClock,
) -> None:
    events: list[str] = []
    with pytest.raises(ExceptionGroup, match=r"^every candidate failed: a, b") as caught:
        await race(
            {
                "a": candidate("a", 1, events, KeyError("a")),
                "b": candidate("b", 2, events, ValueError("b")),
            }
        )
    assert [type(e) for e in caught.value.exceptions] == [KeyError, ValueError]
    assert vclock.now() == 2.0


@pytest.mark.virtual_time
async def test_cancelling_a_race_cancels_every_candidate() -> None:
    events: list[str] = []
    before = asyncio.all_tasks()
    racing = asyncio.create_task(race([candidate("a", 5, events), candidate("b", 5, events)]))
    await asyncio.sleep(1)
    racing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await racing
    assert events == ["a finally at 1.0", "b finally at 1.0"]
    assert asyncio.all_tasks() == before


@pytest.mark.virtual_time
async def test_a_race_accepts_awaitables_and_two_models(vclock: VirtualClock) -> None:
    quick, smart = FakeLLM(["quick answer"], latency=1.0), FakeLLM(["deep answer"], latency=4.0)
    result = await race({"quick": quick.ainvoke("q"), "smart": smart.ainvoke("q")})
    assert (result.winner, result.value.content, vclock.now()) == ("quick", "quick answer", 1.0)


def test_a_race_refuses_what_it_cannot_start() -> None:
    with pytest.raises(TypeError, match=r"^race\(\): candidate 'x' is 42; pass an awaitable"):
        asyncio.run(race({"x": 42}))  # type: ignore[dict-item]
    with pytest.raises(ValueError, match=r"^race\(\) needs at least one candidate$"):
        asyncio.run(race([]))


# -- hedging -------------------------------------------------------------------------------


@pytest.mark.virtual_time
async def test_a_fast_call_is_never_hedged(vclock: VirtualClock) -> None:
    events: list[str] = []
    result = await hedge(candidate("call", 0.5, events), after=1.0)
    assert (result.winner, result.not_started, vclock.now()) == ("primary", ("backup",), 0.5)
    assert events == ["call finally at 0.5"]


@pytest.mark.virtual_time
async def test_a_slow_call_gets_a_backup_after_the_delay_and_the_faster_wins(
    vclock: VirtualClock,
) -> None:
    llm = FakeLLM(latency=[5.0, 1.0])  # per call: the primary is slow, the backup is not

    result = await hedge(lambda: llm.ainvoke("q"), after=2.0)
    # The backup starts at 2.0 and answers at 3.0, before the primary's 5.0.
    assert (result.winner, result.cancelled, vclock.now()) == ("backup", ("primary",), 3.0)
    assert [call.started for call in llm.calls] == [0.0, 2.0]


@pytest.mark.virtual_time
async def test_a_primary_that_fails_early_starts_the_backup_at_once(vclock: VirtualClock) -> None:
    events: list[str] = []
    result = await hedge(
        candidate("primary", 0.25, events, ConnectionError()),
        backup=candidate("backup", 1, events),
        after=2.0,
    )
    assert (result.winner, result.failed, vclock.now()) == ("backup", ("primary",), 1.25)


def test_hedge_refuses_a_negative_delay() -> None:
    with pytest.raises(ValueError, match=r"^hedge\(after=-1\): after must be a number of seconds"):
        asyncio.run(hedge(candidate("x", 1, []), after=-1))


# -- as a node -----------------------------------------------------------------------------


class Answer(TypedDict, total=False):
    question: str
    answer: str
    winner: str


@pytest.mark.virtual_time
async def test_race_node_returns_the_winners_update_and_records_its_name(
    vclock: VirtualClock,
) -> None:
    async def fast_model(state: Answer) -> dict[str, Any]:
        await asyncio.sleep(1)
        return {"answer": "fast: " + state["question"]}

    async def slow_model(state: Answer) -> dict[str, Any]:
        await asyncio.sleep(3)
        return {"answer": "slow: " + state["question"]}

    builder = StateGraph(Answer)
    builder.add_node("answer", race_node({"fast": fast_model, "slow": slow_model}, record="winner"))
    builder.add_edge(START, "answer")
    result = await builder.compile().ainvoke({"question": "why?"})
    assert result == {"question": "why?", "answer": "fast: why?", "winner": "fast"}
    assert vclock.now() == 1.0


def test_race_node_refuses_a_sync_candidate() -> None:
    with pytest.raises(
        TypeError, match=r"^race_node\(\): candidate 'sync' must be an async function"
    ):
        race_node({"sync": lambda state: {}})
