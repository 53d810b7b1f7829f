"""The fake_llm, fake_tool and fake_openai fixtures, on the virtual-time plugin."""

import asyncio
from collections.abc import Callable

import httpx
import openai
import pytest

from warpgraph.testing import FakeLLM, FakeOpenAI, FakeTool, VirtualClock


@pytest.mark.virtual_time
async def test_fixture_fakes_take_their_latency_in_virtual_time(
    fake_llm: Callable[..., FakeLLM], fake_tool: Callable[..., FakeTool], vclock: VirtualClock
) -> None:
    llm = fake_llm(latency=1.0)
    search = fake_tool("search", ["hit"], latency=0.5)

    replies = await asyncio.gather(llm.ainvoke("a"), llm.ainvoke("b"), search.ainvoke({}))

    assert [reply.content for reply in replies[:2]] == ["echo: a", "echo: b"]
    assert replies[2] == ["hit"]
    assert vclock.now() == 1.0


@pytest.mark.virtual_time
async def test_fake_openai_is_a_started_endpoint_with_a_replaceable_model(
    fake_openai: FakeOpenAI, fake_llm: Callable[..., FakeLLM], vclock: VirtualClock
) -> None:
    fake_openai.llm = fake_llm(["scripted"], latency=2.0)
    client = openai.AsyncOpenAI(
        base_url=fake_openai.base_url, api_key="x", http_client=httpx.AsyncClient()
    )

    reply = await client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}]
    )

    assert reply.choices[0].message.content == "scripted"
    assert vclock.now() == 2.0
    assert fake_openai.router.calls.call_count == 1


def test_each_test_gets_fresh_fakes_and_a_failure_shows_their_timelines(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        import pytest

        SEEN = []

        @pytest.mark.virtual_time
        async def test_first(fake_llm, fake_openai):
            llm = fake_llm(["only answer"], latency=1.5)
            SEEN.append((llm, fake_openai))
            await llm.ainvoke("the question")
            assert llm.call_count == 2

        @pytest.mark.virtual_time
        async def test_second(fake_llm, fake_openai):
            llm = fake_llm(["only answer"])
            assert (llm, fake_openai) != SEEN[0]
            assert fake_openai.llm.call_count == 0
            assert (await llm.ainvoke("again")).content == "only answer"
        """
    )

    result = pytester.runpytest("-p", "no:randomly")

    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- warpgraph fakes -*",
            "FakeLLM 'fake-openai': 0 calls",
            "*",
            "*",
            "FakeLLM 'fake-llm': 1 calls",
            "*",
            "   1    1    0.000    0.000    1.500  ok * 'the question' -> 'only answer'",
        ]
    )
